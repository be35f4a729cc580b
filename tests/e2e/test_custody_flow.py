"""The whole honest scenario (SPEC §8, §9, §13) with the real binary: ledger init → users → run →
review → approve → open → handover → receipt → work log → returned mail → certificates → reconcile
(also on a read-only evidence copy) → audit verify against the head the release carries; with the
refusals on the way."""
import os
import re
import shutil

from harness import (RECEIPT_HEADER, RETURNS_HEADER, WORKLOG_HEADER, Test, excel_csv, office_time, release_field, sha256,
                     write_csv)

with Test() as t:
    tmp, out = t.tmp, t.tmp / "run"

    # Commands other than `ledger init` never create a ledger: a mistyped path is refused.
    p = t.run("reconcile", "--ledger", tmp / "nowhere.sqlite", want=1)
    t.check("no ledger" in p.stderr and "tsuchi ledger init" in p.stderr, "reconcile on a missing ledger says so",
            p.stderr)

    city = t.city()
    users = t.users()
    t.check({n: u["role"] for n, u in users.items()} == {"takahashi": "supervisor", "tanaka": "staff", "suzuki": "staff",
                                                        "sato": "approver", "yamada": "approver"},
            "user list: every user with their one role", users)
    t.run("ledger", "init", "--ledger", t.ledger, "--city-key", city.secret, "--municipality", t.municipality,
          "--supervisor", "x", "--supervisor-key", city.user_key("x")[0], want=1, stop=False)

    r = t.demo_run(out, contractor=True)
    run_id, batches, envelopes = r.run_id, r.batches, r.envelopes
    t.require(len(batches) >= 2, "the demo run has several batches", batches)
    first, last_env = batches[0], envelopes[batches[0]][-1]

    # Handover before approval; approval by the wrong people, and before the review sheet.
    p = city.run("tanaka", "handover", first, want=1)
    t.check("not approved" in p.stderr, "handover before approval is refused", p.stderr)
    p = city.run("sato", "approve", out, want=1)
    t.check(f"run `tsuchi review {out}` first" in p.stderr, "approve needs the review sheet", p.stderr)
    t.require(not (out / "release.json").exists(), "no release without approval")
    city.run("suzuki", "review", out)
    p = city.run("tanaka", "approve", out, want=1)
    t.check("approver" in p.stderr, "staff (the maker) cannot approve: the approver role is missing", p.stderr)
    t.require(not (out / "release.json").exists(), "a refused approval writes no release")
    city.run("sato", "approve", out)
    seq1 = release_field(out, "sequence")
    head = release_field(out, "audit_head")
    t.require(re.fullmatch(r"\d+:[0-9a-f]{64}", head or ""), "release.json carries the audit head SEQ:HASH", head)

    # The contractor opens every batch with the release and the city key received out of band.
    for b in batches:
        t.run(*t.open_args(out, b, tmp / "opened"))
        t.check((tmp / "opened" / b / "data" / "insertion.csv").exists(), f"{b} opened with its release")
    t.run(*t.open_args(out, first, tmp / "opened-sealed", "--secret-key", t.keygen("contractor", "contractor")[1]))

    # Approving again supersedes the release with a higher sequence.
    city.run("yamada", "approve", out)
    t.check(release_field(out, "sequence") > seq1, "a second approval issues a superseding release",
            (seq1, release_field(out, "sequence")))
    head = release_field(out, "audit_head")

    city.run("tanaka", "handover", first, "--route", "courier", "--media", "USB-0001")
    for b in batches[1:]:
        city.run("suzuki", "handover", b, "--route", "sftp")

    # Receipt: one wrong hash refuses the whole file; then the right one.
    rows = r.receipt(out)
    bad = [row[:] for row in rows]
    bad[1][1] = "0" * 64
    receipt = write_csv(tmp / "receipt-bad.csv", RECEIPT_HEADER, bad)
    p = city.run("tanaka", "import", "receipt", receipt, want=1)
    t.check(f'{receipt}:3:2: error: archive_sha256 "{"0" * 64}": does not match the sealed archive of batch '
            f'{batches[1]}' in p.stderr, "a wrong archive hash names its line", p.stderr)
    report = t.json("reconcile", "--json", *t.key("tanaka"))
    t.check(not any(b["received"] for b in report["batches"]), "a refused receipt file stores nothing")
    city.run("tanaka", "import", "receipt", write_csv(tmp / "receipt.csv", RECEIPT_HEADER, rows))

    # Work log: the last envelope of the first batch is never mailed; its first is spoiled and reprinted.
    spoiled = envelopes[first][0]
    broken = r.worklog(spoiled, not_mailed=last_env) + [[first, spoiled, "lost", 1, "2025-09-04T09:00:00+09:00"]]
    bad_log = write_csv(tmp / "worklog-bad.csv", WORKLOG_HEADER, broken)
    p = city.run("tanaka", "import", "worklog", bad_log, want=1)
    t.check(f'{bad_log}:{len(broken) + 1}:3: error: status "lost": must be one of inserted, reprinted, spoiled, mailed'
            in p.stderr, "a bad work-log row is named", p.stderr)
    # The corrected report later keeps the mailing times of the first (returns come after them).
    full = r.worklog(spoiled)
    city.run("tanaka", "import", "worklog", write_csv(tmp / "worklog.csv", WORKLOG_HEADER,
                                                      [x for x in full if x[1:3] != [last_env, "mailed"]]))

    # Returned mail: two envelopes of the first batch; the second is resent by a later row.
    e1, e2 = envelopes[first][0], envelopes[first][1]
    city.run("suzuki", "import", "returns", write_csv(tmp / "returns.csv", RETURNS_HEADER, [
        [e1, "転居先不明", office_time(), ""],
        [e2, "受取拒絶", office_time(), "open"],
        [e2, "refused", office_time(1), "resent"]]))

    table = tmp / "reconcile.csv"
    report = t.json("reconcile", "--json", "--batch", first, "--csv", table, *t.key("sato"))
    b = report["batches"][0]
    t.check(b["missing"] == [last_env], "reconcile lists exactly the missing envelope", b["missing"])
    t.check(b["open_returns"] == [e1], "reconcile lists the open return", b["open_returns"])
    t.check((b["sealed"], b["mailed"], b["returned"], b["spoiled"]) ==
            (len(envelopes[first]), len(envelopes[first]) - 1, 2, 1), "counts of the first batch", b)
    t.check(b["media"] == ["USB-0001", "spoilage"] and not b["certified"] and not b["closed"], "not closed yet", b)
    header, counted = excel_csv(table, header=True)
    t.check(header[:6] == ["batch_id", "run_id", "month", "sealed", "mailed", "returned"] and
            [(c["batch_id"], c["month"], c["missing"], c["open_returns"]) for c in counted] == [(first, b["month"], "1", "1")],
            "reconcile --csv writes the table of counts, one row per batch", counted)
    listed = [(x["batch_id"], x["list"], x["item"]) for x in excel_csv(tmp / "reconcile-lists.csv")]
    t.check((first, "missing", last_env) in listed and (first, "open_returns", e1) in listed and
            (first, "media", "USB-0001") in listed, "... and its lists in reconcile-lists.csv, one id a row", listed)
    text = city.run("tanaka", "reconcile", "--batch", first).stderr
    t.check(f"missing (not reported mailed): {last_env}" in text, "the text report names the missing envelope", text)

    # Certificates for every medium; the corrected completion report mails the last envelope.
    form = tmp / "certificate.pdf"
    city.run("tanaka", "certificate", "form", first, "--out", form)
    t.certify(form, "USB-0001", "Purge", "--batch", first)
    t.certify(form, "spoilage", "Destroy", "--batch", first, "--quantity", "1")
    typed = tmp / "typed.pdf"  # a typed certificate without a form code: only a supervisor, explicitly
    typed.write_bytes(b"%PDF-1.4 filled-in certificate form\n")
    for other in batches[1:]:
        t.certify(typed, "archive", "Purge", "--batch", other, "--no-form-code", "--reason", "typed by the plant",
                  user="takahashi")
    report = t.json("reconcile", "--json", *t.key("tanaka"))
    t.check([x["closed"] for x in report["batches"]] == [False] + [True] * (len(batches) - 1),
            "every batch but the one with a missing envelope is closed")
    city.run("tanaka", "import", "worklog", write_csv(tmp / "worklog-2.csv", WORKLOG_HEADER, full),
             "--supersede", sha256(tmp / "worklog.csv"))
    report = t.json("reconcile", "--json", *t.key("tanaka"))
    t.check(all(x["closed"] for x in report["batches"]), "all batches closed", report["batches"][0])

    # The auditor's evidence copy: read-only, no key, nothing recorded, the same report.
    evidence = tmp / "evidence.sqlite"
    shutil.copyfile(t.ledger, evidence)
    os.chmod(evidence, 0o444)
    before = sha256(evidence)
    p = t.run("reconcile", "--json", "--ledger", evidence)
    t.check("read-only copy: not recorded" in p.stderr, "reconcile on a chmod 444 copy says it records nothing",
            p.stderr)
    t.check(all(x["closed"] for x in __import__("json").loads(p.stdout)["batches"]), "the copy's report is the same")
    t.run("reconcile", "--read-only", "--ledger", evidence)
    v = t.json("audit", "verify", "--json", "--ledger", evidence, "--expect-head", head, "--city-key", city.pub)
    t.check(v["ok"], "audit verify on the evidence copy, against the release's head and the city key", v)
    t.check(sha256(evidence) == before, "the evidence copy is untouched")

    # The live ledger: head, verify (recorded with --key), and the head the release carries.
    live = t.json("audit", "head", "--json")["head"]
    t.check(re.fullmatch(r"\d+:[0-9a-f]{64}", live), "audit head prints SEQ:HASH", live)
    v = t.json("audit", "verify", "--json", "--expect-head", head, "--city-key", city.pub, *t.key("takahashi"))
    t.check(v["ok"] and v["records"] > 20, "audit verify --expect-head (from release.json) holds", v.get("records"))
    t.check(t.json("audit", "head", "--json")["head"] != live, "audit verify --key records its check")
    t.json("audit", "verify", "--json", "--expect-head", live)
