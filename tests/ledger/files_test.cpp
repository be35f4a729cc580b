// The ledger file itself (schema and migrations), municipality.toml keys, times, and the
// contractor files' bad rows with their exact messages.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include "support.hpp"

namespace {

std::vector<std::string> query_column(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  std::vector<std::string> out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK)
    while (sqlite3_step(s) == SQLITE_ROW) out.push_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

// A ledger with the sample run approved and handed over, ready for contractor files.
struct Handed {
  TempDir tmp;
  TestClock clock;
  Ledger l;
  Handed() : l(open_ledger(tmp, clock)) {
    SealedRun run = sealed_run(tmp, "tanaka");
    REQUIRE(l.record_run(run.record).empty());
    std::ofstream(run.dir + "/review.txt") << "run " << kRun << "\n";
    REQUIRE(l.approve(run.dir, {"sato", test_policy()}).empty());
    REQUIRE(l.handover(kBatch, {"tanaka", test_policy()}, "courier", "USB-1").empty());
  }
};

}  // namespace

TEST_CASE("a new ledger is migrated from empty, and a newer one is refused") {
  TempDir tmp;
  TestClock clock;
  {
    Ledger l = open_ledger(tmp, clock);
    CHECK(l.schema_version() == 1);
  }
  std::string path = tmp.file("ledger.sqlite");
  CHECK(query_column(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") ==
        std::vector<std::string>{"audit", "batches", "certificate_files", "certificates", "custody_events", "envelopes",
                                 "notices", "returns", "runs", "slips", "worklog_rows", "worklogs"});
  CHECK(query_column(path, "PRAGMA journal_mode") == std::vector<std::string>{"wal"});
  {
    Ledger again = open_ledger(tmp, clock);  // reopening changes nothing
    CHECK(again.schema_version() == 1);
  }
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version = 7", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto newer = Ledger::open(path, clock.clock());
  CHECK(messages(newer.problems) ==
        path + ": error: ledger schema version 7 is newer than this tsuchi understands (1); use a newer tsuchi\n");
}

TEST_CASE("the review sheet finds the previous run of the same month, else the last run") {
  TempDir tmp;
  TestClock clock;
  Ledger l = open_ledger(tmp, clock);
  auto make = [&](const std::string& id, const std::string& month, const std::string& at) {
    RunRecord r{id, "tanaka", at, month, {}, {}, {}};
    BatchRecord b{id + "-B001", sha256(id + "a"), sha256(id + "m"), sha256(id + "t"), {{id + "-B001/000001", "360", 1, 1, 1, 1}}};
    r.batches = {b};
    r.slips = {{id + "-B001/000001", "C001", month, 12300, true}};
    REQUIRE(l.record_run(r).empty());
  };
  make("R1", "2025-08", "2025-08-01T00:00:00Z");
  make("R2", "2025-09", "2025-09-01T00:00:00Z");
  make("R3", "2025-08", "2025-09-02T00:00:00Z");  // a re-run of August after September's run
  make("R4", "2025-10", "2025-10-01T00:00:00Z");
  CHECK_FALSE(l.previous_run("R1"));
  CHECK(l.previous_run("R3")->run_id == "R1");  // same month
  CHECK(l.previous_run("R2")->run_id == "R1");  // no earlier September: the last run
  CHECK(l.previous_run("R4")->run_id == "R3");
  CHECK(l.slips("R3") == std::vector<SlipRecord>{{"R3-B001/000001", "C001", "2025-08", 12300, true}});
}

TEST_CASE("municipality.toml: roles, office hours and due days") {
  auto p = load_policy(std::string(TSUCHI_DATA_DIR) + "/examples/municipality.toml");
  REQUIRE_MESSAGE(p.ok(), messages(p.problems));
  CHECK(p.value.staff == std::vector<std::string>{"tanaka", "suzuki"});
  CHECK(p.value.is_approver("sato"));
  CHECK_FALSE(p.value.is_approver("tanaka"));
  CHECK(p.value.has_any_role("takahashi"));
  CHECK(p.value.office_hours.configured);
  CHECK(p.value.office_hours.start_minute == 8 * 60 + 30);
  CHECK(p.value.office_hours.end_minute == 17 * 60 + 15);
  CHECK(p.value.certificate_due_days == 30);

  // The policy comes from the one shared reading of municipality.toml (core/config.hpp), so a bad
  // key gets the same message as in `tsuchi validate`.
  TempDir tmp;
  std::ifstream in(std::string(TSUCHI_DATA_DIR) + "/examples/municipality.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto replace = [&](const std::string& from, const std::string& to) {
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), to);
  };
  replace("start = \"08:30\"", "start = \"8:30\"");
  replace("certificate_due_days = 30", "certificate_due_days = 0");
  auto bad = tmp.write("m.toml", text);
  CHECK(messages(load_policy(bad).problems) ==
        bad + ":37:24: error: batch.certificate_due_days \"0\": must be a number of days, 1 or more\n" + bad +
            ":40:9: error: office_hours.start \"8:30\": must be a time written HH:MM, like \"08:30\"\n");
}

