"""
test_reservations.py - availability and reservations, black-box: the
availability search, booking with a concrete room, half-open stays, rate
plans priced to the unit (seasonal override > weekday > base, minimum stay,
closed to arrival), modification and cancellation giving nights back, the
cancellation fee inside and outside the free window, check-in of a dirty
room refused, the whole state-machine table, check-out (early, and on the
arrival date: a day use), no-show, moves, group bookings all or none, list
filters and search, idempotency, roles and tenant isolation of every
endpoint; adding and removing one season of a rate plan; the
machine-readable details of 409 refusals.

Not here: rooms and inventory (test_rooms.py) and concurrent booking races
(test_reservation_races.py).

Dates: stays far in the future (2030+) where only prices matter; stays
starting today (UTC: the test properties use the UTC time zone) where the
server's clock matters (check-in, no-show, late cancellation).
"""

import datetime
import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

RESERVATION_KEYS = {
    "id",
    "property_id",
    "status",
    "room_id",
    "room_number",
    "room_type_id",
    "check_in",
    "check_out",
    "nights",
    "guests",
    "total",
    "currency",
    "cancellation_fee",
    "group_id",
    "guest",
    "created_at",
    "updated_at",
    "version",
}


def day(text):
    return datetime.date.fromisoformat(text)


def iso(d):
    return d.isoformat()


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def plus(d, n):
    return iso((day(d) if isinstance(d, str) else d) + datetime.timedelta(days=n))


class Hotel:
    """A tenant with one UTC hotel, its room types and rooms."""

    def __init__(self, srv, types=(("DBL", 2, 10000, 3),), currency="EUR", prefix="resv"):
        self.srv = srv
        self.owner = h.register_tenant(srv, prefix)
        self.token = self.owner["token"]
        self.prop = h.create_property(srv, self.token, timezone="UTC", currency=currency)
        self.pid = self.prop["id"]
        self.base = "/api/v1/properties/" + self.pid
        self.types = {}
        self.rooms = {}
        number = 100
        for code, capacity, rate, count in types:
            body = {"name": "Type " + code, "code": code, "capacity": capacity, "base_rate": rate}
            t = h.assert_json(srv.post(self.base + "/room-types", body, token=self.token), 201)
            self.types[code] = t
            self.rooms[code] = []
            for _ in range(count):
                number += 1
                room = h.assert_json(
                    srv.post(
                        self.base + "/rooms",
                        {"number": str(number), "room_type_id": t["id"]},
                        token=self.token,
                    ),
                    201,
                )
                self.rooms[code].append(room)

    def tid(self, code):
        return self.types[code]["id"]

    def avail(self, check_in, check_out, guests=1, token=None):
        url = "%s/availability?check_in=%s&check_out=%s&guests=%d" % (
            self.base,
            check_in,
            check_out,
            guests,
        )
        return self.srv.get(url, token=token or self.token)

    def avail_of(self, code, check_in, check_out, guests=1):
        data = h.assert_json(self.avail(check_in, check_out, guests), 200)["data"]
        for item in data:
            if item["room_type_id"] == self.tid(code):
                return item
        return None

    def book(self, code, check_in, check_out, guests=1, email=None, token=None, headers=None, **kw):
        guest = {
            "first_name": kw.pop("first_name", "Ada"),
            "last_name": kw.pop("last_name", "Lovelace"),
            "email": email or h.unique_email("guest"),
        }
        if "phone" in kw:
            guest["phone"] = kw.pop("phone")
        body = {
            "room_type_id": self.tid(code),
            "check_in": check_in,
            "check_out": check_out,
            "guests": guests,
            "guest": guest,
        }
        body.update(kw)
        return self.srv.post(
            self.base + "/reservations", body, token=token or self.token, headers=headers
        )

    def booked(self, *args, **kw):
        return h.assert_json(self.book(*args, **kw), 201, "book")

    def act(self, rid, action, token=None, headers=None):
        return self.srv.post(
            "%s/reservations/%s/%s" % (self.base, rid, action),
            token=token or self.token,
            headers=headers,
        )

    def get(self, rid):
        return h.assert_json(self.srv.get(self.base + "/reservations/" + rid, token=self.token), 200)

    def set_room_status(self, room_id, status):
        resp = self.srv.post(
            "%s/rooms/%s/status" % (self.base, room_id), {"status": status}, token=self.token
        )
        return h.assert_json(resp, 200, "room status")

    def put_policy(self, **fields):
        resp = self.srv.request("PUT", self.base + "/policies", body=fields, token=self.token)
        return h.assert_json(resp, 200, "put policies")


