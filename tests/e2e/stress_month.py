"""A stress month for issue 13: the data under which the notices and slips used to fail where a clerk or a
sorting machine would notice. Deterministic from a seed; domain-correct (SPEC §3), so `validate` must pass it.

    python3 tests/e2e/stress_month.py --out DIR [--seed 13] [--examples examples/]

writes DIR/cases.csv, DIR/municipality.toml (examples/municipality.toml with store_ceiling lowered to
50,000 yen, gaiji_map = "gaiji.csv", [mailing] 8 sheets / 50 g / split, seal and key paths pointing into
examples/), DIR/gaiji.csv (header `pua,ucs,ivs`) and DIR/month.json (what each household is meant to test).

Domain rules the rows follow (from outside the code):
- 歳児クラス: the child's age on April 1 of the fiscal year (年齢計算ニ関スル法律: a child born on April 1
  reaches each age on March 31, so a school year runs April 2 – April 1). 3号 only in the 0–2歳児クラス,
  1号/2号 from the 3歳児クラス (子ども・子育て支援法 19条).
- Type 1/2 children pay no user charge since October 2019 (幼児教育・保育の無償化); the side-dish fee
  (副食費) is billed by the city only at city-run facilities, and paid to the facility at private ones.
- The 3rd and later child pays 0 (child_order_factor of examples/fees.toml: [1.0, 0.5, 0.0]).
- Brackets A/B/D1 are marked side-dish exempt (年収360万円未満相当, 所得割 57,700円未満): their rows say so.
"""
import argparse
import hashlib
import csv
import json
import random
import re
from pathlib import Path

HEADER = ("case_id,child_atena_no,child_name,child_birth_date,guardian_atena_no,guardian_name,postal_code,"
          "address,address_building,household_no,my_number,certification_type,care_need,facility_name,"
          "facility_public,bracket,child_order,side_dish_exempt,cash_payment,notice_kind,decision_date,"
          "period_start,period_end,reason,previous_bracket,previous_certification_type,previous_care_need,"
          "previous_child_order,transfer_bank,transfer_account,el_number,el_qr").split(",")

STORE_CEILING = 50000   # lowered so that D9 first-child months (58,000 / 57,000 yen) are over it
MAX_SHEETS, MAX_G, PAPER_G, ENVELOPE_G = 8, 50.0, 4.0, 6.0

# The city's 外字 map: private-use code points of the core system -> UCS (+ IVS). U+E0FF is left unmapped.
GAIJI = [("U+E000", "U+9AD9", ""),          # 髙 (はしご高)
         ("U+E001", "U+8FBB", "U+E0100"),   # 辻 with the one-dot IVS IPAex carries
         ("U+E002", "U+20BB7", ""),         # 𠮷 (つちよし), outside the BMP
         ("U+E003", "U+FA19", "")]          # 神 as the compatibility ideograph
UNMAPPED_PUA = "\uE0FF"
EXEMPT_BRACKETS = {"A", "B", "D1"}


def gaiji_text(s):
    """S with every mapped PUA character replaced by what the map says it prints as."""
    out = []
    for c in s:
        hit = [(u, v) for p, u, v in GAIJI if ord(c) == int(p[2:], 16)]
        if hit:
            u, v = hit[0]
            out.append(chr(int(u[2:], 16)) + (chr(int(v[2:], 16)) if v else ""))
        else:
            out.append(c)
    return "".join(out)


def print_digits(s):
    """An address as the notice prints it: full-width digits become ASCII (names are never changed)."""
    return s.translate({0xFF10 + i: 0x30 + i for i in range(10)})


def age_class(birth, fiscal_year):
    """歳児クラス in FISCAL_YEAR for a YYYY-MM-DD birth date (school year from April 2)."""
    y, m, d = map(int, birth.split("-"))
    school_year = y - 1 if (m, d) < (4, 2) else y
    return fiscal_year - school_year - 1


