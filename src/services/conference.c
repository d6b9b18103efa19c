/*
 * conference.c - conference rooms and halls (a capacity, a capacity per
 * layout, an hourly and/or a daily rate, optional opening hours), equipment
 * add-ons (a price per booking and unit, optionally a stock count),
 * bookings of a room by the hour or by the day, and the search for the rooms
 * that fit a party on a date with the times they are free.
 *
 * A room is a service_resources row (service 'conference'), so its bookings
 * claim resource_slots like a therapist's do; a stocked add-on's units claim
 * addon_slots the same way. The server computes every price: the room's
 * rate pro rata for hourly bookings (quarter hours, half up), the daily rate
 * times the days, plus each add-on's price times its quantity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "services/services_internal.h"
#include "services/slots.h"

#define CONFERENCE_CAPACITY_MAX 100000
#define CONFERENCE_DAYS_MAX     31
#define CONFERENCE_ADDONS_MAX   20
#define CONFERENCE_QUANTITY_MAX 1000
#define CONFERENCE_STOCK_MAX    10000

static const char *const conference_layouts[] = {"theatre",       "classroom", "boardroom",
                                                 "banquet",       "cabaret",   "u_shape",
                                                 "hollow_square", "reception", NULL};

/* ---- rooms ---- */

#define ROOM_COLUMNS                                                                               \
    "r.id, r.property_id, r.name, r.capacity, r.hourly_rate, r.daily_rate, r.working_hours, "      \
    "r.active, p.currency, r.created_at, r.updated_at, r.version"
#define ROOM_FROM                                                                                  \
    " FROM service_resources r JOIN properties p ON p.tenant_id = r.tenant_id "                    \
    "AND p.id = r.property_id "

static const svc_field_t room_fields[] = {
    {"id", 0, SVC_TEXT},
    {"property_id", 1, SVC_TEXT},
    {"name", 2, SVC_TEXT},
    {"capacity", 3, SVC_INT},
    {"hourly_rate", 4, SVC_INT},
    {"daily_rate", 5, SVC_INT},
    {"working_hours", 6, SVC_HOURS},
    {"active", 7, SVC_BOOL},
    {"currency", 8, SVC_TEXT},
    {"created_at", 9, SVC_TIME},
    {"updated_at", 10, SVC_TIME},
    {"version", 11, SVC_INT},
    {NULL},
};

/* The layouts as {"theatre": 120, ...}. */
static int room_decorate(db_tx_t *tx, json_t *obj)
{
    json_t *layouts = json_object();
    if (layouts == NULL || json_object_set_new(obj, "layouts", layouts) != 0)
        return BUFFR_ENOMEM;
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT layout, capacity FROM conference_room_layouts "
                      "WHERE tenant_id = $1 AND room_id = $2 ORDER BY layout",
                      DB_ARGS(DB_TEXT(json_string_value(json_object_get(obj, "id")))), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1)
        if (!svc_put(layouts, db_text(rows, 0), json_integer((json_int_t)db_int(rows, 1)))) {
            rc = BUFFR_ENOMEM;
            break;
        }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

typedef struct room_layout {
    const char *layout;
    int64_t capacity;
} room_layout_t;

typedef struct room_input {
    const char *name;
    int64_t capacity, hourly_rate, daily_rate;
    bool has_capacity, has_hourly, has_daily, clear_hourly, clear_daily;
    bool has_active, active, clear_hours;
    char *hours_text; /* canonical (malloc'd), NULL: not given */
    room_layout_t layouts[8];
    int nlayouts; /* -1: not given */
} room_input_t;

static int room_layouts_parse(json_t *v, room_input_t *in, buffr_err_t *e)
{
    if (!json_is_object(v) || json_object_size(v) == 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "layouts",
                          "layouts must be an object of capacities per layout, e.g. "
                          "{\"theatre\": 120, \"boardroom\": 20}");
    const char *key;
    json_t *cap;
    in->nlayouts = 0;
    json_object_foreach(v, key, cap)
    {
        const char *known = NULL;
        for (int i = 0; conference_layouts[i] != NULL; i++)
            if (strcmp(key, conference_layouts[i]) == 0)
                known = conference_layouts[i];
        if (known == NULL)
            return buffr_fail(e, BUFFR_EVALIDATION, "layouts",
                              "layouts has an unknown layout; use theatre, classroom, boardroom, "
                              "banquet, cabaret, u_shape, hollow_square or reception");
        if (!json_is_integer(cap) || json_integer_value(cap) < 1 ||
            json_integer_value(cap) > CONFERENCE_CAPACITY_MAX)
            return buffr_fail(e, BUFFR_EVALIDATION, "layouts",
                              "layouts.%s must be a capacity from 1 to %d", known,
                              CONFERENCE_CAPACITY_MAX);
        in->layouts[in->nlayouts++] = (room_layout_t){known, json_integer_value(cap)};
    }
    return 0;
}

