"""
test_rooms.py - a hotel's inventory, black-box: room types (create with
every field, validation, unique code, list, read, PATCH with If-Match,
DELETE), rooms (unique number per property -> 409 CONFLICT, type of the same
property only, filters), housekeeping status, out-of-order blocks taking
rooms out of availability for exactly their nights, policies, the
housekeeping report of a day, the rates-and-availability calendar and its
366-night limit, a room's iCalendar export and the import of an external
feed, roles, and tenant isolation of every endpoint (404 for another
tenant's ids), the season endpoints of a rate plan included.

Not here: bookings and their rules (test_reservations.py).
"""

import datetime
import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

ROOM_TYPE_KEYS = {
    "id",
    "property_id",
    "name",
    "code",
    "capacity",
    "base_rate",
    "currency",
    "description",
    "amenities",
    "min_stay",
    "created_at",
    "updated_at",
    "version",
}
ROOM_KEYS = {
    "id",
    "property_id",
    "room_type_id",
    "number",
    "floor",
    "features",
    "status",
    "created_at",
    "updated_at",
    "version",
}


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


class Inventory:
    """A tenant with a UTC hotel and helpers for its inventory."""

    def __init__(self, srv, prefix="rooms"):
        self.srv = srv
        self.owner = h.register_tenant(srv, prefix)
        self.token = self.owner["token"]
        self.prop = h.create_property(srv, self.token, timezone="UTC", currency="NAD")
        self.pid = self.prop["id"]
        self.base = "/api/v1/properties/" + self.pid

    def room_type(self, code, capacity=2, rate=10000, **fields):
        body = {"name": "Type " + code, "code": code, "capacity": capacity, "base_rate": rate}
        body.update(fields)
        return h.assert_json(self.srv.post(self.base + "/room-types", body, token=self.token), 201)

    def room(self, number, type_id, **fields):
        body = {"number": number, "room_type_id": type_id}
        body.update(fields)
        return h.assert_json(self.srv.post(self.base + "/rooms", body, token=self.token), 201)

    def book(self, type_id, check_in, check_out):
        body = {
            "room_type_id": type_id,
            "check_in": check_in,
            "check_out": check_out,
            "guests": 1,
            "guest": {"first_name": "Hk", "last_name": "Guest", "email": h.unique_email("hk")},
        }
        return self.srv.post(self.base + "/reservations", body, token=self.token)

    def available(self, type_id, check_in, check_out):
        page = h.assert_json(
            self.srv.get(
                self.base
                + "/availability?check_in=%s&check_out=%s&guests=1" % (check_in, check_out),
                token=self.token,
            ),
            200,
        )
        return [i for i in page["data"] if i["room_type_id"] == type_id][0]["available"]


