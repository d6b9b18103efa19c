"""
test_auth.py - authentication, black-box: registration, login, refresh-token
rotation and reuse detection, logout, forged and expired tokens, disabled
users, login rate limits per address and per account, registration turned
off, and tenant isolation of a token.

The shared server of this file runs with a known BUFFR_JWT_SECRET so that the
tests can mint correctly signed tokens (expired, not yet valid, with extra
claims) as an attacker who stole the key of another deployment could not.

Not here: MFA (test_mfa), user management rules (test_users).
"""

import json
import time
import unittest
import uuid

import buffr_harness as h

JWT_SECRET = "buffr-api-tests-known-signing-secret-0123456789"
INVALID_CREDENTIALS = "invalid email or password"


def setUpModule():
    h.start_shared(env={"BUFFR_JWT_SECRET": JWT_SECRET})


tearDownModule = h.tearDownModule


def me(srv, token):
    return srv.get("/api/v1/me", token=token)


class Register(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()

    def test_register_shape_and_token_works(self):
        body = {
            "tenant_name": "Hotel Ünïcode " + uuid.uuid4().hex[:6],
            "email": h.unique_email("reg"),
            "password": h.strong_password(),
            "full_name": "Ada Owner",
        }
        resp = self.srv.post("/api/v1/auth/register", body)
        answer = h.assert_json(resp, 201)
        for key in ("access_token", "refresh_token", "user_id", "tenant_id"):
            self.assertIsInstance(answer.get(key), str, key)
            self.assertTrue(answer[key], key)
        self.assertEqual(answer["token_type"], "Bearer")
        self.assertEqual(answer["expires_in"], 900)
        self.assertTrue(h.is_uuid(answer["user_id"]), answer["user_id"])
        self.assertTrue(h.is_uuid(answer["tenant_id"]), answer["tenant_id"])
        self.assertNotIn("password", answer)
        self.assertTrue(resp.headers.get("X-Request-Id"))

        header, claims = h.jwt_parts(answer["access_token"])
        self.assertEqual(header.get("alg"), "HS256")
        self.assertEqual(claims["sub"], answer["user_id"])
        self.assertEqual(claims["tenant_id"], answer["tenant_id"])
        self.assertEqual(claims["role"], "owner")
        self.assertIsInstance(claims["permissions"], list)
        self.assertTrue(claims.get("jti"))
        self.assertTrue(claims.get("sid"))
        self.assertEqual(claims["exp"] - claims["iat"], 900)
        self.assertLess(abs(claims["iat"] - time.time()), 60)

        user = h.assert_json(me(self.srv, answer["access_token"]), 200)
        self.assertEqual(user["id"], answer["user_id"])
        self.assertEqual(user["email"], body["email"])
        self.assertEqual(user["full_name"], "Ada Owner")
        self.assertEqual(user["role"], "owner")
        self.assertIsInstance(user["permissions"], list)
        self.assertIs(user["mfa_enabled"], False)
        self.assertEqual(user["tenant"], {"id": answer["tenant_id"], "name": body["tenant_name"]})
        self.assertTrue(h.is_timestamp(user["created_at"]), user["created_at"])
        self.assertIsInstance(user["version"], int)
        for secret in ("password", "password_hash", "totp_secret", "mfa_secret"):
            self.assertNotIn(secret, user)

    def test_duplicate_email_conflict(self):
        owner = h.register_tenant(self.srv, "dup")
        again = dict(
            tenant_name="Another", email=owner["email"], password=h.strong_password(), full_name="X"
        )
        h.assert_error(self.srv.post("/api/v1/auth/register", again), 409, "CONFLICT")
        again["email"] = owner["email"].upper()
        h.assert_error(self.srv.post("/api/v1/auth/register", again), 409, "CONFLICT")

    def test_concurrent_registrations_of_one_email(self):
        email = h.unique_email("race")
        calls = [
            (
                lambda n=n: self.srv.post(
                    "/api/v1/auth/register",
                    {
                        "tenant_name": "Race %d" % n,
                        "email": email if n % 2 else email.upper(),
                        "password": h.strong_password(),
                        "full_name": "Racer",
                    },
                )
            )
            for n in range(8)
        ]
        results = h.concurrently(calls)
        statuses = sorted(r.status if isinstance(r, h.Response) else repr(r) for r in results)
        self.assertEqual(statuses, [201] + [409] * 7, "exactly one registration may win")
        for r in results:
            if r.status == 409:
                h.assert_error(r, 409, "CONFLICT")

    def test_email_case_insensitive(self):
        local = "Case.Mix-" + uuid.uuid4().hex[:10]
        mixed = local + "@Example.COM"
        owner = h.register_tenant(self.srv, email=mixed)
        user = h.assert_json(me(self.srv, owner["token"]), 200)
        self.assertEqual(user["email"], mixed.lower())
        h.login_ok(self.srv, mixed.upper(), owner["password"])
        h.login_ok(self.srv, mixed.lower(), owner["password"])

    def test_invalid_email(self):
        for email in ("not-an-email", "a@b", "@example.com", "user@", "two@@example.com", ""):
            body = dict(tenant_name="T", email=email, password=h.strong_password(), full_name="F")
            resp = self.srv.post("/api/v1/auth/register", body)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field="email", what=email)

    def test_weak_and_short_passwords(self):
        for password in ("password1234", "Ab1!x9", "aaaaaaaaaaaaaaaa", "12345678901234"):
            body = dict(
                tenant_name="T", email=h.unique_email("weak"), password=password, full_name="F"
            )
            resp = self.srv.post("/api/v1/auth/register", body)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field="password", what=password)
            # Nothing was created: the email is still free.
            h.assert_error(h.login(self.srv, body["email"], password), 401, "UNAUTHENTICATED")

    def test_missing_fields(self):
        full = dict(
            tenant_name="T",
            email=h.unique_email("miss"),
            password=h.strong_password(),
            full_name="F",
        )
        for field in full:
            body = dict(full)
            del body[field]
            resp = self.srv.post("/api/v1/auth/register", body)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field=field, what="without " + field)


class LoginAndSessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.owner = h.register_tenant(cls.srv, "login")

    def fresh_login(self):
        return h.login_ok(self.srv, self.owner["email"], self.owner["password"])

    def test_login_ok(self):
        answer = self.fresh_login()
        self.assertEqual(answer["token_type"], "Bearer")
        self.assertEqual(answer["expires_in"], 900)
        self.assertIsInstance(answer["refresh_token"], str)
        self.assertNotEqual(answer["refresh_token"], self.owner["refresh_token"])
        user = h.assert_json(me(self.srv, answer["access_token"]), 200)
        self.assertEqual(user["id"], self.owner["user_id"])

    def test_wrong_password_and_unknown_email_identical(self):
        wrong = h.login(self.srv, self.owner["email"], h.strong_password())
        unknown = h.login(self.srv, h.unique_email("ghost"), h.strong_password())
        e1 = h.assert_error(wrong, 401, "UNAUTHENTICATED")
        e2 = h.assert_error(unknown, 401, "UNAUTHENTICATED")
        self.assertEqual((e1["code"], e1["message"]), (e2["code"], e2["message"]))
        self.assertEqual(e1["message"], INVALID_CREDENTIALS)
        self.assertEqual(e1["details"], e2["details"])

    def test_login_missing_fields(self):
        h.assert_error(
            self.srv.post("/api/v1/auth/login", {"email": self.owner["email"]}),
            400,
            "VALIDATION_ERROR",
            field="password",
        )
        h.assert_error(
            self.srv.post("/api/v1/auth/login", {"password": "x"}),
            400,
            "VALIDATION_ERROR",
            field="email",
        )

    def test_refresh_rotation(self):
        first = self.fresh_login()
        resp = self.srv.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
        second = h.assert_json(resp, 200)
        self.assertEqual(second["token_type"], "Bearer")
        self.assertEqual(second["expires_in"], 900)
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertNotEqual(second["access_token"], first["access_token"])
        h.assert_json(me(self.srv, second["access_token"]), 200)
        # The rotated-away token no longer works...
        old = self.srv.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
        h.assert_error(old, 401, "UNAUTHENTICATED")

    def test_refresh_reuse_revokes_family(self):
        first = self.fresh_login()
        second = h.assert_json(
            self.srv.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}), 200
        )
        h.assert_json(me(self.srv, second["access_token"]), 200)
        # An attacker replays the first token: refused, and the family dies.
        replay = self.srv.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
        h.assert_error(replay, 401, "UNAUTHENTICATED")
        newest = self.srv.post("/api/v1/auth/refresh", {"refresh_token": second["refresh_token"]})
        h.assert_error(newest, 401, "UNAUTHENTICATED", what="newest refresh token of the family")
        h.assert_error(me(self.srv, second["access_token"]), 401, "UNAUTHENTICATED")
        h.assert_error(me(self.srv, first["access_token"]), 401, "UNAUTHENTICATED")
        # Other sessions of the same user are untouched.
        h.assert_json(me(self.srv, self.owner["token"]), 200)

    def test_concurrent_refresh_of_one_token(self):
        first = self.fresh_login()
        calls = [
            (
                lambda: self.srv.post(
                    "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}
                )
            )
            for _ in range(6)
        ]
        results = h.concurrently(calls)
        statuses = [r.status if isinstance(r, h.Response) else repr(r) for r in results]
        self.assertLessEqual(
            statuses.count(200), 1, "one refresh token rotated twice: %s" % statuses
        )
        self.assertEqual(set(statuses) - {200}, {401}, statuses)

    def test_refresh_garbage(self):
        for token in ("garbage", "", "a" * 43, self.owner["access_token"]):
            resp = self.srv.post("/api/v1/auth/refresh", {"refresh_token": token})
            self.assertIn(resp.status, (400, 401), resp)
            h.assert_error(resp, resp.status, ("UNAUTHENTICATED", "VALIDATION_ERROR"))
        h.assert_error(self.srv.post("/api/v1/auth/refresh", {}), 400, "VALIDATION_ERROR")

    def test_logout_revokes_session(self):
        session = self.fresh_login()
        resp = self.srv.post("/api/v1/auth/logout", token=session["access_token"])
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.raw, b"")
        h.assert_error(me(self.srv, session["access_token"]), 401, "UNAUTHENTICATED")
        refreshed = self.srv.post(
            "/api/v1/auth/refresh", {"refresh_token": session["refresh_token"]}
        )
        h.assert_error(refreshed, 401, "UNAUTHENTICATED")
        # Logging out again with the dead token: 401.
        again = self.srv.post("/api/v1/auth/logout", token=session["access_token"])
        h.assert_error(again, 401, "UNAUTHENTICATED")
        # Only that session: the registration's session still works.
        h.assert_json(me(self.srv, self.owner["token"]), 200)

    def test_logout_after_refresh_revokes_rotated_tokens(self):
        first = self.fresh_login()
        second = h.assert_json(
            self.srv.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}), 200
        )
        resp = self.srv.post("/api/v1/auth/logout", {}, token=second["access_token"])
        self.assertEqual(resp.status, 204, resp)
        h.assert_error(me(self.srv, second["access_token"]), 401, "UNAUTHENTICATED")
        h.assert_error(
            self.srv.post("/api/v1/auth/refresh", {"refresh_token": second["refresh_token"]}),
            401,
            "UNAUTHENTICATED",
        )

    def test_logout_without_token(self):
        h.assert_error(self.srv.post("/api/v1/auth/logout"), 401, "UNAUTHENTICATED")


