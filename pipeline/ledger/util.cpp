
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
  sql::Stmt q(db, "SELECT 1 FROM custody_events WHERE batch_id = ? AND kind = ? LIMIT 1");
  q.args(batch_id, kind);
  return q.step();
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

int CsvFile::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

Checked<std::string> read_file_limited(const std::string& path, std::uint64_t limit) {
  Checked<std::string> r;
  std::error_code ec;
  // Refused by size before a byte is read, so a 2 GB file costs nothing.
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > limit) {
    r.problems.push_back(error(path, "the file is larger than the limit of " + std::to_string(limit >> 20) + " MiB"));
    return r;
  }
  auto bytes = ec ? std::nullopt : read_file(path);
  if (!bytes || bytes->size() > limit) {
    r.problems.push_back(error(path, bytes ? "the file grew past the limit while being read" : "cannot read the file"));
    return r;
  }
  r.value = std::move(*bytes);
  return r;
}

Checked<CsvFile> read_csv(const std::string& path, const std::vector<std::string>& required) {
  auto bytes = read_file_limited(path, kMaxContractorFileBytes);
  if (!bytes.ok()) return {{}, bytes.problems};
  return parse_csv(bytes.value, path, required);
}

Checked<CsvFile> parse_csv(std::string_view bytes, const std::string& path, const std::vector<std::string>& required) {
  Checked<CsvFile> r;
  r.value.file_sha256 = sha256_hex(bytes);
  std::string_view s = bytes;
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);

  std::vector<CsvRecord> rows;
  CsvRecord cur{1, {}};
  std::string field;
  int line = 1;
  bool quoted = false, any = false;
  auto end_record = [&] {
    cur.fields.push_back(std::move(field));
    field.clear();
    // A blank line is no record (files often end with one).
    if (!(cur.fields.size() == 1 && cur.fields[0].empty())) rows.push_back(std::move(cur));
    cur = CsvRecord{line, {}};
    any = false;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = any = true;
    } else if (c == ',') {
      cur.fields.push_back(std::move(field));
      field.clear();
      any = true;
      // Columns are looked up by name per field, so a million of them would cost minutes.
      if (cur.fields.size() >= kMaxCsvFields) {
        r.problems.push_back(error_at(path, cur.line, 0, "", "",
                                      "the row has more than the limit of " + std::to_string(kMaxCsvFields) + " fields"));
        return r;
      }
    } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      ++line;
      end_record();
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) {
    r.problems.push_back(error_at(path, cur.line, 0, "", "", "a quoted field is never closed"));
    return r;
  }
  if (any || !field.empty()) end_record();

  if (rows.empty()) {
    r.problems.push_back(error_at(path, 1, 0, "", "", "empty file: a header row is required"));
    return r;
  }
  r.value.header = rows.front().fields;
  for (auto& h : r.value.header) {
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(h.begin());
  }
  for (const auto& name : required)
    if (r.value.column(name) < 0)
      r.problems.push_back(error_at(path, 1, 0, "", "", "missing column " + name));
  r.value.records.assign(std::make_move_iterator(rows.begin() + 1), std::make_move_iterator(rows.end()));
  return r;
}

}  // namespace tsuchi::ledger
