#include "tsuchi/produce.hpp"

#include <malloc.h>
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
#include <zlib.h>

#include "decide/decide.hpp"
#include "display/display.hpp"
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
// large enough that a unit's bookkeeping stays negligible (a worker keeps its PDF reader open
// between the slices it takes from one batch).
constexpr int kSlicePages = 128;

void add_codes(std::string& csv, const std::vector<display::Page>& pages, size_t first, size_t count) {
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
void keep_only_what_preflight_reads(display::Page& p) {
  for (auto& r : p.runs) {
    std::vector<display::Glyph>().swap(r.glyphs);
    std::vector<display::Cluster>().swap(r.clusters);
  }
  std::vector<display::Rect>().swap(p.rects);
  std::vector<display::Image>().swap(p.images);
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

// ---- The run's cases packed into bytes from planning until their batch is typeset: about 200
// ---- bytes a child, where Case, Decision and Envelope objects take about 2 KB, so a run's memory
// ---- hardly grows with its size (issue 6: 100,000 children within 20% of 10,000).
static_assert(sizeof(ingest::Case) == 464, "ingest::Case changed: pack and unpack its new field below");

class Packer {
 public:
  explicit Packer(std::string& out) : out_(out) {}
  void num(long long v) {  // zigzag varint: small numbers take one byte
    auto u = (static_cast<unsigned long long>(v) << 1) ^ static_cast<unsigned long long>(v >> 63);
    do {
      const auto byte = static_cast<unsigned char>(u & 0x7F);
      u >>= 7;
      out_.push_back(static_cast<char>(u ? byte | 0x80 : byte));
    } while (u);
  }
  void str(const std::string& v) {
    num(static_cast<long long>(v.size()));
    out_ += v;
  }
  void date(const Date& d) { num(d.year), num(d.month), num(d.day); }
  void month(const YearMonth& m) { num(m.year), num(m.month); }
 private:
  std::string& out_;
};

class Unpacker {
 public:
  explicit Unpacker(std::string_view in) : in_(in) {}
  bool done() const { return at_ >= in_.size(); }
  long long num() {
    unsigned long long u = 0;
    for (int shift = 0; at_ < in_.size(); shift += 7) {
      const auto byte = static_cast<unsigned char>(in_[at_++]);
      u |= static_cast<unsigned long long>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) break;
    }
    return static_cast<long long>(u >> 1) ^ -static_cast<long long>(u & 1);
  }
  std::string str() {
    const auto n = std::min(static_cast<std::size_t>(num()), in_.size() - at_);
    std::string v(in_.substr(at_, n));
    at_ += n;
    return v;
  }
  Date date() {
    Date d;
    d.year = static_cast<int>(num()), d.month = static_cast<int>(num()), d.day = static_cast<int>(num());
    return d;
  }
  YearMonth month() {
    YearMonth m;
    m.year = static_cast<int>(num()), m.month = static_cast<int>(num());
    return m;
  }
  int i() { return static_cast<int>(num()); }
 private:
  std::string_view in_;
  std::size_t at_ = 0;
};

void pack(const ingest::Case& c, std::string& out) {
  Packer p(out);
  p.num(c.line);
  p.str(c.case_id), p.str(c.child_atena_no), p.str(c.child_name);
  p.date(c.child_birth_date);
  p.str(c.guardian_atena_no), p.str(c.guardian_name), p.str(c.postal_code), p.str(c.address);
  p.str(c.address_building), p.str(c.household_no);
  p.num(c.certification_type), p.num(static_cast<int>(c.care_need));
  p.str(c.facility_name);
  p.num(c.facility_public);
  p.str(c.bracket);
  p.num(c.child_order), p.num(c.side_dish_exempt), p.num(c.cash_payment), p.num(static_cast<int>(c.notice_kind));
  p.date(c.decision_date);
  p.month(c.period_start), p.month(c.period_end);
  p.str(c.reason);
}

ingest::Case unpack(Unpacker& u) {
  ingest::Case c;
  c.line = u.i();
  c.case_id = u.str(), c.child_atena_no = u.str(), c.child_name = u.str();
  c.child_birth_date = u.date();
  c.guardian_atena_no = u.str(), c.guardian_name = u.str(), c.postal_code = u.str(), c.address = u.str();
  c.address_building = u.str(), c.household_no = u.str();
  c.certification_type = u.i(), c.care_need = static_cast<ingest::CareNeed>(u.i());
  c.facility_name = u.str();
  c.facility_public = u.i() != 0;
  c.bracket = u.str();
  c.child_order = u.i(), c.side_dish_exempt = u.i() != 0, c.cash_payment = u.i() != 0;
  c.notice_kind = static_cast<ingest::NoticeKind>(u.i());
  c.decision_date = u.date();
  c.period_start = u.month(), c.period_end = u.month();
  c.reason = u.str();
  return c;
}

// A batch from planning to typesetting: its envelopes' cases, packed envelope after envelope and
// deflated (names and addresses repeat: about a quarter of the size).
struct PlannedBatch {
  std::string batch_id;
  int index = 0;
  int first_sequence = 0, envelopes = 0;
  std::string cases;
  std::size_t packed_size = 0;
};

std::string deflated(const std::string& bytes) {
  uLongf n = compressBound(static_cast<uLong>(bytes.size()));
  std::string out(n, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(bytes.data()),
                static_cast<uLong>(bytes.size()), 1) != Z_OK)
    return {};
  out.resize(n);
  out.shrink_to_fit();
  return out;
}

