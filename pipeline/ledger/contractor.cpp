// Evidence from the print contractor and the post office: receipt, work log, returned mail and
// destruction certificates (formats: output_spec/contractor-files.md). A file is stored whole
// or not at all.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
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

// One contractor CSV read through the shared reader (core/csv.hpp), records streamed one at a
// time, fields by column name, problems at file:line:column.
class Sheet {
 public:
  // Reads the file; unusable (unreadable, too large, no header, a required column missing) sets
  // the refusal. The file's SHA-256 names exactly the bytes read in the audit record.
  Sheet(const std::string& path, const std::vector<std::string>& required, Outcome& out)
      : path_(path), problems_(out.problems) {
    auto bytes = file::read(path, kMaxContractorFileBytes, problems_);
    if (!bytes) {
      out.refusal = "refused: unreadable file";
      return;
    }
    bytes_ = std::move(*bytes);
    sha256_ = digest::sha256_hex(bytes_);
    reader_.emplace(bytes_, path_, problems_);
    bool usable = reader_->ok();
    for (const auto& name : required)
      if (usable && reader_->column_of(name) < 0) {
        problems_.push_back(error_at(path_, reader_->header_line(), 0, "", "", "missing column " + name));
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
  void bad(const csv::Record& rec, const char* name, const std::string& value, const std::string& why) const {
    problems_.push_back(error_at(path_, rec.line, reader_->column_of(name) + 1, name, value, why));
  }
  // A required field: reported when empty.
  std::optional<std::string> need(const csv::Record& rec, const char* name) const {
    auto v = get(rec, name);
    if (v.empty()) {
      bad(rec, name, v, "required");
      return std::nullopt;
    }
    return v;
  }
  std::optional<std::string> time(const csv::Record& rec, const char* name) const {
    auto v = need(rec, name);
    if (!v) return std::nullopt;
    auto t = normalize_time(*v);
    if (!t) bad(rec, name, *v, "must be an ISO-8601 time with its offset, e.g. 2025-09-03T10:15:00+09:00");
    return t;
  }

 private:
  std::string path_;
  Diagnostics& problems_;
  std::string bytes_;  // the reader reads these in place
  std::string sha256_;
  std::optional<csv::Reader> reader_;
};

struct BatchRow {
  std::string archive_sha256;
};
std::optional<BatchRow> find_batch(const sql::Db& db, const std::string& batch_id) {
  sql::Stmt q(db, "SELECT archive_sha256 FROM batches WHERE batch_id = ?");
  q.args(batch_id);
  if (!q.step()) return std::nullopt;
  return BatchRow{q.text(0)};
}

std::optional<std::string> envelope_batch(const sql::Db& db, const std::string& envelope_id) {
  sql::Stmt q(db, "SELECT batch_id FROM envelopes WHERE envelope_id = ?");
  q.args(envelope_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

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

WorklogState worklog_state(const sql::Db& db, const std::string& batch_id) {
  WorklogState st;
  sql::Stmt rep(db, "SELECT report_id FROM worklogs WHERE batch_id = ? ORDER BY report_id DESC LIMIT 1");
  rep.args(batch_id);
  if (!rep.step()) return st;
  st.present = true;
  std::int64_t report = rep.integer(0);

  std::map<std::string, int> sealed_sheets;
  sql::Stmt env(db, "SELECT envelope_id, sheets FROM envelopes WHERE batch_id = ?");
  env.args(batch_id);
  while (env.step()) sealed_sheets[env.text(0)] = static_cast<int>(env.integer(1));

  struct Mailing {
    std::vector<int> lines;
    std::vector<int> sheets;
  };
  std::map<std::string, Mailing> mailed;  // sorted by envelope id, for stable messages
  std::map<std::string, int> log_sheets;  // status -> sheets added up over the envelope rows
  std::vector<std::tuple<std::string, int, int>> totals;  // status, sheets, line
  sql::Stmt rows(db, "SELECT line, envelope_id, status, sheets FROM worklog_rows WHERE report_id = ? ORDER BY line");
  rows.args(report);
  while (rows.step()) {
    int line = static_cast<int>(rows.integer(0)), sheets = static_cast<int>(rows.integer(3));
    std::string env_id = rows.text(1), status = rows.text(2);
    if (env_id == "TOTAL") {
      totals.emplace_back(status, sheets, line);
      continue;
    }
    log_sheets[status] += sheets;
    if (status == "mailed") {
      mailed[env_id].lines.push_back(line);
      mailed[env_id].sheets.push_back(sheets);
    } else if (status == "spoiled") {
      st.spoiled_sheets += sheets;
    }
  }
  for (const auto& [id, m] : mailed) {
    st.mailed.insert(id);
    if (m.lines.size() > 1) {
      std::vector<std::string> ls;
      for (int l : m.lines) ls.push_back(std::to_string(l));
      st.flags.push_back("envelope " + id + " reported mailed " + std::to_string(m.lines.size()) + " times (lines " +
                         join(ls, ", ") + ")");
    }
    for (std::size_t i = 0; i < m.lines.size(); ++i)
      if (m.sheets[i] != sealed_sheets[id])
        st.flags.push_back("envelope " + id + " mailed with " + std::to_string(m.sheets[i]) + " sheets, sealed with " +
                           std::to_string(sealed_sheets[id]) + " (line " + std::to_string(m.lines[i]) + ")");
  }
  for (const auto& [status, sheets, line] : totals)
    if (sheets != log_sheets[status])
      st.flags.push_back("TOTAL " + status + ": the contractor reports " + std::to_string(sheets) +
                         " sheets, its log adds up to " + std::to_string(log_sheets[status]) + " (line " +
                         std::to_string(line) + ")");
  return st;
}

Checked<ImportSummary> Ledger::import_receipt(const std::string& path, const Actor& who) {
  Checked<ImportSummary> r;
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  r.problems = audited(*db_, clock_, path_, signer_of(who), {"import receipt", {}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, who, "import receipt", out)) return;
    Sheet sh(path, {"batch_id", "archive_sha256", "received_at", "received_by"}, out);
    if (!sh.ok()) return;
    for (csv::Record rec; sh.next(rec);) {
      auto batch_id = sh.need(rec, "batch_id");
      auto hash = sh.need(rec, "archive_sha256");
      auto at = sh.time(rec, "received_at");
      auto by = sh.need(rec, "received_by");
      if (!batch_id) continue;
      auto batch = find_batch(db_->conn, *batch_id);
      if (!batch) {
        sh.bad(rec, "batch_id", *batch_id, "no such batch in the ledger");
        continue;
      }
      if (!has_event(db_->conn, *batch_id, "handed_over"))
        sh.bad(rec, "batch_id", *batch_id, "the batch has not been handed over (tsuchi handover) yet");
      if (hash) {
        std::string lower = *hash;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (lower != batch->archive_sha256)
          sh.bad(rec, "archive_sha256", *hash, "does not match the sealed archive of batch " + *batch_id);
      }
      if (!hash || !at || !by || has_errors(out.problems)) continue;
      out.events.push_back({*at, "received", *batch_id, "",
                            json{{"archive_sha256", batch->archive_sha256}, {"received_by", *by}}.dump()});
      add_unique(r.value.batches, *batch_id);
      ++r.value.rows;
    }
    if (has_errors(out.problems)) return;
    for (const auto& b : r.value.batches) out.objects.push_back("batch:" + b);
    out.result = "ok: " + std::to_string(r.value.rows) + " receipt(s)";
  });
  if (has_errors(r.problems)) r.value = {};
  return r;
}

Checked<ImportSummary> Ledger::import_worklog(const std::string& path, const Actor& who) {
  Checked<ImportSummary> r;
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  r.problems = audited(*db_, clock_, path_, signer_of(who), {"import worklog", {}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, who, "import worklog", out)) return;
    Sheet sh(path, {"batch_id", "envelope_id", "status", "sheets", "at"}, out);
    if (!sh.ok()) return;
    const std::string* file_sha = &sh.sha256();
    struct Row {
      int line;
      std::string envelope_id, status;
      int sheets;
      std::string at, postal_category;
    };
    std::map<std::string, std::vector<Row>> by_batch;
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
      if (batch_id && !find_batch(db_->conn, *batch_id)) {
        sh.bad(rec, "batch_id", *batch_id, "no such batch in the ledger");
        batch_id.reset();
      }
      if (batch_id && env && *env != "TOTAL" && envelope_batch(db_->conn, *env) != batch_id) {
        sh.bad(rec, "envelope_id", *env, "not an envelope of batch " + *batch_id);
        env.reset();
      }
      if (batch_id && env && status && sheets && at)
        by_batch[*batch_id].push_back({rec.line, *env, *status, *sheets, *at, sh.get(rec, "postal_category")});
    }
    if (has_errors(out.problems)) return;
    const std::string& now = out.now;
    sql::Stmt report(db_->conn,
                     "INSERT INTO worklogs(batch_id, file_sha256, imported_at, user, audit_seq) VALUES (?,?,?,?,?)");
    sql::Stmt row(db_->conn,
                  "INSERT INTO worklog_rows(report_id, line, envelope_id, status, sheets, at, postal_category, audit_seq) "
                  "VALUES (?,?,?,?,?,?,?,?)");
    for (const auto& [batch_id, rows] : by_batch) {
      // The latest report for a batch is its completion report; earlier ones remain as history.
      report.args(batch_id, *file_sha, now, who.user, out.seq).run();
      report.reset();
      std::int64_t id = sqlite3_last_insert_rowid(db_->conn.get());
      for (const auto& x : rows) {
        row.args(id, x.line, x.envelope_id, x.status, x.sheets, x.at, x.postal_category, out.seq).run();
        row.reset();
      }
      out.events.push_back({"", "worklog", batch_id, "",
                            json{{"report_id", id}, {"rows", rows.size()}, {"file_sha256", *file_sha}}.dump()});
      for (const auto& flag : worklog_state(db_->conn, batch_id).flags) out.problems.push_back(warning(path, flag));
      out.objects.push_back("batch:" + batch_id);
      r.value.batches.push_back(batch_id);
      r.value.rows += static_cast<int>(rows.size());
    }
    out.result = "ok: " + std::to_string(r.value.rows) + " row(s), " + std::to_string(r.value.batches.size()) +
                 " batch(es)";
  });
  if (has_errors(r.problems)) r.value = {};
  return r;
}

