#include "preflight/preflight.hpp"

#define ZX_USE_UTF8 1  // ZXing 1.4: Result::text() as UTF-8 std::string
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <unordered_set>

#include "core/mynumber.hpp"
#include "core/utf8.hpp"
#include "preflight/readback.hpp"

namespace tsuchi::preflight {
namespace {

using display::Code;
using display::CodeKind;

// ---- Text helpers (code points exactly as written, never normalised: preflight links no ICU) ----

// Poppler inserts spaces and line breaks from glyph geometry; layout must not count as text.
bool is_space(char32_t c) {
  return c <= 0x20 || c == 0xA0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200B) || c == 0xFEFF;
}

std::u32string without_spaces(std::u32string s) {
  s.erase(std::remove_if(s.begin(), s.end(), is_space), s.end());
  return s;
}

const char* kind_name(CodeKind k) {
  switch (k) {
    case CodeKind::store_gs1_128: return "GS1-128";
    case CodeKind::insertion_qr: return "insertion QR";
    case CodeKind::customer_japan_post: return "customer barcode";
    case CodeKind::certificate_qr: return "certificate QR";
    case CodeKind::el_qr: return "eL-QR";
  }
  return "code";
}

// ---- Raster of one code region ----

struct Gray {
  const unsigned char* data = nullptr;
  int width = 0, height = 0, stride = 0;
  bool dark(int x, int y) const { return data[y * stride + x] < 128; }
};

Gray gray(const detail::Raster& r) { return {r.pixels.data(), r.width, r.height, r.width}; }

// ---- Japan Post customer barcode: no decoder exists, so read the bar states back ----

// Bars are found by column scanning and classified by which of the top and bottom thirds of the
// symbol's full height they reach: '1' long, '2' ascender, '3' descender, '4' timing.
std::string read_bar_states(const Gray& g) {
  std::vector<std::pair<int, int>> bars;  // [first, last] dark column
  int start = -1;
  for (int x = 0; x <= g.width; ++x) {
    bool dark = false;
    if (x < g.width)
      for (int y = 0; y < g.height && !dark; ++y) dark = g.dark(x, y);
    if (dark && start < 0) start = x;
    if (!dark && start >= 0) {
      bars.emplace_back(start, x - 1);
      start = -1;
    }
  }
  struct Extent { int top, bottom; };
  std::vector<Extent> ext;
  int top = g.height, bottom = -1;
  for (auto [a, b] : bars) {
    int x = (a + b) / 2;  // the middle column: anti-aliased edges would blur the extent
    Extent e{g.height, -1};
    for (int y = 0; y < g.height; ++y)
      if (g.dark(x, y)) {
        e.top = std::min(e.top, y);
        e.bottom = std::max(e.bottom, y);
      }
    if (e.bottom < 0) continue;
    ext.push_back(e);
    top = std::min(top, e.top);
    bottom = std::max(bottom, e.bottom);
  }
  std::string states;
  double third = (bottom - top + 1) / 3.0;
  for (auto e : ext) {
    bool up = e.top < top + third / 2, down = e.bottom > bottom - third / 2;
    states.push_back(up && down ? '1' : up ? '2' : down ? '3' : '4');
  }
  return states;
}

const char* state_name(char s) {
  switch (s) {
    case '1': return "long";
    case '2': return "ascender";
    case '3': return "descender";
    case '4': return "timing";
  }
  return "?";
}

// ---- Decoding with ZXing ----

std::string digits_only(std::string_view s) {
  std::string d;
  for (char c : s)
    if (c >= '0' && c <= '9') d.push_back(c);
  return d;
}

struct Decoded {
  bool found = false;
  std::string text;
  bool gs1 = false;  // symbology identifier says FNC1 in first position (GS1 mode)
};

bool matches(const Decoded& d, CodeKind kind, const std::string& expected) {
  return d.found && d.text == expected && (kind != CodeKind::store_gs1_128 || d.gs1);
}

// Pure mode (the region holds just the symbol) is fast; the general detector is the fallback
// for a region with some margin or noise, tried only when the fast pass does not match.
Decoded decode(const Gray& g, CodeKind kind, const std::string& expected) {
  ZXing::ImageView view(g.data, g.width, g.height, ZXing::ImageFormat::Lum, g.stride);
  bool linear = kind == CodeKind::store_gs1_128;
  ZXing::DecodeHints hints;
  hints.setFormats(linear ? ZXing::BarcodeFormat::Code128 : ZXing::BarcodeFormat::QRCode)
      .setTryRotate(false)
      .setTryDownscale(false)
      .setMaxNumberOfSymbols(1);
  auto run = [&](bool pure) {
    hints.setIsPure(pure).setTryHarder(!pure);
    auto r = ZXing::ReadBarcode(view, hints);
    Decoded d;
    if (!r.isValid()) return d;
    d.found = true;
    d.text = r.text();
    d.gs1 = r.symbologyIdentifier() == "]C1";
    if (linear) d.text = digits_only(d.text);  // FNC1/GS separators are markup, not data
    return d;
  };
  Decoded d = run(true);
  if (matches(d, kind, expected)) return d;
  Decoded slow = run(false);
  return slow.found ? slow : d;
}

double dpi_for(CodeKind k, const Options& opt) {
  switch (k) {
    case CodeKind::store_gs1_128: return opt.dpi;
    case CodeKind::customer_japan_post: return opt.postal_dpi;
    default: return opt.qr_dpi;
  }
}

using Region = detail::Box;

// ---- Checks ----

class Checker {
 public:
  // `forms`: which expected form each form XObject of the PDF was found to be, kept by the Reader
  // so a form is checked once however many slices the Reader checks.
  Checker(const display::Document& expected, const Options& opt, Report& report, std::map<int, std::string>& forms)
      : expected_(expected), opt_(opt), report_(report), form_keys_(forms) {}

