// Preflight: real glyph runs (text engine), real barcodes (barcode stage), real PDFs (render
// stage) read back with Poppler and ZXing; every mismatch a reader of the page would notice is
// caught, and nothing personal is repeated in a finding (SPEC §5, §6).
#include <doctest/doctest.h>

#include <time.h>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>
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
using preflight::Finding;

namespace {

constexpr double kPt = 72.0 / 25.4;  // points per millimetre

void add(std::vector<GlyphRun>& to, std::vector<GlyphRun> runs) {
  for (auto& r : runs) to.push_back(std::move(r));
}

// A symbol's bars become the page's rects at (x, y) points; its whole area is the code region.
Code& place(Page& p, const barcode::Symbol& s, CodeKind kind, std::string value, double x, double y) {
  for (const auto& b : s.bars) p.rects.push_back({x + b.x * kPt, y + b.y * kPt, b.w * kPt, b.h * kPt});
  p.codes.push_back({kind, std::move(value), "", x, y, s.width_mm * kPt, s.height_mm * kPt, {}});
  return p.codes.back();
}

// 𠮷 (IPAmj fallback), compatibility ideograph 神 U+FA19 and 辻 + U+E0100 must come back exactly.
const std::string kName = "吉田\U00020BB7 \uFA19谷 辻\U000E0100本";
const std::string kAddress = "千葉県千葉市稲毛区緑町3丁目30-8 郵便ビル403号";
const std::string kGs1 = "91912345012345678901234567890101033101230003";  // barcodes.md vector

void insertion_qr(Page& p, double x = 520, double y = 20) {
  std::string value = p.envelope_id + "/" + std::to_string(p.page_in_envelope) + "-" +
                      std::to_string(p.pages_in_envelope);
  auto qr = barcode::draw_qr(value);
  REQUIRE(qr.ok());
  place(p, qr.value, CodeKind::insertion_qr, value, x, y);
}

// Notice: recipient block with the customer barcode under the address, body text, appeal text.
Page notice(const std::string& envelope, int i, int n, const std::string& extra_text = {}) {
  Page p;
  p.envelope_id = envelope;
  p.page_in_envelope = i;
  p.pages_in_envelope = n;
  add(p.runs, engine().line("〒263-0023", Role::mincho, 10.5, 60, 70));
  add(p.runs, engine().line(kAddress, Role::mincho, 10.5, 60, 86));
  auto cc = barcode::customer_code("2630023", kAddress);
  REQUIRE(cc);
  place(p, barcode::draw_customer_barcode(*cc), CodeKind::customer_japan_post, cc->data + "/" + cc->check_digit, 56,
        92)
      .bar_states = barcode::customer_bar_states(*cc);
  add(p.runs, engine().line(kName + " 様", Role::mincho, 12, 60, 132));
  add(p.runs, engine().line("利用者負担額決定通知書", Role::gothic, 16, 297.6, 200, Align::center));
  add(p.runs, engine().line("令和7年9月分 保育料 12,300円", Role::mincho, 10.5, 60, 240));
  if (!extra_text.empty()) add(p.runs, engine().line(extra_text, Role::mincho, 10.5, 60, 260));
  add(p.runs, engine()
                  .paragraph("この処分に不服がある場合には、この処分があったことを知った日の翌日から起算して"
                             "３か月以内に、熊谷市長に対して審査請求をすることができます。",
                             Role::mincho, 9, 60, 600, 440, 14, Align::justify)
                  .runs);
  insertion_qr(p);
  return p;
}

// Payment slip: amount, deadline, the convenience-store barcode with its two digit lines.
Page slip(const std::string& envelope, int i, int n) {
  Page p;
  p.kind = PageKind::slip;
  p.envelope_id = envelope;
  p.page_in_envelope = i;
  p.pages_in_envelope = n;
  add(p.runs, engine().line("納付書 令和7年度 保育料 9月分", Role::gothic, 12, 60, 80));
  add(p.runs, engine().line("納付金額 12,300円 納期限 令和7年9月30日", Role::mincho, 10.5, 60, 110));
  auto bars = barcode::draw_store_barcode(kGs1);
  REQUIRE(bars.ok());
  place(p, bars.value, CodeKind::store_gs1_128, kGs1, 100, 680);
  auto [l1, l2] = barcode::store_human_readable(kGs1);
  add(p.runs, engine().line(l1, Role::gothic, 7, 100, 680 + bars.value.height_mm * kPt + 9));
  add(p.runs, engine().line(l2, Role::gothic, 7, 100, 680 + bars.value.height_mm * kPt + 18));
  insertion_qr(p);
  return p;
}

std::string envelope_id(int no) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "R20250901-B001/%06d", no);
  return buf;
}

