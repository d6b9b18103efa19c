/*
 * tables.c - the dining room: floor areas, tables (seats, status free /
 * occupied / needs_cleaning) and each table's ordering link for its QR
 * code. Orders change a table's status themselves (orders.c); staff set it
 * too (a cleaned table is free again).
 *
 * Not here: creating, reading, updating and deleting rows in general
 * (restaurant_rows.c), drawing the QR code (qr_code.c), the token format
 * (table_token.c).
 */
#include "restaurant/restaurant.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/uuid.h"
#include "restaurant/restaurant_internal.h"

static const char *const table_statuses[] = {"free", "occupied", "needs_cleaning", NULL};

/* ---- floor areas ---- */

#define AREA_COLUMNS "id, name, position, created_at"

static json_t *area_row_json(db_rows_t *rows)
{
    return json_pack("{s:s, s:s, s:I, s:o}", "id", db_text(rows, 0), "name", db_text(rows, 1),
                     "position", (json_int_t)db_int(rows, 2), "created_at",
                     restaurant_time_json(db_int(rows, 3)));
}

typedef struct area_input {
    const char *name;
    bool name_set, position_set;
    int64_t position;
} area_input_t;

static int area_insert(db_tx_t *tx, const restaurant_write_t *w)
{
    const area_input_t *in = w->in;
    return db_exec(tx,
                   "INSERT INTO restaurant_areas (tenant_id, id, property_id, name, position, "
                   "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                   DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->name), DB_INT(in->position),
                           DB_INT(time_now())),
                   NULL);
}

static const restaurant_entity_t area_entity = {
    .what = "floor area",
    .select_one = "SELECT " AREA_COLUMNS " FROM restaurant_areas WHERE tenant_id = $1 AND "
                  "property_id = $2 AND id = $3",
    .row = area_row_json,
    .delete_one =
        "DELETE FROM restaurant_areas WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .in_use = "the floor area is still in use",
    .insert = area_insert,
};

int floor_area_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                      json_t **out, buffr_err_t *e)
{
    area_input_t in = {0};
    int rc;
    if ((rc = jsonx_string(body, "name", true, 1, 100, &in.name, &in.name_set, e)) != 0 ||
        (rc = jsonx_int(body, "position", false, 0, 1000000, &in.position, &in.position_set, e)) !=
            0)
        return rc;
    return restaurant_entity_create(app, who, &area_entity, pid, &in, out, e);
}

int floor_area_list(app_t *app, const principal_t *who, const char *pid, json_t **out,
                    buffr_err_t *e)
{
    return restaurant_list(app, who, pid,
                           "SELECT " AREA_COLUMNS " FROM restaurant_areas WHERE tenant_id = $1 "
                           "AND property_id = $2 ORDER BY position, name",
                           DB_NOARGS, area_row_json, out, e);
}

int floor_area_delete(app_t *app, const principal_t *who, const char *pid, const char *aid,
                      buffr_err_t *e)
{
    return restaurant_entity_delete(app, who, &area_entity, pid, aid, e);
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

typedef struct table_input {
    const char *name, *status;
    char area_id[UUID_BUF_SIZE];
    bool name_set, area_set, seats_set, status_set;
    int64_t seats;
} table_input_t;

static int table_parse(json_t *body, bool create, table_input_t *in, buffr_err_t *e)
{
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 64, &in->name, &in->name_set, e)) != 0 ||
        (rc = jsonx_int(body, "seats", create, 1, 100, &in->seats, &in->seats_set, e)) != 0 ||
        (rc = restaurant_uuid_field(body, "area_id", false, in->area_id, NULL, e)) != 0 ||
        (rc = jsonx_enum(body, "status", false, table_statuses, &in->status, &in->status_set, e)) !=
            0)
        return rc;
    in->area_set = json_object_get(body, "area_id") != NULL;
    return 0;
}

