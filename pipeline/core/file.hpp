// Writing output files, once for every stage that leaves one beside its run (previews, run.json, review sheets, forms).
#pragma once
#include <string>
#include <string_view>

namespace tsuchi::file {

// Writes under a temporary name and renames, so no reader ever sees half a file.
bool write_atomically(const std::string& path, std::string_view bytes);

}  // namespace tsuchi::file
