/*
 * services_common.c - the parts spa, conference and shuttle share: entity
 * reads and lists, body pieces, the stay link, slot claims and the booking
 * representation with its cancel. See services_internal.h.
 */
#include "services/services_internal.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "services/slots.h"

/* ---- JSON building ---- */

bool svc_put(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL)
        return false;
    return json_object_set_new(obj, key, value) == 0;
}

json_t *svc_json_text(db_rows_t *rows, int col)
{
    return jsonx_string_or_null(db_is_null(rows, col) ? NULL : db_text(rows, col));
}

json_t *svc_json_int(db_rows_t *rows, int col)
{
    return db_is_null(rows, col) ? json_null() : json_integer((json_int_t)db_int(rows, col));
}

json_t *svc_json_bool(db_rows_t *rows, int col)
{
    return json_boolean(db_int(rows, col) != 0);
}

json_t *svc_json_time(db_rows_t *rows, int col)
{
    if (db_is_null(rows, col))
        return json_null();
    char text[RFC3339_BUF_SIZE];
    time_format_rfc3339(db_int(rows, col), text);
    return json_string(text);
}

json_t *svc_json_local(int64_t minutes)
{
    char text[LOCAL_TIME_BUF_SIZE];
    local_time_format(minutes, text);
    return json_string(text);
}

json_t *svc_json_hours(db_rows_t *rows, int col)
{
    if (db_is_null(rows, col))
        return json_null();
    /* Stored in canonical form by this module; reparse to render it as an
     * object (and to never pass on anything else). */
    json_error_t jerr;
    json_t *stored = json_loads(db_text(rows, col), 0, &jerr);
    working_hours_t hours;
    int rc = stored ? working_hours_parse(stored, "working_hours", &hours, NULL) : -1;
    json_decref(stored);
    return rc == 0 ? working_hours_json(&hours) : json_object();
}

/* ---- entities ---- */

static int svc_rows_collect(db_rows_t *rows, const svc_entity_t *ent, json_t *data, int limit,
                            char next[UUID_BUF_SIZE])
{
    int n = 0, rc;
    while ((rc = db_next(rows)) == 1) {
        if (n == limit) {
            json_t *last = json_array_get(data, (size_t)n - 1);
            snprintf(next, UUID_BUF_SIZE, "%s", json_string_value(json_object_get(last, "id")));
            return 0;
        }
        json_t *item = ent->row_json(rows);
        if (item == NULL || json_array_append_new(data, item) != 0)
            return BUFFR_ENOMEM;
        n++;
    }
    return rc;
}

int svc_entity_read(db_tx_t *tx, const svc_entity_t *ent, const char *pid, const char *id,
                    json_t **out)
{
    db_rows_t *rows;
    int rc = db_query(tx, ent->select_one, DB_ARGS(DB_TEXT(pid), DB_TEXT(id)), &rows);
    if (rc != 0)
        return rc;
    json_t *item = NULL;
    rc = db_next(rows);
    if (rc == 1) {
        item = ent->row_json(rows);
        rc = item ? 0 : BUFFR_ENOMEM;
    } else if (rc == 0) {
        rc = BUFFR_ENOTFOUND;
    }
    db_rows_free(rows);
    if (rc == 0 && ent->decorate)
        rc = ent->decorate(tx, item);
    if (rc != 0) {
        json_decref(item);
        return rc;
    }
    json_decref(*out);
    *out = item;
    return 0;
}

int svc_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const svc_entity_t *ent,
             const char *verb)
{
    if (rc == 0) {
        *out = result;
        return 0;
    }
    json_decref(result);
    if (e && e->code == rc)
        return rc; /* the work explained it */
    switch (rc) {
    case BUFFR_ENOTFOUND:
        return buffr_fail(e, rc, NULL, "%s not found", ent->noun);
    case BUFFR_ECONFLICT:
        return buffr_fail(e, rc, NULL, "%s",
                          ent->duplicate ? ent->duplicate : "the change conflicts with another");
    case BUFFR_ECONSTRAINT:
        return buffr_fail(e, BUFFR_ECONFLICT, NULL, "%s",
                          ent->in_use ? ent->in_use : "the change breaks a rule of the data");
    default:
        return buffr_fail(e, rc, NULL, "could not %s the %s", verb, ent->noun);
    }
}

