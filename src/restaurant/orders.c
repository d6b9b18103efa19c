/*
 * orders.c - orders of a property: placing them (prices from the menu at
 * that moment, never from the client), their life cycle, changes while
 * they are open (items added or voided, discounts, tip, table moves and
 * merges), totals recomputed by the server after each change. The day's
 * sales: sales.c.
 *
 * Status: placed -> accepted -> preparing -> ready -> served -> completed,
 * or cancelled before served. The kitchen display (kds.c) moves an order
 * along with its items. Money rules: order_math.h.
 */
#include "restaurant/restaurant.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/uuid.h"
#include "restaurant/order_math.h"
#include "core/zone.h"
#include "restaurant/restaurant_internal.h"

#define ORDER_LINES_MAX   100 /* per request */
#define ORDER_OPTIONS_MAX 50  /* per line */
#define ORDER_GROUPS_MAX  64  /* modifier groups of one item */

static const char *const order_channels[] = {"dine_in", "takeaway", "room_service", "qr", NULL};
static const char *const order_statuses[] = {"placed", "accepted",  "preparing", "ready",
                                             "served", "completed", "cancelled", NULL};

/* The one step each status may take forward; cancelling is allowed from
 * every status before served. */
static bool order_transition_allowed(const char *from, const char *to)
{
    static const char *const chain[] = {"placed", "accepted", "preparing",
                                        "ready",  "served",   "completed"};
    if (strcmp(to, "cancelled") == 0)
        return strcmp(from, "placed") == 0 || strcmp(from, "accepted") == 0 ||
               strcmp(from, "preparing") == 0 || strcmp(from, "ready") == 0;
    for (size_t i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++)
        if (strcmp(from, chain[i]) == 0)
            return strcmp(to, chain[i + 1]) == 0;
    return false;
}

static bool order_is_open(const char *status)
{
    return strcmp(status, "completed") != 0 && strcmp(status, "cancelled") != 0;
}

/* ---- reading and rendering ---- */

#define ORDER_COLUMNS                                                                              \
    "id, channel, status, table_id, table_label, reservation_id, tax_inclusive, subtotal, "        \
    "discount_total, tax, tip, total, currency, business_date, merged_into, placed_at, "           \
    "updated_at, version, property_id"
#define ORDER_ITEM_COLUMNS                                                                         \
    "order_id, id, menu_item_id, name, category_id, station, unit_price, quantity, line_total, "   \
    "tax_rate_bp, options, note, status, created_at"

static json_t *order_row_json(db_rows_t *rows)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:o, "
        "s:o, s:I, s:[], s:[]}",
        "id", db_text(rows, 0), "property_id", db_text(rows, 18), "channel", db_text(rows, 1),
        "status", db_text(rows, 2), "table_id", jsonx_string_or_null(db_text(rows, 3)), "table",
        jsonx_string_or_null(db_text(rows, 4)), "reservation_id",
        jsonx_string_or_null(db_text(rows, 5)), "tax_inclusive", db_int(rows, 6) != 0, "subtotal",
        (json_int_t)db_int(rows, 7), "discount_total", (json_int_t)db_int(rows, 8), "tax",
        (json_int_t)db_int(rows, 9), "tip", (json_int_t)db_int(rows, 10), "total",
        (json_int_t)db_int(rows, 11), "currency", db_text(rows, 12), "business_date",
        db_text(rows, 13), "merged_into", jsonx_string_or_null(db_text(rows, 14)), "placed_at",
        restaurant_time_json(db_int(rows, 15)), "updated_at",
        restaurant_time_json(db_int(rows, 16)), "version", (json_int_t)db_int(rows, 17), "items",
        "discounts");
}

static json_t *order_item_row_json(db_rows_t *rows)
{
    json_t *options = json_loads(db_text(rows, 10), 0, NULL);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:s, s:o}", "id", db_text(rows, 1),
        "menu_item_id", db_text(rows, 2), "name", db_text(rows, 3), "category_id", db_text(rows, 4),
        "station", jsonx_string_or_null(db_text(rows, 5)), "unit_price",
        (json_int_t)db_int(rows, 6), "quantity", (json_int_t)db_int(rows, 7), "line_total",
        (json_int_t)db_int(rows, 8), "tax_rate_bp", (json_int_t)db_int(rows, 9), "options",
        options ? options : json_array(), "note", jsonx_string_or_null(db_text(rows, 11)), "status",
        db_text(rows, 12), "placed_at", restaurant_time_json(db_int(rows, 13)));
}

static json_t *order_discount_row_json(db_rows_t *rows)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o}", "id", db_text(rows, 1), "kind",
                     db_is_null(rows, 2) ? "percent" : "amount", "amount",
                     db_is_null(rows, 2) ? json_null() : json_integer(db_int(rows, 2)), "percent",
                     db_is_null(rows, 3) ? json_null() : json_integer(db_int(rows, 3) / 100),
                     "reason", db_text(rows, 4), "created_at",
                     restaurant_time_json(db_int(rows, 5)));
}

/* Run orders_sql into list; then attach the orders' items and discounts
 * from their own queries, which select by the same arguments. */
static int order_query_into(db_tx_t *tx, const char *orders_sql, const char *items_sql,
                            const char *discounts_sql, const db_arg_t *args, size_t nargs,
                            json_t *list)
{
    json_t *by_id = json_object();
    if (by_id == NULL)
        return BUFFR_ENOMEM;
    int rc = restaurant_rows_append(tx, orders_sql, args, nargs, order_row_json, list, by_id);
    if (rc == 0 && json_array_size(list) > 0)
        rc =
            restaurant_rows_attach(tx, items_sql, args, nargs, order_item_row_json, by_id, "items");
    if (rc == 0 && json_array_size(list) > 0)
        rc = restaurant_rows_attach(tx, discounts_sql, args, nargs, order_discount_row_json, by_id,
                                    "discounts");
    json_decref(by_id);
    return rc;
}

/* The table filter ($4) applies to the order row; the queries of its items
 * and discounts name it too, only so that both backends see one parameter
 * list (PostgreSQL wants a type for every parameter). */
#define ORDER_SAME_ARGS "COALESCE(CAST($4 AS TEXT), '') = COALESCE(CAST($4 AS TEXT), '')"

/* One order (of table_id only, when given) into *out. */
static int order_read(db_tx_t *tx, const char *pid, const char *oid, const char *table_id,
                      json_t **out)
{
    json_t *list = json_array();
    if (list == NULL)
        return BUFFR_ENOMEM;
    int rc = order_query_into(
        tx,
        "SELECT " ORDER_COLUMNS " FROM orders WHERE tenant_id = $1 AND property_id = $2 AND id = "
        "$3 AND (CAST($4 AS TEXT) IS NULL OR table_id = $4)",
        "SELECT " ORDER_ITEM_COLUMNS " FROM order_items WHERE tenant_id = $1 AND property_id = $2 "
        "AND order_id = $3 AND " ORDER_SAME_ARGS " ORDER BY position",
        "SELECT order_id, id, amount, percent_bp, reason, created_at FROM order_discounts "
        "WHERE tenant_id = $1 AND property_id = $2 AND order_id = $3 AND " ORDER_SAME_ARGS
        " ORDER BY created_at, id",
        DB_ARGS(DB_TEXT(pid), DB_TEXT(oid), DB_TEXT(table_id)), list);
    if (rc == 0 && json_array_size(list) == 0)
        rc = BUFFR_ENOTFOUND;
    if (rc == 0) {
        json_decref(*out);
        *out = json_incref(json_array_get(list, 0));
    }
    json_decref(list);
    return rc;
}

