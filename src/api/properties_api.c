/* properties_api.c - /api/v1/properties. */
#include "api/api.h"
#include "api/schema.h"
#include "api/serve.h"

#include "properties/properties.h"

void api_properties_create(req_t *r)
{
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = property_create(req_app(r), req_principal(r), req_json(r), &out, &e);
    api_reply(r, rc, &e, 201, out);
}

void api_properties_list(req_t *r)
{
    int limit;
    const char *cursor;
    if (req_page(r, &limit, &cursor) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = property_list(req_app(r), req_principal(r), limit, cursor, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void api_properties_get(req_t *r)
{
    serve_read(r, property_get);
}

void api_properties_update(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    int64_t version;
    if (req_uuid_param(r, "pid", pid) != 0 || req_if_match(r, &version) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = property_update(req_app(r), req_principal(r), pid, req_json(r), version, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void api_properties_delete(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0)
        return;
    buffr_err_t e = {0};
    int rc = property_delete(req_app(r), req_principal(r), pid, &e);
    api_reply(r, rc, &e, 204, NULL);
}

/* ---- routes ---- */

#define PROPERTY_PROPS                                                                             \
    "\"id\":" S_UUID ",\"name\":" S_STR ",\"type\":" S_PTYPE ",\"timezone\":" S_STR                \
    ",\"currency\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"},\"created_at\":" S_TIME        \
    ",\"updated_at\":" S_TIME ",\"version\":" S_INT
static const char property_answer[] =
    OBJ(PROPERTY_PROPS, "\"id\",\"name\",\"type\",\"timezone\",\"currency\",\"version\"");
static const char properties_answer[] = S_LIST(OBJ(PROPERTY_PROPS, "\"id\""));
static const char property_create_body[] =
    OBJ("\"name\":" S_STR ",\"type\":" S_PTYPE ",\"timezone\":" S_STR ",\"currency\":" S_STR,
        "\"name\",\"type\",\"timezone\",\"currency\"");
static const char property_update_body[] =
    OBJ("\"name\":" S_STR ",\"type\":" S_PTYPE ",\"timezone\":" S_STR ",\"currency\":" S_STR, "");

const route_t properties_routes[] = {
    {"POST", "/api/v1/properties", api_properties_create, PERM_MANAGER, "Create a property",
     "properties", JSON, property_create_body, property_answer, 201},
    {"GET", "/api/v1/properties", api_properties_list, PERM_STAFF, "List the tenant's properties",
     "properties", 0, NULL, properties_answer, 200, 0, "limit:integer,cursor:string"},
    {"GET", "/api/v1/properties/{pid}", api_properties_get, PERM_STAFF, "Read a property",
     "properties", 0, NULL, property_answer, 200},
    {"PATCH", "/api/v1/properties/{pid}", api_properties_update, PERM_MANAGER,
     "Change a property (If-Match)", "properties", JSON, property_update_body, property_answer,
     200},
    {"DELETE", "/api/v1/properties/{pid}", api_properties_delete, PERM_MANAGER,
     "Delete a property that has nothing attached", "properties", 0, NULL, NULL, 204},
};
const size_t properties_routes_count = sizeof(properties_routes) / sizeof(properties_routes[0]);
