/*
 * rooms_api.c - a hotel's inventory over HTTP: room types and their rate
 * plans, rooms, housekeeping status, out-of-order blocks, policies, the
 * housekeeping report, the rates-and-availability calendar, and a room's
 * iCalendar export and import. The rules live in src/reservations/.
 */
#include "api/api.h"
#include "api/schema.h"
#include "api/serve.h"

#include <strings.h>

#include "reservations/reservations.h"

/* Reads and day-to-day work: hotel staff; inventory changes: the hotel's
 * service managers (owners and managers pass every check). */
#define HOTEL_STAFF   PERM_SERVICE(ROLE_STAFF, SERVICE_HOTEL)
#define HOTEL_MANAGER PERM_SERVICE(ROLE_SERVICE_MANAGER, SERVICE_HOTEL)

/* ---- the handlers: most bind a shape of serve.h to a domain function ---- */

HANDLER(api_room_types_create, serve_write(r, room_type_create, 201))
HANDLER(api_room_types_get, serve_get(r, "tid", room_type_get))
HANDLER(api_room_types_update, serve_update(r, "tid", room_type_update, 200))
HANDLER(api_room_types_delete, serve_delete(r, "tid", room_type_delete))
HANDLER(api_rate_plan_get, serve_get(r, "tid", rate_plan_get))
HANDLER(api_rate_plan_put, serve_update(r, "tid", rate_plan_put, 200))
HANDLER(api_rate_season_add, serve_update(r, "tid", rate_season_add, 201))
HANDLER(api_rooms_create, serve_write(r, room_create, 201))
HANDLER(api_rooms_get, serve_get(r, "rid", room_get))
HANDLER(api_rooms_update, serve_update(r, "rid", room_update, 200))
HANDLER(api_rooms_delete, serve_delete(r, "rid", room_delete))
HANDLER(api_rooms_status, serve_change(r, "rid", room_set_status, 200))
HANDLER(api_room_blocks_create, serve_change(r, "rid", room_block_create, 201))
HANDLER(api_room_blocks_list, serve_get(r, "rid", room_block_list))
HANDLER(api_room_calendar_ics, api_reply_ical(r, "rid"))
HANDLER(api_policies_get, serve_read(r, policy_get))
HANDLER(api_housekeeping, serve_filter(r, "date", housekeeping_report))

/* The lists of room types and rooms: ?limit and ?cursor (rooms also
 * ?room_type_id). */
