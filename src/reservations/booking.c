/*
 * booking.c - reservations: booking one room or a group, reading and
 * searching them, changing dates, room type or guests, the state changes
 * (cancel, check-in, check-out, no-show) and moving a stay to another room.
 *
 * How double booking is made impossible: a booking transaction inserts the
 * reservation and then one room_nights row per night; UNIQUE (room_id,
 * night) lets only one transaction own a room-night. On SQLite writers are
 * serialised (BEGIN IMMEDIATE), so the free room a booking picks stays free
 * until it commits. On PostgreSQL (READ COMMITTED) two bookings can pick
 * the same room; the second one's insert waits for the first and then
 * fails with a unique violation, the whole transaction is rolled back, and
 * booking_run() runs it again, when the room is seen taken and the next
 * free room (or NO_AVAILABILITY) follows.
 *
 * Statuses: confirmed -> checked_in -> checked_out, confirmed -> cancelled,
 * confirmed -> no_show. Cancelled and no-show stays give back their nights
 * at once; an early check-out gives back the nights not used (on the
 * arrival date, all of them: a day use).
 *
 * Refusals a client can act on (409 NO_AVAILABILITY, 409
 * INVALID_STATE_TRANSITION) come with machine-readable details, handed back
 * in *out (see reservations.h).
 */
#include "reservations/reservations.h"
#include "reservations/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/email.h"
#include "core/jsonx.h"

#define BOOKING_MAX_ATTEMPTS 64 /* reruns after losing a room to a concurrent booking */
#define GROUP_MAX_ROOMS      20

static const char *const reservation_statuses[] = {"confirmed", "checked_in", "checked_out",
                                                   "cancelled", "no_show",    NULL};

/* Keep the details of the refusal being made (replacing those of an earlier
 * attempt; NULL forgets them). A failed json_pack only loses the details. */
static void refusal_set(json_t **details, json_t *value)
{
    json_decref(*details);
    *details = value;
}

/* Finish like resv_done; a 409 refusal with details hands them over in *out
 * (caller frees) for the error's "details". */
static int refusal_done(int rc, json_t *result, json_t *details, json_t **out, buffr_err_t *e,
                        const char *not_found, const char *action)
{
    rc = resv_done(rc, result, out, e, not_found, action);
    if (rc != 0 && details != NULL && (rc == BUFFR_ENOAVAIL || rc == BUFFR_ESTATE)) {
        *out = details;
        return rc;
    }
    json_decref(details);
    return rc;
}

/* ======================================================== rendering */

#define RESERVATION_COLUMNS                                                                        \
    "s.id, s.property_id, s.status, s.room_id, m.number, s.room_type_id, s.check_in, "             \
    "s.check_out, s.guests, s.total, s.currency, s.cancellation_fee, s.group_id, s.created_at, "   \
    "s.updated_at, s.version, g.id, g.first_name, g.last_name, g.email, g.phone "                  \
    "FROM reservations s JOIN rooms m ON m.id = s.room_id JOIN guests g ON g.id = s.guest_id "

static json_t *reservation_row_json(db_rows_t *rows)
{
    char created[RFC3339_BUF_SIZE], updated[RFC3339_BUF_SIZE];
    time_format_rfc3339(db_int(rows, 13), created);
    time_format_rfc3339(db_int(rows, 14), updated);
    int64_t in = 0, out = 0;
    date_parse(db_text(rows, 6), &in);
    date_parse(db_text(rows, 7), &out);
    json_t *guest = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", db_text(rows, 16), "first_name",
                              db_text(rows, 17), "last_name", db_text(rows, 18), "email",
                              db_text(rows, 19), "phone", jsonx_string_or_null(db_text(rows, 20)));
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o, s:o, "
        "s:o*, s:s, s:s, s:I}",
        "id", db_text(rows, 0), "property_id", db_text(rows, 1), "status", db_text(rows, 2),
        "room_id", db_text(rows, 3), "room_number", db_text(rows, 4), "room_type_id",
        db_text(rows, 5), "check_in", db_text(rows, 6), "check_out", db_text(rows, 7), "nights",
        (json_int_t)(out - in), "guests", (json_int_t)db_int(rows, 8), "total",
        (json_int_t)db_int(rows, 9), "currency", db_text(rows, 10), "cancellation_fee",
        db_is_null(rows, 11) ? json_null() : json_integer(db_int(rows, 11)), "group_id",
        jsonx_string_or_null(db_text(rows, 12)), "guest", guest, "created_at", created,
        "updated_at", updated, "version", (json_int_t)db_int(rows, 15));
}

static const resv_entity_t reservation_entity = {
    .noun = "reservation",
    .select_one =
        "SELECT " RESERVATION_COLUMNS "WHERE s.tenant_id = $1 AND s.property_id = $2 AND s.id = $3",
    .render = reservation_row_json,
};

/* ======================================================== input */

typedef struct guest_input {
    const char *first_name, *last_name, *email, *phone;
    char email_key[256]; /* lowercase, the matching key of a guest profile */
} guest_input_t;

static int guest_parse(json_t *body, guest_input_t *g, buffr_err_t *e)
{
    memset(g, 0, sizeof(*g));
    json_t *guest = json_object_get(body, "guest");
    if (guest == NULL || json_is_null(guest))
        return buffr_fail(e, BUFFR_EVALIDATION, "guest",
                          "guest is required: {\"first_name\", \"last_name\", \"email\"}");
    if (!json_is_object(guest))
        return buffr_fail(e, BUFFR_EVALIDATION, "guest", "guest must be an object");
    buffr_err_t inner = {0};
    static const char *const fields[] = {"guest.first_name", "guest.last_name", "guest.email",
                                         "guest.phone"};
    int which = 0;
    if ((jsonx_string(guest, "first_name", true, 1, 100, &g->first_name, NULL, &inner) != 0) ||
        (which = 1,
         jsonx_string(guest, "last_name", true, 1, 100, &g->last_name, NULL, &inner) != 0) ||
        (which = 2, jsonx_string(guest, "email", true, 3, 254, &g->email, NULL, &inner) != 0) ||
        (which = 3, jsonx_string(guest, "phone", false, 1, 40, &g->phone, NULL, &inner) != 0))
        return buffr_fail(e, BUFFR_EVALIDATION, fields[which], "guest.%s", inner.message);
    if (!email_is_valid(g->email) || email_key(g->email, g->email_key, sizeof(g->email_key)) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "guest.email",
                          "guest.email must be an email address");
    return 0;
}