class Availability(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(cls.srv, (("SGL", 1, 8000, 2), ("DBL", 2, 12000, 3), ("FAM", 4, 20000, 1)))

    def test_shape_capacity_and_totals(self):
        hotel = self.hotel
        data = h.assert_json(hotel.avail("2031-03-02", "2031-03-05", 2), 200)["data"]
        by_code = {item["code"]: item for item in data}
        self.assertEqual(set(by_code), {"DBL", "FAM"}, "only types that fit 2 guests")
        for item in data:
            self.assertTrue(
                {"room_type_id", "name", "available", "total", "currency"} <= set(item), item
            )
            self.assertEqual(item["currency"], "EUR")
            self.assertIsNone(item["restriction"])
        self.assertEqual((by_code["DBL"]["available"], by_code["DBL"]["total"]), (3, 36000))
        self.assertEqual((by_code["FAM"]["available"], by_code["FAM"]["total"]), (1, 60000))
        data = h.assert_json(hotel.avail("2031-03-02", "2031-03-03", 1), 200)["data"]
        self.assertEqual(len(data), 3)
        data = h.assert_json(hotel.avail("2031-03-02", "2031-03-03", 5), 200)["data"]
        self.assertEqual(data, [])

    def test_booking_reduces_availability_for_its_nights_only(self):
        hotel = self.hotel
        hotel.booked("DBL", "2031-04-10", "2031-04-13", 2)
        self.assertEqual(hotel.avail_of("DBL", "2031-04-10", "2031-04-13")["available"], 2)
        self.assertEqual(hotel.avail_of("DBL", "2031-04-12", "2031-04-14")["available"], 2)
        self.assertEqual(hotel.avail_of("DBL", "2031-04-13", "2031-04-15")["available"], 3)
        self.assertEqual(hotel.avail_of("DBL", "2031-04-01", "2031-04-10")["available"], 3)
        self.assertEqual(hotel.avail_of("SGL", "2031-04-10", "2031-04-13")["available"], 2)

    def test_query_validation(self):
        hotel = self.hotel
        cases = [
            ("check_in=2031-01-02&check_out=2031-01-02&guests=1", "check_out"),
            ("check_in=2031-01-03&check_out=2031-01-02&guests=1", "check_out"),
            ("check_in=2026-02-30&check_out=2026-03-02&guests=1", "check_in"),
            ("check_in=2031-1-02&check_out=2031-01-05&guests=1", "check_in"),
            ("check_in=2031-01-02&check_out=2031-13-01&guests=1", "check_out"),
            ("check_out=2031-01-05&guests=1", "check_in"),
            ("check_in=2031-01-02&guests=1", "check_out"),
            ("check_in=2031-01-02&check_out=2031-01-05&guests=0", "guests"),
            ("check_in=2031-01-02&check_out=2031-01-05&guests=-1", "guests"),
            ("check_in=2031-01-02&check_out=2031-01-05&guests=two", "guests"),
            ("check_in=2031-01-02&check_out=2031-01-05", "guests"),
            ("check_in=2031-01-01&check_out=2032-01-03&guests=1", "check_out"),
        ]
        for query, field in cases:
            resp = self.srv.get(hotel.base + "/availability?" + query, token=hotel.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=query)


class Booking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(cls.srv, (("SGL", 1, 8000, 1), ("DBL", 2, 12000, 2)))

    def test_create_answer_and_read_back(self):
        hotel = self.hotel
        resp = hotel.book(
            "DBL", "2031-05-01", "2031-05-04", 2, email="Grace.Hopper@Example.com", phone="+1 555"
        )
        res = h.assert_json(resp, 201)
        self.assertEqual(set(res), RESERVATION_KEYS)
        self.assertTrue(h.is_uuid(res["id"]))
        self.assertEqual(res["status"], "confirmed")
        self.assertEqual(res["room_type_id"], hotel.tid("DBL"))
        self.assertIn(res["room_id"], [r["id"] for r in hotel.rooms["DBL"]])
        self.assertEqual((res["check_in"], res["check_out"], res["nights"]), ("2031-05-01", "2031-05-04", 3))
        self.assertEqual((res["total"], res["currency"], res["version"]), (36000, "EUR", 1))
        self.assertEqual(res["guests"], 2)
        self.assertIsNone(res["cancellation_fee"])
        self.assertEqual(res["guest"]["email"], "Grace.Hopper@Example.com")
        self.assertEqual(hotel.get(res["id"]), res)
        # The same guest again (any case of the email) is the same profile.
        again = hotel.booked("SGL", "2031-05-01", "2031-05-02", 1, email="grace.hopper@example.COM")
        self.assertEqual(again["guest"]["id"], res["guest"]["id"])
        self.assertEqual(again["guest"]["first_name"], "Ada")

    def test_half_open_stays_share_the_changeover_day(self):
        hotel = self.hotel
        first = hotel.booked("SGL", "2031-06-01", "2031-06-03")
        second = hotel.booked("SGL", "2031-06-03", "2031-06-05")
        self.assertEqual(first["room_id"], second["room_id"], "one room, two stays [1,3) and [3,5)")
        before = hotel.booked("SGL", "2031-05-30", "2031-06-01")
        self.assertEqual(before["room_id"], first["room_id"])
        for check_in, check_out in (
            ("2031-06-02", "2031-06-04"),
            ("2031-06-01", "2031-06-02"),
            ("2031-06-04", "2031-06-06"),
            ("2031-05-31", "2031-06-07"),
        ):
            resp = hotel.book("SGL", check_in, check_out)
            err = h.assert_error(resp, 409, "NO_AVAILABILITY", what="%s..%s" % (check_in, check_out))
            self.assertIn("SGL", err["message"])
            self.assertEqual(hotel.avail_of("SGL", check_in, check_out)["available"], 0)
        self.assertEqual(hotel.avail_of("SGL", "2031-06-05", "2031-06-06")["available"], 1)

    def test_validation(self):
        hotel = self.hotel
        other = Hotel(self.srv, (("XX", 2, 100, 1),), prefix="resv-other")
        cases = [
            ({"check_in": "2031-07-02", "check_out": "2031-07-02"}, "check_out"),
            ({"check_in": "2031-07-03", "check_out": "2031-07-02"}, "check_out"),
            ({"check_in": "2026-02-30", "check_out": "2026-03-02"}, "check_in"),
            ({"check_in": "2031-02-29", "check_out": "2031-03-02"}, "check_in"),
            ({"check_in": "2031/07/02"}, "check_in"),
            ({"check_out": "tomorrow"}, "check_out"),
            ({"check_in": 20310702}, "check_in"),
            ({"guests": 0}, "guests"),
            ({"guests": -2}, "guests"),
            ({"guests": 51}, "guests"),
            ({"guests": "2"}, "guests"),
            ({"guests": 3}, "guests"),  # over the DBL capacity of 2
            ({"room_type_id": "not-a-uuid"}, "room_type_id"),
            ({"room_type_id": str(uuid.uuid4())}, "room_type_id"),
            ({"room_type_id": other.tid("XX")}, "room_type_id"),
            ({"guest": None}, "guest"),
            ({"guest": "Ada"}, "guest"),
            ({"guest": {"first_name": "A", "last_name": "B"}}, "guest.email"),
            ({"guest": {"first_name": "A", "last_name": "B", "email": "nope"}}, "guest.email"),
            ({"guest": {"first_name": "", "last_name": "B", "email": "a@b.co"}}, "guest.first_name"),
            ({"guest": {"first_name": "A", "email": "a@b.co"}}, "guest.last_name"),
            ({"check_in": "2031-01-01", "check_out": "2032-01-03"}, "check_out"),
            ({"check_in": "2020-01-01", "check_out": "2020-01-03"}, "check_in"),
        ]
        for change, field in cases:
            body = {
                "room_type_id": hotel.tid("DBL"),
                "check_in": "2031-07-02",
                "check_out": "2031-07-04",
                "guests": 2,
                "guest": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
            }
            body.update(change)
            if body["guest"] is None:
                del body["guest"]
            resp = self.srv.post(hotel.base + "/reservations", body, token=hotel.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(change))
        page = h.assert_json(
            self.srv.get(hotel.base + "/reservations?arrival=2031-07-02", token=hotel.token), 200
        )
        self.assertEqual(page["data"], [], "no refused booking left anything behind")

    def test_guest_profile_phone_kept_up_to_date(self):
        hotel = self.hotel
        email = h.unique_email("phone")
        first = hotel.booked("DBL", "2031-08-01", "2031-08-02", email=email)
        self.assertIsNone(first["guest"]["phone"])
        second = hotel.booked("DBL", "2031-08-01", "2031-08-02", email=email, phone="+264 81 000")
        self.assertEqual(second["guest"]["id"], first["guest"]["id"])
        self.assertEqual(second["guest"]["phone"], "+264 81 000")
        self.assertEqual(hotel.get(first["id"])["guest"]["phone"], "+264 81 000")


def expected_rate(night, base, weekday, seasons):
    """Independent statement of the precedence: season > weekday > base."""
    for first, end, rate in seasons:
        if day(first) <= night < day(end):
            return rate
    name = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
        night.weekday()
    ]
    return weekday.get(name, base)


class RatePlans(unittest.TestCase):
    BASE = 10000
    WEEKDAY = {"friday": 15050, "saturday": 16075}
    SEASONS = [("2030-12-20", "2031-01-03", 25010)]

    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(cls.srv, (("STD", 2, cls.BASE, 2),))
        plan = {
            "base_rate": cls.BASE,
            "min_stay": 2,
            "weekday_rates": cls.WEEKDAY,
            "seasons": [
                {"from": f, "to": t, "rate": r, "min_stay": 3, "name": "Festive"}
                for f, t, r in cls.SEASONS
            ],
            "closed_to_arrival": ["2030-12-24", "2030-11-05"],
        }
        resp = cls.srv.request(
            "PUT",
            cls.hotel.base + "/room-types/%s/rates" % cls.hotel.tid("STD"),
            body=plan,
            token=cls.hotel.token,
        )
        cls.plan = h.assert_json(resp, 200, "put rate plan")

    def expected_total(self, check_in, check_out):
        total = 0
        night = day(check_in)
        while night < day(check_out):
            total += expected_rate(night, self.BASE, self.WEEKDAY, self.SEASONS)
            night += datetime.timedelta(days=1)
        return total

    def test_plan_read_back(self):
        got = h.assert_json(
            self.srv.get(
                self.hotel.base + "/room-types/%s/rates" % self.hotel.tid("STD"), token=self.hotel.token
            ),
            200,
        )
        self.assertEqual(got, self.plan)
        self.assertEqual(got["weekday_rates"], self.WEEKDAY)
        self.assertEqual(got["min_stay"], 2)
        (season,) = got["seasons"]
        uuid.UUID(season.pop("id"))
        self.assertEqual(
            season,
            {"name": "Festive", "from": "2030-12-20", "to": "2031-01-03", "rate": 25010, "min_stay": 3},
        )
        self.assertEqual(got["closed_to_arrival"], ["2030-11-05", "2030-12-24"])

    def test_totals_to_the_unit(self):
        hotel = self.hotel
        stays = [
            ("2030-11-11", "2030-11-18"),  # a plain week: Mon..Sun, weekend rates
            ("2030-12-17", "2030-12-23"),  # into the season: weekday then season
            ("2031-01-01", "2031-01-06"),  # out of the season: season then weekday/base
            ("2030-11-14", "2030-11-16"),  # Thu + Fri
        ]
        for check_in, check_out in stays:
            item = hotel.avail_of("STD", check_in, check_out, 2)
            want = self.expected_total(check_in, check_out)
            self.assertEqual(item["total"], want, "%s..%s" % (check_in, check_out))
            self.assertIsNone(item["restriction"])
            self.assertEqual(item["available"], 2)
            res = hotel.booked("STD", check_in, check_out, 2)
            self.assertEqual(res["total"], want, "booked total equals the search total")
            h.assert_json(hotel.act(res["id"], "cancel"), 200)
        # Spot values, stated by hand: Fri 2030-11-15 + Sat 2030-11-16 + Sun base.
        self.assertEqual(self.expected_total("2030-11-15", "2030-11-18"), 15050 + 16075 + 10000)
        self.assertEqual(hotel.avail_of("STD", "2030-11-15", "2030-11-18")["total"], 41125)
        # Two season nights beat the Saturday rate.
        self.assertEqual(hotel.avail_of("STD", "2030-12-20", "2030-12-23")["total"], 3 * 25010)

    def test_min_stay_and_closed_to_arrival(self):
        hotel = self.hotel
        item = hotel.avail_of("STD", "2030-11-12", "2030-11-13")
        self.assertEqual((item["available"], item["restriction"], item["min_stay"]), (0, "min_stay", 2))
        self.assertEqual(item["total"], 10000, "the price still shows")
        err = h.assert_error(hotel.book("STD", "2030-11-12", "2030-11-13"), 409, "NO_AVAILABILITY")
        self.assertIn("at least 2", err["message"])
        # In the season the minimum is 3 nights.
        item = hotel.avail_of("STD", "2030-12-21", "2030-12-23")
        self.assertEqual((item["available"], item["restriction"], item["min_stay"]), (0, "min_stay", 3))
        self.assertEqual(hotel.avail_of("STD", "2030-12-21", "2030-12-24")["restriction"], None)
        # Closed to arrival: no arrival that day, but stays through it are fine.
        item = hotel.avail_of("STD", "2030-12-24", "2030-12-28")
        self.assertEqual((item["available"], item["restriction"]), (0, "closed_to_arrival"))
        h.assert_error(hotel.book("STD", "2030-12-24", "2030-12-28"), 409, "NO_AVAILABILITY")
        item = hotel.avail_of("STD", "2030-12-22", "2030-12-28")
        self.assertEqual((item["available"], item["restriction"]), (2, None))
        self.assertEqual(item["total"], 6 * 25010)

    def test_calendar_rates_match(self):
        hotel = self.hotel
        cal = h.assert_json(
            self.srv.get(hotel.base + "/calendar?from=2030-12-18&to=2030-12-26", token=hotel.token),
            200,
        )
        self.assertEqual((cal["from"], cal["to"], cal["currency"]), ("2030-12-18", "2030-12-26", "EUR"))
        nights = cal["room_types"][0]["nights"]
        self.assertEqual(len(nights), 8)
        for n in nights:
            self.assertEqual(
                n["rate"], expected_rate(day(n["date"]), self.BASE, self.WEEKDAY, self.SEASONS), n
            )
            self.assertEqual(n["closed_to_arrival"], n["date"] == "2030-12-24")
            self.assertEqual(n["min_stay"], 3 if n["date"] >= "2030-12-20" else 2)

    def test_plan_validation(self):
        path = self.hotel.base + "/room-types/%s/rates" % self.hotel.tid("STD")
        cases = [
            ({"seasons": [{"from": "2031-01-01", "to": "2031-01-10", "rate": 1},
                          {"from": "2031-01-09", "to": "2031-01-12", "rate": 2}]}, "seasons"),
            ({"seasons": [{"from": "2031-01-10", "to": "2031-01-10", "rate": 1}]}, "seasons"),
            ({"seasons": [{"from": "2031-02-30", "to": "2031-03-10", "rate": 1}]}, "seasons"),
            ({"seasons": [{"from": "2031-01-01", "to": "2031-01-10", "rate": -1}]}, "seasons"),
            ({"seasons": [{"from": "2031-01-01", "to": "2031-01-10"}]}, "seasons"),
            ({"weekday_rates": {"funday": 100}}, "weekday_rates"),
            ({"weekday_rates": {"fri": 100, "friday": 200}}, "weekday_rates"),
            ({"weekday_rates": {"friday": 1.5}}, "weekday_rates"),
            ({"weekday_rates": [100]}, "weekday_rates"),
            ({"closed_to_arrival": ["2031-13-01"]}, "closed_to_arrival"),
            ({"min_stay": 0}, "min_stay"),
            ({"base_rate": -5}, "base_rate"),
        ]
        for body, field in cases:
            resp = self.srv.request("PUT", path, body=body, token=self.hotel.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(body))
        got = h.assert_json(self.srv.get(path, token=self.hotel.token), 200)
        self.assertEqual(got, self.plan, "refused plans changed nothing")
        stale = self.srv.request(
            "PUT", path, body={"base_rate": 1}, token=self.hotel.token, headers={"If-Match": "1"}
        )
        h.assert_error(stale, 409, "CONFLICT")


