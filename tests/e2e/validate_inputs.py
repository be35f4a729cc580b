"""Table of inputs for `tsuchi validate`: each row breaks one thing and names where the message must point."""
import json, os, subprocess, sys, tempfile

TSUCHI, SRC = sys.argv[1], sys.argv[2]
EX = os.path.join(SRC, "examples")

HEADER = ("case_id,child_atena_no,child_name,child_birth_date,guardian_atena_no,guardian_name,postal_code,"
          "address,address_building,household_no,my_number,certification_type,care_need,facility_name,"
          "facility_public,bracket,child_order,side_dish_exempt,cash_payment,notice_kind,decision_date,"
          "period_start,period_end,reason").split(",")

def row(**kw):
    base = dict(case_id="1001", child_atena_no="500001", child_name="熊谷　太郎", child_birth_date="2021-05-10",
                guardian_atena_no="400001", guardian_name="熊谷　花子", postal_code="360-0012",
                address="熊谷市上之1234-5", address_building="", household_no="300001", my_number="",
                certification_type="3", care_need="standard", facility_name="熊谷市立中央保育所",
                facility_public="1", bracket="D4", child_order="1", side_dish_exempt="0", cash_payment="1",
                notice_kind="decision", decision_date="2025-04-01", period_start="2025-04",
                period_end="2025-06", reason="")
    base.update(kw)
    return [base[h] for h in HEADER]

GOOD = [
    row(),
    row(case_id="1002", child_atena_no="500002", child_name="𠮷田　葵", child_order="2", period_start="2025-02",
        period_end="2025-06"),
    row(case_id="1003", child_atena_no="500003", child_name="\u795E\uFA19山　結", guardian_atena_no="400002",
        guardian_name="辻\U000E0100　一郎", postal_code="3600031", address="熊谷市末広二丁目5番地",
        certification_type="2", care_need="short", my_number="123456789018"),
]

def csv_text(rows, header=HEADER):
    out = [",".join(header)]
    for r in rows:
        out.append(",".join('"%s"' % f.replace('"', '""') if ("," in f or '"' in f or "\n" in f) else f for f in r))
    return "\r\n".join(out) + "\r\n"

def col(name):
    return HEADER.index(name) + 1

def validate(d, cases_bytes, fees=None, muni=None, extra=()):
    p = os.path.join(d, "cases.csv")
    open(p, "wb").write(cases_bytes)
    args = [TSUCHI, "validate", "--cases", p, "--fees", fees or os.path.join(EX, "fees.toml"),
            "--municipality", muni or os.path.join(EX, "municipality.toml"), *extra]
    r = subprocess.run(args, capture_output=True)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")

failures, passed = [], []
def expect(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "\n     " + detail))
    (passed if ok else failures).append(name)