// The representative envelope: a notice (QR + customer barcode) and a slip (QR + GS1-128).
Document envelopes(int count) {
  Document doc;
  doc.faces = engine().faces();
  for (int e = 1; e <= count; ++e) {
    doc.pages.push_back(notice(envelope_id(e), 1, 2));
    doc.pages.push_back(slip(envelope_id(e), 2, 2));
  }
  return doc;
}

std::string pdf(const Document& doc) {
  auto bytes = render::pdf_bytes(doc);
  REQUIRE(bytes.ok());
  return bytes.value;
}

std::string describe(const std::vector<Finding>& fs) {
  std::string s;
  for (const auto& f : fs)
    s += f.envelope_id + " p" + std::to_string(f.page) + " (" + std::to_string(f.page_in_envelope) + "): " + f.what + "\n";
  return s;
}

bool mentions(const std::vector<Finding>& fs, const std::string& envelope, int page, const std::string& text) {
  for (const auto& f : fs)
    if (f.envelope_id == envelope && f.page == page && f.what.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a correct document passes: every code decoded, every run found") {
  Document doc = envelopes(2);
  doc.pages.push_back(notice(envelope_id(3), 1, 1));  // a one-page envelope at the end
  auto report = preflight::check(pdf(doc), doc);
  CAPTURE(describe(report.findings));
  CHECK(report.ok());
  CHECK(report.pages == 5);
  CHECK(report.codes_checked == 10);
}

TEST_CASE("codes decode wherever they fall on the pixel grid") {
  // The default resolutions are low to keep preflight cheap; every sub-pixel phase must still pass.
  Document doc;
  doc.faces = engine().faces();
  for (int k = 0; k < 12; ++k) {
    double dx = std::fmod(k * 0.173, 1.0), dy = std::fmod(k * 0.131, 1.0);  // points
    for (Page p : {notice(envelope_id(k + 1), 1, 2), slip(envelope_id(k + 1), 2, 2)}) {
      for (auto& r : p.rects) r.x += dx, r.y += dy;
      for (auto& c : p.codes) c.x += dx, c.y += dy;
      doc.pages.push_back(std::move(p));
    }
  }
  auto report = preflight::check(pdf(doc), doc);
  CAPTURE(describe(report.findings));
  CHECK(report.ok());
  CHECK(report.codes_checked == 48);
}

TEST_CASE("a code or run that differs from what is printed gives exactly one finding") {
  const Document printed = envelopes(2);
  const std::string bytes = pdf(printed);
  struct Row {
    const char* what;
    int page;  // 0-based page whose expectation is changed
    void (*change)(Page&);
    std::string finding;
  };
  const Row rows[] = {
      {"GS1-128 amount digit (12,300 -> 12,310)", 3, [](Page& p) { p.codes[0].value[41] = '1'; },
       "GS1-128 decoded " + kGs1 + ", expected " + kGs1.substr(0, 41) + "1" + kGs1.substr(42)},
      {"insertion QR page count", 0, [](Page& p) { p.codes[1].value.back() = '3'; },
       "insertion QR decoded R20250901-B001/000001/1-2, expected R20250901-B001/000001/1-3"},
      {"customer barcode bar state", 2,
       [](Page& p) {
         char& s = p.codes[0].bar_states[20];
         s = s == '4' ? '1' : s + 1;
       },
       "customer barcode: 1 bar(s) differ; bar 21 reads"},
      {"compatibility ideograph 神 U+FA19 expected as unified 神 U+795E", 2,
       [](Page& p) {
         for (auto& r : p.runs)
           if (auto at = r.text.find("\uFA19"); at != std::string::npos) r.text.replace(at, 3, "\u795E");
       },
       "not found in the page text (first missing code point U+795E)"},
      {"IVS dropped from the expectation", 0,
       [](Page& p) {
         const std::string ivs = "辻\U000E0100本";
         for (auto& r : p.runs)
           if (auto at = r.text.find(ivs); at != std::string::npos) r.text.replace(at, ivs.size(), "辻本");
       },
       "first missing code point U+672C"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.what);
    Document expected = printed;
    r.change(expected.pages[r.page]);
    auto report = preflight::check(bytes, expected);
    CAPTURE(describe(report.findings));
    REQUIRE(report.findings.size() == 1);
    const Finding& f = report.findings[0];
    CHECK(f.envelope_id == expected.pages[r.page].envelope_id);
    CHECK(f.page == r.page + 1);
    CHECK(f.page_in_envelope == expected.pages[r.page].page_in_envelope);
    CHECK(f.what.find(r.finding) != std::string::npos);
    CHECK(f.what.find("吉田") == std::string::npos);  // never the page's text
  }
}

TEST_CASE("a page missing from the PDF is caught and names its envelope") {
  Document expected;
  expected.faces = engine().faces();
  expected.pages = {notice(envelope_id(7), 1, 3), slip(envelope_id(7), 2, 3), slip(envelope_id(7), 3, 3)};
  Document printed = expected;
  printed.pages.pop_back();
  auto report = preflight::check(pdf(printed), expected);
  CAPTURE(describe(report.findings));
  REQUIRE(report.findings.size() == 1);
  CHECK(report.pages == 2);
  CHECK(mentions(report.findings, envelope_id(7), 3, "page 3 of 3 is missing from the PDF (PDF has 2 pages, expected 3)"));
}

TEST_CASE("extra pages in the PDF are caught") {
  Document printed = envelopes(1);
  Document expected = printed;
  expected.pages.pop_back();
  expected.pages[0].pages_in_envelope = 1;  // a consistent one-page envelope
  auto report = preflight::check(pdf(printed), expected);
  CAPTURE(describe(report.findings));
  CHECK(mentions(report.findings, "", 2, "pages beyond the document's last page (PDF has 2 pages, expected 1)"));
}

TEST_CASE("pages out of envelope order are caught") {
  SUBCASE("the PDF has an envelope's pages swapped: the insertion codes disagree on both") {
    Document expected = envelopes(2);
    Document printed = expected;
    std::swap(printed.pages[2], printed.pages[3]);
    auto report = preflight::check(pdf(printed), expected);
    CAPTURE(describe(report.findings));
    CHECK(mentions(report.findings, envelope_id(2), 3,
                   "insertion QR decoded R20250901-B001/000002/2-2, expected R20250901-B001/000002/1-2"));
    CHECK(mentions(report.findings, envelope_id(2), 4,
                   "insertion QR decoded R20250901-B001/000002/1-2, expected R20250901-B001/000002/2-2"));
  }
  SUBCASE("an envelope's pages are split by another envelope") {
    Document doc;
    doc.faces = engine().faces();
    doc.pages = {notice(envelope_id(1), 1, 2), notice(envelope_id(2), 1, 1), slip(envelope_id(1), 2, 2)};
    auto report = preflight::check(pdf(doc), doc);
    CAPTURE(describe(report.findings));
    CHECK(mentions(report.findings, envelope_id(1), 3, "envelope's pages are not together"));
    CHECK(mentions(report.findings, envelope_id(1), 1, "page numbered 1 of 2 but it is page 1 of 1"));
  }
  SUBCASE("an envelope's pages are numbered out of order") {
    Document doc;
    doc.faces = engine().faces();
    doc.pages = {slip(envelope_id(1), 2, 2), notice(envelope_id(1), 1, 2)};
    auto report = preflight::check(pdf(doc), doc);
    CAPTURE(describe(report.findings));
    CHECK(mentions(report.findings, envelope_id(1), 1, "page numbered 2 of 2 but it is page 1 of 2"));
    CHECK(mentions(report.findings, envelope_id(1), 2, "page numbered 1 of 2 but it is page 2 of 2"));
  }
}

TEST_CASE("a number in free text that passes the My Number check digit is a finding that does not repeat it") {
  struct Row {
    const char* what;
    std::string text;
    bool caught;
  };
  // Valid under the law's weights, worked by hand (Qn = n+1 for n <= 6, n-5 for 7 <= n <= 11):
  //  123456789018: see tests/core/mynumber_test.cpp (sum 212, 212 mod 11 = 3, 11-3 = 8);
  //  987654321093: 9*2+0*3+1*4+2*5+3*6+4*7+5*2+6*3+7*4+8*5+9*6 = 228, 228 mod 11 = 8, 11-8 = 3.
  const Row rows[] = {
      {"in a template's wording", "整理番号 123456789018", true},
      {"12 full-width digits", "個人番号１２３４５６７８９０１８です", true},
      {"4-4-4 with hyphens", "番号 9876-5432-1093", true},
      {"4-4-4 with spaces", "番号 9876 5432 1093", true},
      {"4-4-4 full-width with ideographic spaces", "番号 ９８７６　５４３２　１０９３", true},
      {"check digit wrong (valid only under the old n-6 weights)", "番号 123456789011", false},
      {"13 digits holding a valid 12", "番号 1234567890180", false},
      {"a phone number", "電話 048-524-1111", false},
      {"an amount", "12,300円", false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.what);
    Document doc;
    doc.faces = engine().faces();
    doc.pages = {notice(envelope_id(9), 1, 1, r.text)};
    auto report = preflight::check(pdf(doc), doc);
    CAPTURE(describe(report.findings));
    if (!r.caught) {
      CHECK(report.ok());
      continue;
    }
    REQUIRE(report.findings.size() == 1);
    CHECK(report.findings[0].envelope_id == envelope_id(9));
    CHECK(report.findings[0].what == "a 12-digit number with a valid My Number check digit is printed");
  }
}

TEST_CASE("ids and codes get only the exact-match scan against the run's own My Numbers") {
  // 123456789018 passes the check digit (tests/core/mynumber_test.cpp), as 1 in 11 customer-barcode
  // strings or payment numbers of 12 digits do by chance.
  const std::string number = "123456789018";
  Page p = notice(envelope_id(4), 1, 1);
  auto id = engine().line("整理番号 " + number, Role::mincho, 10.5, 60, 280);
  for (auto& r : id) r.origin = TextOrigin::code;
  add(p.runs, std::move(id));
  auto qr = barcode::draw_qr("R20250901/" + number);
  REQUIRE(qr.ok());
  place(p, qr.value, CodeKind::certificate_qr, "R20250901/" + number, 400, 700);
  Document doc;
  doc.faces = engine().faces();
  doc.pages = {p};
  const std::string bytes = pdf(doc);

  SUBCASE("a run of known provenance is exempt from the check-digit heuristic") {
    auto report = preflight::check(bytes, doc);
    CAPTURE(describe(report.findings));
    CHECK(report.ok());
  }
  SUBCASE("but the number is found when it is one of the run's input My Numbers, in text and in codes") {
    mynumber::Guard guard;
    guard.add(number);
    preflight::Options opt;
    opt.my_numbers = &guard;
    auto report = preflight::check(bytes, doc, opt);
    CAPTURE(describe(report.findings));
    REQUIRE(report.findings.size() == 2);
    CHECK(report.findings[0].envelope_id == envelope_id(4));
    CHECK(report.findings[0].page == 1);
    CHECK(report.findings[0].what == "one of this run's input My Numbers is printed");
    CHECK(report.findings[1].what == "one of this run's input My Numbers is encoded in the certificate QR");
    for (const auto& f : report.findings) CHECK(f.what.find("5678") == std::string::npos);
  }
  SUBCASE("a guard holding other numbers finds nothing") {
    mynumber::Guard guard;
    guard.add("987654321093");
    preflight::Options opt;
    opt.my_numbers = &guard;
    auto report = preflight::check(bytes, doc, opt);
    CAPTURE(describe(report.findings));
    CHECK(report.ok());
  }
}

TEST_CASE("text that reaches into a code's region is rendered with the code, so ink over bars is caught") {
  // The slip's GS1-128 region is at (100, 680), its quiet zones included; its bars start 10 modules in.
  struct Row {
    std::string what;
    double size, x, y;  // a line of black squares (■) in Gothic: size and baseline
    bool decodes;
  };
  const Row rows[] = {
      {"text above the region: no exact render needed", 12, 100, 660, true},
      {"text whose descenders enter the region's top edge: rendered exactly, still decodes", 12, 130, 682, true},
      {"squares over the full height of some bars", 50, 160, 713, false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.what);
    Document doc;
    doc.faces = engine().faces();
    Page p = slip(envelope_id(5), 1, 1);
    add(p.runs, engine().line("■■", Role::gothic, r.size, r.x, r.y));
    doc.pages = {p};
    auto report = preflight::check(pdf(doc), doc);
    CAPTURE(describe(report.findings));
    CHECK(report.ok() == r.decodes);
    if (r.y > 670) CHECK(report.exact_renders >= 1);
    else CHECK(report.exact_renders == 0);
    if (!r.decodes) {
      REQUIRE(report.findings.size() == 1);
      CHECK(report.findings[0].what.rfind("GS1-128 ", 0) == 0);
    }
  }
}

TEST_CASE("a PDF checked in slices gives the findings of the whole, each from its own slice") {
  const Document printed = envelopes(3);  // pages 1..6
  Document expected = printed;
  expected.pages[4].codes[1].value.back() = '3';  // page 5's insertion QR
  const std::string bytes = pdf(printed);
  const auto whole = preflight::check(bytes, expected);
  REQUIRE(whole.findings.size() == 1);
  std::vector<Finding> sliced;
  int codes = 0;
  for (int first = 0; first < 6; first += 4) {
    preflight::Options o;
    o.first_page = first;
    o.page_count = 4;
    auto r = preflight::check(bytes, expected, o);
    CHECK(r.pages == 6);
    codes += r.codes_checked;
    sliced.insert(sliced.end(), r.findings.begin(), r.findings.end());
  }
  CHECK(codes == whole.codes_checked);
  REQUIRE(sliced.size() == 1);
  CHECK(sliced[0].page == 5);
  CHECK(sliced[0].what == whole.findings[0].what);

  // One Reader kept across the slices (as a worker thread keeps it) answers the same.
  preflight::Reader reader(bytes);
  std::vector<Finding> kept;
  for (int first : {4, 0}) {
    preflight::Options o;
    o.first_page = first;
    o.page_count = 4;
    auto r = reader.check(expected, o);
    kept.insert(kept.end(), r.findings.begin(), r.findings.end());
  }
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].page == 5);
  CHECK(kept[0].what == whole.findings[0].what);
}

