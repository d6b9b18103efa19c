/*
 * menu.c - what a property sells: its tax settings, menus (breakfast,
 * dinner, room service) with hours, categories with a position, a kitchen
 * station and an optional tax rate, items with price, description,
 * allergens, dietary tags and an availability switch ("86'd"), and modifier
 * groups whose options change the price. menu_render builds the whole menu
 * in eight queries, whatever its size.
 *
 * Each kind of row brings its columns, its checks and its SQL; creating,
 * reading, updating and deleting them is restaurant_rows.c's.
 * Not here: ordering (orders.c), item images (menu_image.c).
 */
#include "restaurant/restaurant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/uuid.h"
#include "restaurant/order_math.h"
#include "core/zone.h"
#include "restaurant/restaurant_internal.h"

#define MENU_TAGS_MAX 20

/* ---- shared pieces ---- */

/* A JSON array of 0..20 short strings (allergens, dietary tags), written
 * back compactly into *out (caller frees). */
static int menu_tags_parse(json_t *body, const char *field, char **out, buffr_err_t *e)
{
    *out = NULL;
    json_t *v = json_object_get(body, field);
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v) || json_array_size(v) > MENU_TAGS_MAX)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be an array of at most %d strings",
                          field, MENU_TAGS_MAX);
    size_t i;
    json_t *tag;
    json_array_foreach(v, i, tag)
    {
        if (!json_is_string(tag) || json_string_length(tag) < 1 || json_string_length(tag) > 40 ||
            strlen(json_string_value(tag)) != json_string_length(tag))
            return buffr_fail(e, BUFFR_EVALIDATION, field,
                              "%s must hold strings of 1 to 40 characters", field);
    }
    *out = jsonx_dump(v);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

static json_t *menu_tags_json(const char *text)
{
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    return v ? v : json_array();
}

/* "HH:MM", 00:00..23:59. */
static int menu_hour_field(json_t *body, const char *field, const char **out, bool *present,
                           buffr_err_t *e)
{
    int rc = jsonx_string(body, field, false, 5, 5, out, present, e);
    if (rc != 0 || !*present)
        return rc;
    int minute;
    if (hhmm_parse(*out, strlen(*out), false, &minute) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, field, "%s must be a time HH:MM", field);
    return 0;
}

/* A tax rate that may be null (use the property's rate): *set tells
 * whether the field was in the body at all. */
static int menu_rate_field(json_t *body, const char *field, bool *set, int64_t *rate,
                           buffr_err_t *e)
{
    json_t *v = json_object_get(body, field);
    *set = v != NULL;
    *rate = -1;
    if (v == NULL || json_is_null(v))
        return 0;
    bool present;
    return jsonx_int(body, field, false, 0, 10000, rate, &present, e);
}

static int menu_station_field(json_t *body, bool *set, const char **station, buffr_err_t *e)
{
    json_t *v = json_object_get(body, "station");
    *set = v != NULL;
    *station = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    bool present;
    int rc = jsonx_string(body, "station", false, 1, 32, station, &present, e);
    if (rc == 0 && !restaurant_station_valid(*station))
        rc = buffr_fail(e, BUFFR_EVALIDATION, "station",
                        "station must be 1 to 32 of a-z, 0-9, '_' and '-' (e.g. grill)");
    return rc;
}

/* A delete the database refuses: the row still holds others. */
#define MENU_IN_USE(what) "the " what " is still in use; empty it first"

/* ---- settings ---- */

typedef struct settings_work {
    const char *pid;
    bool rate_set, inclusive_set, base_set, limit_set;
    int64_t rate, limit;
    bool inclusive;
    const char *base;
    json_t *result;
} settings_work_t;

/* zone_name: NULL, or RESTAURANT_TZ_MAX bytes for the property's zone. */
static int settings_read(db_tx_t *tx, const char *pid, json_t **out, char *zone_name)
{
    char currency[4];
    int rc = restaurant_property_read(tx, pid, currency, zone_name);
    if (rc != 0)
        return rc;
    db_rows_t *rows;
    rc = restaurant_first_row(tx,
                              "SELECT tax_rate_bp, tax_inclusive, qr_base_url, version, "
                              "staff_discount_limit_bp FROM restaurant_settings WHERE tenant_id = "
                              "$1 AND property_id = $2",
                              DB_ARGS(DB_TEXT(pid)), &rows);
    json_t *v;
    if (rc == 0) {
        v = json_pack("{s:s, s:I, s:b, s:o, s:s, s:I, s:I}", "property_id", pid, "tax_rate_bp",
                      (json_int_t)db_int(rows, 0), "tax_inclusive", db_int(rows, 1) != 0,
                      "qr_base_url", jsonx_string_or_null(db_text(rows, 2)), "currency", currency,
                      "version", (json_int_t)db_int(rows, 3), "staff_discount_limit_bp",
                      (json_int_t)db_int(rows, 4));
        db_rows_free(rows);
    } else if (rc == BUFFR_ENOTFOUND) { /* never set: no tax, prices without it */
        v = json_pack("{s:s, s:i, s:b, s:n, s:s, s:i, s:i}", "property_id", pid, "tax_rate_bp", 0,
                      "tax_inclusive", 0, "qr_base_url", "currency", currency, "version", 0,
                      "staff_discount_limit_bp", RESTAURANT_STAFF_DISCOUNT_BP);
    } else {
        return rc;
    }
    json_decref(*out);
    *out = v;
    return v ? 0 : BUFFR_ENOMEM;
}

