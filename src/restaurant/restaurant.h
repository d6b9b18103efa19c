/*
 * restaurant.h - restaurant and room service: menus with modifiers, orders
 * and their money, the kitchen display (KDS), floor areas and tables, and
 * ordering at the table through a QR code.
 *
 * Domain functions take the app and the caller (principal_t), return 0 or
 * a BUFFR_E* code with *e filled, and hand back caller-owned JSON. Nothing
 * here knows HTTP; src/api/{menu,orders,kds,tables,qr}_api.c do.
 * Money rules: order_math.h. Table tokens: table_token.h.
 */
#ifndef BUFFR_RESTAURANT_RESTAURANT_H
#define BUFFR_RESTAURANT_RESTAURANT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "core/error.h"
#include "db/migrate.h"
#include "http/rbac.h"

extern const db_migration_t restaurant_migrations[];
extern const size_t restaurant_migrations_count;

/* ---- settings: tax and QR base URL of a property (menu.c) ---- */
int restaurant_settings_get(app_t *app, const principal_t *who, const char *pid, json_t **out,
                            buffr_err_t *e);
int restaurant_settings_update(app_t *app, const principal_t *who, const char *pid, json_t *body,
                               json_t **out, buffr_err_t *e);

/* ---- menus, categories, items, modifier groups (menu.c) ---- */
int menu_create(app_t *app, const principal_t *who, const char *pid, json_t *body, json_t **out,
                buffr_err_t *e);
int menu_list(app_t *app, const principal_t *who, const char *pid, json_t **out, buffr_err_t *e);
int menu_update(app_t *app, const principal_t *who, const char *pid, const char *mid, json_t *body,
                int64_t if_match, json_t **out, buffr_err_t *e);
int menu_delete(app_t *app, const principal_t *who, const char *pid, const char *mid,
                buffr_err_t *e);

int menu_category_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                         json_t **out, buffr_err_t *e);
int menu_category_update(app_t *app, const principal_t *who, const char *pid, const char *cid,
                         json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);
int menu_category_delete(app_t *app, const principal_t *who, const char *pid, const char *cid,
                         buffr_err_t *e);

int menu_item_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                     json_t **out, buffr_err_t *e);
int menu_item_get(app_t *app, const principal_t *who, const char *pid, const char *iid,
                  json_t **out, buffr_err_t *e);
int menu_item_update(app_t *app, const principal_t *who, const char *pid, const char *iid,
                     json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);
int menu_item_delete(app_t *app, const principal_t *who, const char *pid, const char *iid,
                     buffr_err_t *e);
int menu_item_attach_group(app_t *app, const principal_t *who, const char *pid, const char *iid,
                           json_t *body, json_t **out, buffr_err_t *e);
int menu_item_detach_group(app_t *app, const principal_t *who, const char *pid, const char *iid,
                           const char *gid, buffr_err_t *e);

int menu_group_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                      json_t **out, buffr_err_t *e);
int menu_group_list(app_t *app, const principal_t *who, const char *pid, json_t **out,
                    buffr_err_t *e);
int menu_group_delete(app_t *app, const principal_t *who, const char *pid, const char *gid,
                      buffr_err_t *e);

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
int order_set_status(app_t *app, const principal_t *who, const char *pid, const char *oid,
                     json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);
int order_add_items(app_t *app, const principal_t *who, const char *pid, const char *oid,
                    json_t *body, json_t **out, buffr_err_t *e);
int order_void_item(app_t *app, const principal_t *who, const char *pid, const char *oid,
                    const char *item_id, json_t **out, buffr_err_t *e);
int order_add_discount(app_t *app, const principal_t *who, const char *pid, const char *oid,
                       json_t *body, json_t **out, buffr_err_t *e);
int order_set_tip(app_t *app, const principal_t *who, const char *pid, const char *oid,
                  json_t *body, json_t **out, buffr_err_t *e);
int order_move(app_t *app, const principal_t *who, const char *pid, const char *oid, json_t *body,
               json_t **out, buffr_err_t *e);
int order_merge(app_t *app, const principal_t *who, const char *pid, const char *oid, json_t *body,
                json_t **out, buffr_err_t *e);
/* Completed orders of one business day (the property's local date). */
int sales_summary(app_t *app, const principal_t *who, const char *pid, const char *date,
                  json_t **out, buffr_err_t *e);

/* ---- kitchen display (kds.c) ---- */
int kds_list(app_t *app, const principal_t *who, const char *pid, const char *station, json_t **out,
             buffr_err_t *e);
int kds_stations(app_t *app, const principal_t *who, const char *pid, json_t **out, buffr_err_t *e);
/* Move an order item one step on (bump) or back (recall). */
int kds_move(app_t *app, const principal_t *who, const char *pid, const char *item_id, bool forward,
             json_t **out, buffr_err_t *e);

/* ---- floor areas and tables (tables.c) ---- */
int floor_area_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                      json_t **out, buffr_err_t *e);
int floor_area_list(app_t *app, const principal_t *who, const char *pid, json_t **out,
                    buffr_err_t *e);
int floor_area_delete(app_t *app, const principal_t *who, const char *pid, const char *aid,
                      buffr_err_t *e);
int dining_table_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                        json_t **out, buffr_err_t *e);
int dining_table_list(app_t *app, const principal_t *who, const char *pid, const char *status,
                      json_t **out, buffr_err_t *e);
int dining_table_get(app_t *app, const principal_t *who, const char *pid, const char *tid,
                     json_t **out, buffr_err_t *e);
int dining_table_update(app_t *app, const principal_t *who, const char *pid, const char *tid,
                        json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);
int dining_table_delete(app_t *app, const principal_t *who, const char *pid, const char *tid,
                        buffr_err_t *e);
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
