/*
 * availability.c - what can be sold: the availability search for one stay
 * and the calendar of free rooms and rates per night.
 *
 * Both price through rates.c with the plans loaded by plans.c, the same
 * code booking uses, so a total shown here is the total booked. A room type
 * whose stay breaks a restriction (minimum stay, closed to arrival) is
 * still listed, with "available": 0 and "restriction" naming the rule, so a
 * client can say why.
 */
#include "reservations/reservations.h"
#include "reservations/internal.h"

#include <stdlib.h>
#include <string.h>

/* What both read: the property and its plans for the nights [from, to). */
typedef struct window_work {
    const char *pid;
    int64_t from, to;
    resv_property_t prop;
    resv_plans_t plans;
    int64_t *taken; /* calendar: [type index * nights + night offset] rooms occupied */
} window_work_t;

/* Load w's property and plans; count_free: with the rooms free on every
 * night (the search). */
static int window_load(db_tx_t *tx, window_work_t *w, bool count_free)
{
    int rc = resv_property_read(tx, w->pid, &w->prop);
    if (rc != 0)
        return rc;
    return resv_plans_load(tx, w->pid, NULL, w->from, w->to, count_free, &w->plans);
}

static int availability_in_tx(db_tx_t *tx, void *ctx)
{
    return window_load(tx, ctx, true);
}

static int guests_arg(const char *text, int64_t *guests, buffr_err_t *e)
{
    if (text == NULL || text[0] == '\0')
        return buffr_fail(e, BUFFR_EVALIDATION, "guests", "guests is required (1 to 50)");
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (*end != '\0' || v < 1 || v > 50 || text[0] == '+' || text[0] == ' ')
        return buffr_fail(e, BUFFR_EVALIDATION, "guests", "guests must be a number from 1 to 50");
    *guests = v;
    return 0;
}

int availability_search(app_t *app, const principal_t *who, const char *pid, const char *check_in,
                        const char *check_out, const char *guests, json_t **out, buffr_err_t *e)
{
    window_work_t w = {.pid = pid};
    int64_t party = 0;
    int rc;
    if ((rc = resv_stay_arg(check_in, check_out, &w.from, &w.to, e)) != 0 ||
        (rc = guests_arg(guests, &party, e)) != 0)
        return rc;
    rc = db_transact(app->db, who->tenant_id, DB_READ, availability_in_tx, &w);
    if (rc != 0) {
        resv_plans_free(&w.plans);
        return resv_done(rc, NULL, out, e, "property", "search availability");
    }
    json_t *data = json_array();
    for (size_t i = 0; data != NULL && i < w.plans.count; i++) {
        const resv_plan_t *p = &w.plans.items[i];
        if (p->capacity < party)
            continue;
        int64_t total = 0, min_stay = 1;
        rate_stay_price(&p->plan, w.from, w.to, &total, NULL);
        rate_restriction_t restriction = rate_stay_restriction(&p->plan, w.from, w.to, &min_stay);
        const char *why = rate_restriction_name(restriction);
        json_t *item = json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:I, s:I, s:o*}", "room_type_id", p->room_type_id,
            "name", p->name, "code", p->code, "capacity", (json_int_t)p->capacity, "available",
            (json_int_t)(why ? 0 : p->free_rooms), "total", (json_int_t)total, "currency",
            w.prop.currency, "nights", (json_int_t)(w.to - w.from), "min_stay",
            (json_int_t)min_stay, "restriction", why ? json_string(why) : json_null());
        if (item == NULL || json_array_append_new(data, item) != 0) {
            json_decref(data);
            data = NULL;
        }
    }
    resv_plans_free(&w.plans);
    *out = data ? json_pack("{s:o}", "data", data) : NULL;
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

/* ---- calendar ---- */

