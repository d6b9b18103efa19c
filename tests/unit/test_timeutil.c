/*
 * test_timeutil.c - unit tests for core/timeutil.c: calendar dates (parse,
 * format, round trip, weekdays), RFC 3339 timestamps, clocks, times of day
 * (HH:MM) and time zone names.
 * Expected day numbers were computed with Python's datetime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "core/timeutil.h"

static void assert_date(const char *s, int64_t expected)
{
    int64_t day = INT64_MIN;
    if (date_parse(s, &day) != 0)
        fail_msg("refused \"%s\"", s);
    assert_int_equal(day, expected);
}

static void test_date_parse_valid(void **state)
{
    (void)state;
    assert_date("1970-01-01", 0);
    assert_date("1970-01-02", 1);
    assert_date("1969-12-31", -1);
    assert_date("2024-02-29", 19782);
    assert_date("2000-02-29", 11016); /* divisible by 400: leap */
    assert_date("2026-11-21", 20778);
    assert_date("1900-01-01", -25567);
    assert_date("9999-12-31", 2932896);
    assert_date("2026-12-31", 20818);
    assert_date("2026-04-30", 20573);
}

static void test_date_parse_invalid(void **state)
{
    (void)state;
    const char *bad[] = {
        "2026-02-29", /* 2026 is not a leap year */
        "2100-02-29", /* divisible by 100, not by 400 */
        "2026-13-01",
        "2026-00-10",
        "2026-01-00",
        "2026-01-32",
        "2026-04-31",
        "2026-1-01",
        "2026-01-1",
        "26-01-01",
        "2026-01-01x",
        " 2026-01-01",
        "2026-01-01 ",
        "2026/01/01",
        "2026-01-01T00:00:00Z",
        "+026-01-01",
        "-026-01-01",
        "2026-0a-01",
        "1899-12-31",
        "",
        "2026--01-01",
        "\xef\xbc\x92\x30\x32\x36-01-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t day = 12345;
        if (date_parse(bad[i], &day) == 0)
            fail_msg("accepted \"%s\" as day %lld", bad[i], (long long)day);
        assert_int_equal(day, 12345); /* untouched */
    }
    int64_t day;
    assert_int_equal(date_parse(NULL, &day), -1);
}

static void test_date_format(void **state)
{
    (void)state;
    char out[DATE_BUF_SIZE];
    date_format(0, out);
    assert_string_equal(out, "1970-01-01");
    date_format(-1, out);
    assert_string_equal(out, "1969-12-31");
    date_format(19782, out);
    assert_string_equal(out, "2024-02-29");
    date_format(19783, out);
    assert_string_equal(out, "2024-03-01");
    date_format(2932896, out);
    assert_string_equal(out, "9999-12-31");
}

static void test_date_round_trip(void **state)
{
    (void)state;
    int64_t first, last;
    assert_int_equal(date_parse("1900-01-01", &first), 0);
    assert_int_equal(date_parse("2200-12-31", &last), 0);
    char prev[DATE_BUF_SIZE] = "";
    for (int64_t day = first; day <= last; day++) {
        char out[DATE_BUF_SIZE];
        date_format(day, out);
        int64_t back = INT64_MIN;
        if (date_parse(out, &back) != 0 || back != day)
            fail_msg("day %lld formatted as \"%s\" parsed back as %lld", (long long)day, out,
                     (long long)back);
        /* As text, dates sort in calendar order. */
        assert_true(strcmp(prev, out) < 0);
        memcpy(prev, out, sizeof(out));
    }
    assert_string_equal(prev, "2200-12-31");
}

