// For the seal targets: a city key made at start-up, and a manifest signed with it for any
// archive bytes, so inputs get past the signature and the archive digest to the ZIP, the
// passphrase and the bag (a real attacker cannot sign; these targets ask what happens if one could).
#pragma once
#include <sodium.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/digest.hpp"
#include "fuzz/support.hpp"
#include "core/keys.hpp"
#include "seal/seal.hpp"

namespace tsuchi::fuzz {

inline const std::string kSealedBatch = "R20250901-B001";
// The batch and keys in tests/fixtures/sealed, shared with the e2e tests (tests/e2e/test_seal_open.py).
inline std::string fixture_path(const std::string& name) { return std::string(TSUCHI_FIXTURES_DIR) + "/sealed/" + name; }

inline std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

using digest::sha256_hex;

class Signer {
 public:
  explicit Signer(const Scratch& scratch) : scratch_(scratch) {
    if (sodium_init() < 0) violated("libsodium");
    auto files = keys::generate(scratch.path("city"), keys::Kind::city);
    if (!files.ok()) violated("keygen");
    public_key_ = files.value.public_path;
    auto keys = seal::load_keys({files.value.secret_path, ""});
    if (!keys.ok()) violated("load_keys");
    keys_ = keys.value;
    template_ = nlohmann::json::parse(read_all(fixture_path(kSealedBatch + ".manifest.json")));
  }
  const std::string& public_key() const { return public_key_; }

  // Writes B.manifest.json and its signature over exactly `text`.
  void sign(const std::string& manifest_path, const std::string& text) const {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                         reinterpret_cast<const unsigned char*>(keys_.signing_secret.data()));
    scratch_.write(std::filesystem::path(manifest_path).filename().string(), text);
    scratch_.write(std::filesystem::path(manifest_path).filename().string() + ".sig",
                   std::string_view(reinterpret_cast<const char*>(sig), sizeof sig));
  }
  // The fixture batch's manifest, re-pointed at `archive` and this signer's key.
  std::string manifest_for(std::string_view archive) const {
    auto j = template_;
    j["archive_bytes"] = archive.size();
    j["archive_sha256"] = sha256_hex(archive);
    j["signing_key_sha256"] = sha256_hex(keys_.signing_public);
    return j.dump(2) + "\n";
  }

 private:
  const Scratch& scratch_;
  std::string public_key_;
  seal::SealingKeys keys_;
  nlohmann::json template_;
};

}  // namespace tsuchi::fuzz
