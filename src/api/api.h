/*
 * api.h - the HTTP face of each module: one file per resource under api/,
 * each turning a checked request into a domain call and the result into a
 * response. The route table (routes.c) is the one list of endpoints: the
 * router, the permission check and /api/v1/openapi.json all read it.
 */
#ifndef BUFFR_API_API_H
#define BUFFR_API_API_H

#include <stddef.h>

#include "app.h"
#include "http/http.h"

/* The whole route table, gathered once from every module's array (NULL
 * with *count 0 when out of memory at start). */
const route_t *api_routes(size_t *count);

/* Each resource's routes, declared at the end of its api file. */
extern const route_t ops_routes[], auth_routes[], users_routes[], properties_routes[];
extern const size_t ops_routes_count, auth_routes_count, users_routes_count,
    properties_routes_count;

/* Restaurant: menu_api.c, orders_api.c, kds_api.c, tables_api.c, qr_api.c. */
extern const route_t menu_routes[], orders_routes[], kds_routes[], tables_routes[], qr_routes[];
extern const size_t menu_routes_count, orders_routes_count, kds_routes_count, tables_routes_count,
    qr_routes_count;
extern const route_t rooms_routes[], reservations_routes[];
extern const size_t rooms_routes_count, reservations_routes_count;
/* Services: services_api.c (spa, conference, shuttle). */
extern const route_t services_routes[];
extern const size_t services_routes_count;

/* The authentication hook the HTTP server calls for non-public routes. */
int api_authenticate(struct app *app, const char *bearer, principal_t *out);

/* auth_api.c */
void api_auth_register(req_t *r);
void api_auth_login(req_t *r);
void api_auth_refresh(req_t *r);
void api_auth_logout(req_t *r);
void api_auth_mfa_enroll(req_t *r);
void api_auth_mfa_confirm(req_t *r);
void api_auth_mfa_disable(req_t *r);
void api_me(req_t *r);

/* users_api.c */
void api_users_create(req_t *r);
void api_users_list(req_t *r);
void api_users_get(req_t *r);
void api_users_update(req_t *r);

/* properties_api.c */
void api_properties_create(req_t *r);
void api_properties_list(req_t *r);
void api_properties_get(req_t *r);
void api_properties_update(req_t *r);
void api_properties_delete(req_t *r);

/* ops_api.c */
void api_health(req_t *r);
void api_metrics(req_t *r);
void api_openapi(req_t *r);

/* reservations_api.c: the stays and out-of-order blocks of the property
 * {pid} (of its room {param} only, when param is not NULL) over ?from and
 * ?to as iCalendar; the property's export there, a room's in rooms_api.c. */
void api_reply_ical(req_t *r, const char *param);

/* menu_api.c: item iid's picture as its bytes (with Cache-Control when
 * cache_control is not NULL), or the error when there is none; staff and
 * guests (qr_api.c) both fetch it. */
void api_reply_item_image(req_t *r, const principal_t *who, const char *pid, const char *iid,
                          const char *cache_control);

/* serve.c: send the domain's verdict: reply_err(e) on failure, else body
 * with status. The shapes of handler that call it: serve.h. */
void api_reply(req_t *r, int rc, const buffr_err_t *e, int status, json_t *body);

#endif
