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
#include "core/keys.hpp"
#include "core/records.hpp"
#include "core/release.hpp"

namespace tsuchi::ledger {

// ---- what `tsuchi run` records ----
using records::BatchRecord;
using records::EnvelopeRecord;
using records::NoticeRecord;
using records::RunRecord;
using records::SlipRecord;

// ---- what the ledger takes from the pinned municipality configuration (core/config.hpp) ----
struct OfficeHours : tsuchi::OfficeHours {
  Calendar calendar;  // [holidays] dates; 12/29–1/3 always closed
};
// Roles are not here: they live in the ledger (SPEC §13), never in a file named on the command line.
struct Policy {
  OfficeHours office_hours;
  int certificate_due_days = 30;  // [batch] certificate_due_days
  csv::Format csv;                // [csv]: how the ledger's CSV exports are written
};
Policy policy_of(const Municipality& m);

// ---- identity (SPEC §13) ----
// The acting user: the registered, unrevoked owner of the key that signs their audit records.
struct Actor {
  std::string user;                  // the registered name
  keys::Role role = keys::Role::staff;
  std::string os_user;               // the OS account, recorded beside the user
  std::string fingerprint;           // of the user's public key
  std::string certificate;           // keys::to_json of the user's certificate (city-signed)
  const keys::SecretKey* key = nullptr;  // signs every record of this actor; the caller keeps it alive
};

// A registered user as `tsuchi user list` shows them.
struct UserInfo {
  std::string name;
  keys::Role role = keys::Role::staff;
  std::string public_key_hex, fingerprint;
  std::string added_at, added_by;      // added_by: the supervisor ("" for the first, pinned by the city key)
  std::string revoked_at, revoked_by;  // empty while active
  std::int64_t added_seq = 0, revoked_seq = 0;
  bool active() const { return revoked_seq == 0; }
};
std::string to_json(const std::vector<UserInfo>& users);
std::string to_text(const std::vector<UserInfo>& users);

// The municipality configuration pinned in the ledger (ledger init, config set).
struct PinnedConfig {
  std::string text;     // municipality.toml as pinned
  std::string sha256;   // of `text`
  std::string source;   // the path it was read from when pinned (relative key paths resolve there)
  std::int64_t seq = 0; // the audit record that pinned it
};

// The newest audit record: "SEQ:HASH" on releases, review sheets and reconcile reports.
struct Head {
  std::int64_t seq = 0;
  std::string hash;
  std::string text() const;  // "12:ab…"
  bool operator==(const Head&) const = default;
};
std::optional<Head> parse_head(std::string_view text);

// Current time as ISO-8601 UTC ("2025-09-01T01:02:03Z"). Injected so tests control time.
using Clock = std::function<std::string()>;
std::string utc_now();
// "2025-09-03T10:15:00+09:00" (or Z) -> "2025-09-03T01:15:00Z"; nullopt unless exact and valid.
std::optional<std::string> normalize_time(const std::string& iso);

// ---- audit log (監査ログ): signed by its actor, chained, and the source of every custody row ----
struct AuditEntry {
  std::string command;
  std::vector<std::string> objects;  // ids such as "run:R…", "batch:R…-B001", "file:<sha256>"
  std::string result;                // "ok", "ok: …" or "refused: …"; never personal data
};
struct AuditRecord {
  std::int64_t seq = 0;
  std::string at, user, os_user;
  std::string signer;  // hex Ed25519 public key that signed it (the city key for ledger init)
  std::string command;
  std::vector<std::string> objects;
  std::string result;
  std::string effects;  // hex SHA-256 of the custody rows this record wrote (output_spec/ledger.md)
  std::string prev_hash, hash, signature;
};
// Hex SHA-256 of prev_hash + canonical JSON of every field but hash and signature.
std::string audit_hash(const AuditRecord& r);

struct AuditBreak {
  std::int64_t seq = 0;  // the record at fault (for "deleted": the seq that is gone)
  // edited, deleted, inserted, reordered (the chain); forged (signature), unauthorized (signer not
  // registered, revoked, or without the role), unrecorded (a custody row no record wrote, or a
  // record whose rows were changed), truncated (records after an expected head are gone).
  std::string kind;
  std::string detail;
};
struct HoursFlag {  // reported, not a break
  std::int64_t seq = 0;
  std::string at, user, command, reason;
};
struct AuditReport {
  std::int64_t records = 0;
  Head head;
  std::string city_key_fingerprint;  // the key the ledger was initialised with
  std::optional<Head> expected_head;  // checked when given
  std::vector<AuditBreak> breaks;  // in seq order; breaks.front() is the first
  std::vector<HoursFlag> flags;
  bool ok() const { return breaks.empty(); }
};
std::string to_json(const AuditReport& r);
std::string to_text(const AuditReport& r);

struct VerifyOptions {
  std::optional<Head> expect_head;             // no truncation before it, and it is this record
  std::optional<keys::PublicKey> city_key;     // the city key the ledger must be rooted in
  // Chain, signatures and roles, but of the custody rows only those that say who may act (users,
  // revocations, configuration, city key): cheap enough for identify() to run before every command.
  bool identity_only = false;
};

// ---- queries the review sheet needs ----
struct RunInfo {
  std::string run_id, user, created_at, month_key;  // user: the maker
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
  std::string file_sha256;           // of the file imported
  bool already_imported = false;     // the same file was recorded before: nothing changed
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
  // issue 12: the earlier certificate file this one corrects (hex SHA-256), and a supervisor's
  // explicit acceptance of a file without the form's QR code ("import certificate override").
  std::string supersedes;
  bool no_form_code = false;
  std::string override_reason;  // required with no_form_code; kept in the ledger, not in the audit text
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
  int not_handed_over = 0;   // sealed, and the batch not handed over yet: counted, never listed as missing
  int awaiting_worklog = 0;  // handed over, no work log yet: not missing either
  bool mailed_not_handed = false;  // a work log reports mailings of a batch no genuine handover covers
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
  int not_handed_over = 0, awaiting_worklog = 0;
};
// A run voided by `tsuchi void`: out of every total, listed on its own.
struct VoidedRun {
  std::string run_id, month;
  std::vector<std::string> batch_ids;
};
struct ReconcileReport {
  std::string as_of;  // YYYY-MM-DD
  Head head;          // the audit head the report was made at
  // The audit log checked as `audit verify` does: a custody row no genuine record wrote could fake a
  // step, so no batch counts as closed while the log is broken.
  bool audit_intact = true;
  std::string audit_problem;  // the first break, when not intact
  std::vector<BatchStatus> batches;
  std::vector<MonthStatus> months;
  std::vector<VoidedRun> voided;
  csv::Format csv;  // the pinned configuration's [csv], for the CSV tables
};
// `reconcile --fail-on`: which of `conditions` ("flags", "missing", "overdue") hold in `r`.
std::vector<std::string> failing_conditions(const ReconcileReport& r, const std::vector<std::string>& conditions);
std::string to_json(const ReconcileReport& r);
std::string to_text(const ReconcileReport& r);
// `reconcile --csv F` (output_spec/ledger.md, csv.md), written as r.csv says: `batches` the per-batch
// table of counts (file `table`), `lists` one row per listed item: missing and open-return envelope ids,
// flags, media, certified media, overdue items (file `lists`). The names are for messages.
struct ReconcileCsv {
  std::string batches, lists;
};
Checked<ReconcileCsv> to_csv(const ReconcileReport& r, const std::string& table, const std::string& lists);

struct Db;

// ---- issue 12, runs ----
// The name of a network filesystem by its statfs(2) f_type (NFS, CIFS, SMB2, 9P, FUSE, …); nullopt
// for a local one. The ledger refuses to be written on one: SQLite's locks are not safe there.
std::optional<std::string> network_filesystem(std::int64_t f_type);

// One ledger file. Every mutating call is one BEGIN IMMEDIATE transaction that also appends its
// audit record, signed by the actor; a refused call stores nothing except a "refused" record.
class Ledger {
 public:
  Ledger();
  ~Ledger();
  Ledger(Ledger&&) noexcept;
  Ledger& operator=(Ledger&&) noexcept;

