#include "core/core.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/mynumber.hpp"

namespace tsuchi {

// Defence in depth: whatever a stage put in a message, a My Number in it is shown masked.
std::string format(const Diagnostic& d) {
  std::string s = d.file;
  if (d.line > 0) s += ":" + std::to_string(d.line);
  if (d.column > 0) s += ":" + std::to_string(d.column);
  s += ": ";
  s += d.severity == Diagnostic::Severity::error ? "error: " : "warning: ";
  if (!d.column_name.empty()) s += d.column_name + " ";
  if (!d.value.empty() || !d.column_name.empty()) s += "\"" + mynumber::mask(d.value) + "\": ";
  s += mynumber::mask(d.reason);
  return s;
}

std::string grouped(std::int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

bool has_errors(const Diagnostics& ds) {
  for (const auto& d : ds)
    if (d.severity == Diagnostic::Severity::error) return true;
  return false;
}

std::string YearMonth::iso() const {
  char b[16];
  std::snprintf(b, sizeof b, "%04d-%02d", year, month);
  return b;
}

std::string Date::iso() const {
  char b[16];
  std::snprintf(b, sizeof b, "%04d-%02d-%02d", year, month, day);
  return b;
}

int days_in_month(int y, int m) {
  static constexpr int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return n[m - 1];
}

bool is_valid_date(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

// Howard Hinnant's days_from_civil; written out because <chrono> calendar support is incomplete in GCC 12.
std::int64_t days_from_civil(const Date& dt) {
  std::int64_t y = dt.year;
  const unsigned m = dt.month, d = dt.day;
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

int weekday(const Date& d) {
  const std::int64_t z = days_from_civil(d);
  return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

Date add_days(const Date& d, int n) { return civil_from_days(days_from_civil(d) + n); }

int age_class(const Date& birth, int fiscal_year) {
  // 年齢計算ニ関スル法律: a child born on April 1 reaches each age on March 31, so the school
  // year of a birth starts on April 2.
  const bool before_april_2 = birth.month < 4 || (birth.month == 4 && birth.day < 2);
  const int birth_year = before_april_2 ? birth.year - 1 : birth.year;
  return std::max(0, fiscal_year - birth_year - 1);
}

Date last_day(const YearMonth& ym) { return Date{ym.year, ym.month, days_in_month(ym.year, ym.month)}; }

static bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<Date> parse_date(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) ||
      !digits(s, 8, 2, d) || !is_valid_date(y, m, d))
    return std::nullopt;
  return Date{y, m, d};
}

std::optional<YearMonth> parse_year_month(std::string_view s) {
  int y, m;
  if (s.size() != 7 || s[4] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) || y < 1 || m < 1 || m > 12)
    return std::nullopt;
  return YearMonth{y, m};
}

std::optional<int> parse_hh_mm(std::string_view s) {
  int h, m;
  if (s.size() != 5 || s[2] != ':' || !digits(s, 0, 2, h) || !digits(s, 3, 2, m) || h > 23 || m > 59)
    return std::nullopt;
  return h * 60 + m;
}

std::optional<int> parse_utc_offset(std::string_view s) {
  if (s == "Z") return 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  auto hm = parse_hh_mm(s.substr(1));
  if (!hm || *hm > 14 * 60) return std::nullopt;
  return s[0] == '-' ? -*hm : *hm;
}

std::optional<std::int64_t> parse_utc(std::string_view s) {
  // "YYYY-MM-DDTHH:MM:SSZ"
  if (s.size() != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') return std::nullopt;
  auto d = parse_date(s.substr(0, 10));
  auto num = [&](std::size_t at) -> int {
    if (s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return -1;
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
  };
  int h = num(11), m = num(14), sec = num(17);
  if (!d || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return std::nullopt;
  return days_from_civil(*d) * 86400 + h * 3600 + m * 60 + sec;
}

std::int64_t now_utc_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Date office_date(std::int64_t utc_seconds, int utc_offset_minutes) {
  const std::int64_t local = utc_seconds + std::int64_t{utc_offset_minutes} * 60;
  return civil_from_days(local >= 0 ? local / 86400 : (local - 86399) / 86400);  // floor, also before 1970
}

Date office_today(int utc_offset_minutes, std::int64_t now) { return office_date(now, utc_offset_minutes); }

}  // namespace tsuchi
