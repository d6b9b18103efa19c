"""
test_kds.py - the kitchen display, black-box: GET /kds lists the items
of open orders oldest first with every field API.md names, filtered by
station (the category's station); completed, cancelled and voided items
are not on it; bump (queued -> preparing -> ready) and recall (one step
back) move the item, and the order follows its items. Roles and tenant
isolation.

Not here: placing orders and their money (test_orders).
"""

import time
import unittest
import uuid

import buffr_harness as h
from restaurant_fixtures import Restaurant, line, staff_token

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

KDS_KEYS = {"order_id", "item_id", "name", "quantity", "options", "note", "status", "station",
            "placed_at"}


class Kds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.other = Restaurant(cls.srv, "kds-other")

    def setUp(self):
        # A fresh restaurant per test: the display shows everything open.
        r = self.r = Restaurant(self.srv, "kds")
        self.grill = r.category("Grill", station="grill")
        self.bar = r.category("Bar", station="bar")
        self.plain = r.category("Bread")  # no station
        self.steak = r.item(self.grill, 2500, "Steak")
        self.beer = r.item(self.bar, 600, "Beer")
        self.bread = r.item(self.plain, 300, "Bread")
        self.doneness = r.group(1, 1, [("Rare", 0), ("Medium", 0)], "Doneness")
        r.attach(self.steak, self.doneness)
        self.rare = self.doneness["options"][0]

    def kds(self, query="", token=None):
        return self.r.ok("GET", "/kds" + query, token=token)["data"]

    def bump(self, item_id, token=None):
        return self.r.call("POST", "/kds/items/%s/bump" % item_id, token=token)

    def recall(self, item_id, token=None):
        return self.r.call("POST", "/kds/items/%s/recall" % item_id, token=token)

    def test_fields_order_and_station_filter(self):
        r = self.r
        a = r.order([line(self.steak, 2, [self.rare], note="no salt"), line(self.beer)], table="4")
        time.sleep(1.05)  # placed_at has second resolution
        b = r.order([line(self.beer, 3), line(self.bread)], channel="takeaway")
        data = self.kds()
        self.assertEqual(len(data), 4)
        for entry in data:
            self.assertTrue(set(entry) >= KDS_KEYS, sorted(entry))
            self.assertTrue(h.is_timestamp(entry["placed_at"]))
        self.assertEqual([e["order_id"] for e in data], [a["id"], a["id"], b["id"], b["id"]])
        first = data[0]
        self.assertEqual((first["name"], first["quantity"], first["note"]), ("Steak", 2, "no salt"))
        self.assertEqual((first["status"], first["station"]), ("queued", "grill"))
        self.assertEqual([o["name"] for o in first["options"]], ["Rare"])
        self.assertEqual(first["item_id"], a["items"][0]["id"])
        self.assertLessEqual(data[0]["placed_at"], data[2]["placed_at"])
        bar = self.kds("?station=bar")
        self.assertEqual([(e["order_id"], e["quantity"]) for e in bar], [(a["id"], 1), (b["id"], 3)])
        self.assertEqual([e["name"] for e in self.kds("?station=grill")], ["Steak"])
        self.assertEqual(self.kds("?station=pastry"), [])
        h.assert_error(r.call("GET", "/kds?station=Bad%20Name"), 400, "VALIDATION_ERROR", "station")
        stations = r.ok("GET", "/kds/stations")["data"]
        self.assertEqual(stations, ["bar", "grill"])

    def test_closed_orders_and_voided_items_leave(self):
        r = self.r
        a = r.order([line(self.beer)])
        b = r.order([line(self.bread)])
        c = r.order([line(self.beer), line(self.bread)])
        h.assert_json(r.status(a, "cancelled"), 200)
        for step in ("accepted", "preparing", "ready", "served", "completed"):
            h.assert_json(r.status(b, step), 200)
        r.ok("POST", "/orders/%s/items/%s/void" % (c["id"], c["items"][0]["id"]))
        data = self.kds()
        self.assertEqual([(e["order_id"], e["name"]) for e in data], [(c["id"], "Bread")])

    def test_bump_and_recall_move_the_order(self):
        r = self.r
        o = r.order([line(self.steak, 1, [self.rare]), line(self.beer)])
        steak, beer = (i["id"] for i in o["items"])
        get = lambda: r.ok("GET", "/orders/" + o["id"])  # noqa: E731

        s = h.assert_json(self.bump(steak), 200)
        self.assertEqual((s["status"], s["order_status"]), ("preparing", "preparing"))
        self.assertEqual(get()["status"], "preparing")
        s = h.assert_json(self.bump(steak), 200)
        self.assertEqual(s["status"], "ready")
        self.assertEqual(get()["status"], "preparing")  # the beer is not ready
        h.assert_error(self.bump(steak), 409, "INVALID_STATE_TRANSITION")
        h.assert_json(self.bump(beer), 200)
        s = h.assert_json(self.bump(beer), 200)
        self.assertEqual(s["order_status"], "ready")
        order = get()
        self.assertEqual(order["status"], "ready")
        self.assertEqual([i["status"] for i in order["items"]], ["ready", "ready"])
        # Recall: the order goes back to preparing...
        s = h.assert_json(self.recall(beer), 200)
        self.assertEqual((s["status"], s["order_status"]), ("preparing", "preparing"))
        # ...and to accepted when nothing is started any more.
        h.assert_json(self.recall(beer), 200)
        h.assert_json(self.recall(steak), 200)
        self.assertEqual(get()["status"], "preparing")
        s = h.assert_json(self.recall(steak), 200)
        self.assertEqual((s["status"], s["order_status"]), ("queued", "accepted"))
        h.assert_error(self.recall(steak), 409, "INVALID_STATE_TRANSITION")
        self.assertEqual([e["status"] for e in self.kds()], ["queued", "queued"])

    def test_all_ready_from_placed(self):
        r = self.r
        o = r.order([line(self.bread)])
        item = o["items"][0]["id"]
        h.assert_json(self.bump(item), 200)
        s = h.assert_json(self.bump(item), 200)
        self.assertEqual(s["order_status"], "ready")
        # The order then goes on by hand; the display keeps it until completed.
        h.assert_json(r.status(o, "served"), 200)
        self.assertEqual(len(self.kds()), 1)
        h.assert_json(r.status(o, "completed"), 200)
        self.assertEqual(self.kds(), [])
        h.assert_error(self.bump(item), 409, "INVALID_STATE_TRANSITION")

    def test_roles_and_isolation(self):
        r = self.r
        o = r.order([line(self.bread)])
        item = o["items"][0]["id"]
        cook = staff_token(self.srv, r.token)
        spa = staff_token(self.srv, r.token, services=("spa",))
        self.assertEqual(len(self.kds(token=cook)), 1)
        h.assert_json(self.bump(item, token=cook), 200)
        h.assert_error(r.call("GET", "/kds", token=spa), 403, "FORBIDDEN")
        h.assert_error(self.bump(item, token=spa), 403, "FORBIDDEN")
        h.assert_error(self.srv.get(r.base + "/kds"), 401)
        t = self.other.token
        for method, path in (
            ("GET", r.base + "/kds"),
            ("GET", r.base + "/kds/stations"),
            ("POST", r.base + "/kds/items/%s/bump" % item),
            ("POST", r.base + "/kds/items/%s/recall" % item),
            ("POST", self.other.base + "/kds/items/%s/bump" % item),
        ):
            h.assert_error(self.srv.request(method, path, token=t), 404, "NOT_FOUND", what=path)
        self.assertEqual(self.kds()[0]["status"], "preparing")
        self.assertEqual(self.other.ok("GET", "/kds")["data"], [])
        h.assert_error(self.bump(str(uuid.uuid4())), 404, "NOT_FOUND")
        h.assert_error(self.bump("nope"), 404, "NOT_FOUND")


if __name__ == "__main__":
    h.run()
