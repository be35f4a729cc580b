// The decision / change notice (利用者負担額決定通知書・変更通知書): recipient block in the envelope
// window, header, issuer with seal, table, 教示 and contact block, flowing onto continuation pages.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "core/utf8.hpp"
#include "typeset/forms.hpp"

namespace tsuchi::typeset::forms {

using text::LineFit;
using text::LineStyle;

namespace {

constexpr std::string_view kIdeographicSpace = "\u3000";

bool is_space_at(std::string_view s, std::size_t i) {
  return s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
}

// Trims ASCII white space and ideographic spaces (U+3000) at both ends.
std::string trim(std::string_view s) {
  for (;;) {
    if (!s.empty() && is_space_at(s, 0)) s.remove_prefix(1);
    else if (s.starts_with(kIdeographicSpace)) s.remove_prefix(kIdeographicSpace.size());
    else break;
  }
  for (;;) {
    if (!s.empty() && is_space_at(s, s.size() - 1)) s.remove_suffix(1);
    else if (s.ends_with(kIdeographicSpace)) s.remove_suffix(kIdeographicSpace.size());
    else break;
  }
  return std::string(s);
}

// Paragraphs of the appeal text: separated by blank lines; single line breaks inside a paragraph
// are only source wrapping (Japanese has no spaces between words), so they are dropped.
std::vector<std::string> paragraphs(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t nl = std::min(text.find('\n', i), text.size());
    std::string_view line = text.substr(i, nl - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool blank = line.find_first_not_of(" \t") == std::string_view::npos;
    if (blank) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += line;
    }
    i = nl + 1;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// "１　この処分に…" → {"１　", "この処分に…"}: a short number before an ideographic space hangs in
// the margin so the paragraph's lines align after it.
std::pair<std::string, std::string> hanging_label(const std::string& p) {
  std::size_t sp = p.find(kIdeographicSpace);
  if (sp == std::string::npos || sp == 0 || sp > 9) return {"", p};  // at most three CJK characters
  return {p.substr(0, sp + kIdeographicSpace.size()), p.substr(sp + kIdeographicSpace.size())};
}

std::string postal_with_hyphen(const std::string& p) {
  return p.size() == 7 ? p.substr(0, 3) + "-" + p.substr(3) : p;
}

void shift(std::vector<GlyphRun>& runs, double dy_pt) {
  for (auto& r : runs)
    for (auto& g : r.glyphs) g.y += dy_pt;
}

display::Bounds bounds_of(const Box& b, display::Bounds::Zone zone) {
  return {pt(b.x), pt(b.y), pt(b.w), pt(b.h), zone};
}

// draw_customer_barcode's blank around the bars (barcode.hpp), kept at 2 mm whatever the size.
constexpr double kCustomerBlankMm = 2.0;

// The customer barcode drawn at 10 pt, scaled to `points` (bars, pitch and heights alike).
barcode::Symbol at_points(barcode::Symbol s, double points) {
  const double k = points / 10, o = kCustomerBlankMm;
  for (auto& b : s.bars) b = {o + (b.x - o) * k, o + (b.y - o) * k, b.w * k, b.h * k};
  s.width_mm = 2 * o + (s.width_mm - 2 * o) * k;
  s.height_mm = 2 * o + (s.height_mm - 2 * o) * k;
  return s;
}

}  // namespace

void recipient_block(Canvas& c, const Forms& f, const compose::Recipient& to, const std::string& window_label,
                     bool with_barcode) {
  const auto& r = f.notice.recipient;
  const Box area = f.notice.printable();
  constexpr auto zone = display::Bounds::Zone::window;
  const std::string address = utf8::ascii_digits(to.address), building = utf8::ascii_digits(to.building);
  const std::string name = to.name + "\u3000" + f.notice_text.honorific;
  // The building takes part in the address number (the room number), so it goes in after a space.
  const auto cc = with_barcode ? barcode::customer_code(to.postal_code, to.building.empty()
                                                                            ? to.address
                                                                            : to.address + "\u3000" + to.building)
                               : std::nullopt;
  std::optional<barcode::Symbol> bar;
  if (cc) bar = at_points(barcode::draw_customer_barcode(*cc), r.barcode_pt);
  const LineFit name_fit = c.fit_line(name, Role::mincho, r.name_size, area.w, r.name_min_size, r.min_hscale);
  bool clean = true;  // every address line ended at 　, 番地, 号, の or a space
  const auto lines = [&](const std::string& s, double size, double leading) {
    if (s.empty()) return 0;
    const auto block =
        c.engine().paragraph(s, Role::mincho, size, 0, 0, pt(area.w), pt(leading), Align::left, text::Breaks::address);
    clean = clean && block.preferred_breaks;
    return block.lines;
  };
  // The address shrinks, down to its minimum, until the whole block fits the area's height and
  // every address line breaks where an address may (not mid-word where one part is too long).
  const auto height = [&](double size) {
    const double leading = r.address_leading * size / r.address_size;
    double h = mm(r.postal_size) + leading - mm(size);
    clean = true;
    h += (lines(address, size, leading) + lines(building, size, leading)) * leading;
    h += r.name_gap + mm(name_fit.size);
    if (bar) h += 2 * r.barcode_gap + bar->height_mm;
    return h + (window_label.empty() ? 0 : mm(r.label_size) + (bar ? 0 : r.barcode_gap));
  };
  double size = r.address_size;
  while (size - 0.25 >= r.address_min_size && (height(size) > area.h || !clean)) size -= 0.25;
  const double leading = r.address_leading * size / r.address_size;
  const LineStyle in_window{.bounds = area, .zone = zone};

  double y = area.y;
  c.text(postal_with_hyphen(to.postal_code), Role::mincho, r.postal_size, area.x, y + mm(r.postal_size) * 0.88, in_window);
  y += mm(r.postal_size) + leading - mm(size);
  y += c.paragraph(address, Role::mincho, size, area.x, y, area.w, leading, Align::left, text::Breaks::address, area, zone);
  y += c.paragraph(building, Role::mincho, size, area.x, y, area.w, leading, Align::left, text::Breaks::address, area, zone);
  y += r.name_gap;
  // Name and 様 stay on one line: shrunk, then condensed; a name that still does not fit is drawn
  // anyway and its ink outside the area is what preflight refuses.
  c.text(name, Role::mincho, name_fit.size, area.x, y + mm(name_fit.size) * 0.88,
         {.hscale = name_fit.hscale, .bounds = area, .zone = zone});
  y += mm(name_fit.size);
  if (bar) {
    // Directly under the name (Japan Post's placement), centred in the area, blank included.
    Box region = symbol(c, *bar, area.x + (area.w - bar->width_mm) / 2, y + r.barcode_gap);
    c.code(CodeKind::customer_japan_post, cc->data + "/" + cc->check_digit, region, barcode::customer_bar_states(*cc));
    c.page().codes.back().bounds = bounds_of(area, zone);
    // Clear of the label below too: text reaching a code's quiet zone costs preflight a full render.
    y += 2 * r.barcode_gap + bar->height_mm;
  } else {
    y += r.barcode_gap;
  }
  c.text(window_label, Role::gothic, r.label_size, area.x + area.w, y + mm(r.label_size) * 0.88,
         {.align = Align::right, .origin = TextOrigin::code, .bounds = area, .zone = zone});
}

namespace {

// One notice, laid out with leadings and gaps scaled by the given factors (1 = as the layout says).
class NoticeBuilder {
 public:
  NoticeBuilder(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m, const NoticeInput& in,
                double leading = 1, double gap = 1)
      : f_(f), t_(f.notice_text), l_(f.notice), te_(te), m_(m), in_(in), d_(in.decision), c_(in.decision.c),
        lf_(leading), gf_(gap) {}

