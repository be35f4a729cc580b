// The progress display's arithmetic and lines, on a fake clock: what a person reads on the terminal
// or in a log while `tsuchi run` works. Expected values are worked out by hand.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "terminal/terminal.hpp"

using namespace tsuchi;
using namespace tsuchi::terminal;

TEST_CASE("times, counts and rates as a person reads them") {
  const struct {
    std::int64_t s;
    const char* text;
  } clocks[] = {{0, "0:00"},     {7, "0:07"},     {59, "0:59"},        {60, "1:00"},   {754, "12:34"},
                {3599, "59:59"}, {3600, "1:00:00"}, {3723, "1:02:03"}, {-5, "0:00"}};
  for (const auto& c : clocks) CHECK(clock_text(c.s) == c.text);

  const struct {
    std::int64_t n;
    const char* text;
  } counts[] = {{0, "0"}, {999, "999"}, {1000, "1,000"}, {10634, "10,634"}, {1234567, "1,234,567"}, {-1234, "-1,234"}};
  for (const auto& c : counts) CHECK(grouped(c.n) == c.text);

  const struct {
    double s;
    const char* text;
  } seconds[] = {{0.004, "0.00 s"}, {0.04, "0.04 s"}, {0.999, "1.0 s"}, {1.04, "1.0 s"}, {15.06, "15.1 s"}, {59.9, "59.9 s"}, {125.3, "2:05"}, {3725, "1:02:05"}};
  for (const auto& c : seconds) CHECK(seconds_text(c.s) == c.text);

  const struct {
    double r;
    const char* text;
  } rates[] = {{1552.6, "1,553"}, {12.46, "12.5"}, {0, "0.0"}, {99.96, "100"}, {250, "250"}};
  for (const auto& c : rates) CHECK(rate_text(c.r) == c.text);
}

namespace {
struct Sample {
  double t, work;
};
}  // namespace