class RoomTypes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.inv = Inventory(cls.srv)

    def test_create_every_field(self):
        inv = self.inv
        t = inv.room_type(
            "DLX",
            capacity=3,
            rate=123456,
            name="Deluxe Sea View",
            description="Balcony over the dunes",
            amenities=["wifi", "minibar", "sea view"],
            min_stay=2,
        )
        self.assertEqual(set(t), ROOM_TYPE_KEYS)
        self.assertTrue(h.is_uuid(t["id"]))
        self.assertEqual(
            (t["name"], t["code"], t["capacity"], t["base_rate"], t["currency"]),
            ("Deluxe Sea View", "DLX", 3, 123456, "NAD"),
        )
        self.assertEqual(t["amenities"], ["wifi", "minibar", "sea view"])
        self.assertEqual((t["description"], t["min_stay"], t["version"]), ("Balcony over the dunes", 2, 1))
        self.assertEqual(t["property_id"], inv.pid)
        got = h.assert_json(self.srv.get(inv.base + "/room-types/" + t["id"], token=inv.token), 200)
        self.assertEqual(got, t)
        plain = inv.room_type("STD")
        self.assertEqual((plain["amenities"], plain["description"], plain["min_stay"]), ([], "", 1))

    def test_validation(self):
        inv = self.inv
        valid = {"name": "Twin", "code": "TWN", "capacity": 2, "base_rate": 9000}
        cases = [
            ({"name": ""}, "name"),
            ({"name": 5}, "name"),
            ({"code": ""}, "code"),
            ({"code": "X" * 33}, "code"),
            ({"capacity": 0}, "capacity"),
            ({"capacity": 51}, "capacity"),
            ({"capacity": "2"}, "capacity"),
            ({"base_rate": -1}, "base_rate"),
            ({"base_rate": 99.5}, "base_rate"),
            ({"base_rate": None}, "base_rate"),
            ({"amenities": "wifi"}, "amenities"),
            ({"amenities": ["wifi", 3]}, "amenities"),
            ({"amenities": [""]}, "amenities"),
            ({"amenities": ["x" * 101]}, "amenities"),
            ({"min_stay": 0}, "min_stay"),
            ({"description": "d" * 2001}, "description"),
        ]
        for change, field in cases:
            body = dict(valid)
            body.update(change)
            if body.get("base_rate", 0) is None:
                del body["base_rate"]
            resp = self.srv.post(inv.base + "/room-types", body, token=inv.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(change))

    def test_code_unique_per_property(self):
        inv = self.inv
        inv.room_type("UNQ")
        resp = self.srv.post(
            inv.base + "/room-types",
            {"name": "Again", "code": "UNQ", "capacity": 1, "base_rate": 1},
            token=inv.token,
        )
        h.assert_error(resp, 409, "CONFLICT", field="code")
        other = h.create_property(self.srv, inv.token, timezone="UTC")
        resp = self.srv.post(
            "/api/v1/properties/%s/room-types" % other["id"],
            {"name": "Same code elsewhere", "code": "UNQ", "capacity": 1, "base_rate": 1},
            token=inv.token,
        )
        h.assert_json(resp, 201)

    def test_list_patch_delete(self):
        inv = Inventory(self.srv, "types-list")
        made = [inv.room_type("T%d" % i, rate=1000 * i) for i in range(3)]
        listed = h.list_all(self.srv, inv.base + "/room-types", inv.token, limit=2)
        self.assertEqual(listed, made)
        path = inv.base + "/room-types/" + made[0]["id"]
        patched = h.assert_json(
            self.srv.patch(path, {"base_rate": 777, "amenities": ["tv"]}, token=inv.token,
                           headers={"If-Match": "1"}),
            200,
        )
        self.assertEqual((patched["base_rate"], patched["amenities"], patched["version"]), (777, ["tv"], 2))
        self.assertEqual((patched["name"], patched["code"]), (made[0]["name"], made[0]["code"]))
        h.assert_error(
            self.srv.patch(path, {"name": "Stale"}, token=inv.token, headers={"If-Match": "1"}), 409, "CONFLICT"
        )
        h.assert_error(self.srv.patch(path, {"code": "T1"}, token=inv.token), 409, "CONFLICT", field="code")
        h.assert_error(self.srv.patch(path, {"capacity": 0}, token=inv.token), 400, "VALIDATION_ERROR",
                       field="capacity")
        # A type with rooms cannot go; without, it can.
        inv.room("1", made[1]["id"])
        h.assert_error(self.srv.delete(inv.base + "/room-types/" + made[1]["id"], token=inv.token), 409,
                       "CONFLICT")
        self.assertEqual(self.srv.delete(path, token=inv.token).status, 204)
        h.assert_error(self.srv.get(path, token=inv.token), 404, "NOT_FOUND")
        h.assert_error(self.srv.delete(path, token=inv.token), 404, "NOT_FOUND")
        # Deleting the property is refused while it has room types.
        h.assert_error(self.srv.delete(inv.base, token=inv.token), 409, "CONFLICT")


