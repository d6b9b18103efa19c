/*
 * identity.h - tenants, users, sessions, tokens and multi-factor sign-in.
 *
 * The identity module owns who may do what in which tenant: registration of
 * a business and its owner, login (password, then TOTP when enabled),
 * refresh-token rotation with reuse detection, logout, the per-request check
 * of an access token against the database, and user management. It knows no
 * HTTP: the api/ layer parses requests and renders what these functions
 * return.
 */
#ifndef BUFFR_IDENTITY_IDENTITY_H
#define BUFFR_IDENTITY_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>

#include "app.h"
#include "core/error.h"
#include "db/migrate.h"
#include "http/rbac.h"

extern const db_migration_t identity_migrations[];
extern const size_t identity_migrations_count;

#define REFRESH_TOKEN_BUF 64

/* What a successful register, login or refresh hands back. */
typedef struct identity_tokens {
    char *access_token; /* caller frees with identity_tokens_clear */
    char refresh_token[REFRESH_TOKEN_BUF];
    int expires_in;
    char user_id[UUID_BUF_SIZE];
    char tenant_id[UUID_BUF_SIZE];
} identity_tokens_t;

void identity_tokens_clear(identity_tokens_t *t);
/* {"access_token","refresh_token","token_type","expires_in"} (+ ids when with_ids). */
json_t *identity_tokens_json(const identity_tokens_t *t, bool with_ids);

/* Load BUFFR_JWT_SECRET, or the key kept in the database, or make and keep
 * one. */
int identity_load_signing_key(app_t *app);

/* POST /auth/register: {"tenant_name","email","password","full_name"}. */
int identity_register(app_t *app, json_t *body, identity_tokens_t *out, buffr_err_t *e);

/* Create a tenant and its owner without tokens (operator CLI, demo data). */
int identity_create_tenant_owner(app_t *app, const char *tenant_name, const char *email,
                                 const char *password, const char *full_name,
                                 char tenant_id[UUID_BUF_SIZE], char user_id[UUID_BUF_SIZE],
                                 buffr_err_t *e);

/* Why a login failed beyond "bad credentials". */
typedef struct login_outcome {
    bool mfa_required; /* password right, TOTP code missing or wrong */
    int retry_after;   /* seconds, when BUFFR_ERATELIMIT */
} login_outcome_t;

/* POST /auth/login: {"email","password","totp"?}. */
int identity_login(app_t *app, json_t *body, const char *client_ip, identity_tokens_t *out,
                   login_outcome_t *outcome, buffr_err_t *e);

/* POST /auth/refresh: {"refresh_token"}. */
int identity_refresh(app_t *app, json_t *body, identity_tokens_t *out, buffr_err_t *e);

/* POST /auth/logout: revoke the caller's session. */
int identity_logout(app_t *app, const principal_t *who);

/* Check a bearer token and fill *who from the database (role, services,
 * disabled, session revoked). 0 or BUFFR_EUNAUTH. */
int identity_authenticate(app_t *app, const char *bearer, principal_t *who);

/* GET /me. */
int identity_me(app_t *app, const principal_t *who, json_t **out, buffr_err_t *e);

/* MFA: enrol (pending secret + otpauth URI), confirm with a code, disable
 * with password and code. Disabling checks the password, so its failures
 * count against the account's login limit like failed logins do
 * (BUFFR_ERATELIMIT with *retry_after seconds once it is reached). */
int identity_mfa_enroll(app_t *app, const principal_t *who, json_t **out, buffr_err_t *e);
int identity_mfa_confirm(app_t *app, const principal_t *who, json_t *body, json_t **out,
                         buffr_err_t *e);
int identity_mfa_disable(app_t *app, const principal_t *who, json_t *body, json_t **out,
                         int *retry_after, buffr_err_t *e);
/* Check a six-digit code against a stored base32 secret at time now: 0
 * with the matched time step, else non-zero. */
int identity_mfa_check_code(const char *b32_secret, const char *code, int64_t now, int64_t *step);

/* User management (owner and manager; rules on who may change whom here). */
int users_create(app_t *app, const principal_t *who, json_t *body, json_t **out, buffr_err_t *e);
int users_list(app_t *app, const principal_t *who, int limit, const char *cursor, json_t **out,
               buffr_err_t *e);
int users_get(app_t *app, const principal_t *who, const char *user_id, json_t **out,
              buffr_err_t *e);
int users_update(app_t *app, const principal_t *who, const char *user_id, json_t *body,
                 int64_t if_match, json_t **out, buffr_err_t *e);

/* Shared by the module's files. */
int identity_validate_email(const char *email, char *normalised, size_t len, buffr_err_t *e);
int identity_parse_permissions(json_t *body, uint32_t *services, bool *present, buffr_err_t *e);
json_t *identity_permissions_json(uint32_t services);

#endif
