/*
 * test_db.c - unit tests of the database layer (db.h, migrate.h), run once
 * against SQLite (a temporary file) and, when BUFFR_TEST_PG_URL is set,
 * once more against PostgreSQL (in a private schema, dropped and recreated
 * at the start, so reruns are clean and other tests' tables are untouched).
 *
 * Start a PostgreSQL cluster for it with scripts/pg-test-cluster.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/uuid.h"
#include "db/db.h"
#include "db/db_internal.h"
#include "db/migrate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG_TEST_SCHEMA "buffr_unit_db"

static db_t *g_db;
static char g_url[1024];
static char g_dir[256]; /* SQLite: temporary directory, "" on PostgreSQL */
static char g_tenant_a[UUID_BUF_SIZE];
static char g_tenant_b[UUID_BUF_SIZE];
static int g_first_applied;

/* ---- the schema under test ---- */

static const db_migration_t test_migrations[] = {
    /* Listed out of order on purpose: the runner sorts by version. */
    {
        .version = 2026010102,
        .name = "counter",
        .sql = "CREATE TABLE tdb_counter (tenant_id TEXT PRIMARY KEY, n BIGINT NOT NULL);",
        .tenant_tables = "tdb_counter",
    },
    {
        .version = 2026010101,
        .name = "items",
        .sql = "CREATE TABLE tdb_items ("
               " id TEXT PRIMARY KEY,"
               " tenant_id TEXT NOT NULL,"
               " name TEXT NOT NULL,"
               " qty BIGINT NOT NULL CHECK (qty >= 0),"
               " UNIQUE (tenant_id, name));"
               "CREATE INDEX tdb_items_qty ON tdb_items (tenant_id, qty);",
        .tenant_tables = "tdb_items",
    },
    {
        .version = 2026010103,
        .name = "plain and dialects",
        .sql = "CREATE TABLE tdb_plain (id BIGINT PRIMARY KEY, note TEXT)",
        .sqlite_sql = "CREATE TABLE tdb_only_sqlite (x BIGINT)",
        .postgres_sql = "CREATE TABLE tdb_only_postgres (x BIGINT); "
                        "COMMENT ON TABLE tdb_only_postgres IS 'dialect check'",
    },
};
#define TEST_MIGRATIONS_N (sizeof(test_migrations) / sizeof(test_migrations[0]))

/* ---- helpers ---- */

static int exec_system(const char *sql)
{
    db_tx_t *tx = NULL;
    int rc = db_begin_system(g_db, DB_WRITE, &tx);
    if (rc != 0)
        return rc;
    rc = db_exec(tx, sql, DB_NOARGS, NULL);
    if (rc != 0) {
        db_rollback(tx);
        return rc;
    }
    return db_commit(tx);
}

static void clean_tables(void)
{
    assert_int_equal(exec_system("DELETE FROM tdb_items"), 0);
    assert_int_equal(exec_system("DELETE FROM tdb_counter"), 0);
    assert_int_equal(exec_system("DELETE FROM tdb_plain"), 0);
}

static int64_t count_system(const char *sql)
{
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin_system(g_db, DB_READ, &tx), 0);
    int64_t n = -1;
    assert_int_equal(db_query_int(tx, sql, DB_NOARGS, &n), 0);
    assert_int_equal(db_commit(tx), 0);
    return n;
}

static int insert_item(const char *tenant, const char *name, int64_t qty)
{
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    db_tx_t *tx = NULL;
    int rc = db_begin(g_db, tenant, DB_WRITE, &tx);
    if (rc != 0)
        return rc;
    rc = db_exec(tx, "INSERT INTO tdb_items (tenant_id, id, name, qty) VALUES ($1, $2, $3, $4)",
                 DB_ARGS(DB_TEXT(id), DB_TEXT(name), DB_INT(qty)), NULL);
    if (rc != 0) {
        db_rollback(tx);
        return rc;
    }
    return db_commit(tx);
}

static bool is_postgres(void)
{
    return db_backend(g_db) == DB_POSTGRES;
}

/* ---- group setup ---- */

static void new_tenants(void)
{
    uuid_v7_new(g_tenant_a);
    uuid_v7_new(g_tenant_b);
}

static int migrate_fresh(void)
{
    g_first_applied = -1;
    int rc = db_migrate(g_db, test_migrations, TEST_MIGRATIONS_N, &g_first_applied);
    if (rc != 0) {
        fprintf(stderr, "migration failed: %s\n", buffr_strerror(rc));
        return -1;
    }
    return 0;
}

static int sqlite_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/buffr-test-db-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    /* A missing sub-directory: db_open must create it. */
    snprintf(g_url, sizeof(g_url), "sqlite:%s/sub/test.db", g_dir);
    new_tenants();
    if (db_open(g_url, NULL, &g_db) != 0)
        return -1;
    return migrate_fresh();
}

static int postgres_setup(void **state)
{
    (void)state;
    const char *base = getenv("BUFFR_TEST_PG_URL");
    g_dir[0] = '\0';
    new_tenants();
    /* A fresh private schema; its name goes into every connection's
     * search_path through libpq's options parameter. */
    db_t *admin = NULL;
    if (db_open(base, NULL, &admin) != 0)
        return -1;
    db_tx_t *tx = NULL;
    int rc = db_begin_system(admin, DB_WRITE, &tx);
    if (rc == 0)
        rc = db_exec(tx, "DROP SCHEMA IF EXISTS " PG_TEST_SCHEMA " CASCADE", DB_NOARGS, NULL);
    if (rc == 0)
        rc = db_exec(tx, "CREATE SCHEMA " PG_TEST_SCHEMA, DB_NOARGS, NULL);
    if (rc == 0)
        rc = db_commit(tx);
    else
        db_rollback(tx);
    db_close(admin);
    if (rc != 0)
        return -1;
    snprintf(g_url, sizeof(g_url), "%s%soptions=-csearch_path%%3D" PG_TEST_SCHEMA, base,
             strchr(base, '?') ? "&" : "?");
    if (db_open(g_url, NULL, &g_db) != 0)
        return -1;
    return migrate_fresh();
}

static void remove_sqlite_files(const char *path)
{
    const char *suffixes[] = {"", "-wal", "-shm", "-journal", ".tmp"};
    char file[512];
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
        unlink(file);
    }
}

