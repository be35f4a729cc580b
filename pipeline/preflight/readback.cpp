// Poppler's private API (libpoppler-private-dev, pinned with Debian): poppler-cpp can only render
// whole pages with every font loaded, which made preflight the slowest stage by far.
#include "preflight/readback.hpp"
#include "core/handle.hpp"

#include <Gfx.h>
#include <GfxFont.h>
#include <GfxState.h>
#include <GlobalParams.h>
#include <OutputDev.h>
#include <PDFDoc.h>
#include <Page.h>
#include <SplashOutputDev.h>
#include <Stream.h>
#include <UTF.h>
#include <cairo.h>
#include <splash/SplashBitmap.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <tuple>

namespace tsuchi::preflight::detail {
namespace {

// Poppler reports malformed input on stderr by default; preflight turns it into findings instead.
void quiet(ErrorCategory, Goffset, const char*) {}

struct Extent {
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  void add(double x, double y) {
    x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
  }
  bool overlaps(const Box& b) const { return x1 > b.x && x0 < b.x + b.w && y1 > b.y && y0 < b.y + b.h; }
};

// Where the glyph may have ink, for upright text: vertically its font's bounding box (the union
// of every glyph's), horizontally its advance (side bearings reach past it by a few hundredths of
// an em, well inside any code's quiet zone), or the font box for a glyph that does not advance.
// Other text gets a wide box. Any overlap renders that code exactly.
Extent glyph_extent(GfxState* state, double px, double py, double adx, double size) {
  Extent e;
  double m11, m12, m21, m22;
  state->getFontTransMat(&m11, &m12, &m21, &m22);
  const double* bbox = state->getFont() ? state->getFont()->getFontBBox() : nullptr;
  const bool upright = m11 > 0 && m22 < 0 && std::abs(m12) < 1e-3 && std::abs(m21) < 1e-3;
  if (upright && bbox && bbox[2] > bbox[0] && bbox[3] > bbox[1]) {
    const double sx = m11, sy = -m22;  // device units per text space unit (font size and scaling)
    const bool advances = std::abs(adx) > 0.1 * size;
    e.add(advances ? std::min(px, px + adx) : px + bbox[0] * sx, py - bbox[3] * sy);
    e.add(advances ? std::max(px, px + adx) : px + bbox[2] * sx, py - bbox[1] * sy);
  } else {
    e.add(px - 2 * size, py - 2 * size);
    e.add(px + adx + 2 * size, py + 2 * size);
  }
  return e;
}

// The forms of one PDF, by object number: read once, placed many times.
struct FormRegistry {
  std::map<std::pair<int, int>, int> ids;  // (num, gen) -> index
  std::vector<FormReading> forms;
};

Box box_of(const Extent& e) { return {e.x0, e.y0, e.x1 - e.x0, e.y1 - e.y0}; }
bool overlaps(const Box& a, const Box& b) {
  return a.x + a.w > b.x && a.x < b.x + b.w && a.y + a.h > b.y && a.y < b.y + b.h;
}

// Collects one page: the text of every glyph shown, and the paths painted over the code regions.
// Nothing is rasterised here and no font file is ever opened.
class Capture final : public OutputDev {
 public:
  // The interpreter this capture serves and the document's forms (for drawForm).
  void attach(Gfx* gfx, XRef* xref, FormRegistry* forms) {
    gfx_ = gfx;
    xref_ = xref;
    registry_ = forms;
  }

  // Points the capture at the next page (a Gfx and its capture serve every page that shares
  // their resources, see Document::read).
  void begin(PageReading& out, const std::vector<Box>& regions) {
    out_ = &out;
    regions_ = &regions;
    out.exact.assign(regions.size(), false);
    have_pen_ = in_actual_ = actual_started_ = false;
  }

  bool upsideDown() override { return true; }  // device space = the display list's: y down, in points
  bool useDrawChar() override { return true; }
  // Form XObjects come to drawForm() instead of being interpreted on every page.
  bool useDrawForm() override { return gfx_ != nullptr && registry_ != nullptr; }

