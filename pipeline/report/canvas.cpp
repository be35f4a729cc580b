// The page builder and the document model's two printers (text and PDF).
#include <algorithm>
#include <cmath>

#include "report/internal.hpp"

namespace tsuchi::report::detail {

void Canvas::new_page() {
  typeset::Page p;
  p.kind = typeset::PageKind::form;
  pages_.push_back(std::move(p));
}

void Canvas::text(std::string_view utf8, double x, double baseline, double size, Role role, Align align, double max_w,
                  double gray) {
  if (utf8.empty()) return;
  if (max_w > 0) {
    const double w = text_width(utf8, size, role);
    if (w > max_w) size = std::max(5.0, size * max_w / w);
  }
  for (auto& run : te_.line(utf8, role, size, x * kPt, baseline * kPt, align, gray))
    page().runs.push_back(std::move(run));
}

double Canvas::paragraph(std::string_view utf8, double x, double y, double w, double size, Role role) {
  const double leading = size * 1.45;
  auto block = te_.paragraph(utf8, role, size, x * kPt, y * kPt, w * kPt, leading);
  for (auto& run : block.runs) page().runs.push_back(std::move(run));
  return block.height / kPt;
}

void Canvas::rect(double x, double y, double w, double h, bool fill, double gray, double stroke_pt) {
  page().rects.push_back({x * kPt, y * kPt, w * kPt, h * kPt, gray, fill, stroke_pt});
}

Checked<double> Canvas::qr(std::string_view text, double right, double y, double module_mm, typeset::CodeKind kind) {
  auto sym = barcode::draw_qr(text, module_mm);
  if (!sym.ok()) return {0, sym.problems};
  const double x = right - sym.value.width_mm;
  for (const auto& b : sym.value.bars) rect(x + b.x, y + b.y, b.w, b.h, true);
  page().codes.push_back({kind, std::string(text), "", x * kPt, y * kPt, sym.value.width_mm * kPt,
                          sym.value.height_mm * kPt});
  return {sym.value.width_mm, {}};
}

typeset::Document Canvas::document(const std::string& footer) const {
  typeset::Document doc;
  doc.faces = te_.faces();
  doc.pages = pages_;
  const int n = static_cast<int>(doc.pages.size());
  for (int i = 0; i < n; ++i) {
    auto& p = doc.pages[i];
    const double base = (kPageH - 9) * kPt;
    for (auto& run : te_.line(footer, Role::gothic, 7.5, kMargin * kPt, base, Align::left, 0.35))
      p.runs.push_back(std::move(run));
    const std::string num = "page " + std::to_string(i + 1) + " / " + std::to_string(n);
    for (auto& run : te_.line(num, Role::gothic, 7.5, (kPageW - kMargin) * kPt, base, Align::right, 0.35))
      p.runs.push_back(std::move(run));
  }
  return doc;
}

// ---- formatting helpers ----

std::string amount(Yen v, bool sign) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  if (v < 0) return "-" + out;
  return sign && v > 0 ? "+" + out : out;
}

std::string list(const std::vector<std::string>& items, std::size_t limit) {
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) s += (i ? ", " : "") + items[i];
  if (items.size() > limit) s += " … and " + std::to_string(items.size() - limit) + " more";
  return s;
}

namespace {

// Columns a terminal gives the text: CJK and full-width forms take two. Hand-written because
// ICU's east-asian-width property would be the only use of ICU here, for ASCII-heavy sheets.
std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    int len = 1;
    if (c >= 0xF0) len = 4, cp = c & 0x07;
    else if (c >= 0xE0) len = 3, cp = c & 0x0F;
    else if (c >= 0xC0) len = 2, cp = c & 0x1F;
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    if (cp >= 0xE0100 && cp <= 0xE01EF) continue;  // variation selectors take no room
    w += (cp >= 0x2E80 && !(cp >= 0xFF61 && cp <= 0xFFDC)) ? 2 : 1;
  }
  return w;
}

std::string pad(const std::string& s, std::size_t width, bool right) {
  const std::size_t w = display_width(s);
  if (w >= width) return s;
  return right ? std::string(width - w, ' ') + s : s + std::string(width - w, ' ');
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

void text_pairs(std::string& out, const Pairs& p) {
  std::size_t kw = 0;
  for (const auto& [k, v] : p.rows) kw = std::max(kw, display_width(k));
  for (const auto& [k, v] : p.rows) out += rtrim("  " + pad(k, kw, false) + "  " + v) + "\n";
}

void text_table(std::string& out, const Table& t) {
  std::vector<std::size_t> w(t.columns.size());
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    w[c] = display_width(t.columns[c].header);
    for (const auto& row : t.rows)
      if (c < row.size()) w[c] = std::max(w[c], display_width(row[c]));
  }
  auto line = [&](auto cell) {
    std::string s = " ";
    for (std::size_t c = 0; c < t.columns.size(); ++c) s += " " + pad(cell(c), w[c], t.columns[c].right) + " ";
    out += rtrim(s) + "\n";
  };
  line([&](std::size_t c) { return t.columns[c].header; });
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    if (t.last_row_total && i + 1 == t.rows.size()) {
      std::size_t total = 1;
      for (auto x : w) total += x + 2;
      out += "  " + std::string(total - 1, '-') + "\n";
    }
    line([&](std::size_t c) { return c < t.rows[i].size() ? t.rows[i][c] : std::string(); });
  }
}

}  // namespace