TEST_CASE("the rate is the work of the last five seconds, none until a fifth of a second with work") {
  const struct {
    const char* what;
    std::vector<Sample> samples;  // after start(0)
    std::optional<double> rate;   // units per second
    double remaining;
    std::optional<double> eta;
  } cases[] = {
      {"nothing sampled", {}, std::nullopt, 100, std::nullopt},
      {"too early", {{0.1, 50}}, std::nullopt, 100, std::nullopt},
      {"no work yet", {{0.5, 0}}, std::nullopt, 100, std::nullopt},
      {"first quarter second", {{0.25, 500}}, 2000.0, 1000, 0.5},
      {"steady 100/s", {{1, 100}, {2, 200}, {3, 300}, {4, 400}}, 100.0, 1000, 10.0},
      // 10/s for ten seconds, then 100/s for five: only the last five seconds count.
      {"speeds up", {{5, 50}, {10, 100}, {11, 200}, {12, 300}, {13, 400}, {14, 500}, {15, 600}}, 100.0, 200, 2.0},
      // Everything done in the first second, nothing for the last five: no rate, no ETA.
      {"stalled", {{1, 100}, {3, 100}, {7, 100}}, 0.0, 50, std::nullopt},
      {"done", {{1, 100}}, 100.0, 0, 0.0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    Meter m;
    m.start(0);
    for (const auto& s : c.samples) m.sample(s.t, s.work);
    REQUIRE(m.rate().has_value() == c.rate.has_value());
    if (c.rate) CHECK(*m.rate() == doctest::Approx(*c.rate));
    REQUIRE(m.eta(c.remaining).has_value() == c.eta.has_value());
    if (c.eta) CHECK(*m.eta(c.remaining) == doctest::Approx(*c.eta));
  }
}

TEST_CASE("bursts of finished slices read as their average rate") {
  // 128 pages every half second, sampled every quarter second: 256 pages/s, within one burst.
  Meter m;
  m.start(0);
  for (int tick = 1; tick <= 40; ++tick) m.sample(tick * 0.25, 128.0 * (tick / 2));
  REQUIRE(m.rate());
  CHECK(*m.rate() > 256 * 0.85);
  CHECK(*m.rate() < 256 * 1.15);
}

TEST_CASE("the status line: stage, done/total, rate, elapsed, ETA, in the width given") {
  const struct {
    Reading r;
    int width;
    const char* line;
  } cases[] = {
      {{"reading cases.csv", "cases", 1200, 10000, true, 1200, 0.3, 4000.0, 2.2},
       79,
       "reading cases.csv  1,200/~10,000 cases  12%  4,000/s  elapsed 0:00  ETA 0:03"},
      // The percentage goes first when the line is too long for 80 columns.
      {{"rendering and checking", "pages", 4321, 10634, true, 4321, 14.2, 1204.4, 5.24},
       79,
       "rendering and checking  4,321/~10,634 pages  1,204/s  elapsed 0:14  ETA 0:06"},
      {{"rendering and checking", "pages", 0, 0, true, 0, 0.4, std::nullopt, std::nullopt},
       79,
       "rendering and checking  0 pages  elapsed 0:00"},
      {{"rendering and checking", "pages", 0, 10634, false, 0, 0.4, std::nullopt, std::nullopt},
       79,
       "rendering and checking  0/10,634 pages  0%  elapsed 0:00  ETA --"},
      // Two steps: none checked yet, 2,000 pages' worth drawn; the share of the work done is 20%.
      {{"rendering and checking", "pages", 0, 10000, true, 2000, 3, 650.0, 12.3},
       79,
       "rendering and checking  0/~10,000 pages  20%  650/s  elapsed 0:03  ETA 0:13"},
      {{"checking the cases", "cases", 10000, 10000, false, 10000, 1.0, 50000.0, 0.0},
       79,
       "checking the cases  10,000/10,000 cases  100%  50,000/s  elapsed 0:01  ETA 0:00"},
      // An estimate passed before the end: the total shown is what is done, never below it.
      {{"rendering and checking", "pages", 10700, 10634, true, 10700, 15, 700.0, std::nullopt},
       79,
       "rendering and checking  10,700/~10,700 pages  99%  700/s  elapsed 0:15  ETA --"},
      // Narrower: the percentage, elapsed time, rate and ETA go, in that order; then the line is cut.
      {{"rendering and checking", "pages", 4321, 10634, true, 4321, 14.2, 1204.4, 5.24},
       53,
       "rendering and checking  4,321/~10,634 pages  ETA 0:06"},
      {{"rendering and checking", "pages", 4321, 10634, true, 4321, 14.2, 1204.4, 5.24},
       52,
       "rendering and checking  4,321/~10,634 pages"},
      {{"rendering and checking", "pages", 4321, 10634, true, 4321, 14.2, 1204.4, 5.24}, 30, "rendering and checking  4,321/"},
      {{"reading 受給者一覧.csv", "cases", 5, 10, true, 5, 0, std::nullopt, std::nullopt}, 24, "reading 受給者一覧.csv"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.r.doing);
    CAPTURE(c.width);
    CHECK(status_line(c.r, c.width) == c.line);
  }
  // The widest a run of a million pages can make it still fits an 80-column terminal.
  const Reading huge{"rendering and checking", "pages", 1234567, 2345678, true, 1234567, 359999, 123456.7, 359999};
  CHECK(status_line(huge, 79).size() <= 79);
  CHECK(status_line(huge, 79).find("ETA 99:59:59") != std::string::npos);
}

TEST_CASE("a stage's line when it ends") {
  CHECK(stage_line("run", {"reading cases.csv", "read", "cases"}, 10000, 0.12) == "tsuchi run: read 10,000 cases in 0.12 s");
  CHECK(stage_line("run", {"rendering and checking", "rendered and checked", "pages"}, 23456, 15.1) ==
        "tsuchi run: rendered and checked 23,456 pages in 15.1 s (1,553 pages/s)");
  CHECK(stage_line("preview", {"x", "checked", "cases"}, 0, 2) == "tsuchi preview: checked 0 cases in 2.0 s");
}

namespace {

// What the display wrote, as bytes.
struct Capture {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  std::string text() {
    std::fflush(f);
    return std::string(buf, len);
  }
  ~Capture() {
    std::fclose(f);
    std::free(buf);
  }
};

struct FakeClock {
  double now = 100;
  Clock clock() {
    return [this] { return now; };
  }
};

ProgressDisplay::Options options(Capture& out, FakeClock& clock, bool tty, Verbosity v = Verbosity::normal) {
  return {"run", v, tty, out.f, clock.clock(), 0, 80};
}

}  // namespace

TEST_CASE("on a terminal: one line redrawn in place, an ETA after a fifth of a second, cleared at the end") {
  Capture out;
  FakeClock clock;
  {
    ProgressDisplay d(options(out, clock, true));
    d.start({"reading cases.csv", "read", "cases", 1000, true});
    d.draw();
    CHECK(out.text() == "\rreading cases.csv  0/~1,000 cases  0%  elapsed 0:00  ETA --\x1b[K");
    clock.now += 0.25;
    d.advance(250);
    d.draw();
    CHECK(out.text().ends_with("\rreading cases.csv  250/~1,000 cases  25%  1,000/s  elapsed 0:00  ETA 0:01\x1b[K"));
    d.end();
    CHECK(out.text().ends_with("\x1b[K\r\x1b[K"));  // cleared, and no stage line on a terminal
    d.draw();                                        // between stages nothing is drawn
    CHECK(out.text().ends_with("\x1b[K\r\x1b[K"));
  }
  CHECK(out.text().find('\n') == std::string::npos);
}

TEST_CASE("off a terminal: one line per stage as it ends, never a carriage return") {
  Capture out;
  FakeClock clock;
  {
    ProgressDisplay d(options(out, clock, false));
    d.start({"reading cases.csv", "read", "cases", 3, true});
    d.advance(3);
    d.draw();
    d.detail("only with --verbose");
    clock.now += 0.5;
    d.end();
    d.start({"rendering and checking", "rendered and checked", "pages", 0, true, 0.5});
    d.halfway(2000);
    d.advance(2000);
    clock.now += 2;
    d.end();
  }
  CHECK(out.text() == "tsuchi run: read 3 cases in 0.50 s\n"
                      "tsuchi run: rendered and checked 2,000 pages in 2.0 s (1,000 pages/s)\n");
}

TEST_CASE("--quiet shows nothing; --verbose adds the stage lines on a terminal and each batch everywhere") {
  for (const bool tty : {true, false}) {
    CAPTURE(tty);
    Capture quiet, verbose;
    FakeClock clock;
    for (auto* out : {&quiet, &verbose}) {
      ProgressDisplay d(options(*out, clock, tty, out == &quiet ? Verbosity::quiet : Verbosity::verbose));
      d.start({"checking the cases", "checked", "cases", 10});
      d.draw();
      d.advance(10);
      d.detail("batch 1 of 1 (R1-B001.pdf): 3 envelopes, 5 pages, checked and handed on");
      clock.now += 0.1;
      d.end();
    }
    CHECK(quiet.text().empty());
    const std::string v = verbose.text();
    CHECK(v.find("tsuchi run: batch 1 of 1 (R1-B001.pdf): 3 envelopes, 5 pages, checked and handed on\n") != std::string::npos);
    CHECK(v.ends_with("tsuchi run: checked 10 cases in 0.10 s\n"));
    CHECK((v.find('\r') != std::string::npos) == tty);
  }
}

TEST_CASE("two steps: pages drawn count their share of the work until checked; an exact total is never replaced by an estimate") {
  Capture out;
  FakeClock clock;
  ProgressDisplay d(options(out, clock, true));
  d.start({"rendering and checking", "rendered and checked", "pages", 0, true, 0.5});
  d.total(1000, true);
  clock.now += 1;
  d.halfway(400);  // drawn (half a page's work each), none checked: 200 pages' worth in a second
  auto r = d.reading();
  CHECK(r.done == 0);
  REQUIRE(r.rate);
  CHECK(*r.rate == doctest::Approx(200));
  REQUIRE(r.eta);
  CHECK(*r.eta == doctest::Approx(4));  // 800 of 1,000 still to do
  d.total(1010, false);
  d.total(990, true);  // a stale estimate from another thread
  r = d.reading();
  CHECK(r.total == 1010);
  CHECK_FALSE(r.estimated);
  d.end();
}

TEST_CASE("worker threads advance while the line is drawn") {
  Capture out;
  FakeClock clock;
  ProgressDisplay d(options(out, clock, true));
  d.start({"rendering and checking", "rendered and checked", "pages", 40000, false, 0.6});
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&d] {
      for (int i = 0; i < 10000; ++i) {
        d.halfway(1);
        d.advance(1);
      }
    });
  for (int i = 0; i < 100; ++i) d.draw();
  for (auto& t : workers) t.join();
  CHECK(d.reading().done == 40000);
  d.end();
}

