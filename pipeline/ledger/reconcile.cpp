// Reconciliation (SPEC §9): per batch and per month, sealed vs mailed vs returned, spoilage vs
// destroyed, what is missing or overdue, and whether the batch is closed. Everything is derived
// from the stored evidence at the time of asking; no status is stored.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "core/csv.hpp"
#include "ledger/internal.hpp"

namespace tsuchi::ledger {

using nlohmann::json;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The medium certifying the destruction of spoiled paper.
constexpr const char* kSpoilageMedium = "spoilage";

BatchStatus batch_status(const sql::Db& db, const std::string& batch_id, const std::string& run_id,
                         const std::string& month, const Policy& policy, const Date& as_of) {
  BatchStatus b;
  b.batch_id = batch_id;
  b.run_id = run_id;
  b.month = month;

  std::vector<std::string> envelopes;
  sql::Stmt env(db, "SELECT envelope_id FROM envelopes WHERE batch_id = ? ORDER BY position");
  env.args(batch_id);
  while (env.step()) envelopes.push_back(env.text(0));
  b.sealed = static_cast<int>(envelopes.size());

  // Custody steps as genuine records say; evidence of a superseded file no longer counts.
  const Custody custody = custody_of(db, batch_id);
  const auto gone = superseded_seqs(db, batch_id);
  b.approved = custody.approved;
  b.handed = custody.handed;
  b.media = custody.media;
  std::optional<std::string> handed_at;
  if (custody.handed) handed_at = custody.handed_at;
  sql::Stmt ev(db, "SELECT audit_seq FROM custody_events WHERE batch_id = ? AND kind = 'received' ORDER BY id");
  ev.args(batch_id);
  while (!b.received && ev.step()) b.received = !gone.count(ev.integer(0));

  WorklogState log = worklog_state(db, batch_id);
  b.worklog = log.present;
  b.flags = log.flags;
  b.spoiled = log.spoiled_sheets;
  // Missing means lost: only once the batch went out and the contractor's log says what was mailed.
  for (const auto& e : envelopes)
    if (log.mailed.count(e))
      ++b.mailed;
    else if (!b.handed)
      ++b.not_handed_over;
    else if (!b.worklog)
      ++b.awaiting_worklog;
    else
      b.missing.push_back(e);
  if (b.mailed > 0 && !b.handed) {
    b.mailed_not_handed = true;
    b.flags.insert(b.flags.begin(), "mailed but never handed over: the work log reports " + std::to_string(b.mailed) +
                                        " envelope(s) mailed, and no handover of the batch is recorded");
  }

  // Each returned envelope's latest row (by its time, then as recorded) is its follow-up.
  sql::Stmt ret(db,
                "SELECT r.envelope_id, r.action, r.audit_seq, r.at, (SELECT MIN(r3.at) FROM returns r3 WHERE "
                "r3.envelope_id = r.envelope_id) FROM returns r JOIN envelopes e ON e.envelope_id = r.envelope_id "
                "WHERE e.batch_id = ?1 ORDER BY e.position, r.envelope_id, r.at DESC, r.id DESC");
  ret.args(batch_id);
  CappedFlags early;
  std::string last;
  while (ret.step()) {
    std::string id = ret.text(0), action = ret.text(1);
    if (id == last || gone.count(ret.integer(2))) continue;  // the envelope's latest counted row is its follow-up
    last = id;
    auto mailed = log.mailed.find(id);
    if (mailed != log.mailed.end() && ret.text(4) < mailed->second)
      early.add("returns dated before the envelope was mailed", "envelope " + id + " came back (" + ret.text(4) +
                                                                    ") before it was reported mailed (" + mailed->second + ")");
    ++b.returned;
    if (action == "resent") ++b.resent;
    if (action == "handed_over") ++b.handed_over;
    if (action == "public_notice") ++b.public_notice;
    if (action == "open") {
      ++b.open;
      b.open_returns.push_back(id);
    }
    if (log.present && !log.mailed.count(id)) b.flags.push_back("envelope " + id + " came back but is not reported mailed");
  }
  for (auto& f : early.take()) b.flags.push_back(std::move(f));

  bool spoilage_certified = false;
  // One counted certificate per medium: a second is refused unless it supersedes the first.
  sql::Stmt cert(db, "SELECT medium, COALESCE(quantity, 0), audit_seq FROM certificates WHERE batch_id = ? ORDER BY medium, id");
  cert.args(batch_id);
  while (cert.step()) {
    if (gone.count(cert.integer(2))) continue;
    if (!contains(b.certified_media, cert.text(0))) b.certified_media.push_back(cert.text(0));
    if (cert.text(0) == kSpoilageMedium) {
      spoilage_certified = true;
      b.destroyed = static_cast<int>(cert.integer(1));
    }
  }
  if (b.spoiled > 0 && !contains(b.media, kSpoilageMedium)) b.media.push_back(kSpoilageMedium);
  if (spoilage_certified && b.destroyed != b.spoiled)
    b.flags.push_back("spoilage: " + std::to_string(b.spoiled) + " sheets spoiled in the work log, " +
                      std::to_string(b.destroyed) + " certified destroyed");

  b.certified = b.handed && std::all_of(b.media.begin(), b.media.end(),
                                        [&](const std::string& m) { return contains(b.certified_media, m); });
  if (handed_at) {
    Date due = add_days(local_day(*handed_at, policy.office_hours.utc_offset_minutes), policy.certificate_due_days);
    if (as_of > due) {
      if (!b.received) b.overdue.push_back({"receipt", due.iso()});
      if (!b.worklog) b.overdue.push_back({"worklog", due.iso()});
      for (const auto& m : b.media)
        if (!contains(b.certified_media, m)) b.overdue.push_back({"certificate:" + m, due.iso()});
    }
  }
  b.closed = b.received && b.worklog && b.missing.empty() && b.flags.empty() && b.certified;
  return b;
}

std::string yes(bool v) { return v ? "yes" : "no"; }

}  // namespace

