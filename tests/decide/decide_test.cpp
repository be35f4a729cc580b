#include <doctest/doctest.h>

#include <algorithm>

#include "decide/decide.hpp"

using namespace tsuchi;
using tsuchi::Calendar;
using ingest::CareNeed;

namespace {

YearMonth ym(const char* s) { return *parse_year_month(s); }
Date day(const char* s) { return *parse_date(s); }

tsuchi::Schedule schedule(const char* from, Yen rounding, std::vector<double> factors, Yen side_dish,
                          std::vector<tsuchi::Bracket> brackets) {
  tsuchi::Schedule s;
  s.effective_from = ym(from);
  s.rounding = rounding;
  s.child_order_factor = std::move(factors);
  s.side_dish_monthly = side_dish;
  s.brackets = std::move(brackets);
  return s;
}

// Modelled on examples/fees.toml: 0–2 fees drop to zero up to D4 from 2025-04, and a made-up
// 2026 schedule with other factors and rounding to exercise the arithmetic.
tsuchi::FeeSchedules fees() {
  tsuchi::FeeSchedules f;
  f.schedules.push_back(schedule("2024-04", 10, {1.0, 0.5, 0.0}, 4500,
                                 {{"A", "生活保護世帯", 0, 0},
                                  {"D4", "市町村民税所得割額 48,600円以上 97,000円未満", 30000, 29600},
                                  {"R", "端数のある階層", 29610, 19235},
                                  {"D9", "市町村民税所得割額 397,000円以上", 61000, 60000},
                                  {"OLD", "2025年3月で廃止", 20000, 20000}}));
  f.schedules.push_back(schedule("2025-04", 10, {1.0, 0.5, 0.0}, 4800,
                                 {{"A", "生活保護世帯", 0, 0},
                                  {"D4", "市町村民税所得割額 48,600円以上 97,000円未満", 0, 0},
                                  {"R", "端数のある階層", 0, 0},
                                  {"D9", "市町村民税所得割額 397,000円以上", 58000, 57000}}));
  f.schedules.push_back(schedule("2026-04", 100, {1.0, 0.7}, 5000,
                                 {{"H", "0.7で浮動小数点誤差が出る額", 41000, 19250},
                                  {"D9", "市町村民税所得割額 397,000円以上", 58000, 57000}}));
  return f;
}

ingest::Case child(const char* id, int type, CareNeed need, const char* bracket, const char* from, const char* to) {
  ingest::Case c;
  c.line = 2;
  c.case_id = id;
  c.child_atena_no = std::string("C") + id;
  c.guardian_atena_no = "G1";
  c.postal_code = "3600012";
  c.address = "熊谷市上之1234-5";
  c.certification_type = type;
  c.care_need = need;
  c.bracket = bracket;
  c.period_start = ym(from);
  c.period_end = ym(to);
  c.decision_date = day("2025-09-01");
  return c;
}

tsuchi::Municipality city() {
  tsuchi::Municipality m;
  m.subject_code = "01";
  m.gs1_issuer_code = "912345";
  for (const char* h : {"2025-01-01", "2025-01-13", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-06",
                        "2025-11-03", "2025-11-23", "2025-11-24", "2026-01-01", "2026-01-12"})
    m.holidays.push_back(day(h));
  return m;
}

Checked<std::vector<decide::Decision>> decide_all(const std::vector<ingest::Case>& cs,
                                                  const tsuchi::Municipality& m = city()) {
  return decide::decide(cs, fees(), m, Calendar(m.holidays));
}

decide::Decision decide_one(const ingest::Case& c, const tsuchi::Municipality& m = city()) {
  auto r = decide_all({c}, m);
  REQUIRE(r.ok());
  REQUIRE(r.value.size() == 1);
  return r.value[0];
}

}  // namespace