/* The order's status, table and version (for the checks of a change). */
typedef struct order_head {
    char status[16];
    char table_id[UUID_BUF_SIZE];
    char channel[16];
    int64_t version, tip;
    bool tax_inclusive;
} order_head_t;

static int order_head_read(db_tx_t *tx, const char *pid, const char *oid, order_head_t *h)
{
    db_rows_t *rows;
    int rc = restaurant_first_row(tx,
                                  "SELECT status, table_id, version, tip, tax_inclusive, channel "
                                  "FROM orders WHERE tenant_id = $1 AND property_id = $2 AND id = "
                                  "$3",
                                  DB_ARGS(DB_TEXT(pid), DB_TEXT(oid)), &rows);
    if (rc != 0)
        return rc;
    snprintf(h->status, sizeof(h->status), "%s", db_text(rows, 0));
    snprintf(h->table_id, sizeof(h->table_id), "%s", db_text(rows, 1) ? db_text(rows, 1) : "");
    h->version = db_int(rows, 2);
    h->tip = db_int(rows, 3);
    h->tax_inclusive = db_int(rows, 4) != 0;
    snprintf(h->channel, sizeof(h->channel), "%s", db_text(rows, 5));
    db_rows_free(rows);
    return 0;
}

/* ---- totals ---- */

/* Recompute and store an order's totals from its lines, discounts and tip,
 * and count the change in its version. */
