// GS1-128 and QR drawings: rasterized from our millimetre Bars and decoded with ZXing.
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "barcode/barcode.hpp"

using namespace tsuchi;
using namespace tsuchi::barcode;

namespace {

// An 8-bit grey page holding the symbol at `dpi`, a white margin around it.
struct Raster {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;
};

Raster rasterize(const Symbol& s, double dpi, double margin_mm = 3) {
  const double px_per_mm = dpi / 25.4;
  Raster r;
  r.width = static_cast<int>(std::ceil((s.width_mm + 2 * margin_mm) * px_per_mm));
  r.height = static_cast<int>(std::ceil((s.height_mm + 2 * margin_mm) * px_per_mm));
  r.pixels.assign(static_cast<std::size_t>(r.width) * r.height, 255);
  for (const Bar& b : s.bars) {
    // A pixel is ink when its centre lies inside the bar, as a printer's raster image processor decides.
    const int x0 = static_cast<int>(std::lround((margin_mm + b.x) * px_per_mm));
    const int x1 = static_cast<int>(std::lround((margin_mm + b.x + b.w) * px_per_mm));
    const int y0 = static_cast<int>(std::lround((margin_mm + b.y) * px_per_mm));
    const int y1 = static_cast<int>(std::lround((margin_mm + b.y + b.h) * px_per_mm));
    for (int y = std::max(y0, 0); y < std::min(y1, r.height); ++y)
      for (int x = std::max(x0, 0); x < std::min(x1, r.width); ++x) r.pixels[static_cast<std::size_t>(y) * r.width + x] = 0;
  }
  return r;
}

ZXing::Result decode(const Raster& r, ZXing::BarcodeFormat format) {
  ZXing::DecodeHints hints;
  hints.setFormats(format);
  return ZXing::ReadBarcode({r.pixels.data(), r.width, r.height, ZXing::ImageFormat::Lum}, hints);
}

// ZXing reports GS1's leading FNC1 as the symbology identifier ]C1 and passes the element string
// through; anything else (a leading GS, parentheses) would mean a different symbol.
std::string gs1_digits(const ZXing::Result& res) {
  std::string t = res.text();
  if (!t.empty() && t[0] == '\x1d') t.erase(0, 1);
  return t;
}

}  // namespace

TEST_CASE("GS1-128 payloads decode back to the 44 digits at common module widths") {
  struct Row { Yen amount; int reissue; double module_mm; double dpi; };
  const Row rows[] = {
      {0, 0, 0.19, 600},      {1, 0, 0.19, 600},      {12300, 1, 0.19, 400},
      {55000, 2, 0.169, 600}, {299999, 9, 0.169, 300}, {999999, 0, 0.19, 600},
  };
  for (const auto& r : rows) {
    StorePayment p;
    p.issuer_code = "912345";
    p.free_field = "000000000020250900123";
    p.reissue = r.reissue;
    p.deadline = {2025, 10, 31};
    p.amount = r.amount;
    auto digits = store_payload(p);
    REQUIRE(digits.ok());
    CAPTURE(digits.value);
    CAPTURE(r.module_mm);
    auto sym = draw_store_barcode(digits.value, r.module_mm, 12.0);
    REQUIRE(sym.ok());
    const Symbol& s = sym.value;

    // 288 modules (start C, FNC1, 22 digit pairs, check, stop) between 2.54 mm quiet zones.
    CHECK(s.width_mm == doctest::Approx(288 * r.module_mm + 2 * 2.54).epsilon(1e-4));
    CHECK(s.width_mm <= 60.0);
    CHECK(s.height_mm == doctest::Approx(12.0).epsilon(1e-3));
    double left = 1e9, right = 0;
    for (const Bar& b : s.bars) {
      left = std::min(left, b.x);
      right = std::max(right, b.x + b.w);
      CHECK(b.h == doctest::Approx(12.0).epsilon(1e-3));
    }
    CHECK(left == doctest::Approx(2.54));
    CHECK(s.width_mm - right == doctest::Approx(2.54));
    CHECK(s.bars.size() == 79);  // 3 bars per symbol character x 25 + 4 in the stop

    auto res = decode(rasterize(s, r.dpi), ZXing::BarcodeFormat::Code128);
    REQUIRE(res.isValid());
    CHECK(res.symbologyIdentifier() == "]C1");
    CHECK(gs1_digits(res) == digits.value);
  }
}

TEST_CASE("the GS1-128 module is a whole number of printer dots nearest 0.169 mm") {
  // Dots per millimetre = dpi / 25.4; GS1 Japan's guideline (barcodes.md §1) gives 0.169 mm for
  // 300/600 dpi engines and 0.190 mm for 400 dpi.
  struct Row { int dpi; int dots; double module_mm; };
  const Row rows[] = {
      {300, 2, 0.1693}, {600, 4, 0.1693}, {400, 3, 0.1905}, {720, 5, 0.1764}, {1200, 8, 0.1693}, {200, 1, 0.1270},
  };
  const std::string digits = "91912345000012345678901234567026043000123004";
  for (const auto& r : rows) {
    CAPTURE(r.dpi);
    const double module = store_module_mm(r.dpi);
    CHECK(module == doctest::Approx(r.module_mm).epsilon(5e-4));
    CHECK(module * r.dpi / 25.4 == doctest::Approx(r.dots));
    // Printed at that resolution, every bar is whole dots and the symbol reads back.
    auto sym = draw_store_barcode(digits, module, 12.0);
    REQUIRE(sym.ok());
    CHECK(sym.value.width_mm <= 60.0);
    CHECK(sym.value.height_mm >= 10.0);
    auto res = decode(rasterize(sym.value, r.dpi), ZXing::BarcodeFormat::Code128);
    REQUIRE(res.isValid());
    CHECK(gs1_digits(res) == digits);
  }
  CHECK(store_module_mm(600, 0.21) == doctest::Approx(5 * 25.4 / 600));  // another target, still whole dots
}