static int settings_get_in_tx(db_tx_t *tx, void *ctx)
{
    settings_work_t *w = ctx;
    return settings_read(tx, w->pid, &w->result, NULL);
}

int restaurant_settings_get(app_t *app, const principal_t *who, const char *pid, json_t **out,
                            buffr_err_t *e)
{
    settings_work_t w = {.pid = pid};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, settings_get_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}

static int settings_update_in_tx(db_tx_t *tx, void *ctx)
{
    settings_work_t *w = ctx;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    if (rc != 0)
        return rc;
    int64_t now = time_now();
    rc = db_exec(tx,
                 "INSERT INTO restaurant_settings (tenant_id, property_id, updated_at) "
                 "VALUES ($1, $2, $3) ON CONFLICT (tenant_id, property_id) DO NOTHING",
                 DB_ARGS(DB_TEXT(w->pid), DB_INT(now)), NULL);
    if (rc == 0)
        rc =
            db_exec(tx,
                    "UPDATE restaurant_settings SET "
                    "tax_rate_bp = CASE WHEN $3 = 1 THEN $4 ELSE tax_rate_bp END, "
                    "tax_inclusive = CASE WHEN $5 = 1 THEN $6 ELSE tax_inclusive END, "
                    "qr_base_url = CASE WHEN $7 = 1 THEN $8 ELSE qr_base_url END, "
                    "staff_discount_limit_bp = CASE WHEN $10 = 1 THEN $11 ELSE "
                    "staff_discount_limit_bp END, updated_at = $9, version = version + 1 "
                    "WHERE tenant_id = $1 AND property_id = $2",
                    DB_ARGS(DB_TEXT(w->pid), DB_BOOL(w->rate_set), DB_INT(w->rate),
                            DB_BOOL(w->inclusive_set), DB_BOOL(w->inclusive), DB_BOOL(w->base_set),
                            DB_TEXT(w->base), DB_INT(now), DB_BOOL(w->limit_set), DB_INT(w->limit)),
                    NULL);
    return rc != 0 ? rc : settings_read(tx, w->pid, &w->result, NULL);
}

int restaurant_settings_update(app_t *app, const principal_t *who, const char *pid, json_t *body,
                               json_t **out, buffr_err_t *e)
{
    settings_work_t w = {.pid = pid};
    int rc;
    if ((rc = jsonx_int(body, "tax_rate_bp", false, 0, 10000, &w.rate, &w.rate_set, e)) != 0 ||
        (rc = jsonx_bool(body, "tax_inclusive", false, &w.inclusive, &w.inclusive_set, e)) != 0 ||
        (rc = jsonx_int(body, "staff_discount_limit_bp", false, 0, 10000, &w.limit, &w.limit_set,
                        e)) != 0)
        return rc;
    json_t *base = json_object_get(body, "qr_base_url");
    w.base_set = base != NULL;
    if (base != NULL && !json_is_null(base)) {
        bool present;
        if ((rc = jsonx_string(body, "qr_base_url", false, 8, 300, &w.base, &present, e)) != 0)
            return rc;
        if (strncmp(w.base, "http://", 7) != 0 && strncmp(w.base, "https://", 8) != 0)
            return buffr_fail(e, BUFFR_EVALIDATION, "qr_base_url",
                              "qr_base_url must start with http:// or https://");
    }
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, settings_update_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}

/* ---- menus ---- */

#define MENU_COLUMNS                                                                               \
    "id, name, available_from, available_until, position, created_at, updated_at, version"

static json_t *menu_row_json(db_rows_t *rows)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:I}", "id", db_text(rows, 0), "name",
                     db_text(rows, 1), "available_from", jsonx_string_or_null(db_text(rows, 2)),
                     "available_until", jsonx_string_or_null(db_text(rows, 3)), "position",
                     (json_int_t)db_int(rows, 4), "created_at",
                     restaurant_time_json(db_int(rows, 5)), "updated_at",
                     restaurant_time_json(db_int(rows, 6)), "version", (json_int_t)db_int(rows, 7));
}

typedef struct menu_input {
    const char *name, *from, *until;
    bool name_set, from_set, until_set, position_set;
    int64_t position;
} menu_input_t;

static int menu_parse(json_t *body, bool create, menu_input_t *in, buffr_err_t *e)
{
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 200, &in->name, &in->name_set, e)) != 0 ||
        (rc = menu_hour_field(body, "available_from", &in->from, &in->from_set, e)) != 0 ||
        (rc = menu_hour_field(body, "available_until", &in->until, &in->until_set, e)) != 0 ||
        (rc = jsonx_int(body, "position", false, 0, 1000000, &in->position, &in->position_set,
                        e)) != 0)
        return rc;
    /* Null clears the hours on an update. */
    if (json_is_null(json_object_get(body, "available_from")))
        in->from_set = true;
    if (json_is_null(json_object_get(body, "available_until")))
        in->until_set = true;
    if ((in->from != NULL) != (in->until != NULL) && create)
        return buffr_fail(e, BUFFR_EVALIDATION, in->from ? "available_until" : "available_from",
                          "available_from and available_until go together");
    return 0;
}

