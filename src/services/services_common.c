/*
 * services_common.c - the parts spa, conference and shuttle share: rows as
 * JSON from field tables, the configuration-entity engine (read, list,
 * create, update, delete), body pieces, the stay link, slot claims and the
 * booking lifecycle (create, list, cancel). See services_internal.h.
 *
 * Not here: anything one service does alone (its SQL, prices, what it
 * holds); those live in spa.c, conference.c and shuttle.c.
 */
#include "services/services_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/email.h"
#include "core/jsonx.h"
#include "core/timeutil.h"

/* ---- rows as JSON ---- */

bool svc_put(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL)
        return false;
    return json_object_set_new(obj, key, value) == 0;
}

json_t *svc_json_local(int64_t minutes)
{
    char text[LOCAL_TIME_BUF_SIZE];
    local_time_format(minutes, text);
    return json_string(text);
}

static json_t *svc_value_json(db_rows_t *rows, const svc_field_t *f)
{
    if (f->as == SVC_OBJECT)
        return svc_row_json(rows, f->sub);
    if (f->as == SVC_BOOL)
        return json_boolean(db_int(rows, f->col) != 0);
    if (db_is_null(rows, f->col))
        return json_null();
    switch (f->as) {
    case SVC_TEXT:
        return json_string(db_text(rows, f->col));
    case SVC_INT:
        return json_integer((json_int_t)db_int(rows, f->col));
    case SVC_TIME: {
        char text[RFC3339_BUF_SIZE];
        time_format_rfc3339(db_int(rows, f->col), text);
        return json_string(text);
    }
    case SVC_HOURS: {
        /* Stored in canonical form by this module; reparse to render it as
         * an object (and to never pass on anything else). */
        working_hours_t hours;
        if (svc_hours_load(db_text(rows, f->col), &hours) != 0)
            return json_object();
        return working_hours_json(&hours);
    }
    case SVC_JSON: {
        json_error_t jerr;
        return json_loads(db_text(rows, f->col), 0, &jerr);
    }
    case SVC_LOCAL:
        return svc_json_local(db_int(rows, f->col));
    case SVC_DATE: {
        char date[DATE_BUF_SIZE];
        date_format(local_day(db_int(rows, f->col)), date);
        return json_string(date);
    }
    case SVC_HHMM: {
        char time_of_day[HHMM_BUF_SIZE];
        hhmm_format(local_minute_of_day(db_int(rows, f->col)), time_of_day);
        return json_string(time_of_day);
    }
    default:
        return NULL; /* SVC_BOOL and SVC_OBJECT are handled above */
    }
}

json_t *svc_row_json(db_rows_t *rows, const svc_field_t *fields)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    bool ok = true;
    for (const svc_field_t *f = fields; f->key != NULL; f++) {
        if (f->omit_null && db_is_null(rows, f->col))
            continue;
        ok = svc_put(o, f->key, svc_value_json(rows, f)) && ok;
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int svc_rows_append(db_rows_t *rows, const svc_field_t *fields, json_t *data)
{
    int rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *item = svc_row_json(rows, fields);
        if (item == NULL || json_array_append_new(data, item) != 0)
            return BUFFR_ENOMEM;
    }
    return rc < 0 ? rc : 0;
}

int svc_attach_list(db_tx_t *tx, json_t *obj, const char *key, const char *sql,
                    const svc_field_t *fields)
{
    json_t *list = json_array();
    if (list == NULL || json_object_set_new(obj, key, list) != 0)
        return BUFFR_ENOMEM;
    db_rows_t *rows;
    int rc =
        db_query(tx, sql, DB_ARGS(DB_TEXT(json_string_value(json_object_get(obj, "id")))), &rows);
    if (rc != 0)
        return rc;
    rc = svc_rows_append(rows, fields, list);
    db_rows_free(rows);
    return rc;
}

/* ---- entities: read, list, delete ---- */

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
        item = svc_row_json(rows, ent->fields);
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

/* The work of a transaction on one entity: get, delete, create, update. */
typedef struct svc_entity_work {
    const svc_entity_t *ent;
    svc_write_t w; /* get and delete use pid and id only */
    json_t *result;
} svc_entity_work_t;

static int svc_get_in_tx(db_tx_t *tx, void *ctx)
{
    svc_entity_work_t *work = ctx;
    return svc_entity_read(tx, work->ent, work->w.pid, work->w.id, &work->result);
}

int svc_entity_get(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                   const char *id, json_t **out, buffr_err_t *e)
{
    svc_entity_work_t work = {.ent = ent, .w = {.pid = pid, .id = id}};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, svc_get_in_tx, &work);
    return svc_done(rc, work.result, out, e, ent, "read");
}

