/*
 * schema.c - the reservations module's tables (migrations 2026112201..19).
 *
 * The rule that matters most lives here: room_nights holds one row per
 * occupied room-night (a reservation's or a block's) with UNIQUE (room_id,
 * night), so no room can be sold twice for a night whatever the C code or
 * the concurrency does; bookings insert their nights in the same transaction
 * as the reservation. Dates are 'YYYY-MM-DD' text and stays are half-open
 * [check_in, check_out), so a night is simply the date it starts.
 */
#include "reservations/reservations.h"

/* The reservations table less its stay-dates CHECK: v1 creates it, and
 * 2026112202 rebuilds it on SQLite (which cannot change a CHECK in place)
 * with the rule that lets a day use end on its arrival date. */
#define RESERVATIONS_COLUMNS                                                                       \
    "  id TEXT PRIMARY KEY,"                                                                       \
    "  tenant_id TEXT NOT NULL,"                                                                   \
    "  property_id TEXT NOT NULL,"                                                                 \
    "  room_type_id TEXT NOT NULL,"                                                                \
    "  room_id TEXT NOT NULL,"                                                                     \
    "  guest_id TEXT NOT NULL,"                                                                    \
    "  group_id TEXT,"                                                                             \
    "  status TEXT NOT NULL"                                                                       \
    "    CHECK (status IN ('confirmed','checked_in','checked_out','cancelled','no_show')),"        \
    "  check_in TEXT NOT NULL CHECK (length(check_in) = 10),"                                      \
    "  check_out TEXT NOT NULL CHECK (length(check_out) = 10),"                                    \
    "  guests BIGINT NOT NULL CHECK (guests BETWEEN 1 AND 50),"                                    \
    "  total BIGINT NOT NULL CHECK (total >= 0),"                                                  \
    "  first_night_rate BIGINT NOT NULL CHECK (first_night_rate >= 0),"                            \
    "  currency TEXT NOT NULL CHECK (length(currency) = 3),"                                       \
    "  cancellation_fee BIGINT CHECK (cancellation_fee >= 0),"                                     \
    "  created_at BIGINT NOT NULL,"                                                                \
    "  updated_at BIGINT NOT NULL,"                                                                \
    "  version BIGINT NOT NULL DEFAULT 1,"
#define RESERVATIONS_KEYS                                                                          \
    "  UNIQUE (tenant_id, id),"                                                                    \
    "  FOREIGN KEY (tenant_id, property_id, room_type_id)"                                         \
    "    REFERENCES room_types (tenant_id, property_id, id),"                                      \
    "  FOREIGN KEY (tenant_id, property_id, room_id)"                                              \
    "    REFERENCES rooms (tenant_id, property_id, id),"                                           \
    "  FOREIGN KEY (tenant_id, guest_id) REFERENCES guests (tenant_id, id)"
#define RESERVATIONS_COLUMN_NAMES                                                                  \
    "id, tenant_id, property_id, room_type_id, room_id, guest_id, group_id, status, check_in, "    \
    "check_out, guests, total, first_night_rate, currency, cancellation_fee, created_at, "         \
    "updated_at, version"
#define RESERVATIONS_INDEXES                                                                       \
    "CREATE INDEX reservations_property_id ON reservations (property_id, id);"                     \
    "CREATE INDEX reservations_check_in ON reservations (property_id, check_in);"                  \
    "CREATE INDEX reservations_check_out ON reservations (property_id, check_out);"                \
    "CREATE INDEX reservations_room ON reservations (room_id, check_in);"                          \
    "CREATE INDEX reservations_guest ON reservations (guest_id);"                                  \
    "CREATE INDEX reservations_group ON reservations (group_id);"

/* A stay has at least one night, except a guest who checked out on the
 * arrival date: a day use, check_out = check_in (booking.c). */
#define RESERVATIONS_STAY_DATES                                                                    \
    "CHECK (check_out > check_in OR (check_out = check_in AND status = 'checked_out'))"

