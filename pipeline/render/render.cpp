// Render: the display list drawn with Cairo's PDF surface, streamed to the caller's sink.
#include "render/render.hpp"

#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <map>
#include <memory>
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
};

void draw_runs(cairo_t* cr, const std::vector<display::GlyphRun>& runs, Resources& res, Diagnostics& problems) {
  std::vector<cairo_glyph_t> glyphs;
  std::vector<cairo_text_cluster_t> clusters;
  for (const display::GlyphRun& run : runs) {
    if (run.glyphs.empty()) continue;
    cairo_font_face_t* face = res.font(run.face, problems);
    if (!face) continue;
    glyphs.clear();
    clusters.clear();
    for (const display::Glyph& g : run.glyphs) glyphs.push_back({g.id, g.x, g.y});
    for (const display::Cluster& c : run.clusters) clusters.push_back({c.bytes, c.glyphs});
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
    cairo_show_text_glyphs(cr, run.text.data(), static_cast<int>(run.text.size()), glyphs.data(),
                           static_cast<int>(glyphs.size()), clusters.data(), static_cast<int>(clusters.size()),
                           static_cast<cairo_text_cluster_flags_t>(0));
  }
}

void draw_rects(cairo_t* cr, const std::vector<display::Rect>& rects) {
  for (std::size_t i = 0; i < rects.size();) {
    const display::Rect& r = rects[i];
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
    while (j < rects.size() && rects[j].fill && rects[j].gray == r.gray) ++j;
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
    FontOptions fo(cairo_font_options_create());
    // Positions come from HarfBuzz in design units; hinting would only disturb them.
    cairo_font_options_set_hint_style(fo.get(), CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo.get(), CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr.get(), fo.get());
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
