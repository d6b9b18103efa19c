/*
 * db.h - the one database interface of Buffr Host, with two backends:
 * SQLite (embedded, the default) and PostgreSQL (libpq, for many instances).
 *
 * What it does:
 *   - a pool of connections per database (both backends);
 *   - transactions that are tenant-scoped by construction: a transaction
 *     opened with db_begin() for a tenant binds that tenant's id as parameter
 *     $1 of every statement run in it, and refuses any statement that does
 *     not use $1. So a module's query reads
 *         "SELECT name FROM properties WHERE tenant_id = $1 AND id = $2"
 *     and is passed only the id; forgetting the tenant filter is an error the
 *     first test run reports. Cross-tenant work (login by email, migrations)
 *     needs db_begin_system(), which is rare and easy to grep for.
 *     On PostgreSQL the tenant is also set as the transaction-local setting
 *     app.tenant_id, which row-level security policies check;
 *   - SQL is written once with PostgreSQL-style $N placeholders; the SQLite
 *     backend rewrites them to ?N. Values are always bound, never spliced;
 *   - prepared statements are cached per connection;
 *   - db_transact() retries the whole unit of work on SQLITE_BUSY,
 *     serialization failures and deadlocks;
 *   - on SQLite, db_transact(DB_WRITE) units of concurrent callers are
 *     group-committed: they share one transaction and one fsync (see
 *     db_transact).
 *
 * What it does not do: know about any resource. Table definitions live with
 * their modules (see migrate.h); this layer only runs them.
 *
 * Column types used by modules, portable across both backends:
 *   TEXT (ids are UUID text, dates "YYYY-MM-DD"), BIGINT (money in minor
 *   units, counts, Unix-second timestamps, 0/1 booleans). Never INTEGER on
 *   PostgreSQL (32-bit), never REAL for money.
 */
#ifndef BUFFR_DB_DB_H
#define BUFFR_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db_t;
typedef struct db_tx db_tx_t;
typedef struct db_rows db_rows_t;

typedef enum { DB_SQLITE = 1, DB_POSTGRES = 2 } db_backend_t;

typedef enum { DB_ARG_NULL = 0, DB_ARG_TEXT, DB_ARG_INT } db_arg_kind_t;

typedef struct db_arg {
    db_arg_kind_t kind;
    const char *text; /* DB_ARG_TEXT: NUL-terminated UTF-8, not copied */
    int64_t i;        /* DB_ARG_INT */
} db_arg_t;

/* A NULL string binds SQL NULL. */
static inline db_arg_t db_arg_text(const char *s)
{
    return (db_arg_t){.kind = s ? DB_ARG_TEXT : DB_ARG_NULL, .text = s};
}
#define DB_TEXT(s) db_arg_text(s)
#define DB_INT(v)  ((db_arg_t){.kind = DB_ARG_INT, .i = (int64_t)(v)})
#define DB_BOOL(v) ((db_arg_t){.kind = DB_ARG_INT, .i = (v) ? 1 : 0})
#define DB_NULL    ((db_arg_t){.kind = DB_ARG_NULL})

/* DB_ARGS(a, b, c) expands to "array, count" for the calls below;
 * DB_NOARGS for none. */
#define DB_ARGS(...)                                                                               \
    ((const db_arg_t[]){__VA_ARGS__}), (sizeof((const db_arg_t[]){__VA_ARGS__}) / sizeof(db_arg_t))
#define DB_NOARGS NULL, 0

typedef struct db_options {
    int pool_size;       /* connections; 0 = default (8) */
    int busy_timeout_ms; /* SQLite busy timeout and pool wait; 0 = default (5000) */
    int max_retries;     /* db_transact attempts after the first; 0 = default (8) */
} db_options_t;

/* Transaction flags. */
enum {
    DB_READ = 0,  /* may still write on PostgreSQL; on SQLite a deferred BEGIN */
    DB_WRITE = 1, /* SQLite: BEGIN IMMEDIATE, so writers queue instead of deadlocking */
};

/* Open a database from a URL: "sqlite:PATH" (or "sqlite://PATH") creates the
 * file if missing and sets WAL, synchronous=FULL, foreign_keys=ON and the
 * busy timeout on every connection; "postgresql://..." or "postgres://..."
 * is handed to libpq. opts may be NULL. Returns 0 or a BUFFR_E* code. */
int db_open(const char *url, const db_options_t *opts, db_t **out);
void db_close(db_t *db);

db_backend_t db_backend(const db_t *db);
const char *db_backend_name(const db_t *db); /* "sqlite" / "postgresql" */

/* Check the database answers (SELECT 1). 0 when it does. */
int db_ping(db_t *db);

