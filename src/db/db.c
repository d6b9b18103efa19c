/*
 * db.c - the backend-independent half of the database layer: URL parsing,
 * the connection pool, transactions (tenant scoping, failure tracking),
 * db_transact's retry loop, group commit of write units (SQLite), statistics,
 * and the SQL scanning helpers the backends share.
 *
 * It does not speak any SQL dialect: db_sqlite.c and db_postgres.c do,
 * behind the db_driver_t vtable of db_internal.h.
 */
#include "db/db.h"
#include "db/db_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DB_DEFAULT_POOL_SIZE       8
#define DB_DEFAULT_BUSY_TIMEOUT_MS 5000
#define DB_DEFAULT_MAX_RETRIES     8
#define DB_TENANT_ID_MAX           64
#define DB_BACKOFF_START_MS        2
#define DB_BACKOFF_CAP_MS          100
#define DB_STACK_ARGS              16
/* Units per group-commit batch: enough to absorb a burst behind one fsync,
 * few enough that one slow unit delays a bounded number of callers. */
#define DB_BATCH_MAX_UNITS 64

typedef enum {
    UNIT_PENDING, /* not run yet in this batch */
    UNIT_RAN_OK,  /* its changes wait for the batch's COMMIT */
    UNIT_FAILED,  /* rolled back to its savepoint; rc is final */
    UNIT_REQUEUE, /* the batch ended through another unit's failure: run again */
} db_unit_state_t;

/* One caller's DB_WRITE unit of work on its way through a group-commit
 * batch. It lives on the caller's stack; the caller sleeps on wake until a
 * leader sets done (under batch_lock) with rc filled in. */
typedef struct db_unit {
    const char *tenant_id; /* NULL: a system unit */
    db_work_fn work;
    void *ctx;
    int rc;
    bool done;
    bool retry_unavailable; /* rc is BUFFR_EUNAVAILABLE and re-running is safe */
    db_unit_state_t state;  /* in the batch being run */
    pthread_cond_t wake;
    struct db_unit *next;
} db_unit_t;

struct db {
    const db_driver_t *driver;
    char *target; /* what the driver connects to */
    int pool_size;
    int busy_timeout_ms;
    int max_retries;

    pthread_mutex_t lock;
    pthread_cond_t available;
    void **idle; /* stack of idle connections, pool_size slots */
    int idle_count;
    int created; /* connections open or being opened */
    int in_use;
    uint64_t pool_waits;

    atomic_uint_fast64_t transactions;
    atomic_uint_fast64_t rollbacks;
    atomic_uint_fast64_t retries;
    atomic_uint_fast64_t statements;
    atomic_uint_fast64_t statement_ns;

    /* Group commit, when the driver has unit savepoints: DB_WRITE units of
     * db_transact queue here, and one caller at a time (the leader) runs
     * the queued units in one transaction, so they share its COMMIT. */
    pthread_mutex_t batch_lock;
    db_unit_t *batch_head;
    db_unit_t *batch_tail;
    size_t batch_queued;
    bool batch_leader; /* some caller is running batches */
    atomic_uint_fast64_t write_batches;
    atomic_uint_fast64_t batched_units;
};

struct db_rows {
    db_tx_t *tx;          /* NULL once the transaction has ended */
    void *impl;           /* the backend's result; NULL once released */
    struct db_rows *next; /* the transaction's list of open results */
};

struct db_tx {
    db_t *db;
    void *conn;
    bool system;
    bool conn_lost; /* a statement lost the connection (safe to re-run) */
    int error;      /* first failure; the transaction can only roll back */
    db_rows_t *open_rows;
    char tenant_id[DB_TENANT_ID_MAX + 1];
};

/* ---- SQL scanning ---- */