std::string inflated(const std::string& bytes, std::size_t size) {
  std::string out(size, '\0');
  uLongf n = static_cast<uLongf>(size);
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(bytes.data()),
                 static_cast<uLong>(bytes.size())) != Z_OK ||
      n != size)
    return {};
  return out;
}

// A batch between typesetting and sealing.
struct InFlight {
  display::Document doc;
  RenderedBatch rb;
  std::vector<preflight::Report> slices;
  int pending = 0;  // slices not yet checked
  // One PDF reader per worker thread that checks slices of this batch, kept between its slices.
  std::vector<std::unique_ptr<preflight::Reader>> readers;
};

}  // namespace

ProduceResult produce(Inputs& in, const ProduceOptions& opt, const BatchSink& sink) {
  const bool timings_on = [] {
    const char* v = std::getenv("TSUCHI_TIMINGS");
    return v && std::string(v) == "1";
  }();
  Timings timings;
  const double t_start = wall();
  std::map<std::string, double> rss;  // MB at the steps of the run
  if (timings_on) rss["at_start"] = rss_mb(false);

  ProduceResult result;
  {
    // Every decision and every envelope is made once up front, a slice of the cases at a time, only
    // for its problems: nothing is typeset from a run that would stop later for a bad slip.
    const double t0 = wall();
    constexpr std::size_t kChunk = 2000;
    Diagnostics decide_problems, compose_problems;
    for (std::size_t at = 0; at < in.cases.size(); at += kChunk) {
      const std::vector<ingest::Case> chunk(in.cases.begin() + static_cast<std::ptrdiff_t>(at),
                                            in.cases.begin() + static_cast<std::ptrdiff_t>(std::min(in.cases.size(), at + kChunk)));
      auto decided = decide::decide(chunk, in.fees);
      decide_problems.insert(decide_problems.end(), decided.problems.begin(), decided.problems.end());
      if (!has_errors(decide_problems)) {
        auto envelopes = compose::compose_checked(decided.value, in.municipality);
        compose_problems.insert(compose_problems.end(), envelopes.problems.begin(), envelopes.problems.end());
      }
    }
    timings.add("decide+compose check", wall() - t0);
    for (auto* ps : {&decide_problems, &compose_problems})
      if (has_errors(*ps)) {
        result.problems = std::move(*ps);
        return result;
      }
  }

  // Mailing order and batches as case indices; then each batch's cases packed, and the run's
  // Case objects released (produce consumes in.cases).
  std::vector<PlannedBatch> batches;
  {
    const double t0 = wall();
    const auto plans = compose::plan(in.cases);
    const std::size_t size = static_cast<std::size_t>(std::max(1, in.municipality.batch_size));
    for (std::size_t at = 0; at < plans.size(); at += size) {
      PlannedBatch b;
      b.index = static_cast<int>(batches.size()) + 1;
      b.batch_id = opt.preview ? "PREVIEW" : compose::batch_id(opt.run_id, b.index);
      b.first_sequence = plans[at].sequence;
      const std::size_t end = std::min(plans.size(), at + size);
      b.envelopes = static_cast<int>(end - at);
      std::string packed;
      for (std::size_t k = at; k < end; ++k)
        for (std::size_t c : plans[k].cases) pack(in.cases[c], packed);
      b.packed_size = packed.size();
      b.cases = deflated(packed);
      batches.push_back(std::move(b));
    }
    std::vector<ingest::Case>().swap(in.cases);
    timings.add("plan+pack", wall() - t0);
  }
  malloc_trim(0);  // hand the Case objects' pages back: glibc keeps freed small blocks resident
  if (timings_on) rss["after_plan"] = rss_mb(false);

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
  auto render_batch = [&](size_t i, const typeset::Typesetter& ts, render::FontCache& fonts, Timings& tm) -> Diagnostics {
    auto& batch = batches[i];
    std::vector<compose::Envelope> envelopes;
    {
      Timer t(tm, "compose", true);
      const std::string packed = inflated(batch.cases, batch.packed_size);
      if (packed.size() != batch.packed_size) return {stage_error(batch.batch_id, "the packed cases do not inflate")};
      std::string().swap(batch.cases);
      std::vector<ingest::Case> cases;
      for (Unpacker u(packed); !u.done();) cases.push_back(unpack(u));
      auto decided = decide::decide(cases, in.fees);
      if (!decided.ok()) return decided.problems;
      std::vector<ingest::Case>().swap(cases);
      auto composed = compose::compose_checked(decided.value, in.municipality);
      if (!composed.ok()) return composed.problems;
      envelopes = std::move(composed.value);
      if (static_cast<int>(envelopes.size()) != batch.envelopes)
        return {stage_error(batch.batch_id, "composing the batch alone gave " + std::to_string(envelopes.size()) +
                                                " envelopes, the run's plan " + std::to_string(batch.envelopes))};
      for (std::size_t k = 0; k < envelopes.size(); ++k)  // the run-wide numbers of the plan
        envelopes[k].sequence = batch.first_sequence + static_cast<int>(k);
    }
    auto f = std::make_unique<InFlight>();
    RenderedBatch& rb = f->rb;
    display::Document& doc = f->doc;
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
    render::PdfWriter writer(ts.faces(), po, [&rb](std::string_view bytes) { rb.pdf.append(bytes); }, &fonts);
    double typeset_cpu = 0, render_cpu = 0;
    for (const auto& e : envelopes) {
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
    std::vector<compose::Envelope>().swap(envelopes);
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
    f->readers.resize(threads);
    std::lock_guard lock(m);
    flights[i] = std::move(f);
    for (int s = 0; s < n_slices; ++s) slice_queue.insert({i, s});
    cv.notify_all();
    return {};
  };

  // Checks one slice; the thread that checks a batch's last slice seals it.
  auto check_slice = [&](size_t i, int s, int worker, Timings& tm) {
    InFlight& f = *flights[i];  // stays put until its last slice is done, which is this one or later
    {
      Timer t(tm, "preflight", true);
      preflight::Options po;
      po.first_page = s * kSlicePages;
      po.page_count = kSlicePages;
      auto& reader = f.readers[worker];
      if (!reader) reader = std::make_unique<preflight::Reader>(f.rb.pdf);
      f.slices[s] = reader->check(f.doc, po);
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
    flights[i].reset();
    malloc_trim(0);  // a finished batch's pages go back to the system, not to a growing free list
    std::lock_guard lock(m);
    exact_renders += exact;
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
  auto worker = [&](int id, Timings& tm) {
    // Each worker owns its typesetter and its fonts: their caches are not shared between threads.
    std::unique_ptr<typeset::Typesetter> ts;
    render::FontCache fonts;
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
        check_slice(batch, slice, id, tm);
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
      if (auto ds = render_batch(batch, *ts, fonts, tm); !ds.empty()) {
        std::lock_guard lock(m);
        fail(batch, std::move(ds));
        return;
      }
    }
  };

  const double t_parallel = wall();
  std::vector<std::thread> pool;
  for (int t = 0; t < std::min(threads, std::max(1, total)); ++t) pool.emplace_back(worker, t, std::ref(per_thread[t]));
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
