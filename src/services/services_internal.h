/*
 * services_internal.h - what spa.c, conference.c and shuttle.c share, so
 * that each of them only says what is its own:
 *   - rows as JSON, declared as tables of fields;
 *   - configuration entities (treatments, rooms, routes...): read, list with
 *     keyset pagination, create, update guarded by version, delete; an
 *     entity brings its SQL, its fields and its INSERT/UPDATE;
 *   - request-body pieces (ids, money, dates, working hours);
 *   - slot claims (the database's UNIQUE keys decide);
 *   - the booking lifecycle of every service: create (guest, link to a
 *     stay, insert, read back), list, get and cancel. A service brings its
 *     booking kind: what to read and price, what to hold, what to give back.
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
#include "services/slots.h"

#define SVC_MONEY_MAX         INT64_C(100000000000) /* 1e9 in major units: far above any price */
#define SVC_CURRENCY_BUF_SIZE 4

/* ---- rows as JSON ---- */

/* How a column becomes a JSON value. */
typedef enum svc_as {
    SVC_TEXT,   /* string, or null */
    SVC_INT,    /* integer, or null */
    SVC_BOOL,   /* 0/1 as false/true */
    SVC_TIME,   /* Unix seconds as RFC 3339, or null */
    SVC_HOURS,  /* stored working hours as an object, or null */
    SVC_JSON,   /* stored JSON text as it is */
    SVC_LOCAL,  /* local minutes as "YYYY-MM-DDTHH:MM" */
    SVC_DATE,   /* local minutes' day as "YYYY-MM-DD" */
    SVC_HHMM,   /* local minutes' time of day as "HH:MM" */
    SVC_OBJECT, /* a nested object made of the fields in sub */
} svc_as_t;

/* One member of a row's JSON: key, the column it is read from, and how.
 * A table of them ends with {NULL}. */
typedef struct svc_field {
    const char *key;
    int col;
    svc_as_t as;
    bool omit_null;              /* leave the key out when the column is NULL */
    const struct svc_field *sub; /* SVC_OBJECT: its members */
} svc_field_t;

/* The current row as a new object; NULL when out of memory. */
json_t *svc_row_json(db_rows_t *rows, const svc_field_t *fields);
/* Every remaining row as an object appended to the array data. */
int svc_rows_append(db_rows_t *rows, const svc_field_t *fields, json_t *data);
/* obj[key] = the rows of sql ($2: obj's "id") as a list of objects. */
int svc_attach_list(db_tx_t *tx, json_t *obj, const char *key, const char *sql,
                    const svc_field_t *fields);
/* Set key to value (stolen); false when value is NULL or on ENOMEM. */
bool svc_put(json_t *obj, const char *key, json_t *value);
json_t *svc_json_local(int64_t minutes); /* "YYYY-MM-DDTHH:MM" */

/* ---- configuration entities ---- */

/* One create or update as the entity's own SQL sees it. */
typedef struct svc_write {
    const char *pid, *id;
    const void *in;   /* the entity's parsed body (its own input struct) */
    int64_t if_match; /* update: the version to match, -1 for any */
    buffr_err_t *e;
} svc_write_t;

typedef struct svc_entity {
    const char *noun;          /* "treatment": used in messages */
    const char *select_one;    /* $2 property, $3 id */
    const char *select_page;   /* $2 property, $3 cursor ("" first), $4 limit + 1, $5.. filters */
    const char *delete_one;    /* $2 property, $3 id */
    const char *in_use;        /* a delete met a reference (409 CONFLICT) */
    const char *duplicate;     /* a unique key clashed (409 CONFLICT) */
    const svc_field_t *fields; /* the JSON of a selected row */
    int (*decorate)(db_tx_t *tx, json_t *obj); /* may be NULL: add other tables' parts */
    /* Create: insert the row (w->id is new) and its parts. */
    int (*insert)(db_tx_t *tx, const svc_write_t *w);
    /* Update: the UPDATE guarded by w->if_match, setting *changed (0 when
     * nothing matched: then the engine tells 404 from a stale version). */
    int (*update)(db_tx_t *tx, const svc_write_t *w, int64_t *changed);
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
/* Create from a parsed body in (the property must exist): the new entity. */
int svc_entity_create(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                      const void *in, json_t **out, buffr_err_t *e);
/* Update from a parsed body in; 409 CONFLICT on a stale if_match. */
int svc_entity_update(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                      const char *id, const void *in, int64_t if_match, json_t **out,
                      buffr_err_t *e);
int svc_entity_delete(app_t *app, const principal_t *who, const svc_entity_t *ent, const char *pid,
                      const char *id, buffr_err_t *e);
/* Finish a domain call: hand over result or explain rc in e (unless the
 * work already did). */
int svc_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const svc_entity_t *ent,
             const char *verb);

