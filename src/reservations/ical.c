/*
 * ical.c - iCalendar (RFC 5545) through libical: exporting a property's or a
 * room's stays and out-of-order blocks as all-day events, and importing an
 * external feed (another channel's bookings of a room) as blocked nights.
 *
 * An imported feed is kept as room_blocks rows of kind 'external' named by
 * the feed, each holding its nights in room_nights like any booking; a new
 * import of the same feed replaces them all in one transaction. Nights
 * already held (by a reservation here, or another block) are not taken and
 * are reported as conflicts for the staff to resolve.
 *
 * Export leaves out external blocks: they came from a channel, and sending
 * them back would echo one channel's bookings into itself. It also leaves
 * out day uses (checked out on the arrival date): they hold no night, and
 * an event would tell a channel the room is taken that night.
 */
#include "reservations/reservations.h"
#include "reservations/internal.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"

#define ICAL_MAX_EVENTS       1000
#define ICAL_MAX_NIGHTS       5000 /* per import, all events together */
#define ICAL_EXPORT_PAST_DAYS 30
#define ICAL_EXPORT_DAYS      (2 * 366)

static pthread_once_t ical_once = PTHREAD_ONCE_INIT;

static void ical_setup(void)
{
    /* libical's default aborts the process on a parse error. */
    icalerror_set_errors_are_fatal(0);
}

static struct icaltimetype ical_date(int64_t day)
{
    char text[DATE_BUF_SIZE];
    date_format(day, text);
    struct icaltimetype t = icaltime_null_time();
    t.year = atoi(text);
    t.month = atoi(text + 5);
    t.day = atoi(text + 8);
    t.is_date = 1;
    return t;
}

static int64_t ical_day(struct icaltimetype t, bool *ok)
{
    char text[32];
    int64_t day = 0;
    snprintf(text, sizeof(text), "%04d-%02d-%02d", t.year, t.month, t.day);
    *ok = date_parse(text, &day) == 0;
    return day;
}

/* ======================================================== export */

typedef struct export_work {
    const char *pid, *room_id;
    int64_t from, to;
    icalcomponent *calendar;
} export_work_t;

