// Helpers shared by the seal stage's sources; not part of its interface (that is seal.hpp).
#pragma once
#include <sodium.h>
#include <unistd.h>
#include <zip.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/digest.hpp"
#include "core/file.hpp"
#include "core/handle.hpp"
#include "seal/seal.hpp"

namespace tsuchi::seal::detail {

// libzip's objects, owned once for sealing and opening.
using ZipArchive = Handle<zip_t, zip_discard>;
using ZipSource = Handle<zip_source_t, zip_source_free>;
using ZipFile = Handle<zip_file_t, zip_fclose>;

inline Diagnostic error(std::string file, std::string reason, std::string value = {}) {
  Diagnostic d;
  d.file = std::move(file);
  d.value = std::move(value);
  d.reason = std::move(reason);
  return d;
}

using file::Fd;
using file::write_all;
using ::tsuchi::parse_utc;

// Reads a whole regular file, refusing anything larger than `limit` bytes.
Checked<std::string> read_file(const std::string& path, std::uint64_t limit);
bool fsync_dir(const std::string& dir);
std::string strerror_now();

// Bag file contents, built from a spec (tag files first, then data/ sorted by name).
std::vector<PayloadFile> make_bag(const BatchSpec& spec);
// The same, taking the payload's bytes instead of copying them (spec.payload is left empty).
std::vector<PayloadFile> make_bag(BatchSpec&& spec);

}  // namespace tsuchi::seal::detail
