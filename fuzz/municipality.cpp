// municipality.toml text: the full reading in ingest, and the ledger's own reading of [roles],
// [office_hours] and [holidays] (ledger::load_policy reads from a path).
#include "fuzz/support.hpp"
#include "ingest/ingest.hpp"
#include "ledger/ledger.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::Scratch scratch;
  const auto text = fuzz::as_view(data, size);
  auto m = ingest::parse_municipality(text, scratch.path("municipality.toml"));
  for (const auto& d : m.problems) (void)format(d);
  if (m.ok() && m.value.batch_size < 1) fuzz::violated("accepted a batch size below 1");
  auto p = ledger::load_policy(scratch.write("municipality.toml", text));
  for (const auto& d : p.problems) (void)format(d);
  return 0;
}