TEST_CASE("monthly fee by certification type, care need, child order, facility and exemption") {
  struct Row {
    const char* what;
    int type;
    CareNeed need;
    const char* bracket;
    int order;
    bool is_public, exempt;
    const char* month;
    Yen base, user_charge, side_dish;
  };
  const auto S = CareNeed::standard, T = CareNeed::short_time, N = CareNeed::none;
  const Row rows[] = {
      {"type 3 standard, first child", 3, S, "D4", 1, true, false, "2025-03", 30000, 30000, 0},
      {"type 3 short", 3, T, "D4", 1, false, false, "2025-03", 29600, 29600, 0},
      {"second child halves", 3, S, "D4", 2, false, false, "2025-03", 30000, 15000, 0},
      {"third child free", 3, S, "D4", 3, false, false, "2025-03", 30000, 0, 0},
      {"fourth child: the last factor repeats", 3, S, "D4", 4, false, false, "2025-03", 30000, 0, 0},
      {"29,610 x 0.5 = 14,805 rounds down to 14,800", 3, S, "R", 2, false, false, "2025-03", 29610, 14800, 0},
      {"19,235 x 0.5 = 9,617.5 rounds down to 9,610", 3, T, "R", 2, false, false, "2025-03", 19235, 9610, 0},
      {"unreduced amount is charged as the schedule writes it", 3, S, "R", 1, false, false, "2025-03", 29610, 29610, 0},
      {"0-yen bracket", 3, S, "A", 1, false, false, "2025-03", 0, 0, 0},
      {"type 3 free from 2025-04 up to D4", 3, S, "D4", 1, false, false, "2025-06", 0, 0, 0},
      {"D9 keeps a fee in 2025", 3, S, "D9", 1, false, false, "2025-06", 58000, 58000, 0},
      {"D9 short, second child", 3, T, "D9", 2, false, false, "2025-06", 57000, 28500, 0},
      {"0.7 x 41,000 is 28,699.99.. in binary floating point: still 28,700", 3, S, "H", 2, false, false,
       "2026-06", 41000, 28700, 0},
      {"factor list of two: third child repeats 0.7", 3, S, "H", 3, false, false, "2026-06", 41000, 28700, 0},
      {"19,250 x 0.7 = 13,475 rounds down to a multiple of 100", 3, T, "H", 2, false, false, "2026-06", 19250,
       13400, 0},
      {"type 3 at a public facility: meals are in the user charge", 3, S, "D9", 1, true, false, "2025-03", 61000,
       61000, 0},
      {"type 1 public: side dish only", 1, N, "D9", 1, true, false, "2025-03", 0, 0, 4500},
      {"type 2 public: side dish of the 2025 schedule", 2, S, "D4", 1, true, false, "2025-06", 0, 0, 4800},
      {"type 2 second child public: side dish is not reduced by order", 2, T, "D4", 2, true, false, "2025-06", 0,
       0, 4800},
      {"type 2 private: the facility bills meals itself", 2, S, "D4", 1, false, false, "2025-06", 0, 0, 0},
      {"type 1 public but exempt", 1, N, "A", 1, true, true, "2025-03", 0, 0, 0},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    auto c = child("100", r.type, r.need, r.bracket, r.month, r.month);
    c.child_order = r.order;
    c.facility_public = r.is_public;
    c.side_dish_exempt = r.exempt;
    const auto d = decide_one(c);
    REQUIRE(d.months.size() == 1);
    const auto& m = d.months[0];
    CHECK(m.month == ym(r.month));
    CHECK(m.base == r.base);
    CHECK(m.user_charge == r.user_charge);
    CHECK(m.side_dish == r.side_dish);
    CHECK(m.total() == r.user_charge + r.side_dish);
  }
}

TEST_CASE("three siblings of one household pay 30,000, 15,000 and 0") {
  std::vector<ingest::Case> cs;
  for (int order = 1; order <= 3; ++order) {
    auto c = child(std::to_string(200 + order).c_str(), 3, CareNeed::standard, "D4", "2025-01", "2025-03");
    c.child_order = order;
    c.line = order + 1;
    cs.push_back(c);
  }
  auto r = decide_all(cs);
  REQUIRE(r.ok());
  REQUIRE(r.value.size() == 3);
  const Yen expected[] = {30000, 15000, 0};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(r.value[i].c.case_id == cs[i].case_id);  // case order kept
    REQUIRE(r.value[i].periods.size() == 1);
    CHECK(r.value[i].periods[0].user_charge == expected[i]);
    CHECK(r.value[i].periods[0].from == ym("2025-01"));
    CHECK(r.value[i].periods[0].to == ym("2025-03"));
  }
}

