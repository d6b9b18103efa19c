/*
 * inventory.c - what a hotel sells and keeps: room types, rooms with their
 * housekeeping state, out-of-order blocks, the property's policies, and the
 * housekeeping report of a day.
 *
 * An out-of-order block takes a room out of sale by holding its nights in
 * room_nights, exactly as a reservation does, so availability and booking
 * need no special case for it. Not here: prices (plans.c, rates.c) and
 * reservations (booking.c).
 */
#include "reservations/reservations.h"
#include "reservations/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"

#define TYPE_MAX_AMENITIES 50
#define ROOM_MAX_FEATURES  50
#define LIST_ITEM_MAX      100

static const char *const room_statuses[] = {"clean", "dirty", "inspected", NULL};

/* ======================================================== room types */

#define ROOM_TYPE_COLUMNS                                                                          \
    "t.id, t.property_id, t.name, t.code, t.capacity, t.base_rate, t.description, t.amenities, "   \
    "t.min_stay, t.created_at, t.updated_at, t.version, p.currency "                               \
    "FROM room_types t JOIN properties p ON p.id = t.property_id "

static json_t *room_type_row_json(db_rows_t *rows)
{
    char created[RFC3339_BUF_SIZE], updated[RFC3339_BUF_SIZE];
    time_format_rfc3339(db_int(rows, 9), created);
    time_format_rfc3339(db_int(rows, 10), updated);
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:I, s:s, s:s, s:I}", "id",
                     db_text(rows, 0), "property_id", db_text(rows, 1), "name", db_text(rows, 2),
                     "code", db_text(rows, 3), "capacity", (json_int_t)db_int(rows, 4), "base_rate",
                     (json_int_t)db_int(rows, 5), "currency", db_text(rows, 12), "description",
                     db_text(rows, 6), "amenities", resv_json_array(db_text(rows, 7)), "min_stay",
                     (json_int_t)db_int(rows, 8), "created_at", created, "updated_at", updated,
                     "version", (json_int_t)db_int(rows, 11));
}

static const resv_entity_t room_type_entity = {
    .noun = "room type",
    .select_one =
        "SELECT " ROOM_TYPE_COLUMNS "WHERE t.tenant_id = $1 AND t.property_id = $2 AND t.id = $3",
    .render = room_type_row_json,
    .delete_one = "DELETE FROM room_types WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .in_use = "the room type still has rooms or reservations; remove them first",
};

typedef struct room_type_input {
    const char *name, *code, *description;
    int64_t capacity, base_rate, min_stay;
    bool has_capacity, has_base_rate, has_min_stay;
    char *amenities; /* JSON text, owned; NULL when not given */
} room_type_input_t;

static int room_type_parse(json_t *body, bool create, room_type_input_t *in, buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    int rc;
    if ((rc = jsonx_string(body, "name", create, 1, 200, &in->name, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "code", create, 1, 32, &in->code, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "capacity", create, 1, 50, &in->capacity, &in->has_capacity, e)) !=
            0 ||
        (rc = jsonx_int(body, "base_rate", create, 0, RATE_MAX_AMOUNT, &in->base_rate,
                        &in->has_base_rate, e)) != 0 ||
        (rc = jsonx_int(body, "min_stay", false, 1, RATE_MAX_NIGHTS, &in->min_stay,
                        &in->has_min_stay, e)) != 0 ||
        (rc = jsonx_string(body, "description", false, 0, 2000, &in->description, NULL, e)) != 0)
        return rc;
    return resv_string_list(body, "amenities", TYPE_MAX_AMENITIES, LIST_ITEM_MAX, &in->amenities,
                            e);
}

typedef struct room_type_work {
    const char *pid, *tid;
    int64_t if_match;
    room_type_input_t in;
    buffr_err_t *e;
    json_t *result;
} room_type_work_t;

static int room_type_code_taken(room_type_work_t *w)
{
    return buffr_fail(w->e, BUFFR_ECONFLICT, "code",
                      "a room type with code \"%.32s\" already exists here",
                      w->in.code ? w->in.code : "");
}

static int room_type_create_in_tx(db_tx_t *tx, void *ctx)
{
    room_type_work_t *w = ctx;
    resv_property_t prop;
    int rc = resv_property_read(tx, w->pid, &prop);
    if (rc != 0)
        return rc;
    int64_t now = time_now();
    rc = db_exec(tx,
                 "INSERT INTO room_types (tenant_id, id, property_id, name, code, capacity, "
                 "base_rate, description, amenities, min_stay, created_at, updated_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
                 DB_ARGS(DB_TEXT(w->tid), DB_TEXT(w->pid), DB_TEXT(w->in.name), DB_TEXT(w->in.code),
                         DB_INT(w->in.capacity), DB_INT(w->in.base_rate),
                         DB_TEXT(w->in.description ? w->in.description : ""),
                         DB_TEXT(w->in.amenities ? w->in.amenities : "[]"),
                         DB_INT(w->in.has_min_stay ? w->in.min_stay : 1), DB_INT(now)),
                 NULL);
    if (rc == BUFFR_ECONFLICT)
        return room_type_code_taken(w);
    return rc != 0 ? rc : resv_read(tx, &room_type_entity, w->pid, w->tid, &w->result);
}

