// Ledger (台帳): custody of every sealed batch from sealing to the contractor's destruction
// certificate, and the hash-chained audit log of every command that touches it (SPEC §8, §9).
// Schema, audit hashing: output_spec/ledger.md. Contractor files: output_spec/contractor-files.md.
// Nothing here ever holds a name, an address or a My Number: runs are recorded by ids, counts,
// amounts and the 認定番号 (case_id) only.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/calendar.hpp"
#include "core/config.hpp"
#include "core/core.hpp"
#include "core/records.hpp"

namespace tsuchi::ledger {

// ---- what `tsuchi run` records ----
using records::BatchRecord;
using records::EnvelopeRecord;
using records::NoticeRecord;
using records::RunRecord;
using records::SlipRecord;

// ---- what the ledger takes from municipality.toml (read once: core/config.hpp) ----
struct OfficeHours : tsuchi::OfficeHours {
  Calendar calendar;  // [holidays] dates; 12/29–1/3 always closed
};
struct Policy {
  std::vector<std::string> staff, approver, supervisor;  // [roles]
  OfficeHours office_hours;
  int certificate_due_days = 30;  // [batch] certificate_due_days
  bool has_any_role(const std::string& user) const;
  bool is_approver(const std::string& user) const;
};
Policy policy_of(const Municipality& m);
// Reads municipality.toml with the shared reader (every key checked) and keeps the policy.
Checked<Policy> load_policy(const std::string& municipality_toml);

// The acting user and, when --municipality was given, the roles to check them against.
struct Actor {
  std::string user;
  std::optional<Policy> policy;
};
// The actor, with the roles of municipality_toml when one is given (empty: no role check).
Checked<Actor> load_actor(const std::string& user, const std::string& municipality_toml);

// Current time as ISO-8601 UTC ("2025-09-01T01:02:03Z"). Injected so tests control time.
using Clock = std::function<std::string()>;
std::string utc_now();
// "2025-09-03T10:15:00+09:00" (or Z) -> "2025-09-03T01:15:00Z"; nullopt unless exact and valid.
std::optional<std::string> normalize_time(const std::string& iso);

// ---- audit log (監査ログ) ----
struct AuditEntry {
  std::string user, command;
  std::vector<std::string> objects;  // ids such as "run:R…", "batch:R…-B001", "file:<sha256>"
  std::string result;                // "ok", "ok: …" or "refused: …"; never personal data
};
struct AuditRecord {
  std::int64_t seq = 0;
  std::string at, user, command;
  std::vector<std::string> objects;
  std::string result, prev_hash, hash;
};
// Hex SHA-256 of prev_hash + canonical JSON of {at, command, objects, result, seq, user}.
std::string audit_hash(const AuditRecord& r);

struct AuditBreak {
  std::int64_t seq = 0;  // the record at fault (for "deleted": the seq that is gone)
  std::string kind;      // edited, deleted, inserted, reordered
  std::string detail;
};
struct HoursFlag {  // reported, not a break
  std::int64_t seq = 0;
  std::string at, user, command, reason;
};
struct AuditReport {
  std::int64_t records = 0;
  std::int64_t head_seq = 0;
  std::string head_hash;  // note it elsewhere: appending valid records after it is undetectable
  std::vector<AuditBreak> breaks;  // in seq order; breaks.front() is the first
  std::vector<HoursFlag> flags;
  bool ok() const { return breaks.empty(); }
};
std::string to_json(const AuditReport& r);
std::string to_text(const AuditReport& r);

// ---- queries the review sheet needs ----
struct RunInfo {
  std::string run_id, user, created_at, month_key;
  std::vector<std::string> batch_ids;
};
// A sealed batch as recorded (for the certificate form and the review sheet's counts).
struct BatchInfo {
  std::string batch_id, run_id;
  std::string archive_sha256, manifest_sha256, tagmanifest_sha256;
  int envelopes = 0, pages = 0, sheets = 0;
};

// ---- contractor evidence ----
struct ImportSummary {
  int rows = 0;
  std::vector<std::string> batches;  // batches the file touched
};

// Decoded from a scanned certificate form's QR code (batch id + manifest digest).
struct FormCode {
  std::string batch_id, manifest_sha256;
};
// Hook for matching a scanned certificate form to its batch (render the page, decode its QR):
// report::certificate_matcher() implements it; nullopt when the file holds no form code.
using CertificateMatcher = std::function<std::optional<FormCode>(const std::string& file_bytes)>;

// NIST SP 800-88 Rev. 1 destruction record for one medium of one batch.
struct CertificateRequest {
  std::string file;      // the filled-in form (PDF, typed or scanned); stored by SHA-256
  std::string batch_id;  // empty: ask `matcher`
  std::string medium;    // media id given at handover, "archive", or "spoilage" for spoiled paper
  std::string method;    // Clear, Purge or Destroy
  std::string tool, tool_version, verification;
  std::string date;  // YYYY-MM-DD
  std::string place, operator_name, witness;
  std::optional<int> quantity;  // sheets destroyed; required for the "spoilage" medium
  CertificateMatcher matcher;
};

// ---- reconciliation (SPEC §9, §12) ----
struct ReconcileQuery {
  std::string month;     // YYYY-MM, empty = all
  std::string batch_id;  // empty = all
  std::optional<Date> as_of;  // overdue is judged at this day; default today (office time zone)
};
struct Overdue {
  std::string what;  // "receipt", "worklog", "certificate:<medium>"
  std::string due;   // YYYY-MM-DD
};
struct BatchStatus {
  std::string batch_id, run_id, month;
  int sealed = 0, mailed = 0, returned = 0;
  int resent = 0, handed_over = 0, public_notice = 0, open = 0;  // returned, by follow-up (handed over at the facility)
  int spoiled = 0, destroyed = 0;  // sheets: spoiled in the work log / certified destroyed
  std::vector<std::string> missing;       // sealed, not reported mailed
  std::vector<std::string> open_returns;  // returned, follow-up still open
  std::vector<std::string> flags;         // disagreements between log, totals and batch
  bool approved = false, handed = false, received = false, worklog = false;  // custody steps recorded
  std::vector<std::string> media;           // media to certify
  std::vector<std::string> certified_media; // media with a certificate
  std::vector<Overdue> overdue;
  bool certified = false, closed = false;
};
struct MonthStatus {
  std::string month;
  int batches = 0, closed = 0, sealed = 0, mailed = 0, returned = 0, open = 0, spoiled = 0, destroyed = 0,
      missing = 0;
};
struct ReconcileReport {
  std::string as_of;  // YYYY-MM-DD
  std::vector<BatchStatus> batches;
  std::vector<MonthStatus> months;
};
std::string to_json(const ReconcileReport& r);
std::string to_text(const ReconcileReport& r);
std::string to_csv(const ReconcileReport& r);

struct Db;

// One open ledger file. Every mutating call is one BEGIN IMMEDIATE transaction that also
// appends its audit record; a refused call stores nothing except a "refused" audit record.
class Ledger {
 public:
  Ledger();
  ~Ledger();
  Ledger(Ledger&&) noexcept;
  Ledger& operator=(Ledger&&) noexcept;