  void drawForm(Ref ref) override {
    if (form_mode_) {  // a form inside a form: tsuchi's PDFs have none
      form_->problem = "a form XObject inside another";
      return;
    }
    GfxState* state = gfx_->getState();
    double ox, oy, ax, ay, bx, by;
    state->transform(0, 0, &ox, &oy);
    state->transformDelta(1, 0, &ax, &ay);
    state->transformDelta(0, 1, &bx, &by);
    auto [it, fresh] = registry_->ids.emplace(std::pair{ref.num, ref.gen}, static_cast<int>(registry_->forms.size()));
    if (fresh) registry_->forms.push_back(read_form(ref, ox, oy, {ax, ay, bx, by}));
    const FormReading& f = registry_->forms[it->second];
    Placed placed{it->second, ox, oy, true};
    const double now[4] = {ax, ay, bx, by};
    for (int i = 0; i < 4; ++i) placed.same_linear = placed.same_linear && std::abs(now[i] - f.linear[i]) < 1e-6;
    out_->forms.push_back(placed);
    // What the form paints over this page's code regions joins the page's reading, in paint order.
    auto at = [&](Box b) { return Box{b.x + ox, b.y + oy, b.w, b.h}; };
    for (const Box& b : f.exact)
      for (std::size_t r = 0; r < regions_->size(); ++r)
        if (overlaps(at(b), (*regions_)[r])) out_->exact[r] = true;
    for (std::size_t i = 0; i < f.shapes.size(); ++i) {
      const Box b = at(f.shape_extent[i]);
      if (std::none_of(regions_->begin(), regions_->end(), [&](const Box& r) { return overlaps(b, r); })) continue;
      Shape moved = f.shapes[i];
      for (auto& sp : moved.subpaths)
        for (auto& p : sp.points) p.x += ox, p.y += oy;
      moved.grid.reset();  // a form's mask is read from pixels like any other ink
      out_->shapes.push_back(std::move(moved));
    }
  }

  bool interpretType3Chars() override { return false; }

  void fill(GfxState* state) override { paint(state, false, false); }
  void eoFill(GfxState* state) override { paint(state, false, true); }
  void stroke(GfxState* state) override { paint(state, true, false); }

  void drawChar(GfxState* state, double x, double y, double dx, double dy, double, double, CharCode, int,
                const Unicode* u, int ulen) override {
    double px, py, adx, ady;
    state->transform(x, y, &px, &py);
    state->transformDelta(dx, dy, &adx, &ady);
    const double size = std::max(state->getTransformedFontSize(), 0.1);
    if (!in_actual_ || !actual_started_) separate(px, py, size);
    actual_started_ = in_actual_;
    pen_x_ = px + adx, pen_y_ = py, pen_size_ = size, have_pen_ = true;
    const int mode = state->getRender();
    const bool visible = mode != 3 && mode != 7;  // invisible text paints nothing
    // adx already carries the horizontal scaling (長体) of the font and text matrices.
    const Box box = visible ? Box{std::min(px, px + adx), py - 0.88 * size, std::abs(adx), size} : Box{};
    if (in_actual_) {
      if (visible) actual_ink_.push_back(box);
    } else {
      for (int i = 0; i < ulen; ++i) {
        out_->text.push_back(static_cast<char32_t>(u[i]));
        out_->ink.push_back(box);
      }
    }
    if (visible) mark_exact(glyph_extent(state, px, py, adx, size));
  }

  void beginActualText(GfxState*, const GooString* text) override {
    in_actual_ = true;
    actual_started_ = false;
    actual_.clear();
    actual_ink_.clear();
    Unicode* ucs4 = nullptr;
    const int n = TextStringToUCS4(text->toStr(), &ucs4);
    for (int i = 0; i < n; ++i) actual_.push_back(static_cast<char32_t>(ucs4[i]));
    gfree(ucs4);
  }
  void endActualText(GfxState*) override {
    // The span's replacement text stands for all of its glyphs, as in TextOutputDev; each of its
    // code points is given the union of their ink.
    if (in_actual_) {
      Extent e;
      for (const Box& b : actual_ink_) e.add(b.x, b.y), e.add(b.x + b.w, b.y + b.h);
      const Box all = actual_ink_.empty() ? Box{} : Box{e.x0, e.y0, e.x1 - e.x0, e.y1 - e.y0};
      out_->text += actual_;
      out_->ink.insert(out_->ink.end(), actual_.size(), all);
    }
    in_actual_ = false;
  }

