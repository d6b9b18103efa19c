"""
test_reservation_races.py - no double booking under concurrency, black-box:
many clients (threads, each on its own connection) race to book the same
room-nights at once, on the backend the file runs with. Exactly the free
rooms are sold, every loser answers 409 NO_AVAILABILITY, and the database
itself (read directly: the SQLite file, or PostgreSQL through psql) holds
exactly one reservation per sold room-night. Seasons added one at a time
to a rate plan by concurrent clients never overlap either.

Not here: the booking rules themselves (test_reservations.py).
"""

import os
import sqlite3
import subprocess
import threading
import time
import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

RACERS = 60


def tenant_of(token):
    return h.jwt_parts(token)[1]["tenant_id"]


def sql_rows(server, tenant_id, query, params):
    """Run a read-only query against the server's database directly. params
    are substituted as quoted literals for psql (test-made UUIDs and dates
    only)."""
    if server.backend == "sqlite":
        path = server.database_url.split(":", 1)[1]
        if path.startswith("//"):
            path = path[2:]
        conn = sqlite3.connect(path, timeout=30)
        try:
            return [tuple(r) for r in conn.execute(query, params).fetchall()]
        finally:
            conn.close()
    literal = query
    for value in params:
        assert all(c.isalnum() or c == "-" for c in value), value
        literal = literal.replace("?", "'%s'" % value, 1)
    script = "BEGIN; SET LOCAL app.tenant_id = '%s'; %s; COMMIT;" % (tenant_id, literal)
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", server.database_url,
         "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PGCONNECT_TIMEOUT="10"),
    )
    if out.returncode != 0:
        raise AssertionError("psql failed: %s" % out.stderr)
    rows = []
    for line in out.stdout.splitlines():
        if line.strip():
            rows.append(tuple(int(v) if v.lstrip("-").isdigit() else v for v in line.split("|")))
    return rows