static void test_rfc3339(void **state)
{
    (void)state;
    char out[RFC3339_BUF_SIZE];
    time_format_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    time_format_rfc3339(1795300482, out);
    assert_string_equal(out, "2026-11-21T22:34:42Z");
    time_format_rfc3339(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    time_format_rfc3339(2147483648LL, out); /* past 32-bit time_t */
    assert_string_equal(out, "2038-01-19T03:14:08Z");
    time_format_rfc3339(951782400, out);
    assert_string_equal(out, "2000-02-29T00:00:00Z");
    assert_int_equal(strlen(out), RFC3339_BUF_SIZE - 1);
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t s = time_now();
    int64_t ms = time_now_ms();
    assert_true(s > 1700000000); /* after 2023 */
    assert_true(ms / 1000 >= s && ms / 1000 <= s + 2);
    double a = time_monotonic();
    double b = time_monotonic();
    assert_true(b >= a);
}

static void test_timezones(void **state)
{
    (void)state;
    const char *good[] = {"Europe/Paris", "UTC",       "America/Argentina/Buenos_Aires",
                          "Asia/Kolkata", "Etc/GMT+5", "America/Port-au-Prince"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!timezone_is_valid(good[i]))
            fail_msg("refused \"%s\"", good[i]);

    const char *bad[] = {
        "../etc/passwd",
        "Nowhere/City",
        "",
        "/etc/passwd",
        "Europe/../../etc/passwd",
        "Europe",
        "Europe//Paris",
        "Europe/Paris/",
        "europe/paris",
        "Europe/Paris ",
        "Europe/Paris\n",
        "Europe\\Paris",
        "Europe/Pari%73",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (timezone_is_valid(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
    assert_false(timezone_is_valid(NULL));
    /* Over the length limit, even if made of valid parts. */
    char longname[100];
    memset(longname, 'A', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_false(timezone_is_valid(longname));
}

static void test_hhmm_and_weekday(void **state)
{
    (void)state;
    int m;
    assert_int_equal(hhmm_parse("00:00", 5, false, &m), 0);
    assert_int_equal(m, 0);
    assert_int_equal(hhmm_parse("23:59", 5, false, &m), 0);
    assert_int_equal(m, 1439);
    assert_int_equal(hhmm_parse("24:00", 5, false, &m), -1);
    assert_int_equal(hhmm_parse("24:00", 5, true, &m), 0);
    assert_int_equal(m, 1440);
    assert_int_equal(hhmm_parse("24:15", 5, true, &m), -1);
    assert_int_equal(hhmm_parse("9:00", 4, false, &m), -1);
    assert_int_equal(hhmm_parse("09:00x", 6, false, &m), -1);
    char out[HHMM_BUF_SIZE];
    hhmm_format(9 * 60 + 5, out);
    assert_string_equal(out, "09:05");
    hhmm_format(1440, out);
    assert_string_equal(out, "24:00");

    int64_t day;
    assert_int_equal(date_parse("1970-01-01", &day), 0);
    assert_int_equal(date_weekday(day), 3); /* Thursday */
    assert_int_equal(date_parse("2026-11-30", &day), 0);
    assert_int_equal(date_weekday(day), 0); /* Monday */
    assert_int_equal(date_parse("2026-12-06", &day), 0);
    assert_int_equal(date_weekday(day), 6); /* Sunday */
    assert_int_equal(date_parse("1969-12-29", &day), 0);
    assert_int_equal(date_weekday(day), 0); /* Monday, before the epoch */

    assert_int_equal(weekday_parse("monday"), 0);
    assert_int_equal(weekday_parse("mon"), 0);
    assert_int_equal(weekday_parse("sunday"), 6);
    assert_int_equal(weekday_parse("sun"), 6);
    assert_int_equal(weekday_parse("thu"), 3);
    const char *bad[] = {"", "mo", "mond", "Monday", "mondays", "funday", "sunday ", NULL};
    for (int i = 0; bad[i] != NULL; i++)
        if (weekday_parse(bad[i]) != -1)
            fail_msg("\"%s\" was taken for a day", bad[i]);
    assert_int_equal(weekday_parse(NULL), -1);
    assert_string_equal(weekday_name(0), "monday");
    assert_string_equal(weekday_name(6), "sunday");
    assert_null(weekday_name(7));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_parse_valid), cmocka_unit_test(test_date_parse_invalid),
        cmocka_unit_test(test_date_format),      cmocka_unit_test(test_date_round_trip),
        cmocka_unit_test(test_rfc3339),          cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_hhmm_and_weekday), cmocka_unit_test(test_timezones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
