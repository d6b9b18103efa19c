"""
test_conventions.py - API.md's conventions, black-box: the error table and
shape, X-Request-Id, body limits and media types, UTF-8, pagination, ignored
fields, concurrency, keep-alive, slow clients, and hostile input that must
never answer 500 or bring the server down.

Not here: the rules of a particular resource (test_auth, test_users,
test_properties own those).
"""

import json
import threading
import time
import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule


class Conventions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = h.shared()
        cls.owner = h.register_tenant(cls.srv, "conv")
        cls.token = cls.owner["token"]
        cls.prop = h.create_property(cls.srv, cls.token)
        cls.other = h.register_tenant(cls.srv, "conv-other")
        cls.other_prop = h.create_property(cls.srv, cls.other["token"])

    # ------------------------------------------------------------ error table

    def test_400_validation_error_missing_field(self):
        resp = self.srv.post(
            "/api/v1/properties",
            {"type": "hotel", "timezone": "Europe/Paris", "currency": "EUR"},
            token=self.token,
        )
        h.assert_error(resp, 400, "VALIDATION_ERROR", field="name")

    def test_400_malformed_json(self):
        for raw in (b'{"name": "x",', b"{name: 1}", b"not json", b'{"a":1}{"b":2}', b"{'a': 1}"):
            resp = self.srv.post("/api/v1/properties", raw_body=raw, token=self.token)
            h.assert_error(resp, 400, "MALFORMED_JSON", what=repr(raw))

    def test_400_empty_body_on_json_route(self):
        resp = self.srv.post("/api/v1/properties", raw_body=b"", token=self.token)
        h.assert_error(resp, 400, "MALFORMED_JSON")
        # No body and no Content-Type at all: 400, or 415 for the missing type.
        resp = self.srv.request("POST", "/api/v1/auth/login", content_type=None)
        self.assertIn(resp.status, (400, 415), resp)
        h.assert_error(resp, resp.status, ("MALFORMED_JSON", "UNSUPPORTED_MEDIA_TYPE"))

    def test_400_invalid_utf8(self):
        for raw in (
            b'{"name": "\xff\xfe", "type": "hotel", "timezone": "UTC", "currency": "EUR"}',
            b'{"name": "\xc3\x28"}',  # broken two-byte sequence
            b'{"name": "\xed\xa0\x80"}',  # UTF-16 surrogate encoded as UTF-8
            b'{"name": "\xc0\xaf"}',  # overlong
        ):
            resp = self.srv.post("/api/v1/properties", raw_body=raw, token=self.token)
            h.assert_error(resp, 400, "MALFORMED_JSON", what=repr(raw))

    def test_400_json_of_wrong_shape(self):
        for raw in (b"[]", b'[{"name": "x"}]', b'"text"', b"42", b"null", b"true"):
            resp = self.srv.post("/api/v1/properties", raw_body=raw, token=self.token)
            h.assert_error(resp, 400, ("VALIDATION_ERROR", "MALFORMED_JSON"), what=repr(raw))

    def test_401_without_token(self):
        h.assert_error(self.srv.get("/api/v1/me"), 401, "UNAUTHENTICATED")
        h.assert_error(self.srv.get("/api/v1/properties"), 401, "UNAUTHENTICATED")
        h.assert_error(self.srv.post("/api/v1/properties", {"name": "x"}), 401, "UNAUTHENTICATED")

    def test_403_role_may_not(self):
        staff = h.create_user(self.srv, self.token, "staff", ["hotel"], do_login=True)
        resp = self.srv.post(
            "/api/v1/properties",
            {"name": "Nope", "type": "hotel", "timezone": "UTC", "currency": "EUR"},
            token=staff["token"],
        )
        h.assert_error(resp, 403, "FORBIDDEN")
        h.assert_error(self.srv.get("/api/v1/users", token=staff["token"]), 403, "FORBIDDEN")

    def test_404_unknown_path(self):
        for path in ("/api/v1/nope", "/api/v2/properties", "/", "/api/v1/properties/x/y/z/w"):
            h.assert_error(self.srv.get(path, token=self.token), 404, "NOT_FOUND", what=path)
        # Unknown path without a token is still 404 (nothing to authorise).
        h.assert_error(self.srv.get("/definitely/not/here"), 404, "NOT_FOUND")

    def test_404_malformed_uuid_in_path(self):
        for pid in (
            "not-a-uuid",
            "123",
            "0192e5c4-7d0a-7bbb-8ccc-ddddeeeeffffX",
            "0192e5c4-7d0a-7bbb-8ccc-ddddeeeefff",
            "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
            "%00",
            "..%2F..%2Fetc%2Fpasswd",
            "'%20OR%201=1--",
        ):
            path = "/api/v1/properties/" + pid
            h.assert_error(self.srv.get(path, token=self.token), 404, "NOT_FOUND", what=path)
            resp = self.srv.patch(path, {"name": "x"}, token=self.token)
            h.assert_error(resp, 404, "NOT_FOUND", what="PATCH " + path)
            h.assert_error(self.srv.delete(path, token=self.token), 404, "NOT_FOUND")
        # Well-formed but unknown.
        path = "/api/v1/properties/" + str(uuid.uuid4())
        h.assert_error(self.srv.get(path, token=self.token), 404, "NOT_FOUND")

    def test_404_other_tenants_property(self):
        path = "/api/v1/properties/" + self.other_prop["id"]
        h.assert_error(self.srv.get(path, token=self.token), 404, "NOT_FOUND")
        unknown = self.srv.get("/api/v1/properties/" + str(uuid.uuid4()), token=self.token)
        # Never reveal it exists: identical to a property that does not exist.
        self.assertEqual(
            self.srv.get(path, token=self.token).body["error"]["message"],
            unknown.body["error"]["message"],
        )

    def test_405_wrong_method_on_known_path(self):
        for method, path in (
            ("PUT", "/api/v1/properties"),
            ("DELETE", "/api/v1/properties"),
            ("PUT", "/api/v1/properties/" + self.prop["id"]),
            ("DELETE", "/api/v1/me"),
            ("GET", "/api/v1/auth/login"),
        ):
            resp = self.srv.request(method, path, token=self.token)
            h.assert_error(resp, 405, "METHOD_NOT_ALLOWED", what=method + " " + path)

    def test_409_stale_if_match(self):
        prop = h.create_property(self.srv, self.token)
        path = "/api/v1/properties/" + prop["id"]
        ok = self.srv.patch(path, {"name": "Renamed"}, token=self.token, headers={"If-Match": "1"})
        self.assertEqual(h.assert_json(ok, 200)["version"], 2)
        stale = self.srv.patch(path, {"name": "Stale"}, token=self.token, headers={"If-Match": "1"})
        h.assert_error(stale, 409, "CONFLICT")
        self.assertEqual(self.srv.get(path, token=self.token).body["name"], "Renamed")

    def test_409_duplicate_email(self):
        resp = self.srv.post(
            "/api/v1/auth/register",
            {
                "tenant_name": "Dup",
                "email": self.owner["email"],
                "password": h.strong_password(),
                "full_name": "Dup",
            },
        )
        h.assert_error(resp, 409, "CONFLICT")

    def test_413_over_default_limit(self):
        body = b'{"name": "' + b"a" * (1024 * 1024 + 16) + b'"}'
        resp = self.srv.post("/api/v1/properties", raw_body=body, token=self.token)
        h.assert_error(resp, 413, "PAYLOAD_TOO_LARGE")
        self.assertTrue(self.srv.alive())
        h.assert_json(self.srv.get("/health"), 200)

    def test_chunked_body_accepted(self):
        conn = self.srv.client.connection()
        try:
            conn.putrequest("POST", "/api/v1/properties")
            conn.putheader("Authorization", "Bearer " + self.token)
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            body = json.dumps(
                {"name": "Chunked ✓", "type": "hotel", "timezone": "UTC", "currency": "EUR"},
                ensure_ascii=False,
            ).encode("utf-8")
            for i in range(0, len(body), 7):  # splits inside the multi-byte character too
                chunk = body[i : i + 7]
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
            resp = conn.getresponse()
            created = json.loads(resp.read())
            self.assertEqual(resp.status, 201, created)
            self.assertEqual(created["name"], "Chunked ✓")
        finally:
            conn.close()

    def test_415_non_json_content_type(self):
        body = json.dumps({"name": "T", "type": "hotel", "timezone": "UTC", "currency": "EUR"})
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "text/html"):
            resp = self.srv.post(
                "/api/v1/properties", raw_body=body, token=self.token, content_type=ctype
            )
            h.assert_error(resp, 415, "UNSUPPORTED_MEDIA_TYPE", what=ctype)
        # A JSON type with parameters is fine.
        resp = self.srv.post(
            "/api/v1/properties",
            raw_body=body,
            token=self.token,
            content_type="application/json; charset=utf-8",
        )
        h.assert_json(resp, 201)

    # ------------------------------------------------------------ limits server

    def test_413_exact_limit_and_429_retry_after(self):
        """A server with --max-body-bytes 1024 and --login-ip-limit 3."""
        with h.Server(["--max-body-bytes", "1024", "--login-ip-limit", "3"],
                      source=h.fresh_loopback()) as srv:
            owner = h.register_tenant(srv, "limits")
            prefix = b'{"name": "'
            suffix = b'", "type": "hotel", "timezone": "UTC", "currency": "EUR"}'

            def body_of(size):
                return prefix + b"n" * (size - len(prefix) - len(suffix)) + suffix

            at_limit = srv.post("/api/v1/properties", raw_body=body_of(1024), token=owner["token"])
            self.assertNotEqual(at_limit.status, 413, "a body of exactly the limit is allowed")
            self.assertIn(at_limit.status, (201, 400), at_limit)
            over = srv.post("/api/v1/properties", raw_body=body_of(1025), token=owner["token"])
            h.assert_error(over, 413, "PAYLOAD_TOO_LARGE")
            # Chunked upload over the limit (no Content-Length).
            conn = srv.client.connection()
            try:
                conn.putrequest("POST", "/api/v1/properties")
                conn.putheader("Authorization", "Bearer " + owner["token"])
                conn.putheader("Content-Type", "application/json")
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                data = body_of(4000)
                try:
                    for i in range(0, len(data), 500):
                        chunk = data[i : i + 500]
                        conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    conn.send(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                resp = conn.getresponse()
                raw = resp.read()
                self.assertEqual(resp.status, 413, raw)
            finally:
                conn.close()

            # Login attempts per IP: 3 allowed, the 4th is refused.
            for i in range(3):
                resp = h.login(srv, h.unique_email("nobody"), "wrong-password-123")
                h.assert_error(resp, 401, "UNAUTHENTICATED", what="attempt %d" % (i + 1))
            resp = h.login(srv, h.unique_email("nobody"), "wrong-password-123")
            h.assert_error(resp, 429, "RATE_LIMITED")
            retry = resp.headers.get("Retry-After")
            self.assertIsNotNone(retry, "429 without Retry-After")
            self.assertRegex(retry, r"^[0-9]+$")
            self.assertTrue(1 <= int(retry) <= 300, retry)

    # ------------------------------------------------------------ X-Request-Id

    def test_request_id_echoed_and_generated(self):
        cases = [
            ("GET", "/health", None),
            ("GET", "/api/v1/me", self.token),
            ("GET", "/api/v1/me", None),  # 401
            ("GET", "/api/v1/nowhere", None),  # 404
            ("PUT", "/api/v1/properties", self.token),  # 405
        ]
        seen = set()
        for method, path, token in cases:
            rid = "test-" + uuid.uuid4().hex
            resp = self.srv.request(method, path, token=token, headers={"X-Request-Id": rid})
            self.assertEqual(resp.headers.get("X-Request-Id"), rid, "%s %s" % (method, path))
            resp = self.srv.request(method, path, token=token)
            generated = resp.headers.get("X-Request-Id")
            self.assertTrue(generated, "%s %s: no generated X-Request-Id" % (method, path))
            self.assertNotIn(generated, seen, "request ids must differ")
            seen.add(generated)
        # On a malformed body too.
        rid = "bad-body-" + uuid.uuid4().hex
        resp = self.srv.post(
            "/api/v1/properties", raw_body=b"{", token=self.token, headers={"X-Request-Id": rid}
        )
        h.assert_error(resp, 400, "MALFORMED_JSON")
        self.assertEqual(resp.headers.get("X-Request-Id"), rid)

    # ------------------------------------------------------------ UTF-8

    def test_utf8_round_trip_byte_exact(self):
        names = [
            "Hôtel 🏨🌊 Été",
            "東京ホテル 酒店 호텔",
            "Cafe\u0301 Noe\u0308l",  # combining accents: must not be normalised
            "فندق البحر שלום",  # RTL
            "Zero\u200dWidth \u202eRLO\u202c",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0001f9d1\u200d\U0001f373",
            'quote " backslash \\ slash / <b>&amp;</b>',
        ]
        for name in names:
            created = h.create_property(self.srv, self.token, name=name)
            self.assertEqual(created["name"], name)
            got = h.assert_json(
                self.srv.get("/api/v1/properties/" + created["id"], token=self.token), 200
            )
            self.assertEqual(got["name"], name)
            self.assertEqual(got["name"].encode("utf-8"), name.encode("utf-8"))
        # Names at the length limit (200 bytes) made of multi-byte characters:
        # accepted whole or refused, never cut inside a character.
        for name in ("😀" * 50, "é" * 100, "a" * 198 + "é", "€" * 66 + "ab"):
            self.assertEqual(len(name.encode("utf-8")), 200)
            resp = self.srv.post(
                "/api/v1/properties",
                {"name": name, "type": "hotel", "timezone": "UTC", "currency": "EUR"},
                token=self.token,
            )
            if resp.status != 201:
                h.assert_error(resp, 400, "VALIDATION_ERROR", field="name")
                continue
            got = self.srv.get("/api/v1/properties/" + resp.body["id"], token=self.token)
            self.assertEqual(h.assert_json(got, 200)["name"], name)
        # Raw non-ASCII bytes in the body, not \u escapes.
        raw = json.dumps(
            {"name": names[0], "type": "spa", "timezone": "Asia/Tokyo", "currency": "JPY"},
            ensure_ascii=False,
        ).encode("utf-8")
        resp = self.srv.post("/api/v1/properties", raw_body=raw, token=self.token)
        self.assertEqual(h.assert_json(resp, 201)["name"], names[0])

    # ------------------------------------------------------------ pagination

    def test_pagination_limit_cursor(self):
        tenant = h.register_tenant(self.srv, "pages")
        created = [
            h.create_property(self.srv, tenant["token"], name="P%d" % i)["id"] for i in range(7)
        ]
        pages = []
        cursor = None
        for _ in range(10):
            url = "/api/v1/properties?limit=3" + (
                "&cursor=" + h.urllib_quote(cursor) if cursor else ""
            )
            page = h.assert_json(self.srv.get(url, token=tenant["token"]), 200)
            self.assertEqual(set(page), {"data", "next_cursor"})
            pages.append([p["id"] for p in page["data"]])
            cursor = page["next_cursor"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
        self.assertEqual([len(p) for p in pages], [3, 3, 1])
        flat = [pid for page in pages for pid in page]
        self.assertEqual(len(set(flat)), 7, "duplicates across pages")
        self.assertEqual(flat, created, "oldest first, exactly the tenant's properties")
        # Default limit returns all 7 with no cursor.
        page = h.assert_json(self.srv.get("/api/v1/properties", token=tenant["token"]), 200)
        self.assertEqual(len(page["data"]), 7)
        self.assertIsNone(page["next_cursor"])
        # Exactly limit items: one full page; the next (if a cursor is given) is empty.
        page = h.assert_json(self.srv.get("/api/v1/properties?limit=7", token=tenant["token"]), 200)
        self.assertEqual(len(page["data"]), 7)
        if page["next_cursor"] is not None:
            rest = self.srv.get(
                "/api/v1/properties?limit=7&cursor=" + h.urllib_quote(page["next_cursor"]),
                token=tenant["token"],
            )
            rest = h.assert_json(rest, 200)
            self.assertEqual(rest["data"], [])
            self.assertIsNone(rest["next_cursor"])
        # A cursor handed to one tenant shows another tenant nothing of the first.
        first = h.assert_json(
            self.srv.get("/api/v1/properties?limit=3", token=tenant["token"]), 200
        )
        leaked = self.srv.get(
            "/api/v1/properties?limit=200&cursor=" + h.urllib_quote(first["next_cursor"]),
            token=self.other["token"],
        )
        if leaked.status == 200:
            self.assertFalse(set(p["id"] for p in leaked.body["data"]) & set(created))
        else:
            h.assert_error(leaked, 400, "VALIDATION_ERROR")
        h.assert_json(self.srv.get("/api/v1/properties?limit=200", token=tenant["token"]), 200)
        h.assert_json(self.srv.get("/api/v1/properties?limit=1", token=tenant["token"]), 200)
        for bad in ("0", "201", "-1", "abc", "1.5", "3x", "99999999999999999999"):
            resp = self.srv.get("/api/v1/properties?limit=" + bad, token=tenant["token"])
            h.assert_error(resp, 400, "VALIDATION_ERROR", what="limit=" + bad)

    # ------------------------------------------------------------ ignored fields

    def test_ignored_fields_on_create_and_patch(self):
        fake_id = str(uuid.uuid4())
        created = h.create_property(
            self.srv,
            self.token,
            id=fake_id,
            tenant_id=self.other["tenant_id"],
            version=99,
            created_at="2000-01-01T00:00:00Z",
        )
        self.assertNotEqual(created["id"], fake_id)
        self.assertEqual(created["version"], 1)
        self.assertNotEqual(created.get("created_at"), "2000-01-01T00:00:00Z")
        path = "/api/v1/properties/" + created["id"]
        h.assert_json(self.srv.get(path, token=self.token), 200)
        h.assert_error(self.srv.get(path, token=self.other["token"]), 404, "NOT_FOUND")
        h.assert_error(
            self.srv.get("/api/v1/properties/" + fake_id, token=self.token), 404, "NOT_FOUND"
        )
        patched = h.assert_json(
            self.srv.patch(
                path,
                {
                    "name": "Patched",
                    "id": fake_id,
                    "tenant_id": self.other["tenant_id"],
                    "version": 50,
                },
                token=self.token,
            ),
            200,
        )
        self.assertEqual(patched["id"], created["id"])
        self.assertEqual(patched["version"], 2)
        self.assertEqual(patched["name"], "Patched")
        h.assert_error(self.srv.get(path, token=self.other["token"]), 404, "NOT_FOUND")
        self.assertEqual(self.srv.get(path, token=self.token).body["version"], 2)

    # ------------------------------------------------------------ connections

    def test_many_concurrent_clients(self):
        path = "/api/v1/properties/" + self.prop["id"]
        statuses = []
        errors = []
        lock = threading.Lock()

        def worker(n):
            for i in range(10):
                try:
                    resp = self.srv.get(
                        path if (n + i) % 2 else "/api/v1/me", token=self.token, timeout=60
                    )
                    with lock:
                        statuses.append(resp.status)
                except Exception as exc:  # noqa: BLE001 - collected and reported
                    with lock:
                        errors.append(repr(exc))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(len(statuses), 400)
        self.assertEqual(set(statuses), {200})

    def test_keep_alive_connection_reused(self):
        conn = self.srv.client.connection()
        try:
            local = None
            for i in range(20):
                path = "/health" if i % 2 else "/api/v1/properties/" + self.prop["id"]
                resp = self.srv.client.request("GET", path, token=self.token, conn=conn)
                self.assertEqual(resp.status, 200, resp)
                self.assertIsNotNone(conn.sock, "server closed the connection after request %d" % i)
                name = conn.sock.getsockname()
                if local is None:
                    local = name
                self.assertEqual(name, local, "a new connection was opened at request %d" % i)
            # A POST with a body on the same connection too.
            resp = self.srv.client.request(
                "POST", "/api/v1/properties", body={"name": "ka"}, token=self.token, conn=conn
            )
            h.assert_error(resp, 400, "VALIDATION_ERROR")
            resp = self.srv.client.request("GET", "/health", conn=conn)
            self.assertEqual(resp.status, 200)
            self.assertEqual(conn.sock.getsockname(), local)
        finally:
            conn.close()

    def test_slow_clients_do_not_block_others(self):
        slow = []
        try:
            for _ in range(12):
                sock = self.srv.raw_socket()
                sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor")
                slow.append(sock)
            # A slow body too: headers complete, body never finished.
            sock = self.srv.raw_socket()
            sock.sendall(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email"'
            )
            slow.append(sock)
            time.sleep(0.3)
            for i in range(10):
                started = time.monotonic()
                resp = self.srv.get("/api/v1/me", token=self.token, timeout=10)
                elapsed = time.monotonic() - started
                self.assertEqual(resp.status, 200)
                self.assertLess(
                    elapsed, 3.0, "request %d waited %.1f s behind slow clients" % (i, elapsed)
                )
        finally:
            for sock in slow:
                sock.close()

    # ------------------------------------------------------------ hostile input

    def test_hostile_inputs_never_500(self):
        deep_array = b"[" * 10000 + b"]" * 10000
        deep_object = b'{"a":' * 10000 + b"1" + b"}" * 10000
        long_name = "x" * (200 * 1024)
        wrong_types = [1, -1, 1.5, True, False, None, [], ["x"], {}, {"a": 1}, ""]
        cases = []
        reg_fields = {
            "tenant_name": "T",
            "email": h.unique_email("hostile"),
            "password": h.strong_password(),
            "full_name": "F",
        }
        for field in reg_fields:
            for value in wrong_types:
                body = dict(reg_fields, email=h.unique_email("hostile"))
                body[field] = value
                cases.append(("POST", "/api/v1/auth/register", body, None))
        prop_fields = {"name": "N", "type": "hotel", "timezone": "UTC", "currency": "EUR"}
        for field in prop_fields:
            for value in wrong_types:
                body = dict(prop_fields)
                body[field] = value
                cases.append(("POST", "/api/v1/properties", body, self.token))
                if value is not None:  # null in a PATCH may mean "leave as is"
                    cases.append(
                        (
                            "PATCH",
                            "/api/v1/properties/" + self.prop["id"],
                            {field: value},
                            self.token,
                        )
                    )
        for field in ("email", "password", "totp"):
            for value in wrong_types:
                body = {"email": "a@b.c", "password": "x"}
                body[field] = value
                cases.append(("POST", "/api/v1/auth/login", body, None))
        for value in wrong_types:
            cases.append(("POST", "/api/v1/auth/refresh", {"refresh_token": value}, None))
        raw_cases = [
            b'{"name": 1e999999, "type": "hotel", "timezone": "UTC", "currency": "EUR"}',
            b'{"name": 123456789012345678901234567890123456789}',
            b'{"name": "N", "type": "hotel", "timezone": "UTC", "currency": "EUR", '
            b'"version": 1e400}',
            b'{"name": -0.0e-99999}',
            deep_array,
            deep_object,
            b'{"name": "a\\u0000b", "type": "hotel", "timezone": "UTC", "currency": "EUR"}',
            b'{"name": "\\ud800", "type": "hotel", "timezone": "UTC", "currency": "EUR"}',
            b"\x00\x00\x00",
            b'{"name": "N", "name": "M", "type": "hotel", "timezone": "UTC", "currency": "EUR"}',
            b"\xef\xbb\xbf{}",
        ]
        for raw in raw_cases:
            cases.append(("POST", "/api/v1/properties", raw, self.token))
            cases.append(("PATCH", "/api/v1/properties/" + self.prop["id"], raw, self.token))
            cases.append(("POST", "/api/v1/auth/register", raw, None))
            cases.append(("POST", "/api/v1/auth/login", raw, None))
        cases.append(
            (
                "POST",
                "/api/v1/properties",
                {"name": long_name, "type": "hotel", "timezone": "UTC", "currency": "EUR"},
                self.token,
            )
        )
        cases.append(
            (
                "POST",
                "/api/v1/auth/register",
                dict(reg_fields, tenant_name=long_name, email=h.unique_email("long")),
                None,
            )
        )
        cases.append(
            (
                "POST",
                "/api/v1/auth/login",
                {"email": long_name + "@x.io", "password": long_name},
                None,
            )
        )
        for value in ("a\u0000b", "x@y.z\u0000", "\u0000"):
            cases.append(("POST", "/api/v1/auth/login", {"email": value, "password": value}, None))
            cases.append(
                (
                    "POST",
                    "/api/v1/properties",
                    {"name": value, "type": "hotel", "timezone": "UTC", "currency": "EUR"},
                    self.token,
                )
            )
        results = []
        for method, path, body, token in cases:
            if isinstance(body, bytes):
                resp = self.srv.request(method, path, raw_body=body, token=token)
            else:
                resp = self.srv.request(method, path, body=body, token=token)
            results.append((method, path, body, resp))
        odd_requests = [
            ("GET", "/api/v1/properties?limit=99999999999999999999999999"),
            ("GET", "/api/v1/properties?cursor=%00%ff%fe"),
            ("GET", "/api/v1/properties?cursor=" + "A" * 5000),
            ("GET", "/api/v1/properties?cursor=eyJ4IjoxfQ"),
            ("GET", "/api/v1/properties/" + "a" * 5000),
            ("GET", "/api/v1/properties/%ff%fe"),
            ("GET", "/api/v1/%2e%2e/%2e%2e/etc/passwd"),
            ("GET", "/api/v1/properties/%zz"),
            ("GET", "/api/v1/properties/%"),
            ("GET", "/api/v1/properties?limit=%zz"),
            ("GET", "/api/v1/users?cursor=" + "%ff" * 100),
        ]
        for method, path in odd_requests:
            results.append((method, path, None, self.srv.request(method, path, token=self.token)))
        for value in ("abc", "-1", "99999999999999999999999", "1.0", 'W/"1"', "1 2", "0x1"):
            resp = self.srv.patch(
                "/api/v1/properties/" + self.prop["id"],
                {"name": "IfMatch"},
                token=self.token,
                headers={"If-Match": value},
            )
            results.append(("PATCH", "If-Match " + value, None, resp))
        for value in (
            "Bearer",
            "Bearer ",
            "Bearer a.b",
            "Bearer ....",
            "Basic Zm9vOmJhcg==",
            "x" * 8000,
        ):
            resp = self.srv.get("/api/v1/me", headers={"Authorization": value})
            results.append(("GET", "/api/v1/me Authorization " + value[:20], None, resp))

        bad = []
        for method, path, body, resp in results:
            if not 400 <= resp.status <= 499:
                shown = body if not isinstance(body, (bytes, dict)) else repr(body)[:120]
                bad.append("%s %s %s -> %r" % (method, path, shown, resp))
            elif isinstance(resp.body, dict):
                try:
                    h.assert_error(resp, resp.status)
                except AssertionError as exc:
                    bad.append("%s %s: %s" % (method, path, exc))
            else:
                bad.append(
                    "%s %s: %s without a JSON error body: %r" % (method, path, resp.status, resp)
                )
        self.assertEqual(bad, [], "\n".join(bad[:30]))
        self.assertTrue(self.srv.alive(), "the server died")
        h.assert_json(self.srv.get("/health"), 200)
        h.assert_json(self.srv.get("/api/v1/me", token=self.token), 200)


if __name__ == "__main__":
    h.run()