static int order_recompute(db_tx_t *tx, const char *pid, const char *oid, int64_t tip,
                           bool tax_inclusive)
{
    order_math_line_t lines[ORDER_MATH_MAX_LINES];
    size_t n = 0;
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT line_total, tax_rate_bp FROM order_items WHERE tenant_id = $1 AND "
                      "property_id = $2 AND order_id = $3 AND status <> 'voided' ORDER BY position",
                      DB_ARGS(DB_TEXT(pid), DB_TEXT(oid)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        if (n == ORDER_MATH_MAX_LINES) {
            rc = BUFFR_EVALIDATION;
            break;
        }
        lines[n].gross = db_int(rows, 0);
        lines[n].tax_rate_bp = db_int(rows, 1);
        n++;
    }
    db_rows_free(rows);
    if (rc < 0)
        return rc;
    int64_t subtotal = 0;
    for (size_t i = 0; i < n; i++)
        subtotal += lines[i].gross;

    /* Discounts one row at a time (an order may have any number): each
     * row's share, capped at the subtotal after every row, adds up to
     * order_math_discount of them all. */
    int64_t discount = 0;
    rc = db_query(tx,
                  "SELECT amount, percent_bp FROM order_discounts WHERE tenant_id = $1 AND "
                  "property_id = $2 AND order_id = $3 ORDER BY created_at, id",
                  DB_ARGS(DB_TEXT(pid), DB_TEXT(oid)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        int64_t amount = db_is_null(rows, 0) ? 0 : db_int(rows, 0);
        int64_t percent_bp = db_is_null(rows, 1) ? 0 : db_int(rows, 1);
        discount += order_math_discount(subtotal, &amount, 1, &percent_bp, 1);
        if (discount > subtotal)
            discount = subtotal;
    }
    db_rows_free(rows);
    if (rc < 0)
        return rc;
    order_math_totals_t t;
    rc = order_math_compute(lines, n, discount, tip, tax_inclusive, &t);
    if (rc != 0)
        return rc;
    return db_exec(tx,
                   "UPDATE orders SET subtotal = $3, discount_total = $4, tax = $5, tip = $6, "
                   "total = $7, updated_at = $8, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $9",
                   DB_ARGS(DB_TEXT(pid), DB_INT(t.subtotal), DB_INT(t.discount), DB_INT(t.tax),
                           DB_INT(t.tip), DB_INT(t.total), DB_INT(time_now()), DB_TEXT(oid)),
                   NULL);
}

/* ---- tables ---- */

/* A table's status is part of the table: an order that changes it counts
 * the change in the table's version too, so a waiter's stale If-Match on
 * the table answers 409 instead of overwriting a status he never saw. */
static int order_table_occupy(db_tx_t *tx, const char *pid, const char *table_id)
{
    if (table_id == NULL || table_id[0] == '\0')
        return 0;
    return db_exec(tx,
                   "UPDATE restaurant_tables SET status = 'occupied', updated_at = $4, "
                   "version = version + 1 WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                   "AND status <> 'occupied'",
                   DB_ARGS(DB_TEXT(pid), DB_TEXT(table_id), DB_INT(time_now())), NULL);
}

/* After an order left a table: when no open order is left there, the table
 * goes to status (needs_cleaning after a meal, free after a cancellation). */
static int order_table_release(db_tx_t *tx, const char *pid, const char *table_id,
                               const char *status)
{
    if (table_id == NULL || table_id[0] == '\0')
        return 0;
    return db_exec(tx,
                   "UPDATE restaurant_tables SET status = $4, updated_at = $5, "
                   "version = version + 1 WHERE tenant_id = $1 AND property_id = $2 AND "
                   "id = $3 AND status <> $4 AND NOT EXISTS ("
                   "SELECT 1 FROM orders o WHERE o.tenant_id = $1 AND o.property_id = $2 AND "
                   "o.table_id = $3 AND o.status NOT IN ('completed','cancelled'))",
                   DB_ARGS(DB_TEXT(pid), DB_TEXT(table_id), DB_TEXT(status), DB_INT(time_now())),
                   NULL);
}

/* A table named by id or by name (by id only for a guest's table token,
 * whose table a staff-chosen name must never stand in for): links the order
 * to it when it is one of the property's tables; otherwise the text is kept
 * as a free label. */
static int order_table_resolve(db_tx_t *tx, const char *pid, const char *text, bool by_id_only,
                               char table_id[UUID_BUF_SIZE], char *label, size_t label_size)
{
    table_id[0] = '\0';
    snprintf(label, label_size, "%s", text);
    db_rows_t *rows;
    int rc = restaurant_first_row(
        tx,
        by_id_only ? "SELECT id, name FROM restaurant_tables WHERE tenant_id = $1 AND "
                     "property_id = $2 AND id = $3"
                   : "SELECT id, name FROM restaurant_tables WHERE tenant_id = $1 AND "
                     "property_id = $2 AND (id = $3 OR name = $3) ORDER BY name = $3 DESC",
        DB_ARGS(DB_TEXT(pid), DB_TEXT(text)), &rows);
    if (rc == BUFFR_ENOTFOUND) /* not one of the tables: a free label */
        return 0;
    if (rc != 0)
        return rc;
    snprintf(table_id, UUID_BUF_SIZE, "%s", db_text(rows, 0));
    snprintf(label, label_size, "%s", db_text(rows, 1));
    db_rows_free(rows);
    return 0;
}

/* ---- lines: parsing and pricing ---- */

typedef struct order_line {
    char id[UUID_BUF_SIZE]; /* given at insert */
    char menu_item_id[UUID_BUF_SIZE];
    int64_t quantity;
    json_t *options; /* borrowed array of option ids, may be NULL */
    const char *note;
    /* priced from the menu: */
    char name[208], category_id[UUID_BUF_SIZE], category_name[208], station[40];
    bool has_station;
    int64_t unit_price, tax_rate_bp;
    json_t *options_snapshot; /* [{"id","name","price_delta","group"}], owned */
    char *options_json;       /* the same as text, for the row; owned */
} order_line_t;

static void order_lines_free(order_line_t *lines, size_t n)
{
    for (size_t i = 0; lines && i < n; i++) {
        json_decref(lines[i].options_snapshot);
        free(lines[i].options_json);
    }
    free(lines);
}

static int order_lines_parse(json_t *body, order_line_t **out, size_t *count, buffr_err_t *e)
{
    *out = NULL;
    *count = 0;
    json_t *items = json_object_get(body, "items");
    if (!json_is_array(items) || json_array_size(items) < 1 ||
        json_array_size(items) > ORDER_LINES_MAX)
        return buffr_fail(e, BUFFR_EVALIDATION, "items", "items must be an array of 1 to %d lines",
                          ORDER_LINES_MAX);
    size_t n = json_array_size(items);
    order_line_t *lines = calloc(n, sizeof(*lines));
    if (lines == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *it = json_array_get(items, i);
        order_line_t *l = &lines[i];
        bool present;
        if (!json_is_object(it)) {
            rc = buffr_fail(e, BUFFR_EVALIDATION, "items", "each line must be an object");
            break;
        }
        if ((rc = restaurant_uuid_field(it, "menu_item_id", true, l->menu_item_id, NULL, e)) != 0 ||
            (rc = jsonx_int(it, "quantity", true, 1, ORDER_MATH_MAX_QUANTITY, &l->quantity,
                            &present, e)) != 0 ||
            (rc = jsonx_string(it, "note", false, 0, 500, &l->note, &present, e)) != 0) {
            char field[sizeof(e->field) + 32];
            snprintf(field, sizeof(field), "items[%zu].%.40s", i, e->field);
            snprintf(e->field, sizeof(e->field), "%.63s", field);
            break;
        }
        json_t *opts = json_object_get(it, "options");
        if (opts != NULL && !json_is_null(opts)) {
            if (!json_is_array(opts) || json_array_size(opts) > ORDER_OPTIONS_MAX) {
                rc = buffr_fail(e, BUFFR_EVALIDATION, NULL,
                                "options must be an array of at most %d option ids",
                                ORDER_OPTIONS_MAX);
            }
            size_t j, k;
            json_t *o;
            json_array_foreach(opts, j, o)
            {
                char id[UUID_BUF_SIZE];
                if (rc == 0 && (!json_is_string(o) || uuid_normalize(json_string_value(o), id)))
                    rc = buffr_fail(e, BUFFR_EVALIDATION, NULL, "options must be option ids");
                for (k = 0; rc == 0 && k < j; k++)
                    if (strcasecmp(json_string_value(json_array_get(opts, k)),
                                   json_string_value(o)) == 0)
                        rc = buffr_fail(e, BUFFR_EVALIDATION, NULL,
                                        "an option is chosen twice on one line");
            }
            if (rc != 0)
                snprintf(e->field, sizeof(e->field), "items[%zu].options", i);
            l->options = opts;
        }
    }
    if (rc != 0) {
        free(lines);
        return rc;
    }
    *out = lines;
    *count = n;
    return 0;
}

typedef struct order_group_count {
    char id[UUID_BUF_SIZE];
    char name[64];
    int64_t min_select, max_select, chosen;
} order_group_count_t;

/* Price line i from the menu: the item (available, of this property), its
 * modifier groups and the options chosen in them. served_at: the property's
 * minute of the day when the item's menu must be serving then (a guest's
 * order), -1 when its hours do not apply (staff decide). */
static int order_line_price(db_tx_t *tx, const char *pid, int64_t default_rate, int served_at,
                            order_line_t *l, size_t i, buffr_err_t *e)
{
    db_rows_t *rows;
    int rc = restaurant_first_row(
        tx,
        "SELECT i.name, i.price, i.available, i.category_id, c.name, c.station, c.tax_rate_bp, "
        "m.name, m.available_from, m.available_until FROM menu_items i JOIN menu_categories c ON "
        "c.tenant_id = i.tenant_id AND c.id = i.category_id LEFT JOIN menus m ON m.tenant_id = "
        "c.tenant_id AND m.id = c.menu_id WHERE i.tenant_id = $1 AND i.property_id = $2 AND i.id "
        "= $3",
        DB_ARGS(DB_TEXT(pid), DB_TEXT(l->menu_item_id)), &rows);
    char field[64];
    snprintf(field, sizeof(field), "items[%zu].menu_item_id", i);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "there is no such item on this menu");
    if (rc != 0)
        return rc;
    snprintf(l->name, sizeof(l->name), "%s", db_text(rows, 0));
    l->unit_price = db_int(rows, 1);
    bool available = db_int(rows, 2) != 0;
    snprintf(l->category_id, sizeof(l->category_id), "%s", db_text(rows, 3));
    snprintf(l->category_name, sizeof(l->category_name), "%s", db_text(rows, 4));
    l->has_station = !db_is_null(rows, 5);
    snprintf(l->station, sizeof(l->station), "%s", l->has_station ? db_text(rows, 5) : "");
    l->tax_rate_bp = db_is_null(rows, 6) ? default_rate : db_int(rows, 6);
    if (available && served_at >= 0 && !db_is_null(rows, 7) &&
        !menu_hours_open(db_text(rows, 8), db_text(rows, 9), served_at)) {
        rc = buffr_fail(e, BUFFR_EVALIDATION, field, "%s is served %s to %s (%s menu)", l->name,
                        db_text(rows, 8), db_text(rows, 9), db_text(rows, 7));
        db_rows_free(rows);
        return rc;
    }
    db_rows_free(rows);
    if (!available)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s is not available now", l->name);

    /* Every group of the item with every option, one row per option. The
     * joins go from the item's links outwards (CROSS JOIN fixes that order
     * on SQLite, which otherwise may start from all the tenant's options). */
    rc = db_query(tx,
                  "SELECT g.id, g.name, g.min_select, g.max_select, o.id, o.name, o.price_delta "
                  "FROM menu_item_modifier_groups l CROSS JOIN menu_modifier_groups g CROSS JOIN "
                  "menu_modifier_options o WHERE l.tenant_id = $1 AND l.property_id = $2 AND "
                  "l.item_id = $3 AND g.tenant_id = l.tenant_id AND g.id = l.group_id AND "
                  "o.tenant_id = g.tenant_id AND o.group_id = g.id "
                  "ORDER BY l.position, g.id, o.position, o.id",
                  DB_ARGS(DB_TEXT(pid), DB_TEXT(l->menu_item_id)), &rows);
    if (rc != 0)
        return rc;
    order_group_count_t groups[ORDER_GROUPS_MAX];
    size_t ngroups = 0, found = 0;
    size_t nchosen = l->options ? json_array_size(l->options) : 0;
    json_t *snapshot = json_array();
    if (snapshot == NULL)
        rc = BUFFR_ENOMEM;
    while (rc == 0 && (rc = db_next(rows)) == 1) {
        rc = 0;
        const char *gid = db_text(rows, 0);
        if (ngroups == 0 || strcmp(groups[ngroups - 1].id, gid) != 0) {
            if (ngroups == ORDER_GROUPS_MAX)
                continue;
            order_group_count_t *g = &groups[ngroups++];
            snprintf(g->id, sizeof(g->id), "%s", gid);
            snprintf(g->name, sizeof(g->name), "%s", db_text(rows, 1));
            g->min_select = db_int(rows, 2);
            g->max_select = db_int(rows, 3);
            g->chosen = 0;
        }
        const char *option_id = db_text(rows, 4);
        for (size_t k = 0; k < nchosen; k++) {
            if (strcasecmp(json_string_value(json_array_get(l->options, k)), option_id) != 0)
                continue;
            groups[ngroups - 1].chosen++;
            found++;
            int64_t delta = db_int(rows, 6);
            l->unit_price += delta;
            json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "id", option_id, "name", db_text(rows, 5),
                                  "price_delta", (json_int_t)delta, "group", db_text(rows, 1));
            if (o == NULL || json_array_append_new(snapshot, o) != 0)
                rc = BUFFR_ENOMEM;
        }
    }
    db_rows_free(rows);
    snprintf(field, sizeof(field), "items[%zu].options", i);
    if (rc == 0 && found != nchosen)
        rc = buffr_fail(e, BUFFR_EVALIDATION, field,
                        "an option chosen for %s is not one of its modifier options", l->name);
    for (size_t g = 0; rc == 0 && g < ngroups; g++) {
        if (groups[g].chosen < groups[g].min_select || groups[g].chosen > groups[g].max_select)
            rc = buffr_fail(e, BUFFR_EVALIDATION, field,
                            "%s: choose between %lld and %lld of \"%s\" (%lld chosen)", l->name,
                            (long long)groups[g].min_select, (long long)groups[g].max_select,
                            groups[g].name, (long long)groups[g].chosen);
    }
    if (rc == 0 && l->unit_price > ORDER_MATH_MAX_PRICE)
        rc = buffr_fail(e, BUFFR_EVALIDATION, field, "%s with these options costs too much",
                        l->name);
    if (rc == 0 && l->unit_price < 0)
        rc = buffr_fail(e, BUFFR_EVALIDATION, field, "the options make %s cost less than 0",
                        l->name);
    if (rc == 0) {
        free(l->options_json);
        /* Most lines have no options: their text needs no encoder. */
        l->options_json = json_array_size(snapshot) == 0 ? strdup("[]") : jsonx_dump(snapshot);
        if (l->options_json == NULL)
            rc = BUFFR_ENOMEM;
    }
    /* Kept for the answer of a new order, so it need not parse the text. */
    json_decref(l->options_snapshot);
    l->options_snapshot = rc == 0 ? snapshot : NULL;
    if (rc != 0)
        json_decref(snapshot);
    return rc < 0 ? rc : 0;
}

