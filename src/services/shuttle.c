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

static const svc_field_t route_fields[] = {
    {"id", 0, SVC_TEXT},         {"property_id", 1, SVC_TEXT}, {"name", 2, SVC_TEXT},
    {"origin", 3, SVC_TEXT},     {"destination", 4, SVC_TEXT}, {"price_per_seat", 5, SVC_INT},
    {"active", 6, SVC_BOOL},     {"currency", 7, SVC_TEXT},    {"created_at", 8, SVC_TIME},
    {"updated_at", 9, SVC_TIME}, {"version", 10, SVC_INT},     {NULL},
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

static int route_insert_row(db_tx_t *tx, const svc_write_t *w)
{
    const route_input_t *in = w->in;
    return db_exec(tx,
                   "INSERT INTO shuttle_routes (tenant_id, id, property_id, name, origin, "
                   "destination, price_per_seat, active, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                   DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->name), DB_TEXT(in->origin),
                           DB_TEXT(in->destination), DB_INT(in->has_price ? in->price : 0),
                           DB_BOOL(in->has_active ? in->active : true), DB_INT(time_now())),
                   NULL);
}

static int route_update_row(db_tx_t *tx, const svc_write_t *w, int64_t *changed)
{
    const route_input_t *in = w->in;
    return db_exec(tx,
                   "UPDATE shuttle_routes SET name = COALESCE($4, name), "
                   "origin = COALESCE($5, origin), destination = COALESCE($6, destination), "
                   "price_per_seat = COALESCE($7, price_per_seat), "
                   "active = COALESCE($8, active), updated_at = $9, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                   "AND ($10 < 0 OR version = $10)",
                   DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(in->name), DB_TEXT(in->origin),
                           DB_TEXT(in->destination), in->has_price ? DB_INT(in->price) : DB_NULL,
                           in->has_active ? DB_BOOL(in->active) : DB_NULL, DB_INT(time_now()),
                           DB_INT(w->if_match)),
                   changed);
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
    .fields = route_fields,
    .insert = route_insert_row,
    .update = route_update_row,
};

int shuttle_route_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                         json_t **out, buffr_err_t *e)
{
    route_input_t in;
    int rc = route_input_parse(body, true, &in, e);
    return rc != 0 ? rc : svc_entity_create(app, who, &shuttle_routes, pid, &in, out, e);
}

int shuttle_route_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                         json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    route_input_t in;
    int rc = route_input_parse(body, false, &in, e);
    return rc != 0 ? rc
                   : svc_entity_update(app, who, &shuttle_routes, pid, id, &in, if_match, out, e);
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
    "d.seats_booked, d.seats - d.seats_booked, r.price_per_seat, p.currency, d.created_at, "       \
    "d.updated_at, d.version"
#define DEPARTURE_FROM                                                                             \
    " FROM shuttle_departures d JOIN shuttle_routes r ON r.tenant_id = d.tenant_id "               \
    "AND r.id = d.route_id JOIN properties p ON p.tenant_id = d.tenant_id "                        \
    "AND p.id = d.property_id "

static const svc_field_t departure_fields[] = {
    {"id", 0, SVC_TEXT},
    {"property_id", 1, SVC_TEXT},
    {"route_id", 2, SVC_TEXT},
    {"route_name", 3, SVC_TEXT},
    {"origin", 4, SVC_TEXT},
    {"destination", 5, SVC_TEXT},
    {"date", 6, SVC_DATE},
    {"time", 6, SVC_HHMM},
    {"departure", 6, SVC_LOCAL},
    {"seats", 7, SVC_INT},
    {"seats_booked", 8, SVC_INT},
    {"seats_left", 9, SVC_INT},
    {"price_per_seat", 10, SVC_INT},
    {"currency", 11, SVC_TEXT},
    {"created_at", 12, SVC_TIME},
    {"updated_at", 13, SVC_TIME},
    {"version", 14, SVC_INT},
    {NULL},
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

/* Only on a route of this property that is in service. */
static int departure_insert_row(db_tx_t *tx, const svc_write_t *w)
{
    const departure_input_t *in = w->in;
    int64_t active = 0;
    int rc = db_query_int(tx,
                          "SELECT active FROM shuttle_routes WHERE tenant_id = $1 "
                          "AND property_id = $2 AND id = $3",
                          DB_ARGS(DB_TEXT(w->pid), DB_TEXT(in->route_id)), &active);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "route_id",
                          "route_id must be a shuttle route of this property");
    if (rc != 0)
        return rc;
    if (!active)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "route_id", "the route is not in service");
    return db_exec(tx,
                   "INSERT INTO shuttle_departures (tenant_id, id, property_id, route_id, "
                   "departs_at, seats, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                   DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->route_id),
                           DB_INT(in->day * MINUTES_PER_DAY + in->minute), DB_INT(in->seats),
                           DB_INT(time_now())),
                   NULL);
}

/* A move or a new seat count, never below the seats booked; the bookings
 * move along. */
