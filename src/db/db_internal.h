/*
 * db_internal.h - what db.c, the two backends and migrate.c share, and
 * nothing modules may use: the backend vtable (one per dialect), the SQL
 * scanning helpers, and a way to run constant multi-statement SQL inside a
 * system transaction (for migrations).
 *
 * db.c owns the pool, tenant scoping, transaction state, group commit and
 * statistics; a backend only speaks its dialect on one connection at a time
 * (the pool hands a connection to one thread at a time, so backends need no
 * locks).
 */
#ifndef BUFFR_DB_DB_INTERNAL_H
#define BUFFR_DB_DB_INTERNAL_H

#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Prepared statements cached per connection, beyond which statements are
 * prepared for one use: SQL built at run time must not grow memory forever. */
#define DB_STMT_CACHE_MAX     512
#define DB_STMT_CACHE_BUCKETS 256

/*
 * One dialect. Connections and result sets are opaque to db.c (void *).
 * Every int-returning function gives 0 or a BUFFR_E* code, having logged the
 * server's message itself: BUFFR_EBUSY means retry, BUFFR_EUNAVAILABLE means
 * the connection was lost (the backend has already tried to reconnect, so
 * the connection may be used again for a new transaction).
 */
typedef struct db_driver {
    db_backend_t backend;
    const char *name;
    /* target: the URL with any scheme prefix the backend needs removed. */
    int (*connect)(const char *target, int busy_timeout_ms, void **out);
    void (*disconnect)(void *conn);
    /* tenant_id NULL opens a system transaction. */
    int (*begin)(void *conn, const char *tenant_id, int flags);
    int (*commit)(void *conn);
    /* Best effort: never fails as far as the caller is concerned. */
    void (*rollback)(void *conn);
    /* args are final: the tenant id, if any, is already args[0]. */
    int (*exec)(void *conn, const char *sql, const db_arg_t *args, size_t nargs, int64_t *changes);
    int (*query)(void *conn, const char *sql, const db_arg_t *args, size_t nargs, void **rows);
    int (*next)(void *rows);
    int (*ncols)(void *rows);
    const char *(*text)(void *rows, int col);
    int64_t (*integer)(void *rows, int col);
    bool (*is_null)(void *rows, int col);
    void (*rows_free)(void *rows);
    /* Constant SQL, possibly several statements, no parameters. */
    int (*exec_script)(void *conn, const char *sql);
    /* Does a relation of this name exist (in the search path)? */
    int (*table_exists)(void *conn, const char *table, bool *exists);
    /* NULL when the backend has no online backup. */
    int (*backup)(void *conn, const char *path);
    /* Group commit (db.c batches DB_WRITE units of db_transact when these
     * are set; NULL for a backend whose writers do not serialise).
     * unit_begin marks where one unit starts inside the batch's
     * transaction. unit_end(conn, true) keeps the unit's changes;
     * unit_end(conn, false) undoes them and nothing else. Nonzero from
     * either means the batch's transaction can no longer be trusted: the
     * caller rolls it all back. */
    int (*unit_begin)(void *conn);
    int (*unit_end)(void *conn, bool keep);
} db_driver_t;

extern const db_driver_t db_sqlite_driver;
extern const db_driver_t db_postgres_driver;

/* If a quoted string ('...'), quoted identifier ("..."), line comment
 * (-- ...) or block comment starts at sql[i], the index just after it;
 * otherwise i. An unterminated one runs to the end of sql. */
size_t db_sql_skip_quoted(const char *sql, size_t i);

/* True when sql uses the placeholder $1 (not $10, $12, ...) outside quoted
 * text and comments. */
bool db_sql_uses_param1(const char *sql);

/* Rewrite PostgreSQL placeholders $N into SQLite's ?N, leaving quoted text
 * and comments alone. *out is allocated (caller frees). 0 or BUFFR_ENOMEM. */
int db_sqlite_rewrite_params(const char *sql, char **out);

/* Run constant SQL (several statements allowed, no parameters) in a system
 * transaction; BUFFR_EINVAL in a tenant transaction. For migrations. */
int db_exec_script(db_tx_t *tx, const char *sql);

/* Whether table exists (SQLite: in main; PostgreSQL: in the search path). */
int db_table_exists(db_tx_t *tx, const char *table, bool *exists);

/* Write units waiting for a group-commit batch, not counting those of the
 * batch being run. For tests, which need to know a batch has formed. */
size_t db_batch_queued(db_t *db);

/* Log a backend failure once, at a level fitting the code: expected outcomes
 * (conflicts, constraint refusals, retries) quietly, surprises as errors. */
void db_log_failure(int code, const char *backend, const char *message, const char *sql);

#endif
