// Internal to report: a page builder in millimetres over the display list, and a small document
// model (sections of key/value pairs, tables and text) that prints both as plain text and as PDF,
// so the review sheet on stdout and in review.pdf cannot drift apart.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "barcode/barcode.hpp"
#include "core/core.hpp"
#include "render/render.hpp"
#include "typeset/text.hpp"
#include "typeset/typeset.hpp"

namespace tsuchi::report::detail {

inline constexpr double kPt = 72.0 / 25.4;  // points per millimetre
inline constexpr double kPageW = 210, kPageH = 297;  // A4 portrait, mm
inline constexpr double kMargin = 18;                  // left, right and top, mm
inline constexpr double kBottom = kPageH - 18;         // content ends here; the footer sits below

using typeset::Align;
using typeset::Role;

// Pages of one document drawn in mm from the top-left corner; text through the text engine.
class Canvas {
 public:
  explicit Canvas(const typeset::TextEngine& te) : te_(te) { new_page(); }

  void new_page();
  typeset::Page& page() { return pages_.back(); }
  // One line with its baseline at y; shrunk to fit `max_w` when given (never below 5 pt).
  void text(std::string_view utf8, double x, double baseline, double size, Role role = Role::gothic,
            Align align = Align::left, double max_w = 0, double gray = 0);
  // A wrapped paragraph whose first line's top is at y; returns its height in mm.
  double paragraph(std::string_view utf8, double x, double y, double w, double size, Role role = Role::gothic);
  void rect(double x, double y, double w, double h, bool fill, double gray = 0, double stroke_pt = 0.5);
  void hline(double x, double y, double w, double stroke_pt = 0.5) { rect(x, y, w, 0, false, 0, stroke_pt); }
  // An empty check box (□) of side `s` with its top-left at (x, y).
  void checkbox(double x, double y, double s = 3.2) { rect(x, y, s, s, false, 0, 0.6); }
  // A QR code whose top-right corner (quiet zone included) is at (right, y); its value is listed
  // in Page::codes. Returns its side in mm.
  Checked<double> qr(std::string_view text, double right, double y, double module_mm, typeset::CodeKind kind);
  double text_width(std::string_view utf8, double size, Role role = Role::gothic) const {
    return te_.width(utf8, role, size) / kPt;
  }

  // Every page gets "<footer>   page i / n" at the bottom.
  typeset::Document document(const std::string& footer) const;

 private:
  const typeset::TextEngine& te_;
  std::vector<typeset::Page> pages_;
};

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
Checked<std::string> to_pdf(const Report& r, const typeset::TextEngine& te, const render::PdfOptions& opt);

// 12,300 / -12,300 / +12,300 (signed) without the yen sign: tables carry the unit in their header.
std::string amount(Yen v, bool sign = false);
// "a, b, c" with at most `limit` items, then "… and N more".
std::string list(const std::vector<std::string>& items, std::size_t limit);

}  // namespace tsuchi::report::detail
