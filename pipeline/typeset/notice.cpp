// The decision / change notice (利用者負担額決定通知書・変更通知書): recipient block in the envelope
// window, header, issuer with seal, table, 教示 and contact block, flowing onto continuation pages.
#include <algorithm>
#include <cstdio>

#include "typeset/forms.hpp"

namespace tsuchi::typeset::forms {
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

// Japan Post customer barcode centred in the window; returns its height (its 2 mm blank included).
double customer_barcode(Canvas& c, const NoticeLayout& l, const compose::Recipient& to, double y) {
  std::string address = to.address;
  if (!to.building.empty()) address += "\u3000" + to.building;  // the room number is part of the data
  auto cc = barcode::customer_code(to.postal_code, address);
  if (!cc) return 0;
  barcode::Symbol s = barcode::draw_customer_barcode(*cc);
  double x = l.window.x + (l.window.w - s.width_mm) / 2;
  Box region = symbol(c, s, x, y);
  c.code(CodeKind::customer_japan_post, cc->data + "/" + cc->check_digit, region, barcode::customer_bar_states(*cc));
  return s.height_mm;
}

}  // namespace

void recipient_block(Canvas& c, const Forms& f, const compose::Recipient& to, const std::string& window_label,
                     bool with_barcode) {
  const auto& r = f.notice.recipient;
  const auto& t = f.notice_text;
  double y = r.y + mm(r.postal_size) * 0.88;  // baseline of the first line: its em box starts at r.y
  c.text("〒" + postal_with_hyphen(to.postal_code), Role::mincho, r.postal_size, r.x, y);
  c.text(window_label, Role::gothic, r.envelope_id_size, r.x + r.w, y, {.align = Align::right, .origin = TextOrigin::code});
  y += mm(r.postal_size) * 0.12 + (r.address_leading - mm(r.address_size));
  y += c.paragraph(to.address, Role::mincho, r.address_size, r.x, y, r.w, r.address_leading);
  if (!to.building.empty()) y += c.paragraph(to.building, Role::mincho, r.address_size, r.x, y, r.w, r.address_leading);
  if (with_barcode) y += customer_barcode(c, f.notice, to, y + r.barcode_gap) + r.barcode_gap;
  y += r.name_gap;
  c.paragraph(to.name + "\u3000" + t.honorific, Role::mincho, r.name_size, r.x + mm(r.name_size) * 0.5, y,
              r.w - mm(r.name_size) * 0.5, mm(r.name_size) * 1.25);
}

namespace {

class NoticeBuilder {
 public:
  NoticeBuilder(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m, const NoticeInput& in)
      : f_(f), t_(f.notice_text), l_(f.notice), te_(te), m_(m), in_(in), c_(in.decision.c) {}

  std::vector<Page> build() {
    open_page();
    recipient();
    header();
    y_ = l_.body.top;
    salutation();
    table();
    appeal();
    contact();
    return std::move(pages_);
  }

 private:
  Canvas canvas() { return Canvas(pages_.back(), te_); }
  std::string title() const {
    return c_.notice_kind == ingest::NoticeKind::change ? t_.title_change : t_.title_decision;
  }

  void open_page() {
    Page p;
    p.kind = PageKind::notice;
    p.width = pt(l_.page_w);
    p.height = pt(l_.page_h);
    pages_.push_back(std::move(p));
    auto c = canvas();
    for (double y : l_.fold.y) c.fill({l_.fold.x, y - 0.1, l_.fold.length, 0.2}, 0.4);
  }

  // Opens a continuation page when `h` mm does not fit above the body's bottom; true if it did.
  bool ensure(double h) {
    if (y_ + h <= l_.body.bottom) return false;
    continuation();
    return true;
  }

  void continuation() {
    open_page();
    canvas().text(fill(t_.title_continued, {{"title", title()}, {"child_name", c_.child_name}}), Role::gothic, l_.body.size, l_.body.x,
                  l_.body.continued_title_y);
    y_ = l_.body.continued_top;
  }

  void recipient() {
    auto c = canvas();
    recipient_block(c, f_, in_.to, fill(t_.envelope, {{"envelope_id", in_.envelope_id}}), in_.customer_barcode);
  }

