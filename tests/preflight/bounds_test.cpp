// Preflight of where ink lands: glyph runs and codes that carry bounds (the envelope window less
// its worst-case shift, a table cell) are drawn by the real PdfWriter, read back with Poppler, and
// refused when their ink leaves the bounds; the eL-QR decodes against its payload.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "barcode/barcode.hpp"
#include "core/mynumber.hpp"
#include "preflight/preflight.hpp"
#include "render/render.hpp"
#include "fonts.hpp"
#include "text/text.hpp"

using namespace tsuchi;
using namespace tsuchi::display;
using namespace tsuchi::text;

namespace {

// Drawn page by page by the writer produce uses, then read back against the same display list.
std::string written(const Document& doc) {
  std::string bytes;
  render::PdfWriter writer(doc.faces, {}, [&](std::string_view b) { bytes.append(b); });
  for (const Page& p : doc.pages) writer.add(p);
  REQUIRE(writer.finish().ok());
  return bytes;
}

// As produce keeps a page once drawn (batch.cpp): no glyphs, clusters, rects or images.
Document stripped(Document doc) {
  for (Page& p : doc.pages) {
    for (GlyphRun& r : p.runs) r.glyphs.clear(), r.clusters.clear();
    p.rects.clear();
    p.images.clear();
  }
  return doc;
}

std::vector<std::string> findings(const Document& doc, const preflight::Options& opt = {}) {
  const std::string pdf = written(doc);
  std::vector<std::string> out;
  for (const auto& f : preflight::check(pdf, stripped(doc), opt).findings) out.push_back(f.what);
  return out;
}

Document one_page(Page p) {
  p.envelope_id = "R20260901-B001/000001";
  Document doc;
  doc.faces = engine().faces();
  doc.pages.push_back(std::move(p));
  return doc;
}

const std::string kName = "熊谷　エリザベート・フォン・ヴァイセンフェルス　様";
constexpr double kSize = 12, kX = 100, kBaseline = 150;

// The name line with bounds around its em boxes, moved in by `right`, `bottom` mm at those edges.
Page name_line(double hscale, double right_mm, double bottom_mm, Bounds::Zone zone = Bounds::Zone::window) {
  Page p;
  const double w = engine().width(kName, Role::mincho, kSize) * hscale;
  for (auto r : engine().line(kName, Role::mincho, kSize, kX, kBaseline, Align::left, 0, hscale)) {
    r.bounds = {kX - 2, kBaseline - 0.88 * kSize - 2, w + 4 - pt(right_mm), kSize + 4 - pt(bottom_mm), zone};
    p.runs.push_back(std::move(r));
  }
  return p;
}

}  // namespace

TEST_CASE("a bounded line whose ink leaves its bounds is refused, by how far, without quoting it") {
  struct Row {
    double right_mm, bottom_mm;  // how far the bounds end before the ink (2 pt = 0.7 mm of margin first)
    Bounds::Zone zone;
    std::string finding;  // empty: passes
  } rows[] = {
      {0, 0, Bounds::Zone::window, ""},
      {0.7, 0, Bounds::Zone::window, ""},  // the 2 pt margin used up: exactly at the edge
      {3.9, 0, Bounds::Zone::window, "recipient line leaves the envelope window by 3.2 mm"},
      {0, 1.8, Bounds::Zone::cell, "text overflows its table cell by 1.1 mm"},
      {1.7, 0, Bounds::Zone::none, "text leaves its bounds by 1.0 mm"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.finding);
    auto got = findings(one_page(name_line(1.0, r.right_mm, r.bottom_mm, r.zone)));
    if (r.finding.empty()) {
      CHECK(got.empty());
      continue;
    }
    REQUIRE(got.size() == 1);  // one line in several fonts is still one finding
    CHECK(got[0] == r.finding);
    CHECK(got[0].find("エリザ") == std::string::npos);
  }
}

TEST_CASE("a condensed (長体) line reads back at its condensed width, so it fits where the natural one does not") {
  // Bounds ending exactly where the line condensed to 0.7 ends: its ink (outlines and advances
  // condensed alike) fits; at its natural width it overflows by 0.3 of the line.
  const double natural = mm(engine().width(kName, Role::mincho, kSize));
  CHECK(findings(one_page(name_line(0.7, mm(2), 0))).empty());
  auto got = findings(one_page(name_line(1.0, 0.3 * natural + mm(2), 0)));
  REQUIRE(got.size() == 1);
  char want[80];
  std::snprintf(want, sizeof want, "recipient line leaves the envelope window by %.1f mm", 0.3 * natural);
  CHECK(got[0] == want);
}

TEST_CASE("a repeated text is matched to its own run: the 様 outside the window is caught, not the one inside") {
  Page p;
  const Bounds window{pt(20), pt(40), pt(90), pt(45), Bounds::Zone::window};
  auto put = [&](const std::string& s, double x_mm, double y_mm, bool bounded) {
    for (auto r : engine().line(s, Role::mincho, kSize, pt(x_mm), pt(y_mm))) {
      if (bounded) r.bounds = window;
      p.runs.push_back(std::move(r));
    }
  };
  put("様", 30, 60, false);  // unbounded, inside the window
  put("熊谷　花子", 30, 75, true);
  put("様", 120, 75, true);  // the recipient's 様, beyond the window's right edge (110 mm)
  auto got = findings(one_page(std::move(p)));
  REQUIRE(got.size() == 1);
  char want[80];
  std::snprintf(want, sizeof want, "recipient line leaves the envelope window by %.1f mm", 120 + mm(kSize) - 110);
  CHECK(got[0] == want);
}

