"""
test_services.py - bookable services, black-box: the spa (resources with
working hours, treatments, availability on the 15-minute grid, bookings that
get one free resource of each needed kind, adjacent bookings allowed and
overlapping ones refused or moved to another resource, cancel frees at once,
idempotent creation, the link to a hotel stay), conference rooms (capacity
per layout, hourly and daily prices, add-ons with prices and stock, the
rooms that fit a party on a date with their free intervals), shuttle
routes, departures, the schedule with seats left and seat bookings; roles,
validation with details.field, and tenant isolation of every endpoint.

Not here: many clients racing for the last slot or seat (test_service_races)
and the pure slot arithmetic (tests/unit/test_slots.c).
"""

import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

MONDAY = "2030-01-07"  # a Monday
TUESDAY = "2030-01-08"
SUNDAY = "2030-01-13"
ALL_WEEK = {d: "08:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def pp(pid, rest=""):
    return "/api/v1/properties/%s%s" % (pid, rest)


def guest(n=0):
    return {"first_name": "Ana%d" % n, "last_name": "Guest", "email": "ana%d@example.com" % n}


def starts(availability):
    """The HH:MM of each free start of an availability answer."""
    return [item["start"][11:] for item in availability["data"]]


class Fixture(unittest.TestCase):
    """A tenant with a resort property and the users the tests need."""

    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.owner = h.register_tenant(cls.srv, "svc")
        cls.token = cls.owner["token"]
        cls.prop = h.create_property(
            cls.srv, cls.token, type="resort", currency="NAD", timezone="Africa/Windhoek"
        )
        cls.pid = cls.prop["id"]

    def post(self, path, body, token=None, **kw):
        return self.srv.post(path, body, token=token or self.token, **kw)

    def get(self, path, token=None, **kw):
        return self.srv.get(path, token=token or self.token, **kw)

    def new_property(self, **fields):
        fields.setdefault("type", "resort")
        fields.setdefault("currency", "NAD")
        fields.setdefault("timezone", "Africa/Windhoek")
        return h.create_property(self.srv, self.token, **fields)["id"]

    # spa helpers
    def resource(self, pid, kind="therapist", hours=None, name=None, **extra):
        body = {
            "name": name or "%s %s" % (kind, uuid.uuid4().hex[:6]),
            "kind": kind,
            "working_hours": hours or ALL_WEEK,
        }
        body.update(extra)
        return h.assert_json(self.post(pp(pid, "/spa/resources"), body), 201, "resource")

    def treatment(self, pid, duration=60, price=45000, kinds=("therapist",), **extra):
        body = {
            "name": "Massage %s" % uuid.uuid4().hex[:6],
            "duration_minutes": duration,
            "price": price,
            "required_resources": list(kinds),
        }
        body.update(extra)
        return h.assert_json(self.post(pp(pid, "/spa/treatments"), body), 201, "treatment")

    def book_spa(self, pid, treatment_id, start, n=0, token=None, **extra):
        body = {"treatment_id": treatment_id, "start": start, "guest": guest(n)}
        body.update(extra)
        return self.post(pp(pid, "/spa/bookings"), body, token=token)

    def availability(self, pid, treatment_id, date, token=None):
        path = pp(pid, "/spa/availability?treatment_id=%s&date=%s" % (treatment_id, date))
        return h.assert_json(self.get(path, token=token), 200, "availability")

    # conference helpers
    def room(self, pid, **fields):
        body = {
            "name": "Hall %s" % uuid.uuid4().hex[:6],
            "capacity": 120,
            "layouts": {"theatre": 120, "classroom": 60, "boardroom": 20},
            "hourly_rate": 10000,
            "daily_rate": 80000,
        }
        body.update(fields)
        return h.assert_json(self.post(pp(pid, "/conference/rooms"), body), 201, "room")

    def addon(self, pid, price=5000, stock=None, **fields):
        body = {"name": "Projector %s" % uuid.uuid4().hex[:6], "price": price}
        if stock is not None:
            body["stock"] = stock
        body.update(fields)
        return h.assert_json(self.post(pp(pid, "/conference/addons"), body), 201, "addon")

    def book_room(self, pid, room_id, token=None, **fields):
        body = {"room_id": room_id, "layout": "theatre", "attendees": 10, "guest": guest()}
        body.update(fields)
        return self.post(pp(pid, "/conference/bookings"), body, token=token)

    # shuttle helpers
    def route(self, pid, **fields):
        body = {
            "name": "Airport %s" % uuid.uuid4().hex[:6],
            "origin": "Hotel",
            "destination": "Airport",
            "price_per_seat": 2500,
        }
        body.update(fields)
        return h.assert_json(
            self.post(pp(pid, "/transportation/shuttle/routes"), body), 201, "route"
        )

    def departure(self, pid, route_id, date=MONDAY, time="09:00", seats=10):
        body = {"route_id": route_id, "date": date, "time": time, "seats": seats}
        return h.assert_json(
            self.post(pp(pid, "/transportation/shuttle/departures"), body), 201, "departure"
        )

    def book_seats(self, pid, departure_id, seats=1, token=None, **extra):
        body = {"departure_id": departure_id, "seats": seats, "guest": guest()}
        body.update(extra)
        return self.post(pp(pid, "/transportation/shuttle/bookings"), body, token=token)


class Spa(Fixture):
    def test_resource_crud_and_validation(self):
        pid = self.new_property()
        # Days spelled out or shortened; answers spell them out.
        hours = {"monday": "09:00-17:00", "sat": ["14:00-18:00", "08:30-12:00"]}
        res = self.resource(pid, hours=hours, name="Maria")
        self.assertTrue(h.is_uuid(res["id"]))
        self.assertEqual(res["kind"], "therapist")
        self.assertEqual(res["name"], "Maria")
        self.assertTrue(res["active"])
        self.assertEqual(res["version"], 1)
        self.assertEqual(
            res["working_hours"],
            {"monday": ["09:00-17:00"], "saturday": ["08:30-12:00", "14:00-18:00"]},
        )
        room = self.resource(pid, kind="treatment_room", name="Room 1")
        path = pp(pid, "/spa/resources/" + res["id"])
        self.assertEqual(h.assert_json(self.get(path), 200), res)

        page = h.assert_json(self.get(pp(pid, "/spa/resources")), 200)
        self.assertEqual([r["id"] for r in page["data"]], [res["id"], room["id"]])
        page = h.assert_json(self.get(pp(pid, "/spa/resources?kind=treatment_room")), 200)
        self.assertEqual([r["id"] for r in page["data"]], [room["id"]])
        page = h.assert_json(self.get(pp(pid, "/spa/resources?limit=1")), 200)
        self.assertEqual(len(page["data"]), 1)
        self.assertEqual(page["next_cursor"], res["id"])

        changed = h.assert_json(
            self.srv.patch(
                path,
                {"working_hours": {"tue": "10:00-11:00"}, "active": False},
                token=self.token,
                headers={"If-Match": "1"},
            ),
            200,
        )
        self.assertEqual(changed["working_hours"], {"tuesday": ["10:00-11:00"]})
        self.assertFalse(changed["active"])
        self.assertEqual((changed["version"], changed["name"]), (2, "Maria"))
        stale = self.srv.patch(path, {"name": "X"}, token=self.token, headers={"If-Match": "1"})
        h.assert_error(stale, 409, "CONFLICT")

        dup = self.post(
            pp(pid, "/spa/resources"),
            {"name": "Maria", "kind": "therapist", "working_hours": ALL_WEEK},
        )
        h.assert_error(dup, 409, "CONFLICT")

        bad = [
            ({"kind": "Therapist"}, "kind"),
            ({"kind": "two words"}, "kind"),
            ({"kind": ""}, "kind"),
            ({"name": ""}, "name"),
            ({"working_hours": {"mon": "17:00-09:00"}}, "working_hours"),
            ({"working_hours": {"mon": "9-5"}}, "working_hours"),
            ({"working_hours": {"mondays": "09:00-17:00"}}, "working_hours"),
            ({"working_hours": {"mo": "09:00-17:00"}}, "working_hours"),
            ({"working_hours": {"mon": "09:00-12:00", "monday": "13:00-17:00"}}, "working_hours"),
            ({"working_hours": {"mon": ["09:00-13:00", "12:00-18:00"]}}, "working_hours"),
            ({"working_hours": "09:00-17:00"}, "working_hours"),
            ({"working_hours": None}, "working_hours"),
            ({"active": "yes"}, "active"),
        ]
        for change, field in bad:
            body = {
                "name": "R " + uuid.uuid4().hex[:6],
                "kind": "therapist",
                "working_hours": ALL_WEEK,
            }
            body.update(change)
            h.assert_error(
                self.post(pp(pid, "/spa/resources"), body),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=repr(change),
            )

        h.assert_status(self.srv.delete(path, token=self.token), 204)
        h.assert_error(self.get(path), 404, "NOT_FOUND")
        h.assert_error(self.srv.delete(path, token=self.token), 404, "NOT_FOUND")

    def test_treatment_crud_and_validation(self):
        pid = self.new_property(currency="EUR")
        t = self.treatment(
            pid,
            duration=90,
            price=12950,
            kinds=("therapist", "treatment_room"),
            description="Hot stones",
        )
        self.assertEqual(
            (t["duration_minutes"], t["price"], t["currency"], t["description"]),
            (90, 12950, "EUR", "Hot stones"),
        )
        self.assertEqual(t["required_resources"], ["therapist", "treatment_room"])
        path = pp(pid, "/spa/treatments/" + t["id"])
        self.assertEqual(h.assert_json(self.get(path), 200), t)
        changed = h.assert_json(
            self.srv.patch(
                path, {"price": 15000, "required_resources": ["therapist"]}, token=self.token
            ),
            200,
        )
        self.assertEqual((changed["price"], changed["version"]), (15000, 2))
        self.assertEqual(changed["required_resources"], ["therapist"])
        listed = h.list_all(self.srv, pp(pid, "/spa/treatments"), self.token)
        self.assertEqual([x["id"] for x in listed], [t["id"]])
        bad = [
            ({"duration_minutes": 4}, "duration_minutes"),
            ({"duration_minutes": 721}, "duration_minutes"),
            ({"duration_minutes": 60.0}, "duration_minutes"),
            ({"price": -1}, "price"),
            ({"price": 10.5}, "price"),
            ({"price": "100"}, "price"),
            ({"required_resources": []}, "required_resources"),
            ({"required_resources": "therapist"}, "required_resources"),
            ({"required_resources": ["Therapist"]}, "required_resources"),
            ({"required_resources": ["a", "b", "c", "d", "e"]}, "required_resources"),
            ({"required_resources": [1]}, "required_resources"),
            ({"name": None}, "name"),
        ]
        for change, field in bad:
            body = {
                "name": "T " + uuid.uuid4().hex[:6],
                "duration_minutes": 60,
                "price": 100,
                "required_resources": ["therapist"],
            }
            body.update(change)
            h.assert_error(
                self.post(pp(pid, "/spa/treatments"), body),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=repr(change),
            )
        h.assert_status(self.srv.delete(path, token=self.token), 204)

    def test_availability_with_working_hours_and_bookings(self):
        pid = self.new_property()
        self.resource(pid, "therapist", hours={"mon": "09:00-12:00"})
        self.resource(pid, "treatment_room", hours={"mon": "10:00-13:00", "tue": "10:00-13:00"})
        t = self.treatment(pid, duration=60, price=50000, kinds=("therapist", "treatment_room"))

        avail = self.availability(pid, t["id"], MONDAY)
        self.assertEqual(starts(avail), ["10:00", "10:15", "10:30", "10:45", "11:00"])
        self.assertEqual(avail["data"][0], {"start": MONDAY + "T10:00", "end": MONDAY + "T11:00"})
        self.assertEqual((avail["date"], avail["treatment_id"]), (MONDAY, t["id"]))
        self.assertEqual(
            (avail["price"], avail["currency"], avail["duration_minutes"]), (50000, "NAD", 60)
        )
        # No therapist works on Tuesday.
        self.assertEqual(starts(self.availability(pid, t["id"], TUESDAY)), [])

        booking = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T10:00"), 201)
        self.assertEqual(booking["status"], "confirmed")
        self.assertEqual(booking["service"], "spa")
        self.assertEqual((booking["start"], booking["end"]), (MONDAY + "T10:00", MONDAY + "T11:00"))
        self.assertEqual(
            (booking["price"], booking["total"], booking["currency"]), (50000, 50000, "NAD")
        )
        self.assertEqual(booking["treatment_id"], t["id"])
        self.assertEqual(
            sorted(r["kind"] for r in booking["resources"]), ["therapist", "treatment_room"]
        )
        self.assertEqual(booking["guest"], guest(0))
        self.assertIsNone(booking["reservation_id"])
        self.assertEqual(booking["version"], 1)
        # The therapist is busy 10:00-11:00 and stops at 12:00: only 11:00 is left.
        self.assertEqual(starts(self.availability(pid, t["id"], MONDAY)), ["11:00"])

        # A start outside working hours: nobody can take it.
        late = self.book_spa(pid, t["id"], MONDAY + "T11:30")
        h.assert_error(late, 409, "NO_AVAILABILITY")

    def test_adjacent_fine_overlap_refused_or_moved(self):
        pid = self.new_property()
        first = self.resource(pid, "therapist", name="A first")
        t = self.treatment(pid, duration=60)
        b1 = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T10:00", 1), 201)
        # Exactly adjacent on both sides.
        b2 = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T11:00", 2), 201)
        b3 = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T09:00", 3), 201)
        for b in (b1, b2, b3):
            self.assertEqual([r["id"] for r in b["resources"]], [first["id"]])
        # Overlapping: refused while there is one therapist ...
        for start in ("T10:30", "T09:15", "T11:45", "T08:15"):
            h.assert_error(
                self.book_spa(pid, t["id"], MONDAY + start), 409, "NO_AVAILABILITY", what=start
            )
        # ... and given to another one when there is.
        second = self.resource(pid, "therapist", name="B second")
        b4 = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T10:30", 4), 201)
        self.assertEqual([r["id"] for r in b4["resources"]], [second["id"]])
        # Free starts: the first therapist 08:00 and from 12:00, the second
        # until 09:30 (ending as her 10:30 booking begins) and from 11:30.
        avail = starts(self.availability(pid, t["id"], MONDAY))
        self.assertEqual(
            avail[:9],
            ["08:00", "08:15", "08:30", "08:45", "09:00", "09:15", "09:30", "11:30", "11:45"],
        )
        self.assertEqual(avail[-1], "19:00")
        self.assertEqual(len(avail), 7 + 2 + 29)
        # An inactive therapist is never offered.
        h.assert_json(
            self.srv.patch(
                pp(pid, "/spa/resources/" + second["id"]), {"active": False}, token=self.token
            ),
            200,
        )
        h.assert_error(self.book_spa(pid, t["id"], MONDAY + "T09:15"), 409, "NO_AVAILABILITY")
        b5 = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T12:00", 5), 201)
        self.assertEqual([r["id"] for r in b5["resources"]], [first["id"]])

    def test_rounding_to_the_grid(self):
        pid = self.new_property()
        self.resource(pid, "therapist", hours={"mon": "09:00-11:00"})
        t = self.treatment(pid, duration=50)
        # 50 minutes hold 09:00-10:00 (four quarter hours) but need only
        # 50 minutes of working time: 10:00 + 50 ends 10:50, inside the hours.
        self.assertEqual(
            starts(self.availability(pid, t["id"], MONDAY)),
            ["09:00", "09:15", "09:30", "09:45", "10:00"],
        )
        b = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T09:00"), 201)
        self.assertEqual(b["end"], MONDAY + "T09:50")
        self.assertEqual(b["duration_minutes"], 50)
        h.assert_error(self.book_spa(pid, t["id"], MONDAY + "T09:45"), 409, "NO_AVAILABILITY")
        self.assertEqual(starts(self.availability(pid, t["id"], MONDAY)), ["10:00"])
        h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T10:00"), 201)

    def test_cancel_frees_at_once(self):
        pid = self.new_property()
        self.resource(pid, "therapist", hours={"mon": "09:00-10:00"})
        t = self.treatment(pid, duration=60)
        b = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T09:00"), 201)
        self.assertEqual(starts(self.availability(pid, t["id"], MONDAY)), [])
        h.assert_error(self.book_spa(pid, t["id"], MONDAY + "T09:00"), 409, "NO_AVAILABILITY")
        cancel = pp(pid, "/spa/bookings/%s/cancel" % b["id"])
        done = h.assert_json(self.post(cancel, None), 200)
        self.assertEqual(done["status"], "cancelled")
        self.assertTrue(h.is_timestamp(done["cancelled_at"]))
        self.assertEqual(done["version"], 2)
        self.assertEqual(done["resources"], b["resources"], "the record keeps who it was")
        self.assertEqual(starts(self.availability(pid, t["id"], MONDAY)), ["09:00"])
        again = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T09:00"), 201)
        self.assertNotEqual(again["id"], b["id"])
        h.assert_error(self.post(cancel, None), 409, "INVALID_STATE_TRANSITION")
        got = h.assert_json(self.get(pp(pid, "/spa/bookings/" + b["id"])), 200)
        self.assertEqual(got["status"], "cancelled")

    def test_booking_list_and_filters(self):
        pid = self.new_property()
        self.resource(pid, "therapist")
        t1 = self.treatment(pid, duration=30)
        t2 = self.treatment(pid, duration=30)
        a = h.assert_json(self.book_spa(pid, t1["id"], MONDAY + "T09:00"), 201)
        b = h.assert_json(self.book_spa(pid, t2["id"], TUESDAY + "T09:00"), 201)
        c = h.assert_json(self.book_spa(pid, t1["id"], TUESDAY + "T10:00"), 201)
        h.assert_json(self.post(pp(pid, "/spa/bookings/%s/cancel" % c["id"]), None), 200)

        def ids(query=""):
            return [
                x["id"] for x in h.list_all(self.srv, pp(pid, "/spa/bookings" + query), self.token)
            ]

        self.assertEqual(ids(), [a["id"], b["id"], c["id"]])
        self.assertEqual(ids("?date=" + TUESDAY), [b["id"], c["id"]])
        self.assertEqual(ids("?date=%s&status=confirmed" % TUESDAY), [b["id"]])
        self.assertEqual(ids("?status=cancelled"), [c["id"]])
        self.assertEqual(ids("?treatment_id=" + t1["id"]), [a["id"], c["id"]])
        listed = h.list_all(self.srv, pp(pid, "/spa/bookings"), self.token)
        self.assertEqual(
            listed[0], h.assert_json(self.get(pp(pid, "/spa/bookings/" + a["id"])), 200)
        )
        for query, field in (
            ("?date=2030-13-01", "date"),
            ("?status=done", "status"),
            ("?treatment_id=nope", "treatment_id"),
            ("?cursor=zzz", "cursor"),
            ("?limit=0", "limit"),
        ):
            h.assert_error(
                self.get(pp(pid, "/spa/bookings" + query)),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=query,
            )

    def test_booking_validation(self):
        pid = self.new_property()
        self.resource(pid, "therapist")
        t = self.treatment(pid)
        off = self.treatment(pid, active=False)
        other_pid = self.new_property()
        foreign = self.treatment(other_pid)
        ok = {"treatment_id": t["id"], "start": MONDAY + "T10:00", "guest": guest()}
        cases = [
            ({"treatment_id": None}, "treatment_id"),
            ({"treatment_id": "not-a-uuid"}, "treatment_id"),
            ({"treatment_id": str(uuid.uuid4())}, "treatment_id"),
            ({"treatment_id": off["id"]}, "treatment_id"),
            ({"treatment_id": foreign["id"]}, "treatment_id"),
            ({"start": None}, "start"),
            ({"start": MONDAY}, "start"),
            ({"start": MONDAY + " 10:00"}, "start"),
            ({"start": MONDAY + "T10:10"}, "start"),
            ({"start": MONDAY + "T24:00"}, "start"),
            ({"start": "2030-02-30T10:00"}, "start"),
            ({"start": 1}, "start"),
            ({"guest": None}, "guest"),
            ({"guest": "Ana"}, "guest"),
            ({"guest": {"last_name": "G", "email": "a@b.c"}}, "guest.first_name"),
            ({"guest": {"first_name": "A", "email": "a@b.c"}}, "guest.last_name"),
            ({"guest": {"first_name": "A", "last_name": "G"}}, "guest.email"),
            ({"guest": {"first_name": "A", "last_name": "G", "email": "nope"}}, "guest.email"),
            ({"guest": {"first_name": "", "last_name": "G", "email": "a@b.c"}}, "guest.first_name"),
            ({"reservation_id": "123"}, "reservation_id"),
            ({"reservation_id": 5}, "reservation_id"),
        ]
        for change, field in cases:
            body = dict(ok)
            body.update(change)
            if change.get(field, 0) is None and field in body:
                del body[field]
            resp = self.post(pp(pid, "/spa/bookings"), body)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(change))
        # Nothing was booked by all that.
        self.assertEqual(h.list_all(self.srv, pp(pid, "/spa/bookings"), self.token), [])
        for query, field in (
            ("?date=" + MONDAY, "treatment_id"),
            ("?treatment_id=%s" % t["id"], "date"),
            ("?treatment_id=%s&date=2030-1-7" % t["id"], "date"),
            ("?treatment_id=x&date=" + MONDAY, "treatment_id"),
            ("?treatment_id=%s&date=%s" % (uuid.uuid4(), MONDAY), "treatment_id"),
        ):
            h.assert_error(
                self.get(pp(pid, "/spa/availability" + query)),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=query,
            )

    def test_several_of_one_kind(self):
        pid = self.new_property()
        a = self.resource(pid, "therapist", hours={"mon": "09:00-11:00"})
        b = self.resource(pid, "therapist", hours={"mon": "10:00-12:00"})
        four_hands = self.treatment(pid, duration=30, kinds=("therapist", "therapist"))
        self.assertEqual(
            starts(self.availability(pid, four_hands["id"], MONDAY)), ["10:00", "10:15", "10:30"]
        )
        booking = h.assert_json(self.book_spa(pid, four_hands["id"], MONDAY + "T10:00"), 201)
        self.assertEqual(sorted(r["id"] for r in booking["resources"]), sorted([a["id"], b["id"]]))
        self.assertEqual(starts(self.availability(pid, four_hands["id"], MONDAY)), ["10:30"])

    def test_idempotent_booking(self):
        pid = self.new_property()
        self.resource(pid, "therapist", hours={"mon": "09:00-10:00"})
        t = self.treatment(pid)
        body = {"treatment_id": t["id"], "start": MONDAY + "T09:00", "guest": guest()}
        key = {"Idempotency-Key": "spa-" + uuid.uuid4().hex}
        first = h.assert_json(self.post(pp(pid, "/spa/bookings"), body, headers=key), 201)
        again = self.post(pp(pid, "/spa/bookings"), body, headers=key)
        self.assertEqual(h.assert_json(again, 201), first, "the same answer, not a new booking")
        other = dict(body, start=MONDAY + "T09:15")
        h.assert_error(
            self.post(pp(pid, "/spa/bookings"), other, headers=key), 422, "IDEMPOTENCY_KEY_REUSED"
        )
        listed = h.list_all(self.srv, pp(pid, "/spa/bookings"), self.token)
        self.assertEqual([b["id"] for b in listed], [first["id"]])
        # Without the key the same body is a new attempt: the slot is taken.
        h.assert_error(self.post(pp(pid, "/spa/bookings"), body), 409, "NO_AVAILABILITY")