TEST_CASE("a period across two schedules changes amount and label in April") {
  auto c = child("300", 3, CareNeed::standard, "D4", "2025-02", "2025-06");
  auto d = decide_one(c);
  REQUIRE(d.months.size() == 5);
  const Yen charge[] = {30000, 30000, 0, 0, 0};
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(d.months[i].user_charge == charge[i]);
    CHECK(d.months[i].bracket_label == "市町村民税所得割額 48,600円以上 97,000円未満");
  }
  REQUIRE(d.periods.size() == 2);
  CHECK(d.periods[0].from == ym("2025-02"));
  CHECK(d.periods[0].to == ym("2025-03"));
  CHECK(d.periods[0].user_charge == 30000);
  CHECK(d.periods[1].from == ym("2025-04"));
  CHECK(d.periods[1].to == ym("2025-06"));
  CHECK(d.periods[1].user_charge == 0);

  // A type 2 child at a public facility: the side-dish fee rises from 4,500 to 4,800.
  auto c2 = child("301", 2, CareNeed::short_time, "D4", "2025-02", "2025-06");
  c2.facility_public = true;
  auto d2 = decide_one(c2);
  REQUIRE(d2.periods.size() == 2);
  CHECK(d2.periods[0].side_dish == 4500);
  CHECK(d2.periods[0].to == ym("2025-03"));
  CHECK(d2.periods[1].side_dish == 4800);
  CHECK(d2.periods[1].from == ym("2025-04"));
}

TEST_CASE("a month without a schedule or bracket is an error naming the case line; other cases still decide") {
  auto early = child("400", 3, CareNeed::standard, "D4", "2024-01", "2024-05");
  early.line = 7;
  auto gone = child("401", 3, CareNeed::standard, "OLD", "2025-02", "2025-06");
  gone.line = 8;
  auto fine = child("402", 3, CareNeed::standard, "D4", "2025-02", "2025-03");
  fine.line = 9;
  auto r = decide_all({early, gone, fine});
  CHECK_FALSE(r.ok());
  REQUIRE(r.value.size() == 1);
  CHECK(r.value[0].c.case_id == "402");
  REQUIRE(r.problems.size() == 2);
  CHECK(format(r.problems[0]) == "fees:7: error: month \"2024-01..2024-03\": case 400: no fee schedule in force");
  CHECK(format(r.problems[1]) ==
        "fees:8: error: bracket \"OLD\": case 401: not in the schedule in force from 2025-04 "
        "(needed for 2025-04..2025-06)");
}

TEST_CASE("business days: weekends, the holiday list and 12/29-1/3 are closed") {
  const Calendar cal(city().holidays);
  struct Row { const char* date; bool open; };
  const Row rows[] = {
      {"2025-06-02", true},  {"2025-05-31", false}, {"2025-06-01", false}, {"2025-11-24", false},
      {"2025-11-25", true},  {"2025-12-26", true},  {"2025-12-29", false}, {"2025-12-31", false},
      {"2026-01-02", false}, {"2026-01-05", true},  {"2026-01-12", false}, {"2026-01-13", true},
  };
  for (const auto& r : rows) {
    INFO(r.date);
    CHECK(cal.is_business_day(day(r.date)) == r.open);
  }
  // Sat 11/22, Sun 11/23 (勤労感謝の日), Mon 11/24 (振替休日) → Tue 11/25.
  CHECK(cal.next_business_day_on_or_after(day("2025-11-22")) == day("2025-11-25"));
  // Golden Week: Sat 5/3 … Tue 5/6 (振替休日) → Wed 5/7.
  CHECK(cal.next_business_day_on_or_after(day("2025-05-03")) == day("2025-05-07"));
}

TEST_CASE("due date: month end moved to the next business day; store deadline unmoved but never earlier") {
  struct Row {
    const char* billed;
    int offset;
    int store_days;
    const char* due;
    const char* store;
  };
  const Row rows[] = {
      {"2025-03", 0, 0, "2025-03-31", "2025-03-31"},  // Monday: stays
      {"2025-05", 0, 0, "2025-06-02", "2025-06-02"},  // Saturday → Monday
      {"2025-08", 0, 0, "2025-09-01", "2025-09-01"},  // Sunday → Monday
      {"2025-11", 0, 0, "2025-12-01", "2025-12-01"},  // Sunday → Monday
      {"2025-12", 0, 0, "2026-01-05", "2026-01-05"},  // Wed 12/31 closed through Sat 1/3, Sun 1/4 → Mon 1/5
      {"2024-12", 0, 0, "2025-01-06", "2025-01-06"},  // Tue 12/31 → 1/4 is Saturday → Mon 1/6
      {"2026-01", 0, 0, "2026-02-02", "2026-02-02"},  // Saturday → Monday
      {"2025-02", 0, 0, "2025-02-28", "2025-02-28"},  // Friday
      {"2025-04", 1, 0, "2025-06-02", "2025-06-02"},  // one month later: 5/31 Saturday → 6/2
      {"2025-11", 1, 0, "2026-01-05", "2026-01-05"},  // one month later crosses the year-end closure
      {"2025-05", 0, 10, "2025-06-02", "2025-06-12"}, // store deadline is a calendar date
      {"2025-05", 0, 12, "2025-06-02", "2025-06-14"}, // … even a Saturday: stores are open
      {"2025-05", 0, -5, "2025-06-02", "2025-06-02"}, // never before the due date
  };
  for (const auto& r : rows) {
    INFO(r.billed);
    CAPTURE(r.offset);
    CAPTURE(r.store_days);
    auto m = city();
    m.due_month_offset = r.offset;
    m.store_deadline_days = r.store_days;
    const Calendar cal(m.holidays);
    const Date due = decide::due_date(ym(r.billed), m, cal);
    CHECK(due.iso() == r.due);
    CHECK(decide::store_deadline(due, m).iso() == r.store);
  }
}

