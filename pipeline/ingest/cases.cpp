// cases.csv: RFC 4180 records over raw bytes, then per-field decoding and the per-row rules of SPEC §6.
#include <unicode/ucnv.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unordered_map>

#include "ingest/ingest.hpp"

namespace tsuchi::ingest {
namespace {

constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{1} << 30;
constexpr std::size_t kMaxFieldBytes = 64 * 1024;
constexpr std::size_t kMaxFields = 1000;
constexpr std::size_t kMaxShownCodePoints = 40;  // longer values are cut in messages

// ---------------------------------------------------------------------------------------------
// Columns (SPEC §3). Personal columns never have their text echoed in a message.

enum Col {
  kCaseId, kChildAtenaNo, kChildName, kChildBirthDate, kGuardianAtenaNo, kGuardianName, kPostalCode,
  kAddress, kAddressBuilding, kHouseholdNo, kMyNumber, kCertificationType, kCareNeed, kFacilityName,
  kFacilityPublic, kBracket, kChildOrder, kSideDishExempt, kCashPayment, kNoticeKind, kDecisionDate,
  kPeriodStart, kPeriodEnd, kReason, kColumnCount
};

struct ColumnSpec {
  const char* name;
  bool required;  // must be in the header
  bool personal;  // text never shown in messages (only a code point or nothing)
  bool name_text; // kept exactly as given, surrounding spaces included
};

constexpr std::array<ColumnSpec, kColumnCount> kColumns{{
    {"case_id", true, false, false},
    {"child_atena_no", true, false, false},
    {"child_name", true, true, true},
    {"child_birth_date", true, false, false},
    {"guardian_atena_no", true, false, false},
    {"guardian_name", true, true, true},
    {"postal_code", true, false, false},
    {"address", true, true, false},
    {"address_building", false, true, false},
    {"household_no", true, false, false},
    {"my_number", false, true, false},
    {"certification_type", true, false, false},
    {"care_need", false, false, false},  // required per row for type 2/3
    {"facility_name", true, false, false},
    {"facility_public", true, false, false},
    {"bracket", true, false, false},
    {"child_order", true, false, false},
    {"side_dish_exempt", true, false, false},
    {"cash_payment", true, false, false},
    {"notice_kind", true, false, false},
    {"decision_date", true, false, false},
    {"period_start", true, false, false},
    {"period_end", true, false, false},
    {"reason", false, true, false},
}};

// Text columns printed on paper: control characters and My Numbers are refused there.
constexpr std::array<Col, 6> kPrintedText{kChildName, kGuardianName, kAddress, kAddressBuilding, kFacilityName, kReason};

// ---------------------------------------------------------------------------------------------
// RFC 4180 over raw bytes. The structural characters (" , CR LF) are ASCII and never occur as
// CP932 trail bytes (0x40–0xFC), so the same reader serves both encodings before decoding.

struct RawRecord {
  int line = 0;                     // physical line where the record starts
  std::vector<std::string> fields;  // at most kMaxFields kept
  std::size_t field_count = 0;      // fields seen, kept or not
  struct Issue { int column; std::string reason; };
  std::vector<Issue> issues;        // structural problems, column 0 = whole record
};

class CsvReader {
 public:
  explicit CsvReader(std::string_view bytes) : b_(bytes) {}

  bool next(RawRecord& r) {
    skip_empty_lines();
    if (p_ >= b_.size()) return false;
    r.line = line_;
    r.fields.clear();
    r.field_count = 0;
    r.issues.clear();
    for (;;) {
      const int column = static_cast<int>(r.field_count) + 1;
      std::string scratch;
      std::string& out = r.field_count < kMaxFields ? r.fields.emplace_back() : scratch;
      read_field(out, column, r);
      ++r.field_count;
      if (p_ < b_.size() && b_[p_] == ',') {
        ++p_;
        continue;
      }
      end_line();
      break;
    }
    if (r.field_count > kMaxFields)
      r.issues.push_back({0, "the record has " + std::to_string(r.field_count) + " fields, more than the limit of " +
                                 std::to_string(kMaxFields)});
    return true;
  }

