/*
 * restaurant_internal.h - helpers shared by the restaurant module's files
 * (not part of its interface: the API layer includes restaurant.h only).
 */
#ifndef BUFFR_RESTAURANT_INTERNAL_H
#define BUFFR_RESTAURANT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "core/timeutil.h"
#include "core/uuid.h"
#include "app.h"
#include "db/db.h"
#include "http/rbac.h"

#define RESTAURANT_TZ_MAX 64
/* Discounts staff may give on an order without a manager, in basis points
 * of its subtotal, until a property sets its own (10 %). */
#define RESTAURANT_STAFF_DISCOUNT_BP 1000

/* Finish a domain call: on success *out = result; on failure free result
 * and make sure *e explains rc (a not-found names what). */
int restaurant_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const char *what);

/* 0 when the property exists in the transaction's tenant, else
 * BUFFR_ENOTFOUND. currency (4 bytes) and timezone (RESTAURANT_TZ_MAX) may
 * be NULL. */
int restaurant_property_read(db_tx_t *tx, const char *pid, char *currency, char *zone_name);

/* An RFC 3339 JSON string of a Unix time (NULL on ENOMEM). */
json_t *restaurant_time_json(int64_t unix_seconds);

/* Optional or required UUID field (normalised to lowercase). */
int restaurant_uuid_field(json_t *body, const char *field, bool required, char out[UUID_BUF_SIZE],
                          bool *present, buffr_err_t *e);

/* A station name: 1..32 of [a-z0-9_-]. */
bool restaurant_station_valid(const char *s);

/* ---- rows as JSON (restaurant_rows.c) ---- */

/* The current row as a new JSON value; NULL when out of memory. */
typedef json_t *restaurant_row_fn(db_rows_t *rows);

/* Run sql and step onto its first row: 0 with *rows there (the caller
 * frees them), BUFFR_ENOTFOUND when there is none (nothing to free). */
int restaurant_first_row(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                         db_rows_t **rows);
/* The first row of sql through row into *out (replacing what is there);
 * BUFFR_ENOTFOUND when there is none. */
int restaurant_row_json(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                        restaurant_row_fn *row, json_t **out);
/* Every row of sql through row, as a new array in *out (replacing it). */
int restaurant_rows_json(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                         restaurant_row_fn *row, json_t **out);
/* Every row of sql through row, appended to list and, when by_id is not
 * NULL, also set in by_id under the row's first column. */
int restaurant_rows_append(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                           restaurant_row_fn *row, json_t *list, json_t *by_id);
/* Children: each row of sql whose first column is a key of parents goes
 * through row and onto that parent's array member key; others are skipped. */
int restaurant_rows_attach(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                           restaurant_row_fn *row, json_t *parents, const char *key);

/* A body's reference to another row of the property (sql: $2 property,
 * $3 id): 0 when that row is there, else 400 on field with message. */
int restaurant_ref_check(db_tx_t *tx, const char *sql, const char *pid, const char *id,
                         const char *field, const char *message, buffr_err_t *e);

/* {"data": list, "next_cursor": null}, list stolen; NULL when out of memory. */
json_t *restaurant_whole_list(json_t *list);
/* The property's rows of sql through row as a whole list (unpaged: a
 * property has few menus, areas, tables...). sql's $2 is the property, args
 * bind $3 onwards (at most 4). 404 when the property is not there. */
int restaurant_list(app_t *app, const principal_t *who, const char *pid, const char *sql,
                    const db_arg_t *args, size_t nargs, restaurant_row_fn *row, json_t **out,
                    buffr_err_t *e);
/* The same for rows that take more than one query: read_all puts the
 * property's array in *out. */
typedef int restaurant_read_all_fn(db_tx_t *tx, const char *pid, json_t **out);
int restaurant_list_read(app_t *app, const principal_t *who, const char *pid,
                         restaurant_read_all_fn *read_all, json_t **out, buffr_err_t *e);

/* ---- configuration rows: create, read, update, delete (restaurant_rows.c) ---- */

