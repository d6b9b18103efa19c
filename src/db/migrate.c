/*
 * migrate.c - the migration runner: creates schema_migrations, applies the
 * migrations not yet recorded in version order, one system write
 * transaction each, and on PostgreSQL turns on row-level security for the
 * tables a migration names as tenant tables.
 *
 * It does not hold any migration itself: modules declare theirs and
 * migrations.c lists them.
 */
#include "db/migrate.h"
#include "db/db_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock key shared by every Buffr instance ("BUFFRMIG"). */
#define MIGRATE_LOCK_KEY       "4347192446371236167"
#define MIGRATE_TABLE_NAME_MAX 63

static const char migrate_create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/* The policy admits the transaction's tenant, or a system transaction. */
static const char migrate_rls_format[] =
    "ALTER TABLE %s ENABLE ROW LEVEL SECURITY; "
    "ALTER TABLE %s FORCE ROW LEVEL SECURITY; "
    "CREATE POLICY tenant_isolation ON %s "
    "USING (tenant_id = current_setting('app.tenant_id', true) "
    "OR current_setting('app.system', true) = 'on') "
    "WITH CHECK (tenant_id = current_setting('app.tenant_id', true) "
    "OR current_setting('app.system', true) = 'on')";

/* Call fn for each name of a comma-separated list; names are [a-z_0-9]+
 * (they are spliced into SQL). With fn NULL, only validates. */
static int for_each_table(const char *list, int (*fn)(db_tx_t *, const char *), db_tx_t *tx)
{
    if (list == NULL)
        return 0;
    const char *p = list;
    while (*p != '\0') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        char name[MIGRATE_TABLE_NAME_MAX + 1];
        size_t len = 0;
        while (*p != '\0' && *p != ',' && *p != ' ') {
            bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
            if (!ok || len >= MIGRATE_TABLE_NAME_MAX) {
                log_error("db migrate: bad tenant table name in \"%s\"", list);
                return BUFFR_EINVAL;
            }
            name[len++] = *p++;
        }
        name[len] = '\0';
        if (fn != NULL) {
            int rc = fn(tx, name);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int enable_rls(db_tx_t *tx, const char *table)
{
    char sql[sizeof(migrate_rls_format) + 3 * MIGRATE_TABLE_NAME_MAX];
    snprintf(sql, sizeof(sql), migrate_rls_format, table, table, table);
    return db_exec_script(tx, sql);
}

/* Serialise migrating instances on PostgreSQL; SQLite's BEGIN IMMEDIATE
 * already does. */
static int migrate_lock(db_tx_t *tx)
{
    if (db_tx_backend(tx) != DB_POSTGRES)
        return 0;
    return db_exec(tx, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", DB_NOARGS, NULL);
}

static int create_table_work(db_tx_t *tx, void *ctx)
{
    (void)ctx;
    int rc = migrate_lock(tx);
    if (rc != 0)
        return rc;
    bool exists = false;
    rc = db_table_exists(tx, "schema_migrations", &exists);
    if (rc != 0 || exists)
        return rc;
    return db_exec(tx, migrate_create_table, DB_NOARGS, NULL);
}

typedef struct migrate_step {
    const db_migration_t *migration;
    bool ran; /* reset by each attempt */
} migrate_step_t;

static int apply_work(db_tx_t *tx, void *ctx)
{
    migrate_step_t *step = ctx;
    const db_migration_t *m = step->migration;
    step->ran = false;
    int rc = migrate_lock(tx);
    if (rc != 0)
        return rc;
    /* Re-check under the lock: another instance may have just applied it. */
    int64_t done = 0;
    rc = db_query_int(tx, "SELECT count(*) FROM schema_migrations WHERE version = $1",
                      DB_ARGS(DB_INT(m->version)), &done);
    if (rc != 0 || done > 0)
        return rc;

    if (m->sql != NULL && (rc = db_exec_script(tx, m->sql)) != 0)
        return rc;
    bool postgres = db_tx_backend(tx) == DB_POSTGRES;
    const char *dialect_sql = postgres ? m->postgres_sql : m->sqlite_sql;
    if (dialect_sql != NULL && (rc = db_exec_script(tx, dialect_sql)) != 0)
        return rc;
    if (postgres && (rc = for_each_table(m->tenant_tables, enable_rls, tx)) != 0)
        return rc;
    rc =
        db_exec(tx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                DB_ARGS(DB_INT(m->version), DB_TEXT(m->name), DB_INT(time_now())), NULL);
    if (rc == 0)
        step->ran = true;
    return rc;
}

static int compare_versions(const void *a, const void *b)
{
    int64_t va = (*(const db_migration_t *const *)a)->version;
    int64_t vb = (*(const db_migration_t *const *)b)->version;
    return (va > vb) - (va < vb);
}

int db_migrate(db_t *db, const db_migration_t *list, size_t n, int *applied)
{
    if (applied)
        *applied = 0;
    if (db == NULL || (n > 0 && list == NULL))
        return BUFFR_EINVAL;

    const db_migration_t **sorted = NULL;
    if (n > 0) {
        sorted = malloc(n * sizeof(*sorted));
        if (sorted == NULL)
            return BUFFR_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &list[i];
    if (n > 0)
        qsort(sorted, n, sizeof(*sorted), compare_versions);

    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const db_migration_t *m = sorted[i];
        if (m->version <= 0 || m->name == NULL || (i > 0 && sorted[i - 1]->version == m->version)) {
            log_error("db migrate: migration %lld has a bad or duplicate version, or no name",
                      (long long)m->version);
            rc = BUFFR_EINVAL;
        } else {
            rc = for_each_table(m->tenant_tables, NULL, NULL);
        }
    }
    if (rc == 0)
        rc = db_transact(db, NULL, DB_WRITE, create_table_work, NULL);

    int count = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        migrate_step_t step = {.migration = sorted[i]};
        rc = db_transact(db, NULL, DB_WRITE, apply_work, &step);
        if (rc != 0) {
            log_error("db migrate: migration %lld (%s) failed: %s", (long long)sorted[i]->version,
                      sorted[i]->name, buffr_strerror(rc));
        } else if (step.ran) {
            count++;
            log_info("db migrate: applied %lld (%s)", (long long)sorted[i]->version,
                     sorted[i]->name);
        }
    }
    free(sorted);
    if (applied)
        *applied = count;
    return rc;
}

int db_schema_version(db_t *db, int64_t *version)
{
    *version = 0;
    db_tx_t *tx = NULL;
    int rc = db_begin_system(db, DB_READ, &tx);
    if (rc != 0)
        return rc;
    bool exists = false;
    rc = db_table_exists(tx, "schema_migrations", &exists);
    if (rc == 0 && exists)
        rc = db_query_int(tx, "SELECT COALESCE(max(version), 0) FROM schema_migrations", DB_NOARGS,
                          version);
    if (rc != 0) {
        db_rollback(tx);
        return rc;
    }
    return db_commit(tx);
}
