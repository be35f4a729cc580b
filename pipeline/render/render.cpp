// Render: the display list drawn with Cairo's PDF surface, streamed to the caller's sink.
#include "render/render.hpp"

#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/handle.hpp"

namespace tsuchi::render {

namespace {

using Surface = Handle<cairo_surface_t, cairo_surface_destroy>;
using Context = Handle<cairo_t, cairo_destroy>;
using FontFace = Handle<cairo_font_face_t, cairo_font_face_destroy>;
using FontOptions = Handle<cairo_font_options_t, cairo_font_options_destroy>;

// The FT_Face behind a cairo font face, released when Cairo drops the face. Cairo may keep a
// font face cached after this document is finished, so each face owns its FreeType library
// (FT_Face is not thread-safe either, so nothing is shared between documents).
struct FtFaceHold {
  FT_Library lib = nullptr;
  FT_Face face = nullptr;
};
void release_face(void* p) {
  auto* h = static_cast<FtFaceHold*>(p);
  if (h->face) FT_Done_Face(h->face);
  if (h->lib) FT_Done_FreeType(h->lib);
  delete h;
}
// Cairo identifies user data by the key's address; the key itself holds no state.
const cairo_user_data_key_t kFtFaceKey{};

Diagnostic problem(const std::string& value, const std::string& reason) {
  Diagnostic d;
  d.file = "(render)";
  d.value = value;
  d.reason = reason;
  return d;
}

FontFace open_face(const display::Face& f, Diagnostics& problems) {
  auto* hold = new FtFaceHold;
  if (FT_Init_FreeType(&hold->lib) != 0 || FT_New_Face(hold->lib, f.path.c_str(), f.index, &hold->face) != 0) {
    release_face(hold);
    problems.push_back(problem(f.path, "cannot open font file"));
    return nullptr;
  }
  FontFace cf(cairo_ft_font_face_create_for_ft_face(hold->face, FT_LOAD_NO_HINTING));
  if (cairo_font_face_set_user_data(cf.get(), &kFtFaceKey, hold, release_face) != CAIRO_STATUS_SUCCESS) {
    release_face(hold);
    problems.push_back(problem(f.path, "cairo could not take the font face"));
    return nullptr;
  }
  return cf;
}

}  // namespace

struct FontCache::Impl {
  std::map<std::pair<std::string, int>, FontFace> faces;  // (file, face index)
};

FontCache::FontCache() : impl_(std::make_unique<Impl>()) {}
FontCache::~FontCache() = default;

namespace {

// Per document: Cairo embeds one font subset per cairo_font_face, and one image per surface,
// so each face and each image is created once here and reused on every page.
class Resources {
 public:
  Resources(std::vector<display::Face> faces, FontCache::Impl* cache)
      : faces_(std::move(faces)), fonts_(faces_.size()), cache_(cache) {}

  cairo_font_face_t* font(int index, Diagnostics& problems) {
    if (index < 0 || static_cast<std::size_t>(index) >= fonts_.size()) {
      problems.push_back(problem(std::to_string(index), "glyph run names a face the document does not list"));
      return nullptr;
    }
    if (fonts_[index]) return fonts_[index].get();
    const display::Face& f = faces_[index];
    if (cache_) {
      auto& cached = cache_->faces[{f.path, f.index}];
      if (!cached) cached = open_face(f, problems);
      if (cached) fonts_[index].reset(cairo_font_face_reference(cached.get()));
    } else {
      fonts_[index] = open_face(f, problems);
    }
    return fonts_[index].get();
  }

  // A shared form as a recording surface: Cairo writes it once as a form XObject and each
  // placement as a reference to it (the surface is the same object on every page).
  template <class Draw>
  cairo_surface_t* form(const std::shared_ptr<const display::Form>& f, const Draw& draw) {
    auto it = forms_.find(f.get());
    if (it == forms_.end()) {
      // Bounded, so the XObject has a /BBox: ±2000 pt holds any form of any page around its origin.
      const cairo_rectangle_t extents{-2000, -2000, 4000, 4000};
      Surface s(cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents));
      draw(s.get(), *f);
      it = forms_.emplace(f.get(), std::pair{f, std::move(s)}).first;
    }
    return it->second.second.get();
  }

