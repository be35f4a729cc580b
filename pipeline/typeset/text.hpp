// Internal to typeset: the text engine (fonts with fallback, HarfBuzz shaping with clusters,
// ICU line breaking with kinsoku, justification). Forms are built on this; nothing outside
// pipeline/typeset includes it.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "typeset/typeset.hpp"

namespace tsuchi::typeset {

enum class Align { left, right, center, justify };

struct TextBlock {
  std::vector<GlyphRun> runs;
  int lines = 0;
  double height = 0;     // lines * leading
  double last_line_width = 0;
};

// Shared by threads safely: HarfBuzz fonts are immutable and the shaping caches take a mutex.
// GlyphRun::face indexes faces(); put faces() into Document::faces.
class TextEngine {
 public:
  // Reads fonts/fonts.toml (roles, fallback order, file paths) and opens every face.
  static Checked<std::unique_ptr<TextEngine>> load(const std::string& fonts_toml);
  ~TextEngine();

  std::vector<MissingGlyph> missing(std::string_view utf8, Role role) const;

  // Width in points of `utf8` set on one line.
  double width(std::string_view utf8, Role role, double size) const;

  // One line with its baseline at (x, y); `x` is the left edge, or the right edge / centre for
  // Align::right / Align::center. Split into runs where the fallback font changes.
  std::vector<GlyphRun> line(std::string_view utf8, Role role, double size, double x, double y,
                             Align align = Align::left, double gray = 0) const;

  // A paragraph broken into lines of at most `width` (ICU line breaks + kinsoku), first baseline
  // at y + size; Align::justify spreads every line but the last to the full width.
  TextBlock paragraph(std::string_view utf8, Role role, double size, double x, double y, double width,
                      double leading, Align align = Align::left) const;

  const std::vector<Face>& faces() const;

  struct Impl;
 private:
  explicit TextEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsuchi::typeset
