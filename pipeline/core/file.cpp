#include "core/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/digest.hpp"

namespace tsuchi::file {
namespace {

Diagnostic whole_file(const std::string& path, std::string reason) {
  return Diagnostic{Diagnostic::Severity::error, path, 0, 0, "", "", std::move(reason)};
}

}  // namespace

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
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

bool write_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".partial-" + digest::random_hex(8);
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) return false;
    if (!write_all(fd.get(), bytes)) {
      ::unlink(tmp.c_str());
      return false;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

std::string size_text(std::uint64_t b) {
  if (b >= (1ull << 30) && b % (1ull << 30) == 0) return std::to_string(b >> 30) + " GiB";
  if (b >= (1ull << 20) && b % (1ull << 20) == 0) return std::to_string(b >> 20) + " MiB";
  return std::to_string(b) + " bytes";
}

std::optional<std::string> read(const std::string& path, std::uint64_t limit, Diagnostics& out,
                                std::string_view advice) {
  auto fail = [&](std::string reason) -> std::optional<std::string> {
    out.push_back(whole_file(path, std::move(reason)));
    return std::nullopt;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::string("cannot read the file: ") + std::strerror(errno));
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_on_exit{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::string("cannot read the file: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > limit)
    return fail("the file is larger than the limit of " + size_text(limit) +
                (advice.empty() ? "" : "; " + std::string(advice)));
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::string("cannot read the file: ") + std::strerror(errno));
    if (n == 0) return fail("the file changed while being read");
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

}  // namespace tsuchi::file
