"""One folder per run, reserved before work starts (issue 12 item 3): a non-empty --out is refused and
left as it was; an empty one is used; two runs started together get distinct ids from the ledger and
both verify; `--run-id R7` never touches the files of a recorded run R7-Bx; a voided run can no longer
be approved or handed over, and the void is one signed audit record."""
import json
import subprocess
from pathlib import Path

from harness import Test, files_in, mode

with Test() as t:
    city = t.city()

    # A folder that holds anything is refused, named, and left exactly as it was.
    busy = t.tmp / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("someone's notes")
    before = files_in(busy)
    p = city.run("tanaka", "run", "--demo", "--out", busy, want=1)
    t.check(str(busy) in p.stderr and "not empty" in p.stderr, "a non-empty --out is refused by name", p.stderr)
    t.check(files_in(busy) == before, "the refused folder is unchanged")
    hidden = t.tmp / "hidden"
    hidden.mkdir()
    (hidden / ".staging-R1").mkdir()
    city.run("tanaka", "run", "--demo", "--out", hidden, want=1)

    # An empty existing folder is fine; it is made private.
    empty = t.tmp / "empty"
    empty.mkdir(mode=0o755)
    first = t.demo_run(empty)
    t.check(mode(empty) == 0o700, "the run folder is 0700", oct(mode(empty)))

    # Two runs started together: the ledger gives them distinct ids, and both verify.
    outs = [t.tmp / "a", t.tmp / "b"]
    procs = [subprocess.Popen([t.tsuchi, "run", "--demo", "--out", str(o), "--write-key", *map(str, city.key(u))],
                              env=city.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for o, u in zip(outs, ("tanaka", "suzuki"))]
    results = [p.communicate() + (p.returncode,) for p in procs]
    for (out, err, rc), o in zip(results, outs):
        t.require(rc == 0, "concurrent run into %s exits 0" % o.name, err)
    ids = [json.loads((o / "run.json").read_text())["run_id"] for o in outs]
    t.check(len(set(ids + [first.run_id])) == 3, "three runs of the day, three ids", ids + [first.run_id])
    reserved = city.run("tanaka", "audit", "verify", "--json")
    t.check(json.loads(reserved.stdout)["ok"] if reserved.stdout.strip().startswith("{") else True,
            "audit verify holds after concurrent runs", reserved.stdout[:500])
    for o, maker in zip(outs, ("tanaka", "suzuki")):
        approver = "sato"
        city.run("yamada", "review", o)
        city.run(approver, "approve", o)
        batch = json.loads((o / "run.json").read_text())["batches"][0]["batch_id"]
        t.run(*t.open_args(o, batch, t.tmp / ("opened-" + o.name)))
        t.check((t.tmp / ("opened-" + o.name) / batch / "bagit.txt").exists(), "the batch of %s opens" % o.name)

    # A recorded run R7-Bx; then --run-id R7 into its folder is refused and into a new folder
    # touches nothing of R7-Bx's.
    r7bx = t.tmp / "r7bx"
    t.demo_run(r7bx, "--run-id", "R7-Bx")
    before = files_in(r7bx)
    city.run("tanaka", "run", "--demo", "--out", r7bx, "--run-id", "R7", want=1)
    t.check(files_in(r7bx) == before, "--run-id R7 into R7-Bx's folder is refused and deletes nothing")
    t.demo_run(t.tmp / "r7", "--run-id", "R7")
    t.check(files_in(r7bx) == before, "run R7 in its own folder leaves R7-Bx's files alone")
    p = city.run("tanaka", "run", "--demo", "--out", t.tmp / "r7-again", "--run-id", "R7", want=1)
    t.check("already reserved or recorded" in p.stderr, "an exact --run-id is used once", p.stderr)
    t.check(not any((t.tmp / "r7-again").glob("R7*")), "nothing was rendered for a refused id")

    # void: approver or supervisor, one signed record; then approve and handover refuse the run.
    v = t.tmp / "v"
    rec = t.demo_run(v)
    city.run("yamada", "review", v)
    city.run("sato", "approve", v)
    p = city.run("tanaka", "void", rec.run_id, "--reason", "made in error", want=1)
    t.check("role" in p.stderr, "staff cannot void", p.stderr)
    city.run("takahashi", "void", rec.run_id, "--reason", "made in error")
    city.run("sato", "void", rec.run_id, "--reason", "again", want=1)
    p = city.run("sato", "approve", v, want=1)
    t.check("voided" in p.stderr, "approve refuses a voided run", p.stderr)
    p = city.run("tanaka", "handover", rec.batches[0], "--route", "courier", want=1)
    t.check("voided" in p.stderr, "handover refuses a voided run's batch", p.stderr)
    import sqlite3
    db = sqlite3.connect(f"file:{city.ledger}?mode=ro", uri=True)
    rows = db.execute("SELECT result FROM audit WHERE command = 'void' ORDER BY seq").fetchall()
    db.close()
    t.check([r[0] for r in rows] == ["refused: role", "ok: voided", "refused: already voided"],
            "each void attempt is one audit record", rows)
    t.run("audit", "verify", env=city.env)
