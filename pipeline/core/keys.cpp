#include "core/keys.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/digest.hpp"
#include "core/file.hpp"
#include "core/utf8.hpp"

namespace tsuchi::keys {
namespace {

using namespace std::string_view_literals;

// libsodium aborts on its own when the system RNG fails; initialisation failing is the same case.
void init() {
  if (sodium_init() < 0) std::abort();
}

Diagnostic error(const std::string& file, std::string reason, std::string value = {}) {
  Diagnostic d;
  d.file = file;
  d.value = std::move(value);
  d.reason = std::move(reason);
  return d;
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

void wipe(std::string& s) {
  sodium_memzero(s.data(), s.size());
  s.clear();
}

// Wipes a secret string when leaving scope, whatever the path out.
struct Wipe {
  std::string& s;
  ~Wipe() { sodium_memzero(s.data(), s.size()); }
};

// ---- PEM files (RFC 8410 keys after one "tsuchi-key: <kind>" line) ----
// DER prefixes of the fixed-size encodings of RFC 8410 keys; the 32 key bytes follow. Written by
// hand because they are constant bytes, and it keeps the shared layer off an ASN.1 library.
struct PemFormat {
  const char* kind;   // the tsuchi-key line
  const char* label;  // PEM label
  std::string_view der_prefix;
  const char* what;   // for messages
};
constexpr auto kEd25519Public = "\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00"sv;
constexpr auto kEd25519Secret = "\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20"sv;
constexpr auto kX25519Public = "\x30\x2a\x30\x05\x06\x03\x2b\x65\x6e\x03\x21\x00"sv;
constexpr auto kX25519Secret = "\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x6e\x04\x22\x04\x20"sv;

// By kind, then public (0) or secret (1).
const PemFormat& pem_format(Kind k, bool secret) {
  static const PemFormat f[3][2] = {
      {{"signing-public", "PUBLIC KEY", kEd25519Public, "a city signing public key (Ed25519)"},
       {"signing-secret", "PRIVATE KEY", kEd25519Secret, "a city signing secret key (Ed25519)"}},
      {{"user-public", "PUBLIC KEY", kEd25519Public, "a user public key (Ed25519)"},
       {"user-secret-unprotected", "PRIVATE KEY", kEd25519Secret, "a user secret key (Ed25519)"}},
      {{"contractor-public", "PUBLIC KEY", kX25519Public, "a contractor public key (X25519)"},
       {"contractor-secret", "PRIVATE KEY", kX25519Secret, "a contractor secret key (X25519)"}},
  };
  return f[static_cast<int>(k)][secret ? 1 : 0];
}
constexpr auto kEncryptedKind = "user-secret-encrypted"sv;

std::string base64(std::string_view raw) {
  std::string b64(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), bytes(raw), raw.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return b64;
}

std::string pem_text(const PemFormat& f, std::string_view raw32) {
  std::string der = std::string(f.der_prefix) + std::string(raw32);
  std::string b64 = base64(der);  // both encodings fit one 64-column PEM line
  wipe(der);
  std::string text = std::string("tsuchi-key: ") + f.kind + "\n-----BEGIN " + f.label + "-----\n" + b64 +
                     "\n-----END " + f.label + "-----\n";
  wipe(b64);
  return text;
}

// The kind named on the "tsuchi-key:" line, if the file has one before its PEM block. The line is
// optional (keys made by `openssl genpkey` lack it) but must not contradict what is expected.
std::optional<std::string> kind_line(std::string_view text) {
  auto k = text.find("tsuchi-key:");
  if (k == std::string_view::npos || k > text.find("-----BEGIN")) return std::nullopt;
  auto eol = text.find('\n', k);
  std::string named(text.substr(k + 11, eol == std::string_view::npos ? std::string_view::npos : eol - k - 11));
  while (!named.empty() && (named.front() == ' ' || named.front() == '\t')) named.erase(0, 1);
  while (!named.empty() && (named.back() == ' ' || named.back() == '\r')) named.pop_back();
  return named;
}

// The raw 32 bytes of a PEM key file of format `f`.
Checked<std::string> read_pem(std::string_view text, const PemFormat& f, const std::string& source) {
  Checked<std::string> r;
  if (auto named = kind_line(text); named && *named != f.kind) {
    r.problems.push_back(error(source, "is a " + *named + " key, expected " + f.what, *named));
    return r;
  }
  const std::string begin = std::string("-----BEGIN ") + f.label + "-----";
  const std::string end = std::string("-----END ") + f.label + "-----";
  auto b = text.find(begin);
  auto e = b == std::string_view::npos ? b : text.find(end, b);
  std::string der(128, '\0');
  std::size_t der_len = 0;
  bool decoded = b != std::string_view::npos && e != std::string_view::npos &&
                 sodium_base642bin(bytes(der), der.size(), text.data() + b + begin.size(), e - b - begin.size(),
                                   " \t\r\n", &der_len, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0;
  if (!decoded || der_len != f.der_prefix.size() + 32 ||
      std::string_view(der.data(), f.der_prefix.size()) != f.der_prefix) {
    r.problems.push_back(error(source, std::string("not ") + f.what + " (expected PEM \"" + f.label + "\")"));
  } else {
    r.value.assign(der.data() + f.der_prefix.size(), 32);
  }
  wipe(der);
  return r;
}

// ---- the encrypted user key (output_spec/keys.md) ----
constexpr int kEncryptedFormat = 1;
constexpr std::uint64_t kMaxOpslimit = 16;  // readers bound the work a file may ask for

struct Sealed {
  std::string public_key;  // 32 bytes
  KdfCost cost;
  std::string salt, nonce, ciphertext;
};

// Everything before the ciphertext line: authenticated as associated data, so the kind line, the
// version, the public key and the cost cannot be changed without the passphrase failing.
std::string sealed_header(const Sealed& s) {
  return std::string("tsuchi-key: ") + std::string(kEncryptedKind) + "\nformat: " + std::to_string(kEncryptedFormat) +
         "\npublic-key: " + digest::hex(s.public_key) + "\nkdf: argon2id13 opslimit=" + std::to_string(s.cost.opslimit) +
         " memlimit=" + std::to_string(s.cost.memlimit) + " salt=" + digest::hex(s.salt) +
         "\naead: xchacha20poly1305-ietf nonce=" + digest::hex(s.nonce) + "\n";
}
std::string sealed_text(const Sealed& s) { return sealed_header(s) + "sealed-seed: " + base64(s.ciphertext) + "\n"; }

std::optional<std::string> from_hex(std::string_view hex, std::size_t n) {
  if (hex.size() != 2 * n) return std::nullopt;
  std::string out(n, '\0');
  std::size_t len = 0;
  if (sodium_hex2bin(bytes(out), n, hex.data(), hex.size(), nullptr, &len, nullptr) != 0 || len != n)
    return std::nullopt;
  return out;
}

// The value after `key=` in a line of space-separated fields, or empty.
std::string_view field(std::string_view line, std::string_view key) {
  std::string needle = " " + std::string(key) + "=";
  auto at = line.find(needle);
  if (at == std::string_view::npos) return {};
  auto v = line.substr(at + needle.size());
  return v.substr(0, v.find(' '));
}

template <class N>
std::optional<N> number(std::string_view s) {
  N n{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

// Parses the layout and accepts it only if writing it back gives the same bytes: every byte of
// the file is either checked here or authenticated by the cipher.
std::optional<Sealed> parse_sealed(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    auto nl = text.find('\n', at);
    if (nl == std::string_view::npos) return std::nullopt;
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  if (lines.size() != 6) return std::nullopt;
  Sealed s;
  auto after = [](std::string_view line, std::string_view prefix) {
    return line.substr(0, prefix.size()) == prefix ? line.substr(prefix.size()) : std::string_view{};
  };
  auto pk = from_hex(after(lines[2], "public-key: "), 32);
  auto ops = number<std::uint64_t>(field(lines[3], "opslimit"));
  auto mem = number<std::size_t>(field(lines[3], "memlimit"));
  auto salt = from_hex(field(lines[3], "salt"), crypto_pwhash_SALTBYTES);
  auto nonce = from_hex(field(lines[4], "nonce"), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  auto b64 = after(lines[5], "sealed-seed: ");
  std::string ct(32 + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  std::size_t ct_len = 0;
  if (!pk || !ops || !mem || !salt || !nonce ||
      sodium_base642bin(bytes(ct), ct.size(), b64.data(), b64.size(), nullptr, &ct_len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      ct_len != ct.size())
    return std::nullopt;
  s.public_key = *pk;
  s.cost = {*ops, *mem};
  s.salt = *salt;
  s.nonce = *nonce;
  s.ciphertext = ct;
  if (sealed_text(s) != text) return std::nullopt;
  return s;
}

// The XChaCha20-Poly1305 key Argon2id derives from the passphrase; empty when out of memory.
std::string derive(const Passphrase& p, const Sealed& s) {
  std::string key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
  if (crypto_pwhash(bytes(key), key.size(), p.view().data(), p.view().size(), bytes(s.salt), s.cost.opslimit,
                    s.cost.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    wipe(key);
  return key;
}

Checked<std::string> encrypt(const SecretKey& key, const Passphrase& p, KdfCost cost) {
  Checked<std::string> r;
  Sealed s;
  s.public_key = key.public_key().bytes;
  s.cost = cost;
  s.salt.resize(crypto_pwhash_SALTBYTES);
  s.nonce.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  randombytes_buf(s.salt.data(), s.salt.size());
  randombytes_buf(s.nonce.data(), s.nonce.size());
  std::string k = derive(p, s);
  Wipe wipe_k{k};
  if (k.empty()) {
    r.problems.push_back(error("passphrase", "cannot derive the key (Argon2id needs " +
                                                 file::size_text(cost.memlimit) + " of memory)"));
    return r;
  }
  const std::string ad = sealed_header(s);
  s.ciphertext.resize(32 + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(bytes(s.ciphertext), &len, bytes(key.seed()), 32, bytes(ad), ad.size(),
                                             nullptr, bytes(s.nonce), bytes(k));
  r.value = sealed_text(s);
  return r;
}

}  // namespace

std::string_view kind_name(Kind k) {
  static constexpr std::string_view names[] = {"city", "user", "contractor"};
  return names[static_cast<int>(k)];
}

std::optional<Kind> kind_from(std::string_view name) {
  if (name == "city" || name == "signing") return Kind::city;
  if (name == "user") return Kind::user;
  if (name == "contractor") return Kind::contractor;
  return std::nullopt;
}

// ---- passphrases ----
Passphrase::Passphrase(Passphrase&& o) noexcept : text_(o.text_) { wipe(o.text_); }
Passphrase& Passphrase::operator=(Passphrase&& o) noexcept {
  if (this != &o) {
    wipe(text_);
    text_ = o.text_;
    wipe(o.text_);
  }
  return *this;
}
Passphrase::~Passphrase() { sodium_memzero(text_.data(), text_.size()); }

std::optional<std::string> weak_passphrase(const Passphrase& p) {
  if (p.empty()) return "the passphrase is empty";
  std::size_t characters = 0;
  for (char c : p.view()) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (characters < 8) return "the passphrase is shorter than 8 characters";
  return std::nullopt;
}

Checked<Passphrase> read_passphrase_file(const std::string& path) {
  Checked<Passphrase> r;
  auto text = file::read(path, 64 * 1024, r.problems);
  if (!text) return r;
  auto end = text->find('\n');
  if (end == std::string::npos) end = text->size();
  if (end > 0 && (*text)[end - 1] == '\r') --end;
  if (end == 0)
    r.problems.push_back(Diagnostic{Diagnostic::Severity::error, path, 0, 0, "", "", "the first line is empty: no passphrase"});
  else
    r.value = Passphrase(std::string_view(*text).substr(0, end));
  sodium_memzero(text->data(), text->size());
  return r;
}

KdfCost KdfCost::moderate() { return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE}; }
KdfCost KdfCost::minimum() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

// ---- keys and signatures ----
std::string PublicKey::hex() const { return digest::hex(bytes); }
std::string PublicKey::fingerprint() const { return digest::sha256_hex(bytes); }

std::optional<PublicKey> public_key_from_hex(Kind kind, std::string_view hex) {
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  auto raw = from_hex(hex, 32);
  if (!raw) return std::nullopt;
  return PublicKey{kind, *raw};
}

SecretKey SecretKey::generate(Kind kind) {
  init();
  SecretKey k;
  k.public_ = {kind, std::string(32, '\0')};
  if (kind == Kind::contractor) crypto_box_keypair(bytes(k.public_.bytes), k.secret_);
  else crypto_sign_keypair(bytes(k.public_.bytes), k.secret_);
  return k;
}

SecretKey SecretKey::from_seed(Kind kind, std::string_view seed32) {
  init();
  SecretKey k;
  if (seed32.size() != 32) return k;
  k.public_ = {kind, std::string(32, '\0')};
  if (kind == Kind::contractor) {
    std::memcpy(k.secret_, seed32.data(), 32);
    crypto_scalarmult_base(bytes(k.public_.bytes), k.secret_);
  } else {
    crypto_sign_seed_keypair(bytes(k.public_.bytes), k.secret_, bytes(seed32));
  }
  return k;
}

SecretKey::SecretKey(SecretKey&& o) noexcept : public_(std::move(o.public_)), protected_(o.protected_) {
  std::memcpy(secret_, o.secret_, sizeof secret_);
  sodium_memzero(o.secret_, sizeof o.secret_);
  o.public_.bytes.clear();
}
SecretKey& SecretKey::operator=(SecretKey&& o) noexcept {
  if (this != &o) {
    std::memcpy(secret_, o.secret_, sizeof secret_);
    sodium_memzero(o.secret_, sizeof o.secret_);
    public_ = std::move(o.public_);
    o.public_.bytes.clear();
    protected_ = o.protected_;
  }
  return *this;
}
SecretKey::~SecretKey() { sodium_memzero(secret_, sizeof secret_); }

std::string SecretKey::sign(std::string_view message) const {
  if (empty() || kind() == Kind::contractor) return {};
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(bytes(sig), nullptr, bytes(message), message.size(), secret_);
  return sig;
}

std::string_view SecretKey::seed() const { return {reinterpret_cast<const char*>(secret_), 32}; }

bool verify(const PublicKey& key, std::string_view message, std::string_view signature) {
  init();
  return key.kind != Kind::contractor && key.bytes.size() == crypto_sign_PUBLICKEYBYTES &&
         signature.size() == crypto_sign_BYTES &&
         crypto_sign_verify_detached(bytes(signature), bytes(message), message.size(), bytes(key.bytes)) == 0;
}

// ---- key files ----
std::string public_key_file(const PublicKey& key) { return pem_text(pem_format(key.kind, false), key.bytes); }

Checked<std::string> secret_key_file(const SecretKey& key, const Passphrase* passphrase, KdfCost cost) {
  init();
  Checked<std::string> r;
  if (key.empty()) {
    r.problems.push_back(error("key", "no key to write"));
  } else if (passphrase && key.kind() != Kind::user) {
    r.problems.push_back(error("passphrase", "only user keys are protected by a passphrase; a " +
                                                 std::string(kind_name(key.kind())) +
                                                 " secret key is a plain file kept at mode 0600"));
  } else if (!passphrase) {
    r.value = pem_text(pem_format(key.kind(), true), key.seed());
  } else if (auto weak = weak_passphrase(*passphrase)) {
    r.problems.push_back(error("passphrase", *weak + ": a user key needs at least 8 characters"));
  } else {
    return encrypt(key, *passphrase, cost);
  }
  return r;
}

Checked<PublicKey> parse_public(std::string_view text, Kind kind, const std::string& source) {
  Checked<PublicKey> r;
  auto raw = read_pem(text, pem_format(kind, false), source);
  r.problems = std::move(raw.problems);
  if (r.ok()) r.value = {kind, raw.value};
  return r;
}

Checked<SecretKey> parse_secret(std::string_view text, Kind kind, const std::string& source,
                                const PassphraseSource& ask) {
  init();
  Checked<SecretKey> r;
  auto named = kind_line(text);
  if (!named || *named != kEncryptedKind || kind != Kind::user) {
    auto seed = read_pem(text, pem_format(kind, true), source);
    Wipe wipe_seed{seed.value};
    r.problems = std::move(seed.problems);
    if (r.ok()) r.value = SecretKey::from_seed(kind, seed.value);
    return r;
  }
  auto sealed = parse_sealed(text);
  if (!sealed) {
    r.problems.push_back(error(source, "damaged encrypted user key file (its layout is not the one "
                                       "output_spec/keys.md describes)"));
    return r;
  }
  const auto& c = sealed->cost;
  if (c.opslimit < crypto_pwhash_OPSLIMIT_MIN || c.opslimit > kMaxOpslimit || c.memlimit < crypto_pwhash_MEMLIMIT_MIN ||
      c.memlimit > crypto_pwhash_MEMLIMIT_SENSITIVE) {
    r.problems.push_back(error(source, "the key file asks for an Argon2id cost outside the accepted range "
                                       "(at most " + std::to_string(kMaxOpslimit) + " passes and " +
                                       file::size_text(crypto_pwhash_MEMLIMIT_SENSITIVE) + ")"));
    return r;
  }
  if (!ask) {
    r.problems.push_back(error(source, "this user key is encrypted and no passphrase was given"));
    return r;
  }
  auto pass = ask();
  if (!pass.ok()) {
    r.problems = std::move(pass.problems);
    return r;
  }
  std::string k = derive(pass.value, *sealed);
  Wipe wipe_k{k};
  if (k.empty()) {
    r.problems.push_back(error(source, "cannot derive the key (Argon2id needs " + file::size_text(c.memlimit) +
                                           " of memory)"));
    return r;
  }
  const std::string ad = sealed_header(*sealed);
  std::string seed(32, '\0');
  Wipe wipe_seed{seed};
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(bytes(seed), &len, nullptr, bytes(sealed->ciphertext),
                                                 sealed->ciphertext.size(), bytes(ad), ad.size(),
                                                 bytes(sealed->nonce), bytes(k)) != 0 ||
      len != 32) {
    r.problems.push_back(error(source, "wrong passphrase or damaged key file"));
    return r;
  }
  r.value = SecretKey::from_seed(Kind::user, seed);
  if (r.value.public_key().bytes != sealed->public_key) {
    r.value = SecretKey();
    r.problems.push_back(error(source, "damaged key file: the secret does not match its public key"));
    return r;
  }
  r.value.protected_ = true;
  return r;
}

Checked<PublicKey> read_public(const std::string& path, Kind kind) {
  Checked<PublicKey> r;
  auto text = file::read(path, 64 * 1024, r.problems);
  if (!text) return r;
  return parse_public(*text, kind, path);
}

Checked<SecretKey> read_secret(const std::string& path, Kind kind, const PassphraseSource& ask) {
  Checked<SecretKey> r;
  auto text = file::read(path, 64 * 1024, r.problems);
  if (!text) return r;
  Wipe wipe_text{*text};
  return parse_secret(*text, kind, path, ask);
}

Checked<KeyPairFiles> write_pair(const std::string& prefix, const SecretKey& key, const Passphrase* passphrase,
                                 KdfCost cost) {
  Checked<KeyPairFiles> r;
  r.value.public_path = prefix + ".pub";
  r.value.secret_path = prefix + ".secret";
  r.value.fingerprint = key.public_key().fingerprint();
  r.value.passphrase_protected = passphrase != nullptr;
  auto sec_text = secret_key_file(key, passphrase, cost);
  Wipe wipe_text{sec_text.value};
  if (!sec_text.ok()) {
    r.problems = std::move(sec_text.problems);
    return r;
  }
  const std::string pub_text = public_key_file(key.public_key());
  auto cannot = [&](const std::string& path, const char* what) {
    r.problems.push_back(error(path, what + std::string(std::strerror(errno))));
  };
  // Whole or not at all, never over an existing file (a key is never overwritten), each with its
  // final mode from the start (the secret is never readable by others, not even for a moment).
  if (!file::write_new(r.value.secret_path, sec_text.value, 0600)) {
    cannot(r.value.secret_path, "cannot create: ");
    return r;
  }
  if (!file::write_new(r.value.public_path, pub_text, 0644)) {
    cannot(r.value.public_path, "cannot create: ");
    ::unlink(r.value.secret_path.c_str());
  }
  return r;
}

Checked<KeyPairFiles> generate(const std::string& prefix, Kind kind, const Passphrase* passphrase, KdfCost cost) {
  return write_pair(prefix, SecretKey::generate(kind), passphrase, cost);
}

// ---- certificates ----
std::string_view role_name(Role r) {
  static constexpr std::string_view names[] = {"staff", "approver", "supervisor"};
  return names[static_cast<int>(r)];
}

std::optional<Role> role_from(std::string_view name) {
  for (Role r : {Role::staff, Role::approver, Role::supervisor})
    if (role_name(r) == name) return r;
  return std::nullopt;
}

namespace {
constexpr auto kCertificateType = "tsuchi-user-certificate";
constexpr int kCertificateVersion = 1;

// nlohmann::json keeps object keys in a std::map, so dump() is sorted and, without indent, compact.
nlohmann::json unsigned_json(const Certificate& c) {
  return {{"type", kCertificateType},
          {"version", kCertificateVersion},
          {"name", c.name},
          {"role", std::string(role_name(c.role))},
          {"user_public_key", c.user_public_key},
          {"city_key_sha256", c.city_key_sha256},
          {"issued_at", c.issued_at},
          {"serial", c.serial}};
}

// What makes a certificate well-formed apart from its signature; empty when it is.
std::string malformed(const Certificate& c) {
  bool printable = !c.name.empty() && c.name.size() <= 200 && utf8::valid(c.name);
  for (unsigned char ch : c.name) printable = printable && ch >= 0x20 && ch != 0x7f;
  if (!printable) return "name must be 1 to 200 bytes of printable UTF-8";
  if (!public_key_from_hex(Kind::user, c.user_public_key)) return "user_public_key must be 64 lower-case hex digits";
  if (!public_key_from_hex(Kind::city, c.city_key_sha256)) return "city_key_sha256 must be 64 lower-case hex digits";
  if (!parse_utc(c.issued_at)) return "issued_at must be UTC, YYYY-MM-DDTHH:MM:SSZ";
  if (c.serial.size() > 100 || !utf8::valid(c.serial)) return "serial must be at most 100 bytes of UTF-8";
  return {};
}
}  // namespace

std::string signed_bytes(const Certificate& c) { return unsigned_json(c).dump(); }

std::string to_json(const Certificate& c) {
  auto j = unsigned_json(c);
  j["signature"] = c.signature;
  return j.dump();
}

Checked<Certificate> certify(const SecretKey& city, Certificate c) {
  Checked<Certificate> r;
  if (city.empty() || city.kind() != Kind::city) {
    r.problems.push_back(error("certificate", "only the city key certifies users"));
    return r;
  }
  c.city_key_sha256 = city.public_key().fingerprint();
  if (auto why = malformed(c); !why.empty()) {
    r.problems.push_back(error("certificate", why));
    return r;
  }
  c.signature = digest::hex(city.sign(signed_bytes(c)));
  r.value = std::move(c);
  return r;
}

Checked<Certificate> check(std::string_view json, const PublicKey& pinned_city, const std::string& source) {
  Checked<Certificate> r;
  auto refuse = [&](std::string why, std::string value = {}) {
    r.problems.push_back(error(source, std::move(why), std::move(value)));
    r.value = {};
    return r;
  };
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return refuse("not a certificate: a JSON object expected");
  static const char* const fields[] = {"city_key_sha256", "issued_at", "name",           "role",   "serial",
                                       "signature",       "type",      "user_public_key", "version"};
  if (j.size() != std::size(fields)) return refuse("not a certificate: unexpected or missing fields");
  for (const char* f : fields) {
    auto it = j.find(f);
    bool right = it != j.end() && (std::string_view(f) == "version" ? it->is_number_integer() : it->is_string());
    if (!right) return refuse(std::string("not a certificate: field \"") + f + "\" missing or of the wrong type");
  }
  if (j["type"] != kCertificateType || j["version"] != kCertificateVersion)
    return refuse("not a tsuchi user certificate of version 1");
  auto role = role_from(j["role"].get<std::string>());
  if (!role) return refuse("unknown role: staff, approver or supervisor expected", j["role"].get<std::string>());
  Certificate& c = r.value;
  c.name = j["name"].get<std::string>();
  c.role = *role;
  c.user_public_key = j["user_public_key"].get<std::string>();
  c.city_key_sha256 = j["city_key_sha256"].get<std::string>();
  c.issued_at = j["issued_at"].get<std::string>();
  c.serial = j["serial"].get<std::string>();
  c.signature = j["signature"].get<std::string>();
  if (auto why = malformed(c); !why.empty()) return refuse(why);
  if (pinned_city.kind != Kind::city || c.city_key_sha256 != pinned_city.fingerprint())
    return refuse("certified by another city key than the pinned one (" + pinned_city.fingerprint() + ")",
                  c.city_key_sha256);
  auto sig = from_hex(c.signature, crypto_sign_BYTES);
  if (!sig || !verify(pinned_city, signed_bytes(c), *sig))
    return refuse("the city's signature does not verify: the certificate was changed or not made by the city key");
  return r;
}

std::string to_json(const KeyPairFiles& f, std::string_view kind) {
  return nlohmann::ordered_json{{"kind", kind},
                                {"public", f.public_path},
                                {"secret", f.secret_path},
                                {"fingerprint_sha256", f.fingerprint},
                                {"passphrase_protected", f.passphrase_protected}}
      .dump();
}

}  // namespace tsuchi::keys
