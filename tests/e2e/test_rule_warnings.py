"""A certification that contradicts the child's age class: an error by default; with [validation]
certification_age = "warning" a warning that `run` accepts and the review sheet lists, naming the
line, column and case id, never the child (issue 13)."""
from harness import Test

with Test() as t:
    muni = t.municipality_here()
    t.require('certification_age = "error"' in muni, 'examples/municipality.toml sets certification_age = "error"')
    (t.tmp / "strict.toml").write_text(muni, encoding="utf-8")
    (t.tmp / "lenient.toml").write_text(muni.replace('certification_age = "error"', 'certification_age = "warning"'),
                                        encoding="utf-8")
    rows = (t.examples / "cases.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    at = next(i for i, r in enumerate(rows) if r.startswith("2025090002,"))
    row = rows[at].split(",")
    t.require(row[header.index("certification_type")] == "3", "case 2025090002 is 3号")
    row[header.index("child_birth_date")] = "2022-04-01"  # 3歳児クラス in 令和7年度
    rows[at] = ",".join(row)
    (t.tmp / "cases.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    inputs = ["--cases", t.tmp / "cases.csv", "--fees", t.fees]
    message = ('cases.csv:%d:%d: %%s: certification_type "3": case 2025090002: 3号 is for the 0-2歳児クラス, but in '
               "2025年度 (age on 2025-04-01) the child is in the 3歳児クラス" %
               (at + 1, header.index("certification_type") + 1))

    p = t.run("validate", *inputs, "--municipality", t.tmp / "strict.toml", want=1, stop=False)
    t.check(message % "error" in p.stderr, "a 3歳児クラス child certified 3号 is an error by default", p.stderr)

    p = t.run("validate", *inputs, "--municipality", t.tmp / "lenient.toml", stop=False)
    t.check(message % "warning" in p.stderr, "certification_age = \"warning\" makes it a warning", p.stderr)

    # The lenient configuration is the one pinned in the ledger: run takes it from there.
    t.city(municipality=t.tmp / "lenient.toml")
    t.run("run", *inputs, "--municipality", t.tmp / "lenient.toml", "--out", t.tmp / "run", *t.key("tanaka"))
    t.run("review", t.tmp / "run", *t.key("sato"))
    sheet = (t.tmp / "run" / "review.txt").read_text(encoding="utf-8")
    t.check("入力の警告（1 件）" in sheet, "the review sheet lists the warning", sheet)
    t.check("case 2025090002" in sheet and "certification_type" in sheet, "... naming the case and the column", sheet)
    run_json = (t.tmp / "run" / "run.json").read_text(encoding="utf-8")
    t.check("結菜" not in sheet and "結菜" not in run_json and "2022-04-01" not in sheet,
            "no name or birth date in the review sheet or run.json")
