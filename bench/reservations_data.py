#!/usr/bin/env python3
"""
reservations_data.py - build a SQLite database for the reservations
benchmark: one hotel with 200 rooms (4 room types) and 100,000 reservations
over 3 years (2025-01-01 .. 2027-12-31), with their room_nights rows, so the
availability search runs against a realistically full table.

How: `buffr migrate` creates the schema and `buffr user create` the tenant
and its owner (real password hash, so the benchmark can log in); the rest is
inserted directly with Python's sqlite3, in one transaction, following the
module's rules (one room_nights row per occupied night, UNIQUE (room_id,
night) respected by construction, cancelled stays without nights, statuses
by date). Direct inserts take seconds where the API would take minutes.

Also writes wrk Lua scripts for the searches and the bookings
(--lua-dir): the bearer token is read from $BENCH_TOKEN at run time.

Usage:
  bench/reservations_data.py --binary build-bench/buffr --db /tmp/x/buffr.db \
      --lua-dir /tmp/x [--rooms 200] [--reservations 100000] [--seed 7]
Prints a JSON summary (property id, login, room type ids) on stdout.
"""

import argparse
import datetime
import json
import os
import random
import sqlite3
import subprocess
import sys
import time

START = datetime.date(2025, 1, 1)
DAYS = 3 * 365  # through 2027-12-31
TYPES = [  # code, name, capacity, base rate, share of rooms
    ("STD", "Standard Double", 2, 11000, 0.45),
    ("TWN", "Twin", 2, 11500, 0.25),
    ("DLX", "Deluxe King", 3, 18900, 0.20),
    ("STE", "Suite", 4, 32000, 0.10),
]
STAY_LENGTHS = [1, 1, 1, 2, 2, 2, 3, 4]  # with 12% cancelled: about 80% occupancy


def uuid7(rng, ms):
    """A UUID version 7 string for Unix milliseconds ms (time-ordered)."""
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rng.getrandbits(12) << 64
    value |= 0b10 << 62
    value |= rng.getrandbits(62)
    h = "%032x" % value
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


class Ids:
    """Strictly increasing UUIDv7s, as the server makes them."""

    def __init__(self, rng):
        self.rng = rng
        self.ms = int(time.time() * 1000) - 10_000_000

    def next(self):
        self.ms += 1
        return uuid7(self.rng, self.ms)


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit("%s failed:\n%s%s" % (" ".join(cmd), proc.stdout, proc.stderr))
    return proc