static int menu_insert(db_tx_t *tx, const restaurant_write_t *w)
{
    const menu_input_t *in = w->in;
    return db_exec(tx,
                   "INSERT INTO menus (tenant_id, id, property_id, name, available_from, "
                   "available_until, position, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                   DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->name), DB_TEXT(in->from),
                           DB_TEXT(in->until), DB_INT(in->position), DB_INT(time_now())),
                   NULL);
}

static int menu_update_row(db_tx_t *tx, const restaurant_write_t *w, int64_t *changed)
{
    const menu_input_t *in = w->in;
    return db_exec(tx,
                   "UPDATE menus SET name = COALESCE($4, name), "
                   "available_from = CASE WHEN $5 = 1 THEN $6 ELSE available_from END, "
                   "available_until = CASE WHEN $7 = 1 THEN $8 ELSE available_until END, "
                   "position = CASE WHEN $9 = 1 THEN $10 ELSE position END, "
                   "updated_at = $11, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                   "AND ($12 < 0 OR version = $12)",
                   DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(in->name),
                           DB_BOOL(in->from_set), DB_TEXT(in->from), DB_BOOL(in->until_set),
                           DB_TEXT(in->until), DB_BOOL(in->position_set), DB_INT(in->position),
                           DB_INT(time_now()), DB_INT(w->if_match)),
                   changed);
}

static const restaurant_entity_t menu_entity = {
    .what = "menu",
    .select_one = "SELECT " MENU_COLUMNS " FROM menus WHERE tenant_id = $1 AND property_id = $2 "
                  "AND id = $3",
    .row = menu_row_json,
    .delete_one = "DELETE FROM menus WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .in_use = MENU_IN_USE("menu"),
    .insert = menu_insert,
    .update = menu_update_row,
};

int menu_create(app_t *app, const principal_t *who, const char *pid, json_t *body, json_t **out,
                buffr_err_t *e)
{
    menu_input_t in = {0};
    int rc = menu_parse(body, true, &in, e);
    return rc != 0 ? rc : restaurant_entity_create(app, who, &menu_entity, pid, &in, out, e);
}

int menu_list(app_t *app, const principal_t *who, const char *pid, json_t **out, buffr_err_t *e)
{
    return restaurant_list(app, who, pid,
                           "SELECT " MENU_COLUMNS " FROM menus WHERE tenant_id = $1 AND "
                           "property_id = $2 ORDER BY position, name, id",
                           DB_NOARGS, menu_row_json, out, e);
}

int menu_update(app_t *app, const principal_t *who, const char *pid, const char *mid, json_t *body,
                int64_t if_match, json_t **out, buffr_err_t *e)
{
    menu_input_t in = {0};
    int rc = menu_parse(body, false, &in, e);
    return rc != 0
               ? rc
               : restaurant_entity_update(app, who, &menu_entity, pid, mid, &in, if_match, out, e);
}

int menu_delete(app_t *app, const principal_t *who, const char *pid, const char *mid,
                buffr_err_t *e)
{
    return restaurant_entity_delete(app, who, &menu_entity, pid, mid, e);
}

/* ---- categories ---- */

#define CATEGORY_COLUMNS                                                                           \
    "id, menu_id, name, position, station, tax_rate_bp, created_at, updated_at, version"

static json_t *category_row_json(db_rows_t *rows)
{
    return json_pack("{s:s, s:o, s:s, s:I, s:o, s:o, s:o, s:o, s:I}", "id", db_text(rows, 0),
                     "menu_id", jsonx_string_or_null(db_text(rows, 1)), "name", db_text(rows, 2),
                     "position", (json_int_t)db_int(rows, 3), "station",
                     jsonx_string_or_null(db_text(rows, 4)), "tax_rate_bp",
                     db_is_null(rows, 5) ? json_null() : json_integer(db_int(rows, 5)),
                     "created_at", restaurant_time_json(db_int(rows, 6)), "updated_at",
                     restaurant_time_json(db_int(rows, 7)), "version", (json_int_t)db_int(rows, 8));
}

typedef struct category_input {
    const char *name, *station;
    char menu_id[UUID_BUF_SIZE];
    bool name_set, menu_set, position_set, station_set, rate_set;
    int64_t position, rate;
} category_input_t;

static int category_parse(json_t *body, bool create, category_input_t *in, buffr_err_t *e)
{
    int rc;
    bool menu_given = false;
    if ((rc = jsonx_string(body, "name", create, 1, 200, &in->name, &in->name_set, e)) != 0 ||
        (rc = jsonx_int(body, "position", false, 0, 1000000, &in->position, &in->position_set,
                        e)) != 0 ||
        (rc = restaurant_uuid_field(body, "menu_id", false, in->menu_id, &menu_given, e)) != 0 ||
        (rc = menu_station_field(body, &in->station_set, &in->station, e)) != 0 ||
        (rc = menu_rate_field(body, "tax_rate_bp", &in->rate_set, &in->rate, e)) != 0)
        return rc;
    in->menu_set = json_object_get(body, "menu_id") != NULL;
    return 0;
}

static int category_menu_check(db_tx_t *tx, const restaurant_write_t *w)
{
    const category_input_t *in = w->in;
    if (!in->menu_set || in->menu_id[0] == '\0')
        return 0;
    return restaurant_ref_check(
        tx, "SELECT 1 FROM menus WHERE tenant_id = $1 AND property_id = $2 AND id = $3", w->pid,
        in->menu_id, "menu_id", "no such menu in this property", w->e);
}

