/* rbac.c - role and service checks for routes; names of roles and services. */
#include "http/rbac.h"

#include <string.h>

static const char *const role_names[] = {"",        "guest", "staff", "service_manager",
                                         "manager", "owner"};

static const struct {
    uint32_t bit;
    const char *name;
} service_names[] = {
    {SERVICE_HOTEL, "hotel"},
    {SERVICE_RESTAURANT, "restaurant"},
    {SERVICE_SPA, "spa"},
    {SERVICE_CONFERENCE, "conference"},
    {SERVICE_TRANSPORT, "transport"},
    {SERVICE_INVENTORY, "inventory"},
};

bool rbac_allows(const principal_t *who, route_perm_t need)
{
    if (need.min_role == ROLE_NONE)
        return true;
    if (who == NULL || who->role == ROLE_NONE || who->role < need.min_role)
        return false;
    /* Owners and managers run every service of their tenant. */
    if (who->role >= ROLE_MANAGER)
        return true;
    /* Service managers and staff only the services they were given. */
    if (need.service != 0 && who->role >= ROLE_STAFF)
        return (who->services & need.service) == need.service;
    return true;
}

const char *role_name(role_t role)
{
    if (role < ROLE_NONE || role > ROLE_OWNER)
        return "";
    return role_names[role];
}

role_t role_parse(const char *name)
{
    if (name == NULL)
        return ROLE_NONE;
    for (int r = ROLE_GUEST; r <= ROLE_OWNER; r++)
        if (strcmp(name, role_names[r]) == 0)
            return (role_t)r;
    return ROLE_NONE;
}

uint32_t service_parse(const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(service_names) / sizeof(service_names[0]); i++)
        if (strcmp(name, service_names[i].name) == 0)
            return service_names[i].bit;
    return 0;
}

const char *service_name(uint32_t bit)
{
    for (size_t i = 0; i < sizeof(service_names) / sizeof(service_names[0]); i++)
        if (service_names[i].bit == bit)
            return service_names[i].name;
    return "";
}
