"""Tampering with the audit log directly in SQLite (issue 7, issue 11): every field of a record edited,
a record deleted, one inserted (with a hash that is right for its contents and place, as a careful
forger would make it, but a signature they cannot make), two records swapped. `tsuchi audit verify`
must exit 1 and name the seq where the log was changed, with the kind of change (output_spec/ledger.md);
the untouched copy must verify. Deleting the newest records is caught against a checkpoint
(test_attack_audit.py).
"""
import json
import sqlite3

from harness import AUDIT_FIELDS, RECEIPT_HEADER, Test, copy_ledger, record_hash, write_csv

cases = 0


def main(t):
    global cases
    tmp, ledger, env = t.tmp, t.ledger, t.env
    record = t.demo_run(tmp / "run", "--run-id", "R20250901")
    t.approved(tmp / "run", record, handed_over=("R20250901-B001", "R20250901-B002"))
    receipt = write_csv(tmp / "receipt.csv", RECEIPT_HEADER, record.receipt(tmp / "run")[:1])
    tsuchi("import", "receipt", receipt, *t.key("tanaka"), env=env)
    t.run("keygen", "--kind", "user", "--no-passphrase", "--out", tmp / "nobody")
    tsuchi("import", "receipt", receipt, "--key", tmp / "nobody.secret", env=env, want=1)  # refused, on record
    tsuchi("audit", "verify", env=env)

    con = sqlite3.connect(ledger)
    rows = con.execute("SELECT %s FROM audit ORDER BY seq" % ", ".join(AUDIT_FIELDS)).fetchall()
    con.close()
    n = len(rows)
    first, middle, last = 1, n // 2, n

    def verify(label, *sql, want_seq, want_kind):
        global cases
        cases += 1
        copy = copy_ledger(ledger, tmp / ("copy-%d.sqlite" % cases))
        dst = sqlite3.connect(copy)
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
        kinds = want_kind if isinstance(want_kind, tuple) else (want_kind,)
        # Without its init record first, the file is not a ledger at all: refused before any check.
        refused = want_seq == 1 and "not an initialised tsuchi ledger" in p.stderr
        t.check(p.returncode == 1 and (refused or any((want_seq, k) in named for k in kinds)), "%s: caught as seq %d %s" % (
            label, want_seq, "/".join(kinds)), "exit %d, breaks %s\n%s" % (p.returncode, named, p.stderr))
        copy.unlink()

    p = tsuchi("audit", "verify", "--json", env=env, want=0)
    t.check(json.loads(p.stdout)["ok"], "the untouched log verifies")

    # Edits: every field, of the first, a middle and the newest record. A changed signature or signer
    # is a forgery; any other field no longer matches the record's hash.
    for seq in (first, middle, last):
        for column, value, kind in (
                ("at", "2025-01-01T00:00:00Z", "edited"), ("user", "mallory", "edited"),
                ("os_user", "mallory", "edited"), ("signer", "ab" * 32, ("edited", "forged")),
                ("command", "approve", "edited"), ("objects", '["run:R20990101"]', "edited"),
                ("result", "ok: forged", "edited"), ("effects", "e" * 64, "edited"),
                ("prev_hash", "1" * 64, "edited"), ("hash", "f" * 64, "edited"), ("signature", "0" * 128, "forged")):
            t.require(rows[seq - 1][AUDIT_FIELDS.index(column)] != value,
                      "the test's edit of seq %d %s changes something" % (seq, column))
            verify("seq %d: %s edited" % (seq, column),
                   ("UPDATE audit SET %s = ? WHERE seq = ?" % column, (value, seq)),
                   want_seq=seq, want_kind=kind)
    # Deletions anywhere but at the head (the first record is the city's init: without it, forged).
    for seq in (first, middle, last - 1):
        verify("seq %d deleted" % seq, ("DELETE FROM audit WHERE seq = ?", (seq,)), want_seq=seq,
               want_kind=("deleted", "forged") if seq == first else "deleted")
    verify("seq %d-%d deleted" % (middle, middle + 1), ("DELETE FROM audit WHERE seq IN (?, ?)", (middle, middle + 1)),
           want_seq=middle, want_kind="deleted")
    # Insertions: a record with the right hash for its place slipped in before seq k, the later ones
    # renumbered; it is signed by nobody's key.
    cols = ", ".join(AUDIT_FIELDS)
    for k in (2, middle, last):
        prev = rows[k - 2][AUDIT_FIELDS.index("hash")]
        forged = dict(seq=k, at="2025-09-01T02:00:00Z", user="tanaka", os_user="tanaka", signer="ab" * 32,
                      command="approve", objects=json.dumps(["run:R20250901"]), result="ok",
                      effects="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", prev_hash=prev,
                      signature="0" * 128)
        forged["hash"] = record_hash(prev, forged)
        verify("a record inserted at seq %d" % k,
               "UPDATE audit SET seq = -seq WHERE seq >= %d" % k,
               "UPDATE audit SET seq = 1 - seq WHERE seq < 0",
               ("INSERT INTO audit(%s) VALUES (%s)" % (cols, ", ".join("?" * len(AUDIT_FIELDS))),
                [forged[f] for f in AUDIT_FIELDS]),
               want_seq=k, want_kind=("inserted", "forged"))
    # Reordering: two neighbours swap places.
    for k in (first, middle, last - 1):
        verify("seq %d and %d swapped" % (k, k + 1),
               ("UPDATE audit SET seq = -1 WHERE seq = ?", (k,)),
               ("UPDATE audit SET seq = ? WHERE seq = ?", (k, k + 1)),
               ("UPDATE audit SET seq = ? WHERE seq = -1", (k + 1,)),
               want_seq=k, want_kind="reordered")
    print("%d tampered audit logs of %d records" % (cases, n))


with Test() as t:
    def tsuchi(*args, env, want=0):
        return t.run(*args, want=want, env=env)

    main(t)
