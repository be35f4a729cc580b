// The cover sheet (送付案内) of a split mailing: a part that would start with a payment slip opens
// with it, so the recipient block and the customer barcode face the window like a notice's.
#include <map>

#include "core/toml.hpp"
#include "typeset/forms.hpp"

namespace tsuchi::typeset::forms {

Checked<CoverText> load_cover_text(const std::string& data_dir) {
  Checked<CoverText> out;
  const std::string file = data_dir + "/templates/cover.toml";
  auto t = tomlfile::load(file, out.problems);
  if (!t) return out;
  auto& c = out.value;
  const struct {
    const char* key;
    std::string* to;
    std::vector<std::string_view> vars;
  } keys[] = {{"window_label", &c.window_label, {"envelope_id", "part", "parts"}},
              {"title", &c.title, {}},
              {"issuer", &c.issuer, {"mayor_title", "mayor_name", "city_name"}},
              {"lead", &c.lead, {"subject", "part", "parts"}},
              {"child", &c.child, {"child_name", "months", "count"}},
              {"months_range", &c.months_range, {"from", "to"}},
              {"month_single", &c.month_single, {"from"}},
              {"total", &c.total, {"count"}},
              {"closing", &c.closing, {}}};
  for (const auto& k : keys) {
    const toml::node* n = t->get(k.key);
    const int line = n ? static_cast<int>(n->source().begin.line) : 0;
    if (!n || !n->is_string()) {
      out.problems.push_back({Diagnostic::Severity::error, file, line, 0, k.key, "", "must be a string"});
      continue;
    }
    *k.to = n->as_string()->get();
    for (const auto& u : unknown_placeholders(*k.to, k.vars))
      out.problems.push_back({Diagnostic::Severity::error, file, line, 0, k.key, "{" + u + "}", "unknown placeholder"});
  }
  return out;
}

std::string part_label(const CoverText& t, const std::string& envelope_id, int part, int parts) {
  return fill(t.window_label, {{"envelope_id", envelope_id}, {"part", std::to_string(part)}, {"parts", std::to_string(parts)}});
}

namespace {

// "令和7年4月分から令和7年10月分まで", or the months one by one when they are not consecutive.
std::string months_text(const CoverText& t, const std::vector<YearMonth>& months) {
  bool consecutive = true;
  for (std::size_t i = 1; i < months.size(); ++i) consecutive = consecutive && months[i] == months[i - 1].next();
  if (months.size() == 1) return fill(t.month_single, {{"from", wareki_month(months.front())}});
  if (consecutive)
    return fill(t.months_range, {{"from", wareki_month(months.front())}, {"to", wareki_month(months.back())}});
  std::string s;
  for (const auto& ym : months) s += (s.empty() ? "" : "、") + fill(t.month_single, {{"from", wareki_month(ym)}});
  return s;
}

}  // namespace

Page cover_page(const Forms& f, const CoverText& t, const TextEngine& te, const tsuchi::Municipality& m,
                const CoverInput& in) {
  const NoticeLayout& l = f.notice;
  Page p;
  p.kind = PageKind::notice;
  p.width = pt(l.page_w);
  p.height = pt(l.page_h);
  Canvas c(p, te, f.shared.get());
  c.shared(0, 0, [&](Canvas& fc) {
    for (double y : l.fold.y) fc.fill({l.fold.x, y - 0.1, l.fold.length, 0.2}, 0.4);
  });
  recipient_block(c, f, in.household.to, part_label(t, in.envelope_id, in.part, in.parts), in.customer_barcode);

  const auto& is = l.issuer;
  c.text(fill(t.issuer, {{"mayor_title", m.mayor_title}, {"mayor_name", m.mayor_name}, {"city_name", m.city_name}}),
         Role::mincho, is.size, is.x, is.y, {.align = Align::right});
  c.text(t.title, Role::gothic, l.title.size, l.title.x, l.title.y, {.align = Align::center});

  const auto& b = l.body;
  double y = b.top;
  y += c.paragraph(fill(t.lead, {{"subject", m.subject_name}, {"part", std::to_string(in.part)},
                                 {"parts", std::to_string(in.parts)}}),
                   Role::mincho, b.size, b.x, y, b.w, b.leading, Align::justify);
  y += b.gap;
  // By child, in the order the slips are printed; the names are those the child's notice shows.
  std::vector<std::string> order;
  std::map<std::string, std::vector<YearMonth>> months;
  for (const auto* s : in.slips) {
    auto [it, fresh] = months.try_emplace(s->slip.case_id);
    if (fresh) order.push_back(s->slip.case_id);
    it->second.push_back(s->slip.month);
  }
  for (const auto& case_id : order) {
    std::string name;
    for (const auto& d : in.household.notices)
      if (d.c.case_id == case_id) name = d.c.child_name;
    auto ms = months[case_id];
    const std::string line = fill(t.child, {{"child_name", name}, {"months", months_text(t, ms)},
                                            {"count", std::to_string(ms.size())}});
    y += c.paragraph(line, Role::mincho, b.size, b.x + mm(b.size), y, b.w - mm(b.size), b.leading);
  }
  y += b.gap / 2;
  c.text(fill(t.total, {{"count", std::to_string(in.slips.size())}}), Role::gothic, b.size, b.x + mm(b.size),
         y + mm(b.size) * 0.88);
  y += b.leading + b.gap;
  c.paragraph(t.closing, Role::mincho, b.size, b.x, y, b.w, b.leading, Align::justify);
  return p;
}

}  // namespace tsuchi::typeset::forms