static int category_insert(db_tx_t *tx, const restaurant_write_t *w)
{
    const category_input_t *in = w->in;
    return db_exec(
        tx,
        "INSERT INTO menu_categories (tenant_id, id, property_id, menu_id, name, position, "
        "station, tax_rate_bp, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->menu_id[0] ? in->menu_id : NULL),
                DB_TEXT(in->name), DB_INT(in->position), DB_TEXT(in->station),
                in->rate >= 0 ? DB_INT(in->rate) : DB_NULL, DB_INT(time_now())),
        NULL);
}

static int category_update_row(db_tx_t *tx, const restaurant_write_t *w, int64_t *changed)
{
    const category_input_t *in = w->in;
    return db_exec(tx,
                   "UPDATE menu_categories SET name = COALESCE($4, name), "
                   "position = CASE WHEN $5 = 1 THEN $6 ELSE position END, "
                   "menu_id = CASE WHEN $7 = 1 THEN $8 ELSE menu_id END, "
                   "station = CASE WHEN $9 = 1 THEN $10 ELSE station END, "
                   "tax_rate_bp = CASE WHEN $11 = 1 THEN $12 ELSE tax_rate_bp END, "
                   "updated_at = $13, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                   "AND ($14 < 0 OR version = $14)",
                   DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(in->name),
                           DB_BOOL(in->position_set), DB_INT(in->position), DB_BOOL(in->menu_set),
                           DB_TEXT(in->menu_id[0] ? in->menu_id : NULL), DB_BOOL(in->station_set),
                           DB_TEXT(in->station), DB_BOOL(in->rate_set),
                           in->rate >= 0 ? DB_INT(in->rate) : DB_NULL, DB_INT(time_now()),
                           DB_INT(w->if_match)),
                   changed);
}

static const restaurant_entity_t category_entity = {
    .what = "category",
    .select_one = "SELECT " CATEGORY_COLUMNS " FROM menu_categories WHERE tenant_id = $1 AND "
                  "property_id = $2 AND id = $3",
    .row = category_row_json,
    .delete_one =
        "DELETE FROM menu_categories WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .in_use = MENU_IN_USE("category"),
    .check = category_menu_check,
    .insert = category_insert,
    .update = category_update_row,
};

int menu_category_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                         json_t **out, buffr_err_t *e)
{
    category_input_t in = {0};
    int rc = category_parse(body, true, &in, e);
    return rc != 0 ? rc : restaurant_entity_create(app, who, &category_entity, pid, &in, out, e);
}

int menu_category_update(app_t *app, const principal_t *who, const char *pid, const char *cid,
                         json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    category_input_t in = {0};
    int rc = category_parse(body, false, &in, e);
    return rc != 0 ? rc
                   : restaurant_entity_update(app, who, &category_entity, pid, cid, &in, if_match,
                                              out, e);
}

int menu_category_delete(app_t *app, const principal_t *who, const char *pid, const char *cid,
                         buffr_err_t *e)
{
    return restaurant_entity_delete(app, who, &category_entity, pid, cid, e);
}

/* ---- items ---- */

#define ITEM_COLUMNS                                                                               \
    "i.id, i.category_id, i.name, i.description, i.price, i.available, i.allergens, i.dietary, "   \
    "i.position, i.image_type, i.created_at, i.updated_at, i.version, p.currency"
#define ITEM_FROM                                                                                  \
    " FROM menu_items i JOIN properties p ON p.tenant_id = i.tenant_id AND p.id = i.property_id "

static json_t *item_row_json(db_rows_t *rows)
{
    return json_pack(
        "{s:s, s:s, s:s, s:o, s:I, s:s, s:b, s:o, s:o, s:I, s:b, s:o, s:o, s:I}", "id",
        db_text(rows, 0), "category_id", db_text(rows, 1), "name", db_text(rows, 2), "description",
        jsonx_string_or_null(db_text(rows, 3)), "price", (json_int_t)db_int(rows, 4), "currency",
        db_text(rows, 13), "available", db_int(rows, 5) != 0, "allergens",
        menu_tags_json(db_text(rows, 6)), "dietary", menu_tags_json(db_text(rows, 7)), "position",
        (json_int_t)db_int(rows, 8), "has_image", !db_is_null(rows, 9), "created_at",
        restaurant_time_json(db_int(rows, 10)), "updated_at",
        restaurant_time_json(db_int(rows, 11)), "version", (json_int_t)db_int(rows, 12));
}

typedef struct item_input {
    const char *name, *description;
    char category_id[UUID_BUF_SIZE];
    char *allergens, *dietary; /* owned: item_input_free */
    bool name_set, description_set, category_set, price_set, available_set, position_set;
    int64_t price, position;
    bool available;
} item_input_t;

static void item_input_free(item_input_t *in)
{
    free(in->allergens);
    free(in->dietary);
}

