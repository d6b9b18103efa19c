/*
 * openapi.c - builds the OpenAPI 3.1 document from the route table (see
 * openapi.h).
 *
 * Which error responses an operation lists is derived from what the HTTP
 * layer itself enforces: 401/403 for routes with a role, 400/413/415 for
 * JSON bodies (400 also for query parameters), 404 for routes with path
 * parameters, 409 for writes, 429 for public writes (the login family, which
 * is rate limited), 500 always.
 *
 * Query parameters come only from the route's query spec (route_t.query),
 * never from a guess on the handler or the answer: a list declares its
 * limit and cursor there like any other parameter. The spec's syntax is
 * checked here (openapi_query_check), which the server also calls at start.
 * Not here: per-endpoint prose beyond the route's summary.
 */
#include "http/openapi.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "http/rbac.h"

/* Build-or-fail helpers: every json_* call can return NULL when out of
 * memory, and the document is all or nothing. */
static bool openapi_set(json_t *obj, const char *key, json_t *value)
{
    return value != NULL && json_object_set_new(obj, key, value) == 0;
}

static bool openapi_append(json_t *array, json_t *value)
{
    return value != NULL && json_array_append_new(array, value) == 0;
}

static json_t *openapi_generic_object(void)
{
    return json_pack("{s:s}", "type", "object");
}

static json_t *openapi_error_schema(void)
{
    return json_pack(
        "{s:s, s:[s], s:{s:{s:s, s:[s,s,s], s:{s:{s:s}, s:{s:s}, s:{s:s, s:{s:{s:s}}}}}}}", "type",
        "object", "required", "error", "properties", "error", "type", "object", "required", "code",
        "message", "details", "properties", "code", "type", "string", "message", "type", "string",
        "details", "type", "object", "properties", "field", "type", "string");
}

/* components/responses entries: name, status, description. */
static const struct {
    const char *name;
    const char *status;
    const char *description;
} openapi_errors[] = {
    {"BadRequest", "400", "VALIDATION_ERROR or MALFORMED_JSON"},
    {"Unauthenticated", "401", "UNAUTHENTICATED: missing, expired, revoked or forged token"},
    {"Forbidden", "403", "FORBIDDEN: the caller's role may not do this"},
    {"NotFound", "404", "NOT_FOUND (also another tenant's resource)"},
    {"Conflict", "409",
     "CONFLICT, NO_AVAILABILITY, INVALID_STATE_TRANSITION or INSUFFICIENT_STOCK"},
    {"PayloadTooLarge", "413", "PAYLOAD_TOO_LARGE"},
    {"UnsupportedMediaType", "415", "UNSUPPORTED_MEDIA_TYPE: the body must be application/json"},
    {"RateLimited", "429", "RATE_LIMITED; Retry-After says when to try again"},
    {"Internal", "500", "INTERNAL"},
};

static json_t *openapi_error_response(const char *description, bool retry_after)
{
    json_t *response =
        json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content",
                  "application/json", "schema", "$ref", "#/components/schemas/Error");
    if (response != NULL && retry_after &&
        !openapi_set(response, "headers",
                     json_pack("{s:{s:s, s:{s:s}}}", "Retry-After", "description",
                               "seconds to wait", "schema", "type", "integer"))) {
        json_decref(response);
        return NULL;
    }
    return response;
}

static json_t *openapi_components(void)
{
    json_t *components = json_object();
    json_t *responses = json_object();
    bool ok = components && responses;
    for (size_t i = 0; ok && i < sizeof(openapi_errors) / sizeof(openapi_errors[0]); i++)
        ok = openapi_set(responses, openapi_errors[i].name,
                         openapi_error_response(openapi_errors[i].description,
                                                strcmp(openapi_errors[i].status, "429") == 0));
    ok = ok &&
         openapi_set(components, "schemas", json_pack("{s:o}", "Error", openapi_error_schema()));
    ok = ok && openapi_set(components, "responses", json_incref(responses));
    ok = ok && openapi_set(components, "securitySchemes",
                           json_pack("{s:{s:s, s:s, s:s}}", "bearerAuth", "type", "http", "scheme",
                                     "bearer", "bearerFormat", "JWT"));
    json_decref(responses);
    if (!ok) {
        json_decref(components);
        return NULL;
    }
    return components;
}

/* The schema text of a route, parsed; a generic object when absent or not
 * valid JSON. */