/* A room type id from a body; a malformed one is a validation error. */
static int room_type_arg(json_t *obj, const char *field, bool required, char out[UUID_BUF_SIZE],
                         buffr_err_t *e)
{
    const char *text = NULL;
    int rc = jsonx_string(obj, "room_type_id", required, 1, 64, &text, NULL, e);
    if (rc != 0) {
        if (e != NULL)
            snprintf(e->field, sizeof(e->field), "%s", field);
        return rc;
    }
    out[0] = '\0';
    if (text != NULL && uuid_normalize(text, out) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, field,
                          "room_type_id must be the id of a room type of this property");
    return 0;
}

/* ======================================================== booking core */

/* One room to book. */
typedef struct booking_item {
    char room_type_id[UUID_BUF_SIZE];
    int64_t guests;
    char id[UUID_BUF_SIZE]; /* the reservation's id, made once (kept across reruns) */
    char room_id[UUID_BUF_SIZE];
} booking_item_t;

typedef struct booking_work {
    const char *pid;
    int64_t check_in, check_out;
    guest_input_t guest;
    booking_item_t *items;
    size_t count;
    char group_id[UUID_BUF_SIZE]; /* "" for a single booking */
    bool room_taken;              /* a concurrent booking won a night: run again */
    buffr_err_t *e;
    resv_property_t prop;
    int64_t group_total;
    json_t *result;
    json_t *details; /* of a refusal */
} booking_work_t;