TEST_CASE("workers never wait for the terminal: a redraw held up (Ctrl-S) holds the line, not the run") {
  std::mutex m;
  std::condition_variable cv;
  bool armed = false, held = false, released = false;
  // The clock is read while the line is drawn: here it holds the drawing thread until released.
  Clock clock = [&] {
    std::unique_lock lock(m);
    if (!armed) return 0.0;
    held = true;
    cv.notify_all();
    cv.wait(lock, [&] { return released; });
    return 1.0;
  };
  Capture out;
  ProgressDisplay d({"run", Verbosity::normal, true, out.f, clock, 0, 80});
  d.start({"rendering and checking", "rendered and checked", "pages", 0, true, 0.6});
  {
    std::lock_guard lock(m);
    armed = true;
  }
  std::thread drawing([&] { d.draw(); });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return held; });
  }
  auto worker = std::async(std::launch::async, [&] {
    d.halfway(10);
    d.total(100, true);
    d.total(90, false);
    d.advance(10);
  });
  CHECK(worker.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  {
    std::lock_guard lock(m);
    released = true;
  }
  cv.notify_all();
  drawing.join();
  worker.get();
  armed = false;
  const auto r = d.reading();
  CHECK(r.done == 10);
  CHECK(r.total == 90);
  CHECK_FALSE(r.estimated);
  d.end();
}
