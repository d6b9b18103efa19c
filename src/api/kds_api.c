/*
 * kds_api.c - /api/v1/properties/{pid}/kds...: the kitchen display and
 * the cooks' bump and recall. Rules: restaurant/kds.c.
 */
#include "api/api.h"
#include "api/schema.h"

#include "restaurant/restaurant.h"

static void api_kds_list(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = kds_list(req_app(r), req_principal(r), pid, req_query(r, "station"), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_kds_stations(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = kds_stations(req_app(r), req_principal(r), pid, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_kds_move(req_t *r, bool forward)
{
    char pid[UUID_BUF_SIZE], item_id[UUID_BUF_SIZE];
    if (req_uuid_param(r, "pid", pid) != 0 || req_uuid_param(r, "item_id", item_id) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = kds_move(req_app(r), req_principal(r), pid, item_id, forward, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_kds_bump(req_t *r)
{
    api_kds_move(r, true);
}

static void api_kds_recall(req_t *r)
{
    api_kds_move(r, false);
}

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
