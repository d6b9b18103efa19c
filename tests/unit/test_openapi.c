/*
 * test_openapi.c - unit tests for http/openapi.c: query parameters from a
 * route's query spec (route_t.query) become OpenAPI "in: query" parameters
 * with the right schema type, format and required flag; a malformed spec is
 * refused by openapi_query_check, by openapi_document and by
 * http_server_start; and the real route table's specs are well formed, with
 * every paged list declaring limit and cursor.
 *
 * Not here: the path parameters and error responses of the document as a
 * whole (tests/api/test_operations.py reads the served document).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/log.h"
#include "http/openapi.h"
#include "http/server.h"

static void handler_stub(req_t *r)
{
    (void)r;
}

static const char page_answer[] =
    "{\"type\":\"object\",\"properties\":{\"data\":{\"type\":\"array\"},"
    "\"next_cursor\":{\"type\":[\"string\",\"null\"]}}}";

static const route_t small_table[] = {
    {"GET", "/api/v1/properties/{pid}/availability", handler_stub, PERM_STAFF, "search", "hotel", 0,
     NULL, NULL, 200, 0, "check_in:date!,check_out:date!,guests:integer"},
    {"GET", "/api/v1/things", handler_stub, PERM_STAFF, "list", "things", 0, NULL, page_answer, 200,
     0, "active:boolean,since:date-time,owner_id:uuid,q:string,limit:integer,cursor:string"},
    {"GET", "/api/v1/plain", handler_stub, PERM_STAFF, "no query", "things", 0, NULL, NULL, 200},
    {"POST", "/api/v1/things/{tid}/import", handler_stub, PERM_MANAGER, "import", "things", 0, NULL,
     NULL, 200, 0, "feed:string"},
    {"POST", "/api/v1/things/{tid}/touch", handler_stub, PERM_MANAGER, "touch", "things", 0, NULL,
     NULL, 200},
};
#define SMALL_COUNT (sizeof(small_table) / sizeof(small_table[0]))

static json_t *operation(json_t *doc, const char *path, const char *method)
{
    json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), path), method);
    assert_non_null(op);
    return op;
}

/* The parameter called name with "in" equal to where, or NULL. */
static json_t *parameter(json_t *op, const char *name, const char *where)
{
    size_t i;
    json_t *param;
    json_array_foreach(json_object_get(op, "parameters"), i, param)
    {
        if (strcmp(json_string_value(json_object_get(param, "name")), name) == 0 &&
            strcmp(json_string_value(json_object_get(param, "in")), where) == 0)
            return param;
    }
    return NULL;
}

/* Assert a query parameter's required flag, schema type and format (NULL:
 * no format at all). */
static void assert_query(json_t *op, const char *name, bool required, const char *type,
                         const char *format)
{
    json_t *param = parameter(op, name, "query");
    if (param == NULL)
        fail_msg("query parameter %s is missing", name);
    assert_true(json_is_boolean(json_object_get(param, "required")));
    assert_int_equal(json_is_true(json_object_get(param, "required")), required);
    json_t *schema = json_object_get(param, "schema");
    assert_string_equal(json_string_value(json_object_get(schema, "type")), type);
    if (format == NULL)
        assert_null(json_object_get(schema, "format"));
    else
        assert_string_equal(json_string_value(json_object_get(schema, "format")), format);
}

static bool has_response(json_t *op, const char *status)
{
    return json_object_get(json_object_get(op, "responses"), status) != NULL;
}

