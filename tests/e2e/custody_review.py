#!/usr/bin/env python3
"""Review and custody end to end (SPEC §8, §9; issue 5's scenario) with the real binary:
run → review (text + PDF) → approve by the maker (refused) and by an approver → handover →
receipt with a wrong hash (refused) and the right one → work log with one envelope missing and
one spoiled and reprinted → returned mail for two envelopes → reconcile (text, JSON, PDF) lists
exactly the missing envelope and the open returns → certificate forms printed, rasterized with
pdftoppm into image-only PDFs, imported without --batch and matched (a form for another manifest
refused) → the corrected work log closes every batch → a second run of the month is reviewed
against the first → one audit row edited in SQLite → `audit verify` exits 1 naming it.

Usage: custody_review.py /path/to/tsuchi /path/to/source   (TSUCHI_LEDGER: this script's ledger)
"""
import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

TSUCHI, SRC = sys.argv[1], Path(sys.argv[2])
MUNI = SRC / "examples" / "municipality.toml"  # roles: staff tanaka, suzuki; approver sato
FEES = SRC / "examples" / "fees.toml"


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def pdftext(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def image_only_pdf(form, out, tmp, dpi=150):
    """What comes back from the contractor's scanner: the page as a grey image, no text layer."""
    prefix = tmp / (Path(form).stem + "-scan")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-singlefile", str(form), str(prefix)], check=True)
    data = Path(str(prefix) + ".pgm").read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # P5 header: magic, width, height, maxval (comments skipped)
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    w, h = int(fields[1]), int(fields[2])
    pixels = zlib.compress(data[pos + 1:pos + 1 + w * h])
    pw, ph = w * 72 / dpi, h * 72 / dpi
    draw = f"q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Scan Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2f} {ph:.2f}] "
        f"/Resources << /XObject << /Scan 4 0 R >> >> /Contents 5 0 R >>".encode(),
        f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
        f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(pixels)} >>\nstream\n".encode() + pixels + b"\nendstream",
        f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream",
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    pdf += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    pdf += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    Path(out).write_bytes(pdf)
    check(pdftext(out).strip() == "", f"{out} is image-only")
    return out


ledger = Path(os.environ.get("TSUCHI_LEDGER") or tempfile.mktemp(prefix="tsuchi-review-", suffix=".sqlite"))
for leftover in (ledger, Path(f"{ledger}-wal"), Path(f"{ledger}-shm")):
    leftover.unlink(missing_ok=True)
env = dict(os.environ, TSUCHI_LEDGER=str(ledger))


def run(*args, want=0, environ=None):
    p = subprocess.run([TSUCHI, *map(str, args)], capture_output=True, text=True, env=environ or env)
    if p.returncode != want:
        sys.exit(f"FAIL: tsuchi {' '.join(map(str, args))}: exit {p.returncode}, want {want}\n{p.stderr}")
    return p


