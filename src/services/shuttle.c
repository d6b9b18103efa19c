/*
 * shuttle.c - transport: shuttle routes (origin, destination, price per
 * seat), timed departures with a seat count, the day's schedule with the
 * seats left, and seat bookings.
 *
 * Seats are a counter, not slots: a booking moves seats_booked with one
 * guarded UPDATE (seats_booked + n <= seats) in its write transaction, and
 * the table's CHECK (seats_booked BETWEEN 0 AND seats) refuses an oversold
 * departure even if that guard were wrong. On PostgreSQL a concurrent
 * booking waits for the row and re-checks the guard against the committed
 * count; on SQLite writers are serialised.
 */
#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "services/services_internal.h"
#include "services/slots.h"

#define SHUTTLE_SEATS_MAX    1000
#define SHUTTLE_SCHEDULE_MAX 1000

/* ---- routes ---- */

#define ROUTE_COLUMNS                                                                              \
    "r.id, r.property_id, r.name, r.origin, r.destination, r.price_per_seat, r.active, "           \
    "p.currency, r.created_at, r.updated_at, r.version"
#define ROUTE_FROM                                                                                 \
    " FROM shuttle_routes r JOIN properties p ON p.tenant_id = r.tenant_id "                       \
    "AND p.id = r.property_id "

static json_t *route_row_json(db_rows_t *rows)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    bool ok = svc_put(o, "id", svc_json_text(rows, 0));
    ok = svc_put(o, "property_id", svc_json_text(rows, 1)) && ok;
    ok = svc_put(o, "name", svc_json_text(rows, 2)) && ok;
    ok = svc_put(o, "origin", svc_json_text(rows, 3)) && ok;
    ok = svc_put(o, "destination", svc_json_text(rows, 4)) && ok;
    ok = svc_put(o, "price_per_seat", svc_json_int(rows, 5)) && ok;
    ok = svc_put(o, "active", svc_json_bool(rows, 6)) && ok;
    ok = svc_put(o, "currency", svc_json_text(rows, 7)) && ok;
    ok = svc_put(o, "created_at", svc_json_time(rows, 8)) && ok;
    ok = svc_put(o, "updated_at", svc_json_time(rows, 9)) && ok;
    ok = svc_put(o, "version", svc_json_int(rows, 10)) && ok;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const svc_entity_t shuttle_routes = {
    .noun = "route",
    .select_one = "SELECT " ROUTE_COLUMNS ROUTE_FROM
                  "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.id = $3",
    .select_page = "SELECT " ROUTE_COLUMNS ROUTE_FROM
                   "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.id > $3 "
                   "ORDER BY r.id LIMIT $4",
    .delete_one = "DELETE FROM shuttle_routes WHERE tenant_id = $1 AND property_id = $2 "
                  "AND id = $3",
    .in_use = "the route has departures; set active to false instead of deleting it",
    .duplicate = "a route with that name already exists at this property",
    .row_json = route_row_json,
};

typedef struct route_input {
    const char *name, *origin, *destination;
    int64_t price;
    bool has_price, has_active, active;
} route_input_t;

static int route_input_parse(json_t *body, bool create, route_input_t *in, buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 200, &in->name, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "origin", create, 1, 200, &in->origin, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "destination", create, 1, 200, &in->destination, NULL, e)) != 0 ||
        (rc = svc_money_field(body, "price_per_seat", false, &in->price, &in->has_price, e)) != 0 ||
        (rc = jsonx_bool(body, "active", false, &in->active, &in->has_active, e)) != 0)
        return rc;
    return 0;
}

typedef struct route_work {
    const char *pid, *id;
    int64_t if_match;
    route_input_t in;
    buffr_err_t *e;
    json_t *result;
} route_work_t;

static int route_create_in_tx(db_tx_t *tx, void *ctx)
{
    route_work_t *w = ctx;
    char currency[SVC_CURRENCY_BUF_SIZE];
    int rc = svc_property_currency(tx, w->pid, currency, w->e);
    if (rc != 0)
        return rc;
    rc =
        db_exec(tx,
                "INSERT INTO shuttle_routes (tenant_id, id, property_id, name, origin, "
                "destination, price_per_seat, active, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(w->in.name), DB_TEXT(w->in.origin),
                        DB_TEXT(w->in.destination), DB_INT(w->in.has_price ? w->in.price : 0),
                        DB_BOOL(w->in.has_active ? w->in.active : true), DB_INT(time_now())),
                NULL);
    return rc != 0 ? rc : svc_entity_read(tx, &shuttle_routes, w->pid, w->id, &w->result);
}