  // Opens or creates the file and brings its schema up to date (ordered migrations).
  static Checked<Ledger> open(const std::string& path, Clock clock = utc_now);
  int schema_version() const;
  const std::string& path() const { return path_; }

  // `tsuchi run`: the run, its batches, envelopes, slips and notices, a "sealed" event per batch.
  Diagnostics record_run(const RunRecord& run);
  // For commands with nothing else to store (preview, review, audit verify, …).
  Diagnostics append_audit(const AuditEntry& e);
  // Supervisor documents need a role too when a policy is given: false, after a "refused: no role"
  // record of `command` on `objects`, when the user holds none.
  Checked<bool> admit(const Actor& who, const std::string& command, const std::vector<std::string>& objects);
  // `tsuchi preview`: plaintext leaves the building only through a preview, so each one is on record.
  Diagnostics record_preview(const std::string& user, const records::BatchCounts& totals);
  // `tsuchi review`: the review sheet's SHA-256, which approve then insists on.
  Diagnostics record_review(const std::string& run_id, const std::string& review_sha256, const std::string& user);

  // `tsuchi approve RUN_DIR`: approver role, never the run's maker, after the review sheet.
  Diagnostics approve(const std::string& run_dir, const Actor& who);
  // `tsuchi handover BATCH`: only after approval. Empty media = the archive itself.
  Diagnostics handover(const std::string& batch_id, const Actor& who, const std::string& route,
                       const std::string& media);

  // Contractor and post-office files: all rows or nothing; problems are file:line:column.
  // Warnings (flags) are returned alongside a stored import.
  Checked<ImportSummary> import_receipt(const std::string& path, const Actor& who);
  Checked<ImportSummary> import_worklog(const std::string& path, const Actor& who);
  Checked<ImportSummary> import_returns(const std::string& path, const Actor& who);
  Checked<ImportSummary> import_certificate(const CertificateRequest& req, const Actor& who);

  Checked<ReconcileReport> reconcile(const ReconcileQuery& q, const Actor& who);

  // Walks the whole chain; read-only (the command appends its own record afterwards).
  Checked<AuditReport> verify_audit(const OfficeHours& hours) const;
  // `tsuchi audit verify` records its check after the walk, so it never reports on its own record.
  Diagnostics record_audit_check(const AuditReport& r, const std::string& user);
  std::vector<AuditRecord> audit_records() const;

  // For the review sheet: the run, and the previous run of the same month (else the last
  // run before it), with their slips and notices.
  std::optional<RunInfo> run(const std::string& run_id) const;
  std::optional<RunInfo> previous_run(const std::string& run_id) const;
  std::vector<SlipRecord> slips(const std::string& run_id) const;
  std::vector<NoticeRecord> notices(const std::string& run_id) const;
  std::optional<BatchInfo> batch(const std::string& batch_id) const;

 private:
  std::unique_ptr<Db> db_;
  std::string path_;
  Clock clock_;
};

}  // namespace tsuchi::ledger
