// Issue 12: contractor evidence checked against custody (approved and handed over, times, media, the
// form's code), imports that are idempotent and correctable, capped flags, CP932 files, and reconcile
// telling "lost" from "not sent yet".
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace {

const std::string kLogHeader = "batch_id,envelope_id,status,sheets,at\n";
std::string mailed(int env, const std::string& at = "2025-09-04T09:00:00+09:00") {
  return kBatch + "," + envelope(env) + ",mailed,2," + at + "\n";
}

enum class Step { sealed, approved, handed };

// The sample run taken to `step`; the clock then stands at 2025-09-30 10:00 JST.
struct Custody : Office {
  explicit Custody(Step step) {
    if (step == Step::sealed) {
      SealedRun run = sealed_run(tmp, staff.user);
      must(l.reserve_run(staff, kRun, run.dir, true).problems, "reserve_run");
      must(l.record_run(run.record, staff), "record_run");
    } else {
      approved_run(*this);
    }
    if (step == Step::handed) must(l.handover(kBatch, staff, "courier", "USB-1"), "handover");  // 2025-09-01 10:00 JST
    clock.set("2025-09-30T01:00:00Z");
  }
  BatchStatus status() {
    auto r = l.reconcile({"", kBatch, std::nullopt}, nullptr);
    REQUIRE_MESSAGE(r.ok(), messages(r.problems));
    REQUIRE(r.value.batches.size() == 1);
    return r.value.batches[0];
  }
  CertificateRequest certificate(const std::string& file, const std::string& medium) {
    CertificateRequest c;
    c.file = file;
    c.batch_id = kBatch;
    c.medium = medium;
    c.method = "Destroy";
    c.tool = c.tool_version = c.verification = c.place = c.operator_name = c.witness = "x";
    c.date = "2025-09-20";
    c.quantity = 0;
    c.matcher = [](const std::string&) { return std::optional<FormCode>(FormCode{kBatch, sha256(manifest_bytes())}); };
    return c;
  }
};

const char* kRefused = "has not been approved and handed over (tsuchi approve, tsuchi handover): evidence for it is refused";

}  // namespace

TEST_CASE("evidence for a batch not approved and handed over is refused, naming the batch, once") {
  struct Case {
    Step step;
    const char* kind;
  };
  const Case cases[] = {{Step::sealed, "worklog"},  {Step::approved, "worklog"}, {Step::sealed, "receipt"},
                        {Step::approved, "receipt"}, {Step::sealed, "returns"},  {Step::approved, "returns"},
                        {Step::sealed, "certificate"}, {Step::approved, "certificate"}};
  for (const auto& c : cases) {
    CAPTURE(c.kind);
    CAPTURE(static_cast<int>(c.step));
    Custody o(c.step);
    const std::string kind = c.kind;
    Checked<ImportSummary> r;
    if (kind == "worklog") {
      r = o.l.import_worklog(o.tmp.write("w.csv", kLogHeader + mailed(1) + mailed(2) + mailed(3)), o.staff);
    } else if (kind == "receipt") {
      r = o.l.import_receipt(o.tmp.write("r.csv", "batch_id,archive_sha256,received_at,received_by\n" + kBatch + "," +
                                                      sha256(archive_bytes()) + ",2025-09-02T10:00:00Z,desk\n"),
                             o.staff);
    } else if (kind == "returns") {
      r = o.l.import_returns(o.tmp.write("x.csv", "envelope_id,reason,at\n" + envelope(1) + ",refused,2025-09-10T10:00:00Z\n"),
                             o.staff);
    } else {
      r = o.l.import_certificate(o.certificate(o.tmp.write("c.pdf", "%PDF form"), "archive"), o.staff);
    }
    CHECK_FALSE(r.ok());
    const std::string m = messages(r.problems);
    CHECK(m.find("batch " + kBatch + " " + kRefused) != std::string::npos);
    CHECK(m.find(kRefused) == m.rfind(kRefused));  // said once, not once per row
    CHECK(o.l.audit_records().back().result.rfind("refused", 0) == 0);
    CHECK(query_column(o.path(), "SELECT COUNT(*) FROM imports") == std::vector<std::string>{"0"});
  }
}