/* Find or create the tenant's guest profile for this email. */
static int guest_upsert(db_tx_t *tx, const guest_input_t *g, char guest_id[UUID_BUF_SIZE])
{
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    int64_t now = time_now();
    /* DO NOTHING: a returning guest keeps the name on file; concurrent
     * first bookings of one email end up with the same profile. */
    int rc =
        db_exec(tx,
                "INSERT INTO guests (tenant_id, id, first_name, last_name, email, email_key, "
                "phone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
                "ON CONFLICT (tenant_id, email_key) DO NOTHING",
                DB_ARGS(DB_TEXT(id), DB_TEXT(g->first_name), DB_TEXT(g->last_name),
                        DB_TEXT(g->email), DB_TEXT(g->email_key), DB_TEXT(g->phone), DB_INT(now)),
                NULL);
    if (rc != 0)
        return rc;
    if (g->phone != NULL) {
        rc = db_exec(tx,
                     "UPDATE guests SET phone = $3, updated_at = $4 WHERE tenant_id = $1 "
                     "AND email_key = $2 AND (phone IS NULL OR phone <> $3)",
                     DB_ARGS(DB_TEXT(g->email_key), DB_TEXT(g->phone), DB_INT(now)), NULL);
        if (rc != 0)
            return rc;
    }
    db_rows_t *rows;
    rc = db_query(tx, "SELECT id FROM guests WHERE tenant_id = $1 AND email_key = $2",
                  DB_ARGS(DB_TEXT(g->email_key)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1)
        snprintf(guest_id, UUID_BUF_SIZE, "%s", db_text(rows, 0));
    db_rows_free(rows);
    return rc == 1 ? 0 : (rc == 0 ? BUFFR_EDB : rc);
}

/* Refuse a stay its plan does not sell. */
static int booking_restriction(const resv_plan_t *p, int64_t in, int64_t out, buffr_err_t *e,
                               json_t **details)
{
    int64_t min_stay = 1;
    rate_restriction_t r = rate_stay_restriction(&p->plan, in, out, &min_stay);
    char day[DATE_BUF_SIZE];
    date_format(in, day);
    if (r == RATE_CLOSED_TO_ARRIVAL) {
        refusal_set(details, json_pack("{s:s, s:s}", "room_type_id", p->room_type_id, "reason",
                                       "closed_to_arrival"));
        return buffr_fail(e, BUFFR_ENOAVAIL, "check_in", "room type %s is closed to arrival on %s",
                          p->code, day);
    }
    if (r == RATE_MIN_STAY) {
        refusal_set(details, json_pack("{s:s, s:s, s:I}", "room_type_id", p->room_type_id, "reason",
                                       "min_stay", "min_stay", (json_int_t)min_stay));
        return buffr_fail(e, BUFFR_ENOAVAIL, "check_out",
                          "room type %s needs a stay of at least %lld nights from %s", p->code,
                          (long long)min_stay, day);
    }
    return 0;
}

/* What a stay costs at the current rates of its room type. */
typedef struct stay_quote {
    int64_t total, first_night;
    char code[40]; /* the room type's, for messages */
} stay_quote_t;

/* Price the stay [in, out) of a room type of the property for a party of
 * guests, refusing (explained in e and details) a type that is not the
 * property's (field names the input), too small, or, when restricted, one
 * whose plan does not sell the stay. */
static int stay_quote(db_tx_t *tx, const char *pid, const char *room_type_id, int64_t in,
                      int64_t out, int64_t guests, const char *field, bool restricted,
                      stay_quote_t *q, buffr_err_t *e, json_t **details)
{
    resv_plans_t plans = {0};
    int rc = resv_plans_load(tx, pid, room_type_id, in, out, false, &plans);
    const resv_plan_t *p = plans.count > 0 ? &plans.items[0] : NULL;
    if (rc == 0 && p == NULL)
        rc = buffr_fail(e, BUFFR_EVALIDATION, field,
                        "room_type_id does not name a room type of this property");
    else if (rc == 0 && p->capacity < guests)
        rc = buffr_fail(e, BUFFR_EVALIDATION, "guests",
                        "%lld guests do not fit room type %s (capacity %lld)", (long long)guests,
                        p->code, (long long)p->capacity);
    else if (rc == 0 && restricted)
        rc = booking_restriction(p, in, out, e, details);
    if (rc == 0) {
        rate_stay_price(&p->plan, in, out, &q->total, &q->first_night);
        snprintf(q->code, sizeof(q->code), "%s", p->code);
    }
    resv_plans_free(&plans);
    return rc;
}

/* The first room of the type (code) free on every night of [in, out), by
 * number; a refusal (sold out) when there is none. */
static int booking_pick_room(db_tx_t *tx, const char *pid, const char *room_type_id,
                             const char *code, int64_t in, int64_t out, char room_id[UUID_BUF_SIZE],
                             buffr_err_t *e, json_t **details)
{
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(in, first);
    date_format(out, end);
    db_rows_t *rows;
    int rc =
        db_query(tx,
                 "SELECT r.id FROM rooms r WHERE r.tenant_id = $1 AND r.property_id = $2 "
                 "AND r.room_type_id = $3 AND NOT EXISTS (SELECT 1 FROM room_nights n "
                 "WHERE n.room_id = r.id AND n.night >= $4 AND n.night < $5) "
                 "ORDER BY r.number LIMIT 1",
                 DB_ARGS(DB_TEXT(pid), DB_TEXT(room_type_id), DB_TEXT(first), DB_TEXT(end)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1)
        snprintf(room_id, UUID_BUF_SIZE, "%s", db_text(rows, 0));
    db_rows_free(rows);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    refusal_set(details,
                json_pack("{s:s, s:s}", "room_type_id", room_type_id, "reason", "sold_out"));
    return buffr_fail(e, BUFFR_ENOAVAIL, NULL,
                      "no room of type %s is free on every night from %s to %s", code, first, end);
}

/* Hold the nights [from, to) of room for reservation id. A night taken
 * meanwhile (a concurrent booking won it) sets *room_taken: booking_run
 * then runs the work again. */
static int nights_claim(db_tx_t *tx, const char *pid, const char *room_id, int64_t from, int64_t to,
                        const char *id, bool *room_taken)
{
    int rc = resv_nights_insert(tx, pid, room_id, from, to, id, NULL);
    if (rc == BUFFR_ECONFLICT)
        *room_taken = true;
    return rc;
}

/* Past arrivals are refused; yesterday stays allowed for guests arriving
 * after midnight. */
static int booking_not_past(const resv_property_t *prop, int64_t in, buffr_err_t *e)
{
    if (in < resv_today(prop) - 1)
        return buffr_fail(e, BUFFR_EVALIDATION, "check_in", "check_in is in the past");
    return 0;
}

/* How a booking is made, in one write transaction: the guest's profile,
 * then for each room its quote (type, party, restrictions, price), the
 * first room of the type free on every night, the reservation and its
 * nights. */
static int booking_in_tx(db_tx_t *tx, void *ctx)
{
    booking_work_t *w = ctx;
    w->room_taken = false;
    w->group_total = 0;
    int rc = resv_property_read(tx, w->pid, &w->prop);
    if (rc != 0)
        return rc;
    if ((rc = booking_not_past(&w->prop, w->check_in, w->e)) != 0)
        return rc;
    char guest_id[UUID_BUF_SIZE];
    if ((rc = guest_upsert(tx, &w->guest, guest_id)) != 0)
        return rc;
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(w->check_in, first);
    date_format(w->check_out, end);
    int64_t now = time_now();
    for (size_t i = 0; i < w->count && rc == 0; i++) {
        booking_item_t *item = &w->items[i];
        char field[48];
        if (w->group_id[0])
            snprintf(field, sizeof(field), "rooms[%zu].room_type_id", i);
        else
            snprintf(field, sizeof(field), "room_type_id");
        stay_quote_t q;
        if ((rc = stay_quote(tx, w->pid, item->room_type_id, w->check_in, w->check_out,
                             item->guests, field, true, &q, w->e, &w->details)) != 0 ||
            (rc = booking_pick_room(tx, w->pid, item->room_type_id, q.code, w->check_in,
                                    w->check_out, item->room_id, w->e, &w->details)) != 0)
            break;
        rc = db_exec(tx,
                     "INSERT INTO reservations (tenant_id, id, property_id, room_type_id, room_id, "
                     "guest_id, group_id, status, check_in, check_out, guests, total, "
                     "first_night_rate, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, "
                     "$5, $6, $7, 'confirmed', $8, $9, $10, $11, $12, $13, $14, $14)",
                     DB_ARGS(DB_TEXT(item->id), DB_TEXT(w->pid), DB_TEXT(item->room_type_id),
                             DB_TEXT(item->room_id), DB_TEXT(guest_id),
                             DB_TEXT(w->group_id[0] ? w->group_id : NULL), DB_TEXT(first),
                             DB_TEXT(end), DB_INT(item->guests), DB_INT(q.total),
                             DB_INT(q.first_night), DB_TEXT(w->prop.currency), DB_INT(now)),
                     NULL);
        if (rc == 0)
            rc = nights_claim(tx, w->pid, item->room_id, w->check_in, w->check_out, item->id,
                              &w->room_taken);
        w->group_total += q.total;
    }
    if (rc != 0)
        return rc;
    if (!w->group_id[0])
        return resv_read(tx, &reservation_entity, w->pid, w->items[0].id, &w->result);
    json_t *list = json_array();
    json_decref(w->result);
    w->result = json_pack("{s:s, s:s, s:s, s:I, s:s, s:o*}", "group_id", w->group_id, "check_in",
                          first, "check_out", end, "total", (json_int_t)w->group_total, "currency",
                          w->prop.currency, "reservations", list);
    if (w->result == NULL || list == NULL)
        return BUFFR_ENOMEM;
    for (size_t i = 0; i < w->count; i++) {
        json_t *one = NULL;
        if ((rc = resv_read(tx, &reservation_entity, w->pid, w->items[i].id, &one)) != 0)
            return rc;
        if (json_array_append_new(list, one) != 0)
            return BUFFR_ENOMEM;
    }
    return 0;
}

/* Run a booking-like unit of work until it no longer loses a room-night to
 * a concurrent transaction (PostgreSQL only; see the file comment). */
static int booking_run(app_t *app, const principal_t *who, db_work_fn work, void *ctx,
                       bool *room_taken, buffr_err_t *e, json_t **details)
{
    int rc = 0;
    for (int attempt = 0; attempt < BOOKING_MAX_ATTEMPTS; attempt++) {
        *room_taken = false;
        resv_err_reset(e);
        refusal_set(details, NULL);
        rc = db_transact(app->db, who->tenant_id, DB_WRITE, work, ctx);
        if (!(rc == BUFFR_ECONFLICT && *room_taken))
            return rc;
    }
    refusal_set(details, json_pack("{s:s}", "reason", "sold_out"));
    return buffr_fail(e, BUFFR_ENOAVAIL, NULL,
                      "the rooms were taken by concurrent bookings; search again");
}

static int booking_parse_stay(json_t *body, booking_work_t *w, buffr_err_t *e)
{
    const char *in = NULL, *out = NULL;
    int rc;
    if ((rc = jsonx_string(body, "check_in", true, 1, 10, &in, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "check_out", true, 1, 10, &out, NULL, e)) != 0 ||
        (rc = resv_stay_arg(in, out, &w->check_in, &w->check_out, e)) != 0)
        return rc;
    return guest_parse(body, &w->guest, e);
}

int reservation_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                       json_t **out, buffr_err_t *e)
{
    booking_item_t item = {0};
    booking_work_t w = {.pid = pid, .items = &item, .count = 1, .e = e};
    int rc;
    if ((rc = room_type_arg(body, "room_type_id", true, item.room_type_id, e)) != 0 ||
        (rc = booking_parse_stay(body, &w, e)) != 0 ||
        (rc = jsonx_int(body, "guests", true, 1, 50, &item.guests, NULL, e)) != 0)
        return rc;
    uuid_v7_new(item.id);
    rc = booking_run(app, who, booking_in_tx, &w, &w.room_taken, e, &w.details);
    if (rc == BUFFR_ENOAVAIL && w.details != NULL &&
        json_object_get(w.details, "room_type_id") == NULL)
        json_object_set_new(w.details, "room_type_id", json_string(item.room_type_id));
    return refusal_done(rc, w.result, w.details, out, e, "property", "book the room");
}

int reservation_create_group(app_t *app, const principal_t *who, const char *pid, json_t *body,
                             json_t **out, buffr_err_t *e)
{
    booking_work_t w = {.pid = pid, .e = e};
    int rc = booking_parse_stay(body, &w, e);
    if (rc != 0)
        return rc;
    json_t *rooms = json_object_get(body, "rooms");
    if (!json_is_array(rooms) || json_array_size(rooms) == 0 ||
        json_array_size(rooms) > GROUP_MAX_ROOMS)
        return buffr_fail(e, BUFFR_EVALIDATION, "rooms",
                          "rooms must list 1 to %d rooms as {\"room_type_id\", \"guests\"}",
                          GROUP_MAX_ROOMS);
    w.count = json_array_size(rooms);
    w.items = calloc(w.count, sizeof(*w.items));
    if (w.items == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    size_t i;
    json_t *room;
    json_array_foreach(rooms, i, room)
    {
        char field[48];
        snprintf(field, sizeof(field), "rooms[%zu].room_type_id", i);
        if (!json_is_object(room)) {
            rc = buffr_fail(e, BUFFR_EVALIDATION, "rooms", "rooms[%zu] must be an object", i);
            break;
        }
        if ((rc = room_type_arg(room, field, true, w.items[i].room_type_id, e)) != 0)
            break;
        if ((rc = jsonx_int(room, "guests", true, 1, 50, &w.items[i].guests, NULL, e)) != 0) {
            if (e != NULL)
                snprintf(e->field, sizeof(e->field), "rooms[%zu].guests", i);
            break;
        }
        uuid_v7_new(w.items[i].id);
    }
    if (rc == 0) {
        uuid_v7_new(w.group_id);
        rc = booking_run(app, who, booking_in_tx, &w, &w.room_taken, e, &w.details);
    }
    free(w.items);
    return refusal_done(rc, w.result, w.details, out, e, "property", "book the rooms");
}

/* ======================================================== reading */

int reservation_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                    json_t **out, buffr_err_t *e)
{
    return resv_get(app, who, &reservation_entity, pid, id, out, e);
}

/* A list query assembled from constant fragments; values are bound. */
typedef struct list_query {
    char sql[2048];
    size_t len;
    db_arg_t args[16];
    size_t nargs;                /* $2 is args[0] */
    char days[5][DATE_BUF_SIZE]; /* the dates bound */
    size_t ndays;
} list_query_t;

static void list_add(list_query_t *q, const char *fragment, db_arg_t arg)
{
    q->args[q->nargs] = arg;
    q->nargs++;
    /* fragment holds one %d: this argument's $ number. */
    q->len +=
        (size_t)snprintf(q->sql + q->len, sizeof(q->sql) - q->len, fragment, (int)q->nargs + 1);
}

static void list_add_day(list_query_t *q, const char *fragment, int64_t day)
{
    char *text = q->days[q->ndays++];
    date_format(day, text);
    list_add(q, fragment, DB_TEXT(text));
}

/* A date filter: text, the query value named field, checked (*day) and
 * bound in fragment. */
static int list_add_date(list_query_t *q, const char *fragment, const char *text, const char *field,
                         int64_t *day, buffr_err_t *e)
{
    int rc = resv_date_arg(text, field, day, e);
    if (rc == 0)
        list_add_day(q, fragment, *day);
    return rc;
}

int reservation_list(app_t *app, const principal_t *who, const char *pid,
                     const reservation_filter_t *f, json_t **out, buffr_err_t *e)
{
    int64_t day, from = 0;
    char room_id[UUID_BUF_SIZE];
    int rc = resv_cursor_check(f->cursor, e);
    if (rc != 0)
        return rc;
    list_query_t query = {.nargs = 2}, *q = &query;
    q->len = (size_t)snprintf(q->sql, sizeof(q->sql),
                              "SELECT " RESERVATION_COLUMNS
                              "WHERE s.tenant_id = $1 AND s.property_id = $2 AND s.id > $3");
    q->args[0] = DB_TEXT(pid);
    q->args[1] = DB_TEXT(f->cursor ? f->cursor : "");
    /* A day use (check_out = check_in) overlaps the day it was on. */
    if (f->from != NULL &&
        (rc = list_add_date(q, " AND (s.check_out > $%1$d OR s.check_in = $%1$d)", f->from, "from",
                            &from, e)) != 0)
        return rc;
    if (f->to != NULL) {
        if ((rc = list_add_date(q, " AND s.check_in < $%d", f->to, "to", &day, e)) != 0)
            return rc;
        if (f->from != NULL && day <= from)
            return buffr_fail(e, BUFFR_EVALIDATION, "to", "to must be after from");
        /* No stay is longer than RATE_MAX_NIGHTS: a lower bound on
         * check_in that lets the (property_id, check_in) index narrow. */
        if (f->from != NULL)
            list_add_day(q, " AND s.check_in >= $%d", from - RATE_MAX_NIGHTS);
    }
    if (f->status != NULL) {
        size_t i = 0;
        while (reservation_statuses[i] != NULL && strcmp(reservation_statuses[i], f->status) != 0)
            i++;
        if (reservation_statuses[i] == NULL)
            return buffr_fail(e, BUFFR_EVALIDATION, "status",
                              "status must be one of confirmed, checked_in, checked_out, "
                              "cancelled, no_show");
        list_add(q, " AND s.status = $%d", DB_TEXT(reservation_statuses[i]));
    }
    if (f->room_id != NULL) {
        if (uuid_normalize(f->room_id, room_id) != 0)
            return buffr_fail(e, BUFFR_EVALIDATION, "room_id", "room_id is not valid");
        list_add(q, " AND s.room_id = $%d", DB_TEXT(room_id));
    }
    if ((f->arrival != NULL &&
         (rc = list_add_date(q, " AND s.check_in = $%d", f->arrival, "arrival", &day, e)) != 0) ||
        (f->departure != NULL && (rc = list_add_date(q, " AND s.check_out = $%d", f->departure,
                                                     "departure", &day, e)) != 0))
        return rc;
    char *pattern = NULL;
    if (f->q != NULL && f->q[0] != '\0') {
        if (strlen(f->q) > 100)
            return buffr_fail(e, BUFFR_EVALIDATION, "q", "q is at most 100 bytes");
        pattern = resv_like_pattern(f->q);
        if (pattern == NULL)
            return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
        list_add(q,
                 " AND (g.email_key LIKE $%1$d ESCAPE '\\' OR "
                 "lower(g.first_name || ' ' || g.last_name) LIKE $%1$d ESCAPE '\\')",
                 DB_TEXT(pattern));
    }
    list_add(q, " ORDER BY s.id LIMIT $%d", DB_INT(f->limit + 1));
    rc = resv_list(app, who, pid, f->limit, q->sql, q->args, q->nargs, reservation_row_json,
                   "list reservations", out, e);
    free(pattern);
    return rc;
}

/* ======================================================== changes */

/* What a change needs to know of the reservation as it is. */
typedef struct reservation_state {
    char status[16];
    char room_id[UUID_BUF_SIZE], room_type_id[UUID_BUF_SIZE], room_number[21];
    char room_status[16], room_room_type_id[UUID_BUF_SIZE];
    int64_t check_in, check_out, guests, total, first_night, version;
} reservation_state_t;

static int state_read(db_tx_t *tx, const char *pid, const char *id, reservation_state_t *s)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT s.status, s.room_id, s.room_type_id, s.check_in, s.check_out, "
                      "s.guests, s.total, s.first_night_rate, s.version, m.number, m.status, "
                      "m.room_type_id FROM reservations s JOIN rooms m ON m.id = s.room_id "
                      "WHERE s.tenant_id = $1 AND s.property_id = $2 AND s.id = $3",
                      DB_ARGS(DB_TEXT(pid), DB_TEXT(id)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        snprintf(s->status, sizeof(s->status), "%s", db_text(rows, 0));
        snprintf(s->room_id, sizeof(s->room_id), "%s", db_text(rows, 1));
        snprintf(s->room_type_id, sizeof(s->room_type_id), "%s", db_text(rows, 2));
        date_parse(db_text(rows, 3), &s->check_in);
        date_parse(db_text(rows, 4), &s->check_out);
        s->guests = db_int(rows, 5);
        s->total = db_int(rows, 6);
        s->first_night = db_int(rows, 7);
        s->version = db_int(rows, 8);
        snprintf(s->room_number, sizeof(s->room_number), "%s", db_text(rows, 9));
        snprintf(s->room_status, sizeof(s->room_status), "%s", db_text(rows, 10));
        snprintf(s->room_room_type_id, sizeof(s->room_room_type_id), "%s", db_text(rows, 11));
        rc = 0;
    } else if (rc == 0) {
        rc = BUFFR_ENOTFOUND;
    }
    db_rows_free(rows);
    return rc;
}