 private:
  void skip_empty_lines() {
    while (p_ < b_.size() && (b_[p_] == '\n' || b_[p_] == '\r')) end_line();
  }
  // Consumes one line break (CRLF, LF or a lone CR) if present.
  void end_line() {
    if (p_ >= b_.size()) return;
    if (b_[p_] == '\r') {
      ++p_;
      if (p_ < b_.size() && b_[p_] == '\n') ++p_;
      ++line_;
    } else if (b_[p_] == '\n') {
      ++p_;
      ++line_;
    }
  }
  void count_breaks(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i)
      if (b_[i] == '\n' || (b_[i] == '\r' && (i + 1 >= b_.size() || b_[i + 1] != '\n'))) ++line_;
  }
  void append(std::string& out, std::string_view part, bool& oversize) {
    const std::size_t room = kMaxFieldBytes - std::min(out.size(), kMaxFieldBytes);
    if (part.size() > room) oversize = true;
    out.append(part.substr(0, room));
  }
  static bool ends_field(char c) { return c == ',' || c == '\r' || c == '\n'; }

  void read_field(std::string& out, int column, RawRecord& r) {
    bool oversize = false;
    if (p_ < b_.size() && b_[p_] == '"') {
      std::size_t p = p_ + 1;
      for (;;) {
        const std::size_t q = b_.find('"', p);
        if (q == std::string_view::npos) {
          append(out, b_.substr(p), oversize);
          count_breaks(p, b_.size());
          p_ = b_.size();
          r.issues.push_back({column, "a quoted field starts here but its closing quote is missing"});
          return;
        }
        append(out, b_.substr(p, q - p), oversize);
        count_breaks(p, q);
        if (q + 1 < b_.size() && b_[q + 1] == '"') {
          append(out, "\"", oversize);
          p = q + 2;
          continue;
        }
        p_ = q + 1;
        break;
      }
      if (p_ < b_.size() && !ends_field(b_[p_])) {
        r.issues.push_back({column, "text follows the closing quote; a quote inside a quoted field is written twice (\"\")"});
        while (p_ < b_.size() && !ends_field(b_[p_])) ++p_;
      }
    } else {
      const std::size_t start = p_;
      bool quote = false;
      while (p_ < b_.size() && !ends_field(b_[p_])) quote |= b_[p_++] == '"';
      append(out, b_.substr(start, p_ - start), oversize);
      if (quote)
        r.issues.push_back({column, "a field holding a quote must be quoted as a whole, with the quote doubled (\"\")"});
    }
    if (oversize) r.issues.push_back({column, "the field is longer than the limit of 64 KiB"});
  }

  std::string_view b_;
  std::size_t p_ = 0;
  int line_ = 1;
};

// ---------------------------------------------------------------------------------------------
// Decoding one field to UTF-8.

std::string hex_bytes(std::string_view s) {
  std::string out;
  char buf[8];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof buf, "%s0x%02X", out.empty() ? "" : " ", c);
    out += buf;
  }
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

struct ConverterClose {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterClose>;

class Decoder {
 public:
  explicit Decoder(Encoding enc) : enc_(enc) {
    if (enc_ != Encoding::cp932) return;
    UErrorCode e = U_ZERO_ERROR;
    // ICU's "windows-31j" is ibm-943_P15A-2003: Microsoft's table (0x8160 -> U+FF5E, 0x817C -> U+FF0D,
    // 0x5C -> U+005C), unlike ibm-943_P130-1999 (JIS: U+301C, U+2212, U+00A5).
    cnv_.reset(ucnv_open("windows-31j", &e));
    if (U_FAILURE(e)) cnv_.reset();
    if (cnv_) ucnv_setToUCallBack(cnv_.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &e);
  }
  bool usable() const { return enc_ != Encoding::cp932 || cnv_ != nullptr; }

  // UTF-8 text in `out`, or false with the first invalid byte sequence in `bad`.
  bool decode(std::string_view in, std::string& out, std::string& bad) {
    if (is_ascii(in)) {
      out.assign(in);
      return true;
    }
    return enc_ == Encoding::cp932 ? from_cp932(in, out, bad) : check_utf8(in, out, bad);
  }

