// Reading typeset pages back in tests: the codes of one kind a page lists.
#pragma once
#include <vector>

#include "display/display.hpp"

namespace tsuchi::test {

inline std::vector<const display::Code*> codes_of(const display::Page& p, display::CodeKind k) {
  std::vector<const display::Code*> out;
  for (const auto& c : p.codes)
    if (c.kind == k) out.push_back(&c);
  return out;
}

}  // namespace tsuchi::test
