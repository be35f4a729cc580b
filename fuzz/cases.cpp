// cases.csv bytes (SPEC §3) in every encoding mode, then the cross-row checks against the demo
// fee schedule, so bad values reach consistency.cpp too.
#include "fuzz/support.hpp"
#include "ingest/ingest.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto fees = tsuchi::load_fees(std::string(TSUCHI_DATA_DIR) + "/examples/fees.toml");
  const auto bytes = fuzz::as_view(data, size);
  for (auto enc : {ingest::Encoding::detect, ingest::Encoding::cp932, ingest::Encoding::utf8}) {
    auto r = ingest::parse_cases(bytes, "cases.csv", enc);
    for (const auto& d : r.problems) (void)format(d);
    // Kept rows must say where they came from, and messages must never be empty.
    for (const auto& c : r.value.cases)
      if (c.line < 1) fuzz::violated("a kept case has no line");
    for (const auto& d : r.problems)
      if (d.reason.empty()) fuzz::violated("a diagnostic without a reason");
    if (enc == ingest::Encoding::detect && fees.ok())
      (void)ingest::check_consistency(r.value.cases, "cases.csv", fees.value, "fees.toml", r.value.header);
  }
  return 0;
}
