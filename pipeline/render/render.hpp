// Render: a typeset Document drawn into PDF bytes with Cairo. It draws exactly the display
// list: glyph runs with their clusters (cairo_show_text_glyphs), rects, images. Fonts are
// embedded once per PDF as subsets; output is deterministic for the same input.
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "typeset/typeset.hpp"

namespace tsuchi::render {

struct PdfOptions {
  std::string title = "tsuchi";
  std::string creation_date = "2000-01-01T00:00:00";  // fixed so the same input gives the same bytes
};

// Streams the PDF to `sink` as Cairo produces it (nothing is written to disk here).
Checked<bool> pdf(const typeset::Document& doc, const PdfOptions& opt,
                  const std::function<void(std::string_view)>& sink);

// Convenience: the whole PDF in memory.
Checked<std::string> pdf_bytes(const typeset::Document& doc, const PdfOptions& opt = {});

}  // namespace tsuchi::render
