// Internal to the ledger: shared helpers of its .cpp files (not part of the interface).
#pragma once
#include <functional>
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

// The audit record for `e`, appended inside the caller's transaction.
AuditRecord append_audit_record(sql::Db& db, const std::string& at, const AuditEntry& e);

// One row of custody_events, written by `audited` with the seq of its audit record.
struct CustodyEvent {
  std::string at;  // when it happened (a contractor's time where the file gives one)
  std::string kind;  // sealed, reviewed, approved, handed_over, received, worklog, returned, certified
  std::string batch_id, envelope_id;  // envelope_id may be empty
  std::string details;  // JSON object, no personal data
};

// What a mutating operation reports back to `audited`.
struct Outcome {
  Diagnostics problems;
  std::vector<CustodyEvent> events;
  std::vector<std::string> objects;  // added to the audit record
  std::string result = "ok";         // audit result on success
  std::string refusal;               // audit result text on refusal (no values, no personal data)
};
// Runs `work` in one BEGIN IMMEDIATE transaction and appends the audit record in it. On errors
// the transaction is rolled back and a "refused: …" record is appended on its own instead.
Diagnostics audited(Db& db, const Clock& clock, const std::string& ledger_path, AuditEntry entry,
                    const std::function<void(Outcome&)>& work);

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
bool has_event(const sql::Db& db, const std::string& batch_id, const char* kind);

// Refuses unless `who` may act: with a policy, the user must hold some role in [roles].
bool check_role(const Actor& who, Outcome& out);

// The latest work log of a batch and what it says (flags are derived, never stored).
struct WorklogState {
  bool present = false;
  std::set<std::string> mailed;  // envelope ids reported mailed
  int spoiled_sheets = 0;
  std::vector<std::string> flags;  // duplicates, sheet counts and totals that disagree
};
WorklogState worklog_state(const sql::Db& db, const std::string& batch_id);

// Post-office return reasons: the Japanese label or its ASCII code -> the code.
std::optional<std::string> return_reason_code(const std::string& text);
std::string return_reason_japanese(const std::string& code);

// Local calendar day of a UTC ISO time in the office's time zone.
Date local_day(const std::string& utc_iso, int utc_offset_minutes);

}  // namespace tsuchi::ledger
