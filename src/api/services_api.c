/*
 * services_api.c - the HTTP face of bookable services under
 * /api/v1/properties/{pid}/: spa (resources, treatments, availability,
 * bookings), conference (rooms, add-ons, availability, bookings) and
 * transportation/shuttle (routes, departures, schedule, bookings).
 *
 * Handlers only pick the path ids and query parameters and call the domain
 * (services/services.h); the route array at the end says who may call what:
 * staff of the service read and book, its service managers (and managers,
 * owners) configure.
 */
#include "api/api.h"
#include "api/schema.h"
#include "api/serve.h"

#include "services/services.h"

/* A collection read; paged lists take ?limit and ?cursor. The other
 * shapes are serve.h's. */
static void serve_collection(req_t *r, svc_collection_fn *fn, bool paged)
{
    char pid[UUID_BUF_SIZE];
    svc_query_t q = {0};
    if (serve_ids(r, NULL, pid, NULL, NULL) != 0 ||
        (paged && req_page(r, &q.limit, &q.cursor) != 0))
        return;
    q.date = req_query(r, "date");
    q.status = req_query(r, "status");
    q.kind = req_query(r, "kind");
    q.treatment_id = req_query(r, "treatment_id");
    q.route_id = req_query(r, "route_id");
    q.departure_id = req_query(r, "departure_id");
    q.room_id = req_query(r, "room_id");
    q.attendees = req_query(r, "attendees");
    q.layout = req_query(r, "layout");
    json_t *out = NULL;
    buffr_err_t e = {0};
    int rc = fn(req_app(r), req_principal(r), pid, &q, &out, &e);
    api_reply(r, rc, &e, 200, out);
}

/* ---- the handlers: each binds a shape to a domain function ---- */

/* spa */
HANDLER(spa_resources_create, serve_write(r, spa_resource_create, 201))
HANDLER(spa_resources_list, serve_collection(r, spa_resource_list, true))
HANDLER(spa_resources_get, serve_get(r, "rid", spa_resource_get))
HANDLER(spa_resources_update, serve_update(r, "rid", spa_resource_update, 200))
HANDLER(spa_resources_delete, serve_delete(r, "rid", spa_resource_delete))
HANDLER(spa_treatments_create, serve_write(r, spa_treatment_create, 201))
HANDLER(spa_treatments_list, serve_collection(r, spa_treatment_list, true))
HANDLER(spa_treatments_get, serve_get(r, "tid", spa_treatment_get))
HANDLER(spa_treatments_update, serve_update(r, "tid", spa_treatment_update, 200))
HANDLER(spa_treatments_delete, serve_delete(r, "tid", spa_treatment_delete))
HANDLER(spa_availability_get, serve_collection(r, spa_availability, false))
HANDLER(spa_bookings_create, serve_write(r, spa_booking_create, 201))
HANDLER(spa_bookings_list, serve_collection(r, spa_booking_list, true))
HANDLER(spa_bookings_get, serve_get(r, "bid", spa_booking_get))
HANDLER(spa_bookings_cancel, serve_get(r, "bid", spa_booking_cancel))

/* conference */
HANDLER(conference_rooms_create, serve_write(r, conference_room_create, 201))
HANDLER(conference_rooms_list, serve_collection(r, conference_room_list, true))
HANDLER(conference_rooms_get, serve_get(r, "rid", conference_room_get))
HANDLER(conference_rooms_update, serve_update(r, "rid", conference_room_update, 200))
HANDLER(conference_rooms_delete, serve_delete(r, "rid", conference_room_delete))
HANDLER(conference_addons_create, serve_write(r, conference_addon_create, 201))
HANDLER(conference_addons_list, serve_collection(r, conference_addon_list, true))
HANDLER(conference_addons_get, serve_get(r, "aid", conference_addon_get))
HANDLER(conference_addons_update, serve_update(r, "aid", conference_addon_update, 200))
HANDLER(conference_addons_delete, serve_delete(r, "aid", conference_addon_delete))
HANDLER(conference_availability_get, serve_collection(r, conference_availability, false))
HANDLER(conference_bookings_create, serve_write(r, conference_booking_create, 201))
HANDLER(conference_bookings_list, serve_collection(r, conference_booking_list, true))
HANDLER(conference_bookings_get, serve_get(r, "bid", conference_booking_get))
HANDLER(conference_bookings_cancel, serve_get(r, "bid", conference_booking_cancel))

