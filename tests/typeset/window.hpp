// What the envelope window shows however the folded sheet moves, read straight from the layout
// file so the tests hold the data to its own promise: the window less the shift on every side.
#pragma once
#include <string>
#include <toml++/toml.h>

namespace tsuchi::test {

struct Area {
  double x, y, w, h;  // points
};

inline Area shift_safe_window(const std::string& data_dir) {
  constexpr double kPoints = 72.0 / 25.4;
  auto t = toml::parse_file(data_dir + "/layouts/notice.toml");
  auto v = [&](const char* k) { return t["window"][k].value<double>().value() * kPoints; };
  return {v("x") + v("shift_x"), v("y") + v("shift_y"), v("w") - 2 * v("shift_x"), v("h") - 2 * v("shift_y")};
}

}  // namespace tsuchi::test
