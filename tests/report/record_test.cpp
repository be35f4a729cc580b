// The documents as the commands leave them: written where they belong, byte for byte what was
// recorded, and every refusal on record; a file that cannot be written leaves no record behind.
#include <doctest/doctest.h>

#include "support.hpp"

using namespace tsuchi::report;

namespace {

std::string read(const std::string& path) { return read_bytes(path); }

// One recorded run of three envelopes and its run folder.
struct OneRun : Office {
  RunBuilder b{"R20250901", "sato", "2025-09-01T00:30:00Z", "2025-09"};
  std::string dir;
  OneRun() {
    b.notice(1, "C001").slip(1, "C001", "2025-09", 58000);  // D9 standard
    b.notice(2, "C002").slip(2, "C002", "2025-09", 12345);  // in no schedule
    b.notice(3, "C003");
    dir = b.seal(tmp);
    record(*this, b.rec);
  }
  std::size_t records() const { return l.audit_records().size(); }
  AuditRecord last() const { return l.audit_records().back(); }
};

}  // namespace

TEST_CASE("review: review.txt is the text recorded for approval, with its PDF beside it") {
  OneRun r;
  const tsuchi::seal::RunFile run{r.dir, "R20250901", {"cases.csv:3: warning: name_kana \"U+30F4\": printed with a variant"}};
  const Head before = r.l.head();
  auto w = write_review(r.l, run, r.approver, TSUCHI_DATA_DIR "/examples/fees.toml", engine());
  REQUIRE_MESSAGE(w.ok(), messages(w.problems));
  REQUIRE(w.value.written);
  CHECK(read(r.dir + "/review.txt") == w.value.text);
  CHECK(w.value.sha256 == sha256(w.value.text));
  CHECK(w.value.text.find("U+30F4") != std::string::npos);
  CHECK(w.value.sheet.schedule_checked);
  CHECK(w.value.sheet.anomalies.size() == 1);  // the 12,345 yen slip
  CHECK(pdf_text(read(r.dir + "/review.pdf")).find("R20250901") != std::string::npos);
  // Prepared by the identified actor, at the head before its own record.
  CHECK(w.value.sheet.prepared_by == "suzuki");
  CHECK(w.value.sheet.head == before);
  CHECK(w.value.text.find(before.text()) != std::string::npos);
  CHECK(r.last().command == "review");
  CHECK(r.last().user == "suzuki");
  CHECK(r.last().seq == before.seq + 1);
  CHECK(r.last().objects == std::vector<std::string>{"run:R20250901", "review:" + w.value.sha256});
  // The recorded digest is the one approve insists on.
  auto released = r.l.approve("R20250901", w.value.sha256, r.approver);
  CHECK_MESSAGE(released.ok(), messages(released.problems));
}

TEST_CASE("review: an unknown run is refused on record; an unwritable folder or bad fees leave no record") {
  OneRun r;
  const auto before = r.records();
  auto unknown = write_review(r.l, {r.dir, "R20991231", {}}, r.staff, "", engine());
  CHECK_FALSE(unknown.ok());
  CHECK(r.records() == before + 1);
  CHECK(r.last().result == "refused: unknown run");
  CHECK_FALSE(fs::exists(r.dir + "/review.txt"));

  auto unwritable = write_review(r.l, {r.tmp.file("no-such-folder"), "R20250901", {}}, r.staff, "", engine());
  CHECK(unwritable.problems.empty());
  CHECK_FALSE(unwritable.value.written);
  CHECK(r.records() == before + 1);

  auto bad_fees = write_review(r.l, {r.dir, "R20250901", {}}, r.staff, r.tmp.file("no-fees.toml"), engine());
  CHECK_FALSE(bad_fees.ok());
  CHECK_FALSE(fs::exists(r.dir + "/review.pdf"));
  CHECK(r.records() == before + 1);
}

