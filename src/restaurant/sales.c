/*
 * sales.c - a property's sales for one business day: the completed orders'
 * totals, and the same by menu item and by category.
 *
 * By item and by category, each line counts with its share of its order's
 * discounts and its own tax, exactly as order_math shared them out when the
 * order was priced, so the items' net and tax add up to the day's. Voided
 * lines, and orders not completed (open or cancelled), are not sales.
 */
#include "restaurant/restaurant.h"

#include <stdlib.h>
#include <string.h>

#include "restaurant/order_math.h"
#include "restaurant/restaurant_internal.h"

#define SALES_NAME_MAX 208

/* One item's or one category's sums for the day. */
typedef struct sales_sum {
    char id[UUID_BUF_SIZE];
    char name[SALES_NAME_MAX];
    int64_t quantity, gross, discounts, tax, net;
} sales_sum_t;

typedef struct sales_sums {
    sales_sum_t *sums;
    size_t n, cap;
    json_t *index; /* id -> position in sums + 1 */
} sales_sums_t;

/* A line of the order being read. */
typedef struct sales_line {
    char item_id[UUID_BUF_SIZE], item_name[SALES_NAME_MAX];
    char category_id[UUID_BUF_SIZE], category_name[SALES_NAME_MAX];
    int64_t quantity;
} sales_line_t;

typedef struct sales_work {
    const char *pid;
    char date[DATE_BUF_SIZE]; /* empty: today in the property's time zone */
    json_t *result;
    /* The order being read: its lines, until the next order's row. */
    char order_id[UUID_BUF_SIZE];
    int64_t order_discount;
    bool order_inclusive;
    size_t nlines;
    sales_line_t *lines;     /* ORDER_MATH_MAX_LINES */
    order_math_line_t *math; /* ORDER_MATH_MAX_LINES */
    order_math_part_t *parts;
    sales_sums_t by_item, by_category;
} sales_work_t;

/* Add one line's figures to the sum named id (created on first sight; the
 * name is the latest seen, as lines come in the order orders were placed). */
static int sales_add(sales_sums_t *t, const char *id, const char *name, int64_t quantity,
                     int64_t gross, const order_math_part_t *part)
{
    json_t *at = json_object_get(t->index, id);
    sales_sum_t *sum;
    if (at != NULL) {
        sum = &t->sums[json_integer_value(at) - 1];
    } else {
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 32;
            sales_sum_t *grown = realloc(t->sums, cap * sizeof(*grown));
            if (grown == NULL)
                return BUFFR_ENOMEM;
            t->sums = grown;
            t->cap = cap;
        }
        if (json_object_set_new(t->index, id, json_integer((json_int_t)t->n + 1)) != 0)
            return BUFFR_ENOMEM;
        sum = &t->sums[t->n++];
        memset(sum, 0, sizeof(*sum));
        snprintf(sum->id, sizeof(sum->id), "%s", id);
    }
    snprintf(sum->name, sizeof(sum->name), "%s", name);
    sum->quantity += quantity;
    sum->gross += gross;
    sum->discounts += part->discount;
    sum->tax += part->tax;
    sum->net += part->net;
    return 0;
}

/* Share the order just read out over its lines and add them up. */
static int sales_flush_order(sales_work_t *w)
{
    if (w->nlines == 0)
        return 0;
    order_math_totals_t totals;
    int rc = order_math_compute_parts(w->math, w->nlines, w->order_discount, 0, w->order_inclusive,
                                      &totals, w->parts);
    for (size_t i = 0; rc == 0 && i < w->nlines; i++) {
        const sales_line_t *l = &w->lines[i];
        rc = sales_add(&w->by_item, l->item_id, l->item_name, l->quantity, w->math[i].gross,
                       &w->parts[i]);
        if (rc == 0)
            rc = sales_add(&w->by_category, l->category_id, l->category_name, l->quantity,
                           w->math[i].gross, &w->parts[i]);
    }
    w->nlines = 0;
    return rc;
}

/* Best sellers first (gross, then id for a stable order). */
static int sales_sum_compare(const void *a, const void *b)
{
    const sales_sum_t *x = a, *y = b;
    if (x->gross != y->gross)
        return x->gross > y->gross ? -1 : 1;
    return strcmp(x->id, y->id);
}