class Races(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()

    def hotel(self, rooms):
        owner = h.register_tenant(self.srv, "race")
        token = owner["token"]
        prop = h.create_property(self.srv, token, timezone="UTC")
        base = "/api/v1/properties/" + prop["id"]
        rtype = h.assert_json(
            self.srv.post(
                base + "/room-types",
                {"name": "Last room", "code": "LR", "capacity": 2, "base_rate": 9900},
                token=token,
            ),
            201,
        )
        room_ids = []
        for n in range(rooms):
            room = h.assert_json(
                self.srv.post(
                    base + "/rooms", {"number": "R%02d" % n, "room_type_id": rtype["id"]}, token=token
                ),
                201,
            )
            room_ids.append(room["id"])
        return token, base, rtype["id"], room_ids

    def race(self, token, base, type_id, stays):
        """stays[i] is (check_in, check_out) of racer i; returns responses."""

        def book(i, check_in, check_out):
            body = {
                "room_type_id": type_id,
                "check_in": check_in,
                "check_out": check_out,
                "guests": 1,
                "guest": {"first_name": "Racer", "last_name": str(i), "email": "racer%d@example.com" % i},
            }
            return self.srv.post(base + "/reservations", body, token=token, timeout=120)

        calls = [lambda i=i, s=s: book(i, s[0], s[1]) for i, s in enumerate(stays)]
        results = h.concurrently(calls, timeout=180)
        for r in results:
            if not isinstance(r, h.Response):
                self.fail("a racer failed without an answer: %r" % (r,))
        return results

    def check_losers(self, results):
        for r in results:
            if r.status != 201:
                h.assert_error(r, 409, "NO_AVAILABILITY")

    def test_last_room(self):
        token, base, type_id, (room_id,) = self.hotel(1)
        results = self.race(token, base, type_id, [("2034-02-10", "2034-02-12")] * RACERS)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [201] + [409] * (RACERS - 1))
        self.check_losers(results)
        winner = [r.body for r in results if r.status == 201][0]
        self.assertEqual(winner["room_id"], room_id)
        tenant = tenant_of(token)
        for night in ("2034-02-10", "2034-02-11"):
            rows = sql_rows(
                self.srv,
                tenant,
                "SELECT reservation_id FROM room_nights WHERE room_id = ? AND night = ?",
                (room_id, night),
            )
            self.assertEqual(rows, [(winner["id"],)], night)
        rows = sql_rows(
            self.srv,
            tenant,
            "SELECT id, status FROM reservations WHERE room_id = ? AND check_in < ? AND check_out > ?",
            (room_id, "2034-02-12", "2034-02-10"),
        )
        self.assertEqual(rows, [(winner["id"], "confirmed")], "exactly one reservation was stored")
        avail = h.assert_json(
            self.srv.get(
                base + "/availability?check_in=2034-02-10&check_out=2034-02-12&guests=1", token=token
            ),
            200,
        )
        self.assertEqual(avail["data"][0]["available"], 0)

    def test_few_rooms_many_clients(self):
        token, base, type_id, room_ids = self.hotel(5)
        results = self.race(token, base, type_id, [("2034-03-01", "2034-03-04")] * RACERS)
        winners = [r.body for r in results if r.status == 201]
        self.assertEqual(len(winners), 5)
        self.assertEqual(sorted(w["room_id"] for w in winners), sorted(room_ids))
        self.check_losers(results)
        rows = sql_rows(
            self.srv,
            tenant_of(token),
            "SELECT room_id, COUNT(*), COUNT(DISTINCT reservation_id) FROM room_nights "
            "WHERE property_id = ? GROUP BY room_id ORDER BY room_id",
            (base.rsplit("/", 1)[1],),
        )
        self.assertEqual(rows, [(rid, 3, 1) for rid in sorted(room_ids)])

    def test_overlapping_stays_on_one_room(self):
        token, base, type_id, (room_id,) = self.hotel(1)
        shapes = [
            ("2034-04-01", "2034-04-03"),
            ("2034-04-02", "2034-04-04"),
            ("2034-04-03", "2034-04-05"),
            ("2034-04-01", "2034-04-05"),
            ("2034-04-04", "2034-04-06"),
        ]
        stays = [shapes[i % len(shapes)] for i in range(RACERS)]
        results = self.race(token, base, type_id, stays)
        self.check_losers(results)
        winners = [r.body for r in results if r.status == 201]
        self.assertGreaterEqual(len(winners), 1)
        taken = []
        for w in winners:
            nights = h.assert_json(
                self.srv.get(base + "/reservations/" + w["id"], token=token), 200
            )["nights"]
            taken.append((w["check_in"], w["check_out"], nights))
        taken.sort()
        for (a_in, a_out, _), (b_in, b_out, _) in zip(taken, taken[1:]):
            self.assertLessEqual(a_out, b_in, "winning stays must not overlap: %r" % taken)
        rows = sql_rows(
            self.srv,
            tenant_of(token),
            "SELECT COUNT(*), COUNT(DISTINCT night) FROM room_nights WHERE room_id = ?",
            (room_id,),
        )
        total_nights = sum(n for _, _, n in taken)
        self.assertEqual(rows, [(total_nights, total_nights)])

    def test_cancel_and_rebook_race(self):
        token, base, type_id, (room_id,) = self.hotel(1)
        first = h.assert_json(
            self.srv.post(
                base + "/reservations",
                {
                    "room_type_id": type_id,
                    "check_in": "2034-05-01",
                    "check_out": "2034-05-02",
                    "guests": 1,
                    "guest": {"first_name": "A", "last_name": "B", "email": "ab@example.com"},
                },
                token=token,
            ),
            201,
        )
        cancel = lambda: self.srv.post(base + "/reservations/%s/cancel" % first["id"], token=token)

        def book(i):
            body = {
                "room_type_id": type_id,
                "check_in": "2034-05-01",
                "check_out": "2034-05-02",
                "guests": 1,
                "guest": {"first_name": "R", "last_name": str(i), "email": "r%d@example.com" % i},
            }
            return self.srv.post(base + "/reservations", body, token=token, timeout=120)

        calls = [cancel] + [lambda i=i: book(i) for i in range(RACERS - 1)]
        results = h.concurrently(calls, timeout=180)
        self.assertEqual(results[0].status, 200, results[0])
        bookings = results[1:]
        winners = [r for r in bookings if r.status == 201]
        self.assertLessEqual(len(winners), 1)
        self.check_losers(bookings)
        rows = sql_rows(
            self.srv,
            tenant_of(token),
            "SELECT COUNT(*) FROM room_nights WHERE room_id = ? AND night = ?",
            (room_id, "2034-05-01"),
        )
        self.assertEqual(rows, [(len(winners),)])

    def test_concurrent_overlapping_seasons(self):
        token, base, type_id, _ = self.hotel(1)
        path = base + "/room-types/%s/rates/seasons" % type_id
        # Every racer's season overlaps every other's: one may be added.
        shapes = [("2034-06-%02d" % (1 + i % 5), "2034-06-%02d" % (10 + i % 7)) for i in range(RACERS)]
        calls = [
            lambda f=f, t=t, i=i: self.srv.post(
                path, {"from": f, "to": t, "rate": 1000 + i}, token=token, timeout=120
            )
            for i, (f, t) in enumerate(shapes)
        ]
        results = h.concurrently(calls, timeout=180)
        for r in results:
            if not isinstance(r, h.Response):
                self.fail("a racer failed without an answer: %r" % (r,))
        self.assertEqual(sorted(r.status for r in results), [201] + [400] * (RACERS - 1))
        for r in results:
            if r.status != 201:
                h.assert_error(r, 400, "VALIDATION_ERROR", field="from")
        winner = [r.body for r in results if r.status == 201][0]
        rows = sql_rows(
            self.srv,
            tenant_of(token),
            "SELECT id, start_date, end_date FROM rate_seasons WHERE room_type_id = ?",
            (type_id,),
        )
        self.assertEqual(rows, [(winner["id"], winner["from"], winner["to"])])

    def test_season_waits_for_a_concurrent_plan_change(self):
        """Deterministic form of the race above: another transaction holds
        the room type's row and has added a season, not yet committed. A
        POST of an overlapping season must wait for it, then see it."""
        if self.srv.backend != "postgresql":
            self.skipTest("SQLite runs one write transaction at a time")
        token, base, type_id, _ = self.hotel(1)
        held = str(uuid.uuid4())
        psql = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.srv.database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PGCONNECT_TIMEOUT="10"),
        )
        try:
            psql.stdin.write(
                "BEGIN; SET LOCAL app.tenant_id = '%s';\n"
                "UPDATE room_types SET version = version + 1 WHERE id = '%s';\n"
                "INSERT INTO rate_seasons (tenant_id, id, property_id, room_type_id, name, start_date, "
                "end_date, rate) VALUES ('%s', '%s', '%s', '%s', 'held', '2034-07-01', '2034-07-10', 1);\n"
                "\\echo held\n"
                % (tenant_of(token), type_id, tenant_of(token), held, base.rsplit("/", 1)[1], type_id)
            )
            psql.stdin.flush()
            self.assertEqual(psql.stdout.readline().strip(), "held", psql.stderr)
            answer = []
            post = threading.Thread(
                target=lambda: answer.append(
                    self.srv.post(
                        base + "/room-types/%s/rates/seasons" % type_id,
                        {"from": "2034-07-05", "to": "2034-07-12", "rate": 2},
                        token=token,
                    )
                )
            )
            post.start()
            time.sleep(0.5)
            self.assertTrue(post.is_alive(), "the POST must wait for the other plan change: %r" % answer)
            psql.stdin.write("COMMIT;\n")
            psql.stdin.close()
            self.assertEqual(psql.wait(30), 0, psql.stderr.read())
            post.join(30)
        finally:
            if psql.poll() is None:
                psql.kill()
                psql.wait()
        h.assert_error(answer[0], 400, "VALIDATION_ERROR", field="from")
        rows = sql_rows(
            self.srv, tenant_of(token), "SELECT id FROM rate_seasons WHERE room_type_id = ?", (type_id,)
        )
        self.assertEqual(rows, [(held,)])


if __name__ == "__main__":
    h.run()