/* shuttle */
HANDLER(shuttle_routes_create, serve_write(r, shuttle_route_create, 201))
HANDLER(shuttle_routes_list, serve_collection(r, shuttle_route_list, true))
HANDLER(shuttle_routes_get, serve_get(r, "rid", shuttle_route_get))
HANDLER(shuttle_routes_update, serve_update(r, "rid", shuttle_route_update, 200))
HANDLER(shuttle_routes_delete, serve_delete(r, "rid", shuttle_route_delete))
HANDLER(shuttle_departures_create, serve_write(r, shuttle_departure_create, 201))
HANDLER(shuttle_departures_list, serve_collection(r, shuttle_departure_list, true))
HANDLER(shuttle_departures_get, serve_get(r, "did", shuttle_departure_get))
HANDLER(shuttle_departures_update, serve_update(r, "did", shuttle_departure_update, 200))
HANDLER(shuttle_departures_delete, serve_delete(r, "did", shuttle_departure_delete))
HANDLER(shuttle_schedule_get, serve_collection(r, shuttle_schedule, false))
HANDLER(shuttle_bookings_create, serve_write(r, shuttle_booking_create, 201))
HANDLER(shuttle_bookings_list, serve_collection(r, shuttle_booking_list, true))
HANDLER(shuttle_bookings_get, serve_get(r, "bid", shuttle_booking_get))
HANDLER(shuttle_bookings_cancel, serve_get(r, "bid", shuttle_booking_cancel))

/* ---- schemas ---- */

#define S_MONEY         "{\"type\":\"integer\",\"minimum\":0}"
#define S_MONEY_OR_NULL "{\"type\":[\"integer\",\"null\"],\"minimum\":0}"
#define S_DATE          "{\"type\":\"string\",\"format\":\"date\"}"
#define S_LOCAL                                                                                    \
    "{\"type\":\"string\",\"description\":\"property-local YYYY-MM-DDTHH:MM\","                    \
    "\"pattern\":\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$\"}"
#define S_HOURS                                                                                    \
    "{\"type\":\"object\",\"description\":\"per weekday (mon..sun): \\\"HH:MM-HH:MM\\\" or a "     \
    "list of up to 4 such ranges; a missing day is closed\"}"
#define S_HOURS_OR_NULL                                                                            \
    "{\"type\":[\"object\",\"null\"],\"description\":\"per weekday (mon..sun) HH:MM-HH:MM "        \
    "ranges; null: open all day\"}"
#define S_LAYOUTS                                                                                  \
    "{\"type\":\"object\",\"description\":\"capacity per layout: theatre, classroom, boardroom, "  \
    "banquet, cabaret, u_shape, hollow_square, reception\","                                       \
    "\"additionalProperties\":{\"type\":\"integer\",\"minimum\":1}}"
#define S_KINDS                                                                                    \
    "{\"type\":\"array\",\"minItems\":1,\"maxItems\":4,\"items\":{\"type\":\"string\","            \
    "\"pattern\":\"^[a-z][a-z0-9_]*$\"}}"
#define S_LAYOUT                                                                                   \
    "{\"enum\":[\"theatre\",\"classroom\",\"boardroom\",\"banquet\",\"cabaret\",\"u_shape\","      \
    "\"hollow_square\",\"reception\"]}"
#define S_GUEST                                                                                    \
    OBJ("\"first_name\":" S_STR ",\"last_name\":" S_STR ",\"email\":" S_STR,                       \
        "\"first_name\",\"last_name\",\"email\"")
#define STAMPS ",\"created_at\":" S_TIME ",\"updated_at\":" S_TIME ",\"version\":" S_INT

