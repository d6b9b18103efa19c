"""
buffr_harness.py - shared machinery of Buffr Host's black-box API tests.

It starts the real `buffr` binary (`buffr serve` on a free port, SQLite in a
fresh temporary directory or the shared PostgreSQL test database), talks HTTP
to it with the standard library only, and on stop checks that the process
exited with code 0 and that AddressSanitizer, UndefinedBehaviorSanitizer and
LeakSanitizer reported nothing on its stderr.

It also holds the small helpers every test file needs: a JSON client, the
API.md error-shape check, tenant registration and login, RFC 6238 TOTP and
HS256/HS512 JWT minting (to forge tokens).

It is not a test file itself and knows no endpoint beyond auth and users.

Run a test file as:
    python3 tests/api/test_X.py --binary build/buffr --backend sqlite|postgresql
(--backend postgresql reads the database URL from BUFFR_TEST_PG_URL).
"""

import argparse
import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

# ---------------------------------------------------------------- options


def _parse_options(argv):
    """Take --binary and --backend out of argv; leave the rest to unittest."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--binary", default=os.environ.get("BUFFR_BINARY", ""))
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("BUFFR_TEST_BACKEND", "sqlite"),
    )
    return parser.parse_known_args(argv)


OPTIONS, _UNITTEST_ARGV = _parse_options(sys.argv[1:])
BACKEND = OPTIONS.backend

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "runtime error:",
    "LeakSanitizer",
    "ERROR: ThreadSanitizer",
)
LISTEN_LINE = re.compile(r"buffr listening on http://([0-9.]+):(\d+)")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RFC3339_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def binary_path():
    path = OPTIONS.binary
    if not path:
        raise RuntimeError("no server binary: pass --binary PATH/TO/buffr")
    path = os.path.abspath(path)
    if not os.access(path, os.X_OK):
        raise RuntimeError("server binary %s is missing or not executable" % path)
    return path


def fresh_loopback():
    """A loopback address of its own (127.x.y.z, never 127.0.0.1): Linux
    answers the whole 127/8 on lo, so a client bound to it is a client
    address no other test uses."""
    b = random.SystemRandom().randrange(1 << 16, 1 << 24)
    return "127.%d.%d.%d" % (b >> 16, (b >> 8) & 255, max(b & 255, 1))


def postgres_url():
    url = os.environ.get("BUFFR_TEST_PG_URL", "")
    if not url:
        raise RuntimeError("--backend postgresql needs BUFFR_TEST_PG_URL (postgresql://...)")
    return url


def base_env(overrides=None):
    """The environment of a server or CLI process.

    Any BUFFR_* variable of the caller is dropped so that the developer's shell
    cannot change what a test sees; the defaults keep hashing cheap and the
    login limiter out of the way of ordinary tests. A value of None in
    overrides removes the variable.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUFFR_")}
    env.update(
        {
            "BUFFR_PASSWORD_MEMLIMIT_MIB": "19",
            "BUFFR_LOGIN_IP_LIMIT": "100000",
            "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1:"
            "detect_stack_use_after_return=1:check_initialization_order=1:"
            "strict_init_order=1",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
            "LSAN_OPTIONS": "exitcode=23",
        }
    )
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def sanitizer_lines(text):
    """Lines of a process's stderr in which a sanitizer reported a problem."""
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


# ---------------------------------------------------------------- HTTP client


class Response:
    """One HTTP answer. Unpacks as (status, headers, body); body is the parsed
    JSON when the answer is JSON, else the text; raw is the exact bytes."""

    def __init__(self, status, headers, body, raw):
        self.status = status
        self.headers = headers
        self.body = body
        self.raw = raw

    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        text = self.raw[:600].decode("utf-8", "replace")
        return "<HTTP %s %s>" % (self.status, text)


def _parse_body(headers, raw):
    ctype = (headers.get("Content-Type") or "").lower()
    if "json" in ctype and raw:
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return raw.decode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


class Client:
    """A JSON client for one server address; one connection per request unless
    a caller manages its own http.client connection."""

    def __init__(self, host, port, source=None):
        self.host = host
        self.port = port
        self.source = source  # a loopback address to speak from (fresh_loopback())

    def connection(self, timeout=30):
        return http.client.HTTPConnection(
            self.host,
            self.port,
            timeout=timeout,
            source_address=(self.source, 0) if self.source else None,
        )

    def request(
        self,
        method,
        path,
        body=None,
        token=None,
        headers=None,
        raw_body=None,
        content_type="application/json",
        timeout=30,
        conn=None,
    ):
        hdrs = {}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        elif raw_body is not None:
            data = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
        if data is not None and content_type:
            hdrs["Content-Type"] = content_type
        if token:
            hdrs["Authorization"] = "Bearer " + token
        for key, value in (headers or {}).items():
            if value is None:
                hdrs.pop(key, None)
            else:
                hdrs[key] = value
        own = conn is None
        if own:
            conn = self.connection(timeout)
        try:
            try:
                conn.request(method, path, body=data, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError):
                # The server may answer (413) and close before reading a big
                # body; its answer can still be waiting in the socket.
                pass
            resp = conn.getresponse()
            raw = resp.read()
            return Response(resp.status, resp.headers, _parse_body(resp.headers, raw), raw)
        finally:
            if own:
                conn.close()