/* One create or update as an entity's own SQL sees it. */
typedef struct restaurant_write {
    const char *pid, *id;
    const void *in;   /* the entity's parsed body (its own input struct) */
    int64_t if_match; /* update: the version to match, -1 for any */
    buffr_err_t *e;
} restaurant_write_t;

/* A kind of row the property configures (menu, category, item, modifier
 * group, floor area, table): its words, its SQL, its own steps. */
typedef struct restaurant_entity {
    const char *what;       /* "menu item": in messages */
    const char *select_one; /* $2 property, $3 id; its row as JSON: row */
    restaurant_row_fn *row;
    const char *delete_one; /* $2 property, $3 id */
    const char *in_use;     /* the 409 of a delete the database refused */
    /* Instead of select_one and row, when one query is not enough: the row
     * as JSON into *out (replacing it), BUFFR_ENOTFOUND. */
    int (*read)(db_tx_t *tx, const char *pid, const char *id, json_t **out);
    /* May be NULL: before a create or an update, check that the rows the
     * body refers to are the property's (400 on the field otherwise). */
    int (*check)(db_tx_t *tx, const restaurant_write_t *w);
    /* Create: insert row w->id. */
    int (*insert)(db_tx_t *tx, const restaurant_write_t *w);
    /* Update: the UPDATE guarded by w->if_match; *changed is 0 when no row
     * matched (then a row still there was changed meanwhile). */
    int (*update)(db_tx_t *tx, const restaurant_write_t *w, int64_t *changed);
} restaurant_entity_t;

/* Create from a parsed body in (a new id; the property must exist). */
int restaurant_entity_create(app_t *app, const principal_t *who, const restaurant_entity_t *ent,
                             const char *pid, const void *in, json_t **out, buffr_err_t *e);
int restaurant_entity_get(app_t *app, const principal_t *who, const restaurant_entity_t *ent,
                          const char *pid, const char *id, json_t **out, buffr_err_t *e);
/* Update from a parsed body in; 409 CONFLICT when if_match is stale. */
int restaurant_entity_update(app_t *app, const principal_t *who, const restaurant_entity_t *ent,
                             const char *pid, const char *id, const void *in, int64_t if_match,
                             json_t **out, buffr_err_t *e);
int restaurant_entity_delete(app_t *app, const principal_t *who, const restaurant_entity_t *ent,
                             const char *pid, const char *id, buffr_err_t *e);
/* Delete the property's row(s) by sql ($2 property, $3 id, $4 id2 unless
 * NULL): 404 naming what when none; in_use when the database refuses. */
int restaurant_delete_row(app_t *app, const principal_t *who, const char *sql, const char *pid,
                          const char *id, const char *id2, const char *what, const char *in_use,
                          buffr_err_t *e);

/* The civil date (YYYY-MM-DD) of a Unix time in an IANA zone, read from
 * the system's TZif files (cached). Unknown zone: BUFFR_EINVAL. */
int business_day_of(const char *zone_name, int64_t unix_seconds, char out[DATE_BUF_SIZE]);

/* Is a menu with hours from..until ("HH:MM", property time) serving at
 * minute of the day? until is the first minute it no longer serves; a range
 * may cross midnight (22:00..02:00); no hours, or equal ends, mean all day. */
bool menu_hours_open(const char *from, const char *until, int minute);

/* A signed table token (table_token.c). */
#define TABLE_TOKEN_MAX 128
int table_token_make(const unsigned char *key, size_t key_len, const char *tenant_id,
                     const char *property_id, const char *table_id, int64_t token_version,
                     char out[TABLE_TOKEN_MAX]);
/* Check the signature (constant time) and unpack. BUFFR_EUNAUTH if bad. */
int table_token_parse(const unsigned char *key, size_t key_len, const char *token,
                      char tenant_id[UUID_BUF_SIZE], char property_id[UUID_BUF_SIZE],
                      char table_id[UUID_BUF_SIZE], int64_t *token_version);

/* QR code images of text (qr_code.c); *out is malloc'ed, caller frees. */
int qr_code_svg(const char *text, char **out, size_t *len);
int qr_code_png(const char *text, unsigned char **out, size_t *len);

#endif
