// core/file: every file tsuchi writes is made under a random temporary name with
// O_CREAT|O_EXCL|O_NOFOLLOW, then renamed; output folders are private. The random source is
// injected so a link can be planted at the exact temporary name.
#include <doctest/doctest.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/file.hpp"

namespace fs = std::filesystem;
using namespace tsuchi;

namespace {

struct Tmp {
  fs::path path;
  Tmp() {
    char t[] = "/tmp/tsuchi-file-test-XXXXXX";
    path = ::mkdtemp(t);
  }
  ~Tmp() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Hands out the given names in order, as the random source would.
file::RandomHex names(std::vector<std::string> list) {
  auto next = std::make_shared<std::size_t>(0);
  return [list, next](std::size_t) { return list.at(std::min(*next += 1, list.size()) - 1); };
}

// A file a planted link points at: it must still read "precious" afterwards.
fs::path victim(const Tmp& t) {
  const fs::path v = t.path / "victim";
  std::ofstream(v) << "precious";
  return v;
}

}  // namespace

TEST_CASE("a link planted at the temporary name is never followed: another name is drawn") {
  Tmp t;
  const fs::path target = victim(t);
  const fs::path out = t.path / "review.txt";
  // Planted at the exact name the first draw gives, pointing at the victim (and one dangling link).
  fs::create_symlink(target, out.string() + ".tmp-aaaaaaaaaaaaaaaa");
  fs::create_symlink(t.path / "nowhere", out.string() + ".tmp-bbbbbbbbbbbbbbbb");
  REQUIRE(file::write_atomically(out.string(), "sheet", 0600,
                                 names({"aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"})));
  CHECK(slurp(out) == "sheet");
  CHECK(slurp(target) == "precious");
  CHECK_FALSE(fs::exists(t.path / "nowhere"));
  CHECK(fs::is_symlink(out.string() + ".tmp-aaaaaaaaaaaaaaaa"));
  CHECK_FALSE(fs::is_symlink(out));
  CHECK(mode_of(out) == 0600);
}

TEST_CASE("when every draw is taken the write fails and follows nothing") {
  Tmp t;
  const fs::path target = victim(t);
  const fs::path out = t.path / "insertion.csv";
  fs::create_symlink(target, out.string() + ".tmp-aaaaaaaaaaaaaaaa");
  CHECK_FALSE(file::write_atomically(out.string(), "rows", 0600, names({"aaaaaaaaaaaaaaaa"})));
  CHECK(slurp(target) == "precious");
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("modes: the asked mode whatever the umask; private folders 0700") {
  Tmp t;
  const mode_t old = ::umask(0);
  const fs::path a = t.path / "a.pdf", b = t.path / "b.zip";
  CHECK(file::write_atomically(a.string(), "x"));
  CHECK(file::write_atomically(b.string(), "x", 0644));
  ::umask(077);
  const fs::path c = t.path / "c.zip";
  CHECK(file::write_atomically(c.string(), "x", 0644));
  ::umask(old);
  CHECK(mode_of(a) == 0600);
  CHECK(mode_of(b) == 0644);
  CHECK(mode_of(c) == 0644);

  const fs::path nested = t.path / "x" / "y" / "out";
  CHECK(file::private_folder(nested.string()) == "");
  CHECK(mode_of(nested) == 0700);
  CHECK(mode_of(t.path / "x") == 0700);
  fs::create_directories(t.path / "open");
  fs::permissions(t.path / "open", fs::perms::all);
  CHECK(file::private_folder((t.path / "open").string()) == "");
  CHECK(mode_of(t.path / "open") == 0700);
  fs::create_directory_symlink(t.path / "open", t.path / "link");
  CHECK(file::private_folder((t.path / "link").string()).find("symbolic link") != std::string::npos);
  std::ofstream(t.path / "plain") << "x";
  CHECK(file::private_folder((t.path / "plain").string()) == "not a folder");
}

TEST_CASE("empty_or_missing") {
  Tmp t;
  CHECK(file::empty_or_missing((t.path / "missing").string()));
  CHECK(file::empty_or_missing(t.path.string()));
  std::ofstream(t.path / ".hidden") << "x";
  CHECK_FALSE(file::empty_or_missing(t.path.string()));
  CHECK_FALSE(file::empty_or_missing((t.path / ".hidden").string()));
}

TEST_CASE("a folder owned by another user is refused (as root: chowned to nobody)") {
  if (::geteuid() != 0) return;  // only root can give a folder away
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody);
  Tmp t;
  const fs::path theirs = t.path / "theirs";
  fs::create_directories(theirs);
  REQUIRE(::chown(theirs.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
  CHECK(file::private_folder(theirs.string()).find("owned by another user") != std::string::npos);
}

TEST_CASE("write_new: whole, with its mode, and never over an existing name or through a link") {
  Tmp t;
  const fs::path key = t.path / "me.secret";
  REQUIRE(file::write_new(key.string(), "secret", 0600));
  CHECK(slurp(key) == "secret");
  CHECK(mode_of(key) == 0600);
  CHECK_FALSE(file::write_new(key.string(), "other", 0600));
  CHECK(errno == EEXIST);
  CHECK(slurp(key) == "secret");
  const fs::path target = victim(t);
  const fs::path link = t.path / "planted.secret";
  fs::create_symlink(target, link);
  CHECK_FALSE(file::write_new(link.string(), "other", 0600));
  CHECK(slurp(target) == "precious");
  for (const auto& e : fs::directory_iterator(t.path)) CHECK(e.path().string().find(".tmp-") == std::string::npos);
}
