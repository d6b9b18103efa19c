/*
 * serve.h - the shapes of handler the API files share: pick the path ids
 * (a malformed one answers 404), then the body, a query value or If-Match,
 * call one domain function of a shape of core/domain.h and send its answer.
 * A route whose handler is only that is one HANDLER line in its file.
 *
 * Not for handlers that do more (paged lists, several query values, raw
 * bodies, guests' tokens): those stay in their files, and may still pick
 * their ids with serve_ids.
 */
#ifndef BUFFR_API_SERVE_H
#define BUFFR_API_SERVE_H

#include <stdint.h>

#include "core/domain.h"
#include "http/http.h"

/* A route's handler takes only the request, so every route needs a function
 * of its own: HANDLER defines one on a line, as its name and the shape it
 * calls with that request, r. */
#define HANDLER(name, call)                                                                        \
    static void name(req_t *r)                                                                     \
    {                                                                                              \
        call;                                                                                      \
    }

/* How a shape sends the domain's verdict: api_reply (api.h), unless a
 * module has more to say about a failure (reservations' refusals). */
typedef void serve_reply_fn(req_t *r, int rc, const buffr_err_t *e, int status, json_t *body);

/* {pid}, then {param} when param is not NULL, then If-Match when if_match is
 * not NULL (-1 when absent): 0, or non-zero when the error has been sent. */
int serve_ids(req_t *r, const char *param, char pid[UUID_BUF_SIZE], char id[UUID_BUF_SIZE],
              int64_t *if_match);

/* {pid} -> 200. */
void serve_read(req_t *r, domain_read_fn *fn);
/* {pid} and the query value named query (NULL when absent) -> 200. */
void serve_filter(req_t *r, const char *query, domain_filter_fn *fn);
/* {pid} and the body -> status (201 for a create). */
void serve_write(req_t *r, domain_write_fn *fn, int status);
/* {pid} and {param} -> 200. */
void serve_get(req_t *r, const char *param, domain_get_fn *fn);
/* {pid}, {param} and the body -> status. */
void serve_change(req_t *r, const char *param, domain_change_fn *fn, int status);
/* {pid}, {param}, If-Match and the body -> status. */
void serve_update(req_t *r, const char *param, domain_update_fn *fn, int status);
/* {pid} and {param} -> 204. */
void serve_delete(req_t *r, const char *param, domain_delete_fn *fn);

/* serve_write and serve_update, answering through reply. */
void serve_write_reply(req_t *r, domain_write_fn *fn, int status, serve_reply_fn *reply);
void serve_update_reply(req_t *r, const char *param, domain_update_fn *fn, int status,
                        serve_reply_fn *reply);

#endif
