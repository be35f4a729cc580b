"""A variation sequence no font has: an error by default; with allow_plain_ivs a warning that `run`
accepts and the review sheet lists (SPEC §4)."""
from harness import Test

with Test() as t:
    muni = t.municipality_here()
    (t.tmp / "strict.toml").write_text(muni, encoding="utf-8")
    t.require("allow_plain_ivs = false" in muni, "examples/municipality.toml sets allow_plain_ivs = false")
    (t.tmp / "lenient.toml").write_text(muni.replace("allow_plain_ivs = false", "allow_plain_ivs = true"),
                                        encoding="utf-8")
    rows = (t.examples / "cases.csv").read_text(encoding="utf-8").splitlines()
    header, first = rows[0].split(","), rows[1].split(",")
    first[header.index("child_name")] = "辻\U000E0105　次郎"
    (t.tmp / "cases.csv").write_text("\n".join([rows[0], ",".join(first)] + rows[2:]) + "\n", encoding="utf-8")
    inputs = ["--cases", t.tmp / "cases.csv", "--fees", t.fees]

    p = t.run("validate", *inputs, "--municipality", t.tmp / "strict.toml", want=1, stop=False)
    t.check('child_name "U+8FBB U+E0105"' in p.stderr, "missing IVS is an error by default", p.stderr)
    t.check("warning:" not in p.stderr, "... and not a warning", p.stderr)

    p = t.run("validate", *inputs, "--municipality", t.tmp / "lenient.toml", stop=False)
    t.check('warning: child_name "U+8FBB U+E0105"' in p.stderr, "allow_plain_ivs turns it into a warning", p.stderr)

    # The lenient configuration is the one pinned in the ledger: run takes it from there.
    t.city(municipality=t.tmp / "lenient.toml")
    t.run("run", *inputs, "--municipality", t.tmp / "lenient.toml", "--out", t.tmp / "run", *t.key("tanaka"))
    t.run("review", t.tmp / "run", *t.key("sato"))
    sheet = (t.tmp / "run" / "review.txt").read_text(encoding="utf-8")
    t.check("入力の警告（1 件）" in sheet, "the review sheet lists the warning", sheet)
    t.check("U+E0105" in sheet, "the review sheet names the code point", sheet)
    run_json = (t.tmp / "run" / "run.json").read_text(encoding="utf-8")
    t.check("次郎" not in sheet and "次郎" not in run_json, "no name in the review sheet or run.json")
