// Japanese dates (和暦) and amounts as printed on notices and slips (SPEC §4).
#include <string>

#include "typeset/typeset.hpp"

namespace tsuchi::typeset {
namespace {

struct Era {
  const char* name;
  Date first_day;
};

// Hand-written rather than ICU's japanese calendar: ICU prints 元年 only through locale-specific
// numbering overrides, and five fixed rows are easier to audit than a formatter pattern.
// Meiji starts at 1873-01-01 (明治6年), the day Japan adopted the Gregorian calendar: earlier
// Meiji dates were lunisolar and cannot be written from a Gregorian day.
constexpr Era kEras[] = {
    {"令和", {2019, 5, 1}}, {"平成", {1989, 1, 8}}, {"昭和", {1926, 12, 25}},
    {"大正", {1912, 7, 30}}, {"明治", {1873, 1, 1}},
};
constexpr int kMeijiFirstYear = 1868;

// The era in force on `d`, or nullptr before the Gregorian Meiji years.
const Era* era_on(const Date& d) {
  for (const auto& e : kEras)
    if (d >= e.first_day) return &e;
  return nullptr;
}

int era_first_year(const Era& e) {
  return std::string_view(e.name) == "明治" ? kMeijiFirstYear : e.first_day.year;
}

std::string era_year(const Era& e, int gregorian_year) {
  int n = gregorian_year - era_first_year(e) + 1;
  return std::string(e.name) + (n == 1 ? std::string("元") : std::to_string(n)) + "年";
}

}  // namespace

std::string wareki(const Date& d) {
  const Era* e = era_on(d);
  std::string y = e ? era_year(*e, d.year) : std::to_string(d.year) + "年";
  return y + std::to_string(d.month) + "月" + std::to_string(d.day) + "日";
}

// A month takes the era of its first day (1989-01 is 昭和64年1月; 2019-05 is 令和元年5月).
std::string wareki_month(const YearMonth& ym) {
  const Era* e = era_on(Date{ym.year, ym.month, 1});
  std::string y = e ? era_year(*e, ym.year) : std::to_string(ym.year) + "年";
  return y + std::to_string(ym.month) + "月";
}

// A fiscal year takes the latest era that began in or before its calendar year, as the
// government named FY2019 令和元年度 (though it opened in 平成31年) and FY1988 昭和63年度.
std::string wareki_fiscal_year(int fy) {
  for (const auto& e : kEras) {
    if (era_first_year(e) <= fy) {
      std::string y = era_year(e, fy);
      return y.substr(0, y.size() - std::string("年").size()) + "年度";
    }
  }
  return std::to_string(fy) + "年度";
}

std::string yen(Yen amount) { return grouped(amount) + "円"; }

}  // namespace tsuchi::typeset