class Seasons(unittest.TestCase):
    """POST/DELETE .../rates/seasons: one season at a time, the rest of the
    plan untouched (PUT .../rates stays the whole-plan replace)."""

    BASE = 10000

    def setUp(self):
        self.srv = h.shared()
        self.hotel = Hotel(self.srv, (("STD", 2, self.BASE, 2), ("OTH", 2, 5000, 1)))
        self.rates = self.hotel.base + "/room-types/%s/rates" % self.hotel.tid("STD")
        plan = {
            "weekday_rates": {"friday": 15050},
            "seasons": [{"name": "Winter", "from": "2033-01-10", "to": "2033-01-20", "rate": 20000}],
            "closed_to_arrival": ["2033-03-01"],
            "min_stay": 1,
        }
        self.plan = h.assert_json(self.srv.request("PUT", self.rates, body=plan, token=self.hotel.token), 200)

    def read_plan(self):
        return h.assert_json(self.srv.get(self.rates, token=self.hotel.token), 200)

    def add(self, body, headers=None):
        return self.srv.post(self.rates + "/seasons", body, token=self.hotel.token, headers=headers)

    def test_add_and_remove_one_season(self):
        hotel = self.hotel
        (winter,) = self.plan["seasons"]
        self.assertEqual(set(winter), {"id", "name", "from", "to", "rate", "min_stay"})
        spring = h.assert_json(
            self.add({"name": "Spring", "from": "2033-04-01", "to": "2033-04-08", "rate": 30000, "min_stay": 2}),
            201,
        )
        self.assertEqual(
            {k: v for k, v in spring.items() if k != "id"},
            {
                "room_type_id": hotel.tid("STD"),
                "name": "Spring",
                "from": "2033-04-01",
                "to": "2033-04-08",
                "rate": 30000,
                "min_stay": 2,
            },
        )
        uuid.UUID(spring["id"])
        plan = self.read_plan()
        # The other season, the weekday rates, closed dates and base survive.
        self.assertEqual(plan["seasons"], [winter, {k: v for k, v in spring.items() if k != "room_type_id"}])
        self.assertEqual(plan["weekday_rates"], {"friday": 15050})
        self.assertEqual(plan["closed_to_arrival"], ["2033-03-01"])
        self.assertEqual((plan["base_rate"], plan["min_stay"]), (self.BASE, 1))
        self.assertEqual(plan["version"], self.plan["version"] + 1, "the plan's version counts the change")
        # Prices follow: the new season, the old one, a Friday outside both.
        self.assertEqual(hotel.avail_of("STD", "2033-04-01", "2033-04-03")["total"], 60000)
        self.assertEqual(hotel.avail_of("STD", "2033-04-01", "2033-04-02")["restriction"], "min_stay")
        self.assertEqual(hotel.avail_of("STD", "2033-01-12", "2033-01-13")["total"], 20000)
        self.assertEqual(hotel.avail_of("STD", "2033-05-06", "2033-05-07")["total"], 15050)
        # Half-open: a season may start on the night another one ends.
        after = h.assert_json(self.add({"from": "2033-04-08", "to": "2033-04-10", "rate": 1}), 201)
        self.assertEqual((after["name"], after["min_stay"]), ("", None))
        # Removing one season leaves the others.
        resp = self.srv.delete(self.rates + "/seasons/" + spring["id"], token=hotel.token)
        self.assertEqual(resp.status, 204, resp.body)
        plan = self.read_plan()
        self.assertEqual([s["id"] for s in plan["seasons"]], [winter["id"], after["id"]])
        self.assertEqual(plan["weekday_rates"], {"friday": 15050})
        self.assertEqual(plan["closed_to_arrival"], ["2033-03-01"])
        self.assertEqual(
            hotel.avail_of("STD", "2033-04-01", "2033-04-03")["total"], 15050 + self.BASE, "Fri + Sat"
        )
        # Gone, unknown, or another room type's: 404.
        for path in (
            self.rates + "/seasons/" + spring["id"],
            self.rates + "/seasons/" + str(uuid.uuid4()),
            hotel.base + "/room-types/%s/rates/seasons/%s" % (hotel.tid("OTH"), winter["id"]),
            hotel.base + "/room-types/%s/rates/seasons/%s" % (uuid.uuid4(), winter["id"]),
        ):
            h.assert_error(self.srv.delete(path, token=hotel.token), 404, "NOT_FOUND", what=path)
        h.assert_error(
            hotel.srv.post(hotel.base + "/room-types/%s/rates/seasons" % uuid.uuid4(),
                           {"from": "2034-01-01", "to": "2034-01-02", "rate": 1}, token=hotel.token),
            404,
            "NOT_FOUND",
        )
        self.assertEqual([s["id"] for s in self.read_plan()["seasons"]], [winter["id"], after["id"]])
        # PUT still replaces the whole plan.
        replaced = h.assert_json(
            self.srv.request("PUT", self.rates, body={"base_rate": 11000}, token=hotel.token), 200
        )
        self.assertEqual((replaced["seasons"], replaced["weekday_rates"]), ([], {}))

    def test_same_validation_as_put(self):
        cases = [
            ({"from": "2033-01-19", "to": "2033-01-25", "rate": 1}, "from"),  # overlaps Winter
            ({"from": "2033-01-01", "to": "2033-02-01", "rate": 1}, "from"),  # covers Winter
            ({"from": "2033-06-10", "to": "2033-06-10", "rate": 1}, "to"),
            ({"from": "2033-06-10", "to": "2033-06-01", "rate": 1}, "to"),
            ({"from": "2033-02-30", "to": "2033-03-10", "rate": 1}, "from"),
            ({"from": "2033-06-01", "to": "2033-6-10", "rate": 1}, "to"),
            ({"from": "2033-06-01", "to": "2033-06-10", "rate": -1}, "rate"),
            ({"from": "2033-06-01", "to": "2033-06-10", "rate": 1.5}, "rate"),
            ({"from": "2033-06-01", "to": "2033-06-10"}, "rate"),
            ({"to": "2033-06-10", "rate": 1}, "from"),
            ({"from": "2033-06-01", "to": "2033-06-10", "rate": 1, "min_stay": 0}, "min_stay"),
            ({"from": "2033-06-01", "to": "2033-06-10", "rate": 1, "name": "x" * 101}, "name"),
        ]
        for body, field in cases:
            h.assert_error(self.add(body), 400, "VALIDATION_ERROR", field=field, what=repr(body))
        self.assertEqual(self.read_plan(), self.plan, "refused seasons changed nothing")
        # If-Match (optional) is the room type's version, as for PUT.
        body = {"from": "2033-06-01", "to": "2033-06-10", "rate": 1}
        stale = self.add(body, headers={"If-Match": str(self.plan["version"] - 1)})
        h.assert_error(stale, 409, "CONFLICT")
        h.assert_json(self.add(body, headers={"If-Match": str(self.plan["version"])}), 201)
        plan = self.read_plan()
        self.assertEqual(len(plan["seasons"]), 2)
        gone = self.srv.delete(
            self.rates + "/seasons/" + plan["seasons"][1]["id"],
            token=self.hotel.token,
            headers={"If-Match": str(self.plan["version"])},
        )
        h.assert_error(gone, 409, "CONFLICT")
        self.assertEqual(self.read_plan(), plan)


