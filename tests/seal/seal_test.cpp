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
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/keys.hpp"
#include "core/release.hpp"
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
  // Sheets per envelope 1, 2, 2, 3; envelopes 3 and 4 are parts 1/2 and 2/2 of one household's mailing.
  s.mailing = {8, 50, 4, 6, 3, 18, 1, 2, 1, {{1, 1}, {2, 2}, {3, 1}}};
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

std::string certificate(const keys::SecretKey& city, const std::string& name, keys::Role role, const keys::PublicKey& key) {
  keys::Certificate c{name, role, key.hex(), "", "2025-08-01T00:00:00Z", name, ""};
  auto r = keys::certify(city, c);
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  return keys::to_json(r.value);
}

// A fresh user key from a seed kept here, since keys are move-only and the tests sign again later.
struct Person {
  std::string seed = random_bytes(32);
  keys::SecretKey key() const { return keys::SecretKey::from_seed(keys::Kind::user, seed); }
  keys::PublicKey public_key() const { return key().public_key(); }
};

// `write_key`: B.key beside B.key.sealed too (`run --write-key`), which most tests open with.
SealingKeys sealing_keys(const Person& maker, const std::string& contractor_public_path, bool write_key = true) {
  auto k = load_keys(maker.key(), contractor_public_path);
  REQUIRE_MESSAGE(k.ok(), messages(k.problems));
  k.value.write_key = write_key;
  return std::move(k.value);
}

