// Internal to report: pages drawn with the text layer's canvas, and a small document
// model (sections of key/value pairs, tables and text) that prints both as plain text and as PDF,
// so the review sheet on stdout and in review.pdf cannot drift apart.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/core.hpp"
#include "display/display.hpp"
#include "render/render.hpp"
#include "text/text.hpp"

namespace tsuchi::report::detail {

inline constexpr double kPageW = 210, kPageH = 297;  // A4 portrait, mm
inline constexpr double kMargin = 18;                  // left, right and top, mm
inline constexpr double kBottom = kPageH - 18;         // content ends here; the footer sits below

using text::Align;
using text::Box;
using text::Canvas;
using text::Role;

// Report paragraphs are set at 1.45 times their type size (pt); the leading in mm.
inline double leading(double size) { return display::mm(size * 1.45); }

// A blank A4 page of a report document, drawn on with a text::Canvas.
display::Page form_page();
// A QR code whose top-right corner (quiet zone included) is at (right, y); its value is listed
// in Page::codes. Returns its side in mm.
Checked<double> qr(Canvas& c, std::string_view text, double right, double y, double module_mm,
                   display::CodeKind kind);
// The pages as one document; every page gets "<footer>   page i / n" at the bottom.
display::Document document(std::vector<display::Page> pages, const text::TextEngine& te, const std::string& footer);

// ---- document model ----
struct Pairs {
  std::vector<std::pair<std::string, std::string>> rows;
};
struct Column {
  std::string header;
  double width_mm = 20;
  bool right = false;  // numbers are right-aligned
};
struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;
  bool last_row_total = false;  // drawn with a rule above it
};
struct Text {
  std::string text;
  bool alert = false;  // printed red
};
using Block = std::variant<Pairs, Table, Text>;
struct Section {
  std::string heading;
  std::vector<Block> blocks;
};
struct Report {
  std::string title;
  std::vector<Section> sections;
  std::string footer;  // PDF page footer (ids only)
};

// Fixed-width text: titles underlined, pairs aligned, table columns padded (East Asian wide = 2).
std::string to_text(const Report& r);
// The same content laid out on A4 pages.
Checked<std::string> to_pdf(const Report& r, const text::TextEngine& te, const render::PdfOptions& opt);

// 12,300 / -12,300 / +12,300 (signed) without the yen sign: tables carry the unit in their header.
std::string amount(Yen v, bool sign = false);
// "a, b, c" with at most `limit` items, then "… and N more".
std::string list(const std::vector<std::string>& items, std::size_t limit);

}  // namespace tsuchi::report::detail
