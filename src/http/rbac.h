/*
 * rbac.h - the role model of the API, enforced in one place.
 *
 * Roles, widest first: owner, manager, service_manager, staff, guest.
 * service_manager and staff act only on the services listed in their
 * permissions ("hotel", "restaurant", "spa", ...). Each route declares a
 * route_perm_t; the HTTP layer calls rbac_allows() before the handler runs,
 * so a handler never checks a role itself (rules about *which* user may be
 * changed, such as "a manager cannot change an owner", are domain rules).
 */
#ifndef BUFFR_HTTP_RBAC_H
#define BUFFR_HTTP_RBAC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/uuid.h"

typedef enum {
    ROLE_NONE = 0,
    ROLE_GUEST = 1,
    ROLE_STAFF = 2,
    ROLE_SERVICE_MANAGER = 3,
    ROLE_MANAGER = 4,
    ROLE_OWNER = 5,
} role_t;

/* Services a service_manager or staff member can be given. */
enum {
    SERVICE_HOTEL = 1u << 0,
    SERVICE_RESTAURANT = 1u << 1,
    SERVICE_SPA = 1u << 2,
    SERVICE_CONFERENCE = 1u << 3,
    SERVICE_TRANSPORT = 1u << 4,
    SERVICE_INVENTORY = 1u << 5,
    SERVICE_ALL = (1u << 6) - 1,
};

/* Who is calling: filled by the authentication step from the verified token
 * and the database (role and permissions are read fresh, so a change or a
 * disabled account takes effect at once). */
typedef struct principal {
    char user_id[UUID_BUF_SIZE];
    char tenant_id[UUID_BUF_SIZE];
    char session_id[UUID_BUF_SIZE];
    role_t role;
    uint32_t services; /* SERVICE_* bits */
    /* A table token (QR ordering) has no user: user_id is "" then. */
} principal_t;

/* What a route requires. min_role ROLE_NONE means public (no token). */
typedef struct route_perm {
    role_t min_role;
    uint32_t service; /* 0, or the SERVICE_* bit this route belongs to */
} route_perm_t;

#define PERM_PUBLIC             ((route_perm_t){ROLE_NONE, 0})
#define PERM_ANY_USER           ((route_perm_t){ROLE_GUEST, 0})
#define PERM_STAFF              ((route_perm_t){ROLE_STAFF, 0})
#define PERM_MANAGER            ((route_perm_t){ROLE_MANAGER, 0})
#define PERM_OWNER              ((route_perm_t){ROLE_OWNER, 0})
#define PERM_SERVICE(role, svc) ((route_perm_t){(role), (svc)})

bool rbac_allows(const principal_t *who, route_perm_t need);

const char *role_name(role_t role);  /* "owner", ... ; "" for ROLE_NONE */
role_t role_parse(const char *name); /* ROLE_NONE when unknown */
/* Service names <-> bits. service_parse returns 0 for an unknown name. */
uint32_t service_parse(const char *name);
const char *service_name(uint32_t bit);

#endif