TEST_CASE("payment reference: subject code + 13-digit case reference + YYYYMM") {
  struct Row {
    const char* case_id;
    const char* prefix;
    const char* subject;
    const char* month;
    const char* expected;
  };
  // Digest rows were computed independently: int(sha256(id)[:8], big-endian) mod 10^13 (Python hashlib).
  const Row rows[] = {
      {"12345", "", "01", "2025-09", "01" "0000000012345" "202509"},
      {"1234567890123", "", "01", "2025-09", "01" "1234567890123" "202509"},
      {"7", "", "02", "2026-01", "02" "0000000000007" "202601"},
      {"K-2025-0001", "", "01", "2025-09", "01" "0619264917885" "202509"},
      {"12345678901234", "", "01", "2025-09", "01" "1156596696298" "202509"},  // 14 digits: too long
      {"H7-000123", "", "01", "2025-04", "01" "7206344414572" "202504"},
      {"12345", "123", "01", "2025-09", "123" "01" "0000012345" "202509"},  // agent sub-code first
      {"K-2025-0001", "123", "01", "2025-09", "123" "01" "9264917885" "202509"},
      {"12345678901", "123", "01", "2025-09", "123" "01" "0698777046" "202509"},
  };
  for (const auto& r : rows) {
    INFO(r.case_id);
    INFO(r.prefix);
    auto m = city();
    m.gs1_free_prefix = r.prefix;
    m.subject_code = r.subject;
    const auto ref = decide::payment_reference(m, r.case_id, ym(r.month));
    CHECK(ref == r.expected);
    CHECK(ref.size() == 21);
    CHECK(std::all_of(ref.begin(), ref.end(), [](char ch) { return ch >= '0' && ch <= '9'; }));
  }
}

TEST_CASE("case ids that would share a payment reference are reported") {
  auto a = child("123", 3, CareNeed::standard, "D4", "2025-02", "2025-02");
  auto b = child("0123", 3, CareNeed::standard, "D4", "2025-02", "2025-02");
  b.line = 5;
  auto c = child("K-1", 3, CareNeed::standard, "D4", "2025-02", "2025-02");
  const auto ds = decide::reference_collisions({a, c, b}, city());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].line == 5);
  CHECK(ds[0].value == "0123");
  CHECK(ds[0].reason.find("case 123 (line 2)") != std::string::npos);
}

TEST_CASE("a decision carries its slips: one per month with a total above zero, only for cash payers") {
  const auto m = city();

  auto cash = child("500", 3, CareNeed::standard, "D4", "2025-02", "2025-06");
  cash.cash_payment = true;
  cash.guardian_atena_no = "G500";
  const auto slips = decide_one(cash, m).slips;
  REQUIRE(slips.size() == 2);  // April–June are 0 yen: notice, no slip
  CHECK(slips[0].month == ym("2025-02"));
  CHECK(slips[0].amount == 30000);
  CHECK(slips[0].fiscal_year == 2024);
  CHECK(slips[0].due_date == day("2025-02-28"));
  CHECK(slips[0].payment_reference == "01" "0000000000500" "202502");
  CHECK(slips[0].case_id == "500");
  CHECK(slips[0].guardian_atena_no == "G500");
  CHECK(slips[1].month == ym("2025-03"));
  CHECK(slips[1].due_date == day("2025-03-31"));
  CHECK(slips[1].payment_reference == "01" "0000000000500" "202503");

  auto transfer = cash;
  transfer.cash_payment = false;
  const auto dt = decide_one(transfer, m);
  CHECK(dt.months.size() == 5);  // account transfer: the notice, no slip
  CHECK(dt.slips.empty());

  auto zero = child("501", 3, CareNeed::standard, "A", "2025-02", "2025-03");
  zero.cash_payment = true;
  const auto dz = decide_one(zero, m);
  CHECK(dz.months.size() == 2);  // the notice still states 0 yen
  CHECK(dz.slips.empty());

  // Type 2 at a public facility across fiscal years: side-dish slips with the new amount from April.
  auto side = child("502", 2, CareNeed::standard, "D4", "2025-03", "2025-04");
  side.cash_payment = true;
  side.facility_public = true;
  const auto ss = decide_one(side, m).slips;
  REQUIRE(ss.size() == 2);
  CHECK(ss[0].amount == 4500);
  CHECK(ss[0].fiscal_year == 2024);
  CHECK(ss[1].amount == 4800);
  CHECK(ss[1].fiscal_year == 2025);
  CHECK(ss[1].due_date == day("2025-04-30"));
}

