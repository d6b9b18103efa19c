/*
 * internal.h - what server.c and request.c share and nothing else sees: the
 * per-request context behind req_t, the server record, the request arena.
 *
 * A req_t is created when MHD reports a request line (the URI log callback),
 * lives through the body upload and the handler, and is freed with its arena
 * when MHD reports the request completed.
 */
#ifndef BUFFR_HTTP_INTERNAL_H
#define BUFFR_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "http/router.h"
#include "http/server.h"
#include "http/workpool.h"

#define REQ_ID_MAX 128 /* longest X-Request-Id echoed back */

struct http_server {
    struct MHD_Daemon *daemon;
    struct app *app;
    const route_t *routes;
    size_t nroutes;
    http_authenticate_fn authenticate;
    http_idempotency_begin_fn idempotency_begin;
    http_idempotency_finish_fn idempotency_finish;
    int64_t max_body_bytes;
    int max_header_bytes;
    bool access_log;
    uint16_t port;
    atomic_int in_flight;
    atomic_bool stopping;
    workpool_t *workers; /* run the handlers; NULL once stopped */
    /* Shared answer for when a request's own answer cannot be allocated. */
    struct MHD_Response *oom_response;
};

typedef struct req_arena_chunk {
    struct req_arena_chunk *next;
    size_t used;
    size_t cap;
    _Alignas(16) unsigned char data[];
} req_arena_chunk_t;

typedef struct reply_header_item {
    struct reply_header_item *next;
    const char *name;
    const char *value;
} reply_header_item_t;

typedef struct req_param_value {
    const char *name;
    const char *value;
} req_param_value_t;

struct req {
    http_server_t *server;
    struct MHD_Connection *conn;
    double started; /* time_monotonic() when the request line arrived */
    char ip[64];
    req_arena_chunk_t *arena;

    /* Request line, as sent. */
    const char *method;
    char *raw_target;
    size_t raw_target_len;
    router_target_t target;
    bool target_parsed; /* target.path is usable */

    const route_t *route;
    int target_status; /* router_parse_target's result, for the checks after the caller's */
    req_param_value_t params[ROUTER_MAX_SEGMENTS];
    size_t nparams;
    char id[REQ_ID_MAX + 1];

    /* Caller. */
    const char *bearer;
    principal_t principal;
    bool authenticated;

    /* Body. */
    bool begun;          /* headers have been looked at */
    bool checks_waiting; /* caller, media type and query not checked yet: a worker will */
    workpool_job_t job;  /* on the handler queue */
    char *body;          /* malloc'd, NUL-terminated, body_len bytes */
    size_t body_len;
    size_t body_cap;
    uint64_t bytes_in;
    bool body_too_large;
    bool body_oom;
    json_t *json;

    /* Answer. */
    reply_header_item_t *headers;
    reply_header_item_t **headers_tail;
    bool replied;
    bool reply_oom; /* the answer could not be built: send oom_response */
    struct MHD_Response *response;
    int status;              /* status of the queued answer; 0 while none */
    const char *answer_body; /* the answer's bytes while r->response lives */
    size_t answer_len;
    size_t bytes_out;
};

/* Send the error shape with an explicit status and API code (for answers
 * without a BUFFR_E* code, such as 431). */
void req_reply_status(req_t *r, int status, const char *api_code, const char *field,
                      const char *message);

/* Free everything r owns except r itself: arena, body, JSON, unsent answer. */
void req_release(req_t *r);

/* The static body of the shared out-of-memory answer. */
extern const char req_oom_body[];

#endif
