/*
 * services_schema.c - the tables of bookable services (spa, conference,
 * shuttle) and the database rules that make double booking impossible:
 *
 *   - resource_slots: one row per (resource, 15-minute slot) held by a
 *     booking, UNIQUE (resource_id, slot_start). A therapist, a treatment
 *     room or a conference room can therefore never be held twice for the
 *     same quarter hour, whatever the C code does; bookings claim their rows
 *     in the same write transaction that creates them.
 *   - addon_slots: the same for each unit of an add-on with a stock count
 *     (projector 1 of 2, ...), UNIQUE (addon_id, unit_no, slot_start).
 *   - shuttle_departures.seats_booked with CHECK (seats_booked BETWEEN 0 AND
 *     seats): the counter is moved by guarded UPDATEs, and the CHECK refuses
 *     an oversold departure even if a guard were wrong.
 *
 * Times are property-local minutes (see slots.h). No foreign key to the
 * hotel module's reservations: migrations of other modules may run after
 * these, so the link is checked in C inside the booking transaction.
 */
#include "services/services.h"

static const char services_v1_sql[] =
    /* Spa therapists and treatment rooms, and conference rooms: anything a
     * booking can hold for a while. Conference rooms carry capacity and
     * rates; spa resources always have working hours. */
    "CREATE TABLE service_resources ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  service TEXT NOT NULL CHECK (service IN ('spa','conference')),"
    "  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  working_hours TEXT,"
    "  capacity BIGINT CHECK (capacity IS NULL OR capacity > 0),"
    "  hourly_rate BIGINT CHECK (hourly_rate IS NULL OR hourly_rate >= 0),"
    "  daily_rate BIGINT CHECK (daily_rate IS NULL OR daily_rate >= 0),"
    "  active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (tenant_id, id),"
    "  UNIQUE (tenant_id, property_id, service, name),"
    "  FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id),"
    "  CHECK ((service = 'conference') = (capacity IS NOT NULL)),"
    "  CHECK (service = 'conference' OR working_hours IS NOT NULL),"
    "  CHECK (service = 'spa' OR hourly_rate IS NOT NULL OR daily_rate IS NOT NULL)"
    ");"
    "CREATE INDEX service_resources_by_property"
    "  ON service_resources (tenant_id, property_id, service, id);"

    "CREATE TABLE conference_room_layouts ("
    "  tenant_id TEXT NOT NULL,"
    "  room_id TEXT NOT NULL,"
    "  layout TEXT NOT NULL CHECK (layout IN ('theatre','classroom','boardroom','banquet',"
    "'cabaret','u_shape','hollow_square','reception')),"
    "  capacity BIGINT NOT NULL CHECK (capacity > 0),"
    "  PRIMARY KEY (room_id, layout),"
    "  FOREIGN KEY (tenant_id, room_id) REFERENCES service_resources (tenant_id, id)"
    "    ON DELETE CASCADE"
    ");"

    "CREATE TABLE spa_treatments ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  description TEXT,"
    "  duration_minutes BIGINT NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),"
    "  price BIGINT NOT NULL CHECK (price >= 0),"
    "  required_resources TEXT NOT NULL,"
    "  active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (tenant_id, id),"
    "  UNIQUE (tenant_id, property_id, name),"
    "  FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id)"
    ");"
    "CREATE INDEX spa_treatments_by_property ON spa_treatments (tenant_id, property_id, id);"

    "CREATE TABLE conference_addons ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  price BIGINT NOT NULL CHECK (price >= 0),"
    "  stock BIGINT CHECK (stock IS NULL OR stock >= 0),"
    "  active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (tenant_id, id),"
    "  UNIQUE (tenant_id, property_id, name),"
    "  FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id)"
    ");"
    "CREATE INDEX conference_addons_by_property ON conference_addons (tenant_id, property_id, id);"

    "CREATE TABLE shuttle_routes ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  origin TEXT NOT NULL CHECK (length(origin) BETWEEN 1 AND 200),"
    "  destination TEXT NOT NULL CHECK (length(destination) BETWEEN 1 AND 200),"
    "  price_per_seat BIGINT NOT NULL DEFAULT 0 CHECK (price_per_seat >= 0),"
    "  active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (tenant_id, id),"
    "  UNIQUE (tenant_id, property_id, name),"
    "  FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id)"
    ");"
    "CREATE INDEX shuttle_routes_by_property ON shuttle_routes (tenant_id, property_id, id);"

    "CREATE TABLE shuttle_departures ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  route_id TEXT NOT NULL,"
    "  departs_at BIGINT NOT NULL,"
    "  seats BIGINT NOT NULL CHECK (seats BETWEEN 1 AND 1000),"
    "  seats_booked BIGINT NOT NULL DEFAULT 0,"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  CHECK (seats_booked >= 0 AND seats_booked <= seats),"
    "  UNIQUE (tenant_id, id),"
    "  UNIQUE (tenant_id, route_id, departs_at),"
    "  FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, route_id) REFERENCES shuttle_routes (tenant_id, id)"
    ");"
    "CREATE INDEX shuttle_departures_schedule"
    "  ON shuttle_departures (tenant_id, property_id, departs_at);"

    /* Every booking of every service; the columns of the other services are
     * NULL. starts_at/ends_at are local minutes; title is the treatment,
     * room or route name at booking time; unit_amount the treatment price,
     * the room's share of the total, or the price per seat. */
    "CREATE TABLE service_bookings ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  service TEXT NOT NULL CHECK (service IN ('spa','conference','shuttle')),"
    "  status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed','cancelled')),"
    "  starts_at BIGINT NOT NULL,"
    "  ends_at BIGINT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  treatment_id TEXT,"
    "  room_id TEXT,"
    "  layout TEXT,"
    "  attendees BIGINT CHECK (attendees IS NULL OR attendees > 0),"
    "  booking_type TEXT CHECK (booking_type IS NULL OR booking_type IN ('hourly','daily')),"
    "  days BIGINT CHECK (days IS NULL OR days > 0),"
    "  event_name TEXT,"
    "  departure_id TEXT,"
    "  route_id TEXT,"
    "  seats BIGINT CHECK (seats IS NULL OR seats > 0),"
    "  guest_first_name TEXT NOT NULL,"
    "  guest_last_name TEXT NOT NULL,"
    "  guest_email TEXT NOT NULL,"
    "  reservation_id TEXT,"
    "  unit_amount BIGINT NOT NULL CHECK (unit_amount >= 0),"
    "  total BIGINT NOT NULL CHECK (total >= 0),"
    "  currency TEXT NOT NULL CHECK (length(currency) = 3),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  cancelled_at BIGINT,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  CHECK (ends_at >= starts_at),"
    "  CHECK (service <> 'spa' OR treatment_id IS NOT NULL),"
    "  CHECK (service <> 'conference' OR (room_id IS NOT NULL AND layout IS NOT NULL"
    "    AND attendees IS NOT NULL AND booking_type IS NOT NULL)),"
    "  CHECK (service <> 'shuttle' OR (departure_id IS NOT NULL AND seats IS NOT NULL)),"
    "  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),"
    "  UNIQUE (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, treatment_id) REFERENCES spa_treatments (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, room_id) REFERENCES service_resources (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, departure_id) REFERENCES shuttle_departures (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, route_id) REFERENCES shuttle_routes (tenant_id, id)"
    ");"
    "CREATE INDEX service_bookings_by_property"
    "  ON service_bookings (tenant_id, property_id, service, id);"
    "CREATE INDEX service_bookings_by_departure ON service_bookings (tenant_id, departure_id);"
    "CREATE INDEX service_bookings_by_treatment ON service_bookings (tenant_id, treatment_id);"
    "CREATE INDEX service_bookings_by_room ON service_bookings (tenant_id, room_id);"

    /* The resources a booking was given (kept after a cancel, for the
     * record; the slots themselves are released). */
    "CREATE TABLE service_booking_resources ("
    "  tenant_id TEXT NOT NULL,"
    "  booking_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  PRIMARY KEY (booking_id, resource_id),"
    "  FOREIGN KEY (tenant_id, booking_id) REFERENCES service_bookings (tenant_id, id)"
    "    ON DELETE CASCADE,"
    "  FOREIGN KEY (tenant_id, resource_id) REFERENCES service_resources (tenant_id, id)"
    ");"
    "CREATE INDEX service_booking_resources_by_resource"
    "  ON service_booking_resources (tenant_id, resource_id);"

    "CREATE TABLE service_booking_addons ("
    "  tenant_id TEXT NOT NULL,"
    "  booking_id TEXT NOT NULL,"
    "  addon_id TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  quantity BIGINT NOT NULL CHECK (quantity > 0),"
    "  unit_price BIGINT NOT NULL CHECK (unit_price >= 0),"
    "  amount BIGINT NOT NULL CHECK (amount >= 0),"
    "  PRIMARY KEY (booking_id, addon_id),"
    "  FOREIGN KEY (tenant_id, booking_id) REFERENCES service_bookings (tenant_id, id)"
    "    ON DELETE CASCADE,"
    "  FOREIGN KEY (tenant_id, addon_id) REFERENCES conference_addons (tenant_id, id)"
    ");"
    "CREATE INDEX service_booking_addons_by_addon ON service_booking_addons (tenant_id, addon_id);"

    /* The no-overlap guarantee: a resource's quarter hour is held by at most
     * one booking. */
    "CREATE TABLE resource_slots ("
    "  tenant_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  slot_start BIGINT NOT NULL CHECK (slot_start % 15 = 0),"
    "  booking_id TEXT NOT NULL,"
    "  UNIQUE (resource_id, slot_start),"
    "  FOREIGN KEY (tenant_id, resource_id) REFERENCES service_resources (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, booking_id) REFERENCES service_bookings (tenant_id, id)"
    "    ON DELETE CASCADE"
    ");"
    "CREATE INDEX resource_slots_by_booking ON resource_slots (tenant_id, booking_id);"

    "CREATE TABLE addon_slots ("
    "  tenant_id TEXT NOT NULL,"
    "  addon_id TEXT NOT NULL,"
    "  unit_no BIGINT NOT NULL CHECK (unit_no >= 1),"
    "  slot_start BIGINT NOT NULL CHECK (slot_start % 15 = 0),"
    "  booking_id TEXT NOT NULL,"
    "  UNIQUE (addon_id, unit_no, slot_start),"
    "  FOREIGN KEY (tenant_id, addon_id) REFERENCES conference_addons (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, booking_id) REFERENCES service_bookings (tenant_id, id)"
    "    ON DELETE CASCADE"
    ");"
    "CREATE INDEX addon_slots_by_booking ON addon_slots (tenant_id, booking_id);";

const db_migration_t services_migrations[] = {
    {.version = 2026112220,
     .name = "services: spa, conference and shuttle bookings on one slot engine",
     .sql = services_v1_sql,
     .tenant_tables = "service_resources,conference_room_layouts,spa_treatments,"
                      "conference_addons,shuttle_routes,shuttle_departures,service_bookings,"
                      "service_booking_resources,service_booking_addons,resource_slots,"
                      "addon_slots"},
};
const size_t services_migrations_count =
    sizeof(services_migrations) / sizeof(services_migrations[0]);
