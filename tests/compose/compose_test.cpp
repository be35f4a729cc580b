#include <doctest/doctest.h>

#include "barcode/barcode.hpp"
#include "compose/compose.hpp"

using namespace tsuchi;
using ingest::CareNeed;

namespace {

YearMonth ym(const char* s) { return *parse_year_month(s); }
Date day(const char* s) { return *parse_date(s); }

tsuchi::FeeSchedules fees() {
  tsuchi::Schedule s;
  s.effective_from = ym("2024-04");
  s.rounding = 10;
  s.child_order_factor = {1.0, 0.5, 0.0};
  s.side_dish_monthly = 4500;
  s.brackets = {{"A", "生活保護世帯", 0, 0},
                {"D4", "市町村民税所得割額 48,600円以上 97,000円未満", 30000, 29600},
                // Not a real bracket: amounts at the convenience-store ceiling.
                {"CEIL", "上限試験", 300000, 300001}};
  tsuchi::FeeSchedules f;
  f.schedules.push_back(s);
  return f;
}

tsuchi::Municipality city() {
  tsuchi::Municipality m;
  m.subject_code = "01";
  m.gs1_issuer_code = "912345";
  m.store_ceiling = 300000;
  m.holidays = {day("2025-02-11"), day("2025-02-24"), day("2025-03-20")};
  return m;
}

ingest::Case row(const char* case_id, const char* guardian, const char* postal, const char* address,
                 const char* bracket = "D4", int order = 1, bool cash = true) {
  ingest::Case c;
  c.line = 2;
  c.case_id = case_id;
  c.child_atena_no = std::string("C") + case_id;
  c.child_name = "児童";
  c.guardian_atena_no = guardian;
  c.guardian_name = "保護者";
  c.postal_code = postal;
  c.address = address;
  c.certification_type = 3;
  c.care_need = CareNeed::standard;
  c.bracket = bracket;
  c.child_order = order;
  c.cash_payment = cash;
  c.period_start = ym("2025-02");
  c.period_end = ym("2025-03");
  c.decision_date = day("2025-01-20");
  return c;
}

std::vector<compose::Envelope> run(const std::vector<ingest::Case>& cases, const tsuchi::Municipality& m = city(),
                                   const tsuchi::FeeSchedules& f = fees()) {
  auto d = decide::decide(cases, f, m, tsuchi::Calendar(m.holidays));
  REQUIRE(d.ok());
  auto e = compose::compose_checked(d.value, m);
  REQUIRE(e.ok());
  return e.value;
}

// Independent of the barcode stage: modulus 10, weights 3,1 from the rightmost data digit (barcodes.md §1).
char check_digit(const std::string& first43) {
  int sum = 0, w = 3;
  for (auto it = first43.rbegin(); it != first43.rend(); ++it, w = 4 - w) sum += (*it - '0') * w;
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

}  // namespace

TEST_CASE("envelope ids: batch id, slash, six-digit envelope number") {
  CHECK(compose::envelope_id("R20250901-B001", 123) == "R20250901-B001/000123");
  CHECK(compose::envelope_id("PREVIEW", 3) == "PREVIEW/000003");
  CHECK(compose::envelope_id("R20250901-B012", 1234567) == "R20250901-B012/1234567");
}

TEST_CASE("three children of one guardian: one envelope, notices in case order, slips by child then month") {
  const auto cases = std::vector<ingest::Case>{
      row("1002", "G1", "3600012", "熊谷市上之1234-5", "D4", 2),  // second child listed first
      row("2001", "G2", "3600014", "熊谷市箱田五丁目3-1"),
      row("1001", "G1", "3600012", "熊谷市上之1234-5", "D4", 1),
      row("1003", "G1", "3600012", "熊谷市上之1234-5", "D4", 3),  // third child: 0 yen, notice only
  };
  const auto envs = run(cases);
  REQUIRE(envs.size() == 2);
  const auto& e = envs[0];
  CHECK(e.guardian_atena_no == "G1");
  REQUIRE(e.notices.size() == 3);
  CHECK(e.notices[0].c.case_id == "1002");
  CHECK(e.notices[1].c.case_id == "1001");
  CHECK(e.notices[2].c.case_id == "1003");

  struct Want { const char* case_id; const char* month; Yen amount; const char* deadline; };
  const Want want[] = {
      {"1002", "2025-02", 15000, "250228"}, {"1002", "2025-03", 15000, "250331"},
      {"1001", "2025-02", 30000, "250228"}, {"1001", "2025-03", 30000, "250331"},
  };
  REQUIRE(e.slips.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    const auto& s = e.slips[i];
    CHECK(s.slip.case_id == want[i].case_id);
    CHECK(s.slip.month == ym(want[i].month));
    CHECK(s.slip.amount == want[i].amount);
    const std::string& code = s.store_barcode;
    REQUIRE(code.size() == 44);
    CHECK(code.substr(0, 2) == "91");
    CHECK(code.substr(2, 6) == "912345");
    CHECK(code.substr(8, 21) == s.slip.payment_reference);
    CHECK(code.substr(8, 21) == "01" + std::string(9, '0') + want[i].case_id + std::string(want[i].month, 4) +
                                    std::string(want[i].month + 5, 2));
    CHECK(code[29] == '0');  // original, not a reissue
    CHECK(code.substr(30, 6) == want[i].deadline);
    CHECK(code[36] == '0');  // no revenue stamp on public charges
    CHECK(std::stoll(code.substr(37, 6)) == want[i].amount);
    CHECK(code[43] == check_digit(code.substr(0, 43)));
    CHECK(barcode::store_payload_valid(code));
  }
  CHECK(envs[1].guardian_atena_no == "G2");
  CHECK(envs[1].notices.size() == 1);
  CHECK(envs[1].slips.size() == 2);
}

TEST_CASE("recipient block and customer barcode come from the guardian's row") {
  auto with_room = row("1", "G1", "2630023", "千葉市稲毛区緑町3丁目30-8");
  with_room.address_building = "郵便ビル403号";  // the room number belongs to the customer barcode
  with_room.guardian_name = "𠮷田　花子";
  auto representative = row("2", "G2", "3600000", "熊谷市");  // a town's representative postcode: no code
  const auto envs = run({with_room, representative});
  REQUIRE(envs.size() == 2);
  const auto& to = envs[0].to;
  CHECK(to.postal_code == "2630023");
  CHECK(to.address == "千葉市稲毛区緑町3丁目30-8");
  CHECK(to.building == "郵便ビル403号");
  CHECK(to.name == "𠮷田　花子");
  CHECK(to.customer_barcode == "26300233-30-8-403/5");  // Japan Post manual, example 1
  CHECK(envs[1].to.postal_code == "3600000");
  CHECK(envs[1].to.customer_barcode.empty());
}

TEST_CASE("store barcode only up to the ceiling; account transfer gets the notice but no slips") {
  auto at = row("10", "G1", "3600012", "熊谷市上之1", "CEIL");  // standard: 300,000
  auto over = row("11", "G2", "3600012", "熊谷市上之2", "CEIL");
  over.care_need = CareNeed::short_time;  // 300,001
  auto transfer = row("12", "G3", "3600012", "熊谷市上之3", "D4", 1, false);
  auto envs = run({at, over, transfer});
  REQUIRE(envs.size() == 3);
  REQUIRE(envs[0].slips.size() == 2);
  CHECK(envs[0].slips[0].slip.amount == 300000);
  CHECK(envs[0].slips[0].store_barcode.size() == 44);
  CHECK(envs[0].slips[0].store_barcode.substr(37, 6) == "300000");
  REQUIRE(envs[1].slips.size() == 2);
  CHECK(envs[1].slips[0].slip.amount == 300001);
  CHECK(envs[1].slips[0].store_barcode.empty());
  CHECK(envs[2].notices.size() == 1);
  CHECK(envs[2].slips.empty());

  auto low = city();
  low.store_ceiling = 100000;  // the ceiling is the municipality's setting
  envs = run({at}, low);
  CHECK(envs[0].slips[0].store_barcode.empty());
}

TEST_CASE("a store barcode that cannot be built is reported, not silently dropped") {
  auto m = city();
  m.gs1_issuer_code = "12345";  // 5 digits
  auto d = decide::decide({row("20", "G1", "3600012", "熊谷市上之1")}, fees(), m, tsuchi::Calendar(m.holidays));
  REQUIRE(d.ok());
  auto e = compose::compose_checked(d.value, m);
  CHECK_FALSE(e.ok());
  REQUIRE(e.value.size() == 1);
  CHECK(e.value[0].slips[0].store_barcode.empty());
  CHECK(e.problems[0].reason.rfind("case 20 2025-02: store barcode: ", 0) == 0);
}

TEST_CASE("envelopes sorted by postal code, then address, then guardian number; numbered 1..N") {
  const auto envs = run({
      row("1", "G3", "3600014", "熊谷市箱田一丁目1-1"),
      row("2", "G1", "3600012", "熊谷市上之2000"),
      row("3", "G5", "3600012", "熊谷市上之1000"),  // same building as G4
      row("4", "G2", "3600012", "熊谷市上之1000-1"),
      row("5", "G4", "3600012", "熊谷市上之1000"),
  });
  const char* order[] = {"G4", "G5", "G2", "G1", "G3"};
  REQUIRE(envs.size() == 5);
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(envs[i].guardian_atena_no == order[i]);
    CHECK(envs[i].sequence == i + 1);
  }
}