static int room_input_parse(json_t *body, bool create, room_input_t *in, buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    in->nlayouts = -1;
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 200, &in->name, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "capacity", create, 1, CONFERENCE_CAPACITY_MAX, &in->capacity,
                        &in->has_capacity, e)) != 0 ||
        (rc = svc_money_field(body, "hourly_rate", false, &in->hourly_rate, &in->has_hourly, e)) !=
            0 ||
        (rc = svc_money_field(body, "daily_rate", false, &in->daily_rate, &in->has_daily, e)) !=
            0 ||
        (rc = jsonx_bool(body, "active", false, &in->active, &in->has_active, e)) != 0)
        return rc;
    in->clear_hourly = !create && svc_is_explicit_null(body, "hourly_rate");
    in->clear_daily = !create && svc_is_explicit_null(body, "daily_rate");
    if (create && !in->has_hourly && !in->has_daily)
        return buffr_fail(e, BUFFR_EVALIDATION, "hourly_rate",
                          "a room needs an hourly_rate, a daily_rate or both");
    json_t *layouts = json_object_get(body, "layouts");
    if (layouts != NULL && !json_is_null(layouts)) {
        if ((rc = room_layouts_parse(layouts, in, e)) != 0)
            return rc;
    } else if (create) {
        return buffr_fail(e, BUFFR_EVALIDATION, "layouts",
                          "layouts is required, e.g. {\"theatre\": 120, \"boardroom\": 20}");
    }
    if (in->has_capacity)
        for (int i = 0; i < in->nlayouts; i++)
            if (in->layouts[i].capacity > in->capacity)
                return buffr_fail(e, BUFFR_EVALIDATION, "layouts",
                                  "layouts.%s seats more than the room's capacity",
                                  in->layouts[i].layout);
    json_t *hours = json_object_get(body, "working_hours");
    if (hours != NULL && json_is_null(hours))
        in->clear_hours = !create;
    else if (hours != NULL)
        return svc_hours_text(hours, &in->hours_text, e);
    return 0;
}

/* Replace the room's layouts, then make sure none seats more than the room. */
static int room_layouts_store(db_tx_t *tx, const svc_write_t *w)
{
    const room_input_t *in = w->in;
    int rc;
    if (in->nlayouts >= 0) {
        rc =
            db_exec(tx, "DELETE FROM conference_room_layouts WHERE tenant_id = $1 AND room_id = $2",
                    DB_ARGS(DB_TEXT(w->id)), NULL);
        for (int i = 0; rc == 0 && i < in->nlayouts; i++)
            rc = db_exec(tx,
                         "INSERT INTO conference_room_layouts (tenant_id, room_id, layout, "
                         "capacity) VALUES ($1, $2, $3, $4)",
                         DB_ARGS(DB_TEXT(w->id), DB_TEXT(in->layouts[i].layout),
                                 DB_INT(in->layouts[i].capacity)),
                         NULL);
        if (rc != 0)
            return rc;
    }
    int64_t too_big = 0;
    rc = db_query_int(tx,
                      "SELECT count(*) FROM conference_room_layouts l "
                      "JOIN service_resources r ON r.tenant_id = l.tenant_id AND r.id = l.room_id "
                      "WHERE l.tenant_id = $1 AND l.room_id = $2 AND l.capacity > r.capacity",
                      DB_ARGS(DB_TEXT(w->id)), &too_big);
    if (rc != 0)
        return rc;
    if (too_big > 0)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "capacity",
                          "a layout would seat more than the room's capacity");
    return 0;
}

static int room_insert_row(db_tx_t *tx, const svc_write_t *w)
{
    const room_input_t *in = w->in;
    int rc =
        db_exec(tx,
                "INSERT INTO service_resources (tenant_id, id, property_id, service, kind, "
                "name, working_hours, capacity, hourly_rate, daily_rate, active, created_at, "
                "updated_at) VALUES ($1, $2, $3, 'conference', 'conference_room', $4, $5, "
                "$6, $7, $8, $9, $10, $10)",
                DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->name), DB_TEXT(in->hours_text),
                        DB_INT(in->capacity), in->has_hourly ? DB_INT(in->hourly_rate) : DB_NULL,
                        in->has_daily ? DB_INT(in->daily_rate) : DB_NULL,
                        DB_BOOL(in->has_active ? in->active : true), DB_INT(time_now())),
                NULL);
    return rc != 0 ? rc : room_layouts_store(tx, w);
}

static int room_update_row(db_tx_t *tx, const svc_write_t *w, int64_t *changed)
{
    const room_input_t *in = w->in;
    int rc = db_exec(
        tx,
        "UPDATE service_resources SET name = COALESCE($4, name), "
        "capacity = COALESCE($5, capacity), "
        "hourly_rate = CASE WHEN $6 = 1 THEN NULL ELSE COALESCE($7, hourly_rate) END, "
        "daily_rate = CASE WHEN $8 = 1 THEN NULL ELSE COALESCE($9, daily_rate) END, "
        "working_hours = CASE WHEN $10 = 1 THEN NULL ELSE COALESCE($11, working_hours) END, "
        "active = COALESCE($12, active), updated_at = $13, version = version + 1 "
        "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 AND service = 'conference' "
        "AND ($14 < 0 OR version = $14)",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(in->name),
                in->has_capacity ? DB_INT(in->capacity) : DB_NULL, DB_BOOL(in->clear_hourly),
                in->has_hourly ? DB_INT(in->hourly_rate) : DB_NULL, DB_BOOL(in->clear_daily),
                in->has_daily ? DB_INT(in->daily_rate) : DB_NULL, DB_BOOL(in->clear_hours),
                DB_TEXT(in->hours_text), in->has_active ? DB_BOOL(in->active) : DB_NULL,
                DB_INT(time_now()), DB_INT(w->if_match)),
        changed);
    if (rc == BUFFR_ECONSTRAINT)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "hourly_rate",
                          "a room needs an hourly_rate, a daily_rate or both");
    if (rc != 0 || *changed == 0)
        return rc;
    return room_layouts_store(tx, w);
}

