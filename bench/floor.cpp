// The bare floor of issue 6: the same two pages as a tsuchi envelope (a notice and a payment slip:
// every text line and table rule of them, from floor_content.tsv) shaped with HarfBuzz and drawn
// with Cairo into one PDF, on one core, with none of tsuchi's work: no line breaking, no barcodes,
// no preflight, no sealing. Each line is shaped again on every page, as a simple renderer would.
//
// Usage: bench_floor [PAGES] [CONTENT.tsv]   prints "floor: N pages in S s = P pages/s (B bytes/page)"
// floor_content.tsv holds, per page, `text  face  size  x  y  utf8` (first glyph's pen position,
// points from the top left) and `rect  x  y  w  h  gray  fill  stroke_width` rows; it was dumped
// from tsuchi's display list of one envelope of `gen_cases.py 1000` (barcode bars left out).
// Fonts: the IPAex (and IPAmj) files that fonts/fonts.toml names, at their Debian paths.
#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ft.h>
#include <hb.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Line {
  std::string face;
  double size, x, y;
  std::string text;
};
struct Rule {
  double x, y, w, h, gray, stroke_width;
  bool fill;
};
struct PageContent {
  std::vector<Line> lines;
  std::vector<Rule> rules;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, '\t')) out.push_back(cur);
  return out;
}

std::vector<PageContent> load(const std::string& path) {
  std::ifstream in(path);
  std::vector<PageContent> pages;
  std::string row;
  while (std::getline(in, row)) {
    auto f = split(row);
    if (f.empty()) continue;
    if (f[0] == "page") pages.emplace_back();
    else if (f[0] == "text" && f.size() >= 6 && !pages.empty())
      pages.back().lines.push_back({f[1], std::stod(f[2]), std::stod(f[3]), std::stod(f[4]), f[5]});
    else if (f[0] == "rect" && f.size() >= 8 && !pages.empty())
      pages.back().rules.push_back({std::stod(f[1]), std::stod(f[2]), std::stod(f[3]), std::stod(f[4]),
                                    std::stod(f[5]), std::stod(f[7]), f[6] == "1"});
  }
  return pages;
}

struct Font {
  FT_Face ft = nullptr;
  hb_font_t* hb = nullptr;
  cairo_font_face_t* cairo = nullptr;
  double upem = 1000;
};

cairo_status_t count_bytes(void* closure, const unsigned char*, unsigned int length) {
  *static_cast<std::size_t*>(closure) += length;
  return CAIRO_STATUS_SUCCESS;
}

double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const int pages_wanted = argc > 1 ? std::atoi(argv[1]) : 4000;
  const std::string content = argc > 2 ? argv[2] : TSUCHI_BENCH_DIR "/floor_content.tsv";
  const auto pages = load(content);
  if (pages.empty() || pages_wanted <= 0) {
    std::fprintf(stderr, "bench_floor: no pages in %s\n", content.c_str());
    return 2;
  }
  const std::map<std::string, std::string> files = {
      {"IPAexMincho", "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"},
      {"IPAexGothic", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"},
      {"IPAmjMincho", "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"}};
  FT_Library lib;
  FT_Init_FreeType(&lib);
  std::map<std::string, Font> fonts;
  for (const auto& [name, path] : files) {
    Font f;
    if (FT_New_Face(lib, path.c_str(), 0, &f.ft) != 0) {
      std::fprintf(stderr, "bench_floor: cannot open %s\n", path.c_str());
      return 2;
    }
    f.upem = f.ft->units_per_EM;
    f.hb = hb_ft_font_create_referenced(f.ft);
    hb_font_set_scale(f.hb, static_cast<int>(f.upem), static_cast<int>(f.upem));
    f.cairo = cairo_ft_font_face_create_for_ft_face(f.ft, FT_LOAD_NO_HINTING);
    fonts[name] = f;
  }

  const double c0 = cpu_seconds();
  const auto w0 = std::chrono::steady_clock::now();
  std::size_t bytes = 0;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(count_bytes, &bytes, 595.2756, 841.8898);
  cairo_t* cr = cairo_create(surface);
  hb_buffer_t* buf = hb_buffer_create();
  std::vector<cairo_glyph_t> glyphs;
  for (int n = 0; n < pages_wanted; ++n) {
    const PageContent& page = pages[n % pages.size()];
    for (const Rule& r : page.rules) {
      cairo_set_source_rgb(cr, r.gray, r.gray, r.gray);
      cairo_rectangle(cr, r.x, r.y, r.w, r.h);
      if (r.fill) {
        cairo_fill(cr);
      } else {
        cairo_set_line_width(cr, r.stroke_width);
        cairo_stroke(cr);
      }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (const Line& l : page.lines) {
      const Font& f = fonts.count(l.face) ? fonts.at(l.face) : fonts.begin()->second;
      hb_buffer_clear_contents(buf);
      hb_buffer_add_utf8(buf, l.text.data(), static_cast<int>(l.text.size()), 0, -1);
      hb_buffer_guess_segment_properties(buf);
      hb_shape(f.hb, buf, nullptr, 0);
      unsigned count = 0;
      const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf, &count);
      const hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf, &count);
      glyphs.resize(count);
      const double scale = l.size / f.upem;
      double x = l.x, y = l.y;
      for (unsigned i = 0; i < count; ++i) {
        glyphs[i] = {info[i].codepoint, x + pos[i].x_offset * scale, y - pos[i].y_offset * scale};
        x += pos[i].x_advance * scale;
        y -= pos[i].y_advance * scale;
      }
      cairo_set_font_face(cr, f.cairo);
      cairo_set_font_size(cr, l.size);
      cairo_show_glyphs(cr, glyphs.data(), static_cast<int>(count));
    }
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  const double cpu = cpu_seconds() - c0;
  if (status != CAIRO_STATUS_SUCCESS) {
    std::fprintf(stderr, "bench_floor: cairo: %s\n", cairo_status_to_string(status));
    return 1;
  }
  std::printf("floor: %d pages in %.3f s wall (%.3f s CPU) = %.0f pages/s (%zu bytes/page)\n", pages_wanted, wall, cpu,
              pages_wanted / wall, bytes / static_cast<std::size_t>(pages_wanted));
  hb_buffer_destroy(buf);
  return 0;
}
