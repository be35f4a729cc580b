// Render: text survives into the PDF exactly, fonts are embedded once as subsets, output is
// deterministic (SPEC §4, §10).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cairo.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <string>

#include "render/render.hpp"
#include "fonts.hpp"
#include "text/text.hpp"

using namespace tsuchi;
using namespace tsuchi::display;
using namespace tsuchi::text;

namespace {

// A scratch folder for the CLI tools, removed at the end of the test.
struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tsuchi-render-test-" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& bytes = {}) const {
    const auto p = (path / name).string();
    if (!bytes.empty()) std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
};

std::string run(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  REQUIRE(p);
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p.get())) out.append(buf, n);
  return out;
}

std::string png(const TempDir& dir) {
  std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> s(
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 40, 40), cairo_surface_destroy);
  std::unique_ptr<cairo_t, void (*)(cairo_t*)> cr(cairo_create(s.get()), cairo_destroy);
  cairo_set_source_rgba(cr.get(), 0.8, 0.1, 0.1, 0.9);
  cairo_arc(cr.get(), 20, 20, 18, 0, 6.3);
  cairo_fill(cr.get());
  const std::string path = dir.file("seal.png");
  REQUIRE(cairo_surface_write_to_png(s.get(), path.c_str()) == CAIRO_STATUS_SUCCESS);
  return path;
}

void add(std::vector<GlyphRun>& to, std::vector<GlyphRun> runs) {
  for (auto& r : runs) to.push_back(std::move(r));
}

// The characters the office cares about: 子 (same glyph as the Kangxi radical ⼦ in IPAex),
// 𠮷 from the IPAmj fallback, compatibility ideograph 神 U+FA19, an IVS, digits.
const std::string kName = "吉田\U00020BB7子 \uFA19谷 辻\U000E0100本";
const std::string kAmount = "12,300円";

Document sample(const std::string& seal) {
  Document doc;
  doc.faces = engine().faces();
  Page p1;
  add(p1.runs, engine().line("利用者負担額決定通知書", Role::gothic, 16, 297.6, 80, Align::center));
  add(p1.runs, engine().line(kName + " 様", Role::mincho, 12, 60, 140));
  add(p1.runs, engine().line(kAmount, Role::mincho, 10.5, 500, 200, Align::right));
  add(p1.runs, engine()
                   .paragraph("この処分に不服がある場合には、この処分があったことを知った日の翌日から起算して"
                              "３か月以内に、熊谷市長に対して審査請求をすることができます。",
                              Role::mincho, 9, 60, 300, 300, 14, Align::justify)
                   .runs);
  p1.rects.push_back({60, 220, 440, 0.8, 0, true});
  p1.rects.push_back({60, 400, 200, 50, 0.5, false, 0.3});
  p1.images.push_back({seal, 480, 60, 40, 40});
  Page p2;  // a slip page of another size, same fonts and seal
  p2.width = 612;
  p2.height = 396;
  p2.kind = PageKind::slip;
  add(p2.runs, engine().line("納付書 " + kAmount + " 子", Role::gothic, 10, 40, 60));
  p2.images.push_back({seal, 500, 20, 30, 30});
  doc.pages = {p1, p2};
  return doc;
}

std::string page_text(const std::string& pdf, int page) {
  std::unique_ptr<poppler::document> d(
      poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size())));
  REQUIRE(d);
  std::unique_ptr<poppler::page> p(d->create_page(page));
  REQUIRE(p);
  const auto bytes = p->text().to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

std::string without_spaces(std::string s) {
  std::erase_if(s, [](char c) { return c == ' ' || c == '\n'; });
  return s;
}

}  // namespace

TEST_CASE("every glyph keeps its exact code points in the PDF text") {
  TempDir dir;
  const auto pdf = render::pdf_bytes(sample(png(dir)));
  REQUIRE(pdf.ok());
  const std::string p1 = without_spaces(page_text(pdf.value, 0));
  const std::string p2 = without_spaces(page_text(pdf.value, 1));
  struct Row {
    const char* what;
    std::string text;
    const std::string* page;
  };
  const Row rows[] = {
      {"name with 𠮷, 子, 神 U+FA19 and 辻+U+E0100, then 様", without_spaces(kName) + "様", &p1},
      {"amount", kAmount, &p1},
      {"title", "利用者負担額決定通知書", &p1},
      {"justified paragraph across lines", "熊谷市長に対して審査請求", &p1},
      {"page 2, other face", "納付書" + kAmount + "子", &p2},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CAPTURE(*row.page);
    CHECK(row.page->find(row.text) != std::string::npos);
  }
  CHECK(p1.find("\u2F26") == std::string::npos);  // ⼦ Kangxi radical: same glyph, wrong text
  CHECK(p2.find("\u2F26") == std::string::npos);
  CHECK(p1.find("\uFFFD") == std::string::npos);
  CHECK(p1.find("\u795E") == std::string::npos);  // 神 U+FA19 not unified to U+795E

  // The command-line extractor (the one staff and the contractor have) agrees.
  const std::string file = dir.file("sample.pdf", pdf.value);
  const std::string cli = without_spaces(run("pdftotext -enc UTF-8 " + file + " -"));
  CHECK(cli.find(without_spaces(kName) + "様") != std::string::npos);
  CHECK(cli.find("\u2F26") == std::string::npos);
}