  std::vector<Page> build() {
    open_page(true);
    recipient();
    header();
    y_ = l_.body.top;
    salutation();
    table();
    notes();
    appeal();
    contact();
    return std::move(pages_);
  }

 private:
  Canvas canvas() { return Canvas(pages_.back(), te_, f_.shared.get()); }
  bool change() const { return c_.notice_kind == ingest::NoticeKind::change; }
  std::string title() const { return change() ? t_.title_change : t_.title_decision; }
  double gap() const { return l_.body.gap * gf_; }
  double line_h() const { return mm(l_.body.size) * 1.45 * lf_; }  // one line of a table cell

  // The first page's fold marks go into header()'s shared form: one form per page, not two.
  void open_page(bool first = false) {
    Page p;
    p.kind = PageKind::notice;
    p.width = pt(l_.page_w);
    p.height = pt(l_.page_h);
    pages_.push_back(std::move(p));
    if (!first) canvas().shared(0, 0, [&](Canvas& c) { fold_marks(c); });
  }
  void fold_marks(Canvas& c) {
    for (double y : l_.fold.y) c.fill({l_.fold.x, y - 0.1, l_.fold.length, 0.2}, 0.4);
  }

  // Opens a continuation page when `h` mm does not fit above the body's bottom; true if it did.
  bool ensure(double h) {
    if (y_ + h <= l_.body.bottom) return false;
    continuation();
    return true;
  }

