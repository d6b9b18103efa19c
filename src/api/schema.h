/*
 * schema.h - building blocks for the JSON Schemas that routes declare for
 * their bodies and answers (shown in /api/v1/openapi.json).
 */
#ifndef BUFFR_API_SCHEMA_H
#define BUFFR_API_SCHEMA_H

#define S_STR  "{\"type\":\"string\"}"
#define S_INT  "{\"type\":\"integer\"}"
#define S_BOOL "{\"type\":\"boolean\"}"
#define S_UUID "{\"type\":\"string\",\"format\":\"uuid\"}"
#define S_TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define S_PERMS                                                                                    \
    "{\"type\":\"array\",\"items\":{\"enum\":[\"hotel\",\"restaurant\",\"spa\",\"conference\","    \
    "\"transport\",\"inventory\"]}}"
#define S_ROLE "{\"enum\":[\"owner\",\"manager\",\"service_manager\",\"staff\",\"guest\"]}"
#define S_PTYPE                                                                                    \
    "{\"enum\":[\"hotel\",\"restaurant\",\"spa\",\"conference\",\"transport\",\"resort\"]}"

#define OBJ(props, required)                                                                       \
    "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" required "]}"

/* A page of a list: {"data":[item...],"next_cursor"}. */
#define S_LIST(item)                                                                               \
    OBJ("\"data\":{\"type\":\"array\",\"items\":" item "},"                                        \
        "\"next_cursor\":{\"type\":[\"string\",\"null\"]}",                                        \
        "\"data\",\"next_cursor\"")

/* A whole list in one answer, {"data":[item...],"next_cursor":null}: no
 * paging, so no limit or cursor to send (a paged list is S_LIST, and its
 * route declares "limit:integer,cursor:string"). */
#define S_WHOLE_LIST(item)                                                                         \
    OBJ("\"data\":{\"type\":\"array\",\"items\":" item "},"                                        \
        "\"next_cursor\":{\"type\":\"null\"}",                                                     \
        "\"data\",\"next_cursor\"")

/* A user as the identity module renders it (users and /me). */
#define USER_PROPS                                                                                 \
    "\"id\":" S_UUID ",\"email\":" S_STR ",\"full_name\":" S_STR ",\"role\":" S_ROLE               \
    ",\"permissions\":" S_PERMS ",\"disabled\":" S_BOOL ",\"mfa_enabled\":" S_BOOL                 \
    ",\"created_at\":" S_TIME ",\"updated_at\":" S_TIME ",\"version\":" S_INT

#define JSON ROUTE_JSON_BODY

#endif
