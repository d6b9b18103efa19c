/*
 * metrics.c - request counters and latency histograms (see metrics.h).
 *
 * Two fixed-size open-addressing tables under one mutex: series are never
 * removed, and when a table is full further new series are dropped (and
 * counted), so memory is bounded. The lock is held for a hash probe and a few
 * additions per request. Not here: any other subsystem's metrics.
 */
#include "http/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define METRICS_MAX_COUNTERS    4096
#define METRICS_COUNTER_SLOTS   8192 /* power of two, twice the maximum */
#define METRICS_MAX_HISTOGRAMS  2048
#define METRICS_HISTOGRAM_SLOTS 4096
#define METRICS_NBUCKETS        14

static const double metrics_bounds[METRICS_NBUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
static const char *const metrics_bound_text[METRICS_NBUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};

static const char *const metrics_methods[] = {"GET",    "HEAD",    "POST",  "PUT",    "PATCH",
                                              "DELETE", "OPTIONS", "TRACE", "CONNECT"};

typedef struct metrics_counter {
    const char *method; /* one of metrics_methods, or "OTHER" */
    char *route;
    int status;
    uint64_t count;
} metrics_counter_t;

typedef struct metrics_histogram {
    const char *method;
    char *route;
    uint64_t buckets[METRICS_NBUCKETS]; /* non-cumulative; summed when rendered */
    uint64_t count;
    double sum;
} metrics_histogram_t;

static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static metrics_counter_t metrics_counters[METRICS_MAX_COUNTERS];
static size_t metrics_ncounters;
static int32_t metrics_counter_slot[METRICS_COUNTER_SLOTS]; /* index + 1; 0 = empty */
static metrics_histogram_t metrics_histograms[METRICS_MAX_HISTOGRAMS];
static size_t metrics_nhistograms;
static int32_t metrics_histogram_slot[METRICS_HISTOGRAM_SLOTS];
static uint64_t metrics_dropped;
static atomic_long metrics_in_flight;
static atomic_long metrics_handler_queue;

static const char *metrics_method_label(const char *method)
{
    if (method != NULL)
        for (size_t i = 0; i < sizeof(metrics_methods) / sizeof(metrics_methods[0]); i++)
            if (strcmp(method, metrics_methods[i]) == 0)
                return metrics_methods[i];
    return "OTHER";
}

static uint64_t metrics_hash(const char *method, const char *route, int status)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = method; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *p = route; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ (uint64_t)(unsigned)status) * 1099511628211ull;
    return h ^ (h >> 29);
}

/* Index of the counter series, created when new; -1 when the table is full. */
static int metrics_counter_find(const char *method, const char *route, int status)
{
    size_t slot = metrics_hash(method, route, status) & (METRICS_COUNTER_SLOTS - 1);
    for (;;) {
        int32_t idx = metrics_counter_slot[slot];
        if (idx == 0)
            break;
        metrics_counter_t *c = &metrics_counters[idx - 1];
        if (c->method == method && c->status == status && strcmp(c->route, route) == 0)
            return idx - 1;
        slot = (slot + 1) & (METRICS_COUNTER_SLOTS - 1);
    }
    if (metrics_ncounters == METRICS_MAX_COUNTERS)
        return -1;
    char *copy = strdup(route);
    if (copy == NULL)
        return -1;
    metrics_counter_t *c = &metrics_counters[metrics_ncounters];
    c->method = method;
    c->route = copy;
    c->status = status;
    c->count = 0;
    metrics_counter_slot[slot] = (int32_t)++metrics_ncounters;
    return (int)metrics_ncounters - 1;
}

static int metrics_histogram_find(const char *method, const char *route)
{
    size_t slot = metrics_hash(method, route, 0) & (METRICS_HISTOGRAM_SLOTS - 1);
    for (;;) {
        int32_t idx = metrics_histogram_slot[slot];
        if (idx == 0)
            break;
        metrics_histogram_t *hg = &metrics_histograms[idx - 1];
        if (hg->method == method && strcmp(hg->route, route) == 0)
            return idx - 1;
        slot = (slot + 1) & (METRICS_HISTOGRAM_SLOTS - 1);
    }
    if (metrics_nhistograms == METRICS_MAX_HISTOGRAMS)
        return -1;
    char *copy = strdup(route);
    if (copy == NULL)
        return -1;
    metrics_histogram_t *hg = &metrics_histograms[metrics_nhistograms];
    memset(hg, 0, sizeof(*hg));
    hg->method = method;
    hg->route = copy;
    metrics_histogram_slot[slot] = (int32_t)++metrics_nhistograms;
    return (int)metrics_nhistograms - 1;
}

