// Issue 12, runs: a run id reserved before rendering, voided runs, and the ledger's refusal of a
// network filesystem.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <set>
#include <thread>

#include "support.hpp"

namespace {

// A run of one batch under `id`, recorded by staff after its reservation (the support run's shape).
RunRecord one_batch_run(const std::string& id) {
  RunRecord r{id, "sato", "2025-09-01T00:30:00Z", "2025-09", {}, {}, {}};
  BatchRecord b{id + "-B001", sha256(id + "a"), sha256(id + "m"), sha256(id + "t"), {{id + "-B001/000001", "360", 1, 1, 1, 1}}};
  r.batches = {b};
  return r;
}

}  // namespace

TEST_CASE("reserve_run: an exact id once; otherwise the first free of id, id-2, id-3") {
  Office o;
  auto first = o.l.reserve_run(o.staff, "R20250901", "/out/a", false);
  REQUIRE(first.ok());
  CHECK(first.value == "R20250901");
  CHECK(o.l.reserve_run(o.staff, "R20250901", "/out/b", false).value == "R20250901-2");
  CHECK(o.l.reserve_run(o.staff, "R20250901", "/out/c", false).value == "R20250901-3");
  // An exact --run-id that is taken is refused, and the refusal is on record.
  auto taken = o.l.reserve_run(o.staff, "R20250901-2", "/out/d", true);
  CHECK_FALSE(taken.ok());
  CHECK(taken.value.empty());
  CHECK(messages(taken.problems).find("already reserved") != std::string::npos);
  CHECK(query_column(o.path(), "SELECT result FROM audit WHERE command = 'run reserve' ORDER BY seq DESC LIMIT 1")[0] ==
        "refused: run id taken");
  CHECK(query_column(o.path(), "SELECT out_dir FROM run_reservations WHERE run_id = 'R20250901-3'") ==
        std::vector<std::string>{"/out/c"});
  // Only staff reserve runs.
  CHECK_FALSE(o.l.reserve_run(o.approver, "R9", "/out/e", true).ok());
  auto v = o.l.verify_audit();
  REQUIRE(v.ok());
  CHECK_MESSAGE(v.value.ok(), to_text(v.value));
}

TEST_CASE("record_run requires a reservation of that id by the same maker") {
  Office o;
  CHECK(messages(o.l.record_run(one_batch_run("R1"), o.staff)).find("was not reserved") != std::string::npos);
  const Actor& kato = o.maker("kato");
  REQUIRE(o.l.reserve_run(kato, "R2", "/out/r2", true).ok());
  CHECK(has_errors(o.l.record_run(one_batch_run("R2"), o.staff)));  // reserved by someone else
  REQUIRE(o.l.reserve_run(o.staff, "R3", "/out/r3", true).ok());
  CHECK(messages(o.l.record_run(one_batch_run("R3"), o.staff)) == "");
  // A recorded run's id is never reserved again.
  CHECK_FALSE(o.l.reserve_run(o.staff, "R3", "/out/again", true).ok());
  CHECK(o.l.reserve_run(o.staff, "R3", "/out/again", false).value == "R3-2");
}

TEST_CASE("concurrent reservations from two handles get distinct ids") {
  Office o;
  constexpr int kEach = 8;
  std::vector<std::string> ids[2];
  {
    Ledger a = o.reopen(), b = o.reopen();
    auto reserve = [&](Ledger& l, std::vector<std::string>& into) {
      for (int i = 0; i < kEach; ++i) {
        auto r = l.reserve_run(o.staff, "R20250901", "/out/" + std::to_string(i), false);
        if (r.ok()) into.push_back(r.value);
      }
    };
    std::thread t1(reserve, std::ref(a), std::ref(ids[0]));
    std::thread t2(reserve, std::ref(b), std::ref(ids[1]));
    t1.join();
    t2.join();
  }
  std::set<std::string> all(ids[0].begin(), ids[0].end());
  all.insert(ids[1].begin(), ids[1].end());
  CHECK(ids[0].size() == kEach);
  CHECK(ids[1].size() == kEach);
  CHECK(all.size() == 2 * kEach);
  CHECK(all.count("R20250901"));
  CHECK(all.count("R20250901-16"));
}

TEST_CASE("void: approver or supervisor, with a reason; then approve and handover refuse the run") {
  Office o;
  SealedRun run = approved_run(o);
  const Actor sup = o.act(o.sup_key, "void", {keys::Role::supervisor});
  struct Case {
    const char* name;
    const Actor* who;
    std::string run_id, reason;
    const char* refusal;  // nullptr: voided
  };
  const Case cases[] = {
      {"staff may not void", &o.staff, kRun, "made in error", "refused: role"},
      {"a reason is required", &sup, kRun, "  ", "refused: no reason"},
      {"an unknown run", &sup, "R404", "typo", "refused: unknown run"},
      {"the supervisor voids", &sup, kRun, "superseded by R20250901-2", nullptr},
      {"once only", &o.approver, kRun, "again", "refused: already voided"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto ds = o.l.void_run(*c.who, c.run_id, c.reason);
    CHECK(has_errors(ds) == (c.refusal != nullptr));
    const auto last = query_column(o.path(), "SELECT result FROM audit WHERE command = 'void' ORDER BY seq DESC LIMIT 1");
    REQUIRE(last.size() == 1);
    CHECK(last[0] == (c.refusal ? c.refusal : "ok: voided"));
  }
  CHECK(o.l.voided(kRun));
  CHECK(query_column(o.path(), "SELECT reason FROM voids") == std::vector<std::string>{"superseded by R20250901-2"});
  const std::string sheet = sha256("review sheet of run " + kRun + "\n");
  auto again = o.l.approve(kRun, sheet, o.approver);
  CHECK_FALSE(again.ok());
  CHECK(messages(again.problems).find("voided") != std::string::npos);
  auto handed = o.l.handover(kBatch, o.staff, "courier", "USB-1");
  CHECK(messages(handed).find("voided") != std::string::npos);
  // The void is one signed record whose row verify finds intact; a void row put in by SQL is not.
  auto v = o.l.verify_audit();
  REQUIRE(v.ok());
  CHECK_MESSAGE(v.value.ok(), to_text(v.value));
  exec_sql(o.path(), "INSERT INTO voids(run_id, reason, audit_seq) VALUES ('" + kRun + "', 'sql', 2)");
  auto tampered = o.l.verify_audit();
  REQUIRE(tampered.ok());
  CHECK_FALSE(tampered.value.ok());
}

TEST_CASE("the ledger file is created 0600") {
  Office o;
  struct stat st {};
  REQUIRE(::stat(o.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("network filesystems by statfs f_type") {
  // Magic numbers from statfs(2) and linux/magic.h.
  struct Case {
    std::int64_t f_type;
    const char* name;  // nullptr: local
  };
  const Case cases[] = {
      {0x6969, "NFS"},        {0xFF534D42, "CIFS"}, {0xFE534D42, "SMB2"}, {0x517B, "SMB"},
      {0x01021997, "9P"},     {0x65735546, "FUSE"}, {0xEF53, nullptr},    {0x58465342, nullptr},
      {0x01021994, nullptr},  {0x9123683E, nullptr},
  };
  for (const auto& c : cases) {
    CAPTURE(c.f_type);
    const auto got = network_filesystem(c.f_type);
    CHECK(got.has_value() == (c.name != nullptr));
    if (got && c.name) CHECK(*got == c.name);
  }
}
