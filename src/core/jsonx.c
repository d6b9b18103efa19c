/* jsonx.c - checked getters for request bodies. */
#include "core/jsonx.h"

#include <stdio.h>
#include <string.h>

static json_t *jsonx_field(json_t *obj, const char *field, bool required, bool *present,
                           buffr_err_t *e, int *rc)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, field) : NULL;
    if (v == NULL || json_is_null(v)) {
        if (present)
            *present = false;
        *rc = required ? buffr_fail(e, BUFFR_EVALIDATION, field, "%s is required", field) : 0;
        return NULL;
    }
    if (present)
        *present = true;
    *rc = 0;
    return v;
}

int jsonx_string(json_t *obj, const char *field, bool required, size_t min_len, size_t max_len,
                 const char **out, bool *present, buffr_err_t *e)
{
    int rc;
    json_t *v = jsonx_field(obj, field, required, present, e, &rc);
    if (v == NULL)
        return rc;
    if (!json_is_string(v))
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be a string", field);
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (strlen(s) != len)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must not contain NUL characters", field);
    if (len < min_len)
        return buffr_fail(e, BUFFR_EVALIDATION, field,
                          min_len == 1 ? "%s must not be empty" : "%s is too short", field);
    if (len > max_len)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be at most %zu bytes", field,
                          max_len);
    *out = s;
    return 0;
}

int jsonx_line(json_t *obj, const char *field, bool required, size_t max_len, const char **out,
               bool *present, buffr_err_t *e)
{
    const char *s = NULL;
    bool here = false;
    int rc = jsonx_string(obj, field, required, 1, max_len, &s, &here, e);
    if (present)
        *present = here;
    if (rc != 0 || !here)
        return rc;
    bool blank = true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return buffr_fail(e, BUFFR_EVALIDATION, field,
                              "%s must be one line without control characters", field);
        if (*p != ' ')
            blank = false;
    }
    if (blank)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must not be blank", field);
    *out = s;
    return 0;
}

int jsonx_int(json_t *obj, const char *field, bool required, int64_t min, int64_t max, int64_t *out,
              bool *present, buffr_err_t *e)
{
    int rc;
    json_t *v = jsonx_field(obj, field, required, present, e, &rc);
    if (v == NULL)
        return rc;
    if (!json_is_integer(v))
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be an integer", field);
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be between %lld and %lld", field,
                          (long long)min, (long long)max);
    *out = (int64_t)i;
    return 0;
}

int jsonx_bool(json_t *obj, const char *field, bool required, bool *out, bool *present,
               buffr_err_t *e)
{
    int rc;
    json_t *v = jsonx_field(obj, field, required, present, e, &rc);
    if (v == NULL)
        return rc;
    if (!json_is_boolean(v))
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be true or false", field);
    *out = json_is_true(v);
    return 0;
}

int jsonx_enum(json_t *obj, const char *field, bool required, const char *const *allowed,
               const char **out, bool *present, buffr_err_t *e)
{
    const char *s = NULL;
    bool here = false;
    int rc = jsonx_string(obj, field, required, 1, 64, &s, &here, e);
    if (present)
        *present = here;
    if (rc != 0 || !here)
        return rc;
    for (size_t i = 0; allowed[i] != NULL; i++) {
        if (strcmp(s, allowed[i]) == 0) {
            *out = allowed[i];
            return 0;
        }
    }
    char list[160] = "";
    for (size_t i = 0; allowed[i] != NULL; i++) {
        if (i > 0)
            strncat(list, ", ", sizeof(list) - strlen(list) - 1);
        strncat(list, allowed[i], sizeof(list) - strlen(list) - 1);
    }
    return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be one of: %s", field, list);
}

int jsonx_page_init(jsonx_page_t *page, int limit)
{
    page->limit = limit;
    page->next[0] = '\0';
    page->data = json_array();
    return page->data ? 0 : BUFFR_ENOMEM;
}

void jsonx_page_reset(jsonx_page_t *page)
{
    json_array_clear(page->data);
    page->next[0] = '\0';
}

int jsonx_page_add(jsonx_page_t *page, json_t *item)
{
    if (item == NULL)
        return BUFFR_ENOMEM;
    size_t n = json_array_size(page->data);
    if ((int)n >= page->limit) {
        json_t *last = json_array_get(page->data, n - 1);
        const char *id = json_string_value(json_object_get(last, "id"));
        snprintf(page->next, sizeof(page->next), "%s", id ? id : "");
        json_decref(item);
        return 1;
    }
    return json_array_append_new(page->data, item) == 0 ? 0 : BUFFR_ENOMEM;
}

json_t *jsonx_page_finish(jsonx_page_t *page)
{
    json_t *out = json_pack("{s:O, s:o}", "data", page->data, "next_cursor",
                            page->next[0] ? json_string(page->next) : json_null());
    jsonx_page_clear(page);
    return out;
}

void jsonx_page_clear(jsonx_page_t *page)
{
    json_decref(page->data);
    page->data = NULL;
}

json_t *jsonx_string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *jsonx_dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
