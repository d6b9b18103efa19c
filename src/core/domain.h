/*
 * domain.h - the shapes most entry points of the domain modules share
 * (services, reservations, restaurant), as function types: each module
 * declares its functions under them, and the API layer (api/serve.h) serves
 * each shape with one helper.
 *
 * Every shape takes the app and the caller and acts on the property pid;
 * id is one entity of it. A shape with out hands back caller-owned JSON
 * there; all return 0 or a BUFFR_E* code with *e filled. No HTTP here: the
 * app and the caller are named by their struct tags only, so a domain
 * module can include this without a header of a layer above it.
 */
#ifndef BUFFR_CORE_DOMAIN_H
#define BUFFR_CORE_DOMAIN_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"

struct app;       /* app_t, app.h */
struct principal; /* principal_t, http/rbac.h */

/* Reads the property's whole collection or settings. */
typedef int domain_read_fn(struct app *app, const struct principal *who, const char *pid,
                           json_t **out, buffr_err_t *e);
/* filter: one optional query value (a status, a station, a date), NULL
 * when absent. */
typedef int domain_filter_fn(struct app *app, const struct principal *who, const char *pid,
                             const char *filter, json_t **out, buffr_err_t *e);
/* A body sent to the property: a new entity, or its settings. */
typedef int domain_write_fn(struct app *app, const struct principal *who, const char *pid,
                            json_t *body, json_t **out, buffr_err_t *e);
/* Reads one entity, or changes its state without a body (a cancel). */
typedef int domain_get_fn(struct app *app, const struct principal *who, const char *pid,
                          const char *id, json_t **out, buffr_err_t *e);
/* A body sent to one entity without If-Match (a room's status, an order's
 * items). */
typedef int domain_change_fn(struct app *app, const struct principal *who, const char *pid,
                             const char *id, json_t *body, json_t **out, buffr_err_t *e);
/* A body sent to one entity; if_match: the version the caller read
 * (If-Match), -1 for any. */
typedef int domain_update_fn(struct app *app, const struct principal *who, const char *pid,
                             const char *id, json_t *body, int64_t if_match, json_t **out,
                             buffr_err_t *e);
typedef int domain_delete_fn(struct app *app, const struct principal *who, const char *pid,
                             const char *id, buffr_err_t *e);

#endif
