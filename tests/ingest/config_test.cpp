#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "ingest/ingest.hpp"

using namespace tsuchi;
using namespace tsuchi::ingest;

namespace {

const std::string kExamples = std::string(TSUCHI_DATA_DIR) + "/examples/";

std::string formatted(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

struct BadToml {
  const char* what;
  std::string text;
  int line, column;
  const char* key;
  const char* value;
  const char* reason;
};

void check_single_problem(const BadToml& row, const Diagnostics& problems, const std::string& file) {
  INFO(formatted(problems));
  REQUIRE(problems.size() == 1);
  const Diagnostic& d = problems[0];
  CHECK(d.severity == Diagnostic::Severity::error);
  CHECK(d.file == file);
  CHECK(d.line == row.line);
  CHECK(d.column == row.column);
  CHECK(d.column_name == std::string(row.key));
  CHECK(d.value == std::string(row.value));
  CHECK(d.reason == std::string(row.reason));
}

}  // namespace

TEST_CASE("the example fee schedules load, sorted, and answer which schedule is in force") {
  auto r = load_fees(kExamples + "fees.toml");
  INFO(formatted(r.problems));
  REQUIRE(r.problems.empty());
  const auto& s = r.value.schedules;
  REQUIRE(s.size() == 2);
  CHECK(s[0].effective_from == YearMonth{2024, 4});
  CHECK(s[1].effective_from == YearMonth{2025, 4});
  CHECK(s[0].rounding == 10);
  CHECK(s[0].child_order_factor == std::vector<double>{1.0, 0.5, 0.0});
  CHECK(s[0].side_dish_monthly == 4500);
  CHECK(s[1].side_dish_monthly == 4800);
  CHECK(s[0].brackets.size() == 5);
  CHECK(s[0].line == 3);

  struct Row { YearMonth month; int schedule; const char* bracket; Yen standard, short_time; };
  const Row rows[] = {
      {{2024, 3}, -1, "D4", 0, 0},       {{2024, 4}, 0, "D4", 30000, 29600}, {{2025, 3}, 0, "D9", 61000, 60000},
      {{2025, 4}, 1, "D4", 0, 0},        {{2025, 4}, 1, "D9", 58000, 57000}, {{2030, 1}, 1, "D1", 0, 0},
  };
  for (const auto& row : rows) {
    CAPTURE(row.month.iso());
    const Schedule* in = r.value.in_force(row.month);
    if (row.schedule < 0) {
      CHECK(in == nullptr);
      continue;
    }
    REQUIRE(in == &s[row.schedule]);
    const Bracket* b = in->find(row.bracket);
    REQUIRE(b);
    CHECK(b->standard == row.standard);
    CHECK(b->short_time == row.short_time);
  }
  CHECK(s[0].find("D4")->label == "市町村民税所得割額 48,600円以上 97,000円未満");
  CHECK(s[0].find("Z9") == nullptr);
}

TEST_CASE("schedules given out of order are sorted") {
  const std::string one = "rounding = 10\nchild_order_factor = [1]\nside_dish_monthly = 0\n"
                          "[[schedule.bracket]]\ncode = \"A\"\nlabel = \"a\"\nstandard = 0\nshort = 0\n";
  auto r = parse_fees("[[schedule]]\neffective_from = \"2025-09\"\n" + one + "[[schedule]]\neffective_from = \"2024-04\"\n" + one,
                      "fees.toml");
  INFO(formatted(r.problems));
  REQUIRE(r.ok());
  REQUIRE(r.value.schedules.size() == 2);
  CHECK(r.value.schedules[0].effective_from == YearMonth{2024, 4});
  CHECK(r.value.schedules[0].line == 11);  // its [[schedule]] header
  CHECK(r.value.in_force({2025, 8}) == &r.value.schedules[0]);
  CHECK(r.value.in_force({2025, 9}) == &r.value.schedules[1]);
}

TEST_CASE("each kind of bad fee schedule gets one precise message") {
  // Line 1..4 the schedule head, 5.. the bracket; each row swaps one line.
  auto fees = [](std::string head_extra, std::string bracket_extra,
                 std::string from = "effective_from = \"2024-04\"", std::string factor = "child_order_factor = [1.0, 0.5, 0.0]",
                 std::string standard = "standard = 30000", std::string short_ = "short = 29600",
                 std::string rounding = "rounding = 10", std::string side = "side_dish_monthly = 4500") {
    return "[[schedule]]\n" + from + "\n" + rounding + "\n" + factor + "\n" + side + "\n" + head_extra +
           "\n[[schedule.bracket]]\ncode = \"D4\"\nlabel = \"x\"\n" + standard + "\n" + short_ + "\n" + bracket_extra + "\n";
  };
  const BadToml rows[] = {
      {"negative amount", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = [1.0, 0.5, 0.0]",
                               "standard = -100"),
       10, 12, "schedule[1].bracket[1].standard", "-100", "must be a whole number of yen, 0 or more"},
      {"amount in quotes", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = [1.0, 0.5, 0.0]",
                                "standard = 30000", "short = \"29600\""),
       11, 9, "schedule[1].bracket[1].short", "29600",
       "must be a whole number of yen, 0 or more (a whole number, without quotes)"},
      {"fractional amount", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = [1.0, 0.5, 0.0]",
                                 "standard = 30000.5"),
       10, 12, "schedule[1].bracket[1].standard", "30000.5",
       "must be a whole number of yen, 0 or more (a whole number, without quotes)"},
      {"missing amount", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = [1.0, 0.5, 0.0]",
                              "standard = 30000", "# no short"),
       7, 1, "schedule[1].bracket[1].short", "", "is required: a whole number of yen, 0 or more"},
      {"bad month", fees("", "", "effective_from = \"2024-4\""), 2, 18, "schedule[1].effective_from", "2024-4",
       "must be a month written YYYY-MM, like \"2025-04\""},
      {"missing month", fees("", "", "# none"), 1, 1, "schedule[1].effective_from", "",
       "is required: the first month, like \"2025-04\""},
      {"zero rounding", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = [1.0, 0.5, 0.0]",
                             "standard = 1", "short = 1", "rounding = 0"),
       3, 12, "schedule[1].rounding", "0", "must be a whole number of yen, 1 or more"},
      {"negative side dish", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = [1.0, 0.5, 0.0]",
                                  "standard = 1", "short = 1", "rounding = 10", "side_dish_monthly = -1"),
       5, 21, "schedule[1].side_dish_monthly", "-1", "must be a whole number of yen, 0 or more"},
      {"factor above 1", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = [1.0, 1.5]"), 4, 28,
       "schedule[1].child_order_factor[2]", "1.5", "must be a number from 0 to 1"},
      {"factor not a number", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = [1.0, \"half\"]"), 4, 28,
       "schedule[1].child_order_factor[2]", "half", "must be a number from 0 to 1"},
      {"empty factor list", fees("", "", "effective_from = \"2024-04\"", "child_order_factor = []"), 4, 22,
       "schedule[1].child_order_factor", "[]", "must not be empty: a list of numbers from 0 to 1, like [1.0, 0.5, 0.0]"},
      {"duplicate bracket", fees("", "[[schedule.bracket]]\ncode = \"D4\"\nlabel = \"y\"\nstandard = 1\nshort = 1"), 13, 8,
       "schedule[1].bracket[2].code", "D4", "duplicates the bracket code on line 8 in the same schedule"},
      {"no brackets", "[[schedule]]\neffective_from = \"2024-04\"\nrounding = 10\nchild_order_factor = [1]\nside_dish_monthly = 0\n",
       1, 1, "schedule[1].bracket", "", "is required: at least one [[schedule.bracket]]"},
      {"no schedule", "title = \"fees\"\n", 0, 0, "schedule", "", "is required: at least one [[schedule]] table"},
      {"duplicate schedule", fees("", "") + fees("", ""), 14, 18, "schedule[2].effective_from", "2024-04",
       "duplicates the schedule on line 1; one schedule per first month"},
      {"not TOML", "[[schedule]\n", 1, 12, "", "", "not valid TOML: Error while parsing table header: expected ']', saw '\\n'"},
  };
  for (const auto& row : rows) {
    CAPTURE(std::string(row.what));
    check_single_problem(row, parse_fees(row.text, "fees.toml").problems, "fees.toml");
  }
}