Checked<ReconcileReport> Ledger::reconcile(const ReconcileQuery& q, const Actor* who) {
  Checked<ReconcileReport> r;
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (who && read_only_) return {{}, read_only_refusal(path_)};
  const Policy policy = this->policy();
  auto work = [&](Outcome& out) {
    if (who && !check_role(db_->conn, *who, "reconcile", out)) return;
    if (!q.month.empty() && !parse_year_month(q.month)) {
      out.problems.push_back(error_at("", 0, 0, "--month", q.month, "must be YYYY-MM"));
      return;
    }
    r.value.head = head();
    Date as_of = q.as_of.value_or(local_day(clock_(), policy.office_hours.utc_offset_minutes));
    r.value.as_of = as_of.iso();
    r.value.csv = policy.csv;
    sql::Stmt batches(db_->conn,
                      "SELECT b.batch_id, b.run_id, r.month_key FROM batches b JOIN runs r ON r.run_id = b.run_id "
                      "WHERE (?1 = '' OR r.month_key = ?1) AND (?2 = '' OR b.batch_id = ?2) "
                      "ORDER BY r.month_key, r.created_at, b.position");
    batches.args(q.month, q.batch_id);
    const auto voided = voided_runs(db_->conn);
    bool found = false;
    while (batches.step()) {
      found = true;
      // A voided run is out of every total: listed on its own.
      if (voided.count(batches.text(1))) {
        if (r.value.voided.empty() || r.value.voided.back().run_id != batches.text(1))
          r.value.voided.push_back({batches.text(1), batches.text(2), {}});
        r.value.voided.back().batch_ids.push_back(batches.text(0));
        continue;
      }
      r.value.batches.push_back(
          batch_status(db_->conn, batches.text(0), batches.text(1), batches.text(2), policy, as_of));
    }
    if (!q.batch_id.empty() && !found) {
      out.problems.push_back(error_at("", 0, 0, "--batch", q.batch_id, "no such batch in the ledger"));
      return;
    }
    if (auto check = verify_audit({}); !check.ok() || !check.value.ok()) {
      r.value.audit_intact = false;
      r.value.audit_problem = check.ok() ? "seq " + std::to_string(check.value.breaks.front().seq) + ": " +
                                               check.value.breaks.front().kind + ": " + check.value.breaks.front().detail
                                         : "the audit log cannot be read";
      for (auto& b : r.value.batches) {
        b.closed = false;
        b.flags.push_back("the audit log is broken (" + r.value.audit_problem + "): run `tsuchi audit verify`");
      }
    }
    std::map<std::string, MonthStatus> months;
    for (const auto& b : r.value.batches) {
      auto& m = months[b.month];
      m.month = b.month;
      ++m.batches;
      m.closed += b.closed;
      m.sealed += b.sealed;
      m.mailed += b.mailed;
      m.returned += b.returned;
      m.open += b.open;
      m.spoiled += b.spoiled;
      m.destroyed += b.destroyed;
      m.missing += static_cast<int>(b.missing.size());
      m.not_handed_over += b.not_handed_over;
      m.awaiting_worklog += b.awaiting_worklog;
    }
    for (auto& [k, m] : months) r.value.months.push_back(m);
    int closed = static_cast<int>(std::count_if(r.value.batches.begin(), r.value.batches.end(),
                                                [](const BatchStatus& b) { return b.closed; }));
    out.result = "ok: " + std::to_string(r.value.batches.size()) + " batches, " + std::to_string(closed) + " closed";
  };
  if (who) {
    AuditEntry entry{"reconcile", {}, ""};
    if (!q.month.empty()) entry.objects.push_back("month:" + q.month);
    if (!q.batch_id.empty()) entry.objects.push_back("batch:" + q.batch_id);
    r.problems = audited(*db_, clock_, path_, signer_of(*who), entry, work);
  } else {
    // The auditor's copy: read, never written.
    Outcome out;
    try {
      work(out);
    } catch (const sql::SqlError& e) {
      out.problems.push_back(sql_failure(path_, e));
    }
    r.problems = std::move(out.problems);
  }
  if (has_errors(r.problems)) r.value = {};
  return r;
}

