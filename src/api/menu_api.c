/*
 * menu_api.c - /api/v1/properties/{pid}/menu...: the whole menu, menus,
 * categories, items (with their image), modifier groups, and the
 * property's restaurant settings (tax, QR base URL).
 * Business rules live in restaurant/menu.c and restaurant/menu_image.c.
 */
#include "api/api.h"
#include "api/schema.h"
#include "api/serve.h"

#include <stdlib.h>

#include "restaurant/restaurant.h"

static void api_menu_get(req_t *r)
{
    char pid[UUID_BUF_SIZE], menu_id[UUID_BUF_SIZE];
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0)
        return;
    const char *menu = req_query(r, "menu_id");
    if (menu && uuid_normalize(menu, menu_id) != 0) {
        reply_error(r, BUFFR_EVALIDATION, "menu_id", "menu_id must be a menu's id");
        return;
    }
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = menu_render(req_app(r), req_principal(r), pid, menu ? menu_id : NULL, false, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_items_detach_group(req_t *r)
{
    char pid[UUID_BUF_SIZE], iid[UUID_BUF_SIZE], gid[UUID_BUF_SIZE];
    if (serve_ids(r, "iid", pid, iid, NULL) != 0 || req_uuid_param(r, "gid", gid) != 0)
        return;
    buffr_err_t e = {0};
    int rc = menu_item_detach_group(req_app(r), req_principal(r), pid, iid, gid, &e);
    api_reply(r, rc, &e, 204, NULL);
}

static void api_items_image_put(req_t *r)
{
    char pid[UUID_BUF_SIZE], iid[UUID_BUF_SIZE];
    if (serve_ids(r, "iid", pid, iid, NULL) != 0)
        return;
    size_t len = 0;
    const char *body = req_body(r, &len);
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = menu_item_image_put(req_app(r), req_principal(r), pid, iid,
                                 req_header(r, "Content-Type"), body, len, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void api_reply_item_image(req_t *r, const principal_t *who, const char *pid, const char *iid,
                          const char *cache_control)
{
    char *data = NULL;
    size_t len = 0;
    const char *type = NULL;
    buffr_err_t e = {0};
    if (menu_item_image_get(req_app(r), who, pid, iid, &data, &len, &type, &e) != 0) {
        reply_err(r, &e);
        return;
    }
    if (cache_control != NULL)
        reply_header(r, "Cache-Control", cache_control);
    reply_raw(r, 200, type, data, len);
    free(data);
}

static void api_items_image_get(req_t *r)
{
    char pid[UUID_BUF_SIZE], iid[UUID_BUF_SIZE];
    if (serve_ids(r, "iid", pid, iid, NULL) != 0)
        return;
    api_reply_item_image(r, req_principal(r), pid, iid, "private, max-age=60");
}

HANDLER(api_restaurant_settings_get, serve_read(r, restaurant_settings_get))
HANDLER(api_restaurant_settings_update, serve_write(r, restaurant_settings_update, 200))
HANDLER(api_menus_create, serve_write(r, menu_create, 201))
HANDLER(api_menus_list, serve_read(r, menu_list))
HANDLER(api_menus_update, serve_update(r, "mid", menu_update, 200))
HANDLER(api_menus_delete, serve_delete(r, "mid", menu_delete))
HANDLER(api_categories_create, serve_write(r, menu_category_create, 201))
HANDLER(api_categories_update, serve_update(r, "cid", menu_category_update, 200))
HANDLER(api_categories_delete, serve_delete(r, "cid", menu_category_delete))
HANDLER(api_items_create, serve_write(r, menu_item_create, 201))
HANDLER(api_items_get, serve_get(r, "iid", menu_item_get))
HANDLER(api_items_update, serve_update(r, "iid", menu_item_update, 200))
HANDLER(api_items_delete, serve_delete(r, "iid", menu_item_delete))
HANDLER(api_items_attach_group, serve_change(r, "iid", menu_item_attach_group, 201))
HANDLER(api_groups_create, serve_write(r, menu_group_create, 201))
HANDLER(api_groups_list, serve_read(r, menu_group_list))
HANDLER(api_groups_delete, serve_delete(r, "gid", menu_group_delete))

/* ---- routes ---- */

#define MANAGE  PERM_SERVICE(ROLE_SERVICE_MANAGER, SERVICE_RESTAURANT)
#define OPERATE PERM_SERVICE(ROLE_STAFF, SERVICE_RESTAURANT)
#define S_NSTR  "{\"type\":[\"string\",\"null\"]}"
#define S_NINT  "{\"type\":[\"integer\",\"null\"]}"
#define S_TAGS  "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":20}"

#define SETTINGS_PROPS                                                                             \
    "\"tax_rate_bp\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000},\"tax_"                \
    "inclusive\":" S_BOOL ",\"qr_base_url\":" S_NSTR                                               \
    ",\"staff_discount_limit_bp\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000}"
static const char settings_body[] = OBJ(SETTINGS_PROPS, "");
static const char settings_answer[] =
    OBJ("\"property_id\":" S_UUID "," SETTINGS_PROPS ",\"currency\":" S_STR ",\"version\":" S_INT,
        "\"tax_rate_bp\",\"tax_inclusive\"");

#define MENU_PROPS                                                                                 \
    "\"name\":" S_STR ",\"available_from\":{\"type\":[\"string\",\"null\"],\"pattern\":"           \
    "\"^[0-2][0-9]:[0-5][0-9]$\"},\"available_until\":{\"type\":[\"string\",\"null\"]},"           \
    "\"position\":" S_INT
static const char menu_body[] = OBJ(MENU_PROPS, "\"name\"");
static const char menu_update_body[] = OBJ(MENU_PROPS, "");
static const char menu_answer[] =
    OBJ("\"id\":" S_UUID "," MENU_PROPS ",\"version\":" S_INT, "\"id\",\"name\",\"version\"");
static const char menus_answer[] = S_WHOLE_LIST(OBJ("\"id\":" S_UUID "," MENU_PROPS, "\"id\""));

#define CATEGORY_PROPS                                                                             \
    "\"name\":" S_STR ",\"position\":" S_INT ",\"menu_id\":" S_NSTR ",\"station\":" S_NSTR         \
    ",\"tax_rate_bp\":" S_NINT
static const char category_body[] = OBJ(CATEGORY_PROPS, "\"name\"");
static const char category_update_body[] = OBJ(CATEGORY_PROPS, "");
static const char category_answer[] = OBJ("\"id\":" S_UUID "," CATEGORY_PROPS ",\"version\":" S_INT,
                                          "\"id\",\"name\",\"position\",\"version\"");

#define ITEM_PROPS                                                                                 \
    "\"category_id\":" S_UUID ",\"name\":" S_STR ",\"price\":{\"type\":\"integer\",\"minimum\":0}" \
    ",\"description\":" S_NSTR ",\"available\":" S_BOOL ",\"allergens\":" S_TAGS                   \
    ",\"dietary\":" S_TAGS ",\"position\":" S_INT
static const char item_body[] = OBJ(ITEM_PROPS, "\"category_id\",\"name\",\"price\"");
static const char item_update_body[] = OBJ(ITEM_PROPS, "");
static const char item_answer[] =
    OBJ("\"id\":" S_UUID "," ITEM_PROPS ",\"currency\":" S_STR ",\"has_image\":" S_BOOL
        ",\"version\":" S_INT,
        "\"id\",\"category_id\",\"name\",\"price\",\"available\",\"version\"");

#define OPTION_OBJ OBJ("\"id\":" S_UUID ",\"name\":" S_STR ",\"price_delta\":" S_INT, "\"name\"")
#define GROUP_PROPS                                                                                \
    "\"name\":" S_STR ",\"min_select\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":50},"       \
    "\"max_select\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":50},\"options\":{\"type\":"    \
    "\"array\",\"minItems\":1,\"items\":" OPTION_OBJ "}"
static const char group_body[] =
    OBJ(GROUP_PROPS, "\"name\",\"min_select\",\"max_select\",\"options\"");
static const char group_answer[] = OBJ("\"id\":" S_UUID "," GROUP_PROPS, "\"id\",\"options\"");
static const char groups_answer[] = S_WHOLE_LIST(OBJ("\"id\":" S_UUID "," GROUP_PROPS, "\"id\""));
static const char attach_body[] = OBJ("\"group_id\":" S_UUID, "\"group_id\"");

static const char whole_menu_answer[] = OBJ(
    "\"property_id\":" S_UUID ",\"currency\":" S_STR ",\"tax_rate_bp\":" S_INT
    ",\"tax_inclusive\":" S_BOOL ",\"menus\":{\"type\":\"array\",\"items\":" OBJ(
        "\"id\":" S_UUID "," MENU_PROPS ",\"open_now\":" S_BOOL,
        "\"id\",\"open_now\"") "},\"categories\":{\"type\":"
                               "\"array\",\"items\":" OBJ(
                                   "\"id\":" S_UUID ",\"name\":" S_STR ",\"items\":{\"type\":"
                                   "\"array\",\"items\":" OBJ("\"id\":" S_UUID ",\"price\":" S_INT
                                                              ",\"modifier_groups\":{\"type\":"
                                                              "\"array\"}",
                                                              "\"id\"") "}",
                                   "\"id\",\"items\"") "}",
    "\"categories\"");

#define P "/api/v1/properties/{pid}"
const route_t menu_routes[] = {
    {"GET", P "/menu", api_menu_get, OPERATE,
     "The whole menu: categories with their items and modifier groups (?menu_id=)", "restaurant", 0,
     NULL, whole_menu_answer, 200, 0, "menu_id:uuid"},
    {"GET", P "/restaurant/settings", api_restaurant_settings_get, MANAGE,
     "Tax rate (basis points), tax inclusive or not, QR base URL", "restaurant", 0, NULL,
     settings_answer, 200},
    {"PATCH", P "/restaurant/settings", api_restaurant_settings_update, MANAGE,
     "Change the tax rate, tax_inclusive or the QR base URL", "restaurant", JSON, settings_body,
     settings_answer, 200},
    {"POST", P "/menus", api_menus_create, MANAGE,
     "Create a menu (breakfast, dinner, room service) with its hours", "restaurant", JSON,
     menu_body, menu_answer, 201},
    {"GET", P "/menus", api_menus_list, OPERATE, "List the property's menus", "restaurant", 0, NULL,
     menus_answer, 200},
    {"PATCH", P "/menus/{mid}", api_menus_update, MANAGE, "Change a menu (If-Match)", "restaurant",
     JSON, menu_update_body, menu_answer, 200},
    {"DELETE", P "/menus/{mid}", api_menus_delete, MANAGE, "Delete a menu with no categories",
     "restaurant", 0, NULL, NULL, 204},
    {"POST", P "/menu/categories", api_categories_create, MANAGE,
     "Create a menu category (station routes its items on the KDS)", "restaurant", JSON,
     category_body, category_answer, 201},
    {"PATCH", P "/menu/categories/{cid}", api_categories_update, MANAGE,
     "Change a category (If-Match)", "restaurant", JSON, category_update_body, category_answer,
     200},
    {"DELETE", P "/menu/categories/{cid}", api_categories_delete, MANAGE,
     "Delete an empty category", "restaurant", 0, NULL, NULL, 204},
    {"POST", P "/menu/items", api_items_create, MANAGE, "Create a menu item", "restaurant", JSON,
     item_body, item_answer, 201},
    {"GET", P "/menu/items/{iid}", api_items_get, OPERATE, "Read a menu item", "restaurant", 0,
     NULL, item_answer, 200},
    {"PATCH", P "/menu/items/{iid}", api_items_update, MANAGE,
     "Change a menu item; {\"available\":false} takes it off (86)", "restaurant", JSON,
     item_update_body, item_answer, 200},
    {"DELETE", P "/menu/items/{iid}", api_items_delete, MANAGE, "Delete a menu item", "restaurant",
     0, NULL, NULL, 204},
    {"POST", P "/menu/items/{iid}/modifier-groups", api_items_attach_group, MANAGE,
     "Offer a modifier group on an item", "restaurant", JSON, attach_body, item_answer, 201},
    {"DELETE", P "/menu/items/{iid}/modifier-groups/{gid}", api_items_detach_group, MANAGE,
     "Stop offering a modifier group on an item", "restaurant", 0, NULL, NULL, 204},
    {"PUT", P "/menu/items/{iid}/image", api_items_image_put, MANAGE,
     "Upload the item's picture (body image/png or image/jpeg, at most 2 MiB)", "restaurant", 0,
     NULL, item_answer, 200, MENU_IMAGE_MAX_BYTES},
    {"GET", P "/menu/items/{iid}/image", api_items_image_get, OPERATE, "The item's picture",
     "restaurant", ROUTE_RAW, NULL, NULL, 200},
    {"POST", P "/menu/modifier-groups", api_groups_create, MANAGE,
     "Create a modifier group with its options (min_select..max_select choices)", "restaurant",
     JSON, group_body, group_answer, 201},
    {"GET", P "/menu/modifier-groups", api_groups_list, OPERATE,
     "List the modifier groups with their options", "restaurant", 0, NULL, groups_answer, 200},
    {"DELETE", P "/menu/modifier-groups/{gid}", api_groups_delete, MANAGE,
     "Delete a modifier group (and its options)", "restaurant", 0, NULL, NULL, 204},
};
const size_t menu_routes_count = sizeof(menu_routes) / sizeof(menu_routes[0]);
