/*
 * request.c - the req_* and reply_* functions of http.h: reading a request,
 * the per-request arena, building the one answer of a request, and the
 * validate-or-reply helpers.
 *
 * A reply_* call only builds the MHD response and keeps it in the request;
 * server.c queues it once the handler has returned. Whatever cannot be
 * allocated turns into the shared static 500 answer, never a crash.
 * Not here: the order of checks before a handler runs (server.c).
 */
#include "http/internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define REQ_ARENA_CHUNK_SIZE 4096
#define REQ_CURSOR_MAX       256
#define REQ_LIMIT_DEFAULT    50
#define REQ_LIMIT_MAX        200

static const char req_json_type[] = "application/json; charset=utf-8";

const char req_oom_body[] =
    "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"internal error\",\"details\":{}}}";

/* ---- arena ---- */

void *req_alloc(req_t *r, size_t size)
{
    if (r == NULL || size > SIZE_MAX / 2)
        return NULL;
    size_t need = size == 0 ? 16 : (size + 15) & ~(size_t)15;
    const size_t standard = REQ_ARENA_CHUNK_SIZE - sizeof(req_arena_chunk_t);
    req_arena_chunk_t *chunk = r->arena;
    if (chunk == NULL || chunk->cap - chunk->used < need) {
        size_t cap = need > standard ? need : standard;
        req_arena_chunk_t *fresh = malloc(sizeof(*fresh) + cap);
        if (fresh == NULL)
            return NULL;
        fresh->cap = cap;
        fresh->used = 0;
        if (chunk != NULL && cap > standard) {
            /* A big one-off block goes behind the current chunk, whose
             * free space stays available for the small allocations. */
            fresh->next = chunk->next;
            chunk->next = fresh;
            fresh->used = need;
            memset(fresh->data, 0, size);
            return fresh->data;
        }
        fresh->next = chunk;
        r->arena = fresh;
        chunk = fresh;
    }
    void *p = chunk->data + chunk->used;
    chunk->used += need;
    memset(p, 0, size);
    return p;
}

char *req_strdup(req_t *r, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t len = strlen(s);
    char *copy = req_alloc(r, len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

void req_release(req_t *r)
{
    req_arena_chunk_t *chunk = r->arena;
    while (chunk != NULL) {
        req_arena_chunk_t *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    r->arena = NULL;
    free(r->body);
    r->body = NULL;
    json_decref(r->json);
    r->json = NULL;
    if (r->response != NULL) {
        MHD_destroy_response(r->response);
        r->response = NULL;
    }
}

/* ---- request ---- */

struct app *req_app(req_t *r)
{
    return r->server->app;
}

const char *req_method(req_t *r)
{
    return r->method ? r->method : "";
}

const char *req_path(req_t *r)
{
    return r->target_parsed ? r->target.path : "";
}

const char *req_param(req_t *r, const char *name)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, name) == 0)
            return r->params[i].value;
    return NULL;
}

const char *req_query(req_t *r, const char *name)
{
    return r->target_parsed ? router_query_get(&r->target, name) : NULL;
}

const char *req_header(req_t *r, const char *name)
{
    if (r->conn == NULL || name == NULL)
        return NULL;
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

json_t *req_json(req_t *r)
{
    return r->json;
}

const char *req_body(req_t *r, size_t *len)
{
    if (len != NULL)
        *len = r->body_len;
    return r->body ? r->body : "";
}

const principal_t *req_principal(req_t *r)
{
    return r->authenticated ? &r->principal : NULL;
}

const char *req_client_ip(req_t *r)
{
    return r->ip;
}

const char *req_id(req_t *r)
{
    return r->id;
}

const char *req_bearer(req_t *r)
{
    return r->bearer;
}

/* ---- answers ---- */

static void req_answer_oom(req_t *r)
{
    r->replied = true;
    r->reply_oom = true;
}

static bool req_header_name_valid(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL)
            return false;
    return true;
}

static bool req_header_value_valid(const char *value)
{
    if (value == NULL)
        return false;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}

/* Build the answer from body[0..len) (taken over and freed when owned) and
 * keep it in r for server.c to queue. */
