// The run's cases packed into bytes from planning until their batch is typeset: about 200 bytes a
// child, where Case, Decision and Envelope objects take about 2 KB, so a run's memory hardly grows
// with its size (issue 6: 100,000 children within 20% of 10,000).
#include <zlib.h>

#include <algorithm>

#include "produce/internal.hpp"

namespace tsuchi::produce::detail {

// Each case as ingest packs it (one serialisation, driven by the Case schema), after its length.
void pack(const ingest::Case& c, std::string& out) {
  const std::string one = ingest::pack(c);
  const auto n = static_cast<std::uint32_t>(one.size());
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out += one;
}

std::vector<ingest::Case> unpack_all(std::string_view packed) {
  std::vector<ingest::Case> cases;
  while (packed.size() >= 4) {
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(packed[static_cast<std::size_t>(i)])) << (8 * i);
    packed.remove_prefix(4);
    const std::size_t take = std::min<std::size_t>(n, packed.size());
    cases.push_back(ingest::unpack(packed.substr(0, take)));
    packed.remove_prefix(take);
  }
  return cases;
}

std::string deflated(const std::string& bytes) {
  uLongf n = compressBound(static_cast<uLong>(bytes.size()));
  std::string out(n, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(bytes.data()),
                static_cast<uLong>(bytes.size()), 1) != Z_OK)
    return {};
  out.resize(n);
  out.shrink_to_fit();
  return out;
}

std::string inflated(const std::string& bytes, std::size_t size) {
  std::string out(size, '\0');
  uLongf n = static_cast<uLongf>(size);
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(bytes.data()),
                 static_cast<uLong>(bytes.size())) != Z_OK ||
      n != size)
    return {};
  return out;
}

}  // namespace tsuchi::produce::detail