static const svc_entity_t conference_rooms = {
    .noun = "conference room",
    .select_one = "SELECT " ROOM_COLUMNS ROOM_FROM
                  "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.id = $3 "
                  "AND r.service = 'conference'",
    .select_page = "SELECT " ROOM_COLUMNS ROOM_FROM
                   "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.service = 'conference' "
                   "AND r.id > $3 ORDER BY r.id LIMIT $4",
    .delete_one = "DELETE FROM service_resources WHERE tenant_id = $1 AND property_id = $2 "
                  "AND id = $3 AND service = 'conference'",
    .in_use = "the room has bookings; set active to false instead of deleting it",
    .duplicate = "a conference room with that name already exists at this property",
    .fields = room_fields,
    .decorate = room_decorate,
    .insert = room_insert_row,
    .update = room_update_row,
};

int conference_room_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                           json_t **out, buffr_err_t *e)
{
    room_input_t in;
    int rc = room_input_parse(body, true, &in, e);
    if (rc == 0)
        rc = svc_entity_create(app, who, &conference_rooms, pid, &in, out, e);
    free(in.hours_text);
    return rc;
}

int conference_room_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                           json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    room_input_t in;
    int rc = room_input_parse(body, false, &in, e);
    if (rc == 0)
        rc = svc_entity_update(app, who, &conference_rooms, pid, id, &in, if_match, out, e);
    free(in.hours_text);
    return rc;
}

int conference_room_list(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                         json_t **out, buffr_err_t *e)
{
    return svc_entity_list(app, who, &conference_rooms, pid, q, NULL, 0, out, e);
}

int conference_room_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                        json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &conference_rooms, pid, id, out, e);
}

int conference_room_delete(app_t *app, const principal_t *who, const char *pid, const char *id,
                           buffr_err_t *e)
{
    return svc_entity_delete(app, who, &conference_rooms, pid, id, e);
}

/* ---- availability: which rooms fit a party on a date, and when they are free ---- */

/* ?attendees= as given: a whole number of people; 1 (any room) when absent. */
static int attendees_value(const char *text, int64_t *attendees, buffr_err_t *e)
{
    *attendees = 1;
    if (text == NULL)
        return 0;
    int64_t value = 0;
    bool digits = text[0] != '\0';
    for (const char *c = text; digits && *c != '\0' && value <= CONFERENCE_CAPACITY_MAX; c++) {
        digits = *c >= '0' && *c <= '9';
        value = value * 10 + (*c - '0');
    }
    if (!digits || value < 1 || value > CONFERENCE_CAPACITY_MAX)
        return buffr_fail(e, BUFFR_EVALIDATION, "attendees",
                          "attendees must be a whole number from 1 to %d", CONFERENCE_CAPACITY_MAX);
    *attendees = value;
    return 0;
}

/* ?layout= as given: one of conference_layouts, or NULL when absent. */
static int layout_value(const char *text, const char **layout, buffr_err_t *e)
{
    *layout = NULL;
    if (text == NULL)
        return 0;
    for (int i = 0; conference_layouts[i] != NULL; i++)
        if (strcmp(text, conference_layouts[i]) == 0) {
            *layout = conference_layouts[i];
            return 0;
        }
    return buffr_fail(e, BUFFR_EVALIDATION, "layout",
                      "layout must be one of theatre, classroom, boardroom, banquet, cabaret, "
                      "u_shape, hollow_square, reception");
}

/* A room the search found, and how its day looks. */
typedef struct room_day {
    char id[UUID_BUF_SIZE];
    bool has_hours; /* false: open all day, every day */
    working_hours_t hours;
    slot_mask_t busy; /* the day's slots held by confirmed bookings */
    json_t *item;     /* its entry in the answer's data (borrowed) */
} room_day_t;

typedef struct room_days {
    room_day_t *items;
    size_t count, cap;
} room_days_t;

static const svc_field_t room_day_fields[] = {
    {"room_id", 0, SVC_TEXT},
    {"name", 1, SVC_TEXT},
    {"capacity", 2, SVC_INT},
    {"layout_capacity", 3, SVC_INT},
    {"hourly_rate", 4, SVC_INT},
    {"daily_rate", 5, SVC_INT},
    {NULL},
};

typedef struct conference_availability_work {
    const char *pid, *layout; /* layout NULL: any */
    int64_t day, attendees;
    buffr_err_t *e;
    json_t *result;
} conference_availability_work_t;

/* The active rooms seating w->attendees (in w->layout when given), by name
 * then id, each appended to data as an entry that the search completes. */
