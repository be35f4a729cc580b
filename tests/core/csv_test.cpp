// The one CSV reader: RFC 4180 records, UTF-8 / BOM / CP932, located problems, streaming.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/csv.hpp"

using namespace tsuchi;

namespace {

struct Read {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // whole records only
  std::vector<int> lines;
  Diagnostics problems;
  csv::Encoding encoding = csv::Encoding::detect;
};

Read read(std::string_view bytes, csv::Encoding enc = csv::Encoding::detect, std::vector<std::string> columns = {}) {
  Read r;
  csv::Reader reader(bytes, "in.csv", r.problems, enc, std::move(columns));
  r.header = reader.header();
  r.encoding = reader.encoding();
  for (csv::Record rec; reader.next(rec);)
    if (rec.whole) {
      r.rows.push_back(rec.fields);
      r.lines.push_back(rec.line);
    }
  return r;
}

std::string messages(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

// 山田 in Shift_JIS / CP932 (JIS X 0208 row 27 cell 19 -> 0x8E52, row 37 cell 33 -> 0x9363).
const std::string kYamadaCp932 = "\x8E\x52\x93\x63";

}  // namespace

TEST_CASE("the same records from UTF-8, UTF-8 with BOM, CRLF and CP932") {
  const std::vector<std::vector<std::string>> want = {{"1", "山田", "a,b"}, {"2", "x\"y", "two\nlines"}};
  struct Variant {
    const char* name;
    std::string bytes;
    csv::Encoding enc;
    csv::Encoding detected;
  };
  const std::string utf8 = "id,name,note\n1,山田,\"a,b\"\n2,\"x\"\"y\",\"two\nlines\"\n";
  const std::string cp932 = "id,name,note\n1," + kYamadaCp932 + ",\"a,b\"\n2,\"x\"\"y\",\"two\nlines\"\n";
  const Variant variants[] = {
      {"UTF-8", utf8, csv::Encoding::detect, csv::Encoding::utf8},
      {"UTF-8 with BOM", "\xEF\xBB\xBF" + utf8, csv::Encoding::detect, csv::Encoding::utf8},
      {"CRLF", "id,name,note\r\n1,山田,\"a,b\"\r\n2,\"x\"\"y\",\"two\nlines\"\r\n", csv::Encoding::detect, csv::Encoding::utf8},
      {"CP932, detected", cp932, csv::Encoding::detect, csv::Encoding::cp932},
      {"CP932, told", cp932, csv::Encoding::cp932, csv::Encoding::cp932},
      {"blank lines", "\n" + utf8 + "\n\n", csv::Encoding::detect, csv::Encoding::utf8},
  };
  for (const auto& v : variants) {
    CAPTURE(v.name);
    auto r = read(v.bytes, v.enc);
    CHECK(messages(r.problems) == "");
    CHECK(r.header == std::vector<std::string>{"id", "name", "note"});
    CHECK(r.rows == want);
    CHECK(r.encoding == v.detected);
  }
  CHECK(read(utf8).lines == std::vector<int>{2, 3});
  CHECK(read("\n" + utf8).lines == std::vector<int>{3, 4});  // physical lines, blank ones counted
}

TEST_CASE("problems are located at file:line:column") {
  struct Row {
    const char* what;
    std::string bytes;
    csv::Encoding enc;
    const char* messages;
  };
  const Row rows[] = {
      {"unclosed quote", "a,b\n1,\"2\n3,4\n", csv::Encoding::detect,
       "in.csv:2:2: error: b \"\": a quoted field starts here but its closing quote is missing\n"},
      {"text after the closing quote", "a,b\n1,\"2\"x\n", csv::Encoding::detect,
       "in.csv:2:2: error: b \"\": text follows the closing quote; a quote inside a quoted field is written twice (\"\")\n"},
      {"bare quote", "a,b\n1,2\"3\n", csv::Encoding::detect,
       "in.csv:2:2: error: b \"\": a field holding a quote must be quoted as a whole, with the quote doubled (\"\")\n"},
      {"width", "a,b\n1,2,3\n4\n", csv::Encoding::detect,
       "in.csv:2: error: the record has 3 fields but the header has 2\nin.csv:3: error: the record has 1 field but the header has 2\n"},
      {"invalid UTF-8, told", "a,b\n1,\xE7\x94\n", csv::Encoding::utf8,
       "in.csv:2:2: error: b \"0xE7 0x94\": these bytes are not valid UTF-8; if the file is Shift_JIS, read it as CP932\n"},
      {"invalid CP932, told", "a,b\n1,\x85\x40\n", csv::Encoding::cp932,
       "in.csv:2:2: error: b \"0x85 0x40\": these bytes are not valid CP932 (Windows Shift_JIS) text\n"},
      {"neither UTF-8 nor CP932", "a,b\n1,\xFF\n", csv::Encoding::detect,
       "in.csv:2:2: error: b \"0xFF\": these bytes are not UTF-8 or CP932 text\n"},
      {"UTF-16", std::string("\xFF\xFE" "a\0", 4), csv::Encoding::detect,
       "in.csv: error: the file is UTF-16; save it as UTF-8 (or CP932)\n"},
      {"BOM read as CP932", "\xEF\xBB\xBF" "a,b\n", csv::Encoding::cp932,
       "in.csv:1: error: the file starts with a UTF-8 byte order mark but was read as CP932; read it as UTF-8\n"},
      {"empty", "", csv::Encoding::detect, "in.csv: error: the file is empty; it needs a header row naming the columns\n"},
      {"empty but for blank lines", "\r\n\n", csv::Encoding::detect,
       "in.csv: error: the file is empty; it needs a header row naming the columns\n"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    CHECK(messages(read(row.bytes, row.enc).problems) == row.messages);
  }
}

TEST_CASE("a file that is neither UTF-8 nor CP932 is never decoded into mojibake") {
  // Valid CP932 fields next to a byte that is neither: the chosen decoding reports the bad byte
  // as hex and no field is quoted as text.
  auto r = read("a,b\n" + kYamadaCp932 + ",\xFF\n", csv::Encoding::detect);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].value == "0xFF");
  CHECK(r.problems[0].reason == "these bytes are not UTF-8 or CP932 text");
}

