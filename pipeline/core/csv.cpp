#include "core/csv.hpp"

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <optional>

#include "core/utf8.hpp"

namespace tsuchi::csv {
namespace {

// A cell saved as a string formula, `="…"` or `="…"&"…"` (what tsuchi writes with excel_text, and what
// offices type to keep a code as text): the text it shows; nullopt for any other field. The
// characters read (= " &) are ASCII and never CP932 trail bytes, so this works before decoding.
std::optional<std::string> excel_literal(std::string_view f) {
  if (f.size() < 3 || f[0] != '=' || f[1] != '"') return std::nullopt;
  std::string text;
  std::size_t i = 1;
  for (;;) {
    if (i >= f.size() || f[i] != '"') return std::nullopt;
    for (++i;; ++i) {
      if (i >= f.size()) return std::nullopt;
      if (f[i] != '"') {
        text += f[i];
      } else if (i + 1 < f.size() && f[i + 1] == '"') {
        text += '"';
        ++i;
      } else {
        break;
      }
    }
    if (++i == f.size()) return text;
    if (f[i++] != '&') return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------------
// RFC 4180 over raw bytes. The structural characters (" , CR LF) are ASCII and never occur as
// CP932 trail bytes (0x40–0xFC), so the same reader serves both encodings before decoding.

struct RawRecord {
  int line = 0;
  std::vector<std::string> fields;  // at most kMaxFields kept
  std::size_t field_count = 0;
  struct Issue { int column; std::string reason; };
  std::vector<Issue> issues;  // column 0 = whole record
};

class RawReader {
 public:
  explicit RawReader(std::string_view bytes) : b_(bytes) {}

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
  static void append(std::string& out, std::string_view part, bool& oversize) {
    const std::size_t room = kMaxFieldBytes - std::min(out.size(), kMaxFieldBytes);
    if (part.size() > room) oversize = true;
    out.append(part.substr(0, room));
  }
  static bool ends_field(char c) { return c == ',' || c == '\r' || c == '\n'; }

  void read_field(std::string& out, int column, RawRecord& r) {
    bool oversize = false;
    const bool quoted = p_ < b_.size() && b_[p_] == '"';
    if (quoted) {
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
      while (p_ < b_.size() && !ends_field(b_[p_])) ++p_;
      append(out, b_.substr(start, p_ - start), oversize);
    }
    if (oversize) r.issues.push_back({column, "the field is longer than the limit of 64 KiB"});
    if (auto text = excel_literal(out)) out = std::move(*text);
    else if (!quoted && out.find('"') != std::string::npos)
      r.issues.push_back({column, "a field holding a quote must be quoted as a whole, with the quote doubled (\"\")"});
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

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
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

  // UTF-8 text in `out`, or false with the first invalid byte sequence (as hex) in `bad`.
  bool decode(std::string_view in, std::string& out, std::string& bad) {
    if (is_ascii(in)) {
      out.assign(in);
      return true;
    }
    return enc_ == Encoding::cp932 ? from_cp932(in, out, bad) : check_utf8(in, out, bad);
  }

 private:
  static bool check_utf8(std::string_view in, std::string& out, std::string& bad) {
    for (std::size_t i = 0; i < in.size();) {
      const std::size_t at = i;
      if (utf8::next(in, i) != utf8::kReplacement || in.substr(at, i - at) == "\xEF\xBF\xBD") continue;
      // Quote the ill-formed sequence: its first byte and the continuation bytes after it.
      std::size_t end = at + 1;
      while (end < in.size() && end - at < 4 && (static_cast<unsigned char>(in[end]) & 0xC0) == 0x80) ++end;
      bad = hex_bytes(in.substr(at, end - at));
      return false;
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

// Header positions whose fields are read: those named in `read` (all when `read` is empty).
std::vector<bool> read_mask(const RawRecord& header, const std::vector<std::string>& read) {
  std::vector<bool> used(header.fields.size(), read.empty());
  for (std::size_t i = 0; i < header.fields.size(); ++i)
    if (std::find(read.begin(), read.end(), trim(header.fields[i])) != read.end()) used[i] = true;
  return used;
}

// Fields of the header and of the read columns that do not decode; SIZE_MAX when the encoding is unavailable.
std::size_t count_bad_fields(std::string_view bytes, Encoding enc, const std::vector<std::string>& read) {
  Decoder decoder(enc);
  if (!decoder.usable()) return SIZE_MAX;
  RawReader reader(bytes);
  RawRecord rec;
  std::vector<bool> used;
  bool header = true;
  std::size_t bad = 0;
  std::string out, hex;
  while (reader.next(rec)) {
    if (header) used = read_mask(rec, read);
    for (std::size_t i = 0; i < rec.fields.size(); ++i)
      if ((header || (i < used.size() && used[i])) && !decoder.decode(rec.fields[i], out, hex)) ++bad;
    header = false;
  }
  return bad;
}

}  // namespace

struct Reader::Impl {
  Impl(std::string_view bytes, Encoding enc) : raw(bytes), decoder(enc) {}
  RawReader raw;
  Decoder decoder;
  RawRecord rec;
};

Reader::~Reader() = default;

void Reader::error(int line, int column, std::string column_name, std::string value, std::string reason) {
  problems_.push_back(Diagnostic{Diagnostic::Severity::error, name_, line, column, std::move(column_name),
                                 std::move(value), std::move(reason)});
}

std::string Reader::encoding_reason() const {
  if (detect_failed_) return "these bytes are not UTF-8 or CP932 text";
  if (enc_ == Encoding::cp932) return "these bytes are not valid CP932 (Windows Shift_JIS) text";
  return "these bytes are not valid UTF-8; if the file is Shift_JIS, read it as CP932";
}

Reader::Reader(std::string_view bytes, std::string name, Diagnostics& problems, Encoding enc,
               std::vector<std::string> read)
    : name_(std::move(name)), problems_(problems), enc_(enc) {
  if (bytes.size() >= 2 && ((bytes[0] == '\xFF' && bytes[1] == '\xFE') || (bytes[0] == '\xFE' && bytes[1] == '\xFF'))) {
    error(0, 0, "", "", "the file is UTF-16; save it as UTF-8 (or CP932)");
    return;
  }
  const bool bom = bytes.substr(0, 3) == "\xEF\xBB\xBF";
  if (bom && enc_ == Encoding::cp932) {
    error(1, 0, "", "", "the file starts with a UTF-8 byte order mark but was read as CP932; read it as UTF-8");
    return;
  }
  if (bom) {
    bytes.remove_prefix(3);
    enc_ = Encoding::utf8;
  }
  // Both candidate encodings are tried on the fields that are read; the one with fewer bad fields
  // wins (UTF-8 on a tie), so a UTF-8 file with one broken byte is reported as such, not as CP932 noise.
  if (enc_ == Encoding::detect) {
    const std::size_t bad_utf8 = count_bad_fields(bytes, Encoding::utf8, read);
    enc_ = Encoding::utf8;
    if (bad_utf8 > 0) {
      const std::size_t bad_cp932 = count_bad_fields(bytes, Encoding::cp932, read);
      detect_failed_ = bad_cp932 > 0;
      if (bad_cp932 < bad_utf8) enc_ = Encoding::cp932;
    }
  }
  impl_ = std::make_unique<Impl>(bytes, enc_);
  if (!impl_->decoder.usable()) {
    error(0, 0, "", "", "this ICU has no windows-31j converter, so CP932 files cannot be read");
    return;
  }
  RawRecord& rec = impl_->rec;
  if (!impl_->raw.next(rec)) {
    error(0, 0, "", "", "the file is empty; it needs a header row naming the columns");
    return;
  }
  header_line_ = rec.line;
  for (const auto& issue : rec.issues) error(rec.line, issue.column, "", "", issue.reason);
  if (!rec.issues.empty()) return;
  std::string text, bad;
  for (std::size_t i = 0; i < rec.fields.size(); ++i) {
    if (!impl_->decoder.decode(rec.fields[i], text, bad)) {
      error(rec.line, static_cast<int>(i) + 1, "", bad, encoding_reason());
      text.clear();
    }
    header_.emplace_back(trim(text));
  }
  read_ = std::vector<bool>(header_.size(), read.empty());
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (std::find(read.begin(), read.end(), header_[i]) != read.end()) read_[i] = true;
  ok_ = true;
}

int Reader::column_of(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return static_cast<int>(i);
  return -1;
}

bool Reader::next(Record& r) {
  if (!ok_) return false;
  RawRecord& rec = impl_->rec;
  if (!impl_->raw.next(rec)) return false;
  r.line = rec.line;
  r.field_count = rec.field_count;
  r.whole = true;
  r.fields.assign(rec.fields.size(), std::string());
  r.decoded.assign(rec.fields.size(), false);
  auto column_name = [&](int column) {
    return column >= 1 && column <= static_cast<int>(header_.size()) ? header_[column - 1] : std::string();
  };
  for (const auto& issue : rec.issues) error(rec.line, issue.column, column_name(issue.column), "", issue.reason);
  if (!rec.issues.empty()) {
    r.whole = false;
    return true;
  }
  if (rec.field_count != header_.size()) {
    error(rec.line, 0, "", "",
          "the record has " + std::to_string(rec.field_count) + " field" + (rec.field_count == 1 ? "" : "s") +
              " but the header has " + std::to_string(header_.size()));
    r.whole = false;
    return true;
  }
  std::string bad;
  for (std::size_t i = 0; i < rec.fields.size(); ++i) {
    if (!read_[i]) continue;
    if (impl_->decoder.decode(rec.fields[i], r.fields[i], bad)) r.decoded[i] = true;
    else error(rec.line, static_cast<int>(i) + 1, header_[i], bad, encoding_reason());
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Writing.

namespace {

// Excel's limits on a formula: a string literal holds at most 255 characters, a formula 8,192
// (UTF-16 units, as Excel counts them).
constexpr std::size_t kExcelLiteralUnits = 255;
constexpr std::size_t kExcelFormulaUnits = 8192;

std::size_t utf16_units(char32_t c) { return c > 0xFFFF ? 2 : 1; }

// `v` cut into literals of at most 255 UTF-16 units: after the last ';' that fits, else after the last
// character that is no letter or digit, else where the limit falls. So a code is never cut while a whole
// one fits, and the file can still be searched for a code, and scanned for a My Number, as written.
std::vector<std::string_view> literals(std::string_view v) {
  std::vector<std::string_view> out;
  while (!v.empty()) {
    std::size_t i = 0, units = 0, semicolon = 0, other = 0;
    while (i < v.size()) {
      std::size_t next = i;
      const std::size_t u = utf16_units(utf8::next(v, next));
      if (units + u > kExcelLiteralUnits) break;
      units += u;
      const unsigned char c = static_cast<unsigned char>(v[i]);
      i = next;
      if (c == ';') semicolon = i;
      else if (!std::isalnum(c)) other = i;
    }
    const std::size_t cut = i == v.size() ? i : semicolon ? semicolon : other ? other : i;
    out.push_back(v.substr(0, cut));
    v.remove_prefix(cut);
  }
  return out;
}

// `="…"`, its literals joined by &; nullopt when the formula would be longer than Excel takes (the
// value is then written as it is).
std::optional<std::string> excel_formula(std::string_view v) {
  std::string f = "=";
  std::size_t total = 1;
  for (std::string_view part : literals(v)) {
    if (f.size() > 1) f += '&', ++total;
    f += '"';
    for (std::size_t i = 0; i < part.size();) {
      const std::size_t at = i;
      total += utf16_units(utf8::next(part, i));
      if (part[at] == '"') f += '"', ++total;
      f.append(part.substr(at, i - at));
    }
    f += '"';
    total += 2;
  }
  if (total > kExcelFormulaUnits) return std::nullopt;
  return f;
}

bool formula_trigger(std::string_view v) {
  return !v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t');
}

std::string rfc4180(std::string v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

// Physical lines a value spans beyond its first, counted as the reader counts them.
int breaks(std::string_view v) {
  int n = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] == '\n' || (v[i] == '\r' && (i + 1 >= v.size() || v[i + 1] != '\n'))) ++n;
  return n;
}

void append_utf16(char32_t c, std::u16string& out) {
  if (c > 0xFFFF) {
    out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
    out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
  } else {
    out += static_cast<char16_t>(c);
  }
}

}  // namespace

struct Writer::Converter {
  ConverterPtr cnv;
  bool fits(const std::u16string& wide, std::string& out) {
    out.assign(wide.size() * 2 + 1, '\0');
    UErrorCode e = U_ZERO_ERROR;
    const int32_t n = ucnv_fromUChars(cnv.get(), out.data(), static_cast<int32_t>(out.size()), wide.data(),
                                      static_cast<int32_t>(wide.size()), &e);
    out.resize(U_SUCCESS(e) ? static_cast<std::size_t>(n) : 0);
    return U_SUCCESS(e);
  }
  // The CP932 bytes of UTF-8 `in`, or false with the first character CP932 lacks.
  bool encode(std::string_view in, std::string& out, char32_t& lacking) {
    if (is_ascii(in)) {
      out.assign(in);
      return true;
    }
    const std::u32string cps = utf8::decode(in);
    std::u16string wide;
    for (char32_t c : cps) append_utf16(c, wide);
    if (fits(wide, out)) return true;
    for (char32_t c : cps) {  // which one: the message names it
      std::u16string one;
      append_utf16(c, one);
      std::string scratch;
      if (!fits(one, scratch)) {
        lacking = c;
        return false;
      }
    }
    lacking = utf8::kReplacement;
    return false;
  }
};

Writer::Writer(std::string name, Format format, std::vector<Column> columns)
    : name_(std::move(name)), format_(format), columns_(std::move(columns)) {
  if (format_.charset == Charset::cp932) {
    UErrorCode e = U_ZERO_ERROR;
    // windows-31j (Microsoft's table, as the reader uses), fallbacks off: a character without its own
    // CP932 code (U+301C 〜, U+00A5 ¥, …) is an error, never a look-alike or a '?'.
    ConverterPtr cnv(ucnv_open("windows-31j", &e));
    if (U_SUCCESS(e) && cnv) {
      ucnv_setFallback(cnv.get(), false);
      ucnv_setFromUCallBack(cnv.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &e);
      cp932_ = std::make_unique<Converter>(Converter{std::move(cnv)});
    }
  } else {
    out_ = "\xEF\xBB\xBF";  // the BOM: without it Excel reads UTF-8 as the system's CP932
  }
  std::string header;
  for (const auto& c : columns_) header += (header.empty() ? "" : ",") + rfc4180(c.name);
  out_ += header + "\r\n";  // column names are ASCII: the same bytes in both encodings
  line_ = 2 + breaks(header);
}

Writer::~Writer() = default;
Writer::Writer(Writer&&) noexcept = default;
Writer& Writer::operator=(Writer&&) noexcept = default;

std::string Writer::cell(const std::string& v, Cell kind) const {
  const bool keep_text =
      format_.excel_text && !v.empty() && v.find_first_of("\r\n") == std::string::npos &&
      (kind == Cell::code || (kind == Cell::text && formula_trigger(v)));  // text opening with = + - @ is a formula to Excel
  if (keep_text)
    if (auto f = excel_formula(v)) return rfc4180(std::move(*f));
  return rfc4180(v);
}

bool Writer::row(const std::vector<std::string>& values, Diagnostics& problems) {
  auto fail = [&](std::size_t i, std::string value, std::string reason) {
    problems.push_back(Diagnostic{Diagnostic::Severity::error, name_, line_, static_cast<int>(i) + 1,
                                  i < columns_.size() ? columns_[i].name : "", std::move(value), std::move(reason)});
    return false;
  };
  if (values.size() != columns_.size())
    return fail(values.size(), "", "the record has " + std::to_string(values.size()) + " values for " +
                                       std::to_string(columns_.size()) + " columns");
  if (format_.charset == Charset::cp932 && !cp932_)
    return fail(0, "", "this ICU has no windows-31j converter, so CP932 files cannot be written");
  std::string record, bytes;
  int spans = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!utf8::valid(values[i])) return fail(i, "", "is not UTF-8 text");
    std::string text = cell(values[i], columns_[i].cell);
    spans += breaks(text);
    char32_t lacking = 0;
    if (!cp932_) bytes = std::move(text);
    else if (!cp932_->encode(text, bytes, lacking))
      return fail(i, utf8::label(lacking),
                  "has a character CP932 (Windows Shift_JIS) does not have; write the file as UTF-8 "
                  "([csv] encoding = \"utf-8-bom\" in municipality.toml)");
    if (i) record += ',';
    record += bytes;
  }
  out_ += record + "\r\n";
  line_ += 1 + spans;
  return true;
}

}  // namespace tsuchi::csv
