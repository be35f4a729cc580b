// Internal to the ledger: shared helpers of its .cpp files (not part of the interface).
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.hpp"
#include "ledger/ledger.hpp"
#include "ledger/sqlite.hpp"

namespace tsuchi::ledger {

struct Db {
  sql::Db conn;
};

inline constexpr const char* kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// Whole file into memory; nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

// Who signs a record: a registered actor, the city key (ledger init), or an unregistered key whose
// refused attempt is still put on record.
struct Signer {
  std::string user, os_user;
  const keys::SecretKey* key = nullptr;
};
inline Signer signer_of(const Actor& a) { return {a.user, a.os_user, a.key}; }

// The signed record for `e`, appended inside the caller's transaction at `seq` after `prev_hash`,
// with the digest of the custody rows it wrote.
AuditRecord append_audit_record(sql::Db& db, std::int64_t seq, const std::string& prev_hash, const std::string& at,
                                const Signer& signer, const AuditEntry& e, const std::string& effects);
// The message an audit record's signature covers.
std::string audit_signed_bytes(const std::string& hash);
// The audit records in seq order, or only record `seq`. An `objects` value edited into non-JSON is
// kept as text, so the record's hash no longer holds (reported as an edit, never a crash).
std::vector<AuditRecord> load_audit(const sql::Db& db, std::optional<std::int64_t> seq = std::nullopt);
// The record's signature holds for the key it names.
bool signature_holds(const AuditRecord& r);
// The next record's seq and prev_hash.
std::pair<std::int64_t, std::string> next_link(const sql::Db& db);

// One row of custody_events, written by `audited` with the seq of its audit record.
struct CustodyEvent {
  std::string at;  // when it happened (a contractor's time where the file gives one)
  std::string kind;  // sealed, reviewed, approved, handed_over, received, worklog, returned, certified
  std::string batch_id, envelope_id;  // envelope_id may be empty
  std::string details;  // JSON object, no personal data
};

// What a mutating operation reports back to `audited`.
struct Outcome {
  std::int64_t seq = 0;  // the seq the record will have: every custody row written carries it
  std::string now;       // the record's time
  Diagnostics problems;
  std::vector<CustodyEvent> events;
  std::vector<std::string> objects;  // added to the audit record
  std::string result = "ok";         // audit result on success
  std::string refusal;               // audit result text on refusal (no values, no personal data)
  // Runs after the record is appended, in the same transaction: for what must carry the record's
  // own hash (a release names the approval record as its head).
  std::function<void(const AuditRecord&)> after;
};
// Runs `work` in one BEGIN IMMEDIATE transaction and appends the signed audit record in it. On
// errors the transaction is rolled back and a "refused: …" record is appended on its own instead.
Diagnostics audited(Db& db, const Clock& clock, const std::string& ledger_path, const Signer& signer,
                    AuditEntry entry, const std::function<void(Outcome&)>& work);

// ---- custody rows and the records that wrote them (effects.cpp) ----
// Hex SHA-256 over the custody rows carrying audit_seq = seq, table by table in a fixed order.
std::string effects_digest(const sql::Db& db, std::int64_t seq);
// The digest of a record that wrote nothing.
const std::string& no_effects();
struct RowsFinding {
  std::int64_t seq = 0;
  std::string kind, detail;
};
// Compares every custody row with the records: rows of a seq no record has, records whose rows
// differ from their digest, rows a record's command may not write, certificate files whose bytes
// do not match their digest. `records` by seq: command and effects digest.
struct RecordEffects {
  std::string command, effects;
};
std::vector<RowsFinding> check_rows(const sql::Db& db, const std::map<std::int64_t, RecordEffects>& records);
// The rows that decide who may act (city key, configuration, users, revocations): each must belong to
// an ok record of a command that writes them, and those records' rows must match their digests.
std::vector<RowsFinding> check_identity_rows(const sql::Db& db, const std::vector<AuditRecord>& records);
// Releases are bound to their approve record by the approver's signature over that record's head
// rather than by its digest (the release names the record's hash): each must hold against the city
// key and name its own record, and every approve record must have its release.
std::vector<RowsFinding> check_releases(const sql::Db& db, const std::vector<AuditRecord>& records,
                                        const keys::PublicKey& city);

// ---- who may do what (policy.cpp): one table for identify() and for audit verify ----
// The roles that may run `command` (empty: any role); nullopt for a command no user may run.
std::optional<std::vector<keys::Role>> roles_for(const std::string& command);
std::string roles_text(const std::vector<keys::Role>& roles);

// Diagnostic helpers.
Diagnostic error(const std::string& file, const std::string& reason);
Diagnostic error_at(const std::string& file, int line, int column, const std::string& column_name,
                    const std::string& value, const std::string& reason);
Diagnostic warning(const std::string& file, const std::string& reason);
Diagnostic sql_failure(const std::string& ledger_path, const std::exception& e);

// Limits on contractor files (output_spec/limits.md): far above any real file, below harm.
inline constexpr std::uint64_t kMaxContractorFileBytes = 128u << 20;
inline constexpr std::uint64_t kMaxCertificateBytes = 64u << 20;

std::string join(const std::vector<std::string>& v, const char* sep);
// A custody event of `kind` for the batch that a genuine record wrote (see genuine_record): a row
// put in by SQL does not count.
bool has_event(const sql::Db& db, const std::string& batch_id, const char* kind);
// Record `seq` is a signed, intact `command` record by a registered, unrevoked holder of a role that
// may run it, and its custody rows are the ones it wrote.
bool genuine_record(const sql::Db& db, std::int64_t seq, const std::string& command);
// The command whose records write custody events of `kind`; nullptr for an unknown kind.
const char* event_writer(const std::string& kind);

// Refuses unless `who` is an identified actor holding a role that may run `command`, and their key
// is still registered and unrevoked now, inside the transaction (a revocation may have come
// between identify() and this call).
bool check_role(const sql::Db& db, const Actor& who, const std::string& command, Outcome& out);
// Refuses work on a read-only ledger.
Diagnostics read_only_refusal(const std::string& path);

// The latest work log of a batch and what it says (flags are derived, never stored).
struct WorklogState {
  bool present = false;
  std::map<std::string, std::string> mailed;  // envelope id reported mailed -> its earliest mailing time
  int spoiled_sheets = 0;
  std::vector<std::string> flags;  // duplicates, sheet counts and totals that disagree
};
WorklogState worklog_state(const sql::Db& db, const std::string& batch_id);

// Post-office return reasons: the Japanese label or its ASCII code -> the code.
std::optional<std::string> return_reason_code(const std::string& text);
std::string return_reason_japanese(const std::string& code);

// ---- issue 12 EVIDENCE: evidence checked against custody ----
// A batch's custody as genuine records say (rows put in by SQL do not count).
struct Custody {
  bool approved = false, handed = false;
  std::string handed_at;             // earliest genuine handover, UTC ISO
  std::vector<std::string> media;    // handed-over media ("archive" for a handover without --media)
};
Custody custody_of(const sql::Db& db, const std::string& batch_id);
// Audit seqs whose evidence rows for `batch_id` no longer count: their file was superseded.
std::set<std::int64_t> superseded_seqs(const sql::Db& db, const std::string& batch_id);
// Runs voided by a genuine `void` record (table `voids`, when the ledger has it).
std::set<std::string> voided_runs(const sql::Db& db);
// At most kFlagCap messages of one kind; the rest become one "… and N more" line.
inline constexpr int kFlagCap = 20;
class CappedFlags {
 public:
  void add(const std::string& kind, std::string text);
  std::vector<std::string> take();  // in order, with the "… and N more" lines last
 private:
  std::vector<std::string> flags_;
  std::map<std::string, int> seen_;
};

// Local calendar day of a UTC ISO time in the office's time zone.
Date local_day(const std::string& utc_iso, int utc_offset_minutes);

}  // namespace tsuchi::ledger
