"""
test_cli.py - the buffr command line, black-box: --version, --help, migrate
(idempotent), user create (a new tenant's owner, or another user of a tenant,
password by flag or stdin) checked by logging in through a running server,
and backup of a live SQLite database while a client keeps writing to it.

Every CLI run is checked for sanitizer reports (harness.run_cli). The backup
tests need SQLite and are skipped on PostgreSQL (use pg_dump there); migrate
and user create run on both backends.

Not here: `buffr serve` flags (the other files start servers with them).
"""

import os
import re
import shutil
import sqlite3
import tempfile
import threading
import unittest
import uuid

import buffr_harness as h

setUpModule = h.setUpModule
tearDownModule = h.tearDownModule

SQLITE_ONLY = "buffr backup copies SQLite databases; this run uses PostgreSQL"


class Basics(unittest.TestCase):
    def test_version(self):
        proc = h.run_cli(["--version"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"\b\d+\.\d+\.\d+\b")
        self.assertIn("buffr", proc.stdout.lower())

    def test_help(self):
        proc = h.run_cli(["--help"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for word in ("serve", "migrate", "backup", "user create", "--database"):
            self.assertIn(word, proc.stdout, "--help does not mention " + word)

    def test_unknown_command_and_flag(self):
        proc = h.run_cli(["frobnicate"])
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("frobnicate", proc.stderr)
        tmp = tempfile.mkdtemp(prefix="buffr-cli-")
        try:
            proc = h.run_cli(
                [
                    "migrate",
                    "--database",
                    "sqlite:" + os.path.join(tmp, "x.db"),
                    "--no-such-flag",
                    "1",
                ]
            )
            self.assertNotEqual(proc.returncode, 0, "an unknown flag must be an error")
            self.assertIn("no-such-flag", proc.stderr)
            proc = h.run_cli(
                [
                    "migrate",
                    "--database",
                    "sqlite:" + os.path.join(tmp, "x.db"),
                    "--max-body-bytes",
                    "lots",
                ]
            )
            self.assertNotEqual(proc.returncode, 0, "a bad flag value must be an error")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class Migrate(unittest.TestCase):
    def database_url(self, tmp):
        if h.BACKEND == "sqlite":
            return "sqlite:" + os.path.join(tmp, "x.db")
        return h.postgres_url()

    def test_migrate_twice(self):
        tmp = tempfile.mkdtemp(prefix="buffr-cli-")
        try:
            url = self.database_url(tmp)
            first = h.run_cli(["migrate", "--database", url])
            self.assertEqual(first.returncode, 0, first.stderr)
            second = h.run_cli(["migrate", "--database", url])
            self.assertEqual(second.returncode, 0, second.stderr)
            applied = [re.search(r"applied (\d+)", p.stdout) for p in (first, second)]
            if applied[1] is not None:
                self.assertEqual(int(applied[1].group(1)), 0, "the second run applied migrations")
            if h.BACKEND == "sqlite":
                self.assertGreater(int(applied[0].group(1)) if applied[0] else 1, 0)
                db = sqlite3.connect(os.path.join(tmp, "x.db"))
                try:
                    rows = db.execute(
                        "SELECT COUNT(*), MAX(version) FROM schema_migrations"
                    ).fetchone()
                    tables = {
                        r[0]
                        for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                    }
                finally:
                    db.close()
                self.assertGreater(rows[0], 0)
                self.assertGreater(rows[1], 0)
                self.assertTrue({"users", "properties"} <= tables, sorted(tables))
                third = h.run_cli(["migrate", "--database", url])
                self.assertEqual(third.returncode, 0, third.stderr)
                db = sqlite3.connect(os.path.join(tmp, "x.db"))
                try:
                    again = db.execute(
                        "SELECT COUNT(*), MAX(version) FROM schema_migrations"
                    ).fetchone()
                finally:
                    db.close()
                self.assertEqual(again, rows, "a repeated migrate changed schema_migrations")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_migrate_bad_database(self):
        with tempfile.NamedTemporaryFile(prefix="buffr-cli-") as plain_file:
            # A database path whose parent is a regular file cannot be created.
            proc = h.run_cli(["migrate", "--database", "sqlite:%s/x.db" % plain_file.name])
            self.assertNotEqual(proc.returncode, 0)
        proc = h.run_cli(["migrate", "--database", "mysql://nope"])
        self.assertNotEqual(proc.returncode, 0)


class UserCreate(unittest.TestCase):
    def test_owner_then_staff_of_that_tenant(self):
        srv = h.shared()
        email = h.unique_email("cli-owner")
        password = h.strong_password()
        tenant_name = "CLI Tenant " + uuid.uuid4().hex[:6]
        proc = h.run_cli(
            [
                "user",
                "create",
                "--database",
                srv.database_url,
                "--email",
                email,
                "--password",
                password,
                "--full-name",
                "Cli Owner",
                "--tenant-name",
                tenant_name,
            ]
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        session = h.login_ok(srv, email, password)
        me = h.assert_json(srv.get("/api/v1/me", token=session["access_token"]), 200)
        self.assertEqual(me["role"], "owner")
        self.assertEqual(me["email"], email)
        self.assertEqual(me["full_name"], "Cli Owner")
        self.assertEqual(me["tenant"]["name"], tenant_name)
        tenant_id = me["tenant"]["id"]

        # Another user of that tenant, the password read from stdin.
        staff_email = h.unique_email("cli-staff")
        staff_password = h.strong_password()
        proc = h.run_cli(
            [
                "user",
                "create",
                "--database",
                srv.database_url,
                "--email",
                staff_email,
                "--full-name",
                "Cli Staff",
                "--tenant-id",
                tenant_id,
                "--role",
                "staff",
            ],
            stdin=staff_password + "\n",
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        staff = h.login_ok(srv, staff_email, staff_password)
        me = h.assert_json(srv.get("/api/v1/me", token=staff["access_token"]), 200)
        self.assertEqual(me["role"], "staff")
        self.assertEqual(me["tenant"]["id"], tenant_id)
        users = h.list_all(srv, "/api/v1/users", session["access_token"])
        self.assertEqual(sorted(u["email"] for u in users), sorted([email, staff_email]))

    def test_refusals(self):
        srv = h.shared()
        owner = h.register_tenant(srv, "cli-dup")
        base = ["user", "create", "--database", srv.database_url, "--full-name", "X"]
        cases = [
            # Taken email.
            base
            + ["--email", owner["email"], "--password", h.strong_password(), "--tenant-name", "T"],
            # Weak password.
            base
            + [
                "--email",
                h.unique_email("cli"),
                "--password",
                "password1234",
                "--tenant-name",
                "T",
            ],
            # Missing --email.
            base + ["--password", h.strong_password(), "--tenant-name", "T"],
            # Unknown tenant.
            base
            + [
                "--email",
                h.unique_email("cli"),
                "--password",
                h.strong_password(),
                "--tenant-id",
                "01890000-0000-7000-8000-000000000000",
                "--role",
                "staff",
            ],
            # Both --tenant-name and --tenant-id.
            base
            + [
                "--email",
                h.unique_email("cli"),
                "--password",
                h.strong_password(),
                "--tenant-name",
                "T",
                "--tenant-id",
                owner["tenant_id"],
                "--role",
                "staff",
            ],
        ]
        for args in cases:
            proc = h.run_cli(args)
            self.assertNotEqual(proc.returncode, 0, "accepted: %s\n%s" % (args[4:], proc.stdout))
            self.assertTrue(proc.stderr.strip(), "no explanation on stderr")
        # The taken email still belongs to its owner only.
        h.login_ok(srv, owner["email"], owner["password"])


@unittest.skipUnless(h.BACKEND == "sqlite", SQLITE_ONLY)
class Backup(unittest.TestCase):
    def test_backup_while_writing(self):
        srv = h.shared()
        owner = h.register_tenant(srv, "backup")
        for i in range(3):
            h.create_property(srv, owner["token"], name="Before %d" % i)
        stop = threading.Event()
        written = []
        failures = []

        def writer():
            i = 0
            while not stop.is_set():
                resp = srv.post(
                    "/api/v1/properties",
                    {
                        "name": "During %d" % i,
                        "type": "hotel",
                        "timezone": "UTC",
                        "currency": "EUR",
                    },
                    token=owner["token"],
                )
                if resp.status == 201:
                    written.append(resp.body["id"])
                else:
                    failures.append(resp)
                i += 1

        thread = threading.Thread(target=writer)
        thread.start()
        tmp = tempfile.mkdtemp(prefix="buffr-backup-")
        try:
            outputs = []
            for n in range(2):
                out = os.path.join(tmp, "copy%d.db" % n)
                proc = h.run_cli(["backup", out, "--database", srv.database_url], timeout=120)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                outputs.append(out)
            stop.set()
            thread.join(30)
            self.assertEqual(failures, [], "writes failed while the backup ran")
            self.assertGreater(len(written), 0, "the writer made no property during the backup")
            counts = []
            for out in outputs:
                self.assertTrue(os.path.getsize(out) > 0)
                db = sqlite3.connect("file:%s?mode=ro" % out, uri=True)
                try:
                    self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
                    tables = {
                        r[0]
                        for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                    }
                    self.assertIn("properties", tables)
                    self.assertIn("schema_migrations", tables)
                    names = {r[0] for r in db.execute("SELECT name FROM properties")}
                    counts.append(len(names))
                finally:
                    db.close()
                self.assertTrue({"Before 0", "Before 1", "Before 2"} <= names)
            self.assertLessEqual(counts[0], counts[1], "the later backup has fewer rows")
        finally:
            stop.set()
            thread.join(30)
            shutil.rmtree(tmp, ignore_errors=True)
        # The server kept serving.
        h.assert_json(srv.get("/health"), 200)

    def test_backup_usage_errors(self):
        srv = h.shared()
        proc = h.run_cli(["backup", "--database", srv.database_url])
        self.assertNotEqual(proc.returncode, 0)
        with tempfile.NamedTemporaryFile(prefix="buffr-cli-") as plain_file:
            proc = h.run_cli(
                ["backup", plain_file.name + "/out.db", "--database", srv.database_url]
            )
            self.assertNotEqual(proc.returncode, 0)
        h.assert_json(srv.get("/health"), 200)


class BackupOnPostgres(unittest.TestCase):
    @unittest.skipUnless(h.BACKEND == "postgresql", "runs only on PostgreSQL")
    def test_backup_refuses_postgres(self):
        tmp = tempfile.mkdtemp(prefix="buffr-backup-")
        try:
            proc = h.run_cli(["backup", os.path.join(tmp, "x.db"), "--database", h.postgres_url()])
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("pg_dump", proc.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    h.run()
