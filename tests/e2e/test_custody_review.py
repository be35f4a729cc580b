"""Review and custody end to end (SPEC §8, §9; issue 5's scenario) with the real binary:
run → review (text + PDF) → approve by the maker (refused) and by an approver → handover →
receipt with a wrong hash (refused) and the right one → work log with one envelope missing and
one spoiled and reprinted → returned mail for two envelopes → reconcile (text, JSON, PDF) lists
exactly the missing envelope and the open returns → certificate forms printed, rasterized with
pdftoppm into image-only PDFs, imported without --batch and matched (a form for another manifest
refused) → the corrected work log closes every batch → a second run of the month is reviewed
against the first → one audit row edited in SQLite → `audit verify` exits 1 naming it.
"""
import json
import sqlite3

from harness import RECEIPT_HEADER, WORKLOG_HEADER, Test, image_only_pdf, office_time, pdftext as text_of, sha256, write_csv


def pdftext(path):
    return text_of(path, layout=True)


with Test() as t:
    tmp, out, MUNI, FEES = t.tmp, t.tmp / "run", t.municipality, t.fees
    run, check = t.run, t.check
    r = t.demo_run(out, "--month", "2025-09", "--run-id", "R20250901", user="tanaka")
    run_id, batches, envelopes, slips = r.run_id, r.batches, r.envelopes, r.slips
    first = batches[0]

    # Review: the same sheet on stderr and in review.txt, a PDF beside it, recorded for approval.
    p = run("approve", out, *t.key("yamada"), want=1)
    check(f"run `tsuchi review {out}` first" in p.stderr, f"approve needs the review sheet", p.stderr)
    p = run("review", out, *t.key("tanaka"), "--fees", FEES)
    sheet = (out / "review.txt").read_text()
    check(sheet in p.stderr and p.stdout == "", "review prints review.txt for the person (stderr), nothing on stdout")
    def value(text, key):  # a "key  value" line of the sheet
        found = [line.strip()[len(key):].strip() for line in text.splitlines() if line.strip().startswith(key + " ")]
        return found[0] if found else None

    check(value(sheet, "実行ID") == run_id and value(sheet, "実行者") == "tanaka", f"the sheet names the run", sheet)
    check(value(sheet, "納付書") == str(slips[0]), f"the sheet counts {slips[0]} slips", sheet)
    check(f"{slips[1]:,}" in sheet, f"the sheet totals {slips[1]:,} yen")
    check("台帳に前回の実行がないため" in sheet and "要確認事項（0 件）" in sheet, "first run, no anomalies")
    pdf = pdftext(out / "review.pdf")
    check(run_id in pdf and f"{slips[1]:,}" in pdf, "review.pdf holds the run id and the total")

    # Approval: never the maker (staff hold no approver role); then an approver, for exactly that sheet.
    p = run("approve", out, *t.key("tanaka"), want=1)
    check("approver" in p.stderr, f"the maker is refused", p.stderr)
    run("approve", out, *t.key("yamada"))
    check(json.loads((out / "release.json").read_text()) and run_id in (out / "release.json").read_text(),
          "approve writes release.json for the run")

    run("handover", first, *t.key("tanaka"), "--route", "courier", "--media", "USB-0001")
    for b in batches[1:]:
        run("handover", b, *t.key("tanaka"), "--route", "sftp")

    # Receipt: a wrong archive hash refuses the file; the right one is stored.
    rows = r.receipt(out)
    bad = [r[:] for r in rows]
    bad[0][1] = "f" * 64
    receipt = write_csv(tmp / "receipt-bad.csv", RECEIPT_HEADER, bad)
    p = run("import", "receipt", receipt, *t.key("tanaka"), want=1)
    check(f"does not match the sealed archive of batch {first}" in p.stderr, f"wrong hash refused", p.stderr)
    run("import", "receipt", write_csv(tmp / "receipt.csv", RECEIPT_HEADER, rows), *t.key("tanaka"))

    # Work log: the first batch's last envelope is not mailed; its first is spoiled and reprinted.
    missing = envelopes[first][-1]
    spoiled = envelopes[first][0]

    full = r.worklog(spoiled)  # the corrected report later keeps these mailing times
    run("import", "worklog", write_csv(tmp / "worklog.csv", WORKLOG_HEADER,
                                       [x for x in full if x[1:3] != [missing, "mailed"]]),
        *t.key("tanaka"))

    # Returned mail for two envelopes: one still open, one resent.
    e_open, e_resent = envelopes[first][0], envelopes[first][1]
    run("import", "returns", write_csv(tmp / "returns.csv", ["envelope_id", "reason", "at", "action"], [
        [e_open, "転居先不明", office_time(), "open"],
        [e_resent, "受取拒絶", office_time(), "resent"]]), *t.key("suzuki"))

    report = json.loads(run("reconcile", "--json", "--pdf", tmp / "reconcile.pdf", *t.key("sato")).stdout)
    listed_missing = [e for b in report["batches"] for e in b["missing"]]
    listed_open = [e for b in report["batches"] for e in b["open_returns"]]
    check(listed_missing == [missing], "reconcile lists exactly the missing envelope", listed_missing)
    check(listed_open == [e_open], "reconcile lists exactly the open return", listed_open)
    check(not any(b["closed"] for b in report["batches"]), "nothing is closed before the certificates")
    rec_pdf = pdftext(tmp / "reconcile.pdf")
    section = rec_pdf[rec_pdf.index("未着の封筒"):rec_pdf.index("返戻対応中の封筒")]
    check(missing in section and e_open not in section, f"reconcile.pdf lists the missing envelope", rec_pdf)
    section = rec_pdf[rec_pdf.index("返戻対応中の封筒"):rec_pdf.index("期限超過・要確認事項")]
    check(e_open in section and e_resent not in section, f"reconcile.pdf lists the open return", rec_pdf)

    # Certificate forms, printed, scanned to image-only PDFs, matched by their QR codes.
    certify = t.certify

    scans = {}
    for b in batches:
        form = tmp / f"{b}-form.pdf"
        run("certificate", "form", b, "--out", form, *t.key("tanaka"))
        check(b in pdftext(form), f"the form names batch {b}")
        scans[b] = image_only_pdf(form, tmp / f"{b}-scanned.pdf", tmp)
        check(pdftext(scans[b]).strip() == "", f"the scan of {b}'s form is image-only")

    # A form printed from another ledger for the same batch id but another manifest is refused.
    other = t.city("other")
    t.demo_run(tmp / "other-run", "--month", "2025-09", "--run-id", "R20250901", city=other)
    other.run("tanaka", "certificate", "form", first, "--out", tmp / "foreign-form.pdf")
    foreign = image_only_pdf(tmp / "foreign-form.pdf", tmp / "foreign-scanned.pdf", tmp)
    check(pdftext(foreign).strip() == "", "the scan of the foreign form is image-only")
    p = certify(foreign, "USB-0001", "Purge", want=1)
    check("carries another manifest digest than the one sealed for this batch" in p.stderr,
          f"a form for another manifest is refused", p.stderr)

    p = certify(scans[first], "USB-0001", "Purge")
    check(f"certificate recorded for batch {first} (matched by the form's QR code)" in p.stderr,
          f"the scanned form is matched to its batch", p.stderr)
    certify(scans[first], "spoilage", "Destroy", "--quantity", "1")
    for b in batches[1:]:
        certify(scans[b], "archive", "Purge")
    report = json.loads(run("reconcile", "--json", *t.key("sato")).stdout)
    check([b["closed"] for b in report["batches"]] == [False] + [True] * (len(batches) - 1),
          "only the batch with a missing envelope stays open", report['batches'][0])
    check(report["batches"][0]["certified"], "every medium of the first batch is certified")

    # The rest comes in: the corrected work log mails the missing envelope.
    run("import", "worklog", write_csv(tmp / "worklog-2.csv", WORKLOG_HEADER, full), *t.key("tanaka"),
        "--supersede", sha256(tmp / "worklog.csv"))
    report = json.loads(run("reconcile", "--json", "--batch", first, *t.key("sato")).stdout)
    check(report["batches"][0]["closed"] and report["batches"][0]["open_returns"] == [e_open],
          "the batch closes; the open return stays listed", report['batches'][0])

    # A second run of the month: reviewed against the first (one case dropped, one amount changed).
    cases = (t.examples / "cases.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in cases if not line.startswith("2025090081,")]
    kept = [line.replace(",D9,2,0,1,decision", ",D9,1,0,1,decision") if line.startswith("2025090072,") else line
            for line in kept]
    (tmp / "cases-2.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    out2 = tmp / "run-2"
    run("run", "--cases", tmp / "cases-2.csv", "--fees", FEES, "--out", out2, *t.key("tanaka"),
        "--month", "2025-09", "--run-id", "R20250915")
    sheet2 = run("review", out2, *t.key("suzuki")).stderr
    check(f"比較対象：実行 {run_id}" in sheet2 and "同じ対象月の前回の実行" in sheet2,
          f"the second run is compared with the first", sheet2)
    check("なくなった：2025090081" in sheet2, f"the dropped case is listed", sheet2)
    changed = [line.split() for line in sheet2.splitlines() if line.strip().startswith("2025090072")]
    check(changed and all(c[2] == "29,000" and c[3] == "58,000" and c[4] == "+29,000" for c in changed),
          "the second child's amount doubles in every month", changed)
    check("金額を料金表で確認していません" in sheet2, "without --fees the sheet says so")

    # The audit chain: intact, then one row edited directly in the file is named.
    verdict = json.loads(run("audit", "verify", "--json").stdout)
    check(verdict["ok"], "audit chain intact")
    db = sqlite3.connect(t.ledger)
    seq = db.execute("SELECT seq FROM audit WHERE command = 'review' ORDER BY seq LIMIT 1").fetchone()[0]
    db.execute("UPDATE audit SET result = 'ok' WHERE seq = ?", (seq,))
    db.execute("UPDATE audit SET user = 'mallory' WHERE seq = ?", (seq,))
    db.commit()
    db.close()
    p = run("audit", "verify", want=1)
    check(f"BROKEN: first at seq {seq}" in p.stderr, f"audit verify names seq {seq}", p.stderr)
    verdict = json.loads(run("audit", "verify", "--json", want=1).stdout)
    check(verdict["first_break"]["seq"] == seq and verdict["first_break"]["kind"] == "edited",
          "the edited record is named", verdict['first_break'])