  enum class Access { read_write, read_only };

  // `tsuchi ledger init`: a new file (an existing one is refused) whose first record, signed by the
  // city key, pins the city public key, the configuration and the first supervisor's certificate.
  struct Init {
    std::string path;
    const keys::SecretKey* city = nullptr;
    std::string municipality_text, municipality_source;  // the file's bytes, and its path
    std::string supervisor;
    keys::PublicKey supervisor_key;
    std::string os_user;
  };
  static Checked<Ledger> init(const Init& init, Clock clock = utc_now);

  // An existing, initialised ledger. A missing file, `:memory:` and a file without an init record
  // are refused. read_only opens the file without any write (the auditor's evidence copy).
  static Checked<Ledger> open(const std::string& path, Access access = Access::read_write, Clock clock = utc_now);
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }

  keys::PublicKey city_key() const;
  PinnedConfig config() const;
  Policy policy() const;  // from the pinned configuration
  std::vector<UserInfo> users() const;
  Head head() const;

  // The registered, unrevoked owner of `key`, holding one of `roles` (empty: any role). A refusal
  // names what is missing and, unless read-only, is recorded signed by the presented key.
  Checked<Actor> identify(const keys::SecretKey& key, const std::string& os_user, const std::string& command,
                          const std::vector<keys::Role>& roles = {}, const std::vector<std::string>& objects = {});

