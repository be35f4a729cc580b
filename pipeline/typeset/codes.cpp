// Barcode symbols on a form page, and the insertion-check QR code every page carries.
#include "typeset/forms.hpp"

namespace tsuchi::typeset::forms {

Box symbol(Canvas& c, const barcode::Symbol& s, double x, double y) {
  c.bars(s.bars, x, y);
  return {x, y, s.width_mm, s.height_mm};
}

void insertion_qr(Page& page, const TextEngine& te, const QrPlace& at) {
  std::string text = page.envelope_id + "/" + std::to_string(page.page_in_envelope) + "-" +
                     std::to_string(page.pages_in_envelope);
  Canvas c(page, te);
  auto qr = barcode::draw_qr(text, at.module);
  // A code that could not be drawn is still listed, so preflight stops the run on the missing symbol.
  Box region = qr.ok() ? symbol(c, qr.value, at.x, at.y) : Box{at.x, at.y, 33 * at.module, 33 * at.module};
  c.code(CodeKind::insertion_qr, std::move(text), region);
}

}  // namespace tsuchi::typeset::forms