TEST_CASE("plan: compose's grouping, order and numbering as case indices; one batch composed alone matches") {
  // Guardians' rows interleaved in the input, as an extract from the core system has them.
  const std::vector<ingest::Case> cases = {
      row("1", "G3", "3600014", "熊谷市箱田一丁目1-1"), row("2", "G1", "3600012", "熊谷市上之2000"),
      row("3", "G5", "3600012", "熊谷市上之1000"),      row("4", "G3", "3600014", "熊谷市箱田一丁目1-1", "D4", 2),
      row("5", "G4", "3600012", "熊谷市上之1000"),      row("6", "G1", "3600012", "熊谷市上之2000", "A", 2),
  };
  const auto whole = run(cases);
  const auto plans = compose::plan(cases);
  REQUIRE(plans.size() == whole.size());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    CAPTURE(i);
    CHECK(plans[i].sequence == whole[i].sequence);
    REQUIRE(plans[i].cases.size() == whole[i].notices.size());
    for (std::size_t k = 0; k < plans[i].cases.size(); ++k)
      CHECK(cases[plans[i].cases[k]].case_id == whole[i].notices[k].c.case_id);
  }
  // Envelopes 2..4 composed from their cases alone are the run's envelopes 2..4 (numbers aside).
  REQUIRE(plans.size() == 4);
  std::vector<ingest::Case> part;
  for (std::size_t i = 1; i < plans.size(); ++i)
    for (std::size_t k : plans[i].cases) part.push_back(cases[k]);
  const auto alone = run(part);
  REQUIRE(alone.size() == 3);
  for (std::size_t i = 0; i < alone.size(); ++i) {
    CAPTURE(i);
    CHECK(alone[i].guardian_atena_no == whole[i + 1].guardian_atena_no);
    CHECK(alone[i].to.address == whole[i + 1].to.address);
    REQUIRE(alone[i].slips.size() == whole[i + 1].slips.size());
    for (std::size_t k = 0; k < alone[i].slips.size(); ++k)
      CHECK(alone[i].slips[k].store_barcode == whole[i + 1].slips[k].store_barcode);
  }
  CHECK(compose::batch_id("R20250901", 7) == "R20250901-B007");
}

