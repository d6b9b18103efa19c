/*
 * test_table_token.c - unit tests for the restaurant module's table tokens
 * (restaurant/table_token.c: round trip, every kind of tampering, another
 * key) and business days (restaurant/business_day.c: the property's local
 * date across midnight and daylight-saving changes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"
#include "restaurant/restaurant_internal.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static const char tenant[] = "01a20000-0000-7000-8000-000000000001";
static const char property[] = "01a20000-0000-7000-8000-000000000002";
static const char table[] = "01a20000-0000-7000-8000-0000000000ff";

static void test_round_trip(void **state)
{
    (void)state;
    char token[TABLE_TOKEN_MAX], t[UUID_BUF_SIZE], p[UUID_BUF_SIZE], tb[UUID_BUF_SIZE];
    int64_t version = 0;
    assert_int_equal(table_token_make(key, sizeof(key), tenant, property, table, 7, token), 0);
    assert_true(strlen(token) < TABLE_TOKEN_MAX);
    assert_null(strpbrk(token, "+/=")); /* URL-safe as it is */
    assert_int_equal(table_token_parse(key, sizeof(key), token, t, p, tb, &version), 0);
    assert_string_equal(t, tenant);
    assert_string_equal(p, property);
    assert_string_equal(tb, table);
    assert_int_equal(version, 7);
    /* Upper-case ids come back normalised. */
    char upper[UUID_BUF_SIZE];
    strcpy(upper, table);
    upper[34] = 'F';
    upper[35] = 'F';
    assert_int_equal(table_token_make(key, sizeof(key), tenant, property, upper, 7, token), 0);
    assert_int_equal(table_token_parse(key, sizeof(key), token, t, p, tb, &version), 0);
    assert_string_equal(tb, table);
}

static void test_tampering_is_refused(void **state)
{
    (void)state;
    char token[TABLE_TOKEN_MAX], t[UUID_BUF_SIZE], p[UUID_BUF_SIZE], tb[UUID_BUF_SIZE];
    int64_t version;
    assert_int_equal(table_token_make(key, sizeof(key), tenant, property, table, 1, token), 0);
    size_t len = strlen(token);
    for (size_t i = 0; i < len; i++) {
        char forged[TABLE_TOKEN_MAX];
        strcpy(forged, token);
        forged[i] = forged[i] == 'A' ? 'B' : 'A';
        int rc = table_token_parse(key, sizeof(key), forged, t, p, tb, &version);
        /* The last character carries only padding bits of the final byte
         * for some lengths; every other change must be refused. */
        if (i + 1 < len)
            assert_int_equal(rc, BUFFR_EUNAUTH);
    }
    char shorter[TABLE_TOKEN_MAX];
    strcpy(shorter, token);
    shorter[len - 2] = '\0';
    assert_int_equal(table_token_parse(key, sizeof(key), shorter, t, p, tb, &version),
                     BUFFR_EUNAUTH);
    assert_int_equal(table_token_parse(key, sizeof(key), "", t, p, tb, &version), BUFFR_EUNAUTH);
    assert_int_equal(table_token_parse(key, sizeof(key), "not a token!", t, p, tb, &version),
                     BUFFR_EUNAUTH);
    assert_int_equal(table_token_parse(key, sizeof(key), NULL, t, p, tb, &version), BUFFR_EUNAUTH);
    unsigned char other[32];
    memcpy(other, key, sizeof(other));
    other[0] ^= 1;
    assert_int_equal(table_token_parse(other, sizeof(other), token, t, p, tb, &version),
                     BUFFR_EUNAUTH);
}

static void test_bad_input(void **state)
{
    (void)state;
    char token[TABLE_TOKEN_MAX];
    assert_int_equal(table_token_make(key, sizeof(key), "nope", property, table, 1, token),
                     BUFFR_EINVAL);
    assert_int_equal(table_token_make(key, sizeof(key), tenant, property, table, 0, token),
                     BUFFR_EINVAL);
    assert_int_equal(table_token_make(key, 8, tenant, property, table, 1, token), BUFFR_EINVAL);
}

static void test_business_day(void **state)
{
    (void)state;
    char day[DATE_BUF_SIZE];
    /* 2026-11-21 23:30 UTC is already the 22nd in Paris (UTC+1)... */
    assert_int_equal(business_day_of("Europe/Paris", 1795303800, day), 0);
    assert_string_equal(day, "2026-11-22");
    /* ...but still the 21st in New York (UTC-5) and in UTC. */
    assert_int_equal(business_day_of("America/New_York", 1795303800, day), 0);
    assert_string_equal(day, "2026-11-21");
    assert_int_equal(business_day_of("UTC", 1795303800, day), 0);
    assert_string_equal(day, "2026-11-21");
    /* Summer time: 2026-07-01 22:30 UTC is 00:30 on the 2nd in Paris (UTC+2). */
    assert_int_equal(business_day_of("Europe/Paris", 1782945000, day), 0);
    assert_string_equal(day, "2026-07-02");
    /* 21:30 UTC the same day is 23:30 in Paris: still the 1st. */
    assert_int_equal(business_day_of("Europe/Paris", 1782941400, day), 0);
    assert_string_equal(day, "2026-07-01");
    /* Ahead of UTC by more than a day's fraction: Kiritimati is UTC+14. */
    assert_int_equal(business_day_of("Pacific/Kiritimati", 1795303800, day), 0);
    assert_string_equal(day, "2026-11-22");
    assert_int_equal(business_day_of("Nowhere/Atlantis", 0, day), BUFFR_EINVAL);
    assert_int_equal(business_day_of("../../etc/passwd", 0, day), BUFFR_EINVAL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tampering_is_refused),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_business_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
