#!/usr/bin/env python3
"""The issue-6 benchmark: `tsuchi run` end to end on synthetic runs, beside the bare floor.

Usage: bench/run.py [--build DIR] [--sizes 1000,10000,100000] [--profile light|heavy] [--slip-layout slip-compact|slip] [--threads N] [--keep DIR] [--markdown]
       bench/run.py --stages [--build DIR] [--sizes 1000]   (per-stage throughput, one thread, no floor)

For each size: gen_cases.py writes the run (fixed seed), `tsuchi validate` is timed alone, then
`tsuchi run` (validate -> decide -> compose -> typeset -> render -> preflight -> seal) is timed from
outside with /usr/bin/time -v (wall clock, peak RSS) and TSUCHI_TIMINGS=1 (the stage split that
produce() prints). Bytes per page = sum of the sealed archives / pages. The floor is bench_floor
(HarfBuzz + Cairo on one core, the same two pages, nothing else), run in the same session.
Needs the build folder's `tsuchi` and `bench_floor` (cmake ... && ninja tsuchi bench_floor).

--stages is where the unit suites' old timings went (render: pages per second into one PDF; preflight:
pages per CPU second on notices and slips): `tsuchi run --threads 1` on the real pages of a synthetic
month, each stage's CPU seconds read from TSUCHI_TIMINGS, given as pages per CPU second of that stage.
"""
import argparse, json, os, platform, re, shutil, subprocess, sys, tempfile, time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(cmd, env=None, check=True):
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        sys.exit("bench: %s failed (%d):\n%s" % (" ".join(cmd), r.returncode, r.stderr[-3000:]))
    return r


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = "%.0f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    return "%s, %d cores, %s RAM, %s %s" % (cpu, os.cpu_count() or 0, mem, platform.system(), platform.release())


def loadavg():
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def floor(build, pages=4000):
    out = sh([os.path.join(build, "bench_floor"), str(pages)]).stdout
    m = re.search(r"in ([\d.]+) s wall \(([\d.]+) s CPU\) = (\d+) pages/s \((\d+) bytes/page\)", out)
    if not m:
        sys.exit("bench: cannot read bench_floor output: " + out)
    wall, cpu = float(m.group(1)), float(m.group(2))
    return {"pages": pages, "wall_s": wall, "cpu_s": cpu, "pages_per_s": pages / wall, "pages_per_cpu_s": pages / cpu,
            "bytes_per_page": int(m.group(4))}


def staff_key(tsuchi, work, municipality, ledger):
    """A city, a ledger pinned to `municipality`, and a registered staff key (SPEC §13), made as staff would."""
    keys = os.path.join(work, "keys")
    shutil.rmtree(keys, ignore_errors=True)
    os.makedirs(keys)
    k = lambda name, ext: os.path.join(keys, name + ext)
    sh([tsuchi, "keygen", "--kind", "city", "--out", k("city", "")])
    for name in ("sup", "tanaka"):
        # Service keys: a benchmark has nobody to type a passphrase.
        sh([tsuchi, "keygen", "--kind", "user", "--no-passphrase", "--out", k(name, "")])
    sh([tsuchi, "ledger", "init", "--ledger", ledger, "--city-key", k("city", ".secret"), "--municipality", municipality,
        "--supervisor", "sup", "--supervisor-key", k("sup", ".pub")])
    sh([tsuchi, "user", "add", "tanaka", "--role", "staff", "--public-key", k("tanaka", ".pub"), "--key",
        k("sup", ".secret"), "--city-key", k("city", ".secret"), "--ledger", ledger])
    return k("tanaka", ".secret")


