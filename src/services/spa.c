/*
 * spa.c - the spa: resources (therapists, treatment rooms: anything with a
 * kind and working hours), treatments (duration, price, the resource kinds
 * they need), the free start times of a treatment on a date, and bookings
 * that hold one resource of each needed kind for the whole treatment.
 *
 * A booking tries the fitting resources of each kind in id order and keeps
 * the first whose slots it can claim (services_common.c): the database's
 * UNIQUE (resource_id, slot_start) decides races, so two bookings never
 * share a therapist's quarter hour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "services/services_internal.h"
#include "services/slots.h"

#define SPA_KIND_MAX  40
#define SPA_MAX_NEEDS 4

/* ---- kinds ---- */

static bool spa_kind_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SPA_KIND_MAX || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* What a treatment needs: distinct kinds with how many of each. */
typedef struct spa_need {
    char kind[SPA_KIND_MAX + 1];
    int count;
} spa_need_t;

/* Group a JSON array of kinds ("therapist","therapist","treatment_room")
 * into needs, in order of first mention. -1 when it is not such a list. */
static int spa_needs_from_json(json_t *list, spa_need_t needs[SPA_MAX_NEEDS], int *n)
{
    *n = 0;
    if (!json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > SPA_MAX_NEEDS)
        return -1;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (!json_is_string(item) || !spa_kind_valid(json_string_value(item)))
            return -1;
        const char *kind = json_string_value(item);
        int found = -1;
        for (int k = 0; k < *n; k++)
            if (strcmp(needs[k].kind, kind) == 0)
                found = k;
        if (found < 0) {
            found = (*n)++;
            snprintf(needs[found].kind, sizeof(needs[found].kind), "%s", kind);
            needs[found].count = 0;
        }
        needs[found].count++;
    }
    return 0;
}

static int spa_need_by_kind(const void *a, const void *b)
{
    return strcmp(((const spa_need_t *)a)->kind, ((const spa_need_t *)b)->kind);
}

/* The stored needs, in kind order: every booking claims kinds in the same
 * order, so two bookings cannot wait on each other's kinds. */
static int spa_needs_from_text(const char *stored, spa_need_t needs[SPA_MAX_NEEDS], int *n)
{
    json_error_t jerr;
    json_t *list = json_loads(stored, 0, &jerr);
    int rc = spa_needs_from_json(list, needs, n);
    json_decref(list);
    if (rc == 0)
        qsort(needs, (size_t)*n, sizeof(needs[0]), spa_need_by_kind);
    return rc;
}

/* ---- resources ---- */

#define SPA_RESOURCE_COLUMNS                                                                       \
    "r.id, r.property_id, r.name, r.kind, r.working_hours, r.active, r.created_at, "               \
    "r.updated_at, r.version"

static const svc_field_t spa_resource_fields[] = {
    {"id", 0, SVC_TEXT},
    {"property_id", 1, SVC_TEXT},
    {"name", 2, SVC_TEXT},
    {"kind", 3, SVC_TEXT},
    {"working_hours", 4, SVC_HOURS},
    {"active", 5, SVC_BOOL},
    {"created_at", 6, SVC_TIME},
    {"updated_at", 7, SVC_TIME},
    {"version", 8, SVC_INT},
    {NULL},
};

typedef struct spa_resource_input {
    const char *name, *kind;
    char *hours_text; /* canonical working hours (malloc'd), NULL: not given */
    bool has_active, active;
} spa_resource_input_t;

static int spa_resource_input_parse(json_t *body, bool create, spa_resource_input_t *in,
                                    buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 200, &in->name, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "kind", create, 1, SPA_KIND_MAX, &in->kind, NULL, e)) != 0 ||
        (rc = jsonx_bool(body, "active", false, &in->active, &in->has_active, e)) != 0)
        return rc;
    if (in->kind && !spa_kind_valid(in->kind))
        return buffr_fail(e, BUFFR_EVALIDATION, "kind",
                          "kind must be lowercase letters, digits and _ (e.g. therapist, "
                          "treatment_room)");
    json_t *hours = json_object_get(body, "working_hours");
    if (hours == NULL || json_is_null(hours)) {
        if (create)
            return buffr_fail(e, BUFFR_EVALIDATION, "working_hours",
                              "working_hours is required, e.g. {\"mon\":\"09:00-17:00\"}");
        return 0;
    }
    return svc_hours_text(hours, &in->hours_text, e);
}

