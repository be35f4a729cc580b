// Preflight: read the rendered PDF back with Poppler and compare it with the display list it was
// drawn from, before anything leaves the building (SPEC §5, §6).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/mynumber.hpp"
#include "display/display.hpp"

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
  int exact_renders = 0;  // code rasters Poppler rendered whole because text, an image or a clip touched them
  int from_samples = 0;   // codes read straight from the samples of their stencil mask (no rasterising)
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
  // A slice of the pages, so one PDF can be checked by several threads: pages
  // [first_page, first_page + page_count) (0-based; page_count < 0 = to the end). The slice that
  // starts at page 0 also checks the document as a whole (page count, envelope structure).
  int first_page = 0;
  int page_count = -1;
  // The run's input My Numbers as keyed digests: every page's text and every code read back is
  // scanned for them (null: no exact-match scan). Not owned; must outlive the check.
  const mynumber::Guard* my_numbers = nullptr;
};

// Checks page count (total and per envelope), every code (decoded value == intended value;
// Japan Post bar states read back from the drawing), the text of each page against its runs,
// that the ink of every run and code with bounds stays inside them (output_spec/preflight.md),
// that no free-text run (TextOrigin::free) holds a number passing the My Number check digit, and
// that none of `my_numbers` appears in any page's text or code (findings never quote the number).
// Thread-safe across calls: each call opens its own Poppler document over the shared bytes, so
// one PDF (or different PDFs) can be checked by slices in parallel threads.
// Cost: one interpretation of each page's content stream (text, plus the paths painted over the
// code regions, which are rasterised at the decoder's resolution without loading any font);
// a region that text, an image or a clip touches is rendered whole by Poppler instead (1-5 ms).
Report check(std::string_view pdf, const display::Document& expected, const Options& opt = {});

// One PDF opened once for several checks, typically the slices one thread takes from a batch:
// Poppler's parsed fonts, page interpreters and region renderers stay loaded between them.
// check(pdf, …) is Reader(pdf).check(…). Not for concurrent use; `pdf` must outlive the Reader.
class Reader {
 public:
  explicit Reader(std::string_view pdf);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  Report check(const display::Document& expected, const Options& opt = {});

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsuchi::preflight