class Tokens(unittest.TestCase):
    """Forged, expired and malformed access tokens."""

    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.owner = h.register_tenant(cls.srv, "tokens")
        cls.key = h.jwt_key_from_secret(JWT_SECRET)
        cls.header, cls.claims = h.jwt_parts(cls.owner["token"])

    def mint(self, header=None, key=None, alg="HS256", **claims):
        body = dict(self.claims)
        now = int(time.time())
        body.update({"iat": now, "exp": now + 600, "jti": str(uuid.uuid4())})
        for name, value in claims.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        header = header or {"alg": "HS256", "typ": "JWT"}
        return h.jwt_encode(header, body, key if key is not None else self.key, alg)

    def assert_refused(self, token, what):
        h.assert_error(me(self.srv, token), 401, "UNAUTHENTICATED", what=what)

    def test_00_correctly_minted_token_is_accepted(self):
        """Positive control: without it, every refusal below could be vacuous."""
        token = self.mint()
        user = h.assert_json(
            me(self.srv, token),
            200,
            "a token minted with BLAKE2b-256(BUFFR_JWT_SECRET) must be accepted",
        )
        self.assertEqual(user["id"], self.owner["user_id"])

    def test_other_secret(self):
        self.assert_refused(self.mint(key=h.jwt_key_from_secret("x" * 48)), "other key")
        self.assert_refused(self.mint(key=JWT_SECRET.encode()), "raw secret as key")

    def test_alg_none(self):
        for alg_name in ("none", "None", "NONE"):
            token = self.mint(header={"alg": alg_name, "typ": "JWT"}, alg="none")
            self.assert_refused(token, "alg " + alg_name)
            # A none header with a real signature appended.
            signed = self.mint()
            head = h.b64url('{"alg":"%s","typ":"JWT"}' % alg_name)
            self.assert_refused(head + signed[signed.index(".") :], "alg none + signature")

    def test_alg_hs512_and_others(self):
        self.assert_refused(
            self.mint(header={"alg": "HS512", "typ": "JWT"}, alg="HS512"), "HS512 with our key"
        )
        self.assert_refused(
            self.mint(header={"alg": "HS512", "typ": "JWT"}, alg="HS256"), "HS512 header, HS256 sig"
        )
        for alg_name in ("RS256", "ES256", "hs256", ""):
            self.assert_refused(
                self.mint(header={"alg": alg_name, "typ": "JWT"}), "alg " + alg_name
            )
        self.assert_refused(self.mint(header={"typ": "JWT"}), "no alg")

    def test_key_locating_header_params(self):
        for extra in (
            {"kid": "1"},
            {"jku": "http://x"},
            {"crit": ["exp"]},
            {"jwk": {"kty": "oct"}},
        ):
            header = {"alg": "HS256", "typ": "JWT"}
            header.update(extra)
            self.assert_refused(self.mint(header=header), "header %s" % extra)

    def test_expired(self):
        now = int(time.time())
        self.assert_refused(self.mint(iat=now - 4000, exp=now - 300), "expired 5 minutes ago")
        self.assert_refused(self.mint(iat=now - 4000, exp=now - 3600), "expired an hour ago")
        self.assert_refused(self.mint(exp=None), "no exp")
        self.assert_refused(self.mint(exp="9999999999"), "exp as a string")

    def test_not_yet_valid(self):
        now = int(time.time())
        self.assert_refused(self.mint(nbf=now + 3600), "nbf in an hour")
        self.assert_refused(self.mint(iat=now + 3600, exp=now + 7200), "iat in an hour")

    def test_tampered_payload(self):
        staff = h.create_user(self.srv, self.owner["token"], "staff", ["hotel"], do_login=True)
        head, payload, sig = staff["token"].split(".")
        _, claims = h.jwt_parts(staff["token"])
        claims["role"] = "owner"
        forged = head + "." + h.b64url(json.dumps(claims)) + "." + sig
        self.assert_refused(forged, "payload changed, signature kept")
        self.assert_refused(head + "." + payload + "." + sig[:-4] + "AAAA", "signature changed")
        self.assert_refused(head + "." + payload + ".", "signature removed")

    def test_role_claim_is_not_trusted(self):
        """Even a correctly signed token cannot raise a role: it comes from the database."""
        staff = h.create_user(self.srv, self.owner["token"], "staff", ["hotel"], do_login=True)
        _, claims = h.jwt_parts(staff["token"])
        claims.update({"role": "owner", "permissions": ["hotel", "restaurant", "spa"]})
        token = h.jwt_encode({"alg": "HS256", "typ": "JWT"}, claims, self.key)
        user = h.assert_json(me(self.srv, token), 200)
        self.assertEqual(user["role"], "staff")
        resp = self.srv.post(
            "/api/v1/properties",
            {"name": "Escalated", "type": "hotel", "timezone": "UTC", "currency": "EUR"},
            token=token,
        )
        h.assert_error(resp, 403, "FORBIDDEN")

    def test_claims_pointing_at_another_tenant(self):
        other = h.register_tenant(self.srv, "tokens-other")
        _, other_claims = h.jwt_parts(other["token"])
        self.assert_refused(
            self.mint(tenant_id=other_claims["tenant_id"]), "our user, their tenant"
        )
        self.assert_refused(self.mint(sid=other_claims["sid"]), "our user, their session")
        self.assert_refused(self.mint(sub=str(uuid.uuid4())), "unknown user")
        self.assert_refused(self.mint(sid=str(uuid.uuid4())), "unknown session")
        self.assert_refused(self.mint(sub="not-a-uuid"), "malformed sub")

    def test_garbage_and_missing_bearer(self):
        for value in (
            "garbage",
            "a.b.c",
            "....",
            "eyJhbGciOiJIUzI1NiJ9",
            self.owner["token"] + "x",
            self.owner["token"].replace(".", "", 1),
        ):
            self.assert_refused(value, "garbage %r" % value[:30])
        for header in (
            self.owner["token"],  # no scheme
            "Basic " + self.owner["token"],
            "Bearer",
            "Bearer  ",
            "Token " + self.owner["token"],
        ):
            resp = self.srv.get("/api/v1/me", headers={"Authorization": header})
            h.assert_error(resp, 401, "UNAUTHENTICATED", what="Authorization %r" % header[:20])
        # Sanity: the real token still works.
        h.assert_json(me(self.srv, self.owner["token"]), 200)


