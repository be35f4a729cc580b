#!/usr/bin/env python3
"""The bad-input catalogue (issue 7): broken inputs of every kind the office or the contractor can
hand tsuchi, each run through the real binary, with the exact lines a user sees on stderr and the
exit code. One row per broken input; adding a case is adding a row to ROWS.

Paths of the scratch folder are shown as $TMP in the expected lines.
Usage: catalogue.py /path/to/tsuchi /path/to/source [--show [NAME...]]
  --show  print what each (or the named) row actually prints, to write a new row
"""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from harness import CASE_HEADER as HEADER, Test, office_time, case_row as case, cases_csv as csv_bytes, ed25519_sign, \
    flip as flip_bytes, forge_release  # noqa: E402

t = Test(name="catalogue")
TSUCHI, SRC = t.tsuchi, t.src
SHOW = "--show" in t.args
ONLY = t.args[t.args.index("--show") + 1:] if SHOW else []
EX = t.examples
CITY = t.tmp / "city"  # t.city(): city.pub, city.secret and each user's NAME.secret (no passphrase)
TANAKA = str(CITY / "tanaka.secret")  # staff: the maker of the run in setup()
SETUP_RUN = t.tmp / "run"  # setup()'s run folder


def cases_csv(*rows, header=HEADER, enc="utf-8"):
    return csv_bytes(rows or [case()], header, encoding=enc)


# Frozen copies of the demo's files (shared with the fuzz seeds), so that the line numbers in the
# messages below stay put when examples/ changes.
CONFIG = t.fixtures / "config"
FEES = (CONFIG / "fees.toml").read_text(encoding="utf-8")
MUNI = (CONFIG / "municipality.toml").read_text(encoding="utf-8").replace('"seal.png"', '"%s"' % (EX / "seal.png"))
BATCH = "R20250901-B001"          # approved and handed over in the setup below
UNHANDED = "R20250901-B002"       # approved, not handed over
ENV = BATCH + "/000001"
T = office_time()  # contractor times come after the handover (issue 12)


class Row:
    """One broken input: the files it writes into $TMP/case, the command, the exit code and the exact
    stderr lines (in this order; other lines may come between them)."""

    def __init__(self, kind, name, files, args, code, lines, max_rss_over_open=None):
        self.kind, self.name, self.files, self.args, self.code, self.lines = kind, name, files, args, code, lines
        # Peak memory allowed above that of opening the real batch (KiB): the limits must hold in memory too.
        self.max_rss_over_open = max_rss_over_open


def validate(kind, name, lines, cases=None, fees=None, muni=None, extra=(), code=1):
    files = {"cases.csv": cases if cases is not None else cases_csv(),
             "fees.toml": fees if fees is not None else FEES.encode(),
             "municipality.toml": muni if muni is not None else MUNI.encode()}
    return Row(kind, name, files, ["validate", "--cases", "@cases.csv", "--fees", "@fees.toml",
                                   "--municipality", "@municipality.toml", *extra], code, lines)


def gaiji(name, lines, map_bytes, cases):
    """validate with municipality.toml naming a 外字 map beside it."""
    pin = 'gaiji_map = "gaiji.csv"\ngaiji_map_sha256 = "%s"\n' % hashlib.sha256(map_bytes).hexdigest()
    row = validate("cases.csv", name, lines, cases=cases, muni=(pin + MUNI).encode())
    row.files["gaiji.csv"] = map_bytes
    return row


def fees_with(old, new):
    assert old in FEES, old
    return FEES.replace(old, new, 1).encode()


def muni_with(old, new):
    assert old in MUNI, old
    return MUNI.replace(old, new, 1).encode()


def imported(kind, name, header, rows, lines, what=None):
    """A contractor file; "{sha}" in a row stands for the SHA-256 of the sealed archive of its batch."""
    def text(tmp):
        out = header + "\n" + "".join(r + "\n" for r in rows)
        if "{sha}" in out:
            out = out.replace("{sha}", hashlib.sha256((tmp / "run" / (out.split("\n")[1].split(",")[0] + ".zip"))
                                                      .read_bytes()).hexdigest())
        return out.encode()
    return Row(kind, name, {"in.csv": text}, ["import", what or kind, "@in.csv", "--key", TANAKA], 1, lines)


def certificate(name, lines, file_bytes=b"%PDF-1.4\n%%EOF\n", code=1, **opts):
    o = dict(batch=BATCH, medium="archive", method="Destroy", tool="shredder", tool_version="2",
             verification="visual", date=T[:10], place="plant", operator="op", witness="wit")
    o.update(opts)
    args = ["import", "certificate", "@cert.pdf", "--key", TANAKA]
    for k, v in o.items():
        if v is not None:
            args += ["--" + k.replace("_", "-"), v]
    return Row("certificate", name, {"cert.pdf": file_bytes}, args, code, lines)


# Run once by setup(): the sealed batch B001 (and its key) that the archive rows break copies of.
def batch_files(change=None):
    """Files of a copy of batch B001, with `change(dict)` applied; open it with `open_args`."""
    def make(setup_dir):
        files = {n: (setup_dir / "run" / n).read_bytes() for n in
                 [BATCH + s for s in (".zip", ".key", ".key.sealed", ".manifest.json", ".manifest.json.sig")]}
        files["city.pub"] = (setup_dir / "city" / "city.pub").read_bytes()
        files["release.json"] = (setup_dir / "run" / "release.json").read_bytes()
        if change:
            change(files)
        return files
    return make


def open_args(*extra):
    return ["open", "--archive", "@" + BATCH + ".zip", "--key", "@" + BATCH + ".key", "--release", "@release.json",
            "--city-key", "@city.pub", "--out", "@out", *extra]


def flip(name, at):
    def change(files):
        files[name] = flip_bytes(files[name], at)
    return change


