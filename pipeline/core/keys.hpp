// Personal and institutional keys, once for every stage (SPEC §13; formats in output_spec/keys.md):
// key files, passphrase-encrypted user keys, Ed25519 signatures and the city's user certificates.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/core.hpp"

namespace tsuchi::keys {

enum class Kind {
  city,        // Ed25519: signs manifests, certifies users (its files say "signing", as they always have)
  user,        // Ed25519: a person; the secret file is passphrase-encrypted unless made for a service
  contractor,  // X25519: the city seals batch passphrases to it
};
std::string_view kind_name(Kind k);  // "city", "user", "contractor"
// "city", "user", "contractor", and "signing" (the city's key under its older name).
std::optional<Kind> kind_from(std::string_view name);

// A secret text (a passphrase) that wipes itself; never copied, only moved.
class Passphrase {
 public:
  Passphrase() = default;
  explicit Passphrase(std::string_view text) : text_(text) {}
  Passphrase(Passphrase&& o) noexcept;
  Passphrase& operator=(Passphrase&& o) noexcept;
  Passphrase(const Passphrase&) = delete;
  Passphrase& operator=(const Passphrase&) = delete;
  ~Passphrase();
  std::string_view view() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};
// Why `p` may not protect a new key (empty, or fewer than 8 characters), or nullopt.
std::optional<std::string> weak_passphrase(const Passphrase& p);
// The first line of a passphrase file (--passphrase-file, $TSUCHI_PASSPHRASE_FILE), its line
// ending stripped; an empty first line is an error naming the file.
Checked<Passphrase> read_passphrase_file(const std::string& path);

// Argon2id cost, stored in each encrypted file so that new keys can be made dearer later.
struct KdfCost {
  std::uint64_t opslimit = 0;
  std::size_t memlimit = 0;  // bytes
  // libsodium's MODERATE (3 passes, 256 MiB): the default for new keys. The file is a
  // long-lived identity that, once copied, can be attacked offline; it is opened a few
  // times a day, where ~1 s is acceptable.
  static KdfCost moderate();
  // The least libsodium allows: for tests that open a key hundreds of times, never for people.
  static KdfCost minimum();
};

struct PublicKey {
  Kind kind = Kind::city;
  std::string bytes;  // 32 raw bytes
  std::string hex() const;
  std::string fingerprint() const;  // hex SHA-256 of the raw key: compare it by phone, not by mail
  bool operator==(const PublicKey&) const = default;
};
// The key of 64 lower-case hex digits, or nullopt.
std::optional<PublicKey> public_key_from_hex(Kind kind, std::string_view hex);

class SecretKey;
// Asked only when the file is encrypted, so unprotected keys never prompt.
using PassphraseSource = std::function<Checked<Passphrase>()>;
// `source` names the text in messages (its path).
Checked<SecretKey> parse_secret(std::string_view text, Kind kind, const std::string& source,
                                const PassphraseSource& ask = {});

class SecretKey {
 public:
  SecretKey() = default;  // empty: what a failed Checked<SecretKey> holds
  static SecretKey generate(Kind kind);
  // From the 32-byte Ed25519 seed (RFC 8032) or X25519 scalar (RFC 7748).
  static SecretKey from_seed(Kind kind, std::string_view seed32);
  SecretKey(SecretKey&& o) noexcept;
  SecretKey& operator=(SecretKey&& o) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  Kind kind() const { return public_.kind; }
  bool empty() const { return public_.bytes.empty(); }
  const PublicKey& public_key() const { return public_; }
  // True only for a user key read from a passphrase-encrypted file; false for keys made here
  // and for service keys written with --no-passphrase (callers warn about those).
  bool protected_by_passphrase() const { return protected_; }
  // The 64-byte detached Ed25519 signature; empty for a contractor (X25519) or empty key.
  std::string sign(std::string_view message) const;
  // The 32 raw secret bytes (seed or scalar), for the libsodium calls this type does not wrap.
  std::string_view seed() const;

 private:
  friend Checked<SecretKey> parse_secret(std::string_view, Kind, const std::string&, const PassphraseSource&);
  unsigned char secret_[64] = {};  // Ed25519: libsodium's seed || public; X25519: the scalar
  PublicKey public_;
  bool protected_ = false;
};

bool verify(const PublicKey& key, std::string_view message, std::string_view signature);

// ---- key files ----

std::string public_key_file(const PublicKey& key);
// PKCS#8 PEM; for a user key with a passphrase, the encrypted layout instead. A passphrase for
// a city or contractor key, or a weak one, is an error.
Checked<std::string> secret_key_file(const SecretKey& key, const Passphrase* passphrase,
                                     KdfCost cost = KdfCost::moderate());
Checked<PublicKey> parse_public(std::string_view text, Kind kind, const std::string& source);
Checked<PublicKey> read_public(const std::string& path, Kind kind);
Checked<SecretKey> read_secret(const std::string& path, Kind kind, const PassphraseSource& ask = {});

struct KeyPairFiles {
  std::string public_path, secret_path;
  std::string fingerprint;
  bool passphrase_protected = false;
};
// `tsuchi keygen --json`: {"kind", "public", "secret", "fingerprint_sha256", "passphrase_protected"}
// on one line, `kind` as the user named it.
std::string to_json(const KeyPairFiles& files, std::string_view kind);
// Writes PREFIX.pub (0644) and PREFIX.secret (0600), neither pre-existing (O_EXCL).
Checked<KeyPairFiles> write_pair(const std::string& prefix, const SecretKey& key, const Passphrase* passphrase,
                                 KdfCost cost = KdfCost::moderate());
// A new key of `kind`, written as write_pair does.
Checked<KeyPairFiles> generate(const std::string& prefix, Kind kind, const Passphrase* passphrase = nullptr,
                               KdfCost cost = KdfCost::moderate());

// ---- certificates: the city key vouches for a user's key and role ----
enum class Role { staff, approver, supervisor };
std::string_view role_name(Role r);
std::optional<Role> role_from(std::string_view name);

struct Certificate {
  std::string name;             // the user's registered name
  Role role = Role::staff;
  std::string user_public_key;  // hex of the user's Ed25519 key
  std::string city_key_sha256;  // fingerprint of the certifying city key (certify sets it)
  std::string issued_at;        // "YYYY-MM-DDTHH:MM:SSZ"
  std::string serial;           // the ledger's id for this certificate; empty until a ledger assigns one
  std::string signature;        // hex of the city's signature over signed_bytes() (certify sets it)
};
// The canonical JSON the city signs: every field but the signature, keys sorted, no whitespace.
std::string signed_bytes(const Certificate& c);
// The certificate as stored and handed on: signed_bytes() plus "signature".
std::string to_json(const Certificate& c);
Checked<Certificate> certify(const SecretKey& city, Certificate c);
// Refuses a certificate that is malformed, names an unknown role, was certified by another
// city key than `pinned_city`, or whose signature does not verify.
Checked<Certificate> check(std::string_view json, const PublicKey& pinned_city,
                           const std::string& source = "certificate");

}  // namespace tsuchi::keys