  cairo_surface_t* image(const std::string& path, Diagnostics& problems) {
    auto it = images_.find(path);
    if (it == images_.end()) {
      Surface s(cairo_image_surface_create_from_png(path.c_str()));
      if (cairo_surface_status(s.get()) != CAIRO_STATUS_SUCCESS) {
        problems.push_back(problem(path, std::string("cannot read PNG: ") +
                                             cairo_status_to_string(cairo_surface_status(s.get()))));
        s.reset();
      }
      it = images_.emplace(path, std::move(s)).first;
    }
    return it->second.get();
  }

 private:
  std::vector<display::Face> faces_;
  std::vector<FontFace> fonts_;
  FontCache::Impl* cache_;
  std::map<std::string, Surface> images_;
  // Keyed by the Form itself, which the entry keeps alive so its address cannot be reused.
  std::map<const display::Form*, std::pair<std::shared_ptr<const display::Form>, Surface>> forms_;
};

// Positions come from HarfBuzz in design units; hinting would only disturb them.
void no_hinting(cairo_t* cr) {
  FontOptions fo(cairo_font_options_create());
  cairo_font_options_set_hint_style(fo.get(), CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo.get(), CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr, fo.get());
}

// Consecutive runs in one face, size, 長体 and colour go to Cairo as one call: each call costs
// Cairo an operation of its own (analysis, a text object, a region union) whatever its length,
// and a page has many short runs (cell values, digits set apart from kanji). The glyphs keep
// their positions and each its cluster of text, so the PDF shows and reads back the same.
void draw_runs(cairo_t* cr, const std::vector<display::GlyphRun>& runs, Resources& res, Diagnostics& problems) {
  std::vector<cairo_glyph_t> glyphs;
  std::vector<cairo_text_cluster_t> clusters;
  std::string text;
  auto same_style = [](const display::GlyphRun& a, const display::GlyphRun& b) {
    return a.face == b.face && a.size == b.size && a.hscale == b.hscale && a.gray == b.gray && a.alert == b.alert;
  };
  for (std::size_t i = 0; i < runs.size();) {
    const display::GlyphRun& run = runs[i];
    std::size_t j = i + 1;
    while (j < runs.size() && same_style(runs[j], run)) ++j;
    cairo_font_face_t* face = res.font(run.face, problems);
    glyphs.clear();
    clusters.clear();
    text.clear();
    for (std::size_t k = i; k < j; ++k) {
      if (runs[k].glyphs.empty()) continue;
      for (const display::Glyph& g : runs[k].glyphs) glyphs.push_back({g.id, g.x, g.y});
      for (const display::Cluster& c : runs[k].clusters) clusters.push_back({c.bytes, c.glyphs});
      text += runs[k].text;
    }
    i = j;
    if (!face || glyphs.empty()) continue;
    cairo_set_font_face(cr, face);
    // 長体: the outlines are condensed by the font matrix, so ink, advances and the PDF's text
    // matrix agree (a reader's copy-paste and preflight's read-back see the condensed widths).
    cairo_matrix_t fm;
    cairo_matrix_init_scale(&fm, run.size * (run.hscale > 0 ? run.hscale : 1.0), run.size);
    cairo_set_font_matrix(cr, &fm);
    if (run.alert)
      cairo_set_source_rgb(cr, 0.8, 0, 0);
    else
      cairo_set_source_rgb(cr, run.gray, run.gray, run.gray);
    // With clusters Cairo writes each glyph's exact source text (ToUnicode, or ActualText
    // where one glyph serves two texts, e.g. 子 and the Kangxi radical ⼦ in IPAex).
    cairo_show_text_glyphs(cr, text.data(), static_cast<int>(text.size()), glyphs.data(),
                           static_cast<int>(glyphs.size()), clusters.data(), static_cast<int>(clusters.size()),
                           static_cast<cairo_text_cluster_flags_t>(0));
  }
}

// A barcode symbol as a bilevel image mask, one sample per module (rows: the smallest band the
// bars' edges make), when every edge lies on that grid to within a millionth of a module: the
// same ink as the rects, written as a few hundred bytes of bits instead of four numbers a bar,
// which Cairo formats one by one and preflight parses back (bars were three quarters of
// rendering a page). False, with nothing drawn, when the rects are not on such a grid.
bool draw_symbol_mask(cairo_t* cr, const display::Rect* rects, std::size_t n) {
  // The unit of one axis: the smallest gap between distinct edges, which every edge must be a
  // whole multiple of from the first.
  auto axis = [](std::vector<double> edges, double& origin, double& unit, int& count) {
    std::sort(edges.begin(), edges.end());
    origin = edges.front();
    unit = 0;
    for (std::size_t k = 1; k < edges.size(); ++k) {
      const double gap = edges[k] - edges[k - 1];
      if (gap > 1e-6 && (unit == 0 || gap < unit)) unit = gap;
    }
    if (unit <= 0) return false;
    for (double e : edges) {
      const double m = (e - origin) / unit;
      if (std::abs(m - std::round(m)) > 1e-6) return false;
    }
    count = static_cast<int>(std::lround((edges.back() - origin) / unit));
    return count > 0 && count <= 4096;
  };
  std::vector<double> xs, ys;
  for (std::size_t k = 0; k < n; ++k) {
    if (rects[k].w <= 0 || rects[k].h <= 0) return false;
    xs.push_back(rects[k].x), xs.push_back(rects[k].x + rects[k].w);
    ys.push_back(rects[k].y), ys.push_back(rects[k].y + rects[k].h);
  }
  double x0, y0, mx, my;
  int cols, rows;
  if (!axis(xs, x0, mx, cols) || !axis(ys, y0, my, rows)) return false;
  Surface mask(cairo_image_surface_create(CAIRO_FORMAT_A1, cols, rows));
  if (cairo_surface_status(mask.get()) != CAIRO_STATUS_SUCCESS) return false;
  cairo_surface_flush(mask.get());
  unsigned char* data = cairo_image_surface_get_data(mask.get());
  const int stride = cairo_image_surface_get_stride(mask.get());
  for (std::size_t k = 0; k < n; ++k) {
    const int c0 = static_cast<int>(std::lround((rects[k].x - x0) / mx));
    const int c1 = static_cast<int>(std::lround((rects[k].x + rects[k].w - x0) / mx));
    const int r0 = static_cast<int>(std::lround((rects[k].y - y0) / my));
    const int r1 = static_cast<int>(std::lround((rects[k].y + rects[k].h - y0) / my));
    for (int row = r0; row < r1; ++row) {
      auto* words = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(row) * stride);
      // A1 packs pixels into native-endian 32-bit words, the first pixel in the lowest bit here.
      for (int col = c0; col < c1; ++col) words[col >> 5] |= std::uint32_t{1} << (col & 31);
    }
  }
  cairo_surface_mark_dirty(mask.get());
  using Pattern = Handle<cairo_pattern_t, cairo_pattern_destroy>;
  Pattern pattern(cairo_pattern_create_for_surface(mask.get()));
  cairo_pattern_set_filter(pattern.get(), CAIRO_FILTER_NEAREST);  // /Interpolate false: sharp module edges
  cairo_save(cr);
  cairo_translate(cr, x0, y0);
  cairo_scale(cr, mx, my);
  cairo_set_source_rgb(cr, rects[0].gray, rects[0].gray, rects[0].gray);
  cairo_mask(cr, pattern.get());
  cairo_restore(cr);
  return true;
}

