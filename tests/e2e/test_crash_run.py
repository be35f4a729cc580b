"""Crash safety (issue 7): SIGKILL `tsuchi run` and `tsuchi import worklog` at random moments, and
after every kill check that nothing which looks complete is incomplete. `run` is killed in rounds
of five, each kill in a folder of its own (issue 12: one folder per run): two at random delays over
the length of an uncut run, three aimed at the short windows random delays rarely hit (the first
batch sealed into the staging folder, the manifests being published, run.json written before the
ledger records the run); each round ends with a retry into the killed folder, refused unless it is
empty and leaving it as it was, and a rerun into a new folder that must complete. The random seed is fixed
(TSUCHI_CRASH_SEED changes it), so a failure can be replayed.

run:    every batch in DIR with a B.manifest.json verifies by the contractor's route without tsuchi
        (OpenSSL checks the maker's signature, sha256 the archive, 7-Zip tests it with B.key; an
        unapproved batch has no release, so `tsuchi open` would refuse it by design); no plaintext
        PDF or insertion list anywhere under DIR; no run.json unless every batch it lists verifies;
        every run the ledger records has all its batches in DIR; the ledger passes SQLite's integrity
        check and `tsuchi audit verify`; rerunning the same command completes with the same counts.
import: the work log is stored whole or not at all; the ledger is intact; re-importing succeeds.

Usage: test_crash_run.py /path/to/tsuchi /path/to/source [--kills N] [--import-kills N] [--children N] [--seed N]
Under a sanitizer build (slower) it makes fewer kills on a smaller run unless told otherwise.
"""

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from harness import Test, office_time, sha256, tool

t = Test()
ap = argparse.ArgumentParser()
ap.add_argument("--kills", type=int)
ap.add_argument("--import-kills", type=int)
ap.add_argument("--children", type=int)
ap.add_argument("--seed", type=int, default=int(os.environ.get("TSUCHI_CRASH_SEED", "7")))
a = ap.parse_args(t.args)
TSUCHI, SRC = t.tsuchi, t.src
SANITIZED = b"__asan_init" in Path(TSUCHI).read_bytes()
KILLS = a.kills or (5 if SANITIZED else 20)
RERUN_EVERY = 5
IMPORT_KILLS = a.import_kills or (4 if SANITIZED else 8)
CHILDREN = a.children or (150 if SANITIZED else 600)
rnd = random.Random(a.seed)
t.quiet = True  # hundreds of checks: only failures are printed, progress lines below say what ran
check = t.check


def tsuchi(*args, env, want=None):
    return t.run(*args, want=want, env=env, stop=False)