static int room_type_update_in_tx(db_tx_t *tx, void *ctx)
{
    room_type_work_t *w = ctx;
    int64_t changed = 0;
    int rc = db_exec(
        tx,
        "UPDATE room_types SET name = COALESCE($4, name), code = COALESCE($5, code), "
        "capacity = COALESCE(CAST($6 AS BIGINT), capacity), "
        "base_rate = COALESCE(CAST($7 AS BIGINT), base_rate), "
        "description = COALESCE($8, description), amenities = COALESCE($9, amenities), "
        "min_stay = COALESCE(CAST($10 AS BIGINT), min_stay), updated_at = $11, "
        "version = version + 1 WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
        "AND ($12 < 0 OR version = $12)",
        DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->tid), DB_TEXT(w->in.name), DB_TEXT(w->in.code),
                w->in.has_capacity ? DB_INT(w->in.capacity) : DB_NULL,
                w->in.has_base_rate ? DB_INT(w->in.base_rate) : DB_NULL, DB_TEXT(w->in.description),
                DB_TEXT(w->in.amenities), w->in.has_min_stay ? DB_INT(w->in.min_stay) : DB_NULL,
                DB_INT(time_now()), DB_INT(w->if_match)),
        &changed);
    if (rc == BUFFR_ECONFLICT)
        return room_type_code_taken(w);
    if (rc == 0)
        rc = resv_read(tx, &room_type_entity, w->pid, w->tid, &w->result);
    if (rc == 0 && changed == 0)
        return resv_stale(w->e, "the room type was", resv_version(w->result));
    return rc;
}

/* Create (tid a new id) or change (tid the room type's) a room type. */
static int room_type_save(app_t *app, const principal_t *who, room_type_work_t *w, json_t *body,
                          bool create, json_t **out)
{
    int rc = room_type_parse(body, create, &w->in, w->e);
    if (rc == 0)
        rc =
            resv_write(app, who, create ? room_type_create_in_tx : room_type_update_in_tx, w, w->e);
    free(w->in.amenities);
    return resv_done(rc, w->result, out, w->e, create ? "property" : "room type",
                     create ? "create the room type" : "change the room type");
}

int room_type_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                     json_t **out, buffr_err_t *e)
{
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    room_type_work_t w = {.pid = pid, .tid = id, .e = e};
    return room_type_save(app, who, &w, body, true, out);
}

int room_type_update(app_t *app, const principal_t *who, const char *pid, const char *tid,
                     json_t *body, int64_t if_match, json_t **out, buffr_err_t *e)
{
    room_type_work_t w = {.pid = pid, .tid = tid, .if_match = if_match, .e = e};
    return room_type_save(app, who, &w, body, false, out);
}

int room_type_list(app_t *app, const principal_t *who, const char *pid, int limit,
                   const char *cursor, json_t **out, buffr_err_t *e)
{
    int rc = resv_cursor_check(cursor, e);
    if (rc != 0)
        return rc;
    return resv_list(app, who, pid, limit,
                     "SELECT " ROOM_TYPE_COLUMNS
                     "WHERE t.tenant_id = $1 AND t.property_id = $2 AND t.id > $3 "
                     "ORDER BY t.id LIMIT $4",
                     DB_ARGS(DB_TEXT(pid), DB_TEXT(cursor ? cursor : ""), DB_INT(limit + 1)),
                     room_type_row_json, "list room types", out, e);
}

int room_type_get(app_t *app, const principal_t *who, const char *pid, const char *tid,
                  json_t **out, buffr_err_t *e)
{
    return resv_get(app, who, &room_type_entity, pid, tid, out, e);
}

int room_type_delete(app_t *app, const principal_t *who, const char *pid, const char *tid,
                     buffr_err_t *e)
{
    return resv_delete(app, who, &room_type_entity, pid, tid, e);
}

/* ======================================================== rooms */

#define ROOM_COLUMNS                                                                               \
    "r.id, r.property_id, r.room_type_id, r.number, r.floor, r.features, r.status, "               \
    "r.created_at, r.updated_at, r.version FROM rooms r "

static json_t *room_row_json(db_rows_t *rows)
{
    char created[RFC3339_BUF_SIZE], updated[RFC3339_BUF_SIZE];
    time_format_rfc3339(db_int(rows, 7), created);
    time_format_rfc3339(db_int(rows, 8), updated);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:I}", "id", db_text(rows, 0),
                     "property_id", db_text(rows, 1), "room_type_id", db_text(rows, 2), "number",
                     db_text(rows, 3), "floor",
                     db_is_null(rows, 4) ? json_null() : json_integer(db_int(rows, 4)), "features",
                     resv_json_array(db_text(rows, 5)), "status", db_text(rows, 6), "created_at",
                     created, "updated_at", updated, "version", (json_int_t)db_int(rows, 9));
}

