// The customer-barcode address extractor (barcode::customer_code, カスタマバーコード): postal code on
// the first line, the address after it. Whatever it makes must draw, read back and check.
#include "barcode/barcode.hpp"
#include "fuzz/support.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = fuzz::as_view(data, size);
  const auto postal = fuzz::take_line(rest);
  (void)barcode::normalize_postal_code(postal);
  auto code = barcode::customer_code(postal, rest);
  if (!code) return 0;
  if (code->symbols.size() != 20) fuzz::violated("not 20 data symbols");
  if (barcode::customer_check_digit(code->symbols) != code->check_digit) fuzz::violated("check digit differs");
  const std::string states = barcode::customer_bar_states(*code);
  if (states.size() != 67) fuzz::violated("not 67 bars");
  auto back = barcode::customer_symbols_from_states(states);
  if (!back || back->size() != 21 || !std::equal(code->symbols.begin(), code->symbols.end(), back->begin()) ||
      back->back() != code->check_digit)
    fuzz::violated("the bars do not read back as the symbols they were drawn from");
  if (barcode::bar_states_from_symbol(barcode::draw_customer_barcode(*code)) != states)
    fuzz::violated("the drawing does not read back as its bar states");
  return 0;
}
