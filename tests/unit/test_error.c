/*
 * test_error.c - unit tests for core/error.c: every BUFFR_E* code maps to
 * the HTTP status and API code that API.md promises, and buffr_fail fills
 * the error record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"

static const struct {
    int code;
    int status;
    const char *api_code;
    const char *name;
} expected[] = {
    {BUFFR_OK, 200, "OK", "OK"},
    {BUFFR_EVALIDATION, 400, "VALIDATION_ERROR", "EVALIDATION"},
    {BUFFR_EMALFORMED, 400, "MALFORMED_JSON", "EMALFORMED"},
    {BUFFR_EUNAUTH, 401, "UNAUTHENTICATED", "EUNAUTH"},
    {BUFFR_EFORBIDDEN, 403, "FORBIDDEN", "EFORBIDDEN"},
    {BUFFR_ENOTFOUND, 404, "NOT_FOUND", "ENOTFOUND"},
    {BUFFR_EMETHOD, 405, "METHOD_NOT_ALLOWED", "EMETHOD"},
    {BUFFR_ECONFLICT, 409, "CONFLICT", "ECONFLICT"},
    {BUFFR_ENOAVAIL, 409, "NO_AVAILABILITY", "ENOAVAIL"},
    {BUFFR_ESTATE, 409, "INVALID_STATE_TRANSITION", "ESTATE"},
    {BUFFR_ESTOCK, 409, "INSUFFICIENT_STOCK", "ESTOCK"},
    {BUFFR_ECONSTRAINT, 409, "CONFLICT", "ECONSTRAINT"},
    {BUFFR_ETOOLARGE, 413, "PAYLOAD_TOO_LARGE", "ETOOLARGE"},
    {BUFFR_EMEDIA, 415, "UNSUPPORTED_MEDIA_TYPE", "EMEDIA"},
    {BUFFR_EIDEMPOTENCY, 422, "IDEMPOTENCY_KEY_REUSED", "EIDEMPOTENCY"},
    {BUFFR_ERATELIMIT, 429, "RATE_LIMITED", "ERATELIMIT"},
    {BUFFR_ENOMEM, 500, "INTERNAL", "ENOMEM"},
    {BUFFR_EIO, 500, "INTERNAL", "EIO"},
    {BUFFR_EDB, 500, "INTERNAL", "EDB"},
    {BUFFR_EINVAL, 500, "INTERNAL", "EINVAL"},
    {BUFFR_EINTERNAL, 500, "INTERNAL", "EINTERNAL"},
    {BUFFR_EUNAVAILABLE, 503, "UNAVAILABLE", "EUNAVAILABLE"},
    {BUFFR_EBUSY, 503, "UNAVAILABLE", "EBUSY"},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        int code = expected[i].code;
        if (buffr_http_status(code) != expected[i].status)
            fail_msg("%s: status %d, want %d", expected[i].name, buffr_http_status(code),
                     expected[i].status);
        assert_string_equal(buffr_api_code(code), expected[i].api_code);
        assert_string_equal(buffr_strerror(code), expected[i].name);
    }
}

static void test_every_code_listed(void **state)
{
    (void)state;
    /* The codes are 0..-22 with no gap: each has its own row above, so a
     * new code cannot be added without deciding its status here too. */
    for (int code = 0; code >= BUFFR_EINTERNAL; code--) {
        bool found = false;
        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
            found = found || expected[i].code == code;
        if (!found)
            fail_msg("code %d has no expected mapping", code);
        assert_string_not_equal(buffr_strerror(code), "EUNKNOWN");
    }
    assert_int_equal(sizeof(expected) / sizeof(expected[0]), 1 - BUFFR_EINTERNAL);
}

static void test_unknown_code(void **state)
{
    (void)state;
    /* Anything unknown is an internal error, never a 2xx. */
    const int unknown[] = {BUFFR_EINTERNAL - 1, -1000, 1, 42};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_int_equal(buffr_http_status(unknown[i]), 500);
        assert_string_equal(buffr_api_code(unknown[i]), "INTERNAL");
        assert_string_equal(buffr_strerror(unknown[i]), "EUNKNOWN");
    }
}

static void test_fail_fills_record(void **state)
{
    (void)state;
    buffr_err_t e;
    memset(&e, 0x55, sizeof(e));
    int rc = buffr_fail(&e, BUFFR_EVALIDATION, "check_out", "%s must be after %s", "check_out",
                        "check_in");
    assert_int_equal(rc, BUFFR_EVALIDATION);
    assert_int_equal(e.code, BUFFR_EVALIDATION);
    assert_string_equal(e.field, "check_out");
    assert_string_equal(e.message, "check_out must be after check_in");

    rc = buffr_fail(&e, BUFFR_ENOTFOUND, NULL, "reservation not found");
    assert_int_equal(rc, BUFFR_ENOTFOUND);
    assert_int_equal(e.code, BUFFR_ENOTFOUND);
    assert_string_equal(e.field, "");
    assert_string_equal(e.message, "reservation not found");
}

static void test_fail_without_record(void **state)
{
    (void)state;
    assert_int_equal(buffr_fail(NULL, BUFFR_ECONFLICT, "version", "stale"), BUFFR_ECONFLICT);
}

static void test_fail_truncates(void **state)
{
    (void)state;
    buffr_err_t e;
    char long_text[500];
    memset(long_text, 'm', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    buffr_fail(&e, BUFFR_EVALIDATION, long_text, "%s", long_text);
    assert_int_equal(strlen(e.message), sizeof(e.message) - 1);
    assert_int_equal(strlen(e.field), sizeof(e.field) - 1);
    assert_int_equal(e.message[0], 'm');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_every_code_listed),
        cmocka_unit_test(test_unknown_code),
        cmocka_unit_test(test_fail_fills_record),
        cmocka_unit_test(test_fail_without_record),
        cmocka_unit_test(test_fail_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
