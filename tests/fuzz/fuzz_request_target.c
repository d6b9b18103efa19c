/*
 * fuzz_request_target.c - libFuzzer target for http/router.c: the first byte
 * picks a method, the rest is a raw request target as a client could send
 * it. It is split and decoded with router_parse_target, then matched against
 * a fixed table shaped like the real API. Beyond crashes and sanitizer
 * reports, the invariants the server relies on are checked (abort on
 * violation): a decoded path starts with '/', holds no NUL and no more
 * segments than allowed; captured parameters are non-empty and contain no
 * '/'; 405 (path matched, no route) only happens when Allow lists a method.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_handler(req_t *r)
{
    (void)r;
}

static const route_t fuzz_routes[] = {
    {"GET", "/health", fuzz_handler, PERM_PUBLIC, "", "", 0, NULL, NULL, 0},
    {"GET", "/metrics", fuzz_handler, PERM_PUBLIC, "", "", ROUTE_RAW, NULL, NULL, 0},
    {"GET", "/api/v1/openapi.json", fuzz_handler, PERM_PUBLIC, "", "", 0, NULL, NULL, 0},
    {"POST", "/api/v1/auth/login", fuzz_handler, PERM_PUBLIC, "", "", ROUTE_JSON_BODY, NULL, NULL,
     0},
    {"GET", "/api/v1/me", fuzz_handler, PERM_ANY_USER, "", "", 0, NULL, NULL, 0},
    {"GET", "/api/v1/users", fuzz_handler, PERM_MANAGER, "", "", 0, NULL, NULL, 0},
    {"GET", "/api/v1/users/{uid}", fuzz_handler, PERM_MANAGER, "", "", 0, NULL, NULL, 0},
    {"PATCH", "/api/v1/users/{uid}", fuzz_handler, PERM_MANAGER, "", "", ROUTE_JSON_BODY, NULL,
     NULL, 0},
    {"GET", "/api/v1/properties", fuzz_handler, PERM_STAFF, "", "", 0, NULL, NULL, 0},
    {"POST", "/api/v1/properties", fuzz_handler, PERM_MANAGER, "", "", ROUTE_JSON_BODY, NULL, NULL,
     201},
    {"GET", "/api/v1/properties/{pid}", fuzz_handler, PERM_STAFF, "", "", 0, NULL, NULL, 0},
    {"PATCH", "/api/v1/properties/{pid}", fuzz_handler, PERM_MANAGER, "", "", ROUTE_JSON_BODY, NULL,
     NULL, 0},
    {"DELETE", "/api/v1/properties/{pid}", fuzz_handler, PERM_OWNER, "", "", 0, NULL, NULL, 204},
    {"GET", "/api/v1/properties/{pid}/availability", fuzz_handler, PERM_STAFF, "", "", 0, NULL,
     NULL, 0},
    {"POST", "/api/v1/properties/{pid}/reservations", fuzz_handler, PERM_STAFF, "", "",
     ROUTE_JSON_BODY, NULL, NULL, 201},
    {"GET", "/api/v1/properties/{pid}/reservations/{id}", fuzz_handler, PERM_STAFF, "", "", 0, NULL,
     NULL, 0},
    {"POST", "/api/v1/properties/{pid}/reservations/{id}/cancel", fuzz_handler, PERM_STAFF, "", "",
     0, NULL, NULL, 0},
    {"POST", "/api/v1/properties/{pid}/menu/items/{iid}/modifier-groups", fuzz_handler,
     PERM_MANAGER, "", "", ROUTE_JSON_BODY, NULL, NULL, 201},
    {"POST", "/api/v1/properties/{pid}/orders/{id}/status", fuzz_handler, PERM_STAFF, "", "",
     ROUTE_JSON_BODY, NULL, NULL, 0},
    {"GET", "/api/v1/properties/{pid}/kds", fuzz_handler, PERM_STAFF, "", "", 0, NULL, NULL, 0},
};
#define FUZZ_NROUTES (sizeof(fuzz_routes) / sizeof(fuzz_routes[0]))

static const char *const fuzz_methods[] = {"GET", "POST", "PATCH",   "DELETE",
                                           "PUT", "HEAD", "OPTIONS", "BREW"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *method = fuzz_methods[data[0] % (sizeof(fuzz_methods) / sizeof(fuzz_methods[0]))];
    const char *raw = (const char *)data + 1;
    size_t len = size - 1;

    /* Exactly len + 1 bytes, so any overrun is an ASan report. */
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return 0;
    router_target_t target;
    int rc = router_parse_target(raw, len, buf, len + 1, &target);
    if (rc == ROUTER_EBADPATH) {
        free(buf);
        return 0;
    }
    if (target.path[0] != '/' || strlen(target.path) != target.path_len ||
        target.nquery > ROUTER_MAX_QUERY)
        abort();
    size_t slashes = 0;
    for (size_t i = 0; i < target.path_len; i++)
        slashes += target.path[i] == '/';
    if (slashes > ROUTER_MAX_SEGMENTS)
        abort();
    for (size_t i = 0; i < target.nquery; i++)
        if (target.query[i].name[0] == '\0' ||
            router_query_get(&target, target.query[i].name) == NULL)
            abort();

    router_params_t params;
    bool path_matched = false;
    const route_t *route =
        router_match(fuzz_routes, FUZZ_NROUTES, method, target.path, &params, &path_matched);
    char allow[128];
    size_t nallowed =
        router_allowed_methods(fuzz_routes, FUZZ_NROUTES, target.path, allow, sizeof(allow));
    if (route != NULL) {
        if (!path_matched || nallowed == 0 || params.n > ROUTER_MAX_SEGMENTS)
            abort();
        for (size_t i = 0; i < params.n; i++) {
            const router_param_t *p = &params.p[i];
            if (p->value_len == 0 || memchr(p->value, '/', p->value_len) != NULL ||
                p->value < target.path || p->value + p->value_len > target.path + target.path_len)
                abort();
        }
    } else if (path_matched != (nallowed > 0)) {
        abort();
    }
    free(buf);
    return 0;
}
