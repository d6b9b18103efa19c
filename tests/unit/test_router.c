/*
 * test_router.c - unit tests for http/router.c: splitting and decoding raw
 * request targets (escapes, '+', %00, %2F, UTF-8, limits) and matching the
 * route table (parameters, 404 against 405, trailing slash, HEAD, speed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/router.h"

static void handler_stub(req_t *r)
{
    (void)r;
}

static const route_t test_routes[] = {
    {"GET", "/health", handler_stub, PERM_PUBLIC, "health", "ops", 0, NULL, NULL, 0},
    {"GET", "/api/v1/properties", handler_stub, PERM_STAFF, "list", "properties", 0, NULL, NULL, 0},
    {"POST", "/api/v1/properties", handler_stub, PERM_MANAGER, "create", "properties",
     ROUTE_JSON_BODY, NULL, NULL, 201},
    {"GET", "/api/v1/properties/{pid}", handler_stub, PERM_STAFF, "get", "properties", 0, NULL,
     NULL, 0},
    {"PATCH", "/api/v1/properties/{pid}", handler_stub, PERM_MANAGER, "update", "properties",
     ROUTE_JSON_BODY, NULL, NULL, 0},
    {"DELETE", "/api/v1/properties/{pid}", handler_stub, PERM_OWNER, "delete", "properties", 0,
     NULL, NULL, 204},
    {"GET", "/api/v1/properties/{pid}/rooms/{id}", handler_stub, PERM_STAFF, "room", "rooms", 0,
     NULL, NULL, 0},
    {"POST", "/api/v1/properties/{pid}/reservations/{id}/check-in", handler_stub, PERM_STAFF,
     "check in", "reservations", 0, NULL, NULL, 0},
    {"GET", "/api/v1/ping", handler_stub, PERM_PUBLIC, "ping", "ops", 0, NULL, NULL, 0},
    {"HEAD", "/api/v1/ping", handler_stub, PERM_PUBLIC, "ping head", "ops", 0, NULL, NULL, 0},
};
#define NROUTES (sizeof(test_routes) / sizeof(test_routes[0]))

/* Parse text (NUL-terminated) with a buffer of exactly len + 1 bytes. */
static int parse(const char *text, char *buf, router_target_t *t)
{
    size_t len = strlen(text);
    return router_parse_target(text, len, buf, len + 1, t);
}

static void test_plain_path(void **state)
{
    (void)state;
    char buf[128];
    router_target_t t;
    assert_int_equal(parse("/api/v1/properties", buf, &t), ROUTER_OK);
    assert_string_equal(t.path, "/api/v1/properties");
    assert_int_equal(t.path_len, 18);
    assert_int_equal(t.raw_path_len, 18);
    assert_int_equal(t.nquery, 0);
    assert_int_equal(parse("/", buf, &t), ROUTER_OK);
    assert_string_equal(t.path, "/");
}

static void test_query_pairs(void **state)
{
    (void)state;
    char buf[256];
    router_target_t t;
    assert_int_equal(parse("/x?limit=5&cursor=ab%2Bc&q=a+b%20c&flag&empty=&=skipped&&", buf, &t),
                     ROUTER_OK);
    assert_string_equal(t.path, "/x");
    assert_int_equal(t.raw_path_len, 2);
    assert_int_equal(t.nquery, 5);
    assert_string_equal(router_query_get(&t, "limit"), "5");
    assert_string_equal(router_query_get(&t, "cursor"), "ab+c");
    assert_string_equal(router_query_get(&t, "q"), "a b c");
    assert_string_equal(router_query_get(&t, "flag"), "");
    assert_string_equal(router_query_get(&t, "empty"), "");
    assert_null(router_query_get(&t, "missing"));
    assert_null(router_query_get(&t, "skipped"));

    /* First occurrence wins; names are decoded too. */
    assert_int_equal(parse("/x?a=1&a=2&na%6De=v", buf, &t), ROUTER_OK);
    assert_string_equal(router_query_get(&t, "a"), "1");
    assert_string_equal(router_query_get(&t, "name"), "v");
    /* '=' inside a value stays. */
    assert_int_equal(parse("/x?k=a=b", buf, &t), ROUTER_OK);
    assert_string_equal(router_query_get(&t, "k"), "a=b");
    /* An empty query. */
    assert_int_equal(parse("/x?", buf, &t), ROUTER_OK);
    assert_int_equal(t.nquery, 0);
}