size_t db_sql_skip_quoted(const char *sql, size_t i)
{
    char c = sql[i];
    if (c == '\'' || c == '"') {
        /* A doubled quote inside ('it''s') simply ends and restarts the
         * literal, which this loop handles without special casing. */
        size_t j = i + 1;
        while (sql[j] != '\0' && sql[j] != c)
            j++;
        return sql[j] == '\0' ? j : j + 1;
    }
    if (c == '-' && sql[i + 1] == '-') {
        size_t j = i + 2;
        while (sql[j] != '\0' && sql[j] != '\n')
            j++;
        return j;
    }
    if (c == '/' && sql[i + 1] == '*') {
        size_t j = i + 2;
        while (sql[j] != '\0' && !(sql[j] == '*' && sql[j + 1] == '/'))
            j++;
        return sql[j] == '\0' ? j : j + 2;
    }
    return i;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool db_sql_uses_param1(const char *sql)
{
    size_t i = 0;
    while (sql[i] != '\0') {
        size_t skipped = db_sql_skip_quoted(sql, i);
        if (skipped != i) {
            i = skipped;
            continue;
        }
        if (sql[i] == '$' && sql[i + 1] == '1' && !is_digit(sql[i + 2]))
            return true;
        i++;
    }
    return false;
}

int db_sqlite_rewrite_params(const char *sql, char **out)
{
    size_t len = strlen(sql);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return BUFFR_ENOMEM;
    size_t i = 0;
    while (sql[i] != '\0') {
        size_t skipped = db_sql_skip_quoted(sql, i);
        if (skipped != i) {
            memcpy(copy + i, sql + i, skipped - i);
            i = skipped;
            continue;
        }
        copy[i] = (sql[i] == '$' && is_digit(sql[i + 1])) ? '?' : sql[i];
        i++;
    }
    copy[len] = '\0';
    *out = copy;
    return 0;
}

/* ---- logging ---- */

void db_log_failure(int code, const char *backend, const char *message, const char *sql)
{
    log_level_t level;
    switch (code) {
    case BUFFR_EBUSY:
        level = LOG_DEBUG; /* retried by db_transact */
        break;
    case BUFFR_ECONFLICT:
    case BUFFR_ECONSTRAINT:
        level = LOG_INFO; /* usually a client's duplicate or bad reference */
        break;
    default:
        level = LOG_ERROR;
        break;
    }
    log_msg(level, "db %s: %s (%s)%s%.300s", backend, message ? message : "error",
            buffr_strerror(code), sql ? " in: " : "", sql ? sql : "");
}

/* ---- opening and the pool ---- */

static int parse_url(const char *url, const db_driver_t **driver, char **target)
{
    const char *rest = NULL;
    if (strncmp(url, "sqlite://", 9) == 0) {
        rest = url + 9;
        *driver = &db_sqlite_driver;
    } else if (strncmp(url, "sqlite:", 7) == 0) {
        rest = url + 7;
        *driver = &db_sqlite_driver;
    } else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        rest = url; /* libpq takes the whole URL */
        *driver = &db_postgres_driver;
    } else {
        log_error("db: unsupported database URL scheme (want sqlite: or postgresql://)");
        return BUFFR_EINVAL;
    }
    if (*driver == &db_sqlite_driver && (rest[0] == '\0' || strcmp(rest, ":memory:") == 0)) {
        /* Each pooled connection would get its own empty in-memory database. */
        log_error("db: sqlite URL needs a file path");
        return BUFFR_EINVAL;
    }
    *target = strdup(rest);
    return *target ? 0 : BUFFR_ENOMEM;
}

int db_open(const char *url, const db_options_t *opts, db_t **out)
{
    *out = NULL;
    if (url == NULL)
        return BUFFR_EINVAL;
    db_t *db = calloc(1, sizeof(*db));
    if (db == NULL)
        return BUFFR_ENOMEM;
    db->pool_size = (opts && opts->pool_size > 0) ? opts->pool_size : DB_DEFAULT_POOL_SIZE;
    db->busy_timeout_ms =
        (opts && opts->busy_timeout_ms > 0) ? opts->busy_timeout_ms : DB_DEFAULT_BUSY_TIMEOUT_MS;
    db->max_retries = (opts && opts->max_retries > 0) ? opts->max_retries : DB_DEFAULT_MAX_RETRIES;

    int rc = parse_url(url, &db->driver, &db->target);
    if (rc != 0) {
        free(db);
        return rc;
    }
    db->idle = calloc((size_t)db->pool_size, sizeof(void *));
    if (db->idle == NULL) {
        free(db->target);
        free(db);
        return BUFFR_ENOMEM;
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&db->available, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&db->lock, NULL);
    pthread_mutex_init(&db->batch_lock, NULL);

    /* Open one connection now so a bad URL or a down server is reported at
     * start; the rest are opened when first needed. */
    void *conn = NULL;
    rc = db->driver->connect(db->target, db->busy_timeout_ms, &conn);
    if (rc != 0) {
        db_close(db);
        return rc;
    }
    db->idle[db->idle_count++] = conn;
    db->created = 1;
    *out = db;
    return 0;
}

void db_close(db_t *db)
{
    if (db == NULL)
        return;
    if (db->in_use > 0)
        log_error("db: closing with %d connection(s) still in use", db->in_use);
    for (int i = 0; i < db->idle_count; i++)
        db->driver->disconnect(db->idle[i]);
    pthread_cond_destroy(&db->available);
    pthread_mutex_destroy(&db->lock);
    pthread_mutex_destroy(&db->batch_lock);
    free(db->idle);
    free(db->target);
    free(db);
}