TEST_CASE("decide() gives every decision its own slips, in input order, and a refused case none") {
  const auto m = city();
  auto a = child("600", 3, CareNeed::standard, "D9", "2025-03", "2025-04");
  a.cash_payment = true;
  auto b = child("601", 3, CareNeed::standard, "D4", "2025-03", "2025-04");
  b.cash_payment = true;
  auto bad = child("602", 3, CareNeed::standard, "NOPE", "2025-03", "2025-03");
  bad.cash_payment = true;
  const auto r = decide_all({a, bad, b}, m);
  CHECK_FALSE(r.ok());
  REQUIRE(r.value.size() == 2);
  // 600: D9 61,000 yen in March (2024 schedule), 58,000 from April; 601: D4 30,000 yen, then 0 yen.
  REQUIRE(r.value[0].slips.size() == 2);
  CHECK(r.value[0].slips[0].case_id == "600");
  CHECK(r.value[0].slips[0].amount == 61000);
  CHECK(r.value[0].slips[1].amount == 58000);
  CHECK(r.value[0].slips[1].due_date == day("2025-04-30"));
  REQUIRE(r.value[1].slips.size() == 1);
  CHECK(r.value[1].slips[0].case_id == "601");
  CHECK(r.value[1].slips[0].amount == 30000);
  CHECK(r.value[1].slips[0].due_date == day("2025-03-31"));
}

// ---------------------------------------------------------------------------------------------
// Issue 13: the facts a notice states, and the rules a case can contradict.

namespace {

tsuchi::FeeSchedules fees_with_exempt_bracket() {
  auto f = fees();
  for (auto& s : f.schedules)
    for (auto& b : s.brackets)
      if (b.code == "A") b.side_dish_exempt = true;  // 生活保護世帯: 副食費免除
  return f;
}

std::string messages(const Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds) out += format(d) + "\n";
  return out;
}

}  // namespace

TEST_CASE("masked account: all but the last three digits hidden") {
  CHECK(decide::masked_account("1234567") == "＊＊＊＊567");
  CHECK(decide::masked_account("0012345678") == "＊＊＊＊＊＊＊678");
  CHECK(decide::masked_account("12") == "12");
  CHECK(decide::masked_account("") == "");
}

TEST_CASE("decide::age_class is the core rule") {
  // 令和7年度: 3歳児クラス = born 令和3年4月2日〜令和4年4月1日 (the cities' class tables).
  CHECK(decide::age_class(day("2021-04-02"), 2025) == 3);
  CHECK(decide::age_class(day("2022-04-01"), 2025) == 3);
  CHECK(decide::age_class(day("2022-04-02"), 2025) == 2);
}

