// Millimetre drawing on a display-list page: text through the text engine, rules, barcodes.
#include "typeset/forms.hpp"

namespace tsuchi::typeset::forms {

double Canvas::width(std::string_view s, Role role, double size) const { return mm(te_.width(s, role, size)); }

void Canvas::text(std::string_view s, Role role, double size, double x, double y, Align align, double gray) {
  if (s.empty()) return;
  auto runs = te_.line(s, role, size, pt(x), pt(y), align, gray);
  for (auto& r : runs) page_.runs.push_back(std::move(r));
}

double Canvas::paragraph(std::string_view s, Role role, double size, double x, double y, double w, double leading,
                         Align align) {
  if (s.empty()) return 0;
  TextBlock b = te_.paragraph(s, role, size, pt(x), pt(y), pt(w), pt(leading), align);
  for (auto& r : b.runs) page_.runs.push_back(std::move(r));
  return mm(b.height);
}

void Canvas::stroke(const Box& b, double width_pt, double gray) {
  page_.rects.push_back({pt(b.x), pt(b.y), pt(b.w), pt(b.h), gray, false, width_pt});
}

void Canvas::fill(const Box& b, double gray) {
  page_.rects.push_back({pt(b.x), pt(b.y), pt(b.w), pt(b.h), gray, true, 0});
}

Box Canvas::symbol(const barcode::Symbol& s, double x, double y) {
  for (const auto& bar : s.bars) page_.rects.push_back({pt(x + bar.x), pt(y + bar.y), pt(bar.w), pt(bar.h), 0, true, 0});
  return {x, y, s.width_mm, s.height_mm};
}

void Canvas::code(CodeKind kind, std::string value, const Box& region, std::string bar_states) {
  page_.codes.push_back({kind, std::move(value), std::move(bar_states), pt(region.x), pt(region.y), pt(region.w),
                         pt(region.h)});
}

void Canvas::image(const std::string& png, const Box& b) {
  page_.images.push_back({png, pt(b.x), pt(b.y), pt(b.w), pt(b.h)});
}

void insertion_qr(Page& page, const TextEngine& te, const QrPlace& at) {
  std::string text = page.envelope_id + "/" + std::to_string(page.page_in_envelope) + "-" +
                     std::to_string(page.pages_in_envelope);
  Canvas c(page, te);
  auto qr = barcode::draw_qr(text, at.module);
  // A code that could not be drawn is still listed, so preflight stops the run on the missing symbol.
  Box region = qr.ok() ? c.symbol(qr.value, at.x, at.y) : Box{at.x, at.y, 33 * at.module, 33 * at.module};
  c.code(CodeKind::insertion_qr, std::move(text), region);
}

}  // namespace tsuchi::typeset::forms
