/*
 * openapi.h - the OpenAPI 3.1 document of the API, generated from the route
 * table, so the served description can never drift from what is routed.
 *
 * Each route becomes an operation with its summary, tag, path and query
 * parameters, security (bearer JWT unless public, plus x-required-role and
 * x-service), request body schema, success response and the error responses
 * that the HTTP layer can produce for it. Not here: serving it (an API handler does).
 */
#ifndef BUFFR_HTTP_OPENAPI_H
#define BUFFR_HTTP_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"

/* A new reference (caller decrefs), or NULL when out of memory or when a
 * route's query spec is malformed (logged). A route's schema text that is
 * not valid JSON is replaced by a generic object schema and logged. */
json_t *openapi_document(const route_t *routes, size_t n, const char *version);

/* 0 when spec (route_t.query; NULL means none) is well formed: comma-separated
 * "name:type" entries, each optionally ending in "!" (required), names of
 * lowercase letters, digits and '_' starting with a letter, each name once,
 * types among string, integer, boolean, date, date-time, uuid; no blanks.
 * Otherwise BUFFR_EINVAL, and why (when not NULL) says what is wrong. */
int openapi_query_check(const char *spec, char *why, size_t why_len);

#endif
