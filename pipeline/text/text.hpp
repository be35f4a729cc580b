// Text: fonts with fallback, HarfBuzz shaping with clusters, ICU line breaking with kinsoku,
// justification; and the millimetre canvas that documents are drawn on.
// Produces display-list data only; it knows nothing of the documents built on it.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "display/display.hpp"

namespace tsuchi::text {

// Font roles of fonts/fonts.toml, each with its fallback order.
enum class Role { mincho, gothic };

// A code point or variation sequence that no configured font can draw.
struct MissingGlyph {
  std::u32string sequence;  // base, or base + variation selector
  bool variation_only = false;  // some font has the base but none the exact sequence
};

enum class Align { left, right, center, justify };

// Where a paragraph's lines may break.
enum class Breaks {
  text,     // ICU line breaks with kinsoku, never inside a run of digits or of kanji numerals
  address,  // only after 　, 番地, 号, の or a space; never inside a number
};

struct TextBlock {
  std::vector<display::GlyphRun> runs;
  int lines = 0;
  double height = 0;     // lines * leading
  double last_line_width = 0;
  bool preferred_breaks = true;  // every line ended at a preferred point (for Breaks::address: 　, 番地, 号, の, space)
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
  // Align::right / Align::center. Split into runs where the fallback font changes. `hscale` < 1
  // condenses it (長体): advances shrink, so the line is width() * hscale wide.
  std::vector<display::GlyphRun> line(std::string_view utf8, Role role, double size, double x, double y,
                                      Align align = Align::left, double gray = 0, double hscale = 1.0) const;

  // A paragraph broken into lines of at most `width` (ICU line breaks + kinsoku), first baseline
  // at y + size; Align::justify spreads every line but the last to the full width.
  TextBlock paragraph(std::string_view utf8, Role role, double size, double x, double y, double width,
                      double leading, Align align = Align::left, Breaks breaks = Breaks::text) const;

  const std::vector<display::Face>& faces() const;

  struct Impl;
 private:
  explicit TextEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Drawing on a page in millimetres from its top-left corner; sizes in points ----

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
};

// How one line is set; the defaults are a black, left-aligned line of free text.
struct LineStyle {
  Align align = Align::left;
  double max_w = 0;  // > 0: shrunk to fit this width (mm), see fit()
  double gray = 0;
  display::TextOrigin origin = display::TextOrigin::free;
  double hscale = 1.0;  // 長体, from fit_line()
  Box bounds{};         // mm; w > 0: preflight refuses ink outside it (display::Bounds)
  display::Bounds::Zone zone = display::Bounds::Zone::none;
};

// The size and 長体 (horizontal scale) at which one line fits its width.
struct LineFit {
  double size = 0;
  double hscale = 1.0;
  bool fits = true;  // false: even the smallest size, fully condensed, is too wide
};

// Shared forms (display::Form) by content, for every thread of a run: a frame drawn again for
// another page is the same Form, so render and preflight meet it once per PDF. Bounded: past
// `capacity` distinct forms it declines (intern() returns null) and the content stays on its page,
// so content wrongly marked as shared costs speed, never memory or correctness. Thread-safe.
class FormCache {
 public:
  explicit FormCache(std::size_t capacity = 2048) : capacity_(capacity) {}
  // Sets f.key from its content and returns the one Form with that content; null when full, and
  // then `f` is left as it was given.
  std::shared_ptr<const display::Form> intern(display::Form& f);
  std::size_t size() const;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  // Keys view each Form's own key (a frame's content, tens of KB), which the Form keeps alive.
  std::unordered_map<std::string_view, std::shared_ptr<const display::Form>> forms_;
};

class Canvas {
 public:
  // `forms` (optional, outliving the canvas): where shared() keeps its forms; without it shared()
  // draws inline.
  Canvas(display::Page& page, const TextEngine& te, FormCache* forms = nullptr)
      : page_(page), te_(te), forms_(forms) {}
  display::Page& page() { return page_; }
  const TextEngine& engine() const { return te_; }

  double width(std::string_view s, Role role, double size) const;  // mm
  // The size at which `s` fits `max_w` mm: `size` when it fits, else smaller but never below `min_size`.
  double fit(std::string_view s, Role role, double size, double max_w, double min_size = 5) const;
  // The size, then the 長体, at which `s` fits one line of `max_w` mm: `size` when it fits; else
  // shrunk down to `min_size`, then condensed down to `min_hscale`. Never wraps.
  LineFit fit_line(std::string_view s, Role role, double size, double max_w, double min_size,
                   double min_hscale = 0.6) const;
  // One line, baseline at y; x is the left edge, right edge or centre as `how.align` says.
  void text(std::string_view s, Role role, double size, double x, double y, const LineStyle& how = {});
  // A paragraph whose first line's top is y; returns its height (lines * leading), mm.
  double paragraph(std::string_view s, Role role, double size, double x, double y, double w, double leading,
                   Align align = Align::left, Breaks breaks = Breaks::text, const Box& bounds = {},
                   display::Bounds::Zone zone = display::Bounds::Zone::none);
  void stroke(const Box& b, double width_pt, double gray = 0);
  void fill(const Box& b, double gray = 0);
  void hline(double x, double y, double w, double width_pt = 0.5) { stroke({x, y, w, 0}, width_pt); }
  // An empty check box (□) of side `s` with its top-left at (x, y).
  void checkbox(double x, double y, double s = 3.2) { stroke({x, y, s, s}, 0.6); }
  // Barcode bars or QR modules (anything with x, y, w, h in mm) offset by (x, y), filled black.
  template <class Bars>
  void bars(const Bars& bars, double x, double y) {
    const auto symbol = static_cast<std::uint32_t>(page_.rects.size() + 1);  // unique on the page
    for (const auto& b : bars) {
      fill({x + b.x, y + b.y, b.w, b.h});
      page_.rects.back().symbol = symbol;
    }
  }
  // Records what a code at `region` must decode to, and (bounds.w > 0) where its bars must stay.
  void code(display::CodeKind kind, std::string value, const Box& region, std::string bar_states = {},
            const Box& bounds = {}, display::Bounds::Zone zone = display::Bounds::Zone::none);
  void image(const std::string& png, const Box& b);
  // What `draw` draws (text and rules only, at page coordinates as usual) as a shared form placed
  // with its origin at (x, y) mm: the same content at another place or page is the same form.
  // Drawn inline instead when there is no FormCache, when it is full, or when `draw` adds codes
  // or images (those are checked per page).
  void shared(double x, double y, const std::function<void(Canvas&)>& draw);

 private:
  display::Page& page_;
  const TextEngine& te_;
  FormCache* forms_ = nullptr;
};

}  // namespace tsuchi::text
