// Reading a whole input file under a size cap, once for every reader (cases, configuration,
// contractor files, keys, manifests, archives): refused by size before a byte is read.
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

// "1 GiB", "16 MiB", "4096 bytes": a limit as messages name it.
std::string size_text(std::uint64_t bytes);

}  // namespace tsuchi::file