static const resv_entity_t room_entity = {
    .noun = "room",
    .select_one =
        "SELECT " ROOM_COLUMNS "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.id = $3",
    .render = room_row_json,
    .delete_one = "DELETE FROM rooms WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .in_use = "the room has reservations or blocks; it cannot be deleted",
};

typedef struct room_input {
    const char *number, *room_type_id, *status;
    int64_t floor;
    bool has_floor;
    char *features; /* JSON text, owned; NULL when not given */
} room_input_t;

static int room_parse(json_t *body, bool create, room_input_t *in, buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    int rc;
    if ((rc = jsonx_string(body, "number", create, 1, 20, &in->number, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "room_type_id", create, 1, 64, &in->room_type_id, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "floor", false, -20, 300, &in->floor, &in->has_floor, e)) != 0 ||
        (rc = jsonx_enum(body, "status", false, room_statuses, &in->status, NULL, e)) != 0)
        return rc;
    if (in->room_type_id != NULL && !uuid_is_valid(in->room_type_id))
        return buffr_fail(e, BUFFR_EVALIDATION, "room_type_id",
                          "room_type_id must be the id of a room type of this property");
    return resv_string_list(body, "features", ROOM_MAX_FEATURES, LIST_ITEM_MAX, &in->features, e);
}

typedef struct room_work {
    const char *pid, *rid;
    int64_t if_match;
    room_input_t in;
    buffr_err_t *e;
    json_t *result;
} room_work_t;

/* The room type named in a body must be one of this property's. */
static int room_type_check(db_tx_t *tx, room_work_t *w)
{
    char type_id[UUID_BUF_SIZE];
    if (uuid_normalize(w->in.room_type_id, type_id) != 0)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "room_type_id", "room_type_id is not valid");
    int64_t one;
    int rc = db_query_int(tx,
                          "SELECT 1 FROM room_types WHERE tenant_id = $1 AND property_id = $2 "
                          "AND id = $3",
                          DB_ARGS(DB_TEXT(w->pid), DB_TEXT(type_id)), &one);
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "room_type_id",
                          "room_type_id does not name a room type of this property");
    return rc;
}

static int room_number_taken(room_work_t *w)
{
    return buffr_fail(w->e, BUFFR_ECONFLICT, "number",
                      "room number \"%.20s\" already exists in this property", w->in.number);
}

static int room_create_in_tx(db_tx_t *tx, void *ctx)
{
    room_work_t *w = ctx;
    resv_property_t prop;
    int rc = resv_property_read(tx, w->pid, &prop);
    if (rc != 0 || (rc = room_type_check(tx, w)) != 0)
        return rc;
    char type_id[UUID_BUF_SIZE];
    uuid_normalize(w->in.room_type_id, type_id);
    int64_t now = time_now();
    rc = db_exec(tx,
                 "INSERT INTO rooms (tenant_id, id, property_id, room_type_id, number, floor, "
                 "features, status, created_at, updated_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                 DB_ARGS(DB_TEXT(w->rid), DB_TEXT(w->pid), DB_TEXT(type_id), DB_TEXT(w->in.number),
                         w->in.has_floor ? DB_INT(w->in.floor) : DB_NULL,
                         DB_TEXT(w->in.features ? w->in.features : "[]"),
                         DB_TEXT(w->in.status ? w->in.status : "clean"), DB_INT(now)),
                 NULL);
    if (rc == BUFFR_ECONFLICT)
        return room_number_taken(w);
    return rc != 0 ? rc : resv_read(tx, &room_entity, w->pid, w->rid, &w->result);
}

static int room_update_in_tx(db_tx_t *tx, void *ctx)
{
    room_work_t *w = ctx;
    char type_id[UUID_BUF_SIZE] = "";
    int rc;
    if (w->in.room_type_id != NULL) {
        if ((rc = room_type_check(tx, w)) != 0)
            return rc;
        uuid_normalize(w->in.room_type_id, type_id);
    }
    int64_t changed = 0;
    rc = db_exec(tx,
                 "UPDATE rooms SET number = COALESCE($4, number), "
                 "room_type_id = COALESCE($5, room_type_id), "
                 "floor = COALESCE(CAST($6 AS BIGINT), floor), "
                 "features = COALESCE($7, features), status = COALESCE($8, status), "
                 "updated_at = $9, version = version + 1 "
                 "WHERE tenant_id = $1 AND property_id = $2 AND id = $3 "
                 "AND ($10 < 0 OR version = $10)",
                 DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->rid), DB_TEXT(w->in.number),
                         DB_TEXT(type_id[0] ? type_id : NULL),
                         w->in.has_floor ? DB_INT(w->in.floor) : DB_NULL, DB_TEXT(w->in.features),
                         DB_TEXT(w->in.status), DB_INT(time_now()), DB_INT(w->if_match)),
                 &changed);
    if (rc == BUFFR_ECONFLICT)
        return room_number_taken(w);
    if (rc == 0)
        rc = resv_read(tx, &room_entity, w->pid, w->rid, &w->result);
    if (rc == 0 && changed == 0)
        return resv_stale(w->e, "the room was", resv_version(w->result));
    return rc;
}