def replace(name, data):
    def change(files):
        files[name] = data
    return change


def forged_bomb(files, claimed_payload=None):
    """An archive whose one entry unpacks to 64 MiB of zeros, with a manifest the maker signed for it and
    a release the approver signed for that manifest: only insiders could make it, and open must still
    refuse it in bounded memory.
    `claimed_payload` also forges the manifest's payload_bytes, so only --max-bytes is left to stop it."""
    files["bomb"] = claimed_payload or True  # built in run_row, where the keys are at hand


def key_text(kind, b64="AAAA"):
    return ("tsuchi-key: %s\n-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % (kind, b64)).encode()


def sparse(size):
    return ("sparse", size)


LEDGER_INIT = ["ledger", "init", "--ledger", "@new.sqlite", "--city-key", str(CITY / "city.secret"), "--municipality",
               "@municipality.toml", "--supervisor", "takahashi", "--supervisor-key", str(CITY / "takahashi.pub")]
def unregistered(tmp):
    """The refusal of the key in tmp/nobody.*, named by the start of its fingerprint (SHA-256 of the raw key)."""
    import base64
    pem = (tmp / "nobody.pub").read_text().splitlines()
    raw = base64.b64decode("".join(l for l in pem if l and not l.startswith(("tsuchi-key", "-----"))))[-32:]
    return ("tsuchi handover: error: key %s\u2026 is not registered in this ledger: a supervisor registers it with "
            "`tsuchi user add`" % hashlib.sha256(raw).hexdigest()[:16])


REFUSED_RUN = "tsuchi run: the inputs have errors; nothing was rendered or sealed"
V = "tsuchi validate: 1 error(s); nothing may be rendered or sealed from these inputs"

ROWS = [
    # ---- cases.csv: encodings ----
    validate("cases.csv", "UTF-16 file", [
        "$TMP/case/cases.csv: error: the file is UTF-16; save it as UTF-8 (or CP932)", V],
        cases=b"\xff\xfe" + cases_csv().decode().encode("utf-16-le")),
    validate("cases.csv", "a broken UTF-8 byte in a name, read as UTF-8", [
        '$TMP/case/cases.csv:2:3: error: child_name "0x80": these bytes are not valid UTF-8; '
        'if the file is Shift_JIS, read it as CP932', V],
        cases=cases_csv().replace("太郎".encode(), b"\x80"), extra=["--encoding", "utf8"]),
    validate("cases.csv", "UTF-8 file with a BOM read as CP932", [
        "$TMP/case/cases.csv:1: error: the file starts with a UTF-8 byte order mark but was read as CP932; "
        "read it as UTF-8", V],
        cases=b"\xef\xbb\xbf" + cases_csv(), extra=["--encoding", "cp932"]),
    validate("cases.csv", "CP932 file with a lead byte and no trail byte", [
        '$TMP/case/cases.csv:2:3: error: child_name "0x82": these bytes are not valid CP932 (Windows Shift_JIS) text', V],
        cases=cases_csv(enc="cp932").replace("太郎".encode("cp932"), b"\x82"), extra=["--encoding", "cp932"]),
    validate("cases.csv", "neither UTF-8 nor CP932", [
        '$TMP/case/cases.csv:2:3: error: child_name "0xFF": these bytes are not UTF-8 or CP932 text', V],
        cases=cases_csv().replace("太郎".encode(), b"\xff")),
    # ---- cases.csv: structure ----
    validate("cases.csv", "empty file", [
        "$TMP/case/cases.csv: error: the file is empty; it needs a header row naming the columns", V],
        cases=b""),
    validate("cases.csv", "required column missing", [
        '$TMP/case/cases.csv:1: error: postal_code "": required column is missing from the header', V],
        cases=cases_csv(*[[f for h, f in zip(HEADER, case()) if h != "postal_code"]],
                        header=[h for h in HEADER if h != "postal_code"])),
    validate("cases.csv", "quoted field never closed", [
        '$TMP/case/cases.csv:2:24: error: reason "": a quoted field starts here but its closing quote is missing', V],
        cases=cases_csv().rstrip(b"\n") + b'"unclosed\n'),
    validate("cases.csv", "a row with too few fields", [
        "$TMP/case/cases.csv:2: error: the record has 23 fields but the header has 24", V],
        cases=cases_csv(case()[:-1])),
    validate("cases.csv", "a million columns", [
        "$TMP/case/cases.csv:1: error: the record has 1000000 fields, more than the limit of 1000", V],
        cases=b"," * 999999 + b"\n"),
    validate("cases.csv", "one field over 64 KiB", [
        '$TMP/case/cases.csv:2:24: error: reason "": the field is longer than the limit of 64 KiB', V],
        cases=cases_csv(case(reason="あ" * 30000))),
    validate("cases.csv", "a 2 GB line (sparse file, refused by its size)", [
        "$TMP/case/cases.csv: error: the file is larger than the limit of 1 GiB; split the extract into smaller files", V],
        cases=sparse(2 << 30)),
    # ---- cases.csv: values ----
    validate("cases.csv", "duplicate case_id", [
        '$TMP/case/cases.csv:3:1: error: case_id "1001": duplicates the case_id on line 2',
        '$TMP/case/cases.csv:3: error: case_id "1001": gives the same payment reference as case 1001 (line 2); '
        'use distinct numeric case ids',
        "tsuchi validate: 2 error(s); nothing may be rendered or sealed from these inputs"],
        cases=cases_csv(case(), case(child_atena_no="500002", child_order="2"))),
    validate("cases.csv", "postal code of 6 digits", [
        '$TMP/case/cases.csv:2:7: error: postal_code "360-001": must be 7 digits, like 360-0012', V],
        cases=cases_csv(case(postal_code="360-001"))),
    validate("cases.csv", "postal code in full-width digits", [
        '$TMP/case/cases.csv:2:7: error: postal_code "３６０-００１２": must be written with ASCII digits 0-9, '
        'not full-width digits: 7 digits, like 360-0012', V],
        cases=cases_csv(case(postal_code="３６０-００１２"))),
    validate("cases.csv", "a day that does not exist", [
        '$TMP/case/cases.csv:2:4: error: child_birth_date "2021-02-30": is not a date in the calendar', V],
        cases=cases_csv(case(child_birth_date="2021-02-30"))),
    validate("cases.csv", "period_end before period_start", [
        '$TMP/case/cases.csv:2:23: error: period_end "2025-03": is before period_start 2025-04', V],
        cases=cases_csv(case(period_end="2025-03"))),
    validate("cases.csv", "unknown certification_type", [
        '$TMP/case/cases.csv:2:12: error: certification_type "4": must be 1, 2 or 3', V],
        cases=cases_csv(case(certification_type="4"))),
    validate("cases.csv", "care_need missing for type 3", [
        '$TMP/case/cases.csv:2:13: error: care_need "": is required for certification_type 2 and 3: standard or short', V],
        cases=cases_csv(case(care_need=""))),
    validate("cases.csv", "unknown bracket", [
        '$TMP/case/cases.csv:2:16: error: bracket "Z9": not in the schedule in force from 2025-04 ($TMP/case/fees.toml line 41)', V],
        cases=cases_csv(case(bracket="Z9"))),
    validate("cases.csv", "a tab inside a name", [
        '$TMP/case/cases.csv:2:3: error: child_name "U+0009": contains a control character (a tab or line break), '
        'which cannot be printed', V],
        cases=cases_csv(case(child_name="熊谷\t太郎"))),
    validate("cases.csv", "a My Number in the address", [
        '$TMP/case/cases.csv:2:8: error: address "1234********": holds a My Number; '
        'a My Number must never be printed or stored', V],
        cases=cases_csv(case(address="熊谷市上之123456789018"))),
    validate("cases.csv", "one guardian, two addresses", [
        '$TMP/case/cases.csv:3:8: error: address "": differs from line 2, which has the same guardian_atena_no 400001 '
        '(one guardian gets one envelope)', V],
        cases=cases_csv(case(), case(case_id="1002", child_atena_no="500002", child_order="2",
                                     address="熊谷市末広1-1"))),
    validate("cases.csv", "a character no configured font has", [
        '$TMP/case/cases.csv:2:3: error: child_name "U+0E01": case 1001: no configured font can draw this character', V],
        cases=cases_csv(case(child_name="熊谷　\u0e01"))),
    # ---- cases.csv: rules of issue 13 (age class, 副食費 exemption, 変更前, 口座振替, eL, 外字) ----
    validate("cases.csv", "a child of the 3歳児クラス certified 3号", [
        '$TMP/case/cases.csv:2:12: error: certification_type "3": case 1001: 3号 is for the 0-2歳児クラス, but in '
        '2025年度 (age on 2025-04-01) the child is in the 3歳児クラス; certify 1号 or 2号 for that 年度', V],
        cases=cases_csv(case(child_birth_date="2022-04-01"))),
    validate("cases.csv", "a child of the 2歳児クラス certified 2号, configured as a warning", [
        '$TMP/case/cases.csv:2:12: warning: certification_type "2": case 1001: 2号 starts at the 3歳児クラス, but in '
        '2025年度 (age on 2025-04-01) the child is in the 2歳児クラス; certify 3号 for that 年度',
        "tsuchi validate: 1 case(s) OK with 1 warning(s)"],
        cases=cases_csv(case(certification_type="2")),
        muni=muni_with("allow_plain_ivs = false", 'allow_plain_ivs = false\ncertification_age = "warning"'), code=0),
    validate("cases.csv", "side_dish_exempt 0 in a bracket fees.toml exempts", [
        '$TMP/case/cases.csv:2:18: error: side_dish_exempt "0": case 1001: bracket A is exempt from 副食費 in the fee '
        'schedule in force from 2025-04; set side_dish_exempt to 1, or correct the bracket', V],
        cases=cases_csv(case(certification_type="2", child_birth_date="2021-05-10", bracket="A")),
        fees=FEES.replace('code = "A"', 'code = "A"\n  side_dish_exempt = true').encode()),
    validate("cases.csv", "変更前 on a decision notice", [
        '$TMP/case/cases.csv:2:25: error: previous_bracket "D1": only a change notice (notice_kind change) shows '
        '変更前; leave it empty for a decision', V],
        cases=cases_csv(case() + ["D1"], header=HEADER + ["previous_bracket"])),
    validate("cases.csv", "a previous bracket no schedule has", [
        '$TMP/case/cases.csv:2:25: error: previous_bracket "Z9": not in the schedule in force from 2025-04 '
        '($TMP/case/fees.toml line 41)', V],
        cases=cases_csv(case(notice_kind="change") + ["Z9"], header=HEADER + ["previous_bracket"])),
    validate("cases.csv", "an account number with a hyphen (never quoted)", [
        '$TMP/case/cases.csv:2:25: error: transfer_account "": must be the account number in ASCII digits 0-9 '
        '(at most 20)', V],
        cases=cases_csv(case(cash_payment="0") + ["123-4567"], header=HEADER + ["transfer_account"])),
    validate("cases.csv", "eL-QR values that match neither one nor the slips", [
        '$TMP/case/cases.csv:2:25: error: el_qr "": case 1001: has 2 values separated by \';\' but the case has 3 '
        'slip(s); give one value, or one per slip in month order', V],
        cases=cases_csv(case(bracket="D9") + ["QR-04;QR-05"], header=HEADER + ["el_qr"])),
    validate("cases.csv", "a private-use character (外字) and no 外字 map", [
        '$TMP/case/cases.csv:2:6: error: guardian_name "U+E123": case 1001: a private-use character (外字); no 外字 '
        'map is configured (municipality.toml gaiji_map)', V],
        cases=cases_csv(case(guardian_name="熊谷　\ue123子"))),
    gaiji("a private-use character the 外字 map lacks", [
        '$TMP/case/cases.csv:2:3: error: child_name "U+E001": case 1001: a private-use character (外字); the 外字 '
        'map $TMP/case/gaiji.csv has no row for it', V],
        b"pua,ucs,ivs\nU+E000,U+9AD9,\n", cases_csv(case(child_name="\ue000橋　\ue001"))),
    gaiji("a 外字 map row mapping to another private-use character", [
        '$TMP/case/gaiji.csv:3:2: error: ucs "U+E002": must be a standard (not private-use) character written like '
        'U+9AD9', V],
        b"pua,ucs,ivs\nU+E000,U+9AD9,\nU+E001,U+E002,\n", cases_csv(case(child_name="\ue000橋　太郎"))),
    # ---- fees.toml ----
    validate("fees.toml", "not TOML", [
        "$TMP/case/fees.toml:1:9: error: not valid TOML: Error while parsing key-value pair: "
        "encountered end-of-file", V],
        fees=b"schedule"),
    validate("fees.toml", "no schedule", [
        '$TMP/case/fees.toml: error: schedule "": is required: at least one [[schedule]] table', V],
        fees=b"title = \"fees\"\n"),
    validate("fees.toml", "rounding in quotes", [
        '$TMP/case/fees.toml:5:12: error: schedule[1].rounding "10": must be a whole number of yen, 1 or more '
        '(a whole number, without quotes)', V],
        fees=fees_with("rounding = 10", 'rounding = "10"')),
    validate("fees.toml", "child-order factor above 1", [
        '$TMP/case/fees.toml:6:28: error: schedule[1].child_order_factor[2] "1.5": must be a number from 0 to 1', V],
        fees=fees_with("[1.0, 0.5, 0.0]", "[1.0, 1.5, 0.0]")),
    validate("fees.toml", "negative fee", [
        '$TMP/case/fees.toml:12:14: error: schedule[1].bracket[1].standard "-1": must be a whole number of yen, 0 or more', V],
        fees=fees_with("standard = 0", "standard = -1")),
    validate("fees.toml", "tables nested 50,000 deep", [
        "$TMP/case/fees.toml: error: more than 4096 of the characters . [ { : a configuration file is far smaller, "
        "and tables nested that deep would crash the TOML reader", V],
        fees=("[a" + ".a" * 50000 + "]\n").encode()),
    validate("fees.toml", "a 2 GB file (sparse)", [
        "$TMP/case/fees.toml: error: the file is larger than the limit of 16 MiB; this is not a configuration file", V],
        fees=sparse(2 << 30)),
    # ---- municipality.toml ----
    validate("municipality.toml", "GS1 issuer code of 5 digits", [
        '$TMP/case/municipality.toml:26:20: error: collection.gs1_issuer_code "91234": must be 6 digits, '
        'like "912345" (the GS1 company prefix without its leading 4)', V],
        muni=muni_with('"912345"', '"91234"')),
    validate("municipality.toml", "store ceiling above the barcode's 6 digits", [
        '$TMP/case/municipality.toml:28:20: error: collection.store_ceiling "1000000": must be a whole number of yen '
        "from 1 to 999999 (the barcode's amount has 6 digits)", V],
        muni=muni_with("store_ceiling    = 300000", "store_ceiling    = 1000000")),
    validate("municipality.toml", "office hours ending before they start", [
        '$TMP/case/municipality.toml:41:9: error: office_hours.end "07:00": office hours must end after they start', V],
        muni=muni_with('end   = "17:15"', 'end   = "07:00"')),
    validate("municipality.toml", "a holiday that does not exist", [
        '$TMP/case/municipality.toml:57:3: error: holidays.dates[1] "2024-02-30": must be a date in the calendar, '
        'written "YYYY-MM-DD"', V],
        muni=muni_with('"2024-01-01"', '"2024-02-30"')),
    validate("municipality.toml", "slips due in a year the holiday list leaves out", [
        '$TMP/case/municipality.toml: error: holidays.dates "2028": no holiday listed in 2028, where the due dates '
        "of 3 month(s) of cash payment fall (the first: case 1001, billed 2028-01); list that year's national "
        "holidays (Cabinet Office list), or its holidays would count as business days", V],
        cases=cases_csv(case(period_start="2028-01", period_end="2028-03", child_birth_date="2026-05-10"))),
    validate("municipality.toml", "no [contact] table", [
        '$TMP/case/municipality.toml: error: contact "": is required: a [contact] table', V],
        muni=muni_with("[contact]", "[contact_]")),
    # `tsuchi ledger init` (and `config set`) pin the file in the ledger, through the same reader.
    Row("municipality.toml", "tables nested 50,000 deep, pinned in a new ledger",
        {"municipality.toml": ("[a" + ".a" * 50000 + "]\n").encode()}, LEDGER_INIT, 1, [
        "$TMP/case/municipality.toml: error: more than 4096 of the characters . [ { : a configuration file is far "
        "smaller, and tables nested that deep would crash the TOML reader"]),
    Row("municipality.toml", "a 2 GB file (sparse), pinned in a new ledger", {"municipality.toml": sparse(2 << 30)},
        LEDGER_INIT, 1, [
        "$TMP/case/municipality.toml: error: the file is larger than the limit of 16 MiB; this is not a configuration file"]),
    # ---- work log ----
    imported("worklog", "unknown status and negative sheets", "batch_id,envelope_id,status,sheets,at",
             ["%s,%s,lost,-1,%s" % (BATCH, ENV, T)], [
        '$TMP/case/in.csv:2:3: error: status "lost": must be one of inserted, reprinted, spoiled, mailed',
        '$TMP/case/in.csv:2:4: error: sheets "-1": must be a whole number of sheets, 0 or more',
        "tsuchi import worklog: refused"]),
    imported("worklog", "an envelope of another batch", "batch_id,envelope_id,status,sheets,at",
             ["%s,%s/000001,mailed,2,%s" % (BATCH, UNHANDED, T)], [
        '$TMP/case/in.csv:2:2: error: envelope_id "%s/000001": not an envelope of batch %s' % (UNHANDED, BATCH),
        "tsuchi import worklog: refused"]),
    imported("worklog", "a time without its offset", "batch_id,envelope_id,status,sheets,at",
             ["%s,%s,mailed,2,2025-09-03T10:15:00" % (BATCH, ENV)], [
        '$TMP/case/in.csv:2:5: error: at "2025-09-03T10:15:00": must be an ISO-8601 time with its offset, '
        'e.g. 2025-09-03T10:15:00+09:00',
        "tsuchi import worklog: refused"]),
    imported("worklog", "the status column missing", "batch_id,envelope_id,sheets,at",
             ["%s,%s,2,%s" % (BATCH, ENV, T)], [
        "$TMP/case/in.csv:1: error: missing column status", "tsuchi import worklog: refused"]),
    Row("worklog", "a million columns", {"in.csv": b"batch_id" + b",x" * 999999 + b"\n"},
        ["import", "worklog", "@in.csv", "--key", TANAKA], 1, [
        "$TMP/case/in.csv:1: error: the record has 1000000 fields, more than the limit of 1000",
        "tsuchi import worklog: refused"]),
    Row("worklog", "a 2 GB line (sparse file)", {"in.csv": sparse(2 << 30)},
        ["import", "worklog", "@in.csv", "--key", TANAKA], 1, [
        "$TMP/case/in.csv: error: the file is larger than the limit of 128 MiB", "tsuchi import worklog: refused"]),
    # ---- returns ----
    imported("returns", "a reason the post office does not use", "envelope_id,reason,at",
             ["%s,lost,%s" % (ENV, T)], [
        '$TMP/case/in.csv:2:2: error: reason "lost": must be one of あて所に尋ねあたりません, 転居先不明, 受取拒絶, '
        "保管期間経過, あて名不完全 (or its code, see contractor-files.md)", "tsuchi import returns: refused"]),
    imported("returns", "an unknown follow-up action", "envelope_id,reason,at,action",
             ["%s,refused,%s,burnt" % (ENV, T)], [
        '$TMP/case/in.csv:2:4: error: action "burnt": must be one of open, resent, handed_over, public_notice',
        "tsuchi import returns: refused"]),
    imported("returns", "an envelope the ledger does not know", "envelope_id,reason,at",
             ["R20990101-B001/000001,refused,%s" % T], [
        '$TMP/case/in.csv:2:1: error: envelope_id "R20990101-B001/000001": no such envelope in the ledger',
        "tsuchi import returns: refused"]),
    imported("returns", "a row with an extra field", "envelope_id,reason,at",
             ["%s,refused,%s,x" % (ENV, T)], [
        "$TMP/case/in.csv:2: error: the record has 4 fields but the header has 3", "tsuchi import returns: refused"]),
    # ---- receipt ----
    imported("receipt", "an archive hash that does not match", "batch_id,archive_sha256,received_at,received_by",
             ["%s,%s,%s,desk-1" % (BATCH, "0" * 64, T)], [
        '$TMP/case/in.csv:2:2: error: archive_sha256 "%s": does not match the sealed archive of batch %s' % ("0" * 64, BATCH),
        "tsuchi import receipt: refused"]),
    imported("receipt", "a batch not handed over yet", "batch_id,archive_sha256,received_at,received_by",
             ["%s,{sha},%s,desk-1" % (UNHANDED, T)], [
        '$TMP/case/in.csv:2:1: error: batch_id "%s": batch %s has not been approved and handed over (tsuchi approve, '
        'tsuchi handover): evidence for it is refused' % (UNHANDED, UNHANDED),
        "tsuchi import receipt: refused"]),
    imported("worklog", "a batch not handed over yet", "batch_id,envelope_id,status,sheets,at",
             ["%s,%s/000001,mailed,2,%s" % (UNHANDED, UNHANDED, T)], [
        '$TMP/case/in.csv:2:1: error: batch_id "%s": batch %s has not been approved and handed over (tsuchi approve, '
        'tsuchi handover): evidence for it is refused' % (UNHANDED, UNHANDED),
        "tsuchi import worklog: refused"]),
    imported("worklog", "a time before the handover", "batch_id,envelope_id,status,sheets,at",
             ["%s,%s,mailed,2,2020-01-06T09:00:00+09:00" % (BATCH, ENV)], [
        '$TMP/case/in.csv:2:5: error: at "2020-01-06T00:00:00Z": before the batch was handed over (tsuchi handover)',
        "tsuchi import worklog: refused"]),
    imported("worklog", "a time in the future", "batch_id,envelope_id,status,sheets,at",
             ["%s,%s,mailed,2,2099-01-06T09:00:00+09:00" % (BATCH, ENV)], [
        '$TMP/case/in.csv:2:5: error: at "2099-01-06T00:00:00Z": in the future: later than the ledger\'s clock allows (10 minutes\' tolerance)',
        "tsuchi import worklog: refused"]),
    imported("receipt", "a quoted field never closed", "batch_id,archive_sha256,received_at,received_by",
             ['%s,"abc,%s,desk-1' % (BATCH, T)], [
        '$TMP/case/in.csv:2:2: error: archive_sha256 "": a quoted field starts here but its closing quote is missing', "tsuchi import receipt: refused"]),
    # ---- certificate import arguments ----
    certificate("a day that does not exist", [
        '$TMP/case/cert.pdf: error: --date "2025-02-30": must be a date YYYY-MM-DD',
        "tsuchi import certificate: refused"], date="2025-02-30"),
    certificate("spoilage without a quantity", [
        '$TMP/case/cert.pdf: error: --quantity "": required for the spoilage medium: the number of sheets destroyed',
        "tsuchi import certificate: refused"], medium="spoilage"),
    certificate("a batch the ledger does not know", [
        '$TMP/case/cert.pdf: error: --batch "R20990101-B001": no such batch in the ledger',
        "tsuchi import certificate: refused"], batch="R20990101-B001"),
    certificate("no --batch and no form code in the file", [
        "$TMP/case/cert.pdf: error: no certificate-form QR code found in the file: pass --batch",
        "tsuchi import certificate: refused"], batch=None),
    certificate("any file as the form (no QR code for the batch)", [
        "$TMP/case/cert.pdf: error: no certificate-form QR code for batch %s in the file: scan the filled-in form "
        "printed by `tsuchi certificate form`, or a supervisor accepts it with --no-form-code --reason TEXT" % BATCH,
        "tsuchi import certificate: refused"], file_bytes=b"tsuchi-host\n"),
    certificate("a medium never handed over", [
        '$TMP/case/cert.pdf: error: --medium "USB-666": no medium of that id was handed over with batch %s: use '
        'archive or spoilage' % BATCH,
        "tsuchi import certificate: refused"], medium="USB-666"),
    certificate("an empty certificate file", [
        "$TMP/case/cert.pdf: error: the certificate file is empty", "tsuchi import certificate: refused"],
        file_bytes=b""),
    certificate("a 2 GB certificate file (sparse)", [
        "$TMP/case/cert.pdf: error: the file is larger than the limit of 64 MiB", "tsuchi import certificate: refused"],
        file_bytes=sparse(2 << 30)),
    certificate("a blank witness", [
        '$TMP/case/cert.pdf: error: --witness " ": required', "tsuchi import certificate: refused"], witness=" "),
    # ---- archives given to open ----
    Row("archive", "one byte changed in the middle of the archive", batch_files(flip(BATCH + ".zip", 1500)),
        open_args(), 1, [
        "$TMP/case/%s.zip: error: archive SHA-256 does not match the signed manifest: the archive was changed or damaged" % BATCH,
        "tsuchi open: refused; nothing was extracted"]),
    Row("archive", "the archive truncated by one byte", batch_files(lambda f: f.update({BATCH + ".zip": f[BATCH + ".zip"][:-1]})),
        open_args(), 1, [
        "$TMP/case/%s.zip: error: archive SHA-256 does not match the signed manifest: the archive was changed or damaged" % BATCH,
        "tsuchi open: refused; nothing was extracted"]),
    Row("archive", "one byte changed in the manifest", batch_files(flip(BATCH + ".manifest.json", 40)),
        open_args(), 1, [
        lambda tmp: manifest_not_released(tmp, 40),
        "tsuchi open: refused; nothing was extracted"]),
    Row("archive", "no signature beside the manifest",
        batch_files(lambda f: f.pop(BATCH + ".manifest.json.sig")), open_args(), 1, [
        "$TMP/case/%s.manifest.json.sig: error: cannot read the file: No such file or directory" % BATCH,
        "tsuchi open: refused; nothing was extracted"]),
    Row("archive", "a wrong passphrase", batch_files(replace(BATCH + ".key", b"A" * 43 + b"\n")), open_args(), 1, [
        "$TMP/case/%s.zip: error: wrong passphrase" % BATCH, "tsuchi open: refused; nothing was extracted"]),
    Row("archive", "a passphrase file that is not one line of text",
        batch_files(replace(BATCH + ".key", b"\x00\x01binary\n")), open_args(), 1, [
        "$TMP/case/%s.key: error: not a passphrase file: one line of printable ASCII expected" % BATCH,
        "tsuchi open: refused; nothing was extracted"]),
    Row("archive", "a file not named .zip", batch_files(), ["open", "--archive", "@" + BATCH + ".key", "--key",
                                                           "@" + BATCH + ".key", "--release", "@release.json",
                                                           "--city-key", "@city.pub", "--out", "@out"], 1, [
        "$TMP/case/%s.key: error: the archive's name must end in .zip (B.zip beside B.manifest.json)" % BATCH,
        "tsuchi open: refused; nothing was extracted"]),
    Row("archive", "a zip bomb signed and released by insiders (64 MiB of zeros in 64 KiB)", batch_files(forged_bomb),
        open_args(), 1, [
        lambda tmp: bomb_limit(tmp), "tsuchi open: refused; nothing was extracted"], max_rss_over_open=32 << 10),
    Row("archive", "a zip bomb whose signed manifest claims 1 GiB of payload, opened with --max-bytes 16 MiB",
        batch_files(lambda f: forged_bomb(f, 1 << 30)), open_args("--max-bytes", "16777216"), 1, [
        "$TMP/case/%s.zip: error: entries unpack to more than the limit of 16777216 bytes" % BATCH,
        "tsuchi open: refused; nothing was extracted"], max_rss_over_open=32 << 10),
    # ---- identity (SPEC §13): who acts is the registered owner of --key; roles are the ledger's ----
    Row("identity", "--as on approve", {}, ["approve", "@.", "--as", "sato"], 1, [
        "tsuchi approve: --as is gone: the acting user is the registered owner of --key"]),
    Row("identity", "a roles file on approve", {"roles.toml": b'[roles]\napprover = ["tanaka"]\n'},
        ["approve", "@.", "--key", TANAKA, "--municipality", "@roles.toml"], 1, [
        "tsuchi approve: --municipality $TMP/case/roles.toml: roles come from the ledger, never from a file on the "
        "command line"]),
    Row("identity", "no key", {}, ["handover", BATCH], 1, [
        "tsuchi handover: error: no key: give --key ME.secret or set $TSUCHI_KEY (handover acts as the registered "
        "owner of that key)"]),
    Row("identity", "a key nobody registered", {"nobody.secret": lambda tmp: (tmp / "nobody.secret").read_bytes()},
        ["handover", UNHANDED, "--key", "@nobody.secret"], 1, [unregistered]),
    Row("identity", "a staff key on approve", {}, ["approve", str(SETUP_RUN), "--key", TANAKA], 1, [
        "tsuchi approve: error: tanaka holds the staff role; approve needs the approver role"]),
    Row("identity", "a ledger in memory", {}, ["handover", UNHANDED, "--key", TANAKA, "--ledger", ":memory:"], 1, [
        ":memory:: error: not a ledger file: an in-memory or URI database keeps no evidence; create one with "
        "`tsuchi ledger init`"]),
    Row("identity", "run --signing-key", {}, ["run", "--demo", "--out", "@run", "--key", TANAKA, "--signing-key",
                                               str(CITY / "city.secret")], 1, [
        "tsuchi run: --signing-key is gone: the maker's --key signs the manifests"]),
    Row("identity", "a staff key on void", {}, ["void", "R20250901", "--reason", "made in error", "--key", TANAKA], 1, [
        "tsuchi void: error: tanaka holds the staff role; void needs the approver or supervisor role"]),
    Row("identity", "run into a folder that is not empty", {"notes.txt": b"someone's notes\n"},
        ["run", "--demo", "--out", "@", "--key", TANAKA], 1, [
        "tsuchi run: --out $TMP/case is not empty: each run goes into a new, empty folder"]),
    Row("identity", "open without a release", batch_files(), [a for a in open_args() if a not in ("--release", "@release.json")],
        1, ["tsuchi open: refused: no release: pass --release RUN_DIR/release.json"]),
    Row("identity", "open with --public-key", batch_files(), open_args("--public-key", "@city.pub"), 1, [
        "tsuchi open: refused: --public-key is gone: pin the city's key with --city-key city.pub (the manifests are "
        "signed by their maker, whom the release names)"]),
    # ---- key files ----
    Row("keys", "a contractor key given as the maker's key", {"con.pub": lambda tmp: (tmp / "contractor.pub").read_bytes()},
        ["run", "--cases", EX / "cases.csv", "--fees", EX / "fees.toml", "--municipality", EX / "municipality.toml",
         "--out", "@run", "--key", "@con.pub"], 1, [
        '$TMP/case/con.pub: error: "contractor-public": is a contractor-public key, '
        "expected a user secret key (Ed25519)"]),
    Row("keys", "a signing public key that is not base64", {"city.pub": key_text("signing-public", "!!!!")},
        ["open", "--archive", "@b/%s.zip" % BATCH, "--key", "@b/%s.key" % BATCH, "--release", "@b/release.json",
         "--city-key", "@city.pub", "--out", "@out"], 1, [
        '$TMP/case/city.pub: error: not a city signing public key (Ed25519) (expected PEM "PUBLIC KEY")',
        "tsuchi open: refused; nothing was extracted"]),
    Row("keys", "an empty contractor secret key", {"con.secret": b""},
        ["open", "--archive", "@b/%s.zip" % BATCH, "--secret-key", "@con.secret", "--release", "@b/release.json",
         "--city-key", "@b/city.pub", "--out", "@out"], 1, [
        '$TMP/case/con.secret: error: not a contractor secret key (X25519) (expected PEM "PRIVATE KEY")',
        "tsuchi open: refused; nothing was extracted"]),
]


def setup(tmp):
    """A ledger with run R20250901 (three batches): B001 approved and handed over, B002 approved.
    Returns what the ledger holds about the run."""
    record = t.approved(tmp / "run", t.demo_run(tmp / "run", "--run-id", "R20250901", contractor=True),
                        handed_over=[BATCH])
    t.run("keygen", "--kind", "user", "--no-passphrase", "--out", tmp / "nobody")
    return record


def retarget(rows, old, new):
    """Rows naming envelope `old` name `new` instead (B001's first envelope is <id>-1 when the demo's first
    household is mailed as a split mailing, output_spec/insertion.md)."""
    def swap(v):
        if isinstance(v, bytes):
            return v.replace(old.encode(), new.encode())
        if callable(v):
            return lambda tmp, made=v: swap(made(tmp))
        return v.replace(old, new) if isinstance(v, str) else v
    for r in rows:
        if not callable(r.files):
            r.files = {k: swap(v) for k, v in r.files.items()}
        r.args = [swap(a) for a in r.args]
        r.lines = [swap(l) for l in r.lines]


def make_bomb(files, tmp):
    """Replaces B001's archive with one encrypted entry of 64 MiB of zeros and re-signs the manifest with the
    city key (the forgery only an insider could make), using 7-Zip and OpenSSL as an attacker would."""
    import json
    work = tmp / "bomb"
    shutil.rmtree(work, ignore_errors=True)
    (work / BATCH).mkdir(parents=True)
    with open(work / BATCH / "bagit.txt", "wb") as f:
        f.truncate(64 << 20)
    passphrase = files[BATCH + ".key"].decode().strip()
    subprocess.run(["7z", "a", "-tzip", "-mem=AES256", "-mx=9", "-p" + passphrase, str(work / "b.zip"), BATCH],
                   cwd=work, check=True, capture_output=True)
    z = (work / "b.zip").read_bytes()
    m = json.loads(files[BATCH + ".manifest.json"])
    m["archive_sha256"], m["archive_bytes"] = hashlib.sha256(z).hexdigest(), len(z)
    if files["bomb"] is not True:
        m["payload_bytes"] = files["bomb"]
    text = (json.dumps(m, indent=2, ensure_ascii=False) + "\n").encode()
    sig = bytes.fromhex(ed25519_sign(TANAKA, text, work))  # the maker signs the forged manifest

    def listing(r):  # ... and the approver releases it, under a sequence of its own
        for b in r["request"]["batches"]:
            if b["batch_id"] == BATCH:
                b["manifest_sha256"] = hashlib.sha256(text).hexdigest()
        r["approval"]["sequence"] += 100
    (work / "r.json").write_bytes(files["release.json"])
    release = forge_release(work / "r.json", work / "release.json", TANAKA, CITY / "sato.secret", work, listing)
    files.update({BATCH + ".zip": z, BATCH + ".manifest.json": text, BATCH + ".manifest.json.sig": sig,
                  "release.json": release.read_bytes()})
    del files["bomb"]


def run_row(row, tmp, env):
    """Runs one row in a fresh $TMP/case; returns exit code, normalised stderr lines, files left in
    $TMP/case/out, and the peak RSS of the tsuchi process in KiB."""
    d = tmp / "case"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    files = row.files(tmp) if callable(row.files) else dict(row.files)
    if files.get("bomb"):
        make_bomb(files, tmp)
    if row.kind == "keys":  # key rows open (a copy of) the real batch B001
        (d / "b").mkdir()
        for n, data in batch_files()(tmp).items():
            (d / "b" / n).write_bytes(data)
    for name, data in files.items():
        if callable(data):
            data = data(tmp)
        if isinstance(data, tuple) and data[0] == "sparse":
            with open(d / name, "wb") as f:
                f.truncate(data[1])  # no blocks written: the reader must refuse it by its size
            continue
        (d / name).write_bytes(data)
    args = [str(d / a[1:]) if isinstance(a, str) and a.startswith("@") else str(a) for a in row.args]
    with open(d / ".stderr", "wb") as err:
        proc = subprocess.Popen([TSUCHI, *args], cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = (d / ".stderr").read_bytes().decode("utf-8", "replace").replace(str(d), "$TMP/case")
    extracted = list((d / "out").rglob("*")) if (d / "out").exists() else []
    return proc.returncode, text.splitlines(), extracted, usage.ru_maxrss


def expected_lines(row, tmp):
    return [line(tmp) if callable(line) else line for line in row.lines]


def bomb_limit(tmp):
    import json
    m = json.loads((tmp / "run" / (BATCH + ".manifest.json")).read_text())
    return ("$TMP/case/%s.zip: error: entries unpack to more than the signed manifest allows (%d payload bytes and "
            "64 KiB + 1 KiB a file for tag files): a zip bomb, or a forged archive" % (BATCH, m["payload_bytes"]))


def manifest_not_released(tmp, at):
    """The line naming a manifest changed at byte AT: its digest is not the one the release lists."""
    import json
    m = (tmp / "run" / (BATCH + ".manifest.json")).read_bytes()
    listed = [b["manifest_sha256"] for b in json.loads((tmp / "run" / "release.json").read_text())["request"]["batches"]
              if b["batch_id"] == BATCH][0]
    return ('$TMP/case/%s.manifest.json: error: "%s": its SHA-256 differs from the one $TMP/case/release.json lists '
            "for %s (%s): the manifest was changed, or the batch was sealed again after the approval"
            % (BATCH, hashlib.sha256(flip_bytes(m, at)).hexdigest(), BATCH, listed))


def in_order(expected, got):
    i = 0
    for line in got:
        if i < len(expected) and line == expected[i]:
            i += 1
    return i == len(expected)


def main():
    tmp, env = t.tmp, t.env
    t.quiet = SHOW
    first = setup(tmp).envelopes[BATCH][0]
    if first != ENV:
        retarget(ROWS, ENV, first)
    # Peak memory of opening the real batch B001, the baseline for rows that bound memory.
    good = Row("archive", "baseline", batch_files(), open_args(), 0, [])
    _, _, _, baseline_rss = run_row(good, tmp, env)
    kinds = {}
    for row in ROWS:
        if ONLY and row.name not in ONLY:
            continue
        # ru_maxrss counts from the fork, so it never reads below this script's own size: a floor, which
        # the baseline shares; a bomb that unpacked would still stand 64 MiB above it.
        code, lines, extracted, rss = run_row(row, tmp, env)
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
        if SHOW:
            print("== %s / %s: exit %d, peak RSS %d KiB (opening B001: %d KiB)" % (row.kind, row.name, code, rss,
                                                                                 baseline_rss))
            print("\n".join("   " + l for l in lines))
            continue
        want = expected_lines(row, tmp)
        memory_ok = row.max_rss_over_open is None or rss <= baseline_rss + row.max_rss_over_open
        ok = code == row.code and in_order(want, lines) and not extracted and memory_ok
        t.check(ok, row.kind + ": " + row.name, "exit %d (want %d)%s%s\n     want:\n%s\n     got:\n%s" % (
                code, row.code, "; files were extracted" if extracted else "",
                "" if memory_ok else "; peak RSS %d KiB, opening B001 takes %d KiB" % (rss, baseline_rss),
                "\n".join("       " + l for l in want), "\n".join("       " + l for l in lines)))
    if not SHOW:
        print("%d broken inputs (%s)" % (sum(kinds.values()), ", ".join("%s %d" % kv for kv in kinds.items())))


with t:
    main()
