"""Issue 12: a 1,000,000-row work log imported under /usr/bin/time -v while a second import runs beside it.

usage: python3 bench/import_worklog.py build/tsuchi . [--rows 1000000] [--delay SECONDS]

Sets up a city (tests/e2e/harness.py) with the demo run approved and every batch handed over, writes
one work log of ROWS rows for the first batch (its envelopes inserted/reprinted again and again, each
mailed once) and a small one for the second batch, starts both imports at once and prints each one's
wall clock, peak RSS and exit code. The second waits for the lock rather than fail.
"""
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))
from harness import Test, office_time  # noqa: E402


def generate(path, batch, envelopes, sheets, rows):
    """ROWS rows streamed to PATH: every envelope mailed once at the end, reprinted rows before it."""
    at = office_time()
    with open(path, "w", encoding="utf-8") as f:
        f.write("batch_id,envelope_id,status,sheets,at\n")
        for i in range(rows - len(envelopes)):
            e = envelopes[i % len(envelopes)]
            f.write(f"{batch},{e},reprinted,{sheets[e]},{at}\n")
        for e in envelopes:
            f.write(f"{batch},{e},mailed,{sheets[e]},{at}\n")


def timed(t, args, env):
    return subprocess.Popen(["/usr/bin/time", "-v", t.tsuchi, *map(str, args)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace")


def figures(p):
    out, err = p.communicate()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", err)
    last = [l for l in err.splitlines() if l.startswith("tsuchi ")][-1:]
    return p.returncode, int(rss.group(1)) // 1024 if rss else None, wall.group(1) if wall else None, last


if __name__ == "__main__":
    def option(name, default):
        return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default
    rows, delay = option("--rows", 1_000_000), option("--delay", 0.5)
    argv = [a for i, a in enumerate(sys.argv) if not a.startswith("--") and (i == 0 or not sys.argv[i - 1].startswith("--"))]
    with Test(argv[:3], name="bench-import") as t:
        city = t.city()
        out = t.tmp / "run"
        r = t.demo_run(out)
        t.approved(out, r, handed_over=r.batches)
        big, small = t.tmp / "big.csv", t.tmp / "small.csv"
        generate(big, r.batches[0], r.envelopes[r.batches[0]], r.sheets, rows)
        generate(small, r.batches[1], r.envelopes[r.batches[1]], r.sheets, 1000)
        print(f"work log: {rows} rows, {big.stat().st_size / 1e6:.1f} MB", flush=True)
        start = time.monotonic()
        first = timed(t, ["import", "worklog", big, *t.key("tanaka")], city.env)
        time.sleep(delay)  # the second starts while the first validates (no lock held) or inserts (it waits)
        second = timed(t, ["import", "worklog", small, *t.key("suzuki")], city.env)
        for name, p in (("1M-row import", first), ("import beside it", second)):
            code, rss, wall, last = figures(p)
            print(f"{name}: exit {code}, wall {wall}, peak RSS {rss} MB {last}", flush=True)
            t.check(code == 0, f"{name} succeeds")
            if name.startswith("1M"):
                t.check(rss is not None and rss < 150, f"{name} stays under 150 MB RSS", rss)
        print(f"both done in {time.monotonic() - start:.1f} s")
