#!/usr/bin/env python3
"""Custody end to end (SPEC §8, §9, §12) with the real binary: run → (review) → approve →
handover → receipt → work log → returned mail → reconcile → certificates → closed, every
refusal on the way, then `audit verify` before and after tampering with the ledger file.

Usage: custody_flow.py /path/to/tsuchi /path/to/source
"""
import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

TSUCHI, SRC = sys.argv[1], Path(sys.argv[2])
MUNI = SRC / "examples" / "municipality.toml"  # roles: staff tanaka, suzuki; approver sato


def run(*args, want=0, env=None):
    p = subprocess.run([TSUCHI, *map(str, args)], capture_output=True, text=True, env=env)
    if p.returncode != want:
        sys.exit(f"FAIL: tsuchi {' '.join(map(str, args))}: exit {p.returncode}, want {want}\n{p.stderr}")
    return p


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


with tempfile.TemporaryDirectory(prefix="tsuchi-custody-") as tmp:
    tmp = Path(tmp)
    ledger = tmp / "ledger.sqlite"
    env = dict(os.environ, TSUCHI_LEDGER=str(ledger))
    out = tmp / "run"

    # Commands other than `run` never create a ledger: a mistyped path is an error.
    p = run("reconcile", "--ledger", tmp / "nowhere.sqlite", want=1)
    check("no ledger at" in p.stderr, "reconcile on a missing ledger says so")

    run("keygen", "--out", tmp / "city")
    run("keygen", "--out", tmp / "contractor", "--kind", "contractor")
    run("run", "--demo", "--out", out, "--as", "tanaka", "--signing-key", tmp / "city.secret",
        "--contractor-key", tmp / "contractor.pub", env=env)
    check(ledger.exists(), "tsuchi run records the run in the ledger ($TSUCHI_LEDGER)")
    run_id = json.loads((out / "run.json").read_text())["run_id"]
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    batches = [r[0] for r in db.execute("SELECT batch_id FROM batches WHERE run_id = ? ORDER BY position", (run_id,))]
    envelopes = {b: [r[0] for r in db.execute(
        "SELECT envelope_id FROM envelopes WHERE batch_id = ? ORDER BY position", (b,))] for b in batches}
    sheets = {e: s for e, s in db.execute("SELECT envelope_id, sheets FROM envelopes")}
    db.close()
    check(len(batches) >= 2, f"the demo run has several batches ({batches})")
    first, last_env = batches[0], envelopes[batches[0]][-1]

    # Handover before approval; approval by the wrong people, and before the review sheet.
    p = run("handover", first, "--as", "tanaka", env=env, want=1)
    check(f"batch {first} is not approved" in p.stderr, "handover before approval is refused")
    p = run("approve", out, "--as", "sato", env=env, want=1)
    check("pass --municipality" in p.stderr, "approve needs the roles")
    p = run("approve", out, "--as", "tanaka", "--municipality", MUNI, env=env, want=1)
    check("user tanaka does not have the approver role" in p.stderr, "staff cannot approve")
    both = tmp / "roles.toml"
    # The whole municipality.toml with other roles: it is read by the one shared reader, every key checked.
    both.write_text(MUNI.read_text(encoding="utf-8").replace('staff      = ["tanaka", "suzuki"]', 'staff      = ["tanaka"]')
                    .replace('approver   = ["sato"]', 'approver   = ["sato", "tanaka"]'), encoding="utf-8")
    p = run("approve", out, "--as", "tanaka", "--municipality", both, env=env, want=1)
    check(f"user tanaka made run {run_id}; a second person must approve it" in p.stderr, "the maker cannot approve")
    if not (out / "review.txt").exists():
        p = run("approve", out, "--as", "sato", "--municipality", MUNI, env=env, want=1)
        check(f"run `tsuchi review {out}` first" in p.stderr, "approve needs the review sheet")
        commands = subprocess.run([TSUCHI, "--help"], capture_output=True, text=True).stdout
        if any(line.split()[:1] == ["review"] for line in commands.splitlines()):
            subprocess.run([TSUCHI, "review", out], env=env, capture_output=True, check=True)
        else:  # until `tsuchi review` exists: a sheet that names the run
            (out / "review.txt").write_text(f"review of run {run_id}\n")
    run("approve", out, "--as", "sato", "--municipality", MUNI, env=env)
    p = run("approve", out, "--as", "sato", "--municipality", MUNI, env=env, want=1)
    check(f"run {run_id} is already approved" in p.stderr, "a run is approved once")

    run("handover", first, "--as", "tanaka", "--municipality", MUNI, "--route", "courier", "--media", "USB-0001", env=env)
    for b in batches[1:]:
        run("handover", b, "--as", "tanaka", "--route", "sftp", env=env)

    # Receipt: one wrong hash refuses the whole file; then the right one.
    rows = [[b, sha256(out / f"{b}.zip"), "2025-09-02T10:00:00+09:00", "desk-1"] for b in batches]
    bad = [r[:] for r in rows]
    bad[1][1] = "0" * 64
    receipt = write_csv(tmp / "receipt-bad.csv", ["batch_id", "archive_sha256", "received_at", "received_by"], bad)
    p = run("import", "receipt", receipt, "--as", "tanaka", env=env, want=1)
    check(f'{receipt}:3:2: error: archive_sha256 "{"0" * 64}": does not match the sealed archive of batch {batches[1]}'
          in p.stderr, f"a wrong archive hash names its line:\n{p.stderr}")
    report = json.loads(run("reconcile", "--json", env=env).stdout)
    check(not any(b["received"] for b in report["batches"]), "a refused receipt file stores nothing")
    run("import", "receipt",
        write_csv(tmp / "receipt.csv", ["batch_id", "archive_sha256", "received_at", "received_by"], rows),
        "--as", "tanaka", env=env)

    # Work log: the last envelope of the first batch is never mailed; its first is spoiled and reprinted.
    def worklog(include_last):
        log = []
        for b in batches:
            for e in envelopes[b]:
                if e == envelopes[first][0]:
                    log += [[b, e, "spoiled", 1, "2025-09-03T09:00:00+09:00"],
                            [b, e, "reprinted", sheets[e], "2025-09-03T09:05:00+09:00"]]
                log.append([b, e, "inserted", sheets[e], "2025-09-03T10:00:00+09:00"])
                if e != last_env or include_last:
                    log.append([b, e, "mailed", sheets[e], "2025-09-04T09:00:00+09:00"])
        return log

    header = ["batch_id", "envelope_id", "status", "sheets", "at"]
    broken = worklog(False) + [[first, envelopes[first][0], "lost", 1, "2025-09-04T09:00:00+09:00"]]
    bad_log = write_csv(tmp / "worklog-bad.csv", header, broken)
    p = run("import", "worklog", bad_log, "--as", "tanaka", env=env, want=1)
    check(f'{bad_log}:{len(broken) + 1}:3: error: status "lost": must be one of inserted, reprinted, spoiled, mailed'
          in p.stderr, f"a bad work-log row is named:\n{p.stderr}")
    run("import", "worklog", write_csv(tmp / "worklog.csv", header, worklog(False)), "--as", "tanaka", env=env)

    # Returned mail: two envelopes of the first batch; the second is resent by a later row.
    e1, e2 = envelopes[first][0], envelopes[first][1]
    run("import", "returns", write_csv(tmp / "returns.csv", ["envelope_id", "reason", "at", "action"], [
        [e1, "転居先不明", "2025-09-10T11:00:00+09:00", ""],
        [e2, "受取拒絶", "2025-09-10T11:05:00+09:00", "open"],
        [e2, "refused", "2025-09-12T15:00:00+09:00", "resent"]]), "--as", "suzuki", env=env)

    table = tmp / "reconcile.csv"
    report = json.loads(run("reconcile", "--json", "--batch", first, "--csv", table, env=env).stdout)
    b = report["batches"][0]
    check(b["missing"] == [last_env], f"reconcile lists exactly the missing envelope: {b['missing']}")
    check(b["open_returns"] == [e1], f"reconcile lists the open return: {b['open_returns']}")
    check((b["sealed"], b["mailed"], b["returned"], b["spoiled"]) == (len(envelopes[first]), len(envelopes[first]) - 1, 2, 1),
          f"counts of the first batch: {b}")
    check(b["media"] == ["USB-0001", "spoilage"] and not b["certified"] and not b["closed"], f"not closed yet: {b}")
    check(table.read_text().startswith("batch_id,run_id,month,sealed,mailed,returned,"), "reconcile --csv writes the table")
    text = run("reconcile", "--batch", first, env=env).stdout
    check(f"missing (not reported mailed): {last_env}" in text, f"the text report names the missing envelope:\n{text}")

    # Certificates for every medium; the corrected completion report mails the last envelope.
    form = tmp / "certificate.pdf"
    form.write_bytes(b"%PDF-1.4 filled-in certificate form\n")
    def certify(batch, medium, method, *extra):
        run("import", "certificate", form, "--as", "tanaka", "--batch", batch, "--medium", medium, "--method", method,
            "--tool", "nwipe", "--tool-version", "0.34", "--verification", "read-back", "--date", "2025-09-20",
            "--place", "plant", "--operator", "op-17", "--witness", "w-03", *extra, env=env)
    certify(first, "USB-0001", "Purge")
    certify(first, "spoilage", "Destroy", "--quantity", "1")
    for other in batches[1:]:
        certify(other, "archive", "Purge")
    report = json.loads(run("reconcile", "--json", env=env).stdout)
    check([x["closed"] for x in report["batches"]] == [False] + [True] * (len(batches) - 1),
          "every batch but the one with a missing envelope is closed")
    run("import", "worklog", write_csv(tmp / "worklog-2.csv", header, worklog(True)), "--as", "tanaka", env=env)
    report = json.loads(run("reconcile", "--json", env=env).stdout)
    check(all(x["closed"] for x in report["batches"]), f"all batches closed: {report['batches'][0]}")

    # The audit chain holds; an edit made directly in the file is found and named.
    verdict = json.loads(run("audit", "verify", "--json", "--municipality", MUNI, env=env).stdout)
    check(verdict["ok"] and verdict["records"] > 20, f"audit chain intact: {verdict['records']} records")
    db = sqlite3.connect(ledger)
    db.execute("UPDATE audit SET user = 'mallory' WHERE seq = 3")
    db.commit()
    db.close()
    verdict = json.loads(run("audit", "verify", "--json", env=env, want=1).stdout)
    check(verdict["first_break"]["seq"] == 3 and verdict["first_break"]["kind"] == "edited",
          f"audit verify names the edited record: {verdict['first_break']}")
    print(f"custody flow OK: run {run_id}, {len(batches)} batches, {verdict['records']} audit records")
