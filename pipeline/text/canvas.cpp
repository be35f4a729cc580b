// Millimetre drawing on a display-list page: text through the text engine, rules, codes, images.
#include <algorithm>

#include "text/text.hpp"

namespace tsuchi::text {

using display::mm;
using display::pt;

double Canvas::width(std::string_view s, Role role, double size) const { return mm(te_.width(s, role, size)); }

double Canvas::fit(std::string_view s, Role role, double size, double max_w, double min_size) const {
  const double w = width(s, role, size);
  return w > max_w ? std::max(min_size, size * max_w / w) : size;
}

LineFit Canvas::fit_line(std::string_view s, Role role, double size, double max_w, double min_size,
                         double min_hscale) const {
  // Shaping is linear in the size, but a hair of rounding must not tip a fitted line over its width.
  constexpr double kSafe = 1 - 1e-9;
  const double w = width(s, role, size);
  if (w <= max_w) return {size, 1.0, true};
  min_size = std::min(min_size, size);
  const double shrunk = size * max_w / w * kSafe;
  if (shrunk >= min_size) return {shrunk, 1.0, true};
  const double at_floor = width(s, role, min_size);
  const double hscale = at_floor > 0 ? max_w / at_floor : 1.0;
  if (hscale >= min_hscale) return {min_size, std::min(hscale * kSafe, 1.0), true};
  return {min_size, min_hscale, false};
}

namespace {
display::Bounds bounds_of(const Box& b, display::Bounds::Zone zone) {
  if (b.w <= 0 || b.h <= 0) return {};
  return {pt(b.x), pt(b.y), pt(b.w), pt(b.h), zone};
}
}  // namespace

void Canvas::text(std::string_view s, Role role, double size, double x, double y, const LineStyle& how) {
  if (s.empty()) return;
  const double hscale = how.hscale > 0 ? how.hscale : 1.0;
  if (how.max_w > 0) size = fit(s, role, size, how.max_w / hscale);
  for (auto& r : te_.line(s, role, size, pt(x), pt(y), how.align, how.gray, hscale)) {
    r.origin = how.origin;
    r.bounds = bounds_of(how.bounds, how.zone);
    page_.runs.push_back(std::move(r));
  }
}

double Canvas::paragraph(std::string_view s, Role role, double size, double x, double y, double w, double leading,
                         Align align, Breaks breaks, const Box& bounds, display::Bounds::Zone zone) {
  if (s.empty()) return 0;
  TextBlock b = te_.paragraph(s, role, size, pt(x), pt(y), pt(w), pt(leading), align, breaks);
  for (auto& r : b.runs) {
    r.bounds = bounds_of(bounds, zone);
    page_.runs.push_back(std::move(r));
  }
  return mm(b.height);
}

void Canvas::stroke(const Box& b, double width_pt, double gray) {
  page_.rects.push_back({pt(b.x), pt(b.y), pt(b.w), pt(b.h), gray, false, width_pt});
}

void Canvas::fill(const Box& b, double gray) {
  page_.rects.push_back({pt(b.x), pt(b.y), pt(b.w), pt(b.h), gray, true, 0});
}

void Canvas::code(display::CodeKind kind, std::string value, const Box& region, std::string bar_states,
                  const Box& bounds, display::Bounds::Zone zone) {
  page_.codes.push_back({kind, std::move(value), std::move(bar_states), pt(region.x), pt(region.y), pt(region.w),
                         pt(region.h), bounds_of(bounds, zone)});
}

void Canvas::image(const std::string& png, const Box& b) {
  page_.images.push_back({png, pt(b.x), pt(b.y), pt(b.w), pt(b.h)});
}

}  // namespace tsuchi::text