static int departure_update_row(db_tx_t *tx, const svc_write_t *w, int64_t *changed)
{
    const departure_input_t *in = w->in;
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
    if (in->has_seats && in->seats < booked)
        return buffr_fail(w->e, BUFFR_ECONFLICT, "seats",
                          "%lld seats are already booked on this departure", (long long)booked);
    int64_t day = in->has_day ? in->day : local_day(departs_at);
    int minute = in->has_minute ? in->minute : local_minute_of_day(departs_at);
    int64_t moved_to = day * MINUTES_PER_DAY + minute;
    rc = db_exec(tx,
                 "UPDATE shuttle_departures SET departs_at = $4, seats = COALESCE($5, seats), "
                 "updated_at = $6, version = version + 1 "
                 "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                 "AND ($7 < 0 OR version = $7)",
                 DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_INT(moved_to),
                         in->has_seats ? DB_INT(in->seats) : DB_NULL, DB_INT(time_now()),
                         DB_INT(w->if_match)),
                 changed);
    if (rc == BUFFR_ECONSTRAINT) /* a booking landed between the read and the update */
        return buffr_fail(w->e, BUFFR_ECONFLICT, "seats",
                          "more seats are booked than the new count");
    if (rc != 0 || *changed == 0)
        return rc;
    /* The bookings ride the departure: keep their times in step. */
    return db_exec(tx,
                   "UPDATE service_bookings SET starts_at = $3, ends_at = $3 "
                   "WHERE tenant_id = $1 AND departure_id = $2",
                   DB_ARGS(DB_TEXT(w->id), DB_INT(moved_to)), NULL);
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
    .fields = departure_fields,
    .insert = departure_insert_row,
    .update = departure_update_row,
};

int shuttle_departure_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                             json_t **out, buffr_err_t *e)
{
    departure_input_t in;
    int rc = departure_input_parse(body, true, &in, e);
    return rc != 0 ? rc : svc_entity_create(app, who, &shuttle_departures, pid, &in, out, e);
}

int shuttle_departure_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                             json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    departure_input_t in;
    int rc = departure_input_parse(body, false, &in, e);
    return rc != 0
               ? rc
               : svc_entity_update(app, who, &shuttle_departures, pid, id, &in, if_match, out, e);
}

int shuttle_departure_list(app_t *app, const principal_t *who, const char *pid,
                           const svc_query_t *q, json_t **out, buffr_err_t *e)
{
    int64_t day = 0;
    bool has_day = false;
    char buf[UUID_BUF_SIZE];
    const char *route_id;
    int rc;
    if ((rc = svc_date_value(q->date, "date", false, &day, &has_day, e)) != 0 ||
        (rc = svc_query_id(q->route_id, "route_id", buf, &route_id, e)) != 0)
        return rc;
    db_arg_t filters[2] = {has_day ? DB_INT(day * MINUTES_PER_DAY) : DB_NULL, DB_TEXT(route_id)};
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
    rc = svc_rows_append(rows, departure_fields, w->data);
    db_rows_free(rows);
    return rc;
}

