// Shared by the fuzz targets: a scratch folder for inputs that the code under test reads from a
// path, and the one process-wide fixture each target keeps (libFuzzer calls a plain function, so
// state that must outlive one input has to be static; nothing else in tsuchi does this).
#pragma once
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace tsuchi::fuzz {

// A folder of this process, removed at exit; inputs are written under fixed names in it.
class Scratch {
 public:
  Scratch() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tsuchi-fuzz-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, std::string_view bytes) const {
    std::ofstream(path(name), std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path(name);
  }

 private:
  std::filesystem::path dir_;
};

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits off the first line ("\n"-terminated) of `rest`; the rest keeps what follows.
inline std::string_view take_line(std::string_view& rest) {
  auto nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

// A finding for invariants the sanitizers cannot see (wrong answers rather than bad memory).
[[noreturn]] inline void violated(const char* what) {
  fprintf(stderr, "fuzz invariant violated: %s\n", what);
  abort();
}

}  // namespace tsuchi::fuzz