 private:
  static bool check_utf8(std::string_view in, std::string& out, std::string& bad) {
    const auto* s = reinterpret_cast<const uint8_t*>(in.data());
    const auto n = static_cast<int32_t>(in.size());
    for (int32_t i = 0; i < n;) {
      const int32_t start = i;
      UChar32 c;
      U8_NEXT(s, i, n, c);  // strict: rejects overlongs, surrogates and values past U+10FFFF
      if (c < 0) {
        bad = hex_bytes(in.substr(start, i - start));
        return false;
      }
    }
    out.assign(in);
    return true;
  }

  bool from_cp932(std::string_view in, std::string& out, std::string& bad) {
    ucnv_reset(cnv_.get());
    std::u16string wide(in.size() * 2 + 1, u'\0');
    UChar* target = wide.data();
    const char* source = in.data();
    UErrorCode e = U_ZERO_ERROR;
    ucnv_toUnicode(cnv_.get(), &target, wide.data() + wide.size(), &source, in.data() + in.size(), nullptr, true, &e);
    if (U_FAILURE(e)) {
      char invalid[32];
      int8_t len = sizeof invalid;
      UErrorCode e2 = U_ZERO_ERROR;
      ucnv_getInvalidChars(cnv_.get(), invalid, &len, &e2);
      bad = hex_bytes(U_SUCCESS(e2) && len > 0 ? std::string_view(invalid, len) : in.substr(source - in.data(), 1));
      return false;
    }
    const auto units = static_cast<int32_t>(target - wide.data());
    int32_t needed = 0;
    e = U_ZERO_ERROR;
    u_strToUTF8(nullptr, 0, &needed, wide.data(), units, &e);
    out.assign(static_cast<std::size_t>(needed), '\0');
    e = U_ZERO_ERROR;
    u_strToUTF8(out.data(), needed, &needed, wide.data(), units, &e);
    return U_SUCCESS(e);
  }

  Encoding enc_;
  ConverterPtr cnv_;
};

// ---------------------------------------------------------------------------------------------
// Small text helpers.

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string code_point_label(UChar32 c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

// A value as shown in a message: cut after a few dozen code points so one bad field cannot flood the log.
std::string shown(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  for (std::size_t count = 0; i < n && count < kMaxShownCodePoints; ++count) U8_FWD_1(p, i, n);
  return i < n ? std::string(s.substr(0, i)) + "…" : std::string(s);
}

// Full-width digits (０-９, U+FF10..U+FF19) are the usual slip in hand-edited extracts.
bool has_fullwidth_digit(std::string_view s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) == 0xEF && static_cast<unsigned char>(s[i + 1]) == 0xBC &&
        static_cast<unsigned char>(s[i + 2]) >= 0x90 && static_cast<unsigned char>(s[i + 2]) <= 0x99)
      return true;
  return false;
}
std::string fullwidth_hint(std::string_view s) {
  return has_fullwidth_digit(s) ? " (write the digits as ASCII 0-9, not full-width)" : "";
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// First control character (C0, DEL, C1) in UTF-8 text; line breaks pass where `allow_breaks`.
std::optional<UChar32> control_character(std::string_view s, bool allow_breaks) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (allow_breaks && (c == '\n' || c == '\r')) continue;
    if ((c >= 0 && c < 0x20) || (c >= 0x7F && c <= 0x9F)) return c;
  }
  return std::nullopt;
}

// My Number check digit (番号法施行令 第8条): weights 2..7,2..6 from the right over the first 11 digits.
bool my_number_check_digit_ok(const std::array<int, 12>& d) {
  int sum = 0;
  for (int n = 1; n <= 11; ++n) sum += d[11 - n] * (n <= 6 ? n + 1 : n - 5);
  const int r = sum % 11;
  return d[11] == (r <= 1 ? 0 : 11 - r);
}

// True when the text holds a run of exactly 12 digits (ASCII or full-width) that passes the check digit.
bool holds_my_number(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  std::array<int, 12> run{};
  std::size_t length = 0;  // digits in the current run; only the first 12 are kept
  bool found = false;
  for (int32_t i = 0; i <= n && !found;) {
    UChar32 c = -1;
    if (i < n) U8_NEXT(p, i, n, c);
    else ++i;  // one step past the end closes the last run
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 0xFF10 && c <= 0xFF19 ? c - 0xFF10 : -1;
    if (digit >= 0) {
      if (length < run.size()) run[length] = digit;
      ++length;
      continue;
    }
    found = length == run.size() && my_number_check_digit_ok(run);
    length = 0;
  }
  return found;
}

