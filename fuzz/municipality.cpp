// municipality.toml text: the one shared reading (core/config.hpp), and the ledger's policy built
// from it (ledger::load_policy reads from a path).
#include "fuzz/support.hpp"
#include "core/config.hpp"
#include "ledger/ledger.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::Scratch scratch;
  const auto text = fuzz::as_view(data, size);
  auto m = parse_municipality(text, scratch.path("municipality.toml"));
  for (const auto& d : m.problems) (void)format(d);
  if (m.ok() && m.value.batch_size < 1) fuzz::violated("accepted a batch size below 1");
  auto p = ledger::load_policy(scratch.write("municipality.toml", text));
  for (const auto& d : p.problems) (void)format(d);
  return 0;
}
