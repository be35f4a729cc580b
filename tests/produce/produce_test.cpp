#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "barcode/barcode.hpp"
#include "core/csv.hpp"
#include "core/mynumber.hpp"
#include "produce/produce.hpp"

using namespace tsuchi;

namespace {

produce::Inputs demo() {
  const std::string ex = std::string(TSUCHI_DATA_DIR) + "/examples/";
  auto in = produce::load({ex + "cases.csv", ex + "fees.toml", ex + "municipality.toml"}, TSUCHI_DATA_DIR);
  REQUIRE_FALSE(has_errors(in.problems));
  return in;
}

// A 5-digit 番地 whose customer-barcode data (postcode + 番地) is 12 digits that pass the My Number
// check digit: about 1 address in 11 in a rural month.
std::string address_with_my_number_shaped_code(const std::string& postal, std::string& data) {
  for (int n = 10000; n < 20000; ++n) {
    const std::string address = "熊谷市上之" + std::to_string(n);
    const auto code = barcode::customer_code(postal, address);
    if (code && code->data.size() == 12 && mynumber::valid(code->data)) {
      data = code->data;
      return address;
    }
  }
  FAIL("no address gives such a code");
  return {};
}

produce::Result run(produce::Inputs& in, const mynumber::Guard* guard, std::string* insertion = nullptr) {
  produce::Options opt;
  opt.data_dir = TSUCHI_DATA_DIR;
  opt.run_id = "R20250901";
  opt.pdf_date = "2025-09-01T00:00:00";
  opt.threads = 2;
  opt.my_numbers = guard;
  return produce::produce(in, opt, [&](const produce::Batch& b) {
    if (insertion) *insertion += b.insertion_csv;
    return std::string();
  });
}

}  // namespace

TEST_CASE("a customer-barcode code that passes the check digit by chance does not stop a month; an input My Number does") {
  std::string data;
  auto in = demo();
  const std::string postal = in.cases[0].postal_code;
  const std::string address = address_with_my_number_shaped_code(postal, data);
  for (auto& c : in.cases)
    if (c.guardian_atena_no == in.cases[0].guardian_atena_no) c.address = address;

  mynumber::Guard others;
  others.add("123456789018");  // a valid My Number (examples/cases.csv) that is printed nowhere
  std::string insertion;
  const auto honest = run(in, &others, &insertion);
  CHECK_FALSE(has_errors(honest.problems));
  CHECK(insertion.find(data + "/") != std::string::npos);  // the code is in the insertion list

  auto again = demo();
  for (auto& c : again.cases)
    if (c.guardian_atena_no == again.cases[0].guardian_atena_no) c.address = address;
  mynumber::Guard leaked;
  leaked.add(data);  // as if the input had this number as someone's My Number
  const auto stopped = run(again, &leaked);
  REQUIRE(has_errors(stopped.problems));
  CHECK(stopped.problems.back().reason.find("insertion.csv holds a My Number of the input") != std::string::npos);
  CHECK(format(stopped.problems.back()).find(data) == std::string::npos);  // never repeated in a message
}

TEST_CASE("records: one envelope's ids, counts and amounts, no names") {
  auto in = demo();
  produce::Options opt;
  opt.data_dir = TSUCHI_DATA_DIR;
  opt.run_id = "R20250901";
  const auto r = produce::produce(in, opt, [](const produce::Batch&) { return std::string(); });
  REQUIRE_FALSE(has_errors(r.problems));
  int envelopes = 0, slips = 0, notices = 0;
  std::set<std::string> households;  // envelope ids less a split mailing's "-k"
  for (const auto& b : r.batches) {
    for (const auto& e : b.summary.envelopes) {
      CHECK(records::envelope_part(e.envelope_id) >= 0);
      households.insert(e.envelope_id.substr(0, e.envelope_id.rfind('/') + 7));
      // Nothing over the 8 sheets and 50 g of examples/municipality.toml [mailing].
      CHECK(e.sheets <= 8);
      CHECK(in.municipality.mailing.grams(e.sheets) <= 50.0);
    }
    CHECK(b.summary.counts.envelopes == static_cast<int>(b.summary.envelopes.size()));
    CHECK(b.summary.counts.slips == static_cast<int>(b.summary.slips.size()));
    CHECK(b.summary.counts.notices == static_cast<int>(b.summary.notices.size()));
    for (const auto& s : b.summary.slips) CHECK(s.envelope_id.rfind(b.summary.batch_id + "/", 0) == 0);
    envelopes += b.summary.counts.envelopes, slips += b.summary.counts.slips, notices += b.summary.counts.notices;
  }
  // examples/cases.csv: 14 children (rows) of 9 guardians (distinct guardian_atena_no); the
  // 𠮷田 household's three children over seven months may go as a split mailing.
  CHECK(households.size() == 9);
  CHECK(notices == 14);
  CHECK(r.totals.envelopes == envelopes);
  CHECK(r.totals.slips == slips);
}

