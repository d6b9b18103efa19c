/*
 * tables.c - the dining room: floor areas, tables (seats, status free /
 * occupied / needs_cleaning) and each table's ordering link for its QR
 * code. Orders change a table's status themselves (orders.c); staff set it
 * too (a cleaned table is free again).
 *
 * Not here: drawing the QR code (qr_code.c), the token format
 * (table_token.c).
 */
#include "restaurant/restaurant.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/uuid.h"
#include "restaurant/restaurant_internal.h"

static const char *const table_statuses[] = {"free", "occupied", "needs_cleaning", NULL};

typedef struct table_work {
    const char *pid, *id, *host;
    const char *tenant_id;
    app_t *app;
    int64_t if_match;
    buffr_err_t *e;
    const char *name, *status;
    char area_id[UUID_BUF_SIZE];
    bool name_set, area_set, seats_set, status_set, position_set;
    int64_t seats, position;
    json_t *result;
} table_work_t;

/* ---- floor areas ---- */

static json_t *area_row_json(db_rows_t *rows)
{
    return json_pack("{s:s, s:s, s:I, s:o}", "id", db_text(rows, 0), "name", db_text(rows, 1),
                     "position", (json_int_t)db_int(rows, 2), "created_at",
                     restaurant_time_json(db_int(rows, 3)));
}

static int area_list_read(db_tx_t *tx, const char *pid, const char *only_id, json_t **out)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT id, name, position, created_at FROM restaurant_areas WHERE "
                      "tenant_id = $1 AND property_id = $2 AND (CAST($3 AS TEXT) IS NULL OR id = "
                      "$3) ORDER BY position, name",
                      DB_ARGS(DB_TEXT(pid), DB_TEXT(only_id)), &rows);
    if (rc != 0)
        return rc;
    json_t *list = json_array();
    if (list == NULL)
        rc = BUFFR_ENOMEM;
    while (rc == 0 && (rc = db_next(rows)) == 1) {
        json_t *v = area_row_json(rows);
        rc = v && json_array_append_new(list, v) == 0 ? 0 : BUFFR_ENOMEM;
    }
    db_rows_free(rows);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    json_decref(*out);
    *out = list;
    return 0;
}

static int area_create_in_tx(db_tx_t *tx, void *ctx)
{
    table_work_t *w = ctx;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    if (rc == 0)
        rc = db_exec(tx,
                     "INSERT INTO restaurant_areas (tenant_id, id, property_id, name, position, "
                     "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                     DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(w->name), DB_INT(w->position),
                             DB_INT(time_now())),
                     NULL);
    json_t *list = NULL;
    if (rc == 0)
        rc = area_list_read(tx, w->pid, w->id, &list);
    if (rc != 0)
        return rc;
    json_decref(w->result);
    w->result = json_incref(json_array_get(list, 0));
    json_decref(list);
    return w->result ? 0 : BUFFR_ENOTFOUND;
}

int floor_area_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                      json_t **out, buffr_err_t *e)
{
    table_work_t w = {.pid = pid, .e = e};
    int rc;
    if ((rc = jsonx_string(body, "name", true, 1, 100, &w.name, &w.name_set, e)) != 0 ||
        (rc = jsonx_int(body, "position", false, 0, 1000000, &w.position, &w.position_set, e)) != 0)
        return rc;
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    w.id = id;
    rc = restaurant_transact(app, who->tenant_id, DB_WRITE, area_create_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "floor area");
}

static int area_list_in_tx(db_tx_t *tx, void *ctx)
{
    table_work_t *w = ctx;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    json_t *list = NULL;
    if (rc == 0)
        rc = area_list_read(tx, w->pid, NULL, &list);
    if (rc != 0)
        return rc;
    json_decref(w->result);
    w->result = json_pack("{s:o, s:n}", "data", list, "next_cursor");
    return w->result ? 0 : BUFFR_ENOMEM;
}

int floor_area_list(app_t *app, const principal_t *who, const char *pid, json_t **out,
                    buffr_err_t *e)
{
    table_work_t w = {.pid = pid};
    int rc = restaurant_transact(app, who->tenant_id, DB_READ, area_list_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}

static int delete_in_tx(db_tx_t *tx, void *ctx)
{
    table_work_t *w = ctx;
    int64_t changed = 0;
    int rc = db_exec(tx, w->name, DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id)), &changed);
    return rc != 0 ? rc : changed > 0 ? 0 : BUFFR_ENOTFOUND;
}

static int table_delete_row(app_t *app, const principal_t *who, const char *sql, const char *pid,
                            const char *id, const char *what, buffr_err_t *e)
{
    table_work_t w = {.pid = pid, .id = id, .name = sql};
    int rc = restaurant_transact(app, who->tenant_id, DB_WRITE, delete_in_tx, &w);
    if (rc == BUFFR_ECONSTRAINT)
        return buffr_fail(e, BUFFR_ECONFLICT, NULL, "the %s is still in use", what);
    json_t *none = NULL;
    return restaurant_done(rc, NULL, &none, e, what);
}