/* Lines go in by up to ORDER_INSERT_ROWS_MAX per INSERT: one statement
 * for a usual order instead of one per line. $1 is the tenant, $2 to $4
 * the property, order and time shared by every row, then
 * ORDER_INSERT_ROW_PARAMS per row. The texts are made once, so that each
 * is one cached statement. */
#define ORDER_INSERT_ROWS_MAX   8
#define ORDER_INSERT_ROW_PARAMS 13
#define ORDER_INSERT_SQL_SIZE   2048

static char order_insert_sql[ORDER_INSERT_ROWS_MAX][ORDER_INSERT_SQL_SIZE];
static pthread_once_t order_insert_once = PTHREAD_ONCE_INIT;

static void order_insert_sql_build(void)
{
    for (int rows = 1; rows <= ORDER_INSERT_ROWS_MAX; rows++) {
        char *sql = order_insert_sql[rows - 1];
        int len = snprintf(sql, ORDER_INSERT_SQL_SIZE,
                           "INSERT INTO order_items (tenant_id, id, property_id, order_id, "
                           "position, menu_item_id, category_id, category_name, name, station, "
                           "unit_price, quantity, line_total, tax_rate_bp, options, note, "
                           "created_at, updated_at) VALUES ");
        for (int r = 0; r < rows; r++) {
            int p = 5 + r * ORDER_INSERT_ROW_PARAMS;
            len += snprintf(sql + len, ORDER_INSERT_SQL_SIZE - (size_t)len,
                            "%s($1, $%d, $2, $3, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, "
                            "$%d, $%d, $%d, $4, $4)",
                            r > 0 ? ", " : "", p, p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7,
                            p + 8, p + 9, p + 10, p + 11, p + 12);
        }
    }
}

static int order_lines_insert(db_tx_t *tx, const char *pid, const char *oid, order_line_t *lines,
                              size_t n, int64_t first_position, int64_t now)
{
    pthread_once(&order_insert_once, order_insert_sql_build);
    db_arg_t args[3 + ORDER_INSERT_ROWS_MAX * ORDER_INSERT_ROW_PARAMS];
    args[0] = DB_TEXT(pid);
    args[1] = DB_TEXT(oid);
    args[2] = DB_INT(now);
    int rc = 0;
    for (size_t start = 0; start < n && rc == 0; start += ORDER_INSERT_ROWS_MAX) {
        size_t rows = n - start < ORDER_INSERT_ROWS_MAX ? n - start : ORDER_INSERT_ROWS_MAX;
        db_arg_t *a = args + 3;
        for (size_t i = start; i < start + rows; i++) {
            order_line_t *l = &lines[i];
            uuid_v7_new(l->id);
            *a++ = DB_TEXT(l->id);
            *a++ = DB_INT(first_position + (int64_t)i);
            *a++ = DB_TEXT(l->menu_item_id);
            *a++ = DB_TEXT(l->category_id);
            *a++ = DB_TEXT(l->category_name);
            *a++ = DB_TEXT(l->name);
            *a++ = DB_TEXT(l->has_station ? l->station : NULL);
            *a++ = DB_INT(l->unit_price);
            *a++ = DB_INT(l->quantity);
            *a++ = DB_INT(l->unit_price * l->quantity);
            *a++ = DB_INT(l->tax_rate_bp);
            *a++ = DB_TEXT(l->options_json);
            *a++ = DB_TEXT(l->note);
        }
        rc = db_exec(tx, order_insert_sql[rows - 1], args, (size_t)(a - args), NULL);
    }
    return rc;
}

/* ---- create ---- */

/* Placing an order is two transactions: pricing reads the menu (many
 * statements, concurrent with other readers), then a short write inserts
 * what was priced. So the one-writer-at-a-time part of SQLite stays
 * small. The answer is rendered from what was written. */
typedef struct order_create_work {
    const char *pid, *qr_table_id, *user_id;
    const char *channel, *table_text;
    char reservation_id[UUID_BUF_SIZE];
    bool has_reservation;
    order_line_t *lines;
    size_t n;
    buffr_err_t *e;
    /* priced: */
    char currency[4], zone[RESTAURANT_TZ_MAX];
    char table_id[UUID_BUF_SIZE], label[72];
    bool inclusive;
    order_math_totals_t totals;
    /* written: */
    char id[UUID_BUF_SIZE];
    int64_t now;
    char day[DATE_BUF_SIZE];
} order_create_work_t;

/* Room service goes to an in-house stay: a reservation of this property
 * that is checked in. The reservations table belongs to the hotel module
 * and may be absent from a build without it. */
