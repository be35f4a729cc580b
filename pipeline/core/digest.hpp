// Digests and hex, once for every stage: the file hashes of audit records, manifests and bags.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tsuchi::digest {

std::string hex(std::string_view bytes);  // lower case
// The bytes of lower-case hex digits; nullopt for anything else (odd length, upper case, …).
std::optional<std::string> unhex(std::string_view hex);
std::string sha256(std::string_view bytes);  // raw 32 bytes
std::string sha256_hex(std::string_view bytes);
std::string sha512_hex(std::string_view bytes);
// SHA-256 fed piece by piece (libsodium's state), for digests over more rows than fit in memory.
class Sha256 {
 public:
  Sha256();
  void add(std::string_view bytes);
  std::string hex();  // ends it: call once
 private:
  alignas(16) unsigned char state_[128];  // crypto_hash_sha256_state, kept opaque so callers need no sodium.h
};
// `bytes` random bytes from the system's CSPRNG, as hex (ids, nonces).
std::string random_hex(std::size_t bytes);

}  // namespace tsuchi::digest