# ---------------------------------------------------------------- server


_live_servers = set()


@atexit.register
def _kill_leftover_servers():
    """A test file that dies without its teardown must not leave servers behind."""
    for server in list(_live_servers):
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


class Server:
    """One `buffr serve` process on 127.0.0.1 and a free port.

    Usable as a context manager: `with Server(["--login-ip-limit", "5"]) as s:`.
    """

    def __init__(self, extra_args=(), env=None, backend=None, source=None, database_url=None):
        """source: the client address requests come from (a fresh_loopback()
        one keeps per-address login counts apart from other tests'; on
        PostgreSQL every test server shares one database).
        database_url: share another server's database (two instances)."""
        self.extra_args = [str(a) for a in extra_args]
        self.source = source
        self.shared_database_url = database_url
        self.env_overrides = dict(env or {})
        self.backend = backend or BACKEND
        self.proc = None
        self.tmpdir = None
        self.host = None
        self.port = None
        self.client = None
        self.database_url = None
        self.stderr_path = None
        self.stdout_lines = []
        self._listening = threading.Event()
        self._reader = None
        self._stderr_file = None
        self._stopped = False
        self.exit_code = None

    # -- lifecycle

    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix="buffr-api-")
        data_dir = os.path.join(self.tmpdir, "data")
        os.mkdir(data_dir)
        if self.shared_database_url:
            self.database_url = self.shared_database_url
        elif self.backend == "sqlite":
            self.database_url = "sqlite:" + os.path.join(self.tmpdir, "buffr.db")
        else:
            self.database_url = postgres_url()
        cmd = [
            binary_path(),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            self.database_url,
            "--data-dir",
            data_dir,
        ] + self.extra_args
        self.stderr_path = os.path.join(self.tmpdir, "stderr.log")
        self._stderr_file = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            env=base_env(self.env_overrides),
        )
        _live_servers.add(self)
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._listening.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = (
                    "exited with code %s" % self.proc.returncode
                    if self.proc.poll() is not None
                    else "did not print its listening line within %d s" % START_TIMEOUT_S
                )
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()
                self._stderr_file.close()
                raise RuntimeError(
                    "buffr serve %s\ncommand: %s\nstdout:\n%s\nstderr:\n%s"
                    % (why, " ".join(cmd), "".join(self.stdout_lines), self.stderr_text()[-8000:])
                )
        self.client = Client(self.host, self.port, self.source)
        return self

    def _read_stdout(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.stdout_lines.append(line)
            match = LISTEN_LINE.search(line)
            if match and not self._listening.is_set():
                self.host, self.port = match.group(1), int(match.group(2))
                self._listening.set()
        self.proc.stdout.close()

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def terminate(self):
        """Send SIGTERM without waiting (graceful-stop tests)."""
        self.proc.send_signal(signal.SIGTERM)

    def stop(self):
        """SIGTERM, wait, and fail loudly on a bad exit or a sanitizer report."""
        if self._stopped or self.proc is None:
            return
        self._stopped = True
        problems = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            problems.append("did not exit within %d s of SIGTERM (killed)" % STOP_TIMEOUT_S)
            self.proc.kill()
            self.exit_code = self.proc.wait()
        _live_servers.discard(self)
        self._reader.join(5)
        self._stderr_file.close()
        if self.exit_code != 0:
            problems.append("exit code %s (expected 0)" % self.exit_code)
        text = self.stderr_text()
        found = sanitizer_lines(text)
        if found:
            problems.append("sanitizer reports:\n  " + "\n  ".join(found[:20]))
        if problems:
            raise AssertionError(
                "buffr serve (%s, %s) stopped badly: %s\n(files kept in %s)\n"
                "--- stderr tail ---\n%s"
                % (
                    self.backend,
                    " ".join(self.extra_args),
                    "; ".join(problems),
                    self.tmpdir,
                    text[-12000:],
                )
            )
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        try:
            self.stop()
        except AssertionError:
            if exc_type is None:
                raise
            # The test already failed; show both problems.
            sys.stderr.write("\n[harness] %s\n" % sys.exc_info()[1])
        return False

    # -- HTTP

    def request(self, method, path, **kw):
        return self.client.request(method, path, **kw)

    def get(self, path, **kw):
        return self.client.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.client.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.client.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.client.request("DELETE", path, **kw)

    def raw_socket(self, timeout=10):
        return socket.create_connection((self.host, self.port), timeout=timeout)


_shared = None


def start_shared(extra_args=(), env=None):
    """Start the file's shared server (call from setUpModule)."""
    global _shared
    _shared = Server(extra_args, env).start()
    return _shared


def stop_shared():
    """Stop the shared server (call from tearDownModule); raises on trouble."""
    global _shared
    server, _shared = _shared, None
    if server is not None:
        server.stop()


def shared():
    if _shared is None:
        raise RuntimeError("the shared server is not running (setUpModule failed?)")
    return _shared


def setUpModule():
    start_shared()


def tearDownModule():
    stop_shared()


# ---------------------------------------------------------------- assertions


def _fail(msg, resp=None):
    if resp is not None:
        msg = "%s\n  response: %r" % (msg, resp)
    raise AssertionError(msg)


def assert_status(resp, status, what=""):
    if isinstance(status, int):
        status = (status,)
    if resp.status not in status:
        _fail(
            "%sexpected HTTP %s, got %s" % (what + ": " if what else "", status, resp.status), resp
        )
    return resp


def assert_error(resp, status, code=None, field=None, what=""):
    """Check API.md's error shape exactly:
    {"error": {"code": str, "message": str, "details": {...}}} plus X-Request-Id.
    code may be one string or a tuple of acceptable codes. Returns the error object."""
    prefix = what + ": " if what else ""
    assert_status(resp, status, what)
    if not resp.headers.get("X-Request-Id"):
        _fail(prefix + "error response without X-Request-Id", resp)
    ctype = (resp.headers.get("Content-Type") or "").lower()
    if not ctype.startswith("application/json"):
        _fail(prefix + "error Content-Type %r is not application/json" % ctype, resp)
    body = resp.body
    if not isinstance(body, dict) or set(body) != {"error"}:
        _fail(prefix + 'error body is not exactly {"error": {...}}', resp)
    err = body["error"]
    if not isinstance(err, dict):
        _fail(prefix + "error is not an object", resp)
    if set(err) != {"code", "message", "details"}:
        _fail(prefix + "error keys %s are not code, message, details" % sorted(err), resp)
    if not isinstance(err["code"], str) or not re.match(r"^[A-Z][A-Z_]+$", err["code"]):
        _fail(prefix + "error code is not an UPPER_SNAKE string", resp)
    if not isinstance(err["message"], str) or not err["message"]:
        _fail(prefix + "error message is not a non-empty string", resp)
    if not isinstance(err["details"], dict):
        _fail(prefix + "error details is not an object", resp)
    if code is not None:
        codes = (code,) if isinstance(code, str) else tuple(code)
        if err["code"] not in codes:
            _fail(prefix + "expected error code %s, got %s" % ("/".join(codes), err["code"]), resp)
    if field is not None and err["details"].get("field") != field:
        _fail(
            prefix + "expected details.field %r, got %r" % (field, err["details"].get("field")),
            resp,
        )
    return err


def assert_json(resp, status, what=""):
    """Check a success status with a JSON object body; return the body."""
    assert_status(resp, status, what)
    if not isinstance(resp.body, dict):
        _fail((what + ": " if what else "") + "body is not a JSON object", resp)
    return resp.body


def is_uuid(value):
    return isinstance(value, str) and bool(UUID_RE.match(value))


def is_timestamp(value):
    return isinstance(value, str) and bool(RFC3339_UTC_RE.match(value))


# ---------------------------------------------------------------- accounts


def unique_email(prefix="user"):
    return "%s-%s@example.com" % (prefix, uuid.uuid4().hex[:16])


_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789#%+-=?@_!"


def strong_password():
    """A password libpwquality accepts: 20 random characters of a wide
    alphabet, all four classes, and no neighbours that are equal or adjacent
    in ASCII once lowercased ("55", "NM", "Rs"), which cracklib counts as
    "simplistic/systematic" beyond four of them."""
    classes = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "#%+-=?@_!")
    while True:
        chars = []
        while len(chars) < 20:
            c = secrets.choice(_PASSWORD_ALPHABET)
            # cracklib compares lowercased neighbours ("Rs" counts as a step).
            if chars and abs(ord(c.lower()) - ord(chars[-1].lower())) <= 1:
                continue
            chars.append(c)
        if all(any(c in cls for c in chars) for cls in classes):
            return "".join(chars)


