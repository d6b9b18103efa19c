"""
test_tour.py - the product tour: the "done means" journeys of Buffr Host
walked end to end through the HTTP API, the way a new hotelier, spa or
conference manager and chef would use it with only the documentation
(README.md, API.md, docs/modules/*.md and /api/v1/openapi.json).

1. Hotel: register a business, create a hotel, room types, rooms and a rate
   plan (a season and weekday rates), search a 3-night stay (its total is
   the sum of the nightly rates), book, read back, change the dates (a
   fresh availability check), check in (only into a clean room), check out
   (the room becomes dirty and shows so on the housekeeping list), and
   cancel another booking (its night is free again).
2. Services: a spa treatment (therapist with working hours, treatment,
   availability, booking, the slot gone), a meeting room (layout, two hours,
   add-ons, the price) and shuttle seats (schedule's seats_left going down).
3. Restaurant: a menu with categories, items and a modifier group, a table
   seated, its QR token, a guest (no account) reading the menu and ordering,
   the kitchen display bumping the lines to ready, staff serving and
   completing the order, and the day's sales summary including it.

Each journey runs in its own tenant and asserts real values at each step.
Tests named test_bug_* check behaviour the contract promises and the server
did not give when this tour was written (reported to the lead); they are
meant to fail until the server is fixed.

Not here: the edge cases of each module (their own test files) and races
(test_*_races.py).
"""

import datetime
import unittest
import uuid
import zoneinfo

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

# Real zones spread over the world's offsets; each journey's property takes
# the one whose local time is nearest to noon, so "today" (check-in day,
# business date) cannot roll over at midnight while the test runs.
ZONES = (
    "Pacific/Kiritimati",
    "Pacific/Auckland",
    "Australia/Sydney",
    "Asia/Tokyo",
    "Asia/Bangkok",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/Moscow",
    "Europe/Paris",
    "UTC",
    "Atlantic/Azores",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Pacific/Pago_Pago",
)
WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def zone_near_noon():
    """(zone name, local today) of the zone whose clock is nearest to 12:00."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def distance(name):
        local = now.astimezone(zoneinfo.ZoneInfo(name))
        return abs(local.hour + local.minute / 60.0 - 12.0)

    name = min(ZONES, key=distance)
    return name, now.astimezone(zoneinfo.ZoneInfo(name)).date()


def iso(day):
    return day.isoformat()


class Api:
    """One tenant's view of one property: short calls that assert success."""

    def __init__(self, srv, pid=None):
        self.srv = srv
        self.pid = pid

    def url(self, path):
        if path.startswith("/api/"):
            return path
        return "/api/v1/properties/%s%s" % (self.pid, path)

    def call(self, method, path, body=None, token=None, headers=None):
        return self.srv.request(method, self.url(path), body=body, token=token, headers=headers)

    def ok(self, method, path, body=None, token=None, status=200, headers=None):
        resp = self.call(method, path, body, token, headers)
        return h.assert_json(resp, status, "%s %s" % (method, path))


# ------------------------------------------------------------------ hotel


