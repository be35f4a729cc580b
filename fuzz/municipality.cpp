// municipality.toml text: the one shared reading (core/config.hpp), and the ledger's policy built
// from it (what `ledger init` and `config set` pin).
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
  if (m.ok() && ledger::policy_of(m.value).certificate_due_days < 1) fuzz::violated("accepted certificate due days below 1");
  return 0;
}
