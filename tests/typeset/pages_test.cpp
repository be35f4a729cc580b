// envelope_pages on hand-built envelopes, through the real fonts, templates, layouts and barcodes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>
#include <unistd.h>

#include "barcode/barcode.hpp"
#include "typeset/page_probe.hpp"
#include "typeset/forms.hpp"
#include "typeset/typeset.hpp"
#include "typeset/window.hpp"

using namespace tsuchi;
using namespace tsuchi::typeset;
using namespace tsuchi::display;
using tsuchi::test::codes_of;
using namespace tsuchi::text;

namespace {

constexpr double kPt = 72.0 / 25.4;
const std::string kData = TSUCHI_DATA_DIR;

// The example city, on the one-slip-per-sheet layout these page counts assume.
tsuchi::Municipality municipality() {
  auto m = tsuchi::load_municipality(kData + "/examples/municipality.toml");
  REQUIRE(m.ok());
  m.value.slip_layout = "slip";
  return m.value;
}

const Typesetter& typesetter() {
  static auto ts = [] {
    auto t = Typesetter::create(kData, municipality());
    for (const auto& p : t.problems) MESSAGE(format(p));
    REQUIRE(t.ok());
    return std::move(t.value);
  }();
  return *ts;
}

ingest::Case child(const std::string& id, const std::string& name, int type, ingest::CareNeed need, bool cash) {
  ingest::Case c;
  c.case_id = id;
  c.child_name = name;
  c.child_birth_date = {2021, 6, 14};
  c.guardian_atena_no = "G000123";
  c.guardian_name = "熊谷　花子";
  c.postal_code = "2630023";
  c.address = "千葉市稲毛区緑町3丁目30-8";
  c.address_building = "郵便ビル403号";
  c.certification_type = type;
  c.care_need = need;
  c.facility_name = "熊谷市立中央保育所";
  c.facility_public = true;
  c.bracket = "D4";
  c.cash_payment = cash;
  c.decision_date = {2025, 9, 1};
  c.period_start = {2025, 4};
  c.period_end = {2026, 3};
  return c;
}

decide::Decision decision(ingest::Case c, std::vector<decide::FeePeriod> periods) {
  decide::Decision d;
  d.c = std::move(c);
  for (const auto& p : periods)
    for (YearMonth ym = p.from; ym <= p.to; ym = ym.next())
      d.months.push_back({ym, "市町村民税所得割額 48,600円以上 97,000円未満", p.user_charge, p.user_charge, p.side_dish});
  d.periods = std::move(periods);
  // decide owes a cash payer a slip for each month with something to pay.
  for (const auto& mf : d.months)
    if (d.c.cash_payment && mf.total() > 0) {
      decide::Slip s;
      s.case_id = d.c.case_id;
      s.month = mf.month;
      d.slips.push_back(s);
    }
  return d;
}

compose::SlipWithCode slip(const std::string& case_id, YearMonth month, Yen amount, const tsuchi::Municipality& m) {
  compose::SlipWithCode s;
  s.slip.case_id = case_id;
  s.slip.guardian_atena_no = "G000123";
  s.slip.month = month;
  s.slip.fiscal_year = fiscal_year(month);
  s.slip.amount = amount;
  s.slip.due_date = last_day(month);
  s.slip.store_deadline = last_day(month);
  char ref[32];
  std::snprintf(ref, sizeof ref, "01%013d%04d%02d", std::stoi(case_id.substr(1)), month.year, month.month);
  s.slip.payment_reference = ref;
  if (amount <= m.store_ceiling) {
    auto p = barcode::store_payload({m.gs1_issuer_code, ref, 0, s.slip.store_deadline, false, amount});
    REQUIRE(p.ok());
    s.store_barcode = p.value;
  }
  return s;
}

// Three siblings in one envelope: three notices, three slips of which the second is over the ceiling.
compose::Envelope household(const tsuchi::Municipality& m) {
  compose::Envelope e;
  e.sequence = 3;
  e.guardian_atena_no = "G000123";
  e.to = {"2630023", "千葉市稲毛区緑町3丁目30-8", "郵便ビル403号", "熊谷　花子", "26300233-30-8-403/5"};
  auto first = child("C0001", "熊谷　一郎", 3, ingest::CareNeed::standard, true);
  auto second = child("C0002", "熊谷　二郎", 2, ingest::CareNeed::short_time, true);
  auto third = child("C0003", "熊谷　三子", 1, ingest::CareNeed::none, true);
  third.notice_kind = ingest::NoticeKind::change;
  third.reason = "転園による変更";
  e.notices.push_back(decision(first, {{{2025, 4}, {2025, 8}, 30000, 0}, {{2025, 9}, {2026, 3}, 12300, 0}}));
  e.notices.push_back(decision(second, {{{2025, 4}, {2026, 3}, 0, 4500}}));
  e.notices.push_back(decision(third, {{{2025, 4}, {2025, 4}, 0, 4800}}));
  e.slips.push_back(slip("C0001", {2025, 9}, 12300, m));
  e.slips.push_back(slip("C0001", {2025, 10}, 350000, m));
  e.slips.push_back(slip("C0002", {2025, 9}, 4500, m));
  return e;
}

std::string page_text(const Page& p) {
  std::string s;
  for (const auto& r : p.runs) s += r.text;
  return s;
}

struct Window {
  double x, y, w, h;  // points
};

Window window_from_layout() {
  auto a = test::shift_safe_window(kData);
  return {a.x, a.y, a.w, a.h};
}

bool inside(const Window& w, double x, double y) {
  constexpr double e = 0.01;  // points: the block is set flush with the area's edges
  return x >= w.x - e && x <= w.x + w.w + e && y >= w.y - e && y <= w.y + w.h + e;
}

}  // namespace

