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

// Cluster indices b (0 < b < n) at which `bi` reports a boundary in `utf8`.
std::vector<char> icu_boundaries(icu::BreakIterator& bi, std::string_view utf8, const Shaped& s) {
  const std::size_t n = s.clusters.size();
  std::vector<char> at_cluster(n + 1, 0);
  std::vector<int> cluster_at_byte(utf8.size() + 1, -1);
  for (std::size_t i = 0; i < n; ++i) cluster_at_byte[s.clusters[i].byte] = static_cast<int>(i);
  UErrorCode status = U_ZERO_ERROR;
  // UTF-8 UText: break positions come back as byte offsets, matching the cluster offsets.
  std::unique_ptr<UText, UTextCloser> ut(
      utext_openUTF8(nullptr, utf8.data(), static_cast<std::int64_t>(utf8.size()), &status));
  if (U_FAILURE(status)) return at_cluster;
  bi.setText(ut.get(), status);
  if (U_FAILURE(status)) return at_cluster;
  for (std::int32_t p = bi.first(); p != icu::BreakIterator::DONE; p = bi.next()) {
    if (p <= 0 || static_cast<std::size_t>(p) >= utf8.size()) continue;
    if (int c = cluster_at_byte[static_cast<std::size_t>(p)]; c > 0) at_cluster[c] = 1;
  }
  return at_cluster;
}

// ICU (locale ja) line-break opportunities, or word boundaries (its dictionary segmentation).
std::vector<char> icu_breaks(std::string_view utf8, const Shaped& s, bool words) {
  // Built once (loading the rules and dictionary is most of the cost); each call uses a clone,
  // as an iterator holds its text and position and must not be shared between threads.
  static const auto prototype = [](bool w) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> bi(w ? icu::BreakIterator::createWordInstance(icu::Locale("ja"), status)
                                             : icu::BreakIterator::createLineInstance(icu::Locale("ja"), status));
    return U_FAILURE(status) ? nullptr : std::move(bi);
  };
  static const std::unique_ptr<icu::BreakIterator> line = prototype(false), word = prototype(true);
  const auto& proto = words ? word : line;
  std::unique_ptr<icu::BreakIterator> bi(proto ? proto->clone() : nullptr);
  if (!bi) return std::vector<char>(s.clusters.size() + 1, 0);
  return icu_boundaries(*bi, utf8, s);
}

bool is_space(char32_t c) { return c == U' ' || c == 0xA0; }

// A line break before cluster b would break a kinsoku rule.
bool kinsoku_forbids(const Shaped& s, std::size_t b) {
  if (no_line_start(s.clusters[b].first)) return true;
  std::size_t e = b;
  while (e > 0 && is_space(s.clusters[e - 1].first)) --e;
  return e > 0 && no_line_end(s.clusters[e - 1].first);
}

// Digits (half and full width) and kanji numerals: 六十七, 2025 and ２０２５ are one number each.
bool numeral(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= 0xFF10 && c <= 0xFF19) ||
         std::u32string_view(U"〇一二三四五六七八九十百千").find(c) != std::u32string_view::npos;
}
// Marks that join two numerals into one number: 1234-5, 12,300, 1.5, 3ー2.
bool number_joiner(char32_t c) {
  return std::u32string_view(U"-‐−－ー,.，．").find(c) != std::u32string_view::npos;
}

// A line break before cluster b would split a number.
bool inside_number(const Shaped& s, std::size_t b) {
  const std::size_t n = s.clusters.size();
  auto at = [&](std::size_t i) { return s.clusters[i].first; };
  if (b == 0 || b >= n) return false;
  if (numeral(at(b - 1)) && numeral(at(b))) return true;
  if (numeral(at(b - 1)) && number_joiner(at(b)) && b + 1 < n && numeral(at(b + 1))) return true;
  return number_joiner(at(b - 1)) && numeral(at(b)) && b >= 2 && numeral(at(b - 2));
}

// Breaks::address: after 　, a space, 番地, 号 or の (where a clerk would wrap an address by hand),
// but not inside 号室, 号棟 or 号館, which name one room or building.
bool address_point(const Shaped& s, std::size_t b) {
  const char32_t before = s.clusters[b - 1].first, after = s.clusters[b].first;
  if (before == U'号') return std::u32string_view(U"室棟館").find(after) == std::u32string_view::npos;
  if (before == 0x3000 || is_space(before) || before == U'の') return true;
  return before == U'地' && b >= 2 && s.clusters[b - 2].first == U'番';
}

// How good a break before each cluster is; the fill takes the last break of the best rank that fits.
enum Rank : char {
  any = 0,        // even against kinsoku: a single cluster wider than the line
  kinsoku_ok,     // a character break that keeps kinsoku
  not_in_number,  // ... and splits no number
  word_break,     // ... and is an ICU line break at an ICU word boundary
  preferred,      // Breaks::text: a word_break; Breaks::address: an address point
};

