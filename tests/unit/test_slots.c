/*
 * test_slots.c - unit tests for services/slots.c, the pure part of the
 * service booking engine: local date-times, slots per duration, working hours
 * (parsing, canonical form, coverage), slot masks, which starts of a day are
 * free given working hours and existing bookings (adjacent bookings fit,
 * overlapping ones do not, several resource kinds, several of one kind),
 * and pro-rata prices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "services/slots.h"

/* Local minutes of "YYYY-MM-DDTHH:MM", failing the test when malformed. */
static int64_t at(const char *text)
{
    int64_t m = 0;
    assert_int_equal(local_time_parse(text, &m), 0);
    return m;
}

static void hours_from(const char *json_text, working_hours_t *h)
{
    json_error_t jerr;
    json_t *v = json_loads(json_text, 0, &jerr);
    assert_non_null(v);
    buffr_err_t e = {0};
    int rc = working_hours_parse(v, "working_hours", h, &e);
    json_decref(v);
    if (rc != 0)
        fail_msg("working hours %s refused: %s", json_text, e.message);
}

/* Mark [from, to) of the day (minutes of the day) as held. */
static void hold(slot_candidate_t *c, int from, int to)
{
    for (int m = from; m < to; m += SLOT_MINUTES)
        slot_mask_set(&c->busy, m / SLOT_MINUTES);
}

/* The free starts as "HH:MM" joined by spaces, for readable assertions. */
static void starts_text(const slot_mask_t *mask, char *out, size_t size)
{
    out[0] = '\0';
    for (int s = 0; s < SLOTS_PER_DAY; s++) {
        if (!slot_mask_test(mask, s))
            continue;
        char hhmm[HHMM_BUF_SIZE];
        hhmm_format(s * SLOT_MINUTES, hhmm);
        if (out[0] != '\0')
            strncat(out, " ", size - strlen(out) - 1);
        strncat(out, hhmm, size - strlen(out) - 1);
    }
}

static void test_local_time(void **state)
{
    (void)state;
    int64_t m;
    assert_int_equal(local_time_parse("1970-01-01T00:00", &m), 0);
    assert_int_equal(m, 0);
    assert_int_equal(local_time_parse("1970-01-02T01:30", &m), 0);
    assert_int_equal(m, 1440 + 90);
    int64_t day;
    assert_int_equal(date_parse("2026-12-01", &day), 0);
    assert_int_equal(at("2026-12-01T09:45"), day * 1440 + 9 * 60 + 45);

    char out[LOCAL_TIME_BUF_SIZE];
    local_time_format(at("2026-12-31T23:59"), out);
    assert_string_equal(out, "2026-12-31T23:59");
    local_time_format(at("2026-12-31T23:45") + 15, out);
    assert_string_equal(out, "2027-01-01T00:00");
    local_time_format(at("2028-02-29T07:05"), out);
    assert_string_equal(out, "2028-02-29T07:05");
    /* Before 1970 (negative minutes) still formats and splits correctly. */
    local_time_format(at("1969-12-31T23:30"), out);
    assert_string_equal(out, "1969-12-31T23:30");
    assert_int_equal(local_day(at("1969-12-31T23:30")), -1);
    assert_int_equal(local_minute_of_day(at("1969-12-31T23:30")), 23 * 60 + 30);

    const char *bad[] = {"",
                         "2026-12-01",
                         "2026-12-01 09:00",
                         "2026-12-01T9:00",
                         "2026-12-01T24:00",
                         "2026-12-01T09:60",
                         "2026-13-01T09:00",
                         "2026-02-30T09:00",
                         "2026-12-01T09:00Z",
                         "2026-12-01T09:0a",
                         "2026-12-01t09:00",
                         NULL};
    for (int i = 0; bad[i] != NULL; i++)
        if (local_time_parse(bad[i], &m) != -1)
            fail_msg("%s was accepted", bad[i]);
    assert_int_equal(local_time_parse(NULL, &m), -1);
}

