"""
test_users.py - user management and the role model, black-box: owners and
managers create, list, read and change users; who may do what (a manager
cannot touch an owner, nobody changes their own role, staff and guests may
not manage users); optimistic concurrency with If-Match; validation; tenant
isolation; fields a client may not set.

Not here: login and token handling (test_auth), property rules
(test_properties).
"""

import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

USER_KEYS = {
    "id",
    "email",
    "full_name",
    "role",
    "permissions",
    "disabled",
    "mfa_enabled",
    "created_at",
    "updated_at",
    "version",
}
ALL_SERVICES = ["hotel", "restaurant", "spa", "conference", "transport", "inventory"]


class Users(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.owner = h.register_tenant(cls.srv, "users")
        cls.token = cls.owner["token"]
        cls.manager = h.create_user(cls.srv, cls.token, "manager", do_login=True)
        cls.staff = h.create_user(cls.srv, cls.token, "staff", ["hotel"], do_login=True)
        cls.service_manager = h.create_user(
            cls.srv, cls.token, "service_manager", ["restaurant"], do_login=True
        )
        cls.guest = h.create_user(cls.srv, cls.token, "guest", do_login=True)
        cls.other = h.register_tenant(cls.srv, "users-other")

    def new_user(self, role="staff", permissions=None, token=None):
        return h.create_user(self.srv, token or self.token, role, permissions)

    def user_path(self, user_id):
        return "/api/v1/users/" + user_id

    # ------------------------------------------------------------ create

    def test_create_every_role(self):
        for role, perms in (
            ("manager", None),
            ("service_manager", ["restaurant", "spa"]),
            ("staff", ["hotel"]),
            ("guest", None),
            ("owner", None),
        ):
            email = h.unique_email(role)
            body = {
                "email": email,
                "full_name": "Créé " + role,
                "password": h.strong_password(),
                "role": role,
            }
            if perms is not None:
                body["permissions"] = perms
            resp = self.srv.post("/api/v1/users", body, token=self.token)
            user = h.assert_json(resp, 201, role)
            self.assertEqual(set(user), USER_KEYS, "user object keys for " + role)
            self.assertTrue(h.is_uuid(user["id"]))
            self.assertEqual(user["email"], email)
            self.assertEqual(user["full_name"], body["full_name"])
            self.assertEqual(user["role"], role)
            if perms is None and role in ("owner", "manager"):
                # Managers and owners act on every service unless limited.
                self.assertEqual(sorted(user["permissions"]), sorted(ALL_SERVICES))
            else:
                self.assertEqual(sorted(user["permissions"]), sorted(perms or []))
            self.assertIs(user["disabled"], False)
            self.assertIs(user["mfa_enabled"], False)
            self.assertTrue(h.is_timestamp(user["created_at"]), user["created_at"])
            self.assertTrue(h.is_timestamp(user["updated_at"]), user["updated_at"])
            self.assertIsInstance(user["version"], int)
            got = h.assert_json(self.srv.get(self.user_path(user["id"]), token=self.token), 200)
            self.assertEqual(got, user)

    def test_created_user_can_log_in_with_its_role(self):
        me = h.assert_json(self.srv.get("/api/v1/me", token=self.service_manager["token"]), 200)
        self.assertEqual(me["role"], "service_manager")
        self.assertEqual(me["permissions"], ["restaurant"])
        self.assertEqual(me["tenant"]["id"], self.owner["tenant_id"])

    def test_create_validation(self):
        base = {
            "email": h.unique_email("val"),
            "full_name": "V",
            "password": h.strong_password(),
            "role": "staff",
        }
        cases = [
            ({"role": "emperor"}, "role"),
            ({"role": ""}, "role"),
            ({"role": 3}, "role"),
            ({"permissions": ["laundry"]}, "permissions"),
            ({"permissions": ["hotel", 7]}, "permissions"),
            ({"permissions": "hotel"}, "permissions"),
            ({"email": "nope"}, "email"),
            ({"password": "password1234"}, "password"),
            ({"password": "short"}, "password"),
            ({"full_name": ""}, "full_name"),
        ]
        for change, field in cases:
            body = dict(base, email=h.unique_email("val"))
            body.update(change)
            resp = self.srv.post("/api/v1/users", body, token=self.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(change))
        for field in ("email", "full_name", "password", "role"):
            body = dict(base, email=h.unique_email("val"))
            del body[field]
            resp = self.srv.post("/api/v1/users", body, token=self.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what="without " + field)

    def test_duplicate_email(self):
        body = {
            "email": self.staff["email"].upper(),
            "full_name": "Dup",
            "password": h.strong_password(),
            "role": "staff",
        }
        h.assert_error(self.srv.post("/api/v1/users", body, token=self.token), 409, "CONFLICT")
        # Unique across the platform, not just the tenant.
        body["email"] = self.other["email"]
        h.assert_error(self.srv.post("/api/v1/users", body, token=self.token), 409, "CONFLICT")

    def test_mass_assignment_on_create(self):
        fake_id = str(uuid.uuid4())
        user = self.new_user(
            "staff",
            ["spa"],
            token=None,
        )
        body = {
            "email": h.unique_email("mass"),
            "full_name": "Mass",
            "password": h.strong_password(),
            "role": "staff",
            "id": fake_id,
            "tenant_id": self.other["tenant_id"],
            "version": 77,
            "disabled": False,
            "mfa_enabled": True,
        }
        created = h.assert_json(self.srv.post("/api/v1/users", body, token=self.token), 201)
        self.assertNotEqual(created["id"], fake_id)
        self.assertEqual(
            created["version"], user["version"], "a new user's version is the initial one"
        )
        self.assertNotEqual(created["version"], 77)
        self.assertIs(created["mfa_enabled"], False)
        h.assert_json(self.srv.get(self.user_path(created["id"]), token=self.token), 200)
        h.assert_error(
            self.srv.get(self.user_path(created["id"]), token=self.other["token"]), 404, "NOT_FOUND"
        )
        h.assert_error(self.srv.get(self.user_path(fake_id), token=self.token), 404, "NOT_FOUND")
        other_list = h.list_all(self.srv, "/api/v1/users", self.other["token"])
        self.assertNotIn(created["id"], [u["id"] for u in other_list])

    # ------------------------------------------------------------ list and get

    def test_list_paginated(self):
        tenant = h.register_tenant(self.srv, "ulist")
        created = [tenant["user_id"]] + [
            h.create_user(self.srv, tenant["token"], "staff", ["hotel"])["id"] for _ in range(4)
        ]
        seen = []
        sizes = []
        cursor = None
        for _ in range(10):
            url = "/api/v1/users?limit=2" + ("&cursor=" + h.urllib_quote(cursor) if cursor else "")
            page = h.assert_json(self.srv.get(url, token=tenant["token"]), 200)
            self.assertEqual(set(page), {"data", "next_cursor"})
            sizes.append(len(page["data"]))
            for user in page["data"]:
                self.assertEqual(set(user), USER_KEYS)
            seen.extend(u["id"] for u in page["data"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(sizes, [2, 2, 1])
        self.assertEqual(sorted(seen), sorted(created))
        self.assertEqual(len(set(seen)), 5)
        everyone = h.assert_json(self.srv.get("/api/v1/users", token=tenant["token"]), 200)
        self.assertEqual(len(everyone["data"]), 5)
        self.assertIsNone(everyone["next_cursor"])
        for bad in ("0", "201", "x"):
            h.assert_error(
                self.srv.get("/api/v1/users?limit=" + bad, token=tenant["token"]),
                400,
                "VALIDATION_ERROR",
            )
        # The manager may list too.
        page = h.assert_json(self.srv.get("/api/v1/users", token=self.manager["token"]), 200)
        self.assertIn(
            self.owner["user_id"],
            [u["id"] for u in h.list_all(self.srv, "/api/v1/users", self.manager["token"])],
        )
        self.assertIsInstance(page["data"], list)

    def test_get_unknown_malformed_and_foreign(self):
        h.assert_error(
            self.srv.get(self.user_path(str(uuid.uuid4())), token=self.token), 404, "NOT_FOUND"
        )
        h.assert_error(self.srv.get(self.user_path("nope"), token=self.token), 404, "NOT_FOUND")
        foreign = self.user_path(self.other["user_id"])
        h.assert_error(self.srv.get(foreign, token=self.token), 404, "NOT_FOUND")
        h.assert_error(
            self.srv.patch(foreign, {"full_name": "Hijacked"}, token=self.token), 404, "NOT_FOUND"
        )
        h.assert_error(
            self.srv.patch(foreign, {"disabled": True}, token=self.token), 404, "NOT_FOUND"
        )
        # Untouched for its own tenant.
        mine = h.assert_json(self.srv.get("/api/v1/me", token=self.other["token"]), 200)
        self.assertEqual(mine["full_name"], self.other["full_name"])

    # ------------------------------------------------------------ patch

    def test_patch_with_if_match(self):
        user = self.new_user("staff", ["hotel"])
        path = self.user_path(user["id"])
        version = user["version"]
        fresh = self.srv.patch(
            path,
            {"role": "service_manager", "permissions": ["restaurant", "spa"]},
            token=self.token,
            headers={"If-Match": str(version)},
        )
        changed = h.assert_json(fresh, 200)
        self.assertEqual(changed["version"], version + 1)
        self.assertEqual(changed["role"], "service_manager")
        self.assertEqual(sorted(changed["permissions"]), ["restaurant", "spa"])
        stale = self.srv.patch(
            path, {"role": "staff"}, token=self.token, headers={"If-Match": str(version)}
        )
        h.assert_error(stale, 409, "CONFLICT")
        got = h.assert_json(self.srv.get(path, token=self.token), 200)
        self.assertEqual(got["role"], "service_manager")
        self.assertEqual(got["version"], version + 1)
        # Without If-Match: last write wins, version still increments.
        again = h.assert_json(self.srv.patch(path, {"full_name": "Renamed"}, token=self.token), 200)
        self.assertEqual(again["version"], version + 2)
        self.assertEqual(again["full_name"], "Renamed")
        h.assert_error(
            self.srv.patch(path, {"role": "staff"}, token=self.token, headers={"If-Match": "x"}),
            400,
            "VALIDATION_ERROR",
        )

    def test_patch_validation(self):
        user = self.new_user("staff", ["hotel"])
        path = self.user_path(user["id"])
        for body, field in (
            ({"role": "emperor"}, "role"),
            ({"permissions": ["laundry"]}, "permissions"),
            ({"disabled": "yes"}, "disabled"),
            ({"full_name": ""}, "full_name"),
        ):
            resp = self.srv.patch(path, body, token=self.token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what=repr(body))
        got = h.assert_json(self.srv.get(path, token=self.token), 200)
        self.assertEqual(got["version"], user["version"], "failed patches change nothing")
        self.assertEqual(got["role"], "staff")

    def test_patch_ignores_protected_fields(self):
        user = self.new_user("staff", ["hotel"])
        path = self.user_path(user["id"])
        body = {
            "full_name": "Still Me",
            "id": str(uuid.uuid4()),
            "tenant_id": self.other["tenant_id"],
            "version": 99,
            "email": h.unique_email("changed"),
        }
        patched = h.assert_json(self.srv.patch(path, body, token=self.token), 200)
        self.assertEqual(patched["id"], user["id"])
        self.assertEqual(patched["email"], user["email"])
        self.assertEqual(patched["version"], user["version"] + 1)
        self.assertEqual(patched["full_name"], "Still Me")
        h.assert_json(self.srv.get(path, token=self.token), 200)
        h.assert_error(self.srv.get(path, token=self.other["token"]), 404, "NOT_FOUND")
        # The user still logs in with its original email.
        h.login_ok(self.srv, user["email"], user["password"])

    # ------------------------------------------------------------ who may do what

    def test_manager_cannot_create_or_change_owner(self):
        mtoken = self.manager["token"]
        body = {
            "email": h.unique_email("wannabe"),
            "full_name": "Wannabe",
            "password": h.strong_password(),
            "role": "owner",
        }
        h.assert_error(self.srv.post("/api/v1/users", body, token=mtoken), 403, "FORBIDDEN")
        owner_path = self.user_path(self.owner["user_id"])
        for change in ({"full_name": "Demoted"}, {"role": "staff"}, {"disabled": True}):
            resp = self.srv.patch(owner_path, change, token=mtoken)
            h.assert_error(resp, 403, "FORBIDDEN", what=repr(change))
        staff = self.new_user("staff", ["hotel"])
        resp = self.srv.patch(self.user_path(staff["id"]), {"role": "owner"}, token=mtoken)
        h.assert_error(resp, 403, "FORBIDDEN", what="manager promotes to owner")
        # What a manager may do.
        created = h.create_user(self.srv, mtoken, "staff", ["spa"])
        self.assertEqual(created["role"], "staff")
        patched = self.srv.patch(self.user_path(created["id"]), {"role": "guest"}, token=mtoken)
        self.assertEqual(h.assert_json(patched, 200)["role"], "guest")
        owner = h.assert_json(self.srv.get(owner_path, token=self.token), 200)
        self.assertEqual(owner["role"], "owner")
        self.assertEqual(owner["full_name"], self.owner["full_name"])
        self.assertIs(owner["disabled"], False)

    def test_nobody_changes_own_role_or_disables_self(self):
        own = self.user_path(self.owner["user_id"])
        h.assert_error(self.srv.patch(own, {"role": "manager"}, token=self.token), 403, "FORBIDDEN")
        h.assert_error(self.srv.patch(own, {"disabled": True}, token=self.token), 403, "FORBIDDEN")
        mine = self.user_path(self.manager["id"])
        h.assert_error(
            self.srv.patch(mine, {"role": "owner"}, token=self.manager["token"]), 403, "FORBIDDEN"
        )
        h.assert_error(
            self.srv.patch(mine, {"role": "staff"}, token=self.manager["token"]), 403, "FORBIDDEN"
        )
        me = h.assert_json(self.srv.get("/api/v1/me", token=self.token), 200)
        self.assertEqual(me["role"], "owner")
        me = h.assert_json(self.srv.get("/api/v1/me", token=self.manager["token"]), 200)
        self.assertEqual(me["role"], "manager")

    def test_lower_roles_cannot_manage_users(self):
        body = {
            "email": h.unique_email("nope"),
            "full_name": "N",
            "password": h.strong_password(),
            "role": "guest",
        }
        for who in ("staff", "service_manager", "guest"):
            token = getattr(self, who)["token"]
            h.assert_error(self.srv.get("/api/v1/users", token=token), 403, "FORBIDDEN", what=who)
            h.assert_error(self.srv.post("/api/v1/users", body, token=token), 403, "FORBIDDEN")
            h.assert_error(
                self.srv.get(self.user_path(self.owner["user_id"]), token=token), 403, "FORBIDDEN"
            )
            h.assert_error(
                self.srv.patch(
                    self.user_path(getattr(self, who)["id"]), {"role": "owner"}, token=token
                ),
                403,
                "FORBIDDEN",
                what=who + " promotes itself",
            )

    def test_property_access_by_role(self):
        prop_body = {
            "name": "Role test",
            "type": "restaurant",
            "timezone": "UTC",
            "currency": "EUR",
        }
        h.assert_error(
            self.srv.get("/api/v1/properties", token=self.guest["token"]), 403, "FORBIDDEN"
        )
        listed = self.srv.get("/api/v1/properties", token=self.service_manager["token"])
        self.assertIsInstance(h.assert_json(listed, 200)["data"], list)
        h.assert_error(
            self.srv.post("/api/v1/properties", prop_body, token=self.service_manager["token"]),
            403,
            "FORBIDDEN",
        )
        h.assert_json(self.srv.get("/api/v1/properties", token=self.staff["token"]), 200)
        h.assert_error(
            self.srv.post("/api/v1/properties", prop_body, token=self.staff["token"]),
            403,
            "FORBIDDEN",
        )
        created = h.assert_json(
            self.srv.post("/api/v1/properties", prop_body, token=self.manager["token"]), 201
        )
        h.assert_error(
            self.srv.get("/api/v1/properties/" + created["id"], token=self.guest["token"]),
            403,
            "FORBIDDEN",
        )

    def test_role_change_takes_effect_at_once(self):
        user = h.create_user(self.srv, self.token, "guest", do_login=True)
        h.assert_error(self.srv.get("/api/v1/properties", token=user["token"]), 403, "FORBIDDEN")
        h.assert_json(
            self.srv.patch(
                self.user_path(user["id"]),
                {"role": "staff", "permissions": ["hotel"]},
                token=self.token,
            ),
            200,
        )
        h.assert_json(self.srv.get("/api/v1/properties", token=user["token"]), 200)
        me = h.assert_json(self.srv.get("/api/v1/me", token=user["token"]), 200)
        self.assertEqual(me["role"], "staff")


if __name__ == "__main__":
    h.run()
