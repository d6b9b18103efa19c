/*
 * reservations.h - the hotel side of Buffr Host: room types, rooms and their
 * housekeeping state, property policies, rate plans, availability, the
 * reservation lifecycle, and iCalendar export/import.
 *
 * Every function takes the caller (its tenant scopes every statement) and
 * the property id from the path; an id of another tenant or another
 * property answers BUFFR_ENOTFOUND. Results are caller-owned json_t.
 * Dates are "YYYY-MM-DD" strings in the property's time zone; a stay is the
 * half-open range [check_in, check_out).
 *
 * No double booking: see schema.c (room_nights) and booking.c.
 * Not here: HTTP (src/api/rooms_api.c, src/api/reservations_api.c).
 */
#ifndef BUFFR_RESERVATIONS_RESERVATIONS_H
#define BUFFR_RESERVATIONS_RESERVATIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "core/error.h"
#include "db/migrate.h"
#include "http/rbac.h"

extern const db_migration_t reservations_migrations[];
extern const size_t reservations_migrations_count;

/* Most entry points below have one of the shapes of core/domain.h, which
 * the HTTP layer serves with one helper each; pid is the property, id the
 * entity; if_match is -1 when the caller sent no If-Match. */

/* ---- room types (inventory.c) ---- */
int room_type_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                     json_t **out, buffr_err_t *e);
int room_type_list(app_t *app, const principal_t *who, const char *pid, int limit,
                   const char *cursor, json_t **out, buffr_err_t *e);
int room_type_get(app_t *app, const principal_t *who, const char *pid, const char *tid,
                  json_t **out, buffr_err_t *e);
int room_type_update(app_t *app, const principal_t *who, const char *pid, const char *tid,
                     json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);
int room_type_delete(app_t *app, const principal_t *who, const char *pid, const char *tid,
                     buffr_err_t *e);

/* ---- rooms (inventory.c) ---- */
int room_create(app_t *app, const principal_t *who, const char *pid, json_t *body, json_t **out,
                buffr_err_t *e);
/* room_type_id (may be NULL) filters. */
int room_list(app_t *app, const principal_t *who, const char *pid, const char *room_type_id,
              int limit, const char *cursor, json_t **out, buffr_err_t *e);
int room_get(app_t *app, const principal_t *who, const char *pid, const char *rid, json_t **out,
             buffr_err_t *e);
int room_update(app_t *app, const principal_t *who, const char *pid, const char *rid, json_t *body,
                int64_t if_match, json_t **out, buffr_err_t *e);
int room_delete(app_t *app, const principal_t *who, const char *pid, const char *rid,
                buffr_err_t *e);
/* Housekeeping: {"status": "clean" | "dirty" | "inspected"}. */
int room_set_status(app_t *app, const principal_t *who, const char *pid, const char *rid,
                    json_t *body, json_t **out, buffr_err_t *e);

/* ---- out-of-order blocks (inventory.c) ---- */
/* {"from","to","reason"}: takes the room out of sale for [from, to). */
int room_block_create(app_t *app, const principal_t *who, const char *pid, const char *rid,
                      json_t *body, json_t **out, buffr_err_t *e);
int room_block_list(app_t *app, const principal_t *who, const char *pid, const char *rid,
                    json_t **out, buffr_err_t *e);
int room_block_delete(app_t *app, const principal_t *who, const char *pid, const char *rid,
                      const char *bid, buffr_err_t *e);

/* ---- policies (inventory.c) ---- */
int policy_get(app_t *app, const principal_t *who, const char *pid, json_t **out, buffr_err_t *e);
int policy_put(app_t *app, const principal_t *who, const char *pid, json_t *body, int64_t if_match,
               json_t **out, buffr_err_t *e);

/* Rooms with their state on date (NULL: today at the property), and who
 * arrives and departs that day. */
int housekeeping_report(app_t *app, const principal_t *who, const char *pid, const char *date,
                        json_t **out, buffr_err_t *e);

/* ---- rate plans (plans.c) ---- */
int rate_plan_get(app_t *app, const principal_t *who, const char *pid, const char *tid,
                  json_t **out, buffr_err_t *e);
