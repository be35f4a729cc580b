// One-line fitting (shrink, then 長体) and where paragraphs may break: address points, and never
// inside a number or a word of a name.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fonts.hpp"
#include "text/text.hpp"

using namespace tsuchi::display;
using namespace tsuchi::text;

namespace {

// The lines of a paragraph as text, in order.
std::vector<std::string> lines(std::string_view s, double size, double width, Breaks breaks,
                               Role role = Role::mincho) {
  const TextBlock b = engine().paragraph(s, role, size, 0, 0, width, size * 1.5, Align::left, breaks);
  std::vector<std::string> out;
  double y = -1;
  for (const GlyphRun& r : b.runs) {
    if (out.empty() || r.glyphs.front().y != y) out.emplace_back();
    y = r.glyphs.front().y;
    out.back() += r.text;
  }
  return out;
}

std::string joined(const std::vector<std::string>& ls, const char* sep = "|") {
  std::string s;
  for (const auto& l : ls) s += (s.empty() ? "" : sep) + l;
  return s;
}

// IPAex sets kana and kanji on a one-em square (JIS X 4051 body size): five kana at 10 pt are
// 50 pt wide, 17.64 mm.
const std::string kFive = "あいうえお";

}  // namespace

TEST_CASE("fit_line: the size when it fits, else shrunk to the floor, then condensed; fails below min_hscale") {
  Page page;
  Canvas c(page, engine());
  struct Row {
    double max_w_pt, min_size;
    LineFit want;
  } rows[] = {
      {60, 8, {10, 1.0, true}},    // fits as it is
      {50, 8, {10, 1.0, true}},    // exactly
      {45, 8, {9, 1.0, true}},     // shrinks to 9 pt
      {40, 8, {8, 1.0, true}},     // shrinks to the floor exactly
      {30, 8, {8, 0.75, true}},    // floor, then condensed to 75%
      {24, 8, {8, 0.6, true}},     // condensed to the limit
      {20, 8, {8, 0.6, false}},    // 50% would be needed: does not fit
      {20, 12, {10, 0.4, true}},   // a floor above the size is the size (condensing only)
  };
  for (const Row& r : rows) {
    CAPTURE(r.max_w_pt);
    CAPTURE(r.min_size);
    const double min_hscale = r.min_size == 12 ? 0.4 : 0.6;
    const LineFit f = c.fit_line(kFive, Role::mincho, 10, mm(r.max_w_pt), r.min_size, min_hscale);
    CHECK(f.size == doctest::Approx(r.want.size).epsilon(1e-6));
    CHECK(f.hscale == doctest::Approx(r.want.hscale).epsilon(1e-6));
    CHECK(f.fits == r.want.fits);
    // What fits is set within the width.
    if (f.fits) CHECK(c.width(kFive, Role::mincho, f.size) * f.hscale <= mm(r.max_w_pt) + 1e-9);
  }
}

TEST_CASE("長体: advances are condensed, alignment uses the condensed width, runs carry the scale") {
  const double w = engine().width(kFive, Role::mincho, 10);
  REQUIRE(w == doctest::Approx(50));
  struct Row {
    Align align;
    double left;  // first glyph's pen at x = 100, condensed width 35
  } rows[] = {{Align::left, 100}, {Align::right, 65}, {Align::center, 82.5}};
  for (const Row& r : rows) {
    const auto runs = engine().line(kFive, Role::mincho, 10, 100, 50, r.align, 0, 0.7);
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].hscale == 0.7);
    REQUIRE(runs[0].glyphs.size() == 5);
    CHECK(runs[0].glyphs[0].x == doctest::Approx(r.left));
    for (int i = 1; i < 5; ++i) CHECK(runs[0].glyphs[i].x - runs[0].glyphs[i - 1].x == doctest::Approx(7));
  }
  // The canvas sets a fitted line with its LineStyle's scale; right-aligned, it ends at x.
  Page page;
  Canvas c(page, engine());
  const LineFit f = c.fit_line(kFive, Role::mincho, 10, mm(30), 8);
  LineStyle how;
  how.align = Align::right;
  how.hscale = f.hscale;
  c.text(kFive, Role::mincho, f.size, 100, 50, how);
  REQUIRE(page.runs.size() == 1);
  CHECK(page.runs[0].hscale == doctest::Approx(0.75));
  CHECK(page.runs[0].size == doctest::Approx(8));
  CHECK(page.runs[0].glyphs[0].x == doctest::Approx(pt(100) - 30));
}