/* Create (rid a new id) or change (rid the room's) a room. */
static int room_save(app_t *app, const principal_t *who, room_work_t *w, json_t *body, bool create,
                     json_t **out)
{
    int rc = room_parse(body, create, &w->in, w->e);
    if (rc == 0)
        rc = resv_write(app, who, create ? room_create_in_tx : room_update_in_tx, w, w->e);
    free(w->in.features);
    return resv_done(rc, w->result, out, w->e, create ? "property" : "room",
                     create ? "create the room" : "change the room");
}

int room_create(app_t *app, const principal_t *who, const char *pid, json_t *body, json_t **out,
                buffr_err_t *e)
{
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    room_work_t w = {.pid = pid, .rid = id, .e = e};
    return room_save(app, who, &w, body, true, out);
}

int room_update(app_t *app, const principal_t *who, const char *pid, const char *rid, json_t *body,
                int64_t if_match, json_t **out, buffr_err_t *e)
{
    room_work_t w = {.pid = pid, .rid = rid, .if_match = if_match, .e = e};
    return room_save(app, who, &w, body, false, out);
}

int room_set_status(app_t *app, const principal_t *who, const char *pid, const char *rid,
                    json_t *body, json_t **out, buffr_err_t *e)
{
    room_work_t w = {.pid = pid, .rid = rid, .if_match = -1, .e = e};
    int rc = jsonx_enum(body, "status", true, room_statuses, &w.in.status, NULL, e);
    if (rc != 0)
        return rc;
    rc = resv_write(app, who, room_update_in_tx, &w, e);
    return resv_done(rc, w.result, out, e, "room", "change the room's status");
}

int room_list(app_t *app, const principal_t *who, const char *pid, const char *room_type_id,
              int limit, const char *cursor, json_t **out, buffr_err_t *e)
{
    static const char all_sql[] =
        "SELECT " ROOM_COLUMNS "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.id > $3 "
        "ORDER BY r.id LIMIT $4";
    static const char of_type_sql[] =
        "SELECT " ROOM_COLUMNS "WHERE r.tenant_id = $1 AND r.property_id = $2 AND r.id > $3 "
        "AND r.room_type_id = $5 ORDER BY r.id LIMIT $4";
    char type_id[UUID_BUF_SIZE] = "";
    if (room_type_id != NULL && uuid_normalize(room_type_id, type_id) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "room_type_id", "room_type_id is not valid");
    int rc = resv_cursor_check(cursor, e);
    if (rc != 0)
        return rc;
    const db_arg_t args[] = {DB_TEXT(pid), DB_TEXT(cursor ? cursor : ""), DB_INT(limit + 1),
                             DB_TEXT(type_id)};
    return resv_list(app, who, pid, limit, room_type_id ? of_type_sql : all_sql, args,
                     room_type_id ? 4 : 3, room_row_json, "list rooms", out, e);
}

int room_get(app_t *app, const principal_t *who, const char *pid, const char *rid, json_t **out,
             buffr_err_t *e)
{
    return resv_get(app, who, &room_entity, pid, rid, out, e);
}

int room_delete(app_t *app, const principal_t *who, const char *pid, const char *rid,
                buffr_err_t *e)
{
    return resv_delete(app, who, &room_entity, pid, rid, e);
}

/* ======================================================== blocks */

#define BLOCK_COLUMNS                                                                              \
    "id, room_id, kind, start_date, end_date, reason, feed, uid, created_at FROM room_blocks "

static json_t *block_row_json(db_rows_t *rows)
{
    char created[RFC3339_BUF_SIZE];
    time_format_rfc3339(db_int(rows, 8), created);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "id", db_text(rows, 0),
                     "room_id", db_text(rows, 1), "kind", db_text(rows, 2), "from",
                     db_text(rows, 3), "to", db_text(rows, 4), "reason", db_text(rows, 5), "feed",
                     jsonx_string_or_null(db_text(rows, 6)), "uid",
                     jsonx_string_or_null(db_text(rows, 7)), "created_at", created);
}

static const resv_entity_t block_entity = {
    .noun = "block",
    .select_one = "SELECT " BLOCK_COLUMNS "WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
    .render = block_row_json,
};

typedef struct block_work {
    const char *pid, *rid, *bid;
    int64_t from, to;
    const char *reason;
    buffr_err_t *e;
    json_t *result;
} block_work_t;

/* Explain which night of [from, to) of the room is already taken. */
static int block_taken(db_tx_t *tx, block_work_t *w)
{
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(w->from, first);
    date_format(w->to, end);
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT night, reservation_id FROM room_nights WHERE tenant_id = $1 "
                      "AND room_id = $2 AND night >= $3 AND night < $4 ORDER BY night LIMIT 1",
                      DB_ARGS(DB_TEXT(w->rid), DB_TEXT(first), DB_TEXT(end)), &rows);
    if (rc != 0)
        return rc;
    if (db_next(rows) == 1) {
        if (!db_is_null(rows, 1))
            buffr_fail(w->e, BUFFR_ECONFLICT, "from",
                       "the room is booked on %s (reservation %s); move that stay first",
                       db_text(rows, 0), db_text(rows, 1));
        else
            buffr_fail(w->e, BUFFR_ECONFLICT, "from", "the room is already blocked on %s",
                       db_text(rows, 0));
    } else {
        buffr_fail(w->e, BUFFR_ECONFLICT, "from", "the room was booked meanwhile; retry");
    }
    db_rows_free(rows);
    return BUFFR_ECONFLICT;
}

