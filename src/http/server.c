/*
 * server.c - the libmicrohttpd daemon and the path of one request through
 * it: context creation from the raw request line, the checks before a
 * handler (see server.h for their order), body accumulation, dispatch, and
 * the metrics and access-log line once the answer has been sent.
 *
 * MHD calls the access handler once when the headers are in, once per piece
 * of body, and once more when the request is complete. Answers that do not
 * need the body (404, 405, 413 by Content-Length, 401, 403, 415) are decided
 * on the first call; they are sent at once when the body is large or of
 * unknown size (so it is never read, and the connection closes), else after
 * the small body has gone by (so keep-alive survives). MHD 0.9.75 cannot
 * queue an answer in the middle of an upload, so a body that outgrows the
 * limit while arriving is read and thrown away, then answered 413 (with a
 * cap past which the connection is simply closed).
 *
 * Not here: the req_* and reply_* functions (request.c), matching
 * (router.c), what a token means (the authenticate callback).
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/uuid.h"
#include "http/internal.h"
#include "http/metrics.h"
#include "http/openapi.h"

#define SERVER_DEFAULT_MAX_BODY    ((int64_t)1 << 20)
#define SERVER_DEFAULT_MAX_HEADERS (16 << 10)
/* Bytes of an over-size body read and discarded before the connection is
 * closed without an answer instead. */
#define SERVER_DISCARD_MAX ((uint64_t)64 << 20)
/* Bodies up to this size are read past (not closed on) when the request was
 * already refused from its headers. */
#define SERVER_SMALL_BODY ((uint64_t)64 << 10)
/* Most of a body allocated before any of it has arrived. */
#define SERVER_BODY_PREALLOC ((size_t)64 << 10)

/* ---- libmicrohttpd callbacks ---- */

static void server_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void server_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char text[512];
    vsnprintf(text, sizeof(text), fmt, ap);
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    log_warn("libmicrohttpd: %s", text);
}

static void server_client_ip(struct MHD_Connection *conn, char *out, size_t outlen)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outlen);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        /* A v4 client on a dual-stack socket is shown as plain v4. */
        if (IN6_IS_ADDR_V4MAPPED(a))
            inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)outlen);
        else
            inet_ntop(AF_INET6, a, out, (socklen_t)outlen);
    }
}

/* Called with the request target exactly as sent, before MHD unescapes it:
 * the request context starts here. */
static void *server_request_begin(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_server_t *s = cls;
    req_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->server = s;
    r->conn = conn;
    r->started = time_monotonic();
    r->headers_tail = &r->headers;
    size_t len = uri ? strlen(uri) : 0;
    r->raw_target = req_alloc(r, len + 1);
    if (r->raw_target != NULL) {
        memcpy(r->raw_target, uri ? uri : "", len + 1);
        r->raw_target_len = len;
    }
    server_client_ip(conn, r->ip, sizeof(r->ip));
    atomic_fetch_add(&s->in_flight, 1);
    metrics_in_flight_add(1);
    return r;
}

static void server_json_set_string(json_t *obj, const char *key, const char *value, size_t len)
{
    json_t *v = value ? json_stringn(value, len) : NULL;
    json_object_set_new(obj, key, v ? v : json_null());
}

static const char *server_termination_name(enum MHD_RequestTerminationCode toc)
{
    switch (toc) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return "completed";
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
        return "error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    default:
        return "other";
    }
}

