/*
 * plans.c - rate plans: loading a property's plans for a window of nights
 * (for availability, booking, modification and the calendar, which then
 * price through rates.c), and reading or replacing one room type's plan,
 * or adding or removing one of its seasons, through the API.
 *
 * A room type's plan is its base rate, its weekday rates (columns of
 * room_types), its minimum stay, its seasons (rate_seasons: [from, to) date
 * ranges with their own rate and optional minimum stay; never overlapping)
 * and its closed-to-arrival dates (rate_closed_arrivals).
 */
#include "reservations/reservations.h"
#include "reservations/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"

#define PLAN_MAX_SEASONS 200
#define PLAN_MAX_CLOSED  1000

#define PLAN_TYPE_COLUMNS                                                                          \
    "t.id, t.name, t.code, t.capacity, t.base_rate, t.min_stay, t.rate_monday, t.rate_tuesday, "   \
    "t.rate_wednesday, t.rate_thursday, t.rate_friday, t.rate_saturday, t.rate_sunday, "           \
    "(SELECT COUNT(*) FROM rooms c WHERE c.tenant_id = $1 AND c.room_type_id = t.id)"

/* Free rooms of the type on every night of [$3, $4): the NOT EXISTS is an
 * index range probe of room_nights (room_id, night) per room. */
#define PLAN_FREE_COLUMN                                                                           \
    ", (SELECT COUNT(*) FROM rooms r WHERE r.tenant_id = $1 AND r.room_type_id = t.id AND NOT "    \
    "EXISTS (SELECT 1 FROM room_nights n WHERE n.room_id = r.id AND n.night >= $3 "                \
    "AND n.night < $4))"

void resv_plans_free(resv_plans_t *plans)
{
    for (size_t i = 0; i < plans->count; i++) {
        free(plans->items[i].name);
        free(plans->items[i].code);
        free(plans->items[i].seasons);
        free(plans->items[i].closed);
    }
    free(plans->items);
    plans->items = NULL;
    plans->count = 0;
}

static resv_plan_t *plans_find(resv_plans_t *plans, const char *room_type_id)
{
    for (size_t i = 0; i < plans->count; i++)
        if (strcmp(plans->items[i].room_type_id, room_type_id) == 0)
            return &plans->items[i];
    return NULL;
}

