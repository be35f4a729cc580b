// Japan Post customer barcode (カスタマバーコード): data extraction from an address, symbols,
// check digit and the 67 bar states (barcodes.md §2, output_spec/barcodes.md).
#include <algorithm>
#include <array>

#include "barcode/barcode.hpp"
#include "core/utf8.hpp"

namespace tsuchi::barcode {

namespace {

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_letter(char32_t c) { return c >= U'A' && c <= U'Z'; }

int kanji_digit(char32_t c) {
  switch (c) {
    case U'〇': return 0;
    case U'一': return 1;
    case U'二': return 2;
    case U'三': return 3;
    case U'四': return 4;
    case U'五': return 5;
    case U'六': return 6;
    case U'七': return 7;
    case U'八': return 8;
    case U'九': return 9;
    default: return -1;
  }
}
int kanji_multiplier(char32_t c) { return c == U'十' ? 10 : c == U'百' ? 100 : c == U'千' ? 1000 : 0; }
bool is_kanji_numeral(char32_t c) { return kanji_digit(c) >= 0 || kanji_multiplier(c) > 0; }

// 十一 -> 11, 二十一 -> 21, 百二 -> 102; without 十/百/千 the digits are positional (二〇三 -> 203),
// spelt out rather than summed: a long run of them overflowed a long (found by fuzz/customer).
std::string kanji_number(std::u32string_view k) {
  const bool multiplicative = std::any_of(k.begin(), k.end(), [](char32_t c) { return kanji_multiplier(c) > 0; });
  if (!multiplicative) {
    std::string digits;
    for (char32_t c : k)
      if (!digits.empty() || kanji_digit(c) != 0) digits += static_cast<char>('0' + kanji_digit(c));
    return digits.empty() ? "0" : digits;
  }
  long total = 0, current = 0;  // at most 9,000 a character: no overflow
  for (char32_t c : k) {
    if (int d = kanji_digit(c); d >= 0) {
      current = d;
    } else {
      total += (current ? current : 1) * kanji_multiplier(c);
      current = 0;
    }
  }
  return std::to_string(total + current);
}

bool is_hyphen(char32_t c) {
  switch (c) {
    case U'-': case U'\u2010': case U'\u2011': case U'\u2012': case U'\u2013': case U'\u2014':
    case U'\u2015': case U'\u2212': case U'\uFE63':
      return true;
    default:
      return false;
  }
}

// Full-width ASCII to ASCII, letters to upper case, hyphen look-alikes to '-', spaces to ' ';
// the characters the rules delete (& / ・ .) are dropped.
std::u32string normalise(std::u32string_view in) {
  std::u32string out;
  for (char32_t c : in) {
    if (c >= U'\uFF01' && c <= U'\uFF5E') c -= 0xFEE0;
    if (c >= U'a' && c <= U'z') c -= 0x20;
    if (is_hyphen(c)) c = U'-';
    // The long-vowel mark is a hyphen only where it follows a number (3ー5); in katakana it is text.
    if ((c == U'ー' || c == U'\uFF70') && !out.empty() && is_digit(out.back())) c = U'-';
    if (c == U'\u3000' || c == U'\t') c = U' ';
    if (c == U'&' || c == U'/' || c == U'・' || c == U'\uFF65' || c == U'.') continue;
    out.push_back(c);
  }
  return out;
}

bool starts_with(std::u32string_view s, std::size_t at, std::u32string_view w) {
  return s.substr(at, w.size()) == w;
}

// Length of the address-number marker after a kanji numeral at `at`, or 0 when what follows makes
// the numeral part of a name (八丁堀, 一番町, 三ノ輪, 一の宮 stay text).
std::size_t marker_after_kanji(std::u32string_view s, std::size_t at) {
  for (std::u32string_view always : {U"丁目", U"番地", U"地割", U"号", U"線"})
    if (starts_with(s, at, always)) return always.size();
  const auto next = [&](std::size_t k) { return at + k < s.size() ? s[at + k] : U'\0'; };
  const auto numberish = [](char32_t c) { return is_digit(c) || is_kanji_numeral(c); };
  if (starts_with(s, at, U"番")) return next(1) == U'町' || next(1) == U'丁' ? 0 : 1;
  if (starts_with(s, at, U"丁")) {
    const char32_t c = next(1);
    return c == U'\0' || c == U' ' || c == U'-' || numberish(c) ? 1 : 0;
  }
  if (starts_with(s, at, U"の") || starts_with(s, at, U"ノ")) return numberish(next(1)) ? 1 : 0;
  return 0;
}

struct Token {
  enum Kind { number, letter, text } kind;
  std::string chars;      // digits of a number, the letter of a letter; empty for text
  bool name_part = false;  // a number that belongs to a place name (北1条), never the start
};

std::vector<Token> tokenize(std::u32string_view s) {
  std::vector<Token> ts;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = s[i];
    if (is_digit(c)) {
      std::size_t j = i;
      std::string digits;
      while (j < s.size() && is_digit(s[j])) digits += static_cast<char>(s[j++]);
      ts.push_back({Token::number, digits, j < s.size() && s[j] == U'条'});
      i = j;
    } else if (is_kanji_numeral(c)) {
      std::size_t j = i;
      while (j < s.size() && is_kanji_numeral(s[j])) ++j;
      if (marker_after_kanji(s, j) > 0) {
        ts.push_back({Token::number, kanji_number(s.substr(i, j - i)), false});
      } else {
        for (std::size_t k = i; k < j; ++k) ts.push_back({Token::text, "", false});
      }
      i = j;
    } else if (is_letter(c)) {
      std::size_t j = i;
      while (j < s.size() && is_letter(s[j])) ++j;
      // A lone letter is kept, except F straight after a number: a floor (10F), which ends like a separator.
      const bool floor = c == U'F' && i > 0 && is_digit(s[i - 1]);
      if (j - i == 1 && !floor)
        ts.push_back({Token::letter, std::string(1, static_cast<char>(c)), false});
      else
        ts.push_back({Token::text, "", false});
      i = j;
    } else {
      ts.push_back({Token::text, "", false});
      ++i;
    }
  }
  return ts;
}

// The address number (住所表示番号) from the whole address: everything before its first number is
// taken to be the prefecture, city and town name (町域), as no KEN_ALL data is at hand.
std::string address_number(std::string_view address) {
  const auto ts = tokenize(normalise(utf8::decode(address)));
  auto it = std::find_if(ts.begin(), ts.end(), [](const Token& t) { return t.kind == Token::number && !t.name_part; });
  std::string raw;
  for (; it != ts.end(); ++it) {
    if (it->kind == Token::text) {
      if (!raw.empty() && raw.back() != '-') raw += '-';
    } else {
      raw += it->chars;
    }
  }
  while (!raw.empty() && raw.back() == '-') raw.pop_back();
  // No hyphen next to a single letter: 3-20-5-B604 -> 3-20-5B604.
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const bool letter_before = i > 0 && raw[i - 1] >= 'A' && raw[i - 1] <= 'Z';
    const bool letter_after = i + 1 < raw.size() && raw[i + 1] >= 'A' && raw[i + 1] <= 'Z';
    if (raw[i] == '-' && (letter_before || letter_after)) continue;
    out += raw[i];
  }
  return out;
}

