/*
 * serve.c - the shapes of handler the API files share (serve.h): path
 * ids, then the body, a query value or If-Match, one domain call, its
 * answer; and api_reply, the answer every handler sends.
 */
#include "api/serve.h"

#include "api/api.h"

void api_reply(req_t *r, int rc, const buffr_err_t *e, int status, json_t *body)
{
    if (rc != 0) {
        json_decref(body);
        reply_err(r, e);
        return;
    }
    if (body == NULL && status != 204) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return;
    }
    reply_json(r, status, body);
}

int serve_ids(req_t *r, const char *param, char pid[UUID_BUF_SIZE], char id[UUID_BUF_SIZE],
              int64_t *if_match)
{
    int rc = req_uuid_param(r, "pid", pid);
    if (rc == 0 && param != NULL)
        rc = req_uuid_param(r, param, id);
    if (rc == 0 && if_match != NULL)
        rc = req_if_match(r, if_match);
    return rc;
}

void serve_read(req_t *r, domain_read_fn *fn)
{
    char pid[UUID_BUF_SIZE];
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void serve_filter(req_t *r, const char *query, domain_filter_fn *fn)
{
    char pid[UUID_BUF_SIZE];
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, req_query(r, query), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void serve_write_reply(req_t *r, domain_write_fn *fn, int status, serve_reply_fn *reply)
{
    char pid[UUID_BUF_SIZE];
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, req_json(r), &out, &e);
    reply(r, rc, &e, status, out);
}

void serve_write(req_t *r, domain_write_fn *fn, int status)
{
    serve_write_reply(r, fn, status, api_reply);
}

void serve_get(req_t *r, const char *param, domain_get_fn *fn)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    if (serve_ids(r, param, pid, id, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, id, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void serve_change(req_t *r, const char *param, domain_change_fn *fn, int status)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    if (serve_ids(r, param, pid, id, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, id, req_json(r), &out, &e);
    api_reply(r, rc, &e, status, out);
}

void serve_update_reply(req_t *r, const char *param, domain_update_fn *fn, int status,
                        serve_reply_fn *reply)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    int64_t version;
    if (serve_ids(r, param, pid, id, &version) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, id, req_json(r), version, &out, &e);
    reply(r, rc, &e, status, out);
}

void serve_update(req_t *r, const char *param, domain_update_fn *fn, int status)
{
    serve_update_reply(r, param, fn, status, api_reply);
}

void serve_delete(req_t *r, const char *param, domain_delete_fn *fn)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    if (serve_ids(r, param, pid, id, NULL) != 0)
        return;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, id, &e);
    api_reply(r, rc, &e, 204, NULL);
}
