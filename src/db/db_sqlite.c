/*
 * db_sqlite.c - the SQLite backend of the database layer: connections with
 * Buffr's pragmas, $N -> ?N rewriting, a prepared-statement cache per
 * connection, error mapping, and online backup.
 *
 * Not here: pooling, tenant scoping, retries and group commit (db.c; this
 * file only gives it the savepoints around each unit). A connection is used
 * by one thread at a time (the pool guarantees it), so it is opened without
 * SQLite's own mutexes.
 */
#include "db/db_internal.h"

#include "core/error.h"
#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct sqlite_cached {
    char *sql; /* as the caller wrote it, with $N */
    sqlite3_stmt *stmt;
    bool in_use; /* held by an open result */
    struct sqlite_cached *next;
} sqlite_cached_t;

/* Statements are found again by the address of their SQL text first:
 * callers pass string literals, so the same statement comes with the same
 * pointer, and hashing a few hundred characters on every call is saved.
 * The text is still compared, so a caller's buffer reused for other SQL
 * only misses. Direct-mapped, a power of two. */
#define SQLITE_RECENT_SLOTS 128

typedef struct sqlite_conn {
    sqlite3 *handle;
    int busy_timeout_ms;
    size_t cached;
    sqlite_cached_t *buckets[DB_STMT_CACHE_BUCKETS];
    struct {
        const char *sql;
        sqlite_cached_t *entry;
    } recent[SQLITE_RECENT_SLOTS];
} sqlite_conn_t;

typedef struct sqlite_rows {
    sqlite_conn_t *conn;
    sqlite3_stmt *stmt;
    sqlite_cached_t *entry; /* NULL: a one-use statement, finalized at the end */
} sqlite_rows_t;

static int sqlite_map(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return BUFFR_EBUSY;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
            rc == SQLITE_CONSTRAINT_ROWID)
            return BUFFR_ECONFLICT;
        return BUFFR_ECONSTRAINT;
    case SQLITE_NOMEM:
        return BUFFR_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
        return BUFFR_EIO;
    case SQLITE_RANGE:
    case SQLITE_MISUSE:
        return BUFFR_EINVAL;
    default:
        return BUFFR_EDB;
    }
}

static int sqlite_fail(sqlite_conn_t *c, int rc, const char *sql)
{
    int code = sqlite_map(rc);
    db_log_failure(code, "sqlite", c->handle ? sqlite3_errmsg(c->handle) : sqlite3_errstr(rc), sql);
    return code;
}

/* ---- connections ---- */

/* mkdir -p for the directory part of path. */
static int make_parent_dirs(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return BUFFR_ENOMEM;
    int rc = 0;
    for (char *p = copy + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0750) != 0 && errno != EEXIST) {
            log_error("db sqlite: cannot create directory %s: %s", copy, strerror(errno));
            rc = BUFFR_EIO;
            break;
        }
        *p = '/';
    }
    free(copy);
    return rc;
}

static void stmt_cache_clear(sqlite_conn_t *c)
{
    for (size_t b = 0; b < DB_STMT_CACHE_BUCKETS; b++) {
        sqlite_cached_t *e = c->buckets[b];
        while (e != NULL) {
            sqlite_cached_t *next = e->next;
            sqlite3_finalize(e->stmt);
            free(e->sql);
            free(e);
            e = next;
        }
        c->buckets[b] = NULL;
    }
    memset(c->recent, 0, sizeof(c->recent));
    c->cached = 0;
}

static void sqlite_disconnect(void *conn)
{
    sqlite_conn_t *c = conn;
    if (c == NULL)
        return;
    stmt_cache_clear(c);
    sqlite3_close_v2(c->handle);
    free(c);
}

/* Process-wide SQLite settings, before the first connection: no memory
 * statistics (they take a global mutex on every allocation, which threads
 * then queue on), and connections are each used by one thread at a time
 * (the pool), so SQLite's per-connection mutexes are not needed either. */
static pthread_once_t sqlite_setup_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_initialize();
}

