/*
 * test_jsonx.c - unit tests for core/jsonx.c: each getter's success,
 * missing (required and optional), null, wrong type, bounds, enums, NUL in
 * strings, and the message and field each failure reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/jsonx.h"

static json_t *body;

static int setup(void **state)
{
    (void)state;
    body = json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:b, s:b, s:n, s:s, s:[], s:{}}", "name",
                     "Grand Hôtel", "empty", "", "spaced", "  x  ", "nights", (json_int_t)3, "big",
                     (json_int_t)INT64_MAX, "ratio", 2.0, "yes", 1, "no", 0, "nothing", "status",
                     "confirmed", "list", "object");
    if (body == NULL)
        return -1;
    /* "a\0b": valid JSON ("a\u0000b"), but a C string would stop at 'a'. */
    json_object_set_new(body, "nul", json_stringn("a\0b", 3));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(body);
    return 0;
}

static void assert_failure(int rc, const buffr_err_t *e, const char *field, const char *message)
{
    assert_int_equal(rc, BUFFR_EVALIDATION);
    assert_int_equal(e->code, BUFFR_EVALIDATION);
    assert_string_equal(e->field, field);
    assert_string_equal(e->message, message);
}

static void test_string(void **state)
{
    (void)state;
    buffr_err_t e = {0};
    const char *s = NULL;
    bool present = false;
    assert_int_equal(jsonx_string(body, "name", true, 1, 100, &s, &present, &e), 0);
    assert_string_equal(s, "Grand Hôtel");
    assert_true(present);
    /* Spaces are kept. */
    assert_int_equal(jsonx_string(body, "spaced", true, 1, 100, &s, NULL, &e), 0);
    assert_string_equal(s, "  x  ");
    /* Length bounds are in bytes and inclusive: "Grand Hôtel" is 12 bytes. */
    assert_int_equal(jsonx_string(body, "name", true, 12, 12, &s, NULL, &e), 0);
    assert_failure(jsonx_string(body, "name", true, 1, 11, &s, NULL, &e), &e, "name",
                   "name must be at most 11 bytes");
    assert_failure(jsonx_string(body, "name", true, 13, 100, &s, NULL, &e), &e, "name",
                   "name is too short");
    assert_failure(jsonx_string(body, "empty", true, 1, 100, &s, NULL, &e), &e, "empty",
                   "empty must not be empty");
    assert_int_equal(jsonx_string(body, "empty", true, 0, 100, &s, NULL, &e), 0);
    assert_string_equal(s, "");
}

static void test_string_missing_and_wrong_type(void **state)
{
    (void)state;
    buffr_err_t e = {0};
    const char *s = "untouched";
    bool present = true;
    assert_failure(jsonx_string(body, "absent", true, 1, 10, &s, &present, &e), &e, "absent",
                   "absent is required");
    assert_false(present);
    /* Optional: fine, out untouched, present false. */
    present = true;
    assert_int_equal(jsonx_string(body, "absent", false, 1, 10, &s, &present, NULL), 0);
    assert_false(present);
    assert_string_equal(s, "untouched");
    /* null counts as absent. */
    present = true;
    assert_int_equal(jsonx_string(body, "nothing", false, 1, 10, &s, &present, NULL), 0);
    assert_false(present);
    assert_failure(jsonx_string(body, "nothing", true, 1, 10, &s, NULL, &e), &e, "nothing",
                   "nothing is required");
    /* Wrong types. */
    const char *not_strings[] = {"nights", "ratio", "yes", "list", "object"};
    for (size_t i = 0; i < sizeof(not_strings) / sizeof(not_strings[0]); i++) {
        char msg[100];
        snprintf(msg, sizeof(msg), "%s must be a string", not_strings[i]);
        assert_failure(jsonx_string(body, not_strings[i], false, 0, 10, &s, NULL, &e), &e,
                       not_strings[i], msg);
    }
    assert_string_equal(s, "untouched");
    /* Not an object at all: the field is missing. */
    json_t *arr = json_array();
    assert_failure(jsonx_string(arr, "name", true, 1, 10, &s, NULL, &e), &e, "name",
                   "name is required");
    assert_failure(jsonx_string(NULL, "name", true, 1, 10, &s, NULL, &e), &e, "name",
                   "name is required");
    json_decref(arr);
    /* No error record: only the code. */
    assert_int_equal(jsonx_string(body, "nights", true, 0, 10, &s, NULL, NULL), BUFFR_EVALIDATION);
}

static void test_string_with_nul(void **state)
{
    (void)state;
    buffr_err_t e = {0};
    const char *s = "untouched";
    assert_failure(jsonx_string(body, "nul", true, 0, 100, &s, NULL, &e), &e, "nul",
                   "nul must not contain NUL characters");
    assert_string_equal(s, "untouched");
    /* Parsed from text too (jansson only accepts \u0000 with JSON_ALLOW_NUL). */
    json_t *parsed = json_loads("{\"x\":\"ab\\u0000cd\"}", JSON_ALLOW_NUL, NULL);
    assert_non_null(parsed);
    assert_int_equal(jsonx_string(parsed, "x", true, 0, 100, &s, NULL, &e), BUFFR_EVALIDATION);
    json_decref(parsed);
}

