"""Renders a small, demanding month with `tsuchi preview` and checks the PDFs with independent tools."""
import csv, os, re, subprocess, sys, tempfile

TSUCHI, SRC = sys.argv[1], sys.argv[2]
HEADER = ("case_id,child_atena_no,child_name,child_birth_date,guardian_atena_no,guardian_name,postal_code,"
          "address,address_building,household_no,my_number,certification_type,care_need,facility_name,"
          "facility_public,bracket,child_order,side_dish_exempt,cash_payment,notice_kind,decision_date,"
          "period_start,period_end,reason").split(",")
FEES = """
[[schedule]]
effective_from = "2019-04"
rounding = 10
child_order_factor = [1.0, 0.5, 0.0]
side_dish_monthly = 4500
  [[schedule.bracket]]
  code = "A"
  label = "生活保護世帯"
  standard = 0
  short = 0
  [[schedule.bracket]]
  code = "D4"
  label = "市町村民税所得割額 48,600円以上 97,000円未満"
  standard = 30000
  short = 29610
  [[schedule.bracket]]
  code = "H"
  label = "検証用の高額階層"
  standard = 310000
  short = 300000
"""

def row(**kw):
    base = dict(case_id="", child_atena_no="", child_name="", child_birth_date="2017-05-10",
                guardian_atena_no="", guardian_name="", postal_code="360-0012", address="熊谷市上之1234-5",
                address_building="", household_no="", my_number="", certification_type="3",
                care_need="standard", facility_name="熊谷市立中央保育所", facility_public="1", bracket="D4",
                child_order="1", side_dish_exempt="0", cash_payment="1", notice_kind="decision",
                decision_date="2019-04-25", period_start="2019-05", period_end="2019-05", reason="")
    base.update(kw)
    return base

ROWS = [
    # Three siblings: 30,000 / 29,610 x 0.5 = 14,805 -> 14,800 / third child 0 yen (notice, no slip).
    row(case_id="1001", child_atena_no="5001", child_name="𠮷田　葵", guardian_atena_no="4001",
        guardian_name="𠮷田　健太", household_no="3001", decision_date="2019-05-01", period_end="2019-06",
        my_number="123456789018"),
    row(case_id="1002", child_atena_no="5002", child_name="𠮷田　蓮", guardian_atena_no="4001",
        guardian_name="𠮷田　健太", household_no="3001", care_need="short", child_order="2", period_end="2019-06"),
    row(case_id="1003", child_atena_no="5003", child_name="𠮷田　凛", guardian_atena_no="4001",
        guardian_name="𠮷田　健太", household_no="3001", child_order="3", period_end="2019-06"),
    # Over the convenience-store ceiling: a slip without a barcode.
    row(case_id="1004", child_atena_no="5004", child_name="\uFA19山　結", guardian_atena_no="4002",
        guardian_name="\uFA19山　真一", household_no="3002", postal_code="3600031", address="熊谷市末広二丁目5番地",
        address_building="コーポ熊谷　205号室", bracket="H"),
    # Account transfer: notice only.
    row(case_id="1005", child_atena_no="5005", child_name="辻\U000E0100　花", guardian_atena_no="4003",
        guardian_name="辻\U000E0100　一郎", household_no="3003", postal_code="3600041", address="熊谷市宮町1-23",
        certification_type="2", cash_payment="0"),
    # Type 1 at a city-run facility: side-dish fee only.
    row(case_id="1006", child_atena_no="5006", child_name="髙橋　陽菜", guardian_atena_no="4004",
        guardian_name="髙橋　美穂", household_no="3004", postal_code="3600014", address="熊谷市箱田3丁目16番13号",
        certification_type="1", care_need="", notice_kind="change", reason="階層区分の変更のため"),
]
EXPECTED_STORE_AMOUNTS = sorted([30000, 30000, 14800, 14800, 4500])
KINSOKU_START = set("、。，．）」』】〉》ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ・：；！？々ゝゞヽヾ)]},.")
KINSOKU_END = set("（「『【〈《([{")

failures, passed = [], []
def expect(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "\n     " + str(detail)[:2000]))
    (passed if ok else failures).append(name)

def strip_ws(s):
    return re.sub(r"\s+", "", s)

def store_check_digit_ok(d):
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(d[:43])))
    return (10 - s % 10) % 10 == int(d[43])

def my_number_ok(d):
    p = [int(c) for c in d[:11]][::-1]
    s = sum(pn * (n + 1 if n <= 6 else n - 6) for n, pn in enumerate(p, start=1))
    r = s % 11
    return int(d[11]) == (0 if r <= 1 else 11 - r)