static int group_teardown(void **state)
{
    (void)state;
    db_close(g_db);
    g_db = NULL;
    if (g_dir[0] != '\0') {
        char path[512];
        snprintf(path, sizeof(path), "%s/sub/test.db", g_dir);
        remove_sqlite_files(path);
        snprintf(path, sizeof(path), "%s/backup.db", g_dir);
        remove_sqlite_files(path);
        snprintf(path, sizeof(path), "%s/sub", g_dir);
        rmdir(path);
        rmdir(g_dir);
    }
    return 0;
}

/* ---- pure helpers ---- */

static void test_rewrite_params(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        {"SELECT $1", "SELECT ?1"},
        {"a = $1 AND b = $2 AND c = $10", "a = ?1 AND b = ?2 AND c = ?10"},
        {"SELECT '$1', \"$2\", $3", "SELECT '$1', \"$2\", ?3"},
        {"SELECT 'it''s $1' || $1", "SELECT 'it''s $1' || ?1"},
        {"SELECT $1 -- $2\n, $3 /* $4 */ , $5", "SELECT ?1 -- $2\n, ?3 /* $4 */ , ?5"},
        {"SELECT '$1 unterminated", "SELECT '$1 unterminated"},
        {"SELECT $ , $a, $1", "SELECT $ , $a, ?1"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        assert_int_equal(db_sqlite_rewrite_params(cases[i].in, &out), 0);
        assert_string_equal(out, cases[i].out);
        free(out);
    }
}

static void test_uses_param1(void **state)
{
    (void)state;
    assert_true(db_sql_uses_param1("SELECT * FROM t WHERE tenant_id = $1"));
    assert_true(db_sql_uses_param1("x = $1"));
    assert_true(db_sql_uses_param1("$1"));
    assert_true(db_sql_uses_param1("a = $12 AND b = $1 AND c = $2"));
    assert_true(db_sql_uses_param1("VALUES ($1,$2)"));
    assert_false(db_sql_uses_param1("SELECT * FROM t"));
    assert_false(db_sql_uses_param1("WHERE a = $10"));
    assert_false(db_sql_uses_param1("WHERE a = $2 AND b = $21"));
    assert_false(db_sql_uses_param1("WHERE a = '$1'"));
    assert_false(db_sql_uses_param1("WHERE \"$1\" = 2"));
    assert_false(db_sql_uses_param1("WHERE a = 2 -- $1"));
    assert_false(db_sql_uses_param1("WHERE a = 2 /* $1 */"));
}

static void test_open_rejects_bad_urls(void **state)
{
    (void)state;
    db_t *db = (db_t *)1;
    assert_int_equal(db_open("mysql://x", NULL, &db), BUFFR_EINVAL);
    assert_null(db);
    assert_int_equal(db_open("sqlite:", NULL, &db), BUFFR_EINVAL);
    assert_int_equal(db_open("sqlite::memory:", NULL, &db), BUFFR_EINVAL);
    assert_int_equal(db_open(NULL, NULL, &db), BUFFR_EINVAL);
}

/* ---- backend tests ---- */

static void test_ping_and_names(void **state)
{
    (void)state;
    assert_int_equal(db_ping(g_db), 0);
    if (is_postgres())
        assert_string_equal(db_backend_name(g_db), "postgresql");
    else
        assert_string_equal(db_backend_name(g_db), "sqlite");
}

static void test_literals_not_rewritten(void **state)
{
    (void)state;
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin_system(g_db, DB_READ, &tx), 0);
    db_rows_t *rows = NULL;
    assert_int_equal(db_query(tx,
                              "SELECT '$1 and ''$2''', CAST($1 AS TEXT), \"x\" FROM "
                              "(SELECT 5 AS \"x\") AS sub",
                              DB_ARGS(DB_TEXT("bound")), &rows),
                     0);
    assert_int_equal(db_next(rows), 1);
    assert_int_equal(db_ncols(rows), 3);
    assert_string_equal(db_text(rows, 0), "$1 and '$2'");
    assert_string_equal(db_text(rows, 1), "bound");
    assert_int_equal(db_int(rows, 2), 5);
    assert_int_equal(db_next(rows), 0);
    db_rows_free(rows);
    assert_int_equal(db_commit(tx), 0);
}

static void test_tenant_tx_requires_param1(void **state)
{
    (void)state;
    clean_tables();
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin(g_db, NULL, DB_WRITE, &tx), BUFFR_EINVAL);
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_WRITE, &tx), 0);
    assert_string_equal(db_tx_tenant(tx), g_tenant_a);
    assert_int_equal(db_tx_backend(tx), db_backend(g_db));
    /* A statement without the tenant filter is refused before running... */
    int64_t changes = 7;
    assert_int_equal(db_exec(tx, "DELETE FROM tdb_items", DB_NOARGS, &changes), BUFFR_EINVAL);
    assert_int_equal(changes, 0);
    /* ...and the transaction is spent: it can only roll back. */
    int64_t n = 0;
    assert_int_equal(
        db_query_int(tx, "SELECT count(*) FROM tdb_items WHERE tenant_id = $1", DB_NOARGS, &n),
        BUFFR_EINVAL);
    assert_int_equal(db_commit(tx), BUFFR_EINVAL);

    /* Using only the caller's arguments ($2...) is not enough either. */
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_WRITE, &tx), 0);
    assert_int_equal(
        db_exec(tx, "DELETE FROM tdb_items WHERE name = $2", DB_ARGS(DB_TEXT("x")), NULL),
        BUFFR_EINVAL);
    db_rollback(tx);

    /* $10 is not $1, nor is a $1 inside a literal. */
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_READ, &tx), 0);
    db_rows_t *rows = NULL;
    assert_int_equal(db_query(tx, "SELECT '$1' FROM tdb_items", DB_NOARGS, &rows), BUFFR_EINVAL);
    assert_null(rows);
    db_rollback(tx);

    /* A system transaction takes the SQL as it is. */
    assert_int_equal(db_begin_system(g_db, DB_READ, &tx), 0);
    assert_null(db_tx_tenant(tx));
    assert_int_equal(db_query_int(tx, "SELECT count(*) FROM tdb_items", DB_NOARGS, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(db_commit(tx), 0);
}

static void list_names(const char *tenant, char *out, size_t size)
{
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin(g_db, tenant, DB_READ, &tx), 0);
    db_rows_t *rows = NULL;
    assert_int_equal(db_query(tx,
                              "SELECT name, qty FROM tdb_items WHERE tenant_id = $1 ORDER BY name",
                              DB_NOARGS, &rows),
                     0);
    out[0] = '\0';
    int rc;
    while ((rc = db_next(rows)) == 1) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s=%lld", len ? "," : "", db_text(rows, 0),
                 (long long)db_int(rows, 1));
    }
    assert_int_equal(rc, 0);
    db_rows_free(rows);
    assert_int_equal(db_commit(tx), 0);
}

