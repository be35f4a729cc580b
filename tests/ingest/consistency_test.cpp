#include <doctest/doctest.h>

#include <map>

#include "ingest/ingest.hpp"

using namespace tsuchi;
using namespace tsuchi::ingest;

namespace {

// Two schedules: D9 is dropped from April 2025 on.
const char* kFees = R"(
[[schedule]]
effective_from = "2024-04"
rounding = 10
child_order_factor = [1.0, 0.5, 0.0]
side_dish_monthly = 4500
  [[schedule.bracket]]
  code = "D4"
  label = "d4"
  standard = 30000
  short = 29600
  [[schedule.bracket]]
  code = "D9"
  label = "d9"
  standard = 61000
  short = 60000

[[schedule]]
effective_from = "2025-04"
rounding = 10
child_order_factor = [1.0, 0.5, 0.0]
side_dish_monthly = 4800
  [[schedule.bracket]]
  code = "D4"
  label = "d4"
  standard = 0
  short = 0
)";

const std::vector<std::string> kHeader = {
    "case_id", "child_atena_no", "child_name", "child_birth_date", "guardian_atena_no", "guardian_name",
    "postal_code", "address", "address_building", "household_no", "certification_type", "care_need",
    "facility_name", "facility_public", "bracket", "child_order", "side_dish_exempt", "cash_payment", "notice_kind",
    "decision_date", "period_start", "period_end"};

using Values = std::map<std::string, std::string>;

Values base(const std::string& id) {
  return {{"case_id", "C" + id},        {"child_atena_no", "A" + id},      {"child_name", "山田　花"},
          {"child_birth_date", "2022-01-31"}, {"guardian_atena_no", "G" + id}, {"guardian_name", "山田　太郎"},
          {"postal_code", "360-0012"},  {"address", "熊谷市宮町1-1"},   {"address_building", ""},
          {"household_no", "H" + id},   {"certification_type", "3"},     {"care_need", "standard"},
          {"facility_name", "保育園"},  {"facility_public", "0"},        {"bracket", "D4"},
          {"child_order", "1"},         {"side_dish_exempt", "0"},       {"cash_payment", "1"},
          {"notice_kind", "decision"},  {"decision_date", "2025-04-01"}, {"period_start", "2024-04"},
          {"period_end", "2025-09"}};
}

Values with(Values v, const Values& changes) {
  for (const auto& [k, x] : changes) v[k] = x;
  return v;
}

std::string cases_csv(const std::vector<Values>& rows) {
  std::string s;
  for (std::size_t i = 0; i < kHeader.size(); ++i) s += (i ? "," : "") + kHeader[i];
  s += "\n";
  for (auto r : rows) {
    for (std::size_t i = 0; i < kHeader.size(); ++i) s += (i ? "," : "") + r[kHeader[i]];
    s += "\n";
  }
  return s;
}

int column_of(const std::string& name) {
  for (std::size_t i = 0; i < kHeader.size(); ++i)
    if (kHeader[i] == name) return static_cast<int>(i) + 1;
  return 0;
}

std::string formatted(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

}  // namespace