def months(start, end):
    y, m = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    out = []
    while (y, m) <= (ey, em):
        out.append("%04d-%02d" % (y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def fiscal_year(month):
    y, m = map(int, month.split("-"))
    return y if m >= 4 else y - 1


class Month:
    def __init__(self, seed=13, omit=()):
        self.seed, self.omit = seed, set(omit)
        self.rng = random.Random(seed)
        self.rows, self.households = [], []
        self._case = 2025090100
        self._atena = 1000300000
        self._build()

    # ---- rows ----
    def household(self, key, guardian, postal, address, building="", tags=(), **extra):
        n = len(self.households) + 1
        h = dict(key=key, guardian=guardian, postal=postal, address=address, building=building,
                 guardian_atena_no=str(2000300000 + n), household_no=str(310000 + n), tags=list(tags),
                 children=[], printed_name=gaiji_text(guardian), printed_address=print_digits(address),
                 printed_building=print_digits(building), **extra)
        self.households.append(h)
        return h

    def child(self, h, name, birth, cert, care, facility, public, bracket, order, period=("2025-09", "2026-03"),
              decided="2025-08-25", cash=None, expect="slips", **cols):
        self._case += 1
        self._atena += 1
        fy = fiscal_year(period[0])
        for m in (period[0], period[1]):
            c = age_class(birth, fiscal_year(m))
            ok = c <= 2 if cert == "3" else c >= 3
            assert ok, "generator bug: %s is in the %d歳児クラス, not %s号" % (name, c, cert)
        row = dict.fromkeys(HEADER, "")
        row.update(case_id=str(self._case), child_atena_no=str(self._atena), child_name=name,
                   child_birth_date=birth, guardian_atena_no=h["guardian_atena_no"], guardian_name=h["guardian"],
                   postal_code=h["postal"], address=h["address"], address_building=h["building"],
                   household_no=h["household_no"], certification_type=cert, care_need=care,
                   facility_name=facility, facility_public=public, bracket=bracket, child_order=str(order),
                   side_dish_exempt="1" if bracket in EXEMPT_BRACKETS else "0",
                   cash_payment="1" if cash is None else cash, notice_kind="decision", decision_date=decided,
                   period_start=period[0], period_end=period[1])
        row.update(cols)
        self.rows.append(row)
        h["children"].append(dict(case_id=row["case_id"], name=name, expect=expect, fiscal_year=fy,
                                  months=months(*period)))
        return row

    def el_values(self, n):
        """N (eL番号, eL-QR payload) pairs as the city's collection system would issue them (opaque here:
        barcodes.md §4 — no public byte layout; ASCII digits and capitals, no ';')."""
        out = []
        for _ in range(n):
            number = "".join(self.rng.choice("0123456789") for _ in range(20))
            payload = "ELQR1" + number + "".join(self.rng.choice("0123456789ABCDEF") for _ in range(24))
            out.append((number, payload))
        return out

    def _build(self):
        pua = "gaiji" not in self.omit
        # 1. Three children over seven months, cash: 3 notices + 14 slips = 17 sheets ≈ 74 g unless compacted or
        #    split. A 22-character guardian name with katakana given names; kanji numerals; full-width digits
        #    in the building (printed as ASCII digits).
        h = self.household("three_children", "長谷川　エリザベート・アレクサンドラ・美智子", "360-0843",
                           "熊谷市大字三ケ尻字八幡三千八百六十七番地の二十三",
                           "グランドメゾン熊谷スカイレジデンス・イーストウイング　１２０３号室",
                           tags=["long_name", "kanji_numerals", "three_children", "multi_child"])
        self.child(h, "長谷川　ジュリアン・大翔", "2021-07-03", "2", "standard", "熊谷市立みかじり保育所", "1", "D9", 1,
                   expect="slips")   # 3歳児クラス: side-dish fee 4,800 x 7
        self.child(h, "長谷川　クリスティーナ・結菜", "2023-10-20", "3", "short", "熊谷市立みかじり保育所", "1", "D9", 2,
                   expect="slips")   # 1歳児クラス, 2nd child: 57,000 x 0.5 = 28,500 x 7
        self.child(h, "長谷川　セバスチャン・湊", "2025-01-15", "3", "standard", "熊谷市立みかじり保育所", "1", "D9", 3,
                   expect="zero")    # 0歳児クラス, 3rd child: 0 yen (多子軽減)
        # 2. A Latin name of 41 characters; every slip over the lowered store ceiling (58,000 > 50,000).
        h = self.household("latin_over_ceiling", "WILLIAMSON-MONTGOMERY ALEXANDRA ELIZABETH", "360-0855",
                           "熊谷市大字御稜威ケ原字東原七百八十九番地の十二",
                           "パークサイドヴィラ御稜威ケ原　Ｂ棟２０４号室", tags=["latin_name", "over_ceiling"])
        self.child(h, "WILLIAMSON-MONTGOMERY OLIVIA", "2024-02-29", "3", "standard",
                   "社会福祉法人めぐみ会　みいかがはらインターナショナル保育園", "0", "D9", 1, expect="slips")
        # 3. 口座振替: notices only, the 振替日 and a masked account; the account number never printed.
        h = self.household("transfer", "勅使河原　マクシミリアン・フォン・シュヴァルツェンベルク", "360-0004",
                           "熊谷市大字上川上字大塚四百五十六番地の七", "", tags=["long_name", "transfer"],
                           account="7654321")
        bank = dict(transfer_bank="くまがや中央信用金庫　籠原駅前支店", transfer_account="7654321")
        self.child(h, "勅使河原　アレクサンドル・蒼", "2023-05-21", "3", "standard", "かごはら保育園", "0", "D9", 1,
                   cash="0", expect="transfer", **bank)
        self.child(h, "勅使河原　エカテリーナ・葵", "2021-11-30", "2", "short", "熊谷市立かごはら保育所", "1", "D9", 2,
                   cash="0", expect="transfer", **bank)
        # 4. 0-yen children at private facilities (type 1 and 2): 副食費 paid to the facility; PUA names.
        g4 = ("\uE000橋　\uE002太郎" if pua else "髙橋　𠮷太郎")
        h = self.household("zero_private", g4, "360-0014", "熊谷市箱田五丁目十二番三号", "",
                           tags=["zero", "gaiji"] if pua else ["zero"])
        self.child(h, ("\uE000橋" if pua else "髙橋") + "　さくら", "2020-08-08", "1", "",
                   "学校法人さくら学園　幼保連携型認定こども園さくらの森", "0", "D4", 1, expect="zero")
        self.child(h, ("\uE000橋" if pua else "髙橋") + "　はると", "2021-12-12", "2", "standard",
                   "学校法人さくら学園　幼保連携型認定こども園さくらの森", "0", "D9", 2, expect="zero")
        # 5. 生活保護 (bracket A), type 3: 0 yen; a PUA name with an IVS mapping and a compatibility ideograph.
        g5 = ("\uE001　\uE003子" if pua else "辻\U000E0100　神子".replace("神", "\uFA19"))
        h = self.household("zero_bracket_a", g5, "360-0032", "熊谷市銀座三丁目五十六番地", "銀座ハイツ　３０２",
                           tags=["zero", "gaiji"] if pua else ["zero"])
        self.child(h, ("\uE001" if pua else "辻\U000E0100") + "　凛", "2024-06-06", "3", "short",
                   "熊谷市立ぎんざ保育所", "1", "A", 1, expect="zero")
        # 6. Change notices: 変更前 -> 変更後 columns and a reason of several hundred characters.
        h = self.household("change", "中村　亜希子", "360-0042", "熊谷市本町一丁目百三十番地",
                           "ロイヤルコーポ本町第２　１０１号室", tags=["change", "long_reason"])
        reason = self.long_reason()
        self.child(h, "中村　心春", "2023-05-05", "3", "short", "ほんちょう保育園", "0", "D9", 1,
                   period=("2025-10", "2026-03"), decided="2025-10-15", reason=reason,
                   notice_kind="change", previous_bracket="D4", previous_certification_type="3",
                   previous_care_need="standard", previous_child_order="1", expect="slips")
        self.child(h, "中村　悠真", "2021-09-09", "2", "short", "熊谷市立ほんちょう保育所", "1", "D9", 2,
                   period=("2025-10", "2026-03"), decided="2025-10-15", notice_kind="change",
                   reason="保護者の就労時間の変更により、保育の必要量を保育標準時間から保育短時間に変更しました。",
                   previous_bracket="D9", previous_certification_type="2", previous_care_need="standard",
                   previous_child_order="2", expect="slips")
        # 7. eL-QR (from September 2026): one value per slip, and one value for a single slip.
        if "el" not in self.omit:
            h = self.household("el", "佐々木　美智代", "360-0031", "熊谷市末広三丁目八番二十号", "", tags=["el"])
            v = self.el_values(3)
            self.child(h, "佐々木　陽翔", "2024-05-20", "3", "standard", "すえひろ保育園", "0", "D9", 2,
                       period=("2026-09", "2026-11"), decided="2026-08-25", expect="slips",
                       el_number=";".join(n for n, _ in v), el_qr=";".join(q for _, q in v))
            h["el"] = v
            v = self.el_values(1)
            self.child(h, "佐々木　凪", "2022-09-09", "2", "standard", "熊谷市立すえひろ保育所", "1", "D9", 1,
                       period=("2026-09", "2026-09"), decided="2026-08-25", expect="slips",
                       el_number=v[0][0], el_qr=v[0][1])
            h["el"] += v
        # 8. A period across two fiscal years (令和6年度 Feb–Mar: 19,500; 令和7年度 Apr–Jun: 0 in D1).
        h = self.household("two_years", "伊藤　聡", "360-0012", "熊谷市上之三千二十一番地", "", tags=["two_years"])
        self.child(h, "伊藤　朝陽", "2023-08-01", "3", "standard", "さくらんぼ保育園", "0", "D1", 1,
                   period=("2025-02", "2025-06"), decided="2025-01-24", expect="slips", my_number="123456789018")
        # 9. Ordinary households, random from the seed.
        self.fillers(5)

    def long_reason(self):
        parts = ["令和７年度の市町村民税額の確定（令和７年６月）により、保護者２名の市町村民税所得割額の合算額が",
                 "９７，０００円以上となったため、利用者負担額の階層区分をD4からD9に変更しました。",
                 "なお、「子ども・子育て支援法」第２７条第３項及び熊谷市特定教育・保育施設及び特定地域型保育事業の",
                 "利用者負担額等に関する条例の規定に基づき算定しています。",
                 "この変更は令和７年１０月分の利用者負担額から適用され、既に納付された９月分以前の",
                 "利用者負担額に変更はありません。修正申告、更正又は扶養控除の見直し等により市町村民税額が変わった場合は、",
                 "変更後の税額に基づいて改めて階層区分を判定しますので、保育課保育料係まで速やかにお申し出ください。",
                 "また、兄弟姉妹の入退所、就労状況の変化、世帯構成の変更（転入・転出・婚姻・離婚等）があった場合も、",
                 "多子軽減及びひとり親世帯等の軽減の適用が変わることがありますので、必ずお届けください。",
                 "(参考: 旧 D4, 新 D9; \"所得割額\" は税額決定通知書の記載による。)"]
        return "".join(parts)

    def fillers(self, n):
        surnames = ["小島", "大野", "森田", "石川", "前田", "藤井", "岡本", "松田", "中島", "原田"]
        givens = ["陽葵", "湊", "蓮", "紬", "凛", "碧", "律", "澪", "樹", "葵衣", "結翔", "咲良"]
        towns = [("360-0037", "熊谷市筑波二丁目"), ("360-0043", "熊谷市星川一丁目"), ("360-0033", "熊谷市曙町三丁目"),
                 ("360-0044", "熊谷市弥生一丁目"), ("360-0036", "熊谷市桜木町二丁目")]
        facilities = [("熊谷市立つくば保育所", "1"), ("ほしかわ保育園", "0"), ("熊谷市立あけぼの保育所", "1")]
        used = set()
        for i in range(n):
            sur = self.rng.choice([s for s in surnames if s not in used])
            used.add(sur)
            postal, town = self.rng.choice(towns)
            building = self.rng.choice(["", "", "コーポ%s　%d号" % (sur, self.rng.randint(101, 309))])
            h = self.household("filler_%d" % (i + 1), "%s　%s" % (sur, self.rng.choice(givens)), postal,
                               "%s%d番%d号" % (town, self.rng.randint(1, 40), self.rng.randint(1, 30)), building,
                               tags=["filler"])
            names = self.rng.sample(givens, 2)
            for order in range(1, self.rng.randint(1, 2) + 1):
                fac, public = self.rng.choice(facilities)
                bracket = self.rng.choice(["B", "D1", "D4", "D9"])
                if self.rng.random() < 0.5:   # 3号: born so that the 2025 class is 0-2
                    birth = "%d-%02d-%02d" % (self.rng.choice([2023, 2024]), self.rng.randint(5, 12),
                                              self.rng.randint(1, 28))
                    cert, care = "3", self.rng.choice(["standard", "short"])
                else:                          # 2号: 3-5歳児クラス
                    birth = "%d-%02d-%02d" % (self.rng.choice([2020, 2021]), self.rng.randint(5, 12),
                                              self.rng.randint(1, 28))
                    cert, care = "2", self.rng.choice(["standard", "short"])
                start = self.rng.choice(["2025-09", "2025-10", "2026-01"])
                zero = (cert == "3" and (bracket != "D9" or order >= 3)) or (cert == "2" and (public == "0" or
                                                                                          bracket in EXEMPT_BRACKETS))
                self.child(h, "%s　%s" % (sur, names[order - 1]), birth, cert, care, fac, public, bracket, order,
                           period=(start, "2026-03"), expect="zero" if zero else "slips")

    # ---- what the checks need ----
    def printed_guardian(self, h):
        return gaiji_text(h["guardian"])

    def expected(self):
        return dict(seed=self.seed, households=self.households)


def municipality_text(examples, gaiji_sha256, gaiji="gaiji.csv"):
    """examples/municipality.toml for this month: seal and key paths into EXAMPLES, the store ceiling lowered,
    the 外字 map named, the mailing limits stated (a copy keeps [holidays] as it is)."""
    examples = Path(examples).resolve()
    text = (examples / "municipality.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^(\s*\w+\s*=\s*")((?:seal|keys)[^"]*)"',
                  lambda g: '%s%s"' % (g.group(1), examples / g.group(2)), text)
    text, n = re.subn(r"(?m)^store_ceiling\s*=\s*\d+", "store_ceiling = %d" % STORE_CEILING, text)
    assert n == 1, "examples/municipality.toml has no store_ceiling"
    text = re.sub(r'(?m)^gaiji_map\s*=.*\n', "", text)
    first_table = re.search(r"(?m)^\[", text).start()   # root keys must come before the first table
    text = text[:first_table] + 'gaiji_map = "%s"                 # 外字 map (stress month)\n' % gaiji + \
        'gaiji_map_sha256 = "%s"\n\n' % gaiji_sha256 + \
        text[first_table:]
    mailing = ("[mailing]\npaper_grams    = %.1f\nenvelope_grams = %.1f\nmax_grams      = %.1f\nmax_sheets = %d\n"
               'oversize   = "split"\n' % (PAPER_G, ENVELOPE_G, MAX_G, MAX_SHEETS))
    if re.search(r"(?m)^\[mailing\]", text):
        text = re.sub(r"(?ms)^\[mailing\]\n.*?(?=^\[|\Z)", mailing + "\n", text)
    else:
        text += "\n" + mailing
    return text


def write(out, examples, seed=13, omit=(), extra_rows=()):
    """Writes the month into OUT; returns the Month."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    month = Month(seed, omit)
    write_cases(out / "cases.csv", month.rows + list(extra_rows))
    with open(out / "gaiji.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pua", "ucs", "ivs"])
        w.writerows(GAIJI)
    pin = hashlib.sha256((out / "gaiji.csv").read_bytes()).hexdigest()
    (out / "municipality.toml").write_text(municipality_text(examples, pin), encoding="utf-8")
    (out / "month.json").write_text(json.dumps(month.expected(), ensure_ascii=False, indent=1), encoding="utf-8")
    return month


def write_cases(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        w.writerows([[r[c] for c in HEADER] for r in rows])
    return Path(path)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--examples", default=str(Path(__file__).resolve().parents[2] / "examples"))
    a = ap.parse_args()
    m = write(a.out, a.examples, a.seed)
    print("%d rows, %d households -> %s" % (len(m.rows), len(m.households), a.out))
