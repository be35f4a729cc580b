#include <algorithm>

#include "produce/internal.hpp"

namespace tsuchi::produce::detail {

namespace {
// Pages per preflight work unit: small enough that both cores share the last batch of a run,
// large enough that a unit's bookkeeping stays negligible (a worker keeps its PDF reader open
// between the slices it takes from one batch).
constexpr int kSlicePages = 128;
}  // namespace

int slice_count(const InFlight& f) {
  const int pages = static_cast<int>(f.doc.pages.size());
  return std::max(1, (pages + kSlicePages - 1) / kSlicePages);
}

int check_slice(InFlight& f, int s, int worker, const Options& opt) {
  preflight::Options po;
  po.first_page = s * kSlicePages;
  po.page_count = kSlicePages;
  po.my_numbers = opt.my_numbers;
  auto& reader = f.readers[static_cast<std::size_t>(worker)];
  if (!reader) reader = std::make_unique<preflight::Reader>(f.batch.pdf);
  f.slices[static_cast<std::size_t>(s)] = reader->check(f.doc, po);
  // Checked: the slice's runs, codes and forms go now, not with the batch. Only this thread reads
  // them; the slice at page 0 reads every page's numbering, which stays.
  const std::size_t end = std::min(f.doc.pages.size(), static_cast<std::size_t>(po.first_page + kSlicePages));
  for (std::size_t i = static_cast<std::size_t>(po.first_page); i < end; ++i) {
    auto& p = f.doc.pages[i];
    std::vector<display::GlyphRun>().swap(p.runs);
    std::vector<display::Code>().swap(p.codes);
    std::vector<display::Placement>().swap(p.forms);
  }
  return static_cast<int>(end) - po.first_page;
}

Diagnostics slice_findings(const InFlight& f) {
  Diagnostics ds;
  for (const auto& report : f.slices)
    for (const auto& x : report.findings)
      ds.push_back(stage_error("preflight", "batch " + f.batch.summary.batch_id + ", envelope " + x.envelope_id +
                                                ", page " + std::to_string(x.page) + " (page " +
                                                std::to_string(x.page_in_envelope) + " of its envelope): " + x.what));
  return ds;
}

}  // namespace tsuchi::produce::detail