  void add(int page_index, std::string what) {
    const auto& p = expected_.pages[page_index];
    report_.findings.push_back({p.envelope_id, page_index + 1, p.page_in_envelope, std::move(what)});
  }

  // Envelope structure of the display list: each envelope's pages together, numbered 1..n of n.
  void envelopes() {
    const auto& pages = expected_.pages;
    std::unordered_set<std::string> closed;
    for (std::size_t i = 0; i < pages.size();) {
      std::size_t j = i;
      while (j < pages.size() && pages[j].envelope_id == pages[i].envelope_id) ++j;
      int n = static_cast<int>(j - i);
      if (!closed.insert(pages[i].envelope_id).second)
        add(static_cast<int>(i), "envelope's pages are not together: it resumes here after other envelopes");
      for (std::size_t k = i; k < j; ++k) {
        const auto& p = pages[k];
        int want = static_cast<int>(k - i) + 1;
        if (p.page_in_envelope != want || p.pages_in_envelope != n)
          add(static_cast<int>(k),
              "page numbered " + std::to_string(p.page_in_envelope) + " of " + std::to_string(p.pages_in_envelope) +
                  " but it is page " + std::to_string(want) + " of " + std::to_string(n) +
                  " of its envelope in the document");
      }
      i = j;
    }
  }

  // One interpretation of the page's content stream gives its text and the paths over its codes.
  void page(detail::Document& pdf, int index) {
    const auto& exp = expected_.pages[index];
    std::vector<Region> regions;
    regions.reserve(exp.codes.size());
    for (const auto& c : exp.codes) regions.push_back({c.x, c.y, c.w, c.h});
    detail::PageReading reading = pdf.read(index, regions);
    if (std::abs(reading.width - exp.width) > 0.5 || std::abs(reading.height - exp.height) > 0.5)
      add(index, "page size " + std::to_string(std::lround(reading.width)) + "x" +
                     std::to_string(std::lround(reading.height)) + " pt, expected " +
                     std::to_string(std::lround(exp.width)) + "x" + std::to_string(std::lround(exp.height)));
    text(reading, index);
    forms(pdf, reading, index);
    for (std::size_t k = 0; k < exp.codes.size(); ++k) {
      code(pdf, reading, index, static_cast<int>(k));
      code_bounds(reading, regions, index, k);
    }
  }

