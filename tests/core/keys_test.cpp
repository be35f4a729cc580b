// Personal keys: key files of every kind, passphrase-encrypted user keys, signatures, certificates.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/digest.hpp"
#include "core/keys.hpp"

using namespace tsuchi;
namespace fs = std::filesystem;

namespace {

std::string unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  return out;
}

std::string messages(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

keys::PassphraseSource giving(std::string text) {
  return [text] { return Checked<keys::Passphrase>{keys::Passphrase(text), {}}; };
}

const keys::KdfCost cheap = keys::KdfCost::minimum();  // hundreds of openings below

std::string encrypted_user_key(const keys::SecretKey& k, const std::string& pass) {
  keys::Passphrase p(pass);
  auto text = keys::secret_key_file(k, &p, cheap);
  REQUIRE_MESSAGE(text.ok(), messages(text.problems));
  return text.value;
}

}  // namespace

TEST_CASE("RFC 8032 section 7.1 TEST 1: the seed gives RFC 8032's public key and signature of the empty message") {
  // Values copied from RFC 8032, section 7.1, TEST 1.
  const auto seed = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const std::string pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  const std::string sig =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24"
      "655141438e7a100b";
  for (auto kind : {keys::Kind::city, keys::Kind::user}) {
    auto k = keys::SecretKey::from_seed(kind, seed);
    CHECK(k.public_key().hex() == pub);
    CHECK(digest::hex(k.sign("")) == sig);
    CHECK(keys::verify(k.public_key(), "", unhex(sig)));
    CHECK(k.public_key().fingerprint() == digest::sha256_hex(unhex(pub)));
  }
  auto k = keys::SecretKey::from_seed(keys::Kind::user, seed);
  for (std::size_t i = 0; i < 64; ++i) {
    auto bad = unhex(sig);
    bad[i] ^= 0x01;
    CHECK_FALSE(keys::verify(k.public_key(), "", bad));
  }
  CHECK_FALSE(keys::verify(k.public_key(), std::string(1, '\0'), unhex(sig)));  // another message
  CHECK_FALSE(keys::verify(k.public_key(), "", unhex(sig).substr(1)));           // truncated
}