static void test_path_decoding(void **state)
{
    (void)state;
    char buf[128];
    router_target_t t;
    assert_int_equal(parse("/a/%7Ename/%7e", buf, &t), ROUTER_OK);
    assert_string_equal(t.path, "/a/~name/~");
    /* '+' is only a space in the query. */
    assert_int_equal(parse("/a+b?x=a+b", buf, &t), ROUTER_OK);
    assert_string_equal(t.path, "/a+b");
    assert_string_equal(router_query_get(&t, "x"), "a b");
    /* UTF-8: 2, 3 and 4-byte sequences. */
    assert_int_equal(parse("/%C3%A9/%E2%82%AC/%F0%9F%98%80", buf, &t), ROUTER_OK);
    assert_string_equal(t.path, "/\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80");
}

static void test_bad_paths(void **state)
{
    (void)state;
    char buf[128];
    router_target_t t;
    const char *bad[] = {
        "/a%2",          /* truncated escape */
        "/a%",           /* truncated escape */
        "/a%zz",         /* not hex */
        "/a%0g",         /* not hex */
        "/a%00b",        /* NUL */
        "/a%2Fb",        /* encoded separator */
        "/a%2fb",        /* encoded separator */
        "/a%0Ab",        /* control character */
        "/a%7F",         /* DEL */
        "/%C3%28",       /* bad continuation */
        "/%C0%AF",       /* overlong '/' */
        "/%ED%A0%80",    /* surrogate */
        "/%F4%90%80%80", /* above U+10FFFF */
        "/%E2%82",       /* truncated sequence */
        "/%FF",          /* never valid */
        "api/v1",        /* not origin-form */
        "*",
        "http://example.com/api",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], buf, &t) != ROUTER_EBADPATH)
            fail_msg("accepted bad path %s", bad[i]);
    }
    assert_int_equal(router_parse_target("", 0, buf, sizeof(buf), &t), ROUTER_EBADPATH);
    /* A raw NUL inside the given length is refused too. */
    assert_int_equal(router_parse_target("/a\0b", 4, buf, sizeof(buf), &t), ROUTER_EBADPATH);
    /* A buffer shorter than len + 1. */
    assert_int_equal(router_parse_target("/abc", 4, buf, 4, &t), ROUTER_EBADPATH);
    assert_int_equal(router_parse_target("/abc", 4, buf, 5, &t), ROUTER_OK);
}

static void test_bad_queries(void **state)
{
    (void)state;
    char buf[128];
    router_target_t t;
    const char *bad[] = {"/p?a=%2",     "/p?a=%zz",       "/p?a=%00",   "/p?%00=1",
                         "/p?a=%C3%28", "/p?a=%ED%A0%80", "/p?ok=1&a=%"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], buf, &t) != ROUTER_EBADQUERY)
            fail_msg("accepted bad query %s", bad[i]);
        /* The path stays usable, so the caller can answer 400, not 404. */
        assert_string_equal(t.path, "/p");
    }
    /* An encoded '/' or '&' is fine in a query value. */
    assert_int_equal(parse("/p?next=%2Fa%2Fb&x=%26", buf, &t), ROUTER_OK);
    assert_string_equal(router_query_get(&t, "next"), "/a/b");
    assert_string_equal(router_query_get(&t, "x"), "&");
}

