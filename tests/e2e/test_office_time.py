"""Office time (issue 12 item 8): the run id and default month follow [office_hours] utc_offset (+09:00 in
examples/municipality.toml), never the process's TZ; --month outside the cases' periods is refused; a due
date in a year the holiday list leaves out is an error at validate.
"""
import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from harness import Test

OFFICE = timezone(timedelta(hours=9))


def office_day():
    return datetime.now(OFFICE).date()


with Test() as t:
    city = t.city()
    # Kiritimati (+14:00) is a day ahead of Tokyo from 10:00 to 15:00 UTC, Adak (-10:00) a day behind the
    # rest of the time: whenever this runs, one of them has another date than the office.
    differs = False
    for n, tz in enumerate(["Pacific/Kiritimati", "America/Adak"]):
        out = t.tmp / ("run-%d" % n)
        before = office_day()
        p = t.run("run", "--demo", "--out", out, *city.key("tanaka"), env=dict(city.env, TZ=tz))
        after = office_day()
        local = datetime.now(ZoneInfo(tz)).date()
        differs |= local not in (before, after)
        run_id = json.loads((out / "run.json").read_text())["run_id"]
        days = {"R" + d.strftime("%Y%m%d") for d in (before, after)}
        t.check(re.sub(r"-\d+$", "", run_id) in days, f"TZ={tz}: run id {run_id} is the office's date", days)
        with sqlite3.connect(city.ledger) as db:
            month = db.execute("SELECT month_key FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0]
        months = {d.strftime("%Y-%m") for d in (before, after)}
        t.check(month in months, f"TZ={tz}: the default month {month} is the office's month", months)
        # The demo bills 2025-02 to 2026-03: a later office month is run with a warning, not refused.
        if month > "2026-03":
            t.check(f"warning: this month at the office {month} is outside the months the cases bill "
                    "(2025-02 to 2026-03); pass --month" in p.stderr, "a default month outside the data warns", p.stderr)
    t.check(differs, "one of the far time zones had another date than the office")

    # --month outside the months the demo cases bill (2025-02 to 2026-03) is refused, nothing is made.
    for month in ["2025-01", "2026-04", "2030-09"]:
        out = t.tmp / ("outside-" + month)
        p = t.run("run", "--demo", "--out", out, "--month", month, *city.key("tanaka"), env=city.env, want=1)
        t.check(f"--month {month} is outside the months the cases bill (2025-02 to 2026-03)" in p.stderr,
                f"--month {month} refused, naming the range", p.stderr)
        t.check(not out.exists() or not any(out.iterdir()), f"--month {month}: nothing written")
    t.demo_run(t.tmp / "inside", "--month", "2026-03", "--run-id", "R20260331", city=city)

    # A holiday list without 2026: the demo's slips fall due in 2026 (2026-01 to 2026-03).
    muni = t.tmp / "municipality.toml"
    muni.write_text(re.sub(r'"2026-\d\d-\d\d",?\s*', "", t.municipality_here()), encoding="utf-8")
    p = t.run("validate", "--cases", t.examples / "cases.csv", "--fees", t.fees, "--municipality", muni, want=1)
    t.check(re.search(r"municipality\.toml: error: holidays\.dates \"2026\": no holiday listed in 2026", p.stderr),
            "validate names the year and [holidays] dates", p.stderr)
    t.check("2025" not in re.findall(r'holidays\.dates "(\d+)"', p.stderr), "covered years pass", p.stderr)
    t.run("validate", "--cases", t.examples / "cases.csv", "--fees", t.fees, "--municipality", t.municipality)