// The city (its city.pub as the contractor received it), the maker tanaka (staff), the approver
// suzuki, a contractor key, one batch sealed by tanaka in `out`, and its release in release.json.
struct Sealed {
  TempDir tmp;
  keys::SecretKey city = keys::SecretKey::generate(keys::Kind::city);
  Person maker, approver;
  keys::KeyPairFiles contractor;
  BatchSpec spec = sample_spec();
  BatchResult result;
  fs::path out, city_pub, release_path;
  explicit Sealed(bool with_contractor = true) {
    auto k = keys::generate((tmp.path / "contractor").string(), keys::Kind::contractor);
    REQUIRE_MESSAGE(k.ok(), messages(k.problems));
    contractor = k.value;
    city_pub = tmp.path / "city.pub";
    spit(city_pub, keys::public_key_file(city.public_key()));
    out = tmp.path / "out";
    auto r = seal_batch(spec, sealing_keys(maker, with_contractor ? contractor.public_path : ""), out.string());
    REQUIRE_MESSAGE(r.ok(), messages(r.problems));
    result = r.value;
    release_path = tmp.path / "release.json";
    spit(release_path, release::to_json(make_release()));
  }
  // The release approve would write: tanaka's request for this batch (its manifest as it is now),
  // countersigned by suzuki.
  release::Release make_release(std::int64_t sequence = 7, std::vector<release::BatchDigest> batches = {}) const {
    if (batches.empty()) batches = {{spec.batch_id, sha256_hex(slurp(file(".manifest.json")))}};
    release::Release r;
    r.request = {spec.run_id, spec.created_at, batches,
                 certificate(city, "tanaka", keys::Role::staff, maker.public_key())};
    r.maker_signature = release::sign_request(maker.key(), r.request);
    r.approval = {sequence, "2025-09-02T03:00:00Z", std::to_string(sequence - 1) + ":" + std::string(64, 'c'),
                  certificate(city, "suzuki", keys::Role::approver, approver.public_key())};
    r.approver_signature = release::sign_release(approver.key(), r);
    return r;
  }
  void write_release(const release::Release& r) const { spit(release_path, release::to_json(r)); }
  fs::path file(const std::string& suffix) const { return out / (spec.batch_id + suffix); }
  std::string passphrase() const {
    auto k = slurp(file(".key"));
    return k.substr(0, k.size() - 1);
  }
  OpenRequest with_key() const {
    return {file(".zip").string(), file(".key").string(), "", release_path.string(), city_pub.string(), {}};
  }
  OpenRequest with_secret() const {
    return {file(".zip").string(), "", contractor.secret_path, release_path.string(), city_pub.string(), {}};
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
  CHECK_FALSE(fs::exists(s.out / "city.pub"));  // the contractor has it from the city, never with a batch
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
  // The mailing figures: limits, the heaviest envelope, splits; counts only, no envelope id.
  const auto& ml = m["mailing"];
  CHECK(ml["max_sheets"] == 8);
  CHECK(ml["max_grams"] == 50.0);
  CHECK(ml["paper_grams"] == 4.0);
  CHECK(ml["envelope_grams"] == 6.0);
  CHECK(ml["heaviest_sheets"] == 3);
  CHECK(ml["heaviest_grams"] == 18.0);
  CHECK(ml["split_mailings"] == 1);
  CHECK(ml["split_envelopes"] == 2);
  CHECK(ml["cover_sheets"] == 1);
  CHECK(ml["envelopes_by_sheets"] == nlohmann::json{{"1", 1}, {"2", 2}, {"3", 1}});
  CHECK(m["archive_sha256"] == sha256_hex(slurp(s.file(".zip"))));
  CHECK(m["archive_bytes"] == fs::file_size(s.file(".zip")));
  CHECK(m["key_sealed"] == true);
  CHECK(m["tool"] == "tsuchi");
  CHECK(m["format_version"] == 1);
  CHECK(s.result.archive_sha256 == m["archive_sha256"]);
  CHECK(m["signing_key_sha256"] == sha256_hex(s.maker.public_key().bytes));  // the maker's key, not the city's
  CHECK(s.result.manifest_sha256 == sha256_hex(slurp(s.file(".manifest.json"))));

  // The passphrase: 256 random bits as 64 hex digits on one line, readable by the owner only.
  auto key = slurp(s.file(".key"));
  REQUIRE(key.size() == 65);
  CHECK(key.back() == '\n');
  CHECK(key.find_first_not_of("0123456789abcdef") == 64);
  CHECK((fs::status(s.file(".key")).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(fs::file_size(s.file(".manifest.json.sig")) == 64);

  // The library's own reader agrees with the maker's key and no other.
  auto read = read_manifest(s.file(".manifest.json").string(), s.maker.public_key());
  REQUIRE_MESSAGE(read.ok(), messages(read.problems));
  CHECK(read.value.counts == s.spec.counts);
  CHECK(messages(read_manifest(s.file(".manifest.json").string(), s.approver.public_key()).problems)
            .find("the manifest names another signing key") != std::string::npos);
}

TEST_CASE("without tsuchi: the maker's key comes out of release.json and OpenSSL verifies the manifest (README)") {
  Sealed s;
  int rc = -1;
  // The commands of README's contractor section, as written there.
  const std::string dir = "cd '" + s.out.string() + "' && ";
  const std::string B = s.spec.batch_id;
  auto out = run(dir + "printf '302a300506032b6570032100%s' \"$(jq -r .request.maker_certificate.user_public_key '" +
                     s.release_path.string() + "')\" | xxd -r -p | openssl pkey -pubin -inform DER -out maker.pub", &rc);
  REQUIRE_MESSAGE(rc == 0, out);
  out = run(dir + "openssl pkeyutl -verify -pubin -inkey maker.pub -rawin -in " + B + ".manifest.json -sigfile " + B +
                ".manifest.json.sig", &rc);
  CHECK_MESSAGE(rc == 0, out);
  out = run(dir + "test \"$(sha256sum " + B + ".manifest.json | cut -d' ' -f1)\" = \"$(jq -r '.request.batches[] | "
                "select(.batch_id==\"" + B + "\") | .manifest_sha256' '" + s.release_path.string() + "')\"", &rc);
  CHECK_MESSAGE(rc == 0, out);
  // The same recipe with another user's key fails.
  spit(s.out / "maker.pub", keys::public_key_file(s.approver.public_key()));
  out = run(dir + "openssl pkeyutl -verify -pubin -inkey maker.pub -rawin -in " + B + ".manifest.json -sigfile " + B +
                ".manifest.json.sig", &rc);
  CHECK(rc != 0);
}

TEST_CASE("another implementation verifies both release signatures from output_spec/release.md's canonical bytes") {
  Sealed s;
  // Python's json and cryptography, following only the document: tag line + sorted compact JSON.
  const auto script = s.tmp.path / "verify.py";
  spit(script,
       "import json, sys\n"
       "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey as K\n"
       "r = json.load(open(sys.argv[1]))\n"
       "c = lambda o: json.dumps(o, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()\n"
       "q = r['request']\n"
       "K.from_public_bytes(bytes.fromhex(q['maker_certificate']['user_public_key'])).verify(\n"
       "    bytes.fromhex(r['maker_signature']), b'tsuchi-release-request-v1\\n' + c(q))\n"
       "a = r['approval']\n"
       "K.from_public_bytes(bytes.fromhex(a['approver_certificate']['user_public_key'])).verify(\n"
       "    bytes.fromhex(r['approver_signature']),\n"
       "    b'tsuchi-release-v1\\n' + c({'request': q, 'maker_signature': r['maker_signature'], 'approval': a}))\n"
       "print('verified')\n");
  int rc = -1;
  auto out = run("python3 '" + script.string() + "' '" + s.release_path.string() + "'", &rc);
  CHECK_MESSAGE(rc == 0, out);
  // A release with the approval changed after signing fails there too.
  auto j = nlohmann::json::parse(slurp(s.release_path));
  j["approval"]["sequence"] = 99;
  spit(s.release_path, j.dump(2));
  run("python3 '" + script.string() + "' '" + s.release_path.string() + "'", &rc);
  CHECK(rc != 0);
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
TEST_CASE("entries are marked WinZip AE-2, AES-256; PDFs stored (already deflated by Cairo), the rest deflated") {
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
        const bool pdf = name.size() > 4 && name.compare(name.size() - 4, 4, ".pdf") == 0;
        CHECK(u16(e + 9) == (pdf ? 0u : 8u));     // actual method: store for PDFs, else deflate
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
    // Only the bag and the release remembered beside it: no temp folder.
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dest.path / "in")) names.insert(e.path().filename().string());
    CHECK(names == std::set<std::string>{s.spec.batch_id, ".tsuchi-releases.json"});
    CHECK((fs::status(r.value.bag_dir + "/data/print-001.pdf").permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));

    // Opening again never overwrites the bag already there.
    auto again = open_batch(secret ? s.with_secret() : s.with_key(), (dest.path / "in").string());
    CHECK(messages(again.problems).find("already exists") != std::string::npos);
  }
}

TEST_CASE("open refuses without a pinned city key or a release, and a refused open leaves nothing in DIR") {
  Sealed s;
  // A city.pub travelling with the batch is not a pinned key: it is ignored.
  spit(s.out / "city.pub", slurp(s.city_pub));
  struct Row {
    const char* what;
    std::function<void(OpenRequest&)> change;
    const char* expect;
  };
  const Row rows[] = {
      {"no city key", [](auto& r) { r.city_key.clear(); }, "no pinned city key"},
      {"no release", [](auto& r) { r.release.clear(); }, "no release: a batch opens only with the release.json"},
      {"a missing release file", [&](auto& r) { r.release = (s.tmp.path / "none.json").string(); }, "none.json"},
      {"a contractor key as city key", [&](auto& r) { r.city_key = s.contractor.public_path; },
       "is a contractor-public key, expected a city signing public key"},
  };
  for (const auto& row : rows) {
    const std::string what = row.what;
    CAPTURE(what);
    auto req = s.with_key();
    row.change(req);
    TempDir dest;
    auto r = open_batch(req, (dest.path / "in").string());
    CHECK_FALSE(r.ok());
    CHECK_MESSAGE(messages(r.problems).find(row.expect) != std::string::npos, messages(r.problems));
    CHECK(empty_or_missing(dest.path / "in"));
  }
}

TEST_CASE("open refuses a release that does not release this manifest of this maker") {
  struct Row {
    const char* what;
    std::function<void(Sealed&)> change;
    const char* expect;
  };
  const Row rows[] = {
      {"a release of other batches",
       [](Sealed& s) { s.write_release(s.make_release(7, {{"R20250901-B001", std::string(64, 'a')}})); },
       "does not list batch R20250901-B002: it releases R20250901-B001 of run R20250901"},
      {"a release listing another manifest digest",
       [](Sealed& s) { s.write_release(s.make_release(7, {{s.spec.batch_id, std::string(64, 'a')}})); },
       "its SHA-256 differs from the one"},
      {"the manifest changed after approval (a count raised)",
       [](Sealed& s) {
         auto text = slurp(s.file(".manifest.json"));
         const std::string four = "\"envelopes\": 4";
         text.replace(text.find(four), four.size(), "\"envelopes\": 5");
         spit(s.file(".manifest.json"), text);
       },
       "its SHA-256 differs from the one"},
      {"the manifest signed by another key than the release's maker",
       [](Sealed& s) {
         const auto text = slurp(s.file(".manifest.json"));
         spit(s.file(".manifest.json.sig"), s.approver.key().sign(text));
       },
       "signature does not verify with the key of the release's maker tanaka"},
      {"resealed by another staff member and released under tanaka's name",
       [](Sealed& s) {
         Person other;
         auto again = seal_batch(s.spec, sealing_keys(other, ""), s.out.string());
         REQUIRE(again.ok());
         s.write_release(s.make_release());
       },
       "(the manifest names another signing key)"},
      {"an unapproved release (the approver's part removed)",
       [](Sealed& s) {
         auto j = nlohmann::ordered_json::parse(slurp(s.release_path));
         j.erase("approver_signature");
         spit(s.release_path, j.dump(2));
       },
       "field \"approver_signature\" is missing: no approver signed this release"},
      {"a release approved by its maker",
       [](Sealed& s) {
         auto r = s.make_release();
         r.approval.approver_certificate = certificate(s.city, "tanaka", keys::Role::approver, s.approver.public_key());
         r.approver_signature = release::sign_release(s.approver.key(), r);
         s.write_release(r);
       },
       "the maker and the approver are the same person (tanaka)"},
      {"a release from another city",
       [](Sealed& s) { spit(s.city_pub, keys::public_key_file(keys::SecretKey::generate(keys::Kind::city).public_key())); },
       "the maker's certificate is not signed by the pinned city key"},
  };
  for (const auto& row : rows) {
    const std::string what = row.what;
    CAPTURE(what);
    Sealed s;
    row.change(s);
    TempDir dest;
    auto r = open_batch(s.with_key(), (dest.path / "in").string());
    CHECK_FALSE(r.ok());
    CHECK_MESSAGE(messages(r.problems).find(row.expect) != std::string::npos, messages(r.problems));
    CHECK(empty_or_missing(dest.path / "in"));
  }
}

TEST_CASE("replay: a superseded release is refused in the folder that opened a newer one") {
  Sealed s;
  TempDir dest;
  const auto in = (dest.path / "in").string();
  s.write_release(s.make_release(8));
  auto first = open_batch(s.with_key(), in);
  REQUIRE_MESSAGE(first.ok(), messages(first.problems));
  CHECK(first.value.release.sequence == 8);
  auto memory = nlohmann::json::parse(slurp(fs::path(in) / ".tsuchi-releases.json"));
  CHECK(memory["format"] == "tsuchi-opened-releases");
  CHECK(memory["batches"][s.spec.batch_id]["sequence"] == 8);
  CHECK(memory["batches"][s.spec.batch_id]["release_sha256"] ==
        sha256_hex(release::signed_bytes(s.make_release(8))));  // Ed25519 is deterministic: the same release
  CHECK((fs::status(fs::path(in) / ".tsuchi-releases.json").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  // The contractor removes the bag; an older release for the batch is still refused here.
  fs::remove_all(first.value.bag_dir);
  s.write_release(s.make_release(7));
  auto old = open_batch(s.with_key(), in);
  CHECK_MESSAGE(messages(old.problems).find("superseded: batch R20250901-B002 was opened here under release sequence 8") !=
                    std::string::npos,
                messages(old.problems));
  CHECK_FALSE(fs::exists(first.value.bag_dir));

  // Another release of the same sequence (here: approved at another time) is refused too.
  auto twin = s.make_release(8);
  twin.approval.approved_at = "2025-09-03T00:00:00Z";
  twin.approver_signature = release::sign_release(s.approver.key(), twin);
  s.write_release(twin);
  CHECK(messages(open_batch(s.with_key(), in).problems).find("another release with the same sequence 8") != std::string::npos);

  // The same release again, and a newer one, open; the memory then holds the newer sequence.
  s.write_release(s.make_release(8));
  auto same = open_batch(s.with_key(), in);
  CHECK_MESSAGE(same.ok(), messages(same.problems));
  fs::remove_all(first.value.bag_dir);
  s.write_release(s.make_release(9));
  auto newer = open_batch(s.with_key(), in);
  CHECK_MESSAGE(newer.ok(), messages(newer.problems));
  CHECK(nlohmann::json::parse(slurp(fs::path(in) / ".tsuchi-releases.json"))["batches"][s.spec.batch_id]["sequence"] == 9);

  // Another folder has its own memory (output_spec/release.md says why the folder is the unit).
  TempDir elsewhere;
  s.write_release(s.make_release(7));
  CHECK(open_batch(s.with_key(), (elsewhere.path / "in").string()).ok());

  // A damaged memory refuses rather than forgets.
  fs::remove_all(first.value.bag_dir);
  spit(fs::path(in) / ".tsuchi-releases.json", "{}");
  s.write_release(s.make_release(10));
  CHECK(messages(open_batch(s.with_key(), in).problems).find("is not tsuchi's record of the releases opened") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(first.value.bag_dir));
}

TEST_CASE("one flipped byte anywhere, a wrong key or a wrong city key: open refuses and extracts nothing") {
  struct Row {
    const char* file;  // suffix of the batch file to damage, or "" for none
    bool secret;       // open with the contractor secret key instead of B.key
    const char* expect;
  };
  const Row rows[] = {
      {".zip", false, "archive SHA-256 does not match the signed manifest"},
      {".manifest.json", false, "its SHA-256 differs from the one"},
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
  auto req = s.with_key();
  req.city_key = (s.tmp.path / "other-city.pub").string();
  spit(req.city_key, keys::public_key_file(keys::SecretKey::generate(keys::Kind::city).public_key()));
  auto v = verify_batch(req);
  CHECK(messages(v.problems).find("the maker's certificate is not signed by the pinned city key") != std::string::npos);

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

// Rewrites a sealed batch's archive with other entries, re-signs the manifest as its maker and has
// the release signed again, as a maker and an approver together could: what remains to stop a bad
// archive is open's own checks.
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
  spit(s.file(".manifest.json.sig"), s.maker.key().sign(text));
  s.write_release(s.make_release());
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
  // Manifests are signed by a person: the city key no longer seals, and a key of the wrong kind is named.
  auto city = keys::read_secret((t.path / "city.secret").string(), keys::Kind::city);
  REQUIRE(city.ok());
  auto wrong = load_keys(std::move(city.value), "");
  CHECK(messages(wrong.problems).find("the manifests are signed with the maker's own user key") != std::string::npos);
  wrong = load_keys(keys::SecretKey::generate(keys::Kind::user), (t.path / "city.pub").string());
  CHECK(messages(wrong.problems).find("is a signing-public key, expected a contractor public key (X25519)") !=
        std::string::npos);
}

TEST_CASE("keys made by OpenSSL are accepted") {
  TempDir t;
  int rc = -1;
  run("openssl genpkey -algorithm ed25519 -out '" + (t.path / "maker.secret").string() + "'", &rc);
  REQUIRE(rc == 0);
  run("openssl pkey -in '" + (t.path / "maker.secret").string() + "' -pubout -out '" + (t.path / "maker.pub").string() + "'", &rc);
  REQUIRE(rc == 0);
  auto maker = keys::read_secret((t.path / "maker.secret").string(), keys::Kind::user);
  REQUIRE_MESSAGE(maker.ok(), messages(maker.problems));
  auto sealing = load_keys(std::move(maker.value), "");
  REQUIRE(sealing.ok());
  auto spec = sample_spec();
  auto r = seal_batch(spec, sealing.value, (t.path / "out").string());
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  CHECK(r.value.paths.sealed_key.empty());
  CHECK_FALSE(fs::exists(t.path / "out" / (spec.batch_id + ".key.sealed")));
  auto pub = keys::read_public((t.path / "maker.pub").string(), keys::Kind::user);
  REQUIRE(pub.ok());
  auto m = read_manifest(r.value.paths.manifest, pub.value);
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
  const auto sealing = sealing_keys(Person{}, "");
  for (const auto& row : rows) {
    CAPTURE(row.what);
    auto spec = sample_spec();
    spec.my_numbers = &guard;
    row.change(spec);
    auto out = t.path / "out";
    auto r = seal_batch(spec, sealing, out.string());
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
  auto spec = sample_spec();
  spec.my_numbers = &guard;
  spec.payload[2].bytes += code + "\n";
  auto r = seal_batch(spec, sealing_keys(Person{}, ""), (t.path / "out").string());
  CHECK_MESSAGE(r.ok(), messages(r.problems));
}

TEST_CASE("resealing leaves files it did not make alone, and a failed seal leaves no temp file") {
  Sealed s;  // sealed with a contractor key
  spit(s.out / (s.spec.batch_id + ".zip.tmp-0123456789abcdef"), "left by a killed run");
  spit(s.out / "R20250901-B003.zip.tmp-0123456789abcdef", "another batch, maybe sealing right now");
  auto old_zip = slurp(s.file(".zip"));
  auto r = seal_batch(s.spec, sealing_keys(s.maker, ""), s.out.string());
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  s.write_release(s.make_release());  // a new manifest needs a new release
  // Never deleted by name pattern: a run's folder is empty when it starts, so what is there is not ours.
  CHECK(fs::exists(s.out / (s.spec.batch_id + ".zip.tmp-0123456789abcdef")));
  CHECK(fs::exists(s.out / "R20250901-B003.zip.tmp-0123456789abcdef"));
  CHECK_FALSE(fs::exists(s.file(".key.sealed")));  // no contractor key now: the stale one is gone
  CHECK(slurp(s.file(".zip")) != old_zip);
  CHECK(verify_batch(s.with_key()).ok());

  // A failure after files were staged (the signature cannot be renamed over a folder): every temp
  // file is removed and no manifest appears, so the half-written batch does not look complete.
  auto out2 = s.tmp.path / "out2";
  fs::create_directories(out2 / (s.spec.batch_id + ".manifest.json.sig") / "x");
  auto bad = seal_batch(s.spec, sealing_keys(s.maker, s.contractor.public_path), out2.string());
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
  const std::string dir = (s.tmp.path / "run").string();
  fs::create_directories(dir);
  RunSealer sealer(dir, "R20250902", "2025-09-02T00:00:00Z", sealing_keys(s.maker, ""), nullptr);
  CHECK(sealer.maker_key().public_key() == s.maker.public_key());
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
  CHECK_FALSE(fs::exists(fs::path(dir) / "city.pub"));
  CHECK(read_manifest((fs::path(dir) / "R20250902-B001.manifest.json").string(), s.maker.public_key()).ok());
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
  CHECK(j["release_sequence"] == 7);
  CHECK(j["maker"] == "tanaka");
  CHECK(j["approver"] == "suzuki");
  CHECK(j["maker_key_sha256"] == sha256_hex(s.maker.public_key().bytes));
  CHECK(j["approver_key_sha256"] == sha256_hex(s.approver.public_key().bytes));
  CHECK(j["city_key_sha256"] == sha256_hex(s.city.public_key().bytes));
  CHECK(j["audit_head"] == "6:" + std::string(64, 'c'));
  CHECK(j["approved_at"] == "2025-09-02T03:00:00Z");
  CHECK(j["run_id"] == s.spec.run_id);
  CHECK_FALSE(j.contains("public_key"));
}

TEST_CASE("B.key is written beside B.key.sealed only with --write-key; without a contractor key always") {
  struct Case {
    const char* name;
    bool contractor, write_key, key_file, sealed_file;
  };
  const Case cases[] = {
      {"sealed key, no --write-key", true, false, false, true},
      {"sealed key, --write-key", true, true, true, true},
      {"no contractor key", false, false, true, false},
      {"no contractor key, --write-key", false, true, true, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Sealed s;
    const fs::path out = s.tmp.path / "fresh";
    auto r = seal_batch(s.spec, sealing_keys(s.maker, c.contractor ? s.contractor.public_path : "", c.write_key),
                        out.string());
    REQUIRE_MESSAGE(r.ok(), messages(r.problems));
    CHECK(fs::exists(out / (s.spec.batch_id + ".key")) == c.key_file);
    CHECK(r.value.paths.key.empty() == !c.key_file);
    CHECK(fs::exists(out / (s.spec.batch_id + ".key.sealed")) == c.sealed_file);
  }
}

TEST_CASE("a run that fails removes only the files it published, never another run's R7-B… files") {
  Sealed s;
  const fs::path dir = s.tmp.path / "shared";
  fs::create_directories(dir);
  // Files of a recorded run R7-Bx (and a stranger's file) that happen to share the prefix "R7-B".
  const std::vector<std::string> others = {"R7-Bx.zip", "R7-Bx.manifest.json", "R7-B001.note", "R7-Bx.key"};
  for (const auto& f : others) spit(dir / f, "not this run's");
  RunSealer sealer(dir.string(), "R7", "2025-09-02T00:00:00Z", sealing_keys(s.maker, ""), nullptr);
  records::BatchSummary b{"R7-B001", 1, 1, s.spec.counts, {}, {}, {}};
  REQUIRE(sealer.seal(b, s.spec.payload) == "");
  REQUIRE(sealer.publish({b}, "tanaka", {}));
  CHECK(fs::exists(dir / "R7-B001.manifest.json"));
  sealer.remove();  // as when the ledger refuses the run
  CHECK_FALSE(fs::exists(dir / "run.json"));
  CHECK_FALSE(fs::exists(dir / "R7-B001.zip"));
  CHECK_FALSE(fs::exists(dir / "R7-B001.manifest.json"));
  for (const auto& f : others) {
    CAPTURE(f);
    CHECK(slurp(dir / f) == "not this run's");
  }
}

TEST_CASE("a staging folder that exists already is not used: every seal fails, nothing is published") {
  Sealed s;
  const fs::path dir = s.tmp.path / "taken";
  fs::create_directories(dir / ".staging-R8");
  spit(dir / ".staging-R8" / "theirs", "another invocation's file");
  RunSealer sealer(dir.string(), "R8", "2025-09-02T00:00:00Z", sealing_keys(s.maker, ""), nullptr);
  records::BatchSummary b{"R8-B001", 1, 1, s.spec.counts, {}, {}, {}};
  CHECK(sealer.seal(b, s.spec.payload).find("cannot create") != std::string::npos);
  sealer.abandon();
  CHECK(slurp(dir / ".staging-R8" / "theirs") == "another invocation's file");
}