static int order_reservation_check(db_tx_t *tx, const char *pid, const char *rid, buffr_err_t *e)
{
    int64_t exists = 0;
    int rc = db_query_int(tx,
                          db_tx_backend(tx) == DB_SQLITE
                              ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'reservations' AND $1 IS NOT NULL"
                              : "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = "
                                "'reservations' AND schemaname = current_schema() AND "
                                "CAST($1 AS TEXT) IS NOT NULL",
                          DB_NOARGS, &exists);
    if (rc != 0)
        return rc;
    int64_t in_house = 0;
    if (exists) {
        rc = db_query_int(tx,
                          "SELECT count(*) FROM reservations WHERE tenant_id = $1 AND "
                          "property_id = $2 AND id = $3 AND status = 'checked_in'",
                          DB_ARGS(DB_TEXT(pid), DB_TEXT(rid)), &in_house);
        if (rc != 0)
            return rc;
    }
    if (in_house == 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "reservation_id",
                          "reservation_id must be the stay of a guest checked in here");
    return 0;
}

static int order_create_price_in_tx(db_tx_t *tx, void *ctx)
{
    order_create_work_t *w = ctx;
    db_rows_t *rows;
    int rc = restaurant_first_row(tx,
                                  "SELECT p.currency, p.timezone, COALESCE(s.tax_rate_bp, 0), "
                                  "COALESCE(s.tax_inclusive, 0) FROM properties p LEFT JOIN "
                                  "restaurant_settings s ON s.tenant_id = p.tenant_id AND "
                                  "s.property_id = p.id WHERE p.tenant_id = $1 AND p.id = $2",
                                  DB_ARGS(DB_TEXT(w->pid)), &rows);
    if (rc != 0)
        return rc;
    snprintf(w->currency, sizeof(w->currency), "%s", db_text(rows, 0));
    snprintf(w->zone, sizeof(w->zone), "%s", db_text(rows, 1));
    int64_t rate = db_int(rows, 2);
    w->inclusive = db_int(rows, 3) != 0;
    db_rows_free(rows);

    /* Any order may be charged to a stay (room service must be): the stay
     * has to be one checked in at this property. */
    if (w->has_reservation &&
        (rc = order_reservation_check(tx, w->pid, w->reservation_id, w->e)) != 0)
        return rc;

    w->table_id[0] = w->label[0] = '\0';
    if (w->qr_table_id) {
        rc = order_table_resolve(tx, w->pid, w->qr_table_id, true, w->table_id, w->label,
                                 sizeof(w->label));
        if (rc == 0 && w->table_id[0] == '\0')
            rc = BUFFR_ENOTFOUND;
    } else if (w->table_text) {
        rc = order_table_resolve(tx, w->pid, w->table_text, false, w->table_id, w->label,
                                 sizeof(w->label));
        if (rc == 0 && w->table_id[0] == '\0' && strcmp(w->channel, "qr") == 0)
            rc = buffr_fail(w->e, BUFFR_EVALIDATION, "table",
                            "a qr order is for one of the property's tables");
    }
    if (rc != 0)
        return rc;

    /* A guest orders only what is being served now; staff may take an
     * order outside a menu's hours (a late breakfast the kitchen agreed to). */
    int served_at = -1;
    if (w->qr_table_id && zone_minute_of_day(w->zone, time_now(), &served_at) != 0)
        served_at = -1; /* unknown zone: hours cannot be told */
    order_math_line_t math[ORDER_LINES_MAX];
    for (size_t i = 0; i < w->n; i++) {
        if ((rc = order_line_price(tx, w->pid, rate, served_at, &w->lines[i], i, w->e)) != 0)
            return rc;
        math[i].gross = w->lines[i].unit_price * w->lines[i].quantity;
        math[i].tax_rate_bp = w->lines[i].tax_rate_bp;
    }
    return order_math_compute(math, w->n, 0, 0, w->inclusive, &w->totals);
}

static int order_create_insert_in_tx(db_tx_t *tx, void *ctx)
{
    order_create_work_t *w = ctx;
    const order_math_totals_t *t = &w->totals;
    int rc =
        db_exec(tx,
                "INSERT INTO orders (tenant_id, id, property_id, channel, status, table_id, "
                "table_label, reservation_id, tax_inclusive, subtotal, discount_total, tax, tip, "
                "total, currency, business_date, created_by, placed_at, updated_at) "
                "VALUES ($1, $2, $3, $4, 'placed', $5, $6, $7, $8, $9, 0, $10, 0, $11, $12, $13, "
                "$14, $15, $15)",
                DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(w->channel),
                        DB_TEXT(w->table_id[0] ? w->table_id : NULL),
                        DB_TEXT(w->label[0] ? w->label : NULL),
                        DB_TEXT(w->has_reservation ? w->reservation_id : NULL),
                        DB_BOOL(w->inclusive), DB_INT(t->subtotal), DB_INT(t->tax),
                        DB_INT(t->total), DB_TEXT(w->currency), DB_TEXT(w->day),
                        DB_TEXT(w->user_id && w->user_id[0] ? w->user_id : NULL), DB_INT(w->now)),
                NULL);
    if (rc == 0)
        rc = order_lines_insert(tx, w->pid, w->id, w->lines, w->n, 0, w->now);
    if (rc == 0)
        rc = order_table_occupy(tx, w->pid, w->table_id);
    return rc;
}

/* The new order as order_read would show it, without reading it back. */
static json_t *order_created_json(const order_create_work_t *w)
{
    const order_math_totals_t *t = &w->totals;
    json_t *items = json_array();
    for (size_t i = 0; items && i < w->n; i++) {
        const order_line_t *l = &w->lines[i];
        json_t *options = json_incref(l->options_snapshot);
        json_t *item = json_pack(
            "{s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:s, s:o}", "id", l->id,
            "menu_item_id", l->menu_item_id, "name", l->name, "category_id", l->category_id,
            "station", l->has_station ? json_string(l->station) : json_null(), "unit_price",
            (json_int_t)l->unit_price, "quantity", (json_int_t)l->quantity, "line_total",
            (json_int_t)(l->unit_price * l->quantity), "tax_rate_bp", (json_int_t)l->tax_rate_bp,
            "options", options ? options : json_array(), "note", jsonx_string_or_null(l->note),
            "status", "queued", "placed_at", restaurant_time_json(w->now));
        if (item == NULL || json_array_append_new(items, item) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    if (items == NULL)
        return NULL;
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:n, s:o, "
        "s:o, s:i, s:o, s:[]}",
        "id", w->id, "property_id", w->pid, "channel", w->channel, "status", "placed", "table_id",
        jsonx_string_or_null(w->table_id[0] ? w->table_id : NULL), "table",
        jsonx_string_or_null(w->label[0] ? w->label : NULL), "reservation_id",
        jsonx_string_or_null(w->has_reservation ? w->reservation_id : NULL), "tax_inclusive",
        w->inclusive, "subtotal", (json_int_t)t->subtotal, "discount_total", (json_int_t)0, "tax",
        (json_int_t)t->tax, "tip", (json_int_t)0, "total", (json_int_t)t->total, "currency",
        w->currency, "business_date", w->day, "merged_into", "placed_at",
        restaurant_time_json(w->now), "updated_at", restaurant_time_json(w->now), "version", 1,
        "items", items, "discounts");
}

int order_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                 const char *qr_table_id, json_t **out, buffr_err_t *e)
{
    order_create_work_t w = {
        .pid = pid, .qr_table_id = qr_table_id, .user_id = who->user_id, .e = e};
    int rc;
    bool present;
    if (qr_table_id) {
        w.channel = "qr"; /* a guest at the table: no other channel, no other table */
    } else {
        if ((rc = jsonx_enum(body, "channel", true, order_channels, &w.channel, &present, e)) !=
                0 ||
            (rc = jsonx_string(body, "table", false, 1, 64, &w.table_text, &present, e)) != 0 ||
            (rc = restaurant_uuid_field(body, "reservation_id", false, w.reservation_id,
                                        &w.has_reservation, e)) != 0)
            return rc;
        if (strcmp(w.channel, "room_service") == 0 && !w.has_reservation)
            return buffr_fail(e, BUFFR_EVALIDATION, "reservation_id",
                              "room service needs reservation_id");
        /* A waiter keying in the order of a QR table: the table is the point. */
        if (strcmp(w.channel, "qr") == 0 && w.table_text == NULL)
            return buffr_fail(e, BUFFR_EVALIDATION, "table",
                              "a qr order needs the table (its id or name)");
    }
    if ((rc = order_lines_parse(body, &w.lines, &w.n, e)) != 0)
        return rc;
    rc = db_transact(app->db, who->tenant_id, DB_READ, order_create_price_in_tx, &w);
    json_t *result = NULL;
    if (rc == 0) {
        w.now = time_now();
        if (business_day_of(w.zone, w.now, w.day) != 0)
            date_format(w.now / 86400, w.day); /* unknown zone: UTC */
        uuid_v7_new(w.id);
        rc = db_transact(app->db, who->tenant_id, DB_WRITE, order_create_insert_in_tx, &w);
        /* The table or property went away between pricing and writing. */
        if (rc == BUFFR_ECONSTRAINT)
            rc = BUFFR_ENOTFOUND;
    }
    if (rc == 0 && (result = order_created_json(&w)) == NULL)
        rc = BUFFR_ENOMEM;
    order_lines_free(w.lines, w.n);
    return restaurant_done(rc, result, out, e, qr_table_id ? "table" : "property");
}

