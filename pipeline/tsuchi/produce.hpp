// The production line shared by `preview` and `run`: decide → compose → typeset → render →
// preflight, handing each checked batch to a sink. Work is shared by all cores: one typesets and
// renders the next batch while another checks slices of pages of the last one, and output is the
// same bytes whatever thread did what. Memory stays flat in the run's size: cases wait packed,
// pages are drawn as they are laid out, and a few batches at most are in flight.
// TSUCHI_TIMINGS=1 prints the time and memory of each stage on stderr (for bench/run.py).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "compose/compose.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// insertion.csv: SPEC §12 fixes the first five columns; `file` and `first_page` locate the envelope.
inline constexpr const char* kInsertionHeader = "envelope_id,pages,sheets,postal_code,codes,file,first_page";

struct BatchCounts {
  int envelopes = 0, notices = 0, slips = 0, pages = 0, sheets = 0;
  std::vector<std::pair<std::string, int>> postal_areas;  // 3-digit area → envelopes, sorted
};

// One rendered and preflighted batch, in memory only.
struct RenderedBatch {
  std::string batch_id;
  int index = 0, total = 0;
  std::string pdf_name;        // "<batch_id>.pdf", or "preview-001.pdf" in a preview
  std::string pdf;             // the print file
  std::string insertion_csv;   // SPEC §12
  BatchCounts counts;
  // What the ledger keeps of each envelope: ids and amounts, never names or addresses.
  struct EnvelopeSummary {
    std::string envelope_id, postal_area;  // 3-digit area
    int pages = 0, sheets = 0;
    struct Notice { std::string case_id, kind; };
    struct Slip { std::string case_id, month; Yen amount = 0; bool cash_payment = true; };
    std::vector<Notice> notices;
    std::vector<Slip> slips;
  };
  std::vector<EnvelopeSummary> envelopes;
};

struct ProduceOptions {
  std::string run_id;             // batch ids are "<run_id>-B001"…; preview passes "PREVIEW" and one id for all
  bool preview = false;           // every envelope id uses the batch id PREVIEW
  std::string pdf_date;           // fixed PDF metadata date, for identical bytes on identical input
  int threads = 0;                // 0 = hardware concurrency
  bool progress = true;           // progress bar on stderr
};

// Result of a whole production: per batch summary (no bytes) in batch order, or the findings
// that stopped it.
struct ProduceResult {
  std::vector<RenderedBatch> batches;  // pdf and insertion_csv emptied after the sink took them
  Diagnostics problems;                // preflight findings and stage errors; empty = success
  int envelopes = 0, notices = 0, slips = 0, pages = 0, sheets = 0;
};

// The sink runs on worker threads, once per batch, possibly concurrently; it returns an error
// message or empty. It must not keep references to the batch.
using BatchSink = std::function<std::string(const RenderedBatch&)>;

// Consumes in.cases (empty on return, as they are decided): a run's memory must not grow with its
// size (issue 6), so the cases live on packed, a batch at a time, and the Case objects are released.
ProduceResult produce(Inputs& in, const ProduceOptions& opt, const BatchSink& sink);

}  // namespace tsuchi::cli
