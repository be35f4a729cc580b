// The notice under hard data: long names and addresses in the window, what it says to a family that
// owes nothing, 副食費 by its state, reductions, change notices, two 年度 and page numbers.
#include <doctest/doctest.h>

#include <algorithm>
#include <toml++/toml.h>

#include "text/text.hpp"
#include "typeset/typeset.hpp"
#include "typeset/window.hpp"

using namespace tsuchi;
using namespace tsuchi::display;

namespace {

constexpr double kPtMm = 72.0 / 25.4;
const std::string kDataDir = TSUCHI_DATA_DIR;

const typeset::Typesetter& engine() {
  static auto made = [] {
    auto m = tsuchi::load_municipality(kDataDir + "/examples/municipality.toml");
    REQUIRE(m.ok());
    auto t = typeset::Typesetter::create(kDataDir, m.value);
    REQUIRE(t.ok());
    return std::move(t.value);
  }();
  return *made;
}

// One cash-paying 2号 child of a guardian in 熊谷市, with the slips decide would owe it.
decide::Decision notice_for(std::vector<decide::FeePeriod> periods, bool cash = true) {
  decide::Decision d;
  auto& c = d.c;
  c.case_id = "C0100";
  c.child_name = "熊谷　太郎";
  c.child_birth_date = {2020, 5, 10};
  c.guardian_atena_no = "G000900";
  c.guardian_name = "熊谷　花子";
  c.certification_type = 2;
  c.care_need = ingest::CareNeed::standard;
  c.facility_name = "熊谷市立中央保育所";
  c.bracket = "D4";
  c.cash_payment = cash;
  c.decision_date = {2025, 9, 1};
  c.period_start = periods.front().from;
  c.period_end = periods.back().to;
  for (const auto& p : periods)
    for (YearMonth ym = p.from; ym <= p.to; ym = ym.next()) {
      d.months.push_back({ym, "", p.user_charge, p.user_charge, p.side_dish});
      if (cash && p.user_charge + p.side_dish > 0) {
        decide::Slip s;
        s.case_id = c.case_id;
        s.month = ym;
        d.slips.push_back(s);
      }
    }
  d.periods = std::move(periods);
  return d;
}

std::vector<Page> pages_of(const decide::Decision& d, compose::Recipient to = {}) {
  compose::Envelope e;
  e.sequence = 7;
  e.to = to.name.empty() ? compose::Recipient{"3600012", "埼玉県熊谷市宮町2丁目1番地", "", "熊谷　花子", ""} : to;
  e.notices.push_back(d);
  auto pages = display::flattened(engine().envelope_pages(e, "PREVIEW"));
  pages.erase(std::remove_if(pages.begin(), pages.end(), [](const Page& p) { return p.kind != PageKind::notice; }),
              pages.end());
  return pages;
}

std::string text_of(const std::vector<Page>& pages) {
  std::string s;
  for (const auto& p : pages)
    for (const auto& r : p.runs) s += r.text;
  return s;
}

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

using test::Area;
const Area kWindow = test::shift_safe_window(kDataDir);

const text::TextEngine& fonts() {
  static auto te = [] {
    auto t = text::TextEngine::load(kDataDir + "/fonts/fonts.toml");
    REQUIRE(t.ok());
    return std::move(t.value);
  }();
  return *te;
}

// Ink box of a one-line run: from its first glyph, its set width condensed by its 長体; its em box
// from 0.88 em above the baseline to 0.12 em below.
Area ink(const GlyphRun& r) {
  const bool gothic = fonts().faces()[r.face].name.find("Gothic") != std::string::npos;
  const double w = fonts().width(r.text, gothic ? text::Role::gothic : text::Role::mincho, r.size);
  return {r.glyphs.front().x, r.glyphs.front().y - 0.88 * r.size, w * r.hscale, r.size};
}

bool within(const Area& in, const Area& a, double tol = 0.3) {
  return a.x >= in.x - tol && a.y >= in.y - tol && a.x + a.w <= in.x + in.w + tol && a.y + a.h <= in.y + in.h + tol;
}

// Whether the text engine condenses (INK's 長体); until it does, lines that need it are reported, not checked.
bool condenses() {
  display::Page p;
  text::Canvas c(p, fonts());
  return c.fit_line(std::string(40, 'M'), text::Role::mincho, 10, 50, 9, 0.5).hscale < 1;
}

const std::string kFullWidth[] = {"０", "１", "２", "３", "４", "５", "６", "７", "８", "９"};

}  // namespace