Checked<ImportSummary> Ledger::import_returns(const std::string& path, const Actor& who) {
  Checked<ImportSummary> r;
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  r.problems = audited(*db_, clock_, path_, signer_of(who), {"import returns", {}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, who, "import returns", out)) return;
    Sheet sh(path, {"envelope_id", "reason", "at"}, out);
    if (!sh.ok()) return;
    struct Row {
      std::string envelope_id, batch_id, reason, at, action;
    };
    std::vector<Row> rows;
    for (csv::Record rec; sh.next(rec);) {
      auto env = sh.need(rec, "envelope_id");
      auto reason = sh.need(rec, "reason");
      auto at = sh.time(rec, "at");
      std::string action = sh.has_column("action") ? sh.get(rec, "action") : "";
      if (action.empty()) action = "open";
      std::optional<std::string> batch;
      if (env && !(batch = envelope_batch(db_->conn, *env))) sh.bad(rec, "envelope_id", *env, "no such envelope in the ledger");
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
      if (batch && code && at) rows.push_back({*env, *batch, *code, *at, action});
    }
    if (has_errors(out.problems)) return;
    // Append-only: the envelope's follow-up is its latest row (by time, then as recorded).
    sql::Stmt ins(db_->conn,
                  "INSERT INTO returns(envelope_id, reason, at, action, recorded_at, audit_seq) VALUES (?,?,?,?,?,?)");
    for (const auto& x : rows) {
      ins.args(x.envelope_id, x.reason, x.at, x.action, out.now, out.seq).run();
      ins.reset();
      out.events.push_back({x.at, "returned", x.batch_id, x.envelope_id, json{{"reason", x.reason}, {"action", x.action}}.dump()});
      add_unique(r.value.batches, x.batch_id);
    }
    r.value.rows = static_cast<int>(rows.size());
    for (const auto& b : r.value.batches) out.objects.push_back("batch:" + b);
    out.result = "ok: " + std::to_string(r.value.rows) + " return(s)";
  });
  if (has_errors(r.problems)) r.value = {};
  return r;
}

