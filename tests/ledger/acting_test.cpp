// Who acts and what the commands outside custody leave on record: the role check of supervisor
// documents, the audit check's own record, a preview's record.
#include <doctest/doctest.h>

#include "support.hpp"

namespace {

AuditRecord last(const Ledger& l) { return l.audit_records().back(); }

}  // namespace

TEST_CASE("the actor takes its roles from municipality.toml when one is given") {
  auto none = load_actor("anyone", "");
  REQUIRE(none.ok());
  CHECK(none.value.user == "anyone");
  CHECK_FALSE(none.value.policy);

  // examples/municipality.toml [roles]: staff tanaka, suzuki; approver sato.
  auto sato = load_actor("sato", TSUCHI_DATA_DIR "/examples/municipality.toml");
  REQUIRE_MESSAGE(sato.ok(), messages(sato.problems));
  REQUIRE(sato.value.policy);
  CHECK(sato.value.policy->is_approver("sato"));
  CHECK(sato.value.policy->has_any_role("tanaka"));

  CHECK_FALSE(load_actor("sato", "/nonexistent/municipality.toml").ok());
}

TEST_CASE("supervisor documents: a user without a role is refused on record, others pass unrecorded") {
  TempDir tmp;
  TestClock clock;
  Ledger l = open_ledger(tmp, clock);
  struct Case {
    Actor who;
    bool admitted;
  };
  const Case cases[] = {
      {{"tanaka", test_policy()}, true},     // staff
      {{"takahashi", test_policy()}, true},  // supervisor
      {{"mallory", std::nullopt}, true},     // no --municipality: no role check
      {{"mallory", test_policy()}, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.who.user);
    const auto before = l.audit_records().size();
    auto a = l.admit(c.who, "certificate form", {"batch:" + kBatch});
    CHECK(a.problems.empty());
    CHECK(a.value == c.admitted);
    CHECK(l.audit_records().size() == before + (c.admitted ? 0 : 1));
  }
  const auto refused = last(l);
  CHECK(refused.user == "mallory");
  CHECK(refused.command == "certificate form");
  CHECK(refused.objects == std::vector<std::string>{"batch:" + kBatch});
  CHECK(refused.result == "refused: no role");
}

TEST_CASE("audit verify records its verdict after the walk; a preview records what left in plaintext") {
  TempDir tmp;
  TestClock clock;
  Ledger l = open_ledger(tmp, clock);
  REQUIRE(l.record_run(sealed_run(tmp, "tanaka").record).empty());
  REQUIRE(l.record_preview("suzuki", {3, 3, 2, 7, 7, {}}).empty());
  auto p = last(l);
  CHECK((p.user == "suzuki" && p.command == "preview" && p.objects.empty()));
  CHECK(p.result == "ok: 3 envelopes, 7 pages in plaintext");

  auto walk = l.verify_audit({});
  REQUIRE(walk.ok());
  REQUIRE(walk.value.records == 2);
  REQUIRE(l.record_audit_check(walk.value, "takahashi").empty());
  CHECK(last(l).command == "audit verify");
  CHECK(last(l).result == "ok: chain intact, 2 records");  // the check's own record is not counted

  AuditReport broken;
  broken.records = 5;
  broken.breaks = {{3, "deleted", ""}, {4, "edited", ""}};
  REQUIRE(l.record_audit_check(broken, "takahashi").empty());
  CHECK(last(l).result == "ok: chain broken at seq 3");  // the first break
  CHECK(l.verify_audit({}).value.ok());
}