TEST_CASE("Breaks::address: after 　, a space, 番地, 号 or の; never inside a number") {
  struct Row {
    std::string address;
    double width_em;   // line width in ems of 10 pt
    std::string want;  // lines joined by |
  } rows[] = {
      // No address point fits the first line: the word break before 六十七, never 六|十七.
      {"埼玉県熊谷市大字三ケ尻六十七番地", 12.5, "埼玉県熊谷市大字三ケ尻|六十七番地"},
      {"埼玉県熊谷市大字三ケ尻六十七番地", 8, "埼玉県熊谷市大字|三ケ尻六十七番地"},
      // After 番地 rather than at a later character.
      {"熊谷市宮町二丁目六十七番地の二　コーポ熊谷", 13, "熊谷市宮町二丁目六十七番地|の二　コーポ熊谷"},
      {"熊谷市宮町二丁目六十七番地の二　コーポ熊谷", 14.5, "熊谷市宮町二丁目六十七番地の|二　コーポ熊谷"},
      // After 　 (kept at the line's end, taking no width), and after 号 but not inside 号室.
      {"熊谷市宮町二丁目六十七番地の二　コーポ熊谷", 16, "熊谷市宮町二丁目六十七番地の二　|コーポ熊谷"},
      {"熊谷市宮町2-3-4　グランドメゾン熊谷101号室", 13, "熊谷市宮町2-3-4　|グランドメゾン熊谷101号室"},
      {"熊谷市宮町1234-5　グランドメゾン", 7, "熊谷市宮町|1234-5　|グランドメゾン"},
      {"東京都千代田区霞が関1丁目3番2号 郵政ビル", 16, "東京都千代田区霞が関1丁目3番2号|郵政ビル"},
      // Full-width digits are a number too.
      {"熊谷市宮町１２３４５６７番地", 9, "熊谷市宮町|１２３４５６７番地"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.address);
    CAPTURE(r.width_em);
    CHECK(joined(lines(r.address, 10, r.width_em * 10, Breaks::address)) == r.want);
  }
}

TEST_CASE("no line of any width breaks inside 六十七, 2025, 1234-5 or ２０２５, in either mode") {
  const std::string text = "令和7年度の保育料は2025年4月分から埼玉県熊谷市大字三ケ尻六十七番地、"
                           "宮町1234-5の２０２５号室まで";
  const std::vector<std::string> numbers = {"六十七", "2025", "1234-5", "２０２５"};
  for (Breaks breaks : {Breaks::text, Breaks::address})
    for (double w = 45; w <= 300; w += 5) {
      const auto ls = lines(text, 10, w, breaks);
      CAPTURE(joined(ls));
      CHECK(joined(ls, "") == text);
      const std::string j = joined(ls);
      for (const auto& n : numbers) CHECK(j.find(n) != std::string::npos);
    }
}

TEST_CASE("Breaks::text keeps the words of names whole where it can: こども|園, never こど|も園") {
  struct Row {
    std::string text;
    double width_em;
    std::string want;
  } rows[] = {
      {"熊谷市立こども園", 6.5, "熊谷市立|こども園"},
      {"熊谷市立第二こども園に入園しています", 6.5, "熊谷市立第二|こども園に|入園してい|ます"},
      // 行頭禁則 still holds: 。 never starts a line.
      {"審査請求ができます。", 9, "審査請求ができ|ます。"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    CHECK(joined(lines(r.text, 10, r.width_em * 10, Breaks::text)) == r.want);
  }
  for (double w = 40; w <= 120; w += 5) {
    const std::string j = joined(lines("熊谷市立第二こども園", 10, w, Breaks::text));
    CAPTURE(j);
    CHECK(j.find("こども") != std::string::npos);
  }
}