  // A continuation page carries the 文書番号 and a head naming the notice and the child.
  void continuation() {
    open_page();
    auto c = canvas();
    const double number_w = number(c);
    const std::string head = fill(t_.title_continued, {{"title", title()}, {"child_name", c_.child_name}});
    const double w = l_.number.x - number_w - 5 - l_.body.x;
    LineFit fit = c.fit_line(head, Role::gothic, l_.body.size, w, l_.table.min_size, l_.recipient.min_hscale);
    c.text(head, Role::gothic, fit.size, l_.body.x, l_.body.continued_title_y, {.hscale = fit.hscale});
    y_ = l_.body.continued_top;
  }

  // The 文書番号 at its anchor; returns its width.
  double number(Canvas& c) {
    char ymd[16];
    std::snprintf(ymd, sizeof ymd, "%04d%02d%02d", c_.decision_date.year, c_.decision_date.month,
                  c_.decision_date.day);
    const std::string n = fill(t_.number, {{"case_id", c_.case_id}, {"decision_ymd", ymd}});
    c.text(n, Role::mincho, l_.number.size, l_.number.x, l_.number.y, {.align = Align::right, .origin = TextOrigin::code});
    return c.width(n, Role::mincho, l_.number.size);
  }

  void recipient() {
    auto c = canvas();
    recipient_block(c, f_, in_.to, fill(t_.envelope, {{"envelope_id", in_.envelope_id}}), in_.customer_barcode);
  }

  void header() {
    auto c = canvas();
    number(c);
    c.text(fill(t_.date, {{"decision_date", wareki(c_.decision_date)}}), Role::mincho, l_.date.size, l_.date.x,
           l_.date.y, {.align = Align::right});
    std::string issuer = trim(fill(t_.issuer, {{"mayor_title", m_.mayor_title},
                                               {"mayor_name", m_.mayor_name},
                                               {"city_name", m_.city_name}}));
    const auto& is = l_.issuer;
    c.shared(0, 0, [&](Canvas& fc) {
      fold_marks(fc);
      fc.text(issuer, Role::mincho, is.size, is.x, is.y, {.align = Align::right});
      fc.text(title(), Role::gothic, l_.title.size, l_.title.x, l_.title.y, {.align = Align::center});
    });
    if (!m_.seal_image.empty()) {
      // Stamped half over the name's last character, as on paper.
      double cx = is.x - mm(is.size) / 2 + is.seal_size / 2, cy = is.y - mm(is.size) * 0.38;
      c.image(m_.seal_image, {cx - is.seal_size / 2, cy - is.seal_size / 2, is.seal_size, is.seal_size});
    }
  }

  // The 年度 of the months covered: one, or each of them joined (令和7年度及び令和8年度).
  std::string fiscal_years() const {
    std::vector<int> ys = d_.fiscal_years;
    if (ys.empty()) {
      for (const auto& p : d_.periods) {
        ys.push_back(p.fiscal_year ? p.fiscal_year : fiscal_year(p.from));
        ys.push_back(fiscal_year(p.to));
      }
      if (ys.empty()) ys = {fiscal_year(c_.period_start), fiscal_year(c_.period_end)};
    }
    std::sort(ys.begin(), ys.end());
    ys.erase(std::unique(ys.begin(), ys.end()), ys.end());
    std::string out;
    for (int y : ys) out += (out.empty() ? "" : t_.fiscal_year_join) + wareki_fiscal_year(y);
    return out;
  }

