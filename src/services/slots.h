/*
 * slots.h - the time grid of bookable services (spa, conference rooms), as
 * pure functions: no database, no HTTP, so unit tests drive them directly.
 *
 * Time here is property-local wall-clock time counted in minutes since
 * 1970-01-01T00:00 ("local minutes"): a date's day number (timeutil.h) times
 * 1440 plus the minute of the day. Clients send and read "YYYY-MM-DDTHH:MM".
 * No time zone conversion is involved: a spa's 10:00 is 10:00 on its clock.
 * (On the night clocks go back, 01:00-02:00 happens twice in reality but once
 * on this grid, so the hour can be sold once only - the safe side.)
 *
 * A day has 96 slots of 15 minutes; a booking occupies every slot it
 * touches, so a 50-minute treatment starting at 10:00 holds 10:00..11:00.
 * Working hours are per weekday, up to SLOTS_MAX_INTERVALS disjoint
 * intervals "HH:MM-HH:MM" (24:00 allowed as an end).
 *
 * What this is not: the no-overlap guarantee. That is the database's UNIQUE
 * (resource_id, slot_start) on resource_slots; this file only computes which
 * starts look free and which slots a booking needs.
 */
#ifndef BUFFR_SERVICES_SLOTS_H
#define BUFFR_SERVICES_SLOTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/timeutil.h" /* hhmm_parse, hhmm_format, weekday_parse */

#define SLOT_MINUTES        15
#define MINUTES_PER_DAY     1440
#define SLOTS_PER_DAY       (MINUTES_PER_DAY / SLOT_MINUTES)
#define SLOTS_MAX_INTERVALS 4
#define LOCAL_TIME_BUF_SIZE 17 /* "2026-12-01T09:30" + NUL */

/* ---- local date and time ---- */

/* Parse "YYYY-MM-DDTHH:MM" into local minutes. 0, or -1 when malformed. */
int local_time_parse(const char *s, int64_t *minutes);
void local_time_format(int64_t minutes, char out[LOCAL_TIME_BUF_SIZE]);

/* Floor division of local minutes into (day, minute of day). */
int64_t local_day(int64_t minutes);
int local_minute_of_day(int64_t minutes);

/* Slots a booking of duration_minutes occupies: ceil(duration / 15). */
int slots_needed(int duration_minutes);

/* ---- working hours ---- */

typedef struct slot_interval {
    int from, to; /* minutes of the day, [from, to), from < to <= 1440 */
} slot_interval_t;

typedef struct working_hours {
    int count[7];                                     /* intervals per weekday, Monday = 0 */
    slot_interval_t interval[7][SLOTS_MAX_INTERVALS]; /* sorted, disjoint */
} working_hours_t;

/* Read {"monday":"09:00-17:00","tuesday":["09:00-13:00","14:00-18:00"],...}:
 * keys monday..sunday (or mon..sun, weekday_parse), a missing day is
 * closed. Fails with BUFFR_EVALIDATION on field. */
int working_hours_parse(json_t *value, const char *field, working_hours_t *out, buffr_err_t *e);
/* The canonical form {"monday":["09:00-17:00"],...} (days with hours only); a
 * new reference, NULL when out of memory. */
json_t *working_hours_json(const working_hours_t *hours);
/* True when [from, to) (minutes of the day) lies inside one interval of
 * weekday. A NULL hours means "always open". */
bool working_hours_cover(const working_hours_t *hours, int weekday, int from, int to);
/* True when weekday has any hours (always for NULL hours). */
bool working_hours_open_on(const working_hours_t *hours, int weekday);

/* ---- free starts ---- */

/* One bit per slot of a day. */
typedef struct slot_mask {
    uint64_t bits[2];
} slot_mask_t;

void slot_mask_set(slot_mask_t *m, int slot);
bool slot_mask_test(const slot_mask_t *m, int slot);
/* True when no slot of [first, first + count) is set. */
bool slot_mask_range_clear(const slot_mask_t *m, int first, int count);

/* A resource that could serve a booking: its hours (NULL: always open) and
 * the slots of the day already held. */
typedef struct slot_candidate {
    const working_hours_t *hours;
    slot_mask_t busy;
} slot_candidate_t;

/* "needed distinct resources out of candidates". */
typedef struct slot_requirement {
    const slot_candidate_t *candidates;
    size_t count;
    int needed;
} slot_requirement_t;

/* True when c is open for [start, start + duration) and every slot that
 * occupies is free. start is a minute of the day; a booking never crosses
 * midnight. */
bool slot_candidate_fits(const slot_candidate_t *c, int weekday, int start, int duration_minutes);

/* The starts of a day (slot indexes in *out) at which every requirement has
 * its needed number of fitting candidates. */
void slots_free_starts(const slot_requirement_t *reqs, size_t nreqs, int weekday,
                       int duration_minutes, slot_mask_t *out);

/* ---- prices ---- */

/* rate * minutes / per_minutes in integer minor units, rounded half up
 * (an hourly rate charged for 90 minutes is 1.5 times the rate). Returns -1
 * when an argument is negative or the product would overflow. */
int64_t price_prorata(int64_t rate, int64_t minutes, int64_t per_minutes);

#endif
