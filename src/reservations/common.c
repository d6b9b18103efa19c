/*
 * common.c - helpers shared by the reservations module's files (see
 * internal.h): property facts, policies, date arguments, string lists, how
 * a call ends, reading, listing and deleting rows, and the room-night rows.
 */
#include "reservations/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/zone.h"

int resv_property_read(db_tx_t *tx, const char *pid, resv_property_t *out)
{
    db_rows_t *rows;
    int rc =
        db_query(tx, "SELECT currency, timezone FROM properties WHERE tenant_id = $1 AND id = $2",
                 DB_ARGS(DB_TEXT(pid)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        snprintf(out->currency, sizeof(out->currency), "%s", db_text(rows, 0));
        snprintf(out->timezone, sizeof(out->timezone), "%s", db_text(rows, 1));
        rc = 0;
    } else if (rc == 0) {
        rc = BUFFR_ENOTFOUND;
    }
    db_rows_free(rows);
    return rc;
}

int64_t resv_today(const resv_property_t *p)
{
    int64_t now = time_now();
    int64_t day;
    if (zone_day_of(p->timezone, now, &day) != 0)
        day = now / 86400; /* an unreadable zone file: UTC rather than failing */
    return day;
}

int resv_policy_read(db_tx_t *tx, const char *pid, resv_policy_t *out)
{
    /* Defaults until a manager sets the policy: documented in
     * docs/modules/reservations.md. */
    snprintf(out->check_in_time, sizeof(out->check_in_time), "15:00");
    snprintf(out->check_out_time, sizeof(out->check_out_time), "11:00");
    out->cancel.free_hours = 48;
    out->cancel.kind = CANCEL_FEE_FIRST_NIGHT;
    out->cancel.fixed_amount = 0;
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT check_in_time, check_out_time, free_cancellation_hours, "
                      "cancellation_fee_kind, cancellation_fee_amount FROM property_policies "
                      "WHERE tenant_id = $1 AND property_id = $2",
                      DB_ARGS(DB_TEXT(pid)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        snprintf(out->check_in_time, sizeof(out->check_in_time), "%s", db_text(rows, 0));
        snprintf(out->check_out_time, sizeof(out->check_out_time), "%s", db_text(rows, 1));
        out->cancel.free_hours = db_int(rows, 2);
        if (cancel_fee_kind_parse(db_text(rows, 3), &out->cancel.kind) != 0)
            out->cancel.kind = CANCEL_FEE_FIRST_NIGHT;
        out->cancel.fixed_amount = db_int(rows, 4);
        rc = 0;
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int64_t resv_check_in_instant(const resv_property_t *p, const resv_policy_t *policy, int64_t day)
{
    int hours = 0, minutes = 0;
    if (sscanf(policy->check_in_time, "%2d:%2d", &hours, &minutes) != 2)
        hours = 15;
    int64_t local = day * 86400 + hours * 3600 + minutes * 60;
    int64_t utc;
    if (zone_local_to_utc(p->timezone, local, &utc) != 0)
        utc = local;
    return utc;
}

int resv_date_arg(const char *text, const char *field, int64_t *day, buffr_err_t *e)
{
    if (text == NULL || text[0] == '\0')
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s is required (YYYY-MM-DD)", field);
    if (date_parse(text, day) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be a real date as YYYY-MM-DD",
                          field);
    return 0;
}

int resv_stay_arg(const char *check_in, const char *check_out, int64_t *in, int64_t *out,
                  buffr_err_t *e)
{
    int rc;
    if ((rc = resv_date_arg(check_in, "check_in", in, e)) != 0 ||
        (rc = resv_date_arg(check_out, "check_out", out, e)) != 0)
        return rc;
    return resv_stay_check(*in, *out, e);
}

int resv_stay_check(int64_t in, int64_t out, buffr_err_t *e)
{
    if (out <= in)
        return buffr_fail(e, BUFFR_EVALIDATION, "check_out", "check_out must be after check_in");
    if (out - in > RATE_MAX_NIGHTS)
        return buffr_fail(e, BUFFR_EVALIDATION, "check_out", "a stay is at most %d nights",
                          RATE_MAX_NIGHTS);
    return 0;
}

int resv_cursor_check(const char *cursor, buffr_err_t *e)
{
    if (cursor != NULL && !uuid_is_valid(cursor))
        return buffr_fail(e, BUFFR_EVALIDATION, "cursor", "cursor is not valid");
    return 0;
}

int resv_string_list(json_t *body, const char *field, size_t max_items, size_t max_len, char **text,
                     buffr_err_t *e)
{
    *text = NULL;
    json_t *list = json_object_get(body, field);
    if (list == NULL || json_is_null(list))
        return 0;
    if (!json_is_array(list) || json_array_size(list) > max_items)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be a list of at most %zu strings",
                          field, max_items);
    json_t *clean = json_array();
    if (clean == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *s = json_is_string(item) ? json_string_value(item) : NULL;
        size_t len = s ? json_string_length(item) : 0;
        if (s == NULL || len == 0 || len > max_len || strlen(s) != len) {
            json_decref(clean);
            return buffr_fail(e, BUFFR_EVALIDATION, field,
                              "each item of %s must be a string of 1 to %zu bytes", field, max_len);
        }
        if (json_array_append_new(clean, json_string(s)) != 0) {
            json_decref(clean);
            return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
        }
    }
    *text = jsonx_dump(clean);
    json_decref(clean);
    return *text ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

json_t *resv_json_array(const char *text)
{
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    if (v != NULL && json_is_array(v))
        return v;
    json_decref(v);
    return json_array();
}

void *resv_grow(void *items, size_t count, size_t *cap, size_t size, size_t first)
{
    if (count < *cap)
        return items;
    size_t grown = *cap ? *cap * 2 : first;
    void *bigger = realloc(items, grown * size);
    if (bigger != NULL)
        *cap = grown;
    return bigger;
}

/* ======================================================== ending a call */

int resv_write(app_t *app, const principal_t *who, db_work_fn work, void *ctx, buffr_err_t *e)
{
    resv_err_reset(e);
    return db_transact(app->db, who->tenant_id, DB_WRITE, work, ctx);
}

int resv_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const char *not_found,
              const char *action)
{
    if (rc == 0) {
        *out = result;
        return 0;
    }
    json_decref(result);
    if (e != NULL && e->code == rc)
        return rc; /* already explained */
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(e, rc, NULL, "%s not found", not_found);
    if (rc == BUFFR_ECONFLICT)
        return buffr_fail(e, rc, NULL, "could not %s: it conflicts with existing data", action);
    if (rc == BUFFR_ECONSTRAINT)
        return buffr_fail(e, BUFFR_ECONFLICT, NULL, "could not %s: other records still refer to it",
                          action);
    return buffr_fail(e, rc, NULL, "could not %s", action);
}

int resv_stale(buffr_err_t *e, const char *what, int64_t version)
{
    return buffr_fail(e, BUFFR_ECONFLICT, NULL,
                      "%s changed meanwhile (version %lld); reload and retry", what,
                      (long long)version);
}

int64_t resv_version(const json_t *row)
{
    return json_integer_value(json_object_get(row, "version"));
}

/* ======================================================== rows */

int resv_read(db_tx_t *tx, const resv_entity_t *entity, const char *pid, const char *id,
              json_t **out)
{
    return db_query_json(tx, entity->select_one, DB_ARGS(DB_TEXT(pid), DB_TEXT(id)), entity->render,
                         out);
}

/* The work of resv_get and resv_delete. */
typedef struct row_work {
    const resv_entity_t *entity;
    const char *pid, *id;
    buffr_err_t *e;
    json_t *result;
} row_work_t;

static int row_get_in_tx(db_tx_t *tx, void *ctx)
{
    row_work_t *w = ctx;
    return resv_read(tx, w->entity, w->pid, w->id, &w->result);
}

int resv_get(app_t *app, const principal_t *who, const resv_entity_t *entity, const char *pid,
             const char *id, json_t **out, buffr_err_t *e)
{
    row_work_t w = {.entity = entity, .pid = pid, .id = id, .e = e};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, row_get_in_tx, &w);
    char action[64];
    snprintf(action, sizeof(action), "read the %s", entity->noun);
    return resv_done(rc, w.result, out, e, entity->noun, action);
}

static int row_delete_in_tx(db_tx_t *tx, void *ctx)
{
    row_work_t *w = ctx;
    int64_t changed = 0;
    int rc = db_exec(tx, w->entity->delete_one, DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id)), &changed);
    if (rc == BUFFR_ECONSTRAINT)
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL, "%s", w->entity->in_use);
    if (rc != 0)
        return rc;
    return changed == 1 ? 0 : BUFFR_ENOTFOUND;
}