class HotelJourney(unittest.TestCase):
    """A hotelier sets up a small hotel, and the front desk runs stays."""

    BASE_RATE = 10000
    FRIDAY_RATE = 14000
    SATURDAY_RATE = 16000
    SEASON_RATE = 22000
    SUITE_RATE = 30000

    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()

    def rate_of(self, night):
        """The rate plan as the hotelier wrote it: a season covering the
        night, else the weekday rate, else the base rate."""
        if self.season_from <= night < self.season_to:
            return self.SEASON_RATE
        if night.weekday() == 4:
            return self.FRIDAY_RATE
        if night.weekday() == 5:
            return self.SATURDAY_RATE
        return self.BASE_RATE

    def stay_price(self, check_in, nights):
        return sum(self.rate_of(check_in + datetime.timedelta(days=i)) for i in range(nights))

    def availability(self, token, check_in, check_out, guests):
        q = "/availability?check_in=%s&check_out=%s&guests=%d" % (
            iso(check_in),
            iso(check_out),
            guests,
        )
        return {e["code"]: e for e in self.api.ok("GET", q, token=token)["data"]}

    def test_hotel_journey(self):
        srv = self.srv
        day = datetime.timedelta(days=1)

        # -- 1. A business registers and creates its hotel.
        owner = h.register_tenant(srv, "hotelier", tenant_name="Hotel Miramar SARL")
        otok = owner["token"]
        me = h.assert_json(srv.get("/api/v1/me", token=otok), 200, "me")
        self.assertEqual(me["role"], "owner", me)
        zone, today = zone_near_noon()
        prop = h.create_property(
            srv, otok, name="Hotel Miramar", type="hotel", timezone=zone, currency="EUR"
        )
        self.assertEqual((prop["type"], prop["timezone"], prop["currency"]), ("hotel", zone, "EUR"))
        self.api = api = Api(srv, prop["id"])
        desk = h.create_user(srv, otok, "staff", ["hotel"], do_login=True)["token"]

        # -- 2. Room types, rooms and the rate plan.
        dbl = api.ok(
            "POST",
            "/room-types",
            {"name": "Double", "code": "DBL", "capacity": 2, "base_rate": self.BASE_RATE},
            otok,
            201,
        )
        self.assertEqual((dbl["code"], dbl["capacity"], dbl["base_rate"]), ("DBL", 2, 10000))
        self.assertEqual(dbl["currency"], "EUR")
        ste = api.ok(
            "POST",
            "/room-types",
            {"name": "Suite", "code": "STE", "capacity": 4, "base_rate": self.SUITE_RATE},
            otok,
            201,
        )
        rooms = {}
        for number, rtype, floor in (("101", dbl, 1), ("102", dbl, 1), ("201", ste, 2)):
            room = api.ok(
                "POST",
                "/rooms",
                {"number": number, "room_type_id": rtype["id"], "floor": floor},
                otok,
                201,
            )
            self.assertEqual((room["number"], room["status"]), (number, "clean"), room)
            self.assertEqual(room["room_type_id"], rtype["id"])
            rooms[number] = room
        listed = h.list_all(srv, api.url("/rooms"), otok)
        self.assertEqual(sorted(r["number"] for r in listed), ["101", "102", "201"])

        # The stay searched for: Thursday to Sunday at least two weeks out,
        # with a festival season over its Saturday night.
        thursday = today + datetime.timedelta(days=14)
        while thursday.weekday() != 3:
            thursday += day
        saturday = thursday + 2 * day
        self.season_from, self.season_to = saturday, saturday + 2 * day
        plan = api.ok(
            "PUT",
            "/room-types/%s/rates" % dbl["id"],
            {
                "weekday_rates": {"friday": self.FRIDAY_RATE, "saturday": self.SATURDAY_RATE},
                "seasons": [
                    {
                        "name": "Festival",
                        "from": iso(self.season_from),
                        "to": iso(self.season_to),
                        "rate": self.SEASON_RATE,
                    }
                ],
            },
            otok,
            headers={"If-Match": str(dbl["version"])},
        )
        self.assertEqual(plan["base_rate"], self.BASE_RATE)
        self.assertEqual(plan["weekday_rates"].get("friday"), self.FRIDAY_RATE, plan)
        self.assertEqual(plan["weekday_rates"].get("saturday"), self.SATURDAY_RATE, plan)
        self.assertIsNone(plan["weekday_rates"].get("monday"), plan)
        self.assertEqual(len(plan["seasons"]), 1, plan)
        season = plan["seasons"][0]
        self.assertEqual(
            (season["from"], season["to"], season["rate"]),
            (iso(self.season_from), iso(self.season_to), self.SEASON_RATE),
        )
        self.assertEqual(
            api.ok("GET", "/room-types/%s/rates" % dbl["id"], token=otok)["seasons"],
            plan["seasons"],
        )

        # -- 3. The front desk searches a 3-night stay.
        sunday = thursday + 3 * day
        nightly = [self.rate_of(thursday + i * day) for i in range(3)]
        # Thursday: base; Friday: weekday; Saturday: season beats weekday.
        self.assertEqual(nightly, [10000, 14000, 22000])
        cal = api.ok("GET", "/calendar?from=%s&to=%s" % (iso(thursday), iso(sunday)), token=desk)
        cal_dbl = [t for t in cal["room_types"] if t["room_type_id"] == dbl["id"]]
        self.assertEqual(len(cal_dbl), 1, cal)
        self.assertEqual(
            [(n["date"], n["rate"], n["available"]) for n in cal_dbl[0]["nights"]],
            [(iso(thursday + i * day), nightly[i], 2) for i in range(3)],
        )
        found = self.availability(desk, thursday, sunday, 2)
        self.assertEqual(set(found), {"DBL", "STE"}, found)
        self.assertEqual(found["DBL"]["total"], sum(nightly), "total = sum of nightly rates")
        self.assertEqual(found["DBL"]["total"], 46000)
        self.assertEqual(found["DBL"]["available"], 2)
        self.assertEqual(found["DBL"]["currency"], "EUR")
        self.assertEqual(found["DBL"]["room_type_id"], dbl["id"])
        self.assertEqual((found["STE"]["total"], found["STE"]["available"]), (90000, 1))
        # Three guests only fit the suite.
        self.assertEqual(set(self.availability(desk, thursday, sunday, 3)), {"STE"})

        # -- 4. Book it (safely retried with an Idempotency-Key), read it back.
        ana = {
            "first_name": "Ana",
            "last_name": "Silva",
            "email": "ana.silva@example.com",
            "phone": "+351 912 345 678",
        }
        booking = {
            "room_type_id": dbl["id"],
            "check_in": iso(thursday),
            "check_out": iso(sunday),
            "guests": 2,
            "guest": ana,
        }
        key = {"Idempotency-Key": "tour-" + uuid.uuid4().hex}
        a = api.ok("POST", "/reservations", booking, desk, 201, headers=key)
        self.assertEqual(a["status"], "confirmed")
        self.assertEqual((a["check_in"], a["check_out"]), (iso(thursday), iso(sunday)))
        self.assertEqual((a["total"], a["currency"]), (46000, "EUR"))
        self.assertEqual(a["room_id"], rooms["101"]["id"], "first free room by number")
        self.assertEqual(a["room_type_id"], dbl["id"])
        retry = api.call("POST", "/reservations", booking, desk, headers=key)
        h.assert_status(retry, 201, "idempotent retry")
        self.assertEqual(retry.body["id"], a["id"], "a retry must not book twice")
        self.assertEqual(retry.headers.get("Idempotent-Replayed"), "true")
        got = api.ok("GET", "/reservations/" + a["id"], token=desk)
        for field in ("status", "room_id", "check_in", "check_out", "total", "version"):
            self.assertEqual(got[field], a[field], field)
        self.assertEqual(got["guests"], 2)
        self.assertEqual(
            (got["guest"]["first_name"], got["guest"]["last_name"], got["guest"]["email"]),
            ("Ana", "Silva", "ana.silva@example.com"),
        )
        self.assertEqual(got["guest"]["phone"], "+351 912 345 678")
        search = api.ok("GET", "/reservations?q=silva", token=desk)["data"]
        self.assertEqual([r["id"] for r in search], [a["id"]])
        self.assertEqual(self.availability(desk, thursday, sunday, 2)["DBL"]["available"], 1)

        # -- 5. Ana will come today instead. The hotel is full tonight and
        # tomorrow, so the change is refused and her booking stays as it was.
        bo = api.ok(
            "POST",
            "/reservations",
            {
                "room_type_id": dbl["id"],
                "check_in": iso(today),
                "check_out": iso(today + 3 * day),
                "guests": 1,
                "guest": {"first_name": "Bo", "last_name": "Berg", "email": "bo@example.com"},
            },
            desk,
            201,
        )
        self.assertEqual(bo["room_id"], rooms["101"]["id"])
        cy = api.ok(
            "POST",
            "/reservations",
            {
                "room_type_id": dbl["id"],
                "check_in": iso(today + day),
                "check_out": iso(today + 2 * day),
                "guests": 2,
                "guest": {"first_name": "Cy", "last_name": "Ng", "email": "cy@example.com"},
            },
            desk,
            201,
        )
        self.assertEqual(cy["room_id"], rooms["102"]["id"])
        self.assertEqual(cy["total"], self.rate_of(today + day))
        self.assertEqual(self.availability(desk, today, today + 3 * day, 2)["DBL"]["available"], 0)
        new_dates = {"check_in": iso(today), "check_out": iso(today + 3 * day)}
        refused = api.call(
            "PATCH",
            "/reservations/" + a["id"],
            new_dates,
            desk,
            headers={"If-Match": str(a["version"])},
        )
        h.assert_error(refused, 409, "NO_AVAILABILITY", what="change into a full night")
        unchanged = api.ok("GET", "/reservations/" + a["id"], token=desk)
        self.assertEqual(
            (unchanged["check_in"], unchanged["check_out"], unchanged["version"]),
            (iso(thursday), iso(sunday), a["version"]),
        )

        # -- 6. Cy cancels: the night is free again at once. The cancellation
        # is late (arrival tomorrow, inside the default 48 hours), so the
        # default policy charges the first night.
        cancelled = api.ok("POST", "/reservations/%s/cancel" % cy["id"], token=desk)
        self.assertEqual(cancelled["status"], "cancelled")
        self.assertEqual(cancelled["cancellation_fee"], self.rate_of(today + day))
        self.assertEqual(self.availability(desk, today, today + 3 * day, 2)["DBL"]["available"], 1)
        cal = api.ok(
            "GET", "/calendar?from=%s&to=%s" % (iso(today + day), iso(today + 2 * day)), token=desk
        )
        night = [t for t in cal["room_types"] if t["room_type_id"] == dbl["id"]][0]["nights"][0]
        self.assertEqual(night["available"], 1, cal)
        again = api.call("POST", "/reservations/%s/check-out" % cy["id"], token=desk)
        h.assert_error(again, 409, "INVALID_STATE_TRANSITION", what="check out a cancelled stay")

        # -- 7. Now the change goes through: a fresh check finds room 102 and
        # reprices the stay at tonight's rates.
        moved = api.ok(
            "PATCH",
            "/reservations/" + a["id"],
            new_dates,
            desk,
            headers={"If-Match": str(a["version"])},
        )
        self.assertEqual(
            (moved["check_in"], moved["check_out"]), (iso(today), new_dates["check_out"])
        )
        self.assertEqual(moved["room_id"], rooms["102"]["id"])
        self.assertEqual(moved["total"], self.stay_price(today, 3), "repriced at the new nights")
        self.assertEqual(moved["version"], a["version"] + 1)
        stale = api.call(
            "PATCH",
            "/reservations/" + a["id"],
            {"guests": 1},
            desk,
            headers={"If-Match": str(a["version"])},
        )
        h.assert_error(stale, 409, "CONFLICT", what="PATCH with a stale If-Match")
        # Her old future nights are free again.
        self.assertEqual(self.availability(desk, thursday, sunday, 2)["DBL"]["available"], 2)

        # -- 8. Check-in needs a clean room.
        dirty = api.ok("POST", "/rooms/%s/status" % rooms["102"]["id"], {"status": "dirty"}, desk)
        self.assertEqual(dirty["status"], "dirty")
        blocked = api.call("POST", "/reservations/%s/check-in" % a["id"], token=desk)
        err = h.assert_error(blocked, 409, "INVALID_STATE_TRANSITION", what="check in, dirty room")
        self.assertIn("102", err["message"])
        self.assertIn("dirty", err["message"])
        api.ok("POST", "/rooms/%s/status" % rooms["102"]["id"], {"status": "clean"}, desk)
        inside = api.ok("POST", "/reservations/%s/check-in" % a["id"], token=desk)
        self.assertEqual(inside["status"], "checked_in")
        self.assertEqual(inside["room_id"], rooms["102"]["id"])
        board = api.ok("GET", "/housekeeping?date=" + iso(today), token=desk)
        self.assertEqual(board["date"], iso(today), "the server's today is the property's")
        by_number = {r["number"]: r for r in board["data"]}
        self.assertTrue(by_number["102"]["occupied"])
        self.assertEqual(by_number["102"]["reservation_id"], a["id"])
        self.assertEqual(by_number["101"]["arrival"]["reservation_id"], bo["id"])
        self.assertEqual(by_number["101"]["arrival"]["guest_name"], "Bo Berg")

        # -- 9. Ana leaves early, on her arrival day: tonight's room-night is
        # given back so the room can be sold again tonight, but the first
        # night is still charged (the total as booked); the room is dirty and
        # the housekeeping list shows it.
        out = api.ok("POST", "/reservations/%s/check-out" % a["id"], token=desk)
        self.assertEqual(out["status"], "checked_out")
        self.assertEqual((out["check_in"], out["check_out"]), (iso(today), iso(today)))
        self.assertEqual(out["nights"], 0)
        self.assertEqual(out["total"], moved["total"])
        room = api.ok("GET", "/rooms/" + rooms["102"]["id"], token=desk)
        self.assertEqual(room["status"], "dirty")
        board = api.ok("GET", "/housekeeping", token=desk)
        self.assertEqual(board["date"], iso(today))
        by_number = {r["number"]: r for r in board["data"]}
        self.assertEqual(sorted(by_number), ["101", "102", "201"])
        self.assertEqual(by_number["102"]["status"], "dirty")
        self.assertEqual(by_number["102"]["housekeeping_status"], "dirty")
        self.assertEqual(by_number["101"]["status"], "clean")
        # Room 102 is free again from tomorrow on (room 101 has Bo).
        self.assertEqual(
            self.availability(desk, today + day, today + 3 * day, 2)["DBL"]["available"], 1
        )
        statuses = {
            r["id"]: r["status"]
            for r in api.ok(
                "GET",
                "/reservations?from=%s&to=%s" % (iso(today), iso(today + 4 * day)),
                token=desk,
            )["data"]
        }
        self.assertEqual(
            statuses, {a["id"]: "checked_out", bo["id"]: "confirmed", cy["id"]: "cancelled"}
        )


