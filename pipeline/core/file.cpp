#include "core/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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

std::string write_temporary(const std::string& path, std::string_view bytes, mode_t mode, const RandomHex& random) {
  // A name already taken (a planted link, a stale file) is never opened: draw another, a few times.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string tmp = path + ".tmp-" + (random ? random(8) : digest::random_hex(8));
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (fd.get() < 0) {
      if (errno == EEXIST || errno == ELOOP) continue;
      return {};
    }
    // The mode asked for, whatever the umask left of it.
    if (::fchmod(fd.get(), mode) != 0 || !write_all(fd.get(), bytes)) {
      const int saved = errno;
      ::unlink(tmp.c_str());
      errno = saved;
      return {};
    }
    return tmp;
  }
  errno = EEXIST;
  return {};
}

bool write_atomically(const std::string& path, std::string_view bytes, mode_t mode, const RandomHex& random) {
  const std::string tmp = write_temporary(path, bytes, mode, random);
  if (tmp.empty()) return false;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    return false;
  }
  return true;
}

bool write_new(const std::string& path, std::string_view bytes, mode_t mode) {
  const std::string tmp = write_temporary(path, bytes, mode);
  if (tmp.empty()) return false;
  bool done = ::link(tmp.c_str(), path.c_str()) == 0;
  int saved = errno;
  ::unlink(tmp.c_str());
  if (!done && saved != EEXIST) {
    // No hard links here (a FAT USB stick holding an offline key): created in place, still O_EXCL.
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    done = fd.get() >= 0 && ::fchmod(fd.get(), mode) == 0 && write_all(fd.get(), bytes);
    saved = errno;
    if (!done && fd.get() >= 0) ::unlink(path.c_str());
  }
  errno = saved;
  return done;
}

std::string private_folder(const std::string& path) {
  if (path.empty()) return "no folder given";
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return std::string("cannot inspect: ") + std::strerror(errno);
    // Parents first (as the umask allows), the folder itself 0700.
    const auto slash = path.find_last_of('/', path.size() > 1 ? path.size() - 2 : 0);
    if (slash != std::string::npos && slash > 0) {
      const std::string parent = path.substr(0, slash);
      struct stat ps {};
      if (::stat(parent.c_str(), &ps) != 0) {
        if (auto why = private_folder(parent); !why.empty()) return why;
      }
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return std::string("cannot create: ") + std::strerror(errno);
    if (::lstat(path.c_str(), &st) != 0) return std::string("cannot create: ") + std::strerror(errno);
  }
  if (S_ISLNK(st.st_mode)) return "is a symbolic link: name the folder itself";
  if (!S_ISDIR(st.st_mode)) return "not a folder";
  if (st.st_uid != ::geteuid())
    return "owned by another user (uid " + std::to_string(st.st_uid) + "): use a folder of your own";
  if ((st.st_mode & 07777) != 0700 && ::chmod(path.c_str(), 0700) != 0)
    return std::string("cannot make it private (0700): ") + std::strerror(errno);
  return {};
}

bool empty_or_missing(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT;
  if (!S_ISDIR(st.st_mode)) return false;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) return false;
  while (const dirent* e = ::readdir(dir.get()))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) return false;
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
