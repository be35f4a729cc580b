#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "core/digest.hpp"
#include "ingest/ingest.hpp"

using namespace tsuchi;
using namespace tsuchi::ingest;

namespace {

std::string formatted(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

Case named(std::string child, std::string guardian) {
  Case c;
  c.line = 5;
  c.case_id = "2025090001";
  c.child_name = std::move(child);
  c.guardian_name = std::move(guardian);
  c.address = "熊谷市上之1234-5";
  c.facility_name = "熊谷市立かみの保育所";
  return c;
}

const std::vector<std::string> kHeader = {"case_id", "child_atena_no", "child_name", "child_birth_date",
                                          "guardian_atena_no", "guardian_name"};

}  // namespace

TEST_CASE("the example 外字 map loads only with the digest municipality.toml pins") {
  const std::string path = std::string(TSUCHI_DATA_DIR) + "/examples/gaiji.csv";
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // An insider who edits the map (or points at another) without a new pinned digest is refused.
  const auto edited = load_gaiji_map(path, std::string(64, '0'));
  CHECK_FALSE(edited.ok());
  CHECK(formatted(edited.problems).find("gaiji_map_sha256") != std::string::npos);
  auto r = load_gaiji_map(path, digest::sha256_hex(bytes));
  INFO(formatted(r.problems));
  REQUIRE(r.ok());
  CHECK(r.value.to.at(0xE000) == U"\u9AD9");              // 髙
  CHECK(r.value.to.at(0xE001) == U"\u8FBB\U000E0100");    // 辻 with its IVS
  CHECK(r.value.to.at(0xF0000) == U"\U00020BB7");         // 𠮷 from plane 15
}

TEST_CASE("private-use code points of printed fields are replaced by the mapped UCS and IVS") {
  auto map = parse_gaiji_map("pua,ucs,ivs\nU+E000,U+9AD9,\nU+E001,U+8FBB,U+E0100\n", "gaiji.csv");
  REQUIRE(map.ok());
  std::vector<Case> cases{named("\uE000橋　\uE001", "\uE000橋　一郎")};
  cases[0].facility_name = "\uE001保育園";
  const auto ds = apply_gaiji(cases, map.value, "cases.csv", kHeader);
  CHECK(ds.empty());
  CHECK(cases[0].child_name == "髙橋　辻\U000E0100");
  CHECK(cases[0].guardian_name == "髙橋　一郎");
  CHECK(cases[0].facility_name == "辻\U000E0100保育園");
  // Not printed text (identifiers) and text without PUA are left alone.
  CHECK(cases[0].address == "熊谷市上之1234-5");
}

TEST_CASE("an unmapped private-use character names file, line, column and code point, never the name") {
  auto map = parse_gaiji_map("pua,ucs,ivs\nU+E000,U+9AD9,\n", "gaiji.csv");
  REQUIRE(map.ok());
  std::vector<Case> cases{named("\uE123田　花子", "山田　\uE123\uE123\U000F0001")};
  const auto ds = apply_gaiji(cases, map.value, "cases.csv", kHeader);
  CHECK(formatted(ds) ==
        "cases.csv:5:3: error: child_name \"U+E123\": case 2025090001: a private-use character (外字); the 外字 map "
        "gaiji.csv has no row for it\n"
        "cases.csv:5:6: error: guardian_name \"U+E123\": case 2025090001: a private-use character (外字); the 外字 map "
        "gaiji.csv has no row for it\n"
        "cases.csv:5:6: error: guardian_name \"U+F0001\": case 2025090001: a private-use character (外字); the 外字 "
        "map gaiji.csv has no row for it\n");
  CHECK(formatted(ds).find("花子") == std::string::npos);
  // Without a configured map every private-use character is unmapped.
  std::vector<Case> again{named("\uF8FF", "山田")};
  CHECK(formatted(apply_gaiji(again, GaijiMap{}, "cases.csv", kHeader)) ==
        "cases.csv:5:3: error: child_name \"U+F8FF\": case 2025090001: a private-use character (外字); no 外字 map is "
        "configured (municipality.toml gaiji_map)\n");
}

TEST_CASE("a bad map row names the map file and line") {
  struct Row {
    const char* row;
    const char* message;
  };
  const Row rows[] = {
      {"U+4E00,U+9AD9,", "gaiji.csv:3:1: error: pua \"U+4E00\": must be a private-use code point (U+E000 to U+F8FF, "
                         "or in planes 15 and 16), written like U+E000"},
      {"E000,U+9AD9,", "gaiji.csv:3:1: error: pua \"E000\": must be a private-use code point (U+E000 to U+F8FF, or "
                       "in planes 15 and 16), written like U+E000"},
      {"U+E001,U+E002,", "gaiji.csv:3:2: error: ucs \"U+E002\": must be a standard (not private-use) character "
                         "written like U+9AD9"},
      {"U+E001,,", "gaiji.csv:3:2: error: ucs \"\": must be a standard (not private-use) character written like U+9AD9"},
      {"U+E001,U+D800,", "gaiji.csv:3:2: error: ucs \"U+D800\": must be a standard (not private-use) character "
                         "written like U+9AD9"},
      {"U+E001,U+8FBB,U+FE00", "gaiji.csv:3:3: error: ivs \"U+FE00\": must be empty or an ideographic variation "
                               "selector U+E0100 to U+E01EF, written like U+E0100"},
      {"U+E000,U+9AD8,", "gaiji.csv:3:1: error: pua \"U+E000\": is mapped twice (also line 2)"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.row);
    auto map = parse_gaiji_map(std::string("pua,ucs,ivs\nU+E000,U+9AD9,\n") + r.row + "\n", "gaiji.csv");
    CHECK(formatted(map.problems) == std::string(r.message) + "\n");
    CHECK(map.value.to.size() == 1);  // the good row still maps
  }
  auto missing = parse_gaiji_map("pua,ivs\nU+E000,\n", "gaiji.csv");
  CHECK(formatted(missing.problems) ==
        "gaiji.csv:1: error: ucs \"\": required column is missing from the header (pua,ucs,ivs)\n");
  auto absent = load_gaiji_map("/nonexistent/gaiji.csv", std::string(64, '0'));
  CHECK_FALSE(absent.ok());
}