TEST_CASE("only the columns read are decoded, and only they weigh in the detection") {
  // A broken byte in a column nobody reads is neither reported nor decoded.
  auto r = read("id,memo\n1,\xFF\n", csv::Encoding::detect, {"id"});
  CHECK(messages(r.problems) == "");
  CHECK(r.encoding == csv::Encoding::utf8);
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0] == std::vector<std::string>{"1", ""});
}

TEST_CASE("limits: fields per record and bytes per field") {
  std::string wide = "a";
  for (int i = 0; i < 1500; ++i) wide += ",x";
  CHECK(messages(read(wide + "\n").problems) == "in.csv:1: error: the record has 1501 fields, more than the limit of 1000\n");
  auto r = read("a\n" + std::string(70 * 1024, 'x') + "\n");
  CHECK(messages(r.problems) == "in.csv:2:1: error: a \"\": the field is longer than the limit of 64 KiB\n");
}

TEST_CASE("records stream: a file of many rows is read one record at a time") {
  std::string bytes = "n\n";
  for (int i = 0; i < 20000; ++i) bytes += std::to_string(i) + "\n";
  Diagnostics problems;
  csv::Reader reader(bytes, "in.csv", problems);
  long sum = 0;
  int count = 0;
  for (csv::Record rec; reader.next(rec); ++count) sum += std::stol(rec.fields[0]);
  CHECK(problems.empty());
  CHECK(count == 20000);
  CHECK(sum == 20000L * 19999 / 2);
}

// ---- the writer ----

