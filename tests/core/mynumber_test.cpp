// My Number rules. Reference values come from outside this code; each row names its source.
#include <doctest/doctest.h>

#include "core/mynumber.hpp"

using namespace tsuchi;

TEST_CASE("check digit: 123456789018 is a valid My Number (weights of the law, worked by hand)") {
  // Hand computation with the law's weights (Qn = n+1, n<=6; n-5, 7<=n<=11), digits from the right:
  // 1*2+0*3+9*4+8*5+7*6+6*7+5*2+4*3+3*4+2*5+1*6 = 212; 212 mod 11 = 3; 11-3 = 8.
  CHECK(mynumber::valid("123456789018"));
  CHECK_FALSE(mynumber::valid("123456789017"));
}

TEST_CASE("masking keeps four digits") {
  CHECK(mynumber::mask("id 123456789018 end") == "id 1234******** end");
  CHECK(mynumber::mask("1234 5678 9018") == "1234********");
  CHECK(mynumber::mask("123456789017") == "123456789017");
}

TEST_CASE("guard matches exact numbers only, across groupings and full-width digits") {
  mynumber::Guard g;
  g.add("123456789018");
  CHECK(g.contains("x1234-5678-9018y"));
  CHECK(g.contains("9191234567890180000"));
  CHECK(g.contains("１２３４５６７８９０１８"));
  CHECK_FALSE(g.contains("123456789017"));
}