static int block_create_in_tx(db_tx_t *tx, void *ctx)
{
    block_work_t *w = ctx;
    int rc = resv_room_exists(tx, w->pid, w->rid);
    if (rc != 0)
        return rc;
    bool free_nights = false;
    if ((rc = resv_room_free(tx, w->rid, w->from, w->to, &free_nights)) != 0)
        return rc;
    if (!free_nights)
        return block_taken(tx, w);
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(w->from, first);
    date_format(w->to, end);
    rc = db_exec(tx,
                 "INSERT INTO room_blocks (tenant_id, id, property_id, room_id, kind, start_date, "
                 "end_date, reason, created_at) VALUES ($1, $2, $3, $4, 'out_of_order', $5, $6, "
                 "$7, $8)",
                 DB_ARGS(DB_TEXT(w->bid), DB_TEXT(w->pid), DB_TEXT(w->rid), DB_TEXT(first),
                         DB_TEXT(end), DB_TEXT(w->reason), DB_INT(time_now())),
                 NULL);
    if (rc == 0)
        rc = resv_nights_insert(tx, w->pid, w->rid, w->from, w->to, NULL, w->bid);
    if (rc == BUFFR_ECONFLICT)
        return buffr_fail(w->e, rc, "from", "the room was booked meanwhile; retry");
    return rc != 0 ? rc : resv_read(tx, &block_entity, w->pid, w->bid, &w->result);
}

int room_block_create(app_t *app, const principal_t *who, const char *pid, const char *rid,
                      json_t *body, json_t **out, buffr_err_t *e)
{
    block_work_t w = {.pid = pid, .rid = rid, .reason = "", .e = e};
    const char *from = NULL, *to = NULL;
    int rc;
    if ((rc = jsonx_string(body, "from", true, 1, 10, &from, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "to", true, 1, 10, &to, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "reason", false, 0, 500, &w.reason, NULL, e)) != 0 ||
        (rc = resv_date_arg(from, "from", &w.from, e)) != 0 ||
        (rc = resv_date_arg(to, "to", &w.to, e)) != 0)
        return rc;
    if (w.to <= w.from)
        return buffr_fail(e, BUFFR_EVALIDATION, "to", "to must be after from");
    if (w.to - w.from > 2 * RATE_MAX_NIGHTS)
        return buffr_fail(e, BUFFR_EVALIDATION, "to", "a block is at most %d nights",
                          2 * RATE_MAX_NIGHTS);
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    w.bid = id;
    rc = resv_write(app, who, block_create_in_tx, &w, e);
    return resv_done(rc, w.result, out, e, "room", "block the room");
}

