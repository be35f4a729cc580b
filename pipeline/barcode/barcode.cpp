// Drawing GS1-128 and QR symbols through zint's vector buffer, converted to millimetre Bars.
#include "barcode/barcode.hpp"

#include <zint.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace tsuchi::barcode {

namespace {

struct ZintDeleter {
  void operator()(zint_symbol* s) const { ZBarcode_Delete(s); }
};
using ZintSymbol = std::unique_ptr<zint_symbol, ZintDeleter>;

Diagnostic problem(std::string value, std::string reason) {
  Diagnostic d;
  d.column_name = "barcode";
  d.value = std::move(value);
  d.reason = std::move(reason);
  return d;
}

std::string mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f mm", v);
  return buf;
}

// Encodes and builds the vector buffer; on failure returns null and zint's reason in `why`.
ZintSymbol encode(ZintSymbol s, std::string_view data, std::string& why) {
  int rc = ZBarcode_Encode(s.get(), reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  if (rc < ZINT_ERROR) rc = ZBarcode_Buffer_Vector(s.get(), 0);
  if (rc >= ZINT_ERROR || !s->vector || s->width <= 0) {
    why = std::string("zint: ") + s->errtxt;
    return nullptr;
  }
  return s;
}

// zint's vector units per module depend on its internal scaling, so they are derived from its output.
Symbol to_symbol(const zint_symbol& s, double module_mm, double quiet_x_mm, double quiet_y_mm) {
  const double mm_per_unit = module_mm * s.width / s.vector->width;
  Symbol out;
  out.width_mm = s.vector->width * mm_per_unit + 2 * quiet_x_mm;
  out.height_mm = s.vector->height * mm_per_unit + 2 * quiet_y_mm;
  for (const zint_vector_rect* r = s.vector->rectangles; r; r = r->next) {
    if (r->colour > 0 && r->colour != 7) continue;  // -1 = foreground, 7 = black; anything else is not ink
    out.bars.push_back({quiet_x_mm + r->x * mm_per_unit, quiet_y_mm + r->y * mm_per_unit, r->width * mm_per_unit,
                        r->height * mm_per_unit});
  }
  std::sort(out.bars.begin(), out.bars.end(), [](const Bar& a, const Bar& b) { return a.y != b.y ? a.y < b.y : a.x < b.x; });
  return out;
}

}  // namespace

Checked<Symbol> draw_store_barcode(std::string_view digits44, double module_mm, double height_mm, double max_width_mm) {
  Checked<Symbol> r;
  if (!store_payload_valid(digits44)) {
    r.problems.push_back(problem(std::string(digits44), "not a 44-digit AI 91 payload with a valid check digit"));
    return r;
  }
  if (!(module_mm > 0)) r.problems.push_back(problem(mm(module_mm), "module width must be positive"));
  if (!(height_mm >= kStoreMinHeightMm))
    r.problems.push_back(problem(mm(height_mm), "bar height must be at least " + mm(kStoreMinHeightMm)));
  if (!r.ok()) return r;

  ZintSymbol s(ZBarcode_Create());
  s->symbology = BARCODE_GS1_128;
  s->input_mode = GS1_MODE;
  s->show_hrt = 0;  // the two-line digits are typeset by the caller
  s->height = static_cast<float>(height_mm / module_mm);
  s->whitespace_width = 0;  // quiet zones are added here in millimetres
  std::string why;
  s = encode(std::move(s), "[91]" + std::string(digits44.substr(2)), why);
  if (!s) {
    r.problems.push_back(problem(std::string(digits44), why));
    return r;
  }
  r.value = to_symbol(*s, module_mm, kStoreQuietZoneMm, 0);
  if (r.value.width_mm > max_width_mm + 1e-9)
    r.problems.push_back(problem(mm(r.value.width_mm), "symbol with quiet zones exceeds " + mm(max_width_mm) +
                                                           "; use a narrower module"));
  return r;
}

Symbol qr_modules(const zint_symbol& s, double module_mm);

Checked<Symbol> draw_qr(std::string_view text, double module_mm) {
  Checked<Symbol> r;
  if (text.empty()) r.problems.push_back(problem("", "QR text is empty"));
  if (!(module_mm > 0)) r.problems.push_back(problem(mm(module_mm), "module width must be positive"));
  if (!r.ok()) return r;

  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  ZintSymbol s(ZBarcode_Create());
  s->symbology = BARCODE_QRCODE;
  s->option_1 = 2;  // error correction level M
  // Non-ASCII goes as UTF-8 bytes flagged with ECI 26: zint's default would pick Shift_JIS,
  // in which readers return the yen sign as a backslash.
  s->input_mode = ascii ? DATA_MODE : UNICODE_MODE;
  if (!ascii) s->eci = 26;
  // The modules straight from zint's encoding, without its vector buffer: a QR code is a grid, and
  // building zint's rectangles (then ours from them) was a third of the time of every page's QR.
  int rc = ZBarcode_Encode(s.get(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (rc >= ZINT_ERROR || s->width <= 0 || s->rows <= 0) {
    r.problems.push_back(problem("", std::string("zint: ") + s->errtxt));
    return r;
  }
  r.value = qr_modules(*s, module_mm);
  return r;
}

Symbol qr_modules(const zint_symbol& s, double module_mm) {
  const double quiet = 4 * module_mm;  // ISO/IEC 18004: four modules on every side
  Symbol out;
  out.width_mm = s.width * module_mm + 2 * quiet;
  out.height_mm = s.rows * module_mm + 2 * quiet;
  // zint keeps a row's modules as bits, the first module in the lowest bit of the first byte.
  auto dark = [&](int row, int col) { return (s.encoded_data[row][col >> 3] >> (col & 7)) & 1; };
  for (int row = 0; row < s.rows; ++row)
    for (int col = 0; col < s.width;) {
      if (!dark(row, col)) {
        ++col;
        continue;
      }
      int end = col;
      while (end < s.width && dark(row, end)) ++end;
      out.bars.push_back({quiet + col * module_mm, quiet + row * module_mm, (end - col) * module_mm, module_mm});
      col = end;
    }
  return out;
}

Checked<Symbol> draw_qr_from_vector(std::string_view text, double module_mm) {
  Checked<Symbol> r;
  ZintSymbol s(ZBarcode_Create());
  s->symbology = BARCODE_QRCODE;
  s->option_1 = 2;
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  s->input_mode = ascii ? DATA_MODE : UNICODE_MODE;
  if (!ascii) s->eci = 26;
  std::string why;
  s = encode(std::move(s), text, why);
  if (!s) {
    r.problems.push_back(problem("", why));
    return r;
  }
  r.value = to_symbol(*s, module_mm, 4 * module_mm, 4 * module_mm);
  return r;
}

}  // namespace tsuchi::barcode