class Changes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(cls.srv, (("DBL", 2, 10000, 2), ("STE", 4, 30000, 1)))

    def test_modify_dates_keeps_room_when_free(self):
        hotel = self.hotel
        res = hotel.booked("DBL", "2031-09-01", "2031-09-04")
        patched = h.assert_json(
            self.srv.patch(
                hotel.base + "/reservations/" + res["id"],
                {"check_in": "2031-09-02", "check_out": "2031-09-06"},
                token=hotel.token,
                headers={"If-Match": "1"},
            ),
            200,
        )
        self.assertEqual((patched["check_in"], patched["check_out"]), ("2031-09-02", "2031-09-06"))
        self.assertEqual(patched["room_id"], res["room_id"])
        self.assertEqual((patched["total"], patched["version"]), (40000, 2))
        # The night given up is free again, the new ones are taken.
        self.assertEqual(hotel.avail_of("DBL", "2031-09-01", "2031-09-02")["available"], 2)
        self.assertEqual(hotel.avail_of("DBL", "2031-09-05", "2031-09-06")["available"], 1)
        stale = self.srv.patch(
            hotel.base + "/reservations/" + res["id"],
            {"guests": 1},
            token=hotel.token,
            headers={"If-Match": "1"},
        )
        h.assert_error(stale, 409, "CONFLICT")

    def test_modify_changes_room_or_refuses(self):
        hotel = self.hotel
        a = hotel.booked("DBL", "2031-10-01", "2031-10-03")
        b = hotel.booked("DBL", "2031-10-05", "2031-10-07")
        self.assertEqual(a["room_id"], b["room_id"])
        # Extending a over b's nights needs the other room.
        moved = h.assert_json(
            self.srv.patch(
                hotel.base + "/reservations/" + a["id"], {"check_out": "2031-10-06"}, token=hotel.token
            ),
            200,
        )
        self.assertNotEqual(moved["room_id"], a["room_id"])
        self.assertEqual(moved["total"], 50000)
        # Now both rooms are taken on 10-05: a third stay there is refused, and
        # a refused change leaves the stay as it was.
        c = hotel.booked("DBL", "2031-10-08", "2031-10-09")
        resp = self.srv.patch(
            hotel.base + "/reservations/" + c["id"], {"check_in": "2031-10-05"}, token=hotel.token
        )
        h.assert_error(resp, 409, "NO_AVAILABILITY")
        self.assertEqual(hotel.get(c["id"]), c)
        self.assertEqual(hotel.avail_of("DBL", "2031-10-08", "2031-10-09")["available"], 1)
        # Room type change reprices.
        up = h.assert_json(
            self.srv.patch(
                hotel.base + "/reservations/" + c["id"],
                {"room_type_id": hotel.tid("STE"), "guests": 4},
                token=hotel.token,
            ),
            200,
        )
        self.assertEqual((up["room_type_id"], up["guests"], up["total"]), (hotel.tid("STE"), 4, 30000))
        self.assertEqual(up["room_id"], hotel.rooms["STE"][0]["id"])
        self.assertEqual(hotel.avail_of("DBL", "2031-10-08", "2031-10-09")["available"], 2)
        for body, field in (
            ({"check_out": "2031-10-08"}, "check_out"),
            ({"check_in": "2031-02-30"}, "check_in"),
            ({"guests": 0}, "guests"),
            ({"guests": 5}, "guests"),
            ({}, None),
        ):
            resp = self.srv.patch(hotel.base + "/reservations/" + c["id"], body, token=hotel.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(body))

    def test_cancel_frees_nights_at_once(self):
        hotel = self.hotel
        res = hotel.booked("STE", "2031-11-01", "2031-11-05")
        self.assertEqual(hotel.avail_of("STE", "2031-11-02", "2031-11-03")["available"], 0)
        h.assert_error(hotel.book("STE", "2031-11-02", "2031-11-03"), 409, "NO_AVAILABILITY")
        cancelled = h.assert_json(hotel.act(res["id"], "cancel"), 200)
        self.assertEqual(cancelled["status"], "cancelled")
        self.assertEqual(cancelled["cancellation_fee"], 0, "far outside the 48 h window")
        self.assertEqual(cancelled["version"], 2)
        self.assertEqual(hotel.avail_of("STE", "2031-11-01", "2031-11-05")["available"], 1)
        again = hotel.booked("STE", "2031-11-02", "2031-11-03")
        self.assertEqual(again["room_id"], res["room_id"])
        h.assert_error(hotel.act(res["id"], "cancel"), 409, "INVALID_STATE_TRANSITION")
        resp = self.srv.patch(
            hotel.base + "/reservations/" + res["id"], {"guests": 1}, token=hotel.token
        )
        h.assert_error(resp, 409, "INVALID_STATE_TRANSITION")


class CancellationFees(unittest.TestCase):
    """The fee depends on the server's clock: stays close to today."""

    def test_first_night_fee_inside_the_window(self):
        hotel = Hotel(h.shared(), (("DBL", 2, 10000, 2),))
        policy = h.assert_json(h.shared().get(hotel.base + "/policies", token=hotel.token), 200)
        self.assertEqual(
            (policy["free_cancellation_hours"], policy["cancellation_fee_kind"]), (48, "first_night")
        )
        # A Saturday rate makes the first night differ from the others.
        start = today() + datetime.timedelta(days=1)
        name = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
            start.weekday()
        ]
        resp = h.shared().request(
            "PUT",
            hotel.base + "/room-types/%s/rates" % hotel.tid("DBL"),
            body={"weekday_rates": {name: 17777}},
            token=hotel.token,
        )
        h.assert_json(resp, 200)
        near = hotel.booked("DBL", iso(start), plus(start, 3))
        self.assertEqual(near["total"], 17777 + 2 * 10000)
        far = hotel.booked("DBL", plus(today(), 30), plus(today(), 33))
        late = h.assert_json(hotel.act(near["id"], "cancel"), 200)
        self.assertEqual(late["cancellation_fee"], 17777, "inside 48 h: the first night")
        early = h.assert_json(hotel.act(far["id"], "cancel"), 200)
        self.assertEqual(early["cancellation_fee"], 0, "outside the window: free")

    def test_fixed_fee_and_window_from_policy(self):
        hotel = Hotel(h.shared(), (("DBL", 2, 10000, 2),))
        policy = hotel.put_policy(
            free_cancellation_hours=24 * 10,
            cancellation_fee_kind="fixed",
            cancellation_fee_amount=4500,
            check_in_time="14:00",
        )
        self.assertEqual((policy["cancellation_fee_amount"], policy["version"]), (4500, 1))
        inside = hotel.booked("DBL", plus(today(), 5), plus(today(), 7))
        outside = hotel.booked("DBL", plus(today(), 20), plus(today(), 22))
        self.assertEqual(h.assert_json(hotel.act(inside["id"], "cancel"), 200)["cancellation_fee"], 4500)
        self.assertEqual(h.assert_json(hotel.act(outside["id"], "cancel"), 200)["cancellation_fee"], 0)
        # A fixed fee never exceeds the stay's price.
        hotel.put_policy(cancellation_fee_amount=999999)
        small = hotel.booked("DBL", plus(today(), 2), plus(today(), 3))
        self.assertEqual(h.assert_json(hotel.act(small["id"], "cancel"), 200)["cancellation_fee"], 10000)
        hotel.put_policy(cancellation_fee_kind="none")
        free = hotel.booked("DBL", plus(today(), 1), plus(today(), 2))
        self.assertEqual(h.assert_json(hotel.act(free["id"], "cancel"), 200)["cancellation_fee"], 0)


class Lifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(
            cls.srv, (("DBL", 2, 10000, 24), ("SGL", 1, 7000, 2), ("MOV", 2, 9000, 3))
        )

    def stay_today(self, nights=2, code="DBL"):
        """A confirmed stay from today, in a fresh clean room."""
        return self.hotel.booked(code, iso(today()), plus(today(), nights))

    def in_status(self, status):
        hotel = self.hotel
        res = self.stay_today()
        if status == "confirmed":
            return res
        if status in ("checked_in", "checked_out"):
            h.assert_json(hotel.act(res["id"], "check-in"), 200)
            if status == "checked_out":
                h.assert_json(hotel.act(res["id"], "check-out"), 200)
                hotel.set_room_status(res["room_id"], "clean")
        elif status == "cancelled":
            h.assert_json(hotel.act(res["id"], "cancel"), 200)
        elif status == "no_show":
            h.assert_json(hotel.act(res["id"], "no-show"), 200)
        self.assertEqual(hotel.get(res["id"])["status"], status)
        return res

    def test_state_machine_table(self):
        hotel = self.hotel
        ok = {
            ("confirmed", "cancel"): "cancelled",
            ("confirmed", "check-in"): "checked_in",
            ("confirmed", "no-show"): "no_show",
            ("checked_in", "check-out"): "checked_out",
        }
        for status in ("confirmed", "checked_in", "checked_out", "cancelled", "no_show"):
            for action in ("cancel", "check-in", "check-out", "no-show"):
                res = self.in_status(status)
                before = hotel.get(res["id"])
                resp = hotel.act(res["id"], action)
                what = "%s -> %s" % (status, action)
                if (status, action) in ok:
                    got = h.assert_json(resp, 200, what)
                    self.assertEqual(got["status"], ok[(status, action)], what)
                    self.assertEqual(got["version"], before["version"] + 1, what)
                else:
                    err = h.assert_error(resp, 409, "INVALID_STATE_TRANSITION", what=what)
                    self.assertIn(status, err["message"], what)
                    self.assertEqual(hotel.get(res["id"]), before, what + " changed nothing")
                # Rooms back to clean for the next round.
                if hotel.get(res["id"])["status"] in ("checked_in",):
                    h.assert_json(hotel.act(res["id"], "check-out"), 200)
                if hotel.get(res["id"])["status"] != "cancelled":
                    hotel.set_room_status(res["room_id"], "clean")
                    if hotel.get(res["id"])["status"] in ("confirmed",):
                        h.assert_json(hotel.act(res["id"], "cancel"), 200)

    def test_check_in_of_a_dirty_room_is_refused(self):
        hotel = self.hotel
        res = self.stay_today(code="SGL")
        hotel.set_room_status(res["room_id"], "dirty")
        err = h.assert_error(hotel.act(res["id"], "check-in"), 409, "INVALID_STATE_TRANSITION")
        self.assertIn("dirty", err["message"])
        self.assertIn(res["room_number"], err["message"])
        self.assertEqual(hotel.get(res["id"])["status"], "confirmed")
        hotel.set_room_status(res["room_id"], "inspected")
        got = h.assert_json(hotel.act(res["id"], "check-in"), 200)
        self.assertEqual(got["status"], "checked_in")
        # Check-out marks the room dirty. On the arrival date it is a day
        # use: the stay ends today with no night, tonight is on sale again,
        # and the total stays as booked (the first night is charged).
        free_before = hotel.avail_of("SGL", iso(today()), plus(today(), 2))["available"]
        out = h.assert_json(hotel.act(res["id"], "check-out"), 200)
        self.assertEqual(out["status"], "checked_out")
        self.assertEqual(
            (out["check_in"], out["check_out"], out["nights"]), (iso(today()), iso(today()), 0)
        )
        self.assertEqual(out["total"], res["total"])
        room = h.assert_json(
            self.srv.get(hotel.base + "/rooms/" + res["room_id"], token=hotel.token), 200
        )
        self.assertEqual(room["status"], "dirty")
        self.assertEqual(
            hotel.avail_of("SGL", iso(today()), plus(today(), 2))["available"], free_before + 1
        )
        hotel.set_room_status(res["room_id"], "clean")

    def test_check_in_only_from_the_arrival_date(self):
        hotel = self.hotel
        future = hotel.booked("SGL", plus(today(), 10), plus(today(), 12))
        err = h.assert_error(hotel.act(future["id"], "check-in"), 409, "INVALID_STATE_TRANSITION")
        self.assertIn("arrival date", err["message"])
        h.assert_error(hotel.act(future["id"], "no-show"), 409, "INVALID_STATE_TRANSITION")
        h.assert_json(hotel.act(future["id"], "cancel"), 200)

    def test_no_show_frees_nights_and_charges_the_late_fee(self):
        hotel = self.hotel
        res = self.stay_today(nights=3, code="SGL")
        free_before = hotel.avail_of("SGL", plus(today(), 1), plus(today(), 3))["available"]
        got = h.assert_json(hotel.act(res["id"], "no-show"), 200)
        self.assertEqual(got["status"], "no_show")
        self.assertEqual(got["cancellation_fee"], 7000, "the first night, by the default policy")
        self.assertEqual(
            hotel.avail_of("SGL", plus(today(), 1), plus(today(), 3))["available"], free_before + 1
        )

    def test_if_match_on_state_changes(self):
        hotel = self.hotel
        res = self.stay_today()
        h.assert_error(hotel.act(res["id"], "cancel", headers={"If-Match": "7"}), 409, "CONFLICT")
        h.assert_json(hotel.act(res["id"], "cancel", headers={"If-Match": "1"}), 200)

    def test_move(self):
        hotel = self.hotel
        res = hotel.booked("DBL", "2032-01-10", "2032-01-14")
        target = hotel.rooms["SGL"][1]["id"]
        moved = h.assert_json(
            self.srv.post(
                hotel.base + "/reservations/%s/move" % res["id"], {"room_id": target}, token=hotel.token
            ),
            200,
        )
        self.assertEqual((moved["room_id"], moved["room_type_id"]), (target, hotel.tid("SGL")))
        self.assertEqual(moved["total"], res["total"], "a move keeps the price")
        self.assertEqual(hotel.avail_of("SGL", "2032-01-10", "2032-01-14")["available"], 1)
        self.assertEqual(hotel.avail_of("DBL", "2032-01-10", "2032-01-14")["available"], 24)
        # Into a room taken on one of the nights: refused.
        blocker = hotel.booked("DBL", "2032-01-13", "2032-01-15")
        resp = self.srv.post(
            hotel.base + "/reservations/%s/move" % res["id"],
            {"room_id": blocker["room_id"]},
            token=hotel.token,
        )
        h.assert_error(resp, 409, "NO_AVAILABILITY")
        for body, field in (
            ({"room_id": target}, "room_id"),
            ({"room_id": str(uuid.uuid4())}, "room_id"),
            ({"room_id": "x"}, "room_id"),
            ({}, "room_id"),
        ):
            resp = self.srv.post(
                hotel.base + "/reservations/%s/move" % res["id"], body, token=hotel.token
            )
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(body))
        h.assert_json(hotel.act(res["id"], "cancel"), 200)
        resp = self.srv.post(
            hotel.base + "/reservations/%s/move" % res["id"],
            {"room_id": hotel.rooms["DBL"][0]["id"]},
            token=hotel.token,
        )
        h.assert_error(resp, 409, "INVALID_STATE_TRANSITION")

    def test_move_refuses_a_room_too_small_for_the_party(self):
        # The stay takes the new room's type: a party of two cannot go into
        # a single (before the fix the move passed, and every later PATCH
        # of the stay was refused because its guests no longer fit).
        hotel = self.hotel
        res = hotel.booked("DBL", "2032-02-10", "2032-02-12", guests=2)
        single = hotel.rooms["SGL"][0]
        resp = self.srv.post(
            hotel.base + "/reservations/%s/move" % res["id"],
            {"room_id": single["id"]},
            token=hotel.token,
        )
        err = h.assert_error(resp, 400, "VALIDATION_ERROR", field="room_id")
        self.assertIn(single["number"], err["message"])
        self.assertEqual(hotel.get(res["id"]), res, "the refused move changed nothing")
        # A PATCH of the stay still works, and a party that fits may move.
        h.assert_json(
            self.srv.patch(
                hotel.base + "/reservations/" + res["id"], {"guests": 1}, token=hotel.token
            ),
            200,
        )
        moved = h.assert_json(
            self.srv.post(
                hotel.base + "/reservations/%s/move" % res["id"],
                {"room_id": single["id"]},
                token=hotel.token,
            ),
            200,
        )
        self.assertEqual(moved["room_type_id"], hotel.tid("SGL"))
        h.assert_json(hotel.act(res["id"], "cancel"), 200)

    def test_move_during_a_stay(self):
        hotel = self.hotel
        res = self.stay_today(nights=3, code="MOV")
        h.assert_json(hotel.act(res["id"], "check-in"), 200)
        dirty, clean = [r for r in hotel.rooms["MOV"] if r["id"] != res["room_id"]]
        hotel.set_room_status(dirty["id"], "dirty")
        resp = self.srv.post(
            hotel.base + "/reservations/%s/move" % res["id"], {"room_id": dirty["id"]}, token=hotel.token
        )
        err = h.assert_error(resp, 409, "INVALID_STATE_TRANSITION")
        self.assertIn("dirty", err["message"])
        moved = h.assert_json(
            self.srv.post(
                hotel.base + "/reservations/%s/move" % res["id"],
                {"room_id": clean["id"]},
                token=hotel.token,
            ),
            200,
        )
        self.assertEqual((moved["room_id"], moved["status"]), (clean["id"], "checked_in"))
        old = h.assert_json(
            self.srv.get(hotel.base + "/rooms/" + res["room_id"], token=hotel.token), 200
        )
        self.assertEqual(old["status"], "dirty", "the room left behind needs cleaning")
        # The remaining nights moved with the guest.
        self.assertEqual(hotel.avail_of("MOV", plus(today(), 1), plus(today(), 3))["available"], 2)
        busy = self.srv.get(
            hotel.base + "/reservations?room_id=%s&from=%s&to=%s"
            % (clean["id"], plus(today(), 1), plus(today(), 2)),
            token=hotel.token,
        )
        self.assertEqual([r["id"] for r in h.assert_json(busy, 200)["data"]], [res["id"]])


