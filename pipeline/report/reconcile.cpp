// The reconcile report for the file (SPEC §9, `tsuchi reconcile --pdf`): the same ReconcileReport
// the text, CSV and JSON forms print, as tables on A4.
#include <algorithm>

#include "report/internal.hpp"
#include "report/report.hpp"

namespace tsuchi::report {

namespace {

std::string yes(bool b) { return b ? "yes" : "no"; }
std::string n(int v) { return std::to_string(v); }

}  // namespace

Checked<std::string> reconcile_pdf(const ledger::ReconcileReport& r, const text::TextEngine& te,
                                   const std::string& printed_at) {
  using namespace detail;
  Report doc;
  doc.title = "Reconciliation (照合) as of " + r.as_of;
  doc.footer = "tsuchi reconcile — as of " + r.as_of + " — printed " + printed_at;
  // The head lets an auditor check that the report was made from the ledger they hold.
  doc.sections.push_back({"Ledger", {Pairs{{{"as of", r.as_of}, {"audit log head (監査ログ)", r.head.text()}}}}});

  Table batches{{{"batch", 40},
                 {"month", 17},
                 {"sealed", 13, true},
                 {"mailed", 13, true},
                 {"returned", 15, true},
                 {"spoiled", 13, true},
                 {"destroyed", 16, true},
                 {"missing", 14, true},
                 {"not handed", 16, true},
                 {"open ret.", 15, true},
                 {"certified", 15, true},
                 {"closed", 13, true}},
                {},
                false};
  for (const auto& b : r.batches)
    batches.rows.push_back({b.batch_id, b.month, n(b.sealed), n(b.mailed), n(b.returned), n(b.spoiled), n(b.destroyed),
                            n(static_cast<int>(b.missing.size())), n(b.not_handed_over),
                            n(static_cast<int>(b.open_returns.size())),
                            yes(b.certified), yes(b.closed)});
  Section per_batch{"Batches (" + std::to_string(r.batches.size()) + ")", {}};
  if (r.batches.empty()) per_batch.blocks.push_back(Text{"no batches"});
  else per_batch.blocks.push_back(std::move(batches));
  per_batch.blocks.push_back(Text{"mailed = delivered + returned; returned = resent + handed over + public notice + open. "
                                  "Spoiled and destroyed count sheets; the rest count envelopes."});
  doc.sections.push_back(std::move(per_batch));

  Table months{{{"month", 20},
                {"batches", 14, true},
                {"closed", 14, true},
                {"sealed", 14, true},
                {"mailed", 14, true},
                {"returned", 15, true},
                {"open ret.", 15, true},
                {"missing", 14, true},
                {"spoiled", 14, true},
                {"destroyed", 16, true}},
               {},
               false};
  for (const auto& m : r.months)
    months.rows.push_back({m.month, n(m.batches), n(m.closed), n(m.sealed), n(m.mailed), n(m.returned), n(m.open),
                           n(m.missing), n(m.spoiled), n(m.destroyed)});
  if (!r.months.empty()) doc.sections.push_back({"Months", {std::move(months)}});
  if (!r.voided.empty()) {
    Table voided{{{"voided run (out of every total)", 60}, {"month", 20}, {"batches", 90}}, {}, false};
    for (const auto& v : r.voided) {
      std::string ids;
      for (const auto& id : v.batch_ids) ids += (ids.empty() ? "" : " ") + id;
      voided.rows.push_back({v.run_id, v.month, ids});
    }
    doc.sections.push_back({"Voided runs", {std::move(voided)}});
  }

  // Custody steps and what each batch still lacks.
  Table steps{{{"batch", 40},
               {"approved", 15},
               {"handed over", 17},
               {"receipt", 14},
               {"work log", 14},
               {"media (certified)", 60}},
              {},
              false};
  for (const auto& b : r.batches) {
    std::string media;
    for (const auto& m : b.media) {
      bool done = std::find(b.certified_media.begin(), b.certified_media.end(), m) != b.certified_media.end();
      media += (media.empty() ? "" : ", ") + m + (done ? " (yes)" : " (no)");
    }
    steps.rows.push_back({b.batch_id, yes(b.approved), yes(b.handed), yes(b.received), yes(b.worklog), media});
  }
  if (!r.batches.empty()) doc.sections.push_back({"Custody steps", {std::move(steps)}});

  Section missing{"Missing envelopes (sealed, not reported mailed)", {}};
  Section open{"Open returns (returned mail, follow-up still open)", {}};
  Section issues{"Flags and overdue items", {}};
  // One id a row: ids are what staff look up or scan against, so they are never wrapped.
  Table missing_ids{{{"envelope id", 60}, {"batch", 40}}, {}, false};
  Table open_ids{{{"envelope id", 60}, {"batch", 40}}, {}, false};
  for (const auto& b : r.batches) {
    for (const auto& e : b.missing) missing_ids.rows.push_back({e, b.batch_id});
    for (const auto& e : b.open_returns) open_ids.rows.push_back({e, b.batch_id});
    // "Mailed but never handed over" is how notices leave without custody: red, first.
    for (const auto& f : b.flags)
      issues.blocks.push_back(Text{b.batch_id + ": flag: " + f, f.rfind("mailed but never handed over", 0) == 0});
    for (const auto& o : b.overdue) issues.blocks.push_back(Text{b.batch_id + ": overdue: " + o.what + " (due " + o.due + ")"});
  }
  if (!missing_ids.rows.empty()) missing.blocks.push_back(std::move(missing_ids));
  if (!open_ids.rows.empty()) open.blocks.push_back(std::move(open_ids));
  for (auto* s : {&missing, &open, &issues}) {
    if (s->blocks.empty()) s->blocks.push_back(Text{"none"});
    doc.sections.push_back(std::move(*s));
  }

  render::PdfOptions opt;
  opt.title = "Reconciliation " + r.as_of;
  if (printed_at.size() >= 19) opt.creation_date = printed_at.substr(0, 19);
  return to_pdf(doc, te, opt);
}

}  // namespace tsuchi::report
