/*
 * test_uuid.c - unit tests for core/uuid.c: UUIDv7 layout (RFC 9562),
 * ordering, timestamp extraction, validation and normalisation.
 *
 * The tests that generate at a fixed time in the future run last: the
 * generator never goes back in time, so after them uuid_v7_new would carry
 * that future timestamp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/uuid.h"

static void assert_v7_layout(const char *id)
{
    assert_int_equal(strlen(id), UUID_STR_LEN);
    for (int i = 0; i < UUID_STR_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            assert_int_equal(id[i], '-');
        } else {
            /* Lowercase hex only. */
            assert_true((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'));
        }
    }
    assert_int_equal(id[14], '7');           /* version 7 */
    assert_non_null(strchr("89ab", id[19])); /* variant 10xx */
    assert_true(uuid_is_valid(id));
}

static void test_format(void **state)
{
    (void)state;
    char id[UUID_BUF_SIZE];
    for (int i = 0; i < 100; i++) {
        uuid_v7_new(id);
        assert_v7_layout(id);
    }
}

static void test_monotonic(void **state)
{
    (void)state;
    char prev[UUID_BUF_SIZE], cur[UUID_BUF_SIZE];
    uuid_v7_new(prev);
    for (int i = 0; i < 10000; i++) {
        uuid_v7_new(cur);
        if (strcmp(prev, cur) >= 0)
            fail_msg("not increasing at %d: %s then %s", i, prev, cur);
        memcpy(prev, cur, sizeof(cur));
    }
}

static void test_time_of_new(void **state)
{
    (void)state;
    int64_t before = time_now_ms();
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    int64_t after = time_now_ms();
    uint64_t t = uuid_v7_time_ms(id);
    /* The earlier tests may have pushed the counter a few ms ahead. */
    assert_true(t >= (uint64_t)before);
    assert_true(t <= (uint64_t)after + 50);
}

static void test_validation(void **state)
{
    (void)state;
    const char *good[] = {
        "0190c7a4-7b2e-7000-8000-000000000001", "0190C7A4-7B2E-7ABC-BFFF-FFFFFFFFFFFF",
        "00000000-0000-0000-0000-000000000000",
        "f47ac10b-58cc-4372-a567-0e02b2c3d479", /* version 4 */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(uuid_is_valid(good[i]));

    const char *bad[] = {
        "",
        "0190c7a4-7b2e-7000-8000-00000000000",   /* 35 */
        "0190c7a4-7b2e-7000-8000-0000000000011", /* 37 */
        "0190c7a47b2e70008000000000000001",      /* no dashes */
        "0190c7a4-7b2e-7000-8000_000000000001",
        "0190c7a-47b2e-7000-8000-000000000001", /* dash moved */
        "0190c7a4-7b2e-7000-8000-00000000000g",
        "{0190c7a4-7b2e-7000-8000-000000000001}",
        "urn:uuid:0190c7a4-7b2e-7000-8000-000000000001",
        " 0190c7a4-7b2e-7000-8000-000000000001",
        "0190c7a4-7b2e-7000-8000-000000000001 ",
        "0190c7a4-7b2e-7000-8000-00000000000\xc3\xa9",
        "../../../../etc/passwd-0000-000000000000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (uuid_is_valid(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
    assert_false(uuid_is_valid(NULL));
}

static void test_normalize(void **state)
{
    (void)state;
    char out[UUID_BUF_SIZE];
    assert_int_equal(uuid_normalize("0190C7A4-7B2E-7ABC-BFFF-FFFFFFFFFFFF", out), 0);
    assert_string_equal(out, "0190c7a4-7b2e-7abc-bfff-ffffffffffff");
    assert_int_equal(uuid_normalize("0190c7a4-7b2e-7000-8000-000000000001", out), 0);
    assert_string_equal(out, "0190c7a4-7b2e-7000-8000-000000000001");
    memcpy(out, "untouched", 10);
    assert_int_equal(uuid_normalize("0190c7a4-7b2e-7000-8000-00000000000", out), -1);
    assert_int_equal(uuid_normalize(NULL, out), -1);
}

static void test_time_extraction(void **state)
{
    (void)state;
    assert_int_equal(uuid_v7_time_ms("0190c7a4-7b2e-7000-8000-000000000001"), 0x0190c7a47b2eULL);
    assert_int_equal(uuid_v7_time_ms("0190C7A4-7B2E-7000-8000-000000000001"), 0x0190c7a47b2eULL);
    /* Not version 7, or not a UUID: 0. */
    assert_int_equal(uuid_v7_time_ms("f47ac10b-58cc-4372-a567-0e02b2c3d479"), 0);
    assert_int_equal(uuid_v7_time_ms("not a uuid"), 0);
    assert_int_equal(uuid_v7_time_ms(NULL), 0);
}

/* From here on the generator's clock is in 2100. */
static void test_at_fixed_time(void **state)
{
    (void)state;
    const uint64_t ms = 4102444800000ULL; /* 2100-01-01, 0x3bb2cc3d800 */
    char id[UUID_BUF_SIZE];
    uuid_v7_at(ms, id);
    assert_v7_layout(id);
    assert_memory_equal(id, "03bb2cc3-d800-7", 15);
    assert_int_equal(uuid_v7_time_ms(id), ms);

    /* Many in the same millisecond: still strictly increasing, even past
     * the 12-bit counter (the timestamp then moves on by a millisecond). */
    char prev[UUID_BUF_SIZE];
    memcpy(prev, id, sizeof(id));
    for (int i = 0; i < 10000; i++) {
        uuid_v7_at(ms, id);
        assert_v7_layout(id);
        if (strcmp(prev, id) >= 0)
            fail_msg("not increasing at %d: %s then %s", i, prev, id);
        memcpy(prev, id, sizeof(id));
    }
    assert_true(uuid_v7_time_ms(id) > ms);
    assert_true(uuid_v7_time_ms(id) < ms + 10);

    /* The clock stepping back does not break the order. */
    uuid_v7_at(ms - 60000, id);
    assert_true(strcmp(prev, id) < 0);
    assert_true(uuid_v7_time_ms(id) >= ms);
}

static void test_random_part_differs(void **state)
{
    (void)state;
    /* Two IDs of one millisecond differ beyond the counter: rand_b is random. */
    char a[UUID_BUF_SIZE], b[UUID_BUF_SIZE];
    uuid_v7_at(4102444900000ULL, a);
    uuid_v7_at(4102444900000ULL, b);
    assert_memory_not_equal(a + 19, b + 19, 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),        cmocka_unit_test(test_monotonic),
        cmocka_unit_test(test_time_of_new),   cmocka_unit_test(test_validation),
        cmocka_unit_test(test_normalize),     cmocka_unit_test(test_time_extraction),
        cmocka_unit_test(test_at_fixed_time), cmocka_unit_test(test_random_part_differs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
