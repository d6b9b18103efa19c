/* test_idempotency.c - the Idempotency-Key store on SQLite (and PostgreSQL
 * when BUFFR_TEST_PG_URL is set): claim, replay, mismatch, in progress,
 * forgetting 5xx answers and unanswered requests, and per-tenant keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app.h"
#include "core/uuid.h"
#include "db/db.h"
#include "idempotency/idempotency.h"

typedef struct fixture {
    app_t app;
    char dir[64];
    char tenant_a[UUID_BUF_SIZE];
    char tenant_b[UUID_BUF_SIZE];
} fixture_t;

static int insert_tenant(db_tx_t *tx, void *ctx)
{
    (void)ctx;
    return db_exec(tx,
                   "INSERT INTO tenants (tenant_id, name, created_at, updated_at) "
                   "VALUES ($1, 'Test', 0, 0)",
                   DB_NOARGS, NULL);
}

static int setup_with(void **state, const char *url_or_null)
{
    fixture_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    config_t c;
    config_defaults(&c);
    c.password_memlimit_mib = 19;
    snprintf(f->dir, sizeof(f->dir), "/tmp/buffr-idem-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    if (url_or_null)
        snprintf(c.database_url, sizeof(c.database_url), "%s", url_or_null);
    else
        snprintf(c.database_url, sizeof(c.database_url), "sqlite:%s/t.db", f->dir);
    snprintf(c.data_dir, sizeof(c.data_dir), "%s", f->dir);
    c.db_pool_size = 2;
    if (app_init(&f->app, &c) != 0)
        return -1;
    uuid_v7_new(f->tenant_a);
    uuid_v7_new(f->tenant_b);
    if (db_transact(f->app.db, f->tenant_a, DB_WRITE, insert_tenant, NULL) != 0 ||
        db_transact(f->app.db, f->tenant_b, DB_WRITE, insert_tenant, NULL) != 0)
        return -1;
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_with(state, NULL);
}

static int setup_postgres(void **state)
{
    return setup_with(state, getenv("BUFFR_TEST_PG_URL"));
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    app_free(&f->app);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

static void claim_then_replay(void **state)
{
    fixture_t *f = *state;
    char key[64];
    snprintf(key, sizeof(key), "key-%s", f->tenant_a);
    const char req[] = "POST /api/v1/x\n{\"a\":1}";
    int status = 0;
    char *body = NULL;
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, req, sizeof(req) - 1, &status, &body),
        IDEMPOTENCY_PROCEED);
    assert_null(body);
    /* Same request while the first is still working: refused. */
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, req, sizeof(req) - 1, &status, &body),
        BUFFR_ECONFLICT);
    const char answer[] = "{\"id\":\"r1\",\"status\":\"confirmed\"}";
    assert_int_equal(idempotency_finish(&f->app, f->tenant_a, key, 201, answer, sizeof(answer) - 1),
                     0);
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, req, sizeof(req) - 1, &status, &body),
        IDEMPOTENCY_REPLAY);
    assert_int_equal(status, 201);
    assert_non_null(body);
    assert_string_equal(body, answer);
    free(body);
    body = NULL;
    /* Another body under the same key: 422. */
    const char other[] = "POST /api/v1/x\n{\"a\":2}";
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, other, sizeof(other) - 1, &status, &body),
        BUFFR_EIDEMPOTENCY);
    /* The same key in another tenant is another key. */
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_b, key, other, sizeof(other) - 1, &status, &body),
        IDEMPOTENCY_PROCEED);
}

static void server_errors_are_forgotten(void **state)
{
    fixture_t *f = *state;
    char key[64];
    snprintf(key, sizeof(key), "retry-%s", f->tenant_a);
    const char req[] = "POST /api/v1/y\n{}";
    int status = 0;
    char *body = NULL;
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, req, sizeof(req) - 1, &status, &body),
        IDEMPOTENCY_PROCEED);
    assert_int_equal(idempotency_finish(&f->app, f->tenant_a, key, 503, "{}", 2), 0);
    /* A 5xx is not kept: the retry does the work. */
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, req, sizeof(req) - 1, &status, &body),
        IDEMPOTENCY_PROCEED);
    /* A 4xx is kept like a success. */
    assert_int_equal(idempotency_finish(&f->app, f->tenant_a, key, 409, "{\"error\":{}}", 12), 0);
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, req, sizeof(req) - 1, &status, &body),
        IDEMPOTENCY_REPLAY);
    assert_int_equal(status, 409);
    free(body);
}

/* A handler whose answer could not be built leaves status 0 (the shared
 * 500 is sent): that must be forgotten like a 5xx, not replayed. */
static void unanswered_requests_are_forgotten(void **state)
{
    fixture_t *f = *state;
    char key[64];
    snprintf(key, sizeof(key), "oom-%s", f->tenant_a);
    const char req[] = "POST /api/v1/z\n{}";
    int status = -1;
    char *body = NULL;
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, req, sizeof(req) - 1, &status, &body),
        IDEMPOTENCY_PROCEED);
    assert_int_equal(idempotency_finish(&f->app, f->tenant_a, key, 0, NULL, 0), 0);
    assert_int_equal(
        idempotency_begin(&f->app, f->tenant_a, key, req, sizeof(req) - 1, &status, &body),
        IDEMPOTENCY_PROCEED);
    assert_null(body);
}

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {
        cmocka_unit_test_setup_teardown(claim_then_replay, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(server_errors_are_forgotten, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(unanswered_requests_are_forgotten, setup_sqlite, teardown),
    };
    int failed = cmocka_run_group_tests_name("idempotency (sqlite)", sqlite_tests, NULL, NULL);
    const char *pg = getenv("BUFFR_TEST_PG_URL");
    if (pg == NULL || pg[0] == '\0') {
        printf("BUFFR_TEST_PG_URL not set: PostgreSQL group skipped\n");
        return failed;
    }
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test_setup_teardown(claim_then_replay, setup_postgres, teardown),
        cmocka_unit_test_setup_teardown(server_errors_are_forgotten, setup_postgres, teardown),
        cmocka_unit_test_setup_teardown(unanswered_requests_are_forgotten, setup_postgres,
                                        teardown),
    };
    return failed + cmocka_run_group_tests_name("idempotency (postgresql)", pg_tests, NULL, NULL);
}
