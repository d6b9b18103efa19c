/*
 * timeutil.h - wall-clock time, RFC 3339 timestamps and calendar dates.
 *
 * Timestamps are stored as Unix seconds (UTC) and shown as RFC 3339
 * ("2026-11-21T22:34:42Z"). Dates are "YYYY-MM-DD" civil dates in a
 * property's time zone; as text they sort in calendar order. Times of day
 * are "HH:MM".
 */
#ifndef BUFFR_CORE_TIMEUTIL_H
#define BUFFR_CORE_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RFC3339_BUF_SIZE 21 /* "2026-11-21T22:34:42Z" + NUL */
#define DATE_BUF_SIZE    11 /* "2026-11-21" + NUL */
#define HHMM_BUF_SIZE    6  /* "09:30" + NUL */

int64_t time_now(void);      /* Unix seconds */
int64_t time_now_ms(void);   /* Unix milliseconds */
double time_monotonic(void); /* seconds from an arbitrary origin, for durations */

void time_format_rfc3339(int64_t unix_seconds, char out[RFC3339_BUF_SIZE]);

/* Parse "YYYY-MM-DD" (a real calendar date, years 1900..9999) into a day
 * number (days since 1970-01-01). Returns 0, or -1 when s is not such a date. */
int date_parse(const char *s, int64_t *day);
void date_format(int64_t day, char out[DATE_BUF_SIZE]);

/* Parse exactly len bytes "HH:MM" (a time of day: opening hours, a
 * departure) into minutes since midnight (00:00..23:59, or also 24:00 when
 * allow_end_of_day). 0, or -1 when malformed. */
int hhmm_parse(const char *s, size_t len, bool allow_end_of_day, int *minute);
void hhmm_format(int minute, char out[HHMM_BUF_SIZE]);

/* Day of the week of a day number: 0 Monday .. 6 Sunday. */
int date_weekday(int64_t day);

/* The weekday a key of a JSON object names, 0 Monday .. 6 Sunday:
 * "monday" .. "sunday", or "mon" .. "sun"; -1 for anything else. Every
 * answer spells days out in full (weekday_name). */
int weekday_parse(const char *key);
const char *weekday_name(int weekday); /* "monday" .. "sunday"; NULL out of range */

/* True when name is an IANA time zone this machine knows ("Europe/Paris"). */
bool timezone_is_valid(const char *name);

#endif