TEST_CASE("bytes that are no PDF are one finding, not a crash") {
  Document doc = envelopes(1);
  auto report = preflight::check("%PDF-1.5 truncated", doc);
  REQUIRE(report.findings.size() == 1);
  CHECK(report.findings[0].what == "the PDF cannot be opened");
}

TEST_CASE("different PDFs checked in parallel threads give the reports of a single-threaded run") {
  // Every field of a report, findings in order: equal strings are equal reports.
  auto exact = [](const preflight::Report& r) {
    return std::to_string(r.pages) + "/" + std::to_string(r.codes_checked) + "/" + std::to_string(r.exact_renders) +
           "\n" + describe(r.findings);
  };
  // Thread i checks its own document; thread 1's expects a QR that differs from what is printed.
  struct Input {
    Document expected;
    std::string bytes;
  };
  std::vector<Input> inputs;
  for (int i = 0; i < 3; ++i) {
    const Document printed = envelopes(i + 1);
    Document expected = printed;
    if (i == 1) expected.pages[2].codes[1].value.back() = '9';
    inputs.push_back({expected, pdf(printed)});
  }
  std::vector<std::string> got(inputs.size());
  std::vector<std::thread> ts;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    ts.emplace_back([&, i] {
      for (int k = 0; k < 3; ++k) got[i] = exact(preflight::check(inputs[i].bytes, inputs[i].expected));
    });
  for (auto& t : ts) t.join();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == exact(preflight::check(inputs[i].bytes, inputs[i].expected)));
  }
  CHECK(got[0].starts_with("2/"));
  CHECK(got[1].find("p3") != std::string::npos);  // the planted difference is found, on its page
  CHECK(got[2].starts_with("6/"));
}