class Rooms(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.inv = Inventory(cls.srv)
        cls.dbl = cls.inv.room_type("DBL")
        cls.sgl = cls.inv.room_type("SGL", capacity=1)

    def test_create_and_unique_number(self):
        inv = self.inv
        room = inv.room("A12", self.dbl["id"], floor=1, features=["accessible", "quiet"])
        self.assertEqual(set(room), ROOM_KEYS)
        self.assertEqual(
            (room["number"], room["floor"], room["features"], room["status"], room["version"]),
            ("A12", 1, ["accessible", "quiet"], "clean", 1),
        )
        self.assertEqual(room["room_type_id"], self.dbl["id"])
        resp = self.srv.post(inv.base + "/rooms", {"number": "A12", "room_type_id": self.sgl["id"]},
                             token=inv.token)
        err = h.assert_error(resp, 409, "CONFLICT", field="number")
        self.assertIn("A12", err["message"])
        # The same number in another property is fine.
        other = h.create_property(self.srv, inv.token, timezone="UTC")
        obase = "/api/v1/properties/" + other["id"]
        otype = h.assert_json(
            self.srv.post(obase + "/room-types", {"name": "O", "code": "O", "capacity": 1, "base_rate": 1},
                          token=inv.token),
            201,
        )
        h.assert_json(
            self.srv.post(obase + "/rooms", {"number": "A12", "room_type_id": otype["id"]}, token=inv.token),
            201,
        )
        # A room type of another property is not this property's.
        resp = self.srv.post(inv.base + "/rooms", {"number": "Z1", "room_type_id": otype["id"]},
                             token=inv.token)
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="room_type_id")

    def test_validation(self):
        inv = self.inv
        for body, field in (
            ({"room_type_id": self.dbl["id"]}, "number"),
            ({"number": "", "room_type_id": self.dbl["id"]}, "number"),
            ({"number": "X" * 21, "room_type_id": self.dbl["id"]}, "number"),
            ({"number": 101, "room_type_id": self.dbl["id"]}, "number"),
            ({"number": "N1"}, "room_type_id"),
            ({"number": "N1", "room_type_id": "abc"}, "room_type_id"),
            ({"number": "N1", "room_type_id": str(uuid.uuid4())}, "room_type_id"),
            ({"number": "N1", "room_type_id": self.dbl["id"], "floor": 1000}, "floor"),
            ({"number": "N1", "room_type_id": self.dbl["id"], "status": "sparkling"}, "status"),
            ({"number": "N1", "room_type_id": self.dbl["id"], "features": [1]}, "features"),
        ):
            resp = self.srv.post(inv.base + "/rooms", body, token=inv.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(body))

    def test_list_filter_patch_delete_status(self):
        inv = Inventory(self.srv, "rooms-list")
        a = inv.room_type("A")
        b = inv.room_type("B")
        ra = [inv.room("A%d" % i, a["id"]) for i in range(3)]
        rb = [inv.room("B%d" % i, b["id"]) for i in range(2)]
        self.assertEqual(h.list_all(self.srv, inv.base + "/rooms", inv.token, limit=2), ra + rb)
        self.assertEqual(
            h.list_all(self.srv, inv.base + "/rooms?room_type_id=" + b["id"], inv.token), rb
        )
        h.assert_error(self.srv.get(inv.base + "/rooms?room_type_id=zz", token=inv.token), 400,
                       "VALIDATION_ERROR", field="room_type_id")
        path = inv.base + "/rooms/" + ra[0]["id"]
        moved = h.assert_json(
            self.srv.patch(path, {"room_type_id": b["id"], "floor": 3}, token=inv.token, headers={"If-Match": "1"}),
            200,
        )
        self.assertEqual((moved["room_type_id"], moved["floor"], moved["version"]), (b["id"], 3, 2))
        h.assert_error(self.srv.patch(path, {"number": "A1"}, token=inv.token), 409, "CONFLICT", field="number")
        h.assert_error(self.srv.patch(path, {"floor": 2}, token=inv.token, headers={"If-Match": "1"}), 409,
                       "CONFLICT")
        for status in ("dirty", "inspected", "clean"):
            got = h.assert_json(
                self.srv.post(path + "/status", {"status": status}, token=inv.token), 200
            )
            self.assertEqual(got["status"], status)
        h.assert_error(self.srv.post(path + "/status", {"status": "out_of_order"}, token=inv.token),
                       400, "VALIDATION_ERROR", field="status")
        # A room with a reservation cannot be deleted; a free one can.
        h.assert_json(inv.book(a["id"], "2034-01-01", "2034-01-02"), 201)
        booked = ra[1]  # the first free room of type A by number (A0 moved to B)
        h.assert_error(self.srv.delete(inv.base + "/rooms/" + booked["id"], token=inv.token), 409, "CONFLICT")
        self.assertEqual(self.srv.delete(inv.base + "/rooms/" + rb[1]["id"], token=inv.token).status, 204)
        h.assert_error(self.srv.get(inv.base + "/rooms/" + rb[1]["id"], token=inv.token), 404, "NOT_FOUND")


