#include <doctest/doctest.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "ingest/ingest.hpp"

using namespace tsuchi;
using namespace tsuchi::ingest;

namespace {

const std::string kData = std::string(TSUCHI_TEST_DIR) + "/fixtures/cases/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Re-encodes UTF-8 text as Windows CP932 with ICU, refusing any character CP932 lacks.
std::string to_cp932(const std::string& utf8) {
  UErrorCode e = U_ZERO_ERROR;
  std::unique_ptr<UConverter, void (*)(UConverter*)> cnv(ucnv_open("windows-31j", &e), ucnv_close);
  REQUIRE(U_SUCCESS(e));
  ucnv_setFromUCallBack(cnv.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &e);
  std::u16string wide(utf8.size() + 1, u'\0');
  int32_t n = 0;
  u_strFromUTF8(wide.data(), static_cast<int32_t>(wide.size()), &n, utf8.data(), static_cast<int32_t>(utf8.size()), &e);
  REQUIRE(U_SUCCESS(e));
  std::string out(utf8.size() * 2 + 16, '\0');
  const int32_t len = ucnv_fromUChars(cnv.get(), out.data(), static_cast<int32_t>(out.size()), wide.data(), n, &e);
  REQUIRE_MESSAGE(U_SUCCESS(e), "the fixture holds a character CP932 cannot encode");
  out.resize(len);
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

std::vector<std::string> strings_of(const Case& c) {
  return {c.case_id, c.child_atena_no, c.child_name, c.guardian_atena_no, c.guardian_name, c.postal_code, c.address,
          c.address_building, c.household_no, c.facility_name, c.bracket, c.reason};
}

std::string formatted(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

std::vector<std::string> strings_of(const Diagnostic& d) { return {d.file, d.column_name, d.value, d.reason, format(d)}; }

// What a person reading good.csv expects each row to mean.
struct Expected {
  int line;
  const char* case_id;
  const char* child_atena_no;
  const char* child_name;
  Date birth;
  const char* guardian_atena_no;
  const char* guardian_name;
  const char* postal_code;
  const char* address;
  const char* building;
  const char* household_no;
  int type;
  CareNeed care;
  const char* facility;
  bool facility_public;
  const char* bracket;
  int child_order;
  bool side_dish_exempt;
  bool cash;
  NoticeKind kind;
  Date decided;
  YearMonth from, to;
  const char* reason;
};

const Expected kGood[] = {
    {2, "C0001", "A1001", "髙橋\u3000陽菜", {2022, 5, 10}, "G001", "髙橋\u3000健一", "3600012",
     "熊谷市宮町\uFF11丁目\uFF12\uFF0D\uFF13", "コーポ宮町\uFF5E101", "H001", 3, CareNeed::standard,
     "熊谷市立みやまち保育園", true, "D4", 1, false, true, NoticeKind::decision, {2025, 4, 1}, {2025, 4}, {2026, 3}, ""},
    {3, "C0002", "A1002", "髙橋\u3000蒼", {2020, 11, 30}, "G001", "髙橋\u3000健一", "3600012",
     "熊谷市宮町\uFF11丁目\uFF12\uFF0D\uFF13", "コーポ宮町\uFF5E101", "H001", 2, CareNeed::short_time,
     "熊谷市立みやまち保育園", true, "D4", 2, false, true, NoticeKind::decision, {2025, 4, 1}, {2025, 4}, {2026, 3}, ""},
    {4, "C0003", "A1003", "\uFA19田\u3000湊", {2023, 1, 15}, "G002", "神田\u3000美咲", "3600031", "熊谷市末広三丁目4番5号",
     "", "H002", 1, CareNeed::none, "さくら幼稚園, 本園", false, "D1", 1, true, false, NoticeKind::change, {2025, 8, 20},
     {2025, 9}, {2026, 3}, "保育時間の変更, \"短時間\"へ\n(申請による)"},
    {6, "C0004", "A1004", "渡邉\u3000結衣", {2021, 7, 7}, "G003", "渡邉\u3000大輔", "3600841", "熊谷市新堀1000", "", "H003",
     3, CareNeed::standard, "ひまわり保育園", false, "D9", 1, false, true, NoticeKind::decision, {2025, 4, 1}, {2025, 4},
     {2025, 9}, ""},
};

void check_good(const Checked<CasesFile>& r) {
  INFO(formatted(r.problems));
  REQUIRE(r.problems.empty());
  REQUIRE(r.value.cases.size() == std::size(kGood));
  for (std::size_t i = 0; i < std::size(kGood); ++i) {
    const Expected& e = kGood[i];
    const Case& c = r.value.cases[i];
    CAPTURE(e.case_id);
    CHECK(c.line == e.line);
    CHECK(c.case_id == e.case_id);
    CHECK(c.child_atena_no == e.child_atena_no);
    CHECK(c.child_name == e.child_name);
    CHECK(c.child_birth_date == e.birth);
    CHECK(c.guardian_atena_no == e.guardian_atena_no);
    CHECK(c.guardian_name == e.guardian_name);
    CHECK(c.postal_code == e.postal_code);
    CHECK(c.address == e.address);
    CHECK(c.address_building == e.building);
    CHECK(c.household_no == e.household_no);
    CHECK(c.certification_type == e.type);
    CHECK(c.care_need == e.care);
    CHECK(c.facility_name == e.facility);
    CHECK(c.facility_public == e.facility_public);
    CHECK(c.bracket == e.bracket);
    CHECK(c.child_order == e.child_order);
    CHECK(c.side_dish_exempt == e.side_dish_exempt);
    CHECK(c.cash_payment == e.cash);
    CHECK(c.notice_kind == e.kind);
    CHECK(c.decision_date == e.decided);
    CHECK(c.period_start == e.from);
    CHECK(c.period_end == e.to);
    CHECK(c.reason == e.reason);
  }
}

}  // namespace

TEST_CASE("the same cases read identically from UTF-8, UTF-8 with BOM, CRLF and CP932") {
  const std::string utf8 = slurp(kData + "good.csv");
  REQUIRE(!utf8.empty());
  const std::string cp932 = to_cp932(utf8);
  REQUIRE(cp932 != utf8);
  struct Variant { const char* name; std::string bytes; Encoding enc; };
  const Variant variants[] = {
      {"UTF-8, detected", utf8, Encoding::detect},
      {"UTF-8, told", utf8, Encoding::utf8},
      {"UTF-8 with BOM", "\xEF\xBB\xBF" + utf8, Encoding::detect},
      {"UTF-8 with BOM, told", "\xEF\xBB\xBF" + utf8, Encoding::utf8},
      {"UTF-8, CRLF", replace_all(utf8, "\n", "\r\n"), Encoding::detect},
      {"CP932, detected", cp932, Encoding::detect},
      {"CP932, told", cp932, Encoding::cp932},
      {"CP932, CRLF", replace_all(cp932, "\n", "\r\n"), Encoding::detect},
  };
  for (const auto& v : variants) {
    CAPTURE(std::string(v.name));
    auto r = parse_cases(v.bytes, "cases.csv", v.enc);
    if (std::string(v.name) == "UTF-8, CRLF" || std::string(v.name) == "CP932, CRLF") {
      // The embedded line break of the quoted reason keeps its CRLF; everything else is identical.
      REQUIRE(r.value.cases.size() == 4);
      CHECK(r.value.cases[2].reason == "保育時間の変更, \"短時間\"へ\r\n(申請による)");
      r.value.cases[2].reason = kGood[2].reason;
    }
    check_good(r);
  }
  // load_cases reads the file from disk the same way.
  check_good(load_cases(kData + "good.csv"));
}

TEST_CASE("CP932 bytes decode as Windows writes them") {
  // Expected code points from Microsoft's cp932 table (not from ICU), so a JIS-flavoured table fails here.
  struct Row { const char* bytes; const char* utf8; const char* what; };
  const Row rows[] = {
      {"\x81\x60", "\uFF5E", "0x8160 wave dash is FULLWIDTH TILDE, not U+301C"},
      {"\x81\x7C", "\uFF0D", "0x817C minus is FULLWIDTH HYPHEN-MINUS, not U+2212"},
      {"\x5C", "\\", "0x5C is the backslash code point (printed as a yen sign by Japanese fonts)"},
      {"\xFB\xFC", "\u9AD9", "髙 from the IBM extension"},
      {"\xFB\x7E", "\uFA19", "神 U+FA19 stays a compatibility ideograph"},
      {"\xED\x95", "\uFA11", "NEC-selected IBM extension"},
      {"\x87\x40", "\u2460", "NEC special characters (circled 1)"},
      {"\x8C\x46\x92\x4A", "熊谷", "ordinary JIS X 0208 kanji"},
  };
  const std::string header = "case_id,child_atena_no,child_name\r\n";
  for (const auto& row : rows) {
    CAPTURE(std::string(row.what));
    auto r = parse_cases(header + "C1,A1," + row.bytes + "\r\n", "cases.csv", Encoding::cp932);
    REQUIRE(r.value.cases.size() == 1);
    CHECK(r.value.cases[0].child_name == std::string(row.utf8));
  }
}

TEST_CASE("rare kanji keep their exact code points") {
  auto r = load_cases(kData + "rare_kanji.csv");
  INFO(formatted(r.problems));
  REQUIRE(r.ok());
  REQUIRE(r.value.cases.size() == 3);
  struct Row { const char* child; const char* guardian; };
  const Row rows[] = {
      {"\U00020BB7野\u3000太郎", "\U00020BB7野\u3000一郎"},                   // non-BMP 𠮷
      {"辻\U000E0100本\u3000花子", "辻\U000E0100本\u3000誠"},                 // IVS selector kept
      {"\uFA19崎\u3000凛", "\u9AD9木\u3000\uFA11子"},                         // compatibility ideographs, not NFC'd
  };
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    CAPTURE(i);
    CHECK(r.value.cases[i].child_name == rows[i].child);
    CHECK(r.value.cases[i].guardian_name == rows[i].guardian);
  }
  // Byte-exact: 𠮷 is four bytes, the selector U+E0100 four more.
  CHECK(r.value.cases[0].child_name.substr(0, 4) == "\xF0\xA0\xAE\xB7");
  CHECK(r.value.cases[1].child_name.substr(3, 4) == "\xF3\xA0\x84\x80");
  CHECK(r.value.cases[2].child_name.substr(0, 3) == "\xEF\xA8\x99");
}

// ---------------------------------------------------------------------------------------------
// One bad field per row: each kind of problem with its exact message.

namespace {

const std::vector<std::string> kHeader = {
    "case_id", "child_atena_no", "child_name", "child_birth_date", "guardian_atena_no", "guardian_name",
    "postal_code", "address", "address_building", "household_no", "my_number", "certification_type", "care_need",
    "facility_name", "facility_public", "bracket", "child_order", "side_dish_exempt", "cash_payment", "notice_kind",
    "decision_date", "period_start", "period_end", "reason", "previous_bracket", "previous_certification_type",
    "previous_care_need", "previous_child_order", "transfer_bank", "transfer_account", "el_number", "el_qr"};

std::map<std::string, std::string> base_row() {
  return {{"case_id", "C1"},         {"child_atena_no", "A1"},          {"child_name", "山田　花"},
          {"child_birth_date", "2022-01-31"}, {"guardian_atena_no", "G1"}, {"guardian_name", "山田　太郎"},
          {"postal_code", "360-0012"}, {"address", "熊谷市宮町1-1"},  {"address_building", ""},
          {"household_no", "H1"},      {"my_number", "123456789018"}, {"certification_type", "3"},
          {"care_need", "standard"},   {"facility_name", "ひまわり保育園"}, {"facility_public", "0"},
          {"bracket", "D4"},           {"child_order", "1"},          {"side_dish_exempt", "0"},
          {"cash_payment", "1"},       {"notice_kind", "decision"},   {"decision_date", "2025-04-01"},
          {"period_start", "2025-04"}, {"period_end", "2025-09"},     {"reason", ""}};
}

std::string join_row(const std::vector<std::string>& header, std::map<std::string, std::string> values) {
  std::string line;
  for (std::size_t i = 0; i < header.size(); ++i) line += (i ? "," : "") + values[header[i]];
  return line;
}
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

int column_of(const std::string& name) {
  for (std::size_t i = 0; i < kHeader.size(); ++i)
    if (kHeader[i] == name) return static_cast<int>(i) + 1;
  return 0;
}

}  // namespace

TEST_CASE("each kind of bad field gets one precise message") {
  struct Row {
    const char* column;
    const char* text;  // raw CSV text of the field
    const char* value;
    const char* reason;
  };
  const Row rows[] = {
      {"case_id", "", "", "is required"},
      {"child_name", "", "", "is required"},
      {"child_name", "\"山田\t花\"", "U+0009", "contains a control character (a tab or line break), which cannot be printed"},
      {"guardian_name", " ", "", "is required"},
      {"guardian_atena_no", "", "", "is required"},
      {"address", "", "", "is required"},
      {"address", "熊谷市宮町1-1 123456789018", "1234********", "holds a My Number; a My Number must never be printed or stored"},
      {"facility_name", "", "", "is required"},
      {"bracket", "", "", "is required"},
      {"child_atena_no", "", "", "is required"},
      {"household_no", "", "", "is required"},
      {"postal_code", "360-001", "360-001", "must be 7 digits, like 360-0012"},
      {"postal_code", "3600-012", "3600-012", "must be 7 digits, like 360-0012"},
      {"postal_code", "〒360-0012", "〒360-0012", "must be 7 digits, like 360-0012"},
      {"postal_code", "", "", "is required: 7 digits, like 360-0012"},
      {"postal_code", "３６０-００１２", "３６０-００１２",
       "must be written with ASCII digits 0-9, not full-width digits: 7 digits, like 360-0012"},
      {"child_birth_date", "2023-02-29", "2023-02-29", "is not a date in the calendar"},
      {"child_birth_date", "2022/01/31", "2022/01/31", "must be a date written YYYY-MM-DD, like 2025-04-01"},
      {"decision_date", "2025-04-31", "2025-04-31", "is not a date in the calendar"},
      {"decision_date", "", "", "is required: a date written YYYY-MM-DD, like 2025-04-01"},
      {"period_start", "2025-13", "2025-13", "is not a month: the month must be 01 to 12"},
      {"period_start", "2025-4", "2025-4", "must be a month written YYYY-MM, like 2025-04"},
      {"period_end", "2025-03", "2025-03", "is before period_start 2025-04"},
      {"certification_type", "4", "4", "must be 1, 2 or 3"},
      {"certification_type", "３", "３", "must be 1, 2 or 3 (write the digits as ASCII 0-9, not full-width)"},
      {"care_need", "long", "long", "must be standard or short"},
      {"care_need", "", "", "is required for certification_type 2 and 3: standard or short"},
      {"facility_public", "yes", "yes", "must be 0 or 1"},
      {"side_dish_exempt", "", "", "must be 0 or 1"},
      {"cash_payment", "2", "2", "must be 0 or 1"},
      {"child_order", "0", "0", "must be a whole number, 1 or more"},
      {"child_order", "1.5", "1.5", "must be a whole number, 1 or more"},
      {"child_order", "99999999999", "99999999999", "must be a whole number, 1 or more"},
      {"notice_kind", "new", "new", "must be decision or change"},
      {"child_name", "\"山田\"花\"", "", "text follows the closing quote; a quote inside a quoted field is written twice (\"\")"},
      {"address", "熊谷\"市", "", "a field holding a quote must be quoted as a whole, with the quote doubled (\"\")"},
  };
  const std::string header = join(kHeader);
  for (const auto& row : rows) {
    CAPTURE(std::string(row.column));
    CAPTURE(std::string(row.text));
    auto values = base_row();
    values[row.column] = row.text;
    auto r = parse_cases(header + "\n" + join_row(kHeader, values) + "\n", "cases.csv");
    REQUIRE(r.problems.size() == 1);
    const Diagnostic& d = r.problems[0];
    CHECK(d.severity == Diagnostic::Severity::error);
    CHECK(d.file == "cases.csv");
    CHECK(d.line == 2);
    CHECK(d.column == column_of(row.column));
    CHECK(d.column_name == std::string(row.column));
    CHECK(d.value == std::string(row.value));
    CHECK(d.reason == std::string(row.reason));
  }
}

TEST_CASE("the optional columns: 変更前, 口座振替 and eL values, read like their counterparts") {
  struct Row {
    const char* column;
    const char* text;
    const char* value;
    const char* reason;
  };
  const Row rows[] = {
      {"previous_certification_type", "4", "4", "must be 1, 2 or 3, or empty when it did not change"},
      {"previous_certification_type", "２", "２",
       "must be 1, 2 or 3, or empty when it did not change (write the digits as ASCII 0-9, not full-width)"},
      {"previous_care_need", "long", "long", "must be standard or short, or empty when it did not change"},
      {"previous_child_order", "0", "0", "must be a whole number, 1 or more, or empty when it did not change"},
      {"previous_bracket", "\"D\x01\"", "U+0001", "contains a control character"},
      {"transfer_account", "12-34567", "", "must be the account number in ASCII digits 0-9 (at most 20)"},
      {"transfer_account", "１２３４５６７", "",
       "must be the account number in ASCII digits 0-9 (at most 20) (write the digits as ASCII 0-9, not full-width)"},
      {"transfer_bank", "\"熊谷\t信金\"", "U+0009",
       "contains a control character (a tab or line break), which cannot be printed"},
      {"el_number", "1;;3", "", "has an empty value between ';': give one value, or one per slip separated by ';'"},
      {"el_qr", "a;", "", "has an empty value between ';': give one value, or one per slip separated by ';'"},
  };
  const std::string header = join(kHeader);
  for (const auto& row : rows) {
    CAPTURE(std::string(row.column));
    CAPTURE(std::string(row.text));
    auto values = base_row();
    values["notice_kind"] = "change";
    values["cash_payment"] = "0";
    values[row.column] = row.text;
    auto r = parse_cases(header + "\n" + join_row(kHeader, values) + "\n", "cases.csv");
    INFO(formatted(r.problems));
    REQUIRE(r.problems.size() == 1);
    const Diagnostic& d = r.problems[0];
    CHECK(d.line == 2);
    CHECK(d.column == column_of(row.column));
    CHECK(d.column_name == std::string(row.column));
    CHECK(d.value == std::string(row.value));
    CHECK(d.reason == std::string(row.reason));
  }
}

TEST_CASE("a change row with every optional column reads into the Case; misplaced ones are errors") {
  const std::string header = join(kHeader);
  auto values = base_row();
  values["notice_kind"] = "change";
  values["cash_payment"] = "0";
  values["previous_bracket"] = "D1";
  values["previous_certification_type"] = "2";
  values["previous_care_need"] = "short";
  values["previous_child_order"] = "2";
  values["transfer_bank"] = "くまがや信用金庫　本店営業部　普通";
  values["transfer_account"] = "0012345";
  values["el_number"] = "11112222333344445555";
  values["el_qr"] = "Q1;Q2";
  auto r = parse_cases(header + "\n" + join_row(kHeader, values) + "\n", "cases.csv");
  INFO(formatted(r.problems));
  REQUIRE(r.ok());
  const Case& c = r.value.cases.at(0);
  CHECK(c.previous_bracket == "D1");
  CHECK(c.previous_certification_type == 2);
  CHECK(c.previous_care_need == CareNeed::short_time);
  CHECK(c.previous_child_order == 2);
  CHECK(c.transfer_bank == "くまがや信用金庫　本店営業部　普通");
  CHECK(c.transfer_account == "0012345");
  CHECK(c.el_number == "11112222333344445555");
  CHECK(c.el_qr == "Q1;Q2");
  CHECK(unpack(pack(c)) == c);

  // 変更前 on a decision, an account on a cash payer: each one message, no account number in it.
  values["notice_kind"] = "decision";
  values["cash_payment"] = "1";
  r = parse_cases(header + "\n" + join_row(kHeader, values) + "\n", "cases.csv");
  CHECK(formatted(r.problems) ==
        "cases.csv:2:25: error: previous_bracket \"D1\": only a change notice (notice_kind change) shows 変更前; leave "
        "it empty for a decision\n"
        "cases.csv:2:30: error: transfer_account \"\": is given but cash_payment is 1: a cash payer has no account "
        "transfer\n");
  // A previous type 2/3 needs a care need when the current row has none.
  values = base_row();
  values["notice_kind"] = "change";
  values["certification_type"] = "1";
  values["care_need"] = "";
  values["previous_certification_type"] = "3";
  r = parse_cases(header + "\n" + join_row(kHeader, values) + "\n", "cases.csv");
  CHECK(formatted(r.problems) ==
        "cases.csv:2:27: error: previous_care_need \"\": is required when previous_certification_type is 2 or 3 and "
        "care_need is empty: standard or short\n");
}

TEST_CASE("the base row of the table above is itself valid, and type 1 needs no care_need") {
  auto values = base_row();
  auto r = parse_cases(join(kHeader) + "\n" + join_row(kHeader, values) + "\n", "cases.csv");
  CHECK(r.problems.empty());
  values["certification_type"] = "1";
  values["care_need"] = "";
  r = parse_cases(join(kHeader) + "\n" + join_row(kHeader, values) + "\n", "cases.csv");
  CHECK(r.problems.empty());
  REQUIRE(r.value.cases.size() == 1);
  CHECK(r.value.cases[0].care_need == CareNeed::none);
}

TEST_CASE("problems of the file's shape and encoding name line, column and bytes") {
  const std::string header = join(kHeader);
  const std::string good = join_row(kHeader, base_row());
  auto with = [&](const char* column, std::string text) {
    auto v = base_row();
    v[column] = std::move(text);
    return join_row(kHeader, v);
  };
  std::vector<std::string> no_postal = kHeader;
  no_postal.erase(no_postal.begin() + 6);
  std::vector<std::string> upper = kHeader;
  upper[0] = "Case_ID";

  struct Row {
    const char* what;
    std::string bytes;
    Encoding enc;
    int line, column;
    std::string column_name, value, reason;
  };
  const Row rows[] = {
      {"missing column", join(no_postal) + "\n" + join_row(no_postal, base_row()) + "\n", Encoding::detect, 1, 0,
       "postal_code", "", "required column is missing from the header"},
      {"wrong case in header", join(upper) + "\n" + good + "\n", Encoding::detect, 1, 0, "case_id", "",
       "required column is missing from the header (the header has \"Case_ID\"; column names are lower case)"},
      {"too few fields", header + "\n" + good + "\nC2,A2\n", Encoding::detect, 3, 0, "", "",
       "the record has 2 fields but the header has 32"},
      {"too many fields", header + "\n" + good + ",extra\n", Encoding::detect, 2, 0, "", "",
       "the record has 33 fields but the header has 32"},
      {"unclosed quote", header + "\n" + good + "\n" + with("child_name", "\"山田\n花") + "\n", Encoding::detect, 3, 3,
       "child_name", "", "a quoted field starts here but its closing quote is missing"},
      {"invalid UTF-8", header + "\n" + with("child_name", "山\xE7\x94田") + "\n", Encoding::utf8, 2, 3, "child_name",
       "0xE7 0x94", "these bytes are not valid UTF-8; if the file is Shift_JIS, read it as CP932"},
      {"invalid UTF-8, detected", header + "\n" + with("address", "熊谷市\xFF") + "\n", Encoding::detect, 2, 8,
       "address", "0xFF", "these bytes are not UTF-8 or CP932 text"},
      {"invalid CP932", replace_all(to_cp932(header + "\n" + with("guardian_name", "\x01") + "\n"), "\x01", "\x8E\x52\x85\x40"), Encoding::cp932, 2, 6,
       "guardian_name", "0x85 0x40", "these bytes are not valid CP932 (Windows Shift_JIS) text"},
      {"CP932 with a bad code, detected",
       replace_all(to_cp932(header + "\n" + with("guardian_name", "\x01") + "\n"), "\x01", "\x8E\x52\x85\x40"),
       Encoding::detect, 2, 6, "guardian_name", "0x85 0x40",
       "these bytes are not UTF-8 or CP932 text"},
      {"truncated CP932", replace_all(to_cp932(header + "\n" + with("facility_name", "\x01") + "\n"), "\x01", "\x8E\x52\x82"), Encoding::cp932, 2, 14,
       "facility_name", "0x82", "these bytes are not valid CP932 (Windows Shift_JIS) text"},
      {"UTF-8 BOM read as CP932", "\xEF\xBB\xBF" + header + "\n" + good + "\n", Encoding::cp932, 1, 0, "", "",
       "the file starts with a UTF-8 byte order mark but was read as CP932; read it as UTF-8"},
      {"UTF-16", "\xFF\xFE" "c\0a\0", Encoding::detect, 0, 0, "", "", "the file is UTF-16; save it as UTF-8 (or CP932)"},
      {"empty file", "", Encoding::detect, 0, 0, "", "", "the file is empty; it needs a header row naming the columns"},
      {"duplicate header", header + ",bracket\n" + good + ",D4\n", Encoding::detect, 1, 33, "bracket", "",
       "the column appears twice in the header (also column 16)"},
  };
  for (const auto& row : rows) {
    CAPTURE(std::string(row.what));
    auto r = parse_cases(row.bytes, "in.csv", row.enc);
    INFO(formatted(r.problems));
    REQUIRE(r.problems.size() == 1);
    const Diagnostic& d = r.problems[0];
    CHECK(d.severity == Diagnostic::Severity::error);
    CHECK(d.line == row.line);
    CHECK(d.column == row.column);
    CHECK(d.column_name == std::string(row.column_name));
    CHECK(d.value == std::string(row.value));
    CHECK(d.reason == std::string(row.reason));
  }
}

TEST_CASE("record lines count physical lines, across quoted line breaks and blank lines") {
  const std::string header = join(kHeader);
  auto v = base_row();
  v["reason"] = "\"一行目\r\n二行目\n三行目\"";
  const std::string multi = join_row(kHeader, v);
  v = base_row();
  v["case_id"] = "C2";
  v["child_atena_no"] = "A2";
  v["decision_date"] = "2025-02-30";
  auto r = parse_cases(header + "\r\n" + multi + "\r\n\r\n" + join_row(kHeader, v) + "\r\n", "cases.csv");
  REQUIRE(r.value.cases.size() == 2);
  CHECK(r.value.cases[0].line == 2);
  CHECK(r.value.cases[0].reason == "一行目\r\n二行目\n三行目");
  CHECK(r.value.cases[1].line == 6);  // 2..4 the first record, 5 blank
  REQUIRE(r.problems.size() == 1);
  CHECK(format(r.problems[0]) == "cases.csv:6:21: error: decision_date \"2025-02-30\": is not a date in the calendar");
}

TEST_CASE("a file with many problems reports every one of them") {
  auto r = load_cases(kData + "many_errors.csv");
  struct Want { int line; const char* column; };
  const Want want[] = {
      {2, "postal_code"}, {2, "period_end"},                         // two problems on one row
      {3, "case_id"},                                                 // duplicate of line 2
      {4, "certification_type"}, {4, "care_need"},
      {5, "child_birth_date"}, {5, "cash_payment"}, {5, "notice_kind"},
      {6, ""},                                                        // wrong number of fields
      {7, "child_name"},                                              // required
  };
  std::vector<std::string> got;
  for (const auto& d : r.problems) got.push_back(std::to_string(d.line) + " " + d.column_name);
  CAPTURE(got.size());
  for (const auto& g : got) CAPTURE(g);
  CHECK(r.problems.size() == std::size(want));
  for (const auto& w : want) {
    CAPTURE(w.line);
    CAPTURE(std::string(w.column));
    CHECK(std::count(got.begin(), got.end(), std::to_string(w.line) + " " + w.column) == 1);
  }
  const auto dup = std::find_if(r.problems.begin(), r.problems.end(), [](const Diagnostic& d) { return d.line == 3; });
  REQUIRE(dup != r.problems.end());
  CHECK(dup->reason == "duplicates the case_id on line 2");
  // Rows with a bad field are still returned (for later checks); the broken record is not.
  CHECK(r.value.cases.size() == 5);
}

TEST_CASE("my_number is never stored nor echoed, valid or not") {
  const std::string header = join(kHeader);
  std::string bytes = header + "\n";
  const char* numbers[] = {"123456789018", "987654321093", "12345678901X", "\xE7\x94\xE7\x94", "\"1234\"5678\""};
  int i = 0;
  for (const char* n : numbers) {
    auto v = base_row();
    v["case_id"] = "C" + std::to_string(++i);
    v["child_atena_no"] = "A" + std::to_string(i);
    v["my_number"] = n;
    if (i == 2) v["postal_code"] = "bad";  // a row with another error must not echo it either
    bytes += join_row(kHeader, v) + "\n";
  }
  for (Encoding enc : {Encoding::detect, Encoding::utf8}) {
    auto r = parse_cases(bytes, "cases.csv", enc);
    std::vector<std::string> all;
    for (const auto& c : r.value.cases)
      for (auto& s : strings_of(c)) all.push_back(s);
    for (const auto& d : r.problems)
      for (auto& s : strings_of(d)) all.push_back(s);
    CHECK(r.value.cases.size() == 4);  // the row whose my_number breaks the CSV structure is refused
    REQUIRE(!all.empty());
    for (const auto& s : all) {
      CAPTURE(s);
      for (const char* frag : {"123456789018", "987654321093", "12345678901X", "0xE7 0x94", "5678"})
        CHECK(s.find(frag) == std::string::npos);
    }
  }
  // The good fixture's numbers are gone too.
  auto r = load_cases(kData + "good.csv");
  for (const auto& c : r.value.cases)
    for (const auto& s : strings_of(c))
      for (const char* n : {"123456789018", "987654321093", "314159265352"}) CHECK(s.find(n) == std::string::npos);
}

TEST_CASE("personal fields never appear in full in a message") {
  auto v = base_row();
  v["child_name"] = "\"山田\x01花子\"";
  v["guardian_name"] = "山田　太郎123456789018";
  v["address"] = "熊谷市宮町\x7F";
  v["address_building"] = "\"コーポ\n101\"";
  auto r = parse_cases(join(kHeader) + "\n" + join_row(kHeader, v) + "\n", "cases.csv");
  REQUIRE(r.problems.size() == 4);
  for (const auto& d : r.problems)
    for (const char* frag : {"山田", "花子", "太郎", "熊谷", "コーポ"}) CHECK(format(d).find(frag) == std::string::npos);
  CHECK(r.problems[0].value == "U+0001");
  CHECK(r.problems[3].value == "U+000A");
}

TEST_CASE("absurd input is refused with a message, not a crash") {
  const std::string header = join(kHeader);
  SUBCASE("a field over 64 KiB") {
    auto v = base_row();
    v["address"] = std::string(70 * 1024, 'x');
    auto r = parse_cases(header + "\n" + join_row(kHeader, v) + "\n", "cases.csv");
    REQUIRE(r.problems.size() == 1);
    CHECK(format(r.problems[0]) == "cases.csv:2:8: error: address \"\": the field is longer than the limit of 64 KiB");
  }
  SUBCASE("a line with more than 1000 fields") {
    auto r = parse_cases(header + "\n" + std::string(5000, ',') + "\n", "cases.csv");
    REQUIRE(r.problems.size() == 1);
    CHECK(format(r.problems[0]) == "cases.csv:2: error: the record has 5001 fields, more than the limit of 1000");
  }
  SUBCASE("a file over 1 GiB") {
    // A sparse file: the size is refused before a byte is read.
    const auto path = std::filesystem::temp_directory_path() / ("tsuchi-ingest-huge-" + std::to_string(::getpid()) + ".csv");
    { std::ofstream(path) << header; }
    std::filesystem::resize_file(path, (std::uintmax_t{1} << 30) + 1);
    auto r = load_cases(path.string());
    std::filesystem::remove(path);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 0);
    CHECK(r.problems[0].reason == "the file is larger than the limit of 1 GiB; split the extract into smaller files");
  }
  SUBCASE("a missing file") {
    auto r = load_cases(kData + "no-such-file.csv");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].reason.rfind("cannot read the file", 0) == 0);
  }
}