db_backend_t db_backend(const db_t *db)
{
    return db->driver->backend;
}

const char *db_backend_name(const db_t *db)
{
    return db->driver->name;
}

/* Take a connection, waiting up to the busy timeout. *pool_timeout tells
 * the caller whether BUFFR_EUNAVAILABLE came from waiting (not worth an
 * immediate retry) or from a failed connect. */
static int pool_acquire(db_t *db, void **out, bool *pool_timeout)
{
    *pool_timeout = false;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += db->busy_timeout_ms / 1000;
    deadline.tv_nsec += (long)(db->busy_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }

    pthread_mutex_lock(&db->lock);
    bool counted_wait = false;
    for (;;) {
        if (db->idle_count > 0) {
            *out = db->idle[--db->idle_count];
            db->in_use++;
            pthread_mutex_unlock(&db->lock);
            return 0;
        }
        if (db->created < db->pool_size) {
            db->created++;
            db->in_use++;
            pthread_mutex_unlock(&db->lock);
            /* Connect outside the lock: it may take a network round trip. */
            int rc = db->driver->connect(db->target, db->busy_timeout_ms, out);
            if (rc != 0) {
                pthread_mutex_lock(&db->lock);
                db->created--;
                db->in_use--;
                pthread_cond_signal(&db->available);
                pthread_mutex_unlock(&db->lock);
            }
            return rc;
        }
        if (!counted_wait) {
            db->pool_waits++;
            counted_wait = true;
        }
        int wrc = pthread_cond_timedwait(&db->available, &db->lock, &deadline);
        if (wrc == ETIMEDOUT && db->idle_count == 0 && db->created >= db->pool_size) {
            pthread_mutex_unlock(&db->lock);
            *pool_timeout = true;
            log_warn("db: no connection free after %d ms (pool of %d)", db->busy_timeout_ms,
                     db->pool_size);
            return BUFFR_EUNAVAILABLE;
        }
    }
}

static void pool_release(db_t *db, void *conn)
{
    pthread_mutex_lock(&db->lock);
    db->idle[db->idle_count++] = conn;
    db->in_use--;
    pthread_cond_signal(&db->available);
    pthread_mutex_unlock(&db->lock);
}

void db_get_stats(db_t *db, db_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&db->lock);
    out->pool_size = db->pool_size;
    out->pool_in_use = db->in_use;
    out->pool_waits = db->pool_waits;
    pthread_mutex_unlock(&db->lock);
    out->transactions = atomic_load(&db->transactions);
    out->rollbacks = atomic_load(&db->rollbacks);
    out->retries = atomic_load(&db->retries);
    out->statements = atomic_load(&db->statements);
    out->statement_seconds = (double)atomic_load(&db->statement_ns) / 1e9;
    out->write_batches = atomic_load(&db->write_batches);
    out->batched_units = atomic_load(&db->batched_units);
}

/* ---- transactions ---- */

/* NULL (system) or a tenant id that fits db_tx_t. */
static bool tenant_id_valid(const char *tenant_id)
{
    if (tenant_id == NULL)
        return true;
    size_t len = strlen(tenant_id);
    if (len == 0 || len > DB_TENANT_ID_MAX) {
        log_error("db: tenant transaction with an invalid tenant id");
        return false;
    }
    return true;
}

static int tx_open(db_t *db, const char *tenant_id, int flags, db_tx_t **out, bool *pool_timeout)
{
    *out = NULL;
    *pool_timeout = false;
    if (!tenant_id_valid(tenant_id))
        return BUFFR_EINVAL;
    db_tx_t *tx = calloc(1, sizeof(*tx));
    if (tx == NULL)
        return BUFFR_ENOMEM;
    tx->db = db;
    tx->system = (tenant_id == NULL);
    if (tenant_id != NULL)
        strcpy(tx->tenant_id, tenant_id);

    int rc = pool_acquire(db, &tx->conn, pool_timeout);
    if (rc != 0) {
        free(tx);
        return rc;
    }
    rc = db->driver->begin(tx->conn, tenant_id, flags);
    if (rc != 0) {
        db->driver->rollback(tx->conn);
        pool_release(db, tx->conn);
        free(tx);
        return rc;
    }
    *out = tx;
    return 0;
}

int db_begin(db_t *db, const char *tenant_id, int flags, db_tx_t **out)
{
    bool pool_timeout;
    if (tenant_id == NULL) {
        *out = NULL;
        log_error("db: db_begin without a tenant (use db_begin_system)");
        return BUFFR_EINVAL;
    }
    return tx_open(db, tenant_id, flags, out, &pool_timeout);
}