#define SPA_RESOURCE_PROPS                                                                         \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID ",\"name\":" S_STR ",\"kind\":" S_STR              \
    ",\"working_hours\":" S_HOURS ",\"active\":" S_BOOL STAMPS
static const char spa_resource_answer[] =
    OBJ(SPA_RESOURCE_PROPS, "\"id\",\"name\",\"kind\",\"working_hours\",\"active\",\"version\"");
static const char spa_resources_answer[] = S_LIST(OBJ(SPA_RESOURCE_PROPS, "\"id\""));
static const char spa_resource_create_body[] =
    OBJ("\"name\":" S_STR ",\"kind\":" S_STR ",\"working_hours\":" S_HOURS ",\"active\":" S_BOOL,
        "\"name\",\"kind\",\"working_hours\"");
static const char spa_resource_update_body[] = OBJ(
    "\"name\":" S_STR ",\"kind\":" S_STR ",\"working_hours\":" S_HOURS ",\"active\":" S_BOOL, "");

#define TREATMENT_PROPS                                                                            \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID ",\"name\":" S_STR                                 \
    ",\"description\":{\"type\":[\"string\",\"null\"]},\"duration_minutes\":" S_INT                \
    ",\"price\":" S_MONEY ",\"required_resources\":" S_KINDS ",\"active\":" S_BOOL                 \
    ",\"currency\":" S_STR STAMPS
static const char treatment_answer[] =
    OBJ(TREATMENT_PROPS, "\"id\",\"name\",\"duration_minutes\",\"price\",\"required_resources\","
                         "\"currency\",\"version\"");
static const char treatments_answer[] = S_LIST(OBJ(TREATMENT_PROPS, "\"id\""));
#define TREATMENT_BODY_PROPS                                                                       \
    "\"name\":" S_STR ",\"description\":" S_STR                                                    \
    ",\"duration_minutes\":{\"type\":\"integer\",\"minimum\":5,\"maximum\":720},"                  \
    "\"price\":" S_MONEY ",\"required_resources\":" S_KINDS ",\"active\":" S_BOOL
static const char treatment_create_body[] =
    OBJ(TREATMENT_BODY_PROPS, "\"name\",\"duration_minutes\",\"price\",\"required_resources\"");
static const char treatment_update_body[] = OBJ(TREATMENT_BODY_PROPS, "");

static const char spa_availability_answer[] =
    OBJ("\"treatment_id\":" S_UUID ",\"date\":" S_DATE ",\"duration_minutes\":" S_INT
        ",\"price\":" S_MONEY ",\"currency\":" S_STR ",\"data\":{\"type\":\"array\",\"items\":" OBJ(
            "\"start\":" S_LOCAL ",\"end\":" S_LOCAL, "\"start\",\"end\"") "}",
        "\"treatment_id\",\"date\",\"data\"");

