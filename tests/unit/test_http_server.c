/*
 * test_http_server.c - black-box tests of http/server.c and request.c: a real
 * server on a free loopback port with a small route table of its own,
 * spoken to with raw HTTP/1.1 over plain sockets.
 *
 * Covers the order of checks (404, 405, 413, 401, 403, 415, 400), the error
 * shape, X-Request-Id, keep-alive and pipelining, UTF-8 byte-exactness, raw
 * target decoding (%00, %2F), the validate-or-reply helpers, oversized
 * headers, slow clients, metrics, the access log and a graceful stop with a
 * request in flight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/uuid.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "http/server.h"

#define MAX_BODY    1024
#define MAX_HEADERS 4096

/* ---- the server's routes ---- */

static void h_public(req_t *r)
{
    const principal_t *who = req_principal(r);
    reply_json(r, 200,
               json_pack("{s:b, s:s?, s:s}", "ok", 1, "role", who ? role_name(who->role) : NULL,
                         "path", req_path(r)));
}

static void h_role(req_t *r)
{
    const principal_t *who = req_principal(r);
    reply_json(r, 200,
               json_pack("{s:s, s:s, s:s?}", "role", role_name(who->role), "tenant", who->tenant_id,
                         "bearer", req_bearer(r)));
}

static void h_echo(req_t *r)
{
    reply_json(r, 200, json_incref(req_json(r)));
}

static void h_slow(req_t *r)
{
    struct timespec pause = {0, 700 * 1000 * 1000};
    nanosleep(&pause, NULL);
    reply_json(r, 200, json_pack("{s:s}", "slow", "done"));
}

/* /held waits until the test opens the gate: a handler that is blocked
 * (on the database, say) for as long as the test likes. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_opened = PTHREAD_COND_INITIALIZER;
static bool gate_open;

static void gate_set(bool open)
{
    pthread_mutex_lock(&gate_lock);
    gate_open = open;
    pthread_cond_broadcast(&gate_opened);
    pthread_mutex_unlock(&gate_lock);
}

static void h_held(req_t *r)
{
    pthread_mutex_lock(&gate_lock);
    while (!gate_open)
        pthread_cond_wait(&gate_opened, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    reply_json(r, 200, json_pack("{s:s}", "held", "released"));
}

static void h_item(req_t *r)
{
    char id[UUID_BUF_SIZE];
    if (req_uuid_param(r, "id", id) != 0)
        return;
    reply_json(r, 200, json_pack("{s:s}", "id", id));
}

static void h_item_patch(req_t *r)
{
    char id[UUID_BUF_SIZE];
    int64_t version;
    if (req_uuid_param(r, "id", id) != 0 || req_if_match(r, &version) != 0)
        return;
    reply_json(r, 200, json_pack("{s:s, s:I}", "id", id, "version", (json_int_t)version));
}

static void h_list(req_t *r)
{
    int limit;
    const char *cursor;
    if (req_page(r, &limit, &cursor) != 0)
        return;
    reply_json(r, 200, json_pack("{s:i, s:s?}", "limit", limit, "cursor", cursor));
}

static void h_query(req_t *r)
{
    reply_json(r, 200,
               json_pack("{s:s?, s:s?, s:s}", "x", req_query(r, "x"), "name", req_param(r, "name"),
                         "ip", req_client_ip(r)));
}

static void h_noreply(req_t *r)
{
    (void)r;
}

static void h_limited(req_t *r)
{
    reply_header(r, "Retry-After", "42");
    reply_error(r, BUFFR_ERATELIMIT, NULL, "slow down");
}

static void h_twice(req_t *r)
{
    reply_json(r, 201, json_pack("{s:i}", "answer", 1));
    reply_json(r, 200, json_pack("{s:i}", "answer", 2));
}

static void h_no_content(req_t *r)
{
    reply_json(r, 204, NULL);
}

static void h_raw(req_t *r)
{
    reply_raw(r, 200, "text/plain; version=0.0.4", "plain text\n", 11);
}

static void h_field_error(req_t *r)
{
    buffr_err_t e;
    buffr_fail(&e, BUFFR_EVALIDATION, "check_out", "check_out must be after check_in");
    reply_err(r, &e);
}

static void h_internal(req_t *r)
{
    reply_error(r, BUFFR_EDB, NULL, "secret table name leaked");
}

static void h_arena(req_t *r)
{
    /* Many small and a few big allocations; all freed with the request. */
    size_t total = 0;
    for (int i = 0; i < 2000; i++) {
        char *p = req_alloc(r, (size_t)(i % 97) + 1);
        if (p == NULL || p[0] != 0) {
            reply_error(r, BUFFR_EINTERNAL, NULL, "arena");
            return;
        }
        memset(p, 'x', (size_t)(i % 97) + 1);
        total += (size_t)(i % 97) + 1;
    }
    char *big = req_alloc(r, 100000);
    char *copy = req_strdup(r, "kept");
    if (big == NULL || copy == NULL || strcmp(copy, "kept") != 0) {
        reply_error(r, BUFFR_EINTERNAL, NULL, "arena");
        return;
    }
    reply_json(r, 200, json_pack("{s:I}", "total", (json_int_t)total));
}

