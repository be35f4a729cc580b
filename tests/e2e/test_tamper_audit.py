"""Tampering with the audit log directly in SQLite (issue 7): every column of a record edited, a
record deleted, one inserted (with a hash that is right for its contents and place, as a careful
forger would make it), two records swapped. `tsuchi audit verify` must exit 1 and name the seq where
the log was changed, with the kind of change; the untouched copy must verify.

Two changes the chain alone cannot see are documented rather than tested here: deleting the newest
records, and appending well-formed ones (keep the reported head hash elsewhere to catch those).
"""
import hashlib
import json
import sqlite3

from harness import RECEIPT_HEADER, Test, write_csv

cases = 0

def record_hash(prev_hash, seq, at, user, command, objects, result):
    """output_spec/ledger.md: SHA-256 of prev_hash + the record's canonical JSON (sorted keys, no spaces)."""
    body = json.dumps({"at": at, "command": command, "objects": objects, "result": result, "seq": seq, "user": user},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def main(t):
    global cases
    tmp, ledger, env = t.tmp, t.ledger, t.env
    record = t.demo_run(tmp / "run", "--run-id", "R20250901")
    t.approved(tmp / "run", record, handed_over=("R20250901-B001", "R20250901-B002"))
    receipt = write_csv(tmp / "receipt.csv", RECEIPT_HEADER, record.receipt(tmp / "run")[:1])
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
        t.check(p.returncode == 1 and (want_seq, want_kind) in named, "%s: caught as seq %d %s" % (
            label, want_seq, want_kind), "exit %d, breaks %s\n%s" % (p.returncode, named, p.stderr))

    p = tsuchi("audit", "verify", "--json", env=env, want=0)
    t.check(json.loads(p.stdout)["ok"], "the untouched log verifies")

    # Edits: every column, of the first, a middle and the newest record.
    for seq in (first, middle, last):
        for column, value in (("at", "2025-01-01T00:00:00Z"), ("user", "mallory"), ("command", "approve"),
                              ("objects", '["run:R20990101"]'), ("result", "ok: forged"), ("prev_hash", "1" * 64),
                              ("hash", "f" * 64)):
            t.require(rows[seq - 1][["seq", "at", "user", "command", "objects", "result", "prev_hash",
                                     "hash"].index(column)] != value,
                      "the test's edit of seq %d %s changes something" % (seq, column))
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
    print("%d tampered audit logs of %d records" % (cases, n))


with Test() as t:
    MUNI = t.municipality

    def tsuchi(*args, env, want=0):
        return t.run(*args, want=want, env=env)

    main(t)