class DayUse(unittest.TestCase):
    """A guest who leaves on the day they arrived (clock-bound: today, UTC)."""

    def test_check_out_on_the_arrival_date_frees_tonight(self):
        srv = h.shared()
        hotel = Hotel(srv, (("DAY", 2, 9000, 1),))
        (room,) = hotel.rooms["DAY"]
        res = hotel.booked("DAY", iso(today()), plus(today(), 2), first_name="Dee", last_name="Parted")
        self.assertEqual(res["total"], 18000)
        h.assert_json(hotel.act(res["id"], "check-in"), 200)
        self.assertEqual(hotel.avail_of("DAY", iso(today()), plus(today(), 1))["available"], 0)
        out = h.assert_json(hotel.act(res["id"], "check-out"), 200)
        self.assertEqual(
            (out["status"], out["check_in"], out["check_out"], out["nights"]),
            ("checked_out", iso(today()), iso(today()), 0),
        )
        self.assertEqual(out["total"], 18000, "the total stays as booked: the first night is charged")
        self.assertEqual(hotel.get(res["id"]), out)
        # Tonight's room-night is released: the only room is for sale again.
        self.assertEqual(hotel.avail_of("DAY", iso(today()), plus(today(), 2))["available"], 1)
        # The housekeeping list: a departure today, dirty, and not occupied.
        board = h.assert_json(srv.get(hotel.base + "/housekeeping", token=hotel.token), 200)
        self.assertEqual((board["date"], board["arrivals"], board["departures"]), (iso(today()), 0, 1))
        (line,) = board["data"]
        self.assertEqual((line["room_id"], line["status"]), (room["id"], "dirty"))
        self.assertEqual((line["occupied"], line["reservation_id"], line["arrival"]), (False, None, None))
        self.assertEqual(line["departure"]["reservation_id"], res["id"])
        self.assertEqual(line["departure"]["guest_name"], "Dee Parted")
        self.assertEqual(line["departure"]["check_out"], iso(today()))
        # The lists find it by its departure and by the day it was on.
        for query in ("departure=%s" % iso(today()), "from=%s&to=%s" % (iso(today()), plus(today(), 1))):
            page = h.assert_json(srv.get(hotel.base + "/reservations?" + query, token=hotel.token), 200)
            self.assertEqual([r["id"] for r in page["data"]], [res["id"]], query)
        page = h.assert_json(
            srv.get(hotel.base + "/reservations?from=%s" % plus(today(), 1), token=hotel.token), 200
        )
        self.assertEqual(page["data"], [])
        # A channel is not told the room is taken tonight.
        ics = srv.get(hotel.base + "/reservations.ics", token=hotel.token).raw.decode()
        self.assertNotIn(res["id"], ics)
        # Resold tonight, in the same room; it now shows arriving and occupied.
        walk_in = hotel.booked("DAY", iso(today()), plus(today(), 1), first_name="Walk", last_name="In")
        self.assertEqual(walk_in["room_id"], room["id"])
        board = h.assert_json(srv.get(hotel.base + "/housekeeping", token=hotel.token), 200)
        (line,) = board["data"]
        self.assertEqual((line["occupied"], line["reservation_id"]), (True, walk_in["id"]))
        self.assertEqual(line["arrival"]["reservation_id"], walk_in["id"])
        self.assertEqual(line["departure"]["reservation_id"], res["id"])
        # The day use cannot change any more.
        h.assert_error(hotel.act(res["id"], "check-out"), 409, "INVALID_STATE_TRANSITION")
        resp = srv.patch(hotel.base + "/reservations/" + res["id"], {"guests": 1}, token=hotel.token)
        h.assert_error(resp, 409, "INVALID_STATE_TRANSITION")

    def test_early_departure_after_a_night(self):
        srv = h.shared()
        hotel = Hotel(srv, (("EAR", 2, 9000, 1),))
        # Arrived yesterday (a late arrival may still be booked), three nights.
        res = hotel.booked("EAR", plus(today(), -1), plus(today(), 2))
        h.assert_json(hotel.act(res["id"], "check-in"), 200)
        out = h.assert_json(hotel.act(res["id"], "check-out"), 200)
        self.assertEqual(
            (out["check_in"], out["check_out"], out["nights"], out["total"]),
            (plus(today(), -1), iso(today()), 1, 27000),
        )
        self.assertEqual(hotel.avail_of("EAR", iso(today()), plus(today(), 2))["available"], 1)
        board = h.assert_json(srv.get(hotel.base + "/housekeeping", token=hotel.token), 200)
        self.assertEqual(board["data"][0]["departure"]["reservation_id"], res["id"])
        self.assertFalse(board["data"][0]["occupied"])