static json_t *sales_sums_json(sales_sums_t *t)
{
    if (t->n > 1)
        qsort(t->sums, t->n, sizeof(*t->sums), sales_sum_compare);
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < t->n; i++) {
        const sales_sum_t *s = &t->sums[i];
        if (json_array_append_new(
                list, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "id", s->id, "name", s->name,
                                "quantity", (json_int_t)s->quantity, "gross", (json_int_t)s->gross,
                                "discounts", (json_int_t)s->discounts, "net", (json_int_t)s->net,
                                "tax", (json_int_t)s->tax)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list;
}

/* Read every sold line of the day, order by order. */
static int sales_lines_read(db_tx_t *tx, sales_work_t *w)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT o.id, o.discount_total, o.tax_inclusive, i.menu_item_id, i.name, "
                      "i.category_id, i.category_name, i.quantity, i.line_total, i.tax_rate_bp "
                      "FROM orders o JOIN order_items i ON i.tenant_id = o.tenant_id AND "
                      "i.order_id = o.id WHERE o.tenant_id = $1 AND o.property_id = $2 AND "
                      "o.business_date = $3 AND o.status = 'completed' AND i.status <> 'voided' "
                      "ORDER BY o.placed_at, o.id, i.position",
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->date)), &rows);
    if (rc != 0)
        return rc;
    w->order_id[0] = '\0';
    w->nlines = 0;
    while ((rc = db_next(rows)) == 1) {
        rc = 0;
        if (strcmp(w->order_id, db_text(rows, 0)) != 0) {
            if ((rc = sales_flush_order(w)) != 0)
                break;
            snprintf(w->order_id, sizeof(w->order_id), "%s", db_text(rows, 0));
            w->order_discount = db_int(rows, 1);
            w->order_inclusive = db_int(rows, 2) != 0;
        }
        if (w->nlines == ORDER_MATH_MAX_LINES) {
            rc = BUFFR_EINVAL; /* orders never hold more */
            break;
        }
        sales_line_t *l = &w->lines[w->nlines];
        snprintf(l->item_id, sizeof(l->item_id), "%s", db_text(rows, 3));
        snprintf(l->item_name, sizeof(l->item_name), "%s", db_text(rows, 4));
        snprintf(l->category_id, sizeof(l->category_id), "%s", db_text(rows, 5));
        snprintf(l->category_name, sizeof(l->category_name), "%s", db_text(rows, 6));
        l->quantity = db_int(rows, 7);
        w->math[w->nlines] =
            (order_math_line_t){.gross = db_int(rows, 8), .tax_rate_bp = db_int(rows, 9)};
        w->nlines++;
    }
    db_rows_free(rows);
    return rc < 0 ? rc : sales_flush_order(w);
}

static void sales_sums_reset(sales_sums_t *t)
{
    t->n = 0;
    json_object_clear(t->index);
}

static int sales_in_tx(db_tx_t *tx, void *ctx)
{
    sales_work_t *w = ctx;
    char currency[4], zone[RESTAURANT_TZ_MAX];
    int rc = restaurant_property_read(tx, w->pid, currency, zone);
    if (rc != 0)
        return rc;
    /* No date: the business day now, as orders are dated (unknown zone: UTC). */
    if (w->date[0] == '\0' && business_day_of(zone, time_now(), w->date) != 0)
        date_format(time_now() / 86400, w->date);
    /* One row whatever the day holds: the sums of no orders are 0. */
    db_rows_t *rows;
    rc = restaurant_first_row(
        tx,
        "SELECT count(*), COALESCE(SUM(subtotal), 0), COALESCE(SUM(discount_total), 0), "
        "COALESCE(SUM(tax), 0), COALESCE(SUM(tip), 0), COALESCE(SUM(total), 0), "
        "COALESCE(SUM(CASE WHEN tax_inclusive = 1 THEN tax ELSE 0 END), 0) "
        "FROM orders WHERE tenant_id = $1 AND property_id = $2 AND business_date = $3 "
        "AND status = 'completed'",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->date)), &rows);
    if (rc != 0)
        return rc;
    int64_t count = db_int(rows, 0), gross = db_int(rows, 1), discounts = db_int(rows, 2),
            tax = db_int(rows, 3), tips = db_int(rows, 4), total = db_int(rows, 5),
            included = db_int(rows, 6);
    db_rows_free(rows);

    /* A transaction run again starts its sums again. */
    sales_sums_reset(&w->by_item);
    sales_sums_reset(&w->by_category);
    if ((rc = sales_lines_read(tx, w)) != 0)
        return rc;
    json_t *by_item = sales_sums_json(&w->by_item);
    json_t *by_category = sales_sums_json(&w->by_category);
    if (by_item == NULL || by_category == NULL) {
        json_decref(by_item);
        json_decref(by_category);
        return BUFFR_ENOMEM;
    }
    json_decref(w->result);
    /* net: sales without tax, after discounts; total: what guests paid. */
    w->result = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
                          "property_id", w->pid, "date", w->date, "currency", currency, "count",
                          (json_int_t)count, "gross", (json_int_t)gross, "discounts",
                          (json_int_t)discounts, "net", (json_int_t)(gross - discounts - included),
                          "tax", (json_int_t)tax, "tips", (json_int_t)tips, "total",
                          (json_int_t)total, "by_item", by_item, "by_category", by_category);
    return w->result ? 0 : BUFFR_ENOMEM;
}

int sales_summary(app_t *app, const principal_t *who, const char *pid, const char *date,
                  json_t **out, buffr_err_t *e)
{
    int64_t day;
    if (date != NULL && date_parse(date, &day) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "date", "date must be YYYY-MM-DD");
    sales_work_t w = {.pid = pid};
    if (date != NULL)
        date_format(day, w.date);
    w.lines = malloc(ORDER_MATH_MAX_LINES * sizeof(*w.lines));
    w.math = malloc(ORDER_MATH_MAX_LINES * sizeof(*w.math));
    w.parts = malloc(ORDER_MATH_MAX_LINES * sizeof(*w.parts));
    w.by_item.index = json_object();
    w.by_category.index = json_object();
    int rc = BUFFR_ENOMEM;
    if (w.lines != NULL && w.math != NULL && w.parts != NULL && w.by_item.index != NULL &&
        w.by_category.index != NULL)
        rc = db_transact(app->db, who->tenant_id, DB_READ, sales_in_tx, &w);
    free(w.lines);
    free(w.math);
    free(w.parts);
    free(w.by_item.sums);
    free(w.by_category.sums);
    json_decref(w.by_item.index);
    json_decref(w.by_category.index);
    return restaurant_done(rc, w.result, out, e, "property");
}