/* Every service's booking; the fields of the other services are absent. */
#define BOOKING_PROPS                                                                              \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID                                                    \
    ",\"service\":{\"enum\":[\"spa\",\"conference\",\"shuttle\"]}"                                 \
    ",\"status\":{\"enum\":[\"confirmed\",\"cancelled\"]},\"start\":" S_LOCAL ",\"end\":" S_LOCAL  \
    ",\"treatment_id\":" S_UUID ",\"treatment_name\":" S_STR ",\"duration_minutes\":" S_INT        \
    ",\"price\":" S_MONEY ",\"resources\":{\"type\":\"array\",\"items\":" OBJ(                     \
        "\"id\":" S_UUID ",\"kind\":" S_STR ",\"name\":" S_STR,                                    \
        "\"id\",\"kind\"") "}"                                                                     \
                           ",\"room_id\":" S_UUID ",\"room_name\":" S_STR ",\"layout\":" S_LAYOUT  \
                           ",\"attendees\":" S_INT                                                 \
                           ",\"booking_type\":{\"enum\":[\"hourly\",\"daily\"]},\"date\":" S_DATE  \
                           ",\"days\":" S_INT ",\"event_name\":{\"type\":[\"string\",\"null\"]},"  \
                           "\"room_amount\":" S_MONEY                                              \
                           ",\"addons\":{\"type\":\"array\",\"items\":" OBJ(                       \
                               "\"addon_id\":" S_UUID ",\"name\":" S_STR ",\"quantity\":" S_INT    \
                               ",\"unit_price\":" S_MONEY ",\"amount\":" S_MONEY,                  \
                               "\"addon_id\",\"quantity\",\"amount\"") "}"                         \
                                                                       ",\"departure_id\":" S_UUID \
                                                                       ",\"route_id\":" S_UUID     \
                                                                       ",\"route_name\":" S_STR    \
                                                                       ",\"seats\":" S_INT         \
                                                                       ",\"price_per_"             \
                                                                       "seat\":" S_MONEY           \
                                                                       ",\"guest\":" S_GUEST       \
                                                                       ",\"reservation_id\":{"     \
                                                                       "\"type\":[\"string\","     \
                                                                       "\"null\"]},"               \
                                                                       "\"total\":" S_MONEY        \
                                                                       ",\"currency\":" S_STR      \
                                                                       ",\"cancelled_at\":{"       \
                                                                       "\"type\":[\"string\","     \
                                                                       "\"null\"]}" STAMPS
static const char booking_answer[] =
    OBJ(BOOKING_PROPS, "\"id\",\"service\",\"status\",\"start\",\"guest\",\"total\",\"currency\","
                       "\"version\"");
static const char bookings_answer[] = S_LIST(OBJ(BOOKING_PROPS, "\"id\""));
static const char spa_booking_body[] = OBJ("\"treatment_id\":" S_UUID ",\"start\":" S_LOCAL
                                           ",\"guest\":" S_GUEST ",\"reservation_id\":" S_UUID,
                                           "\"treatment_id\",\"start\",\"guest\"");

#define ROOM_BODY_PROPS                                                                            \
    "\"name\":" S_STR ",\"capacity\":{\"type\":\"integer\",\"minimum\":1},\"layouts\":" S_LAYOUTS  \
    ",\"hourly_rate\":" S_MONEY_OR_NULL ",\"daily_rate\":" S_MONEY_OR_NULL                         \
    ",\"working_hours\":" S_HOURS_OR_NULL ",\"active\":" S_BOOL
#define ROOM_PROPS                                                                                 \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID "," ROOM_BODY_PROPS ",\"currency\":" S_STR STAMPS
static const char room_answer[] =
    OBJ(ROOM_PROPS, "\"id\",\"name\",\"capacity\",\"layouts\",\"hourly_rate\",\"daily_rate\","
                    "\"currency\",\"version\"");
static const char rooms_answer[] = S_LIST(OBJ(ROOM_PROPS, "\"id\""));
static const char room_create_body[] = OBJ(ROOM_BODY_PROPS, "\"name\",\"capacity\",\"layouts\"");
static const char room_update_body[] = OBJ(ROOM_BODY_PROPS, "");

#define ADDON_BODY_PROPS                                                                           \
    "\"name\":" S_STR ",\"price\":" S_MONEY                                                        \
    ",\"stock\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,\"description\":\"units owned; "    \
    "null: unlimited\"},\"active\":" S_BOOL
#define ADDON_PROPS                                                                                \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID "," ADDON_BODY_PROPS ",\"currency\":" S_STR STAMPS
static const char addon_answer[] =
    OBJ(ADDON_PROPS, "\"id\",\"name\",\"price\",\"stock\",\"currency\",\"version\"");
static const char addons_answer[] = S_LIST(OBJ(ADDON_PROPS, "\"id\""));
static const char addon_create_body[] = OBJ(ADDON_BODY_PROPS, "\"name\",\"price\"");
static const char addon_update_body[] = OBJ(ADDON_BODY_PROPS, "");

