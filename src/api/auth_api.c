/* auth_api.c - /api/v1/auth/... and /api/v1/me. */
#include "api/api.h"
#include "api/schema.h"

#include <stdio.h>

#include "identity/identity.h"

int api_authenticate(struct app *app, const char *bearer, principal_t *out)
{
    return identity_authenticate(app, bearer, out);
}

/* The Retry-After header of a 429 (at least one second). */
static void reply_retry_after(req_t *r, int seconds)
{
    char text[16];
    snprintf(text, sizeof(text), "%d", seconds > 0 ? seconds : 1);
    reply_header(r, "Retry-After", text);
}

static void reply_tokens(req_t *r, int rc, const buffr_err_t *e, identity_tokens_t *t, int status,
                         bool with_ids)
{
    json_t *body = rc == 0 ? identity_tokens_json(t, with_ids) : NULL;
    identity_tokens_clear(t);
    api_reply(r, rc, e, status, body);
}

void api_auth_register(req_t *r)
{
    identity_tokens_t t = {0};
    buffr_err_t e = {0};
    int rc = identity_register(req_app(r), req_json(r), &t, &e);
    reply_tokens(r, rc, &e, &t, 201, true);
}

void api_auth_login(req_t *r)
{
    identity_tokens_t t = {0};
    buffr_err_t e = {0};
    login_outcome_t outcome;
    int rc = identity_login(req_app(r), req_json(r), req_client_ip(r), &t, &outcome, &e);
    if (rc == BUFFR_ERATELIMIT) {
        reply_retry_after(r, outcome.retry_after);
    } else if (rc == BUFFR_EUNAUTH && outcome.mfa_required) {
        /* The client needs to know a code is what is missing. */
        identity_tokens_clear(&t);
        reply_json(r, 401,
                   json_pack("{s:{s:s, s:s, s:{s:s, s:b}}}", "error", "code", "UNAUTHENTICATED",
                             "message", e.message, "details", "field", "totp", "mfa_required", 1));
        return;
    }
    reply_tokens(r, rc, &e, &t, 200, false);
}

void api_auth_refresh(req_t *r)
{
    identity_tokens_t t = {0};
    buffr_err_t e = {0};
    int rc = identity_refresh(req_app(r), req_json(r), &t, &e);
    reply_tokens(r, rc, &e, &t, 200, false);
}

void api_auth_logout(req_t *r)
{
    int rc = identity_logout(req_app(r), req_principal(r));
    if (rc != 0) {
        reply_error(r, rc, NULL, "could not sign out");
        return;
    }
    reply_json(r, 204, NULL);
}

void api_auth_mfa_enroll(req_t *r)
{
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = identity_mfa_enroll(req_app(r), req_principal(r), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void api_auth_mfa_confirm(req_t *r)
{
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = identity_mfa_confirm(req_app(r), req_principal(r), req_json(r), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void api_auth_mfa_disable(req_t *r)
{
    json_t *out = NULL;
    buffr_err_t e = {0};
    int retry_after = 0;
    int rc =
        identity_mfa_disable(req_app(r), req_principal(r), req_json(r), &out, &retry_after, &e);
    if (rc == BUFFR_ERATELIMIT)
        reply_retry_after(r, retry_after);
    api_reply(r, rc, &e, 200, out);
}

void api_me(req_t *r)
{
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = identity_me(req_app(r), req_principal(r), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

/* ---- routes ---- */

static const char register_body[] =
    OBJ("\"tenant_name\":" S_STR ",\"email\":{\"type\":\"string\",\"format\":\"email\"},"
        "\"password\":{\"type\":\"string\",\"minLength\":12,\"maxLength\":1024},"
        "\"full_name\":" S_STR,
        "\"tenant_name\",\"email\",\"password\",\"full_name\"");
static const char login_body[] =
    OBJ("\"email\":" S_STR ",\"password\":" S_STR ",\"totp\":{\"type\":\"string\","
        "\"pattern\":\"^[0-9]{6}$\"}",
        "\"email\",\"password\"");
static const char tokens_answer[] =
    OBJ("\"access_token\":" S_STR ",\"refresh_token\":" S_STR ",\"token_type\":{\"const\":"
        "\"Bearer\"},\"expires_in\":" S_INT ",\"user_id\":" S_UUID ",\"tenant_id\":" S_UUID,
        "\"access_token\",\"refresh_token\",\"token_type\",\"expires_in\"");
static const char refresh_body[] = OBJ("\"refresh_token\":" S_STR, "\"refresh_token\"");
static const char totp_body[] = OBJ("\"totp\":" S_STR, "\"totp\"");
static const char mfa_disable_body[] =
    OBJ("\"password\":" S_STR ",\"totp\":" S_STR, "\"password\",\"totp\"");
static const char mfa_enroll_answer[] =
    OBJ("\"secret\":" S_STR ",\"otpauth_uri\":" S_STR, "\"secret\",\"otpauth_uri\"");
static const char mfa_state_answer[] = OBJ("\"mfa_enabled\":" S_BOOL, "\"mfa_enabled\"");
static const char me_answer[] =
    OBJ(USER_PROPS ",\"tenant\":" OBJ("\"id\":" S_UUID ",\"name\":" S_STR, "\"id\",\"name\""),
        "\"id\",\"email\",\"role\",\"tenant\"");

const route_t auth_routes[] = {
    {"POST", "/api/v1/auth/register", api_auth_register, PERM_PUBLIC,
     "Create a tenant and its owner; answers the owner's tokens", "auth", JSON, register_body,
     tokens_answer, 201},
    {"POST", "/api/v1/auth/login", api_auth_login, PERM_PUBLIC,
     "Sign in with email, password and (when on) a one-time code", "auth", JSON, login_body,
     tokens_answer, 200},
    {"POST", "/api/v1/auth/refresh", api_auth_refresh, PERM_PUBLIC,
     "Trade a refresh token for new tokens (the old one stops working)", "auth", JSON, refresh_body,
     tokens_answer, 200},
    {"POST", "/api/v1/auth/logout", api_auth_logout, PERM_ANY_USER,
     "End the session: its access and refresh tokens stop working", "auth", 0, NULL, NULL, 204},
    {"POST", "/api/v1/auth/mfa/enroll", api_auth_mfa_enroll, PERM_ANY_USER,
     "Start two-factor sign-in: a TOTP secret and its otpauth URI", "auth", 0, NULL,
     mfa_enroll_answer, 200},
    {"POST", "/api/v1/auth/mfa/confirm", api_auth_mfa_confirm, PERM_ANY_USER,
     "Turn two-factor sign-in on with a first code", "auth", JSON, totp_body, mfa_state_answer,
     200},
    {"POST", "/api/v1/auth/mfa/disable", api_auth_mfa_disable, PERM_ANY_USER,
     "Turn two-factor sign-in off (password and a code)", "auth", JSON, mfa_disable_body,
     mfa_state_answer, 200},
    {"GET", "/api/v1/me", api_me, PERM_ANY_USER, "The signed-in user, its role and tenant", "auth",
     0, NULL, me_answer, 200},
};
const size_t auth_routes_count = sizeof(auth_routes) / sizeof(auth_routes[0]);
