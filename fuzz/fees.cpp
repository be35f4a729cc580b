// fees.toml text (SPEC §3): parsing and every key check, then the month lookup and the cross-file
// checks against the demo cases with the schedules it produced.
#include "fuzz/support.hpp"
#include "ingest/ingest.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto cases = ingest::load_cases(std::string(TSUCHI_DATA_DIR) + "/examples/cases.csv");
  auto r = tsuchi::parse_fees(fuzz::as_view(data, size), "fees.toml");
  for (const auto& d : r.problems) (void)format(d);
  const auto& s = r.value.schedules;
  for (std::size_t i = 1; i < s.size(); ++i)
    if (!(s[i - 1].effective_from < s[i].effective_from)) fuzz::violated("schedules not strictly ascending");
  for (int y : {2019, 2025, 2026})
    for (int m = 1; m <= 12; ++m) (void)r.value.in_force({y, m});
  (void)ingest::check_consistency(cases.value.cases, "cases.csv", r.value, "fees.toml", cases.value.header);
  return 0;
}
