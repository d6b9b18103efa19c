/*
 * mfa.c - TOTP multi-factor sign-in for a user: enrol (a pending secret and
 * the otpauth URI an authenticator app scans), confirm with a first code,
 * disable with the password and a code. Every accepted code advances the
 * user's last used time step, so a code works once.
 */
#include "identity/identity.h"
#include "identity/login_limits.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/totp.h"
#include "core/jsonx.h"
#include "core/timeutil.h"

typedef struct mfa_state {
    const char *user_id;
    char email[256];
    char password_hash[PASSWORD_HASH_BYTES];
    char secret[64];
    char pending[64];
    bool enabled;
    int64_t last_step;
} mfa_state_t;

static int mfa_read(db_tx_t *tx, mfa_state_t *s)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT email, password_hash, mfa_enabled, mfa_secret, mfa_pending_secret, "
                      "mfa_last_step FROM users WHERE tenant_id = $1 AND id = $2",
                      DB_ARGS(DB_TEXT(s->user_id)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        snprintf(s->email, sizeof(s->email), "%s", db_text(rows, 0));
        snprintf(s->password_hash, sizeof(s->password_hash), "%s", db_text(rows, 1));
        s->enabled = db_int(rows, 2) != 0;
        snprintf(s->secret, sizeof(s->secret), "%s", db_text(rows, 3) ? db_text(rows, 3) : "");
        snprintf(s->pending, sizeof(s->pending), "%s", db_text(rows, 4) ? db_text(rows, 4) : "");
        s->last_step = db_int(rows, 5);
        rc = 0;
    } else if (rc == 0) {
        rc = BUFFR_ENOTFOUND;
    }
    db_rows_free(rows);
    return rc;
}

static int mfa_read_in_tx(db_tx_t *tx, void *ctx)
{
    return mfa_read(tx, ctx);
}

int identity_mfa_check_code(const char *b32_secret, const char *code, int64_t now, int64_t *step)
{
    unsigned char secret[64];
    size_t len = sizeof(secret);
    int rc = totp_secret_decode(b32_secret, secret, &len);
    if (rc == 0)
        rc = totp_verify(secret, len, code, now, step);
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

/* ---- enrol ---- */

typedef struct enroll_work {
    mfa_state_t state;
    const char *new_secret;
    buffr_err_t *e;
} enroll_work_t;

static int enroll_in_tx(db_tx_t *tx, void *ctx)
{
    enroll_work_t *w = ctx;
    int rc = mfa_read(tx, &w->state);
    if (rc != 0)
        return rc;
    if (w->state.enabled)
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL,
                          "two-factor sign-in is already on; disable it first");
    return db_exec(tx,
                   "UPDATE users SET mfa_pending_secret = $3, updated_at = $4 "
                   "WHERE tenant_id = $1 AND id = $2",
                   DB_ARGS(DB_TEXT(w->state.user_id), DB_TEXT(w->new_secret), DB_INT(time_now())),
                   NULL);
}

int identity_mfa_enroll(app_t *app, const principal_t *who, json_t **out, buffr_err_t *e)
{
    unsigned char raw[TOTP_SECRET_BYTES];
    char b32[64];
    int rc = totp_secret_new(raw, b32, sizeof(b32));
    sodium_memzero(raw, sizeof(raw));
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not start enrolment");
    enroll_work_t w = {.state = {.user_id = who->user_id}, .new_secret = b32, .e = e};
    e->code = 0;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, enroll_in_tx, &w);
    if (rc != 0)
        return e->code == rc ? rc : buffr_fail(e, rc, NULL, "could not start enrolment");
    char *uri = totp_uri("Buffr Host", w.state.email, b32);
    if (uri == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    *out = json_pack("{s:s, s:s}", "secret", b32, "otpauth_uri", uri);
    free(uri);
    sodium_memzero(b32, sizeof(b32));
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

/* ---- confirm ---- */

typedef struct confirm_work {
    mfa_state_t state;
    const char *code;
    buffr_err_t *e;
} confirm_work_t;

static int confirm_in_tx(db_tx_t *tx, void *ctx)
{
    confirm_work_t *w = ctx;
    int rc = mfa_read(tx, &w->state);
    if (rc != 0)
        return rc;
    if (w->state.enabled)
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL, "two-factor sign-in is already on");
    if (w->state.pending[0] == '\0')
        return buffr_fail(w->e, BUFFR_ECONFLICT, NULL, "start with POST /api/v1/auth/mfa/enroll");
    int64_t step = 0;
    if (identity_mfa_check_code(w->state.pending, w->code, time_now(), &step) != 0 ||
        step <= w->state.last_step)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "totp", "the one-time code is not valid");
    return db_exec(tx,
                   "UPDATE users SET mfa_enabled = 1, mfa_secret = mfa_pending_secret, "
                   "mfa_pending_secret = NULL, mfa_last_step = $3, updated_at = $4, "
                   "version = version + 1 WHERE tenant_id = $1 AND id = $2",
                   DB_ARGS(DB_TEXT(w->state.user_id), DB_INT(step), DB_INT(time_now())), NULL);
}