TEST_CASE("a three-sibling envelope: notices then slips, numbered, each page with its insertion QR") {
  const auto m = municipality();
  const auto e = household(m);
  const auto pages = display::flattened(typesetter().envelope_pages(e, "PREVIEW"));
  REQUIRE(pages.size() == 6);
  const PageKind kinds[] = {PageKind::notice, PageKind::notice, PageKind::notice,
                            PageKind::slip,   PageKind::slip,   PageKind::slip};
  for (int i = 0; i < 6; ++i) {
    CAPTURE(i);
    const Page& p = pages[i];
    CHECK(p.kind == kinds[i]);
    CHECK(p.envelope_id == "PREVIEW/000003");
    CHECK(p.page_in_envelope == i + 1);
    CHECK(p.pages_in_envelope == 6);
    auto qr = codes_of(p, CodeKind::insertion_qr);
    REQUIRE(qr.size() == 1);
    CHECK(qr[0]->value == "PREVIEW/000003/" + std::to_string(i + 1) + "-6");
    // Big enough to read from a 150 dpi scan (0.6 mm modules), small enough for the margin,
    // inside the sheet, and not on top of any text.
    CHECK(qr[0]->w / kPt >= 14.0);
    CHECK(qr[0]->w / kPt <= 20.0);
    CHECK(qr[0]->x + qr[0]->w <= p.width);
    CHECK(qr[0]->y + qr[0]->h <= p.height);
    for (const auto& r : p.runs)
      for (const auto& g : r.glyphs) {
        bool in_qr = g.x >= qr[0]->x && g.x <= qr[0]->x + qr[0]->w && g.y >= qr[0]->y && g.y <= qr[0]->y + qr[0]->h;
        CHECK_MESSAGE(!in_qr, r.text);
      }
  }
  // Each notice is for its own child, in envelope order.
  CHECK(page_text(pages[0]).find("熊谷　一郎") != std::string::npos);
  CHECK(page_text(pages[1]).find("熊谷　二郎") != std::string::npos);
  CHECK(page_text(pages[2]).find("熊谷　三子") != std::string::npos);
}

TEST_CASE("notice wording: title per kind, dates in 和暦, the fee table, payment method, change reason") {
  const auto m = municipality();
  const auto pages = display::flattened(typesetter().envelope_pages(household(m), "PREVIEW"));
  const std::string first = page_text(pages[0]), third = page_text(pages[2]);
  for (const char* s : {"利用者負担額決定通知書", "令和7年9月1日", "第C0001-20250901号", "令和3年6月14日", "3号認定",
                        "保育標準時間", "D4（市町村民税所得割額 48,600円以上 97,000円未満）",
                        "令和7年4月～令和7年8月", "30,000円", "令和7年9月～令和8年3月", "12,300円",
                        "熊谷市長　小林　哲也", "令和7年度", "教示", "熊谷市を被告として", "048-524-1111",
                        "熊谷市立中央保育所"}) {
    CAPTURE(s);
    CHECK(first.find(s) != std::string::npos);
  }
  CHECK(first.find("納付書（同封の納付書により") != std::string::npos);  // cash payer
  CHECK(first.find("変更理由") == std::string::npos);
  CHECK(page_text(pages[1]).find("保育短時間") != std::string::npos);
  CHECK(page_text(pages[1]).find("令和7年4月～令和8年3月") != std::string::npos);
  CHECK(page_text(pages[1]).find("4,500円") != std::string::npos);
  for (const char* s : {"利用者負担額変更通知書", "1号認定", "―", "令和7年4月", "4,800円", "変更理由", "転園による変更"}) {
    CAPTURE(s);
    CHECK(third.find(s) != std::string::npos);
  }
  CHECK(third.find("令和7年4月～") == std::string::npos);  // a one-month period is not a range
  // The seal is stamped at the issuer line.
  REQUIRE(pages[0].images.size() == 1);
  CHECK(pages[0].images[0].png_path == m.seal_image);
}

