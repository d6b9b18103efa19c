/*
 * zone.h - a property's civil time: "today" in its time zone and the UTC
 * instant of a local date and time (the check-in hour of a stay, for the
 * cancellation window).
 *
 * Reads the system's TZif files (/usr/share/zoneinfo, RFC 8536) itself
 * instead of switching the process-wide TZ, which is not thread-safe. Times
 * after the file's last transition (2037 in the "fat" files Debian ships)
 * keep the last known offset.
 *
 * Not here: validating zone names (core/timeutil.h timezone_is_valid).
 */
#ifndef BUFFR_CORE_ZONE_H
#define BUFFR_CORE_ZONE_H

#include <stdint.h>

/* Seconds east of UTC in zone at the UTC instant utc. 0 or a BUFFR_E* code
 * (BUFFR_EINVAL for an unknown or unreadable zone). "UTC" needs no file. */
int zone_utc_offset(const char *zone, int64_t utc, int32_t *offset);

/* The UTC instant of local wall-clock seconds (local day * 86400 + seconds
 * of the day) in zone. In a DST gap or overlap, one of the two readings. */
int zone_local_to_utc(const char *zone, int64_t local, int64_t *utc);

/* The local date (day number) of the UTC instant utc in zone. */
int zone_day_of(const char *zone, int64_t utc, int64_t *day);

/* The local time of day of the UTC instant utc in zone, in minutes since
 * midnight (0..1439): is a menu serving now? */
int zone_minute_of_day(const char *zone, int64_t utc, int *minute);

#endif
