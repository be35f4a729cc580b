// Typesetter: fonts, wording and layouts loaded once per run; each envelope becomes its pages.
#include "typeset/typeset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "typeset/forms.hpp"

namespace tsuchi::typeset {

struct Typesetter::Impl {
  std::unique_ptr<text::TextEngine> text;
  forms::Forms forms;
  forms::CoverText cover;
  tsuchi::Municipality municipality;
};


// ---- the mailing planner ----

int sheet_limit(const tsuchi::Mailing& m) {
  int n = 0;
  // A whisker of tolerance: 6 + 4 x 11 is 50 g exactly, not a rounding error over it.
  while (n < m.max_sheets && m.grams(n + 1) <= m.max_g + 1e-9) ++n;
  return n;
}

namespace {
std::string grams_text(double g) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", std::round(g * 10) / 10);
  return b;
}
std::string sheets_text(int n) { return std::to_string(n) + (n == 1 ? " sheet" : " sheets"); }
int sheets_for_slips(std::size_t slips, int per_sheet) {
  return static_cast<int>((slips + static_cast<std::size_t>(per_sheet) - 1) / static_cast<std::size_t>(per_sheet));
}
Diagnostic mailing_error(const std::string& reason) {
  return {Diagnostic::Severity::error, "", 0, 0, "", "", reason};
}
}  // namespace

std::string limits_text(const tsuchi::Mailing& m) {
  return sheets_text(m.max_sheets) + " and " + grams_text(m.max_g) + " g";
}

Checked<std::vector<PartPlan>> plan_mailing(const std::vector<int>& notice_sheets,
                                            const std::vector<YearMonth>& slip_months, int slips_per_sheet,
                                            const tsuchi::Mailing& m) {
  Checked<std::vector<PartPlan>> out;
  const int per = std::max(1, slips_per_sheet);
  const int cap = sheet_limit(m);
  int total = sheets_for_slips(slip_months.size(), per);
  for (int n : notice_sheets) total += n;
  std::vector<std::size_t> order(slip_months.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;

  auto over = [&](int sheets) {
    return sheets_text(sheets) + ", " + grams_text(m.grams(sheets)) + " g: over the limit of " + limits_text(m);
  };
  if (total <= cap) {
    PartPlan whole;
    for (std::size_t i = 0; i < notice_sheets.size(); ++i) whole.notices.push_back(i);
    whole.slips = order;
    whole.sheets = total;
    out.value.push_back(std::move(whole));
    return out;
  }
  if (m.oversize == tsuchi::Mailing::Oversize::refuse) {
    out.problems.push_back(mailing_error(over(total) + " (mailing.oversize = \"refuse\")"));
    return out;
  }
  for (std::size_t i = 0; i < notice_sheets.size(); ++i)
    if (notice_sheets[i] > cap) {
      out.problems.push_back(mailing_error("notice " + std::to_string(i + 1) + " alone takes " +
                                           over(notice_sheets[i]) + "; no split can mail it"));
      return out;
    }

  // Slips in units no part may cut: a sheet's worth in print order, or (by_month) one billed
  // month of every child, month after month (期別 bundles).
  std::vector<std::vector<std::size_t>> units;
  if (m.oversize == tsuchi::Mailing::Oversize::by_month) {
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return slip_months[a] < slip_months[b]; });
    for (std::size_t i : order) {
      if (units.empty() || slip_months[units.back().front()] != slip_months[i]) units.emplace_back();
      units.back().push_back(i);
    }
  } else {
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (i % static_cast<std::size_t>(per) == 0) units.emplace_back();
      units.back().push_back(order[i]);
    }
  }

  std::vector<PartPlan>& parts = out.value;
  int notice_pages = 0;  // of the open part
  auto slip_sheets = [&](const PartPlan& p, std::size_t more) { return sheets_for_slips(p.slips.size() + more, per); };
  auto open = [&](bool cover) {
    parts.emplace_back();
    parts.back().cover = cover;
    notice_pages = 0;
  };
  open(false);
  for (std::size_t i = 0; i < notice_sheets.size(); ++i) {
    if (notice_pages + notice_sheets[i] > cap) open(false);
    parts.back().notices.push_back(i);
    notice_pages += notice_sheets[i];
  }
  for (const auto& unit : units) {
    if (parts.back().notices.empty() && parts.back().slips.empty()) parts.back().cover = true;
    auto sheets_with = [&](const PartPlan& p) { return (p.cover ? 1 : 0) + notice_pages + slip_sheets(p, unit.size()); };
    if (sheets_with(parts.back()) > cap) {
      if (!parts.back().notices.empty() || !parts.back().slips.empty()) open(true);
      else parts.back().cover = true;
      if (sheets_with(parts.back()) > cap) {
        const int need = sheets_with(parts.back());
        const bool by_month = m.oversize == tsuchi::Mailing::Oversize::by_month;
        out.problems.push_back(mailing_error(
            (by_month ? "the slips of " + slip_months[unit.front()].iso() + " with the cover sheet of its envelope take "
                      : std::string("a slip sheet with the cover sheet of its envelope takes ")) +
            over(need)));
        return out;
      }
    }
    auto& p = parts.back();
    p.slips.insert(p.slips.end(), unit.begin(), unit.end());
  }
  for (auto& p : parts) {
    p.sheets = (p.cover ? 1 : 0) + sheets_for_slips(p.slips.size(), per);
    for (std::size_t i : p.notices) p.sheets += notice_sheets[i];
  }
  return out;
}

