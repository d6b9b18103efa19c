/*
 * auth.c - registration, login, token issue and rotation, logout and the
 * per-request token check.
 *
 * Password hashing is slow on purpose (Argon2id), so it always runs outside
 * any database transaction: a login reads the user, verifies the password
 * with no connection held, then writes the session in a second short
 * transaction. Refresh tokens are 256 random bits shown once to the client
 * and stored only as their SHA-256; a token used twice means it was stolen,
 * so the whole session (the token family) is revoked.
 */
#include "identity/identity.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"
#include "auth/password.h"
#include "core/email.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "identity/login_limits.h"

#define SIGNING_KEY_SETTING "jwt_signing_key"

void identity_tokens_clear(identity_tokens_t *t)
{
    if (t == NULL)
        return;
    free(t->access_token);
    sodium_memzero(t, sizeof(*t));
}

json_t *identity_tokens_json(const identity_tokens_t *t, bool with_ids)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "access_token", t->access_token, "refresh_token",
                          t->refresh_token, "token_type", "Bearer", "expires_in", t->expires_in);
    if (o != NULL && with_ids) {
        json_object_set_new(o, "user_id", json_string(t->user_id));
        json_object_set_new(o, "tenant_id", json_string(t->tenant_id));
    }
    return o;
}

/* ---- signing key ---- */

typedef struct key_work {
    char stored[128];
    const char *candidate;
} key_work_t;

static int key_load_or_store(db_tx_t *tx, void *ctx)
{
    key_work_t *w = ctx;
    /* Insert ours unless another instance got there first; then read back
     * whichever won, so every instance signs with the same key. */
    int rc = db_exec(tx,
                     "INSERT INTO platform_settings (key, value) VALUES ($1, $2) "
                     "ON CONFLICT (key) DO NOTHING",
                     DB_ARGS(DB_TEXT(SIGNING_KEY_SETTING), DB_TEXT(w->candidate)), NULL);
    if (rc != 0)
        return rc;
    db_rows_t *rows;
    rc = db_query(tx, "SELECT value FROM platform_settings WHERE key = $1",
                  DB_ARGS(DB_TEXT(SIGNING_KEY_SETTING)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        snprintf(w->stored, sizeof(w->stored), "%s", db_text(rows, 0) ? db_text(rows, 0) : "");
        rc = 0;
    } else if (rc == 0) {
        rc = BUFFR_EDB;
    }
    db_rows_free(rows);
    return rc;
}

int identity_load_signing_key(app_t *app)
{
    const char *secret = app->config.jwt_secret;
    if (secret[0] != '\0') {
        if (strlen(secret) < 32) {
            log_error("BUFFR_JWT_SECRET must be at least 32 characters");
            return BUFFR_EINVAL;
        }
        crypto_generichash(app->jwt_key, 32, (const unsigned char *)secret, strlen(secret), NULL,
                           0);
        app->jwt_key_len = 32;
        return 0;
    }
    unsigned char fresh[JWT_KEY_BYTES];
    char hex[JWT_KEY_BYTES * 2 + 1];
    randombytes_buf(fresh, sizeof(fresh));
    sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
    key_work_t w = {.candidate = hex};
    int rc = db_transact(app->db, NULL, DB_WRITE, key_load_or_store, &w);
    sodium_memzero(fresh, sizeof(fresh));
    sodium_memzero(hex, sizeof(hex));
    if (rc != 0)
        return rc;
    size_t len = 0;
    if (sodium_hex2bin(app->jwt_key, sizeof(app->jwt_key), w.stored, strlen(w.stored), NULL, &len,
                       NULL) != 0 ||
        len < 32) {
        log_error("the stored token signing key is damaged");
        return BUFFR_EINTERNAL;
    }
    app->jwt_key_len = len;
    sodium_memzero(&w, sizeof(w));
    return 0;
}

/* ---- helpers ---- */

int identity_validate_email(const char *email, char *normalised, size_t len, buffr_err_t *e)
{
    if (!email_is_valid(email) || email_key(email, normalised, len) != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "email", "email must be a valid email address");
    return 0;
}

json_t *identity_permissions_json(uint32_t services)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (uint32_t bit = 1; bit & SERVICE_ALL; bit <<= 1)
        if (services & bit)
            json_array_append_new(a, json_string(service_name(bit)));
    return a;
}

