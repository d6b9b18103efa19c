/*
 * business_day.c - the property's civil time for the restaurant: the local
 * date of an instant (an order's business day) and the local time of day
 * (is a menu serving now?). Time-zone rules come from core/zone.h.
 */
#include "restaurant/restaurant_internal.h"

#include <string.h>

#include "core/zone.h"

int business_day_of(const char *zone_name, int64_t unix_seconds, char out[DATE_BUF_SIZE])
{
    int64_t day = 0;
    int rc = zone_day_of(zone_name, unix_seconds, &day);
    if (rc != 0)
        return rc;
    date_format(day, out);
    return 0;
}

bool menu_hours_open(const char *from, const char *until, int minute)
{
    int start, end;
    if (from == NULL || until == NULL || hhmm_parse(from, strlen(from), false, &start) != 0 ||
        hhmm_parse(until, strlen(until), false, &end) != 0 || start == end)
        return true; /* no hours (or all day): always serving */
    if (start < end)
        return minute >= start && minute < end;
    return minute >= start || minute < end; /* across midnight: 22:00..02:00 */
}
