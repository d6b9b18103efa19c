/*
 * openapi.h - the OpenAPI 3.1 document of the API, generated from the route
 * table, so the served description can never drift from what is routed.
 *
 * Each route becomes an operation with its summary, tag, path parameters,
 * security (bearer JWT unless public, plus x-required-role and x-service),
 * request body schema, success response and the error responses that the
 * HTTP layer can produce for it. Not here: serving it (an API handler does).
 */
#ifndef BUFFR_HTTP_OPENAPI_H
#define BUFFR_HTTP_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"

/* A new reference (caller decrefs), or NULL when out of memory. A route's
 * schema text that is not valid JSON is replaced by a generic object schema
 * and logged. */
json_t *openapi_document(const route_t *routes, size_t n, const char *version);

#endif