static void server_access_log(req_t *r, double seconds, enum MHD_RequestTerminationCode toc)
{
    json_t *line = json_object();
    if (line == NULL)
        return;
    json_object_set_new(line, "msg", json_string("request"));
    server_json_set_string(line, "request_id", r->id[0] ? r->id : NULL, strlen(r->id));
    server_json_set_string(line, "method", r->method, r->method ? strlen(r->method) : 0);
    server_json_set_string(line, "route", r->route ? r->route->pattern : NULL,
                           r->route ? strlen(r->route->pattern) : 0);
    size_t path_len = 0;
    if (r->raw_target != NULL) {
        const char *q = memchr(r->raw_target, '?', r->raw_target_len);
        path_len = q ? (size_t)(q - r->raw_target) : r->raw_target_len;
    }
    server_json_set_string(line, "path", r->raw_target, path_len);
    json_object_set_new(line, "status", r->status ? json_integer(r->status) : json_null());
    json_object_set_new(line, "duration_ms", json_real(seconds * 1000.0));
    const principal_t *who = req_principal(r);
    server_json_set_string(line, "tenant", who && who->tenant_id[0] ? who->tenant_id : NULL,
                           who ? strlen(who->tenant_id) : 0);
    server_json_set_string(line, "user", who && who->user_id[0] ? who->user_id : NULL,
                           who ? strlen(who->user_id) : 0);
    server_json_set_string(line, "ip", r->ip[0] ? r->ip : NULL, strlen(r->ip));
    json_object_set_new(line, "bytes_in", json_integer((json_int_t)r->bytes_in));
    json_object_set_new(line, "bytes_out", json_integer((json_int_t)r->bytes_out));
    if (toc != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        json_object_set_new(line, "termination", json_string(server_termination_name(toc)));
    log_json(LOG_INFO, line);
    json_decref(line);
}

static void server_request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                                     enum MHD_RequestTerminationCode toc)
{
    http_server_t *s = cls;
    req_t *r = *con_cls;
    if (r == NULL)
        return;
    *con_cls = NULL;
    double seconds = time_monotonic() - r->started;
    if (r->status != 0)
        metrics_observe(r->method, r->route ? r->route->pattern : NULL, r->status, seconds);
    if (s->access_log)
        server_access_log(r, seconds, toc);
    req_release(r);
    free(r);
    metrics_in_flight_add(-1);
    /* Last: http_server_stop may be waiting for this to reach zero. */
    atomic_fetch_sub(&s->in_flight, 1);
}

/* ---- the checks before a handler ---- */

static void server_pick_request_id(req_t *r)
{
    const char *given = req_header(r, "X-Request-Id");
    if (given != NULL) {
        size_t len = strlen(given);
        bool ok = len >= 1 && len <= REQ_ID_MAX;
        for (size_t i = 0; ok && i < len; i++)
            ok = given[i] > 0x20 && given[i] < 0x7f; /* printable ASCII, no space */
        if (ok) {
            memcpy(r->id, given, len + 1);
            return;
        }
    }
    char fresh[UUID_BUF_SIZE];
    uuid_v7_new(fresh);
    memcpy(r->id, fresh, sizeof(fresh));
}

static enum MHD_Result server_count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
    size_t *total = cls;
    *total += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

/* "Bearer <token>", scheme in any case; the token copied into the arena, or
 * NULL when the header is not of that form. */
static const char *server_bearer_token(req_t *r, const char *header)
{
    const char *p = header;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return NULL;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strlen(p);
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    if (len == 0 || memchr(p, ' ', len) != NULL || memchr(p, '\t', len) != NULL)
        return NULL;
    char *token = req_alloc(r, len + 1);
    if (token != NULL)
        memcpy(token, p, len);
    return token;
}

/* Authenticate and authorise r; 0 when the handler may run, else the answer
 * has been built. On a public route a valid token still names the caller,
 * and an invalid one is ignored. */
static int server_check_caller(req_t *r)
{
    http_server_t *s = r->server;
    const route_t *route = r->route;
    const char *header = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    r->bearer = header ? server_bearer_token(r, header) : NULL;
    int rc = BUFFR_EUNAUTH;
    if (r->bearer != NULL && s->authenticate != NULL) {
        principal_t who;
        memset(&who, 0, sizeof(who));
        rc = s->authenticate(s->app, r->bearer, &who);
        if (rc == 0) {
            r->principal = who;
            r->authenticated = true;
        }
    }
    if (route->perm.min_role == ROLE_NONE)
        return 0;
    if (!r->authenticated) {
        if (rc != BUFFR_EUNAUTH && buffr_http_status(rc) >= 500) {
            /* The token could not be checked (database down): not the
             * caller's fault, so not a 401. */
            reply_error(r, rc, NULL, "authentication failed: %s", buffr_strerror(rc));
            return rc;
        }
        reply_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
        reply_error(r, BUFFR_EUNAUTH, NULL,
                    r->bearer ? "the access token is not valid" : "authentication required");
        return BUFFR_EUNAUTH;
    }
    if (!rbac_allows(&r->principal, route->perm)) {
        reply_error(r, BUFFR_EFORBIDDEN, NULL, "your role does not allow this");
        return BUFFR_EFORBIDDEN;
    }
    return 0;
}