  // A stencil mask (render draws barcode symbols as one, a sample per module): its samples become
  // rectangles, read from the bits as painted, so a code's raster is exactly what was drawn.
  void drawImageMask(GfxState* state, Object* ref, Stream* str, int width, int height, bool invert,
                     bool interpolate, bool inline_img) override {
    if (inline_img || width <= 0 || height <= 0 || width > 4096 || height > 4096 || !mask_shape(state, str, width, height, invert))
      image(state);
    OutputDev::drawImageMask(state, ref, str, width, height, invert, interpolate, inline_img);
  }
  void drawImage(GfxState* state, Object* ref, Stream* str, int width, int height, GfxImageColorMap* map,
                 bool interpolate, const int* mask_colors, bool inline_img) override {
    image(state);
    OutputDev::drawImage(state, ref, str, width, height, map, interpolate, mask_colors, inline_img);
  }
  void drawMaskedImage(GfxState* state, Object* ref, Stream* str, int width, int height, GfxImageColorMap* map,
                       bool interpolate, Stream* mask, int mw, int mh, bool mask_invert, bool mask_interpolate) override {
    image(state);
    OutputDev::drawMaskedImage(state, ref, str, width, height, map, interpolate, mask, mw, mh, mask_invert,
                               mask_interpolate);
  }
  void drawSoftMaskedImage(GfxState* state, Object* ref, Stream* str, int width, int height, GfxImageColorMap* map,
                           bool interpolate, Stream* mask, int mw, int mh, GfxImageColorMap* mask_map,
                           bool mask_interpolate) override {
    image(state);
    OutputDev::drawSoftMaskedImage(state, ref, str, width, height, map, interpolate, mask, mw, mh, mask_map,
                                   mask_interpolate);
  }

 private:
  // A jump of the pen (new line, gap, going back) separates words, as a text extractor would see it.
  void separate(double px, double py, double size) {
    if (!have_pen_) return;
    const double em = std::max(size, pen_size_);
    if (std::abs(py - pen_y_) > 0.5 * em || px < pen_x_ - 0.5 * em || px > pen_x_ + 0.3 * em) {
      out_->text.push_back(U' ');
      out_->ink.push_back({});
    }
  }

  void mark_exact(const Extent& e) {
    if (form_mode_) {  // which regions it touches is known only where the form is placed
      form_->exact.push_back(box_of(e));
      return;
    }
    for (std::size_t r = 0; r < regions_->size(); ++r)
      if (e.overlaps((*regions_)[r])) out_->exact[r] = true;
  }

  // The mask's painted samples as one fill: each run of them in a row a rectangle, its corners
  // through the image's matrix. False when it cannot be (fancy state): then Splash draws it.
  bool mask_shape(GfxState* state, Stream* str, int width, int height, bool invert) {
    Extent e;
    for (auto [ux, uy] : {std::pair{0.0, 0.0}, {1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}}) {
      double x, y;
      state->transform(ux, uy, &x, &y);
      e.add(x, y);
    }
    bool any = form_mode_;
    for (const Box& r : *regions_) any = any || e.overlaps(r);
    if (!any) return true;  // nothing near a code: nothing to keep
    double cx0, cy0, cx1, cy1;
    state->getClipBBox(&cx0, &cy0, &cx1, &cy1);
    if (e.x0 < cx0 - 0.01 || e.y0 < cy0 - 0.01 || e.x1 > cx1 + 0.01 || e.y1 > cy1 + 0.01 || state->getFillOpacity() < 1 ||
        state->getBlendMode() != gfxBlendNormal)
      return false;
    Shape s;
    GfxGray g;
    state->getFillGray(&g);
    s.gray = colToDbl(g);
    auto grid = std::make_shared<Grid>();
    grid->cols = width, grid->rows = height;
    grid->ink.assign(static_cast<std::size_t>(width) * height, 0);
    ImageStream image(str, width, 1, 1);
    image.reset();
    // Image space: sample row 0 at the top of the unit square (v = 1), columns left to right.
    auto corner = [&](double col, double row) {
      double x, y;
      state->transform(col / width, 1 - row / height, &x, &y);
      return Subpath::Point{x, y, false};
    };
    for (int row = 0; row < height; ++row) {
      const unsigned char* line = image.getLine();
      if (!line) break;
      // A stencil paints where the sample is 0, or 1 with Decode [1 0] (invert).
      auto painted = [&](int col) { return (line[col] != 0) == invert; };
      for (int col = 0; col < width; ++col) grid->ink[static_cast<std::size_t>(row) * width + col] = painted(col);
      for (int col = 0; col < width;) {
        if (!painted(col)) {
          ++col;
          continue;
        }
        int end = col;
        while (end < width && painted(end)) ++end;
        Subpath sp;
        sp.closed = true;
        sp.points = {corner(col, row), corner(end, row), corner(end, row + 1), corner(col, row + 1)};
        s.subpaths.push_back(std::move(sp));
        col = end;
      }
    }
    image.close();
    const auto o = corner(0, 0), c1 = corner(1, 0), r1 = corner(0, 1);
    grid->ox = o.x, grid->oy = o.y;
    grid->cx = c1.x - o.x, grid->cy = c1.y - o.y;
    grid->rx = r1.x - o.x, grid->ry = r1.y - o.y;
    s.grid = std::move(grid);
    if (form_mode_) form_->shape_extent.push_back(box_of(e));
    out_->shapes.push_back(std::move(s));
    return true;
  }