static int room_days_load(db_tx_t *tx, const conference_availability_work_t *w, json_t *data,
                          room_days_t *days)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT r.id, r.name, r.capacity, l.capacity, r.hourly_rate, r.daily_rate, "
                      "r.working_hours FROM service_resources r "
                      "LEFT JOIN conference_room_layouts l ON l.tenant_id = r.tenant_id "
                      "AND l.room_id = r.id AND l.layout = $3 "
                      "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.service = 'conference' "
                      "AND r.active = 1 AND r.capacity >= $4 "
                      "AND (CAST($3 AS TEXT) IS NULL OR l.capacity >= $4) "
                      "ORDER BY r.name, r.id",
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->layout), DB_INT(w->attendees)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        if (days->count == days->cap) {
            size_t cap = days->cap ? days->cap * 2 : 8;
            room_day_t *grown = realloc(days->items, cap * sizeof(*grown));
            if (grown == NULL) {
                rc = BUFFR_ENOMEM;
                break;
            }
            days->items = grown;
            days->cap = cap;
        }
        room_day_t *room = &days->items[days->count];
        memset(room, 0, sizeof(*room));
        snprintf(room->id, sizeof(room->id), "%s", db_text(rows, 0));
        room->has_hours = !db_is_null(rows, 6);
        if (room->has_hours && svc_hours_load(db_text(rows, 6), &room->hours) != 0) {
            rc = BUFFR_EINTERNAL; /* written by this module: never happens */
            break;
        }
        room->item = svc_row_json(rows, room_day_fields);
        if (room->item == NULL || json_array_append_new(data, room->item) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
        days->count++;
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

/* Which of the day's slots each room's bookings hold (the resource_slots
 * rows a booking claims and its cancel deletes, read as spa.c reads a
 * therapist's). */
static void room_day_busy(void *ctx, const char *resource_id, int slot)
{
    room_days_t *days = ctx;
    for (size_t i = 0; i < days->count; i++)
        if (strcmp(days->items[i].id, resource_id) == 0)
            slot_mask_set(&days->items[i].busy, slot);
}

static int room_days_busy(db_tx_t *tx, const char *pid, int64_t day, room_days_t *days)
{
    return svc_day_busy(tx, pid, "conference", day, room_day_busy, days);
}

/* Append to list the runs of free slots inside [from, to) (minutes of the
 * day): only whole quarter hours count, since bookings start and end on
 * the grid. A run never spans two ranges of the hours, as a booking must
 * fit inside one. */
static int free_runs_append(json_t *list, int64_t day_start, const slot_mask_t *busy, int from,
                            int to)
{
    int first = (from + SLOT_MINUTES - 1) / SLOT_MINUTES, end = to / SLOT_MINUTES;
    int run = -1; /* the first slot of the run being walked, -1 between runs */
    for (int slot = first; slot <= end; slot++) {
        bool open = slot < end && !slot_mask_test(busy, slot);
        if (open && run < 0) {
            run = slot;
        } else if (!open && run >= 0) {
            json_t *interval = json_object();
            bool ok = interval != NULL && json_array_append_new(list, interval) == 0;
            ok = ok && svc_put(interval, "start", svc_json_local(day_start + run * SLOT_MINUTES));
            /* 24:00 renders as the next day's T00:00, like a booking's end */
            ok = ok && svc_put(interval, "end", svc_json_local(day_start + slot * SLOT_MINUTES));
            if (!ok)
                return BUFFR_ENOMEM;
            run = -1;
        }
    }
    return 0;
}

/* The room's entry gets "free" (its intervals that day) and
 * "whole_day_free" (open that day with nothing held: bookable by the day). */
static int room_day_finish(const room_day_t *room, int64_t day)
{
    const working_hours_t *hours = room->has_hours ? &room->hours : NULL;
    int weekday = date_weekday(day);
    json_t *list = json_array();
    if (list == NULL || json_object_set_new(room->item, "free", list) != 0)
        return BUFFR_ENOMEM;
    int64_t day_start = day * MINUTES_PER_DAY;
    int rc = 0;
    if (hours == NULL)
        rc = free_runs_append(list, day_start, &room->busy, 0, MINUTES_PER_DAY);
    for (int i = 0; hours != NULL && rc == 0 && i < hours->count[weekday]; i++)
        rc = free_runs_append(list, day_start, &room->busy, hours->interval[weekday][i].from,
                              hours->interval[weekday][i].to);
    if (rc != 0)
        return rc;
    bool whole = working_hours_open_on(hours, weekday) &&
                 slot_mask_range_clear(&room->busy, 0, SLOTS_PER_DAY);
    return svc_put(room->item, "whole_day_free", json_boolean(whole)) ? 0 : BUFFR_ENOMEM;
}

static int conference_availability_in_tx(db_tx_t *tx, void *ctx)
{
    conference_availability_work_t *w = ctx;
    json_decref(w->result);
    w->result = NULL;
    char currency[SVC_CURRENCY_BUF_SIZE];
    int rc = svc_property_currency(tx, w->pid, currency, w->e);
    if (rc != 0)
        return rc;
    char date[DATE_BUF_SIZE];
    date_format(w->day, date);
    json_t *data = json_array();
    w->result = json_pack("{s:s, s:s, s:o}", "date", date, "currency", currency, "data", data);
    if (w->result == NULL)
        return BUFFR_ENOMEM;
    room_days_t days = {0};
    rc = room_days_load(tx, w, data, &days);
    if (rc == 0 && days.count > 0)
        rc = room_days_busy(tx, w->pid, w->day, &days);
    for (size_t i = 0; rc == 0 && i < days.count; i++)
        rc = room_day_finish(&days.items[i], w->day);
    free(days.items);
    return rc;
}

int conference_availability(app_t *app, const principal_t *who, const char *pid,
                            const svc_query_t *q, json_t **out, buffr_err_t *e)
{
    conference_availability_work_t w = {.pid = pid, .e = e};
    int rc;
    if ((rc = svc_date_value(q->date, "date", true, &w.day, NULL, e)) != 0 ||
        (rc = attendees_value(q->attendees, &w.attendees, e)) != 0 ||
        (rc = layout_value(q->layout, &w.layout, e)) != 0)
        return rc;
    rc = db_transact(app->db, who->tenant_id, DB_READ, conference_availability_in_tx, &w);
    return svc_done(rc, w.result, out, e, &conference_rooms, "search");
}

/* ---- add-ons ---- */

#define ADDON_COLUMNS                                                                              \
    "a.id, a.property_id, a.name, a.price, a.stock, a.active, p.currency, a.created_at, "          \
    "a.updated_at, a.version"
#define ADDON_FROM                                                                                 \
    " FROM conference_addons a JOIN properties p ON p.tenant_id = a.tenant_id "                    \
    "AND p.id = a.property_id "

static const svc_field_t addon_fields[] = {
    {"id", 0, SVC_TEXT},
    {"property_id", 1, SVC_TEXT},
    {"name", 2, SVC_TEXT},
    {"price", 3, SVC_INT},
    {"stock", 4, SVC_INT},
    {"active", 5, SVC_BOOL},
    {"currency", 6, SVC_TEXT},
    {"created_at", 7, SVC_TIME},
    {"updated_at", 8, SVC_TIME},
    {"version", 9, SVC_INT},
    {NULL},
};

typedef struct addon_input {
    const char *name;
    int64_t price, stock;
    bool has_price, has_stock, clear_stock, has_active, active;
} addon_input_t;

static int addon_input_parse(json_t *body, bool create, addon_input_t *in, buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 200, &in->name, NULL, e)) != 0 ||
        (rc = svc_money_field(body, "price", create, &in->price, &in->has_price, e)) != 0 ||
        (rc = jsonx_int(body, "stock", false, 0, CONFERENCE_STOCK_MAX, &in->stock, &in->has_stock,
                        e)) != 0 ||
        (rc = jsonx_bool(body, "active", false, &in->active, &in->has_active, e)) != 0)
        return rc;
    in->clear_stock = !create && svc_is_explicit_null(body, "stock");
    return 0;
}

