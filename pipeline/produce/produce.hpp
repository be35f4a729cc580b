// Produce: the production line shared by `preview` and `run`: decide → compose → typeset → render →
// preflight, handing each checked batch to a sink. Work is shared by all cores: one typesets and
// renders the next batch while another checks slices of pages of the last one, and output is the
// same bytes whatever thread did what. Memory stays flat in the run's size: cases wait packed,
// pages are drawn as they are laid out, and a few batches at most are in flight.
// TSUCHI_TIMINGS=1 prints the time and memory of each stage on stderr (for bench/run.py).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compose/compose.hpp"
#include "core/csv.hpp"
#include "core/mynumber.hpp"
#include "core/progress.hpp"
#include "core/records.hpp"
#include "ingest/ingest.hpp"

namespace tsuchi::produce {

// ---- inputs ----
struct InputFiles {
  std::string cases, fees, municipality;
  ingest::Encoding encoding = ingest::Encoding::detect;
  // The configuration pinned in the ledger: parsed from this text instead of reading `municipality`,
  // which then names its source (relative paths resolve against its folder).
  std::optional<std::string> municipality_text = std::nullopt;
};

// Everything read and validated from the input files; `problems` lists every error and warning.
struct Inputs {
  std::vector<ingest::Case> cases;
  tsuchi::FeeSchedules fees;
  tsuchi::Municipality municipality;
  mynumber::Guard my_numbers;  // the input's My Numbers, as keyed digests only
  Diagnostics problems;
};
// Reads and validates the inputs completely (SPEC §6): schema, consistency, payment-reference
// collisions and font coverage of every printed field (fonts from data_dir). `progress` (may be
// null) is told the stages "reading cases.csv" and "checking the cases".
Inputs load(const InputFiles& files, const std::string& data_dir, progress::Sink* progress = nullptr);
// `tsuchi validate --json` (output_spec/inputs.md): ok, the number of cases, every problem's fields.
std::string to_json(const Inputs& in);

// ---- production ----
struct Options {
  std::string data_dir;           // fonts/, templates/, layouts/
  std::string run_id;             // batch ids are "<run_id>-B001"…
  bool preview = false;           // every envelope id uses the batch id PREVIEW
  std::string pdf_date;           // fixed PDF metadata date, for identical bytes on identical input
  int threads = 0;                // 0 = hardware concurrency
  // Told the stages "deciding and composing" (cases) and "rendering and checking" (pages, counted
  // as preflight passes them); null: nobody watches.
  progress::Sink* progress = nullptr;
  const mynumber::Guard* my_numbers = nullptr;  // every output is scanned for these; null = none known
};

// A run id names the run's files and batch ids: 1-40 letters, digits, '-' or '_'.
bool valid_run_id(const std::string& id);
// The fixed PDF date of a run, from its id (R20250901 -> 2025-09-01T00:00:00): same input, same bytes.
std::string pdf_date_of(const std::string& run_id);
// A run id is used once: R + the office's date (office_today), then -2, -3, … past those `taken` already has.
std::string default_run_id(const Date& office_day, const std::function<bool(const std::string&)>& taken);

// One rendered and preflighted batch, in memory only.
struct Batch {
  records::BatchSummary summary;  // what the ledger and the manifest keep of it
  std::string pdf_name;           // "<batch_id>.pdf", or "preview-001.pdf" in a preview
  std::string pdf;                // the print file
  std::string insertion_csv;      // output_spec/insertion.md
};

// Result of a whole production: each batch's summary in batch order, or the findings that stopped it.
struct Result {
  std::vector<Batch> batches;  // pdf and insertion_csv emptied after the sink took them
  Diagnostics problems;        // preflight findings and stage errors; empty = success
  records::BatchCounts totals;
  std::vector<records::BatchSummary> summaries() const;  // in batch order
  std::vector<records::BatchSummary> take_summaries();   // the same, moved out of `batches`
};

// The sink runs on worker threads, once per batch, possibly concurrently; it returns an error
// message or empty. It must not keep references to the batch.
// It may take the batch's pdf and insertion_csv (move them): nothing reads them after it.
using BatchSink = std::function<std::string(Batch&)>;

// Consumes in.cases (empty on return, as they are decided): a run's memory must not grow with its
// size (issue 6), so the cases live on packed, a batch at a time, and the Case objects are released.
Result produce(Inputs& in, const Options& opt, const BatchSink& sink);

// ---- the staff proof (`tsuchi preview`) ----
// Plaintext PDFs, one per batch, and one insertion.csv in mailing order, written into out_dir.
struct Preview {
  Result result;
  bool listed = false;  // false: insertion.csv could not be written
};
Preview preview(Inputs& in, const std::string& data_dir, int threads, const std::string& out_dir,
                progress::Sink* progress = nullptr);
// Removes what a preview wrote, as one that cannot be put on record must not stay.
void remove_preview(const Result& r, const std::string& out_dir);

// ---- records and insertion lists ----
// The one mapping from a produced envelope to what is kept on record (ids and amounts, no names).
void record_envelope(records::BatchSummary& into, const compose::Envelope& e, const std::string& envelope_id,
                     int pages);

// insertion.csv (output_spec/insertion.md, output_spec/csv.md), written as municipality.toml's [csv]
// says: `name` for messages, the BOM and header at once, then one row per envelope: `grams` as
// Mailing::grams(sheets), `part` "k/n" for part k of a split mailing or empty. A row that cannot be
// written (a character the encoding lacks) is an error in `problems`.
csv::Writer insertion_list(const csv::Format& format, const std::string& name);
bool insertion_row(csv::Writer& list, const std::string& envelope_id, int pages, const std::string& postal_code,
                   const std::vector<std::string>& codes, const std::string& pdf_name, int first_page, double grams,
                   const std::string& part, Diagnostics& problems);
// An envelope's figures into the batch's mailing figures (the limits are set by the caller).
void weigh_envelope(records::MailingFigures& into, int sheets, double grams, int part, bool cover);
// A preview's one insertion.csv: the header, then the rows of each batch's list (each written by
// insertion_list in the same format) in batch order.
std::string merged_insertion_csv(const csv::Format& format, const std::vector<std::string>& batch_lists);

}  // namespace tsuchi::produce
