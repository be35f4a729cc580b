// Key files (PEM after a "tsuchi-key:" line, or the encrypted user-key layout) read as every kind:
// the maker's secret (tsuchi run) and public key (a manifest's signer), the contractor's public key
// (tsuchi run) and secret key (tsuchi open --secret-key, on the fixture batch sealed to the fixture
// contractor), the city's public key (tsuchi open --city-key), a user's public and secret key (with
// a passphrase at hand), and a certificate.
#include "core/keys.hpp"
#include "fuzz/seal_fixture.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::Scratch scratch;
  const std::string key = scratch.write("key.pem", fuzz::as_view(data, size));
  const std::string_view text = fuzz::as_view(data, size);
  auto maker = keys::read_secret(key, keys::Kind::user);
  for (const auto& d : seal::load_keys(std::move(maker.value), "").problems) (void)format(d);
  const std::string seed(32, '\x01');
  for (const auto& d : seal::load_keys(keys::SecretKey::from_seed(keys::Kind::user, seed), key).problems) (void)format(d);
  const std::string manifest = fuzz::fixture_path(fuzz::kSealedBatch + ".manifest.json");
  if (auto pk = keys::parse_public(text, keys::Kind::user, key); pk.ok())
    for (const auto& d : seal::read_manifest(manifest, pk.value).problems) (void)format(d);
  // The input as the contractor's secret key on the fixture batch and its release, then as the city key.
  seal::OpenRequest req;
  req.archive = fuzz::fixture_path(fuzz::kSealedBatch + ".zip");
  req.secret_key = key;
  req.release = fuzz::fixture_path("release.json");
  req.city_key = fuzz::fixture_path("city.pub");
  for (const auto& d : seal::verify_batch(req).problems) (void)format(d);
  req.secret_key = fuzz::fixture_path("contractor.secret");
  req.city_key = key;
  for (const auto& d : seal::verify_batch(req).problems) (void)format(d);

  auto ask = [] { return Checked<keys::Passphrase>{keys::Passphrase("correct horse battery"), {}}; };
  for (const auto& d : keys::parse_public(text, keys::Kind::user, "user.pub").problems) (void)format(d);
  auto user = keys::parse_secret(text, keys::Kind::user, "user.secret", ask);
  for (const auto& d : user.problems) (void)format(d);
  if (user.ok()) (void)user.value.sign(text);
  auto city = keys::read_public(fuzz::fixture_path("city.pub"), keys::Kind::city);
  for (const auto& d : keys::check(text, city.value).problems) (void)format(d);
  return 0;
}
