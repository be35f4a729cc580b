// Key files (PEM after a "tsuchi-key:" line, or the encrypted user-key layout) read as every kind:
// the city's signing secret (tsuchi run) and public key (tsuchi open), the contractor's public key
// (tsuchi run) and secret key (tsuchi open --secret-key, on the fixture batch sealed to the fixture
// contractor), a user's public and secret key (with a passphrase at hand), and a certificate.
#include "core/keys.hpp"
#include "fuzz/seal_fixture.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::Scratch scratch;
  const std::string key = scratch.write("key.pem", fuzz::as_view(data, size));
  for (const auto& d : seal::load_keys({key, ""}).problems) (void)format(d);
  for (const auto& d : seal::load_keys({fuzz::fixture_path("city.secret"), key}).problems) (void)format(d);
  const std::string manifest = fuzz::fixture_path(fuzz::kSealedBatch + ".manifest.json");
  for (const auto& d : seal::read_manifest(manifest, key).problems) (void)format(d);
  seal::OpenRequest req;
  req.archive = fuzz::fixture_path(fuzz::kSealedBatch + ".zip");
  req.secret_key = key;
  req.public_key = fuzz::fixture_path("city.pub");
  for (const auto& d : seal::verify_batch(req).problems) (void)format(d);

  const std::string_view text = fuzz::as_view(data, size);
  auto ask = [] { return Checked<keys::Passphrase>{keys::Passphrase("correct horse battery"), {}}; };
  for (const auto& d : keys::parse_public(text, keys::Kind::user, "user.pub").problems) (void)format(d);
  auto user = keys::parse_secret(text, keys::Kind::user, "user.secret", ask);
  for (const auto& d : user.problems) (void)format(d);
  if (user.ok()) (void)user.value.sign(text);
  auto city = keys::read_public(fuzz::fixture_path("city.pub"), keys::Kind::city);
  for (const auto& d : keys::check(text, city.value).problems) (void)format(d);
  return 0;
}
