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

// Resolutions of the code regions handed to the decoders. Each is about 1.2-2x the lowest that
// decoded every one of 200 sub-pixel placements on the first pass (GS1-128 0.19 mm: 250 dpi;
// QR 0.5 mm: 125; customer barcode: 50); a code that fails is retried at twice the dpi.
struct Options {
  double dpi = 300;         // linear codes (GS1-128)
  double qr_dpi = 150;      // QR codes
  double postal_dpi = 100;  // Japan Post customer barcode (0.6 mm bars)
};

// Checks page count (total and per envelope), every code (decoded value == intended value;
// Japan Post bar states read back from the drawing), the text of each page against its runs,
// and that no 12-digit number with a valid My Number check digit appears anywhere.
// Thread-safe across calls: each call owns its Poppler document and renderer and shares no state,
// so different PDFs can be checked in parallel threads (one PDF is never shared between threads).
// Cost: one text pass per page plus one Poppler render per code region; a render costs 1-5 ms
// whatever its size, as page_renderer reloads the PDF's embedded fonts on every call.
Report check(std::string_view pdf, const typeset::Document& expected, const Options& opt = {});

// The My Number (個人番号) check digit test, exposed for tests and for ingest-side scans.
bool is_my_number(std::string_view twelve_digits);

}  // namespace tsuchi::preflight