static bool state_is(const reservation_state_t *s, const char *status)
{
    return strcmp(s->status, status) == 0;
}

typedef struct change_work change_work_t;

/* What a change does to the reservation as it is (s), once read at the
 * version asked: update_apply, act_apply or move_apply. */
typedef int change_apply_fn(db_tx_t *tx, change_work_t *w, const resv_property_t *prop,
                            const reservation_state_t *s);

struct change_work {
    const char *pid, *id;
    int64_t if_match;
    change_apply_fn *apply;
    reservation_action_t action;
    /* PATCH input (present flags) */
    bool has_check_in, has_check_out, has_room_type, has_guests;
    int64_t check_in, check_out, guests;
    char room_type_id[UUID_BUF_SIZE];
    char move_room_id[UUID_BUF_SIZE]; /* move target */
    bool room_taken;
    buffr_err_t *e;
    json_t *result;
    json_t *details; /* of a refusal */
};

/* Write the reservation's new fields, guarded by the version read. */
static int change_write(db_tx_t *tx, change_work_t *w, const reservation_state_t *s,
                        const char *status, const char *room_id, const char *room_type_id,
                        int64_t in, int64_t out, int64_t guests, int64_t total, int64_t first_night,
                        const int64_t *fee)
{
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(in, first);
    date_format(out, end);
    int64_t changed = 0;
    int rc = db_exec(tx,
                     "UPDATE reservations SET status = $4, room_id = $5, room_type_id = $6, "
                     "check_in = $7, check_out = $8, guests = $9, total = $10, "
                     "first_night_rate = $11, cancellation_fee = COALESCE(CAST($12 AS BIGINT), "
                     "cancellation_fee), updated_at = $13, version = version + 1 "
                     "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 AND version = $14",
                     DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(status), DB_TEXT(room_id),
                             DB_TEXT(room_type_id), DB_TEXT(first), DB_TEXT(end), DB_INT(guests),
                             DB_INT(total), DB_INT(first_night), fee ? DB_INT(*fee) : DB_NULL,
                             DB_INT(time_now()), DB_INT(s->version)),
                     &changed);
    if (rc != 0)
        return rc;
    if (changed == 0) /* a concurrent change won */
        return resv_stale(w->e, "the reservation was", s->version);
    return resv_read(tx, &reservation_entity, w->pid, w->id, &w->result);
}

