/*
 * slots.c - local times, working hours and free-start computation on the
 * 15-minute grid of bookable services. Pure: see slots.h.
 */
#include "services/slots.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

/* ---- local date and time ---- */

int64_t local_day(int64_t minutes)
{
    int64_t day = minutes / MINUTES_PER_DAY;
    if (minutes % MINUTES_PER_DAY < 0)
        day--;
    return day;
}

int local_minute_of_day(int64_t minutes)
{
    return (int)(minutes - local_day(minutes) * MINUTES_PER_DAY);
}

int local_time_parse(const char *s, int64_t *minutes)
{
    if (s == NULL || strlen(s) != 16 || s[10] != 'T')
        return -1;
    char date[DATE_BUF_SIZE];
    memcpy(date, s, 10);
    date[10] = '\0';
    int64_t day;
    int minute;
    if (date_parse(date, &day) != 0 || hhmm_parse(s + 11, 5, false, &minute) != 0)
        return -1;
    *minutes = day * MINUTES_PER_DAY + minute;
    return 0;
}

void local_time_format(int64_t minutes, char out[LOCAL_TIME_BUF_SIZE])
{
    char date[DATE_BUF_SIZE], hhmm[HHMM_BUF_SIZE];
    date_format(local_day(minutes), date);
    hhmm_format(local_minute_of_day(minutes), hhmm);
    snprintf(out, LOCAL_TIME_BUF_SIZE, "%s%c%s", date, 'T', hhmm);
}

int slots_needed(int duration_minutes)
{
    if (duration_minutes <= 0)
        return 0;
    return (duration_minutes + SLOT_MINUTES - 1) / SLOT_MINUTES;
}

/* ---- working hours ---- */

static int hours_fail(buffr_err_t *e, const char *field, const char *day)
{
    return buffr_fail(e, BUFFR_EVALIDATION, field,
                      "%s.%s must be \"HH:MM-HH:MM\" (or a list of up to %d such ranges, "
                      "not overlapping, each ending after it starts)",
                      field, day, SLOTS_MAX_INTERVALS);
}

static int interval_parse(json_t *v, slot_interval_t *out)
{
    if (!json_is_string(v) || json_string_length(v) != 11)
        return -1;
    const char *s = json_string_value(v);
    if (s[5] != '-' || hhmm_parse(s, 5, false, &out->from) != 0 ||
        hhmm_parse(s + 6, 5, true, &out->to) != 0 || out->to <= out->from)
        return -1;
    return 0;
}

static void intervals_sort(slot_interval_t *iv, int n)
{
    for (int i = 1; i < n; i++) {
        slot_interval_t x = iv[i];
        int j = i - 1;
        while (j >= 0 && iv[j].from > x.from) {
            iv[j + 1] = iv[j];
            j--;
        }
        iv[j + 1] = x;
    }
}

int working_hours_parse(json_t *value, const char *field, working_hours_t *out, buffr_err_t *e)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(value))
        return buffr_fail(e, BUFFR_EVALIDATION, field,
                          "%s must be an object such as {\"monday\":\"09:00-17:00\"}", field);
    const char *key;
    json_t *v;
    unsigned seen = 0; /* "mon" and "monday" are one day: once only */
    json_object_foreach(value, key, v)
    {
        int day = weekday_parse(key);
        if (day < 0)
            return buffr_fail(e, BUFFR_EVALIDATION, field,
                              "%s has an unknown day; use monday ... sunday (or mon ... sun)",
                              field);
        if (seen & (1u << day))
            return buffr_fail(e, BUFFR_EVALIDATION, field, "%s names %s twice", field,
                              weekday_name(day));
        seen |= 1u << day;
        slot_interval_t *iv = out->interval[day];
        int n = 0;
        if (json_is_string(v)) {
            if (interval_parse(v, &iv[0]) != 0)
                return hours_fail(e, field, key);
            n = 1;
        } else if (json_is_array(v)) {
            if (json_array_size(v) > SLOTS_MAX_INTERVALS)
                return hours_fail(e, field, key);
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                if (interval_parse(item, &iv[n]) != 0)
                    return hours_fail(e, field, key);
                n++;
            }
        } else if (!json_is_null(v)) {
            return hours_fail(e, field, key);
        }
        intervals_sort(iv, n);
        for (int i = 1; i < n; i++)
            if (iv[i].from < iv[i - 1].to)
                return hours_fail(e, field, key);
        out->count[day] = n;
    }
    return 0;
}

