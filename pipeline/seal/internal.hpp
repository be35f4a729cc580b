// Helpers shared by the seal stage's sources; not part of its interface (that is seal.hpp).
#pragma once
#include <sodium.h>
#include <unistd.h>
#include <zip.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/digest.hpp"
#include "core/handle.hpp"
#include "seal/seal.hpp"

namespace tsuchi::seal::detail {

// libzip's objects, owned once for sealing and opening.
using ZipArchive = Handle<zip_t, zip_discard>;
using ZipSource = Handle<zip_source_t, zip_source_free>;
using ZipFile = Handle<zip_file_t, zip_fclose>;

inline Diagnostic error(std::string file, std::string reason, std::string value = {}) {
  Diagnostic d;
  d.file = std::move(file);
  d.value = std::move(value);
  d.reason = std::move(reason);
  return d;
}

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

// Reads a whole regular file, refusing anything larger than `limit` bytes.
Checked<std::string> read_file(const std::string& path, std::uint64_t limit);
// Writes all bytes and fsyncs; false with errno set on failure.
bool write_all(int fd, std::string_view bytes);
bool fsync_dir(const std::string& dir);
std::string strerror_now();

// Key files: PEM (SPKI / PKCS#8, as OpenSSL writes them) after one "tsuchi-key: <kind>" line.
enum class KeyFile { signing_public, signing_secret, contractor_public, contractor_secret };
std::string key_file_text(KeyFile kind, std::string_view raw32);
// The raw 32-byte key (public key, Ed25519 seed, or X25519 scalar).
Checked<std::string> read_key_file(const std::string& path, KeyFile kind);

// ISO-8601 "YYYY-MM-DDTHH:MM:SSZ" -> seconds since the epoch.
std::optional<std::int64_t> parse_utc(std::string_view s);

// Bag file contents, built from a spec (tag files first, then data/ sorted by name).
std::vector<PayloadFile> make_bag(const BatchSpec& spec);

}  // namespace tsuchi::seal::detail
