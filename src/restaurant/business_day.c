/*
 * business_day.c - the property's local date of an instant, for the
 * business day of an order (time-zone rules from core/zone.h).
 */
#include "restaurant/restaurant_internal.h"

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