TEST_CASE("the example municipality loads, with paths resolved against its folder") {
  auto r = load_municipality(kExamples + "municipality.toml");
  INFO(formatted(r.problems));
  REQUIRE(r.problems.empty());
  const Municipality& m = r.value;
  const auto folder = std::filesystem::absolute(kExamples).lexically_normal();
  CHECK(m.city_name == "熊谷市");
  CHECK(m.mayor_title == "熊谷市長");
  CHECK(m.mayor_name == "小林\u3000哲也");
  CHECK(m.seal_image == (folder / "seal.png").string());
  CHECK(m.signing_key == (folder / "keys/city.secret").string());
  CHECK(m.contractor_public_key == (folder / "keys/contractor.pub").string());
  // Full-width digits of the file are read as ASCII: one digit width on the documents.
  CHECK(m.appeal_text.rfind("1　この処分に不服がある場合には", 0) == 0);
  CHECK(m.appeal_text.find("\n\n2　この処分の取消しの訴えは") != std::string::npos);
  CHECK(m.appeal_text.find("３") == std::string::npos);
  CHECK(m.appeal_text.back() != '\n');
  CHECK(m.subject_name == "保育料");
  CHECK(m.subject_code == "01");
  CHECK(m.contact.department == "こども未来部\u3000保育課");
  CHECK(m.contact.phone == "048-524-1111");
  CHECK(m.contact.extension == "内線 262");
  CHECK(m.gs1_issuer_code == "912345");
  CHECK(m.store_ceiling == 300000);
  CHECK(m.batch_size == 4);
  CHECK(m.certificate_due_days == 30);
  CHECK(m.office_hours.start_minute == 8 * 60 + 30);
  CHECK(m.office_hours.end_minute == 17 * 60 + 15);
  CHECK(m.office_hours.weekdays == std::vector<int>{1, 2, 3, 4, 5});
  CHECK(m.office_hours.configured);
  CHECK(m.office_hours.utc_offset_minutes == 9 * 60);  // JST when utc_offset is not given
  // Roles live in the ledger (SPEC §13): the example configuration names nobody.
  CHECK(m.roles.approver.empty());
  CHECK(m.roles.staff.empty());
  CHECK_FALSE(m.allow_plain_ivs);
  // Holidays and substitute holidays per year, counted on the Cabinet Office list (内閣府「国民の祝日について」).
  const std::map<int, int> per_year = {{2019, 22}, {2024, 21}, {2025, 19}, {2026, 18}, {2027, 17}};
  std::map<int, int> listed;
  for (const auto& d : m.holidays) ++listed[d.year];
  CHECK(listed == per_year);
  REQUIRE(m.holidays.size() == 97);
  CHECK(m.holidays.front() == Date{2019, 1, 1});
  CHECK(m.holidays.back() == Date{2027, 11, 23});
  CHECK(std::is_sorted(m.holidays.begin(), m.holidays.end()));
}

