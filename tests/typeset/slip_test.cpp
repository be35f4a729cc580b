// Payment slips through the real fonts, templates and both slip layouts: the wording a payer reads,
// the codes the bank and the store scan, and how many slips a sheet carries.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "barcode/barcode.hpp"
#include "typeset/page_probe.hpp"
#include "typeset/forms.hpp"

using namespace tsuchi;
using namespace tsuchi::typeset;
using namespace tsuchi::typeset::forms;
using namespace tsuchi::display;
using tsuchi::test::codes_of;

namespace {

constexpr double kPt = 72.0 / 25.4;
const std::string kData = TSUCHI_DATA_DIR;

tsuchi::Municipality municipality(const std::string& layout) {
  auto m = tsuchi::load_municipality(kData + "/examples/municipality.toml");
  REQUIRE(m.ok());
  m.value.slip_layout = layout;
  return m.value;
}

const TextEngine& engine() {
  static auto te = [] {
    auto t = TextEngine::load(kData + "/fonts/fonts.toml");
    REQUIRE(t.ok());
    return std::move(t.value);
  }();
  return *te;
}

Forms load(const tsuchi::Municipality& m) {
  auto f = load_forms(kData, m);
  for (const auto& p : f.problems) MESSAGE(format(p));
  REQUIRE(f.ok());
  return f.value;
}

const compose::Recipient kTo{"2630023", "千葉市稲毛区緑町3丁目30-8", "郵便ビル403号", "熊谷　花子", ""};

compose::SlipWithCode slip(YearMonth month, Yen user_charge, Yen side_dish, const tsuchi::Municipality& m) {
  compose::SlipWithCode s;
  s.slip.case_id = "C0001";
  s.slip.month = month;
  s.slip.fiscal_year = fiscal_year(month);
  s.slip.user_charge = user_charge;
  s.slip.side_dish = side_dish;
  s.slip.amount = user_charge + side_dish;
  s.slip.due_date = last_day(month);
  s.slip.store_deadline = last_day(month);
  char ref[32];
  std::snprintf(ref, sizeof ref, "01%013d%04d%02d", 0, month.year, month.month);
  s.slip.payment_reference = ref;
  if (s.slip.amount <= m.store_ceiling) {
    auto p = barcode::store_payload({m.gs1_issuer_code, ref, 0, s.slip.store_deadline, false, s.slip.amount});
    REQUIRE(p.ok());
    s.store_barcode = p.value;
  }
  return s;
}

std::vector<Page> sheets(const Forms& f, const tsuchi::Municipality& m, const std::vector<compose::SlipWithCode>& ss) {
  std::vector<SlipOnSheet> on;
  for (const auto& s : ss) on.push_back({&s, nullptr});
  return display::flattened(slip_pages(f, engine(), m, on, kTo));
}

std::string page_text(const Page& p) {
  std::string s;
  for (const auto& r : p.runs) s += r.text + "\n";
  return s;
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

const char* const kLayouts[] = {"slip", "slip-compact"};

YearMonth plus(YearMonth ym, int months) {
  while (months-- > 0) ym = ym.next();
  return ym;
}

}  // namespace

TEST_CASE("slips per sheet come from the layout: seven months take seven sheets, or three compact ones") {
  struct Row {
    const char* layout;
    int per_sheet, slips, sheets;
  };
  for (const Row& r : {Row{"slip", 1, 7, 7}, Row{"slip-compact", 3, 7, 3}, Row{"slip-compact", 3, 6, 2},
                       Row{"slip-compact", 3, 1, 1}}) {
    CAPTURE(r.layout);
    CAPTURE(r.slips);
    const auto m = municipality(r.layout);
    const auto f = load(m);
    CHECK(slips_per_sheet(f) == r.per_sheet);
    std::vector<compose::SlipWithCode> ss;
    for (int i = 0; i < r.slips; ++i) ss.push_back(slip(plus({2025, 9}, i), 12300, 0, m));
    const auto pages = sheets(f, m, ss);
    REQUIRE(pages.size() == static_cast<std::size_t>(r.sheets));
    // Every slip is on its sheet once per part, in order.
    int seen = 0;
    for (const auto& p : pages) seen += count(page_text(p), "納付者保管");
    CHECK(seen == r.slips);
    CHECK(count(page_text(pages[0]), wareki_month({2025, 9}) + "分") == 3);
  }
}

TEST_CASE("over the store ceiling, a slip names no convenience store anywhere") {
  for (const char* layout : kLayouts) {
    CAPTURE(layout);
    const auto m = municipality(layout);
    const auto f = load(m);
    const auto over = sheets(f, m, {slip({2025, 10}, 350000, 0, m)});
    REQUIRE(over.size() == 1);
    const std::string text = page_text(over[0]);
    CHECK(text.find("コンビニ") == std::string::npos);  // コンビニエンスストア included
    CHECK(codes_of(over[0], CodeKind::store_gs1_128).empty());
    CHECK(text.find("金額が30万円を超えるため") != std::string::npos);
    CHECK(text.find("￥350,000※") != std::string::npos);
    // Under the ceiling the store is offered, with its deadline.
    const std::string under = page_text(sheets(f, m, {slip({2025, 10}, 12300, 0, m)})[0]);
    CHECK(under.find("コンビニ納付期限") != std::string::npos);
    CHECK(count(under, "コンビニエンスストア") >= 2);
  }
}

TEST_CASE("科目 follows the fee kind, amounts carry the ￥…※ guard, the 納付番号 prints in groups") {
  struct Row {
    Yen user_charge, side_dish;
    const char* subject;  // printed in the 科目 cell of all three parts
    const char* amount;
  };
  for (const char* layout : kLayouts) {
    const auto m = municipality(layout);
    const auto f = load(m);
    for (const Row& r : {Row{12300, 0, "保育料", "￥12,300※"}, Row{0, 4500, "副食費", "￥4,500※"},
                         Row{12300, 4500, "保育料・副食費", "￥16,800※"}}) {
      CAPTURE(layout);
      CAPTURE(r.subject);
      const auto page = sheets(f, m, {slip({2025, 9}, r.user_charge, r.side_dish, m)})[0];
      std::vector<std::string> cells;
      for (const auto& run : page.runs) cells.push_back(run.text);
      CHECK(std::count(cells.begin(), cells.end(), std::string(r.subject)) == 3);
      CHECK(std::count(cells.begin(), cells.end(), std::string(r.amount)) == 3);
      // 21 digits as 5-4-4-4-4, still marked as an id for preflight.
      const std::string grouped = "01000 0000 0000 0020 2509";
      int n = 0;
      for (const auto& run : page.runs)
        if (run.text == grouped) {
          ++n;
          CHECK(run.origin == TextOrigin::code);
        }
      CHECK(n == 3);
      // The part for the bank names the fee kind in its instructions too.
      CHECK(page_text(page).find(std::string("の") + r.subject + "の納付に使用します") != std::string::npos);
    }
  }
}

TEST_CASE("cell text is fitted to its cell on one line and bounded by it") {
  for (const char* layout : kLayouts) {
    CAPTURE(layout);
    const auto m = municipality(layout);
    const auto f = load(m);
    compose::Recipient to = kTo;
    to.name = "ファン・デル・ヴェルデ　エリザベート・アレクサンドラ";
    auto s = slip({2025, 9}, 12300, 4500, m);
    const auto pages = display::flattened(slip_pages(f, engine(), m, {{&s, nullptr}}, to));
    int names = 0;
    for (const auto& r : pages[0].runs) {
      if (r.text.find("エリザベート") == std::string::npos) continue;
      ++names;
      CHECK(r.text == to.name + "　様");  // one line, 様 included
      CHECK(r.bounds.zone == Bounds::Zone::cell);
      CHECK(r.size < f.slip.cells.value_size);  // set smaller rather than wrapped
      const double w = engine().width(r.text, Role::mincho, r.size) * r.hscale;
      CHECK(r.glyphs.front().x >= r.bounds.x);
      CHECK(r.glyphs.front().x + w <= r.bounds.x + r.bounds.w + 0.3);
    }
    CHECK(names == 3);
    for (const auto& r : pages[0].runs)
      if (r.text.find("￥") != std::string::npos) CHECK(r.bounds.zone == Bounds::Zone::cell);
  }
}

TEST_CASE("the store barcode: module from the printer, bars at least 10 mm, inside its part") {
  struct Row {
    int dpi;
    double module_override;
    double module;  // mm
  };
  for (const char* layout : kLayouts)
    for (const Row& r : {Row{600, 0, 4 * 25.4 / 600}, Row{400, 0, 3 * 25.4 / 400}, Row{600, 0.18, 0.18}}) {
      CAPTURE(layout);
      CAPTURE(r.dpi);
      auto m = municipality(layout);
      m.printer_dpi = r.dpi;
      m.gs1_module_mm = r.module_override;
      const auto f = load(m);
      CHECK(f.slip.barcode.module == doctest::Approx(r.module));
      const auto page = sheets(f, m, {slip({2025, 9}, 12300, 0, m)})[0];
      auto store = codes_of(page, CodeKind::store_gs1_128);
      REQUIRE(store.size() == 1);
      CHECK(store[0]->w / kPt == doctest::Approx(288 * r.module + 2 * 2.54));
      CHECK(store[0]->h / kPt >= 10.0);
      // Inside the part that goes to the bank (the store part), not across a perforation.
      const auto& part = *std::find_if(f.slip.parts.begin(), f.slip.parts.end(), [](auto& p) { return p.store_barcode; });
      const double px = (f.slip.slots[0].x + part.box.x) * kPt, py = (f.slip.slots[0].y + part.box.y) * kPt;
      CHECK(store[0]->x >= px);
      CHECK(store[0]->x + store[0]->w <= px + part.box.w * kPt);
      CHECK(store[0]->y + store[0]->h <= py + part.box.h * kPt);
    }
}

TEST_CASE("the insertion QR sits on the 領収証書, which stays with the payer") {
  for (const char* layout : kLayouts) {
    CAPTURE(layout);
    const auto m = municipality(layout);
    const auto f = load(m);
    std::vector<compose::SlipWithCode> ss;
    for (int i = 0; i < 3; ++i) ss.push_back(slip(plus({2025, 9}, i), 12300, 0, m));
    for (std::size_t n : {std::size_t(1), ss.size()}) {
      auto page = sheets(f, m, {ss.begin(), ss.begin() + static_cast<long>(n)})[0];
      page.envelope_id = "R20250901-B001/000003-2";
      page.page_in_envelope = 4;
      page.pages_in_envelope = 6;
      insertion_qr(page, engine(), f.slip.qr);
      auto qr = codes_of(page, CodeKind::insertion_qr);
      REQUIRE(qr.size() == 1);
      const double cx = qr[0]->x + qr[0]->w / 2, cy = qr[0]->y + qr[0]->h / 2;
      // Which part's title is printed in the 99 x (part width) box the QR's centre falls in.
      bool on_payer = false, on_other = false;
      for (const auto& slot : f.slip.slots)
        for (std::size_t i = 0; i < f.slip.parts.size(); ++i) {
          const auto& b = f.slip.parts[i].box;
          const double x = (slot.x + b.x) * kPt, y = (slot.y + b.y) * kPt;
          const bool overlaps = qr[0]->x < x + b.w * kPt && x < qr[0]->x + qr[0]->w && qr[0]->y < y + b.h * kPt &&
                                y < qr[0]->y + qr[0]->h;
          if (!overlaps) continue;
          const bool centre = cx >= x && cx <= x + b.w * kPt && cy >= y && cy <= y + b.h * kPt;
          if (centre && f.slip_text.parts[i].title == "領収証書") on_payer = true;
          else on_other = true;
        }
      CHECK(on_payer);
      CHECK_FALSE(on_other);
    }
  }
}

TEST_CASE("eL: the mark, the grouped eL番号 and the eL-QR with its payload, only where given") {
  const std::string payload = "EL1234567890123456789012345678901234567890ABCDEFGHIJ/2025-09/12300";
  for (const char* layout : kLayouts) {
    CAPTURE(layout);
    const auto m = municipality(layout);
    const auto f = load(m);
    auto with = slip({2025, 9}, 12300, 0, m);
    with.slip.el_number = "12345678901234567890";
    with.slip.el_qr = payload;
    const auto without = slip({2025, 10}, 12300, 0, m);
    const auto page = sheets(f, m, {with})[0];
    auto el = codes_of(page, CodeKind::el_qr);
    REQUIRE(el.size() == 1);
    CHECK(el[0]->value == payload);
    CHECK(el[0]->w > 0);
    const std::string text = page_text(page);
    CHECK(text.find("eL番号 1234 5678 9012 3456 7890") != std::string::npos);
    CHECK(count(text, "eL\n") == 1);  // the drawn mark
    // Inside the area the layout reserves, on the part marked el.
    const auto& part = *std::find_if(f.slip.parts.begin(), f.slip.parts.end(), [](auto& p) { return p.el; });
    const double qx = (f.slip.slots[0].x + part.box.x + f.slip.el.qr.x) * kPt;
    const double qy = (f.slip.slots[0].y + part.box.y + f.slip.el.qr.y) * kPt;
    CHECK(el[0]->x == doctest::Approx(qx));
    CHECK(el[0]->y == doctest::Approx(qy));
    CHECK(el[0]->w <= f.slip.el.qr.w * kPt + 1e-6);
    // A slip without eL data leaves the area empty.
    const auto plain = sheets(f, m, {without})[0];
    CHECK(codes_of(plain, CodeKind::el_qr).empty());
    CHECK(page_text(plain).find("eL") == std::string::npos);
    // On a compact sheet, each slip keeps its own eL data.
    if (slips_per_sheet(f) > 1) {
      const auto mixed = sheets(f, m, {without, with, without})[0];
      auto codes = codes_of(mixed, CodeKind::el_qr);
      REQUIRE(codes.size() == 1);
      CHECK(codes[0]->y > qy + 90 * kPt);  // the second slot
    }
  }
}