TEST_CASE("certification against the age class in every fiscal year the months cover") {
  struct Row {
    const char* what;
    const char* birth;
    int type;
    const char* from;
    const char* to;
    const char* message;  // empty = no problem
  };
  const Row rows[] = {
      {"3号 in the 2歳児クラス", "2022-04-02", 3, "2025-04", "2026-03", ""},
      {"3号 in the 3歳児クラス (born 令和4年4月1日)", "2022-04-01", 3, "2025-04", "2026-03",
       "cases.csv:2:12: error: certification_type \"3\": case 100: 3号 is for the 0-2歳児クラス, but in 2025年度 "
       "(age on 2025-04-01) the child is in the 3歳児クラス; certify 1号 or 2号 for that 年度"},
      {"3号 whose months reach the next 年度", "2021-06-01", 3, "2025-02", "2025-04",
       "cases.csv:2:12: error: certification_type \"3\": case 100: 3号 is for the 0-2歳児クラス, but in 2025年度 "
       "(age on 2025-04-01) the child is in the 3歳児クラス; certify 1号 or 2号 for that 年度"},
      {"the same months within 2024年度 pass", "2021-06-01", 3, "2024-09", "2025-03", ""},
      {"2号 in the 3歳児クラス", "2021-04-02", 2, "2025-04", "2026-03", ""},
      {"1号 in the 5歳児クラス", "2019-04-02", 1, "2025-04", "2026-03", ""},
      {"2号 in the 2歳児クラス", "2022-04-02", 2, "2025-04", "2026-03",
       "cases.csv:2:12: error: certification_type \"2\": case 100: 2号 starts at the 3歳児クラス, but in 2025年度 "
       "(age on 2025-04-01) the child is in the 2歳児クラス; certify 3号 for that 年度"},
      {"1号 born during the year", "2025-05-01", 1, "2025-09", "2025-09",
       "cases.csv:2:12: error: certification_type \"1\": case 100: 1号 starts at the 3歳児クラス, but in 2025年度 "
       "(age on 2025-04-01) the child is in the 0歳児クラス; certify 3号 for that 年度"},
  };
  const std::vector<std::string> header = {"case_id", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
                                           "certification_type"};
  for (const auto& r : rows) {
    INFO(r.what);
    auto c = child("100", r.type, CareNeed::standard, "D9", r.from, r.to);
    c.child_birth_date = day(r.birth);
    auto m = city();
    const auto ds = decide::check_rules({c}, "cases.csv", fees(), m, header);
    CHECK(messages(ds) == (*r.message ? std::string(r.message) + "\n" : std::string()));
    // The configuration may make it a warning: the same words, listed for the review sheet.
    m.certification_age = tsuchi::RuleLevel::warning;
    const auto ws = decide::check_rules({c}, "cases.csv", fees(), m, header);
    REQUIRE(ws.size() == ds.size());
    for (const auto& w : ws) CHECK(w.severity == Diagnostic::Severity::warning);
  }
  // 変更前 is checked the same way.
  auto c = child("101", 2, CareNeed::standard, "D9", "2025-04", "2025-06");
  c.child_birth_date = day("2021-05-01");
  c.previous_certification_type = 3;
  const auto ds = decide::check_rules({c}, "cases.csv", fees(), city());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].column_name == "previous_certification_type");
  CHECK(ds[0].value == "3");
}

TEST_CASE("side_dish_exempt 0 in an exempt bracket: an error, or a warning and the exemption applies") {
  auto c = child("200", 2, CareNeed::standard, "A", "2025-04", "2025-05");
  c.facility_public = true;
  c.cash_payment = true;
  auto m = city();
  auto ds = decide::check_rules({c}, "cases.csv", fees_with_exempt_bracket(), m);
  CHECK(messages(ds) == "cases.csv:2: error: side_dish_exempt \"0\": case 200: bracket A is exempt from 副食費 in the "
                        "fee schedule in force from 2025-04; set side_dish_exempt to 1, or correct the bracket\n");
  m.side_dish_bracket = tsuchi::RuleLevel::warning;
  ds = decide::check_rules({c}, "cases.csv", fees_with_exempt_bracket(), m);
  CHECK(messages(ds) == "cases.csv:2: warning: side_dish_exempt \"0\": case 200: bracket A is exempt from 副食費 in "
                        "the fee schedule in force from 2025-04; the exemption applies (副食費 is not billed)\n");
  // Never bill an exempt household: no side dish, no slip.
  const auto d = decide::decide({c}, fees_with_exempt_bracket(), m, Calendar(m.holidays));
  REQUIRE(d.ok());
  CHECK(d.value[0].side_dish == decide::SideDish::exempt);
  CHECK(d.value[0].months[0].side_dish == 0);
  CHECK(d.value[0].slips.empty());
  // The flag set agrees with the bracket; a 3号 child's meals are in 保育料 either way.
  c.side_dish_exempt = true;
  CHECK(decide::check_rules({c}, "cases.csv", fees_with_exempt_bracket(), city()).empty());
  auto three = child("201", 3, CareNeed::standard, "A", "2025-04", "2025-05");
  CHECK(decide::check_rules({three}, "cases.csv", fees_with_exempt_bracket(), city()).empty());
}