static json_t *openapi_schema(const char *text, const route_t *route)
{
    if (text == NULL)
        return openapi_generic_object();
    json_error_t error;
    json_t *schema = json_loads(text, JSON_REJECT_DUPLICATES, &error);
    if (schema == NULL) {
        log_warn("openapi: schema of %s %s is not valid JSON (line %d: %s)", route->method,
                 route->pattern, error.line, error.text);
        return openapi_generic_object();
    }
    return schema;
}

/* "post_api_v1_properties_pid_rooms" from POST /api/v1/properties/{pid}/rooms. */
static void openapi_operation_id(const route_t *route, char *out, size_t outlen)
{
    size_t o = 0;
    bool gap = false;
    for (const char *p = route->method; *p && o + 1 < outlen; p++)
        out[o++] = (char)tolower((unsigned char)*p);
    for (const char *p = route->pattern; *p && o + 2 < outlen; p++) {
        if (isalnum((unsigned char)*p)) {
            if (gap)
                out[o++] = '_';
            out[o++] = (char)tolower((unsigned char)*p);
            gap = false;
        } else {
            gap = true;
        }
    }
    out[o] = '\0';
}

static bool openapi_is_id_name(const char *name, size_t len)
{
    return len >= 2 && name[len - 2] == 'i' && name[len - 1] == 'd';
}

static json_t *openapi_path_parameters(const char *pattern)
{
    json_t *params = json_array();
    for (const char *p = pattern; params != NULL && (p = strchr(p, '{')) != NULL;) {
        const char *close = strchr(p, '}');
        if (close == NULL)
            break;
        size_t len = (size_t)(close - p - 1);
        json_t *schema = openapi_is_id_name(p + 1, len)
                             ? json_pack("{s:s, s:s}", "type", "string", "format", "uuid")
                             : json_pack("{s:s}", "type", "string");
        json_t *param = json_pack("{s:s%, s:s, s:b, s:o}", "name", p + 1, len, "in", "path",
                                  "required", 1, "schema", schema);
        if (!openapi_append(params, param)) {
            json_decref(params);
            return NULL;
        }
        p = close + 1;
    }
    return params;
}

/* ---- query parameters: "name:type[!],..." (route_t.query) ---- */

/* The types a query spec may name, and how OpenAPI spells each. */
static const struct {
    const char *name;
    const char *type;
    const char *format; /* NULL: none */
} openapi_query_types[] = {
    {"string", "string", NULL}, {"integer", "integer", NULL},         {"boolean", "boolean", NULL},
    {"date", "string", "date"}, {"date-time", "string", "date-time"}, {"uuid", "string", "uuid"},
};

/* Bounds that no real route comes near; they keep the parse allocation-free. */
#define OPENAPI_QUERY_MAX      32
#define OPENAPI_QUERY_NAME_MAX 64

typedef struct openapi_query_param {
    const char *name; /* into the spec: name_len bytes, not NUL-terminated */
    size_t name_len;
    size_t type; /* index into openapi_query_types */
    bool required;
} openapi_query_param_t;

