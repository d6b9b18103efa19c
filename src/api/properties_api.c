/* properties_api.c - /api/v1/properties. */
#include "api/api.h"

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
    char pid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = property_get(req_app(r), req_principal(r), pid, &out, &e);
    api_reply(r, rc, &e, 200, out);
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