TEST_CASE("RFC 7748 section 6.1: a contractor key from Alice's scalar has Alice's public key and cannot sign") {
  auto k = keys::SecretKey::from_seed(keys::Kind::contractor,
                                      unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  CHECK(k.public_key().hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  CHECK(k.sign("x").empty());
  CHECK_FALSE(keys::verify(k.public_key(), "x", std::string(64, '\0')));
}

TEST_CASE("every kind of key survives its files, and a message signed before verifies after") {
  struct Row {
    keys::Kind kind;
    const char* passphrase;  // nullptr: a plain PEM secret
    const char* public_line, *secret_line;
    bool protected_by_passphrase;
  };
  const Row rows[] = {
      {keys::Kind::city, nullptr, "tsuchi-key: signing-public\n", "tsuchi-key: signing-secret\n", false},
      {keys::Kind::contractor, nullptr, "tsuchi-key: contractor-public\n", "tsuchi-key: contractor-secret\n", false},
      {keys::Kind::user, nullptr, "tsuchi-key: user-public\n", "tsuchi-key: user-secret-unprotected\n", false},
      {keys::Kind::user, "correct horse battery", "tsuchi-key: user-public\n", "tsuchi-key: user-secret-encrypted\n",
       true},
  };
  for (const auto& row : rows) {
    CAPTURE(keys::kind_name(row.kind));
    CAPTURE(row.passphrase);
    auto k = keys::SecretKey::generate(row.kind);
    auto pub_text = keys::public_key_file(k.public_key());
    CHECK(pub_text.rfind(row.public_line, 0) == 0);
    auto pub = keys::parse_public(pub_text, row.kind, "k.pub");
    REQUIRE_MESSAGE(pub.ok(), messages(pub.problems));
    CHECK(pub.value == k.public_key());

    std::optional<keys::Passphrase> p;
    if (row.passphrase) p.emplace(row.passphrase);
    auto sec_text = keys::secret_key_file(k, p ? &*p : nullptr, cheap);
    REQUIRE_MESSAGE(sec_text.ok(), messages(sec_text.problems));
    CHECK(sec_text.value.rfind(row.secret_line, 0) == 0);
    CHECK((sec_text.value.find("PRIVATE KEY") == std::string::npos) == row.protected_by_passphrase);
    auto back = keys::parse_secret(sec_text.value, row.kind, "k.secret", giving(row.passphrase ? row.passphrase : ""));
    REQUIRE_MESSAGE(back.ok(), messages(back.problems));
    CHECK(back.value.public_key() == k.public_key());
    CHECK(back.value.seed() == k.seed());
    CHECK(back.value.protected_by_passphrase() == row.protected_by_passphrase);
    if (row.kind != keys::Kind::contractor) CHECK(keys::verify(pub.value, "manifest", back.value.sign("manifest")));
  }
}

TEST_CASE("an encrypted user key opens only with its passphrase, and any changed byte refuses it") {
  auto k = keys::SecretKey::generate(keys::Kind::user);
  const std::string text = encrypted_user_key(k, "correct horse battery");
  CHECK(text.find(std::string(k.seed())) == std::string::npos);

  auto wrong = keys::parse_secret(text, keys::Kind::user, "me.secret", giving("correct horse batterY"));
  CHECK_FALSE(wrong.ok());
  CHECK(messages(wrong.problems) == "me.secret: error: wrong passphrase or damaged key file\n");
  CHECK(wrong.value.empty());

  auto none = keys::parse_secret(text, keys::Kind::user, "me.secret");
  CHECK(messages(none.problems).find("encrypted and no passphrase was given") != std::string::npos);
  // A source that cannot give one (no terminal) is passed through, not replaced by an empty passphrase.
  auto refused = keys::parse_secret(text, keys::Kind::user, "me.secret", [] {
    Checked<keys::Passphrase> r;
    r.problems.push_back(Diagnostic{Diagnostic::Severity::error, "me.secret", 0, 0, "", "", "no terminal"});
    return r;
  });
  CHECK(messages(refused.problems) == "me.secret: error: no terminal\n");

  // Every byte is checked by the layout or authenticated by the cipher (the kind line, the version,
  // the public key and the Argon2id cost are associated data): two different bit flips per byte.
  int opened = 0;
  for (std::size_t i = 0; i < text.size(); ++i)
    for (unsigned char bit : {0x01, 0x20}) {
      std::string bad = text;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      auto r = keys::parse_secret(bad, keys::Kind::user, "me.secret", giving("correct horse battery"));
      if (r.ok()) ++opened;
      CHECK_MESSAGE(!r.ok(), "byte " << i << " bit " << int(bit));
    }
  CHECK(opened == 0);
  // Truncated, or with a byte added at the end.
  for (auto bad : {text.substr(0, text.size() - 1), text + "\n", text.substr(0, text.size() / 2)})
    CHECK_FALSE(keys::parse_secret(bad, keys::Kind::user, "me.secret", giving("correct horse battery")).ok());
}

TEST_CASE("a key is read only as its own kind") {
  auto user = keys::SecretKey::generate(keys::Kind::user);
  auto city = keys::SecretKey::generate(keys::Kind::city);
  const std::string encrypted = encrypted_user_key(user, "correct horse battery");
  const std::string plain_user = keys::secret_key_file(user, nullptr).value;
  const std::string city_secret = keys::secret_key_file(city, nullptr).value;
  struct Row {
    std::string text;
    keys::Kind as;
    const char* expect;
  };
  const Row secrets[] = {
      {encrypted, keys::Kind::city, "is a user-secret-encrypted key, expected a city signing secret key (Ed25519)"},
      {plain_user, keys::Kind::city, "is a user-secret-unprotected key, expected a city signing secret key (Ed25519)"},
      {city_secret, keys::Kind::user, "is a signing-secret key, expected a user secret key (Ed25519)"},
      {encrypted, keys::Kind::contractor, "is a user-secret-encrypted key, expected a contractor secret key (X25519)"},
      // The encrypted layout relabelled as a plain key has no PEM block to read.
      {"tsuchi-key: user-secret-unprotected" + encrypted.substr(encrypted.find('\n')), keys::Kind::user,
       "not a user secret key (Ed25519) (expected PEM \"PRIVATE KEY\")"},
  };
  for (const auto& row : secrets) {
    CAPTURE(row.expect);
    auto r = keys::parse_secret(row.text, row.as, "k.secret", giving("correct horse battery"));
    CHECK_FALSE(r.ok());
    CHECK(messages(r.problems).find(row.expect) != std::string::npos);
  }
  auto as_city = keys::parse_public(keys::public_key_file(user.public_key()), keys::Kind::city, "k.pub");
  CHECK(messages(as_city.problems).find("is a user-public key, expected a city signing public key (Ed25519)") !=
        std::string::npos);
}

TEST_CASE("passphrases: at least 8 characters for a new key, only for user keys, and wiped when moved") {
  struct Row {
    const char* text;
    bool weak;
  };
  const Row rows[] = {{"", true},        {"1234567", true},           {"12345678", false},
                      {"あいうえおかき", true},  // 7 characters, 21 bytes
                      {"あいうえおかきく", false}, {"correct horse battery", false}};
  for (const auto& row : rows) {
    CAPTURE(row.text);
    keys::Passphrase p(row.text);
    CHECK(keys::weak_passphrase(p).has_value() == row.weak);
    auto text = keys::secret_key_file(keys::SecretKey::generate(keys::Kind::user), &p, cheap);
    CHECK(text.ok() == !row.weak);
  }
  keys::Passphrase p("correct horse battery");
  auto city = keys::secret_key_file(keys::SecretKey::generate(keys::Kind::city), &p, cheap);
  CHECK(messages(city.problems).find("only user keys are protected by a passphrase") != std::string::npos);
  keys::Passphrase moved(std::move(p));
  CHECK(p.empty());
  CHECK(moved.view() == "correct horse battery");
}

TEST_CASE("write_pair: 0600 secret, 0644 public, never overwritten; new keys cost MODERATE Argon2id") {
  const fs::path dir = fs::temp_directory_path() / ("tsuchi-keys-test-" + digest::random_hex(8));
  fs::create_directories(dir);
  const std::string prefix = (dir / "tanaka").string();
  keys::Passphrase p("correct horse battery");
  auto w = keys::generate(prefix, keys::Kind::user, &p);
  REQUIRE_MESSAGE(w.ok(), messages(w.problems));
  CHECK(w.value.passphrase_protected);
  CHECK((fs::status(w.value.secret_path).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((fs::status(w.value.public_path).permissions() & (fs::perms::owner_read | fs::perms::others_write)) ==
        fs::perms::owner_read);
  std::ifstream in(w.value.secret_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // libsodium's crypto_pwhash_OPSLIMIT_MODERATE and MEMLIMIT_MODERATE (3 passes, 256 MiB).
  CHECK(text.find("kdf: argon2id13 opslimit=3 memlimit=268435456 salt=") != std::string::npos);
  auto back = keys::read_secret(w.value.secret_path, keys::Kind::user, giving("correct horse battery"));
  REQUIRE_MESSAGE(back.ok(), messages(back.problems));
  CHECK(back.value.protected_by_passphrase());
  CHECK(back.value.public_key().fingerprint() == w.value.fingerprint);
  auto pub = keys::read_public(w.value.public_path, keys::Kind::user);
  CHECK(pub.value == back.value.public_key());
  auto again = keys::generate(prefix, keys::Kind::user, nullptr);
  CHECK(messages(again.problems).find("File exists") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("certificates: the city key vouches for a user's key and role; anything else is refused") {
  auto city = keys::SecretKey::generate(keys::Kind::city);
  auto other_city = keys::SecretKey::generate(keys::Kind::city);
  auto user = keys::SecretKey::generate(keys::Kind::user);
  keys::Certificate c;
  c.name = "田中 一郎";
  c.role = keys::Role::approver;
  c.user_public_key = user.public_key().hex();
  c.issued_at = "2025-09-01T01:00:00Z";
  auto signed_c = keys::certify(city, c);
  REQUIRE_MESSAGE(signed_c.ok(), messages(signed_c.problems));
  const std::string json = keys::to_json(signed_c.value);
  // Canonical: sorted keys, no whitespace.
  CHECK(json.rfind("{\"city_key_sha256\":\"" + city.public_key().fingerprint() + "\",\"issued_at\":", 0) == 0);
  CHECK(json.find(' ', json.find("\"role\"")) == std::string::npos);

  auto ok = keys::check(json, city.public_key());
  REQUIRE_MESSAGE(ok.ok(), messages(ok.problems));
  CHECK(ok.value.name == c.name);
  CHECK(ok.value.role == keys::Role::approver);
  CHECK(ok.value.user_public_key == c.user_public_key);
  CHECK(to_json(ok.value) == json);

  struct Row {
    const char* what;
    std::function<void(nlohmann::json&)> change;
    const char* expect;
  };
  const Row rows[] = {
      {"name", [](auto& j) { j["name"] = "佐藤 花子"; }, "signature does not verify"},
      {"role raised", [](auto& j) { j["role"] = "supervisor"; }, "signature does not verify"},
      {"role made up", [](auto& j) { j["role"] = "admin"; }, "unknown role"},
      {"user key", [&](auto& j) { j["user_public_key"] = other_city.public_key().hex(); }, "signature does not verify"},
      {"issued_at", [](auto& j) { j["issued_at"] = "2025-09-02T01:00:00Z"; }, "signature does not verify"},
      {"serial", [](auto& j) { j["serial"] = "7"; }, "signature does not verify"},
      {"signature", [](auto& j) { j["signature"] = std::string(128, '0'); }, "signature does not verify"},
      {"city fingerprint", [&](auto& j) { j["city_key_sha256"] = other_city.public_key().fingerprint(); },
       "another city key"},
      {"extra field", [](auto& j) { j["expires"] = "never"; }, "unexpected or missing fields"},
      {"missing field", [](auto& j) { j.erase("serial"); }, "unexpected or missing fields"},
      {"type", [](auto& j) { j["type"] = "tsuchi-manifest"; }, "not a tsuchi user certificate"},
      {"local time", [](auto& j) { j["issued_at"] = "2025-09-01T10:00:00+09:00"; }, "issued_at must be UTC"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    auto j = nlohmann::json::parse(json);
    row.change(j);
    auto r = keys::check(j.dump(), city.public_key());
    CHECK_FALSE(r.ok());
    CHECK(messages(r.problems).find(row.expect) != std::string::npos);
  }
  // Pinned to another city key, or to a key that is not a city key.
  CHECK(messages(keys::check(json, other_city.public_key()).problems).find("another city key") != std::string::npos);
  auto as_user = city.public_key();
  as_user.kind = keys::Kind::user;
  CHECK_FALSE(keys::check(json, as_user).ok());
  // An unknown role is refused even when the city key signed it.
  auto j = nlohmann::json::parse(json);
  j["role"] = "admin";
  j.erase("signature");
  j["signature"] = digest::hex(city.sign(j.dump()));
  CHECK(messages(keys::check(j.dump(), city.public_key()).problems).find("unknown role") != std::string::npos);
  // Only a city key certifies; not JSON is refused.
  CHECK_FALSE(keys::certify(user, c).ok());
  CHECK_FALSE(keys::check("not json", city.public_key()).ok());
  c.name = "";
  CHECK_FALSE(keys::certify(city, c).ok());
}

TEST_CASE("a certificate made by another implementation checks (output_spec/keys.md's example)") {
  // Made with Python's `cryptography` (Ed25519) and json.dumps(sort_keys=True, separators=(",", ":")),
  // the city key from RFC 8032 section 7.1 TEST 1's seed, the user key from TEST 2's.
  const std::string json =
      R"({"city_key_sha256":"21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9","issued_at":)"
      R"("2025-09-01T01:00:00Z","name":"tanaka","role":"staff","serial":"","signature":"e9fe5d8c2fe4ad3c91abbc645b95)"
      R"(f5577e6563ff615b279bf14da19ad6077bdf35c64d31fdaa8376c31bfe61e9cf285e40bcf80b42459282a5f731ac3263f306",)"
      R"("type":"tsuchi-user-certificate","user_public_key":"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55)"
      R"(f12af4660c","version":1})";
  auto city = keys::SecretKey::from_seed(keys::Kind::city,
                                         unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  auto c = keys::check(json, city.public_key());
  REQUIRE_MESSAGE(c.ok(), messages(c.problems));
  CHECK(c.value.role == keys::Role::staff);
  CHECK(keys::to_json(c.value) == json);  // the same canonical bytes
  // And tsuchi's own certificate of the same content carries the same signature (Ed25519 is deterministic).
  keys::Certificate again = c.value;
  again.signature.clear();
  CHECK(keys::certify(city, again).value.signature == c.value.signature);
}
