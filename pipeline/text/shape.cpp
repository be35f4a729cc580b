// Shaping: fallback runs shaped by HarfBuzz, kept as clusters so every glyph keeps its text.
#include <unicode/utf8.h>

#include <algorithm>
#include <cstring>

#include "text/engine.hpp"

namespace tsuchi::text {

namespace {

// Bounded so memory stays flat over a 100,000-child run; refilling is cheap.
constexpr std::size_t kCacheLimit = 20000;

std::string cache_key(std::string_view utf8, Role r, double size) {
  std::string k(1 + sizeof size, '\0');
  k[0] = static_cast<char>(r);
  std::memcpy(k.data() + 1, &size, sizeof size);
  k.append(utf8);
  return k;
}

// Shapes bytes [begin, end) of `utf8` with one font, appending clusters to `out`. The whole
// text is given as context; HarfBuzz cluster values are then byte offsets into it.
void shape_run(const TextEngine::Impl::Font& font, int face, std::string_view utf8, std::uint32_t begin,
               std::uint32_t end, double size, hb_buffer_t* buf, Shaped& out) {
  hb_buffer_clear_contents(buf);
  hb_buffer_set_direction(buf, HB_DIRECTION_LTR);
  hb_buffer_set_language(buf, hb_language_from_string("ja", -1));
  hb_buffer_set_cluster_level(buf, HB_BUFFER_CLUSTER_LEVEL_MONOTONE_GRAPHEMES);
  // A selector the font lacks would otherwise become an empty glyph; its bytes stay in the cluster.
  hb_buffer_set_flags(buf, HB_BUFFER_FLAG_REMOVE_DEFAULT_IGNORABLES);
  hb_buffer_add_utf8(buf, utf8.data(), static_cast<int>(utf8.size()), begin, static_cast<int>(end - begin));
  hb_buffer_guess_segment_properties(buf);
  hb_shape(font.font.get(), buf, nullptr, 0);

  unsigned n = 0;
  const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf, &n);
  const hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf, &n);
  const double k = size / font.upem;
  for (unsigned i = 0; i < n;) {
    const std::uint32_t cl = info[i].cluster;
    Shaped::C c{cl, 0, face, static_cast<std::uint32_t>(out.glyphs.size()), 0, 0, 0};
    double pen = 0;
    for (; i < n && info[i].cluster == cl; ++i) {
      out.glyphs.push_back({info[i].codepoint, pen + pos[i].x_offset * k, -pos[i].y_offset * k});
      pen += pos[i].x_advance * k;
      ++c.glyphs;
    }
    c.advance = pen;
    c.bytes = (i < n ? info[i].cluster : end) - cl;
    UChar32 first;
    std::int32_t at = static_cast<std::int32_t>(cl);
    U8_NEXT(reinterpret_cast<const std::uint8_t*>(utf8.data()), at, static_cast<std::int32_t>(utf8.size()),
            first);
    c.first = first < 0 ? 0xFFFD : static_cast<char32_t>(first);
    // An ideographic space set a full em apart makes text extraction (Poppler, screen readers)
    // split "熊谷　花子　様" into separate blocks; half an em keeps it one line and still reads as a gap.
    if (c.first == 0x3000) c.advance = std::min(pen, 0.5 * size);
    out.width += c.advance;
    out.clusters.push_back(c);
  }
}

}  // namespace

std::shared_ptr<const Shaped> TextEngine::Impl::shape(std::string_view utf8, Role r, double size) const {
  std::string key = cache_key(utf8, r, size);
  {
    std::lock_guard lock(cache_mutex);
    if (auto it = shape_cache.find(key); it != shape_cache.end()) return it->second;
  }
  auto s = std::make_shared<Shaped>();
  HbBuffer buf(hb_buffer_create());
  const std::vector<CharCluster> cs = char_clusters(utf8);
  // Runs of consecutive clusters drawn by the same face; controls are dropped, not drawn.
  for (std::size_t i = 0; i < cs.size();) {
    if (cs[i].base < 0x20 || cs[i].base == 0x7F) {
      ++i;
      continue;
    }
    const int face = pick(r, cs[i]);
    std::size_t j = i + 1;
    while (j < cs.size() && !(cs[j].base < 0x20 || cs[j].base == 0x7F) && pick(r, cs[j]) == face) ++j;
    shape_run(fonts[face], face, utf8, cs[i].byte, cs[j - 1].byte + cs[j - 1].bytes, size, buf.get(), *s);
    i = j;
  }
  std::lock_guard lock(cache_mutex);
  if (shape_cache.size() >= kCacheLimit) shape_cache.clear();
  shape_cache.emplace(std::move(key), s);
  return s;
}

bool stretchable(const Shaped& s, std::size_t b) {
  auto tight = [](char32_t c) { return (c > 0x20 && c < 0x7F) || (c >= 0xC0 && c < 0x250); };
  return !(tight(s.clusters[b - 1].first) && tight(s.clusters[b].first));
}

void emit(const Shaped& s, std::string_view utf8, std::size_t c0, std::size_t c1, double x, double y,
          double gap, bool every_gap, double gray, double size, std::vector<GlyphRun>& out, double hscale) {
  double pen = x;
  GlyphRun* run = nullptr;
  std::uint32_t run_end = 0;
  for (std::size_t i = c0; i < c1; ++i) {
    const Shaped::C& c = s.clusters[i];
    if (!run || run->face != c.face || c.byte != run_end) {
      run = &out.emplace_back();
      run->face = c.face;
      run->size = size;
      run->gray = gray;
      run->hscale = hscale;
    }
    run->text.append(utf8.substr(c.byte, c.bytes));
    run_end = c.byte + c.bytes;
    for (std::uint32_t g = c.first_glyph; g < c.first_glyph + c.glyphs; ++g)
      run->glyphs.push_back({s.glyphs[g].id, pen + s.glyphs[g].dx * hscale, y + s.glyphs[g].dy});
    run->clusters.push_back({static_cast<int>(c.bytes), static_cast<int>(c.glyphs)});
    pen += c.advance * hscale;
    if (gap != 0 && i + 1 < c1 && (every_gap || stretchable(s, i + 1))) pen += gap;
  }
}

double TextEngine::width(std::string_view utf8, Role role, double size) const {
  return impl_->shape(utf8, role, size)->width;
}

std::vector<GlyphRun> TextEngine::line(std::string_view utf8, Role role, double size, double x, double y,
                                       Align align, double gray, double hscale) const {
  auto s = impl_->shape(utf8, role, size);
  const double w = s->width * hscale;
  if (align == Align::right) x -= w;
  if (align == Align::center) x -= w / 2;
  std::vector<GlyphRun> out;
  emit(*s, utf8, 0, s->clusters.size(), x, y, 0, false, gray, size, out, hscale);
  return out;
}

}  // namespace tsuchi::text