  void header() {
    auto c = canvas();
    char ymd[16];
    std::snprintf(ymd, sizeof ymd, "%04d%02d%02d", c_.decision_date.year, c_.decision_date.month,
                  c_.decision_date.day);
    c.text(fill(t_.number, {{"case_id", c_.case_id}, {"decision_ymd", ymd}}), Role::mincho, l_.number.size,
           l_.number.x, l_.number.y, {.align = Align::right, .origin = TextOrigin::code});
    c.text(fill(t_.date, {{"decision_date", wareki(c_.decision_date)}}), Role::mincho, l_.date.size, l_.date.x,
           l_.date.y, {.align = Align::right});
    std::string issuer = trim(fill(t_.issuer, {{"mayor_title", m_.mayor_title},
                                               {"mayor_name", m_.mayor_name},
                                               {"city_name", m_.city_name}}));
    const auto& is = l_.issuer;
    c.text(issuer, Role::mincho, is.size, is.x, is.y, {.align = Align::right});
    if (!m_.seal_image.empty()) {
      // Stamped half over the name's last character, as on paper.
      double cx = is.x - mm(is.size) / 2 + is.seal_size / 2, cy = is.y - mm(is.size) * 0.38;
      c.image(m_.seal_image, {cx - is.seal_size / 2, cy - is.seal_size / 2, is.seal_size, is.seal_size});
    }
    c.text(title(), Role::gothic, l_.title.size, l_.title.x, l_.title.y, {.align = Align::center});
  }

  void salutation() {
    const auto& b = l_.body;
    std::string s = fill(c_.notice_kind == ingest::NoticeKind::change ? t_.salutation_change : t_.salutation_decision,
                         {{"fiscal_year", wareki_fiscal_year(fiscal_year(c_.period_start))},
                          {"city_name", m_.city_name},
                          {"child_name", c_.child_name}});
    y_ += canvas().paragraph(s, Role::mincho, b.size, b.x, y_, b.w, b.leading, Align::justify);
    if (!t_.ki.empty()) {
      y_ += b.gap;
      canvas().text(t_.ki, Role::mincho, b.size, b.x + b.w / 2, y_ + mm(b.size) * 0.88, {.align = Align::center});
      y_ += mm(b.size);
    }
    y_ += b.gap;
  }

  std::string value_of(const std::string& field) const {
    if (field == "child_name") return c_.child_name;
    if (field == "birth_date") return wareki(c_.child_birth_date);
    if (field == "facility") return c_.facility_name;
    if (field == "certification") {
      int i = c_.certification_type - 1;
      return i >= 0 && i < static_cast<int>(t_.certification.size()) ? t_.certification[i]
                                                                      : std::to_string(c_.certification_type);
    }
    if (field == "care_need") {
      switch (c_.care_need) {
        case ingest::CareNeed::standard: return t_.care_standard;
        case ingest::CareNeed::short_time: return t_.care_short;
        case ingest::CareNeed::none: return t_.care_none;
      }
    }
    if (field == "bracket") {
      std::string label = in_.decision.months.empty() ? "" : in_.decision.months.front().bracket_label;
      return label.empty() ? c_.bracket : fill(t_.bracket, {{"code", c_.bracket}, {"label", label}});
    }
    if (field == "payment_method") return c_.cash_payment ? t_.pay_slip : t_.pay_transfer;
    if (field == "change_reason") return c_.notice_kind == ingest::NoticeKind::change ? c_.reason : "";
    return "";
  }

  void table() {
    for (const auto& field : l_.table.rows) {
      if (field == "periods") {
        periods();
        continue;
      }
      std::string v = value_of(field);
      if (v.empty()) continue;
      auto it = t_.labels.find(field);
      row(it == t_.labels.end() ? field : it->second, v);
    }
  }

  // One label | value row; a value too long for one line wraps and the row grows.
  void row(const std::string& label, const std::string& value) {
    const auto& b = l_.body;
    const auto& t = l_.table;
    double vx = b.x + t.label_w + t.pad, vw = b.w - t.label_w - 2 * t.pad;
    double leading = mm(b.size) * 1.45;
    TextBlock block;
    double h = t.row_h;
    bool wraps = te_.width(value, Role::mincho, b.size) > pt(vw);
    if (wraps) {
      block = te_.paragraph(value, Role::mincho, b.size, pt(vx), 0, pt(vw), pt(leading), Align::justify);
      h = std::max(h, mm(block.height) + t.row_h - leading);
    }
    ensure(h);
    auto c = canvas();
    c.fill({b.x, y_, t.label_w, h}, t.label_gray);
    c.stroke({b.x, y_, t.label_w, h}, t.rule);
    c.stroke({b.x + t.label_w, y_, b.w - t.label_w, h}, t.rule);
    c.text(label, Role::gothic, t.label_size, b.x + t.label_w / 2, centred_baseline(y_, h, t.label_size),
           {.align = Align::center});
    if (wraps) {
      shift(block.runs, pt(y_ + (h - mm(block.height)) / 2));
      for (auto& r : block.runs) pages_.back().runs.push_back(std::move(r));
    } else {
      c.text(value, Role::mincho, b.size, vx, centred_baseline(y_, h, b.size));
    }
    y_ += h;
  }

