/*
 * jsonx.h - reading checked values out of a JSON request body.
 *
 * Each getter validates one field and, when it is missing or wrong, fills
 * buffr_err_t with BUFFR_EVALIDATION, a message naming the field and the
 * field itself, and returns that code. Absent optional fields leave *out
 * untouched and set *present (when given) to false. No HTTP here: domain
 * modules use these too.
 */
#ifndef BUFFR_CORE_JSONX_H
#define BUFFR_CORE_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* A string of min_len..max_len bytes (valid UTF-8 is guaranteed by jansson;
 * strings with NUL are refused). Leading/trailing space is kept. */
int jsonx_string(json_t *obj, const char *field, bool required, size_t min_len, size_t max_len,
                 const char **out, bool *present, buffr_err_t *e);
/* A one-line text such as a name: as jsonx_string, and also no control
 * characters (tabs, newlines, ...) and not only spaces. */
int jsonx_line(json_t *obj, const char *field, bool required, size_t max_len, const char **out,
               bool *present, buffr_err_t *e);
/* An integer in [min, max] (a JSON real, even 2.0, is refused). */
int jsonx_int(json_t *obj, const char *field, bool required, int64_t min, int64_t max, int64_t *out,
              bool *present, buffr_err_t *e);
int jsonx_bool(json_t *obj, const char *field, bool required, bool *out, bool *present,
               buffr_err_t *e);
/* A string that must be one of allowed (NULL-terminated list). */
int jsonx_enum(json_t *obj, const char *field, bool required, const char *const *allowed,
               const char **out, bool *present, buffr_err_t *e);

/* One page of a list answer, {"data":[...],"next_cursor"}, filled from rows
 * ordered by id and fetched with LIMIT limit + 1: the extra row only tells
 * that another page exists, and the cursor is the last shown item's "id". */
typedef struct jsonx_page {
    int limit;
    json_t *data;
    char next[64];
} jsonx_page_t;

/* 0, or BUFFR_ENOMEM. Reset for a retried transaction with jsonx_page_reset. */
int jsonx_page_init(jsonx_page_t *page, int limit);
void jsonx_page_reset(jsonx_page_t *page);
/* Add item (stolen): 0 when added, 1 when the page was already full (item
 * dropped, next_cursor set: stop reading), BUFFR_ENOMEM. */
int jsonx_page_add(jsonx_page_t *page, json_t *item);
/* The answer object; consumes the page's data. NULL on ENOMEM. */
json_t *jsonx_page_finish(jsonx_page_t *page);
void jsonx_page_clear(jsonx_page_t *page);

/* New JSON string from possibly-NULL text: json_null() for NULL. */
json_t *jsonx_string_or_null(const char *s);

/* Serialise compactly (caller frees), keeping UTF-8 as is. NULL on ENOMEM. */
char *jsonx_dump(const json_t *v);

#endif
