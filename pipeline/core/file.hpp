// Reading a whole input file under a size cap, once for every reader (cases, configuration,
// contractor files, keys, manifests, archives): refused by size before a byte is read.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/core.hpp"

namespace tsuchi::file {

// The bytes of the regular file `path`, at most `limit` of them; otherwise nullopt and one
// whole-file error in `out` ("the file is larger than the limit of 16 MiB; <advice>").
std::optional<std::string> read(const std::string& path, std::uint64_t limit, Diagnostics& out,
                                std::string_view advice = {});

// "1 GiB", "16 MiB", "4096 bytes": a limit as messages name it.
std::string size_text(std::uint64_t bytes);

}  // namespace tsuchi::file