/* Replace the room type's plan (base rate, weekday rates, minimum stay,
 * seasons, closed-to-arrival dates). */
int rate_plan_put(app_t *app, const principal_t *who, const char *pid, const char *tid,
                  json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);
/* Add one season {"from","to","rate","name","min_stay"} to the plan (the
 * rest of the plan stays); it must not overlap another. *out is the season
 * with its id. if_match (-1: none) is the room type's version. */
int rate_season_add(app_t *app, const principal_t *who, const char *pid, const char *tid,
                    json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);
int rate_season_remove(app_t *app, const principal_t *who, const char *pid, const char *tid,
                       const char *sid, int64_t if_match, buffr_err_t *e);

/* ---- availability (availability.c) ---- */
/* Query-string values as received (NULL when absent). */
int availability_search(app_t *app, const principal_t *who, const char *pid, const char *check_in,
                        const char *check_out, const char *guests, json_t **out, buffr_err_t *e);
int calendar_get(app_t *app, const principal_t *who, const char *pid, const char *from,
                 const char *to, json_t **out, buffr_err_t *e);

/* ---- reservations (booking.c) ----
 *
 * Refusals: when a booking, change, state change or move is refused with
 * BUFFR_ENOAVAIL or BUFFR_ESTATE, *out may hold (caller frees) an object of
 * machine-readable details for the error's "details":
 *   NO_AVAILABILITY: {"room_type_id", "reason": "sold_out" | "min_stay" |
 *     "closed_to_arrival", "min_stay": N (with min_stay)}, or, when the one
 *     room a change needs is taken, {"room_id", "reason": "room_not_free"};
 *   INVALID_STATE_TRANSITION: {"status"} (the reservation's), or, for a
 *     room not ready, {"room_id", "room_number", "room_status"}.
 */
typedef struct reservation_filter {
    const char *from, *to;            /* stays overlapping [from, to) */
    const char *status, *room_id, *q; /* q: part of the guest's name or email */
    const char *arrival, *departure;  /* check_in = arrival, check_out = departure */
    int limit;
    const char *cursor;
} reservation_filter_t;

typedef enum {
    RESERVATION_CANCEL,
    RESERVATION_CHECK_IN,
    RESERVATION_CHECK_OUT,
    RESERVATION_NO_SHOW,
} reservation_action_t;

int reservation_create(app_t *app, const principal_t *who, const char *pid, json_t *body,
                       json_t **out, buffr_err_t *e);
/* Several rooms for one guest, all or none. */
int reservation_create_group(app_t *app, const principal_t *who, const char *pid, json_t *body,
                             json_t **out, buffr_err_t *e);
int reservation_get(app_t *app, const principal_t *who, const char *pid, const char *id,
                    json_t **out, buffr_err_t *e);
int reservation_list(app_t *app, const principal_t *who, const char *pid,
                     const reservation_filter_t *filter, json_t **out, buffr_err_t *e);
/* Change dates, room type or guests, with a fresh availability check. */
int reservation_update(app_t *app, const principal_t *who, const char *pid, const char *id,
                       json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);
int reservation_act(app_t *app, const principal_t *who, const char *pid, const char *id,
                    reservation_action_t action, int64_t if_match, json_t **out, buffr_err_t *e);
/* {"room_id"}: put the (rest of the) stay in another room. */
int reservation_move(app_t *app, const principal_t *who, const char *pid, const char *id,
                     json_t *body, int64_t if_match, json_t **out, buffr_err_t *e);

/* ---- iCalendar (ical.c) ---- */
/* RFC 5545 text of the property's (room_id NULL) or one room's stays and
 * blocks overlapping [from, to) (NULL: from 30 days ago to two years
 * ahead). *out is malloc'ed, caller frees. */
int reservations_ical_export(app_t *app, const principal_t *who, const char *pid,
                             const char *room_id, const char *from, const char *to, char **out,
                             buffr_err_t *e);
/* Block the room's nights booked in an external feed (RFC 5545 text),
 * replacing what the same feed imported before. */
int room_calendar_import(app_t *app, const principal_t *who, const char *pid, const char *rid,
                         const char *feed, const char *text, size_t len, json_t **out,
                         buffr_err_t *e);

#endif
