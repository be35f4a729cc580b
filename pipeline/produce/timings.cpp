#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "produce/internal.hpp"

namespace tsuchi::produce::detail {

Diagnostic stage_error(const std::string& where, const std::string& reason) {
  Diagnostic d;
  d.file = where;
  d.reason = reason;
  return d;
}

// CPU time of the calling thread: parallel stages are summed over the worker threads.
double thread_cpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

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

}  // namespace tsuchi::produce::detail
