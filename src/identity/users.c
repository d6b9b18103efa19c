/*
 * users.c - the current user (/me) and user management within a tenant.
 *
 * Who may change whom is decided here, beside the data: a manager cannot
 * create, change or promote an owner, and nobody changes their own role or
 * disables themselves (so a tenant can never lose its last way in by
 * accident). Which roles may call these at all is the route table's part.
 */
#include "identity/identity.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "core/jsonx.h"
#include "core/timeutil.h"

static const char *const role_values[] = {"owner", "manager", "service_manager",
                                          "staff", "guest",   NULL};

#define USER_COLUMNS                                                                               \
    "id, email, full_name, role, services, disabled, mfa_enabled, created_at, updated_at, version"

/* Render a row selected with USER_COLUMNS starting at column 0. */
static json_t *user_row_json(db_rows_t *rows)
{
    char created[RFC3339_BUF_SIZE], updated[RFC3339_BUF_SIZE];
    time_format_rfc3339(db_int(rows, 7), created);
    time_format_rfc3339(db_int(rows, 8), updated);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:s, s:s, s:I}", "id", db_text(rows, 0),
                     "email", db_text(rows, 1), "full_name", db_text(rows, 2), "role",
                     db_text(rows, 3), "permissions",
                     identity_permissions_json((uint32_t)db_int(rows, 4)), "disabled",
                     (int)db_int(rows, 5), "mfa_enabled", (int)db_int(rows, 6), "created_at",
                     created, "updated_at", updated, "version", (json_int_t)db_int(rows, 9));
}

typedef struct user_read {
    const char *user_id;
    json_t *user;
    role_t role;
} user_read_t;

static int user_read_in_tx(db_tx_t *tx, void *ctx)
{
    user_read_t *w = ctx;
    db_rows_t *rows;
    int rc = db_query(tx, "SELECT " USER_COLUMNS " FROM users WHERE tenant_id = $1 AND id = $2",
                      DB_ARGS(DB_TEXT(w->user_id)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        json_decref(w->user);
        w->user = user_row_json(rows);
        w->role = role_parse(db_text(rows, 3));
        rc = w->user ? 0 : BUFFR_ENOMEM;
    } else if (rc == 0) {
        rc = BUFFR_ENOTFOUND;
    }
    db_rows_free(rows);
    return rc;
}

typedef struct me_work {
    user_read_t user;
    char tenant_name[256];
} me_work_t;

static int me_in_tx(db_tx_t *tx, void *ctx)
{
    me_work_t *w = ctx;
    int rc = user_read_in_tx(tx, &w->user);
    if (rc != 0)
        return rc;
    db_rows_t *rows;
    rc = db_query(tx, "SELECT name FROM tenants WHERE tenant_id = $1", DB_NOARGS, &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        snprintf(w->tenant_name, sizeof(w->tenant_name), "%s", db_text(rows, 0));
        rc = 0;
    } else if (rc == 0) {
        rc = BUFFR_ENOTFOUND;
    }
    db_rows_free(rows);
    return rc;
}

int identity_me(app_t *app, const principal_t *who, json_t **out, buffr_err_t *e)
{
    me_work_t w = {.user = {.user_id = who->user_id}};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, me_in_tx, &w);
    if (rc != 0) {
        json_decref(w.user.user);
        return buffr_fail(e, rc, NULL, rc == BUFFR_ENOTFOUND ? "not found" : "could not read");
    }
    json_object_set_new(w.user.user, "tenant",
                        json_pack("{s:s, s:s}", "id", who->tenant_id, "name", w.tenant_name));
    *out = w.user.user;
    return 0;
}

/* ---- create ---- */

typedef struct user_create_work {
    const char *id, *email, *full_name, *hash, *role;
    uint32_t services;
    json_t *user;
} user_create_work_t;

static int user_create_in_tx(db_tx_t *tx, void *ctx)
{
    user_create_work_t *w = ctx;
    int64_t now = time_now();
    int rc =
        db_exec(tx,
                "INSERT INTO users (tenant_id, id, email, full_name, password_hash, role, "
                "services, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                DB_ARGS(DB_TEXT(w->id), DB_TEXT(w->email), DB_TEXT(w->full_name), DB_TEXT(w->hash),
                        DB_TEXT(w->role), DB_INT(w->services), DB_INT(now)),
                NULL);
    if (rc != 0)
        return rc;
    user_read_t r = {.user_id = w->id, .user = w->user};
    rc = user_read_in_tx(tx, &r);
    w->user = r.user;
    return rc;
}