/* Every change: read the property and the reservation, check If-Match
 * (when given) against its version, then apply the change. */
static int change_in_tx(db_tx_t *tx, void *ctx)
{
    change_work_t *w = ctx;
    w->room_taken = false;
    resv_property_t prop;
    reservation_state_t s;
    int rc = resv_property_read(tx, w->pid, &prop);
    if (rc != 0 || (rc = state_read(tx, w->pid, w->id, &s)) != 0)
        return rc;
    if (w->if_match >= 0 && w->if_match != s.version)
        return resv_stale(w->e, "the reservation was", s.version);
    return w->apply(tx, w, &prop, &s);
}

/* Run w's change (again when a concurrent booking took a night it needs)
 * and answer it. */
static int change_run(app_t *app, const principal_t *who, change_work_t *w, const char *action,
                      json_t **out)
{
    int rc = booking_run(app, who, change_in_tx, w, &w->room_taken, w->e, &w->details);
    return refusal_done(rc, w->result, w->details, out, w->e, "reservation", action);
}

static int nights_delete_from(db_tx_t *tx, const char *id, int64_t from)
{
    char first[DATE_BUF_SIZE];
    date_format(from, first);
    return db_exec(tx,
                   "DELETE FROM room_nights WHERE tenant_id = $1 AND reservation_id = $2 "
                   "AND night >= $3",
                   DB_ARGS(DB_TEXT(id), DB_TEXT(first)), NULL);
}

