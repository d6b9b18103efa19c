/*
 * internal.h - what the files of the reservations module share: the
 * property facts every operation needs, date arguments, how a call ends
 * (resv_done), reading, listing and deleting the rows of a table, rate
 * plans loaded for a window of nights, and the room-night rows that make
 * double booking impossible. Not part of the module's interface
 * (reservations.h).
 */
#ifndef BUFFR_RESERVATIONS_INTERNAL_H
#define BUFFR_RESERVATIONS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "core/error.h"
#include "core/timeutil.h"
#include "core/uuid.h"
#include "db/db.h"
#include "http/rbac.h"
#include "reservations/rates.h"

/* ---- the property ---- */

typedef struct resv_property {
    char currency[4];
    char timezone[65];
} resv_property_t;

/* Read the property (BUFFR_ENOTFOUND when it is not the tenant's). */
int resv_property_read(db_tx_t *tx, const char *pid, resv_property_t *out);

/* Today's date at the property. */
int64_t resv_today(const resv_property_t *p);

/* The cancellation rules and the check-in hour of the property (defaults
 * when none were set). */
typedef struct resv_policy {
    char check_in_time[6], check_out_time[6]; /* "HH:MM" */
    cancel_policy_t cancel;
} resv_policy_t;
int resv_policy_read(db_tx_t *tx, const char *pid, resv_policy_t *out);

/* UTC instant of check-in on day at the property's check-in hour. */
int64_t resv_check_in_instant(const resv_property_t *p, const resv_policy_t *policy, int64_t day);

/* ---- arguments ---- */

/* Parse a "YYYY-MM-DD" date named field; a missing or bad one is a
 * validation error naming field. */
int resv_date_arg(const char *text, const char *field, int64_t *day, buffr_err_t *e);

/* Check a stay: both dates valid, check_out after check_in, at most
 * RATE_MAX_NIGHTS nights. */
int resv_stay_arg(const char *check_in, const char *check_out, int64_t *in, int64_t *out,
                  buffr_err_t *e);
/* The second half of resv_stay_arg, for dates already parsed. */
int resv_stay_check(int64_t in, int64_t out, buffr_err_t *e);

/* A list's ?cursor: NULL (first page) or an id; a validation error else. */
int resv_cursor_check(const char *cursor, buffr_err_t *e);

/* A list of short strings (amenities, features): checked, and returned as
 * JSON text to store (malloc'ed, caller frees). *text stays NULL when the
 * field is absent. */
int resv_string_list(json_t *body, const char *field, size_t max_items, size_t max_len, char **text,
                     buffr_err_t *e);

/* A stored JSON array text back as json (an empty array when unreadable). */
json_t *resv_json_array(const char *text);

/* items (count used of *cap, each size bytes; malloc'ed or NULL) with room
 * for one more: the same block or a larger one (*cap doubled, first when
 * empty). NULL when out of memory; items is then left as it was. */
void *resv_grow(void *items, size_t count, size_t *cap, size_t size, size_t first);

/* Forget a failure explained by an earlier step or attempt (e may be NULL). */
static inline void resv_err_reset(buffr_err_t *e)
{
    if (e != NULL)
        e->code = 0;
}

/* Run work in a write transaction, forgetting first what e held (so that
 * resv_done tells the work's own explanations from older ones). */
int resv_write(app_t *app, const principal_t *who, db_work_fn work, void *ctx, buffr_err_t *e);

/* Finish a domain call: on success hand result over, else free it and make
 * sure e explains the failure (not_found names the missing thing). */
int resv_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const char *not_found,
              const char *action);

/* A change guarded by a version that is not the current one: 409 CONFLICT
 * "<what> changed meanwhile (version N); reload and retry", what being
 * e.g. "the room was". */
int resv_stale(buffr_err_t *e, const char *what, int64_t version);
/* The "version" of a row as rendered. */
int64_t resv_version(const json_t *row);

