/*
 * orders_api.c - /api/v1/properties/{pid}/orders...: place, read, list
 * and change orders (status, items, voids, discounts, tip, table moves and
 * merges), and the day's sales summary. Rules: restaurant/orders.c.
 */
#include "api/api.h"
#include "api/schema.h"
#include "api/serve.h"

#include "restaurant/restaurant.h"

/* Staff place and read orders; a guest's go through qr_api.c. */
static void api_orders_create(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = order_create(req_app(r), req_principal(r), pid, req_json(r), NULL, &out, &e);
    api_reply(r, rc, &e, 201, out);
}

static void api_orders_get(req_t *r)
{
    char pid[UUID_BUF_SIZE], oid[UUID_BUF_SIZE];
    if (serve_ids(r, "oid", pid, oid, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = order_get(req_app(r), req_principal(r), pid, oid, NULL, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_orders_list(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    int limit;
    const char *cursor;
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0 || req_page(r, &limit, &cursor) != 0)
        return;
    order_filter_t f = {.status = req_query(r, "status"),
                        .table = req_query(r, "table"),
                        .channel = req_query(r, "channel"),
                        .date = req_query(r, "date")};
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = order_list(req_app(r), req_principal(r), pid, &f, limit, cursor, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_orders_void_item(req_t *r)
{
    char pid[UUID_BUF_SIZE], oid[UUID_BUF_SIZE], item_id[UUID_BUF_SIZE];
    if (serve_ids(r, "oid", pid, oid, NULL) != 0 || req_uuid_param(r, "item_id", item_id) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = order_void_item(req_app(r), req_principal(r), pid, oid, item_id, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

HANDLER(api_orders_status, serve_update(r, "oid", order_set_status, 200))
HANDLER(api_orders_add_items, serve_change(r, "oid", order_add_items, 200))
HANDLER(api_orders_discount, serve_change(r, "oid", order_add_discount, 200))
HANDLER(api_orders_tip, serve_change(r, "oid", order_set_tip, 200))
HANDLER(api_orders_move, serve_change(r, "oid", order_move, 200))
HANDLER(api_orders_merge, serve_change(r, "oid", order_merge, 200))
HANDLER(api_sales_summary, serve_filter(r, "date", sales_summary))

/* ---- routes ---- */

#define OPERATE   PERM_SERVICE(ROLE_STAFF, SERVICE_RESTAURANT)
#define MANAGE    PERM_SERVICE(ROLE_SERVICE_MANAGER, SERVICE_RESTAURANT)
#define S_NSTR    "{\"type\":[\"string\",\"null\"]}"
#define S_CHANNEL "{\"enum\":[\"dine_in\",\"takeaway\",\"room_service\",\"qr\"]}"
#define S_OSTATUS                                                                                  \
    "{\"enum\":[\"placed\",\"accepted\",\"preparing\",\"ready\",\"served\",\"completed\","         \
    "\"cancelled\"]}"
#define S_LINES                                                                                    \
    "{\"type\":\"array\",\"minItems\":1,\"maxItems\":100,\"items\":" OBJ(                          \
        "\"menu_item_id\":" S_UUID ",\"quantity\":{\"type\":\"integer\",\"minimum\":1,"            \
        "\"maximum\":999},\"options\":{\"type\":\"array\",\"items\":" S_UUID "},\"note\":" S_STR,  \
        "\"menu_item_id\",\"quantity\"") "}"

static const char order_body[] = OBJ("\"channel\":" S_CHANNEL ",\"table\":" S_STR
                                     ",\"reservation_id\":" S_UUID ",\"items\":" S_LINES,
                                     "\"channel\",\"items\"");
#define ORDER_ITEM_OBJ                                                                             \
    OBJ("\"id\":" S_UUID ",\"menu_item_id\":" S_UUID ",\"name\":" S_STR ",\"quantity\":" S_INT     \
        ",\"unit_price\":" S_INT ",\"line_total\":" S_INT ",\"tax_rate_bp\":" S_INT                \
        ",\"options\":{\"type\":\"array\"},\"note\":" S_NSTR ",\"status\":{\"enum\":[\"queued\","  \
        "\"preparing\",\"ready\",\"voided\"]},\"station\":" S_NSTR,                                \
        "\"id\",\"menu_item_id\",\"quantity\",\"unit_price\",\"status\"")
#define ORDER_PROPS                                                                                \
    "\"id\":" S_UUID ",\"status\":" S_OSTATUS ",\"channel\":" S_CHANNEL ",\"table\":" S_NSTR       \
    ",\"table_id\":" S_NSTR ",\"reservation_id\":" S_NSTR ",\"items\":{\"type\":\"array\","        \
    "\"items\":" ORDER_ITEM_OBJ "},\"discounts\":{\"type\":\"array\"},\"subtotal\":" S_INT         \
    ",\"discount_total\":" S_INT ",\"tax\":" S_INT ",\"tip\":" S_INT ",\"total\":" S_INT           \
    ",\"tax_inclusive\":" S_BOOL ",\"currency\":" S_STR ",\"business_date\":" S_STR                \
    ",\"placed_at\":" S_TIME ",\"version\":" S_INT
static const char order_answer[] =
    OBJ(ORDER_PROPS, "\"id\",\"status\",\"items\",\"subtotal\",\"tax\",\"total\",\"currency\","
                     "\"version\"");
static const char orders_answer[] = S_LIST(OBJ(ORDER_PROPS, "\"id\""));
static const char status_body[] = OBJ("\"status\":" S_OSTATUS, "\"status\"");
static const char items_body[] = OBJ("\"items\":" S_LINES, "\"items\"");
static const char discount_body[] =
    OBJ("\"amount\":{\"type\":\"integer\",\"minimum\":1},\"percent\":{\"type\":\"integer\","
        "\"minimum\":1,\"maximum\":100},\"reason\":" S_STR,
        "\"reason\"");
static const char tip_body[] = OBJ("\"amount\":{\"type\":\"integer\",\"minimum\":0}", "\"amount\"");
static const char move_body[] = OBJ("\"table\":" S_STR, "\"table\"");
static const char merge_body[] = OBJ("\"order_id\":" S_UUID, "\"order_id\"");
#define BREAKDOWN                                                                                  \
    "{\"type\":\"array\",\"items\":" OBJ(                                                          \
        "\"id\":" S_UUID ",\"name\":" S_STR ",\"quantity\":" S_INT ",\"gross\":" S_INT             \
        ",\"discounts\":" S_INT ",\"net\":" S_INT ",\"tax\":" S_INT,                               \
        "\"id\",\"quantity\",\"gross\",\"discounts\","                                             \
        "\"net\",\"tax\"") "}"
static const char sales_answer[] =
    OBJ("\"date\":" S_STR ",\"currency\":" S_STR ",\"count\":" S_INT ",\"gross\":" S_INT
        ",\"discounts\":" S_INT ",\"net\":" S_INT ",\"tax\":" S_INT ",\"tips\":" S_INT
        ",\"total\":" S_INT ",\"by_item\":" BREAKDOWN ",\"by_category\":" BREAKDOWN,
        "\"count\",\"gross\",\"tax\",\"net\",\"discounts\",\"tips\",\"by_item\",\"by_category\"");

#define P "/api/v1/properties/{pid}"
const route_t orders_routes[] = {
    {"POST", P "/orders", api_orders_create, OPERATE,
     "Place an order (prices from the menu; Idempotency-Key honoured)", "restaurant",
     JSON | ROUTE_IDEMPOTENT, order_body, order_answer, 201},
    {"GET", P "/orders", api_orders_list, OPERATE,
     "List orders (?status=&table=&channel=&date=YYYY-MM-DD)", "restaurant", 0, NULL, orders_answer,
     200, 0, "status:string,table:string,channel:string,date:date,limit:integer,cursor:string"},
    {"GET", P "/orders/{oid}", api_orders_get, OPERATE, "Read an order", "restaurant", 0, NULL,
     order_answer, 200},
    {"POST", P "/orders/{oid}/status", api_orders_status, OPERATE,
     "Move an order: placed, accepted, preparing, ready, served, completed; or cancelled before "
     "served",
     "restaurant", JSON, status_body, order_answer, 200},
    {"POST", P "/orders/{oid}/items", api_orders_add_items, OPERATE, "Add items to an open order",
     "restaurant", JSON, items_body, order_answer, 200},
    {"POST", P "/orders/{oid}/items/{item_id}/void", api_orders_void_item, OPERATE,
     "Void an item (once the kitchen started on it: service_manager or above)", "restaurant", 0,
     NULL, order_answer, 200},
    {"POST", P "/orders/{oid}/discounts", api_orders_discount, OPERATE,
     "Discount an open order by amount or percent, with a reason", "restaurant", JSON,
     discount_body, order_answer, 200},
    {"POST", P "/orders/{oid}/tip", api_orders_tip, OPERATE, "Set the tip of an open order",
     "restaurant", JSON, tip_body, order_answer, 200},
    {"POST", P "/orders/{oid}/move", api_orders_move, OPERATE, "Move an order to another table",
     "restaurant", JSON, move_body, order_answer, 200},
    {"POST", P "/orders/{oid}/merge", api_orders_merge, OPERATE,
     "Merge another open order (e.g. of a joined table) into this one", "restaurant", JSON,
     merge_body, order_answer, 200},
    {"GET", P "/sales/summary", api_sales_summary, MANAGE,
     "Sales of one business day (?date=YYYY-MM-DD, default today): completed orders", "restaurant",
     0, NULL, sales_answer, 200, 0, "date:date"},
};
const size_t orders_routes_count = sizeof(orders_routes) / sizeof(orders_routes[0]);
