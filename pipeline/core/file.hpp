// Files, once for every stage: reading a whole input under a size cap (cases, configuration,
// contractor files, keys, manifests, archives), refused by size before a byte is read; and
// writing an output whole or not at all.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/core.hpp"

namespace tsuchi::file {

// The bytes of the regular file `path`, at most `limit` of them; otherwise nullopt and one
// whole-file error in `out` ("the file is larger than the limit of 16 MiB; <advice>").
std::optional<std::string> read(const std::string& path, std::uint64_t limit, Diagnostics& out,
                                std::string_view advice = {});

// Owns a file descriptor (writers of key files, sealed batches and opened bags).
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }

 private:
  int fd_;
};

// Writes all bytes and fsyncs; false with errno set on failure.
bool write_all(int fd, std::string_view bytes);

// Writes `path` whole or not at all (previews, run.json, review sheets, forms, reports): the bytes
// go to a new file under a random temporary name beside it, created with O_EXCL|O_NOFOLLOW and
// mode 0600 (a planted link is never followed, nobody else can read a plaintext output), are
// fsynced, then renamed over `path`.
bool write_atomically(const std::string& path, std::string_view bytes);

// "1 GiB", "16 MiB", "4096 bytes": a limit as messages name it.
std::string size_text(std::uint64_t bytes);

}  // namespace tsuchi::file
