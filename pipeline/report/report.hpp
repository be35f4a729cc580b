// Report: the supervisor's documents (SPEC §8, §9) — the review sheet (審査票), the destruction/
// return certificate form (消去・返却証明書) with its QR code, the reconcile report as PDF — and
// reading a returned, scanned form back to its batch. Documents are display lists (display/display.hpp) rendered
// with render::pdf_bytes. Like the ledger they hold ids, counts and amounts only, never a name,
// an address or a My Number. Contents: output_spec/review.md, output_spec/reconcile.md,
// output_spec/certificate-form.md.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/core.hpp"
#include "ledger/ledger.hpp"
#include "seal/seal.hpp"

namespace tsuchi::text {
class TextEngine;
}

namespace tsuchi::report {

// ---- Review sheet (審査票, SPEC §8) ----

struct BatchCount {
  std::string batch_id;
  int envelopes = 0, pages = 0, sheets = 0;
};
struct MonthBilled {  // one billed month (期別)
  std::string month;  // YYYY-MM
  int envelopes = 0, slips = 0;
  Yen amount = 0;
};
struct AmountChange {  // one case and billed month whose total differs from the previous run
  std::string case_id, month;
  Yen before = 0, after = 0;  // 0 = no slip for that month
  Yen delta() const { return after - before; }
};
struct Comparison {
  std::string run_id, user, created_at, month;
  bool same_month = false;  // false: no earlier run of this month, so the last run before it
  int cases_in_both = 0;
  Yen billed_before = 0;  // the previous run's total over all its slips
  std::vector<std::string> new_cases, dropped_cases;  // sorted
  std::vector<AmountChange> changes;                  // largest |delta| first, then case_id, month
};

enum class AnomalyKind {
  account_transfer_slip,  // a slip for a case paid by account transfer (口座振替)
  duplicate_slip,         // two or more slips for one case and month
  outside_schedule,       // an amount no bracket of the schedule in force can give, or <= 0
};
struct Anomaly {
  AnomalyKind kind;
  std::string case_id, month;
  std::vector<Yen> amounts;
  std::vector<std::string> envelope_ids;
  std::string why;  // outside_schedule, as printed: "2025-04 料金表にない金額", "適用される料金表なし", "0円以下"
};

// Sheets and estimated grams of the run's envelopes against the limits they must post under.
struct MailingReview {
  bool limits_known = false;     // false: the pinned configuration could not be read
  tsuchi::Mailing limits;        // as pinned in the ledger
  std::map<int, int> by_sheets;  // sheets -> envelopes
  int split_mailings = 0;        // households mailed in more than one envelope
  int split_envelopes = 0;       // the envelopes they became (ids ending in -k)
  int heaviest_sheets() const { return by_sheets.empty() ? 0 : by_sheets.rbegin()->first; }
  int over_limit() const;        // envelopes beyond a limit: never expected, listed loudly
};

struct ReviewSheet {
  std::string run_id, maker, created_at, month;  // month = the run's billing month
  std::string prepared_by, prepared_at;
  ledger::Head head;  // the audit log's newest record when the sheet was made
  std::vector<BatchCount> batches;
  int decision_notices = 0, change_notices = 0;
  std::vector<MonthBilled> billed;  // by billed month, ascending
  int envelopes_with_slips = 0;
  std::optional<Comparison> previous;  // nullopt: the first run in the ledger
  std::vector<Anomaly> anomalies;      // kind order, then case_id, month
  bool schedule_checked = false;       // false: no fee schedule was given
  std::vector<std::string> input_warnings;  // from run.json: validation warnings (case ids, code points)
  MailingReview mailing;

