/*
 * test_ratelimit.c - unit tests for core/ratelimit.c: counting up to the
 * limit, Retry-After, window expiry, reset, independent keys, the bounded
 * key table and concurrent use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>

#include "core/ratelimit.h"

static void test_blocks_at_limit(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(3, 60);
    assert_non_null(rl);
    int retry = -1;
    const int64_t t0 = 1000000;
    assert_false(ratelimit_blocked(rl, "ip:1", t0, &retry));
    ratelimit_hit(rl, "ip:1", t0);
    ratelimit_hit(rl, "ip:1", t0 + 1);
    assert_false(ratelimit_blocked(rl, "ip:1", t0 + 1, &retry));
    assert_int_equal(retry, -1); /* untouched when not blocked */
    ratelimit_hit(rl, "ip:1", t0 + 2);
    assert_true(ratelimit_blocked(rl, "ip:1", t0 + 2, &retry));
    assert_int_equal(retry, 58); /* the window started at t0 */
    assert_true(ratelimit_blocked(rl, "ip:1", t0 + 59, &retry));
    assert_int_equal(retry, 1);
    /* blocked() does not count: asking again changes nothing. */
    assert_true(ratelimit_blocked(rl, "ip:1", t0 + 59, NULL));
    /* Other keys are independent. */
    assert_false(ratelimit_blocked(rl, "ip:2", t0 + 2, &retry));
    ratelimit_free(rl);
}

static void test_window_expires(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(2, 10);
    assert_non_null(rl);
    const int64_t t0 = 5000;
    ratelimit_hit(rl, "k", t0);
    ratelimit_hit(rl, "k", t0 + 9);
    assert_true(ratelimit_blocked(rl, "k", t0 + 9, NULL));
    assert_false(ratelimit_blocked(rl, "k", t0 + 10, NULL));
    /* A new window starts with the next event and counts from one. */
    ratelimit_hit(rl, "k", t0 + 10);
    assert_false(ratelimit_blocked(rl, "k", t0 + 11, NULL));
    ratelimit_hit(rl, "k", t0 + 11);
    int retry = 0;
    assert_true(ratelimit_blocked(rl, "k", t0 + 11, &retry));
    assert_int_equal(retry, 9);
    ratelimit_free(rl);
}

static void test_reset(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(1, 300);
    assert_non_null(rl);
    ratelimit_hit(rl, "account:a@example.com", 100);
    assert_true(ratelimit_blocked(rl, "account:a@example.com", 100, NULL));
    ratelimit_reset(rl, "account:a@example.com");
    assert_false(ratelimit_blocked(rl, "account:a@example.com", 100, NULL));
    ratelimit_reset(rl, "never-seen"); /* harmless */
    ratelimit_hit(rl, "account:a@example.com", 101);
    assert_true(ratelimit_blocked(rl, "account:a@example.com", 101, NULL));
    ratelimit_free(rl);
}

static void test_clock_step_back(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(1, 60);
    assert_non_null(rl);
    ratelimit_hit(rl, "k", 1000);
    int retry = 0;
    /* The clock went back 100 s: still blocked, never promised more than a window. */
    assert_true(ratelimit_blocked(rl, "k", 900, &retry));
    assert_int_equal(retry, 60);
    ratelimit_free(rl);
}

static void test_no_limit_and_null(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(0, 60);
    assert_non_null(rl);
    for (int i = 0; i < 100; i++)
        ratelimit_hit(rl, "k", 1);
    assert_false(ratelimit_blocked(rl, "k", 1, NULL));
    ratelimit_free(rl);
    ratelimit_free(NULL);
    assert_false(ratelimit_blocked(NULL, "k", 1, NULL));
    ratelimit_hit(NULL, "k", 1);
    ratelimit_reset(NULL, "k");
}

/* Past 100k keys the oldest window is forgotten, so memory stays bounded. */
static void test_bounded_keys(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(1, 3600);
    assert_non_null(rl);
    char key[32];
    ratelimit_hit(rl, "first", 10);
    ratelimit_hit(rl, "second", 11);
    for (int i = 0; i < 99998; i++) {
        snprintf(key, sizeof(key), "filler-%d", i);
        ratelimit_hit(rl, key, 12);
    }
    /* Exactly at the cap: nothing forgotten yet. */
    assert_true(ratelimit_blocked(rl, "first", 12, NULL));
    ratelimit_hit(rl, "one-more", 13);
    assert_false(ratelimit_blocked(rl, "first", 13, NULL));
    assert_true(ratelimit_blocked(rl, "second", 13, NULL));
    assert_true(ratelimit_blocked(rl, "one-more", 13, NULL));
    ratelimit_free(rl);
}

/* Expired windows are dropped on insert even when the table is not full. */
static void test_expired_evicted(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(1, 10);
    assert_non_null(rl);
    ratelimit_hit(rl, "old", 0);
    ratelimit_hit(rl, "new", 100); /* "old" expired at 10 and is dropped here */
    assert_false(ratelimit_blocked(rl, "old", 5, NULL));
    assert_true(ratelimit_blocked(rl, "new", 100, NULL));
    ratelimit_free(rl);
}

enum { THREADS = 4, HITS_PER_THREAD = 5000 };

static void *hammer(void *arg)
{
    ratelimit_t *rl = arg;
    char key[16];
    for (int i = 0; i < HITS_PER_THREAD; i++) {
        snprintf(key, sizeof(key), "k%d", i % 50);
        ratelimit_hit(rl, key, 1);
        ratelimit_blocked(rl, key, 1, NULL);
        ratelimit_hit(rl, "shared", 1);
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(THREADS * HITS_PER_THREAD, 60);
    assert_non_null(rl);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, hammer, rl), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    /* Every hit on "shared" was counted: exactly at the limit now. */
    assert_true(ratelimit_blocked(rl, "shared", 1, NULL));
    ratelimit_reset(rl, "shared");
    for (int i = 0; i < THREADS * HITS_PER_THREAD - 1; i++)
        ratelimit_hit(rl, "shared", 1);
    assert_false(ratelimit_blocked(rl, "shared", 1, NULL));
    ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_at_limit),
        cmocka_unit_test(test_window_expires),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_clock_step_back),
        cmocka_unit_test(test_no_limit_and_null),
        cmocka_unit_test(test_bounded_keys),
        cmocka_unit_test(test_expired_evicted),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