/* "application/json", any case, optionally followed by "; parameters". */
static bool server_is_json_type(const char *content_type)
{
    if (content_type == NULL)
        return false;
    const char *p = content_type;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "application/json", 16) != 0)
        return false;
    p += 16;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '\0' || *p == ';';
}

/* The body limit for r: its route's own, or the server's. */
static int64_t server_body_limit(const req_t *r)
{
    if (r->route != NULL && r->route->max_body_bytes > 0)
        return r->route->max_body_bytes;
    return r->server->max_body_bytes;
}

/* A Content-Length value; false when absent or not a plain number (MHD has
 * already refused the request in that case). */
static bool server_content_length(req_t *r, uint64_t *out)
{
    const char *text = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (text == NULL || *text == '\0')
        return false;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

static int server_copy_params(req_t *r, const router_params_t *params)
{
    for (size_t i = 0; i < params->n; i++) {
        const router_param_t *p = &params->p[i];
        char *name = req_alloc(r, p->name_len + 1);
        char *value = req_alloc(r, p->value_len + 1);
        if (name == NULL || value == NULL)
            return BUFFR_ENOMEM;
        memcpy(name, p->name, p->name_len);
        memcpy(value, p->value, p->value_len);
        r->params[i].name = name;
        r->params[i].value = value;
    }
    r->nparams = params->n;
    return 0;
}

/* The checks after the body limit: the caller (401, 403), the media type
 * (415), the query string (400). 0 when the handler may run, else the
 * answer has been built. */
static int server_check_request(req_t *r)
{
    if (server_check_caller(r) != 0)
        return 1;
    if ((r->route->flags & ROUTE_JSON_BODY) &&
        !server_is_json_type(req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        reply_error(r, BUFFR_EMEDIA, NULL, "Content-Type must be application/json");
        return 1;
    }
    if (r->target_status == ROUTER_ETOOMANY) {
        reply_error(r, BUFFR_EVALIDATION, NULL, "too many query parameters (at most %d)",
                    ROUTER_MAX_QUERY);
        return 1;
    }
    if (r->target_status == ROUTER_EBADQUERY) {
        reply_error(r, BUFFR_EVALIDATION, NULL, "the query string is not validly encoded");
        return 1;
    }
    return 0;
}

/* Is r's body small enough to read before deciding whether to refuse r?
 * A large, chunked or 100-continue upload is refused from its headers and
 * never read (see server_answer_at_once). */
static bool server_body_small(req_t *r)
{
    if (req_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
        return false;
    uint64_t declared;
    if (!server_content_length(r, &declared) || declared == 0)
        return true;
    return declared <= SERVER_SMALL_BODY && req_header(r, MHD_HTTP_HEADER_EXPECT) == NULL;
}

/* First call: everything that only needs the request line and headers. */
static void server_begin(req_t *r, const char *method)
{
    http_server_t *s = r->server;
    server_pick_request_id(r);
    r->method = req_strdup(r, method);
    if (r->method == NULL || r->raw_target == NULL) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory reading the request line");
        return;
    }

    size_t header_bytes = r->raw_target_len + strlen(method) + 12;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, server_count_header, &header_bytes);
    if (header_bytes > (size_t)s->max_header_bytes) {
        req_reply_status(r, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "HEADERS_TOO_LARGE", NULL,
                         "the request headers are too large");
        return;
    }

    char *buf = req_alloc(r, r->raw_target_len + 1);
    if (buf == NULL) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory parsing the request target");
        return;
    }
    int parsed = router_parse_target(r->raw_target, r->raw_target_len, buf, r->raw_target_len + 1,
                                     &r->target);
    if (parsed == ROUTER_EBADPATH) {
        reply_error(r, BUFFR_ENOTFOUND, NULL, "not found");
        return;
    }
    r->target_parsed = true;

    router_params_t params;
    bool path_matched = false;
    r->route =
        router_match(s->routes, s->nroutes, r->method, r->target.path, &params, &path_matched);
    if (r->route == NULL) {
        if (path_matched) {
            char allow[128];
            router_allowed_methods(s->routes, s->nroutes, r->target.path, allow, sizeof(allow));
            reply_header(r, MHD_HTTP_HEADER_ALLOW, allow);
            reply_error(r, BUFFR_EMETHOD, NULL, "method %s is not allowed here", r->method);
        } else {
            reply_error(r, BUFFR_ENOTFOUND, NULL, "not found");
        }
        return;
    }
    if (server_copy_params(r, &params) != 0) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory copying path parameters");
        return;
    }

    uint64_t declared = 0;
    bool has_length = server_content_length(r, &declared);
    if (has_length && declared > (uint64_t)server_body_limit(r)) {
        reply_error(r, BUFFR_ETOOLARGE, NULL, "the request body is larger than %lld bytes",
                    (long long)server_body_limit(r));
        return;
    }

    /* The caller's check reads the session from the database, so it runs
     * on a handler thread with the rest, after the body. Only a body not
     * worth reading for a refused request has it decided here. */
    r->target_status = parsed;
    if (server_body_small(r))
        r->checks_waiting = true;
    else if (server_check_request(r) != 0)
        return;

    if (has_length && declared > 0) {
        /* Known size: allocate it up front, but only up to what a client
         * must actually send before more is committed, so idle connections
         * that merely announce large bodies cost little. */
        size_t first = declared < SERVER_BODY_PREALLOC ? (size_t)declared : SERVER_BODY_PREALLOC;
        r->body = malloc(first + 1);
        if (r->body == NULL)
            r->body_oom = true;
        else
            r->body_cap = first + 1;
    }
}

