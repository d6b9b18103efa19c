/*
 * db_postgres.c - the PostgreSQL backend of the database layer (libpq):
 * connections, transactions that carry the tenant in app.tenant_id for
 * row-level security, named prepared statements cached per connection,
 * SQLSTATE mapping and reconnection after a lost connection.
 *
 * Not here: pooling, tenant scoping of arguments and retries (db.c), RLS
 * policies (migrate.c). Results are read whole (no single-row mode), so a
 * db_rows_t holds a PGresult.
 */
#include "db/db_internal.h"

#include "core/error.h"
#include "core/log.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_INT_TEXT_SIZE 24 /* "-9223372036854775808" + NUL */

typedef struct pg_cached {
    char *sql;
    char name[24]; /* "buffr_<n>", unique per connection */
    struct pg_cached *next;
} pg_cached_t;

typedef struct pg_conn {
    PGconn *handle;
    unsigned long next_id;
    size_t cached;
    pg_cached_t *buckets[DB_STMT_CACHE_BUCKETS];
} pg_conn_t;

typedef struct pg_rows {
    PGresult *result;
    int row; /* current row, -1 before the first db_next */
    int nrows;
} pg_rows_t;

/* ---- errors ---- */

static int pg_map_sqlstate(const char *state)
{
    if (state == NULL)
        return BUFFR_EDB;
    if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0)
        return BUFFR_ECONFLICT;
    if (strncmp(state, "23", 2) == 0)
        return BUFFR_ECONSTRAINT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return BUFFR_EBUSY;
    /* The server is going away or refusing sessions. Not 08P01 (protocol
     * violation, e.g. a wrong argument count): that is a caller's bug. */
    if (strcmp(state, "08000") == 0 || strcmp(state, "08003") == 0 || strcmp(state, "08006") == 0 ||
        strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0 ||
        strcmp(state, "53300") == 0)
        return BUFFR_EUNAVAILABLE;
    return BUFFR_EDB;
}

static void stmt_cache_clear(pg_conn_t *c)
{
    for (size_t b = 0; b < DB_STMT_CACHE_BUCKETS; b++) {
        pg_cached_t *e = c->buckets[b];
        while (e != NULL) {
            pg_cached_t *next = e->next;
            free(e->sql);
            free(e);
            e = next;
        }
        c->buckets[b] = NULL;
    }
    c->cached = 0;
}

/* After a lost connection: reconnect now so the next transaction on this
 * pooled connection works; this one is gone either way. Prepared statements
 * died with the old session. */
static void pg_reset(pg_conn_t *c)
{
    stmt_cache_clear(c);
    PQreset(c->handle);
    if (PQstatus(c->handle) == CONNECTION_OK)
        log_warn("db postgresql: connection lost and re-established");
    else
        log_error("db postgresql: connection lost; reconnect failed: %s",
                  PQerrorMessage(c->handle));
}

