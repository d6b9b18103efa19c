/*
 * qr_api.c - /api/v1/qr/{token}/...: what a guest at a table can do with
 * the token of the table's QR code and no account: read the menu, place a
 * "qr" order for that table, follow an order of that table. The token is
 * checked here (signature in constant time, then the table's current token
 * version); it is not a JWT and opens nothing else.
 */
#include "api/api.h"
#include "api/schema.h"

#include <stdlib.h>

#include "restaurant/restaurant.h"

typedef struct qr_guest {
    principal_t who;
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
} qr_guest_t;

static int qr_open(req_t *r, qr_guest_t *g)
{
    buffr_err_t e = {0};
    if (dining_table_token_open(req_app(r), req_param(r, "token"), &g->who, g->pid, g->tid, &e) !=
        0) {
        reply_err(r, &e);
        return -1;
    }
    return 0;
}

static void api_qr_menu(req_t *r)
{
    qr_guest_t g;
    if (qr_open(r, &g) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = menu_render(req_app(r), &g.who, g.pid, NULL, true, &out, &e);
    if (rc == 0 && json_object_set_new(out, "table_id", json_string(g.tid)) != 0)
        rc = buffr_fail(&e, BUFFR_ENOMEM, NULL, "out of memory");
    api_reply(r, rc, &e, 200, out);
}

static void api_qr_order_create(req_t *r)
{
    qr_guest_t g;
    if (qr_open(r, &g) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = order_create(req_app(r), &g.who, g.pid, req_json(r), g.tid, &out, &e);
    api_reply(r, rc, &e, 201, out);
}

static void api_qr_order_get(req_t *r)
{
    qr_guest_t g;
    char oid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "oid", oid) != 0 || qr_open(r, &g) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = order_get(req_app(r), &g.who, g.pid, oid, g.tid, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_qr_item_image(req_t *r)
{
    qr_guest_t g;
    char iid[UUID_BUF_SIZE];
    if (req_uuid_param(r, "iid", iid) != 0 || qr_open(r, &g) != 0)
        return;
    char *data = NULL;
    size_t len = 0;
    const char *type = NULL;
    buffr_err_t e = {0};
    if (menu_item_image_get(req_app(r), &g.who, g.pid, iid, &data, &len, &type, &e) != 0) {
        reply_err(r, &e);
        return;
    }
    reply_raw(r, 200, type, data, len);
    free(data);
}

/* ---- routes ---- */

#define S_LINES                                                                                    \
    "{\"type\":\"array\",\"minItems\":1,\"items\":" OBJ(                                           \
        "\"menu_item_id\":" S_UUID ",\"quantity\":" S_INT ",\"options\":{\"type\":\"array\"},"     \
        "\"note\":" S_STR,                                                                         \
        "\"menu_item_id\",\"quantity\"") "}"
static const char qr_order_body[] = OBJ("\"items\":" S_LINES, "\"items\"");
static const char qr_order_answer[] =
    OBJ("\"id\":" S_UUID ",\"status\":" S_STR ",\"items\":{\"type\":\"array\"},\"subtotal\":" S_INT
        ",\"tax\":" S_INT ",\"total\":" S_INT ",\"currency\":" S_STR,
        "\"id\",\"status\",\"items\",\"total\"");
static const char qr_menu_answer[] =
    OBJ("\"table_id\":" S_UUID ",\"currency\":" S_STR ",\"categories\":{\"type\":\"array\"}",
        "\"categories\"");

const route_t qr_routes[] = {
    {"GET", "/api/v1/qr/{token}/menu", api_qr_menu, PERM_PUBLIC,
     "Guest at a table (QR token): the menu, available items only", "qr-ordering", 0, NULL,
     qr_menu_answer, 200},
    {"POST", "/api/v1/qr/{token}/orders", api_qr_order_create, PERM_PUBLIC,
     "Guest at a table (QR token): place an order for this table", "qr-ordering",
     JSON | ROUTE_IDEMPOTENT, qr_order_body, qr_order_answer, 201},
    {"GET", "/api/v1/qr/{token}/orders/{oid}", api_qr_order_get, PERM_PUBLIC,
     "Guest at a table (QR token): follow an order of this table", "qr-ordering", 0, NULL,
     qr_order_answer, 200},
    {"GET", "/api/v1/qr/{token}/menu/items/{iid}/image", api_qr_item_image, PERM_PUBLIC,
     "Guest at a table (QR token): an item's picture", "qr-ordering", ROUTE_RAW, NULL, NULL, 200},
};
const size_t qr_routes_count = sizeof(qr_routes) / sizeof(qr_routes[0]);