TEST_CASE("a customer barcode drawn outside its bounds is refused; inside it passes") {
  auto cc = barcode::customer_code("3600843", "埼玉県熊谷市大字三ケ尻67番地");
  REQUIRE(cc);
  const auto sym = barcode::draw_customer_barcode(*cc);
  struct Row {
    double shift_mm;  // the bars drawn this far right of where the bounds expect them
    std::string finding;
  } rows[] = {{0, ""}, {2.5, "customer barcode leaves the envelope window by 2.5 mm"}};
  for (const Row& r : rows) {
    Page p;
    const double x = pt(30 + r.shift_mm), y = pt(70);
    for (const auto& b : sym.bars) p.rects.push_back({x + pt(b.x), y + pt(b.y), pt(b.w), pt(b.h)});
    Code c{CodeKind::customer_japan_post, cc->data + "/" + cc->check_digit, barcode::customer_bar_states(*cc), x, y,
           pt(sym.width_mm), pt(sym.height_mm), {}};
    // The bars' own extent at the unshifted place; the symbol's quiet zone is part of the window.
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
    for (const auto& b : sym.bars)
      x0 = std::min(x0, b.x), x1 = std::max(x1, b.x + b.w), y0 = std::min(y0, b.y), y1 = std::max(y1, b.y + b.h);
    c.bounds = {pt(30 + x0), pt(70 + y0), pt(x1 - x0), pt(y1 - y0), Bounds::Zone::window};
    p.codes.push_back(c);
    CAPTURE(r.finding);
    auto got = findings(one_page(std::move(p)));
    if (r.finding.empty()) {
      CHECK(got.empty());
    } else {
      REQUIRE(got.size() == 1);
      CHECK(got[0] == r.finding);
    }
  }
}

TEST_CASE("an eL-QR decodes to its payload; a wrong payload and a My Number in it are findings") {
  // The payload comes from the city's collection system (barcodes.md §4): opaque text to compare.
  const std::string payload = "EL1234567890123456789012345678901234567890/20260930/12300";
  auto qr = barcode::draw_qr(payload);
  REQUIRE(qr.ok());
  auto page = [&](const std::string& expected) {
    Page p;
    const double x = pt(150), y = pt(200);
    for (const auto& b : qr.value.bars) p.rects.push_back({x + pt(b.x), y + pt(b.y), pt(b.w), pt(b.h)});
    p.codes.push_back({CodeKind::el_qr, expected, "", x, y, pt(qr.value.width_mm), pt(qr.value.height_mm), {}});
    return one_page(std::move(p));
  };
  CHECK(findings(page(payload)).empty());
  auto wrong = findings(page("EL1234567890123456789012345678901234567890/20260930/12400"));
  REQUIRE(wrong.size() == 1);
  CHECK(wrong[0] == "eL-QR decoded " + payload + ", expected EL1234567890123456789012345678901234567890/20260930/12400");

  // 123456789018 passes the My Number check digit (tests/core/mynumber_test.cpp).
  const std::string leaky = "EL/123456789018";
  auto leak = barcode::draw_qr(leaky);
  REQUIRE(leak.ok());
  Page p;
  for (const auto& b : leak.value.bars) p.rects.push_back({pt(150 + b.x), pt(200 + b.y), pt(b.w), pt(b.h)});
  p.codes.push_back({CodeKind::el_qr, leaky, "", pt(150), pt(200), pt(leak.value.width_mm), pt(leak.value.height_mm), {}});
  mynumber::Guard guard;
  guard.add("123456789018");
  preflight::Options opt;
  opt.my_numbers = &guard;
  auto got = findings(one_page(std::move(p)), opt);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == "one of this run's input My Numbers is encoded in the eL-QR");
}

TEST_CASE("a recipient block set as typeset sets it (fit_line, Breaks::address) reads back inside its window") {
  // A 90 x 45 mm window at (20, 40) mm; names fitted to its width from 14 pt, floor 10 pt, 長体 to 0.6.
  const Box window{20, 40, 90, 45};
  struct Row {
    std::string name;
    bool fits;
  } rows[] = {
      {"熊谷　花子　様", true},
      {"熊谷　エリザベート・フォン・ヴァイセンフェルス　様", true},
      {"Maximiliana Konstantinopoulou-Wittgenstein-Hohenlohe 様", true},
      {"熊谷　エリザベート・フォン・ヴァイセンフェルス・シュヴァルツェンベルク＝ホーエンツォレルン　様", false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Page p;
    Canvas c(p, engine());
    c.paragraph("埼玉県熊谷市大字三ケ尻六十七番地の二　グランドメゾン熊谷101号室", Role::mincho, 11, window.x,
                window.y + 2, window.w, 5.5, Align::left, Breaks::address, window, Bounds::Zone::window);
    const LineFit f = c.fit_line(r.name, Role::mincho, 14, window.w, 10);
    CHECK(f.fits == r.fits);
    LineStyle how;
    how.hscale = f.hscale;
    how.bounds = window;
    how.zone = Bounds::Zone::window;
    c.text(r.name, Role::mincho, f.size, window.x, window.y + 30, how);
    auto got = findings(one_page(std::move(p)));
    if (r.fits) {
      CHECK(got.empty());
    } else {
      REQUIRE(got.size() == 1);
      CHECK(got[0].starts_with("recipient line leaves the envelope window by "));
    }
  }
}