#define FREE_INTERVAL OBJ("\"start\":" S_LOCAL ",\"end\":" S_LOCAL, "\"start\",\"end\"")
#define ROOM_DAY_PROPS                                                                             \
    "\"room_id\":" S_UUID ",\"name\":" S_STR ",\"capacity\":" S_INT                                \
    ",\"layout_capacity\":{\"type\":[\"integer\",\"null\"],\"description\":\"seats in the "        \
    "asked layout; null without ?layout\"},\"hourly_rate\":" S_MONEY_OR_NULL                       \
    ",\"daily_rate\":" S_MONEY_OR_NULL ",\"free\":{\"type\":\"array\",\"items\":" FREE_INTERVAL    \
    "},\"whole_day_free\":" S_BOOL
static const char conference_availability_answer[] =
    OBJ("\"date\":" S_DATE ",\"currency\":" S_STR ",\"data\":{\"type\":\"array\",\"items\":" OBJ(
            ROOM_DAY_PROPS, "\"room_id\",\"name\",\"capacity\",\"layout_capacity\",\"hourly_rate\","
                            "\"daily_rate\",\"free\",\"whole_day_free\"") "}",
        "\"date\",\"currency\",\"data\"");

static const char conference_booking_body[] =
    OBJ("\"room_id\":" S_UUID ",\"layout\":" S_LAYOUT ",\"attendees\":{\"type\":\"integer\","
        "\"minimum\":1},\"start\":" S_LOCAL ",\"end\":" S_LOCAL ",\"date\":" S_DATE
        ",\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":31}"
        ",\"addons\":{\"type\":\"array\",\"items\":" OBJ(
            "\"addon_id\":" S_UUID ",\"quantity\":{\"type\":\"integer\",\"minimum\":1}",
            "\"addon_id\"") "},\"event_name\":" S_STR ",\"guest\":" S_GUEST
                            ",\"reservation_id\":" S_UUID,
        "\"room_id\",\"layout\",\"attendees\",\"guest\"");

#define ROUTE_BODY_PROPS                                                                           \
    "\"name\":" S_STR ",\"origin\":" S_STR ",\"destination\":" S_STR                               \
    ",\"price_per_seat\":" S_MONEY ",\"active\":" S_BOOL
#define ROUTE_PROPS                                                                                \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID "," ROUTE_BODY_PROPS ",\"currency\":" S_STR STAMPS
static const char route_answer[] =
    OBJ(ROUTE_PROPS, "\"id\",\"name\",\"origin\",\"destination\",\"price_per_seat\",\"version\"");
static const char routes_answer[] = S_LIST(OBJ(ROUTE_PROPS, "\"id\""));
static const char route_create_body[] =
    OBJ(ROUTE_BODY_PROPS, "\"name\",\"origin\",\"destination\"");
static const char route_update_body[] = OBJ(ROUTE_BODY_PROPS, "");

#define S_HHMM "{\"type\":\"string\",\"pattern\":\"^[0-9]{2}:[0-9]{2}$\"}"
#define DEPARTURE_PROPS                                                                            \
    "\"id\":" S_UUID ",\"property_id\":" S_UUID ",\"route_id\":" S_UUID ",\"route_name\":" S_STR   \
    ",\"origin\":" S_STR ",\"destination\":" S_STR ",\"date\":" S_DATE ",\"time\":" S_HHMM         \
    ",\"departure\":" S_LOCAL ",\"seats\":" S_INT ",\"seats_booked\":" S_INT                       \
    ",\"seats_left\":" S_INT ",\"price_per_seat\":" S_MONEY ",\"currency\":" S_STR STAMPS
#define DEPARTURE_REQUIRED "\"id\",\"route_id\",\"date\",\"time\",\"seats\",\"seats_left\""
static const char departure_answer[] = OBJ(DEPARTURE_PROPS, DEPARTURE_REQUIRED);
static const char departures_answer[] = S_LIST(OBJ(DEPARTURE_PROPS, "\"id\""));
static const char schedule_answer[] =
    OBJ("\"date\":" S_DATE
        ",\"data\":{\"type\":\"array\",\"items\":" OBJ(DEPARTURE_PROPS, DEPARTURE_REQUIRED) "}",
        "\"date\",\"data\"");