with tempfile.TemporaryDirectory(prefix="tsuchi-review-") as tmp:
    tmp = Path(tmp)
    out = tmp / "run"
    roles = tmp / "roles.toml"  # sato may approve, and so may the maker: only "never your own run" stops her
    # The whole municipality.toml with other roles: it is read by the one shared reader, every key checked.
    roles.write_text(MUNI.read_text(encoding="utf-8").replace('staff      = ["tanaka", "suzuki"]', 'staff      = ["tanaka"]')
                    .replace('approver   = ["sato"]', 'approver   = ["sato", "yamada"]'), encoding="utf-8")

    run("keygen", "--out", tmp / "city")
    run("run", "--demo", "--out", out, "--as", "sato", "--month", "2025-09", "--run-id", "R20250901",
        "--signing-key", tmp / "city.secret")
    run_id = json.loads((out / "run.json").read_text())["run_id"]
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    batches = [r[0] for r in db.execute("SELECT batch_id FROM batches WHERE run_id = ? ORDER BY position", (run_id,))]
    envelopes = {b: [r[0] for r in db.execute(
        "SELECT envelope_id FROM envelopes WHERE batch_id = ? ORDER BY position", (b,))] for b in batches}
    sheets = {e: s for e, s in db.execute("SELECT envelope_id, sheets FROM envelopes")}
    slips = db.execute("SELECT COUNT(*), SUM(amount) FROM slips WHERE run_id = ?", (run_id,)).fetchone()
    db.close()
    first = batches[0]

    # Review: the same sheet on stdout and in review.txt, a PDF beside it, recorded for approval.
    p = run("approve", out, "--as", "yamada", "--municipality", roles, want=1)
    check(f"run `tsuchi review {out}` first" in p.stderr, f"approve needs the review sheet:\n{p.stderr}")
    p = run("review", out, "--as", "tanaka", "--fees", FEES)
    sheet = (out / "review.txt").read_text()
    check(p.stdout == sheet, "review prints exactly review.txt")
    def value(text, key):  # a "key  value" line of the sheet
        found = [line.strip()[len(key):].strip() for line in text.splitlines() if line.strip().startswith(key + " ")]
        return found[0] if found else None

    check(value(sheet, "run id") == run_id and value(sheet, "made by") == "sato", f"the sheet names the run:\n{sheet}")
    check(value(sheet, "slips (納付書)") == str(slips[0]), f"the sheet counts {slips[0]} slips:\n{sheet}")
    check(f"{slips[1]:,}" in sheet, f"the sheet totals {slips[1]:,} yen")
    check("no earlier run in the ledger" in sheet and "Anomalies (0)" in sheet, "first run, no anomalies")
    pdf = pdftext(out / "review.pdf")
    check(run_id in pdf and f"{slips[1]:,}" in pdf, "review.pdf holds the run id and the total")

    # Approval: never the maker; then an approver, for exactly that sheet.
    p = run("approve", out, "--as", "sato", "--municipality", roles, want=1)
    check(f"user sato made run {run_id}; a second person must approve it" in p.stderr, f"the maker is refused:\n{p.stderr}")
    run("approve", out, "--as", "yamada", "--municipality", roles)

    run("handover", first, "--as", "tanaka", "--municipality", MUNI, "--route", "courier", "--media", "USB-0001")
    for b in batches[1:]:
        run("handover", b, "--as", "tanaka", "--route", "sftp")

    # Receipt: a wrong archive hash refuses the file; the right one is stored.
    rows = [[b, sha256(out / f"{b}.zip"), "2025-09-02T10:00:00+09:00", "desk-1"] for b in batches]
    bad = [r[:] for r in rows]
    bad[0][1] = "f" * 64
    receipt = write_csv(tmp / "receipt-bad.csv", ["batch_id", "archive_sha256", "received_at", "received_by"], bad)
    p = run("import", "receipt", receipt, "--as", "tanaka", want=1)
    check(f"does not match the sealed archive of batch {first}" in p.stderr, f"wrong hash refused:\n{p.stderr}")
    run("import", "receipt", write_csv(tmp / "receipt.csv", ["batch_id", "archive_sha256", "received_at",
                                                              "received_by"], rows), "--as", "tanaka")

    # Work log: the first batch's last envelope is not mailed; its first is spoiled and reprinted.
    missing = envelopes[first][-1]
    spoiled = envelopes[first][0]

    def worklog(all_mailed):
        log = []
        for b in batches:
            for e in envelopes[b]:
                if e == spoiled:
                    log += [[b, e, "spoiled", 1, "2025-09-03T09:00:00+09:00"],
                            [b, e, "reprinted", sheets[e], "2025-09-03T09:05:00+09:00"]]
                log.append([b, e, "inserted", sheets[e], "2025-09-03T10:00:00+09:00"])
                if e != missing or all_mailed:
                    log.append([b, e, "mailed", sheets[e], "2025-09-04T09:00:00+09:00"])
        return log

    header = ["batch_id", "envelope_id", "status", "sheets", "at"]
    run("import", "worklog", write_csv(tmp / "worklog.csv", header, worklog(False)), "--as", "tanaka")

    # Returned mail for two envelopes: one still open, one resent.
    e_open, e_resent = envelopes[first][0], envelopes[first][1]
    run("import", "returns", write_csv(tmp / "returns.csv", ["envelope_id", "reason", "at", "action"], [
        [e_open, "転居先不明", "2025-09-10T11:00:00+09:00", "open"],
        [e_resent, "受取拒絶", "2025-09-10T11:05:00+09:00", "resent"]]), "--as", "suzuki")

    report = json.loads(run("reconcile", "--json", "--pdf", tmp / "reconcile.pdf").stdout)
    listed_missing = [e for b in report["batches"] for e in b["missing"]]
    listed_open = [e for b in report["batches"] for e in b["open_returns"]]
    check(listed_missing == [missing], f"reconcile lists exactly the missing envelope: {listed_missing}")
    check(listed_open == [e_open], f"reconcile lists exactly the open return: {listed_open}")
    check(not any(b["closed"] for b in report["batches"]), "nothing is closed before the certificates")
    rec_pdf = pdftext(tmp / "reconcile.pdf")
    section = rec_pdf[rec_pdf.index("Missing envelopes"):rec_pdf.index("Open returns")]
    check(missing in section and e_open not in section, f"reconcile.pdf lists the missing envelope:\n{rec_pdf}")
    section = rec_pdf[rec_pdf.index("Open returns"):rec_pdf.index("Flags and overdue")]
    check(e_open in section and e_resent not in section, f"reconcile.pdf lists the open return:\n{rec_pdf}")

    # Certificate forms, printed, scanned to image-only PDFs, matched by their QR codes.
    def certify(scan, medium, method, *extra, want=0):
        return run("import", "certificate", scan, "--as", "tanaka", "--medium", medium, "--method", method,
                   "--tool", "nwipe", "--tool-version", "0.34", "--verification", "read-back",
                   "--date", "2025-09-20", "--place", "plant", "--operator", "op-17", "--witness", "w-03",
                   *extra, want=want)

    scans = {}
    for b in batches:
        form = tmp / f"{b}-form.pdf"
        run("certificate", "form", b, "--out", form, "--as", "tanaka", "--municipality", MUNI)
        check(b in pdftext(form), f"the form names batch {b}")
        scans[b] = image_only_pdf(form, tmp / f"{b}-scanned.pdf", tmp)

    # A form printed from another ledger for the same batch id but another manifest is refused.
    other_env = dict(env, TSUCHI_LEDGER=str(tmp / "other-ledger.sqlite"))
    run("run", "--demo", "--out", tmp / "other", "--as", "sato", "--month", "2025-09", "--run-id", "R20250901",
        "--signing-key", tmp / "city.secret", environ=other_env)
    run("certificate", "form", first, "--out", tmp / "foreign-form.pdf", "--as", "tanaka", environ=other_env)
    foreign = image_only_pdf(tmp / "foreign-form.pdf", tmp / "foreign-scanned.pdf", tmp)
    p = certify(foreign, "USB-0001", "Purge", want=1)
    check("carries another manifest digest than the one sealed for this batch" in p.stderr,
          f"a form for another manifest is refused:\n{p.stderr}")

    p = certify(scans[first], "USB-0001", "Purge")
    check(f"certificate recorded for batch {first} (matched by the form's QR code)" in p.stderr,
          f"the scanned form is matched to its batch:\n{p.stderr}")
    certify(scans[first], "spoilage", "Destroy", "--quantity", "1")
    for b in batches[1:]:
        certify(scans[b], "archive", "Purge")
    report = json.loads(run("reconcile", "--json").stdout)
    check([b["closed"] for b in report["batches"]] == [False] + [True] * (len(batches) - 1),
          f"only the batch with a missing envelope stays open: {report['batches'][0]}")
    check(report["batches"][0]["certified"], "every medium of the first batch is certified")

    # The rest comes in: the corrected work log mails the missing envelope.
    run("import", "worklog", write_csv(tmp / "worklog-2.csv", header, worklog(True)), "--as", "tanaka")
    report = json.loads(run("reconcile", "--json", "--batch", first).stdout)
    check(report["batches"][0]["closed"] and report["batches"][0]["open_returns"] == [e_open],
          f"the batch closes; the open return stays listed: {report['batches'][0]}")

    # A second run of the month: reviewed against the first (one case dropped, one amount changed).
    cases = (SRC / "examples" / "cases.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in cases if not line.startswith("2025090081,")]
    kept = [line.replace(",D9,2,0,1,decision", ",D9,1,0,1,decision") if line.startswith("2025090072,") else line
            for line in kept]
    (tmp / "cases-2.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    out2 = tmp / "run-2"
    run("run", "--cases", tmp / "cases-2.csv", "--fees", FEES, "--municipality", MUNI, "--out", out2, "--as", "tanaka",
        "--month", "2025-09", "--run-id", "R20250915", "--signing-key", tmp / "city.secret")
    sheet2 = run("review", out2, "--as", "suzuki").stdout
    check(f"compared with run {run_id}" in sheet2 and "the previous run of the same month" in sheet2,
          f"the second run is compared with the first:\n{sheet2}")
    check("dropped: 2025090081" in sheet2, f"the dropped case is listed:\n{sheet2}")
    changed = [line.split() for line in sheet2.splitlines() if line.strip().startswith("2025090072")]
    check(changed and all(c[2] == "29,000" and c[3] == "58,000" and c[4] == "+29,000" for c in changed),
          f"the second child's amount doubles in every month: {changed}")
    check("amounts NOT checked against the fee schedule" in sheet2, "without --fees the sheet says so")

    # The audit chain: intact, then one row edited directly in the file is named.
    verdict = json.loads(run("audit", "verify", "--json").stdout)
    check(verdict["ok"], "audit chain intact")
    db = sqlite3.connect(ledger)
    seq = db.execute("SELECT seq FROM audit WHERE command = 'review' ORDER BY seq LIMIT 1").fetchone()[0]
    db.execute("UPDATE audit SET result = 'ok' WHERE seq = ?", (seq,))
    db.execute("UPDATE audit SET user = 'mallory' WHERE seq = ?", (seq,))
    db.commit()
    db.close()
    p = run("audit", "verify", want=1)
    check(f"BROKEN: first at seq {seq}" in p.stdout, f"audit verify names seq {seq}:\n{p.stdout}")
    verdict = json.loads(run("audit", "verify", "--json", want=1).stdout)
    check(verdict["first_break"]["seq"] == seq and verdict["first_break"]["kind"] == "edited",
          f"the edited record is named: {verdict['first_break']}")
    print(f"custody review OK: run {run_id}, {len(batches)} batches, {verdict['records']} audit records")