#define SVC_MAX_FILTERS 6

typedef struct svc_list_work {
    const svc_entity_t *ent;
    const char *pid;
    const svc_query_t *q;
    const db_arg_t *filters;
    size_t nfilters;
    buffr_err_t *e;
    jsonx_page_t page;
} svc_list_work_t;

static int svc_list_in_tx(db_tx_t *tx, void *ctx)
{
    svc_list_work_t *w = ctx;
    jsonx_page_reset(&w->page);
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
    /* The query asks for one row more than the page: jsonx_page drops it
     * and sets next_cursor. */
    while ((rc = db_next(rows)) == 1)
        if ((rc = jsonx_page_add(&w->page, svc_row_json(rows, w->ent->fields))) != 0)
            break;
    db_rows_free(rows);
    if (rc < 0)
        return rc;
    if (w->ent->decorate == NULL)
        return 0;
    size_t i;
    json_t *item;
    json_array_foreach(w->page.data, i, item)
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
    svc_list_work_t w = {
        .ent = ent, .pid = pid, .q = q, .filters = filters, .nfilters = nfilters, .e = e};
    if (jsonx_page_init(&w.page, q->limit) != 0)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    int rc = db_transact(app->db, who->tenant_id, DB_READ, svc_list_in_tx, &w);
    if (rc != 0) {
        jsonx_page_clear(&w.page);
        return svc_done(rc, NULL, out, e, ent, "list");
    }
    *out = jsonx_page_finish(&w.page);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

static int svc_delete_in_tx(db_tx_t *tx, void *ctx)
{
    svc_entity_work_t *work = ctx;
    int64_t changed = 0;
    int rc = db_exec(tx, work->ent->delete_one, DB_ARGS(DB_TEXT(work->w.pid), DB_TEXT(work->w.id)),
                     &changed);
    if (rc != 0)
        return rc;
    return changed == 1 ? 0 : BUFFR_ENOTFOUND;
}

int svc_entity_delete(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                      const char *id, buffr_err_t *e)
{
    svc_entity_work_t work = {.ent = ent, .w = {.pid = pid, .id = id}};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, svc_delete_in_tx, &work);
    json_t *none = NULL;
    return svc_done(rc, NULL, &none, e, ent, "delete");
}

/* ---- entities: create and update ---- */

static int svc_create_in_tx(db_tx_t *tx, void *ctx)
{
    svc_entity_work_t *work = ctx;
    const svc_write_t *w = &work->w;
    char currency[SVC_CURRENCY_BUF_SIZE]; /* read to answer 404 for a missing property */
    int rc = svc_property_currency(tx, w->pid, currency, w->e);
    if (rc == 0)
        rc = work->ent->insert(tx, w);
    return rc != 0 ? rc : svc_entity_read(tx, work->ent, w->pid, w->id, &work->result);
}

int svc_entity_create(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                      const void *in, json_t **out, buffr_err_t *e)
{
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    svc_entity_work_t work = {.ent = ent, .w = {.pid = pid, .id = id, .in = in, .e = e}};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, svc_create_in_tx, &work);
    return svc_done(rc, work.result, out, e, ent, "create");
}

/* An UPDATE guarded by version changed nothing: BUFFR_ENOTFOUND, or
 * BUFFR_ECONFLICT explained in e. */