TEST_CASE("header-only files warn, unknown columns are ignored, column_of finds columns") {
  auto r = parse_cases(join(kHeader) + ",extra\n", "cases.csv");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].severity == Diagnostic::Severity::warning);
  CHECK(r.ok());
  CHECK(r.value.column_of("bracket") == 16);
  CHECK(r.value.column_of("extra") == 33);
  CHECK(r.value.column_of("nope") == 0);
}

// ---------------------------------------------------------------------------------------------
// My Numbers at ingest (issue 10). Valid numbers from outside this code (tests/core/mynumber_test.cpp
// names their sources): 621498320257, 614106526000, 123456789018. Near misses change one digit.

TEST_CASE("a My Number in any column is refused, its value masked; near misses are accepted") {
  struct Row {
    const char* what;
    std::map<std::string, std::string> change;  // column -> value, over base_row()
    const char* column;                          // nullptr: accepted
    const char* value;                           // as quoted in the message
  };
  const Row rows[] = {
      {"valid My Number as case_id", {{"case_id", "621498320257"}}, "case_id", "6214********"},
      {"grouped, in the address", {{"address", "熊谷市宮町1-1 6214 9832 0257"}}, "address", "6214********"},
      {"in the reason", {{"reason", "申請 614106526000 による"}}, "reason", "6141********"},
      {"full-width, in the building", {{"address_building", "６１４１０６５２６０００号室"}}, "address_building", "6141********"},
      {"as child_atena_no", {{"child_atena_no", "614106526000"}}, "child_atena_no", "6141********"},
      {"in the facility name", {{"facility_name", "ひまわり621498320257"}}, "facility_name", "ひまわり6214********"},
      {"the row's own my_number swapped into household_no", {{"my_number", "621498320257"}, {"household_no", "621498320257"}},
       "household_no", "6214********"},
      // An input my_number that fails the check digit is still caught by the exact match, and not quoted.
      {"an input number failing the check digit, swapped into household_no",
       {{"my_number", "123456789010"}, {"household_no", "123456789010"}}, "household_no", ""},
      {"near miss as case_id", {{"case_id", "621498320258"}}, nullptr, ""},
      {"near miss in the address", {{"address", "熊谷市宮町1-1 614106526001"}}, nullptr, ""},
      {"near miss in the reason", {{"reason", "123456789010"}}, nullptr, ""},
      {"near miss as household_no", {{"household_no", "123456789118"}}, nullptr, ""},
      {"13 digits", {{"household_no", "1621498320257"}}, nullptr, ""},
  };
  for (const auto& row : rows) {
    CAPTURE(std::string(row.what));
    auto v = base_row();
    v["my_number"] = "";
    for (const auto& [k, x] : row.change) v[k] = x;
    auto r = parse_cases(join(kHeader) + "\n" + join_row(kHeader, v) + "\n", "cases.csv");
    INFO(formatted(r.problems));
    if (!row.column) {
      CHECK(r.problems.empty());
      continue;
    }
    REQUIRE(r.problems.size() == 1);
    const Diagnostic& d = r.problems[0];
    CHECK(d.line == 2);
    CHECK(d.column == column_of(row.column));
    CHECK(d.column_name == row.column);
    CHECK(d.value == row.value);
    CHECK(d.reason == "holds a My Number; a My Number must never be printed or stored");
    for (const char* full : {"621498320257", "614106526000", "123456789010"}) CHECK(format(d).find(full) == std::string::npos);
    for (const auto& c : r.value.cases)
      for (const auto& s : strings_of(c)) CHECK(s.find(row.change.begin()->second) == std::string::npos);
  }
}

