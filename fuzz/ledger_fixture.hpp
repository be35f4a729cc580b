// A small custody history for the contractor-file targets: one run of one batch with four
// envelopes, reviewed, approved and handed over, in an in-memory ledger made fresh for every
// input (so no input depends on what an earlier one stored).
#pragma once
#include <fstream>
#include <string>

#include "core/digest.hpp"
#include "fuzz/support.hpp"
#include "ledger/ledger.hpp"

namespace tsuchi::fuzz {

inline const std::string kRun = "R20250901";
inline const std::string kBatch = "R20250901-B001";
inline const std::string kArchiveSha = "3b0c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80912";

class LedgerFixture {
 public:
  explicit LedgerFixture(const Scratch& scratch) : run_dir_(scratch.path("run")) {
    std::filesystem::create_directories(run_dir_);
    std::ofstream(run_dir_ + "/" + kBatch + ".manifest.json", std::ios::binary) << manifest_;
    std::ofstream(run_dir_ + "/run.json") << "{\"run_id\":\"" << kRun << "\"}\n";
    std::ofstream(run_dir_ + "/review.txt") << "review of run " << kRun << "\n";
    policy_.staff = {"tanaka"};
    policy_.approver = {"sato"};
  }

  // A fresh ledger holding the handed-over batch; aborts if the fixture itself is refused.
  ledger::Ledger fresh() const {
    auto l = ledger::Ledger::open(":memory:", [] { return std::string("2025-09-01T01:00:00Z"); });
    if (!l.ok()) violated("cannot open an in-memory ledger");
    ledger::BatchRecord b{kBatch, kArchiveSha, digest::sha256_hex(manifest_), std::string(64, 'a'), {}};
    ledger::RunRecord run{kRun, "tanaka", "2025-09-01T00:30:00Z", "2025-09", {}, {}, {}};
    for (int i = 1; i <= 4; ++i) {
      const std::string id = envelope(i);
      b.envelopes.push_back({id, "360", 2, 2, 1, 1});
      run.slips.push_back({id, "C00" + std::to_string(i), "2025-09", 30000, true});
      run.notices.push_back({id, "C00" + std::to_string(i), "decision"});
    }
    run.batches.push_back(std::move(b));
    if (has_errors(l.value.record_run(run))) violated("fixture run refused");
    if (has_errors(l.value.approve(run_dir_, {"sato", policy_}))) violated("fixture approval refused");
    if (has_errors(l.value.handover(kBatch, {"tanaka", policy_}, "courier", "USB-1"))) violated("fixture handover refused");
    return std::move(l.value);
  }
  ledger::Actor actor() const { return {"tanaka", policy_}; }
  static std::string envelope(int n) {
    char b[32];
    std::snprintf(b, sizeof b, "%s/%06d", kBatch.c_str(), n);
    return b;
  }

 private:
  std::string run_dir_;
  std::string manifest_ = "{\"batch_id\":\"" + kBatch + "\"}\n";
  ledger::Policy policy_;
};

}  // namespace tsuchi::fuzz
