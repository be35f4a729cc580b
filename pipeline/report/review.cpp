// The review sheet (審査票, SPEC §8): counts, billed totals, changes against the previous run
// and anomalies, all from the ledger's slips and notices (ids and amounts only).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "report/internal.hpp"
#include "report/report.hpp"

namespace tsuchi::report {

using detail::amount;

int MailingReview::over_limit() const {
  int n = 0;
  for (const auto& [sheets, envelopes] : by_sheets)
    if (limits_known && (sheets > limits.max_sheets || limits.grams(sheets) > limits.max_g + 1e-9)) n += envelopes;
  return n;
}

int ReviewSheet::envelopes() const {
  int n = 0;
  for (const auto& b : batches) n += b.envelopes;
  return n;
}
int ReviewSheet::slips() const {
  int n = 0;
  for (const auto& m : billed) n += m.slips;
  return n;
}
Yen ReviewSheet::billed_total() const {
  Yen n = 0;
  for (const auto& m : billed) n += m.amount;
  return n;
}

std::vector<Yen> schedule_amounts(const FeeSchedules& fees, const YearMonth& month) {
  const Schedule* s = fees.in_force(month);
  if (!s) return {};
  // Recomputed here rather than taken from decide: the check must not share the code it checks.
  // Factors as ten-thousandths, as in the decision, so 0.7 × 41,000 is exactly 28,700.
  std::set<Yen> charges{0};  // type 1/2 children owe no user charge (幼保無償化)
  const Yen step = s->rounding > 0 ? s->rounding : 1;
  std::vector<double> factors = s->child_order_factor.empty() ? std::vector<double>{1.0} : s->child_order_factor;
  for (const auto& b : s->brackets)
    for (Yen base : {b.standard, b.short_time})
      for (double f : factors) {
        const std::int64_t e4 = std::llround(f * 10000);
        if (e4 == 10000) {
          charges.insert(base);
        } else {
          const Yen reduced = base * e4 / 10000;
          charges.insert(reduced - reduced % step);
        }
      }
  std::set<Yen> out;
  for (Yen c : charges) {
    out.insert(c);
    out.insert(c + s->side_dish_monthly);  // 副食費 (type 1/2 at city-run facilities)
  }
  return {out.begin(), out.end()};
}

namespace {

std::set<std::string> case_ids(const std::vector<ledger::SlipRecord>& slips,
                               const std::vector<ledger::NoticeRecord>& notices) {
  std::set<std::string> ids;
  for (const auto& s : slips) ids.insert(s.case_id);
  for (const auto& n : notices) ids.insert(n.case_id);
  return ids;
}

using CaseMonth = std::pair<std::string, std::string>;

std::map<CaseMonth, Yen> billed_by_case_month(const std::vector<ledger::SlipRecord>& slips) {
  std::map<CaseMonth, Yen> m;
  for (const auto& s : slips) m[{s.case_id, s.month}] += s.amount;
  return m;
}

Comparison compare(const ledger::Ledger& l, const ledger::RunInfo& self, const ledger::RunInfo& prev,
                   const std::vector<ledger::SlipRecord>& slips, const std::vector<ledger::NoticeRecord>& notices) {
  Comparison c;
  c.run_id = prev.run_id;
  c.user = prev.user;
  c.created_at = prev.created_at;
  c.month = prev.month_key;
  c.same_month = prev.month_key == self.month_key;
  const auto prev_slips = l.slips(prev.run_id);
  for (const auto& s : prev_slips) c.billed_before += s.amount;
  const auto now_ids = case_ids(slips, notices), prev_ids = case_ids(prev_slips, l.notices(prev.run_id));
  std::set_difference(now_ids.begin(), now_ids.end(), prev_ids.begin(), prev_ids.end(), std::back_inserter(c.new_cases));
  std::set_difference(prev_ids.begin(), prev_ids.end(), now_ids.begin(), now_ids.end(),
                      std::back_inserter(c.dropped_cases));
  std::set<std::string> both;
  std::set_intersection(now_ids.begin(), now_ids.end(), prev_ids.begin(), prev_ids.end(),
                        std::inserter(both, both.end()));
  c.cases_in_both = static_cast<int>(both.size());
  // New and dropped cases are listed as such; amounts are compared for cases in both runs, a
  // month billed in only one of them counting as 0 in the other.
  auto now = billed_by_case_month(slips), before = billed_by_case_month(prev_slips);
  std::map<CaseMonth, AmountChange> changes;
  for (const auto& [key, v] : now)
    if (both.count(key.first)) changes[key] = {key.first, key.second, 0, v};
  for (const auto& [key, v] : before)
    if (both.count(key.first)) {
      auto& ch = changes[key];
      ch.case_id = key.first;
      ch.month = key.second;
      ch.before = v;
    }
  for (const auto& [key, ch] : changes)
    if (ch.delta() != 0) c.changes.push_back(ch);
  std::stable_sort(c.changes.begin(), c.changes.end(), [](const AmountChange& a, const AmountChange& b) {
    const Yen da = a.delta() < 0 ? -a.delta() : a.delta(), db = b.delta() < 0 ? -b.delta() : b.delta();
    return da > db;  // ties keep case_id, month order from the map
  });
  return c;
}

std::vector<Anomaly> anomalies(const std::vector<ledger::SlipRecord>& slips, const FeeSchedules* fees) {
  std::vector<Anomaly> out;
  // Slips for account transfer: the guardian pays by direct debit, a slip would bill twice.
  for (const auto& s : slips)
    if (!s.cash_payment)
      out.push_back({AnomalyKind::account_transfer_slip, s.case_id, s.month, {s.amount}, {s.envelope_id}, ""});
  std::map<CaseMonth, std::vector<const ledger::SlipRecord*>> by_key;
  for (const auto& s : slips) by_key[{s.case_id, s.month}].push_back(&s);
  for (const auto& [key, list] : by_key) {
    if (list.size() < 2) continue;
    Anomaly a{AnomalyKind::duplicate_slip, key.first, key.second, {}, {}, ""};
    for (const auto* s : list) {
      a.amounts.push_back(s->amount);
      a.envelope_ids.push_back(s->envelope_id);
    }
    out.push_back(std::move(a));
  }
  std::map<std::string, std::vector<Yen>> allowed;  // per billed month
  std::vector<Anomaly> outside;
  for (const auto& s : slips) {
    std::string why;
    if (s.amount <= 0) {
      why = "0円以下";
    } else if (fees) {
      auto ym = parse_year_month(s.month);
      const Schedule* sched = ym ? fees->in_force(*ym) : nullptr;
      if (!sched) {
        why = "適用される料金表なし";
      } else {
        auto [it, fresh] = allowed.try_emplace(s.month);
        if (fresh) it->second = schedule_amounts(*fees, *ym);
        if (!std::binary_search(it->second.begin(), it->second.end(), s.amount))
          why = sched->effective_from.iso() + " 料金表にない金額";
      }
    }
    if (!why.empty()) outside.push_back({AnomalyKind::outside_schedule, s.case_id, s.month, {s.amount}, {s.envelope_id}, why});
  }
  auto order = [](const Anomaly& a, const Anomaly& b) {
    return std::tie(a.kind, a.case_id, a.month) < std::tie(b.kind, b.case_id, b.month);
  };
  out.insert(out.end(), outside.begin(), outside.end());
  std::stable_sort(out.begin(), out.end(), order);
  return out;
}

}  // namespace

Checked<ReviewSheet> review_sheet(const ledger::Ledger& l, const std::string& run_id, const ReviewOptions& opt) {
  Checked<ReviewSheet> r;
  auto info = l.run(run_id);
  if (!info) {
    Diagnostic d;
    d.file = l.path();
    d.reason = "run " + run_id + " is not in the ledger";
    r.problems.push_back(d);
    return r;
  }
  ReviewSheet& s = r.value;
  s.run_id = info->run_id;
  s.maker = info->user;
  s.created_at = info->created_at;
  s.month = info->month_key;
  s.prepared_by = opt.prepared_by;
  s.prepared_at = opt.prepared_at;
  s.head = l.head();
  for (const auto& b : info->batch_ids) {
    auto bi = l.batch(b);
    s.batches.push_back(bi ? BatchCount{b, bi->envelopes, bi->pages, bi->sheets} : BatchCount{b});
  }
  const auto pinned = l.config();
  if (auto m = parse_municipality(pinned.text, pinned.source); m.ok()) {
    s.mailing.limits = m.value.mailing;
    s.mailing.limits_known = true;
  }
  for (const auto& b : info->batch_ids)
    for (const auto& [id, sheets] : l.envelope_sheets(b)) {
      s.mailing.by_sheets[sheets] += 1;
      const int part = records::envelope_part(id);
      if (part > 0) s.mailing.split_envelopes += 1;
      if (part == 1) s.mailing.split_mailings += 1;
    }
  const auto slips = l.slips(run_id);
  const auto notices = l.notices(run_id);
  for (const auto& n : notices) (n.kind == "change" ? s.change_notices : s.decision_notices)++;
  std::map<std::string, MonthBilled> months;
  std::map<std::string, std::set<std::string>> envelopes;
  for (const auto& sl : slips) {
    auto& m = months[sl.month];
    m.month = sl.month;
    m.slips++;
    m.amount += sl.amount;
    envelopes[sl.month].insert(sl.envelope_id);
  }
  std::set<std::string> with_slips;
  for (const auto& sl : slips) with_slips.insert(sl.envelope_id);
  s.envelopes_with_slips = static_cast<int>(with_slips.size());
  for (auto& [month, m] : months) {
    m.envelopes = static_cast<int>(envelopes[month].size());
    s.billed.push_back(m);
  }
  if (auto prev = l.previous_run(run_id)) s.previous = compare(l, *info, *prev, slips, notices);
  s.anomalies = anomalies(slips, opt.fees);
  s.schedule_checked = opt.fees != nullptr;
  return r;
}

namespace {

const char* label(AnomalyKind k) {
  switch (k) {
    case AnomalyKind::account_transfer_slip: return "口座振替の納付書";
    case AnomalyKind::duplicate_slip: return "同一認定番号・月の納付書が重複";
    case AnomalyKind::outside_schedule: return "料金表にない金額";
  }
  return "";
}

std::vector<std::string> amounts(const std::vector<Yen>& v) {
  std::vector<std::string> out;
  for (Yen a : v) out.push_back(amount(a));
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string grams(double g) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", g);
  return b;
}

// Sheets and grams per envelope (定形 長形3号 up to 50 g, and what the folding inserter takes).
detail::Section mailing_section(const MailingReview& m) {
  using namespace detail;
  Section out{"封筒の重量（定形郵便）", {}};
  if (!m.limits_known) {
    out.blocks.push_back(Text{"設定を読めないため上限が不明です", true});
    return out;
  }
  const auto& l = m.limits;
  const int heaviest = m.heaviest_sheets();
  auto sheets_g = [&](int sheets, double g) { return std::to_string(sheets) + " 枚・" + grams(g) + " g"; };
  out.blocks.push_back(Pairs{{{"1通あたりの上限", sheets_g(l.max_sheets, l.max_g)},
                              {"重量の見積り", "封筒 " + grams(l.envelope_g) + " g ＋ 1枚 " + grams(l.paper_g) + " g"},
                              {"最も重い封筒", sheets_g(heaviest, l.grams(heaviest))},
                              {"分割発送の世帯", std::to_string(m.split_mailings)},
                              {"分割発送の封筒", std::to_string(m.split_envelopes)},
                              {"上限を超える封筒", std::to_string(m.over_limit())}}});
  Table t{{{ja::sheets, 25, true}, {"重量（g）", 25, true}, {ja::envelopes, 25, true}}, {}, false};
  for (const auto& [sheets, n] : m.by_sheets) t.rows.push_back({std::to_string(sheets), grams(l.grams(sheets)), std::to_string(n)});
  if (!t.rows.empty()) out.blocks.push_back(std::move(t));
  if (m.over_limit() > 0) out.blocks.push_back(Text{"上限を超える封筒があります：定形郵便として発送しないでください", true});
  return out;
}

detail::Report model(const ReviewSheet& s) {
  using namespace detail;
  Report r;
  r.title = "審査票　実行 " + s.run_id;
  r.footer = "審査票 — 実行 " + s.run_id;
  r.head = s.head.text();
  r.made_at = s.prepared_at;
  const std::string yen = ja::yen;

  Section run{"実行", {Pairs{{{ja::run_id, s.run_id},
                              {"実行者", s.maker},
                              {"実行日時（UTC）", s.created_at},
                              {"対象月（賦課月）", s.month},
                              {"バッチ数", std::to_string(s.batches.size())},
                              {"審査票の作成者", s.prepared_by},
                              {"審査票の作成日時（UTC）", s.prepared_at},
                              {ja::audit_head, s.head.text()}}}}};
  r.sections.push_back(std::move(run));

  Table batches{{{ja::batch_id, 60}, {ja::envelopes, 25, true}, {ja::pages, 25, true}, {ja::sheets, 25, true}}, {}, true};
  int pages = 0, sheets = 0;
  for (const auto& b : s.batches) {
    batches.rows.push_back({b.batch_id, std::to_string(b.envelopes), std::to_string(b.pages), std::to_string(b.sheets)});
    pages += b.pages;
    sheets += b.sheets;
  }
  batches.rows.push_back({ja::total, std::to_string(s.envelopes()), std::to_string(pages), std::to_string(sheets)});
  Section counts{ja::count,
                 {Pairs{{{"決定通知書", std::to_string(s.decision_notices)},
                         {"変更通知書", std::to_string(s.change_notices)},
                         {ja::envelopes, std::to_string(s.envelopes())},
                         {"納付書", std::to_string(s.slips())},
                         {"請求額合計" + yen, amount(s.billed_total())}}},
                  std::move(batches)}};
  r.sections.push_back(std::move(counts));

  r.sections.push_back(mailing_section(s.mailing));

  Table billed{{{"期別（月）", 40}, {ja::envelopes, 25, true}, {"納付書", 25, true}, {"請求額" + yen, 40, true}}, {}, true};
  for (const auto& m : s.billed)
    billed.rows.push_back({m.month, std::to_string(m.envelopes), std::to_string(m.slips), amount(m.amount)});
  // An envelope may carry several months' slips: the total counts it once.
  billed.rows.push_back(
      {ja::total, std::to_string(s.envelopes_with_slips), std::to_string(s.slips()), amount(s.billed_total())});
  Section by_month{"期別の請求額", {}};
  if (s.billed.empty()) by_month.blocks.push_back(Text{"この実行に納付書はありません"});
  else by_month.blocks.push_back(std::move(billed));
  r.sections.push_back(std::move(by_month));

  Section changes{"前回の実行との比較", {}};
  if (!s.previous) {
    changes.blocks.push_back(Text{"台帳に前回の実行がないため、比較はありません"});
  } else {
    const auto& c = *s.previous;
    changes.blocks.push_back(Text{"比較対象：実行 " + c.run_id + "（" + c.created_at + " " + c.user + " 実行、対象月 " +
                                  c.month + "）　" +
                                  (c.same_month ? "同じ対象月の前回の実行"
                                                : s.month + " の前回の実行がないため、直前の実行")});
    changes.blocks.push_back(Pairs{{{"新規の認定番号", std::to_string(c.new_cases.size())},
                                    {"なくなった認定番号", std::to_string(c.dropped_cases.size())},
                                    {"両方にある認定番号", std::to_string(c.cases_in_both)},
                                    {"金額が変わった認定番号・月", std::to_string(c.changes.size())},
                                    {c.run_id + " の請求額合計" + yen, amount(c.billed_before)},
                                    {"差額" + yen, amount(s.billed_total() - c.billed_before, true)}}});
    if (!c.new_cases.empty()) changes.blocks.push_back(Text{"新規：" + list(c.new_cases, kTopChanges)});
    if (!c.dropped_cases.empty()) changes.blocks.push_back(Text{"なくなった：" + list(c.dropped_cases, kTopChanges)});
    if (!c.changes.empty()) {
      Table t{{{ja::case_id, 35}, {"月", 25}, {"前回" + yen, 30, true}, {"今回" + yen, 30, true},
               {"増減" + yen, 30, true}},
              {},
              false};
      for (std::size_t i = 0; i < c.changes.size() && i < kTopChanges; ++i) {
        const auto& ch = c.changes[i];
        t.rows.push_back({ch.case_id, ch.month, amount(ch.before), amount(ch.after), amount(ch.delta(), true)});
      }
      changes.blocks.push_back(Text{"増減の大きい順" + (c.changes.size() > kTopChanges
                                                          ? "（全 " + std::to_string(c.changes.size()) + " 件中 上位 " +
                                                                std::to_string(kTopChanges) + " 件）"
                                                          : std::string())});
      changes.blocks.push_back(std::move(t));
    }
  }
  r.sections.push_back(std::move(changes));

  Section anomalies{"要確認事項（" + std::to_string(s.anomalies.size()) + " 件）", {}};
  if (s.anomalies.empty()) {
    anomalies.blocks.push_back(Text{ja::none});
  } else {
    Table t{{{"内容", 52}, {ja::case_id, 22}, {"月", 17}, {"金額" + yen, 28, true}, {"封筒ID・備考", 55}}, {}, false};
    for (const auto& a : s.anomalies) {
      std::string detail = a.why.empty() ? join(a.envelope_ids, ", ") : a.why;
      t.rows.push_back({label(a.kind), a.case_id, a.month, join(amounts(a.amounts), " + "), detail});
    }
    anomalies.blocks.push_back(std::move(t));
  }
  anomalies.blocks.push_back(Text{s.schedule_checked
                                      ? "金額は各期別の月に適用される料金表で確認済み"
                                      : "金額を料金表で確認していません：--fees F を指定してください"});
  r.sections.push_back(std::move(anomalies));

  // SPEC §4: a variation sequence printed as its plain glyph (allowed by the municipality) is listed here.
  Section warnings{"入力の警告（" + std::to_string(s.input_warnings.size()) + " 件）", {}};
  if (s.input_warnings.empty()) warnings.blocks.push_back(Text{ja::none});
  for (const auto& w : s.input_warnings) warnings.blocks.push_back(Text{w});
  r.sections.push_back(std::move(warnings));
  return r;
}

}  // namespace

std::string to_text(const ReviewSheet& s) { return detail::to_text(model(s)); }

Checked<std::string> review_pdf(const ReviewSheet& s, const text::TextEngine& te) {
  render::PdfOptions opt;
  opt.title = "審査票 " + s.run_id;
  if (s.prepared_at.size() >= 19) opt.creation_date = s.prepared_at.substr(0, 19);
  return detail::to_pdf(model(s), te, opt);
}

}  // namespace tsuchi::report
