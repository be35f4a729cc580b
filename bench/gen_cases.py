#!/usr/bin/env python3
"""Synthetic month runs of any size for the benchmark and for scale tests.

Usage: gen_cases.py CHILDREN OUT_DIR [--seed N] [--batch-size N] [--profile light|heavy] [--slip-layout slip-compact|slip]
Writes OUT_DIR/cases.csv, OUT_DIR/fees.toml and OUT_DIR/municipality.toml (copied from examples/
with the batch size changed). Names include rare kanji (𠮷, 髙, 﨑, 神 U+FA19, 辻 + U+E0100),
addresses vary in length. Deterministic.

light: households of 1–3 children, about a third pay by slip, every notice covers one month.
heavy (issue 14): more siblings, 60% pay by slip with 5–12 monthly slips each (periods from
April–November to March), 口座振替 payers have none, and a fifth of the rows are change notices
with a 変更前 bracket and a reason.
"""
import argparse, datetime, os, random, re

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SURNAMES = ["佐藤", "鈴木", "高橋", "髙橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "𠮷田", "山田",
            "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山﨑", "森", "池田", "橋本", "阿部",
            "石川", "辻\U000E0100", "\uFA19田", "長谷川", "茂木", "新井", "大野", "福島"]
GIVEN_CHILD = ["陽翔", "蓮", "湊", "蒼", "樹", "大和", "結翔", "悠真", "陽葵", "凛", "詩", "結菜", "芽依", "葵",
               "紬", "澪", "さくら", "ひなた", "ゆい", "そうた", "𠮷乃", "はると"]
GIVEN_ADULT = ["健太", "大輔", "翔太", "拓也", "直樹", "裕子", "恵美", "美穂", "智子", "麻衣", "由美", "愛"]
TOWNS = [("3600012", "熊谷市上之"), ("3600031", "熊谷市末広"), ("3600041", "熊谷市宮町"), ("3600042", "熊谷市本町"),
         ("3600014", "熊谷市箱田"), ("3600813", "熊谷市円光"), ("3600853", "熊谷市玉井"), ("3600161", "熊谷市万吉"),
         ("3600843", "熊谷市三ケ尻"), ("3690131", "熊谷市船木台"), ("3600804", "熊谷市代"), ("3600023", "熊谷市佐谷田")]
BUILDINGS = ["", "", "", "コーポ熊谷", "グランドメゾン熊谷駅前", "レジデンス上之", "ハイツ末広第二", "サンライズ箱田"]
FACILITIES = [("熊谷市立中央保育所", 1), ("熊谷市立石原保育所", 1), ("熊谷さくら保育園", 0), ("あおぞら認定こども園", 0),
              ("熊谷市立妻沼保育所", 1), ("ひまわり幼稚園", 0)]
BRACKETS = ["A", "B", "D1", "D4", "D4", "D9"]
EXEMPT = {"A", "B"}  # side_dish_exempt = true in examples/fees.toml
HEADER = ("case_id,child_atena_no,child_name,child_birth_date,guardian_atena_no,guardian_name,postal_code,"
          "address,address_building,household_no,my_number,certification_type,care_need,facility_name,"
          "facility_public,bracket,child_order,side_dish_exempt,cash_payment,notice_kind,decision_date,"
          "period_start,period_end,reason,previous_bracket")
REASON = "市町村民税所得割額の更正により階層区分を変更しました。"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("children", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--profile", choices=["light", "heavy"], default="light")
    ap.add_argument("--slip-layout", choices=["slip-compact", "slip"], default="slip-compact",
                    help="the city's [slip] layout: three slips a sheet (the example's) or one a page")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    heavy = a.profile == "heavy"
    os.makedirs(a.out, exist_ok=True)
    rows, n, household = [], 0, 0
    while n < a.children:
        household += 1
        kids = min(rnd.choice([1, 2, 2, 3, 3] if heavy else [1, 1, 1, 2, 2, 3]), a.children - n)
        surname = rnd.choice(SURNAMES)
        postal, town = rnd.choice(TOWNS)
        addr = "%s%d丁目%d番%d号" % (town, rnd.randint(1, 5), rnd.randint(1, 30), rnd.randint(1, 20)) \
            if rnd.random() < 0.5 else "%s%d-%d" % (town, rnd.randint(1, 3000), rnd.randint(1, 40))
        building = rnd.choice(BUILDINGS)
        if building:
            building += " %d号室" % rnd.randint(101, 1205)
        cash = 1 if rnd.random() < (0.6 if heavy else 1 / 3) else 0
        # Heavy: the household's notices cover 5-12 months ending in March (one fiscal year).
        start = "2025-%02d" % rnd.randint(4, 11) if heavy else "2025-09"
        end = "2026-03" if heavy else "2025-09"
        bracket = rnd.choice(BRACKETS)
        guardian = "%s　%s" % (surname, rnd.choice(GIVEN_ADULT))
        for k in range(kids):
            n += 1
            ctype = rnd.choice([1, 2, 3, 3])
            fac, public = rnd.choice(FACILITIES)
            # The age class on 2025-04-01 fits the certification: 3号 0-2歳児, 1号/2号 3-5歳児 (born from April 2).
            age_class = rnd.randint(0, 2) if ctype == 3 else rnd.randint(3, 5)
            birth = datetime.date(2025 - age_class - 1, 4, 2) + datetime.timedelta(days=rnd.randint(0, 364))
            change = heavy and rnd.random() < 0.2
            rows.append([
                "%08d" % n, "%010d" % (5000000 + n), "%s　%s" % (surname, rnd.choice(GIVEN_CHILD)),
                birth.isoformat(),
                "%010d" % (4000000 + household), guardian, postal[:3] + "-" + postal[3:], addr, building,
                "%010d" % (3000000 + household), "", str(ctype),
                "" if ctype == 1 else rnd.choice(["standard", "short"]), fac, str(public), bracket, str(k + 1),
                "1" if bracket in EXEMPT or rnd.random() < 0.05 else "0", str(cash), "change" if change else "decision",
                "2025-08-20", start, end, REASON if change else "",
                rnd.choice([b for b in BRACKETS if b != bracket]) if change else ""])
    with open(os.path.join(a.out, "cases.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(HEADER + "\r\n")
        for r in rows:
            f.write(",".join(r) + "\r\n")
    with open(os.path.join(SRC, "examples", "fees.toml"), encoding="utf-8") as f:
        open(os.path.join(a.out, "fees.toml"), "w", encoding="utf-8").write(f.read())
    with open(os.path.join(SRC, "examples", "municipality.toml"), encoding="utf-8") as f:
        muni = f.read()
    muni = re.sub(r"(?m)^size = \d+", "size = %d" % a.batch_size, muni)
    # Paths in the example are relative to examples/: make them absolute for the copy.
    ex = os.path.join(SRC, "examples")
    muni = re.sub(r'(?m)^(\s*\w+\s*=\s*")((?:seal|keys)[^"]*)"', lambda m: '%s%s"' % (m.group(1), os.path.join(ex, m.group(2))), muni)
    muni = muni.replace('layout = "slip-compact"', 'layout = "%s"' % a.slip_layout)
    open(os.path.join(a.out, "municipality.toml"), "w", encoding="utf-8").write(muni)
    print("%d children in %d households -> %s" % (n, household, a.out))


if __name__ == "__main__":
    main()