/* Pool and latency figures for /metrics. */
typedef struct db_stats {
    int pool_size;
    int pool_in_use;
    uint64_t pool_waits;   /* times a caller had to wait for a connection */
    uint64_t transactions; /* committed (a batched unit counts as one) */
    uint64_t rollbacks;
    uint64_t retries; /* db_transact re-runs */
    uint64_t statements;
    double statement_seconds; /* total time spent in statements */
    uint64_t write_batches;   /* group-commit transactions run (SQLite DB_WRITE) */
    uint64_t batched_units;   /* units of work run in them */
} db_stats_t;
void db_get_stats(db_t *db, db_stats_t *out);

/* Begin a transaction scoped to tenant_id (a UUID string). Every statement in
 * it receives tenant_id as $1; a statement without $1 fails with BUFFR_EINVAL.
 * Waits up to the busy timeout for a pooled connection (BUFFR_EUNAVAILABLE
 * after that). */
int db_begin(db_t *db, const char *tenant_id, int flags, db_tx_t **out);

/* Begin a transaction that is not scoped to a tenant: statements get only the
 * arguments passed. For authentication lookups, migrations and operators'
 * commands only. */
int db_begin_system(db_t *db, int flags, db_tx_t **out);

/* Commit and release the transaction (also on failure: the tx is gone). */
int db_commit(db_tx_t *tx);
/* Roll back and release. Safe on NULL. */
void db_rollback(db_tx_t *tx);

const char *db_tx_tenant(const db_tx_t *tx); /* NULL for a system tx */
db_backend_t db_tx_backend(const db_tx_t *tx);

/* Run a statement that returns no rows. *changes (may be NULL) gets the
 * number of rows changed. Errors: BUFFR_ECONFLICT for a unique or exclusion
 * violation, BUFFR_ECONSTRAINT for a CHECK / NOT NULL / foreign key
 * violation, BUFFR_EBUSY when the work must be retried, BUFFR_EDB otherwise.
 * After an error the transaction can only be rolled back. */
int db_exec(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs, int64_t *changes);

/* Run a query; iterate with db_next(). Only one result may be open per
 * transaction at a time; free it before the next statement. */
int db_query(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs, db_rows_t **out);

/* 1 when a row is ready, 0 at the end, a BUFFR_E* code on error. */
int db_next(db_rows_t *rows);
int db_ncols(db_rows_t *rows);
/* Column values of the current row. Text is NULL for SQL NULL and stays
 * valid until the next db_next() or db_rows_free(). */
const char *db_text(db_rows_t *rows, int col);
int64_t db_int(db_rows_t *rows, int col);
bool db_is_null(db_rows_t *rows, int col);
void db_rows_free(db_rows_t *rows);

/* Run a query expected to give at most one row and copy its first column:
 * 0 with the value, BUFFR_ENOTFOUND when there is no row. */
int db_query_int(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs, int64_t *out);

/* Run a query and step onto its first row: 0 with *rows there (the caller
 * frees them), BUFFR_ENOTFOUND when there is none (nothing to free). */
int db_query_first(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                   db_rows_t **rows);

/* Turns the current row into a new JSON value (NULL when out of memory). */
typedef struct json_t *(*db_row_json_fn)(db_rows_t *rows);

/* The first row of a query through render into *out, replacing (and
 * releasing) what *out held; BUFFR_ENOTFOUND when there is no row. */
int db_query_json(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                  db_row_json_fn render, struct json_t **out);

/* A unit of work for db_transact: return 0 to commit, or a BUFFR_E* code to
 * roll back (BUFFR_EBUSY from any db_* call makes db_transact run it again,
 * so the function must not keep state from a failed attempt outside ctx's
 * reset point). */
typedef int (*db_work_fn)(db_tx_t *tx, void *ctx);

/* Begin (tenant-scoped, or system when tenant_id is NULL), run work, commit;
 * retry with backoff on BUFFR_EBUSY. Returns work's code or a db error.
 *
 * On SQLite a DB_WRITE unit is group-committed: concurrent callers' units
 * run one after another in one BEGIN IMMEDIATE ... COMMIT, each inside a
 * savepoint and with a tx of its own tenant (the $1 rule holds per unit).
 * A unit that fails is rolled back alone and gets its own error; the others
 * are unaffected. The call returns only once the COMMIT holding the unit
 * has returned, so an acknowledged write is as durable as before. Because
 * the unit may run on another caller's thread, a DB_WRITE work function
 * must not call db_transact(DB_WRITE) itself (refused with BUFFR_EINVAL),
 * must not begin another write transaction, and must not depend on
 * thread-local state; it should only use tx and ctx. It should also be
 * quick: the units queued behind it wait for it. Explicit transactions
 * (db_begin), DB_READ and PostgreSQL run on transactions of their own. */
int db_transact(db_t *db, const char *tenant_id, int flags, db_work_fn work, void *ctx);

/* Consistent online copy of a SQLite database to path through SQLite's backup
 * API (readers and writers may go on meanwhile). BUFFR_EINVAL on PostgreSQL
 * (use pg_dump there). */
int db_backup(db_t *db, const char *path);

#endif
