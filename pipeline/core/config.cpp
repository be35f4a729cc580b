// fees.toml and municipality.toml (SPEC §3): toml++ parses, this file checks every key and type.
#include "core/config.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include "core/toml.hpp"
#include "core/utf8.hpp"

namespace tsuchi {
namespace {

// Reads keys of one TOML document, turning each wrong or missing key into a Diagnostic that carries
// the source line/column and the key path.
class TomlChecker {
 public:
  TomlChecker(const std::string& file, Diagnostics& out) : file_(file), out_(out) {}

  void error(const toml::source_region& at, const std::string& path, std::string value, std::string reason) {
    out_.push_back(Diagnostic{Diagnostic::Severity::error, file_, static_cast<int>(at.begin.line),
                              static_cast<int>(at.begin.column), path, std::move(value), std::move(reason)});
  }
  // A missing key is located at its table (the [header] line); keys of the root have no line.
  void missing(const toml::table& parent, bool root, const std::string& path, const std::string& what) {
    toml::source_region at = root ? toml::source_region{} : parent.source();
    error(at, path, "", "is required: " + what);
  }

  static std::string text_of(const toml::node& n) {
    if (auto s = n.as_string()) return s->get();
    std::ostringstream os;
    n.visit([&](const auto& v) { os << v; });
    std::string t = os.str();
    return t.size() > 60 ? t.substr(0, 60) + "…" : t;
  }

  static std::string join(const std::string& base, std::string_view key) {
    return base.empty() ? std::string(key) : base + "." + std::string(key);
  }

  // --- typed getters: nullopt when absent (reported if required) or of the wrong type (always reported)

  std::optional<std::string> string(const toml::table& t, std::string_view key, const std::string& base, bool root,
                                    bool required, const std::string& what = "a string") {
    const std::string path = join(base, key);
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) missing(t, root, path, what);
      return std::nullopt;
    }
    if (auto s = n->as_string()) return s->get();
    error(n->source(), path, text_of(*n), "must be " + what + " in quotes");
    return std::nullopt;
  }
  std::optional<std::string> required_text(const toml::table& t, std::string_view key, const std::string& base,
                                           bool root, const std::string& what) {
    auto s = string(t, key, base, root, true, what);
    if (s && s->find_first_not_of(" \t\r\n") == std::string::npos) {
      error(t.get(key)->source(), join(base, key), "", "must not be empty: " + what);
      return std::nullopt;
    }
    return s;
  }

  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key, const std::string& base, bool root,
                                      bool required, std::int64_t min, std::int64_t max, const std::string& what) {
    const std::string path = join(base, key);
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) missing(t, root, path, what);
      return std::nullopt;
    }
    return integer_node(*n, path, min, max, what);
  }
  std::optional<std::int64_t> integer_node(const toml::node& n, const std::string& path, std::int64_t min,
                                           std::int64_t max, const std::string& what) {
    const auto* i = n.as_integer();
    if (!i) {
      error(n.source(), path, text_of(n), "must be " + what + " (a whole number, without quotes)");
      return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
      error(n.source(), path, text_of(n), "must be " + what);
      return std::nullopt;
    }
    return i->get();
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key, const std::string& base) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (auto b = n->as_boolean()) return b->get();
    error(n->source(), join(base, key), text_of(*n), "must be true or false");
    return std::nullopt;
  }

  // A sub-table such as [contact]; nullptr when absent (reported if required) or not a table.
  const toml::table* table(const toml::table& t, std::string_view key, bool required) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) error({}, std::string(key), "", "is required: a [" + std::string(key) + "] table");
      return nullptr;
    }
    if (auto tb = n->as_table()) return tb;
    error(n->source(), std::string(key), text_of(*n), "must be a table, [" + std::string(key) + "]");
    return nullptr;
  }

  const toml::array* array(const toml::table& t, std::string_view key, const std::string& base, const std::string& what) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (auto a = n->as_array()) return a;
    error(n->source(), join(base, key), text_of(*n), "must be " + what);
    return nullptr;
  }

 private:
  const std::string& file_;
  Diagnostics& out_;
};

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string grams_text(double g) {
  std::ostringstream o;
  o << g;
  return o.str();
}

std::string indexed(const std::string& base, std::size_t i) { return base + "[" + std::to_string(i + 1) + "]"; }

// ---------------------------------------------------------------------------------------------
// fees.toml