  void salutation() {
    const auto& b = l_.body;
    std::string s = fill(change() ? t_.salutation_change : t_.salutation_decision,
                         {{"fiscal_year", fiscal_years()}, {"city_name", m_.city_name}, {"child_name", c_.child_name}});
    y_ += canvas().paragraph(s, Role::mincho, b.size, b.x, y_, b.w, b.leading * lf_, Align::justify);
    if (!t_.ki.empty()) {
      y_ += gap();
      canvas().shared(0, y_, [&](Canvas& c) {
        c.text(t_.ki, Role::mincho, b.size, b.x + b.w / 2, y_ + mm(b.size) * 0.88, {.align = Align::center});
      });
      y_ += mm(b.size);
    }
    y_ += gap();
  }

  // A changed row of a change notice shows both values; others show the current one.
  std::string changed(const std::string& before, const std::string& after) const {
    return change() && !before.empty() && before != after ? fill(t_.changed, {{"before", before}, {"after", after}})
                                                          : after;
  }

  std::string certification(int type) const {
    int i = type - 1;
    return i >= 0 && i < static_cast<int>(t_.certification.size()) ? t_.certification[i] : std::to_string(type);
  }

  std::string care_need(ingest::CareNeed n) const {
    switch (n) {
      case ingest::CareNeed::standard: return t_.care_standard;
      case ingest::CareNeed::short_time: return t_.care_short;
      case ingest::CareNeed::none: return t_.care_none;
    }
    return {};
  }

  bool owes_anything() const {
    if (!d_.months.empty())
      return std::any_of(d_.months.begin(), d_.months.end(), [](const auto& mf) { return mf.total() > 0; });
    return std::any_of(d_.periods.begin(), d_.periods.end(), [](const auto& p) { return p.user_charge + p.side_dish > 0; });
  }

  bool some_month_free() const {
    return std::any_of(d_.months.begin(), d_.months.end(), [](const auto& mf) { return mf.total() == 0; });
  }

  // 納付方法: what the payer actually does; nothing to pay never mentions a 納付書.
  std::vector<std::string> payment() const {
    if (!owes_anything()) return {t_.pay_none};
    std::vector<std::string> lines;
    if (c_.cash_payment) {
      lines.push_back(in_.slips_enclosed && !d_.slips.empty() ? t_.pay_slip : t_.pay_slip_separate);
    } else {
      lines.push_back(t_.pay_transfer);
      const std::string account = decide::masked_account(c_.transfer_account);
      if (!c_.transfer_bank.empty() || !account.empty())
        lines.push_back(trim(fill(t_.transfer_account, {{"bank", c_.transfer_bank}, {"account", account}})));
      if (!d_.transfers.empty()) {
        const std::string first = wareki(d_.transfers.front().on);
        lines.push_back(m_.transfer_day > 0
                            ? fill(t_.transfer_monthly, {{"day", std::to_string(m_.transfer_day)}, {"first", first}})
                            : fill(t_.transfer_due, {{"first", first}}));
      }
    }
    if (some_month_free()) lines.push_back(t_.pay_zero_months);
    return lines;
  }

  std::string reductions() const {
    const auto& r = d_.reductions;
    std::vector<std::string> parts;
    if (r.free_education) parts.push_back(t_.reduction_free_education);
    if (r.multi_child) {
      const std::string order = std::to_string(r.child_order);
      parts.push_back(fill(r.factor == 0 ? t_.reduction_free : r.factor == 0.5 ? t_.reduction_half : t_.reduction_other,
                           {{"order", order}}));
    }
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : t_.reduction_join) + p;
    return out;
  }