TEST_CASE("GS1-128 refuses what would not be a valid slip barcode") {
  const std::string good = "91912345000012345678901234567026043000123004";
  struct Row { std::string digits; double module_mm; double height_mm; const char* reason; };
  const Row rows[] = {
      {good, 0.21, 10, "symbol with quiet zones exceeds 60.00 mm; use a narrower module"},
      {good, 0.19, 9.9, "bar height must be at least 10.00 mm"},
      {good.substr(0, 43) + "5", 0.19, 10, "not a 44-digit AI 91 payload with a valid check digit"},
      {good.substr(0, 40), 0.19, 10, "not a 44-digit AI 91 payload with a valid check digit"},
  };
  for (const auto& r : rows) {
    auto sym = draw_store_barcode(r.digits, r.module_mm, r.height_mm);
    CHECK_FALSE(sym.ok());
    REQUIRE_FALSE(sym.problems.empty());
    CHECK(sym.problems.front().reason == r.reason);
  }
  // A taller symbol is fine; a narrower width limit is a setting.
  CHECK(draw_store_barcode(good, 0.19, 15).ok());
  CHECK_FALSE(draw_store_barcode(good, 0.19, 10, 55).ok());
}

TEST_CASE("QR insertion codes decode back, with a 4-module quiet zone") {
  struct Row { const char* text; double module_mm; double dpi; };
  const Row rows[] = {
      {"PREVIEW/000001/1-2", 0.5, 300},
      {"R20250901-B001/000123/2-3", 0.4, 600},
      {"R20251231-B120/099999/12-12", 0.33, 600},
      {"証明書 R20250901-B001 ¥0 sha256:9f86d081884c7d65", 0.4, 600},  // UTF-8 with ECI, yen kept
  };
  for (const auto& r : rows) {
    const std::string text = r.text;
    CAPTURE(text);
    auto sym = draw_qr(r.text, r.module_mm);
    REQUIRE(sym.ok());
    const Symbol& s = sym.value;
    double left = 1e9, top = 1e9, right = 0, bottom = 0;
    for (const Bar& b : s.bars) {
      left = std::min(left, b.x);
      top = std::min(top, b.y);
      right = std::max(right, b.x + b.w);
      bottom = std::max(bottom, b.y + b.h);
    }
    // A finder pattern sits in each corner, so the ink spans the whole symbol inside the quiet zone.
    CHECK(left == doctest::Approx(4 * r.module_mm));
    CHECK(top == doctest::Approx(4 * r.module_mm));
    CHECK(s.width_mm - right == doctest::Approx(4 * r.module_mm));
    CHECK(s.height_mm - bottom == doctest::Approx(4 * r.module_mm));
    const double modules = s.width_mm / r.module_mm - 8;
    CHECK(modules == doctest::Approx(std::round(modules)));
    CHECK(std::lround(modules) % 4 == 1);  // QR versions are 21, 25, 29... modules wide

    auto res = decode(rasterize(s, r.dpi, 0), ZXing::BarcodeFormat::QRCode);
    REQUIRE(res.isValid());
    CHECK(res.text() == r.text);
    CHECK(res.ecLevel() == "M");
  }
  CHECK_FALSE(draw_qr("", 0.5).ok());
}

// draw_qr reads zint's module bits; zint's own vector output is the reference they must equal,
// module for module (zint's rectangles may span rows, ours one row each, so the dark modules are
// compared), ASCII and UTF-8 (ECI 26) alike.
TEST_CASE("QR modules read from zint's encoding equal zint's vector drawing") {
  auto modules = [](const Symbol& s, double module) {
    const int n = static_cast<int>(std::lround(s.width_mm / module));
    std::vector<int> dark(static_cast<std::size_t>(n) * n, 0);
    for (const Bar& b : s.bars)
      for (int y = static_cast<int>(std::lround(b.y / module)); y < std::lround((b.y + b.h) / module); ++y)
        for (int x = static_cast<int>(std::lround(b.x / module)); x < std::lround((b.x + b.w) / module); ++x)
          dark[static_cast<std::size_t>(y) * n + x] += 1;
    return dark;
  };
  const char* texts[] = {"R20250901-B001/000001/1-2", "PREVIEW/000001/1-1", "https://example.jp/el?no=1234567890",
                         "納付番号 01000 0000 0000 0620 2601 ￥4,800", "A"};
  for (const char* t : texts) {
    CAPTURE(t);
    auto bits = draw_qr(t, 0.5), vec = draw_qr_from_vector(t, 0.5);
    REQUIRE(bits.ok());
    REQUIRE(vec.ok());
    CHECK(bits.value.width_mm == doctest::Approx(vec.value.width_mm));
    CHECK(bits.value.height_mm == doctest::Approx(vec.value.height_mm));
    const auto a = modules(bits.value, 0.5), b = modules(vec.value, 0.5);
    CHECK(std::count(a.begin(), a.end(), 1) > 100);  // a real symbol, each module drawn once
    CHECK(std::count_if(a.begin(), a.end(), [](int v) { return v > 1; }) == 0);
    CHECK(a == b);
  }
}