 private:
  // My Numbers (core/mynumber.hpp): the check-digit heuristic reads only free text, whose runs are
  // verified against the page just below; the exact-match scan reads everything the page shows.
  bool scanning() const { return opt_.my_numbers && !opt_.my_numbers->empty(); }
  void my_numbers(std::string_view read_back, int index, const std::string& where) {
    if (scanning() && opt_.my_numbers->contains(read_back)) add(index, "one of this run's input My Numbers " + where);
  }

  void text(const detail::PageReading& reading, int index) {
    read_runs(reading.text, reading.ink, expected_.pages[index].runs, index, "", "the page text");
  }

  // Text read back (a page's or a form's) against the runs drawn there: My Numbers, each run's
  // text in drawing order with its first missing code point, and the ink of bounded runs.
  // `prefix` names a form in findings ("shared form 2: "); empty for the page itself.
  void read_runs(const std::u32string& text, const std::vector<Region>& read_ink,
                 const std::vector<display::GlyphRun>& runs, int index, const std::string& prefix,
                 const std::string& where) {
    if (std::any_of(runs.begin(), runs.end(), [](const display::GlyphRun& r) {
          return r.origin == display::TextOrigin::free && mynumber::find(r.text);
        }))
      add(index, prefix + "a 12-digit number with a valid My Number check digit is printed");
    if (scanning())
      my_numbers(utf8::encode(text), index,
                 prefix.empty() ? "is printed" : "is printed in " + prefix.substr(0, prefix.size() - 2));
    // The text without spaces, and the ink box of each code point left.
    std::u32string flat;
    std::vector<Region> ink;
    flat.reserve(text.size());
    ink.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
      if (!is_space(text[i])) {
        flat.push_back(text[i]);
        ink.push_back(i < read_ink.size() ? read_ink[i] : Region{});
      }
    // Runs are drawn in display-list order, so a run is first looked for after the one before it.
    std::size_t cursor = 0;
    for (std::size_t r = 0; r < runs.size(); ++r) {
      std::u32string want = without_spaces(utf8::decode(runs[r].text));
      if (want.empty()) continue;
      std::size_t at = flat.find(want, cursor);
      if (at != std::u32string::npos) {
        cursor = at + want.size();
      } else if ((at = flat.find(want)) == std::u32string::npos) {
        // The longest prefix that is there locates the first code point that is not.
        std::size_t len = 0;
        while (len < want.size() && flat.find(want.substr(0, len + 1)) != std::u32string::npos) ++len;
        add(index, prefix + "text run " + std::to_string(r) + " not found in " + where +
                       " (first missing code point " + utf8::label(want[len]) + ")");
        continue;
      } else {
        at = best_overlap(flat, ink, want, runs[r].bounds);
      }
      if (runs[r].bounds.any()) inside(index, runs[r].bounds, union_of(ink, at, want.size()), "text");
    }
  }