TEST_CASE("a default run id is the office's date, then the next one the ledger does not hold yet") {
  // 2025-12-31T15:30:00Z is 2026-01-01 00:30 in Tokyo (+09:00) and still 2025-12-31 in London.
  const std::int64_t now = *parse_utc("2025-12-31T15:30:00Z");
  struct Row { int offset; const char* id; };
  const Row rows[] = {{9 * 60, "R20260101"}, {0, "R20251231"}, {-10 * 60, "R20251231"}, {14 * 60, "R20260101"}};
  for (const auto& r : rows) {
    CAPTURE(r.offset);
    std::set<std::string> taken;
    const auto is_taken = [&](const std::string& id) { return taken.count(id) > 0; };
    const std::string first = produce::default_run_id(office_today(r.offset, now), is_taken);
    CHECK(first == r.id);
    CHECK(produce::valid_run_id(first));
    taken = {first, first + "-2"};
    CHECK(produce::default_run_id(office_today(r.offset, now), is_taken) == first + "-3");
  }
}

TEST_CASE("a preview writes each batch's PDF and one insertion.csv in mailing order, and can be taken back") {
  auto in = demo();
  char tmpl[] = "/tmp/tsuchi-preview-XXXXXX";
  const std::filesystem::path out = mkdtemp(tmpl);
  auto [r, listed] = produce::preview(in, TSUCHI_DATA_DIR, 2, out.string());
  REQUIRE_FALSE(has_errors(r.problems));
  CHECK(listed);
  REQUIRE_FALSE(r.batches.empty());
  std::ifstream list(out / "insertion.csv", std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(list), std::istreambuf_iterator<char>()};
  // UTF-8 with a BOM and CRLF; the postal code, the codes and the part as ="…" (examples/municipality.toml
  // leaves [csv] at its defaults): the 7-digit postal code of every row is written "=""NNNNNNN""".
  CHECK(bytes.rfind("\xEF\xBB\xBF" "envelope_id,pages,sheets,postal_code,codes,file,first_page,grams,part\r\n", 0) == 0);
  Diagnostics problems;
  csv::Reader reader(bytes, "insertion.csv", problems);
  std::vector<std::vector<std::string>> rows;
  for (csv::Record rec; reader.next(rec);) rows.push_back(rec.fields);
  CHECK(problems.empty());
  CHECK(rows.size() == static_cast<std::size_t>(r.totals.envelopes));
  CHECK(std::count(bytes.begin(), bytes.end(), '\n') == r.totals.envelopes + 1);
  CHECK(std::count(bytes.begin(), bytes.end(), '\n') == std::count(bytes.begin(), bytes.end(), '\r'));
  // grams and part close every row: 6 g + 4 g a sheet (examples/municipality.toml), k/n or empty.
  for (const auto& cells : rows) {
    REQUIRE(cells.size() == 9);
    CAPTURE(cells[0]);
    CHECK(bytes.find(",\"=\"\"" + cells[3] + "\"\"\",") != std::string::npos);
    CHECK(cells[3].size() == 7);
    const int sheets = std::stoi(cells[2]);
    char grams[16];
    std::snprintf(grams, sizeof grams, "%.1f", 6.0 + 4.0 * sheets);
    CHECK(cells[7] == grams);
    CHECK((cells[8].empty() || cells[0].find('-', cells[0].rfind('/')) != std::string::npos));
  }
  CHECK(rows.front().front().rfind("PREVIEW/", 0) == 0);  // every envelope id uses the batch id PREVIEW
  for (const auto& b : r.batches) CHECK(std::filesystem::file_size(out / b.pdf_name) > 1000);
  CHECK(r.summaries().size() == r.batches.size());
  CHECK(r.summaries().front().batch_id == r.batches.front().summary.batch_id);

  produce::remove_preview(r, out.string());
  CHECK(std::filesystem::is_empty(out));
  std::filesystem::remove(out);

  auto again = demo();
  auto nowhere = produce::preview(again, TSUCHI_DATA_DIR, 2, (out / "gone").string());
  CHECK(has_errors(nowhere.result.problems));
  CHECK_FALSE(nowhere.listed);
}