// Japanese may break between almost any two characters, but a break inside a word of a name
// (こど|も園, 六|十七) reads as a typo. So a line breaks where ICU's line rules (ja) and its
// dictionary word segmentation agree and no number is split (こども|園, never こど|も園); it
// breaks inside a word only when no such point fits the line. An address breaks at its address
// points first, then at word breaks, then between characters, never inside a number.
std::vector<char> ranks(std::string_view utf8, const Shaped& s, Breaks breaks) {
  const std::size_t n = s.clusters.size();
  std::vector<char> rank(n + 1, any);
  const std::vector<char> line = icu_breaks(utf8, s, false), word = icu_breaks(utf8, s, true);
  for (std::size_t b = 1; b < n; ++b) {
    if (kinsoku_forbids(s, b)) continue;
    rank[b] = kinsoku_ok;
    if (inside_number(s, b)) continue;
    rank[b] = not_in_number;
    if (line[b] && word[b]) rank[b] = breaks == Breaks::text ? preferred : word_break;
    if (breaks == Breaks::address && address_point(s, b)) rank[b] = preferred;
  }
  rank[n] = preferred;
  return rank;
}

// Lays out one hard line (no '\n') as the next lines of `out`; line 0's baseline is at `y0`.
void fill(std::string_view utf8, const Shaped& s, double size, double width, double leading, Align align,
          Breaks breaks, double y0, TextBlock& out) {
  const std::size_t n = s.clusters.size();
  if (n == 0) {
    out.last_line_width = 0;
    ++out.lines;
    return;
  }
  std::vector<double> pre(n + 1, 0);  // pre[i] = pen position before cluster i
  for (std::size_t i = 0; i < n; ++i) pre[i + 1] = pre[i] + s.clusters[i].advance;
  const std::vector<char> rank = ranks(utf8, s, breaks);
  // Spaces at a line's end take no width. Latin spaces are dropped; a 　 is kept in the text (it
  // is part of a name or an address as written) but set past the line's measure.
  auto trim = [&](std::size_t a, std::size_t b, bool ideographic = true) {
    while (b > a + 1 && (is_space(s.clusters[b - 1].first) || (ideographic && s.clusters[b - 1].first == 0x3000)))
      --b;
    return b;
  };
  constexpr double eps = 1e-6;

  for (std::size_t a = 0; a < n;) {
    std::size_t last[preferred + 1] = {};  // the last break of each rank that fits
    for (std::size_t b = a + 1; b <= n; ++b) {
      if (pre[trim(a, b)] - pre[a] > width + eps) break;
      last[static_cast<int>(rank[b])] = b;
    }
    std::size_t b = 0;
    for (int r = preferred; r >= any && !b; --r) b = last[r];
    if (!b) b = a + 1;  // a single cluster wider than the line stands alone
    if (b < n && rank[b] != preferred) out.preferred_breaks = false;
    const std::size_t e = trim(a, b);
    const double natural = pre[e] - pre[a];
    const double slack = width - natural;
    const bool last_line = b == n;
    double x = 0, gap = 0;
    bool every_gap = false;
    if (align == Align::right) x = slack;
    if (align == Align::center) x = slack / 2;
    if (align == Align::justify && !last_line && e - a > 1 && slack > 0) {
      std::size_t gaps = 0;
      for (std::size_t k = a + 1; k < e; ++k) gaps += stretchable(s, k);
      every_gap = gaps == 0;  // one long Latin word cut in the middle: letter-space it
      gap = slack / static_cast<double>(every_gap ? e - a - 1 : gaps);
    }
    emit(s, utf8, a, trim(a, b, false), x, y0 + out.lines * leading, gap, every_gap, 0, size, out.runs);
    out.last_line_width = gap > 0 ? width : natural;
    ++out.lines;
    a = b;
  }
}

std::string paragraph_key(std::string_view utf8, Role r, double size, double width, double leading,
                          Align align, Breaks breaks) {
  const double nums[] = {size, width, leading};
  std::string k(3 + sizeof nums, '\0');
  k[0] = static_cast<char>(r);
  k[1] = static_cast<char>(align);
  k[2] = static_cast<char>(breaks);
  std::memcpy(k.data() + 3, nums, sizeof nums);
  k.append(utf8);
  return k;
}

}  // namespace

TextBlock TextEngine::paragraph(std::string_view utf8, Role role, double size, double x, double y,
                                double width, double leading, Align align, Breaks breaks) const {
  std::string key = paragraph_key(utf8, role, size, width, leading, align, breaks);
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
      fill(hard, *impl_->shape(hard, role, size), size, width, leading, align, breaks, size, *b);
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
