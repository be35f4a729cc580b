"""My Number end to end (issue 10): refused at ingest in any column with the value masked, near misses
accepted, a number planted in a template's wording caught by preflight, and a month whose customer-barcode
data strings are 12 digits that pass the check digit runs to the end.

Reference: the check digit is computed here from the formula of the ordinance (総務省令「通知カード
及び個人番号カード並びに情報提供ネットワークシステムによる特定個人情報の提供等に関する省令」第5条: weights Qn = n+1 for 1<=n<=6 and n-5 for 7<=n<=11, counted from the right of the first 11
digits; 11 - (sum mod 11), and 0 when the remainder is 0 or 1), written independently of pipeline/core.
123456789018 is checked by hand in tests/core/mynumber_test.cpp."""
import csv
import io
import os
import shutil

from harness import Test, excel_csv


def check_digit(first11):
    s = 0
    for n in range(1, 12):
        p = int(first11[11 - n])
        s += p * (n + 1 if n <= 6 else n - 5)
    r = s % 11
    return "0" if r <= 1 else str(11 - r)


def valid(first11):
    return first11 + check_digit(first11)


def near_miss(number):
    return number[:11] + str((int(number[11]) + 1) % 10)


def masked(number):
    return number[:4] + "********"


assert valid("12345678901") == "123456789018"  # the hand-checked value

V_CASE, V_ADDR, V_REASON, V_GROUPED, V_TEMPLATE = (valid(p) for p in (
    "90817263541", "55501234567", "31415926535", "27182818284", "86420975310"))

ROWS, FIELDS = [], []


def cases_text(rows):
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return out.getvalue()


def variant(**changes_by_row):
    rows = [dict(r) for r in ROWS]
    for index, change in changes_by_row.items():
        rows[int(index[1:])].update(change)
    return rows


def write_cases(t, rows, name):
    path = t.tmp / (name + ".csv")
    path.write_text(cases_text(rows), encoding="utf-8", newline="")
    return path


def validate(t, rows, name, *extra):
    return t.run("validate", "--cases", write_cases(t, rows, name), "--fees", t.fees,
                 "--municipality", t.municipality, *extra, want=None)


def expect(what, ok, detail=""):
    return t.check(ok, what, detail)