def one_size(build, children, work, threads, profile="light", slip_layout="slip-compact"):
    data = os.path.join(work, "in-%s-%s-%d" % (profile, slip_layout, children))
    out = os.path.join(work, "out-%s-%s-%d" % (profile, slip_layout, children))
    shutil.rmtree(out, ignore_errors=True)
    sh([sys.executable, os.path.join(SRC, "bench", "gen_cases.py"), str(children), data, "--profile", profile,
        "--slip-layout", slip_layout])
    tsuchi = os.path.join(build, "tsuchi")
    inputs = ["--cases", os.path.join(data, "cases.csv"), "--fees", os.path.join(data, "fees.toml"),
              "--municipality", os.path.join(data, "municipality.toml")]
    env = dict(os.environ, TSUCHI_LEDGER=os.path.join(work, "ledger-%d.sqlite" % children), TSUCHI_TIMINGS="1")
    if os.path.exists(env["TSUCHI_LEDGER"]):
        os.remove(env["TSUCHI_LEDGER"])

    key = staff_key(tsuchi, work, os.path.join(data, "municipality.toml"), env["TSUCHI_LEDGER"])

    t0 = time.monotonic()
    sh([tsuchi, "validate"] + inputs, env=env)
    validate_s = time.monotonic() - t0

    cmd = ["/usr/bin/time", "-v", tsuchi, "run"] + inputs + ["--out", out, "--run-id", "R20250901", "--key", key]
    if threads:
        cmd += ["--threads", str(threads)]
    r = sh(cmd, env=env)
    err = r.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
    wall_s = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3)))
    rss_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024
    user_s = float(re.search(r"User time \(seconds\): ([\d.]+)", err).group(1))
    sys_s = float(re.search(r"System time \(seconds\): ([\d.]+)", err).group(1))
    timings = {}
    m = re.search(r"tsuchi timings: (\{.*\})", err)
    if m:
        timings = json.loads(m.group(1))
    run = json.load(open(os.path.join(out, "run.json")))
    totals = run["totals"]
    archive_bytes = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out) if f.endswith(".zip"))
    pages = totals["pages"]
    return {
        "children": children, "envelopes": totals["envelopes"], "pages": pages, "batches": totals["batches"],
        "wall_s": wall_s, "cpu_s": user_s + sys_s, "peak_rss_mb": rss_mb, "validate_s": validate_s,
        "children_per_s": children / wall_s, "envelopes_per_s": totals["envelopes"] / wall_s,
        "pages_per_s": pages / wall_s, "bytes_per_page": archive_bytes / max(1, pages), "timings": timings,
    }


def stage_rates(r):
    """Pages per CPU second of each parallel stage (the CPU each stage took, summed over workers)."""
    cpu = r["timings"].get("cpu_s", {})
    return {k: r["pages"] / cpu[k] for k in ("typeset", "render", "preflight", "seal") if cpu.get(k)}


def stages(a, work):
    print("tsuchi stage throughput (one worker thread), %s" % time.strftime("%Y-%m-%d %H:%M %Z"))
    print("machine: %s; load average at start %s" % (machine(), loadavg()))
    for n in [int(x) for x in a.sizes.split(",") if x]:
        r = one_size(a.build, n, work, 1)
        rates = stage_rates(r)
        if not rates:
            sys.exit("bench: tsuchi printed no TSUCHI_TIMINGS stage split")
        print("%d children, %d pages, %.0f bytes/page: pages per CPU second: %s"
              % (n, r["pages"], r["bytes_per_page"], ", ".join("%s %.0f" % kv for kv in rates.items())))


