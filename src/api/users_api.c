/* users_api.c - /api/v1/users: user management within the caller's tenant. */
#include "api/api.h"

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
