#include "terminal/terminal.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include "core/file.hpp"

namespace tsuchi::terminal {

namespace {

file::Fd open_tty() { return file::Fd(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)); }

}  // namespace

bool available() { return open_tty().get() >= 0; }

std::optional<keys::Passphrase> ask_hidden(const std::string& prompt) {
  file::Fd tty = open_tty();
  const int fd = tty.get();
  termios saved{};
  if (fd < 0 || ::tcgetattr(fd, &saved) != 0) return std::nullopt;
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  if (::tcsetattr(fd, TCSAFLUSH, &quiet) != 0) return std::nullopt;
  (void)!::write(fd, prompt.data(), prompt.size());
  char line[1024];
  std::size_t n = 0;
  bool complete = false;
  for (char c; n < sizeof line && ::read(fd, &c, 1) == 1;) {
    if (c == '\n') {
      complete = true;
      break;
    }
    line[n++] = c;
  }
  ::tcsetattr(fd, TCSAFLUSH, &saved);
  std::optional<keys::Passphrase> p;
  if (complete) p.emplace(std::string_view(line, n));
  sodium_memzero(line, sizeof line);
  return p;
}

}  // namespace tsuchi::terminal