TEST_CASE("[csv] encoding = \"cp932\", excel_text = false: a preview's insertion.csv without a BOM, codes as they are") {
  auto in = demo();
  in.municipality.csv = {csv::Charset::cp932, false};
  char tmpl[] = "/tmp/tsuchi-preview-XXXXXX";
  const std::filesystem::path out = mkdtemp(tmpl);
  auto [r, listed] = produce::preview(in, TSUCHI_DATA_DIR, 1, out.string());
  REQUIRE_FALSE(has_errors(r.problems));
  REQUIRE(listed);
  std::ifstream list(out / "insertion.csv", std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(list), std::istreambuf_iterator<char>()};
  CHECK(bytes.rfind("envelope_id,pages,sheets,postal_code,codes,file,first_page,grams,part\r\nPREVIEW/", 0) == 0);
  CHECK(bytes.find('=') == std::string::npos);
  CHECK(bytes.find("\r\n") != std::string::npos);
  produce::remove_preview(r, out.string());
  std::filesystem::remove(out);
}

TEST_CASE("validate --json: ok, the number of cases, and every problem's fields (output_spec/inputs.md)") {
  auto in = demo();
  in.problems = {{Diagnostic::Severity::warning, "cases.csv", 7, 7, "postal_code", "360-001", "must be 7 digits"}};
  const auto j = nlohmann::json::parse(produce::to_json(in));
  CHECK(j["ok"] == true);
  CHECK(j["cases"] == 14);  // examples/cases.csv
  CHECK(j["problems"][0] == nlohmann::json{{"severity", "warning"}, {"file", "cases.csv"}, {"line", 7}, {"column", 7},
                                           {"column_name", "postal_code"}, {"value", "360-001"},
                                           {"reason", "must be 7 digits"}});
  in.problems[0].severity = Diagnostic::Severity::error;
  CHECK(nlohmann::json::parse(produce::to_json(in))["ok"] == false);
}

// Issue 14: with two threads an idle worker typesets envelopes ahead of the one rendering a batch,
// and every worker's frames come from one cache; each batch's PDF must still be the bytes one
// thread writes. Batches of 1 to 4 envelopes make many batches, so the two threads meet often.
TEST_CASE("each batch's PDF is the same bytes on one thread and on two") {
  for (int size : {1, 2, 4}) {
    CAPTURE(size);
    auto pdfs = [&](int threads) {
      auto in = demo();
      in.municipality.batch_size = size;
      produce::Options opt;
      opt.data_dir = TSUCHI_DATA_DIR;
      opt.run_id = "R20250901";
      opt.pdf_date = "2025-09-01T00:00:00";
      opt.threads = threads;
      std::map<std::string, std::string> out;
      std::mutex m;
      auto r = produce::produce(in, opt, [&](produce::Batch& b) {
        std::lock_guard lock(m);
        out[b.summary.batch_id] = b.pdf;
        return std::string();
      });
      REQUIRE_FALSE(has_errors(r.problems));
      return out;
    };
    const auto one = pdfs(1), two = pdfs(2);
    CHECK(one.size() > 2);
    CHECK(one == two);
  }
}
