/*
 * metrics.h - the HTTP server's Prometheus metrics, process-wide.
 *
 *   buffr_http_requests_total{method,route,status}      counter
 *   buffr_http_request_duration_seconds{method,route}   histogram
 *   buffr_http_requests_in_flight                       gauge
 *   buffr_http_handler_queue                            gauge
 *
 * Labels are route patterns ("/api/v1/properties/{pid}"), never raw paths,
 * and unknown methods are folded into "OTHER", so the number of series stays
 * bounded whatever clients send. Thread-safe. Not here: serving /metrics (an
 * API handler calls metrics_render_http and answers with reply_raw).
 */
#ifndef BUFFR_HTTP_METRICS_H
#define BUFFR_HTTP_METRICS_H

#include <stddef.h>

/* Count one answered request. route_pattern NULL means no route matched. */
void metrics_observe(const char *method, const char *route_pattern, int status, double seconds);

/* Requests received and not yet answered: +1 when one starts, -1 when done. */
void metrics_in_flight_add(int delta);

/* Requests read and waiting for a handler thread: +1 queued, -1 taken. */
void metrics_handler_queue_add(int delta);

/* The Prometheus text exposition (version 0.0.4) of every metric; *out is
 * malloc'd and NUL-terminated, the caller frees it. Returns 0 or
 * BUFFR_ENOMEM. */
int metrics_render_http(char **out, size_t *len);

/* Forget every observation (tests). */
void metrics_reset(void);

#endif