static int svc_update_missed(db_tx_t *tx, const svc_entity_t *ent, const char *pid, const char *id,
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

static int svc_update_in_tx(db_tx_t *tx, void *ctx)
{
    svc_entity_work_t *work = ctx;
    const svc_write_t *w = &work->w;
    int64_t changed = 0;
    int rc = work->ent->update(tx, w, &changed);
    if (rc != 0)
        return rc;
    if (changed == 0)
        return svc_update_missed(tx, work->ent, w->pid, w->id, w->e);
    return svc_entity_read(tx, work->ent, w->pid, w->id, &work->result);
}

int svc_entity_update(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                      const char *id, const void *in, int64_t if_match, json_t **out,
                      buffr_err_t *e)
{
    svc_entity_work_t work = {.ent = ent,
                              .w = {.pid = pid, .id = id, .in = in, .if_match = if_match, .e = e}};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, svc_update_in_tx, &work);
    return svc_done(rc, work.result, out, e, ent, "update");
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

/* ---- request bodies and query strings ---- */

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

int svc_query_id(const char *text, const char *field, char buf[UUID_BUF_SIZE], const char **id,
                 buffr_err_t *e)
{
    *id = NULL;
    if (text == NULL)
        return 0;
    if (uuid_normalize(text, buf) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be an id (a UUID)", field);
    *id = buf;
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

int svc_hours_text(json_t *given, char **text, buffr_err_t *e)
{
    *text = NULL;
    working_hours_t hours;
    int rc = working_hours_parse(given, "working_hours", &hours, e);
    if (rc != 0)
        return rc;
    json_t *canon = working_hours_json(&hours);
    *text = canon ? jsonx_dump(canon) : NULL;
    json_decref(canon);
    return *text ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

int svc_hours_load(const char *stored, working_hours_t *hours)
{
    json_error_t jerr;
    json_t *parsed = stored ? json_loads(stored, 0, &jerr) : NULL;
    int rc = parsed ? working_hours_parse(parsed, "working_hours", hours, NULL) : -1;
    json_decref(parsed);
    return rc == 0 ? 0 : -1;
}

int svc_day_busy(db_tx_t *tx, const char *pid, const char *service, int64_t day,
                 svc_busy_mark_fn *mark, void *ctx)
{
    int64_t from = day * MINUTES_PER_DAY;
    db_rows_t *rows;
    int rc = db_query(
        tx,
        "SELECT s.resource_id, s.slot_start FROM service_resources r "
        "JOIN resource_slots s ON s.resource_id = r.id "
        "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.service = $3 "
        "AND s.tenant_id = $1 AND s.slot_start >= $4 AND s.slot_start < $5",
        DB_ARGS(DB_TEXT(pid), DB_TEXT(service), DB_INT(from), DB_INT(from + MINUTES_PER_DAY)),
        &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1)
        mark(ctx, db_text(rows, 0), (int)((db_int(rows, 1) - from) / SLOT_MINUTES));
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int svc_ref_row(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs, const char *field,
                const char *missing, db_rows_t **rows, buffr_err_t *e)
{
    int rc = db_query(tx, sql, args, nargs, rows);
    if (rc != 0)
        return rc;
    rc = db_next(*rows);
    if (rc == 1)
        return 0;
    db_rows_free(*rows);
    *rows = NULL;
    return rc == 0 ? buffr_fail(e, BUFFR_EVALIDATION, field, "%s", missing) : rc;
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

/* Run a claim; when it got fewer slots than [from, to) has, undo what it
 * got (undo_sql) and answer BUFFR_ENOAVAIL. */
static int svc_claim(db_tx_t *tx, int64_t from, int64_t to, const char *claim_sql,
                     const db_arg_t *claim_args, size_t nclaim, const char *undo_sql,
                     const db_arg_t *undo_args, size_t nundo)
{
    int64_t inserted = 0;
    int rc = db_exec(tx, claim_sql, claim_args, nclaim, &inserted);
    if (rc != 0)
        return rc;
    if (inserted == (to - from) / SLOT_MINUTES)
        return 0;
    rc = db_exec(tx, undo_sql, undo_args, nundo, NULL);
    return rc != 0 ? rc : BUFFR_ENOAVAIL;
}

int svc_claim_resource(db_tx_t *tx, const char *resource_id, int64_t from, int64_t to,
                       const char *booking_id)
{
    if (to <= from || from % SLOT_MINUTES != 0 || to % SLOT_MINUTES != 0)
        return BUFFR_EINVAL;
    return svc_claim(
        tx, from, to, claim_resource_sql,
        DB_ARGS(DB_TEXT(resource_id), DB_INT(from), DB_INT(to), DB_TEXT(booking_id)),
        "DELETE FROM resource_slots WHERE tenant_id = $1 AND booking_id = $2 AND resource_id = $3",
        DB_ARGS(DB_TEXT(booking_id), DB_TEXT(resource_id)));
}

int svc_claim_addon_unit(db_tx_t *tx, const char *addon_id, int64_t unit_no, int64_t from,
                         int64_t to, const char *booking_id)
{
    if (to <= from || from % SLOT_MINUTES != 0 || to % SLOT_MINUTES != 0 || unit_no < 1)
        return BUFFR_EINVAL;
    return svc_claim(
        tx, from, to, claim_addon_sql,
        DB_ARGS(DB_TEXT(addon_id), DB_INT(unit_no), DB_INT(from), DB_INT(to), DB_TEXT(booking_id)),
        "DELETE FROM addon_slots WHERE tenant_id = $1 AND booking_id = $2 AND addon_id = $3 "
        "AND unit_no = $4",
        DB_ARGS(DB_TEXT(booking_id), DB_TEXT(addon_id), DB_INT(unit_no)));
}

/* ---- bookings: the body parts every service has ---- */

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

/* body.guest = {"first_name","last_name","email"}; fields "guest.x". */
static int svc_guest_parse(json_t *body, svc_guest_t *out, buffr_err_t *e)
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
    if (!email_is_valid(out->email) || strpbrk(out->email, "<>") != NULL)
        return buffr_fail(e, BUFFR_EVALIDATION, "guest.email",
                          "guest.email must be an email address");
    return 0;
}

int svc_booking_body_parse(json_t *body, svc_booking_t *b, buffr_err_t *e)
{
    int rc = svc_guest_parse(body, &b->guest, e);
    if (rc != 0)
        return rc;
    return svc_uuid_field(body, "reservation_id", false, b->reservation_id, &b->has_reservation, e);
}

/* The stay a booking is charged to: a confirmed or checked-in reservation
 * of the same property (hotel module's table), else 400 on reservation_id.
 * A NULL reservation_id is fine. */
static int svc_reservation_check(db_tx_t *tx, const char *pid, const char *reservation_id,
                                 buffr_err_t *e)
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

/* ---- bookings: create ---- */

const svc_field_t svc_booking_guest_fields[] = {
    {"first_name", BK_FIRST, SVC_TEXT},
    {"last_name", BK_LAST, SVC_TEXT},
    {"email", BK_EMAIL, SVC_TEXT},
    {NULL},
};

static int svc_booking_insert(db_tx_t *tx, const svc_booking_row_t *b)
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

/* The steps of svc_booking_kind_t, in their order. */
static int svc_booking_create_in_tx(db_tx_t *tx, void *ctx)
{
    svc_booking_t *b = ctx;
    const svc_booking_kind_t *kind = b->kind;
    json_decref(b->result);
    b->result = NULL;
    svc_booking_row_t row = {.id = b->id,
                             .pid = b->pid,
                             .service = kind->service,
                             .currency = b->currency,
                             .reservation_id = b->has_reservation ? b->reservation_id : NULL,
                             .guest = b->guest};
    int rc = svc_property_currency(tx, b->pid, b->currency, b->e);
    if (rc == 0)
        rc = kind->prepare(tx, b, &row);
    if (rc == 0)
        rc = svc_reservation_check(tx, b->pid, row.reservation_id, b->e);
    if (rc == 0 && kind->guard)
        rc = kind->guard(tx, b, &row);
    if (rc == 0)
        rc = svc_booking_insert(tx, &row);
    if (rc == 0 && kind->hold)
        rc = kind->hold(tx, b, &row);
    if (rc != 0)
        return rc;
    return svc_entity_read(tx, &kind->entity, b->pid, b->id, &b->result);
}

int svc_booking_create(app_t *app, const principal_t *who, const char *pid, svc_booking_t *b,
                       json_t **out, buffr_err_t *e)
{
    b->pid = pid;
    b->e = e;
    uuid_v7_new(b->id);
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, svc_booking_create_in_tx, b);
    return svc_done(rc, b->result, out, e, &b->kind->entity, "create");
}

/* ---- bookings: list and cancel ---- */

int svc_booking_list(app_t *app, const principal_t *who, const svc_booking_kind_t *kind,
                     const char *pid, const svc_query_t *q, const char *ref_field, const char *ref,
                     json_t **out, buffr_err_t *e)
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
    char buf[UUID_BUF_SIZE];
    const char *ref_id;
    if ((rc = svc_query_id(ref, ref_field, buf, &ref_id, e)) != 0)
        return rc;
    db_arg_t filters[3] = {
        has_day ? DB_INT(day * MINUTES_PER_DAY) : DB_NULL,
        DB_TEXT(q->status),
        DB_TEXT(ref_id),
    };
    return svc_entity_list(app, who, &kind->entity, pid, q, filters, 3, out, e);
}

typedef struct svc_cancel_work {
    const svc_booking_kind_t *kind;
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
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_INT(now), DB_TEXT(w->kind->service)), &changed);
    if (rc != 0)
        return rc;
    if ((rc = svc_entity_read(tx, &w->kind->entity, w->pid, w->id, &w->result)) != 0)
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
    return w->kind->release ? w->kind->release(tx, w->result) : 0;
}

int svc_booking_cancel(app_t *app, const principal_t *who, const svc_booking_kind_t *kind,
                       const char *pid, const char *id, json_t **out, buffr_err_t *e)
{
    svc_cancel_work_t w = {.kind = kind, .pid = pid, .id = id, .e = e};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, svc_cancel_in_tx, &w);
    return svc_done(rc, w.result, out, e, &kind->entity, "cancel");
}
