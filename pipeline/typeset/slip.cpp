// The payment slip (納付書): 領収証書 / 納付書 / 領収済通知書 stacked on one A4 sheet, the store
// barcode (GS1-128) on the part the layout names, or the ceiling note where none applies.
#include <algorithm>

#include "typeset/forms.hpp"

namespace tsuchi::typeset::forms {
namespace {

class SlipBuilder {
 public:
  SlipBuilder(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m, const compose::SlipWithCode& s,
              const decide::Decision* child, const compose::Recipient& to)
      : t_(f.slip_text), l_(f.slip), te_(te), m_(m), s_(s), child_(child), to_(to) {
    page_.kind = PageKind::slip;
    page_.width = pt(l_.page_w);
    page_.height = pt(l_.page_h);
  }

  Page build() {
    Canvas c(page_, te_);
    cut_lines(c);
    for (std::size_t i = 0; i < l_.parts.size() && i < t_.parts.size(); ++i) part(c, l_.parts[i], t_.parts[i]);
    return std::move(page_);
  }

 private:
  void cut_lines(Canvas& c) {
    const auto& k = l_.cut;
    if (k.dash <= 0) return;
    for (double y : k.y)
      for (double x = k.x0; x < k.x1; x += k.dash + k.gap)
        c.fill({x, y - 0.1, std::min(k.dash, k.x1 - x), 0.2}, k.gray);
  }

  std::string value_of(const std::string& field) const {
    const auto& sl = s_.slip;
    if (field == "fiscal_year") return wareki_fiscal_year(sl.fiscal_year);
    if (field == "subject") return m_.subject_name;
    if (field == "period") return fill(t_.period, {{"month", wareki_month(sl.month)}});
    if (field == "reference") return sl.payment_reference;
    if (field == "payer") return fill(t_.payer, {{"name", to_.name}});
    if (field == "child") return child_ ? child_->c.child_name : "";
    if (field == "amount") return yen(sl.amount);
    if (field == "due_date") return wareki(sl.due_date);
    if (field == "store_deadline") return s_.store_barcode.empty() ? t_.store_deadline_none : wareki(sl.store_deadline);
    return "";
  }

  Vars city_vars() const {
    return {{"city_name", m_.city_name}, {"mayor_title", m_.mayor_title}, {"subject", m_.subject_name}};
  }

  void part(Canvas& c, const SlipPart& p, const SlipPartText& text) {
    const double oy = p.y;
    const auto& h = l_.head;
    const Vars vars = city_vars();
    c.text(fill(text.title, vars), Role::gothic, h.title_size, h.title_x, oy + h.title_y);
    c.text(fill(text.note, vars), Role::mincho, h.note_size, h.note_x, oy + h.title_y);
    c.text(fill(t_.issuer, vars), Role::mincho, h.issuer_size, h.issuer_x, oy + h.title_y, {.align = Align::right});
    for (const auto& cell : l_.cell) draw_cell(c, cell, oy);
    stamp(c, oy);
    if (p.store_barcode) store_code(c, oy);
    double y = oy + p.text.y;
    for (const auto& line : text.text)
      y += c.paragraph(fill(line, vars), Role::mincho, l_.text.size, p.text.x, y, p.text.w, l_.text.leading);
  }

  void draw_cell(Canvas& c, const SlipCell& cell, double oy) {
    const auto& k = l_.cells;
    Box b{cell.box.x, cell.box.y + oy, cell.box.w, cell.box.h};
    c.fill({b.x, b.y, b.w, k.label_h}, k.label_gray);
    c.stroke({b.x, b.y, b.w, k.label_h}, k.rule);
    c.stroke(b, k.rule);
    auto label = t_.labels.find(cell.field);
    if (label != t_.labels.end())
      c.text(label->second, Role::gothic, k.label_size, b.x + k.pad, centred_baseline(b.y, k.label_h, k.label_size));
    std::string v = value_of(cell.field);
    if (v.empty()) return;
    // A long value (a long name) is set smaller rather than run over the rule.
    double size = cell.size > 0 ? cell.size : k.value_size;
    size = c.fit(v, Role::mincho, size, b.w - 2 * k.pad, 6.0);
    double x = cell.align == Align::left ? b.x + k.pad : cell.align == Align::right ? b.x + b.w - k.pad : b.x + b.w / 2;
    // The payment number (納付番号) is an id of known provenance, not free text.
    const auto origin = cell.field == "reference" ? TextOrigin::code : TextOrigin::free;
    c.text(v, Role::mincho, size, x, centred_baseline(b.y + k.label_h, b.h - k.label_h, size),
           {.align = cell.align, .origin = origin});
  }

  void stamp(Canvas& c, double oy) {
    const auto& k = l_.cells;
    Box b{l_.stamp.x, l_.stamp.y + oy, l_.stamp.w, l_.stamp.h};
    c.stroke({b.x, b.y, b.w, k.label_h}, k.rule);
    c.stroke(b, k.rule);
    c.text(t_.labels.at("stamp"), Role::gothic, k.label_size, b.x + b.w / 2,
           centred_baseline(b.y, k.label_h, k.label_size), {.align = Align::center});
  }

  void store_code(Canvas& c, double oy) {
    const auto& bc = l_.barcode;
    if (s_.store_barcode.empty()) {
      const auto& n = l_.ceiling;
      std::string note = s_.slip.amount > m_.store_ceiling
                             ? fill(t_.ceiling_note, {{"ceiling", ceiling_text(m_.store_ceiling)}})
                             : t_.no_barcode_note;
      double pad = 1.5;
      double h = c.paragraph(note, Role::gothic, n.size, n.x + pad, oy + n.y + pad, n.w - 2 * pad, n.leading,
                             Align::justify);
      c.stroke({n.x, oy + n.y, n.w, h + 2 * pad}, l_.cells.rule);
      return;
    }
    auto sym = barcode::draw_store_barcode(s_.store_barcode, bc.module, bc.height, bc.max_w);
    Box region{bc.x, oy + bc.y, bc.max_w, bc.height};
    // Listed even when drawing failed, so preflight stops the run instead of passing a blank.
    if (sym.ok()) region = symbol(c, sym.value, bc.x, oy + bc.y);
    c.code(CodeKind::store_gs1_128, s_.store_barcode, region);
    auto [first, second] = barcode::store_human_readable(s_.store_barcode);
    double cx = region.x + region.w / 2, y = region.y + region.h + bc.hrt_leading;
    c.text(first, Role::gothic, bc.hrt_size, cx, y, {.align = Align::center, .origin = TextOrigin::code});
    c.text(second, Role::gothic, bc.hrt_size, cx, y + bc.hrt_leading,
           {.align = Align::center, .origin = TextOrigin::code});
  }

  const SlipText& t_;
  const SlipLayout& l_;
  const TextEngine& te_;
  const tsuchi::Municipality& m_;
  const compose::SlipWithCode& s_;
  const decide::Decision* child_;
  const compose::Recipient& to_;
  Page page_;
};

}  // namespace

int slips_per_sheet(const Forms&) { return 1; }

std::vector<Page> slip_pages(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m,
                             const std::vector<SlipOnSheet>& slips, const compose::Recipient& to) {
  std::vector<Page> pages;
  for (const auto& s : slips) pages.push_back(SlipBuilder(f, te, m, *s.slip, s.child, to).build());
  return pages;
}

}  // namespace tsuchi::typeset::forms
