/*
 * reservations_api.c - availability and reservations over HTTP: search,
 * book (one room or a group), read, list and search, change, the state
 * changes, moving a stay, and the iCalendar export (the property's here,
 * a room's in rooms_api.c). The rules live in src/reservations/booking.c.
 */
#include "api/api.h"
#include "api/schema.h"
#include "api/serve.h"

#include <stdlib.h>
#include <string.h>

#include "reservations/reservations.h"

#define HOTEL_STAFF PERM_SERVICE(ROLE_STAFF, SERVICE_HOTEL)

/* api_reply, except that a refusal the domain explained with details (a
 * 409; see reservations.h) answers them as the error's "details", beside
 * the field: API.md's error shape, with more for a client to act on. */
static void reply_refusal(req_t *r, int rc, const buffr_err_t *e, int status, json_t *out)
{
    if (rc == 0 || !json_is_object(out) || buffr_http_status(rc) != 409) {
        api_reply(r, rc, e, status, out);
        return;
    }
    if (e->field[0] != '\0')
        json_object_set_new(out, "field", json_string(e->field));
    json_t *error = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", buffr_api_code(rc), "message",
                              e->message, "details", out);
    if (error == NULL) {
        reply_err(r, e);
        return;
    }
    reply_json(r, buffr_http_status(rc), error);
}

void api_reply_ical(req_t *r, const char *param)
{
    char pid[UUID_BUF_SIZE], rid[UUID_BUF_SIZE];
    if (serve_ids(r, param, pid, rid, NULL) != 0)
        return;
    char *text = NULL;
    buffr_err_t e = {0};
    int rc = reservations_ical_export(req_app(r), req_principal(r), pid, param ? rid : NULL,
                                      req_query(r, "from"), req_query(r, "to"), &text, &e);
    if (rc != 0) {
        reply_err(r, &e);
        return;
    }
    reply_raw(r, 200, "text/calendar; charset=utf-8", text, strlen(text));
    free(text);
}

/* A state change (cancel, check-in, check-out, no-show): no body, the
 * optional If-Match. */
static void serve_action(req_t *r, reservation_action_t action)
{
    char pid[UUID_BUF_SIZE], id[UUID_BUF_SIZE];
    int64_t version;
    if (serve_ids(r, "id", pid, id, &version) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = reservation_act(req_app(r), req_principal(r), pid, id, action, version, &out, &e);
    reply_refusal(r, rc, &e, 200, out);
}

/* ---- the handlers: most bind a shape of serve.h to a domain function ---- */

HANDLER(api_reservations_create, serve_write_reply(r, reservation_create, 201, reply_refusal))
HANDLER(api_reservations_group, serve_write_reply(r, reservation_create_group, 201, reply_refusal))
HANDLER(api_reservations_get, serve_get(r, "id", reservation_get))
HANDLER(api_reservations_update,
        serve_update_reply(r, "id", reservation_update, 200, reply_refusal))
HANDLER(api_reservations_move, serve_update_reply(r, "id", reservation_move, 200, reply_refusal))
HANDLER(api_reservations_cancel, serve_action(r, RESERVATION_CANCEL))
HANDLER(api_reservations_check_in, serve_action(r, RESERVATION_CHECK_IN))
HANDLER(api_reservations_check_out, serve_action(r, RESERVATION_CHECK_OUT))
HANDLER(api_reservations_no_show, serve_action(r, RESERVATION_NO_SHOW))
HANDLER(api_reservations_ics, api_reply_ical(r, NULL))

/* ---- property-wide: the search and the list ---- */

static void api_availability(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0)
        return;
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = availability_search(req_app(r), req_principal(r), pid, req_query(r, "check_in"),
                                 req_query(r, "check_out"), req_query(r, "guests"), &out, &e);
    api_reply(r, rc, &e, 200, out);
}