class DisabledUser(unittest.TestCase):
    def test_disabled_user_is_locked_out_at_once(self):
        srv = h.shared()
        owner = h.register_tenant(srv, "disable")
        staff = h.create_user(srv, owner["token"], "staff", ["hotel"])
        session = h.login_ok(srv, staff["email"], staff["password"])
        staff["token"], staff["refresh_token"] = session["access_token"], session["refresh_token"]
        h.assert_json(me(srv, staff["token"]), 200)
        path = "/api/v1/users/" + staff["id"]
        changed = h.assert_json(srv.patch(path, {"disabled": True}, token=owner["token"]), 200)
        self.assertIs(changed["disabled"], True)
        h.assert_error(
            me(srv, staff["token"]), 401, "UNAUTHENTICATED", what="disabled user's token"
        )
        refreshed = srv.post("/api/v1/auth/refresh", {"refresh_token": staff["refresh_token"]})
        h.assert_error(refreshed, 401, "UNAUTHENTICATED", what="disabled user's refresh token")
        refused = h.login(srv, staff["email"], staff["password"])
        err = h.assert_error(refused, 401, "UNAUTHENTICATED", what="disabled user's login")
        self.assertEqual(err["message"], INVALID_CREDENTIALS)
        # Enabled again: can log in again.
        h.assert_json(srv.patch(path, {"disabled": False}, token=owner["token"]), 200)
        h.login_ok(srv, staff["email"], staff["password"])


