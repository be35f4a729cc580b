// Internal to preflight: what a PDF page actually says, read with Poppler's own interpreter.
// One pass over each page's content stream yields its text (through the fonts' ToUnicode maps,
// as a reader's copy-paste would) and every path painted over the code regions, which are then
// rasterised at the decoder's resolution. No glyph is ever rendered unless text, an image or a
// clip touches a code region; only then is that region rendered by Poppler's Splash, everything
// painted over it included.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tsuchi::preflight::detail {

// A rectangle in PDF points, origin top-left, y down (the display list's coordinates).
struct Box {
  double x = 0, y = 0, w = 0, h = 0;
};

// 8-bit luminance, 0 black .. 255 white.
struct Raster {
  std::vector<unsigned char> pixels;
  int width = 0, height = 0;
  bool ok() const { return width > 0 && height > 0; }
};

struct Subpath {
  struct Point {
    double x, y;
    bool control;  // a Bézier control point: two of them precede each curve's end point
  };
  std::vector<Point> points;  // device space, points
  bool closed = false;
};

// The samples of a stencil mask as drawn: `ink` row-major, 1 = painted; sample (c, r) has its
// top-left corner at origin + c * col + r * row (device space, points).
struct Grid {
  int cols = 0, rows = 0;
  std::vector<unsigned char> ink;
  double ox = 0, oy = 0;        // origin
  double cx = 0, cy = 0;        // one column across
  double rx = 0, ry = 0;        // one row down
};

// A path painted over a code region, in paint order.
struct Shape {
  std::vector<Subpath> subpaths;
  bool stroke = false;
  bool even_odd = false;
  double gray = 0;        // 0 black .. 1 white
  double line_width = 0;  // strokes, points
  std::shared_ptr<const Grid> grid;  // a stencil mask's samples (the subpaths are their runs)
};

// A shared form (form XObject) read once per PDF, in its own coordinates (the placement's origin
// at 0, 0): its text and ink as on a page, and what it paints, so each placement can add the part
// that falls over a code region to that page's reading.
struct FormReading {
  std::u32string text;
  std::vector<Box> ink;             // per code point of text, as PageReading::ink
  std::vector<Shape> shapes;        // every path it paints that the capture can rasterise
  std::vector<Box> shape_extent;    // per shape
  std::vector<Box> exact;           // glyphs, images and clipped or fancy paths: a region they touch is rendered whole
  double linear[4] = {1, 0, 0, 1};  // the placement's matrix less its translation, at first sight
  std::string problem;              // non-empty: it could not be read (nested forms, no stream, ...)
};

// One placement of a form on a page: which form (Document::form) and where its origin landed.
struct Placed {
  int form = -1;
  double x = 0, y = 0;    // points, the display list's coordinates
  bool same_linear = true;  // scaled or turned exactly as at first sight
};

struct PageReading {
  double width = 0, height = 0;  // crop box, points
  std::u32string text;           // content order; ' ' where the pen jumps, as a text extractor would
  // Per code point of `text`: where the glyph showing it may have ink, horizontally its advance,
  // vertically 0.88 em above to 0.12 em below the baseline (the em box of the CJK fonts used);
  // h == 0 for the spaces read between words and for invisible text.
  std::vector<Box> ink;
  std::vector<Shape> shapes;     // everything painted over any of the regions
  std::vector<bool> exact;       // per region: text, an image or a clip touches it
  std::vector<Placed> forms;     // in paint order; their text is not in `text`
};

class Document {
 public:
  // nullptr when the bytes are no readable PDF. `pdf` must outlive the Document.
  static std::unique_ptr<Document> open(std::string_view pdf);
  ~Document();
  int pages() const;
  // Interprets page `index` (0-based) once, noting what is painted over `regions`. A form XObject
  // is interpreted only the first time any page places it (form()); later placements only add
  // what it paints over `regions`.
  PageReading read(int index, const std::vector<Box>& regions);
  const FormReading& form(int id) const;
  // The pixels of `area` at `dpi`, on the page's pixel grid (the same grid whatever the area).
  // From the captured shapes, or rendered whole by Splash when the region is `exact`.
  Raster raster(int index, const PageReading& page, int region, Box area, double dpi);
  // The region's symbol straight from its samples, `px` pixels a module and `quiet` modules of
  // white around: when the one thing painted over the region is a single upright stencil mask and
  // nothing else (no other path, glyph, image or clip) touches it. Empty otherwise.
  // A row of a one-row symbol (GS1-128) is `row_px` pixels high and has one module of quiet above
  // and below; other symbols' rows are `px` high. Only a mask a reader could read as drawn: inside
  // `area`, modules (and rows) at least `min_module` points, a one-row symbol across the area's
  // middle fifth (where the pixel passes read it); else empty, and the pixels decide.
  static Raster modules(const PageReading& page, int region, const Box& area, int px, int quiet, int row_px,
                        double min_module);

  struct Impl;
 private:
  explicit Document(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsuchi::preflight::detail
