/*
 * restaurant.h - restaurant and room service: menus with modifiers, orders
 * and their money, the kitchen display (KDS), floor areas and tables, and
 * ordering at the table through a QR code.
 *
 * Domain functions take the app and the caller (principal_t), return 0 or
 * a BUFFR_E* code with *e filled, and hand back caller-owned JSON. Nothing
 * here knows HTTP; src/api/{menu,orders,kds,tables,qr}_api.c do.
 * Money rules: order_math.h. Table tokens: table_token.c.
 */
#ifndef BUFFR_RESTAURANT_RESTAURANT_H
#define BUFFR_RESTAURANT_RESTAURANT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "core/domain.h"
#include "core/error.h"
#include "db/migrate.h"
#include "http/rbac.h"

extern const db_migration_t restaurant_migrations[];
extern const size_t restaurant_migrations_count;

/* The shapes of most domain calls, which the API layer serves alike
 * (core/domain.h says what each takes). */
typedef domain_read_fn restaurant_read_fn;
typedef domain_filter_fn restaurant_filter_fn;
typedef domain_write_fn restaurant_write_fn;
typedef domain_get_fn restaurant_get_fn;
typedef domain_change_fn restaurant_change_fn; /* an order's changes, an item's groups */
typedef domain_update_fn restaurant_update_fn;
typedef domain_delete_fn restaurant_delete_fn;

/* ---- settings: tax and QR base URL of a property (menu.c) ---- */
restaurant_read_fn restaurant_settings_get;
restaurant_write_fn restaurant_settings_update;

/* ---- menus, categories, items, modifier groups (menu.c) ---- */
restaurant_write_fn menu_create, menu_category_create, menu_item_create, menu_group_create;
restaurant_read_fn menu_list, menu_group_list;
restaurant_get_fn menu_item_get;
restaurant_update_fn menu_update, menu_category_update, menu_item_update;
restaurant_delete_fn menu_delete, menu_category_delete, menu_item_delete, menu_group_delete;
/* Offer a modifier group on an item (body {"group_id"}); answers the item. */
restaurant_change_fn menu_item_attach_group;
int menu_item_detach_group(app_t *app, const principal_t *who, const char *pid, const char *iid,
                           const char *gid, buffr_err_t *e);

/* The whole menu of a property in one answer: categories (of menu_id only
 * when given) with their items, each with its modifier groups and options.
 * only_available hides 86'd items (the guests' view). */
int menu_render(app_t *app, const principal_t *who, const char *pid, const char *menu_id,
                bool only_available, json_t **out, buffr_err_t *e);

/* ---- item images (menu_image.c) ---- */
#define MENU_IMAGE_MAX_BYTES (2u << 20)
/* Store an image (PNG or JPEG, checked by its magic bytes against
 * content_type) for an item under <data_dir>/images/<tenant>/<item>.<ext>. */
int menu_item_image_put(app_t *app, const principal_t *who, const char *pid, const char *iid,
                        const char *content_type, const void *data, size_t len, json_t **out,
                        buffr_err_t *e);
/* Read it back: *data (caller frees), its length and content type. */
int menu_item_image_get(app_t *app, const principal_t *who, const char *pid, const char *iid,
                        char **data, size_t *len, const char **content_type, buffr_err_t *e);

/* ---- orders (orders.c) ---- */
typedef struct order_filter {
    const char *status, *table, *channel, *date; /* NULL: any */
} order_filter_t;

/* qr_table_id: NULL for staff; for a guest holding a table token, the table
 * the order is placed at (channel forced to "qr"). */
int order_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                 const char *qr_table_id, json_t **out, buffr_err_t *e);
/* qr_table_id non-NULL: only an order of that table is found. */
int order_get(app_t *app, const principal_t *who, const char *pid, const char *oid,
              const char *qr_table_id, json_t **out, buffr_err_t *e);
int order_list(app_t *app, const principal_t *who, const char *pid, const order_filter_t *filter,
               int limit, const char *cursor, json_t **out, buffr_err_t *e);
/* The order's status (body {"status"}; If-Match). */
restaurant_update_fn order_set_status;
/* Changes to an open order, each recomputing its totals; bodies:
 * {"items"}, {"amount"|"percent","reason"}, {"amount"}, {"table"},
 * {"order_id"}. */
restaurant_change_fn order_add_items, order_add_discount, order_set_tip, order_move, order_merge;
int order_void_item(app_t *app, const principal_t *who, const char *pid, const char *oid,
                    const char *item_id, json_t **out, buffr_err_t *e);
/* Completed orders of one business day (filter: the property's local date,
 * YYYY-MM-DD; NULL for today). */
restaurant_filter_fn sales_summary;

/* ---- kitchen display (kds.c) ---- */
/* The lines to cook (filter: a station, NULL for all), and the stations. */
restaurant_filter_fn kds_list;
restaurant_read_fn kds_stations;
/* Move an order item (id) one step on (bump) or back (recall). */
restaurant_get_fn kds_bump, kds_recall;

/* ---- floor areas and tables (tables.c) ---- */
restaurant_write_fn floor_area_create, dining_table_create;
restaurant_read_fn floor_area_list;
restaurant_filter_fn dining_table_list; /* filter: a table status, NULL for all */
restaurant_get_fn dining_table_get;
restaurant_update_fn dining_table_update;
restaurant_delete_fn floor_area_delete, dining_table_delete;
/* The table's ordering link: {"url","token","token_version"}. host is the
 * request's Host header, used when the property has no qr_base_url. */
int dining_table_qr_link(app_t *app, const principal_t *who, const char *pid, const char *tid,
                         const char *host, json_t **out, buffr_err_t *e);
/* Revoke every token of the table issued so far (bump its token version). */
int dining_table_qr_revoke(app_t *app, const principal_t *who, const char *pid, const char *tid,
                           const char *host, json_t **out, buffr_err_t *e);
/* Where a table token seats its guest, by name (for the guest's page). */
typedef struct table_seat {
    char table_name[260];    /* restaurant_tables.name: 64 characters, UTF-8 */
    char property_name[804]; /* properties.name: 200 characters, UTF-8 */
} table_seat_t;
/* Check a table token (signature, then the table's current token version)
 * and fill a guest principal of the token's tenant, the property and the
 * table, and *seat when not NULL. BUFFR_EUNAUTH when forged, malformed or
 * revoked. */
int dining_table_token_open(app_t *app, const char *token, principal_t *guest,
                            char pid[UUID_BUF_SIZE], char tid[UUID_BUF_SIZE], table_seat_t *seat,
                            buffr_err_t *e);

#endif
