// The audit log: its hash is the documented one, and `audit verify` names the seq of every kind
// of tampering done directly in SQL.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include "support.hpp"

namespace {

// Eight records: a run, then commands with nothing else to store.
void fill(const TempDir& tmp, TestClock& clock) {
  Ledger l = open_ledger(tmp, clock);
  SealedRun run = sealed_run(tmp, "tanaka");
  REQUIRE(l.record_run(run.record).empty());
  for (int i = 2; i <= 8; ++i) {
    clock.set("2025-09-0" + std::to_string(i % 5 + 1) + "T0" + std::to_string(i) + ":00:00Z");
    REQUIRE(l.append_audit({"suzuki", i % 2 ? "preview" : "validate", {"file:" + sha256(std::to_string(i))}, "ok"}).empty());
  }
}

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, msg);
}

AuditRecord record(const Ledger& l, std::int64_t seq) {
  for (const auto& r : l.audit_records())
    if (r.seq == seq) return r;
  FAIL("no record " << seq);
  return {};
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// A forged record the way someone who knows the algorithm would write it.
std::string forged_insert(const Ledger& l, std::int64_t seq, const std::string& prev_hash) {
  AuditRecord f{seq, "2025-09-02T02:00:00Z", "sato", "approve", {"run:" + kRun}, "ok", prev_hash, ""};
  f.hash = audit_hash(f);
  return "INSERT INTO audit(seq, at, user, command, objects, result, prev_hash, hash) VALUES (" +
         std::to_string(seq) + ", " + quote(f.at) + ", 'sato', 'approve', '[\"run:" + kRun + "\"]', 'ok', " +
         quote(prev_hash) + ", " + quote(f.hash) + ");";
}

std::string breaks(const AuditReport& r) {
  std::string s;
  for (const auto& b : r.breaks) s += std::to_string(b.seq) + " " + b.kind + "; ";
  return s;
}

}  // namespace

TEST_CASE("an audit record's hash is SHA-256 of prev_hash and its canonical JSON") {
  TempDir tmp;
  TestClock clock;
  Ledger l = open_ledger(tmp, clock);
  REQUIRE(l.append_audit({"tanaka", "preview", {"file:abc"}, "ok"}).empty());
  REQUIRE(l.append_audit({"tanaka", "validate", {}, "refused: 2 error(s)"}).empty());
  auto rows = l.audit_records();
  REQUIRE(rows.size() == 2);
  std::string genesis(64, '0');
  CHECK(rows[0].prev_hash == genesis);
  CHECK(rows[0].hash == sha256(genesis + R"({"at":"2025-09-01T01:00:00Z","command":"preview","objects":["file:abc"],)"
                                         R"("result":"ok","seq":1,"user":"tanaka"})"));
  CHECK(rows[1].prev_hash == rows[0].hash);
  CHECK(rows[1].hash == sha256(rows[0].hash + R"({"at":"2025-09-01T01:00:00Z","command":"validate","objects":[],)"
                                              R"j("result":"refused: 2 error(s)","seq":2,"user":"tanaka"})j"));
}

