// Report pages (blank form, QR code, footer) and the document model's two printers (text and PDF).
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

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
    const std::string num = std::to_string(i + 1) + " / " + std::to_string(n);
    c.text(num, Role::gothic, 7.5, kPageW - kMargin, base, {.align = Align::right, .gray = 0.35});
  }
  return doc;
}

namespace {
constexpr double kSealCell = 15;   // mm: a square for a 10.5–15 mm 認印
constexpr double kSignerW = 34;    // mm: name space and the seal cell
constexpr double kSignHead = 5.5;  // mm: the row of titles
}  // namespace

double sign_off_height() { return 6 + kSignHead + kSealCell + 2; }

double sign_off(Canvas& c, double y, const std::string& head, const std::string& made_at) {
  const double right = kPageW - kMargin;
  c.text(std::string(ja::audit_head) + "　" + head, Role::gothic, 7.5, kMargin, y + 3.5,
         {.max_w = kPageW - 2 * kMargin, .origin = display::TextOrigin::code});
  const double top = y + 6, w = kSignerW * 3;
  if (!made_at.empty())
    c.text(std::string(ja::made_at) + "　" + made_at, Role::gothic, 7.5, kMargin, top + kSignHead - 1.5,
           {.max_w = kPageW - 2 * kMargin - w - 4});
  for (int i = 0; i < 3; ++i) {
    const double x = right - w + i * kSignerW;
    c.fill({x, top, kSignerW, kSignHead}, 0.92);
    // The seal cell at the right of the name space, 印 printed faint where the seal goes; the
    // box's own border is drawn after it, over the edges they share.
    const double sx = x + kSignerW - kSealCell;
    c.stroke({sx, top + kSignHead, kSealCell, kSealCell}, 0.3, 0.5);
    c.text(ja::seal, Role::mincho, 9, sx + kSealCell / 2, top + kSignHead + kSealCell / 2 + 1.5,
           {.align = Align::center, .gray = 0.7});
    c.stroke({x, top, kSignerW, kSignHead + kSealCell}, 0.5);
    c.text(ja::signers[i], Role::gothic, 8, x + kSignerW / 2, top + 4, {.align = Align::center});
  }
  return sign_off_height();
}

// ---- formatting helpers ----

std::string amount(Yen v, bool sign) { return sign && v > 0 ? "+" + grouped(v) : grouped(v); }

std::string list(const std::vector<std::string>& items, std::size_t limit) {
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) s += (i ? ", " : "") + items[i];
  if (items.size() > limit) s += " … ほか " + std::to_string(items.size() - limit) + " 件";
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

// One unit of the flow, drawn whole: a title, heading, pair, table row, paragraph or the sign-off box.
struct Line {
  double h = 0;  // mm, spacing after it included
  std::function<void(Canvas&, double y)> draw;
  bool keep = false;  // no page break after it
  int header = -1;    // a table row: its header line, drawn again atop a page the table continues on
};

// Breaks are allowed inside lines[first, last) only where they leave two of them on each side
// (after the last line the block's neighbours decide).
void keep_ends(std::vector<Line>& lines, std::size_t first, std::size_t last) {
  for (std::size_t i = first; i + 1 < last; ++i)
    if (i - first + 1 < 2 || last - i - 1 < 2) lines[i].keep = true;
}

// The model as lines with their keep rules, every rule of page breaking in one place.
class Flow {
 public:
  explicit Flow(const text::TextEngine& te) : te_(te) {}

  void title(const std::string& t) {
    add(13, [t](Canvas& c, double y) {
      c.text(t, Role::gothic, 15, kMargin, y + 6, {.max_w = kWidth});
      c.fill({kMargin, y + 9, kWidth, 0.5});
    }, true);
  }

  void section(const Section& s) {
    add(10, [h = s.heading](Canvas& c, double y) {
      c.fill({kMargin, y + 2, kWidth, 6}, 0.88);
      c.text(h, Role::gothic, 10.5, kMargin + 2, y + 6.4, {.max_w = kWidth - 4});
    }, true);  // never a heading alone at the bottom of a page
    const std::size_t first = lines_.size();
    for (std::size_t i = 0; i < s.blocks.size(); ++i) {
      const Block& b = s.blocks[i];
      const std::size_t from = lines_.size();
      if (const auto* p = std::get_if<Pairs>(&b)) pairs(*p);
      else if (const auto* t = std::get_if<Table>(&b)) table(*t);
      else text(std::get<Text>(b));
      // A note just before a table introduces it: it goes with the table's first rows.
      if (std::holds_alternative<Text>(b) && i + 1 < s.blocks.size() && std::holds_alternative<Table>(s.blocks[i + 1]) &&
          lines_.size() > from)
        lines_.back().keep = true;
    }
    keep_ends(lines_, first, lines_.size());  // the heading has two lines with it; none is left alone
  }

  // The sign-off box goes with the document's last lines, never alone on a page.
  void sign_off(const std::string& head, const std::string& made_at) {
    if (!lines_.empty()) lines_.back().keep = true;
    add(3 + sign_off_height(), [head, made_at](Canvas& c, double y) { detail::sign_off(c, y + 3, head, made_at); });
  }

  std::vector<display::Page> pages() const {
    std::vector<display::Page> out;
    for (const auto& [from, to] : breaks()) {
      out.push_back(form_page());
      Canvas c(out.back(), te_);
      double y = kMargin;
      if (const int h = lines_[from].header; h >= 0 && static_cast<std::size_t>(h) != from) {
        lines_[h].draw(c, y);  // the header again on every page of a long table
        y += lines_[h].h;
      }
      for (std::size_t i = from; i < to; ++i) {
        lines_[i].draw(c, y);
        y += lines_[i].h;
      }
    }
    return out;
  }