/* Turn a failed result (or none) into a code, logging the server's words. */
static int pg_fail(pg_conn_t *c, const PGresult *res, const char *sql)
{
    if (PQstatus(c->handle) == CONNECTION_BAD) {
        db_log_failure(BUFFR_EUNAVAILABLE, "postgresql", PQerrorMessage(c->handle), sql);
        pg_reset(c);
        return BUFFR_EUNAVAILABLE;
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = res ? pg_map_sqlstate(state) : BUFFR_ENOMEM;
    const char *message = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char text[400];
    snprintf(text, sizeof(text), "%s [%s]", message ? message : PQerrorMessage(c->handle),
             state ? state : "no sqlstate");
    db_log_failure(code, "postgresql", text, sql);
    if (code == BUFFR_EUNAVAILABLE)
        pg_reset(c); /* the session is ending: start a new one now */
    return code;
}

/* ---- connections ---- */

/* Notices ("relation already exists, skipping") would otherwise go to
 * stderr raw and break the JSON log. */
static void pg_notice(void *arg, const char *message)
{
    (void)arg;
    log_debug("db postgresql notice: %s", message);
}

static void pg_disconnect(void *conn)
{
    pg_conn_t *c = conn;
    if (c == NULL)
        return;
    stmt_cache_clear(c);
    PQfinish(c->handle);
    free(c);
}

static int pg_connect(const char *target, int busy_timeout_ms, void **out)
{
    (void)busy_timeout_ms;
    *out = NULL;
    pg_conn_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return BUFFR_ENOMEM;
    c->handle = PQconnectdb(target);
    if (c->handle == NULL) {
        free(c);
        return BUFFR_ENOMEM;
    }
    if (PQstatus(c->handle) != CONNECTION_OK) {
        /* The message may quote the host but never the password. */
        log_error("db postgresql: cannot connect: %s", PQerrorMessage(c->handle));
        pg_disconnect(c);
        return BUFFR_EUNAVAILABLE;
    }
    PQsetNoticeProcessor(c->handle, pg_notice, NULL);
    if (PQsetClientEncoding(c->handle, "UTF8") != 0) {
        log_error("db postgresql: cannot set client encoding UTF8");
        pg_disconnect(c);
        return BUFFR_EDB;
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

/* The cached statement's name for sql, preparing it on first use; NULL in
 * *name when the cache is full (the caller runs the statement unnamed). */
static int stmt_lookup(pg_conn_t *c, const char *sql, const char **name)
{
    *name = NULL;
    size_t b = sql_hash(sql);
    for (pg_cached_t *e = c->buckets[b]; e != NULL; e = e->next) {
        if (strcmp(e->sql, sql) == 0) {
            *name = e->name;
            return 0;
        }
    }
    if (c->cached >= DB_STMT_CACHE_MAX)
        return 0;
    pg_cached_t *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return BUFFR_ENOMEM;
    e->sql = strdup(sql);
    if (e->sql == NULL) {
        free(e);
        return BUFFR_ENOMEM;
    }
    snprintf(e->name, sizeof(e->name), "buffr_%lu", c->next_id++);
    /* Parameter types left to the server: it infers them from the SQL. */
    PGresult *res = PQprepare(c->handle, e->name, sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = pg_fail(c, res, sql);
        PQclear(res);
        free(e->sql);
        free(e);
        return rc;
    }
    PQclear(res);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->cached++;
    *name = e->name;
    return 0;
}

/* Run sql with args as text parameters; *out gets a successful result. */
static int pg_run(pg_conn_t *c, const char *sql, const db_arg_t *args, size_t nargs, PGresult **out)
{
    *out = NULL;
    if (nargs > 65535) {
        log_error("db postgresql: too many arguments (%zu)", nargs);
        return BUFFR_EINVAL;
    }
    const char *name = NULL;
    int rc = stmt_lookup(c, sql, &name);
    if (rc != 0)
        return rc;

    const char *stack_values[16];
    char stack_ints[16][PG_INT_TEXT_SIZE];
    const char **values = stack_values;
    char(*ints)[PG_INT_TEXT_SIZE] = stack_ints;
    if (nargs > 16) {
        values = malloc(nargs * sizeof(*values));
        ints = malloc(nargs * sizeof(*ints));
        if (values == NULL || ints == NULL) {
            free(values);
            free(ints);
            return BUFFR_ENOMEM;
        }
    }
    for (size_t i = 0; i < nargs; i++) {
        switch (args[i].kind) {
        case DB_ARG_TEXT:
            values[i] = args[i].text ? args[i].text : "";
            break;
        case DB_ARG_INT:
            snprintf(ints[i], PG_INT_TEXT_SIZE, "%" PRId64, args[i].i);
            values[i] = ints[i];
            break;
        default:
            values[i] = NULL;
            break;
        }
    }
    PGresult *res;
    if (name != NULL)
        res = PQexecPrepared(c->handle, name, (int)nargs, values, NULL, NULL, 0);
    else
        res = PQexecParams(c->handle, sql, (int)nargs, NULL, values, NULL, NULL, 0);
    if (values != stack_values) {
        free(values);
        free(ints);
    }
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        rc = pg_fail(c, res, sql);
        PQclear(res);
        return rc;
    }
    *out = res;
    return 0;
}

static int pg_exec(void *conn, const char *sql, const db_arg_t *args, size_t nargs,
                   int64_t *changes)
{
    PGresult *res = NULL;
    int rc = pg_run(conn, sql, args, nargs, &res);
    if (rc != 0)
        return rc;
    if (changes != NULL) {
        const char *n = PQcmdTuples(res);
        *changes = (n && *n) ? strtoll(n, NULL, 10) : 0;
    }
    PQclear(res);
    return 0;
}

static int pg_query(void *conn, const char *sql, const db_arg_t *args, size_t nargs, void **out)
{
    *out = NULL;
    pg_rows_t *rows = calloc(1, sizeof(*rows));
    if (rows == NULL)
        return BUFFR_ENOMEM;
    int rc = pg_run(conn, sql, args, nargs, &rows->result);
    if (rc != 0) {
        free(rows);
        return rc;
    }
    rows->row = -1;
    rows->nrows = PQntuples(rows->result);
    *out = rows;
    return 0;
}

static int pg_next(void *impl)
{
    pg_rows_t *rows = impl;
    if (rows->row + 1 >= rows->nrows) {
        rows->row = rows->nrows;
        return 0;
    }
    rows->row++;
    return 1;
}

static int pg_ncols(void *impl)
{
    return PQnfields(((pg_rows_t *)impl)->result);
}

static bool pg_on_row(const pg_rows_t *rows)
{
    return rows->row >= 0 && rows->row < rows->nrows;
}

static const char *pg_text(void *impl, int col)
{
    pg_rows_t *rows = impl;
    if (!pg_on_row(rows) || PQgetisnull(rows->result, rows->row, col))
        return NULL;
    return PQgetvalue(rows->result, rows->row, col);
}

static int64_t pg_integer(void *impl, int col)
{
    const char *text = pg_text(impl, col);
    if (text == NULL)
        return 0;
    /* Booleans come back as t/f; treat them like SQLite's 1/0. */
    if (strcmp(text, "t") == 0)
        return 1;
    if (strcmp(text, "f") == 0)
        return 0;
    return strtoll(text, NULL, 10);
}

static bool pg_is_null(void *impl, int col)
{
    pg_rows_t *rows = impl;
    return !pg_on_row(rows) || PQgetisnull(rows->result, rows->row, col);
}

static void pg_rows_free(void *impl)
{
    pg_rows_t *rows = impl;
    if (rows == NULL)
        return;
    PQclear(rows->result);
    free(rows);
}

/* ---- transactions and scripts ---- */

/* Constant SQL without parameters (may hold several statements). */
static int pg_simple(pg_conn_t *c, const char *sql)
{
    PGresult *res = PQexec(c->handle, sql);
    ExecStatusType status = PQresultStatus(res);
    int rc = 0;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        rc = pg_fail(c, res, sql);
    PQclear(res);
    return rc;
}

static int pg_begin(void *conn, const char *tenant_id, int flags)
{
    (void)flags; /* READ COMMITTED for both: row locks order the writers */
    pg_conn_t *c = conn;
    const char *begin = tenant_id ? "BEGIN" : "BEGIN; SELECT set_config('app.system', 'on', true)";
    int rc = pg_simple(c, begin);
    /* A pooled connection may have died while idle (server restart, idle
     * timeout). Nothing has run yet, so once pg_fail has reconnected,
     * beginning again is safe and spares the caller an error. */
    if (rc == BUFFR_EUNAVAILABLE && PQstatus(c->handle) == CONNECTION_OK)
        rc = pg_simple(c, begin);
    if (rc != 0 || tenant_id == NULL)
        return rc;
    /* Transaction-local: the row-level security policies read it, and it
     * cannot outlive this transaction on a pooled connection. */
    const db_arg_t arg = DB_TEXT(tenant_id);
    PGresult *res = NULL;
    rc = pg_run(c, "SELECT set_config('app.tenant_id', $1, true)", &arg, 1, &res);
    PQclear(res);
    return rc;
}

static int pg_commit(void *conn)
{
    pg_conn_t *c = conn;
    PGresult *res = PQexec(c->handle, "COMMIT");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_fail(c, res, "COMMIT");
    } else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
        /* The server had already aborted the transaction. */
        db_log_failure(BUFFR_EDB, "postgresql", "commit of an aborted transaction rolled back",
                       NULL);
        rc = BUFFR_EDB;
    }
    PQclear(res);
    return rc;
}

