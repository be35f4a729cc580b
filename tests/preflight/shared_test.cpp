// Issue 14: what render draws once per PDF (shared forms) or as a bilevel image (barcode
// symbols), and how preflight reads it back. Each case is an attack on a shortcut: a form placed
// wrong, a form that says something else, a form over a code, a mask that would decode wrong.
// Real glyphs (text engine), real symbols (barcode stage), real PDFs (render), read by Poppler.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "barcode/barcode.hpp"
#include "core/mynumber.hpp"
#include "fonts.hpp"
#include "preflight/preflight.hpp"
#include "render/render.hpp"
#include "text/text.hpp"

using namespace tsuchi;
using namespace tsuchi::display;
using namespace tsuchi::text;

namespace {

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

std::string pdf(const Document& doc) {
  auto bytes = render::pdf_bytes(doc);
  REQUIRE(bytes.ok());
  return bytes.value;
}

std::string describe(const preflight::Report& r) {
  std::string s;
  for (const auto& f : r.findings) s += "p" + std::to_string(f.page) + ": " + f.what + "\n";
  return s;
}

bool mentions(const preflight::Report& r, int page, const std::string& text) {
  for (const auto& f : r.findings)
    if (f.page == page && f.what.find(text) != std::string::npos) return true;
  return false;
}

// A frame as typeset draws one: a ruled box with a label and a line of fixed wording.
void frame(Canvas& c, double x, double y, const std::string& wording = "この納付書は、熊谷市の保育料の納付に使用します。") {
  c.stroke({x, y, 80, 30}, 0.5);
  c.fill({x, y, 80, 5}, 0.85);
  c.text("納付書", Role::gothic, 10, x + 2, y + 4);
  c.text(wording, Role::mincho, 7, x + 2, y + 12);
}

// A page with `frames` shared frames stacked down the page, its own variable line and its QR.
// Without a cache (null), the frames are drawn on the page itself.
Page page_with_frames(FormCache* cache, const std::string& envelope, int frames, double y0 = 20) {
  Page p;
  p.envelope_id = envelope;
  Canvas c(p, engine(), cache);
  for (int i = 0; i < frames; ++i) c.shared(20, y0 + 40 * i, [&](Canvas& fc) { frame(fc, 20, y0 + 40 * i); });
  c.text("斎藤 由美 様 12,300円", Role::mincho, 10, 120, 30);
  auto qr = barcode::draw_qr(envelope + "/1-1", 0.5);
  REQUIRE(qr.ok());
  c.bars(qr.value.bars, 170, 250);
  c.code(CodeKind::insertion_qr, envelope + "/1-1", {170, 250, qr.value.width_mm, qr.value.height_mm});
  return p;
}

Document doc_of(std::vector<Page> pages) {
  Document d;
  d.faces = engine().faces();
  d.pages = std::move(pages);
  return d;
}

}  // namespace

TEST_CASE("the same frame drawn at any place or page is one form; other content is another") {
  FormCache cache;
  Page a, b;
  Canvas ca(a, engine(), &cache), cb(b, engine(), &cache);
  ca.shared(20, 20, [&](Canvas& c) { frame(c, 20, 20); });
  cb.shared(20.7, 133.3, [&](Canvas& c) { frame(c, 20.7, 133.3); });  // elsewhere: the same form
  cb.shared(20, 20, [&](Canvas& c) { frame(c, 20, 20, "別の文言"); });
  REQUIRE(a.forms.size() == 1);
  REQUIRE(b.forms.size() == 2);
  CHECK(a.forms[0].form == b.forms[0].form);
  CHECK(a.forms[0].form != b.forms[1].form);
  CHECK(cache.size() == 2);
  CHECK(a.runs.empty());  // nothing of the frame is left on the page itself
  CHECK(b.forms[0].x == doctest::Approx(pt(20.7)));
  CHECK(b.forms[0].y == doctest::Approx(pt(133.3)));

  SUBCASE("a full cache declines, and the content is drawn on the page instead") {
    FormCache tiny(1);
    Page p;
    Canvas c(p, engine(), &tiny);
    c.shared(20, 20, [&](Canvas& fc) { frame(fc, 20, 20); });
    c.shared(20, 80, [&](Canvas& fc) { frame(fc, 20, 80, "別の文言"); });
    CHECK(p.forms.size() == 1);
    CHECK(p.runs.size() >= 2);
    // Back at its own place on the page, not at the form's origin.
    CHECK(p.runs.back().glyphs.front().y == doctest::Approx(pt(80 + 12)));
  }
  SUBCASE("a code or an image inside makes it page content: those are checked on every page") {
    Page p;
    Canvas c(p, engine(), &cache);
    c.shared(0, 0, [&](Canvas& fc) { fc.code(CodeKind::insertion_qr, "x", {0, 0, 10, 10}); });
    CHECK(p.forms.empty());
    CHECK(p.codes.size() == 1);
  }
}

