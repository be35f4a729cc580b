// The shared vocabulary of every stage: dates, months, yen, and errors as values.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tsuchi {

// A problem found in an input, located so a person can find and fix it.
struct Diagnostic {
  enum class Severity { error, warning };
  Severity severity = Severity::error;
  std::string file;         // path as given on the command line
  int line = 0;             // 1-based physical line where the record starts; 0 = whole file
  int column = 0;           // 1-based field number in CSV, 0 = not applicable
  std::string column_name;  // header name or TOML key path
  std::string value;        // offending value; for personal fields only the offending code point
  std::string reason;       // why, in plain English
};
using Diagnostics = std::vector<Diagnostic>;

// "cases.csv:12:7: postal_code "123-45": must be 7 digits" (one line, no personal data beyond `value`).
std::string format(const Diagnostic& d);
bool has_errors(const Diagnostics& ds);
// Thousands grouped with commas, as every document and message prints a count or an amount: 12,300.
std::string grouped(std::int64_t n);

// A value together with the problems found while producing it; the value is usable only without errors.
template <class T>
struct Checked {
  T value{};
  Diagnostics problems;
  bool ok() const { return !has_errors(problems); }
};

// Money is whole yen; never floating point.
using Yen = std::int64_t;

struct YearMonth {
  int year = 0;
  int month = 0;  // 1..12
  auto operator<=>(const YearMonth&) const = default;
  YearMonth next() const { return month == 12 ? YearMonth{year + 1, 1} : YearMonth{year, month + 1}; }
  std::string iso() const;  // "2025-04"
};

// A proleptic Gregorian calendar day.
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
  auto operator<=>(const Date&) const = default;
  std::string iso() const;  // "2025-04-30"
  YearMonth year_month() const { return {year, month}; }
};

int days_in_month(int year, int month);
bool is_valid_date(int year, int month, int day);
std::int64_t days_from_civil(const Date& d);  // days since 1970-01-01
Date civil_from_days(std::int64_t days);
int weekday(const Date& d);  // 0 = Sunday … 6 = Saturday
Date add_days(const Date& d, int n);
Date last_day(const YearMonth& ym);

// Strict parsers: nullopt unless the text is exactly YYYY-MM-DD / YYYY-MM and the date exists.
std::optional<Date> parse_date(std::string_view s);
std::optional<YearMonth> parse_year_month(std::string_view s);
// "08:30" -> 510 minutes after midnight (00:00..23:59); nullopt otherwise.
std::optional<int> parse_hh_mm(std::string_view s);
// "+09:00" / "-05:30" / "Z" -> minutes east of UTC (at most 14 hours).
std::optional<int> parse_utc_offset(std::string_view s);
// "2025-09-01T01:00:00Z" (UTC, seconds, nothing else) -> seconds since the epoch.
std::optional<std::int64_t> parse_utc(std::string_view s);

// The office's clock, never the process's time zone (TZ): the office's zone is [office_hours] utc_offset.
// Seconds since the epoch, from the system clock: the one place that reads "now" for office dates.
std::int64_t now_utc_seconds();
// The office's calendar day at `utc_seconds`, `utc_offset_minutes` east of UTC.
Date office_date(std::int64_t utc_seconds, int utc_offset_minutes);
// Today at the office; tests pass their own `now` (seconds since the epoch).
Date office_today(int utc_offset_minutes, std::int64_t now = now_utc_seconds());

// Japanese fiscal year (年度) runs April..March.
inline int fiscal_year(const YearMonth& ym) { return ym.month >= 4 ? ym.year : ym.year - 1; }
// The child's age class (N歳児クラス) in `fiscal_year`: age on April 1 of that year, counted as the
// law counts it (a child born on April 1 is a year older that day); born later in the year: 0.
int age_class(const Date& birth, int fiscal_year);

}  // namespace tsuchi