TEST_CASE("the recipient block sits inside the 長形3号 window; 様 follows the name; customer barcode on page 1") {
  const auto m = municipality();
  const auto e = household(m);
  const auto pages = display::flattened(typesetter().envelope_pages(e, "PREVIEW"));
  const Window w = window_from_layout();
  const Page& p = pages[0];
  int recipient_runs = 0;
  bool honorific = false;
  for (const auto& r : p.runs) {
    bool ours = r.text.find("熊谷　花子") != std::string::npos || r.text == "263-0023" ||
                r.text.find("緑町") != std::string::npos || r.text.find("郵便ビル403号") != std::string::npos ||
                r.text.find("PREVIEW/000003") != std::string::npos;
    if (!ours) continue;
    ++recipient_runs;
    CAPTURE(r.text);
    if (r.text.find("熊谷　花子") != std::string::npos) {
      auto at = r.text.find("熊谷　花子");
      honorific = honorific || r.text.substr(at) == "熊谷　花子　様";
    }
    for (const auto& g : r.glyphs) {
      CHECK(inside(w, g.x, g.y));
      CHECK(inside(w, g.x, g.y - r.size * 0.88));  // the glyph's top too (ink widths: notice_test.cpp)
    }
  }
  CHECK(recipient_runs >= 5);
  CHECK(honorific);
  auto jp = codes_of(p, CodeKind::customer_japan_post);
  REQUIRE(jp.size() == 1);
  CHECK(jp[0]->value == "26300233-30-8-403/5");  // Japan Post's own worked example 1
  CHECK(jp[0]->bar_states.size() == 67);
  CHECK(inside(w, jp[0]->x, jp[0]->y));
  CHECK(inside(w, jp[0]->x + jp[0]->w, jp[0]->y + jp[0]->h));
  // The bars drawn in the code's region read back as the states it promises.
  barcode::Symbol drawn{jp[0]->w / kPt, jp[0]->h / kPt, {}};
  for (const auto& rc : p.rects)
    if (rc.fill && rc.x >= jp[0]->x && rc.x + rc.w <= jp[0]->x + jp[0]->w && rc.y >= jp[0]->y &&
        rc.y + rc.h <= jp[0]->y + jp[0]->h)
      drawn.bars.push_back({(rc.x - jp[0]->x) / kPt, (rc.y - jp[0]->y) / kPt, rc.w / kPt, rc.h / kPt});
  CHECK(drawn.bars.size() == 67);
  CHECK(barcode::bar_states_from_symbol(drawn) == jp[0]->bar_states);
  // Only the sheet facing the window carries it.
  for (std::size_t i = 1; i < pages.size(); ++i) CHECK(codes_of(pages[i], CodeKind::customer_japan_post).empty());
  // Without one (representative postcode), no barcode and the block still prints.
  auto e2 = e;
  e2.to.customer_barcode.clear();
  auto pages2 = display::flattened(typesetter().envelope_pages(e2, "PREVIEW"));
  CHECK(codes_of(pages2[0], CodeKind::customer_japan_post).empty());
  CHECK(page_text(pages2[0]).find("熊谷　花子　様") != std::string::npos);
}