/* A piece of body. Returns MHD_NO only to drop a client that keeps sending
 * far past the limit. */
static enum MHD_Result server_take_body(req_t *r, const char *data, size_t size)
{
    r->bytes_in += size;
    if (r->replied) /* answered from the headers: the body goes by unread */
        return MHD_YES;
    if (r->body_too_large || r->body_oom) {
        if (r->bytes_in > (uint64_t)server_body_limit(r) + SERVER_DISCARD_MAX) {
            log_warn("request %s: closing a connection that sent %llu bytes past the limit", r->id,
                     (unsigned long long)r->bytes_in);
            return MHD_NO;
        }
        return MHD_YES;
    }
    int64_t limit = server_body_limit(r);
    if ((uint64_t)r->body_len + size > (uint64_t)limit) {
        r->body_too_large = true;
        free(r->body);
        r->body = NULL;
        r->body_len = r->body_cap = 0;
        return MHD_YES;
    }
    size_t need = r->body_len + size + 1;
    if (need > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap * 2 : 4096;
        if (cap < need)
            cap = need;
        if (cap > (size_t)limit + 1)
            cap = (size_t)limit + 1;
        char *grown = realloc(r->body, cap);
        if (grown == NULL) {
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            r->body_oom = true;
            return MHD_YES;
        }
        r->body = grown;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, size);
    r->body_len += size;
    r->body[r->body_len] = '\0';
    return MHD_YES;
}

/* Idempotency-Key on a ROUTE_IDEMPOTENT route: claim the key for this
 * request (method, path and body), or answer with the first request's answer
 * or the refusal. 0 to run the handler (*key set when claimed); non-zero when
 * the request has been answered here. Keys belong to the caller's tenant, so
 * a request without one (a public route) runs without the store. */
