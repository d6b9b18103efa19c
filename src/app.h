/*
 * app.h - the process-wide context a request handler can reach: settings,
 * the database and the token key. Built once by app_init() in `buffr
 * serve`, read-only afterwards.
 */
#ifndef BUFFR_APP_H
#define BUFFR_APP_H

#include <stddef.h>

#include "core/config.h"
#include "db/db.h"

typedef struct app {
    config_t config;
    db_t *db;
    unsigned char jwt_key[64];
    size_t jwt_key_len;
    double started; /* time_monotonic() at start */
} app_t;

/* Open the database, migrate it, load or create the token key and set the
 * password cost. Errors are logged. */
int app_init(app_t *app, const config_t *config);
void app_free(app_t *app);

/* Apply every module's pending migrations (buffr migrate, and app_init). */
int app_migrate(db_t *db, int *applied);

#endif