static const char departure_create_body[] =
    OBJ("\"route_id\":" S_UUID ",\"date\":" S_DATE ",\"time\":" S_HHMM
        ",\"seats\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}",
        "\"route_id\",\"date\",\"time\",\"seats\"");
static const char departure_update_body[] =
    OBJ("\"date\":" S_DATE ",\"time\":" S_HHMM
        ",\"seats\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}",
        "");
static const char shuttle_booking_body[] =
    OBJ("\"departure_id\":" S_UUID ",\"seats\":{\"type\":\"integer\",\"minimum\":1},"
        "\"guest\":" S_GUEST ",\"reservation_id\":" S_UUID,
        "\"departure_id\",\"seats\",\"guest\"");

/* ---- routes ---- */

#define SPA_STAFF      PERM_SERVICE(ROLE_STAFF, SERVICE_SPA)
#define SPA_MANAGER    PERM_SERVICE(ROLE_SERVICE_MANAGER, SERVICE_SPA)
#define CONF_STAFF     PERM_SERVICE(ROLE_STAFF, SERVICE_CONFERENCE)
#define CONF_MANAGER   PERM_SERVICE(ROLE_SERVICE_MANAGER, SERVICE_CONFERENCE)
#define RIDE_STAFF     PERM_SERVICE(ROLE_STAFF, SERVICE_TRANSPORT)
#define RIDE_MANAGER   PERM_SERVICE(ROLE_SERVICE_MANAGER, SERVICE_TRANSPORT)
#define BOOKING_CREATE (ROUTE_JSON_BODY | ROUTE_IDEMPOTENT)

#define SPA  "/api/v1/properties/{pid}/spa"
#define CONF "/api/v1/properties/{pid}/conference"
#define RIDE "/api/v1/properties/{pid}/transportation/shuttle"

