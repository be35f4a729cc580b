// Where a command gets a passphrase (SPEC §13): --passphrase-file F, else $TSUCHI_PASSPHRASE_FILE,
// else the terminal with echo off. Never an empty one, never silently none.
#pragma once
#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/file.hpp"
#include "core/keys.hpp"

namespace tsuchi::cli {

namespace passphrase_detail {

inline Diagnostic problem(std::string file, std::string reason) {
  Diagnostic d;
  d.file = std::move(file);
  d.reason = std::move(reason);
  return d;
}

// The first line of `path`, its line ending stripped.
inline Checked<keys::Passphrase> from_file(const std::string& path) {
  Checked<keys::Passphrase> r;
  auto text = file::read(path, 64 * 1024, r.problems);
  if (!text) return r;
  auto end = text->find('\n');
  if (end == std::string::npos) end = text->size();
  if (end > 0 && (*text)[end - 1] == '\r') --end;
  if (end == 0) r.problems.push_back(problem(path, "the first line is empty: no passphrase"));
  else r.value = keys::Passphrase(std::string_view(*text).substr(0, end));
  sodium_memzero(text->data(), text->size());
  return r;
}

// One line typed on the terminal `fd` with echo off; nullopt when it cannot be read.
inline std::optional<keys::Passphrase> ask(int fd, const std::string& prompt) {
  termios saved{};
  if (::tcgetattr(fd, &saved) != 0) return std::nullopt;
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

}  // namespace passphrase_detail

// The passphrase for the key file `key_path`. For a new key (`new_key`) it must be at least
// 8 characters, and on a terminal it is asked twice.
inline Checked<keys::Passphrase> obtain_passphrase(const std::string& file_flag, const std::string& key_path,
                                                   bool new_key) {
  using namespace passphrase_detail;
  Checked<keys::Passphrase> r;
  const char* env = std::getenv("TSUCHI_PASSPHRASE_FILE");
  if (!file_flag.empty() || (env && *env)) {
    r = from_file(file_flag.empty() ? std::string(env) : file_flag);
  } else {
    file::Fd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (tty.get() < 0) {
      r.problems.push_back(problem(key_path, "no passphrase: there is no terminal to ask on; pass "
                                             "--passphrase-file F or set $TSUCHI_PASSPHRASE_FILE"));
      return r;
    }
    auto first = ask(tty.get(), "Passphrase for " + key_path + ": ");
    if (first && new_key) {
      auto again = ask(tty.get(), "The same passphrase again: ");
      if (again && again->view() != first->view()) {
        r.problems.push_back(problem(key_path, "the two passphrases differ; nothing was written"));
        return r;
      }
      if (!again) first.reset();
    }
    if (!first) {
      r.problems.push_back(problem(key_path, "no passphrase was read from the terminal"));
      return r;
    }
    r.value = std::move(*first);
  }
  if (r.ok() && new_key)
    if (auto weak = keys::weak_passphrase(r.value)) r.problems.push_back(problem(key_path, *weak + "; nothing was written"));
  if (r.ok() && r.value.empty()) r.problems.push_back(problem(key_path, "the passphrase is empty"));
  return r;
}

}  // namespace tsuchi::cli
