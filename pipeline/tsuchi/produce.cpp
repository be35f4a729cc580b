#include "tsuchi/produce.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "decide/decide.hpp"
#include "preflight/preflight.hpp"
#include "render/render.hpp"
#include "typeset/typeset.hpp"

namespace tsuchi::cli {

namespace {

Diagnostic stage_error(const std::string& where, const std::string& reason) {
  Diagnostic d;
  d.file = where;
  d.reason = reason;
  return d;
}

// Sheets per envelope: every page is printed on its own sheet (simplex), since slips are torn off
// along their perforations and must not back onto a notice.
int sheets_for(int pages) { return pages; }

// Pages per preflight work unit: small enough that both cores share the last batch of a run,
// large enough that opening the PDF again (its cross-reference table) stays negligible.
constexpr int kSlicePages = 64;

void add_codes(std::string& csv, const std::vector<typeset::Page>& pages, size_t first, size_t count) {
  bool any = false;
  for (size_t i = first; i < first + count; ++i)
    for (const auto& code : pages[i].codes) {
      if (any) csv += ';';
      csv += code.value;
      any = true;
    }
}

// Once drawn, a page is kept only as preflight reads it: each run's text, the codes and the
// numbering. Its glyphs and bars (most of a display list) go, so a batch in flight stays small.
void keep_only_what_preflight_reads(typeset::Page& p) {
  for (auto& r : p.runs) {
    std::vector<typeset::Glyph>().swap(r.glyphs);
    std::vector<typeset::Cluster>().swap(r.clusters);
  }
  std::vector<typeset::Rect>().swap(p.rects);
  std::vector<typeset::Image>().swap(p.images);
}

class Progress {
 public:
  Progress(int total, bool on) : total_(total), on_(on && isatty(STDERR_FILENO)) {}
  void step() {
    if (!on_) return;
    std::lock_guard lock(m_);
    ++done_;
    const int width = 30, filled = total_ ? done_ * width / total_ : width;
    std::fprintf(stderr, "\r[%s%s] %d/%d batches", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), done_, total_);
    if (done_ == total_) std::fputc('\n', stderr);
  }
 private:
  std::mutex m_;
  int total_, done_ = 0;
  bool on_;
};

// Stage timings for TSUCHI_TIMINGS=1 (the benchmark reads them): wall time of the serial steps,
// and CPU time of each parallel stage summed over the worker threads.
double thread_cpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
// Resident memory now and at its peak, MB (Linux /proc), for the memory flatness target.
double rss_mb(bool peak) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kb = 0;
  const char* key = peak ? "VmHWM:" : "VmRSS:";
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, key, std::strlen(key)) == 0) kb = std::atof(line + std::strlen(key));
  std::fclose(f);
  return kb / 1024;
}
double wall() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

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

// A batch between typesetting and sealing.
struct InFlight {
  typeset::Document doc;
  RenderedBatch rb;
  std::vector<preflight::Report> slices;
  int pending = 0;  // slices not yet checked
};

}  // namespace