int identity_parse_permissions(json_t *body, uint32_t *services, bool *present, buffr_err_t *e)
{
    json_t *v = json_object_get(body, "permissions");
    *present = v != NULL && !json_is_null(v);
    if (!*present)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > 16)
        return buffr_fail(e, BUFFR_EVALIDATION, "permissions",
                          "permissions must be a list of service names");
    uint32_t bits = 0;
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        uint32_t bit = json_is_string(item) ? service_parse(json_string_value(item)) : 0;
        if (bit == 0)
            return buffr_fail(e, BUFFR_EVALIDATION, "permissions",
                              "permissions may hold only: hotel, restaurant, spa, conference, "
                              "transport, inventory");
        bits |= bit;
    }
    *services = bits;
    return 0;
}

/* The hex SHA-256 of a refresh token: what is stored and looked up. */
static void refresh_token_hash(const char *token, char hash_hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hash_hex, 65, digest, sizeof(digest));
}

/* 256 random bits as base64url, and the hash that is stored. */
static void refresh_token_new(char token[REFRESH_TOKEN_BUF], char hash_hex[65])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(token, REFRESH_TOKEN_BUF, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    refresh_token_hash(token, hash_hex);
}

/* Sign the access token for a session. */
static int access_token_sign(app_t *app, const char *user_id, const char *tenant_id,
                             const char *session_id, role_t role, uint32_t services,
                             identity_tokens_t *out)
{
    char jti[UUID_BUF_SIZE];
    uuid_v7_new(jti);
    int64_t now = time_now();
    int ttl = app->config.access_token_ttl_s;
    json_t *claims = json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:s}", "sub", user_id,
                               "tenant_id", tenant_id, "role", role_name(role), "permissions",
                               identity_permissions_json(services), "sid", session_id, "iat",
                               (json_int_t)now, "exp", (json_int_t)(now + ttl), "jti", jti);
    if (claims == NULL)
        return BUFFR_ENOMEM;
    out->access_token = jwt_sign(claims, app->jwt_key, app->jwt_key_len);
    json_decref(claims);
    if (out->access_token == NULL)
        return BUFFR_ENOMEM;
    out->expires_in = ttl;
    snprintf(out->user_id, sizeof(out->user_id), "%s", user_id);
    snprintf(out->tenant_id, sizeof(out->tenant_id), "%s", tenant_id);
    return 0;
}