  int envelopes() const;
  int slips() const;
  Yen billed_total() const;
};

struct ReviewOptions {
  const FeeSchedules* fees = nullptr;  // nullptr: amounts are not checked against a schedule
  std::string prepared_by, prepared_at;        // who asked for the sheet and when (ISO-8601 UTC)
};
inline constexpr std::size_t kTopChanges = 20;  // changes and case lists printed on the sheet

// Everything from the ledger, with its audit head; an unknown run is an error value.
Checked<ReviewSheet> review_sheet(const ledger::Ledger& l, const std::string& run_id, const ReviewOptions& opt);
// review.txt (also printed on stdout): the SHA-256 of exactly these bytes is what approve insists on.
std::string to_text(const ReviewSheet& s);
Checked<std::string> review_pdf(const ReviewSheet& s, const text::TextEngine& te);

// Every amount a slip of `month` may carry under `fees`: each bracket's standard and short
// charge times each child-order factor (reduced amounts rounded down), or no charge, each with
// or without the side-dish fee. Empty when no schedule is in force in that month.
std::vector<Yen> schedule_amounts(const FeeSchedules& fees, const YearMonth& month);

// ---- Certificate form (SPEC §9) ----

// "TSUCHI-CERT/<batch_id>/<manifest sha256>", ASCII, in the form's QR code.
std::string certificate_payload(const ledger::FormCode& code);
// nullopt unless `text` is exactly such a payload (64 lower-case hex digits).
std::optional<ledger::FormCode> parse_certificate_payload(std::string_view text);

inline constexpr double kFormModuleMm = 0.8;  // ≥ 0.5 mm: ≥ 4.7 px a module at a 150 dpi scan

struct CertificateForm {
  ledger::BatchInfo batch;
  std::string addressee;    // e.g. "熊谷市長" (printed with 様); empty = a blank line to fill in
  std::string return_to;    // office the form goes back to (担当課); may be empty
  std::string printed_at;   // ISO-8601 UTC
  ledger::Head head;        // the audit head it was printed at, by the city's sign-off box
};
Checked<std::string> certificate_form_pdf(const CertificateForm& f, const text::TextEngine& te);

// Every form code found in a PDF, one entry per page in page order (duplicates kept): each page
// is rendered with Poppler at `dpi` (then at 200 dpi when nothing was found) and decoded with
// ZXing. A file Poppler cannot read is an error value; pages without a code add nothing.
Checked<std::vector<ledger::FormCode>> read_form_codes(const std::string& pdf_bytes, double dpi = 150);
// The ledger's matcher: the form's code when every code in the file names the same batch and
// digest; nullopt when there is none or they disagree.
ledger::CertificateMatcher certificate_matcher();
// The matcher for one certificate file imported without a batch id, its codes read once: the
// file's one form code, none when it holds no code, an error when it holds several batches' forms.
Checked<ledger::CertificateMatcher> file_matcher(const std::string& file_name, const std::string& file_bytes);

// ---- Reconcile report as PDF (SPEC §9, §12 `--pdf`), with the audit head it was made at ----
Checked<std::string> reconcile_pdf(const ledger::ReconcileReport& r, const text::TextEngine& te,
                                   const std::string& printed_at);

// ---- the documents on file and on record (what the commands do; they print the outcome) ----

// `tsuchi review`: the sheet of `run`, prepared by `who` at the ledger's head, written into its folder
// (review.pdf, then review.txt, the sheet approve checks) and the SHA-256 of review.txt recorded for
// approval. Amounts are checked against fees_toml when given (empty: not checked). An unknown run is
// refused on record.
struct RecordedReview {
  ReviewSheet sheet;
  std::string text, sha256;  // review.txt, also printed on stdout, and its digest
  bool written = false;      // false (with no problem listed): review.txt or review.pdf could not be written
};
Checked<RecordedReview> write_review(ledger::Ledger& l, const seal::RunFile& run, const ledger::Actor& who,
                                     const std::string& fees_toml, const text::TextEngine& te);

// `tsuchi certificate form`: the batch's form, addressed from the configuration pinned in the ledger,
// written to `out` and audited with its digest; false (no problem listed): `out` could not be written.
Checked<bool> write_certificate_form(ledger::Ledger& l, const std::string& batch_id, const ledger::Actor& who,
                                     const text::TextEngine& te, const std::string& out);

// `tsuchi import certificate`: the form matched to its batch by its QR code (without a batch id the
// file's codes decide, and a file of several batches' forms is refused on record), then recorded.
Checked<ledger::ImportSummary> import_certificate(ledger::Ledger& l, ledger::CertificateRequest req,
                                                  const ledger::Actor& who);

// `tsuchi reconcile --csv F --pdf P`: F the per-batch table, reconcile_lists_path(F) its lists one item a
// row (output_spec/csv.md), P the report as PDF (`te` needed for it); an empty path is skipped. The
// value is the path that could not be written, or empty.
Checked<std::string> write_reconcile(const ledger::ReconcileReport& r, const std::string& csv_path,
                                     const std::string& pdf_path, const text::TextEngine* te);
// F.csv -> F-lists.csv (and F -> F-lists.csv): the reconcile table's lists beside it.
std::string reconcile_lists_path(const std::string& csv_path);

}  // namespace tsuchi::report