static void test_tenant_scoping(void **state)
{
    (void)state;
    clean_tables();
    assert_int_equal(insert_item(g_tenant_a, "apple", 1), 0);
    assert_int_equal(insert_item(g_tenant_a, "pear", 2), 0);
    assert_int_equal(insert_item(g_tenant_b, "apple", 30), 0); /* same name, other tenant */

    char names[256];
    list_names(g_tenant_a, names, sizeof(names));
    assert_string_equal(names, "apple=1,pear=2");
    list_names(g_tenant_b, names, sizeof(names));
    assert_string_equal(names, "apple=30");

    /* B's update through its own scope leaves A's rows alone. */
    db_tx_t *tx = NULL;
    int64_t changes = 0;
    assert_int_equal(db_begin(g_db, g_tenant_b, DB_WRITE, &tx), 0);
    assert_int_equal(db_exec(tx, "UPDATE tdb_items SET qty = qty + $2 WHERE tenant_id = $1",
                             DB_ARGS(DB_INT(5)), &changes),
                     0);
    assert_int_equal(changes, 1);
    assert_int_equal(db_commit(tx), 0);
    list_names(g_tenant_a, names, sizeof(names));
    assert_string_equal(names, "apple=1,pear=2");
    list_names(g_tenant_b, names, sizeof(names));
    assert_string_equal(names, "apple=35");

    assert_int_equal(count_system("SELECT count(*) FROM tdb_items"), 3);
}

/* PostgreSQL only: even a query that does not filter on tenant_id sees and
 * touches only its tenant's rows, because row-level security does. */
static void test_row_level_security(void **state)
{
    (void)state;
    if (!is_postgres()) {
        skip();
        return;
    }
    clean_tables();
    assert_int_equal(insert_item(g_tenant_a, "a1", 1), 0);
    assert_int_equal(insert_item(g_tenant_a, "a2", 1), 0);
    assert_int_equal(insert_item(g_tenant_b, "b1", 1), 0);

    db_tx_t *tx = NULL;
    int64_t n = -1;
    assert_int_equal(db_begin(g_db, g_tenant_b, DB_READ, &tx), 0);
    assert_int_equal(db_query_int(tx,
                                  "SELECT count(*) FROM tdb_items WHERE CAST($1 AS TEXT) IS "
                                  "NOT NULL",
                                  DB_NOARGS, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(db_commit(tx), 0);

    int64_t changes = -1;
    assert_int_equal(db_begin(g_db, g_tenant_b, DB_WRITE, &tx), 0);
    assert_int_equal(db_exec(tx, "UPDATE tdb_items SET qty = 9 WHERE CAST($1 AS TEXT) IS NOT NULL",
                             DB_NOARGS, &changes),
                     0);
    assert_int_equal(changes, 1);
    assert_int_equal(db_commit(tx), 0);

    /* Writing a row for another tenant is refused by the policy's check. */
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    assert_int_equal(db_begin(g_db, g_tenant_b, DB_WRITE, &tx), 0);
    int rc = db_exec(tx,
                     "INSERT INTO tdb_items (tenant_id, id, name, qty) "
                     "SELECT $2, $3, 'sneaky', 1 WHERE CAST($1 AS TEXT) IS NOT NULL",
                     DB_ARGS(DB_TEXT(g_tenant_a), DB_TEXT(id)), NULL);
    assert_int_equal(rc, BUFFR_EDB);
    db_rollback(tx);

    assert_int_equal(count_system("SELECT count(*) FROM tdb_items WHERE qty = 9"), 1);
    assert_int_equal(count_system("SELECT count(*) FROM tdb_items"), 3);
}

static void test_unique_violation_is_conflict(void **state)
{
    (void)state;
    clean_tables();
    assert_int_equal(insert_item(g_tenant_a, "twin", 1), 0);
    assert_int_equal(insert_item(g_tenant_a, "twin", 2), BUFFR_ECONFLICT);

    /* Primary key too. */
    assert_int_equal(exec_system("INSERT INTO tdb_plain (id, note) VALUES (1, 'x')"), 0);
    assert_int_equal(exec_system("INSERT INTO tdb_plain (id, note) VALUES (1, 'y')"),
                     BUFFR_ECONFLICT);
}

static void test_check_violation_is_constraint(void **state)
{
    (void)state;
    clean_tables();
    assert_int_equal(insert_item(g_tenant_a, "negative", -1), BUFFR_ECONSTRAINT);
    /* NOT NULL */
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_WRITE, &tx), 0);
    assert_int_equal(db_exec(tx,
                             "INSERT INTO tdb_items (tenant_id, id, name, qty) "
                             "VALUES ($1, $2, $3, 1)",
                             DB_ARGS(DB_TEXT("id-1"), DB_NULL), NULL),
                     BUFFR_ECONSTRAINT);
    /* The failure sticks to the transaction, commit included. */
    assert_int_equal(db_commit(tx), BUFFR_ECONSTRAINT);
    assert_int_equal(count_system("SELECT count(*) FROM tdb_items"), 0);
}

static void test_rollback_discards(void **state)
{
    (void)state;
    clean_tables();
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_WRITE, &tx), 0);
    assert_int_equal(db_exec(tx,
                             "INSERT INTO tdb_items (tenant_id, id, name, qty) "
                             "VALUES ($1, 'r1', 'gone', 1)",
                             DB_NOARGS, NULL),
                     0);
    int64_t n = 0;
    assert_int_equal(
        db_query_int(tx, "SELECT count(*) FROM tdb_items WHERE tenant_id = $1", DB_NOARGS, &n), 0);
    assert_int_equal(n, 1); /* visible inside */
    db_rollback(tx);
    assert_int_equal(count_system("SELECT count(*) FROM tdb_items"), 0);

    /* A failed statement after a good one takes the good one down too. */
    assert_int_equal(insert_item(g_tenant_a, "kept", 1), 0);
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_WRITE, &tx), 0);
    assert_int_equal(db_exec(tx,
                             "INSERT INTO tdb_items (tenant_id, id, name, qty) "
                             "VALUES ($1, 'r2', 'first', 1)",
                             DB_NOARGS, NULL),
                     0);
    assert_int_equal(db_exec(tx,
                             "INSERT INTO tdb_items (tenant_id, id, name, qty) "
                             "VALUES ($1, 'r3', 'kept', 1)",
                             DB_NOARGS, NULL),
                     BUFFR_ECONFLICT);
    assert_int_equal(db_commit(tx), BUFFR_ECONFLICT);
    assert_int_equal(count_system("SELECT count(*) FROM tdb_items"), 1);
    db_rollback(NULL); /* safe */
}

