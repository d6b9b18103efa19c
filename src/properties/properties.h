/*
 * properties.h - a tenant's properties: a hotel, a restaurant, a spa, a
 * conference centre, a transport service, or a resort with several of those.
 * A property fixes the time zone its dates are in and the currency its
 * prices are in. Everything bookable or sellable hangs off a property.
 */
#ifndef BUFFR_PROPERTIES_PROPERTIES_H
#define BUFFR_PROPERTIES_PROPERTIES_H

#include <jansson.h>
#include <stdbool.h>

#include "app.h"
#include "core/error.h"
#include "db/migrate.h"
#include "http/rbac.h"

extern const db_migration_t properties_migrations[];
extern const size_t properties_migrations_count;

/* Validated input of a create (all required) or an update (any subset). */
typedef struct property_input {
    const char *name, *type, *timezone, *currency; /* NULL: not given */
} property_input_t;

/* Check a request body; pure (no database), so the fuzzer can drive it. */
int property_input_parse(json_t *body, bool create, property_input_t *in, buffr_err_t *e);

int property_create(app_t *app, const principal_t *who, json_t *body, json_t **out, buffr_err_t *e);
int property_list(app_t *app, const principal_t *who, int limit, const char *cursor, json_t **out,
                  buffr_err_t *e);
int property_get(app_t *app, const principal_t *who, const char *id, json_t **out, buffr_err_t *e);
int property_update(app_t *app, const principal_t *who, const char *id, json_t *body,
                    int64_t if_match, json_t **out, buffr_err_t *e);
int property_delete(app_t *app, const principal_t *who, const char *id, buffr_err_t *e);

#endif