int resv_delete(app_t *app, const principal_t *who, const resv_entity_t *entity, const char *pid,
                const char *id, buffr_err_t *e)
{
    row_work_t w = {.entity = entity, .pid = pid, .id = id, .e = e};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, row_delete_in_tx, &w);
    char action[64];
    snprintf(action, sizeof(action), "delete the %s", entity->noun);
    return resv_done(rc, NULL, &w.result, e, entity->noun, action);
}

typedef struct list_work {
    const char *pid, *sql;
    const db_arg_t *args;
    size_t nargs;
    resv_render_fn *render;
    jsonx_page_t page;
} list_work_t;

static int list_in_tx(db_tx_t *tx, void *ctx)
{
    list_work_t *w = ctx;
    jsonx_page_reset(&w->page);
    resv_property_t prop;
    int rc = resv_property_read(tx, w->pid, &prop);
    if (rc != 0)
        return rc;
    db_rows_t *rows;
    rc = db_query(tx, w->sql, w->args, w->nargs, &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1)
        if ((rc = jsonx_page_add(&w->page, w->render(rows))) != 0)
            break;
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int resv_list(app_t *app, const principal_t *who, const char *pid, int limit, const char *sql,
              const db_arg_t *args, size_t nargs, resv_render_fn *render, const char *action,
              json_t **out, buffr_err_t *e)
{
    list_work_t w = {.pid = pid, .sql = sql, .args = args, .nargs = nargs, .render = render};
    if (jsonx_page_init(&w.page, limit) != 0)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    int rc = db_transact(app->db, who->tenant_id, DB_READ, list_in_tx, &w);
    if (rc != 0) {
        jsonx_page_clear(&w.page);
        return resv_done(rc, NULL, out, e, "property", action);
    }
    *out = jsonx_page_finish(&w.page);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

/* ======================================================== room nights */

/* Nights per INSERT: one round trip per chunk instead of per night. */
#define RESV_NIGHTS_PER_INSERT 16

int resv_nights_insert(db_tx_t *tx, const char *pid, const char *room_id, int64_t from, int64_t to,
                       const char *reservation_id, const char *block_id)
{
    char dates[RESV_NIGHTS_PER_INSERT][DATE_BUF_SIZE];
    db_arg_t args[5 + RESV_NIGHTS_PER_INSERT];
    char sql[160 + RESV_NIGHTS_PER_INSERT * 24];
    for (int64_t start = from; start < to; start += RESV_NIGHTS_PER_INSERT) {
        int n = (int)(to - start < RESV_NIGHTS_PER_INSERT ? to - start : RESV_NIGHTS_PER_INSERT);
        args[0] = DB_TEXT(pid);
        args[1] = DB_TEXT(room_id);
        args[2] = DB_TEXT(reservation_id);
        args[3] = DB_TEXT(block_id);
        size_t used = (size_t)snprintf(sql, sizeof(sql),
                                       "INSERT INTO room_nights (tenant_id, property_id, room_id, "
                                       "reservation_id, block_id, night) VALUES ");
        for (int i = 0; i < n; i++) {
            date_format(start + i, dates[i]);
            args[4 + i] = DB_TEXT(dates[i]);
            /* $1 tenant, $2..$5 the fixed values, $6.. the nights. */
            used += (size_t)snprintf(sql + used, sizeof(sql) - used, "%s($1, $2, $3, $4, $5, $%d)",
                                     i ? ", " : "", 6 + i);
        }
        int rc = db_exec(tx, sql, args, (size_t)(4 + n), NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int resv_room_free(db_tx_t *tx, const char *room_id, int64_t from, int64_t to, bool *free)
{
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(from, first);
    date_format(to, end);
    int64_t one = 0;
    int rc = db_query_int(tx,
                          "SELECT 1 FROM room_nights WHERE tenant_id = $1 AND room_id = $2 "
                          "AND night >= $3 AND night < $4 LIMIT 1",
                          DB_ARGS(DB_TEXT(room_id), DB_TEXT(first), DB_TEXT(end)), &one);
    if (rc == BUFFR_ENOTFOUND) {
        *free = true;
        return 0;
    }
    *free = false;
    return rc;
}

int resv_room_exists(db_tx_t *tx, const char *pid, const char *rid)
{
    int64_t one;
    return db_query_int(tx,
                        "SELECT 1 FROM rooms WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
                        DB_ARGS(DB_TEXT(pid), DB_TEXT(rid)), &one);
}

char *resv_like_pattern(const char *q)
{
    size_t len = strlen(q);
    char *out = malloc(len * 2 + 3);
    if (out == NULL)
        return NULL;
    size_t j = 0;
    out[j++] = '%';
    for (size_t i = 0; i < len; i++) {
        char c = q[i];
        if (c == '%' || c == '_' || c == '\\')
            out[j++] = '\\';
        out[j++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[j++] = '%';
    out[j] = '\0';
    return out;
}