void draw_rects(cairo_t* cr, const std::vector<display::Rect>& rects) {
  for (std::size_t i = 0; i < rects.size();) {
    const display::Rect& r = rects[i];
    if (r.symbol != 0 && r.fill) {
      std::size_t j = i;
      while (j < rects.size() && rects[j].symbol == r.symbol && rects[j].fill && rects[j].gray == r.gray) ++j;
      if (j - i >= 8 && draw_symbol_mask(cr, &rects[i], j - i)) {
        i = j;
        continue;
      }
    }
    cairo_set_source_rgb(cr, r.gray, r.gray, r.gray);
    if (!r.fill) {
      cairo_rectangle(cr, r.x, r.y, r.w, r.h);
      cairo_set_line_width(cr, r.stroke_width);
      cairo_stroke(cr);
      ++i;
      continue;
    }
    // A run of filled rects of one gray can be painted in any order. Writing numbers is most of
    // the cost of a page, and every Cairo drawing operation has its own: a lone rect is written
    // as "x y w h re f"; many (barcode bars and modules) become one butt-capped stroke per bar
    // height, each bar a horizontal segment through its middle as wide as the bar is high,
    // which covers exactly the bar, in four numbers a bar and one operation for a whole symbol.
    std::size_t j = i;
    while (j < rects.size() && rects[j].fill && rects[j].gray == r.gray && rects[j].symbol == r.symbol) ++j;
    if (j - i < 8) {
      for (; i < j; ++i) {
        cairo_rectangle(cr, rects[i].x, rects[i].y, rects[i].w, rects[i].h);
        cairo_fill(cr);
      }
      continue;
    }
    std::vector<double> heights;  // an empty rect paints nothing, but a stroke 0 wide is a hairline
    for (std::size_t k = i; k < j; ++k)
      if (rects[k].w > 0 && rects[k].h > 0 && std::find(heights.begin(), heights.end(), rects[k].h) == heights.end())
        heights.push_back(rects[k].h);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    for (double h : heights) {
      for (std::size_t k = i; k < j; ++k)
        if (rects[k].h == h && rects[k].w > 0) {
          cairo_move_to(cr, rects[k].x, rects[k].y + h / 2);
          cairo_line_to(cr, rects[k].x + rects[k].w, rects[k].y + h / 2);
        }
      cairo_set_line_width(cr, h);
      cairo_stroke(cr);
    }
    i = j;
  }
}

