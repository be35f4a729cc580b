// The BagIt check (RFC 8493) that `tsuchi open` runs on the decrypted entries. Input: files as
// "@@ NAME\n" followed by the content, up to the next "@@ " that starts a line.
#include "fuzz/support.hpp"
#include "seal/seal.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  std::vector<seal::PayloadFile> files;
  std::size_t at = in.rfind("@@ ", 0) == 0 ? 0 : in.find("\n@@ ");
  while (at != std::string_view::npos) {
    if (in[at] == '\n') ++at;
    const auto name_end = in.find('\n', at);
    if (name_end == std::string_view::npos) break;
    auto next = in.find("\n@@ ", name_end);
    const auto end = next == std::string_view::npos ? in.size() : next + 1;
    files.push_back({std::string(in.substr(at + 3, name_end - at - 3)), std::string(in.substr(name_end + 1, end - name_end - 1))});
    at = next;
  }
  for (const auto& d : seal::check_bag(files, "B")) (void)format(d);
  return 0;
}