static void test_limits(void **state)
{
    (void)state;
    char raw[1024], buf[1024];
    router_target_t t;
    size_t o = (size_t)snprintf(raw, sizeof(raw), "/q?");
    for (int i = 0; i < ROUTER_MAX_QUERY; i++)
        o += (size_t)snprintf(raw + o, sizeof(raw) - o, "k%d=%d&", i, i);
    assert_int_equal(parse(raw, buf, &t), ROUTER_OK);
    assert_int_equal(t.nquery, ROUTER_MAX_QUERY);
    assert_string_equal(router_query_get(&t, "k31"), "31");
    snprintf(raw + o, sizeof(raw) - o, "one=more");
    assert_int_equal(parse(raw, buf, &t), ROUTER_ETOOMANY);
    assert_string_equal(t.path, "/q");

    o = 0;
    for (int i = 0; i < ROUTER_MAX_SEGMENTS; i++)
        o += (size_t)snprintf(raw + o, sizeof(raw) - o, "/s%d", i);
    assert_int_equal(parse(raw, buf, &t), ROUTER_OK);
    snprintf(raw + o, sizeof(raw) - o, "/x");
    assert_int_equal(parse(raw, buf, &t), ROUTER_EBADPATH);
}

static void test_match_params(void **state)
{
    (void)state;
    router_params_t params;
    bool path_matched = false;
    const route_t *route =
        router_match(test_routes, NROUTES, "GET", "/api/v1/properties/abc-123/rooms/r%7", &params,
                     &path_matched);
    assert_non_null(route);
    assert_string_equal(route->pattern, "/api/v1/properties/{pid}/rooms/{id}");
    assert_true(path_matched);
    assert_int_equal(params.n, 2);
    assert_int_equal(params.p[0].name_len, 3);
    assert_memory_equal(params.p[0].name, "pid", 3);
    assert_int_equal(params.p[0].value_len, 7);
    assert_memory_equal(params.p[0].value, "abc-123", 7);
    assert_memory_equal(params.p[1].name, "id", 2);
    assert_int_equal(params.p[1].value_len, 3);
    assert_memory_equal(params.p[1].value, "r%7", 3);

    route = router_match(test_routes, NROUTES, "PATCH", "/api/v1/properties/p1", &params, NULL);
    assert_ptr_equal(route, &test_routes[4]);
    assert_int_equal(params.n, 1);

    route = router_match(test_routes, NROUTES, "POST",
                         "/api/v1/properties/p1/reservations/r1/check-in", &params, NULL);
    assert_ptr_equal(route, &test_routes[7]);
    /* A literal segment must match whole. */
    assert_null(router_match(test_routes, NROUTES, "POST",
                             "/api/v1/properties/p1/reservations/r1/check-inn", NULL, NULL));
    assert_null(router_match(test_routes, NROUTES, "POST",
                             "/api/v1/properties/p1/reservations/r1/check", NULL, NULL));
}

static void test_match_method_and_slashes(void **state)
{
    (void)state;
    bool path_matched = true;
    char allow[64];
    assert_null(
        router_match(test_routes, NROUTES, "DELETE", "/api/v1/properties", NULL, &path_matched));
    assert_true(path_matched);
    assert_int_equal(
        router_allowed_methods(test_routes, NROUTES, "/api/v1/properties", allow, sizeof(allow)),
        2);
    assert_string_equal(allow, "GET, POST");
    assert_int_equal(
        router_allowed_methods(test_routes, NROUTES, "/api/v1/properties/x", allow, sizeof(allow)),
        3);
    assert_string_equal(allow, "GET, PATCH, DELETE");
    /* Too small a buffer: what fits, still terminated. */
    assert_int_equal(router_allowed_methods(test_routes, NROUTES, "/api/v1/properties/x", allow, 9),
                     1);
    assert_string_equal(allow, "GET");

    /* Trailing slash and empty segments are other paths: 404. */
    assert_null(
        router_match(test_routes, NROUTES, "GET", "/api/v1/properties/", NULL, &path_matched));
    assert_false(path_matched);
    assert_null(router_match(test_routes, NROUTES, "GET", "/api/v1/properties//rooms/x", NULL,
                             &path_matched));
    assert_false(path_matched);
    assert_null(router_match(test_routes, NROUTES, "GET", "/health/", NULL, &path_matched));
    assert_false(path_matched);
    assert_null(router_match(test_routes, NROUTES, "GET", "/api/v1", NULL, &path_matched));
    assert_false(path_matched);
    assert_null(router_match(test_routes, NROUTES, "GET", "/", NULL, &path_matched));
    assert_false(path_matched);
    /* Methods are case-sensitive tokens. */
    assert_null(router_match(test_routes, NROUTES, "get", "/health", NULL, &path_matched));
    assert_true(path_matched);
}