int shuttle_route_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                         json_t **out, buffr_err_t *e)
{
    route_work_t w = {.pid = pid, .e = e};
    int rc = route_input_parse(body, true, &w.in, e);
    if (rc != 0)
        return rc;
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    w.id = id;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, route_create_in_tx, &w);
    return svc_done(rc, w.result, out, e, &shuttle_routes, "create");
}

static int route_update_in_tx(db_tx_t *tx, void *ctx)
{
    route_work_t *w = ctx;
    int64_t changed = 0;
    int rc =
        db_exec(tx,
                "UPDATE shuttle_routes SET name = COALESCE($4, name), "
                "origin = COALESCE($5, origin), destination = COALESCE($6, destination), "
                "price_per_seat = COALESCE($7, price_per_seat), "
                "active = COALESCE($8, active), updated_at = $9, version = version + 1 "
                "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                "AND ($10 < 0 OR version = $10)",
                DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(w->in.name), DB_TEXT(w->in.origin),
                        DB_TEXT(w->in.destination), w->in.has_price ? DB_INT(w->in.price) : DB_NULL,
                        w->in.has_active ? DB_BOOL(w->in.active) : DB_NULL, DB_INT(time_now()),
                        DB_INT(w->if_match)),
                &changed);
    if (rc != 0)
        return rc;
    if (changed == 0)
        return svc_update_missed(tx, &shuttle_routes, w->pid, w->id, w->e);
    return svc_entity_read(tx, &shuttle_routes, w->pid, w->id, &w->result);
}

int shuttle_route_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                         json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    route_work_t w = {.pid = pid, .id = id, .if_match = if_match, .e = e};
    int rc = route_input_parse(body, false, &w.in, e);
    if (rc != 0)
        return rc;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, route_update_in_tx, &w);
    return svc_done(rc, w.result, out, e, &shuttle_routes, "update");
}

int shuttle_route_list(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                       json_t **out, buffr_err_t *e)
{
    return svc_entity_list(app, who, &shuttle_routes, pid, q, NULL, 0, out, e);
}

int shuttle_route_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                      json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &shuttle_routes, pid, id, out, e);
}

int shuttle_route_delete(app_t *app, const principal_t *who, const char *pid, const char *id,
                         buffr_err_t *e)
{
    return svc_entity_delete(app, who, &shuttle_routes, pid, id, e);
}

/* ---- departures ---- */

#define DEPARTURE_COLUMNS                                                                          \
    "d.id, d.property_id, d.route_id, r.name, r.origin, r.destination, d.departs_at, d.seats, "    \
    "d.seats_booked, r.price_per_seat, p.currency, d.created_at, d.updated_at, d.version"
#define DEPARTURE_FROM                                                                             \
    " FROM shuttle_departures d JOIN shuttle_routes r ON r.tenant_id = d.tenant_id "               \
    "AND r.id = d.route_id JOIN properties p ON p.tenant_id = d.tenant_id "                        \
    "AND p.id = d.property_id "