// "YYYY-MM-DD" / "YYYY-MM" with a message that tells a wrong format from a day that does not exist.
std::string date_reason(std::string_view s) {
  const bool shape = s.size() == 10 && s[4] == '-' && s[7] == '-' && all_digits(s.substr(0, 4)) &&
                     all_digits(s.substr(5, 2)) && all_digits(s.substr(8, 2));
  if (shape) return "is not a date in the calendar";
  if (s.empty()) return "is required: a date written YYYY-MM-DD, like 2025-04-01";
  return "must be a date written YYYY-MM-DD, like 2025-04-01" + fullwidth_hint(s);
}
std::string month_reason(std::string_view s) {
  const bool shape = s.size() == 7 && s[4] == '-' && all_digits(s.substr(0, 4)) && all_digits(s.substr(5, 2));
  if (shape) return "is not a month: the month must be 01 to 12";
  if (s.empty()) return "is required: a month written YYYY-MM, like 2025-04";
  return "must be a month written YYYY-MM, like 2025-04" + fullwidth_hint(s);
}

// ---------------------------------------------------------------------------------------------
// The whole file.

class CasesParser {
 public:
  CasesParser(std::string_view bytes, const std::string& name, Encoding enc) : bytes_(bytes), name_(name), enc_(enc) {}

  Checked<CasesFile> run() {
    if (bytes_.size() > kMaxFileBytes) {
      whole_file("the file is larger than 1 GiB; split the extract into smaller files");
      return std::move(result_);
    }
    if (bytes_.size() >= 2 && ((bytes_[0] == '\xFF' && bytes_[1] == '\xFE') || (bytes_[0] == '\xFE' && bytes_[1] == '\xFF'))) {
      whole_file("the file is UTF-16; save it as UTF-8 (or CP932)");
      return std::move(result_);
    }
    const bool bom = bytes_.substr(0, 3) == "\xEF\xBB\xBF";
    if (bom && enc_ == Encoding::cp932) {
      line_error(1, 0, "", "", "the file starts with a UTF-8 byte order mark but was read as CP932; read it as UTF-8");
      return std::move(result_);
    }
    if (bom) {
      bytes_.remove_prefix(3);
      enc_ = Encoding::utf8;
    }
    if (enc_ == Encoding::detect) enc_ = detect();
    Decoder decoder(enc_);
    if (!decoder.usable()) {
      whole_file("this ICU has no windows-31j converter, so CP932 files cannot be read");
      return std::move(result_);
    }
    CsvReader reader(bytes_);
    RawRecord rec;
    if (!reader.next(rec)) {
      whole_file("the file is empty; it needs a header row naming the columns");
      return std::move(result_);
    }
    if (!read_header(rec, decoder)) return std::move(result_);
    std::size_t rows = 0;
    while (reader.next(rec)) {
      ++rows;
      read_row(rec, decoder);
    }
    after_rows();
    if (rows == 0) {
      Diagnostic d{Diagnostic::Severity::warning, name_, 0, 0, "", "", "the file has a header but no case rows"};
      result_.problems.push_back(std::move(d));
    }
    return std::move(result_);
  }

 private:
  // Both candidate encodings are tried on the fields that are read; the one with fewer bad fields wins
  // (UTF-8 on a tie), so a UTF-8 file with one broken byte is reported as such, not as CP932 noise.
  Encoding detect() {
    const std::size_t bad_utf8 = count_bad_fields(Encoding::utf8);
    if (bad_utf8 == 0) return Encoding::utf8;
    const std::size_t bad_cp932 = count_bad_fields(Encoding::cp932);
    detect_failed_ = bad_cp932 > 0;
    return bad_cp932 < bad_utf8 ? Encoding::cp932 : Encoding::utf8;
  }

  // Fields of the header and of the read columns that do not decode; SIZE_MAX when the encoding is unavailable.
  std::size_t count_bad_fields(Encoding enc) const {
    Decoder decoder(enc);
    if (!decoder.usable()) return SIZE_MAX;
    CsvReader reader(bytes_);
    RawRecord rec;
    std::vector<bool> used;
    bool header = true;
    std::size_t bad = 0;
    std::string out, bytes;
    while (reader.next(rec)) {
      if (header) used = used_columns(rec);
      for (std::size_t i = 0; i < rec.fields.size(); ++i)
        if ((header || (i < used.size() && used[i])) && !decoder.decode(rec.fields[i], out, bytes)) ++bad;
      header = false;
    }
    return bad;
  }

