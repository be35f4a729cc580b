#include <doctest/doctest.h>

#include "typeset/typeset.hpp"

using namespace tsuchi;
using namespace tsuchi::typeset;

TEST_CASE("wareki: era boundaries fall on the exact day, first years are 元年") {
  struct Row { Date d; const char* expected; };
  const Row rows[] = {
      {{2025, 9, 1}, "令和7年9月1日"},
      {{2019, 5, 1}, "令和元年5月1日"},
      {{2019, 4, 30}, "平成31年4月30日"},
      {{2019, 12, 31}, "令和元年12月31日"},
      {{2020, 1, 1}, "令和2年1月1日"},
      {{1989, 1, 7}, "昭和64年1月7日"},
      {{1989, 1, 8}, "平成元年1月8日"},
      {{1926, 12, 24}, "大正15年12月24日"},
      {{1926, 12, 25}, "昭和元年12月25日"},
      {{1912, 7, 29}, "明治45年7月29日"},
      {{1912, 7, 30}, "大正元年7月30日"},
      {{1873, 1, 1}, "明治6年1月1日"},
      {{1872, 12, 31}, "1872年12月31日"},  // lunisolar days before 明治6年: written in Gregorian
      {{2024, 2, 29}, "令和6年2月29日"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.d.iso());
    CHECK(wareki(r.d) == r.expected);
  }
}

TEST_CASE("wareki_month: a month takes the era of its first day") {
  struct Row { YearMonth ym; const char* expected; };
  const Row rows[] = {
      {{2025, 9}, "令和7年9月"},  {{2019, 4}, "平成31年4月"}, {{2019, 5}, "令和元年5月"},
      {{1989, 1}, "昭和64年1月"}, {{1989, 2}, "平成元年2月"}, {{2026, 3}, "令和8年3月"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.ym.iso());
    CHECK(wareki_month(r.ym) == r.expected);
  }
}

TEST_CASE("wareki_fiscal_year: 年度 named after the era that began in or before its year") {
  struct Row { int fy; const char* expected; };
  const Row rows[] = {
      {2025, "令和7年度"}, {2019, "令和元年度"}, {2018, "平成30年度"}, {2020, "令和2年度"},
      {1989, "平成元年度"}, {1988, "昭和63年度"}, {1912, "大正元年度"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.fy);
    CHECK(wareki_fiscal_year(r.fy) == r.expected);
  }
  CHECK(wareki_fiscal_year(fiscal_year(YearMonth{2026, 3})) == "令和7年度");
}

TEST_CASE("yen and grouped: thousands separated by commas") {
  struct Row { Yen amount; const char* yen_text; const char* grouped_text; };
  const Row rows[] = {
      {0, "0円", "0"},
      {5, "5円", "5"},
      {999, "999円", "999"},
      {1000, "1,000円", "1,000"},
      {12300, "12,300円", "12,300"},
      {300000, "300,000円", "300,000"},
      {1234567, "1,234,567円", "1,234,567"},
      {-4500, "-4,500円", "-4,500"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.amount);
    CHECK(yen(r.amount) == r.yen_text);
    CHECK(grouped(r.amount) == r.grouped_text);
  }
}