static int server_idempotency_claim(req_t *r, const char **key_out)
{
    http_server_t *s = r->server;
    const char *key = req_header(r, "Idempotency-Key");
    if (key == NULL || s->idempotency_begin == NULL || !r->authenticated ||
        r->principal.tenant_id[0] == '\0')
        return 0;
    size_t klen = strlen(key);
    bool printable = klen > 0 && klen <= 255;
    for (size_t i = 0; printable && i < klen; i++)
        printable = key[i] > 0x20 && key[i] < 0x7f;
    if (!printable) {
        reply_error(r, BUFFR_EVALIDATION, "Idempotency-Key",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters");
        return 1;
    }
    /* What makes two requests "the same": method, path with query, body. */
    const char *path = r->raw_target ? r->raw_target : "";
    size_t mlen = strlen(r->method), plen = strlen(path);
    size_t len = mlen + 1 + plen + 1 + r->body_len;
    char *request = req_alloc(r, len);
    if (request == NULL) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return 1;
    }
    memcpy(request, r->method, mlen);
    request[mlen] = ' ';
    memcpy(request + mlen + 1, path, plen);
    request[mlen + 1 + plen] = '\n';
    if (r->body_len > 0)
        memcpy(request + mlen + plen + 2, r->body, r->body_len);
    int status = 0;
    char *body = NULL;
    int rc =
        s->idempotency_begin(s->app, r->principal.tenant_id, key, request, len, &status, &body);
    if (rc == 1) {
        reply_header(r, "Idempotent-Replayed", "true");
        reply_raw(r, status, "application/json; charset=utf-8", body ? body : "",
                  body ? strlen(body) : 0);
        free(body);
        return 1;
    }
    free(body);
    if (rc == BUFFR_EIDEMPOTENCY) {
        reply_error(r, rc, "Idempotency-Key",
                    "this Idempotency-Key was used with a different request");
        return 1;
    }
    if (rc == BUFFR_ECONFLICT) {
        reply_error(r, rc, "Idempotency-Key",
                    "a request with this Idempotency-Key is still being processed");
        return 1;
    }
    if (rc != 0) {
        reply_error(r, rc, NULL, "could not check the Idempotency-Key");
        return 1;
    }
    *key_out = key;
    return 0;
}

/* Last call: the whole body is in; check it and run the handler. */
static void server_dispatch(req_t *r)
{
    const route_t *route = r->route;
    if (r->body_oom) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory reading the request body");
        return;
    }
    if (r->body_too_large) {
        reply_error(r, BUFFR_ETOOLARGE, NULL, "the request body is larger than %lld bytes",
                    (long long)server_body_limit(r));
        return;
    }
    if (route->flags & ROUTE_JSON_BODY) {
        if (r->body_len == 0) {
            reply_error(r, BUFFR_EMALFORMED, NULL,
                        "the request body is empty; a JSON object is expected");
            return;
        }
        json_error_t error;
        r->json =
            json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
        if (r->json == NULL) {
            if (json_error_code(&error) == json_error_out_of_memory)
                reply_error(r, BUFFR_ENOMEM, NULL, "out of memory parsing the request body");
            else
                reply_error(r, BUFFR_EMALFORMED, NULL,
                            "the request body is not valid JSON (line %d, column %d)", error.line,
                            error.column);
            return;
        }
        if (!json_is_object(r->json)) {
            reply_error(r, BUFFR_EVALIDATION, NULL, "the request body must be a JSON object");
            return;
        }
    }
    const char *idempotency_key = NULL;
    if (route->flags & ROUTE_IDEMPOTENT) {
        int rc = server_idempotency_claim(r, &idempotency_key);
        if (rc != 0)
            return; /* answered: replayed, refused or failed */
    }
    route->handler(r);
    if (!r->replied)
        reply_error(r, BUFFR_EINTERNAL, NULL, "the handler of %s %s returned without answering",
                    route->method, route->pattern);
    if (idempotency_key != NULL) {
        int rc =
            r->server->idempotency_finish(r->server->app, r->principal.tenant_id, idempotency_key,
                                          r->status, r->answer_body, r->answer_len);
        if (rc != 0)
            log_error("request %s: could not store the answer for its Idempotency-Key (%s)", r->id,
                      buffr_strerror(rc));
    }
}

