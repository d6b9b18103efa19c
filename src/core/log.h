/*
 * log.h - the process log: one JSON object per line on stderr, so that a log
 * shipper can read it without a grammar. The per-request access log line is
 * written by the HTTP layer through log_json().
 */
#ifndef BUFFR_CORE_LOG_H
#define BUFFR_CORE_LOG_H

#include <jansson.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_set_level(log_level_t level);
/* Parse "debug", "info", "warn", "error"; returns -1 on anything else. */
int log_level_parse(const char *name, log_level_t *out);

void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write obj (with "ts" and "level" added) as one line. Does not steal obj. */
void log_json(log_level_t level, json_t *obj);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