int floor_area_delete(app_t *app, const principal_t *who, const char *pid, const char *aid,
                      buffr_err_t *e)
{
    return table_delete_row(
        app, who,
        "DELETE FROM restaurant_areas WHERE tenant_id = $1 AND property_id = $2 AND id = $3", pid,
        aid, "floor area", e);
}

/* ---- tables ---- */

#define TABLE_COLUMNS                                                                              \
    "id, area_id, name, seats, status, token_version, created_at, updated_at, version"

static json_t *table_row_json(db_rows_t *rows)
{
    return json_pack("{s:s, s:o, s:s, s:I, s:s, s:I, s:o, s:o, s:I}", "id", db_text(rows, 0),
                     "area_id", jsonx_string_or_null(db_text(rows, 1)), "name", db_text(rows, 2),
                     "seats", (json_int_t)db_int(rows, 3), "status", db_text(rows, 4),
                     "token_version", (json_int_t)db_int(rows, 5), "created_at",
                     restaurant_time_json(db_int(rows, 6)), "updated_at",
                     restaurant_time_json(db_int(rows, 7)), "version", (json_int_t)db_int(rows, 8));
}

static int table_read_many(db_tx_t *tx, const char *pid, const char *only_id, const char *status,
                           json_t **out)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT " TABLE_COLUMNS " FROM restaurant_tables WHERE tenant_id = $1 AND "
                      "property_id = $2 AND (CAST($3 AS TEXT) IS NULL OR id = $3) AND "
                      "(CAST($4 AS TEXT) IS NULL OR status = $4) ORDER BY name",
                      DB_ARGS(DB_TEXT(pid), DB_TEXT(only_id), DB_TEXT(status)), &rows);
    if (rc != 0)
        return rc;
    json_t *list = json_array();
    if (list == NULL)
        rc = BUFFR_ENOMEM;
    while (rc == 0 && (rc = db_next(rows)) == 1) {
        json_t *v = table_row_json(rows);
        rc = v && json_array_append_new(list, v) == 0 ? 0 : BUFFR_ENOMEM;
    }
    db_rows_free(rows);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    json_decref(*out);
    *out = list;
    return 0;
}

static int table_read(db_tx_t *tx, const char *pid, const char *id, json_t **out)
{
    json_t *list = NULL;
    int rc = table_read_many(tx, pid, id, NULL, &list);
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

static int table_parse(json_t *body, bool create, table_work_t *w, buffr_err_t *e)
{
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 64, &w->name, &w->name_set, e)) != 0 ||
        (rc = jsonx_int(body, "seats", create, 1, 100, &w->seats, &w->seats_set, e)) != 0 ||
        (rc = restaurant_uuid_field(body, "area_id", false, w->area_id, NULL, e)) != 0 ||
        (rc = jsonx_enum(body, "status", false, table_statuses, &w->status, &w->status_set, e)) !=
            0)
        return rc;
    w->area_set = json_object_get(body, "area_id") != NULL;
    return 0;
}

static int table_area_check(db_tx_t *tx, table_work_t *w)
{
    if (!w->area_set || w->area_id[0] == '\0')
        return 0;
    int64_t n = 0;
    int rc = db_query_int(tx,
                          "SELECT count(*) FROM restaurant_areas WHERE tenant_id = $1 AND "
                          "property_id = $2 AND id = $3",
                          DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->area_id)), &n);
    if (rc == 0 && n == 0)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "area_id", "no such floor area here");
    return rc;
}

static int table_create_in_tx(db_tx_t *tx, void *ctx)
{
    table_work_t *w = ctx;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    if (rc == 0)
        rc = table_area_check(tx, w);
    if (rc != 0)
        return rc;
    int64_t now = time_now();
    rc =
        db_exec(tx,
                "INSERT INTO restaurant_tables (tenant_id, id, property_id, area_id, name, seats, "
                "status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
                "COALESCE($7, 'free'), $8, $8)",
                DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(w->area_id[0] ? w->area_id : NULL),
                        DB_TEXT(w->name), DB_INT(w->seats), DB_TEXT(w->status), DB_INT(now)),
                NULL);
    if (rc == BUFFR_ECONFLICT)
        return buffr_fail(w->e, rc, "name", "a table with that name already exists here");
    return rc != 0 ? rc : table_read(tx, w->pid, w->id, &w->result);
}

int dining_table_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                        json_t **out, buffr_err_t *e)
{
    table_work_t w = {.pid = pid, .e = e};
    int rc = table_parse(body, true, &w, e);
    if (rc != 0)
        return rc;
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    w.id = id;
    rc = restaurant_transact(app, who->tenant_id, DB_WRITE, table_create_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "table");
}

