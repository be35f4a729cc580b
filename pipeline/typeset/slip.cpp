// The payment slip (納付書): 領収証書 / 納付書 / 領収済通知書, one slip or several to a sheet as
// the layout's slots say, the store barcode (GS1-128) on the part the layout names or the ceiling
// note where none applies, and the eL mark, eL番号 and eL-QR where the slip has them.
#include <algorithm>

#include "typeset/forms.hpp"

namespace tsuchi::typeset::forms {
namespace {

using display::Bounds;

// One slip drawn at its slot on a sheet.
class SlipBuilder {
 public:
  SlipBuilder(Canvas& c, const Forms& f, const tsuchi::Municipality& m, const SlipOnSheet& on, const SlipSlot& slot,
              const compose::Recipient& to)
      : c_(c), t_(f.slip_text), l_(f.slip), m_(m), s_(*on.slip), child_(on.child), slot_(slot), to_(to) {}

  // What the slip's data fills in: cell values, the store barcode or the ceiling note, the eL.
  void build() {
    for (std::size_t i = 0; i < l_.parts.size() && i < t_.parts.size(); ++i) part(l_.parts[i]);
  }
  // The slip's printed form (title, notes, issuer, cells and labels, stamp box, wording), the same
  // on every slip of its kind; slip_pages() draws a sheet's frames as one shared form.
  void frames(Canvas& c) {
    for (std::size_t i = 0; i < l_.parts.size() && i < t_.parts.size(); ++i) {
      ox_ = slot_.x + l_.parts[i].box.x;
      oy_ = slot_.y + l_.parts[i].box.y;
      frame(c, l_.parts[i], t_.parts[i]);
    }
  }

 private:
  // A slip without the store barcode cannot be paid at a store, so its wording names none.
  bool store() const { return !s_.store_barcode.empty(); }

  std::string value_of(const std::string& field) const {
    const auto& sl = s_.slip;
    if (field == "fiscal_year") return wareki_fiscal_year(sl.fiscal_year);
    if (field == "subject") return slip_subject(t_, sl, m_);
    if (field == "period") return fill(t_.period, {{"month", wareki_month(sl.month)}});
    if (field == "reference") return digit_groups(sl.payment_reference, t_.reference_groups, t_.group_separator);
    if (field == "payer") return fill(t_.payer, {{"name", to_.name}});
    if (field == "child") return child_ ? child_->c.child_name : "";
    if (field == "amount") return fill(t_.amount, {{"amount", grouped(sl.amount)}});
    if (field == "due_date") return wareki(sl.due_date);
    if (field == "store_deadline") return wareki(sl.store_deadline);
    return "";
  }

  Vars city_vars() const {
    return {{"city_name", m_.city_name}, {"mayor_title", m_.mayor_title}, {"subject", slip_subject(t_, s_.slip, m_)}};
  }

  void part(const SlipPart& p) {
    ox_ = slot_.x + p.box.x;
    oy_ = slot_.y + p.box.y;
    for (const auto& cell : l_.cell)
      if (cell.field != "store_deadline" || store()) cell_value(cell);
    if (p.store_barcode) store_code();
    if (p.el) el();
  }

  void frame(Canvas& c, const SlipPart& p, const SlipPartText& text) {
    const auto& h = l_.head;
    const Vars vars = city_vars();
    c.text(fill(text.title, vars), Role::gothic, h.title_size, ox_ + h.title_x, oy_ + h.title_y);
    c.text(fill(store() ? text.note : text.note_no_store, vars), Role::mincho, h.note_size, ox_ + h.note_x,
           oy_ + h.note_y);
    c.text(fill(t_.issuer, vars), Role::mincho, h.issuer_size, ox_ + h.issuer_x, oy_ + h.issuer_y,
           {.align = Align::right});
    for (const auto& cell : l_.cell)
      if (cell.field != "store_deadline" || store()) cell_frame(c, cell);
    stamp(c);
    double y = oy_ + p.text.y;
    for (const auto& line : store() ? text.text : text.text_no_store)
      y += c.paragraph(fill(line, vars), Role::mincho, l_.text.size, ox_ + p.text.x, y, p.text.w, l_.text.leading);
  }

