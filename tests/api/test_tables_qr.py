"""
test_tables_qr.py - floor areas, tables and QR ordering, black-box: table
CRUD and status, orders seating, moving and merging at tables, the QR
link as JSON, SVG and PNG, and what a table token can do: read the menu,
place a "qr" order for its own table, follow that table's orders, nothing
else (no other table's order, no staff endpoint, not after revocation,
not when forged). Tenant isolation of every endpoint.

Not here: order money and status rules (test_orders).
"""

import unittest
import uuid

import buffr_harness as h
from restaurant_fixtures import Restaurant, line, staff_token

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule


class Tables(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.other = Restaurant(cls.srv, "tables-other")

    def setUp(self):
        r = self.r = Restaurant(self.srv, "tables")
        r.settings(tax_rate_bp=1000)
        self.cat = r.category("Pizza", station="oven")
        self.pizza = r.item(self.cat, 1100, "Margherita")
        self.gone = r.item(self.cat, 1300, "Truffle", available=False)

    def table_state(self, table):
        return self.r.ok("GET", "/tables/" + table["id"])["status"]

    def test_areas_and_tables(self):
        r = self.r
        terrace = r.ok("POST", "/floor-areas", {"name": "Terrace", "position": 2}, 201)
        inside = r.ok("POST", "/floor-areas", {"name": "Inside", "position": 1}, 201)
        self.assertEqual([a["name"] for a in r.ok("GET", "/floor-areas")["data"]],
                         ["Inside", "Terrace"])
        t1 = r.table("T1", 4, area_id=terrace["id"])
        self.assertEqual((t1["name"], t1["seats"], t1["status"], t1["area_id"], t1["version"]),
                         ("T1", 4, "free", terrace["id"], 1))
        r.table("T2", 2, area_id=inside["id"])
        h.assert_error(r.call("POST", "/tables", {"name": "T1", "seats": 2}), 409, "CONFLICT")
        for body, field in (({"name": "x", "seats": 0}, "seats"), ({"seats": 2}, "name"),
                            ({"name": "x", "seats": 2, "area_id": str(uuid.uuid4())}, "area_id"),
                            ({"name": "x", "seats": 2, "status": "broken"}, "status")):
            h.assert_error(r.call("POST", "/tables", body), 400, "VALIDATION_ERROR", field)
        up = r.ok("PATCH", "/tables/" + t1["id"], {"seats": 6, "status": "needs_cleaning"})
        self.assertEqual((up["seats"], up["status"], up["version"]), (6, "needs_cleaning", 2))
        h.assert_error(r.call("PATCH", "/tables/" + t1["id"], {"seats": 5}, headers={"If-Match": "1"}),
                       409, "CONFLICT")
        self.assertEqual([t["name"] for t in r.ok("GET", "/tables?status=needs_cleaning")["data"]],
                         ["T1"])
        self.assertEqual(len(r.ok("GET", "/tables")["data"]), 2)
        h.assert_error(r.call("DELETE", "/floor-areas/" + terrace["id"]), 409, "CONFLICT")
        h.assert_status(r.call("DELETE", "/tables/" + t1["id"]), 204)
        h.assert_status(r.call("DELETE", "/floor-areas/" + terrace["id"]), 204)
        h.assert_error(r.call("GET", "/tables/" + t1["id"]), 404, "NOT_FOUND")

    def test_seat_move_and_merge(self):
        r = self.r
        t1, t2 = r.table("A1"), r.table("A2")
        a = r.order([line(self.pizza)], table="A1")
        self.assertEqual((a["table"], a["table_id"]), ("A1", t1["id"]))
        self.assertEqual(self.table_state(t1), "occupied")
        moved = r.ok("POST", "/orders/%s/move" % a["id"], {"table": t2["id"]})
        self.assertEqual((moved["table"], moved["table_id"], moved["version"]), ("A2", t2["id"], 2))
        self.assertEqual((self.table_state(t1), self.table_state(t2)), ("needs_cleaning", "occupied"))
        # A table that is not on the floor plan stays a free label.
        free = r.order([line(self.pizza)], table="bar stool 3")
        self.assertEqual((free["table"], free["table_id"]), ("bar stool 3", None))
        self.assertEqual([o["id"] for o in r.ok("GET", "/orders?table=A2")["data"]], [a["id"]])
        # Merge the joined table's order into a's.
        r.ok("PATCH", "/tables/" + t1["id"], {"status": "free"})
        b = r.order([line(self.pizza, 2)], table="A1")
        r.ok("POST", "/orders/%s/tip" % b["id"], {"amount": 100})
        merged = r.ok("POST", "/orders/%s/merge" % a["id"], {"order_id": b["id"]})
        self.assertEqual(len(merged["items"]), 2)
        self.assertEqual((merged["subtotal"], merged["tax"], merged["tip"]), (3300, 330, 100))
        self.assertEqual(merged["total"], 3300 + 330 + 100)
        gone = r.ok("GET", "/orders/" + b["id"])
        self.assertEqual((gone["status"], gone["merged_into"], gone["total"]),
                         ("cancelled", a["id"], 0))
        self.assertEqual(gone["items"], [])
        self.assertEqual(self.table_state(t1), "needs_cleaning")
        h.assert_error(r.call("POST", "/orders/%s/merge" % a["id"], {"order_id": b["id"]}), 409,
                       "INVALID_STATE_TRANSITION")
        h.assert_error(r.call("POST", "/orders/%s/merge" % a["id"], {"order_id": a["id"]}), 400,
                       "VALIDATION_ERROR", "order_id")
        # Completing the last order leaves the table to be cleaned.
        for step in ("accepted", "preparing", "ready", "served", "completed"):
            h.assert_json(r.status(a, step), 200)
        self.assertEqual(self.table_state(t2), "needs_cleaning")

    def qr(self, table, r=None):
        return (r or self.r).ok("GET", "/tables/%s/qr" % table["id"])

    def test_qr_link_and_images(self):
        r = self.r
        t = r.table("Q1")
        link = self.qr(t)
        self.assertEqual(link["token_version"], 1)
        self.assertTrue(link["url"].endswith("/t/" + link["token"]), link["url"])
        self.assertTrue(link["url"].startswith("http://"), link["url"])
        svg = r.call("GET", "/tables/%s/qr.svg" % t["id"])
        h.assert_status(svg, 200)
        self.assertEqual(svg.headers["Content-Type"], "image/svg+xml")
        self.assertIn(b"<svg", svg.raw)
        self.assertIn(link["url"].encode(), svg.raw)
        png = r.call("GET", "/tables/%s/qr.png" % t["id"])
        h.assert_status(png, 200)
        self.assertEqual(png.headers["Content-Type"], "image/png")
        self.assertEqual(png.raw[:8], b"\x89PNG\r\n\x1a\n")
        r.settings(qr_base_url="https://menu.example.com/t")
        self.assertEqual(self.qr(t)["url"], "https://menu.example.com/t/" + link["token"])
        staff = staff_token(self.srv, r.token)
        h.assert_error(r.call("GET", "/tables/%s/qr" % t["id"], token=staff), 403, "FORBIDDEN")

    def test_guest_orders_with_a_table_token(self):
        r = self.r
        t1, t2 = r.table("G1"), r.table("G2")
        tok1, tok2 = self.qr(t1)["token"], self.qr(t2)["token"]
        menu = h.assert_json(self.srv.get("/api/v1/qr/%s/menu" % tok1), 200)
        names = [i["name"] for c in menu["categories"] for i in c["items"]]
        self.assertEqual(names, ["Margherita"])  # 86'd items are hidden from guests
        self.assertEqual(menu["table_id"], t1["id"])
        body = {"channel": "dine_in", "table": "G2", "items": [dict(line(self.pizza, 2), price=1)],
                "total": 1}
        o = h.assert_json(self.srv.post("/api/v1/qr/%s/orders" % tok1, body), 201)
        self.assertEqual((o["channel"], o["table"], o["table_id"]), ("qr", "G1", t1["id"]))
        self.assertEqual((o["subtotal"], o["tax"], o["total"]), (2200, 220, 2420))
        self.assertEqual(self.table_state(t1), "occupied")
        got = h.assert_json(self.srv.get("/api/v1/qr/%s/orders/%s" % (tok1, o["id"])), 200)
        self.assertEqual(got["id"], o["id"])
        # Staff see it like any other order.
        self.assertEqual(r.ok("GET", "/orders?channel=qr")["data"][0]["id"], o["id"])
        # Another table's token cannot read it, nor a staff order of another table.
        h.assert_error(self.srv.get("/api/v1/qr/%s/orders/%s" % (tok2, o["id"])), 404, "NOT_FOUND")
        staff_order = r.order([line(self.pizza)], table="G2")
        h.assert_json(self.srv.get("/api/v1/qr/%s/orders/%s" % (tok2, staff_order["id"])), 200)
        h.assert_error(self.srv.get("/api/v1/qr/%s/orders/%s" % (tok1, staff_order["id"])), 404)
        # Guests get the same validation as staff.
        h.assert_error(self.srv.post("/api/v1/qr/%s/orders" % tok1, {"items": [line(self.gone)]}),
                       400, "VALIDATION_ERROR", "items[0].menu_item_id")
        h.assert_error(self.srv.post("/api/v1/qr/%s/orders" % tok1, {"items": []}), 400,
                       "VALIDATION_ERROR", "items")

    def test_token_is_not_a_staff_credential(self):
        r = self.r
        t = r.table("S1")
        tok = self.qr(t)["token"]
        o = r.order([line(self.pizza)], table="S1")
        for method, path, body in (
            ("GET", r.base + "/orders/" + o["id"], None),
            ("GET", r.base + "/orders", None),
            ("GET", r.base + "/menu", None),
            ("GET", r.base + "/kds", None),
            ("POST", r.base + "/orders", {"channel": "dine_in", "items": [line(self.pizza)]}),
            ("GET", r.base + "/tables/%s/qr" % t["id"], None),
            ("GET", "/api/v1/me", None),
        ):
            resp = self.srv.request(method, path, body=body, token=tok)
            h.assert_error(resp, 401, "UNAUTHENTICATED", what=path)
        # Nor is a staff JWT a table token.
        h.assert_error(self.srv.get("/api/v1/qr/%s/menu" % r.token), (401, 404))

    def test_revoked_and_forged_tokens(self):
        r = self.r
        t = r.table("R1")
        old = self.qr(t)["token"]
        o = h.assert_json(self.srv.post("/api/v1/qr/%s/orders" % old, {"items": [line(self.pizza)]}),
                          201)
        new = r.ok("POST", "/tables/%s/qr/revoke" % t["id"])
        self.assertEqual(new["token_version"], 2)
        self.assertNotEqual(new["token"], old)
        for method, path, body in (
            ("GET", "/api/v1/qr/%s/menu" % old, None),
            ("POST", "/api/v1/qr/%s/orders" % old, {"items": [line(self.pizza)]}),
            ("GET", "/api/v1/qr/%s/orders/%s" % (old, o["id"]), None),
        ):
            h.assert_error(self.srv.request(method, path, body=body), (401, 404), what=path)
        h.assert_json(self.srv.get("/api/v1/qr/%s/orders/%s" % (new["token"], o["id"])), 200)
        tok = new["token"]
        flipped = tok[:-3] + ("A" if tok[-3] != "A" else "B") + tok[-2:]
        for bad in (flipped, tok[:-1], "garbage", "A" * 92, tok + "AA"):
            h.assert_error(self.srv.get("/api/v1/qr/%s/menu" % bad), 401, "UNAUTHENTICATED",
                           what=bad)
        # A token minted for another tenant's table with our key is theirs only.
        other_t = self.other.table()
        other_tok = self.qr(other_t, self.other)["token"]
        other_menu = h.assert_json(self.srv.get("/api/v1/qr/%s/menu" % other_tok), 200)
        self.assertEqual(other_menu["categories"], [])
        h.assert_error(self.srv.get("/api/v1/qr/%s/orders/%s" % (other_tok, o["id"])), 404)
        # Deleting the table kills its tokens too.
        t3 = r.table("R3")
        tok3 = self.qr(t3)["token"]
        h.assert_status(r.call("DELETE", "/tables/" + t3["id"]), 204)
        h.assert_error(self.srv.get("/api/v1/qr/%s/menu" % tok3), 401)

    def test_tenant_isolation(self):
        r = self.r
        t = r.table("I1")
        area = r.ok("POST", "/floor-areas", {"name": "Patio"}, 201)
        o = r.order([line(self.pizza)], table="I1")
        tok = self.other.token
        b = r.base
        for method, path, body in (
            ("POST", b + "/floor-areas", {"name": "x"}),
            ("GET", b + "/floor-areas", None),
            ("DELETE", b + "/floor-areas/" + area["id"], None),
            ("POST", b + "/tables", {"name": "x", "seats": 2}),
            ("GET", b + "/tables", None),
            ("GET", b + "/tables/" + t["id"], None),
            ("PATCH", b + "/tables/" + t["id"], {"status": "free"}),
            ("DELETE", b + "/tables/" + t["id"], None),
            ("GET", b + "/tables/%s/qr" % t["id"], None),
            ("GET", b + "/tables/%s/qr.svg" % t["id"], None),
            ("GET", b + "/tables/%s/qr.png" % t["id"], None),
            ("POST", b + "/tables/%s/qr/revoke" % t["id"], None),
            ("GET", self.other.base + "/tables/" + t["id"], None),
            ("POST", self.other.base + "/orders/%s/move" % o["id"], {"table": "x"}),
        ):
            resp = self.srv.request(method, path, body=body, token=tok)
            h.assert_error(resp, 404, "NOT_FOUND", what="%s %s" % (method, path))
        self.assertEqual(r.ok("GET", "/tables/" + t["id"])["token_version"], 1)
        self.assertEqual(self.table_state(t), "occupied")


if __name__ == "__main__":
    h.run()
