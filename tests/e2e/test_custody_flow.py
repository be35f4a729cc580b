"""Custody end to end (SPEC §8, §9, §12) with the real binary: run → review → approve → handover →
receipt → work log → returned mail → reconcile → certificates → closed, every refusal on the way,
then `audit verify` before and after tampering with the ledger file."""
import sqlite3

from harness import RECEIPT_HEADER, WORKLOG_HEADER, Test, write_csv

with Test() as t:
    tmp, out = t.tmp, t.tmp / "run"

    # Commands other than `run` never create a ledger: a mistyped path is an error.
    p = t.run("reconcile", "--ledger", tmp / "nowhere.sqlite", want=1)
    t.check("no ledger at" in p.stderr, "reconcile on a missing ledger says so", p.stderr)

    r = t.demo_run(out, contractor=True)
    t.check(t.ledger.exists(), "tsuchi run records the run in the ledger ($TSUCHI_LEDGER)")
    run_id, batches, envelopes = r.run_id, r.batches, r.envelopes
    t.require(len(batches) >= 2, "the demo run has several batches", batches)
    first, last_env = batches[0], envelopes[batches[0]][-1]

    # Handover before approval; approval by the wrong people, and before the review sheet.
    p = t.run("handover", first, "--as", "tanaka", want=1)
    t.check(f"batch {first} is not approved" in p.stderr, "handover before approval is refused", p.stderr)
    p = t.run("approve", out, "--as", "sato", want=1)
    t.check("pass --municipality" in p.stderr, "approve needs the roles", p.stderr)
    p = t.run("approve", out, "--as", "tanaka", "--municipality", t.municipality, want=1)
    t.check("user tanaka does not have the approver role" in p.stderr, "staff cannot approve", p.stderr)
    both = tmp / "roles.toml"
    # The whole municipality.toml with other roles: it is read by the one shared reader, every key checked.
    both.write_text(t.municipality_here().replace('staff      = ["tanaka", "suzuki"]', 'staff      = ["tanaka"]')
                    .replace('approver   = ["sato"]', 'approver   = ["sato", "tanaka"]'), encoding="utf-8")
    p = t.run("approve", out, "--as", "tanaka", "--municipality", both, want=1)
    t.check(f"user tanaka made run {run_id}; a second person must approve it" in p.stderr, "the maker cannot approve",
            p.stderr)
    t.require(not (out / "review.txt").exists(), "run writes no review sheet of its own")
    p = t.run("approve", out, "--as", "sato", "--municipality", t.municipality, want=1)
    t.check(f"run `tsuchi review {out}` first" in p.stderr, "approve needs the review sheet", p.stderr)
    t.run("review", out)
    t.run("approve", out, "--as", "sato", "--municipality", t.municipality)
    p = t.run("approve", out, "--as", "sato", "--municipality", t.municipality, want=1)
    t.check(f"run {run_id} is already approved" in p.stderr, "a run is approved once", p.stderr)

    t.run("handover", first, "--as", "tanaka", "--municipality", t.municipality, "--route", "courier", "--media",
          "USB-0001")
    for b in batches[1:]:
        t.run("handover", b, "--as", "tanaka", "--route", "sftp")

    # Receipt: one wrong hash refuses the whole file; then the right one.
    rows = r.receipt(out)
    bad = [row[:] for row in rows]
    bad[1][1] = "0" * 64
    receipt = write_csv(tmp / "receipt-bad.csv", RECEIPT_HEADER, bad)
    p = t.run("import", "receipt", receipt, "--as", "tanaka", want=1)
    t.check(f'{receipt}:3:2: error: archive_sha256 "{"0" * 64}": does not match the sealed archive of batch '
            f'{batches[1]}' in p.stderr, "a wrong archive hash names its line", p.stderr)
    report = t.json("reconcile", "--json")
    t.check(not any(b["received"] for b in report["batches"]), "a refused receipt file stores nothing")
    t.run("import", "receipt", write_csv(tmp / "receipt.csv", RECEIPT_HEADER, rows), "--as", "tanaka")

    # Work log: the last envelope of the first batch is never mailed; its first is spoiled and reprinted.
    spoiled = envelopes[first][0]
    broken = r.worklog(spoiled, not_mailed=last_env) + [[first, spoiled, "lost", 1, "2025-09-04T09:00:00+09:00"]]
    bad_log = write_csv(tmp / "worklog-bad.csv", WORKLOG_HEADER, broken)
    p = t.run("import", "worklog", bad_log, "--as", "tanaka", want=1)
    t.check(f'{bad_log}:{len(broken) + 1}:3: error: status "lost": must be one of inserted, reprinted, spoiled, mailed'
            in p.stderr, "a bad work-log row is named", p.stderr)
    t.run("import", "worklog", write_csv(tmp / "worklog.csv", WORKLOG_HEADER, r.worklog(spoiled, not_mailed=last_env)),
          "--as", "tanaka")

    # Returned mail: two envelopes of the first batch; the second is resent by a later row.
    e1, e2 = envelopes[first][0], envelopes[first][1]
    t.run("import", "returns", write_csv(tmp / "returns.csv", ["envelope_id", "reason", "at", "action"], [
        [e1, "転居先不明", "2025-09-10T11:00:00+09:00", ""],
        [e2, "受取拒絶", "2025-09-10T11:05:00+09:00", "open"],
        [e2, "refused", "2025-09-12T15:00:00+09:00", "resent"]]), "--as", "suzuki")

    table = tmp / "reconcile.csv"
    report = t.json("reconcile", "--json", "--batch", first, "--csv", table)
    b = report["batches"][0]
    t.check(b["missing"] == [last_env], "reconcile lists exactly the missing envelope", b["missing"])
    t.check(b["open_returns"] == [e1], "reconcile lists the open return", b["open_returns"])
    t.check((b["sealed"], b["mailed"], b["returned"], b["spoiled"]) ==
            (len(envelopes[first]), len(envelopes[first]) - 1, 2, 1), "counts of the first batch", b)
    t.check(b["media"] == ["USB-0001", "spoilage"] and not b["certified"] and not b["closed"], "not closed yet", b)
    t.check(table.read_text().startswith("batch_id,run_id,month,sealed,mailed,returned,"),
            "reconcile --csv writes the table")
    text = t.run("reconcile", "--batch", first).stdout
    t.check(f"missing (not reported mailed): {last_env}" in text, "the text report names the missing envelope", text)

    # Certificates for every medium; the corrected completion report mails the last envelope.
    form = tmp / "certificate.pdf"
    form.write_bytes(b"%PDF-1.4 filled-in certificate form\n")
    t.certify(form, "USB-0001", "Purge", "--batch", first)
    t.certify(form, "spoilage", "Destroy", "--batch", first, "--quantity", "1")
    for other in batches[1:]:
        t.certify(form, "archive", "Purge", "--batch", other)
    report = t.json("reconcile", "--json")
    t.check([x["closed"] for x in report["batches"]] == [False] + [True] * (len(batches) - 1),
            "every batch but the one with a missing envelope is closed")
    t.run("import", "worklog", write_csv(tmp / "worklog-2.csv", WORKLOG_HEADER, r.worklog(spoiled)), "--as", "tanaka")
    report = t.json("reconcile", "--json")
    t.check(all(x["closed"] for x in report["batches"]), "all batches closed", report["batches"][0])

    # The audit chain holds; an edit made directly in the file is found and named.
    verdict = t.json("audit", "verify", "--json", "--municipality", t.municipality)
    t.check(verdict["ok"] and verdict["records"] > 20, "audit chain intact", verdict["records"])
    db = sqlite3.connect(t.ledger)
    db.execute("UPDATE audit SET user = 'mallory' WHERE seq = 3")
    db.commit()
    db.close()
    verdict = t.json("audit", "verify", "--json", want=1)
    t.check(verdict["first_break"]["seq"] == 3 and verdict["first_break"]["kind"] == "edited",
            "audit verify names the edited record", verdict["first_break"])