void draw_images(cairo_t* cr, const std::vector<display::Image>& images, Resources& res, Diagnostics& problems) {
  for (const display::Image& im : images) {
    cairo_surface_t* s = res.image(im.png_path, problems);
    if (!s) continue;
    const int iw = cairo_image_surface_get_width(s), ih = cairo_image_surface_get_height(s);
    if (iw <= 0 || ih <= 0 || im.w <= 0 || im.h <= 0) continue;
    cairo_save(cr);
    cairo_translate(cr, im.x, im.y);
    cairo_scale(cr, im.w / iw, im.h / ih);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
  }
}

struct Sink {
  const std::function<void(std::string_view)>* fn;
  bool failed = false;
};

cairo_status_t write_to_sink(void* closure, const unsigned char* data, unsigned int length) {
  auto* sink = static_cast<Sink*>(closure);
  try {
    (*sink->fn)(std::string_view(reinterpret_cast<const char*>(data), length));
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {  // nothing may unwind through Cairo's C frames
    sink->failed = true;
    return CAIRO_STATUS_WRITE_ERROR;
  }
}

}  // namespace

struct PdfWriter::Impl {
  std::function<void(std::string_view)> fn;
  Sink closure{&fn};
  Resources res;
  Surface surface;
  Context cr;
  Diagnostics problems;
  int pages = 0;
  bool finished = false;