/* An answer was decided from the headers alone: queue it now, or only once
 * the request's body has gone by? MHD 0.9.75 closes the connection after an
 * answer queued on the first call, even when there is no body at all, so
 * waiting keeps keep-alive connections open across 401s and 404s. A large,
 * chunked or 100-continue body is not worth reading: answer at once and let
 * the connection close; a 413 is always answered at once. */
static bool server_answer_at_once(req_t *r)
{
    if (r->status == MHD_HTTP_CONTENT_TOO_LARGE || r->reply_oom)
        return true;
    return !server_body_small(r);
}

/* Everything after the body: the waiting checks, then the handler. */
static void server_work(req_t *r)
{
    if (r->checks_waiting && server_check_request(r) != 0)
        return;
    server_dispatch(r);
}

/* A handler thread's job: work, then hand the connection back to its I/O
 * thread, which sends the answer (server_access is called again). r may
 * be freed as soon as the connection is resumed. */
static void server_run_job(workpool_job_t *job, void *cls)
{
    (void)cls;
    req_t *r = (req_t *)((char *)job - offsetof(req_t, job));
    metrics_handler_queue_add(-1);
    server_work(r);
    MHD_resume_connection(r->conn);
}

/* Give r to a handler thread, its connection suspended meanwhile so the I/O
 * thread serves other connections. Once the handler threads have stopped
 * (shutting down), r is worked on here. */
static void server_hand_over(req_t *r)
{
    MHD_suspend_connection(r->conn);
    metrics_handler_queue_add(1);
    if (workpool_submit(r->server->workers, &r->job))
        return;
    metrics_handler_queue_add(-1);
    server_work(r);
    MHD_resume_connection(r->conn);
}

static enum MHD_Result server_queue(req_t *r)
{
    http_server_t *s = r->server;
    struct MHD_Response *response = r->response;
    unsigned status = (unsigned)r->status;
    if (r->reply_oom || response == NULL) {
        response = s->oom_response;
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        r->status = (int)status;
        r->bytes_out = strlen(req_oom_body);
    }
    enum MHD_Result queued = MHD_queue_response(r->conn, status, response);
    if (r->response != NULL) {
        MHD_destroy_response(r->response); /* MHD keeps its own reference */
        r->response = NULL;
    }
    return queued;
}

static enum MHD_Result server_access(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    http_server_t *s = cls;
    req_t *r = *con_cls;
    if (r == NULL) /* the context could not be allocated */
        return MHD_queue_response(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, s->oom_response);
    if (!r->begun) {
        r->begun = true;
        server_begin(r, method);
        if (r->replied && server_answer_at_once(r))
            return server_queue(r);
        if (*upload_data_size == 0)
            return MHD_YES;
    }
    if (*upload_data_size > 0) {
        enum MHD_Result more = server_take_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return more;
    }
    if (!r->replied) {
        /* Called again, with the answer, once the connection resumes. */
        server_hand_over(r);
        return MHD_YES;
    }
    return server_queue(r);
}

/* ---- start and stop ---- */

/* Refuse a route table the matcher would misread, at start rather than at
 * the first request. */