  // Shared forms: each page must place exactly its forms, where the display list puts them; the
  // first placement of each form XObject checks its content against the form (text, bounds, My
  // Numbers) once, and it is then known to be that form on every later page.
  void forms(detail::Document& pdf, const detail::PageReading& reading, int index) {
    const auto& want = expected_.pages[index].forms;
    if (reading.forms.size() != want.size())
      add(index, "page places " + std::to_string(reading.forms.size()) + " shared form(s), expected " +
                     std::to_string(want.size()));
    for (std::size_t i = 0; i < std::min(want.size(), reading.forms.size()); ++i) {
      const detail::Placed& got = reading.forms[i];
      const display::Placement& w = want[i];
      if (!w.form) continue;
      const std::string n = "shared form " + std::to_string(i + 1);
      if (!got.same_linear) add(index, n + " is scaled or turned unlike its other placements");
      if (std::abs(got.x - w.x) > 0.01 || std::abs(got.y - w.y) > 0.01) {
        char at[96];
        std::snprintf(at, sizeof at, " placed at (%.2f, %.2f) pt, expected (%.2f, %.2f)", got.x, got.y, w.x, w.y);
        add(index, n + at);
      }
      auto [known, fresh] = form_keys_.emplace(got.form, w.form->key);
      if (!fresh) {
        if (known->second != w.form->key) add(index, n + " draws the content of another form");
        continue;
      }
      const detail::FormReading& f = pdf.form(got.form);
      if (!f.problem.empty()) {
        add(index, n + ": " + f.problem);
        continue;
      }
      // In the form's own coordinates, as are its runs' bounds.
      read_runs(f.text, f.ink, w.form->runs, index, n + ": ", "the form's text");
    }
  }

  // Out of order: of the text's occurrences on the page, the one whose ink overlaps its bounds most.
  static std::size_t best_overlap(const std::u32string& flat, const std::vector<Region>& ink, const std::u32string& want,
                                  const display::Bounds& b) {
    std::size_t best = flat.find(want);
    double most = -1;
    for (std::size_t at = best; at != std::u32string::npos; at = flat.find(want, at + 1)) {
      const Region u = union_of(ink, at, want.size());
      const double w = std::min(u.x + u.w, b.x + b.w) - std::max(u.x, b.x);
      const double h = std::min(u.y + u.h, b.y + b.h) - std::max(u.y, b.y);
      const double overlap = w > 0 && h > 0 ? w * h : 0;
      if (overlap > most) most = overlap, best = at;
    }
    return best;
  }

  // The box around the ink of [at, at + n); w == h == 0 when nothing there has ink.
  static Region union_of(const std::vector<Region>& ink, std::size_t at, std::size_t n) {
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (std::size_t i = at; i < at + n && i < ink.size(); ++i) {
      const Region& g = ink[i];
      if (g.h <= 0) continue;
      x0 = std::min(x0, g.x), y0 = std::min(y0, g.y);
      x1 = std::max(x1, g.x + g.w), y1 = std::max(y1, g.y + g.h);
    }
    return x1 < x0 ? Region{} : Region{x0, y0, x1 - x0, y1 - y0};
  }

  // Ink read back must stay inside its bounds (the envelope window, a table cell) within 0.3 pt,
  // about a 600 dpi printer's dot, the noise of reading glyph boxes back.
  void inside(int index, const display::Bounds& b, const Region& got, const std::string& what) {
    constexpr double kTolerance = 0.3;
    if (got.w <= 0 && got.h <= 0) return;
    const double out = std::max({b.x - got.x, got.x + got.w - (b.x + b.w), b.y - got.y, got.y + got.h - (b.y + b.h)});
    if (out <= kTolerance) return;
    char by[32];
    std::snprintf(by, sizeof by, "%.1f mm", out / display::kPtPerMm);
    const bool text = what == "text";
    std::string msg;
    switch (b.zone) {
      case display::Bounds::Zone::window:
        msg = (text ? std::string("recipient line") : what) + " leaves the envelope window by " + by;
        break;
      case display::Bounds::Zone::cell: msg = what + " overflows its table cell by " + by; break;
      case display::Bounds::Zone::none: msg = what + " leaves its bounds by " + by; break;
    }
    // A line set in two fonts is two runs: one finding for it.
    const auto& f = report_.findings;
    if (std::none_of(f.begin(), f.end(), [&](const Finding& x) { return x.page == index + 1 && x.what == msg; }))
      add(index, std::move(msg));
  }