json_t *working_hours_json(const working_hours_t *hours)
{
    json_t *obj = json_object();
    if (obj == NULL)
        return NULL;
    for (int d = 0; d < 7; d++) {
        if (hours->count[d] == 0)
            continue;
        json_t *list = json_array();
        if (list == NULL || json_object_set_new(obj, weekday_name(d), list) != 0) {
            json_decref(obj);
            return NULL;
        }
        for (int i = 0; i < hours->count[d]; i++) {
            char from[HHMM_BUF_SIZE], to[HHMM_BUF_SIZE], text[12];
            hhmm_format(hours->interval[d][i].from, from);
            hhmm_format(hours->interval[d][i].to, to);
            snprintf(text, sizeof(text), "%s-%s", from, to);
            if (json_array_append_new(list, json_string(text)) != 0) {
                json_decref(obj);
                return NULL;
            }
        }
    }
    return obj;
}

bool working_hours_cover(const working_hours_t *hours, int weekday, int from, int to)
{
    if (from < 0 || to > MINUTES_PER_DAY || to <= from || weekday < 0 || weekday > 6)
        return false;
    if (hours == NULL)
        return true;
    for (int i = 0; i < hours->count[weekday]; i++)
        if (hours->interval[weekday][i].from <= from && to <= hours->interval[weekday][i].to)
            return true;
    return false;
}

bool working_hours_open_on(const working_hours_t *hours, int weekday)
{
    if (weekday < 0 || weekday > 6)
        return false;
    return hours == NULL || hours->count[weekday] > 0;
}

/* ---- free starts ---- */

void slot_mask_set(slot_mask_t *m, int slot)
{
    if (slot >= 0 && slot < SLOTS_PER_DAY)
        m->bits[slot / 64] |= UINT64_C(1) << (slot % 64);
}

bool slot_mask_test(const slot_mask_t *m, int slot)
{
    if (slot < 0 || slot >= SLOTS_PER_DAY)
        return false;
    return (m->bits[slot / 64] >> (slot % 64)) & 1u;
}

bool slot_mask_range_clear(const slot_mask_t *m, int first, int count)
{
    for (int s = first; s < first + count; s++)
        if (slot_mask_test(m, s))
            return false;
    return true;
}

bool slot_candidate_fits(const slot_candidate_t *c, int weekday, int start, int duration_minutes)
{
    int n = slots_needed(duration_minutes);
    if (n == 0 || start < 0 || start % SLOT_MINUTES != 0)
        return false;
    int first = start / SLOT_MINUTES;
    if (first + n > SLOTS_PER_DAY)
        return false;
    return working_hours_cover(c->hours, weekday, start, start + duration_minutes) &&
           slot_mask_range_clear(&c->busy, first, n);
}

void slots_free_starts(const slot_requirement_t *reqs, size_t nreqs, int weekday,
                       int duration_minutes, slot_mask_t *out)
{
    memset(out, 0, sizeof(*out));
    if (nreqs == 0)
        return;
    for (int slot = 0; slot < SLOTS_PER_DAY; slot++) {
        int start = slot * SLOT_MINUTES;
        bool all = true;
        for (size_t r = 0; r < nreqs && all; r++) {
            int fitting = 0;
            for (size_t c = 0; c < reqs[r].count && fitting < reqs[r].needed; c++)
                if (slot_candidate_fits(&reqs[r].candidates[c], weekday, start, duration_minutes))
                    fitting++;
            all = fitting >= reqs[r].needed;
        }
        if (all)
            slot_mask_set(out, slot);
    }
}

/* ---- prices ---- */

int64_t price_prorata(int64_t rate, int64_t minutes, int64_t per_minutes)
{
    if (rate < 0 || minutes < 0 || per_minutes <= 0)
        return -1;
    if (minutes != 0 && rate > (INT64_MAX - per_minutes) / minutes)
        return -1;
    return (rate * minutes + per_minutes / 2) / per_minutes;
}
