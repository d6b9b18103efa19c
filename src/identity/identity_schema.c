/*
 * identity_schema.c - the tables of tenants, users, sessions and refresh
 * tokens, and the platform's own settings (the token signing key).
 *
 * Every row of tenant data carries tenant_id; child tables reference their
 * parent through (tenant_id, id) so a row can never point into another
 * tenant. Emails are unique across the platform because login names no
 * tenant.
 */
#include "identity/identity.h"

static const char identity_v1_sql[] =
    "CREATE TABLE platform_settings ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ");"
    "CREATE TABLE tenants ("
    "  tenant_id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1"
    ");"
    "CREATE TABLE users ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,"
    "  email TEXT NOT NULL UNIQUE,"
    "  full_name TEXT NOT NULL,"
    "  password_hash TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('owner','manager','service_manager','staff','guest')),"
    "  services BIGINT NOT NULL DEFAULT 0,"
    "  disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),"
    "  mfa_enabled BIGINT NOT NULL DEFAULT 0 CHECK (mfa_enabled IN (0,1)),"
    "  mfa_secret TEXT,"
    "  mfa_pending_secret TEXT,"
    "  mfa_last_step BIGINT NOT NULL DEFAULT 0,"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (tenant_id, id)"
    ");"
    "CREATE INDEX users_tenant ON users (tenant_id, id);"
    "CREATE TABLE sessions ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL,"
    "  revoked_at BIGINT,"
    "  UNIQUE (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE"
    ");"
    "CREATE INDEX sessions_user ON sessions (tenant_id, user_id);"
    "CREATE TABLE refresh_tokens ("
    "  token_hash TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  session_id TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL,"
    "  used_at BIGINT,"
    "  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE"
    ");"
    "CREATE INDEX refresh_tokens_session ON refresh_tokens (tenant_id, session_id);";

const db_migration_t identity_migrations[] = {
    {.version = 2026112101,
     .name = "identity: tenants, users, sessions, refresh tokens",
     .sql = identity_v1_sql,
     .tenant_tables = "tenants,users,sessions,refresh_tokens"},
    /* UNIQUE (tenant_id, id) already indexes those columns. */
    {.version = 2026112104,
     .name = "identity: drop the index that repeats users' unique key",
     .sql = "DROP INDEX IF EXISTS users_tenant;"},
    /* Not a tenant table: an address or an email is counted whatever the
     * tenant, and read before anyone is known (login_limits.c). */
    {.version = 2026112105,
     .name = "identity: sign-in attempt counts shared by every instance",
     .sql = "CREATE TABLE login_attempts ("
            "  key_hash TEXT PRIMARY KEY,"
            "  window_start BIGINT NOT NULL,"
            "  attempts BIGINT NOT NULL CHECK (attempts >= 1)"
            ");"
            "CREATE INDEX login_attempts_window ON login_attempts (window_start);"},
};
const size_t identity_migrations_count =
    sizeof(identity_migrations) / sizeof(identity_migrations[0]);