with tempfile.TemporaryDirectory() as d:
    cases = os.path.join(d, "cases.csv")
    with open(cases, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\r\n")
        w.writeheader()
        w.writerows(ROWS)
    fees = os.path.join(d, "fees.toml")
    open(fees, "w", encoding="utf-8").write(FEES)
    out = os.path.join(d, "out")
    r = subprocess.run([TSUCHI, "preview", "--cases", cases, "--fees", fees, "--municipality",
                        os.path.join(SRC, "examples", "municipality.toml"), "--out", out], capture_output=True)
    expect("preview exits 0", r.returncode == 0, r.stderr.decode())
    if r.returncode != 0:
        print("%d passed, %d failed" % (len(passed), len(failures)))
        sys.exit(1)
    pdfs = sorted(os.path.join(out, n) for n in os.listdir(out) if n.endswith(".pdf"))
    expect("at least one PDF", len(pdfs) >= 1, os.listdir(out))

    text, page_texts = "", []
    for pdf in pdfs:
        fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True).stdout.splitlines()[2:]
        bad = [l for l in fonts if not re.search(r"\byes\s+yes\s+yes\b", l)]
        expect("fonts embedded as subsets with a text map: " + os.path.basename(pdf), fonts and not bad, bad)
        t = subprocess.run(["pdftotext", pdf, "-"], capture_output=True).stdout.decode("utf-8")
        text += t
        page_texts += t.split("\f")[:-1]

    flat = strip_ws(text)
    for rw in ROWS:
        expect("child name printed exactly: case " + rw["case_id"], strip_ws(rw["child_name"]) in flat,
               [hex(ord(c)) for c in rw["child_name"]])
        expect("guardian name followed by 様: case " + rw["case_id"], strip_ws(rw["guardian_name"]) + "様" in flat)
    expect("神 U+FA19 kept (not normalised to U+795E)", "\uFA19" in text and "\u795E山" not in text)
    expect("IVS kept: 辻 + U+E0100", "辻\U000E0100" in text)
    expect("令和元年5月1日 for a 2019-05-01 decision", "令和元年5月1日" in flat)
    expect("amounts printed as 12,300円 style", "14,800円" in flat and "310,000円" in flat)
    expect("the store-ceiling note on the over-ceiling slip", "コンビニ" in flat)

    bad_lines = [l for l in text.splitlines() if l.strip() and (l.strip()[0] in KINSOKU_START or l.strip()[-1] in KINSOKU_END)]
    expect("no line starts or ends with a character kinsoku forbids", not bad_lines, bad_lines)
    twelve = [m for m in re.findall(r"(?<!\d)\d{12}(?!\d)", text) if my_number_ok(m)]
    expect("no My Number in the text", not twelve, "%d found" % len(twelve))
    expect("the input's my_number never printed", "123456789018" not in text)

    # Every page through a scanner's eyes: 300 dpi, zbar.
    store, qr = [], []
    for pdf in pdfs:
        base = os.path.join(d, os.path.basename(pdf)[:-4])
        subprocess.run(["pdftoppm", "-r", "300", "-gray", pdf, base], check=True)
        pages = sorted(p for p in os.listdir(d) if p.startswith(os.path.basename(base) + "-") and p.endswith(".pgm"))
        for p in pages:
            z = subprocess.run(["zbarimg", "-q", "--raw", "-Sbinary=0", os.path.join(d, p)], capture_output=True,
                               text=True).stdout.split()
            codes = subprocess.run(["zbarimg", "-q", os.path.join(d, p)], capture_output=True, text=True).stdout
            page_qr = [c.split(":", 1)[1] for c in codes.split("\n") if c.startswith("QR-Code:")]
            page_store = [c.split(":", 1)[1] for c in codes.split("\n") if c.startswith("CODE-128:")]
            expect("one insertion QR on %s" % p, len(page_qr) == 1, codes)
            qr += page_qr
            store += page_store
    ok = all(len(s) == 44 and s.isdigit() and s.startswith("91") and store_check_digit_ok(s) for s in store)
    expect("every store barcode is 44 digits with a valid check digit", ok and store, store)
    expect("store barcodes carry exactly the expected amounts (none over the ceiling)",
           sorted(int(s[37:43]) for s in store) == EXPECTED_STORE_AMOUNTS, sorted(int(s[37:43]) for s in store))

    # Insertion codes give whole envelopes, each page once, matching insertion.csv.
    envelopes = {}
    for v in qr:
        m = re.fullmatch(r"(PREVIEW/\d{6})/(\d+)-(\d+)", v)
        expect("insertion code shape " + v, m is not None)
        if m:
            envelopes.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3))))
    complete = all(sorted(p for p, _ in ps) == list(range(1, ps[0][1] + 1)) and len({n for _, n in ps}) == 1
                   for ps in envelopes.values())
    expect("every envelope's pages are complete", complete, envelopes)
    with open(os.path.join(out, "insertion.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expect("insertion.csv lists the same envelopes and page counts",
           {r["envelope_id"]: int(r["pages"]) for r in rows} == {e: len(ps) for e, ps in envelopes.items()},
           rows)
    expect("four guardians, four envelopes", len(envelopes) == 4, envelopes.keys())
    listed = ";".join(r["codes"] for r in rows).split(";")
    expect("insertion.csv lists every barcode printed", all(s in listed for s in store + qr))

print("%d passed, %d failed" % (len(passed), len(failures)))
sys.exit(1 if failures else 0)
