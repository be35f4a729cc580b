"""Issue 12, evidence checked against custody (SPEC §9, §12): each accident of the issue replayed with the
real binary. Evidence for a batch not approved and handed over, dated before its handover or in the
future, a certificate whose "form" is any file or names a medium never handed over: refused. The same
file twice changes nothing; a corrected file replaces an earlier one only with --supersede; a CP932
returns file is read; reconcile right after a run lists nothing as missing; --fail-on sets the exit code."""
import json
import sqlite3

from harness import RETURNS_HEADER, WORKLOG_HEADER, Test, excel_csv, office_time, sha256, write_csv


def count(ledger, sql, *args):
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchone()[0]
    finally:
        db.close()


def last_record(ledger):
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        return db.execute("SELECT command, objects, result FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        db.close()


with Test() as t:
    tmp = t.tmp
    city = t.city()
    a, u = t.approved_and_not(tmp / "approved", tmp / "unapproved")
    first, unapproved = a.batches[0], u.batches[0]
    mine = a.envelopes[first]

    # Right after the runs nothing is handed over: nothing is missing, everything is "not yet handed over".
    report = t.json("reconcile", "--json", *t.key("tanaka"))
    t.check(all(b["missing"] == [] for b in report["batches"]), "reconcile after a run lists nothing as missing",
            [b["missing"][:3] for b in report["batches"]])
    t.check(all(b["not_handed_over"] == b["sealed"] for b in report["batches"]),
            "every sealed envelope is counted as not yet handed over", report["batches"][0])
    t.check(sum(m["not_handed_over"] for m in report["months"]) == sum(b["sealed"] for b in report["batches"]),
            "the months count them too", report["months"])
    city.run("tanaka", "reconcile", "--fail-on", "missing,flags")

    # A work log for a batch never approved, and for one approved but not handed over: refused, audited.
    log = write_csv(tmp / "unapproved-log.csv", WORKLOG_HEADER,
                    [[unapproved, e, "mailed", u.sheets[e], office_time()] for e in u.envelopes[unapproved]])
    p = city.run("tanaka", "import", "worklog", log, want=1)
    t.check(f"batch {unapproved} has not been approved and handed over" in p.stderr,
            "a work log for an unapproved batch is refused, naming the batch", p.stderr)
    t.check(p.stderr.count("has not been approved") == 1, "the refusal is said once, not once per row", p.stderr)
    t.check(last_record(t.ledger)[0] == "import worklog" and last_record(t.ledger)[2].startswith("refused"),
            "the refused attempt is audited", last_record(t.ledger))
    log = write_csv(tmp / "early-log.csv", WORKLOG_HEADER, [[first, e, "mailed", a.sheets[e], office_time()] for e in mine])
    p = city.run("tanaka", "import", "worklog", log, want=1)
    t.check(f"batch {first} has not been approved and handed over" in p.stderr,
            "a work log before the handover is refused", p.stderr)
    t.check(count(t.ledger, "SELECT COUNT(*) FROM worklog_rows") == 0, "no work-log row was stored")

    city.run("tanaka", "handover", first, "--route", "courier", "--media", "USB-9")

    # Dates in 2020 (before the handover) and tomorrow (in the future).
    for label, at, why in (("2020", "2020-01-06T09:00:00+09:00", "before the batch was handed over"),
                           ("future", office_time(24 * 60), "in the future")):
        log = write_csv(tmp / f"{label}-log.csv", WORKLOG_HEADER, [[first, e, "mailed", a.sheets[e], at] for e in mine])
        p = city.run("tanaka", "import", "worklog", log, want=1)
        t.check(why in p.stderr, f"work-log times in {label} are refused", p.stderr)

    # The honest work log, all but the last envelope mailed; imported twice: the second changes nothing.
    good = write_csv(tmp / "worklog.csv", WORKLOG_HEADER, [[first, e, "mailed", a.sheets[e], office_time()] for e in mine[:-1]])
    city.run("tanaka", "import", "worklog", good)
    rows = count(t.ledger, "SELECT COUNT(*) FROM worklog_rows")
    p = city.run("tanaka", "import", "worklog", good)
    t.check(f"already imported (sha256 {sha256(good)})" in p.stderr, "the same work log again says so", p.stderr)
    t.check(count(t.ledger, "SELECT COUNT(*) FROM worklog_rows") == rows, "and stores nothing")
    t.check(last_record(t.ledger)[2].startswith("ok: already imported"), "the no-op is audited", last_record(t.ledger))

    # Once handed over with a work log, the unmailed envelope is missing; --fail-on says so.
    p = city.run("tanaka", "reconcile", "--batch", first, "--fail-on", "flags,missing,overdue", want=1)
    t.check("--fail-on: missing" in p.stderr, "reconcile --fail-on missing exits 1 and names the condition", p.stderr)
    t.check(mine[-1] in p.stderr, "the missing envelope is listed", p.stderr)

    # A corrected work log replaces the first only with --supersede.
    fixed = write_csv(tmp / "worklog-2.csv", WORKLOG_HEADER, [[first, e, "mailed", a.sheets[e], office_time()] for e in mine])
    p = city.run("tanaka", "import", "worklog", fixed, want=1)
    t.check(f"--supersede {sha256(good)}" in p.stderr, "a second work log needs --supersede of the first", p.stderr)
    city.run("tanaka", "import", "worklog", fixed, "--supersede", sha256(good))
    report = t.json("reconcile", "--json", "--batch", first, *t.key("tanaka"))
    t.check(report["batches"][0]["missing"] == [] and report["batches"][0]["mailed"] == len(mine),
            "the superseding work log counts, the earlier one no longer", report["batches"][0])

    # Certificates: /etc/hostname is no form; an unhanded batch, a medium never handed over, a 2020 date.
    p = t.certify("/etc/hostname", "USB-9", "Purge", "--batch", first, want=1)
    t.check("no certificate-form QR code" in p.stderr, "/etc/hostname as a certificate form is refused", p.stderr)
    form = tmp / "form.pdf"
    city.run("tanaka", "certificate", "form", first, "--out", form)
    p = t.certify(form, "USB-9", "Purge", "--batch", unapproved, want=1)
    t.check("refused" in p.stderr, "a certificate for a batch never handed over is refused", p.stderr)
    p = t.certify(form, "USB-666", "Purge", want=1)
    t.check('--medium "USB-666": no medium of that id was handed over' in p.stderr,
            "a medium never handed over is refused", p.stderr)
    p = t.run("import", "certificate", form, *t.key("tanaka"), "--medium", "USB-9", "--method", "Purge", "--tool", "x",
              "--tool-version", "1", "--verification", "v", "--date", "2020-01-06", "--place", "p", "--operator", "o",
              "--witness", "w", want=1)
    t.check("before the batch was handed over" in p.stderr, "a certificate dated 2020 is refused", p.stderr)
    t.certify(form, "USB-9", "Purge")
    p = t.certify(form, "USB-9", "Purge")
    t.check("already imported" in p.stderr, "the same certificate twice changes nothing", p.stderr)
    t.check(count(t.ledger, "SELECT COUNT(*) FROM certificates") == 1, "one certificate row")

    # Without the form's QR code only a supervisor, explicitly, with a reason kept out of the audit text.
    typed = tmp / "typed.pdf"
    typed.write_bytes(b"%PDF-1.4 typed certificate\n")
    extra = ("--batch", first, "--quantity", "0", "--no-form-code", "--reason", "form lost at the plant")
    p = t.certify(typed, "spoilage", "Destroy", *extra, want=1)
    t.check("supervisor" in p.stderr, "staff cannot take a certificate without its form code", p.stderr)
    t.certify(typed, "spoilage", "Destroy", *extra, user="takahashi")
    record = last_record(t.ledger)
    t.check(record[0] == "import certificate override" and "form lost" not in record[1] + record[2],
            "the override is audited under its own command, the reason kept in the ledger's row", record)
    t.check(count(t.ledger, "SELECT COUNT(*) FROM imports WHERE note = 'form lost at the plant'") == 1,
            "the reason is stored in a custody row")
    retyped = tmp / "typed-2.pdf"
    retyped.write_bytes(b"%PDF-1.4 typed certificate, corrected\n")
    p = t.certify(retyped, "spoilage", "Destroy", *extra, want=1, user="takahashi")
    t.check("--supersede" in p.stderr, "a second certificate for the same medium needs --supersede", p.stderr)

    # Returns saved by Excel in CP932, imported twice; an overlapping file adds only its new row.
    e1, e2 = mine[0], mine[1]
    cp932 = tmp / "returns-cp932.csv"
    at = office_time()
    cp932.write_bytes(("\r\n".join([",".join(RETURNS_HEADER), f"{e1},転居先不明,{at},open", ""])).encode("cp932"))
    city.run("suzuki", "import", "returns", cp932)
    p = city.run("suzuki", "import", "returns", cp932)
    t.check("already imported" in p.stderr, "the same returns file twice changes nothing", p.stderr)
    more = write_csv(tmp / "returns-2.csv", RETURNS_HEADER, [[e1, "転居先不明", at, "open"], [e2, "受取拒絶", at, "open"]])
    city.run("suzuki", "import", "returns", more)
    t.check(count(t.ledger, "SELECT COUNT(*) FROM returns") == 2, "an identical returns row adds nothing",
            count(t.ledger, "SELECT COUNT(*) FROM returns"))
    report = t.json("reconcile", "--json", "--batch", first, *t.key("tanaka"))
    t.check(report["batches"][0]["returned"] == 2, "two returns, counted once each", report["batches"][0])

    # A file in neither encoding: one plain message, no mojibake.
    broken = tmp / "returns-broken.csv"
    broken.write_bytes(b"envelope_id,reason,at\n" + e1.encode() + b",\x82\xa0\xff\xfe\x80," + at.encode() + b"\n")
    p = city.run("suzuki", "import", "returns", broken, want=1)
    t.check("not UTF-8 or CP932" in p.stderr and "\ufffd" not in p.stderr, "neither encoding: said plainly", p.stderr)

    # Flags on every format: JSON key, CSV column; --fail-on flags.
    table = tmp / "reconcile.csv"
    city.run("tanaka", "reconcile", "--csv", table)
    t.check("not_handed_over" in excel_csv(table, header=True)[0], "the CSV has the not-handed-over count")