int symbol_value(const std::string& sym) {
  if (sym == "-") return 10;
  if (sym.size() == 3 && sym.starts_with("CC")) return 10 + (sym[2] - '0');
  return sym[0] - '0';
}

std::string symbol_of_value(int v) {
  if (v <= 9) return std::string(1, static_cast<char>('0' + v));
  if (v == 10) return "-";
  return "CC" + std::to_string(v - 10);
}

// Japan Post's 3-bar pattern per character, indexed by check value (0-9, '-', CC1..CC8);
// 1 long, 2 upper semi-long, 3 lower semi-long, 4 timing.
constexpr std::array<std::string_view, 19> kPatterns = {
    "144", "114", "132", "312", "123", "141", "321", "213", "231", "411",  // 0..9
    "414",                                                                 // -
    "324", "342", "234", "432", "243", "423", "441", "111",                // CC1..CC8
};
constexpr std::string_view kStart = "13";
constexpr std::string_view kStop = "31";

// Nominal 10-point sizes from Japan Post's manual, in mm.
constexpr double kBarWidth = 0.6, kPitch = 1.2, kLong = 3.6, kSemiLong = 2.4, kTiming = 1.2, kBlank = 2.0;

}  // namespace

std::optional<std::string> normalize_postal_code(std::string_view postal_code) {
  std::string digits;
  for (char32_t c : normalise(utf8::decode(postal_code))) {
    if (is_digit(c))
      digits += static_cast<char>(c);
    else if (c != U'-' && c != U' ')
      return std::nullopt;
  }
  if (digits.size() != 7) return std::nullopt;
  return digits;
}