static int server_check_routes(const route_t *routes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const route_t *route = &routes[i];
        const char *pattern = route->pattern;
        bool ok =
            route->method && route->method[0] && route->handler && pattern && pattern[0] == '/';
        size_t segments = 0;
        for (const char *p = pattern; ok && *p; p++) {
            if (*p == '/') {
                segments++;
                if (p[1] == '{') {
                    const char *close = strchr(p + 2, '}');
                    const char *slash = strchr(p + 1, '/');
                    ok = close && close > p + 2 && (close[1] == '\0' || close[1] == '/') &&
                         (!slash || close < slash);
                }
            } else if ((*p == '{' && p[-1] != '/') || (*p == '}' && p[1] != '\0' && p[1] != '/')) {
                ok = false;
            }
        }
        if (!ok || segments > ROUTER_MAX_SEGMENTS) {
            log_error("http: route %zu (%s %s) is not a valid route", i,
                      route->method ? route->method : "?", pattern ? pattern : "?");
            return BUFFR_EINVAL;
        }
        /* A bad query spec would otherwise only show as a missing OpenAPI
         * document at the first request for it. */
        char why[200];
        if (openapi_query_check(route->query, why, sizeof(why)) != 0) {
            log_error("http: route %zu (%s %s) has a malformed query spec \"%s\": %s", i,
                      route->method, pattern, route->query, why);
            return BUFFR_EINVAL;
        }
    }
    return 0;
}

static int server_resolve(const char *host, uint16_t port, struct sockaddr_storage *addr,
                          bool *ipv6)
{
    char name[256];
    memset(addr, 0, sizeof(*addr));
    *ipv6 = false;
    if (host == NULL || host[0] == '\0' || strcmp(host, "*") == 0) {
        struct sockaddr_in *sin = (struct sockaddr_in *)addr;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    size_t len = strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') { /* "[::1]" */
        host++;
        len -= 2;
    }
    if (len >= sizeof(name))
        return BUFFR_EINVAL;
    memcpy(name, host, len);
    name[len] = '\0';

    char service[8];
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    struct addrinfo *found = NULL;
    int rc = getaddrinfo(name, service, &hints, &found);
    if (rc != 0) {
        log_error("http: cannot resolve listen address %s: %s", name, gai_strerror(rc));
        return BUFFR_EINVAL;
    }
    /* "localhost" gives both families: prefer IPv4, which every client tries. */
    const struct addrinfo *pick = NULL;
    for (const struct addrinfo *a = found; a != NULL; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            pick = a;
            break;
        }
        if (a->ai_family == AF_INET6 && pick == NULL)
            pick = a;
    }
    if (pick == NULL || pick->ai_addrlen > sizeof(*addr)) {
        freeaddrinfo(found);
        log_error("http: no usable address for %s", name);
        return BUFFR_EINVAL;
    }
    memcpy(addr, pick->ai_addr, pick->ai_addrlen);
    *ipv6 = pick->ai_family == AF_INET6;
    freeaddrinfo(found);
    return 0;
}