  void image(GfxState* state) {
    Extent e;
    for (auto [ux, uy] : {std::pair{0.0, 0.0}, {1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}}) {
      double x, y;
      state->transform(ux, uy, &x, &y);
      e.add(x, y);
    }
    mark_exact(e);
  }

  void paint(GfxState* state, bool stroke, bool even_odd) {
    const GfxPath* path = state->getPath();
    Extent e;
    for (int i = 0; i < path->getNumSubpaths(); ++i) {
      const GfxSubpath* sp = path->getSubpath(i);
      for (int k = 0; k < sp->getNumPoints(); ++k) {
        double x, y;
        state->transform(sp->getX(k), sp->getY(k), &x, &y);
        e.add(x, y);
      }
    }
    const double half = stroke ? state->getTransformedLineWidth() / 2 + 1 : 0;
    e.x0 -= half, e.y0 -= half, e.x1 += half, e.y1 += half;
    bool any = form_mode_;  // a form keeps everything: its regions are those of its placements
    for (const Box& r : *regions_) any = any || e.overlaps(r);
    if (!any) return;  // the common case: nothing to keep

    // What this capture cannot reproduce exactly is left to Splash: clipping, transparency,
    // blending, and strokes other than plain solid lines with butt caps and mitred joins.
    double cx0, cy0, cx1, cy1;
    state->getClipBBox(&cx0, &cy0, &cx1, &cy1);
    const bool clipped = e.x0 < cx0 || e.y0 < cy0 || e.x1 > cx1 || e.y1 > cy1;
    const double opacity = stroke ? state->getStrokeOpacity() : state->getFillOpacity();
    double dash_start = 0;
    const bool fancy_stroke =
        stroke && (!state->getLineDash(&dash_start).empty() || state->getLineCap() != 0 || state->getLineJoin() != 0);
    if (clipped || fancy_stroke || opacity < 1 || state->getBlendMode() != gfxBlendNormal) {
      mark_exact(e);
      return;
    }
    Shape s;
    s.stroke = stroke;
    s.even_odd = even_odd;
    GfxGray g;
    if (stroke) state->getStrokeGray(&g);
    else state->getFillGray(&g);
    s.gray = colToDbl(g);
    s.line_width = state->getTransformedLineWidth();
    for (int i = 0; i < path->getNumSubpaths(); ++i) {
      const GfxSubpath* sp = path->getSubpath(i);
      Subpath out;
      out.closed = sp->isClosed();
      out.points.reserve(sp->getNumPoints());
      for (int k = 0; k < sp->getNumPoints(); ++k) {
        double x, y;
        state->transform(sp->getX(k), sp->getY(k), &x, &y);
        out.points.push_back({x, y, sp->getCurve(k)});
      }
      s.subpaths.push_back(std::move(out));
    }
    if (form_mode_) form_->shape_extent.push_back(box_of(e));
    out_->shapes.push_back(std::move(s));
  }

  // Interprets the form once, at its first placement, into a reading in its own coordinates.
  FormReading read_form(Ref ref, double ox, double oy, std::array<double, 4> linear) {
    FormReading f;
    std::copy(linear.begin(), linear.end(), f.linear);
    Object str = xref_->fetch(ref);
    if (!str.isStream()) {
      f.problem = "a form XObject that is not a stream";
      return f;
    }
    Dict* dict = str.streamGetDict();
    auto numbers = [](const Object& a, double* out, int n) {
      if (!a.isArray() || a.arrayGetLength() != n) return false;
      for (int i = 0; i < n; ++i) {
        Object v = a.arrayGet(i);
        if (!v.isNum()) return false;
        out[i] = v.getNum();
      }
      return true;
    };
    double matrix[6] = {1, 0, 0, 1, 0, 0}, bbox[4];
    if (!numbers(dict->lookup("BBox"), bbox, 4)) {
      f.problem = "a form XObject without a bounding box";
      return f;
    }
    if (Object m = dict->lookup("Matrix"); !m.isNull() && !numbers(m, matrix, 6)) {
      f.problem = "a form XObject with a malformed matrix";
      return f;
    }
    Object res = dict->lookup("Resources");
    // The page's reading, pen and ActualText state wait while the form is read into its own.
    PageReading scratch;
    PageReading* page = out_;
    const auto pen = std::tuple{pen_x_, pen_y_, pen_size_, have_pen_, in_actual_, actual_started_};
    out_ = &scratch;
    form_ = &f;
    form_mode_ = true;
    have_pen_ = in_actual_ = actual_started_ = false;
    gfx_->drawForm(&str, res.isDict() ? res.getDict() : nullptr, matrix, bbox);
    form_mode_ = false;
    form_ = nullptr;
    out_ = page;
    std::tie(pen_x_, pen_y_, pen_size_, have_pen_, in_actual_, actual_started_) = pen;
    // Into the form's own coordinates: the first placement's origin at 0, 0.
    auto back = [&](Box& b) { b.x -= ox, b.y -= oy; };
    f.text = std::move(scratch.text);
    f.ink = std::move(scratch.ink);
    for (Box& b : f.ink)
      if (b.h > 0) back(b);
    for (Box& b : f.exact) back(b);
    for (Box& b : f.shape_extent) back(b);
    f.shapes = std::move(scratch.shapes);
    for (auto& shape : f.shapes)
      for (auto& sp : shape.subpaths)
        for (auto& p : sp.points) p.x -= ox, p.y -= oy;
    return f;
  }