  // Columns whose content is read: known ones except my_number (never looked at, so never echoed).
  static std::vector<bool> used_columns(const RawRecord& header) {
    std::vector<bool> used(header.fields.size(), false);
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
      const auto n = trim(header.fields[i]);
      for (int k = 0; k < kColumnCount; ++k)
        if (k != kMyNumber && n == kColumns[k].name) used[i] = true;
    }
    return used;
  }

  std::string encoding_reason() const {
    if (enc_ == Encoding::cp932 && detect_failed_)
      return "these bytes are not valid CP932 (Windows Shift_JIS) text (and the file is not valid UTF-8 either)";
    if (enc_ == Encoding::cp932) return "these bytes are not valid CP932 (Windows Shift_JIS) text";
    if (detect_failed_) return "these bytes are not valid UTF-8 (and the file is not valid CP932 either)";
    return "these bytes are not valid UTF-8; if the file is Shift_JIS, read it as CP932";
  }

  bool read_header(const RawRecord& rec, Decoder& decoder) {
    header_line_ = rec.line;
    for (const auto& issue : rec.issues) line_error(rec.line, issue.column, "", "", issue.reason);
    if (!rec.issues.empty()) return false;
    index_.fill(-1);
    auto& header = result_.value.header;
    std::string text, bad;
    for (std::size_t i = 0; i < rec.fields.size(); ++i) {
      const int column = static_cast<int>(i) + 1;
      if (!decoder.decode(rec.fields[i], text, bad)) {
        line_error(rec.line, column, "", bad, encoding_reason());
        text.clear();
      }
      header.emplace_back(trim(text));
      for (int k = 0; k < kColumnCount; ++k) {
        if (header.back() != kColumns[k].name) continue;
        if (index_[k] >= 0)
          line_error(rec.line, column, kColumns[k].name, "",
                     "the column appears twice in the header (also column " + std::to_string(index_[k] + 1) + ")");
        else
          index_[k] = static_cast<int>(i);
      }
    }
    for (int k = 0; k < kColumnCount; ++k) {
      if (!kColumns[k].required || index_[k] >= 0) continue;
      std::string reason = "required column is missing from the header";
      for (const auto& h : header)
        if (h.size() == std::string_view(kColumns[k].name).size() &&
            std::equal(h.begin(), h.end(), kColumns[k].name,
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
          reason += " (the header has \"" + h + "\"; column names are lower case)";
      line_error(rec.line, 0, kColumns[k].name, "", reason);
    }
    return true;
  }

  void read_row(const RawRecord& rec, Decoder& decoder) {
    const std::size_t expected = result_.value.header.size();
    for (const auto& issue : rec.issues)
      line_error(rec.line, issue.column, column_name_at(issue.column), "", issue.reason);
    if (!rec.issues.empty()) return;
    if (rec.field_count != expected) {
      line_error(rec.line, 0, "", "",
                 "the record has " + std::to_string(rec.field_count) + " field" + (rec.field_count == 1 ? "" : "s") +
                     " but the header has " + std::to_string(expected));
      return;
    }
    Row row(*this, rec.line);
    std::string bad;
    for (int k = 0; k < kColumnCount; ++k) {
      if (k == kMyNumber || index_[k] < 0) continue;  // my_number is dropped unread
      std::string text;
      if (!decoder.decode(rec.fields[index_[k]], text, bad)) {
        row.error(static_cast<Col>(k), bad, encoding_reason());
        continue;
      }
      row.present[k] = true;
      row.text[k] = kColumns[k].name_text ? text : std::string(trim(text));
    }
    check_row(row);
    result_.value.cases.push_back(std::move(row.c));
  }

  struct Row {
    Row(CasesParser& parser, int at) : p(parser), line(at) {}
    CasesParser& p;
    int line;
    Case c;
    std::array<std::string, kColumnCount> text;
    std::array<bool, kColumnCount> present{};  // decoded successfully
    void error(Col k, std::string value, std::string reason) {
      p.line_error(line, p.index_[k] + 1, kColumns[k].name, std::move(value), std::move(reason));
    }
    // The value to quote in a message: nothing for personal columns.
    std::string value(Col k) const { return kColumns[k].personal ? "" : shown(text[k]); }
  };

  void check_row(Row& row) {
    Case& c = row.c;
    c.line = row.line;
    auto& t = row.text;
    auto has = [&](Col k) { return row.present[k]; };

    // Printed text: nothing a printer cannot show, and never a My Number.
    for (Col k : kPrintedText) {
      if (!has(k)) continue;
      if (auto cc = control_character(t[k], k == kReason))
        row.error(k, code_point_label(*cc), "contains a control character (a tab or line break), which cannot be printed");
      else if (holds_my_number(t[k]))
        row.error(k, "", "holds a 12-digit number that passes the My Number check digit; a My Number must never be printed");
    }
    for (Col k : {kCaseId, kChildAtenaNo, kGuardianAtenaNo, kHouseholdNo, kBracket})
      if (has(k))
        if (auto cc = control_character(t[k], false)) row.error(k, code_point_label(*cc), "contains a control character");

    for (Col k : {kCaseId, kChildAtenaNo, kChildName, kGuardianAtenaNo, kGuardianName, kAddress, kHouseholdNo,
                  kFacilityName, kBracket})
      if (has(k) && trim(t[k]).empty()) row.error(k, "", "is required");

    if (has(kCaseId) && !t[kCaseId].empty()) {
      auto [it, fresh] = case_ids_.emplace(t[kCaseId], row.line);
      if (!fresh) row.error(kCaseId, row.value(kCaseId), "duplicates the case_id on line " + std::to_string(it->second));
    }
    c.case_id = t[kCaseId];
    c.child_atena_no = t[kChildAtenaNo];
    c.child_name = t[kChildName];
    c.guardian_atena_no = t[kGuardianAtenaNo];
    c.guardian_name = t[kGuardianName];
    c.address = t[kAddress];
    c.address_building = t[kAddressBuilding];
    c.household_no = t[kHouseholdNo];
    c.facility_name = t[kFacilityName];
    c.bracket = t[kBracket];
    c.reason = t[kReason];

    if (has(kChildBirthDate)) {
      if (auto d = parse_date(t[kChildBirthDate])) c.child_birth_date = *d;
      else row.error(kChildBirthDate, row.value(kChildBirthDate), date_reason(t[kChildBirthDate]));
    }
    if (has(kDecisionDate)) {
      if (auto d = parse_date(t[kDecisionDate])) c.decision_date = *d;
      else row.error(kDecisionDate, row.value(kDecisionDate), date_reason(t[kDecisionDate]));
    }

    if (has(kPostalCode)) {
      std::string_view s = t[kPostalCode];
      if (s.size() == 8 && s[3] == '-' && all_digits(s.substr(0, 3)) && all_digits(s.substr(4)))
        c.postal_code = std::string(s.substr(0, 3)) + std::string(s.substr(4));
      else if (s.size() == 7 && all_digits(s))
        c.postal_code = std::string(s);
      else if (s.empty())
        row.error(kPostalCode, "", "is required: 7 digits, like 360-0012");
      else if (has_fullwidth_digit(s))
        row.error(kPostalCode, row.value(kPostalCode),
                  "must be written with ASCII digits 0-9, not full-width digits: 7 digits, like 360-0012");
      else
        row.error(kPostalCode, row.value(kPostalCode), "must be 7 digits, like 360-0012");
    }

    if (has(kCertificationType)) {
      const auto& s = t[kCertificationType];
      if (s == "1" || s == "2" || s == "3") c.certification_type = s[0] - '0';
      else row.error(kCertificationType, row.value(kCertificationType), "must be 1, 2 or 3" + fullwidth_hint(s));
    }
    if (has(kCareNeed)) {
      const auto& s = t[kCareNeed];
      if (s == "standard") c.care_need = CareNeed::standard;
      else if (s == "short") c.care_need = CareNeed::short_time;
      else if (!s.empty()) row.error(kCareNeed, row.value(kCareNeed), "must be standard or short");
      else if (c.certification_type == 2 || c.certification_type == 3)
        row.error(kCareNeed, "", "is required for certification_type 2 and 3: standard or short");
    } else if (index_[kCareNeed] < 0 && (c.certification_type == 2 || c.certification_type == 3) &&
               first_type23_without_care_need_ == 0) {
      first_type23_without_care_need_ = row.line;
    }

    struct Flag { Col k; bool Case::*field; };
    for (const Flag& f : {Flag{kFacilityPublic, &Case::facility_public}, Flag{kSideDishExempt, &Case::side_dish_exempt},
                          Flag{kCashPayment, &Case::cash_payment}}) {
      if (!has(f.k)) continue;
      const auto& s = t[f.k];
      if (s == "0" || s == "1") c.*f.field = s == "1";
      else row.error(f.k, row.value(f.k), "must be 0 or 1" + fullwidth_hint(s));
    }

    if (has(kChildOrder)) {
      const auto& s = t[kChildOrder];
      int n = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (all_digits(s) && ec == std::errc() && end == s.data() + s.size() && n >= 1) c.child_order = n;
      else row.error(kChildOrder, row.value(kChildOrder), "must be a whole number, 1 or more" + fullwidth_hint(s));
    }

    if (has(kNoticeKind)) {
      const auto& s = t[kNoticeKind];
      if (s == "decision") c.notice_kind = NoticeKind::decision;
      else if (s == "change") c.notice_kind = NoticeKind::change;
      else row.error(kNoticeKind, row.value(kNoticeKind), "must be decision or change");
    }

    std::optional<YearMonth> start, end;
    if (has(kPeriodStart) && !(start = parse_year_month(t[kPeriodStart])))
      row.error(kPeriodStart, row.value(kPeriodStart), month_reason(t[kPeriodStart]));
    if (has(kPeriodEnd) && !(end = parse_year_month(t[kPeriodEnd])))
      row.error(kPeriodEnd, row.value(kPeriodEnd), month_reason(t[kPeriodEnd]));
    if (start && end && *end < *start) {
      row.error(kPeriodEnd, row.value(kPeriodEnd), "is before period_start " + start->iso());
      end.reset();
    }
    // An unusable period stays {0, 0} so cross-row checks skip it.
    if (start && end) {
      c.period_start = *start;
      c.period_end = *end;
    }
  }

  void after_rows() {
    if (first_type23_without_care_need_ > 0)
      line_error(header_line_, 0, "care_need", "",
                 "required column is missing from the header (line " + std::to_string(first_type23_without_care_need_) +
                     " has certification_type 2 or 3, which needs standard or short)");
  }

  std::string column_name_at(int column) const {
    const auto& h = result_.value.header;
    return column >= 1 && column <= static_cast<int>(h.size()) ? h[column - 1] : "";
  }

  void whole_file(std::string reason) { line_error(0, 0, "", "", std::move(reason)); }
  void line_error(int line, int column, std::string column_name, std::string value, std::string reason) {
    result_.problems.push_back(Diagnostic{Diagnostic::Severity::error, name_, line, column, std::move(column_name),
                                          std::move(value), std::move(reason)});
  }

  std::string_view bytes_;
  const std::string& name_;
  Encoding enc_;
  bool detect_failed_ = false;
  int header_line_ = 1;
  std::array<int, kColumnCount> index_{};  // 0-based position in the header, -1 when absent
  std::unordered_map<std::string, int> case_ids_;
  int first_type23_without_care_need_ = 0;
  Checked<CasesFile> result_;
};

}  // namespace

int CasesFile::column_of(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i) + 1;
  return 0;
}

Checked<CasesFile> parse_cases(std::string_view bytes, const std::string& name, Encoding enc) {
  return CasesParser(bytes, name, enc).run();
}

Checked<CasesFile> load_cases(const std::string& path, Encoding enc) {
  Checked<CasesFile> r;
  auto fail = [&](std::string reason) {
    r.problems.push_back(Diagnostic{Diagnostic::Severity::error, path, 0, 0, "", "", std::move(reason)});
    return r;
  };
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail("cannot read the file: " + ec.message());
  if (size > kMaxFileBytes) return fail("the file is larger than 1 GiB; split the extract into smaller files");
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in || !in.read(bytes.data(), static_cast<std::streamsize>(size))) return fail("cannot read the file");
  return parse_cases(bytes, path, enc);
}

}  // namespace tsuchi::ingest