int users_create(app_t *app, const principal_t *who, json_t *body, json_t **out, buffr_err_t *e)
{
    const char *email_in, *full_name, *password, *role = NULL;
    int rc;
    if ((rc = jsonx_string(body, "email", true, 3, 254, &email_in, NULL, e)) != 0 ||
        (rc = jsonx_line(body, "full_name", true, 200, &full_name, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "password", true, 0, PASSWORD_MAX_BYTES, &password, NULL, e)) !=
            0 ||
        (rc = jsonx_enum(body, "role", true, role_values, &role, NULL, e)) != 0)
        return rc;
    uint32_t services = 0;
    bool has_services = false;
    if ((rc = identity_parse_permissions(body, &services, &has_services, e)) != 0)
        return rc;
    if (role_parse(role) >= ROLE_MANAGER && !has_services)
        services = SERVICE_ALL;
    if (role_parse(role) == ROLE_OWNER && who->role != ROLE_OWNER)
        return buffr_fail(e, BUFFR_EFORBIDDEN, "role", "only an owner can create an owner");
    char email[256];
    if ((rc = identity_validate_email(email_in, email, sizeof(email), e)) != 0)
        return rc;
    if ((rc = password_check_policy(password, email, full_name, e)) != 0)
        return rc;
    char hash[PASSWORD_HASH_BYTES], id[UUID_BUF_SIZE];
    if ((rc = password_hash(password, hash)) != 0)
        return buffr_fail(e, rc, NULL, "could not create the user");
    uuid_v7_new(id);
    user_create_work_t w = {.id = id,
                            .email = email,
                            .full_name = full_name,
                            .hash = hash,
                            .role = role,
                            .services = services};
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, user_create_in_tx, &w);
    sodium_memzero(hash, sizeof(hash));
    if (rc != 0) {
        json_decref(w.user);
        if (rc == BUFFR_ECONFLICT)
            return buffr_fail(e, rc, "email", "an account with this email already exists");
        return buffr_fail(e, rc, NULL, "could not create the user");
    }
    *out = w.user;
    return 0;
}

/* ---- list and get ---- */

typedef struct user_list_work {
    const char *cursor;
    jsonx_page_t page;
} user_list_work_t;

