// My Number rules. Reference values come from outside this code; each row names its source.
#include <doctest/doctest.h>

#include <string>

#include "core/core.hpp"
#include "core/mynumber.hpp"

using namespace tsuchi;

namespace {

struct Reference {
  const char* number;
  bool valid;
  const char* source;
};

// Valid numbers published by others, and near misses: one digit of a valid number changed.
// Every near miss was checked by hand with the formula of 総務省令 (通知カード及び個人番号カード並びに
// 情報提供ネットワークシステムによる特定個人情報の提供等に関する省令) 第5条: Qn = n+1 (1 <= n <= 6),
// n-5 (7 <= n <= 11), check digit 11 - (sum mod 11), or 0 when the remainder is 0 or 1.
const Reference kReferences[] = {
    {"123456789018", true, "tomohiro/mynumber tests/individual.rs (verify_with_valid_individual_number_returns_ok)"},
    {"123456789010", false, "tomohiro/mynumber tests/individual.rs (verify_with_wrong_check_digit_returns_err)"},
    {"621498320257", true, "arthurdejong/python-stdnum stdnum/jp/in_.py doctest (validate('6214 9832 0257'))"},
    {"621498320258", false, "arthurdejong/python-stdnum stdnum/jp/in_.py doctest (InvalidChecksum)"},
    {"614106526000", true, "hsaito/MyNumber.NET MyNumberControllerTests (_validDigits)"},
    // Near misses of the rows above (one digit changed), by hand with the formula.
    {"223456789018", false, "near miss of 123456789018: 1st digit"},
    {"123456789118", false, "near miss of 123456789018: 10th digit"},
    {"621498330257", false, "near miss of 621498320257: 9th digit"},
    {"621498320267", false, "near miss of 621498320257: 11th digit"},
    {"714106526000", false, "near miss of 614106526000: 1st digit"},
    {"614106526100", false, "near miss of 614106526000: 10th digit"},
    {"614106526001", false, "near miss of 614106526000: the check digit"},
    // The weights preflight once used (n-6 for 7 <= n <= 11) accept this one; the law's do not.
    {"123456789011", false, "issue 10: the check digit the wrong weights give (1), not the law's (8)"},
};

}  // namespace

TEST_CASE("check digit: reference values from outside this code") {
  for (const auto& r : kReferences) {
    CAPTURE(r.number);
    CAPTURE(r.source);
    CHECK(mynumber::valid(r.number) == r.valid);
  }
}

TEST_CASE("check digit: 123456789018 worked by hand with the law's weights") {
  // Digits from the right: 1*2+0*3+9*4+8*5+7*6+6*7+5*2+4*3+3*4+2*5+1*6 = 212; 212 mod 11 = 3; 11-3 = 8.
  CHECK(mynumber::valid("123456789018"));
  CHECK_FALSE(mynumber::valid("123456789017"));
}

TEST_CASE("check digit: only 12 ASCII digits") {
  for (const char* s : {"", "12345678901", "1234567890180", "12345678901X", "1234 5678 9018", "１２３４５６７８９０１８"}) {
    CAPTURE(s);
    CHECK_FALSE(mynumber::valid(s));
  }
}

TEST_CASE("find: the free-text heuristic sees what a reader would take for a My Number") {
  struct Row {
    const char* text;
    const char* found;  // nullptr: none
  };
  const Row rows[] = {
      {"熊谷市宮町1-1 621498320257", "621498320257"},
      {"番号 6214 9832 0257 です", "621498320257"},
      {"6214-9832-0257", "621498320257"},
      {"６２１４９８３２０２５７", "621498320257"},
      {"621498320258", nullptr},           // near miss
      {"1621498320257", nullptr},          // 13 digits: not a My Number
      {"62149832025", nullptr},            // 11 digits
      {"360-0012 熊谷市宮町1-1", nullptr},
      // Three consecutive groups of 4 anywhere in a grouped number count, so a number written after
      // a 番地 ("1-1 6214 9832 0257") is caught; the price is that a longer 4-4-4-4 chain counts too.
      {"宮町1-1 6214 9832 0257", "621498320257"},
      {"6214-9832-0257-0000", "621498320257"},
      {"0000-6214-9832-0257", "621498320257"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto c = mynumber::find(r.text);
    REQUIRE(c.has_value() == (r.found != nullptr));
    if (c) CHECK(c->digits == r.found);
  }
}

TEST_CASE("masking keeps four digits") {
  const std::pair<const char*, const char*> rows[] = {
      {"id 123456789018 end", "id 1234******** end"},
      {"1234 5678 9018", "1234********"},
      {"621498320257 and 614106526000", "6214******** and 6141********"},
      {"123456789017", "123456789017"},  // not a My Number: left as is
      {"621498320258", "621498320258"},
  };
  for (const auto& [in, out] : rows) {
    CAPTURE(in);
    CHECK(mynumber::mask(in) == out);
  }
}

TEST_CASE("guard matches exact numbers only, across groupings and full-width digits") {
  mynumber::Guard g;
  CHECK_FALSE(g.contains("123456789018"));  // empty: nothing matches
  g.add("123456789018");
  g.add("12345678901");   // not 12 digits: ignored
  g.add("98765432109X");  // not digits: ignored
  CHECK(g.size() == 1);
  const std::pair<const char*, bool> rows[] = {
      {"x1234-5678-9018y", true},
      {"9191234567890180000", true},  // inside a longer run of digits
      {"１２３４５６７８９０１８", true},
      {"1234 5678 9018", true},
      {"123456789017", false},  // near miss
      {"621498320257", false},  // valid, but not an input number
      {"12345678901", false},
  };
  for (const auto& [text, hit] : rows) {
    CAPTURE(text);
    CHECK(g.contains(text) == hit);
  }
}

TEST_CASE("guard: another run's key matches nothing of this run's digests") {
  mynumber::Guard a, b;
  a.add("621498320257");
  CHECK(a.contains("621498320257"));
  CHECK_FALSE(b.contains("621498320257"));
}

TEST_CASE("format masks a My Number in a message, whatever the stage put there") {
  Diagnostic d{Diagnostic::Severity::error, "cases.csv", 2, 1, "case_id", "621498320257", "duplicates 123456789018"};
  CHECK(format(d) == "cases.csv:2:1: error: case_id \"6214********\": duplicates 1234********");
}
