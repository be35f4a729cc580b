#include "core/file.hpp"

#include <filesystem>
#include <fstream>

namespace tsuchi::file {

bool write_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !f.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace tsuchi::file
