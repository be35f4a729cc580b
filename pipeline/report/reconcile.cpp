// The reconcile report for the file (SPEC §9, `tsuchi reconcile --pdf`): the same ReconcileReport
// the text, CSV and JSON forms print, as tables on A4.
#include <algorithm>

#include "report/internal.hpp"
#include "report/report.hpp"

namespace tsuchi::report {

namespace {

std::string done(bool b) { return b ? detail::ja::done : detail::ja::not_done; }
std::string n(int v) { return std::to_string(v); }

// An overdue step by its ledger name ("receipt", "worklog", "certificate:<medium>"), in Japanese.
std::string step(const std::string& what) {
  using namespace detail;
  if (what == "receipt") return ja::receipt;
  if (what == "worklog") return ja::worklog;
  if (what.rfind("certificate:", 0) == 0) return std::string(ja::certificate) + "・" + what.substr(12);
  return what;
}

// One row per term, present whatever the counts: the figures a supervisor signs for at a glance.
detail::Table summary(const ledger::ReconcileReport& r) {
  using namespace detail;
  int approved = 0, sealed = 0, mailed = 0, returned = 0, open = 0, spoiled = 0, destroyed = 0, missing = 0, overdue = 0;
  for (const auto& b : r.batches) {
    approved += b.approved;
    sealed += b.sealed;
    mailed += b.mailed;
    returned += b.returned;
    open += static_cast<int>(b.open_returns.size());
    spoiled += b.spoiled;
    destroyed += b.destroyed;
    missing += static_cast<int>(b.missing.size());
    overdue += static_cast<int>(b.overdue.size());
  }
  const std::string batches = n(static_cast<int>(r.batches.size()));
  Table t{{{"区分", 24}, {ja::count, 20, true}, {"単位", 12}, {"内容", 118}}, {}, false};
  t.rows = {{ja::approval, n(approved), ja::batch, "承認済みのバッチ（全 " + batches + " バッチ中）"},
            {ja::sealed, n(sealed), "通", "封入・封緘した封筒"},
            {ja::mailed, n(mailed), "通", "受託者から発送の報告があった封筒"},
            {ja::returned, n(returned), "通", "返戻された郵便（うち" + std::string(ja::open_return) + " " + n(open) + " 通）"},
            {ja::spoiled, n(spoiled), "枚", "作業報告にある損紙"},
            {ja::destroyed, n(destroyed), "枚", "証明書で廃棄が確認された損紙"},
            {ja::missing, n(missing), "通", "封入したが発送の報告がない封筒"},
            {ja::overdue, n(overdue), "件", "期限を過ぎても記録のない手続（受領書・作業報告・証明書）"}};
  return t;
}

}  // namespace

Checked<std::string> reconcile_pdf(const ledger::ReconcileReport& r, const text::TextEngine& te,
                                   const std::string& printed_at) {
  using namespace detail;
  Report doc;
  doc.title = "照合報告書　基準日 " + r.as_of;
  doc.footer = "照合報告書 — 基準日 " + r.as_of + " — 作成 " + printed_at;
  // The head lets an auditor check that the report was made from the ledger they hold.
  doc.head = r.head.text();
  doc.made_at = printed_at;
  doc.sections.push_back({"台帳", {Pairs{{{"基準日", r.as_of},
                                          {std::string(ja::made_at) + "（UTC）", printed_at},
                                          {ja::audit_head, r.head.text()},
                                          {"監査ログの検証", r.audit_intact ? "正常" : "異常：" + r.audit_problem}}}}});
  doc.sections.push_back({"集計", {summary(r)}});

  // The contractor's work-log words in small print, so the columns read against its files.
  Table batches{{{ja::batch_id, 40},
                 {ja::month, 17},
                 {ja::sealed, 13, true, "inserted"},
                 {ja::mailed, 13, true, "mailed"},
                 {ja::returned, 13, true, "returned"},
                 {ja::spoiled, 13, true, "spoiled"},
                 {ja::destroyed, 13, true, "destroyed"},
                 {ja::missing, 13, true},
                 {ja::not_handed, 14, true},
                 {ja::open_return, 18, true},
                 {ja::certificate, 14, true},
                 {ja::closed, 12, true}},
                {},
                false};
  for (const auto& b : r.batches)
    batches.rows.push_back({b.batch_id, b.month, n(b.sealed), n(b.mailed), n(b.returned), n(b.spoiled), n(b.destroyed),
                            n(static_cast<int>(b.missing.size())), n(b.not_handed_over),
                            n(static_cast<int>(b.open_returns.size())), done(b.certified), done(b.closed)});
  Section per_batch{"バッチ別（" + std::to_string(r.batches.size()) + " バッチ）", {}};
  if (r.batches.empty()) per_batch.blocks.push_back(Text{"バッチはありません"});
  else per_batch.blocks.push_back(std::move(batches));
  per_batch.blocks.push_back(Text{"発送 = 配達 + 返戻、返戻 = 再送 + 施設での手渡し + 公示送達 + 返戻対応中。"
                                  "損紙と廃棄は枚数、その他は封筒の数です。"});
  doc.sections.push_back(std::move(per_batch));

  Table months{{{ja::month, 20},
                {ja::batch, 14, true},
                {ja::closed, 14, true},
                {ja::sealed, 14, true},
                {ja::mailed, 14, true},
                {ja::returned, 14, true},
                {ja::open_return, 18, true},
                {ja::missing, 14, true},
                {ja::spoiled, 14, true},
                {ja::destroyed, 14, true}},
               {},
               false};
  for (const auto& m : r.months)
    months.rows.push_back({m.month, n(m.batches), n(m.closed), n(m.sealed), n(m.mailed), n(m.returned), n(m.open),
                           n(m.missing), n(m.spoiled), n(m.destroyed)});
  if (!r.months.empty()) doc.sections.push_back({"対象月別", {std::move(months)}});
  if (!r.voided.empty()) {
    // One batch a row, the run and month on its first: a run of many batches never runs off its cell.
    Table voided{{{"取り消した実行（合計に含めない）", 60}, {ja::month, 20}, {ja::batch_id, 50}}, {}, false};
    for (const auto& v : r.voided) {
      if (v.batch_ids.empty()) voided.rows.push_back({v.run_id, v.month, ""});
      for (std::size_t i = 0; i < v.batch_ids.size(); ++i)
        voided.rows.push_back({i == 0 ? v.run_id : "", i == 0 ? v.month : "", v.batch_ids[i]});
    }
    doc.sections.push_back({"取り消した実行", {std::move(voided)}});
  }

  // Custody steps and what each batch still lacks.
  Table steps{{{ja::batch_id, 40},
               {ja::approval, 14},
               {ja::handover, 14},
               {ja::receipt, 14},
               {ja::worklog, 16},
               {"媒体（証明書）", 62}},
              {},
              false};
  for (const auto& b : r.batches) {
    std::string media;
    for (const auto& m : b.media) {
      bool got = std::find(b.certified_media.begin(), b.certified_media.end(), m) != b.certified_media.end();
      media += (media.empty() ? "" : ", ") + m + "（" + done(got) + "）";
    }
    steps.rows.push_back({b.batch_id, done(b.approved), done(b.handed), done(b.received), done(b.worklog), media});
  }
  if (!r.batches.empty()) doc.sections.push_back({"手続の状況", {std::move(steps)}});

  Section missing{std::string(ja::missing) + "の封筒（封入済み・発送の報告なし）", {}};
  Section open{std::string(ja::open_return) + "の封筒（返戻後の対応が未了）", {}};
  Section issues{std::string(ja::overdue) + "・要確認事項", {}};
  // One id a row: ids are what staff look up or scan against, so they are never wrapped.
  Table missing_ids{{{ja::envelope_id, 60}, {ja::batch_id, 40}}, {}, false};
  Table open_ids{{{ja::envelope_id, 60}, {ja::batch_id, 40}}, {}, false};
  for (const auto& b : r.batches) {
    for (const auto& e : b.missing) missing_ids.rows.push_back({e, b.batch_id});
    for (const auto& e : b.open_returns) open_ids.rows.push_back({e, b.batch_id});
    // "Mailed but never handed over" is how notices leave without custody: red, first.
    for (const auto& f : b.flags)
      issues.blocks.push_back(Text{b.batch_id + "：要確認：" + f, f.rfind("mailed but never handed over", 0) == 0});
    for (const auto& o : b.overdue)
      issues.blocks.push_back(Text{b.batch_id + "：" + ja::overdue + "：" + step(o.what) + "（期限 " + o.due + "）"});
  }
  if (!missing_ids.rows.empty()) missing.blocks.push_back(std::move(missing_ids));
  if (!open_ids.rows.empty()) open.blocks.push_back(std::move(open_ids));
  for (auto* s : {&missing, &open, &issues}) {
    if (s->blocks.empty()) s->blocks.push_back(Text{ja::none});
    doc.sections.push_back(std::move(*s));
  }

  render::PdfOptions opt;
  opt.title = "照合報告書 " + r.as_of;
  if (printed_at.size() >= 19) opt.creation_date = printed_at.substr(0, 19);
  return to_pdf(doc, te, opt);
}

}  // namespace tsuchi::report