static int spa_resource_insert_row(db_tx_t *tx, const svc_write_t *w)
{
    const spa_resource_input_t *in = w->in;
    return db_exec(tx,
                   "INSERT INTO service_resources (tenant_id, id, property_id, service, kind, "
                   "name, working_hours, active, created_at, updated_at) "
                   "VALUES ($1, $2, $3, 'spa', $4, $5, $6, $7, $8, $8)",
                   DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->kind), DB_TEXT(in->name),
                           DB_TEXT(in->hours_text), DB_BOOL(in->has_active ? in->active : true),
                           DB_INT(time_now())),
                   NULL);
}

static int spa_resource_update_row(db_tx_t *tx, const svc_write_t *w, int64_t *changed)
{
    const spa_resource_input_t *in = w->in;
    return db_exec(tx,
                   "UPDATE service_resources SET name = COALESCE($4, name), "
                   "kind = COALESCE($5, kind), working_hours = COALESCE($6, working_hours), "
                   "active = COALESCE($7, active), updated_at = $8, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 AND service = 'spa' "
                   "AND ($9 < 0 OR version = $9)",
                   DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(in->name), DB_TEXT(in->kind),
                           DB_TEXT(in->hours_text), in->has_active ? DB_BOOL(in->active) : DB_NULL,
                           DB_INT(time_now()), DB_INT(w->if_match)),
                   changed);
}

static const svc_entity_t spa_resources = {
    .noun = "spa resource",
    .select_one = "SELECT " SPA_RESOURCE_COLUMNS " FROM service_resources r "
                  "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.id = $3 "
                  "AND r.service = 'spa'",
    .select_page = "SELECT " SPA_RESOURCE_COLUMNS " FROM service_resources r "
                   "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.service = 'spa' "
                   "AND r.id > $3 AND (CAST($5 AS TEXT) IS NULL OR r.kind = $5) "
                   "ORDER BY r.id LIMIT $4",
    .delete_one = "DELETE FROM service_resources WHERE tenant_id = $1 AND property_id = $2 "
                  "AND id = $3 AND service = 'spa'",
    .in_use = "the resource has bookings; set active to false instead of deleting it",
    .duplicate = "a spa resource with that name already exists at this property",
    .fields = spa_resource_fields,
    .insert = spa_resource_insert_row,
    .update = spa_resource_update_row,
};

int spa_resource_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                        json_t **out, buffr_err_t *e)
{
    spa_resource_input_t in;
    int rc = spa_resource_input_parse(body, true, &in, e);
    if (rc == 0)
        rc = svc_entity_create(app, who, &spa_resources, pid, &in, out, e);
    free(in.hours_text);
    return rc;
}

int spa_resource_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                        json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    spa_resource_input_t in;
    int rc = spa_resource_input_parse(body, false, &in, e);
    if (rc == 0)
        rc = svc_entity_update(app, who, &spa_resources, pid, id, &in, if_match, out, e);
    free(in.hours_text);
    return rc;
}

int spa_resource_list(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                      json_t **out, buffr_err_t *e)
{
    if (q->kind != NULL && !spa_kind_valid(q->kind))
        return buffr_fail(e, BUFFR_EVALIDATION, "kind", "kind is not a valid resource kind");
    db_arg_t filters[1] = {DB_TEXT(q->kind)};
    return svc_entity_list(app, who, &spa_resources, pid, q, filters, 1, out, e);
}

int spa_resource_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                     json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &spa_resources, pid, id, out, e);
}

int spa_resource_delete(app_t *app, const principal_t *who, const char *pid, const char *id,
                        buffr_err_t *e)
{
    return svc_entity_delete(app, who, &spa_resources, pid, id, e);
}

/* ---- treatments ---- */

#define SPA_TREATMENT_COLUMNS                                                                      \
    "t.id, t.property_id, t.name, t.description, t.duration_minutes, t.price, "                    \
    "t.required_resources, t.active, p.currency, t.created_at, t.updated_at, t.version"
