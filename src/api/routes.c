/*
 * routes.c - the route table: every endpoint of the server, gathered from
 * each resource's api file (method, path, handler, who may call it, summary,
 * body and answer schemas). The router, the permission check and
 * /api/v1/openapi.json all read this one table. A new module adds its
 * array in its own api file and one line to route_groups below.
 */
#include "api/api.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static const struct {
    const route_t *routes;
    const size_t *count;
} route_groups[] = {
    {ops_routes, &ops_routes_count},
    {auth_routes, &auth_routes_count},
    {users_routes, &users_routes_count},
    {properties_routes, &properties_routes_count},
    {menu_routes, &menu_routes_count},
    {orders_routes, &orders_routes_count},
    {kds_routes, &kds_routes_count},
    {tables_routes, &tables_routes_count},
    {qr_routes, &qr_routes_count},
    {rooms_routes, &rooms_routes_count},
    {reservations_routes, &reservations_routes_count},
    {services_routes, &services_routes_count},
};

static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static route_t *table;
static size_t table_count;

static void table_build(void)
{
    size_t n = 0;
    for (size_t g = 0; g < sizeof(route_groups) / sizeof(route_groups[0]); g++)
        n += *route_groups[g].count;
    table = calloc(n, sizeof(*table));
    if (table == NULL) {
        log_error("out of memory building the route table");
        return;
    }
    for (size_t g = 0; g < sizeof(route_groups) / sizeof(route_groups[0]); g++) {
        memcpy(table + table_count, route_groups[g].routes,
               *route_groups[g].count * sizeof(*table));
        table_count += *route_groups[g].count;
    }
}

const route_t *api_routes(size_t *count)
{
    pthread_once(&table_once, table_build);
    *count = table_count;
    return table;
}
