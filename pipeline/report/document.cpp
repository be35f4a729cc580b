// Report pages (blank form, QR code, footer) and the document model's two printers (text and PDF).
#include <algorithm>
#include <cmath>

#include "barcode/barcode.hpp"
#include "report/internal.hpp"

namespace tsuchi::report::detail {

display::Page form_page() {
  display::Page p;
  p.kind = display::PageKind::form;  // the display list's default size is A4 portrait
  return p;
}

Checked<double> qr(Canvas& c, std::string_view text, double right, double y, double module_mm,
                   display::CodeKind kind) {
  auto sym = barcode::draw_qr(text, module_mm);
  if (!sym.ok()) return {0, sym.problems};
  const double x = right - sym.value.width_mm;
  c.bars(sym.value.bars, x, y);
  c.code(kind, std::string(text), {x, y, sym.value.width_mm, sym.value.height_mm});
  return {sym.value.width_mm, {}};
}

display::Document document(std::vector<display::Page> pages, const text::TextEngine& te, const std::string& footer) {
  display::Document doc;
  doc.faces = te.faces();
  doc.pages = std::move(pages);
  const int n = static_cast<int>(doc.pages.size());
  for (int i = 0; i < n; ++i) {
    Canvas c(doc.pages[i], te);
    const double base = kPageH - 9;
    c.text(footer, Role::gothic, 7.5, kMargin, base, {.gray = 0.35});
    const std::string num = "page " + std::to_string(i + 1) + " / " + std::to_string(n);
    c.text(num, Role::gothic, 7.5, kPageW - kMargin, base, {.align = Align::right, .gray = 0.35});
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
  explicit Flow(const text::TextEngine& te) : te_(te) {}
  std::vector<display::Page> pages() && { return std::move(pages_); }

  void title(const std::string& t) {
    canvas().text(t, Role::gothic, 15, kMargin, y_ + 6, {.max_w = kWidth});
    y_ += 9;
    canvas().fill({kMargin, y_, kWidth, 0.5});
    y_ += 4;
  }

  void heading(const std::string& h) {
    room(7 + kRow * 2);  // never a heading alone at the bottom of a page
    y_ += 2;
    canvas().fill({kMargin, y_, kWidth, 6}, 0.88);
    canvas().text(h, Role::gothic, 10.5, kMargin + 2, y_ + 4.4, {.max_w = kWidth - 4});
    y_ += 8;
  }

  void pairs(const Pairs& p) {
    for (const auto& [k, v] : p.rows) {
      room(kRow);
      canvas().text(k, Role::gothic, kBody, kMargin + 2, y_ + 3.6, {.max_w = 58});
      canvas().text(v, Role::gothic, kBody, kMargin + 64, y_ + 3.6, {.max_w = kWidth - 66});
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
      if (header) canvas().fill({kMargin, y_, table_w, kRow}, 0.93);
      const double size = header ? kBody - 1 : kBody;
      for (std::size_t c = 0; c < t.columns.size() && c < cells.size(); ++c) {
        const double w = x[c + 1] - x[c] - 3;
        if (t.columns[c].right)
          canvas().text(cells[c], Role::gothic, size, x[c + 1] - 1.5, y_ + 3.6, {.align = Align::right, .max_w = w});
        else
          canvas().text(cells[c], Role::gothic, size, x[c] + 1.5, y_ + 3.6, {.max_w = w});
      }
      y_ += kRow;
    };
    std::vector<std::string> header;
    for (const auto& col : t.columns) header.push_back(col.header);
    room(kRow * 2);
    row(header, true);
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      if (y_ + kRow > kBottom) {
        pages_.push_back(form_page());
        y_ = kMargin;
        row(header, true);  // the header again on every page of a long table
      }
      if (t.last_row_total && i + 1 == t.rows.size()) canvas().fill({kMargin, y_, table_w, 0.3});
      row(t.rows[i], false);
      canvas().fill({kMargin, y_, table_w, 0.1}, 0.75);
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
      const double lines = std::ceil(canvas().width(line, Role::gothic, kBody) / (kWidth - 4) + 0.001);
      room(leading(kBody) * lines + 1);
      const std::size_t first = pages_.back().runs.size();
      y_ += canvas().paragraph(line, Role::gothic, kBody, kMargin + 2, y_, kWidth - 4, leading(kBody)) + 0.5;
      for (std::size_t i = first; i < pages_.back().runs.size(); ++i) pages_.back().runs[i].alert = t.alert;
      start = end + 1;
    }
    y_ += 1.5;
  }

 private:
  void room(double h) {
    if (y_ + h > kBottom) {
      pages_.push_back(form_page());
      y_ = kMargin;
    }
  }

  Canvas canvas() { return {pages_.back(), te_}; }

  const text::TextEngine& te_;
  std::vector<display::Page> pages_{form_page()};
  double y_ = kMargin;
};

}  // namespace

Checked<std::string> to_pdf(const Report& r, const text::TextEngine& te, const render::PdfOptions& opt) {
  Flow f(te);
  f.title(r.title);
  for (const auto& s : r.sections) {
    f.heading(s.heading);
    for (const auto& b : s.blocks) {
      if (const auto* p = std::get_if<Pairs>(&b)) f.pairs(*p);
      else if (const auto* t = std::get_if<Table>(&b)) f.table(*t);
      else f.text(std::get<Text>(b));
    }
  }
  return render::pdf_bytes(document(std::move(f).pages(), te, r.footer), opt);
}

}  // namespace tsuchi::report::detail
