// Typesetter: fonts, wording and layouts loaded once per run; each envelope becomes its pages.
#include "typeset/typeset.hpp"

#include <filesystem>

#include "typeset/forms.hpp"

namespace tsuchi::typeset {

struct Typesetter::Impl {
  std::unique_ptr<text::TextEngine> text;
  forms::Forms forms;
  tsuchi::Municipality municipality;
};

Typesetter::Typesetter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Typesetter::~Typesetter() = default;

Checked<std::unique_ptr<Typesetter>> Typesetter::create(const std::string& data_dir, const tsuchi::Municipality& m) {
  Checked<std::unique_ptr<Typesetter>> out;
  auto impl = std::make_unique<Impl>();
  auto engine = text::TextEngine::load(data_dir + "/fonts/fonts.toml");
  out.problems = std::move(engine.problems);
  impl->text = std::move(engine.value);
  auto forms = forms::load_forms(data_dir, m);
  out.problems.insert(out.problems.end(), forms.problems.begin(), forms.problems.end());
  impl->forms = std::move(forms.value);
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
  for (const auto& s : e.slips) {
    const decide::Decision* child = nullptr;
    for (const auto& d : e.notices)
      if (d.c.case_id == s.slip.case_id) child = &d;
    slips.push_back({&s, child});
  }
  for (auto& p : forms::slip_pages(f, te, m, slips, e.to)) pages.push_back(std::move(p));
  const int n = static_cast<int>(pages.size());
  for (int i = 0; i < n; ++i) {
    display::Page& p = pages[i];
    p.envelope_id = id;
    p.page_in_envelope = i + 1;
    p.pages_in_envelope = n;
    forms::insertion_qr(p, te, p.kind == display::PageKind::slip ? f.slip.qr : f.notice.qr);
  }
  return pages;
}

}  // namespace tsuchi::typeset
