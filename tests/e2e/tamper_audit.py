#!/usr/bin/env python3
"""Tampering with the audit log directly in SQLite (issue 7): every column of a record edited, a
record deleted, one inserted (with a hash that is right for its contents and place, as a careful
forger would make it), two records swapped. `tsuchi audit verify` must exit 1 and name the seq where
the log was changed, with the kind of change; the untouched copy must verify.

Two changes the chain alone cannot see are documented rather than tested here: deleting the newest
records, and appending well-formed ones (keep the reported head hash elsewhere to catch those).

Usage: tamper_audit.py /path/to/tsuchi /path/to/source
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
MUNI = SRC / "examples" / "municipality.toml"
failures, cases = [], 0


def tsuchi(*args, env, want=0):
    p = subprocess.run([TSUCHI, *map(str, args)], capture_output=True, text=True, env=env)
    if want is not None and p.returncode != want:
        sys.exit("setup: tsuchi %s: exit %d\n%s" % (" ".join(map(str, args)), p.returncode, p.stderr))
    return p


def record_hash(prev_hash, seq, at, user, command, objects, result):
    """output_spec/ledger.md: SHA-256 of prev_hash + the record's canonical JSON (sorted keys, no spaces)."""
    body = json.dumps({"at": at, "command": command, "objects": objects, "result": result, "seq": seq, "user": user},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def main():
    global cases
    with tempfile.TemporaryDirectory(prefix="tsuchi-audit-") as t:
        tmp = Path(t)
        ledger = tmp / "ledger.sqlite"
        env = dict(os.environ, TSUCHI_LEDGER=str(ledger))
        tsuchi("keygen", "--out", tmp / "city", env=env)
        tsuchi("run", "--demo", "--out", tmp / "run", "--as", "tanaka", "--run-id", "R20250901", "--signing-key",
               tmp / "city.secret", env=env)
        tsuchi("review", tmp / "run", "--as", "sato", env=env)
        tsuchi("approve", tmp / "run", "--as", "sato", "--municipality", MUNI, env=env)
        for b in ("R20250901-B001", "R20250901-B002"):
            tsuchi("handover", b, "--as", "tanaka", "--route", "courier", env=env)
        sha = hashlib.sha256((tmp / "run" / "R20250901-B001.zip").read_bytes()).hexdigest()
        receipt = tmp / "receipt.csv"
        with open(receipt, "w", newline="") as f:
            csv.writer(f).writerows([["batch_id", "archive_sha256", "received_at", "received_by"],
                                     ["R20250901-B001", sha, "2025-09-02T10:00:00+09:00", "desk-1"]])
        tsuchi("import", "receipt", receipt, "--as", "tanaka", env=env)
        tsuchi("import", "receipt", receipt, "--as", "nobody", "--municipality", MUNI, env=env, want=1)  # refused
        tsuchi("audit", "verify", env=env)

        con = sqlite3.connect(ledger)
        rows = con.execute("SELECT seq, at, user, command, objects, result, prev_hash, hash FROM audit ORDER BY seq").fetchall()
        con.close()
        n = len(rows)
        first, middle, last = 1, n // 2, n

        def verify(label, *sql, want_seq, want_kind):
            global cases
            cases += 1
            copy = tmp / ("copy-%d.sqlite" % cases)
            src, dst = sqlite3.connect(ledger), sqlite3.connect(copy)
            src.backup(dst)  # a consistent copy, WAL included
            src.close()
            for stmt in sql:
                dst.execute(*stmt) if isinstance(stmt, tuple) else dst.execute(stmt)
            dst.commit()
            dst.close()
            p = tsuchi("audit", "verify", "--json", "--ledger", copy, env=env, want=None)
            try:
                breaks = json.loads(p.stdout)["breaks"]
            except (ValueError, KeyError):
                breaks = []
            named = [(b["seq"], b["kind"]) for b in breaks]
            if p.returncode != 1 or (want_seq, want_kind) not in named:
                failures.append("%s: exit %d, breaks %s (want seq %d %s)\n%s" % (label, p.returncode, named, want_seq,
                                                                               want_kind, p.stderr))

        p = tsuchi("audit", "verify", "--json", env=env, want=0)
        if not json.loads(p.stdout)["ok"]:
            failures.append("the untouched log does not verify")

        # Edits: every column, of the first, a middle and the newest record.
        for seq in (first, middle, last):
            for column, value in (("at", "2025-01-01T00:00:00Z"), ("user", "mallory"), ("command", "approve"),
                                  ("objects", '["run:R20990101"]'), ("result", "ok: forged"), ("prev_hash", "1" * 64),
                                  ("hash", "f" * 64)):
                if rows[seq - 1][["seq", "at", "user", "command", "objects", "result", "prev_hash", "hash"].index(column)] == value:
                    sys.exit("the test's edit of seq %d %s changes nothing: pick another value" % (seq, column))
                verify("seq %d: %s edited" % (seq, column),
                       ("UPDATE audit SET %s = ? WHERE seq = ?" % column, (value, seq)),
                       want_seq=seq, want_kind="edited")
        # Deletions anywhere but at the head.
        for seq in (first, middle, last - 1):
            verify("seq %d deleted" % seq, ("DELETE FROM audit WHERE seq = ?", (seq,)), want_seq=seq, want_kind="deleted")
        verify("seq %d-%d deleted" % (middle, middle + 1), ("DELETE FROM audit WHERE seq IN (?, ?)", (middle, middle + 1)),
               want_seq=middle, want_kind="deleted")
        # Insertions: a well-formed record slipped in before seq k, the later ones renumbered.
        for k in (first, middle, last):
            prev = rows[k - 2][7] if k > 1 else "0" * 64
            at, user, command, objects, result = "2025-09-01T02:00:00Z", "tanaka", "approve", ["run:R20250901"], "ok"
            h = record_hash(prev, k, at, user, command, objects, result)
            verify("a record inserted at seq %d" % k,
                   "UPDATE audit SET seq = -seq WHERE seq >= %d" % k,
                   "UPDATE audit SET seq = 1 - seq WHERE seq < 0",
                   ("INSERT INTO audit(seq, at, user, command, objects, result, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
                    (k, at, user, command, json.dumps(objects), result, prev, h)),
                   want_seq=k, want_kind="inserted")
        # Reordering: two neighbours swap places.
        for k in (first, middle, last - 1):
            verify("seq %d and %d swapped" % (k, k + 1),
                   ("UPDATE audit SET seq = -1 WHERE seq = ?", (k,)),
                   ("UPDATE audit SET seq = ? WHERE seq = ?", (k, k + 1)),
                   ("UPDATE audit SET seq = ? WHERE seq = -1", (k + 1,)),
                   want_seq=k, want_kind="reordered")
    for f in failures:
        print("FAIL: " + f)
    print("%d tampered audit logs of %d records, %d not caught as expected" % (cases, n, len(failures)))
    return 1 if failures else 0


sys.exit(main())