TEST_CASE("slips: store barcode with its 44 digits under the ceiling, the printed note over it") {
  const auto m = municipality();
  const auto e = household(m);
  const auto pages = display::flattened(typesetter().envelope_pages(e, "R20250901-B001"));
  REQUIRE(pages.size() == 6);
  const std::string note = "金額が30万円を超えるため、この納付書は指定金融機関・収納代理金融機関の窓口で納付してください。";
  for (int i = 0; i < 3; ++i) {
    const Page& p = pages[3 + i];
    const auto& s = e.slips[i];
    CAPTURE(s.slip.amount);
    const std::string text = page_text(p);
    auto store = codes_of(p, CodeKind::store_gs1_128);
    CHECK(codes_of(p, CodeKind::insertion_qr)[0]->value == "R20250901-B001/000003/" + std::to_string(4 + i) + "-6");
    if (s.slip.amount > m.store_ceiling) {
      CHECK(store.empty());
      CHECK(text.find(note) != std::string::npos);
      CHECK(text.find("￥350,000※") != std::string::npos);
    } else {
      REQUIRE(store.size() == 1);
      CHECK(store[0]->value == s.store_barcode);
      CHECK(store[0]->value.size() == 44);
      CHECK(store[0]->w / kPt <= 60.0 + 1e-6);
      CHECK(store[0]->h / kPt >= 10.0 - 1e-6);
      CHECK(text.find(note) == std::string::npos);
      auto [l1, l2] = barcode::store_human_readable(s.store_barcode);
      CHECK(text.find(l1) != std::string::npos);
      CHECK(text.find(l2) != std::string::npos);
      // Nothing else is drawn in the barcode's quiet zones.
      for (const auto& r : p.runs)
        for (const auto& g : r.glyphs)
          CHECK_FALSE((g.x >= store[0]->x && g.x <= store[0]->x + store[0]->w && g.y > store[0]->y &&
                       g.y - r.size * 0.88 < store[0]->y + store[0]->h));
    }
    // All three parts, each with the slip's facts.
    for (const char* part : {"領収証書", "納付書", "領収済通知書"}) CHECK(text.find(part) != std::string::npos);
    auto count = [&](const std::string& needle) {
      int n = 0;
      for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
      return n;
    };
    CHECK(count("￥" + grouped(s.slip.amount) + "※") == 3);
    // The 納付番号 in groups on each part; whole only in the barcode's digits.
    CHECK(count(forms::digit_groups(s.slip.payment_reference, {5, 4, 4, 4, 4}, " ")) == 3);
    CHECK(count(s.slip.payment_reference) == (store.empty() ? 0 : 1));
    CHECK(count(wareki_month(s.slip.month) + "分") == 3);
    CHECK(count("熊谷　花子　様") == 3);
    CHECK(count(wareki(s.slip.due_date)) >= 3);
    CHECK(count("令和7年度") == 3);
  }
  CHECK(page_text(pages[3]).find("熊谷　一郎") != std::string::npos);
  CHECK(page_text(pages[5]).find("熊谷　二郎") != std::string::npos);
}

TEST_CASE("ids and barcode digits are marked as codes; names, addresses and wording stay free text") {
  // Preflight applies the My Number check-digit heuristic to free text only (display/display.hpp).
  const auto m = municipality();
  const auto e = household(m);
  const auto pages = display::flattened(typesetter().envelope_pages(e, "PREVIEW"));
  REQUIRE(pages.size() == 6);
  // The origin of every run holding `needle`; fails when no run holds it.
  auto origin = [](const Page& p, const std::string& needle) {
    std::vector<TextOrigin> found;
    for (const auto& r : p.runs)
      if (r.text.find(needle) != std::string::npos) found.push_back(r.origin);
    REQUIRE_MESSAGE(!found.empty(), needle);
    for (auto o : found) CHECK_MESSAGE(o == found[0], needle);
    return found[0];
  };
  const Page& notice = pages[0];
  CHECK(origin(notice, "PREVIEW/000003") == TextOrigin::code);  // envelope id in the window
  CHECK(origin(notice, "C0001-20250901") == TextOrigin::code);  // notice number (case id + date)
  CHECK(origin(notice, "熊谷　花子") == TextOrigin::free);
  CHECK(origin(notice, "千葉市稲毛区") == TextOrigin::free);
  CHECK(origin(notice, "熊谷　一郎") == TextOrigin::free);
  CHECK(origin(pages[2], "転園による変更") == TextOrigin::free);
  const Page& slip = pages[3];
  CHECK(origin(slip, e.slips[0].slip.payment_reference) == TextOrigin::code);  // 納付番号
  auto [l1, l2] = barcode::store_human_readable(e.slips[0].store_barcode);
  CHECK(origin(slip, l1) == TextOrigin::code);
  CHECK(origin(slip, l2) == TextOrigin::code);
  CHECK(origin(slip, "熊谷　花子") == TextOrigin::free);
}

TEST_CASE("every glyph run's clusters cover its text and its glyphs exactly") {
  const auto m = municipality();
  for (const auto& p : display::flattened(typesetter().envelope_pages(household(m), "PREVIEW"))) {
    for (const auto& r : p.runs) {
      CAPTURE(r.text);
      int bytes = 0, glyphs = 0;
      for (const auto& c : r.clusters) {
        CHECK(c.bytes > 0);
        bytes += c.bytes;
        glyphs += c.glyphs;
      }
      CHECK(bytes == static_cast<int>(r.text.size()));
      CHECK(glyphs == static_cast<int>(r.glyphs.size()));
      CHECK(r.face >= 0);
      CHECK(r.face < static_cast<int>(typesetter().faces().size()));
    }
  }
}