static json_t *departure_row_json(db_rows_t *rows)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int64_t at = db_int(rows, 6);
    char date[DATE_BUF_SIZE], time_of_day[HHMM_BUF_SIZE];
    date_format(local_day(at), date);
    hhmm_format(local_minute_of_day(at), time_of_day);
    bool ok = svc_put(o, "id", svc_json_text(rows, 0));
    ok = svc_put(o, "property_id", svc_json_text(rows, 1)) && ok;
    ok = svc_put(o, "route_id", svc_json_text(rows, 2)) && ok;
    ok = svc_put(o, "route_name", svc_json_text(rows, 3)) && ok;
    ok = svc_put(o, "origin", svc_json_text(rows, 4)) && ok;
    ok = svc_put(o, "destination", svc_json_text(rows, 5)) && ok;
    ok = svc_put(o, "date", json_string(date)) && ok;
    ok = svc_put(o, "time", json_string(time_of_day)) && ok;
    ok = svc_put(o, "departure", svc_json_local(at)) && ok;
    ok = svc_put(o, "seats", svc_json_int(rows, 7)) && ok;
    ok = svc_put(o, "seats_booked", svc_json_int(rows, 8)) && ok;
    ok = svc_put(o, "seats_left", json_integer((json_int_t)(db_int(rows, 7) - db_int(rows, 8)))) &&
         ok;
    ok = svc_put(o, "price_per_seat", svc_json_int(rows, 9)) && ok;
    ok = svc_put(o, "currency", svc_json_text(rows, 10)) && ok;
    ok = svc_put(o, "created_at", svc_json_time(rows, 11)) && ok;
    ok = svc_put(o, "updated_at", svc_json_time(rows, 12)) && ok;
    ok = svc_put(o, "version", svc_json_int(rows, 13)) && ok;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const svc_entity_t shuttle_departures = {
    .noun = "departure",
    .select_one = "SELECT " DEPARTURE_COLUMNS DEPARTURE_FROM
                  "WHERE d.tenant_id = $1 AND d.property_id = $2 AND d.id = $3",
    /* $5 day start (local minutes) or NULL, $6 route or NULL */
    .select_page = "SELECT " DEPARTURE_COLUMNS DEPARTURE_FROM
                   "WHERE d.tenant_id = $1 AND d.property_id = $2 AND d.id > $3 "
                   "AND (CAST($5 AS BIGINT) IS NULL OR (d.departs_at >= $5 "
                   "AND d.departs_at < $5 + 1440)) "
                   "AND (CAST($6 AS TEXT) IS NULL OR d.route_id = $6) "
                   "ORDER BY d.id LIMIT $4",
    .delete_one = "DELETE FROM shuttle_departures WHERE tenant_id = $1 AND property_id = $2 "
                  "AND id = $3",
    .in_use = "the departure has bookings; cancel them first",
    .duplicate = "that route already has a departure at that time",
    .row_json = departure_row_json,
};

typedef struct departure_input {
    char route_id[UUID_BUF_SIZE];
    bool has_route, has_day, has_minute, has_seats;
    int64_t day, seats;
    int minute;
} departure_input_t;

static int departure_input_parse(json_t *body, bool create, departure_input_t *in, buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    const char *date = NULL, *time_text = NULL;
    int rc;
    if ((create &&
         (rc = svc_uuid_field(body, "route_id", true, in->route_id, &in->has_route, e)) != 0) ||
        (rc = jsonx_string(body, "date", create, 1, 32, &date, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "time", create, 1, 32, &time_text, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "seats", create, 1, SHUTTLE_SEATS_MAX, &in->seats, &in->has_seats,
                        e)) != 0)
        return rc;
    if (date != NULL) {
        if ((rc = svc_date_value(date, "date", true, &in->day, NULL, e)) != 0)
            return rc;
        in->has_day = true;
    }
    if (time_text != NULL) {
        if (hhmm_parse(time_text, strlen(time_text), false, &in->minute) != 0)
            return buffr_fail(e, BUFFR_EVALIDATION, "time", "time must be HH:MM (00:00-23:59)");
        in->has_minute = true;
    }
    return 0;
}

typedef struct departure_work {
    const char *pid, *id;
    int64_t if_match;
    departure_input_t in;
    buffr_err_t *e;
    json_t *result;
} departure_work_t;

static int departure_create_in_tx(db_tx_t *tx, void *ctx)
{
    departure_work_t *w = ctx;
    char currency[SVC_CURRENCY_BUF_SIZE];
    int rc = svc_property_currency(tx, w->pid, currency, w->e);
    if (rc != 0)
        return rc;
    int64_t active = 0;
    rc = db_query_int(tx,
                      "SELECT active FROM shuttle_routes WHERE tenant_id = $1 AND property_id = $2 "
                      "AND id = $3",
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->in.route_id)), &active);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "route_id",
                          "route_id must be a shuttle route of this property");
    if (rc != 0)
        return rc;
    if (!active)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "route_id", "the route is not in service");
    rc = db_exec(tx,
                 "INSERT INTO shuttle_departures (tenant_id, id, property_id, route_id, "
                 "departs_at, seats, created_at, updated_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                 DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(w->in.route_id),
                         DB_INT(w->in.day * MINUTES_PER_DAY + w->in.minute), DB_INT(w->in.seats),
                         DB_INT(time_now())),
                 NULL);
    return rc != 0 ? rc : svc_entity_read(tx, &shuttle_departures, w->pid, w->id, &w->result);
}

