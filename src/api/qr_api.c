/*
 * qr_api.c - what a guest at a table can do with the token of the table's
 * QR code and no account: open the ordering page (GET /t/{token}, the
 * address the QR code holds), and through /api/v1/qr/{token}/... read the
 * menu, place a "qr" order for that table (Idempotency-Key honoured here),
 * follow an order of that table. The token is checked here (signature in
 * constant time, then the table's current token version); it is not a JWT
 * and opens nothing else.
 */
#include "api/api.h"
#include "api/qr_page.h"
#include "api/schema.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "idempotency/idempotency.h"
#include "restaurant/restaurant.h"
#include "restaurant/restaurant_internal.h"

static const char qr_json_type[] = "application/json; charset=utf-8";

typedef struct qr_guest {
    principal_t who;
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE];
    table_seat_t seat;
} qr_guest_t;

/* The path's id named param when param is not NULL (a malformed one is not
 * found), then the table token: 0, or -1 when the error has been sent. */
static int qr_open(req_t *r, const char *param, char id[UUID_BUF_SIZE], qr_guest_t *g)
{
    if (param != NULL && req_uuid_param(r, param, id) != 0)
        return -1;
    buffr_err_t e = {0};
    if (dining_table_token_open(req_app(r), req_param(r, "token"), &g->who, g->pid, g->tid,
                                &g->seat, &e) != 0) {
        reply_err(r, &e);
        return -1;
    }
    return 0;
}

/* GET /t/{token}: the guest's ordering page (qr_page.c). The token is not
 * checked here: the page's API calls check it and the page explains a
 * refused one. Only a segment that cannot be a token at all (not base64url,
 * too long) is not found. */
static void api_qr_page(req_t *r)
{
    const char *token = req_param(r, "token");
    size_t len = token ? strlen(token) : 0;
    bool shaped = len > 0 && len < TABLE_TOKEN_MAX;
    for (size_t i = 0; shaped && i < len; i++) {
        char c = token[i];
        shaped = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
    }
    if (!shaped) {
        reply_error(r, BUFFR_ENOTFOUND, NULL, "not found");
        return;
    }
    const char *html, *csp;
    size_t html_len;
    int rc = qr_page(&html, &html_len, &csp);
    if (rc != 0) {
        reply_error(r, rc, NULL, "could not build the guest page"); /* the log says why */
        return;
    }
    reply_header(r, "Content-Security-Policy", csp);
    /* The token is in the address: never send it on as a Referer. */
    reply_header(r, "Referrer-Policy", "no-referrer");
    reply_header(r, "Cache-Control", "no-cache");
    reply_raw(r, 200, "text/html; charset=utf-8", html, html_len);
}