TEST_CASE("a notice with many fee periods continues on a second page") {
  const auto m = municipality();
  compose::Envelope e;
  e.sequence = 42;
  e.to = {"2630023", "千葉市稲毛区緑町3丁目30-8", "", "熊谷　花子", ""};
  std::vector<decide::FeePeriod> periods;
  for (int i = 0; i < 24; ++i) {
    YearMonth ym{2024 + (3 + i) / 12, (3 + i) % 12 + 1};
    periods.push_back({ym, ym, 1000 * (i + 1), 4500});
  }
  auto c = child("C0009", "熊谷　九郎", 3, ingest::CareNeed::standard, false);
  e.notices.push_back(decision(c, periods));
  const auto pages = display::flattened(typesetter().envelope_pages(e, "PREVIEW"));
  REQUIRE(pages.size() == 2);
  CHECK(pages[1].kind == PageKind::notice);
  CHECK(pages[1].page_in_envelope == 2);
  CHECK(codes_of(pages[1], CodeKind::insertion_qr)[0]->value == "PREVIEW/000042/2-2");
  const std::string all = page_text(pages[0]) + page_text(pages[1]);
  for (const auto& p : periods) {
    CAPTURE(p.from.iso());
    CHECK(all.find(wareki_month(p.from) + yen(p.user_charge)) != std::string::npos);
  }
  CHECK(page_text(pages[1]).find("利用者負担額決定通知書（つづき）") != std::string::npos);
  CHECK(page_text(pages[1]).find("適用期間") != std::string::npos);  // the period head repeats
  CHECK(page_text(pages[1]).find("問合せ先") != std::string::npos);
  CHECK(page_text(pages[1]).find("熊谷　花子") == std::string::npos);  // no second address block
  CHECK(all.find("口座振替") != std::string::npos);  // account-transfer payer
  // The table stops above the body's bottom (layouts/notice.toml body.bottom = 266 mm) and
  // nothing comes within 10 mm of the sheet's lower edge.
  auto layout = toml::parse_file(kData + "/layouts/notice.toml");
  const double body_bottom = layout["body"]["bottom"].value<double>().value() * kPt;
  for (const auto& p : pages)
    for (const auto& r : p.runs)
      for (const auto& g : r.glyphs) {
        CAPTURE(r.text);
        if (r.text.find("円") != std::string::npos) CHECK(g.y <= body_bottom);
        CHECK(g.y <= p.height - 10 * kPt);
      }
}

TEST_CASE("missing glyphs are those no configured font can draw") {
  const auto& ts = typesetter();
  CHECK(ts.missing("熊谷　𠮷田").empty());  // 𠮷 comes from IPAmj Mincho
  auto miss = ts.missing("a\U0010FFFDb");
  REQUIRE(miss.size() == 1);
  CHECK(miss[0].sequence == std::u32string(U"\U0010FFFD"));
}

TEST_CASE("forms data errors name the file and the key") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("tsuchi-forms-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* sub : {"fonts", "templates", "layouts"})
    fs::copy(kData + "/" + sub, dir / sub, fs::copy_options::recursive);
  auto edit = [&](const fs::path& p, const std::string& from, const std::string& to) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    std::ofstream(p) << s;
  };
  edit(dir / "layouts/notice.toml", "[recipient]\npostal_size = 10.0\n", "[recipient]\n");
  edit(dir / "templates/notice.toml", "{fiscal_year}の", "{fiscal_yr}の");
  edit(dir / "layouts/slip.toml", "max_w = 60.0", "max_w = 50.0");
  auto m = municipality();
  auto t = Typesetter::create(dir.string(), m);
  CHECK_FALSE(t.ok());
  CHECK_FALSE(t.value);
  std::vector<std::string> lines;
  for (const auto& d : t.problems) lines.push_back(format(d));
  auto has = [&](const std::string& file, const std::string& key, const std::string& what) {
    return std::any_of(t.problems.begin(), t.problems.end(), [&](const Diagnostic& d) {
      return d.file == (dir / file).string() && d.column_name == key && format(d).find(what) != std::string::npos;
    });
  };
  for (const auto& l : lines) MESSAGE(l);
  CHECK(has("layouts/notice.toml", "recipient.postal_size", "missing"));
  CHECK(has("templates/notice.toml", "salutation.decision", "{fiscal_yr}"));
  CHECK(has("layouts/slip.toml", "barcode.max_w", "over barcode.max_w"));
  fs::remove_all(dir);
}
