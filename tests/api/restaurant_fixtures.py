"""
restaurant_fixtures.py - shared set-up of the restaurant API tests
(test_menu, test_orders, test_kds, test_tables_qr): a tenant with a
restaurant property, and short helpers to build a menu and place orders.

Not a test file itself (the test glob only picks up test_*.py).
"""

import uuid

import buffr_harness as h


class Restaurant:
    """A fresh tenant with one restaurant property; helpers assert success."""

    def __init__(self, srv, prefix="resto", **prop_fields):
        self.srv = srv
        self.owner = h.register_tenant(srv, prefix)
        self.token = self.owner["token"]
        fields = {"type": "restaurant"}
        fields.update(prop_fields)
        self.prop = h.create_property(srv, self.token, **fields)
        self.pid = self.prop["id"]
        self.base = "/api/v1/properties/" + self.pid

    # -- raw calls (return the Response)
    def call(self, method, path, body=None, token=None, **kw):
        return self.srv.request(
            method, self.base + path, body=body, token=token or self.token, **kw
        )

    def ok(self, method, path, body=None, status=200, token=None, **kw):
        return h.assert_json(
            self.call(method, path, body, token=token, **kw), status, "%s %s" % (method, path)
        )

    # -- menu
    def settings(self, **fields):
        return self.ok("PATCH", "/restaurant/settings", fields)

    def category(self, name=None, **fields):
        body = {"name": name or "Category " + uuid.uuid4().hex[:6]}
        body.update(fields)
        return self.ok("POST", "/menu/categories", body, 201)

    def item(self, category, price, name=None, **fields):
        body = {
            "category_id": category["id"],
            "name": name or "Dish " + uuid.uuid4().hex[:6],
            "price": price,
        }
        body.update(fields)
        return self.ok("POST", "/menu/items", body, 201)

    def group(self, min_select, max_select, options, name=None):
        body = {
            "name": name or "Choice " + uuid.uuid4().hex[:6],
            "min_select": min_select,
            "max_select": max_select,
            "options": [{"name": n, "price_delta": d} for n, d in options],
        }
        return self.ok("POST", "/menu/modifier-groups", body, 201)

    def attach(self, item, group):
        return self.ok(
            "POST", "/menu/items/%s/modifier-groups" % item["id"], {"group_id": group["id"]}, 201
        )

    # -- orders
    def order_call(self, lines, channel="dine_in", token=None, headers=None, **fields):
        body = {"channel": channel, "items": lines}
        body.update(fields)
        return self.call("POST", "/orders", body, token=token, headers=headers)

    def order(self, lines, channel="dine_in", **fields):
        return h.assert_json(self.order_call(lines, channel, **fields), 201, "place order")

    def status(self, order, status, token=None):
        return self.call("POST", "/orders/%s/status" % order["id"], {"status": status}, token=token)

    def table(self, name=None, seats=4, **fields):
        body = {"name": name or "T" + uuid.uuid4().hex[:5], "seats": seats}
        body.update(fields)
        return self.ok("POST", "/tables", body, 201)


def line(item, quantity=1, options=None, **extra):
    out = {"menu_item_id": item["id"], "quantity": quantity}
    if options is not None:
        out["options"] = [o["id"] if isinstance(o, dict) else o for o in options]
    out.update(extra)
    return out


def staff_token(srv, owner_token, role="staff", services=("restaurant",)):
    return h.create_user(srv, owner_token, role, list(services), do_login=True)["token"]
