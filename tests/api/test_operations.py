"""
test_operations.py - what an operator relies on, black-box: /health,
/metrics in Prometheus text format, the served OpenAPI 3.1 document, the JSON
access log on stderr (and that it leaks no secret), and a graceful stop on
SIGTERM that lets an in-flight request finish and exits 0.

Not here: the CLI (test_cli).
"""

import json
import re
import socket
import time
import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

# Every endpoint of api-decisions.md, as (method, path template).
ENDPOINTS = [
    ("get", "/health"),
    ("get", "/metrics"),
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/mfa/enroll"),
    ("post", "/api/v1/auth/mfa/confirm"),
    ("post", "/api/v1/auth/mfa/disable"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{}"),
    ("patch", "/api/v1/users/{}"),
    ("get", "/api/v1/properties"),
    ("post", "/api/v1/properties"),
    ("get", "/api/v1/properties/{}"),
    ("patch", "/api/v1/properties/{}"),
    ("delete", "/api/v1/properties/{}"),
]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def parse_metrics(text):
    """Prometheus text format -> {name: [(labels_text, value)]}; checks each
    sample line's syntax on the way."""
    samples = {}
    line_re = re.compile(
        r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(\s+-?\d+)?$'
    )
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = line_re.match(line)
        if not match:
            raise AssertionError("not a Prometheus sample line: %r" % line)
        value = float(match.group(3))  # accepts NaN, +Inf
        samples.setdefault(match.group(1), []).append((match.group(2) or "", value))
    return samples


def metric_total(samples, name):
    return sum(v for _, v in samples.get(name, []))


class Health(unittest.TestCase):
    def test_health(self):
        srv = h.shared()
        body = h.assert_json(srv.get("/health"), 200)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["database"], "ok")
        self.assertEqual(body["backend"], h.BACKEND)
        self.assertIsInstance(body["version"], str)
        self.assertRegex(body["version"], r"^\d+\.\d+")


class HealthWithoutDatabase(unittest.TestCase):
    """PostgreSQL only: a server whose database goes away says so (503), and
    requests that need the database answer 5xx, not 401 (a client must not
    throw away good tokens because the database is down)."""

    def test_database_gone(self):
        if h.BACKEND != "postgresql":
            self.skipTest("needs a PostgreSQL cluster this test can stop")
        import os
        import shutil
        import subprocess
        import tempfile

        script = os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "pg-test-cluster.sh"
        )
        cluster = tempfile.mkdtemp(prefix="buffr-pg-gone-")
        try:
            subprocess.run(["bash", script, "start", cluster], check=True, capture_output=True)
            with open(os.path.join(cluster, "url")) as f:
                url = f.read().strip()
            with h.Server(["--database", url]) as srv:
                owner = h.register_tenant(srv)
                self.assertEqual(h.assert_json(srv.get("/health"), 200)["database"], "ok")
                subprocess.run(["bash", script, "stop", cluster], check=True, capture_output=True)
                body = h.assert_json(srv.get("/health"), 503)
                self.assertEqual((body["status"], body["database"]), ("degraded", "unreachable"))
                me = srv.get("/api/v1/me", token=owner["access_token"])
                self.assertGreaterEqual(me.status, 500, me)
                self.assertEqual(me.body["error"]["code"], "UNAVAILABLE")
        finally:
            subprocess.run(["bash", script, "stop", cluster], capture_output=True)
            shutil.rmtree(cluster, ignore_errors=True)