TEST_CASE("audit verify passes an intact chain and names the seq of each tampering") {
  struct Case {
    const char* name;
    std::function<std::string(const Ledger&)> sql;  // the tampering, given the intact ledger
    std::string breaks;                             // every break, in order: "seq kind; "
  };
  const Case cases[] = {
      {"edited in place", [](const Ledger&) { return "UPDATE audit SET user = 'mallory' WHERE seq = 3;"; }, "3 edited; "},
      {"edited and re-hashed",
       [](const Ledger& l) {
         AuditRecord r = record(l, 3);
         r.result = "ok: nothing happened";
         return "UPDATE audit SET result = " + quote(r.result) + ", hash = " + quote(audit_hash(r)) + " WHERE seq = 3;";
       },
       "3 edited; "},
      {"hash overwritten", [](const Ledger&) { return "UPDATE audit SET hash = '" + std::string(64, 'f') + "' WHERE seq = 5;"; },
       "5 edited; "},
      {"deleted", [](const Ledger&) { return "DELETE FROM audit WHERE seq = 3;"; }, "3 deleted; "},
      {"first deleted", [](const Ledger&) { return "DELETE FROM audit WHERE seq = 1;"; }, "1 deleted; "},
      {"deleted, the next record relinked and re-hashed",
       [](const Ledger& l) {
         AuditRecord r = record(l, 4);
         r.prev_hash = record(l, 2).hash;
         return "DELETE FROM audit WHERE seq = 3; UPDATE audit SET prev_hash = " + quote(r.prev_hash) +
                ", hash = " + quote(audit_hash(r)) + " WHERE seq = 4;";
       },
       "3 deleted; 4 edited; "},
      {"deleted and renumbered",
       [](const Ledger&) { return "DELETE FROM audit WHERE seq = 3; UPDATE audit SET seq = seq - 1 WHERE seq > 3;"; },
       "3 deleted; 3 reordered; "},
      {"inserted and renumbered",
       [](const Ledger& l) {
         return "UPDATE audit SET seq = -seq WHERE seq >= 3; UPDATE audit SET seq = 1 - seq WHERE seq < 0; " +
                forged_insert(l, 3, record(l, 2).hash);
       },
       "3 inserted; 4 reordered; "},
      {"reordered",
       [](const Ledger&) {
         return "UPDATE audit SET seq = -1 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4; "
                "UPDATE audit SET seq = 4 WHERE seq = -1;";
       },
       "3 reordered; 4 reordered; "},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    TempDir tmp;
    TestClock clock;
    fill(tmp, clock);
    std::string sql;
    {
      Ledger l = open_ledger(tmp, clock);
      auto before = l.verify_audit({});
      REQUIRE(before.ok());
      REQUIRE(before.value.ok());
      CHECK(before.value.records == 8);
      sql = c.sql(l);
    }
    exec(tmp.file("ledger.sqlite"), sql);
    Ledger l = open_ledger(tmp, clock);
    auto after = l.verify_audit({});
    REQUIRE(after.ok());
    CHECK_FALSE(after.value.ok());
    CHECK(breaks(after.value) == c.breaks);
    CHECK(to_text(after.value).find("BROKEN: first at seq " + c.breaks.substr(0, 1)) != std::string::npos);
  }
}

TEST_CASE("audit verify reports the whole break list as JSON") {
  TempDir tmp;
  TestClock clock;
  fill(tmp, clock);
  exec(tmp.file("ledger.sqlite"), "UPDATE audit SET command = 'approve' WHERE seq = 6; DELETE FROM audit WHERE seq = 2;");
  Ledger l = open_ledger(tmp, clock);
  auto r = l.verify_audit({});
  REQUIRE(r.ok());
  std::string json = to_json(r.value);
  CHECK(json.find(R"("ok": false)") != std::string::npos);
  CHECK(json.find(R"("first_break": {
    "detail": "seq 3 links to a record that is no longer in the log",
    "kind": "deleted",
    "seq": 2
  })") != std::string::npos);
  CHECK(breaks(r.value) == "2 deleted; 6 edited; ");
}

TEST_CASE("actions outside office hours are flagged, not breaks") {
  TempDir tmp;
  TestClock clock;
  Ledger l = open_ledger(tmp, clock);
  struct Row {
    const char* at;      // UTC
    const char* reason;  // empty: inside office hours
  };
  const Row rows[] = {
      {"2025-09-01T01:00:00Z", ""},                                                          // Mon 10:00 JST
      {"2025-09-01T23:30:00Z", ""},                                                          // Tue 08:30 JST
      {"2025-09-01T23:29:00Z", "2025-09-02 08:29 local time: outside office hours 08:30–17:15"},
      {"2025-09-02T08:15:00Z", "2025-09-02 17:15 local time: outside office hours 08:30–17:15"},
      {"2025-09-06T01:00:00Z", "2025-09-06 10:00 local time: Saturday is not an office day"},
      {"2025-09-15T01:00:00Z", "2025-09-15 10:00 local time: a public holiday"},             // 敬老の日
      {"2025-12-30T01:00:00Z", "2025-12-30 10:00 local time: year-end closure (12/29–1/3)"},
  };
  for (const auto& r : rows) {
    clock.set(r.at);
    REQUIRE(l.append_audit({"tanaka", "reconcile", {}, "ok"}).empty());
  }
  auto policy = load_policy(std::string(TSUCHI_DATA_DIR) + "/examples/municipality.toml");
  REQUIRE_MESSAGE(policy.ok(), messages(policy.problems));
  auto rep = l.verify_audit(policy.value.office_hours);
  REQUIRE(rep.ok());
  CHECK(rep.value.ok());
  std::vector<std::string> got, want;
  for (const auto& f : rep.value.flags) got.push_back(std::to_string(f.seq) + " " + f.reason);
  for (std::size_t i = 0; i < std::size(rows); ++i)
    if (*rows[i].reason) want.push_back(std::to_string(i + 1) + " " + rows[i].reason);
  CHECK(got == want);
  CHECK(l.verify_audit({}).value.flags.empty());  // no [office_hours]: nothing to flag
}