// Names from the stress months; addresses with kanji numerals and full-width digits as
// residents' records hold them. The window area is the layout's window less the shift.
TEST_CASE("recipient block: every line inside the window's shift-safe area, name and 様 on one line") {
  struct Row {
    std::string what;
    compose::Recipient to;
    bool needs_condensing;
  };
  const Row rows[] = {
      {"20-character Japanese name", {"3600012", "埼玉県熊谷市宮町2丁目1番地", "", "長谷川　エリザベート・フォン・シュヴァル", ""}, false},
      {"26-character Latin name", {"3600012", "埼玉県熊谷市宮町2丁目1番地", "", "Alexandra Montgomery-Smith", ""}, false},
      {"49-character Latin name", {"3600012", "埼玉県熊谷市宮町2丁目1番地", "", "Maximilian Alexander von Hohenzollern-Sigmaringen", ""}, true},
      {"30-character Japanese name", {"3600012", "埼玉県熊谷市", "", "長谷川　エリザベート・フォン・シュヴァルツェンベルク・アマーリエ", ""}, true},
      {"full-width digits and hyphen", {"3600012", "熊谷市上之１２３４－５", "", "熊谷　健太", "x"}, false},
      {"kanji numerals, building with full-width digits",
       {"3600843", "埼玉県熊谷市大字三ケ尻六十七番地", "グランドメゾン熊谷駅前第二レジデンス１２３４号室", "熊谷　花子", "x"}, false},
      {"three-line address and two-line building",
       {"3600843", "埼玉県熊谷市大字三ケ尻字八幡耕地六十七番地の十二　熊谷第三土地区画整理事業地内", "グランドメゾン熊谷駅前第二レジデンス東棟１２３４号室", "熊谷　花子", "x"}, false},
  };
  const Area area = kWindow;
  for (const auto& row : rows) {
    CAPTURE(row.what);
    if (row.needs_condensing && !condenses()) {
      MESSAGE("not checked until the text engine condenses (長体): ", row.what);
      continue;
    }
    const auto pages = pages_of(notice_for({{{2025, 4}, {2026, 3}, 0, 0}}), row.to);
    const Page& p = pages.front();
    std::vector<const GlyphRun*> window;
    for (const auto& r : p.runs)
      if (r.bounds.zone == Bounds::Zone::window) window.push_back(&r);
    REQUIRE(window.size() >= 4);  // postal code, address, name, envelope id
    for (const auto* r : window) {
      CAPTURE(r->text);
      // Bounds are the area itself, and the ink lies in it.
      CHECK(r->bounds.x == doctest::Approx(area.x));
      CHECK(r->bounds.w == doctest::Approx(area.w));
      CHECK(within(area, ink(*r)));
      CHECK_FALSE(has(r->text, "〒"));
      for (const auto& d : kFullWidth) CHECK_FALSE(has(r->text, d));
    }
    // The postal code alone on its line, first; every other line below it.
    CHECK(window.front()->text == row.to.postal_code.substr(0, 3) + "-" + row.to.postal_code.substr(3));
    const double postal_y = window.front()->glyphs.front().y;
    for (const auto* r : window)
      if (r != window.front()) CHECK(r->glyphs.front().y > postal_y + 1);
    // Name and 様 in one run, so on one line.
    const std::string name = row.to.name + "　様";
    auto named = std::find_if(window.begin(), window.end(), [&](const GlyphRun* r) { return r->text == name; });
    REQUIRE_MESSAGE(named != window.end(), name);
    for (const auto& g : (*named)->glyphs) CHECK(g.y == doctest::Approx((*named)->glyphs.front().y));
    // Addresses: half-width digits; numbers never broken across lines.
    if (has(row.to.building, "１２３４")) CHECK(has(text_of(pages), "1234号室"));
    if (has(row.to.address, "１２３４－５")) CHECK(has(text_of(pages), "熊谷市上之1234-5"));
    const std::string numerals = "〇一二三四五六七八九十百千0123456789";
    for (std::size_t i = 1; i < window.size(); ++i) {
      const auto& a = window[i - 1]->text;
      const auto& b = window[i]->text;
      if (a.empty() || b.empty() || window[i - 1]->glyphs.front().y == window[i]->glyphs.front().y) continue;
      const std::string last = a.back() & 0x80 ? a.substr(a.size() - 3) : a.substr(a.size() - 1);
      const std::string first = b.front() & 0x80 ? b.substr(0, 3) : b.substr(0, 1);
      CHECK_FALSE_MESSAGE((has(numerals, last) && has(numerals, first)), (a + " | " + b));
    }
    // The customer barcode directly under the name, bounded by the area, its bars inside it.
    if (!row.to.customer_barcode.empty()) {
      auto jp = std::find_if(p.codes.begin(), p.codes.end(), [](const Code& c) { return c.kind == CodeKind::customer_japan_post; });
      REQUIRE(jp != p.codes.end());
      CHECK(jp->bounds.zone == Bounds::Zone::window);
      const double name_bottom = (*named)->glyphs.front().y + 0.12 * (*named)->size;
      CHECK(jp->y >= name_bottom);
      CHECK(jp->y - name_bottom < 1.0 * kPtMm);  // its own 2 mm blank is the rest of the gap
      for (const auto* r : window)
        CHECK_FALSE((r->glyphs.front().y > name_bottom && r->glyphs.front().y < jp->y + jp->h - 2 * kPtMm));
      int bars = 0;
      for (const auto& rc : p.rects)
        if (rc.fill && rc.x >= jp->x && rc.x + rc.w <= jp->x + jp->w && rc.y >= jp->y && rc.y + rc.h <= jp->y + jp->h) {
          ++bars;
          CHECK(within(area, {rc.x, rc.y, rc.w, rc.h}, 0.01));
        }
      CHECK(bars == 67);
    }
  }
}