static int sqlite_connect(const char *target, int busy_timeout_ms, void **out)
{
    *out = NULL;
    pthread_once(&sqlite_setup_once, sqlite_setup);
    int rc = make_parent_dirs(target);
    if (rc != 0)
        return rc;
    sqlite_conn_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return BUFFR_ENOMEM;
    c->busy_timeout_ms = busy_timeout_ms;
    int src = sqlite3_open_v2(
        target, &c->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        log_error("db sqlite: cannot open %s: %s", target,
                  c->handle ? sqlite3_errmsg(c->handle) : sqlite3_errstr(src));
        sqlite_disconnect(c);
        return BUFFR_EUNAVAILABLE;
    }
    sqlite3_extended_result_codes(c->handle, 1);
    /* The busy timeout first: switching to WAL takes a lock another
     * connection may hold for a moment. */
    sqlite3_busy_timeout(c->handle, busy_timeout_ms);
    src = sqlite3_exec(c->handle,
                       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                       "PRAGMA foreign_keys=ON;",
                       NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = sqlite_fail(c, src, "PRAGMA");
        sqlite_disconnect(c);
        return rc == BUFFR_EBUSY ? BUFFR_EUNAVAILABLE : rc;
    }
    *out = c;
    return 0;
}

/* ---- statements ---- */

static size_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return (size_t)(h % DB_STMT_CACHE_BUCKETS);
}

static bool only_blank(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != ';')
            return false;
    }
    return true;
}

static int stmt_prepare(sqlite_conn_t *c, const char *sql, bool persistent, sqlite3_stmt **out)
{
    *out = NULL;
    char *rewritten = NULL;
    int rc = db_sqlite_rewrite_params(sql, &rewritten);
    if (rc != 0)
        return rc;
    const char *tail = NULL;
    int src = sqlite3_prepare_v3(c->handle, rewritten, -1,
                                 persistent ? SQLITE_PREPARE_PERSISTENT : 0, out, &tail);
    if (src != SQLITE_OK) {
        free(rewritten);
        return sqlite_fail(c, src, sql);
    }
    bool extra = tail != NULL && !only_blank(tail);
    free(rewritten);
    if (*out == NULL || extra) {
        log_error("db sqlite: want exactly one statement: %.300s", sql);
        sqlite3_finalize(*out);
        *out = NULL;
        return BUFFR_EINVAL;
    }
    return 0;
}

/* A ready statement for sql: the cached one when free, else a one-use one
 * (*entry NULL). */
static int stmt_get(sqlite_conn_t *c, const char *sql, sqlite3_stmt **stmt, sqlite_cached_t **entry)
{
    *entry = NULL;
    size_t slot = ((uintptr_t)sql >> 3) & (SQLITE_RECENT_SLOTS - 1);
    sqlite_cached_t *e = NULL;
    if (c->recent[slot].sql == sql && strcmp(c->recent[slot].entry->sql, sql) == 0) {
        e = c->recent[slot].entry;
    } else {
        e = c->buckets[sql_hash(sql)];
        while (e != NULL && strcmp(e->sql, sql) != 0)
            e = e->next;
        if (e != NULL) {
            c->recent[slot].sql = sql;
            c->recent[slot].entry = e;
        }
    }
    if (e != NULL && !e->in_use) {
        e->in_use = true;
        *entry = e;
        *stmt = e->stmt;
        return 0;
    }
    if (e != NULL || c->cached >= DB_STMT_CACHE_MAX)
        return stmt_prepare(c, sql, false, stmt);

    int rc = stmt_prepare(c, sql, true, stmt);
    if (rc != 0)
        return rc;
    size_t b = sql_hash(sql);
    e = calloc(1, sizeof(*e));
    char *key = strdup(sql);
    if (e == NULL || key == NULL) {
        /* Still usable once, just not cached. */
        free(e);
        free(key);
        return 0;
    }
    e->sql = key;
    e->stmt = *stmt;
    e->in_use = true;
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->cached++;
    c->recent[slot].sql = sql;
    c->recent[slot].entry = e;
    *entry = e;
    return 0;
}

