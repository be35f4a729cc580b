#include "core/mynumber.hpp"

#include <sodium.h>

#include <stdexcept>
#include <vector>

#include "core/utf8.hpp"

namespace tsuchi::mynumber {
namespace {

int digit_value(char32_t c) {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);  // full-width digits
  return -1;
}

bool is_group_separator(char32_t c) {
  return c == U' ' || c == 0x3000 || c == U'-' || c == 0xFF0D || c == 0x2212 || (c >= 0x2010 && c <= 0x2015);
}

// A printed number: digit groups joined by separators ("1234 5678 9018", "123456789018").
struct Group {
  std::size_t begin, end;  // bytes
  std::string digits;      // ASCII
};
using Chain = std::vector<Group>;

// Calls f(chain) for every chain of `s`; stops early when f returns true.
template <class F>
bool each_chain(std::string_view s, F&& f) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t at = i;
    if (digit_value(utf8::next(s, i)) < 0) continue;
    i = at;
    Chain chain;
    while (true) {
      Group g{i, i, {}};
      while (i < s.size()) {
        std::size_t j = i;
        int d = digit_value(utf8::next(s, j));
        if (d < 0) break;
        g.digits.push_back(static_cast<char>('0' + d));
        i = j;
      }
      g.end = i;
      chain.push_back(std::move(g));
      // Up to three separators: a text layer may add a space beside a printed one.
      std::size_t j = i;
      int seps = 0;
      while (j < s.size() && seps < 3) {
        std::size_t k = j;
        if (!is_group_separator(utf8::next(s, k))) break;
        j = k;
        ++seps;
      }
      std::size_t k = j;
      if (seps > 0 && j < s.size() && digit_value(utf8::next(s, k)) >= 0) {
        i = j;
        continue;
      }
      break;
    }
    if (f(chain)) return true;
  }
  return false;
}

// Candidates a reader would see in one chain: a group of exactly 12 digits, or three consecutive
// groups of exactly 4.
template <class F>
bool each_candidate(const Chain& chain, F&& f) {
  for (std::size_t g = 0; g < chain.size(); ++g) {
    if (chain[g].digits.size() == 12 && f(Candidate{chain[g].begin, chain[g].end, chain[g].digits})) return true;
    if (g + 2 < chain.size() && chain[g].digits.size() == 4 && chain[g + 1].digits.size() == 4 &&
        chain[g + 2].digits.size() == 4 &&
        f(Candidate{chain[g].begin, chain[g + 2].end, chain[g].digits + chain[g + 1].digits + chain[g + 2].digits}))
      return true;
  }
  return false;
}

}  // namespace

bool valid(std::string_view d) {
  if (d.size() != 12) return false;
  for (char c : d)
    if (c < '0' || c > '9') return false;
  // P_n is the n-th of the first 11 digits counted from the right; Q_n its weight.
  int sum = 0;
  for (int n = 1; n <= 11; ++n) sum += (d[11 - n] - '0') * (n <= 6 ? n + 1 : n - 5);
  const int r = sum % 11;
  return d[11] - '0' == (r <= 1 ? 0 : 11 - r);
}

std::optional<Candidate> find(std::string_view utf8_text) {
  std::optional<Candidate> found;
  each_chain(utf8_text, [&](const Chain& chain) {
    return each_candidate(chain, [&](Candidate c) {
      if (!valid(c.digits)) return false;
      found = std::move(c);
      return true;
    });
  });
  return found;
}

std::string mask(std::string_view s) {
  std::vector<Candidate> hits;
  each_chain(s, [&](const Chain& chain) {
    each_candidate(chain, [&](Candidate c) {
      if (valid(c.digits) && (hits.empty() || c.begin >= hits.back().end)) hits.push_back(std::move(c));
      return false;
    });
    return false;
  });
  std::string out;
  std::size_t at = 0;
  for (const auto& h : hits) {
    out.append(s.substr(at, h.begin - at));
    out += h.digits.substr(0, 4) + "********";
    at = h.end;
  }
  out.append(s.substr(at));
  return out;
}

Guard::Guard() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  randombytes_buf(key_.data(), key_.size());
}

Guard::~Guard() { sodium_memzero(key_.data(), key_.size()); }

std::string Guard::digest(std::string_view twelve) const {
  unsigned char out[16];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(twelve.data()), twelve.size(),
                     key_.data(), key_.size());
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

void Guard::add(std::string_view twelve) {
  if (twelve.size() != 12) return;
  for (char c : twelve)
    if (c < '0' || c > '9') return;
  digests_.insert(digest(twelve));
}

bool Guard::contains(std::string_view text) const {
  if (digests_.empty()) return false;
  return each_chain(text, [&](const Chain& chain) {
    std::string all;
    for (const auto& g : chain) all += g.digits;
    for (std::size_t k = 0; k + 12 <= all.size(); ++k)
      if (digests_.count(digest(std::string_view(all).substr(k, 12)))) return true;
    return false;
  });
}

}  // namespace tsuchi::mynumber
