"""
test_tables_qr.py - floor areas, tables and QR ordering, black-box: table
CRUD and status, orders seating, moving and merging at tables, the QR
link as JSON, SVG and PNG, and what a table token can do: read the menu,
place a "qr" order for its own table, follow that table's orders, nothing
else (no other table's order, no staff endpoint, not after revocation,
not when forged). Tenant isolation of every endpoint.

Also: the guest's ordering page (/t/{token}) with its Content-Security-
Policy, the Idempotency-Key of guest orders, the public_url setting, and
that an order's effect on its table counts in the table's version.

Not here: order money and status rules (test_orders).
"""

import base64
import datetime
import hashlib
import re
import unittest
import uuid
import zoneinfo

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

    def test_waiters_read_qr_links_but_do_not_revoke(self):
        r = self.r
        t = r.table("W1")
        staff = staff_token(self.srv, r.token)
        link = h.assert_json(r.call("GET", "/tables/%s/qr" % t["id"], token=staff), 200)
        self.assertEqual(link, self.qr(t))
        svg = r.call("GET", "/tables/%s/qr.svg" % t["id"], token=staff)
        h.assert_status(svg, 200)
        self.assertIn(link["url"].encode(), svg.raw)
        png = r.call("GET", "/tables/%s/qr.png" % t["id"], token=staff)
        h.assert_status(png, 200)
        self.assertEqual(png.raw[:8], b"\x89PNG\r\n\x1a\n")
        h.assert_error(r.call("POST", "/tables/%s/qr/revoke" % t["id"], token=staff), 403,
                       "FORBIDDEN")
        self.assertEqual(self.qr(t)["token_version"], 1)
        spa = staff_token(self.srv, r.token, services=("spa",))
        for path in ("/qr", "/qr.svg", "/qr.png"):
            h.assert_error(r.call("GET", "/tables/%s%s" % (t["id"], path), token=spa), 403,
                           "FORBIDDEN", what=path)

    def test_orders_count_in_the_table_version(self):
        r = self.r
        t = r.table("V1")
        self.assertEqual(t["version"], 1)
        o = r.order([line(self.pizza)], table="V1")
        seated = r.ok("GET", "/tables/" + t["id"])
        self.assertEqual((seated["status"], seated["version"]), ("occupied", 2))
        # A waiter who read the table before the order cannot overwrite it.
        h.assert_error(r.call("PATCH", "/tables/" + t["id"], {"status": "free"},
                              headers={"If-Match": "1"}), 409, "CONFLICT")
        # A second order at an occupied table changes nothing on it.
        o2 = r.order([line(self.pizza)], table="V1")
        self.assertEqual(r.ok("GET", "/tables/" + t["id"])["version"], 2)
        h.assert_json(r.status(o2, "cancelled"), 200)  # another order is still open there
        self.assertEqual(r.ok("GET", "/tables/" + t["id"])["version"], 2)
        for step in ("accepted", "preparing", "ready", "served", "completed"):
            h.assert_json(r.status(o, step), 200)
        done = r.ok("GET", "/tables/" + t["id"])
        self.assertEqual((done["status"], done["version"]), ("needs_cleaning", 3))
        h.assert_error(r.call("PATCH", "/tables/" + t["id"], {"status": "free"},
                              headers={"If-Match": "2"}), 409, "CONFLICT")
        clean = r.ok("PATCH", "/tables/" + t["id"], {"status": "free"}, headers={"If-Match": "3"})
        self.assertEqual((clean["status"], clean["version"]), ("free", 4))
        # A guest's order and a move count too.
        tok = self.qr(t)["token"]
        g = h.assert_json(self.srv.post("/api/v1/qr/%s/orders" % tok, {"items": [line(self.pizza)]}),
                          201)
        self.assertEqual(r.ok("GET", "/tables/" + t["id"])["version"], 5)
        t2 = r.table("V2")
        r.ok("POST", "/orders/%s/move" % g["id"], {"table": "V2"})
        self.assertEqual(r.ok("GET", "/tables/" + t["id"])["version"], 6)
        self.assertEqual(r.ok("GET", "/tables/" + t2["id"])["version"], 2)

    def test_guest_orders_with_a_table_token(self):
        r = self.r
        t1, t2 = r.table("G1"), r.table("G2")
        tok1, tok2 = self.qr(t1)["token"], self.qr(t2)["token"]
        menu = h.assert_json(self.srv.get("/api/v1/qr/%s/menu" % tok1), 200)
        names = [i["name"] for c in menu["categories"] for i in c["items"]]
        self.assertEqual(names, ["Margherita"])  # 86'd items are hidden from guests
        self.assertEqual(menu["table_id"], t1["id"])
        self.assertEqual((menu["table"], menu["property_name"]), ("G1", r.prop["name"]))
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

    def test_guest_orders_only_from_menus_serving_now(self):
        """Menu hours are in the property's time: a guest at the table
        cannot order (nor see) what is not being served now; staff can."""
        zone = "Asia/Kathmandu"  # UTC+05:45: a wrong zone or offset shows
        r = Restaurant(self.srv, "hours", timezone=zone)
        now = datetime.datetime.now(zoneinfo.ZoneInfo(zone))
        minute = now.hour * 60 + now.minute

        def hhmm(m):
            m %= 1440
            return "%02d:%02d" % (m // 60, m % 60)

        # Two hours either side of now, and a range that starts in three
        # hours: each may cross midnight, whatever time the test runs.
        serving = r.ok("POST", "/menus", {"name": "Serving", "available_from": hhmm(minute - 120),
                                          "available_until": hhmm(minute + 120)}, 201)
        later = r.ok("POST", "/menus", {"name": "Later", "available_from": hhmm(minute + 180),
                                        "available_until": hhmm(minute + 300)}, 201)
        soup = r.item(r.category("Soups", menu_id=serving["id"]), 700, "Soup")
        eggs = r.item(r.category("Eggs", menu_id=later["id"]), 900, "Eggs")
        tea = r.item(r.category("Drinks"), 300, "Tea")  # no menu: always
        tok = self.qr(r.table("H1"), r)["token"]

        menu = h.assert_json(self.srv.get("/api/v1/qr/%s/menu" % tok), 200)
        self.assertEqual({m["name"]: m["open_now"] for m in menu["menus"]},
                         {"Serving": True, "Later": False})
        self.assertEqual(sorted(c["name"] for c in menu["categories"]), ["Drinks", "Soups"])
        staff_menu = r.ok("GET", "/menu")
        self.assertEqual(sorted(c["name"] for c in staff_menu["categories"]),
                         ["Drinks", "Eggs", "Soups"])
        self.assertEqual({m["name"]: m["open_now"] for m in staff_menu["menus"]},
                         {"Serving": True, "Later": False})

        url = "/api/v1/qr/%s/orders" % tok
        e = h.assert_error(self.srv.post(url, {"items": [line(tea), line(eggs)]}), 400,
                           "VALIDATION_ERROR", "items[1].menu_item_id")
        self.assertIn("Eggs is served %s to %s (Later menu)" % (later["available_from"],
                                                                later["available_until"]),
                      e["message"])
        h.assert_json(self.srv.post(url, {"items": [line(soup), line(tea)]}), 201)
        # Staff may take it all the same (a late breakfast the kitchen agreed to).
        r.order([line(eggs)], table="H1")
        # Hours that no longer exclude now let the guest order.
        r.ok("PATCH", "/menus/" + later["id"], {"available_from": hhmm(minute - 10),
                                                "available_until": hhmm(minute + 60)})
        h.assert_json(self.srv.post(url, {"items": [line(eggs)]}), 201)

    def test_guest_order_stays_at_the_token_table(self):
        # The token names its table by id: another table whose name happens
        # to be that id does not catch the guest's order.
        r = self.r
        t1 = r.table("Q1")
        decoy = r.table(t1["id"])
        tok = self.qr(t1)["token"]
        body = {"items": [line(self.pizza)]}
        o = h.assert_json(self.srv.post("/api/v1/qr/%s/orders" % tok, body), 201)
        self.assertEqual((o["table_id"], o["table"]), (t1["id"], "Q1"))
        self.assertEqual(self.table_state(t1), "occupied")
        self.assertEqual(self.table_state(decoy), "free")

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

    def test_guest_page(self):
        r = self.r
        t = r.table("P1")
        link = self.qr(t)
        path = "/t/" + link["token"]
        self.assertTrue(link["url"].endswith(path), link["url"])
        page = self.srv.get(path)
        h.assert_status(page, 200)
        self.assertEqual(page.headers["Content-Type"], "text/html; charset=utf-8")
        html, csp = page.raw, page.headers["Content-Security-Policy"]
        # The inline script and style run because of their hashes; nothing else may.
        for tag, directive in ((b"script", "script-src"), (b"style", "style-src")):
            bodies = re.findall(b"<" + tag + b">(.*?)</" + tag + b">", html, re.S)
            self.assertEqual(len(bodies), 1, tag)
            digest = base64.b64encode(hashlib.sha256(bodies[0]).digest()).decode()
            self.assertIn("%s 'sha256-%s';" % (directive, digest), csp)
        for part in ("default-src 'none'", "connect-src 'self'", "img-src 'self'",
                     "frame-ancestors 'none'"):
            self.assertIn(part, csp)
        self.assertNotIn("unsafe", csp)
        self.assertEqual(page.headers["Referrer-Policy"], "no-referrer")
        # Self-contained; talks to the guest API; menu text never parsed as HTML.
        self.assertNotIn(b"http://", html)
        self.assertNotIn(b"https://", html)
        self.assertIsNone(re.search(rb"<script[^>]*src|<link[^>]*stylesheet|@import", html))
        self.assertNotIn(b"innerHTML", html)
        self.assertIn(b"'/api/v1/qr/' + token", html)
        self.assertIn(b"Idempotency-Key", html)
        self.assertIn(b'name="viewport"', html)
        # Any token-shaped segment gets the page (whose API calls tell a
        # revoked or forged token); what cannot be a token is not found.
        r.ok("POST", "/tables/%s/qr/revoke" % t["id"])
        h.assert_status(self.srv.get(path), 200)
        h.assert_status(self.srv.get("/t/" + "A" * 60), 200)
        for bad in ("/t/", "/t/bad%21token", "/t/%20", "/t/" + "A" * 200, path + "/menu"):
            h.assert_error(self.srv.get(bad), 404, "NOT_FOUND", what=bad)

    def test_guest_order_idempotency_key(self):
        r = self.r
        t1, t2 = r.table("K1"), r.table("K2")
        url1 = "/api/v1/qr/%s/orders" % self.qr(t1)["token"]
        url2 = "/api/v1/qr/%s/orders" % self.qr(t2)["token"]
        key = {"Idempotency-Key": "guest-" + uuid.uuid4().hex}
        body = {"items": [line(self.pizza, 2)]}
        first = self.srv.post(url1, body, headers=key)
        o = h.assert_json(first, 201)
        self.assertIsNone(first.headers.get("Idempotent-Replayed"))
        again = self.srv.post(url1, body, headers=key)
        self.assertEqual(h.assert_json(again, 201), o)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual([x["id"] for x in r.ok("GET", "/orders?table=K1")["data"]], [o["id"]])
        h.assert_error(self.srv.post(url1, {"items": [line(self.pizza, 3)]}, headers=key), 422,
                       "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key")
        self.assertEqual(len(r.ok("GET", "/orders?table=K1")["data"]), 1)
        # The same key at another table, or from staff, is another key.
        other = h.assert_json(self.srv.post(url2, body, headers=key), 201)
        self.assertNotEqual(other["id"], o["id"])
        staff = h.assert_json(r.order_call([line(self.pizza)], headers=key), 201)
        self.assertNotIn(staff["id"], (o["id"], other["id"]))
        # A refusal is kept with its key like an order.
        refused_key = {"Idempotency-Key": "guest-" + uuid.uuid4().hex}
        refused = {"items": [line(self.gone)]}
        for replayed in (None, "true"):
            resp = self.srv.post(url1, refused, headers=refused_key)
            h.assert_error(resp, 400, "VALIDATION_ERROR", "items[0].menu_item_id")
            self.assertEqual(resp.headers.get("Idempotent-Replayed"), replayed)
        h.assert_error(self.srv.post(url1, body, headers={"Idempotency-Key": "x" * 256}), 400,
                       "VALIDATION_ERROR", "Idempotency-Key")
        # Without a key, each request is an order.
        h.assert_json(self.srv.post(url1, body), 201)
        h.assert_json(self.srv.post(url1, body), 201)
        self.assertEqual(len(r.ok("GET", "/orders?table=K1")["data"]), 3)

    def test_public_url(self):
        with h.Server(["--public-url", "https://guests.example.com/"]) as srv:
            r = Restaurant(srv, "public-url")
            t = r.table("U1")
            link = r.ok("GET", "/tables/%s/qr" % t["id"])
            self.assertEqual(link["url"], "https://guests.example.com/t/" + link["token"])
            # A property's own base still comes first.
            r.settings(qr_base_url="https://menu.example.com/t")
            link = r.ok("GET", "/tables/%s/qr" % t["id"])
            self.assertEqual(link["url"], "https://menu.example.com/t/" + link["token"])
        proc = h.run_cli(["serve", "--listen", "127.0.0.1:0", "--public-url", "ftp://example.com"],
                         timeout=20)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("public_url must start with http:// or https://", proc.stderr + proc.stdout)

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