  std::vector<std::string> value_of(const std::string& field) const {
    if (field == "child_name") return {c_.child_name};
    if (field == "birth_date") return {wareki(c_.child_birth_date)};
    if (field == "facility") return {utf8::ascii_digits(c_.facility_name)};
    if (field == "certification")
      return {changed(c_.previous_certification_type ? certification(c_.previous_certification_type) : "",
                      certification(c_.certification_type))};
    if (field == "care_need") {
      const bool given = c_.previous_certification_type || c_.previous_care_need != ingest::CareNeed::none;
      return {changed(given ? care_need(c_.previous_care_need) : "", care_need(c_.care_need))};
    }
    if (field == "bracket") {
      std::string label = d_.months.empty() ? "" : d_.months.front().bracket_label;
      return {changed(c_.previous_bracket,
                      label.empty() ? c_.bracket : fill(t_.bracket, {{"code", c_.bracket}, {"label", label}}))};
    }
    if (field == "reductions") return {reductions()};
    if (field == "payment_method") return payment();
    if (field == "change_reason") return {change() ? utf8::ascii_digits(c_.reason) : ""};
    return {};
  }

  void table() {
    for (const auto& field : l_.table.rows) {
      if (field == "periods") {
        periods();
        continue;
      }
      auto v = value_of(field);
      v.erase(std::remove(v.begin(), v.end(), std::string()), v.end());
      if (v.empty()) continue;
      auto it = t_.labels.find(field);
      // Sentences wrap; names and other short values are fitted to one line first.
      const bool running = field == "change_reason" || field == "payment_method" || field == "reductions";
      row(it == t_.labels.end() ? field : it->second, v, running);
    }
  }

  // A label cell of the table (gray, ruled, its text centred and fitted to the cell).
  // Drawn on the page, not as a shared form: a cell is three small operations, cheaper for
  // preflight to read than a form XObject is to fetch (measured on the heavy month).
  void label_cell(Canvas& c, const Box& cell, const std::string& label, double size) {
    const auto& t = l_.table;
    c.fill(cell, t.label_gray);
    c.stroke(cell, t.rule);
    cell_line(c, cell, label, Role::gothic, size, Align::center);
  }

  // One line of text in a cell, centred vertically: shrunk and condensed to its width, bounded by it.
  void cell_line(Canvas& c, const Box& cell, const std::string& s, Role role, double size, Align align,
                 double top = -1, double h = -1) {
    const auto& t = l_.table;
    LineFit fit = c.fit_line(s, role, size, cell.w - 2 * t.pad, std::min(size, t.min_size), l_.recipient.min_hscale);
    const double x = align == Align::center ? cell.x + cell.w / 2 : align == Align::right ? cell.x + cell.w - t.pad : cell.x + t.pad;
    c.text(s, role, fit.size, x, centred_baseline(top < 0 ? cell.y : top, h < 0 ? cell.h : h, fit.size),
           {.align = align, .hscale = fit.hscale, .bounds = cell, .zone = display::Bounds::Zone::cell});
  }

  // One value line of a row: fitted to the cell, or wrapped (block.lines > 0); h its height, mm.
  struct Item {
    std::string text;
    TextBlock block;
    double h = 0;
  };

  // One label | value row: each value line fitted to the cell, or wrapped when it is running text.
  void row(const std::string& label, const std::vector<std::string>& values, bool running) {
    const auto& b = l_.body;
    const auto& t = l_.table;
    const double vx = b.x + t.label_w, vw = b.w - t.label_w;
    std::vector<Item> items;
    auto c0 = canvas();
    for (const auto& v : values) {
      Item it{v, {}, line_h()};
      const double w = vw - 2 * t.pad;
      if (running ? c0.width(v, Role::mincho, b.size) > w : !c0.fit_line(v, Role::mincho, b.size, w, t.min_size, 0.8).fits) {
        it.block = te_.paragraph(v, Role::mincho, b.size, pt(vx + t.pad), 0, pt(vw - 2 * t.pad), pt(line_h()), Align::justify);
        it.h = mm(it.block.height);
      }
      items.push_back(std::move(it));
    }
    const double pad_v = (t.row_h - mm(b.size) * 1.45) / 2 * lf_;
    // Running text too long for the rest of the page is split between its lines, the label
    // repeated, rather than moved whole and leaving the page half empty.
    const int lines = items.size() == 1 ? items[0].block.lines : 0;
    const bool fits = y_ + items[0].h + 2 * pad_v <= l_.body.bottom;
    // At least two lines on either side of the break (no widow, no orphan).
    const int room = std::min(static_cast<int>((l_.body.bottom - y_ - 2 * pad_v) / line_h()), lines - 2);
    if (!fits && room >= 2) {
      TextBlock& all = items[0].block;
      const double top = all.runs.empty() || all.runs.front().glyphs.empty() ? 0 : all.runs.front().glyphs.front().y;
      Item first{items[0].text, {}, room * line_h()}, rest{items[0].text, {}, items[0].h - room * line_h()};
      for (auto& r : all.runs) {
        const bool later = !r.glyphs.empty() && r.glyphs.front().y - top > pt((room - 0.5) * line_h());
        (later ? rest : first).block.runs.push_back(std::move(r));
      }
      first.block.lines = room;
      rest.block.lines = all.lines - room;
      shift(rest.block.runs, -pt(room * line_h()));
      place(label, {std::move(first)}, pad_v);
      continuation();
      place(label, {std::move(rest)}, pad_v);
      return;
    }
    place(label, std::move(items), pad_v);
  }

