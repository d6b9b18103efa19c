"""
test_demo.py - `buffr serve --demo-data`, black-box: the printed demo owner
login works, and the demo resort ("Seaside Demo Hotel", Africa/Windhoek, NAD)
holds something to try in every module: room types with weekend and December
rates, six rooms, a cancellation policy, stays (one arriving today, which can
be checked in), availability tomorrow, a spa with bookable treatments, a
meeting room with layouts and add-ons, airport shuttle departures, and a
restaurant menu with stations, allergens, a modifier group, VAT and tables.
A restart on the same database prints the same login and adds nothing.

On PostgreSQL the demo email is global: on a database where an earlier run
already made the demo owner, this run finds it there. Its data directory
(where the server keeps the demo password) is therefore kept per database
URL, so a later run can still log in, and the checks that depend on the
day the demo was made (today's arrival, tomorrow's departures) only run
when this run made it. A fresh cluster per run checks everything.

Not here: the modules' own rules (their test files).
"""

import datetime
import hashlib
import os
import re
import shutil
import tempfile
import unittest
import zoneinfo

import buffr_harness as h

DEMO_EMAIL = "owner@demo.buffr.host"
DEMO_ZONE = "Africa/Windhoek"
LOGIN_LINE = re.compile(r"^demo owner: (\S+) / (\S+)$")
SEEDED_LOG = "demo data: the Seaside Demo Hotel is ready to explore"


def setUpModule():
    """Each test starts its own servers."""


def tearDownModule():
    pass


def demo_today():
    return datetime.datetime.now(zoneinfo.ZoneInfo(DEMO_ZONE)).date()


class Demo:
    """The demo owner's view of the demo property."""

    def __init__(self, srv, token, pid):
        self.srv, self.token, self.pid = srv, token, pid

    def url(self, path):
        return "/api/v1/properties/%s%s" % (self.pid, path)

    def get(self, path):
        return h.assert_json(self.srv.get(self.url(path), token=self.token), 200, "GET " + path)

    def post(self, path, body=None):
        resp = self.srv.post(self.url(path), body, token=self.token)
        return h.assert_json(resp, 200, "POST " + path)

    def all(self, path):
        return h.list_all(self.srv, self.url(path), self.token)