with tempfile.TemporaryDirectory() as d:
    good = csv_text(GOOD)
    for label, data in [("utf-8", good.encode()), ("utf-8 with BOM", b"\xef\xbb\xbf" + good.encode())]:
        rc, out, err = validate(d, data)
        expect("valid " + label + " accepted", rc == 0, err)
    # CP932 cannot hold 𠮷, IVS or U+FA19 (it has 神 only as U+795E): a plain file for that encoding.
    plain = csv_text([row(), row(case_id="1002", child_atena_no="500002", child_name="髙橋　陽菜", child_order="2")])
    rc, out, err = validate(d, plain.encode("cp932"))
    expect("valid CP932 accepted (detected)", rc == 0, err)
    rc, out, err = validate(d, plain.encode("cp932"), extra=["--encoding", "cp932"])
    expect("valid CP932 accepted (--encoding cp932)", rc == 0, err)
    rc, out, err = validate(d, good.encode(), extra=["--json"])
    expect("--json prints ok:true", rc == 0 and json.loads(out)["ok"] is True, out + err)
    rc, out, err = validate(d, csv_text(GOOD + [row(case_id="1003")]).encode())
    expect("my_number never echoed", "123456789018" not in out + err, err)

    # (name, cases rows or raw bytes, line, column name or None, text that must appear)
    bad = [
        ("bad encoding", good.encode()[:-40] + b"\xff\xfe\x80" + good.encode()[-40:], 4, None, "not UTF-8 or CP932"),
        ("missing column", csv_text([r[:-2] + r[-1:] for r in GOOD],
                                    HEADER[:-2] + HEADER[-1:]).encode(), 1, "period_end", "period_end"),
        ("duplicate case_id", csv_text(GOOD + [row(child_atena_no="500009")]), 5, "case_id", "1001"),
        ("missing case_id", csv_text(GOOD + [row(case_id="", child_atena_no="500009")]), 5, "case_id", ""),
        ("unknown bracket", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009", bracket="Z9")]), 5,
         "bracket", "Z9"),
        ("malformed postal code", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                       guardian_atena_no="400009", postal_code="360-001")]), 5,
         "postal_code", "360-001"),
        ("impossible date", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                 child_birth_date="2023-02-29")]), 5, "child_birth_date",
         "2023-02-29"),
        ("impossible decision date", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                          decision_date="2025-04-31")]), 5, "decision_date",
         "2025-04-31"),
        ("period_end before period_start", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                                period_start="2025-06", period_end="2025-04")]),
         5, "period_end", "2025-04"),
        ("unknown certification_type", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                            certification_type="4")]), 5, "certification_type",
         "4"),
        ("unknown care_need", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                   care_need="long")]), 5, "care_need", "long"),
        ("guardian with two addresses", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                             address="熊谷市本町1-1")]), 5, "address", None),
        ("character no font has", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                       child_name="熊谷\u0378")]), 5, "child_name", "U+0378"),
        ("variation sequence no font has", csv_text(GOOD + [row(case_id="2001", child_atena_no="500009",
                                                                child_name="辻\U000E0105　次郎")]), 5,
         "child_name", "U+E0105"),
    ]
    for name, data, line, column, text in bad:
        rc, out, err = validate(d, data if isinstance(data, bytes) else data.encode())
        where = "cases.csv:%d:" % line if line else "cases.csv:"
        if column and line and line > 1:
            where += "%d:" % col(column)
        ok = rc == 1 and where in err and (text is None or text in err) and (column is None or column in err)
        expect(name, ok, "rc=%d want %r, %r in:\n%s" % (rc, where, text, err))

    # Every problem at once: three broken rows give three messages.
    rc, out, err = validate(d, csv_text(GOOD + [row(case_id="3001", child_atena_no="500011", bracket="Q1"),
                                                row(case_id="3002", child_atena_no="500012", postal_code="12"),
                                                row(case_id="3003", child_atena_no="500013",
                                                    child_birth_date="2024-13-01")]).encode())
    expect("all problems listed at once", rc == 1 and all("cases.csv:%d:" % n in err for n in (5, 6, 7)), err)

    # Broken fee schedule: a negative amount names the TOML line.
    fees = open(os.path.join(EX, "fees.toml"), encoding="utf-8").read().replace("standard = 30000", "standard = -30000", 1)
    fp = os.path.join(d, "fees.toml")
    open(fp, "w", encoding="utf-8").write(fees)
    line = fees.split("\n").index(next(l for l in fees.split("\n") if "-30000" in l)) + 1
    rc, out, err = validate(d, good.encode(), fees=fp)
    expect("negative amount in fees.toml", rc == 1 and ("fees.toml:%d:" % line) in err, err)

    # Usage error: exit 2.
    r = subprocess.run([TSUCHI, "validate", "--cases"], capture_output=True)
    expect("usage error exits 2", r.returncode == 2, r.stderr.decode())

print("%d passed, %d failed" % (len(passed), len(failures)))
sys.exit(1 if failures else 0)
