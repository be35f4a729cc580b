// B.manifest.json as `tsuchi open` reads it after its signature holds: the text is signed for the
// test with a key made at start-up, so the JSON checks see every input.
#include "fuzz/seal_fixture.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::Scratch scratch;
  static const fuzz::Signer signer(scratch);
  const std::string path = scratch.path(fuzz::kSealedBatch + ".manifest.json");
  signer.sign(path, std::string(fuzz::as_view(data, size)));
  auto r = seal::read_manifest(path, signer.public_key());
  for (const auto& d : r.problems) (void)format(d);
  return 0;
}
