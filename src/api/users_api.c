/* users_api.c - /api/v1/users: user management within the caller's tenant. */
#include "api/api.h"
#include "api/schema.h"

#include "identity/identity.h"

void api_users_create(req_t *r)
{
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = users_create(req_app(r), req_principal(r), req_json(r), &out, &e);
    api_reply(r, rc, &e, 201, out);
}

void api_users_list(req_t *r)
{
    int limit;
    const char *cursor;
    if (req_page(r, &limit, &cursor) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = users_list(req_app(r), req_principal(r), limit, cursor, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void api_users_get(req_t *r)
{
    char uid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "uid", uid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = users_get(req_app(r), req_principal(r), uid, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void api_users_update(req_t *r)
{
    char uid[UUID_BUF_SIZE];
    int64_t version;
    if (req_uuid_param(r, "uid", uid) != 0 || req_if_match(r, &version) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = users_update(req_app(r), req_principal(r), uid, req_json(r), version, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

/* ---- routes ---- */

static const char user_answer[] = OBJ(USER_PROPS, "\"id\",\"email\",\"role\",\"version\"");
static const char users_answer[] = S_LIST(OBJ(USER_PROPS, "\"id\""));
static const char user_create_body[] =
    OBJ("\"email\":" S_STR ",\"full_name\":" S_STR ",\"password\":" S_STR ",\"role\":" S_ROLE
        ",\"permissions\":" S_PERMS,
        "\"email\",\"full_name\",\"password\",\"role\"");
static const char user_update_body[] = OBJ("\"role\":" S_ROLE ",\"permissions\":" S_PERMS
                                           ",\"disabled\":" S_BOOL ",\"full_name\":" S_STR,
                                           "");

const route_t users_routes[] = {
    {"POST", "/api/v1/users", api_users_create, PERM_MANAGER, "Create a user in the tenant",
     "users", JSON, user_create_body, user_answer, 201},
    {"GET", "/api/v1/users", api_users_list, PERM_MANAGER, "List the tenant's users", "users", 0,
     NULL, users_answer, 200, 0, "limit:integer,cursor:string"},
    {"GET", "/api/v1/users/{uid}", api_users_get, PERM_MANAGER, "Read a user", "users", 0, NULL,
     user_answer, 200},
    {"PATCH", "/api/v1/users/{uid}", api_users_update, PERM_MANAGER,
     "Change a user's role, permissions, name or disable it (If-Match)", "users", JSON,
     user_update_body, user_answer, 200},
};
const size_t users_routes_count = sizeof(users_routes) / sizeof(users_routes[0]);
