// The command's console (output_spec/json.md): schema names, problem objects, and the My Number mask a
// JSON document shares with stderr. 123456789018 is the My Number checked by hand in
// tests/core/mynumber_test.cpp; its masked form keeps four digits, as that test's table says.
#include <doctest/doctest.h>

#include "tsuchi/commands.hpp"

using namespace tsuchi;
using namespace tsuchi::cli;

TEST_CASE("a schema names the command, its words joined by dots") {
  const std::pair<const char*, const char*> rows[] = {
      {"validate", "tsuchi.validate/1"},
      {"import worklog", "tsuchi.import.worklog/1"},
      {"certificate form", "tsuchi.certificate.form/1"},
      {"tsuchi", "tsuchi/1"},  // a command line with no command
  };
  for (const auto& [command, schema] : rows) CHECK(schema_of(command) == schema);
}

TEST_CASE("a problem object has seven keys, null when unknown, and never a whole My Number") {
  Diagnostics ds{
      {Diagnostic::Severity::error, "cases.csv", 2, 7, "postal_code", "123-45", "must be 7 digits, like 360-0012"},
      {Diagnostic::Severity::warning, "", 0, 0, "", "123456789018", "番号 123456789018 を含む"},
  };
  const Json j = problems_json(ds);
  REQUIRE(j.size() == 2);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j[0].items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"severity", "file", "line", "column", "column_name", "value", "reason"});
  CHECK(j[0]["line"] == 2);
  CHECK(j[0]["column"] == 7);
  CHECK(j[0]["value"] == "123-45");
  CHECK(j[1]["severity"] == "warning");
  CHECK(j[1]["file"].is_null());
  CHECK(j[1]["line"].is_null());
  CHECK(j[1]["value"] == "1234********");
  CHECK(j[1]["reason"] == "番号 1234******** を含む");
  CHECK(j.dump().find("123456789018") == std::string::npos);
}
