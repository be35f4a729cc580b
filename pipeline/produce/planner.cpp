#include <algorithm>

#include "produce/internal.hpp"

namespace tsuchi::produce::detail {

Diagnostics check_all(const Inputs& in, const tsuchi::Calendar& cal, const progress::Scope& stage) {
  constexpr std::size_t kChunk = 2000;
  Diagnostics decide_problems, compose_problems;
  for (std::size_t at = 0; at < in.cases.size(); at += kChunk) {
    const std::vector<ingest::Case> chunk(in.cases.begin() + static_cast<std::ptrdiff_t>(at),
                                          in.cases.begin() + static_cast<std::ptrdiff_t>(std::min(in.cases.size(), at + kChunk)));
    auto decided = decide::decide(chunk, in.fees, in.municipality, cal);
    decide_problems.insert(decide_problems.end(), decided.problems.begin(), decided.problems.end());
    if (!has_errors(decide_problems)) {
      auto envelopes = compose::compose_checked(decided.value, in.municipality);
      compose_problems.insert(compose_problems.end(), envelopes.problems.begin(), envelopes.problems.end());
    }
    stage.advance(static_cast<std::int64_t>(chunk.size()));
  }
  for (auto* ps : {&decide_problems, &compose_problems})
    if (has_errors(*ps)) return std::move(*ps);
  return {};
}

std::vector<PlannedBatch> plan_batches(std::vector<ingest::Case>& cases, const tsuchi::Municipality& m,
                                       const Options& opt) {
  std::vector<PlannedBatch> batches;
  const auto plans = compose::plan(cases);
  const std::size_t size = static_cast<std::size_t>(std::max(1, m.batch_size));
  for (std::size_t at = 0; at < plans.size(); at += size) {
    PlannedBatch b;
    b.index = static_cast<int>(batches.size()) + 1;
    b.batch_id = opt.preview ? "PREVIEW" : compose::batch_id(opt.run_id, b.index);
    b.first_sequence = plans[at].sequence;
    const std::size_t end = std::min(plans.size(), at + size);
    b.envelopes = static_cast<int>(end - at);
    std::string packed;
    for (std::size_t k = at; k < end; ++k)
      for (std::size_t c : plans[k].cases) pack(cases[c], packed);
    b.packed_size = packed.size();
    b.cases = deflated(packed);
    batches.push_back(std::move(b));
  }
  std::vector<ingest::Case>().swap(cases);
  return batches;
}

}  // namespace tsuchi::produce::detail
