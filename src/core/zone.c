/*
 * zone.c - UTC offsets from TZif files (RFC 8536): the version 2+ body with
 * 64-bit transition times when present, else the version 1 body.
 */
#include "core/zone.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/timeutil.h"

#define ZONE_FILE_MAX 16384 /* real files are a few kB */

static uint32_t zone_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t zone_be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)zone_be32(p) << 32 | zone_be32(p + 4));
}

typedef struct zone_header {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} zone_header_t;

static int zone_header_read(const unsigned char *p, size_t avail, zone_header_t *h)
{
    if (avail < 44 || memcmp(p, "TZif", 4) != 0)
        return BUFFR_EINVAL;
    h->isutcnt = zone_be32(p + 20);
    h->isstdcnt = zone_be32(p + 24);
    h->leapcnt = zone_be32(p + 28);
    h->timecnt = zone_be32(p + 32);
    h->typecnt = zone_be32(p + 36);
    h->charcnt = zone_be32(p + 40);
    if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > 100000 || h->leapcnt > 10000 ||
        h->charcnt > 100000 || h->isutcnt > 256 || h->isstdcnt > 256)
        return BUFFR_EINVAL;
    return 0;
}

static size_t zone_body_size(const zone_header_t *h, size_t time_size)
{
    return (size_t)h->timecnt * time_size + h->timecnt + (size_t)h->typecnt * 6 + h->charcnt +
           (size_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* The offset at utc from one body (times of time_size bytes). */
static int zone_body_offset(const unsigned char *body, const zone_header_t *h, size_t time_size,
                            int64_t utc, int32_t *offset)
{
    const unsigned char *times = body;
    const unsigned char *indexes = times + (size_t)h->timecnt * time_size;
    const unsigned char *types = indexes + h->timecnt;
    /* Before the first transition, type 0 applies (RFC 8536 section 3.2). */
    size_t type = 0;
    size_t lo = 0, hi = h->timecnt; /* first transition later than utc */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const unsigned char *t = times + mid * time_size;
        int64_t at = time_size == 8 ? zone_be64(t) : (int64_t)(int32_t)zone_be32(t);
        if (at <= utc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0)
        type = indexes[lo - 1];
    if (type >= h->typecnt)
        return BUFFR_EINVAL;
    *offset = (int32_t)zone_be32(types + type * 6);
    return 0;
}

int zone_utc_offset(const char *zone, int64_t utc, int32_t *offset)
{
    if (zone == NULL || !timezone_is_valid(zone))
        return BUFFR_EINVAL;
    if (strcmp(zone, "UTC") == 0) {
        *offset = 0;
        return 0;
    }
    char path[128];
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return BUFFR_EINVAL;
    unsigned char buf[ZONE_FILE_MAX];
    size_t len = fread(buf, 1, sizeof(buf), f);
    bool truncated = !feof(f);
    fclose(f);
    if (truncated)
        return BUFFR_EINVAL; /* larger than any real zone file */

    zone_header_t h;
    int rc = zone_header_read(buf, len, &h);
    if (rc != 0)
        return rc;
    size_t v1 = zone_body_size(&h, 4);
    if (44 + v1 > len)
        return BUFFR_EINVAL;
    if (buf[4] >= '2') {
        const unsigned char *second = buf + 44 + v1;
        zone_header_t h2;
        rc = zone_header_read(second, len - 44 - v1, &h2);
        if (rc != 0)
            return rc;
        if (44 + v1 + 44 + zone_body_size(&h2, 8) > len)
            return BUFFR_EINVAL;
        return zone_body_offset(second + 44, &h2, 8, utc, offset);
    }
    return zone_body_offset(buf + 44, &h, 4, utc, offset);
}

int zone_local_to_utc(const char *zone, int64_t local, int64_t *utc)
{
    int32_t first = 0, second = 0;
    int rc = zone_utc_offset(zone, local, &first);
    if (rc != 0)
        return rc;
    /* The offset near local - first is the one in force at that instant;
     * a second look settles instants near a transition. */
    rc = zone_utc_offset(zone, local - first, &second);
    if (rc != 0)
        return rc;
    *utc = local - second;
    return 0;
}

/* Local wall-clock seconds (local day * 86400 + seconds of the day). */
static int zone_local_seconds(const char *zone, int64_t utc, int64_t *local)
{
    int32_t offset = 0;
    int rc = zone_utc_offset(zone, utc, &offset);
    if (rc == 0)
        *local = utc + offset;
    return rc;
}

int zone_day_of(const char *zone, int64_t utc, int64_t *day)
{
    int64_t local = 0;
    int rc = zone_local_seconds(zone, utc, &local);
    if (rc == 0)
        *day = (local >= 0 ? local : local - 86399) / 86400;
    return rc;
}

int zone_minute_of_day(const char *zone, int64_t utc, int *minute)
{
    int64_t local = 0;
    int rc = zone_local_seconds(zone, utc, &local);
    if (rc == 0)
        *minute = (int)((local % 86400 + 86400) % 86400 / 60);
    return rc;
}