def auth(token):
    return {"Authorization": "Bearer " + token}


def register_tenant(server=None, prefix="owner", **fields):
    """Register a new tenant and its owner; return a dict with the request's
    fields and the answer's tokens and ids (access_token also as token)."""
    server = server or shared()
    body = {
        "tenant_name": "Tenant " + uuid.uuid4().hex[:8],
        "email": unique_email(prefix),
        "password": strong_password(),
        "full_name": "Owner " + uuid.uuid4().hex[:6],
    }
    body.update(fields)
    resp = server.post("/api/v1/auth/register", body)
    answer = assert_json(resp, 201, "register")
    account = dict(body)
    account.update(answer)
    account["token"] = answer.get("access_token")
    return account


def login(server, email, password, totp_code=None):
    body = {"email": email, "password": password}
    if totp_code is not None:
        body["totp"] = totp_code
    return server.post("/api/v1/auth/login", body)


def login_ok(server, email, password, totp_code=None):
    """Log in and return the token answer (asserting 200)."""
    answer = assert_json(login(server, email, password, totp_code), 200, "login " + email)
    answer["token"] = answer.get("access_token")
    return answer


def create_user(server, owner_token, role, permissions=None, do_login=False, **fields):
    """POST /api/v1/users as owner_token; return the user object plus the
    password (and the login's token when do_login)."""
    body = {
        "email": unique_email(role),
        "full_name": "User " + role,
        "password": strong_password(),
        "role": role,
    }
    if permissions is not None:
        body["permissions"] = permissions
    body.update(fields)
    user = assert_json(server.post("/api/v1/users", body, token=owner_token), 201, "create " + role)
    user = dict(user)
    user["password"] = body["password"]
    user.setdefault("email", body["email"])
    if do_login:
        user["token"] = login_ok(server, body["email"], body["password"])["access_token"]
    return user


