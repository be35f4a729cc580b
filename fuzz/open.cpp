// `tsuchi open` on arbitrary archives: the passphrase on the first line, then the bytes of B.zip.
// The manifest beside it and its release are signed for exactly those bytes (seal_fixture.hpp), so
// each input reaches libzip, the entry checks, decryption and the bag. Nothing is written: verify_batch is
// everything open_batch does before extracting.
#include "fuzz/seal_fixture.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::Scratch scratch;
  static const fuzz::Signer signer(scratch);
  std::string_view rest = fuzz::as_view(data, size);
  const auto passphrase = fuzz::take_line(rest);
  const std::string archive = scratch.write(fuzz::kSealedBatch + ".zip", rest);
  signer.sign(scratch.path(fuzz::kSealedBatch + ".manifest.json"), signer.manifest_for(rest));
  seal::OpenRequest req;
  req.archive = archive;
  req.key = scratch.write(fuzz::kSealedBatch + ".key", std::string(passphrase) + "\n");
  req.release = signer.release();
  req.city_key = signer.city_key();
  req.limits.max_archive_bytes = req.limits.max_unpacked_bytes = 64u << 20;  // libFuzzer's RSS limit is 2 GiB
  auto r = seal::verify_batch(req);
  for (const auto& d : r.problems) (void)format(d);
  if (r.ok()) {
    if (r.value.files.empty()) fuzz::violated("verified a batch with no files");
    for (const auto& f : r.value.files)
      if (f.name.empty() || f.name.front() == '/' || f.name.find("..") != std::string::npos)
        fuzz::violated("verified a file name that could leave the bag folder");
  }
  return 0;
}
