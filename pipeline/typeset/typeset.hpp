// Typeset: envelopes into pages as plain display lists (display/display.hpp, SPEC §4, §5): the
// notice and slip forms laid out with the text engine, with their barcodes and insertion QR codes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compose/compose.hpp"
#include "core/core.hpp"
#include "display/display.hpp"
#include "text/text.hpp"

namespace tsuchi::typeset {

// Everything that typesets: fonts, shaping cache, templates and layouts. Build once per run.
class Typesetter {
 public:
  // `data_dir` holds fonts/, templates/ and layouts/.
  static Checked<std::unique_ptr<Typesetter>> create(const std::string& data_dir,
                                                     const tsuchi::Municipality& m);
  ~Typesetter();

  // Which parts of `utf8` no font of `role` can draw (for validation, SPEC §4/§6).
  std::vector<text::MissingGlyph> missing(std::string_view utf8, text::Role role = text::Role::mincho) const;

  // The pages of one envelope, in mailing order: each notice, then each slip.
  std::vector<display::Page> envelope_pages(const compose::Envelope& e, const std::string& batch_id) const;

  const std::vector<display::Face>& faces() const;

  struct Impl;
 private:
  explicit Typesetter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Japanese formatting ----
std::string wareki(const Date& d);        // 令和元年5月1日, 平成31年4月30日
std::string wareki_month(const YearMonth& ym);  // 令和7年9月
std::string wareki_fiscal_year(int fiscal_year);  // 令和7年度
std::string yen(Yen amount);             // 12,300円
std::string grouped(Yen amount);         // 12,300

}  // namespace tsuchi::typeset
