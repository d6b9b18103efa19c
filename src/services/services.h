/*
 * services.h - bookable services of a property as one resource-and-time-slot
 * engine: spa treatments (therapists, treatment rooms), conference rooms
 * (layouts, hourly or daily rates, equipment add-ons) and shuttle seats.
 *
 * Every booking is created in one write transaction that also claims what it
 * uses: rows of resource_slots (one per resource and 15-minute slot, UNIQUE)
 * for rooms and therapists, rows of addon_slots for stocked add-ons, and a
 * guarded seats_booked counter (with a CHECK) for shuttle departures. So no
 * resource is ever held twice at once and no departure is oversold, under
 * any concurrency, on SQLite and PostgreSQL alike. Cancelling releases them
 * in the same transaction that marks the booking cancelled.
 *
 * Times are property-local "YYYY-MM-DDTHH:MM" (see slots.h). Prices are
 * integer minor units in the property's currency, computed here, never
 * taken from the client.
 *
 * Not here: HTTP (api/services_api.c), hotel stays (reservations module; a
 * booking may only point at one by reservation_id, checked in C).
 */
#ifndef BUFFR_SERVICES_SERVICES_H
#define BUFFR_SERVICES_SERVICES_H

#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "core/domain.h"
#include "core/error.h"
#include "db/migrate.h"
#include "http/rbac.h"

extern const db_migration_t services_migrations[];
extern const size_t services_migrations_count;

/* Query-string inputs of collection reads; NULL when absent. Each function
 * reads the ones it knows and ignores the others. */
typedef struct svc_query {
    int limit;          /* lists: 1..200 */
    const char *cursor; /* lists: an id, NULL for the first page */
    const char *date;   /* "YYYY-MM-DD" */
    const char *status;
    const char *kind;
    const char *treatment_id;
    const char *route_id;
    const char *departure_id;
    const char *room_id;
    const char *attendees; /* text as given: each function checks its own range */
    const char *layout;
} svc_query_t;

/* The shapes every entry point has (core/domain.h, but for collection
 * reads); pid is the property, id the entity. They are function types, so
 * the declarations below name each function once under its shape (the
 * definitions spell the parameters out, and the compiler checks they agree). */
typedef domain_write_fn svc_create_fn;
typedef int svc_collection_fn(app_t *app, const principal_t *who, const char *pid,
                              const svc_query_t *q, json_t **out, buffr_err_t *e);
typedef domain_get_fn svc_get_fn; /* also a state change without a body (a cancel) */
typedef domain_update_fn svc_update_fn;
typedef domain_delete_fn svc_delete_fn;

/* ---- spa (spa.c): resources (?kind=), treatments, bookings ---- */
svc_create_fn spa_resource_create, spa_treatment_create, spa_booking_create;
svc_collection_fn spa_resource_list, spa_treatment_list, spa_booking_list;
svc_get_fn spa_resource_get, spa_treatment_get, spa_booking_get, spa_booking_cancel;
svc_update_fn spa_resource_update, spa_treatment_update;
svc_delete_fn spa_resource_delete, spa_treatment_delete;
/* Free starts of q->treatment_id on q->date. */
svc_collection_fn spa_availability;

/* ---- conference (conference.c): rooms, add-ons, bookings ---- */
svc_create_fn conference_room_create, conference_addon_create, conference_booking_create;
svc_collection_fn conference_room_list, conference_addon_list, conference_booking_list;
svc_get_fn conference_room_get, conference_addon_get, conference_booking_get,
    conference_booking_cancel;
svc_update_fn conference_room_update, conference_addon_update;
svc_delete_fn conference_room_delete, conference_addon_delete;
/* The active rooms fitting q->attendees (in q->layout) and their free
 * intervals on q->date, by room name. */
svc_collection_fn conference_availability;

/* ---- shuttle (shuttle.c): routes, departures (?date=&route_id=), bookings ---- */
svc_create_fn shuttle_route_create, shuttle_departure_create, shuttle_booking_create;
svc_collection_fn shuttle_route_list, shuttle_departure_list, shuttle_booking_list;
svc_get_fn shuttle_route_get, shuttle_departure_get, shuttle_booking_get, shuttle_booking_cancel;
svc_update_fn shuttle_route_update, shuttle_departure_update;
svc_delete_fn shuttle_route_delete, shuttle_departure_delete;
/* The departures of q->date, in time order, with seats_left. */
svc_collection_fn shuttle_schedule;

#endif
