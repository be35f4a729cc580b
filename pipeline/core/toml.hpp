// Every TOML file tsuchi reads (fees, municipality, fonts, templates, layouts) goes through this
// reader: a size cap, a nesting guard, and toml++'s own errors turned into located diagnostics.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "core/core.hpp"

namespace tsuchi::tomlfile {

inline constexpr std::uintmax_t kMaxBytes = 16u << 20;  // far above any real table; refuses a wrong file early

// Parses `text` (named `path` in messages); on failure appends a located error and returns nullopt.
std::optional<toml::table> parse(std::string_view text, const std::string& path, Diagnostics& out);
// Reads and parses a file: missing, unreadable or over kMaxBytes is an error naming the file.
std::optional<toml::table> load(const std::string& path, Diagnostics& out);
// The file's bytes with the same size cap, for callers that also digest them.
std::optional<std::string> read(const std::string& path, Diagnostics& out);

}  // namespace tsuchi::tomlfile
