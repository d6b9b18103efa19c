/*
 * restaurant_serve.c - the shapes of handler the restaurant's API files
 * share (restaurant_serve.h): path ids, then the body, a query value or
 * If-Match, one domain call, its answer.
 */
#include "api/restaurant_serve.h"

#include <stdlib.h>

#include "api/api.h"

void restaurant_serve_read(req_t *r, restaurant_read_fn *fn)
{
    char pid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void restaurant_serve_filter(req_t *r, const char *query, restaurant_filter_fn *fn)
{
    char pid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, req_query(r, query), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void restaurant_serve_write(req_t *r, restaurant_write_fn *fn, int status)
{
    char pid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, req_json(r), &out, &e);
    api_reply(r, rc, &e, status, out);
}

void restaurant_serve_one(req_t *r, const char *param, restaurant_get_fn *fn)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0 || req_uuid_param(r, param, id) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, id, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void restaurant_serve_change(req_t *r, const char *param, restaurant_change_fn *fn, int status)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0 || req_uuid_param(r, param, id) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, id, req_json(r), &out, &e);
    api_reply(r, rc, &e, status, out);
}

void restaurant_serve_update(req_t *r, const char *param, restaurant_update_fn *fn)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    int64_t version;
    if (req_uuid_param(r, "pid", pid) != 0 || req_uuid_param(r, param, id) != 0 ||
        req_if_match(r, &version) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, id, req_json(r), version, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void restaurant_serve_delete(req_t *r, const char *param, restaurant_delete_fn *fn)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0 || req_uuid_param(r, param, id) != 0)
        return;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, id, &e);
    api_reply(r, rc, &e, 204, NULL);
}

void restaurant_reply_image(req_t *r, const principal_t *who, const char *pid, const char *iid,
                            const char *cache_control)
{
    char *data = NULL;
    size_t len = 0;
    const char *type = NULL;
    buffr_err_t e = {0};
    if (menu_item_image_get(req_app(r), who, pid, iid, &data, &len, &type, &e) != 0) {
        reply_err(r, &e);
        return;
    }
    if (cache_control != NULL)
        reply_header(r, "Cache-Control", cache_control);
    reply_raw(r, 200, type, data, len);
    free(data);
}