TEST_CASE("batches: runs of the configured size, ids B001.., run-wide envelope numbers kept") {
  std::vector<compose::Envelope> envs(10);
  for (int i = 0; i < 10; ++i) envs[i].sequence = i + 1;
  const auto batches = compose::cut_batches(envs, "R20250901", 4);
  REQUIRE(batches.size() == 3);
  const std::size_t sizes[] = {4, 4, 2};
  const char* ids[] = {"R20250901-B001", "R20250901-B002", "R20250901-B003"};
  int seq = 0;
  for (int b = 0; b < 3; ++b) {
    CAPTURE(b);
    CHECK(batches[b].batch_id == ids[b]);
    CHECK(batches[b].index == b + 1);
    REQUIRE(batches[b].envelopes.size() == sizes[b]);
    for (const auto& e : batches[b].envelopes) CHECK(e.sequence == ++seq);
  }
  CHECK(compose::envelope_id(batches[2].batch_id, batches[2].envelopes[1].sequence) == "R20250901-B003/000010");

  CHECK(compose::cut_batches({}, "R20250901", 4).empty());
  std::vector<compose::Envelope> many(1001);
  const auto thousand = compose::cut_batches(many, "R1", 1);
  REQUIRE(thousand.size() == 1001);
  CHECK(thousand[998].batch_id == "R1-B999");
  CHECK(thousand[999].batch_id == "R1-B1000");
}