def build(args):
    rng = random.Random(args.seed)
    ids = Ids(rng)
    url = "sqlite:" + args.db
    env = dict(os.environ, BUFFR_PASSWORD_MEMLIMIT_MIB="19")
    run([args.binary, "migrate", "--database", url, "--data-dir", os.path.dirname(args.db)], env=env)
    email = "bench-owner-%d@example.com" % args.seed
    password = "Vk7#%s-Qz9!lighthouse" % random.Random(args.seed * 31).getrandbits(48)
    run(
        [args.binary, "user", "create", "--email", email, "--full-name", "Bench Owner",
         "--tenant-name", "Bench Hotels", "--password", password, "--database", url,
         "--data-dir", os.path.dirname(args.db)],
        env=env,
    )
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA foreign_keys = ON")
    tenant = db.execute("SELECT tenant_id FROM users WHERE email = ?", (email,)).fetchone()[0]
    now = int(time.time())
    pid = ids.next()
    db.execute("BEGIN")
    db.execute(
        "INSERT INTO properties (id, tenant_id, name, type, timezone, currency, created_at, "
        "updated_at) VALUES (?, ?, 'Bench Lodge', 'hotel', 'UTC', 'EUR', ?, ?)",
        (pid, tenant, now, now),
    )
    rooms = []  # (room id, type id, base rate)
    types = {}
    number = 0
    for code, name, capacity, rate, share in TYPES:
        tid = ids.next()
        types[code] = tid
        db.execute(
            "INSERT INTO room_types (id, tenant_id, property_id, name, code, capacity, base_rate, "
            "rate_friday, rate_saturday, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (tid, tenant, pid, name, code, capacity, rate, rate + 2000, rate + 2500, now, now),
        )
        for _ in range(round(args.rooms * share)):
            number += 1
            rid = ids.next()
            floor = 1 + (number - 1) // 40
            db.execute(
                "INSERT INTO rooms (id, tenant_id, property_id, room_type_id, number, floor, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rid, tenant, pid, tid, "%d%02d" % (floor, (number - 1) % 40 + 1), floor, now, now),
            )
            rooms.append((rid, tid, rate))
    # A season over the summers, so prices vary as they would.
    for code, tid in types.items():
        for year in (2025, 2026, 2027, 2028):
            db.execute(
                "INSERT INTO rate_seasons (id, tenant_id, property_id, room_type_id, name, "
                "start_date, end_date, rate, min_stay) VALUES (?, ?, ?, ?, 'Summer', ?, ?, ?, NULL)",
                (ids.next(), tenant, pid, tid, "%d-07-01" % year, "%d-09-01" % year,
                 dict((t[0], t[3]) for t in TYPES)[code] * 13 // 10),
            )

    guests = []
    for i in range(args.reservations // 5):
        gid = ids.next()
        guests.append(gid)
        db.execute(
            "INSERT INTO guests (id, tenant_id, first_name, last_name, email, email_key, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (gid, tenant, "Guest%d" % i, "Family%d" % (i % 997), "guest%d@example.com" % i,
             "guest%d@example.com" % i, now, now),
        )

    today = datetime.datetime.now(datetime.timezone.utc).date()
    per_room = args.reservations // len(rooms)
    extra = args.reservations - per_room * len(rooms)
    made = 0
    nights_rows = []
    reservation_rows = []
    for index, (rid, tid, rate) in enumerate(rooms):
        want = per_room + (1 if index < extra else 0)
        # Spread the stays over the 3 years: gaps so that `want` stays fit.
        lengths = [rng.choice(STAY_LENGTHS) for _ in range(want)]
        cancelled = [rng.random() < 0.12 for _ in range(want)]
        used = sum(n for n, c in zip(lengths, cancelled) if not c)
        while used > DAYS - want // 10:  # too full: shorten the longest stays
            k = max(range(want), key=lambda i: lengths[i] if not cancelled[i] else 0)
            lengths[k] -= 1 if lengths[k] > 1 else 0
            used = sum(n for n, c in zip(lengths, cancelled) if not c)
            if all(l == 1 or c for l, c in zip(lengths, cancelled)):
                break
        slack = DAYS - used
        cursor = 0
        for k in range(want):
            gap = rng.randint(0, max(0, 2 * slack // max(1, want - k))) if slack > 0 else 0
            gap = min(gap, slack)
            slack -= gap
            cursor += gap
            n = lengths[k]
            check_in = START + datetime.timedelta(days=cursor)
            check_out = check_in + datetime.timedelta(days=n)
            res_id = ids.next()
            if cancelled[k]:
                status = "cancelled"
            elif check_out <= today:
                status = "checked_out"
            elif check_in <= today:
                status = "checked_in"
            else:
                status = "confirmed"
            total = rate * n
            reservation_rows.append(
                (res_id, tenant, pid, tid, rid, rng.choice(guests), status, check_in.isoformat(),
                 check_out.isoformat(), rng.randint(1, 2), total, rate, "EUR",
                 rate if status == "cancelled" and rng.random() < 0.3 else None, now, now)
            )
            if not cancelled[k]:
                for d in range(n):
                    nights_rows.append(
                        (tenant, pid, rid, (check_in + datetime.timedelta(days=d)).isoformat(), res_id)
                    )
                cursor += n
            made += 1
    db.executemany(
        "INSERT INTO reservations (id, tenant_id, property_id, room_type_id, room_id, guest_id, "
        "status, check_in, check_out, guests, total, first_night_rate, currency, "
        "cancellation_fee, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        reservation_rows,
    )
    db.executemany(
        "INSERT INTO room_nights (tenant_id, property_id, room_id, night, reservation_id) "
        "VALUES (?, ?, ?, ?, ?)",
        nights_rows,
    )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return {
        "property_id": pid,
        "email": email,
        "password": password,
        "room_types": types,
        "rooms": len(rooms),
        "reservations": made,
        "room_nights": len(nights_rows),
        "occupancy": round(len(nights_rows) / (len(rooms) * DAYS), 3),
    }


AVAIL_LUA = """-- availability search: 7-night stays starting on varied dates of the data
local token = os.getenv("BENCH_TOKEN")
local base = "/api/v1/properties/%(pid)s/availability"
local starts = {%(starts)s}
wrk.headers["Authorization"] = "Bearer " .. token
local i = 0
request = function()
  i = i + 1
  local s = starts[(i %% #starts) + 1]
  return wrk.format("GET", base .. "?check_in=" .. s[1] .. "&check_out=" .. s[2] .. "&guests=2")
end
"""

BOOK_LUA = """-- booking: 1..3-night stays on varied dates after the data (2028..2030)
local token = os.getenv("BENCH_TOKEN")
local path = "/api/v1/properties/%(pid)s/reservations"
local types = {%(types)s}
local stays = {%(stays)s}
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
local threads = {}
local counter = 0
-- globals, not locals: done() reads them from each thread with thread:get
created, refused, other = 0, 0, 0
setup = function(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
init = function(args)
  math.randomseed(id * 7919)
end
request = function()
  counter = counter + 1
  local s = stays[math.random(#stays)]
  local t = types[math.random(#types)]
  local body = string.format('{"room_type_id":"%%s","check_in":"%%s","check_out":"%%s",' ..
    '"guests":2,"guest":{"first_name":"Wrk","last_name":"T%%d","email":"wrk%%d-%%d@example.com"}}',
    t, s[1], s[2], id, id, counter %% 5000)
  return wrk.format(nil, path, nil, body)
end
response = function(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 409 then refused = refused + 1
  else other = other + 1 end
end
done = function(summary, latency, requests)
  local c, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); r = r + t:get("refused"); o = o + t:get("other")
  end
  io.write(string.format("bookings: %%d created (201), %%d no availability (409), %%d other\\n",
    c, r, o))
end
"""


def write_lua(lua_dir, summary, seed):
    rng = random.Random(seed + 1)
    starts = []
    for _ in range(2000):
        d = START + datetime.timedelta(days=rng.randrange(DAYS - 7))
        starts.append('{"%s","%s"}' % (d.isoformat(), (d + datetime.timedelta(days=7)).isoformat()))
    with open(os.path.join(lua_dir, "availability.lua"), "w") as f:
        f.write(AVAIL_LUA % {"pid": summary["property_id"], "starts": ",".join(starts)})
    stays = []
    first = datetime.date(2028, 1, 1)
    for _ in range(4000):
        d = first + datetime.timedelta(days=rng.randrange(3 * 365))
        n = rng.choice([1, 1, 2, 3])
        stays.append('{"%s","%s"}' % (d.isoformat(), (d + datetime.timedelta(days=n)).isoformat()))
    types = ",".join('"%s"' % t for t in summary["room_types"].values())
    with open(os.path.join(lua_dir, "book.lua"), "w") as f:
        f.write(BOOK_LUA % {"pid": summary["property_id"], "types": types, "stays": ",".join(stays)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--db", required=True, help="SQLite file to create (must not exist)")
    parser.add_argument("--lua-dir", help="where to write availability.lua and book.lua")
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--reservations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if os.path.exists(args.db):
        sys.exit("%s exists; give a new file" % args.db)
    started = time.monotonic()
    summary = build(args)
    summary["seconds"] = round(time.monotonic() - started, 1)
    if args.lua_dir:
        write_lua(args.lua_dir, summary, args.seed)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