class StayLink(Fixture):
    """reservation_id: a confirmed or checked-in stay of the same property."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        doc = h.assert_json(cls.srv.get("/api/v1/openapi.json"), 200)
        path = doc.get("paths", {}).get("/api/v1/properties/{pid}/reservations", {})
        cls.hotel = "post" in path

    def stay(self, pid, check_in="2030-01-06", check_out="2030-01-09"):
        rt = h.assert_json(
            self.post(
                pp(pid, "/room-types"),
                {
                    "name": "Double " + uuid.uuid4().hex[:4],
                    "code": "D" + uuid.uuid4().hex[:4],
                    "capacity": 2,
                    "base_rate": 90000,
                },
            ),
            201,
            "room type",
        )
        h.assert_json(
            self.post(
                pp(pid, "/rooms"), {"number": uuid.uuid4().hex[:5], "room_type_id": rt["id"]}
            ),
            201,
            "room",
        )
        return h.assert_json(
            self.post(
                pp(pid, "/reservations"),
                {
                    "room_type_id": rt["id"],
                    "check_in": check_in,
                    "check_out": check_out,
                    "guests": 2,
                    "guest": guest(),
                },
            ),
            201,
            "reservation",
        )

    def test_booking_charged_to_a_stay(self):
        if not self.hotel:
            self.skipTest("the reservations module is not in this build")
        pid = self.new_property()
        self.resource(pid, "therapist")
        t = self.treatment(pid)
        stay = self.stay(pid)
        b = h.assert_json(
            self.book_spa(pid, t["id"], MONDAY + "T09:00", reservation_id=stay["id"]), 201
        )
        self.assertEqual(b["reservation_id"], stay["id"])
        route = self.route(pid)
        dep = self.departure(pid, route["id"])
        s = h.assert_json(self.book_seats(pid, dep["id"], 2, reservation_id=stay["id"]), 201)
        self.assertEqual(s["reservation_id"], stay["id"])

        # Unknown, another property's, or a cancelled stay: 400 on the field.
        other_pid = self.new_property()
        other_stay = self.stay(other_pid)
        cancelled = self.stay(pid)
        h.assert_json(self.post(pp(pid, "/reservations/%s/cancel" % cancelled["id"]), None), 200)
        for rid in (str(uuid.uuid4()), other_stay["id"], cancelled["id"]):
            resp = self.book_spa(pid, t["id"], MONDAY + "T11:00", reservation_id=rid)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field="reservation_id", what=rid)
            resp = self.book_seats(pid, dep["id"], 1, reservation_id=rid)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field="reservation_id", what=rid)
        # Another tenant's stay does not exist for this one.
        stranger = h.register_tenant(self.srv, "svc-stay")
        spid = h.create_property(self.srv, stranger["token"], type="resort")["id"]
        stranger_treatment = h.assert_json(
            self.srv.post(
                pp(spid, "/spa/treatments"),
                {
                    "name": "S",
                    "duration_minutes": 30,
                    "price": 1,
                    "required_resources": ["therapist"],
                },
                token=stranger["token"],
            ),
            201,
        )
        h.assert_json(
            self.srv.post(
                pp(spid, "/spa/resources"),
                {"name": "S", "kind": "therapist", "working_hours": ALL_WEEK},
                token=stranger["token"],
            ),
            201,
        )
        resp = self.book_spa(
            spid,
            stranger_treatment["id"],
            MONDAY + "T11:00",
            reservation_id=stay["id"],
            token=stranger["token"],
        )
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="reservation_id")
        resp = self.book_spa(
            pid, t["id"], MONDAY + "T11:00", reservation_id=stay["id"], token=stranger["token"]
        )
        h.assert_error(resp, 404, "NOT_FOUND")


class Conference(Fixture):
    def test_room_crud_and_validation(self):
        pid = self.new_property()
        room = self.room(pid, name="Kalahari", working_hours={"mon": "08:00-18:00"})
        self.assertEqual(room["layouts"], {"theatre": 120, "classroom": 60, "boardroom": 20})
        self.assertEqual(
            (room["capacity"], room["hourly_rate"], room["daily_rate"]), (120, 10000, 80000)
        )
        self.assertEqual(room["working_hours"], {"monday": ["08:00-18:00"]})
        self.assertEqual((room["currency"], room["version"], room["active"]), ("NAD", 1, True))
        path = pp(pid, "/conference/rooms/" + room["id"])
        self.assertEqual(h.assert_json(self.get(path), 200), room)
        plain = self.room(pid, hourly_rate=None, working_hours=None)
        self.assertIsNone(plain["hourly_rate"])
        self.assertIsNone(plain["working_hours"])

        changed = h.assert_json(
            self.srv.patch(
                path,
                {"layouts": {"banquet": 80}, "hourly_rate": None, "working_hours": None},
                token=self.token,
                headers={"If-Match": "1"},
            ),
            200,
        )
        self.assertEqual(changed["layouts"], {"banquet": 80})
        self.assertIsNone(changed["hourly_rate"])
        self.assertIsNone(changed["working_hours"])
        self.assertEqual(changed["version"], 2)
        # The last rate cannot go; the capacity cannot drop under a layout.
        h.assert_error(
            self.srv.patch(path, {"daily_rate": None}, token=self.token),
            400,
            "VALIDATION_ERROR",
            field="hourly_rate",
        )
        h.assert_error(
            self.srv.patch(path, {"capacity": 79}, token=self.token),
            400,
            "VALIDATION_ERROR",
            field="capacity",
        )
        h.assert_error(
            self.srv.patch(path, {"name": "x"}, token=self.token, headers={"If-Match": "1"}),
            409,
            "CONFLICT",
        )
        got = h.assert_json(self.get(path), 200)
        self.assertEqual((got["version"], got["capacity"], got["daily_rate"]), (2, 120, 80000))

        bad = [
            ({"layouts": {"theatre": 121}}, "layouts"),
            ({"layouts": {"circus": 10}}, "layouts"),
            ({"layouts": {}}, "layouts"),
            ({"layouts": {"theatre": 0}}, "layouts"),
            ({"layouts": None}, "layouts"),
            ({"capacity": 0}, "capacity"),
            ({"hourly_rate": None, "daily_rate": None}, "hourly_rate"),
            ({"hourly_rate": -5}, "hourly_rate"),
            ({"daily_rate": 1.5}, "daily_rate"),
            ({"working_hours": {"mon": "18:00-08:00"}}, "working_hours"),
            ({"name": ""}, "name"),
        ]
        for change, field in bad:
            body = {
                "name": "H " + uuid.uuid4().hex[:6],
                "capacity": 120,
                "layouts": {"theatre": 120},
                "hourly_rate": 1,
                "daily_rate": 2,
            }
            body.update(change)
            body = {k: v for k, v in body.items() if v is not None}
            h.assert_error(
                self.post(pp(pid, "/conference/rooms"), body),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=repr(change),
            )
        h.assert_error(
            self.post(
                pp(pid, "/conference/rooms"),
                {"name": "Kalahari", "capacity": 5, "layouts": {"boardroom": 5}, "daily_rate": 1},
            ),
            409,
            "CONFLICT",
        )
        rooms = h.list_all(self.srv, pp(pid, "/conference/rooms"), self.token)
        self.assertEqual([r["id"] for r in rooms], [room["id"], plain["id"]])
        self.assertEqual(rooms[0]["layouts"], {"banquet": 80})
        h.assert_status(
            self.srv.delete(pp(pid, "/conference/rooms/" + plain["id"]), token=self.token), 204
        )

    def test_capacity_by_layout(self):
        pid = self.new_property()
        room = self.room(pid)
        day = "T09:00"
        resp = self.book_room(
            pid,
            room["id"],
            layout="boardroom",
            attendees=21,
            start=MONDAY + day,
            end=MONDAY + "T10:00",
        )
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="attendees")
        resp = self.book_room(
            pid,
            room["id"],
            layout="banquet",
            attendees=5,
            start=MONDAY + day,
            end=MONDAY + "T10:00",
        )
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="layout")
        resp = self.book_room(
            pid, room["id"], layout="stage", attendees=5, start=MONDAY + day, end=MONDAY + "T10:00"
        )
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="layout")
        ok = h.assert_json(
            self.book_room(
                pid,
                room["id"],
                layout="boardroom",
                attendees=20,
                start=MONDAY + day,
                end=MONDAY + "T10:00",
            ),
            201,
        )
        self.assertEqual((ok["layout"], ok["attendees"]), ("boardroom", 20))
        ok = h.assert_json(
            self.book_room(
                pid,
                room["id"],
                layout="theatre",
                attendees=120,
                start=MONDAY + "T10:00",
                end=MONDAY + "T11:00",
            ),
            201,
        )
        self.assertEqual(ok["attendees"], 120)

    def test_prices_hourly_daily_and_addons(self):
        pid = self.new_property()
        room = self.room(pid, hourly_rate=9990, daily_rate=80000)
        projector = self.addon(pid, price=5000)
        mic = self.addon(pid, price=1250, stock=10)
        b = h.assert_json(
            self.book_room(
                pid,
                room["id"],
                start=MONDAY + "T09:00",
                end=MONDAY + "T10:30",
                addons=[{"addon_id": projector["id"], "quantity": 2}, {"addon_id": mic["id"]}],
                event_name="Board meeting",
                total=1,
                room_amount=1,
            ),
            201,
        )
        # 1.5 h x 99.90 = 149.85; 2 x 50.00; 1 x 12.50: prices from the server.
        self.assertEqual(b["room_amount"], 14985)
        self.assertEqual(b["total"], 14985 + 10000 + 1250)
        self.assertEqual(
            (b["booking_type"], b["currency"], b["event_name"]), ("hourly", "NAD", "Board meeting")
        )
        self.assertEqual((b["start"], b["end"]), (MONDAY + "T09:00", MONDAY + "T10:30"))
        lines = {a["addon_id"]: a for a in b["addons"]}
        self.assertEqual(
            (
                lines[projector["id"]]["quantity"],
                lines[projector["id"]]["amount"],
                lines[projector["id"]]["unit_price"],
            ),
            (2, 10000, 5000),
        )
        self.assertEqual((lines[mic["id"]]["quantity"], lines[mic["id"]]["amount"]), (1, 1250))
        # Quarter hours pro rata, rounded half up: 15 min of 99.90 = 24.975 -> 24.98.
        q = h.assert_json(
            self.book_room(pid, room["id"], start=MONDAY + "T12:00", end=MONDAY + "T12:15"), 201
        )
        self.assertEqual(q["total"], 2498)

        d = h.assert_json(
            self.book_room(
                pid,
                room["id"],
                date=TUESDAY,
                days=2,
                addons=[{"addon_id": mic["id"], "quantity": 3}],
            ),
            201,
        )
        self.assertEqual((d["booking_type"], d["date"], d["days"]), ("daily", TUESDAY, 2))
        self.assertEqual((d["start"], d["end"]), (TUESDAY + "T00:00", "2030-01-10T00:00"))
        self.assertEqual((d["room_amount"], d["total"]), (160000, 160000 + 3750))
        one = h.assert_json(self.book_room(pid, room["id"], date="2030-01-11"), 201)
        self.assertEqual((one["days"], one["total"]), (1, 80000))

        # A price change later does not touch a booking.
        h.assert_json(
            self.srv.patch(
                pp(pid, "/conference/addons/" + mic["id"]), {"price": 9999}, token=self.token
            ),
            200,
        )
        got = h.assert_json(self.get(pp(pid, "/conference/bookings/" + d["id"])), 200)
        self.assertEqual(got, d)

        hourly_only = self.room(pid, daily_rate=None)
        daily_only = self.room(pid, hourly_rate=None)
        h.assert_error(
            self.book_room(pid, hourly_only["id"], date=MONDAY),
            400,
            "VALIDATION_ERROR",
            field="date",
        )
        h.assert_error(
            self.book_room(pid, daily_only["id"], start=MONDAY + "T09:00", end=MONDAY + "T10:00"),
            400,
            "VALIDATION_ERROR",
            field="start",
        )

    def test_overlap_adjacent_and_cancel(self):
        pid = self.new_property()
        room = self.room(pid)
        other = self.room(pid)
        a = h.assert_json(
            self.book_room(pid, room["id"], start=MONDAY + "T09:00", end=MONDAY + "T11:00"), 201
        )
        h.assert_json(
            self.book_room(pid, room["id"], start=MONDAY + "T11:00", end=MONDAY + "T12:00"), 201
        )
        h.assert_json(
            self.book_room(pid, room["id"], start=MONDAY + "T08:00", end=MONDAY + "T09:00"), 201
        )
        for start, end in (("T10:00", "T11:30"), ("T08:45", "T09:15"), ("T09:30", "T10:00")):
            h.assert_error(
                self.book_room(pid, room["id"], start=MONDAY + start, end=MONDAY + end),
                409,
                "NO_AVAILABILITY",
                what=start,
            )
        h.assert_error(self.book_room(pid, room["id"], date=MONDAY), 409, "NO_AVAILABILITY")
        h.assert_json(
            self.book_room(pid, other["id"], start=MONDAY + "T10:00", end=MONDAY + "T11:30"), 201
        )
        cancelled = h.assert_json(
            self.post(pp(pid, "/conference/bookings/%s/cancel" % a["id"]), None), 200
        )
        self.assertEqual(cancelled["status"], "cancelled")
        h.assert_json(
            self.book_room(pid, room["id"], start=MONDAY + "T10:00", end=MONDAY + "T11:00"), 201
        )
        h.assert_error(
            self.post(pp(pid, "/conference/bookings/%s/cancel" % a["id"]), None),
            409,
            "INVALID_STATE_TRANSITION",
        )
        mine = h.list_all(
            self.srv,
            pp(pid, "/conference/bookings?room_id=%s&status=confirmed" % room["id"]),
            self.token,
        )
        self.assertEqual(len(mine), 3)

    def test_addon_stock(self):
        pid = self.new_property()
        r1, r2, r3 = self.room(pid), self.room(pid), self.room(pid)
        projector = self.addon(pid, price=5000, stock=1)
        use = [{"addon_id": projector["id"]}]
        a = h.assert_json(
            self.book_room(
                pid, r1["id"], start=MONDAY + "T09:00", end=MONDAY + "T11:00", addons=use
            ),
            201,
        )
        blocked = self.book_room(
            pid, r2["id"], start=MONDAY + "T10:00", end=MONDAY + "T12:00", addons=use
        )
        h.assert_error(blocked, 409, "INSUFFICIENT_STOCK", field="addons")
        # The refused booking left nothing behind: its room is still free.
        h.assert_json(
            self.book_room(pid, r2["id"], start=MONDAY + "T10:00", end=MONDAY + "T12:00"), 201
        )
        h.assert_json(
            self.book_room(
                pid, r3["id"], start=MONDAY + "T11:00", end=MONDAY + "T12:00", addons=use
            ),
            201,
        )
        h.assert_error(
            self.book_room(
                pid,
                r3["id"],
                start=MONDAY + "T13:00",
                end=MONDAY + "T14:00",
                addons=[{"addon_id": projector["id"], "quantity": 2}],
            ),
            409,
            "INSUFFICIENT_STOCK",
        )
        h.assert_json(self.post(pp(pid, "/conference/bookings/%s/cancel" % a["id"]), None), 200)
        h.assert_json(
            self.book_room(
                pid, r3["id"], start=MONDAY + "T09:00", end=MONDAY + "T10:00", addons=use
            ),
            201,
        )
        # More stock: two at once.
        h.assert_json(
            self.srv.patch(
                pp(pid, "/conference/addons/" + projector["id"]), {"stock": 3}, token=self.token
            ),
            200,
        )
        h.assert_json(
            self.book_room(
                pid,
                r1["id"],
                start=MONDAY + "T13:00",
                end=MONDAY + "T14:00",
                addons=[{"addon_id": projector["id"], "quantity": 2}],
            ),
            201,
        )
        unlimited = h.assert_json(
            self.srv.patch(
                pp(pid, "/conference/addons/" + projector["id"]), {"stock": None}, token=self.token
            ),
            200,
        )
        self.assertIsNone(unlimited["stock"])

    def test_room_hours(self):
        pid = self.new_property()
        room = self.room(pid, working_hours={"mon": "08:00-18:00", "tue": "08:00-18:00"})
        h.assert_error(
            self.book_room(pid, room["id"], start=MONDAY + "T17:00", end=MONDAY + "T19:00"),
            409,
            "NO_AVAILABILITY",
        )
        h.assert_json(
            self.book_room(pid, room["id"], start=MONDAY + "T16:00", end=MONDAY + "T18:00"), 201
        )
        h.assert_error(self.book_room(pid, room["id"], date=SUNDAY), 409, "NO_AVAILABILITY")
        h.assert_error(self.book_room(pid, room["id"], date=MONDAY, days=3), 409, "NO_AVAILABILITY")
        h.assert_json(self.book_room(pid, room["id"], date=TUESDAY), 201)

    def test_booking_validation(self):
        pid = self.new_property()
        room = self.room(pid)
        addon = self.addon(pid)
        foreign_room = self.room(self.new_property())
        ok = {
            "room_id": room["id"],
            "layout": "theatre",
            "attendees": 10,
            "start": MONDAY + "T09:00",
            "end": MONDAY + "T10:00",
            "guest": guest(),
        }
        cases = [
            ({"room_id": None}, "room_id"),
            ({"room_id": "x"}, "room_id"),
            ({"room_id": str(uuid.uuid4())}, "room_id"),
            ({"room_id": foreign_room["id"]}, "room_id"),
            ({"layout": None}, "layout"),
            ({"attendees": 0}, "attendees"),
            ({"attendees": "10"}, "attendees"),
            ({"start": None, "end": None}, "start"),
            ({"end": None}, "end"),
            ({"end": MONDAY + "T09:00"}, "end"),
            ({"end": MONDAY + "T08:00"}, "end"),
            ({"end": MONDAY + "T10:05"}, "end"),
            ({"start": MONDAY + "T09:05"}, "start"),
            ({"end": TUESDAY + "T01:00"}, "end"),
            ({"date": MONDAY}, "date"),
            ({"days": 2}, "days"),
            ({"start": None, "end": None, "date": "2030-01-32"}, "date"),
            ({"start": None, "end": None, "date": MONDAY, "days": 0}, "days"),
            ({"start": None, "end": None, "date": MONDAY, "days": 32}, "days"),
            ({"addons": {"addon_id": addon["id"]}}, "addons"),
            ({"addons": [addon["id"]]}, "addons"),
            ({"addons": [{"addon_id": "x"}]}, "addons"),
            ({"addons": [{"addon_id": addon["id"], "quantity": 0}]}, "addons"),
            ({"addons": [{"addon_id": addon["id"]}, {"addon_id": addon["id"]}]}, "addons"),
            ({"addons": [{"addon_id": str(uuid.uuid4())}]}, "addons"),
            ({"guest": None}, "guest"),
            ({"event_name": ""}, "event_name"),
        ]
        for change, field in cases:
            body = dict(ok)
            body.update(change)
            body = {k: v for k, v in body.items() if v is not None}
            h.assert_error(
                self.post(pp(pid, "/conference/bookings"), body),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=repr(change),
            )
        # A room booked to midnight is fine: 23:00-24:00 ends at the next day's 00:00.
        h.assert_json(
            self.book_room(pid, room["id"], start=MONDAY + "T23:00", end=TUESDAY + "T00:00"), 201
        )
        self.assertEqual(len(h.list_all(self.srv, pp(pid, "/conference/bookings"), self.token)), 1)

    def test_availability(self):
        pid = self.new_property()
        # Made out of name order: the answer sorts by name, not by id.
        camel = self.room(
            pid,
            name="Camelthorn",
            capacity=30,
            layouts={"boardroom": 30},
            working_hours={"mon": "08:10-17:50"},  # off the grid: 08:15-17:45 is bookable
        )
        baobab = self.room(
            pid, name="Baobab", capacity=50, layouts={"theatre": 50, "boardroom": 20}
        )  # no hours: open all day, every day
        acacia = self.room(
            pid,
            name="Acacia",
            capacity=120,
            layouts={"theatre": 120, "classroom": 60},
            working_hours={"mon": ["08:00-12:30", "13:30-18:00"], "tue": "09:00-17:00"},
        )
        erongo = self.room(
            pid,
            name="Erongo",
            capacity=10,
            layouts={"boardroom": 10},
            hourly_rate=None,
            working_hours={"mon": ["08:00-12:00", "12:00-14:00"]},
        )
        self.room(pid, name="Dune", capacity=200, layouts={"theatre": 200}, active=False)
        self.room(self.new_property(), name="Aardvark", capacity=500, layouts={"theatre": 500})

        def search(query, token=None):
            path = pp(pid, "/conference/availability?" + query)
            return h.assert_json(self.get(path, token=token), 200, query)

        def names(query):
            return [room["name"] for room in search(query)["data"]]

        def free(answer, room):
            entry = [r for r in answer["data"] if r["room_id"] == room["id"]]
            self.assertEqual(len(entry), 1, room["name"])
            spans = [(i["start"], i["end"]) for i in entry[0]["free"]]
            return spans, entry[0]["whole_day_free"]

        def span(day, start, end, end_day=None):
            return (day + "T" + start, (end_day or day) + "T" + end)

        # By the hour: a booking held, a cancelled one free again; one to midnight.
        held = h.assert_json(
            self.book_room(pid, acacia["id"], start=MONDAY + "T09:00", end=MONDAY + "T10:30"), 201
        )
        gone = h.assert_json(
            self.book_room(pid, acacia["id"], start=MONDAY + "T14:00", end=MONDAY + "T15:00"), 201
        )
        h.assert_json(self.post(pp(pid, "/conference/bookings/%s/cancel" % gone["id"]), None), 200)
        h.assert_json(
            self.book_room(pid, baobab["id"], start=MONDAY + "T23:00", end=TUESDAY + "T00:00"), 201
        )
        # By the day: two days from Wednesday, and a cancelled day.
        h.assert_json(self.book_room(pid, baobab["id"], date="2030-01-09", days=2), 201)
        day_off = h.assert_json(self.book_room(pid, baobab["id"], date="2030-01-11"), 201)
        h.assert_json(
            self.post(pp(pid, "/conference/bookings/%s/cancel" % day_off["id"]), None), 200
        )
        h.assert_json(self.book_room(pid, camel["id"], layout="boardroom", date="2030-01-14"), 201)

        monday = search("date=" + MONDAY)
        self.assertEqual(set(monday), {"date", "currency", "data"})
        self.assertEqual((monday["date"], monday["currency"]), (MONDAY, "NAD"))
        self.assertEqual(
            [r["name"] for r in monday["data"]], ["Acacia", "Baobab", "Camelthorn", "Erongo"]
        )
        self.assertEqual(
            monday["data"][0],
            {
                "room_id": acacia["id"],
                "name": "Acacia",
                "capacity": 120,
                "layout_capacity": None,
                "hourly_rate": 10000,
                "daily_rate": 80000,
                "free": [
                    {"start": MONDAY + "T08:00", "end": MONDAY + "T09:00"},
                    {"start": MONDAY + "T10:30", "end": MONDAY + "T12:30"},
                    {"start": MONDAY + "T13:30", "end": MONDAY + "T18:00"},
                ],
                "whole_day_free": False,
            },
        )
        # Open all day: free to the hour booked up to midnight.
        self.assertEqual(free(monday, baobab), ([span(MONDAY, "00:00", "23:00")], False))
        self.assertEqual(free(monday, camel), ([span(MONDAY, "08:15", "17:45")], True))
        # Touching ranges stay apart: a booking must fit inside one.
        self.assertEqual(
            free(monday, erongo),
            ([span(MONDAY, "08:00", "12:00"), span(MONDAY, "12:00", "14:00")], True),
        )
        self.assertIsNone(monday["data"][3]["hourly_rate"])

        tuesday = search("date=" + TUESDAY)
        self.assertEqual(names("date=" + TUESDAY), ["Acacia", "Baobab", "Camelthorn", "Erongo"])
        self.assertEqual(free(tuesday, acacia), ([span(TUESDAY, "09:00", "17:00")], True))
        # A whole free day ends at the next day's 00:00.
        self.assertEqual(
            free(tuesday, baobab), ([span(TUESDAY, "00:00", "00:00", "2030-01-09")], True)
        )
        self.assertEqual(free(tuesday, camel), ([], False))  # closed on Tuesdays
        # The second day of a two-day booking is held, a cancelled day is free.
        self.assertEqual(free(search("date=2030-01-10"), baobab), ([], False))
        self.assertEqual(
            free(search("date=2030-01-11"), baobab),
            ([span("2030-01-11", "00:00", "00:00", "2030-01-12")], True),
        )
        self.assertEqual(free(search("date=2030-01-14"), camel), ([], False))
        self.assertEqual(free(search("date=2030-01-14"), acacia)[1], True)

        # The filters: capacity, then the layout's seats; no layout, no listing.
        self.assertEqual(names("date=%s&attendees=40" % MONDAY), ["Acacia", "Baobab"])
        theatre = search("date=%s&attendees=40&layout=theatre" % MONDAY)
        self.assertEqual(
            [(r["name"], r["layout_capacity"]) for r in theatre["data"]],
            [("Acacia", 120), ("Baobab", 50)],
        )
        self.assertEqual(free(theatre, acacia), free(monday, acacia))
        self.assertEqual(names("date=%s&layout=classroom&attendees=60" % MONDAY), ["Acacia"])
        self.assertEqual(names("date=%s&layout=classroom&attendees=61" % MONDAY), [])
        self.assertEqual(
            [
                (r["name"], r["layout_capacity"])
                for r in search("date=%s&layout=boardroom" % MONDAY)["data"]
            ],
            [("Baobab", 20), ("Camelthorn", 30), ("Erongo", 10)],
        )
        self.assertEqual(names("date=%s&layout=boardroom&attendees=21" % MONDAY), ["Camelthorn"])
        self.assertEqual(names("date=%s&layout=banquet" % MONDAY), [])
        self.assertEqual(names("date=%s&attendees=120" % MONDAY), ["Acacia"])
        self.assertEqual(names("date=%s&attendees=121" % MONDAY), [])
        self.assertEqual(names("date=%s&attendees=1" % MONDAY)[0], "Acacia")

        # Cancelling gives the time back at once.
        h.assert_json(self.post(pp(pid, "/conference/bookings/%s/cancel" % held["id"]), None), 200)
        self.assertEqual(
            free(search("date=" + MONDAY), acacia),
            ([span(MONDAY, "08:00", "12:30"), span(MONDAY, "13:30", "18:00")], True),
        )

        bad = [
            ("", "date"),
            ("date=", "date"),
            ("date=2030-02-30", "date"),
            ("date=07.01.2030", "date"),
            ("date=%s&attendees=0" % MONDAY, "attendees"),
            ("date=%s&attendees=-3" % MONDAY, "attendees"),
            ("date=%s&attendees=abc" % MONDAY, "attendees"),
            ("date=%s&attendees=4.5" % MONDAY, "attendees"),
            ("date=%s&attendees=" % MONDAY, "attendees"),
            ("date=%s&attendees=%%204" % MONDAY, "attendees"),
            ("date=%s&attendees=99999999999999999999999" % MONDAY, "attendees"),
            ("date=%s&layout=circus" % MONDAY, "layout"),
            ("date=%s&layout=Theatre" % MONDAY, "layout"),
            ("date=%s&layout=" % MONDAY, "layout"),
        ]
        for query, field in bad:
            h.assert_error(
                self.get(pp(pid, "/conference/availability?" + query)),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=query,
            )

        # Conference staff search; other services' staff do not.
        conf_staff = h.create_user(self.srv, self.token, "staff", ["conference"], do_login=True)
        spa_staff = h.create_user(self.srv, self.token, "staff", ["spa"], do_login=True)
        self.assertEqual(len(search("date=" + MONDAY, token=conf_staff["token"])["data"]), 4)
        h.assert_error(
            self.get(pp(pid, "/conference/availability?date=" + MONDAY), token=spa_staff["token"]),
            403,
            "FORBIDDEN",
        )
        # Another tenant: 404 for our property, and none of our rooms in theirs.
        stranger = h.register_tenant(self.srv, "conf-stranger")
        spid = h.create_property(self.srv, stranger["token"], type="conference")["id"]
        h.assert_error(
            self.get(pp(pid, "/conference/availability?date=" + MONDAY), token=stranger["token"]),
            404,
            "NOT_FOUND",
        )
        theirs = h.assert_json(
            self.get(pp(spid, "/conference/availability?date=" + MONDAY), token=stranger["token"]),
            200,
        )
        self.assertEqual((theirs["data"], theirs["currency"]), ([], "EUR"))
        h.assert_error(
            self.get(pp(str(uuid.uuid4()), "/conference/availability?date=" + MONDAY)),
            404,
            "NOT_FOUND",
        )


class Shuttle(Fixture):
    def test_routes_departures_and_schedule(self):
        pid = self.new_property()
        route = self.route(pid, name="Airport run", price_per_seat=3000)
        self.assertEqual(
            (route["origin"], route["destination"], route["price_per_seat"], route["currency"]),
            ("Hotel", "Airport", 3000, "NAD"),
        )
        town = self.route(pid, name="Town", destination="Town", price_per_seat=0)
        late = self.departure(pid, route["id"], time="17:30", seats=8)
        early = self.departure(pid, town["id"], time="07:15", seats=12)
        self.departure(pid, route["id"], date=TUESDAY, time="07:00", seats=4)
        self.assertEqual(
            (late["date"], late["time"], late["departure"]), (MONDAY, "17:30", MONDAY + "T17:30")
        )
        self.assertEqual((late["seats"], late["seats_booked"], late["seats_left"]), (8, 0, 8))
        self.assertEqual((late["route_name"], late["price_per_seat"]), ("Airport run", 3000))

        sched = h.assert_json(
            self.get(pp(pid, "/transportation/shuttle/schedule?date=" + MONDAY)), 200
        )
        self.assertEqual(sched["date"], MONDAY)
        self.assertEqual([d["id"] for d in sched["data"]], [early["id"], late["id"]])
        h.assert_json(self.book_seats(pid, late["id"], 3), 201)
        sched = h.assert_json(
            self.get(
                pp(
                    pid,
                    "/transportation/shuttle/schedule?date=%s&route_id=%s" % (MONDAY, route["id"]),
                )
            ),
            200,
        )
        self.assertEqual(
            [(d["id"], d["seats_left"], d["seats_booked"]) for d in sched["data"]],
            [(late["id"], 5, 3)],
        )
        empty = h.assert_json(
            self.get(pp(pid, "/transportation/shuttle/schedule?date=2030-02-01")), 200
        )
        self.assertEqual(empty["data"], [])
        h.assert_error(
            self.get(pp(pid, "/transportation/shuttle/schedule")),
            400,
            "VALIDATION_ERROR",
            field="date",
        )

        listed = h.list_all(
            self.srv, pp(pid, "/transportation/shuttle/departures?date=" + MONDAY), self.token
        )
        self.assertEqual(sorted(d["id"] for d in listed), sorted([early["id"], late["id"]]))
        by_route = h.list_all(
            self.srv,
            pp(pid, "/transportation/shuttle/departures?route_id=" + town["id"]),
            self.token,
        )
        self.assertEqual([d["id"] for d in by_route], [early["id"]])

        dup = self.post(
            pp(pid, "/transportation/shuttle/departures"),
            {"route_id": route["id"], "date": MONDAY, "time": "17:30", "seats": 3},
        )
        h.assert_error(dup, 409, "CONFLICT")
        bad = [
            ({"time": "25:00"}, "time"),
            ({"time": "7:00"}, "time"),
            ({"date": "2030-02-30"}, "date"),
            ({"seats": 0}, "seats"),
            ({"seats": 1001}, "seats"),
            ({"route_id": str(uuid.uuid4())}, "route_id"),
            ({"route_id": None}, "route_id"),
        ]
        for change, field in bad:
            body = {"route_id": route["id"], "date": MONDAY, "time": "11:00", "seats": 3}
            body.update(change)
            body = {k: v for k, v in body.items() if v is not None}
            h.assert_error(
                self.post(pp(pid, "/transportation/shuttle/departures"), body),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=repr(change),
            )
        for change, field in (
            ({"origin": ""}, "origin"),
            ({"price_per_seat": -1}, "price_per_seat"),
            ({"destination": None}, "destination"),
        ):
            body = {"name": "R " + uuid.uuid4().hex[:5], "origin": "A", "destination": "B"}
            body.update(change)
            body = {k: v for k, v in body.items() if v is not None}
            h.assert_error(
                self.post(pp(pid, "/transportation/shuttle/routes"), body),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=repr(change),
            )

        # Move the departure; its bookings move along.
        path = pp(pid, "/transportation/shuttle/departures/" + late["id"])
        moved = h.assert_json(
            self.srv.patch(path, {"time": "18:00"}, token=self.token, headers={"If-Match": "1"}),
            200,
        )
        self.assertEqual(
            (moved["departure"], moved["version"], moved["seats_booked"]), (MONDAY + "T18:00", 2, 3)
        )
        bookings = h.list_all(
            self.srv,
            pp(pid, "/transportation/shuttle/bookings?departure_id=" + late["id"]),
            self.token,
        )
        self.assertEqual([b["start"] for b in bookings], [MONDAY + "T18:00"])
        h.assert_error(
            self.srv.patch(path, {"seats": 2}, token=self.token), 409, "CONFLICT", field="seats"
        )
        h.assert_json(self.srv.patch(path, {"seats": 3}, token=self.token), 200)
        h.assert_error(self.srv.delete(path, token=self.token), 409, "CONFLICT")
        h.assert_error(
            self.srv.delete(
                pp(pid, "/transportation/shuttle/routes/" + route["id"]), token=self.token
            ),
            409,
            "CONFLICT",
        )
        h.assert_status(
            self.srv.delete(
                pp(pid, "/transportation/shuttle/departures/" + early["id"]), token=self.token
            ),
            204,
        )
        # An inactive route takes no new departures or bookings.
        h.assert_json(
            self.srv.patch(
                pp(pid, "/transportation/shuttle/routes/" + town["id"]),
                {"active": False},
                token=self.token,
            ),
            200,
        )
        h.assert_error(
            self.post(
                pp(pid, "/transportation/shuttle/departures"),
                {"route_id": town["id"], "date": MONDAY, "time": "08:00", "seats": 3},
            ),
            400,
            "VALIDATION_ERROR",
            field="route_id",
        )

    def test_seats_never_oversold_and_cancel(self):
        pid = self.new_property()
        route = self.route(pid, price_per_seat=2500)
        dep = self.departure(pid, route["id"], seats=4)
        three = h.assert_json(self.book_seats(pid, dep["id"], 3), 201)
        self.assertEqual(
            (three["seats"], three["total"], three["price_per_seat"], three["currency"]),
            (3, 7500, 2500, "NAD"),
        )
        self.assertEqual(
            (three["service"], three["departure_id"], three["route_id"], three["start"]),
            ("shuttle", dep["id"], route["id"], MONDAY + "T09:00"),
        )
        h.assert_error(self.book_seats(pid, dep["id"], 2), 409, "NO_AVAILABILITY")
        h.assert_json(self.book_seats(pid, dep["id"], 1), 201)
        h.assert_error(self.book_seats(pid, dep["id"], 1), 409, "NO_AVAILABILITY")
        got = h.assert_json(
            self.get(pp(pid, "/transportation/shuttle/departures/" + dep["id"])), 200
        )
        self.assertEqual((got["seats_booked"], got["seats_left"]), (4, 0))
        cancelled = h.assert_json(
            self.post(pp(pid, "/transportation/shuttle/bookings/%s/cancel" % three["id"]), None),
            200,
        )
        self.assertEqual(cancelled["status"], "cancelled")
        got = h.assert_json(
            self.get(pp(pid, "/transportation/shuttle/departures/" + dep["id"])), 200
        )
        self.assertEqual(got["seats_left"], 3)
        h.assert_error(
            self.post(pp(pid, "/transportation/shuttle/bookings/%s/cancel" % three["id"]), None),
            409,
            "INVALID_STATE_TRANSITION",
        )
        got = h.assert_json(
            self.get(pp(pid, "/transportation/shuttle/departures/" + dep["id"])), 200
        )
        self.assertEqual(got["seats_left"], 3, "a second cancel gives nothing back")
        h.assert_json(self.book_seats(pid, dep["id"], 3), 201)
        for change, field in (
            ({"seats": 0}, "seats"),
            ({"seats": None}, "seats"),
            ({"departure_id": str(uuid.uuid4())}, "departure_id"),
            ({"departure_id": None}, "departure_id"),
            ({"guest": {"first_name": "A"}}, "guest.last_name"),
        ):
            body = {"departure_id": dep["id"], "seats": 1, "guest": guest()}
            body.update(change)
            body = {k: v for k, v in body.items() if v is not None}
            h.assert_error(
                self.post(pp(pid, "/transportation/shuttle/bookings"), body),
                400,
                "VALIDATION_ERROR",
                field=field,
                what=repr(change),
            )


class Roles(Fixture):
    def test_who_may_do_what(self):
        pid = self.new_property()
        res = self.resource(pid, "therapist")
        t = self.treatment(pid)
        room = self.room(pid)
        route = self.route(pid)
        dep = self.departure(pid, route["id"])
        spa_staff = h.create_user(self.srv, self.token, "staff", ["spa"], do_login=True)
        spa_mgr = h.create_user(self.srv, self.token, "service_manager", ["spa"], do_login=True)
        conf_staff = h.create_user(self.srv, self.token, "staff", ["conference"], do_login=True)
        ride_staff = h.create_user(self.srv, self.token, "staff", ["transport"], do_login=True)
        ride_mgr = h.create_user(
            self.srv, self.token, "service_manager", ["transport"], do_login=True
        )
        hotel_staff = h.create_user(self.srv, self.token, "staff", ["hotel"], do_login=True)
        manager = h.create_user(self.srv, self.token, "manager", do_login=True)

        # Spa staff read and book, but do not configure.
        self.availability(pid, t["id"], MONDAY, token=spa_staff["token"])
        h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T09:00", token=spa_staff["token"]), 201)
        h.assert_json(self.get(pp(pid, "/spa/treatments"), token=spa_staff["token"]), 200)
        h.assert_error(
            self.post(
                pp(pid, "/spa/treatments"),
                {
                    "name": "X",
                    "duration_minutes": 30,
                    "price": 1,
                    "required_resources": ["therapist"],
                },
                token=spa_staff["token"],
            ),
            403,
            "FORBIDDEN",
        )
        h.assert_error(
            self.srv.patch(
                pp(pid, "/spa/resources/" + res["id"]), {"name": "Y"}, token=spa_staff["token"]
            ),
            403,
            "FORBIDDEN",
        )
        # A spa service manager configures the spa, not the shuttle.
        h.assert_json(
            self.post(
                pp(pid, "/spa/treatments"),
                {
                    "name": "Facial",
                    "duration_minutes": 30,
                    "price": 1,
                    "required_resources": ["therapist"],
                },
                token=spa_mgr["token"],
            ),
            201,
        )
        h.assert_error(
            self.post(
                pp(pid, "/transportation/shuttle/routes"),
                {"name": "Z", "origin": "A", "destination": "B"},
                token=spa_mgr["token"],
            ),
            403,
            "FORBIDDEN",
        )
        # Other services' staff see none of the spa.
        for who in (conf_staff, ride_staff, hotel_staff):
            h.assert_error(
                self.get(
                    pp(pid, "/spa/availability?treatment_id=%s&date=%s" % (t["id"], MONDAY)),
                    token=who["token"],
                ),
                403,
                "FORBIDDEN",
            )
            h.assert_error(
                self.book_spa(pid, t["id"], MONDAY + "T12:00", token=who["token"]), 403, "FORBIDDEN"
            )
        h.assert_json(
            self.book_room(
                pid,
                room["id"],
                start=MONDAY + "T09:00",
                end=MONDAY + "T10:00",
                token=conf_staff["token"],
            ),
            201,
        )
        h.assert_error(
            self.book_room(
                pid,
                room["id"],
                start=MONDAY + "T11:00",
                end=MONDAY + "T12:00",
                token=ride_staff["token"],
            ),
            403,
            "FORBIDDEN",
        )
        h.assert_error(
            self.post(pp(pid, "/conference/rooms"), {"name": "Q"}, token=conf_staff["token"]),
            403,
            "FORBIDDEN",
        )
        h.assert_json(self.book_seats(pid, dep["id"], 1, token=ride_staff["token"]), 201)
        h.assert_json(
            self.get(
                pp(pid, "/transportation/shuttle/schedule?date=" + MONDAY),
                token=ride_staff["token"],
            ),
            200,
        )
        h.assert_error(
            self.post(
                pp(pid, "/transportation/shuttle/departures"),
                {"route_id": route["id"], "date": MONDAY, "time": "10:00", "seats": 2},
                token=ride_staff["token"],
            ),
            403,
            "FORBIDDEN",
        )
        h.assert_json(
            self.post(
                pp(pid, "/transportation/shuttle/departures"),
                {"route_id": route["id"], "date": MONDAY, "time": "10:00", "seats": 2},
                token=ride_mgr["token"],
            ),
            201,
        )
        # Managers run every service.
        h.assert_json(
            self.post(
                pp(pid, "/conference/addons"), {"name": "Mic", "price": 1}, token=manager["token"]
            ),
            201,
        )
        # No token at all.
        h.assert_error(self.srv.get(pp(pid, "/spa/treatments")), 401, "UNAUTHENTICATED")


class Isolation(Fixture):
    def test_every_endpoint_is_404_for_another_tenant(self):
        pid = self.new_property()
        res = self.resource(pid, "therapist")
        t = self.treatment(pid)
        spa_booking = h.assert_json(self.book_spa(pid, t["id"], MONDAY + "T09:00"), 201)
        room = self.room(pid)
        addon = self.addon(pid)
        conf_booking = h.assert_json(
            self.book_room(pid, room["id"], start=MONDAY + "T09:00", end=MONDAY + "T10:00"), 201
        )
        route = self.route(pid)
        dep = self.departure(pid, route["id"])
        seat_booking = h.assert_json(self.book_seats(pid, dep["id"], 2), 201)
        ids = {"rid": None, "tid": t["id"], "bid": None, "aid": addon["id"], "did": dep["id"]}

        stranger = h.register_tenant(self.srv, "svc-stranger")
        token = stranger["token"]
        spid = h.create_property(self.srv, token, type="resort")["id"]

        doc = h.assert_json(self.srv.get("/api/v1/openapi.json"), 200)
        paths = [
            p
            for p in doc["paths"]
            if p.startswith("/api/v1/properties/{pid}/")
            and ("/spa/" in p or "/conference/" in p or "/transportation/" in p)
        ]
        checked = 0
        # Valid bodies, so that only the tenant can make the answer 404.
        creates = {
            "/spa/resources": {"name": "R", "kind": "therapist", "working_hours": ALL_WEEK},
            "/spa/treatments": {
                "name": "T",
                "duration_minutes": 30,
                "price": 1,
                "required_resources": ["therapist"],
            },
            "/spa/bookings": {
                "treatment_id": t["id"],
                "start": MONDAY + "T12:00",
                "guest": guest(),
            },
            "/conference/rooms": {
                "name": "C",
                "capacity": 5,
                "layouts": {"boardroom": 5},
                "daily_rate": 1,
            },
            "/conference/addons": {"name": "A", "price": 1},
            "/conference/bookings": {
                "room_id": room["id"],
                "layout": "theatre",
                "attendees": 1,
                "date": TUESDAY,
                "guest": guest(),
            },
            "/transportation/shuttle/routes": {"name": "S", "origin": "A", "destination": "B"},
            "/transportation/shuttle/departures": {
                "route_id": route["id"],
                "date": TUESDAY,
                "time": "10:00",
                "seats": 2,
            },
            "/transportation/shuttle/bookings": {
                "departure_id": dep["id"],
                "seats": 1,
                "guest": guest(),
            },
        }
        for path in paths:
            for method in doc["paths"][path]:
                concrete = path.replace("{pid}", pid)
                if "/spa/resources/" in path:
                    ids["rid"] = res["id"]
                if "/conference/rooms/" in path:
                    ids["rid"] = room["id"]
                if "/shuttle/routes/" in path:
                    ids["rid"] = route["id"]
                if "/spa/bookings/" in path:
                    ids["bid"] = spa_booking["id"]
                if "/conference/bookings/" in path:
                    ids["bid"] = conf_booking["id"]
                if "/shuttle/bookings/" in path:
                    ids["bid"] = seat_booking["id"]
                for name, value in ids.items():
                    concrete = concrete.replace("{%s}" % name, value or "")
                self.assertNotIn("{", concrete, path)
                if "availability" in path:
                    concrete += "?treatment_id=%s&date=%s" % (t["id"], MONDAY)
                if "schedule" in path:
                    concrete += "?date=" + MONDAY
                body = None
                if method == "post" and not path.endswith("/cancel"):
                    body = creates[path[len("/api/v1/properties/{pid}") :]]
                elif method == "patch":
                    body = {"name": "x"} if "/departures/" not in path else {"seats": 9}
                resp = self.srv.request(method.upper(), concrete, token=token, body=body)
                h.assert_error(resp, 404, "NOT_FOUND", what="%s %s" % (method, path))
                # The stranger's own property with our ids: still nothing.
                if "{" in path.replace("{pid}", ""):
                    own = concrete.replace(pid, spid)
                    resp = self.srv.request(method.upper(), own, token=token, body=body)
                    h.assert_error(resp, 404, "NOT_FOUND", what="own %s %s" % (method, path))
                checked += 1
        self.assertGreaterEqual(checked, 40, "every services endpoint was tried")

        # Our ids in the stranger's bodies name nothing of theirs.
        body = {"treatment_id": t["id"], "start": MONDAY + "T10:00", "guest": guest()}
        h.assert_error(
            self.srv.post(pp(spid, "/spa/bookings"), body, token=token),
            400,
            "VALIDATION_ERROR",
            field="treatment_id",
        )
        body = {"departure_id": dep["id"], "seats": 1, "guest": guest()}
        h.assert_error(
            self.srv.post(pp(spid, "/transportation/shuttle/bookings"), body, token=token),
            400,
            "VALIDATION_ERROR",
            field="departure_id",
        )
        body = {
            "room_id": room["id"],
            "layout": "theatre",
            "attendees": 1,
            "date": MONDAY,
            "guest": guest(),
        }
        h.assert_error(
            self.srv.post(pp(spid, "/conference/bookings"), body, token=token),
            400,
            "VALIDATION_ERROR",
            field="room_id",
        )
        # And nothing of ours changed.
        self.assertEqual(
            h.assert_json(self.get(pp(pid, "/spa/bookings/" + spa_booking["id"])), 200)["status"],
            "confirmed",
        )
        self.assertEqual(
            h.assert_json(
                self.get(pp(pid, "/transportation/shuttle/departures/" + dep["id"])), 200
            )["seats_left"],
            8,
        )
        self.assertEqual(
            h.assert_json(self.get(pp(pid, "/spa/treatments/" + t["id"])), 200)["version"], 1
        )

    def test_malformed_and_unknown_ids(self):
        pid = self.new_property()
        for path in (
            "/spa/resources/nope",
            "/spa/treatments/123",
            "/spa/bookings/x",
            "/conference/rooms/../x",
            "/transportation/shuttle/departures/zz",
        ):
            h.assert_error(self.get(pp(pid, path)), 404, "NOT_FOUND", what=path)
        for path in (
            "/spa/resources",
            "/spa/treatments",
            "/conference/rooms",
            "/conference/addons",
            "/transportation/shuttle/routes",
        ):
            h.assert_error(self.get(pp(str(uuid.uuid4()), path)), 404, "NOT_FOUND", what=path)
            h.assert_error(self.get(pp(pid, "%s/%s" % (path, uuid.uuid4()))), 404, "NOT_FOUND")
        h.assert_error(
            self.post(
                pp(str(uuid.uuid4()), "/spa/resources"),
                {"name": "A", "kind": "therapist", "working_hours": ALL_WEEK},
            ),
            404,
            "NOT_FOUND",
        )


if __name__ == "__main__":
    h.run()
