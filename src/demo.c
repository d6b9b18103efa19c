/*
 * demo.c - the quick start's demo tenant: its owner login and, on the start
 * that creates the owner, a resort worth exploring (rooms with rates and a
 * few stays, a spa, a meeting room, an airport shuttle and a restaurant).
 *
 * Everything is made through the modules' own domain functions as the owner,
 * exactly as the API would, so the demo obeys every rule a real tenant does.
 * A part that fails is logged and skipped: the demo data is a convenience and
 * must never keep the server from starting. Not here: any SQL.
 */
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/domain.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/zone.h"
#include "identity/identity.h"
#include "properties/properties.h"
#include "reservations/reservations.h"
#include "restaurant/restaurant.h"
#include "services/services.h"

static int demo_password_path(const app_t *app, char *path, size_t len)
{
    int n = snprintf(path, len, "%s/demo-owner.txt", app->config.data_dir);
    return n > 0 && (size_t)n < len ? 0 : BUFFR_EINVAL;
}

static int demo_password_load(const app_t *app, char *password, size_t len)
{
    char path[600];
    if (demo_password_path(app, path, sizeof(path)) != 0)
        return BUFFR_EINVAL;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return BUFFR_ENOTFOUND;
    char *line = fgets(password, (int)len, f);
    fclose(f);
    if (line == NULL)
        return BUFFR_EIO;
    password[strcspn(password, "\r\n")] = '\0';
    return 0;
}

static int demo_password_store(const app_t *app, const char *password)
{
    char path[600];
    if (demo_password_path(app, path, sizeof(path)) != 0)
        return BUFFR_EINVAL;
    mkdir(app->config.data_dir, 0750);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        log_warn("cannot keep the demo password in %s: %s", path, strerror(errno));
        return BUFFR_EIO;
    }
    size_t n = strlen(password);
    ssize_t w = write(fd, password, n);
    w += write(fd, "\n", 1);
    close(fd);
    return w == (ssize_t)n + 1 ? 0 : BUFFR_EIO;
}

/* ---- the demo property's contents ---- */

/* The owner acting on the demo property, and the property's today. */
typedef struct demo_seed {
    app_t *app;
    principal_t owner;
    char pid[UUID_BUF_SIZE];
    int64_t today; /* day number in the property's time zone */
    int failures;
} demo_seed_t;

#define DEMO_ID_SIZE UUID_BUF_SIZE

/* Log a refused step; true when rc is success. */
static bool demo_ok(demo_seed_t *d, int rc, const buffr_err_t *e, const char *what)
{
    if (rc == 0)
        return true;
    d->failures++;
    log_warn("demo data: cannot create %s (%s): %s", what, buffr_strerror(rc),
             e->message[0] ? e->message : "no detail");
    return false;
}

/* json_pack with a warning instead of a silent NULL (out of memory, or a
 * format mistake here). */
static json_t *demo_pack(demo_seed_t *d, const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_error_t jerr;
    json_t *body = json_vpack_ex(&jerr, 0, fmt, ap);
    va_end(ap);
    if (body == NULL) {
        d->failures++;
        log_warn("demo data: cannot build %s: %s", what, jerr.text);
    }
    return body;
}

/* Copy the "id" of a created entity into id (DEMO_ID_SIZE bytes). */
static bool demo_id_of(json_t *obj, char *id)
{
    const char *v = json_string_value(json_object_get(obj, "id"));
    if (v == NULL || strlen(v) >= DEMO_ID_SIZE)
        return false;
    memcpy(id, v, strlen(v) + 1);
    return true;
}

/* Create one entity of the demo property with a domain write function;
 * takes body (may be NULL after a failed pack). id, when not NULL, receives
 * the new entity's id. True on success. */
static bool demo_create(demo_seed_t *d, domain_write_fn *create, const char *what, json_t *body,
                        char *id)
{
    if (body == NULL)
        return false;
    buffr_err_t e = {0};
    json_t *out = NULL;
    int rc = create(d->app, &d->owner, d->pid, body, &out, &e);
    json_decref(body);
    bool ok = demo_ok(d, rc, &e, what);
    if (ok && id != NULL && !demo_id_of(out, id)) {
        d->failures++;
        log_warn("demo data: %s was created without an id", what);
        ok = false;
    }
    json_decref(out);
    return ok;
}