#define SPA_TREATMENT_FROM                                                                         \
    " FROM spa_treatments t JOIN properties p ON p.tenant_id = t.tenant_id "                       \
    "AND p.id = t.property_id "

static const svc_field_t spa_treatment_fields[] = {
    {"id", 0, SVC_TEXT},
    {"property_id", 1, SVC_TEXT},
    {"name", 2, SVC_TEXT},
    {"description", 3, SVC_TEXT},
    {"duration_minutes", 4, SVC_INT},
    {"price", 5, SVC_INT},
    {"required_resources", 6, SVC_JSON},
    {"active", 7, SVC_BOOL},
    {"currency", 8, SVC_TEXT},
    {"created_at", 9, SVC_TIME},
    {"updated_at", 10, SVC_TIME},
    {"version", 11, SVC_INT},
    {NULL},
};

typedef struct spa_treatment_input {
    const char *name, *description;
    int64_t duration, price;
    bool has_duration, has_price, has_active, active;
    char *kinds_text; /* JSON array as given (validated), malloc'd; NULL: not given */
} spa_treatment_input_t;

static int spa_treatment_input_parse(json_t *body, bool create, spa_treatment_input_t *in,
                                     buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 200, &in->name, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "description", false, 0, 2000, &in->description, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "duration_minutes", create, 5, 720, &in->duration, &in->has_duration,
                        e)) != 0 ||
        (rc = svc_money_field(body, "price", create, &in->price, &in->has_price, e)) != 0 ||
        (rc = jsonx_bool(body, "active", false, &in->active, &in->has_active, e)) != 0)
        return rc;
    json_t *kinds = json_object_get(body, "required_resources");
    if (kinds == NULL || json_is_null(kinds)) {
        if (create)
            return buffr_fail(e, BUFFR_EVALIDATION, "required_resources",
                              "required_resources is required, e.g. [\"therapist\"]");
        return 0;
    }
    spa_need_t needs[SPA_MAX_NEEDS];
    int n;
    if (spa_needs_from_json(kinds, needs, &n) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "required_resources",
                          "required_resources must list 1 to %d resource kinds, e.g. "
                          "[\"therapist\", \"treatment_room\"]",
                          SPA_MAX_NEEDS);
    in->kinds_text = jsonx_dump(kinds);
    return in->kinds_text ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

static int spa_treatment_insert_row(db_tx_t *tx, const svc_write_t *w)
{
    const spa_treatment_input_t *in = w->in;
    return db_exec(tx,
                   "INSERT INTO spa_treatments (tenant_id, id, property_id, name, description, "
                   "duration_minutes, price, required_resources, active, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
                   DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->name),
                           DB_TEXT(in->description), DB_INT(in->duration), DB_INT(in->price),
                           DB_TEXT(in->kinds_text), DB_BOOL(in->has_active ? in->active : true),
                           DB_INT(time_now())),
                   NULL);
}

static int spa_treatment_update_row(db_tx_t *tx, const svc_write_t *w, int64_t *changed)
{
    const spa_treatment_input_t *in = w->in;
    return db_exec(
        tx,
        "UPDATE spa_treatments SET name = COALESCE($4, name), "
        "description = COALESCE($5, description), "
        "duration_minutes = COALESCE($6, duration_minutes), price = COALESCE($7, price), "
        "required_resources = COALESCE($8, required_resources), active = COALESCE($9, active), "
        "updated_at = $10, version = version + 1 "
        "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 AND ($11 < 0 OR version = $11)",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(in->name), DB_TEXT(in->description),
                in->has_duration ? DB_INT(in->duration) : DB_NULL,
                in->has_price ? DB_INT(in->price) : DB_NULL, DB_TEXT(in->kinds_text),
                in->has_active ? DB_BOOL(in->active) : DB_NULL, DB_INT(time_now()),
                DB_INT(w->if_match)),
        changed);
}

