"""
test_service_races.py - many clients at once against the service booking
engine, black-box on the real server: exactly as many bookings succeed as
there is room for, the losers get 409 with the API error shape, and what the
server then reports (bookings with their resources, seats booked, seats
left) shows no resource held twice at once and no departure oversold.

  - 32 clients for the last therapist slot of the day: one wins;
  - 32 clients for one start with three therapists: three win, each with
    a different therapist;
  - 40 clients at random starts for one therapist: the winners never
    overlap and every loser overlaps a winner;
  - 32 clients for the last 5 seats, 1 seat each: five win, 0 left;
  - 30 clients asking 1 to 3 seats of 10: seats_booked is the sum of the
    winners, never above 10, and below every refused request;
  - 30 clients for one conference room and hour: one wins;
  - 30 clients for 10 rooms sharing a projector stock of 3: three win;
  - cancels racing with bookings: the freed slot is taken exactly once.

Not here: the functional rules one request at a time (test_services).
"""

import random
import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

DAY = "2030-03-04"  # a Monday
CLIENTS = 32


def pp(pid, rest=""):
    return "/api/v1/properties/%s%s" % (pid, rest)


def guest(n):
    return {"first_name": "Racer%d" % n, "last_name": "Guest", "email": "r%d@example.com" % n}


def minutes(local):
    """Minutes of the day of "YYYY-MM-DDTHH:MM"."""
    return int(local[11:13]) * 60 + int(local[14:16])