/* The date day_offset days from the property's today. */
static void demo_date(const demo_seed_t *d, int64_t day_offset, char out[DATE_BUF_SIZE])
{
    date_format(d->today + day_offset, out);
}

/* Working hours every day of the week, as the services module reads them. */
static json_t *demo_every_day(const char *weekdays, const char *weekend)
{
    json_t *hours = json_object();
    for (int d = 0; hours != NULL && d < 7; d++)
        if (json_object_set_new(hours, weekday_name(d), json_string(d < 5 ? weekdays : weekend)) !=
            0) {
            json_decref(hours);
            hours = NULL;
        }
    return hours;
}

/* -- hotel: two room types with rate plans, six rooms, a cancellation
 * policy and three stays (one arriving today, so check-in can be tried). */

typedef struct demo_room_type {
    const char *name, *code, *description;
    int capacity;
    int64_t base_rate, weekend_rate, december_rate; /* NAD cents a night */
    const char *amenities[4];
} demo_room_type_t;

static const demo_room_type_t demo_room_types[] = {
    {"Garden Double",
     "GDN",
     "Ground-floor double room opening onto the palm garden.",
     2,
     145000,
     175000,
     210000,
     {"garden view", "air conditioning", "wifi", "coffee station"}},
    {"Ocean Suite",
     "OCN",
     "Suite with a lounge and a balcony over the Atlantic.",
     4,
     320000,
     365000,
     450000,
     {"ocean view", "balcony", "wifi", "minibar"}},
};

static bool demo_rate_plan(demo_seed_t *d, const char *tid, const demo_room_type_t *t)
{
    /* The December season of this year: the holiday months are dearest.
     * Before December it is the coming one; during it, the current one. */
    char today[DATE_BUF_SIZE], from[DATE_BUF_SIZE], to[DATE_BUF_SIZE];
    demo_date(d, 0, today);
    unsigned year = 0;
    if (sscanf(today, "%4u", &year) != 1)
        return false;
    snprintf(from, sizeof(from), "%04u-12-01", year % 10000u);
    snprintf(to, sizeof(to), "%04u-01-01", (year + 1) % 10000u);
    json_t *body = demo_pack(d, "a rate plan", "{s:{s:I, s:I}, s:[{s:s, s:s, s:s, s:I}]}",
                             "weekday_rates", "friday", (json_int_t)t->weekend_rate, "saturday",
                             (json_int_t)t->weekend_rate, "seasons", "name", "December holidays",
                             "from", from, "to", to, "rate", (json_int_t)t->december_rate);
    if (body == NULL)
        return false;
    buffr_err_t e = {0};
    json_t *out = NULL;
    int rc = rate_plan_put(d->app, &d->owner, d->pid, tid, body, -1, &out, &e);
    json_decref(body);
    json_decref(out);
    return demo_ok(d, rc, &e, "a rate plan");
}

static bool demo_policy(demo_seed_t *d)
{
    json_t *body = demo_pack(
        d, "the policies", "{s:s, s:s, s:s, s:i, s:s}", "check_in_time", "14:00", "check_out_time",
        "10:00", "cancellation_policy",
        "Free cancellation until 48 hours before arrival; later cancellations and no-shows are "
        "charged the first night.",
        "free_cancellation_hours", 48, "cancellation_fee_kind", "first_night");
    if (body == NULL)
        return false;
    buffr_err_t e = {0};
    json_t *out = NULL;
    int rc = policy_put(d->app, &d->owner, d->pid, body, -1, &out, &e);
    json_decref(body);
    json_decref(out);
    return demo_ok(d, rc, &e, "the policies");
}