int db_begin_system(db_t *db, int flags, db_tx_t **out)
{
    bool pool_timeout;
    return tx_open(db, NULL, flags, out, &pool_timeout);
}

/* Release the results still open (a caller's bug, but the connection must
 * come back clean). They go before any rollback: SQLite will not roll back
 * cleanly under a pending write statement. The db_rows_t shells stay with
 * the caller, who frees them later. */
static void tx_drop_rows(db_tx_t *tx)
{
    for (db_rows_t *r = tx->open_rows; r != NULL; r = r->next) {
        tx->db->driver->rows_free(r->impl);
        r->impl = NULL;
        r->tx = NULL;
    }
    tx->open_rows = NULL;
}

static void tx_release(db_tx_t *tx)
{
    tx_drop_rows(tx);
    pool_release(tx->db, tx->conn);
    free(tx);
}

int db_commit(db_tx_t *tx)
{
    if (tx == NULL)
        return BUFFR_EINVAL;
    db_t *db = tx->db;
    int rc = tx->error;
    if (rc == 0 && tx->open_rows != NULL) {
        log_error("db: commit with a result still open (free it first)");
        rc = BUFFR_EINVAL;
    }
    if (rc == 0)
        rc = db->driver->commit(tx->conn);
    if (rc != 0) {
        tx_drop_rows(tx);
        db->driver->rollback(tx->conn);
        atomic_fetch_add(&db->rollbacks, 1);
    } else {
        atomic_fetch_add(&db->transactions, 1);
    }
    tx_release(tx);
    return rc;
}

void db_rollback(db_tx_t *tx)
{
    if (tx == NULL)
        return;
    tx_drop_rows(tx);
    tx->db->driver->rollback(tx->conn);
    atomic_fetch_add(&tx->db->rollbacks, 1);
    tx_release(tx);
}

const char *db_tx_tenant(const db_tx_t *tx)
{
    return tx->system ? NULL : tx->tenant_id;
}

db_backend_t db_tx_backend(const db_tx_t *tx)
{
    return tx->db->driver->backend;
}

/* Remember the first failure: later statements and the commit report it,
 * so a BUFFR_EBUSY reaches db_transact even if work() hides it. */
static int tx_fail(db_tx_t *tx, int rc)
{
    if (tx->error == 0)
        tx->error = rc;
    if (rc == BUFFR_EUNAVAILABLE)
        tx->conn_lost = true;
    return rc;
}

/* The arguments the backend sees: the tenant id as $1 in a tenant
 * transaction. *heap is set when the array had to be allocated. */
static int tx_args(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                   db_arg_t *stack, const db_arg_t **final, size_t *nfinal, db_arg_t **heap)
{
    *heap = NULL;
    if (sql == NULL || (nargs > 0 && args == NULL)) {
        log_error("db: statement without SQL or with missing arguments");
        return BUFFR_EINVAL;
    }
    if (tx->error != 0)
        return tx->error;
    if (tx->system) {
        *final = args;
        *nfinal = nargs;
        return 0;
    }
    if (!db_sql_uses_param1(sql)) {
        log_error("db: statement in a tenant transaction does not use $1 (tenant_id): %.300s", sql);
        return BUFFR_EINVAL;
    }
    db_arg_t *all = stack;
    if (nargs + 1 > DB_STACK_ARGS) {
        all = malloc((nargs + 1) * sizeof(db_arg_t));
        if (all == NULL)
            return BUFFR_ENOMEM;
        *heap = all;
    }
    all[0] = DB_TEXT(tx->tenant_id);
    for (size_t i = 0; i < nargs; i++)
        all[i + 1] = args[i];
    *final = all;
    *nfinal = nargs + 1;
    return 0;
}

static uint64_t elapsed_ns(double start)
{
    double d = time_monotonic() - start;
    return d > 0 ? (uint64_t)(d * 1e9) : 0;
}

int db_exec(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs, int64_t *changes)
{
    if (changes)
        *changes = 0;
    if (tx == NULL)
        return BUFFR_EINVAL;
    db_arg_t stack[DB_STACK_ARGS];
    const db_arg_t *final = NULL;
    size_t nfinal = 0;
    db_arg_t *heap = NULL;
    int rc = tx_args(tx, sql, args, nargs, stack, &final, &nfinal, &heap);
    if (rc != 0)
        return tx_fail(tx, rc);
    double start = time_monotonic();
    rc = tx->db->driver->exec(tx->conn, sql, final, nfinal, changes);
    atomic_fetch_add(&tx->db->statement_ns, elapsed_ns(start));
    atomic_fetch_add(&tx->db->statements, 1);
    free(heap);
    return rc == 0 ? 0 : tx_fail(tx, rc);
}