static void req_set_answer(req_t *r, int status, const char *content_type, char *body, size_t len,
                           bool owned)
{
    if (r->replied) {
        log_warn("request %s: a second answer (%d) to %s %s was ignored", r->id, status,
                 req_method(r), r->route ? r->route->pattern : "?");
        if (owned)
            free(body);
        return;
    }
    if (status < 100 || status > 599) {
        log_error("request %s: %s %s answered with invalid status %d", r->id, req_method(r),
                  r->route ? r->route->pattern : "?", status);
        if (owned)
            free(body);
        req_answer_oom(r); /* the static 500 */
        return;
    }
    r->replied = true;
    struct MHD_Response *resp;
    if (len == 0) {
        if (owned)
            free(body);
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(
            len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (resp == NULL && owned)
            free(body);
    }
    if (resp == NULL) {
        req_answer_oom(r);
        return;
    }
    bool ok = true;
    if (content_type != NULL)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (r->id[0] != '\0')
        ok = ok && MHD_add_response_header(resp, "X-Request-Id", r->id);
    ok = ok && MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->raw_target != NULL && strncmp(r->raw_target, "/api/", 5) == 0)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (atomic_load(&r->server->stopping))
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    for (reply_header_item_t *h = r->headers; h != NULL && ok; h = h->next)
        ok = MHD_add_response_header(resp, h->name, h->value) == MHD_YES;
    if (!ok) {
        MHD_destroy_response(resp);
        req_answer_oom(r);
        return;
    }
    r->response = resp;
    r->status = status;
    r->bytes_out = len;
    r->answer_body = len > 0 ? body : NULL;
    r->answer_len = len;
}

void reply_json(req_t *r, int status, json_t *body)
{
    if (body == NULL) {
        req_set_answer(r, status, NULL, NULL, 0, false);
        return;
    }
    if (r->replied) {
        json_decref(body);
        req_set_answer(r, status, NULL, NULL, 0, false); /* logs the second answer */
        return;
    }
    /* Compact, and UTF-8 kept as sent: no ASCII escaping. */
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    if (text == NULL) {
        req_answer_oom(r);
        return;
    }
    req_set_answer(r, status, req_json_type, text, strlen(text), true);
}

static const char *req_default_message(int status)
{
    switch (status) {
    case 400:
        return "invalid request";
    case 401:
        return "authentication required";
    case 403:
        return "forbidden";
    case 404:
        return "not found";
    case 405:
        return "method not allowed";
    case 409:
        return "conflict";
    case 413:
        return "payload too large";
    case 415:
        return "unsupported media type";
    case 422:
        return "idempotency key reused";
    case 429:
        return "too many requests";
    case 503:
        return "service unavailable";
    default:
        return "internal error";
    }
}

void req_reply_status(req_t *r, int status, const char *api_code, const char *field,
                      const char *message)
{
    if (r->replied) {
        req_set_answer(r, status, NULL, NULL, 0, false); /* logs the second answer */
        return;
    }
    json_t *root = json_object();
    json_t *error = json_object();
    json_t *details = json_object();
    json_t *msg = json_string(message ? message : "");
    if (msg == NULL) /* not UTF-8: say something generic rather than nothing */
        msg = json_string(req_default_message(status));
    bool ok = root && error && details && msg;
    if (ok && field != NULL && field[0] != '\0') {
        json_t *f = json_string(field);
        ok = f != NULL && json_object_set_new(details, "field", f) == 0;
    }
    ok = ok && json_object_set_new(error, "code", json_string(api_code)) == 0;
    ok = ok && json_object_set(error, "message", msg) == 0;
    ok = ok && json_object_set(error, "details", details) == 0;
    ok = ok && json_object_set(root, "error", error) == 0;
    json_decref(msg);
    json_decref(details);
    json_decref(error);
    if (!ok) {
        json_decref(root);
        req_answer_oom(r);
        return;
    }
    reply_json(r, status, root);
}

