/*
 * kds.c - the kitchen display: the items of open orders, oldest first,
 * optionally for one station (a category's station: grill, cold, bar...),
 * and the cooks' bump (queued -> preparing -> ready) and recall (one step
 * back). The order follows its items: the first item started moves a
 * placed or accepted order to preparing; all items ready move it to ready;
 * a recall moves a ready order back to preparing, and a preparing order
 * whose items are all queued again back to accepted.
 */
#include "restaurant/restaurant.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "restaurant/restaurant_internal.h"

/* More open items than this is not a kitchen, it is a backlog. */
#define KDS_MAX_ITEMS 1000

typedef struct kds_work {
    const char *pid, *item_id;
    bool forward;
    buffr_err_t *e;
    json_t *result;
} kds_work_t;

#define KDS_COLUMNS                                                                                \
    "i.order_id, i.id, i.name, i.quantity, i.options, i.note, i.status, i.station, i.created_at, " \
    "o.status, o.table_label, o.channel"

static json_t *kds_row_json(db_rows_t *rows)
{
    json_t *options = json_loads(db_text(rows, 4), 0, NULL);
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:o, s:o, s:s, s:o, s:o, s:s, s:o, s:s}", "order_id",
        db_text(rows, 0), "item_id", db_text(rows, 1), "name", db_text(rows, 2), "quantity",
        (json_int_t)db_int(rows, 3), "options", options ? options : json_array(), "note",
        jsonx_string_or_null(db_text(rows, 5)), "status", db_text(rows, 6), "station",
        jsonx_string_or_null(db_text(rows, 7)), "placed_at", restaurant_time_json(db_int(rows, 8)),
        "order_status", db_text(rows, 9), "table", jsonx_string_or_null(db_text(rows, 10)),
        "channel", db_text(rows, 11));
}

int kds_list(app_t *app, const principal_t *who, const char *pid, const char *station, json_t **out,
             buffr_err_t *e)
{
    if (station != NULL && !restaurant_station_valid(station))
        return buffr_fail(e, BUFFR_EVALIDATION, "station", "station is not a valid name");
    return restaurant_list(
        app, who, pid,
        "SELECT " KDS_COLUMNS " FROM orders o JOIN order_items i ON i.tenant_id = o.tenant_id AND "
        "i.order_id = o.id WHERE o.tenant_id = $1 AND o.property_id = $2 AND o.status IN "
        "('placed','accepted','preparing','ready','served') AND i.status <> 'voided' AND "
        "(CAST($3 AS TEXT) IS NULL OR i.station = $3) ORDER BY i.created_at, o.id, i.position "
        "LIMIT $4",
        DB_ARGS(DB_TEXT(station), DB_INT(KDS_MAX_ITEMS)), kds_row_json, out, e);
}

static json_t *kds_station_json(db_rows_t *rows)
{
    return json_string(db_text(rows, 0));
}

static int kds_stations_in_tx(db_tx_t *tx, void *ctx)
{
    kds_work_t *w = ctx;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    json_t *list = NULL;
    if (rc == 0)
        rc =
            restaurant_rows_json(tx,
                                 "SELECT DISTINCT station FROM menu_categories WHERE tenant_id = "
                                 "$1 AND property_id = $2 AND station IS NOT NULL ORDER BY station",
                                 DB_ARGS(DB_TEXT(w->pid)), kds_station_json, &list);
    if (rc != 0)
        return rc;
    json_decref(w->result);
    w->result = json_pack("{s:o}", "data", list);
    return w->result ? 0 : BUFFR_ENOMEM;
}

int kds_stations(app_t *app, const principal_t *who, const char *pid, json_t **out, buffr_err_t *e)
{
    kds_work_t w = {.pid = pid};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, kds_stations_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}