static void api_qr_menu(req_t *r)
{
    qr_guest_t g;
    if (qr_open(r, NULL, NULL, &g) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = menu_render(req_app(r), &g.who, g.pid, NULL, true, &out, &e);
    /* Where the guest sits, for the page's heading. */
    if (rc == 0 &&
        (json_object_set_new(out, "table_id", json_string(g.tid)) != 0 ||
         json_object_set_new(out, "table", json_string(g.seat.table_name)) != 0 ||
         json_object_set_new(out, "property_name", json_string(g.seat.property_name)) != 0))
        rc = buffr_fail(&e, BUFFR_ENOMEM, NULL, "out of memory");
    api_reply(r, rc, &e, 200, out);
}

/* Idempotency-Key on a guest's order. The HTTP layer keeps keys only for
 * authenticated callers (keys are per tenant); a guest has no account, but
 * once the token is checked its tenant is known, so the key is kept here,
 * stored as "<table id>:<key>" so that two tables never share one. */
typedef struct qr_idempotency {
    char key[UUID_BUF_SIZE + 1 + IDEMPOTENCY_KEY_MAX + 1];
    bool claimed;
} qr_idempotency_t;

/* 0 to place the order (k->claimed when a key is held); -1 when answered
 * here: the first answer replayed, or the key refused. */
static int qr_idempotency_claim(req_t *r, const qr_guest_t *g, qr_idempotency_t *k)
{
    k->claimed = false;
    const char *key = req_header(r, "Idempotency-Key");
    if (key == NULL)
        return 0;
    size_t klen = strlen(key);
    bool printable = klen > 0 && klen <= IDEMPOTENCY_KEY_MAX;
    for (size_t i = 0; printable && i < klen; i++)
        printable = key[i] > 0x20 && key[i] < 0x7f;
    if (!printable) {
        reply_error(r, BUFFR_EVALIDATION, "Idempotency-Key",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters");
        return -1;
    }
    snprintf(k->key, sizeof(k->key), "%s:%s", g->tid, key);
    /* What makes two requests "the same": method, path (with the token)
     * and body, as for staff requests. */
    size_t body_len = 0;
    const char *body = req_body(r, &body_len);
    const char *path = req_path(r);
    size_t path_len = strlen(path);
    size_t len = sizeof("POST ") - 1 + path_len + 1 + body_len;
    char *request = req_alloc(r, len);
    if (request == NULL) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return -1;
    }
    memcpy(request, "POST ", 5);
    memcpy(request + 5, path, path_len);
    request[5 + path_len] = '\n';
    if (body_len > 0)
        memcpy(request + 6 + path_len, body, body_len);
    int status = 0;
    char *stored = NULL;
    int rc =
        idempotency_begin(req_app(r), g->who.tenant_id, k->key, request, len, &status, &stored);
    if (rc == IDEMPOTENCY_REPLAY) {
        reply_header(r, "Idempotent-Replayed", "true");
        reply_raw(r, status, qr_json_type, stored ? stored : "", stored ? strlen(stored) : 0);
        free(stored);
        return -1;
    }
    free(stored);
    if (rc == BUFFR_EIDEMPOTENCY)
        reply_error(r, rc, "Idempotency-Key",
                    "this Idempotency-Key was used with a different request");
    else if (rc == BUFFR_ECONFLICT)
        reply_error(r, rc, "Idempotency-Key",
                    "a request with this Idempotency-Key is still being processed");
    else if (rc < 0)
        reply_error(r, rc, NULL, "could not check the Idempotency-Key");
    if (rc < 0)
        return -1;
    k->claimed = true;
    return 0;
}

/* The API's error shape for e, as reply_err would send it. */
static json_t *qr_error_json(const buffr_err_t *e)
{
    json_t *details = e->field[0] ? json_pack("{s:s}", "field", e->field) : json_object();
    return json_pack("{s:{s:s, s:s, s:o}}", "error", "code", buffr_api_code(e->code), "message",
                     e->message[0] ? e->message : "invalid request", "details", details);
}

/* Answer the order (201) or its refusal (4xx) and keep that answer with
 * the key, so a retry gets it again; after a 5xx the key is let go, so the
 * guest may simply try again. */
static void qr_reply_kept(req_t *r, const qr_guest_t *g, const qr_idempotency_t *k, int rc,
                          const buffr_err_t *e, json_t *order)
{
    int status = rc == 0 ? 201 : buffr_http_status(e->code);
    json_t *answer = order;
    if (rc != 0) {
        json_decref(order);
        answer = qr_error_json(e);
    }
    char *text = answer && status < 500 ? json_dumps(answer, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(answer);
    size_t len = text ? strlen(text) : 0;
    int stored =
        idempotency_finish(req_app(r), g->who.tenant_id, k->key, text ? status : 500, text, len);
    if (stored != 0)
        log_error("request %s: could not keep the answer for its Idempotency-Key (%s)", req_id(r),
                  buffr_strerror(stored));
    if (text != NULL)
        reply_raw(r, status, qr_json_type, text, len);
    else if (rc != 0)
        reply_err(r, e);
    else
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
    free(text);
}

static void api_qr_order_create(req_t *r)
{
    qr_guest_t g;
    qr_idempotency_t k;
    if (qr_open(r, NULL, NULL, &g) != 0 || qr_idempotency_claim(r, &g, &k) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = order_create(req_app(r), &g.who, g.pid, req_json(r), g.tid, &out, &e);
    if (k.claimed)
        qr_reply_kept(r, &g, &k, rc, &e, out);
    else
        api_reply(r, rc, &e, 201, out);
}

static void api_qr_order_get(req_t *r)
{
    qr_guest_t g;
    char oid[UUID_BUF_SIZE];
    if (qr_open(r, "oid", oid, &g) != 0)
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
    if (qr_open(r, "iid", iid, &g) != 0)
        return;
    api_reply_item_image(r, &g.who, g.pid, iid, NULL);
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
    OBJ("\"table_id\":" S_UUID ",\"table\":" S_STR ",\"property_name\":" S_STR
        ",\"currency\":" S_STR ",\"menus\":{\"type\":\"array\",\"items\":" OBJ(
            "\"id\":" S_UUID ",\"name\":" S_STR ",\"open_now\":" S_BOOL,
            "\"id\",\"open_now\"") "},\"categories\":{\"type\":\"array\"}",
        "\"categories\"");

const route_t qr_routes[] = {
    {"GET", "/t/{token}", api_qr_page, PERM_PUBLIC,
     "The guest's ordering page a table's QR code opens (HTML; 404 when not token-shaped)",
     "qr-ordering", ROUTE_RAW, NULL, NULL, 200},
    {"GET", "/api/v1/qr/{token}/menu", api_qr_menu, PERM_PUBLIC,
     "Guest at a table (QR token): the menu, available items only", "qr-ordering", 0, NULL,
     qr_menu_answer, 200},
    {"POST", "/api/v1/qr/{token}/orders", api_qr_order_create, PERM_PUBLIC,
     "Guest at a table (QR token): place an order for this table (Idempotency-Key honoured)",
     "qr-ordering", JSON, qr_order_body, qr_order_answer, 201},
    {"GET", "/api/v1/qr/{token}/orders/{oid}", api_qr_order_get, PERM_PUBLIC,
     "Guest at a table (QR token): follow an order of this table", "qr-ordering", 0, NULL,
     qr_order_answer, 200},
    {"GET", "/api/v1/qr/{token}/menu/items/{iid}/image", api_qr_item_image, PERM_PUBLIC,
     "Guest at a table (QR token): an item's picture", "qr-ordering", ROUTE_RAW, NULL, NULL, 200},
};
const size_t qr_routes_count = sizeof(qr_routes) / sizeof(qr_routes[0]);
