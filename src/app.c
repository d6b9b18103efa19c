/*
 * app.c - assembling the process: database, schema, signing key, password
 * cost, rate limiters, and the list of every module's migrations.
 */
#include "app.h"

#include <string.h>

#include "auth/password.h"
#include "auth/totp.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "db/migrate.h"
#include "identity/identity.h"
#include "idempotency/idempotency.h"
#include "properties/properties.h"
#include "reservations/reservations.h"
#include "restaurant/restaurant.h"
#include "services/services.h"

/* Each module's migrations; the runner applies them in version order. */
static const struct {
    const db_migration_t *list;
    const size_t *count;
} module_migrations[] = {
    {identity_migrations, &identity_migrations_count},
    {properties_migrations, &properties_migrations_count},
    {idempotency_migrations, &idempotency_migrations_count},
    {restaurant_migrations, &restaurant_migrations_count},
    {reservations_migrations, &reservations_migrations_count},
    {services_migrations, &services_migrations_count},
};

int app_migrate(db_t *db, int *applied)
{
    db_migration_t all[256];
    size_t n = 0;
    for (size_t m = 0; m < sizeof(module_migrations) / sizeof(module_migrations[0]); m++) {
        for (size_t i = 0; i < *module_migrations[m].count; i++) {
            if (n == sizeof(all) / sizeof(all[0]))
                return BUFFR_EINVAL;
            all[n++] = module_migrations[m].list[i];
        }
    }
    return db_migrate(db, all, n, applied);
}

int app_init(app_t *app, const config_t *config)
{
    memset(app, 0, sizeof(*app));
    app->config = *config;
    app->started = time_monotonic();
    log_level_t level;
    if (log_level_parse(config->log_level, &level) == 0)
        log_set_level(level);

    int rc = password_configure(config->password_memlimit_mib, config->password_opslimit);
    if (rc != 0) {
        log_error("password hashing cost out of range");
        return rc;
    }
    if ((rc = totp_global_init()) != 0)
        return rc;
    db_options_t opts = {.pool_size = config->db_pool_size};
    if ((rc = db_open(config->database_url, &opts, &app->db)) != 0) {
        log_error("cannot open the database (%s)", buffr_strerror(rc));
        return rc;
    }
    int applied = 0;
    if ((rc = app_migrate(app->db, &applied)) != 0) {
        log_error("database migration failed (%s)", buffr_strerror(rc));
        app_free(app);
        return rc;
    }
    if (applied > 0)
        log_info("applied %d database migration(s)", applied);
    if ((rc = identity_load_signing_key(app)) != 0) {
        app_free(app);
        return rc;
    }
    return 0;
}

void app_free(app_t *app)
{
    db_close(app->db);
    memset(app->jwt_key, 0, sizeof(app->jwt_key));
    app->db = NULL;
}