int http_server_start(const http_server_opts_t *opts, struct app *app, const route_t *routes,
                      size_t nroutes, http_authenticate_fn authenticate, http_server_t **out)
{
    if (opts == NULL || out == NULL || (routes == NULL && nroutes > 0))
        return BUFFR_EINVAL;
    *out = NULL;
    int rc = server_check_routes(routes, nroutes);
    if (rc != 0)
        return rc;

    http_server_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return BUFFR_ENOMEM;
    s->app = app;
    s->routes = routes;
    s->nroutes = nroutes;
    s->authenticate = authenticate;
    s->idempotency_begin = opts->idempotency_begin;
    s->idempotency_finish = opts->idempotency_finish;
    s->max_body_bytes = opts->max_body_bytes > 0 ? opts->max_body_bytes : SERVER_DEFAULT_MAX_BODY;
    s->max_header_bytes =
        opts->max_header_bytes > 0 ? opts->max_header_bytes : SERVER_DEFAULT_MAX_HEADERS;
    s->access_log = opts->access_log;
    atomic_init(&s->in_flight, 0);
    atomic_init(&s->stopping, false);

    s->oom_response = MHD_create_response_from_buffer(strlen(req_oom_body), (void *)req_oom_body,
                                                      MHD_RESPMEM_PERSISTENT);
    if (s->oom_response == NULL ||
        MHD_add_response_header(s->oom_response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/json; charset=utf-8") != MHD_YES ||
        MHD_add_response_header(s->oom_response, "X-Content-Type-Options", "nosniff") != MHD_YES) {
        if (s->oom_response)
            MHD_destroy_response(s->oom_response);
        free(s);
        return BUFFR_ENOMEM;
    }

    struct sockaddr_storage addr;
    bool ipv6 = false;
    rc = server_resolve(opts->host, opts->port, &addr, &ipv6);
    if (rc != 0) {
        MHD_destroy_response(s->oom_response);
        free(s);
        return rc;
    }

    /* ITC: MHD_quiesce_daemon and MHD_resume_connection need it. */
    unsigned int flags = MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL_INTERNAL_THREAD;
    else if (MHD_is_feature_supported(MHD_FEATURE_POLL) == MHD_YES)
        flags |= MHD_USE_POLL_INTERNAL_THREAD;
    else
        flags |= MHD_USE_INTERNAL_POLLING_THREAD;
    if (ipv6)
        flags |= MHD_USE_IPv6;

    int threads = opts->threads > 1 ? opts->threads : 1;
    int io_threads = opts->io_threads;
    if (io_threads <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        io_threads = cores > 0 ? (int)cores : 1;
    }
    /* The connection's memory pool holds the request line and headers (plus
     * MHD's bookkeeping and the answer's headers): sized so that headers
     * well past the limit make MHD answer 431 itself; the exact limit is
     * checked in server_begin. */
    size_t pool = (size_t)s->max_header_bytes + (size_t)s->max_header_bytes / 2 + 8192;
    struct MHD_OptionItem options[12];
    size_t n = 0;
    options[n++] =
        (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)server_mhd_log, NULL};
    options[n++] =
        (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)server_request_begin, s};
    options[n++] =
        (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)server_request_completed, s};
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &addr};
    options[n++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)pool, NULL};
    if (io_threads > 1)
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, io_threads, NULL};
    if (opts->max_connections > 0) {
        /* MHD shares the limit among the pool's threads: at least one each. */
        int limit = opts->max_connections < io_threads ? io_threads : opts->max_connections;
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, limit, NULL};
    }
    if (opts->max_connections_per_ip > 0)
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                               opts->max_connections_per_ip, NULL};
    if (opts->connection_timeout_s > 0)
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                               opts->connection_timeout_s, NULL};
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    rc = workpool_start(threads, server_run_job, NULL, &s->workers);
    if (rc != 0) {
        log_error("http: cannot start %d handler threads", threads);
        MHD_destroy_response(s->oom_response);
        free(s);
        return rc;
    }
    s->daemon = MHD_start_daemon(flags, opts->port, NULL, NULL, server_access, s, MHD_OPTION_ARRAY,
                                 options, MHD_OPTION_END);
    if (s->daemon == NULL) {
        workpool_free(s->workers);
        log_error("http: cannot listen on %s port %u (address in use or not available)",
                  opts->host && opts->host[0] ? opts->host : "0.0.0.0", (unsigned)opts->port);
        MHD_destroy_response(s->oom_response);
        free(s);
        return BUFFR_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL && info->port != 0 ? info->port : opts->port;
    *out = s;
    return 0;
}

uint16_t http_server_port(const http_server_t *s)
{
    return s ? s->port : 0;
}

int http_server_in_flight(const http_server_t *s)
{
    return s ? atomic_load(&((http_server_t *)s)->in_flight) : 0;
}

void http_server_stop(http_server_t *s, int grace_s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stopping, true);
    MHD_socket listener = MHD_quiesce_daemon(s->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    double deadline = time_monotonic() + (grace_s > 0 ? grace_s : 0);
    while (atomic_load(&s->in_flight) > 0 && time_monotonic() < deadline) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    int left = atomic_load(&s->in_flight);
    if (left > 0)
        log_warn("http: stopping with %d request(s) still in flight", left);
    /* Handlers still running finish and resume their connections first:
     * MHD must not be stopped with a connection suspended. */
    workpool_stop(s->workers);
    MHD_stop_daemon(s->daemon);
    workpool_free(s->workers);
    MHD_destroy_response(s->oom_response);
    free(s);
}
