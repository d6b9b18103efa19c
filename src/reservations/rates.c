/*
 * rates.c - nightly rates, stay prices, sale restrictions and cancellation
 * fees (see rates.h for the rules). Pure functions over a rate_plan_t.
 */
#include "reservations/rates.h"

#include "core/timeutil.h"

#include <string.h>

void rate_plan_init(rate_plan_t *plan, int64_t base_rate)
{
    memset(plan, 0, sizeof(*plan));
    plan->base_rate = base_rate;
    plan->min_stay = 1;
    for (int i = 0; i < 7; i++)
        plan->weekday_rate[i] = RATE_NONE;
}

static const rate_season_t *rate_season_of(const rate_plan_t *plan, int64_t night)
{
    for (size_t i = 0; i < plan->season_count; i++) {
        const rate_season_t *s = &plan->seasons[i];
        if (night >= s->first_night && night < s->end_night)
            return s;
    }
    return NULL;
}

int64_t rate_night(const rate_plan_t *plan, int64_t night)
{
    const rate_season_t *season = rate_season_of(plan, night);
    if (season != NULL)
        return season->rate;
    int64_t weekday = plan->weekday_rate[date_weekday(night)];
    if (weekday != RATE_NONE)
        return weekday;
    return plan->base_rate;
}

int rate_stay_price(const rate_plan_t *plan, int64_t check_in, int64_t check_out, int64_t *total,
                    int64_t *first_night)
{
    if (check_out <= check_in || check_out - check_in > RATE_MAX_NIGHTS)
        return -1;
    int64_t sum = 0;
    for (int64_t night = check_in; night < check_out; night++) {
        int64_t rate = rate_night(plan, night);
        if (night == check_in && first_night != NULL)
            *first_night = rate;
        sum += rate; /* at most 366 * RATE_MAX_AMOUNT: no overflow */
    }
    *total = sum;
    return 0;
}

rate_restriction_t rate_stay_restriction(const rate_plan_t *plan, int64_t check_in,
                                         int64_t check_out, int64_t *min_stay)
{
    const rate_season_t *season = rate_season_of(plan, check_in);
    int64_t need = (season != NULL && season->min_stay > 0) ? season->min_stay : plan->min_stay;
    if (min_stay != NULL)
        *min_stay = need;
    for (size_t i = 0; i < plan->closed_count; i++)
        if (plan->closed_arrivals[i] == check_in)
            return RATE_CLOSED_TO_ARRIVAL;
    if (check_out - check_in < need)
        return RATE_MIN_STAY;
    return RATE_SELLABLE;
}

const char *rate_restriction_name(rate_restriction_t r)
{
    switch (r) {
    case RATE_MIN_STAY:
        return "min_stay";
    case RATE_CLOSED_TO_ARRIVAL:
        return "closed_to_arrival";
    case RATE_SELLABLE:
        break;
    }
    return NULL;
}

static const char *const cancel_fee_kind_names[] = {"none", "first_night", "fixed"};

const char *cancel_fee_kind_name(cancel_fee_kind_t kind)
{
    if ((int)kind < 0 || (size_t)kind >= sizeof(cancel_fee_kind_names) / sizeof(char *))
        return "none";
    return cancel_fee_kind_names[kind];
}

int cancel_fee_kind_parse(const char *name, cancel_fee_kind_t *kind)
{
    for (size_t i = 0; name != NULL && i < sizeof(cancel_fee_kind_names) / sizeof(char *); i++) {
        if (strcmp(name, cancel_fee_kind_names[i]) == 0) {
            *kind = (cancel_fee_kind_t)i;
            return 0;
        }
    }
    return -1;
}

int64_t rate_cancellation_fee(const cancel_policy_t *policy, int64_t now, int64_t check_in_at,
                              int64_t total, int64_t first_night)
{
    if (policy->kind == CANCEL_FEE_NONE)
        return 0;
    if (now <= check_in_at - policy->free_hours * 3600)
        return 0; /* inside the free window, its last second included */
    int64_t fee = policy->kind == CANCEL_FEE_FIXED ? policy->fixed_amount : first_night;
    if (fee > total)
        fee = total;
    return fee < 0 ? 0 : fee;
}
