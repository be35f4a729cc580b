// RFC 4180 CSV, once for every CSV tsuchi reads (cases.csv, the contractor's files): UTF-8 (BOM
// optional) or CP932, detected unless told, every problem located at file:line:column.
// Records stream one at a time: the file's bytes are held, the decoded table never is.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace tsuchi::csv {

enum class Encoding { detect, utf8, cp932 };

inline constexpr std::size_t kMaxFieldBytes = 64 * 1024;
inline constexpr std::size_t kMaxFields = 1000;

struct Record {
  int line = 0;                     // physical line where the record starts
  std::size_t field_count = 0;      // fields seen
  std::vector<std::string> fields;  // UTF-8; empty for columns not read or not decodable
  std::vector<bool> decoded;        // per field: read and decoded (its problem is already reported otherwise)
  bool whole = true;                // false after a structural problem or a wrong field count: skip it
};

class Reader {
 public:
  // `bytes` (the whole file) must outlive the reader; `name` names the file in messages, which are
  // appended to `problems`. `read` names the header columns whose fields are decoded and weigh in
  // the encoding detection (others stay empty and are never quoted); empty = every column.
  Reader(std::string_view bytes, std::string name, Diagnostics& problems, Encoding enc = Encoding::detect,
         std::vector<std::string> read = {});
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // False when the file is unusable (empty, UTF-16, no converter, a broken header record).
  bool ok() const { return ok_; }
  const std::vector<std::string>& header() const { return header_; }  // decoded, blanks trimmed
  int header_line() const { return header_line_; }
  Encoding encoding() const { return enc_; }
  int column_of(std::string_view name) const;  // 0-based, -1 when absent

  // The next data record, false at the end. Blank lines are no records.
  bool next(Record& r);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string name_;
  Diagnostics& problems_;
  Encoding enc_;
  bool ok_ = false;
  bool detect_failed_ = false;
  int header_line_ = 1;
  std::vector<std::string> header_;
  std::vector<bool> read_;
  void error(int line, int column, std::string column_name, std::string value, std::string reason);
  std::string encoding_reason() const;
};

}  // namespace tsuchi::csv