  PageReading* out_ = nullptr;
  const std::vector<Box>* regions_ = nullptr;
  Gfx* gfx_ = nullptr;
  XRef* xref_ = nullptr;
  FormRegistry* registry_ = nullptr;
  bool form_mode_ = false;   // reading a form at its first placement
  FormReading* form_ = nullptr;
  double pen_x_ = 0, pen_y_ = 0, pen_size_ = 0;
  bool have_pen_ = false;
  bool in_actual_ = false, actual_started_ = false;
  std::u32string actual_;
  std::vector<Box> actual_ink_;
};

// Splash for one code region: draws only the glyphs that reach the region. Splash culls the
// others only after loading each glyph's outline, which made a region cost as much as a page.
class RegionSplash final : public SplashOutputDev {
 public:
  // Paper white; Splash copies the colour, so the temporary array outlives its use.
  RegionSplash() : SplashOutputDev(splashModeMono8, 4, false, std::array<unsigned char, splashMaxColorComps>{255}.data()) {
    setVectorAntialias(true);
    setFontAntialias(true);
  }
  void startPage(int page, GfxState* state, XRef* xref) override {
    SplashOutputDev::startPage(page, state, xref);
    bitmap_ = {0, 0, state ? state->getPageWidth() : 0, state ? state->getPageHeight() : 0};
  }
  void drawChar(GfxState* state, double x, double y, double dx, double dy, double ox, double oy, CharCode code,
                int bytes, const Unicode* u, int ulen) override {
    double px, py, adx, ady;
    state->transform(x, y, &px, &py);
    state->transformDelta(dx, dy, &adx, &ady);
    const bool clips = state->getRender() >= 4;  // text that clips must reach Splash whatever its place
    if (clips || glyph_extent(state, px, py, adx, std::max(state->getTransformedFontSize(), 0.1)).overlaps(bitmap_))
      SplashOutputDev::drawChar(state, x, y, dx, dy, ox, oy, code, bytes, u, ulen);
  }

