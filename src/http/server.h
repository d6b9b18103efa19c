/*
 * server.h - the HTTP server: a libmicrohttpd daemon that runs the route
 * table of http.h.
 *
 * For each request, in this order: parse the raw target (404), match a route
 * (404, or 405 with Allow), pick the request id, refuse a body over the limit
 * (413), authenticate and authorise (401, 403), check the media type and the
 * JSON body of ROUTE_JSON_BODY routes (415, 400), then run the handler.
 *
 * Threads: a few I/O threads (libmicrohttpd's epoll pool, one per core)
 * read requests and write answers and never wait on the database; once a
 * request is read its connection is suspended and the checks from the
 * caller's on, and the handler, run on one of the handler threads
 * (workpool.h), taken in arrival order. Only a request whose body is not
 * worth reading (large, chunked, 100-continue) has its caller checked on the
 * I/O thread, so a refusal is answered without reading it.
 *
 * Every answered request is counted in metrics.h and, when enabled,
 * written to the access log.
 *
 * Not here: what any endpoint does (src/api/), how a token is verified (the
 * authenticate callback), the role rules (rbac.h).
 */
#ifndef BUFFR_HTTP_SERVER_H
#define BUFFR_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "http/rbac.h"

struct app;

/* Verify a bearer token and fill *out with the caller. Returns 0, or
 * BUFFR_EUNAUTH (answered 401). A code whose status is 5xx (the database is
 * unreachable: BUFFR_EUNAVAILABLE, BUFFR_EDB...) is answered with that
 * status instead on routes that need a caller; public routes run without a
 * caller either way. Called from handler threads (and, for a request with
 * a large body, an I/O thread), concurrently. */
typedef int (*http_authenticate_fn)(struct app *app, const char *bearer_token, principal_t *out);

/* Idempotency-Key store for ROUTE_IDEMPOTENT routes (see
 * idempotency/idempotency.h, whose functions have exactly these shapes).
 * begin answers 0 to go on, 1 to replay *status and *body (malloc'd), or a
 * BUFFR_E* code to refuse; finish stores the answer that was sent. */
typedef int (*http_idempotency_begin_fn)(struct app *app, const char *tenant_id, const char *key,
                                         const void *request, size_t request_len, int *status,
                                         char **body);
typedef int (*http_idempotency_finish_fn)(struct app *app, const char *tenant_id, const char *key,
                                          int status, const char *body, size_t body_len);

typedef struct http_server_opts {
    const char *host;           /* IPv4 or IPv6 literal, or a name ("localhost"); NULL = 0.0.0.0 */
    uint16_t port;              /* 0 = any free port (see http_server_port) */
    int threads;                /* handler threads; <= 1 means one */
    int io_threads;             /* threads reading and writing sockets; 0 = one per core */
    int64_t max_body_bytes;     /* <= 0 means 1 MiB */
    int max_header_bytes;       /* request line and headers; <= 0 means 16 KiB */
    int max_connections;        /* 0 = libmicrohttpd's default */
    int max_connections_per_ip; /* 0 = no limit */
    int connection_timeout_s;   /* an idle or stalled connection is dropped; 0 = never */
    bool access_log;            /* one JSON line per request through log_json() */
    http_idempotency_begin_fn idempotency_begin;   /* NULL: Idempotency-Key is ignored */
    http_idempotency_finish_fn idempotency_finish; /* required with idempotency_begin */
} http_server_opts_t;

typedef struct http_server http_server_t;

/* Start serving routes[0..nroutes) (the table must outlive the server).
 * authenticate may be NULL when no route needs a caller. Returns 0, or
 * BUFFR_EINVAL / BUFFR_ENOMEM / BUFFR_EIO (address not usable, port taken);
 * the reason is logged. */
int http_server_start(const http_server_opts_t *opts, struct app *app, const route_t *routes,
                      size_t nroutes, http_authenticate_fn authenticate, http_server_t **out);

/* The port the server listens on (useful after asking for port 0). */
uint16_t http_server_port(const http_server_t *s);

/* Number of requests received and not yet completely answered. */
int http_server_in_flight(const http_server_t *s);

/* Stop accepting connections, let the requests in flight finish for up to
 * grace_s seconds (new answers carry "Connection: close"), then close every
 * connection and free s. NULL is fine. */
void http_server_stop(http_server_t *s, int grace_s);

#endif