TEST_CASE("副食費 as the notice states it") {
  struct Row {
    const char* what;
    int type;
    bool is_public, exempt;
    const char* bracket;
    decide::SideDish expected;
  };
  using S = decide::SideDish;
  const Row rows[] = {
      {"3号: included in 保育料", 3, true, false, "D4", S::included},
      {"3号 exempt flag: still included", 3, true, true, "D4", S::included},
      {"2号 public: billed by the city", 2, true, false, "D4", S::billed},
      {"2号 private: paid to the facility", 2, false, false, "D4", S::facility},
      {"1号 exempt flag", 1, true, true, "D4", S::exempt},
      {"2号 private, exempt bracket", 2, false, true, "A", S::exempt},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    auto c = child("300", r.type, r.type == 1 ? CareNeed::none : CareNeed::standard, r.bracket, "2025-04", "2025-04");
    c.facility_public = r.is_public;
    c.side_dish_exempt = r.exempt;
    const auto d = decide::decide({c}, fees_with_exempt_bracket(), city(), Calendar(city().holidays));
    REQUIRE(d.ok());
    CHECK(d.value[0].side_dish == r.expected);
  }
}

TEST_CASE("reductions: 無償化 for types 1 and 2, 多子軽減 when the order lowered a charge") {
  auto second = child("400", 3, CareNeed::standard, "D9", "2025-04", "2025-05");
  second.child_order = 2;
  auto d = decide_one(second);
  CHECK(d.reductions.multi_child);
  CHECK(d.reductions.child_order == 2);
  CHECK(d.reductions.factor == doctest::Approx(0.5));
  CHECK_FALSE(d.reductions.free_education);

  auto third = second;
  third.child_order = 3;
  d = decide_one(third);
  CHECK(d.reductions.multi_child);
  CHECK(d.reductions.factor == doctest::Approx(0.0));

  auto zero_bracket = second;  // half of 0 yen lowers nothing
  zero_bracket.bracket = "D4";
  d = decide_one(zero_bracket);
  CHECK_FALSE(d.reductions.multi_child);
  CHECK(d.reductions.child_order == 2);

  auto type2 = child("401", 2, CareNeed::standard, "D9", "2025-04", "2025-05");
  type2.child_order = 2;
  d = decide_one(type2);
  CHECK(d.reductions.free_education);
  CHECK_FALSE(d.reductions.multi_child);
}

TEST_CASE("fee periods never span two fiscal years") {
  // Bracket A is 0 yen in both schedules: one amount from February to June, still two 年度.
  const auto d = decide_one(child("500", 3, CareNeed::standard, "A", "2025-02", "2025-06"));
  REQUIRE(d.periods.size() == 2);
  CHECK(d.periods[0].from == ym("2025-02"));
  CHECK(d.periods[0].to == ym("2025-03"));
  CHECK(d.periods[0].fiscal_year == 2024);
  CHECK(d.periods[1].from == ym("2025-04"));
  CHECK(d.periods[1].to == ym("2025-06"));
  CHECK(d.periods[1].fiscal_year == 2025);
  CHECK(d.fiscal_years == std::vector<int>{2024, 2025});
  const auto one = decide_one(child("501", 3, CareNeed::standard, "A", "2025-04", "2026-03"));
  REQUIRE(one.periods.size() == 1);
  CHECK(one.fiscal_years == std::vector<int>{2025});
}

TEST_CASE("変更前: the same months under the previous columns, empty when none is given") {
  auto c = child("600", 3, CareNeed::standard, "D9", "2025-04", "2025-06");
  c.notice_kind = ingest::NoticeKind::change;
  CHECK(decide_one(c).previous.empty());
  c.previous_bracket = "D4";
  c.previous_care_need = CareNeed::short_time;
  auto d = decide_one(c);
  REQUIRE(d.previous.size() == 1);
  CHECK(d.previous[0].from == ym("2025-04"));
  CHECK(d.previous[0].to == ym("2025-06"));
  CHECK(d.previous[0].user_charge == 0);  // D4 is free for 3号 from 2025-04
  CHECK(d.periods[0].user_charge == 58000);
  c.previous_bracket.clear();
  c.previous_child_order = 2;
  c.previous_care_need = CareNeed::none;
  d = decide_one(c);
  REQUIRE(d.previous.size() == 1);
  CHECK(d.previous[0].user_charge == 29000);
  // Type 2 before: no user charge, the side dish of a public facility.
  c.previous_child_order = 0;
  c.previous_certification_type = 2;
  c.facility_public = true;
  d = decide_one(c);
  REQUIRE(d.previous.size() == 1);
  CHECK(d.previous[0].user_charge == 0);
  CHECK(d.previous[0].side_dish == 4800);
}