static int table_area_check(db_tx_t *tx, const restaurant_write_t *w)
{
    const table_input_t *in = w->in;
    if (!in->area_set || in->area_id[0] == '\0')
        return 0;
    return restaurant_ref_check(tx,
                                "SELECT 1 FROM restaurant_areas WHERE tenant_id = $1 AND "
                                "property_id = $2 AND id = $3",
                                w->pid, in->area_id, "area_id", "no such floor area here", w->e);
}

/* A table's name is unique in its property. */
static int table_name_taken(int rc, buffr_err_t *e)
{
    if (rc == BUFFR_ECONFLICT)
        return buffr_fail(e, rc, "name", "a table with that name already exists here");
    return rc;
}

static int table_insert(db_tx_t *tx, const restaurant_write_t *w)
{
    const table_input_t *in = w->in;
    int rc = db_exec(
        tx,
        "INSERT INTO restaurant_tables (tenant_id, id, property_id, area_id, name, seats, "
        "status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
        "COALESCE($7, 'free'), $8, $8)",
        DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->pid), DB_TEXT(in->area_id[0] ? in->area_id : NULL),
                DB_TEXT(in->name), DB_INT(in->seats), DB_TEXT(in->status), DB_INT(time_now())),
        NULL);
    return table_name_taken(rc, w->e);
}

static int table_update_row(db_tx_t *tx, const restaurant_write_t *w, int64_t *changed)
{
    const table_input_t *in = w->in;
    int rc = db_exec(tx,
                     "UPDATE restaurant_tables SET name = COALESCE($4, name), "
                     "seats = CASE WHEN $5 = 1 THEN $6 ELSE seats END, "
                     "area_id = CASE WHEN $7 = 1 THEN $8 ELSE area_id END, "
                     "status = COALESCE($9, status), updated_at = $10, version = version + 1 "
                     "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                     "AND ($11 < 0 OR version = $11)",
                     DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id), DB_TEXT(in->name),
                             DB_BOOL(in->seats_set), DB_INT(in->seats), DB_BOOL(in->area_set),
                             DB_TEXT(in->area_id[0] ? in->area_id : NULL), DB_TEXT(in->status),
                             DB_INT(time_now()), DB_INT(w->if_match)),
                     changed);
    return table_name_taken(rc, w->e);
}

static const restaurant_entity_t table_entity = {
    .what = "table",
    .select_one = "SELECT " TABLE_COLUMNS " FROM restaurant_tables WHERE tenant_id = $1 AND "
                  "property_id = $2 AND id = $3",
    .row = table_row_json,
    .delete_one =
        "DELETE FROM restaurant_tables WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .in_use = "the table is still in use",
    .check = table_area_check,
    .insert = table_insert,
    .update = table_update_row,
};

int dining_table_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                        json_t **out, buffr_err_t *e)
{
    table_input_t in = {0};
    int rc = table_parse(body, true, &in, e);
    return rc != 0 ? rc : restaurant_entity_create(app, who, &table_entity, pid, &in, out, e);
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
    return restaurant_list(app, who, pid,
                           "SELECT " TABLE_COLUMNS " FROM restaurant_tables WHERE tenant_id = $1 "
                           "AND property_id = $2 AND (CAST($3 AS TEXT) IS NULL OR status = $3) "
                           "ORDER BY name",
                           DB_ARGS(DB_TEXT(status)), table_row_json, out, e);
}

int dining_table_get(app_t *app, const principal_t *who, const char *pid, const char *tid,
                     json_t **out, buffr_err_t *e)
{
    return restaurant_entity_get(app, who, &table_entity, pid, tid, out, e);
}

int dining_table_update(app_t *app, const principal_t *who, const char *pid, const char *tid,
                        json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    table_input_t in = {0};
    int rc = table_parse(body, false, &in, e);
    return rc != 0
               ? rc
               : restaurant_entity_update(app, who, &table_entity, pid, tid, &in, if_match, out, e);
}

int dining_table_delete(app_t *app, const principal_t *who, const char *pid, const char *tid,
                        buffr_err_t *e)
{
    return restaurant_entity_delete(app, who, &table_entity, pid, tid, e);
}