static int item_parse(json_t *body, bool create, item_input_t *in, buffr_err_t *e)
{
    int rc;
    bool present;
    if ((rc = restaurant_uuid_field(body, "category_id", create, in->category_id, &in->category_set,
                                    e)) != 0 ||
        (rc = jsonx_string(body, "name", create, 1, 200, &in->name, &in->name_set, e)) != 0 ||
        (rc = jsonx_int(body, "price", create, 0, ORDER_MATH_MAX_PRICE, &in->price, &in->price_set,
                        e)) != 0 ||
        (rc = jsonx_string(body, "description", false, 0, 2000, &in->description, &present, e)) !=
            0 ||
        (rc = jsonx_bool(body, "available", false, &in->available, &in->available_set, e)) != 0 ||
        (rc = jsonx_int(body, "position", false, 0, 1000000, &in->position, &in->position_set,
                        e)) != 0 ||
        (rc = menu_tags_parse(body, "allergens", &in->allergens, e)) != 0 ||
        (rc = menu_tags_parse(body, "dietary", &in->dietary, e)) != 0)
        return rc;
    in->description_set = json_object_get(body, "description") != NULL;
    if (create && !in->available_set)
        in->available = true;
    return 0;
}

static int item_category_check(db_tx_t *tx, const restaurant_write_t *w)
{
    const item_input_t *in = w->in;
    if (!in->category_set)
        return 0;
    return restaurant_ref_check(
        tx, "SELECT 1 FROM menu_categories WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
        w->pid, in->category_id, "category_id", "no such category in this property", w->e);
}

static int item_insert(db_tx_t *tx, const restaurant_write_t *w)
{
    const item_input_t *in = w->in;
    return db_exec(tx,
                   "INSERT INTO menu_items (tenant_id, id, property_id, category_id, name, "
                   "description, price, available, allergens, dietary, position, created_at, "
                   "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, '[]'), "
                   "COALESCE($10, '[]'), $11, $12, $12)",
                   DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->category_id),
                           DB_TEXT(in->name), DB_TEXT(in->description), DB_INT(in->price),
                           DB_BOOL(in->available), DB_TEXT(in->allergens), DB_TEXT(in->dietary),
                           DB_INT(in->position), DB_INT(time_now())),
                   NULL);
}

static int item_update_row(db_tx_t *tx, const restaurant_write_t *w, int64_t *changed)
{
    const item_input_t *in = w->in;
    return db_exec(tx,
                   "UPDATE menu_items SET category_id = COALESCE($4, category_id), "
                   "name = COALESCE($5, name), "
                   "description = CASE WHEN $6 = 1 THEN $7 ELSE description END, "
                   "price = CASE WHEN $8 = 1 THEN $9 ELSE price END, "
                   "available = CASE WHEN $10 = 1 THEN $11 ELSE available END, "
                   "allergens = COALESCE($12, allergens), dietary = COALESCE($13, dietary), "
                   "position = CASE WHEN $14 = 1 THEN $15 ELSE position END, "
                   "updated_at = $16, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                   "AND ($17 < 0 OR version = $17)",
                   DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id),
                           DB_TEXT(in->category_set ? in->category_id : NULL), DB_TEXT(in->name),
                           DB_BOOL(in->description_set), DB_TEXT(in->description),
                           DB_BOOL(in->price_set), DB_INT(in->price), DB_BOOL(in->available_set),
                           DB_BOOL(in->available), DB_TEXT(in->allergens), DB_TEXT(in->dietary),
                           DB_BOOL(in->position_set), DB_INT(in->position), DB_INT(time_now()),
                           DB_INT(w->if_match)),
                   changed);
}

static const restaurant_entity_t item_entity = {
    .what = "menu item",
    .select_one = "SELECT " ITEM_COLUMNS ITEM_FROM
                  "WHERE i.tenant_id = $1 AND i.property_id = $2 AND i.id = $3",
    .row = item_row_json,
    .delete_one = "DELETE FROM menu_items WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .in_use = MENU_IN_USE("menu item"),
    .check = item_category_check,
    .insert = item_insert,
    .update = item_update_row,
};

int menu_item_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                     json_t **out, buffr_err_t *e)
{
    item_input_t in = {0};
    int rc = item_parse(body, true, &in, e);
    if (rc == 0)
        rc = restaurant_entity_create(app, who, &item_entity, pid, &in, out, e);
    item_input_free(&in);
    return rc;
}

int menu_item_get(app_t *app, const principal_t *who, const char *pid, const char *iid,
                  json_t **out, buffr_err_t *e)
{
    return restaurant_entity_get(app, who, &item_entity, pid, iid, out, e);
}

int menu_item_update(app_t *app, const principal_t *who, const char *pid, const char *iid,
                     json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    item_input_t in = {0};
    int rc = item_parse(body, false, &in, e);
    if (rc == 0)
        rc = restaurant_entity_update(app, who, &item_entity, pid, iid, &in, if_match, out, e);
    item_input_free(&in);
    return rc;
}

int menu_item_delete(app_t *app, const principal_t *who, const char *pid, const char *iid,
                     buffr_err_t *e)
{
    return restaurant_entity_delete(app, who, &item_entity, pid, iid, e);
}

/* ---- modifier groups ---- */

static json_t *group_row_json(db_rows_t *rows)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:[], s:I}", "id", db_text(rows, 0), "name",
                     db_text(rows, 1), "min_select", (json_int_t)db_int(rows, 2), "max_select",
                     (json_int_t)db_int(rows, 3), "options", "version",
                     (json_int_t)db_int(rows, 4));
}

