// Sealed batches: real keys, real libzip/libsodium archives, checked with 7-Zip and OpenSSL too.
#include <doctest/doctest.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/keys.hpp"
#include "seal/seal.hpp"

using namespace tsuchi;
using namespace tsuchi::seal;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char t[] = "/tmp/tsuchi-seal-test-XXXXXX";
    path = ::mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Runs a shell command; returns its stdout, sets *status to its exit code.
std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = ::pclose(p);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

std::string sha256_hex(const std::string& b) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  char h[sizeof d * 2 + 1];
  sodium_bin2hex(h, sizeof h, d, sizeof d);
  return h;
}

std::string sha512_hex(const std::string& b) {
  unsigned char d[crypto_hash_sha512_BYTES];
  crypto_hash_sha512(d, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  char h[sizeof d * 2 + 1];
  sodium_bin2hex(h, sizeof h, d, sizeof d);
  return h;
}

std::string random_bytes(std::size_t n) {
  std::string s(n, '\0');
  randombytes_buf(s.data(), n);
  return s;
}

std::string messages(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

bool empty_or_missing(const fs::path& dir) { return !fs::exists(dir) || fs::is_empty(dir); }

// Markers standing in for personal data printed in the PDFs and listed in the insertion list.
const std::string kNameMarker = "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e";  // 山田太郎
const std::string kAddressMarker = "Miyamachi-2-47-1-secret-address";

BatchSpec sample_spec() {
  REQUIRE(sodium_init() >= 0);
  BatchSpec s;
  s.batch_id = "R20250901-B002";
  s.run_id = "R20250901";
  s.created_at = "2025-09-01T01:23:45Z";
  s.index = 2;
  s.total = 3;
  s.counts = {4, 5, 7, 14, 8, {{"360", 3}, {"369", 1}}};
  s.payload = {
      {"print-002.pdf", "%PDF-1.5\n" + kNameMarker + "\n" + random_bytes(3000) + "\n%%EOF\n"},
      {"print-001.pdf", "%PDF-1.5\n" + kAddressMarker + "\n" + random_bytes(5000) + "\n%%EOF\n"},
      {"insertion.csv",
       "envelope_id,pages,sheets,postal_code,codes\n"
       "R20250901-B002/000001,3,2,3600012,R20250901-B002/000001/1-3;(91)9123450000000000000000000000000000000000\n"
       "R20250901-B002/000002,4,2,3600841,R20250901-B002/000002/1-4\n"},
  };
  return s;
}

// Keys for the city and the contractor, made by keys::generate, plus one sealed batch in `out`.
struct Sealed {
  TempDir tmp;
  keys::KeyPairFiles city, contractor;
  BatchSpec spec = sample_spec();
  BatchResult result;
  fs::path out;
  explicit Sealed(bool with_contractor = true) {
    auto c = keys::generate((tmp.path / "city").string(), keys::Kind::city);
    REQUIRE_MESSAGE(c.ok(), messages(c.problems));
    auto k = keys::generate((tmp.path / "contractor").string(), keys::Kind::contractor);
    REQUIRE_MESSAGE(k.ok(), messages(k.problems));
    city = c.value;
    contractor = k.value;
    out = tmp.path / "out";
    auto r = seal_batch(spec, Keys{city.secret_path, with_contractor ? contractor.public_path : ""}, out.string());
    REQUIRE_MESSAGE(r.ok(), messages(r.problems));
    result = r.value;
  }
  fs::path file(const std::string& suffix) const { return out / (spec.batch_id + suffix); }
  std::string passphrase() const {
    auto k = slurp(file(".key"));
    return k.substr(0, k.size() - 1);
  }
  OpenRequest with_key() const { return {file(".zip").string(), file(".key").string(), "", city.public_path, {}}; }
  OpenRequest with_secret() const {
    return {file(".zip").string(), "", contractor.secret_path, city.public_path, {}};
  }
};

std::map<std::string, std::string> files_under(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = slurp(e.path());
  return out;
}

std::vector<PayloadFile> as_payload(const std::map<std::string, std::string>& m) {
  std::vector<PayloadFile> v;
  for (const auto& [k, b] : m) v.push_back({k, b});
  return v;
}

}  // namespace

TEST_CASE("a sealed batch has its five files and a signed manifest with the counts and digests") {
  Sealed s;
  for (const char* suffix : {".zip", ".key", ".key.sealed", ".manifest.json", ".manifest.json.sig"}) {
    CAPTURE(suffix);
    CHECK(fs::is_regular_file(s.file(suffix)));
  }
  CHECK(fs::is_regular_file(s.out / "city.pub"));
  for (const auto& e : fs::directory_iterator(s.out)) CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);

  auto m = nlohmann::json::parse(slurp(s.file(".manifest.json")));
  CHECK(m["batch_id"] == "R20250901-B002");
  CHECK(m["run_id"] == "R20250901");
  CHECK(m["created_at"] == "2025-09-01T01:23:45Z");
  CHECK(m["bag_count"] == "2 of 3");
  CHECK(m["envelopes"] == 4);
  CHECK(m["notices"] == 5);
  CHECK(m["slips"] == 7);
  CHECK(m["pages"] == 14);
  CHECK(m["sheets"] == 8);
  CHECK(m["postal_areas"] == nlohmann::json{{"360", 3}, {"369", 1}});
  CHECK(m["archive_sha256"] == sha256_hex(slurp(s.file(".zip"))));
  CHECK(m["archive_bytes"] == fs::file_size(s.file(".zip")));
  CHECK(m["key_sealed"] == true);
  CHECK(m["tool"] == "tsuchi");
  CHECK(m["format_version"] == 1);
  CHECK(s.result.archive_sha256 == m["archive_sha256"]);

  // The passphrase: 256 random bits as 64 hex digits on one line, readable by the owner only.
  auto key = slurp(s.file(".key"));
  REQUIRE(key.size() == 65);
  CHECK(key.back() == '\n');
  CHECK(key.find_first_not_of("0123456789abcdef") == 64);
  CHECK((fs::status(s.file(".key")).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(fs::file_size(s.file(".manifest.json.sig")) == 64);

  // The library's own reader agrees, and the signature checks with OpenSSL from the PEM key file.
  auto read = read_manifest(s.file(".manifest.json").string(), s.city.public_path);
  REQUIRE_MESSAGE(read.ok(), messages(read.problems));
  CHECK(read.value.counts == s.spec.counts);
  int rc = -1;
  auto out = run("openssl pkeyutl -verify -pubin -inkey '" + s.city.public_path + "' -rawin -in '" +
                     s.file(".manifest.json").string() + "' -sigfile '" + s.file(".manifest.json.sig").string() + "'",
                 &rc);
  CHECK_MESSAGE(rc == 0, out);
}

TEST_CASE("7-Zip lists every entry as AES-256 and extracts a bag that validates") {
  Sealed s;
  int rc = -1;
  auto listing = run("7z l -slt -p" + s.passphrase() + " '" + s.file(".zip").string() + "'", &rc);
  REQUIRE_MESSAGE(rc == 0, listing);
  std::map<std::string, std::string> method;
  std::string path;
  std::istringstream lines(listing);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Path = ", 0) == 0) path = line.substr(7);
    if (line.rfind("Method = ", 0) == 0) method[path] = line.substr(9);
  }
  const std::string top = s.spec.batch_id + "/";
  const std::vector<std::string> expected = {"bagit.txt",           "bag-info.txt",           "manifest-sha256.txt",
                                             "manifest-sha512.txt", "tagmanifest-sha256.txt", "tagmanifest-sha512.txt",
                                             "data/insertion.csv",  "data/print-001.pdf",     "data/print-002.pdf"};
  CHECK(method.size() == expected.size());
  for (const auto& e : expected) {
    CAPTURE(e);
    REQUIRE(method.count(top + e));
    CHECK(method[top + e].rfind("AES-256", 0) == 0);
  }

  TempDir x;
  auto extract = run("cd '" + x.path.string() + "' && 7z x -p" + s.passphrase() + " '" + s.file(".zip").string() + "'", &rc);
  REQUIRE_MESSAGE(rc == 0, extract);
  auto bag = files_under(x.path / s.spec.batch_id);
  for (const auto& p : s.spec.payload) CHECK(bag["data/" + p.name] == p.bytes);

  // Recomputed here, independently of the library: every manifest line and Payload-Oxum.
  using Digest = std::string (*)(const std::string&);
  const std::pair<const char*, Digest> payload_manifests[] = {{"manifest-sha256.txt", sha256_hex}, {"manifest-sha512.txt", sha512_hex}};
  for (auto [file, digest] : payload_manifests) {
    std::string expect;
    std::vector<const PayloadFile*> sorted;
    for (const auto& p : s.spec.payload) sorted.push_back(&p);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
    for (auto* p : sorted) expect += digest(p->bytes) + "  data/" + p->name + "\n";
    CHECK(bag[file] == expect);
  }
  const std::pair<const char*, Digest> tag_manifests[] = {{"tagmanifest-sha256.txt", sha256_hex}, {"tagmanifest-sha512.txt", sha512_hex}};
  for (auto [file, digest] : tag_manifests) {
    std::string expect;
    for (const char* t : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"})
      expect += digest(bag[t]) + "  " + t + "\n";
    CHECK(bag[file] == expect);
  }
  std::size_t bytes = 0;
  for (const auto& p : s.spec.payload) bytes += p.bytes.size();
  CHECK(bag["bag-info.txt"].find("Payload-Oxum: " + std::to_string(bytes) + ".3\n") != std::string::npos);
  CHECK(bag["bag-info.txt"].find("Bag-Count: 2 of 3\n") != std::string::npos);
  CHECK(bag["bag-info.txt"].find("External-Identifier: R20250901-B002\n") != std::string::npos);
  CHECK(bag["bagit.txt"] == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
  auto m = nlohmann::json::parse(slurp(s.file(".manifest.json")));
  CHECK(m["tagmanifest_sha256"] == sha256_hex(bag["tagmanifest-sha256.txt"]));

  // And the library's own validator accepts what 7-Zip extracted.
  CHECK(messages(check_bag(as_payload(bag), "bag")) == "");
}

// Walks the ZIP central directory: the WinZip AES extra field (0x9901) must say AE-2, AES-256.
TEST_CASE("entries are marked WinZip AE-2, AES-256; every entry deflated") {
  Sealed s;
  auto z = slurp(s.file(".zip"));
  auto u16 = [&](std::size_t at) { return static_cast<unsigned>(static_cast<unsigned char>(z[at]) | static_cast<unsigned char>(z[at + 1]) << 8); };
  auto u32 = [&](std::size_t at) { return u16(at) | u16(at + 2) << 16; };
  REQUIRE(z.size() > 22);
  std::size_t eocd = z.size() - 22;
  REQUIRE(u32(eocd) == 0x06054b50u);
  unsigned entries = u16(eocd + 10);
  std::size_t at = u32(eocd + 16);
  CHECK(entries == 9);
  for (unsigned i = 0; i < entries; ++i) {
    REQUIRE(u32(at) == 0x02014b50u);
    unsigned name_len = u16(at + 28), extra_len = u16(at + 30), comment_len = u16(at + 32);
    std::string name = z.substr(at + 46, name_len);
    CAPTURE(name);
    CHECK((u16(at + 8) & 1) == 1);   // encrypted flag
    CHECK(u16(at + 10) == 99);       // method 99 = WinZip AES
    bool found = false;
    for (std::size_t e = at + 46 + name_len; e + 4 <= at + 46 + name_len + extra_len;) {
      unsigned id = u16(e), len = u16(e + 2);
      if (id == 0x9901) {
        found = true;
        CHECK(u16(e + 4) == 2);                   // vendor version AE-2
        CHECK(z.substr(e + 6, 2) == "AE");
        CHECK(static_cast<unsigned char>(z[e + 8]) == 3);  // AES-256
        CHECK(u16(e + 9) == 8u);                  // actual method: deflate
      }
      e += 4 + len;
    }
    CHECK(found);
    at += 46 + name_len + extra_len + comment_len;
  }
}

TEST_CASE("no plaintext file of a batch holds payload content") {
  Sealed s;
  for (const auto& e : fs::directory_iterator(s.out)) {
    auto bytes = slurp(e.path());
    CAPTURE(e.path().filename().string());
    CHECK(bytes.find(kNameMarker) == std::string::npos);
    CHECK(bytes.find(kAddressMarker) == std::string::npos);
    CHECK(bytes.find("3600012") == std::string::npos);
    CHECK(bytes.find("%PDF-1.5\n") == std::string::npos);
    CHECK(bytes.find("envelope_id,pages") == std::string::npos);
  }
}

TEST_CASE("open with the passphrase file or the contractor secret key extracts the exact bag") {
  Sealed s;
  for (bool secret : {false, true}) {
    CAPTURE(secret);
    TempDir dest;
    auto r = open_batch(secret ? s.with_secret() : s.with_key(), (dest.path / "in").string());
    REQUIRE_MESSAGE(r.ok(), messages(r.problems));
    CHECK(r.value.bag_dir == (dest.path / "in" / s.spec.batch_id).string());
    CHECK(r.value.manifest.counts == s.spec.counts);
    auto bag = files_under(r.value.bag_dir);
    CHECK(bag.size() == 9);
    for (const auto& p : s.spec.payload) CHECK(bag["data/" + p.name] == p.bytes);
    CHECK(messages(check_bag(as_payload(bag), "bag")) == "");
    // Only the bag itself: no temp folder left beside it.
    CHECK(std::distance(fs::directory_iterator(dest.path / "in"), fs::directory_iterator()) == 1);
    CHECK((fs::status(r.value.bag_dir + "/data/print-001.pdf").permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));

    // Opening again never overwrites the bag already there.
    auto again = open_batch(secret ? s.with_secret() : s.with_key(), (dest.path / "in").string());
    CHECK(messages(again.problems).find("already exists") != std::string::npos);
  }
}

TEST_CASE("open falls back to city.pub beside the archive, and refuses when there is none") {
  Sealed s;
  auto req = s.with_key();
  req.public_key.clear();
  auto v = verify_batch(req);
  CHECK_MESSAGE(v.ok(), messages(v.problems));
  CHECK(v.value.public_key_used == (s.out / "city.pub").string());
  fs::remove(s.out / "city.pub");
  v = verify_batch(req);
  CHECK(messages(v.problems).find("no city public key") != std::string::npos);
}

TEST_CASE("one flipped byte anywhere, a wrong key or a wrong city key: open refuses and extracts nothing") {
  struct Row {
    const char* file;  // suffix of the batch file to damage, or "" for none
    bool secret;       // open with the contractor secret key instead of B.key
    const char* expect;
  };
  const Row rows[] = {
      {".zip", false, "archive SHA-256 does not match the signed manifest"},
      {".manifest.json", false, "signature does not verify"},
      {".manifest.json.sig", false, "signature does not verify"},
      {".key.sealed", true, "cannot be opened with this secret key"},
      {".key", false, "wrong passphrase"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.file);
    Sealed s;
    auto path = s.file(row.file);
    auto bytes = slurp(path);
    std::size_t at = std::string(row.file) == ".key" ? 5 : bytes.size() / 2;
    bytes[at] = std::string(row.file) == ".key" ? (bytes[at] == 'a' ? 'b' : 'a') : static_cast<char>(bytes[at] ^ 0x01);
    spit(path, bytes);
    TempDir dest;
    auto r = open_batch(row.secret ? s.with_secret() : s.with_key(), (dest.path / "in").string());
    CHECK_FALSE(r.ok());
    CHECK_MESSAGE(messages(r.problems).find(row.expect) != std::string::npos, messages(r.problems));
    CHECK(empty_or_missing(dest.path / "in"));
  }

  Sealed s;
  auto other = keys::generate((s.tmp.path / "other-city").string(), keys::Kind::city);
  REQUIRE(other.ok());
  auto req = s.with_key();
  req.public_key = other.value.public_path;
  auto v = verify_batch(req);
  CHECK(messages(v.problems).find("names another signing key") != std::string::npos);

  auto other_contractor = keys::generate((s.tmp.path / "other-contractor").string(), keys::Kind::contractor);
  REQUIRE(other_contractor.ok());
  req = s.with_secret();
  req.secret_key = other_contractor.value.secret_path;
  v = verify_batch(req);
  CHECK(messages(v.problems).find("sealed to a different contractor key") != std::string::npos);
}

TEST_CASE("the zip-bomb limits hold") {
  Sealed s;
  auto req = s.with_key();
  req.limits.max_entries = 5;
  CHECK(messages(verify_batch(req).problems).find("more entries than the limit of 5") != std::string::npos);
  req = s.with_key();
  req.limits.max_unpacked_bytes = 4000;
  CHECK(messages(verify_batch(req).problems).find("unpack to more than the limit of 4000 bytes") != std::string::npos);
  req = s.with_key();
  req.limits.max_archive_bytes = 1000;
  CHECK(messages(verify_batch(req).problems).find("larger than the limit of 1000 bytes") != std::string::npos);
}

namespace {

// Rewrites a sealed batch's archive with other entries and re-signs the manifest with the city key,
// as an insider with the signing key could: what remains to stop a bad archive is open's own checks.
void forge(const Sealed& s, const std::vector<std::pair<std::string, std::string>>& entries, bool encrypt = true) {
  auto zpath = s.file(".zip");
  fs::remove(zpath);
  int err = 0;
  zip_t* za = zip_open(zpath.c_str(), ZIP_CREATE | ZIP_EXCL, &err);
  REQUIRE(za);
  auto pass = s.passphrase();
  for (const auto& [name, bytes] : entries) {
    auto* src = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
    auto idx = zip_file_add(za, name.c_str(), src, 0);
    REQUIRE(idx >= 0);
    if (encrypt) REQUIRE(zip_file_set_encryption(za, idx, ZIP_EM_AES_256, pass.c_str()) == 0);
  }
  REQUIRE(zip_close(za) == 0);
  auto z = slurp(zpath);
  auto m = nlohmann::ordered_json::parse(slurp(s.file(".manifest.json")));
  m["archive_sha256"] = sha256_hex(z);
  m["archive_bytes"] = z.size();
  std::string text = m.dump(2) + "\n";
  spit(s.file(".manifest.json"), text);
  // The seed is the last 32 bytes of the PKCS#8 DER on the PEM's base64 line.
  std::istringstream pem(slurp(s.city.secret_path));
  std::string line, b64;
  while (std::getline(pem, line))
    if (line.find("-----") == std::string::npos && line.find("tsuchi-key") == std::string::npos) b64 += line;
  unsigned char der[64], pk[32], sk[64], sig[64];
  size_t len = 0;
  REQUIRE(sodium_base642bin(der, sizeof der, b64.data(), b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
  REQUIRE(len == 48);
  crypto_sign_seed_keypair(pk, sk, der + 16);
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()), text.size(), sk);
  spit(s.file(".manifest.json.sig"), std::string(reinterpret_cast<char*>(sig), 64));
}

}  // namespace

TEST_CASE("a signed archive with unsafe names, plaintext entries or a broken bag is still refused") {
  struct Row {
    const char* what;
    std::function<void(std::vector<std::pair<std::string, std::string>>&)> change;
    bool encrypt;
    const char* expect;
  };
  const std::string top = "R20250901-B002/";
  const Row rows[] = {
      {"parent path", [&](auto& e) { e.push_back({top + "../evil.sh", "x"}); }, true, "unsafe or unexpected entry name"},
      {"absolute path", [&](auto& e) { e.push_back({"/tmp/evil.sh", "x"}); }, true, "unsafe or unexpected entry name"},
      {"other top folder", [&](auto& e) { e.push_back({"R20250901-B003/data/x.pdf", "x"}); }, true,
       "unsafe or unexpected entry name"},
      {"plaintext entries", [](auto&) {}, false, "entry is not AES-256 encrypted"},
      {"extra payload file", [&](auto& e) { e.push_back({top + "data/extra.pdf", "%PDF-1.5"}); }, true,
       "payload file not listed in the manifest"},
      {"missing payload file", [&](auto& e) { std::erase_if(e, [&](auto& p) { return p.first == top + "data/print-002.pdf"; }); },
       true, "listed but missing from the bag"},
      {"changed payload file",
       [&](auto& e) {
         for (auto& p : e)
           if (p.first == top + "data/insertion.csv") p.second += "R20250901-B002/000099,1,1,3600000,\n";
       },
       true, "sha256 digest does not match"},
      {"changed bag-info",
       [&](auto& e) {
         for (auto& p : e)
           if (p.first == top + "bag-info.txt") p.second += "Note: extra\n";
       },
       true, "sha256 digest does not match"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    Sealed s;
    auto good = verify_batch(s.with_key());
    REQUIRE(good.ok());
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& f : good.value.files) entries.push_back({top + f.name, f.bytes});
    row.change(entries);
    forge(s, entries, row.encrypt);
    TempDir dest;
    auto r = open_batch(s.with_key(), (dest.path / "in").string());
    CHECK_FALSE(r.ok());
    CHECK_MESSAGE(messages(r.problems).find(row.expect) != std::string::npos, messages(r.problems));
    CHECK(empty_or_missing(dest.path / "in"));
  }
}

TEST_CASE("keygen writes PEM key pairs, the secret 0600, and never overwrites") {
  TempDir t;
  for (auto kind : {keys::Kind::city, keys::Kind::contractor}) {
    bool sign = kind == keys::Kind::city;
    auto prefix = (t.path / (sign ? "city" : "contractor")).string();
    auto k = keys::generate(prefix, kind);
    REQUIRE_MESSAGE(k.ok(), messages(k.problems));
    CHECK((fs::status(k.value.secret_path).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    auto pub = slurp(k.value.public_path), sec = slurp(k.value.secret_path);
    CHECK(pub.rfind(sign ? "tsuchi-key: signing-public\n-----BEGIN PUBLIC KEY-----\n"
                         : "tsuchi-key: contractor-public\n-----BEGIN PUBLIC KEY-----\n",
                    0) == 0);
    CHECK(sec.rfind(sign ? "tsuchi-key: signing-secret\n-----BEGIN PRIVATE KEY-----\n"
                         : "tsuchi-key: contractor-secret\n-----BEGIN PRIVATE KEY-----\n",
                    0) == 0);
    // OpenSSL reads both and derives the same public key from the secret.
    int rc = -1;
    auto derived = run("openssl pkey -in '" + k.value.secret_path + "' -pubout", &rc);
    CHECK(rc == 0);
    CHECK(pub.find(derived) != std::string::npos);
    CHECK(run("openssl pkey -pubin -in '" + k.value.public_path + "' -noout -text", &rc).find(sign ? "ED25519" : "X25519") !=
          std::string::npos);

    auto again = keys::generate(prefix, kind);
    CHECK(messages(again.problems).find("File exists") != std::string::npos);
    CHECK(slurp(k.value.public_path) == pub);
  }
  // A key of the wrong kind is named as such.
  auto wrong = load_keys({(t.path / "contractor.secret").string(), ""});
  CHECK(messages(wrong.problems).find("is a contractor-secret key, expected a city signing secret key (Ed25519)") !=
        std::string::npos);
  wrong = load_keys({(t.path / "city.secret").string(), (t.path / "city.pub").string()});
  CHECK(messages(wrong.problems).find("is a signing-public key, expected a contractor public key (X25519)") !=
        std::string::npos);
}

TEST_CASE("keys made by OpenSSL are accepted") {
  TempDir t;
  int rc = -1;
  run("openssl genpkey -algorithm ed25519 -out '" + (t.path / "city.secret").string() + "'", &rc);
  REQUIRE(rc == 0);
  run("openssl pkey -in '" + (t.path / "city.secret").string() + "' -pubout -out '" + (t.path / "city.pub").string() + "'", &rc);
  REQUIRE(rc == 0);
  auto spec = sample_spec();
  auto r = seal_batch(spec, Keys{(t.path / "city.secret").string(), ""}, (t.path / "out").string());
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  CHECK(r.value.paths.sealed_key.empty());
  CHECK_FALSE(fs::exists(t.path / "out" / (spec.batch_id + ".key.sealed")));
  auto m = read_manifest(r.value.paths.manifest, (t.path / "city.pub").string());
  CHECK_MESSAGE(m.ok(), messages(m.problems));
  CHECK(m.value.key_sealed == false);
}

TEST_CASE("bad batch specs are refused with a reason and write nothing") {
  struct Row {
    const char* what;
    std::function<void(BatchSpec&)> change;
    const char* expect;
  };
  // A 12-digit number with a valid My Number check digit, computed by the published rule.
  auto my_number = [] {
    std::string d = "12345678901";
    int sum = 0;
    for (int n = 1; n <= 11; ++n) sum += (d[11 - n] - '0') * (n <= 6 ? n + 1 : n - 5);
    int rem = sum % 11;
    return d + static_cast<char>('0' + (rem <= 1 ? 0 : 11 - rem));
  }();
  const Row rows[] = {
      {"slash in batch id", [](auto& s) { s.batch_id = "R1/B1"; }, "batch id must be"},
      {"dot in batch id", [](auto& s) { s.batch_id = "R1.B1"; }, "batch id must be"},
      {"local time", [](auto& s) { s.created_at = "2025-09-01T10:23:45+09:00"; }, "created_at must be UTC"},
      {"impossible date", [](auto& s) { s.created_at = "2025-02-30T00:00:00Z"; }, "created_at must be UTC"},
      {"bag count", [](auto& s) { s.index = 4; }, "Bag-Count must be i of n"},
      {"negative pages", [](auto& s) { s.counts.pages = -1; }, "pages must not be negative"},
      {"postal area", [](auto& s) { s.counts.postal_areas["36"] = 1; }, "postal area must be 3 digits"},
      {"escaping name", [](auto& s) { s.payload[0].name = "../x.pdf"; }, "payload name must be a relative path"},
      {"space in name", [](auto& s) { s.payload[0].name = "yamada taro.pdf"; }, "payload name must be a relative path"},
      {"duplicate name", [](auto& s) { s.payload[1].name = s.payload[0].name; }, "payload name appears twice"},
      {"no payload", [](auto& s) { s.payload.clear(); }, "at least one payload file"},
      {"My Number in the insertion list", [&](auto& s) { s.payload[2].bytes += my_number + "\n"; },
       "holds a My Number of the input"},
      {"grouped My Number in the insertion list", [&](auto& s) {
         s.payload[2].bytes += my_number.substr(0, 4) + " " + my_number.substr(4, 4) + " " + my_number.substr(8) + "\n";
       }, "holds a My Number of the input"},
      {"My Number as run id", [&](auto& s) { s.run_id = my_number; }, "holds a My Number of the input"},
      {"My Number as batch id", [&](auto& s) { s.batch_id = my_number; }, "holds a My Number of the input"},
  };
  mynumber::Guard guard;
  guard.add(my_number);
  TempDir t;
  auto city = keys::generate((t.path / "city").string(), keys::Kind::city);
  REQUIRE(city.ok());
  for (const auto& row : rows) {
    CAPTURE(row.what);
    auto spec = sample_spec();
    spec.my_numbers = &guard;
    row.change(spec);
    auto out = t.path / "out";
    auto r = seal_batch(spec, Keys{city.value.secret_path, ""}, out.string());
    CHECK_FALSE(r.ok());
    CHECK_MESSAGE(messages(r.problems).find(row.expect) != std::string::npos, messages(r.problems));
    CHECK(messages(r.problems).find(my_number) == std::string::npos);  // never echoed
    CHECK(empty_or_missing(out));
  }
}

TEST_CASE("a 12-digit code that passes the check digit but is no input My Number is sealed (issue 10)") {
  // Customer-barcode data: postal code 3600012 + address digits 12342, which passes the check
  // digit by chance (1 in 11 do); only the exact-match scan applies to what seal writes.
  const std::string code = "360001212342";
  REQUIRE(mynumber::valid(code));
  mynumber::Guard guard;
  guard.add("123456789018");  // the input's My Number, absent from the output
  TempDir t;
  auto city = keys::generate((t.path / "city").string(), keys::Kind::city);
  REQUIRE(city.ok());
  auto spec = sample_spec();
  spec.my_numbers = &guard;
  spec.payload[2].bytes += code + "\n";
  auto r = seal_batch(spec, Keys{city.value.secret_path, ""}, (t.path / "out").string());
  CHECK_MESSAGE(r.ok(), messages(r.problems));
}

TEST_CASE("resealing cleans this batch's leftovers only, and a failed seal leaves no temp file") {
  Sealed s;  // sealed with a contractor key
  spit(s.out / (s.spec.batch_id + ".zip.tmp-0123456789abcdef"), "left by a killed run");
  spit(s.out / "R20250901-B003.zip.tmp-0123456789abcdef", "another batch, maybe sealing right now");
  auto old_zip = slurp(s.file(".zip"));
  auto r = seal_batch(s.spec, Keys{s.city.secret_path, ""}, s.out.string());
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  CHECK_FALSE(fs::exists(s.out / (s.spec.batch_id + ".zip.tmp-0123456789abcdef")));
  CHECK(fs::exists(s.out / "R20250901-B003.zip.tmp-0123456789abcdef"));
  CHECK_FALSE(fs::exists(s.file(".key.sealed")));  // no contractor key now: the stale one is gone
  CHECK(slurp(s.file(".zip")) != old_zip);
  CHECK(verify_batch(s.with_key()).ok());

  // A failure after files were staged (city.pub cannot be renamed over a folder): every temp file
  // is removed and no manifest appears, so the half-written batch does not look complete.
  auto out2 = s.tmp.path / "out2";
  fs::create_directories(out2 / "city.pub" / "x");
  auto bad = seal_batch(s.spec, Keys{s.city.secret_path, s.contractor.public_path}, out2.string());
  CHECK(messages(bad.problems).find("cannot rename into place") != std::string::npos);
  for (const auto& e : fs::directory_iterator(out2)) {
    CAPTURE(e.path().filename().string());
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
  CHECK_FALSE(fs::exists(out2 / (s.spec.batch_id + ".manifest.json")));
}

// Regression kept from fuzz/bag (corpus: regress-blank-continuation): a whitespace-only
// continuation line used to throw std::out_of_range out of check_bag.
TEST_CASE("a blank continuation line in a tag file is reported as a bag problem, never thrown") {
  std::map<std::string, std::string> bag{{"bagit.txt", "BagIt-Version: 1.0\n \t\nTag-File-Character-Encoding: UTF-8\n"},
                                         {"bag-info.txt", "Payload-Oxum: 0.0\n  \n"}};
  Diagnostics ds;
  CHECK_NOTHROW(ds = check_bag(as_payload(bag), "bag"));
  CHECK(has_errors(ds));  // no manifests: the bag is refused with a message
}

TEST_CASE("a published run: its batches and run.json in place, with the input's warnings and no errors") {
  Sealed s;
  auto keys = load_keys({s.city.secret_path, ""});
  REQUIRE(keys.ok());
  const std::string dir = (s.tmp.path / "run").string();
  fs::create_directories(dir);
  RunSealer sealer(dir, "R20250902", "2025-09-02T00:00:00Z", keys.value, nullptr);
  records::BatchSummary b{"R20250902-B001", 1, 1, s.spec.counts, {}, {}, {}};
  REQUIRE(sealer.seal(b, s.spec.payload) == "");
  Diagnostic warning{Diagnostic::Severity::warning, "cases.csv", 3, 5, "name", "U+2000B", "printed with a variant"};
  Diagnostic error{Diagnostic::Severity::error, "cases.csv", 4, 1, "", "", "not a warning"};
  REQUIRE(sealer.publish({b}, "tanaka", {warning, error}));
  auto run = nlohmann::json::parse(slurp(fs::path(dir) / "run.json"));
  CHECK(run["run_id"] == "R20250902");
  CHECK(run["user"] == "tanaka");
  CHECK(run["warnings"] == nlohmann::json::array({format(warning)}));
  CHECK(run["batches"][0]["batch_id"] == "R20250902-B001");
  CHECK(fs::exists(fs::path(dir) / "R20250902-B001.manifest.json"));
  CHECK_FALSE(fs::exists(fs::path(dir) / ".staging-R20250902"));
  CHECK(read_run_json(dir)->warnings == std::vector<std::string>{format(warning)});
  CHECK(read_run_json(dir)->dir == dir);
}

TEST_CASE("open prints what it did as one line of JSON (output_spec/batch.md)") {
  Sealed s;
  TempDir dest;
  auto r = open_batch(s.with_key(), (dest.path / "in").string());
  REQUIRE(r.ok());
  const std::string line = to_json(r.value);
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.rfind("{\"batch_id\":\"" + s.spec.batch_id + "\",\"run_id\":", 0) == 0);  // in the documented order
  const auto j = nlohmann::json::parse(line);
  CHECK(j["bag_dir"] == r.value.bag_dir);
  CHECK(j["files"].size() == r.value.files.size());
  CHECK(j["envelopes"] == s.spec.counts.envelopes);
  CHECK(j["public_key"] == s.city.public_path);
}