TEST_CASE("each face is embedded once, as subsets with a Unicode map; the seal image once") {
  TempDir dir;
  const auto pdf = render::pdf_bytes(sample(png(dir)));
  REQUIRE(pdf.ok());
  const std::string file = dir.file("sample.pdf", pdf.value);
  const std::string out = run("pdffonts " + file);
  CAPTURE(out);
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);  // header
  std::getline(lines, line);  // -----
  // Cairo 1.16 puts glyphs whose text is WinAnsi (ASCII digits, Latin) into a simple-font
  // subset of the same face beside the CID subset, so a face may show twice: once per kind.
  std::set<std::string> faces, face_kinds;
  int entries = 0;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    REQUIRE(w.size() >= 8);
    ++entries;
    const std::string& name = w[0];
    CHECK(name.find('+') == 6);  // ABCDEF+ subset tag
    const std::string face = name.substr(name.find('+') + 1);
    faces.insert(face);
    face_kinds.insert(face + (w[1] == "CID" ? " CID" : " simple"));
    const auto n = w.size();  // ... emb sub uni object ID
    CHECK(w[n - 5] == "yes");  // emb
    CHECK(w[n - 4] == "yes");  // sub
    CHECK(w[n - 3] == "yes");  // uni
  }
  CHECK(faces == std::set<std::string>{"IPAexGothic", "IPAexMincho", "IPAmjMincho"});
  CHECK(static_cast<int>(face_kinds.size()) == entries);  // no face embedded twice in one form
  // Two pages draw the seal; both refer to one image object (and its alpha mask).
  const std::string images = run("pdfimages -list " + file);
  CAPTURE(images);
  std::istringstream il(images);
  std::getline(il, line);
  std::getline(il, line);
  std::set<std::string> objects;
  std::set<std::string> pages;
  while (std::getline(il, line)) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    REQUIRE(w.size() >= 11);
    pages.insert(w[0]);
    objects.insert(w[10]);
  }
  CHECK(pages.size() == 2);
  CHECK(objects.size() == 1);
}

TEST_CASE("the same document renders to the same bytes") {
  TempDir dir;
  const Document doc = sample(png(dir));
  render::PdfOptions opt;
  opt.title = "R20250901-B001";
  opt.creation_date = "2025-09-01T09:00:00";
  const auto a = render::pdf_bytes(doc, opt);
  const auto b = render::pdf_bytes(doc, opt);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.value.size() == b.value.size());
  CHECK(a.value == b.value);
  // Cairo 1.16 writes the date without the "D:" prefix; readers (Poppler, Acrobat) accept it.
  CHECK(a.value.find("/CreationDate (20250901090000") != std::string::npos);
  CHECK(a.value.find("/ModDate (20250901090000") != std::string::npos);
  CHECK(a.value.find("R20250901-B001") != std::string::npos);
  opt.creation_date = "2025-09-02T09:00:00";
  CHECK(render::pdf_bytes(doc, opt).value != a.value);  // the date is really what we set
}

TEST_CASE("page sizes, drawing order and streaming") {
  TempDir dir;
  const Document doc = sample(png(dir));
  std::size_t chunks = 0;
  std::string streamed;
  const auto r = render::pdf(doc, {}, [&](std::string_view b) {
    ++chunks;
    streamed.append(b);
  });
  REQUIRE(r.ok());
  CHECK(chunks > 1);
  CHECK(streamed == render::pdf_bytes(doc).value);
  std::unique_ptr<poppler::document> d(
      poppler::document::load_from_raw_data(streamed.data(), static_cast<int>(streamed.size())));
  REQUIRE(d);
  REQUIRE(d->pages() == 2);
  std::unique_ptr<poppler::page> p2(d->create_page(1));
  CHECK(p2->page_rect().width() == doctest::Approx(612));
  CHECK(p2->page_rect().height() == doctest::Approx(396));
  std::unique_ptr<poppler::page> p1(d->create_page(0));
  CHECK(p1->page_rect().width() == doctest::Approx(595.2756).epsilon(0.001));
}

