// Loading the forms' wording and positions from TOML, with a diagnostic per bad or missing key.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <toml++/toml.h>

#include "core/mynumber.hpp"
#include "core/toml.hpp"
#include "typeset/forms.hpp"

namespace tsuchi::typeset::forms {

std::string fill(std::string_view tmpl, const Vars& vars) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    std::size_t open = tmpl.find('{', i);
    std::size_t close = open == std::string_view::npos ? open : tmpl.find('}', open);
    if (close == std::string_view::npos) {
      out.append(tmpl.substr(i));
      break;
    }
    out.append(tmpl.substr(i, open - i));
    std::string_view name = tmpl.substr(open + 1, close - open - 1);
    bool found = false;
    for (const auto& [k, v] : vars)
      if (k == name) {
        out += v;
        found = true;
        break;
      }
    if (!found) out.append(tmpl.substr(open, close - open + 1));  // load-time checks make this rare
    i = close + 1;
  }
  return out;
}

std::vector<std::string> unknown_placeholders(std::string_view tmpl, const std::vector<std::string_view>& allowed) {
  std::vector<std::string> unknown;
  std::size_t i = 0;
  while ((i = tmpl.find('{', i)) != std::string_view::npos) {
    std::size_t close = tmpl.find('}', i);
    if (close == std::string_view::npos) break;
    std::string_view name = tmpl.substr(i + 1, close - i - 1);
    bool ok = false;
    for (auto a : allowed) ok = ok || a == name;
    if (!ok) unknown.emplace_back(name);
    i = close + 1;
  }
  return unknown;
}

std::string ceiling_text(Yen ceiling) {
  if (ceiling > 0 && ceiling % 10000 == 0) return grouped(ceiling / 10000) + "万円";
  return yen(ceiling);
}

namespace {

using Names = std::vector<std::string_view>;

// Typed access to one TOML table; every missing or ill-typed key becomes a diagnostic naming
// the file, the line when the key exists, and its dotted path.
class Reader {
 public:
  Reader(const toml::table& t, const std::string& file, Diagnostics& out, std::string prefix = {})
      : t_(t), file_(file), out_(out), prefix_(std::move(prefix)) {}

  double num(std::string_view key) {
    auto n = t_.at_path(key);
    if (!n) {
      missing(key, "a number (millimetres or points)");
      return 0;
    }
    auto v = n.value<double>();
    if (!v || !std::isfinite(*v) || *v < 0) {
      problem(key, n.node(), "must be a non-negative number");
      return 0;
    }
    return *v;
  }

  std::vector<double> nums(std::string_view key) {
    std::vector<double> out;
    auto n = t_.at_path(key);
    const toml::array* a = n.as_array();
    if (!a) {
      n ? problem(key, n.node(), "must be an array of numbers") : missing(key, "an array of numbers");
      return out;
    }
    for (const auto& e : *a) {
      auto v = e.value<double>();
      if (!v || *v < 0) {
        problem(key, &e, "must hold non-negative numbers only");
        return {};
      }
      out.push_back(*v);
    }
    return out;
  }

  bool flag(std::string_view key) {
    auto n = t_.at_path(key);
    if (!n) return missing(key, "true or false"), false;
    if (auto v = n.value<bool>()) return *v;
    problem(key, n.node(), "must be true or false");
    return false;
  }

  std::string text(std::string_view key, const Names& vars = {}) {
    auto n = t_.at_path(key);
    if (!n) return missing(key, "a string"), std::string();
    auto v = n.value<std::string>();
    if (!v) {
      problem(key, n.node(), "must be a string");
      return {};
    }
    check_placeholders(key, n.node(), *v, vars);
    return *v;
  }

  // Wording printed in the same run as an id (TextOrigin::code), which preflight's free-text My
  // Number check does not read: its own words are checked here instead, with the values left out.
  std::string code_text(std::string_view key, const Names& vars) {
    std::string v = text(key, vars);
    Vars blank;
    for (auto name : vars) blank.emplace_back(name, "");
    if (mynumber::find(fill(v, blank)))
      problem(key, t_.at_path(key).node(), "holds a number that passes the My Number check digit; a My Number must never be printed",
              mynumber::mask(v));
    return v;
  }

