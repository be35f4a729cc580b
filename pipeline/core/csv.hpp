// RFC 4180 CSV, once for every CSV tsuchi reads (cases.csv, the contractor's files) and writes
// (insertion.csv, the reconcile tables; output_spec/csv.md). Reading: UTF-8 (BOM optional) or CP932,
// detected unless told, every problem located at file:line:column, a cell saved as ="…" read as its
// text. Records stream one at a time: the file's bytes are held, the decoded table never is.
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

// ---- writing ----

// How the office's CSV files are written: [csv] in municipality.toml.
enum class Charset { utf8_bom, cp932 };  // encoding = "utf-8-bom" | "cp932"
struct Format {
  Charset charset = Charset::utf8_bom;
  bool excel_text = true;  // excel_text: code cells as ="…", so Excel keeps them as text
};

// What a column holds, fixed by its definition and never guessed from a value, so every row of a
// file is written by the same rule (output_spec/csv.md lists each file's columns):
//   number: a plain number (pages, sheets, counts, yen, grams), written as it is;
//   text: words and ids Excel leaves alone (envelope ids, file names, true/false);
//   code: text Excel would turn into a number or a date on opening (postal codes, YYYY-MM months,
//         dates, barcode values, payment references, "1/2"), written ="…" when excel_text.
// Why ="…": Excel's CSV import converts a leading-zero number (0600001 -> 600001), more than 15 digits
// (a 44-digit GS1 code -> 9.1E+43) and date-like text (2025-09 -> Sep-25) as a double-clicked file
// opens, asking nothing; a formula whose value is a string is kept as that string.
enum class Cell { number, text, code };
struct Column {
  std::string name;
  Cell cell = Cell::text;
};

// One CSV file built in memory: the BOM (UTF-8) and the header row at once, then record by record,
// RFC 4180 quoting, CRLF line ends (what Excel writes). Hand-written beside the reader: quoting is a few
// lines, ICU does the encoding, and the ="…" rule is Excel's, which no CSV library knows.
class Writer {
 public:
  // `name` names the file in messages.
  Writer(std::string name, Format format, std::vector<Column> columns);
  ~Writer();
  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) noexcept;

  // One record, a value (UTF-8) per column. False, with the record left out and the problem located
  // at name:line:column in `problems`, when a value is not UTF-8 or has a character CP932 lacks.
  bool row(const std::vector<std::string>& values, Diagnostics& problems);
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  struct Converter;
  std::unique_ptr<Converter> cp932_;  // null for UTF-8
  std::string name_;
  Format format_;
  std::vector<Column> columns_;
  std::string out_;
  int line_ = 1;  // physical line the next record starts on
  std::string cell(const std::string& value, Cell kind) const;
};

}  // namespace tsuchi::csv
