// The display list: pages as plain data, below both the layout stages that fill them (text,
// typeset, report) and the stages that consume them (render draws them, preflight reads the PDF
// back against them). Depends on core only, so a consumer never sees the cases behind a page.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tsuchi::display {

// Units: PDF points, origin top-left, y grows downwards. Layouts are written in millimetres;
// this is the one conversion between the two.
inline constexpr double kPtPerMm = 72.0 / 25.4;
constexpr double pt(double mm) { return mm * kPtPerMm; }
constexpr double mm(double points) { return points / kPtPerMm; }

struct Glyph {
  std::uint32_t id = 0;  // glyph index in the run's face
  double x = 0, y = 0;   // pen position of the glyph origin on the baseline
};

// One cluster of the run: `bytes` of `text` drawn by `glyphs` glyphs (cairo_text_cluster_t).
struct Cluster {
  int bytes = 0;
  int glyphs = 0;
};

// Where a run's text comes from, for preflight's My Number scans (core/mynumber.hpp).
// Where ink must stay: preflight reads back the box of every glyph or bar and refuses a page whose
// ink leaves it. w == 0: anywhere on the page.
struct Bounds {
  double x = 0, y = 0, w = 0, h = 0;  // points
  enum class Zone { none, window, cell } zone = Zone::none;  // what it is, for messages
  bool any() const { return w > 0 && h > 0; }
};

enum class TextOrigin {
  free,  // names, addresses, reasons, template wording: the check-digit heuristic applies
  code,  // ids and barcode digits of known provenance (GS1 line, 納付番号, envelope id): exact match only
};

struct GlyphRun {
  int face = 0;           // index into Document::faces
  double size = 10;       // em size in points
  std::string text;       // UTF-8, exact code points of the source (IVS selectors included)
  std::vector<Glyph> glyphs;
  std::vector<Cluster> clusters;  // in logical order; sums match text.size() and glyphs.size()
  double gray = 0;        // 0 black .. 1 white
  TextOrigin origin = TextOrigin::free;
  bool alert = false;     // drawn red: a custody flag nobody may overlook (reconcile)
  double hscale = 1.0;    // 長体: glyphs condensed horizontally (x advance and outline) by this factor
  Bounds bounds;          // the window for recipient lines, the cell for table text
};

struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
  double gray = 0;
  bool fill = true;          // false: stroke the outline
  double stroke_width = 0.5;
  // Nonzero: the bars or modules of one barcode symbol, which share it (text::Canvas::bars), so
  // the renderer may paint them as one bilevel image when they lie on a grid.
  std::uint32_t symbol = 0;
};

struct Image {
  std::string png_path;  // absolute
  double x = 0, y = 0, w = 0, h = 0;
};

enum class CodeKind { store_gs1_128, insertion_qr, customer_japan_post, certificate_qr, el_qr };

// What a code on the page must decode to, and where it is (region includes quiet zones).
struct Code {
  CodeKind kind;
  std::string value;  // GS1: 44 digits; QR: its text; Japan Post: data + "/" + check digit symbol
  std::string bar_states;  // Japan Post only: the 67 states drawn
  double x = 0, y = 0, w = 0, h = 0;
  Bounds bounds;           // the customer barcode: the window less its worst-case shift
};

enum class PageKind { notice, slip, form };

// What many pages draw the same (a form's frame: rules, label cells, fixed wording): drawn once
// per PDF as a form XObject and placed by reference, so neither render nor preflight pays for it
// on every page (output_spec/preflight.md says what is checked once and what on each page).
// Coordinates are relative to the placement's origin. No codes and no images: those stay per page.
struct Form {
  std::string key;  // the content serialised (text::FormCache): equal keys, equal content
  std::vector<GlyphRun> runs;
  std::vector<Rect> rects;
};

struct Placement {
  std::shared_ptr<const Form> form;
  double x = 0, y = 0;  // where the form's origin lands on the page, points
};

struct Page {
  double width = 595.2756, height = 841.8898;  // A4
  PageKind kind = PageKind::notice;
  std::string envelope_id;  // "<batch_id>/<envelope_no>"
  int page_in_envelope = 1, pages_in_envelope = 1;
  std::vector<GlyphRun> runs;
  std::vector<Rect> rects;  // barcode bars are rects too
  std::vector<Image> images;
  std::vector<Code> codes;
  std::vector<Placement> forms;  // drawn first, under everything else on the page
};

// The page as it prints: each placed form's runs and rects moved to where it is placed, ahead of
// the page's own (the drawing order), and no forms. For readers that only care what is on a page.
inline Page flattened(const Page& p) {
  Page out = p;
  out.forms.clear();
  std::vector<GlyphRun> runs;
  std::vector<Rect> rects;
  for (const auto& placed : p.forms) {
    if (!placed.form) continue;
    for (GlyphRun r : placed.form->runs) {
      for (auto& g : r.glyphs) g.x += placed.x, g.y += placed.y;
      if (r.bounds.any()) r.bounds.x += placed.x, r.bounds.y += placed.y;
      runs.push_back(std::move(r));
    }
    for (Rect r : placed.form->rects) {
      r.x += placed.x, r.y += placed.y;
      rects.push_back(r);
    }
  }
  runs.insert(runs.end(), p.runs.begin(), p.runs.end());
  rects.insert(rects.end(), p.rects.begin(), p.rects.end());
  out.runs = std::move(runs);
  out.rects = std::move(rects);
  return out;
}
inline std::vector<Page> flattened(const std::vector<Page>& pages) {
  std::vector<Page> out;
  for (const auto& p : pages) out.push_back(flattened(p));
  return out;
}

struct Face {
  std::string path;  // font file
  int index = 0;     // face index inside the file
  std::string name;  // e.g. "IPAexMincho", for messages
};

struct Document {
  std::vector<Face> faces;
  std::vector<Page> pages;  // one envelope's pages together, envelopes in mailing order
};

}  // namespace tsuchi::display
