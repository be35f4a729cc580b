// Opening and migrating the ledger; recording runs, reviews, approvals and handovers; queries.
#include "ledger/ledger.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <filesystem>
#include <set>

#include "ledger/internal.hpp"

namespace tsuchi::ledger {

using nlohmann::json;

namespace {

// Ordered migrations: entry k brings user_version k to k+1. Append, never edit a shipped one.
const char* const kMigrations[] = {
    // 1: the custody schema (output_spec/ledger.md).
    R"sql(
CREATE TABLE runs(
  run_id TEXT PRIMARY KEY, user TEXT NOT NULL, created_at TEXT NOT NULL,
  month_key TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE INDEX runs_month ON runs(month_key, created_at);
CREATE TABLE batches(
  batch_id TEXT PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(run_id), position INTEGER NOT NULL,
  archive_sha256 TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, tagmanifest_sha256 TEXT NOT NULL);
CREATE INDEX batches_run ON batches(run_id, position);
CREATE TABLE envelopes(
  envelope_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL REFERENCES batches(batch_id),
  position INTEGER NOT NULL, postal_area TEXT NOT NULL,
  pages INTEGER NOT NULL, sheets INTEGER NOT NULL, notices INTEGER NOT NULL, slips INTEGER NOT NULL);
CREATE INDEX envelopes_batch ON envelopes(batch_id, position);
CREATE TABLE slips(
  run_id TEXT NOT NULL REFERENCES runs(run_id), envelope_id TEXT NOT NULL REFERENCES envelopes(envelope_id),
  case_id TEXT NOT NULL, month TEXT NOT NULL, amount INTEGER NOT NULL, cash_payment INTEGER NOT NULL);
CREATE INDEX slips_run ON slips(run_id);
CREATE TABLE notices(
  run_id TEXT NOT NULL REFERENCES runs(run_id), envelope_id TEXT NOT NULL REFERENCES envelopes(envelope_id),
  case_id TEXT NOT NULL, kind TEXT NOT NULL);
CREATE INDEX notices_run ON notices(run_id);
CREATE TABLE custody_events(
  id INTEGER PRIMARY KEY, at TEXT NOT NULL, recorded_at TEXT NOT NULL, user TEXT NOT NULL,
  kind TEXT NOT NULL, batch_id TEXT NOT NULL REFERENCES batches(batch_id),
  envelope_id TEXT REFERENCES envelopes(envelope_id), details TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE INDEX custody_batch ON custody_events(batch_id, kind);
CREATE TABLE worklogs(
  report_id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL REFERENCES batches(batch_id),
  file_sha256 TEXT NOT NULL, imported_at TEXT NOT NULL, user TEXT NOT NULL);
CREATE INDEX worklogs_batch ON worklogs(batch_id, report_id);
CREATE TABLE worklog_rows(
  report_id INTEGER NOT NULL REFERENCES worklogs(report_id), line INTEGER NOT NULL,
  envelope_id TEXT NOT NULL, status TEXT NOT NULL, sheets INTEGER NOT NULL, at TEXT NOT NULL,
  postal_category TEXT NOT NULL);
CREATE INDEX worklog_rows_report ON worklog_rows(report_id);
CREATE TABLE returns(
  envelope_id TEXT PRIMARY KEY REFERENCES envelopes(envelope_id), reason TEXT NOT NULL,
  at TEXT NOT NULL, action TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE certificate_files(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, bytes BLOB NOT NULL);
CREATE TABLE certificates(
  id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL REFERENCES batches(batch_id), medium TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('Clear', 'Purge', 'Destroy')),
  tool TEXT NOT NULL, tool_version TEXT NOT NULL, verification TEXT NOT NULL, date TEXT NOT NULL,
  place TEXT NOT NULL, operator TEXT NOT NULL, witness TEXT NOT NULL, quantity INTEGER,
  file_sha256 TEXT NOT NULL REFERENCES certificate_files(sha256), recorded_at TEXT NOT NULL, user TEXT NOT NULL);
CREATE INDEX certificates_batch ON certificates(batch_id);
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, command TEXT NOT NULL,
  objects TEXT NOT NULL, result TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

int user_version(const sql::Db& db) {
  sql::Stmt q(db, "PRAGMA user_version");
  return q.step() ? static_cast<int>(q.integer(0)) : 0;
}

bool is_hex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<std::string> batch_run(const sql::Db& db, const std::string& batch_id) {
  sql::Stmt q(db, "SELECT run_id FROM batches WHERE batch_id = ?");
  q.args(batch_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

}  // namespace

Ledger::Ledger() = default;
Ledger::~Ledger() = default;
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;

Checked<Ledger> Ledger::open(const std::string& path, Clock clock) {
  Checked<Ledger> r;
  if (sodium_init() < 0) {
    r.problems.push_back(error(path, "libsodium failed to initialise"));
    return r;
  }
  try {
    auto db = std::make_unique<Db>(Db{sql::Db::open(path)});
    int v = user_version(db->conn);
    if (v > kSchemaVersion) {
      r.problems.push_back(error(path, "ledger schema version " + std::to_string(v) +
                                           " is newer than this tsuchi understands (" +
                                           std::to_string(kSchemaVersion) + "); use a newer tsuchi"));
      return r;
    }
    for (; v < kSchemaVersion; ++v) {
      sql::Tx tx(db->conn);
      // Re-read inside the write lock: another process may have migrated meanwhile.
      if (user_version(db->conn) != v) continue;
      db->conn.exec(kMigrations[v]);
      db->conn.exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
      tx.commit();
    }
    r.value.db_ = std::move(db);
    r.value.path_ = path;
    r.value.clock_ = clock ? std::move(clock) : Clock(utc_now);
  } catch (const sql::SqlError& e) {
    r.problems.push_back(sql_failure(path, e));
  }
  return r;
}

int Ledger::schema_version() const { return db_ ? user_version(db_->conn) : 0; }

Diagnostics Ledger::record_run(const RunRecord& run) {
  if (!db_) return {error(path_, "the ledger is not open")};
  AuditEntry entry{run.user, "run", {"run:" + run.run_id}, ""};
  return audited(*db_, clock_, path_, entry, [&](Outcome& out) {
    auto refuse = [&](const std::string& why) {
      out.problems.push_back(error(path_, why));
      out.refusal = "refused: invalid run record";
    };
    if (run.run_id.empty() || run.user.empty()) return refuse("a run needs a run id and a user");
    if (!parse_year_month(run.month_key)) return refuse("run " + run.run_id + ": month_key must be YYYY-MM");
    if (!normalize_time(run.created_at)) return refuse("run " + run.run_id + ": created_at must be an ISO-8601 UTC time");
    sql::Stmt exists(db_->conn, "SELECT 1 FROM runs WHERE run_id = ?");
    exists.args(run.run_id);
    if (exists.step()) {
      out.problems.push_back(error(path_, "run " + run.run_id + " is already in the ledger"));
      out.refusal = "refused: run already recorded";
      return;
    }
    std::set<std::string> envelopes;
    for (const auto& b : run.batches) {
      if (!is_hex64(b.archive_sha256) || !is_hex64(b.manifest_sha256) || !is_hex64(b.tagmanifest_sha256))
        return refuse("batch " + b.batch_id + ": digests must be 64 lowercase hex digits");
      for (const auto& e : b.envelopes)
        if (e.envelope_id.rfind(b.batch_id + "/", 0) != 0 || !envelopes.insert(e.envelope_id).second)
          return refuse("batch " + b.batch_id + ": envelope id " + e.envelope_id +
                        " must be unique and start with the batch id");
    }
    for (const auto& s : run.slips)
      if (!envelopes.count(s.envelope_id) || !parse_year_month(s.month))
        return refuse("slip of case " + s.case_id + ": unknown envelope or bad month");
    for (const auto& n : run.notices)
      if (!envelopes.count(n.envelope_id) || (n.kind != "decision" && n.kind != "change"))
        return refuse("notice of case " + n.case_id + ": unknown envelope or kind");

    std::string now = clock_();
    sql::Stmt(db_->conn, "INSERT INTO runs(run_id, user, created_at, month_key, recorded_at) VALUES (?,?,?,?,?)")
        .args(run.run_id, run.user, *normalize_time(run.created_at), run.month_key, now)
        .run();
    sql::Stmt batch(db_->conn,
                    "INSERT INTO batches(batch_id, run_id, position, archive_sha256, manifest_sha256, "
                    "tagmanifest_sha256) VALUES (?,?,?,?,?,?)");
    sql::Stmt env(db_->conn,
                  "INSERT INTO envelopes(envelope_id, batch_id, position, postal_area, pages, sheets, notices, slips) "
                  "VALUES (?,?,?,?,?,?,?,?)");
    int position = 0, envelope_count = 0;
    for (const auto& b : run.batches) {
      sql::Stmt dup(db_->conn, "SELECT 1 FROM batches WHERE batch_id = ?");
      dup.args(b.batch_id);
      if (dup.step()) return refuse("batch " + b.batch_id + " is already in the ledger");
      batch.args(b.batch_id, run.run_id, ++position, b.archive_sha256, b.manifest_sha256, b.tagmanifest_sha256).run();
      batch.reset();
      int ep = 0;
      for (const auto& e : b.envelopes) {
        env.args(e.envelope_id, b.batch_id, ++ep, e.postal_area, e.pages, e.sheets, e.notices, e.slips).run();
        env.reset();
      }
      envelope_count += ep;
      out.objects.push_back("batch:" + b.batch_id);
      out.events.push_back({*normalize_time(run.created_at), "sealed", b.batch_id, "",
                            json{{"run_id", run.run_id},
                                 {"archive_sha256", b.archive_sha256},
                                 {"manifest_sha256", b.manifest_sha256},
                                 {"tagmanifest_sha256", b.tagmanifest_sha256},
                                 {"envelopes", ep}}
                                .dump()});
    }
    sql::Stmt slip(db_->conn,
                   "INSERT INTO slips(run_id, envelope_id, case_id, month, amount, cash_payment) VALUES (?,?,?,?,?,?)");
    for (const auto& s : run.slips) {
      slip.args(run.run_id, s.envelope_id, s.case_id, s.month, static_cast<std::int64_t>(s.amount), s.cash_payment).run();
      slip.reset();
    }
    sql::Stmt notice(db_->conn, "INSERT INTO notices(run_id, envelope_id, case_id, kind) VALUES (?,?,?,?)");
    for (const auto& n : run.notices) {
      notice.args(run.run_id, n.envelope_id, n.case_id, n.kind).run();
      notice.reset();
    }
    out.result = "ok: " + std::to_string(run.batches.size()) + " batches, " + std::to_string(envelope_count) +
                 " envelopes, " + std::to_string(run.notices.size()) + " notices, " +
                 std::to_string(run.slips.size()) + " slips";
  });
}

Diagnostics Ledger::record_review(const std::string& run_id, const std::string& review_sha256, const std::string& user) {
  if (!db_) return {error(path_, "the ledger is not open")};
  AuditEntry entry{user, "review", {"run:" + run_id, "review:" + review_sha256}, ""};
  return audited(*db_, clock_, path_, entry, [&](Outcome& out) {
    auto info = run(run_id);
    if (!info) {
      out.problems.push_back(error(path_, "run " + run_id + " is not in the ledger"));
      out.refusal = "refused: unknown run";
      return;
    }
    for (const auto& b : info->batch_ids)
      out.events.push_back({"", "reviewed", b, "", json{{"run_id", run_id}, {"review_sha256", review_sha256}}.dump()});
  });
}

Diagnostics Ledger::record_preview(const std::string& user, const records::BatchCounts& totals) {
  return append_audit({user, "preview", {},
                       "ok: " + std::to_string(totals.envelopes) + " envelopes, " + std::to_string(totals.pages) +
                           " pages in plaintext"});
}

Checked<bool> Ledger::admit(const Actor& who, const std::string& command, const std::vector<std::string>& objects) {
  if (!who.policy || who.policy->has_any_role(who.user)) return {true, {}};
  return {false, append_audit({who.user, command, objects, "refused: no role"})};
}

Diagnostics Ledger::record_audit_check(const AuditReport& r, const std::string& user) {
  const std::string result = r.ok() ? "ok: chain intact, " + std::to_string(r.records) + " records"
                                    : "ok: chain broken at seq " + std::to_string(r.breaks.front().seq);
  return append_audit({user, "audit verify", {}, result});
}

Diagnostics Ledger::approve(const std::string& run_dir, const Actor& who) {
  if (!db_) return {error(path_, "the ledger is not open")};
  namespace fs = std::filesystem;
  const std::string run_json = (fs::path(run_dir) / "run.json").string();
  const std::string review_txt = (fs::path(run_dir) / "review.txt").string();
  std::string run_id;
  if (auto bytes = read_file(run_json)) {
    auto j = json::parse(*bytes, nullptr, false);
    if (j.is_object() && j.contains("run_id") && j["run_id"].is_string()) run_id = j["run_id"].get<std::string>();
  }
  AuditEntry entry{who.user, "approve", {}, ""};
  if (!run_id.empty()) entry.objects.push_back("run:" + run_id);
  return audited(*db_, clock_, path_, entry, [&](Outcome& out) {
    auto refuse = [&](const std::string& file, const std::string& why, const char* code) {
      out.problems.push_back(error(file, why));
      out.refusal = std::string("refused: ") + code;
    };
    if (run_id.empty()) return refuse(run_json, "cannot read run_id (is this a run folder?)", "no run.json");
    if (!who.policy) return refuse("", "approval needs the roles: pass --municipality", "no roles");
    if (!who.policy->is_approver(who.user))
      return refuse("", "user " + who.user + " does not have the approver role", "not an approver");
    auto info = run(run_id);
    if (!info) return refuse(path_, "run " + run_id + " is not in the ledger", "unknown run");
    if (info->user == who.user)
      return refuse("", "user " + who.user + " made run " + run_id + "; a second person must approve it",
                    "approver made the run");
    auto review = read_file(review_txt);
    if (!review) return refuse(review_txt, "no review sheet: run `tsuchi review " + run_dir + "` first", "no review");
    std::string review_sha = digest::sha256_hex(*review);
    // When `tsuchi review` recorded its sheet, approve exactly that sheet; else the sheet must name the run.
    sql::Stmt q(db_->conn,
                "SELECT details FROM custody_events WHERE kind = 'reviewed' AND batch_id = ? ORDER BY id DESC LIMIT 1");
    q.args(info->batch_ids.empty() ? std::string() : info->batch_ids.front());
    if (q.step()) {
      auto d = json::parse(q.text(0), nullptr, false);
      if (!d.is_object() || d.value("review_sha256", "") != review_sha)
        return refuse(review_txt, "not the review sheet recorded for run " + run_id + ": run `tsuchi review " +
                                      run_dir + "` again",
                      "review changed");
    } else if (review->find(run_id) == std::string::npos) {
      return refuse(review_txt, "not a review of run " + run_id + ": run `tsuchi review " + run_dir + "` first",
                    "review of another run");
    }
    for (const auto& b : info->batch_ids) {
      if (has_event(db_->conn, b, "approved"))
        return refuse("", "run " + run_id + " is already approved", "already approved");
      sql::Stmt m(db_->conn, "SELECT manifest_sha256 FROM batches WHERE batch_id = ?");
      m.args(b);
      m.step();
      const std::string manifest = (fs::path(run_dir) / (b + ".manifest.json")).string();
      auto bytes = read_file(manifest);
      if (!bytes) return refuse(manifest, "missing: the run folder does not hold batch " + b, "batch file missing");
      if (digest::sha256_hex(*bytes) != m.text(0))
        return refuse(manifest, "differs from the manifest sealed for batch " + b, "manifest differs");
    }
    out.objects.push_back("review:" + review_sha);
    for (const auto& b : info->batch_ids)
      out.events.push_back({"", "approved", b, "", json{{"run_id", run_id}, {"review_sha256", review_sha}}.dump()});
  });
}

Diagnostics Ledger::handover(const std::string& batch_id, const Actor& who, const std::string& route,
                             const std::string& media) {
  if (!db_) return {error(path_, "the ledger is not open")};
  AuditEntry entry{who.user, "handover", {"batch:" + batch_id}, ""};
  return audited(*db_, clock_, path_, entry, [&](Outcome& out) {
    if (!check_role(who, out)) return;
    if (!batch_run(db_->conn, batch_id)) {
      out.problems.push_back(error(path_, "no batch " + batch_id + " in the ledger"));
      out.refusal = "refused: unknown batch";
      return;
    }
    if (!has_event(db_->conn, batch_id, "approved")) {
      out.problems.push_back(error("", "batch " + batch_id + " is not approved: run `tsuchi approve RUN_DIR` first"));
      out.refusal = "refused: not approved";
      return;
    }
    json d = {{"route", route}, {"media", media}};
    out.events.push_back({"", "handed_over", batch_id, "", d.dump()});
    if (!media.empty()) out.objects.push_back("media:" + media);
  });
}

// The queries below report a database failure as "nothing found": they only feed reports.
std::optional<RunInfo> Ledger::run(const std::string& run_id) const try {
  if (!db_) return std::nullopt;
  sql::Stmt q(db_->conn, "SELECT run_id, user, created_at, month_key FROM runs WHERE run_id = ?");
  q.args(run_id);
  if (!q.step()) return std::nullopt;
  RunInfo r{q.text(0), q.text(1), q.text(2), q.text(3), {}};
  sql::Stmt b(db_->conn, "SELECT batch_id FROM batches WHERE run_id = ? ORDER BY position");
  b.args(run_id);
  while (b.step()) r.batch_ids.push_back(b.text(0));
  return r;
} catch (const sql::SqlError&) {
  return std::nullopt;
}

std::optional<RunInfo> Ledger::previous_run(const std::string& run_id) const try {
  auto self = run(run_id);
  if (!self) return std::nullopt;
  // The same billing month first; otherwise the last run made before this one.
  for (const char* where : {"month_key = ?2 AND ", ""}) {
    sql::Stmt q(db_->conn, std::string("SELECT run_id FROM runs WHERE ") + where +
                               "(created_at < ?1 OR (created_at = ?1 AND run_id < ?3)) AND run_id <> ?3 "
                               "ORDER BY created_at DESC, run_id DESC LIMIT 1");
    q.bind(1, self->created_at).bind(3, run_id);
    if (*where) q.bind(2, self->month_key);
    if (q.step()) return run(q.text(0));
  }
  return std::nullopt;
} catch (const sql::SqlError&) {
  return std::nullopt;
}

std::vector<SlipRecord> Ledger::slips(const std::string& run_id) const try {
  std::vector<SlipRecord> out;
  if (!db_) return out;
  sql::Stmt q(db_->conn,
              "SELECT envelope_id, case_id, month, amount, cash_payment FROM slips WHERE run_id = ? ORDER BY rowid");
  q.args(run_id);
  while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2), q.integer(3), q.integer(4) != 0});
  return out;
} catch (const sql::SqlError&) {
  return {};
}

std::vector<NoticeRecord> Ledger::notices(const std::string& run_id) const try {
  std::vector<NoticeRecord> out;
  if (!db_) return out;
  sql::Stmt q(db_->conn, "SELECT envelope_id, case_id, kind FROM notices WHERE run_id = ? ORDER BY rowid");
  q.args(run_id);
  while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2)});
  return out;
} catch (const sql::SqlError&) {
  return {};
}

std::optional<BatchInfo> Ledger::batch(const std::string& batch_id) const try {
  if (!db_) return std::nullopt;
  sql::Stmt q(db_->conn,
              "SELECT b.batch_id, b.run_id, b.archive_sha256, b.manifest_sha256, b.tagmanifest_sha256, "
              "COUNT(e.envelope_id), COALESCE(SUM(e.pages), 0), COALESCE(SUM(e.sheets), 0) "
              "FROM batches b LEFT JOIN envelopes e ON e.batch_id = b.batch_id WHERE b.batch_id = ? GROUP BY b.batch_id");
  q.args(batch_id);
  if (!q.step()) return std::nullopt;
  return BatchInfo{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), static_cast<int>(q.integer(5)),
                   static_cast<int>(q.integer(6)), static_cast<int>(q.integer(7))};
} catch (const sql::SqlError&) {
  return std::nullopt;
}

}  // namespace tsuchi::ledger
