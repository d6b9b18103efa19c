"""
test_properties.py - /api/v1/properties, black-box: create with every field
checked, validation of each field with details.field, list, read, PATCH with
and without If-Match and the version counter, DELETE, tenant isolation on
every verb, and which roles may read or write.

Not here: the generic conventions (test_conventions: pagination, UTF-8,
hostile input) and room types or rooms (the reservations suite).
"""

import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

PROPERTY_KEYS = {
    "id",
    "name",
    "type",
    "timezone",
    "currency",
    "version",
    "created_at",
    "updated_at",
}
TYPES = ("hotel", "restaurant", "spa", "conference", "transport", "resort")


class Properties(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.owner = h.register_tenant(cls.srv, "props")
        cls.token = cls.owner["token"]
        cls.other = h.register_tenant(cls.srv, "props-other")
        cls.staff = h.create_user(cls.srv, cls.token, "staff", ["hotel"], do_login=True)
        cls.manager = h.create_user(cls.srv, cls.token, "manager", do_login=True)

    def path(self, pid):
        return "/api/v1/properties/" + pid

    def valid(self, **change):
        body = {
            "name": "Grand Hôtel",
            "type": "hotel",
            "timezone": "Europe/Paris",
            "currency": "EUR",
        }
        body.update(change)
        return body

    def test_create_all_fields(self):
        body = self.valid(
            name="Seaside " + uuid.uuid4().hex[:6],
            timezone="Africa/Windhoek",
            currency="NAD",
            type="resort",
        )
        resp = self.srv.post("/api/v1/properties", body, token=self.token)
        prop = h.assert_json(resp, 201)
        self.assertTrue(set(prop) >= PROPERTY_KEYS, sorted(prop))
        self.assertTrue(h.is_uuid(prop["id"]), prop["id"])
        self.assertEqual(prop["id"][14], "7", "ids are UUID version 7")
        for key in ("name", "type", "timezone", "currency"):
            self.assertEqual(prop[key], body[key], key)
        self.assertEqual(prop["version"], 1)
        self.assertTrue(h.is_timestamp(prop["created_at"]), prop["created_at"])
        self.assertTrue(h.is_timestamp(prop["updated_at"]), prop["updated_at"])
        got = h.assert_json(self.srv.get(self.path(prop["id"]), token=self.token), 200)
        self.assertEqual(got, prop)

    def test_every_type_and_some_currencies(self):
        for kind, currency, tz in zip(
            TYPES,
            ("EUR", "USD", "JPY", "GBP", "CHF", "NAD"),
            (
                "UTC",
                "America/New_York",
                "Asia/Tokyo",
                "Europe/London",
                "Europe/Zurich",
                "Africa/Windhoek",
            ),
        ):
            prop = h.create_property(
                self.srv, self.token, type=kind, currency=currency, timezone=tz
            )
            self.assertEqual(
                (prop["type"], prop["currency"], prop["timezone"]), (kind, currency, tz)
            )

    def test_each_invalid_field(self):
        cases = [
            ({"type": "castle"}, "type"),
            ({"type": "Hotel"}, "type"),
            ({"type": ""}, "type"),
            ({"type": 1}, "type"),
            ({"timezone": "Mars/Base"}, "timezone"),
            ({"timezone": ""}, "timezone"),
            ({"timezone": "../../etc/passwd"}, "timezone"),
            ({"timezone": 2}, "timezone"),
            # Files under /usr/share/zoneinfo that are not zones: the host's
            # own zone and the leap-second table.
            ({"timezone": "localtime"}, "timezone"),
            ({"timezone": "leapseconds"}, "timezone"),
            ({"currency": "XYZ"}, "currency"),
            ({"currency": "EURO"}, "currency"),
            ({"currency": ""}, "currency"),
            ({"currency": 978}, "currency"),
            ({"name": ""}, "name"),
            ({"name": None}, "name"),
            ({"name": 12}, "name"),
            ({"name": ["x"]}, "name"),
        ]
        for change, field in cases:
            resp = self.srv.post("/api/v1/properties", self.valid(**change), token=self.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(change))
        for field in ("name", "type", "timezone", "currency"):
            body = self.valid()
            del body[field]
            resp = self.srv.post("/api/v1/properties", body, token=self.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what="without " + field)

    def test_list(self):
        tenant = h.register_tenant(self.srv, "props-list")
        created = [h.create_property(self.srv, tenant["token"], name="L%d" % i) for i in range(3)]
        page = h.assert_json(self.srv.get("/api/v1/properties", token=tenant["token"]), 200)
        self.assertEqual(set(page), {"data", "next_cursor"})
        self.assertIsNone(page["next_cursor"])
        self.assertEqual([p["id"] for p in page["data"]], [p["id"] for p in created])
        self.assertEqual(page["data"], created, "list items equal what create answered")
        empty = h.register_tenant(self.srv, "props-empty")
        page = h.assert_json(self.srv.get("/api/v1/properties", token=empty["token"]), 200)
        self.assertEqual(page, {"data": [], "next_cursor": None})

    def test_cursor_survives_deleting_its_anchor(self):
        tenant = h.register_tenant(self.srv, "props-cursor")
        ids = [h.create_property(self.srv, tenant["token"], name="C%d" % i)["id"] for i in range(5)]
        page = h.assert_json(self.srv.get("/api/v1/properties?limit=2", token=tenant["token"]), 200)
        self.assertEqual([p["id"] for p in page["data"]], ids[:2])
        # Delete the last item of the page the cursor points after.
        self.assertEqual(self.srv.delete(self.path(ids[1]), token=tenant["token"]).status, 204)
        rest = self.srv.get(
            "/api/v1/properties?limit=10&cursor=" + h.urllib_quote(page["next_cursor"]),
            token=tenant["token"],
        )
        rest = h.assert_json(rest, 200)
        self.assertEqual([p["id"] for p in rest["data"]], ids[2:])
        self.assertIsNone(rest["next_cursor"])
        # A cursor in capitals names the same id, as ids in paths do.
        upper = self.srv.get(
            "/api/v1/properties?limit=10&cursor=" + page["next_cursor"].upper(),
            token=tenant["token"],
        )
        self.assertEqual(h.assert_json(upper, 200), rest)

    def test_patch_with_and_without_if_match(self):
        prop = h.create_property(self.srv, self.token)
        path = self.path(prop["id"])
        resp = self.srv.patch(
            path, {"name": "Renamed"}, token=self.token, headers={"If-Match": "1"}
        )
        patched = h.assert_json(resp, 200)
        self.assertEqual(patched["version"], 2)
        self.assertEqual(patched["name"], "Renamed")
        for key in ("type", "timezone", "currency", "id", "created_at"):
            self.assertEqual(patched[key], prop[key], key)
        self.assertGreaterEqual(patched["updated_at"], prop["updated_at"])

        resp = self.srv.patch(
            path, {"timezone": "Asia/Tokyo", "currency": "JPY", "type": "spa"}, token=self.token
        )
        patched = h.assert_json(resp, 200)
        self.assertEqual(patched["version"], 3)
        self.assertEqual(
            (patched["timezone"], patched["currency"], patched["type"], patched["name"]),
            ("Asia/Tokyo", "JPY", "spa", "Renamed"),
        )
        stale = self.srv.patch(path, {"name": "Stale"}, token=self.token, headers={"If-Match": "2"})
        h.assert_error(stale, 409, "CONFLICT")
        future = self.srv.patch(
            path, {"name": "Future"}, token=self.token, headers={"If-Match": "9"}
        )
        h.assert_error(future, 409, "CONFLICT")
        fresh = self.srv.patch(path, {"name": "Fresh"}, token=self.token, headers={"If-Match": "3"})
        self.assertEqual(h.assert_json(fresh, 200)["version"], 4)
        got = h.assert_json(self.srv.get(path, token=self.token), 200)
        self.assertEqual((got["name"], got["version"]), ("Fresh", 4))

    def test_concurrent_patches_with_same_version(self):
        prop = h.create_property(self.srv, self.token)
        path = self.path(prop["id"])
        calls = [
            (
                lambda n=n: self.srv.patch(
                    path, {"name": "Racer %d" % n}, token=self.token, headers={"If-Match": "1"}
                )
            )
            for n in range(10)
        ]
        results = h.concurrently(calls)
        statuses = sorted(r.status if isinstance(r, h.Response) else repr(r) for r in results)
        self.assertEqual(statuses, [200] + [409] * 9, "exactly one writer may win")
        winner = [r for r in results if r.status == 200][0]
        got = h.assert_json(self.srv.get(path, token=self.token), 200)
        self.assertEqual(got["version"], 2)
        self.assertEqual(got["name"], winner.body["name"])
        for r in results:
            if r.status == 409:
                h.assert_error(r, 409, "CONFLICT")

    def test_patch_validation_changes_nothing(self):
        prop = h.create_property(self.srv, self.token)
        path = self.path(prop["id"])
        for body, field in (
            ({"timezone": "Mars/Base"}, "timezone"),
            ({"currency": "XYZ"}, "currency"),
            ({"type": "castle"}, "type"),
            ({"name": ""}, "name"),
            ({"name": "Good", "currency": "XYZ"}, "currency"),
        ):
            resp = self.srv.patch(path, body, token=self.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(body))
        h.assert_error(
            self.srv.patch(path, {"name": "x"}, token=self.token, headers={"If-Match": "one"}),
            400,
            "VALIDATION_ERROR",
        )
        got = h.assert_json(self.srv.get(path, token=self.token), 200)
        self.assertEqual(got, prop)

    def test_delete(self):
        prop = h.create_property(self.srv, self.token)
        path = self.path(prop["id"])
        resp = self.srv.delete(path, token=self.token)
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.raw, b"")
        self.assertTrue(resp.headers.get("X-Request-Id"))
        h.assert_error(self.srv.get(path, token=self.token), 404, "NOT_FOUND")
        h.assert_error(self.srv.delete(path, token=self.token), 404, "NOT_FOUND")
        h.assert_error(self.srv.patch(path, {"name": "Ghost"}, token=self.token), 404, "NOT_FOUND")
        listed = h.list_all(self.srv, "/api/v1/properties", self.token)
        self.assertNotIn(prop["id"], [p["id"] for p in listed])

    def test_cross_tenant_every_verb(self):
        prop = h.create_property(self.srv, self.token, name="Mine")
        path = self.path(prop["id"])
        theirs = self.other["token"]
        h.assert_error(self.srv.get(path, token=theirs), 404, "NOT_FOUND")
        h.assert_error(self.srv.patch(path, {"name": "Stolen"}, token=theirs), 404, "NOT_FOUND")
        h.assert_error(
            self.srv.patch(path, {"name": "Stolen"}, token=theirs, headers={"If-Match": "1"}),
            404,
            "NOT_FOUND",
        )
        h.assert_error(self.srv.delete(path, token=theirs), 404, "NOT_FOUND")
        got = h.assert_json(self.srv.get(path, token=self.token), 200)
        self.assertEqual(got, prop, "another tenant changed nothing")
        listed = h.list_all(self.srv, "/api/v1/properties", theirs)
        self.assertNotIn(prop["id"], [p["id"] for p in listed])

    def test_roles(self):
        prop = h.create_property(self.srv, self.token)
        path = self.path(prop["id"])
        staff = self.staff["token"]
        self.assertEqual(h.assert_json(self.srv.get(path, token=staff), 200)["id"], prop["id"])
        self.assertIn(
            prop["id"], [p["id"] for p in h.list_all(self.srv, "/api/v1/properties", staff)]
        )
        h.assert_error(
            self.srv.post("/api/v1/properties", self.valid(), token=staff), 403, "FORBIDDEN"
        )
        h.assert_error(self.srv.patch(path, {"name": "Staff"}, token=staff), 403, "FORBIDDEN")
        h.assert_error(self.srv.delete(path, token=staff), 403, "FORBIDDEN")
        self.assertEqual(h.assert_json(self.srv.get(path, token=self.token), 200)["version"], 1)
        manager = self.manager["token"]
        created = h.assert_json(
            self.srv.post("/api/v1/properties", self.valid(name="By manager"), token=manager), 201
        )
        patched = self.srv.patch(self.path(created["id"]), {"name": "Managed"}, token=manager)
        self.assertEqual(h.assert_json(patched, 200)["version"], 2)
        self.assertEqual(self.srv.delete(self.path(created["id"]), token=manager).status, 204)

    def test_unauthenticated(self):
        prop = h.create_property(self.srv, self.token)
        h.assert_error(self.srv.get("/api/v1/properties"), 401, "UNAUTHENTICATED")
        h.assert_error(self.srv.get(self.path(prop["id"])), 401, "UNAUTHENTICATED")
        h.assert_error(self.srv.post("/api/v1/properties", self.valid()), 401, "UNAUTHENTICATED")
        h.assert_error(self.srv.delete(self.path(prop["id"])), 401, "UNAUTHENTICATED")
        h.assert_json(self.srv.get(self.path(prop["id"]), token=self.token), 200)


if __name__ == "__main__":
    h.run()
