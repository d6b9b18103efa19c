"""
test_mfa.py - TOTP two-factor sign-in, black-box: enrolment, confirmation,
login with and without a code, single use of a code (replay), clock-skew
window, disabling (and the limit on its password guesses), and what /me
reports.

Codes are computed here with RFC 6238 (harness.totp). A flow starts only when
at least 8 s remain in the current 30 s step (else it waits for the next), so
the steps it uses stay inside the server's +-1 window for the whole flow.

Not here: password login itself (test_auth).
"""

import base64
import time
import unittest
import urllib.parse

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule


def wait_for_fresh_step(margin_s=8):
    """Sleep until at least margin_s seconds remain in the current 30 s step;
    return the step number."""
    now = time.time()
    if 30 - (now % 30) < margin_s:
        time.sleep(30 - (now % 30) + 0.2)
    return int(time.time() // 30)


def wrong_code(secret, step):
    """A six-digit code valid for none of the steps the server may accept."""
    valid = {h.totp(secret, step=s) for s in range(step - 2, step + 3)}
    for candidate in ("000000", "123456", "999999", "314159"):
        if candidate not in valid:
            return candidate
    raise AssertionError("unreachable")


class TotpImplementation(unittest.TestCase):
    def test_rfc6238_vectors(self):
        key_b32 = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
        # RFC 6238 appendix B (SHA-1), the last 6 of the 8 digits.
        self.assertEqual(h.totp(key_b32, t=59), "287082")
        self.assertEqual(h.totp(key_b32, t=1111111109), "081804")
        self.assertEqual(h.totp(key_b32, t=1234567890), "005924")
        self.assertEqual(h.totp(key_b32, t=2000000000), "279037")


class Mfa(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()

    def post(self, path, body=None, token=None):
        return self.srv.post("/api/v1/auth/mfa/" + path, body, token=token)

    def enroll(self, token):
        answer = h.assert_json(self.post("enroll", token=token), 200, "enroll")
        secret = answer["secret"]
        self.assertRegex(secret, r"^[A-Z2-7]{32}$", "20 random bytes in base32, no padding")
        uri = answer["otpauth_uri"]
        self.assertTrue(uri.startswith("otpauth://totp/"), uri)
        parsed = urllib.parse.urlparse(uri)
        query = urllib.parse.parse_qs(parsed.query)
        self.assertEqual(query.get("secret"), [secret])
        if "digits" in query:
            self.assertEqual(query["digits"], ["6"])
        if "period" in query:
            self.assertEqual(query["period"], ["30"])
        if "algorithm" in query:
            self.assertEqual(query["algorithm"], ["SHA1"])
        return secret

    def me(self, token):
        return h.assert_json(self.srv.get("/api/v1/me", token=token), 200)

    def assert_mfa_refused(self, resp, what):
        err = h.assert_error(resp, 401, "UNAUTHENTICATED", field="totp", what=what)
        self.assertIs(err["details"].get("mfa_required"), True, what)

    def test_login_flow_with_mfa(self):
        user = h.register_tenant(self.srv, "mfa-login")
        token = user["token"]
        self.assertIs(self.me(token)["mfa_enabled"], False)

        step = wait_for_fresh_step()
        secret = self.enroll(token)
        # Pending only: login still works without a code.
        h.login_ok(self.srv, user["email"], user["password"])
        self.assertIs(self.me(token)["mfa_enabled"], False)

        resp = self.post("confirm", {"totp": wrong_code(secret, step)}, token=token)
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="totp")
        for bad in ("12345", "1234567", "abcdef", ""):
            resp = self.post("confirm", {"totp": bad}, token=token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field="totp", what=repr(bad))
        self.assertIs(self.me(token)["mfa_enabled"], False)

        # The previous step's code, inside the +-1 window.
        confirmed = self.post("confirm", {"totp": h.totp(secret, step=step - 1)}, token=token)
        self.assertEqual(h.assert_json(confirmed, 200), {"mfa_enabled": True})
        self.assertIs(self.me(token)["mfa_enabled"], True)
        # Already on: enrolling or confirming again is a conflict.
        h.assert_error(self.post("enroll", token=token), 409, "CONFLICT")
        resp = self.post("confirm", {"totp": h.totp(secret, step=step)}, token=token)
        h.assert_error(resp, 409, "CONFLICT")

        self.assert_mfa_refused(h.login(self.srv, user["email"], user["password"]), "no code")
        self.assert_mfa_refused(
            h.login(self.srv, user["email"], user["password"], wrong_code(secret, step)),
            "wrong code",
        )
        # The code that confirmed enrolment was used already.
        self.assert_mfa_refused(
            h.login(self.srv, user["email"], user["password"], h.totp(secret, step=step - 1)),
            "the confirming code again",
        )
        session = h.login_ok(self.srv, user["email"], user["password"], h.totp(secret, step=step))
        h.assert_json(self.srv.get("/api/v1/me", token=session["access_token"]), 200)
        self.assert_mfa_refused(
            h.login(self.srv, user["email"], user["password"], h.totp(secret, step=step)),
            "replay of the same step",
        )
        # The next step (clock skew +1) works once.
        h.login_ok(self.srv, user["email"], user["password"], h.totp(secret, step=step + 1))
        self.assert_mfa_refused(
            h.login(self.srv, user["email"], user["password"], h.totp(secret, step=step + 1)),
            "replay of the next step",
        )
        # An older step than the last accepted one is refused.
        self.assert_mfa_refused(
            h.login(self.srv, user["email"], user["password"], h.totp(secret, step=step)),
            "older step",
        )
        # Two steps ahead is outside the window.
        self.assert_mfa_refused(
            h.login(self.srv, user["email"], user["password"], h.totp(secret, step=step + 3)),
            "outside the window",
        )
        # Wrong password with an unused right code: the ordinary credentials error.
        resp = h.login(self.srv, user["email"], h.strong_password(), h.totp(secret, step=step + 2))
        err = h.assert_error(resp, 401, "UNAUTHENTICATED")
        self.assertEqual(err["message"], "invalid email or password")

    def test_concurrent_use_of_one_code(self):
        user = h.register_tenant(self.srv, "mfa-race")
        step = wait_for_fresh_step()
        secret = self.enroll(user["token"])
        confirmed = self.post(
            "confirm", {"totp": h.totp(secret, step=step - 1)}, token=user["token"]
        )
        h.assert_json(confirmed, 200)
        code = h.totp(secret, step=step)
        calls = [
            (lambda: h.login(self.srv, user["email"], user["password"], code)) for _ in range(6)
        ]
        results = h.concurrently(calls)
        statuses = sorted(r.status if isinstance(r, h.Response) else repr(r) for r in results)
        self.assertEqual(statuses, [200] + [401] * 5, "a one-time code worked more than once")

    def test_disable_flow(self):
        user = h.register_tenant(self.srv, "mfa-off")
        token = user["token"]
        h.assert_error(self.post("confirm", {"totp": "123456"}, token=token), 409, "CONFLICT")
        h.assert_error(
            self.post("disable", {"password": user["password"], "totp": "123456"}, token=token),
            409,
            "CONFLICT",
            what="disable while off",
        )

        step = wait_for_fresh_step()
        first = self.enroll(token)
        second = self.enroll(token)
        self.assertNotEqual(first, second, "enrolling again makes a new secret")
        if h.totp(first, step=step - 1) != h.totp(second, step=step - 1):
            resp = self.post("confirm", {"totp": h.totp(first, step=step - 1)}, token=token)
            h.assert_error(resp, 400, "VALIDATION_ERROR", field="totp", what="replaced secret")
        confirmed = self.post("confirm", {"totp": h.totp(second, step=step - 1)}, token=token)
        self.assertEqual(h.assert_json(confirmed, 200), {"mfa_enabled": True})
        secret = second

        resp = self.post(
            "disable",
            {"password": h.strong_password(), "totp": h.totp(secret, step=step)},
            token=token,
        )
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="password")
        resp = self.post(
            "disable", {"password": user["password"], "totp": wrong_code(secret, step)}, token=token
        )
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="totp")
        resp = self.post(
            "disable",
            {"password": user["password"], "totp": h.totp(secret, step=step - 1)},
            token=token,
        )
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="totp", what="used code")
        h.assert_error(
            self.post("disable", {"password": user["password"]}, token=token),
            400,
            "VALIDATION_ERROR",
            field="totp",
        )
        self.assertIs(self.me(token)["mfa_enabled"], True)

        off = self.post(
            "disable",
            {"password": user["password"], "totp": h.totp(secret, step=step)},
            token=token,
        )
        self.assertEqual(h.assert_json(off, 200), {"mfa_enabled": False})
        self.assertIs(self.me(token)["mfa_enabled"], False)
        h.login_ok(self.srv, user["email"], user["password"])
        # No pending enrolment any more.
        h.assert_error(
            self.post("confirm", {"totp": h.totp(secret, step=step + 1)}, token=token),
            409,
            "CONFLICT",
        )

    def test_disable_guesses_are_rate_limited(self):
        # With a stolen access token, disable must not be a password oracle
        # without limit: its failures count against the account like logins.
        user = h.register_tenant(self.srv, "mfa-guess")
        token = user["token"]
        step = wait_for_fresh_step()
        secret = self.enroll(token)
        confirmed = self.post("confirm", {"totp": h.totp(secret, step=step - 1)}, token=token)
        h.assert_json(confirmed, 200)
        code = h.totp(secret, step=step)
        for i in range(5):
            resp = self.post(
                "disable", {"password": h.strong_password(), "totp": code}, token=token
            )
            h.assert_error(
                resp, 400, "VALIDATION_ERROR", field="password", what="guess %d" % (i + 1)
            )
        resp = self.post("disable", {"password": user["password"], "totp": code}, token=token)
        h.assert_error(resp, 429, "RATE_LIMITED", what="right password after 5 wrong ones")
        retry = resp.headers.get("Retry-After")
        self.assertIsNotNone(retry, "429 without Retry-After")
        self.assertRegex(retry, r"^[0-9]+$")
        self.assertGreaterEqual(int(retry), 1)
        self.assertIs(self.me(token)["mfa_enabled"], True)
        # One limit per account: the guesses count for login too.
        resp = h.login(self.srv, user["email"], user["password"], h.totp(secret, step=step + 1))
        h.assert_error(resp, 429, "RATE_LIMITED", what="login after the guesses")

    def test_mfa_needs_a_token(self):
        for path in ("enroll", "confirm", "disable"):
            h.assert_error(self.post(path, {"totp": "123456"}), 401, "UNAUTHENTICATED", what=path)


if __name__ == "__main__":
    h.run()
