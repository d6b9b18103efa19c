/*
 * router.h - splitting a raw request target into path and query, and finding
 * the route of the table that a path and method belong to.
 *
 * Pure functions: no MHD, no allocation, no global state, so they can be
 * unit-tested and fuzzed on their own. The server gives router_parse_target
 * the request target exactly as the client sent it (MHD's own unescaping is
 * bypassed), so "%2F" can never forge a path separator and "%00" can never
 * cut a path short.
 *
 * Not here: what a route requires (rbac.h) or how a request is answered.
 */
#ifndef BUFFR_HTTP_ROUTER_H
#define BUFFR_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

#define ROUTER_MAX_QUERY    32 /* query parameters per request */
#define ROUTER_MAX_SEGMENTS 16 /* path segments per request and per pattern */

enum {
    ROUTER_OK = 0,
    ROUTER_EBADPATH = -1,  /* path missing, not decodable, %00, %2F, bad UTF-8: 404 */
    ROUTER_EBADQUERY = -2, /* query not decodable (bad escape, %00, bad UTF-8): 400 */
    ROUTER_ETOOMANY = -3,  /* more than ROUTER_MAX_QUERY query parameters: 400 */
};

typedef struct router_pair {
    const char *name;  /* percent-decoded, '+' read as space, NUL-terminated */
    const char *value; /* same; "" for "?flag" or "?flag=" */
} router_pair_t;

typedef struct router_target {
    const char *path; /* percent-decoded, starts with '/', NUL-terminated */
    size_t path_len;
    size_t raw_path_len; /* bytes of the raw target before '?' */
    router_pair_t query[ROUTER_MAX_QUERY];
    size_t nquery;
} router_target_t;

/* Split raw[0..len) ("/api/v1/x?limit=5&cursor=abc") into a decoded path and
 * query pairs, all written into buf, which must hold at least len + 1 bytes
 * (decoding never lengthens). Returns ROUTER_OK or a ROUTER_E* code; on
 * ROUTER_EBADQUERY and ROUTER_ETOOMANY the path in *out is valid, so the
 * caller can still tell an unknown path (404) from a bad query (400). */
int router_parse_target(const char *raw, size_t len, char *buf, size_t buflen,
                        router_target_t *out);

/* The value of the first query pair called name, or NULL. */
const char *router_query_get(const router_target_t *t, const char *name);

typedef struct router_param {
    const char *name; /* points into the pattern, after '{'; not NUL-terminated */
    size_t name_len;
    const char *value; /* points into the path; not NUL-terminated */
    size_t value_len;
} router_param_t;

typedef struct router_params {
    size_t n;
    router_param_t p[ROUTER_MAX_SEGMENTS];
} router_params_t;

/* Does path match pattern ("/api/v1/properties/{pid}")? A {name} stands for
 * one whole, non-empty segment; everything else compares byte for byte, so
 * "/api/v1/properties/" does not match "/api/v1/properties". On a match the
 * captured segments are written to params (when non-NULL). */
bool router_pattern_matches(const char *pattern, const char *path, router_params_t *params);

/* The route for method and path, or NULL. *path_matched (when non-NULL) tells
 * whether some route has this path with another method (405 rather than 404).
 * HEAD is served by a GET route. params receives the route's {name} values. */
const route_t *router_match(const route_t *routes, size_t n, const char *method, const char *path,
                            router_params_t *params, bool *path_matched);

/* The methods of the routes whose pattern matches path, as an Allow header
 * value ("GET, PATCH, DELETE"), written into out (always NUL-terminated when
 * outlen > 0). Returns the number of methods listed. */
size_t router_allowed_methods(const route_t *routes, size_t n, const char *path, char *out,
                              size_t outlen);

#endif