std::string to_json(const ReconcileReport& r) {
  json batches = json::array(), months = json::array();
  for (const auto& b : r.batches) {
    json overdue = json::array();
    for (const auto& o : b.overdue) overdue.push_back({{"what", o.what}, {"due", o.due}});
    batches.push_back({{"batch_id", b.batch_id},
                       {"run_id", b.run_id},
                       {"month", b.month},
                       {"sealed", b.sealed},
                       {"mailed", b.mailed},
                       {"returned", b.returned},
                       {"returned_by_action",
                        {{"resent", b.resent}, {"handed_over", b.handed_over}, {"public_notice", b.public_notice}, {"open", b.open}}},
                       {"spoiled", b.spoiled},
                       {"destroyed", b.destroyed},
                       {"missing", b.missing},
                       {"not_handed_over", b.not_handed_over},
                       {"awaiting_worklog", b.awaiting_worklog},
                       {"mailed_not_handed_over", b.mailed_not_handed},
                       {"open_returns", b.open_returns},
                       {"flags", b.flags},
                       {"approved", b.approved},
                       {"handed_over", b.handed},
                       {"received", b.received},
                       {"worklog", b.worklog},
                       {"media", b.media},
                       {"certified_media", b.certified_media},
                       {"overdue", overdue},
                       {"certified", b.certified},
                       {"closed", b.closed}});
  }
  for (const auto& m : r.months)
    months.push_back({{"month", m.month},     {"batches", m.batches}, {"closed", m.closed},   {"sealed", m.sealed},
                      {"mailed", m.mailed},   {"returned", m.returned}, {"open_returns", m.open},
                      {"missing", m.missing}, {"not_handed_over", m.not_handed_over},
                      {"awaiting_worklog", m.awaiting_worklog}, {"spoiled", m.spoiled}, {"destroyed", m.destroyed}});
  json voided = json::array();
  for (const auto& v : r.voided) voided.push_back({{"run_id", v.run_id}, {"month", v.month}, {"batches", v.batch_ids}});
  json j = {{"as_of", r.as_of},
            {"audit_head", r.head.text()},
            {"audit_intact", r.audit_intact},
            {"audit_problem", r.audit_intact ? json(nullptr) : json(r.audit_problem)},
            {"batches", batches},
            {"months", months},
            {"voided", voided}};
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::vector<std::string> failing_conditions(const ReconcileReport& r, const std::vector<std::string>& conditions) {
  std::vector<std::string> held;
  for (const auto& c : conditions) {
    bool holds = std::any_of(r.batches.begin(), r.batches.end(), [&](const BatchStatus& b) {
      return c == "flags" ? !b.flags.empty() : c == "missing" ? !b.missing.empty() : c == "overdue" && !b.overdue.empty();
    });
    if (c == "flags" && !r.audit_intact) holds = true;
    if (holds) held.push_back(c);
  }
  return held;
}

std::string to_text(const ReconcileReport& r) {
  std::string s = "reconciliation as of " + r.as_of + " (audit head " + r.head.text() + ")\n";
  if (!r.audit_intact) s += "AUDIT LOG BROKEN: " + r.audit_problem + "; no batch counts as closed\n";
  if (r.batches.empty()) s += "no batches\n";
  for (const auto& b : r.batches) {
    s += "\nbatch " + b.batch_id + " (run " + b.run_id + ", month " + b.month + "): " + (b.closed ? "CLOSED" : "open") + "\n";
    s += "  sealed " + std::to_string(b.sealed) + ", mailed " + std::to_string(b.mailed) + ", returned " +
         std::to_string(b.returned) + " (resent " + std::to_string(b.resent) + ", handed over at the facility " +
         std::to_string(b.handed_over) + ", public notice " + std::to_string(b.public_notice) + ", open " +
         std::to_string(b.open) + ")\n";
    s += "  sheets spoiled " + std::to_string(b.spoiled) + ", destroyed " + std::to_string(b.destroyed) + "\n";
    s += "  approved " + yes(b.approved) + ", handed over " + yes(b.handed) + ", receipt " + yes(b.received) +
         ", work log " + yes(b.worklog) + ", certified " + yes(b.certified);
    if (!b.media.empty()) {
      std::vector<std::string> m;
      for (const auto& x : b.media) m.push_back(x + (contains(b.certified_media, x) ? " certified" : " not certified"));
      s += " (" + join(m, "; ") + ")";
    }
    s += "\n";
    if (b.not_handed_over > 0) s += "  not yet handed over: " + std::to_string(b.not_handed_over) + " envelope(s)\n";
    if (b.awaiting_worklog > 0)
      s += "  handed over, no work log yet: " + std::to_string(b.awaiting_worklog) + " envelope(s)\n";
    if (!b.missing.empty()) s += "  missing (not reported mailed): " + join(b.missing, " ") + "\n";
    if (!b.open_returns.empty()) s += "  open returns: " + join(b.open_returns, " ") + "\n";
    for (const auto& f : b.flags) s += "  flag: " + f + "\n";
    for (const auto& o : b.overdue) s += "  overdue: " + o.what + " (due " + o.due + ")\n";
  }
  for (const auto& m : r.months)
    s += "\nmonth " + m.month + ": " + std::to_string(m.batches) + " batches, " + std::to_string(m.closed) +
         " closed; sealed " + std::to_string(m.sealed) + ", mailed " + std::to_string(m.mailed) + ", returned " +
         std::to_string(m.returned) + " (" + std::to_string(m.open) + " open), missing " + std::to_string(m.missing) +
         ", not yet handed over " + std::to_string(m.not_handed_over) + ", awaiting work log " +
         std::to_string(m.awaiting_worklog) + ", sheets spoiled " + std::to_string(m.spoiled) + ", destroyed " +
         std::to_string(m.destroyed) + "\n";
  for (const auto& v : r.voided)
    s += "\nvoided run " + v.run_id + " (month " + v.month + "): out of every total; batches " + join(v.batch_ids, " ") +
         "\n";
  return s;
}

Checked<ReconcileCsv> to_csv(const ReconcileReport& r, const std::string& table, const std::string& lists) {
  using csv::Cell;
  const Cell N = Cell::number, T = Cell::text;
  // Lists are counted here and listed one item a row in `lists`: a cell never holds a list of ids.
  csv::Writer batches(table, r.csv,
                      {{"batch_id", T}, {"run_id", T}, {"month", Cell::code}, {"sealed", N}, {"mailed", N},
                       {"returned", N}, {"returned_resent", N}, {"returned_handed_over", N},
                       {"returned_public_notice", N}, {"returned_open", N}, {"spoiled", N}, {"destroyed", N},
                       {"missing", N}, {"not_handed_over", N}, {"awaiting_worklog", N}, {"mailed_not_handed_over", T},
                       {"open_returns", N}, {"flags", N}, {"approved", T}, {"handed_over", T}, {"received", T},
                       {"worklog", T}, {"media", N}, {"certified_media", N}, {"overdue", N}, {"certified", T},
                       {"closed", T}});
  csv::Writer items(lists, r.csv, {{"batch_id", T}, {"list", T}, {"item", T}, {"due", Cell::code}});
  Checked<ReconcileCsv> out;
  auto n = [](std::size_t v) { return std::to_string(v); };
  auto tf = [](bool v) { return std::string(v ? "true" : "false"); };
  for (const auto& b : r.batches) {
    batches.row({b.batch_id, b.run_id, b.month, n(b.sealed), n(b.mailed), n(b.returned), n(b.resent),
                 n(b.handed_over), n(b.public_notice), n(b.open), n(b.spoiled), n(b.destroyed), n(b.missing.size()),
                 n(b.not_handed_over), n(b.awaiting_worklog), tf(b.mailed_not_handed), n(b.open_returns.size()),
                 n(b.flags.size()), tf(b.approved), tf(b.handed), tf(b.received), tf(b.worklog), n(b.media.size()),
                 n(b.certified_media.size()), n(b.overdue.size()), tf(b.certified), tf(b.closed)},
                out.problems);
    const std::pair<const char*, const std::vector<std::string>*> named[] = {
        {"missing", &b.missing}, {"open_returns", &b.open_returns}, {"flags", &b.flags},
        {"media", &b.media}, {"certified_media", &b.certified_media}};
    for (const auto& [list, values] : named)
      for (const auto& v : *values) items.row({b.batch_id, list, v, ""}, out.problems);
    for (const auto& o : b.overdue) items.row({b.batch_id, "overdue", o.what, o.due}, out.problems);
  }
  out.value = {batches.take(), items.take()};
  return out;
}

}  // namespace tsuchi::ledger