int identity_mfa_confirm(app_t *app, const principal_t *who, json_t *body, json_t **out,
                         buffr_err_t *e)
{
    const char *code;
    int rc = jsonx_string(body, "totp", true, 1, 16, &code, NULL, e);
    if (rc != 0)
        return rc;
    confirm_work_t w = {.state = {.user_id = who->user_id}, .code = code, .e = e};
    e->code = 0;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, confirm_in_tx, &w);
    sodium_memzero(&w.state, sizeof(w.state));
    if (rc != 0)
        return e->code == rc ? rc : buffr_fail(e, rc, NULL, "could not confirm");
    *out = json_pack("{s:b}", "mfa_enabled", 1);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}

/* ---- disable ---- */

typedef struct disable_work {
    mfa_state_t state;
    int64_t step;
    buffr_err_t *e;
} disable_work_t;

static int disable_in_tx(db_tx_t *tx, void *ctx)
{
    disable_work_t *w = ctx;
    int64_t changed = 0;
    /* The step check inside the UPDATE keeps a code single-use even if two
     * requests race. */
    int rc =
        db_exec(tx,
                "UPDATE users SET mfa_enabled = 0, mfa_secret = NULL, "
                "mfa_pending_secret = NULL, mfa_last_step = $3, updated_at = $4, "
                "version = version + 1 "
                "WHERE tenant_id = $1 AND id = $2 AND mfa_enabled = 1 AND mfa_last_step < $3",
                DB_ARGS(DB_TEXT(w->state.user_id), DB_INT(w->step), DB_INT(time_now())), &changed);
    if (rc != 0)
        return rc;
    if (changed != 1)
        return buffr_fail(w->e, BUFFR_EVALIDATION, "totp", "the one-time code is not valid");
    return 0;
}

int identity_mfa_disable(app_t *app, const principal_t *who, json_t *body, json_t **out,
                         int *retry_after, buffr_err_t *e)
{
    *retry_after = 0;
    const char *password, *code;
    int rc;
    if ((rc = jsonx_string(body, "password", true, 1, PASSWORD_MAX_BYTES, &password, NULL, e)) !=
            0 ||
        (rc = jsonx_string(body, "totp", true, 1, 16, &code, NULL, e)) != 0)
        return rc;
    mfa_state_t state = {.user_id = who->user_id};
    rc = db_transact(app->db, who->tenant_id, DB_READ, mfa_read_in_tx, &state);
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not read the account");
    if (!state.enabled) {
        sodium_memzero(&state, sizeof(state));
        return buffr_fail(e, BUFFR_ECONFLICT, NULL, "two-factor sign-in is not on");
    }
    /* A stolen access token must not become an unlimited password oracle:
     * the same per-account limit as login (keyed by the stored, normalised
     * email). */
    int64_t now = time_now();
    rc = login_limit_check(app, LOGIN_LIMIT_ACCOUNT, state.email, now, retry_after);
    if (rc != 0) {
        sodium_memzero(&state, sizeof(state));
        if (rc == BUFFR_ERATELIMIT)
            return buffr_fail(e, rc, NULL, "too many failed attempts; try again later");
        return buffr_fail(e, rc, NULL, "could not check the account's attempts");
    }
    /* Slow hash outside any transaction. */
    bool ok = password_verify(state.password_hash, password);
    int64_t step = 0;
    int code_rc = identity_mfa_check_code(state.secret, code, now, &step);
    if (!ok || code_rc != 0)
        rc = login_limit_hit(app, LOGIN_LIMIT_ACCOUNT, state.email, now);
    sodium_memzero(&state, sizeof(state));
    if (rc != 0)
        return buffr_fail(e, rc, NULL, "could not count the failed attempt");
    if (!ok)
        return buffr_fail(e, BUFFR_EVALIDATION, "password", "the password is not right");
    if (code_rc != 0)
        return buffr_fail(e, BUFFR_EVALIDATION, "totp", "the one-time code is not valid");
    disable_work_t w = {.state = {.user_id = who->user_id}, .step = step, .e = e};
    e->code = 0;
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, disable_in_tx, &w);
    if (rc != 0)
        return e->code == rc ? rc : buffr_fail(e, rc, NULL, "could not disable");
    *out = json_pack("{s:b}", "mfa_enabled", 0);
    return *out ? 0 : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
}