static int room_mark(db_tx_t *tx, const char *room_id, const char *status)
{
    return db_exec(tx,
                   "UPDATE rooms SET status = $3, updated_at = $4, version = version + 1 "
                   "WHERE tenant_id = $1 AND id = $2",
                   DB_ARGS(DB_TEXT(room_id), DB_TEXT(status), DB_INT(time_now())), NULL);
}

static int invalid_transition(change_work_t *w, const char *doing, const char *status)
{
    refusal_set(&w->details, json_pack("{s:s}", "status", status));
    return buffr_fail(w->e, BUFFR_ESTATE, NULL, "cannot %s a reservation that is %s", doing,
                      status);
}

/* A guest can only go into a room that is ready. */
static int room_not_ready(change_work_t *w, const char *room_id, const char *number,
                          const char *room_status, const char *why)
{
    refusal_set(&w->details, json_pack("{s:s, s:s, s:s}", "room_id", room_id, "room_number", number,
                                       "room_status", room_status));
    return buffr_fail(w->e, BUFFR_ESTATE, NULL, "room %s is %s; %s", number, room_status, why);
}

/* The one room a change needs holds a night of the stay already. */
static int room_not_free(change_work_t *w, const char *room_id, const char *field,
                         const char *message)
{
    refusal_set(&w->details,
                json_pack("{s:s, s:s}", "room_id", room_id, "reason", "room_not_free"));
    return buffr_fail(w->e, BUFFR_ENOAVAIL, field, "%s", message);
}

/* ---- PATCH ---- */

/* A confirmed stay: anything may change; its nights are released and
 * booked again (keeping the room when it is still free and of the type). */
static int update_confirmed(db_tx_t *tx, change_work_t *w, const reservation_state_t *s,
                            const resv_property_t *prop)
{
    int64_t in = w->has_check_in ? w->check_in : s->check_in;
    int64_t out = w->has_check_out ? w->check_out : s->check_out;
    int64_t guests = w->has_guests ? w->guests : s->guests;
    const char *type = w->has_room_type ? w->room_type_id : s->room_type_id;
    int rc;
    if ((rc = resv_stay_check(in, out, w->e)) != 0 ||
        (in != s->check_in && (rc = booking_not_past(prop, in, w->e)) != 0))
        return rc;
    bool dates_or_type =
        in != s->check_in || out != s->check_out || strcmp(type, s->room_type_id) != 0;
    stay_quote_t q;
    if ((rc = stay_quote(tx, w->pid, type, in, out, guests, "room_type_id", dates_or_type, &q, w->e,
                         &w->details)) != 0 ||
        (rc = nights_delete_from(tx, w->id, s->check_in)) != 0)
        return rc;
    char room_id[UUID_BUF_SIZE];
    bool keep = false;
    if (strcmp(s->room_room_type_id, type) == 0 &&
        (rc = resv_room_free(tx, s->room_id, in, out, &keep)) != 0)
        return rc;
    if (keep)
        snprintf(room_id, sizeof(room_id), "%s", s->room_id);
    else if ((rc = booking_pick_room(tx, w->pid, type, q.code, in, out, room_id, w->e,
                                     &w->details)) != 0)
        return rc;
    if ((rc = nights_claim(tx, w->pid, room_id, in, out, w->id, &w->room_taken)) != 0)
        return rc;
    return change_write(tx, w, s, "confirmed", room_id, type, in, out, guests, q.total,
                        q.first_night, NULL);
}