/* Start a session and its first refresh token inside tx (tenant-scoped). */
static int session_start(db_tx_t *tx, app_t *app, const char *user_id,
                         char session_id[UUID_BUF_SIZE], char refresh[REFRESH_TOKEN_BUF])
{
    int64_t now = time_now();
    int64_t expires = now + app->config.refresh_token_ttl_s;
    uuid_v7_new(session_id);
    int rc =
        db_exec(tx,
                "INSERT INTO sessions (tenant_id, id, user_id, created_at, expires_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                DB_ARGS(DB_TEXT(session_id), DB_TEXT(user_id), DB_INT(now), DB_INT(expires)), NULL);
    if (rc != 0)
        return rc;
    char hash[65];
    refresh_token_new(refresh, hash);
    return db_exec(tx,
                   "INSERT INTO refresh_tokens (tenant_id, token_hash, session_id, created_at, "
                   "expires_at) VALUES ($1, $2, $3, $4, $5)",
                   DB_ARGS(DB_TEXT(hash), DB_TEXT(session_id), DB_INT(now), DB_INT(expires)), NULL);
}

/* ---- registration ---- */

typedef struct register_work {
    app_t *app;
    const char *tenant_name, *email, *full_name, *password_hash;
    const char *tenant_id, *user_id;
    bool with_session;
    char session_id[UUID_BUF_SIZE];
    char refresh[REFRESH_TOKEN_BUF];
} register_work_t;

static int register_in_tx(db_tx_t *tx, void *ctx)
{
    register_work_t *w = ctx;
    int64_t now = time_now();
    int rc = db_exec(tx,
                     "INSERT INTO tenants (tenant_id, name, created_at, updated_at) "
                     "VALUES ($1, $2, $3, $3)",
                     DB_ARGS(DB_TEXT(w->tenant_name), DB_INT(now)), NULL);
    if (rc != 0)
        return rc;
    rc = db_exec(
        tx,
        "INSERT INTO users (tenant_id, id, email, full_name, password_hash, role, "
        "services, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'owner', $6, $7, $7)",
        DB_ARGS(DB_TEXT(w->user_id), DB_TEXT(w->email), DB_TEXT(w->full_name),
                DB_TEXT(w->password_hash), DB_INT(SERVICE_ALL), DB_INT(now)),
        NULL);
    if (rc != 0)
        return rc;
    return w->with_session ? session_start(tx, w->app, w->user_id, w->session_id, w->refresh) : 0;
}

static int tenant_owner_create(app_t *app, const char *tenant_name, const char *email_in,
                               const char *password, const char *full_name, bool with_session,
                               register_work_t *w, char tenant_id[UUID_BUF_SIZE],
                               char user_id[UUID_BUF_SIZE], buffr_err_t *e)
{
    char email[256];
    int rc = identity_validate_email(email_in, email, sizeof(email), e);
    if (rc != 0)
        return rc;
    if ((rc = password_check_policy(password, email, full_name, e)) != 0)
        return rc;
    char hash[PASSWORD_HASH_BYTES];
    if ((rc = password_hash(password, hash)) != 0)
        return buffr_fail(e, rc, NULL, "could not register");
    uuid_v7_new(tenant_id);
    uuid_v7_new(user_id);
    *w = (register_work_t){.app = app,
                           .tenant_name = tenant_name,
                           .email = email,
                           .full_name = full_name,
                           .password_hash = hash,
                           .tenant_id = tenant_id,
                           .user_id = user_id,
                           .with_session = with_session};
    rc = db_transact(app->db, tenant_id, DB_WRITE, register_in_tx, w);
    sodium_memzero(hash, sizeof(hash));
    if (rc == BUFFR_ECONFLICT)
        return buffr_fail(e, rc, "email", "an account with this email already exists");
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not register");
    return 0;
}

static int read_register_fields(json_t *body, const char **tenant_name, const char **email,
                                const char **password, const char **full_name, buffr_err_t *e)
{
    int rc;
    if ((rc = jsonx_line(body, "tenant_name", true, 200, tenant_name, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "email", true, 3, 254, email, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "password", true, 0, PASSWORD_MAX_BYTES, password, NULL, e)) !=
            0 ||
        (rc = jsonx_line(body, "full_name", true, 200, full_name, NULL, e)) != 0)
        return rc;
    return 0;
}

int identity_register(app_t *app, json_t *body, identity_tokens_t *out, buffr_err_t *e)
{
    if (!app->config.registration_enabled)
        return buffr_fail(e, BUFFR_EFORBIDDEN, NULL, "self-registration is turned off here");
    const char *tenant_name, *email, *password, *full_name;
    int rc = read_register_fields(body, &tenant_name, &email, &password, &full_name, e);
    if (rc != 0)
        return rc;
    register_work_t w;
    char tenant_id[UUID_BUF_SIZE], user_id[UUID_BUF_SIZE];
    rc = tenant_owner_create(app, tenant_name, email, password, full_name, true, &w, tenant_id,
                             user_id, e);
    if (rc != 0)
        return rc;
    memcpy(out->refresh_token, w.refresh, sizeof(out->refresh_token));
    rc = access_token_sign(app, user_id, tenant_id, w.session_id, ROLE_OWNER, SERVICE_ALL, out);
    sodium_memzero(&w, sizeof(w));
    return rc == 0 ? 0 : buffr_fail(e, rc, NULL, "could not sign the token");
}

int identity_create_tenant_owner(app_t *app, const char *tenant_name, const char *email,
                                 const char *password, const char *full_name,
                                 char tenant_id[UUID_BUF_SIZE], char user_id[UUID_BUF_SIZE],
                                 buffr_err_t *e)
{
    register_work_t w;
    return tenant_owner_create(app, tenant_name, email, password, full_name, false, &w, tenant_id,
                               user_id, e);
}

/* ---- login ---- */

typedef struct login_user {
    const char *email;
    bool found;
    char id[UUID_BUF_SIZE];
    char tenant_id[UUID_BUF_SIZE];
    char password_hash[PASSWORD_HASH_BYTES];
    char mfa_secret[64];
    role_t role;
    uint32_t services;
    bool disabled, mfa_enabled;
} login_user_t;

static void copy_col(char *dst, size_t len, db_rows_t *rows, int col)
{
    const char *s = db_text(rows, col);
    snprintf(dst, len, "%s", s ? s : "");
}

static int login_lookup(db_tx_t *tx, void *ctx)
{
    login_user_t *u = ctx;
    db_rows_t *rows;
    /* Login names no tenant, so this one read crosses tenants (system tx). */
    int rc = db_query(tx,
                      "SELECT id, tenant_id, password_hash, role, services, disabled, "
                      "mfa_enabled, mfa_secret FROM users WHERE email = $1",
                      DB_ARGS(DB_TEXT(u->email)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        u->found = true;
        copy_col(u->id, sizeof(u->id), rows, 0);
        copy_col(u->tenant_id, sizeof(u->tenant_id), rows, 1);
        copy_col(u->password_hash, sizeof(u->password_hash), rows, 2);
        u->role = role_parse(db_text(rows, 3));
        u->services = (uint32_t)db_int(rows, 4);
        u->disabled = db_int(rows, 5) != 0;
        u->mfa_enabled = db_int(rows, 6) != 0;
        copy_col(u->mfa_secret, sizeof(u->mfa_secret), rows, 7);
        rc = 0;
    }
    db_rows_free(rows);
    return rc;
}

typedef struct login_session_work {
    app_t *app;
    const login_user_t *user;
    int64_t totp_step; /* 0: no MFA step to record */
    bool replayed;
    char session_id[UUID_BUF_SIZE];
    char refresh[REFRESH_TOKEN_BUF];
} login_session_work_t;

static int login_session_in_tx(db_tx_t *tx, void *ctx)
{
    login_session_work_t *w = ctx;
    w->replayed = false;
    if (w->totp_step > 0) {
        /* Each code works once: only a step later than the last one used
         * advances the counter, atomically, even with two logins racing. */
        int64_t changed = 0;
        int rc = db_exec(tx,
                         "UPDATE users SET mfa_last_step = $3 WHERE tenant_id = $1 AND id = $2 "
                         "AND mfa_last_step < $3",
                         DB_ARGS(DB_TEXT(w->user->id), DB_INT(w->totp_step)), &changed);
        if (rc != 0)
            return rc;
        if (changed != 1) {
            w->replayed = true;
            return 0;
        }
    }
    return session_start(tx, w->app, w->user->id, w->session_id, w->refresh);
}

static int login_refused(app_t *app, const char *email, buffr_err_t *e)
{
    int rc = login_limit_hit(app, LOGIN_LIMIT_ACCOUNT, email, time_now());
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not sign in");
    return buffr_fail(e, BUFFR_EUNAUTH, NULL, "invalid email or password");
}

int identity_login(app_t *app, json_t *body, const char *client_ip, identity_tokens_t *out,
                   login_outcome_t *outcome, buffr_err_t *e)
{
    memset(outcome, 0, sizeof(*outcome));
    const char *email_in, *password, *code = NULL;
    bool has_code = false;
    int rc;
    if ((rc = jsonx_string(body, "email", true, 1, 254, &email_in, NULL, e)) != 0 ||
        (rc = jsonx_string(body, "password", true, 1, PASSWORD_MAX_BYTES, &password, NULL, e)) !=
            0 ||
        (rc = jsonx_string(body, "totp", false, 1, 16, &code, &has_code, e)) != 0)
        return rc;
    char email[256];
    if (identity_validate_email(email_in, email, sizeof(email), NULL) != 0)
        snprintf(email, sizeof(email), "%s", "");

    int64_t now = time_now();
    const char *ip = client_ip ? client_ip : "unknown";
    rc = login_limit_check(app, LOGIN_LIMIT_ADDRESS, ip, now, &outcome->retry_after);
    if (rc == 0)
        rc = login_limit_check(app, LOGIN_LIMIT_ACCOUNT, email, now, &outcome->retry_after);
    if (rc == 0)
        rc = login_limit_hit(app, LOGIN_LIMIT_ADDRESS, ip, now);
    if (rc == BUFFR_ERATELIMIT)
        return buffr_fail(e, rc, NULL, "too many login attempts; try again later");
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not sign in");
    if (email[0] == '\0') {
        password_burn(password);
        return buffr_fail(e, BUFFR_EUNAUTH, NULL, "invalid email or password");
    }

    login_user_t user = {.email = email};
    rc = db_transact(app->db, NULL, DB_READ, login_lookup, &user);
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not sign in");
    if (!user.found) {
        password_burn(password); /* same time as a wrong password */
        return login_refused(app, email, e);
    }
    bool ok = password_verify(user.password_hash, password);
    sodium_memzero(user.password_hash, sizeof(user.password_hash));
    if (!ok || user.disabled || user.role == ROLE_NONE)
        return login_refused(app, email, e);

    login_session_work_t w = {.app = app, .user = &user};
    if (user.mfa_enabled) {
        int code_rc = has_code ? identity_mfa_check_code(user.mfa_secret, code, now, &w.totp_step)
                               : BUFFR_EUNAUTH;
        sodium_memzero(user.mfa_secret, sizeof(user.mfa_secret));
        if (!has_code) {
            outcome->mfa_required = true;
            return buffr_fail(e, BUFFR_EUNAUTH, "totp", "a one-time code is required");
        }
        if (code_rc != 0) {
            outcome->mfa_required = true;
            if ((rc = login_limit_hit(app, LOGIN_LIMIT_ACCOUNT, email, now)) != 0)
                return buffr_fail(e, rc, NULL, "could not sign in");
            return buffr_fail(e, BUFFR_EUNAUTH, "totp", "the one-time code is not valid");
        }
    }
    rc = db_transact(app->db, user.tenant_id, DB_WRITE, login_session_in_tx, &w);
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not sign in");
    if (w.replayed) {
        outcome->mfa_required = true;
        return buffr_fail(e, BUFFR_EUNAUTH, "totp", "the one-time code has already been used");
    }
    /* Signed in: its failures no longer count (a failure to forget them
     * only leaves them to expire with their window). */
    login_limit_reset(app, LOGIN_LIMIT_ACCOUNT, email);
    memcpy(out->refresh_token, w.refresh, sizeof(out->refresh_token));
    rc = access_token_sign(app, user.id, user.tenant_id, w.session_id, user.role, user.services,
                           out);
    return rc == 0 ? 0 : buffr_fail(e, rc, NULL, "could not sign the token");
}

/* ---- refresh ---- */

typedef struct refresh_work {
    app_t *app;
    char hash[65];
    bool refused; /* unknown, expired, revoked or disabled */
    bool reused;  /* a rotated token came back: family revoked */
    char session_id[UUID_BUF_SIZE];
    char tenant_id[UUID_BUF_SIZE];
    char user_id[UUID_BUF_SIZE];
    role_t role;
    uint32_t services;
    char refresh[REFRESH_TOKEN_BUF];
} refresh_work_t;

static int refresh_in_tx(db_tx_t *tx, void *ctx)
{
    refresh_work_t *w = ctx;
    w->refused = w->reused = false;
    db_rows_t *rows;
    /* The token names no tenant, so the lookup is a system read. */
    int rc = db_query(tx,
                      "SELECT t.tenant_id, t.session_id, t.used_at, t.expires_at, s.revoked_at, "
                      "s.user_id, u.role, u.services, u.disabled "
                      "FROM refresh_tokens t "
                      "JOIN sessions s ON s.tenant_id = t.tenant_id AND s.id = t.session_id "
                      "JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id "
                      "WHERE t.token_hash = $1",
                      DB_ARGS(DB_TEXT(w->hash)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc <= 0) {
        db_rows_free(rows);
        w->refused = true;
        return rc;
    }
    int64_t now = time_now();
    copy_col(w->tenant_id, sizeof(w->tenant_id), rows, 0);
    copy_col(w->session_id, sizeof(w->session_id), rows, 1);
    bool used = !db_is_null(rows, 2);
    bool expired = db_int(rows, 3) <= now;
    bool revoked = !db_is_null(rows, 4);
    copy_col(w->user_id, sizeof(w->user_id), rows, 5);
    w->role = role_parse(db_text(rows, 6));
    w->services = (uint32_t)db_int(rows, 7);
    bool disabled = db_int(rows, 8) != 0;
    db_rows_free(rows);

    if (used && !revoked) {
        w->reused = true;
        log_warn("refresh token reused; revoking session %s of tenant %s", w->session_id,
                 w->tenant_id);
        return db_exec(tx,
                       "UPDATE sessions SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 "
                       "AND revoked_at IS NULL",
                       DB_ARGS(DB_INT(now), DB_TEXT(w->tenant_id), DB_TEXT(w->session_id)), NULL);
    }
    if (used || expired || revoked || disabled || w->role == ROLE_NONE) {
        w->refused = true;
        return 0;
    }
    /* Rotate: the old token is spent (only once, even under a race), a new
     * one joins the same family. */
    int64_t changed = 0;
    rc = db_exec(tx,
                 "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
                 DB_ARGS(DB_INT(now), DB_TEXT(w->hash)), &changed);
    if (rc != 0)
        return rc;
    if (changed != 1) {
        w->refused = true;
        return 0;
    }
    char hash[65];
    refresh_token_new(w->refresh, hash);
    return db_exec(
        tx,
        "INSERT INTO refresh_tokens (tenant_id, token_hash, session_id, created_at, "
        "expires_at) SELECT tenant_id, $1, id, $2, expires_at FROM sessions "
        "WHERE tenant_id = $3 AND id = $4",
        DB_ARGS(DB_TEXT(hash), DB_INT(now), DB_TEXT(w->tenant_id), DB_TEXT(w->session_id)), NULL);
}

int identity_refresh(app_t *app, json_t *body, identity_tokens_t *out, buffr_err_t *e)
{
    const char *token;
    int rc = jsonx_string(body, "refresh_token", true, 1, 256, &token, NULL, e);
    if (rc != 0)
        return rc;
    refresh_work_t w = {.app = app};
    refresh_token_hash(token, w.hash);
    rc = db_transact(app->db, NULL, DB_WRITE, refresh_in_tx, &w);
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not refresh the session");
    if (w.refused || w.reused)
        return buffr_fail(e, BUFFR_EUNAUTH, "refresh_token",
                          "the refresh token is not valid; sign in again");
    memcpy(out->refresh_token, w.refresh, sizeof(out->refresh_token));
    rc = access_token_sign(app, w.user_id, w.tenant_id, w.session_id, w.role, w.services, out);
    sodium_memzero(&w, sizeof(w));
    return rc == 0 ? 0 : buffr_fail(e, rc, NULL, "could not sign the token");
}

/* ---- logout ---- */

typedef struct logout_work {
    const char *session_id;
} logout_work_t;

static int logout_in_tx(db_tx_t *tx, void *ctx)
{
    logout_work_t *w = ctx;
    return db_exec(tx,
                   "UPDATE sessions SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 "
                   "AND revoked_at IS NULL",
                   DB_ARGS(DB_TEXT(w->session_id), DB_INT(time_now())), NULL);
}

int identity_logout(app_t *app, const principal_t *who)
{
    logout_work_t w = {.session_id = who->session_id};
    return db_transact(app->db, who->tenant_id, DB_WRITE, logout_in_tx, &w);
}

/* ---- per-request token check ---- */

typedef struct authn_work {
    principal_t *who;
    bool valid;
} authn_work_t;

static int authenticate_in_tx(db_tx_t *tx, void *ctx)
{
    authn_work_t *w = ctx;
    db_rows_t *rows;
    int rc =
        db_query(tx,
                 "SELECT u.role, u.services, u.disabled, s.revoked_at, s.expires_at "
                 "FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id "
                 "WHERE s.tenant_id = $1 AND s.id = $2 AND u.id = $3",
                 DB_ARGS(DB_TEXT(w->who->session_id), DB_TEXT(w->who->user_id)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        w->who->role = role_parse(db_text(rows, 0));
        w->who->services = (uint32_t)db_int(rows, 1);
        w->valid = db_int(rows, 2) == 0 && db_is_null(rows, 3) && db_int(rows, 4) > time_now() &&
                   w->who->role != ROLE_NONE;
        rc = 0;
    }
    db_rows_free(rows);
    return rc;
}

static int claim_uuid(json_t *claims, const char *name, char out[UUID_BUF_SIZE])
{
    json_t *v = json_object_get(claims, name);
    if (!json_is_string(v))
        return -1;
    return uuid_normalize(json_string_value(v), out);
}

/* Verified tokens, so that a client's every request does not pay for the
 * HMAC and two JSON parses again. An entry holds what verifying gave (the
 * ids of the claims and exp), keyed by a hash of the token keyed with the
 * signing key (BLAKE2b: a fifth of SHA-256's cost here), so no bearer token
 * is kept in memory and a token verified under one key is never taken for
 * valid under another. A token that
 * verified at some time stays valid until its exp (nbf and iat only get
 * further behind), so exp is checked again on every hit. Only the
 * signature check is cached: the session and user are still read on every
 * request, so a revocation takes effect at once. Direct-mapped: a
 * collision just evicts. */
#define AUTHN_CACHE_SLOTS   1024 /* a power of two */
#define AUTHN_CACHE_STRIPES 16   /* locks, so threads rarely wait */

typedef struct authn_cached {
    unsigned char digest[crypto_generichash_BYTES];
    bool used;
    int64_t exp, verified_at;
    char user_id[UUID_BUF_SIZE], tenant_id[UUID_BUF_SIZE], session_id[UUID_BUF_SIZE];
} authn_cached_t;

static authn_cached_t authn_cache[AUTHN_CACHE_SLOTS];
static pthread_mutex_t authn_cache_locks[AUTHN_CACHE_STRIPES] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER};

/* The slot of bearer's digest, or -1 when it cannot be cached (a key
 * outside BLAKE2b's key lengths). */
static long authn_cache_digest(const app_t *app, const char *bearer,
                               unsigned char digest[crypto_generichash_BYTES])
{
    if (app->jwt_key_len < crypto_generichash_KEYBYTES_MIN ||
        app->jwt_key_len > crypto_generichash_KEYBYTES_MAX ||
        crypto_generichash(digest, crypto_generichash_BYTES, (const unsigned char *)bearer,
                           strlen(bearer), app->jwt_key, app->jwt_key_len) != 0)
        return -1;
    size_t slot;
    memcpy(&slot, digest, sizeof(slot));
    return (long)(slot & (AUTHN_CACHE_SLOTS - 1));
}

/* Fill who's ids from a valid cached entry; false when there is none. */
static bool authn_cache_get(size_t slot, const unsigned char *digest, int64_t now, principal_t *who)
{
    pthread_mutex_t *lock = &authn_cache_locks[slot % AUTHN_CACHE_STRIPES];
    pthread_mutex_lock(lock);
    const authn_cached_t *c = &authn_cache[slot];
    bool hit = c->used && now < c->exp && now >= c->verified_at &&
               sodium_memcmp(c->digest, digest, crypto_generichash_BYTES) == 0;
    if (hit) {
        memcpy(who->user_id, c->user_id, sizeof(who->user_id));
        memcpy(who->tenant_id, c->tenant_id, sizeof(who->tenant_id));
        memcpy(who->session_id, c->session_id, sizeof(who->session_id));
    }
    pthread_mutex_unlock(lock);
    return hit;
}

static void authn_cache_put(size_t slot, const unsigned char *digest, int64_t now, int64_t exp,
                            const principal_t *who)
{
    pthread_mutex_t *lock = &authn_cache_locks[slot % AUTHN_CACHE_STRIPES];
    pthread_mutex_lock(lock);
    authn_cached_t *c = &authn_cache[slot];
    memcpy(c->digest, digest, crypto_generichash_BYTES);
    c->exp = exp;
    c->verified_at = now;
    memcpy(c->user_id, who->user_id, sizeof(c->user_id));
    memcpy(c->tenant_id, who->tenant_id, sizeof(c->tenant_id));
    memcpy(c->session_id, who->session_id, sizeof(c->session_id));
    c->used = true;
    pthread_mutex_unlock(lock);
}

/* Verify the token itself (signature, times, ids), through the cache. */
static int authn_token_check(app_t *app, const char *bearer, principal_t *who)
{
    int64_t now = time_now();
    unsigned char digest[crypto_generichash_BYTES];
    long slot = authn_cache_digest(app, bearer, digest);
    if (slot >= 0 && authn_cache_get((size_t)slot, digest, now, who))
        return 0;
    json_t *claims = NULL;
    if (jwt_verify(bearer, app->jwt_key, app->jwt_key_len, now, &claims) != 0)
        return BUFFR_EUNAUTH;
    int bad = claim_uuid(claims, "sub", who->user_id) |
              claim_uuid(claims, "tenant_id", who->tenant_id) |
              claim_uuid(claims, "sid", who->session_id);
    /* jwt_verify has checked that exp is an integer. */
    int64_t exp = (int64_t)json_integer_value(json_object_get(claims, "exp"));
    json_decref(claims);
    if (bad)
        return BUFFR_EUNAUTH;
    if (slot >= 0)
        authn_cache_put((size_t)slot, digest, now, exp, who);
    return 0;
}

int identity_authenticate(app_t *app, const char *bearer, principal_t *who)
{
    memset(who, 0, sizeof(*who));
    if (bearer == NULL || authn_token_check(app, bearer, who) != 0)
        return BUFFR_EUNAUTH;
    /* Role and services come from the database, not the token, so a change
     * or a disabled account takes effect on the next request. */
    authn_work_t w = {.who = who};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, authenticate_in_tx, &w);
    if (rc != 0)
        return rc; /* the database failed, not the token: a 5xx, not a 401 */
    return w.valid ? 0 : BUFFR_EUNAUTH;
}