std::string customer_check_digit(const std::vector<std::string>& symbols) {
  int sum = 0;
  for (const auto& s : symbols) sum += symbol_value(s);
  return symbol_of_value((19 - sum % 19) % 19);
}

std::optional<CustomerCode> customer_code(std::string_view postal_code7, std::string_view address) {
  const auto postcode = normalize_postal_code(postal_code7);
  // A postcode ending in 00 is a town's representative number, which carries no customer barcode.
  if (!postcode || postcode->ends_with("00")) return std::nullopt;
  CustomerCode c;
  c.data = *postcode + address_number(address);
  for (char ch : c.data) {
    if (c.symbols.size() == 20) break;
    if (ch >= 'A' && ch <= 'Z') {
      const int n = ch - 'A';  // A-J = CC1+0..9, K-T = CC2+0..9, U-Z = CC3+0..5
      c.symbols.push_back("CC" + std::to_string(1 + n / 10));
      if (c.symbols.size() < 20) c.symbols.push_back(std::string(1, static_cast<char>('0' + n % 10)));
    } else {
      c.symbols.push_back(std::string(1, ch));
    }
  }
  c.symbols.resize(20, "CC4");
  c.check_digit = customer_check_digit(c.symbols);
  return c;
}

std::string customer_bar_states(const CustomerCode& c) {
  std::string s(kStart);
  for (const auto& sym : c.symbols) s += kPatterns[static_cast<std::size_t>(symbol_value(sym))];
  s += kPatterns[static_cast<std::size_t>(symbol_value(c.check_digit))];
  s += kStop;
  return s;
}

std::optional<std::vector<std::string>> customer_symbols_from_states(std::string_view states) {
  if (states.size() != 67 || states.substr(0, 2) != kStart || states.substr(65) != kStop) return std::nullopt;
  std::vector<std::string> syms;
  for (std::size_t i = 2; i < 65; i += 3) {
    const auto it = std::find(kPatterns.begin(), kPatterns.end(), states.substr(i, 3));
    if (it == kPatterns.end()) return std::nullopt;
    syms.push_back(symbol_of_value(static_cast<int>(it - kPatterns.begin())));
  }
  const std::vector<std::string> data(syms.begin(), syms.end() - 1);
  if (customer_check_digit(data) != syms.back()) return std::nullopt;
  return syms;
}

Symbol draw_customer_barcode(const CustomerCode& c) {
  const std::string states = customer_bar_states(c);
  Symbol s;
  s.width_mm = 2 * kBlank + (states.size() - 1) * kPitch + kBarWidth;
  s.height_mm = 2 * kBlank + kLong;
  const double timing_top = kBlank + (kLong - kTiming) / 2;
  for (std::size_t i = 0; i < states.size(); ++i) {
    const double x = kBlank + i * kPitch;
    switch (states[i]) {
      case '1': s.bars.push_back({x, kBlank, kBarWidth, kLong}); break;
      case '2': s.bars.push_back({x, kBlank, kBarWidth, kSemiLong}); break;
      case '3': s.bars.push_back({x, kBlank + kLong - kSemiLong, kBarWidth, kSemiLong}); break;
      default: s.bars.push_back({x, timing_top, kBarWidth, kTiming}); break;
    }
  }
  return s;
}

std::string bar_states_from_symbol(const Symbol& s) {
  if (s.bars.empty()) return {};
  double top = s.bars.front().y, bottom = s.bars.front().y + s.bars.front().h;
  for (const auto& b : s.bars) {
    top = std::min(top, b.y);
    bottom = std::max(bottom, b.y + b.h);
  }
  // A bar reaches a side when it ends within a quarter of the full height of it (the ascender and
  // descender each take a third).
  const double tolerance = (bottom - top) / 4;
  std::vector<Bar> bars = s.bars;
  std::sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.x < b.x; });
  std::string states;
  for (const auto& b : bars) {
    const bool up = b.y <= top + tolerance, down = b.y + b.h >= bottom - tolerance;
    states += up && down ? '1' : up ? '2' : down ? '3' : '4';
  }
  return states;
}

}  // namespace tsuchi::barcode
