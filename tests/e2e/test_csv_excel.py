"""CSV for Excel as Japanese offices use it (output_spec/csv.md): insertion.csv and the reconcile tables
read back as Excel reads them, UTF-8 with a BOM by default and CP932 when the pinned [csv] says so, CRLF,
postal codes, months and barcode values written ="…" so Excel keeps them as text, plain numbers left
numbers; the reconcile lists one id a row; a contractor file saved through Excel (CP932, ="…") imports."""
import csv
import io
import re

from harness import BASE_CASE, WORKLOG_HEADER, Test, case_row, cases_csv, excel_csv

BOM = b"\xef\xbb\xbf"
INSERTION_HEADER = b"envelope_id,pages,sheets,postal_code,codes,file,first_page,grams,part\r\n"


def excel_saved(path, header, rows, quoted):
    """A CSV as a clerk's Excel leaves it: CP932, CRLF, the columns in `quoted` typed as ="…" (bare, as
    offices write them) so Excel kept them as text."""
    lines = [",".join(header)] + [",".join('="%s"' % v if h in quoted else str(v) for h, v in zip(header, r))
                                  for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


with Test() as t:
    city = t.city()
    # One household in Sapporo: a postal code with a leading zero, the one Excel turns into 600001.
    cases = t.tmp / "cases.csv"
    cases.write_bytes(cases_csv([case_row(BASE_CASE),
                                 case_row(BASE_CASE, case_id="1002", child_atena_no="500002", guardian_atena_no="400002",
                                          household_no="300002", postal_code="060-0001")]))

    # ---- the defaults: UTF-8 with a BOM, ="…" for the code columns ----
    out = t.tmp / "preview"
    t.run("preview", "--cases", cases, "--fees", t.fees, "--municipality", t.municipality, "--out", out,
          *t.key("tanaka"))
    raw = (out / "insertion.csv").read_bytes()
    t.check(raw.startswith(BOM + INSERTION_HEADER), "insertion.csv opens with the UTF-8 BOM and its header", raw[:120])
    t.check(raw.count(b"\n") == raw.count(b"\r\n") == 3, "CRLF line ends, a header and two envelopes", raw)
    t.check(b',"=""0600001""",' in raw and b',"=""3600012""",' in raw,
            'postal codes written ="0600001" (RFC 4180 quoted): Excel keeps the leading zero', raw)
    rows = excel_csv(raw)
    t.check(sorted(r["postal_code"] for r in rows) == ["0600001", "3600012"], "read as Excel shows them", rows)
    t.check(all(b'"=""' + r["codes"].encode() + b'"""' in raw for r in rows), "each codes cell written as a formula", raw)
    t.check(all(re.fullmatch(rb"PREVIEW/\d{6},\d+,\d+,\"=\"\"\d{7}\"\"\",.*,preview-\d{3}\.pdf,\d+,\d+\.\d,", line)
                for line in raw[len(BOM + INSERTION_HEADER):].split(b"\r\n")[:-1]),
            "ids and file names as text, pages, sheets, first page and grams as plain numbers", raw)

    # ---- [csv] encoding = "cp932", pinned by the supervisor: the same list in Shift_JIS, no BOM ----
    changed = t.tmp / "municipality.toml"
    text = t.municipality_here()
    t.require('encoding   = "utf-8-bom"' in text, "examples/municipality.toml has its [csv] table")
    changed.write_text(text.replace('encoding   = "utf-8-bom"', 'encoding   = "cp932"'), encoding="utf-8")
    t.run("config", "set", "--municipality", changed, *t.key("takahashi"))
    sjis = t.tmp / "preview-sjis"
    t.run("preview", "--cases", cases, "--fees", t.fees, "--municipality", changed, "--out", sjis, *t.key("tanaka"))
    raw2 = (sjis / "insertion.csv").read_bytes()
    t.check(raw2.startswith(INSERTION_HEADER) and raw2 == raw[len(BOM):],
            "with cp932 pinned: the same bytes without the BOM (every value is ASCII)", raw2[:120])
    t.check(excel_csv(raw2) == rows, "... read as CP932, the same rows")

    # ---- reconcile --csv with the pinned CP932: counts in F, the lists one id a row in F-lists.csv ----
    run = t.tmp / "run"
    r = t.demo_run(run, "--municipality", changed)
    first = r.batches[0]
    t.approved(run, r, handed_over=[first])
    # The sealed bag's insertion.csv, as the contractor opens it: CP932, the store barcodes as ="…".
    t.run(*t.open_args(run, first, t.tmp / "opened"))
    bag = (t.tmp / "opened" / first / "data" / "insertion.csv").read_bytes()
    listed = excel_csv(bag)
    gs1 = [c for x in listed for c in x["codes"].split(";") if re.fullmatch(r"\d{44}", c)]
    t.check(not bag.startswith(BOM) and gs1 and len(listed) == len(r.envelopes[first]),
            "the bag's insertion.csv in CP932 lists every envelope, with 44-digit store barcode payloads", listed)
    cells = list(csv.reader(io.StringIO(bag.decode("cp932"), newline="")))  # as written, before Excel
    t.check(all(c[4].startswith('="') for c in cells[1:]) and not any(re.fullmatch(r"\d{16,}", f) for c in cells for f in c),
            "... each codes cell a formula: never a bare 44-digit number Excel shows as 9.1E+43", cells[:3])
    # The work log as the contractor's Excel saved it: CP932, CRLF, ids and times typed as ="…".
    not_mailed = r.envelopes[first][-1]
    log = [x for x in r.worklog(None) if x[0] == first and not (x[1] == not_mailed and x[2] == "mailed")]
    worklog = excel_saved(t.tmp / "worklog.csv", WORKLOG_HEADER, log, {"batch_id", "envelope_id", "at"})
    t.run("import", "worklog", worklog, *t.key("tanaka"))
    table = t.tmp / "reconcile.csv"
    t.run("reconcile", "--batch", first, "--csv", table, *t.key("tanaka"))
    raw3 = table.read_bytes()
    t.check(raw3.startswith(b"batch_id,run_id,month,sealed,mailed,returned,"), "the reconcile table in CP932: no BOM",
            raw3[:80])
    t.check(re.search(rb'\r\n' + first.encode() + rb',R\d{8}(-\d+)?,"=""\d{4}-\d{2}""",', raw3),
            'the month written ="YYYY-MM": Excel does not make it a date', raw3)
    counted = excel_csv(raw3)
    t.check([(c["batch_id"], c["sealed"], c["mailed"], c["missing"]) for c in counted] ==
            [(first, str(len(r.envelopes[first])), str(len(r.envelopes[first]) - 1), "1")],
            "one row per batch, the missing envelopes counted", counted)
    t.check(not_mailed.encode() not in raw3, "no envelope id in the table of counts", raw3)
    lists = t.tmp / "reconcile-lists.csv"
    header, listed = excel_csv(lists, header=True)
    t.check(header == ["batch_id", "list", "item", "due"] and
            [(x["batch_id"], x["item"]) for x in listed if x["list"] == "missing"] == [(first, not_mailed)],
            "reconcile-lists.csv: the missing envelope on a row of its own", listed)

    # ---- kanji in CP932, and a character CP932 lacks: a located error, no file ----
    second = r.batches[1]
    t.run("handover", second, "--route", "courier", "--media", "金庫-1", *t.key("tanaka"))
    t.run("reconcile", "--batch", second, "--csv", t.tmp / "kanji.csv", *t.key("tanaka"))
    kanji = (t.tmp / "kanji-lists.csv").read_bytes()
    t.check("金庫-1".encode("cp932") in kanji and [x["item"] for x in excel_csv(kanji) if x["list"] == "media"] == ["金庫-1"],
            "a kanji medium written in CP932 in the lists", kanji)
    third = r.batches[2]
    t.run("handover", third, "--route", "courier", "--media", "𠮷野USB", *t.key("tanaka"))
    lacking = t.tmp / "lacking.csv"
    p = t.run("reconcile", "--batch", third, "--csv", lacking, *t.key("tanaka"), want=1)
    t.check(re.search(r"lacking-lists\.csv:\d+:3: error: item \"U\+20BB7\": has a character CP932 \(Windows Shift_JIS\) "
                      r"does not have", p.stderr),
            "a medium CP932 cannot hold: an error naming the file, line, column and the character", p.stderr)
    t.check(not lacking.exists() and not (t.tmp / "lacking-lists.csv").exists(), "... and neither file written")