static void stmt_put(sqlite3_stmt *stmt, sqlite_cached_t *entry)
{
    if (entry == NULL) {
        sqlite3_finalize(stmt);
        return;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    entry->in_use = false;
}

/* Text is copied (SQLITE_TRANSIENT) unless the caller's strings outlive
 * the statement's use (copy false: an exec, reset before it returns). */
static int stmt_bind(sqlite_conn_t *c, sqlite3_stmt *stmt, const char *sql, const db_arg_t *args,
                     size_t nargs, bool copy)
{
    int wanted = sqlite3_bind_parameter_count(stmt);
    if ((size_t)wanted != nargs) {
        log_error("db sqlite: statement takes %d argument(s), given %zu: %.300s", wanted, nargs,
                  sql);
        return BUFFR_EINVAL;
    }
    for (size_t i = 0; i < nargs; i++) {
        int idx = (int)i + 1;
        int src;
        switch (args[i].kind) {
        case DB_ARG_TEXT:
            src = sqlite3_bind_text(stmt, idx, args[i].text ? args[i].text : "", -1,
                                    copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
            break;
        case DB_ARG_INT:
            src = sqlite3_bind_int64(stmt, idx, args[i].i);
            break;
        default:
            src = sqlite3_bind_null(stmt, idx);
            break;
        }
        if (src != SQLITE_OK)
            return sqlite_fail(c, src, sql);
    }
    return 0;
}

static int sqlite_exec(void *conn, const char *sql, const db_arg_t *args, size_t nargs,
                       int64_t *changes)
{
    sqlite_conn_t *c = conn;
    sqlite3_stmt *stmt = NULL;
    sqlite_cached_t *entry = NULL;
    int rc = stmt_get(c, sql, &stmt, &entry);
    if (rc != 0)
        return rc;
    rc = stmt_bind(c, stmt, sql, args, nargs, false);
    if (rc == 0) {
        int src;
        while ((src = sqlite3_step(stmt)) == SQLITE_ROW)
            ;
        if (src != SQLITE_DONE)
            rc = sqlite_fail(c, src, sql);
        else if (changes != NULL)
            *changes = sqlite3_changes(c->handle);
    }
    stmt_put(stmt, entry);
    return rc;
}

static int sqlite_query(void *conn, const char *sql, const db_arg_t *args, size_t nargs, void **out)
{
    *out = NULL;
    sqlite_conn_t *c = conn;
    sqlite_rows_t *rows = calloc(1, sizeof(*rows));
    if (rows == NULL)
        return BUFFR_ENOMEM;
    int rc = stmt_get(c, sql, &rows->stmt, &rows->entry);
    if (rc != 0) {
        free(rows);
        return rc;
    }
    rc = stmt_bind(c, rows->stmt, sql, args, nargs, true);
    if (rc != 0) {
        stmt_put(rows->stmt, rows->entry);
        free(rows);
        return rc;
    }
    rows->conn = c;
    *out = rows;
    return 0;
}

static int sqlite_next(void *impl)
{
    sqlite_rows_t *rows = impl;
    int src = sqlite3_step(rows->stmt);
    if (src == SQLITE_ROW)
        return 1;
    if (src == SQLITE_DONE)
        return 0;
    return sqlite_fail(rows->conn, src, sqlite3_sql(rows->stmt));
}

static int sqlite_ncols(void *impl)
{
    return sqlite3_column_count(((sqlite_rows_t *)impl)->stmt);
}

static const char *sqlite_text(void *impl, int col)
{
    return (const char *)sqlite3_column_text(((sqlite_rows_t *)impl)->stmt, col);
}

static int64_t sqlite_integer(void *impl, int col)
{
    return sqlite3_column_int64(((sqlite_rows_t *)impl)->stmt, col);
}

static bool sqlite_is_null(void *impl, int col)
{
    return sqlite3_column_type(((sqlite_rows_t *)impl)->stmt, col) == SQLITE_NULL;
}

static void sqlite_rows_free(void *impl)
{
    sqlite_rows_t *rows = impl;
    if (rows == NULL)
        return;
    stmt_put(rows->stmt, rows->entry);
    free(rows);
}

/* ---- transactions and scripts ---- */

static int sqlite_simple(sqlite_conn_t *c, const char *sql)
{
    int src = sqlite3_exec(c->handle, sql, NULL, NULL, NULL);
    return src == SQLITE_OK ? 0 : sqlite_fail(c, src, sql);
}

/* BEGIN and COMMIT run for every transaction: through the statement
 * cache, not parsed again by sqlite3_exec each time. */
static int sqlite_begin(void *conn, const char *tenant_id, int flags)
{
    (void)tenant_id; /* SQLite has no row-level security: db.c binds $1 */
    return sqlite_exec(conn, (flags & DB_WRITE) ? "BEGIN IMMEDIATE" : "BEGIN", NULL, 0, NULL);
}

static int sqlite_commit(void *conn)
{
    return sqlite_exec(conn, "COMMIT", NULL, 0, NULL);
}

static void sqlite_rollback(void *conn)
{
    sqlite_conn_t *c = conn;
    /* Some errors (SQLITE_FULL, SQLITE_IOERR) end the transaction already. */
    if (!sqlite3_get_autocommit(c->handle))
        sqlite_simple(c, "ROLLBACK");
}

/* Units of a group-commit batch (db.c) are nested in the batch's
 * BEGIN IMMEDIATE as savepoints, so one unit's failure undoes only its own
 * changes. */
static int sqlite_unit_begin(void *conn)
{
    /* Through the statement cache: these run for every batched unit. */
    return sqlite_exec(conn, "SAVEPOINT buffr_unit", NULL, 0, NULL);
}

static int sqlite_unit_end(void *conn, bool keep)
{
    sqlite_conn_t *c = conn;
    /* Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM) roll back the
     * whole transaction, savepoints and the other units with it. */
    if (sqlite3_get_autocommit(c->handle)) {
        db_log_failure(BUFFR_EDB, "sqlite", "a unit's failure ended the batch's transaction", NULL);
        return BUFFR_EDB;
    }
    if (!keep) {
        int rc = sqlite_exec(c, "ROLLBACK TO buffr_unit", NULL, 0, NULL);
        if (rc != 0)
            return rc;
    }
    return sqlite_exec(c, "RELEASE buffr_unit", NULL, 0, NULL);
}

static int sqlite_exec_script(void *conn, const char *sql)
{
    return sqlite_simple(conn, sql);
}

static int sqlite_table_exists(void *conn, const char *table, bool *exists)
{
    int64_t n = 0;
    const db_arg_t arg = DB_TEXT(table);
    sqlite_rows_t *rows = NULL;
    int rc =
        sqlite_query(conn, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
                     &arg, 1, (void **)&rows);
    if (rc != 0)
        return rc;
    rc = sqlite_next(rows);
    if (rc == 1) {
        n = sqlite_integer(rows, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = BUFFR_EDB;
    }
    sqlite_rows_free(rows);
    *exists = n > 0;
    return rc;
}

/* ---- backup ---- */

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void remove_with_suffix(const char *path, const char *suffix)
{
    char name[4096];
    if ((size_t)snprintf(name, sizeof(name), "%s%s", path, suffix) < sizeof(name))
        unlink(name);
}

/* Copy into path.tmp, then rename over path, so a reader of path never sees
 * a half-written copy. */
static int sqlite_backup(void *conn, const char *path)
{
    sqlite_conn_t *c = conn;
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (tmp == NULL)
        return BUFFR_ENOMEM;
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    /* Leftovers of an interrupted backup must not be mistaken for a hot
     * journal of the new copy. */
    remove_with_suffix(tmp, "-journal");
    remove_with_suffix(tmp, "-wal");
    unlink(tmp);

    sqlite3 *dest = NULL;
    int rc = 0;
    int src = sqlite3_open_v2(
        tmp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        log_error("db sqlite: backup cannot create %s: %s", tmp,
                  dest ? sqlite3_errmsg(dest) : sqlite3_errstr(src));
        rc = BUFFR_EIO;
        goto done;
    }
    sqlite3_backup *backup = sqlite3_backup_init(dest, "main", c->handle, "main");
    if (backup == NULL) {
        log_error("db sqlite: backup cannot start: %s", sqlite3_errmsg(dest));
        rc = BUFFR_EDB;
        goto done;
    }
    /* One step copies everything under one read snapshot; in WAL mode
     * writers carry on meanwhile. Busy only while another connection
     * checkpoints or changes the journal mode, so wait a little. */
    long waited_ms = 0;
    for (;;) {
        src = sqlite3_backup_step(backup, -1);
        if (src == SQLITE_DONE)
            break;
        if ((src == SQLITE_BUSY || src == SQLITE_LOCKED) && waited_ms < c->busy_timeout_ms) {
            sleep_ms(10);
            waited_ms += 10;
            continue;
        }
        if (src != SQLITE_OK) {
            log_error("db sqlite: backup failed: %s", sqlite3_errstr(src));
            rc = sqlite_map(src) == BUFFR_EBUSY ? BUFFR_EUNAVAILABLE : BUFFR_EIO;
            break;
        }
    }
    src = sqlite3_backup_finish(backup);
    if (rc == 0 && src != SQLITE_OK) {
        log_error("db sqlite: backup failed: %s", sqlite3_errmsg(dest));
        rc = BUFFR_EIO;
    }

done:
    if (dest != NULL && sqlite3_close(dest) != SQLITE_OK && rc == 0) {
        log_error("db sqlite: backup cannot close %s", tmp);
        rc = BUFFR_EIO;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        log_error("db sqlite: backup cannot rename %s to %s: %s", tmp, path, strerror(errno));
        rc = BUFFR_EIO;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

const db_driver_t db_sqlite_driver = {
    .backend = DB_SQLITE,
    .name = "sqlite",
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .next = sqlite_next,
    .ncols = sqlite_ncols,
    .text = sqlite_text,
    .integer = sqlite_integer,
    .is_null = sqlite_is_null,
    .rows_free = sqlite_rows_free,
    .exec_script = sqlite_exec_script,
    .table_exists = sqlite_table_exists,
    .backup = sqlite_backup,
    .unit_begin = sqlite_unit_begin,
    .unit_end = sqlite_unit_end,
};
