// Progress of the long stages (reading the cases, checking them, rendering the pages), told to
// whoever watches: the terminal today, a browser console later. The stages know nothing of how it
// is shown. A Sink is called from worker threads: implementations must be thread-safe.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace tsuchi::progress {

struct Stage {
  std::string doing;  // "reading cases.csv": while it runs
  std::string did;    // "read": when it ends ("read 10,000 cases in 0.1 s")
  std::string unit;   // plural noun of what is counted: "cases", "pages"
  std::int64_t total = 0;
  bool estimated = false;  // total is a guess (shown as ~N) until total() says otherwise
  // The share of a unit's work in a first step (halfway) before it is done (a page drawn, then
  // checked); 0: one step. The rate and ETA count both, so they move from the first page drawn.
  double first_step = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void start(const Stage& s) = 0;                  // stages run one after another
  virtual void total(std::int64_t n, bool estimated) = 0;  // a better count of the current stage's units
  virtual void advance(std::int64_t n) = 0;                // n more units done
  virtual void halfway(std::int64_t n) = 0;                // n more units through their first step
  virtual void detail(std::string_view line) = 0;          // one finished piece (a batch), for --verbose
  virtual void end() = 0;                                  // the current stage is done
};

// Starts a stage on a sink that may be null, and ends it on every way out.
class Scope {
 public:
  Scope(Sink* sink, const Stage& s) : sink_(sink) {
    if (sink_) sink_->start(s);
  }
  ~Scope() { end(); }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  void advance(std::int64_t n) const {
    if (sink_) sink_->advance(n);
  }
  void halfway(std::int64_t n) const {
    if (sink_) sink_->halfway(n);
  }
  void end() {
    if (sink_) sink_->end();
    sink_ = nullptr;
  }

 private:
  Sink* sink_;
};

}  // namespace tsuchi::progress
