/*
 * restaurant_rows.c - what menu.c, tables.c, kds.c and orders.c share to
 * read rows and keep what a property configures:
 *   - rows as JSON: one row, all rows, children attached to their parents;
 *   - a property's whole lists ({"data":[...],"next_cursor":null});
 *   - configuration rows (menus, categories, items, modifier groups, floor
 *     areas, tables): create, read, update guarded by version, delete. An
 *     entity brings its words, its SQL and its own steps
 *     (restaurant_entity_t).
 *
 * Not here: anything one kind of row does alone (its columns, its checks,
 * its JSON); orders, whose changes have rules of their own (orders.c).
 */
#include "restaurant/restaurant_internal.h"

#define RESTAURANT_LIST_ARGS_MAX 4

/* ---- rows as JSON ---- */

int restaurant_first_row(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                         db_rows_t **rows)
{
    return db_query_first(tx, sql, args, nargs, rows);
}

int restaurant_row_json(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                        restaurant_row_fn *row, json_t **out)
{
    return db_query_json(tx, sql, args, nargs, row, out);
}

int restaurant_rows_append(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                           restaurant_row_fn *row, json_t *list, json_t *by_id)
{
    db_rows_t *rows;
    int rc = db_query(tx, sql, args, nargs, &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *v = row(rows);
        if (v != NULL && by_id && json_object_set(by_id, db_text(rows, 0), v) != 0) {
            json_decref(v);
            v = NULL;
        }
        if (v == NULL || json_array_append_new(list, v) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int restaurant_rows_json(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                         restaurant_row_fn *row, json_t **out)
{
    json_t *list = json_array();
    if (list == NULL)
        return BUFFR_ENOMEM;
    int rc = restaurant_rows_append(tx, sql, args, nargs, row, list, NULL);
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    json_decref(*out);
    *out = list;
    return 0;
}

int restaurant_rows_attach(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                           restaurant_row_fn *row, json_t *parents, const char *key)
{
    db_rows_t *rows;
    int rc = db_query(tx, sql, args, nargs, &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *parent = json_object_get(parents, db_text(rows, 0));
        if (parent == NULL)
            continue;
        json_t *child = row(rows);
        if (child == NULL || json_array_append_new(json_object_get(parent, key), child) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int restaurant_ref_check(db_tx_t *tx, const char *sql, const char *pid, const char *id,
                         const char *field, const char *message, buffr_err_t *e)
{
    int64_t found = 0;
    int rc = db_query_int(tx, sql, DB_ARGS(DB_TEXT(pid), DB_TEXT(id)), &found);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s", message);
    return rc;
}

/* ---- whole lists ---- */

json_t *restaurant_whole_list(json_t *list)
{
    return json_pack("{s:o, s:n}", "data", list, "next_cursor");
}

/* A whole list: rows of sql through row, or read_all's. */
typedef struct list_work {
    const char *pid, *sql;
    db_arg_t args[1 + RESTAURANT_LIST_ARGS_MAX];
    size_t nargs;
    restaurant_row_fn *row;
    restaurant_read_all_fn *read_all;
    json_t *result;
} list_work_t;

static int list_in_tx(db_tx_t *tx, void *ctx)
{
    list_work_t *w = ctx;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    json_t *list = NULL;
    if (rc == 0)
        rc = w->read_all ? w->read_all(tx, w->pid, &list)
                         : restaurant_rows_json(tx, w->sql, w->args, w->nargs, w->row, &list);
    if (rc != 0)
        return rc;
    json_decref(w->result);
    w->result = restaurant_whole_list(list);
    return w->result ? 0 : BUFFR_ENOMEM;
}

int restaurant_list(app_t *app, const principal_t *who, const char *pid, const char *sql,
                    const db_arg_t *args, size_t nargs, restaurant_row_fn *row, json_t **out,
                    buffr_err_t *e)
{
    if (nargs > RESTAURANT_LIST_ARGS_MAX)
        return buffr_fail(e, BUFFR_EINVAL, NULL, "could not list them");
    list_work_t w = {.pid = pid, .sql = sql, .nargs = 1 + nargs, .row = row};
    w.args[0] = DB_TEXT(pid);
    for (size_t i = 0; i < nargs; i++)
        w.args[1 + i] = args[i];
    int rc = db_transact(app->db, who->tenant_id, DB_READ, list_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}

int restaurant_list_read(app_t *app, const principal_t *who, const char *pid,
                         restaurant_read_all_fn *read_all, json_t **out, buffr_err_t *e)
{
    list_work_t w = {.pid = pid, .read_all = read_all};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, list_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}

/* ---- configuration rows ---- */

static int entity_read(db_tx_t *tx, const restaurant_entity_t *ent, const char *pid, const char *id,
                       json_t **out)
{
    if (ent->read != NULL)
        return ent->read(tx, pid, id, out);
    return restaurant_row_json(tx, ent->select_one, DB_ARGS(DB_TEXT(pid), DB_TEXT(id)), ent->row,
                               out);
}

typedef struct entity_work {
    const restaurant_entity_t *ent;
    restaurant_write_t w; /* get uses pid and id only */
    json_t *result;
} entity_work_t;

static int entity_create_in_tx(db_tx_t *tx, void *ctx)
{
    entity_work_t *work = ctx;
    const restaurant_write_t *w = &work->w;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    if (rc == 0 && work->ent->check)
        rc = work->ent->check(tx, w);
    if (rc == 0)
        rc = work->ent->insert(tx, w);
    return rc != 0 ? rc : entity_read(tx, work->ent, w->pid, w->id, &work->result);
}

int restaurant_entity_create(app_t *app, const principal_t *who, const restaurant_entity_t *ent,
                             const char *pid, const void *in, json_t **out, buffr_err_t *e)
{
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    entity_work_t work = {.ent = ent, .w = {.pid = pid, .id = id, .in = in, .e = e}};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, entity_create_in_tx, &work);
    return restaurant_done(rc, work.result, out, e, ent->what);
}

static int entity_get_in_tx(db_tx_t *tx, void *ctx)
{
    entity_work_t *work = ctx;
    return entity_read(tx, work->ent, work->w.pid, work->w.id, &work->result);
}

int restaurant_entity_get(app_t *app, const principal_t *who, const restaurant_entity_t *ent,
                          const char *pid, const char *id, json_t **out, buffr_err_t *e)
{
    entity_work_t work = {.ent = ent, .w = {.pid = pid, .id = id}};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, entity_get_in_tx, &work);
    return restaurant_done(rc, work.result, out, e, ent->what);
}

static int entity_update_in_tx(db_tx_t *tx, void *ctx)
{
    entity_work_t *work = ctx;
    const restaurant_write_t *w = &work->w;
    int64_t changed = 0;
    int rc = work->ent->check ? work->ent->check(tx, w) : 0;
    if (rc == 0)
        rc = work->ent->update(tx, w, &changed);
    if (rc != 0)
        return rc;
    rc = entity_read(tx, work->ent, w->pid, w->id, &work->result);
    if (rc == 0 && changed == 0)
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL,
                          "the %s was changed meanwhile; reload and retry", work->ent->what);
    return rc;
}

int restaurant_entity_update(app_t *app, const principal_t *who, const restaurant_entity_t *ent,
                             const char *pid, const char *id, const void *in, int64_t if_match,
                             json_t **out, buffr_err_t *e)
{
    entity_work_t work = {.ent = ent,
                          .w = {.pid = pid, .id = id, .in = in, .if_match = if_match, .e = e}};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, entity_update_in_tx, &work);
    return restaurant_done(rc, work.result, out, e, ent->what);
}

typedef struct delete_work {
    const char *sql, *pid, *id, *id2;
} delete_work_t;

static int delete_in_tx(db_tx_t *tx, void *ctx)
{
    delete_work_t *w = ctx;
    int64_t changed = 0;
    int rc = w->id2 ? db_exec(tx, w->sql, DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(w->id2)),
                              &changed)
                    : db_exec(tx, w->sql, DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id)), &changed);
    if (rc != 0)
        return rc;
    return changed > 0 ? 0 : BUFFR_ENOTFOUND;
}

int restaurant_delete_row(app_t *app, const principal_t *who, const char *sql, const char *pid,
                          const char *id, const char *id2, const char *what, const char *in_use,
                          buffr_err_t *e)
{
    delete_work_t w = {.sql = sql, .pid = pid, .id = id, .id2 = id2};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, delete_in_tx, &w);
    if (rc == BUFFR_ECONSTRAINT)
        return buffr_fail(e, BUFFR_ECONFLICT, NULL, "%s", in_use);
    json_t *none = NULL;
    return restaurant_done(rc, NULL, &none, e, what);
}

int restaurant_entity_delete(app_t *app, const principal_t *who, const restaurant_entity_t *ent,
                             const char *pid, const char *id, buffr_err_t *e)
{
    return restaurant_delete_row(app, who, ent->delete_one, pid, id, NULL, ent->what, ent->in_use,
                                 e);
}