static int table_list_in_tx(db_tx_t *tx, void *ctx)
{
    table_work_t *w = ctx;
    int rc = restaurant_property_read(tx, w->pid, NULL, NULL);
    json_t *list = NULL;
    if (rc == 0)
        rc = table_read_many(tx, w->pid, NULL, w->status, &list);
    if (rc != 0)
        return rc;
    json_decref(w->result);
    w->result = json_pack("{s:o, s:n}", "data", list, "next_cursor");
    return w->result ? 0 : BUFFR_ENOMEM;
}

int dining_table_list(app_t *app, const principal_t *who, const char *pid, const char *status,
                      json_t **out, buffr_err_t *e)
{
    if (status != NULL) {
        bool known = false;
        for (size_t i = 0; table_statuses[i]; i++)
            known = known || strcmp(status, table_statuses[i]) == 0;
        if (!known)
            return buffr_fail(e, BUFFR_EVALIDATION, "status",
                              "status must be free, occupied or needs_cleaning");
    }
    table_work_t w = {.pid = pid, .status = status};
    int rc = restaurant_transact(app, who->tenant_id, DB_READ, table_list_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "property");
}

static int table_get_in_tx(db_tx_t *tx, void *ctx)
{
    table_work_t *w = ctx;
    return table_read(tx, w->pid, w->id, &w->result);
}

int dining_table_get(app_t *app, const principal_t *who, const char *pid, const char *tid,
                     json_t **out, buffr_err_t *e)
{
    table_work_t w = {.pid = pid, .id = tid};
    int rc = restaurant_transact(app, who->tenant_id, DB_READ, table_get_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "table");
}

static int table_update_in_tx(db_tx_t *tx, void *ctx)
{
    table_work_t *w = ctx;
    int rc = table_area_check(tx, w);
    if (rc != 0)
        return rc;
    int64_t changed = 0;
    rc = db_exec(tx,
                 "UPDATE restaurant_tables SET name = COALESCE($4, name), "
                 "seats = CASE WHEN $5 = 1 THEN $6 ELSE seats END, "
                 "area_id = CASE WHEN $7 = 1 THEN $8 ELSE area_id END, "
                 "status = COALESCE($9, status), updated_at = $10, version = version + 1 "
                 "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                 "AND ($11 < 0 OR version = $11)",
                 DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(w->name), DB_BOOL(w->seats_set),
                         DB_INT(w->seats), DB_BOOL(w->area_set),
                         DB_TEXT(w->area_id[0] ? w->area_id : NULL), DB_TEXT(w->status),
                         DB_INT(time_now()), DB_INT(w->if_match)),
                 &changed);
    if (rc == BUFFR_ECONFLICT)
        return buffr_fail(w->e, rc, "name", "a table with that name already exists here");
    if (rc != 0)
        return rc;
    rc = table_read(tx, w->pid, w->id, &w->result);
    if (rc == 0 && changed == 0)
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL,
                          "the table was changed meanwhile; reload and retry");
    return rc;
}

int dining_table_update(app_t *app, const principal_t *who, const char *pid, const char *tid,
                        json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    table_work_t w = {.pid = pid, .id = tid, .if_match = if_match, .e = e};
    int rc = table_parse(body, false, &w, e);
    if (rc != 0)
        return rc;
    rc = restaurant_transact(app, who->tenant_id, DB_WRITE, table_update_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "table");
}

int dining_table_delete(app_t *app, const principal_t *who, const char *pid, const char *tid,
                        buffr_err_t *e)
{
    return table_delete_row(
        app, who,
        "DELETE FROM restaurant_tables WHERE tenant_id = $1 AND property_id = $2 AND id = $3", pid,
        tid, "table", e);
}

/* ---- the QR ordering link ---- */