class OutOfOrder(unittest.TestCase):
    def test_block_removes_exactly_its_nights(self):
        srv = h.shared()
        inv = Inventory(srv, "ooo")
        t = inv.room_type("DBL")
        r1 = inv.room("101", t["id"])
        r2 = inv.room("102", t["id"])
        path = inv.base + "/rooms/%s/blocks" % r1["id"]
        block = h.assert_json(
            srv.post(path, {"from": "2034-06-10", "to": "2034-06-13", "reason": "Leaking pipe"}, token=inv.token),
            201,
        )
        self.assertEqual(
            (block["kind"], block["from"], block["to"], block["reason"], block["room_id"]),
            ("out_of_order", "2034-06-10", "2034-06-13", "Leaking pipe", r1["id"]),
        )
        self.assertEqual(inv.available(t["id"], "2034-06-10", "2034-06-11"), 1)
        self.assertEqual(inv.available(t["id"], "2034-06-12", "2034-06-13"), 1)
        self.assertEqual(inv.available(t["id"], "2034-06-13", "2034-06-14"), 2, "to is exclusive")
        self.assertEqual(inv.available(t["id"], "2034-06-08", "2034-06-10"), 2)
        res = h.assert_json(inv.book(t["id"], "2034-06-09", "2034-06-12"), 201)
        self.assertEqual(res["room_id"], r2["id"], "the blocked room is never sold")
        h.assert_error(inv.book(t["id"], "2034-06-11", "2034-06-12"), 409, "NO_AVAILABILITY")
        # Blocking a sold night is refused and says why.
        err = h.assert_error(
            srv.post(inv.base + "/rooms/%s/blocks" % r2["id"], {"from": "2034-06-11", "to": "2034-06-20"},
                     token=inv.token),
            409,
            "CONFLICT",
        )
        self.assertIn(res["id"], err["message"])
        h.assert_error(srv.post(path, {"from": "2034-06-12", "to": "2034-06-14"}, token=inv.token), 409,
                       "CONFLICT")
        # Housekeeping shows it; the calendar counts it.
        hk = h.assert_json(srv.get(inv.base + "/housekeeping?date=2034-06-11", token=inv.token), 200)
        by_number = {r["number"]: r for r in hk["data"]}
        self.assertEqual(by_number["101"]["status"], "out_of_order")
        self.assertEqual(by_number["101"]["housekeeping_status"], "clean")
        self.assertEqual(by_number["101"]["block"]["reason"], "Leaking pipe")
        self.assertEqual(by_number["102"]["status"], "clean")
        self.assertTrue(by_number["102"]["occupied"])
        cal = h.assert_json(srv.get(inv.base + "/calendar?from=2034-06-09&to=2034-06-14", token=inv.token), 200)
        free = [n["available"] for n in cal["room_types"][0]["nights"]]
        self.assertEqual(free, [1, 0, 0, 1, 2])
        blocks = h.assert_json(srv.get(path, token=inv.token), 200)
        self.assertEqual([b["id"] for b in blocks["data"]], [block["id"]])
        self.assertEqual(srv.delete(path + "/" + block["id"], token=inv.token).status, 204)
        self.assertEqual(inv.available(t["id"], "2034-06-12", "2034-06-13"), 2)
        again = h.assert_json(inv.book(t["id"], "2034-06-10", "2034-06-12"), 201)
        self.assertEqual(again["room_id"], r1["id"], "the unblocked room sells again")
        h.assert_error(srv.delete(path + "/" + block["id"], token=inv.token), 404, "NOT_FOUND")
        for body, field in (
            ({"from": "2034-06-10", "to": "2034-06-10"}, "to"),
            ({"from": "2034-06-31", "to": "2034-07-02"}, "from"),
            ({"to": "2034-07-02"}, "from"),
            ({"from": "2034-06-10"}, "to"),
            ({"from": "2034-06-10", "to": "2037-06-10"}, "to"),
        ):
            h.assert_error(srv.post(path, body, token=inv.token), 400, "VALIDATION_ERROR", field=field,
                           what=repr(body))


class Policies(unittest.TestCase):
    def test_defaults_partial_put_and_versions(self):
        srv = h.shared()
        inv = Inventory(srv, "policy")
        got = h.assert_json(srv.get(inv.base + "/policies", token=inv.token), 200)
        self.assertEqual(
            (got["check_in_time"], got["check_out_time"], got["free_cancellation_hours"],
             got["cancellation_fee_kind"], got["version"]),
            ("15:00", "11:00", 48, "first_night", 0),
        )
        self.assertIn("48 hours", got["cancellation_policy"])
        put = lambda body, **kw: srv.request("PUT", inv.base + "/policies", body=body, token=inv.token, **kw)
        one = h.assert_json(put({"check_in_time": "14:30", "cancellation_policy": "Be kind."}), 200)
        self.assertEqual((one["check_in_time"], one["check_out_time"], one["version"]), ("14:30", "11:00", 1))
        self.assertEqual(one["cancellation_policy"], "Be kind.")
        two = h.assert_json(
            put({"cancellation_fee_kind": "fixed", "cancellation_fee_amount": 2500}, headers={"If-Match": "1"}),
            200,
        )
        self.assertEqual(
            (two["cancellation_fee_kind"], two["cancellation_fee_amount"], two["check_in_time"],
             two["cancellation_policy"], two["version"]),
            ("fixed", 2500, "14:30", "Be kind.", 2),
        )
        h.assert_error(put({"check_out_time": "10:00"}, headers={"If-Match": "1"}), 409, "CONFLICT")
        for body, field in (
            ({"check_in_time": "25:00"}, "check_in_time"),
            ({"check_in_time": "9:00"}, "check_in_time"),
            ({"check_out_time": "10:60"}, "check_out_time"),
            ({"free_cancellation_hours": -1}, "free_cancellation_hours"),
            ({"cancellation_fee_kind": "sometimes"}, "cancellation_fee_kind"),
            ({"cancellation_fee_amount": -3}, "cancellation_fee_amount"),
        ):
            h.assert_error(put(body), 400, "VALIDATION_ERROR", field=field, what=repr(body))
        self.assertEqual(h.assert_json(srv.get(inv.base + "/policies", token=inv.token), 200), two)


