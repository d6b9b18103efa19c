/* log.c - JSON lines on stderr, written whole under a lock. */
#include "core/log.h"
#include "core/timeutil.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static log_level_t log_min = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_set_level(log_level_t level)
{
    log_min = level;
}

int log_level_parse(const char *name, log_level_t *out)
{
    for (int i = 0; i < 4; i++) {
        if (name && strcmp(name, log_names[i]) == 0) {
            *out = (log_level_t)i;
            return 0;
        }
    }
    return -1;
}

static void log_write(log_level_t level, json_t *obj)
{
    char ts[RFC3339_BUF_SIZE];
    time_format_rfc3339(time_now(), ts);
    json_object_set_new(obj, "ts", json_string(ts));
    json_object_set_new(obj, "level", json_string(log_names[level]));
    char *line = json_dumps(obj, JSON_COMPACT);
    pthread_mutex_lock(&log_lock);
    if (line != NULL)
        fprintf(stderr, "%s\n", line);
    else
        fprintf(stderr, "{\"level\":\"error\",\"msg\":\"log line lost: out of memory\"}\n");
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    free(line);
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    if (level < log_min)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *obj = json_object();
    if (obj == NULL) {
        fprintf(stderr, "%s\n", msg);
        return;
    }
    /* json_string refuses invalid UTF-8; keep the line anyway. */
    json_t *m = json_string(msg);
    json_object_set_new(obj, "msg", m ? m : json_string("(message not valid UTF-8)"));
    log_write(level, obj);
    json_decref(obj);
}

void log_json(log_level_t level, json_t *obj)
{
    if (level < log_min || obj == NULL)
        return;
    json_t *copy = json_copy(obj);
    if (copy == NULL)
        return;
    log_write(level, copy);
    json_decref(copy);
}