TEST_CASE("a form is written once per PDF and placed by reference; preflight passes it") {
  FormCache cache;
  std::vector<Page> pages;
  for (int e = 1; e <= 20; ++e) pages.push_back(page_with_frames(&cache, "R1-B001/" + std::to_string(e), 3));
  const Document doc = doc_of(std::move(pages));
  const std::string bytes = pdf(doc);
  CHECK(count(bytes, "/Subtype /Form") == 1);  // one frame, 60 placements
  const auto report = preflight::check(bytes, doc);
  CHECK_MESSAGE(report.ok(), describe(report));
  CHECK(report.codes_checked == 20);

  // The same pages with the frames drawn on each page: the form is what makes the PDF small.
  std::vector<Page> inline_pages;
  for (int e = 1; e <= 20; ++e) inline_pages.push_back(page_with_frames(nullptr, "R1-B001/" + std::to_string(e), 3));
  const Document flat = doc_of(std::move(inline_pages));
  CHECK(flat.pages[0].forms.empty());
  const std::string flat_bytes = pdf(flat);
  CHECK(count(flat_bytes, "/Subtype /Form") == 0);
  CHECK(preflight::check(flat_bytes, flat).ok());
  CHECK(bytes.size() < flat_bytes.size());
}

TEST_CASE("a form read back anywhere but where the display list puts it is a finding") {
  FormCache cache;
  const Document drawn = doc_of({page_with_frames(&cache, "R1-B001/1", 1), page_with_frames(&cache, "R1-B001/2", 1)});
  const std::string bytes = pdf(drawn);

  SUBCASE("moved") {
    Document expected = drawn;
    expected.pages[1].forms[0].y += 3;
    const auto r = preflight::check(bytes, expected);
    CHECK_MESSAGE(mentions(r, 2, "shared form 1 placed at"), describe(r));
    CHECK(r.findings.size() == 1);
  }
  SUBCASE("missing from the PDF") {
    Document expected = drawn;
    expected.pages[0].forms.push_back(expected.pages[0].forms[0]);
    const auto r = preflight::check(bytes, expected);
    CHECK_MESSAGE(mentions(r, 1, "page places 1 shared form(s), expected 2"), describe(r));
  }
  SUBCASE("its text is not the form's") {
    FormCache other;
    Document expected = drawn;
    Page q;
    Canvas c(q, engine(), &other);
    c.shared(20, 20, [&](Canvas& fc) { frame(fc, 20, 20, "この納付書は、別の市の保育料の納付に使用します。"); });
    for (auto& p : expected.pages) p.forms[0].form = q.forms[0].form;
    const auto r = preflight::check(bytes, expected);
    CHECK_MESSAGE(mentions(r, 1, "shared form 1: text run"), describe(r));
    CHECK(r.findings.size() == 1);  // read once per PDF: the second page is that same XObject
  }
  SUBCASE("one XObject standing for two different forms") {
    Document expected = drawn;
    Page q;
    Canvas c(q, engine(), &cache);
    c.shared(20, 20, [&](Canvas& fc) { frame(fc, 20, 20, "別の文言"); });
    expected.pages[1].forms[0].form = q.forms[0].form;
    const auto r = preflight::check(bytes, expected);
    CHECK_MESSAGE(mentions(r, 2, "draws the content of another form"), describe(r));
  }
}

TEST_CASE("a form's ink over a code is seen on the page that places it there") {
  FormCache cache;
  // A form whose block of ink lands on the QR of the second page only.
  auto blot = [&](Page& p, double y) {
    Canvas c(p, engine(), &cache);
    c.shared(160, y, [&](Canvas& fc) {
      fc.fill({160, y, 40, 6});
      fc.text("記", Role::mincho, 9, 150, y + 4);
    });
  };
  Page clear = page_with_frames(&cache, "R1-B001/1", 1);
  Page covered = page_with_frames(&cache, "R1-B001/2", 1);
  blot(clear, 200);
  blot(covered, 255);  // over modules of the QR at (170, 250)
  const Document doc = doc_of({clear, covered});
  const auto r = preflight::check(pdf(doc), doc);
  CHECK_FALSE(mentions(r, 1, "insertion QR"));
  CHECK_MESSAGE(mentions(r, 2, "insertion QR"), describe(r));
}

TEST_CASE("a My Number in a form's wording is a finding, as on a page") {
  FormCache cache;
  Page p = page_with_frames(&cache, "R1-B001/1", 0);
  Canvas c(p, engine(), &cache);
  const std::string number = "123456789018";  // passes the check digit (mynumber_test)
  REQUIRE(mynumber::find(number));
  c.shared(20, 200, [&](Canvas& fc) { fc.text("番号 " + number, Role::mincho, 9, 20, 204); });
  const Document doc = doc_of({p});
  const auto r = preflight::check(pdf(doc), doc);
  CHECK_MESSAGE(mentions(r, 1, "My Number check digit"), describe(r));
  CHECK(describe(r).find(number) == std::string::npos);
}