static void test_migrations_apply_once(void **state)
{
    (void)state;
    assert_int_equal(g_first_applied, (int)TEST_MIGRATIONS_N);
    int64_t version = 0;
    assert_int_equal(db_schema_version(g_db, &version), 0);
    assert_int_equal(version, 2026010103);
    assert_int_equal(count_system("SELECT count(*) FROM schema_migrations"), 3);
    assert_int_equal(count_system("SELECT count(*) FROM schema_migrations WHERE version = "
                                  "2026010101 AND name = 'items' AND applied_at > 1700000000"),
                     1);

    int applied = -1;
    assert_int_equal(db_migrate(g_db, test_migrations, TEST_MIGRATIONS_N, &applied), 0);
    assert_int_equal(applied, 0);

    /* Only this backend's dialect SQL ran. */
    db_tx_t *tx = NULL;
    bool sqlite_table = true, postgres_table = true;
    assert_int_equal(db_begin_system(g_db, DB_READ, &tx), 0);
    assert_int_equal(db_table_exists(tx, "tdb_only_sqlite", &sqlite_table), 0);
    assert_int_equal(db_table_exists(tx, "tdb_only_postgres", &postgres_table), 0);
    assert_int_equal(db_commit(tx), 0);
    assert_true(sqlite_table == !is_postgres());
    assert_true(postgres_table == is_postgres());

    /* One more, appended later. */
    db_migration_t more[TEST_MIGRATIONS_N + 1];
    memcpy(more, test_migrations, sizeof(test_migrations));
    more[TEST_MIGRATIONS_N] = (db_migration_t){
        .version = 2026010104,
        .name = "extra",
        .sql = "CREATE TABLE tdb_extra (tenant_id TEXT NOT NULL, v BIGINT)",
        .tenant_tables = "tdb_extra",
    };
    assert_int_equal(db_migrate(g_db, more, TEST_MIGRATIONS_N + 1, &applied), 0);
    assert_int_equal(applied, 1);
    assert_int_equal(db_schema_version(g_db, &version), 0);
    assert_int_equal(version, 2026010104);
    assert_int_equal(db_migrate(g_db, more, TEST_MIGRATIONS_N + 1, &applied), 0);
    assert_int_equal(applied, 0);

    /* Bad lists are refused before anything runs. */
    db_migration_t bad[2] = {
        {.version = 2026010201, .name = "dup", .sql = "CREATE TABLE tdb_never (x BIGINT)"},
        {.version = 2026010201, .name = "dup2", .sql = "CREATE TABLE tdb_never2 (x BIGINT)"},
    };
    assert_int_equal(db_migrate(g_db, bad, 2, &applied), BUFFR_EINVAL);
    assert_int_equal(applied, 0);
    bad[1].version = 2026010202;
    bad[1].tenant_tables = "ok_table, bad;table";
    assert_int_equal(db_migrate(g_db, bad, 2, &applied), BUFFR_EINVAL);
    assert_int_equal(db_schema_version(g_db, &version), 0);
    assert_int_equal(version, 2026010104);

    /* A failing migration is not recorded and stops the run. */
    db_migration_t failing[1] = {
        {.version = 2026010301, .name = "broken", .sql = "CREATE TABLE tdb_items (x BIGINT)"},
    };
    assert_int_not_equal(db_migrate(g_db, failing, 1, &applied), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(db_schema_version(g_db, &version), 0);
    assert_int_equal(version, 2026010104);
}

typedef struct busy_ctx {
    int calls;
    int busy_times;
    int id_base; /* row id = id_base + call number */
} busy_ctx_t;

static int busy_then_insert(db_tx_t *tx, void *ctx)
{
    busy_ctx_t *b = ctx;
    b->calls++;
    int rc = db_exec(tx, "INSERT INTO tdb_plain (id, note) VALUES ($1, 'attempt')",
                     DB_ARGS(DB_INT(b->id_base + b->calls)), NULL);
    if (rc != 0)
        return rc;
    return b->calls <= b->busy_times ? BUFFR_EBUSY : 0;
}

static void test_transact_retries_busy(void **state)
{
    (void)state;
    clean_tables();
    db_stats_t before, after;
    db_get_stats(g_db, &before);
    busy_ctx_t ctx = {.busy_times = 2};
    assert_int_equal(db_transact(g_db, NULL, DB_WRITE, busy_then_insert, &ctx), 0);
    assert_int_equal(ctx.calls, 3);
    db_get_stats(g_db, &after);
    assert_int_equal(after.retries - before.retries, 2);
    /* Only the last attempt's row survived. */
    assert_int_equal(count_system("SELECT count(*) FROM tdb_plain"), 1);
    assert_int_equal(count_system("SELECT id FROM tdb_plain"), 3);

    /* Always busy: gives up after max_retries (default 8) re-runs. */
    ctx = (busy_ctx_t){.busy_times = 1000, .id_base = 100};
    assert_int_equal(db_transact(g_db, NULL, DB_WRITE, busy_then_insert, &ctx), BUFFR_EBUSY);
    assert_int_equal(ctx.calls, 9);

    /* Other errors are returned at once. */
    ctx = (busy_ctx_t){.busy_times = 0, .id_base = 2}; /* inserts id 3 again */
    assert_int_equal(db_transact(g_db, NULL, DB_WRITE, busy_then_insert, &ctx), BUFFR_ECONFLICT);
    assert_int_equal(ctx.calls, 1);
    assert_int_equal(count_system("SELECT count(*) FROM tdb_plain"), 1);
}

static int increment_counter(db_tx_t *tx, void *ctx)
{
    (void)ctx;
    int64_t changes = 0;
    int rc =
        db_exec(tx, "UPDATE tdb_counter SET n = n + 1 WHERE tenant_id = $1", DB_NOARGS, &changes);
    if (rc == 0 && changes != 1)
        rc = BUFFR_ENOTFOUND;
    return rc;
}

#define WRITER_THREADS 16
#define WRITER_ROUNDS  50

static void *writer_thread(void *arg)
{
    int *failures = arg;
    for (int i = 0; i < WRITER_ROUNDS; i++) {
        if (db_transact(g_db, g_tenant_a, DB_WRITE, increment_counter, NULL) != 0)
            (*failures)++;
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    clean_tables();
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_WRITE, &tx), 0);
    assert_int_equal(
        db_exec(tx, "INSERT INTO tdb_counter (tenant_id, n) VALUES ($1, 0)", DB_NOARGS, NULL), 0);
    assert_int_equal(db_commit(tx), 0);

    db_stats_t before, after;
    db_get_stats(g_db, &before);
    pthread_t threads[WRITER_THREADS];
    int failures[WRITER_THREADS] = {0};
    for (int i = 0; i < WRITER_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, writer_thread, &failures[i]), 0);
    for (int i = 0; i < WRITER_THREADS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(failures[i], 0);
    }
    db_get_stats(g_db, &after);
    assert_true(after.transactions - before.transactions >= WRITER_THREADS * WRITER_ROUNDS);
    assert_int_equal(after.pool_in_use, 0);
    uint64_t batches = after.write_batches - before.write_batches;
    uint64_t units = after.batched_units - before.batched_units;
    if (is_postgres()) {
        assert_int_equal(batches, 0); /* no group commit there */
        assert_int_equal(units, 0);
    } else {
        /* Group commit: every unit went through a batch, and concurrent
         * writers shared them. */
        assert_true(units >= WRITER_THREADS * WRITER_ROUNDS);
        assert_true(batches > 0);
        assert_true(batches * 2 <= units);
    }

    int64_t n = 0;
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_READ, &tx), 0);
    assert_int_equal(
        db_query_int(tx, "SELECT n FROM tdb_counter WHERE tenant_id = $1", DB_NOARGS, &n), 0);
    assert_int_equal(db_commit(tx), 0);
    assert_int_equal(n, WRITER_THREADS * WRITER_ROUNDS);
}

