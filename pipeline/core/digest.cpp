#include "core/digest.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tsuchi::digest {
namespace {
void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}
}  // namespace

std::string hex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.pop_back();
  return out;
}

std::optional<std::string> unhex(std::string_view hex) {
  if (hex.size() % 2 != 0 || hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out[i] = static_cast<char>(nib(hex[2 * i]) * 16 + nib(hex[2 * i + 1]));
  }
  return out;
}

std::string sha256(std::string_view bytes) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return out;
}

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256::state_ too small");

Sha256::Sha256() { crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_)); }

void Sha256::add(std::string_view bytes) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_),
                            reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string Sha256::hex() {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), out);
  return digest::hex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::string sha256_hex(std::string_view bytes) { return hex(sha256(bytes)); }

std::string sha512_hex(std::string_view bytes) {
  std::string out(crypto_hash_sha512_BYTES, '\0');
  crypto_hash_sha512(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return hex(out);
}

std::string random_hex(std::size_t n) {
  init();
  std::string raw(n, '\0');
  randombytes_buf(raw.data(), raw.size());
  return hex(raw);
}

}  // namespace tsuchi::digest
