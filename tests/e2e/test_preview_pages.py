"""`tsuchi preview` on a small, demanding month, read back as a person (and the contractor's scanner)
would: pdffonts, pdftotext, pdftoppm + zbarimg."""
import os
import re

from harness import BASE_CASE, Test, case_row, cases_csv, excel_csv, is_my_number, pdffonts, pdftext, rasterize, zbar

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

# A May 2019 month (the first month of Reiwa), so dates print in the new era.
BASE = dict(BASE_CASE, child_birth_date="2017-05-10", decision_date="2019-04-25", period_start="2019-05",
            period_end="2019-05")


def row(**kw):
    return dict(BASE, **kw)


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
        certification_type="2", cash_payment="0", child_birth_date="2015-10-10"),  # 3歳児クラス in 2019年度
    # Type 1 at a city-run facility: side-dish fee only.
    row(case_id="1006", child_atena_no="5006", child_name="髙橋　陽菜", guardian_atena_no="4004",
        guardian_name="髙橋　美穂", household_no="3004", postal_code="3600014", address="熊谷市箱田3丁目16番13号",
        certification_type="1", care_need="", notice_kind="change", reason="階層区分の変更のため",
        child_birth_date="2015-10-10"),
]
EXPECTED_STORE_AMOUNTS = sorted([30000, 30000, 14800, 14800, 4500])
KINSOKU_START = set("、。，．）」』】〉》ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ・：；！？々ゝゞヽヾ)]},.")
KINSOKU_END = set("（「『【〈《([{")


def strip_ws(s):
    return re.sub(r"\s+", "", s)


def store_check_digit_ok(d):
    """GS1 mod-10 check digit of a 44-digit convenience-store payload (weights 3,1 from the right)."""
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(d[:43])))
    return (10 - s % 10) % 10 == int(d[43])


with Test() as t:
    cases, fees, out = t.tmp / "cases.csv", t.tmp / "fees.toml", t.tmp / "out"
    cases.write_bytes(cases_csv([case_row(r) for r in ROWS], newline="\r\n"))
    fees.write_text(FEES, encoding="utf-8")
    t.run("preview", "--cases", cases, "--fees", fees, "--municipality", t.municipality, "--out", out, *t.key("tanaka"))
    pdfs = sorted(out.glob("*.pdf"))
    t.require(len(pdfs) >= 1, "at least one PDF", os.listdir(out))

    text, page_texts = "", []
    for pdf in pdfs:
        fonts = pdffonts(pdf)
        bad = [line for line in fonts if not re.search(r"\byes\s+yes\s+yes\b", line)]
        t.check(fonts and not bad, "fonts embedded as subsets with a text map: " + pdf.name, bad)
        page = pdftext(pdf)
        text += page
        page_texts += page.split("\f")[:-1]

    flat = strip_ws(text)
    for rw in ROWS:
        t.check(strip_ws(rw["child_name"]) in flat, "child name printed exactly: case " + rw["case_id"],
                [hex(ord(c)) for c in rw["child_name"]])
        t.check(strip_ws(rw["guardian_name"]) + "様" in flat, "guardian name followed by 様: case " + rw["case_id"])
    t.check("\uFA19" in text and "\u795E山" not in text, "神 U+FA19 kept (not normalised to U+795E)")
    t.check("辻\U000E0100" in text, "IVS kept: 辻 + U+E0100")
    t.check("令和元年5月1日" in flat, "令和元年5月1日 for a 2019-05-01 decision")
    t.check("￥14,800※" in flat and "￥310,000※" in flat, "slip amounts guarded as ￥12,300※")
    over = [strip_ws(p) for p in page_texts if "￥310,000※" in strip_ws(p)]
    t.check(over and all("金額が30万円を超えるため" in p for p in over), "the store-ceiling note on the over-ceiling slip")
    t.check(over and all("コンビニ" not in p for p in over), "no convenience store named on the over-ceiling slip")

    bad_lines = [line for line in text.splitlines()
                 if line.strip() and (line.strip()[0] in KINSOKU_START or line.strip()[-1] in KINSOKU_END)]
    t.check(not bad_lines, "no line starts or ends with a character kinsoku forbids", bad_lines)
    twelve = [m for m in re.findall(r"(?<!\d)\d{12}(?!\d)", text) if is_my_number(m)]
    t.check(not twelve, "no My Number in the text (the law's check digit)", "%d found" % len(twelve))
    t.check("123456789018" not in text, "the input's my_number never printed")

    # Every page through a scanner's eyes: 300 dpi, zbar.
    store, qr = [], []
    for pdf in pdfs:
        for image in rasterize(pdf, t.tmp / pdf.stem):
            codes = zbar(image)
            page_qr = [v for kind, v in codes if kind == "QR-Code"]
            t.check(len(page_qr) == 1, "one insertion QR on " + image.name, codes)
            qr += page_qr
            store += [v for kind, v in codes if kind == "CODE-128"]
    t.check(len(qr) == len(page_texts), "as many insertion QRs as pages with text", (len(qr), len(page_texts)))
    ok = all(len(s) == 44 and s.isdigit() and s.startswith("91") and store_check_digit_ok(s) for s in store)
    t.check(ok and store, "every store barcode is 44 digits with a valid check digit", store)
    t.check(sorted(int(s[37:43]) for s in store) == EXPECTED_STORE_AMOUNTS,
            "store barcodes carry exactly the expected amounts (none over the ceiling)",
            sorted(int(s[37:43]) for s in store))

    # Insertion codes give whole envelopes, each page once, matching insertion.csv.
    envelopes = {}
    for v in qr:
        m = re.fullmatch(r"(PREVIEW/\d{6}(?:-\d+)?)/(\d+)-(\d+)", v)
        t.check(m is not None, "insertion code shape " + v)
        if m:
            envelopes.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3))))
    complete = all(sorted(p for p, _ in ps) == list(range(1, ps[0][1] + 1)) and len({n for _, n in ps}) == 1
                   for ps in envelopes.values())
    t.check(complete, "every envelope's pages are complete", envelopes)
    rows = excel_csv(out / "insertion.csv")
    t.check({r["envelope_id"]: int(r["pages"]) for r in rows} == {e: len(ps) for e, ps in envelopes.items()},
            "insertion.csv lists the same envelopes and page counts", rows)
    t.check(len(envelopes) == 4, "four guardians, four envelopes", envelopes.keys())
    listed = ";".join(r["codes"] for r in rows).split(";")
    t.check(all(s in listed for s in store + qr), "insertion.csv lists every barcode printed")