static void demo_reservation(demo_seed_t *d, const char *tid, int64_t arrive, int64_t nights,
                             int guests, const char *first, const char *last, const char *email,
                             const char *phone)
{
    char check_in[DATE_BUF_SIZE], check_out[DATE_BUF_SIZE];
    demo_date(d, arrive, check_in);
    demo_date(d, arrive + nights, check_out);
    json_t *body = demo_pack(d, "a reservation", "{s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s, s:s}}",
                             "room_type_id", tid, "check_in", check_in, "check_out", check_out,
                             "guests", guests, "guest", "first_name", first, "last_name", last,
                             "email", email, "phone", phone);
    demo_create(d, reservation_create, "a reservation", body, NULL);
}

static void demo_hotel(demo_seed_t *d)
{
    char tids[2][DEMO_ID_SIZE];
    bool have[2] = {false, false};
    for (size_t i = 0; i < 2; i++) {
        const demo_room_type_t *t = &demo_room_types[i];
        json_t *body =
            demo_pack(d, "a room type", "{s:s, s:s, s:s, s:i, s:I, s:[s,s,s,s]}", "name", t->name,
                      "code", t->code, "description", t->description, "capacity", t->capacity,
                      "base_rate", (json_int_t)t->base_rate, "amenities", t->amenities[0],
                      t->amenities[1], t->amenities[2], t->amenities[3]);
        have[i] = demo_create(d, room_type_create, "a room type", body, tids[i]);
        if (have[i])
            demo_rate_plan(d, tids[i], t);
    }
    static const struct {
        const char *number;
        int type, floor;
    } rooms[] = {{"101", 0, 1}, {"102", 0, 1}, {"103", 0, 1},
                 {"104", 0, 1}, {"201", 1, 2}, {"202", 1, 2}};
    for (size_t i = 0; i < sizeof(rooms) / sizeof(rooms[0]); i++) {
        if (!have[rooms[i].type])
            continue;
        json_t *body = demo_pack(d, "a room", "{s:s, s:s, s:i}", "number", rooms[i].number,
                                 "room_type_id", tids[rooms[i].type], "floor", rooms[i].floor);
        demo_create(d, room_create, "a room", body, NULL);
    }
    demo_policy(d);
    if (have[0]) {
        demo_reservation(d, tids[0], 0, 2, 2, "Ndapewa", "Shikongo", "ndapewa.shikongo@example.com",
                         "+264 81 123 4567");
        demo_reservation(d, tids[0], 9, 3, 1, "Johan", "van Wyk", "johan.vanwyk@example.com",
                         "+264 85 765 4321");
    }
    if (have[1])
        demo_reservation(d, tids[1], 4, 4, 3, "Amelia", "Brandt", "amelia.brandt@example.com",
                         "+49 171 555 0199");
}

/* -- spa: a therapist and a treatment room, two treatments. */
static void demo_spa(demo_seed_t *d)
{
    json_t *hours = demo_every_day("09:00-18:00", "10:00-16:00");
    json_t *body = demo_pack(d, "a therapist", "{s:s, s:s, s:O}", "name", "Selma Amukoto", "kind",
                             "therapist", "working_hours", hours);
    demo_create(d, spa_resource_create, "a therapist", body, NULL);
    body = demo_pack(d, "a treatment room", "{s:s, s:s, s:O}", "name", "Desert Rose Room", "kind",
                     "treatment_room", "working_hours", hours);
    demo_create(d, spa_resource_create, "a treatment room", body, NULL);
    json_decref(hours);

    body = demo_pack(d, "a treatment", "{s:s, s:i, s:I, s:[s,s], s:s}", "name",
                     "Kalahari Salt Scrub", "duration_minutes", 45, "price", (json_int_t)65000,
                     "required_resources", "therapist", "treatment_room", "description",
                     "Full-body exfoliation with Kalahari desert salt and marula oil.");
    demo_create(d, spa_treatment_create, "a treatment", body, NULL);
    body = demo_pack(d, "a treatment", "{s:s, s:i, s:I, s:[s,s], s:s}", "name", "Hot Stone Massage",
                     "duration_minutes", 90, "price", (json_int_t)110000, "required_resources",
                     "therapist", "treatment_room", "description",
                     "Deep relaxation with warm basalt stones.");
    demo_create(d, spa_treatment_create, "a treatment", body, NULL);
}