typedef struct svc_get_work {
    const svc_entity_t *ent;
    const char *pid, *id;
    json_t *result;
} svc_get_work_t;

static int svc_get_in_tx(db_tx_t *tx, void *ctx)
{
    svc_get_work_t *w = ctx;
    return svc_entity_read(tx, w->ent, w->pid, w->id, &w->result);
}

int svc_entity_get(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                   const char *id, json_t **out, buffr_err_t *e)
{
    svc_get_work_t w = {.ent = ent, .pid = pid, .id = id};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, svc_get_in_tx, &w);
    return svc_done(rc, w.result, out, e, ent, "read");
}

#define SVC_MAX_FILTERS 6

typedef struct svc_list_work {
    const svc_entity_t *ent;
    const char *pid;
    const svc_query_t *q;
    const db_arg_t *filters;
    size_t nfilters;
    buffr_err_t *e;
    json_t *data;
    char next[UUID_BUF_SIZE];
} svc_list_work_t;

static int svc_list_in_tx(db_tx_t *tx, void *ctx)
{
    svc_list_work_t *w = ctx;
    json_array_clear(w->data);
    w->next[0] = '\0';
    char currency[SVC_CURRENCY_BUF_SIZE];
    int rc = svc_property_currency(tx, w->pid, currency, w->e);
    if (rc != 0)
        return rc;
    db_arg_t args[3 + SVC_MAX_FILTERS];
    args[0] = DB_TEXT(w->pid);
    args[1] = DB_TEXT(w->q->cursor ? w->q->cursor : "");
    args[2] = DB_INT(w->q->limit + 1);
    for (size_t i = 0; i < w->nfilters; i++)
        args[3 + i] = w->filters[i];
    db_rows_t *rows;
    rc = db_query(tx, w->ent->select_page, args, 3 + w->nfilters, &rows);
    if (rc != 0)
        return rc;
    rc = svc_rows_collect(rows, w->ent, w->data, w->q->limit, w->next);
    db_rows_free(rows);
    if (rc != 0 || w->ent->decorate == NULL)
        return rc;
    size_t i;
    json_t *item;
    json_array_foreach(w->data, i, item)
    {
        if ((rc = w->ent->decorate(tx, item)) != 0)
            return rc;
    }
    return 0;
}

int svc_entity_list(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                    const svc_query_t *q, const db_arg_t *filters, size_t nfilters, json_t **out,
                    buffr_err_t *e)
{
    if (nfilters > SVC_MAX_FILTERS)
        return buffr_fail(e, BUFFR_EINVAL, NULL, "could not list the %ss", ent->noun);
    if (q->cursor != NULL && !uuid_is_valid(q->cursor))
        return buffr_fail(e, BUFFR_EVALIDATION, "cursor", "cursor is not valid");
    svc_list_work_t w = {.ent = ent,
                         .pid = pid,
                         .q = q,
                         .filters = filters,
                         .nfilters = nfilters,
                         .e = e,
                         .data = json_array()};
    if (w.data == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    int rc = db_transact(app->db, who->tenant_id, DB_READ, svc_list_in_tx, &w);
    if (rc != 0)
        return svc_done(rc, w.data, out, e, ent, "list");
    *out = json_pack("{s:o, s:o}", "data", w.data, "next_cursor",
                     w.next[0] ? json_string(w.next) : json_null());
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

typedef struct svc_delete_work {
    const svc_entity_t *ent;
    const char *pid, *id;
} svc_delete_work_t;

static int svc_delete_in_tx(db_tx_t *tx, void *ctx)
{
    svc_delete_work_t *w = ctx;
    int64_t changed = 0;
    int rc = db_exec(tx, w->ent->delete_one, DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id)), &changed);
    if (rc != 0)
        return rc;
    return changed == 1 ? 0 : BUFFR_ENOTFOUND;
}