static void test_match_head(void **state)
{
    (void)state;
    const route_t *route = router_match(test_routes, NROUTES, "HEAD", "/health", NULL, NULL);
    assert_ptr_equal(route, &test_routes[0]);
    /* An explicit HEAD route wins, wherever it is in the table. */
    route = router_match(test_routes, NROUTES, "HEAD", "/api/v1/ping", NULL, NULL);
    assert_ptr_equal(route, &test_routes[9]);
    route = router_match(test_routes, NROUTES, "GET", "/api/v1/ping", NULL, NULL);
    assert_ptr_equal(route, &test_routes[8]);
}

static void test_pattern_edge_cases(void **state)
{
    (void)state;
    router_params_t params;
    assert_true(router_pattern_matches("/a/{x}", "/a/1", &params));
    assert_int_equal(params.n, 1);
    assert_false(router_pattern_matches("/a/{x}", "/a/", &params));
    assert_false(router_pattern_matches("/a/{x}", "/a/1/", &params));
    assert_false(router_pattern_matches("/a/{x", "/a/1", &params)); /* broken pattern */
    assert_false(router_pattern_matches("/a", "/a/b", NULL));
    assert_false(router_pattern_matches("/a/b", "/a", NULL));
    assert_true(router_pattern_matches("/", "/", NULL));
}

/* ~200 routes shaped like the real table; a match must take microseconds. */
static void test_match_speed(void **state)
{
    (void)state;
    enum { N = 200 };
    static route_t many[N];
    static char patterns[N][96];
    static const char *const resources[] = {
        "rooms",      "reservations", "orders",   "menu/items", "menu/categories",
        "room-types", "kds",          "payments", "refunds",    "guests"};
    static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE"};
    for (int i = 0; i < N; i++) {
        int shape = i % 5;
        const char *res = resources[(i / 5) % 10];
        if (shape == 0)
            snprintf(patterns[i], sizeof(patterns[i]), "/api/v1/p%d/{pid}/%s", i / 50, res);
        else if (shape == 1)
            snprintf(patterns[i], sizeof(patterns[i]), "/api/v1/p%d/{pid}/%s/{id}", i / 50, res);
        else
            snprintf(patterns[i], sizeof(patterns[i]), "/api/v1/p%d/{pid}/%s/{id}/action%d", i / 50,
                     res, i);
        many[i] = (route_t){
            methods[i % 4], patterns[i], handler_stub, PERM_STAFF, "s", "t", 0, NULL, NULL, 0};
    }
    /* The last route of the table, the slowest to find. */
    char path[128];
    snprintf(path, sizeof(path),
             "/api/v1/p3/0190a5c4-0000-7000-8000-000000000000/guests/"
             "0190a5c4-0000-7000-8000-000000000001/action199");
    router_params_t params;
    const int rounds = 20000;
    double start = time_monotonic();
    for (int i = 0; i < rounds; i++) {
        const route_t *route = router_match(many, N, "DELETE", path, &params, NULL);
        assert_ptr_equal(route, &many[199]);
    }
    double per_match_us = (time_monotonic() - start) / rounds * 1e6;
    printf("# router_match over %d routes: %.2f us per match\n", N, per_match_us);
    /* Generous for sanitizer builds on a shared machine. */
    assert_true(per_match_us < 50.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_path),    cmocka_unit_test(test_query_pairs),
        cmocka_unit_test(test_path_decoding), cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_bad_queries),   cmocka_unit_test(test_limits),
        cmocka_unit_test(test_match_params),  cmocka_unit_test(test_match_method_and_slashes),
        cmocka_unit_test(test_match_head),    cmocka_unit_test(test_pattern_edge_cases),
        cmocka_unit_test(test_match_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
