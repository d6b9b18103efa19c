/*
 * test_menu_hours.c - restaurant/business_day.c: when a menu is serving
 * (hours in property time, across midnight, no hours), and core/zone.c's
 * local minute of the day of a Unix time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>

#include "core/error.h"
#include "core/zone.h"
#include "restaurant/restaurant_internal.h"

#define AT(h, m) ((h)*60 + (m))

static void test_daytime_hours(void **state)
{
    (void)state;
    /* Breakfast 07:00 to 10:30: from the first minute, until the last. */
    assert_false(menu_hours_open("07:00", "10:30", AT(6, 59)));
    assert_true(menu_hours_open("07:00", "10:30", AT(7, 0)));
    assert_true(menu_hours_open("07:00", "10:30", AT(10, 29)));
    assert_false(menu_hours_open("07:00", "10:30", AT(10, 30)));
    assert_false(menu_hours_open("07:00", "10:30", AT(23, 0)));
}

static void test_across_midnight(void **state)
{
    (void)state;
    /* A late bar menu, 22:00 to 02:00. */
    assert_false(menu_hours_open("22:00", "02:00", AT(21, 59)));
    assert_true(menu_hours_open("22:00", "02:00", AT(22, 0)));
    assert_true(menu_hours_open("22:00", "02:00", AT(23, 59)));
    assert_true(menu_hours_open("22:00", "02:00", AT(0, 0)));
    assert_true(menu_hours_open("22:00", "02:00", AT(1, 59)));
    assert_false(menu_hours_open("22:00", "02:00", AT(2, 0)));
    assert_false(menu_hours_open("22:00", "02:00", AT(12, 0)));
}

static void test_always_serving(void **state)
{
    (void)state;
    for (int m = 0; m < 1440; m += 7) {
        assert_true(menu_hours_open(NULL, NULL, m));
        assert_true(menu_hours_open("09:00", "09:00", m)); /* equal ends: all day */
        assert_true(menu_hours_open("9:00", "10:00", m));  /* not HH:MM: no hours */
    }
}

static void test_local_minute(void **state)
{
    (void)state;
    int minute = -1;
    /* 2026-11-22T01:30:00Z */
    int64_t t = 1795311000;
    assert_int_equal(zone_minute_of_day("UTC", t, &minute), 0);
    assert_int_equal(minute, AT(1, 30));
    /* Kathmandu is UTC+05:45, no daylight saving. */
    assert_int_equal(zone_minute_of_day("Asia/Kathmandu", t, &minute), 0);
    assert_int_equal(minute, AT(7, 15));
    /* New York in November is UTC-05:00: the evening before. */
    assert_int_equal(zone_minute_of_day("America/New_York", t, &minute), 0);
    assert_int_equal(minute, AT(20, 30));
    assert_int_equal(zone_minute_of_day("No/Such_Zone", t, &minute), BUFFR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daytime_hours),
        cmocka_unit_test(test_across_midnight),
        cmocka_unit_test(test_always_serving),
        cmocka_unit_test(test_local_minute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
