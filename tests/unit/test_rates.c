/*
 * test_rates.c - unit tests for the pure pricing and fee rules of the
 * reservations module (src/reservations/rates.c) and for the property time
 * arithmetic the cancellation window relies on (src/reservations/zone.c).
 * Day numbers and weekdays were computed with Python's datetime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/timeutil.h"
#include "reservations/rates.h"
#include "core/zone.h"

/* Day numbers used below. */
enum {
    DAY_2026_11_23 = 20780, /* Monday */
    DAY_2026_12_18 = 20805, /* Friday */
    DAY_2026_12_19 = 20806, /* Saturday */
    DAY_2026_12_20 = 20807, /* Sunday */
    DAY_2026_12_24 = 20811, /* Thursday */
    DAY_2027_01_04 = 20822, /* Monday */
};

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(date_weekday(0), 3);  /* 1970-01-01, Thursday */
    assert_int_equal(date_weekday(-1), 2); /* 1969-12-31, Wednesday */
    assert_int_equal(date_weekday(DAY_2026_11_23), 0);
    assert_int_equal(date_weekday(DAY_2026_12_18), 4);
    assert_int_equal(date_weekday(DAY_2026_12_19), 5);
    assert_int_equal(date_weekday(DAY_2026_12_20), 6);
    assert_int_equal(date_weekday(DAY_2027_01_04), 0);
}

static void test_base_rate_only(void **state)
{
    (void)state;
    rate_plan_t plan;
    rate_plan_init(&plan, 12950);
    int64_t total = -1, first = -1;
    assert_int_equal(rate_stay_price(&plan, DAY_2026_11_23, DAY_2026_11_23 + 7, &total, &first), 0);
    assert_int_equal(total, 7 * 12950);
    assert_int_equal(first, 12950);
    assert_int_equal(rate_stay_restriction(&plan, DAY_2026_11_23, DAY_2026_11_23 + 1, NULL),
                     RATE_SELLABLE);
}

static void test_precedence(void **state)
{
    (void)state;
    /* base 10000; Friday and Saturday 15000; a season over
     * [2026-12-19, 2026-12-21) at 20000: the season wins over Saturday,
     * the weekday rate wins over the base. */
    rate_season_t season = {DAY_2026_12_19, DAY_2026_12_20 + 1, 20000, 0};
    rate_plan_t plan;
    rate_plan_init(&plan, 10000);
    plan.weekday_rate[4] = 15000;
    plan.weekday_rate[5] = 15000;
    plan.seasons = &season;
    plan.season_count = 1;
    assert_int_equal(rate_night(&plan, DAY_2026_12_18 - 1), 10000); /* Thursday: base */
    assert_int_equal(rate_night(&plan, DAY_2026_12_18), 15000);     /* Friday: weekday */
    assert_int_equal(rate_night(&plan, DAY_2026_12_19), 20000);     /* Saturday in season */
    assert_int_equal(rate_night(&plan, DAY_2026_12_20), 20000);     /* Sunday in season */
    assert_int_equal(rate_night(&plan, DAY_2026_12_20 + 1), 10000); /* season end exclusive */
    int64_t total = 0, first = 0;
    /* Thu..Mon: 10000 + 15000 + 20000 + 20000 + 10000 */
    assert_int_equal(rate_stay_price(&plan, DAY_2026_12_18 - 1, DAY_2026_12_20 + 2, &total, &first),
                     0);
    assert_int_equal(total, 75000);
    assert_int_equal(first, 10000);
    /* A zero rate is a rate, not "unset". */
    plan.weekday_rate[3] = 0;
    assert_int_equal(rate_night(&plan, DAY_2026_12_24), 0);
}

static void test_stay_bounds(void **state)
{
    (void)state;
    rate_plan_t plan;
    rate_plan_init(&plan, 100);
    int64_t total = 42;
    assert_int_equal(rate_stay_price(&plan, 10, 10, &total, NULL), -1);
    assert_int_equal(rate_stay_price(&plan, 10, 9, &total, NULL), -1);
    assert_int_equal(rate_stay_price(&plan, 0, RATE_MAX_NIGHTS + 1, &total, NULL), -1);
    assert_int_equal(total, 42); /* untouched on refusal */
    assert_int_equal(rate_stay_price(&plan, 0, RATE_MAX_NIGHTS, &total, NULL), 0);
    assert_int_equal(total, 100 * RATE_MAX_NIGHTS);
    /* The largest amounts do not overflow. */
    rate_plan_init(&plan, RATE_MAX_AMOUNT);
    assert_int_equal(rate_stay_price(&plan, 0, RATE_MAX_NIGHTS, &total, NULL), 0);
    assert_int_equal(total, RATE_MAX_AMOUNT * RATE_MAX_NIGHTS);
}