/* The order's status after one of its items moved. */
static int kds_order_follow(db_tx_t *tx, const char *pid, const char *oid, const char *order_status,
                            const char *item_status, bool forward)
{
    int64_t started = 0, waiting = 0;
    int rc = db_query_int(tx,
                          "SELECT count(*) FROM order_items WHERE tenant_id = $1 AND property_id = "
                          "$2 AND order_id = $3 AND status IN ('preparing','ready')",
                          DB_ARGS(DB_TEXT(pid), DB_TEXT(oid)), &started);
    if (rc == 0)
        rc = db_query_int(tx,
                          "SELECT count(*) FROM order_items WHERE tenant_id = $1 AND property_id = "
                          "$2 AND order_id = $3 AND status IN ('queued','preparing')",
                          DB_ARGS(DB_TEXT(pid), DB_TEXT(oid)), &waiting);
    if (rc != 0)
        return rc;
    const char *next = NULL;
    bool early = strcmp(order_status, "placed") == 0 || strcmp(order_status, "accepted") == 0;
    if (forward && waiting == 0 && (early || strcmp(order_status, "preparing") == 0))
        next = "ready";
    else if (forward && strcmp(item_status, "preparing") == 0 && early)
        next = "preparing";
    else if (!forward && strcmp(order_status, "ready") == 0 && waiting > 0)
        next = "preparing";
    else if (!forward && strcmp(order_status, "preparing") == 0 && started == 0)
        next = "accepted";
    if (next == NULL)
        return 0;
    return db_exec(tx,
                   "UPDATE orders SET status = $4, updated_at = $5, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
                   DB_ARGS(DB_TEXT(pid), DB_TEXT(oid), DB_TEXT(next), DB_INT(time_now())), NULL);
}

static int kds_move_in_tx(db_tx_t *tx, void *ctx)
{
    kds_work_t *w = ctx;
    db_rows_t *rows;
    int rc = restaurant_first_row(tx,
                                  "SELECT i.status, o.status, o.id FROM order_items i JOIN orders "
                                  "o ON o.tenant_id = i.tenant_id AND o.id = i.order_id WHERE "
                                  "i.tenant_id = $1 AND i.property_id = $2 AND i.id = $3",
                                  DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->item_id)), &rows);
    if (rc != 0)
        return rc;
    char item_status[16], order_status[16], oid[UUID_BUF_SIZE];
    snprintf(item_status, sizeof(item_status), "%s", db_text(rows, 0));
    snprintf(order_status, sizeof(order_status), "%s", db_text(rows, 1));
    snprintf(oid, sizeof(oid), "%s", db_text(rows, 2));
    db_rows_free(rows);
    if (strcmp(order_status, "completed") == 0 || strcmp(order_status, "cancelled") == 0)
        return buffr_fail(w->e, BUFFR_ESTATE, NULL, "the order is %s", order_status);
    static const char *const steps[] = {"queued", "preparing", "ready"};
    int at = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(item_status, steps[i]) == 0)
            at = i;
    int to = w->forward ? at + 1 : at - 1;
    if (at < 0 || to < 0 || to > 2)
        return buffr_fail(w->e, BUFFR_ESTATE, NULL, "a %s item cannot be %s", item_status,
                          w->forward ? "bumped" : "recalled");
    rc = db_exec(tx,
                 "UPDATE order_items SET status = $4, updated_at = $5 WHERE tenant_id = $1 AND "
                 "property_id = $2 AND id = $3 AND status = $6",
                 DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->item_id), DB_TEXT(steps[to]),
                         DB_INT(time_now()), DB_TEXT(item_status)),
                 NULL);
    if (rc == 0)
        rc = kds_order_follow(tx, w->pid, oid, order_status, steps[to], w->forward);
    if (rc != 0)
        return rc;
    return restaurant_row_json(tx,
                               "SELECT " KDS_COLUMNS " FROM order_items i JOIN orders o ON "
                               "o.tenant_id = i.tenant_id AND o.id = i.order_id WHERE i.tenant_id "
                               "= $1 AND i.property_id = $2 AND i.id = $3",
                               DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->item_id)), kds_row_json,
                               &w->result);
}

static int kds_move(app_t *app, const principal_t *who, const char *pid, const char *item_id,
                    bool forward, json_t **out, buffr_err_t *e)
{
    kds_work_t w = {.pid = pid, .item_id = item_id, .forward = forward, .e = e};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, kds_move_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "order item");
}

int kds_bump(app_t *app, const principal_t *who, const char *pid, const char *item_id, json_t **out,
             buffr_err_t *e)
{
    return kds_move(app, who, pid, item_id, true, out, e);
}

int kds_recall(app_t *app, const principal_t *who, const char *pid, const char *item_id,
               json_t **out, buffr_err_t *e)
{
    return kds_move(app, who, pid, item_id, false, out, e);
}