  std::vector<std::string> texts(std::string_view key, const Names& vars = {}) {
    std::vector<std::string> out;
    auto n = t_.at_path(key);
    const toml::array* a = n.as_array();
    if (!a) {
      n ? problem(key, n.node(), "must be an array of strings") : missing(key, "an array of strings");
      return out;
    }
    for (const auto& e : *a) {
      auto v = e.value<std::string>();
      if (!v) {
        problem(key, &e, "must hold strings only");
        return {};
      }
      check_placeholders(key, &e, *v, vars);
      out.push_back(*v);
    }
    return out;
  }

  // The tables of an array of tables ([[part]]), each with a reader prefixed "part[1].".
  std::vector<Reader> tables(std::string_view key) {
    std::vector<Reader> out;
    auto n = t_.at_path(key);
    const toml::array* a = n.as_array();
    if (!a || !a->is_array_of_tables()) {
      n ? problem(key, n.node(), "must be an array of tables ([[" + std::string(key) + "]])")
        : missing(key, "an array of tables ([[" + std::string(key) + "]])");
      return out;
    }
    int i = 0;
    for (const auto& e : *a)
      out.emplace_back(*e.as_table(), file_, out_, path(key) + "[" + std::to_string(++i) + "].");
    return out;
  }

  const Diagnostics& problems() const { return out_; }

  void problem(std::string_view key, const toml::node* n, std::string reason, std::string value = {}) {
    Diagnostic d;
    d.file = file_;
    d.line = n ? static_cast<int>(n->source().begin.line) : 0;
    d.column_name = path(key);
    d.value = std::move(value);
    d.reason = std::move(reason);
    out_.push_back(std::move(d));
  }

 private:
  // Located at the table that should hold the key, when that table exists.
  void missing(std::string_view key, const std::string& what) {
    auto dot = key.rfind('.');
    auto parent = dot == std::string_view::npos ? toml::node_view<const toml::node>() : t_.at_path(key.substr(0, dot));
    problem(key, parent ? parent.node() : nullptr, "missing; expected " + what);
  }

  void check_placeholders(std::string_view key, const toml::node* n, const std::string& s, const Names& vars) {
    for (const auto& u : unknown_placeholders(s, vars)) {
      std::string known;
      for (auto v : vars) known += (known.empty() ? "" : ", ") + std::string("{") + std::string(v) + "}";
      problem(key, n, "unknown placeholder; this key takes " + (known.empty() ? std::string("none") : known),
              "{" + u + "}");
    }
  }

  std::string path(std::string_view key) const { return prefix_ + std::string(key); }

