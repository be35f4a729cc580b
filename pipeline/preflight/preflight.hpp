// Preflight: read the rendered PDF back with Poppler and compare it with the display list it was
// drawn from, before anything leaves the building (SPEC §5, §6).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "typeset/typeset.hpp"

namespace tsuchi::preflight {

struct Finding {
  std::string envelope_id;  // no personal data
  int page = 0;             // 1-based page in the PDF
  int page_in_envelope = 0;
  std::string what;         // e.g. "GS1-128 decoded 9191…0003, expected 9191…0004"
};

struct Report {
  int pages = 0;
  int codes_checked = 0;
  std::vector<Finding> findings;  // empty = pass
  bool ok() const { return findings.empty(); }
};

struct Options {
  double dpi = 300;  // resolution of the code regions handed to the decoder
};

// Checks page count (total and per envelope), every code (decoded value == intended value;
// Japan Post bar states read back from the drawing), the text of each page against its runs,
// and that no 12-digit number with a valid My Number check digit appears anywhere.
Report check(std::string_view pdf, const typeset::Document& expected, const Options& opt = {});

// The My Number (個人番号) check digit test, exposed for tests and for ingest-side scans.
bool is_my_number(std::string_view twelve_digits);

}  // namespace tsuchi::preflight