TEST_CASE("contractor times: before the handover or past now + 10 minutes are refused") {
  // The clock stands at 2025-09-30T01:00:00Z; the handover was at 2025-09-01T01:00:00Z.
  struct Case {
    std::string at;
    std::string error;  // empty: accepted
  };
  const Case cases[] = {
      {"2020-01-06T09:00:00+09:00", "before the batch was handed over (tsuchi handover)"},
      {"2025-09-01T09:59:59+09:00", "before the batch was handed over (tsuchi handover)"},
      {"2025-09-01T10:00:00+09:00", ""},
      {"2025-09-30T10:10:00+09:00", ""},  // the clock tolerance
      {"2025-09-30T10:10:01+09:00", "in the future: later than the ledger's clock allows (10 minutes' tolerance)"},
      {"2026-01-01T00:00:00Z", "in the future: later than the ledger's clock allows (10 minutes' tolerance)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.at);
    Custody o(Step::handed);
    auto f = o.tmp.write("w.csv", kLogHeader + mailed(1, c.at));
    auto r = o.l.import_worklog(f, o.staff);
    CHECK(r.ok() == c.error.empty());
    if (!c.error.empty()) CHECK(messages(r.problems) == f + ":2:5: error: at \"" + *normalize_time(c.at) + "\": " + c.error + "\n");
  }
}

TEST_CASE("certificates: a medium handed over (or archive, spoilage), the form's code, dates, one per medium") {
  struct Case {
    std::string medium, date;
    bool with_code;
    std::string error;  // a part of the message; empty: accepted
  };
  const Case cases[] = {
      {"USB-1", "2025-09-20", true, ""},
      {"archive", "2025-09-20", true, ""},
      {"spoilage", "2025-09-20", true, ""},
      {"USB-2", "2025-09-20", true, "--medium \"USB-2\": no medium of that id was handed over with batch R20250901-B001: use USB-1, archive or spoilage"},
      {"USB-1", "2020-01-06", true, "--date \"2020-01-06\": before the batch was handed over"},
      {"USB-1", "2025-10-01", true, "--date \"2025-10-01\": in the future"},
      {"USB-1", "2025-09-20", false, "no certificate-form QR code for batch R20250901-B001 in the file"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.medium);
    CAPTURE(c.date);
    Custody o(Step::handed);
    auto req = o.certificate(o.tmp.write("c.pdf", "%PDF form"), c.medium);
    req.date = c.date;
    if (!c.with_code) req.matcher = nullptr;
    auto r = o.l.import_certificate(req, o.staff);
    CHECK(r.ok() == c.error.empty());
    CHECK(messages(r.problems).find(c.error) != std::string::npos);
  }
}

TEST_CASE("a certificate without its form code: only a supervisor, with a reason kept out of the audit record") {
  Custody o(Step::handed);
  auto req = o.certificate(o.tmp.write("hostname", "tsuchi-host\n"), "USB-1");
  req.matcher = nullptr;
  req.no_form_code = true;
  CHECK(messages(o.l.import_certificate(req, o.staff).problems).find("the supervisor role") != std::string::npos);
  Actor sup = o.act(o.sup_key, "import certificate override", {keys::Role::supervisor});
  CHECK(messages(o.l.import_certificate(req, sup).problems).find("--reason \"\": required with --no-form-code") !=
        std::string::npos);
  req.override_reason = "form torn at the plant";
  auto r = o.l.import_certificate(req, sup);
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  const auto rec = o.l.audit_records().back();
  CHECK(rec.command == "import certificate override");
  for (const auto& obj : rec.objects) CHECK(obj.find("torn") == std::string::npos);
  CHECK(rec.result.find("torn") == std::string::npos);
  CHECK(query_column(o.path(), "SELECT note FROM imports") == std::vector<std::string>{"form torn at the plant"});
  CHECK(o.status().certified_media == std::vector<std::string>{"USB-1"});
  auto v = o.l.verify_audit({});
  REQUIRE(v.ok());
  CHECK_MESSAGE(v.value.ok(), to_text(v.value));  // the override's rows are its own to write
}

TEST_CASE("the same file twice changes nothing; a correction supersedes explicitly; nothing counts twice") {
  Custody o(Step::handed);
  const std::string log = o.tmp.write("w.csv", kLogHeader + mailed(1) + mailed(2));
  auto first = o.l.import_worklog(log, o.staff);
  REQUIRE(first.ok());
  CHECK(first.value.file_sha256 == sha256(read_bytes(log)));
  auto again = o.l.import_worklog(log, o.staff);
  REQUIRE(again.ok());
  CHECK(again.value.already_imported);
  CHECK(o.l.audit_records().back().result == "ok: already imported (sha256 " + sha256(read_bytes(log)) + ")");
  CHECK(query_column(o.path(), "SELECT COUNT(*) FROM worklog_rows") == std::vector<std::string>{"2"});

  const std::string fixed = o.tmp.write("w2.csv", kLogHeader + mailed(1) + mailed(2) + mailed(3) + mailed(4));
  auto wrong = o.l.import_worklog(fixed, o.staff, std::string(64, 'a'));
  CHECK(messages(wrong.problems).find("--supersede \"" + std::string(64, 'a') + "\": not the file currently recorded") !=
        std::string::npos);
  REQUIRE(o.l.import_worklog(fixed, o.staff, first.value.file_sha256).ok());
  CHECK(o.status().mailed == 4);
  CHECK(o.status().missing.empty());

  // Returns: the same file is a no-op; an identical row in another file adds nothing.
  const std::string ret = "envelope_id,reason,at,action\n" + envelope(1) + ",転居先不明,2025-09-10T11:00:00+09:00,open\n";
  REQUIRE(o.l.import_returns(o.tmp.write("r1.csv", ret), o.staff).ok());
  CHECK(o.l.import_returns(o.tmp.write("r1.csv", ret), o.staff).value.already_imported);
  auto more = o.l.import_returns(
      o.tmp.write("r2.csv", ret + envelope(2) + ",受取拒絶,2025-09-10T11:00:00+09:00,open\n"), o.staff);
  REQUIRE(more.ok());
  CHECK(more.value.rows == 1);
  CHECK(o.status().returned == 2);

  // Certificates: a second for the same medium is refused unless it supersedes; only the latest counts.
  const std::string c1 = o.tmp.write("c1.pdf", "%PDF one sheet"), c2 = o.tmp.write("c2.pdf", "%PDF two sheets");
  auto spoil = o.certificate(c1, "spoilage");
  spoil.quantity = 1;
  REQUIRE(o.l.import_certificate(spoil, o.staff).ok());
  CHECK(o.l.import_certificate(spoil, o.staff).value.already_imported);
  spoil.file = c2;
  spoil.quantity = 2;
  CHECK(messages(o.l.import_certificate(spoil, o.staff).problems).find("--supersede " + sha256("%PDF one sheet")) !=
        std::string::npos);
  spoil.supersedes = sha256("%PDF one sheet");
  REQUIRE(o.l.import_certificate(spoil, o.staff).ok());
  CHECK(o.status().destroyed == 2);
  auto v = o.l.verify_audit({});
  REQUIRE(v.ok());
  CHECK_MESSAGE(v.value.ok(), to_text(v.value));
}

TEST_CASE("reconcile: not yet handed over is counted, not missing; a work log makes the gaps missing") {
  struct Case {
    Step step;
    bool worklog;
    int not_handed, awaiting;
    std::vector<std::string> missing;
  };
  const Case cases[] = {
      {Step::sealed, false, 4, 0, {}},
      {Step::approved, false, 4, 0, {}},
      {Step::handed, false, 0, 4, {}},
      {Step::handed, true, 0, 0, {envelope(3), envelope(4)}},
  };
  for (const auto& c : cases) {
    CAPTURE(static_cast<int>(c.step));
    Custody o(c.step);
    if (c.worklog) REQUIRE(o.l.import_worklog(o.tmp.write("w.csv", kLogHeader + mailed(1) + mailed(2)), o.staff).ok());
    auto s = o.status();
    CHECK(s.not_handed_over == c.not_handed);
    CHECK(s.awaiting_worklog == c.awaiting);
    CHECK(s.missing == c.missing);
    auto r = o.l.reconcile({"", "", std::nullopt}, nullptr);
    REQUIRE(r.ok());
    CHECK(r.value.months.at(0).not_handed_over == c.not_handed);
    CHECK(failing_conditions(r.value, {"flags", "missing", "overdue"}) ==
          (c.missing.empty() ? std::vector<std::string>{} : std::vector<std::string>{"missing"}));
    auto j = nlohmann::json::parse(to_json(r.value));
    CHECK(j["batches"][0]["not_handed_over"] == c.not_handed);
    CHECK(j["months"][0]["not_handed_over"] == c.not_handed);
  }
}

TEST_CASE("reconcile flags mailed but never handed over, on every format") {
  // A work log put in by SQL (the 8,170 records' way): no genuine handover covers it.
  Custody o(Step::approved);
  exec_sql(o.path(), "INSERT INTO worklogs(batch_id, file_sha256, imported_at, user, audit_seq) VALUES (" +
                         quote(kBatch) + ", 'x', '2025-09-04T00:00:00Z', 'sato', 99);"
                         "INSERT INTO worklog_rows VALUES (1, 2, " + quote(envelope(1)) +
                         ", 'mailed', 2, '2025-09-04T00:00:00Z', '', 99);");
  auto r = o.l.reconcile({"", kBatch, std::nullopt}, nullptr);
  REQUIRE(r.ok());
  const auto& b = r.value.batches.at(0);
  CHECK(b.mailed_not_handed);
  REQUIRE_FALSE(b.flags.empty());
  CHECK(b.flags[0].rfind("mailed but never handed over", 0) == 0);
  CHECK(to_text(r.value).find("flag: mailed but never handed over") != std::string::npos);
  auto tables = to_csv(r.value, "t.csv", "t-lists.csv");
  CHECK(tables.value.batches.find(",true,") != std::string::npos);
  CHECK(tables.value.lists.find("\n" + kBatch + ",flags,") != std::string::npos);  // the flag on a row of its own
  CHECK(nlohmann::json::parse(to_json(r.value))["batches"][0]["mailed_not_handed_over"] == true);
  CHECK(failing_conditions(r.value, {"flags"}) == std::vector<std::string>{"flags"});
}

TEST_CASE("repeated flags are capped: after 20 of one kind, one line with the count") {
  Custody o(Step::handed);
  std::string log = kLogHeader;
  for (int i = 0; i < 30; ++i) log += kBatch + "," + envelope(1 + i % 4) + ",mailed,3,2025-09-04T09:00:00+09:00\n";
  auto r = o.l.import_worklog(o.tmp.write("w.csv", log), o.staff);
  REQUIRE(r.ok());
  auto s = o.status();
  int sheet_flags = 0;
  for (const auto& f : s.flags) sheet_flags += f.find("mailed with 3 sheets") != std::string::npos;
  CHECK(sheet_flags == 20);
  CHECK(std::find(s.flags.begin(), s.flags.end(), "… and 10 more: envelopes mailed with another sheet count") !=
        s.flags.end());
  // Errors too: 30 bad statuses give 20 messages and one count.
  std::string bad = kLogHeader;
  for (int i = 0; i < 30; ++i) bad += kBatch + "," + envelope(1) + ",lost,2,2025-09-04T09:00:00+09:00\n";
  auto f = o.tmp.write("bad.csv", bad);
  auto refused = o.l.import_worklog(f, o.staff);
  CHECK(refused.problems.size() == 21);
  CHECK(format(refused.problems.back()) == f + ": error: … and 10 more problem(s) in column status");
}

TEST_CASE("contractor files in UTF-8, UTF-8 with BOM or CP932; neither is refused without mojibake") {
  const std::string utf8 = "envelope_id,reason,at\n" + envelope(1) + ",転居先不明,2025-09-10T11:00:00+09:00\n";
  // CP932 bytes made by iconv (outside the code under test), not kept as a binary blob.
  Custody probe(Step::sealed);
  const std::string src = probe.tmp.write("utf8.csv", utf8);
  const std::string conv = probe.tmp.file("cp932.csv");
  REQUIRE(std::system(("iconv -f UTF-8 -t CP932 " + src + " > " + conv).c_str()) == 0);
  const std::string cp932 = read_bytes(conv);
  REQUIRE(cp932 != utf8);
  struct Case {
    const char* name;
    std::string bytes;
    bool ok;
  };
  const Case cases[] = {{"UTF-8", utf8, true},
                        {"UTF-8 with BOM", "\xEF\xBB\xBF" + utf8, true},
                        {"CP932", cp932, true},
                        {"neither", "envelope_id,reason,at\n" + envelope(1) + ",\x82\xA0\xFF\xFE\x80,2025-09-10T11:00:00+09:00\n",
                         false}};
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Custody o(Step::handed);
    auto r = o.l.import_returns(o.tmp.write("r.csv", c.bytes), o.staff);
    CHECK_MESSAGE(r.ok() == c.ok, messages(r.problems));
    if (c.ok) CHECK(o.status().returned == 1);
    if (!c.ok) {
      CHECK(messages(r.problems).find("not UTF-8 or CP932") != std::string::npos);
      CHECK(messages(r.problems).find("\xEF\xBF\xBD") == std::string::npos);  // no U+FFFD
    }
  }
}

TEST_CASE("a void counts only from a genuine `void` record: a row put in by SQL leaves the run in the totals") {
  // The table `voids` comes with `tsuchi void` (issue 12, RUNS); here it is planted by SQL.
  Custody o(Step::handed);
  exec_sql(o.path(), "CREATE TABLE IF NOT EXISTS voids(id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, reason TEXT NOT NULL, "
                     "audit_seq INTEGER NOT NULL); INSERT INTO voids(run_id, reason, audit_seq) VALUES (" +
                         quote(kRun) + ", 'forged', 3);");
  auto r = o.l.reconcile({"", "", std::nullopt}, nullptr);
  REQUIRE(r.ok());
  CHECK(r.value.voided.empty());
  CHECK(r.value.batches.size() == 1);
  CHECK(r.value.months.at(0).sealed == 4);
}