static void test_restrictions(void **state)
{
    (void)state;
    rate_season_t season = {DAY_2026_12_19, DAY_2027_01_04, 20000, 3};
    int64_t closed[] = {DAY_2026_12_24, DAY_2026_11_23};
    rate_plan_t plan;
    rate_plan_init(&plan, 10000);
    plan.min_stay = 2;
    plan.seasons = &season;
    plan.season_count = 1;
    plan.closed_arrivals = closed;
    plan.closed_count = 2;
    int64_t min = 0;
    /* Outside the season: the plan's minimum of 2. */
    assert_int_equal(rate_stay_restriction(&plan, DAY_2026_12_18, DAY_2026_12_18 + 1, &min),
                     RATE_MIN_STAY);
    assert_int_equal(min, 2);
    assert_int_equal(rate_stay_restriction(&plan, DAY_2026_12_18, DAY_2026_12_18 + 2, &min),
                     RATE_SELLABLE);
    /* Arriving in the season: its minimum of 3, even for nights after it. */
    assert_int_equal(rate_stay_restriction(&plan, DAY_2026_12_19, DAY_2026_12_19 + 2, &min),
                     RATE_MIN_STAY);
    assert_int_equal(min, 3);
    assert_int_equal(rate_stay_restriction(&plan, DAY_2026_12_19, DAY_2026_12_19 + 3, &min),
                     RATE_SELLABLE);
    assert_int_equal(rate_stay_restriction(&plan, DAY_2027_01_04 - 1, DAY_2027_01_04 + 2, &min),
                     RATE_SELLABLE);
    /* Closed to arrival stops arrivals only, not stays through the date. */
    assert_int_equal(rate_stay_restriction(&plan, DAY_2026_12_24, DAY_2026_12_24 + 5, &min),
                     RATE_CLOSED_TO_ARRIVAL);
    assert_int_equal(rate_stay_restriction(&plan, DAY_2026_12_24 - 2, DAY_2026_12_24 + 3, &min),
                     RATE_SELLABLE);
    assert_int_equal(rate_stay_restriction(&plan, DAY_2026_11_23, DAY_2026_11_23 + 9, &min),
                     RATE_CLOSED_TO_ARRIVAL);
    assert_string_equal(rate_restriction_name(RATE_MIN_STAY), "min_stay");
    assert_string_equal(rate_restriction_name(RATE_CLOSED_TO_ARRIVAL), "closed_to_arrival");
    assert_null(rate_restriction_name(RATE_SELLABLE));
}

static void test_cancellation_fee(void **state)
{
    (void)state;
    const int64_t check_in_at = 1782910800; /* 2026-07-01T13:00:00Z */
    cancel_policy_t first_night = {.free_hours = 48, .kind = CANCEL_FEE_FIRST_NIGHT};
    int64_t deadline = check_in_at - 48 * 3600;
    assert_int_equal(
        rate_cancellation_fee(&first_night, deadline - 86400, check_in_at, 30000, 9000), 0);
    assert_int_equal(rate_cancellation_fee(&first_night, deadline, check_in_at, 30000, 9000), 0);
    assert_int_equal(rate_cancellation_fee(&first_night, deadline + 1, check_in_at, 30000, 9000),
                     9000);
    assert_int_equal(
        rate_cancellation_fee(&first_night, check_in_at + 86400, check_in_at, 30000, 9000), 9000);

    cancel_policy_t fixed = {.free_hours = 24, .kind = CANCEL_FEE_FIXED, .fixed_amount = 5000};
    assert_int_equal(
        rate_cancellation_fee(&fixed, check_in_at - 25 * 3600, check_in_at, 30000, 9000), 0);
    assert_int_equal(rate_cancellation_fee(&fixed, check_in_at - 3600, check_in_at, 30000, 9000),
                     5000);
    /* Never more than the stay costs. */
    assert_int_equal(rate_cancellation_fee(&fixed, check_in_at, check_in_at, 4000, 4000), 4000);

    cancel_policy_t none = {.free_hours = 0, .kind = CANCEL_FEE_NONE, .fixed_amount = 5000};
    assert_int_equal(rate_cancellation_fee(&none, check_in_at + 3600, check_in_at, 30000, 9000), 0);
    /* free_hours 0: free until the check-in hour itself. */
    cancel_policy_t strict = {.free_hours = 0, .kind = CANCEL_FEE_FIRST_NIGHT};
    assert_int_equal(rate_cancellation_fee(&strict, check_in_at, check_in_at, 30000, 9000), 0);
    assert_int_equal(rate_cancellation_fee(&strict, check_in_at + 1, check_in_at, 30000, 9000),
                     9000);
}