static const svc_entity_t spa_treatments = {
    .noun = "treatment",
    .select_one = "SELECT " SPA_TREATMENT_COLUMNS SPA_TREATMENT_FROM
                  "WHERE t.tenant_id = $1 AND t.property_id = $2 AND t.id = $3",
    .select_page = "SELECT " SPA_TREATMENT_COLUMNS SPA_TREATMENT_FROM
                   "WHERE t.tenant_id = $1 AND t.property_id = $2 AND t.id > $3 "
                   "ORDER BY t.id LIMIT $4",
    .delete_one = "DELETE FROM spa_treatments WHERE tenant_id = $1 AND property_id = $2 "
                  "AND id = $3",
    .in_use = "the treatment has bookings; set active to false instead of deleting it",
    .duplicate = "a treatment with that name already exists at this property",
    .fields = spa_treatment_fields,
    .insert = spa_treatment_insert_row,
    .update = spa_treatment_update_row,
};

int spa_treatment_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                         json_t **out, buffr_err_t *e)
{
    spa_treatment_input_t in;
    int rc = spa_treatment_input_parse(body, true, &in, e);
    if (rc == 0)
        rc = svc_entity_create(app, who, &spa_treatments, pid, &in, out, e);
    free(in.kinds_text);
    return rc;
}

int spa_treatment_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                         json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    spa_treatment_input_t in;
    int rc = spa_treatment_input_parse(body, false, &in, e);
    if (rc == 0)
        rc = svc_entity_update(app, who, &spa_treatments, pid, id, &in, if_match, out, e);
    free(in.kinds_text);
    return rc;
}

int spa_treatment_list(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                       json_t **out, buffr_err_t *e)
{
    return svc_entity_list(app, who, &spa_treatments, pid, q, NULL, 0, out, e);
}

int spa_treatment_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                      json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &spa_treatments, pid, id, out, e);
}

int spa_treatment_delete(app_t *app, const principal_t *who, const char *pid, const char *id,
                         buffr_err_t *e)
{
    return svc_entity_delete(app, who, &spa_treatments, pid, id, e);
}

/* ---- what a booking or an availability search works with ---- */

typedef struct spa_treatment_facts {
    char name[201];
    int duration;
    int64_t price;
    spa_need_t needs[SPA_MAX_NEEDS];
    int nneeds;
} spa_treatment_facts_t;

/* The treatment, offered at this property; 400 on treatment_id otherwise. */
static int spa_treatment_facts(db_tx_t *tx, const char *pid, const char *treatment_id,
                               spa_treatment_facts_t *t, buffr_err_t *e)
{
    db_rows_t *rows;
    int rc = svc_ref_row(tx,
                         "SELECT name, duration_minutes, price, required_resources, active "
                         "FROM spa_treatments WHERE tenant_id = $1 AND property_id = $2 "
                         "AND id = $3",
                         DB_ARGS(DB_TEXT(pid), DB_TEXT(treatment_id)), "treatment_id",
                         "treatment_id must be a treatment of this property", &rows, e);
    if (rc != 0)
        return rc;
    snprintf(t->name, sizeof(t->name), "%s", db_text(rows, 0));
    t->duration = (int)db_int(rows, 1);
    t->price = db_int(rows, 2);
    bool active = db_int(rows, 4) != 0;
    if (spa_needs_from_text(db_text(rows, 3), t->needs, &t->nneeds) != 0)
        rc = BUFFR_EINTERNAL; /* written by this module: never happens */
    db_rows_free(rows);
    if (rc == 0 && !active)
        rc = buffr_fail(e, BUFFR_EVALIDATION, "treatment_id",
                        "the treatment is not offered at the moment");
    return rc;
}

/* An active spa resource of the property, as a slot candidate. */
typedef struct spa_unit {
    char id[UUID_BUF_SIZE];
    char kind[SPA_KIND_MAX + 1];
    working_hours_t hours;
    slot_mask_t busy;
} spa_unit_t;

typedef struct spa_units {
    spa_unit_t *items;
    size_t count, cap;
} spa_units_t;

static void spa_units_free(spa_units_t *u)
{
    free(u->items);
    memset(u, 0, sizeof(*u));
}

static void spa_unit_busy(void *ctx, const char *resource_id, int slot)
{
    spa_units_t *u = ctx;
    for (size_t i = 0; i < u->count; i++)
        if (strcmp(u->items[i].id, resource_id) == 0)
            slot_mask_set(&u->items[i].busy, slot);
}

