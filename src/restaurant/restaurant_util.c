/*
 * restaurant_util.c - small helpers every file of the restaurant module
 * uses: error finishing, the property lookup, time and id fields.
 */
#include "restaurant/restaurant_internal.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"

int restaurant_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const char *what)
{
    if (rc == 0) {
        *out = result;
        return 0;
    }
    json_decref(result);
    if (e && e->code == rc)
        return rc; /* already explained */
    switch (rc) {
    case BUFFR_ENOTFOUND:
        return buffr_fail(e, rc, NULL, "%s not found", what);
    case BUFFR_ECONFLICT:
        return buffr_fail(e, rc, NULL, "a %s with that name already exists", what);
    case BUFFR_ECONSTRAINT:
        return buffr_fail(e, BUFFR_ECONFLICT, NULL, "the %s is still in use", what);
    case BUFFR_ENOMEM:
        return buffr_fail(e, rc, NULL, "out of memory");
    default:
        return buffr_fail(e, rc, NULL, "could not complete the %s operation", what);
    }
}

int restaurant_property_read(db_tx_t *tx, const char *pid, char *currency, char *zone_name)
{
    db_rows_t *rows;
    int rc = restaurant_first_row(
        tx, "SELECT currency, timezone FROM properties WHERE tenant_id = $1 AND id = $2",
        DB_ARGS(DB_TEXT(pid)), &rows);
    if (rc != 0)
        return rc;
    if (currency)
        snprintf(currency, 4, "%s", db_text(rows, 0));
    if (zone_name)
        snprintf(zone_name, RESTAURANT_TZ_MAX, "%s", db_text(rows, 1));
    db_rows_free(rows);
    return 0;
}

json_t *restaurant_time_json(int64_t unix_seconds)
{
    char text[RFC3339_BUF_SIZE];
    time_format_rfc3339(unix_seconds, text);
    return json_string(text);
}

int restaurant_uuid_field(json_t *body, const char *field, bool required, char out[UUID_BUF_SIZE],
                          bool *present, buffr_err_t *e)
{
    const char *text = NULL;
    bool given = false;
    int rc = jsonx_string(body, field, required, 1, 64, &text, &given, e);
    if (present)
        *present = given;
    if (rc != 0 || !given)
        return rc;
    if (uuid_normalize(text, out) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be an id (UUID)", field);
    return 0;
}

bool restaurant_station_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}