static int addon_insert_row(db_tx_t *tx, const svc_write_t *w)
{
    const addon_input_t *in = w->in;
    return db_exec(tx,
                   "INSERT INTO conference_addons (tenant_id, id, property_id, name, price, stock, "
                   "active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                   DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->name), DB_INT(in->price),
                           in->has_stock ? DB_INT(in->stock) : DB_NULL,
                           DB_BOOL(in->has_active ? in->active : true), DB_INT(time_now())),
                   NULL);
}

static int addon_update_row(db_tx_t *tx, const svc_write_t *w, int64_t *changed)
{
    const addon_input_t *in = w->in;
    return db_exec(tx,
                   "UPDATE conference_addons SET name = COALESCE($4, name), "
                   "price = COALESCE($5, price), "
                   "stock = CASE WHEN $6 = 1 THEN NULL ELSE COALESCE($7, stock) END, "
                   "active = COALESCE($8, active), updated_at = $9, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                   "AND ($10 < 0 OR version = $10)",
                   DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(in->name),
                           in->has_price ? DB_INT(in->price) : DB_NULL, DB_BOOL(in->clear_stock),
                           in->has_stock ? DB_INT(in->stock) : DB_NULL,
                           in->has_active ? DB_BOOL(in->active) : DB_NULL, DB_INT(time_now()),
                           DB_INT(w->if_match)),
                   changed);
}

static const svc_entity_t conference_addons = {
    .noun = "add-on",
    .select_one = "SELECT " ADDON_COLUMNS ADDON_FROM
                  "WHERE a.tenant_id = $1 AND a.property_id = $2 AND a.id = $3",
    .select_page = "SELECT " ADDON_COLUMNS ADDON_FROM
                   "WHERE a.tenant_id = $1 AND a.property_id = $2 AND a.id > $3 "
                   "ORDER BY a.id LIMIT $4",
    .delete_one = "DELETE FROM conference_addons WHERE tenant_id = $1 AND property_id = $2 "
                  "AND id = $3",
    .in_use = "the add-on has bookings; set active to false instead of deleting it",
    .duplicate = "an add-on with that name already exists at this property",
    .fields = addon_fields,
    .insert = addon_insert_row,
    .update = addon_update_row,
};

int conference_addon_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                            json_t **out, buffr_err_t *e)
{
    addon_input_t in;
    int rc = addon_input_parse(body, true, &in, e);
    return rc != 0 ? rc : svc_entity_create(app, who, &conference_addons, pid, &in, out, e);
}

int conference_addon_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                            json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    addon_input_t in;
    int rc = addon_input_parse(body, false, &in, e);
    return rc != 0
               ? rc
               : svc_entity_update(app, who, &conference_addons, pid, id, &in, if_match, out, e);
}

int conference_addon_list(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                          json_t **out, buffr_err_t *e)
{
    return svc_entity_list(app, who, &conference_addons, pid, q, NULL, 0, out, e);
}

int conference_addon_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                         json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &conference_addons, pid, id, out, e);
}

int conference_addon_delete(app_t *app, const principal_t *who, const char *pid, const char *id,
                            buffr_err_t *e)
{
    return svc_entity_delete(app, who, &conference_addons, pid, id, e);
}

/* ---- bookings ---- */

typedef struct booking_addon {
    char id[UUID_BUF_SIZE];
    int64_t quantity;
} booking_addon_t;

typedef struct room_facts {
    char name[201];
    int64_t capacity, hourly_rate, daily_rate; /* rates: -1 when not offered */
    bool has_hours, active;
    working_hours_t hours;
} room_facts_t;

typedef struct addon_facts {
    char name[201];
    int64_t price, stock; /* stock -1: unlimited */
} addon_facts_t;

