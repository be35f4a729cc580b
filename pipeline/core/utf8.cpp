#include "core/utf8.hpp"

#include <cstdio>

namespace tsuchi::utf8 {

char32_t next(std::string_view s, std::size_t& i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int len = 0;
  char32_t cp = 0, min = 0;
  if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacement;
  }
  i += len;
  return cp;
}

bool valid(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    if (next(s, i) == kReplacement && !(i - at == 3 && s.substr(at, 3) == "\xEF\xBF\xBD")) return false;
  }
  return true;
}

std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) out.push_back(next(s, i));
  return out;
}

std::string encode(char32_t c) {
  std::string o;
  if (c < 0x80) {
    o.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    o.push_back(static_cast<char>(0xC0 | (c >> 6)));
    o.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    o.push_back(static_cast<char>(0xE0 | (c >> 12)));
    o.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    o.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    o.push_back(static_cast<char>(0xF0 | (c >> 18)));
    o.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    o.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    o.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return o;
}

std::string encode(std::u32string_view s) {
  std::string o;
  o.reserve(s.size() * 3);
  for (char32_t c : s) o += encode(c);
  return o;
}

std::string label(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

std::string label(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) out += (out.empty() ? "" : " ") + label(c);
  return out;
}

std::string ascii_digits(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    const char32_t c = next(s, i);
    if (c >= 0xFF10 && c <= 0xFF19) out += static_cast<char>('0' + (c - 0xFF10));
    else if (c == 0xFF0D && !out.empty() && out.back() >= '0' && out.back() <= '9') out += '-';
    else out.append(s, at, i - at);
  }
  return out;
}

}  // namespace tsuchi::utf8
