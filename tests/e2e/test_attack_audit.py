"""Held-out-style rewriting of the audit log (SPEC §13, issue 11), with python's sqlite3 on the ledger
file, as an insider without anybody's key would: rename a user and delete a handover, then rechain
every hash by the documented rule; delete the newest records (caught against the head a release
carries); INSERT an `approved` custody row for an unapproved batch. `audit verify` exits 1 naming the
kind of break, and the forged approval lets no handover through. Ledgers that are `:memory:`,
missing or uninitialised are refused."""
import json
import sqlite3

from harness import Test, audit_rows, copy_ledger, custody_tables, rechain, release_field


def breaks(t, ledger, *extra, want=1):
    """audit verify --json on LEDGER: (exit code, {(seq, kind)}, report)."""
    p = t.run("audit", "verify", "--json", "--ledger", ledger, *extra, want=want, stop=False)
    try:
        report = json.loads(p.stdout)
    except ValueError:
        report = {"breaks": []}
    return p, {(b["seq"], b["kind"]) for b in report["breaks"]}, report


with Test() as t:
    tmp = t.tmp
    city = t.city()
    out, other = tmp / "run", tmp / "unapproved"
    r, u = t.approved_and_not(out, other, handed_over=lambda r: r.batches[:2])
    release_head = release_field(out, "audit_head")
    checkpoint = city.head()  # e.g. printed on a reconcile report after the handovers
    city.run("tanaka", "handover", r.batches[2], "--route", "sftp")
    for head in (release_head, checkpoint):
        t.json("audit", "verify", "--json", "--expect-head", head)

    db = sqlite3.connect(t.ledger)
    rows = audit_rows(db)
    db.close()
    seq_of = lambda command, obj=None: [x["seq"] for x in rows if x["command"] == command and
                                        (obj is None or obj in x["objects"])]
    run_seq = seq_of("run", "run:R20250901")[0]
    handover_seq = seq_of("handover", "batch:" + r.batches[0])[0]

    # 1. Rename the maker in the run's record and delete the first handover (record and custody rows),
    #    then renumber and rechain: the hashes are right again, the signatures cannot be.
    forged = copy_ledger(t.ledger, tmp / "rechained.sqlite")
    db = sqlite3.connect(forged)
    db.execute("UPDATE audit SET user = 'sato' WHERE seq = ?", (run_seq,))
    for table in custody_tables(db):
        db.execute("DELETE FROM %s WHERE audit_seq = ?" % table, (handover_seq,))
    db.execute("DELETE FROM audit WHERE seq = ?", (handover_seq,))
    db.commit()
    rechain(db)
    db.close()
    p, named, report = breaks(t, forged)
    kinds = {k for _, k in named}
    t.check(p.returncode == 1 and (run_seq, "forged") in named,
            "renamed maker, rechained: the run's record is named forged (its signature)", (named, p.stderr))
    t.check("edited" not in kinds and "deleted" not in kinds,
            "... and the rechaining itself was right (the chain alone would have passed)", named)
    t.check((handover_seq, "forged") in named, "the deleted handover: the records after it no longer verify", named)

    # 2. Delete the newest records (and their rows): the chain stays whole, only a checkpoint shows it.
    for label, head in (("the release's audit head", release_head), ("a head printed after the handovers", checkpoint)):
        cut = copy_ledger(t.ledger, tmp / "truncated.sqlite")
        keep = int(head.split(":")[0]) - 1  # the checkpoint's record and everything after it are gone
        db = sqlite3.connect(cut)
        for table in custody_tables(db):
            db.execute("DELETE FROM %s WHERE audit_seq > ?" % table, (keep,))
        db.execute("DELETE FROM audit WHERE seq > ?", (keep,))
        db.commit()
        db.close()
        breaks(t, cut, want=0)  # undetectable without a checkpoint: that is what checkpoints are for
        p, named, _ = breaks(t, cut, "--expect-head", head)
        t.check(p.returncode == 1 and any(k == "truncated" for _, k in named),
                "newest records deleted: caught as truncated against " + label, (named, p.stdout[-500:]))
        cut.unlink()

    # 3. INSERT an `approved` custody row for a batch of the unapproved run.
    inserted = copy_ledger(t.ledger, tmp / "inserted.sqlite")
    db = sqlite3.connect(inserted)
    cols = [c[1] for c in db.execute("PRAGMA table_info(custody_events)")]
    row = dict(zip(cols, db.execute("SELECT * FROM custody_events WHERE kind = 'approved' AND batch_id = ?",
                                    (r.batches[0],)).fetchone()))
    row.update(batch_id=u.batches[0], id=None)
    db.execute("INSERT INTO custody_events(%s) VALUES (%s)" % (", ".join(row), ", ".join("?" * len(row))),
               list(row.values()))
    db.commit()
    db.close()
    p, named, _ = breaks(t, inserted)
    t.check(p.returncode == 1 and any(k == "unrecorded" for _, k in named),
            "an approved row inserted by SQL is named unrecorded", (named, p.stdout[-800:]))
    p = t.run("handover", u.batches[0], *t.key("tanaka"), "--ledger", inserted, want=1, stop=False)
    t.check("approved" in p.stderr, "... and the batch of the unapproved run is still not handed over", p.stderr)
    p = t.run(*t.open_args(other, u.batches[0], tmp / "o", release=out / "release.json"), want=1, stop=False)
    t.check("nothing was extracted" in p.stderr, "... nor opened by the contractor", p.stderr)

    # 4. No ledger, no custody command: :memory:, file: URIs, a missing file, an uninitialised file.
    empty = tmp / "empty.sqlite"
    sqlite3.connect(empty).execute("CREATE TABLE x(y)").connection.close()
    for where in (":memory:", "file:" + str(tmp / "uri.sqlite"), tmp / "missing.sqlite", empty):
        for args in (["handover", r.batches[0], *t.key("tanaka")], ["run", "--demo", "--out", tmp / "m", *t.key("tanaka")],
                     ["audit", "verify"], ["audit", "head"], ["user", "list"]):
            p = t.run(*args, "--ledger", where, want=1, stop=False)
            t.check("tsuchi ledger init" in p.stderr, "%s on %s: refused, naming `tsuchi ledger init`" % (args[0], where),
                    p.stderr)
    t.check(not (tmp / "m").exists(), "nothing was produced without a ledger")
    t.check(not (tmp / "uri.sqlite").exists() and not (tmp / "missing.sqlite").exists(), "no ledger was created")
