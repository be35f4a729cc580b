// Evidence from the print contractor and the post office: receipt, work log, returned mail and
// destruction certificates (formats: output_spec/contractor-files.md). A file is stored whole
// or not at all.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <map>

#include "core/csv.hpp"
#include "core/file.hpp"
#include "ledger/internal.hpp"

namespace tsuchi::ledger {

using nlohmann::json;

namespace {

const std::vector<std::string> kStatuses = {"inserted", "reprinted", "spoiled", "mailed"};
const std::vector<std::string> kActions = {"open", "resent", "handed_over", "public_notice"};

// The post office's return reasons (還付理由), as printed on its label, and ASCII codes for them.
struct ReturnReason {
  const char* code;
  const char* japanese;
};
const ReturnReason kReasons[] = {
    {"unknown_address", "あて所に尋ねあたりません"},
    {"moved_unknown", "転居先不明"},
    {"refused", "受取拒絶"},
    {"unclaimed", "保管期間経過"},
    {"incomplete_address", "あて名不完全"},
};

std::string trim(std::string s) {
  auto sp = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && sp(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && sp(s[i])) ++i;
  return s.substr(i);
}

std::optional<int> parse_count(const std::string& s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v < 0) return std::nullopt;
  return v;
}

constexpr int kClockToleranceMinutes = 10;  // contractor clocks may run this far ahead (DECISIONS.md)
const char* const kFuture = "in the future: later than the ledger's clock allows (10 minutes' tolerance)";
const char* const kBeforeHandover = "before the batch was handed over (tsuchi handover)";

// "YYYY-MM-DDTHH:MM:SSZ" moved by `minutes`.
std::string plus_minutes(const std::string& utc, int minutes) {
  std::tm tm{};
  if (!strptime(utc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return utc;
  std::time_t t = timegm(&tm) + static_cast<std::time_t>(minutes) * 60;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One contractor CSV read through the shared reader (core/csv.hpp: UTF-8, BOM or CP932), records
// streamed one at a time, fields by column name, problems at file:line:column. The bytes are read
// once; rewind() walks them again to store what the first walk validated.
class Sheet {
 public:
  // Reads the file; unusable (unreadable, too large, no header, a required column missing) sets
  // the refusal. The file's SHA-256 names exactly the bytes read in the audit record.
  Sheet(const std::string& path, const std::vector<std::string>& required, Outcome& out)
      : path_(path), problems_(&out.problems) {
    auto bytes = file::read(path, kMaxContractorFileBytes, *problems_);
    if (!bytes) {
      out.refusal = "refused: unreadable file";
      return;
    }
    bytes_ = std::move(*bytes);
    sha256_ = digest::sha256_hex(bytes_);
    reader_.emplace(bytes_, path_, *problems_);
    bool usable = reader_->ok();
    for (const auto& name : required)
      if (usable && reader_->column_of(name) < 0) {
        problems_->push_back(error_at(path_, reader_->header_line(), 0, "", "", "missing column " + name));
        usable = false;
      }
    if (!usable) {
      reader_.reset();
      out.refusal = "refused: unreadable file";
      return;
    }
    out.objects.push_back("file:" + sha256_);
  }
  Sheet(const Sheet&) = delete;
  Sheet& operator=(const Sheet&) = delete;

  bool ok() const { return reader_.has_value(); }
  const std::string& sha256() const { return sha256_; }
  bool has_column(const char* name) const { return reader_->column_of(name) >= 0; }

  // The second walk: its problems were all reported by the first.
  void rewind() {
    problems_ = &scratch_;
    reader_.reset();
    reader_.emplace(bytes_, path_, scratch_);
  }
  // Problems beyond kFlagCap in one column become one "… and N more" line.
  void finish() {
    for (const auto& [column, n] : suppressed_)
      problems_->push_back(error(path_, "… and " + std::to_string(n) + " more problem(s) in column " + column));
    suppressed_.clear();
  }

  // The next record whose fields are usable (others are reported by the reader and skipped).
  bool next(csv::Record& rec) {
    while (reader_->next(rec))
      if (rec.whole) return true;
    return false;
  }
  // Trimmed field `name` of `rec`; empty when the column is absent.
  std::string get(const csv::Record& rec, const char* name) const {
    int c = reader_->column_of(name);
    return c >= 0 && c < static_cast<int>(rec.fields.size()) ? trim(rec.fields[c]) : std::string();
  }
  void bad(const csv::Record& rec, const char* name, const std::string& value, const std::string& why) {
    if (++reported_[name] > kFlagCap) {
      ++suppressed_[name];
      return;
    }
    problems_->push_back(error_at(path_, rec.line, reader_->column_of(name) + 1, name, value, why));
  }
  // A required field: reported when empty.
  std::optional<std::string> need(const csv::Record& rec, const char* name) {
    auto v = get(rec, name);
    if (v.empty()) {
      bad(rec, name, v, "required");
      return std::nullopt;
    }
    return v;
  }
  std::optional<std::string> time(const csv::Record& rec, const char* name) {
    auto v = need(rec, name);
    if (!v) return std::nullopt;
    auto t = normalize_time(*v);
    if (!t) bad(rec, name, *v, "must be an ISO-8601 time with its offset, e.g. 2025-09-03T10:15:00+09:00");
    return t;
  }

 private:
  std::string path_;
  Diagnostics* problems_;
  Diagnostics scratch_;
  std::string bytes_;  // the reader reads these in place
  std::string sha256_;
  std::optional<csv::Reader> reader_;
  std::map<std::string, int> reported_, suppressed_;
};

bool batch_exists(const sql::Db& db, const std::string& batch_id) {
  sql::Stmt q(db, "SELECT 1 FROM batches WHERE batch_id = ?");
  q.args(batch_id);
  return q.step();
}

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string not_handed_over(const std::string& batch_id) {
  return "batch " + batch_id +
         " has not been approved and handed over (tsuchi approve, tsuchi handover): evidence for it is refused";
}

// The custody of each batch a file names, looked up once per batch (a file has few batches and many
// rows); `refused` remembers batches already reported, so a refusal is said once.
struct BatchCustody {
  const sql::Db& db;
  std::map<std::string, std::optional<Custody>> seen;  // nullopt: no such batch
  std::set<std::string> refused;
  const std::optional<Custody>& of(const std::string& batch_id) {
    auto it = seen.find(batch_id);
    if (it == seen.end())
      it = seen.emplace(batch_id, batch_exists(db, batch_id) ? std::optional<Custody>(custody_of(db, batch_id))
                                                             : std::nullopt).first;
    return it->second;
  }
};

// Checks one contractor time against the batch's custody: after its handover, not in the future.
// Names the column and says why; false when refused.
bool check_time(Sheet& sh, const csv::Record& rec, const char* column, const std::string& at, const Custody& c,
                const std::string& now) {
  if (at > plus_minutes(now, kClockToleranceMinutes)) {
    sh.bad(rec, column, at, kFuture);
    return false;
  }
  if (at < c.handed_at) {
    sh.bad(rec, column, at, kBeforeHandover);
    return false;
  }
  return true;
}

// A file's import as a whole: validated and read against custody without the write lock, then in
// one transaction custody is checked again, a repeated file changes nothing, an earlier file is
// replaced only when `supersedes` names it, and `store` walks the rows again to insert them.
struct FileImport {
  const char* command;
  const char* kind;           // imports.kind
  bool one_file_per_batch;    // a second, different file needs --supersede
  std::string supersedes;     // hex SHA-256 of the earlier file, or empty
};

std::optional<std::string> current_file(const sql::Db& db, const std::string& kind, const std::string& batch_id) {
  sql::Stmt q(db,
              "SELECT i.file_sha256 FROM imports i WHERE i.kind = ?1 AND i.batch_id = ?2 AND NOT EXISTS "
              "(SELECT 1 FROM imports j WHERE j.kind = i.kind AND j.batch_id = i.batch_id AND j.supersedes = i.file_sha256 "
              "AND j.id > i.id) ORDER BY i.id DESC LIMIT 1");
  q.args(kind, batch_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

bool imported(const sql::Db& db, const std::string& kind, const std::string& batch_id, const std::string& sha) {
  sql::Stmt q(db, "SELECT 1 FROM imports WHERE kind = ? AND batch_id = ? AND file_sha256 = ?");
  q.args(kind, batch_id, sha);
  return q.step();
}

// Inside the transaction: custody again (a batch may not lose its handover, but a record may have
// come between), then repetition and supersession. False when nothing is to be stored.
bool admit_file(sql::Db& db, const FileImport& f, const std::string& sha, const std::vector<std::string>& batches,
                const std::string& note, Outcome& out, ImportSummary& sum) {
  for (const auto& b : batches)
    if (!custody_of(db, b).handed) out.problems.push_back(error("", not_handed_over(b)));
  if (has_errors(out.problems)) {
    out.refusal = "refused: not handed over";
    return false;
  }
  sum.file_sha256 = sha;
  if (!batches.empty() && std::all_of(batches.begin(), batches.end(),
                                      [&](const std::string& b) { return imported(db, f.kind, b, sha); })) {
    sum.already_imported = true;
    sum.batches = batches;
    out.result = "ok: already imported (sha256 " + sha + ")";
    return false;
  }
  for (const auto& b : batches) {
    auto current = current_file(db, f.kind, b);
    if (!f.supersedes.empty() && current != f.supersedes)
      out.problems.push_back(error_at("", 0, 0, "--supersede", f.supersedes,
                                      "not the file currently recorded for batch " + b +
                                          (current ? " (that is sha256 " + *current + ")" : " (none is)")));
    else if (f.supersedes.empty() && f.one_file_per_batch && current && *current != sha)
      out.problems.push_back(error("", std::string("batch ") + b + " already has a " + f.kind + " (sha256 " + *current +
                                           "): a corrected file replaces it only with --supersede " + *current));
  }
  if (has_errors(out.problems)) {
    out.refusal = "refused: already recorded";
    return false;
  }
  sql::Stmt ins(db, "INSERT INTO imports(kind, batch_id, file_sha256, supersedes, note, audit_seq) VALUES (?,?,?,?,?,?)");
  for (const auto& b : batches) {
    ins.args(f.kind, b, sha, f.supersedes, note, out.seq).run();
    ins.reset();
  }
  if (!f.supersedes.empty()) out.objects.push_back("supersedes:" + f.supersedes);
  return true;
}

// A refusal that could not be recorded with its work (the ledger busy or locked) is recorded on its own.
void record_failure(Db& db, const Clock& clock, const std::string& ledger_path, const Signer& signer,
                    const std::string& command, Diagnostics& problems) {
  bool sql_failed = std::any_of(problems.begin(), problems.end(),
                                [&](const Diagnostic& d) { return d.file == ledger_path; });
  if (!sql_failed) return;
  audited(db, clock, ledger_path, signer, {command, {}, ""}, [](Outcome& out) {
    out.problems.push_back(error("", "the ledger was busy"));
    out.refusal = "refused: ledger busy or locked";
  });
}

// Imports queue behind one another rather than fail: a million-row file holds the lock for seconds.
void wait_for_lock(sql::Db& db) { sqlite3_busy_timeout(db.get(), 10 * 60 * 1000); }

}  // namespace

std::optional<std::string> return_reason_code(const std::string& text) {
  for (const auto& r : kReasons)
    if (text == r.code || text == r.japanese) return r.code;
  return std::nullopt;
}

std::string return_reason_japanese(const std::string& code) {
  for (const auto& r : kReasons)
    if (code == r.code) return r.japanese;
  return code;
}

Custody custody_of(const sql::Db& db, const std::string& batch_id) {
  Custody c;
  c.approved = has_event(db, batch_id, "approved");
  sql::Stmt q(db, "SELECT audit_seq, at, details FROM custody_events WHERE batch_id = ? AND kind = 'handed_over' ORDER BY id");
  q.args(batch_id);
  while (q.step()) {
    if (!c.approved || !genuine_record(db, q.integer(0), "handover")) continue;
    if (!c.handed || q.text(1) < c.handed_at) c.handed_at = q.text(1);
    c.handed = true;
    auto d = json::parse(q.text(2), nullptr, false);
    std::string media = d.is_object() ? d.value("media", "") : "";
    add_unique(c.media, media.empty() ? "archive" : media);
  }
  return c;
}

std::set<std::int64_t> superseded_seqs(const sql::Db& db, const std::string& batch_id) {
  std::set<std::int64_t> seqs;
  sql::Stmt q(db,
              "SELECT i.audit_seq FROM imports i WHERE i.batch_id = ?1 AND EXISTS (SELECT 1 FROM imports j WHERE "
              "j.kind = i.kind AND j.batch_id = i.batch_id AND j.supersedes = i.file_sha256 AND j.id > i.id)");
  q.args(batch_id);
  while (q.step()) seqs.insert(q.integer(0));
  return seqs;
}

std::set<std::string> voided_runs(const sql::Db& db) {
  std::set<std::string> runs;
  sql::Stmt t(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'voids'");
  if (!t.step()) return runs;  // a ledger from before `tsuchi void`
  sql::Stmt q(db, "SELECT run_id, audit_seq FROM voids");
  while (q.step())
    if (genuine_record(db, q.integer(1), "void")) runs.insert(q.text(0));
  return runs;
}

void CappedFlags::add(const std::string& kind, std::string text) {
  if (++seen_[kind] <= kFlagCap) flags_.push_back(std::move(text));
}

std::vector<std::string> CappedFlags::take() {
  for (const auto& [kind, n] : seen_)
    if (n > kFlagCap) flags_.push_back("… and " + std::to_string(n - kFlagCap) + " more: " + kind);
  seen_.clear();
  return std::move(flags_);
}

WorklogState worklog_state(const sql::Db& db, const std::string& batch_id) {
  WorklogState st;
  // The latest report that no later file superseded is the batch's completion report.
  auto gone = superseded_seqs(db, batch_id);
  std::optional<std::int64_t> report;
  sql::Stmt rep(db, "SELECT report_id, audit_seq FROM worklogs WHERE batch_id = ? ORDER BY report_id DESC");
  rep.args(batch_id);
  while (!report && rep.step())
    if (!gone.count(rep.integer(1))) report = rep.integer(0);
  if (!report) return st;
  st.present = true;

  std::map<std::string, int> sealed_sheets;
  sql::Stmt env(db, "SELECT envelope_id, sheets FROM envelopes WHERE batch_id = ?");
  env.args(batch_id);
  while (env.step()) sealed_sheets[env.text(0)] = static_cast<int>(env.integer(1));

  // Compact per envelope: a count and the first lines, not every row (a log may have a million).
  struct Mailing {
    int count = 0;
    std::vector<int> lines;  // the first few
  };
  std::map<std::string, Mailing> mailed;  // sorted by envelope id, for stable messages
  std::map<std::string, int> log_sheets;  // status -> sheets added up over the envelope rows
  std::vector<std::tuple<std::string, int, int>> totals;  // status, sheets, line
  CappedFlags flags;
  sql::Stmt rows(db, "SELECT line, envelope_id, status, sheets, at FROM worklog_rows WHERE report_id = ? ORDER BY line");
  rows.args(*report);
  while (rows.step()) {
    int line = static_cast<int>(rows.integer(0)), sheets = static_cast<int>(rows.integer(3));
    std::string env_id = rows.text(1), status = rows.text(2);
    if (env_id == "TOTAL") {
      totals.emplace_back(status, sheets, line);
      continue;
    }
    log_sheets[status] += sheets;
    if (status == "mailed") {
      auto& m = mailed[env_id];
      if (++m.count <= 8) m.lines.push_back(line);
      auto [it, fresh] = st.mailed.emplace(env_id, rows.text(4));
      if (!fresh && rows.text(4) < it->second) it->second = rows.text(4);
      if (sheets != sealed_sheets[env_id])
        flags.add("envelopes mailed with another sheet count",
                  "envelope " + env_id + " mailed with " + std::to_string(sheets) + " sheets, sealed with " +
                      std::to_string(sealed_sheets[env_id]) + " (line " + std::to_string(line) + ")");
    } else if (status == "spoiled") {
      st.spoiled_sheets += sheets;
    }
  }
  std::vector<std::string> twice;
  for (const auto& [id, m] : mailed)
    if (m.count > 1) {
      std::vector<std::string> ls;
      for (int l : m.lines) ls.push_back(std::to_string(l));
      if (m.count > static_cast<int>(m.lines.size())) ls.push_back("…");
      twice.push_back("envelope " + id + " reported mailed " + std::to_string(m.count) + " times (lines " +
                      join(ls, ", ") + ")");
    }
  CappedFlags ordered;  // duplicates first, as the log reads
  for (auto& t : twice) ordered.add("envelopes reported mailed more than once", std::move(t));
  st.flags = ordered.take();
  for (auto& f : flags.take()) st.flags.push_back(std::move(f));
  for (const auto& [status, sheets, line] : totals)
    if (sheets != log_sheets[status])
      st.flags.push_back("TOTAL " + status + ": the contractor reports " + std::to_string(sheets) +
                         " sheets, its log adds up to " + std::to_string(log_sheets[status]) + " (line " +
                         std::to_string(line) + ")");
  return st;
}

namespace {

// The shared course of the three CSV imports. `walk(sh, store, out, sum)` reads every row: first
// (store = false, no lock) to validate and collect the batches, then (store = true, in the
// transaction) to insert. The validating walk leaves the batches in `sum.batches`.
using Walk = std::function<void(Sheet&, bool store, Outcome&, ImportSummary&)>;

Checked<ImportSummary> import_csv(Db& db, const Clock& clock, const std::string& ledger_path, const Actor& who,
                                  const FileImport& f, const std::string& path,
                                  const std::vector<std::string>& required, const Walk& walk) {
  Checked<ImportSummary> r;
  wait_for_lock(db.conn);
  Outcome pre;
  pre.now = clock();
  std::optional<Sheet> sh;
  try {
    sh.emplace(path, required, pre);
    if (sh->ok()) {
      walk(*sh, false, pre, r.value);
      sh->finish();
    }
  } catch (const sql::SqlError& e) {
    pre.problems.push_back(sql_failure(ledger_path, e));
  }
  if (!f.supersedes.empty() && !is_sha256_hex(f.supersedes))
    pre.problems.push_back(error_at("", 0, 0, "--supersede", f.supersedes, "must be the earlier file's SHA-256 (64 hex digits)"));
  const std::vector<std::string> batches = r.value.batches;
  r.problems = audited(db, clock, ledger_path, signer_of(who), {f.command, {}, ""}, [&](Outcome& out) {
    if (!check_role(db.conn, who, f.command, out)) return;
    out.problems = pre.problems;
    out.objects = pre.objects;
    if (has_errors(out.problems)) {
      out.refusal = pre.refusal;
      return;
    }
    ImportSummary sum;
    if (!admit_file(db.conn, f, sh->sha256(), batches, "", out, sum)) {
      r.value = sum;
      return;
    }
    sh->rewind();
    sum.batches = batches;
    walk(*sh, true, out, sum);
    for (const auto& b : batches) out.objects.push_back("batch:" + b);
    r.value = sum;
  });
  record_failure(db, clock, ledger_path, signer_of(who), f.command, r.problems);
  if (has_errors(r.problems)) r.value = {};
  return r;
}

// Envelope id -> batch id, one prepared statement for the whole file.
class EnvelopeBatch {
 public:
  explicit EnvelopeBatch(const sql::Db& db) : q_(db, "SELECT batch_id FROM envelopes WHERE envelope_id = ?") {}
  std::optional<std::string> operator()(const std::string& envelope_id) {
    q_.reset();
    q_.args(envelope_id);
    if (!q_.step()) return std::nullopt;
    return q_.text(0);
  }

 private:
  sql::Stmt q_;
};

}  // namespace

Checked<ImportSummary> Ledger::import_receipt(const std::string& path, const Actor& who, const std::string& supersedes) {
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  BatchCustody custody{db_->conn, {}, {}};
  auto walk = [&](Sheet& sh, bool store, Outcome& out, ImportSummary& sum) {
    for (csv::Record rec; sh.next(rec);) {
      auto batch_id = sh.need(rec, "batch_id");
      auto hash = sh.need(rec, "archive_sha256");
      auto at = sh.time(rec, "received_at");
      auto by = sh.need(rec, "received_by");
      if (!batch_id) continue;
      const auto& c = custody.of(*batch_id);
      if (!c) {
        sh.bad(rec, "batch_id", *batch_id, "no such batch in the ledger");
        continue;
      }
      if (!c->handed) {
        if (custody.refused.insert(*batch_id).second) sh.bad(rec, "batch_id", *batch_id, not_handed_over(*batch_id));
        continue;
      }
      sql::Stmt q(db_->conn, "SELECT archive_sha256 FROM batches WHERE batch_id = ?");
      q.args(*batch_id);
      q.step();
      const std::string archive = q.text(0);
      if (hash) {
        std::string lower = *hash;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
        if (lower != archive) sh.bad(rec, "archive_sha256", *hash, "does not match the sealed archive of batch " + *batch_id);
      }
      if (at && !check_time(sh, rec, "received_at", *at, *c, out.now)) continue;
      if (!hash || !at || !by) continue;
      add_unique(sum.batches, *batch_id);
      if (!store) continue;
      out.events.push_back({*at, "received", *batch_id, "", json{{"archive_sha256", archive}, {"received_by", *by}}.dump()});
      ++sum.rows;
    }
    if (store) out.result = "ok: " + std::to_string(sum.rows) + " receipt(s)";
  };
  return import_csv(*db_, clock_, path_, who, {"import receipt", "receipt", false, supersedes}, path,
                    {"batch_id", "archive_sha256", "received_at", "received_by"}, walk);
}

Checked<ImportSummary> Ledger::import_worklog(const std::string& path, const Actor& who, const std::string& supersedes) {
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  BatchCustody custody{db_->conn, {}, {}};
  EnvelopeBatch envelope_batch(db_->conn);
  auto walk = [&](Sheet& sh, bool store, Outcome& out, ImportSummary& sum) {
    std::map<std::string, std::pair<std::int64_t, int>> reports;  // batch -> report id, rows
    std::optional<sql::Stmt> row;
    if (store) {
      sql::Stmt report(db_->conn,
                       "INSERT INTO worklogs(batch_id, file_sha256, imported_at, user, audit_seq) VALUES (?,?,?,?,?)");
      for (const auto& b : sum.batches) {
        report.args(b, sh.sha256(), out.now, who.user, out.seq).run();
        report.reset();
        reports[b] = {sqlite3_last_insert_rowid(db_->conn.get()), 0};
      }
      row.emplace(db_->conn,
                  "INSERT INTO worklog_rows(report_id, line, envelope_id, status, sheets, at, postal_category, audit_seq) "
                  "VALUES (?,?,?,?,?,?,?,?)");
    }
    for (csv::Record rec; sh.next(rec);) {
      auto batch_id = sh.need(rec, "batch_id");
      auto env = sh.need(rec, "envelope_id");
      auto status = sh.need(rec, "status");
      auto sheets_text = sh.need(rec, "sheets");
      auto at = sh.time(rec, "at");
      std::optional<int> sheets;
      if (status && std::find(kStatuses.begin(), kStatuses.end(), *status) == kStatuses.end()) {
        sh.bad(rec, "status", *status, "must be one of " + join(kStatuses, ", "));
        status.reset();
      }
      if (sheets_text && !(sheets = parse_count(*sheets_text)))
        sh.bad(rec, "sheets", *sheets_text, "must be a whole number of sheets, 0 or more");
      if (!batch_id) continue;
      const auto& c = custody.of(*batch_id);
      if (!c) {
        sh.bad(rec, "batch_id", *batch_id, "no such batch in the ledger");
        continue;
      }
      if (!c->handed) {
        if (custody.refused.insert(*batch_id).second) sh.bad(rec, "batch_id", *batch_id, not_handed_over(*batch_id));
        continue;
      }
      if (env && *env != "TOTAL" && envelope_batch(*env) != batch_id) {
        sh.bad(rec, "envelope_id", *env, "not an envelope of batch " + *batch_id);
        continue;
      }
      if (at && !check_time(sh, rec, "at", *at, *c, out.now)) continue;
      if (!env || !status || !sheets || !at) continue;
      if (!store) {
        add_unique(sum.batches, *batch_id);
        continue;
      }
      auto& [id, n] = reports[*batch_id];
      row->args(id, rec.line, *env, *status, *sheets, *at, sh.get(rec, "postal_category"), out.seq).run();
      row->reset();
      ++n;
      ++sum.rows;
    }
    if (!store) return;
    for (const auto& [b, rep] : reports) {
      out.events.push_back({"", "worklog", b, "",
                            json{{"report_id", rep.first}, {"rows", rep.second}, {"file_sha256", sh.sha256()}}.dump()});
      add_unique(sum.batches, b);
    }
    out.result = "ok: " + std::to_string(sum.rows) + " row(s), " + std::to_string(reports.size()) + " batch(es)";
  };
  auto r = import_csv(*db_, clock_, path_, who, {"import worklog", "worklog", true, supersedes}, path,
                      {"batch_id", "envelope_id", "status", "sheets", "at"}, walk);
  if (r.ok() && !r.value.already_imported)
    for (const auto& b : r.value.batches)
      for (const auto& flag : worklog_state(db_->conn, b).flags) r.problems.push_back(warning(path, flag));
  return r;
}

Checked<ImportSummary> Ledger::import_returns(const std::string& path, const Actor& who, const std::string& supersedes) {
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  BatchCustody custody{db_->conn, {}, {}};
  EnvelopeBatch envelope_batch(db_->conn);
  std::map<std::string, WorklogState> logs;  // per batch, for "returned before it was mailed"
  auto walk = [&](Sheet& sh, bool store, Outcome& out, ImportSummary& sum) {
    std::map<std::string, std::set<std::int64_t>> gone;  // batch -> superseded seqs
    std::optional<sql::Stmt> same, ins;
    if (store) {
      same.emplace(db_->conn, "SELECT audit_seq FROM returns WHERE envelope_id = ? AND reason = ? AND at = ? AND action = ?");
      ins.emplace(db_->conn,
                  "INSERT INTO returns(envelope_id, reason, at, action, recorded_at, audit_seq) VALUES (?,?,?,?,?,?)");
    }
    CappedFlags early;
    for (csv::Record rec; sh.next(rec);) {
      auto env = sh.need(rec, "envelope_id");
      auto reason = sh.need(rec, "reason");
      auto at = sh.time(rec, "at");
      std::string action = sh.has_column("action") ? sh.get(rec, "action") : "";
      if (action.empty()) action = "open";
      std::optional<std::string> batch;
      if (env && !(batch = envelope_batch(*env))) sh.bad(rec, "envelope_id", *env, "no such envelope in the ledger");
      std::optional<std::string> code;
      if (reason && !(code = return_reason_code(*reason))) {
        std::vector<std::string> names;
        for (const auto& x : kReasons) names.push_back(x.japanese);
        sh.bad(rec, "reason", *reason, "must be one of " + join(names, ", ") + " (or its code, see contractor-files.md)");
      }
      if (std::find(kActions.begin(), kActions.end(), action) == kActions.end()) {
        sh.bad(rec, "action", action, "must be one of " + join(kActions, ", "));
        continue;
      }
      if (!batch) continue;
      const auto& c = custody.of(*batch);
      if (!c || !c->handed) {
        if (custody.refused.insert(*batch).second) sh.bad(rec, "envelope_id", *env, not_handed_over(*batch));
        continue;
      }
      if (at && *at > plus_minutes(out.now, kClockToleranceMinutes)) {
        sh.bad(rec, "at", *at, kFuture);
        continue;
      }
      if (!code || !at) continue;
      if (!store) {
        // The post office's date stamp wins over the log: an early return is flagged, not refused.
        auto log = logs.find(*batch);
        if (log == logs.end()) log = logs.emplace(*batch, worklog_state(db_->conn, *batch)).first;
        auto mailed = log->second.mailed.find(*env);
        if (mailed != log->second.mailed.end() && *at < mailed->second)
          early.add("returns dated before the envelope was mailed",
                    "envelope " + *env + " returned at " + *at + ", before it was reported mailed (" + mailed->second +
                        ") (line " + std::to_string(rec.line) + ")");
        add_unique(sum.batches, *batch);
        continue;
      }
      // A row already recorded (and not superseded) adds nothing.
      auto g = gone.find(*batch);
      if (g == gone.end()) g = gone.emplace(*batch, superseded_seqs(db_->conn, *batch)).first;
      same->reset();
      same->args(*env, *code, *at, action);
      bool known = false;
      while (!known && same->step()) known = !g->second.count(same->integer(0));
      if (known) continue;
      ins->args(*env, *code, *at, action, out.now, out.seq).run();
      ins->reset();
      out.events.push_back({*at, "returned", *batch, *env, json{{"reason", *code}, {"action", action}}.dump()});
      ++sum.rows;
    }
    for (auto& f : early.take()) out.problems.push_back(warning(path, f));
    if (store) {
      out.result = "ok: " + std::to_string(sum.rows) + " return(s)";
    }
  };
  return import_csv(*db_, clock_, path_, who, {"import returns", "returns", false, supersedes}, path,
                    {"envelope_id", "reason", "at"}, walk);
}

Checked<ImportSummary> Ledger::import_certificate(const CertificateRequest& req, const Actor& who) {
  Checked<ImportSummary> r;
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  wait_for_lock(db_->conn);
  // A certificate without its form's code is a supervisor's explicit, separately audited decision.
  const std::string command = req.no_form_code ? "import certificate override" : "import certificate";
  // Read, decode and check against custody before the lock: decoding a scan takes seconds.
  Outcome pre;
  pre.now = clock_();
  std::string batch_id = req.batch_id, sha;
  auto bad = [&](const char* option, const std::string& value, const std::string& why) {
    pre.problems.push_back(error_at(req.file, 0, 0, option, value, why));
  };
  auto validate = [&] {
    auto form = file::read(req.file, kMaxCertificateBytes, pre.problems);
    if (!form || form->empty()) {
      if (form) pre.problems.push_back(error(req.file, "the certificate file is empty"));
      pre.refusal = "refused: unreadable file";
      return std::optional<std::string>();
    }
    sha = digest::sha256_hex(*form);
    pre.objects.push_back("file:" + sha);
    std::optional<FormCode> code = req.matcher && !req.no_form_code ? req.matcher(*form) : std::nullopt;
    if (batch_id.empty() && code) batch_id = code->batch_id;
    if (batch_id.empty()) {
      pre.problems.push_back(error(req.file, "no certificate-form QR code found in the file: pass --batch"));
      pre.refusal = "refused: no batch";
      return form;
    }
    // Name where the batch id came from: the option, or the code read from the form.
    const char* source = req.batch_id.empty() ? "form QR code" : "--batch";
    sql::Stmt q(db_->conn, "SELECT manifest_sha256 FROM batches WHERE batch_id = ?");
    q.args(batch_id);
    std::optional<Custody> custody;
    if (!q.step()) {
      bad(source, batch_id, "no such batch in the ledger");
    } else if (code && code->batch_id != batch_id) {
      bad(source, batch_id, "the form's QR code names batch " + code->batch_id);
    } else if (code && code->manifest_sha256 != q.text(0)) {
      bad(source, batch_id, "the form's QR code carries another manifest digest than the one sealed for this batch");
    } else if (!(custody = custody_of(db_->conn, batch_id))->handed) {
      pre.problems.push_back(error(req.file, not_handed_over(batch_id)));
    } else if (!code && !req.no_form_code) {
      pre.problems.push_back(error(req.file, "no certificate-form QR code for batch " + batch_id +
                                                 " in the file: scan the filled-in form printed by `tsuchi certificate "
                                                 "form`, or a supervisor accepts it with --no-form-code --reason TEXT"));
    }
    if (req.no_form_code && trim(req.override_reason).empty())
      bad("--reason", req.override_reason, "required with --no-form-code: why the form's QR code is missing");
    if (req.method != "Clear" && req.method != "Purge" && req.method != "Destroy")
      bad("--method", req.method, "must be Clear, Purge or Destroy (NIST SP 800-88)");
    auto day = parse_date(req.date);
    if (!day) bad("--date", req.date, "must be a date YYYY-MM-DD");
    const std::pair<const char*, const std::string*> required[] = {
        {"--medium", &req.medium},   {"--tool", &req.tool},     {"--tool-version", &req.tool_version},
        {"--verification", &req.verification}, {"--place", &req.place}, {"--operator", &req.operator_name},
        {"--witness", &req.witness}};
    for (const auto& [opt, v] : required)
      if (trim(*v).empty()) bad(opt, *v, "required");
    if (custody && custody->handed) {
      if (!req.medium.empty() && req.medium != "archive" && req.medium != "spoilage" &&
          std::find(custody->media.begin(), custody->media.end(), req.medium) == custody->media.end()) {
        std::vector<std::string> named;
        for (const auto& m : custody->media)
          if (m != "archive") named.push_back(m);
        bad("--medium", req.medium, "no medium of that id was handed over with batch " + batch_id + ": use " +
                                        (named.empty() ? "" : join(named, ", ") + ", ") + "archive or spoilage");
      }
      const int offset = policy().office_hours.utc_offset_minutes;
      if (day && *day > local_day(plus_minutes(pre.now, kClockToleranceMinutes), offset))
        bad("--date", req.date, kFuture);
      else if (day && *day < local_day(custody->handed_at, offset))
        bad("--date", req.date, kBeforeHandover);
    }
    if (req.medium == "spoilage" && !req.quantity)
      bad("--quantity", "", "required for the spoilage medium: the number of sheets destroyed");
    if (req.quantity && *req.quantity < 0) bad("--quantity", std::to_string(*req.quantity), "must be 0 or more");
    if (!req.supersedes.empty() && !is_sha256_hex(req.supersedes))
      bad("--supersede", req.supersedes, "must be the earlier file's SHA-256 (64 hex digits)");
    if (has_errors(pre.problems) && pre.refusal.empty()) pre.refusal = "refused: invalid certificate";
    return form;
  };
  std::optional<std::string> form;
  try {
    form = validate();
  } catch (const sql::SqlError& e) {
    pre.problems.push_back(sql_failure(path_, e));
  }
  const std::string kind = "certificate:" + req.medium;  // one counted certificate per batch and medium
  const FileImport f{command.c_str(), kind.c_str(), true, req.supersedes};
  r.problems = audited(*db_, clock_, path_, signer_of(who), {command, {}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, who, command, out)) return;
    out.problems = pre.problems;
    out.objects = pre.objects;
    if (has_errors(out.problems)) {
      out.refusal = pre.refusal;
      return;
    }
    ImportSummary sum;
    // The reason stays in the ledger's own row, never in the audit record's text.
    if (!admit_file(db_->conn, f, sha, {batch_id}, req.no_form_code ? trim(req.override_reason) : "", out, sum)) {
      r.value = sum;
      return;
    }
    // The same bytes certifying another medium are stored once, with the record that first brought them.
    sql::Stmt(db_->conn, "INSERT OR IGNORE INTO certificate_files(sha256, size, bytes, audit_seq) VALUES (?,?,?,?)")
        .bind(1, sha)
        .bind(2, static_cast<std::int64_t>(form->size()))
        .bind_blob(3, *form)
        .bind(4, out.seq)
        .run();
    sql::Stmt ins(db_->conn,
                  "INSERT INTO certificates(batch_id, medium, method, tool, tool_version, verification, date, place, "
                  "operator, witness, quantity, file_sha256, recorded_at, user, audit_seq) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    ins.args(batch_id, req.medium, req.method, req.tool, req.tool_version, req.verification, req.date, req.place,
             req.operator_name, req.witness, static_cast<std::int64_t>(req.quantity.value_or(0)), sha, out.now, who.user,
             out.seq);
    if (!req.quantity) ins.bind_null(11);
    ins.run();
    out.events.push_back({"", "certified", batch_id, "",
                          json{{"medium", req.medium}, {"method", req.method}, {"file_sha256", sha}}.dump()});
    out.objects.push_back("batch:" + batch_id);
    out.objects.push_back("medium:" + req.medium);
    if (req.no_form_code) out.objects.push_back("no-form-code");
    sum.rows = 1;
    sum.batches = {batch_id};
    r.value = sum;
  });
  record_failure(*db_, clock_, path_, signer_of(who), command, r.problems);
  if (has_errors(r.problems)) r.value = {};
  return r;
}

}  // namespace tsuchi::ledger
