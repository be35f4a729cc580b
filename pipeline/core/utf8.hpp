// UTF-8 decoding, once for every stage. Hand-written (RFC 3629, a dozen lines) rather than ICU so
// the shared layer and the stages that only scan text do not link ICU for it.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace tsuchi::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

// The code point starting at s[i], advancing i past it. Ill-formed input (a stray continuation
// byte, an overlong form, a surrogate, a truncated sequence, > U+10FFFF) yields U+FFFD and
// advances by one byte, so a scan never stalls and never reads past the end.
char32_t next(std::string_view s, std::size_t& i);

// True when every byte sequence of `s` is well-formed UTF-8.
bool valid(std::string_view s);

std::u32string decode(std::string_view s);
std::string encode(char32_t c);
std::string encode(std::u32string_view s);

// "U+8FBB", or "U+8FBB U+E0105" for a sequence: how messages name characters, never the text itself.
std::string label(char32_t c);
std::string label(std::u32string_view s);

// Full-width digits ０-９ as ASCII 0-9, and a full-width hyphen-minus after a digit as "-"
// (1234－5 → 1234-5): the documents print one digit width. Never for names, printed exactly as given.
std::string ascii_digits(std::string_view s);

}  // namespace tsuchi::utf8