static void pg_rollback(void *conn)
{
    pg_conn_t *c = conn;
    if (PQstatus(c->handle) != CONNECTION_OK)
        return; /* nothing to roll back on a fresh or dead session */
    PGTransactionStatusType ts = PQtransactionStatus(c->handle);
    if (ts == PQTRANS_IDLE)
        return;
    pg_simple(c, "ROLLBACK");
    if (PQtransactionStatus(c->handle) != PQTRANS_IDLE) {
        /* Never hand a connection stuck in a transaction back to the pool. */
        pg_reset(c);
    }
}

static int pg_exec_script(void *conn, const char *sql)
{
    return pg_simple(conn, sql);
}

static int pg_table_exists(void *conn, const char *table, bool *exists)
{
    *exists = false;
    const db_arg_t arg = DB_TEXT(table);
    PGresult *res = NULL;
    int rc = pg_run(conn, "SELECT to_regclass($1) IS NOT NULL", &arg, 1, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1)
        *exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return 0;
}

const db_driver_t db_postgres_driver = {
    .backend = DB_POSTGRES,
    .name = "postgresql",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .exec = pg_exec,
    .query = pg_query,
    .next = pg_next,
    .ncols = pg_ncols,
    .text = pg_text,
    .integer = pg_integer,
    .is_null = pg_is_null,
    .rows_free = pg_rows_free,
    .exec_script = pg_exec_script,
    .table_exists = pg_table_exists,
    .backup = NULL,
};