 private:
  Box bitmap_;  // device space is the region's pixels
};

using Surface = Handle<cairo_surface_t, cairo_surface_destroy>;
using Context = Handle<cairo_t, cairo_destroy>;

struct PixelGrid {
  int x0 = 0, y0 = 0, w = 0, h = 0;
};

// The pixels covering `area` on the page's grid at `dpi`, clipped to the page.
PixelGrid grid(Box area, double dpi, double page_w, double page_h) {
  const double s = dpi / 72.0;
  const int pw = static_cast<int>(std::ceil(page_w * s)), ph = static_cast<int>(std::ceil(page_h * s));
  const int x0 = std::clamp(static_cast<int>(std::floor(area.x * s)), 0, pw);
  const int y0 = std::clamp(static_cast<int>(std::floor(area.y * s)), 0, ph);
  const int x1 = std::clamp(static_cast<int>(std::ceil((area.x + area.w) * s)), 0, pw);
  const int y1 = std::clamp(static_cast<int>(std::ceil((area.y + area.h) * s)), 0, ph);
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

// The captured paths drawn with Cairo's anti-aliasing into an ink mask, then inverted to luminance.
// Grey edges keep sub-pixel bar widths: without them 0.19 mm modules need 400 dpi to decode.
Raster rasterise(const std::vector<Shape>& shapes, const PixelGrid& g, double dpi) {
  Raster out;
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_A8, g.w, g.h));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) return out;
  {
    Context cr(cairo_create(surface.get()));
    cairo_set_operator(cr.get(), CAIRO_OPERATOR_SOURCE);  // a later white fill covers earlier ink
    const double s = dpi / 72.0;
    for (const Shape& shape : shapes) {
      cairo_new_path(cr.get());
      for (const Subpath& sp : shape.subpaths) {
        const auto& p = sp.points;
        if (p.empty()) continue;
        auto X = [&](std::size_t i) { return p[i].x * s - g.x0; };
        auto Y = [&](std::size_t i) { return p[i].y * s - g.y0; };
        cairo_move_to(cr.get(), X(0), Y(0));
        for (std::size_t i = 1; i < p.size(); ++i) {
          if (p[i].control && i + 2 < p.size()) {
            cairo_curve_to(cr.get(), X(i), Y(i), X(i + 1), Y(i + 1), X(i + 2), Y(i + 2));
            i += 2;
          } else {
            cairo_line_to(cr.get(), X(i), Y(i));
          }
        }
        if (sp.closed) cairo_close_path(cr.get());
      }
      cairo_set_source_rgba(cr.get(), 0, 0, 0, 1 - std::clamp(shape.gray, 0.0, 1.0));
      if (shape.stroke) {
        cairo_set_line_width(cr.get(), std::max(shape.line_width * s, 0.01));
        cairo_stroke(cr.get());
      } else {
        cairo_set_fill_rule(cr.get(), shape.even_odd ? CAIRO_FILL_RULE_EVEN_ODD : CAIRO_FILL_RULE_WINDING);
        cairo_fill(cr.get());
      }
    }
  }
  cairo_surface_flush(surface.get());
  const unsigned char* data = cairo_image_surface_get_data(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  out.width = g.w, out.height = g.h;
  out.pixels.resize(static_cast<std::size_t>(g.w) * g.h);
  for (int y = 0; y < g.h; ++y)
    for (int x = 0; x < g.w; ++x) out.pixels[static_cast<std::size_t>(y) * g.w + x] = 255 - data[y * stride + x];
  return out;
}

// Whether two resource dictionaries name the same things (deep for direct objects, by reference
// for indirect ones): Cairo writes one dictionary per page, but they are equal page after page.
bool same(const Object& a, const Object& b, int depth = 0) {
  if (a.getType() != b.getType() || depth > 16) return false;
  switch (a.getType()) {
    case objBool: return a.getBool() == b.getBool();
    case objInt: return a.getInt() == b.getInt();
    case objInt64: return a.getInt64() == b.getInt64();
    case objReal: return a.getReal() == b.getReal();
    case objString: return a.getString()->toStr() == b.getString()->toStr();
    case objHexString: return a.getHexString()->toStr() == b.getHexString()->toStr();
    case objName: return std::strcmp(a.getName(), b.getName()) == 0;
    case objNull: return true;
    case objRef: return a.getRef() == b.getRef();
    case objArray:
      if (a.arrayGetLength() != b.arrayGetLength()) return false;
      for (int i = 0; i < a.arrayGetLength(); ++i)
        if (!same(a.arrayGetNF(i), b.arrayGetNF(i), depth + 1)) return false;
      return true;
    case objDict:
      if (a.dictGetLength() != b.dictGetLength()) return false;
      for (int i = 0; i < a.dictGetLength(); ++i)
        if (!same(a.dictGetValNF(i), b.dictLookupNF(a.dictGetKey(i)), depth + 1)) return false;
      return true;
    default: return false;  // streams and the rest: never assumed equal
  }
}

bool same_box(const PDFRectangle* a, const PDFRectangle* b) {
  return a->x1 == b->x1 && a->y1 == b->y1 && a->x2 == b->x2 && a->y2 == b->y2;
}

}  // namespace

// One interpreter (Gfx) per distinct page set-up: building it parses every font of the page's
// resources (widths, ToUnicode maps, the font file's header), which costs as much as reading the
// page itself, so pages that share their resources share it.
struct Interpreter {
  Page* first = nullptr;  // the page it was built for; the Catalog keeps pages alive
  std::unique_ptr<Capture> capture;
  std::unique_ptr<Gfx> gfx;
};

// The same for Splash and one code region (grid and resolution): codes sit at the same place on
// every page of a kind, so the region's interpreter serves them all.
struct RegionInterpreter {
  Page* first = nullptr;
  PixelGrid grid;
  double dpi = 0;
  std::unique_ptr<RegionSplash> splash;
  std::unique_ptr<Gfx> gfx;
};

// Resources equal but for their form XObjects: Cairo lists on each page only the forms it
// places, and those are looked up in the page's own list (PageResources), not the interpreter's.
bool same_resources(const Object& a, const Object& b) {
  if (!a.isDict() || !b.isDict()) return same(a, b);
  int n = 0;
  for (int i = 0; i < a.dictGetLength(); ++i) {
    if (std::strcmp(a.dictGetKey(i), "XObject") == 0) continue;
    ++n;
    if (!same(a.dictGetValNF(i), b.dictLookupNF(a.dictGetKey(i)), 1)) return false;
  }
  for (int i = 0; i < b.dictGetLength(); ++i) n -= std::strcmp(b.dictGetKey(i), "XObject") != 0;
  return n == 0;
}

