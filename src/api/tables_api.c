/*
 * tables_api.c - /api/v1/properties/{pid}/floor-areas and /tables...:
 * the dining room, and each table's QR ordering link (JSON, SVG, PNG) and
 * its revocation. Rules: restaurant/tables.c.
 */
#include "api/api.h"
#include "api/schema.h"
#include "api/serve.h"

#include <stdlib.h>

#include "restaurant/restaurant.h"
#include "restaurant/restaurant_internal.h"

HANDLER(api_areas_create, serve_write(r, floor_area_create, 201))
HANDLER(api_areas_list, serve_read(r, floor_area_list))
HANDLER(api_areas_delete, serve_delete(r, "aid", floor_area_delete))
HANDLER(api_tables_create, serve_write(r, dining_table_create, 201))
HANDLER(api_tables_list, serve_filter(r, "status", dining_table_list))
HANDLER(api_tables_get, serve_get(r, "tid", dining_table_get))
HANDLER(api_tables_update, serve_update(r, "tid", dining_table_update, 200))
HANDLER(api_tables_delete, serve_delete(r, "tid", dining_table_delete))

/* ---- the QR ordering link ---- */

/* dining_table_qr_link or dining_table_qr_revoke. */
typedef int table_link_fn(app_t *app, const principal_t *who, const char *pid, const char *tid,
                          const char *host, json_t **out, buffr_err_t *e);

/* Table {tid}'s link from fn, for the Host this request came to (where the
 * link points when the property has no base URL): 0 with *link, or -1 when
 * the error has been sent. */
static int table_link(req_t *r, table_link_fn *fn, json_t **link)
{
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
    if (serve_ids(r, "tid", pid, tid, NULL) != 0)
        return -1;
    buffr_err_t e = {0};
    if (fn(req_app(r), req_principal(r), pid, tid, req_header(r, "Host"), link, &e) != 0) {
        reply_err(r, &e);
        return -1;
    }
    return 0;
}

static void api_tables_qr_image(req_t *r, bool png)
{
    json_t *link = NULL;
    if (table_link(r, dining_table_qr_link, &link) != 0)
        return;
    const char *url = json_string_value(json_object_get(link, "url"));
    char *svg = NULL;
    unsigned char *image = NULL;
    size_t len = 0;
    int rc = png ? qr_code_png(url, &image, &len) : qr_code_svg(url, &svg, &len);
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

static void api_tables_qr(req_t *r)
{
    json_t *link = NULL;
    if (table_link(r, dining_table_qr_link, &link) == 0)
        reply_json(r, 200, link);
}

static void api_tables_qr_revoke(req_t *r)
{
    json_t *link = NULL;
    if (table_link(r, dining_table_qr_revoke, &link) == 0)
        reply_json(r, 200, link);
}

HANDLER(api_tables_qr_svg, api_tables_qr_image(r, false))
HANDLER(api_tables_qr_png, api_tables_qr_image(r, true))

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