std::optional<Bracket> read_bracket(TomlChecker& chk, const toml::table& t, const std::string& base) {
  Bracket b;
  bool ok = true;
  auto code = chk.required_text(t, "code", base, false, "the 階層区分 code, like \"D4\"");
  auto label = chk.required_text(t, "label", base, false, "the bracket's description");
  const std::string yen = "a whole number of yen, 0 or more";
  auto standard = chk.integer(t, "standard", base, false, true, 0, INT64_MAX / 4, yen);
  auto short_time = chk.integer(t, "short", base, false, true, 0, INT64_MAX / 4, yen);
  if (code) b.code = *code; else ok = false;
  if (label) b.label = *label; else ok = false;
  if (standard) b.standard = *standard; else ok = false;
  if (short_time) b.short_time = *short_time; else ok = false;
  if (auto e = chk.boolean(t, "side_dish_exempt", base)) b.side_dish_exempt = *e;
  return ok ? std::optional<Bracket>(b) : std::nullopt;
}

std::optional<Schedule> read_schedule(TomlChecker& chk, const toml::table& t, const std::string& base) {
  Schedule s;
  s.line = static_cast<int>(t.source().begin.line);
  bool ok = true;
  if (auto from = chk.string(t, "effective_from", base, false, true, "the first month, like \"2025-04\"")) {
    if (auto ym = parse_year_month(*from)) s.effective_from = *ym;
    else {
      chk.error(t.get("effective_from")->source(), base + ".effective_from", *from,
                "must be a month written YYYY-MM, like \"2025-04\"");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto r = chk.integer(t, "rounding", base, false, true, 1, 1'000'000, "a whole number of yen, 1 or more"))
    s.rounding = *r;
  else
    ok = false;
  if (auto d = chk.integer(t, "side_dish_monthly", base, false, true, 0, INT64_MAX / 4, "a whole number of yen, 0 or more"))
    s.side_dish_monthly = *d;
  else
    ok = false;

  const std::string factor_path = base + ".child_order_factor";
  const std::string factor_what = "a list of numbers from 0 to 1, like [1.0, 0.5, 0.0]";
  if (!t.get("child_order_factor")) {
    chk.missing(t, false, factor_path, factor_what);
    ok = false;
  } else if (auto a = chk.array(t, "child_order_factor", base, factor_what)) {
    s.child_order_factor.clear();
    if (a->empty()) {
      chk.error(a->source(), factor_path, "[]", "must not be empty: " + factor_what);
      ok = false;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& n = *a->get(i);
      std::optional<double> v;
      if (auto f = n.as_floating_point()) v = f->get();
      else if (auto k = n.as_integer()) v = static_cast<double>(k->get());
      if (!v || !(*v >= 0.0 && *v <= 1.0)) {
        chk.error(n.source(), indexed(factor_path, i), TomlChecker::text_of(n), "must be a number from 0 to 1");
        ok = false;
      } else {
        s.child_order_factor.push_back(*v);
      }
    }
  } else {
    ok = false;
  }

  const std::string bracket_path = base + ".bracket";
  const toml::node* bn = t.get("bracket");
  if (!bn) {
    chk.missing(t, false, bracket_path, "at least one [[schedule.bracket]]");
    ok = false;
  } else if (!bn->is_array_of_tables() || bn->as_array()->empty()) {
    chk.error(bn->source(), bracket_path, TomlChecker::text_of(*bn), "must be one or more [[schedule.bracket]] tables");
    ok = false;
  } else {
    std::vector<std::pair<std::string, int>> seen;  // code, line
    const toml::array& brackets = *bn->as_array();
    for (std::size_t i = 0; i < brackets.size(); ++i) {
      const toml::table& bt = *brackets.get(i)->as_table();
      const std::string path = indexed(bracket_path, i);
      auto b = read_bracket(chk, bt, path);
      if (!b) {
        ok = false;
        continue;
      }
      auto dup = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == b->code; });
      if (dup != seen.end()) {
        chk.error(bt.get("code")->source(), path + ".code", b->code,
                  "duplicates the bracket code on line " + std::to_string(dup->second) + " in the same schedule");
        ok = false;
        continue;
      }
      seen.emplace_back(b->code, static_cast<int>(bt.get("code")->source().begin.line));
      s.brackets.push_back(std::move(*b));
    }
  }
  return ok ? std::optional<Schedule>(std::move(s)) : std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// municipality.toml

