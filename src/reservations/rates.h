/*
 * rates.h - the price of a stay, whether it may be sold (minimum stay,
 * closed to arrival), and what cancelling it costs.
 *
 * Pure: no database, no clock, no allocation. Availability, booking,
 * modification and the calendar all price through rate_night() and
 * rate_stay_price(), so two screens can never show two prices for one stay.
 *
 * Nightly rate precedence (highest first):
 *   1. a date-range (seasonal) override covering the night,
 *   2. the room type's rate for that day of the week,
 *   3. the room type's base rate.
 * Seasons of one room type never overlap (the rate plan API refuses it).
 *
 * Not here: loading plans from the database (plans.c) or time zones (core/zone.h).
 */
#ifndef BUFFR_RESERVATIONS_RATES_H
#define BUFFR_RESERVATIONS_RATES_H

#include <stddef.h>
#include <stdint.h>

#define RATE_MAX_NIGHTS 366            /* longest stay, and longest calendar */
#define RATE_MAX_AMOUNT 100000000000LL /* per night, minor units: sums stay far from overflow */
#define RATE_NONE       (-1)           /* "no weekday rate": fall through to base */

typedef struct rate_season {
    int64_t first_night; /* day number, inclusive */
    int64_t end_night;   /* day number, exclusive */
    int64_t rate;        /* minor units per night */
    int64_t min_stay;    /* for arrivals in the season; 0 = the room type's */
} rate_season_t;

typedef struct rate_plan {
    int64_t base_rate;
    int64_t weekday_rate[7]; /* Monday first; RATE_NONE when not set */
    int64_t min_stay;        /* >= 1 */
    const rate_season_t *seasons;
    size_t season_count;
    const int64_t *closed_arrivals; /* day numbers, any order */
    size_t closed_count;
} rate_plan_t;

typedef enum {
    RATE_SELLABLE = 0,
    RATE_MIN_STAY = 1,          /* the stay is shorter than the minimum for its arrival */
    RATE_CLOSED_TO_ARRIVAL = 2, /* no arrivals on check_in */
} rate_restriction_t;

/* A plan with only a base rate and a minimum stay of one night. */
void rate_plan_init(rate_plan_t *plan, int64_t base_rate);

/* The rate of one night under the precedence above. */
int64_t rate_night(const rate_plan_t *plan, int64_t night);

/* Sum of the nightly rates of [check_in, check_out). *first_night (may be
 * NULL) gets the rate of the first night. Returns 0, or -1 when the range is
 * empty or longer than RATE_MAX_NIGHTS. */
int rate_stay_price(const rate_plan_t *plan, int64_t check_in, int64_t check_out, int64_t *total,
                    int64_t *first_night);

/* Whether [check_in, check_out) may be sold. The minimum stay is the one of
 * the season containing check_in when it sets one, else the plan's;
 * *min_stay (may be NULL) gets the minimum that applied. */
rate_restriction_t rate_stay_restriction(const rate_plan_t *plan, int64_t check_in,
                                         int64_t check_out, int64_t *min_stay);

/* "min_stay", "closed_to_arrival", or NULL for RATE_SELLABLE. */
const char *rate_restriction_name(rate_restriction_t r);

/* ---- cancellation ---- */

typedef enum {
    CANCEL_FEE_NONE = 0,        /* cancelling is always free */
    CANCEL_FEE_FIRST_NIGHT = 1, /* late cancellation costs the first night's price */
    CANCEL_FEE_FIXED = 2,       /* late cancellation costs a fixed amount (at most the total) */
} cancel_fee_kind_t;

typedef struct cancel_policy {
    int64_t free_hours; /* free until this many hours before check-in time */
    cancel_fee_kind_t kind;
    int64_t fixed_amount; /* CANCEL_FEE_FIXED only */
} cancel_policy_t;

/* "none", "first_night", "fixed" <-> kinds; parse returns -1 when unknown. */
const char *cancel_fee_kind_name(cancel_fee_kind_t kind);
int cancel_fee_kind_parse(const char *name, cancel_fee_kind_t *kind);

/* The fee for cancelling at Unix time now a stay whose check-in is at Unix
 * time check_in_at: 0 while now <= check_in_at - free_hours, else the
 * policy's fee, never more than total. */
int64_t rate_cancellation_fee(const cancel_policy_t *policy, int64_t now, int64_t check_in_at,
                              int64_t total, int64_t first_night);

#endif