static json_t *option_row_json(db_rows_t *rows)
{
    return json_pack("{s:s, s:s, s:I}", "id", db_text(rows, 1), "name", db_text(rows, 2),
                     "price_delta", (json_int_t)db_int(rows, 3));
}

/* Groups of the property (one, when gid is given) with their options, in
 * two queries. */
static int group_read_all(db_tx_t *tx, const char *pid, const char *gid, json_t **out)
{
    json_t *list = json_array(), *by_id = json_object();
    int rc = list && by_id ? 0 : BUFFR_ENOMEM;
    if (rc == 0)
        rc = restaurant_rows_append(
            tx,
            "SELECT id, name, min_select, max_select, version FROM menu_modifier_groups "
            "WHERE tenant_id = $1 AND property_id = $2 AND (CAST($3 AS TEXT) IS NULL OR id = $3) "
            "ORDER BY name, id",
            DB_ARGS(DB_TEXT(pid), DB_TEXT(gid)), group_row_json, list, by_id);
    if (rc == 0)
        rc = restaurant_rows_attach(
            tx,
            "SELECT o.group_id, o.id, o.name, o.price_delta FROM menu_modifier_options o "
            "WHERE o.tenant_id = $1 AND o.property_id = $2 AND (CAST($3 AS TEXT) IS NULL OR "
            "o.group_id = $3) ORDER BY o.group_id, o.position, o.id",
            DB_ARGS(DB_TEXT(pid), DB_TEXT(gid)), option_row_json, by_id, "options");
    json_decref(by_id);
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    json_decref(*out);
    *out = list;
    return 0;
}

static int group_read(db_tx_t *tx, const char *pid, const char *id, json_t **out)
{
    json_t *list = NULL;
    int rc = group_read_all(tx, pid, id, &list);
    if (rc != 0)
        return rc;
    json_t *one = json_incref(json_array_get(list, 0));
    json_decref(list);
    if (one == NULL)
        return BUFFR_ENOTFOUND;
    json_decref(*out);
    *out = one;
    return 0;
}

typedef struct group_input {
    const char *name;
    int64_t min_select, max_select;
    json_t *options; /* borrowed from the body */
} group_input_t;

static int group_parse(json_t *body, group_input_t *in, buffr_err_t *e)
{
    int rc;
    bool present;
    if ((rc = jsonx_string(body, "name", true, 1, 200, &in->name, &present, e)) != 0 ||
        (rc = jsonx_int(body, "min_select", true, 0, 50, &in->min_select, &present, e)) != 0 ||
        (rc = jsonx_int(body, "max_select", true, 1, 50, &in->max_select, &present, e)) != 0)
        return rc;
    if (in->max_select < in->min_select)
        return buffr_fail(e, BUFFR_EVALIDATION, "max_select",
                          "max_select must be at least min_select");
    in->options = json_object_get(body, "options");
    if (!json_is_array(in->options) || json_array_size(in->options) < 1 ||
        json_array_size(in->options) > 100)
        return buffr_fail(e, BUFFR_EVALIDATION, "options",
                          "options must be an array of 1 to 100 options");
    if ((int64_t)json_array_size(in->options) < in->min_select)
        return buffr_fail(e, BUFFR_EVALIDATION, "options",
                          "there are fewer options than min_select");
    size_t i;
    json_t *o;
    json_array_foreach(in->options, i, o)
    {
        const char *name;
        int64_t delta;
        if (!json_is_object(o))
            return buffr_fail(e, BUFFR_EVALIDATION, "options", "each option must be an object");
        if ((rc = jsonx_string(o, "name", true, 1, 200, &name, &present, e)) != 0 ||
            (rc = jsonx_int(o, "price_delta", false, -ORDER_MATH_MAX_PRICE, ORDER_MATH_MAX_PRICE,
                            &delta, &present, e)) != 0) {
            snprintf(e->field, sizeof(e->field), "options[%zu].%s", i,
                     strcmp(e->field, "name") == 0 ? "name" : "price_delta");
            return rc;
        }
    }
    return 0;
}

static int group_insert(db_tx_t *tx, const restaurant_write_t *w)
{
    const group_input_t *in = w->in;
    int64_t now = time_now();
    int rc = db_exec(tx,
                     "INSERT INTO menu_modifier_groups (tenant_id, id, property_id, name, "
                     "min_select, max_select, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
                     "$6, $7, $7)",
                     DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->name),
                             DB_INT(in->min_select), DB_INT(in->max_select), DB_INT(now)),
                     NULL);
    size_t i;
    json_t *o;
    json_array_foreach(in->options, i, o)
    {
        if (rc != 0)
            break;
        char oid[UUID_BUF_SIZE];
        uuid_v7_new(oid);
        json_t *delta = json_object_get(o, "price_delta");
        rc = db_exec(tx,
                     "INSERT INTO menu_modifier_options (tenant_id, id, property_id, group_id, "
                     "name, price_delta, position) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     DB_ARGS(DB_TEXT(oid), DB_TEXT(w->pid), DB_TEXT(w->id),
                             DB_TEXT(json_string_value(json_object_get(o, "name"))),
                             DB_INT(json_is_integer(delta) ? json_integer_value(delta) : 0),
                             DB_INT(i)),
                     NULL);
    }
    return rc;
}