class DemoData(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="buffr-demo-")
        if h.BACKEND == "sqlite":
            self.database = "sqlite:" + os.path.join(self.workdir, "buffr.db")
            self.data_dir = os.path.join(self.workdir, "data")
        else:
            # Kept between runs on the same database (see the module note).
            self.database = h.postgres_url()
            key = hashlib.sha256(self.database.encode()).hexdigest()[:16]
            self.data_dir = os.path.join(tempfile.gettempdir(), "buffr-demo-test-" + key)
        os.makedirs(self.data_dir, exist_ok=True)

    def tearDown(self):
        shutil.rmtree(self.workdir, ignore_errors=True)

    def server(self):
        # Later flags win: both starts use this test's database and data dir.
        return h.Server(["--demo-data", "--database", self.database, "--data-dir", self.data_dir])

    def demo_login(self, srv):
        """The (email, password) of the printed line; skips when the owner
        was made by an earlier run whose password this run cannot know."""
        lines = [line.strip() for line in srv.stdout_lines if line.startswith("demo owner:")]
        self.assertEqual(len(lines), 1, srv.stdout_lines)
        match = LOGIN_LINE.match(lines[0])
        if match is None:
            self.assertEqual(
                lines[0], "demo owner: %s (password shown at its first start)" % DEMO_EMAIL
            )
            self.skipTest("the demo owner exists from an earlier run with another data directory")
        self.assertEqual(match.group(1), DEMO_EMAIL)
        self.assertGreaterEqual(len(match.group(2)), 24, "a strong generated password")
        return match.group(1), match.group(2)

    def open_demo(self, srv):
        email, password = self.demo_login(srv)
        token = h.login_ok(srv, email, password)["token"]
        props = h.list_all(srv, "/api/v1/properties", token)
        self.assertEqual(len(props), 1, props)
        prop = props[0]
        self.assertEqual(
            (prop["name"], prop["type"], prop["timezone"], prop["currency"]),
            ("Seaside Demo Hotel", "resort", DEMO_ZONE, "NAD"),
        )
        return password, Demo(srv, token, prop["id"])

    def snapshot(self, demo):
        """What the demo holds, by name, to compare two starts."""
        menu = demo.get("/menu")
        return {
            "room_types": sorted(t["code"] for t in demo.all("/room-types")),
            "rooms": sorted(r["number"] for r in demo.all("/rooms")),
            "reservations": sorted(r["id"] for r in demo.all("/reservations")),
            "spa_resources": sorted(r["name"] for r in demo.all("/spa/resources")),
            "treatments": sorted(t["name"] for t in demo.all("/spa/treatments")),
            "meeting_rooms": sorted(r["name"] for r in demo.all("/conference/rooms")),
            "addons": sorted(a["name"] for a in demo.all("/conference/addons")),
            "routes": sorted(r["name"] for r in demo.all("/transportation/shuttle/routes")),
            "departures": sorted(
                (d["date"], d["time"]) for d in demo.all("/transportation/shuttle/departures")
            ),
            "menus": sorted(m["name"] for m in menu["menus"]),
            "categories": [c["name"] for c in menu["categories"]],
            "items": sorted(i["name"] for c in menu["categories"] for i in c["items"]),
            "tables": sorted(t["name"] for t in demo.get("/tables")["data"]),
        }

    def check_hotel(self, demo, seeded_now):
        types = {t["code"]: t for t in demo.all("/room-types")}
        self.assertEqual(set(types), {"GDN", "OCN"}, types)
        gdn, ocn = types["GDN"], types["OCN"]
        self.assertEqual((gdn["name"], gdn["capacity"]), ("Garden Double", 2))
        self.assertEqual((ocn["name"], ocn["capacity"]), ("Ocean Suite", 4))
        self.assertEqual(gdn["currency"], "NAD")
        self.assertGreater(gdn["base_rate"], 0)
        self.assertGreater(ocn["base_rate"], gdn["base_rate"])
        for t in (gdn, ocn):
            plan = demo.get("/room-types/%s/rates" % t["id"])
            weekend = plan["weekday_rates"]
            self.assertGreater(weekend["friday"], t["base_rate"], plan)
            self.assertEqual(weekend["saturday"], weekend["friday"], plan)
            self.assertIsNone(weekend.get("monday"), plan)
            self.assertEqual(len(plan["seasons"]), 1, plan)
            season = plan["seasons"][0]
            self.assertRegex(season["from"], r"^\d{4}-12-01$")
            self.assertEqual(int(season["to"][:4]), int(season["from"][:4]) + 1, season)
            self.assertTrue(season["to"].endswith("-01-01"), season)
            self.assertGreater(season["rate"], weekend["friday"], plan)

        rooms = {r["number"]: r for r in demo.all("/rooms")}
        self.assertEqual(sorted(rooms), ["101", "102", "103", "104", "201", "202"])
        for number, room in rooms.items():
            want = gdn if number.startswith("1") else ocn
            self.assertEqual(room["room_type_id"], want["id"], room)

        policy = demo.get("/policies")
        self.assertEqual(policy["cancellation_fee_kind"], "first_night", policy)
        self.assertEqual(policy["free_cancellation_hours"], 48, policy)
        self.assertIn("48 hours", policy["cancellation_policy"])

        stays = demo.all("/reservations")
        self.assertEqual(len(stays), 3, stays)
        today = demo_today()
        tomorrow = today + datetime.timedelta(days=1)
        found = {
            e["code"]: e
            for e in demo.get(
                "/availability?check_in=%s&check_out=%s&guests=2"
                % (tomorrow.isoformat(), (tomorrow + datetime.timedelta(days=1)).isoformat())
            )["data"]
        }
        self.assertEqual(set(found), {"GDN", "OCN"}, found)
        self.assertGreater(found["GDN"]["available"], 0, found)
        self.assertGreater(found["GDN"]["total"], 0, found)
        self.assertEqual(found["GDN"]["currency"], "NAD")
        if not seeded_now:
            return
        # Made today: one stay arrives today and takes a double tomorrow.
        self.assertEqual(found["GDN"]["available"], 3, found)
        self.assertEqual(found["OCN"]["available"], 2, found)
        arriving = [s for s in stays if s["check_in"] == today.isoformat()]
        self.assertEqual(len(arriving), 1, stays)
        self.assertTrue(all(s["status"] == "confirmed" for s in stays), stays)
        self.assertTrue(all(s["check_in"] >= today.isoformat() for s in stays), stays)
        inside = demo.post("/reservations/%s/check-in" % arriving[0]["id"])
        self.assertEqual(inside["status"], "checked_in")

    def check_services(self, demo, seeded_now):
        kinds = sorted(r["kind"] for r in demo.all("/spa/resources"))
        self.assertEqual(kinds, ["therapist", "treatment_room"])
        treatments = demo.all("/spa/treatments")
        self.assertEqual(len(treatments), 2, treatments)
        day = demo_today() + datetime.timedelta(days=1)
        for t in treatments:
            self.assertGreater(t["price"], 0, t)
            slots = demo.get(
                "/spa/availability?treatment_id=%s&date=%s" % (t["id"], day.isoformat())
            )
            self.assertEqual(slots["currency"], "NAD")
            self.assertGreater(len(slots["data"]), 10, "a day of free starts: %s" % slots)

        rooms = demo.all("/conference/rooms")
        self.assertEqual(len(rooms), 1, rooms)
        self.assertGreaterEqual(len(rooms[0]["layouts"]), 3, rooms)
        self.assertGreaterEqual(len(demo.all("/conference/addons")), 1)

        routes = demo.all("/transportation/shuttle/routes")
        self.assertEqual(len(routes), 1, routes)
        departures = demo.all("/transportation/shuttle/departures")
        self.assertEqual(len(departures), 6, departures)
        self.assertEqual(len({d["date"] for d in departures}), 3, departures)
        if seeded_now:
            schedule = demo.get("/transportation/shuttle/schedule?date=" + day.isoformat())
            rows = schedule["data"]
            self.assertEqual([r["time"] for r in rows], ["07:30", "14:00"], schedule)
            self.assertEqual([r["seats_left"] for r in rows], [12, 12], schedule)

    def check_restaurant(self, demo):
        settings = demo.get("/restaurant/settings")
        self.assertEqual((settings["tax_rate_bp"], settings["tax_inclusive"]), (1500, True))
        menu = demo.get("/menu")
        self.assertEqual(len(menu["menus"]), 1, menu["menus"])
        categories = menu["categories"]
        self.assertEqual(
            [(c["name"], c["station"]) for c in categories],
            [("Starters", "cold"), ("Mains", "grill"), ("Drinks", "bar")],
        )
        # The kitchen's categories keep the All Day menu's hours; the bar's
        # drinks are on no menu, so a guest can order them at any hour.
        self.assertEqual([c["menu_id"] for c in categories], [menu["menus"][0]["id"]] * 2 + [None])
        self.assertEqual((menu["menus"][0]["available_from"], menu["menus"][0]["available_until"]),
                         ("07:00", "22:30"))
        items = [i for c in categories for i in c["items"]]
        self.assertTrue(6 <= len(items) <= 8, items)
        self.assertTrue(all(i["price"] > 0 and i["currency"] == "NAD" for i in items), items)
        with_allergens = [i for i in items if i["allergens"]]
        self.assertGreaterEqual(len(with_allergens), 5, items)
        groups = [g for i in items for g in i["modifier_groups"]]
        self.assertEqual(len(groups), 1, groups)
        self.assertEqual(len(groups[0]["options"]), 3, groups)
        self.assertEqual(len(demo.get("/tables")["data"]), 2)

    def test_demo_once(self):
        first = self.server().start()
        try:
            seeded_now = SEEDED_LOG in first.stderr_text()
            self.assertNotIn("demo data: cannot", first.stderr_text())
            password, demo = self.open_demo(first)
            before = self.snapshot(demo)
            self.check_hotel(demo, seeded_now)
            self.check_services(demo, seeded_now)
            self.check_restaurant(demo)
        finally:
            first.stop()

        second = self.server().start()
        try:
            self.assertNotIn(SEEDED_LOG, second.stderr_text(), "a restart adds nothing")
            again, demo = self.open_demo(second)
            self.assertEqual(again, password, "the same login after a restart")
            self.assertEqual(self.snapshot(demo), before)
        finally:
            second.stop()


if __name__ == "__main__":
    h.run()