// Cabinet Office, 幼児教育・保育の無償化 FAQ: 3号 children's 副食費 is part of the 保育料; private
// facilities collect it themselves; the exempt households pay none.
TEST_CASE("notice wording follows the decision: nothing owed, 副食費 states, reductions") {
  SUBCASE("a child with nothing to pay is told so, with no 納付書 mentioned") {
    for (bool cash : {true, false}) {
      CAPTURE(cash);
      auto d = notice_for({{{2025, 4}, {2026, 3}, 0, 0}}, cash);
      d.reductions.free_education = true;
      const std::string t = text_of(pages_of(d));
      CHECK(has(t, "納付は不要です"));
      CHECK_FALSE(has(t, "納付書"));
      CHECK_FALSE(has(t, "口座振替"));
    }
  }
  SUBCASE("some months free: those months are named as needing no payment") {
    const std::string t = text_of(pages_of(notice_for({{{2025, 4}, {2025, 9}, 0, 0, 2025}, {{2025, 10}, {2026, 3}, 12300, 0, 2025}})));
    CHECK(has(t, "同封の納付書"));
    CHECK(has(t, "0円の月は納付は不要です"));
  }
  struct Dish {
    decide::SideDish state;
    const char* cell;
    const char* note;  // empty: no note
  };
  const Dish dishes[] = {
      {decide::SideDish::billed, "4,500円", ""},
      {decide::SideDish::included, "保育料に含む", "副食費は利用者負担額（保育料）に含まれています"},
      {decide::SideDish::facility, "施設に直接納付", "施設に直接お支払いください"},
      {decide::SideDish::exempt, "免除", "副食費は免除されています"},
  };
  for (const auto& dish : dishes) {
    CAPTURE(dish.cell);
    auto d = notice_for({{{2025, 4}, {2026, 3}, 12300, dish.state == decide::SideDish::billed ? 4500 : 0}});
    d.side_dish = dish.state;
    const std::string t = text_of(pages_of(d));
    CHECK(has(t, std::string("12,300円") + dish.cell));  // the row reads 期間 | 利用者負担額 | 副食費
    if (*dish.note) CHECK(has(t, dish.note));
    if (dish.state != decide::SideDish::billed) CHECK_FALSE(has(t, "12,300円0円"));
  }
  // 子ども・子育て支援法施行令: 多子軽減, the second child half, the third and later free.
  struct Reduction {
    bool free_education, multi_child;
    int order;
    double factor;
    const char* printed;
  };
  const Reduction reductions[] = {
      {false, true, 2, 0.5, "多子軽減（第2子・半額）"},
      {false, true, 3, 0.0, "多子軽減（第3子・無料）"},
      {true, false, 1, 1.0, "幼児教育・保育の無償化（利用者負担額0円）"},
      {false, false, 1, 1.0, ""},
  };
  for (const auto& r : reductions) {
    CAPTURE(r.printed);
    auto d = notice_for({{{2025, 4}, {2026, 3}, 6150, 0}});
    d.reductions = {r.free_education, r.multi_child, r.order, r.factor};
    const std::string t = text_of(pages_of(d));
    if (*r.printed) CHECK(has(t, std::string("軽減等") + r.printed));
    else CHECK_FALSE(has(t, "軽減等"));
  }
}