std::string to_text(const Report& r) {
  std::string out = r.title + "\n" + std::string(display_width(r.title), '=') + "\n";
  for (const auto& s : r.sections) {
    out += "\n" + s.heading + "\n" + std::string(display_width(s.heading), '-') + "\n";
    for (std::size_t i = 0; i < s.blocks.size(); ++i) {
      const Block& b = s.blocks[i];
      // A table stands apart from what precedes it.
      if (i > 0 && std::holds_alternative<Table>(b)) out += "\n";
      if (const auto* p = std::get_if<Pairs>(&b)) text_pairs(out, *p);
      else if (const auto* t = std::get_if<Table>(&b)) text_table(out, *t);
      else out += "  " + std::get<Text>(b).text + "\n";
    }
  }
  return out;
}

namespace {

constexpr double kBody = 8.5;   // pt
constexpr double kRow = 5.0;    // mm per table or pair row
constexpr double kWidth = kPageW - 2 * kMargin;

// Lays the model out top to bottom, breaking pages where the next row does not fit.
class Flow {
 public:
  explicit Flow(Canvas& c) : c_(c) {}

  void title(const std::string& t) {
    c_.text(t, kMargin, y_ + 6, 15, Role::gothic, Align::left, kWidth);
    y_ += 9;
    c_.rect(kMargin, y_, kWidth, 0.5, true);
    y_ += 4;
  }

  void heading(const std::string& h) {
    room(7 + kRow * 2);  // never a heading alone at the bottom of a page
    y_ += 2;
    c_.rect(kMargin, y_, kWidth, 6, true, 0.88);
    c_.text(h, kMargin + 2, y_ + 4.4, 10.5, Role::gothic, Align::left, kWidth - 4);
    y_ += 8;
  }

  void pairs(const Pairs& p) {
    for (const auto& [k, v] : p.rows) {
      room(kRow);
      c_.text(k, kMargin + 2, y_ + 3.6, kBody, Role::gothic, Align::left, 58);
      c_.text(v, kMargin + 64, y_ + 3.6, kBody, Role::gothic, Align::left, kWidth - 66);
      y_ += kRow;
    }
    y_ += 1.5;
  }

  void table(const Table& t) {
    // Widths in mm, scaled down when they add up to more than the text block.
    double total = 0;
    for (const auto& col : t.columns) total += col.width_mm;
    const double scale = total > kWidth ? kWidth / total : 1.0, table_w = total * scale;
    std::vector<double> x(t.columns.size() + 1, kMargin);
    for (std::size_t c = 0; c < t.columns.size(); ++c) x[c + 1] = x[c] + t.columns[c].width_mm * scale;
    auto row = [&](const std::vector<std::string>& cells, bool header) {
      if (header) c_.rect(kMargin, y_, table_w, kRow, true, 0.93);
      const double size = header ? kBody - 1 : kBody;
      for (std::size_t c = 0; c < t.columns.size() && c < cells.size(); ++c) {
        const double w = x[c + 1] - x[c] - 3;
        if (t.columns[c].right)
          c_.text(cells[c], x[c + 1] - 1.5, y_ + 3.6, size, Role::gothic, Align::right, w);
        else
          c_.text(cells[c], x[c] + 1.5, y_ + 3.6, size, Role::gothic, Align::left, w);
      }
      y_ += kRow;
    };
    std::vector<std::string> header;
    for (const auto& col : t.columns) header.push_back(col.header);
    room(kRow * 2);
    row(header, true);
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      if (y_ + kRow > kBottom) {
        c_.new_page();
        y_ = kMargin;
        row(header, true);  // the header again on every page of a long table
      }
      if (t.last_row_total && i + 1 == t.rows.size()) c_.rect(kMargin, y_, table_w, 0.3, true);
      row(t.rows[i], false);
      c_.rect(kMargin, y_, table_w, 0.1, true, 0.75);
    }
    y_ += 2.5;
  }

  // Each line of the text wraps on its own and starts a page when it does not fit. Texts are
  // short notes; long lists are tables, which break between rows.
  void text(const Text& t) {
    std::size_t start = 0;
    while (start <= t.text.size()) {
      std::size_t end = t.text.find('\n', start);
      if (end == std::string::npos) end = t.text.size();
      std::string_view line(t.text.data() + start, end - start);
      const double leading = kBody * 1.45 / kPt;  // mm
      const double lines = std::ceil(c_.text_width(line, kBody) / (kWidth - 4) + 0.001);
      room(leading * lines + 1);
      y_ += c_.paragraph(line, kMargin + 2, y_, kWidth - 4, kBody) + 0.5;
      start = end + 1;
    }
    y_ += 1.5;
  }

 private:
  void room(double h) {
    if (y_ + h > kBottom) {
      c_.new_page();
      y_ = kMargin;
    }
  }

  Canvas& c_;
  double y_ = kMargin;
};

}  // namespace

Checked<std::string> to_pdf(const Report& r, const typeset::TextEngine& te, const render::PdfOptions& opt) {
  Canvas c(te);
  Flow f(c);
  f.title(r.title);
  for (const auto& s : r.sections) {
    f.heading(s.heading);
    for (const auto& b : s.blocks) {
      if (const auto* p = std::get_if<Pairs>(&b)) f.pairs(*p);
      else if (const auto* t = std::get_if<Table>(&b)) f.table(*t);
      else f.text(std::get<Text>(b));
    }
  }
  return render::pdf_bytes(c.document(r.footer), opt);
}

}  // namespace tsuchi::report::detail
