// The progress line and the stage lines of the long commands (terminal.hpp).
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/utf8.hpp"
#include "terminal/terminal.hpp"

namespace tsuchi::terminal {

namespace {

constexpr const char* kClearLine = "\r\x1b[K";  // to the line's start, erase to its end

// Columns a character takes: East Asian wide characters (a file name in Japanese) take two.
int columns(char32_t c) { return c >= 0x800 ? 2 : 1; }

int columns(std::string_view s) {
  int n = 0;
  for (std::size_t i = 0; i < s.size();) n += columns(utf8::next(s, i));
  return n;
}

// The longest start of `s` within `width` columns, cut between characters, no blank at its end.
std::string cut(std::string_view s, int width) {
  std::size_t i = 0;
  for (int n = 0; i < s.size();) {
    std::size_t next = i;
    const int w = columns(utf8::next(s, next));
    if (n + w > width) break;
    n += w;
    i = next;
  }
  while (i > 0 && s[i - 1] == ' ') --i;
  return std::string(s.substr(0, i));
}

int terminal_width(std::FILE* out) {
  winsize ws{};
  if (::ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool stderr_is_terminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

std::string clock_text(std::int64_t seconds) {
  seconds = std::max<std::int64_t>(0, seconds);
  char buf[32];
  if (seconds < 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(seconds / 60), static_cast<long long>(seconds % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  return buf;
}

std::string seconds_text(double seconds) {
  if (seconds >= 59.95) return clock_text(std::llround(seconds));
  char buf[32];
  std::snprintf(buf, sizeof buf, seconds < 0.995 ? "%.2f s" : "%.1f s", std::max(0.0, seconds));  // "0.0 s" reads as nothing
  return buf;
}

std::string rate_text(double per_second) {
  if (per_second >= 99.95) return grouped(std::llround(per_second));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::max(0.0, per_second));
  return buf;
}

// ---- Meter ----

void Meter::start(double t) {
  samples_.clear();
  samples_.emplace_back(t, 0.0);
}

void Meter::sample(double t, double work) {
  samples_.emplace_back(t, work);
  // Keep the newest sample at or before the window's start, so the rate spans the whole window.
  while (samples_.size() > 2 && samples_[1].first <= t - window_) samples_.pop_front();
}

std::optional<double> Meter::rate() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto& [t0, w0] = samples_.front();
  const auto& [t1, w1] = samples_.back();
  if (t1 - t0 < 0.2 || w1 <= 0) return std::nullopt;
  return std::max(0.0, (w1 - w0) / (t1 - t0));
}

std::optional<double> Meter::eta(double remaining) const {
  if (remaining <= 0) return 0.0;
  const auto r = rate();
  if (!r || *r <= 0) return std::nullopt;
  return remaining / *r;
}

// ---- the lines ----

std::string status_line(const Reading& r, int width) {
  const std::int64_t total = r.total > 0 ? std::max(r.total, r.done) : 0;
  std::string counts = grouped(r.done);
  if (total > 0) counts += "/" + std::string(r.estimated ? "~" : "") + grouped(total);
  counts += " " + r.unit;
  // Fields in the order shown, each with its rank: the highest goes first when the line is too long.
  struct Field {
    std::string text;
    int rank;
  };
  std::vector<Field> fields{{r.doing, 0}, {counts, 0}};
  // 100% only when the total is known and reached: an estimate may be passed before the end.
  const auto percent = r.done >= total && !r.estimated
                           ? 100
                           : std::min<std::int64_t>(static_cast<std::int64_t>(r.work * 100 / static_cast<double>(total)), 99);
  if (total > 0) fields.push_back({std::to_string(percent) + "%", 4});
  if (r.rate) fields.push_back({rate_text(*r.rate) + "/s", 2});
  fields.push_back({"elapsed " + clock_text(static_cast<std::int64_t>(r.elapsed)), 3});
  if (total > 0) fields.push_back({"ETA " + (r.eta ? clock_text(static_cast<std::int64_t>(std::ceil(*r.eta))) : "--"), 1});
  for (;;) {
    std::string line;
    for (const auto& f : fields) line += (line.empty() ? "" : "  ") + f.text;
    const auto most = std::max_element(fields.begin(), fields.end(), [](auto& a, auto& b) { return a.rank < b.rank; });
    if (columns(line) <= width || most->rank == 0) return cut(line, width);
    fields.erase(most);
  }
}

std::string stage_line(const std::string& command, const progress::Stage& s, std::int64_t done, double seconds) {
  std::string line = "tsuchi " + command + ": " + s.did + " " + grouped(done) + " " + s.unit + " in " + seconds_text(seconds);
  if (seconds >= 1 && done > 0) line += " (" + rate_text(static_cast<double>(done) / seconds) + " " + s.unit + "/s)";
  return line;
}

// ---- ProgressDisplay ----

ProgressDisplay::ProgressDisplay(Options o) : o_(std::move(o)), started_(o_.clock()) {
  if (!o_.tty || o_.verbosity == Verbosity::quiet || o_.tick <= 0) return;
  ticker_ = std::thread([this] {
    std::unique_lock lock(m_);
    while (!stop_) {
      wake_.wait_for(lock, std::chrono::duration<double>(o_.tick), [this] { return stop_ || redraw_; });
      if (stop_) break;
      redraw_ = false;
      draw_locked();
    }
  });
}

ProgressDisplay::~ProgressDisplay() {
  {
    std::lock_guard lock(m_);
    stop_ = true;
    if (drawn_) write_locked(kClearLine);
    drawn_ = false;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressDisplay::start(const progress::Stage& s) {
  {
    std::lock_guard lock(m_);
    stage_ = s;
    total_ = s.total * 2 + (s.estimated ? 1 : 0);
    done_ = 0;
    half_ = 0;
    stage_start_ = o_.clock();
    meter_.start(stage_start_);
    active_ = true;
    redraw_ = true;
  }
  wake_.notify_all();
}

void ProgressDisplay::total(std::int64_t n, bool estimated) {
  auto now = total_.load();
  do {
    if (estimated && now % 2 == 0) return;  // an exact total stays
  } while (!total_.compare_exchange_weak(now, n * 2 + (estimated ? 1 : 0)));
}

void ProgressDisplay::advance(std::int64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }

void ProgressDisplay::halfway(std::int64_t n) { half_.fetch_add(n, std::memory_order_relaxed); }

void ProgressDisplay::detail(std::string_view line) {
  if (o_.verbosity != Verbosity::verbose) return;
  {
    std::lock_guard lock(m_);
    if (drawn_) write_locked(kClearLine);
    drawn_ = false;
    write_locked("tsuchi " + o_.command + ": " + std::string(line) + "\n");
    redraw_ = true;
  }
  wake_.notify_all();
}

void ProgressDisplay::end() {
  std::lock_guard lock(m_);
  if (!active_) return;
  active_ = false;
  if (drawn_) write_locked(kClearLine);
  drawn_ = false;
  const bool lines = o_.tty ? o_.verbosity == Verbosity::verbose : o_.verbosity != Verbosity::quiet;
  if (lines) write_locked(stage_line(o_.command, stage_, done_.load(), o_.clock() - stage_start_) + "\n");
}

Reading ProgressDisplay::reading() {
  std::lock_guard lock(m_);
  return reading_locked();
}

Reading ProgressDisplay::reading_locked() {
  const double now = o_.clock();
  const auto done = done_.load(std::memory_order_relaxed);
  const double first = stage_.first_step;
  const double work = first > 0 ? first * static_cast<double>(half_.load(std::memory_order_relaxed)) +
                                      (1 - first) * static_cast<double>(done)
                                : static_cast<double>(done);
  meter_.sample(now, work);
  const auto total = total_.load();
  Reading r{stage_.doing, stage_.unit, done, total / 2, total % 2 == 1, work, now - started_, meter_.rate(), std::nullopt};
  if (r.total > 0) r.eta = meter_.eta(static_cast<double>(r.total) - work);
  return r;
}

void ProgressDisplay::draw() {
  std::lock_guard lock(m_);
  draw_locked();
}

void ProgressDisplay::draw_locked() {
  if (!o_.tty || !active_ || o_.verbosity == Verbosity::quiet) return;
  const int width = o_.width > 0 ? o_.width : terminal_width(o_.out);
  // One column short of the edge: a line that fills it would wrap on some terminals.
  write_locked("\r" + status_line(reading_locked(), std::max(20, width - 1)) + "\x1b[K");
  drawn_ = true;
}

void ProgressDisplay::write_locked(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), o_.out);
  std::fflush(o_.out);
}

}  // namespace tsuchi::terminal