class Housekeeping(unittest.TestCase):
    def test_arrivals_departures_and_default_date(self):
        srv = h.shared()
        inv = Inventory(srv, "hk")
        t = inv.room_type("DBL")
        r1 = inv.room("201", t["id"], floor=2)
        inv.room("202", t["id"], floor=2)
        leaving = h.assert_json(inv.book(t["id"], "2034-08-08", "2034-08-10"), 201)
        coming = h.assert_json(inv.book(t["id"], "2034-08-10", "2034-08-12"), 201)
        self.assertEqual((leaving["room_id"], coming["room_id"]), (r1["id"], r1["id"]))
        hk = h.assert_json(srv.get(inv.base + "/housekeeping?date=2034-08-10", token=inv.token), 200)
        self.assertEqual((hk["date"], hk["arrivals"], hk["departures"]), ("2034-08-10", 1, 1))
        rooms = {r["number"]: r for r in hk["data"]}
        self.assertEqual(list(rooms), ["201", "202"])
        self.assertEqual(rooms["201"]["arrival"]["reservation_id"], coming["id"])
        self.assertEqual(rooms["201"]["departure"]["reservation_id"], leaving["id"])
        self.assertEqual(rooms["201"]["arrival"]["guest_name"], "Hk Guest")
        self.assertEqual((rooms["201"]["occupied"], rooms["201"]["reservation_id"]), (True, coming["id"]))
        self.assertIsNone(rooms["202"]["arrival"])
        self.assertFalse(rooms["202"]["occupied"])
        self.assertEqual(rooms["202"]["floor"], 2)
        hk = h.assert_json(srv.get(inv.base + "/housekeeping", token=inv.token), 200)
        self.assertEqual(hk["date"], today().isoformat())
        h.assert_error(srv.get(inv.base + "/housekeeping?date=2034-02-30", token=inv.token), 400,
                       "VALIDATION_ERROR", field="date")


class Calendar(unittest.TestCase):
    def test_limits(self):
        srv = h.shared()
        inv = Inventory(srv, "cal")
        t = inv.room_type("DBL", rate=5000)
        inv.room("1", t["id"])
        inv.room("2", t["id"])
        h.assert_json(inv.book(t["id"], "2035-01-02", "2035-01-04"), 201)
        cal = h.assert_json(srv.get(inv.base + "/calendar?from=2035-01-01&to=2036-01-02", token=inv.token), 200)
        nights = cal["room_types"][0]["nights"]
        self.assertEqual(len(nights), 366)
        self.assertEqual(cal["room_types"][0]["total_rooms"], 2)
        self.assertEqual([n["available"] for n in nights[:5]], [2, 1, 1, 2, 2])
        self.assertTrue(all(n["rate"] == 5000 for n in nights))
        self.assertEqual(nights[-1]["date"], "2036-01-01")
        for query, field in (
            ("from=2035-01-01&to=2036-01-03", "to"),
            ("from=2035-01-01&to=2035-01-01", "to"),
            ("from=2035-02-29&to=2035-03-03", "from"),
            ("to=2035-03-03", "from"),
        ):
            h.assert_error(srv.get(inv.base + "/calendar?" + query, token=inv.token), 400,
                           "VALIDATION_ERROR", field=field, what=query)