TEST_CASE("bad display lists are error values") {
  TempDir dir;
  struct Row {
    const char* what;
    std::function<void(Document&)> spoil;
    std::string value;   // what the diagnostic names
  };
  const Row rows[] = {
      {"font file gone", [](Document& d) { d.faces[0].path = "/nonexistent/font.ttf"; d.pages[0].runs[0].face = 0; },
       "/nonexistent/font.ttf"},
      {"run names an unknown face", [](Document& d) { d.pages[0].runs[0].face = 7; }, "7"},
      {"image missing", [](Document& d) { d.pages[0].images[0].png_path = "/nonexistent/seal.png"; },
       "/nonexistent/seal.png"},
      {"clusters do not cover the text", [](Document& d) { d.pages[0].runs[0].clusters.back().bytes += 1; },
       "page 1"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    Document doc = sample(png(dir));
    row.spoil(doc);
    const auto r = render::pdf_bytes(doc);
    CHECK(!r.ok());
    REQUIRE(!r.problems.empty());
    CHECK(r.problems[0].value == row.value);
  }
  bool threw = false;
  const auto failing = render::pdf(sample(png(dir)), {}, [&](std::string_view) {
    threw = true;
    throw std::runtime_error("disk full");
  });
  CHECK(threw);
  CHECK(!failing.ok());
}

TEST_CASE("one PDF of many pages embeds the fonts and the seal once: smaller than as many one-page PDFs") {
  // Throughput is measured by bench/run.py --stages, not here: the suite must not depend on the machine's load.
  TempDir dir;
  Document doc = sample(png(dir));
  doc.pages.resize(1);
  const int n = 50;
  const auto one = render::pdf_bytes(doc);
  REQUIRE(one.ok());
  doc.pages.resize(n, doc.pages.front());
  const auto many = render::pdf_bytes(doc);
  REQUIRE(many.ok());
  CHECK(many.value.size() < one.value.size() * n / 4);
}

TEST_CASE("documents render in parallel threads to the bytes of a single-threaded run") {
  TempDir dir;
  const Document base = sample(png(dir));
  // Each thread renders documents no other thread renders: other pages, texts and page counts.
  auto input = [&](int thread, int k) {
    Document doc = base;
    doc.pages.resize(1 + (thread + k) % 2, base.pages[thread % 2]);
    add(doc.pages.front().runs, engine().line("スレッド " + std::to_string(thread) + " 文書 " + std::to_string(k),
                                              Role::mincho, 10, 60, 700));
    return doc;
  };
  constexpr int kThreads = 3, kRounds = 4;
  std::vector<std::vector<std::string>> got(kThreads, std::vector<std::string>(kRounds));
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i)
    ts.emplace_back([&, i] {
      for (int k = 0; k < kRounds; ++k) got[i][k] = render::pdf_bytes(input(i, k)).value;
    });
  for (auto& t : ts) t.join();
  for (int i = 0; i < kThreads; ++i)
    for (int k = 0; k < kRounds; ++k) {
      CAPTURE(i);
      CAPTURE(k);
      const auto alone = render::pdf_bytes(input(i, k));
      REQUIRE(alone.ok());
      CHECK(got[i][k] == alone.value);
    }
  CHECK(got[0][0] != got[1][0]);
}

TEST_CASE("a condensed (長体) run is drawn condensed: read back, its words are hscale times as wide") {
  // A text extractor measures words from the PDF's glyph widths and text matrix, as a reader sees them.
  const std::string line = "熊谷　エリザベート・フォン・ヴァイセンフェルス　様";
  Document doc;
  doc.faces = engine().faces();
  Page p;
  add(p.runs, engine().line(line, Role::mincho, 12, 60, 100));
  add(p.runs, engine().line(line, Role::mincho, 12, 60, 140, Align::left, 0, 0.6));
  doc.pages = {p};
  auto bytes = render::pdf_bytes(doc);
  REQUIRE(bytes.ok());
  std::unique_ptr<poppler::document> d(
      poppler::document::load_from_raw_data(bytes.value.data(), static_cast<int>(bytes.value.size())));
  REQUIRE(d);
  std::unique_ptr<poppler::page> pg(d->create_page(0));
  REQUIRE(pg);
  double natural = 0, condensed = 0;  // right edge of the last word on each baseline, from x = 60
  for (const auto& box : pg->text_list()) {
    const auto r = box.bbox();
    if (r.bottom() < 110) natural = std::max(natural, r.right() - 60);
    else condensed = std::max(condensed, r.right() - 60);
  }
  CHECK(natural == doctest::Approx(engine().width(line, Role::mincho, 12)).epsilon(0.02));
  CHECK(condensed == doctest::Approx(0.6 * natural).epsilon(0.02));
  // Both lines read back whole (Poppler gives 　 back as a space).
  const std::string text = page_text(bytes.value, 0), name = "エリザベート・フォン・ヴァイセンフェルス";
  CAPTURE(text);
  const auto first = text.find(name);
  REQUIRE(first != std::string::npos);
  CHECK(text.find(name, first + 1) != std::string::npos);
}