  // Each page's lines [from, to): as many as fit, ending where a break is allowed. A run of kept
  // lines taller than a page is broken where it overflows.
  std::vector<std::pair<std::size_t, std::size_t>> breaks() const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (std::size_t from = 0; from < lines_.size();) {
      double y = kMargin;
      if (const int h = lines_[from].header; h >= 0 && static_cast<std::size_t>(h) != from) y += lines_[h].h;
      std::size_t to = from, last_break = from;
      while (to < lines_.size() && (to == from || y + lines_[to].h <= kBottom)) {
        y += lines_[to].h;
        if (!lines_[to].keep) last_break = to + 1;
        ++to;
      }
      if (to < lines_.size() && last_break > from) to = last_break;
      out.emplace_back(from, to);
      from = to;
    }
    return out;
  }

 private:
  void add(double h, std::function<void(Canvas&, double)> draw, bool keep = false, int header = -1) {
    lines_.push_back({h, std::move(draw), keep, header});
  }

  void pairs(const Pairs& p) {
    const std::size_t first = lines_.size();
    for (const auto& [k, v] : p.rows)
      add(kRow, [k, v](Canvas& c, double y) {
        c.text(k, Role::gothic, kBody, kMargin + 2, y + 3.6, {.max_w = 58});
        c.text(v, Role::gothic, kBody, kMargin + 64, y + 3.6, {.max_w = kWidth - 66});
      });
    keep_ends(lines_, first, lines_.size());
    if (lines_.size() > first) lines_.back().h += 1.5;
  }

  void table(const Table& t) {
    // Widths in mm, scaled down when they add up to more than the text block.
    double total = 0;
    bool small = false;
    for (const auto& col : t.columns) total += col.width_mm, small = small || !col.small.empty();
    const double scale = total > kWidth ? kWidth / total : 1.0, table_w = total * scale;
    auto x = std::make_shared<std::vector<double>>(t.columns.size() + 1, kMargin);
    for (std::size_t c = 0; c < t.columns.size(); ++c) (*x)[c + 1] = (*x)[c] + t.columns[c].width_mm * scale;
    auto cols = std::make_shared<std::vector<Column>>(t.columns);
    auto cells = [x, cols](Canvas& c, double y, const std::vector<std::string>& v, double size) {
      for (std::size_t i = 0; i < cols->size() && i < v.size(); ++i) {
        const double w = (*x)[i + 1] - (*x)[i] - 3;
        if ((*cols)[i].right)
          c.text(v[i], Role::gothic, size, (*x)[i + 1] - 1.5, y, {.align = Align::right, .max_w = w});
        else
          c.text(v[i], Role::gothic, size, (*x)[i] + 1.5, y, {.max_w = w});
      }
    };
    // The header, with the contractor's words in small print under it where a column has them.
    const double header_h = small ? kRow + 2.8 : kRow;
    std::vector<std::string> names, notes;
    for (const auto& col : t.columns) names.push_back(col.header), notes.push_back(col.small);
    const int header = static_cast<int>(lines_.size());
    add(header_h, [=](Canvas& c, double y) {
      c.fill({kMargin, y, table_w, header_h}, 0.93);
      cells(c, y + 3.6, names, kBody - 1);
      if (small) cells(c, y + 6.6, notes, 5.5);
    }, true);
    const std::size_t first = lines_.size();
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      const bool total_row = t.last_row_total && i + 1 == t.rows.size();
      add(kRow, [=, row = t.rows[i]](Canvas& c, double y) {
        if (total_row) c.fill({kMargin, y, table_w, 0.3});
        cells(c, y + 3.6, row, kBody);
        c.fill({kMargin, y + kRow, table_w, 0.1}, 0.75);
      }, false, header);
    }
    keep_ends(lines_, first, lines_.size());  // two rows with the header, two on a page it continues on
    lines_.back().h += 2.5;
  }

  // Each line of the text is a paragraph, wrapped and kept whole. Texts are short notes; long
  // lists are tables, which break between rows.
  void text(const Text& t) {
    const std::size_t first = lines_.size();
    std::size_t start = 0;
    while (start <= t.text.size()) {
      std::size_t end = t.text.find('\n', start);
      if (end == std::string::npos) end = t.text.size();
      std::string line = t.text.substr(start, end - start);
      display::Page scratch;
      const double n = std::ceil(Canvas(scratch, te_).width(line, Role::gothic, kBody) / (kWidth - 4) + 0.001);
      add(leading(kBody) * n + 0.5, [line, alert = t.alert](Canvas& c, double y) {
        const std::size_t runs = c.page().runs.size();
        c.paragraph(line, Role::gothic, kBody, kMargin + 2, y, kWidth - 4, leading(kBody));
        for (std::size_t i = runs; i < c.page().runs.size(); ++i) c.page().runs[i].alert = alert;
      });
      start = end + 1;
    }
    keep_ends(lines_, first, lines_.size());
    lines_.back().h += 1.5;
  }

  const text::TextEngine& te_;
  std::vector<Line> lines_;
};

}  // namespace

Checked<std::string> to_pdf(const Report& r, const text::TextEngine& te, const render::PdfOptions& opt) {
  Flow f(te);
  f.title(r.title);
  for (const auto& s : r.sections) f.section(s);
  f.sign_off(r.head, r.made_at);
  return render::pdf_bytes(document(f.pages(), te, r.footer), opt);
}

}  // namespace tsuchi::report::detail