static int block_list_in_tx(db_tx_t *tx, void *ctx)
{
    block_work_t *w = ctx;
    json_array_clear(w->result);
    int rc = resv_room_exists(tx, w->pid, w->rid);
    if (rc != 0)
        return rc;
    db_rows_t *rows;
    rc = db_query(tx,
                  "SELECT " BLOCK_COLUMNS "WHERE tenant_id = $1 AND room_id = $2 "
                  "ORDER BY start_date, id LIMIT 1000",
                  DB_ARGS(DB_TEXT(w->rid)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *b = block_row_json(rows);
        if (b == NULL || json_array_append_new(w->result, b) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int room_block_list(app_t *app, const principal_t *who, const char *pid, const char *rid,
                    json_t **out, buffr_err_t *e)
{
    block_work_t w = {.pid = pid, .rid = rid, .e = e, .result = json_array()};
    if (w.result == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    int rc = db_transact(app->db, who->tenant_id, DB_READ, block_list_in_tx, &w);
    if (rc != 0)
        return resv_done(rc, w.result, out, e, "room", "list the room's blocks");
    *out = json_pack("{s:o, s:n}", "data", w.result, "next_cursor");
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

static int block_delete_in_tx(db_tx_t *tx, void *ctx)
{
    block_work_t *w = ctx;
    int64_t changed = 0;
    int rc = db_exec(tx,
                     "DELETE FROM room_nights WHERE tenant_id = $1 AND block_id IN (SELECT id "
                     "FROM room_blocks WHERE tenant_id = $1 AND id = $2 AND room_id = $3 "
                     "AND property_id = $4)",
                     DB_ARGS(DB_TEXT(w->bid), DB_TEXT(w->rid), DB_TEXT(w->pid)), NULL);
    if (rc == 0)
        rc = db_exec(tx,
                     "DELETE FROM room_blocks WHERE tenant_id = $1 AND id = $2 AND room_id = $3 "
                     "AND property_id = $4",
                     DB_ARGS(DB_TEXT(w->bid), DB_TEXT(w->rid), DB_TEXT(w->pid)), &changed);
    if (rc != 0)
        return rc;
    return changed == 1 ? 0 : BUFFR_ENOTFOUND;
}

int room_block_delete(app_t *app, const principal_t *who, const char *pid, const char *rid,
                      const char *bid, buffr_err_t *e)
{
    block_work_t w = {.pid = pid, .rid = rid, .bid = bid, .e = e};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, block_delete_in_tx, &w);
    return resv_done(rc, NULL, &w.result, e, "block", "remove the block");
}

/* ======================================================== policies */

typedef struct policy_work {
    const char *pid;
    int64_t if_match;
    /* input of a PUT; NULL / not present keeps the current value */
    const char *check_in_time, *check_out_time, *text, *fee_kind;
    int64_t free_hours, fee_amount;
    bool has_free_hours, has_fee_amount;
    buffr_err_t *e;
    json_t *result;
} policy_work_t;

/* The policy as stored, or the defaults with version 0. */
static int policy_read(db_tx_t *tx, const char *pid, json_t **out)
{
    resv_property_t prop;
    int rc = resv_property_read(tx, pid, &prop);
    if (rc != 0)
        return rc;
    resv_policy_t policy;
    if ((rc = resv_policy_read(tx, pid, &policy)) != 0)
        return rc;
    const char *text = "";
    int64_t version = 0, updated_at = 0;
    db_rows_t *rows;
    rc = db_query(tx,
                  "SELECT cancellation_policy, version, updated_at FROM property_policies "
                  "WHERE tenant_id = $1 AND property_id = $2",
                  DB_ARGS(DB_TEXT(pid)), &rows);
    if (rc != 0)
        return rc;
    char *stored = NULL;
    if ((rc = db_next(rows)) == 1) {
        stored = strdup(db_text(rows, 0));
        version = db_int(rows, 1);
        updated_at = db_int(rows, 2);
        if (stored == NULL)
            rc = BUFFR_ENOMEM;
    }
    db_rows_free(rows);
    if (rc < 0) {
        free(stored);
        return rc;
    }
    char summary[300];
    if (stored != NULL && stored[0] != '\0') {
        text = stored;
    } else {
        /* No text set: describe the rule, so guests always read one. */
        if (policy.cancel.kind == CANCEL_FEE_NONE)
            snprintf(summary, sizeof(summary), "Free cancellation at any time.");
        else if (policy.cancel.kind == CANCEL_FEE_FIXED)
            snprintf(summary, sizeof(summary),
                     "Free cancellation until %lld hours before check-in; later cancellations "
                     "cost %lld (minor units of %s).",
                     (long long)policy.cancel.free_hours, (long long)policy.cancel.fixed_amount,
                     prop.currency);
        else
            snprintf(summary, sizeof(summary),
                     "Free cancellation until %lld hours before check-in; later cancellations "
                     "cost the first night.",
                     (long long)policy.cancel.free_hours);
        text = summary;
    }
    char updated[RFC3339_BUF_SIZE];
    time_format_rfc3339(updated_at, updated);
    json_decref(*out);
    *out = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:o, s:I}", "property_id", pid, "check_in_time",
        policy.check_in_time, "check_out_time", policy.check_out_time, "cancellation_policy", text,
        "free_cancellation_hours", (json_int_t)policy.cancel.free_hours, "cancellation_fee_kind",
        cancel_fee_kind_name(policy.cancel.kind), "cancellation_fee_amount",
        (json_int_t)policy.cancel.fixed_amount, "currency", prop.currency, "updated_at",
        updated_at ? json_string(updated) : json_null(), "version", (json_int_t)version);
    free(stored);
    return *out ? 0 : BUFFR_ENOMEM;
}

static int policy_get_in_tx(db_tx_t *tx, void *ctx)
{
    policy_work_t *w = ctx;
    return policy_read(tx, w->pid, &w->result);
}

int policy_get(app_t *app, const principal_t *who, const char *pid, json_t **out, buffr_err_t *e)
{
    policy_work_t w = {.pid = pid, .e = e};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, policy_get_in_tx, &w);
    return resv_done(rc, w.result, out, e, "property", "read the policies");
}

static int policy_put_in_tx(db_tx_t *tx, void *ctx)
{
    policy_work_t *w = ctx;
    int rc = policy_read(tx, w->pid, &w->result);
    if (rc != 0)
        return rc;
    int64_t version = resv_version(w->result);
    if (w->if_match >= 0 && w->if_match != version)
        return resv_stale(w->e, "the policies were", version);
    /* Merge: what the body does not name keeps its current value. The
     * text is only carried over when it was set (not the summary). */
    resv_policy_t current;
    if ((rc = resv_policy_read(tx, w->pid, &current)) != 0)
        return rc;
    char *kept_text = NULL;
    if (w->text == NULL && version > 0) {
        db_rows_t *rows;
        rc = db_query(tx,
                      "SELECT cancellation_policy FROM property_policies WHERE tenant_id = $1 "
                      "AND property_id = $2",
                      DB_ARGS(DB_TEXT(w->pid)), &rows);
        if (rc != 0)
            return rc;
        if (db_next(rows) == 1)
            kept_text = strdup(db_text(rows, 0));
        db_rows_free(rows);
        if (kept_text == NULL)
            return BUFFR_ENOMEM;
    }
    const char *text = w->text ? w->text : (kept_text ? kept_text : "");
    db_arg_t args[] = {
        DB_TEXT(w->pid),
        DB_TEXT(w->check_in_time ? w->check_in_time : current.check_in_time),
        DB_TEXT(w->check_out_time ? w->check_out_time : current.check_out_time),
        DB_TEXT(text),
        DB_INT(w->has_free_hours ? w->free_hours : current.cancel.free_hours),
        DB_TEXT(w->fee_kind ? w->fee_kind : cancel_fee_kind_name(current.cancel.kind)),
        DB_INT(w->has_fee_amount ? w->fee_amount : current.cancel.fixed_amount),
        DB_INT(time_now()),
        DB_INT(version),
    };
    if (version == 0) {
        rc = db_exec(tx,
                     "INSERT INTO property_policies (tenant_id, property_id, check_in_time, "
                     "check_out_time, cancellation_policy, free_cancellation_hours, "
                     "cancellation_fee_kind, cancellation_fee_amount, updated_at, version) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10 + 1)",
                     args, sizeof(args) / sizeof(args[0]), NULL);
    } else {
        int64_t changed = 0;
        rc = db_exec(tx,
                     "UPDATE property_policies SET check_in_time = $3, check_out_time = $4, "
                     "cancellation_policy = $5, free_cancellation_hours = $6, "
                     "cancellation_fee_kind = $7, cancellation_fee_amount = $8, updated_at = $9, "
                     "version = version + 1 WHERE tenant_id = $1 AND property_id = $2 "
                     "AND version = $10",
                     args, sizeof(args) / sizeof(args[0]), &changed);
        if (rc == 0 && changed == 0)
            rc = BUFFR_ECONFLICT;
    }
    free(kept_text);
    if (rc == BUFFR_ECONFLICT)
        return buffr_fail(w->e, rc, NULL, "the policies were changed meanwhile; reload and retry");
    return rc != 0 ? rc : policy_read(tx, w->pid, &w->result);
}

static bool clock_time_valid(const char *s)
{
    return strlen(s) == 5 && s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' &&
           s[2] == ':' && s[3] >= '0' && s[3] <= '5' && s[4] >= '0' && s[4] <= '9' &&
           (s[0] - '0') * 10 + (s[1] - '0') < 24;
}

int policy_put(app_t *app, const principal_t *who, const char *pid, json_t *body, int64_t if_match,
               json_t **out, buffr_err_t *e)
{
    static const char *const kinds[] = {"none", "first_night", "fixed", NULL};
    policy_work_t w = {.pid = pid, .if_match = if_match, .e = e};
    int rc;
    if ((rc = jsonx_string(body, "check_in_time", false, 5, 5, &w.check_in_time, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "check_out_time", false, 5, 5, &w.check_out_time, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "cancellation_policy", false, 0, 2000, &w.text, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "free_cancellation_hours", false, 0, 8784, &w.free_hours,
                        &w.has_free_hours, e)) != 0 ||
        (rc = jsonx_enum(body, "cancellation_fee_kind", false, kinds, &w.fee_kind, NULL, e)) != 0 ||
        (rc = jsonx_int(body, "cancellation_fee_amount", false, 0, RATE_MAX_AMOUNT, &w.fee_amount,
                        &w.has_fee_amount, e)) != 0)
        return rc;
    if (w.check_in_time != NULL && !clock_time_valid(w.check_in_time))
        return buffr_fail(e, BUFFR_EVALIDATION, "check_in_time", "check_in_time must be HH:MM");
    if (w.check_out_time != NULL && !clock_time_valid(w.check_out_time))
        return buffr_fail(e, BUFFR_EVALIDATION, "check_out_time", "check_out_time must be HH:MM");
    rc = resv_write(app, who, policy_put_in_tx, &w, e);
    return resv_done(rc, w.result, out, e, "property", "change the policies");
}

/* ======================================================== housekeeping */

typedef struct housekeeping_work {
    const char *pid, *date_text;
    char date[DATE_BUF_SIZE];
    buffr_err_t *e;
    json_t *rooms;
} housekeeping_work_t;

static json_t *housekeeping_room(json_t *rooms, const char *room_id)
{
    size_t i;
    json_t *room;
    json_array_foreach(rooms, i, room)
    {
        if (strcmp(json_string_value(json_object_get(room, "room_id")), room_id) == 0)
            return room;
    }
    return NULL;
}

/* Arrivals (check_in = date) or departures (check_out = date) onto rooms. */
static int housekeeping_movements(db_tx_t *tx, housekeeping_work_t *w, bool arrivals)
{
    static const char arrivals_sql[] =
        "SELECT s.id, s.room_id, s.status, g.first_name, g.last_name, s.guests, s.check_in, "
        "s.check_out FROM reservations s JOIN guests g ON g.id = s.guest_id "
        "WHERE s.tenant_id = $1 AND s.property_id = $2 AND s.check_in = $3 "
        "AND s.status IN ('confirmed', 'checked_in')";
    static const char departures_sql[] =
        "SELECT s.id, s.room_id, s.status, g.first_name, g.last_name, s.guests, s.check_in, "
        "s.check_out FROM reservations s JOIN guests g ON g.id = s.guest_id "
        "WHERE s.tenant_id = $1 AND s.property_id = $2 AND s.check_out = $3 "
        "AND s.status IN ('confirmed', 'checked_in', 'checked_out')";
    db_rows_t *rows;
    int rc = db_query(tx, arrivals ? arrivals_sql : departures_sql,
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->date)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        json_t *room = housekeeping_room(w->rooms, db_text(rows, 1));
        if (room == NULL)
            continue;
        char guest[210];
        snprintf(guest, sizeof(guest), "%s %s", db_text(rows, 3), db_text(rows, 4));
        json_t *who = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "reservation_id",
                                db_text(rows, 0), "status", db_text(rows, 2), "guest_name", guest,
                                "guests", (json_int_t)db_int(rows, 5), "check_in", db_text(rows, 6),
                                "check_out", db_text(rows, 7));
        if (who == NULL ||
            json_object_set_new(room, arrivals ? "arrival" : "departure", who) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

static int housekeeping_in_tx(db_tx_t *tx, void *ctx)
{
    housekeeping_work_t *w = ctx;
    json_array_clear(w->rooms);
    resv_property_t prop;
    int rc = resv_property_read(tx, w->pid, &prop);
    if (rc != 0)
        return rc;
    if (w->date_text == NULL) {
        date_format(resv_today(&prop), w->date);
    } else {
        int64_t day;
        if ((rc = resv_date_arg(w->date_text, "date", &day, w->e)) != 0)
            return rc;
        date_format(day, w->date);
    }
    db_rows_t *rows;
    rc = db_query(tx,
                  "SELECT r.id, r.number, r.floor, r.room_type_id, t.code, r.status, "
                  "n.reservation_id, b.kind, b.reason, b.start_date, b.end_date "
                  "FROM rooms r JOIN room_types t ON t.id = r.room_type_id "
                  "LEFT JOIN room_nights n ON n.room_id = r.id AND n.night = $3 "
                  "LEFT JOIN room_blocks b ON b.id = n.block_id "
                  "WHERE r.tenant_id = $1 AND r.property_id = $2 ORDER BY r.number",
                  DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->date)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        bool out_of_order = !db_is_null(rows, 7) && strcmp(db_text(rows, 7), "out_of_order") == 0;
        json_t *block =
            db_is_null(rows, 7)
                ? json_null()
                : json_pack("{s:s, s:s, s:s, s:s}", "kind", db_text(rows, 7), "reason",
                            db_text(rows, 8), "from", db_text(rows, 9), "to", db_text(rows, 10));
        json_t *room =
            json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:n, s:n}", "room_id",
                      db_text(rows, 0), "number", db_text(rows, 1), "floor",
                      db_is_null(rows, 2) ? json_null() : json_integer(db_int(rows, 2)),
                      "room_type_id", db_text(rows, 3), "room_type_code", db_text(rows, 4),
                      "status", out_of_order ? "out_of_order" : db_text(rows, 5),
                      "housekeeping_status", db_text(rows, 5), "occupied", !db_is_null(rows, 6),
                      "reservation_id", jsonx_string_or_null(db_text(rows, 6)), "block",
                      block ? block : json_null(), "arrival", "departure");
        if (room == NULL || json_array_append_new(w->rooms, room) != 0) {
            rc = BUFFR_ENOMEM;
            break;
        }
    }
    db_rows_free(rows);
    if (rc < 0)
        return rc;
    if ((rc = housekeeping_movements(tx, w, true)) != 0)
        return rc;
    return housekeeping_movements(tx, w, false);
}

int housekeeping_report(app_t *app, const principal_t *who, const char *pid, const char *date,
                        json_t **out, buffr_err_t *e)
{
    housekeeping_work_t w = {.pid = pid, .date_text = date, .e = e, .rooms = json_array()};
    if (w.rooms == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    resv_err_reset(e);
    int rc = db_transact(app->db, who->tenant_id, DB_READ, housekeeping_in_tx, &w);
    if (rc != 0)
        return resv_done(rc, w.rooms, out, e, "property", "build the housekeeping report");
    size_t arrivals = 0, departures = 0, i;
    json_t *room;
    json_array_foreach(w.rooms, i, room)
    {
        arrivals += !json_is_null(json_object_get(room, "arrival"));
        departures += !json_is_null(json_object_get(room, "departure"));
    }
    *out = json_pack("{s:s, s:o, s:I, s:I}", "date", w.date, "data", w.rooms, "arrivals",
                     (json_int_t)arrivals, "departures", (json_int_t)departures);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}
