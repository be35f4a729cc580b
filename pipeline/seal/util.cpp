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

bool fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

}  // namespace tsuchi::seal::detail