static int openapi_query_fail(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int openapi_query_fail(char *why, size_t why_len, const char *fmt, ...)
{
    if (why != NULL && why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return BUFFR_EINVAL;
}

static bool openapi_query_name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') || c == '_'));
}

/* Split spec into params[0..*count); NULL spec: none. */
static int openapi_query_parse(const char *spec, openapi_query_param_t params[OPENAPI_QUERY_MAX],
                               size_t *count, char *why, size_t why_len)
{
    *count = 0;
    if (spec == NULL)
        return 0;
    for (const char *entry = spec;;) {
        const char *end = strchr(entry, ',');
        if (end == NULL)
            end = entry + strlen(entry);
        int entry_len = (int)(end - entry);
        const char *colon = memchr(entry, ':', (size_t)(end - entry));
        if (colon == NULL)
            return openapi_query_fail(why, why_len, "entry \"%.*s\" is not name:type", entry_len,
                                      entry);
        size_t name_len = (size_t)(colon - entry);
        if (name_len == 0 || name_len > OPENAPI_QUERY_NAME_MAX)
            return openapi_query_fail(why, why_len,
                                      "entry \"%.*s\" has no name or a name over %d "
                                      "characters",
                                      entry_len, entry, OPENAPI_QUERY_NAME_MAX);
        for (size_t i = 0; i < name_len; i++)
            if (!openapi_query_name_char(entry[i], i == 0))
                return openapi_query_fail(why, why_len,
                                          "name \"%.*s\" is not a lowercase letter followed by "
                                          "lowercase letters, digits or '_'",
                                          (int)name_len, entry);
        const char *type = colon + 1;
        size_t type_len = (size_t)(end - type);
        bool required = type_len > 0 && type[type_len - 1] == '!';
        if (required)
            type_len--;
        size_t t = 0, ntypes = sizeof(openapi_query_types) / sizeof(openapi_query_types[0]);
        while (t < ntypes && (strlen(openapi_query_types[t].name) != type_len ||
                              memcmp(openapi_query_types[t].name, type, type_len) != 0))
            t++;
        if (t == ntypes)
            return openapi_query_fail(why, why_len,
                                      "type \"%.*s\" of %.*s is not one of string, integer, "
                                      "boolean, date, date-time, uuid",
                                      (int)type_len, type, (int)name_len, entry);
        for (size_t j = 0; j < *count; j++)
            if (params[j].name_len == name_len && memcmp(params[j].name, entry, name_len) == 0)
                return openapi_query_fail(why, why_len, "%.*s is declared twice", (int)name_len,
                                          entry);
        if (*count == OPENAPI_QUERY_MAX)
            return openapi_query_fail(why, why_len, "more than %d parameters", OPENAPI_QUERY_MAX);
        params[(*count)++] = (openapi_query_param_t){
            .name = entry, .name_len = name_len, .type = t, .required = required};
        if (*end == '\0')
            return 0;
        entry = end + 1;
    }
}

int openapi_query_check(const char *spec, char *why, size_t why_len)
{
    openapi_query_param_t params[OPENAPI_QUERY_MAX];
    size_t count;
    if (why != NULL && why_len > 0)
        why[0] = '\0';
    return openapi_query_parse(spec, params, &count, why, why_len);
}

/* Append the route's query parameters to params; false when out of memory
 * or when the spec is malformed (logged: the route table is wrong). */
static bool openapi_add_query_parameters(json_t *params, const route_t *route)
{
    openapi_query_param_t query[OPENAPI_QUERY_MAX];
    size_t count;
    char why[200];
    if (openapi_query_parse(route->query, query, &count, why, sizeof(why)) != 0) {
        log_error("openapi: the query spec of %s %s is malformed: %s", route->method,
                  route->pattern, why);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        const char *type = openapi_query_types[query[i].type].type;
        const char *format = openapi_query_types[query[i].type].format;
        json_t *schema = format ? json_pack("{s:s, s:s}", "type", type, "format", format)
                                : json_pack("{s:s}", "type", type);
        json_t *param =
            json_pack("{s:s%, s:s, s:b, s:o}", "name", query[i].name, query[i].name_len, "in",
                      "query", "required", query[i].required ? 1 : 0, "schema", schema);
        if (!openapi_append(params, param))
            return false;
    }
    return true;
}

static bool openapi_add_error(json_t *responses, const char *status, const char *name)
{
    char ref[96];
    snprintf(ref, sizeof(ref), "#/components/responses/%s", name);
    return openapi_set(responses, status, json_pack("{s:s}", "$ref", ref));
}

static json_t *openapi_responses(const route_t *route)
{
    json_t *responses = json_object();
    if (responses == NULL)
        return NULL;
    int success = route->success_status ? route->success_status : 200;
    char status[8];
    snprintf(status, sizeof(status), "%d", success);
    json_t *ok_response;
    if (success == 204) {
        ok_response = json_pack("{s:s}", "description", "done");
    } else if (route->flags & ROUTE_RAW) {
        ok_response = json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", "success", "content",
                                "text/plain", "schema", "type", "string");
    } else {
        ok_response =
            json_pack("{s:s, s:{s:{s:o}}}", "description", "success", "content", "application/json",
                      "schema", openapi_schema(route->response_schema, route));
    }
    bool ok = openapi_set(responses, status, ok_response);

    bool json_body = route->flags & ROUTE_JSON_BODY;
    bool is_public = route->perm.min_role == ROLE_NONE;
    bool is_write = strcmp(route->method, "GET") != 0 && strcmp(route->method, "HEAD") != 0;
    bool has_params = strchr(route->pattern, '{') != NULL;
    bool is_api = strncmp(route->pattern, "/api/", 5) == 0;
    if (json_body || route->query != NULL || strcmp(route->method, "PATCH") == 0 ||
        (is_api && strcmp(route->method, "GET") == 0))
        ok = ok && openapi_add_error(responses, "400", "BadRequest");
    if (!is_public) {
        ok = ok && openapi_add_error(responses, "401", "Unauthenticated");
        ok = ok && openapi_add_error(responses, "403", "Forbidden");
    }
    if (has_params)
        ok = ok && openapi_add_error(responses, "404", "NotFound");
    if (is_write && !is_public)
        ok = ok && openapi_add_error(responses, "409", "Conflict");
    if (json_body) {
        ok = ok && openapi_add_error(responses, "413", "PayloadTooLarge");
        ok = ok && openapi_add_error(responses, "415", "UnsupportedMediaType");
    }
    if (is_write && is_public)
        ok = ok && openapi_add_error(responses, "429", "RateLimited");
    ok = ok && openapi_add_error(responses, "500", "Internal");
    if (!ok) {
        json_decref(responses);
        return NULL;
    }
    return responses;
}

