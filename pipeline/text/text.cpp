// TextEngine: fonts.toml, the faces, fallback choice and missing-glyph checks.
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <filesystem>
#include <map>
#include <toml++/toml.h>

#include "core/toml.hpp"
#include "text/engine.hpp"

namespace tsuchi::text {

namespace {

bool is_selector(char32_t c) {
  return (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF);
}

Diagnostic problem(const std::string& file, const std::string& key, const std::string& value,
                   const std::string& reason) {
  Diagnostic d;
  d.file = file;
  d.column_name = key;
  d.value = value;
  d.reason = reason;
  return d;
}

}  // namespace

bool invisible(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c < 0xA0) ||
         u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

std::vector<CharCluster> char_clusters(std::string_view utf8) {
  std::vector<CharCluster> out;
  const auto* s = reinterpret_cast<const std::uint8_t*>(utf8.data());
  const auto n = static_cast<std::int32_t>(utf8.size());
  std::int32_t i = 0;
  while (i < n) {
    const std::int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);  // ill-formed bytes come back as < 0; ingest rejects them earlier
    if (c < 0) c = 0xFFFD;
    const auto cp = static_cast<char32_t>(c);
    if (is_selector(cp) && !out.empty() && out.back().selector == 0 &&
        out.back().byte + out.back().bytes == static_cast<std::uint32_t>(start) &&
        !invisible(out.back().base)) {
      out.back().selector = cp;
      out.back().bytes = static_cast<std::uint32_t>(i) - out.back().byte;
      continue;
    }
    out.push_back({static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(i - start), cp, 0});
  }
  return out;
}

bool TextEngine::Impl::has(int face, char32_t base, char32_t selector) const {
  hb_codepoint_t g = 0;
  hb_font_t* f = fonts[face].font.get();
  return selector ? hb_font_get_variation_glyph(f, base, selector, &g)
                  : hb_font_get_nominal_glyph(f, base, &g);
}

int TextEngine::Impl::pick(Role r, const CharCluster& c) const {
  const auto& order = role(r);
  for (int f : order)
    if (has(f, c.base, c.selector)) return f;
  if (c.selector)
    for (int f : order)
      if (has(f, c.base, 0)) return f;
  return order.front();
}

TextEngine::TextEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TextEngine::~TextEngine() = default;

const std::vector<Face>& TextEngine::faces() const { return impl_->faces; }

Checked<std::unique_ptr<TextEngine>> TextEngine::load(const std::string& fonts_toml) {
  Checked<std::unique_ptr<TextEngine>> out;
  auto loaded = tomlfile::load(fonts_toml, out.problems);
  if (!loaded) return out;
  const toml::table& cfg = *loaded;
  const std::filesystem::path base = std::filesystem::path(fonts_toml).parent_path();
  auto impl = std::make_unique<Impl>();
  std::map<std::string, int> by_key;

  const toml::table* faces = cfg["faces"].as_table();
  if (!faces || faces->empty())
    out.problems.push_back(problem(fonts_toml, "faces", "", "no [faces.<name>] table"));
  if (faces) {
    for (const auto& [key, node] : *faces) {
      const std::string k = "faces." + std::string(key.str());
      const toml::table* t = node.as_table();
      auto path = t ? (*t)["path"].value<std::string>() : std::nullopt;
      if (!path) {
        out.problems.push_back(problem(fonts_toml, k + ".path", "", "missing font path"));
        continue;
      }
      std::filesystem::path p(*path);
      if (p.is_relative()) p = base / p;
      const int index = static_cast<int>((*t)["index"].value_or<std::int64_t>(0));
      Face face{p.string(), index, (*t)["name"].value_or(std::string(key.str()))};
      if (!std::filesystem::is_regular_file(p)) {
        out.problems.push_back(problem(fonts_toml, k + ".path", face.path, "font file not found"));
        continue;
      }
      Impl::Font font;
      font.blob.reset(hb_blob_create_from_file_or_fail(face.path.c_str()));
      if (font.blob) font.face.reset(hb_face_create(font.blob.get(), static_cast<unsigned>(index)));
      if (!font.blob || hb_face_get_glyph_count(font.face.get()) == 0) {
        out.problems.push_back(problem(fonts_toml, k + ".path", face.path,
                                       "not a readable font file (or no face " +
                                           std::to_string(index) + " in it)"));
        continue;
      }
      font.upem = hb_face_get_upem(font.face.get());
      font.font.reset(hb_font_create(font.face.get()));
      hb_font_set_scale(font.font.get(), static_cast<int>(font.upem), static_cast<int>(font.upem));
      hb_font_make_immutable(font.font.get());
      by_key[std::string(key.str())] = static_cast<int>(impl->faces.size());
      impl->faces.push_back(std::move(face));
      impl->fonts.push_back(std::move(font));
    }
  }

  const std::pair<Role, const char*> roles[] = {{Role::mincho, "mincho"}, {Role::gothic, "gothic"}};
  for (const auto& [role, name] : roles) {
    const std::string k = std::string("roles.") + name;
    const toml::array* list = cfg["roles"][name].as_array();
    if (!list || list->empty()) {
      out.problems.push_back(problem(fonts_toml, k, "", "missing: a list of face names"));
      continue;
    }
    for (const auto& n : *list) {
      auto face = n.value<std::string>();
      if (!face) {
        out.problems.push_back(problem(fonts_toml, k, "", "entries must be face names (strings)"));
      } else if (auto it = by_key.find(*face); it != by_key.end()) {
        impl->roles[static_cast<int>(role)].push_back(it->second);
      } else if (!faces || !faces->contains(*face)) {
        out.problems.push_back(problem(fonts_toml, k, *face, "no such face in [faces]"));
      }  // else: the face itself failed to load and is already reported
    }
  }
  if (!out.ok()) return out;
  out.value.reset(new TextEngine(std::move(impl)));
  return out;
}

std::vector<MissingGlyph> TextEngine::missing(std::string_view utf8, Role role) const {
  std::vector<MissingGlyph> out;
  for (const CharCluster& c : char_clusters(utf8)) {
    if (invisible(c.base)) continue;
    bool exact = false, base = false;
    for (int f : impl_->role(role)) {
      if (impl_->has(f, c.base, c.selector)) {
        exact = true;
        break;
      }
      base = base || (c.selector && impl_->has(f, c.base, 0));
    }
    if (exact) continue;
    MissingGlyph m;
    m.sequence.push_back(c.base);
    if (c.selector) m.sequence.push_back(c.selector);
    m.variation_only = base;
    bool seen = false;
    for (const auto& o : out) seen = seen || o.sequence == m.sequence;
    if (!seen) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace tsuchi::text