static const route_t routes[] = {
    {"GET", "/public", h_public, PERM_PUBLIC, "public", "test", 0, NULL, NULL, 0},
    {"GET", "/staff", h_role, PERM_STAFF, "staff", "test", 0, NULL, NULL, 0},
    {"GET", "/manager", h_role, PERM_MANAGER, "manager", "test", 0, NULL, NULL, 0},
    {"POST", "/echo", h_echo, PERM_PUBLIC, "echo", "test", ROUTE_JSON_BODY, NULL, NULL, 0},
    {"POST", "/staff-echo", h_echo, PERM_STAFF, "echo", "test", ROUTE_JSON_BODY, NULL, NULL, 0},
    {"GET", "/slow", h_slow, PERM_PUBLIC, "slow", "test", 0, NULL, NULL, 0},
    {"GET", "/held", h_held, PERM_PUBLIC, "held", "test", 0, NULL, NULL, 0},
    {"GET", "/items/{id}", h_item, PERM_PUBLIC, "item", "test", 0, NULL, NULL, 0},
    {"PATCH", "/items/{id}", h_item_patch, PERM_PUBLIC, "item", "test", 0, NULL, NULL, 0},
    {"GET", "/list", h_list, PERM_PUBLIC, "list", "test", 0, NULL, NULL, 0},
    {"GET", "/query/{name}", h_query, PERM_PUBLIC, "query", "test", 0, NULL, NULL, 0},
    {"GET", "/noreply", h_noreply, PERM_PUBLIC, "noreply", "test", 0, NULL, NULL, 0},
    {"GET", "/limited", h_limited, PERM_PUBLIC, "limited", "test", 0, NULL, NULL, 0},
    {"GET", "/twice", h_twice, PERM_PUBLIC, "twice", "test", 0, NULL, NULL, 0},
    {"DELETE", "/items/{id}", h_no_content, PERM_PUBLIC, "delete", "test", 0, NULL, NULL, 204},
    {"GET", "/raw", h_raw, PERM_PUBLIC, "raw", "test", ROUTE_RAW, NULL, NULL, 0},
    {"GET", "/field-error", h_field_error, PERM_PUBLIC, "field", "test", 0, NULL, NULL, 0},
    {"GET", "/internal", h_internal, PERM_PUBLIC, "internal", "test", 0, NULL, NULL, 0},
    {"GET", "/arena", h_arena, PERM_PUBLIC, "arena", "test", 0, NULL, NULL, 0},
    {"GET", "/api/v1/thing", h_public, PERM_PUBLIC, "thing", "test", 0, NULL, NULL, 0},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static int fake_authenticate(struct app *app, const char *token, principal_t *out)
{
    (void)app;
    if (strcmp(token, "db-down") == 0)
        return BUFFR_EUNAVAILABLE;
    role_t role;
    if (strcmp(token, "good-staff") == 0)
        role = ROLE_STAFF;
    else if (strcmp(token, "good-owner") == 0)
        role = ROLE_OWNER;
    else
        return BUFFR_EUNAUTH;
    strcpy(out->user_id, "0190a5c4-0000-7000-8000-0000000000aa");
    strcpy(out->tenant_id, "0190a5c4-0000-7000-8000-0000000000bb");
    out->role = role;
    out->services = SERVICE_ALL;
    return 0;
}

static http_server_t *server;
static uint16_t port;

static http_server_opts_t test_opts(void)
{
    http_server_opts_t opts;
    memset(&opts, 0, sizeof(opts));
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.threads = 4;
    opts.max_body_bytes = MAX_BODY;
    opts.max_header_bytes = MAX_HEADERS;
    opts.max_connections = 64;
    opts.connection_timeout_s = 2;
    opts.access_log = true;
    return opts;
}

static int group_setup(void **state)
{
    (void)state;
    log_set_level(LOG_WARN); /* the access log is checked in its own test */
    http_server_opts_t opts = test_opts();
    if (http_server_start(&opts, NULL, routes, NROUTES, fake_authenticate, &server) != 0)
        return -1;
    port = http_server_port(server);
    return port != 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    http_server_stop(server, 2);
    return 0;
}

/* ---- a tiny HTTP/1.1 client ---- */

typedef struct client {
    int fd;
    char buf[1 << 16];
    size_t len;
} client_t;

typedef struct reply {
    int status;
    char head[8192];
    char body[1 << 15];
    size_t body_len;
    json_t *json; /* parsed body when it is JSON, else NULL */
} reply_t;

static int connect_to(int family, const char *addr, uint16_t to_port)
{
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int rc;
    if (family == AF_INET6) {
        struct sockaddr_in6 sa;
        memset(&sa, 0, sizeof(sa));
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(to_port);
        inet_pton(AF_INET6, addr, &sa.sin6_addr);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    } else {
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons(to_port);
        inet_pton(AF_INET, addr, &sa.sin_addr);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static client_t *client_open_port(uint16_t to_port)
{
    client_t *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->fd = connect_to(AF_INET, "127.0.0.1", to_port);
    assert_true(c->fd >= 0);
    return c;
}

static client_t *client_open(void)
{
    return client_open_port(port);
}

static void client_close(client_t *c)
{
    close(c->fd);
    free(c);
}

static void client_send(client_t *c, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        data += n;
        len -= (size_t)n;
    }
}

static void client_send_str(client_t *c, const char *text)
{
    client_send(c, text, strlen(text));
}

/* Read more bytes; false on EOF or timeout. */
static bool client_fill(client_t *c)
{
    if (c->len == sizeof(c->buf))
        return false;
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    if (n <= 0)
        return false;
    c->len += (size_t)n;
    return true;
}

static const char *find_header(const reply_t *rep, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    const char *line = strstr(rep->head, "\r\n");
    while (line != NULL && line[2] != '\0') {
        line += 2;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t vlen = end ? (size_t)(end - v) : strlen(v);
            if (vlen >= outlen)
                vlen = outlen - 1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return out;
        }
        line = strstr(line, "\r\n");
    }
    return NULL;
}

/* Read one answer; false when the connection closed first. */
static bool client_read(client_t *c, reply_t *rep, bool head_request)
{
    memset(rep, 0, sizeof(*rep));
    char *end;
    while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL)
        if (!client_fill(c))
            return false;
    size_t head_len = (size_t)(end - c->buf) + 2; /* keep the last CRLF */
    assert_true(head_len < sizeof(rep->head));
    memcpy(rep->head, c->buf, head_len);
    rep->head[head_len] = '\0';
    assert_int_equal(sscanf(rep->head, "HTTP/1.1 %d", &rep->status), 1);
    size_t consumed = head_len + 2;
    char value[64];
    size_t body_len = 0;
    if (!head_request && find_header(rep, "Content-Length", value, sizeof(value)))
        body_len = (size_t)strtoul(value, NULL, 10);
    assert_true(body_len < sizeof(rep->body));
    while (c->len < consumed + body_len)
        if (!client_fill(c))
            return false;
    memcpy(rep->body, c->buf + consumed, body_len);
    rep->body_len = body_len;
    memmove(c->buf, c->buf + consumed + body_len, c->len - consumed - body_len);
    c->len -= consumed + body_len;
    if (find_header(rep, "Content-Type", value, sizeof(value)) &&
        strncmp(value, "application/json", 16) == 0)
        rep->json = json_loadb(rep->body, rep->body_len, 0, NULL);
    return true;
}

static void reply_free(reply_t *rep)
{
    json_decref(rep->json);
    rep->json = NULL;
}

/* One request on a fresh connection. */
static void roundtrip(const char *raw, reply_t *rep)
{
    client_t *c = client_open();
    client_send_str(c, raw);
    assert_true(client_read(c, rep, strncmp(raw, "HEAD ", 5) == 0));
    client_close(c);
}

static reply_t *new_reply(void)
{
    reply_t *rep = calloc(1, sizeof(*rep));
    assert_non_null(rep);
    return rep;
}

static void free_reply(reply_t *rep)
{
    reply_free(rep);
    free(rep);
}

/* The error shape, exactly: {"error":{"code","message","details"}}. */
static void assert_error(const reply_t *rep, int status, const char *code, const char *field)
{
    if (rep->status != status)
        fail_msg("status %d, expected %d; body %.*s", rep->status, status, (int)rep->body_len,
                 rep->body);
    assert_non_null(rep->json);
    assert_int_equal(json_object_size(rep->json), 1);
    json_t *error = json_object_get(rep->json, "error");
    assert_true(json_is_object(error));
    assert_int_equal(json_object_size(error), 3);
    assert_string_equal(json_string_value(json_object_get(error, "code")), code);
    assert_true(json_is_string(json_object_get(error, "message")));
    json_t *details = json_object_get(error, "details");
    assert_true(json_is_object(details));
    if (field != NULL)
        assert_string_equal(json_string_value(json_object_get(details, "field")), field);
    else
        assert_null(json_object_get(details, "field"));
    char value[256];
    assert_non_null(find_header(rep, "Content-Type", value, sizeof(value)));
    assert_string_equal(value, "application/json; charset=utf-8");
}