# ------------------------------------------------------------------ services


class ServicesJourney(unittest.TestCase):
    """A resort sells a massage, a meeting room and airport shuttle seats."""

    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        srv = cls.srv
        owner = h.register_tenant(srv, "resort", tenant_name="Seaside Resort Lda")
        cls.otok = owner["token"]
        zone, cls.today = zone_near_noon()
        prop = h.create_property(
            srv, cls.otok, name="Seaside Resort", type="resort", timezone=zone, currency="EUR"
        )
        cls.api = Api(srv, prop["id"])
        cls.desk = h.create_user(
            srv, cls.otok, "staff", ["spa", "conference", "transport"], do_login=True
        )["token"]
        # A day next week; the services run on local wall-clock time.
        cls.day = cls.today + datetime.timedelta(days=7)
        cls.wd = WEEKDAY_KEYS[cls.day.weekday()]
        cls.guest = {"first_name": "Ana", "last_name": "Silva", "email": "ana.silva@example.com"}

    def at(self, hhmm):
        return "%sT%s" % (iso(self.day), hhmm)

    def test_spa_treatment(self):
        api, otok, desk = self.api, self.otok, self.desk
        maria = api.ok(
            "POST",
            "/spa/resources",
            {"name": "Maria", "kind": "therapist", "working_hours": {self.wd: "09:00-13:00"}},
            otok,
            201,
        )
        self.assertEqual(maria["working_hours"], {self.wd: ["09:00-13:00"]})
        self.assertTrue(maria["active"])
        lotus = api.ok(
            "POST",
            "/spa/resources",
            {
                "name": "Lotus room",
                "kind": "treatment_room",
                "working_hours": {self.wd: "08:00-20:00"},
            },
            otok,
            201,
        )
        massage = api.ok(
            "POST",
            "/spa/treatments",
            {
                "name": "Deep tissue massage",
                "duration_minutes": 60,
                "price": 9000,
                "required_resources": ["therapist", "treatment_room"],
            },
            otok,
            201,
        )
        self.assertEqual((massage["price"], massage["currency"]), (9000, "EUR"))

        avail_path = "/spa/availability?treatment_id=%s&date=%s" % (massage["id"], iso(self.day))
        avail = api.ok("GET", avail_path, token=desk)
        self.assertEqual((avail["treatment_id"], avail["date"]), (massage["id"], iso(self.day)))
        self.assertEqual((avail["duration_minutes"], avail["price"]), (60, 9000))
        # Maria works 09:00-13:00: a 60-minute treatment may start every
        # quarter hour from 09:00 to 12:00.
        starts = ["%02d:%02d" % (9 + q // 4, 15 * (q % 4)) for q in range(13)]
        self.assertEqual([s["start"] for s in avail["data"]], [self.at(t) for t in starts])
        ten = [s for s in avail["data"] if s["start"] == self.at("10:00")][0]
        self.assertEqual(ten["end"], self.at("11:00"))

        booked = api.ok(
            "POST",
            "/spa/bookings",
            {"treatment_id": massage["id"], "start": self.at("10:00"), "guest": self.guest},
            desk,
            201,
        )
        self.assertEqual(booked["status"], "confirmed")
        self.assertEqual((booked["start"], booked["end"]), (self.at("10:00"), self.at("11:00")))
        self.assertEqual(
            (booked["price"], booked["total"], booked["currency"]), (9000, 9000, "EUR")
        )
        self.assertEqual(
            sorted((r["kind"], r["id"]) for r in booked["resources"]),
            [("therapist", maria["id"]), ("treatment_room", lotus["id"])],
        )
        self.assertEqual(booked["guest"]["last_name"], "Silva")

        # The hour is gone: no start overlapping 10:00-11:00 is offered.
        left = [s["start"] for s in api.ok("GET", avail_path, token=desk)["data"]]
        self.assertEqual(
            left, [self.at(t) for t in ("09:00", "11:00", "11:15", "11:30", "11:45", "12:00")]
        )
        clash = api.call(
            "POST",
            "/spa/bookings",
            {"treatment_id": massage["id"], "start": self.at("10:30"), "guest": self.guest},
            desk,
        )
        h.assert_error(clash, 409, "NO_AVAILABILITY", what="overlapping treatment")
        day_list = api.ok("GET", "/spa/bookings?date=" + iso(self.day), token=desk)["data"]
        self.assertEqual([b["id"] for b in day_list], [booked["id"]])

    def test_meeting_room(self):
        api, otok, desk = self.api, self.otok, self.desk
        hours = {self.wd: "08:00-20:00"}
        room = api.ok(
            "POST",
            "/conference/rooms",
            {
                "name": "Atlantic",
                "capacity": 40,
                "layouts": {"boardroom": 16, "theatre": 40},
                "hourly_rate": 12000,
                "working_hours": hours,
            },
            otok,
            201,
        )
        self.assertEqual(room["layouts"], {"boardroom": 16, "theatre": 40})
        self.assertEqual((room["hourly_rate"], room["daily_rate"]), (12000, None))
        projector = api.ok(
            "POST",
            "/conference/addons",
            {"name": "Projector", "price": 2500, "stock": 1},
            otok,
            201,
        )
        flipchart = api.ok(
            "POST", "/conference/addons", {"name": "Flipchart", "price": 800}, otok, 201
        )
        self.assertIsNone(flipchart["stock"], "no stock given: unlimited")

        body = {
            "room_id": room["id"],
            "layout": "boardroom",
            "attendees": 12,
            "start": self.at("14:00"),
            "end": self.at("16:00"),
            "addons": [{"addon_id": projector["id"]}, {"addon_id": flipchart["id"], "quantity": 2}],
            "event_name": "Board meeting",
            "guest": self.guest,
        }
        booked = api.ok("POST", "/conference/bookings", body, desk, 201)
        self.assertEqual(booked["booking_type"], "hourly")
        self.assertEqual((booked["layout"], booked["attendees"]), ("boardroom", 12))
        self.assertEqual(booked["room_amount"], 24000, "two hours at 120.00")
        lines = {a["addon_id"]: (a["quantity"], a["amount"]) for a in booked["addons"]}
        self.assertEqual(lines, {projector["id"]: (1, 2500), flipchart["id"]: (2, 1600)})
        self.assertEqual(booked["total"], 24000 + 2500 + 1600)
        self.assertEqual(booked["currency"], "EUR")
        got = api.ok("GET", "/conference/bookings/" + booked["id"], token=desk)
        self.assertEqual(
            (got["total"], got["start"], got["end"]), (28100, body["start"], body["end"])
        )

        # Too many people for the layout, then an overlap: both refused.
        crowd = dict(body, attendees=20, start=self.at("17:00"), end=self.at("18:00"), addons=[])
        h.assert_error(
            api.call("POST", "/conference/bookings", crowd, desk),
            400,
            "VALIDATION_ERROR",
            field="attendees",
        )
        overlap = dict(body, start=self.at("15:00"), end=self.at("17:00"), addons=[])
        h.assert_error(
            api.call("POST", "/conference/bookings", overlap, desk),
            409,
            "NO_AVAILABILITY",
            what="overlapping meeting",
        )

    def test_shuttle_seats(self):
        api, otok, desk = self.api, self.otok, self.desk
        route = api.ok(
            "POST",
            "/transportation/shuttle/routes",
            {
                "name": "Airport",
                "origin": "Resort",
                "destination": "LIS Airport",
                "price_per_seat": 1500,
            },
            otok,
            201,
        )
        dep = api.ok(
            "POST",
            "/transportation/shuttle/departures",
            {"route_id": route["id"], "date": iso(self.day), "time": "09:30", "seats": 8},
            otok,
            201,
        )
        self.assertEqual((dep["seats"], dep["seats_left"], dep["time"]), (8, 8, "09:30"))
        schedule = "/transportation/shuttle/schedule?date=" + iso(self.day)

        def seats_left():
            rows = api.ok("GET", schedule, token=desk)["data"]
            self.assertEqual([r["id"] for r in rows], [dep["id"]])
            return rows[0]["seats_left"]

        self.assertEqual(seats_left(), 8)
        first = api.ok(
            "POST",
            "/transportation/shuttle/bookings",
            {"departure_id": dep["id"], "seats": 3, "guest": self.guest},
            desk,
            201,
        )
        self.assertEqual((first["seats"], first["total"], first["currency"]), (3, 4500, "EUR"))
        self.assertEqual(first["start"], self.at("09:30"))
        self.assertEqual(seats_left(), 5)
        api.ok(
            "POST",
            "/transportation/shuttle/bookings",
            {"departure_id": dep["id"], "seats": 2, "guest": self.guest},
            desk,
            201,
        )
        self.assertEqual(seats_left(), 3)
        too_many = api.call(
            "POST",
            "/transportation/shuttle/bookings",
            {"departure_id": dep["id"], "seats": 4, "guest": self.guest},
            desk,
        )
        h.assert_error(too_many, 409, "NO_AVAILABILITY", what="more seats than left")
        self.assertEqual(seats_left(), 3)
        gone = api.ok(
            "POST", "/transportation/shuttle/bookings/%s/cancel" % first["id"], token=desk
        )
        self.assertEqual(gone["status"], "cancelled")
        self.assertEqual(seats_left(), 6)


# ------------------------------------------------------------------ restaurant


class RestaurantJourney(unittest.TestCase):
    """A chef builds the menu; a guest orders from the table's QR code."""

    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()

    def setUp(self):
        srv = self.srv
        owner = h.register_tenant(srv, "chef", tenant_name="Bistro Lumiere SAS")
        self.otok = owner["token"]
        self.zone, self.today = zone_near_noon()
        prop = h.create_property(
            srv,
            self.otok,
            name="Bistro Lumiere",
            type="restaurant",
            timezone=self.zone,
            currency="EUR",
        )
        self.api = Api(srv, prop["id"])
        self.kitchen = h.create_user(srv, self.otok, "staff", ["restaurant"], do_login=True)[
            "token"
        ]
        self.waiter = h.create_user(srv, self.otok, "staff", ["restaurant"], do_login=True)["token"]

    def build_menu(self):
        api, otok = self.api, self.otok
        settings = api.ok(
            "PATCH", "/restaurant/settings", {"tax_rate_bp": 1000, "tax_inclusive": False}, otok
        )
        self.assertEqual((settings["tax_rate_bp"], settings["tax_inclusive"]), (1000, False))
        mains = api.ok(
            "POST",
            "/menu/categories",
            {"name": "Mains", "position": 1, "station": "grill"},
            otok,
            201,
        )
        drinks = api.ok(
            "POST",
            "/menu/categories",
            {"name": "Drinks", "position": 2, "station": "bar"},
            otok,
            201,
        )
        self.assertEqual(mains["station"], "grill")

        def item(cat, name, price):
            got = api.ok(
                "POST",
                "/menu/items",
                {"category_id": cat["id"], "name": name, "price": price},
                otok,
                201,
            )
            self.assertEqual((got["name"], got["price"], got["available"]), (name, price, True))
            return got

        steak = item(mains, "Steak frites", 2400)
        burger = item(mains, "Burger", 1600)
        lemonade = item(drinks, "Lemonade", 450)
        cut = api.ok(
            "POST",
            "/menu/modifier-groups",
            {
                "name": "Cut",
                "min_select": 1,
                "max_select": 1,
                "options": [
                    {"name": "Sirloin", "price_delta": 0},
                    {"name": "Wagyu", "price_delta": 900},
                ],
            },
            otok,
            201,
        )
        self.assertEqual(
            [(o["name"], o["price_delta"]) for o in cut["options"]],
            [("Sirloin", 0), ("Wagyu", 900)],
        )
        offered = api.ok(
            "POST",
            "/menu/items/%s/modifier-groups" % steak["id"],
            {"group_id": cut["id"]},
            otok,
            201,
        )
        self.assertEqual([g["id"] for g in offered["modifier_groups"]], [cut["id"]])
        return mains, drinks, steak, burger, lemonade, cut

    def test_qr_order_to_sales(self):
        api, otok, kitchen, waiter = self.api, self.otok, self.kitchen, self.waiter
        mains, drinks, steak, burger, lemonade, cut = self.build_menu()
        wagyu = cut["options"][1]

        # The staff's whole menu: categories by position, items with groups.
        menu = api.ok("GET", "/menu", token=waiter)
        self.assertEqual([c["name"] for c in menu["categories"]], ["Mains", "Drinks"])
        items = {i["name"]: i for c in menu["categories"] for i in c["items"]}
        self.assertEqual(set(items), {"Steak frites", "Burger", "Lemonade"})
        self.assertEqual([g["name"] for g in items["Steak frites"]["modifier_groups"]], ["Cut"])

        # A table is set up and the waiter seats a party at it.
        table = api.ok("POST", "/tables", {"name": "T4", "seats": 4}, otok, 201)
        self.assertEqual(table["status"], "free")
        seated = api.ok(
            "PATCH",
            "/tables/" + table["id"],
            {"status": "occupied"},
            waiter,
            headers={"If-Match": str(table["version"])},
        )
        self.assertEqual((seated["status"], seated["version"]), ("occupied", table["version"] + 1))
        qr = api.ok("GET", "/tables/%s/qr" % table["id"], token=otok)
        token = qr["token"]
        self.assertTrue(qr["url"].endswith("/t/" + token), qr["url"])
        self.assertEqual(qr["token_version"], 1)

        # The guest scans the code: no account, only the table's token.
        guest_menu = h.assert_json(self.srv.get("/api/v1/qr/%s/menu" % token), 200, "guest menu")
        guest_items = {i["name"]: i for c in guest_menu["categories"] for i in c["items"]}
        self.assertEqual(guest_items["Steak frites"]["price"], 2400)
        self.assertEqual(guest_items["Lemonade"]["price"], 450)
        order = {
            "items": [
                {
                    "menu_item_id": steak["id"],
                    "quantity": 2,
                    "options": [wagyu["id"]],
                    "note": "medium rare",
                },
                {"menu_item_id": burger["id"], "quantity": 1, "price": 1},  # a price is ignored
                {"menu_item_id": lemonade["id"], "quantity": 2},
            ],
            "total": 1,
        }
        placed = h.assert_json(
            self.srv.post("/api/v1/qr/%s/orders" % token, order), 201, "guest order"
        )
        oid = placed["id"]
        self.assertEqual(placed["status"], "placed")
        self.assertEqual(placed["channel"], "qr")
        lines = {l["name"]: l for l in placed["items"]}
        self.assertEqual(lines["Steak frites"]["unit_price"], 3300, "2400 + Wagyu 900")
        self.assertEqual(lines["Steak frites"]["line_total"], 6600)
        self.assertEqual(lines["Burger"]["unit_price"], 1600)
        self.assertEqual(lines["Lemonade"]["line_total"], 900)
        # 10 % exclusive, rounded per line: 660 + 160 + 90.
        self.assertEqual((placed["subtotal"], placed["tax"], placed["total"]), (9100, 910, 10010))
        self.assertEqual(placed["currency"], "EUR")
        staff_view = api.ok("GET", "/orders/" + oid, token=waiter)
        self.assertEqual(
            (staff_view["channel"], staff_view["table"], staff_view["table_id"]),
            ("qr", "T4", table["id"]),
        )
        self.assertEqual(
            staff_view["business_date"], iso(self.today), "business date in %s" % self.zone
        )

        # The kitchen display: grill and bar each see their own lines.
        grill = api.ok("GET", "/kds?station=grill", token=kitchen)["data"]
        self.assertEqual(
            sorted((k["name"], k["quantity"]) for k in grill), [("Burger", 1), ("Steak frites", 2)]
        )
        for k in grill:
            self.assertEqual((k["order_id"], k["status"], k["station"]), (oid, "queued", "grill"))
            self.assertEqual((k["table"], k["channel"]), ("T4", "qr"))
        steak_line = [k for k in grill if k["name"] == "Steak frites"][0]
        self.assertEqual(steak_line["note"], "medium rare")
        self.assertEqual([o["name"] for o in steak_line["options"]], ["Wagyu"])
        bar = api.ok("GET", "/kds?station=bar", token=kitchen)["data"]
        self.assertEqual(
            [(k["name"], k["quantity"], k["station"]) for k in bar], [("Lemonade", 2, "bar")]
        )

        # Cooks bump every line to ready; the order follows its lines.
        first = grill[0]["item_id"]
        started = api.ok("POST", "/kds/items/%s/bump" % first, token=kitchen)
        self.assertEqual(started["status"], "preparing")
        self.assertEqual(api.ok("GET", "/orders/" + oid, token=waiter)["status"], "preparing")
        for k in grill + bar:
            if k["item_id"] != first:
                api.ok("POST", "/kds/items/%s/bump" % k["item_id"], token=kitchen)
            done = api.ok("POST", "/kds/items/%s/bump" % k["item_id"], token=kitchen)
            self.assertEqual(done["status"], "ready")
        board = api.ok("GET", "/kds", token=kitchen)["data"]
        self.assertEqual(sorted(k["status"] for k in board), ["ready"] * 3)
        followed = h.assert_json(
            self.srv.get("/api/v1/qr/%s/orders/%s" % (token, oid)), 200, "guest follows"
        )
        self.assertEqual((followed["status"], followed["total"]), ("ready", 10010))

        # The waiter serves and closes the order.
        served = api.ok("POST", "/orders/%s/status" % oid, {"status": "served"}, waiter)
        self.assertEqual(served["status"], "served")
        closed = api.ok("POST", "/orders/%s/status" % oid, {"status": "completed"}, waiter)
        self.assertEqual(closed["status"], "completed")
        self.assertEqual(closed["total"], 10010)
        self.assertEqual(
            api.ok("GET", "/kds", token=kitchen)["data"], [], "a completed order leaves the KDS"
        )
        after = api.ok("GET", "/tables/" + table["id"], token=waiter)
        self.assertEqual(after["status"], "needs_cleaning")

        # The day's sales include it.
        sales = api.ok("GET", "/sales/summary?date=" + staff_view["business_date"], token=otok)
        self.assertEqual(sales["count"], 1)
        self.assertEqual(
            (
                sales["gross"],
                sales["discounts"],
                sales["tax"],
                sales["net"],
                sales["tips"],
                sales["total"],
            ),
            (9100, 0, 910, 9100, 0, 10010),
        )
        by_item = {i["name"]: (i["quantity"], i["gross"]) for i in sales["by_item"]}
        self.assertEqual(
            by_item, {"Steak frites": (2, 6600), "Burger": (1, 1600), "Lemonade": (2, 900)}
        )
        by_cat = {c["id"]: (c["quantity"], c["gross"]) for c in sales["by_category"]}
        self.assertEqual(by_cat, {mains["id"]: (3, 8200), drinks["id"]: (2, 900)})

    def test_bug_table_version_follows_order_status(self):
        """SERVER BUG (found by the tour): an order changes its table's status
        (free -> occupied when placed, -> needs_cleaning when completed) without
        incrementing the table's version, so a waiter's PATCH with the If-Match
        he read before still succeeds and overwrites a status he never saw.
        API.md: every change increments version; a stale If-Match answers 409."""
        api, otok, waiter = self.api, self.otok, self.waiter
        _mains, _drinks, _steak, burger, _lemonade, _cut = self.build_menu()
        table = api.ok("POST", "/tables", {"name": "T7", "seats": 2}, otok, 201)
        token = api.ok("GET", "/tables/%s/qr" % table["id"], token=otok)["token"]
        h.assert_json(
            self.srv.post(
                "/api/v1/qr/%s/orders" % token,
                {"items": [{"menu_item_id": burger["id"], "quantity": 1}]},
            ),
            201,
            "guest order",
        )
        now = api.ok("GET", "/tables/" + table["id"], token=waiter)
        self.assertEqual(now["status"], "occupied")
        self.assertGreater(
            now["version"],
            table["version"],
            "SERVER BUG: the order changed the table's status but not its version",
        )
        stale = api.call(
            "PATCH",
            "/tables/" + table["id"],
            {"status": "free"},
            waiter,
            headers={"If-Match": str(table["version"])},
        )
        h.assert_error(
            stale, 409, "CONFLICT", what="SERVER BUG: PATCH with the version read before the order"
        )


if __name__ == "__main__":
    h.run()