TEST_CASE("口座振替: the 振替日 and the masked account, never the account number") {
  auto d = notice_for({{{2025, 9}, {2026, 3}, 12300, 0}}, false);
  d.c.transfer_bank = "熊谷信用金庫　本店";
  d.c.transfer_account = "1234567";
  d.transfers = {{{2025, 9}, {2025, 9, 30}}, {{2025, 10}, {2025, 10, 31}}};
  const std::string t = text_of(pages_of(d));
  CHECK(has(t, "口座振替"));
  CHECK(has(t, "熊谷信用金庫　本店　口座番号 ＊＊＊＊567"));
  CHECK(has(t, "初回 令和7年9月30日"));
  CHECK_FALSE(has(t, "1234567"));
  CHECK_FALSE(has(t, "納付書"));
}

TEST_CASE("a notice across April names both 年度; a change notice shows 変更前 and 変更後") {
  auto two = notice_for({{{2025, 10}, {2026, 3}, 12300, 0, 2025}, {{2026, 4}, {2026, 9}, 15000, 0, 2026}});
  CHECK(has(text_of(pages_of(two)), "令和7年度及び令和8年度の保育所等の利用者負担額"));

  auto change = notice_for({{{2025, 10}, {2026, 3}, 12300, 0, 2025}});
  change.c.notice_kind = ingest::NoticeKind::change;
  change.c.reason = "市町村民税の更正による階層区分の変更";
  change.c.previous_bracket = "D3";
  change.previous = {{{2025, 10}, {2026, 3}, 9000, 0, 2025}};
  const std::string t = text_of(pages_of(change));
  CHECK(has(t, "利用者負担額変更通知書"));
  CHECK(has(t, "令和7年度の保育所等の利用者負担額（保育料）を下記のとおり変更しました"));
  CHECK(has(t, "D3 → D4"));
  CHECK(has(t, "令和7年10月～令和8年3月9,000円"));
  CHECK(has(t, "令和7年10月～令和8年3月12,300円"));
  CHECK(t.find("9,000円") < t.find("12,300円"));
  // Each amount sits beside its label cell: 9,000円 by 変更前, 12,300円 by 変更後.
  const auto pages = pages_of(change);
  auto run = [&](const std::string& text) -> const GlyphRun& {
    auto it = std::find_if(pages[0].runs.begin(), pages[0].runs.end(), [&](const GlyphRun& r) { return r.text == text; });
    REQUIRE_MESSAGE(it != pages[0].runs.end(), text);
    return *it;
  };
  for (auto [label, amount] : {std::pair{"変更前", "9,000円"}, {"変更後", "12,300円"}}) {
    CAPTURE(label);
    const auto& l = run(label);
    const double y = run(amount).glyphs.front().y;
    CHECK(l.bounds.zone == Bounds::Zone::cell);
    CHECK(y > l.bounds.y);
    CHECK(y < l.bounds.y + l.bounds.h);
  }

  change.previous.clear();
  change.c.previous_bracket.clear();
  const std::string none = text_of(pages_of(change));
  CHECK(has(none, "変更前の額はこの通知には記載していません"));
  CHECK_FALSE(has(none, "9,000円"));
  CHECK_FALSE(has(none, "→"));
}

