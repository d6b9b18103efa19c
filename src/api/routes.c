/*
 * routes.c - every endpoint of the server, once: method, path, handler,
 * who may call it, a summary and the shapes of its body and answer. The
 * router, the permission check and /api/v1/openapi.json are all driven by
 * this table; adding an endpoint is adding a line here.
 */
#include "api/api.h"

/* ---- JSON Schemas of bodies, for the OpenAPI document ---- */

#define S_STR "{\"type\":\"string\"}"
#define S_INT "{\"type\":\"integer\"}"
#define S_BOOL "{\"type\":\"boolean\"}"
#define S_UUID "{\"type\":\"string\",\"format\":\"uuid\"}"
#define S_TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define S_PERMS                                                                                    \
    "{\"type\":\"array\",\"items\":{\"enum\":[\"hotel\",\"restaurant\",\"spa\",\"conference\","   \
    "\"transport\",\"inventory\"]}}"
#define S_ROLE "{\"enum\":[\"owner\",\"manager\",\"service_manager\",\"staff\",\"guest\"]}"
#define S_PTYPE "{\"enum\":[\"hotel\",\"restaurant\",\"spa\",\"conference\",\"transport\",\"resort\"]}"

#define OBJ(props, required)                                                                       \
    "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" required "]}"

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

#define USER_PROPS                                                                                 \
    "\"id\":" S_UUID ",\"email\":" S_STR ",\"full_name\":" S_STR ",\"role\":" S_ROLE              \
    ",\"permissions\":" S_PERMS ",\"disabled\":" S_BOOL ",\"mfa_enabled\":" S_BOOL                \
    ",\"created_at\":" S_TIME ",\"updated_at\":" S_TIME ",\"version\":" S_INT
static const char user_answer[] = OBJ(USER_PROPS, "\"id\",\"email\",\"role\",\"version\"");
static const char me_answer[] =
    OBJ(USER_PROPS ",\"tenant\":" OBJ("\"id\":" S_UUID ",\"name\":" S_STR, "\"id\",\"name\""),
        "\"id\",\"email\",\"role\",\"tenant\"");
static const char users_answer[] =
    OBJ("\"data\":{\"type\":\"array\",\"items\":" OBJ(USER_PROPS, "\"id\"") "},"
        "\"next_cursor\":{\"type\":[\"string\",\"null\"]}",
        "\"data\",\"next_cursor\"");
static const char user_create_body[] =
    OBJ("\"email\":" S_STR ",\"full_name\":" S_STR ",\"password\":" S_STR ",\"role\":" S_ROLE
        ",\"permissions\":" S_PERMS,
        "\"email\",\"full_name\",\"password\",\"role\"");
static const char user_update_body[] =
    OBJ("\"role\":" S_ROLE ",\"permissions\":" S_PERMS ",\"disabled\":" S_BOOL
        ",\"full_name\":" S_STR,
        "");

#define PROPERTY_PROPS                                                                             \
    "\"id\":" S_UUID ",\"name\":" S_STR ",\"type\":" S_PTYPE ",\"timezone\":" S_STR               \
    ",\"currency\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"},\"created_at\":" S_TIME       \
    ",\"updated_at\":" S_TIME ",\"version\":" S_INT
static const char property_answer[] =
    OBJ(PROPERTY_PROPS, "\"id\",\"name\",\"type\",\"timezone\",\"currency\",\"version\"");
static const char properties_answer[] =
    OBJ("\"data\":{\"type\":\"array\",\"items\":" OBJ(PROPERTY_PROPS, "\"id\"") "},"
        "\"next_cursor\":{\"type\":[\"string\",\"null\"]}",
        "\"data\",\"next_cursor\"");
static const char property_create_body[] =
    OBJ("\"name\":" S_STR ",\"type\":" S_PTYPE ",\"timezone\":" S_STR ",\"currency\":" S_STR,
        "\"name\",\"type\",\"timezone\",\"currency\"");
static const char property_update_body[] =
    OBJ("\"name\":" S_STR ",\"type\":" S_PTYPE ",\"timezone\":" S_STR ",\"currency\":" S_STR, "");
static const char health_answer[] =
    OBJ("\"status\":{\"enum\":[\"ok\",\"degraded\"]},\"database\":" S_STR ",\"backend\":" S_STR
        ",\"version\":" S_STR,
        "\"status\",\"database\"");

#define JSON ROUTE_JSON_BODY

const route_t api_routes[] = {
    /* operations */
    {"GET", "/health", api_health, PERM_PUBLIC, "Liveness and database check", "operations", 0,
     NULL, health_answer, 200},
    {"GET", "/metrics", api_metrics, PERM_PUBLIC, "Prometheus metrics", "operations", ROUTE_RAW,
     NULL, NULL, 200},
    {"GET", "/api/v1/openapi.json", api_openapi, PERM_PUBLIC, "This OpenAPI document",
     "operations", 0, NULL, NULL, 200},

    /* authentication */
    {"POST", "/api/v1/auth/register", api_auth_register, PERM_PUBLIC,
     "Create a tenant and its owner; answers the owner's tokens", "auth", JSON, register_body,
     tokens_answer, 201},
    {"POST", "/api/v1/auth/login", api_auth_login, PERM_PUBLIC,
     "Sign in with email, password and (when on) a one-time code", "auth", JSON, login_body,
     tokens_answer, 200},
    {"POST", "/api/v1/auth/refresh", api_auth_refresh, PERM_PUBLIC,
     "Trade a refresh token for new tokens (the old one stops working)", "auth", JSON,
     refresh_body, tokens_answer, 200},
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

    /* users */
    {"POST", "/api/v1/users", api_users_create, PERM_MANAGER, "Create a user in the tenant",
     "users", JSON, user_create_body, user_answer, 201},
    {"GET", "/api/v1/users", api_users_list, PERM_MANAGER, "List the tenant's users", "users", 0,
     NULL, users_answer, 200},
    {"GET", "/api/v1/users/{uid}", api_users_get, PERM_MANAGER, "Read a user", "users", 0, NULL,
     user_answer, 200},
    {"PATCH", "/api/v1/users/{uid}", api_users_update, PERM_MANAGER,
     "Change a user's role, permissions, name or disable it (If-Match)", "users", JSON,
     user_update_body, user_answer, 200},

    /* properties */
    {"POST", "/api/v1/properties", api_properties_create, PERM_MANAGER, "Create a property",
     "properties", JSON, property_create_body, property_answer, 201},
    {"GET", "/api/v1/properties", api_properties_list, PERM_STAFF, "List the tenant's properties",
     "properties", 0, NULL, properties_answer, 200},
    {"GET", "/api/v1/properties/{pid}", api_properties_get, PERM_STAFF, "Read a property",
     "properties", 0, NULL, property_answer, 200},
    {"PATCH", "/api/v1/properties/{pid}", api_properties_update, PERM_MANAGER,
     "Change a property (If-Match)", "properties", JSON, property_update_body, property_answer,
     200},
    {"DELETE", "/api/v1/properties/{pid}", api_properties_delete, PERM_MANAGER,
     "Delete a property that has nothing attached", "properties", 0, NULL, NULL, 204},
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