TEST_CASE("each kind of bad municipality setting gets one precise message") {
  const std::string required =
      "city_name = \"熊谷市\"\nmayor_title = \"熊谷市長\"\nappeal_text = \"教示\"\n"
      "[contact]\ndepartment = \"保育課\"\nphone = \"048-524-1111\"\n"
      "[collection]\ngs1_issuer_code = \"912345\"\n";  // 8 lines
  auto without = [&](const std::string& line) {
    std::string s = required;
    s.erase(s.find(line), line.size() + 1);
    return s;
  };
  const BadToml rows[] = {
      {"missing city", without("city_name = \"熊谷市\""), 0, 0, "city_name", "", "is required: the city's name, like \"熊谷市\""},
      {"missing title", without("mayor_title = \"熊谷市長\""), 0, 0, "mayor_title", "",
       "is required: the issuer's title, like \"熊谷市長\""},
      {"missing appeal", without("appeal_text = \"教示\""), 0, 0, "appeal_text", "",
       "is required: the appeal instructions (教示)"},
      {"missing department", without("department = \"保育課\""), 4, 1, "contact.department", "",
       "is required: the office's name (担当課)"},
      {"missing phone", without("phone = \"048-524-1111\""), 4, 1, "contact.phone", "", "is required: the office's phone number"},
      {"missing issuer", without("gs1_issuer_code = \"912345\""), 7, 1, "collection.gs1_issuer_code", "",
       "is required: 6 digits, like \"912345\" (the GS1 company prefix without its leading 4)"},
      {"missing contact", without("[contact]\ndepartment = \"保育課\"\nphone = \"048-524-1111\""), 0, 0, "contact", "",
       "is required: a [contact] table"},
      {"empty city", required + "", 0, 0, "", "", ""},  // placeholder replaced below
      {"issuer 5 digits", required.substr(0, required.size() - 8) + "91234\"\n", 8, 19, "collection.gs1_issuer_code",
       "91234", "must be 6 digits, like \"912345\" (the GS1 company prefix without its leading 4)"},
      {"issuer not 9 or 5", required.substr(0, required.size() - 8) + "123456\"\n", 8, 19, "collection.gs1_issuer_code",
       "123456", "must start with 9 or 5: a Japanese GS1 company prefix (49… or 45…) without its leading 4"},
      {"issuer as number", required.substr(0, required.size() - 9) + "912345\n", 8, 19, "collection.gs1_issuer_code",
       "912345", "must be 6 digits, like \"912345\" (the GS1 company prefix without its leading 4) in quotes"},
      {"subject code", "subject_code = \"1\"\n" + required, 1, 16, "subject_code", "1", "must be 2 digits, like \"01\""},
      {"batch size 0", required + "[batch]\nsize = 0\n", 10, 8, "batch.size", "0", "must be a number of envelopes, 1 or more"},
      {"ceiling too high", required + "store_ceiling = 1000000\n", 9, 17, "collection.store_ceiling", "1000000",
       "must be a whole number of yen from 1 to 999999 (the barcode's amount has 6 digits)"},
      {"office hours", required + "[office_hours]\nstart = \"8:30\"\n", 10, 9, "office_hours.start", "8:30",
       "must be a time written HH:MM, like \"08:30\""},
      {"office hour 24", required + "[office_hours]\nend = \"24:00\"\n", 10, 7, "office_hours.end", "24:00",
       "must be a time written HH:MM, like \"08:30\""},
      {"hours reversed", required + "[office_hours]\nstart = \"17:00\"\nend = \"09:00\"\n", 11, 7, "office_hours.end",
       "09:00", "office hours must end after they start"},
      {"utc offset", required + "[office_hours]\nutc_offset = \"+9\"\n", 10, 14, "office_hours.utc_offset", "+9",
       "must be an offset from UTC, like \"+09:00\""},
      {"weekday 7", required + "[office_hours]\nweekdays = [1, 7]\n", 10, 16, "office_hours.weekdays[2]", "7",
       "must be a weekday number from 0 (Sunday) to 6 (Saturday)"},
      {"holiday not a date", required + "[holidays]\ndates = [\"2025-01-01\", \"2025-02-30\"]\n", 10, 24,
       "holidays.dates[2]", "2025-02-30", "must be a date in the calendar, written \"YYYY-MM-DD\""},
      {"bool as text", required + "[validation]\nallow_plain_ivs = \"yes\"\n", 10, 19, "validation.allow_plain_ivs", "yes",
       "must be true or false"},
      {"role not text", required + "[roles]\napprover = [\"sato\", 3]\n", 10, 21, "roles.approver[2]", "3",
       "must be a user id in quotes"},
      {"csv encoding", required + "[csv]\nencoding = \"sjis\"\n", 10, 12, "csv.encoding", "sjis",
       "must be \"utf-8-bom\" (UTF-8 with a byte order mark, as Excel saves it) or \"cp932\" (Shift_JIS)"},
      {"csv encoding not text", required + "[csv]\nencoding = 932\n", 10, 12, "csv.encoding", "932",
       "must be \"utf-8-bom\" or \"cp932\" in quotes"},
      {"csv excel_text as text", required + "[csv]\nexcel_text = \"yes\"\n", 10, 14, "csv.excel_text", "yes",
       "must be true or false"},
      {"contact not a table", "contact = \"x\"\n" + without("[contact]\ndepartment = \"保育課\"\nphone = \"048-524-1111\""), 1,
       11, "contact", "x", "must be a table, [contact]"},
  };
  for (const auto& row : rows) {
    if (std::string(row.what) == "empty city") continue;
    CAPTURE(std::string(row.what));
    check_single_problem(row, parse_municipality(row.text, "/city/municipality.toml").problems, "/city/municipality.toml");
  }
  // Empty required text is as bad as missing.
  std::string empty_city = required;
  empty_city.replace(empty_city.find("熊谷市\""), std::string("熊谷市").size(), "");
  check_single_problem({"empty city", "", 1, 13, "city_name", "", "must not be empty: the city's name, like \"熊谷市\""},
                       parse_municipality(empty_city, "m.toml").problems, "m.toml");
}

