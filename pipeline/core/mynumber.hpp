// My Number (個人番号): the one home of its check digit, its masking and the leak scan (SPEC §3, §6).
// Two kinds of scan, for two kinds of text:
//  - free text (names, addresses, reasons, template wording) gets the check-digit heuristic:
//    any 12-digit number a reader would take for a My Number and that passes the check digit;
//  - every output (free text, codes, insertion lists, manifests) gets the exact-match scan against
//    the run's own input My Numbers, which are kept only as keyed digests (Guard).
// Structured codes of known provenance (customer-barcode data, GS1 payloads, envelope ids) can be
// 12 digits that pass the check digit by chance (1 in 11), so they get only the exact-match scan.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace tsuchi::mynumber {

// True when `twelve` is exactly 12 ASCII digits whose last is the check digit of the first 11
// (weights Qn = n+1 for n <= 6, n-5 for 7 <= n <= 11, counted from the right; output_spec/my-number.md).
bool valid(std::string_view twelve);

// A number in UTF-8 text that a reader would take for a My Number: a maximal run of exactly 12
// digits (ASCII or full-width), or three groups of 4 joined by a space, U+3000 or a hyphen.
struct Candidate {
  std::size_t begin = 0, end = 0;  // byte range in the text, separators included
  std::string digits;              // the 12 ASCII digits
};

// The first candidate that passes the check digit (the free-text heuristic), if any.
std::optional<Candidate> find(std::string_view utf8);

// `utf8` with every candidate that passes the check digit shown as its first 4 digits and
// 8 asterisks ("1234********"), so messages can quote a value without repeating a My Number.
std::string mask(std::string_view utf8);

// The run's input My Numbers as keyed BLAKE2b digests. The key is random per Guard and lives only
// in this object's memory: nothing it holds can be turned back into a number or matched later.
class Guard {
 public:
  Guard();
  ~Guard();
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  Guard(Guard&&) noexcept = default;
  Guard& operator=(Guard&&) noexcept = default;

  // Adds a 12-digit number (ignored unless it is exactly 12 ASCII digits).
  void add(std::string_view twelve);
  std::size_t size() const { return digests_.size(); }
  bool empty() const { return digests_.empty(); }

  // True when any 12 consecutive digits of `text` (ASCII or full-width, across the separators of
  // a grouped number) equal an added number. Works on any bytes: UTF-8 text, CSV, JSON, codes.
  bool contains(std::string_view text) const;

 private:
  std::string digest(std::string_view twelve) const;
  std::array<unsigned char, 32> key_{};
  std::unordered_set<std::string> digests_;
};

}  // namespace tsuchi::mynumber
