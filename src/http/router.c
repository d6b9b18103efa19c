/*
 * router.c - raw request-target parsing and route matching (see router.h).
 *
 * Matching walks each pattern against the decoded path in place: no
 * allocation, no precompiled state, and a mismatch is usually found within
 * the first differing byte, so a table of a few hundred routes is matched in
 * a few microseconds. Not here: anything that needs the connection.
 */
#include "http/router.h"

#include <string.h>

static int router_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool router_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            else if (c == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else {
            return false;
        }
        if (len - i <= need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += need + 1;
    }
    return true;
}

/* Decode raw[0..len) into out (which has room for len bytes). Returns the
 * decoded length, or -1 for a bad escape or a decoded NUL. In a path, an
 * encoded '/' and control characters are refused too; in a query, '+' is a
 * space. */
static long router_decode(const char *raw, size_t len, char *out, bool is_path)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '%') {
            if (len - i < 3)
                return -1;
            int hi = router_hex_value(raw[i + 1]);
            int lo = router_hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (unsigned char)(hi * 16 + lo);
            if (c == 0 || (is_path && c == '/'))
                return -1;
            i += 2;
        } else if (c == '+' && !is_path) {
            c = ' ';
        }
        if (c == 0 || (is_path && (c < 0x20 || c == 0x7f)))
            return -1;
        out[o++] = (char)c;
    }
    return (long)o;
}

int router_parse_target(const char *raw, size_t len, char *buf, size_t buflen, router_target_t *out)
{
    memset(out, 0, sizeof(*out));
    if (raw == NULL || buf == NULL || buflen < len + 1 || len == 0 || raw[0] != '/')
        return ROUTER_EBADPATH;

    const char *question = memchr(raw, '?', len);
    size_t path_raw_len = question ? (size_t)(question - raw) : len;
    long path_len = router_decode(raw, path_raw_len, buf, true);
    if (path_len < 0 || !router_utf8_valid((const unsigned char *)buf, (size_t)path_len))
        return ROUTER_EBADPATH;
    size_t slashes = 0;
    for (long i = 0; i < path_len; i++)
        slashes += buf[i] == '/';
    if (slashes > ROUTER_MAX_SEGMENTS)
        return ROUTER_EBADPATH;
    buf[path_len] = '\0';
    out->path = buf;
    out->path_len = (size_t)path_len;
    out->raw_path_len = path_raw_len;
    if (question == NULL)
        return ROUTER_OK;

    /* Each decoded string is followed by a NUL that takes the place of the
     * '?', '=' or '&' before it (or of len + 1), so buf never overflows. */
    char *w = buf + path_len + 1;
    const char *p = question + 1;
    const char *end = raw + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pair_end = amp ? amp : end;
        if (pair_end > p) {
            const char *eq = memchr(p, '=', (size_t)(pair_end - p));
            const char *name_end = eq ? eq : pair_end;
            if (name_end > p) {
                if (out->nquery == ROUTER_MAX_QUERY)
                    return ROUTER_ETOOMANY;
                long name_len = router_decode(p, (size_t)(name_end - p), w, false);
                if (name_len < 0 || !router_utf8_valid((unsigned char *)w, (size_t)name_len))
                    return ROUTER_EBADQUERY;
                w[name_len] = '\0';
                router_pair_t *pair = &out->query[out->nquery];
                pair->name = w;
                w += name_len + 1;
                pair->value = "";
                if (eq != NULL && pair_end > eq + 1) {
                    long value_len = router_decode(eq + 1, (size_t)(pair_end - eq - 1), w, false);
                    if (value_len < 0 || !router_utf8_valid((unsigned char *)w, (size_t)value_len))
                        return ROUTER_EBADQUERY;
                    w[value_len] = '\0';
                    pair->value = w;
                    w += value_len + 1;
                }
                out->nquery++;
            }
        }
        p = pair_end + 1;
    }
    return ROUTER_OK;
}

const char *router_query_get(const router_target_t *t, const char *name)
{
    for (size_t i = 0; i < t->nquery; i++)
        if (strcmp(t->query[i].name, name) == 0)
            return t->query[i].value;
    return NULL;
}

bool router_pattern_matches(const char *pattern, const char *path, router_params_t *params)
{
    const char *p = pattern;
    const char *s = path;
    size_t nparams = 0;
    for (;;) {
        if (*p == '\0')
            break;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (close == NULL || nparams == ROUTER_MAX_SEGMENTS)
                return false; /* a broken pattern matches nothing */
            const char *value_end = s;
            while (*value_end != '\0' && *value_end != '/')
                value_end++;
            if (value_end == s)
                return false; /* empty segment: "/properties//rooms" */
            if (params != NULL) {
                router_param_t *param = &params->p[nparams];
                param->name = p + 1;
                param->name_len = (size_t)(close - p - 1);
                param->value = s;
                param->value_len = (size_t)(value_end - s);
            }
            nparams++;
            p = close + 1;
            s = value_end;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    if (*s != '\0')
        return false;
    if (params != NULL)
        params->n = nparams;
    return true;
}

static bool router_method_serves(const char *route_method, const char *method)
{
    if (strcmp(route_method, method) == 0)
        return true;
    /* MHD sends a HEAD answer without its body, so a GET route serves it. */
    return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

const route_t *router_match(const route_t *routes, size_t n, const char *method, const char *path,
                            router_params_t *params, bool *path_matched)
{
    bool any_path = false;
    const route_t *found = NULL;
    if (params != NULL)
        params->n = 0;
    for (size_t i = 0; i < n && found == NULL; i++) {
        const route_t *route = &routes[i];
        /* Cheap first look before walking the whole pattern. */
        if (route->pattern[0] != path[0] || (path[0] != '\0' && route->pattern[1] != path[1]))
            continue;
        if (!router_pattern_matches(route->pattern, path, NULL))
            continue;
        any_path = true;
        if (router_method_serves(route->method, method)) {
            found = route;
            /* An exact-method route wins over the GET serving a HEAD. */
            if (strcmp(route->method, method) != 0) {
                for (size_t k = i + 1; k < n; k++) {
                    if (strcmp(routes[k].method, method) == 0 &&
                        router_pattern_matches(routes[k].pattern, path, NULL)) {
                        found = &routes[k];
                        break;
                    }
                }
            }
        }
    }
    if (found != NULL && params != NULL)
        router_pattern_matches(found->pattern, path, params);
    if (path_matched != NULL)
        *path_matched = any_path;
    return found;
}

size_t router_allowed_methods(const route_t *routes, size_t n, const char *path, char *out,
                              size_t outlen)
{
    size_t count = 0, used = 0;
    if (outlen > 0)
        out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!router_pattern_matches(routes[i].pattern, path, NULL))
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(routes[k].method, routes[i].method) == 0 &&
                   router_pattern_matches(routes[k].pattern, path, NULL);
        if (seen)
            continue;
        size_t mlen = strlen(routes[i].method);
        size_t need = mlen + (count > 0 ? 2 : 0);
        if (used + need + 1 > outlen)
            break;
        if (count > 0) {
            memcpy(out + used, ", ", 2);
            used += 2;
        }
        memcpy(out + used, routes[i].method, mlen);
        used += mlen;
        out[used] = '\0';
        count++;
    }
    return count;
}
