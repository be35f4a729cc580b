// Paragraphs: ICU line-break opportunities, kinsoku (禁則処理), greedy fill, justification.
#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <cstring>

#include "text/engine.hpp"

namespace tsuchi::text {

namespace {

// 行頭禁則: closing brackets, punctuation, small kana, prolonged sound and iteration marks.
// ICU's ja rules allow breaks before several of these (small kana, ー), so we enforce all.
constexpr std::u32string_view kNoLineStart =
    U"、。，．・：；！？）」』】〉》〕］｝〙〗｠〟’”»"
    U"ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    U"々〻ゝゞヽヾ゛゜‐゠–〜～…‥％‰℃°′″"
    U")]},.:;!?%'\"｡｣､･ｧｨｩｪｫｬｭｮｯｰﾞﾟ";
// 行末禁則: opening brackets.
constexpr std::u32string_view kNoLineEnd = U"（「『【〈《〔［｛〘〖｟〝‘“«([{｢";

bool no_line_start(char32_t c) { return kNoLineStart.find(c) != std::u32string_view::npos; }
bool no_line_end(char32_t c) { return kNoLineEnd.find(c) != std::u32string_view::npos; }

struct UTextCloser {
  void operator()(UText* t) const { utext_close(t); }
};

// Cluster indices b (0 < b < n) before which ICU (locale ja) allows a line break.
std::vector<char> icu_breaks(std::string_view utf8, const Shaped& s) {
  const std::size_t n = s.clusters.size();
  std::vector<char> at_cluster(n + 1, 0);
  std::vector<int> cluster_at_byte(utf8.size() + 1, -1);
  for (std::size_t i = 0; i < n; ++i) cluster_at_byte[s.clusters[i].byte] = static_cast<int>(i);
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> bi(icu::BreakIterator::createLineInstance(icu::Locale("ja"), status));
  // UTF-8 UText: break positions come back as byte offsets, matching the cluster offsets.
  std::unique_ptr<UText, UTextCloser> ut(
      utext_openUTF8(nullptr, utf8.data(), static_cast<std::int64_t>(utf8.size()), &status));
  if (U_FAILURE(status)) return at_cluster;
  bi->setText(ut.get(), status);
  if (U_FAILURE(status)) return at_cluster;
  for (std::int32_t p = bi->first(); p != icu::BreakIterator::DONE; p = bi->next()) {
    if (p <= 0 || static_cast<std::size_t>(p) >= utf8.size()) continue;
    if (int c = cluster_at_byte[static_cast<std::size_t>(p)]; c > 0) at_cluster[c] = 1;
  }
  return at_cluster;
}

bool is_space(char32_t c) { return c == U' ' || c == 0xA0; }

// A line break before cluster b would break a kinsoku rule.
bool kinsoku_forbids(const Shaped& s, std::size_t b) {
  if (no_line_start(s.clusters[b].first)) return true;
  std::size_t e = b;
  while (e > 0 && is_space(s.clusters[e - 1].first)) --e;
  return e > 0 && no_line_end(s.clusters[e - 1].first);
}

// Lays out one hard line (no '\n') as the next lines of `out`; line 0's baseline is at `y0`.
void fill(std::string_view utf8, const Shaped& s, double size, double width, double leading, Align align,
          double y0, TextBlock& out) {
  const std::size_t n = s.clusters.size();
  if (n == 0) {
    out.last_line_width = 0;
    ++out.lines;
    return;
  }
  std::vector<double> pre(n + 1, 0);  // pre[i] = pen position before cluster i
  for (std::size_t i = 0; i < n; ++i) pre[i + 1] = pre[i] + s.clusters[i].advance;
  std::vector<char> ok = icu_breaks(utf8, s);
  for (std::size_t b = 1; b < n; ++b) ok[b] = ok[b] && !kinsoku_forbids(s, b);
  ok[n] = 1;
  auto trim = [&](std::size_t a, std::size_t b) {
    while (b > a + 1 && is_space(s.clusters[b - 1].first)) --b;
    return b;
  };
  constexpr double eps = 1e-6;

  for (std::size_t a = 0; a < n;) {
    std::size_t best = 0, fallback_ok = 0, fallback_any = 0;
    for (std::size_t b = a + 1; b <= n; ++b) {
      if (pre[trim(a, b)] - pre[a] > width + eps) break;
      if (ok[b]) best = b;
      if (b == n || !kinsoku_forbids(s, b)) fallback_ok = b;
      fallback_any = b;
    }
    // No break opportunity fits (a long Latin word): break between any clusters, still
    // keeping kinsoku if possible; a single cluster wider than the line stands alone.
    std::size_t b = best ? best : fallback_ok ? fallback_ok : fallback_any ? fallback_any : a + 1;
    const std::size_t e = trim(a, b);
    const double natural = pre[e] - pre[a];
    const double slack = width - natural;
    const bool last = b == n;
    double x = 0, gap = 0;
    bool every_gap = false;
    if (align == Align::right) x = slack;
    if (align == Align::center) x = slack / 2;
    if (align == Align::justify && !last && e - a > 1 && slack > 0) {
      std::size_t gaps = 0;
      for (std::size_t k = a + 1; k < e; ++k) gaps += stretchable(s, k);
      every_gap = gaps == 0;  // one long Latin word cut in the middle: letter-space it
      gap = slack / static_cast<double>(every_gap ? e - a - 1 : gaps);
    }
    emit(s, utf8, a, e, x, y0 + out.lines * leading, gap, every_gap, 0, size, out.runs);
    out.last_line_width = gap > 0 ? width : natural;
    ++out.lines;
    a = b;
  }
}

std::string paragraph_key(std::string_view utf8, Role r, double size, double width, double leading,
                          Align align) {
  const double nums[] = {size, width, leading};
  std::string k(2 + sizeof nums, '\0');
  k[0] = static_cast<char>(r);
  k[1] = static_cast<char>(align);
  std::memcpy(k.data() + 2, nums, sizeof nums);
  k.append(utf8);
  return k;
}

}  // namespace

TextBlock TextEngine::paragraph(std::string_view utf8, Role role, double size, double x, double y,
                                double width, double leading, Align align, Breaks) const {
  std::string key = paragraph_key(utf8, role, size, width, leading, align);
  std::shared_ptr<const TextBlock> block;
  {
    std::lock_guard lock(impl_->cache_mutex);
    if (auto it = impl_->paragraph_cache.find(key); it != impl_->paragraph_cache.end()) block = it->second;
  }
  if (!block) {
    auto b = std::make_shared<TextBlock>();
    // Hard breaks: each '\n' ends a line (and is never justified); a final '\n' adds no line.
    std::size_t start = 0;
    while (start < utf8.size()) {
      std::size_t nl = utf8.find('\n', start);
      if (nl == std::string_view::npos) nl = utf8.size();
      std::string_view hard = utf8.substr(start, nl - start);
      if (!hard.empty() && hard.back() == '\r') hard.remove_suffix(1);
      fill(hard, *impl_->shape(hard, role, size), size, width, leading, align, size, *b);
      start = nl + 1;
    }
    b->height = b->lines * leading;
    block = b;
    std::lock_guard lock(impl_->cache_mutex);
    if (impl_->paragraph_cache.size() >= 2000) impl_->paragraph_cache.clear();
    impl_->paragraph_cache.emplace(std::move(key), block);
  }
  TextBlock out = *block;
  for (GlyphRun& r : out.runs)
    for (Glyph& g : r.glyphs) {
      g.x += x;
      g.y += y;
    }
  return out;
}

}  // namespace tsuchi::text