std::string resolve(const std::filesystem::path& folder, const std::string& p) {
  std::filesystem::path path(p);
  return (path.is_absolute() ? path : folder / path).lexically_normal().string();
}

std::string trim_blank_lines(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const Bracket* Schedule::find(const std::string& code) const {
  for (const auto& b : brackets)
    if (b.code == code) return &b;
  return nullptr;
}

const Schedule* FeeSchedules::in_force(const YearMonth& month) const {
  auto after = std::upper_bound(schedules.begin(), schedules.end(), month,
                                [](const YearMonth& m, const Schedule& s) { return m < s.effective_from; });
  return after == schedules.begin() ? nullptr : &*std::prev(after);
}

Checked<FeeSchedules> parse_fees(std::string_view text, const std::string& path) {
  Checked<FeeSchedules> r;
  auto doc = tomlfile::parse(text, path, r.problems);
  if (!doc) return r;
  TomlChecker chk(path, r.problems);
  const toml::node* sn = doc->get("schedule");
  if (!sn) {
    chk.error({}, "schedule", "", "is required: at least one [[schedule]] table");
    return r;
  }
  if (!sn->is_array_of_tables() || sn->as_array()->empty()) {
    chk.error(sn->source(), "schedule", TomlChecker::text_of(*sn), "must be one or more [[schedule]] tables");
    return r;
  }
  const toml::array& list = *sn->as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const toml::table& t = *list.get(i)->as_table();
    auto s = read_schedule(chk, t, indexed("schedule", i));
    if (!s) continue;
    auto dup = std::find_if(r.value.schedules.begin(), r.value.schedules.end(),
                            [&](const Schedule& o) { return o.effective_from == s->effective_from; });
    if (dup != r.value.schedules.end()) {
      chk.error(t.get("effective_from")->source(), indexed("schedule", i) + ".effective_from", s->effective_from.iso(),
                "duplicates the schedule on line " + std::to_string(dup->line) + "; one schedule per first month");
      continue;
    }
    r.value.schedules.push_back(std::move(*s));
  }
  std::sort(r.value.schedules.begin(), r.value.schedules.end(),
            [](const Schedule& a, const Schedule& b) { return a.effective_from < b.effective_from; });
  return r;
}

Checked<FeeSchedules> load_fees(const std::string& path) {
  Checked<FeeSchedules> r;
  if (auto text = tomlfile::read(path, r.problems)) return parse_fees(*text, path);
  return r;
}