TEST_CASE("the worked example of output_spec/payment-reference.md") {
  // examples/fees.toml from 2025-04: D9 standard 58,000, second child x 0.5.
  tsuchi::Schedule s;
  s.effective_from = ym("2025-04");
  s.child_order_factor = {1.0, 0.5, 0.0};
  s.side_dish_monthly = 4800;
  s.brackets = {{"D9", "市町村民税所得割額 397,000円以上", 58000, 57000}};
  tsuchi::FeeSchedules f;
  f.schedules.push_back(s);
  auto c = row("2025090002", "2000100011", "3600012", "熊谷市上之1234-5", "D9", 2);
  c.period_start = c.period_end = ym("2025-09");
  auto m = city();
  m.holidays = {day("2025-09-15"), day("2025-09-23")};
  const auto envs = run({c}, m, f);
  REQUIRE(envs.size() == 1);
  REQUIRE(envs[0].slips.size() == 1);
  const auto& s0 = envs[0].slips[0];
  CHECK(s0.slip.amount == 29000);
  CHECK(s0.slip.store_deadline == day("2025-09-30"));
  CHECK(s0.slip.payment_reference == "010002025090002202509");
  CHECK(s0.store_barcode == "91912345010002025090002202509025093000290005");
}

TEST_CASE("compose takes the slips the decisions carry, and makes none of its own") {
  decide::Decision with, without;
  with.c = row("30", "G1", "3600012", "熊谷市上之1");
  without.c = row("31", "G1", "3600012", "熊谷市上之1");
  decide::Slip s;
  s.case_id = "30";
  s.month = ym("2025-02");
  s.amount = 1234;
  s.store_deadline = day("2025-03-10");
  s.payment_reference = "01" "0000000000030" "202502";
  with.slips = {s};
  // Months with fees but no slips: compose must not bill them again.
  without.months.push_back({ym("2025-02"), "D4", 30000, 30000, 0});
  auto e = compose::compose_checked({with, without}, city());
  REQUIRE(e.ok());
  REQUIRE(e.value.size() == 1);
  REQUIRE(e.value[0].notices.size() == 2);
  REQUIRE(e.value[0].slips.size() == 1);
  CHECK(e.value[0].slips[0].slip.amount == 1234);
  CHECK(e.value[0].slips[0].store_barcode.size() == 44);
}