// Each symbology as typeset draws it (Canvas::bars): one image mask per symbol, one sample per
// module, decoded back by the same readers as drawn bars.
TEST_CASE("barcode symbols are drawn as image masks and decode to their values") {
  struct Row {
    const char* what;
    CodeKind kind;
  };
  const Row rows[] = {{"GS1-128 (barcodes.md vector)", CodeKind::store_gs1_128},
                      {"insertion QR", CodeKind::insertion_qr},
                      {"customer barcode (Japan Post example 263-0023)", CodeKind::customer_japan_post}};
  for (const Row& row : rows) {
    CAPTURE(row.what);
    Page p;
    p.envelope_id = "R1-B001/1";
    Canvas c(p, engine());
    std::string value, states;
    barcode::Symbol sym;
    if (row.kind == CodeKind::store_gs1_128) {
      value = "91912345012345678901234567890101033101230003";
      auto s = barcode::draw_store_barcode(value);
      REQUIRE(s.ok());
      sym = s.value;
    } else if (row.kind == CodeKind::insertion_qr) {
      value = "R1-B001/000001/1-1";
      auto s = barcode::draw_qr(value, 0.5);
      REQUIRE(s.ok());
      sym = s.value;
    } else {
      auto cc = barcode::customer_code("2630023", "千葉県千葉市稲毛区緑町3丁目30-8 郵便ビル403号");
      REQUIRE(cc);
      value = cc->data + "/" + cc->check_digit;
      states = barcode::customer_bar_states(*cc);
      sym = barcode::draw_customer_barcode(*cc);
    }
    c.bars(sym.bars, 30.3, 40.7);
    c.code(row.kind, value, {30.3, 40.7, sym.width_mm, sym.height_mm}, states);
    const Document doc = doc_of({p});
    const std::string bytes = pdf(doc);
    CHECK(count(bytes, "/ImageMask true") == 1);
    auto r = preflight::check(bytes, doc);
    CHECK_MESSAGE(r.ok(), describe(r));
    CHECK(r.exact_renders == 0);  // read from the mask's bits, not rendered by Splash
    CHECK(r.from_samples == 1);   // decoded from the samples as drawn, with no rasterising

    // The bits are what is checked: the same page expecting another value fails.
    Document wrong = doc;
    wrong.pages[0].codes[0].value = row.kind == CodeKind::customer_japan_post ? value : value.substr(0, value.size() - 1) + "9";
    if (row.kind == CodeKind::customer_japan_post) {
      std::string s = states;
      s[10] = s[10] == '1' ? '4' : '1';
      wrong.pages[0].codes[0].bar_states = s;
    }
    CHECK_FALSE(preflight::check(bytes, wrong).ok());
  }
}

TEST_CASE("bars off any module grid are drawn as strokes, not as a mask, and still decode") {
  Page p;
  p.envelope_id = "R1-B001/1";
  Canvas c(p, engine());
  auto s = barcode::draw_qr("R1-B001/000001/1-1", 0.5);
  REQUIRE(s.ok());
  auto bars = s.value.bars;
  bars.front().w += 0.0123;  // one module a little wider: no grid holds every edge
  c.bars(bars, 30, 40);
  c.code(CodeKind::insertion_qr, "R1-B001/000001/1-1", {30, 40, s.value.width_mm, s.value.height_mm});
  const Document doc = doc_of({p});
  const std::string bytes = pdf(doc);
  CHECK(count(bytes, "/ImageMask") == 0);
  const auto r = preflight::check(bytes, doc);
  CHECK_MESSAGE(r.ok(), describe(r));
  CHECK(r.from_samples == 0);  // paths: decoded from pixels
}

// The samples are the bars as drawn, but a reader needs them large enough: a QR shrunk to a tenth
// of its module is not accepted from its samples; the pixels then decide, and it does not decode.
TEST_CASE("a symbol drawn too small to read is not passed from its samples") {
  Page p;
  p.envelope_id = "R1-B001/1";
  Canvas c(p, engine());
  const std::string value = "R1-B001/000001/1-1";
  auto s = barcode::draw_qr(value, 0.05);
  REQUIRE(s.ok());
  c.bars(s.value.bars, 30, 40);
  c.code(CodeKind::insertion_qr, value, {30, 40, s.value.width_mm, s.value.height_mm});
  const Document doc = doc_of({p});
  const auto r = preflight::check(pdf(doc), doc);
  CHECK(r.from_samples == 0);
  CHECK_MESSAGE(mentions(r, 1, "insertion QR not decoded"), describe(r));
}
