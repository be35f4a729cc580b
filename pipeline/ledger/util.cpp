
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/internal.hpp"

namespace tsuchi::ledger {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

bool has_event(const sql::Db& db, const std::string& batch_id, const char* kind) {
  const char* writer = event_writer(kind);
  if (!writer) return false;
  sql::Stmt q(db, "SELECT DISTINCT audit_seq FROM custody_events WHERE batch_id = ? AND kind = ?");
  q.args(batch_id, kind);
  while (q.step())
    if (genuine_record(db, q.integer(0), writer)) return true;
  return false;
}

Diagnostic error(const std::string& file, const std::string& reason) {
  Diagnostic d;
  d.file = file;
  d.reason = reason;
  return d;
}

Diagnostic error_at(const std::string& file, int line, int column, const std::string& column_name,
                    const std::string& value, const std::string& reason) {
  Diagnostic d = error(file, reason);
  d.line = line;
  d.column = column;
  d.column_name = column_name;
  d.value = value;
  return d;
}

Diagnostic warning(const std::string& file, const std::string& reason) {
  Diagnostic d = error(file, reason);
  d.severity = Diagnostic::Severity::warning;
  return d;
}

Diagnostic sql_failure(const std::string& ledger_path, const std::exception& e) {
  return error(ledger_path, std::string("ledger database error: ") + e.what());
}

}  // namespace tsuchi::ledger
