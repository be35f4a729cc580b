// For the seal targets: keys made at start-up, and a manifest and release signed with them for any
// archive bytes, so inputs get past the release, the signature and the archive digest to the ZIP,
// the passphrase and the bag (a real attacker cannot sign; these targets ask what happens if one could).
#pragma once
#include <sodium.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/digest.hpp"
#include "fuzz/support.hpp"
#include "core/keys.hpp"
#include "core/release.hpp"
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

// A city, a maker (staff) and an approver made at start-up: sign() writes a manifest signed by
// the maker and a release.json both signed for exactly that manifest, so open gets past the
// release and the manifest to the archive.
class Signer {
 public:
  explicit Signer(const Scratch& scratch) : scratch_(scratch) {
    if (sodium_init() < 0) violated("libsodium");
    city_key_ = scratch.write("city.pub", keys::public_key_file(city_.public_key()));
    maker_certificate_ = certificate("maker", keys::Role::staff, maker_.public_key());
    approver_certificate_ = certificate("approver", keys::Role::approver, approver_.public_key());
    template_ = nlohmann::json::parse(read_all(fixture_path(kSealedBatch + ".manifest.json")));
  }
  // The maker's key, which signs the manifests.
  const keys::PublicKey& public_key() const { return maker_.public_key(); }
  const std::string& city_key() const { return city_key_; }
  std::string release() const { return scratch_.path("release.json"); }

  // Writes B.manifest.json, its signature over exactly `text`, and release.json listing it.
  void sign(const std::string& manifest_path, const std::string& text) const {
    const std::string name = std::filesystem::path(manifest_path).filename().string();
    scratch_.write(name, text);
    scratch_.write(name + ".sig", maker_.sign(text));
    release::Release r;
    r.request = {"R20250901", "2025-09-01T01:00:00Z", {{kSealedBatch, sha256_hex(text)}}, maker_certificate_};
    r.maker_signature = release::sign_request(maker_, r.request);
    r.approval = {2, "2025-09-02T00:00:00Z", "1:" + std::string(64, '0'), approver_certificate_};
    r.approver_signature = release::sign_release(approver_, r);
    scratch_.write("release.json", release::to_json(r));
  }
  // The fixture batch's manifest, re-pointed at `archive` and the maker's key.
  std::string manifest_for(std::string_view archive) const {
    auto j = template_;
    j["archive_bytes"] = archive.size();
    j["archive_sha256"] = sha256_hex(archive);
    j["signing_key_sha256"] = maker_.public_key().fingerprint();
    return j.dump(2) + "\n";
  }

 private:
  std::string certificate(const std::string& name, keys::Role role, const keys::PublicKey& key) const {
    auto c = keys::certify(city_, {name, role, key.hex(), "", "2025-08-01T00:00:00Z", "", ""});
    if (!c.ok()) violated("certify");
    return keys::to_json(c.value);
  }
  const Scratch& scratch_;
  keys::SecretKey city_ = keys::SecretKey::generate(keys::Kind::city);
  keys::SecretKey maker_ = keys::SecretKey::generate(keys::Kind::user);
  keys::SecretKey approver_ = keys::SecretKey::generate(keys::Kind::user);
  std::string city_key_, maker_certificate_, approver_certificate_;
  nlohmann::json template_;
};

}  // namespace tsuchi::fuzz