static void serve_list(req_t *r, bool rooms)
{
    char pid[UUID_BUF_SIZE];
    int limit;
    const char *cursor;
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0 || req_page(r, &limit, &cursor) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = rooms ? room_list(req_app(r), req_principal(r), pid, req_query(r, "room_type_id"),
                               limit, cursor, &out, &e)
                   : room_type_list(req_app(r), req_principal(r), pid, limit, cursor, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

HANDLER(api_room_types_list, serve_list(r, false))
HANDLER(api_rooms_list, serve_list(r, true))

/* Removing a season or a block: two ids under the property. */
static void api_rate_season_remove(req_t *r)
{
    char pid[UUID_BUF_SIZE], tid[UUID_BUF_SIZE], sid[UUID_BUF_SIZE];
    int64_t version;
    if (serve_ids(r, "tid", pid, tid, NULL) != 0 || req_uuid_param(r, "sid", sid) != 0 ||
        req_if_match(r, &version) != 0)
        return;
    buffr_err_t e = {0};
    int rc = rate_season_remove(req_app(r), req_principal(r), pid, tid, sid, version, &e);
    api_reply(r, rc, &e, 204, NULL);
}

static void api_room_blocks_delete(req_t *r)
{
    char pid[UUID_BUF_SIZE], rid[UUID_BUF_SIZE], bid[UUID_BUF_SIZE];
    if (serve_ids(r, "rid", pid, rid, NULL) != 0 || req_uuid_param(r, "bid", bid) != 0)
        return;
    buffr_err_t e = {0};
    int rc = room_block_delete(req_app(r), req_principal(r), pid, rid, bid, &e);
    api_reply(r, rc, &e, 204, NULL);
}

static void api_room_calendar_import(req_t *r)
{
    char pid[UUID_BUF_SIZE], rid[UUID_BUF_SIZE];
    if (serve_ids(r, "rid", pid, rid, NULL) != 0)
        return;
    const char *type = req_header(r, "Content-Type");
    if (type == NULL || strncasecmp(type, "text/calendar", 13) != 0 ||
        (type[13] != '\0' && type[13] != ';' && type[13] != ' ')) {
        reply_error(r, BUFFR_EMEDIA, NULL, "Content-Type must be text/calendar");
        return;
    }
    size_t len = 0;
    const char *body = req_body(r, &len);
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = room_calendar_import(req_app(r), req_principal(r), pid, rid, req_query(r, "feed"),
                                  body, len, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

/* ---- property-wide ---- */

static void api_policies_put(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    int64_t version;
    if (serve_ids(r, NULL, pid, NULL, &version) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = policy_put(req_app(r), req_principal(r), pid, req_json(r), version, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_calendar(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = calendar_get(req_app(r), req_principal(r), pid, req_query(r, "from"),
                          req_query(r, "to"), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

/* ---- routes ---- */

#define S_DATE "{\"type\":\"string\",\"format\":\"date\"}"
#define S_STRS "{\"type\":\"array\",\"items\":" S_STR "}"
#define S_NINT "{\"type\":[\"integer\",\"null\"]}"
#define S_HK   "{\"enum\":[\"clean\",\"dirty\",\"inspected\"]}"

#define ROOM_TYPE_PROPS                                                                            \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID ",\"name\":" S_STR ",\"code\":" S_STR              \
    ",\"capacity\":" S_INT ",\"base_rate\":" S_INT ",\"currency\":" S_STR                          \
    ",\"description\":" S_STR ",\"amenities\":" S_STRS ",\"min_stay\":" S_INT                      \
    ",\"created_at\":" S_TIME ",\"updated_at\":" S_TIME ",\"version\":" S_INT
static const char room_type_answer[] =
    OBJ(ROOM_TYPE_PROPS, "\"id\",\"name\",\"code\",\"capacity\",\"base_rate\",\"version\"");
static const char room_types_answer[] = S_LIST(OBJ(ROOM_TYPE_PROPS, "\"id\""));
#define ROOM_TYPE_INPUT                                                                            \
    "\"name\":" S_STR ",\"code\":" S_STR ",\"capacity\":" S_INT ",\"base_rate\":" S_INT            \
    ",\"description\":" S_STR ",\"amenities\":" S_STRS ",\"min_stay\":" S_INT
static const char room_type_create_body[] =
    OBJ(ROOM_TYPE_INPUT, "\"name\",\"code\",\"capacity\",\"base_rate\"");
static const char room_type_update_body[] = OBJ(ROOM_TYPE_INPUT, "");

#define WEEKDAY_RATES                                                                              \
    "{\"type\":\"object\",\"properties\":{\"monday\":" S_NINT ",\"tuesday\":" S_NINT               \
    ",\"wednesday\":" S_NINT ",\"thursday\":" S_NINT ",\"friday\":" S_NINT ",\"saturday\":" S_NINT \
    ",\"sunday\":" S_NINT "}}"
#define SEASON_PROPS                                                                               \
    "\"name\":" S_STR ",\"from\":" S_DATE ",\"to\":" S_DATE ",\"rate\":" S_INT                     \
    ",\"min_stay\":" S_NINT
#define SEASON OBJ(SEASON_PROPS, "\"from\",\"to\",\"rate\"")
/* A season as answered: with its id (a PUT gives every season a new one). */
#define SEASON_ANSWER OBJ("\"id\":" S_UUID "," SEASON_PROPS, "\"id\",\"from\",\"to\",\"rate\"")
#define RATE_PLAN_FIELDS(season)                                                                   \
    "\"base_rate\":" S_INT ",\"min_stay\":" S_INT ",\"weekday_rates\":" WEEKDAY_RATES              \
    ",\"seasons\":{\"type\":\"array\",\"items\":" season "}"                                       \
    ",\"closed_to_arrival\":{\"type\":\"array\",\"items\":" S_DATE "}"
static const char rate_plan_body[] = OBJ(RATE_PLAN_FIELDS(SEASON), "");
static const char rate_plan_answer[] =
    OBJ("\"room_type_id\":" S_UUID ",\"currency\":" S_STR ",\"version\":" S_INT
        "," RATE_PLAN_FIELDS(SEASON_ANSWER),
        "\"room_type_id\",\"base_rate\",\"weekday_rates\",\"seasons\",\"closed_to_arrival\"");
static const char season_answer[] =
    OBJ("\"id\":" S_UUID ",\"room_type_id\":" S_UUID "," SEASON_PROPS,
        "\"id\",\"room_type_id\",\"from\",\"to\",\"rate\"");

#define ROOM_PROPS                                                                                 \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID ",\"room_type_id\":" S_UUID ",\"number\":" S_STR   \
    ",\"floor\":" S_NINT ",\"features\":" S_STRS ",\"status\":" S_HK ",\"created_at\":" S_TIME     \
    ",\"updated_at\":" S_TIME ",\"version\":" S_INT
static const char room_answer[] =
    OBJ(ROOM_PROPS, "\"id\",\"room_type_id\",\"number\",\"status\",\"version\"");
static const char rooms_answer[] = S_LIST(OBJ(ROOM_PROPS, "\"id\""));
#define ROOM_INPUT                                                                                 \
    "\"number\":" S_STR ",\"room_type_id\":" S_UUID ",\"floor\":" S_INT ",\"features\":" S_STRS    \
    ",\"status\":" S_HK
static const char room_create_body[] = OBJ(ROOM_INPUT, "\"number\",\"room_type_id\"");
static const char room_update_body[] = OBJ(ROOM_INPUT, "");
static const char room_status_body[] = OBJ("\"status\":" S_HK, "\"status\"");

#define BLOCK_PROPS                                                                                \
    "\"id\":" S_UUID ",\"room_id\":" S_UUID                                                        \
    ",\"kind\":{\"enum\":[\"out_of_order\",\"external\"]},\"from\":" S_DATE ",\"to\":" S_DATE      \
    ",\"reason\":" S_STR                                                                           \
    ",\"feed\":{\"type\":[\"string\",\"null\"]},\"uid\":{\"type\":[\"string\","                    \
    "\"null\"]},\"created_at\":" S_TIME
static const char block_answer[] = OBJ(BLOCK_PROPS, "\"id\",\"kind\",\"from\",\"to\"");
static const char blocks_answer[] = S_WHOLE_LIST(OBJ(BLOCK_PROPS, "\"id\""));
static const char block_body[] =
    OBJ("\"from\":" S_DATE ",\"to\":" S_DATE ",\"reason\":" S_STR, "\"from\",\"to\"");
static const char import_answer[] =
    OBJ("\"room_id\":" S_UUID ",\"feed\":" S_STR ",\"events\":" S_INT ",\"skipped_events\":" S_INT
        ",\"nights_blocked\":" S_INT ",\"conflicts\":{\"type\":\"array\",\"items\":" OBJ(
            "\"night\":" S_DATE ",\"reservation_id\":{\"type\":[\"string\",\"null\"]},"
            "\"block_id\":{\"type\":[\"string\",\"null\"]}",
            "\"night\"") "}",
        "\"events\",\"nights_blocked\",\"conflicts\"");

#define POLICY_INPUT                                                                               \
    "\"check_in_time\":{\"type\":\"string\",\"pattern\":\"^[0-2][0-9]:[0-5][0-9]$\"},"             \
    "\"check_out_time\":{\"type\":\"string\",\"pattern\":\"^[0-2][0-9]:[0-5][0-9]$\"},"            \
    "\"cancellation_policy\":" S_STR ",\"free_cancellation_hours\":" S_INT                         \
    ",\"cancellation_fee_kind\":{\"enum\":[\"none\",\"first_night\",\"fixed\"]},"                  \
    "\"cancellation_fee_amount\":" S_INT
static const char policy_body[] = OBJ(POLICY_INPUT, "");
static const char policy_answer[] =
    OBJ("\"property_id\":" S_UUID "," POLICY_INPUT ",\"currency\":" S_STR
        ",\"updated_at\":{\"type\":[\"string\",\"null\"]},\"version\":" S_INT,
        "\"check_in_time\",\"check_out_time\",\"free_cancellation_hours\","
        "\"cancellation_fee_kind\",\"version\"");

static const char housekeeping_answer[] =
    OBJ("\"date\":" S_DATE ",\"arrivals\":" S_INT ",\"departures\":" S_INT
        ",\"data\":{\"type\":\"array\",\"items\":" OBJ(
            "\"room_id\":" S_UUID ",\"number\":" S_STR ",\"floor\":" S_NINT
            ",\"room_type_id\":" S_UUID ",\"room_type_code\":" S_STR
            ",\"status\":{\"enum\":[\"clean\",\"dirty\",\"inspected\",\"out_of_order\"]}"
            ",\"housekeeping_status\":" S_HK ",\"occupied\":" S_BOOL
            ",\"reservation_id\":{\"type\":[\"string\",\"null\"]}"
            ",\"block\":{\"type\":[\"object\",\"null\"]},\"arrival\":{\"type\":[\"object\","
            "\"null\"]},\"departure\":{\"type\":[\"object\",\"null\"]}",
            "\"room_id\",\"number\",\"status\"") "}",
        "\"date\",\"data\"");

static const char calendar_answer[] =
    OBJ("\"from\":" S_DATE ",\"to\":" S_DATE ",\"currency\":" S_STR
        ",\"room_types\":{\"type\":\"array\",\"items\":" OBJ(
            "\"room_type_id\":" S_UUID ",\"name\":" S_STR ",\"code\":" S_STR ",\"capacity\":" S_INT
            ",\"total_rooms\":" S_INT ",\"nights\":{\"type\":\"array\",\"items\":" OBJ(
                "\"date\":" S_DATE ",\"available\":" S_INT ",\"rate\":" S_INT ",\"min_stay\":" S_INT
                ",\"closed_to_arrival\":" S_BOOL,
                "\"date\",\"available\",\"rate\"") "}",
            "\"room_type_id\",\"nights\"") "}",
        "\"from\",\"to\",\"room_types\"");

#define P "/api/v1/properties/{pid}"
#define T "hotel"

const route_t rooms_routes[] = {
    {"POST", P "/room-types", api_room_types_create, HOTEL_MANAGER, "Create a room type", T, JSON,
     room_type_create_body, room_type_answer, 201},
    {"GET", P "/room-types", api_room_types_list, HOTEL_STAFF, "List the property's room types", T,
     0, NULL, room_types_answer, 200, 0, "limit:integer,cursor:string"},
    {"GET", P "/room-types/{tid}", api_room_types_get, HOTEL_STAFF, "Read a room type", T, 0, NULL,
     room_type_answer, 200},
    {"PATCH", P "/room-types/{tid}", api_room_types_update, HOTEL_MANAGER,
     "Change a room type (If-Match)", T, JSON, room_type_update_body, room_type_answer, 200},
    {"DELETE", P "/room-types/{tid}", api_room_types_delete, HOTEL_MANAGER,
     "Delete a room type without rooms or reservations", T, 0, NULL, NULL, 204},
    {"GET", P "/room-types/{tid}/rates", api_rate_plan_get, HOTEL_STAFF,
     "Read a room type's rate plan (base, weekday and seasonal rates, minimum stay, "
     "closed-to-arrival dates)",
     T, 0, NULL, rate_plan_answer, 200},
    {"PUT", P "/room-types/{tid}/rates", api_rate_plan_put, HOTEL_MANAGER,
     "Replace a room type's whole rate plan (weekday rates, seasons and closed dates not given: "
     "none); seasons are [from, to) and must not overlap (optional If-Match)",
     T, JSON, rate_plan_body, rate_plan_answer, 200},
    {"POST", P "/room-types/{tid}/rates/seasons", api_rate_season_add, HOTEL_MANAGER,
     "Add one season [from, to) to a room type's rate plan; the rest of the plan stays (400 when "
     "it overlaps another season; optional If-Match on the room type's version)",
     T, JSON, SEASON, season_answer, 201},
    {"DELETE", P "/room-types/{tid}/rates/seasons/{sid}", api_rate_season_remove, HOTEL_MANAGER,
     "Remove one season from a room type's rate plan (optional If-Match)", T, 0, NULL, NULL, 204},
    {"POST", P "/rooms", api_rooms_create, HOTEL_MANAGER,
     "Create a room (number unique in the property)", T, JSON, room_create_body, room_answer, 201},
    {"GET", P "/rooms", api_rooms_list, HOTEL_STAFF, "List rooms (?room_type_id=)", T, 0, NULL,
     rooms_answer, 200, 0, "room_type_id:uuid,limit:integer,cursor:string"},
    {"GET", P "/rooms/{rid}", api_rooms_get, HOTEL_STAFF, "Read a room", T, 0, NULL, room_answer,
     200},
    {"PATCH", P "/rooms/{rid}", api_rooms_update, HOTEL_MANAGER, "Change a room (If-Match)", T,
     JSON, room_update_body, room_answer, 200},
    {"DELETE", P "/rooms/{rid}", api_rooms_delete, HOTEL_MANAGER,
     "Delete a room without reservations or blocks", T, 0, NULL, NULL, 204},
    {"POST", P "/rooms/{rid}/status", api_rooms_status, HOTEL_STAFF,
     "Set a room's housekeeping status (clean, dirty, inspected)", T, JSON, room_status_body,
     room_answer, 200},
    {"POST", P "/rooms/{rid}/blocks", api_room_blocks_create, HOTEL_MANAGER,
     "Put a room out of order for the nights [from, to)", T, JSON, block_body, block_answer, 201},
    {"GET", P "/rooms/{rid}/blocks", api_room_blocks_list, HOTEL_STAFF,
     "List a room's blocks (out of order and imported)", T, 0, NULL, blocks_answer, 200},
    {"DELETE", P "/rooms/{rid}/blocks/{bid}", api_room_blocks_delete, HOTEL_MANAGER,
     "Remove a block; its nights are free again", T, 0, NULL, NULL, 204},
    {"GET", P "/rooms/{rid}/calendar.ics", api_room_calendar_ics, HOTEL_STAFF,
     "A room's stays and out-of-order blocks as iCalendar (?from=&to=)", T, ROUTE_RAW, NULL, NULL,
     200, 0, "from:date,to:date"},
    {"POST", P "/rooms/{rid}/calendar-import", api_room_calendar_import, HOTEL_MANAGER,
     "Import an external iCalendar feed (text/calendar body, ?feed=NAME) as blocked nights, "
     "replacing that feed's previous import",
     T, 0, NULL, import_answer, 200, 0, "feed:string"},
    {"GET", P "/policies", api_policies_get, HOTEL_STAFF,
     "Read check-in/out times and the cancellation policy", T, 0, NULL, policy_answer, 200},
    {"PUT", P "/policies", api_policies_put, HOTEL_MANAGER,
     "Set check-in/out times and the cancellation rule (fields not given keep their value; "
     "If-Match)",
     T, JSON, policy_body, policy_answer, 200},
    {"GET", P "/housekeeping", api_housekeeping, HOTEL_STAFF,
     "Rooms with their status on ?date= (default today), arrivals and departures", T, 0, NULL,
     housekeeping_answer, 200, 0, "date:date"},
    {"GET", P "/calendar", api_calendar, HOTEL_STAFF,
     "Free rooms and rate per room type per night of [from, to) (at most 366 nights)", T, 0, NULL,
     calendar_answer, 200, 0, "from:date!,to:date!"},
};
const size_t rooms_routes_count = sizeof(rooms_routes) / sizeof(rooms_routes[0]);
