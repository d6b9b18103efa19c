/*
 * tables_api.c - /api/v1/properties/{pid}/floor-areas and /tables...:
 * the dining room, and each table's QR ordering link (JSON, SVG, PNG) and
 * its revocation. Rules: restaurant/tables.c.
 */
#include "api/api.h"
#include "api/schema.h"

#include <stdlib.h>

#include "restaurant/restaurant.h"
#include "restaurant/restaurant_internal.h"

static int table_ids(req_t *r, char pid[UUID_BUF_SIZE], const char *name2, char id[UUID_BUF_SIZE])
{
    if (req_uuid_param(r, "pid", pid) != 0)
        return -1;
    return name2 ? req_uuid_param(r, name2, id) : 0;
}

static void api_areas_create(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (table_ids(r, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = floor_area_create(req_app(r), req_principal(r), pid, req_json(r), &out, &e);
    api_reply(r, rc, &e, 201, out);
}

static void api_areas_list(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (table_ids(r, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = floor_area_list(req_app(r), req_principal(r), pid, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_areas_delete(req_t *r)
{
    char pid[UUID_BUF_SIZE], aid[UUID_BUF_SIZE];
    if (table_ids(r, pid, "aid", aid) != 0)
        return;
    buffr_err_t e = {0};
    int rc = floor_area_delete(req_app(r), req_principal(r), pid, aid, &e);
    api_reply(r, rc, &e, 204, NULL);
}

static void api_tables_create(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (table_ids(r, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = dining_table_create(req_app(r), req_principal(r), pid, req_json(r), &out, &e);
    api_reply(r, rc, &e, 201, out);
}

static void api_tables_list(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (table_ids(r, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = dining_table_list(req_app(r), req_principal(r), pid, req_query(r, "status"), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_tables_get(req_t *r)
{
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
    if (table_ids(r, pid, "tid", tid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = dining_table_get(req_app(r), req_principal(r), pid, tid, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_tables_update(req_t *r)
{
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
    int64_t version;
    if (table_ids(r, pid, "tid", tid) != 0 || req_if_match(r, &version) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc =
        dining_table_update(req_app(r), req_principal(r), pid, tid, req_json(r), version, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_tables_delete(req_t *r)
{
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
    if (table_ids(r, pid, "tid", tid) != 0)
        return;
    buffr_err_t e = {0};
    int rc = dining_table_delete(req_app(r), req_principal(r), pid, tid, &e);
    api_reply(r, rc, &e, 204, NULL);
}

static void api_tables_qr(req_t *r)
{
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
    if (table_ids(r, pid, "tid", tid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = dining_table_qr_link(req_app(r), req_principal(r), pid, tid, req_header(r, "Host"),
                                  &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_tables_qr_image(req_t *r, bool png)
{
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
    if (table_ids(r, pid, "tid", tid) != 0)
        return;
    json_t *link = NULL;
    buffr_err_t e = {0};
    int rc = dining_table_qr_link(req_app(r), req_principal(r), pid, tid, req_header(r, "Host"),
                                  &link, &e);
    if (rc != 0) {
        reply_err(r, &e);
        return;
    }
    const char *url = json_string_value(json_object_get(link, "url"));
    char *svg = NULL;
    unsigned char *image = NULL;
    size_t len = 0;
    rc = png ? qr_code_png(url, &image, &len) : qr_code_svg(url, &svg, &len);
    json_decref(link);
    if (rc != 0) {
        reply_error(r, rc, NULL, "could not draw the QR code");
        return;
    }
    reply_header(r, "Cache-Control", "no-store");
    if (png)
        reply_raw(r, 200, "image/png", (const char *)image, len);
    else
        reply_raw(r, 200, "image/svg+xml", svg, len);
    free(image);
    free(svg);
}

static void api_tables_qr_svg(req_t *r)
{
    api_tables_qr_image(r, false);
}

static void api_tables_qr_png(req_t *r)
{
    api_tables_qr_image(r, true);
}

static void api_tables_qr_revoke(req_t *r)
{
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
    if (table_ids(r, pid, "tid", tid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = dining_table_qr_revoke(req_app(r), req_principal(r), pid, tid, req_header(r, "Host"),
                                    &out, &e);
    api_reply(r, rc, &e, 200, out);
}

/* ---- routes ---- */

#define MANAGE    PERM_SERVICE(ROLE_SERVICE_MANAGER, SERVICE_RESTAURANT)
#define OPERATE   PERM_SERVICE(ROLE_STAFF, SERVICE_RESTAURANT)
#define S_TSTATUS "{\"enum\":[\"free\",\"occupied\",\"needs_cleaning\"]}"

#define AREA_PROPS "\"name\":" S_STR ",\"position\":" S_INT
static const char area_body[] = OBJ(AREA_PROPS, "\"name\"");
static const char area_answer[] = OBJ("\"id\":" S_UUID "," AREA_PROPS, "\"id\",\"name\"");
static const char areas_answer[] = S_WHOLE_LIST(OBJ("\"id\":" S_UUID "," AREA_PROPS, "\"id\""));

#define TABLE_PROPS                                                                                \
    "\"name\":" S_STR ",\"seats\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100},"           \
    "\"area_id\":{\"type\":[\"string\",\"null\"]},\"status\":" S_TSTATUS
static const char table_body[] = OBJ(TABLE_PROPS, "\"name\",\"seats\"");
static const char table_update_body[] = OBJ(TABLE_PROPS, "");
static const char table_answer[] =
    OBJ("\"id\":" S_UUID "," TABLE_PROPS ",\"token_version\":" S_INT ",\"version\":" S_INT,
        "\"id\",\"name\",\"seats\",\"status\",\"version\"");
static const char tables_answer[] = S_WHOLE_LIST(OBJ("\"id\":" S_UUID "," TABLE_PROPS, "\"id\""));
static const char link_answer[] =
    OBJ("\"table_id\":" S_UUID ",\"url\":" S_STR ",\"token\":" S_STR ",\"token_version\":" S_INT,
        "\"url\",\"token\",\"token_version\"");

#define P "/api/v1/properties/{pid}"
const route_t tables_routes[] = {
    {"POST", P "/floor-areas", api_areas_create, MANAGE, "Create a floor area (terrace, bar...)",
     "tables", JSON, area_body, area_answer, 201},
    {"GET", P "/floor-areas", api_areas_list, OPERATE, "List the floor areas", "tables", 0, NULL,
     areas_answer, 200},
    {"DELETE", P "/floor-areas/{aid}", api_areas_delete, MANAGE,
     "Delete a floor area with no tables", "tables", 0, NULL, NULL, 204},
    {"POST", P "/tables", api_tables_create, MANAGE, "Create a table", "tables", JSON, table_body,
     table_answer, 201},
    {"GET", P "/tables", api_tables_list, OPERATE, "List the tables (?status=)", "tables", 0, NULL,
     tables_answer, 200, 0, "status:string"},
    {"GET", P "/tables/{tid}", api_tables_get, OPERATE, "Read a table", "tables", 0, NULL,
     table_answer, 200},
    {"PATCH", P "/tables/{tid}", api_tables_update, OPERATE,
     "Change a table (status free/occupied/needs_cleaning, seats, name, area; If-Match)", "tables",
     JSON, table_update_body, table_answer, 200},
    {"DELETE", P "/tables/{tid}", api_tables_delete, MANAGE, "Delete a table with no orders",
     "tables", 0, NULL, NULL, 204},
    {"GET", P "/tables/{tid}/qr", api_tables_qr, OPERATE,
     "The table's ordering link and token (for the QR code)", "tables", 0, NULL, link_answer, 200},
    {"GET", P "/tables/{tid}/qr.svg", api_tables_qr_svg, OPERATE, "The table's QR code as SVG",
     "tables", ROUTE_RAW, NULL, NULL, 200},
    {"GET", P "/tables/{tid}/qr.png", api_tables_qr_png, OPERATE, "The table's QR code as PNG",
     "tables", ROUTE_RAW, NULL, NULL, 200},
    {"POST", P "/tables/{tid}/qr/revoke", api_tables_qr_revoke, MANAGE,
     "Revoke every QR token of the table issued so far; answers the new link", "tables", 0, NULL,
     link_answer, 200},
};
const size_t tables_routes_count = sizeof(tables_routes) / sizeof(tables_routes[0]);