/* The active resources of the needed kinds, in id order; with day >= 0,
 * also which of that day's slots each one already holds. */
static int spa_units_load(db_tx_t *tx, const char *pid, const spa_treatment_facts_t *t, int64_t day,
                          bool with_busy, spa_units_t *u)
{
    u->count = 0;
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT id, kind, working_hours FROM service_resources "
                      "WHERE tenant_id = $1 AND property_id = $2 AND service = 'spa' "
                      "AND active = 1 ORDER BY id",
                      DB_ARGS(DB_TEXT(pid)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        const char *kind = db_text(rows, 1);
        bool needed = false;
        for (int k = 0; k < t->nneeds; k++)
            needed = needed || strcmp(t->needs[k].kind, kind) == 0;
        if (!needed)
            continue;
        if (u->count == u->cap) {
            size_t cap = u->cap ? u->cap * 2 : 8;
            spa_unit_t *grown = realloc(u->items, cap * sizeof(*grown));
            if (grown == NULL) {
                rc = BUFFR_ENOMEM;
                break;
            }
            u->items = grown;
            u->cap = cap;
        }
        spa_unit_t *unit = &u->items[u->count];
        memset(unit, 0, sizeof(*unit));
        snprintf(unit->id, sizeof(unit->id), "%s", db_text(rows, 0));
        snprintf(unit->kind, sizeof(unit->kind), "%s", kind);
        if (svc_hours_load(db_text(rows, 2), &unit->hours) != 0)
            continue; /* unreadable hours: never bookable (cannot happen: we wrote them) */
        u->count++;
    }
    db_rows_free(rows);
    if (rc < 0 || !with_busy || u->count == 0)
        return rc < 0 ? rc : 0;

    return svc_day_busy(tx, pid, "spa", day, spa_unit_busy, u);
}

/* ---- availability ---- */

typedef struct spa_availability_work {
    const char *pid, *treatment_id;
    int64_t day;
    buffr_err_t *e;
    json_t *result;
} spa_availability_work_t;

static int spa_availability_in_tx(db_tx_t *tx, void *ctx)
{
    spa_availability_work_t *w = ctx;
    json_decref(w->result);
    w->result = NULL;
    char currency[SVC_CURRENCY_BUF_SIZE];
    spa_treatment_facts_t t;
    int rc = svc_property_currency(tx, w->pid, currency, w->e);
    if (rc == 0)
        rc = spa_treatment_facts(tx, w->pid, w->treatment_id, &t, w->e);
    if (rc != 0)
        return rc;
    spa_units_t units = {0};
    rc = spa_units_load(tx, w->pid, &t, w->day, true, &units);
    if (rc != 0) {
        spa_units_free(&units);
        return rc;
    }
    /* One requirement per needed kind, over that kind's candidates. */
    slot_candidate_t *cands = calloc(units.count + 1, sizeof(*cands));
    if (cands == NULL) {
        spa_units_free(&units);
        return BUFFR_ENOMEM;
    }
    slot_requirement_t reqs[SPA_MAX_NEEDS];
    size_t used = 0;
    for (int k = 0; k < t.nneeds; k++) {
        reqs[k] = (slot_requirement_t){.candidates = cands + used, .needed = t.needs[k].count};
        for (size_t i = 0; i < units.count; i++) {
            if (strcmp(units.items[i].kind, t.needs[k].kind) != 0)
                continue;
            cands[used++] =
                (slot_candidate_t){.hours = &units.items[i].hours, .busy = units.items[i].busy};
            reqs[k].count++;
        }
    }
    slot_mask_t free_starts;
    slots_free_starts(reqs, (size_t)t.nneeds, date_weekday(w->day), t.duration, &free_starts);
    free(cands);
    spa_units_free(&units);

    char date[DATE_BUF_SIZE];
    date_format(w->day, date);
    json_t *data = json_array();
    w->result = json_pack("{s:s, s:s, s:I, s:I, s:s, s:o}", "treatment_id", w->treatment_id, "date",
                          date, "duration_minutes", (json_int_t)t.duration, "price",
                          (json_int_t)t.price, "currency", currency, "data", data);
    if (w->result == NULL)
        return BUFFR_ENOMEM;
    for (int slot = 0; slot < SLOTS_PER_DAY; slot++) {
        if (!slot_mask_test(&free_starts, slot))
            continue;
        int64_t start = w->day * MINUTES_PER_DAY + slot * SLOT_MINUTES;
        json_t *item = json_object();
        bool ok = item != NULL && json_array_append_new(data, item) == 0;
        ok = ok && svc_put(item, "start", svc_json_local(start));
        ok = ok && svc_put(item, "end", svc_json_local(start + t.duration));
        if (!ok)
            return BUFFR_ENOMEM;
    }
    return 0;
}

