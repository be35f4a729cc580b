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
