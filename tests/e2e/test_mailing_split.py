"""Envelopes that post as 定形 (issue 13, item 2): a cash household of three children billed for
seven months (21 slips) under [mailing] max_sheets = 6 is mailed as numbered envelopes <id>-1, -2, …
Every insertion.csv row is within the limits with its grams and part; the insertion QR codes count
each part's own pages; `tsuchi run` seals, `open` passes, the ledger and the review sheet know the
parts. With oversize = "refuse" the same run stops with a message naming the envelope, its sheets,
grams and the limit, and nothing is sealed."""
import os
import shutil
import json
import re

from harness import BASE_CASE, Test, case_row, cases_csv, excel_csv

MAX_SHEETS, PAPER_G, ENVELOPE_G, MAX_G = 6, 4.0, 6.0, 50.0

with Test() as t:
    muni = t.municipality_here()
    t.require("[mailing]" in muni and re.search(r'(?m)^oversize\s*=\s*"split"', muni), "examples/municipality.toml has a [mailing] table")
    split_toml = t.tmp / "split.toml"
    # One slip per sheet, as the split arithmetic below counts; the example city uses the compact layout.
    one_per_sheet = re.sub(r'(?m)^layout\s*=\s*"[^"]*"', 'layout = "slip"', muni)
    split_toml.write_text(re.sub(r"(?m)^max_sheets\s*=\s*\d+", "max_sheets = %d" % MAX_SHEETS, one_per_sheet),
                          encoding="utf-8")
    refuse_toml = t.tmp / "refuse.toml"
    refuse_toml.write_text(re.sub(r'(?m)^oversize\s*=\s*"split"', 'oversize = "refuse"', split_toml.read_text(encoding="utf-8")),
                           encoding="utf-8")

    # Three 3号 children (0-2歳児クラス in 令和7年度) of one guardian, each billed April to October 2025.
    kids = [("7001", "500701", "熊谷　一花", "2023-05-10"), ("7002", "500702", "熊谷　二葉", "2024-01-20"),
            ("7003", "500703", "熊谷　三春", "2022-06-01")]
    rows = [case_row(BASE_CASE, case_id=c, child_atena_no=a, child_name=n, child_birth_date=b, guardian_atena_no="400701",
                     household_no="300701", child_order="1", bracket="D9", period_start="2025-04", period_end="2025-10")
            for c, a, n, b in kids]
    rows.append(case_row(BASE_CASE, case_id="7010", child_atena_no="500710", child_birth_date="2023-07-07",
                         guardian_atena_no="400710", guardian_name="行田　一子", household_no="300710", bracket="D9",
                         postal_code="361-0077", address="行田市忍2-1-1", period_start="2025-04", period_end="2025-05"))
    cases = t.tmp / "cases.csv"
    cases.write_bytes(cases_csv(rows))
    inputs = ["--cases", cases, "--fees", t.fees]

    city = t.city(municipality=split_toml)
    out = t.tmp / "run"
    t.run("run", *inputs, "--municipality", split_toml, "--out", out, "--write-key", *t.key("tanaka"))
    run_id = json.loads((out / "run.json").read_text())["run_id"]
    batches = sorted(p.name[: -len(".manifest.json")] for p in out.glob("*.manifest.json"))
    t.require(batches, "the split run sealed its batches", list(out.iterdir()))

    t.run("review", out, *t.key("suzuki"))
    t.run("approve", out, *t.key("sato"))
    rows, manifests = [], {}
    for b in batches:
        t.run(*t.open_args(out, b, t.tmp / "opened"))
        header, listed = excel_csv(t.tmp / "opened" / b / "data" / "insertion.csv", header=True)
        rows += listed
        t.check(header == "envelope_id,pages,sheets,postal_code,codes,file,first_page,grams,part".split(","),
                b + ": insertion.csv keeps the fixed columns and adds grams and part at the end", header)
        manifests[b] = json.loads((out / (b + ".manifest.json")).read_text())

    # Every envelope within the limits, its grams the configured estimate.
    for r in rows:
        sheets, grams = int(r["sheets"]), float(r["grams"])
        t.check(sheets <= MAX_SHEETS and grams <= MAX_G, "%s: %d sheets, %.1f g within the limits" % (r["envelope_id"], sheets, grams))
        t.check(abs(grams - (ENVELOPE_G + PAPER_G * sheets)) < 0.05, r["envelope_id"] + ": grams = 6 + 4 x sheets", r)

    parts = [r for r in rows if r["part"]]
    ids = [r["envelope_id"] for r in parts]
    t.require(len(parts) >= 2, "the household over 6 sheets went as numbered envelopes", ids)
    base = ids[0][: -len("-1")]
    t.check(re.fullmatch(r"%s-B\d{3}/\d{6}" % re.escape(run_id), base), "the part ids grow from one envelope id", ids)
    t.check(ids == ["%s-%d" % (base, k) for k in range(1, len(ids) + 1)], "ids -1, -2, … in order", ids)
    t.check([r["part"] for r in parts] == ["%d/%d" % (k, len(ids)) for k in range(1, len(ids) + 1)],
            "part column k/n", [r["part"] for r in parts])
    whole = [r for r in rows if not r["part"]]
    t.check(len(whole) == 1 and re.fullmatch(r".*/\d{6}", whole[0]["envelope_id"]) and int(whole[0]["sheets"]) == 3,
            "the small household goes whole, with its plain id and no part", whole)

    # Each part's insertion QR codes count that part's own pages, each page once.
    for r in parts:
        qr = [c for c in r["codes"].split(";") if c.startswith(r["envelope_id"] + "/")]
        want = ["%s/%d-%s" % (r["envelope_id"], i, r["pages"]) for i in range(1, int(r["pages"]) + 1)]
        t.check(qr == want, r["envelope_id"] + ": QR codes <id>/<page>-<pages>", qr)
        t.check(r["codes"].split(";")[0].count("-") >= 1 and not r["codes"].startswith(r["envelope_id"]),
                r["envelope_id"] + ": the customer barcode is on the part's window page", r["codes"][:60])
    # First pages follow each other: one part's pages end where the next begins.
    for a, b in zip(parts, parts[1:]):
        if a["file"] == b["file"]:
            t.check(int(a["first_page"]) + int(a["pages"]) == int(b["first_page"]), "parts are contiguous in the PDF", (a, b))

    # What was sealed tells the same story: the PDF's pages, the ledger and the manifest.
    pdf_pages = {}
    for b in batches:
        info = __import__("subprocess").run(["pdfinfo", t.tmp / "opened" / b / "data" / (b + ".pdf")],
                                            capture_output=True, text=True).stdout
        pdf_pages[b + ".pdf"] = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    t.check(sum(int(r["pages"]) for r in rows) == sum(pdf_pages.values()), "insertion.csv accounts for every PDF page",
            (pdf_pages, len(rows)))
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % city.ledger, uri=True)
    ledger_rows = dict(db.execute("SELECT envelope_id, sheets FROM envelopes"))
    slips_by_envelope = dict(db.execute("SELECT envelope_id, COUNT(*) FROM slips GROUP BY envelope_id"))
    db.close()
    t.check(all(ledger_rows.get(r["envelope_id"]) == int(r["sheets"]) for r in rows),
            "the ledger holds each part as an envelope with its sheets", ledger_rows)
    t.check(sum(slips_by_envelope.get(i, 0) for i in ids) == 21, "the parts carry the household's 21 slips", slips_by_envelope)
    mailing = {}
    for b, m in manifests.items():
        mailing = m.get("mailing", {})
        t.check(mailing.get("max_sheets") == MAX_SHEETS and mailing.get("max_grams") == MAX_G, b + ": manifest states the limits", mailing)
    all_m = [m.get("mailing", {}) for m in manifests.values()]
    t.check(max(m.get("heaviest_sheets", 0) for m in all_m) <= MAX_SHEETS, "manifest: the heaviest envelope within the limit", all_m)
    t.check(sum(m.get("split_mailings", 0) for m in all_m) == 1 and sum(m.get("split_envelopes", 0) for m in all_m) == len(ids),
            "manifest: one split mailing and its envelopes", all_m)
    manifest_text = "".join((out / (b + ".manifest.json")).read_text() for b in batches)
    t.check("熊谷" not in manifest_text and "/000" not in manifest_text, "the manifest holds no name and no envelope id")

    sheet = (out / "review.txt").read_text(encoding="utf-8")
    t.check("封筒の重量（定形郵便）" in sheet and "分割発送の世帯" in sheet, "the review sheet has the mailing figures", sheet)
    t.check(re.search(r"1通あたりの上限\s+%d 枚・50.0 g" % MAX_SHEETS, sheet), "the review sheet states the limits", sheet)
    t.check(re.search(r"分割発送の世帯\s+1\b", sheet), "the review sheet counts the split household", sheet)
    t.check(re.search(r"上限を超える封筒\s+0\b", sheet), "no envelope over a limit on the review sheet", sheet)

    # The cover sheet of part 2 (it starts with slips): the recipient, the label with 2/n, the enclosed count.
    b = batches[0]
    pdf = t.tmp / "opened" / b / "data" / (b + ".pdf")
    part2 = parts[1]
    first = int(part2["first_page"])
    page = __import__("subprocess").run(["pdftotext", "-f", str(first), "-l", str(first), pdf, "-"],
                                        capture_output=True, text=True).stdout
    t.check("納付書の送付について" in page, "part 2 opens with the cover sheet", page)
    t.check("2/%d" % len(ids) in page and part2["envelope_id"] in page, "the cover's window label shows the id and 2/n", page)
    t.check("熊谷" in page and "様" in page, "the cover carries the recipient block", page)
    if os.environ.get("TSUCHI_KEEP_PDF"):
        shutil.copy(pdf, os.environ["TSUCHI_KEEP_PDF"])
        shutil.copy(out / "review.txt", os.environ["TSUCHI_KEEP_PDF"] + ".review.txt")
        shutil.copy(out / (b + ".manifest.json"), os.environ["TSUCHI_KEEP_PDF"] + ".manifest.json")

    # refuse: the same input stops, names the envelope, its sheets, grams and the limit; nothing sealed.
    strict = t.city("strict", municipality=refuse_toml)
    p = t.run("run", *inputs, "--municipality", refuse_toml, "--out", t.tmp / "refused", *strict.key("tanaka"),
              env=strict.env, want=1)
    m = re.search(r"envelope \S+/\d{6}: (\d+) sheets, (\d+) g: over the limit of %d sheets and 50 g" % MAX_SHEETS, p.stderr)
    t.check(m and int(m.group(1)) > MAX_SHEETS and int(m.group(2)) == ENVELOPE_G + PAPER_G * int(m.group(1)),
            "refuse names the envelope id, its sheets and grams, and the limit", p.stderr)
    t.check("熊谷" not in p.stderr, "the refusal names no one", p.stderr)
    t.check(not list((t.tmp / "refused").glob("*.zip")) and not list((t.tmp / "refused").glob("*.manifest.json")),
            "nothing was sealed", list((t.tmp / "refused").iterdir()) if (t.tmp / "refused").exists() else [])