int spa_availability(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                     json_t **out, buffr_err_t *e)
{
    if (q->treatment_id == NULL)
        return buffr_fail(e, BUFFR_EVALIDATION, "treatment_id", "treatment_id is required");
    char buf[UUID_BUF_SIZE];
    spa_availability_work_t w = {.pid = pid, .e = e};
    int rc;
    if ((rc = svc_query_id(q->treatment_id, "treatment_id", buf, &w.treatment_id, e)) != 0 ||
        (rc = svc_date_value(q->date, "date", true, &w.day, NULL, e)) != 0)
        return rc;
    rc = db_transact(app->db, who->tenant_id, DB_READ, spa_availability_in_tx, &w);
    return svc_done(rc, w.result, out, e, &spa_treatments, "search");
}

/* ---- bookings ---- */

typedef struct spa_booking_work {
    svc_booking_t booking; /* first: the engine hands it back to the steps below */
    char treatment_id[UUID_BUF_SIZE];
    int64_t start;
    spa_treatment_facts_t t; /* read by prepare */
} spa_booking_work_t;

static spa_booking_work_t *spa_booking_work(svc_booking_t *b)
{
    return (spa_booking_work_t *)b;
}

/* The treatment's name, length and price go on the booking. */
static int spa_booking_prepare(db_tx_t *tx, svc_booking_t *b, svc_booking_row_t *row)
{
    spa_booking_work_t *w = spa_booking_work(b);
    int rc = spa_treatment_facts(tx, b->pid, w->treatment_id, &w->t, b->e);
    if (rc != 0)
        return rc;
    row->title = w->t.name;
    row->treatment_id = w->treatment_id;
    row->starts_at = w->start;
    row->ends_at = w->start + w->t.duration;
    row->unit_amount = w->t.price;
    row->total = w->t.price;
    return 0;
}

static int spa_booking_guard(db_tx_t *tx, svc_booking_t *b, const svc_booking_row_t *row)
{
    spa_booking_work_t *w = spa_booking_work(b);
    if (local_minute_of_day(w->start) + w->t.duration > MINUTES_PER_DAY)
        return buffr_fail(b->e, BUFFR_EVALIDATION, "start",
                          "the treatment must end by midnight of its day");
    return 0;
}

/* One resource of each needed kind (as many as the kind is listed), free
 * and working for the whole treatment: the fitting ones are tried in id
 * order, and the first whose slots can be claimed is kept. */
static int spa_booking_claim(db_tx_t *tx, spa_booking_work_t *w, const spa_units_t *units)
{
    const spa_treatment_facts_t *t = &w->t;
    const char *booking_id = w->booking.id;
    int64_t day = local_day(w->start);
    int minute = local_minute_of_day(w->start);
    int weekday = date_weekday(day);
    int64_t until = w->start + (int64_t)slots_needed(t->duration) * SLOT_MINUTES;
    for (int k = 0; k < t->nneeds; k++) {
        int held = 0;
        for (size_t i = 0; i < units->count && held < t->needs[k].count; i++) {
            const spa_unit_t *unit = &units->items[i];
            slot_candidate_t c = {.hours = &unit->hours};
            if (strcmp(unit->kind, t->needs[k].kind) != 0 ||
                !slot_candidate_fits(&c, weekday, minute, t->duration))
                continue;
            int rc = svc_claim_resource(tx, unit->id, w->start, until, booking_id);
            if (rc == BUFFR_ENOAVAIL)
                continue; /* taken: try the next one of this kind */
            if (rc == 0)
                rc = db_exec(tx,
                             "INSERT INTO service_booking_resources (tenant_id, booking_id, "
                             "resource_id, kind) VALUES ($1, $2, $3, $4)",
                             DB_ARGS(DB_TEXT(booking_id), DB_TEXT(unit->id), DB_TEXT(unit->kind)),
                             NULL);
            if (rc != 0)
                return rc;
            held++;
        }
        if (held < t->needs[k].count)
            return buffr_fail(w->booking.e, BUFFR_ENOAVAIL, NULL,
                              "no %s is free for the whole treatment at that time",
                              t->needs[k].kind);
    }
    return 0;
}

