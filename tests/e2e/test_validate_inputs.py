"""`tsuchi validate` on good files (UTF-8, BOM, CP932) and on a table of inputs that each break one
thing, naming the line and column the message must point at."""
import json

from harness import CASE_HEADER, Test, case_row, cases_csv

GOOD = [
    case_row(),
    case_row(case_id="1002", child_atena_no="500002", child_name="𠮷田　葵", child_order="2",
             period_start="2025-02", period_end="2025-06"),
    case_row(case_id="1003", child_atena_no="500003", child_name="\u795E\uFA19山　結", guardian_atena_no="400002",
             guardian_name="辻\U000E0100　一郎", postal_code="3600031", address="熊谷市末広二丁目5番地",
             certification_type="2", care_need="short", my_number="123456789018", child_birth_date="2021-05-10"),
]

def csv(rows, header=CASE_HEADER):
    return cases_csv(rows, header, newline="\r\n").decode()


def col(name):
    return CASE_HEADER.index(name) + 1


with Test() as t:
    def validate(cases_bytes, fees=None, extra=()):
        p = t.tmp / "cases.csv"
        p.write_bytes(cases_bytes)
        r = t.run("validate", "--cases", p, "--fees", fees or t.fees, "--municipality", t.municipality, *extra,
                  want=None)
        return r.returncode, r.stdout, r.stderr

    good = csv(GOOD)
    for label, data in [("utf-8", good.encode()), ("utf-8 with BOM", b"\xef\xbb\xbf" + good.encode())]:
        rc, out, err = validate(data)
        t.check(rc == 0, "valid " + label + " accepted", err)
    # CP932 cannot hold 𠮷, IVS or U+FA19 (it has 神 only as U+795E): a plain file for that encoding.
    plain = csv([case_row(), case_row(case_id="1002", child_atena_no="500002", child_name="髙橋　陽菜", child_order="2")])
    rc, out, err = validate(plain.encode("cp932"))
    t.check(rc == 0, "valid CP932 accepted (detected)", err)
    rc, out, err = validate(plain.encode("cp932"), extra=["--encoding", "cp932"])
    t.check(rc == 0, "valid CP932 accepted (--encoding cp932)", err)
    rc, out, err = validate(good.encode(), extra=["--json"])
    t.check(rc == 0 and json.loads(out)["ok"] is True, "--json prints ok:true", out + err)
    rc, out, err = validate(csv(GOOD + [case_row(case_id="1003")]).encode())
    t.check(rc == 1, "a broken file next to a my_number is refused", err)
    t.check("123456789018" not in out + err, "my_number never echoed", err)

    # (name, cases rows or raw bytes, line, column name or None, text that must appear)
    bad = [
        ("bad encoding", good.encode()[:-40] + b"\xff\xfe\x80" + good.encode()[-40:], 4, None, "not UTF-8 or CP932"),
        ("missing column", csv([r[:-2] + r[-1:] for r in GOOD],
                                    CASE_HEADER[:-2] + CASE_HEADER[-1:]).encode(), 1, "period_end", "period_end"),
        ("duplicate case_id", csv(GOOD + [case_row(child_atena_no="500009")]), 5, "case_id", "1001"),
        ("missing case_id", csv(GOOD + [case_row(case_id="", child_atena_no="500009")]), 5, "case_id", ""),
        ("unknown bracket", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009", bracket="Z9")]), 5,
         "bracket", "Z9"),
        ("malformed postal code", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                       guardian_atena_no="400009", postal_code="360-001")]), 5,
         "postal_code", "360-001"),
        ("impossible date", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                 child_birth_date="2023-02-29")]), 5, "child_birth_date",
         "2023-02-29"),
        ("impossible decision date", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                          decision_date="2025-04-31")]), 5, "decision_date",
         "2025-04-31"),
        ("period_end before period_start", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                                period_start="2025-06", period_end="2025-04")]),
         5, "period_end", "2025-04"),
        ("unknown certification_type", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                            certification_type="4")]), 5, "certification_type",
         "4"),
        ("unknown care_need", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                   care_need="long")]), 5, "care_need", "long"),
        ("guardian with two addresses", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                             address="熊谷市本町1-1")]), 5, "address", None),
        ("character no font has", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                       child_name="熊谷\u0378")]), 5, "child_name", "U+0378"),
        ("variation sequence no font has", csv(GOOD + [case_row(case_id="2001", child_atena_no="500009",
                                                                child_name="辻\U000E0105　次郎")]), 5,
         "child_name", "U+E0105"),
    ]
    for name, data, line, column, text in bad:
        rc, out, err = validate(data if isinstance(data, bytes) else data.encode())
        where = "cases.csv:%d:" % line if line else "cases.csv:"
        if column and line and line > 1:
            where += "%d:" % col(column)
        ok = rc == 1 and where in err and (text is None or text in err) and (column is None or column in err)
        t.check(ok, name, "rc=%d want %r, %r in:\n%s" % (rc, where, text, err))

    # Every problem at once: three broken rows give three messages.
    rc, out, err = validate(csv(GOOD + [case_row(case_id="3001", child_atena_no="500011", bracket="Q1"),
                                        case_row(case_id="3002", child_atena_no="500012", postal_code="12"),
                                        case_row(case_id="3003", child_atena_no="500013",
                                                 child_birth_date="2024-13-01")]).encode())
    t.check(rc == 1 and all("cases.csv:%d:" % n in err for n in (5, 6, 7)), "all problems listed at once", err)

    # Broken fee schedule: a negative amount names the TOML line.
    fees = t.fees.read_text(encoding="utf-8").replace("standard = 30000", "standard = -30000", 1)
    t.require("-30000" in fees, "examples/fees.toml has a standard fee of 30000 to break")
    fp = t.tmp / "fees.toml"
    fp.write_text(fees, encoding="utf-8")
    line = fees.split("\n").index(next(l for l in fees.split("\n") if "-30000" in l)) + 1
    rc, out, err = validate(good.encode(), fees=fp)
    t.check(rc == 1 and ("fees.toml:%d:" % line) in err, "negative amount in fees.toml", err)

    # Usage error: exit 2.
    t.run("validate", "--cases", want=2, stop=False)