  const toml::table& t_;
  std::string file_;
  Diagnostics& out_;
  std::string prefix_;
};

// Every TOML file goes through the one guarded reader (size cap, nesting guard, located errors).
std::optional<toml::table> parse(const std::string& path, Diagnostics& out) { return tomlfile::load(path, out); }

Align align_of(Reader& r, std::string_view key) {
  std::string a = r.text(key);
  if (a == "left") return Align::left;
  if (a == "right") return Align::right;
  if (a == "center") return Align::center;
  if (!a.empty()) r.problem(key, nullptr, "must be left, right or center", a);
  return Align::left;
}

QrPlace read_qr(Reader& r) { return {r.num("qr.x"), r.num("qr.y"), r.num("qr.module")}; }

const Names kNoticeTableFields = {"child_name", "birth_date", "facility",       "certification", "care_need",
                                  "bracket",    "reductions", "periods",        "payment_method", "change_reason"};
const Names kSlipFields = {"fiscal_year", "subject", "period", "reference", "payer",
                           "child", "amount", "due_date", "store_deadline"};

void read_notice_text(Reader r, NoticeText& t) {
  t.title_decision = r.text("title.decision");
  t.title_change = r.text("title.change");
  t.title_continued = r.text("title.continued", {"title", "child_name"});
  t.number = r.code_text("header.number", {"case_id", "decision_ymd"});
  t.date = r.text("header.date", {"decision_date"});
  t.issuer = r.text("header.issuer", {"mayor_title", "mayor_name", "city_name"});
  t.honorific = r.text("header.honorific");
  t.envelope = r.code_text("header.envelope", {"envelope_id"});
  t.page_number = r.code_text("header.page_number", {"page", "pages"});
  const Names salutation = {"fiscal_year", "city_name", "child_name"};
  t.salutation_decision = r.text("salutation.decision", salutation);
  t.salutation_change = r.text("salutation.change", salutation);
  t.ki = r.text("salutation.ki");
  t.fiscal_year_join = r.text("salutation.fiscal_year_join");
  for (auto f : kNoticeTableFields)
    if (f != "periods") t.labels[std::string(f)] = r.text("labels." + std::string(f));
  for (auto f : {"periods", "periods_before", "periods_after", "period", "user_charge", "side_dish"})
    t.labels[f] = r.text("labels." + std::string(f));
  t.certification = r.texts("values.certification");
  if (t.certification.size() != 3)
    r.problem("values.certification", nullptr, "must list the labels of types 1, 2 and 3");
  t.care_standard = r.text("values.care_need_standard");
  t.care_short = r.text("values.care_need_short");
  t.care_none = r.text("values.care_need_none");
  t.changed = r.text("values.changed", {"before", "after"});
  t.bracket = r.text("values.bracket", {"code", "label"});
  t.period = r.text("values.period", {"from", "to"});
  t.period_single = r.text("values.period_single", {"from"});
  t.pay_transfer = r.text("payment.transfer");
  t.pay_slip = r.text("payment.slip");
  t.pay_slip_separate = r.text("payment.slip_separate");
  t.pay_none = r.text("payment.none");
  t.pay_zero_months = r.text("payment.zero_months");
  t.transfer_account = r.text("payment.transfer_account", {"bank", "account"});
  t.transfer_monthly = r.text("payment.transfer_monthly", {"day", "first"});
  t.transfer_due = r.text("payment.transfer_due", {"first"});
  t.side_dish_included = r.text("side_dish.included");
  t.side_dish_facility = r.text("side_dish.facility");
  t.side_dish_exempt = r.text("side_dish.exempt");
  t.note_included = r.text("side_dish.note_included");
  t.note_facility = r.text("side_dish.note_facility");
  t.note_exempt = r.text("side_dish.note_exempt");
  t.reduction_free_education = r.text("reductions.free_education");
  t.reduction_half = r.text("reductions.half", {"order"});
  t.reduction_free = r.text("reductions.free", {"order"});
  t.reduction_other = r.text("reductions.other", {"order"});
  t.reduction_join = r.text("reductions.join");
  t.previous_none = r.text("values.previous_none");
  t.appeal_heading = r.text("appeal.heading");
  t.contact_heading = r.text("contact.heading");
  t.contact_lines = r.texts("contact.lines",
                            {"city_name", "department", "section", "address", "phone", "extension", "hours"});
}

// Digit-group sizes: positive counts, at least one.
std::vector<int> groups_of(Reader& r, std::string_view key) {
  std::vector<int> out;
  for (double v : r.nums(key)) {
    if (v < 1 || v != static_cast<int>(v)) {
      r.problem(key, nullptr, "must list whole digit counts of 1 or more");
      return {};
    }
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) r.problem(key, nullptr, "must list at least one group size");
  return out;
}

void read_slip_text(Reader r, SlipText& t) {
  const Names city = {"city_name", "mayor_title", "subject"};
  for (auto& p : r.tables("part"))
    t.parts.push_back({p.text("title", city), p.text("note", city), p.text("note_no_store", city),
                       p.texts("text", city), p.texts("text_no_store", city)});
  for (auto f : kSlipFields) t.labels[std::string(f)] = r.text("labels." + std::string(f));
  t.labels["stamp"] = r.text("labels.stamp");
  t.issuer = r.text("values.issuer", {"city_name", "mayor_title"});
  t.period = r.text("values.period", {"month"});
  t.payer = r.text("values.payer", {"name"});
  t.amount = r.text("values.amount", {"amount"});
  t.subject_user_charge = r.text("values.subject_user_charge", {"subject"});
  t.subject_side_dish = r.text("values.subject_side_dish", {"subject"});
  t.subject_both = r.text("values.subject_both", {"subject"});
  t.reference_groups = groups_of(r, "values.reference_groups");
  t.group_separator = r.text("values.group_separator");
  t.el_mark = r.text("values.el_mark");
  t.el_number = r.code_text("values.el_number", {"number"});
  t.el_number_groups = groups_of(r, "values.el_number_groups");
  t.ceiling_note = r.text("notes.ceiling", {"ceiling"});
  t.no_barcode_note = r.text("notes.no_barcode");
}

void read_notice_layout(Reader r, NoticeLayout& l) {
  l.page_w = r.num("page.width");
  l.page_h = r.num("page.height");
  const std::size_t before = r.problems().size();
  l.window = {r.num("window.x"), r.num("window.y"), r.num("window.w"), r.num("window.h")};
  l.shift_x = r.num("window.shift_x");
  l.shift_y = r.num("window.shift_y");
  if (r.problems().size() == before && (l.printable().w < 40 || l.printable().h < 20))
    r.problem("window", nullptr, "leaves less than 40 x 20 mm visible under the worst-case shift (shift_x, shift_y)");
  auto& rc = l.recipient;
  rc.postal_size = r.num("recipient.postal_size");
  rc.label_size = r.num("recipient.label_size");
  rc.address_size = r.num("recipient.address_size");
  rc.address_min_size = r.num("recipient.address_min_size");
  rc.address_leading = r.num("recipient.address_leading");
  rc.name_size = r.num("recipient.name_size");
  rc.name_min_size = r.num("recipient.name_min_size");
  rc.min_hscale = r.num("recipient.min_hscale");
  rc.name_gap = r.num("recipient.name_gap");
  rc.barcode_pt = r.num("recipient.barcode_pt");
  rc.barcode_gap = r.num("recipient.barcode_gap");
  // Japan Post's customer barcode is printed at 8 to 11.5 point (バーコード仕様書).
  if (rc.barcode_pt < 8 || rc.barcode_pt > 11.5)
    r.problem("recipient.barcode_pt", nullptr, "must be from 8 to 11.5 (Japan Post's customer barcode sizes)",
              std::to_string(rc.barcode_pt));
  if (rc.address_min_size > rc.address_size || rc.name_min_size > rc.name_size)
    r.problem("recipient", nullptr, "a minimum size is above its size");
  if (rc.min_hscale <= 0 || rc.min_hscale > 1)
    r.problem("recipient.min_hscale", nullptr, "must be above 0 and at most 1", std::to_string(rc.min_hscale));
  auto anchor = [&](const std::string& k) {
    return NoticeLayout::Anchor{r.num(k + ".x"), r.num(k + ".y"), r.num(k + ".size")};
  };
  l.number = anchor("number");
  l.date = anchor("date");
  l.title = anchor("title");
  l.page_number = anchor("page_number");
  l.issuer = {r.num("issuer.x"), r.num("issuer.y"), r.num("issuer.size"), r.num("issuer.seal_size")};
  auto& b = l.body;
  b = {r.num("body.x"), r.num("body.w"), r.num("body.top"), r.num("body.continued_top"),
       r.num("body.continued_title_y"), r.num("body.bottom"), r.num("body.size"), r.num("body.leading"),
       r.num("body.gap")};
  auto& t = l.table;
  t.row_h = r.num("table.row_h");
  t.label_w = r.num("table.label_w");
  t.label_size = r.num("table.label_size");
  t.label_gray = r.num("table.label_gray");
  t.rule = r.num("table.rule");
  t.pad = r.num("table.pad");
  t.min_size = r.num("table.min_size");
  t.rows = r.texts("table.rows");
  for (const auto& row : t.rows)
    if (std::find(kNoticeTableFields.begin(), kNoticeTableFields.end(), std::string_view(row)) == kNoticeTableFields.end())
      r.problem("table.rows", nullptr, "unknown row; known: child_name birth_date facility certification "
                "care_need bracket reductions periods payment_method change_reason", row);
  l.periods.cols = r.nums("periods.cols");
  if (l.periods.cols.size() != 3) r.problem("periods.cols", nullptr, "must give three column widths");
  // The period table hangs off the label column: its columns fill exactly what is right of it.
  else if (double sum = l.periods.cols[0] + l.periods.cols[1] + l.periods.cols[2];
           std::abs(sum - (b.w - t.label_w)) > 0.01)
    r.problem("periods.cols", nullptr, "must add up to body.w - table.label_w (" + std::to_string(b.w - t.label_w).substr(0, 5) + ")",
              std::to_string(sum).substr(0, 5));
  l.periods.head_h = r.num("periods.head_h");
  l.periods.row_h = r.num("periods.row_h");
  l.periods.head_size = r.num("periods.head_size");
  l.appeal = {r.num("appeal.gap"), r.num("appeal.heading_size"), r.num("appeal.size"), r.num("appeal.leading"),
              r.num("appeal.paragraph_gap")};
  l.contact = {r.num("contact.x"), r.num("contact.bottom"), r.num("contact.w"), r.num("contact.size"),
               r.num("contact.leading"), r.num("contact.pad")};
  l.fold = {r.num("fold_marks.x"), r.num("fold_marks.length"), r.nums("fold_marks.y")};
  l.tighten = {r.nums("tighten.leading"), r.nums("tighten.gap")};
  if (l.tighten.leading.size() != l.tighten.gap.size())
    r.problem("tighten", nullptr, "leading and gap must list the same number of steps");
  l.qr = read_qr(r);
}

bool overlaps(const Box& a, const Box& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

bool inside(const Box& a, const Box& outer) {
  const double e = 1e-9;
  return a.x >= outer.x - e && a.y >= outer.y - e && a.x + a.w <= outer.x + outer.w + e &&
         a.y + a.h <= outer.y + outer.h + e;
}

std::string num_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

void read_slip_layout(Reader r, SlipLayout& l) {
  l.page_w = r.num("page.width");
  l.page_h = r.num("page.height");
  for (auto& s : r.tables("slot")) l.slots.push_back({s.num("x"), s.num("y")});
  for (auto& p : r.tables("part"))
    l.parts.push_back({{p.num("x"), p.num("y"), p.num("w"), p.num("h")},
                       p.flag("store_barcode"),
                       p.flag("el"),
                       p.flag("payer"),
                       {p.num("text.x"), p.num("text.y"), p.num("text.w"), 0}});
  l.cut = {r.nums("cut.y"), r.nums("cut.x"), r.num("cut.x0"), r.num("cut.x1"), r.num("cut.y0"),
           r.num("cut.y1"), r.num("cut.dash"), r.num("cut.gap"), r.num("cut.gray")};
  l.head = {r.num("head.title_x"), r.num("head.title_y"), r.num("head.title_size"), r.num("head.note_x"),
            r.num("head.note_y"), r.num("head.note_size"), r.num("head.issuer_x"), r.num("head.issuer_y"),
            r.num("head.issuer_size")};
  l.cells = {r.num("cells.label_h"), r.num("cells.label_size"), r.num("cells.label_gray"), r.num("cells.rule"),
             r.num("cells.pad"), r.num("cells.value_size"), r.num("cells.min_size"), r.num("cells.min_hscale")};
  for (auto& c : r.tables("cell")) {
    SlipCell cell;
    cell.field = c.text("field");
    if (std::find(kSlipFields.begin(), kSlipFields.end(), std::string_view(cell.field)) == kSlipFields.end())
      c.problem("field", nullptr, "unknown field; known: fiscal_year subject period reference payer child "
                "amount due_date store_deadline", cell.field);
    cell.box = {c.num("x"), c.num("y"), c.num("w"), c.num("h")};
    cell.align = align_of(c, "align");
    l.cell.push_back(cell);
  }
  l.stamp = {r.num("stamp.x"), r.num("stamp.y"), r.num("stamp.w"), r.num("stamp.h")};
  l.text = {r.num("text.size"), r.num("text.leading")};
  auto& bc = l.barcode;
  bc = {r.num("barcode.x"), r.num("barcode.y"), 0, r.num("barcode.height"),
        r.num("barcode.max_w"), r.num("barcode.hrt_size"), r.num("barcode.hrt_leading")};
  if (bc.height < barcode::kStoreMinHeightMm)
    r.problem("barcode.height", nullptr, "must be at least 10 mm (GS1 Japan's guideline)", num_text(bc.height));
  l.ceiling = {r.num("ceiling_note.x"), r.num("ceiling_note.y"), r.num("ceiling_note.w"),
               r.num("ceiling_note.size"), r.num("ceiling_note.leading")};
  auto& el = l.el;
  el.mark = {r.num("el.mark.x"), r.num("el.mark.y"), r.num("el.mark.w"), r.num("el.mark.h")};
  el.mark_size = r.num("el.mark.size");
  el.number_x = r.num("el.number.x");
  el.number_y = r.num("el.number.y");
  el.number_size = r.num("el.number.size");
  el.qr = {r.num("el.qr.x"), r.num("el.qr.y"), r.num("el.qr.max"), r.num("el.qr.max")};
  el.qr_module = r.num("el.qr.module");
  l.qr = read_qr(r);

  if (l.slots.empty()) r.problem("slot", nullptr, "must place at least one slip on the sheet");
  const Box sheet{0, 0, l.page_w, l.page_h};
  for (std::size_t si = 0; si < l.slots.size(); ++si)
    for (std::size_t pi = 0; pi < l.parts.size(); ++pi) {
      const auto& p = l.parts[pi].box;
      if (!inside({l.slots[si].x + p.x, l.slots[si].y + p.y, p.w, p.h}, sheet))
        r.problem("part", nullptr, "part " + std::to_string(pi + 1) + " in slot " + std::to_string(si + 1) +
                                       " leaves the sheet");
    }
  auto count = [&](bool SlipPart::*flag) {
    return std::count_if(l.parts.begin(), l.parts.end(), [&](const SlipPart& p) { return p.*flag; });
  };
  if (count(&SlipPart::store_barcode) != 1) r.problem("part", nullptr, "exactly one part must have store_barcode = true");
  if (count(&SlipPart::el) > 1) r.problem("part", nullptr, "at most one part may have el = true");
  // The QR tells the inserter which envelope a sheet belongs to; on a part the bank or the city
  // keeps it would leave with that part. Sized here as version 3 with its quiet zone (37 modules).
  const Box qr{l.qr.x, l.qr.y, 37 * l.qr.module, 37 * l.qr.module};
  for (std::size_t si = 0; si < l.slots.size(); ++si)
    for (std::size_t pi = 0; pi < l.parts.size(); ++pi) {
      const auto& p = l.parts[pi];
      const Box on_sheet{l.slots[si].x + p.box.x, l.slots[si].y + p.box.y, p.box.w, p.box.h};
      if (!p.payer && overlaps(qr, on_sheet))
        r.problem("qr", nullptr, "the insertion QR overlaps part " + std::to_string(pi + 1) + " of slot " +
                                     std::to_string(si + 1) + ", which leaves the payer; put it on the part with "
                                     "payer = true or in the margin");
    }
}

// The GS1-128 module from the printer, and whether the symbol with its human-readable lines fits
// the part that carries it.
void fit_store_barcode(Reader r, SlipLayout& l, const tsuchi::Municipality& m) {
  auto& bc = l.barcode;
  const bool given = m.gs1_module_mm > 0;
  bc.module = given ? m.gs1_module_mm : barcode::store_module_mm(m.printer_dpi);
  const std::string why = given ? "[printer] gs1_module_mm = " + num_text(m.gs1_module_mm)
                                : "[printer] dpi = " + std::to_string(m.printer_dpi);
  const double w = barcode::store_width_mm(bc.module);
  if (w > bc.max_w + 1e-9 || w > barcode::kStoreMaxWidthMm + 1e-9)
    r.problem("barcode.max_w", nullptr,
              "the GS1-128 symbol at module " + std::to_string(bc.module).substr(0, 6) + " mm (" + why + ") is " + num_text(w) +
                  " mm wide with its quiet zones, over barcode.max_w or 60 mm",
              num_text(bc.max_w));
  for (const auto& p : l.parts)
    if (p.store_barcode) {
      const Box sym{bc.x, bc.y, w, bc.height + 2 * bc.hrt_leading};
      if (!inside(sym, {0, 0, p.box.w, p.box.h}))
        r.problem("barcode", nullptr, "the GS1-128 symbol and its digits (" + num_text(w) + " x " +
                                          num_text(sym.h) + " mm at x " + num_text(bc.x) + ", y " + num_text(bc.y) +
                                          ") leave the part that carries them (" + num_text(p.box.w) + " x " +
                                          num_text(p.box.h) + " mm)");
    }
}

}  // namespace

Checked<Forms> load_forms(const std::string& data_dir, const tsuchi::Municipality& m) {
  Checked<Forms> out;
  Forms& f = out.value;
  auto& ds = out.problems;
  const std::string templates = data_dir + "/templates/", layouts = data_dir + "/layouts/";
  if (auto t = parse(templates + "notice.toml", ds)) read_notice_text(Reader(*t, templates + "notice.toml", ds), f.notice_text);
  if (auto t = parse(templates + "slip.toml", ds)) read_slip_text(Reader(*t, templates + "slip.toml", ds), f.slip_text);
  if (auto t = parse(layouts + "notice.toml", ds)) read_notice_layout(Reader(*t, layouts + "notice.toml", ds), f.notice);
  const std::string slip_file = layouts + m.slip_layout + ".toml";
  f.slip.file = slip_file;
  if (auto t = parse(slip_file, ds)) {
    read_slip_layout(Reader(*t, slip_file, ds), f.slip);
    fit_store_barcode(Reader(*t, slip_file, ds), f.slip, m);
    // Optional per-cell size, read here so a missing one is no error.
    if (auto* cells = (*t)["cell"].as_array()) {
      std::size_t i = 0;
      for (const auto& e : *cells)
        if (i < f.slip.cell.size() && e.is_table()) f.slip.cell[i++].size = (*e.as_table())["size"].value_or(0.0);
    }
    // Optional picture of the eL mark, relative to the data folder.
    if (auto image = (*t)["el"]["image"].value<std::string>(); image && !image->empty()) {
      f.slip.el.image = std::filesystem::path(*image).is_absolute() ? *image : data_dir + "/" + *image;
      if (!std::filesystem::is_regular_file(f.slip.el.image))
        ds.push_back({Diagnostic::Severity::error, slip_file, static_cast<int>((*t)["el"]["image"].node()->source().begin.line),
                      0, "el.image", *image, "the eL mark image does not exist"});
    }
  }
  if (!f.slip.parts.empty() && !f.slip_text.parts.empty() && f.slip.parts.size() != f.slip_text.parts.size())
    ds.push_back({Diagnostic::Severity::error, slip_file, 0, 0, "part",
                  std::to_string(f.slip.parts.size()),
                  "must have as many [[part]] tables as templates/slip.toml (" +
                      std::to_string(f.slip_text.parts.size()) + ")"});
  return out;
}

Checked<Forms> load_forms(const std::string& data_dir) { return load_forms(data_dir, tsuchi::Municipality{}); }

std::string digit_groups(std::string_view digits, const std::vector<int>& sizes, std::string_view sep) {
  if (sizes.empty()) return std::string(digits);
  std::string out;
  std::size_t at = 0, i = 0;
  while (at < digits.size()) {
    const std::size_t n = static_cast<std::size_t>(sizes[std::min(i++, sizes.size() - 1)]);
    if (!out.empty()) out += sep;
    out.append(digits.substr(at, n));
    at += n;
  }
  return out;
}

std::string slip_subject(const SlipText& t, const decide::Slip& s, const tsuchi::Municipality& m) {
  const Vars v = {{"subject", m.subject_name}};
  if (s.side_dish > 0 && s.user_charge > 0) return fill(t.subject_both, v);
  if (s.side_dish > 0) return fill(t.subject_side_dish, v);
  return fill(t.subject_user_charge, v);
}

}  // namespace tsuchi::typeset::forms
