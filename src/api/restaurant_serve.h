/*
 * restaurant_serve.h - what the restaurant's API files (menu_api.c,
 * orders_api.c, tables_api.c, kds_api.c) share: the shapes of handler that
 * pick the path ids (a malformed one answers 404), then the body, a query
 * value or If-Match, call one domain function of restaurant.h and send its
 * answer.
 *
 * Also an item's picture, which staff (menu_api.c) and guests (qr_api.c)
 * both fetch. Not for handlers that do more (QR codes, the guests' orders):
 * those stay in their files.
 */
#ifndef BUFFR_API_RESTAURANT_SERVE_H
#define BUFFR_API_RESTAURANT_SERVE_H

#include "http/http.h"
#include "restaurant/restaurant.h"

/* A route's handler takes only the request, so every route needs a function
 * of its own: HANDLER defines one on a line, as its name and the shape it
 * calls with that request, r. */
#define HANDLER(name, call)                                                                        \
    static void name(req_t *r)                                                                     \
    {                                                                                              \
        call;                                                                                      \
    }

/* {pid} -> 200. */
void restaurant_serve_read(req_t *r, restaurant_read_fn *fn);
/* {pid} and the query value named query (NULL when absent) -> 200. */
void restaurant_serve_filter(req_t *r, const char *query, restaurant_filter_fn *fn);
/* {pid} and the body -> status (201 for a create). */
void restaurant_serve_write(req_t *r, restaurant_write_fn *fn, int status);
/* {pid} and {param} -> 200. */
void restaurant_serve_one(req_t *r, const char *param, restaurant_get_fn *fn);
/* {pid}, {param} and the body -> status. */
void restaurant_serve_change(req_t *r, const char *param, restaurant_change_fn *fn, int status);
/* {pid}, {param}, If-Match and the body -> 200. */
void restaurant_serve_update(req_t *r, const char *param, restaurant_update_fn *fn);
/* {pid} and {param} -> 204. */
void restaurant_serve_delete(req_t *r, const char *param, restaurant_delete_fn *fn);

/* Item iid's picture as its bytes (with Cache-Control when cache_control is
 * not NULL), or the error when there is none. */
void restaurant_reply_image(req_t *r, const principal_t *who, const char *pid, const char *iid,
                            const char *cache_control);

#endif
