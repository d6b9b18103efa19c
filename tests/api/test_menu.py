"""
test_menu.py - the menu, black-box: categories, items and modifier groups
with every field, the whole menu in one answer (and in a constant number
of database statements, whatever its size), menus with hours, the
availability switch, PATCH with If-Match and versions, deletes, the tax
settings, item images (type, magic bytes, size), roles and tenant
isolation of every endpoint.

Not here: ordering from the menu (test_orders).
"""

import re
import struct
import unittest
import uuid
import zlib

import buffr_harness as h
from restaurant_fixtures import Restaurant, staff_token

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule


def tiny_png():
    """A valid 1x1 PNG."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def statements(srv):
    text = srv.get("/metrics").body
    m = re.search(r"^buffr_db_statements_total (\d+)", text, re.M)
    return int(m.group(1))


class Menu(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.other = Restaurant(cls.srv, "menu-other")

    def setUp(self):
        self.r = Restaurant(self.srv, "menu")

    def test_whole_menu_nested(self):
        r = self.r
        desserts = r.category("Desserts", position=3)
        mains = r.category("Mains", position=1, station="grill")
        burger = r.item(mains, 1450, "Burger", description="Beef, brioche",
                        allergens=["gluten", "milk"], dietary=["halal"])
        tart = r.item(desserts, 700, "Tart", available=False)
        veg = r.item(mains, 1200, "Veggie", dietary=["vegan"], position=2)
        sauces = r.group(1, 2, [("Ketchup", 0), ("Aioli", 80)], "Sauces")
        cheese = r.group(0, 1, [("Cheddar", 150)], "Cheese")
        with_groups = r.attach(burger, sauces)
        self.assertEqual([g["name"] for g in with_groups["modifier_groups"]], ["Sauces"])
        r.attach(burger, cheese)
        r.attach(burger, cheese)  # twice is once
        menu = r.ok("GET", "/menu")
        self.assertEqual(menu["currency"], "EUR")
        self.assertEqual([c["name"] for c in menu["categories"]], ["Mains", "Desserts"])
        m = menu["categories"][0]
        self.assertEqual(m["station"], "grill")
        self.assertEqual([i["name"] for i in m["items"]], ["Burger", "Veggie"])
        b = m["items"][0]
        self.assertEqual(b["price"], 1450)
        self.assertEqual(b["description"], "Beef, brioche")
        self.assertEqual(b["allergens"], ["gluten", "milk"])
        self.assertEqual(b["dietary"], ["halal"])
        self.assertTrue(b["available"])
        self.assertEqual([g["name"] for g in b["modifier_groups"]], ["Sauces", "Cheese"])
        s = b["modifier_groups"][0]
        self.assertEqual((s["min_select"], s["max_select"]), (1, 2))
        self.assertEqual([(o["name"], o["price_delta"]) for o in s["options"]],
                         [("Ketchup", 0), ("Aioli", 80)])
        self.assertTrue(all(h.is_uuid(o["id"]) for o in s["options"]))
        self.assertEqual(m["items"][1]["modifier_groups"], [])
        self.assertEqual(m["items"][1]["id"], veg["id"])
        d = menu["categories"][1]["items"][0]
        self.assertEqual((d["id"], d["available"]), (tart["id"], False))
        # Detach a group.
        resp = r.call("DELETE", "/menu/items/%s/modifier-groups/%s" % (burger["id"], cheese["id"]))
        h.assert_status(resp, 204)
        menu = r.ok("GET", "/menu")
        self.assertEqual(len(menu["categories"][0]["items"][0]["modifier_groups"]), 1)

    def test_menu_costs_constant_queries(self):
        r = self.r
        cat = r.category()
        g = r.group(0, 1, [("x", 1)])
        r.attach(r.item(cat, 100), g)
        r.ok("GET", "/menu")
        before = statements(self.srv)
        r.ok("GET", "/menu")
        small = statements(self.srv) - before
        for n in range(15):
            c = r.category()
            it = r.item(c, 100 + n)
            r.attach(it, g)
        before = statements(self.srv)
        menu = r.ok("GET", "/menu")
        big = statements(self.srv) - before
        self.assertEqual(sum(len(c["items"]) for c in menu["categories"]), 16)
        self.assertEqual(big, small, "GET /menu must not run a query per item")
        self.assertLessEqual(big, 12)

    def test_menus_with_hours(self):
        r = self.r
        breakfast = r.ok("POST", "/menus", {"name": "Breakfast", "available_from": "07:00",
                                            "available_until": "10:30"}, 201)
        dinner = r.ok("POST", "/menus", {"name": "Dinner", "available_from": "18:00",
                                         "available_until": "23:00", "position": 2}, 201)
        self.assertEqual((breakfast["available_from"], breakfast["available_until"]),
                         ("07:00", "10:30"))
        eggs = r.category("Eggs", menu_id=breakfast["id"])
        steaks = r.category("Steaks", menu_id=dinner["id"])
        r.item(eggs, 800)
        r.item(steaks, 2600)
        names = [m["name"] for m in r.ok("GET", "/menus")["data"]]
        self.assertEqual(names, ["Breakfast", "Dinner"])
        only = r.ok("GET", "/menu?menu_id=" + breakfast["id"])
        self.assertEqual([c["name"] for c in only["categories"]], ["Eggs"])
        self.assertEqual(len(r.ok("GET", "/menu")["categories"]), 2)
        for body, field in (
            ({"name": "x", "available_from": "25:00", "available_until": "10:00"}, "available_from"),
            ({"name": "x", "available_from": "07:00"}, "available_until"),
            ({"name": ""}, "name"),
        ):
            h.assert_error(r.call("POST", "/menus", body), 400, "VALIDATION_ERROR", field)
        h.assert_error(r.call("POST", "/menu/categories", {"name": "x", "menu_id": str(uuid.uuid4())}),
                       400, "VALIDATION_ERROR", "menu_id")
        up = r.ok("PATCH", "/menus/" + dinner["id"], {"available_until": "23:30"})
        self.assertEqual((up["available_until"], up["version"]), ("23:30", 2))
        h.assert_error(r.call("DELETE", "/menus/" + dinner["id"]), 409, "CONFLICT")
        h.assert_error(r.call("GET", "/menu?menu_id=bad"), 400, "VALIDATION_ERROR", "menu_id")

    def test_validation(self):
        r = self.r
        cat = r.category()
        for body, field in (
            ({"category_id": cat["id"], "name": "x"}, "price"),
            ({"category_id": cat["id"], "name": "x", "price": -1}, "price"),
            ({"category_id": cat["id"], "name": "x", "price": 1.5}, "price"),
            ({"category_id": cat["id"], "price": 1}, "name"),
            ({"name": "x", "price": 1}, "category_id"),
            ({"category_id": str(uuid.uuid4()), "name": "x", "price": 1}, "category_id"),
            ({"category_id": cat["id"], "name": "x", "price": 1, "allergens": "nuts"}, "allergens"),
            ({"category_id": cat["id"], "name": "x", "price": 1, "available": "yes"}, "available"),
        ):
            h.assert_error(r.call("POST", "/menu/items", body), 400, "VALIDATION_ERROR", field)
        foreign = self.other.category()
        h.assert_error(
            r.call("POST", "/menu/items", {"category_id": foreign["id"], "name": "x", "price": 1}),
            400, "VALIDATION_ERROR", "category_id")
        for body, field in (
            ({"name": "g", "min_select": 2, "max_select": 1, "options": [{"name": "a"}]}, "max_select"),
            ({"name": "g", "min_select": 0, "max_select": 1, "options": []}, "options"),
            ({"name": "g", "min_select": 2, "max_select": 2, "options": [{"name": "a"}]}, "options"),
            ({"name": "g", "min_select": 0, "max_select": 1}, "options"),
            ({"name": "g", "min_select": 0, "max_select": 1, "options": [{"price_delta": 1}]},
             "options[0].name"),
        ):
            h.assert_error(r.call("POST", "/menu/modifier-groups", body), 400, "VALIDATION_ERROR",
                           field)
        h.assert_error(r.call("POST", "/menu/categories", {"name": "x", "station": "Grill!"}), 400,
                       "VALIDATION_ERROR", "station")
        h.assert_error(r.call("POST", "/menu/categories", {"name": "x", "tax_rate_bp": 10001}), 400,
                       "VALIDATION_ERROR", "tax_rate_bp")
        item = r.item(cat, 100)
        h.assert_error(r.call("POST", "/menu/items/%s/modifier-groups" % item["id"],
                              {"group_id": str(uuid.uuid4())}), 400, "VALIDATION_ERROR", "group_id")

    def test_patch_availability_versions_and_delete(self):
        r = self.r
        cat = r.category("Fish", position=1)
        item = r.item(cat, 1800, "Sole")
        self.assertEqual(item["version"], 1)
        off = r.ok("PATCH", "/menu/items/" + item["id"], {"available": False})
        self.assertEqual((off["available"], off["version"], off["price"]), (False, 2, 1800))
        self.assertFalse(r.ok("GET", "/menu/items/" + item["id"])["available"])
        stale = r.call("PATCH", "/menu/items/" + item["id"], {"price": 1}, headers={"If-Match": "1"})
        h.assert_error(stale, 409, "CONFLICT")
        good = r.ok("PATCH", "/menu/items/" + item["id"], {"price": 1900, "description": "grilled"},
                    headers={"If-Match": "2"})
        self.assertEqual((good["price"], good["description"], good["version"]), (1900, "grilled", 3))
        cleared = r.ok("PATCH", "/menu/items/" + item["id"], {"description": None})
        self.assertIsNone(cleared["description"])
        c2 = r.ok("PATCH", "/menu/categories/" + cat["id"], {"name": "Seafood", "station": "cold",
                                                              "tax_rate_bp": 550})
        self.assertEqual((c2["name"], c2["station"], c2["tax_rate_bp"], c2["version"]),
                         ("Seafood", "cold", 550, 2))
        c3 = r.ok("PATCH", "/menu/categories/" + cat["id"], {"tax_rate_bp": None})
        self.assertIsNone(c3["tax_rate_bp"])
        h.assert_error(r.call("DELETE", "/menu/categories/" + cat["id"]), 409, "CONFLICT")
        h.assert_status(r.call("DELETE", "/menu/items/" + item["id"]), 204)
        h.assert_error(r.call("GET", "/menu/items/" + item["id"]), 404, "NOT_FOUND")
        h.assert_error(r.call("DELETE", "/menu/items/" + item["id"]), 404, "NOT_FOUND")
        h.assert_status(r.call("DELETE", "/menu/categories/" + cat["id"]), 204)
        g = r.group(0, 1, [("a", 1)])
        self.assertEqual(len(r.ok("GET", "/menu/modifier-groups")["data"]), 1)
        h.assert_status(r.call("DELETE", "/menu/modifier-groups/" + g["id"]), 204)
        self.assertEqual(r.ok("GET", "/menu/modifier-groups")["data"], [])

    def test_settings(self):
        r = self.r
        s = r.ok("GET", "/restaurant/settings")
        self.assertEqual((s["tax_rate_bp"], s["tax_inclusive"], s["qr_base_url"]), (0, False, None))
        s = r.settings(tax_rate_bp=2000, tax_inclusive=True, qr_base_url="https://order.example/t/")
        self.assertEqual((s["tax_rate_bp"], s["tax_inclusive"]), (2000, True))
        self.assertEqual(s["qr_base_url"], "https://order.example/t/")
        menu = r.ok("GET", "/menu")
        self.assertEqual((menu["tax_rate_bp"], menu["tax_inclusive"]), (2000, True))
        for body, field in (({"tax_rate_bp": -1}, "tax_rate_bp"), ({"tax_rate_bp": 10001}, "tax_rate_bp"),
                            ({"tax_inclusive": 1}, "tax_inclusive"),
                            ({"qr_base_url": "ftp://x.example/"}, "qr_base_url")):
            h.assert_error(r.call("PATCH", "/restaurant/settings", body), 400, "VALIDATION_ERROR",
                           field)

    def test_images(self):
        r = self.r
        item = r.item(r.category(), 500)
        path = "/menu/items/%s/image" % item["id"]
        h.assert_error(r.call("GET", path), 404, "NOT_FOUND")
        png = tiny_png()
        up = r.call("PUT", path, raw_body=png, content_type="image/png")
        self.assertTrue(h.assert_json(up, 200)["has_image"])
        got = r.call("GET", path)
        h.assert_status(got, 200)
        self.assertEqual(got.headers["Content-Type"], "image/png")
        self.assertEqual(got.raw, png)
        up = r.call("PUT", path, raw_body=JPEG, content_type="image/jpeg")
        h.assert_status(up, 200)
        got = r.call("GET", path)
        self.assertEqual((got.headers["Content-Type"], got.raw), ("image/jpeg", JPEG))
        h.assert_error(r.call("PUT", path, raw_body=b"GIF89a....", content_type="image/png"), 400,
                       "VALIDATION_ERROR")
        h.assert_error(r.call("PUT", path, raw_body=png, content_type="image/jpeg"), 400,
                       "VALIDATION_ERROR")
        h.assert_error(r.call("PUT", path, raw_body=b"hello", content_type="text/plain"), 415,
                       "UNSUPPORTED_MEDIA_TYPE")
        big = png + b"\x00" * (2 * 1024 * 1024)
        h.assert_error(r.call("PUT", path, raw_body=big, content_type="image/png"), 413,
                       "PAYLOAD_TOO_LARGE")
        self.assertEqual(r.call("GET", path).raw, JPEG)
        t = self.other.token
        h.assert_error(r.call("GET", path, token=t), 404, "NOT_FOUND")
        h.assert_error(r.call("PUT", path, raw_body=png, content_type="image/png", token=t), 404,
                       "NOT_FOUND")
        h.assert_error(r.call("PUT", "/menu/items/%s/image" % uuid.uuid4(), raw_body=png,
                              content_type="image/png"), 404, "NOT_FOUND")

    def test_roles(self):
        r = self.r
        cat = r.category()
        staff = staff_token(self.srv, r.token)
        chef = staff_token(self.srv, r.token, "service_manager")
        spa_boss = staff_token(self.srv, r.token, "service_manager", ("spa",))
        h.assert_json(r.call("GET", "/menu", token=staff), 200)
        h.assert_error(r.call("POST", "/menu/categories", {"name": "x"}, token=staff), 403,
                       "FORBIDDEN")
        h.assert_error(r.call("PATCH", "/restaurant/settings", {"tax_rate_bp": 1}, token=staff),
                       403, "FORBIDDEN")
        h.assert_json(r.call("POST", "/menu/items", {"category_id": cat["id"], "name": "x",
                                                     "price": 1}, token=chef), 201)
        h.assert_error(r.call("POST", "/menu/categories", {"name": "x"}, token=spa_boss), 403,
                       "FORBIDDEN")
        h.assert_error(r.call("GET", "/menu", token=spa_boss), 403, "FORBIDDEN")
        h.assert_error(self.srv.get(r.base + "/menu"), 401)

    def test_tenant_isolation(self):
        r = self.r
        cat = r.category()
        item = r.item(cat, 100)
        g = r.group(0, 1, [("a", 1)])
        menu = r.ok("POST", "/menus", {"name": "Lunch"}, 201)
        t = self.other.token
        b = r.base
        for method, path, body in (
            ("GET", b + "/menu", None),
            ("GET", b + "/menus", None),
            ("POST", b + "/menus", {"name": "x"}),
            ("PATCH", b + "/menus/" + menu["id"], {"name": "x"}),
            ("DELETE", b + "/menus/" + menu["id"], None),
            ("GET", b + "/restaurant/settings", None),
            ("PATCH", b + "/restaurant/settings", {"tax_rate_bp": 1}),
            ("POST", b + "/menu/categories", {"name": "x"}),
            ("PATCH", b + "/menu/categories/" + cat["id"], {"name": "x"}),
            ("DELETE", b + "/menu/categories/" + cat["id"], None),
            ("POST", b + "/menu/items", {"category_id": cat["id"], "name": "x", "price": 1}),
            ("GET", b + "/menu/items/" + item["id"], None),
            ("PATCH", b + "/menu/items/" + item["id"], {"available": False}),
            ("DELETE", b + "/menu/items/" + item["id"], None),
            ("POST", b + "/menu/modifier-groups", {"name": "g", "min_select": 0, "max_select": 1,
                                                   "options": [{"name": "a"}]}),
            ("GET", b + "/menu/modifier-groups", None),
            ("DELETE", b + "/menu/modifier-groups/" + g["id"], None),
            ("POST", b + "/menu/items/%s/modifier-groups" % item["id"], {"group_id": g["id"]}),
            ("DELETE", b + "/menu/items/%s/modifier-groups/%s" % (item["id"], g["id"]), None),
            # their property, our ids
            ("GET", self.other.base + "/menu/items/" + item["id"], None),
            ("PATCH", self.other.base + "/menu/items/" + item["id"], {"price": 1}),
        ):
            resp = self.srv.request(method, path, body=body, token=t)
            h.assert_error(resp, 404, "NOT_FOUND", what="%s %s" % (method, path))
        mine = r.ok("GET", "/menu/items/" + item["id"])
        self.assertEqual((mine["available"], mine["price"], mine["version"]), (True, 100, 1))
        self.assertEqual(len(r.ok("GET", "/menu/modifier-groups")["data"]), 1)
        h.assert_error(r.call("GET", "/menu/items/zzz"), 404, "NOT_FOUND")


if __name__ == "__main__":
    h.run()