typedef struct conference_booking_work {
    svc_booking_t booking; /* first: the engine hands it back to the steps below */
    char room_id[UUID_BUF_SIZE];
    bool daily;
    const char *layout, *event_name;
    int64_t attendees, days;
    int64_t from, to; /* local minutes; grid-aligned */
    booking_addon_t addons[CONFERENCE_ADDONS_MAX];
    int naddons;
    room_facts_t room;                          /* read by prepare */
    addon_facts_t facts[CONFERENCE_ADDONS_MAX]; /* read by prepare, one per addons[i] */
} conference_booking_work_t;

static conference_booking_work_t *conference_booking_work(svc_booking_t *b)
{
    return (conference_booking_work_t *)b;
}

static int room_facts_read(db_tx_t *tx, conference_booking_work_t *w, room_facts_t *f)
{
    buffr_err_t *e = w->booking.e;
    db_rows_t *rows;
    int rc = svc_ref_row(tx,
                         "SELECT name, capacity, hourly_rate, daily_rate, working_hours, active "
                         "FROM service_resources WHERE tenant_id = $1 AND property_id = $2 "
                         "AND id = $3 AND service = 'conference'",
                         DB_ARGS(DB_TEXT(w->booking.pid), DB_TEXT(w->room_id)), "room_id",
                         "room_id must be a conference room of this property", &rows, e);
    if (rc != 0)
        return rc;
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", db_text(rows, 0));
    f->capacity = db_int(rows, 1);
    f->hourly_rate = db_is_null(rows, 2) ? -1 : db_int(rows, 2);
    f->daily_rate = db_is_null(rows, 3) ? -1 : db_int(rows, 3);
    f->has_hours = !db_is_null(rows, 4);
    f->active = db_int(rows, 5) != 0;
    if (f->has_hours && svc_hours_load(db_text(rows, 4), &f->hours) != 0)
        rc = BUFFR_EINTERNAL; /* written by this module: never happens */
    db_rows_free(rows);
    if (rc == 0 && !f->active)
        rc = buffr_fail(e, BUFFR_EVALIDATION, "room_id", "the room is not bookable now");
    return rc;
}

/* The room's part of the price, after checking the booking fits its
 * layout, rates and hours. */
static int conference_room_amount(db_tx_t *tx, conference_booking_work_t *w, const room_facts_t *f,
                                  int64_t *amount)
{
    buffr_err_t *e = w->booking.e;
    int64_t seats = 0;
    int rc = db_query_int(tx,
                          "SELECT capacity FROM conference_room_layouts WHERE tenant_id = $1 "
                          "AND room_id = $2 AND layout = $3",
                          DB_ARGS(DB_TEXT(w->room_id), DB_TEXT(w->layout)), &seats);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(e, BUFFR_EVALIDATION, "layout", "the room has no %s layout", w->layout);
    if (rc != 0)
        return rc;
    if (w->attendees > seats)
        return buffr_fail(e, BUFFR_EVALIDATION, "attendees",
                          "the %s layout of this room seats at most %lld", w->layout,
                          (long long)seats);
    if (w->daily) {
        if (f->daily_rate < 0)
            return buffr_fail(e, BUFFR_EVALIDATION, "date",
                              "this room is let by the hour only: give start and end");
        for (int64_t d = 0; d < w->days; d++) {
            int64_t day = local_day(w->from) + d;
            if (f->has_hours && !working_hours_open_on(&f->hours, date_weekday(day))) {
                char date[DATE_BUF_SIZE];
                date_format(day, date);
                return buffr_fail(e, BUFFR_ENOAVAIL, NULL, "the room is closed on %s", date);
            }
        }
        *amount = f->daily_rate * w->days; /* both bounded: no overflow */
        return 0;
    }
    if (f->hourly_rate < 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "start",
                          "this room is let by the day only: give date (and days)");
    int minute = local_minute_of_day(w->from);
    int until = minute + (int)(w->to - w->from);
    if (f->has_hours &&
        !working_hours_cover(&f->hours, date_weekday(local_day(w->from)), minute, until))
        return buffr_fail(e, BUFFR_ENOAVAIL, NULL, "the room is not open for all of that time");
    *amount = price_prorata(f->hourly_rate, w->to - w->from, 60);
    return *amount < 0 ? BUFFR_EINTERNAL : 0;
}

static int addon_facts_read(db_tx_t *tx, conference_booking_work_t *w, const char *addon_id,
                            addon_facts_t *a)
{
    buffr_err_t *e = w->booking.e;
    db_rows_t *rows;
    int rc = svc_ref_row(tx,
                         "SELECT name, price, stock, active FROM conference_addons "
                         "WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
                         DB_ARGS(DB_TEXT(w->booking.pid), DB_TEXT(addon_id)), "addons",
                         "addons must name add-ons of this property", &rows, e);
    if (rc != 0)
        return rc;
    snprintf(a->name, sizeof(a->name), "%s", db_text(rows, 0));
    a->price = db_int(rows, 1);
    a->stock = db_is_null(rows, 2) ? -1 : db_int(rows, 2);
    bool active = db_int(rows, 3) != 0;
    db_rows_free(rows);
    return active ? 0
                  : buffr_fail(e, BUFFR_EVALIDATION, "addons", "the add-on %s is not available now",
                               a->name);
}