class Metrics(unittest.TestCase):
    def fetch(self, srv):
        resp = srv.get("/metrics")
        self.assertEqual(resp.status, 200, resp)
        ctype = resp.headers.get("Content-Type", "")
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        self.assertIn("version=0.0.4", ctype)
        return resp.body, parse_metrics(resp.body)

    def test_metrics_content(self):
        srv = h.shared()
        text, before = self.fetch(srv)
        self.assertRegex(text, r"(?m)^# TYPE buffr_http_requests_total counter$")
        self.assertRegex(text, r"(?m)^# TYPE buffr_http_request_duration_seconds histogram$")
        self.assertIn("buffr_http_requests_total", before)
        buckets = before.get("buffr_http_request_duration_seconds_bucket", [])
        self.assertTrue(buckets, "no histogram buckets")
        self.assertTrue(any('le="+Inf"' in labels for labels, _ in buckets), "no +Inf bucket")
        self.assertIn("buffr_http_request_duration_seconds_sum", before)
        self.assertIn("buffr_http_request_duration_seconds_count", before)
        self.assertGreater(metric_total(before, "buffr_process_resident_memory_bytes"), 1 << 20)
        self.assertGreaterEqual(metric_total(before, "buffr_db_pool_size"), 1)
        self.assertIn("buffr_db_pool_in_use", before)
        # The /metrics request itself has been taken off the handler queue.
        self.assertRegex(text, r"(?m)^# TYPE buffr_http_handler_queue gauge$")
        self.assertEqual(metric_total(before, "buffr_http_handler_queue"), 0)
        self.assertGreaterEqual(metric_total(before, "buffr_http_requests_in_flight"), 1)

        for _ in range(5):
            h.assert_json(srv.get("/health"), 200)
        srv.get("/api/v1/does-not-exist")
        _, after = self.fetch(srv)
        grown = metric_total(after, "buffr_http_requests_total") - metric_total(
            before, "buffr_http_requests_total"
        )
        self.assertGreaterEqual(grown, 6, "the request counter did not count our requests")
        self.assertGreaterEqual(
            metric_total(after, "buffr_http_request_duration_seconds_count")
            - metric_total(before, "buffr_http_request_duration_seconds_count"),
            6,
        )
        # Bucket counts are cumulative: non-decreasing with le within one label set.
        series = {}
        for labels, value in after["buffr_http_request_duration_seconds_bucket"]:
            le = re.search(r'le="([^"]+)"', labels).group(1)
            key = re.sub(r',?le="[^"]+"', "", labels)
            series.setdefault(key, []).append((float(le), value))
        for key, points in series.items():
            values = [v for _, v in sorted(points)]
            self.assertEqual(values, sorted(values), "buckets of %s are not cumulative" % key)

    def test_label_cardinality_is_bounded(self):
        """Random paths must not each make a new time series (memory grows
        with every series, and a scanner sends thousands)."""
        srv = h.shared()
        _, before = self.fetch(srv)
        for _ in range(25):
            srv.get("/api/v1/" + uuid.uuid4().hex)
            srv.get("/api/v1/properties/" + uuid.uuid4().hex)
            srv.get("/" + uuid.uuid4().hex + "?q=" + uuid.uuid4().hex)
        _, after = self.fetch(srv)
        grown = len(after["buffr_http_requests_total"]) - len(before["buffr_http_requests_total"])
        self.assertLessEqual(grown, 5, "75 random paths made %d new series" % grown)


