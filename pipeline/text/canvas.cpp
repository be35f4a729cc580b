// Millimetre drawing on a display-list page: text through the text engine, rules, codes, images.
#include <algorithm>
#include <cmath>
#include <cstring>

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

namespace {

// The key is the content itself, positions to a thousandth of a point: the same frame drawn at
// another slot differs from the first only by rounding in the offset's subtraction.
void put(std::string& k, std::int64_t v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  k.append(b, sizeof v);
}
void put(std::string& k, double v) { put(k, static_cast<std::int64_t>(std::llround(v * 1000))); }
void put(std::string& k, const display::Bounds& b) {
  put(k, b.x), put(k, b.y), put(k, b.w), put(k, b.h), put(k, static_cast<std::int64_t>(b.zone));
}

std::string key_of(const display::Form& f) {
  std::string k;
  for (const auto& r : f.runs) {
    put(k, static_cast<std::int64_t>(r.face)), put(k, r.size), put(k, r.gray), put(k, r.hscale);
    put(k, static_cast<std::int64_t>(r.origin) * 2 + (r.alert ? 1 : 0)), put(k, r.bounds);
    put(k, static_cast<std::int64_t>(r.text.size()));
    k += r.text;
    put(k, static_cast<std::int64_t>(r.glyphs.size()));
    for (const auto& g : r.glyphs) put(k, static_cast<std::int64_t>(g.id)), put(k, g.x), put(k, g.y);
    for (const auto& c : r.clusters) put(k, static_cast<std::int64_t>(c.bytes) << 32 | c.glyphs);
  }
  k.push_back('|');
  for (const auto& r : f.rects) {
    put(k, r.x), put(k, r.y), put(k, r.w), put(k, r.h), put(k, r.gray), put(k, r.stroke_width);
    put(k, static_cast<std::int64_t>(r.fill)), put(k, static_cast<std::int64_t>(r.symbol));
  }
  return k;
}

void shift(display::Bounds& b, double dx, double dy) {
  if (b.any()) b.x += dx, b.y += dy;
}

}  // namespace

std::shared_ptr<const display::Form> FormCache::intern(display::Form& f) {
  f.key = key_of(f);
  std::lock_guard lock(mutex_);
  auto it = forms_.find(f.key);
  if (it != forms_.end()) return it->second;
  if (forms_.size() >= capacity_) return nullptr;
  auto shared = std::make_shared<const display::Form>(std::move(f));
  forms_.emplace(std::string_view(shared->key), shared);
  return shared;
}

std::size_t FormCache::size() const {
  std::lock_guard lock(mutex_);
  return forms_.size();
}

void Canvas::shared(double x, double y, const std::function<void(Canvas&)>& draw) {
  if (!forms_) {
    draw(*this);
    return;
  }
  display::Page scratch;
  scratch.width = page_.width, scratch.height = page_.height;
  Canvas c(scratch, te_);  // no forms within forms
  draw(c);
  auto inline_all = [&] {
    for (auto& r : scratch.runs) page_.runs.push_back(std::move(r));
    for (auto& r : scratch.rects) page_.rects.push_back(r);
    for (auto& i : scratch.images) page_.images.push_back(std::move(i));
    for (auto& k : scratch.codes) page_.codes.push_back(std::move(k));
  };
  if (!scratch.codes.empty() || !scratch.images.empty()) return inline_all();
  // Into the form's coordinates and back again if the cache declines it.
  auto move = [&](double dx, double dy) {
    for (auto& r : scratch.runs) {
      for (auto& g : r.glyphs) g.x += dx, g.y += dy;
      shift(r.bounds, dx, dy);
    }
    for (auto& r : scratch.rects) r.x += dx, r.y += dy;
  };
  move(-pt(x), -pt(y));
  display::Form f;
  f.runs = std::move(scratch.runs);
  f.rects = std::move(scratch.rects);
  auto form = forms_->intern(f);
  if (form) {
    page_.forms.push_back({std::move(form), pt(x), pt(y)});
    return;
  }
  scratch.runs = std::move(f.runs);
  scratch.rects = std::move(f.rects);
  move(pt(x), pt(y));
  inline_all();
}

}  // namespace tsuchi::text