/* A stay in progress: only the departure date and the party may change,
 * in the room the guest is in. */
static int update_in_house(db_tx_t *tx, change_work_t *w, const reservation_state_t *s,
                           const resv_property_t *prop)
{
    if ((w->has_check_in && w->check_in != s->check_in) ||
        (w->has_room_type && strcmp(w->room_type_id, s->room_type_id) != 0))
        return buffr_fail(w->e, BUFFR_ESTATE, NULL,
                          "a stay in progress can only change check_out and guests; use move "
                          "to change rooms");
    int64_t out = w->has_check_out ? w->check_out : s->check_out;
    int64_t guests = w->has_guests ? w->guests : s->guests;
    int64_t today = resv_today(prop);
    if (out <= s->check_in || out < today)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "check_out",
                          "check_out must be after check_in and not before today");
    stay_quote_t q;
    int rc;
    if ((rc = resv_stay_check(s->check_in, out, w->e)) != 0 ||
        (rc = stay_quote(tx, w->pid, s->room_type_id, s->check_in, out, guests, "room_type_id",
                         false, &q, w->e, &w->details)) != 0)
        return rc;
    if (out > s->check_out) {
        bool free_nights = false;
        if ((rc = resv_room_free(tx, s->room_id, s->check_out, out, &free_nights)) != 0)
            return rc;
        if (!free_nights) {
            char message[120];
            snprintf(message, sizeof(message),
                     "room %s is not free for the extra nights; move the stay first",
                     s->room_number);
            return room_not_free(w, s->room_id, "check_out", message);
        }
        rc = nights_claim(tx, w->pid, s->room_id, s->check_out, out, w->id, &w->room_taken);
    } else if (out < s->check_out) {
        rc = nights_delete_from(tx, w->id, out);
    }
    if (rc != 0)
        return rc;
    return change_write(tx, w, s, "checked_in", s->room_id, s->room_type_id, s->check_in, out,
                        guests, q.total, q.first_night, NULL);
}

static int update_apply(db_tx_t *tx, change_work_t *w, const resv_property_t *prop,
                        const reservation_state_t *s)
{
    if (state_is(s, "confirmed"))
        return update_confirmed(tx, w, s, prop);
    if (state_is(s, "checked_in"))
        return update_in_house(tx, w, s, prop);
    return invalid_transition(w, "change", s->status);
}

int reservation_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                       json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    change_work_t w = {.pid = pid, .id = id, .if_match = if_match, .apply = update_apply, .e = e};
    const char *in = NULL, *outd = NULL;
    int rc;
    if ((rc = jsonx_string(body, "check_in", false, 1, 10, &in, &w.has_check_in, e)) != 0 ||
        (rc = jsonx_string(body, "check_out", false, 1, 10, &outd, &w.has_check_out, e)) != 0 ||
        (rc = jsonx_int(body, "guests", false, 1, 50, &w.guests, &w.has_guests, e)) != 0 ||
        (rc = room_type_arg(body, "room_type_id", false, w.room_type_id, e)) != 0)
        return rc;
    w.has_room_type = w.room_type_id[0] != '\0';
    if (in != NULL && (rc = resv_date_arg(in, "check_in", &w.check_in, e)) != 0)
        return rc;
    if (outd != NULL && (rc = resv_date_arg(outd, "check_out", &w.check_out, e)) != 0)
        return rc;
    if (!w.has_check_in && !w.has_check_out && !w.has_guests && !w.has_room_type)
        return buffr_fail(e, BUFFR_EVALIDATION, NULL,
                          "nothing to change: give check_in, check_out, room_type_id or guests");
    return change_run(app, who, &w, "change the reservation", out);
}

/* ---- state changes ---- */