class RefusalDetails(unittest.TestCase):
    """409 NO_AVAILABILITY and INVALID_STATE_TRANSITION say why in details."""

    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(cls.srv, (("ONE", 2, 10000, 1), ("TWO", 2, 12000, 2)))
        resp = cls.srv.request(
            "PUT",
            cls.hotel.base + "/room-types/%s/rates" % cls.hotel.tid("TWO"),
            body={"min_stay": 2, "closed_to_arrival": ["2035-05-10"]},
            token=cls.hotel.token,
        )
        h.assert_json(resp, 200)

    def test_no_availability_reasons(self):
        hotel = self.hotel
        one, two = hotel.tid("ONE"), hotel.tid("TWO")
        taken = hotel.booked("ONE", "2035-05-01", "2035-05-04")
        err = h.assert_error(hotel.book("ONE", "2035-05-02", "2035-05-03"), 409, "NO_AVAILABILITY")
        self.assertEqual(err["details"], {"room_type_id": one, "reason": "sold_out"})
        err = h.assert_error(hotel.book("TWO", "2035-05-02", "2035-05-03"), 409, "NO_AVAILABILITY")
        self.assertEqual(
            err["details"],
            {"field": "check_out", "room_type_id": two, "reason": "min_stay", "min_stay": 2},
        )
        err = h.assert_error(hotel.book("TWO", "2035-05-10", "2035-05-13"), 409, "NO_AVAILABILITY")
        self.assertEqual(
            err["details"], {"field": "check_in", "room_type_id": two, "reason": "closed_to_arrival"}
        )
        # A group names the room type that could not be had.
        group = self.srv.post(
            hotel.base + "/reservations/group",
            {
                "check_in": "2035-05-02",
                "check_out": "2035-05-04",
                "guest": {"first_name": "G", "last_name": "Roup", "email": h.unique_email("grp")},
                "rooms": [{"room_type_id": two, "guests": 1}, {"room_type_id": one, "guests": 1}],
            },
            token=hotel.token,
        )
        err = h.assert_error(group, 409, "NO_AVAILABILITY")
        self.assertEqual(err["details"], {"room_type_id": one, "reason": "sold_out"})
        # A change into a full night, and into a restricted stay.
        other = hotel.booked("TWO", "2035-05-02", "2035-05-04")
        path = hotel.base + "/reservations/" + other["id"]
        err = h.assert_error(
            self.srv.patch(path, {"room_type_id": one, "check_in": "2035-05-01"}, token=hotel.token),
            409,
            "NO_AVAILABILITY",
        )
        self.assertEqual(err["details"], {"room_type_id": one, "reason": "sold_out"})
        err = h.assert_error(
            self.srv.patch(path, {"check_out": "2035-05-03"}, token=hotel.token), 409, "NO_AVAILABILITY"
        )
        self.assertEqual(err["details"]["reason"], "min_stay")
        self.assertEqual(err["details"]["min_stay"], 2)
        # A move into a room taken on a night of the stay names the room.
        err = h.assert_error(
            self.srv.post(path + "/move", {"room_id": taken["room_id"]}, token=hotel.token), 409, "NO_AVAILABILITY"
        )
        self.assertEqual(err["details"], {"field": "room_id", "room_id": taken["room_id"], "reason": "room_not_free"})
        self.assertEqual(hotel.get(other["id"]), other, "refusals changed nothing")

    def test_state_transition_details(self):
        hotel = self.hotel
        res = hotel.booked("ONE", iso(today()), plus(today(), 1))
        hotel.set_room_status(res["room_id"], "dirty")
        err = h.assert_error(hotel.act(res["id"], "check-in"), 409, "INVALID_STATE_TRANSITION")
        self.assertEqual(
            err["details"],
            {"room_id": res["room_id"], "room_number": res["room_number"], "room_status": "dirty"},
        )
        hotel.set_room_status(res["room_id"], "clean")
        err = h.assert_error(hotel.act(res["id"], "check-out"), 409, "INVALID_STATE_TRANSITION")
        self.assertEqual(err["details"], {"status": "confirmed"})
        h.assert_json(hotel.act(res["id"], "cancel"), 200)
        err = h.assert_error(hotel.act(res["id"], "check-in"), 409, "INVALID_STATE_TRANSITION")
        self.assertEqual(err["details"], {"status": "cancelled"})


class Groups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(cls.srv, (("SGL", 1, 8000, 2), ("DBL", 2, 12000, 3)))

    def group(self, rooms, check_in="2032-03-01", check_out="2032-03-03"):
        body = {
            "check_in": check_in,
            "check_out": check_out,
            "guest": {"first_name": "Tour", "last_name": "Leader", "email": h.unique_email("grp")},
            "rooms": rooms,
        }
        return self.srv.post(self.hotel.base + "/reservations/group", body, token=self.hotel.token)

    def count(self, check_in):
        page = self.srv.get(
            self.hotel.base + "/reservations?arrival=%s&limit=200" % check_in, token=self.hotel.token
        )
        return len(h.assert_json(page, 200)["data"])

    def test_all_rooms_booked_together(self):
        hotel = self.hotel
        rooms = [
            {"room_type_id": hotel.tid("DBL"), "guests": 2},
            {"room_type_id": hotel.tid("DBL"), "guests": 1},
            {"room_type_id": hotel.tid("SGL"), "guests": 1},
        ]
        got = h.assert_json(self.group(rooms), 201)
        self.assertTrue(h.is_uuid(got["group_id"]))
        self.assertEqual(len(got["reservations"]), 3)
        self.assertEqual(got["total"], 2 * (12000 + 12000 + 8000))
        self.assertEqual(len({r["room_id"] for r in got["reservations"]}), 3)
        for r in got["reservations"]:
            self.assertEqual((r["group_id"], r["status"]), (got["group_id"], "confirmed"))
        self.assertEqual(
            len({r["guest"]["id"] for r in got["reservations"]}), 1, "one guest for the group"
        )
        self.assertEqual(hotel.avail_of("DBL", "2032-03-01", "2032-03-03")["available"], 1)

    def test_all_or_none(self):
        hotel = self.hotel
        before = self.count("2032-04-01")
        rooms = [{"room_type_id": hotel.tid("DBL"), "guests": 2}] * 2 + [
            {"room_type_id": hotel.tid("SGL"), "guests": 1}
        ] * 3
        resp = self.group(rooms, "2032-04-01", "2032-04-04")
        h.assert_error(resp, 409, "NO_AVAILABILITY")
        self.assertEqual(self.count("2032-04-01"), before, "nothing of the group was kept")
        self.assertEqual(hotel.avail_of("DBL", "2032-04-01", "2032-04-04")["available"], 3)
        self.assertEqual(hotel.avail_of("SGL", "2032-04-01", "2032-04-04")["available"], 2)

    def test_group_validation(self):
        hotel = self.hotel
        for rooms, field in (
            ([], "rooms"),
            ("DBL", "rooms"),
            ([{"room_type_id": hotel.tid("DBL")}], "rooms[0].guests"),
            ([{"room_type_id": hotel.tid("DBL"), "guests": 2}, {"guests": 1}], "rooms[1].room_type_id"),
            ([{"room_type_id": hotel.tid("SGL"), "guests": 2}], "guests"),
            ([{"room_type_id": hotel.tid("DBL"), "guests": 1}] * 21, "rooms"),
        ):
            h.assert_error(self.group(rooms), 400, "VALIDATION_ERROR", field=field, what=repr(rooms)[:80])