  // The code's bars are the captured shapes that lie within its region (a rule crossing the region
  // is not part of it); their union must stay inside the code's bounds.
  void code_bounds(const detail::PageReading& reading, const std::vector<Region>& regions, int index, std::size_t k) {
    const Code& c = expected_.pages[index].codes[k];
    if (!c.bounds.any()) return;
    const Region& r = regions[k];
    constexpr double kSlack = 0.5;  // anti-aliasing and stroke rounding at the region's edge
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (const detail::Shape& shape : reading.shapes)
      for (const detail::Subpath& sp : shape.subpaths) {
        if (sp.points.empty()) continue;
        double sx0 = 1e300, sy0 = 1e300, sx1 = -1e300, sy1 = -1e300;
        for (const auto& p : sp.points)
          sx0 = std::min(sx0, p.x), sy0 = std::min(sy0, p.y), sx1 = std::max(sx1, p.x), sy1 = std::max(sy1, p.y);
        if (shape.stroke) {
          // Render strokes a row of bars as butt-capped horizontal segments as thick as the bars are high.
          const double half = shape.line_width / 2;
          const bool horizontal = sp.points.size() == 2 && !sp.closed && sy0 == sy1;
          const bool vertical = sp.points.size() == 2 && !sp.closed && sx0 == sx1;
          if (!vertical) sy0 -= half, sy1 += half;
          if (!horizontal) sx0 -= half, sx1 += half;
        }
        if (sx0 < r.x - kSlack || sy0 < r.y - kSlack || sx1 > r.x + r.w + kSlack || sy1 > r.y + r.h + kSlack) continue;
        x0 = std::min(x0, sx0), y0 = std::min(y0, sy0), x1 = std::max(x1, sx1), y1 = std::max(y1, sy1);
      }
    if (x1 < x0) return;  // nothing drawn there: the decoding check reports it
    inside(index, c.bounds, {x0, y0, x1 - x0, y1 - y0}, kind_name(c.kind));
  }

  void code(detail::Document& pdf, const detail::PageReading& reading, int index, int k) {
    const Code& c = expected_.pages[index].codes[k];
    ++report_.codes_checked;
    if (reading.exact[k]) ++report_.exact_renders;
    std::string name = kind_name(c.kind);
    Region full{c.x, c.y, c.w, c.h};
    double dpi = dpi_for(c.kind, opt_);

    // A symbol drawn as a stencil mask with nothing else over it is read from its samples, two
    // pixels a module and its quiet zone (four modules for QR, ten for GS1-128) around: the bars
    // exactly as drawn, with no rasterising; anything short of a match goes on to the pixels of
    // the region as a reader sees them.
    // Modules of at least 1.5 pixels at the decoder's resolution, as the pixel passes need them.
    const detail::Raster drawn = detail::Document::modules(reading, k, full, 2,
                                                           c.kind == CodeKind::store_gs1_128 ? 10 : 4, 8,
                                                           1.5 * 72 / dpi_for(c.kind, opt_));
    if (c.kind == CodeKind::customer_japan_post) {
      if (drawn.ok() && read_bar_states(gray(drawn)) == c.bar_states) {
        ++report_.from_samples;
        my_numbers(c.value, index, "is encoded in the " + name);
        return;
      }
      std::string got;
      bool rendered = false;
      for (double d : {dpi, 2 * dpi}) {  // the finer pass only when the first does not match
        auto img = pdf.raster(index, reading, k, full, d);
        if (!img.ok()) continue;
        rendered = true;
        got = read_bar_states(gray(img));
        if (got == c.bar_states) {  // the bars read back are exactly those of the expected value
          my_numbers(c.value, index, "is encoded in the " + name);
          return;
        }
      }
      if (!rendered) {
        add(index, name + ": region could not be rendered");
      } else if (got.size() != c.bar_states.size()) {
        add(index, name + ": " + std::to_string(got.size()) + " bars found, expected " +
                       std::to_string(c.bar_states.size()));
      } else {
        int differ = 0;
        std::size_t first = 0;
        for (std::size_t i = got.size(); i-- > 0;)
          if (got[i] != c.bar_states[i]) ++differ, first = i;
        add(index, name + ": " + std::to_string(differ) + " bar(s) differ; bar " + std::to_string(first + 1) +
                       " reads " + state_name(got[first]) + ", expected " + state_name(c.bar_states[first]));
      }
      return;
    }

    bool linear = c.kind == CodeKind::store_gs1_128;
    std::string want = linear ? digits_only(c.value) : c.value;
    // Cheapest first: a linear code needs only a strip across its bars (the middle fifth of the
    // region, which the bars cross whatever margins it has); then the whole region; then twice the dpi.
    std::vector<std::pair<Region, double>> passes;
    if (linear) passes.push_back({{c.x, c.y + c.h * 0.4, c.w, c.h * 0.2}, dpi});
    passes.push_back({full, dpi});
    passes.push_back({full, 2 * dpi});
    Decoded best;
    bool rendered = false;
    if (drawn.ok()) {
      Decoded got = decode(gray(drawn), c.kind, want);
      if (matches(got, c.kind, want)) {
        ++report_.from_samples;
        my_numbers(got.text, index, "is encoded in the " + name);
        return;
      }
    }
    for (auto [region, d] : passes) {
      auto img = pdf.raster(index, reading, k, region, d);
      if (!img.ok()) continue;
      rendered = true;
      Decoded got = decode(gray(img), c.kind, want);
      if (got.found) best = got;
      if (matches(got, c.kind, want)) break;
    }
    if (!rendered) {
      add(index, name + ": region could not be rendered");
      return;
    }
    if (!best.found) {
      add(index, name + " not decoded, expected " + want);
      return;
    }
    if (best.text != want)
      add(index, name + " decoded " + best.text + ", expected " + want);
    else if (linear && !best.gs1)
      add(index, name + " decoded " + best.text + " but not as GS1 (no FNC1 in first position)");
    my_numbers(best.text, index, "is encoded in the " + name);
  }