std::string Mailpiece::part_text() const {
  return parts > 0 ? std::to_string(part) + "/" + std::to_string(parts) : std::string();
}

Typesetter::Typesetter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Typesetter::~Typesetter() = default;

Checked<std::unique_ptr<Typesetter>> Typesetter::create(const std::string& data_dir, const tsuchi::Municipality& m,
                                                        std::shared_ptr<text::FormCache> forms_cache) {
  Checked<std::unique_ptr<Typesetter>> out;
  auto impl = std::make_unique<Impl>();
  auto engine = text::TextEngine::load(data_dir + "/fonts/fonts.toml");
  out.problems = std::move(engine.problems);
  impl->text = std::move(engine.value);
  auto forms = forms::load_forms(data_dir, m);
  out.problems.insert(out.problems.end(), forms.problems.begin(), forms.problems.end());
  impl->forms = std::move(forms.value);
  impl->forms.shared = forms_cache ? std::move(forms_cache) : std::make_shared<text::FormCache>();
  auto cover = forms::load_cover_text(data_dir);
  out.problems.insert(out.problems.end(), cover.problems.begin(), cover.problems.end());
  impl->cover = std::move(cover.value);
  if (!m.seal_image.empty() && !std::filesystem::is_regular_file(m.seal_image))
    out.problems.push_back({Diagnostic::Severity::error, m.file, 0, 0, "seal_image", m.seal_image,
                            "the seal image (公印) does not exist"});
  impl->municipality = m;
  if (!has_errors(out.problems) && impl->text) out.value.reset(new Typesetter(std::move(impl)));
  return out;
}

std::vector<text::MissingGlyph> Typesetter::missing(std::string_view utf8, text::Role role) const {
  return impl_->text->missing(utf8, role);
}

const std::vector<display::Face>& Typesetter::faces() const { return impl_->text->faces(); }

namespace {

// Pages of one envelope numbered 1..n under its id, each with its insertion QR.
void number_pages(std::vector<display::Page>& pages, const std::string& id, const forms::Forms& f,
                  const text::TextEngine& te) {
  const int n = static_cast<int>(pages.size());
  for (int i = 0; i < n; ++i) {
    display::Page& p = pages[i];
    p.envelope_id = id;
    p.page_in_envelope = i + 1;
    p.pages_in_envelope = n;
    forms::insertion_qr(p, te, p.kind == display::PageKind::slip ? f.slip.qr : f.notice.qr);
  }
}

const decide::Decision* child_of(const compose::Envelope& e, const compose::SlipWithCode& s) {
  const decide::Decision* child = nullptr;
  for (const auto& d : e.notices)
    if (d.c.case_id == s.slip.case_id) child = &d;
  return child;
}

}  // namespace

std::vector<display::Page> Typesetter::envelope_pages(const compose::Envelope& e, const std::string& batch_id) const {
  const auto& f = impl_->forms;
  const auto& te = *impl_->text;
  const auto& m = impl_->municipality;
  const std::string id = compose::envelope_id(batch_id, e.sequence);
  std::vector<display::Page> pages;
  for (std::size_t i = 0; i < e.notices.size(); ++i) {
    // Only the envelope's first sheet faces the window, so only it carries the customer barcode.
    forms::NoticeInput in{e.notices[i], e.to, id, i == 0 && !e.to.customer_barcode.empty()};
    for (auto& p : forms::notice_pages(f, te, m, in)) pages.push_back(std::move(p));
  }
  std::vector<forms::SlipOnSheet> slips;
  for (const auto& s : e.slips) slips.push_back({&s, child_of(e, s)});
  for (auto& p : forms::slip_pages(f, te, m, slips, e.to)) pages.push_back(std::move(p));
  number_pages(pages, id, f, te);
  return pages;
}