static void api_reservations_list(req_t *r)
{
    char pid[UUID_BUF_SIZE];
    reservation_filter_t f = {0};
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0 || req_page(r, &f.limit, &f.cursor) != 0)
        return;
    f.from = req_query(r, "from");
    f.to = req_query(r, "to");
    f.status = req_query(r, "status");
    f.room_id = req_query(r, "room_id");
    f.q = req_query(r, "q");
    f.arrival = req_query(r, "arrival");
    f.departure = req_query(r, "departure");
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = reservation_list(req_app(r), req_principal(r), pid, &f, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

/* ---- routes ---- */

#define S_DATE "{\"type\":\"string\",\"format\":\"date\"}"
#define S_STATUS                                                                                   \
    "{\"enum\":[\"confirmed\",\"checked_in\",\"checked_out\",\"cancelled\",\"no_show\"]}"
#define GUEST_INPUT                                                                                \
    OBJ("\"first_name\":" S_STR ",\"last_name\":" S_STR ",\"email\":" S_STR ",\"phone\":" S_STR,   \
        "\"first_name\",\"last_name\",\"email\"")

#define RESERVATION_PROPS                                                                          \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID ",\"status\":" S_STATUS ",\"room_id\":" S_UUID     \
    ",\"room_number\":" S_STR ",\"room_type_id\":" S_UUID ",\"check_in\":" S_DATE                  \
    ",\"check_out\":" S_DATE ",\"nights\":" S_INT ",\"guests\":" S_INT ",\"total\":" S_INT         \
    ",\"currency\":" S_STR ",\"cancellation_fee\":{\"type\":[\"integer\",\"null\"]}"               \
    ",\"group_id\":{\"type\":[\"string\",\"null\"]},\"guest\":" GUEST_INPUT                        \
    ",\"created_at\":" S_TIME ",\"updated_at\":" S_TIME ",\"version\":" S_INT
#define RESERVATION_OBJ                                                                            \
    OBJ(RESERVATION_PROPS, "\"id\",\"status\",\"room_id\",\"room_type_id\",\"check_in\","          \
                           "\"check_out\",\"total\",\"currency\",\"version\"")
static const char reservation_answer[] = RESERVATION_OBJ;
static const char reservations_answer[] = S_LIST(RESERVATION_OBJ);
static const char reservation_create_body[] =
    OBJ("\"room_type_id\":" S_UUID ",\"check_in\":" S_DATE ",\"check_out\":" S_DATE
        ",\"guests\":" S_INT ",\"guest\":" GUEST_INPUT,
        "\"room_type_id\",\"check_in\",\"check_out\",\"guests\",\"guest\"");
static const char group_body[] =
    OBJ("\"check_in\":" S_DATE ",\"check_out\":" S_DATE ",\"guest\":" GUEST_INPUT
        ",\"rooms\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":20,\"items\":" OBJ(
            "\"room_type_id\":" S_UUID ",\"guests\":" S_INT, "\"room_type_id\",\"guests\"") "}",
        "\"check_in\",\"check_out\",\"guest\",\"rooms\"");
static const char group_answer[] = OBJ(
    "\"group_id\":" S_UUID ",\"check_in\":" S_DATE ",\"check_out\":" S_DATE ",\"total\":" S_INT
    ",\"currency\":" S_STR ",\"reservations\":{\"type\":\"array\",\"items\":" RESERVATION_OBJ "}",
    "\"group_id\",\"total\",\"reservations\"");
static const char reservation_update_body[] = OBJ("\"check_in\":" S_DATE ",\"check_out\":" S_DATE
                                                  ",\"room_type_id\":" S_UUID ",\"guests\":" S_INT,
                                                  "");
static const char move_body[] = OBJ("\"room_id\":" S_UUID, "\"room_id\"");
static const char availability_answer[] =
    OBJ("\"data\":{\"type\":\"array\",\"items\":" OBJ(
            "\"room_type_id\":" S_UUID ",\"name\":" S_STR ",\"code\":" S_STR ",\"capacity\":" S_INT
            ",\"available\":" S_INT ",\"total\":" S_INT ",\"currency\":" S_STR ",\"nights\":" S_INT
            ",\"min_stay\":" S_INT
            ",\"restriction\":{\"enum\":[\"min_stay\",\"closed_to_arrival\",null]}",
            "\"room_type_id\",\"name\",\"available\",\"total\",\"currency\"") "}",
        "\"data\"");

#define P "/api/v1/properties/{pid}"
#define T "hotel"

const route_t reservations_routes[] = {
    {"GET", P "/availability", api_availability, HOTEL_STAFF,
     "Room types fitting ?guests= with rooms free on every night of [?check_in, ?check_out) and "
     "the stay's total; a restricted stay shows available 0 and its restriction",
     T, 0, NULL, availability_answer, 200, 0, "check_in:date!,check_out:date!,guests:integer!"},
    {"POST", P "/reservations", api_reservations_create, HOTEL_STAFF,
     "Book a room of a type for a stay (a concrete room is assigned; 409 NO_AVAILABILITY when "
     "none is free; Idempotency-Key)",
     T, JSON | ROUTE_IDEMPOTENT, reservation_create_body, reservation_answer, 201},
    {"POST", P "/reservations/group", api_reservations_group, HOTEL_STAFF,
     "Book several rooms for one guest, all or none (Idempotency-Key)", T, JSON | ROUTE_IDEMPOTENT,
     group_body, group_answer, 201},
    {"GET", P "/reservations", api_reservations_list, HOTEL_STAFF,
     "List reservations: stays overlapping [?from, ?to), ?status=, ?room_id=, ?arrival=, "
     "?departure=, ?q= (guest name or email)",
     T, 0, NULL, reservations_answer, 200, 0,
     "from:date,to:date,status:string,room_id:uuid,arrival:date,departure:date,q:string,"
     "limit:integer,cursor:string"},
    {"GET", P "/reservations.ics", api_reservations_ics, HOTEL_STAFF,
     "The property's stays and out-of-order blocks as iCalendar (?from=&to=)", T, ROUTE_RAW, NULL,
     NULL, 200, 0, "from:date,to:date"},
    {"GET", P "/reservations/{id}", api_reservations_get, HOTEL_STAFF, "Read a reservation", T, 0,
     NULL, reservation_answer, 200},
    {"PATCH", P "/reservations/{id}", api_reservations_update, HOTEL_STAFF,
     "Change dates, room type or guests with a fresh availability check; the stay is repriced "
     "(optional If-Match: a stale one answers 409 CONFLICT)",
     T, JSON, reservation_update_body, reservation_answer, 200},
    {"POST", P "/reservations/{id}/cancel", api_reservations_cancel, HOTEL_STAFF,
     "Cancel a confirmed stay; frees its nights and records the policy's cancellation_fee", T, 0,
     NULL, reservation_answer, 200},
    {"POST", P "/reservations/{id}/check-in", api_reservations_check_in, HOTEL_STAFF,
     "Check in (from the arrival date; the room must be clean or inspected)", T, 0, NULL,
     reservation_answer, 200},
    {"POST", P "/reservations/{id}/check-out", api_reservations_check_out, HOTEL_STAFF,
     "Check out; the room becomes dirty, check_out becomes the departure date and the nights "
     "from it are freed (on the arrival date too: a day use, first night charged)",
     T, 0, NULL, reservation_answer, 200},
    {"POST", P "/reservations/{id}/no-show", api_reservations_no_show, HOTEL_STAFF,
     "Record a no-show (from the arrival date); frees the nights and records the late fee", T, 0,
     NULL, reservation_answer, 200},
    {"POST", P "/reservations/{id}/move", api_reservations_move, HOTEL_STAFF,
     "Move the stay (or, in the house, the nights left) to another room free for those nights "
     "whose type fits the party",
     T, JSON, move_body, reservation_answer, 200},
};
const size_t reservations_routes_count =
    sizeof(reservations_routes) / sizeof(reservations_routes[0]);