int db_query(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs, db_rows_t **out)
{
    *out = NULL;
    if (tx == NULL)
        return BUFFR_EINVAL;
    db_arg_t stack[DB_STACK_ARGS];
    const db_arg_t *final = NULL;
    size_t nfinal = 0;
    db_arg_t *heap = NULL;
    int rc = tx_args(tx, sql, args, nargs, stack, &final, &nfinal, &heap);
    if (rc != 0)
        return tx_fail(tx, rc);
    db_rows_t *rows = calloc(1, sizeof(*rows));
    if (rows == NULL) {
        free(heap);
        return tx_fail(tx, BUFFR_ENOMEM);
    }
    double start = time_monotonic();
    rc = tx->db->driver->query(tx->conn, sql, final, nfinal, &rows->impl);
    atomic_fetch_add(&tx->db->statement_ns, elapsed_ns(start));
    atomic_fetch_add(&tx->db->statements, 1);
    free(heap);
    if (rc != 0) {
        free(rows);
        return tx_fail(tx, rc);
    }
    rows->tx = tx;
    rows->next = tx->open_rows;
    tx->open_rows = rows;
    *out = rows;
    return 0;
}

int db_next(db_rows_t *rows)
{
    if (rows == NULL || rows->tx == NULL || rows->impl == NULL)
        return BUFFR_EINVAL;
    db_tx_t *tx = rows->tx;
    if (tx->error != 0)
        return tx->error;
    double start = time_monotonic();
    int rc = tx->db->driver->next(rows->impl);
    atomic_fetch_add(&tx->db->statement_ns, elapsed_ns(start));
    return rc < 0 ? tx_fail(tx, rc) : rc;
}

int db_ncols(db_rows_t *rows)
{
    if (rows == NULL || rows->impl == NULL)
        return 0;
    return rows->tx->db->driver->ncols(rows->impl);
}

const char *db_text(db_rows_t *rows, int col)
{
    if (rows == NULL || rows->impl == NULL || col < 0 || col >= db_ncols(rows))
        return NULL;
    return rows->tx->db->driver->text(rows->impl, col);
}

int64_t db_int(db_rows_t *rows, int col)
{
    if (rows == NULL || rows->impl == NULL || col < 0 || col >= db_ncols(rows))
        return 0;
    return rows->tx->db->driver->integer(rows->impl, col);
}

bool db_is_null(db_rows_t *rows, int col)
{
    if (rows == NULL || rows->impl == NULL || col < 0 || col >= db_ncols(rows))
        return true;
    return rows->tx->db->driver->is_null(rows->impl, col);
}

void db_rows_free(db_rows_t *rows)
{
    if (rows == NULL)
        return;
    db_tx_t *tx = rows->tx;
    if (tx != NULL) {
        tx->db->driver->rows_free(rows->impl);
        for (db_rows_t **p = &tx->open_rows; *p != NULL; p = &(*p)->next) {
            if (*p == rows) {
                *p = rows->next;
                break;
            }
        }
    }
    free(rows);
}

int db_query_int(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs, int64_t *out)
{
    *out = 0;
    db_rows_t *rows = NULL;
    int rc = db_query(tx, sql, args, nargs, &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        *out = db_int(rows, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = BUFFR_ENOTFOUND;
    }
    db_rows_free(rows);
    return rc;
}

int db_exec_script(db_tx_t *tx, const char *sql)
{
    if (tx == NULL || sql == NULL)
        return BUFFR_EINVAL;
    if (!tx->system) {
        log_error("db: scripts run only in system transactions");
        return tx_fail(tx, BUFFR_EINVAL);
    }
    if (tx->error != 0)
        return tx->error;
    double start = time_monotonic();
    int rc = tx->db->driver->exec_script(tx->conn, sql);
    atomic_fetch_add(&tx->db->statement_ns, elapsed_ns(start));
    atomic_fetch_add(&tx->db->statements, 1);
    return rc == 0 ? 0 : tx_fail(tx, rc);
}

int db_table_exists(db_tx_t *tx, const char *table, bool *exists)
{
    *exists = false;
    if (tx == NULL || table == NULL)
        return BUFFR_EINVAL;
    if (tx->error != 0)
        return tx->error;
    int rc = tx->db->driver->table_exists(tx->conn, table, exists);
    return rc == 0 ? 0 : tx_fail(tx, rc);
}

/* ---- retries ---- */

/* Cheap per-thread generator for backoff jitter; nothing secret. */
static uint32_t jitter_next(void)
{
    static _Thread_local uint64_t state;
    if (state == 0)
        state = (uint64_t)time_now_ms() ^ ((uint64_t)(uintptr_t)&state << 16) ^ 0x9e3779b97f4a7c15u;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state >> 32);
}