TEST_CASE("a minimal municipality gets the documented defaults; unknown keys are ignored") {
  const std::string text =
      "city_name = \"熊谷市\"\nmayor_title = \"熊谷市長\"\nappeal_text = \"\"\"\n教示\n\"\"\"\nfuture_key = 1\n"
      "seal_image = \"/abs/seal.png\"\n[contact]\ndepartment = \"保育課\"\nphone = \"1\"\n"
      "[collection]\ngs1_issuer_code = \"512345\"\n[keys]\nsigning_key = \"../k/city.secret\"\n"
      "[holidays]\ndates = [2025-01-01, \"2024-12-31\"]\n";
  auto r = parse_municipality(text, "/etc/tsuchi/city/municipality.toml");
  INFO(formatted(r.problems));
  REQUIRE(r.problems.empty());
  const Municipality& m = r.value;
  CHECK(m.appeal_text == "教示");
  CHECK(m.seal_image == "/abs/seal.png");
  CHECK(m.signing_key == "/etc/tsuchi/k/city.secret");
  CHECK(m.contractor_public_key.empty());
  CHECK(m.subject_code == "01");
  CHECK(m.batch_size == 500);
  CHECK(m.store_ceiling == 300000);
  CHECK(m.holidays == std::vector<Date>{{2024, 12, 31}, {2025, 1, 1}});
  CHECK(m.csv.charset == csv::Charset::utf8_bom);  // [csv]: UTF-8 with a BOM, codes kept as text in Excel
  CHECK(m.csv.excel_text);
  auto sjis = parse_municipality(text + "[csv]\nencoding = \"cp932\"\nexcel_text = false\n", "m.toml");
  REQUIRE(sjis.problems.empty());
  CHECK(sjis.value.csv.charset == csv::Charset::cp932);
  CHECK_FALSE(sjis.value.csv.excel_text);
}

