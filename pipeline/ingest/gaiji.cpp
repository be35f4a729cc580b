// 外字 map: a city's private-use code points translated at ingest, so every later stage sees only
// standard characters (a font would draw a PUA code point as whatever glyph it happens to hold).
#include <charconv>

#include "core/digest.hpp"
#include "core/file.hpp"
#include "core/utf8.hpp"
#include "ingest/ingest.hpp"

namespace tsuchi::ingest {
namespace {

constexpr std::uintmax_t kMaxMapBytes = std::uintmax_t{16} << 20;

// "U+9AD9" (4 to 6 hex digits), the way messages and the map name code points.
std::optional<char32_t> code_point(std::string_view s) {
  if (s.size() < 6 || s.size() > 8 || (s[0] != 'U' && s[0] != 'u') || s[1] != '+') return std::nullopt;
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size() || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return std::nullopt;
  return static_cast<char32_t>(v);
}

bool is_ivs(char32_t c) { return c >= 0xE0100 && c <= 0xE01EF; }

}  // namespace

bool is_private_use(char32_t c) { return (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0x10FFFD); }

Checked<GaijiMap> parse_gaiji_map(std::string_view bytes, const std::string& name) {
  Checked<GaijiMap> r;
  r.value.file = name;
  auto error = [&](int line, int column, std::string column_name, std::string value, std::string reason) {
    r.problems.push_back(Diagnostic{Diagnostic::Severity::error, name, line, column, std::move(column_name),
                                    std::move(value), std::move(reason)});
  };
  csv::Reader reader(bytes, name, r.problems, csv::Encoding::utf8, {"pua", "ucs", "ivs"});
  if (!reader.ok()) return r;
  const int pua = reader.column_of("pua"), ucs = reader.column_of("ucs"), ivs = reader.column_of("ivs");
  for (auto [at, column] : {std::pair{pua, "pua"}, {ucs, "ucs"}})
    if (at < 0) error(reader.header_line(), 0, column, "", "required column is missing from the header (pua,ucs,ivs)");
  if (pua < 0 || ucs < 0) return r;
  std::map<char32_t, int> line_of;
  csv::Record rec;
  while (reader.next(rec)) {
    if (!rec.whole) continue;
    auto field = [&](int at) { return at >= 0 && rec.decoded[at] ? std::string_view(rec.fields[at]) : std::string_view(); };
    const std::string_view p = field(pua), u = field(ucs), v = field(ivs);
    const auto from = code_point(p), to = code_point(u);
    const auto selector = v.empty() ? std::optional<char32_t>(0) : code_point(v);
    bool good = true;
    if (!from || !is_private_use(*from)) {
      error(rec.line, pua + 1, "pua", std::string(p),
            "must be a private-use code point (U+E000 to U+F8FF, or in planes 15 and 16), written like U+E000");
      good = false;
    }
    if (!to || is_private_use(*to) || is_ivs(*to) || *to < 0x20 || (*to >= 0x7F && *to <= 0x9F)) {
      error(rec.line, ucs + 1, "ucs", std::string(u),
            "must be a standard (not private-use) character written like U+9AD9");
      good = false;
    }
    if (!selector || (*selector != 0 && !is_ivs(*selector))) {
      error(rec.line, ivs + 1, "ivs", std::string(v),
            "must be empty or an ideographic variation selector U+E0100 to U+E01EF, written like U+E0100");
      good = false;
    }
    if (!good) continue;
    auto [it, fresh] = line_of.emplace(*from, rec.line);
    if (!fresh) {
      error(rec.line, pua + 1, "pua", std::string(p), "is mapped twice (also line " + std::to_string(it->second) + ")");
      continue;
    }
    std::u32string target(1, *to);
    if (*selector) target.push_back(*selector);
    r.value.to.emplace(*from, std::move(target));
  }
  return r;
}

Checked<GaijiMap> load_gaiji_map(const std::string& path, const std::string& sha256) {
  Checked<GaijiMap> r;
  r.value.file = path;
  auto bytes = file::read(path, kMaxMapBytes, r.problems, "a 外字 map lists a few thousand characters at most");
  if (!bytes) return r;
  if (const std::string actual = digest::sha256_hex(*bytes); actual != sha256) {
    r.problems.push_back({Diagnostic::Severity::error, path, 0, 0, "", actual,
                          "the 外字 map's SHA-256 is not the gaiji_map_sha256 that municipality.toml pins (" + sha256 +
                              "); a changed map needs a supervisor's `tsuchi config set`"});
    return r;
  }
  return parse_gaiji_map(*bytes, path);
}

Diagnostics apply_gaiji(std::vector<Case>& cases, const GaijiMap& map, const std::string& cases_file,
                        const std::vector<std::string>& header) {
  Diagnostics out;
  auto column = [&](std::string_view name) { return column_of(header, name); };
  const std::string where = map.file.empty() ? "no 外字 map is configured (municipality.toml gaiji_map)"
                                             : "the 外字 map " + map.file + " has no row for it";
  for (auto& c : cases)
    for (const auto& f : case_schema()) {
      if (!f.printed) continue;
      std::string& text = c.*std::get<std::string Case::*>(f.member);
      bool any = false;
      for (std::size_t i = 0; i < text.size() && !any;) any = is_private_use(utf8::next(text, i));
      if (!any) continue;
      std::string mapped;
      std::u32string reported;  // each unmapped code point once per field
      for (std::size_t i = 0; i < text.size();) {
        const std::size_t from = i;
        const char32_t ch = utf8::next(text, i);
        if (!is_private_use(ch)) {
          mapped.append(text, from, i - from);
          continue;
        }
        if (auto it = map.to.find(ch); it != map.to.end()) {
          mapped += utf8::encode(it->second);
          continue;
        }
        mapped.append(text, from, i - from);
        if (reported.find(ch) != std::u32string::npos) continue;
        reported.push_back(ch);
        out.push_back(Diagnostic{Diagnostic::Severity::error, cases_file, c.line, column(f.name), f.name,
                                 utf8::label(ch), "case " + c.case_id + ": a private-use character (外字); " + where});
      }
      text = std::move(mapped);
    }
  return out;
}

}  // namespace tsuchi::ingest