static int calendar_in_tx(db_tx_t *tx, void *ctx)
{
    window_work_t *w = ctx;
    int rc = window_load(tx, w, false);
    if (rc != 0)
        return rc;
    size_t nights = (size_t)(w->to - w->from);
    free(w->taken);
    w->taken = calloc(w->plans.count * nights + 1, sizeof(*w->taken));
    if (w->taken == NULL)
        return BUFFR_ENOMEM;
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(w->from, first);
    date_format(w->to, end);
    db_rows_t *rows;
    rc = db_query(tx,
                  "SELECT r.room_type_id, n.night, COUNT(*) FROM room_nights n "
                  "JOIN rooms r ON r.id = n.room_id WHERE n.tenant_id = $1 "
                  "AND n.property_id = $2 AND n.night >= $3 AND n.night < $4 "
                  "GROUP BY r.room_type_id, n.night",
                  DB_ARGS(DB_TEXT(w->pid), DB_TEXT(first), DB_TEXT(end)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        int64_t night;
        if (date_parse(db_text(rows, 1), &night) != 0 || night < w->from || night >= w->to)
            continue;
        for (size_t t = 0; t < w->plans.count; t++) {
            if (strcmp(w->plans.items[t].room_type_id, db_text(rows, 0)) == 0) {
                w->taken[t * nights + (size_t)(night - w->from)] = db_int(rows, 2);
                break;
            }
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

static json_t *calendar_render(const window_work_t *w)
{
    size_t nights = (size_t)(w->to - w->from);
    json_t *types = json_array();
    for (size_t t = 0; types != NULL && t < w->plans.count; t++) {
        const resv_plan_t *p = &w->plans.items[t];
        json_t *days = json_array();
        json_t *type =
            json_pack("{s:s, s:s, s:s, s:I, s:I, s:o*}", "room_type_id", p->room_type_id, "name",
                      p->name, "code", p->code, "capacity", (json_int_t)p->capacity, "total_rooms",
                      (json_int_t)p->total_rooms, "nights", days);
        if (type == NULL || json_array_append_new(types, type) != 0 || days == NULL) {
            json_decref(types);
            return NULL;
        }
        for (size_t n = 0; n < nights; n++) {
            int64_t night = w->from + (int64_t)n;
            char date[DATE_BUF_SIZE];
            date_format(night, date);
            int64_t free_rooms = p->total_rooms - w->taken[t * nights + n];
            int64_t min_stay = 1;
            rate_restriction_t r = rate_stay_restriction(&p->plan, night, night + 1, &min_stay);
            json_t *day =
                json_pack("{s:s, s:I, s:I, s:I, s:b}", "date", date, "available",
                          (json_int_t)(free_rooms < 0 ? 0 : free_rooms), "rate",
                          (json_int_t)rate_night(&p->plan, night), "min_stay", (json_int_t)min_stay,
                          "closed_to_arrival", r == RATE_CLOSED_TO_ARRIVAL);
            if (day == NULL || json_array_append_new(days, day) != 0) {
                json_decref(types);
                return NULL;
            }
        }
    }
    if (types == NULL)
        return NULL;
    char from[DATE_BUF_SIZE], to[DATE_BUF_SIZE];
    date_format(w->from, from);
    date_format(w->to, to);
    return json_pack("{s:s, s:s, s:s, s:o}", "from", from, "to", to, "currency", w->prop.currency,
                     "room_types", types);
}

int calendar_get(app_t *app, const principal_t *who, const char *pid, const char *from,
                 const char *to, json_t **out, buffr_err_t *e)
{
    window_work_t w = {.pid = pid};
    int rc;
    if ((rc = resv_date_arg(from, "from", &w.from, e)) != 0 ||
        (rc = resv_date_arg(to, "to", &w.to, e)) != 0)
        return rc;
    if (w.to <= w.from)
        return buffr_fail(e, BUFFR_EVALIDATION, "to", "to must be after from");
    if (w.to - w.from > RATE_MAX_NIGHTS)
        return buffr_fail(e, BUFFR_EVALIDATION, "to", "a calendar covers at most %d nights",
                          RATE_MAX_NIGHTS);
    rc = db_transact(app->db, who->tenant_id, DB_READ, calendar_in_tx, &w);
    json_t *result = rc == 0 ? calendar_render(&w) : NULL;
    if (rc == 0 && result == NULL)
        rc = BUFFR_ENOMEM;
    resv_plans_free(&w.plans);
    free(w.taken);
    return resv_done(rc, result, out, e, "property", "build the calendar");
}