  // `tsuchi user add|revoke`, `tsuchi config set`: a supervisor's records. add_user certifies the
  // key with the city key, which must be the one the ledger was initialised with.
  Diagnostics add_user(const Actor& supervisor, const keys::SecretKey& city, const std::string& name, keys::Role role,
                       const keys::PublicKey& key);
  Diagnostics revoke_user(const Actor& supervisor, const std::string& name);
  Diagnostics set_config(const Actor& supervisor, const std::string& municipality_text, const std::string& source);

  // `tsuchi run` (staff): the run, its batches, envelopes, slips and notices, a "sealed" event per
  // batch, and the maker's signature of the release request (release::Request).
  Diagnostics record_run(const RunRecord& run, const Actor& maker);
  // `tsuchi preview` (staff) is an export: recorded before the first file is written (target folder,
  // input digest) and again after with the files' digests (or that it stopped).
  struct PreviewFile {
    std::string name, sha256;
  };
  Checked<std::int64_t> record_preview_start(const Actor& who, const std::string& out_dir, const std::string& inputs_sha256);
  Diagnostics record_preview_done(const Actor& who, std::int64_t start_seq, const std::vector<PreviewFile>& files,
                                  const records::BatchCounts& totals, bool completed);
  // `tsuchi review`: the review sheet's SHA-256, which approve then insists on.
  Diagnostics record_review(const std::string& run_id, const std::string& review_sha256, const Actor& who);
  // For commands with nothing else to store (certificate form, reconcile, audit verify, …).
  Diagnostics append_audit(const AuditEntry& e, const Actor& who);

  // `tsuchi approve` (approver): after the recorded review of exactly `review_sha256`, never by the
  // run's maker. The release, signed by the maker (at run) and the approver, with the head before
  // this record and the approval's seq as its sequence. Approving again issues a superseding release.
  Checked<release::Release> approve(const std::string& run_id, const std::string& review_sha256, const Actor& who);
  // `tsuchi handover BATCH`: only after approval. Empty media = the archive itself.
  Diagnostics handover(const std::string& batch_id, const Actor& who, const std::string& route,
                       const std::string& media);

  // Contractor and post-office files: all rows or nothing; problems are file:line:column.
  // Warnings (flags) are returned alongside a stored import.
  // Evidence only for batches approved and handed over; the same file again changes nothing
  // (already_imported); a corrected file replaces an earlier one only by naming it in `supersedes`.
  Checked<ImportSummary> import_receipt(const std::string& path, const Actor& who, const std::string& supersedes = {});
  Checked<ImportSummary> import_worklog(const std::string& path, const Actor& who, const std::string& supersedes = {});
  Checked<ImportSummary> import_returns(const std::string& path, const Actor& who, const std::string& supersedes = {});
  Checked<ImportSummary> import_certificate(const CertificateRequest& req, const Actor& who);

  // Recorded when `who` is given (a read-write ledger); on a read-only copy nothing is written.
  Checked<ReconcileReport> reconcile(const ReconcileQuery& q, const Actor* who);

  // Signatures, chain, identities and roles, custody rows against the records, and the expected
  // head. Read-only.
  Checked<AuditReport> verify_audit(const VerifyOptions& opt = {}) const;
  // `tsuchi audit verify --key` on a writable ledger records its check after the walk.
  Diagnostics record_audit_check(const AuditReport& r, const Actor& who);
  std::vector<AuditRecord> audit_records() const;

  // For the review sheet: the run, and the previous run of the same month (else the last
  // run before it), with their slips and notices.
  std::optional<RunInfo> run(const std::string& run_id) const;
  std::optional<RunInfo> previous_run(const std::string& run_id) const;
  std::vector<SlipRecord> slips(const std::string& run_id) const;
  std::vector<NoticeRecord> notices(const std::string& run_id) const;
  std::optional<BatchInfo> batch(const std::string& batch_id) const;
  // The batch's envelopes in position order with their sheets (the review sheet's mailing figures).
  std::vector<std::pair<std::string, int>> envelope_sheets(const std::string& batch_id) const;

  // ---- issue 12, runs ----
  // `tsuchi run` (staff), before anything is rendered: reserves a run id for the folder `out_dir`.
  // `exact`: `requested_id` or refused when reserved or recorded already; otherwise the first free of
  // requested_id, requested_id-2, -3, … (decided inside the write transaction, so concurrent runs
  // get distinct ids). The id reserved. record_run requires the reservation by the same maker.
  Checked<std::string> reserve_run(const Actor& maker, const std::string& requested_id, const std::string& out_dir,
                                   bool exact);
  // `tsuchi void RUN --reason TEXT` (approver or supervisor): the run can no longer be approved
  // and its batches no longer handed over; reconcile leaves it out of its totals.
  Diagnostics void_run(const Actor& who, const std::string& run_id, const std::string& reason);
  bool voided(const std::string& run_id) const;

 private:
  std::unique_ptr<Db> db_;
  std::string path_;
  Clock clock_;
  bool read_only_ = false;
};

}  // namespace tsuchi::ledger
