"""
test_orders.py - /api/v1/properties/{pid}/orders, black-box: placing an
order (prices from the menu only, modifier bounds, 86'd items), tax
exclusive and inclusive with the documented per-line half-up rounding
(exact numbers), discounts, tips, adding and voiding items (manager rule),
the status machine (every pair), list filters, Idempotency-Key, room
service against the hotel's reservations, the day's sales summary, and
tenant isolation of every endpoint.

Not here: the kitchen display (test_kds), tables and QR ordering
(test_tables_qr), the menu itself (test_menu).
"""

import unittest
import uuid

import buffr_harness as h
from restaurant_fixtures import Restaurant, line, staff_token

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

STATUSES = ("placed", "accepted", "preparing", "ready", "served", "completed", "cancelled")
CHAIN = ("placed", "accepted", "preparing", "ready", "served", "completed")
ALLOWED = {
    ("placed", "accepted"),
    ("accepted", "preparing"),
    ("preparing", "ready"),
    ("ready", "served"),
    ("served", "completed"),
    ("placed", "cancelled"),
    ("accepted", "cancelled"),
    ("preparing", "cancelled"),
    ("ready", "cancelled"),
}


class Orders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.r = Restaurant(cls.srv, "orders")
        r = cls.r
        r.settings(tax_rate_bp=1500, tax_inclusive=False)
        cls.mains = r.category("Mains", position=1, station="grill")
        cls.drinks = r.category("Drinks", position=2, station="bar", tax_rate_bp=1000)
        cls.burger = r.item(cls.mains, 1000, "Burger")
        cls.salad = r.item(cls.mains, 333, "Side salad")
        cls.soda = r.item(cls.drinks, 250, "Soda")
        cls.gone = r.item(cls.mains, 900, "Sold out fish", available=False)
        cls.cheese = r.group(0, 1, [("Cheddar", 150), ("Blue", 200)], "Cheese")
        cls.sauces = r.group(1, 2, [("Ketchup", 0), ("Mayo", 0), ("BBQ", 50)], "Sauces")
        r.attach(cls.burger, cls.cheese)
        r.attach(cls.burger, cls.sauces)
        cls.ketchup, cls.mayo, cls.bbq = cls.sauces["options"]
        cls.cheddar, cls.blue = cls.cheese["options"]
        cls.staff = staff_token(cls.srv, r.token)
        cls.manager = staff_token(cls.srv, r.token, "service_manager")
        cls.spa_staff = staff_token(cls.srv, r.token, services=("spa",))
        cls.other = Restaurant(cls.srv, "orders-other")

    def burger_line(self, quantity=1, options=None):
        return line(self.burger, quantity, options if options is not None else [self.ketchup])

    # ---- placing

    def test_create_shape_and_menu_prices(self):
        r = self.r
        o = r.order([self.burger_line(2, [self.ketchup, self.cheddar])], table="12")
        for key in ("id", "status", "items", "subtotal", "tax", "total", "currency", "version"):
            self.assertIn(key, o)
        self.assertTrue(h.is_uuid(o["id"]))
        self.assertEqual(o["status"], "placed")
        self.assertEqual(o["currency"], "EUR")
        self.assertEqual(o["version"], 1)
        self.assertEqual(o["channel"], "dine_in")
        self.assertEqual(o["table"], "12")
        self.assertEqual(len(o["items"]), 1)
        it = o["items"][0]
        self.assertEqual(it["unit_price"], 1150)
        self.assertEqual(it["quantity"], 2)
        self.assertEqual(it["line_total"], 2300)
        self.assertEqual(it["status"], "queued")
        self.assertEqual(it["station"], "grill")
        self.assertEqual(sorted(x["name"] for x in it["options"]), ["Cheddar", "Ketchup"])
        self.assertEqual(o["subtotal"], 2300)
        self.assertEqual(o["tax"], 345)
        self.assertEqual(o["total"], 2645)
        got = r.ok("GET", "/orders/" + o["id"])
        self.assertEqual(got, o)

    def test_client_prices_are_ignored(self):
        body = {
            "channel": "takeaway",
            "items": [dict(self.burger_line(), price=1, unit_price=1, line_total=1)],
            "subtotal": 1,
            "tax": 0,
            "total": 1,
            "status": "completed",
            "id": str(uuid.uuid4()),
            "version": 99,
        }
        o = h.assert_json(self.r.call("POST", "/orders", body), 201)
        self.assertEqual(o["items"][0]["unit_price"], 1000)
        self.assertEqual(o["subtotal"], 1000)
        self.assertEqual(o["total"], 1150)
        self.assertEqual(o["status"], "placed")
        self.assertEqual(o["version"], 1)
        self.assertNotEqual(o["id"], body["id"])

    def test_price_change_does_not_touch_placed_orders(self):
        r = self.r
        item = r.item(self.mains, 700)
        o = r.order([line(item)], channel="takeaway")
        r.ok("PATCH", "/menu/items/" + item["id"], {"price": 900})
        self.assertEqual(r.ok("GET", "/orders/" + o["id"])["subtotal"], 700)
        o2 = r.order([line(item)], channel="takeaway")
        self.assertEqual(o2["subtotal"], 900)

    def test_modifier_bounds(self):
        r = self.r
        cases = [
            ([], "below min_select of Sauces"),
            ([self.ketchup, self.mayo, self.bbq], "above max_select of Sauces"),
            ([self.ketchup, self.cheddar, self.blue], "above max_select of Cheese"),
        ]
        for options, why in cases:
            resp = r.order_call([self.burger_line(1, options)])
            h.assert_error(resp, 400, "VALIDATION_ERROR", "items[0].options", why)
        ok = r.order([self.burger_line(1, [self.ketchup, self.bbq, self.blue])])
        self.assertEqual(ok["items"][0]["unit_price"], 1000 + 50 + 200)

    def test_options_must_belong_to_the_item(self):
        r = self.r
        # A group not attached to the salad, an option of nothing, a repeat.
        for lines, why in (
            ([line(self.salad, 1, [self.cheddar])], "other item's option"),
            ([line(self.burger, 1, [self.ketchup, str(uuid.uuid4())])], "unknown option"),
            ([line(self.burger, 1, [self.ketchup, self.ketchup])], "same option twice"),
            ([line(self.burger, 1, ["not-a-uuid"])], "malformed option"),
        ):
            h.assert_error(r.order_call(lines), 400, "VALIDATION_ERROR", "items[0].options", why)
        other_group = self.other.group(0, 1, [("Foreign", 1)])
        h.assert_error(
            r.order_call([line(self.burger, 1, [self.ketchup, other_group["options"][0]])]),
            400,
            "VALIDATION_ERROR",
            "items[0].options",
        )

    def test_unavailable_and_unknown_items(self):
        r = self.r
        h.assert_error(
            r.order_call([self.burger_line(), line(self.gone)]),
            400,
            "VALIDATION_ERROR",
            "items[1].menu_item_id",
        )
        h.assert_error(
            r.order_call([{"menu_item_id": str(uuid.uuid4()), "quantity": 1}]),
            400,
            "VALIDATION_ERROR",
            "items[0].menu_item_id",
        )
        foreign = self.other.item(self.other.category(), 100)
        h.assert_error(
            r.order_call([line(foreign)]), 400, "VALIDATION_ERROR", "items[0].menu_item_id"
        )
        # 86 an item, then bring it back.
        item = r.item(self.mains, 500)
        r.order([line(item)])
        r.ok("PATCH", "/menu/items/" + item["id"], {"available": False})
        h.assert_error(r.order_call([line(item)]), 400, "VALIDATION_ERROR", "items[0].menu_item_id")
        r.ok("PATCH", "/menu/items/" + item["id"], {"available": True})
        r.order([line(item)])

    def test_body_validation(self):
        r = self.r
        for body, field in (
            ({"items": [self.burger_line()]}, "channel"),
            ({"channel": "drive_in", "items": [self.burger_line()]}, "channel"),
            ({"channel": "dine_in", "items": []}, "items"),
            ({"channel": "dine_in"}, "items"),
            ({"channel": "dine_in", "items": [line(self.salad, 0)]}, "items[0].quantity"),
            ({"channel": "dine_in", "items": [line(self.salad, 1000)]}, "items[0].quantity"),
            ({"channel": "dine_in", "items": [{"quantity": 1}]}, "items[0].menu_item_id"),
            ({"channel": "qr", "items": [line(self.salad)]}, "table"),
            ({"channel": "qr", "table": "not a table here", "items": [line(self.salad)]}, "table"),
            ({"channel": "room_service", "items": [line(self.salad)]}, "reservation_id"),
        ):
            h.assert_error(r.call("POST", "/orders", body), 400, "VALIDATION_ERROR", field)

    def test_staff_keys_in_a_qr_order(self):
        # API.md lists "qr" among the channels: a waiter keys in the order of
        # a QR table (the guest's phone died); the table must be a real one.
        r = self.r
        t = r.table("QR " + uuid.uuid4().hex[:6])
        o = r.order([line(self.salad)], "qr", table=t["name"], token=self.staff)
        self.assertEqual((o["channel"], o["table_id"], o["table"]), ("qr", t["id"], t["name"]))
        self.assertEqual(r.ok("GET", "/orders/" + o["id"])["channel"], "qr")
        self.assertEqual(r.ok("GET", "/tables/" + t["id"])["status"], "occupied")
        by_id = r.order([line(self.salad)], "qr", table=t["id"])
        self.assertEqual(by_id["table_id"], t["id"])

    # ---- money

    def test_tax_exclusive_rates_and_rounding(self):
        r = self.r
        # Mains at the property's 15 %, drinks at their category's 10 %.
        o = r.order([line(self.salad, 1), line(self.soda, 3)])
        # 333 x 15 % = 49.95 -> 50; 750 x 10 % = 75.
        self.assertEqual(o["subtotal"], 333 + 750)
        self.assertEqual(o["tax"], 50 + 75)
        self.assertEqual(o["total"], 1083 + 125)
        self.assertEqual([i["tax_rate_bp"] for i in o["items"]], [1500, 1000])

    def test_tax_rounding_is_per_line(self):
        r = Restaurant(self.srv, "rounding")
        r.settings(tax_rate_bp=500)
        cat = r.category()
        ten = r.item(cat, 10)
        # Three lines of 10 at 5 %: 0.5 each -> 1 each; one line of 30 -> 1.5 -> 2.
        o = r.order([line(ten), line(ten), line(ten)])
        self.assertEqual((o["subtotal"], o["tax"], o["total"]), (30, 3, 33))
        o = r.order([line(ten, 3)])
        self.assertEqual((o["subtotal"], o["tax"], o["total"]), (30, 2, 32))

    def test_tax_inclusive(self):
        r = Restaurant(self.srv, "inclusive")
        r.settings(tax_rate_bp=1500, tax_inclusive=True)
        food = r.category()
        wine = r.category(tax_rate_bp=2000)
        steak = r.item(food, 1000)
        glass = r.item(wine, 100)
        o = r.order([line(steak), line(glass, 1)])
        # 1000 / 1.15 = 869.57 -> 870: tax 130; 100 / 1.2 = 83.33 -> 83: tax 17.
        self.assertTrue(o["tax_inclusive"])
        self.assertEqual((o["subtotal"], o["tax"], o["total"]), (1100, 147, 1100))
        # Changing the settings later does not change a placed order.
        r.settings(tax_inclusive=False)
        self.assertEqual(r.ok("GET", "/orders/" + o["id"])["total"], 1100)
        o2 = r.order([line(steak)])
        self.assertEqual((o2["tax"], o2["total"]), (150, 1150))

    def test_discounts_and_tip(self):
        r = self.r
        o = r.order([self.burger_line(2, [self.ketchup, self.cheddar])])
        path = "/orders/%s" % o["id"]
        d = r.ok("POST", path + "/discounts", {"percent": 10, "reason": "regular guest"})
        # 2300 - 230 = 2070; tax 310.5 -> 311.
        self.assertEqual((d["discount_total"], d["tax"], d["total"]), (230, 311, 2381))
        self.assertEqual(d["version"], 2)
        self.assertEqual(d["discounts"][0]["reason"], "regular guest")
        self.assertEqual(d["discounts"][0]["percent"], 10)
        d = r.ok("POST", path + "/discounts", {"amount": 70, "reason": "late"})
        self.assertEqual((d["discount_total"], d["tax"], d["total"]), (300, 300, 2300))
        t = r.ok("POST", path + "/tip", {"amount": 400})
        self.assertEqual((t["tip"], t["total"], t["version"]), (400, 2700, 4))
        t = r.ok("POST", path + "/tip", {"amount": 0})
        self.assertEqual(t["total"], 2300)
        # A discount never takes the order below zero.
        d = r.ok("POST", path + "/discounts", {"amount": 999999, "reason": "on the house"})
        self.assertEqual((d["discount_total"], d["tax"], d["total"]), (2300, 0, 0))
        for body, field in (
            ({"reason": "x"}, "amount"),
            ({"amount": 10, "percent": 5, "reason": "x"}, "amount"),
            ({"amount": 10}, "reason"),
            ({"percent": 101, "reason": "x"}, "percent"),
            ({"amount": 0, "reason": "x"}, "amount"),
        ):
            h.assert_error(r.call("POST", path + "/discounts", body), 400, "VALIDATION_ERROR", field)
        h.assert_error(r.call("POST", path + "/tip", {"amount": -1}), 400, "VALIDATION_ERROR", "amount")

    def test_staff_discount_limit(self):
        """Staff give discounts up to the property's limit (10 % unless set),
        all of an order's together; past it a manager must."""
        r = Restaurant(self.srv, "discount-limit")
        staff = staff_token(self.srv, r.token)
        manager = staff_token(self.srv, r.token, "service_manager")
        self.assertEqual(r.ok("GET", "/restaurant/settings")["staff_discount_limit_bp"], 1000)
        dish = r.item(r.category("Food"), 2000, "Dish")
        o = r.order([line(dish)])
        path = "/orders/%s/discounts" % o["id"]
        d = r.ok("POST", path, {"amount": 150, "reason": "slow service"}, token=staff)
        self.assertEqual(d["discount_total"], 150)
        d = r.ok("POST", path, {"amount": 50, "reason": "birthday"}, token=staff)  # 200 = 10 %
        self.assertEqual(d["discount_total"], 200)
        e = h.assert_error(r.call("POST", path, {"amount": 1, "reason": "one more"}, token=staff),
                           403, "FORBIDDEN")
        self.assertIn("above 10 % of the order need a manager", e["message"])
        got = r.ok("GET", "/orders/" + o["id"])
        self.assertEqual((got["discount_total"], len(got["discounts"]), got["version"]),
                         (200, 2, d["version"]))  # nothing of the refused one was kept
        d = r.ok("POST", path, {"percent": 50, "reason": "complaint"}, token=manager)
        self.assertEqual(d["discount_total"], 1200)
        # The owner sets the property's limit; staff then give up to it.
        up = r.ok("PATCH", "/restaurant/settings", {"staff_discount_limit_bp": 2550})
        self.assertEqual(up["staff_discount_limit_bp"], 2550)
        o2 = r.order([line(dish)])
        path2 = "/orders/%s/discounts" % o2["id"]
        r.ok("POST", path2, {"percent": 25, "reason": "regular"}, token=staff)
        e = h.assert_error(r.call("POST", path2, {"amount": 11, "reason": "x"}, token=staff),
                           403, "FORBIDDEN")
        self.assertIn("above 25.50 % of the order", e["message"])
        h.assert_error(r.call("PATCH", "/restaurant/settings", {"staff_discount_limit_bp": 10001}),
                       400, "VALIDATION_ERROR", "staff_discount_limit_bp")
        h.assert_error(r.call("PATCH", "/restaurant/settings", {"staff_discount_limit_bp": 0},
                              token=staff), 403, "FORBIDDEN")

    def test_every_discount_counts(self):
        # Each discount shown on the order is in its total, however many.
        r = self.r
        o = r.order([line(self.burger, 1, [self.ketchup])])
        path = "/orders/%s/discounts" % o["id"]
        for i in range(65):
            d = r.ok("POST", path, {"amount": 1, "reason": "round %d" % i})
        self.assertEqual(len(d["discounts"]), 65)
        self.assertEqual((d["subtotal"], d["discount_total"]), (1000, 65))
        # 935 at 15 %: 140.25 -> 140.
        self.assertEqual((d["tax"], d["total"]), (140, 1075))

    def test_add_and_void_items(self):
        r = self.r
        o = r.order([line(self.salad)], table="7")
        path = "/orders/%s" % o["id"]
        o2 = r.ok("POST", path + "/items", {"items": [line(self.soda, 2), line(self.salad)]})
        self.assertEqual(len(o2["items"]), 3)
        self.assertEqual(o2["subtotal"], 333 + 500 + 333)
        self.assertEqual(o2["tax"], 50 + 50 + 50)
        self.assertEqual(o2["version"], 2)
        h.assert_error(
            r.call("POST", path + "/items", {"items": [line(self.gone)]}),
            400,
            "VALIDATION_ERROR",
            "items[0].menu_item_id",
        )
        # Staff may void what the kitchen has not started.
        soda_line = o2["items"][1]["id"]
        v = r.ok("POST", "%s/items/%s/void" % (path, soda_line), token=self.staff)
        self.assertEqual(v["items"][1]["status"], "voided")
        self.assertEqual((v["subtotal"], v["tax"]), (666, 100))
        h.assert_error(
            r.call("POST", "%s/items/%s/void" % (path, soda_line)), 409, "INVALID_STATE_TRANSITION"
        )
        # Once started, a manager's call.
        salad_line = o2["items"][0]["id"]
        r.ok("POST", "/kds/items/%s/bump" % salad_line, token=self.staff)
        h.assert_error(
            r.call("POST", "%s/items/%s/void" % (path, salad_line), token=self.staff),
            403,
            "FORBIDDEN",
        )
        v = r.ok("POST", "%s/items/%s/void" % (path, salad_line), token=self.manager)
        self.assertEqual(v["subtotal"], 333)
        h.assert_error(
            r.call("POST", "%s/items/%s/void" % (path, str(uuid.uuid4()))), 404, "NOT_FOUND"
        )

    def test_closed_orders_do_not_change(self):
        r = self.r
        o = r.order([line(self.salad)])
        h.assert_json(r.status(o, "cancelled"), 200)
        path = "/orders/%s" % o["id"]
        for sub, body in (
            ("/items", {"items": [line(self.salad)]}),
            ("/discounts", {"amount": 1, "reason": "x"}),
            ("/tip", {"amount": 5}),
            ("/move", {"table": "9"}),
        ):
            h.assert_error(r.call("POST", path + sub, body), 409, "INVALID_STATE_TRANSITION", what=sub)

    # ---- status machine

    def order_at(self, status):
        r = self.r
        o = r.order([line(self.salad)])
        if status == "cancelled":
            h.assert_json(r.status(o, "cancelled"), 200)
            return o
        for step in CHAIN[1 : CHAIN.index(status) + 1]:
            h.assert_json(r.status(o, step), 200, "to " + step)
        return o

    def test_status_machine_every_pair(self):
        r = self.r
        for frm in STATUSES:
            for to in STATUSES:
                o = self.order_at(frm)
                resp = r.status(o, to)
                what = "%s -> %s" % (frm, to)
                if (frm, to) in ALLOWED:
                    body = h.assert_json(resp, 200, what)
                    self.assertEqual(body["status"], to, what)
                else:
                    h.assert_error(resp, 409, "INVALID_STATE_TRANSITION", what=what)
                    self.assertEqual(r.ok("GET", "/orders/" + o["id"])["status"], frm, what)

    def test_status_versions_and_if_match(self):
        r = self.r
        o = r.order([line(self.salad)])
        a = h.assert_json(r.status(o, "accepted"), 200)
        self.assertEqual(a["version"], 2)
        stale = r.call(
            "POST", "/orders/%s/status" % o["id"], {"status": "preparing"}, headers={"If-Match": "1"}
        )
        h.assert_error(stale, 409, "CONFLICT")
        fresh = r.call(
            "POST", "/orders/%s/status" % o["id"], {"status": "preparing"}, headers={"If-Match": "2"}
        )
        self.assertEqual(h.assert_json(fresh, 200)["version"], 3)
        h.assert_error(r.call("POST", "/orders/%s/status" % o["id"], {"status": "done"}), 400,
                       "VALIDATION_ERROR", "status")

    # ---- lists

    def test_list_filters_and_pages(self):
        r = Restaurant(self.srv, "lists")
        cat = r.category()
        dish = r.item(cat, 100)
        a = r.order([line(dish)], table="A1")
        b = r.order([line(dish)], table="B2")
        c = r.order([line(dish)], channel="takeaway")
        h.assert_json(r.status(b, "accepted"), 200)
        ids = lambda page: [o["id"] for o in page["data"]]  # noqa: E731
        self.assertEqual(ids(r.ok("GET", "/orders")), [a["id"], b["id"], c["id"]])
        self.assertEqual(ids(r.ok("GET", "/orders?status=placed")), [a["id"], c["id"]])
        self.assertEqual(ids(r.ok("GET", "/orders?table=B2")), [b["id"]])
        self.assertEqual(ids(r.ok("GET", "/orders?channel=takeaway")), [c["id"]])
        day = a["business_date"]
        self.assertEqual(len(r.ok("GET", "/orders?date=" + day)["data"]), 3)
        self.assertEqual(r.ok("GET", "/orders?date=2001-01-01")["data"], [])
        page = r.ok("GET", "/orders?limit=2")
        self.assertEqual(ids(page), [a["id"], b["id"]])
        self.assertEqual(len(page["data"][0]["items"]), 1)
        self.assertEqual(page["next_cursor"], b["id"])
        rest = r.ok("GET", "/orders?limit=2&cursor=" + page["next_cursor"])
        self.assertEqual((ids(rest), rest["next_cursor"]), ([c["id"]], None))
        all_items = h.list_all(self.srv, r.base + "/orders", r.token, limit=1)
        self.assertEqual([o["id"] for o in all_items], [a["id"], b["id"], c["id"]])
        for q, field in (("status=nope", "status"), ("channel=x", "channel"), ("date=2026-13-01", "date")):
            h.assert_error(r.call("GET", "/orders?" + q), 400, "VALIDATION_ERROR", field)

    # ---- idempotency

    def test_idempotency_key(self):
        r = Restaurant(self.srv, "idem")
        dish = r.item(r.category(), 400)
        key = {"Idempotency-Key": "order-" + uuid.uuid4().hex}
        first = h.assert_json(r.order_call([line(dish, 2)], headers=key), 201)
        again = h.assert_json(r.order_call([line(dish, 2)], headers=key), 201)
        self.assertEqual(again["id"], first["id"])
        self.assertEqual(len(r.ok("GET", "/orders")["data"]), 1)
        h.assert_error(r.order_call([line(dish, 3)], headers=key), 422, "IDEMPOTENCY_KEY_REUSED")
        self.assertEqual(len(r.ok("GET", "/orders")["data"]), 1)

    # ---- room service

    def test_room_service_needs_an_in_house_stay(self):
        r = self.r
        h.assert_error(
            r.order_call([line(self.salad)], "room_service", reservation_id=str(uuid.uuid4())),
            400,
            "VALIDATION_ERROR",
            "reservation_id",
        )
        h.assert_error(
            r.order_call([line(self.salad)], "room_service", reservation_id="nope"),
            400,
            "VALIDATION_ERROR",
            "reservation_id",
        )

    def test_any_order_charged_to_a_stay_needs_an_in_house_stay(self):
        r = self.r
        h.assert_error(
            r.order_call([line(self.salad)], "dine_in", reservation_id=str(uuid.uuid4())),
            400,
            "VALIDATION_ERROR",
            "reservation_id",
        )

    def test_room_service_for_a_checked_in_guest(self):
        doc = h.assert_json(self.srv.get("/api/v1/openapi.json"), 200)
        paths = doc.get("paths", {})
        if "/api/v1/properties/{pid}/reservations/{id}/check-in" not in paths and not any(
            p.endswith("/check-in") for p in paths
        ):
            self.skipTest("the reservations module is not in this build")
        r = Restaurant(self.srv, "roomservice", type="resort", timezone="UTC")
        dish = r.item(r.category(), 1200)
        rt = r.ok("POST", "/room-types", {"name": "Double", "code": "DBL", "capacity": 2,
                                          "base_rate": 10000}, 201)
        r.ok("POST", "/rooms", {"number": "101", "room_type_id": rt["id"]}, 201)
        import datetime

        today = datetime.datetime.now(datetime.timezone.utc).date()
        stay = r.ok(
            "POST",
            "/reservations",
            {
                "room_type_id": rt["id"],
                "check_in": today.isoformat(),
                "check_out": (today + datetime.timedelta(days=2)).isoformat(),
                "guests": 2,
                "guest": {"first_name": "Ada", "last_name": "L", "email": h.unique_email("g")},
            },
            201,
        )
        # Confirmed but not checked in: no room service yet.
        h.assert_error(
            r.order_call([line(dish)], "room_service", reservation_id=stay["id"]),
            400,
            "VALIDATION_ERROR",
            "reservation_id",
        )
        checkin = r.call("POST", "/reservations/%s/check-in" % stay["id"], {})
        if checkin.status != 200:
            self.skipTest("could not check the test stay in: %r" % checkin)
        o = r.order([line(dish)], "room_service", reservation_id=stay["id"])
        self.assertEqual((o["channel"], o["reservation_id"]), ("room_service", stay["id"]))
        # Another property's stay does not count.
        other_prop = h.create_property(self.srv, r.token, type="restaurant")
        cat = h.assert_json(self.srv.post("/api/v1/properties/%s/menu/categories" % other_prop["id"],
                                          {"name": "x"}, token=r.token), 201)
        item = h.assert_json(self.srv.post("/api/v1/properties/%s/menu/items" % other_prop["id"],
                                           {"category_id": cat["id"], "name": "y", "price": 1},
                                           token=r.token), 201)
        resp = self.srv.post("/api/v1/properties/%s/orders" % other_prop["id"],
                             {"channel": "room_service", "reservation_id": stay["id"],
                              "items": [line(item)]}, token=r.token)
        h.assert_error(resp, 400, "VALIDATION_ERROR", "reservation_id")

    # ---- sales summary

    def check_sales_inclusive(self):
        """Tax-inclusive prices, a percent discount and a voided line: each
        item's net and tax are its part of what was paid."""
        r = Restaurant(self.srv, "sales-incl")
        r.settings(tax_rate_bp=1500, tax_inclusive=True)
        food = r.category("Food")
        stew = r.item(food, 1150, "Stew")
        bread = r.item(food, 230, "Bread")
        o = r.order([line(stew, 2), line(bread), line(bread)])
        path = "/orders/" + o["id"]
        r.ok("POST", "%s/items/%s/void" % (path, o["items"][2]["id"]))
        r.ok("POST", path + "/discounts", {"percent": 10, "reason": "regulars"})
        for step in CHAIN[1:]:
            h.assert_json(r.status(o, step), 200)
        s = r.ok("GET", "/sales/summary")
        # 2300 + 230 = 2530; 10 % = 253 shared 230 / 23 (largest remainder).
        # Stew 2070 inclusive of 15 %: 2070 - round(2070 / 1.15) = 270;
        # bread 207: 207 - 180 = 27.
        self.assertEqual((s["gross"], s["discounts"], s["tax"], s["net"]),
                         (2530, 253, 297, 2530 - 253 - 297))
        self.assertEqual(
            [(x["name"], x["quantity"], x["gross"], x["discounts"], x["net"], x["tax"])
             for x in s["by_item"]],
            [("Stew", 2, 2300, 230, 1800, 270), ("Bread", 1, 230, 23, 180, 27)])

    def test_sales_summary(self):
        r = Restaurant(self.srv, "sales")
        r.settings(tax_rate_bp=1000)
        food = r.category("Food")
        drink = r.category("Drink", tax_rate_bp=2000)
        pasta = r.item(food, 1200, "Pasta")
        wine = r.item(drink, 800, "Wine")
        a = r.order([line(pasta, 2), line(wine)])  # 2400 + 800
        r.ok("POST", "/orders/%s/discounts" % a["id"], {"amount": 320, "reason": "promo"})
        r.ok("POST", "/orders/%s/tip" % a["id"], {"amount": 500})
        b = r.order([line(wine, 3)])  # 2400
        c = r.order([line(pasta)])  # cancelled: not counted
        d = r.order([line(pasta)])  # still open: not counted
        for o in (a, b):
            for step in CHAIN[1:]:
                h.assert_json(r.status(o, step), 200)
        h.assert_json(r.status(c, "cancelled"), 200)
        s = r.ok("GET", "/sales/summary?date=" + a["business_date"])
        # a: discount 320 shared 240 / 80 -> nets 2160 @10 % = 216, 720 @20 % = 144.
        # b: 2400 @20 % = 480.
        self.assertEqual(s["count"], 2)
        self.assertEqual(s["gross"], 3200 + 2400)
        self.assertEqual(s["discounts"], 320)
        self.assertEqual(s["tax"], 216 + 144 + 480)
        self.assertEqual(s["net"], 5600 - 320)
        self.assertEqual(s["tips"], 500)
        self.assertEqual(s["total"], 5280 + 840 + 500)
        self.assertEqual(s["currency"], "EUR")
        # By item, each line with its share of its order's discount and its
        # own tax: Pasta 2400 - 240 = 2160 net, 216 tax; Wine (a's 800 - 80,
        # and b's 2400) 3120 net, 144 + 480 tax. Best sellers first.
        self.assertEqual(
            [(x["name"], x["quantity"], x["gross"], x["discounts"], x["net"], x["tax"])
             for x in s["by_item"]],
            [("Wine", 4, 3200, 80, 3120, 624), ("Pasta", 2, 2400, 240, 2160, 216)])
        by_cat = {x["name"]: (x["quantity"], x["gross"], x["discounts"], x["net"], x["tax"])
                  for x in s["by_category"]}
        self.assertEqual(by_cat, {"Drink": (4, 3200, 80, 3120, 624),
                                  "Food": (2, 2400, 240, 2160, 216)})
        # The items add up to the day.
        self.assertEqual(sum(x["net"] for x in s["by_item"]), s["net"])
        self.assertEqual(sum(x["tax"] for x in s["by_item"]), s["tax"])
        self.assertEqual(sum(x["discounts"] for x in s["by_item"]), s["discounts"])
        self.assertIsNotNone(d)
        self.check_sales_inclusive()
        empty = r.ok("GET", "/sales/summary?date=2001-01-01")
        self.assertEqual((empty["count"], empty["gross"], empty["by_item"]), (0, 0, []))
        # No date: today's business day in the property's time zone, which
        # is the date the orders above were given.
        today = r.ok("GET", "/sales/summary")
        self.assertEqual(today, s)
        h.assert_error(r.call("GET", "/sales/summary?date=x"), 400, "VALIDATION_ERROR", "date")
        h.assert_error(r.call("GET", "/sales/summary?date=2026-01-01", token=self.staff), 403)

    # ---- who may

    def test_roles(self):
        r = self.r
        h.assert_json(r.order_call([line(self.salad)], token=self.staff), 201)
        h.assert_error(r.order_call([line(self.salad)], token=self.spa_staff), 403, "FORBIDDEN")
        h.assert_error(self.srv.post(r.base + "/orders", {"channel": "dine_in", "items": []}), 401)

    def test_tenant_isolation(self):
        r, other = self.r, self.other
        o = r.order([line(self.salad)])
        item_id = o["items"][0]["id"]
        t = other.token
        base = r.base + "/orders/" + o["id"]
        for method, path, body in (
            ("GET", base, None),
            ("POST", base + "/status", {"status": "accepted"}),
            ("POST", base + "/items", {"items": [line(self.salad)]}),
            ("POST", base + "/items/%s/void" % item_id, None),
            ("POST", base + "/discounts", {"amount": 1, "reason": "x"}),
            ("POST", base + "/tip", {"amount": 1}),
            ("POST", base + "/move", {"table": "1"}),
            ("POST", base + "/merge", {"order_id": o["id"]}),
            ("GET", r.base + "/orders", None),
            ("POST", r.base + "/orders", {"channel": "dine_in", "items": [line(self.salad)]}),
            ("GET", r.base + "/sales/summary?date=2026-01-01", None),
            # their property, our order
            ("GET", other.base + "/orders/" + o["id"], None),
            ("POST", other.base + "/orders/%s/status" % o["id"], {"status": "accepted"}),
        ):
            resp = self.srv.request(method, path, body=body, token=t)
            h.assert_error(resp, 404, "NOT_FOUND", what="%s %s" % (method, path))
        self.assertEqual(r.ok("GET", "/orders/" + o["id"])["status"], "placed")
        self.assertEqual(r.ok("GET", "/orders/" + o["id"])["version"], 1)
        h.assert_error(r.call("GET", "/orders/not-a-uuid"), 404, "NOT_FOUND")


if __name__ == "__main__":
    h.run()