/* Build {"url","token","token_version"} for the table in the transaction. */
static int table_link(db_tx_t *tx, table_work_t *w)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT t.token_version, s.qr_base_url FROM restaurant_tables t LEFT JOIN "
                      "restaurant_settings s ON s.tenant_id = t.tenant_id AND s.property_id = "
                      "t.property_id WHERE t.tenant_id = $1 AND t.property_id = $2 AND t.id = $3",
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id)), &rows);
    if (rc != 0)
        return rc;
    int64_t version = 0;
    char base[320] = "";
    rc = db_next(rows);
    if (rc == 1) {
        version = db_int(rows, 0);
        if (db_text(rows, 1))
            snprintf(base, sizeof(base), "%s", db_text(rows, 1));
    }
    db_rows_free(rows);
    if (rc == 0)
        return BUFFR_ENOTFOUND;
    if (rc < 0)
        return rc;
    /* No base for the property: the server's public_url, else the address
     * this request came to; the guest page is at /t/<token> there. */
    const char *public_url = w->app->config.public_url;
    size_t plen = strlen(public_url);
    if (base[0] == '\0' && plen > 0)
        snprintf(base, sizeof(base), "%.*s/t/", (int)(plen - (public_url[plen - 1] == '/')),
                 public_url);
    else if (base[0] == '\0')
        snprintf(base, sizeof(base), "http://%s/t/",
                 w->host && w->host[0] && strlen(w->host) < 200 ? w->host : "localhost");
    char token[TABLE_TOKEN_MAX];
    rc = table_token_make(w->app->jwt_key, w->app->jwt_key_len, w->tenant_id, w->pid, w->id,
                          version, token);
    if (rc != 0)
        return rc;
    size_t blen = strlen(base);
    char url[TABLE_TOKEN_MAX + 330];
    snprintf(url, sizeof(url), "%s%s%s", base, blen && base[blen - 1] == '/' ? "" : "/", token);
    json_decref(w->result);
    w->result = json_pack("{s:s, s:s, s:s, s:I}", "table_id", w->id, "url", url, "token", token,
                          "token_version", (json_int_t)version);
    return w->result ? 0 : BUFFR_ENOMEM;
}

static int table_link_in_tx(db_tx_t *tx, void *ctx)
{
    return table_link(tx, ctx);
}

int dining_table_qr_link(app_t *app, const principal_t *who, const char *pid, const char *tid,
                         const char *host, json_t **out, buffr_err_t *e)
{
    table_work_t w = {
        .pid = pid, .id = tid, .host = host, .app = app, .tenant_id = who->tenant_id, .e = e};
    int rc = restaurant_transact(app, who->tenant_id, DB_READ, table_link_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "table");
}

static int table_revoke_in_tx(db_tx_t *tx, void *ctx)
{
    table_work_t *w = ctx;
    int64_t changed = 0;
    int rc = db_exec(tx,
                     "UPDATE restaurant_tables SET token_version = token_version + 1, "
                     "updated_at = $4, version = version + 1 WHERE tenant_id = $1 AND "
                     "property_id = $2 AND id = $3",
                     DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_INT(time_now())), &changed);
    if (rc != 0)
        return rc;
    return changed ? table_link(tx, w) : BUFFR_ENOTFOUND;
}

int dining_table_qr_revoke(app_t *app, const principal_t *who, const char *pid, const char *tid,
                           const char *host, json_t **out, buffr_err_t *e)
{
    table_work_t w = {
        .pid = pid, .id = tid, .host = host, .app = app, .tenant_id = who->tenant_id, .e = e};
    int rc = restaurant_transact(app, who->tenant_id, DB_WRITE, table_revoke_in_tx, &w);
    return restaurant_done(rc, w.result, out, e, "table");
}

typedef struct token_work {
    const char *pid, *tid;
    int64_t version;
    bool current;
    table_seat_t *seat; /* may be NULL */
} token_work_t;

static int token_check_in_tx(db_tx_t *tx, void *ctx)
{
    token_work_t *w = ctx;
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT t.token_version, t.name, p.name FROM restaurant_tables t JOIN "
                      "properties p ON p.tenant_id = t.tenant_id AND p.id = t.property_id "
                      "WHERE t.tenant_id = $1 AND t.property_id = $2 AND t.id = $3",
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->tid)), &rows);
    if (rc != 0)
        return rc;
    w->current = false;
    rc = db_next(rows);
    if (rc == 1) {
        w->current = db_int(rows, 0) == w->version;
        if (w->seat) {
            snprintf(w->seat->table_name, sizeof(w->seat->table_name), "%s", db_text(rows, 1));
            snprintf(w->seat->property_name, sizeof(w->seat->property_name), "%s",
                     db_text(rows, 2));
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int dining_table_token_open(app_t *app, const char *token, principal_t *guest,
                            char pid[UUID_BUF_SIZE], char tid[UUID_BUF_SIZE], table_seat_t *seat,
                            buffr_err_t *e)
{
    memset(guest, 0, sizeof(*guest));
    token_work_t w = {.pid = pid, .tid = tid, .seat = seat};
    int rc = table_token_parse(app->jwt_key, app->jwt_key_len, token, guest->tenant_id, pid, tid,
                               &w.version);
    if (rc == 0)
        rc = restaurant_transact(app, guest->tenant_id, DB_READ, token_check_in_tx, &w);
    if (rc == 0 && !w.current)
        rc = BUFFR_EUNAUTH;
    if (rc == BUFFR_EUNAUTH)
        return buffr_fail(e, rc, NULL, "this table code is not valid (any more); ask the staff");
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not check the table code");
    guest->role = ROLE_GUEST;
    return 0;
}