def killed_after(args, delay, env):
    """Starts tsuchi, sends SIGKILL after `delay` seconds; returns its exit status (None = it finished first)."""
    p = subprocess.Popen([TSUCHI, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        p.wait(timeout=delay)
        return None
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return p.returncode


def killed_when(args, ready, env, timeout=120):
    """Starts tsuchi and sends SIGKILL the moment `ready()` holds (polled every millisecond): aims a kill
    at a window too short for random delays, such as publishing the batches or recording the run."""
    p = subprocess.Popen([TSUCHI, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    end = time.monotonic() + timeout
    while p.poll() is None and time.monotonic() < end:
        if ready():
            p.send_signal(signal.SIGKILL)
            p.wait()
            return p.returncode
        time.sleep(0.001)
    p.wait()
    return None


def any_file(folder, pattern):
    return lambda: folder.exists() and any(True for _ in folder.glob(pattern))


def ledger_ok(ledger, env, label):
    con = sqlite3.connect(ledger)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    check(ok, label + ": SQLite integrity_check")
    p = tsuchi("audit", "verify", "--ledger", ledger, env=env)
    check(p.returncode == 0, label + ": audit verify passes", "exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))


def verifies(out, b, maker_pem):
    """The contractor's route without tsuchi: the maker's signature, the archive's digest, 7-Zip's test."""
    m = out / (b + ".manifest.json")
    v = tool("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", maker_pem, "-rawin", "-in", m, "-sigfile",
             out / (b + ".manifest.json.sig"), check=False)
    if v.returncode != 0:
        return "openssl: " + v.stdout + v.stderr
    if sha256(out / (b + ".zip")) != json.loads(m.read_text())["archive_sha256"]:
        return "the archive's SHA-256 is not the manifest's"
    x = tool("7z", "t", "-p" + (out / (b + ".key")).read_text().strip(), out / (b + ".zip"), check=False)
    return "" if x.returncode == 0 else "7z: " + x.stdout[-500:]


def verify_dir(out, maker_pem, scratch, env, label):
    """The invariants of a run folder after a crash; returns the verified batch ids."""
    verified = set()
    if not out.exists():
        return verified
    for f in out.rglob("*"):
        if f.is_file():
            head = f.read_bytes()[:8]
            check(not f.name.endswith(".pdf") and not head.startswith(b"%PDF") and f.name != "insertion.csv",
                  "%s: no plaintext print file at rest" % label, f.relative_to(out))
    for m in sorted(out.glob("*.manifest.json")):
        b = m.name[: -len(".manifest.json")]
        problem = verifies(out, b, maker_pem)
        if check(not problem, "%s: batch %s, which has its manifest, verifies" % (label, b), problem):
            verified.add(b)
    run_json = out / "run.json"
    if run_json.exists():
        listed = [x["batch_id"] for x in json.loads(run_json.read_text())["batches"]]
        missing = [b for b in listed if b not in verified]
        check(not missing, "%s: every batch run.json lists verifies" % label, missing)
    return verified


def recorded_batches(ledger, run_ids):
    con = sqlite3.connect(ledger)
    try:
        q = "SELECT batch_id FROM batches WHERE run_id IN (%s)" % ",".join("?" * len(run_ids))
        return {r[0] for r in con.execute(q, list(run_ids))} if run_ids else set()
    finally:
        con.close()


def runs(ledger):
    if not Path(ledger).exists():
        return set()
    con = sqlite3.connect(ledger)
    try:
        return {r[0] for r in con.execute("SELECT run_id FROM runs")}
    except sqlite3.OperationalError:  # killed before the schema was created
        return set()
    finally:
        con.close()


def totals(out):
    return json.loads((out / "run.json").read_text())["totals"]


with t:
    tmp = t.tmp
    subprocess.run([sys.executable, SRC / "bench" / "gen_cases.py", str(CHILDREN), tmp / "in", "--batch-size", "20"],
                   check=True, capture_output=True)
    ledger, env = t.ledger, t.env
    city = t.city(municipality=tmp / "in" / "municipality.toml")
    IN = ["--cases", tmp / "in" / "cases.csv", "--fees", tmp / "in" / "fees.toml",
          "--municipality", tmp / "in" / "municipality.toml", "--write-key", *t.key("tanaka")]
    # OpenSSL's PEM of the maker's public key (tsuchi's key file adds a kind line first).
    city_pub = tmp / "tanaka.pem"
    city_pub.write_text("".join(l for l in city.user_key("tanaka")[0].read_text().splitlines(True)
                                if not l.startswith("tsuchi-key:")))

    # The uncut run: its counts are what every rerun must reproduce, its length sets the kill times.
    start = time.monotonic()
    tsuchi("run", *IN, "--out", tmp / "ref", env=env, want=0)
    duration = time.monotonic() - start
    want = totals(tmp / "ref")
    print("uncut run: %.2f s, %s" % (duration, want), flush=True)

    # Kills come in rounds, each in a folder of its own; every round ends with a retry into the killed
    # folder (refused when anything is left there) and a rerun into a new one that completes.
    for k in range(KILLS):
        rnd_dir = k // RERUN_EVERY
        out, scratch = tmp / ("out%02d" % k), tmp / ("scratch%02d" % k)
        label = "run kill %d" % k
        before = runs(ledger)
        # Each round aims its last three kills at the short windows: sealing into the staging folder,
        # publishing the manifests, and between run.json and the ledger's record of the run.
        aim = {RERUN_EVERY - 3: ("a batch sealed into staging", any_file(out, ".staging-*/*.zip")),
               RERUN_EVERY - 2: ("the first manifest published", any_file(out, "*.manifest.json")),
               RERUN_EVERY - 1: ("run.json written", any_file(out, "run.json"))}.get(k % RERUN_EVERY)
        if aim:
            delay = aim[0]
            status = killed_when(["run", *IN, "--out", out], aim[1], env)
        else:
            delay = "%.2f s" % rnd.uniform(0, duration * 1.1)
            status = killed_after(["run", *IN, "--out", out], float(delay[:-2]), env)
        new_runs = runs(ledger) - before
        verified = verify_dir(out, city_pub, scratch, env, label)
        # A run the ledger knows is one whose files are all in place.
        missing = recorded_batches(ledger, new_runs) - verified
        check(not missing, "%s: every batch the ledger records is complete in DIR" % label, sorted(missing))
        ledger_ok(ledger, env, label)
        print("%s at %s: %s; %d batch(es) with a manifest, all verified" % (
            label, delay, "finished first" if status is None else "killed", len(verified)), flush=True)
        if k % RERUN_EVERY == RERUN_EVERY - 1 or k == KILLS - 1:
            # The operator retries into the killed folder: refused unless empty, and nothing there changes.
            left = {str(f.relative_to(out)): f.read_bytes() for f in out.rglob("*") if f.is_file()} if out.exists() else {}
            retry = tsuchi("run", *IN, "--out", out, env=env)
            if left or (out.exists() and any(out.iterdir())):
                check(retry.returncode == 1, label + ": a retry into the non-empty killed folder is refused",
                      retry.stderr[-500:])
                check(left == {str(f.relative_to(out)): f.read_bytes() for f in out.rglob("*") if f.is_file()},
                      label + ": the refused retry changed nothing in the killed folder")
            # Then into a new folder: it completes, and holds a whole, verifying run.
            out = tmp / ("rerun%02d" % rnd_dir)
            tsuchi("run", *IN, "--out", out, env=env, want=0)
            verified = verify_dir(out, city_pub, scratch / "rerun", env, label + " rerun")
            check(totals(out) == want, "%s: the rerun's totals are the uncut run's" % label, totals(out))
            listed = {x["batch_id"] for x in json.loads((out / "run.json").read_text())["batches"]}
            check(listed <= verified, label + ": the rerun's batches all verify", sorted(listed - verified))
            ledger_ok(ledger, env, label + " rerun")
            print("  rerun: completed, %d batch(es) verified, totals as uncut" % len(listed), flush=True)

    # ---- the ledger: a big work log imported and killed mid-transaction ----
    ref = json.loads((tmp / "ref" / "run.json").read_text())
    batch = ref["batches"][0]["batch_id"]
    con = sqlite3.connect(ledger)
    envelopes = [r[0] for r in con.execute("SELECT envelope_id FROM envelopes WHERE batch_id = ?", (batch,))]
    con.close()
    # Evidence is accepted only for a batch approved and handed over, dated after the handover (issue 12).
    tsuchi("review", tmp / "ref", *t.key("suzuki"), env=env, want=0)
    tsuchi("approve", tmp / "ref", *t.key("sato"), env=env, want=0)
    tsuchi("handover", batch, "--route", "courier", *t.key("tanaka"), env=env, want=0)
    rows = ["batch_id,envelope_id,status,sheets,at"]
    at = office_time()
    for i in range(60000 if not SANITIZED else 8000):  # reprinted again and again: a long, valid log
        rows.append("%s,%s,reprinted,1,%s" % (batch, envelopes[i % len(envelopes)], at))
    log = tmp / "worklog.csv"
    log.write_text("\n".join(rows) + "\n")
    n_rows = len(rows) - 1

    def variant(k):
        """The same rows in other bytes (blank lines are no records): a new file each kill, which must
        supersede the one recorded, since the same file again is a no-op."""
        f = tmp / ("worklog-%d.csv" % k)
        f.write_text("\n".join(rows) + "\n" * (k + 2))
        return f

    def stored():
        c = sqlite3.connect(ledger)
        try:
            return c.execute("SELECT COUNT(*) FROM worklog_rows").fetchone()[0]
        finally:
            c.close()

    start = time.monotonic()
    tsuchi("import", "worklog", log, *t.key("tanaka"), env=env, want=0)
    import_duration = time.monotonic() - start
    print("uncut import of %d rows: %.2f s" % (n_rows, import_duration), flush=True)
    current = sha256(log)
    for k in range(IMPORT_KILLS):
        label = "import kill %d" % k
        before = stored()
        delay = rnd.uniform(0, import_duration * 1.1)
        logk = variant(k)
        args = ["import", "worklog", logk, *t.key("tanaka"), "--supersede", current]
        status = killed_after(args, delay, env)
        after = stored()
        check(after in (before, before + n_rows),
              "%s: a killed import stores all or nothing" % label, "%d rows of %d" % (after - before, n_rows))
        ledger_ok(ledger, env, label)
        if after == before:  # killed before its commit: the re-import stores the whole log
            tsuchi(*args, env=env, want=0)
            check(stored() - after == n_rows, label + ": the re-import stores the whole log")
            ledger_ok(ledger, env, label + " re-import")
        current = sha256(logk)
        print("%s after %.2f s: %s, %s" % (label, delay, "finished first" if status is None else "killed",
                                          "stored whole" if after > before else "nothing stored"), flush=True)
    print("crash safety: %d run kills, %d import kills" % (KILLS, IMPORT_KILLS))