/* ---- the property ---- */

/* The property's currency; BUFFR_ENOTFOUND ("property not found" in e). */
int svc_property_currency(db_tx_t *tx, const char *pid, char currency[SVC_CURRENCY_BUF_SIZE],
                          buffr_err_t *e);

/* ---- request bodies and query strings ---- */

/* A UUID in a body field, normalised into out. */
int svc_uuid_field(json_t *body, const char *field, bool required, char out[UUID_BUF_SIZE],
                   bool *present, buffr_err_t *e);
/* An optional id in the query string: *id stays NULL when absent, else
 * points at buf with the id normalised; 400 on field when malformed. */
int svc_query_id(const char *text, const char *field, char buf[UUID_BUF_SIZE], const char **id,
                 buffr_err_t *e);
/* An explicit JSON null (as opposed to absent): "clear this" in a PATCH. */
bool svc_is_explicit_null(json_t *body, const char *field);
/* A money amount field (0..SVC_MONEY_MAX). */
int svc_money_field(json_t *body, const char *field, bool required, int64_t *out, bool *present,
                    buffr_err_t *e);
/* "YYYY-MM-DD" in a query or body: the day number, or 400 on field. */
int svc_date_value(const char *text, const char *field, bool required, int64_t *day, bool *present,
                   buffr_err_t *e);
/* Working hours given in a body (400 on "working_hours") as the canonical
 * text to store: *text is malloc'd, the caller frees it. */
int svc_hours_text(json_t *given, char **text, buffr_err_t *e);
/* Stored working hours (written by this module) back into hours; -1 when
 * they cannot be read. */
int svc_hours_load(const char *stored, working_hours_t *hours);

/* For each slot of local day (a day number) held by a booking of one of
 * the property's resources of service ('spa', 'conference'), call
 * mark(ctx, resource id, slot index of the day). 0 or a database error. */
typedef void svc_busy_mark_fn(void *ctx, const char *resource_id, int slot);
int svc_day_busy(db_tx_t *tx, const char *pid, const char *service, int64_t day,
                 svc_busy_mark_fn *mark, void *ctx);

/* The one row an id in a body names: 0 with *rows on it (the caller frees
 * them), or 400 on field saying missing when there is none. */
int svc_ref_row(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs, const char *field,
                const char *missing, db_rows_t **rows, buffr_err_t *e);

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

/* One row of service_bookings for every service: the columns of the other
 * services are NULL. */
#define SVC_BOOKING_COLUMNS                                                                        \
    "b.id, b.property_id, b.service, b.status, b.starts_at, b.ends_at, b.title, b.treatment_id, "  \
    "b.room_id, b.layout, b.attendees, b.booking_type, b.days, b.event_name, b.departure_id, "     \
    "b.route_id, b.seats, b.guest_first_name, b.guest_last_name, b.guest_email, "                  \
    "b.reservation_id, b.unit_amount, b.total, b.currency, b.created_at, b.updated_at, "           \
    "b.cancelled_at, b.version, b.ends_at - b.starts_at, "                                         \
    "CASE WHEN b.booking_type = 'daily' THEN b.starts_at END"
enum {
    BK_ID,
    BK_PROPERTY,
    BK_SERVICE,
    BK_STATUS,
    BK_STARTS,
    BK_ENDS,
    BK_TITLE,
    BK_TREATMENT,
    BK_ROOM,
    BK_LAYOUT,
    BK_ATTENDEES,
    BK_TYPE,
    BK_DAYS,
    BK_EVENT,
    BK_DEPARTURE,
    BK_ROUTE,
    BK_SEATS,
    BK_FIRST,
    BK_LAST,
    BK_EMAIL,
    BK_RESERVATION,
    BK_UNIT,
    BK_TOTAL,
    BK_CURRENCY,
    BK_CREATED,
    BK_UPDATED,
    BK_CANCELLED,
    BK_VERSION,
    BK_MINUTES,     /* ends - starts */
    BK_DAILY_START, /* starts_at of a day booking, else NULL */
};

#define SVC_BOOKING_ONE_SQL(svc)                                                                   \
    "SELECT " SVC_BOOKING_COLUMNS " FROM service_bookings b WHERE b.tenant_id = $1 "               \
    "AND b.property_id = $2 AND b.id = $3 AND b.service = '" svc "'"
/* $5 day start (local minutes), $6 status, $7 the service's reference. */
#define SVC_BOOKING_PAGE_SQL(svc, ref)                                                             \
    "SELECT " SVC_BOOKING_COLUMNS " FROM service_bookings b WHERE b.tenant_id = $1 "               \
    "AND b.property_id = $2 AND b.service = '" svc "' AND b.id > $3 "                              \
    "AND (CAST($5 AS BIGINT) IS NULL OR (b.starts_at >= $5 AND b.starts_at < $5 + 1440)) "         \
    "AND (CAST($6 AS TEXT) IS NULL OR b.status = $6) "                                             \
    "AND (CAST($7 AS TEXT) IS NULL OR b." ref " = $7) ORDER BY b.id LIMIT $4"