Checked<ImportSummary> Ledger::import_certificate(const CertificateRequest& req, const Actor& who) {
  Checked<ImportSummary> r;
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  r.problems = audited(*db_, clock_, path_, signer_of(who), {"import certificate", {}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, who, "import certificate", out)) return;
    auto form = file::read(req.file, kMaxCertificateBytes, out.problems);
    if (!form || form->empty()) {
      if (form) out.problems.push_back(error(req.file, "the certificate file is empty"));
      out.refusal = "refused: unreadable file";
      return;
    }
    const std::string* bytes = &*form;
    std::string sha = digest::sha256_hex(*bytes);
    out.objects.push_back("file:" + sha);
    auto bad = [&](const char* option, const std::string& value, const std::string& why) {
      out.problems.push_back(error_at(req.file, 0, 0, option, value, why));
    };
    std::string batch_id = req.batch_id;
    std::optional<FormCode> code = req.matcher ? req.matcher(*bytes) : std::nullopt;
    if (batch_id.empty() && code) batch_id = code->batch_id;
    if (batch_id.empty()) {
      out.problems.push_back(error(req.file, "no certificate-form QR code found in the file: pass --batch"));
      out.refusal = "refused: no batch";
      return;
    }
    // Name where the batch id came from: the option, or the code read from the form.
    const char* source = req.batch_id.empty() ? "form QR code" : "--batch";
    sql::Stmt q(db_->conn, "SELECT manifest_sha256 FROM batches WHERE batch_id = ?");
    q.args(batch_id);
    if (!q.step()) {
      bad(source, batch_id, "no such batch in the ledger");
    } else if (code && code->batch_id != batch_id) {
      bad(source, batch_id, "the form's QR code names batch " + code->batch_id);
    } else if (code && code->manifest_sha256 != q.text(0)) {
      bad(source, batch_id, "the form's QR code carries another manifest digest than the one sealed for this batch");
    }
    if (req.method != "Clear" && req.method != "Purge" && req.method != "Destroy")
      bad("--method", req.method, "must be Clear, Purge or Destroy (NIST SP 800-88)");
    if (!parse_date(req.date)) bad("--date", req.date, "must be a date YYYY-MM-DD");
    const std::pair<const char*, const std::string*> required[] = {
        {"--medium", &req.medium},   {"--tool", &req.tool},     {"--tool-version", &req.tool_version},
        {"--verification", &req.verification}, {"--place", &req.place}, {"--operator", &req.operator_name},
        {"--witness", &req.witness}};
    for (const auto& [opt, v] : required)
      if (trim(*v).empty()) bad(opt, *v, "required");
    if (req.medium == "spoilage" && !req.quantity)
      bad("--quantity", "", "required for the spoilage medium: the number of sheets destroyed");
    if (req.quantity && *req.quantity < 0) bad("--quantity", std::to_string(*req.quantity), "must be 0 or more");
    if (has_errors(out.problems)) {
      out.refusal = "refused: invalid certificate";
      return;
    }
    // The same file imported again is stored once, with the record that first brought it.
    sql::Stmt(db_->conn, "INSERT OR IGNORE INTO certificate_files(sha256, size, bytes, audit_seq) VALUES (?,?,?,?)")
        .bind(1, sha)
        .bind(2, static_cast<std::int64_t>(bytes->size()))
        .bind_blob(3, *bytes)
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
    r.value.rows = 1;
    r.value.batches = {batch_id};
  });
  if (has_errors(r.problems)) r.value = {};
  return r;
}

}  // namespace tsuchi::ledger