static const char reservations_v1_sql[] =
    "CREATE TABLE room_types ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 32),"
    "  capacity BIGINT NOT NULL CHECK (capacity BETWEEN 1 AND 50),"
    "  base_rate BIGINT NOT NULL CHECK (base_rate >= 0),"
    "  description TEXT NOT NULL DEFAULT '',"
    "  amenities TEXT NOT NULL DEFAULT '[]',"
    "  min_stay BIGINT NOT NULL DEFAULT 1 CHECK (min_stay BETWEEN 1 AND 366),"
    "  rate_monday BIGINT CHECK (rate_monday >= 0),"
    "  rate_tuesday BIGINT CHECK (rate_tuesday >= 0),"
    "  rate_wednesday BIGINT CHECK (rate_wednesday >= 0),"
    "  rate_thursday BIGINT CHECK (rate_thursday >= 0),"
    "  rate_friday BIGINT CHECK (rate_friday >= 0),"
    "  rate_saturday BIGINT CHECK (rate_saturday >= 0),"
    "  rate_sunday BIGINT CHECK (rate_sunday >= 0),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (tenant_id, id),"
    "  UNIQUE (tenant_id, property_id, id),"
    "  UNIQUE (property_id, code),"
    "  FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id)"
    ");"
    "CREATE TABLE rooms ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  room_type_id TEXT NOT NULL,"
    "  number TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 20),"
    "  floor BIGINT CHECK (floor BETWEEN -20 AND 300),"
    "  features TEXT NOT NULL DEFAULT '[]',"
    "  status TEXT NOT NULL DEFAULT 'clean' CHECK (status IN ('clean','dirty','inspected')),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (tenant_id, id),"
    "  UNIQUE (tenant_id, property_id, id),"
    "  UNIQUE (property_id, number),"
    "  FOREIGN KEY (tenant_id, property_id, room_type_id)"
    "    REFERENCES room_types (tenant_id, property_id, id)"
    ");"
    "CREATE INDEX rooms_room_type ON rooms (room_type_id, number);"
    "CREATE TABLE property_policies ("
    "  property_id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  check_in_time TEXT NOT NULL CHECK (length(check_in_time) = 5),"
    "  check_out_time TEXT NOT NULL CHECK (length(check_out_time) = 5),"
    "  cancellation_policy TEXT NOT NULL DEFAULT '',"
    "  free_cancellation_hours BIGINT NOT NULL"
    "    CHECK (free_cancellation_hours BETWEEN 0 AND 8784),"
    "  cancellation_fee_kind TEXT NOT NULL"
    "    CHECK (cancellation_fee_kind IN ('none','first_night','fixed')),"
    "  cancellation_fee_amount BIGINT NOT NULL DEFAULT 0 CHECK (cancellation_fee_amount >= 0),"
    "  updated_at BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id)"
    "    ON DELETE CASCADE"
    ");"
    "CREATE TABLE rate_seasons ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  room_type_id TEXT NOT NULL,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  start_date TEXT NOT NULL CHECK (length(start_date) = 10),"
    "  end_date TEXT NOT NULL CHECK (length(end_date) = 10),"
    "  rate BIGINT NOT NULL CHECK (rate >= 0),"
    "  min_stay BIGINT CHECK (min_stay BETWEEN 1 AND 366),"
    "  CHECK (end_date > start_date),"
    "  FOREIGN KEY (tenant_id, property_id, room_type_id)"
    "    REFERENCES room_types (tenant_id, property_id, id) ON DELETE CASCADE"
    ");"
    "CREATE INDEX rate_seasons_room_type ON rate_seasons (room_type_id, start_date);"
    "CREATE INDEX rate_seasons_property ON rate_seasons (property_id, end_date);"
    "CREATE TABLE rate_closed_arrivals ("
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  room_type_id TEXT NOT NULL,"
    "  day TEXT NOT NULL CHECK (length(day) = 10),"
    "  PRIMARY KEY (room_type_id, day),"
    "  FOREIGN KEY (tenant_id, property_id, room_type_id)"
    "    REFERENCES room_types (tenant_id, property_id, id) ON DELETE CASCADE"
    ");"
    "CREATE INDEX rate_closed_arrivals_property ON rate_closed_arrivals (property_id, day);"
    "CREATE TABLE guests ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  first_name TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),"
    "  last_name TEXT NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),"
    "  email TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),"
    "  email_key TEXT NOT NULL,"
    "  phone TEXT,"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  UNIQUE (tenant_id, id),"
    "  UNIQUE (tenant_id, email_key)"
    ");"
    "CREATE TABLE reservations (" RESERVATIONS_COLUMNS
    "  CHECK (check_out > check_in)," RESERVATIONS_KEYS ");" RESERVATIONS_INDEXES
    "CREATE TABLE room_blocks ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  room_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('out_of_order','external')),"
    "  start_date TEXT NOT NULL CHECK (length(start_date) = 10),"
    "  end_date TEXT NOT NULL CHECK (length(end_date) = 10),"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  feed TEXT,"
    "  uid TEXT,"
    "  created_at BIGINT NOT NULL,"
    "  CHECK (end_date > start_date),"
    "  CHECK ((kind = 'external') = (feed IS NOT NULL)),"
    "  UNIQUE (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, property_id, room_id) REFERENCES rooms (tenant_id, property_id, id)"
    ");"
    "CREATE INDEX room_blocks_room ON room_blocks (room_id, start_date);"
    "CREATE TABLE room_nights ("
    "  tenant_id TEXT NOT NULL,"
    "  property_id TEXT NOT NULL,"
    "  room_id TEXT NOT NULL,"
    "  night TEXT NOT NULL CHECK (length(night) = 10),"
    "  reservation_id TEXT,"
    "  block_id TEXT,"
    "  CHECK ((reservation_id IS NULL) <> (block_id IS NULL)),"
    "  UNIQUE (room_id, night),"
    "  FOREIGN KEY (tenant_id, property_id, room_id) REFERENCES rooms (tenant_id, property_id, id),"
    "  FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations (tenant_id, id),"
    "  FOREIGN KEY (tenant_id, block_id) REFERENCES room_blocks (tenant_id, id) ON DELETE CASCADE"
    ");"
    "CREATE INDEX room_nights_property ON room_nights (property_id, night);"
    "CREATE INDEX room_nights_reservation ON room_nights (reservation_id);"
    "CREATE INDEX room_nights_block ON room_nights (block_id);";