  // A row's cells with its value lines stacked and centred in them.
  void place(const std::string& label, std::vector<Item> items, double pad_v) {
    const auto& b = l_.body;
    const auto& t = l_.table;
    double content = 0;
    for (const auto& it : items) content += it.h;
    const double h = std::max(t.row_h * lf_, content + 2 * pad_v);
    ensure(h);
    auto c = canvas();
    const Box value{b.x + t.label_w, y_, b.w - t.label_w, h};
    label_cell(c, {b.x, y_, t.label_w, h}, label, t.label_size);
    c.stroke(value, t.rule);
    double y = y_ + (h - content) / 2;
    for (auto& it : items) {
      if (it.block.lines == 0) {
        cell_line(c, value, it.text, Role::mincho, b.size, Align::left, y, it.h);
      } else {
        shift(it.block.runs, pt(y + line_h() / 2 - mm(b.size) * 0.62));
        for (auto& r : it.block.runs) {
          r.bounds = bounds_of(value, display::Bounds::Zone::cell);
          pages_.back().runs.push_back(std::move(r));
        }
      }
      y += it.h;
    }
    y_ += h;
  }

  void period_head(double x0) {
    const auto& p = l_.periods;
    auto c = canvas();
    double x = x0;
    const char* keys[] = {"period", "user_charge", "side_dish"};
    for (int i = 0; i < 3; ++i) {
      label_cell(c, {x, y_, p.cols[i], p.head_h * lf_}, t_.labels.at(keys[i]), p.head_size);
      x += p.cols[i];
    }
    y_ += p.head_h * lf_;
  }

  std::string side_dish_cell(Yen amount) const {
    switch (d_.side_dish) {
      case decide::SideDish::billed: return yen(amount);
      case decide::SideDish::included: return t_.side_dish_included;
      case decide::SideDish::facility: return t_.side_dish_facility;
      case decide::SideDish::exempt: return t_.side_dish_exempt;
    }
    return {};
  }

  // A label cell spanning rows, with the period table right of it; on a page break the label
  // closes on the page it started and repeats with the table's head on the next.
  void period_block(const std::string& label, const std::vector<decide::FeePeriod>& periods, const std::string& none) {
    const auto& b = l_.body;
    const auto& t = l_.table;
    const auto& p = l_.periods;
    const double x0 = b.x + t.label_w, row_h = p.row_h * lf_;
    const double first = none.empty() ? p.head_h * lf_ + row_h : line_h() * 2;
    ensure(first);
    std::size_t page = pages_.size() - 1;
    double top = y_;
    auto close = [&] {
      Canvas c(pages_[page], te_, f_.shared.get());
      label_cell(c, {b.x, top, t.label_w, y_ - top}, label, t.label_size);
    };
    if (!none.empty()) {
      // Nothing given to show: say so in one cell across the table, rather than invent amounts.
      cell_text(Box{x0, y_, b.w - t.label_w, first}, none);
      y_ += first;
      close();
      return;
    }
    period_head(x0);
    for (const auto& fp : periods) {
      if (y_ + row_h > l_.body.bottom) {
        close();
        continuation();
        page = pages_.size() - 1;
        top = y_;
        period_head(x0);
      }
      std::string when = fp.from == fp.to
                             ? fill(t_.period_single, {{"from", wareki_month(fp.from)}})
                             : fill(t_.period, {{"from", wareki_month(fp.from)}, {"to", wareki_month(fp.to)}});
      auto c = canvas();
      double x = x0;
      const std::string cells[] = {when, yen(fp.user_charge), side_dish_cell(fp.side_dish)};
      for (int i = 0; i < 3; ++i) {
        const Box cell{x, y_, p.cols[i], row_h};
        c.stroke(cell, t.rule);
        cell_line(c, cell, cells[i], Role::mincho, b.size, i == 0 ? Align::left : Align::right);
        x += p.cols[i];
      }
      y_ += row_h;
    }
    close();
  }