static int user_list_in_tx(db_tx_t *tx, void *ctx)
{
    user_list_work_t *w = ctx;
    jsonx_page_reset(&w->page);
    db_rows_t *rows;
    /* UUIDv7 ids sort by creation: keyset pagination on id, oldest first. */
    int rc =
        db_query(tx,
                 "SELECT " USER_COLUMNS " FROM users WHERE tenant_id = $1 AND id > $2 "
                 "ORDER BY id LIMIT $3",
                 DB_ARGS(DB_TEXT(w->cursor ? w->cursor : ""), DB_INT(w->page.limit + 1)), &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1 && (rc = jsonx_page_add(&w->page, user_row_json(rows))) == 0)
        ;
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

int users_list(app_t *app, const principal_t *who, int limit, const char *cursor, json_t **out,
               buffr_err_t *e)
{
    /* Normalised like ids in paths: the keyset comparison is on the
     * lower-case text the ids are stored as. */
    char cursor_id[UUID_BUF_SIZE];
    if (cursor != NULL && uuid_normalize(cursor, cursor_id) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "cursor", "cursor is not valid");
    user_list_work_t w = {.cursor = cursor != NULL ? cursor_id : NULL};
    if (jsonx_page_init(&w.page, limit) != 0)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    int rc = db_transact(app->db, who->tenant_id, DB_READ, user_list_in_tx, &w);
    if (rc != 0) {
        jsonx_page_clear(&w.page);
        return buffr_fail(e, rc, NULL, "could not list users");
    }
    *out = jsonx_page_finish(&w.page);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

int users_get(app_t *app, const principal_t *who, const char *user_id, json_t **out, buffr_err_t *e)
{
    user_read_t w = {.user_id = user_id};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, user_read_in_tx, &w);
    if (rc != 0) {
        json_decref(w.user);
        return buffr_fail(e, rc, NULL, rc == BUFFR_ENOTFOUND ? "user not found" : "could not read");
    }
    *out = w.user;
    return 0;
}

/* ---- update ---- */

typedef struct user_update_work {
    const principal_t *who;
    const char *user_id;
    int64_t if_match;
    const char *role; /* NULL: unchanged */
    const char *full_name;
    bool set_services, set_disabled;
    uint32_t services;
    bool disabled;
    buffr_err_t *e;
    json_t *user;
} user_update_work_t;

static int user_update_in_tx(db_tx_t *tx, void *ctx)
{
    user_update_work_t *w = ctx;
    db_rows_t *rows;
    int rc = db_query(tx, "SELECT role, version FROM users WHERE tenant_id = $1 AND id = $2",
                      DB_ARGS(DB_TEXT(w->user_id)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc <= 0) {
        db_rows_free(rows);
        return rc == 0 ? buffr_fail(w->e, BUFFR_ENOTFOUND, NULL, "user not found") : rc;
    }
    role_t current = role_parse(db_text(rows, 0));
    int64_t version = db_int(rows, 1);
    db_rows_free(rows);

    if (w->who->role != ROLE_OWNER &&
        (current == ROLE_OWNER || (w->role && role_parse(w->role) == ROLE_OWNER)))
        return buffr_fail(w->e, BUFFR_EFORBIDDEN, "role", "only an owner can change an owner");
    if (w->if_match >= 0 && w->if_match != version)
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL,
                          "the user was changed meanwhile (version %lld); reload and retry",
                          (long long)version);
    int64_t changed = 0;
    rc = db_exec(tx,
                 "UPDATE users SET role = COALESCE($3, role), full_name = COALESCE($4, full_name), "
                 "services = CASE WHEN $5 = 1 THEN $6 ELSE services END, "
                 "disabled = CASE WHEN $7 = 1 THEN $8 ELSE disabled END, "
                 "updated_at = $9, version = version + 1 "
                 "WHERE tenant_id = $1 AND id = $2 AND version = $10",
                 DB_ARGS(DB_TEXT(w->user_id), DB_TEXT(w->role), DB_TEXT(w->full_name),
                         DB_BOOL(w->set_services), DB_INT(w->services), DB_BOOL(w->set_disabled),
                         DB_BOOL(w->disabled), DB_INT(time_now()), DB_INT(version)),
                 &changed);
    if (rc != 0)
        return rc;
    if (changed != 1)
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL, "the user was changed meanwhile");
    user_read_t r = {.user_id = w->user_id, .user = w->user};
    rc = user_read_in_tx(tx, &r);
    w->user = r.user;
    return rc;
}

int users_update(app_t *app, const principal_t *who, const char *user_id, json_t *body,
                 int64_t if_match, json_t **out, buffr_err_t *e)
{
    user_update_work_t w = {.who = who, .user_id = user_id, .if_match = if_match, .e = e};
    int rc;
    bool has_disabled = false;
    if ((rc = jsonx_enum(body, "role", false, role_values, &w.role, NULL, e)) != 0 ||
        (rc = jsonx_line(body, "full_name", false, 200, &w.full_name, NULL, e)) != 0 ||
        (rc = jsonx_bool(body, "disabled", false, &w.disabled, &has_disabled, e)) != 0 ||
        (rc = identity_parse_permissions(body, &w.services, &w.set_services, e)) != 0)
        return rc;
    w.set_disabled = has_disabled;
    if (strcmp(user_id, who->user_id) == 0 && (w.role != NULL || (has_disabled && w.disabled)))
        return buffr_fail(e, BUFFR_EFORBIDDEN, w.role ? "role" : "disabled",
                          "you cannot change your own role or disable yourself");
    e->code = 0;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, user_update_in_tx, &w);
    if (rc != 0) {
        json_decref(w.user);
        if (e->code != rc)
            buffr_fail(e, rc, NULL, "could not update the user");
        return rc;
    }
    *out = w.user;
    return 0;
}