/* ---- read and list ---- */

typedef struct order_get_work {
    const char *pid, *oid, *table_id;
    json_t *result;
} order_get_work_t;

static int order_get_in_tx(db_tx_t *tx, void *ctx)
{
    order_get_work_t *w = ctx;
    return order_read(tx, w->pid, w->oid, w->table_id, &w->result);
}

int order_get(app_t *app, const principal_t *who, const char *pid, const char *oid,
              const char *qr_table_id, json_t **out, buffr_err_t *e)
{
    order_get_work_t w = {.pid = pid, .oid = oid, .table_id = qr_table_id};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, order_get_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "order");
}

typedef struct order_list_work {
    const char *pid;
    const order_filter_t *f;
    int limit;
    const char *cursor;
    json_t *result;
} order_list_work_t;

#define ORDER_FILTER                                                                               \
    " WHERE o.tenant_id = $1 AND o.property_id = $2 AND (CAST($3 AS TEXT) IS NULL OR o.status = "  \
    "$3) AND (CAST($4 AS TEXT) IS NULL OR o.table_label = $4 OR o.table_id = $4) AND "             \
    "(CAST($5 AS TEXT) IS NULL OR o.channel = $5) AND (CAST($6 AS TEXT) IS NULL OR "               \
    "o.business_date = $6) AND o.id > $7 "
#define ORDER_PAGE " SELECT o.id FROM orders o" ORDER_FILTER "ORDER BY o.id LIMIT $8"

static int order_list_in_tx(db_tx_t *tx, void *ctx)
{
    order_list_work_t *w = ctx;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    if (rc != 0)
        return rc;
    json_t *list = json_array();
    if (list == NULL)
        return BUFFR_ENOMEM;
    const order_filter_t *f = w->f;
    rc = order_query_into(
        tx, "SELECT " ORDER_COLUMNS " FROM orders o" ORDER_FILTER "ORDER BY o.id LIMIT $8",
        "SELECT " ORDER_ITEM_COLUMNS " FROM order_items WHERE tenant_id = $1 AND order_id IN "
        "(" ORDER_PAGE ") ORDER BY order_id, position",
        "SELECT order_id, id, amount, percent_bp, reason, created_at FROM order_discounts "
        "WHERE tenant_id = $1 AND order_id IN (" ORDER_PAGE ") ORDER BY created_at, id",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(f->status), DB_TEXT(f->table), DB_TEXT(f->channel),
                DB_TEXT(f->date), DB_TEXT(w->cursor ? w->cursor : ""), DB_INT(w->limit + 1)),
        list);
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    json_t *next = json_null();
    if (json_array_size(list) > (size_t)w->limit) {
        json_array_remove(list, (size_t)w->limit);
        next = json_incref(json_object_get(json_array_get(list, (size_t)w->limit - 1), "id"));
    }
    json_decref(w->result);
    w->result = json_pack("{s:o, s:o}", "data", list, "next_cursor", next);
    return w->result ? 0 : BUFFR_ENOMEM;
}

int order_list(app_t *app, const principal_t *who, const char *pid, const order_filter_t *filter,
               int limit, const char *cursor, json_t **out, buffr_err_t *e)
{
    if (cursor != NULL && !uuid_is_valid(cursor))
        return buffr_fail(e, BUFFR_EVALIDATION, "cursor", "cursor is not valid");
    int64_t day;
    if (filter->date && date_parse(filter->date, &day) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "date", "date must be YYYY-MM-DD");
    const char *dummy;
    bool present;
    json_t *probe = json_pack("{s:s?, s:s?}", "status", filter->status, "channel", filter->channel);
    int rc = probe ? 0 : BUFFR_ENOMEM;
    if (rc == 0)
        rc = jsonx_enum(probe, "status", false, order_statuses, &dummy, &present, e);
    if (rc == 0)
        rc = jsonx_enum(probe, "channel", false, order_channels, &dummy, &present, e);
    json_decref(probe);
    if (rc != 0)
        return rc == BUFFR_ENOMEM ? buffr_fail(e, rc, NULL, "out of memory") : rc;
    order_list_work_t w = {.pid = pid, .f = filter, .limit = limit, .cursor = cursor};
    rc = db_transact(app->db, who->tenant_id, DB_READ, order_list_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}

/* ---- changes to an open order ---- */

typedef enum {
    ORDER_CHANGE_STATUS,
    ORDER_CHANGE_ADD_ITEMS,
    ORDER_CHANGE_VOID,
    ORDER_CHANGE_DISCOUNT,
    ORDER_CHANGE_TIP,
    ORDER_CHANGE_MOVE,
    ORDER_CHANGE_MERGE,
} order_change_kind_t;

typedef struct order_change_work {
    order_change_kind_t kind;
    const principal_t *who;
    const char *pid, *oid;
    int64_t if_match;
    buffr_err_t *e;
    /* inputs by kind */
    const char *status;  /* STATUS */
    order_line_t *lines; /* ADD_ITEMS */
    size_t n;
    const char *item_id;        /* VOID */
    int64_t amount, percent_bp; /* DISCOUNT (one of), TIP (amount) */
    const char *reason;
    const char *table_text;       /* MOVE */
    char other_id[UUID_BUF_SIZE]; /* MERGE */
    json_t *result;
} order_change_work_t;

static int order_closed_error(buffr_err_t *e, const order_head_t *h)
{
    return buffr_fail(e, BUFFR_ESTATE, NULL, "the order is %s and can no longer change", h->status);
}

static int order_change_status(db_tx_t *tx, order_change_work_t *w, order_head_t *h)
{
    if (!order_transition_allowed(h->status, w->status))
        return buffr_fail(w->e, BUFFR_ESTATE, "status", "an order cannot go from %s to %s",
                          h->status, w->status);
    int rc = db_exec(tx,
                     "UPDATE orders SET status = $4, updated_at = $5, version = version + 1 "
                     "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 AND status = $6",
                     DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->oid), DB_TEXT(w->status),
                             DB_INT(time_now()), DB_TEXT(h->status)),
                     NULL);
    if (rc == 0 && !order_is_open(w->status))
        rc = order_table_release(tx, w->pid, h->table_id,
                                 strcmp(w->status, "completed") == 0 ? "needs_cleaning" : "free");
    return rc;
}