  // Running text in a cell, wrapped to it, bounded by it.
  void cell_text(const Box& cell, const std::string& s) {
    const auto& t = l_.table;
    const auto& b = l_.body;
    TextBlock block = te_.paragraph(s, Role::mincho, b.size * 0.9, pt(cell.x + t.pad), 0, pt(cell.w - 2 * t.pad),
                                    pt(line_h() * 0.9), Align::left);
    auto c = canvas();
    c.stroke(cell, t.rule);
    shift(block.runs, pt(cell.y + (cell.h - mm(block.height)) / 2));
    for (auto& r : block.runs) {
      r.bounds = bounds_of(cell, display::Bounds::Zone::cell);
      pages_.back().runs.push_back(std::move(r));
    }
  }

  void periods() {
    if (l_.periods.cols.size() != 3) return;
    if (!change()) return period_block(t_.labels.at("periods"), d_.periods, "");
    period_block(t_.labels.at("periods_before"), d_.previous, d_.previous.empty() ? t_.previous_none : "");
    period_block(t_.labels.at("periods_after"), d_.periods, "");
  }

  // What the table's 副食費 column means when it shows no amount, under the table.
  void notes() {
    const std::string* note = d_.side_dish == decide::SideDish::included   ? &t_.note_included
                              : d_.side_dish == decide::SideDish::facility ? &t_.note_facility
                              : d_.side_dish == decide::SideDish::exempt   ? &t_.note_exempt
                                                                           : nullptr;
    if (!note || note->empty()) return;
    const auto& b = l_.body;
    const double size = l_.appeal.size;
    TextBlock block = te_.paragraph(*note, Role::mincho, size, pt(b.x), 0, pt(b.w), pt(l_.appeal.leading * lf_));
    ensure(gap() / 2 + mm(block.height));
    y_ += gap() / 2;
    shift(block.runs, pt(y_));
    canvas().shared(0, y_, [&](Canvas& c) {
      for (auto& r : block.runs) c.page().runs.push_back(std::move(r));
    });
    y_ += mm(block.height);
  }

  // The 教示 is the same on every notice: what of it lands on one page is one shared form there.
  void appeal() {
    const auto& a = l_.appeal;
    const auto& b = l_.body;
    auto paras = paragraphs(m_.appeal_text);
    if (paras.empty()) return;
    Page block;  // the part on the current page, drawn at page coordinates until flushed
    double block_top = 0;
    std::size_t block_page = 0;
    auto start = [&] {
      if (!block.runs.empty()) return;
      block_top = y_;
      block_page = pages_.size() - 1;
    };
    auto flush = [&] {
      if (block.runs.empty()) return;
      Canvas(pages_[block_page], te_, f_.shared.get()).shared(0, block_top, [&](Canvas& c) {
        for (auto& r : block.runs) c.page().runs.push_back(std::move(r));
      });
      block.runs.clear();
    };
    bool first = true;
    for (std::size_t i = 0; i < paras.size(); ++i) {
      auto [label, rest] = hanging_label(paras[i]);
      double indent = label.empty() ? 0 : mm(te_.width(label, Role::mincho, a.size));
      TextBlock text = te_.paragraph(rest, Role::mincho, a.size, pt(b.x + indent), 0, pt(b.w - indent),
                                     pt(a.leading * lf_), Align::justify);
      const double head = first ? a.gap * gf_ + a.leading * lf_ + a.paragraph_gap * gf_ : a.paragraph_gap * gf_;
      const double need = head + mm(text.height);
      // The last paragraph keeps the contact box company: a page never holds the box alone.
      const bool last = i + 1 == paras.size();
      const bool moves = y_ + need > l_.body.bottom || (last && y_ + need + gap() > contact_top());
      if (moves) flush();
      bool broke = ensure(need);
      if (!broke && last && y_ + need + gap() > contact_top()) {
        continuation();
        broke = true;
      }
      Canvas c(block, te_);
      if (first) {
        y_ += broke ? 0 : a.gap * gf_;
        start();
        c.text(t_.appeal_heading, Role::gothic, a.heading_size, b.x, y_ + mm(a.heading_size) * 0.88);
        y_ += a.leading * lf_;
        first = false;
      }
      y_ += a.paragraph_gap * gf_;
      start();
      if (!label.empty()) c.text(label, Role::mincho, a.size, b.x, y_ + mm(a.size));
      shift(text.runs, pt(y_));
      for (auto& r : text.runs) block.runs.push_back(std::move(r));
      y_ += mm(text.height);
    }
    flush();
  }