static void test_fee_kind_names(void **state)
{
    (void)state;
    cancel_fee_kind_t kind = CANCEL_FEE_NONE;
    assert_int_equal(cancel_fee_kind_parse("fixed", &kind), 0);
    assert_int_equal(kind, CANCEL_FEE_FIXED);
    assert_int_equal(cancel_fee_kind_parse("first_night", &kind), 0);
    assert_int_equal(kind, CANCEL_FEE_FIRST_NIGHT);
    assert_int_equal(cancel_fee_kind_parse("none", &kind), 0);
    assert_int_equal(kind, CANCEL_FEE_NONE);
    assert_int_equal(cancel_fee_kind_parse("Fixed", &kind), -1);
    assert_int_equal(cancel_fee_kind_parse(NULL, &kind), -1);
    assert_string_equal(cancel_fee_kind_name(CANCEL_FEE_FIRST_NIGHT), "first_night");
    assert_string_equal(cancel_fee_kind_name(CANCEL_FEE_FIXED), "fixed");
}

static void test_zone_offsets(void **state)
{
    (void)state;
    int32_t offset = -1;
    assert_int_equal(zone_utc_offset("UTC", 1782910800, &offset), 0);
    assert_int_equal(offset, 0);
    assert_int_equal(zone_utc_offset("Europe/Paris", 1768485600, &offset), 0); /* January */
    assert_int_equal(offset, 3600);
    assert_int_equal(zone_utc_offset("Europe/Paris", 1782910800, &offset), 0); /* July */
    assert_int_equal(offset, 7200);
    assert_int_equal(zone_utc_offset("Asia/Tokyo", 1782910800, &offset), 0);
    assert_int_equal(offset, 9 * 3600);
    assert_int_equal(zone_utc_offset("America/New_York", 1782910800, &offset), 0);
    assert_int_equal(offset, -4 * 3600);
    assert_int_equal(zone_utc_offset("Mars/Base", 0, &offset), BUFFR_EINVAL);
    assert_int_equal(zone_utc_offset("../etc/passwd", 0, &offset), BUFFR_EINVAL);
    assert_int_equal(zone_utc_offset(NULL, 0, &offset), BUFFR_EINVAL);
}

static void test_zone_local_time(void **state)
{
    (void)state;
    int64_t utc = 0;
    /* 2026-07-01 15:00 in Paris (CEST) is 13:00Z. */
    assert_int_equal(zone_local_to_utc("Europe/Paris", 20635LL * 86400 + 15 * 3600, &utc), 0);
    assert_int_equal(utc, 1782910800);
    /* 2026-07-01 09:00 in New York (EDT) is 13:00Z. */
    assert_int_equal(zone_local_to_utc("America/New_York", 20635LL * 86400 + 9 * 3600, &utc), 0);
    assert_int_equal(utc, 1782910800);
    /* 2026-07-01T22:30Z is already 2 July in Paris, still 1 July in New York. */
    int64_t day = 0;
    assert_int_equal(zone_day_of("Europe/Paris", 1782945000, &day), 0);
    assert_int_equal(day, 20636);
    assert_int_equal(zone_day_of("America/New_York", 1782945000, &day), 0);
    assert_int_equal(day, 20635);
    assert_int_equal(zone_day_of("UTC", 1782945000, &day), 0);
    assert_int_equal(day, 20635);
    assert_int_equal(zone_day_of("UTC", -1, &day), 0);
    assert_int_equal(day, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekday),         cmocka_unit_test(test_base_rate_only),
        cmocka_unit_test(test_precedence),      cmocka_unit_test(test_stay_bounds),
        cmocka_unit_test(test_restrictions),    cmocka_unit_test(test_cancellation_fee),
        cmocka_unit_test(test_fee_kind_names),  cmocka_unit_test(test_zone_offsets),
        cmocka_unit_test(test_zone_local_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