  void period_head() {
    const auto& b = l_.body;
    const auto& p = l_.periods;
    auto c = canvas();
    double x = b.x;
    const char* keys[] = {"period", "user_charge", "side_dish"};
    for (int i = 0; i < 3; ++i) {
      Box cell{x, y_, p.cols[i], p.head_h};
      c.fill(cell, l_.table.label_gray);
      c.stroke(cell, l_.table.rule);
      c.text(t_.labels.at(keys[i]), Role::gothic, p.head_size, x + p.cols[i] / 2,
             centred_baseline(y_, p.head_h, p.head_size), {.align = Align::center});
      x += p.cols[i];
    }
    y_ += p.head_h;
  }

  void periods() {
    const auto& p = l_.periods;
    if (p.cols.size() != 3) return;
    ensure(p.head_h + p.row_h);
    period_head();
    for (const auto& fp : in_.decision.periods) {
      if (ensure(p.row_h)) period_head();
      std::string when = fp.from == fp.to
                             ? fill(t_.period_single, {{"from", wareki_month(fp.from)}})
                             : fill(t_.period, {{"from", wareki_month(fp.from)}, {"to", wareki_month(fp.to)}});
      const auto& b = l_.body;
      const auto& t = l_.table;
      auto c = canvas();
      const double x0 = b.x, x1 = x0 + p.cols[0], x2 = x1 + p.cols[1], x3 = x2 + p.cols[2];
      const double base = centred_baseline(y_, p.row_h, b.size);
      c.stroke({x0, y_, p.cols[0], p.row_h}, t.rule);
      c.stroke({x1, y_, p.cols[1], p.row_h}, t.rule);
      c.stroke({x2, y_, p.cols[2], p.row_h}, t.rule);
      c.text(when, Role::mincho, b.size, x0 + t.pad, base);
      c.text(yen(fp.user_charge), Role::mincho, b.size, x2 - t.pad, base, {.align = Align::right});
      c.text(yen(fp.side_dish), Role::mincho, b.size, x3 - t.pad, base, {.align = Align::right});
      y_ += p.row_h;
    }
  }

  void appeal() {
    const auto& a = l_.appeal;
    const auto& b = l_.body;
    auto paras = paragraphs(m_.appeal_text);
    if (paras.empty()) return;
    bool first = true;
    for (const auto& p : paras) {
      auto [label, rest] = hanging_label(p);
      double indent = label.empty() ? 0 : mm(te_.width(label, Role::mincho, a.size));
      TextBlock block = te_.paragraph(rest, Role::mincho, a.size, pt(b.x + indent), 0, pt(b.w - indent),
                                      pt(a.leading), Align::justify);
      double head = first ? a.gap + a.leading + a.paragraph_gap : a.paragraph_gap;
      bool broke = ensure(head + mm(block.height));
      if (first) {
        y_ += broke ? 0 : a.gap;
        canvas().text(t_.appeal_heading, Role::gothic, a.heading_size, b.x, y_ + mm(a.heading_size) * 0.88);
        y_ += a.leading;
        first = false;
      }
      y_ += a.paragraph_gap;
      auto c = canvas();
      if (!label.empty()) c.text(label, Role::mincho, a.size, b.x, y_ + mm(a.size));
      shift(block.runs, pt(y_));
      for (auto& r : block.runs) pages_.back().runs.push_back(std::move(r));
      y_ += mm(block.height);
    }
  }

  void contact() {
    const auto& k = l_.contact;
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
    const double h = 2 * k.pad + (lines.size() + 1) * k.leading, top = k.bottom - h;
    if (y_ + l_.body.gap > top) continuation();
    auto c = canvas();
    c.stroke({k.x, top, k.w, h}, l_.table.rule);
    double y = top + k.pad + mm(k.size) * 0.88 + (k.leading - mm(k.size)) / 2;
    c.text(t_.contact_heading, Role::gothic, k.size, k.x + k.pad, y);
    for (const auto& line : lines) {
      y += k.leading;
      c.text(line, Role::mincho, k.size, k.x + k.pad + mm(k.size), y);
    }
    y_ = top + h;
  }

  const Forms& f_;
  const NoticeText& t_;
  const NoticeLayout& l_;
  const TextEngine& te_;
  const tsuchi::Municipality& m_;
  const NoticeInput& in_;
  const ingest::Case& c_;
  std::vector<Page> pages_;
  double y_ = 0;  // flow cursor, mm from the top of the current page
};

}  // namespace

std::vector<Page> notice_pages(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m,
                               const NoticeInput& in) {
  return NoticeBuilder(f, te, m, in).build();
}

}  // namespace tsuchi::typeset::forms
