/*
 * business_day.c - the property's local date of an instant, for the
 * business day of an order. Reads the system's TZif files
 * (/usr/share/zoneinfo, RFC 8536) directly instead of setting TZ, which is
 * process-wide and not thread-safe. Parsed zones are cached for the life of
 * the process. Instants after the file's last transition keep the last
 * offset (Debian's "fat" files list transitions to 2037).
 */
#include "restaurant/restaurant_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSINESS_DAY_CACHE    32
#define BUSINESS_DAY_MAX_FILE (1 << 20)

typedef struct zone {
    char name[RESTAURANT_TZ_MAX];
    size_t count;         /* transitions */
    int64_t *times;       /* transition instants, ascending */
    int32_t *offsets;     /* UTC offset in force from times[i] */
    int32_t first_offset; /* before the first transition */
} zone_t;

static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static zone_t zones[BUSINESS_DAY_CACHE];
static size_t zone_count;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parse the 64-bit block of a version 2+ TZif file (or the only block of
 * a version 1 file) into z. */
static int zone_parse(const unsigned char *buf, size_t len, zone_t *z)
{
    if (len < 44 || memcmp(buf, "TZif", 4) != 0)
        return BUFFR_EINVAL;
    size_t time_size = 4;
    const unsigned char *h = buf;
    if (buf[4] >= '2') {
        /* Skip the version 1 block to the 64-bit header. */
        size_t isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28),
               timecnt = be32(h + 32), typecnt = be32(h + 36), charcnt = be32(h + 40);
        size_t skip = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
        if (skip + 44 > len)
            return BUFFR_EINVAL;
        h = buf + skip;
        if (memcmp(h, "TZif", 4) != 0)
            return BUFFR_EINVAL;
        time_size = 8;
    }
    size_t timecnt = be32(h + 32), typecnt = be32(h + 36);
    const unsigned char *p = h + 44;
    if (typecnt == 0 || (size_t)(p - buf) + timecnt * (time_size + 1) + typecnt * 6 > len)
        return BUFFR_EINVAL;
    const unsigned char *times = p, *idx = p + timecnt * time_size, *types = idx + timecnt;
    z->times = malloc((timecnt ? timecnt : 1) * sizeof(*z->times));
    z->offsets = malloc((timecnt ? timecnt : 1) * sizeof(*z->offsets));
    if (z->times == NULL || z->offsets == NULL) {
        free(z->times);
        free(z->offsets);
        return BUFFR_ENOMEM;
    }
    for (size_t i = 0; i < timecnt; i++) {
        z->times[i] = time_size == 8 ? be64(times + i * 8) : (int32_t)be32(times + i * 4);
        size_t t = idx[i] < typecnt ? idx[i] : 0;
        z->offsets[i] = (int32_t)be32(types + t * 6);
    }
    z->count = timecnt;
    z->first_offset = (int32_t)be32(types); /* local time type 0 (RFC 8536) */
    return 0;
}

static int zone_load(const char *name, zone_t *z)
{
    if (strstr(name, "..") != NULL || name[0] == '/' || strlen(name) >= sizeof(z->name))
        return BUFFR_EINVAL;
    char path[128];
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return BUFFR_EINVAL;
    unsigned char *buf = malloc(BUSINESS_DAY_MAX_FILE);
    if (buf == NULL) {
        fclose(f);
        return BUFFR_ENOMEM;
    }
    size_t len = fread(buf, 1, BUSINESS_DAY_MAX_FILE, f);
    fclose(f);
    int rc = zone_parse(buf, len, z);
    free(buf);
    if (rc == 0)
        snprintf(z->name, sizeof(z->name), "%s", name);
    return rc;
}

static int32_t zone_offset_at(const zone_t *z, int64_t t)
{
    if (z->count == 0 || t < z->times[0])
        return z->first_offset;
    size_t lo = 0, hi = z->count; /* last i with times[i] <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->times[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->offsets[lo];
}

int business_day_of(const char *zone_name, int64_t unix_seconds, char out[DATE_BUF_SIZE])
{
    int32_t offset = 0;
    int rc = 0;
    pthread_mutex_lock(&zone_lock);
    zone_t *found = NULL;
    for (size_t i = 0; i < zone_count; i++) {
        if (strcmp(zones[i].name, zone_name) == 0) {
            found = &zones[i];
            break;
        }
    }
    zone_t loaded = {0};
    if (found == NULL) {
        rc = zone_load(zone_name, &loaded);
        if (rc == 0) {
            if (zone_count < BUSINESS_DAY_CACHE) {
                zones[zone_count] = loaded;
                found = &zones[zone_count++];
            } else {
                found = &loaded; /* cache full: use once, free below */
            }
        }
    }
    if (rc == 0)
        offset = zone_offset_at(found, unix_seconds);
    if (found == &loaded) {
        free(loaded.times);
        free(loaded.offsets);
    }
    pthread_mutex_unlock(&zone_lock);
    if (rc != 0)
        return rc;
    int64_t local = unix_seconds + offset;
    int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    date_format(day, out);
    return 0;
}