/* The room's amount plus each add-on's price times its quantity. */
static int conference_booking_prepare(db_tx_t *tx, svc_booking_t *b, svc_booking_row_t *row)
{
    conference_booking_work_t *w = conference_booking_work(b);
    int64_t room_amount = 0;
    int rc = room_facts_read(tx, w, &w->room);
    if (rc == 0)
        rc = conference_room_amount(tx, w, &w->room, &room_amount);
    int64_t total = room_amount;
    for (int i = 0; rc == 0 && i < w->naddons; i++) {
        rc = addon_facts_read(tx, w, w->addons[i].id, &w->facts[i]);
        if (rc == 0)
            total += w->facts[i].price * w->addons[i].quantity; /* bounded: cannot overflow */
    }
    if (rc != 0)
        return rc;
    row->title = w->room.name;
    row->starts_at = w->from;
    row->ends_at = w->to;
    row->unit_amount = room_amount;
    row->total = total;
    row->room_id = w->room_id;
    row->layout = w->layout;
    row->booking_type = w->daily ? "daily" : "hourly";
    row->event_name = w->event_name;
    row->attendees = w->attendees;
    row->days = w->daily ? w->days : 0;
    return 0;
}

/* Hold quantity units of a stocked add-on for the booking's time. */
static int addon_units_claim(db_tx_t *tx, conference_booking_work_t *w, const char *addon_id,
                             const addon_facts_t *a, int64_t quantity)
{
    int64_t held = 0;
    for (int64_t unit = 1; unit <= a->stock && held < quantity; unit++) {
        int rc = svc_claim_addon_unit(tx, addon_id, unit, w->from, w->to, w->booking.id);
        if (rc == 0)
            held++;
        else if (rc != BUFFR_ENOAVAIL)
            return rc;
    }
    if (held < quantity)
        return buffr_fail(w->booking.e, BUFFR_ESTOCK, "addons",
                          "not enough %s for that time: %lld free of %lld", a->name,
                          (long long)held, (long long)a->stock);
    return 0;
}

/* The room for the whole time, then the add-ons (their lines, and units of
 * the stocked ones). */
static int conference_booking_hold(db_tx_t *tx, svc_booking_t *b, const svc_booking_row_t *row)
{
    conference_booking_work_t *w = conference_booking_work(b);
    int rc = svc_claim_resource(tx, w->room_id, w->from, w->to, b->id);
    if (rc == BUFFR_ENOAVAIL)
        return buffr_fail(b->e, rc, NULL, "the room is already booked for part of that time");
    if (rc != 0 ||
        (rc = db_exec(tx,
                      "INSERT INTO service_booking_resources (tenant_id, booking_id, resource_id, "
                      "kind) VALUES ($1, $2, $3, 'conference_room')",
                      DB_ARGS(DB_TEXT(b->id), DB_TEXT(w->room_id)), NULL)) != 0)
        return rc;
    for (int i = 0; i < w->naddons; i++) {
        const booking_addon_t *a = &w->addons[i];
        const addon_facts_t *f = &w->facts[i];
        rc = db_exec(tx,
                     "INSERT INTO service_booking_addons (tenant_id, booking_id, addon_id, name, "
                     "quantity, unit_price, amount) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     DB_ARGS(DB_TEXT(b->id), DB_TEXT(a->id), DB_TEXT(f->name), DB_INT(a->quantity),
                             DB_INT(f->price), DB_INT(f->price * a->quantity)),
                     NULL);
        if (rc == 0 && f->stock >= 0)
            rc = addon_units_claim(tx, w, a->id, f, a->quantity);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* start/end for an hourly booking, or date (and days) for a daily one. */
static int conference_when_parse(json_t *body, conference_booking_work_t *w, buffr_err_t *e)
{
    const char *start = NULL, *end = NULL, *date = NULL;
    bool has_days = false;
    int rc;
    if ((rc = jsonx_string(body, "start", false, 1, 32, &start, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "end", false, 1, 32, &end, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "date", false, 1, 32, &date, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "days", false, 1, CONFERENCE_DAYS_MAX, &w->days, &has_days, e)) != 0)
        return rc;
    if (date != NULL) {
        if (start != NULL || end != NULL)
            return buffr_fail(e, BUFFR_EVALIDATION, "date",
                              "give either date (a day booking) or start and end, not both");
        int64_t day;
        if ((rc = svc_date_value(date, "date", true, &day, NULL, e)) != 0)
            return rc;
        w->daily = true;
        w->days = has_days ? w->days : 1;
        w->from = day * MINUTES_PER_DAY;
        w->to = (day + w->days) * MINUTES_PER_DAY;
        return 0;
    }
    if (has_days)
        return buffr_fail(e, BUFFR_EVALIDATION, "days", "days goes with date (a day booking)");
    if (start == NULL)
        return buffr_fail(e, BUFFR_EVALIDATION, "start",
                          "give start and end (YYYY-MM-DDTHH:MM), or date for a day booking");
    if (local_time_parse(start, &w->from) != 0 || w->from % SLOT_MINUTES != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "start",
                          "start must be a local time YYYY-MM-DDTHH:MM on the quarter hour");
    if (end == NULL)
        return buffr_fail(e, BUFFR_EVALIDATION, "end", "end is required with start");
    if (local_time_parse(end, &w->to) != 0 || w->to % SLOT_MINUTES != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "end",
                          "end must be a local time YYYY-MM-DDTHH:MM on the quarter hour");
    if (w->to <= w->from)
        return buffr_fail(e, BUFFR_EVALIDATION, "end", "end must be after start");
    if (local_day(w->to - 1) != local_day(w->from))
        return buffr_fail(e, BUFFR_EVALIDATION, "end",
                          "an hourly booking ends on its day (at midnight at the latest); "
                          "book by the day for longer");
    return 0;
}

static int booking_addon_by_id(const void *a, const void *b)
{
    return strcmp(((const booking_addon_t *)a)->id, ((const booking_addon_t *)b)->id);
}

static int conference_addons_parse(json_t *body, conference_booking_work_t *w, buffr_err_t *e)
{
    json_t *list = json_object_get(body, "addons");
    if (list == NULL || json_is_null(list))
        return 0;
    if (!json_is_array(list) || json_array_size(list) > CONFERENCE_ADDONS_MAX)
        return buffr_fail(e, BUFFR_EVALIDATION, "addons",
                          "addons must be a list of up to %d {\"addon_id\",\"quantity\"}",
                          CONFERENCE_ADDONS_MAX);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        booking_addon_t *a = &w->addons[w->naddons];
        bool has_quantity = false;
        int rc;
        if (!json_is_object(item))
            return buffr_fail(e, BUFFR_EVALIDATION, "addons",
                              "each add-on is {\"addon_id\",\"quantity\"}");
        if ((rc = svc_uuid_field(item, "addon_id", true, a->id, NULL, e)) != 0 ||
            (rc = jsonx_int(item, "quantity", false, 1, CONFERENCE_QUANTITY_MAX, &a->quantity,
                            &has_quantity, e)) != 0) {
            char why[sizeof(e->message)];
            snprintf(why, sizeof(why), "%s", e ? e->message : "not valid");
            return buffr_fail(e, BUFFR_EVALIDATION, "addons", "addons[%zu]: %s", i, why);
        }
        if (!has_quantity)
            a->quantity = 1;
        for (int k = 0; k < w->naddons; k++)
            if (strcmp(w->addons[k].id, a->id) == 0)
                return buffr_fail(e, BUFFR_EVALIDATION, "addons",
                                  "an add-on is listed twice; give it once with a quantity");
        w->naddons++;
    }
    /* Claim add-ons in id order, so two bookings never wait on each other. */
    qsort(w->addons, (size_t)w->naddons, sizeof(w->addons[0]), booking_addon_by_id);
    return 0;
}

