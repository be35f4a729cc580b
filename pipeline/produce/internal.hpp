// Shared by the produce stage's parts; not part of its interface (that is produce.hpp).
#pragma once
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "decide/decide.hpp"
#include "preflight/preflight.hpp"
#include "produce/produce.hpp"
#include "render/render.hpp"
#include "typeset/typeset.hpp"

namespace tsuchi::produce::detail {

Diagnostic stage_error(const std::string& where, const std::string& reason);

// ---- timings (timings.cpp): TSUCHI_TIMINGS=1, read by bench/run.py ----
double thread_cpu();
double wall();
double rss_mb(bool peak);  // resident memory now or at its peak, MB (Linux /proc)
struct Timings {
  std::map<std::string, double> seconds;  // stage -> seconds
  void add(const std::string& stage, double s) { seconds[stage] += s; }
};
// Times one step on the calling thread, by CPU or by wall clock.
class Timer {
 public:
  Timer(Timings& t, std::string stage, bool cpu) : t_(t), stage_(std::move(stage)), cpu_(cpu), start_(now()) {}
  ~Timer() { t_.add(stage_, now() - start_); }
 private:
  double now() const { return cpu_ ? thread_cpu() : wall(); }
  Timings& t_;
  std::string stage_;
  bool cpu_;
  double start_;
};

// ---- packed cases (pack.cpp) ----
void pack(const ingest::Case& c, std::string& out);
std::vector<ingest::Case> unpack_all(std::string_view packed);
std::string deflated(const std::string& bytes);
std::string inflated(const std::string& bytes, std::size_t size);

// ---- a finished batch's lists, packed (records.cpp) ----
// A sealed batch's envelope, notice and slip lists as one string while the run goes on, unpacked
// when it ends: thousands of small strings per batch, kept alive among the next batches' pages,
// pinned memory the allocator could not give back (a 100,000-child run grew 1.4x over 10,000).
std::string pack_lists(records::BatchSummary& s);  // empties s's lists
void unpack_lists(const std::string& packed, records::BatchSummary& s);

// ---- planner (planner.cpp) ----
// A batch from planning to typesetting: its envelopes' cases, packed envelope after envelope and
// deflated (names and addresses repeat: about a quarter of the size).
struct PlannedBatch {
  std::string batch_id;
  int index = 0;
  int first_sequence = 0, envelopes = 0;
  std::string cases;
  std::size_t packed_size = 0;
};
// Every decision and envelope of the run made once, a slice of the cases at a time, only for
// their problems: nothing is typeset from a run that would stop later for a bad slip.
Diagnostics check_all(const Inputs& in, const tsuchi::Calendar& cal, const progress::Scope& stage);
// The run's envelopes in mailing order cut into batches, each batch's cases packed; the run's
// Case objects are released (cases is empty on return).
std::vector<PlannedBatch> plan_batches(std::vector<ingest::Case>& cases, const tsuchi::Municipality& m,
                                       const Options& opt);

// ---- batch worker (batch.cpp) ----
// A batch between typesetting and sealing.
struct InFlight {
  display::Document doc;
  Batch batch;
  std::vector<preflight::Report> slices;
  int pending = 0;  // slices not yet checked
  // One PDF reader per worker thread that checks slices of this batch, kept between its slices.
  std::vector<std::unique_ptr<preflight::Reader>> readers;
};
// A batch being rendered whose envelopes an idle worker may typeset ahead of the renderer, so
// both cores work on a run's last batch: the renderer draws them in order, taking each from
// whoever typeset it. Guarded by `m`; the renderer waits for `helpers` to leave before it goes.
struct TypesetAhead {
  const std::vector<compose::Envelope>* envelopes = nullptr;
  std::string batch_id;
  std::mutex m;
  std::condition_variable cv;
  std::size_t next = 0;   // first envelope nobody has claimed
  std::size_t drawn = 0;  // envelopes the renderer has taken
  int helpers = 0;        // workers typesetting a claimed chunk now
  std::vector<std::unique_ptr<Checked<std::vector<typeset::Mailpiece>>>> done;  // by envelope, from helpers
  static constexpr std::size_t kChunk = 8;  // envelopes a helper claims at a time
  static constexpr std::size_t kLead = 48;  // how far ahead of the renderer (pages wait in memory)
  bool claimable() const { return envelopes && next < envelopes->size() && next < drawn + kLead; }
};
// Where render_batch shows its TypesetAhead to idle workers (produce.cpp owns the list).
struct AheadBoard {
  std::function<void(TypesetAhead*)> open, close;
  std::function<void()> moved;  // the renderer advanced: a helper may claim again
};
// Pages drawn so far, told to the progress sink (the first of a page's two steps, before it is
// checked), and the run's page total estimated from the envelopes drawn: exact once all are.
class DrawnPages {
 public:
  DrawnPages(progress::Sink* sink, std::int64_t envelopes) : sink_(sink), envelopes_total_(envelopes) {}
  void add(std::int64_t pages);  // one more envelope's
 private:
  progress::Sink* sink_;
  std::int64_t envelopes_total_;
  std::mutex m_;
  std::int64_t envelopes_ = 0, pages_ = 0;
};
struct BatchContext {
  const Inputs& in;
  const tsuchi::Calendar& cal;
  const Options& opt;
  int total = 0;                   // batches in the run
  const AheadBoard* board = nullptr;  // null: no helping (one thread)
  DrawnPages* drawn = nullptr;
};
// An idle worker's turn: typesets the next chunk of `a` with its own typesetter, if any is claimable.
// The caller took a.helpers under the board's lock (so `a` outlives this call).
void help_typeset(TypesetAhead& a, const typeset::Typesetter& ts);
// Composes, typesets and renders one planned batch on the calling thread, an envelope at a time
// (each page is drawn as soon as it is laid out, then kept only as preflight needs it).
Diagnostics render_batch(PlannedBatch& planned, const BatchContext& ctx, const typeset::Typesetter& ts,
                         render::FontCache& fonts, Timings& tm, InFlight& out);

// ---- slice checker (slices.cpp) ----
// The preflight work units of a batch: slices of pages, so both cores share the last batch of a run.
int slice_count(const InFlight& f);
// Checks slice `s` of the batch with worker `worker`'s reader (readers sized to the worker count);
// returns the number of pages it checked.
int check_slice(InFlight& f, int s, int worker, const Options& opt);
// The findings of every slice of a finished batch, as messages that name the page.
Diagnostics slice_findings(const InFlight& f);

}  // namespace tsuchi::produce::detail
