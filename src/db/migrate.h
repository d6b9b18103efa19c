/*
 * migrate.h - versioned schema migrations, applied in version order on start
 * and by `buffr migrate`, each recorded in schema_migrations.
 *
 * Each module declares its own migrations (its tables are its business) and
 * the list of all of them is collected in migrations.c. A migration has SQL
 * that runs on both backends and, when a dialect needs it, SQL for only one.
 * Tables that hold tenant data are named in tenant_tables: on PostgreSQL the
 * runner enables and forces row-level security on each with a policy that
 * admits only rows of the transaction's app.tenant_id (or, for the
 * authentication lookups, a system transaction). Modules never write RLS SQL.
 */
#ifndef BUFFR_DB_MIGRATE_H
#define BUFFR_DB_MIGRATE_H

#include "db/db.h"

typedef struct db_migration {
    int64_t version;           /* e.g. 2026112101: date + sequence, unique */
    const char *name;          /* short description, recorded */
    const char *sql;           /* both backends; may hold several statements */
    const char *sqlite_sql;    /* SQLite only, after sql; may be NULL */
    const char *postgres_sql;  /* PostgreSQL only, after sql; may be NULL */
    const char *tenant_tables; /* comma-separated, e.g. "users,sessions"; may be NULL */
} db_migration_t;

/* Apply every migration of list (n entries, any order) not yet recorded, each
 * in its own transaction. On PostgreSQL an advisory lock keeps two instances
 * starting at once from racing. *applied (may be NULL) gets how many ran.
 * Returns 0 or a BUFFR_E* code (the failing migration is logged). */
int db_migrate(db_t *db, const db_migration_t *list, size_t n, int *applied);

/* Highest applied version (0 for an empty database). */
int db_schema_version(db_t *db, int64_t *version);

#endif