class OpenApi(unittest.TestCase):
    def test_document(self):
        srv = h.shared()
        resp = srv.get("/api/v1/openapi.json")
        self.assertEqual(resp.status, 200, resp)
        self.assertIn("json", resp.headers.get("Content-Type", ""))
        doc = json.loads(resp.raw.decode("utf-8"))
        self.assertIsInstance(doc.get("openapi"), str)
        self.assertTrue(doc["openapi"].startswith("3.1"), doc["openapi"])
        self.assertIsInstance(doc["info"]["title"], str)
        self.assertIsInstance(doc["info"]["version"], str)
        paths = doc["paths"]
        normalised = {}
        for template, item in paths.items():
            self.assertTrue(template.startswith("/"), template)
            normalised[re.sub(r"\{[^}]+\}", "{}", template)] = (template, item)
        missing = []
        for method, path in ENDPOINTS:
            entry = normalised.get(path)
            if entry is None or method not in entry[1]:
                missing.append("%s %s" % (method.upper(), path))
        self.assertEqual(missing, [], "endpoints missing from the OpenAPI document")
        for template, item in paths.items():
            names = re.findall(r"\{([^}]+)\}", template)
            for method, op in item.items():
                if method not in HTTP_METHODS:
                    continue
                where = "%s %s" % (method.upper(), template)
                self.assertIsInstance(op.get("summary"), str, where)
                self.assertTrue(op["summary"].strip(), where + ": empty summary")
                self.assertIsInstance(op.get("responses"), dict, where + ": no responses")
                declared = {
                    p.get("name")
                    for p in op.get("parameters", []) + item.get("parameters", [])
                    if p.get("in") == "path"
                }
                for name in names:
                    self.assertIn(name, declared, where + ": path parameter not declared")

    def test_query_parameters(self):
        """Generated clients can search: the query parameters are declared,
        and every paged list declares limit and cursor."""
        doc = h.assert_json(h.shared().get("/api/v1/openapi.json"), 200)
        paths = doc["paths"]

        def query_params(op):
            return {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}

        availability = paths["/api/v1/properties/{pid}/availability"]["get"]
        params = query_params(availability)
        for name in ("check_in", "check_out"):
            self.assertIn(name, params, "availability does not declare ?%s" % name)
            self.assertIs(params[name].get("required"), True, name + " is not required")
            self.assertEqual(params[name]["schema"], {"type": "string", "format": "date"}, name)
        self.assertEqual(params["guests"]["schema"].get("type"), "integer")

        def next_cursor_types(op):
            schema = (
                op.get("responses", {})
                .get("200", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            cursor = schema.get("properties", {}).get("next_cursor")
            if cursor is None:
                return None
            kind = cursor.get("type")
            return set(kind) if isinstance(kind, list) else {kind}

        paged = 0
        for template, item in paths.items():
            op = item.get("get")
            if op is None:
                continue
            where = "GET " + template
            types = next_cursor_types(op)
            params = query_params(op)
            for name, param in params.items():
                self.assertIn("type", param.get("schema", {}), where + " ?" + name)
                self.assertIsInstance(param.get("required"), bool, where + " ?" + name)
            if types is not None and "string" in types:
                # A list answered in pages: the client needs limit and cursor.
                paged += 1
                self.assertIn("limit", params, where + ": pages without ?limit")
                self.assertIn("cursor", params, where + ": pages without ?cursor")
                self.assertEqual(params["limit"]["schema"]["type"], "integer", where)
                self.assertEqual(params["cursor"]["schema"]["type"], "string", where)
            elif types is not None:
                # A whole list: next_cursor is always null, nothing to page with.
                self.assertEqual(types, {"null"}, where)
                self.assertNotIn("cursor", params, where + ": ?cursor on a whole list")
            else:
                self.assertNotIn("cursor", params, where + ": ?cursor without next_cursor")
        self.assertGreaterEqual(paged, 3, "no paged lists found: the check checked nothing")
        users = query_params(paths["/api/v1/users"]["get"])
        self.assertEqual(set(users), {"limit", "cursor"})


class AccessLog(unittest.TestCase):
    def log_lines(self, srv, rid, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            found = []
            for line in srv.stderr_text().splitlines():
                if rid not in line:
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if obj.get("request_id") == rid:
                    found.append(obj)
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def test_one_json_line_per_request(self):
        srv = h.shared()
        owner = h.register_tenant(srv, "acclog")
        prop = h.create_property(srv, owner["token"])
        rid = "acclog-" + uuid.uuid4().hex
        resp = srv.get(
            "/api/v1/properties/" + prop["id"], token=owner["token"], headers={"X-Request-Id": rid}
        )
        self.assertEqual(resp.status, 200)
        lines = self.log_lines(srv, rid)
        self.assertEqual(len(lines), 1, "expected exactly one access-log line for %s" % rid)
        line = lines[0]
        self.assertIn(
            line.get("route"), ("/api/v1/properties/{pid}", "/api/v1/properties/" + prop["id"])
        )
        self.assertEqual(line.get("status"), 200)
        self.assertIsInstance(line.get("duration_ms"), (int, float))
        self.assertGreaterEqual(line["duration_ms"], 0)
        self.assertLess(line["duration_ms"], 30000)

        rid404 = "acclog404-" + uuid.uuid4().hex
        srv.get("/api/v1/no-such-thing", headers={"X-Request-Id": rid404})
        lines = self.log_lines(srv, rid404)
        self.assertEqual(len(lines), 1)
        self.assertEqual(lines[0].get("status"), 404)

        # Secrets never reach the log.
        text = srv.stderr_text()
        for secret in (owner["password"], owner["access_token"], owner["refresh_token"]):
            self.assertNotIn(secret, text)

    def test_access_log_can_be_turned_off(self):
        with h.Server(["--access-log", "false"]) as srv:
            rid = "nolog-" + uuid.uuid4().hex
            h.assert_json(srv.get("/health", headers={"X-Request-Id": rid}), 200)
            time.sleep(0.3)
            self.assertNotIn(rid, srv.stderr_text())


class GracefulStop(unittest.TestCase):
    def test_sigterm_lets_in_flight_request_finish(self):
        srv = h.Server().start()
        try:
            body = json.dumps({"email": h.unique_email("late"), "password": "Wrong-password-1"})
            body = body.encode()
            head = (
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n"
                "X-Request-Id: graceful-1\r\n\r\n" % len(body)
            ).encode()
            sock = srv.raw_socket(timeout=20)
            sock.sendall(head + body[:10])
            time.sleep(0.3)
            srv.terminate()
            time.sleep(0.5)
            self.assertTrue(srv.alive(), "the server exited with a request in flight")
            sock.sendall(body[10:])
            data = b""
            while b"\r\n\r\n" not in data or not self._complete(data):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            sock.close()
            self.assertTrue(data.startswith(b"HTTP/1.1 401"), data[:200])
            payload = json.loads(data.split(b"\r\n\r\n", 1)[1].decode())
            self.assertEqual(payload["error"]["code"], "UNAUTHENTICATED")
            deadline = time.monotonic() + 10
            while srv.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertFalse(srv.alive(), "the server did not exit after its last request")
        finally:
            srv.stop()  # asserts exit code 0 and a clean sanitizer report
        self.assertEqual(srv.exit_code, 0)

    @staticmethod
    def _complete(data):
        head, _, rest = data.partition(b"\r\n\r\n")
        match = re.search(rb"(?i)content-length:\s*(\d+)", head)
        return match is not None and len(rest) >= int(match.group(1))

    def test_sigterm_when_idle_exits_zero_quickly(self):
        srv = h.Server().start()
        h.assert_json(srv.get("/health"), 200)
        started = time.monotonic()
        srv.stop()
        self.assertEqual(srv.exit_code, 0)
        self.assertLess(time.monotonic() - started, 5.0)
        with self.assertRaises(OSError):
            socket.create_connection((srv.host, srv.port), timeout=2).close()


if __name__ == "__main__":
    h.run()
