/* error.c - the one table from BUFFR_E* codes to HTTP statuses and API codes. */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static const struct {
    int code;
    int status;
    const char *api_code;
    const char *name;
} error_table[] = {
    {BUFFR_OK, 200, "OK", "OK"},
    {BUFFR_EVALIDATION, 400, "VALIDATION_ERROR", "EVALIDATION"},
    {BUFFR_EMALFORMED, 400, "MALFORMED_JSON", "EMALFORMED"},
    {BUFFR_EUNAUTH, 401, "UNAUTHENTICATED", "EUNAUTH"},
    {BUFFR_EFORBIDDEN, 403, "FORBIDDEN", "EFORBIDDEN"},
    {BUFFR_ENOTFOUND, 404, "NOT_FOUND", "ENOTFOUND"},
    {BUFFR_ECONFLICT, 409, "CONFLICT", "ECONFLICT"},
    {BUFFR_ENOAVAIL, 409, "NO_AVAILABILITY", "ENOAVAIL"},
    {BUFFR_ESTATE, 409, "INVALID_STATE_TRANSITION", "ESTATE"},
    {BUFFR_ESTOCK, 409, "INSUFFICIENT_STOCK", "ESTOCK"},
    {BUFFR_ETOOLARGE, 413, "PAYLOAD_TOO_LARGE", "ETOOLARGE"},
    {BUFFR_EMEDIA, 415, "UNSUPPORTED_MEDIA_TYPE", "EMEDIA"},
    {BUFFR_EIDEMPOTENCY, 422, "IDEMPOTENCY_KEY_REUSED", "EIDEMPOTENCY"},
    {BUFFR_ERATELIMIT, 429, "RATE_LIMITED", "ERATELIMIT"},
    {BUFFR_EMETHOD, 405, "METHOD_NOT_ALLOWED", "EMETHOD"},
    {BUFFR_EUNAVAILABLE, 503, "UNAVAILABLE", "EUNAVAILABLE"},
    {BUFFR_ENOMEM, 500, "INTERNAL", "ENOMEM"},
    {BUFFR_EIO, 500, "INTERNAL", "EIO"},
    {BUFFR_EDB, 500, "INTERNAL", "EDB"},
    {BUFFR_EBUSY, 503, "UNAVAILABLE", "EBUSY"},
    {BUFFR_ECONSTRAINT, 409, "CONFLICT", "ECONSTRAINT"},
    {BUFFR_EINVAL, 500, "INTERNAL", "EINVAL"},
    {BUFFR_EINTERNAL, 500, "INTERNAL", "EINTERNAL"},
};

static int error_index(int code)
{
    for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
        if (error_table[i].code == code)
            return (int)i;
    return -1;
}

int buffr_fail(buffr_err_t *e, int code, const char *field, const char *fmt, ...)
{
    if (e == NULL)
        return code;
    e->code = code;
    snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return code;
}

int buffr_http_status(int code)
{
    int i = error_index(code);
    return i < 0 ? 500 : error_table[i].status;
}

const char *buffr_api_code(int code)
{
    int i = error_index(code);
    return i < 0 ? "INTERNAL" : error_table[i].api_code;
}

const char *buffr_strerror(int code)
{
    int i = error_index(code);
    return i < 0 ? "EUNKNOWN" : error_table[i].name;
}