TEST_CASE("contractor times need an offset and become UTC") {
  const std::pair<const char*, const char*> rows[] = {
      {"2025-09-03T10:15:00+09:00", "2025-09-03T01:15:00Z"}, {"2025-09-03T10:15+09:00", "2025-09-03T01:15:00Z"},
      {"2025-09-01T05:00:00+09:00", "2025-08-31T20:00:00Z"}, {"2025-09-03T01:15:07.250Z", "2025-09-03T01:15:07Z"},
      {"2025-12-31T20:00:00-05:00", "2026-01-01T01:00:00Z"}, {"2025-09-03T10:15:00", nullptr},
      {"2025-09-03 10:15:00+09:00", nullptr},                {"2025-02-29T10:00:00Z", nullptr},
      {"2025-09-03T24:00:00Z", nullptr},                     {"2025-09-03T10:15:00+9", nullptr},
  };
  for (const auto& row : rows) {
    const char* in = row.first;  // not a structured binding: clang 14 cannot capture one (CAPTURE)
    const char* want = row.second;
    CAPTURE(in);
    auto got = normalize_time(in);
    if (want)
      CHECK(got == std::optional<std::string>(want));
    else
      CHECK_FALSE(got);
  }
}

TEST_CASE("bad rows in contractor files are refused whole, with file:line:column messages") {
  enum Kind { worklog, returns, receipt };
  struct Case {
    Kind kind;
    std::string csv;
    std::string messages;  // with F for the file's path
  };
  const std::string good = kBatch + "," + envelope(1) + ",mailed,2,2025-09-04T09:00:00+09:00\n";
  const std::string H = "batch_id,envelope_id,status,sheets,at\n";
  const Case cases[] = {
      {worklog, H + good + kBatch + "," + envelope(2) + ",lost,2,2025-09-04T09:00:00+09:00\n",
       "F:3:3: error: status \"lost\": must be one of inserted, reprinted, spoiled, mailed\n"},
      {worklog, H + good + kBatch + "," + envelope(2) + ",mailed,two,2025-09-04T09:00:00+09:00\n",
       "F:3:4: error: sheets \"two\": must be a whole number of sheets, 0 or more\n"},
      {worklog, H + kBatch + "," + envelope(2) + ",mailed,-1,2025-09-04T09:00:00+09:00\n",
       "F:2:4: error: sheets \"-1\": must be a whole number of sheets, 0 or more\n"},
      {worklog, H + kBatch + "," + envelope(2) + ",mailed,2,2025-09-04 09:00\n",
       "F:2:5: error: at \"2025-09-04 09:00\": must be an ISO-8601 time with its offset, e.g. 2025-09-03T10:15:00+09:00\n"},
      {worklog, H + "R20250901-B009," + envelope(2) + ",mailed,2,2025-09-04T09:00:00Z\n",
       "F:2:1: error: batch_id \"R20250901-B009\": no such batch in the ledger\n"},
      {worklog, H + kBatch + ",R20250901-B001/000099,mailed,2,2025-09-04T09:00:00Z\n",
       "F:2:2: error: envelope_id \"R20250901-B001/000099\": not an envelope of batch R20250901-B001\n"},
      {worklog, H + kBatch + ",,mailed,2,2025-09-04T09:00:00Z\n" + kBatch + "," + envelope(2) + ",mailed,2\n",
       "F:2:2: error: envelope_id \"\": required\nF:3: error: the record has 4 fields but the header has 5\n"},
      {worklog, "batch_id,envelope_id,sheets,at\n" + good, "F:1: error: missing column status\n"},
      {worklog, H + kBatch + ",\"" + envelope(2) + ",mailed,2,2025-09-04T09:00:00Z\n",
       "F:2:2: error: envelope_id \"\": a quoted field starts here but its closing quote is missing\n"},
      {returns, "envelope_id,reason,at,action\n" + envelope(1) + ",不在,2025-09-10T11:00:00+09:00,open\n",
       "F:2:2: error: reason \"不在\": must be one of あて所に尋ねあたりません, 転居先不明, 受取拒絶, 保管期間経過, あて名不完全 "
       "(or its code, see contractor-files.md)\n"},
      {returns, "envelope_id,reason,at,action\n" + envelope(1) + ",転居先不明,2025-09-10T11:00:00+09:00,burned\n",
       "F:2:4: error: action \"burned\": must be one of open, resent, handed_over, public_notice\n"},
      {returns, "envelope_id,reason,at\nX/000001,転居先不明,2025-09-10T11:00:00+09:00\n",
       "F:2:1: error: envelope_id \"X/000001\": no such envelope in the ledger\n"},
      {receipt, "batch_id,archive_sha256,received_at,received_by\n" + kBatch + "," + sha256(archive_bytes()) + ",2025-09-02,desk\n",
       "F:2:3: error: received_at \"2025-09-02\": must be an ISO-8601 time with its offset, e.g. 2025-09-03T10:15:00+09:00\n"},
      {receipt, "batch_id,archive_sha256,received_at,received_by\n" + kBatch + "," + sha256(archive_bytes()) +
                    ",2025-09-02T10:00:00Z,\n",
       "F:2:4: error: received_by \"\": required\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.csv);
    Handed h;
    std::string f = h.tmp.write("in.csv", c.csv);
    const Actor staff{"tanaka", test_policy()};
    auto r = c.kind == worklog ? h.l.import_worklog(f, staff)
             : c.kind == returns ? h.l.import_returns(f, staff)
                                 : h.l.import_receipt(f, staff);
    std::string want = c.messages;
    for (std::size_t p; (p = want.find("F:")) != std::string::npos;) want.replace(p, 1, f);
    CHECK(messages(r.problems) == want);
    // Nothing stored: no work log, no returns, no receipt; the refusal is audited.
    auto s = h.l.reconcile({"", kBatch, std::nullopt}, staff);
    REQUIRE(s.ok());
    CHECK_FALSE(s.value.batches[0].worklog);
    CHECK(s.value.batches[0].returned == 0);
    CHECK_FALSE(s.value.batches[0].received);
    auto audit = h.l.audit_records();
    REQUIRE(audit.size() >= 2);
    CHECK(audit[audit.size() - 2].result.rfind("refused: ", 0) == 0);
  }
}

TEST_CASE("work log flags: an envelope mailed twice, sheets and totals that disagree") {
  Handed h;
  const Actor staff{"tanaka", test_policy()};
  std::string f = h.tmp.write(
      "w.csv", "batch_id,envelope_id,status,sheets,at,postal_category\n" + kBatch + "," + envelope(1) +
                   ",mailed,2,2025-09-04T09:00:00Z,barcode\n" + kBatch + "," + envelope(2) +
                   ",mailed,3,2025-09-04T09:00:00Z,barcode\n" + kBatch + "," + envelope(1) +
                   ",mailed,2,2025-09-05T09:00:00Z,barcode\n" + kBatch + ",TOTAL,mailed,6,2025-09-05T18:00:00Z,\n");
  auto r = h.l.import_worklog(f, staff);
  CHECK(r.ok());  // flags are warnings: the report is stored, and reconcile keeps showing them
  CHECK(messages(r.problems) ==
        f + ": warning: envelope R20250901-B001/000001 reported mailed 2 times (lines 2, 4)\n" + f +
            ": warning: envelope R20250901-B001/000002 mailed with 3 sheets, sealed with 2 (line 3)\n" + f +
            ": warning: TOTAL mailed: the contractor reports 6 sheets, its log adds up to 7 (line 5)\n");
  auto s = h.l.reconcile({"", kBatch, std::nullopt}, staff);
  REQUIRE(s.ok());
  CHECK(s.value.batches[0].flags.size() == 3);
  CHECK(s.value.batches[0].mailed == 2);
  CHECK(s.value.batches[0].missing == std::vector<std::string>{envelope(3), envelope(4)});
}

TEST_CASE("certificates: NIST SP 800-88 fields checked, the file kept by its SHA-256") {
  Handed h;
  const Actor staff{"tanaka", test_policy()};
  std::string form = h.tmp.write("form.pdf", "%PDF-1.4 certificate");
  CertificateRequest c;
  c.file = form;
  c.batch_id = kBatch;
  c.medium = "spoilage";
  c.method = "Shred";
  c.date = "2025-09-31";
  c.tool = "Shredder";
  c.tool_version = "1";
  c.verification = "visual";
  c.place = "plant";
  c.operator_name = "op";
  auto r = h.l.import_certificate(c, staff);
  CHECK(messages(r.problems) == form + ": error: --method \"Shred\": must be Clear, Purge or Destroy (NIST SP 800-88)\n" +
                                    form + ": error: --date \"2025-09-31\": must be a date YYYY-MM-DD\n" + form +
                                    ": error: --witness \"\": required\n" + form +
                                    ": error: --quantity \"\": required for the spoilage medium: the number of sheets destroyed\n");
  c.batch_id.clear();
  CHECK(messages(h.l.import_certificate(c, staff).problems) ==
        form + ": error: no certificate-form QR code found in the file: pass --batch\n");

  // The QR hook: a matcher that reads the form's code finds the batch, and its manifest must match.
  c.method = "Destroy";
  c.date = "2025-09-20";
  c.witness = "w";
  c.quantity = 0;
  c.matcher = [](const std::string&) { return std::optional<FormCode>(FormCode{kBatch, std::string(64, 'a')}); };
  CHECK(messages(h.l.import_certificate(c, staff).problems) ==
        form + ": error: form QR code \"R20250901-B001\": the form's QR code carries another manifest digest than the "
               "one sealed for this batch\n");
  auto manifest = query_column(h.tmp.file("ledger.sqlite"), "SELECT manifest_sha256 FROM batches");
  c.matcher = [&](const std::string&) { return std::optional<FormCode>(FormCode{kBatch, manifest.at(0)}); };
  REQUIRE(h.l.import_certificate(c, staff).ok());
  CHECK(query_column(h.tmp.file("ledger.sqlite"), "SELECT sha256 FROM certificate_files") ==
        std::vector<std::string>{sha256("%PDF-1.4 certificate")});
  CHECK(query_column(h.tmp.file("ledger.sqlite"), "SELECT bytes FROM certificate_files") ==
        std::vector<std::string>{"%PDF-1.4 certificate"});
}
