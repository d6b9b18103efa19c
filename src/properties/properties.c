/*
 * properties.c - create, read, list, change and delete properties, with
 * optimistic concurrency through the version column.
 */
#include "properties/properties.h"

#include <stdio.h>
#include <string.h>

#include "core/currency.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "core/uuid.h"

static const char properties_v1_sql[] =
    "CREATE TABLE properties ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  type TEXT NOT NULL CHECK (type IN ('hotel','restaurant','spa','conference','transport',"
    "'resort')),"
    "  timezone TEXT NOT NULL,"
    "  currency TEXT NOT NULL CHECK (length(currency) = 3),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (tenant_id, id)"
    ");";

const db_migration_t properties_migrations[] = {
    {.version = 2026112102,
     .name = "properties",
     .sql = properties_v1_sql,
     .tenant_tables = "properties"},
};
const size_t properties_migrations_count =
    sizeof(properties_migrations) / sizeof(properties_migrations[0]);

static const char *const property_types[] = {"hotel",     "restaurant", "spa", "conference",
                                             "transport", "resort",     NULL};

#define PROPERTY_COLUMNS "id, name, type, timezone, currency, created_at, updated_at, version"

static json_t *property_row_json(db_rows_t *rows)
{
    char created[RFC3339_BUF_SIZE], updated[RFC3339_BUF_SIZE];
    time_format_rfc3339(db_int(rows, 5), created);
    time_format_rfc3339(db_int(rows, 6), updated);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", db_text(rows, 0), "name",
                     db_text(rows, 1), "type", db_text(rows, 2), "timezone", db_text(rows, 3),
                     "currency", db_text(rows, 4), "created_at", created, "updated_at", updated,
                     "version", (json_int_t)db_int(rows, 7));
}

int property_input_parse(json_t *body, bool create, property_input_t *in, buffr_err_t *e)
{
    memset(in, 0, sizeof(*in));
    int rc;
    if ((rc = jsonx_line(body, "name", create, 200, &in->name, NULL, e)) != 0 ||
        (rc = jsonx_enum(body, "type", create, property_types, &in->type, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "timezone", create, 1, 64, &in->timezone, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "currency", create, 3, 3, &in->currency, NULL, e)) != 0)
        return rc;
    if (in->timezone && !timezone_is_valid(in->timezone))
        return buffr_fail(e, BUFFR_EVALIDATION, "timezone",
                          "timezone must be an IANA time zone such as Europe/Paris");
    if (in->currency && !currency_is_valid(in->currency))
        return buffr_fail(e, BUFFR_EVALIDATION, "currency",
                          "currency must be an ISO 4217 code such as EUR");
    return 0;
}

/* Read one property into *out (replacing what is there). */
static int property_read(db_tx_t *tx, const char *id, json_t **out)
{
    return db_query_json(
        tx, "SELECT " PROPERTY_COLUMNS " FROM properties WHERE tenant_id = $1 AND id = $2",
        DB_ARGS(DB_TEXT(id)), property_row_json, out);
}

static int property_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const char *what)
{
    if (rc == 0) {
        *out = result;
        return 0;
    }
    json_decref(result);
    if (e && e->code == rc)
        return rc; /* already explained */
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(e, rc, NULL, "property not found");
    return buffr_fail(e, rc, NULL, "could not %s the property", what);
}

/* ---- create ---- */

typedef struct property_create_work {
    const char *id;
    property_input_t in;
    json_t *result;
} property_create_work_t;

static int property_create_in_tx(db_tx_t *tx, void *ctx)
{
    property_create_work_t *w = ctx;
    int64_t now = time_now();
    int rc = db_exec(tx,
                     "INSERT INTO properties (tenant_id, id, name, type, timezone, currency, "
                     "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                     DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->in.name), DB_TEXT(w->in.type),
                             DB_TEXT(w->in.timezone), DB_TEXT(w->in.currency), DB_INT(now)),
                     NULL);
    return rc != 0 ? rc : property_read(tx, w->id, &w->result);
}

int property_create(app_t *app, const principal_t *who, json_t *body, json_t **out, buffr_err_t *e)
{
    property_create_work_t w = {0};
    int rc = property_input_parse(body, true, &w.in, e);
    if (rc != 0)
        return rc;
    char id[UUID_BUF_SIZE];
    uuid_v7_new(id);
    w.id = id;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, property_create_in_tx, &w);
    return property_done(rc, w.result, out, e, "create");
}

/* ---- list ---- */

typedef struct property_list_work {
    const char *cursor;
    jsonx_page_t page;
} property_list_work_t;

