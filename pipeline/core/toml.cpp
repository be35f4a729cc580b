#include "core/toml.hpp"

#include "core/file.hpp"

#include <algorithm>
#include <filesystem>

namespace tsuchi::tomlfile {
namespace {

// toml++ nests tables recursively and overflows the stack on about 35,000 levels ([a.a.a…] or
// a.a.a… = 1); its own guard (TOML_MAX_NESTED_VALUES) covers only inline values. Each level needs
// a '.', '[' or '{', so counting them (in strings too: over-counting is safe) bounds the depth.
constexpr std::ptrdiff_t kMaxNestingChars = 4096;
constexpr const char* kNotConfiguration = "this is not a configuration file";

Diagnostic whole_file(const std::string& path, std::string reason) {
  return Diagnostic{Diagnostic::Severity::error, path, 0, 0, "", "", std::move(reason)};
}

}  // namespace

std::optional<toml::table> parse(std::string_view text, const std::string& path, Diagnostics& out) {
  if (text.size() > kMaxBytes) {
    out.push_back(whole_file(path, "the file is larger than the limit of " + file::size_text(kMaxBytes) + "; " +
                                       kNotConfiguration));
    return std::nullopt;
  }
  if (std::count_if(text.begin(), text.end(), [](char c) { return c == '.' || c == '[' || c == '{'; }) >
      kMaxNestingChars) {
    out.push_back(whole_file(path, "more than 4096 of the characters . [ { : a configuration file is far smaller, and "
                                   "tables nested that deep would crash the TOML reader"));
    return std::nullopt;
  }
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    out.push_back(Diagnostic{Diagnostic::Severity::error, path, static_cast<int>(e.source().begin.line),
                             static_cast<int>(e.source().begin.column), "", "",
                             "not valid TOML: " + std::string(e.description())});
    return std::nullopt;
  }
}

std::optional<std::string> read(const std::string& path, Diagnostics& out) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    out.push_back(whole_file(path, "file not found"));
    return std::nullopt;
  }
  return file::read(path, kMaxBytes, out, kNotConfiguration);
}

std::optional<toml::table> load(const std::string& path, Diagnostics& out) {
  auto text = read(path, out);
  if (!text) return std::nullopt;
  return parse(*text, path, out);
}

}  // namespace tsuchi::tomlfile