/* Sleep between half and all of min(cap, start * 2^(attempt-1)) so that
 * colliding writers spread out instead of colliding again. */
static void backoff_sleep(int attempt)
{
    long delay_ms = DB_BACKOFF_START_MS;
    for (int i = 1; i < attempt && delay_ms < DB_BACKOFF_CAP_MS; i++)
        delay_ms *= 2;
    if (delay_ms > DB_BACKOFF_CAP_MS)
        delay_ms = DB_BACKOFF_CAP_MS;
    long half_us = delay_ms * 500;
    long sleep_us = half_us + (long)(jitter_next() % (uint32_t)(half_us + 1));
    struct timespec ts = {.tv_sec = sleep_us / 1000000, .tv_nsec = (sleep_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* One attempt on a transaction of its own: the path of reads, and of
 * writes on backends without group commit. */
static int transact_once(db_t *db, const char *tenant_id, int flags, db_work_fn work, void *ctx,
                         bool *retry_unavailable)
{
    db_tx_t *tx = NULL;
    bool pool_timeout = false;
    *retry_unavailable = false;
    int rc = tx_open(db, tenant_id, flags, &tx, &pool_timeout);
    if (rc == BUFFR_EUNAVAILABLE)
        *retry_unavailable = !pool_timeout;
    if (rc != 0)
        return rc;
    rc = work(tx, ctx);
    /* A failure inside the tx wins over what work() made of it. */
    if (tx->error == BUFFR_EBUSY)
        rc = BUFFR_EBUSY;
    if (rc == BUFFR_EUNAVAILABLE && tx->conn_lost)
        *retry_unavailable = true; /* the server discarded the tx */
    if (rc == 0)
        rc = db_commit(tx); /* a lost commit is not re-run: it may have landed */
    else
        db_rollback(tx);
    return rc;
}

/* ---- group commit ----
 *
 * With WAL and synchronous=FULL every SQLite COMMIT waits for an fsync, and
 * SQLite admits one writer at a time. So DB_WRITE units of db_transact are
 * not run on transactions of their own: each caller queues its unit, and
 * one caller at a time, the leader, takes the queued units (up to
 * DB_BATCH_MAX_UNITS), runs them in one BEGIN IMMEDIATE ... COMMIT, each
 * between a savepoint and its release (a batch of one needs none), and
 * wakes their callers with their own results. Units arriving meanwhile form the next batch, so
 * under load one fsync acknowledges many writes, and our own threads never meet in SQLite's busy
 * handler. A caller is woken only after the COMMIT that holds its unit has returned, so nothing is
 * acknowledged before its fsync.
 *
 * There is no extra thread: the first caller to find no leader leads until
 * its own unit is done, then hands the lead to the oldest waiting caller.
 */

/* The db whose batch this thread is running a work function of: a
 * db_transact(DB_WRITE) on it from there would wait for itself. */
static _Thread_local const db_t *batch_running_db;

size_t db_batch_queued(db_t *db)
{
    pthread_mutex_lock(&db->batch_lock);
    size_t n = db->batch_queued;
    pthread_mutex_unlock(&db->batch_lock);
    return n;
}

/* Run one unit in the batch's transaction, through a db_tx_t view of its
 * own, so the tenant-$1 rule and the sticky failure are per unit. Returns
 * what db_transact would have made of the unit's outcome before COMMIT. */
static int batch_run_unit(db_t *db, void *conn, db_unit_t *unit, bool *conn_lost)
{
    db_tx_t tx = {.db = db, .conn = conn, .system = unit->tenant_id == NULL};
    if (unit->tenant_id != NULL)
        strcpy(tx.tenant_id, unit->tenant_id); /* length checked by db_transact */
    batch_running_db = db;
    int rc = unit->work(&tx, unit->ctx);
    batch_running_db = NULL;
    if (tx.error == BUFFR_EBUSY)
        rc = BUFFR_EBUSY;
    else if (rc == 0 && tx.error != 0)
        rc = tx.error; /* the failure sticks, as db_commit reports it */
    if (rc == 0 && tx.open_rows != NULL) {
        log_error("db: commit with a result still open (free it first)");
        rc = BUFFR_EINVAL;
    }
    /* Before the savepoint ends: SQLite will not roll back cleanly under a
     * pending statement, and the caller's db_rows_t must not outlive tx. */
    tx_drop_rows(&tx);
    *conn_lost = tx.conn_lost;
    return rc;
}

/* Give the units still waiting for a result the batch's outcome. lost: a
 * unit's failure ended the transaction, so the others run again later;
 * otherwise batch_rc is the COMMIT's (or the transaction's) result. */
static void batch_settle(db_t *db, db_unit_t **units, size_t n, bool lost, int batch_rc,
                         bool retry_unavailable)
{
    for (size_t i = 0; i < n; i++) {
        db_unit_t *u = units[i];
        if (u->state == UNIT_FAILED)
            continue;
        if (lost) {
            if (u->state == UNIT_RAN_OK) {
                atomic_fetch_add(&db->rollbacks, 1);
                atomic_fetch_add(&db->retries, 1); /* its work runs again */
            }
            u->state = UNIT_REQUEUE;
            continue;
        }
        if (u->state == UNIT_RAN_OK)
            atomic_fetch_add(batch_rc == 0 ? &db->transactions : &db->rollbacks, 1);
        u->rc = batch_rc;
        u->retry_unavailable = batch_rc == BUFFR_EUNAVAILABLE && retry_unavailable;
    }
}

/* Run units[0..n) in one transaction on one pooled connection. Each unit
 * ends UNIT_REQUEUE or with its rc set. */
static void batch_run(db_t *db, db_unit_t **units, size_t n)
{
    for (size_t i = 0; i < n; i++)
        units[i]->state = UNIT_PENDING;
    atomic_fetch_add(&db->write_batches, 1);

    void *conn = NULL;
    bool pool_timeout = false;
    int rc = pool_acquire(db, &conn, &pool_timeout);
    if (rc != 0) {
        batch_settle(db, units, n, false, rc, !pool_timeout);
        return;
    }
    rc = db->driver->begin(conn, NULL, DB_WRITE);
    if (rc != 0) {
        /* BUFFR_EBUSY here is another process holding the write lock past
         * the busy timeout: every caller backs off and tries again. */
        db->driver->rollback(conn);
        pool_release(db, conn);
        batch_settle(db, units, n, false, rc, true);
        return;
    }

    /* A unit alone needs no savepoint: the transaction is all its own. */
    bool savepoints = n > 1;
    bool lost = false;      /* a unit's failure took the transaction down */
    int batch_rc = 0;       /* the transaction failed with no unit to blame */
    size_t committable = 0; /* units whose changes wait for the COMMIT */
    for (size_t i = 0; i < n && !lost && batch_rc == 0; i++) {
        db_unit_t *u = units[i];
        if (savepoints && (batch_rc = db->driver->unit_begin(conn)) != 0)
            break;
        atomic_fetch_add(&db->batched_units, 1);
        bool conn_lost = false;
        int unit_rc = batch_run_unit(db, conn, u, &conn_lost);
        if (unit_rc == 0) {
            unit_rc = savepoints ? db->driver->unit_end(conn, true) : 0;
            if (unit_rc == 0) {
                u->state = UNIT_RAN_OK;
                committable++;
                continue;
            }
            /* The unit ended the transaction (say, through SQL of its
             * own): it fails, and the units before it run again. */
            lost = true;
        } else if (savepoints && db->driver->unit_end(conn, false) != 0) {
            lost = true;
        }
        /* Only this unit fails; BUFFR_EBUSY from it makes its own caller
         * back off and submit it again. */
        u->state = UNIT_FAILED;
        u->rc = unit_rc;
        u->retry_unavailable = unit_rc == BUFFR_EUNAVAILABLE && conn_lost;
        atomic_fetch_add(&db->rollbacks, 1);
    }

    bool uncommitted = true; /* batch_rc came before COMMIT: safe to re-run */
    if (!lost && batch_rc == 0 && committable > 0) {
        batch_rc = db->driver->commit(conn);
        uncommitted = batch_rc == BUFFR_EBUSY; /* a lost COMMIT may have landed */
    }
    if (lost || batch_rc != 0 || committable == 0)
        db->driver->rollback(conn);
    pool_release(db, conn);
    batch_settle(db, units, n, lost, batch_rc, uncommitted);
}

/* Run batches until mine is done; called and returning with batch_lock
 * held, by the caller that found no leader. */
static void batch_lead(db_t *db, db_unit_t *mine)
{
    db->batch_leader = true;
    while (!mine->done) {
        db_unit_t *units[DB_BATCH_MAX_UNITS];
        size_t n = 0;
        while (n < DB_BATCH_MAX_UNITS && db->batch_head != NULL) {
            units[n++] = db->batch_head;
            db->batch_head = db->batch_head->next;
            db->batch_queued--;
        }
        if (db->batch_head == NULL)
            db->batch_tail = NULL;
        /* Only the leader dequeues, and mine is queued until done. */
        assert(n > 0);
        pthread_mutex_unlock(&db->batch_lock);
        batch_run(db, units, n);
        pthread_mutex_lock(&db->batch_lock);

        /* Units to run again go back to the front, in their order. */
        for (size_t i = n; i-- > 0;) {
            db_unit_t *u = units[i];
            if (u->state != UNIT_REQUEUE)
                continue;
            u->next = db->batch_head;
            db->batch_head = u;
            if (db->batch_tail == NULL)
                db->batch_tail = u;
            db->batch_queued++;
        }
        for (size_t i = 0; i < n; i++) {
            db_unit_t *u = units[i];
            if (u->state == UNIT_REQUEUE)
                continue;
            /* Once done is seen the caller may return and free u. */
            u->done = true;
            if (u != mine)
                pthread_cond_signal(&u->wake);
        }
    }
    db->batch_leader = false;
    if (db->batch_head != NULL)
        pthread_cond_signal(&db->batch_head->wake);
}

/* Queue one unit and wait for its result, leading when nobody does. */
static int batch_submit(db_t *db, const char *tenant_id, db_work_fn work, void *ctx,
                        bool *retry_unavailable)
{
    db_unit_t unit = {.tenant_id = tenant_id, .work = work, .ctx = ctx};
    *retry_unavailable = false;
    if (pthread_cond_init(&unit.wake, NULL) != 0)
        return BUFFR_ENOMEM;
    pthread_mutex_lock(&db->batch_lock);
    if (db->batch_tail != NULL)
        db->batch_tail->next = &unit;
    else
        db->batch_head = &unit;
    db->batch_tail = &unit;
    db->batch_queued++;
    while (!unit.done) {
        if (!db->batch_leader)
            batch_lead(db, &unit);
        else
            pthread_cond_wait(&unit.wake, &db->batch_lock);
    }
    pthread_mutex_unlock(&db->batch_lock);
    pthread_cond_destroy(&unit.wake);
    *retry_unavailable = unit.retry_unavailable;
    return unit.rc;
}

/* ---- db_transact ---- */

int db_transact(db_t *db, const char *tenant_id, int flags, db_work_fn work, void *ctx)
{
    if (db == NULL || work == NULL)
        return BUFFR_EINVAL;
    bool batched = (flags & DB_WRITE) && db->driver->unit_begin != NULL;
    if (batched) {
        if (!tenant_id_valid(tenant_id))
            return BUFFR_EINVAL;
        if (batch_running_db == db) {
            log_error("db: db_transact(DB_WRITE) inside a unit of work would wait for itself");
            return BUFFR_EINVAL;
        }
    }
    int attempt = 0;
    bool reconnected = false;
    for (;;) {
        bool retry_unavailable = false;
        int rc = batched ? batch_submit(db, tenant_id, work, ctx, &retry_unavailable)
                         : transact_once(db, tenant_id, flags, work, ctx, &retry_unavailable);
        if (rc == BUFFR_EBUSY && attempt < db->max_retries) {
            attempt++;
            atomic_fetch_add(&db->retries, 1);
            backoff_sleep(attempt);
            continue;
        }
        if (rc == BUFFR_EUNAVAILABLE && retry_unavailable && !reconnected) {
            reconnected = true;
            atomic_fetch_add(&db->retries, 1);
            continue;
        }
        if (rc == BUFFR_EBUSY)
            log_warn("db: transaction still busy after %d retries", attempt);
        return rc;
    }
}

/* ---- whole-database operations ---- */

int db_ping(db_t *db)
{
    db_tx_t *tx = NULL;
    int rc = db_begin_system(db, DB_READ, &tx);
    if (rc != 0)
        return rc;
    int64_t one = 0;
    rc = db_query_int(tx, "SELECT 1", DB_NOARGS, &one);
    if (rc == 0 && one != 1)
        rc = BUFFR_EDB;
    if (rc == 0)
        return db_commit(tx);
    db_rollback(tx);
    return rc;
}

int db_backup(db_t *db, const char *path)
{
    if (db == NULL || path == NULL || path[0] == '\0')
        return BUFFR_EINVAL;
    if (db->driver->backup == NULL) {
        log_error("db: online backup is for SQLite only (use pg_dump)");
        return BUFFR_EINVAL;
    }
    void *conn = NULL;
    bool pool_timeout;
    int rc = pool_acquire(db, &conn, &pool_timeout);
    if (rc != 0)
        return rc;
    rc = db->driver->backup(conn, path);
    pool_release(db, conn);
    return rc;
}