static void test_working_hours_parse(void **state)
{
    (void)state;
    working_hours_t h;
    hours_from("{\"mon\":\"09:00-17:00\",\"sat\":[\"14:00-18:00\",\"08:30-12:00\"],"
               "\"sun\":null,\"fri\":\"20:00-24:00\"}",
               &h);
    assert_int_equal(h.count[0], 1);
    assert_int_equal(h.interval[0][0].from, 540);
    assert_int_equal(h.interval[0][0].to, 1020);
    assert_int_equal(h.count[5], 2);
    assert_int_equal(h.interval[5][0].from, 510); /* sorted */
    assert_int_equal(h.interval[5][1].from, 840);
    assert_int_equal(h.count[6], 0);
    assert_int_equal(h.count[4], 1);
    assert_int_equal(h.interval[4][0].to, 1440);
    assert_false(working_hours_open_on(&h, 1));
    assert_true(working_hours_open_on(&h, 5));
    assert_true(working_hours_open_on(NULL, 1));

    json_t *canon = working_hours_json(&h);
    assert_non_null(canon);
    char *text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
    /* Days spelled out, whichever way they were given. */
    assert_string_equal(text, "{\"friday\":[\"20:00-24:00\"],\"monday\":[\"09:00-17:00\"],"
                              "\"saturday\":[\"08:30-12:00\",\"14:00-18:00\"]}");
    /* The canonical form parses back to the same hours. */
    working_hours_t again;
    hours_from(text, &again);
    assert_memory_equal(&again, &h, sizeof(h));
    free(text);
    json_decref(canon);

    const char *bad[] = {
        "[]",
        "\"09:00-17:00\"",
        "{\"mondays\":\"09:00-17:00\"}",
        "{\"mon\":\"09:00-12:00\",\"monday\":\"13:00-17:00\"}",
        "{\"mon\":\"17:00-09:00\"}",
        "{\"mon\":\"09:00-09:00\"}",
        "{\"mon\":\"9:00-17:00\"}",
        "{\"mon\":\"09:00-24:30\"}",
        "{\"mon\":\"24:00-24:00\"}",
        "{\"mon\":\"09:00 17:00\"}",
        "{\"mon\":[\"09:00-13:00\",\"12:00-18:00\"]}",
        "{\"mon\":[\"09:00-10:00\",\"10:30-11:00\",\"12:00-13:00\",\"14:00-15:00\","
        "\"16:00-17:00\"]}",
        "{\"mon\":540}",
        "{\"mon\":[540]}",
        NULL,
    };
    for (int i = 0; bad[i] != NULL; i++) {
        json_error_t jerr;
        json_t *v = json_loads(bad[i], JSON_DECODE_ANY, &jerr);
        assert_non_null(v);
        buffr_err_t e = {0};
        if (working_hours_parse(v, "working_hours", &h, &e) != BUFFR_EVALIDATION)
            fail_msg("%s was accepted", bad[i]);
        assert_string_equal(e.field, "working_hours");
        assert_true(strlen(e.message) > 0);
        json_decref(v);
    }
    /* Touching intervals are fine: 09:00-12:00 and 12:00-17:00. */
    hours_from("{\"tue\":[\"12:00-17:00\",\"09:00-12:00\"]}", &h);
    assert_int_equal(h.count[1], 2);
    /* ... but a booking cannot straddle them: coverage is per interval. */
    assert_true(working_hours_cover(&h, 1, 600, 720));
    assert_true(working_hours_cover(&h, 1, 720, 780));
    assert_false(working_hours_cover(&h, 1, 690, 750));
}

static void test_cover(void **state)
{
    (void)state;
    working_hours_t h;
    hours_from("{\"wed\":\"09:00-17:00\"}", &h);
    assert_true(working_hours_cover(&h, 2, 540, 600));
    assert_true(working_hours_cover(&h, 2, 960, 1020)); /* ends exactly at closing */
    assert_false(working_hours_cover(&h, 2, 975, 1035));
    assert_false(working_hours_cover(&h, 2, 525, 585)); /* starts before opening */
    assert_false(working_hours_cover(&h, 1, 540, 600)); /* closed on Tuesday */
    assert_false(working_hours_cover(&h, 2, 600, 600));
    assert_false(working_hours_cover(&h, 7, 540, 600));
    assert_true(working_hours_cover(NULL, 6, 0, 1440));
    assert_false(working_hours_cover(NULL, 6, 0, 1441));
}