static const svc_field_t conference_booking_fields[] = {
    SVC_BOOKING_HEAD_FIELDS,
    {"end", BK_ENDS, SVC_LOCAL},
    {"room_id", BK_ROOM, SVC_TEXT},
    {"room_name", BK_TITLE, SVC_TEXT},
    {"layout", BK_LAYOUT, SVC_TEXT},
    {"attendees", BK_ATTENDEES, SVC_INT},
    {"booking_type", BK_TYPE, SVC_TEXT},
    {"date", BK_DAILY_START, SVC_DATE, true}, /* day bookings only */
    {"days", BK_DAYS, SVC_INT, true},
    {"event_name", BK_EVENT, SVC_TEXT},
    {"room_amount", BK_UNIT, SVC_INT},
    SVC_BOOKING_TAIL_FIELDS,
};

static const svc_field_t conference_booking_addon_fields[] = {
    {"addon_id", 0, SVC_TEXT},  {"name", 1, SVC_TEXT},  {"quantity", 2, SVC_INT},
    {"unit_price", 3, SVC_INT}, {"amount", 4, SVC_INT}, {NULL},
};

/* The add-ons with their prices at booking time. */
static int conference_booking_decorate(db_tx_t *tx, json_t *obj)
{
    return svc_attach_list(tx, obj, "addons",
                           "SELECT addon_id, name, quantity, unit_price, amount "
                           "FROM service_booking_addons WHERE tenant_id = $1 AND booking_id = $2 "
                           "ORDER BY name, addon_id",
                           conference_booking_addon_fields);
}

static const svc_booking_kind_t conference_bookings = {
    .entity =
        {
            .noun = "booking",
            .select_one = SVC_BOOKING_ONE_SQL("conference"),
            .select_page = SVC_BOOKING_PAGE_SQL("conference", "room_id"),
            .fields = conference_booking_fields,
            .decorate = conference_booking_decorate,
        },
    .service = "conference",
    .prepare = conference_booking_prepare,
    .hold = conference_booking_hold,
};

int conference_booking_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                              json_t **out, buffr_err_t *e)
{
    conference_booking_work_t w = {.booking.kind = &conference_bookings};
    int rc;
    if ((rc = svc_uuid_field(body, "room_id", true, w.room_id, NULL, e)) != 0 ||
        (rc = jsonx_enum(body, "layout", true, conference_layouts, &w.layout, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "attendees", true, 1, CONFERENCE_CAPACITY_MAX, &w.attendees, NULL,
                        e)) != 0 ||
        (rc = conference_when_parse(body, &w, e)) != 0 ||
        (rc = conference_addons_parse(body, &w, e)) != 0 ||
        (rc = jsonx_string(body, "event_name", false, 1, 200, &w.event_name, NULL, e)) != 0 ||
        (rc = svc_booking_body_parse(body, &w.booking, e)) != 0)
        return rc;
    return svc_booking_create(app, who, pid, &w.booking, out, e);
}

int conference_booking_list(app_t *app, const principal_t *who, const char *pid,
                            const svc_query_t *q, json_t **out, buffr_err_t *e)
{
    return svc_booking_list(app, who, &conference_bookings, pid, q, "room_id", q->room_id, out, e);
}

int conference_booking_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                           json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &conference_bookings.entity, pid, id, out, e);
}

int conference_booking_cancel(app_t *app, const principal_t *who, const char *pid, const char *id,
                              json_t **out, buffr_err_t *e)
{
    return svc_booking_cancel(app, who, &conference_bookings, pid, id, out, e);
}