static void req_vreply_error(req_t *r, int code, const char *field, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void req_vreply_error(req_t *r, int code, const char *field, const char *fmt, va_list ap)
{
    char message[512];
    message[0] = '\0';
    if (fmt != NULL)
        vsnprintf(message, sizeof(message), fmt, ap);
    int status = buffr_http_status(code);
    if (status >= 500) {
        /* The client learns nothing internal; the log has the detail. */
        log_error("request %s: %s %s answered %d (%s): %s", r->id, req_method(r),
                  r->route ? r->route->pattern : req_path(r), status, buffr_strerror(code),
                  message);
        req_reply_status(r, status, buffr_api_code(code), NULL, req_default_message(status));
        return;
    }
    req_reply_status(r, status, buffr_api_code(code), field,
                     message[0] ? message : req_default_message(status));
}

void reply_error(req_t *r, int code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    req_vreply_error(r, code, field, fmt, ap);
    va_end(ap);
}

void reply_err(req_t *r, const buffr_err_t *e)
{
    if (e == NULL || e->code >= 0) {
        reply_error(r, BUFFR_EINTERNAL, NULL, "reply_err without an error (code %d)",
                    e ? e->code : 0);
        return;
    }
    reply_error(r, e->code, e->field[0] ? e->field : NULL, "%s", e->message);
}

void reply_raw(req_t *r, int status, const char *content_type, const char *body, size_t len)
{
    char *copy = NULL;
    if (len > 0 && !r->replied) {
        copy = malloc(len);
        if (copy == NULL) {
            req_answer_oom(r);
            return;
        }
        memcpy(copy, body, len);
    }
    req_set_answer(r, status, content_type, copy, len, copy != NULL);
}

void reply_header(req_t *r, const char *name, const char *value)
{
    if (r->replied) {
        log_warn("request %s: header %s set after the answer was built", r->id,
                 name ? name : "(null)");
        return;
    }
    if (!req_header_name_valid(name) || !req_header_value_valid(value)) {
        log_warn("request %s: invalid response header refused", r->id);
        return;
    }
    reply_header_item_t *item = req_alloc(r, sizeof(*item));
    if (item == NULL || (item->name = req_strdup(r, name)) == NULL ||
        (item->value = req_strdup(r, value)) == NULL) {
        req_answer_oom(r);
        return;
    }
    if (r->headers_tail == NULL)
        r->headers_tail = &r->headers;
    *r->headers_tail = item;
    r->headers_tail = &item->next;
}

/* ---- validate-or-reply helpers ---- */

int req_uuid_param(req_t *r, const char *name, char out[UUID_BUF_SIZE])
{
    const char *value = req_param(r, name);
    if (value == NULL || uuid_normalize(value, out) != 0) {
        reply_error(r, BUFFR_ENOTFOUND, NULL, "not found");
        return BUFFR_ENOTFOUND;
    }
    return 0;
}

/* A non-negative decimal that fits int64 (at most 18 digits). */
static bool req_parse_count(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int req_if_match(req_t *r, int64_t *version)
{
    *version = -1;
    const char *h = req_header(r, "If-Match");
    if (h == NULL)
        return 0;
    const char *start = h;
    const char *end = h + strlen(h);
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    /* The ETag form "5" is the same version. */
    if (end - start >= 2 && *start == '"' && end[-1] == '"') {
        start++;
        end--;
    }
    int64_t v;
    if (!req_parse_count(start, (size_t)(end - start), &v)) {
        reply_error(r, BUFFR_EVALIDATION, "If-Match",
                    "If-Match must be the version number of the resource");
        return BUFFR_EVALIDATION;
    }
    *version = v;
    return 0;
}

int req_page(req_t *r, int *limit, const char **cursor)
{
    *limit = REQ_LIMIT_DEFAULT;
    *cursor = NULL;
    const char *text = req_query(r, "limit");
    if (text != NULL) {
        int64_t v;
        if (!req_parse_count(text, strlen(text), &v) || v < 1 || v > REQ_LIMIT_MAX) {
            reply_error(r, BUFFR_EVALIDATION, "limit", "limit must be an integer from 1 to %d",
                        REQ_LIMIT_MAX);
            return BUFFR_EVALIDATION;
        }
        *limit = (int)v;
    }
    const char *c = req_query(r, "cursor");
    if (c != NULL && c[0] != '\0') {
        if (strlen(c) > REQ_CURSOR_MAX) {
            reply_error(r, BUFFR_EVALIDATION, "cursor", "cursor is not valid");
            return BUFFR_EVALIDATION;
        }
        *cursor = c;
    }
    return 0;
}