TEST_CASE("certificate form: addressed from the pinned configuration, written, and audited with its digest") {
  OneRun r;
  const std::string out = r.tmp.file("form.pdf");
  auto w = write_certificate_form(r.l, r.b.batch_id(), r.sup, engine(), out);
  REQUIRE_MESSAGE(w.ok(), messages(w.problems));
  CHECK(w.value);
  const std::string text = pdf_text(read(out));
  CHECK(text.find("熊谷市長") != std::string::npos);  // examples/municipality.toml mayor_title, pinned by init
  CHECK(text.find(r.b.batch_id()) != std::string::npos);
  CHECK(read_form_codes(read(out)).value.at(0).batch_id == r.b.batch_id());
  CHECK(r.last().command == "certificate form");
  CHECK(r.last().user == "sup");
  CHECK(r.last().objects == std::vector<std::string>{"batch:" + r.b.batch_id(), "file:" + sha256(read(out))});
  CHECK(r.last().result == "ok");

  const auto before = r.records();
  auto unknown = write_certificate_form(r.l, "R20250901-B009", r.sup, engine(), out);
  CHECK(messages(unknown.problems) == r.l.path() + ": error: no batch R20250901-B009 in the ledger\n");
  CHECK(r.last().result == "refused: unknown batch");

  auto unwritable = write_certificate_form(r.l, r.b.batch_id(), r.sup, engine(), r.tmp.file("no/form.pdf"));
  CHECK(unwritable.problems.empty());
  CHECK_FALSE(unwritable.value);
  CHECK(r.records() == before + 1);

  // After `config set` the form follows the newly pinned configuration, never a file on the command line.
  std::string moved = r.municipality;
  const std::string from = "熊谷市長";
  REQUIRE(moved.find(from) != std::string::npos);
  moved.replace(moved.find(from), from.size(), "行田市長");
  REQUIRE(messages(r.l.set_config(r.sup, moved, kMunicipalityPath)) == "");
  REQUIRE(write_certificate_form(r.l, r.b.batch_id(), r.staff, engine(), out).value);
  CHECK(pdf_text(read(out)).find("行田市長") != std::string::npos);
}

TEST_CASE("reconcile files: F the counts, F-lists.csv the lists, in the pinned [csv] format; an unwritable path is named") {
  OneRun r;
  auto rep = r.l.reconcile({"", "", parse_date("2025-09-15")}, &r.staff);
  REQUIRE(rep.ok());
  const std::string csv = r.tmp.file("reconcile.csv"), pdf = r.tmp.file("reconcile.pdf");
  const std::string lists = r.tmp.file("reconcile-lists.csv");
  CHECK(reconcile_lists_path(csv) == lists);
  CHECK(reconcile_lists_path("/x/table") == "/x/table-lists.csv");
  CHECK(reconcile_lists_path("/x/T.CSV") == "/x/T-lists.csv");
  auto w = write_reconcile(rep.value, csv, pdf, &engine());
  REQUIRE_MESSAGE(w.ok(), messages(w.problems));
  CHECK(w.value == "");
  auto tables = tsuchi::ledger::to_csv(rep.value, csv, lists);
  REQUIRE(tables.ok());
  CHECK(read(csv) == tables.value.batches);
  CHECK(read(lists) == tables.value.lists);
  // The defaults: UTF-8 with a BOM, the month as ="…" so Excel keeps it as text.
  CHECK(read(csv).rfind("\xEF\xBB\xBF" "batch_id,run_id,month,", 0) == 0);
  CHECK(read(csv).find("\r\n" + r.b.batch_id() + ",R20250901,\"=\"\"2025-09\"\"\",") != std::string::npos);
  CHECK(read(lists).rfind("\xEF\xBB\xBF" "batch_id,list,item,due\r\n", 0) == 0);
  CHECK(pdf_text(read(pdf)).find(r.b.batch_id()) != std::string::npos);

  const std::string nowhere = r.tmp.file("no/such.csv");
  CHECK(write_reconcile(rep.value, nowhere, "", nullptr).value == nowhere);
  CHECK(write_reconcile(rep.value, csv, r.tmp.file("no/such.pdf"), &engine()).value == r.tmp.file("no/such.pdf"));
  CHECK(write_reconcile(rep.value, "", "", nullptr).value == "");

  // The ledger's pinned configuration decides the format, never a file on the command line.
  std::string sjis = r.municipality;
  for (auto [from, to] : {std::pair<std::string, std::string>{"encoding   = \"utf-8-bom\"", "encoding = \"cp932\""},
                          {"excel_text = true", "excel_text = false"}}) {
    REQUIRE(sjis.find(from) != std::string::npos);
    sjis.replace(sjis.find(from), from.size(), to);
  }
  REQUIRE(messages(r.l.set_config(r.sup, sjis, kMunicipalityPath)) == "");
  auto pinned = r.l.reconcile({"", "", parse_date("2025-09-15")}, &r.staff);
  REQUIRE(pinned.ok());
  REQUIRE(write_reconcile(pinned.value, csv, "", nullptr).value == "");
  CHECK(read(csv).rfind("batch_id,run_id,month,", 0) == 0);  // CP932: no BOM
  CHECK(read(csv).find("\r\n" + r.b.batch_id() + ",R20250901,2025-09,") != std::string::npos);
}
