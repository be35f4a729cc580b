// release.json as `tsuchi open --release` reads it: the structure, then both signatures and the
// certificates against the fixture city key (tests/fixtures/sealed), then the batch lookup.
#include "core/release.hpp"
#include "fuzz/seal_fixture.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto city = keys::read_public(fuzz::fixture_path("city.pub"), keys::Kind::city);
  auto r = release::parse(fuzz::as_view(data, size), "release.json");
  for (const auto& d : r.problems) (void)format(d);
  if (!r.ok()) return 0;
  (void)release::signed_bytes(r.value);
  (void)release::find(r.value, fuzz::kSealedBatch);
  auto v = release::verify(r.value, city.value, "release.json");
  for (const auto& d : v.problems) (void)format(d);
  if (v.ok() && (v.value.maker.name == v.value.approver.name || v.value.maker.role != keys::Role::staff ||
                 v.value.approver.role != keys::Role::approver))
    fuzz::violated("a release held without two people of the staff and approver roles");
  return 0;
}