static void test_query_parameters_in_document(void **state)
{
    (void)state;
    json_t *doc = openapi_document(small_table, SMALL_COUNT, "1.2.3");
    assert_non_null(doc);

    json_t *search = operation(doc, "/api/v1/properties/{pid}/availability", "get");
    json_t *params = json_object_get(search, "parameters");
    assert_int_equal(json_array_size(params), 4); /* pid, then the query in spec order */
    assert_non_null(parameter(search, "pid", "path"));
    assert_null(parameter(search, "pid", "query"));
    const char *order[] = {"pid", "check_in", "check_out", "guests"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(params, i), "name")),
                            order[i]);
    assert_query(search, "check_in", true, "string", "date");
    assert_query(search, "check_out", true, "string", "date");
    assert_query(search, "guests", false, "integer", NULL);
    assert_true(has_response(search, "400"));

    json_t *list = operation(doc, "/api/v1/things", "get");
    assert_int_equal(json_array_size(json_object_get(list, "parameters")), 6);
    assert_query(list, "active", false, "boolean", NULL);
    assert_query(list, "since", false, "string", "date-time");
    assert_query(list, "owner_id", false, "string", "uuid");
    assert_query(list, "q", false, "string", NULL);
    assert_query(list, "limit", false, "integer", NULL);
    assert_query(list, "cursor", false, "string", NULL);

    /* No query, no path parameters: no parameters at all, nothing made up. */
    json_t *plain = operation(doc, "/api/v1/plain", "get");
    assert_null(json_object_get(plain, "parameters"));

    /* A write with a query parameter: the value is checked, so 400 is
     * possible; the same write without one and without a body has none. */
    json_t *import = operation(doc, "/api/v1/things/{tid}/import", "post");
    assert_int_equal(json_array_size(json_object_get(import, "parameters")), 2);
    assert_query(import, "feed", false, "string", NULL);
    assert_true(has_response(import, "400"));
    assert_false(has_response(operation(doc, "/api/v1/things/{tid}/touch", "post"), "400"));
    json_decref(doc);
}

static void test_query_spec_syntax(void **state)
{
    (void)state;
    char why[200];
    const char *good[] = {
        NULL,
        "a:string",
        "check_in:date!,check_out:date!,guests:integer",
        "x1_y:uuid!,b:boolean,t:date-time!,n:integer,s:string",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        strcpy(why, "untouched");
        if (openapi_query_check(good[i], why, sizeof(why)) != 0)
            fail_msg("refused good spec \"%s\": %s", good[i] ? good[i] : "(null)", why);
        assert_string_equal(why, "");
    }

    char long_name[80];
    memset(long_name, 'a', 65);
    strcpy(long_name + 65, ":string");
    char too_many[33 * 12 + 1] = "";
    for (int i = 0; i < 33; i++) {
        char entry[16];
        snprintf(entry, sizeof(entry), "%sp%d:string", i ? "," : "", i);
        strcat(too_many, entry);
    }
    const char *bad[] = {
        "",                    /* none is NULL, not empty */
        "a",                   /* no type */
        "a:",                  /* empty type */
        ":string",             /* no name */
        "a:str",               /* unknown type */
        "a:String",            /* types are lowercase */
        "a:date!x",            /* junk after ! */
        "a:string!!",          /* one ! only */
        "a:!",                 /* ! without type */
        "a:string,",           /* trailing comma */
        ",a:string",           /* leading comma */
        "a:string,,b:integer", /* empty entry */
        "a:string, b:integer", /* blank */
        "a :string",           /* blank in name */
        "A:string",            /* uppercase name */
        "1a:string",           /* name starts with a digit */
        "_a:string",           /* name starts with '_' */
        "a-b:string",          /* '-' in name */
        "a:string,a:integer",  /* declared twice */
        "limit:integer,cursor:string,limit:integer!",
        "a:string:integer", /* two colons */
        "a=string",         /* wrong separator */
        long_name,          /* over 64 characters */
        too_many,           /* over 32 parameters */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        if (openapi_query_check(bad[i], why, sizeof(why)) != BUFFR_EINVAL)
            fail_msg("accepted bad spec \"%s\"", bad[i]);
        assert_true(strlen(why) > 0);
    }
    /* why is optional. */
    assert_int_equal(openapi_query_check("a:nope", NULL, 0), BUFFR_EINVAL);
    assert_int_equal(openapi_query_check("a:uuid", NULL, 0), 0);
    /* The reason names what is wrong. */
    openapi_query_check("guests:int", why, sizeof(why));
    assert_non_null(strstr(why, "int"));
    openapi_query_check("q:string,q:string", why, sizeof(why));
    assert_non_null(strstr(why, "twice"));
}