int shuttle_departure_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                             json_t **out, buffr_err_t *e)
{
    departure_work_t w = {.pid = pid, .e = e};
    int rc = departure_input_parse(body, true, &w.in, e);
    if (rc != 0)
        return rc;
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    w.id = id;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, departure_create_in_tx, &w);
    return svc_done(rc, w.result, out, e, &shuttle_departures, "create");
}

static int departure_update_in_tx(db_tx_t *tx, void *ctx)
{
    departure_work_t *w = ctx;
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT departs_at, seats_booked FROM shuttle_departures "
                      "WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id)), &rows);
    if (rc != 0)
        return rc;
    int64_t departs_at = 0, booked = 0;
    rc = db_next(rows);
    if (rc == 1) {
        departs_at = db_int(rows, 0);
        booked = db_int(rows, 1);
        rc = 0;
    } else if (rc == 0) {
        rc = BUFFR_ENOTFOUND;
    }
    db_rows_free(rows);
    if (rc != 0)
        return rc;
    if (w->in.has_seats && w->in.seats < booked)
        return buffr_fail(w->e, BUFFR_ECONFLICT, "seats",
                          "%lld seats are already booked on this departure", (long long)booked);
    int64_t day = w->in.has_day ? w->in.day : local_day(departs_at);
    int minute = w->in.has_minute ? w->in.minute : local_minute_of_day(departs_at);
    int64_t moved_to = day * MINUTES_PER_DAY + minute;
    int64_t changed = 0;
    rc = db_exec(tx,
                 "UPDATE shuttle_departures SET departs_at = $4, seats = COALESCE($5, seats), "
                 "updated_at = $6, version = version + 1 "
                 "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                 "AND ($7 < 0 OR version = $7)",
                 DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_INT(moved_to),
                         w->in.has_seats ? DB_INT(w->in.seats) : DB_NULL, DB_INT(time_now()),
                         DB_INT(w->if_match)),
                 &changed);
    if (rc == BUFFR_ECONSTRAINT) /* a booking landed between the read and the update */
        return buffr_fail(w->e, BUFFR_ECONFLICT, "seats",
                          "more seats are booked than the new count");
    if (rc != 0)
        return rc;
    if (changed == 0)
        return svc_update_missed(tx, &shuttle_departures, w->pid, w->id, w->e);
    /* The bookings ride the departure: keep their times in step. */
    rc = db_exec(tx,
                 "UPDATE service_bookings SET starts_at = $3, ends_at = $3 "
                 "WHERE tenant_id = $1 AND departure_id = $2",
                 DB_ARGS(DB_TEXT(w->id), DB_INT(moved_to)), NULL);
    return rc != 0 ? rc : svc_entity_read(tx, &shuttle_departures, w->pid, w->id, &w->result);
}

int shuttle_departure_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                             json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    departure_work_t w = {.pid = pid, .id = id, .if_match = if_match, .e = e};
    int rc = departure_input_parse(body, false, &w.in, e);
    if (rc != 0)
        return rc;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, departure_update_in_tx, &w);
    return svc_done(rc, w.result, out, e, &shuttle_departures, "update");
}

int shuttle_departure_list(app_t *app, const principal_t *who, const char *pid,
                           const svc_query_t *q, json_t **out, buffr_err_t *e)
{
    int64_t day = 0;
    bool has_day = false;
    int rc = svc_date_value(q->date, "date", false, &day, &has_day, e);
    if (rc != 0)
        return rc;
    char route_id[UUID_BUF_SIZE];
    if (q->route_id != NULL && uuid_normalize(q->route_id, route_id) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "route_id", "route_id must be an id (a UUID)");
    db_arg_t filters[2] = {has_day ? DB_INT(day * MINUTES_PER_DAY) : DB_NULL,
                           DB_TEXT(q->route_id ? route_id : NULL)};
    return svc_entity_list(app, who, &shuttle_departures, pid, q, filters, 2, out, e);
}