static void test_int(void **state)
{
    (void)state;
    buffr_err_t e = {0};
    int64_t v = -99;
    bool present = false;
    assert_int_equal(jsonx_int(body, "nights", true, 1, 30, &v, &present, &e), 0);
    assert_int_equal(v, 3);
    assert_true(present);
    /* Bounds are inclusive. */
    assert_int_equal(jsonx_int(body, "nights", true, 3, 3, &v, NULL, &e), 0);
    assert_failure(jsonx_int(body, "nights", true, 4, 30, &v, NULL, &e), &e, "nights",
                   "nights must be between 4 and 30");
    assert_failure(jsonx_int(body, "nights", true, -5, 2, &v, NULL, &e), &e, "nights",
                   "nights must be between -5 and 2");
    assert_int_equal(jsonx_int(body, "big", true, 0, INT64_MAX, &v, NULL, &e), 0);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(jsonx_int(body, "big", true, 0, INT64_MAX - 1, &v, NULL, &e),
                     BUFFR_EVALIDATION);

    v = -99;
    /* 2.0 is a real, not an integer. */
    assert_failure(jsonx_int(body, "ratio", true, 0, 10, &v, NULL, &e), &e, "ratio",
                   "ratio must be an integer");
    assert_failure(jsonx_int(body, "name", true, 0, 10, &v, NULL, &e), &e, "name",
                   "name must be an integer");
    assert_failure(jsonx_int(body, "yes", true, 0, 10, &v, NULL, &e), &e, "yes",
                   "yes must be an integer");
    assert_failure(jsonx_int(body, "absent", true, 0, 10, &v, NULL, &e), &e, "absent",
                   "absent is required");
    present = true;
    assert_int_equal(jsonx_int(body, "absent", false, 0, 10, &v, &present, &e), 0);
    assert_false(present);
    assert_int_equal(v, -99);

    json_t *text = json_loads("{\"n\":\"5\",\"m\":5e0,\"k\":-0}", 0, NULL);
    assert_non_null(text);
    assert_int_equal(jsonx_int(text, "n", true, 0, 10, &v, NULL, &e), BUFFR_EVALIDATION);
    assert_int_equal(jsonx_int(text, "m", true, 0, 10, &v, NULL, &e), BUFFR_EVALIDATION);
    assert_int_equal(jsonx_int(text, "k", true, 0, 10, &v, NULL, &e), 0);
    assert_int_equal(v, 0);
    json_decref(text);
}

static void test_bool(void **state)
{
    (void)state;
    buffr_err_t e = {0};
    bool v = false, present = false;
    assert_int_equal(jsonx_bool(body, "yes", true, &v, &present, &e), 0);
    assert_true(v);
    assert_true(present);
    assert_int_equal(jsonx_bool(body, "no", true, &v, NULL, &e), 0);
    assert_false(v);
    v = true;
    assert_failure(jsonx_bool(body, "nights", true, &v, NULL, &e), &e, "nights",
                   "nights must be true or false");
    assert_failure(jsonx_bool(body, "name", true, &v, NULL, &e), &e, "name",
                   "name must be true or false");
    assert_failure(jsonx_bool(body, "absent", true, &v, NULL, &e), &e, "absent",
                   "absent is required");
    present = true;
    assert_int_equal(jsonx_bool(body, "absent", false, &v, &present, &e), 0);
    assert_false(present);
    assert_true(v);
}

static void test_enum(void **state)
{
    (void)state;
    static const char *const statuses[] = {"confirmed", "checked_in", "cancelled", NULL};
    buffr_err_t e = {0};
    const char *v = NULL;
    bool present = false;
    assert_int_equal(jsonx_enum(body, "status", true, statuses, &v, &present, &e), 0);
    /* The result is the table's own string, so it outlives the JSON. */
    assert_ptr_equal(v, statuses[0]);
    assert_true(present);

    static const char *const others[] = {"a", "b", NULL};
    assert_failure(jsonx_enum(body, "status", true, others, &v, NULL, &e), &e, "status",
                   "status must be one of: a, b");
    assert_failure(jsonx_enum(body, "nights", true, statuses, &v, NULL, &e), &e, "nights",
                   "nights must be a string");
    assert_failure(jsonx_enum(body, "empty", true, statuses, &v, NULL, &e), &e, "empty",
                   "empty must not be empty");
    assert_failure(jsonx_enum(body, "absent", true, statuses, &v, NULL, &e), &e, "absent",
                   "absent is required");
    present = true;
    v = "untouched";
    assert_int_equal(jsonx_enum(body, "absent", false, statuses, &v, &present, &e), 0);
    assert_false(present);
    assert_string_equal(v, "untouched");
    /* Case matters. */
    json_t *o = json_pack("{s:s}", "status", "Confirmed");
    assert_int_equal(jsonx_enum(o, "status", true, statuses, &v, NULL, &e), BUFFR_EVALIDATION);
    json_decref(o);
}

static void test_string_or_null_and_dump(void **state)
{
    (void)state;
    json_t *n = jsonx_string_or_null(NULL);
    assert_true(json_is_null(n));
    json_decref(n);
    json_t *s = jsonx_string_or_null("Été");
    assert_string_equal(json_string_value(s), "Été");

    json_t *o = json_object();
    json_object_set_new(o, "name", s);
    json_object_set_new(o, "n", json_integer(2));
    char *text = jsonx_dump(o);
    assert_non_null(text);
    /* Compact, insertion order, UTF-8 kept as is (no \u escapes). */
    assert_string_equal(text, "{\"name\":\"Été\",\"n\":2}");
    free(text);
    json_decref(o);

    json_t *scalar = json_integer(42);
    text = jsonx_dump(scalar);
    assert_string_equal(text, "42");
    free(text);
    json_decref(scalar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_string_missing_and_wrong_type),
        cmocka_unit_test(test_string_with_nul),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_string_or_null_and_dump),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