class RateLimits(unittest.TestCase):
    def test_ip_limit_and_registration_disabled(self):
        with h.Server(["--login-ip-limit", "5", "--registration-enabled", "false"],
                      source=h.fresh_loopback()) as srv:
            body = dict(
                tenant_name="T",
                email=h.unique_email("closed"),
                password=h.strong_password(),
                full_name="F",
            )
            h.assert_error(srv.post("/api/v1/auth/register", body), 403, "FORBIDDEN")
            # Forwarding headers from the client must not make new addresses.
            for i in range(5):
                resp = srv.post(
                    "/api/v1/auth/login",
                    {"email": h.unique_email("ip%d" % i), "password": "Wrong-password-1"},
                    headers={"X-Forwarded-For": "10.0.0.%d" % i, "X-Real-IP": "10.1.0.%d" % i},
                )
                h.assert_error(resp, 401, "UNAUTHENTICATED", what="attempt %d" % (i + 1))
            resp = srv.post(
                "/api/v1/auth/login",
                {"email": h.unique_email("ip6"), "password": "Wrong-password-1"},
                headers={"X-Forwarded-For": "10.0.0.99", "Forwarded": "for=10.2.0.1"},
            )
            h.assert_error(resp, 429, "RATE_LIMITED", what="6th attempt from one address")
            retry = resp.headers.get("Retry-After")
            self.assertIsNotNone(retry, "429 without Retry-After")
            self.assertRegex(retry, r"^[0-9]+$")
            self.assertTrue(1 <= int(retry) <= 300, retry)
            # Still limited on the next try; other routes are not.
            h.assert_error(h.login(srv, body["email"], "x"), 429, "RATE_LIMITED")
            h.assert_json(srv.get("/health"), 200)

    def test_counts_are_shared_by_instances(self):
        """Two instances on one database (behind a load balancer) count the
        same attempts: spreading them over both gains an attacker nothing."""
        source = h.fresh_loopback()
        limits = ["--login-ip-limit", "4", "--login-account-limit", "3"]
        with h.Server(limits, source=source) as a:
            user = h.register_tenant(a, "shared-limits")
            with h.Server(limits, source=source, database_url=a.database_url) as b:
                # The account: 3 failures over both, then even the right
                # password is refused by either.
                for srv in (a, b, a):
                    h.assert_error(h.login(srv, user["email"], "Wrong-password-1"), 401,
                                   "UNAUTHENTICATED")
                for srv in (b, a):
                    h.assert_error(h.login(srv, user["email"], user["password"]), 429,
                                   "RATE_LIMITED")
                # The address: 3 attempts counted (refused ones are not), so
                # one more to another account, then that address is refused
                # whatever the account, by either instance.
                other = h.unique_email("other")
                h.assert_error(h.login(b, other, "Wrong-password-1"), 401, "UNAUTHENTICATED")
                h.assert_error(h.login(a, other, "Wrong-password-1"), 429, "RATE_LIMITED")
                # Another address is not limited.
                with h.Server(limits, source=h.fresh_loopback(), database_url=a.database_url) as c:
                    h.assert_error(h.login(c, other, "Wrong-password-1"), 401, "UNAUTHENTICATED")

    def test_window_ends(self):
        """A limit lasts one window (login_window_s), then counting starts over."""
        # Times are whole seconds: a 2 s window is at least 1 s long.
        with h.Server(["--login-account-limit", "1", "--login-window-s", "2"],
                      source=h.fresh_loopback()) as srv:
            user = h.register_tenant(srv, "window")
            h.assert_error(h.login(srv, user["email"], "Wrong-password-1"), 401, "UNAUTHENTICATED")
            resp = h.login(srv, user["email"], user["password"])
            h.assert_error(resp, 429, "RATE_LIMITED")
            self.assertIn(resp.headers.get("Retry-After"), ("1", "2"))
            time.sleep(2.2)
            h.login_ok(srv, user["email"], user["password"])

    def test_account_limit(self):
        srv = h.shared()
        victim = h.register_tenant(srv, "victim")
        bystander = h.register_tenant(srv, "bystander")
        for i in range(5):
            resp = h.login(srv, victim["email"], "Wrong-password-%d" % i)
            h.assert_error(resp, 401, "UNAUTHENTICATED", what="failure %d" % (i + 1))
        resp = h.login(srv, victim["email"], victim["password"])
        h.assert_error(resp, 429, "RATE_LIMITED", what="right password after 5 failures")
        retry = resp.headers.get("Retry-After")
        self.assertIsNotNone(retry)
        self.assertRegex(retry, r"^[0-9]+$")
        self.assertGreaterEqual(int(retry), 1)
        # The lock is per account, and case variants of the email are the same account.
        h.assert_error(
            h.login(srv, victim["email"].upper(), victim["password"]), 429, "RATE_LIMITED"
        )
        h.login_ok(srv, bystander["email"], bystander["password"])
        # Existing sessions are not affected.
        h.assert_json(me(srv, victim["token"]), 200)

    def test_success_resets_account_failures(self):
        srv = h.shared()
        user = h.register_tenant(srv, "reset")
        for _ in range(2):
            for i in range(4):
                h.assert_error(
                    h.login(srv, user["email"], "Wrong-%d-pass" % i), 401, "UNAUTHENTICATED"
                )
            h.login_ok(srv, user["email"], user["password"])


class TenantIsolation(unittest.TestCase):
    def test_token_cannot_reach_other_tenant(self):
        srv = h.shared()
        a = h.register_tenant(srv, "iso-a")
        b = h.register_tenant(srv, "iso-b")
        prop = h.create_property(srv, a["token"], name="A's hotel")
        path = "/api/v1/properties/" + prop["id"]
        h.assert_error(srv.get(path, token=b["token"]), 404, "NOT_FOUND")
        listed = h.assert_json(srv.get("/api/v1/properties", token=b["token"]), 200)
        self.assertNotIn(prop["id"], [p["id"] for p in listed["data"]])
        h.assert_error(srv.get("/api/v1/users/" + a["user_id"], token=b["token"]), 404, "NOT_FOUND")
        h.assert_json(srv.get(path, token=a["token"]), 200)


if __name__ == "__main__":
    h.run()
