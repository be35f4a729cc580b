// UTF-8 helpers shared by every stage.
#include <doctest/doctest.h>

#include <string>

#include "core/utf8.hpp"

using namespace tsuchi;

// Full-width forms are U+FF10..U+FF19 and U+FF0D (Unicode, Halfwidth and Fullwidth Forms block).
TEST_CASE("ascii_digits: one digit width on the documents, everything else as written") {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"令和７年６月", "令和7年6月"},
      {"上之１２３４－５", "上之1234-5"},
      {"１２３４-５", "1234-5"},
      {"Ａ棟－３", "Ａ棟－3"},          // a hyphen after a letter is left alone
      {"六十七番地", "六十七番地"},      // kanji numerals are words, not digits
      {"－１", "－1"},                   // a leading hyphen has no digit before it
      {"𠮷田　２丁目", "𠮷田　2丁目"},  // non-BMP text passes through unchanged
      {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(std::string(c.in));
    CHECK(utf8::ascii_digits(c.in) == c.out);
  }
}