static void post_echo(const char *path, const char *extra_headers, const char *body, size_t len,
                      reply_t *rep)
{
    char head[1024];
    snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: t\r\n%sContent-Length: %zu\r\n\r\n",
             path, extra_headers, len);
    client_t *c = client_open();
    client_send_str(c, head);
    client_send(c, body, len);
    assert_true(client_read(c, rep, false));
    client_close(c);
}

/* ---- tests ---- */

static void test_unknown_path_404(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    roundtrip("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_error(rep, 404, "NOT_FOUND", NULL);
    char value[256];
    assert_non_null(find_header(rep, "X-Content-Type-Options", value, sizeof(value)));
    assert_string_equal(value, "nosniff");
    assert_non_null(find_header(rep, "X-Request-Id", value, sizeof(value)));
    assert_true(uuid_is_valid(value));
    assert_int_equal(value[14], '7');
    free_reply(rep);
}

static void test_method_not_allowed_405(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    roundtrip("PUT /items/x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", rep);
    assert_error(rep, 405, "METHOD_NOT_ALLOWED", NULL);
    char value[64];
    assert_non_null(find_header(rep, "Allow", value, sizeof(value)));
    assert_string_equal(value, "GET, PATCH, DELETE");
    free_reply(rep);
}

static void test_trailing_slash_and_raw_decoding(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    const char *not_found[] = {
        "GET /public/ HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /public%00 HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /items/%00 HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /query/a%2Fb HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /query/%zz HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /pub%6cic%2F HTTP/1.1\r\nHost: t\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(not_found) / sizeof(not_found[0]); i++) {
        roundtrip(not_found[i], rep);
        assert_error(rep, 404, "NOT_FOUND", NULL);
        reply_free(rep);
    }
    /* Escapes in a path segment decode before matching. */
    roundtrip("GET /pub%6Cic HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    reply_free(rep);
    roundtrip("GET /query/caf%C3%A9?x=a+b%21 HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_string_equal(json_string_value(json_object_get(rep->json, "name")), "caf\xc3\xa9");
    assert_string_equal(json_string_value(json_object_get(rep->json, "x")), "a b!");
    assert_string_equal(json_string_value(json_object_get(rep->json, "ip")), "127.0.0.1");
    reply_free(rep);
    /* A bad query on a known path is the client's error, not a 404. */
    roundtrip("GET /query/a?x=%zz HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_error(rep, 400, "VALIDATION_ERROR", NULL);
    free_reply(rep);
}

static void test_authentication_401(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    const char *refused[] = {
        "GET /staff HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /staff HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer wrong\r\n\r\n",
        "GET /staff HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer\r\n\r\n",
        "GET /staff HTTP/1.1\r\nHost: t\r\nAuthorization: Basic Z29vZC1zdGFmZg==\r\n\r\n",
        "GET /staff HTTP/1.1\r\nHost: t\r\nAuthorization: Bearergood-staff\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        roundtrip(refused[i], rep);
        assert_error(rep, 401, "UNAUTHENTICATED", NULL);
        char value[64];
        assert_non_null(find_header(rep, "WWW-Authenticate", value, sizeof(value)));
        reply_free(rep);
    }
    /* The scheme is case-insensitive. */
    roundtrip("GET /staff HTTP/1.1\r\nHost: t\r\nAuthorization: bEaReR  good-staff \r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_string_equal(json_string_value(json_object_get(rep->json, "role")), "staff");
    assert_string_equal(json_string_value(json_object_get(rep->json, "bearer")), "good-staff");
    assert_string_equal(json_string_value(json_object_get(rep->json, "tenant")),
                        "0190a5c4-0000-7000-8000-0000000000bb");
    reply_free(rep);
    /* A token that cannot be checked is a 503, not the caller's 401. */
    roundtrip("GET /staff HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer db-down\r\n\r\n", rep);
    assert_error(rep, 503, "UNAVAILABLE", NULL);
    reply_free(rep);
    /* Public routes: a valid token names the caller, a bad one is ignored. */
    roundtrip("GET /public HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer good-owner\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_string_equal(json_string_value(json_object_get(rep->json, "role")), "owner");
    reply_free(rep);
    roundtrip("GET /public HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer junk\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_true(json_is_null(json_object_get(rep->json, "role")));
    free_reply(rep);
}

static void test_forbidden_403(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    roundtrip("GET /manager HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer good-staff\r\n\r\n", rep);
    assert_error(rep, 403, "FORBIDDEN", NULL);
    reply_free(rep);
    roundtrip("GET /manager HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer good-owner\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_string_equal(json_string_value(json_object_get(rep->json, "role")), "owner");
    free_reply(rep);
}

static void test_media_type_415(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    const char *body = "{\"a\":1}";
    post_echo("/echo", "Content-Type: text/plain\r\n", body, strlen(body), rep);
    assert_error(rep, 415, "UNSUPPORTED_MEDIA_TYPE", NULL);
    reply_free(rep);
    post_echo("/echo", "", body, strlen(body), rep);
    assert_error(rep, 415, "UNSUPPORTED_MEDIA_TYPE", NULL);
    reply_free(rep);
    post_echo("/echo", "Content-Type: application/jsonx\r\n", body, strlen(body), rep);
    assert_error(rep, 415, "UNSUPPORTED_MEDIA_TYPE", NULL);
    reply_free(rep);
    post_echo("/echo", "Content-Type: Application/JSON ; charset=UTF-8\r\n", body, strlen(body),
              rep);
    assert_int_equal(rep->status, 200);
    assert_memory_equal(rep->body, body, strlen(body));
    reply_free(rep);
    /* Authentication comes before the media type. */
    post_echo("/staff-echo", "Content-Type: text/plain\r\n", body, strlen(body), rep);
    assert_error(rep, 401, "UNAUTHENTICATED", NULL);
    free_reply(rep);
}

static void test_json_body_400(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    const char *json_header = "Content-Type: application/json\r\n";
    const char *malformed[] = {
        "{bad", "", "{\"a\":1,\"a\":2}", "{} trailing", "{\"a\":\"\xff\"}", "{\"a\":\"\\u0000\"}"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        post_echo("/echo", json_header, malformed[i], strlen(malformed[i]), rep);
        assert_error(rep, 400, "MALFORMED_JSON", NULL);
        reply_free(rep);
    }
    const char *not_object[] = {"[1,2]", "\"text\"", "42", "null"};
    for (size_t i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++) {
        post_echo("/echo", json_header, not_object[i], strlen(not_object[i]), rep);
        assert_error(rep, 400, "VALIDATION_ERROR", NULL);
        reply_free(rep);
    }
    free_reply(rep);
}

static void test_body_too_large_413(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    /* By Content-Length: answered before the body is sent. */
    client_t *c = client_open();
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 5000\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_error(rep, 413, "PAYLOAD_TOO_LARGE", NULL);
    reply_free(rep);
    client_close(c);

    /* Chunked: the body outgrows the limit while arriving. */
    c = client_open();
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n");
    char chunk[600];
    memset(chunk, ' ', sizeof(chunk));
    for (int i = 0; i < 5; i++) {
        char size_line[16];
        snprintf(size_line, sizeof(size_line), "%zx\r\n", sizeof(chunk));
        client_send_str(c, size_line);
        client_send(c, chunk, sizeof(chunk));
        client_send_str(c, "\r\n");
    }
    client_send_str(c, "0\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_error(rep, 413, "PAYLOAD_TOO_LARGE", NULL);
    reply_free(rep);
    /* The connection is still usable afterwards. */
    client_send_str(c, "GET /public HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_int_equal(rep->status, 200);
    reply_free(rep);
    client_close(c);

    /* A length past 64 bits: MHD answers 413 itself; the server lives on. */
    c = client_open();
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 99999999999999999999999\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_int_equal(rep->status, 413);
    reply_free(rep);
    client_close(c);

    /* Expect: 100-continue: an over-size body is refused without a 100... */
    c = client_open();
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_error(rep, 413, "PAYLOAD_TOO_LARGE", NULL);
    reply_free(rep);
    client_close(c);
    /* ...and a fitting one gets its 100 Continue, then the answer. */
    c = client_open();
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 7\r\nExpect: 100-continue\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_int_equal(rep->status, 100);
    client_send_str(c, "{\"b\":2}");
    assert_true(client_read(c, rep, false));
    assert_int_equal(rep->status, 200);
    assert_string_equal(rep->body, "{\"b\":2}");
    reply_free(rep);
    client_close(c);

    /* Exactly at the limit is fine. */
    char *body = malloc(MAX_BODY);
    assert_non_null(body);
    memset(body, ' ', MAX_BODY);
    memcpy(body, "{\"a\":1}", 7);
    post_echo("/echo", "Content-Type: application/json\r\n", body, MAX_BODY, rep);
    assert_int_equal(rep->status, 200);
    assert_string_equal(rep->body, "{\"a\":1}");
    free(body);
    free_reply(rep);
}

static void test_request_id(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    char value[256];
    roundtrip("GET /public HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc-123_XYZ\r\n\r\n", rep);
    assert_non_null(find_header(rep, "X-Request-Id", value, sizeof(value)));
    assert_string_equal(value, "abc-123_XYZ");
    reply_free(rep);

    /* Errors carry it too. */
    roundtrip("GET /nope HTTP/1.1\r\nHost: t\r\nX-Request-Id: trace-404\r\n\r\n", rep);
    assert_non_null(find_header(rep, "X-Request-Id", value, sizeof(value)));
    assert_string_equal(value, "trace-404");
    reply_free(rep);

    char id128[129], request[512];
    memset(id128, 'a', 128);
    id128[128] = '\0';
    snprintf(request, sizeof(request),
             "GET /public HTTP/1.1\r\nHost: t\r\nX-Request-Id: %s\r\n\r\n", id128);
    roundtrip(request, rep);
    assert_non_null(find_header(rep, "X-Request-Id", value, sizeof(value)));
    assert_string_equal(value, id128);
    reply_free(rep);

    /* Too long, inner space, non-ASCII: a fresh UUIDv7 instead. */
    snprintf(request, sizeof(request),
             "GET /public HTTP/1.1\r\nHost: t\r\nX-Request-Id: %sb\r\n\r\n", id128);
    const char *replaced[] = {
        request, "GET /public HTTP/1.1\r\nHost: t\r\nX-Request-Id: a b\r\n\r\n",
        "GET /public HTTP/1.1\r\nHost: t\r\nX-Request-Id: caf\xc3\xa9\r\n\r\n"};
    for (size_t i = 0; i < 3; i++) {
        roundtrip(replaced[i], rep);
        assert_non_null(find_header(rep, "X-Request-Id", value, sizeof(value)));
        assert_true(uuid_is_valid(value));
        reply_free(rep);
    }
    free_reply(rep);
}

static void test_keep_alive_and_pipelining(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    client_t *c = client_open();
    client_send_str(c, "GET /public HTTP/1.1\r\nHost: t\r\nX-Request-Id: one\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_int_equal(rep->status, 200);
    reply_free(rep);
    client_send_str(c, "GET /items/0190A5C4-0000-7000-8000-0000000000CC HTTP/1.1\r\nHost: t\r\n"
                       "X-Request-Id: two\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_int_equal(rep->status, 200);
    char value[64];
    assert_string_equal(find_header(rep, "X-Request-Id", value, sizeof(value)), "two");
    reply_free(rep);
    /* Two requests in one write. */
    client_send_str(c, "GET /public HTTP/1.1\r\nHost: t\r\nX-Request-Id: p1\r\n\r\n"
                       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 8\r\nX-Request-Id: p2\r\n\r\n{\"k\":[]}");
    assert_true(client_read(c, rep, false));
    assert_string_equal(find_header(rep, "X-Request-Id", value, sizeof(value)), "p1");
    reply_free(rep);
    assert_true(client_read(c, rep, false));
    assert_string_equal(find_header(rep, "X-Request-Id", value, sizeof(value)), "p2");
    assert_string_equal(rep->body, "{\"k\":[]}");
    reply_free(rep);
    client_close(c);

    /* Refusals keep the connection open too: 404, 401, 405, and a 401 on a
     * small body, which is read past. */
    c = client_open();
    const char *refused[] = {
        "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /staff HTTP/1.1\r\nHost: t\r\n\r\n",
        "PUT /public HTTP/1.1\r\nHost: t\r\n\r\n",
        ("POST /staff-echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: 9\r\n\r\n{\"a\":\"b\"}"),
    };
    const int statuses[] = {404, 401, 405, 401};
    for (size_t i = 0; i < 4; i++) {
        client_send_str(c, refused[i]);
        assert_true(client_read(c, rep, false));
        assert_int_equal(rep->status, statuses[i]);
        assert_null(find_header(rep, "Connection", value, sizeof(value)));
        reply_free(rep);
    }
    client_send_str(c, "GET /public HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(client_read(c, rep, false));
    assert_int_equal(rep->status, 200);
    reply_free(rep);
    client_close(c);
    free_reply(rep);
}

static void test_utf8_round_trip(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    /* 4-byte emoji, a combining accent (e + U+0301), CJK, an escaped quote
     * and a Latin-1 letter: compact JSON comes back byte for byte. */
    const char *body = "{\"name\":\"Zo\xc3\xab \xf0\x9f\x98\x80 e\xcc\x81 \xe6\x97\xa5\xe6\x9c"
                       "\xac \\\"q\\\" \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x8d\xb3\"}";
    post_echo("/echo", "Content-Type: application/json; charset=utf-8\r\n", body, strlen(body),
              rep);
    assert_int_equal(rep->status, 200);
    assert_int_equal(rep->body_len, strlen(body));
    assert_memory_equal(rep->body, body, strlen(body));
    free_reply(rep);
}

static void test_uuid_param(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    roundtrip("GET /items/0190A5C4-0000-7000-8000-0000000000CC HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_string_equal(json_string_value(json_object_get(rep->json, "id")),
                        "0190a5c4-0000-7000-8000-0000000000cc");
    reply_free(rep);
    const char *bad[] = {
        "GET /items/not-a-uuid HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /items/0190a5c4-0000-7000-8000-0000000000c HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /items/0190a5c4-0000-7000-8000-0000000000ccc HTTP/1.1\r\nHost: t\r\n\r\n"};
    for (size_t i = 0; i < 3; i++) {
        roundtrip(bad[i], rep);
        assert_error(rep, 404, "NOT_FOUND", NULL);
        reply_free(rep);
    }
    free_reply(rep);
}

static void test_if_match(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    struct {
        const char *header;
        long long version; /* -2: refused */
    } cases[] = {
        {"", -1},
        {"If-Match: 5\r\n", 5},
        {"If-Match:  12 \r\n", 12},
        {"If-Match: \"7\"\r\n", 7},
        {"If-Match: 0\r\n", 0},
        {"If-Match: abc\r\n", -2},
        {"If-Match: -1\r\n", -2},
        {"If-Match: 1.5\r\n", -2},
        {"If-Match: *\r\n", -2},
        {"If-Match: 1234567890123456789\r\n", -2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char request[256];
        snprintf(request, sizeof(request),
                 "PATCH /items/0190a5c4-0000-7000-8000-0000000000cc HTTP/1.1\r\nHost: t\r\n%s\r\n",
                 cases[i].header);
        roundtrip(request, rep);
        if (cases[i].version == -2) {
            assert_error(rep, 400, "VALIDATION_ERROR", "If-Match");
        } else {
            assert_int_equal(rep->status, 200);
            assert_int_equal(json_integer_value(json_object_get(rep->json, "version")),
                             cases[i].version);
        }
        reply_free(rep);
    }
    free_reply(rep);
}

static void test_page(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    roundtrip("GET /list HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_int_equal(json_integer_value(json_object_get(rep->json, "limit")), 50);
    assert_true(json_is_null(json_object_get(rep->json, "cursor")));
    reply_free(rep);
    roundtrip("GET /list?limit=200&cursor=abc%3D HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_int_equal(json_integer_value(json_object_get(rep->json, "limit")), 200);
    assert_string_equal(json_string_value(json_object_get(rep->json, "cursor")), "abc=");
    reply_free(rep);
    const char *bad_limits[] = {"0", "201", "abc", "-5", "", "1e2", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
        char request[128];
        snprintf(request, sizeof(request), "GET /list?limit=%s HTTP/1.1\r\nHost: t\r\n\r\n",
                 bad_limits[i]);
        roundtrip(request, rep);
        assert_error(rep, 400, "VALIDATION_ERROR", "limit");
        reply_free(rep);
    }
    char cursor[300], request[512];
    memset(cursor, 'c', 257);
    cursor[257] = '\0';
    snprintf(request, sizeof(request), "GET /list?cursor=%s HTTP/1.1\r\nHost: t\r\n\r\n", cursor);
    roundtrip(request, rep);
    assert_error(rep, 400, "VALIDATION_ERROR", "cursor");
    free_reply(rep);
}

static void test_handler_answers(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    char value[128];
    /* No answer from the handler: 500 that reveals nothing. */
    roundtrip("GET /noreply HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_error(rep, 500, "INTERNAL", NULL);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(rep->json, "error"), "message")),
        "internal error");
    reply_free(rep);
    roundtrip("GET /internal HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_error(rep, 500, "INTERNAL", NULL);
    assert_null(strstr(rep->body, "secret"));
    reply_free(rep);
    /* 429 with the handler's Retry-After. */
    roundtrip("GET /limited HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_error(rep, 429, "RATE_LIMITED", NULL);
    assert_string_equal(find_header(rep, "Retry-After", value, sizeof(value)), "42");
    reply_free(rep);
    /* The first answer wins. */
    roundtrip("GET /twice HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 201);
    assert_string_equal(rep->body, "{\"answer\":1}");
    reply_free(rep);
    /* A field error keeps its field and message. */
    roundtrip("GET /field-error HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_error(rep, 400, "VALIDATION_ERROR", "check_out");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(rep->json, "error"), "message")),
        "check_out must be after check_in");
    reply_free(rep);
    /* Raw answers keep their type. */
    roundtrip("GET /raw HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_string_equal(find_header(rep, "Content-Type", value, sizeof(value)),
                        "text/plain; version=0.0.4");
    assert_string_equal(rep->body, "plain text\n");
    reply_free(rep);
    /* No body at all. */
    roundtrip("DELETE /items/x HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 204);
    assert_int_equal(rep->body_len, 0);
    assert_null(find_header(rep, "Content-Type", value, sizeof(value)));
    assert_non_null(find_header(rep, "X-Request-Id", value, sizeof(value)));
    reply_free(rep);
    /* The arena. */
    roundtrip("GET /arena HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    reply_free(rep);
    /* HEAD is served by the GET route, without a body. */
    roundtrip("HEAD /public HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_int_equal(rep->body_len, 0);
    free_reply(rep);
}

static void test_cache_control(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    char value[64];
    roundtrip("GET /api/v1/thing HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    assert_string_equal(find_header(rep, "Cache-Control", value, sizeof(value)), "no-store");
    reply_free(rep);
    roundtrip("GET /api/v1/missing HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 404);
    assert_string_equal(find_header(rep, "Cache-Control", value, sizeof(value)), "no-store");
    reply_free(rep);
    roundtrip("GET /public HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_null(find_header(rep, "Cache-Control", value, sizeof(value)));
    free_reply(rep);
}

static void test_header_limits(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    size_t sizes[] = {3000, MAX_HEADERS + 200, 4 * MAX_HEADERS, 64 * 1024};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char *request = malloc(sizes[i] + 128);
        assert_non_null(request);
        int o = sprintf(request, "GET /public HTTP/1.1\r\nHost: t\r\nX-Big: ");
        memset(request + o, 'b', sizes[i]);
        strcpy(request + o + sizes[i], "\r\n\r\n");
        client_t *c = client_open();
        client_send(c, request, strlen(request));
        bool answered = client_read(c, rep, false);
        client_close(c);
        free(request);
        if (i == 0) {
            assert_true(answered);
            assert_int_equal(rep->status, 200);
        } else if (i == 1) {
            /* Just past the limit: refused by our own check, in the API's shape. */
            assert_true(answered);
            assert_error(rep, 431, "HEADERS_TOO_LARGE", NULL);
        } else if (answered) {
            /* Our check (JSON) or MHD's own (HTML); either way 431. */
            assert_int_equal(rep->status, 431);
        }
        reply_free(rep);
    }
    /* The server is still there. */
    roundtrip("GET /public HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 200);
    free_reply(rep);
}

static void test_stalled_client_dropped(void **state)
{
    (void)state;
    client_t *c = client_open();
    client_send_str(c, "GET /public HTTP/1.1\r\nHost: t\r\n"); /* never finished */
    double start = time_monotonic();
    char byte;
    ssize_t n = recv(c->fd, &byte, 1, 0); /* 0 = closed by the server */
    double waited = time_monotonic() - start;
    assert_true(n <= 0);
    assert_true(waited < 4.9); /* before the client's own 5 s timeout */
    client_close(c);
}

static void test_metrics(void **state)
{
    (void)state;
    reply_t *rep = new_reply();
    roundtrip("GET /public HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    reply_free(rep);
    roundtrip("BREW /nowhere HTTP/1.1\r\nHost: t\r\n\r\n", rep);
    assert_int_equal(rep->status, 404);
    free_reply(rep);
    /* The completion callback runs just after the answer is sent. */
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(metrics_render_http(&text, &len), 0);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(
        text, "buffr_http_requests_total{method=\"GET\",route=\"/public\",status=\"200\"} "));
    assert_non_null(strstr(
        text, "buffr_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"404\"} "));
    assert_non_null(strstr(text, "buffr_http_request_duration_seconds_bucket{method=\"GET\","
                                 "route=\"/public\",le=\"+Inf\"} "));
    assert_non_null(strstr(text, "# TYPE buffr_http_requests_in_flight gauge\n"));
    assert_null(strstr(text, "/nowhere"));
    free(text);
}

/* Exact exposition for known observations. */
static void test_metrics_render(void **state)
{
    (void)state;
    metrics_observe("GET", "/m-test", 200, 0.0004);
    metrics_observe("GET", "/m-test", 200, 0.003);
    metrics_observe("GET", "/m-test", 200, 20.0); /* beyond the last bucket */
    metrics_observe("WEIRD", "/m-test", 500, 0.0);
    metrics_observe("GET", "/m-\"q\"\\", 200, 0.1);
    char *text = NULL;
    assert_int_equal(metrics_render_http(&text, NULL), 0);
    const char *lines[] = {
        "buffr_http_requests_total{method=\"GET\",route=\"/m-test\",status=\"200\"} 3\n",
        "buffr_http_requests_total{method=\"OTHER\",route=\"/m-test\",status=\"500\"} 1\n",
        "buffr_http_request_duration_seconds_bucket{method=\"GET\",route=\"/"
        "m-test\",le=\"0.0005\"} "
        "1\n",
        "buffr_http_request_duration_seconds_bucket{method=\"GET\",route=\"/m-test\",le=\"0.001\"} "
        "1\n",
        "buffr_http_request_duration_seconds_bucket{method=\"GET\",route=\"/m-test\",le=\"0.005\"} "
        "2\n",
        "buffr_http_request_duration_seconds_bucket{method=\"GET\",route=\"/m-test\",le=\"10\"} "
        "2\n",
        "buffr_http_request_duration_seconds_bucket{method=\"GET\",route=\"/m-test\",le=\"+Inf\"} "
        "3\n",
        "buffr_http_request_duration_seconds_count{method=\"GET\",route=\"/m-test\"} 3\n",
        "buffr_http_request_duration_seconds_sum{method=\"GET\",route=\"/m-test\"} 20.003400\n",
        "buffr_http_requests_total{method=\"GET\",route=\"/m-\\\"q\\\"\\\\\",status=\"200\"} 1\n",
        "# TYPE buffr_http_request_duration_seconds histogram\n",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        if (strstr(text, lines[i]) == NULL)
            fail_msg("missing line %s in\n%s", lines[i], text);
    free(text);
    metrics_reset();
    assert_int_equal(metrics_render_http(&text, NULL), 0);
    assert_null(strstr(text, "/m-test"));
    free(text);
}

/* The access log line, read back from stderr. */
static void test_access_log(void **state)
{
    (void)state;
    char path[] = "/tmp/test_http_server_log_XXXXXX";
    int log_fd = mkstemp(path);
    assert_true(log_fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(log_fd, 2);
    log_set_level(LOG_INFO);

    reply_t *rep = new_reply();
    roundtrip("GET /staff?secret=1 HTTP/1.1\r\nHost: t\r\nX-Request-Id: log-check-1\r\n"
              "Authorization: Bearer good-staff\r\n\r\n",
              rep);
    assert_int_equal(rep->status, 200);
    free_reply(rep);

    json_t *line = NULL;
    for (int tries = 0; tries < 100 && line == NULL; tries++) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char text[4096];
        while (fgets(text, sizeof(text), f) != NULL) {
            if (strstr(text, "\"log-check-1\"") != NULL) {
                line = json_loads(text, 0, NULL);
                break;
            }
        }
        fclose(f);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(log_fd);
    unlink(path);
    log_set_level(LOG_WARN);

    assert_non_null(line);
    assert_string_equal(json_string_value(json_object_get(line, "msg")), "request");
    assert_string_equal(json_string_value(json_object_get(line, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(line, "route")), "/staff");
    assert_string_equal(json_string_value(json_object_get(line, "path")), "/staff");
    assert_int_equal(json_integer_value(json_object_get(line, "status")), 200);
    assert_true(json_is_real(json_object_get(line, "duration_ms")));
    assert_string_equal(json_string_value(json_object_get(line, "tenant")),
                        "0190a5c4-0000-7000-8000-0000000000bb");
    assert_string_equal(json_string_value(json_object_get(line, "user")),
                        "0190a5c4-0000-7000-8000-0000000000aa");
    assert_string_equal(json_string_value(json_object_get(line, "ip")), "127.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(line, "bytes_in")), 0);
    assert_true(json_integer_value(json_object_get(line, "bytes_out")) > 10);
    assert_string_equal(json_string_value(json_object_get(line, "level")), "info");
    json_decref(line);
}

enum { CONCURRENT_CLIENTS = 8, REQUESTS_PER_CLIENT = 40 };

static void *busy_client(void *arg)
{
    int *ok_count = arg;
    int fd = connect_to(AF_INET, "127.0.0.1", port);
    if (fd < 0)
        return NULL;
    client_t *c = calloc(1, sizeof(*c));
    reply_t *rep = calloc(1, sizeof(*rep));
    if (c == NULL || rep == NULL) {
        close(fd);
        free(c);
        free(rep);
        return NULL;
    }
    c->fd = fd;
    static const char *const requests[] = {
        "GET /public HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /staff HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer good-staff\r\n\r\n",
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: 11\r\n\r\n{\"n\":12345}"),
        "GET /items/0190a5c4-0000-7000-8000-0000000000cc HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /arena HTTP/1.1\r\nHost: t\r\n\r\n",
    };
    for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
        const char *request = requests[i % 5];
        if (send(fd, request, strlen(request), MSG_NOSIGNAL) != (ssize_t)strlen(request))
            break;
        if (!client_read(c, rep, false))
            break;
        if (rep->status == 200)
            ok_count[0]++;
        reply_free(rep);
    }
    close(fd);
    free(c);
    free(rep);
    return NULL;
}

/* Many keep-alive clients at once, across the worker threads. */
static void test_concurrent_clients(void **state)
{
    (void)state;
    pthread_t threads[CONCURRENT_CLIENTS];
    int ok_counts[CONCURRENT_CLIENTS] = {0};
    for (int i = 0; i < CONCURRENT_CLIENTS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, busy_client, &ok_counts[i]), 0);
    int total = 0;
    for (int i = 0; i < CONCURRENT_CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        total += ok_counts[i];
    }
    assert_int_equal(total, CONCURRENT_CLIENTS * REQUESTS_PER_CLIENT);
}

/* Every "$ref" in v points at something that exists in doc. */
static void assert_refs_resolve(json_t *doc, json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child)
        {
            if (strcmp(key, "$ref") == 0) {
                const char *ref = json_string_value(child);
                assert_non_null(ref);
                assert_memory_equal(ref, "#/components/", 13);
                char kind[32], name[64];
                assert_int_equal(sscanf(ref + 13, "%31[^/]/%63s", kind, name), 2);
                assert_non_null(json_object_get(
                    json_object_get(json_object_get(doc, "components"), kind), name));
            } else {
                assert_refs_resolve(doc, child);
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) assert_refs_resolve(doc, child);
    }
}

static void test_openapi_document(void **state)
{
    (void)state;
    static const route_t api[] = {
        {"POST", "/api/v1/properties/{pid}/rooms", h_echo, PERM_SERVICE(ROLE_STAFF, SERVICE_HOTEL),
         "Create a room", "rooms", ROUTE_JSON_BODY,
         "{\"type\":\"object\",\"required\":[\"number\"],\"properties\":{\"number\":{\"type\":"
         "\"string\"}}}",
         "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}", 201},
        {"DELETE", "/api/v1/properties/{pid}/rooms/{number}", h_public, PERM_MANAGER, "Delete",
         "rooms", 0, NULL, NULL, 204},
        {"POST", "/api/v1/auth/login", h_echo, PERM_PUBLIC, "Log in", "auth", ROUTE_JSON_BODY,
         "{not json", NULL, 200},
        {"GET", "/metrics", h_raw, PERM_PUBLIC, "Metrics", "ops", ROUTE_RAW, NULL, NULL, 0},
        {"GET", "/api/v1/properties/{pid}/rooms", h_list, PERM_STAFF, "List rooms", "rooms", 0,
         NULL, NULL, 0},
    };
    json_t *doc = openapi_document(api, sizeof(api) / sizeof(api[0]), "1.2.3");
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "info"), "version")),
                        "1.2.3");
    json_t *paths = json_object_get(doc, "paths");
    assert_int_equal(json_object_size(paths), 4);

    json_t *create =
        json_object_get(json_object_get(paths, "/api/v1/properties/{pid}/rooms"), "post");
    assert_non_null(create);
    assert_string_equal(json_string_value(json_object_get(create, "summary")), "Create a room");
    assert_string_equal(json_string_value(json_array_get(json_object_get(create, "tags"), 0)),
                        "rooms");
    assert_string_equal(json_string_value(json_object_get(create, "operationId")),
                        "post_api_v1_properties_pid_rooms");
    assert_string_equal(json_string_value(json_object_get(create, "x-required-role")), "staff");
    assert_string_equal(json_string_value(json_object_get(create, "x-service")), "hotel");
    assert_non_null(
        json_object_get(json_array_get(json_object_get(create, "security"), 0), "bearerAuth"));
    json_t *param = json_array_get(json_object_get(create, "parameters"), 0);
    assert_string_equal(json_string_value(json_object_get(param, "name")), "pid");
    assert_string_equal(json_string_value(json_object_get(param, "in")), "path");
    assert_true(json_is_true(json_object_get(param, "required")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(param, "schema"), "format")), "uuid");
    json_t *body_schema = json_object_get(
        json_object_get(json_object_get(json_object_get(create, "requestBody"), "content"),
                        "application/json"),
        "schema");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(body_schema, "required"), 0)), "number");
    json_t *responses = json_object_get(create, "responses");
    assert_non_null(json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(responses, "201"), "content"),
                            "application/json"),
            "schema"),
        "properties"));
    const char *expected[] = {"400", "401", "403", "404", "409", "413", "415", "500"};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        if (json_object_get(responses, expected[i]) == NULL)
            fail_msg("no %s response", expected[i]);
    assert_null(json_object_get(responses, "429"));
    assert_null(json_object_get(responses, "200"));

    /* A parameter not named like an id is a plain string; 204 has no content. */
    json_t *del = json_object_get(json_object_get(paths, "/api/v1/properties/{pid}/rooms/{number}"),
                                  "delete");
    json_t *number = json_array_get(json_object_get(del, "parameters"), 1);
    assert_string_equal(json_string_value(json_object_get(number, "name")), "number");
    assert_null(json_object_get(json_object_get(number, "schema"), "format"));
    assert_null(
        json_object_get(json_object_get(json_object_get(del, "responses"), "204"), "content"));
    assert_null(json_object_get(del, "requestBody"));

    /* Public: no security, a 429; a broken schema falls back to an object. */
    json_t *login = json_object_get(json_object_get(paths, "/api/v1/auth/login"), "post");
    assert_int_equal(json_array_size(json_object_get(login, "security")), 0);
    assert_null(json_object_get(login, "x-required-role"));
    json_t *login_responses = json_object_get(login, "responses");
    assert_non_null(json_object_get(login_responses, "429"));
    assert_null(json_object_get(login_responses, "401"));
    assert_null(json_object_get(login_responses, "404"));
    json_t *fallback = json_object_get(
        json_object_get(json_object_get(json_object_get(login, "requestBody"), "content"),
                        "application/json"),
        "schema");
    assert_string_equal(json_string_value(json_object_get(fallback, "type")), "object");

    json_t *metrics = json_object_get(json_object_get(paths, "/metrics"), "get");
    assert_non_null(json_object_get(
        json_object_get(json_object_get(json_object_get(metrics, "responses"), "200"), "content"),
        "text/plain"));

    json_t *components = json_object_get(doc, "components");
    json_t *bearer = json_object_get(json_object_get(components, "securitySchemes"), "bearerAuth");
    assert_string_equal(json_string_value(json_object_get(bearer, "type")), "http");
    assert_string_equal(json_string_value(json_object_get(bearer, "scheme")), "bearer");
    assert_string_equal(json_string_value(json_object_get(bearer, "bearerFormat")), "JWT");
    assert_non_null(json_object_get(json_object_get(components, "schemas"), "Error"));
    assert_non_null(json_object_get(
        json_object_get(json_object_get(json_object_get(components, "responses"), "RateLimited"),
                        "headers"),
        "Retry-After"));
    assert_refs_resolve(doc, doc);
    json_t *tags = json_object_get(doc, "tags");
    assert_int_equal(json_array_size(tags), 3); /* rooms, auth, ops: each once */

    char *text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    free(text);
    json_decref(doc);

    /* The test server's table too: every operationId unique. */
    doc = openapi_document(routes, NROUTES, "t");
    assert_non_null(doc);
    json_t *seen = json_object();
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        const char *method;
        json_t *op;
        json_object_foreach(item, method, op)
        {
            const char *id = json_string_value(json_object_get(op, "operationId"));
            assert_non_null(id);
            assert_null(json_object_get(seen, id));
            json_object_set_new(seen, id, json_true());
        }
    }
    assert_int_equal(json_object_size(seen), NROUTES);
    json_decref(seen);
    json_decref(doc);
}

typedef struct slow_call {
    uint16_t port;
    const char *path; /* NULL: /slow */
    reply_t rep;
    atomic_bool answered;
} slow_call_t;

static void *slow_client(void *arg)
{
    slow_call_t *call = arg;
    int fd = connect_to(AF_INET, "127.0.0.1", call->port);
    if (fd < 0)
        return NULL;
    client_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    char request[128];
    snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n",
             call->path ? call->path : "/slow");
    if (send(fd, request, strlen(request), MSG_NOSIGNAL) == (ssize_t)strlen(request))
        call->answered = client_read(c, &call->rep, false);
    close(fd);
    free(c);
    return NULL;
}

/* A handler that waits blocks only its own request: with a single I/O
 * thread, another connection is still answered meanwhile. */
static void test_waiting_handler_blocks_no_one(void **state)
{
    (void)state;
    http_server_opts_t opts = test_opts();
    opts.io_threads = 1;
    opts.threads = 2;
    http_server_t *own = NULL;
    assert_int_equal(http_server_start(&opts, NULL, routes, NROUTES, fake_authenticate, &own), 0);
    gate_set(false);
    slow_call_t *call = calloc(1, sizeof(*call));
    assert_non_null(call);
    call->port = http_server_port(own);
    call->path = "/held";
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, slow_client, call), 0);
    for (int i = 0; i < 400 && http_server_in_flight(own) == 0; i++) {
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(http_server_in_flight(own), 1);

    client_t *c = client_open_port(http_server_port(own));
    reply_t rep;
    for (int i = 0; i < 3; i++) {
        client_send_str(c, "GET /public HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_true(client_read(c, &rep, false));
        assert_int_equal(rep.status, 200);
        reply_free(&rep);
    }
    client_close(c);
    assert_false(call->answered); /* still held */

    gate_set(true);
    pthread_join(thread, NULL);
    assert_true(call->answered);
    assert_int_equal(call->rep.status, 200);
    assert_non_null(strstr(call->rep.body, "released"));
    reply_free(&call->rep);
    free(call);
    http_server_stop(own, 1);
}

static void test_graceful_stop(void **state)
{
    (void)state;
    http_server_opts_t opts = test_opts();
    http_server_t *own = NULL;
    assert_int_equal(http_server_start(&opts, NULL, routes, NROUTES, fake_authenticate, &own), 0);
    slow_call_t *call = calloc(1, sizeof(*call));
    assert_non_null(call);
    call->port = http_server_port(own);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, slow_client, call), 0);
    for (int i = 0; i < 200 && http_server_in_flight(own) == 0; i++) {
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(http_server_in_flight(own), 1);
    double start = time_monotonic();
    http_server_stop(own, 5);
    double took = time_monotonic() - start;
    pthread_join(thread, NULL);
    assert_true(call->answered);
    assert_int_equal(call->rep.status, 200);
    assert_non_null(strstr(call->rep.body, "done"));
    char value[32];
    assert_string_equal(find_header(&call->rep, "Connection", value, sizeof(value)), "close");
    assert_true(took < 4.0);
    /* Nobody listens any more. */
    assert_true(connect_to(AF_INET, "127.0.0.1", call->port) < 0);
    /* The server closed that connection (TIME_WAIT on its side), yet the
     * port can be taken again at once. */
    opts.port = call->port;
    assert_int_equal(http_server_start(&opts, NULL, routes, NROUTES, NULL, &own), 0);
    assert_int_equal(http_server_port(own), call->port);
    http_server_stop(own, 1);
    reply_free(&call->rep);
    free(call);
}

static void test_addresses(void **state)
{
    (void)state;
    /* The port in use: a second server must fail, not share it. */
    http_server_opts_t opts = test_opts();
    opts.port = port;
    http_server_t *other = NULL;
    assert_int_equal(http_server_start(&opts, NULL, routes, NROUTES, NULL, &other), BUFFR_EIO);
    assert_null(other);

    /* IPv6 literal, with and without brackets, and "localhost". */
    const char *hosts[] = {"::1", "[::1]", "localhost"};
    for (size_t i = 0; i < 3; i++) {
        opts = test_opts();
        opts.host = hosts[i];
        opts.threads = 1;
        assert_int_equal(http_server_start(&opts, NULL, routes, NROUTES, NULL, &other), 0);
        int family = i < 2 ? AF_INET6 : AF_INET;
        int fd = connect_to(family, i < 2 ? "::1" : "127.0.0.1", http_server_port(other));
        assert_true(fd >= 0);
        const char *request = "GET /public HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
        assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL),
                         (ssize_t)strlen(request));
        char answer[64] = {0};
        assert_true(recv(fd, answer, sizeof(answer) - 1, 0) > 12);
        assert_memory_equal(answer, "HTTP/1.1 200", 12);
        close(fd);
        http_server_stop(other, 1);
    }

    /* A broken route table is refused at start. */
    static const route_t broken[] = {
        {"GET", "/a/{id", h_public, PERM_PUBLIC, "x", "t", 0, NULL, NULL, 0},
    };
    opts = test_opts();
    assert_int_equal(http_server_start(&opts, NULL, broken, 1, NULL, &other), BUFFR_EINVAL);
    static const route_t partial[] = {
        {"GET", "/a/x{id}", h_public, PERM_PUBLIC, "x", "t", 0, NULL, NULL, 0},
    };
    assert_int_equal(http_server_start(&opts, NULL, partial, 1, NULL, &other), BUFFR_EINVAL);
    opts.host = "no-such-host.invalid";
    assert_int_equal(http_server_start(&opts, NULL, routes, NROUTES, NULL, &other), BUFFR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_path_404),
        cmocka_unit_test(test_method_not_allowed_405),
        cmocka_unit_test(test_trailing_slash_and_raw_decoding),
        cmocka_unit_test(test_authentication_401),
        cmocka_unit_test(test_forbidden_403),
        cmocka_unit_test(test_media_type_415),
        cmocka_unit_test(test_json_body_400),
        cmocka_unit_test(test_body_too_large_413),
        cmocka_unit_test(test_request_id),
        cmocka_unit_test(test_keep_alive_and_pipelining),
        cmocka_unit_test(test_utf8_round_trip),
        cmocka_unit_test(test_uuid_param),
        cmocka_unit_test(test_if_match),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_handler_answers),
        cmocka_unit_test(test_cache_control),
        cmocka_unit_test(test_header_limits),
        cmocka_unit_test(test_stalled_client_dropped),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_metrics_render),
        cmocka_unit_test(test_access_log),
        cmocka_unit_test(test_openapi_document),
        cmocka_unit_test(test_concurrent_clients),
        cmocka_unit_test(test_waiting_handler_blocks_no_one),
        cmocka_unit_test(test_graceful_stop),
        cmocka_unit_test(test_addresses),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