namespace {

// The bytes of one record as the writer writes it (the header and its line end cut off).
std::string written(const std::string& value, csv::Cell cell, csv::Format f = {}) {
  csv::Writer w("out.csv", f, {{"v", cell}});
  Diagnostics problems;
  REQUIRE(w.row({value}, problems));
  const std::string& b = w.bytes();
  const std::size_t body = b.find("\r\n") + 2;
  REQUIRE(b.size() >= body + 2);
  REQUIRE(b.substr(b.size() - 2) == "\r\n");
  return b.substr(body, b.size() - body - 2);
}

const std::string k44 = "91912345010002025090001202509025093000048005";  // output_spec/insertion.md's example

std::string codes(int n) {  // n 44-digit codes joined by ';' (45 characters each with its ';')
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? ";" : "") + k44;
  return s;
}

}  // namespace

TEST_CASE("the writer: values -> the bytes of the cell") {
  using csv::Cell;
  const csv::Format excel{};  // UTF-8 with BOM, excel_text (the defaults)
  const csv::Format plain{csv::Charset::utf8_bom, false};
  const csv::Format cp932{csv::Charset::cp932, true};
  struct Row {
    const char* what;
    std::string value;
    Cell cell;
    csv::Format format;
    std::string bytes;
  };
  const std::string long_code(300, '7');
  const Row rows[] = {
      // ="…" is a field holding quotes, so RFC 4180 quotes it whole and doubles them.
      {"postal code with a leading zero", "0600001", Cell::code, excel, R"("=""0600001""")"},
      {"a YYYY-MM month", "2025-09", Cell::code, excel, R"("=""2025-09""")"},
      {"a 44-digit GS1 code", k44, Cell::code, excel, "\"=\"\"" + k44 + "\"\"\""},
      {"a part k/n", "1/2", Cell::code, excel, R"("=""1/2""")"},
      {"an empty code stays empty", "", Cell::code, excel, ""},
      {"a code with a quote", "a\"b", Cell::code, excel, R"("=""a""""b""")"},
      {"a code over Excel's 255-character literal: two literals joined by &", long_code, Cell::code, excel,
       "\"=\"\"" + std::string(255, '7') + "\"\"&\"\"" + std::string(45, '7') + "\"\"\""},
      {"a list of codes over 255 characters: cut after a ';', never inside a code", codes(9), Cell::code, excel,
       "\"=\"\"" + codes(5) + ";\"\"&\"\"" + codes(4) + "\"\"\""},
      {"excel_text off: a code as it is", "0600001", Cell::code, plain, "0600001"},
      {"a number", "12", Cell::number, excel, "12"},
      {"a grams figure", "38.0", Cell::number, excel, "38.0"},
      {"an id", "R20250901-B001/000002", Cell::text, excel, "R20250901-B001/000002"},
      {"a comma", "a,b", Cell::text, excel, "\"a,b\""},
      {"a quote", "say \"hi\"", Cell::text, excel, R"("say ""hi""")"},
      {"a line break", "two\nlines", Cell::text, excel, "\"two\nlines\""},
      {"text opening with = is no formula", "=HYPERLINK(\"x\")", Cell::text, excel,
       R"~("=""=HYPERLINK(""""x"""")""")~"},
      {"text opening with -", "-1", Cell::text, excel, R"("=""-1""")"},
      {"text opening with = and excel_text off", "=1+1", Cell::text, plain, "=1+1"},
      {"kanji in UTF-8", "熊谷市", Cell::text, excel, "熊谷市"},
      // CP932 bytes from Python's cp932 codec: "熊谷市".encode("cp932"), "①".encode("cp932").
      {"kanji in CP932", "熊谷市", Cell::text, cp932, "\x8C\x46\x92\x4A\x8E\x73"},
      {"an NEC special character in CP932", "①", Cell::text, cp932, "\x87\x40"},
      {"a kanji code in CP932", "熊谷", Cell::code, cp932, "\"=\"\"\x8C\x46\x92\x4A\"\"\""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    CHECK(written(row.value, row.cell, row.format) == row.bytes);
  }
}

TEST_CASE("the writer: UTF-8 opens with a BOM, CP932 with none; the header and every record end in CRLF") {
  Diagnostics problems;
  csv::Writer utf8("a.csv", {}, {{"id", csv::Cell::text}, {"n", csv::Cell::number}});
  REQUIRE(utf8.row({"x", "1"}, problems));
  CHECK(utf8.bytes() == "\xEF\xBB\xBF" "id,n\r\nx,1\r\n");
  csv::Writer sjis("a.csv", {csv::Charset::cp932, true}, {{"id", csv::Cell::text}, {"n", csv::Cell::number}});
  REQUIRE(sjis.row({"x", "1"}, problems));
  CHECK(sjis.bytes() == "id,n\r\nx,1\r\n");
  CHECK(problems.empty());
}

TEST_CASE("the writer: a value CP932 cannot hold is an error at file:line:column, and its record is left out") {
  Diagnostics problems;
  csv::Writer w("insertion.csv", {csv::Charset::cp932, true}, {{"id", csv::Cell::text}, {"name", csv::Cell::text}});
  REQUIRE(w.row({"1", "two\nlines"}, problems));  // lines 2-3
  CHECK_FALSE(w.row({"2", "吉𠮷"}, problems));    // 𠮷 U+20BB7 is in JIS X 0213, not in CP932
  CHECK_FALSE(w.row({"3", "\xE7\x94"}, problems));
  CHECK(messages(problems) ==
        "insertion.csv:4:2: error: name \"U+20BB7\": has a character CP932 (Windows Shift_JIS) does not have; write "
        "the file as UTF-8 ([csv] encoding = \"utf-8-bom\" in municipality.toml)\n"
        "insertion.csv:4:2: error: name \"\": is not UTF-8 text\n");
  CHECK(w.bytes() == "id,name\r\n1,\"two\nlines\"\r\n");
  Diagnostics none;
  CHECK_FALSE(w.row({"4"}, none));  // a record must have a value per column
  REQUIRE(none.size() == 1);
}

TEST_CASE("what the writer writes, the reader reads back as the same values, in either encoding") {
  using csv::Cell;
  const std::vector<csv::Column> columns = {{"id", Cell::text}, {"postal_code", Cell::code}, {"pages", Cell::number},
                                            {"codes", Cell::code}, {"note", Cell::text}};
  const std::vector<std::vector<std::string>> rows = {
      {"R1-B001/000001", "0600001", "3", k44 + ";R1-B001/000001/1-3", "熊谷市"},
      {"R1-B001/000002", "3600012", "1", std::string(600, '9'), "a,\"b\"\nc"},
      {"=cmd", "", "0", "", "-"},
  };
  for (const csv::Format f : {csv::Format{}, csv::Format{csv::Charset::cp932, true}, csv::Format{csv::Charset::utf8_bom, false}}) {
    CAPTURE(static_cast<int>(f.charset));
    CAPTURE(f.excel_text);
    csv::Writer w("out.csv", f, columns);
    Diagnostics problems;
    for (const auto& r : rows) REQUIRE(w.row(r, problems));
    auto back = read(w.bytes());
    CHECK(messages(back.problems) == "");
    CHECK(back.encoding == (f.charset == csv::Charset::cp932 ? csv::Encoding::cp932 : csv::Encoding::utf8));
    CHECK(back.header == std::vector<std::string>{"id", "postal_code", "pages", "codes", "note"});
    CHECK(back.rows == rows);
  }
}

TEST_CASE("the reader takes a cell saved as =\"…\" as its text, quoted or not, as Excel shows it") {
  struct Row {
    const char* what;
    std::string field;
    std::string value;
  };
  const Row rows[] = {
      {"as offices type it", R"(="0600001")", "0600001"},
      {"as RFC 4180 quotes it", R"("=""0600001""")", "0600001"},
      {"literals joined by &", R"(="06"&"00001")", "0600001"},
      {"a doubled quote inside", R"("=""a""""b""")", "a\"b"},
      {"a formula that is no string stays as written", "=A1", "=A1"},
      {"an empty string", R"(="")", ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    auto r = read("postal_code,n\n" + row.field + ",1\n");
    CHECK(messages(r.problems) == "");
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0][0] == row.value);
  }
  // Anything else with a bare quote is still refused.
  CHECK(messages(read("a,b\n1,=\"06\"x\n").problems) ==
        "in.csv:2:2: error: b \"\": a field holding a quote must be quoted as a whole, with the quote doubled (\"\")\n");
}
