/* timeutil.c - clocks, RFC 3339 formatting and proleptic Gregorian dates. */
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

int64_t time_now(void)
{
    return (int64_t)time(NULL);
}

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double time_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void time_format_rfc3339(int64_t unix_seconds, char out[RFC3339_BUF_SIZE])
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, RFC3339_BUF_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_parse(const char *s, int64_t *day)
{
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return -1;
    unsigned max = mdays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
    if (d > max)
        return -1;
    *day = days_from_civil(y, m, d);
    return 0;
}

int date_weekday(int64_t day)
{
    /* Day 0, 1970-01-01, was a Thursday (3 with Monday as 0). */
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

void date_format(int64_t day, char out[DATE_BUF_SIZE])
{
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    /* Dates come from date_parse (years 1900..9999); clamp anything else. */
    unsigned year = y < 0 ? 0u : (y > 9999 ? 9999u : (unsigned)y);
    snprintf(out, DATE_BUF_SIZE, "%04u-%02u-%02u", year, m % 100, d % 100);
}

/* The IANA names this machine's tzdata defines: zones ("Z name ...") and
 * links ("L target name") of tzdata.zi, loaded once. Files such as
 * "localtime" or "posixrules" under /usr/share/zoneinfo are not zone names. */
#ifndef TZDATA_ZI_PATH
#define TZDATA_ZI_PATH "/usr/share/zoneinfo/tzdata.zi"
#endif

static pthread_once_t tz_once = PTHREAD_ONCE_INIT;
static char **tz_names;
static size_t tz_count;

static int tz_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tz_load(void)
{
    FILE *f = fopen(TZDATA_ZI_PATH, "r");
    if (f == NULL)
        return;
    size_t cap = 0;
    char line[512];
    while (fgets(line, sizeof(line), f) != NULL) {
        char kind, a[128], b[128];
        const char *name = NULL;
        int n = sscanf(line, "%c %127s %127s", &kind, a, b);
        if (kind == 'Z' && n >= 2)
            name = a;
        else if (kind == 'L' && n == 3)
            name = b;
        if (name == NULL || strcmp(name, "Factory") == 0)
            continue;
        if (tz_count == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            char **grown = realloc(tz_names, ncap * sizeof(*grown));
            if (grown == NULL)
                break;
            tz_names = grown;
            cap = ncap;
        }
        char *copy = strdup(name);
        if (copy == NULL)
            break;
        tz_names[tz_count++] = copy;
    }
    fclose(f);
    qsort(tz_names, tz_count, sizeof(*tz_names), tz_cmp);
}

bool timezone_is_valid(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > 64)
        return false;
    if (strcmp(name, "UTC") == 0)
        return true;
    pthread_once(&tz_once, tz_load);
    return tz_count > 0 && bsearch(&name, tz_names, tz_count, sizeof(*tz_names), tz_cmp) != NULL;
}

/* ---- times of day ---- */

static int two_digits(const char *s)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

int hhmm_parse(const char *s, size_t len, bool allow_end_of_day, int *minute)
{
    if (s == NULL || len != 5 || s[2] != ':')
        return -1;
    int h = two_digits(s), m = two_digits(s + 3);
    if (h < 0 || m < 0 || m > 59)
        return -1;
    if (h == 24 && m == 0 && allow_end_of_day) {
        *minute = 24 * 60;
        return 0;
    }
    if (h > 23)
        return -1;
    *minute = h * 60 + m;
    return 0;
}

void hhmm_format(int minute, char out[HHMM_BUF_SIZE])
{
    if (minute < 0 || minute > 24 * 60)
        minute = 0; /* never happens for values from hhmm_parse */
    snprintf(out, HHMM_BUF_SIZE, "%02d:%02d", (minute / 60) % 100, minute % 60);
}

/* ---- weekdays ---- */

static const char *const weekday_names[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                             "friday", "saturday", "sunday"};

int weekday_parse(const char *key)
{
    if (key == NULL)
        return -1;
    bool short_form = strlen(key) == 3; /* "mon": the first three letters */
    for (int d = 0; d < 7; d++)
        if (short_form ? strncmp(key, weekday_names[d], 3) == 0
                       : strcmp(key, weekday_names[d]) == 0)
            return d;
    return -1;
}

const char *weekday_name(int weekday)
{
    return weekday >= 0 && weekday < 7 ? weekday_names[weekday] : NULL;
}