bool same_setup(Page* a, Page* b) {
  return a == b || (a->getRotate() == b->getRotate() && same_box(a->getMediaBox(), b->getMediaBox()) &&
                    same_box(a->getCropBox(), b->getCropBox()) &&
                    same_resources(*a->getResourceDictObject(), *b->getResourceDictObject()));
}

// The page's own XObject list stacked over the interpreter's resources while it displays the page:
// a resources frame of that list alone, so no font is parsed again.
class PageResources {
 public:
  PageResources(Gfx* gfx, Page* page, XRef* xref) {
    Dict* res = page->getResourceDict();
    if (!res) return;
    Object x = res->lookupNF("XObject").copy();
    if (x.isNull()) return;
    dict_ = Object(new Dict(xref));
    dict_.dictAdd("XObject", std::move(x));
    gfx->pushResources(dict_.getDict());
    gfx_ = gfx;
  }
  ~PageResources() {
    if (gfx_) gfx_->popResources();
  }
  PageResources(const PageResources&) = delete;
  PageResources& operator=(const PageResources&) = delete;

 private:
  Gfx* gfx_ = nullptr;
  Object dict_;
};

// Drops the oldest interpreter. Its Gfx points at its output device, so the Gfx goes first: a
// plain erase move-assigns the device before the Gfx and the old Gfx then uses a freed device.
template <class Interpreters>
void evict(Interpreters& list) {
  list.front().gfx.reset();
  list.erase(list.begin());
}

struct Document::Impl {
  // Poppler keeps its parameters in a process-wide object; the initer counts its users, so
  // documents in several threads share it and the last one out releases it.
  GlobalParamsIniter params{quiet};
  std::unique_ptr<PDFDoc> doc;
  std::vector<Interpreter> interpreters;  // a handful at most (one per kind of page)
  std::vector<RegionInterpreter> regions;  // only for regions that text, images or clips touch
  FormRegistry forms;

  Interpreter& interpreter_for(Page* page) {
    for (auto& it : interpreters)
      if (same_setup(it.first, page)) return it;
    if (interpreters.size() >= 8) evict(interpreters);  // fonts held stay bounded
    Interpreter it;
    it.first = page;
    it.capture = std::make_unique<Capture>();
    it.gfx.reset(page->createGfx(it.capture.get(), 72, 72, 0, false, true, -1, -1, -1, -1, false, nullptr, nullptr));
    it.capture->attach(it.gfx.get(), doc->getXRef(), &forms);
    interpreters.push_back(std::move(it));
    return interpreters.back();
  }

  // Splash draws the region's pixels afresh on each use (a new page clears the bitmap).
  RegionSplash& render_region(Page* page, const PixelGrid& g, double dpi) {
    for (auto& it : regions)
      if (it.dpi == dpi && it.grid.x0 == g.x0 && it.grid.y0 == g.y0 && it.grid.w == g.w && it.grid.h == g.h &&
          same_setup(it.first, page)) {
        GfxState* state = it.gfx->getState();
        it.splash->startPage(0, state, doc->getXRef());
        it.splash->updateAll(state);
        PageResources own(it.gfx.get(), page, doc->getXRef());
        page->display(it.gfx.get());
        return *it.splash;
      }
    if (regions.size() >= 8) evict(regions);
    RegionInterpreter it;
    it.first = page;
    it.grid = g;
    it.dpi = dpi;
    it.splash = std::make_unique<RegionSplash>();
    it.splash->startDoc(doc.get());
    // Building the Gfx starts Splash's page: a bitmap of the region, cleared to white.
    it.gfx.reset(page->createGfx(it.splash.get(), dpi, dpi, 0, false, true, g.x0, g.y0, g.w, g.h, false, nullptr,
                                 nullptr));
    page->display(it.gfx.get());
    regions.push_back(std::move(it));
    return *regions.back().splash;
  }
};