Checked<std::vector<Mailpiece>> Typesetter::mailing(const compose::Envelope& e, const std::string& batch_id) const {
  Checked<std::vector<Mailpiece>> out;
  const auto& f = impl_->forms;
  const auto& te = *impl_->text;
  const auto& m = impl_->municipality;
  const std::string id = compose::envelope_id(batch_id, e.sequence);
  const bool barcode = !e.to.customer_barcode.empty();
  auto fail = [&](const std::string& reason) {
    out.problems.push_back({Diagnostic::Severity::error, m.file, 0, 0, "", "", "envelope " + id + ": " + reason});
    return out;
  };

  // Notices first, as they will print when the mailing goes whole: their pages decide the plan.
  std::vector<std::vector<display::Page>> notices;
  std::vector<int> notice_sheets;
  for (std::size_t i = 0; i < e.notices.size(); ++i) {
    notices.push_back(forms::notice_pages(f, te, m, {e.notices[i], e.to, id, i == 0 && barcode}));
    notice_sheets.push_back(static_cast<int>(notices.back().size()));
  }
  std::vector<YearMonth> months;
  for (const auto& s : e.slips) months.push_back(s.slip.month);
  auto plan = plan_mailing(notice_sheets, months, forms::slips_per_sheet(f), m.mailing);
  if (!plan.ok()) return fail(plan.problems.front().reason);
  const int parts = static_cast<int>(plan.value.size());

  for (int k = 0; k < parts; ++k) {
    const PartPlan& part = plan.value[k];
    Mailpiece piece;
    piece.envelope_id = parts == 1 ? id : compose::envelope_id(batch_id, e.sequence, k + 1);
    piece.part = parts == 1 ? 0 : k + 1;
    piece.parts = parts == 1 ? 0 : parts;
    piece.cover = part.cover;
    piece.contents.sequence = e.sequence;
    piece.contents.guardian_atena_no = e.guardian_atena_no;
    piece.contents.to = e.to;
    std::vector<const compose::SlipWithCode*> slips;
    for (std::size_t i : part.slips) slips.push_back(&e.slips[i]);
    // The window page of every part carries the recipient, the part's label and the customer barcode.
    if (part.cover)
      piece.pages.push_back(forms::cover_page(f, impl_->cover, te, m, {e, slips, piece.envelope_id, k + 1, parts, barcode}));
    for (std::size_t j = 0; j < part.notices.size(); ++j) {
      const std::size_t i = part.notices[j];
      piece.contents.notices.push_back(e.notices[i]);
      if (parts == 1) {
        for (auto& p : notices[i]) piece.pages.push_back(std::move(p));
        continue;
      }
      const bool window = j == 0 && !part.cover;
      const std::string label = forms::part_label(impl_->cover, piece.envelope_id, k + 1, parts);
      // A notice says 同封 only when every slip of its child travels in this same part.
      bool enclosed = true;
      for (std::size_t s = 0; s < e.slips.size(); ++s)
        if (e.slips[s].slip.case_id == e.notices[i].c.case_id &&
            std::find(part.slips.begin(), part.slips.end(), s) == part.slips.end())
          enclosed = false;
      for (auto& p : forms::notice_pages(f, te, m, {e.notices[i], e.to, label, window && barcode, enclosed}))
        piece.pages.push_back(std::move(p));
    }
    std::vector<forms::SlipOnSheet> on_sheets;
    for (const auto* s : slips) {
      piece.contents.slips.push_back(*s);
      on_sheets.push_back({s, child_of(e, *s)});
    }
    for (auto& p : forms::slip_pages(f, te, m, on_sheets, e.to)) piece.pages.push_back(std::move(p));
    // The plan counted slip sheets as slips_per_sheet() promises; what was drawn is what is weighed.
    if (piece.sheets() > sheet_limit(m.mailing))
      return fail((parts == 1 ? std::string() : "part " + piece.part_text() + ": ") +
                  std::to_string(piece.sheets()) + " sheets, " + grams_text(m.mailing.grams(piece.sheets())) +
                  " g: over the limit of " + limits_text(m.mailing));
    number_pages(piece.pages, piece.envelope_id, f, te);
    out.value.push_back(std::move(piece));
  }
  return out;
}

}  // namespace tsuchi::typeset