  Box at(const Box& b) const { return {ox_ + b.x, oy_ + b.y, b.w, b.h}; }

  // One line fitted to the cell's width (smaller, then condensed), its ink bounded by the cell.
  void cell_line(Canvas& c, const std::string& s, Role role, double size, const Box& cell, double x, double y,
                 Align align, display::TextOrigin origin = display::TextOrigin::free) {
    const auto& k = l_.cells;
    auto fit = c.fit_line(s, role, size, cell.w - 2 * k.pad, std::min(size, k.min_size), k.min_hscale);
    c.text(s, role, fit.size, x, y,
           {.align = align, .origin = origin, .hscale = fit.hscale, .bounds = cell, .zone = Bounds::Zone::cell});
  }

  void cell_frame(Canvas& c, const SlipCell& cell) {
    const auto& k = l_.cells;
    const Box b = at(cell.box);
    c.fill({b.x, b.y, b.w, k.label_h}, k.label_gray);
    c.stroke({b.x, b.y, b.w, k.label_h}, k.rule);
    c.stroke(b, k.rule);
    auto label = t_.labels.find(cell.field);
    if (label != t_.labels.end())
      cell_line(c, label->second, Role::gothic, k.label_size, b, b.x + k.pad,
                centred_baseline(b.y, k.label_h, k.label_size), Align::left);
  }

  void cell_value(const SlipCell& cell) {
    const auto& k = l_.cells;
    const Box b = at(cell.box);
    std::string v = value_of(cell.field);
    if (v.empty()) return;
    const double size = cell.size > 0 ? cell.size : k.value_size;
    const double x = cell.align == Align::left    ? b.x + k.pad
                     : cell.align == Align::right ? b.x + b.w - k.pad
                                                  : b.x + b.w / 2;
    // The payment number (納付番号) is an id of known provenance, not free text.
    const bool code = cell.field == "reference";
    cell_line(c_, v, Role::mincho, size, b, x, centred_baseline(b.y + k.label_h, b.h - k.label_h, size), cell.align,
              code ? display::TextOrigin::code : display::TextOrigin::free);
  }

  void stamp(Canvas& c) {
    const auto& k = l_.cells;
    const Box b = at(l_.stamp);
    c.stroke({b.x, b.y, b.w, k.label_h}, k.rule);
    c.stroke(b, k.rule);
    cell_line(c, t_.labels.at("stamp"), Role::gothic, k.label_size, b, b.x + b.w / 2,
              centred_baseline(b.y, k.label_h, k.label_size), Align::center);
  }

  void store_code() {
    const auto& bc = l_.barcode;
    if (!store()) {
      const auto& n = l_.ceiling;
      std::string note = s_.slip.amount > m_.store_ceiling
                             ? fill(t_.ceiling_note, {{"ceiling", ceiling_text(m_.store_ceiling)}})
                             : t_.no_barcode_note;
      const double pad = 1.5;
      const double h = c_.paragraph(note, Role::gothic, n.size, ox_ + n.x + pad, oy_ + n.y + pad, n.w - 2 * pad,
                                    n.leading, Align::justify);
      c_.stroke({ox_ + n.x, oy_ + n.y, n.w, h + 2 * pad}, l_.cells.rule);
      return;
    }
    auto sym = barcode::draw_store_barcode(s_.store_barcode, bc.module, bc.height, bc.max_w);
    Box region{ox_ + bc.x, oy_ + bc.y, bc.max_w, bc.height};
    // Listed even when drawing failed, so preflight stops the run instead of passing a blank.
    if (sym.ok()) region = symbol(c_, sym.value, ox_ + bc.x, oy_ + bc.y);
    c_.code(CodeKind::store_gs1_128, s_.store_barcode, region);
    auto [first, second] = barcode::store_human_readable(s_.store_barcode);
    double cx = region.x + region.w / 2, y = region.y + region.h + bc.hrt_leading;
    c_.text(first, Role::gothic, bc.hrt_size, cx, y, {.align = Align::center, .origin = TextOrigin::code});
    c_.text(second, Role::gothic, bc.hrt_size, cx, y + bc.hrt_leading,
            {.align = Align::center, .origin = TextOrigin::code});
  }