static json_t *openapi_operation(const route_t *route, json_t *seen_ids)
{
    json_t *op = json_object();
    if (op == NULL)
        return NULL;
    char id[256];
    openapi_operation_id(route, id, sizeof(id));
    /* Two patterns that differ only in punctuation would collide. */
    char unique[280];
    snprintf(unique, sizeof(unique), "%s", id);
    for (int k = 2; json_object_get(seen_ids, unique) != NULL; k++)
        snprintf(unique, sizeof(unique), "%s_%d", id, k);
    bool ok = json_object_set_new(seen_ids, unique, json_true()) == 0;

    ok = ok && openapi_set(op, "operationId", json_string(unique));
    ok = ok && openapi_set(op, "summary", json_string(route->summary ? route->summary : ""));
    ok = ok && openapi_set(op, "tags", json_pack("[s]", route->tag ? route->tag : "default"));
    json_t *params = openapi_path_parameters(route->pattern);
    ok = ok && params != NULL && openapi_add_query_parameters(params, route);
    if (ok && json_array_size(params) > 0)
        ok = openapi_set(op, "parameters", json_incref(params));
    json_decref(params);

    if (route->perm.min_role == ROLE_NONE) {
        ok = ok && openapi_set(op, "security", json_array());
    } else {
        ok = ok && openapi_set(op, "security", json_pack("[{s:[]}]", "bearerAuth"));
        ok = ok && openapi_set(op, "x-required-role", json_string(role_name(route->perm.min_role)));
    }
    if (route->perm.service != 0)
        ok = ok && openapi_set(op, "x-service", json_string(service_name(route->perm.service)));

    if (route->request_schema != NULL || (route->flags & ROUTE_JSON_BODY))
        ok = ok && openapi_set(op, "requestBody",
                               json_pack("{s:b, s:{s:{s:o}}}", "required",
                                         (route->flags & ROUTE_JSON_BODY) ? 1 : 0, "content",
                                         "application/json", "schema",
                                         openapi_schema(route->request_schema, route)));
    ok = ok && openapi_set(op, "responses", openapi_responses(route));
    if (!ok) {
        json_decref(op);
        return NULL;
    }
    return op;
}

json_t *openapi_document(const route_t *routes, size_t n, const char *version)
{
    json_t *doc = json_object();
    json_t *paths = json_object();
    json_t *tags = json_array();
    json_t *seen_tags = json_object();
    json_t *seen_ids = json_object();
    bool ok = doc && paths && tags && seen_tags && seen_ids;

    ok = ok && openapi_set(doc, "openapi", json_string("3.1.0"));
    ok = ok && openapi_set(doc, "info",
                           json_pack("{s:s, s:s, s:s}", "title", "Buffr Host API", "version",
                                     version ? version : "0", "description",
                                     "Multi-tenant hospitality platform: properties, rooms, "
                                     "reservations, menus and orders. Errors have the shape "
                                     "{\"error\":{\"code\",\"message\",\"details\"}}."));
    for (size_t i = 0; ok && i < n; i++) {
        const route_t *route = &routes[i];
        json_t *item = json_object_get(paths, route->pattern);
        if (item == NULL) {
            item = json_object();
            ok = openapi_set(paths, route->pattern, item);
        }
        char method[16];
        size_t m = 0;
        for (; route->method[m] && m + 1 < sizeof(method); m++)
            method[m] = (char)tolower((unsigned char)route->method[m]);
        method[m] = '\0';
        ok = ok && openapi_set(item, method, openapi_operation(route, seen_ids));
        const char *tag = route->tag ? route->tag : "default";
        if (ok && json_object_get(seen_tags, tag) == NULL) {
            ok = json_object_set_new(seen_tags, tag, json_true()) == 0 &&
                 openapi_append(tags, json_pack("{s:s}", "name", tag));
        }
    }
    ok = ok && openapi_set(doc, "tags", json_incref(tags));
    ok = ok && openapi_set(doc, "paths", json_incref(paths));
    ok = ok && openapi_set(doc, "components", openapi_components());
    json_decref(paths);
    json_decref(tags);
    json_decref(seen_tags);
    json_decref(seen_ids);
    if (!ok) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
