// Render: a display-list Document drawn into PDF bytes with Cairo. It draws exactly the display
// list: glyph runs with their clusters (cairo_show_text_glyphs), rects, images. Fonts are
// embedded once per PDF as subsets; output is deterministic for the same input.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "display/display.hpp"

namespace tsuchi::render {

struct PdfOptions {
  std::string title = "tsuchi";
  std::string creation_date = "2000-01-01T00:00:00";  // fixed so the same input gives the same bytes
};

// Streams the PDF to `sink` as Cairo produces it (nothing is written to disk here).
Checked<bool> pdf(const display::Document& doc, const PdfOptions& opt,
                  const std::function<void(std::string_view)>& sink);

// Font faces opened once and reused by every PDF that one thread writes. Cairo caches glyphs per
// font face and keeps a dropped face's caches for a while, so a new face per document made memory
// grow with the number of batches. One per thread: not for concurrent use.
class FontCache {
 public:
  FontCache();
  ~FontCache();
  FontCache(const FontCache&) = delete;
  FontCache& operator=(const FontCache&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }
 private:
  std::unique_ptr<Impl> impl_;
};

// The same PDF written a page at a time, so a caller never holds a whole batch's display lists:
// each page can be dropped once added. pdf() is this writer over doc.pages.
class PdfWriter {
 public:
  // `fonts` (optional, outliving the writer) lends faces opened for earlier documents.
  PdfWriter(std::vector<display::Face> faces, const PdfOptions& opt, std::function<void(std::string_view)> sink,
            FontCache* fonts = nullptr);
  ~PdfWriter();
  PdfWriter(const PdfWriter&) = delete;
  PdfWriter& operator=(const PdfWriter&) = delete;

  void add(const display::Page& page);  // draws the page and hands its bytes to the sink
  Checked<bool> finish();               // fonts, cross-references; then the writer is spent

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

// Convenience: the whole PDF in memory.
Checked<std::string> pdf_bytes(const display::Document& doc, const PdfOptions& opt = {});

}  // namespace tsuchi::render