def split(r):
    t = r["timings"]
    if not t:
        return "(no TSUCHI_TIMINGS output)"
    cpu, wall, rss = t.get("cpu_s", {}), t.get("wall_s", {}), t.get("rss_mb", {})
    outside = r["wall_s"] - t.get("produce_wall_s", 0)
    serial = ", ".join("%s %.2f s" % (k, v) for k, v in sorted(wall.items()) if k != "parallel (wall)")
    stages = ", ".join("%s %.2f s" % (k, cpu[k]) for k in ("compose", "typeset", "render", "preflight", "seal") if k in cpu)
    lines = ["time: load+validate+publish+ledger %.2f s wall (tsuchi validate alone: %.2f s); %s (wall)"
             % (outside, r["validate_s"], serial),
             "parallel part %.2f s wall on %d threads, CPU by stage: %s; workers idle %.2f s"
             % (wall.get("parallel (wall)", 0), t.get("threads", 0), stages, t.get("idle_s", {}).get("workers", 0)),
             "memory: RSS %s MB" % ", ".join("%s %.0f" % (k, v) for k, v in sorted(rss.items()))]
    if "exact_code_renders" in t:
        lines.append("%d code regions that text touches were rendered by Poppler's Splash" % t["exact_code_renders"])
    return "\n  ".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--profile", choices=["light", "heavy"], default="light", help="gen_cases.py's month profile")
    ap.add_argument("--slip-layout", choices=["slip-compact", "slip"], default="slip-compact",
                    help="gen_cases.py's [slip] layout: three slips a sheet (the example's) or one a page")
    ap.add_argument("--keep", help="work folder to keep (default: a temporary one, removed)")
    ap.add_argument("--markdown", action="store_true", help="also print a Markdown block for bench/RESULTS.md")
    ap.add_argument("--stages", action="store_true", help="only each stage's pages per CPU second, one thread")
    a = ap.parse_args()
    if a.stages:
        if a.sizes == ap.get_default("sizes"):
            a.sizes = "1000"
        work = a.keep or tempfile.mkdtemp(prefix="tsuchi-bench-")
        try:
            stages(a, work)
        finally:
            if not a.keep:
                shutil.rmtree(work, ignore_errors=True)
        return
    for exe in ("tsuchi", "bench_floor"):
        if not os.access(os.path.join(a.build, exe), os.X_OK):
            sys.exit("bench: %s/%s is missing: build it (ninja -C %s tsuchi bench_floor)" % (a.build, exe, a.build))
    work = a.keep or tempfile.mkdtemp(prefix="tsuchi-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        started = time.strftime("%Y-%m-%d %H:%M %Z")
        print("tsuchi benchmark, %s" % started)
        print("machine: %s; load average at start %s" % (machine(), loadavg()))
        fl = floor(a.build)
        print("floor (bench_floor, 1 core): %.0f pages/s wall, %.0f pages/s per CPU second, %d bytes/page"
              % (fl["pages_per_s"], fl["pages_per_cpu_s"], fl["bytes_per_page"]))
        results = []
        for n in [int(x) for x in a.sizes.split(",") if x]:
            r = one_size(a.build, n, work, a.threads, a.profile, a.slip_layout)
            results.append(r)
            print("\n%d children (%s, %s): %d envelopes, %d pages in %d batches"
                  % (n, a.profile, a.slip_layout, r["envelopes"], r["pages"], r["batches"]))
            print("  %.2f s wall, %.2f s CPU: %.0f children/s, %.0f envelopes/s, %.0f pages/s (%.2fx the floor)"
                  % (r["wall_s"], r["cpu_s"], r["children_per_s"], r["envelopes_per_s"], r["pages_per_s"],
                     r["pages_per_s"] / fl["pages_per_s"]))
            # On a shared machine wall clocks stretch with other load; CPU seconds much less so.
            cores = os.cpu_count() or 1
            per_cpu = r["pages"] / r["cpu_s"]
            print("  by CPU time: %.0f pages per CPU second, %.2fx the floor's; on %d idle cores at most %.0f pages/s"
                  % (per_cpu, per_cpu / fl["pages_per_cpu_s"], cores, per_cpu * cores))
            print("  peak RSS %.0f MB; %.0f bytes/page in the sealed archives" % (r["peak_rss_mb"], r["bytes_per_page"]))
            print("  " + split(r))
        fl2 = floor(a.build)
        print("\nfloor again after the runs: %.0f pages/s wall" % fl2["pages_per_s"])
        by = {r["children"]: r for r in results}
        if 10000 in by:
            ok = by[10000]["pages_per_s"] >= 1000 and by[10000]["pages_per_s"] >= 0.5 * fl["pages_per_s"]
            print("target 10,000 children >= 1,000 pages/s and >= 0.5x floor: %s" % ("met" if ok else "NOT met"))
        if 100000 in by:
            rss100 = by[100000]["peak_rss_mb"]
            print("target peak RSS < 300 MB at 100,000: %.0f MB %s" % (rss100, "met" if rss100 < 300 else "NOT met"))
            if 10000 in by:
                ratio = rss100 / by[10000]["peak_rss_mb"]
                print("target 100,000 within 20%% of 10,000: %.2fx %s" % (ratio, "met" if ratio <= 1.2 else "NOT met"))
        worst = max((r["bytes_per_page"] for r in results), default=0)
        print("target <= 10 KB/page: worst %.0f bytes %s" % (worst, "met" if worst <= 10240 else "NOT met"))
        if a.markdown:
            print("\n| children | envelopes | pages | wall s | children/s | envelopes/s | pages/s | x floor | peak RSS MB | bytes/page |")
            print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for r in results:
                print("| %d | %d | %d | %.2f | %.0f | %.0f | %.0f | %.2f | %.0f | %.0f |"
                      % (r["children"], r["envelopes"], r["pages"], r["wall_s"], r["children_per_s"],
                         r["envelopes_per_s"], r["pages_per_s"], r["pages_per_s"] / fl["pages_per_s"],
                         r["peak_rss_mb"], r["bytes_per_page"]))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
