// Writes tests/fixtures/sealed (a small batch sealed by the real seal stage with fresh keys, signed by
// a throw-away maker and released with a throw-away approver; read by the seal fuzz targets, as
// seeds of `keys`, `manifest` and `release` via fuzz/seeds.txt, and by the e2e tests)
// and the seeds derived from it (corpus/open, corpus/bag). Run once by hand when the batch format
// changes: `build-fuzz/fuzz/fuzz_make_seeds .` from the source root, after removing tests/fixtures/sealed.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/keys.hpp"
#include "core/release.hpp"
#include "seal/seal.hpp"

using namespace tsuchi;
namespace fs = std::filesystem;

namespace {
std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}
int fail(const Diagnostics& ds) {
  for (const auto& d : ds) std::cerr << format(d) << "\n";
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds SOURCE_DIR\n";
    return 2;
  }
  const fs::path root = fs::path(argv[1]) / "fuzz", fixtures = fs::path(argv[1]) / "tests/fixtures/sealed";
  fs::create_directories(fixtures);
  auto city = keys::generate((fixtures / "city").string(), keys::Kind::city);
  auto contractor = keys::generate((fixtures / "contractor").string(), keys::Kind::contractor);
  if (!city.ok()) return fail(city.problems);
  if (!contractor.ok()) return fail(contractor.problems);
  auto city_secret = keys::read_secret(city.value.secret_path, keys::Kind::city);
  if (!city_secret.ok()) return fail(city_secret.problems);
  // The maker and the approver: only their public keys are kept (their certificates are in release.json).
  auto maker = keys::SecretKey::generate(keys::Kind::user);
  auto approver = keys::SecretKey::generate(keys::Kind::user);
  write(fixtures / "maker.pub", keys::public_key_file(maker.public_key()));
  write(fixtures / "approver.pub", keys::public_key_file(approver.public_key()));
  auto certificate = [&](const std::string& name, keys::Role role, const keys::PublicKey& key) {
    return keys::certify(city_secret.value, {name, role, key.hex(), "", "2025-08-01T00:00:00Z", name, ""});
  };
  auto maker_cert = certificate("maker", keys::Role::staff, maker.public_key());
  auto approver_cert = certificate("approver", keys::Role::approver, approver.public_key());
  if (!maker_cert.ok()) return fail(maker_cert.problems);
  if (!approver_cert.ok()) return fail(approver_cert.problems);

  seal::BatchSpec spec;
  spec.batch_id = "R20250901-B001";
  spec.run_id = "R20250901";
  spec.created_at = "2025-09-01T01:00:00Z";
  spec.counts = {2, 2, 1, 3, 2, {{"360", 2}}};
  spec.payload.push_back({"R20250901-B001.pdf", "%PDF-1.4\n% three pages would be here\n%%EOF\n"});
  spec.payload.push_back({"insertion.csv",
                          "envelope_id,pages,sheets,postal_code,codes,file,first_page\n"
                          "R20250901-B001/000001,2,1,3600012,R20250901-B001/000001/1-2,R20250901-B001.pdf,1\n"
                          "R20250901-B001/000002,1,1,3600014,R20250901-B001/000002/1-1,R20250901-B001.pdf,3\n"});
  auto sealing = seal::load_keys(keys::SecretKey::from_seed(keys::Kind::user, maker.seed()), contractor.value.public_path);
  if (!sealing.ok()) return fail(sealing.problems);
  auto sealed = seal::seal_batch(spec, sealing.value, fixtures.string());
  if (!sealed.ok()) return fail(sealed.problems);
  const auto& p = sealed.value.paths;

  release::Release rel;
  rel.request = {spec.run_id, spec.created_at, {{spec.batch_id, sealed.value.manifest_sha256}}, keys::to_json(maker_cert.value)};
  rel.maker_signature = release::sign_request(maker, rel.request);
  rel.approval = {2, "2025-09-02T00:00:00Z", "1:" + std::string(64, '0'), keys::to_json(approver_cert.value)};
  rel.approver_signature = release::sign_release(approver, rel);
  write(fixtures / "release.json", release::to_json(rel));

  seal::OpenRequest req;
  req.archive = p.archive;
  req.key = p.key;
  req.release = (fixtures / "release.json").string();
  req.city_key = city.value.public_path;
  auto verified = seal::verify_batch(req);
  if (!verified.ok()) return fail(verified.problems);

  std::string passphrase = read(p.key);
  while (!passphrase.empty() && passphrase.back() == '\n') passphrase.pop_back();
  write(root / "corpus/open/sealed-batch", passphrase + "\n" + read(p.archive));
  std::string bag;
  for (const auto& f : verified.value.files) bag += "@@ " + f.name + "\n" + f.bytes;
  write(root / "corpus/bag/demo-bag", bag);
  std::cout << "fixtures written to " << fixtures.string() << ", seeds under " << root.string() << "/corpus\n";
  return 0;
}
