// The person at the terminal: what the command line asks them directly, kept out of the stages so
// identity and everything else work the same without a TTY (a later browser console, CI).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "core/keys.hpp"
#include "core/progress.hpp"

namespace tsuchi::terminal {

// True when the process has a controlling terminal to ask on (/dev/tty opens).
bool available();

// One line typed on /dev/tty with echo off after `prompt`; nullopt without a terminal or when the
// line cannot be read (end of input before a newline).
std::optional<keys::Passphrase> ask_hidden(const std::string& prompt);

// ---- progress of the long commands (progress.cpp) ----
// Debian 12 packages no C++ progress-bar library (indicators and the like are not in it), and what
// is shown is one plain line: so it is ours, small, with its arithmetic tested on its own.

// --quiet: no progress and no stage lines (errors and warnings still); --verbose: one line per
// stage on a terminal too, and one per batch.
enum class Verbosity { quiet, normal, verbose };

// Seconds on the steady clock; the display takes the clock as a parameter so tests can fake it.
using Clock = std::function<double()>;
double steady_seconds();
// stderr is a terminal that understands a carriage return and "erase to end of line" (TERM is not dumb).
bool stderr_is_terminal();

std::string clock_text(std::int64_t seconds);  // "0:07", "12:03", "1:02:03"
std::string seconds_text(double seconds);      // "0.04 s", "15.1 s", "2:05" from a minute on
std::string rate_text(double per_second);      // "1,553", "12.5"

// The rate of a stage's work over its last `window` seconds (the whole stage until then), so a
// slow start or a burst of finished batches moves the ETA only for a while.
class Meter {
 public:
  explicit Meter(double window = 5.0) : window_(window) {}
  void start(double t);                 // work 0 at t
  void sample(double t, double work);   // work done by t (never decreasing)
  // Units per second; none until a quarter second of the stage has passed with some work done.
  std::optional<double> rate() const;
  std::optional<double> eta(double remaining) const;  // seconds

 private:
  double window_;
  std::deque<std::pair<double, double>> samples_;  // (t, work), oldest first
};

// What the status line shows at one moment.
struct Reading {
  std::string doing, unit;
  std::int64_t done = 0, total = 0;  // total 0: not known
  bool estimated = false;
  double work = 0;     // units' worth of work done (done, plus first steps of a two-step stage)
  double elapsed = 0;  // since the command started
  std::optional<double> rate, eta;
};
// The status line: at most `width` columns, its least needed fields dropped first.
std::string status_line(const Reading& r, int width);
// "tsuchi run: read 10,000 cases in 0.1 s" (the rate once the stage took a second or more).
std::string stage_line(const std::string& command, const progress::Stage& s, std::int64_t done, double seconds);

// The progress of one command on stderr. On a terminal: one line redrawn in place by a ticker
// thread every quarter second while a stage runs, cleared when it ends. Elsewhere (a log, a pipe):
// one line per stage as it ends, no carriage returns.
class ProgressDisplay final : public progress::Sink {
 public:
  struct Options {
    std::string command;  // "run": lines start "tsuchi run: "
    Verbosity verbosity = Verbosity::normal;
    bool tty = stderr_is_terminal();
    std::FILE* out = stderr;
    Clock clock = steady_seconds;
    double tick = 0.25;  // seconds between redraws; 0: no ticker (tests call draw())
    int width = 0;       // columns; 0: the terminal's (80 when it does not say)
  };
  explicit ProgressDisplay(Options o);
  ~ProgressDisplay() override;  // stops the ticker; the line is already cleared
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void start(const progress::Stage& s) override;
  void total(std::int64_t n, bool estimated) override;
  void advance(std::int64_t n) override;
  void halfway(std::int64_t n) override;
  void detail(std::string_view line) override;
  void end() override;

  Reading reading();  // what the line shows now (samples the rate)
  void draw();        // redraws the line now, on a terminal while a stage runs

 private:
  Reading reading_locked();
  void draw_locked();
  void write_locked(const std::string& s);
  Options o_;
  double started_;
  std::mutex m_;
  std::condition_variable wake_;
  bool active_ = false, stop_ = false, redraw_ = false, drawn_ = false;
  progress::Stage stage_;
  double stage_start_ = 0;
  // Told by the workers, never under m_: a stopped terminal (Ctrl-S) holds the ticker, not the run.
  // total_ is twice the total, plus one while it is an estimate.
  std::atomic<std::int64_t> total_{0}, done_{0}, half_{0};
  Meter meter_;
  std::thread ticker_;
};

}  // namespace tsuchi::terminal