TEST_CASE("municipality text printed on documents has ASCII digits; names keep theirs") {
  const std::string toml =
      "city_name = \"熊谷市\"\nmayor_title = \"熊谷市長\"\nmayor_name = \"小林　一二\"\n"
      "appeal_text = \"１　３か月以内に\\n\\n２　６か月以内に（１年を経過すると）\"\n"
      "[contact]\ndepartment = \"第２保育課\"\nsection = \"１係\"\naddress = \"熊谷市宮町二丁目４７番地１\"\n"
      "phone = \"０４８-５２４-１１１１\"\nextension = \"内線２６２\"\nhours = \"平日 ８時３０分～１７時１５分\"\n"
      "[collection]\ngs1_issuer_code = \"912345\"\n";
  auto r = parse_municipality(toml, "municipality.toml");
  INFO(formatted(r.problems));
  REQUIRE(r.ok());
  const auto& m = r.value;
  CHECK(m.appeal_text == "1　3か月以内に\n\n2　6か月以内に（1年を経過すると）");
  CHECK(m.contact.department == "第2保育課");
  CHECK(m.contact.section == "1係");
  CHECK(m.contact.address == "熊谷市宮町二丁目47番地1");  // kanji numerals are words, not digits
  CHECK(m.contact.phone == "048-524-1111");
  CHECK(m.contact.extension == "内線262");
  CHECK(m.contact.hours == "平日 8時30分～17時15分");
  CHECK(m.mayor_name == "小林　一二");
}

TEST_CASE("unreadable configuration files are reported, not thrown") {
  auto f = load_fees(kExamples + "no-such-fees.toml");
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].reason == "file not found");
  auto m = load_municipality(kExamples + "no-such-municipality.toml");
  REQUIRE(m.problems.size() == 1);
  CHECK(m.problems[0].line == 0);
}