/* ---- rows as the API shows them ---- */

/* The current row as a new object; NULL when out of memory. */
typedef json_t *resv_render_fn(db_rows_t *rows);

/* One of the module's tables as the API reads, shows and deletes its rows. */
typedef struct resv_entity {
    const char *noun;       /* "room type": "room type not found", "read the room type" */
    const char *select_one; /* its row: $2 the property, $3 the id */
    resv_render_fn *render;
    const char *delete_one; /* $2 the property, $3 the id; NULL: not deleted so */
    const char *in_use;     /* the 409 message when other rows still refer to it */
} resv_entity_t;

/* Read one row into *out (replacing what it held); BUFFR_ENOTFOUND when
 * there is none. */
int resv_read(db_tx_t *tx, const resv_entity_t *entity, const char *pid, const char *id,
              json_t **out);
/* GET of one row: resv_read in a read transaction, answered like resv_done. */
int resv_get(app_t *app, const principal_t *who, const resv_entity_t *entity, const char *pid,
             const char *id, json_t **out, buffr_err_t *e);
/* DELETE of one row in a write transaction: BUFFR_ENOTFOUND when there is
 * none, 409 CONFLICT (entity->in_use) while other rows refer to it. */
int resv_delete(app_t *app, const principal_t *who, const resv_entity_t *entity, const char *pid,
                const char *id, buffr_err_t *e);

/* A keyset page (core/jsonx.h) of the property's rows: sql with its args
 * ($2 the property; ordered by id; LIMIT limit + 1) rendered by render, in
 * a read transaction that first checks the property. *out is {"data",
 * "next_cursor"}; a failure is answered like resv_done ("could not
 * <action>"). */
int resv_list(app_t *app, const principal_t *who, const char *pid, int limit, const char *sql,
              const db_arg_t *args, size_t nargs, resv_render_fn *render, const char *action,
              json_t **out, buffr_err_t *e);

/* ---- rate plans for a window of nights ---- */

typedef struct resv_plan {
    char room_type_id[UUID_BUF_SIZE];
    char *name; /* owned */
    char *code; /* owned */
    int64_t capacity;
    int64_t total_rooms;
    int64_t free_rooms; /* rooms free on every night of the stay (when counted) */
    rate_plan_t plan;   /* points into seasons / closed below */
    rate_season_t *seasons;
    size_t season_cap;
    int64_t *closed;
    size_t closed_cap;
} resv_plan_t;

typedef struct resv_plans {
    resv_plan_t *items;
    size_t count;
} resv_plans_t;

/* Load the property's room types (or only room_type_id when not NULL) with
 * the seasons and closed-to-arrival dates that touch [from, to). When
 * count_free, also count each type's rooms free on every night of
 * [from, to). Free with resv_plans_free (also after a failure). */
int resv_plans_load(db_tx_t *tx, const char *pid, const char *room_type_id, int64_t from,
                    int64_t to, bool count_free, resv_plans_t *out);
void resv_plans_free(resv_plans_t *plans);

/* ---- room nights ---- */

/* Insert the nights [from, to) of room for a reservation or a block
 * (exactly one of the two ids). BUFFR_ECONFLICT when a night is taken (the
 * transaction must then be rolled back). */
int resv_nights_insert(db_tx_t *tx, const char *pid, const char *room_id, int64_t from, int64_t to,
                       const char *reservation_id, const char *block_id);

/* Whether room has no occupied night in [from, to). */
int resv_room_free(db_tx_t *tx, const char *room_id, int64_t from, int64_t to, bool *free);

/* 0 when rid is a room of the property, else BUFFR_ENOTFOUND. */
int resv_room_exists(db_tx_t *tx, const char *pid, const char *rid);

/* Escape a string for LIKE ... ESCAPE '\' and wrap it in %...% (lowercase
 * ASCII). malloc'ed, caller frees; NULL when out of memory. */
char *resv_like_pattern(const char *q);

#endif