static int export_event(icalcomponent *calendar, const char *uid, int64_t stamp, int64_t in,
                        int64_t out, const char *summary, const char *description, int sequence)
{
    icalcomponent *event = icalcomponent_new_vevent();
    if (event == NULL)
        return BUFFR_ENOMEM;
    icalcomponent_add_property(event, icalproperty_new_uid(uid));
    icalcomponent_add_property(event, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
                                          (time_t)stamp, 0, icaltimezone_get_utc_timezone())));
    icalcomponent_add_property(event, icalproperty_new_dtstart(ical_date(in)));
    icalcomponent_add_property(event, icalproperty_new_dtend(ical_date(out)));
    icalcomponent_add_property(event, icalproperty_new_summary(summary));
    icalcomponent_add_property(event, icalproperty_new_description(description));
    icalcomponent_add_property(event, icalproperty_new_sequence(sequence));
    icalcomponent_add_property(event, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(event, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    icalcomponent_add_component(calendar, event);
    return 0;
}

/* Add the event of the current row, for the nights [in, out). */
typedef int export_add_fn(icalcomponent *calendar, db_rows_t *rows, int64_t in, int64_t out);

/* A stay: "Room 101: Ann Guest (2 guests)", sequenced by its version. */
static int export_stay(icalcomponent *calendar, db_rows_t *rows, int64_t in, int64_t out)
{
    char uid[UUID_BUF_SIZE + 16], summary[320], description[120];
    snprintf(uid, sizeof(uid), "%s@buffr-host", db_text(rows, 0));
    snprintf(summary, sizeof(summary), "Room %s: %s %s (%lld guests)", db_text(rows, 7),
             db_text(rows, 8), db_text(rows, 9), (long long)db_int(rows, 4));
    snprintf(description, sizeof(description), "Reservation %s, %s", db_text(rows, 0),
             db_text(rows, 3));
    return export_event(calendar, uid, db_int(rows, 5), in, out, summary, description,
                        (int)(db_int(rows, 6) - 1));
}

/* An out-of-order block: "Room 101 out of order: <reason>". */
static int export_block(icalcomponent *calendar, db_rows_t *rows, int64_t in, int64_t out)
{
    char uid[UUID_BUF_SIZE + 24], summary[600];
    snprintf(uid, sizeof(uid), "block-%s@buffr-host", db_text(rows, 0));
    snprintf(summary, sizeof(summary), "Room %s out of order%s%s", db_text(rows, 5),
             db_text(rows, 3)[0] ? ": " : "", db_text(rows, 3));
    return export_event(calendar, uid, db_int(rows, 4), in, out, summary, "Out of order", 0);
}

/* One event per row of sql ($2 the property, [$3, $4) the window, $5 the
 * room or ''; columns 1 and 2 the dates), added by add. */
static int export_rows(db_tx_t *tx, export_work_t *w, const char *sql, export_add_fn *add)
{
    char first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
    date_format(w->from, first);
    date_format(w->to, end);
    db_rows_t *rows;
    int rc = db_query(tx, sql,
                      DB_ARGS(DB_TEXT(w->pid), DB_TEXT(first), DB_TEXT(end),
                              DB_TEXT(w->room_id ? w->room_id : "")),
                      &rows);
    if (rc != 0)
        return rc;
    while ((rc = db_next(rows)) == 1) {
        int64_t in = 0, out = 0;
        date_parse(db_text(rows, 1), &in);
        date_parse(db_text(rows, 2), &out);
        if ((rc = add(w->calendar, rows, in, out)) != 0)
            break;
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

static int export_in_tx(db_tx_t *tx, void *ctx)
{
    static const char stays_sql[] =
        "SELECT s.id, s.check_in, s.check_out, s.status, s.guests, s.updated_at, s.version, "
        "m.number, g.first_name, g.last_name FROM reservations s "
        "JOIN rooms m ON m.id = s.room_id JOIN guests g ON g.id = s.guest_id "
        "WHERE s.tenant_id = $1 AND s.property_id = $2 AND s.check_out > $3 AND s.check_in < $4 "
        "AND s.status IN ('confirmed', 'checked_in', 'checked_out') AND s.check_out > s.check_in "
        "AND (CAST($5 AS TEXT) = '' OR s.room_id = $5) ORDER BY s.check_in, s.id";
    static const char blocks_sql[] =
        "SELECT b.id, b.start_date, b.end_date, b.reason, b.created_at, m.number "
        "FROM room_blocks b JOIN rooms m ON m.id = b.room_id "
        "WHERE b.tenant_id = $1 AND b.property_id = $2 AND b.end_date > $3 AND b.start_date < $4 "
        "AND b.kind = 'out_of_order' AND (CAST($5 AS TEXT) = '' OR b.room_id = $5) ORDER BY "
        "b.start_date, b.id";
    export_work_t *w = ctx;
    resv_property_t prop;
    int rc = resv_property_read(tx, w->pid, &prop);
    if (rc != 0 || (w->room_id != NULL && (rc = resv_room_exists(tx, w->pid, w->room_id)) != 0))
        return rc;
    if (w->calendar != NULL)
        icalcomponent_free(w->calendar);
    w->calendar = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    if (w->calendar == NULL)
        return BUFFR_ENOMEM;
    icalcomponent_add_property(w->calendar, icalproperty_new_version("2.0"));
    icalcomponent_add_property(w->calendar,
                               icalproperty_new_prodid("-//Buffr Host//Reservations//EN"));
    icalcomponent_add_property(w->calendar, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(w->calendar, icalproperty_new_method(ICAL_METHOD_PUBLISH));
    if ((rc = export_rows(tx, w, stays_sql, export_stay)) != 0)
        return rc;
    return export_rows(tx, w, blocks_sql, export_block);
}

int reservations_ical_export(app_t *app, const principal_t *who, const char *pid,
                             const char *room_id, const char *from, const char *to, char **out,
                             buffr_err_t *e)
{
    pthread_once(&ical_once, ical_setup);
    *out = NULL;
    export_work_t w = {.pid = pid, .room_id = room_id};
    int rc;
    if (from != NULL) {
        if ((rc = resv_date_arg(from, "from", &w.from, e)) != 0)
            return rc;
    } else {
        w.from = time_now() / 86400 - ICAL_EXPORT_PAST_DAYS;
    }
    if (to != NULL) {
        if ((rc = resv_date_arg(to, "to", &w.to, e)) != 0)
            return rc;
    } else {
        w.to = w.from + ICAL_EXPORT_PAST_DAYS + ICAL_EXPORT_DAYS;
    }
    if (w.to <= w.from)
        return buffr_fail(e, BUFFR_EVALIDATION, "to", "to must be after from");
    if (w.to - w.from > 3 * 366)
        return buffr_fail(e, BUFFR_EVALIDATION, "to", "an export covers at most three years");
    rc = db_transact(app->db, who->tenant_id, DB_READ, export_in_tx, &w);
    if (rc == 0) {
        char *text = icalcomponent_as_ical_string_r(w.calendar);
        *out = text ? strdup(text) : NULL;
        icalmemory_free_buffer(text);
        if (*out == NULL)
            rc = BUFFR_ENOMEM;
    }
    if (w.calendar != NULL)
        icalcomponent_free(w.calendar);
    json_t *none = NULL;
    return resv_done(rc, NULL, &none, e, room_id ? "room" : "property", "export the calendar");
}

/* ======================================================== import */

typedef struct import_event {
    int64_t first, end;        /* nights [first, end) */
    const char *uid, *summary; /* borrowed from the parsed calendar */
} import_event_t;

typedef struct import_work {
    const char *pid, *rid, *feed;
    import_event_t *events;
    size_t count;
    size_t skipped; /* events without usable dates, cancelled or past */
    int64_t nights_blocked;
    json_t *conflicts;
    buffr_err_t *e;
} import_work_t;

/* Which reservation or block holds the room's night. */
static int import_conflict(db_tx_t *tx, import_work_t *w, const char *night)
{
    db_rows_t *rows;
    int rc = db_query(tx,
                      "SELECT reservation_id, block_id FROM room_nights WHERE tenant_id = $1 "
                      "AND room_id = $2 AND night = $3",
                      DB_ARGS(DB_TEXT(w->rid), DB_TEXT(night)), &rows);
    if (rc != 0)
        return rc;
    if ((rc = db_next(rows)) == 1) {
        json_t *c = json_pack("{s:s, s:o, s:o}", "night", night, "reservation_id",
                              jsonx_string_or_null(db_text(rows, 0)), "block_id",
                              jsonx_string_or_null(db_text(rows, 1)));
        if (c == NULL || json_array_append_new(w->conflicts, c) != 0)
            rc = BUFFR_ENOMEM;
    }
    db_rows_free(rows);
    return rc < 0 ? rc : 0;
}

static int import_in_tx(db_tx_t *tx, void *ctx)
{
    import_work_t *w = ctx;
    json_array_clear(w->conflicts);
    w->nights_blocked = 0;
    int rc = resv_room_exists(tx, w->pid, w->rid);
    if (rc != 0)
        return rc;
    /* Replace what this feed imported before. */
    if ((rc = db_exec(tx,
                      "DELETE FROM room_nights WHERE tenant_id = $1 AND block_id IN (SELECT id "
                      "FROM room_blocks WHERE tenant_id = $1 AND room_id = $2 AND kind = "
                      "'external' AND feed = $3)",
                      DB_ARGS(DB_TEXT(w->rid), DB_TEXT(w->feed)), NULL)) != 0 ||
        (rc = db_exec(tx,
                      "DELETE FROM room_blocks WHERE tenant_id = $1 AND room_id = $2 "
                      "AND kind = 'external' AND feed = $3",
                      DB_ARGS(DB_TEXT(w->rid), DB_TEXT(w->feed)), NULL)) != 0)
        return rc;
    int64_t now = time_now();
    for (size_t i = 0; i < w->count; i++) {
        const import_event_t *ev = &w->events[i];
        char id[UUID_BUF_SIZE], first[DATE_BUF_SIZE], end[DATE_BUF_SIZE];
        uuid_v7_new(id);
        date_format(ev->first, first);
        date_format(ev->end, end);
        char reason[501];
        snprintf(reason, sizeof(reason), "%s", ev->summary ? ev->summary : "");
        rc = db_exec(tx,
                     "INSERT INTO room_blocks (tenant_id, id, property_id, room_id, kind, "
                     "start_date, end_date, reason, feed, uid, created_at) VALUES ($1, $2, $3, $4, "
                     "'external', $5, $6, $7, $8, $9, $10)",
                     DB_ARGS(DB_TEXT(id), DB_TEXT(w->pid), DB_TEXT(w->rid), DB_TEXT(first),
                             DB_TEXT(end), DB_TEXT(reason), DB_TEXT(w->feed), DB_TEXT(ev->uid),
                             DB_INT(now)),
                     NULL);
        if (rc != 0)
            return rc;
        for (int64_t night = ev->first; night < ev->end; night++) {
            char day[DATE_BUF_SIZE];
            date_format(night, day);
            int64_t added = 0;
            /* DO NOTHING: a night someone else holds is reported, and the
             * transaction stays usable on PostgreSQL. */
            rc = db_exec(tx,
                         "INSERT INTO room_nights (tenant_id, property_id, room_id, night, "
                         "block_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (room_id, night) "
                         "DO NOTHING",
                         DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->rid), DB_TEXT(day), DB_TEXT(id)),
                         &added);
            if (rc != 0)
                return rc;
            if (added == 1)
                w->nights_blocked++;
            else if ((rc = import_conflict(tx, w, day)) != 0)
                return rc;
        }
    }
    return 0;
}

/* Read the feed's events into w (borrowing strings from root). */
static int import_collect(icalcomponent *root, int64_t today, import_work_t *w, buffr_err_t *e)
{
    size_t cap = 0, nights = 0;
    bool root_is_event = icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT;
    icalcomponent *ev =
        root_is_event ? root : icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
    while (ev != NULL) {
        icalcomponent *next =
            root_is_event ? NULL : icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT);
        struct icaltimetype start = icalcomponent_get_dtstart(ev);
        struct icaltimetype stop = icalcomponent_get_dtend(ev);
        bool ok_start = false, ok_stop = false;
        int64_t first = icaltime_is_null_time(start) ? 0 : ical_day(start, &ok_start);
        int64_t end = icaltime_is_null_time(stop) ? first + 1 : ical_day(stop, &ok_stop);
        if (icaltime_is_null_time(stop))
            ok_stop = ok_start;
        if (ok_stop && end <= first)
            end = first + 1; /* a same-day event still blocks its night */
        if (!ok_start || !ok_stop || icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED ||
            end <= today) {
            w->skipped++;
            ev = next;
            continue;
        }
        if (first < today)
            first = today; /* the past is history, not inventory */
        if (end - first > 2 * RATE_MAX_NIGHTS)
            end = first + 2 * RATE_MAX_NIGHTS;
        nights += (size_t)(end - first);
        if (w->count == ICAL_MAX_EVENTS || nights > ICAL_MAX_NIGHTS)
            return buffr_fail(e, BUFFR_EVALIDATION, NULL,
                              "the feed is too large (at most %d events and %d nights ahead)",
                              ICAL_MAX_EVENTS, ICAL_MAX_NIGHTS);
        import_event_t *events = resv_grow(w->events, w->count, &cap, sizeof(*events), 16);
        if (events == NULL)
            return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
        w->events = events;
        w->events[w->count++] = (import_event_t){
            .first = first,
            .end = end,
            .uid = icalcomponent_get_uid(ev),
            .summary = icalcomponent_get_summary(ev),
        };
        ev = next;
    }
    return 0;
}

typedef struct import_prep {
    const char *pid;
    int64_t today;
} import_prep_t;

static int import_today_in_tx(db_tx_t *tx, void *ctx)
{
    import_prep_t *p = ctx;
    resv_property_t prop;
    int rc = resv_property_read(tx, p->pid, &prop);
    if (rc == 0)
        p->today = resv_today(&prop);
    return rc;
}

int room_calendar_import(app_t *app, const principal_t *who, const char *pid, const char *rid,
                         const char *feed, const char *text, size_t len, json_t **out,
                         buffr_err_t *e)
{
    pthread_once(&ical_once, ical_setup);
    if (feed == NULL || feed[0] == '\0')
        feed = "default";
    if (strlen(feed) > 100)
        return buffr_fail(e, BUFFR_EVALIDATION, "feed", "feed is at most 100 bytes");
    if (text == NULL || len == 0)
        return buffr_fail(e, BUFFR_EVALIDATION, NULL, "the body must be an iCalendar feed");
    import_prep_t prep = {.pid = pid};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, import_today_in_tx, &prep);
    if (rc != 0)
        return resv_done(rc, NULL, out, e, "property", "import the calendar");

    char *copy = strndup(text, len);
    if (copy == NULL)
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    icalcomponent *root = icalparser_parse_string(copy);
    free(copy);
    if (root == NULL || (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT &&
                         icalcomponent_isa(root) != ICAL_VEVENT_COMPONENT)) {
        if (root != NULL)
            icalcomponent_free(root);
        return buffr_fail(e, BUFFR_EVALIDATION, NULL,
                          "the body is not an iCalendar (RFC 5545) VCALENDAR");
    }
    import_work_t w = {.pid = pid, .rid = rid, .feed = feed, .e = e, .conflicts = json_array()};
    rc = w.conflicts ? import_collect(root, prep.today, &w, e)
                     : buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    if (rc == 0)
        rc = resv_write(app, who, import_in_tx, &w, e);
    json_t *result = NULL;
    if (rc == 0) {
        result =
            json_pack("{s:s, s:s, s:I, s:I, s:I, s:O}", "room_id", rid, "feed", feed, "events",
                      (json_int_t)w.count, "skipped_events", (json_int_t)w.skipped,
                      "nights_blocked", (json_int_t)w.nights_blocked, "conflicts", w.conflicts);
        if (result == NULL)
            rc = BUFFR_ENOMEM;
    }
    json_decref(w.conflicts);
    free(w.events);
    icalcomponent_free(root);
    return resv_done(rc, result, out, e, "room", "import the calendar");
}