/* Where lines added to order oid go: after its last line. */
static int order_next_position(db_tx_t *tx, const char *pid, const char *oid, int64_t *next)
{
    return db_query_int(tx,
                        "SELECT COALESCE(MAX(position) + 1, 0) FROM order_items WHERE "
                        "tenant_id = $1 AND property_id = $2 AND order_id = $3",
                        DB_ARGS(DB_TEXT(pid), DB_TEXT(oid)), next);
}

static int order_change_add(db_tx_t *tx, order_change_work_t *w, order_head_t *h)
{
    int64_t rate = 0;
    int rc = db_query_int(tx,
                          "SELECT COALESCE(MAX(s.tax_rate_bp), 0) FROM properties p LEFT JOIN "
                          "restaurant_settings s ON s.tenant_id = p.tenant_id AND "
                          "s.property_id = p.id WHERE p.tenant_id = $1 AND p.id = $2",
                          DB_ARGS(DB_TEXT(w->pid)), &rate);
    int64_t next = 0;
    if (rc == 0)
        rc = order_next_position(tx, w->pid, w->oid, &next);
    for (size_t i = 0; rc == 0 && i < w->n; i++)
        rc = order_line_price(tx, w->pid, rate, -1, &w->lines[i], i, w->e);
    if (rc == 0)
        rc = order_lines_insert(tx, w->pid, w->oid, w->lines, w->n, next, time_now());
    return rc != 0 ? rc : order_recompute(tx, w->pid, w->oid, h->tip, h->tax_inclusive);
}

static int order_change_void(db_tx_t *tx, order_change_work_t *w, order_head_t *h)
{
    db_rows_t *rows;
    int rc =
        restaurant_first_row(tx,
                             "SELECT status FROM order_items WHERE tenant_id = $1 AND "
                             "property_id = $2 AND order_id = $3 AND id = $4",
                             DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->oid), DB_TEXT(w->item_id)), &rows);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(w->e, BUFFR_ENOTFOUND, NULL, "order item not found");
    if (rc != 0)
        return rc;
    char status[16];
    snprintf(status, sizeof(status), "%s", db_text(rows, 0));
    db_rows_free(rows);
    if (strcmp(status, "voided") == 0)
        return buffr_fail(w->e, BUFFR_ESTATE, NULL, "the item is already voided");
    /* Once the kitchen has started, voiding wastes food: a manager's call. */
    if (strcmp(status, "queued") != 0 && w->who->role < ROLE_SERVICE_MANAGER)
        return buffr_fail(w->e, BUFFR_EFORBIDDEN, NULL,
                          "the kitchen has started this item; a manager must void it");
    rc = db_exec(tx,
                 "UPDATE order_items SET status = 'voided', voided_from = status, updated_at = $5 "
                 "WHERE tenant_id = $1 AND property_id = $2 AND order_id = $3 AND id = $4",
                 DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->oid), DB_TEXT(w->item_id), DB_INT(time_now())),
                 NULL);
    return rc != 0 ? rc : order_recompute(tx, w->pid, w->oid, h->tip, h->tax_inclusive);
}

static int order_change_discount(db_tx_t *tx, order_change_work_t *w, order_head_t *h)
{
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    int rc =
        db_exec(tx,
                "INSERT INTO order_discounts (tenant_id, id, property_id, order_id, amount, "
                "percent_bp, reason, created_by, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                DB_ARGS(DB_TEXT(id), DB_TEXT(w->pid), DB_TEXT(w->oid),
                        w->amount > 0 ? DB_INT(w->amount) : DB_NULL,
                        w->percent_bp > 0 ? DB_INT(w->percent_bp) : DB_NULL, DB_TEXT(w->reason),
                        DB_TEXT(w->who->user_id[0] ? w->who->user_id : NULL), DB_INT(time_now())),
                NULL);
    if (rc == 0)
        rc = order_recompute(tx, w->pid, w->oid, h->tip, h->tax_inclusive);
    if (rc != 0 || w->who->role >= ROLE_SERVICE_MANAGER)
        return rc;
    /* Staff give up to the property's limit, all discounts of the order
     * together; past it is a manager's call (the transaction is undone). */
    db_rows_t *rows;
    rc = restaurant_first_row(
        tx,
        "SELECT o.subtotal, o.discount_total, COALESCE(s.staff_discount_limit_bp, $4) FROM "
        "orders o LEFT JOIN restaurant_settings s ON s.tenant_id = o.tenant_id AND "
        "s.property_id = o.property_id WHERE o.tenant_id = $1 AND o.property_id = $2 AND "
        "o.id = $3",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->oid), DB_INT(RESTAURANT_STAFF_DISCOUNT_BP)), &rows);
    if (rc != 0)
        return rc;
    int64_t subtotal = db_int(rows, 0), discount = db_int(rows, 1), limit_bp = db_int(rows, 2);
    db_rows_free(rows);
    if (discount <= order_math_share_bp(subtotal, limit_bp))
        return 0;
    char percent[48];
    if (limit_bp % 100 == 0)
        snprintf(percent, sizeof(percent), "%lld", (long long)(limit_bp / 100));
    else
        snprintf(percent, sizeof(percent), "%lld.%02lld", (long long)(limit_bp / 100),
                 (long long)(limit_bp % 100));
    return buffr_fail(w->e, BUFFR_EFORBIDDEN, NULL,
                      "discounts above %s %% of the order need a manager", percent);
}

static int order_change_move(db_tx_t *tx, order_change_work_t *w, order_head_t *h)
{
    char table_id[UUID_BUF_SIZE], label[72];
    int rc = order_table_resolve(tx, w->pid, w->table_text, false, table_id, label, sizeof(label));
    if (rc != 0)
        return rc;
    if (strcmp(h->channel, "qr") == 0 && table_id[0] == '\0')
        return buffr_fail(w->e, BUFFR_EVALIDATION, "table",
                          "a QR order moves only to one of the property's tables");
    rc = db_exec(tx,
                 "UPDATE orders SET table_id = $4, table_label = $5, updated_at = $6, "
                 "version = version + 1 WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
                 DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->oid), DB_TEXT(table_id[0] ? table_id : NULL),
                         DB_TEXT(label), DB_INT(time_now())),
                 NULL);
    if (rc == 0 && strcmp(h->table_id, table_id) != 0) {
        rc = order_table_occupy(tx, w->pid, table_id);
        if (rc == 0)
            rc = order_table_release(tx, w->pid, h->table_id, "needs_cleaning");
    }
    return rc;
}

/* Merge another open order of the property into this one: its items,
 * discounts and tip come over, and it ends cancelled with merged_into. */