static void test_masks(void **state)
{
    (void)state;
    slot_mask_t m = {{0, 0}};
    slot_mask_set(&m, 0);
    slot_mask_set(&m, 63);
    slot_mask_set(&m, 64);
    slot_mask_set(&m, 95);
    slot_mask_set(&m, 96); /* out of the day: ignored */
    slot_mask_set(&m, -1);
    assert_true(slot_mask_test(&m, 0));
    assert_true(slot_mask_test(&m, 63));
    assert_true(slot_mask_test(&m, 64));
    assert_true(slot_mask_test(&m, 95));
    assert_false(slot_mask_test(&m, 1));
    assert_false(slot_mask_test(&m, 96));
    assert_true(slot_mask_range_clear(&m, 1, 62));
    assert_false(slot_mask_range_clear(&m, 1, 63));
    assert_false(slot_mask_range_clear(&m, 60, 5));
}

static void test_one_therapist(void **state)
{
    (void)state;
    working_hours_t h;
    hours_from("{\"mon\":\"09:00-12:00\"}", &h);
    slot_candidate_t therapist = {.hours = &h};
    slot_requirement_t req = {.candidates = &therapist, .count = 1, .needed = 1};
    slot_mask_t free;
    char text[600];

    /* An empty morning: a 60-minute treatment can start 09:00..11:00. */
    slots_free_starts(&req, 1, 0, 60, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "09:00 09:15 09:30 09:45 10:00 10:15 10:30 10:45 11:00");
    /* Closed on Tuesday. */
    slots_free_starts(&req, 1, 1, 60, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "");

    /* A booking 10:00-11:00: a start at 09:00 ends exactly when it begins
     * and one at 11:00 starts exactly when it ends (adjacent is fine);
     * anything in between overlaps. */
    hold(&therapist, 600, 660);
    slots_free_starts(&req, 1, 0, 60, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "09:00 11:00");
    assert_true(slot_candidate_fits(&therapist, 0, 540, 60));
    assert_false(slot_candidate_fits(&therapist, 0, 555, 60));
    assert_false(slot_candidate_fits(&therapist, 0, 600, 15));
    assert_true(slot_candidate_fits(&therapist, 0, 660, 60));
    assert_false(slot_candidate_fits(&therapist, 0, 670, 30)); /* off the grid */

    /* A 50-minute treatment occupies four slots but only needs 50 minutes
     * of working time: 11:00 + 50 min ends 11:50, inside the hours. */
    slots_free_starts(&req, 1, 0, 50, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "09:00 11:00");
    /* 45 minutes fit into 09:00-10:00 at 09:00 and 09:15, and after 11:00. */
    slots_free_starts(&req, 1, 0, 45, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "09:00 09:15 11:00 11:15");
}

