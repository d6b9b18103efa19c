/*
 * services_internal.h - what spa.c, conference.c and shuttle.c share:
 * a small table-driven layer for configuration entities (read, list with
 * keyset pagination, delete, stale-version detection), request-body pieces
 * (guest, ids in bodies, the optional stay link), slot claims, and the one
 * booking representation all three services use (read, list, cancel).
 *
 * Private to src/services/; the API layer includes services.h only.
 */
#ifndef BUFFR_SERVICES_SERVICES_INTERNAL_H
#define BUFFR_SERVICES_SERVICES_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/uuid.h"
#include "db/db.h"
#include "services/services.h"

#define SVC_MONEY_MAX         INT64_C(100000000000) /* 1e9 in major units: far above any price */
#define SVC_CURRENCY_BUF_SIZE 4

/* ---- configuration entities ---- */

typedef struct svc_entity {
    const char *noun;        /* "treatment": used in messages */
    const char *service;     /* bookings only: "spa", "conference", "shuttle" */
    const char *select_one;  /* $2 property, $3 id */
    const char *select_page; /* $2 property, $3 cursor ("" first), $4 limit + 1, $5.. filters */
    const char *delete_one;  /* $2 property, $3 id */
    const char *in_use;      /* a delete met a reference (409 CONFLICT) */
    const char *duplicate;   /* a unique key clashed (409 CONFLICT) */
    json_t *(*row_json)(db_rows_t *rows);      /* NULL when out of memory */
    int (*decorate)(db_tx_t *tx, json_t *obj); /* may be NULL: add other tables' parts */
} svc_entity_t;

/* Read one entity into *out (replacing what is there); BUFFR_ENOTFOUND. */
int svc_entity_read(db_tx_t *tx, const svc_entity_t *ent, const char *pid, const char *id,
                    json_t **out);
int svc_entity_get(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                   const char *id, json_t **out, buffr_err_t *e);
/* A page of the property's entities; filters bind $5 onwards. */
int svc_entity_list(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                    const svc_query_t *q, const db_arg_t *filters, size_t nfilters, json_t **out,
                    buffr_err_t *e);
int svc_entity_delete(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                      const char *id, buffr_err_t *e);
/* After an UPDATE guarded by version changed nothing: BUFFR_ENOTFOUND, or
 * BUFFR_ECONFLICT explained in e. */
int svc_update_missed(db_tx_t *tx, const svc_entity_t *ent, const char *pid, const char *id,
                      buffr_err_t *e);
/* Finish a domain call: hand over result or explain rc in e (unless the
 * work already did). */
int svc_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const svc_entity_t *ent,
             const char *verb);

/* ---- the property ---- */

/* The property's currency; BUFFR_ENOTFOUND ("property not found" in e). */
int svc_property_currency(db_tx_t *tx, const char *pid, char currency[SVC_CURRENCY_BUF_SIZE],
                          buffr_err_t *e);

/* ---- request bodies ---- */

typedef struct svc_guest {
    const char *first_name, *last_name, *email;
} svc_guest_t;

/* body.guest = {"first_name","last_name","email"}; fields "guest.x". */
int svc_guest_parse(json_t *body, svc_guest_t *out, buffr_err_t *e);
/* A UUID in a body field, normalised into out. */
int svc_uuid_field(json_t *body, const char *field, bool required, char out[UUID_BUF_SIZE],
                   bool *present, buffr_err_t *e);
/* An explicit JSON null (as opposed to absent): "clear this" in a PATCH. */
bool svc_is_explicit_null(json_t *body, const char *field);
/* A money amount field (0..SVC_MONEY_MAX). */
int svc_money_field(json_t *body, const char *field, bool required, int64_t *out, bool *present,
                    buffr_err_t *e);
/* "YYYY-MM-DD" in a query or body: the day number, or 400 on field. */
int svc_date_value(const char *text, const char *field, bool required, int64_t *day, bool *present,
                   buffr_err_t *e);

/* The stay a booking is charged to: a confirmed or checked-in reservation
 * of the same property (hotel module's table), else 400 on reservation_id.
 * A NULL reservation_id is fine. */
int svc_reservation_check(db_tx_t *tx, const char *pid, const char *reservation_id, buffr_err_t *e);

/* ---- slot claims (the database's UNIQUE keys decide) ---- */

/* Hold resource_id's slots [from, to) (local minutes on the grid) for
 * booking_id: 0 when all were free, BUFFR_ENOAVAIL when any was taken (then
 * nothing of this claim is kept), or a database error. */
int svc_claim_resource(db_tx_t *tx, const char *resource_id, int64_t from, int64_t to,
                       const char *booking_id);
/* The same for one unit of a stocked add-on. */
int svc_claim_addon_unit(db_tx_t *tx, const char *addon_id, int64_t unit_no, int64_t from,
                         int64_t to, const char *booking_id);

/* ---- bookings of every service ---- */

extern const svc_entity_t svc_spa_bookings, svc_conference_bookings, svc_shuttle_bookings;

/* Filters of a booking list: ?date= (starts that day), ?status=, and the
 * service's own reference (treatment_id / room_id / departure_id). */
int svc_booking_list(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                     const svc_query_t *q, const char *ref_field, const char *ref, json_t **out,
                     buffr_err_t *e);
/* Cancel a confirmed booking and release its slots, add-on units and seats
 * in the same transaction. */
int svc_booking_cancel(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                       const char *id, json_t **out, buffr_err_t *e);

/* A new booking row; the other services' columns stay NULL/0. */
typedef struct svc_booking_row {
    const char *id, *pid, *service, *title, *currency, *reservation_id;
    int64_t starts_at, ends_at, unit_amount, total;
    svc_guest_t guest;
    const char *treatment_id;                                 /* spa */
    const char *room_id, *layout, *booking_type, *event_name; /* conference */
    int64_t attendees, days;                                  /* conference; days 0 for hourly */
    const char *departure_id, *route_id;                      /* shuttle */
    int64_t seats;                                            /* shuttle */
} svc_booking_row_t;
int svc_booking_insert(db_tx_t *tx, const svc_booking_row_t *b);

/* ---- JSON building ---- */

/* Set key to value (stolen); false when value is NULL or on ENOMEM. */
bool svc_put(json_t *obj, const char *key, json_t *value);
json_t *svc_json_text(db_rows_t *rows, int col);  /* string or null */
json_t *svc_json_int(db_rows_t *rows, int col);   /* integer or null */
json_t *svc_json_bool(db_rows_t *rows, int col);  /* 0/1 as false/true */
json_t *svc_json_time(db_rows_t *rows, int col);  /* Unix seconds as RFC 3339, or null */
json_t *svc_json_local(int64_t minutes);          /* "YYYY-MM-DDTHH:MM" */
json_t *svc_json_hours(db_rows_t *rows, int col); /* stored working hours, or null */

#endif