Checked<Municipality> parse_municipality(std::string_view text, const std::string& path) {
  Checked<Municipality> r;
  Municipality& m = r.value;
  m.file = path;
  auto doc = tomlfile::parse(text, path, r.problems);
  if (!doc) return r;
  TomlChecker chk(path, r.problems);
  const toml::table& root = *doc;
  const auto folder = std::filesystem::absolute(std::filesystem::path(path)).parent_path();

  if (auto s = chk.required_text(root, "city_name", "", true, "the city's name, like \"熊谷市\"")) m.city_name = *s;
  if (auto s = chk.required_text(root, "mayor_title", "", true, "the issuer's title, like \"熊谷市長\"")) m.mayor_title = *s;
  if (auto s = chk.string(root, "mayor_name", "", true, false)) m.mayor_name = *s;
  if (auto s = chk.string(root, "seal_image", "", true, false, "a path to a PNG")) m.seal_image = resolve(folder, *s);
  if (auto s = chk.required_text(root, "appeal_text", "", true, "the appeal instructions (教示)"))
    m.appeal_text = trim_blank_lines(*s);
  if (auto s = chk.string(root, "subject_name", "", true, false)) {
    if (s->empty()) chk.error(root.get("subject_name")->source(), "subject_name", "", "must not be empty");
    else m.subject_name = *s;
  }
  if (auto s = chk.string(root, "subject_code", "", true, false, "2 digits, like \"01\"")) {
    if (s->size() == 2 && all_digits(*s)) m.subject_code = *s;
    else chk.error(root.get("subject_code")->source(), "subject_code", *s, "must be 2 digits, like \"01\"");
  }

  if (const toml::table* t = chk.table(root, "contact", true)) {
    if (auto s = chk.required_text(*t, "department", "contact", false, "the office's name (担当課)")) m.contact.department = *s;
    if (auto s = chk.required_text(*t, "phone", "contact", false, "the office's phone number")) m.contact.phone = *s;
    if (auto s = chk.string(*t, "section", "contact", false, false)) m.contact.section = *s;
    if (auto s = chk.string(*t, "address", "contact", false, false)) m.contact.address = *s;
    if (auto s = chk.string(*t, "extension", "contact", false, false)) m.contact.extension = *s;
    if (auto s = chk.string(*t, "hours", "contact", false, false)) m.contact.hours = *s;
  }

  if (const toml::table* t = chk.table(root, "collection", true)) {
    const std::string code_what = "6 digits, like \"912345\" (the GS1 company prefix without its leading 4)";
    if (auto s = chk.string(*t, "gs1_issuer_code", "collection", false, true, code_what)) {
      if (s->size() == 6 && all_digits(*s) && ((*s)[0] == '9' || (*s)[0] == '5')) m.gs1_issuer_code = *s;
      else if (s->size() == 6 && all_digits(*s))
        chk.error(t->get("gs1_issuer_code")->source(), "collection.gs1_issuer_code", *s,
                  "must start with 9 or 5: a Japanese GS1 company prefix (49… or 45…) without its leading 4");
      else
        chk.error(t->get("gs1_issuer_code")->source(), "collection.gs1_issuer_code", *s, "must be " + code_what);
    }
    if (auto s = chk.string(*t, "gs1_free_prefix", "collection", false, false, "digits")) {
      if (all_digits(*s)) m.gs1_free_prefix = *s;
      else chk.error(t->get("gs1_free_prefix")->source(), "collection.gs1_free_prefix", *s, "must be digits only (or empty)");
    }
    // The barcode's amount field holds 6 digits, so no ceiling can exceed 999,999 yen.
    if (auto v = chk.integer(*t, "store_ceiling", "collection", false, false, 1, 999'999,
                             "a whole number of yen from 1 to 999999 (the barcode's amount has 6 digits)"))
      m.store_ceiling = *v;
    if (auto v = chk.integer(*t, "store_deadline_days", "collection", false, false, 0, 365, "a number of days from 0 to 365"))
      m.store_deadline_days = static_cast<int>(*v);
    if (auto v = chk.integer(*t, "due_month_offset", "collection", false, false, 0, 12, "a number of months from 0 to 12"))
      m.due_month_offset = static_cast<int>(*v);
    if (auto v = chk.integer(*t, "transfer_day", "collection", false, false, 0, 31,
                             "a day of the month from 1 to 31, or 0 for the due date"))
      m.transfer_day = static_cast<int>(*v);
  }

  if (const toml::table* t = chk.table(root, "validation", false)) {
    if (auto b = chk.boolean(*t, "allow_plain_ivs", "validation")) m.allow_plain_ivs = *b;
    for (auto [key, out] : {std::pair{"certification_age", &m.certification_age},
                            std::pair{"side_dish_bracket", &m.side_dish_bracket}}) {
      if (auto s = chk.string(*t, key, "validation", false, false, "\"error\" or \"warning\"")) {
        if (*s == "error") *out = RuleLevel::error;
        else if (*s == "warning") *out = RuleLevel::warning;
        else chk.error(t->get(key)->source(), std::string("validation.") + key, *s, "must be \"error\" or \"warning\"");
      }
    }
  }

  if (const toml::table* t = chk.table(root, "mailing", false)) {
    auto& ml = m.mailing;
    const struct { const char* key; double* out; double min, max; } grams[] = {
        {"paper_grams", &ml.paper_g, 0.5, 50}, {"envelope_grams", &ml.envelope_g, 0, 50}, {"max_grams", &ml.max_g, 1, 1000}};
    for (const auto& g : grams) {
      const toml::node* n = t->get(g.key);
      if (!n) continue;
      std::optional<double> v;
      if (auto f = n->as_floating_point()) v = f->get();
      else if (auto i = n->as_integer()) v = static_cast<double>(i->get());
      if (v && *v >= g.min && *v <= g.max) *g.out = *v;
      else chk.error(n->source(), std::string("mailing.") + g.key, TomlChecker::text_of(*n),
                     "must be a weight in grams from " + grams_text(g.min) + " to " + grams_text(g.max));
    }
    if (auto v = chk.integer(*t, "max_sheets", "mailing", false, false, 1, 100, "a number of sheets from 1 to 100"))
      ml.max_sheets = static_cast<int>(*v);
    if (auto s = chk.string(*t, "oversize", "mailing", false, false, "\"split\", \"by_month\" or \"refuse\"")) {
      if (*s == "split") ml.oversize = Mailing::Oversize::split;
      else if (*s == "by_month") ml.oversize = Mailing::Oversize::by_month;
      else if (*s == "refuse") ml.oversize = Mailing::Oversize::refuse;
      else chk.error(t->get("oversize")->source(), "mailing.oversize", *s, "must be \"split\", \"by_month\" or \"refuse\"");
    }
    if (ml.grams(1) > ml.max_g)
      chk.error(t->source(), "mailing", "", "an envelope with one sheet already exceeds max_grams");
  }

  if (const toml::table* t = chk.table(root, "printer", false)) {
    if (auto v = chk.integer(*t, "dpi", "printer", false, false, 200, 2400, "the printer's resolution, 200 to 2400 dpi"))
      m.printer_dpi = static_cast<int>(*v);
    if (const toml::node* n = t->get("gs1_module_mm")) {
      std::optional<double> v;
      if (auto f = n->as_floating_point()) v = f->get();
      if (v && *v >= 0.15 && *v <= 0.5) m.gs1_module_mm = *v;
      else chk.error(n->source(), "printer.gs1_module_mm", TomlChecker::text_of(*n),
                     "must be a module width in millimetres from 0.15 to 0.5, like 0.169");
    }
  }

  if (const toml::table* t = chk.table(root, "slip", false)) {
    if (auto s = chk.string(*t, "layout", "slip", false, false, "a layout name, like \"slip-compact\"")) {
      const bool plain = !s->empty() && std::all_of(s->begin(), s->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
      if (plain) m.slip_layout = *s;
      else chk.error(t->get("layout")->source(), "slip.layout", *s,
                     "must name a file of layouts/ without .toml (letters, digits, - and _), like \"slip-compact\"");
    }
  }

  if (auto s = chk.string(root, "gaiji_map", "", true, false, "a path to a CSV"))
    m.gaiji_map = s->empty() ? "" : resolve(folder, *s);
  // The map decides which character a name prints: it is pinned through this (ledger-pinned) file.
  if (auto s = chk.string(root, "gaiji_map_sha256", "", true, false, "the map's SHA-256, 64 hex digits")) {
    const bool hex = s->size() == 64 && std::all_of(s->begin(), s->end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (hex) m.gaiji_map_sha256 = *s;
    else chk.error(root.get("gaiji_map_sha256")->source(), "gaiji_map_sha256", *s, "must be 64 lower-case hex digits");
  }
  if (!m.gaiji_map.empty() && m.gaiji_map_sha256.empty())
    chk.error(root.get("gaiji_map")->source(), "gaiji_map_sha256", "",
              "is required with gaiji_map: the map's SHA-256 (sha256sum), so the map changes only with this file");

  if (const toml::table* t = chk.table(root, "csv", false)) {
    if (auto s = chk.string(*t, "encoding", "csv", false, false, "\"utf-8-bom\" or \"cp932\"")) {
      if (*s == "utf-8-bom") m.csv.charset = csv::Charset::utf8_bom;
      else if (*s == "cp932") m.csv.charset = csv::Charset::cp932;
      else chk.error(t->get("encoding")->source(), "csv.encoding", *s,
                     "must be \"utf-8-bom\" (UTF-8 with a byte order mark, as Excel saves it) or \"cp932\" (Shift_JIS)");
    }
    if (auto b = chk.boolean(*t, "excel_text", "csv")) m.csv.excel_text = *b;
  }

  if (const toml::table* t = chk.table(root, "batch", false)) {
    if (auto v = chk.integer(*t, "size", "batch", false, false, 1, 1'000'000, "a number of envelopes, 1 or more"))
      m.batch_size = static_cast<int>(*v);
    if (auto v = chk.integer(*t, "certificate_due_days", "batch", false, false, 1, 3650, "a number of days, 1 or more"))
      m.certificate_due_days = static_cast<int>(*v);
  }

  if (const toml::table* t = chk.table(root, "office_hours", false)) {
    m.office_hours.configured = true;
    const std::string what = "a time written HH:MM, like \"08:30\"";
    std::optional<int> start, end;
    for (auto [key, out] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
      if (auto s = chk.string(*t, key, "office_hours", false, false, what)) {
        *out = parse_hh_mm(*s);
        if (!*out) chk.error(t->get(key)->source(), std::string("office_hours.") + key, *s, "must be " + what);
      }
    }
    if (start) m.office_hours.start_minute = *start;
    if (end) m.office_hours.end_minute = *end;
    if ((start || end) && m.office_hours.end_minute <= m.office_hours.start_minute)
      chk.error(t->get(end ? "end" : "start")->source(), end ? "office_hours.end" : "office_hours.start",
                TomlChecker::text_of(*t->get(end ? "end" : "start")), "office hours must end after they start");
    if (auto s = chk.string(*t, "utc_offset", "office_hours", false, false, "an offset from UTC, like \"+09:00\"")) {
      if (auto v = parse_utc_offset(*s)) m.office_hours.utc_offset_minutes = *v;
      else chk.error(t->get("utc_offset")->source(), "office_hours.utc_offset", *s, "must be an offset from UTC, like \"+09:00\"");
    }
    if (auto a = chk.array(*t, "weekdays", "office_hours", "a list of weekday numbers, 0 = Sunday … 6 = Saturday")) {
      m.office_hours.weekdays.clear();
      for (std::size_t i = 0; i < a->size(); ++i)
        if (auto v = chk.integer_node(*a->get(i), indexed("office_hours.weekdays", i), 0, 6,
                                      "a weekday number from 0 (Sunday) to 6 (Saturday)"))
          m.office_hours.weekdays.push_back(static_cast<int>(*v));
    }
  }

  if (const toml::table* t = chk.table(root, "keys", false)) {
    const struct { const char* key; std::string Municipality::*field; } keys[] = {
        {"signing_key", &Municipality::signing_key},
        {"signing_public_key", &Municipality::signing_public_key},
        {"contractor_public_key", &Municipality::contractor_public_key}};
    for (const auto& k : keys)
      if (auto s = chk.string(*t, k.key, "keys", false, false, "a path")) m.*k.field = s->empty() ? "" : resolve(folder, *s);
  }

  if (const toml::table* t = chk.table(root, "roles", false)) {
    const struct { const char* key; std::vector<std::string> Roles::*field; } roles[] = {
        {"staff", &Roles::staff}, {"approver", &Roles::approver}, {"supervisor", &Roles::supervisor}};
    for (const auto& role : roles) {
      const std::string base = std::string("roles.") + role.key;
      if (auto a = chk.array(*t, role.key, "roles", "a list of user ids, like [\"tanaka\"]")) {
        for (std::size_t i = 0; i < a->size(); ++i) {
          const toml::node& n = *a->get(i);
          auto s = n.as_string();
          if (s && !s->get().empty()) (m.roles.*role.field).push_back(s->get());
          else chk.error(n.source(), indexed(base, i), TomlChecker::text_of(n), "must be a user id in quotes");
        }
      }
    }
  }

  if (const toml::table* t = chk.table(root, "holidays", false)) {
    if (auto a = chk.array(*t, "dates", "holidays", "a list of dates, like [\"2025-01-01\"]")) {
      for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& n = *a->get(i);
        std::optional<Date> d;
        if (auto s = n.as_string()) d = parse_date(s->get());
        else if (auto td = n.as_date()) {  // an unquoted TOML date is a date too
          const toml::date v = td->get();
          if (is_valid_date(v.year, v.month, v.day)) d = Date{v.year, v.month, v.day};
        }
        if (d) m.holidays.push_back(*d);
        else chk.error(n.source(), indexed("holidays.dates", i), TomlChecker::text_of(n),
                       "must be a date in the calendar, written \"YYYY-MM-DD\"");
      }
      std::sort(m.holidays.begin(), m.holidays.end());
      m.holidays.erase(std::unique(m.holidays.begin(), m.holidays.end()), m.holidays.end());
    }
  }
  // The city's own text printed on documents; names of people and places are left as written.
  for (std::string* text : {&m.appeal_text, &m.contact.department, &m.contact.section, &m.contact.address,
                            &m.contact.phone, &m.contact.extension, &m.contact.hours})
    *text = utf8::ascii_digits(*text);
  return r;
}

Checked<Municipality> load_municipality(const std::string& path) {
  Checked<Municipality> r;
  r.value.file = path;
  if (auto text = tomlfile::read(path, r.problems)) return parse_municipality(*text, path);
  return r;
}

}  // namespace tsuchi
