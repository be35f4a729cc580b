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
