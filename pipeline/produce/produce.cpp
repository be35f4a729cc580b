// The orchestration of a production: plan, then a pool of workers that each take the next work
// unit (a slice to check first, since it frees a batch, else the next batch to render).
#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "produce/internal.hpp"

namespace tsuchi::produce {

using namespace detail;

Result produce(Inputs& in, const Options& opt, const BatchSink& sink) {
  const bool timings_on = [] {
    const char* v = std::getenv("TSUCHI_TIMINGS");
    return v && std::string(v) == "1";
  }();
  Timings timings;
  const double t_start = wall();
  std::map<std::string, double> rss;  // MB at the steps of the run
  if (timings_on) rss["at_start"] = rss_mb(false);

  Result result;
  const tsuchi::Calendar cal(in.municipality.holidays);
  std::vector<PlannedBatch> batches;
  {
    progress::Scope deciding(opt.progress, {"deciding and composing", "decided and composed for", "cases",
                                            static_cast<std::int64_t>(in.cases.size())});
    const double t0 = wall();
    result.problems = check_all(in, cal, deciding);
    timings.add("decide+compose check", wall() - t0);
    if (has_errors(result.problems)) return result;
    const double t1 = wall();
    batches = plan_batches(in.cases, in.municipality, opt);
    timings.add("plan+pack", wall() - t1);
  }
  malloc_trim(0);  // hand the Case objects' pages back: glibc keeps freed small blocks resident
  if (timings_on) rss["after_plan"] = rss_mb(false);
  std::int64_t envelopes = 0;
  for (const auto& b : batches) envelopes += b.envelopes;
  // Pages as preflight passes them; their total is estimated from the envelopes drawn until all are.
  // Drawing (typeset + render) is about 0.6 of a page's CPU, checking and sealing the rest
  // (TSUCHI_TIMINGS of a 10,000-child run: 8.8 s of 13.9 s).
  progress::Scope rendering(opt.progress, {"rendering and checking", "rendered and checked", "pages", 0, true, 0.6});
  DrawnPages drawn(opt.progress, envelopes);

  const int total = static_cast<int>(batches.size());
  int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  // Batches typeset but not yet sealed: with one per thread, one core typesets and renders the
  // next batch while the other checks the last one, and memory stays a few batches whatever the run.
  const int max_in_flight = threads;
  std::mutex m;
  std::condition_variable cv;
  // Batches being rendered whose envelopes an idle worker may typeset ahead (batch.cpp).
  std::vector<TypesetAhead*> aheads;
  const AheadBoard board{[&](TypesetAhead* a) {
                           std::lock_guard lock(m);
                           aheads.push_back(a);
                           cv.notify_all();
                         },
                         [&](TypesetAhead* a) {
                           std::lock_guard lock(m);
                           std::erase(aheads, a);
                         },
                         [&] { cv.notify_all(); }};
  const BatchContext ctx{in, cal, opt, total, threads > 1 ? &board : nullptr, &drawn};
  // One cache of shared frames for every worker's typesetter: a frame is one form whichever thread
  // drew it, so a batch typeset by two threads writes the same PDF as one.
  const auto forms_cache = std::make_shared<text::FormCache>();

  result.batches.resize(batches.size());
  std::vector<Diagnostics> problems(batches.size());
  std::vector<std::unique_ptr<InFlight>> flights(batches.size());
  std::vector<std::string> packed_lists(batches.size());
  std::set<std::pair<size_t, int>> slice_queue;  // (batch, slice): earliest batch first, to free it soonest
  size_t next_render = 0;
  int in_flight = 0, finished = 0, exact_renders = 0, from_samples = 0, codes = 0;
  bool stop = false;

  // Stops the whole run; the caller holds `m`.
  auto fail = [&](size_t i, Diagnostics ds) {
    problems[i].insert(problems[i].end(), ds.begin(), ds.end());
    stop = true;
    cv.notify_all();
  };

  // Renders batch i, then queues its preflight slices.
  auto render = [&](size_t i, const typeset::Typesetter& ts, render::FontCache& fonts, Timings& tm) -> Diagnostics {
    auto f = std::make_unique<InFlight>();
    if (auto ds = render_batch(batches[i], ctx, ts, fonts, tm, *f); !ds.empty()) return ds;
    const int n_slices = slice_count(*f);
    f->slices.resize(n_slices);
    f->pending = n_slices;
    f->readers.resize(threads);
    std::lock_guard lock(m);
    flights[i] = std::move(f);
    for (int s = 0; s < n_slices; ++s) slice_queue.insert({i, s});
    cv.notify_all();
    return {};
  };

  // Checks one slice; the thread that checks a batch's last slice hands it to the sink.
  auto check = [&](size_t i, int s, int worker, Timings& tm) {
    InFlight& f = *flights[i];  // stays put until its last slice is done, which is this one or later
    {
      Timer t(tm, "preflight", true);
      rendering.advance(check_slice(f, s, worker, opt));
    }
    {
      std::lock_guard lock(m);
      if (--f.pending > 0 || stop) return;
    }
    f.readers.clear();  // the PDF is read: its Poppler documents go before the sink takes the bytes
    Diagnostics ds = slice_findings(f);
    int exact = 0, samples = 0, checked = 0;
    for (const auto& report : f.slices) {
      exact += report.exact_renders;
      samples += report.from_samples;
      checked += report.codes_checked;
    }
    if (ds.empty()) {
      Timer t(tm, "seal", true);
      if (auto err = sink(f.batch); !err.empty()) ds.push_back(stage_error(f.batch.summary.batch_id, err));
    }
    Batch summary = std::move(f.batch);
    std::string().swap(summary.pdf);
    std::string().swap(summary.insertion_csv);
    std::string lists = pack_lists(summary.summary);
    flights[i].reset();
    malloc_trim(0);  // a finished batch's pages go back to the system, not to a growing free list
    if (ds.empty() && opt.progress) {
      const auto& c = summary.summary.counts;
      opt.progress->detail("batch " + std::to_string(i + 1) + " of " + std::to_string(total) + " (" + summary.pdf_name +
                           "): " + std::to_string(c.envelopes) + " envelopes, " + std::to_string(c.pages) +
                           " pages, checked and handed on");
    }
    std::lock_guard lock(m);
    exact_renders += exact;
    from_samples += samples;
    codes += checked;
    --in_flight;
    ++finished;
    if (!ds.empty()) {
      fail(i, std::move(ds));
      return;
    }
    result.batches[i] = std::move(summary);
    packed_lists[i] = std::move(lists);
    cv.notify_all();
  };

  // A batch being rendered that has envelopes to typeset ahead; the caller holds `m`.
  auto claimable_ahead = [&]() -> TypesetAhead* {
    for (TypesetAhead* a : aheads) {
      std::lock_guard lock(a->m);
      if (a->claimable()) return a;
    }
    return nullptr;
  };

  std::vector<Timings> per_thread(threads);
  auto worker = [&](int id, Timings& tm) {
    // Each worker owns its typesetter and its fonts: their caches are not shared between threads.
    std::unique_ptr<typeset::Typesetter> ts;
    render::FontCache fonts;
    TypesetAhead* help = nullptr;
    auto make_typesetter = [&]() -> std::unique_ptr<typeset::Typesetter> {
      auto created = typeset::Typesetter::create(opt.data_dir, in.municipality, forms_cache);
      return created.ok() ? std::move(created.value) : nullptr;
    };
    for (;;) {
      size_t batch = 0;
      int slice = -1;
      {
        std::unique_lock lock(m);
        const double idle_from = wall();
        cv.wait(lock, [&] {
          return stop || finished == total || !slice_queue.empty() ||
                 (next_render < batches.size() && in_flight < max_in_flight) || claimable_ahead();
        });
        tm.add("idle", wall() - idle_from);
        if (stop || finished == total) return;
        if (!slice_queue.empty()) {
          std::tie(batch, slice) = *slice_queue.begin();
          slice_queue.erase(slice_queue.begin());
        } else if (next_render < batches.size() && in_flight < max_in_flight) {
          batch = next_render++;
          ++in_flight;
        } else {
          // Claimable a moment ago, but the renderer may have taken the rest since (it needs no `m`).
          help = claimable_ahead();
          if (!help) continue;
          std::lock_guard ahead_lock(help->m);
          ++help->helpers;  // the renderer waits for this to drop before its batch's envelopes go
        }
      }
      if (help) {
        if (!ts) ts = make_typesetter();
        if (ts) {
          Timer t(tm, "typeset", true);
          help_typeset(*help, *ts);
        } else {
          std::lock_guard ahead_lock(help->m);
          --help->helpers;
          help->cv.notify_all();
        }
        help = nullptr;
        continue;
      }
      if (slice >= 0) {
        check(batch, slice, id, tm);
        continue;
      }
      if (!ts) {
        auto created = typeset::Typesetter::create(opt.data_dir, in.municipality, forms_cache);
        if (!created.ok()) {
          std::lock_guard lock(m);
          fail(batch, created.problems);
          return;
        }
        ts = std::move(created.value);
      }
      if (auto ds = render(batch, *ts, fonts, tm); !ds.empty()) {
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
  rendering.end();
  timings.add("parallel (wall)", wall() - t_parallel);
  malloc_trim(0);  // the batches' pages are gone: give them back before the lists unpack
  for (std::size_t i = 0; i < packed_lists.size(); ++i) {
    if (!packed_lists[i].empty()) unpack_lists(packed_lists[i], result.batches[i].summary);
    std::string().swap(packed_lists[i]);
  }

  for (auto& ps : problems) result.problems.insert(result.problems.end(), ps.begin(), ps.end());
  for (const auto& b : result.batches) {
    const auto& c = b.summary.counts;
    result.totals.envelopes += c.envelopes;
    result.totals.notices += c.notices;
    result.totals.slips += c.slips;
    result.totals.pages += c.pages;
    result.totals.sheets += c.sheets;
    for (const auto& [area, n] : c.postal_areas) result.totals.postal_areas[area] += n;
  }

  if (timings_on) {
    nlohmann::json j;
    j["threads"] = static_cast<int>(pool.size());
    j["batches"] = total;
    j["pages"] = result.totals.pages;
    j["exact_code_renders"] = exact_renders;
    j["codes_checked"] = codes;
    j["codes_from_samples"] = from_samples;
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

}  // namespace tsuchi::produce
