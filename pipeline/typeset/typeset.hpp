// Typeset: envelopes into pages as plain display lists (SPEC §4, §5). A page is positioned glyph
// runs that keep their text clusters, rectangles, images, and the value every code on it should
// decode to. The PDF writer only draws these; preflight compares them with what it reads back.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compose/compose.hpp"
#include "core/core.hpp"

namespace tsuchi::typeset {

// ---- Display list (units: PDF points, origin top-left, y grows downwards) ----

struct Glyph {
  std::uint32_t id = 0;  // glyph index in the run's face
  double x = 0, y = 0;   // pen position of the glyph origin on the baseline
};

// One cluster of the run: `bytes` of `text` drawn by `glyphs` glyphs (cairo_text_cluster_t).
struct Cluster {
  int bytes = 0;
  int glyphs = 0;
};

struct GlyphRun {
  int face = 0;           // index into Document::faces
  double size = 10;       // em size in points
  std::string text;       // UTF-8, exact code points of the source (IVS selectors included)
  std::vector<Glyph> glyphs;
  std::vector<Cluster> clusters;  // in logical order; sums match text.size() and glyphs.size()
  double gray = 0;        // 0 black .. 1 white
};

struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
  double gray = 0;
  bool fill = true;          // false: stroke the outline
  double stroke_width = 0.5;
};

struct Image {
  std::string png_path;  // absolute
  double x = 0, y = 0, w = 0, h = 0;
};

enum class CodeKind { store_gs1_128, insertion_qr, customer_japan_post, certificate_qr };

// What a code on the page must decode to, and where it is (region includes quiet zones).
struct Code {
  CodeKind kind;
  std::string value;  // GS1: 44 digits; QR: its text; Japan Post: data + "/" + check digit symbol
  std::string bar_states;  // Japan Post only: the 67 states drawn
  double x = 0, y = 0, w = 0, h = 0;
};

enum class PageKind { notice, slip, form };

struct Page {
  double width = 595.2756, height = 841.8898;  // A4
  PageKind kind = PageKind::notice;
  std::string envelope_id;  // "<batch_id>/<envelope_no>"
  int page_in_envelope = 1, pages_in_envelope = 1;
  std::vector<GlyphRun> runs;
  std::vector<Rect> rects;  // barcode bars are rects too
  std::vector<Image> images;
  std::vector<Code> codes;
};

struct Face {
  std::string path;  // font file
  int index = 0;     // face index inside the file
  std::string name;  // e.g. "IPAexMincho", for messages
};

struct Document {
  std::vector<Face> faces;
  std::vector<Page> pages;  // one envelope's pages together, envelopes in mailing order
};

// ---- Fonts (fonts/fonts.toml: roles and fallback order) ----

enum class Role { mincho, gothic };

// A code point or variation sequence that no configured font can draw.
struct MissingGlyph {
  std::u32string sequence;  // base, or base + variation selector
  bool variation_only = false;  // some font has the base but none the exact sequence
};

class FontSet;  // owns FreeType/HarfBuzz faces; not copyable

// Everything that typesets: fonts, shaping cache, templates and layouts. Build once per run.
class Typesetter {
 public:
  // `data_dir` holds fonts/, templates/ and layouts/.
  static Checked<std::unique_ptr<Typesetter>> create(const std::string& data_dir,
                                                     const ingest::Municipality& m);
  ~Typesetter();

  // Which parts of `utf8` no font of `role` can draw (for validation, SPEC §4/§6).
  std::vector<MissingGlyph> missing(std::string_view utf8, Role role = Role::mincho) const;

  // The pages of one envelope, in mailing order: each notice, then each slip.
  std::vector<Page> envelope_pages(const compose::Envelope& e, const std::string& batch_id) const;

  const std::vector<Face>& faces() const;

  struct Impl;
 private:
  explicit Typesetter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Japanese formatting ----
std::string wareki(const Date& d);        // 令和元年5月1日, 平成31年4月30日
std::string wareki_month(const YearMonth& ym);  // 令和7年9月
std::string wareki_fiscal_year(int fiscal_year);  // 令和7年度
std::string yen(Yen amount);             // 12,300円
std::string grouped(Yen amount);         // 12,300

}  // namespace tsuchi::typeset