TEST_CASE("a my_number swapped into another row is caught, before or after its own row") {
  std::string bytes = join(kHeader) + "\n";
  for (int i = 1; i <= 3; ++i) {
    auto v = base_row();
    v["case_id"] = "C" + std::to_string(i);
    v["child_atena_no"] = "A" + std::to_string(i);
    v["my_number"] = i == 3 ? "614106526000" : "";
    if (i == 1) v["household_no"] = "6141-0652-6000";  // row 3's number, grouped
    bytes += join_row(kHeader, v) + "\n";
  }
  auto r = parse_cases(bytes, "cases.csv");
  REQUIRE(r.problems.size() == 1);
  CHECK(format(r.problems[0]) == "cases.csv:2:10: error: household_no \"6141********\": holds a My Number; a My Number "
                                 "must never be printed or stored");
  // The input's numbers are kept only as digests: the guard knows them, no Case holds them.
  CHECK(r.value.my_numbers.size() == 1);
  CHECK(r.value.my_numbers.contains("614106526000"));
  CHECK_FALSE(r.value.my_numbers.contains("614106526001"));
}

// ---------------------------------------------------------------------------------------------
// The Case schema and packing.

TEST_CASE("the Case schema names every column of SPEC §3 once, in the header's order") {
  std::vector<std::string> names;
  for (const auto& f : case_schema()) names.emplace_back(f.name);
  CHECK(names == kHeader);
  for (const auto& f : case_schema()) {
    CAPTURE(f.name);
    // my_number alone has no member: it is never stored.
    CHECK(std::holds_alternative<std::monostate>(f.member) == (std::string(f.name) == "my_number"));
    if (f.printed) CHECK(std::holds_alternative<std::string Case::*>(f.member));
  }
}

TEST_CASE("pack/unpack round-trips every case, defaults included") {
  auto r = load_cases(kData + "good.csv");
  REQUIRE(r.ok());
  std::vector<Case> all = r.value.cases;
  all.push_back(Case{});  // default dates {0,0,0} and period {0,0}
  Case odd;
  odd.line = 1'000'000;
  odd.child_order = 7;
  odd.care_need = CareNeed::short_time;
  odd.notice_kind = NoticeKind::change;
  odd.period_start = {2025, 12};
  odd.period_end = {2026, 1};
  odd.reason = std::string("a\0b", 3);
  all.push_back(odd);
  for (const auto& c : all) {
    CAPTURE(c.case_id);
    const std::string packed = pack(c);
    CHECK(unpack(packed) == c);
  }
  // Compact: no bigger than the fields' own text plus a few bytes each.
  const Case& first = r.value.cases.front();
  CHECK(pack(first).size() < first.child_name.size() + first.address.size() + first.facility_name.size() + 120);
}
