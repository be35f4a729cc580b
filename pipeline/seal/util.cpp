#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/core.hpp"
#include "core/file.hpp"
#include "seal/internal.hpp"

namespace tsuchi::seal::detail {

std::string strerror_now() { return std::strerror(errno); }

Checked<std::string> read_file(const std::string& path, std::uint64_t limit) {
  Checked<std::string> r;
  if (auto bytes = file::read(path, limit, r.problems)) r.value = std::move(*bytes);
  return r;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return ::fsync(fd) == 0;
}

bool fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

// ---- key files ----
// DER prefixes of the fixed-size encodings of RFC 8410 keys; the 32 key bytes follow. Written by
// hand because they are constant bytes, and it keeps the stage off an ASN.1 library.
namespace {
struct KeyFormat {
  const char* kind;   // the tsuchi-key line
  const char* label;  // PEM label
  std::string_view der_prefix;
  const char* what;   // for messages
};
using namespace std::string_view_literals;
const KeyFormat& format_of(KeyFile k) {
  static const KeyFormat formats[] = {
      {"signing-public", "PUBLIC KEY", "\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00"sv,
       "a city signing public key (Ed25519)"},
      {"signing-secret", "PRIVATE KEY",
       "\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20"sv,
       "a city signing secret key (Ed25519)"},
      {"contractor-public", "PUBLIC KEY", "\x30\x2a\x30\x05\x06\x03\x2b\x65\x6e\x03\x21\x00"sv,
       "a contractor public key (X25519)"},
      {"contractor-secret", "PRIVATE KEY",
       "\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x6e\x04\x22\x04\x20"sv,
       "a contractor secret key (X25519)"},
  };
  return formats[static_cast<int>(k)];
}
}  // namespace

std::string key_file_text(KeyFile kind, std::string_view raw32) {
  const auto& f = format_of(kind);
  std::string der = std::string(f.der_prefix) + std::string(raw32);
  std::string b64(sodium_base64_ENCODED_LEN(der.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));  // both encodings fit one 64-column PEM line
  sodium_memzero(der.data(), der.size());
  std::string text = std::string("tsuchi-key: ") + f.kind + "\n-----BEGIN " + f.label + "-----\n" + b64 +
                     "\n-----END " + f.label + "-----\n";
  sodium_memzero(b64.data(), b64.size());
  return text;
}

Checked<std::string> read_key_file(const std::string& path, KeyFile kind) {
  Checked<std::string> r;
  const auto& f = format_of(kind);
  auto file = read_file(path, 64 * 1024);
  if (!file.ok()) {
    r.problems = file.problems;
    return r;
  }
  std::string& text = file.value;
  const std::string begin = std::string("-----BEGIN ") + f.label + "-----";
  const std::string end = std::string("-----END ") + f.label + "-----";
  // The kind line is optional (keys made by `openssl genpkey` lack it) but must not contradict.
  if (auto k = text.find("tsuchi-key:"); k != std::string::npos && k < text.find("-----BEGIN")) {
    auto eol = text.find('\n', k);
    std::string named = text.substr(k + 11, eol == std::string::npos ? std::string::npos : eol - k - 11);
    while (!named.empty() && (named.front() == ' ' || named.front() == '\t')) named.erase(0, 1);
    while (!named.empty() && (named.back() == ' ' || named.back() == '\r')) named.pop_back();
    if (named != f.kind) {
      r.problems.push_back(error(path, std::string("is a ") + named + " key, expected " + f.what, named));
      sodium_memzero(text.data(), text.size());
      return r;
    }
  }
  auto b = text.find(begin);
  auto e = b == std::string::npos ? b : text.find(end, b);
  std::string der(128, '\0');
  std::size_t der_len = 0;
  bool decoded = b != std::string::npos && e != std::string::npos &&
                 sodium_base642bin(reinterpret_cast<unsigned char*>(der.data()), der.size(), text.data() + b + begin.size(),
                                   e - b - begin.size(), " \t\r\n", &der_len, nullptr,
                                   sodium_base64_VARIANT_ORIGINAL) == 0;
  sodium_memzero(text.data(), text.size());
  if (!decoded || der_len != f.der_prefix.size() + 32 || std::string_view(der.data(), f.der_prefix.size()) != f.der_prefix) {
    r.problems.push_back(error(path, std::string("not ") + f.what + " (expected PEM \"" + f.label + "\")"));
  } else {
    r.value.assign(der.data() + f.der_prefix.size(), 32);
  }
  sodium_memzero(der.data(), der.size());
  return r;
}

std::optional<std::int64_t> parse_utc(std::string_view s) {
  // "YYYY-MM-DDTHH:MM:SSZ"
  if (s.size() != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') return std::nullopt;
  auto d = parse_date(s.substr(0, 10));
  auto num = [&](std::size_t at) -> int {
    if (s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return -1;
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
  };
  int h = num(11), m = num(14), sec = num(17);
  if (!d || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return std::nullopt;
  return days_from_civil(*d) * 86400 + h * 3600 + m * 60 + sec;
}

}  // namespace tsuchi::seal::detail