static int order_change_merge(db_tx_t *tx, order_change_work_t *w, order_head_t *h)
{
    if (strcmp(w->other_id, w->oid) == 0)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "order_id", "an order cannot merge itself");
    order_head_t other;
    int rc = order_head_read(tx, w->pid, w->other_id, &other);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "order_id", "no such order in this property");
    if (rc != 0)
        return rc;
    if (!order_is_open(other.status))
        return buffr_fail(w->e, BUFFR_ESTATE, "order_id", "the other order is %s", other.status);
    if (other.tax_inclusive != h->tax_inclusive)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "order_id",
                          "orders taxed differently cannot be merged");
    int64_t next = 0;
    rc = order_next_position(tx, w->pid, w->oid, &next);
    if (rc == 0)
        rc = db_exec(tx,
                     "UPDATE order_items SET order_id = $4, position = position + $5 "
                     "WHERE tenant_id = $1 AND property_id = $2 AND order_id = $3",
                     DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->other_id), DB_TEXT(w->oid), DB_INT(next)),
                     NULL);
    if (rc == 0)
        rc = db_exec(tx,
                     "UPDATE order_discounts SET order_id = $4 WHERE tenant_id = $1 AND "
                     "property_id = $2 AND order_id = $3",
                     DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->other_id), DB_TEXT(w->oid)), NULL);
    if (rc == 0)
        rc = db_exec(
            tx,
            "UPDATE orders SET status = 'cancelled', merged_into = $4, subtotal = 0, "
            "discount_total = 0, tax = 0, tip = 0, total = 0, updated_at = $5, "
            "version = version + 1 WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
            DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->other_id), DB_TEXT(w->oid), DB_INT(time_now())),
            NULL);
    if (rc == 0 && strcmp(other.table_id, h->table_id) != 0)
        rc = order_table_release(tx, w->pid, other.table_id, "needs_cleaning");
    if (rc != 0)
        return rc;
    int64_t tip = h->tip + other.tip;
    return order_recompute(tx, w->pid, w->oid, tip > ORDER_MATH_MAX_TIP ? ORDER_MATH_MAX_TIP : tip,
                           h->tax_inclusive);
}

static int order_change_in_tx(db_tx_t *tx, void *ctx)
{
    order_change_work_t *w = ctx;
    order_head_t h;
    int rc = order_head_read(tx, w->pid, w->oid, &h);
    if (rc != 0)
        return rc;
    if (w->kind != ORDER_CHANGE_STATUS && !order_is_open(h.status))
        return order_closed_error(w->e, &h);
    if (w->if_match >= 0 && w->if_match != h.version)
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL,
                          "the order was changed meanwhile (version %lld); reload and retry",
                          (long long)h.version);
    switch (w->kind) {
    case ORDER_CHANGE_STATUS:
        rc = order_change_status(tx, w, &h);
        break;
    case ORDER_CHANGE_ADD_ITEMS:
        rc = order_change_add(tx, w, &h);
        break;
    case ORDER_CHANGE_VOID:
        rc = order_change_void(tx, w, &h);
        break;
    case ORDER_CHANGE_DISCOUNT:
        rc = order_change_discount(tx, w, &h);
        break;
    case ORDER_CHANGE_TIP:
        rc = order_recompute(tx, w->pid, w->oid, w->amount, h.tax_inclusive);
        break;
    case ORDER_CHANGE_MOVE:
        rc = order_change_move(tx, w, &h);
        break;
    case ORDER_CHANGE_MERGE:
        rc = order_change_merge(tx, w, &h);
        break;
    }
    return rc != 0 ? rc : order_read(tx, w->pid, w->oid, NULL, &w->result);
}

/* Run a change w (its kind and inputs set) on order oid. */
static int order_change_run(app_t *app, const principal_t *who, const char *pid, const char *oid,
                            order_change_work_t *w, json_t **out, buffr_err_t *e)
{
    w->who = who;
    w->pid = pid;
    w->oid = oid;
    w->e = e;
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, order_change_in_tx, w);
    return restaurant_done(rc, w->result, out, e, "order");
}

int order_set_status(app_t *app, const principal_t *who, const char *pid, const char *oid,
                     json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    order_change_work_t w = {.kind = ORDER_CHANGE_STATUS, .if_match = if_match};
    bool present;
    int rc = jsonx_enum(body, "status", true, order_statuses, &w.status, &present, e);
    return rc != 0 ? rc : order_change_run(app, who, pid, oid, &w, out, e);
}

int order_add_items(app_t *app, const principal_t *who, const char *pid, const char *oid,
                    json_t *body, json_t **out, buffr_err_t *e)
{
    order_change_work_t w = {.kind = ORDER_CHANGE_ADD_ITEMS, .if_match = -1};
    int rc = order_lines_parse(body, &w.lines, &w.n, e);
    if (rc != 0)
        return rc;
    rc = order_change_run(app, who, pid, oid, &w, out, e);
    order_lines_free(w.lines, w.n);
    return rc;
}

int order_void_item(app_t *app, const principal_t *who, const char *pid, const char *oid,
                    const char *item_id, json_t **out, buffr_err_t *e)
{
    order_change_work_t w = {.kind = ORDER_CHANGE_VOID, .if_match = -1, .item_id = item_id};
    return order_change_run(app, who, pid, oid, &w, out, e);
}

int order_add_discount(app_t *app, const principal_t *who, const char *pid, const char *oid,
                       json_t *body, json_t **out, buffr_err_t *e)
{
    order_change_work_t w = {.kind = ORDER_CHANGE_DISCOUNT, .if_match = -1};
    bool has_amount = false, has_percent = false, present;
    int64_t percent = 0;
    int rc;
    if ((rc = jsonx_int(body, "amount", false, 1, 100000000000LL, &w.amount, &has_amount, e)) !=
            0 ||
        (rc = jsonx_int(body, "percent", false, 1, 100, &percent, &has_percent, e)) != 0 ||
        (rc = jsonx_string(body, "reason", true, 1, 200, &w.reason, &present, e)) != 0)
        return rc;
    if (has_amount == has_percent)
        return buffr_fail(e, BUFFR_EVALIDATION, "amount",
                          "give either amount (minor units) or percent (1 to 100)");
    w.percent_bp = percent * 100;
    return order_change_run(app, who, pid, oid, &w, out, e);
}

int order_set_tip(app_t *app, const principal_t *who, const char *pid, const char *oid,
                  json_t *body, json_t **out, buffr_err_t *e)
{
    order_change_work_t w = {.kind = ORDER_CHANGE_TIP, .if_match = -1};
    bool present;
    int rc = jsonx_int(body, "amount", true, 0, ORDER_MATH_MAX_TIP, &w.amount, &present, e);
    return rc != 0 ? rc : order_change_run(app, who, pid, oid, &w, out, e);
}

int order_move(app_t *app, const principal_t *who, const char *pid, const char *oid, json_t *body,
               json_t **out, buffr_err_t *e)
{
    order_change_work_t w = {.kind = ORDER_CHANGE_MOVE, .if_match = -1};
    bool present;
    int rc = jsonx_string(body, "table", true, 1, 64, &w.table_text, &present, e);
    return rc != 0 ? rc : order_change_run(app, who, pid, oid, &w, out, e);
}

int order_merge(app_t *app, const principal_t *who, const char *pid, const char *oid, json_t *body,
                json_t **out, buffr_err_t *e)
{
    order_change_work_t w = {.kind = ORDER_CHANGE_MERGE, .if_match = -1};
    int rc = restaurant_uuid_field(body, "order_id", true, w.other_id, NULL, e);
    return rc != 0 ? rc : order_change_run(app, who, pid, oid, &w, out, e);
}