with Test() as t:
    with open(t.examples / "cases.csv", encoding="utf-8-sig", newline="") as f:
        ROWS[:] = list(csv.DictReader(f))
    FIELDS[:] = list(ROWS[0].keys())
    # ---- refused at ingest, in every column, masked ----
    swapped = ROWS[0]["my_number"]
    refusals = [
        ("case_id", variant(r0={"case_id": V_CASE}), V_CASE),
        ("address", variant(r0={"address": "熊谷市上之" + V_ADDR}, r1={"address": "熊谷市上之" + V_ADDR},
                            r2={"address": "熊谷市上之" + V_ADDR}), V_ADDR),
        ("reason", variant(r3={"reason": "個人番号" + V_REASON + "の届出による変更"}), V_REASON),
        ("grouped in the reason", variant(r3={"reason": "番号 %s %s %s" % (V_GROUPED[:4], V_GROUPED[4:8],
                                                                           V_GROUPED[8:])}), V_GROUPED),
        ("my_number swapped into household_no",
         variant(r0={"household_no": swapped, "my_number": ROWS[0]["household_no"]},
                 r1={"household_no": swapped}, r2={"household_no": swapped}), swapped),
        ("my_number copied into child_atena_no", variant(r3={"child_atena_no": swapped}), swapped),
    ]
    for label, rows, number in refusals:
        r = validate(t, rows, "refuse")
        expect("valid My Number in %s refused (exit 1)" % label, r.returncode == 1, r.stderr)
        expect("... the message shows it masked (%s)" % masked(number), masked(number) in r.stderr, r.stderr)
        expect("... the message never holds the 12 digits", number not in r.stderr + r.stdout, r.stderr)
        j = validate(t, rows, "refuse", "--json")
        expect("... nor does the --json document (masked there too)",
               number not in j.stdout and masked(number) in j.stdout, j.stdout[-800:])

    # ---- near misses: one digit changed, the check digit fails, accepted ----
    misses = [
        ("case_id", variant(r0={"case_id": near_miss(V_CASE)})),
        ("address", variant(r0={"address": "熊谷市上之" + near_miss(V_ADDR)},
                            r1={"address": "熊谷市上之" + near_miss(V_ADDR)},
                            r2={"address": "熊谷市上之" + near_miss(V_ADDR)})),
        ("reason", variant(r3={"reason": "整理番号" + near_miss(V_REASON)})),
        ("household_no", variant(r3={"household_no": near_miss(swapped)}, r4={"household_no": near_miss(swapped)})),
    ]
    for label, rows in misses:
        r = validate(t, rows, "miss")
        expect("near miss in %s accepted" % label, r.returncode == 0, r.stderr)

    # ---- a rural month: 5-digit 番地 make 12-digit customer-barcode data that pass the check digit ----
    rows = [dict(r) for r in ROWS]
    addresses = {}
    for r in rows:
        postal = r["postal_code"].replace("-", "")
        if r["guardian_atena_no"] not in addresses:
            first11 = postal + "%04d" % (1000 + 37 * len(addresses))
            addresses[r["guardian_atena_no"]] = "熊谷市上之" + first11[7:] + check_digit(first11)
        r["address"] = addresses[r["guardian_atena_no"]]
        r["address_building"] = ""  # a room number would extend the data past 12 digits
    barcode_data = set()
    for postal, address in {(r["postal_code"], r["address"]) for r in rows}:
        data = t.json("barcode", "customer", "--postal-code", postal, "--address", address, "--json").get("data", "")
        # Japan Post's rule (barcodes.md): postal code, then the address's numbers.
        expect("customer-barcode data %s... is the postal code and the 番地, 12 digits passing the check digit"
               % data[:7], data == postal.replace("-", "") + address[-5:] and valid(data[:11]) == data, data)
        barcode_data.add(data)
    path = write_cases(t, rows, "rural")
    run = str(t.tmp / "rural-run")
    r = t.run("run", "--cases", path, "--fees", t.fees, "--municipality", t.municipality, "--out", run,
              "--write-key", *t.key("tanaka"), want=None)
    expect("a month whose customer-barcode data pass the check digit runs to the end", r.returncode == 0,
             r.stderr[-2000:])
    opened = str(t.tmp / "rural-open")
    batches = sorted(f[:-4] for f in os.listdir(run) if f.endswith(".zip")) if os.path.isdir(run) else []
    expect("... and seals batches", len(batches) > 0, str(batches))
    codes = ""
    if batches:
        t.approved(run, None)
    for b in batches:
        o = t.run(*t.open_args(run, b, opened), want=None)
        expect("... batch %s opens" % b, o.returncode == 0, o.stderr)
        listing = os.path.join(opened, b, "data", "insertion.csv")
        codes += "".join(r["codes"] + ";" for r in excel_csv(listing)) if os.path.exists(listing) else ""
    missing = sorted(d for d in barcode_data if d + "/" not in codes)
    expect("... and every one of those 12-digit data strings is printed and listed in an insertion list",
           barcode_data and not missing, str(missing) + codes[:400])

    # ---- a My Number planted in a template's wording is caught by preflight ----
    data = str(t.tmp / "data")
    for sub in ("templates", "layouts", "fonts", "examples"):
        shutil.copytree(t.src / sub, os.path.join(data, sub))
    notice = os.path.join(data, "templates", "notice.toml")
    text = open(notice, encoding="utf-8").read()
    planted = text.replace("を下記のとおり決定しましたので、通知します。",
                           "を下記のとおり決定しましたので、通知します（照会番号" + V_TEMPLATE + "）。")
    expect("the template text was planted", planted != text)
    open(notice, "w", encoding="utf-8").write(planted)
    out = str(t.tmp / "planted-run")
    r = t.run("run", "--demo", "--out", out, *t.key("tanaka"), want=None, env=t.env_with(t.ledger, TSUCHI_DATA=data))
    expect("a My Number in a template's wording stops the run", r.returncode != 0, r.stderr[-2000:])
    expect("... preflight names it as a My Number", "My Number" in r.stderr, r.stderr[-2000:])
    expect("... without printing it", V_TEMPLATE not in r.stderr + r.stdout, r.stderr[-2000:])
    sealed = [f for f in os.listdir(out) if f.endswith(".zip")] if os.path.isdir(out) else []
    expect("... and seals nothing", not sealed, str(sealed))

    # ---- ... and in wording printed in the same run as an id (the notice number), which preflight reads
    # as a code: the template is refused when it is loaded, naming the key, the number masked ----
    open(notice, "w", encoding="utf-8").write(text.replace(
        'number    = "第{case_id}-{decision_ymd}号"', 'number    = "第{case_id}-{decision_ymd}号 ' + V_TEMPLATE + '"'))
    expect("the notice-number template was planted", V_TEMPLATE in open(notice, encoding="utf-8").read())
    out = str(t.tmp / "planted-number-run")
    r = t.run("run", "--demo", "--out", out, *t.key("tanaka"), want=None, env=t.env_with(t.ledger, TSUCHI_DATA=data))
    expect("a My Number in the notice-number wording stops the run", r.returncode != 0, r.stderr[-2000:])
    expect("... naming the template key", "header.number" in r.stderr and "My Number" in r.stderr, r.stderr[-2000:])
    expect("... masked", masked(V_TEMPLATE) in r.stderr and V_TEMPLATE not in r.stderr + r.stdout, r.stderr[-2000:])
    sealed = [f for f in os.listdir(out) if f.endswith(".zip")] if os.path.isdir(out) else []
    expect("... and seals nothing", not sealed, str(sealed))

