#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

#include "core/core.hpp"

using namespace tsuchi;

TEST_CASE("calendar arithmetic round-trips and knows leap years and weekdays") {
  struct Row { const char* iso; int weekday; };
  const Row rows[] = {
      {"1970-01-01", 4}, {"2019-04-30", 2}, {"2019-05-01", 3}, {"2024-02-29", 4},
      {"2025-12-31", 3}, {"2026-01-03", 6}, {"2000-02-29", 2},
  };
  for (const auto& r : rows) {
    CAPTURE(r.iso);
    auto d = parse_date(r.iso);
    REQUIRE(d);
    CHECK(weekday(*d) == r.weekday);
    CHECK(civil_from_days(days_from_civil(*d)) == *d);
    CHECK(d->iso() == r.iso);
  }
}

TEST_CASE("dates that do not exist are rejected") {
  for (const char* bad : {"2023-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-4-1", "2025/04/01",
                          "", "2100-02-29", "20250401"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_date(bad));
  }
  CHECK(parse_year_month("2025-09") == YearMonth{2025, 9});
  CHECK_FALSE(parse_year_month("2025-13"));
}

TEST_CASE("a diagnostic names file, line, column and value") {
  Diagnostic d{Diagnostic::Severity::error, "cases.csv", 12, 7, "postal_code", "123-45", "must be 7 digits"};
  CHECK(format(d) == "cases.csv:12:7: error: postal_code \"123-45\": must be 7 digits");
}

TEST_CASE("the office's date comes from its UTC offset, never from the process's time zone") {
  // Offsets: Tokyo +09:00, Kiritimati +14:00, Adak -10:00 (standard time), Kolkata +05:30.
  struct Row { const char* utc; int offset; const char* day; };
  const Row rows[] = {
      {"2026-11-29T14:59:59Z", 9 * 60, "2026-11-29"},   {"2026-11-29T15:00:00Z", 9 * 60, "2026-11-30"},
      {"2025-12-31T15:30:00Z", 9 * 60, "2026-01-01"},   {"2025-12-31T15:30:00Z", 0, "2025-12-31"},
      {"2026-11-29T10:30:00Z", 14 * 60, "2026-11-30"},  {"2026-11-29T10:30:00Z", 9 * 60, "2026-11-29"},
      {"2026-11-29T09:30:00Z", -10 * 60, "2026-11-28"}, {"2026-11-29T09:30:00Z", 9 * 60, "2026-11-29"},
      {"2026-03-01T18:29:00Z", 5 * 60 + 30, "2026-03-01"}, {"2026-03-01T18:30:00Z", 5 * 60 + 30, "2026-03-02"},
      {"1970-01-01T00:00:00Z", -60, "1969-12-31"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.utc);
    CAPTURE(r.offset);
    CHECK(office_date(*parse_utc(r.utc), r.offset).iso() == r.day);
    CHECK(office_today(r.offset, *parse_utc(r.utc)).iso() == r.day);
  }
}

TEST_CASE("a far process time zone does not move the office's date") {
  // At 10:30 UTC Kiritimati (+14) is already on the 30th, at 09:30 UTC Adak (-10) still on the 28th;
  // Tokyo (+09) is on the 29th at both.
  const std::string saved = std::getenv("TZ") ? std::getenv("TZ") : "";
  struct Row { const char* tz; const char* utc; int local_day; };
  const Row rows[] = {{"Pacific/Kiritimati", "2026-11-29T10:30:00Z", 30}, {"America/Adak", "2026-11-29T09:30:00Z", 28}};
  for (const auto& r : rows) {
    CAPTURE(r.tz);
    const std::int64_t now = *parse_utc(r.utc);
    setenv("TZ", r.tz, 1);
    tzset();
    const std::time_t t = static_cast<std::time_t>(now);
    std::tm local{};
    localtime_r(&t, &local);
    REQUIRE(local.tm_mday == r.local_day);  // the process really is far away
    CHECK(office_today(9 * 60, now) == Date{2026, 11, 29});
  }
  if (saved.empty()) unsetenv("TZ");
  else setenv("TZ", saved.c_str(), 1);
  tzset();
}

// The class table municipalities publish each year for 保育所 applications (e.g. 令和7年度 入所案内,
// 年齢別クラス早見表): 0歳児 = born 令和6年4月2日〜令和7年4月1日, 3歳児 = 令和3年4月2日〜令和4年4月1日,
// 5歳児 = 平成31年4月2日〜令和2年4月1日. Age on April 1 counts the 年齢計算ニ関スル法律 way.
TEST_CASE("age class: age on April 1 of the fiscal year, as the 令和7年度 class table states it") {
  struct Row { const char* birth; int fiscal_year; int age_class; };
  const Row rows[] = {
      {"2025-04-02", 2025, 0}, {"2025-12-31", 2025, 0},  // born during the year: 0歳児クラス
      {"2024-04-02", 2025, 0}, {"2025-04-01", 2025, 0},  // 令和6年4月2日〜令和7年4月1日
      {"2023-04-02", 2025, 1}, {"2024-04-01", 2025, 1},
      {"2022-04-02", 2025, 2}, {"2023-04-01", 2025, 2},
      {"2021-04-02", 2025, 3}, {"2022-04-01", 2025, 3},  // 令和3年4月2日〜令和4年4月1日
      {"2020-04-02", 2025, 4}, {"2021-04-01", 2025, 4},
      {"2019-04-02", 2025, 5}, {"2020-04-01", 2025, 5},  // 平成31年4月2日〜令和2年4月1日
      {"2022-04-01", 2024, 2}, {"2022-04-02", 2026, 3},  // the same children a year earlier / later
      {"2020-02-29", 2025, 5},                           // a leap-day birth needs no special case
  };
  for (const auto& r : rows) {
    CAPTURE(r.birth);
    CAPTURE(r.fiscal_year);
    CHECK(age_class(*parse_date(r.birth), r.fiscal_year) == r.age_class);
  }
}