int svc_entity_delete(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                      const char *id, buffr_err_t *e)
{
    svc_delete_work_t w = {.ent = ent, .pid = pid, .id = id};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, svc_delete_in_tx, &w);
    json_t *none = NULL;
    return svc_done(rc, NULL, &none, e, ent, "delete");
}

int svc_update_missed(db_tx_t *tx, const svc_entity_t *ent, const char *pid, const char *id,
                      buffr_err_t *e)
{
    json_t *now = NULL;
    int rc = svc_entity_read(tx, ent, pid, id, &now);
    if (rc != 0)
        return rc;
    long long version = (long long)json_integer_value(json_object_get(now, "version"));
    json_decref(now);
    return buffr_fail(e, BUFFR_ECONFLICT, NULL,
                      "the %s was changed meanwhile (version %lld); reload and retry", ent->noun,
                      version);
}

/* ---- the property ---- */

int svc_property_currency(db_tx_t *tx, const char *pid, char currency[SVC_CURRENCY_BUF_SIZE],
                          buffr_err_t *e)
{
    db_rows_t *rows;
    int rc = db_query(tx, "SELECT currency FROM properties WHERE tenant_id = $1 AND id = $2",
                      DB_ARGS(DB_TEXT(pid)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        snprintf(currency, SVC_CURRENCY_BUF_SIZE, "%s", db_text(rows, 0));
        rc = 0;
    } else if (rc == 0) {
        rc = buffr_fail(e, BUFFR_ENOTFOUND, NULL, "property not found");
    }
    db_rows_free(rows);
    return rc;
}

/* ---- request bodies ---- */

static int svc_prefixed(int rc, buffr_err_t *e, const char *prefix)
{
    if (rc != 0 && e != NULL && e->field[0] != '\0') {
        char field[2 * sizeof(e->field)];
        int n = snprintf(field, sizeof(field), "%s.%s", prefix, e->field);
        if (n > 0 && (size_t)n < sizeof(e->field))
            memcpy(e->field, field, (size_t)n + 1);
    }
    return rc;
}

int svc_guest_parse(json_t *body, svc_guest_t *out, buffr_err_t *e)
{
    memset(out, 0, sizeof(*out));
    json_t *guest = json_object_get(body, "guest");
    if (guest == NULL || json_is_null(guest))
        return buffr_fail(e, BUFFR_EVALIDATION, "guest",
                          "guest is required: {\"first_name\",\"last_name\",\"email\"}");
    if (!json_is_object(guest))
        return buffr_fail(e, BUFFR_EVALIDATION, "guest", "guest must be an object");
    int rc;
    if ((rc = jsonx_string(guest, "first_name", true, 1, 100, &out->first_name, NULL, e)) != 0 ||
        (rc = jsonx_string(guest, "last_name", true, 1, 100, &out->last_name, NULL, e)) != 0 ||
        (rc = jsonx_string(guest, "email", true, 3, 254, &out->email, NULL, e)) != 0)
        return svc_prefixed(rc, e, "guest");
    const char *at = strchr(out->email, '@');
    if (at == NULL || at == out->email || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
        strpbrk(out->email, " \t\r\n<>") != NULL)
        return buffr_fail(e, BUFFR_EVALIDATION, "guest.email",
                          "guest.email must be an email address");
    return 0;
}

int svc_uuid_field(json_t *body, const char *field, bool required, char out[UUID_BUF_SIZE],
                   bool *present, buffr_err_t *e)
{
    const char *text = NULL;
    bool here = false;
    int rc = jsonx_string(body, field, required, 1, 64, &text, &here, e);
    if (present)
        *present = here;
    if (rc != 0 || !here)
        return rc;
    if (uuid_normalize(text, out) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be an id (a UUID)", field);
    return 0;
}

bool svc_is_explicit_null(json_t *body, const char *field)
{
    json_t *v = json_object_get(body, field);
    return v != NULL && json_is_null(v);
}

int svc_money_field(json_t *body, const char *field, bool required, int64_t *out, bool *present,
                    buffr_err_t *e)
{
    return jsonx_int(body, field, required, 0, SVC_MONEY_MAX, out, present, e);
}

int svc_date_value(const char *text, const char *field, bool required, int64_t *day, bool *present,
                   buffr_err_t *e)
{
    if (present)
        *present = text != NULL;
    if (text == NULL)
        return required
                   ? buffr_fail(e, BUFFR_EVALIDATION, field, "%s is required (YYYY-MM-DD)", field)
                   : 0;
    if (date_parse(text, day) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be a date YYYY-MM-DD", field);
    return 0;
}

int svc_reservation_check(db_tx_t *tx, const char *pid, const char *reservation_id, buffr_err_t *e)
{
    if (reservation_id == NULL)
        return 0;
    int64_t one = 0;
    int rc = db_query_int(tx,
                          "SELECT 1 FROM reservations WHERE tenant_id = $1 AND id = $2 "
                          "AND property_id = $3 AND status IN ('confirmed', 'checked_in')",
                          DB_ARGS(DB_TEXT(reservation_id), DB_TEXT(pid)), &one);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(e, BUFFR_EVALIDATION, "reservation_id",
                          "reservation_id must be a confirmed or checked-in stay at this property");
    return rc;
}

/* ---- slot claims ---- */

/* One statement per claim: the grid's slots of [from, to) as rows. ON
 * CONFLICT DO NOTHING skips the slots another booking holds (on PostgreSQL
 * after waiting for that booking's transaction), so the number of rows
 * inserted tells whether the whole range was free. Bookings claim in one
 * order (spa kinds by name, resources and add-ons by id, time ascending;
 * a conference room before its add-ons) so they do not deadlock; should
 * PostgreSQL still report one, db_transact runs the booking again. */
static const char claim_resource_sql[] =
    "WITH RECURSIVE grid(slot) AS ("
    "  SELECT CAST($3 AS BIGINT)"
    "  UNION ALL SELECT slot + 15 FROM grid WHERE slot + 15 < CAST($4 AS BIGINT))"
    " INSERT INTO resource_slots (tenant_id, resource_id, slot_start, booking_id)"
    " SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), slot, CAST($5 AS TEXT) FROM grid WHERE true"
    " ON CONFLICT DO NOTHING";

static const char claim_addon_sql[] =
    "WITH RECURSIVE grid(slot) AS ("
    "  SELECT CAST($4 AS BIGINT)"
    "  UNION ALL SELECT slot + 15 FROM grid WHERE slot + 15 < CAST($5 AS BIGINT))"
    " INSERT INTO addon_slots (tenant_id, addon_id, unit_no, slot_start, booking_id)"
    " SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT), slot, CAST($6 AS TEXT)"
    " FROM grid WHERE true ON CONFLICT DO NOTHING";

int svc_claim_resource(db_tx_t *tx, const char *resource_id, int64_t from, int64_t to,
                       const char *booking_id)
{
    if (to <= from || from % SLOT_MINUTES != 0 || to % SLOT_MINUTES != 0)
        return BUFFR_EINVAL;
    int64_t inserted = 0;
    int rc = db_exec(tx, claim_resource_sql,
                     DB_ARGS(DB_TEXT(resource_id), DB_INT(from), DB_INT(to), DB_TEXT(booking_id)),
                     &inserted);
    if (rc != 0)
        return rc;
    if (inserted == (to - from) / SLOT_MINUTES)
        return 0;
    rc = db_exec(tx,
                 "DELETE FROM resource_slots WHERE tenant_id = $1 AND booking_id = $2 "
                 "AND resource_id = $3",
                 DB_ARGS(DB_TEXT(booking_id), DB_TEXT(resource_id)), NULL);
    return rc != 0 ? rc : BUFFR_ENOAVAIL;
}

int svc_claim_addon_unit(db_tx_t *tx, const char *addon_id, int64_t unit_no, int64_t from,
                         int64_t to, const char *booking_id)
{
    if (to <= from || from % SLOT_MINUTES != 0 || to % SLOT_MINUTES != 0 || unit_no < 1)
        return BUFFR_EINVAL;
    int64_t inserted = 0;
    int rc = db_exec(
        tx, claim_addon_sql,
        DB_ARGS(DB_TEXT(addon_id), DB_INT(unit_no), DB_INT(from), DB_INT(to), DB_TEXT(booking_id)),
        &inserted);
    if (rc != 0)
        return rc;
    if (inserted == (to - from) / SLOT_MINUTES)
        return 0;
    rc = db_exec(tx,
                 "DELETE FROM addon_slots WHERE tenant_id = $1 AND booking_id = $2 "
                 "AND addon_id = $3 AND unit_no = $4",
                 DB_ARGS(DB_TEXT(booking_id), DB_TEXT(addon_id), DB_INT(unit_no)), NULL);
    return rc != 0 ? rc : BUFFR_ENOAVAIL;
}

/* ---- bookings ---- */

#define BOOKING_COLUMNS                                                                            \
    "b.id, b.property_id, b.service, b.status, b.starts_at, b.ends_at, b.title, b.treatment_id, "  \
    "b.room_id, b.layout, b.attendees, b.booking_type, b.days, b.event_name, b.departure_id, "     \
    "b.route_id, b.seats, b.guest_first_name, b.guest_last_name, b.guest_email, "                  \
    "b.reservation_id, b.unit_amount, b.total, b.currency, b.created_at, b.updated_at, "           \
    "b.cancelled_at, b.version"
enum {
    BK_ID,
    BK_PROPERTY,
    BK_SERVICE,
    BK_STATUS,
    BK_STARTS,
    BK_ENDS,
    BK_TITLE,
    BK_TREATMENT,
    BK_ROOM,
    BK_LAYOUT,
    BK_ATTENDEES,
    BK_TYPE,
    BK_DAYS,
    BK_EVENT,
    BK_DEPARTURE,
    BK_ROUTE,
    BK_SEATS,
    BK_FIRST,
    BK_LAST,
    BK_EMAIL,
    BK_RESERVATION,
    BK_UNIT,
    BK_TOTAL,
    BK_CURRENCY,
    BK_CREATED,
    BK_UPDATED,
    BK_CANCELLED,
    BK_VERSION,
};

#define BOOKING_ONE_SQL(svc)                                                                       \
    "SELECT " BOOKING_COLUMNS " FROM service_bookings b WHERE b.tenant_id = $1 "                   \
    "AND b.property_id = $2 AND b.id = $3 AND b.service = '" svc "'"
/* $5 day start (local minutes), $6 status, $7 the service's reference. */
#define BOOKING_PAGE_SQL(svc, ref)                                                                 \
    "SELECT " BOOKING_COLUMNS " FROM service_bookings b WHERE b.tenant_id = $1 "                   \
    "AND b.property_id = $2 AND b.service = '" svc "' AND b.id > $3 "                              \
    "AND (CAST($5 AS BIGINT) IS NULL OR (b.starts_at >= $5 AND b.starts_at < $5 + 1440)) "         \
    "AND (CAST($6 AS TEXT) IS NULL OR b.status = $6) "                                             \
    "AND (CAST($7 AS TEXT) IS NULL OR b." ref " = $7) ORDER BY b.id LIMIT $4"

static json_t *booking_row_json(db_rows_t *rows)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    const char *service = db_text(rows, BK_SERVICE);
    int64_t starts = db_int(rows, BK_STARTS), ends = db_int(rows, BK_ENDS);
    bool ok = svc_put(o, "id", svc_json_text(rows, BK_ID));
    ok = svc_put(o, "property_id", svc_json_text(rows, BK_PROPERTY)) && ok;
    ok = svc_put(o, "service", svc_json_text(rows, BK_SERVICE)) && ok;
    ok = svc_put(o, "status", svc_json_text(rows, BK_STATUS)) && ok;
    ok = svc_put(o, "start", svc_json_local(starts)) && ok;
    if (strcmp(service, "spa") == 0) {
        ok = svc_put(o, "end", svc_json_local(ends)) && ok;
        ok = svc_put(o, "treatment_id", svc_json_text(rows, BK_TREATMENT)) && ok;
        ok = svc_put(o, "treatment_name", svc_json_text(rows, BK_TITLE)) && ok;
        ok = svc_put(o, "duration_minutes", json_integer((json_int_t)(ends - starts))) && ok;
        ok = svc_put(o, "price", svc_json_int(rows, BK_UNIT)) && ok;
    } else if (strcmp(service, "conference") == 0) {
        ok = svc_put(o, "end", svc_json_local(ends)) && ok;
        ok = svc_put(o, "room_id", svc_json_text(rows, BK_ROOM)) && ok;
        ok = svc_put(o, "room_name", svc_json_text(rows, BK_TITLE)) && ok;
        ok = svc_put(o, "layout", svc_json_text(rows, BK_LAYOUT)) && ok;
        ok = svc_put(o, "attendees", svc_json_int(rows, BK_ATTENDEES)) && ok;
        ok = svc_put(o, "booking_type", svc_json_text(rows, BK_TYPE)) && ok;
        if (strcmp(db_text(rows, BK_TYPE), "daily") == 0) {
            char date[DATE_BUF_SIZE];
            date_format(local_day(starts), date);
            ok = svc_put(o, "date", json_string(date)) && ok;
            ok = svc_put(o, "days", svc_json_int(rows, BK_DAYS)) && ok;
        }
        ok = svc_put(o, "event_name", svc_json_text(rows, BK_EVENT)) && ok;
        ok = svc_put(o, "room_amount", svc_json_int(rows, BK_UNIT)) && ok;
    } else {
        ok = svc_put(o, "departure_id", svc_json_text(rows, BK_DEPARTURE)) && ok;
        ok = svc_put(o, "route_id", svc_json_text(rows, BK_ROUTE)) && ok;
        ok = svc_put(o, "route_name", svc_json_text(rows, BK_TITLE)) && ok;
        ok = svc_put(o, "seats", svc_json_int(rows, BK_SEATS)) && ok;
        ok = svc_put(o, "price_per_seat", svc_json_int(rows, BK_UNIT)) && ok;
    }
    json_t *guest = json_object();
    ok = svc_put(o, "guest", guest) && ok;
    if (guest != NULL) {
        ok = svc_put(guest, "first_name", svc_json_text(rows, BK_FIRST)) && ok;
        ok = svc_put(guest, "last_name", svc_json_text(rows, BK_LAST)) && ok;
        ok = svc_put(guest, "email", svc_json_text(rows, BK_EMAIL)) && ok;
    }
    ok = svc_put(o, "reservation_id", svc_json_text(rows, BK_RESERVATION)) && ok;
    ok = svc_put(o, "total", svc_json_int(rows, BK_TOTAL)) && ok;
    ok = svc_put(o, "currency", svc_json_text(rows, BK_CURRENCY)) && ok;
    ok = svc_put(o, "created_at", svc_json_time(rows, BK_CREATED)) && ok;
    ok = svc_put(o, "updated_at", svc_json_time(rows, BK_UPDATED)) && ok;
    ok = svc_put(o, "cancelled_at", svc_json_time(rows, BK_CANCELLED)) && ok;
    ok = svc_put(o, "version", svc_json_int(rows, BK_VERSION)) && ok;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Spa: the therapists and rooms the booking was given. */
static int spa_booking_decorate(db_tx_t *tx, json_t *obj)
{
    json_t *list = json_array();
    if (list == NULL || json_object_set_new(obj, "resources", list) != 0)
        return BUFFR_ENOMEM;
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT br.resource_id, br.kind, r.name FROM service_booking_resources br "
                      "JOIN service_resources r ON r.tenant_id = br.tenant_id "
                      "AND r.id = br.resource_id "
                      "WHERE br.tenant_id = $1 AND br.booking_id = $2 "
                      "ORDER BY br.kind, br.resource_id",
                      DB_ARGS(DB_TEXT(json_string_value(json_object_get(obj, "id")))), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *item = json_pack("{s:s, s:s, s:s}", "id", db_text(rows, 0), "kind",
                                 db_text(rows, 1), "name", db_text(rows, 2));
        if (item == NULL || json_array_append_new(list, item) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

/* Conference: the add-ons with their prices at booking time. */
static int conference_booking_decorate(db_tx_t *tx, json_t *obj)
{
    json_t *list = json_array();
    if (list == NULL || json_object_set_new(obj, "addons", list) != 0)
        return BUFFR_ENOMEM;
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT addon_id, name, quantity, unit_price, amount "
                      "FROM service_booking_addons WHERE tenant_id = $1 AND booking_id = $2 "
                      "ORDER BY name, addon_id",
                      DB_ARGS(DB_TEXT(json_string_value(json_object_get(obj, "id")))), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *item =
            json_pack("{s:s, s:s, s:I, s:I, s:I}", "addon_id", db_text(rows, 0), "name",
                      db_text(rows, 1), "quantity", (json_int_t)db_int(rows, 2), "unit_price",
                      (json_int_t)db_int(rows, 3), "amount", (json_int_t)db_int(rows, 4));
        if (item == NULL || json_array_append_new(list, item) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

const svc_entity_t svc_spa_bookings = {
    .noun = "booking",
    .service = "spa",
    .select_one = BOOKING_ONE_SQL("spa"),
    .select_page = BOOKING_PAGE_SQL("spa", "treatment_id"),
    .row_json = booking_row_json,
    .decorate = spa_booking_decorate,
};

const svc_entity_t svc_conference_bookings = {
    .noun = "booking",
    .service = "conference",
    .select_one = BOOKING_ONE_SQL("conference"),
    .select_page = BOOKING_PAGE_SQL("conference", "room_id"),
    .row_json = booking_row_json,
    .decorate = conference_booking_decorate,
};

const svc_entity_t svc_shuttle_bookings = {
    .noun = "booking",
    .service = "shuttle",
    .select_one = BOOKING_ONE_SQL("shuttle"),
    .select_page = BOOKING_PAGE_SQL("shuttle", "departure_id"),
    .row_json = booking_row_json,
};

int svc_booking_insert(db_tx_t *tx, const svc_booking_row_t *b)
{
    int64_t now = time_now();
    return db_exec(
        tx,
        "INSERT INTO service_bookings (tenant_id, id, property_id, service, status, starts_at, "
        "ends_at, title, guest_first_name, guest_last_name, guest_email, reservation_id, "
        "unit_amount, total, currency, created_at, updated_at, treatment_id, room_id, layout, "
        "booking_type, event_name, attendees, days, departure_id, route_id, seats) "
        "VALUES ($1, $2, $3, $4, 'confirmed', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
        "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)",
        DB_ARGS(DB_TEXT(b->id), DB_TEXT(b->pid), DB_TEXT(b->service), DB_INT(b->starts_at),
                DB_INT(b->ends_at), DB_TEXT(b->title), DB_TEXT(b->guest.first_name),
                DB_TEXT(b->guest.last_name), DB_TEXT(b->guest.email), DB_TEXT(b->reservation_id),
                DB_INT(b->unit_amount), DB_INT(b->total), DB_TEXT(b->currency), DB_INT(now),
                DB_TEXT(b->treatment_id), DB_TEXT(b->room_id), DB_TEXT(b->layout),
                DB_TEXT(b->booking_type), DB_TEXT(b->event_name),
                b->attendees > 0 ? DB_INT(b->attendees) : DB_NULL,
                b->days > 0 ? DB_INT(b->days) : DB_NULL, DB_TEXT(b->departure_id),
                DB_TEXT(b->route_id), b->seats > 0 ? DB_INT(b->seats) : DB_NULL),
        NULL);
}

int svc_booking_list(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                     const svc_query_t *q, const char *ref_field, const char *ref, json_t **out,
                     buffr_err_t *e)
{
    int64_t day = 0;
    bool has_day = false;
    int rc = svc_date_value(q->date, "date", false, &day, &has_day, e);
    if (rc != 0)
        return rc;
    if (q->status != NULL && strcmp(q->status, "confirmed") != 0 &&
        strcmp(q->status, "cancelled") != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "status",
                          "status must be one of: confirmed, cancelled");
    char ref_id[UUID_BUF_SIZE];
    if (ref != NULL && uuid_normalize(ref, ref_id) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, ref_field, "%s must be an id (a UUID)", ref_field);
    db_arg_t filters[3] = {
        has_day ? DB_INT(day * MINUTES_PER_DAY) : DB_NULL,
        DB_TEXT(q->status),
        DB_TEXT(ref ? ref_id : NULL),
    };
    return svc_entity_list(app, who, ent, pid, q, filters, 3, out, e);
}

typedef struct svc_cancel_work {
    const svc_entity_t *ent;
    const char *pid, *id;
    buffr_err_t *e;
    json_t *result;
} svc_cancel_work_t;

static int svc_cancel_in_tx(db_tx_t *tx, void *ctx)
{
    svc_cancel_work_t *w = ctx;
    int64_t now = time_now(), changed = 0;
    int rc = db_exec(
        tx,
        "UPDATE service_bookings SET status = 'cancelled', cancelled_at = $4, "
        "updated_at = $4, version = version + 1 WHERE tenant_id = $1 "
        "AND property_id = $2 AND id = $3 AND service = $5 AND status = 'confirmed'",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_INT(now), DB_TEXT(w->ent->service)), &changed);
    if (rc != 0)
        return rc;
    if ((rc = svc_entity_read(tx, w->ent, w->pid, w->id, &w->result)) != 0)
        return rc; /* BUFFR_ENOTFOUND: no such booking here */
    if (changed == 0)
        return buffr_fail(w->e, BUFFR_ESTATE, NULL, "the booking is %s and cannot be cancelled",
                          json_string_value(json_object_get(w->result, "status")));
    /* Free what it held, at once and in the same transaction. */
    if ((rc = db_exec(tx, "DELETE FROM resource_slots WHERE tenant_id = $1 AND booking_id = $2",
                      DB_ARGS(DB_TEXT(w->id)), NULL)) != 0 ||
        (rc = db_exec(tx, "DELETE FROM addon_slots WHERE tenant_id = $1 AND booking_id = $2",
                      DB_ARGS(DB_TEXT(w->id)), NULL)) != 0)
        return rc;
    if (strcmp(w->ent->service, "shuttle") == 0) {
        json_t *seats = json_object_get(w->result, "seats");
        json_t *departure = json_object_get(w->result, "departure_id");
        rc = db_exec(
            tx,
            "UPDATE shuttle_departures SET seats_booked = seats_booked - $3 "
            "WHERE tenant_id = $1 AND id = $2",
            DB_ARGS(DB_TEXT(json_string_value(departure)), DB_INT(json_integer_value(seats))),
            NULL);
    }
    return rc;
}

int svc_booking_cancel(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                       const char *id, json_t **out, buffr_err_t *e)
{
    svc_cancel_work_t w = {.ent = ent, .pid = pid, .id = id, .e = e};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, svc_cancel_in_tx, &w);
    return svc_done(rc, w.result, out, e, ent, "cancel");
}