int shuttle_schedule(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                     json_t **out, buffr_err_t *e)
{
    schedule_work_t w = {.pid = pid, .e = e};
    char buf[UUID_BUF_SIZE];
    int rc;
    if ((rc = svc_date_value(q->date, "date", true, &w.day, NULL, e)) != 0 ||
        (rc = svc_query_id(q->route_id, "route_id", buf, &w.route_id, e)) != 0)
        return rc;
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

typedef struct departure_facts {
    char route_id[UUID_BUF_SIZE];
    char route_name[201];
    int64_t departs_at, price_per_seat;
} departure_facts_t;

typedef struct shuttle_booking_work {
    svc_booking_t booking; /* first: the engine hands it back to the steps below */
    char departure_id[UUID_BUF_SIZE];
    int64_t seats;
    departure_facts_t departure; /* read by prepare */
} shuttle_booking_work_t;

static shuttle_booking_work_t *shuttle_booking_work(svc_booking_t *b)
{
    return (shuttle_booking_work_t *)b;
}

/* A departure of this property on a route in service; the route's price
 * per seat times the seats. */
static int shuttle_booking_prepare(db_tx_t *tx, svc_booking_t *b, svc_booking_row_t *row)
{
    shuttle_booking_work_t *w = shuttle_booking_work(b);
    departure_facts_t *f = &w->departure;
    db_rows_t *rows;
    int rc = svc_ref_row(tx,
                         "SELECT d.route_id, r.name, d.departs_at, r.price_per_seat, r.active "
                         "FROM shuttle_departures d JOIN shuttle_routes r "
                         "ON r.tenant_id = d.tenant_id AND r.id = d.route_id "
                         "WHERE d.tenant_id = $1 AND d.property_id = $2 AND d.id = $3",
                         DB_ARGS(DB_TEXT(b->pid), DB_TEXT(w->departure_id)), "departure_id",
                         "departure_id must be a shuttle departure of this property", &rows, b->e);
    if (rc != 0)
        return rc;
    snprintf(f->route_id, sizeof(f->route_id), "%s", db_text(rows, 0));
    snprintf(f->route_name, sizeof(f->route_name), "%s", db_text(rows, 1));
    f->departs_at = db_int(rows, 2);
    f->price_per_seat = db_int(rows, 3);
    bool route_active = db_int(rows, 4) != 0;
    db_rows_free(rows);
    if (!route_active)
        return buffr_fail(b->e, BUFFR_EVALIDATION, "departure_id",
                          "the departure's route is not in service");
    row->title = f->route_name;
    row->starts_at = f->departs_at;
    row->ends_at = f->departs_at;
    row->unit_amount = f->price_per_seat;
    row->total = f->price_per_seat * w->seats;
    row->departure_id = w->departure_id;
    row->route_id = f->route_id;
    row->seats = w->seats;
    return 0;
}

/* The guard: take the seats only while enough are left. It runs before the
 * booking row is inserted, so this UPDATE locks the departure row before the
 * new row's foreign key check reads it. */
static int shuttle_booking_guard(db_tx_t *tx, svc_booking_t *b, const svc_booking_row_t *row)
{
    shuttle_booking_work_t *w = shuttle_booking_work(b);
    int64_t changed = 0;
    int rc = db_exec(tx,
                     "UPDATE shuttle_departures SET seats_booked = seats_booked + $3 "
                     "WHERE tenant_id = $1 AND id = $2 AND seats_booked + $3 <= seats",
                     DB_ARGS(DB_TEXT(w->departure_id), DB_INT(w->seats)), &changed);
    if (rc != 0 || changed == 1)
        return rc;
    int64_t left = 0;
    rc = db_query_int(tx,
                      "SELECT seats - seats_booked FROM shuttle_departures "
                      "WHERE tenant_id = $1 AND id = $2",
                      DB_ARGS(DB_TEXT(w->departure_id)), &left);
    if (rc != 0)
        return rc;
    if (left == 0)
        return buffr_fail(b->e, BUFFR_ENOAVAIL, NULL, "the departure is full");
    return buffr_fail(b->e, BUFFR_ENOAVAIL, NULL, "only %lld seat(s) left on that departure",
                      (long long)left);
}

/* A cancel gives the seats back. */
static int shuttle_booking_release(db_tx_t *tx, json_t *booking)
{
    json_t *seats = json_object_get(booking, "seats");
    json_t *departure = json_object_get(booking, "departure_id");
    return db_exec(
        tx,
        "UPDATE shuttle_departures SET seats_booked = seats_booked - $3 "
        "WHERE tenant_id = $1 AND id = $2",
        DB_ARGS(DB_TEXT(json_string_value(departure)), DB_INT(json_integer_value(seats))), NULL);
}

static const svc_field_t shuttle_booking_fields[] = {
    SVC_BOOKING_HEAD_FIELDS,          {"departure_id", BK_DEPARTURE, SVC_TEXT},
    {"route_id", BK_ROUTE, SVC_TEXT}, {"route_name", BK_TITLE, SVC_TEXT},
    {"seats", BK_SEATS, SVC_INT},     {"price_per_seat", BK_UNIT, SVC_INT},
    SVC_BOOKING_TAIL_FIELDS,
};

static const svc_booking_kind_t shuttle_bookings = {
    .entity =
        {
            .noun = "booking",
            .select_one = SVC_BOOKING_ONE_SQL("shuttle"),
            .select_page = SVC_BOOKING_PAGE_SQL("shuttle", "departure_id"),
            .fields = shuttle_booking_fields,
        },
    .service = "shuttle",
    .prepare = shuttle_booking_prepare,
    .guard = shuttle_booking_guard,
    .release = shuttle_booking_release,
};

int shuttle_booking_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                           json_t **out, buffr_err_t *e)
{
    shuttle_booking_work_t w = {.booking.kind = &shuttle_bookings};
    int rc;
    if ((rc = svc_uuid_field(body, "departure_id", true, w.departure_id, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "seats", true, 1, SHUTTLE_SEATS_MAX, &w.seats, NULL, e)) != 0 ||
        (rc = svc_booking_body_parse(body, &w.booking, e)) != 0)
        return rc;
    return svc_booking_create(app, who, pid, &w.booking, out, e);
}

int shuttle_booking_list(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                         json_t **out, buffr_err_t *e)
{
    return svc_booking_list(app, who, &shuttle_bookings, pid, q, "departure_id", q->departure_id,
                            out, e);
}

int shuttle_booking_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                        json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &shuttle_bookings.entity, pid, id, out, e);
}

int shuttle_booking_cancel(app_t *app, const principal_t *who, const char *pid, const char *id,
                           json_t **out, buffr_err_t *e)
{
    return svc_booking_cancel(app, who, &shuttle_bookings, pid, id, out, e);
}