  const display::Document& expected_;
  const Options& opt_;
  Report& report_;
  std::map<int, std::string>& form_keys_;
};

}  // namespace

struct Reader::Impl {
  std::unique_ptr<detail::Document> doc;  // null: the bytes are no readable PDF
  std::map<int, std::string> form_keys;   // form XObject (Document::form) -> the Form::key it was checked as
};

Reader::Reader(std::string_view pdf) : impl_(std::make_unique<Impl>()) { impl_->doc = detail::Document::open(pdf); }
Reader::~Reader() = default;

Report Reader::check(const display::Document& expected, const Options& opt) {
  Report report;
  Checker checker(expected, opt, report, impl_->form_keys);
  const int want = static_cast<int>(expected.pages.size());
  const int first = std::clamp(opt.first_page, 0, want);
  const int last = opt.page_count < 0 ? want : std::clamp(first + opt.page_count, first, want);
  const bool whole = first == 0;  // the slice at page 0 also answers for the document as a whole
  if (whole) checker.envelopes();

  if (!impl_->doc) {
    report.findings.push_back({"", 0, 0, "the PDF cannot be opened"});
    return report;
  }
  detail::Document& doc = *impl_->doc;
  const int have = doc.pages();
  report.pages = have;
  if (whole) {
    std::string counts = " (PDF has " + std::to_string(have) + " pages, expected " + std::to_string(want) + ")";
    if (have > want)
      report.findings.push_back({"", want + 1, 0, "pages beyond the document's last page" + counts});
    // One finding per envelope cut short, at its first missing page.
    for (int i = have; i < want; ++i)
      if (i == have || expected.pages[i].envelope_id != expected.pages[i - 1].envelope_id)
        checker.add(i, "page " + std::to_string(expected.pages[i].page_in_envelope) + " of " +
                           std::to_string(expected.pages[i].pages_in_envelope) + " is missing from the PDF" + counts);
  }
  for (int i = first; i < std::min(have, last); ++i) checker.page(doc, i);
  return report;
}

Report check(std::string_view pdf, const display::Document& expected, const Options& opt) {
  return Reader(pdf).check(expected, opt);
}

}  // namespace tsuchi::preflight