/* No update: a group is replaced (deleted, and another created). */
static const restaurant_entity_t group_entity = {
    .what = "modifier group",
    .delete_one =
        "DELETE FROM menu_modifier_groups WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .in_use = MENU_IN_USE("modifier group"),
    .read = group_read,
    .insert = group_insert,
};

int menu_group_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                      json_t **out, buffr_err_t *e)
{
    group_input_t in = {0};
    int rc = group_parse(body, &in, e);
    return rc != 0 ? rc : restaurant_entity_create(app, who, &group_entity, pid, &in, out, e);
}

static int group_list_read(db_tx_t *tx, const char *pid, json_t **out)
{
    return group_read_all(tx, pid, NULL, out);
}

int menu_group_list(app_t *app, const principal_t *who, const char *pid, json_t **out,
                    buffr_err_t *e)
{
    return restaurant_list_read(app, who, pid, group_list_read, out, e);
}

int menu_group_delete(app_t *app, const principal_t *who, const char *pid, const char *gid,
                      buffr_err_t *e)
{
    return restaurant_entity_delete(app, who, &group_entity, pid, gid, e);
}

/* ---- an item's modifier groups ---- */

typedef struct attach_work {
    const char *pid, *iid;
    char group_id[UUID_BUF_SIZE];
    buffr_err_t *e;
} attach_work_t;

static int attach_in_tx(db_tx_t *tx, void *ctx)
{
    attach_work_t *w = ctx;
    int64_t found = 0;
    int rc = db_query_int(
        tx, "SELECT 1 FROM menu_items WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->iid)), &found);
    if (rc == 0)
        rc = restaurant_ref_check(tx,
                                  "SELECT 1 FROM menu_modifier_groups WHERE tenant_id = $1 AND "
                                  "property_id = $2 AND id = $3",
                                  w->pid, w->group_id, "group_id",
                                  "no such modifier group in this property", w->e);
    int64_t next = 0;
    if (rc == 0)
        rc = db_query_int(tx,
                          "SELECT COALESCE(MAX(position) + 1, 0) FROM menu_item_modifier_groups "
                          "WHERE tenant_id = $1 AND item_id = $2",
                          DB_ARGS(DB_TEXT(w->iid)), &next);
    if (rc != 0)
        return rc;
    return db_exec(
        tx,
        "INSERT INTO menu_item_modifier_groups (tenant_id, property_id, item_id, group_id, "
        "position) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, item_id, group_id) DO "
        "NOTHING",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->iid), DB_TEXT(w->group_id), DB_INT(next)), NULL);
}

int menu_item_attach_group(app_t *app, const principal_t *who, const char *pid, const char *iid,
                           json_t *body, json_t **out, buffr_err_t *e)
{
    attach_work_t w = {.pid = pid, .iid = iid, .e = e};
    int rc = restaurant_uuid_field(body, "group_id", true, w.group_id, NULL, e);
    if (rc != 0)
        return rc;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, attach_in_tx, &w);
    if (rc != 0)
        return restaurant_done(rc, NULL, out, e, "menu item");
    /* Answer the item with its groups, as the whole menu shows it. */
    json_t *menu = NULL;
    rc = menu_render(app, who, pid, NULL, false, &menu, e);
    if (rc != 0)
        return rc;
    json_t *found = NULL, *cat, *item;
    size_t i, j;
    json_array_foreach(json_object_get(menu, "categories"), i, cat)
    {
        json_array_foreach(json_object_get(cat, "items"), j, item)
        {
            if (strcmp(json_string_value(json_object_get(item, "id")), iid) == 0)
                found = json_incref(item);
        }
    }
    json_decref(menu);
    return restaurant_done(found ? 0 : BUFFR_ENOTFOUND, found, out, e, "menu item");
}

int menu_item_detach_group(app_t *app, const principal_t *who, const char *pid, const char *iid,
                           const char *gid, buffr_err_t *e)
{
    return restaurant_delete_row(app, who,
                                 "DELETE FROM menu_item_modifier_groups WHERE tenant_id = $1 AND "
                                 "property_id = $2 AND item_id = $3 AND group_id = $4",
                                 pid, iid, gid, "modifier group of the item",
                                 MENU_IN_USE("modifier group of the item"), e);
}

/* ---- the whole menu ---- */

typedef struct render_work {
    const char *pid, *menu_id;
    bool only_available;
    json_t *result;
} render_work_t;

