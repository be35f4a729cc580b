// A small custody history for the contractor-file targets: one run of one batch with four
// envelopes, reviewed, approved and handed over, in a ledger file built once at start-up and
// copied fresh for every input (so no input depends on what an earlier one stored).
#pragma once
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/digest.hpp"
#include "core/keys.hpp"
#include "fuzz/support.hpp"
#include "ledger/ledger.hpp"

namespace tsuchi::fuzz {

inline const std::string kRun = "R20250901";
inline const std::string kBatch = "R20250901-B001";
inline const std::string kArchiveSha = "3b0c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80912";

class LedgerFixture {
 public:
  explicit LedgerFixture(const Scratch& scratch)
      : template_(scratch.path("template.sqlite")), copy_(scratch.path("ledger.sqlite")) {
    if (sodium_init() < 0) violated("libsodium");
    const std::string municipality = std::string(TSUCHI_FIXTURES_DIR) + "/../../examples/municipality.toml";
    std::ifstream in(municipality, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto made = ledger::Ledger::init({template_, &city_, text, municipality, "sup", sup_.public_key(), "fuzz"}, clock());
    if (!made.ok()) violated("fixture ledger init refused");
    auto& l = made.value;
    auto sup = l.identify(sup_, "fuzz", "user add", {keys::Role::supervisor});
    if (!sup.ok()) violated("fixture supervisor refused");
    if (has_errors(l.add_user(sup.value, city_, "tanaka", keys::Role::staff, staff_.public_key())) ||
        has_errors(l.add_user(sup.value, city_, "sato", keys::Role::approver, approver_.public_key())))
      violated("fixture users refused");
    auto staff = l.identify(staff_, "fuzz", "run", {keys::Role::staff});
    auto approver = l.identify(approver_, "fuzz", "approve", {keys::Role::approver});
    if (!staff.ok() || !approver.ok()) violated("fixture actors refused");
    staff_actor_ = staff.value;

    ledger::BatchRecord b{kBatch, kArchiveSha, digest::sha256_hex(manifest_), std::string(64, 'a'), {}};
    ledger::RunRecord run{kRun, "tanaka", "2025-09-01T00:30:00Z", "2025-09", {}, {}, {}};
    for (int i = 1; i <= 4; ++i) {
      const std::string id = envelope(i);
      b.envelopes.push_back({id, "360", 2, 2, 1, 1});
      run.slips.push_back({id, "C00" + std::to_string(i), "2025-09", 30000, true});
      run.notices.push_back({id, "C00" + std::to_string(i), "decision"});
    }
    run.batches.push_back(std::move(b));
    const std::string review = digest::sha256_hex("review of run " + kRun + "\n");
    if (!l.reserve_run(staff_actor_, kRun, "out", true).ok()) violated("fixture reservation refused");
    if (has_errors(l.record_run(run, staff_actor_))) violated("fixture run refused");
    if (has_errors(l.record_review(kRun, review, staff_actor_))) violated("fixture review refused");
    if (!l.approve(kRun, review, approver.value).ok()) violated("fixture approval refused");
    if (has_errors(l.handover(kBatch, staff_actor_, "courier", "USB-1"))) violated("fixture handover refused");
  }

  // A fresh copy of the handed-over ledger; aborts if it cannot be opened.
  ledger::Ledger fresh() const {
    std::error_code ec;
    std::filesystem::copy_file(template_, copy_, std::filesystem::copy_options::overwrite_existing, ec);
    auto l = ledger::Ledger::open(copy_, ledger::Ledger::Access::read_write, clock());
    if (ec || !l.ok()) violated("cannot open the fixture ledger's copy");
    return std::move(l.value);
  }
  // The staff member "tanaka", whose key stays alive with the fixture.
  const ledger::Actor& actor() const { return staff_actor_; }
  static std::string envelope(int n) {
    char b[32];
    std::snprintf(b, sizeof b, "%s/%06d", kBatch.c_str(), n);
    return b;
  }

 private:
  static ledger::Clock clock() {
    return [] { return std::string("2025-09-01T01:00:00Z"); };
  }
  std::string template_, copy_;
  std::string manifest_ = "{\"batch_id\":\"" + kBatch + "\"}\n";
  keys::SecretKey city_ = keys::SecretKey::generate(keys::Kind::city);
  keys::SecretKey sup_ = keys::SecretKey::generate(keys::Kind::user);
  keys::SecretKey staff_ = keys::SecretKey::generate(keys::Kind::user);
  keys::SecretKey approver_ = keys::SecretKey::generate(keys::Kind::user);
  ledger::Actor staff_actor_;
};

}  // namespace tsuchi::fuzz
