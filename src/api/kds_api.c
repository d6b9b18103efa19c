/*
 * kds_api.c - /api/v1/properties/{pid}/kds...: the kitchen display and
 * the cooks' bump and recall. Rules: restaurant/kds.c.
 */
#include "api/api.h"
#include "api/schema.h"
#include "api/serve.h"

#include "restaurant/restaurant.h"

HANDLER(api_kds_list, serve_filter(r, "station", kds_list))
HANDLER(api_kds_stations, serve_read(r, kds_stations))
HANDLER(api_kds_bump, serve_get(r, "item_id", kds_bump))
HANDLER(api_kds_recall, serve_get(r, "item_id", kds_recall))

/* ---- routes ---- */

#define OPERATE PERM_SERVICE(ROLE_STAFF, SERVICE_RESTAURANT)
#define KDS_ITEM                                                                                   \
    OBJ("\"order_id\":" S_UUID ",\"item_id\":" S_UUID ",\"name\":" S_STR ",\"quantity\":" S_INT    \
        ",\"options\":{\"type\":\"array\"},\"note\":{\"type\":[\"string\",\"null\"]},\"status\":"  \
        "{\"enum\":[\"queued\",\"preparing\",\"ready\"]},\"station\":{\"type\":[\"string\","       \
        "\"null\"]},\"placed_at\":" S_TIME ",\"order_status\":" S_STR,                             \
        "\"order_id\",\"item_id\",\"name\",\"quantity\",\"options\",\"note\",\"status\","          \
        "\"station\",\"placed_at\"")
static const char kds_answer[] = S_WHOLE_LIST(KDS_ITEM);
static const char kds_item_answer[] = KDS_ITEM;
static const char stations_answer[] =
    OBJ("\"data\":{\"type\":\"array\",\"items\":" S_STR "}", "\"data\"");

#define P "/api/v1/properties/{pid}"
const route_t kds_routes[] = {
    {"GET", P "/kds", api_kds_list, OPERATE,
     "Kitchen display: items of open orders, oldest first (?station=)", "kitchen", 0, NULL,
     kds_answer, 200, 0, "station:string"},
    {"GET", P "/kds/stations", api_kds_stations, OPERATE, "The stations the menu routes items to",
     "kitchen", 0, NULL, stations_answer, 200},
    {"POST", P "/kds/items/{item_id}/bump", api_kds_bump, OPERATE,
     "Move an item on: queued, preparing, ready (the order follows)", "kitchen", 0, NULL,
     kds_item_answer, 200},
    {"POST", P "/kds/items/{item_id}/recall", api_kds_recall, OPERATE,
     "Move an item back one step (the order follows)", "kitchen", 0, NULL, kds_item_answer, 200},
};
const size_t kds_routes_count = sizeof(kds_routes) / sizeof(kds_routes[0]);