TEST_CASE("rules across rows and files each give one precise message on the right row") {
  auto fees = parse_fees(kFees, "fees.toml");
  REQUIRE(fees.ok());
  REQUIRE(fees.value.schedules[1].line == 18);
  struct Row {
    const char* what;
    std::vector<Values> rows;  // line 2 onwards
    int line;
    const char* column;
    const char* value;
    const char* reason;
  };
  const Values g1 = base("1");
  const Values g1b = with(base("2"), {{"guardian_atena_no", "G1"}});
  const Row rows[] = {
      {"bracket missing in a later schedule", {g1, with(base("2"), {{"bracket", "D9"}})}, 3, "bracket", "D9",
       "not in the schedule in force from 2025-04 (fees.toml line 18)"},
      {"bracket missing from the start", {with(g1, {{"bracket", "Z1"}, {"period_end", "2024-06"}})}, 2, "bracket", "Z1",
       "not in the schedule in force from 2024-04 (fees.toml line 2)"},
      {"period before any schedule", {with(g1, {{"period_start", "2024-03"}})}, 2, "period_start", "2024-03",
       "the period starts before any fee schedule (the first is in force from 2024-04 in fees.toml)"},
      {"guardian with two addresses", {g1, with(g1b, {{"address", "熊谷市宮町2-2"}})}, 3, "address", "",
       "differs from line 2, which has the same guardian_atena_no G1 (one guardian gets one envelope)"},
      {"guardian with two postal codes", {g1, with(g1b, {{"postal_code", "3600013"}})}, 3, "postal_code", "",
       "differs from line 2, which has the same guardian_atena_no G1 (one guardian gets one envelope)"},
      {"guardian with a building on one row only", {g1, with(g1b, {{"address_building", "101号"}})}, 3,
       "address_building", "", "differs from line 2, which has the same guardian_atena_no G1 (one guardian gets one envelope)"},
      {"guardian with two names", {g1, with(g1b, {{"guardian_name", "山田　次郎"}})}, 3, "guardian_name", "",
       "differs from line 2, which has the same guardian_atena_no G1 (one guardian gets one envelope)"},
      {"one child, overlapping periods",
       {with(g1, {{"period_end", "2024-09"}}), with(base("2"), {{"child_atena_no", "A1"}, {"period_start", "2024-09"}})}, 3,
       "child_atena_no", "A1", "the period 2024-09 to 2025-09 overlaps 2024-04 to 2024-09 of the same child on line 2"},
  };
  for (const auto& row : rows) {
    CAPTURE(std::string(row.what));
    auto cases = parse_cases(cases_csv(row.rows), "cases.csv");
    INFO(formatted(cases.problems));
    REQUIRE(cases.ok());
    auto ds = check_consistency(cases.value.cases, "cases.csv", fees.value, "fees.toml", cases.value.header);
    INFO(formatted(ds));
    REQUIRE(ds.size() == 1);
    const Diagnostic& d = ds[0];
    CHECK(d.severity == Diagnostic::Severity::error);
    CHECK(d.file == "cases.csv");
    CHECK(d.line == row.line);
    CHECK(d.column == column_of(row.column));
    CHECK(d.column_name == std::string(row.column));
    CHECK(d.value == std::string(row.value));
    CHECK(d.reason == std::string(row.reason));
  }
}

TEST_CASE("consistent rows pass: one guardian's children, one child in consecutive periods") {
  auto fees = parse_fees(kFees, "fees.toml");
  REQUIRE(fees.ok());
  const std::vector<Values> rows = {
      base("1"),
      with(base("2"), {{"guardian_atena_no", "G1"}, {"child_order", "2"}}),                       // sibling, same envelope
      with(base("3"), {{"bracket", "D9"}, {"period_end", "2025-03"}}),                           // D9 only while it exists
      with(base("4"), {{"child_atena_no", "A3"}, {"period_start", "2025-04"}, {"bracket", "D4"}}),  // same child, next period
  };
  auto cases = parse_cases(cases_csv(rows), "cases.csv");
  REQUIRE(cases.ok());
  auto ds = check_consistency(cases.value.cases, "cases.csv", fees.value, "fees.toml", cases.value.header);
  INFO(formatted(ds));
  CHECK(ds.empty());
}

TEST_CASE("without the header, messages still name the column, with column 0") {
  auto fees = parse_fees(kFees, "fees.toml");
  auto cases = parse_cases(cases_csv({with(base("1"), {{"bracket", "Z1"}})}), "cases.csv");
  auto ds = check_consistency(cases.value.cases, "cases.csv", fees.value, "fees.toml");
  REQUIRE(ds.size() == 2);  // absent from both schedules of the period
  CHECK(format(ds[0]) ==
        "cases.csv:2: error: bracket \"Z1\": not in the schedule in force from 2024-04 (fees.toml line 2)");
  CHECK(format(ds[1]) ==
        "cases.csv:2: error: bracket \"Z1\": not in the schedule in force from 2025-04 (fees.toml line 18)");
}

TEST_CASE("rows already refused for a bad field raise no second, misleading error") {
  auto fees = parse_fees(kFees, "fees.toml");
  // Bad postal code and bad period on the guardian's second row: reported once by parse_cases, not again here.
  auto cases = parse_cases(cases_csv({base("1"), with(base("2"), {{"guardian_atena_no", "G1"}, {"postal_code", "12"},
                                                           {"child_atena_no", "A1"}, {"period_end", "2023-01"}})}),
                           "cases.csv");
  CHECK(cases.problems.size() == 2);
  auto ds = check_consistency(cases.value.cases, "cases.csv", fees.value, "fees.toml", cases.value.header);
  INFO(formatted(ds));
  CHECK(ds.empty());
}