/* -- conference: one meeting room with several layouts and an add-on. */
static void demo_conference(demo_seed_t *d)
{
    json_t *hours = demo_every_day("07:00-22:00", "08:00-18:00");
    json_t *body =
        demo_pack(d, "a meeting room", "{s:s, s:i, s:{s:i, s:i, s:i, s:i}, s:I, s:I, s:O}", "name",
                  "Dune Boardroom", "capacity", 40, "layouts", "theatre", 40, "classroom", 24,
                  "boardroom", 16, "u_shape", 14, "hourly_rate", (json_int_t)85000, "daily_rate",
                  (json_int_t)520000, "working_hours", hours);
    json_decref(hours);
    demo_create(d, conference_room_create, "a meeting room", body, NULL);
    body = demo_pack(d, "a conference add-on", "{s:s, s:I, s:i}", "name", "Projector and screen",
                     "price", (json_int_t)45000, "stock", 2);
    demo_create(d, conference_addon_create, "a conference add-on", body, NULL);
    body = demo_pack(d, "a conference add-on", "{s:s, s:I}", "name", "Coffee break (per person)",
                     "price", (json_int_t)9500);
    demo_create(d, conference_addon_create, "a conference add-on", body, NULL);
}

/* -- shuttle: the airport route, a morning and an afternoon run on each of
 * the next three days. */
static void demo_shuttle(demo_seed_t *d)
{
    char rid[DEMO_ID_SIZE];
    json_t *body =
        demo_pack(d, "a shuttle route", "{s:s, s:s, s:s, s:I}", "name", "Airport transfer",
                  "origin", "Seaside Demo Hotel", "destination",
                  "Hosea Kutako International Airport (WDH)", "price_per_seat", (json_int_t)35000);
    if (!demo_create(d, shuttle_route_create, "a shuttle route", body, rid))
        return;
    static const char *const times[] = {"07:30", "14:00"};
    for (int64_t day = 1; day <= 3; day++) {
        char date[DATE_BUF_SIZE];
        demo_date(d, day, date);
        for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
            body = demo_pack(d, "a shuttle departure", "{s:s, s:s, s:s, s:i}", "route_id", rid,
                             "date", date, "time", times[i], "seats", 12);
            demo_create(d, shuttle_departure_create, "a shuttle departure", body, NULL);
        }
    }
}

/* -- restaurant: VAT, a menu of three categories (one kitchen station
 * each), eight items with allergens, a modifier group, two terrace tables. */

typedef struct demo_menu_item {
    int category;
    const char *name, *description;
    int64_t price; /* NAD cents, VAT included */
    const char *allergens[3], *dietary[2];
} demo_menu_item_t;

static const demo_menu_item_t demo_menu_items[] = {
    {0, "Grilled Calamari", "Lemon, garlic and peri-peri butter.", 9500, {"molluscs", "milk"}, {0}},
    {0,
     "Garden Salad",
     "Leaves, avocado, roasted seeds and citrus dressing.",
     7500,
     {"sesame"},
     {"vegan", "gluten free"}},
    {1,
     "Oryx Fillet",
     "Chargrilled, with pepper sauce and sweet potato mash.",
     26500,
     {"milk"},
     {"gluten free"}},
    {1,
     "Kingklip and Chips",
     "Beer-battered kingklip with hand-cut chips.",
     19500,
     {"fish", "gluten"},
     {0}},
    {1,
     "Butternut and Chickpea Curry",
     "With basmati rice and flatbread.",
     14500,
     {"gluten", "mustard"},
     {"vegan"}},
    {2, "Windhoek Lager", "Draught, 500 ml.", 4500, {"gluten"}, {"vegan"}},
    {2, "Rooibos Iced Tea", "Brewed in house, lightly sweetened.", 3500, {0}, {"vegan"}},
    {2, "Fresh Orange Juice", "Pressed to order.", 4000, {0}, {"vegan"}},
};