int shuttle_departure_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                          json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &shuttle_departures, pid, id, out, e);
}

int shuttle_departure_delete(app_t *app, const principal_t *who, const char *pid, const char *id,
                             buffr_err_t *e)
{
    return svc_entity_delete(app, who, &shuttle_departures, pid, id, e);
}

/* ---- schedule ---- */

typedef struct schedule_work {
    const char *pid;
    int64_t day;
    const char *route_id;
    buffr_err_t *e;
    json_t *data;
} schedule_work_t;

static int schedule_in_tx(db_tx_t *tx, void *ctx)
{
    schedule_work_t *w = ctx;
    json_array_clear(w->data);
    char currency[SVC_CURRENCY_BUF_SIZE];
    int rc = svc_property_currency(tx, w->pid, currency, w->e);
    if (rc != 0)
        return rc;
    db_rows_t *rows;
    int64_t from = w->day * MINUTES_PER_DAY;
    rc = db_query(tx,
                  "SELECT " DEPARTURE_COLUMNS DEPARTURE_FROM
                  "WHERE d.tenant_id = $1 AND d.property_id = $2 AND d.departs_at >= $3 "
                  "AND d.departs_at < $4 AND (CAST($5 AS TEXT) IS NULL OR d.route_id = $5) "
                  "ORDER BY d.departs_at, d.id LIMIT $6",
                  DB_ARGS(DB_TEXT(w->pid), DB_INT(from), DB_INT(from + MINUTES_PER_DAY),
                          DB_TEXT(w->route_id), DB_INT(SHUTTLE_SCHEDULE_MAX)),
                  &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *item = departure_row_json(rows);
        if (item == NULL || json_array_append_new(w->data, item) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int shuttle_schedule(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                     json_t **out, buffr_err_t *e)
{
    schedule_work_t w = {.pid = pid, .e = e};
    int rc = svc_date_value(q->date, "date", true, &w.day, NULL, e);
    if (rc != 0)
        return rc;
    char route_id[UUID_BUF_SIZE];
    if (q->route_id != NULL) {
        if (uuid_normalize(q->route_id, route_id) != 0)
            return buffr_fail(e, BUFFR_EVALIDATION, "route_id", "route_id must be an id (a UUID)");
        w.route_id = route_id;
    }
    w.data = json_array();
    if (w.data == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    rc = db_transact(app->db, who->tenant_id, DB_READ, schedule_in_tx, &w);
    if (rc != 0)
        return svc_done(rc, w.data, out, e, &shuttle_departures, "read");
    char date[DATE_BUF_SIZE];
    date_format(w.day, date);
    *out = json_pack("{s:s, s:o}", "date", date, "data", w.data);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

/* ---- bookings ---- */

typedef struct shuttle_booking_work {
    const char *pid, *id;
    char departure_id[UUID_BUF_SIZE];
    char reservation_id[UUID_BUF_SIZE];
    bool has_reservation;
    int64_t seats;
    svc_guest_t guest;
    buffr_err_t *e;
    json_t *result;
} shuttle_booking_work_t;

typedef struct departure_facts {
    char route_id[UUID_BUF_SIZE];
    char route_name[201];
    int64_t departs_at, price_per_seat;
    bool route_active;
} departure_facts_t;

static int departure_facts_read(db_tx_t *tx, shuttle_booking_work_t *w, departure_facts_t *f)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT d.route_id, r.name, d.departs_at, r.price_per_seat, r.active "
                      "FROM shuttle_departures d JOIN shuttle_routes r "
                      "ON r.tenant_id = d.tenant_id AND r.id = d.route_id "
                      "WHERE d.tenant_id = $1 AND d.property_id = $2 AND d.id = $3",
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->departure_id)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        snprintf(f->route_id, sizeof(f->route_id), "%s", db_text(rows, 0));
        snprintf(f->route_name, sizeof(f->route_name), "%s", db_text(rows, 1));
        f->departs_at = db_int(rows, 2);
        f->price_per_seat = db_int(rows, 3);
        f->route_active = db_int(rows, 4) != 0;
        rc = f->route_active ? 0
                             : buffr_fail(w->e, BUFFR_EVALIDATION, "departure_id",
                                          "the departure's route is not in service");
    } else if (rc == 0) {
        rc = buffr_fail(w->e, BUFFR_EVALIDATION, "departure_id",
                        "departure_id must be a shuttle departure of this property");
    }
    db_rows_free(rows);
    return rc;
}

static int shuttle_booking_create_in_tx(db_tx_t *tx, void *ctx)
{
    shuttle_booking_work_t *w = ctx;
    json_decref(w->result);
    w->result = NULL;
    char currency[SVC_CURRENCY_BUF_SIZE];
    departure_facts_t f;
    int rc = svc_property_currency(tx, w->pid, currency, w->e);
    if (rc == 0)
        rc = departure_facts_read(tx, w, &f);
    if (rc == 0)
        rc = svc_reservation_check(tx, w->pid, w->has_reservation ? w->reservation_id : NULL, w->e);
    if (rc != 0)
        return rc;
    /* The guard: only while enough seats are left. */
    int64_t changed = 0;
    rc = db_exec(tx,
                 "UPDATE shuttle_departures SET seats_booked = seats_booked + $3 "
                 "WHERE tenant_id = $1 AND id = $2 AND seats_booked + $3 <= seats",
                 DB_ARGS(DB_TEXT(w->departure_id), DB_INT(w->seats)), &changed);
    if (rc != 0)
        return rc;
    if (changed == 0) {
        int64_t left = 0;
        rc = db_query_int(tx,
                          "SELECT seats - seats_booked FROM shuttle_departures "
                          "WHERE tenant_id = $1 AND id = $2",
                          DB_ARGS(DB_TEXT(w->departure_id)), &left);
        if (rc != 0)
            return rc;
        if (left == 0)
            return buffr_fail(w->e, BUFFR_ENOAVAIL, NULL, "the departure is full");
        return buffr_fail(w->e, BUFFR_ENOAVAIL, NULL, "only %lld seat(s) left on that departure",
                          (long long)left);
    }
    svc_booking_row_t row = {.id = w->id,
                             .pid = w->pid,
                             .service = "shuttle",
                             .title = f.route_name,
                             .currency = currency,
                             .reservation_id = w->has_reservation ? w->reservation_id : NULL,
                             .starts_at = f.departs_at,
                             .ends_at = f.departs_at,
                             .unit_amount = f.price_per_seat,
                             .total = f.price_per_seat * w->seats,
                             .guest = w->guest,
                             .departure_id = w->departure_id,
                             .route_id = f.route_id,
                             .seats = w->seats};
    if ((rc = svc_booking_insert(tx, &row)) != 0)
        return rc;
    return svc_entity_read(tx, &svc_shuttle_bookings, w->pid, w->id, &w->result);
}

int shuttle_booking_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                           json_t **out, buffr_err_t *e)
{
    shuttle_booking_work_t w = {.pid = pid, .e = e};
    int rc;
    if ((rc = svc_uuid_field(body, "departure_id", true, w.departure_id, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "seats", true, 1, SHUTTLE_SEATS_MAX, &w.seats, NULL, e)) != 0 ||
        (rc = svc_guest_parse(body, &w.guest, e)) != 0 ||
        (rc = svc_uuid_field(body, "reservation_id", false, w.reservation_id, &w.has_reservation,
                             e)) != 0)
        return rc;
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    w.id = id;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, shuttle_booking_create_in_tx, &w);
    return svc_done(rc, w.result, out, e, &svc_shuttle_bookings, "create");
}

int shuttle_booking_list(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                         json_t **out, buffr_err_t *e)
{
    return svc_booking_list(app, who, &svc_shuttle_bookings, pid, q, "departure_id",
                            q->departure_id, out, e);
}

int shuttle_booking_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                        json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &svc_shuttle_bookings, pid, id, out, e);
}

int shuttle_booking_cancel(app_t *app, const principal_t *who, const char *pid, const char *id,
                           json_t **out, buffr_err_t *e)
{
    return svc_booking_cancel(app, who, &svc_shuttle_bookings, pid, id, out, e);
}