static int act_apply(db_tx_t *tx, change_work_t *w, const resv_property_t *prop,
                     const reservation_state_t *s)
{
    int64_t today = resv_today(prop);
    char day[DATE_BUF_SIZE];
    int rc;
    switch (w->action) {
    case RESERVATION_CANCEL:
    case RESERVATION_NO_SHOW: {
        bool cancel = w->action == RESERVATION_CANCEL;
        if (!state_is(s, "confirmed"))
            return invalid_transition(w, cancel ? "cancel" : "record a no-show for", s->status);
        if (!cancel && today < s->check_in) {
            date_format(s->check_in, day);
            return buffr_fail(w->e, BUFFR_ESTATE, NULL,
                              "a no-show can be recorded from the arrival date (%s)", day);
        }
        resv_policy_t policy;
        if ((rc = resv_policy_read(tx, w->pid, &policy)) != 0)
            return rc;
        int64_t fee = rate_cancellation_fee(&policy.cancel, time_now(),
                                            resv_check_in_instant(prop, &policy, s->check_in),
                                            s->total, s->first_night);
        /* The nights go back on sale in the same transaction. */
        if ((rc = nights_delete_from(tx, w->id, s->check_in)) != 0)
            return rc;
        return change_write(tx, w, s, cancel ? "cancelled" : "no_show", s->room_id, s->room_type_id,
                            s->check_in, s->check_out, s->guests, s->total, s->first_night, &fee);
    }
    case RESERVATION_CHECK_IN:
        if (!state_is(s, "confirmed"))
            return invalid_transition(w, "check in", s->status);
        if (today < s->check_in || today >= s->check_out) {
            date_format(s->check_in, day);
            return buffr_fail(w->e, BUFFR_ESTATE, NULL,
                              "check-in is possible from the arrival date (%s) until the "
                              "departure date",
                              day);
        }
        if (strcmp(s->room_status, "clean") != 0 && strcmp(s->room_status, "inspected") != 0)
            return room_not_ready(w, s->room_id, s->room_number, s->room_status,
                                  "it must be clean or inspected before check-in (or move the "
                                  "stay to a ready room)");
        return change_write(tx, w, s, "checked_in", s->room_id, s->room_type_id, s->check_in,
                            s->check_out, s->guests, s->total, s->first_night, NULL);
    case RESERVATION_CHECK_OUT: {
        if (!state_is(s, "checked_in"))
            return invalid_transition(w, "check out", s->status);
        int64_t out = s->check_out;
        if (today < s->check_out) {
            /* Early departure: the nights from today go back on sale, and
             * check_out becomes the day the guest left. Leaving on the
             * arrival date (a day use) gives back tonight too: the stay
             * ends where it began, with no night, and its total stays as
             * booked, so the first night is still charged. */
            out = today > s->check_in ? today : s->check_in;
            if ((rc = nights_delete_from(tx, w->id, out)) != 0)
                return rc;
        }
        if ((rc = room_mark(tx, s->room_id, "dirty")) != 0)
            return rc;
        return change_write(tx, w, s, "checked_out", s->room_id, s->room_type_id, s->check_in, out,
                            s->guests, s->total, s->first_night, NULL);
    }
    }
    return BUFFR_EINVAL;
}

int reservation_act(app_t *app, const principal_t *who, const char *pid, const char *id,
                    reservation_action_t action, int64_t if_match, json_t **out, buffr_err_t *e)
{
    change_work_t w = {
        .pid = pid, .id = id, .if_match = if_match, .apply = act_apply, .action = action, .e = e};
    return change_run(app, who, &w, "change the reservation", out);
}

/* ---- move ---- */

static int move_apply(db_tx_t *tx, change_work_t *w, const resv_property_t *prop,
                      const reservation_state_t *s)
{
    bool in_house = state_is(s, "checked_in");
    if (!in_house && !state_is(s, "confirmed"))
        return invalid_transition(w, "move", s->status);
    if (strcmp(w->move_room_id, s->room_id) == 0)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "room_id", "the stay is already in room %s",
                          s->room_number);
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT m.room_type_id, m.status, m.number, t.capacity FROM rooms m "
                      "JOIN room_types t ON t.tenant_id = m.tenant_id AND t.id = m.room_type_id "
                      "WHERE m.tenant_id = $1 AND m.property_id = $2 AND m.id = $3",
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->move_room_id)), &rows);
    if (rc != 0)
        return rc;
    char type[UUID_BUF_SIZE] = "", status[16] = "", number[21] = "";
    int64_t capacity = 0;
    if ((rc = db_next(rows)) == 1) {
        snprintf(type, sizeof(type), "%s", db_text(rows, 0));
        snprintf(status, sizeof(status), "%s", db_text(rows, 1));
        snprintf(number, sizeof(number), "%s", db_text(rows, 2));
        capacity = db_int(rows, 3);
    }
    db_rows_free(rows);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "room_id",
                          "room_id does not name a room of this property");
    /* The stay takes the room's type: the party must fit it, as in a
     * booking or a PATCH (which would refuse the stay from then on). */
    if (capacity < s->guests)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "room_id",
                          "%lld guests do not fit room %s (capacity %lld)", (long long)s->guests,
                          number, (long long)capacity);
    /* A guest in the house moves for the nights left; a future stay moves
     * whole. */
    int64_t today = resv_today(prop);
    int64_t from = in_house && today > s->check_in ? today : s->check_in;
    if (from >= s->check_out)
        return buffr_fail(w->e, BUFFR_ESTATE, NULL, "no night of the stay is left to move");
    if (in_house && strcmp(status, "clean") != 0 && strcmp(status, "inspected") != 0)
        return room_not_ready(w, w->move_room_id, number, status,
                              "a guest can only move into a clean or inspected room");
    bool free_nights = false;
    if ((rc = resv_room_free(tx, w->move_room_id, from, s->check_out, &free_nights)) != 0)
        return rc;
    if (!free_nights) {
        char message[120];
        snprintf(message, sizeof(message), "room %s is not free for the rest of the stay", number);
        return room_not_free(w, w->move_room_id, "room_id", message);
    }
    char first[DATE_BUF_SIZE];
    date_format(from, first);
    rc = db_exec(tx,
                 "UPDATE room_nights SET room_id = $2 WHERE tenant_id = $1 AND reservation_id = $3 "
                 "AND night >= $4",
                 DB_ARGS(DB_TEXT(w->move_room_id), DB_TEXT(w->id), DB_TEXT(first)), NULL);
    if (rc == BUFFR_ECONFLICT)
        w->room_taken = true;
    if (rc != 0)
        return rc;
    if (in_house && (rc = room_mark(tx, s->room_id, "dirty")) != 0)
        return rc;
    return change_write(tx, w, s, s->status, w->move_room_id, type, s->check_in, s->check_out,
                        s->guests, s->total, s->first_night, NULL);
}

int reservation_move(app_t *app, const principal_t *who, const char *pid, const char *id,
                     json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    change_work_t w = {.pid = pid, .id = id, .if_match = if_match, .apply = move_apply, .e = e};
    const char *room = NULL;
    int rc = jsonx_string(body, "room_id", true, 1, 64, &room, NULL, e);
    if (rc != 0)
        return rc;
    if (uuid_normalize(room, w.move_room_id) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "room_id",
                          "room_id does not name a room of this property");
    return change_run(app, who, &w, "move the stay", out);
}