/* What every booking shows first and last; a service's own fields go
 * between (see spa.c, conference.c, shuttle.c). */
extern const svc_field_t svc_booking_guest_fields[];
/* clang-format off */
#define SVC_BOOKING_HEAD_FIELDS                                                \
    {"id", BK_ID, SVC_TEXT},                                                   \
    {"property_id", BK_PROPERTY, SVC_TEXT},                                    \
    {"service", BK_SERVICE, SVC_TEXT},                                         \
    {"status", BK_STATUS, SVC_TEXT},                                           \
    {"start", BK_STARTS, SVC_LOCAL}
#define SVC_BOOKING_TAIL_FIELDS                                                \
    {"guest", 0, SVC_OBJECT, false, svc_booking_guest_fields},                 \
    {"reservation_id", BK_RESERVATION, SVC_TEXT},                              \
    {"total", BK_TOTAL, SVC_INT},                                              \
    {"currency", BK_CURRENCY, SVC_TEXT},                                       \
    {"created_at", BK_CREATED, SVC_TIME},                                      \
    {"updated_at", BK_UPDATED, SVC_TIME},                                      \
    {"cancelled_at", BK_CANCELLED, SVC_TIME},                                  \
    {"version", BK_VERSION, SVC_INT},                                          \
    {NULL}
/* clang-format on */

typedef struct svc_guest {
    const char *first_name, *last_name, *email;
} svc_guest_t;

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

typedef struct svc_booking svc_booking_t;

/* A service's bookings: how they read and what the service does at each
 * step of a create, all inside the booking's one write transaction (which
 * may run again on a retry: a step starts from the parsed body each time).
 * In that transaction, in this order:
 *   the property's currency (404 when there is no such property);
 *   prepare: read what the body names, check the booking fits, price it
 *            and fill row's service part (title, times, amounts, refs);
 *   the link to a stay (400 on reservation_id when it is not one);
 *   guard:   (optional) checks or counters that go before the row exists;
 *   the row is inserted;
 *   hold:    (optional) claims that name the row (slots, what it was given);
 *   the booking is read back. */
typedef struct svc_booking_kind {
    svc_entity_t entity; /* reads and lists; no insert/update/delete */
    const char *service; /* "spa", "conference", "shuttle" */
    int (*prepare)(db_tx_t *tx, svc_booking_t *b, svc_booking_row_t *row);
    int (*guard)(db_tx_t *tx, svc_booking_t *b, const svc_booking_row_t *row);
    int (*hold)(db_tx_t *tx, svc_booking_t *b, const svc_booking_row_t *row);
    /* Cancel: give back what slot rows do not cover (shuttle seats); may be
     * NULL. booking is the cancelled booking as read. */
    int (*release)(db_tx_t *tx, json_t *booking);
} svc_booking_kind_t;

/* One booking being created. A service embeds it as the first member of
 * its own work struct, so its steps can get back to that struct. */
struct svc_booking {
    const svc_booking_kind_t *kind;
    const char *pid;
    char id[UUID_BUF_SIZE];
    svc_guest_t guest;
    char reservation_id[UUID_BUF_SIZE];
    bool has_reservation;
    char currency[SVC_CURRENCY_BUF_SIZE];
    buffr_err_t *e;
    json_t *result;
};

/* The parts of a booking body every service has, after its own:
 * "guest" {"first_name","last_name","email"} and the optional
 * "reservation_id". */
int svc_booking_body_parse(json_t *body, svc_booking_t *b, buffr_err_t *e);
/* Create b (its kind and body parsed) at property pid: 201's booking. */
int svc_booking_create(app_t *app, const principal_t *who, const char *pid, svc_booking_t *b,
                       json_t **out, buffr_err_t *e);
/* Filters of a booking list: ?date= (starts that day), ?status=, and the
 * service's own reference (treatment_id / room_id / departure_id). */
int svc_booking_list(app_t *app, const principal_t *who, const svc_booking_kind_t *kind,
                     const char *pid, const svc_query_t *q, const char *ref_field, const char *ref,
                     json_t **out, buffr_err_t *e);
/* Cancel a confirmed booking and release its slots, add-on units and what
 * the kind gives back, in the same transaction. */
int svc_booking_cancel(app_t *app, const principal_t *who, const svc_booking_kind_t *kind,
                       const char *pid, const char *id, json_t **out, buffr_err_t *e);

#endif
