// Private to pipeline/text/ (tsuchi_text): the state behind TextEngine and the shaped form
// that line(), width() and paragraph() all lay out from.
#pragma once
#include <hb.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/handle.hpp"

#include "text/text.hpp"

namespace tsuchi::text {

using display::Face;
using display::Glyph;
using display::GlyphRun;

using HbBlob = Handle<hb_blob_t, hb_blob_destroy>;
using HbFace = Handle<hb_face_t, hb_face_destroy>;
using HbFont = Handle<hb_font_t, hb_font_destroy>;
using HbBuffer = Handle<hb_buffer_t, hb_buffer_destroy>;

// Text shaped on one line at size `size`, origin 0: a flat list of clusters in logical order.
// A cluster is what HarfBuzz keeps together (a character with its variation selector, a
// ligature); lines break only between clusters.
struct Shaped {
  struct G {
    std::uint32_t id;
    double dx, dy;  // from the cluster's pen origin, points, y down
  };
  struct C {
    std::uint32_t byte, bytes;  // in the shaped text
    int face;                   // index into faces()
    std::uint32_t first_glyph, glyphs;
    double advance;   // points
    char32_t first;   // first code point, for kinsoku and trailing-space checks
  };
  std::vector<G> glyphs;
  std::vector<C> clusters;
  double width = 0;
};

// A code point plus the variation selector that follows it, if any (an IVS/SVS sequence).
struct CharCluster {
  std::uint32_t byte = 0, bytes = 0;
  char32_t base = 0;
  char32_t selector = 0;  // 0 = none
};
std::vector<CharCluster> char_clusters(std::string_view utf8);
// Not drawn and never "missing": C0/C1 controls and default-ignorables (ZWJ, lone selectors…).
bool invisible(char32_t c);

struct TextEngine::Impl {
  struct Font {
    HbBlob blob;
    HbFace face;
    HbFont font;  // scale = units per em, so positions come back in font units
    double upem = 1000;
  };
  std::vector<Face> faces;
  std::vector<Font> fonts;                  // parallel to faces
  std::array<std::vector<int>, 2> roles;    // Role -> fallback order of face indices

  const std::vector<int>& role(Role r) const { return roles[static_cast<int>(r)]; }
  bool has(int face, char32_t base, char32_t selector) const;
  // The face that draws this cluster: the first with the exact sequence; otherwise the first
  // with the base (the selector is then ignored), otherwise the role's first face (.notdef).
  int pick(Role r, const CharCluster& c) const;

  // Shaping results are reused (names and template phrases repeat on every notice). The
  // mutex lets several threads share one engine; HarfBuzz fonts are immutable and thread-safe.
  std::shared_ptr<const Shaped> shape(std::string_view utf8, Role r, double size) const;
  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::shared_ptr<const Shaped>> shape_cache;
  mutable std::unordered_map<std::string, std::shared_ptr<const TextBlock>> paragraph_cache;
};

// Whether justification may widen the gap before cluster b: everywhere except inside a run of
// Latin letters, digits and ASCII punctuation, so 12,300 and words stay whole.
bool stretchable(const Shaped& s, std::size_t b);

// Appends runs for clusters [c0, c1) of `s` (text `utf8`), pen starting at (x, y), with `gap`
// points added before each stretchable cluster (or before every cluster when `every_gap`);
// advances and offsets are condensed by `hscale` (長体), which the runs carry to render.
void emit(const Shaped& s, std::string_view utf8, std::size_t c0, std::size_t c1, double x, double y,
          double gap, bool every_gap, double gray, double size, std::vector<GlyphRun>& out, double hscale = 1.0);

}  // namespace tsuchi::text
