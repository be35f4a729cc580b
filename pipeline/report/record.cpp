// The supervisor documents as the commands leave them: written beside the run or where asked,
// atomically, and put on the ledger's record; the commands only print the outcome.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/digest.hpp"
#include "core/file.hpp"
#include "report/report.hpp"

namespace tsuchi::report {

namespace {
void append(Diagnostics& to, Diagnostics more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}
}  // namespace

Checked<RecordedReview> write_review(ledger::Ledger& l, const seal::RunFile& run, const ledger::Actor& who,
                                     const std::string& fees_toml, const text::TextEngine& te) {
  Checked<RecordedReview> out;
  Checked<FeeSchedules> fees;
  if (!fees_toml.empty()) fees = load_fees(fees_toml);
  out.problems = std::move(fees.problems);
  if (!out.ok()) return out;
  auto sheet = review_sheet(l, run.run_id, {fees_toml.empty() ? nullptr : &fees.value, who.user, ledger::utc_now()});
  if (!sheet.ok()) {
    append(out.problems, std::move(sheet.problems));
    append(out.problems, l.append_audit({"review", {"run:" + run.run_id}, "refused: unknown run"}, who));
    return out;
  }
  auto& r = out.value;
  r.sheet = std::move(sheet.value);
  r.sheet.input_warnings = run.warnings;
  r.text = to_text(r.sheet);
  auto pdf = review_pdf(r.sheet, te);
  if (!pdf.ok()) return append(out.problems, std::move(pdf.problems)), out;
  // review.txt last: it is the sheet approve checks, so it appears only with its PDF beside it.
  const std::filesystem::path dir(run.dir);
  r.written = file::write_atomically((dir / "review.pdf").string(), pdf.value) &&
              file::write_atomically((dir / "review.txt").string(), r.text);
  if (!r.written) return out;
  r.sha256 = digest::sha256_hex(r.text);
  if (auto ds = l.record_review(run.run_id, r.sha256, who); has_errors(ds)) append(out.problems, std::move(ds));
  return out;
}

Checked<bool> write_certificate_form(ledger::Ledger& l, const std::string& batch_id, const ledger::Actor& who,
                                     const text::TextEngine& te, const std::string& out) {
  const std::string command = "certificate form";
  auto batch = l.batch(batch_id);
  if (!batch) {
    Diagnostics ds{{Diagnostic::Severity::error, l.path(), 0, 0, "", "", "no batch " + batch_id + " in the ledger"}};
    append(ds, l.append_audit({command, {"batch:" + batch_id}, "refused: unknown batch"}, who));
    return {false, std::move(ds)};
  }
  // Addressed from the pinned configuration: a file named on the command line could redirect the form.
  const auto pinned = l.config();
  auto m = parse_municipality(pinned.text, pinned.source);
  Diagnostics ds = std::move(m.problems);
  if (has_errors(ds)) return {false, std::move(ds)};
  CertificateForm form{*batch, m.value.mayor_title, m.value.city_name + " " + m.value.contact.department,
                       ledger::utc_now(), l.head()};
  auto pdf = certificate_form_pdf(form, te);
  if (!pdf.ok()) append(ds, std::move(pdf.problems));
  if (has_errors(ds) || !file::write_atomically(out, pdf.value)) return {false, std::move(ds)};
  if (auto a = l.append_audit({command, {"batch:" + batch_id, "file:" + digest::sha256_hex(pdf.value)}, "ok"}, who);
      has_errors(a))
    append(ds, std::move(a));
  return {true, std::move(ds)};
}

Checked<ledger::ImportSummary> import_certificate(ledger::Ledger& l, ledger::CertificateRequest req,
                                                  const ledger::Actor& who) {
  // With --batch the form's code, when the file has one, must agree; without it the code decides,
  // so it must be unambiguous (output_spec/certificate-form.md).
  req.matcher = certificate_matcher();
  if (req.batch_id.empty()) {
    std::ifstream f(req.file, std::ios::binary);
    auto m = file_matcher(req.file, {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()});
    if (!m.ok()) {
      append(m.problems, l.append_audit({req.no_form_code ? "import certificate override" : "import certificate", {},
                                          "refused: several forms"},
                                         who));
      return {{}, std::move(m.problems)};
    }
    req.matcher = std::move(m.value);
  }
  return l.import_certificate(req, who);
}

std::string reconcile_lists_path(const std::string& csv_path) {
  const std::size_t n = csv_path.size();
  const bool suffixed = n > 4 && std::equal(csv_path.end() - 4, csv_path.end(), ".csv", [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return (suffixed ? csv_path.substr(0, n - 4) : csv_path) + "-lists.csv";
}

Checked<std::string> write_reconcile(const ledger::ReconcileReport& r, const std::string& csv_path,
                                     const std::string& pdf_path, const text::TextEngine* te) {
  if (!csv_path.empty()) {
    const std::string lists_path = reconcile_lists_path(csv_path);
    auto tables = ledger::to_csv(r, csv_path, lists_path);
    if (!tables.ok()) return {{}, std::move(tables.problems)};
    if (!file::write_atomically(csv_path, tables.value.batches)) return {csv_path, {}};
    if (!file::write_atomically(lists_path, tables.value.lists)) return {lists_path, {}};
  }
  if (pdf_path.empty() || !te) return {};
  auto pdf = reconcile_pdf(r, *te, ledger::utc_now());
  if (!pdf.ok()) return {{}, std::move(pdf.problems)};
  return {file::write_atomically(pdf_path, pdf.value) ? "" : pdf_path, std::move(pdf.problems)};
}

}  // namespace tsuchi::report