TEST_CASE("the 教示 carries the one-year limits, in half-width digits") {
  const std::string t = text_of(pages_of(notice_for({{{2025, 4}, {2026, 3}, 12300, 0}})));
  // 行政不服審査法18条2項; 行政事件訴訟法14条2項 and 3項.
  CHECK(has(t, "この処分があった日の翌日から起算して1年を経過すると審査請求をすることができなくなります"));
  CHECK(has(t, "この処分の日から1年を経過すると処分の取消しの訴えを提起することができなくなります"));
  CHECK(has(t, "その裁決の日から1年を経過すると"));
  for (const auto& d : kFullWidth) CHECK_FALSE(has(t, d));
}

TEST_CASE("multi-page notices: page numbers and the 文書番号 on every page, never a page with only the contact box") {
  std::vector<decide::FeePeriod> many;
  for (int i = 0; i < 24; ++i) {
    YearMonth ym{2024 + (3 + i) / 12, (3 + i) % 12 + 1};
    many.push_back({ym, ym, 1000 * (i + 1), 0, fiscal_year(ym)});
  }
  const auto pages = pages_of(notice_for(many));
  REQUIRE(pages.size() == 2);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const std::string t = text_of({pages[i]});
    CHECK(has(t, std::to_string(i + 1) + "/2"));
    CHECK(has(t, "第C0100-20250901号"));
  }
  // Change reasons of growing length: a second page, when there is one, holds 教示 text as well.
  std::string reason;
  int one_page = 0, two_pages = 0;
  for (int k = 0; k < 40; ++k) {
    reason += "保護者の就労状況の変更に伴い保育必要量を見直し、";
    auto d = notice_for({{{2025, 10}, {2026, 3}, 12300, 0}});
    d.c.notice_kind = ingest::NoticeKind::change;
    d.c.reason = reason;
    const auto ps = pages_of(d);
    CAPTURE(reason.size());
    (ps.size() == 1 ? one_page : two_pages)++;
    if (ps.size() < 2) {
      CHECK_FALSE(has(text_of(ps), "1/1"));  // a one-page notice is not numbered
      continue;
    }
    const std::string last = text_of({ps.back()});
    CHECK(has(last, "問合せ先"));
    CHECK((has(last, "取消しの訴え") || has(last, "審査請求")));
    CHECK(has(last, "第C0100-20250901号"));
  }
  CHECK(one_page > 0);
  CHECK(two_pages > 0);
  // This reason fits only with tighter leadings and gaps (seen on the stress month): one page.
  auto tight = notice_for({{{2025, 10}, {2026, 3}, 12300, 0}});
  tight.c.notice_kind = ingest::NoticeKind::change;
  tight.c.facility_name = "社会福祉法人熊谷福祉会　幼保連携型認定こども園　熊谷ひまわり第二こども園";
  const std::string part = "保護者の勤務先の変更に伴い保育の必要性の認定内容を見直したため、また市町村民税の更正決定により"
                           "所得割額が変更となったため、令和7年10月分以降の利用者負担額を再計算し、あわせて多子軽減の対象"
                           "となる兄弟姉妹の数え方について世帯の状況を確認した結果を反映しました。";
  tight.c.reason = part + part;
  CHECK(pages_of(tight).size() == 1);
}

TEST_CASE("the fee table lines up with the label column; every cell's text stays in its cell") {
  auto d = notice_for({{{2025, 4}, {2026, 3}, 123456, 4500}});
  d.c.facility_name = "社会福祉法人熊谷福祉会　幼保連携型認定こども園　熊谷ひまわり第二こども園　分園";
  const auto pages = pages_of(d);
  auto layout = toml::parse_file(kDataDir + "/layouts/notice.toml");
  const double label_edge =
      (layout["body"]["x"].value<double>().value() + layout["table"]["label_w"].value<double>().value()) * kPtMm;
  int cells = 0, at_edge = 0;
  for (const auto& r : pages[0].runs) {
    if (r.bounds.zone != Bounds::Zone::cell) continue;
    ++cells;
    CAPTURE(r.text);
    CHECK(within({r.bounds.x, r.bounds.y, r.bounds.w, r.bounds.h}, ink(r)));
    if (std::abs(r.bounds.x - label_edge) < 0.01) ++at_edge;
  }
  CHECK(cells > 20);
  // Value cells and the period table's first column all start at the label column's edge.
  CHECK(at_edge >= 8);
  const std::string t = text_of(pages);
  CHECK(has(t, "123,456円"));
  CHECK(has(t, "熊谷ひまわり第二こども園"));
}