static int spa_booking_hold(db_tx_t *tx, svc_booking_t *b, const svc_booking_row_t *row)
{
    spa_booking_work_t *w = spa_booking_work(b);
    spa_units_t units = {0};
    int rc = spa_units_load(tx, b->pid, &w->t, 0, false, &units);
    if (rc == 0)
        rc = spa_booking_claim(tx, w, &units);
    spa_units_free(&units);
    return rc;
}

static const svc_field_t spa_booking_fields[] = {
    SVC_BOOKING_HEAD_FIELDS,
    {"end", BK_ENDS, SVC_LOCAL},
    {"treatment_id", BK_TREATMENT, SVC_TEXT},
    {"treatment_name", BK_TITLE, SVC_TEXT},
    {"duration_minutes", BK_MINUTES, SVC_INT},
    {"price", BK_UNIT, SVC_INT},
    SVC_BOOKING_TAIL_FIELDS,
};

static const svc_field_t spa_booking_resource_fields[] = {
    {"id", 0, SVC_TEXT},
    {"kind", 1, SVC_TEXT},
    {"name", 2, SVC_TEXT},
    {NULL},
};

/* The therapists and rooms the booking was given. */
static int spa_booking_decorate(db_tx_t *tx, json_t *obj)
{
    return svc_attach_list(
        tx, obj, "resources",
        "SELECT br.resource_id, br.kind, r.name FROM service_booking_resources br "
        "JOIN service_resources r ON r.tenant_id = br.tenant_id "
        "AND r.id = br.resource_id "
        "WHERE br.tenant_id = $1 AND br.booking_id = $2 "
        "ORDER BY br.kind, br.resource_id",
        spa_booking_resource_fields);
}

static const svc_booking_kind_t spa_bookings = {
    .entity =
        {
            .noun = "booking",
            .select_one = SVC_BOOKING_ONE_SQL("spa"),
            .select_page = SVC_BOOKING_PAGE_SQL("spa", "treatment_id"),
            .fields = spa_booking_fields,
            .decorate = spa_booking_decorate,
        },
    .service = "spa",
    .prepare = spa_booking_prepare,
    .guard = spa_booking_guard,
    .hold = spa_booking_hold,
};

int spa_booking_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                       json_t **out, buffr_err_t *e)
{
    spa_booking_work_t w = {.booking.kind = &spa_bookings};
    const char *start = NULL;
    int rc;
    if ((rc = svc_uuid_field(body, "treatment_id", true, w.treatment_id, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "start", true, 1, 32, &start, NULL, e)) != 0 ||
        (rc = svc_booking_body_parse(body, &w.booking, e)) != 0)
        return rc;
    if (local_time_parse(start, &w.start) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "start",
                          "start must be a local date and time YYYY-MM-DDTHH:MM");
    if (w.start % SLOT_MINUTES != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "start",
                          "start must be on the quarter hour (:00, :15, :30, :45)");
    return svc_booking_create(app, who, pid, &w.booking, out, e);
}

int spa_booking_list(app_t *app, const principal_t *who, const char *pid, const svc_query_t *q,
                     json_t **out, buffr_err_t *e)
{
    return svc_booking_list(app, who, &spa_bookings, pid, q, "treatment_id", q->treatment_id, out,
                            e);
}

int spa_booking_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                    json_t **out, buffr_err_t *e)
{
    return svc_entity_get(app, who, &spa_bookings.entity, pid, id, out, e);
}

int spa_booking_cancel(app_t *app, const principal_t *who, const char *pid, const char *id,
                       json_t **out, buffr_err_t *e)
{
    return svc_booking_cancel(app, who, &spa_bookings, pid, id, out, e);
}
