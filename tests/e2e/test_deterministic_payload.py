"""Identical inputs give byte-identical bag payloads (issue 6): the demo run sealed twice with the same
--run-id, once on every core and once on one thread (so the work lands on different threads in a
different order), each batch opened with `tsuchi open`, and every file under data/ (the print PDF
and insertion.csv) compared byte for byte. The archives themselves differ (fresh keys)."""
from harness import Test

with Test() as t:
    payloads = {}
    for name, extra in (("a", []), ("b", ["--threads", "1"])):
        # Each run has its own city and ledger: one ledger refuses the same run id twice.
        city = t.city("city-" + name)
        t.demo_run(t.tmp / name, "--run-id", "R20250901", *extra, city=city)
        t.approved(t.tmp / name, None, city=city)
        zips = sorted((t.tmp / name).glob("*.zip"))
        t.check(len(zips) >= 2, "%s: several batches" % name, [z.name for z in zips])
        opened = t.tmp / (name + "-open")
        for z in zips:
            t.run(*t.open_args(t.tmp / name, z.stem, opened, city=city), stop=False)
        payloads[name] = {str(f.relative_to(opened)): f.read_bytes()
                          for f in sorted(opened.rglob("*")) if f.is_file() and "data" in f.relative_to(opened).parts}

    a, b = payloads["a"], payloads["b"]
    t.check(a, "payload files were extracted")
    t.check(any(n.endswith(".pdf") for n in a), "a PDF among the payload files", list(a))
    t.check(any(n.endswith("insertion.csv") for n in a), "an insertion.csv among the payload files", list(a))
    t.check(sorted(a) == sorted(b), "the two runs hold the same payload files", sorted(set(a) ^ set(b))[:5])
    for n in sorted(set(a) & set(b)):
        t.check(a[n] == b[n], "payload identical between the runs: " + n)

    # The archives are encrypted with fresh keys, so they must differ; the payloads must not.
    first = sorted((t.tmp / "a").glob("*.zip"))[0]
    t.check(first.read_bytes() != (t.tmp / "b" / first.name).read_bytes(),
            "two runs produce different archive bytes (no key reused)")
