// Files, once for every stage: reading a whole input under a size cap (cases, configuration,
// contractor files, keys, manifests, archives), refused by size before a byte is read; and
// writing an output whole or not at all.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <functional>
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

// Random hex of n bytes for temporary names; a test injects its own to plant links at them.
using RandomHex = std::function<std::string(std::size_t bytes)>;

// Every file tsuchi writes goes through here. `bytes` go to a new file beside `path` under a random
// temporary name "<path>.tmp-<hex>", created with O_CREAT|O_EXCL|O_NOFOLLOW and `mode` (a planted
// link or file is never followed or reused: another name is drawn), and are fsynced. The name
// written, or "" with errno set (nothing is left behind).
std::string write_temporary(const std::string& path, std::string_view bytes, mode_t mode = 0600,
                            const RandomHex& random = {});

// Writes `path` whole or not at all (previews, run.json, review sheets, forms, reports):
// write_temporary, then renamed over `path`. 0600 by default: nobody else reads a plaintext output.
bool write_atomically(const std::string& path, std::string_view bytes, mode_t mode = 0600,
                      const RandomHex& random = {});

// Writes `path` whole or not at all, and only if nothing is there (key files): write_temporary,
// then hard-linked to `path` (which fails on any existing name, a link included), and the temporary
// name removed; where hard links are not supported, created in place with O_EXCL|O_NOFOLLOW. False
// with errno set (EEXIST: `path` exists).
bool write_new(const std::string& path, std::string_view bytes, mode_t mode);

// An output folder that only its owner can enter: missing folders are created 0700; an existing one
// must be a folder owned by this user (it is tightened to 0700). The reason it cannot be, or "".
std::string private_folder(const std::string& path);
// True when `path` is missing or an empty folder.
bool empty_or_missing(const std::string& path);

// "1 GiB", "16 MiB", "4096 bytes": a limit as messages name it.
std::string size_text(std::uint64_t bytes);

}  // namespace tsuchi::file
