// Office time in the inputs: the months the cases bill, and a holiday list for every year a due date falls in.
#include <doctest/doctest.h>

#include "ingest/ingest.hpp"

using namespace tsuchi;
using namespace tsuchi::ingest;

namespace {

const char* kHeader =
    "case_id,child_atena_no,child_name,child_birth_date,guardian_atena_no,guardian_name,postal_code,address,"
    "address_building,household_no,certification_type,care_need,facility_name,facility_public,bracket,"
    "child_order,side_dish_exempt,cash_payment,notice_kind,decision_date,period_start,period_end\n";

// One child per row: case id, cash payment (slips, so due dates) and the period.
std::string row(int n, bool cash, const char* start, const char* end) {
  const std::string id = std::to_string(n);
  return "C" + id + ",A" + id + ",山田　花,2022-01-31,G" + id + ",山田　太郎,360-0012,熊谷市宮町1-1,,H" + id +
         ",3,standard,保育園,0,D4,1,0," + (cash ? "1" : "0") + ",decision,2025-04-01," + start + "," + end + "\n";
}

std::vector<Case> cases(const std::string& rows) {
  auto f = parse_cases(kHeader + rows, "cases.csv");
  REQUIRE(f.ok());
  return f.value.cases;
}

// 元日 of each listed year is enough to cover it (Cabinet Office list, 内閣府「国民の祝日について」).
Municipality with_holidays(std::vector<int> years, int due_month_offset = 0) {
  Municipality m;
  for (int y : years) m.holidays.push_back(Date{y, 1, 1});
  m.due_month_offset = due_month_offset;
  return m;
}

}  // namespace

TEST_CASE("the months the cases bill run from the earliest start to the latest end") {
  const auto cs = cases(row(1, true, "2025-09", "2026-03") + row(2, false, "2025-02", "2025-06"));
  REQUIRE(billed_months(cs));
  CHECK(billed_months(cs)->first == YearMonth{2025, 2});
  CHECK(billed_months(cs)->last == YearMonth{2026, 3});
  struct Row { YearMonth month; bool inside; };
  const Row rows[] = {{{2025, 1}, false}, {{2025, 2}, true}, {{2025, 7}, true}, {{2026, 3}, true}, {{2026, 4}, false}};
  for (const auto& r : rows) {
    CAPTURE(r.month.iso());
    CHECK(month_outside(cs, r.month, "--month").empty() == r.inside);
  }
  CHECK(month_outside(cs, {2026, 11}, "--month") ==
        "--month 2026-11 is outside the months the cases bill (2025-02 to 2026-03)");
  CHECK_FALSE(billed_months({}));
  CHECK(month_outside({}, {2026, 11}, "--month") == "--month 2026-11: the cases bill no month");
}

TEST_CASE("a due date in a year without a holiday list is an error naming the year and [holidays] dates") {
  struct Row {
    const char* why;
    std::string rows;
    std::vector<int> listed;
    int offset;
    std::vector<std::string> years;  // reported, in order
  };
  const Row table[] = {
      {"all years listed", row(1, true, "2025-09", "2026-03"), {2025, 2026}, 0, {}},
      {"the next year is missing", row(1, true, "2025-09", "2026-03"), {2025}, 0, {"2026"}},
      {"account transfer has no due dates", row(1, false, "2025-09", "2026-03"), {}, 0, {}},
      {"a December bill due a month later falls in the next year", row(1, true, "2025-12", "2025-12"), {2025}, 1,
       {"2026"}},
      {"two years missing, each once", row(1, true, "2027-12", "2028-01") + row(2, true, "2028-02", "2028-03"), {}, 0,
       {"2027", "2028"}},
  };
  for (const auto& r : table) {
    CAPTURE(r.why);
    const auto ds = check_holiday_years(cases(r.rows), with_holidays(r.listed, r.offset), "municipality.toml");
    REQUIRE(ds.size() == r.years.size());
    for (std::size_t i = 0; i < ds.size(); ++i) {
      CHECK(ds[i].severity == Diagnostic::Severity::error);
      CHECK(ds[i].file == "municipality.toml");
      CHECK(ds[i].column_name == "holidays.dates");
      CHECK(ds[i].value == r.years[i]);
      CHECK(ds[i].reason.find("no holiday listed in " + r.years[i]) != std::string::npos);
    }
  }
  const auto ds = check_holiday_years(cases(row(1, true, "2027-12", "2028-01") + row(2, true, "2028-02", "2028-03")),
                                      with_holidays({2027}), "municipality.toml");
  REQUIRE(ds.size() == 1);
  // 2027-12 is due 2027-12-31, moved past the closure to Tuesday 2028-01-04: four months fall in 2028.
  CHECK(ds[0].reason.find("4 month(s)") != std::string::npos);
  CHECK(ds[0].reason.find("case C1, billed 2027-12") != std::string::npos);
}