static int property_list_in_tx(db_tx_t *tx, void *ctx)
{
    property_list_work_t *w = ctx;
    jsonx_page_reset(&w->page);
    db_rows_t *rows;
    int rc =
        db_query(tx,
                 "SELECT " PROPERTY_COLUMNS " FROM properties WHERE tenant_id = $1 AND id > $2 "
                 "ORDER BY id LIMIT $3",
                 DB_ARGS(DB_TEXT(w->cursor ? w->cursor : ""), DB_INT(w->page.limit + 1)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1 &&
           (rc = jsonx_page_add(&w->page, property_row_json(rows))) == 0)
        ;
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int property_list(app_t *app, const principal_t *who, int limit, const char *cursor, json_t **out,
                  buffr_err_t *e)
{
    /* Normalised like ids in paths: the keyset comparison is on the
     * lower-case text the ids are stored as. */
    char cursor_id[UUID_BUF_SIZE];
    if (cursor != NULL && uuid_normalize(cursor, cursor_id) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "cursor", "cursor is not valid");
    property_list_work_t w = {.cursor = cursor != NULL ? cursor_id : NULL};
    if (jsonx_page_init(&w.page, limit) != 0)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    int rc = db_transact(app->db, who->tenant_id, DB_READ, property_list_in_tx, &w);
    if (rc != 0) {
        jsonx_page_clear(&w.page);
        return buffr_fail(e, rc, NULL, "could not list properties");
    }
    *out = jsonx_page_finish(&w.page);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

/* ---- get ---- */

typedef struct property_get_work {
    const char *id;
    json_t *result;
} property_get_work_t;

static int property_get_in_tx(db_tx_t *tx, void *ctx)
{
    property_get_work_t *w = ctx;
    return property_read(tx, w->id, &w->result);
}

int property_get(app_t *app, const principal_t *who, const char *id, json_t **out, buffr_err_t *e)
{
    property_get_work_t w = {.id = id};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, property_get_in_tx, &w);
    return property_done(rc, w.result, out, e, "read");
}

/* ---- update ---- */

typedef struct property_update_work {
    const char *id;
    int64_t if_match;
    property_input_t in;
    buffr_err_t *e;
    json_t *result;
} property_update_work_t;

static int property_update_in_tx(db_tx_t *tx, void *ctx)
{
    property_update_work_t *w = ctx;
    int64_t changed = 0;
    /* version = $8 makes a stale If-Match lose even against a concurrent
     * writer; -1 (no If-Match) matches any version. */
    int rc = db_exec(tx,
                     "UPDATE properties SET name = COALESCE($3, name), type = COALESCE($4, type), "
                     "timezone = COALESCE($5, timezone), currency = COALESCE($6, currency), "
                     "updated_at = $7, version = version + 1 "
                     "WHERE tenant_id = $1 AND id = $2 AND ($8 < 0 OR version = $8)",
                     DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->in.name), DB_TEXT(w->in.type),
                             DB_TEXT(w->in.timezone), DB_TEXT(w->in.currency), DB_INT(time_now()),
                             DB_INT(w->if_match)),
                     &changed);
    if (rc != 0)
        return rc;
    if (changed == 0) {
        rc = property_read(tx, w->id, &w->result);
        if (rc != 0)
            return rc; /* BUFFR_ENOTFOUND: no such property in this tenant */
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL,
                          "the property was changed meanwhile (version %lld); reload and retry",
                          (long long)json_integer_value(json_object_get(w->result, "version")));
    }
    return property_read(tx, w->id, &w->result);
}

int property_update(app_t *app, const principal_t *who, const char *id, json_t *body,
                    int64_t if_match, json_t **out, buffr_err_t *e)
{
    property_update_work_t w = {.id = id, .if_match = if_match, .e = e};
    int rc = property_input_parse(body, false, &w.in, e);
    if (rc != 0)
        return rc;
    if (!w.in.name && !w.in.type && !w.in.timezone && !w.in.currency) {
        /* Nothing to change: answer the property as it is, version unchanged. */
        property_get_work_t g = {.id = id};
        rc = db_transact(app->db, who->tenant_id, DB_READ, property_get_in_tx, &g);
        return property_done(rc, g.result, out, e, "read");
    }
    if (e)
        e->code = 0;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, property_update_in_tx, &w);
    return property_done(rc, w.result, out, e, "update");
}

/* ---- delete ---- */

typedef struct property_delete_work {
    const char *id;
} property_delete_work_t;

static int property_delete_in_tx(db_tx_t *tx, void *ctx)
{
    property_delete_work_t *w = ctx;
    int64_t changed = 0;
    int rc = db_exec(tx, "DELETE FROM properties WHERE tenant_id = $1 AND id = $2",
                     DB_ARGS(DB_TEXT(w->id)), &changed);
    if (rc != 0)
        return rc;
    return changed == 1 ? 0 : BUFFR_ENOTFOUND;
}

int property_delete(app_t *app, const principal_t *who, const char *id, buffr_err_t *e)
{
    property_delete_work_t w = {.id = id};
    int rc = db_transact(app->db, who->tenant_id, DB_WRITE, property_delete_in_tx, &w);
    if (rc == BUFFR_ECONSTRAINT)
        return buffr_fail(e, BUFFR_ECONFLICT, NULL,
                          "the property still has rooms, bookings or orders; remove them first");
    if (rc == BUFFR_ENOTFOUND)
        return buffr_fail(e, rc, NULL, "property not found");
    return rc == 0 ? 0 : buffr_fail(e, rc, NULL, "could not delete the property");
}
