// Custody rows and the audit records that wrote them. Every custody table is append-only and every
// row carries the seq of its record; the record holds a digest of exactly those rows, so a row
// added, changed or removed by SQL no longer matches any signed record (output_spec/ledger.md).
#include <set>

#include <nlohmann/json.hpp>

#include "ledger/internal.hpp"

namespace tsuchi::ledger {

using nlohmann::json;

namespace {

struct CustodyTable {
  const char* name;
  const char* columns;               // what the digest covers, in this order
  std::vector<const char*> writers;  // commands whose records may write rows here
};

// Fixed order: the digest is table by table in this order, rows by rowid.
const std::vector<CustodyTable>& custody_tables() {
  static const std::vector<CustodyTable> t = {
      {"ledger_meta", "city_public_key", {"ledger init"}},
      {"configs", "id, sha256, source, text", {"ledger init", "config set"}},
      {"users", "id, name, role, public_key, certificate", {"ledger init", "user add"}},
      {"revocations", "id, name, public_key", {"user revoke"}},
      {"runs", "run_id, user, created_at, month_key, recorded_at, maker_certificate, request_signature", {"run"}},
      {"batches", "batch_id, run_id, position, archive_sha256, manifest_sha256, tagmanifest_sha256", {"run"}},
      {"envelopes", "envelope_id, batch_id, position, postal_area, pages, sheets, notices, slips", {"run"}},
      {"slips", "run_id, envelope_id, case_id, month, amount, cash_payment", {"run"}},
      {"notices", "run_id, envelope_id, case_id, kind", {"run"}},
      {"custody_events", "id, at, recorded_at, user, kind, batch_id, envelope_id, details", {}},
      {"worklogs", "report_id, batch_id, file_sha256, imported_at, user", {"import worklog"}},
      {"worklog_rows", "report_id, line, envelope_id, status, sheets, at, postal_category", {"import worklog"}},
      {"returns", "id, envelope_id, reason, at, action, recorded_at", {"import returns"}},
      {"certificate_files", "sha256, size", {"import certificate", "import certificate override"}},
      {"certificates",
       "id, batch_id, medium, method, tool, tool_version, verification, date, place, operator, witness, quantity, "
       "file_sha256, recorded_at, user",
       {"import certificate", "import certificate override"}},
      // ---- issue 12 EVIDENCE
      {"imports", "id, kind, batch_id, file_sha256, supersedes, note",
       {"import receipt", "import worklog", "import returns", "import certificate", "import certificate override"}},
      // issue 12, runs
      {"run_reservations", "id, run_id, out_dir", {"run reserve"}},
      {"voids", "id, run_id, reason", {"void"}},
  };
  return t;
}

// One row as canonical JSON: values by type, so 1 and "1" differ.
std::string row_json(const sql::Stmt& q, int first) {
  json row = json::array();
  for (int c = first; c < q.columns(); ++c) {
    switch (q.type(c)) {
      case SQLITE_INTEGER: row.push_back(q.integer(c)); break;
      case SQLITE_NULL: row.push_back(nullptr); break;
      case SQLITE_FLOAT: row.push_back("float:" + q.text(c)); break;
      case SQLITE_BLOB: row.push_back("blob:" + digest::sha256_hex(q.text(c))); break;
      default: row.push_back(q.text(c)); break;
    }
  }
  return row.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

const char* event_writer(const std::string& kind) {
  static const std::pair<const char*, const char*> m[] = {
      {"sealed", "run"},          {"reviewed", "review"},          {"approved", "approve"},
      {"handed_over", "handover"}, {"received", "import receipt"}, {"worklog", "import worklog"},
      {"returned", "import returns"}, {"certified", "import certificate"}};
  for (const auto& [k, c] : m)
    if (kind == k) return c;
  return nullptr;
}

const std::string& no_effects() {
  static const std::string empty = digest::sha256_hex("");
  return empty;
}

std::string effects_digest(const sql::Db& db, std::int64_t seq) {
  digest::Sha256 h;  // fed "table\t[values]\n" per row, table by table
  for (const auto& t : custody_tables()) {
    sql::Stmt q(db, std::string("SELECT ") + t.columns + " FROM " + t.name + " WHERE audit_seq = ? ORDER BY rowid");
    q.args(seq);
    while (q.step()) h.add(std::string(t.name) + "\t" + row_json(q, 0) + "\n");
  }
  return h.hex();
}

std::vector<RowsFinding> check_rows(const sql::Db& db, const std::map<std::int64_t, RecordEffects>& records) {
  std::vector<RowsFinding> found;
  std::map<std::int64_t, digest::Sha256> by_seq;
  std::map<std::int64_t, std::set<std::string>> strays;  // seq -> tables holding rows of a seq with no record
  for (const auto& t : custody_tables()) {
    const bool events = std::string(t.name) == "custody_events";
    sql::Stmt q(db, std::string("SELECT audit_seq, ") + (events ? "kind, " : "") + t.columns + " FROM " + t.name +
                        " ORDER BY audit_seq, rowid");
    std::int64_t reported = -1;  // one finding per table and seq
    while (q.step()) {
      const std::int64_t seq = q.is_null(0) ? 0 : q.integer(0);
      by_seq[seq].add(std::string(t.name) + "\t" + row_json(q, events ? 2 : 1) + "\n");
      auto rec = records.find(seq);
      if (rec == records.end()) {
        strays[seq].insert(t.name);
        continue;
      }
      if (reported == seq) continue;
      const std::string& cmd = rec->second.command;
      bool allowed = false;
      if (events) {
        const char* w = event_writer(q.text(1));
        allowed = w && (cmd == w || (std::string(w) == "import certificate" && cmd == "import certificate override"));
      } else {
        for (const char* w : t.writers) allowed = allowed || cmd == w;
      }
      if (!allowed) {
        found.push_back({seq, "unauthorized",
                         std::string("a ") + t.name + " row" + (events ? " (kind " + q.text(1) + ")" : "") +
                             " belongs to a \"" + cmd + "\" record, which may not write it"});
        reported = seq;
      }
    }
  }
  for (const auto& [seq, tables] : strays) {
    std::string names;
    for (const auto& n : tables) names += (names.empty() ? "" : ", ") + n;
    found.push_back({seq, "unrecorded", names + " hold rows of seq " + std::to_string(seq) + ", which no audit record wrote"});
  }
  for (const auto& [seq, rec] : records) {
    auto it = by_seq.find(seq);
    std::string actual = it == by_seq.end() ? no_effects() : it->second.hex();
    if (actual != rec.effects)
      found.push_back({seq, "unrecorded",
                       "the custody rows of this \"" + rec.command +
                           "\" record are not the ones it wrote (a row was added, changed or removed)"});
  }
  // The stored file is the evidence: its bytes must still be what its digest says.
  sql::Stmt files(db, "SELECT audit_seq, sha256, bytes FROM certificate_files ORDER BY rowid");
  while (files.step())
    if (digest::sha256_hex(files.text(2)) != files.text(1))
      found.push_back({files.integer(0), "unrecorded", "certificate file " + files.text(1).substr(0, 12) +
                                                           "… no longer holds the bytes it was recorded with"});
  return found;
}

std::vector<RowsFinding> check_identity_rows(const sql::Db& db, const std::vector<AuditRecord>& records) {
  static const std::set<std::string> writers = {"ledger init", "user add", "user revoke", "config set"};
  std::vector<RowsFinding> found;
  std::set<std::int64_t> identity;
  for (const auto& r : records) {
    if (!writers.count(r.command) || r.result.rfind("ok", 0) != 0) continue;
    identity.insert(r.seq);
    if (effects_digest(db, r.seq) != r.effects)
      found.push_back({r.seq, "unrecorded", "the rows of this \"" + r.command + "\" record are not the ones it wrote"});
  }
  for (const char* table : {"ledger_meta", "configs", "users", "revocations"}) {
    sql::Stmt q(db, std::string("SELECT DISTINCT audit_seq FROM ") + table);
    while (q.step())
      if (!identity.count(q.integer(0)))
        found.push_back({q.integer(0), "unrecorded",
                         std::string(table) + " holds a row that no ledger init, user or config record wrote"});
  }
  return found;
}

std::vector<RowsFinding> check_releases(const sql::Db& db, const std::vector<AuditRecord>& records,
                                        const keys::PublicKey& city) {
  std::vector<RowsFinding> found;
  std::map<std::int64_t, const AuditRecord*> by_seq;
  for (const auto& r : records) by_seq[r.seq] = &r;
  std::set<std::int64_t> released;
  sql::Stmt q(db, "SELECT audit_seq, run_id, sequence, release_sha256, release_json FROM releases ORDER BY id");
  while (q.step()) {
    const std::int64_t seq = q.integer(0);
    auto bad = [&](const std::string& why) { found.push_back({seq, "unrecorded", "release of run " + q.text(1) + ": " + why}); };
    auto rec = by_seq.find(seq);
    if (rec == by_seq.end() || rec->second->command != "approve" || rec->second->result.rfind("ok", 0) != 0) {
      bad("no approve record of this seq issued it");
      continue;
    }
    auto rel = release::parse(q.text(4), "release");
    auto ok = rel.ok() ? release::verify(rel.value, city, "release") : Checked<release::Verified>{{}, rel.problems};
    if (!ok.ok()) {
      bad("it does not hold against the city key");
      continue;
    }
    const auto& a = rel.value.approval;
    const AuditRecord& r = *rec->second;
    if (a.sequence != seq || q.integer(2) != seq || a.audit_head != std::to_string(r.seq) + ":" + r.hash ||
        ok.value.approver.user_public_key != r.signer || rel.value.request.run_id != q.text(1) ||
        digest::sha256_hex(q.text(4)) != q.text(3))
      bad("it does not name the approve record it belongs to");
    released.insert(seq);
  }
  for (const auto& r : records)
    if (r.command == "approve" && r.result.rfind("ok", 0) == 0 && !released.count(r.seq))
      found.push_back({r.seq, "unrecorded", "this approval's release is gone from the ledger"});
  return found;
}

}  // namespace tsuchi::ledger