ProduceResult produce(const Inputs& in, const ProduceOptions& opt, const BatchSink& sink) {
  const bool timings_on = [] {
    const char* v = std::getenv("TSUCHI_TIMINGS");
    return v && std::string(v) == "1";
  }();
  Timings timings;
  const double t_start = wall();
  std::map<std::string, double> rss;  // MB at the steps of the run
  if (timings_on) rss["at_start"] = rss_mb(false);

  ProduceResult result;
  std::vector<compose::Batch> batches;
  {
    const double t0 = wall();
    auto decided = decide::decide(in.cases, in.fees);
    const double t1 = wall();
    timings.add("decide", t1 - t0);
    if (!decided.ok()) {
      result.problems = decided.problems;
      return result;
    }
    auto envelopes = compose::compose_checked(decided.value, in.municipality);
    if (!envelopes.ok()) {
      result.problems = envelopes.problems;
      return result;
    }
    decltype(decided.value)().swap(decided.value);  // the envelopes hold their own copies
    batches = compose::cut_batches(std::move(envelopes.value), opt.run_id, std::max(1, in.municipality.batch_size));
    timings.add("compose", wall() - t1);
  }
  if (timings_on) rss["after_compose"] = rss_mb(false);
  if (opt.preview)
    for (auto& b : batches) b.batch_id = "PREVIEW";

  const int total = static_cast<int>(batches.size());
  int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  // Batches typeset but not yet sealed: with one per thread, one core typesets and renders the
  // next batch while the other checks the last one, and memory stays a few batches whatever the run.
  const int max_in_flight = threads;

  result.batches.resize(batches.size());
  std::vector<Diagnostics> problems(batches.size());
  std::vector<std::unique_ptr<InFlight>> flights(batches.size());
  std::set<std::pair<size_t, int>> slice_queue;  // (batch, slice): earliest batch first, to free it soonest
  size_t next_render = 0;
  int in_flight = 0, finished = 0, exact_renders = 0;
  bool stop = false;
  std::mutex m;
  std::condition_variable cv;
  Progress progress(total, opt.progress);

  // Stops the whole run; the caller holds `m`.
  auto fail = [&](size_t i, Diagnostics ds) {
    problems[i].insert(problems[i].end(), ds.begin(), ds.end());
    stop = true;
    cv.notify_all();
  };

  // Typesets and renders batch i on the calling thread, an envelope at a time (each page is drawn
  // as soon as it is laid out, then kept only as preflight needs it), then queues its preflight slices.
  auto render_batch = [&](size_t i, const typeset::Typesetter& ts, Timings& tm) -> Diagnostics {
    auto& batch = batches[i];
    auto f = std::make_unique<InFlight>();
    RenderedBatch& rb = f->rb;
    typeset::Document& doc = f->doc;
    rb.batch_id = batch.batch_id;
    rb.index = batch.index;
    rb.total = total;
    doc.faces = ts.faces();
    char name[32];
    std::snprintf(name, sizeof name, "preview-%03d.pdf", batch.index);
    rb.pdf_name = opt.preview ? std::string(name) : batch.batch_id + ".pdf";
    rb.insertion_csv = std::string(kInsertionHeader) + "\n";
    std::map<std::string, int> areas;
    render::PdfOptions po;
    po.title = batch.batch_id;
    po.creation_date = opt.pdf_date;
    render::PdfWriter writer(ts.faces(), po, [&rb](std::string_view bytes) { rb.pdf.append(bytes); });
    double typeset_cpu = 0, render_cpu = 0;
    for (const auto& e : batch.envelopes) {
      const double c0 = thread_cpu();
      auto pages = ts.envelope_pages(e, batch.batch_id);
      const size_t first = doc.pages.size();
      const int n = static_cast<int>(pages.size());
      const std::string id = compose::envelope_id(batch.batch_id, e.sequence);
      rb.insertion_csv += id + "," + std::to_string(n) + "," + std::to_string(sheets_for(n)) + "," +
                          e.to.postal_code + ",";
      add_codes(rb.insertion_csv, pages, 0, pages.size());
      rb.insertion_csv += "," + rb.pdf_name + "," + std::to_string(first + 1) + "\n";
      auto& sum = rb.envelopes.emplace_back();  // for the ledger: ids and amounts, no names
      sum.envelope_id = id;
      sum.postal_area = e.to.postal_code.substr(0, 3);
      sum.pages = n;
      sum.sheets = sheets_for(n);
      for (const auto& d : e.notices)
        sum.notices.push_back({d.c.case_id, d.c.notice_kind == ingest::NoticeKind::change ? "change" : "decision"});
      for (const auto& s : e.slips) {
        bool cash = true;
        for (const auto& d : e.notices)
          if (d.c.case_id == s.slip.case_id) cash = d.c.cash_payment;
        sum.slips.push_back({s.slip.case_id, s.slip.month.iso(), s.slip.amount, cash});
      }
      rb.counts.envelopes += 1;
      rb.counts.notices += static_cast<int>(e.notices.size());
      rb.counts.slips += static_cast<int>(e.slips.size());
      rb.counts.pages += n;
      rb.counts.sheets += sheets_for(n);
      areas[e.to.postal_code.substr(0, 3)] += 1;
      const double c1 = thread_cpu();
      for (const auto& p : pages) writer.add(p);
      const double c2 = thread_cpu();
      for (auto& p : pages) {
        keep_only_what_preflight_reads(p);
        doc.pages.push_back(std::move(p));
      }
      typeset_cpu += c1 - c0 + (thread_cpu() - c2);
      render_cpu += c2 - c1;
    }
    rb.counts.postal_areas.assign(areas.begin(), areas.end());
    std::vector<compose::Envelope>().swap(batch.envelopes);  // typeset: the run no longer needs them
    {
      Timer t(tm, "render", true);
      auto finished = writer.finish();
      if (!finished.ok()) return finished.problems;
      rb.pdf.shrink_to_fit();
    }
    tm.add("typeset", typeset_cpu);
    tm.add("render", render_cpu);
    const int pages = static_cast<int>(doc.pages.size());
    const int n_slices = std::max(1, (pages + kSlicePages - 1) / kSlicePages);
    f->slices.resize(n_slices);
    f->pending = n_slices;
    std::lock_guard lock(m);
    flights[i] = std::move(f);
    for (int s = 0; s < n_slices; ++s) slice_queue.insert({i, s});
    cv.notify_all();
    return {};
  };

  // Checks one slice; the thread that checks a batch's last slice seals it.
  auto check_slice = [&](size_t i, int s, Timings& tm) {
    InFlight& f = *flights[i];  // stays put until its last slice is done, which is this one or later
    {
      Timer t(tm, "preflight", true);
      preflight::Options po;
      po.first_page = s * kSlicePages;
      po.page_count = kSlicePages;
      f.slices[s] = preflight::check(f.rb.pdf, f.doc, po);
    }
    {
      std::lock_guard lock(m);
      if (--f.pending > 0 || stop) return;
    }
    Diagnostics ds;
    for (const auto& report : f.slices)
      for (const auto& x : report.findings)
        ds.push_back(stage_error("preflight", "batch " + f.rb.batch_id + ", envelope " + x.envelope_id + ", page " +
                                                  std::to_string(x.page) + " (page " +
                                                  std::to_string(x.page_in_envelope) + " of its envelope): " + x.what));
    int exact = 0;
    for (const auto& report : f.slices) exact += report.exact_renders;
    if (ds.empty()) {
      Timer t(tm, "seal", true);
      if (auto err = sink(f.rb); !err.empty()) ds.push_back(stage_error(f.rb.batch_id, err));
    }
    RenderedBatch summary = std::move(f.rb);
    summary.pdf.clear();
    summary.pdf.shrink_to_fit();
    summary.insertion_csv.clear();
    summary.insertion_csv.shrink_to_fit();
    std::lock_guard lock(m);
    exact_renders += exact;
    flights[i].reset();
    --in_flight;
    ++finished;
    if (!ds.empty()) {
      fail(i, std::move(ds));
      return;
    }
    result.batches[i] = std::move(summary);
    progress.step();
    cv.notify_all();
  };

  std::vector<Timings> per_thread(threads);
  auto worker = [&](Timings& tm) {
    // Each worker owns its typesetter: its shaping cache is not shared between threads.
    std::unique_ptr<typeset::Typesetter> ts;
    for (;;) {
      size_t batch = 0;
      int slice = -1;
      {
        std::unique_lock lock(m);
        const double idle_from = wall();
        cv.wait(lock, [&] {
          return stop || finished == total || !slice_queue.empty() ||
                 (next_render < batches.size() && in_flight < max_in_flight);
        });
        tm.add("idle", wall() - idle_from);
        if (stop || finished == total) return;
        if (!slice_queue.empty()) {
          std::tie(batch, slice) = *slice_queue.begin();
          slice_queue.erase(slice_queue.begin());
        } else {
          batch = next_render++;
          ++in_flight;
        }
      }
      if (slice >= 0) {
        check_slice(batch, slice, tm);
        continue;
      }
      if (!ts) {
        auto created = typeset::Typesetter::create(data_dir(), in.municipality);
        if (!created.ok()) {
          std::lock_guard lock(m);
          fail(batch, created.problems);
          return;
        }
        ts = std::move(created.value);
      }
      if (auto ds = render_batch(batch, *ts, tm); !ds.empty()) {
        std::lock_guard lock(m);
        fail(batch, std::move(ds));
        return;
      }
    }
  };

  const double t_parallel = wall();
  std::vector<std::thread> pool;
  for (int t = 0; t < std::min(threads, std::max(1, total)); ++t) pool.emplace_back(worker, std::ref(per_thread[t]));
  for (auto& t : pool) t.join();
  timings.add("parallel (wall)", wall() - t_parallel);

  for (auto& ps : problems) result.problems.insert(result.problems.end(), ps.begin(), ps.end());
  for (const auto& b : result.batches) {
    result.envelopes += b.counts.envelopes;
    result.notices += b.counts.notices;
    result.slips += b.counts.slips;
    result.pages += b.counts.pages;
    result.sheets += b.counts.sheets;
  }

  if (timings_on) {
    nlohmann::json j;
    j["threads"] = static_cast<int>(pool.size());
    j["batches"] = total;
    j["pages"] = result.pages;
    j["exact_code_renders"] = exact_renders;
    j["produce_wall_s"] = wall() - t_start;
    rss["peak"] = rss_mb(true);
    for (const auto& [k, v] : rss) j["rss_mb"][k] = v;
    for (const auto& [k, v] : timings.seconds) j["wall_s"][k] = v;
    Timings cpu;
    for (const auto& tm : per_thread)
      for (const auto& [k, v] : tm.seconds) cpu.add(k, v);
    for (const auto& [k, v] : cpu.seconds) j[k == "idle" ? "idle_s" : "cpu_s"][k == "idle" ? "workers" : k] = v;
    std::fprintf(stderr, "tsuchi timings: %s\n", j.dump().c_str());
  }
  return result;
}

}  // namespace tsuchi::cli