  std::vector<std::string> contact_lines() const {
    const auto& ct = m_.contact;
    Vars vars = {{"city_name", m_.city_name}, {"department", ct.department}, {"section", ct.section},
                 {"address", ct.address},     {"phone", ct.phone},           {"extension", ct.extension},
                 {"hours", ct.hours}};
    Vars blank;
    for (const auto& [name, v] : vars) blank.push_back({name, ""});
    std::vector<std::string> lines;
    for (const auto& tmpl : t_.contact_lines) {
      std::string line = trim(fill(tmpl, vars));
      // A line whose placeholders are all empty in this city's file is left out, not printed bare.
      if (!unknown_placeholders(tmpl, {}).empty() && line == trim(fill(tmpl, blank))) continue;
      lines.push_back(line);
    }
    return lines;
  }
  double contact_height() const { return 2 * l_.contact.pad + (contact_lines().size() + 1) * l_.contact.leading; }
  double contact_top() const { return l_.contact.bottom - contact_height(); }

  void contact() {
    const auto& k = l_.contact;
    const auto lines = contact_lines();
    const double h = contact_height(), top = contact_top();
    if (y_ + gap() > top) continuation();
    canvas().shared(0, top, [&](Canvas& c) {
      c.stroke({k.x, top, k.w, h}, l_.table.rule);
      double y = top + k.pad + mm(k.size) * 0.88 + (k.leading - mm(k.size)) / 2;
      c.text(t_.contact_heading, Role::gothic, k.size, k.x + k.pad, y);
      for (const auto& line : lines) {
        y += k.leading;
        c.text(line, Role::mincho, k.size, k.x + k.pad + mm(k.size), y);
      }
    });
    y_ = top + h;
  }

  const Forms& f_;
  const NoticeText& t_;
  const NoticeLayout& l_;
  const TextEngine& te_;
  const tsuchi::Municipality& m_;
  const NoticeInput& in_;
  const decide::Decision& d_;
  const ingest::Case& c_;
  const double lf_, gf_;  // leading and gap factors (tightening)
  std::vector<Page> pages_;
  double y_ = 0;  // flow cursor, mm from the top of the current page
};

}  // namespace

std::vector<Page> notice_pages(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m,
                               const NoticeInput& in) {
  std::vector<Page> pages = NoticeBuilder(f, te, m, in).build();
  // Tighten before breaking: the first step that saves a page wins.
  const auto& tight = f.notice.tighten;
  for (std::size_t i = 0; pages.size() > 1 && i < tight.leading.size() && i < tight.gap.size(); ++i) {
    auto tighter = NoticeBuilder(f, te, m, in, tight.leading[i], tight.gap[i]).build();
    if (tighter.size() < pages.size()) {
      pages = std::move(tighter);
      break;
    }
  }
  if (pages.size() > 1) {
    const auto& a = f.notice.page_number;
    const std::string n = std::to_string(pages.size());
    for (std::size_t i = 0; i < pages.size(); ++i)
      Canvas(pages[i], te).text(fill(f.notice_text.page_number, {{"page", std::to_string(i + 1)}, {"pages", n}}),
                                Role::mincho, a.size, a.x, a.y, {.align = Align::right, .origin = TextOrigin::code});
  }
  return pages;
}

}  // namespace tsuchi::typeset::forms