  // The eL mark, eL番号 and eL-QR, only when the city's collection system issued them for this slip.
  void el() {
    const auto& sl = s_.slip;
    const auto& e = l_.el;
    if (sl.el_qr.empty() && sl.el_number.empty()) return;
    const Box mark = at(e.mark);
    if (!e.image.empty()) {
      c_.image(e.image, mark);
    } else {
      c_.stroke(mark, l_.cells.rule * 1.5);
      c_.text(t_.el_mark, Role::gothic, e.mark_size, mark.x + mark.w / 2, centred_baseline(mark.y, mark.h, e.mark_size),
              {.align = Align::center});
    }
    if (!sl.el_number.empty())
      c_.text(fill(t_.el_number, {{"number", digit_groups(sl.el_number, t_.el_number_groups, t_.group_separator)}}),
              Role::gothic, e.number_size, ox_ + e.number_x, oy_ + e.number_y, {.origin = TextOrigin::code});
    if (sl.el_qr.empty()) return;
    // The payload's length sets the QR version: the module shrinks so the symbol keeps to its square.
    double module = e.qr_module;
    if (auto probe = barcode::draw_qr(sl.el_qr, 1.0); probe.ok() && probe.value.width_mm * module > e.qr.w)
      module = e.qr.w / probe.value.width_mm;
    auto qr = barcode::draw_qr(sl.el_qr, module);
    const Box spot = at(e.qr);
    Box region = qr.ok() ? symbol(c_, qr.value, spot.x, spot.y) : spot;
    c_.code(CodeKind::el_qr, sl.el_qr, region);
  }

  Canvas& c_;
  const SlipText& t_;
  const SlipLayout& l_;
  const tsuchi::Municipality& m_;
  const compose::SlipWithCode& s_;
  const decide::Decision* child_;
  SlipSlot slot_;
  const compose::Recipient& to_;
  double ox_ = 0, oy_ = 0;  // the current part's top-left on the sheet
};

// The perforations the contractor's paper has, drawn as dashed guides.
void cut_lines(Canvas& c, const SlipLayout& l) {
  const auto& k = l.cut;
  if (k.dash <= 0) return;
  for (double y : k.y)
    for (double x = k.x0; x < k.x1; x += k.dash + k.gap) c.fill({x, y - 0.1, std::min(k.dash, k.x1 - x), 0.2}, k.gray);
  for (double x : k.x)
    for (double y = k.y0; y < k.y1; y += k.dash + k.gap) c.fill({x - 0.1, y, 0.2, std::min(k.dash, k.y1 - y)}, k.gray);
}

}  // namespace

int slips_per_sheet(const Forms& f) { return std::max<int>(1, static_cast<int>(f.slip.slots.size())); }

std::vector<Page> slip_pages(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m,
                             const std::vector<SlipOnSheet>& slips, const compose::Recipient& to) {
  std::vector<Page> pages;
  const std::size_t per = static_cast<std::size_t>(slips_per_sheet(f));
  for (std::size_t first = 0; first < slips.size(); first += per) {
    Page page;
    page.kind = PageKind::slip;
    page.width = pt(f.slip.page_w);
    page.height = pt(f.slip.page_h);
    Canvas c(page, te, f.shared.get());
    const std::size_t n = std::min(per, slips.size() - first);
    auto slot = [&](std::size_t i) { return i < f.slip.slots.size() ? f.slip.slots[i] : SlipSlot{}; };
    // The sheet's printed form, cut lines and every slip's frame, is one shared form: a full sheet
    // of slips of one kind is the same sheet every time, and a page places one form, not ten.
    c.shared(0, 0, [&](Canvas& fc) {
      cut_lines(fc, f.slip);
      for (std::size_t i = 0; i < n; ++i) SlipBuilder(fc, f, m, slips[first + i], slot(i), to).frames(fc);
    });
    for (std::size_t i = 0; i < n; ++i) SlipBuilder(c, f, m, slips[first + i], slot(i), to).build();
    pages.push_back(std::move(page));
  }
  return pages;
}

}  // namespace tsuchi::typeset::forms