/* 2026112202: a day use (check-out on the arrival date) ends on its
 * arrival date. PostgreSQL swaps the CHECK; SQLite rebuilds the table. The
 * room_nights rows that refer to reservations are orphaned between the DROP
 * and the copy back, so foreign keys are checked at commit (the count of
 * violations goes back to zero as each reservation returns). */
static const char reservations_v2_sqlite_sql[] =
    "PRAGMA defer_foreign_keys = ON;"
    "CREATE TABLE reservations_rebuild AS SELECT " RESERVATIONS_COLUMN_NAMES " FROM reservations;"
    "DROP TABLE reservations;"
    "CREATE TABLE reservations (" RESERVATIONS_COLUMNS "  " RESERVATIONS_STAY_DATES
    "," RESERVATIONS_KEYS ");"
    "INSERT INTO reservations (" RESERVATIONS_COLUMN_NAMES ") SELECT " RESERVATIONS_COLUMN_NAMES
    " FROM reservations_rebuild;"
    "DROP TABLE reservations_rebuild;" RESERVATIONS_INDEXES;

static const char reservations_v2_postgres_sql[] =
    "ALTER TABLE reservations DROP CONSTRAINT reservations_check;"
    "ALTER TABLE reservations ADD CONSTRAINT reservations_stay_dates " RESERVATIONS_STAY_DATES ";";

const db_migration_t reservations_migrations[] = {
    {.version = 2026112201,
     .name = "reservations: room types, rooms, policies, rates, guests, reservations, nights",
     .sql = reservations_v1_sql,
     .tenant_tables = "room_types,rooms,property_policies,rate_seasons,rate_closed_arrivals,"
                      "guests,reservations,room_blocks,room_nights"},
    {.version = 2026112202,
     .name = "reservations: a stay checked out on its arrival date ends that day",
     .sqlite_sql = reservations_v2_sqlite_sql,
     .postgres_sql = reservations_v2_postgres_sql},
};
const size_t reservations_migrations_count =
    sizeof(reservations_migrations) / sizeof(reservations_migrations[0]);
