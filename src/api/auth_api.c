/* auth_api.c - /api/v1/auth/... and /api/v1/me. */
#include "api/api.h"

#include <stdio.h>

#include "identity/identity.h"

void api_reply(req_t *r, int rc, const buffr_err_t *e, int status, json_t *body)
{
    if (rc != 0) {
        json_decref(body);
        reply_err(r, e);
        return;
    }
    if (body == NULL && status != 204) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return;
    }
    reply_json(r, status, body);
}

int api_authenticate(struct app *app, const char *bearer, principal_t *out)
{
    return identity_authenticate(app, bearer, out);
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
        char seconds[16];
        snprintf(seconds, sizeof(seconds), "%d", outcome.retry_after > 0 ? outcome.retry_after : 1);
        reply_header(r, "Retry-After", seconds);
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
    int rc = identity_mfa_disable(req_app(r), req_principal(r), req_json(r), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

void api_me(req_t *r)
{
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = identity_me(req_app(r), req_principal(r), &out, &e);
    api_reply(r, rc, &e, 200, out);
}