  Impl(std::vector<display::Face> faces, const PdfOptions& opt, std::function<void(std::string_view)> sink,
       FontCache* fonts)
      : fn(std::move(sink)), res(std::move(faces), fonts ? &fonts->impl() : nullptr) {
    // Every page sets its own size before it is drawn, so the surface's first size is only a default.
    surface.reset(cairo_pdf_surface_create_for_stream(write_to_sink, &closure, 595.2756, 841.8898));
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, opt.title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "tsuchi " TSUCHI_VERSION);
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, opt.creation_date.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_MOD_DATE, opt.creation_date.c_str());
    cr.reset(cairo_create(surface.get()));
    no_hinting(cr.get());
  }
};

PdfWriter::PdfWriter(std::vector<display::Face> faces, const PdfOptions& opt,
                     std::function<void(std::string_view)> sink, FontCache* fonts)
    : impl_(std::make_unique<Impl>(std::move(faces), opt, std::move(sink), fonts)) {}

PdfWriter::~PdfWriter() {
  if (impl_ && !impl_->finished) finish();
}

void PdfWriter::add(const display::Page& page) {
  Impl& w = *impl_;
  if (w.finished || cairo_status(w.cr.get()) != CAIRO_STATUS_SUCCESS) return;  // the error is already noted
  ++w.pages;
  cairo_pdf_surface_set_size(w.surface.get(), page.width, page.height);
  for (const auto& placed : page.forms) {
    if (!placed.form) continue;
    cairo_surface_t* form = w.res.form(placed.form, [&](cairo_surface_t* rec, const display::Form& f) {
      Context fc(cairo_create(rec));
      no_hinting(fc.get());
      draw_rects(fc.get(), f.rects);
      draw_runs(fc.get(), f.runs, w.res, w.problems);
    });
    cairo_save(w.cr.get());
    cairo_translate(w.cr.get(), placed.x, placed.y);
    cairo_set_source_surface(w.cr.get(), form, 0, 0);
    cairo_paint(w.cr.get());
    cairo_restore(w.cr.get());
  }
  // Images last: the official seal (公印) is printed over the issuer's name.
  draw_rects(w.cr.get(), page.rects);
  draw_runs(w.cr.get(), page.runs, w.res, w.problems);
  draw_images(w.cr.get(), page.images, w.res, w.problems);
  cairo_show_page(w.cr.get());
  if (cairo_status(w.cr.get()) != CAIRO_STATUS_SUCCESS)
    w.problems.push_back(problem("page " + std::to_string(w.pages),
                                 std::string("cairo: ") + cairo_status_to_string(cairo_status(w.cr.get()))));
}

Checked<bool> PdfWriter::finish() {
  Impl& w = *impl_;
  Checked<bool> out;
  if (w.finished) {
    out.problems.push_back(problem("", "the PDF was already finished"));
    return out;
  }
  w.finished = true;
  w.cr.reset();
  cairo_surface_finish(w.surface.get());
  out.problems = std::move(w.problems);
  if (w.closure.failed) out.problems.push_back(problem("", "the PDF sink failed"));
  else if (cairo_surface_status(w.surface.get()) != CAIRO_STATUS_SUCCESS)
    out.problems.push_back(
        problem("", std::string("cairo: ") + cairo_status_to_string(cairo_surface_status(w.surface.get()))));
  w.surface.reset();
  out.value = out.ok();
  return out;
}

Checked<bool> pdf(const display::Document& doc, const PdfOptions& opt,
                  const std::function<void(std::string_view)>& sink) {
  PdfWriter writer(doc.faces, opt, sink);
  for (const auto& page : doc.pages) writer.add(page);
  return writer.finish();
}

Checked<std::string> pdf_bytes(const display::Document& doc, const PdfOptions& opt) {
  Checked<std::string> out;
  auto r = pdf(doc, opt, [&](std::string_view b) { out.value.append(b); });
  out.problems = std::move(r.problems);
  return out;
}

}  // namespace tsuchi::render