static int plans_load_types(db_tx_t *tx, const char *pid, const char *room_type_id,
                            const char *first, const char *end, bool count_free, resv_plans_t *out)
{
    static const char all_sql[] = "SELECT " PLAN_TYPE_COLUMNS " FROM room_types t "
                                  "WHERE t.tenant_id = $1 AND t.property_id = $2 "
                                  "ORDER BY t.code, t.id";
    static const char all_free_sql[] =
        "SELECT " PLAN_TYPE_COLUMNS PLAN_FREE_COLUMN " FROM room_types t WHERE t.tenant_id = $1 "
        "AND t.property_id = $2 ORDER BY t.code, t.id";
    static const char one_sql[] = "SELECT " PLAN_TYPE_COLUMNS " FROM room_types t "
                                  "WHERE t.tenant_id = $1 AND t.property_id = $2 AND t.id = $3";
    static const char one_free_sql[] =
        "SELECT " PLAN_TYPE_COLUMNS PLAN_FREE_COLUMN " FROM room_types t WHERE t.tenant_id = $1 "
        "AND t.property_id = $2 AND t.id = $5";
    db_rows_t *rows;
    int rc;
    if (room_type_id == NULL && count_free)
        rc = db_query(tx, all_free_sql, DB_ARGS(DB_TEXT(pid), DB_TEXT(first), DB_TEXT(end)), &rows);
    else if (room_type_id == NULL)
        rc = db_query(tx, all_sql, DB_ARGS(DB_TEXT(pid)), &rows);
    else if (count_free)
        rc = db_query(tx, one_free_sql,
                      DB_ARGS(DB_TEXT(pid), DB_TEXT(first), DB_TEXT(end), DB_TEXT(room_type_id)),
                      &rows);
    else
        rc = db_query(tx, one_sql, DB_ARGS(DB_TEXT(pid), DB_TEXT(room_type_id)), &rows);
    if (rc != 0)
        return rc;
    size_t cap = 0;
    while ((rc = db_next(rows)) == 1) {
        resv_plan_t *items = resv_grow(out->items, out->count, &cap, sizeof(*items), 8);
        if (items == NULL) {
            rc = BUFFR_ENOMEM;
            break;
        }
        out->items = items;
        resv_plan_t *p = &out->items[out->count];
        memset(p, 0, sizeof(*p));
        out->count++;
        snprintf(p->room_type_id, sizeof(p->room_type_id), "%s", db_text(rows, 0));
        p->name = strdup(db_text(rows, 1));
        p->code = strdup(db_text(rows, 2));
        if (p->name == NULL || p->code == NULL) {
            rc = BUFFR_ENOMEM;
            break;
        }
        p->capacity = db_int(rows, 3);
        rate_plan_init(&p->plan, db_int(rows, 4));
        p->plan.min_stay = db_int(rows, 5);
        for (int d = 0; d < 7; d++)
            p->plan.weekday_rate[d] = db_is_null(rows, 6 + d) ? RATE_NONE : db_int(rows, 6 + d);
        p->total_rooms = db_int(rows, 13);
        p->free_rooms = count_free ? db_int(rows, 14) : 0;
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

/* The seasons touching [first, end) of the property's types, or of the one
 * type room_type_id (a booking's quote: not every type's seasons). */
static int plans_load_seasons(db_tx_t *tx, const char *pid, const char *room_type_id,
                              const char *first, const char *end, resv_plans_t *out)
{
    db_rows_t *rows;
    int rc =
        room_type_id == NULL
            ? db_query(tx,
                       "SELECT room_type_id, start_date, end_date, rate, min_stay "
                       "FROM rate_seasons WHERE tenant_id = $1 AND property_id = $2 "
                       "AND end_date > $3 AND start_date < $4",
                       DB_ARGS(DB_TEXT(pid), DB_TEXT(first), DB_TEXT(end)), &rows)
            : db_query(tx,
                       "SELECT room_type_id, start_date, end_date, rate, min_stay "
                       "FROM rate_seasons WHERE tenant_id = $1 AND property_id = $2 "
                       "AND room_type_id = $5 AND end_date > $3 AND start_date < $4",
                       DB_ARGS(DB_TEXT(pid), DB_TEXT(first), DB_TEXT(end), DB_TEXT(room_type_id)),
                       &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        resv_plan_t *p = plans_find(out, db_text(rows, 0));
        if (p == NULL)
            continue; /* a type not asked for */
        rate_season_t s = {.rate = db_int(rows, 3),
                           .min_stay = db_is_null(rows, 4) ? 0 : db_int(rows, 4)};
        if (date_parse(db_text(rows, 1), &s.first_night) != 0 ||
            date_parse(db_text(rows, 2), &s.end_night) != 0)
            continue; /* the CHECKs keep this from happening */
        rate_season_t *seasons =
            resv_grow(p->seasons, p->plan.season_count, &p->season_cap, sizeof(*seasons), 4);
        if (seasons == NULL) {
            rc = BUFFR_ENOMEM;
            break;
        }
        p->seasons = seasons;
        p->seasons[p->plan.season_count++] = s;
        p->plan.seasons = p->seasons;
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

/* The closed-to-arrival dates in [first, end), as plans_load_seasons. */
static int plans_load_closed(db_tx_t *tx, const char *pid, const char *room_type_id,
                             const char *first, const char *end, resv_plans_t *out)
{
    db_rows_t *rows;
    int rc =
        room_type_id == NULL
            ? db_query(tx,
                       "SELECT room_type_id, day FROM rate_closed_arrivals "
                       "WHERE tenant_id = $1 AND property_id = $2 AND day >= $3 AND day < $4",
                       DB_ARGS(DB_TEXT(pid), DB_TEXT(first), DB_TEXT(end)), &rows)
            : db_query(tx,
                       "SELECT room_type_id, day FROM rate_closed_arrivals "
                       "WHERE tenant_id = $1 AND property_id = $2 AND room_type_id = $5 "
                       "AND day >= $3 AND day < $4",
                       DB_ARGS(DB_TEXT(pid), DB_TEXT(first), DB_TEXT(end), DB_TEXT(room_type_id)),
                       &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        resv_plan_t *p = plans_find(out, db_text(rows, 0));
        int64_t day;
        if (p == NULL || date_parse(db_text(rows, 1), &day) != 0)
            continue;
        int64_t *closed =
            resv_grow(p->closed, p->plan.closed_count, &p->closed_cap, sizeof(*closed), 4);
        if (closed == NULL) {
            rc = BUFFR_ENOMEM;
            break;
        }
        p->closed = closed;
        p->closed[p->plan.closed_count++] = day;
        p->plan.closed_arrivals = p->closed;
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int resv_plans_load(db_tx_t *tx, const char *pid, const char *room_type_id, int64_t from,
                    int64_t to, bool count_free, resv_plans_t *out)
{
    resv_plans_free(out);
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(from, first);
    date_format(to, end);
    int rc = plans_load_types(tx, pid, room_type_id, first, end, count_free, out);
    if (rc == 0 && out->count > 0)
        rc = plans_load_seasons(tx, pid, room_type_id, first, end, out);
    if (rc == 0 && out->count > 0)
        rc = plans_load_closed(tx, pid, room_type_id, first, end, out);
    return rc;
}

/* ---- the API's view of one plan ---- */

typedef struct plan_season {
    rate_season_t season;
    const char *name; /* borrowed from the request body */
} plan_season_t;

typedef struct plan_work {
    const char *pid, *tid;
    int64_t if_match;
    /* validated input of a PUT */
    bool has_base_rate, has_min_stay;
    int64_t base_rate, min_stay;
    int64_t weekday[7];
    plan_season_t *seasons;
    size_t season_count;
    int64_t *closed;
    size_t closed_count;
    buffr_err_t *e;
    json_t *result;
} plan_work_t;

static int plan_read(db_tx_t *tx, plan_work_t *w)
{
    resv_property_t prop;
    int rc = resv_property_read(tx, w->pid, &prop);
    if (rc != 0)
        return rc;
    db_rows_t *rows;
    rc = db_query(tx,
                  "SELECT base_rate, min_stay, rate_monday, rate_tuesday, rate_wednesday, "
                  "rate_thursday, rate_friday, rate_saturday, rate_sunday, version "
                  "FROM room_types WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
                  DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->tid)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc != 1) {
        db_rows_free(rows);
        return rc == 0 ? BUFFR_ENOTFOUND : rc;
    }
    json_t *weekdays = json_object();
    json_t *plan = json_pack("{s:s, s:s, s:I, s:I, s:o*, s:I}", "room_type_id", w->tid, "currency",
                             prop.currency, "base_rate", (json_int_t)db_int(rows, 0), "min_stay",
                             (json_int_t)db_int(rows, 1), "weekday_rates", weekdays, "version",
                             (json_int_t)db_int(rows, 9));
    for (int d = 0; weekdays != NULL && d < 7; d++)
        if (!db_is_null(rows, 2 + d))
            json_object_set_new(weekdays, weekday_name(d), json_integer(db_int(rows, 2 + d)));
    db_rows_free(rows);
    if (plan == NULL)
        return BUFFR_ENOMEM;
    json_decref(w->result);
    w->result = plan;

    json_t *seasons = json_array();
    json_t *closed = json_array();
    if (json_object_set_new(plan, "seasons", seasons) != 0 ||
        json_object_set_new(plan, "closed_to_arrival", closed) != 0)
        return BUFFR_ENOMEM;
    rc = db_query(tx,
                  "SELECT id, name, start_date, end_date, rate, min_stay FROM rate_seasons "
                  "WHERE tenant_id = $1 AND room_type_id = $2 ORDER BY start_date",
                  DB_ARGS(DB_TEXT(w->tid)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "id", db_text(rows, 0), "name",
                              db_text(rows, 1), "from", db_text(rows, 2), "to", db_text(rows, 3),
                              "rate", (json_int_t)db_int(rows, 4), "min_stay",
                              db_is_null(rows, 5) ? json_null() : json_integer(db_int(rows, 5)));
        if (s == NULL || json_array_append_new(seasons, s) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    if (rc < 0)
        return rc;
    rc = db_query(tx,
                  "SELECT day FROM rate_closed_arrivals WHERE tenant_id = $1 AND room_type_id = $2 "
                  "ORDER BY day",
                  DB_ARGS(DB_TEXT(w->tid)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1)
        if (json_array_append_new(closed, json_string(db_text(rows, 0))) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

/* A guarded change of the room type that changed nothing: BUFFR_ENOTFOUND,
 * or a stale If-Match (409 naming the current version). */
static int plan_stale(db_tx_t *tx, plan_work_t *w)
{
    int rc = plan_read(tx, w);
    return rc != 0 ? rc : resv_stale(w->e, "the room type was", resv_version(w->result));
}

static int plan_get_in_tx(db_tx_t *tx, void *ctx)
{
    return plan_read(tx, ctx);
}

int rate_plan_get(app_t *app, const principal_t *who, const char *pid, const char *tid,
                  json_t **out, buffr_err_t *e)
{
    plan_work_t w = {.pid = pid, .tid = tid, .e = e};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, plan_get_in_tx, &w);
    return resv_done(rc, w.result, out, e, "room type", "read the rate plan");
}

/* Insert a checked season of w's room type; id gets its new id. */
static int season_insert(db_tx_t *tx, const plan_work_t *w, const plan_season_t *season,
                         char id[UUID_BUF_SIZE])
{
    const rate_season_t *s = &season->season;
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    uuid_v7_new(id);
    date_format(s->first_night, first);
    date_format(s->end_night, end);
    return db_exec(tx,
                   "INSERT INTO rate_seasons (tenant_id, id, property_id, room_type_id, name, "
                   "start_date, end_date, rate, min_stay) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                   "$8, $9)",
                   DB_ARGS(DB_TEXT(id), DB_TEXT(w->pid), DB_TEXT(w->tid), DB_TEXT(season->name),
                           DB_TEXT(first), DB_TEXT(end), DB_INT(s->rate),
                           s->min_stay > 0 ? DB_INT(s->min_stay) : DB_NULL),
                   NULL);
}

static int plan_put_in_tx(db_tx_t *tx, void *ctx)
{
    plan_work_t *w = ctx;
    db_arg_t args[11];
    args[0] = DB_TEXT(w->pid);
    args[1] = DB_TEXT(w->tid);
    args[2] = w->has_base_rate ? DB_INT(w->base_rate) : DB_NULL;
    args[3] = w->has_min_stay ? DB_INT(w->min_stay) : DB_NULL;
    for (int d = 0; d < 7; d++)
        args[4 + d] = w->weekday[d] == RATE_NONE ? DB_NULL : DB_INT(w->weekday[d]);
    int64_t changed = 0;
    int rc = db_exec(tx,
                     "UPDATE room_types SET base_rate = COALESCE(CAST($4 AS BIGINT), base_rate), "
                     "min_stay = COALESCE(CAST($5 AS BIGINT), min_stay), "
                     "rate_monday = CAST($6 AS BIGINT), rate_tuesday = CAST($7 AS BIGINT), "
                     "rate_wednesday = CAST($8 AS BIGINT), rate_thursday = CAST($9 AS BIGINT), "
                     "rate_friday = CAST($10 AS BIGINT), rate_saturday = CAST($11 AS BIGINT), "
                     "rate_sunday = CAST($12 AS BIGINT), updated_at = $13, "
                     "version = version + 1 WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                     "AND ($14 < 0 OR version = $14)",
                     DB_ARGS(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7],
                             args[8], args[9], args[10], DB_INT(time_now()), DB_INT(w->if_match)),
                     &changed);
    if (rc != 0)
        return rc;
    if (changed == 0) /* not found, or a stale If-Match */
        return plan_stale(tx, w);
    if ((rc = db_exec(tx, "DELETE FROM rate_seasons WHERE tenant_id = $1 AND room_type_id = $2",
                      DB_ARGS(DB_TEXT(w->tid)), NULL)) != 0 ||
        (rc = db_exec(tx,
                      "DELETE FROM rate_closed_arrivals WHERE tenant_id = $1 AND room_type_id = $2",
                      DB_ARGS(DB_TEXT(w->tid)), NULL)) != 0)
        return rc;
    for (size_t i = 0; i < w->season_count; i++) {
        char id[UUID_BUF_SIZE];
        if ((rc = season_insert(tx, w, &w->seasons[i], id)) != 0)
            return rc;
    }
    for (size_t i = 0; i < w->closed_count; i++) {
        char day[DATE_BUF_SIZE];
        date_format(w->closed[i], day);
        rc = db_exec(tx,
                     "INSERT INTO rate_closed_arrivals (tenant_id, property_id, room_type_id, day) "
                     "VALUES ($1, $2, $3, $4)",
                     DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->tid), DB_TEXT(day)), NULL);
        if (rc != 0)
            return rc;
    }
    return plan_read(tx, w);
}

static int season_compare(const void *a, const void *b)
{
    const plan_season_t *x = a, *y = b;
    return (x->season.first_night > y->season.first_night) -
           (x->season.first_night < y->season.first_night);
}

static int int64_compare(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Check one season {"from", "to", "rate", "name", "min_stay"}; e names the
 * offending key. The name is borrowed from s. */
static int season_parse(json_t *s, plan_season_t *out, buffr_err_t *e)
{
    const char *from = NULL, *to = NULL;
    rate_season_t *season = &out->season;
    memset(out, 0, sizeof(*out));
    out->name = "";
    int rc;
    if (!json_is_object(s))
        return buffr_fail(e, BUFFR_EVALIDATION, NULL, "a season must be an object");
    if ((rc = jsonx_string(s, "from", true, 1, 10, &from, NULL, e)) != 0 ||
        (rc = jsonx_string(s, "to", true, 1, 10, &to, NULL, e)) != 0 ||
        (rc = jsonx_string(s, "name", false, 0, 100, &out->name, NULL, e)) != 0 ||
        (rc = jsonx_int(s, "rate", true, 0, RATE_MAX_AMOUNT, &season->rate, NULL, e)) != 0 ||
        (rc = jsonx_int(s, "min_stay", false, 1, RATE_MAX_NIGHTS, &season->min_stay, NULL, e)) != 0)
        return rc;
    if (date_parse(from, &season->first_night) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "from", "from must be a date as YYYY-MM-DD");
    if (date_parse(to, &season->end_night) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "to",
                          "to must be a date as YYYY-MM-DD (the first night not included)");
    if (season->end_night <= season->first_night)
        return buffr_fail(e, BUFFR_EVALIDATION, "to", "to must be after from");
    return 0;
}

/* Check a PUT body into w (arrays malloc'ed into w; freed by the caller). */
static int plan_parse(json_t *body, plan_work_t *w, buffr_err_t *e)
{
    int rc;
    if ((rc = jsonx_int(body, "base_rate", false, 0, RATE_MAX_AMOUNT, &w->base_rate,
                        &w->has_base_rate, e)) != 0 ||
        (rc = jsonx_int(body, "min_stay", false, 1, RATE_MAX_NIGHTS, &w->min_stay, &w->has_min_stay,
                        e)) != 0)
        return rc;
    for (int d = 0; d < 7; d++)
        w->weekday[d] = RATE_NONE;
    json_t *weekdays = json_object_get(body, "weekday_rates");
    if (weekdays != NULL && !json_is_null(weekdays)) {
        if (!json_is_object(weekdays))
            return buffr_fail(e, BUFFR_EVALIDATION, "weekday_rates",
                              "weekday_rates must be an object such as {\"friday\": 12000}");
        const char *key;
        json_t *value;
        unsigned seen = 0; /* "fri" and "friday" are one day: once only */
        json_object_foreach(weekdays, key, value)
        {
            int d = weekday_parse(key);
            if (d < 0)
                return buffr_fail(e, BUFFR_EVALIDATION, "weekday_rates",
                                  "weekday_rates keys are monday ... sunday (or mon ... sun), "
                                  "not \"%.40s\"",
                                  key);
            if (seen & (1u << d))
                return buffr_fail(e, BUFFR_EVALIDATION, "weekday_rates",
                                  "weekday_rates names %s twice", weekday_name(d));
            seen |= 1u << d;
            if (json_is_null(value))
                continue;
            if (!json_is_integer(value) || json_integer_value(value) < 0 ||
                json_integer_value(value) > RATE_MAX_AMOUNT)
                return buffr_fail(e, BUFFR_EVALIDATION, "weekday_rates",
                                  "weekday_rates.%s must be an amount in minor units", key);
            w->weekday[d] = json_integer_value(value);
        }
    }

    json_t *seasons = json_object_get(body, "seasons");
    if (seasons != NULL && !json_is_null(seasons)) {
        if (!json_is_array(seasons) || json_array_size(seasons) > PLAN_MAX_SEASONS)
            return buffr_fail(e, BUFFR_EVALIDATION, "seasons",
                              "seasons must be a list of at most %d date ranges", PLAN_MAX_SEASONS);
        size_t n = json_array_size(seasons);
        w->seasons = calloc(n ? n : 1, sizeof(*w->seasons));
        if (w->seasons == NULL)
            return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
        size_t i;
        json_t *s;
        json_array_foreach(seasons, i, s)
        {
            buffr_err_t inner = {0};
            if (season_parse(s, &w->seasons[i], &inner) != 0)
                return buffr_fail(e, BUFFR_EVALIDATION, "seasons",
                                  "seasons[%zu]: %s (a season is {from, to (exclusive), rate in "
                                  "minor units, optional name and min_stay})",
                                  i, inner.message);
        }
        w->season_count = n;
        qsort(w->seasons, n, sizeof(*w->seasons), season_compare);
        for (size_t k = 1; k < n; k++)
            if (w->seasons[k].season.first_night < w->seasons[k - 1].season.end_night)
                return buffr_fail(e, BUFFR_EVALIDATION, "seasons",
                                  "seasons must not overlap (a night has one seasonal rate)");
    }

    json_t *closed = json_object_get(body, "closed_to_arrival");
    if (closed != NULL && !json_is_null(closed)) {
        if (!json_is_array(closed) || json_array_size(closed) > PLAN_MAX_CLOSED)
            return buffr_fail(e, BUFFR_EVALIDATION, "closed_to_arrival",
                              "closed_to_arrival must be a list of at most %d dates",
                              PLAN_MAX_CLOSED);
        size_t n = json_array_size(closed);
        w->closed = calloc(n ? n : 1, sizeof(*w->closed));
        if (w->closed == NULL)
            return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
        size_t i;
        json_t *d;
        json_array_foreach(closed, i, d)
        {
            if (!json_is_string(d) || date_parse(json_string_value(d), &w->closed[i]) != 0)
                return buffr_fail(e, BUFFR_EVALIDATION, "closed_to_arrival",
                                  "closed_to_arrival[%zu] must be a date as YYYY-MM-DD", i);
        }
        qsort(w->closed, n, sizeof(*w->closed), int64_compare);
        /* Duplicates collapse: a date is closed or it is not. */
        size_t kept = 0;
        for (size_t k = 0; k < n; k++)
            if (kept == 0 || w->closed[kept - 1] != w->closed[k])
                w->closed[kept++] = w->closed[k];
        w->closed_count = kept;
    }
    return 0;
}

int rate_plan_put(app_t *app, const principal_t *who, const char *pid, const char *tid,
                  json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    plan_work_t w = {.pid = pid, .tid = tid, .if_match = if_match, .e = e};
    int rc = plan_parse(body, &w, e);
    if (rc == 0)
        rc = resv_write(app, who, plan_put_in_tx, &w, e);
    free(w.seasons);
    free(w.closed);
    return resv_done(rc, w.result, out, e, "room type", "change the rate plan");
}

/* ---- one season at a time ---- */

/* Lock the room type's row and count a new version of its plan, so that
 * concurrent season changes of one type run one after the other (the
 * overlap check then sees the other's season) and a PUT with the old
 * If-Match is refused. */
static int plan_touch(db_tx_t *tx, plan_work_t *w)
{
    int64_t changed = 0;
    int rc =
        db_exec(tx,
                "UPDATE room_types SET updated_at = $4, version = version + 1 "
                "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                "AND ($5 < 0 OR version = $5)",
                DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->tid), DB_INT(time_now()), DB_INT(w->if_match)),
                &changed);
    if (rc != 0 || changed > 0)
        return rc;
    return plan_stale(tx, w);
}

static int season_add_in_tx(db_tx_t *tx, void *ctx)
{
    plan_work_t *w = ctx;
    const plan_season_t *season = &w->seasons[0];
    int rc = plan_touch(tx, w);
    if (rc != 0)
        return rc;
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(season->season.first_night, first);
    date_format(season->season.end_night, end);
    db_rows_t *rows;
    rc = db_query(tx,
                  "SELECT start_date, end_date FROM rate_seasons WHERE tenant_id = $1 "
                  "AND room_type_id = $2 AND start_date < $4 AND end_date > $3 "
                  "ORDER BY start_date LIMIT 1",
                  DB_ARGS(DB_TEXT(w->tid), DB_TEXT(first), DB_TEXT(end)), &rows);
    if (rc != 0)
        return rc;
    if ((rc = db_next(rows)) == 1)
        rc = buffr_fail(w->e, BUFFR_EVALIDATION, "from",
                        "the season overlaps the season [%s, %s) of this room type (a night "
                        "has one seasonal rate)",
                        db_text(rows, 0), db_text(rows, 1));
    db_rows_free(rows);
    if (rc != 0)
        return rc;
    int64_t count = 0;
    rc = db_query_int(
        tx, "SELECT COUNT(*) FROM rate_seasons WHERE tenant_id = $1 AND room_type_id = $2",
        DB_ARGS(DB_TEXT(w->tid)), &count);
    if (rc != 0)
        return rc;
    if (count >= PLAN_MAX_SEASONS)
        return buffr_fail(w->e, BUFFR_EVALIDATION, NULL, "a room type has at most %d seasons",
                          PLAN_MAX_SEASONS);
    char id[UUID_BUF_SIZE];
    if ((rc = season_insert(tx, w, season, id)) != 0)
        return rc;
    json_decref(w->result);
    w->result = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "id", id, "room_type_id", w->tid, "name",
        season->name, "from", first, "to", end, "rate", (json_int_t)season->season.rate, "min_stay",
        season->season.min_stay > 0 ? json_integer(season->season.min_stay) : json_null());
    return w->result ? 0 : BUFFR_ENOMEM;
}

int rate_season_add(app_t *app, const principal_t *who, const char *pid, const char *tid,
                    json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    plan_season_t season;
    plan_work_t w = {.pid = pid,
                     .tid = tid,
                     .if_match = if_match,
                     .seasons = &season,
                     .season_count = 1,
                     .e = e};
    int rc = season_parse(body, &season, e);
    if (rc != 0)
        return rc;
    rc = resv_write(app, who, season_add_in_tx, &w, e);
    return resv_done(rc, w.result, out, e, "room type", "add the season");
}

typedef struct season_remove_work {
    plan_work_t plan;
    const char *sid;
} season_remove_work_t;

static int season_remove_in_tx(db_tx_t *tx, void *ctx)
{
    season_remove_work_t *w = ctx;
    int rc = plan_touch(tx, &w->plan);
    if (rc != 0)
        return rc;
    int64_t removed = 0;
    rc = db_exec(tx,
                 "DELETE FROM rate_seasons WHERE tenant_id = $1 AND property_id = $2 "
                 "AND room_type_id = $3 AND id = $4",
                 DB_ARGS(DB_TEXT(w->plan.pid), DB_TEXT(w->plan.tid), DB_TEXT(w->sid)), &removed);
    if (rc == 0 && removed == 0)
        rc = buffr_fail(w->plan.e, BUFFR_ENOTFOUND, NULL, "season not found");
    return rc;
}

int rate_season_remove(app_t *app, const principal_t *who, const char *pid, const char *tid,
                       const char *sid, int64_t if_match, buffr_err_t *e)
{
    season_remove_work_t w = {.plan = {.pid = pid, .tid = tid, .if_match = if_match, .e = e},
                              .sid = sid};
    int rc = resv_write(app, who, season_remove_in_tx, &w, e);
    json_t *none = NULL;
    rc = resv_done(rc, w.plan.result, &none, e, "room type", "remove the season");
    json_decref(none);
    return rc;
}