TEST_CASE("口座振替 dates: the configured day or the due date, moved like due dates") {
  // Holidays from the example calendar (Cabinet Office list): 2025-11-03 文化の日 is a Monday.
  auto c = child("700", 3, CareNeed::standard, "D9", "2025-10", "2026-02");
  c.cash_payment = false;
  auto m = city();
  auto d = decide_one(c, m);
  CHECK(d.slips.empty());
  REQUIRE(d.transfers.size() == 5);
  CHECK(d.transfers[0].month == ym("2025-10"));
  CHECK(d.transfers[0].on == day("2025-10-31"));  // transfer_day 0: the due date
  CHECK(d.transfers[1].on == day("2025-12-01"));  // 2025-11-30 is a Sunday
  CHECK(d.transfers[2].on == day("2026-01-05"));  // 12/29-1/3 closed, 1/4 a Sunday
  m.transfer_day = 3;
  d = decide_one(c, m);
  REQUIRE(d.transfers.size() == 5);
  CHECK(d.transfers[0].on == day("2025-10-03"));
  CHECK(d.transfers[1].on == day("2025-11-04"));  // 文化の日
  CHECK(d.transfers[3].on == day("2026-01-05"));
  m.transfer_day = 31;
  d = decide_one(c, m);
  CHECK(d.transfers[1].on == day("2025-12-01"));  // November has 30 days; the 30th is a Sunday
  CHECK(d.transfers[4].on == day("2026-03-02"));  // 2026-02-28 is a Saturday
  // Cash payers and 0-yen months have no transfer.
  c.cash_payment = true;
  CHECK(decide_one(c, m).transfers.empty());
  auto zero = child("701", 3, CareNeed::standard, "A", "2025-10", "2025-11");
  CHECK(decide_one(zero, m).transfers.empty());
}

TEST_CASE("slips carry their user charge, side dish and eL values") {
  auto c = child("800", 3, CareNeed::standard, "D9", "2025-09", "2025-11");
  c.cash_payment = true;
  auto slips = decide_one(c).slips;
  REQUIRE(slips.size() == 3);
  CHECK(slips[0].user_charge == 58000);
  CHECK(slips[0].side_dish == 0);
  CHECK(slips[0].el_number.empty());
  c.el_number = "11112222333344445555";
  c.el_qr = "QR-09;QR-10; QR-11";
  slips = decide_one(c).slips;
  CHECK(slips[0].el_number == "11112222333344445555");
  CHECK(slips[2].el_number == "11112222333344445555");
  CHECK(slips[0].el_qr == "QR-09");
  CHECK(slips[2].el_qr == "QR-11");
  CHECK(decide::check_rules({c}, "cases.csv", fees(), city()).empty());

  auto side = child("801", 2, CareNeed::standard, "D9", "2025-09", "2025-09");
  side.facility_public = true;
  side.cash_payment = true;
  const auto ss = decide_one(side).slips;
  REQUIRE(ss.size() == 1);
  CHECK(ss[0].user_charge == 0);
  CHECK(ss[0].side_dish == 4800);
}

TEST_CASE("eL values: one, or one per slip; another count names the row and column, not the value") {
  struct Row {
    const char* el_number;
    const char* el_qr;
    const char* message;
  };
  const Row rows[] = {
      {"1", "", ""},
      {"1;2;3", "a;b;c", ""},
      {"1;2", "", "cases.csv:2:5: error: el_number \"\": case 900: has 2 values separated by ';' but the case has 3 "
                  "slip(s); give one value, or one per slip in month order\n"},
      {"", "a;b;c;d", "cases.csv:2:6: error: el_qr \"\": case 900: has 4 values separated by ';' but the case has 3 "
                      "slip(s); give one value, or one per slip in month order\n"},
  };
  const std::vector<std::string> header = {"case_id", "a", "b", "c", "el_number", "el_qr"};
  for (const auto& r : rows) {
    INFO(r.el_number, " ", r.el_qr);
    // Three months of D9, three slips.
    auto c = child("900", 3, CareNeed::standard, "D9", "2025-09", "2025-11");
    c.cash_payment = true;
    c.el_number = r.el_number;
    c.el_qr = r.el_qr;
    CHECK(messages(decide::check_rules({c}, "cases.csv", fees(), city(), header)) == r.message);
  }
}