static int render_in_tx(db_tx_t *tx, void *ctx)
{
    render_work_t *w = ctx;
    json_t *settings = NULL, *menus = NULL, *categories = NULL, *groups = NULL;
    char zone[RESTAURANT_TZ_MAX];
    int rc = settings_read(tx, w->pid, &settings, zone);
    if (rc == 0)
        rc = restaurant_rows_json(tx,
                                  "SELECT " MENU_COLUMNS " FROM menus WHERE tenant_id = $1 AND "
                                  "property_id = $2 AND (CAST($3 AS TEXT) IS NULL OR id = $3) "
                                  "ORDER BY position, name, id",
                                  DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->menu_id)), menu_row_json,
                                  &menus);
    /* Each menu says whether it is serving now, property time; a guest sees
     * only the categories of menus that are (closed_menus lists the rest). */
    json_t *closed_menus = json_object();
    int minute = -1;
    if (rc == 0 && closed_menus == NULL)
        rc = BUFFR_ENOMEM;
    if (rc == 0 && zone_minute_of_day(zone, time_now(), &minute) != 0)
        minute = -1; /* the zone cannot be read: hours cannot be told */
    size_t i;
    json_t *v;
    json_array_foreach(menus, i, v)
    {
        bool open =
            minute < 0 ||
            menu_hours_open(json_string_value(json_object_get(v, "available_from")),
                            json_string_value(json_object_get(v, "available_until")), minute);
        if (rc == 0 && json_object_set_new(v, "open_now", json_boolean(open)) != 0)
            rc = BUFFR_ENOMEM;
        if (rc == 0 && !open &&
            json_object_set(closed_menus, json_string_value(json_object_get(v, "id")),
                            json_true()) != 0)
            rc = BUFFR_ENOMEM;
    }
    if (rc == 0)
        rc = restaurant_rows_json(
            tx,
            "SELECT " CATEGORY_COLUMNS " FROM menu_categories WHERE tenant_id = $1 AND "
            "property_id = $2 AND (CAST($3 AS TEXT) IS NULL OR menu_id = $3) ORDER BY position, "
            "name, id",
            DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->menu_id)), category_row_json, &categories);
    if (rc == 0)
        rc = group_read_all(tx, w->pid, NULL, &groups);
    json_t *cat_by_id = json_object(), *group_by_id = json_object(), *item_by_id = json_object();
    if (rc == 0 && (cat_by_id == NULL || group_by_id == NULL || item_by_id == NULL))
        rc = BUFFR_ENOMEM;
    for (i = 0; rc == 0 && w->only_available && i < json_array_size(categories);) {
        const char *menu =
            json_string_value(json_object_get(json_array_get(categories, i), "menu_id"));
        if (menu != NULL && json_object_get(closed_menus, menu) != NULL)
            json_array_remove(categories, i);
        else
            i++;
    }
    json_array_foreach(categories, i, v)
    {
        if (rc == 0 &&
            (json_object_set_new(v, "items", json_array()) != 0 ||
             json_object_set(cat_by_id, json_string_value(json_object_get(v, "id")), v) != 0))
            rc = BUFFR_ENOMEM;
    }
    json_array_foreach(groups, i, v)
    {
        json_object_del(v, "version");
        if (rc == 0 &&
            json_object_set(group_by_id, json_string_value(json_object_get(v, "id")), v) != 0)
            rc = BUFFR_ENOMEM;
    }
    db_rows_t *rows = NULL;
    if (rc == 0)
        rc = db_query(tx,
                      "SELECT " ITEM_COLUMNS ITEM_FROM
                      "WHERE i.tenant_id = $1 AND i.property_id = $2 AND ($3 = 0 OR "
                      "i.available = 1) ORDER BY i.position, i.name, i.id",
                      DB_ARGS(DB_TEXT(w->pid), DB_BOOL(w->only_available)), &rows);
    while (rc == 0 && (rc = db_next(rows)) == 1) {
        rc = 0;
        json_t *cat = json_object_get(cat_by_id, db_text(rows, 1));
        if (cat == NULL)
            continue; /* a category of another menu */
        json_t *item = item_row_json(rows);
        if (item == NULL || json_object_set_new(item, "modifier_groups", json_array()) != 0 ||
            json_object_set(item_by_id, db_text(rows, 0), item) != 0 ||
            json_array_append_new(json_object_get(cat, "items"), item) != 0)
            rc = BUFFR_ENOMEM;
    }
    if (rows)
        db_rows_free(rows);
    rows = NULL;
    if (rc == 0)
        rc =
            db_query(tx,
                     "SELECT item_id, group_id FROM menu_item_modifier_groups WHERE tenant_id = $1 "
                     "AND property_id = $2 ORDER BY item_id, position",
                     DB_ARGS(DB_TEXT(w->pid)), &rows);
    while (rc == 0 && (rc = db_next(rows)) == 1) {
        rc = 0;
        json_t *item = json_object_get(item_by_id, db_text(rows, 0));
        json_t *group = json_object_get(group_by_id, db_text(rows, 1));
        if (item && group &&
            json_array_append(json_object_get(item, "modifier_groups"), group) != 0)
            rc = BUFFR_ENOMEM;
    }
    if (rows)
        db_rows_free(rows);
    if (rc == 0) {
        json_decref(w->result);
        /* The property's own menus are listed beside the categories. */
        w->result = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O}", "property_id", w->pid, "currency",
                              json_object_get(settings, "currency"), "tax_rate_bp",
                              json_object_get(settings, "tax_rate_bp"), "tax_inclusive",
                              json_object_get(settings, "tax_inclusive"), "menus", menus,
                              "categories", categories);
        if (w->result == NULL)
            rc = BUFFR_ENOMEM;
    }
    json_decref(settings);
    json_decref(menus);
    json_decref(closed_menus);
    json_decref(categories);
    json_decref(groups);
    json_decref(cat_by_id);
    json_decref(group_by_id);
    json_decref(item_by_id);
    return rc < 0 ? rc : 0;
}

int menu_render(app_t *app, const principal_t *who, const char *pid, const char *menu_id,
                bool only_available, json_t **out, buffr_err_t *e)
{
    render_work_t w = {.pid = pid, .menu_id = menu_id, .only_available = only_available};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, render_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}