class Races(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.owner = h.register_tenant(cls.srv, "svc-race")
        cls.token = cls.owner["token"]
        # Staff log in once and race with their own tokens, as a front desk would.
        cls.staff = [
            h.create_user(
                cls.srv, cls.token, "staff", ["spa", "conference", "transport"], do_login=True
            )["token"]
            for _ in range(4)
        ]

    def setUp(self):
        self.pid = h.create_property(self.srv, self.token, type="resort", currency="EUR")["id"]

    def post(self, path, body, token=None):
        return self.srv.post(pp(self.pid, path), body, token=token or self.token)

    def created(self, path, body):
        return h.assert_json(self.post(path, body), 201, path)

    def race(self, bodies, path):
        """POST each body at once from its own thread; return the answers."""
        calls = [
            (lambda b=b, i=i: self.post(path, b, token=self.staff[i % len(self.staff)]))
            for i, b in enumerate(bodies)
        ]
        results = h.concurrently(calls)
        for r in results:
            if not isinstance(r, h.Response):
                raise AssertionError("a client failed: %r" % (r,))
        return results

    def split(self, results, loser_status=409, loser_code="NO_AVAILABILITY"):
        wins = [r.body for r in results if r.status == 201]
        for r in results:
            if r.status != 201:
                h.assert_error(r, loser_status, loser_code)
        return wins

    def all_bookings(self, service_path, query="?status=confirmed"):
        return h.list_all(self.srv, pp(self.pid, service_path + query), self.token)

    def assert_no_overlap(self, bookings):
        """No resource is held by two bookings at the same minute."""
        held = {}
        for b in bookings:
            for res in b.get("resources", []) or [{"id": b.get("room_id")}]:
                held.setdefault(res["id"], []).append((b["start"], b["end"], b["id"]))
        for rid, spans in held.items():
            spans.sort()
            for (s1, e1, b1), (s2, e2, b2) in zip(spans, spans[1:]):
                self.assertLessEqual(
                    e1, s2, "resource %s held by %s and %s at once" % (rid, b1, b2)
                )

    # ---- spa

    def spa_setup(self, therapists, hours, duration=60):
        ids = [
            self.created(
                "/spa/resources",
                {"name": "T%d" % i, "kind": "therapist", "working_hours": {"mon": hours}},
            )["id"]
            for i in range(therapists)
        ]
        treatment = self.created(
            "/spa/treatments",
            {
                "name": "Massage",
                "duration_minutes": duration,
                "price": 9000,
                "required_resources": ["therapist"],
            },
        )
        return ids, treatment["id"]

    def spa_free(self, treatment_id):
        path = pp(self.pid, "/spa/availability?treatment_id=%s&date=%s" % (treatment_id, DAY))
        return [
            x["start"][11:]
            for x in h.assert_json(self.srv.get(path, token=self.token), 200)["data"]
        ]

    def test_last_therapist_slot(self):
        _, tid = self.spa_setup(1, "09:00-11:00")
        self.created(
            "/spa/bookings", {"treatment_id": tid, "start": DAY + "T09:00", "guest": guest(0)}
        )
        self.assertEqual(self.spa_free(tid), ["10:00"])
        bodies = [
            {"treatment_id": tid, "start": DAY + "T10:00", "guest": guest(i)}
            for i in range(CLIENTS)
        ]
        wins = self.split(self.race(bodies, "/spa/bookings"))
        self.assertEqual(len(wins), 1, "exactly one client gets the last slot")
        self.assertEqual(self.spa_free(tid), [])
        confirmed = self.all_bookings("/spa/bookings")
        self.assertEqual(len(confirmed), 2)
        self.assert_no_overlap(confirmed)

    def test_three_therapists_one_start(self):
        therapists, tid = self.spa_setup(3, "09:00-18:00")
        bodies = [
            {"treatment_id": tid, "start": DAY + "T14:00", "guest": guest(i)}
            for i in range(CLIENTS)
        ]
        wins = self.split(self.race(bodies, "/spa/bookings"))
        self.assertEqual(len(wins), 3)
        given = sorted(w["resources"][0]["id"] for w in wins)
        self.assertEqual(given, sorted(therapists), "each therapist once")
        confirmed = self.all_bookings("/spa/bookings")
        self.assertEqual(sorted(b["id"] for b in confirmed), sorted(w["id"] for w in wins))
        self.assert_no_overlap(confirmed)
        self.assertNotIn("14:00", self.spa_free(tid))
        self.assertIn("15:00", self.spa_free(tid))

    def test_two_kinds_named_in_both_orders(self):
        # Two therapists and two rooms; half the clients book a treatment
        # that names the therapist first, half one that names the room
        # first. Two pairs exist, so exactly two bookings can win, and no
        # client may be left with a deadlock or a 500.
        for i in range(2):
            self.created(
                "/spa/resources",
                {"name": "T%d" % i, "kind": "therapist", "working_hours": {"mon": "09:00-18:00"}},
            )
            self.created(
                "/spa/resources",
                {
                    "name": "R%d" % i,
                    "kind": "treatment_room",
                    "working_hours": {"mon": "09:00-18:00"},
                },
            )
        kinds = (["therapist", "treatment_room"], ["treatment_room", "therapist"])
        treatments = [
            self.created(
                "/spa/treatments",
                {
                    "name": "Duo %d" % i,
                    "duration_minutes": 90,
                    "price": 100,
                    "required_resources": k,
                },
            )["id"]
            for i, k in enumerate(kinds)
        ]
        bodies = [
            {"treatment_id": treatments[i % 2], "start": DAY + "T11:00", "guest": guest(i)}
            for i in range(CLIENTS)
        ]
        wins = self.split(self.race(bodies, "/spa/bookings"))
        self.assertEqual(len(wins), 2)
        confirmed = self.all_bookings("/spa/bookings")
        self.assertEqual(len(confirmed), 2)
        self.assertEqual(sorted(len(b["resources"]) for b in confirmed), [2, 2])
        self.assert_no_overlap(confirmed)

    def test_random_starts_never_overlap(self):
        _, tid = self.spa_setup(1, "08:00-20:00", duration=50)
        rng = random.Random(20301)
        grid = ["%02d:%02d" % (m // 60, m % 60) for m in range(8 * 60, 19 * 60 + 1, 15)]
        picks = [rng.choice(grid) for _ in range(40)]
        bodies = [
            {"treatment_id": tid, "start": DAY + "T" + p, "guest": guest(i)}
            for i, p in enumerate(picks)
        ]
        results = self.race(bodies, "/spa/bookings")
        wins = self.split(results)
        self.assertGreaterEqual(len(wins), 1)
        confirmed = self.all_bookings("/spa/bookings")
        self.assertEqual(len(confirmed), len(wins))
        # 50 minutes occupy the hour from the start: compare held spans.
        spans = sorted((minutes(b["start"]), minutes(b["start"]) + 60) for b in confirmed)
        for (s1, e1), (s2, _e2) in zip(spans, spans[1:]):
            self.assertLessEqual(e1, s2, "two winners overlap: %s" % spans)
        for pick, r in zip(picks, results):
            if r.status == 201:
                continue
            start = minutes(DAY + "T" + pick)
            self.assertTrue(
                any(s < start + 60 and start < e for s, e in spans),
                "%s was refused but overlaps no winner" % pick,
            )

    def test_cancel_races_with_bookings(self):
        _, tid = self.spa_setup(1, "09:00-10:00")
        first = self.created(
            "/spa/bookings", {"treatment_id": tid, "start": DAY + "T09:00", "guest": guest(0)}
        )
        cancel = pp(self.pid, "/spa/bookings/%s/cancel" % first["id"])
        calls = [lambda: self.srv.post(cancel, None, token=self.token)]
        calls += [
            (
                lambda i=i: self.post(
                    "/spa/bookings",
                    {"treatment_id": tid, "start": DAY + "T09:00", "guest": guest(i)},
                    token=self.staff[i % len(self.staff)],
                )
            )
            for i in range(1, 20)
        ]
        results = h.concurrently(calls)
        h.assert_json(results[0], 200, "cancel")
        wins = [r for r in results[1:] if r.status == 201]
        for r in results[1:]:
            if r.status != 201:
                h.assert_error(r, 409, "NO_AVAILABILITY")
        self.assertLessEqual(len(wins), 1)
        confirmed = self.all_bookings("/spa/bookings")
        self.assertEqual(len(confirmed), len(wins))
        self.assertEqual(self.spa_free(tid), [] if wins else ["09:00"])

    # ---- shuttle

    def departure(self, seats):
        route = self.created(
            "/transportation/shuttle/routes",
            {
                "name": "Airport " + uuid.uuid4().hex[:5],
                "origin": "Hotel",
                "destination": "Airport",
                "price_per_seat": 1500,
            },
        )
        return self.created(
            "/transportation/shuttle/departures",
            {"route_id": route["id"], "date": DAY, "time": "06:30", "seats": seats},
        )

    def departure_now(self, did):
        path = pp(self.pid, "/transportation/shuttle/departures/" + did)
        return h.assert_json(self.srv.get(path, token=self.token), 200)

    def test_last_seats(self):
        dep = self.departure(20)
        for n in (10, 5):
            self.created(
                "/transportation/shuttle/bookings",
                {"departure_id": dep["id"], "seats": n, "guest": guest(n)},
            )
        bodies = [
            {"departure_id": dep["id"], "seats": 1, "guest": guest(i)} for i in range(CLIENTS)
        ]
        wins = self.split(self.race(bodies, "/transportation/shuttle/bookings"))
        self.assertEqual(len(wins), 5, "exactly the five seats left are sold")
        now = self.departure_now(dep["id"])
        self.assertEqual((now["seats_booked"], now["seats_left"]), (20, 0))
        confirmed = self.all_bookings(
            "/transportation/shuttle/bookings", "?status=confirmed&departure_id=" + dep["id"]
        )
        self.assertEqual(sum(b["seats"] for b in confirmed), 20)
        schedule = h.assert_json(
            self.srv.get(
                pp(self.pid, "/transportation/shuttle/schedule?date=" + DAY), token=self.token
            ),
            200,
        )
        self.assertEqual([d["seats_left"] for d in schedule["data"]], [0])

    def test_mixed_party_sizes(self):
        dep = self.departure(10)
        rng = random.Random(7)
        sizes = [rng.randint(1, 3) for _ in range(30)]
        bodies = [
            {"departure_id": dep["id"], "seats": n, "guest": guest(i)} for i, n in enumerate(sizes)
        ]
        results = self.race(bodies, "/transportation/shuttle/bookings")
        wins = self.split(results)
        sold = sum(w["seats"] for w in wins)
        self.assertLessEqual(sold, 10)
        now = self.departure_now(dep["id"])
        self.assertEqual(now["seats_booked"], sold, "the counter is the sum of the bookings")
        confirmed = self.all_bookings(
            "/transportation/shuttle/bookings", "?status=confirmed&departure_id=" + dep["id"]
        )
        self.assertEqual(sum(b["seats"] for b in confirmed), sold)
        refused = [n for n, r in zip(sizes, results) if r.status != 201]
        if refused:
            self.assertLess(
                now["seats_left"],
                min(refused),
                "a party was refused although its seats are still free",
            )
        # Cancel everything at once: all seats come back, no more.
        calls = [
            (
                lambda w=w: self.srv.post(
                    pp(self.pid, "/transportation/shuttle/bookings/%s/cancel" % w["id"]),
                    None,
                    token=self.token,
                )
            )
            for w in wins
        ] + [
            (
                lambda w=w: self.srv.post(
                    pp(self.pid, "/transportation/shuttle/bookings/%s/cancel" % w["id"]),
                    None,
                    token=self.token,
                )
            )
            for w in wins
        ]
        answers = h.concurrently(calls)
        self.assertEqual(
            sorted(a.status for a in answers), sorted([200] * len(wins) + [409] * len(wins))
        )
        now = self.departure_now(dep["id"])
        self.assertEqual((now["seats_booked"], now["seats_left"]), (0, 10))

    # ---- conference

    def room(self, name=None):
        return self.created(
            "/conference/rooms",
            {
                "name": name or "Hall " + uuid.uuid4().hex[:5],
                "capacity": 50,
                "layouts": {"theatre": 50},
                "hourly_rate": 10000,
            },
        )

    def test_one_room_one_hour(self):
        room = self.room()
        bodies = [
            {
                "room_id": room["id"],
                "layout": "theatre",
                "attendees": 10,
                "start": DAY + "T10:00",
                "end": DAY + "T11:00",
                "guest": guest(i),
            }
            for i in range(30)
        ]
        wins = self.split(self.race(bodies, "/conference/bookings"))
        self.assertEqual(len(wins), 1)
        confirmed = self.all_bookings("/conference/bookings")
        self.assertEqual([b["id"] for b in confirmed], [wins[0]["id"]])

    def test_projector_stock_across_rooms(self):
        rooms = [self.room("Room %d" % i) for i in range(10)]
        projector = self.created(
            "/conference/addons", {"name": "Projector", "price": 5000, "stock": 3}
        )
        bodies = [
            {
                "room_id": rooms[i % 10]["id"],
                "layout": "theatre",
                "attendees": 5,
                "start": DAY + "T09:00",
                "end": DAY + "T12:00",
                "guest": guest(i),
                "addons": [{"addon_id": projector["id"]}],
            }
            for i in range(30)
        ]
        results = self.race(bodies, "/conference/bookings")
        wins = [r.body for r in results if r.status == 201]
        for r in results:
            if r.status != 201:
                h.assert_error(r, 409, ("NO_AVAILABILITY", "INSUFFICIENT_STOCK"))
        self.assertEqual(len(wins), 3, "three projectors, three bookings")
        self.assertEqual(len({w["room_id"] for w in wins}), 3, "never one room twice")
        confirmed = self.all_bookings("/conference/bookings")
        self.assertEqual(sorted(b["id"] for b in confirmed), sorted(w["id"] for w in wins))
        for b in confirmed:
            self.assertEqual(b["total"], 30000 + 5000)


if __name__ == "__main__":
    h.run()