const route_t services_routes[] = {
    /* spa */
    {"POST", SPA "/resources", spa_resources_create, SPA_MANAGER,
     "Add a spa resource (therapist, treatment room...) with working hours", "spa", JSON,
     spa_resource_create_body, spa_resource_answer, 201},
    {"GET", SPA "/resources", spa_resources_list, SPA_STAFF, "List the spa's resources (?kind=)",
     "spa", 0, NULL, spa_resources_answer, 200, 0, "kind:string,limit:integer,cursor:string"},
    {"GET", SPA "/resources/{rid}", spa_resources_get, SPA_STAFF, "Read a spa resource", "spa", 0,
     NULL, spa_resource_answer, 200},
    {"PATCH", SPA "/resources/{rid}", spa_resources_update, SPA_MANAGER,
     "Change a spa resource (If-Match)", "spa", JSON, spa_resource_update_body, spa_resource_answer,
     200},
    {"DELETE", SPA "/resources/{rid}", spa_resources_delete, SPA_MANAGER,
     "Delete a spa resource that was never booked", "spa", 0, NULL, NULL, 204},
    {"POST", SPA "/treatments", spa_treatments_create, SPA_MANAGER,
     "Add a treatment (duration, price, resource kinds it needs)", "spa", JSON,
     treatment_create_body, treatment_answer, 201},
    {"GET", SPA "/treatments", spa_treatments_list, SPA_STAFF, "List the spa's treatments", "spa",
     0, NULL, treatments_answer, 200, 0, "limit:integer,cursor:string"},
    {"GET", SPA "/treatments/{tid}", spa_treatments_get, SPA_STAFF, "Read a treatment", "spa", 0,
     NULL, treatment_answer, 200},
    {"PATCH", SPA "/treatments/{tid}", spa_treatments_update, SPA_MANAGER,
     "Change a treatment (If-Match)", "spa", JSON, treatment_update_body, treatment_answer, 200},
    {"DELETE", SPA "/treatments/{tid}", spa_treatments_delete, SPA_MANAGER,
     "Delete a treatment that was never booked", "spa", 0, NULL, NULL, 204},
    {"GET", SPA "/availability", spa_availability_get, SPA_STAFF,
     "Free start times of a treatment on a date (?treatment_id=&date=), 15-minute grid", "spa", 0,
     NULL, spa_availability_answer, 200, 0, "treatment_id:uuid!,date:date!"},
    {"POST", SPA "/bookings", spa_bookings_create, SPA_STAFF,
     "Book a treatment: assigns a free resource of each needed kind (Idempotency-Key)", "spa",
     BOOKING_CREATE, spa_booking_body, booking_answer, 201},
    {"GET", SPA "/bookings", spa_bookings_list, SPA_STAFF,
     "List spa bookings (?date=&status=&treatment_id=)", "spa", 0, NULL, bookings_answer, 200, 0,
     "date:date,status:string,treatment_id:uuid,limit:integer,cursor:string"},
    {"GET", SPA "/bookings/{bid}", spa_bookings_get, SPA_STAFF, "Read a spa booking", "spa", 0,
     NULL, booking_answer, 200},
    {"POST", SPA "/bookings/{bid}/cancel", spa_bookings_cancel, SPA_STAFF,
     "Cancel a spa booking and free its resources at once", "spa", 0, NULL, booking_answer, 200},

    /* conference */
    {"POST", CONF "/rooms", conference_rooms_create, CONF_MANAGER,
     "Add a conference room (capacity per layout, hourly/daily rates)", "conference", JSON,
     room_create_body, room_answer, 201},
    {"GET", CONF "/rooms", conference_rooms_list, CONF_STAFF, "List the conference rooms",
     "conference", 0, NULL, rooms_answer, 200, 0, "limit:integer,cursor:string"},
    {"GET", CONF "/rooms/{rid}", conference_rooms_get, CONF_STAFF, "Read a conference room",
     "conference", 0, NULL, room_answer, 200},
    {"PATCH", CONF "/rooms/{rid}", conference_rooms_update, CONF_MANAGER,
     "Change a conference room (If-Match; layouts replace the set; null clears a rate or the "
     "hours)",
     "conference", JSON, room_update_body, room_answer, 200},
    {"DELETE", CONF "/rooms/{rid}", conference_rooms_delete, CONF_MANAGER,
     "Delete a conference room that was never booked", "conference", 0, NULL, NULL, 204},
    {"POST", CONF "/addons", conference_addons_create, CONF_MANAGER,
     "Add an equipment add-on (price per booking and unit, optional stock)", "conference", JSON,
     addon_create_body, addon_answer, 201},
    {"GET", CONF "/addons", conference_addons_list, CONF_STAFF, "List the equipment add-ons",
     "conference", 0, NULL, addons_answer, 200, 0, "limit:integer,cursor:string"},
    {"GET", CONF "/addons/{aid}", conference_addons_get, CONF_STAFF, "Read an add-on", "conference",
     0, NULL, addon_answer, 200},
    {"PATCH", CONF "/addons/{aid}", conference_addons_update, CONF_MANAGER,
     "Change an add-on (If-Match; stock null: unlimited)", "conference", JSON, addon_update_body,
     addon_answer, 200},
    {"DELETE", CONF "/addons/{aid}", conference_addons_delete, CONF_MANAGER,
     "Delete an add-on that was never booked", "conference", 0, NULL, NULL, 204},
    {"GET", CONF "/availability", conference_availability_get, CONF_STAFF,
     "Active rooms seating ?attendees= (in ?layout=) by name, with their free intervals on "
     "?date= (15-minute grid, within opening hours) and whether the whole day is free",
     "conference", 0, NULL, conference_availability_answer, 200, 0,
     "date:date!,attendees:integer,layout:string"},
    {"POST", CONF "/bookings", conference_bookings_create, CONF_STAFF,
     "Book a room by the hour (start, end) or the day (date, days) with add-ons; the server "
     "prices it (Idempotency-Key)",
     "conference", BOOKING_CREATE, conference_booking_body, booking_answer, 201},
    {"GET", CONF "/bookings", conference_bookings_list, CONF_STAFF,
     "List conference bookings (?date=&status=&room_id=)", "conference", 0, NULL, bookings_answer,
     200, 0, "date:date,status:string,room_id:uuid,limit:integer,cursor:string"},
    {"GET", CONF "/bookings/{bid}", conference_bookings_get, CONF_STAFF,
     "Read a conference booking", "conference", 0, NULL, booking_answer, 200},
    {"POST", CONF "/bookings/{bid}/cancel", conference_bookings_cancel, CONF_STAFF,
     "Cancel a conference booking and free the room and add-ons at once", "conference", 0, NULL,
     booking_answer, 200},

    /* transport */
    {"POST", RIDE "/routes", shuttle_routes_create, RIDE_MANAGER,
     "Add a shuttle route (origin, destination, price per seat)", "transport", JSON,
     route_create_body, route_answer, 201},
    {"GET", RIDE "/routes", shuttle_routes_list, RIDE_STAFF, "List the shuttle routes", "transport",
     0, NULL, routes_answer, 200, 0, "limit:integer,cursor:string"},
    {"GET", RIDE "/routes/{rid}", shuttle_routes_get, RIDE_STAFF, "Read a shuttle route",
     "transport", 0, NULL, route_answer, 200},
    {"PATCH", RIDE "/routes/{rid}", shuttle_routes_update, RIDE_MANAGER,
     "Change a shuttle route (If-Match)", "transport", JSON, route_update_body, route_answer, 200},
    {"DELETE", RIDE "/routes/{rid}", shuttle_routes_delete, RIDE_MANAGER,
     "Delete a shuttle route without departures", "transport", 0, NULL, NULL, 204},
    {"POST", RIDE "/departures", shuttle_departures_create, RIDE_MANAGER,
     "Schedule a departure (route, date, time, seats)", "transport", JSON, departure_create_body,
     departure_answer, 201},
    {"GET", RIDE "/departures", shuttle_departures_list, RIDE_STAFF,
     "List departures (?date=&route_id=)", "transport", 0, NULL, departures_answer, 200, 0,
     "date:date,route_id:uuid,limit:integer,cursor:string"},
    {"GET", RIDE "/departures/{did}", shuttle_departures_get, RIDE_STAFF, "Read a departure",
     "transport", 0, NULL, departure_answer, 200},
    {"PATCH", RIDE "/departures/{did}", shuttle_departures_update, RIDE_MANAGER,
     "Move a departure or change its seats (If-Match; never below the seats booked)", "transport",
     JSON, departure_update_body, departure_answer, 200},
    {"DELETE", RIDE "/departures/{did}", shuttle_departures_delete, RIDE_MANAGER,
     "Delete a departure without bookings", "transport", 0, NULL, NULL, 204},
    {"GET", RIDE "/schedule", shuttle_schedule_get, RIDE_STAFF,
     "A day's departures in time order with seats left (?date=&route_id=)", "transport", 0, NULL,
     schedule_answer, 200, 0, "date:date!,route_id:uuid"},
    {"POST", RIDE "/bookings", shuttle_bookings_create, RIDE_STAFF,
     "Book seats on a departure; never oversells (Idempotency-Key)", "transport", BOOKING_CREATE,
     shuttle_booking_body, booking_answer, 201},
    {"GET", RIDE "/bookings", shuttle_bookings_list, RIDE_STAFF,
     "List shuttle bookings (?date=&status=&departure_id=)", "transport", 0, NULL, bookings_answer,
     200, 0, "date:date,status:string,departure_id:uuid,limit:integer,cursor:string"},
    {"GET", RIDE "/bookings/{bid}", shuttle_bookings_get, RIDE_STAFF, "Read a shuttle booking",
     "transport", 0, NULL, booking_answer, 200},
    {"POST", RIDE "/bookings/{bid}/cancel", shuttle_bookings_cancel, RIDE_STAFF,
     "Cancel a shuttle booking and give its seats back at once", "transport", 0, NULL,
     booking_answer, 200},
};
const size_t services_routes_count = sizeof(services_routes) / sizeof(services_routes[0]);