/* ---- group commit (SQLite) ----
 *
 * To put units in one batch for sure, a first unit holds the batch it leads
 * open (on a gate) while the others queue behind it, one at a time so their
 * order is known; opening the gate lets the next leader take them all. */

typedef struct gate {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool entered;
    bool open;
} gate_t;

static gate_t g_gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};

static int gated_unit(db_tx_t *tx, void *ctx)
{
    gate_t *g = ctx;
    pthread_mutex_lock(&g->lock);
    g->entered = true;
    pthread_cond_broadcast(&g->changed);
    while (!g->open)
        pthread_cond_wait(&g->changed, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return db_exec(tx, "INSERT INTO tdb_plain (id, note) VALUES (1, 'gate')", DB_NOARGS, NULL);
}

/* What one unit of a test batch does, and what it saw. */
typedef struct probe {
    bool count_first;        /* count tdb_items (the tenant's, or all for system) */
    const char *insert_name; /* tdb_items row (tenant) or tdb_plain note (system) */
    int64_t plain_id;        /* system units: tdb_plain id */
    int busy_times;          /* return BUFFR_EBUSY on the first calls */
    int fail_with;           /* returned after the insert */
    bool end_transaction;    /* run ROLLBACK itself: ends the whole batch */
    int calls;
    int64_t counted;
    int after_failure; /* a statement's result after a failed insert */
} probe_t;

static int probe_work(db_tx_t *tx, void *ctx)
{
    probe_t *p = ctx;
    p->calls++;
    bool system = db_tx_tenant(tx) == NULL;
    int rc = 0;
    if (p->count_first) {
        rc = db_query_int(tx,
                          system ? "SELECT count(*) FROM tdb_items"
                                 : "SELECT count(*) FROM tdb_items WHERE tenant_id = $1",
                          DB_NOARGS, &p->counted);
        if (rc != 0)
            return rc;
    }
    if (p->insert_name != NULL) {
        char name[64], id[UUID_BUF_SIZE];
        if (p->busy_times > 0)
            snprintf(name, sizeof(name), "%s-%d", p->insert_name, p->calls);
        else
            snprintf(name, sizeof(name), "%s", p->insert_name);
        uuid_v7_new(id);
        if (system)
            rc = db_exec(tx, "INSERT INTO tdb_plain (id, note) VALUES ($1, $2)",
                         DB_ARGS(DB_INT(p->plain_id), DB_TEXT(name)), NULL);
        else
            rc = db_exec(tx,
                         "INSERT INTO tdb_items (tenant_id, id, name, qty) VALUES ($1, $2, $3, 1)",
                         DB_ARGS(DB_TEXT(id), DB_TEXT(name)), NULL);
        if (rc != 0) {
            /* Checked by the test's thread: cmocka asserts only there. */
            int64_t n = 0;
            p->after_failure = db_query_int(tx, "SELECT count(*) FROM tdb_plain", DB_NOARGS, &n);
            return rc;
        }
    }
    if (p->end_transaction) {
        rc = db_exec(tx, "ROLLBACK", DB_NOARGS, NULL);
        if (rc != 0)
            return rc;
    }
    if (p->calls <= p->busy_times)
        return BUFFR_EBUSY;
    return p->fail_with;
}

typedef struct batch_job {
    const char *tenant; /* NULL: a system unit */
    db_work_fn work;
    void *ctx;
    int rc;
    pthread_t thread;
} batch_job_t;

static void *batch_job_thread(void *arg)
{
    batch_job_t *job = arg;
    job->rc = db_transact(g_db, job->tenant, DB_WRITE, job->work, job->ctx);
    return NULL;
}

static void wait_queued(size_t want)
{
    for (int i = 0; i < 5000 && db_batch_queued(g_db) != want; i++)
        usleep(1000);
    assert_int_equal(db_batch_queued(g_db), want);
}

/* Run jobs[1..n) as one batch behind the gated jobs[0]. */
static void run_one_batch(batch_job_t *jobs, size_t n)
{
    g_gate.entered = false;
    g_gate.open = false;
    jobs[0] = (batch_job_t){.tenant = NULL, .work = gated_unit, .ctx = &g_gate};
    assert_int_equal(pthread_create(&jobs[0].thread, NULL, batch_job_thread, &jobs[0]), 0);
    pthread_mutex_lock(&g_gate.lock);
    while (!g_gate.entered)
        pthread_cond_wait(&g_gate.changed, &g_gate.lock);
    pthread_mutex_unlock(&g_gate.lock);
    for (size_t i = 1; i < n; i++) {
        assert_int_equal(pthread_create(&jobs[i].thread, NULL, batch_job_thread, &jobs[i]), 0);
        wait_queued(i);
    }
    pthread_mutex_lock(&g_gate.lock);
    g_gate.open = true;
    pthread_cond_broadcast(&g_gate.changed);
    pthread_mutex_unlock(&g_gate.lock);
    for (size_t i = 0; i < n; i++)
        pthread_join(jobs[i].thread, NULL);
    assert_int_equal(jobs[0].rc, 0);
}

static void test_batch_units_are_isolated(void **state)
{
    (void)state;
    if (is_postgres()) {
        skip();
        return;
    }
    clean_tables();
    probe_t b_row = {.insert_name = "b-row"};
    probe_t a_row = {.count_first = true, .insert_name = "a-row"};
    probe_t doomed = {.insert_name = "doomed", .fail_with = BUFFR_ECONFLICT};
    probe_t duplicate = {.insert_name = "a-row"};
    probe_t system = {.count_first = true, .insert_name = "system", .plain_id = 2};
    probe_t retried = {.insert_name = "retry", .busy_times = 2};
    batch_job_t jobs[] = {
        {0},
        {.tenant = g_tenant_b, .work = probe_work, .ctx = &b_row},
        {.tenant = g_tenant_a, .work = probe_work, .ctx = &a_row},
        {.tenant = g_tenant_a, .work = probe_work, .ctx = &doomed},
        {.tenant = g_tenant_a, .work = probe_work, .ctx = &duplicate},
        {.tenant = NULL, .work = probe_work, .ctx = &system},
        {.tenant = g_tenant_a, .work = probe_work, .ctx = &retried},
    };
    size_t n = sizeof(jobs) / sizeof(jobs[0]);
    db_stats_t before, after;
    db_get_stats(g_db, &before);
    run_one_batch(jobs, n);
    db_get_stats(g_db, &after);

    assert_int_equal(jobs[1].rc, 0);
    /* Tenant A's unit, after B's insert in the same batch, counts only
     * A's rows: the unit's tx binds its own tenant as $1. */
    assert_int_equal(jobs[2].rc, 0);
    assert_int_equal(a_row.counted, 0);
    /* A unit's own error reaches its caller only... */
    assert_int_equal(jobs[3].rc, BUFFR_ECONFLICT);
    /* ...as does a failed statement, which saw a-row from the same batch. */
    assert_int_equal(jobs[4].rc, BUFFR_ECONFLICT);
    assert_int_equal(duplicate.after_failure, BUFFR_ECONFLICT); /* sticks to its tx */
    /* The failures did not poison what came after: the system unit ran
     * and saw b-row and a-row, not doomed. */
    assert_int_equal(jobs[5].rc, 0);
    assert_int_equal(system.counted, 2);
    /* Busy twice, run again on its own, then committed. */
    assert_int_equal(jobs[6].rc, 0);
    assert_int_equal(retried.calls, 3);

    char names[256];
    list_names(g_tenant_a, names, sizeof(names));
    assert_string_equal(names, "a-row=1,retry-3=1");
    list_names(g_tenant_b, names, sizeof(names));
    assert_string_equal(names, "b-row=1");
    assert_int_equal(count_system("SELECT count(*) FROM tdb_plain WHERE id IN (1, 2)"), 2);

    /* The gate's batch, the batch of six, and one for each re-run. */
    assert_int_equal(after.write_batches - before.write_batches, 4);
    assert_int_equal(after.batched_units - before.batched_units, 1 + 6 + 2);
    assert_int_equal(after.transactions - before.transactions, 5);
    assert_int_equal(after.rollbacks - before.rollbacks, 4);
    assert_int_equal(after.retries - before.retries, 2);
    assert_int_equal(after.pool_in_use, 0);
}

/* A unit that ends the batch's transaction itself fails; the units before
 * and after it are run again in a new batch, and nothing is lost. */
static void test_batch_survives_a_unit_ending_it(void **state)
{
    (void)state;
    if (is_postgres()) {
        skip();
        return;
    }
    clean_tables();
    probe_t first = {.insert_name = "first"};
    probe_t wrecker = {.end_transaction = true, .fail_with = BUFFR_ECONFLICT};
    probe_t last = {.insert_name = "last"};
    batch_job_t jobs[] = {
        {0},
        {.tenant = g_tenant_a, .work = probe_work, .ctx = &first},
        {.tenant = NULL, .work = probe_work, .ctx = &wrecker},
        {.tenant = g_tenant_a, .work = probe_work, .ctx = &last},
    };
    db_stats_t before, after;
    db_get_stats(g_db, &before);
    run_one_batch(jobs, sizeof(jobs) / sizeof(jobs[0]));
    db_get_stats(g_db, &after);

    assert_int_equal(jobs[1].rc, 0);
    assert_int_equal(jobs[2].rc, BUFFR_ECONFLICT);
    assert_int_equal(jobs[3].rc, 0);
    assert_int_equal(first.calls, 2); /* ran in the lost batch and again */
    assert_int_equal(wrecker.calls, 1);
    assert_int_equal(last.calls, 1); /* had not run when the batch was lost */
    char names[256];
    list_names(g_tenant_a, names, sizeof(names));
    assert_string_equal(names, "first=1,last=1");
    assert_int_equal(after.write_batches - before.write_batches, 3);
    assert_int_equal(after.retries - before.retries, 1);
    assert_int_equal(after.pool_in_use, 0);
}

static int nested_write(db_tx_t *tx, void *ctx)
{
    (void)tx;
    int *nested_rc = ctx;
    *nested_rc = db_transact(g_db, g_tenant_a, DB_WRITE, increment_counter, NULL);
    return 0;
}

/* A DB_WRITE unit calling db_transact(DB_WRITE) would wait for its own
 * batch: refused instead of hanging. */
static void test_nested_write_is_refused(void **state)
{
    (void)state;
    if (is_postgres()) {
        skip();
        return;
    }
    int nested_rc = 1;
    assert_int_equal(db_transact(g_db, g_tenant_a, DB_WRITE, nested_write, &nested_rc), 0);
    assert_int_equal(nested_rc, BUFFR_EINVAL);
}

static void test_backup(void **state)
{
    (void)state;
    clean_tables();
    if (is_postgres()) {
        assert_int_equal(db_backup(g_db, "/tmp/never-written.db"), BUFFR_EINVAL);
        return;
    }
    assert_int_equal(insert_item(g_tenant_a, "saved", 4), 0);
    assert_int_equal(insert_item(g_tenant_b, "saved too", 5), 0);

    char path[512], url[600], tmp[520];
    snprintf(path, sizeof(path), "%s/backup.db", g_dir);
    assert_int_equal(db_backup(g_db, path), 0);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0);
    assert_int_not_equal(stat(tmp, &st), 0);

    /* Changes after the backup are not in it. */
    assert_int_equal(insert_item(g_tenant_a, "later", 6), 0);

    snprintf(url, sizeof(url), "sqlite:%s", path);
    db_t *copy = NULL;
    assert_int_equal(db_open(url, NULL, &copy), 0);
    db_tx_t *tx = NULL;
    int64_t n = 0;
    assert_int_equal(db_begin(copy, g_tenant_a, DB_READ, &tx), 0);
    assert_int_equal(
        db_query_int(tx, "SELECT qty FROM tdb_items WHERE tenant_id = $1", DB_NOARGS, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(db_commit(tx), 0);
    assert_int_equal(db_begin_system(copy, DB_READ, &tx), 0);
    assert_int_equal(db_query_int(tx, "SELECT count(*) FROM tdb_items", DB_NOARGS, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(db_query_int(tx, "SELECT count(*) FROM schema_migrations", DB_NOARGS, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(db_commit(tx), 0);
    db_close(copy);

    /* Overwriting an earlier backup works too. */
    assert_int_equal(db_backup(g_db, path), 0);
}

static void test_pool_exhaustion(void **state)
{
    (void)state;
    db_options_t opts = {.pool_size = 1, .busy_timeout_ms = 150, .max_retries = 1};
    db_t *small = NULL;
    assert_int_equal(db_open(g_url, &opts, &small), 0);
    db_tx_t *held = NULL, *second = (db_tx_t *)1;
    assert_int_equal(db_begin_system(small, DB_READ, &held), 0);

    double start = time_monotonic();
    assert_int_equal(db_begin(small, g_tenant_a, DB_READ, &second), BUFFR_EUNAVAILABLE);
    double waited = time_monotonic() - start;
    assert_null(second);
    assert_true(waited >= 0.14);
    assert_true(waited < 2.0);

    db_stats_t stats;
    db_get_stats(small, &stats);
    assert_int_equal(stats.pool_size, 1);
    assert_int_equal(stats.pool_in_use, 1);
    assert_int_equal(stats.pool_waits, 1);

    /* Once released, the connection serves again. */
    db_rollback(held);
    assert_int_equal(db_begin(small, g_tenant_a, DB_READ, &second), 0);
    db_get_stats(small, &stats);
    assert_int_equal(stats.pool_in_use, 1);
    db_rollback(second);
    db_get_stats(small, &stats);
    assert_int_equal(stats.pool_in_use, 0);
    assert_int_equal(stats.rollbacks, 2);
    db_close(small);
}

static void test_statement_cache_reuse(void **state)
{
    (void)state;
    clean_tables();
    db_stats_t before, after;
    db_get_stats(g_db, &before);
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin_system(g_db, DB_WRITE, &tx), 0);
    for (int i = 0; i < 1000; i++) {
        int64_t changes = 0;
        assert_int_equal(db_exec(tx, "INSERT INTO tdb_plain (id, note) VALUES ($1, $2)",
                                 DB_ARGS(DB_INT(i), i % 2 ? DB_TEXT("odd") : DB_NULL), &changes),
                         0);
        assert_int_equal(changes, 1);
    }
    assert_int_equal(db_commit(tx), 0);
    db_get_stats(g_db, &after);
    assert_true(after.statements - before.statements >= 1000);
    assert_true(after.statement_seconds > before.statement_seconds);

    /* The same query 1000 times, bindings changing each time. */
    assert_int_equal(db_begin_system(g_db, DB_READ, &tx), 0);
    for (int i = 0; i < 1000; i++) {
        db_rows_t *rows = NULL;
        assert_int_equal(
            db_query(tx, "SELECT id, note FROM tdb_plain WHERE id = $1", DB_ARGS(DB_INT(i)), &rows),
            0);
        assert_int_equal(db_next(rows), 1);
        assert_int_equal(db_int(rows, 0), i);
        if (i % 2) {
            assert_string_equal(db_text(rows, 1), "odd");
            assert_false(db_is_null(rows, 1));
        } else {
            assert_null(db_text(rows, 1));
            assert_true(db_is_null(rows, 1));
        }
        assert_int_equal(db_next(rows), 0);
        db_rows_free(rows);
    }

    /* The same SQL while its cached statement is held by an open result
     * (not the normal way to use the API; the layer must not mix the two). */
    const char *range = "SELECT id FROM tdb_plain WHERE id < $1 ORDER BY id";
    db_rows_t *outer = NULL;
    assert_int_equal(db_query(tx, range, DB_ARGS(DB_INT(3)), &outer), 0);
    assert_int_equal(db_next(outer), 1);
    assert_int_equal(db_int(outer, 0), 0);
    int64_t first = -1;
    assert_int_equal(db_query_int(tx, range, DB_ARGS(DB_INT(1000)), &first), 0);
    assert_int_equal(first, 0);
    assert_int_equal(db_next(outer), 1);
    assert_int_equal(db_int(outer, 0), 1);
    assert_int_equal(db_next(outer), 1);
    assert_int_equal(db_next(outer), 0);
    db_rows_free(outer);
    assert_int_equal(db_commit(tx), 0);
}

static void test_values_round_trip(void **state)
{
    (void)state;
    clean_tables();
    db_tx_t *tx = NULL;
    assert_int_equal(db_begin_system(g_db, DB_WRITE, &tx), 0);
    assert_int_equal(db_exec(tx, "INSERT INTO tdb_plain (id, note) VALUES ($1, $2), ($3, $4)",
                             DB_ARGS(DB_INT(INT64_MAX), DB_TEXT("caf\xc3\xa9 'quoted' \"x\""),
                                     DB_INT(INT64_MIN), DB_TEXT(NULL)),
                             NULL),
                     0);
    db_rows_t *rows = NULL;
    assert_int_equal(
        db_query(tx, "SELECT id, note, CAST(id AS TEXT) AS id_text FROM tdb_plain ORDER BY id",
                 DB_NOARGS, &rows),
        0);
    assert_int_equal(db_next(rows), 1);
    assert_int_equal(db_int(rows, 0), INT64_MIN);
    assert_true(db_is_null(rows, 1));
    assert_null(db_text(rows, 1));
    assert_int_equal(db_int(rows, 1), 0);
    assert_string_equal(db_text(rows, 2), "-9223372036854775808");
    assert_int_equal(db_next(rows), 1);
    assert_int_equal(db_int(rows, 0), INT64_MAX);
    assert_string_equal(db_text(rows, 1), "caf\xc3\xa9 'quoted' \"x\"");
    /* Out-of-range columns are NULL, not a crash. */
    assert_null(db_text(rows, 3));
    assert_true(db_is_null(rows, -1));
    assert_int_equal(db_next(rows), 0);
    db_rows_free(rows);

    int64_t n = 5;
    assert_int_equal(
        db_query_int(tx, "SELECT id FROM tdb_plain WHERE id = $1", DB_ARGS(DB_INT(42)), &n),
        BUFFR_ENOTFOUND);
    assert_int_equal(n, 0);
    int64_t changes = -1;
    assert_int_equal(
        db_exec(tx, "DELETE FROM tdb_plain WHERE id > $1", DB_ARGS(DB_INT(0)), &changes), 0);
    assert_int_equal(changes, 1);
    assert_int_equal(db_commit(tx), 0);
}

static void test_misuse_is_refused(void **state)
{
    (void)state;
    db_tx_t *tx = NULL;
    /* Argument count must match the placeholders. */
    assert_int_equal(db_begin_system(g_db, DB_READ, &tx), 0);
    int64_t n = 0;
    assert_true(db_query_int(tx, "SELECT CAST($1 AS BIGINT)", DB_NOARGS, &n) < 0);
    db_rollback(tx);

    /* Commit with a result left open is a bug: refused and rolled back. */
    assert_int_equal(db_begin_system(g_db, DB_WRITE, &tx), 0);
    assert_int_equal(db_exec(tx, "INSERT INTO tdb_plain (id) VALUES (77)", DB_NOARGS, NULL), 0);
    db_rows_t *rows = NULL;
    assert_int_equal(db_query(tx, "SELECT id FROM tdb_plain", DB_NOARGS, &rows), 0);
    assert_int_equal(db_next(rows), 1);
    assert_int_equal(db_commit(tx), BUFFR_EINVAL);
    assert_int_equal(db_next(rows), BUFFR_EINVAL); /* the result died with the tx */
    db_rows_free(rows);
    assert_int_equal(count_system("SELECT count(*) FROM tdb_plain WHERE id = 77"), 0);

    /* Bad SQL is a database error, not a crash; the tx is spent. */
    assert_int_equal(db_begin_system(g_db, DB_READ, &tx), 0);
    assert_int_equal(db_exec(tx, "SELEKT nonsense", DB_NOARGS, NULL), BUFFR_EDB);
    assert_int_equal(db_commit(tx), BUFFR_EDB);
    /* Scripts only in system transactions. */
    assert_int_equal(db_begin(g_db, g_tenant_a, DB_WRITE, &tx), 0);
    assert_int_equal(db_exec_script(tx, "DELETE FROM tdb_plain"), BUFFR_EINVAL);
    db_rollback(tx);
}

/* PostgreSQL only: a server-side kill of the pooled connection is survived
 * by db_transact, which reconnects and runs the work once more. */
static int read_pid(db_tx_t *tx, void *ctx)
{
    return db_query_int(tx, "SELECT pg_backend_pid()", DB_NOARGS, ctx);
}

static void test_reconnect_after_lost_connection(void **state)
{
    (void)state;
    if (!is_postgres()) {
        skip();
        return;
    }
    db_options_t opts = {.pool_size = 1, .busy_timeout_ms = 2000};
    db_t *single = NULL;
    assert_int_equal(db_open(g_url, &opts, &single), 0);
    int64_t pid = 0, other_pid = 0;
    assert_int_equal(db_transact(single, NULL, DB_READ, read_pid, &pid), 0);
    assert_true(pid > 0);

    db_tx_t *tx = NULL;
    int64_t killed = 0;
    assert_int_equal(db_begin_system(g_db, DB_WRITE, &tx), 0);
    assert_int_equal(
        db_query_int(tx, "SELECT CAST(pg_terminate_backend(CAST($1 AS INTEGER)) AS INTEGER)",
                     DB_ARGS(DB_INT(pid)), &killed),
        0);
    assert_int_equal(db_commit(tx), 0);
    assert_int_equal(killed, 1);
    usleep(100 * 1000);

    assert_int_equal(db_transact(single, NULL, DB_READ, read_pid, &other_pid), 0);
    assert_true(other_pid > 0);
    assert_true(other_pid != pid);
    db_close(single);
}

static const struct CMUnitTest pure_tests[] = {
    cmocka_unit_test(test_rewrite_params),
    cmocka_unit_test(test_uses_param1),
    cmocka_unit_test(test_open_rejects_bad_urls),
};

static const struct CMUnitTest backend_tests[] = {
    cmocka_unit_test(test_migrations_apply_once),
    cmocka_unit_test(test_ping_and_names),
    cmocka_unit_test(test_literals_not_rewritten),
    cmocka_unit_test(test_tenant_tx_requires_param1),
    cmocka_unit_test(test_tenant_scoping),
    cmocka_unit_test(test_row_level_security),
    cmocka_unit_test(test_unique_violation_is_conflict),
    cmocka_unit_test(test_check_violation_is_constraint),
    cmocka_unit_test(test_rollback_discards),
    cmocka_unit_test(test_transact_retries_busy),
    cmocka_unit_test(test_concurrent_writers),
    cmocka_unit_test(test_batch_units_are_isolated),
    cmocka_unit_test(test_batch_survives_a_unit_ending_it),
    cmocka_unit_test(test_nested_write_is_refused),
    cmocka_unit_test(test_backup),
    cmocka_unit_test(test_pool_exhaustion),
    cmocka_unit_test(test_statement_cache_reuse),
    cmocka_unit_test(test_values_round_trip),
    cmocka_unit_test(test_misuse_is_refused),
    cmocka_unit_test(test_reconnect_after_lost_connection),
};

int main(void)
{
    /* Expected failures log at error level; keep the output to those. */
    log_set_level(LOG_ERROR);
    int failures = cmocka_run_group_tests_name("db_pure", pure_tests, NULL, NULL);
    failures +=
        cmocka_run_group_tests_name("db_sqlite", backend_tests, sqlite_setup, group_teardown);
    const char *pg = getenv("BUFFR_TEST_PG_URL");
    if (pg != NULL && pg[0] != '\0')
        failures += cmocka_run_group_tests_name("db_postgresql", backend_tests, postgres_setup,
                                                group_teardown);
    else
        printf("note: BUFFR_TEST_PG_URL is not set; PostgreSQL tests skipped\n");
    return failures;
}