def create_property(server, token, **fields):
    body = {
        "name": "Property " + uuid.uuid4().hex[:8],
        "type": "hotel",
        "timezone": "Europe/Paris",
        "currency": "EUR",
    }
    body.update(fields)
    return assert_json(server.post("/api/v1/properties", body, token=token), 201, "create property")


def list_all(server, path, token, limit=200):
    """Follow next_cursor through a list endpoint; return all items."""
    items = []
    cursor = None
    sep = "&" if "?" in path else "?"
    for _ in range(1000):
        url = "%s%slimit=%d" % (path, sep, limit)
        if cursor:
            url += "&cursor=" + urllib_quote(cursor)
        page = assert_json(server.get(url, token=token), 200, "list " + path)
        items.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("list %s never ended" % path)


def urllib_quote(text):
    from urllib.parse import quote

    return quote(text, safe="")


def concurrently(calls, timeout=120):
    """Run each zero-argument callable in its own thread, released together;
    return their results in order (an exception is returned as the value)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def runner(i, call):
        try:
            barrier.wait(30)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the caller
            results[i] = exc

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


# ---------------------------------------------------------------- TOTP and JWT


def totp(secret_b32, t=None, step=None, digits=6):
    """RFC 6238 TOTP, HMAC-SHA-1, 30 s steps: the code for time t (default now)
    or for an explicit time step."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    if step is None:
        step = int((time.time() if t is None else t) // 30)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % (10**digits)
    return "%0*d" % (digits, value)


def b64url(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    """(header, claims) of a compact JWT, without verifying it."""
    head, payload, _sig = token.split(".")
    return json.loads(b64url_decode(head)), json.loads(b64url_decode(payload))


def jwt_key_from_secret(secret):
    """The HMAC key the server derives from BUFFR_JWT_SECRET: BLAKE2b-256 of
    the secret's bytes (libsodium crypto_generichash, no key). Tests that mint
    tokens check first that a correctly minted token is accepted, so a change
    of derivation shows up as that check failing, not as vacuous passes."""
    return hashlib.blake2b(secret.encode("utf-8"), digest_size=32).digest()


def jwt_encode(header, claims, key, alg="HS256"):
    """Mint a compact JWT. alg selects the HMAC actually used (HS256, HS512),
    or "none" for an empty signature; header is written as given."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")))
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")))
    )
    if alg == "none":
        signature = ""
    else:
        digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
        signature = b64url(hmac.new(key, signing_input.encode("ascii"), digest).digest())
    return signing_input + "." + signature


# ---------------------------------------------------------------- CLI


def run_cli(args, env=None, timeout=60, stdin=None):
    """Run `buffr ARGS` to completion; return CompletedProcess (text). Fails
    the caller loudly if a sanitizer reported anything."""
    proc = subprocess.run(
        [binary_path()] + [str(a) for a in args],
        env=base_env(env),
        input=stdin,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
    )
    found = sanitizer_lines(proc.stderr)
    if found:
        raise AssertionError(
            "buffr %s: sanitizer reports:\n  %s\n--- stderr ---\n%s"
            % (" ".join(map(str, args)), "\n  ".join(found[:20]), proc.stderr[-8000:])
        )
    return proc


# ---------------------------------------------------------------- main


def run():
    """Main of a test file: unittest with the options it did not consume."""
    unittest.main(module="__main__", argv=[sys.argv[0]] + _UNITTEST_ARGV, verbosity=2)