/* ---- the QR ordering link ---- */

typedef struct link_work {
    app_t *app;
    const char *tenant_id, *pid, *id, *host;
    json_t *result;
} link_work_t;

/* Build {"url","token","token_version"} for the table in the transaction. */
static int table_link(db_tx_t *tx, link_work_t *w)
{
    db_rows_t *rows;
    int rc = restaurant_first_row(
        tx,
        "SELECT t.token_version, s.qr_base_url FROM restaurant_tables t LEFT JOIN "
        "restaurant_settings s ON s.tenant_id = t.tenant_id AND s.property_id = t.property_id "
        "WHERE t.tenant_id = $1 AND t.property_id = $2 AND t.id = $3",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->id)), &rows);
    if (rc != 0)
        return rc;
    int64_t version = db_int(rows, 0);
    char base[320] = "";
    if (db_text(rows, 1))
        snprintf(base, sizeof(base), "%s", db_text(rows, 1));
    db_rows_free(rows);
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

static int table_revoke_in_tx(db_tx_t *tx, void *ctx)
{
    link_work_t *w = ctx;
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

/* The link after work (reading it, or revoking the table's tokens first). */
static int table_link_run(app_t *app, const principal_t *who, const char *pid, const char *tid,
                          const char *host, int flags, db_work_fn work, json_t **out,
                          buffr_err_t *e)
{
    link_work_t w = {.app = app, .tenant_id = who->tenant_id, .pid = pid, .id = tid, .host = host};
    int rc = db_transact(app->db, who->tenant_id, flags, work, &w);
    return restaurant_done(rc, w.result, out, e, "table");
}

int dining_table_qr_link(app_t *app, const principal_t *who, const char *pid, const char *tid,
                         const char *host, json_t **out, buffr_err_t *e)
{
    return table_link_run(app, who, pid, tid, host, DB_READ, table_link_in_tx, out, e);
}

int dining_table_qr_revoke(app_t *app, const principal_t *who, const char *pid, const char *tid,
                           const char *host, json_t **out, buffr_err_t *e)
{
    return table_link_run(app, who, pid, tid, host, DB_WRITE, table_revoke_in_tx, out, e);
}

/* ---- a guest's table token ---- */

typedef struct token_work {
    const char *pid, *tid;
    int64_t version;
    bool current;
    table_seat_t *seat; /* may be NULL */
} token_work_t;

static int token_check_in_tx(db_tx_t *tx, void *ctx)
{
    token_work_t *w = ctx;
    w->current = false;
    db_rows_t *rows;
    int rc = restaurant_first_row(tx,
                                  "SELECT t.token_version, t.name, p.name FROM restaurant_tables t "
                                  "JOIN properties p ON p.tenant_id = t.tenant_id AND p.id = "
                                  "t.property_id WHERE t.tenant_id = $1 AND t.property_id = $2 "
                                  "AND t.id = $3",
                                  DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->tid)), &rows);
    if (rc == BUFFR_ENOTFOUND) /* a deleted table: its tokens open nothing */
        return 0;
    if (rc != 0)
        return rc;
    w->current = db_int(rows, 0) == w->version;
    if (w->seat) {
        snprintf(w->seat->table_name, sizeof(w->seat->table_name), "%s", db_text(rows, 1));
        snprintf(w->seat->property_name, sizeof(w->seat->property_name), "%s", db_text(rows, 2));
    }
    db_rows_free(rows);
    return 0;
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
        rc = db_transact(app->db, guest->tenant_id, DB_READ, token_check_in_tx, &w);
    if (rc == 0 && !w.current)
        rc = BUFFR_EUNAUTH;
    if (rc == BUFFR_EUNAUTH)
        return buffr_fail(e, rc, NULL, "this table code is not valid (any more); ask the staff");
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not check the table code");
    guest->role = ROLE_GUEST;
    return 0;
}