Document::Document(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Document::~Document() = default;

std::unique_ptr<Document> Document::open(std::string_view pdf) {
  auto impl = std::make_unique<Impl>();
  // MemStream reads the caller's bytes in place; PDFDoc owns the stream object.
  impl->doc = std::make_unique<PDFDoc>(
      new MemStream(pdf.data(), 0, static_cast<Goffset>(pdf.size()), Object(objNull)));
  if (!impl->doc->isOk() || impl->doc->getNumPages() < 0) return nullptr;
  return std::unique_ptr<Document>(new Document(std::move(impl)));
}

int Document::pages() const { return impl_->doc->getNumPages(); }

PageReading Document::read(int index, const std::vector<Box>& regions) {
  PageReading page;
  page.width = impl_->doc->getPageCropWidth(index + 1);
  page.height = impl_->doc->getPageCropHeight(index + 1);
  Page* p = impl_->doc->getPage(index + 1);
  if (!p || !p->isOk()) return page;
  Interpreter& it = impl_->interpreter_for(p);
  it.capture->begin(page, regions);
  PageResources own(it.gfx.get(), p, impl_->doc->getXRef());
  p->display(it.gfx.get());
  return page;
}

Raster Document::modules(const PageReading& page, int region, const Box& area, int px, int quiet, int row_px,
                         double min_module) {
  if (page.exact[static_cast<std::size_t>(region)]) return {};
  const Grid* grid = nullptr;
  for (const Shape& shape : page.shapes) {
    // By subpath: one path can be many far-apart pieces (the dashes of a slip sheet's cut lines).
    const double half = shape.stroke ? shape.line_width / 2 : 0;
    bool touches = false;
    for (const auto& sp : shape.subpaths) {
      Extent e;
      for (const auto& p : sp.points) e.add(p.x, p.y);
      touches = touches || overlaps({e.x0 - half, e.y0 - half, e.x1 - e.x0 + 2 * half, e.y1 - e.y0 + 2 * half}, area);
    }
    if (!touches) continue;
    if (grid || !shape.grid || shape.gray > 0) return {};  // a second thing, or no mask, or not black
    grid = shape.grid.get();
  }
  // Upright and unmirrored: columns go right and rows go down, as render draws symbols.
  if (!grid || grid->cx <= 0 || grid->ry <= 0 || std::abs(grid->cy) > 1e-9 || std::abs(grid->rx) > 1e-9) return {};
  // Drawn where and as large as a reader needs it: the pixel passes would refuse a symbol shrunk
  // below a readable module, so the samples must not accept it either.
  constexpr double kSlack = 0.5;
  const double w = grid->cols * grid->cx, h = grid->rows * grid->ry;
  if (grid->ox < area.x - kSlack || grid->oy < area.y - kSlack || grid->ox + w > area.x + area.w + kSlack ||
      grid->oy + h > area.y + area.h + kSlack)
    return {};
  if (grid->cx < min_module || (grid->rows > 1 && grid->ry < min_module)) return {};
  if (grid->rows == 1 && (grid->oy > area.y + 0.4 * area.h || grid->oy + h < area.y + 0.6 * area.h)) return {};
  const bool one_row = grid->rows == 1 && row_px > 0;
  const int py = one_row ? row_px : px, qy = one_row ? 1 : quiet;
  Raster out;
  out.width = (grid->cols + 2 * quiet) * px;
  out.height = (grid->rows + 2 * qy) * py;
  if (out.width <= 0 || out.height <= 0 || out.width > 20000 || out.height > 20000) return {};
  out.pixels.assign(static_cast<std::size_t>(out.width) * out.height, 255);
  for (int r = 0; r < grid->rows; ++r)
    for (int c = 0; c < grid->cols; ++c) {
      if (!grid->ink[static_cast<std::size_t>(r) * grid->cols + c]) continue;
      for (int y = (r + qy) * py; y < (r + qy + 1) * py; ++y)
        std::fill_n(out.pixels.begin() + static_cast<std::ptrdiff_t>(y) * out.width + (c + quiet) * px, px, 0);
    }
  return out;
}

const FormReading& Document::form(int id) const { return impl_->forms.forms.at(static_cast<std::size_t>(id)); }

Raster Document::raster(int index, const PageReading& page, int region, Box area, double dpi) {
  const PixelGrid g = grid(area, dpi, page.width, page.height);
  if (g.w == 0 || g.h == 0) return {};
  if (!page.exact[region]) return rasterise(page.shapes, g, dpi);

  Page* p = impl_->doc->getPage(index + 1);
  if (!p || !p->isOk()) return {};
  SplashBitmap* bitmap = impl_->render_region(p, g, dpi).getBitmap();
  Raster out;
  if (!bitmap || bitmap->getWidth() < g.w || bitmap->getHeight() < g.h) return out;
  out.width = g.w, out.height = g.h;
  out.pixels.resize(static_cast<std::size_t>(g.w) * g.h);
  const unsigned char* data = bitmap->getDataPtr();
  for (int y = 0; y < g.h; ++y)
    std::copy_n(data + static_cast<std::size_t>(y) * bitmap->getRowSize(), g.w,
                out.pixels.begin() + static_cast<std::ptrdiff_t>(y) * g.w);
  return out;
}

}  // namespace tsuchi::preflight::detail
