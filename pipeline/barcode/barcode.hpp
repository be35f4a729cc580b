// Barcodes: the data each code carries (pure logic) and its drawing as plain rectangles
// (millimetres, origin top-left of the symbol), so typeset can place them and preflight can
// compare what it decodes with what was meant (SPEC §5, barcodes.md).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.hpp"

namespace tsuchi::barcode {

// A filled rectangle of a symbol, in mm relative to the symbol's top-left corner.
struct Bar {
  double x = 0, y = 0, w = 0, h = 0;
};

struct Symbol {
  double width_mm = 0, height_mm = 0;  // including quiet zones
  std::vector<Bar> bars;
};

// --- Convenience-store collection (GS1-128, AI 91, 44 digits) ---
struct StorePayment {
  std::string issuer_code;     // 6 digits
  std::string free_field;      // 21 digits (agent sub-code + reference, zero-padded by the caller)
  int reissue = 0;             // 0..9
  Date deadline;               // convenience-store deadline
  bool revenue_stamp = false;  // 0 for public charges
  Yen amount = 0;              // 0..999999
};
// 44 digits with the modulus-10 weight-3/1 check digit, or a reason in `problems`.
Checked<std::string> store_payload(const StorePayment& p);
char store_check_digit(std::string_view first43);  // '0'..'9'
bool store_payload_valid(std::string_view digits44);
// Where the human-readable digits break and whether fields are spaced apart: the reference leaves
// both unconfirmed, so they are settings (output_spec/barcodes.md documents the default).
struct StoreTextLayout {
  int line1_digits = 29;     // line 1 = AI + issuer + free field, line 2 = the remaining 15 digits
  bool field_spaces = true;  // a space between fields; the AI is shown as "(91)"
};
// The two human-readable lines printed under the bars.
std::pair<std::string, std::string> store_human_readable(std::string_view digits44, const StoreTextLayout& layout = {});
inline constexpr double kStoreQuietZoneMm = 2.54;   // each side
inline constexpr double kStoreMaxWidthMm = 60.0;    // quiet zones included
inline constexpr double kStoreMinHeightMm = 10.0;
inline constexpr int kStoreModules = 288;            // 44 digits in Code 128 set C with FNC1
inline constexpr double kStoreModuleTargetMm = 0.169;  // GS1 Japan's guideline for 300/600 dpi engines
// The module in whole printer dots: the dot count nearest `target_mm` at `dpi`, at least one dot
// (600 dpi: 4 dots = 0.1693 mm; 400 dpi: 3 dots = 0.1905 mm).
double store_module_mm(int dpi, double target_mm = kStoreModuleTargetMm);
// Symbol width with both quiet zones at `module_mm`.
inline double store_width_mm(double module_mm) { return kStoreModules * module_mm + 2 * kStoreQuietZoneMm; }
// Vector drawing through zint (GS1 mode, [91]...), total width <= max_width_mm with quiet zones.
// Bars start at x = kStoreQuietZoneMm; the symbol is exactly height_mm tall (no text).
Checked<Symbol> draw_store_barcode(std::string_view digits44, double module_mm = store_module_mm(600),
                                   double height_mm = kStoreMinHeightMm, double max_width_mm = kStoreMaxWidthMm);

// --- Japan Post customer barcode (カスタマバーコード) ---
struct CustomerCode {
  std::string data;         // postcode + address number before padding and cut, e.g. "26300233-30-8-403"
  std::string check_digit;  // "0".."9", "-", "CC1".."CC8"
  std::vector<std::string> symbols;  // the 20 data symbols after padding/cut (each "0".."9", "-", "CC1".."CC8")
};
// "263-0023", "2630023" or full-width forms -> "2630023"; nullopt unless exactly 7 digits.
std::optional<std::string> normalize_postal_code(std::string_view postal_code);
// nullopt when no customer barcode applies (e.g. a town's representative postcode ending in 00) or the
// postcode is not 7 digits. `address` is the whole address (prefecture onwards); pass the building
// (方書) after a space, as it takes part in the address number.
std::optional<CustomerCode> customer_code(std::string_view postal_code7, std::string_view address);
// The check digit that makes the 20 symbols plus itself a multiple of 19.
std::string customer_check_digit(const std::vector<std::string>& symbols20);
// The 67 bar states: '1' long, '2' upper semi-long (ascender), '3' lower semi-long (descender), '4' timing.
std::string customer_bar_states(const CustomerCode& c);
// Drawing at the nominal 10 pt size (bar 0.6 mm, pitch 1.2 mm, long 3.6 mm) with a 2 mm blank around.
Symbol draw_customer_barcode(const CustomerCode& c);
// Reads bar states back from a drawn symbol's bars (used by preflight on what the page holds).
// Works at any scale: bars are classed by their reach relative to the tallest bar.
std::string bar_states_from_symbol(const Symbol& s);
// The 20 data symbols and the check digit read from 67 bar states; nullopt when start/stop, a
// character pattern or the check digit is wrong.
std::optional<std::vector<std::string>> customer_symbols_from_states(std::string_view states67);

// --- QR code (insertion check, certificate form) ---
// ASCII/UTF-8 text in byte mode, error correction M, with a 4-module quiet zone.
Checked<Symbol> draw_qr(std::string_view text, double module_mm = 0.5);
// The same symbol built from zint's vector output, as draw_qr did before issue 14: kept so a test
// can hold the two to the same modules.
Checked<Symbol> draw_qr_from_vector(std::string_view text, double module_mm = 0.5);

}  // namespace tsuchi::barcode
