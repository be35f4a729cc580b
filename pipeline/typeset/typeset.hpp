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

// ---- Envelopes that post as 定形 (Municipality::mailing) ----

// One part of a household's mailing, as planned: what it carries and the sheets that makes.
struct PartPlan {
  std::vector<std::size_t> notices;  // indices into the envelope's notices, in order
  std::vector<std::size_t> slips;    // indices into its slips, in print order
  bool cover = false;                // starts with slips, so a cover sheet (送付案内) faces the window
  int sheets = 0;                    // cover, notices' pages and slip sheets
  bool operator==(const PartPlan&) const = default;
};
// The most sheets one envelope may hold under both max_sheets and max_g.
int sheet_limit(const tsuchi::Mailing& m);
// "8 sheets and 50 g": the limits as messages state them.
std::string limits_text(const tsuchi::Mailing& m);
// The parts of one household's mailing: one part when it is within the limits; else by
// m.oversize, parts filled in order (notices first) and cut between slip sheets (split) or only
// between billed months (by_month: slips then go month by month), or an error (refuse, or what no
// cut can bring within the limits). `notice_sheets`: pages of each notice; `slip_months`: each
// slip's billed month in mailing order; `slips_per_sheet` as slip_pages() puts them.
Checked<std::vector<PartPlan>> plan_mailing(const std::vector<int>& notice_sheets,
                                            const std::vector<YearMonth>& slip_months, int slips_per_sheet,
                                            const tsuchi::Mailing& m);

// One physical envelope: a household's whole mailing, or part k of n of a split one.
struct Mailpiece {
  std::string envelope_id;     // "<batch_id>/<NNNNNN>", or "<batch_id>/<NNNNNN>-<k>" for part k
  int part = 0, parts = 0;     // 0 of 0 when the mailing goes whole
  compose::Envelope contents;  // the household's envelope with only this part's notices and slips
  std::vector<display::Page> pages;  // one sheet each (simplex); a compact slip sheet holds several slips
  bool cover = false;
  int sheets() const { return static_cast<int>(pages.size()); }
  std::string part_text() const;  // "2/3", or empty when not split
};

// Everything that typesets: fonts, shaping cache, templates and layouts. Build once per run.
class Typesetter {
 public:
  // `data_dir` holds fonts/, templates/ and layouts/. `forms`: shared frames kept with those of
  // the run's other typesetters (one cache, so a frame is one form whichever thread drew it);
  // null: a cache of its own.
  static Checked<std::unique_ptr<Typesetter>> create(const std::string& data_dir, const tsuchi::Municipality& m,
                                                     std::shared_ptr<text::FormCache> forms = nullptr);
  ~Typesetter();

  // Which parts of `utf8` no font of `role` can draw (for validation, SPEC §4/§6).
  std::vector<text::MissingGlyph> missing(std::string_view utf8, text::Role role = text::Role::mincho) const;

  // The pages of one envelope, in mailing order: each notice, then each slip (no limits applied).
  std::vector<display::Page> envelope_pages(const compose::Envelope& e, const std::string& batch_id) const;
  // The household's mailing as the envelopes that go to the post (plan_mailing): each numbered with
  // its own id and insertion codes; an error names the envelope id, its sheets, grams and the limit.
  Checked<std::vector<Mailpiece>> mailing(const compose::Envelope& e, const std::string& batch_id) const;

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

}  // namespace tsuchi::typeset