void metrics_observe(const char *method, const char *route_pattern, int status, double seconds)
{
    const char *m = metrics_method_label(method);
    const char *route = route_pattern ? route_pattern : "unmatched";
    if (status < 100 || status > 599)
        status = 0;
    if (!(seconds >= 0)) /* also catches NaN */
        seconds = 0;
    pthread_mutex_lock(&metrics_lock);
    int ci = metrics_counter_find(m, route, status);
    if (ci >= 0)
        metrics_counters[ci].count++;
    else
        metrics_dropped++;
    int hi = metrics_histogram_find(m, route);
    if (hi >= 0) {
        metrics_histogram_t *hg = &metrics_histograms[hi];
        for (int b = 0; b < METRICS_NBUCKETS; b++) {
            if (seconds <= metrics_bounds[b]) {
                hg->buckets[b]++;
                break;
            }
        }
        hg->count++;
        hg->sum += seconds;
    } else {
        metrics_dropped++;
    }
    pthread_mutex_unlock(&metrics_lock);
}

void metrics_handler_queue_add(int delta)
{
    atomic_fetch_add(&metrics_handler_queue, delta);
}

void metrics_in_flight_add(int delta)
{
    atomic_fetch_add(&metrics_in_flight, delta);
}

/* A label value with \, " and newline escaped, as the text format wants. */
static void metrics_put_label(FILE *f, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", f);
        else if (*p == '"')
            fputs("\\\"", f);
        else if (*p == '\n')
            fputs("\\n", f);
        else
            fputc(*p, f);
    }
}

int metrics_render_http(char **out, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return BUFFR_ENOMEM;

    pthread_mutex_lock(&metrics_lock);
    fputs("# HELP buffr_http_requests_total HTTP requests answered, by route pattern.\n"
          "# TYPE buffr_http_requests_total counter\n",
          f);
    for (size_t i = 0; i < metrics_ncounters; i++) {
        const metrics_counter_t *c = &metrics_counters[i];
        fprintf(f, "buffr_http_requests_total{method=\"%s\",route=\"", c->method);
        metrics_put_label(f, c->route);
        fprintf(f, "\",status=\"%d\"} %llu\n", c->status, (unsigned long long)c->count);
    }
    fputs("# HELP buffr_http_request_duration_seconds Time from request line to answer sent.\n"
          "# TYPE buffr_http_request_duration_seconds histogram\n",
          f);
    for (size_t i = 0; i < metrics_nhistograms; i++) {
        const metrics_histogram_t *hg = &metrics_histograms[i];
        uint64_t cumulative = 0;
        for (int b = 0; b <= METRICS_NBUCKETS; b++) {
            cumulative = b < METRICS_NBUCKETS ? cumulative + hg->buckets[b] : hg->count;
            fprintf(f, "buffr_http_request_duration_seconds_bucket{method=\"%s\",route=\"",
                    hg->method);
            metrics_put_label(f, hg->route);
            fprintf(f, "\",le=\"%s\"} %llu\n",
                    b < METRICS_NBUCKETS ? metrics_bound_text[b] : "+Inf",
                    (unsigned long long)cumulative);
        }
        fprintf(f, "buffr_http_request_duration_seconds_sum{method=\"%s\",route=\"", hg->method);
        metrics_put_label(f, hg->route);
        fprintf(f, "\"} %.6f\n", hg->sum);
        fprintf(f, "buffr_http_request_duration_seconds_count{method=\"%s\",route=\"", hg->method);
        metrics_put_label(f, hg->route);
        fprintf(f, "\"} %llu\n", (unsigned long long)hg->count);
    }
    uint64_t dropped = metrics_dropped;
    pthread_mutex_unlock(&metrics_lock);

    fprintf(f,
            "# HELP buffr_http_requests_in_flight Requests received and not yet answered.\n"
            "# TYPE buffr_http_requests_in_flight gauge\n"
            "buffr_http_requests_in_flight %ld\n"
            "# HELP buffr_http_handler_queue Requests read and waiting for a handler thread.\n"
            "# TYPE buffr_http_handler_queue gauge\n"
            "buffr_http_handler_queue %ld\n"
            "# HELP buffr_http_metrics_series_dropped_total Observations not recorded because "
            "the series tables were full.\n"
            "# TYPE buffr_http_metrics_series_dropped_total counter\n"
            "buffr_http_metrics_series_dropped_total %llu\n",
            atomic_load(&metrics_in_flight), atomic_load(&metrics_handler_queue),
            (unsigned long long)dropped);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed || text == NULL) {
        free(text);
        return BUFFR_ENOMEM;
    }
    *out = text;
    if (len != NULL)
        *len = size;
    return 0;
}

void metrics_reset(void)
{
    pthread_mutex_lock(&metrics_lock);
    for (size_t i = 0; i < metrics_ncounters; i++)
        free(metrics_counters[i].route);
    for (size_t i = 0; i < metrics_nhistograms; i++)
        free(metrics_histograms[i].route);
    metrics_ncounters = 0;
    metrics_nhistograms = 0;
    memset(metrics_counter_slot, 0, sizeof(metrics_counter_slot));
    memset(metrics_histogram_slot, 0, sizeof(metrics_histogram_slot));
    metrics_dropped = 0;
    pthread_mutex_unlock(&metrics_lock);
}