static http_server_opts_t server_opts(void)
{
    http_server_opts_t opts;
    memset(&opts, 0, sizeof(opts));
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.threads = 1;
    return opts;
}

static void test_bad_spec_refused(void **state)
{
    (void)state;
    static const route_t bad_table[] = {
        {"GET", "/api/v1/things", handler_stub, PERM_STAFF, "list", "things", 0, NULL, NULL, 200},
        {"GET", "/api/v1/search", handler_stub, PERM_STAFF, "search", "things", 0, NULL, NULL, 200,
         0, "check_in:date!,guests:int"},
    };
    /* The document is all or nothing: no document that silently lacks a
     * parameter. */
    assert_null(openapi_document(bad_table, 2, "1"));
    json_t *first_only = openapi_document(bad_table, 1, "1");
    assert_non_null(first_only);
    json_decref(first_only);

    /* The server refuses to start on it. */
    http_server_opts_t opts = server_opts();
    http_server_t *server = NULL;
    assert_int_equal(http_server_start(&opts, NULL, bad_table, 2, NULL, &server), BUFFR_EINVAL);
    assert_null(server);

    /* ... and starts on a table whose specs are right. */
    assert_int_equal(http_server_start(&opts, NULL, small_table, SMALL_COUNT, NULL, &server), 0);
    assert_non_null(server);
    assert_true(http_server_port(server) != 0);
    http_server_stop(server, 0);
}

/* A success schema whose next_cursor may be a string: a list read in
 * pages. A whole list answers next_cursor null only. */
static bool paged_answer(json_t *op)
{
    json_t *schema = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(op, "responses"), "200"), "content"),
            "application/json"),
        "schema");
    json_t *type = json_object_get(
        json_object_get(json_object_get(schema, "properties"), "next_cursor"), "type");
    if (json_is_string(type))
        return strcmp(json_string_value(type), "string") == 0;
    size_t i;
    json_t *one;
    json_array_foreach(type, i, one)
    {
        if (json_is_string(one) && strcmp(json_string_value(one), "string") == 0)
            return true;
    }
    return false;
}

static void test_real_route_table(void **state)
{
    (void)state;
    size_t n = 0;
    const route_t *routes = api_routes(&n);
    assert_non_null(routes);
    assert_true(n > 50);
    size_t with_query = 0, paged = 0;
    for (size_t i = 0; i < n; i++) {
        char why[200];
        if (openapi_query_check(routes[i].query, why, sizeof(why)) != 0)
            fail_msg("%s %s: %s", routes[i].method, routes[i].pattern, why);
        with_query += routes[i].query != NULL;
    }
    assert_true(with_query >= 20);

    json_t *doc = openapi_document(routes, n, "test");
    assert_non_null(doc);
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        json_t *op = json_object_get(item, "get");
        if (op == NULL)
            continue;
        bool pages = paged_answer(op);
        json_t *limit = parameter(op, "limit", "query");
        json_t *cursor = parameter(op, "cursor", "query");
        if (pages && (limit == NULL || cursor == NULL))
            fail_msg("GET %s answers pages but does not declare limit and cursor", path);
        if (!pages && (limit != NULL || cursor != NULL))
            fail_msg("GET %s declares limit or cursor but answers no next page", path);
        if (pages) {
            paged++;
            assert_query(op, "limit", false, "integer", NULL);
            assert_query(op, "cursor", false, "string", NULL);
        }
    }
    assert_true(paged >= 10);

    json_t *search = operation(doc, "/api/v1/properties/{pid}/availability", "get");
    assert_query(search, "check_in", true, "string", "date");
    assert_query(search, "check_out", true, "string", "date");
    json_decref(doc);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_parameters_in_document),
        cmocka_unit_test(test_query_spec_syntax),
        cmocka_unit_test(test_bad_spec_refused),
        cmocka_unit_test(test_real_route_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