FEED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Other Channel//EN\r
BEGIN:VEVENT\r
UID:ext-1@channel\r
DTSTAMP:20260101T000000Z\r
DTSTART;VALUE=DATE:20340901\r
DTEND;VALUE=DATE:20340903\r
SUMMARY:Reserved\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:ext-2@channel\r
DTSTAMP:20260101T000000Z\r
DTSTART:20340910T150000Z\r
DTEND:20340911T100000Z\r
SUMMARY:Another guest\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:ext-3@channel\r
DTSTAMP:20260101T000000Z\r
DTSTART;VALUE=DATE:20340920\r
DTEND;VALUE=DATE:20340922\r
STATUS:CANCELLED\r
SUMMARY:Cancelled there\r
END:VEVENT\r
END:VCALENDAR\r
"""


class ICalendar(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.inv = Inventory(cls.srv, "ics")
        cls.type = cls.inv.room_type("DBL")
        cls.r1 = cls.inv.room("301", cls.type["id"])
        cls.r2 = cls.inv.room("302", cls.type["id"])

    def import_feed(self, text, room=None, feed=None, ctype="text/calendar"):
        path = self.inv.base + "/rooms/%s/calendar-import" % (room or self.r1)["id"]
        if feed:
            path += "?feed=" + feed
        return self.srv.request("POST", path, raw_body=text, content_type=ctype, token=self.inv.token)

    def test_import_blocks_nights_and_reimport_replaces(self):
        inv, t = self.inv, self.type["id"]
        got = h.assert_json(self.import_feed(FEED, feed="airbnb"), 200)
        self.assertEqual(
            (got["events"], got["skipped_events"], got["nights_blocked"], got["conflicts"], got["feed"]),
            (2, 1, 3, [], "airbnb"),
        )
        self.assertEqual(inv.available(t, "2034-09-01", "2034-09-02"), 1)
        self.assertEqual(inv.available(t, "2034-09-02", "2034-09-03"), 1)
        self.assertEqual(inv.available(t, "2034-09-03", "2034-09-04"), 2)
        self.assertEqual(inv.available(t, "2034-09-10", "2034-09-11"), 1)
        self.assertEqual(inv.available(t, "2034-09-20", "2034-09-21"), 2, "cancelled events are ignored")
        blocks = h.assert_json(
            self.srv.get(inv.base + "/rooms/%s/blocks" % self.r1["id"], token=inv.token), 200
        )["data"]
        self.assertEqual([(b["kind"], b["feed"], b["from"], b["to"], b["uid"]) for b in blocks], [
            ("external", "airbnb", "2034-09-01", "2034-09-03", "ext-1@channel"),
            ("external", "airbnb", "2034-09-10", "2034-09-11", "ext-2@channel"),
        ])
        # Re-import of the same feed replaces; another feed adds.
        smaller = FEED.split("BEGIN:VEVENT")[0] + "BEGIN:VEVENT" + FEED.split("BEGIN:VEVENT")[2].split(
            "END:VEVENT")[0] + "END:VEVENT\r\nEND:VCALENDAR\r\n"
        got = h.assert_json(self.import_feed(smaller, feed="airbnb"), 200)
        self.assertEqual((got["events"], got["nights_blocked"]), (1, 1))
        self.assertEqual(inv.available(t, "2034-09-01", "2034-09-03"), 2, "the old import is gone")
        self.assertEqual(inv.available(t, "2034-09-10", "2034-09-11"), 1)
        got = h.assert_json(self.import_feed(FEED, feed="booking"), 200)
        self.assertEqual(got["nights_blocked"], 2)
        self.assertEqual(
            got["conflicts"], [{"night": "2034-09-10", "reservation_id": None, "block_id": got["conflicts"][0]["block_id"]}]
        )
        self.assertEqual(inv.available(t, "2034-09-01", "2034-09-03"), 1)

    def test_import_reports_conflicts_with_reservations(self):
        inv, t = self.inv, self.type["id"]
        res = h.assert_json(inv.book(t, "2034-10-01", "2034-10-02"), 201)
        room = self.r1 if res["room_id"] == self.r1["id"] else self.r2
        feed = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:c1\r\n"
            "DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20341001\r\nDTEND;VALUE=DATE:20341003\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        got = h.assert_json(self.import_feed(feed, room=room, feed="vrbo"), 200)
        self.assertEqual(got["nights_blocked"], 1)
        self.assertEqual(got["conflicts"], [{"night": "2034-10-01", "reservation_id": res["id"], "block_id": None}])
        self.assertEqual(
            h.assert_json(self.srv.get(inv.base + "/reservations/" + res["id"], token=inv.token), 200)["status"],
            "confirmed",
        )

    def test_import_refusals(self):
        h.assert_error(self.import_feed(FEED, ctype="application/json"), 415, "UNSUPPORTED_MEDIA_TYPE")
        h.assert_error(self.import_feed(FEED, ctype="text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE")
        h.assert_error(self.import_feed("this is not a calendar"), 400, "VALIDATION_ERROR")
        h.assert_error(self.import_feed(""), 400, "VALIDATION_ERROR")
        h.assert_error(self.import_feed(FEED, feed="f" * 101), 400, "VALIDATION_ERROR", field="feed")
        resp = self.srv.request(
            "POST",
            self.inv.base + "/rooms/%s/calendar-import" % uuid.uuid4(),
            raw_body=FEED,
            content_type="text/calendar",
            token=self.inv.token,
        )
        h.assert_error(resp, 404, "NOT_FOUND")

    def test_room_export(self):
        inv, t = self.inv, self.type["id"]
        res = h.assert_json(inv.book(t, "2034-11-05", "2034-11-08"), 201)
        room_id = res["room_id"]
        other = self.r2["id"] if room_id == self.r1["id"] else self.r1["id"]
        h.assert_json(
            self.srv.post(inv.base + "/rooms/%s/blocks" % room_id, {"from": "2034-11-20", "to": "2034-11-21",
                                                                      "reason": "Paint"}, token=inv.token),
            201,
        )
        resp = self.srv.get(
            inv.base + "/rooms/%s/calendar.ics?from=2034-11-01&to=2034-12-01" % room_id, token=inv.token
        )
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.headers["Content-Type"].startswith("text/calendar"))
        text = resp.raw.decode()
        self.assertEqual(text.count("BEGIN:VEVENT"), 2)
        self.assertIn("UID:%s@buffr-host" % res["id"], text)
        self.assertIn("DTSTART;VALUE=DATE:20341105", text)
        self.assertIn("DTEND;VALUE=DATE:20341108", text)
        self.assertIn("out of order: Paint", text)
        resp = self.srv.get(
            inv.base + "/rooms/%s/calendar.ics?from=2034-11-01&to=2034-12-01" % other, token=inv.token
        )
        self.assertEqual(resp.raw.decode().count("BEGIN:VEVENT"), 0, "another room's stays stay out")
        resp = self.srv.get(inv.base + "/rooms/%s/calendar.ics" % uuid.uuid4(), token=inv.token)
        h.assert_error(resp, 404, "NOT_FOUND")


class AccessControl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.inv = Inventory(cls.srv, "rooms-acl")
        cls.type = cls.inv.room_type("DBL")
        cls.room = cls.inv.room("1", cls.type["id"])
        cls.block = h.assert_json(
            cls.srv.post(cls.inv.base + "/rooms/%s/blocks" % cls.room["id"],
                         {"from": "2036-01-01", "to": "2036-01-02"}, token=cls.inv.token),
            201,
        )
        cls.season = h.assert_json(
            cls.srv.post(cls.inv.base + "/room-types/%s/rates/seasons" % cls.type["id"],
                         {"from": "2036-07-01", "to": "2036-07-10", "rate": 123}, token=cls.inv.token),
            201,
        )

    def endpoints(self, base):
        tid, rid, bid = self.type["id"], self.room["id"], self.block["id"]
        return [
            ("GET", base + "/room-types", None, None),
            ("POST", base + "/room-types", {"name": "x", "code": "x", "capacity": 1, "base_rate": 1}, None),
            ("GET", base + "/room-types/" + tid, None, None),
            ("PATCH", base + "/room-types/" + tid, {"name": "x"}, None),
            ("DELETE", base + "/room-types/" + tid, None, None),
            ("GET", base + "/room-types/%s/rates" % tid, None, None),
            ("PUT", base + "/room-types/%s/rates" % tid, {"base_rate": 1}, None),
            ("POST", base + "/room-types/%s/rates/seasons" % tid, {"from": "2036-08-01", "to": "2036-08-02", "rate": 1},
             None),
            ("DELETE", base + "/room-types/%s/rates/seasons/%s" % (tid, self.season["id"]), None, None),
            ("GET", base + "/rooms", None, None),
            ("POST", base + "/rooms", {"number": "9", "room_type_id": tid}, None),
            ("GET", base + "/rooms/" + rid, None, None),
            ("PATCH", base + "/rooms/" + rid, {"floor": 1}, None),
            ("DELETE", base + "/rooms/" + rid, None, None),
            ("POST", base + "/rooms/%s/status" % rid, {"status": "dirty"}, None),
            ("GET", base + "/rooms/%s/blocks" % rid, None, None),
            ("POST", base + "/rooms/%s/blocks" % rid, {"from": "2036-02-01", "to": "2036-02-02"}, None),
            ("DELETE", base + "/rooms/%s/blocks/%s" % (rid, bid), None, None),
            ("GET", base + "/rooms/%s/calendar.ics" % rid, None, None),
            ("POST", base + "/rooms/%s/calendar-import" % rid, None, FEED),
            ("GET", base + "/policies", None, None),
            ("PUT", base + "/policies", {"check_in_time": "12:00"}, None),
            ("GET", base + "/housekeeping", None, None),
            ("GET", base + "/calendar?from=2036-01-01&to=2036-01-05", None, None),
        ]

    def call(self, method, path, body, raw, token):
        if raw is not None:
            return self.srv.request(method, path, raw_body=raw, content_type="text/calendar", token=token)
        return self.srv.request(method, path, body=body, token=token)

    def test_other_tenant_gets_404_everywhere(self):
        intruder = h.register_tenant(self.srv, "rooms-intruder")
        for method, path, body, raw in self.endpoints(self.inv.base):
            resp = self.call(method, path, body, raw, intruder["token"])
            h.assert_error(resp, 404, "NOT_FOUND", what="%s %s" % (method, path))
        # With a property of their own, our ids are still unknown.
        theirs = h.create_property(self.srv, intruder["token"], timezone="UTC")
        base = "/api/v1/properties/" + theirs["id"]
        for method, path, body, raw in self.endpoints(base):
            if path.endswith(("/room-types", "/rooms", "/policies", "/housekeeping")) or "calendar?" in path:
                continue  # property-level: their own, legitimately
            resp = self.call(method, path, body, raw, intruder["token"])
            expect = 400 if method == "POST" and path.endswith("/rooms") else 404
            h.assert_error(resp, expect, what="own property: %s %s" % (method, path))
        got = h.assert_json(self.srv.get(self.inv.base + "/rooms/" + self.room["id"], token=self.inv.token), 200)
        self.assertEqual(got, self.room, "nothing changed")
        blocks = h.assert_json(
            self.srv.get(self.inv.base + "/rooms/%s/blocks" % self.room["id"], token=self.inv.token), 200
        )
        self.assertEqual(blocks["data"], [self.block])
        plan = h.assert_json(
            self.srv.get(self.inv.base + "/room-types/%s/rates" % self.type["id"], token=self.inv.token), 200
        )
        self.assertEqual(plan["seasons"], [{k: v for k, v in self.season.items() if k != "room_type_id"}])

    def test_roles(self):
        inv = self.inv
        staff = h.create_user(self.srv, inv.token, "staff", ["hotel"], do_login=True)
        hotel_manager = h.create_user(self.srv, inv.token, "service_manager", ["hotel"], do_login=True)
        waiter = h.create_user(self.srv, inv.token, "staff", ["restaurant"], do_login=True)
        chef = h.create_user(self.srv, inv.token, "service_manager", ["restaurant"], do_login=True)
        reads = [e for e in self.endpoints(inv.base) if e[0] == "GET"]
        for method, path, body, raw in reads:
            for who in (staff, hotel_manager):
                self.assertEqual(self.call(method, path, body, raw, who["token"]).status, 200, path)
            for who in (waiter, chef):
                h.assert_error(self.call(method, path, body, raw, who["token"]), 403, "FORBIDDEN", what=path)
        # Inventory changes: the hotel's service manager yes, its staff no.
        create = ("POST", inv.base + "/room-types", {"name": "R", "code": "ROLE", "capacity": 1, "base_rate": 1})
        h.assert_error(self.srv.request(create[0], create[1], body=create[2], token=staff["token"]), 403, "FORBIDDEN")
        h.assert_error(self.srv.request(create[0], create[1], body=create[2], token=chef["token"]), 403, "FORBIDDEN")
        made = h.assert_json(
            self.srv.request(create[0], create[1], body=create[2], token=hotel_manager["token"]), 201
        )
        for method, path, body in (
            ("POST", inv.base + "/rooms", {"number": "S1", "room_type_id": made["id"]}),
            ("PUT", inv.base + "/policies", {"check_out_time": "10:30"}),
            ("POST", inv.base + "/rooms/%s/blocks" % self.room["id"], {"from": "2036-03-01", "to": "2036-03-02"}),
            ("PUT", inv.base + "/room-types/%s/rates" % made["id"], {"base_rate": 5}),
            ("POST", inv.base + "/room-types/%s/rates/seasons" % made["id"],
             {"from": "2036-09-01", "to": "2036-09-02", "rate": 5}),
        ):
            h.assert_error(self.srv.request(method, path, body=body, token=staff["token"]), 403, "FORBIDDEN",
                           what=path)
            self.assertIn(self.srv.request(method, path, body=body, token=hotel_manager["token"]).status,
                          (200, 201), path)
        seasons = h.assert_json(
            self.srv.get(inv.base + "/room-types/%s/rates" % made["id"], token=staff["token"]), 200
        )["seasons"]
        self.assertEqual(len(seasons), 1)
        remove = inv.base + "/room-types/%s/rates/seasons/%s" % (made["id"], seasons[0]["id"])
        for who in (staff, chef, waiter):
            h.assert_error(self.srv.delete(remove, token=who["token"]), 403, "FORBIDDEN")
        self.assertEqual(self.srv.delete(remove, token=hotel_manager["token"]).status, 204)
        # Housekeeping status is day-to-day work: hotel staff may set it.
        got = h.assert_json(
            self.srv.post(inv.base + "/rooms/%s/status" % self.room["id"], {"status": "inspected"},
                          token=staff["token"]),
            200,
        )
        self.assertEqual(got["status"], "inspected")
        h.assert_error(
            self.srv.post(inv.base + "/rooms/%s/status" % self.room["id"], {"status": "dirty"},
                          token=waiter["token"]),
            403,
            "FORBIDDEN",
        )


if __name__ == "__main__":
    h.run()
