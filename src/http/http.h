/*
 * http.h - what an API handler sees of a request, how it answers, and the
 * route table's shape.
 *
 * A handler receives a req_t whose route has already been matched, whose
 * caller has been authenticated and authorised (rbac.h), and whose JSON body,
 * when the route takes one, has been parsed and checked to be an object. It
 * answers exactly once with reply_json(), reply_error() or reply_err().
 *
 * The validate-or-reply helpers (req_uuid_param, req_if_match, json_get_*)
 * check an input and, when it is wrong, send the error themselves and return
 * non-zero, so a handler reads:
 *
 *     char pid[UUID_BUF_SIZE];
 *     if (req_uuid_param(r, "pid", pid) != 0)
 *         return;
 *
 * Everything a request allocates through req_alloc()/req_strdup() is freed
 * when the response has been sent.
 */
#ifndef BUFFR_HTTP_HTTP_H
#define BUFFR_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "http/rbac.h"

struct app;
typedef struct req req_t;
typedef void (*route_handler_fn)(req_t *r);

/* Route flags. */
enum {
    ROUTE_JSON_BODY = 1u << 0,  /* body must be a JSON object (415 / 400 otherwise) */
    ROUTE_RAW = 1u << 1,        /* the handler writes a non-JSON answer (metrics) */
    ROUTE_IDEMPOTENT = 1u << 2, /* honours Idempotency-Key (creates of reservations, orders,
                                   payments, refunds): see idempotency/idempotency.h */
};

typedef struct route {
    const char *method;  /* "GET", "POST", "PATCH", "DELETE", "PUT" */
    const char *pattern; /* "/api/v1/properties/{pid}" */
    route_handler_fn handler;
    route_perm_t perm;
    const char *summary; /* one line, shown in the OpenAPI document */
    const char *tag;     /* OpenAPI tag: "auth", "properties", ... */
    unsigned flags;
    const char *request_schema;  /* JSON Schema text of the body, or NULL */
    const char *response_schema; /* JSON Schema text of the success body, or NULL */
    int success_status;          /* 200, 201, 204; 0 means 200 */
    int64_t max_body_bytes;      /* this route's body limit; 0 means the server's */
    /* Query parameters: "name:type[!]" comma-separated, e.g.
     * "check_in:date!,check_out:date!,guests:integer"; types: string, integer,
     * date, uuid, boolean, date-time; ! = required; NULL for none. A list
     * (req_page) declares "limit:integer,cursor:string". Checked at server
     * start (openapi_query_check) and shown in the OpenAPI document. */
    const char *query;
} route_t;

/* ---- request ---- */
struct app *req_app(req_t *r);
const char *req_method(req_t *r);
const char *req_path(req_t *r);
/* A {name} segment of the matched pattern, or NULL. Percent-decoded. */
const char *req_param(req_t *r, const char *name);
/* A query-string value (first occurrence, percent-decoded), or NULL. */
const char *req_query(req_t *r, const char *name);
/* A request header (case-insensitive name), or NULL. */
const char *req_header(req_t *r, const char *name);
/* The parsed body of a ROUTE_JSON_BODY route (borrowed; an object). */
json_t *req_json(req_t *r);
const char *req_body(req_t *r, size_t *len);
/* The authenticated caller; NULL on a public route without a token. */
const principal_t *req_principal(req_t *r);
const char *req_client_ip(req_t *r);
const char *req_id(req_t *r);
/* The raw bearer token presented, or NULL. */
const char *req_bearer(req_t *r);

/* Memory that lives until the response is sent. NULL when out of memory. */
void *req_alloc(req_t *r, size_t size);
char *req_strdup(req_t *r, const char *s);

/* ---- response (exactly one per request) ---- */
/* Send body (reference stolen; may be NULL for no body) with status. */
void reply_json(req_t *r, int status, json_t *body);
/* Send the API error shape for code, with message and (optional) field. */
void reply_error(req_t *r, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void reply_err(req_t *r, const buffr_err_t *e);
/* Send a non-JSON body (copied). */
void reply_raw(req_t *r, int status, const char *content_type, const char *body, size_t len);
/* Add a header to the response that will be sent (call before reply_*). */
void reply_header(req_t *r, const char *name, const char *value);

/* ---- validate-or-reply helpers: 0 when fine, else the error is sent ---- */
/* Path parameter that must be a UUID; a malformed one answers 404. */
int req_uuid_param(req_t *r, const char *name, char out[UUID_BUF_SIZE]);
/* If-Match: the bare version integer. *version = -1 when absent; 400 when
 * present but not a non-negative integer. */
int req_if_match(req_t *r, int64_t *version);
/* ?limit= (default 50, 1..200) and ?cursor= (NULL when absent). */
int req_page(req_t *r, int *limit, const char **cursor);

#endif