class Lists(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(cls.srv, (("DBL", 2, 10000, 4),))
        hotel = cls.hotel
        cls.a = hotel.booked("DBL", "2033-01-01", "2033-01-04", first_name="Zoë", last_name="Quartz",
                             email="zoe.quartz@example.org")
        cls.b = hotel.booked("DBL", "2033-01-04", "2033-01-06", first_name="Mary", last_name="O'Hara",
                             email="mary@hara.example")
        cls.c = hotel.booked("DBL", "2033-01-02", "2033-01-03", first_name="Ian", last_name="100%",
                             email="ian_1@example.net")
        cls.d = hotel.booked("DBL", "2033-02-01", "2033-02-02")
        h.assert_json(hotel.act(cls.d["id"], "cancel"), 200)

    def ids(self, query):
        page = h.assert_json(
            self.srv.get(self.hotel.base + "/reservations?" + query, token=self.hotel.token), 200, query
        )
        return [r["id"] for r in page["data"]]

    def test_overlap_and_filters(self):
        a, b, c, d = self.a["id"], self.b["id"], self.c["id"], self.d["id"]
        self.assertEqual(self.ids("from=2033-01-01&to=2033-01-02"), [a])
        self.assertEqual(self.ids("from=2033-01-03&to=2033-01-04"), [a])
        self.assertEqual(self.ids("from=2033-01-03&to=2033-01-05"), [a, b])
        self.assertEqual(self.ids("from=2033-01-02&to=2033-01-03"), [a, c])
        self.assertEqual(self.ids("from=2033-01-06&to=2033-01-09"), [])
        self.assertEqual(self.ids("from=2032-12-01&to=2033-03-01"), [a, b, c, d])
        self.assertEqual(self.ids("from=2032-12-01&to=2033-03-01&status=cancelled"), [d])
        self.assertEqual(self.ids("status=confirmed&from=2033-01-01&to=2033-01-02"), [a])
        self.assertEqual(self.ids("arrival=2033-01-04"), [b])
        self.assertEqual(self.ids("departure=2033-01-04"), [a])
        self.assertEqual(self.ids("room_id=" + self.c["room_id"] + "&from=2033-01-02&to=2033-01-03"), [c])

    def test_search_by_guest(self):
        a, b, c = self.a["id"], self.b["id"], self.c["id"]
        self.assertEqual(self.ids("q=quartz"), [a])
        self.assertEqual(self.ids("q=ZOE.QUARTZ%40EXAMPLE"), [a])
        self.assertEqual(self.ids("q=mary%20o'hara"), [b])
        self.assertEqual(self.ids("q=hara.example"), [b])
        self.assertEqual(self.ids("q=100%25"), [c], "LIKE wildcards are literal")
        self.assertEqual(self.ids("q=ian_1"), [c])
        self.assertEqual(self.ids("q=ia_"), [], "_ is literal, not any character")
        self.assertEqual(self.ids("q=nobody-at-all"), [])

    def test_pagination(self):
        all_ids = self.ids("from=2032-12-01&to=2033-03-01")
        items = h.list_all(self.srv, self.hotel.base + "/reservations?from=2032-12-01&to=2033-03-01",
                           self.hotel.token, limit=1)
        self.assertEqual([r["id"] for r in items], all_ids)
        page = h.assert_json(
            self.srv.get(self.hotel.base + "/reservations?limit=2", token=self.hotel.token), 200
        )
        self.assertEqual(len(page["data"]), 2)
        self.assertIsNotNone(page["next_cursor"])

    def test_filter_validation(self):
        for query, field in (
            ("from=2033-02-30", "from"),
            ("to=nope", "to"),
            ("from=2033-01-05&to=2033-01-05", "to"),
            ("status=booked", "status"),
            ("room_id=123", "room_id"),
            ("arrival=2033-1-1", "arrival"),
            ("departure=x", "departure"),
            ("cursor=abc", "cursor"),
        ):
            resp = self.srv.get(self.hotel.base + "/reservations?" + query, token=self.hotel.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=query)


class Idempotency(unittest.TestCase):
    def test_same_key_same_body_books_once(self):
        srv = h.shared()
        hotel = Hotel(srv, (("DBL", 2, 10000, 3),))
        key = "resv-" + uuid.uuid4().hex
        email = h.unique_email("idem")
        first = hotel.book("DBL", "2033-05-01", "2033-05-03", email=email, headers={"Idempotency-Key": key})
        first = h.assert_json(first, 201)
        again = hotel.book("DBL", "2033-05-01", "2033-05-03", email=email, headers={"Idempotency-Key": key})
        again = h.assert_json(again, 201)
        self.assertEqual(again["id"], first["id"])
        page = h.assert_json(
            srv.get(hotel.base + "/reservations?arrival=2033-05-01", token=hotel.token), 200
        )
        self.assertEqual([r["id"] for r in page["data"]], [first["id"]], "only one exists")
        self.assertEqual(hotel.avail_of("DBL", "2033-05-01", "2033-05-03")["available"], 2)
        other = hotel.book("DBL", "2033-05-01", "2033-05-04", email=email, headers={"Idempotency-Key": key})
        h.assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")
        # A different key is a different booking.
        third = hotel.book("DBL", "2033-05-01", "2033-05-03", email=email,
                           headers={"Idempotency-Key": key + "-2"})
        self.assertNotEqual(h.assert_json(third, 201)["id"], first["id"])


class AccessControl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.hotel = Hotel(cls.srv, (("DBL", 2, 10000, 3),))
        cls.res = cls.hotel.booked("DBL", "2033-06-01", "2033-06-03")
        cls.intruder = h.register_tenant(cls.srv, "intruder")

    def endpoints(self, base, rid, room_id):
        return [
            ("GET", base + "/availability?check_in=2033-06-01&check_out=2033-06-02&guests=1", None),
            ("GET", base + "/reservations", None),
            ("GET", base + "/reservations.ics", None),
            ("GET", base + "/reservations/" + rid, None),
            ("PATCH", base + "/reservations/" + rid, {"guests": 1}),
            ("POST", base + "/reservations/" + rid + "/cancel", None),
            ("POST", base + "/reservations/" + rid + "/check-in", None),
            ("POST", base + "/reservations/" + rid + "/check-out", None),
            ("POST", base + "/reservations/" + rid + "/no-show", None),
            ("POST", base + "/reservations/" + rid + "/move", {"room_id": room_id}),
            (
                "POST",
                base + "/reservations",
                {
                    "room_type_id": self.hotel.tid("DBL"),
                    "check_in": "2033-06-01",
                    "check_out": "2033-06-02",
                    "guests": 1,
                    "guest": {"first_name": "E", "last_name": "Vil", "email": "evil@example.com"},
                },
            ),
            (
                "POST",
                base + "/reservations/group",
                {
                    "check_in": "2033-06-01",
                    "check_out": "2033-06-02",
                    "guest": {"first_name": "E", "last_name": "Vil", "email": "evil@example.com"},
                    "rooms": [{"room_type_id": self.hotel.tid("DBL"), "guests": 1}],
                },
            ),
        ]

    def test_other_tenant_gets_404_everywhere(self):
        hotel = self.hotel
        room_id = hotel.rooms["DBL"][2]["id"]
        for method, path, body in self.endpoints(hotel.base, self.res["id"], room_id):
            resp = self.srv.request(method, path, body=body, token=self.intruder["token"])
            h.assert_error(resp, 404, "NOT_FOUND", what="%s %s" % (method, path))
        # Their own property with our reservation id: still 404.
        theirs = h.create_property(self.srv, self.intruder["token"], timezone="UTC")
        base = "/api/v1/properties/" + theirs["id"]
        for method, path, body in self.endpoints(base, self.res["id"], room_id)[3:10]:
            resp = self.srv.request(method, path, body=body, token=self.intruder["token"])
            h.assert_error(resp, 404, "NOT_FOUND", what="own property: %s %s" % (method, path))
        self.assertEqual(hotel.get(self.res["id"]), self.res, "nothing changed")
        self.assertEqual(hotel.avail_of("DBL", "2033-06-01", "2033-06-02")["available"], 2)
        # Malformed ids answer 404 too.
        resp = self.srv.get(hotel.base + "/reservations/not-an-id", token=hotel.token)
        h.assert_error(resp, 404, "NOT_FOUND")

    def test_roles(self):
        hotel = self.hotel
        staff = h.create_user(self.srv, hotel.token, "staff", ["hotel"], do_login=True)
        kitchen = h.create_user(self.srv, hotel.token, "staff", ["restaurant"], do_login=True)
        spa_manager = h.create_user(self.srv, hotel.token, "service_manager", ["spa"], do_login=True)
        manager = h.create_user(self.srv, hotel.token, "manager", do_login=True)
        for who in (staff, manager):
            res = hotel.booked("DBL", "2033-07-01", "2033-07-02", token=who["token"])
            h.assert_json(
                self.srv.get(hotel.base + "/reservations/" + res["id"], token=who["token"]), 200
            )
            h.assert_json(hotel.act(res["id"], "cancel", token=who["token"]), 200)
            h.assert_json(hotel.avail("2033-07-01", "2033-07-02", token=who["token"]), 200)
        for who in (kitchen, spa_manager):
            h.assert_error(hotel.avail("2033-07-01", "2033-07-02", token=who["token"]), 403, "FORBIDDEN")
            h.assert_error(
                hotel.book("DBL", "2033-07-01", "2033-07-02", token=who["token"]), 403, "FORBIDDEN"
            )
            h.assert_error(hotel.act(self.res["id"], "cancel", token=who["token"]), 403, "FORBIDDEN")
        h.assert_error(self.srv.get(hotel.base + "/reservations"), 401, "UNAUTHENTICATED")


class ICalendarExport(unittest.TestCase):
    def test_property_export(self):
        srv = h.shared()
        hotel = Hotel(srv, (("DBL", 2, 10000, 2),))
        res = hotel.booked("DBL", plus(today(), 3), plus(today(), 5), first_name="Nora", last_name="Ics")
        cancelled = hotel.booked("DBL", plus(today(), 3), plus(today(), 4))
        h.assert_json(hotel.act(cancelled["id"], "cancel"), 200)
        resp = srv.get(hotel.base + "/reservations.ics", token=hotel.token)
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.headers.get("Content-Type", "").startswith("text/calendar"))
        text = resp.raw.decode("utf-8")
        self.assertTrue(text.startswith("BEGIN:VCALENDAR\r\n"), text[:40])
        self.assertIn("VERSION:2.0", text)
        self.assertEqual(text.count("BEGIN:VEVENT"), 1, "the cancelled stay is left out")
        self.assertIn("UID:%s@buffr-host" % res["id"], text)
        self.assertIn("DTSTART;VALUE=DATE:%s" % plus(today(), 3).replace("-", ""), text)
        self.assertIn("DTEND;VALUE=DATE:%s" % plus(today(), 5).replace("-", ""), text)
        self.assertIn("Nora Ics", text)
        resp = srv.get(hotel.base + "/reservations.ics?from=2040-01-01&to=2040-02-01", token=hotel.token)
        self.assertEqual(resp.raw.decode().count("BEGIN:VEVENT"), 0)
        resp = srv.get(hotel.base + "/reservations.ics?from=2040-01-01&to=2049-02-01", token=hotel.token)
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="to")


if __name__ == "__main__":
    h.run()