static json_t *demo_string_array(const char *const *values, size_t max)
{
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < max && values[i] != NULL; i++) {
        if (json_array_append_new(array, json_string(values[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static void demo_restaurant(demo_seed_t *d)
{
    /* Namibian VAT is 15 % and menu prices include it. */
    json_t *body = demo_pack(d, "the restaurant settings", "{s:i, s:b}", "tax_rate_bp", 1500,
                             "tax_inclusive", 1);
    demo_create(d, restaurant_settings_update, "the restaurant settings", body, NULL);

    char menu_id[DEMO_ID_SIZE];
    body = demo_pack(d, "a menu", "{s:s, s:s, s:s, s:i}", "name", "All Day", "available_from",
                     "07:00", "available_until", "22:30", "position", 1);
    bool have_menu = demo_create(d, menu_create, "a menu", body, menu_id);

    /* The kitchen serves the All Day menu's hours; the bar's drinks are on
     * no menu, so guests can order them at any hour. */
    static const struct {
        const char *name, *station;
        bool on_menu;
    } categories[] = {
        {"Starters", "cold", true}, {"Mains", "grill", true}, {"Drinks", "bar", false}};
    char cids[3][DEMO_ID_SIZE];
    bool have_category[3] = {false, false, false};
    for (size_t i = 0; i < 3; i++) {
        body = demo_pack(d, "a menu category", "{s:s, s:i, s:s}", "name", categories[i].name,
                         "position", (int)i + 1, "station", categories[i].station);
        if (body != NULL && have_menu && categories[i].on_menu &&
            json_object_set_new(body, "menu_id", json_string(menu_id)))
            log_warn("demo data: the menu category %s is not tied to its menu", categories[i].name);
        have_category[i] = demo_create(d, menu_category_create, "a menu category", body, cids[i]);
    }

    char oryx_id[DEMO_ID_SIZE] = "";
    for (size_t i = 0; i < sizeof(demo_menu_items) / sizeof(demo_menu_items[0]); i++) {
        const demo_menu_item_t *item = &demo_menu_items[i];
        if (!have_category[item->category])
            continue;
        json_t *allergens = demo_string_array(item->allergens, 3);
        json_t *dietary = demo_string_array(item->dietary, 2);
        if (allergens == NULL || dietary == NULL) {
            json_decref(allergens);
            json_decref(dietary);
            d->failures++;
            log_warn("demo data: out of memory building the menu item %s", item->name);
            continue;
        }
        body = demo_pack(d, "a menu item", "{s:s, s:s, s:s, s:I, s:i, s:o, s:o}", "category_id",
                         cids[item->category], "name", item->name, "description", item->description,
                         "price", (json_int_t)item->price, "position", (int)i + 1, "allergens",
                         allergens, "dietary", dietary);
        char iid[DEMO_ID_SIZE];
        if (demo_create(d, menu_item_create, "a menu item", body, iid) &&
            strcmp(item->name, "Oryx Fillet") == 0)
            memcpy(oryx_id, iid, sizeof(oryx_id));
    }

    char gid[DEMO_ID_SIZE];
    body = demo_pack(d, "a modifier group",
                     "{s:s, s:i, s:i, s:[{s:s, s:i}, {s:s, s:i}, {s:s, s:i}]}", "name", "Doneness",
                     "min_select", 1, "max_select", 1, "options", "name", "Rare", "price_delta", 0,
                     "name", "Medium", "price_delta", 0, "name", "Well done", "price_delta", 0);
    if (demo_create(d, menu_group_create, "a modifier group", body, gid) && oryx_id[0] != '\0') {
        json_t *attach = demo_pack(d, "a modifier group's offer", "{s:s}", "group_id", gid);
        if (attach != NULL) {
            buffr_err_t e = {0};
            json_t *out = NULL;
            int rc = menu_item_attach_group(d->app, &d->owner, d->pid, oryx_id, attach, &out, &e);
            json_decref(attach);
            json_decref(out);
            demo_ok(d, rc, &e, "a modifier group's offer");
        }
    }

    char area_id[DEMO_ID_SIZE];
    body = demo_pack(d, "a floor area", "{s:s, s:i}", "name", "Terrace", "position", 1);
    bool have_area = demo_create(d, floor_area_create, "a floor area", body, area_id);
    static const struct {
        const char *name;
        int seats;
    } tables[] = {{"T1", 2}, {"T2", 4}};
    for (size_t i = 0; i < 2; i++) {
        body =
            demo_pack(d, "a table", "{s:s, s:i}", "name", tables[i].name, "seats", tables[i].seats);
        if (body != NULL && have_area && json_object_set_new(body, "area_id", json_string(area_id)))
            log_warn("demo data: the table %s is not placed on the terrace", tables[i].name);
        demo_create(d, dining_table_create, "a table", body, NULL);
    }
}

/* Fill the new demo property; every part stands alone so one refusal
 * costs only that part. */
static void demo_seed(app_t *app, const principal_t *owner, json_t *property)
{
    demo_seed_t d = {.app = app, .owner = *owner};
    const char *zone = json_string_value(json_object_get(property, "timezone"));
    if (!demo_id_of(property, d.pid) || zone == NULL ||
        zone_day_of(zone, time_now(), &d.today) != 0) {
        log_warn("demo data: the demo property has no id or no readable time zone; left empty");
        return;
    }
    demo_hotel(&d);
    demo_spa(&d);
    demo_conference(&d);
    demo_shuttle(&d);
    demo_restaurant(&d);
    if (d.failures > 0)
        log_warn("demo data: %d step(s) failed; the rest of the demo is in place", d.failures);
    else
        log_info("demo data: the Seaside Demo Hotel is ready to explore");
}

int demo_ensure(app_t *app)
{
    /* The password kept from an earlier start, or a new one: 24 random
     * characters from an unambiguous alphabet, strong and typeable. Either
     * way the owner is created when this database does not have it yet (a
     * new database beside an old password file gets the same login). */
    char password[64];
    bool kept = demo_password_load(app, password, sizeof(password)) == 0;
    if (!kept) {
        static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        for (int i = 0; i < 24; i++)
            password[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
        password[24] = '\0';
    }

    char tenant_id[UUID_BUF_SIZE], user_id[UUID_BUF_SIZE];
    buffr_err_t e = {0};
    int rc = identity_create_tenant_owner(app, "Demo Hotel Group", DEMO_OWNER_EMAIL, password,
                                          "Demo Owner", tenant_id, user_id, &e);
    if (rc == BUFFR_ECONFLICT) {
        if (kept)
            printf("demo owner: %s / %s\n", DEMO_OWNER_EMAIL, password);
        else
            printf("demo owner: %s (password shown at its first start)\n", DEMO_OWNER_EMAIL);
        fflush(stdout);
        sodium_memzero(password, sizeof(password));
        return 0;
    }
    if (rc != 0) {
        log_error("cannot create the demo tenant: %s", e.message);
        return rc;
    }
    principal_t owner = {.role = ROLE_OWNER, .services = SERVICE_ALL};
    memcpy(owner.tenant_id, tenant_id, sizeof(owner.tenant_id));
    memcpy(owner.user_id, user_id, sizeof(owner.user_id));
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "name", "Seaside Demo Hotel", "type", "resort",
                             "timezone", "Africa/Windhoek", "currency", "NAD");
    json_t *property = NULL;
    rc = body != NULL ? property_create(app, &owner, body, &property, &e) : BUFFR_ENOMEM;
    json_decref(body);
    /* Only the start that creates the owner fills the property, so the
     * demo is never duplicated by a restart. */
    if (rc == 0)
        demo_seed(app, &owner, property);
    else
        log_warn("demo data: cannot create the demo property: %s",
                 e.message[0] ? e.message : buffr_strerror(rc));
    json_decref(property);
    if (!kept)
        demo_password_store(app, password);
    printf("demo owner: %s / %s\n", DEMO_OWNER_EMAIL, password);
    fflush(stdout);
    sodium_memzero(password, sizeof(password));
    return 0;
}