static void test_two_kinds_and_counts(void **state)
{
    (void)state;
    working_hours_t early, late, room_hours;
    hours_from("{\"thu\":\"08:00-12:00\"}", &early);
    hours_from("{\"thu\":\"11:00-15:00\"}", &late);
    hours_from("{\"thu\":\"10:00-14:00\"}", &room_hours);
    slot_candidate_t therapists[2] = {{.hours = &early}, {.hours = &late}};
    slot_candidate_t rooms[1] = {{.hours = &room_hours}};
    slot_requirement_t reqs[2] = {
        {.candidates = therapists, .count = 2, .needed = 1},
        {.candidates = rooms, .count = 1, .needed = 1},
    };
    slot_mask_t free;
    char text[600];

    /* Therapist or the other, and the room: 10:00..13:00 for 60 minutes. */
    slots_free_starts(reqs, 2, 3, 60, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "10:00 10:15 10:30 10:45 11:00 11:15 11:30 11:45 12:00 12:15 "
                              "12:30 12:45 13:00");

    /* The room is taken 11:00-12:00: starts overlapping it go away. */
    hold(&rooms[0], 660, 720);
    slots_free_starts(reqs, 2, 3, 60, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "10:00 12:00 12:15 12:30 12:45 13:00");

    /* The late therapist is busy 12:00-13:30: from 12:00 only the early
     * one could serve, but she stops at 12:00. */
    hold(&therapists[1], 720, 810);
    slots_free_starts(reqs, 2, 3, 60, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "10:00");

    /* A four-hands treatment needs both therapists at once: only where
     * their hours overlap (11:00-12:00) and both are free. */
    slot_candidate_t fresh[2] = {{.hours = &early}, {.hours = &late}};
    slot_requirement_t both = {.candidates = fresh, .count = 2, .needed = 2};
    slots_free_starts(&both, 1, 3, 30, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "11:00 11:15 11:30");
    hold(&fresh[0], 675, 690);
    slots_free_starts(&both, 1, 3, 30, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "11:30");

    /* More needed than there are candidates: never. */
    slot_requirement_t three = {.candidates = fresh, .count = 2, .needed = 3};
    slots_free_starts(&three, 1, 3, 30, &free);
    starts_text(&free, text, sizeof(text));
    assert_string_equal(text, "");
    /* No requirement at all: nothing to book. */
    slots_free_starts(NULL, 0, 3, 30, &free);
    assert_true(slot_mask_range_clear(&free, 0, SLOTS_PER_DAY));
}

static void test_always_open_and_midnight(void **state)
{
    (void)state;
    slot_candidate_t room = {.hours = NULL};
    slot_requirement_t req = {.candidates = &room, .count = 1, .needed = 1};
    slot_mask_t free;
    slots_free_starts(&req, 1, 5, 120, &free);
    int n = 0;
    for (int s = 0; s < SLOTS_PER_DAY; s++)
        n += slot_mask_test(&free, s);
    assert_int_equal(n, SLOTS_PER_DAY - 7); /* the last start is 22:00 */
    assert_true(slot_mask_test(&free, 88));
    assert_false(slot_mask_test(&free, 89));
    /* Nothing crosses midnight, even when open all day. */
    assert_false(slot_candidate_fits(&room, 5, 1425, 30));
    assert_true(slot_candidate_fits(&room, 5, 1425, 15));
    assert_false(slot_candidate_fits(&room, 5, 0, 0));
    assert_false(slot_candidate_fits(&room, 5, -15, 15));
}

static void test_price_prorata(void **state)
{
    (void)state;
    assert_int_equal(price_prorata(10000, 60, 60), 10000);
    assert_int_equal(price_prorata(10000, 90, 60), 15000);
    assert_int_equal(price_prorata(10000, 15, 60), 2500);
    assert_int_equal(price_prorata(999, 15, 60), 250); /* 249.75 -> 250 */
    assert_int_equal(price_prorata(998, 15, 60), 250); /* 249.5 -> 250 (half up) */
    assert_int_equal(price_prorata(997, 15, 60), 249); /* 249.25 -> 249 */
    assert_int_equal(price_prorata(0, 600, 60), 0);
    assert_int_equal(price_prorata(12345, 0, 60), 0);
    assert_int_equal(price_prorata(-1, 60, 60), -1);
    assert_int_equal(price_prorata(1, -60, 60), -1);
    assert_int_equal(price_prorata(1, 60, 0), -1);
    assert_int_equal(price_prorata(INT64_MAX / 2, 60, 60), -1); /* overflow refused */
}

static void test_slots_needed(void **state)
{
    (void)state;
    assert_int_equal(slots_needed(0), 0);
    assert_int_equal(slots_needed(15), 1);
    assert_int_equal(slots_needed(16), 2);
    assert_int_equal(slots_needed(50), 4);
    assert_int_equal(slots_needed(60), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_needed),
        cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_working_hours_parse),
        cmocka_unit_test(test_cover),
        cmocka_unit_test(test_masks),
        cmocka_unit_test(test_one_therapist),
        cmocka_unit_test(test_two_kinds_and_counts),
        cmocka_unit_test(test_always_open_and_midnight),
        cmocka_unit_test(test_price_prorata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
