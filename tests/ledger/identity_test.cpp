// Who acts (SPEC §13): the registered, unrevoked owner of a key, with the role for the command;
// users and the configuration are a supervisor's records; a refusal is on record, signed by the
// key that was presented.
#include <doctest/doctest.h>

#include <functional>

#include "support.hpp"

namespace {

using keys::Role;

AuditRecord last(const Ledger& l) { return l.audit_records().back(); }

bool refused(const Diagnostics& ds) { return has_errors(ds); }

}  // namespace

TEST_CASE("identify: only a registered, unrevoked key with the command's role acts, and refusals are recorded") {
  Office o;
  const keys::SecretKey stranger = keys::SecretKey::generate(keys::Kind::user);
  struct Case {
    const char* name;
    const keys::SecretKey* key;
    const char* command;
    std::vector<Role> roles;
    const char* user;  // the identified user; nullptr: refused
    bool recorded = true;  // a refusal is on record, signed by the presented key
  };
  const Case cases[] = {
      {"staff runs", &o.staff_key, "run", {Role::staff}, "sato"},
      {"staff previews", &o.staff_key, "preview", {Role::staff}, "sato"},
      {"approver approves", &o.approver_key, "approve", {Role::approver}, "suzuki"},
      {"supervisor adds users", &o.sup_key, "user add", {Role::supervisor}, "sup"},
      {"any role reviews", &o.approver_key, "review", {}, "suzuki"},
      {"any role imports", &o.sup_key, "import receipt", {}, "sup"},
      {"an unregistered key", &stranger, "reconcile", {}, nullptr},
      {"an unregistered key for a role", &stranger, "run", {Role::staff}, nullptr},
      {"staff cannot approve", &o.staff_key, "approve", {Role::approver}, nullptr},
      {"approver cannot run", &o.approver_key, "run", {Role::staff}, nullptr},
      {"approver cannot preview", &o.approver_key, "preview", {Role::staff}, nullptr},
      {"staff cannot add users", &o.staff_key, "user add", {Role::supervisor}, nullptr},
      {"supervisor cannot approve", &o.sup_key, "approve", {Role::approver}, nullptr},
      {"the city key is nobody", &o.city, "reconcile", {}, nullptr, false},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const auto before = o.l.audit_records().size();
    auto a = o.l.identify(*c.key, "os-account", c.command, c.roles, {"batch:" + kBatch});
    if (c.user) {
      REQUIRE_MESSAGE(a.ok(), messages(a.problems));
      CHECK(a.value.user == c.user);
      CHECK(a.value.os_user == "os-account");
      CHECK(a.value.key == c.key);
      CHECK(a.value.fingerprint == c.key->public_key().fingerprint());
      auto cert = keys::check(a.value.certificate, o.city.public_key());
      REQUIRE_MESSAGE(cert.ok(), messages(cert.problems));
      CHECK(cert.value.name == c.user);
      CHECK(cert.value.user_public_key == c.key->public_key().hex());
    } else {
      CHECK_FALSE(a.ok());
      CHECK_FALSE(a.problems.empty());
      // The refusal is on record, with the presented key as its signer and the OS account beside it.
      REQUIRE(o.l.audit_records().size() == before + (c.recorded ? 1 : 0));
      if (!c.recorded) continue;
      const auto r = last(o.l);
      CHECK(r.command == c.command);
      CHECK(r.result.rfind("refused", 0) == 0);
      CHECK(r.signer == c.key->public_key().hex());
      CHECK(r.os_user == "os-account");
    }
  }
  // Recorded refusals are part of an intact log.
  auto v = o.l.verify_audit();
  REQUIRE(v.ok());
  CHECK(v.value.ok());
}

TEST_CASE("user add: a supervisor's record; one key belongs to one user, ever") {
  Office o;
  const keys::SecretKey other_city = keys::SecretKey::generate(keys::Kind::city);
  const keys::SecretKey fresh = keys::SecretKey::generate(keys::Kind::user);
  struct Case {
    const char* name;
    std::function<Diagnostics()> add;
    bool ok;
  };
  const Case cases[] = {
      {"staff cannot add users",
       [&] { return o.l.add_user(o.staff, o.city, "kato", Role::staff, fresh.public_key()); }, false},
      {"an approver cannot add users",
       [&] { return o.l.add_user(o.approver, o.city, "kato", Role::staff, fresh.public_key()); }, false},
      {"another city's key does not certify for this ledger",
       [&] { return o.l.add_user(o.sup, other_city, "kato", Role::staff, fresh.public_key()); }, false},
      // The maker given the approver role under a second name would approve their own run.
      {"the staff key again, as an approver",
       [&] { return o.l.add_user(o.sup, o.city, "sato2", Role::approver, o.staff_key.public_key()); }, false},
      {"the supervisor's key again", [&] { return o.l.add_user(o.sup, o.city, "sup2", Role::staff, o.sup_key.public_key()); },
       false},
      {"a registered name with a new key", [&] { return o.l.add_user(o.sup, o.city, "sato", Role::approver, fresh.public_key()); },
       false},
      {"an empty name", [&] { return o.l.add_user(o.sup, o.city, "", Role::staff, fresh.public_key()); }, false},
      {"a new person", [&] { return o.l.add_user(o.sup, o.city, "kato", Role::staff, fresh.public_key()); }, true},
      {"the same person twice", [&] { return o.l.add_user(o.sup, o.city, "kato", Role::staff, fresh.public_key()); }, false},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const auto users = o.l.users().size();
    auto ds = c.add();
    CHECK(refused(ds) == !c.ok);
    CHECK(o.l.users().size() == users + (c.ok ? 1 : 0));
    CHECK(last(o.l).command == "user add");
    CHECK((last(o.l).result.rfind("refused", 0) == 0) == !c.ok);
  }
  // user list: every user with role, key and who added them.
  const auto users = o.l.users();
  REQUIRE(users.size() == 4);
  CHECK(users[0].name == "sup");
  CHECK(users[0].role == Role::supervisor);
  CHECK(users[0].added_by == "");
  CHECK(users[0].public_key_hex == o.sup_key.public_key().hex());
  CHECK(users[1].name == "sato");
  CHECK(users[1].role == Role::staff);
  CHECK(users[1].added_by == "sup");
  CHECK(users[1].fingerprint == o.staff_key.public_key().fingerprint());
  CHECK(users[2].name == "suzuki");
  CHECK(users[2].role == Role::approver);
  CHECK(users[3].name == "kato");
  for (const auto& u : users) CHECK(u.active());
  CHECK(to_text(users).find(o.staff_key.public_key().fingerprint()) != std::string::npos);
  CHECK(o.l.verify_audit().value.ok());
}

TEST_CASE("the city key is never a person's key: the root that certifies users does not act as one") {
  Office o;
  CHECK(has_errors(o.l.add_user(o.sup, o.city, "city", Role::staff, o.city.public_key())));
  // The same 32 bytes presented as a user key.
  keys::PublicKey as_user = o.city.public_key();
  as_user.kind = keys::Kind::user;
  CHECK(has_errors(o.l.add_user(o.sup, o.city, "city2", Role::approver, as_user)));
  CHECK(o.l.users().size() == 3);

  const std::string fresh = o.tmp.file("fresh.sqlite");
  auto l = Ledger::init({fresh, &o.city, o.municipality, kMunicipalityPath, "sup", as_user, "os"}, o.clock.clock());
  CHECK_FALSE(l.ok());
  CHECK_FALSE(fs::exists(fresh));
}

TEST_CASE("user revoke: the key stops acting from that record on; its name and key are never reissued") {
  Office o;
  CHECK(refused(o.l.revoke_user(o.staff, "suzuki")));  // staff cannot revoke
  CHECK(refused(o.l.revoke_user(o.sup, "nobody")));
  REQUIRE(messages(o.l.revoke_user(o.sup, "sato")) == "");
  CHECK(refused(o.l.revoke_user(o.sup, "sato")));  // already revoked

  auto a = o.l.identify(o.staff_key, "os", "run", {Role::staff});
  CHECK_FALSE(a.ok());
  CHECK(last(o.l).result.rfind("refused", 0) == 0);
  auto users = o.l.users();
  REQUIRE(users.size() == 3);
  CHECK_FALSE(users[1].active());
  CHECK(users[1].revoked_by == "sup");
  CHECK(users[1].revoked_seq > users[1].added_seq);

  // The revoked key cannot come back under any name or role.
  CHECK(refused(o.l.add_user(o.sup, o.city, "sato", Role::staff, o.staff_key.public_key())));
  CHECK(refused(o.l.add_user(o.sup, o.city, "sato-b", Role::approver, o.staff_key.public_key())));
  CHECK(o.l.users().size() == 3);

  // An Actor identified before the revocation is refused after it: were its record stored, verify
  // would rightly call it unauthorized, and the log would stay BROKEN for an honest race.
  CHECK(refused(o.l.append_audit({"reconcile", {}, "ok"}, o.staff)));
  auto v = o.l.verify_audit();
  REQUIRE(v.ok());
  CHECK_MESSAGE(v.value.ok(), to_text(v.value));
}

TEST_CASE("the maker never approves their own run, whatever name they come back under") {
  Office o;
  SealedRun run = sealed_run(o.tmp, o.staff.user);
  REQUIRE(o.l.reserve_run(o.staff, kRun, run.dir, true).ok());
  REQUIRE(messages(o.l.record_run(run.record, o.staff)) == "");
  const std::string sheet = sha256("review sheet");
  REQUIRE(messages(o.l.record_review(kRun, sheet, o.staff)) == "");
  // sato is revoked and comes back as an approver with a new key, under the same name.
  REQUIRE(messages(o.l.revoke_user(o.sup, "sato")) == "");
  const keys::SecretKey second = keys::SecretKey::generate(keys::Kind::user);
  const bool readded = !refused(o.l.add_user(o.sup, o.city, "sato", Role::approver, second.public_key()));
  if (readded) {
    auto again = o.act(second, "approve", {Role::approver});
    CHECK_FALSE(o.l.approve(kRun, sheet, again).ok());
  }
  // Nor does anyone else: the run of a revoked maker is made again.
  auto second_person = o.l.approve(kRun, sheet, o.approver);
  CHECK(messages(second_person.problems).find("revoked") != std::string::npos);
}

TEST_CASE("config set: a supervisor pins a new configuration; others are refused") {
  Office o;
  auto pinned = o.l.config();
  CHECK(pinned.text == o.municipality);
  CHECK(pinned.sha256 == sha256(o.municipality));
  CHECK(pinned.source == kMunicipalityPath);
  CHECK(pinned.seq == 1);
  CHECK(o.l.policy().certificate_due_days == 30);  // examples/municipality.toml [batch]

  std::string changed = o.municipality;
  const std::string from = "certificate_due_days = 30";
  REQUIRE(changed.find(from) != std::string::npos);
  changed.replace(changed.find(from), from.size(), "certificate_due_days = 45");
  CHECK(refused(o.l.set_config(o.staff, changed, "elsewhere/municipality.toml")));
  CHECK(refused(o.l.set_config(o.approver, changed, "elsewhere/municipality.toml")));
  CHECK(o.l.config().sha256 == sha256(o.municipality));
  // A configuration the shared reader refuses is not pinned.
  CHECK(refused(o.l.set_config(o.sup, "[batch]\ncertificate_due_days = \"soon\"\n", "bad.toml")));
  CHECK(o.l.config().sha256 == sha256(o.municipality));

  REQUIRE(messages(o.l.set_config(o.sup, changed, "/srv/city/municipality.toml")) == "");
  CHECK(o.l.config().sha256 == sha256(changed));
  CHECK(o.l.config().source == "/srv/city/municipality.toml");
  CHECK(o.l.config().seq == o.l.head().seq);
  CHECK(o.l.policy().certificate_due_days == 45);
  CHECK(o.reopen().config().text == changed);  // pinned in the file, not in the handle
  CHECK(o.l.verify_audit().value.ok());
}

TEST_CASE("preview is an export: recorded before the first file and again after, with the files' digests") {
  Office o;
  const auto before = o.l.head().seq;
  auto start = o.l.record_preview_start(o.staff, o.tmp.file("preview"), sha256("inputs"));
  REQUIRE_MESSAGE(start.ok(), messages(start.problems));
  CHECK(start.value == before + 1);
  CHECK(last(o.l).command == "preview");
  CHECK(last(o.l).user == "sato");
  const std::vector<Ledger::PreviewFile> files = {{"notices.pdf", sha256("pdf bytes")}, {"slips.pdf", sha256("slips")}};
  REQUIRE(messages(o.l.record_preview_done(o.staff, start.value, files, {3, 3, 2, 7, 7, {}}, true)) == "");
  const auto done = last(o.l);
  CHECK(done.seq == start.value + 1);
  CHECK(done.command.rfind("preview", 0) == 0);
  std::string objects;
  for (const auto& x : done.objects) objects += x + " ";
  CHECK(objects.find(sha256("pdf bytes")) != std::string::npos);
  CHECK(objects.find(sha256("slips")) != std::string::npos);

  // One that stopped is recorded as stopped.
  auto second = o.l.record_preview_start(o.staff, o.tmp.file("preview2"), sha256("inputs"));
  REQUIRE(second.ok());
  REQUIRE(messages(o.l.record_preview_done(o.staff, second.value, {}, {}, false)) == "");
  CHECK(last(o.l).result != done.result);

  // identify refuses an approver for preview; one identified for another command and passed on
  // anyway is refused by the ledger or caught by verify as unauthorized, never silent.
  CHECK_FALSE(o.l.identify(o.approver_key, "os", "preview").ok());
  const Actor approver = o.act(o.approver_key, "review");
  auto sneaked = o.l.record_preview_start(approver, o.tmp.file("preview3"), sha256("inputs"));
  auto v = o.l.verify_audit();
  REQUIRE(v.ok());
  CHECK_FALSE((sneaked.ok() && v.value.ok()));
}

TEST_CASE("audit verify --key records its verdict after the walk") {
  Office o;
  auto walk = o.l.verify_audit();
  REQUIRE(walk.ok());
  REQUIRE(walk.value.ok());
  const auto records = walk.value.records;
  CHECK(records == o.l.head().seq);
  CHECK(walk.value.head == o.l.head());
  CHECK(walk.value.city_key_fingerprint == o.city.public_key().fingerprint());
  REQUIRE(messages(o.l.record_audit_check(walk.value, o.sup)) == "");
  CHECK(last(o.l).command == "audit verify");
  CHECK(last(o.l).result.rfind("ok", 0) == 0);
  CHECK(last(o.l).result.find(std::to_string(records) + " records") != std::string::npos);

  AuditReport broken = walk.value;
  broken.breaks = {{3, "deleted", ""}, {4, "edited", ""}};
  REQUIRE(messages(o.l.record_audit_check(broken, o.sup)) == "");
  CHECK(last(o.l).result.find("seq 3") != std::string::npos);  // the first break
  CHECK(o.l.verify_audit().value.ok());
}

TEST_CASE("who may act is what the records wrote: one SQL statement on the identity rows stops every command") {
  // Each row is an insider's single statement against the rows identify() reads.
  struct Case {
    const char* name;
    std::function<std::string(Office&)> sql;
  };
  const Case cases[] = {
      {"a revocation deleted (the revoked user acts again)",
       [](Office& o) {
         Office::must(o.l.revoke_user(o.sup, "sato"), "revoke");
         return std::string("DELETE FROM revocations;");
       }},
      {"a configuration inserted (other payee codes for the next run)",
       [](Office&) {
         return std::string("INSERT INTO configs(sha256, source, text, audit_seq) SELECT sha256, source, "
                            "replace(text, 'city_name', 'city_name'), 3 FROM configs;");
       }},
      {"a user's role raised", [](Office&) { return std::string("UPDATE users SET role = 'approver' WHERE name = 'sato';"); }},
      {"the city key replaced",
       [](Office&) {
         return "UPDATE ledger_meta SET city_public_key = '" +
                keys::SecretKey::generate(keys::Kind::city).public_key().hex() + "';";
       }},
  };
  for (const auto& c : cases) {
    CAPTURE(std::string(c.name));
    Office o;
    exec_sql(o.path(), c.sql(o));
    auto l = o.reopen();
    auto who = l.identify(o.staff_key, "os", "run", {keys::Role::staff});
    REQUIRE_FALSE(who.ok());
    CHECK(messages(who.problems).find("the audit log is broken") != std::string::npos);
    auto sup = l.identify(o.sup_key, "os", "user add", {keys::Role::supervisor});
    CHECK_FALSE(sup.ok());
  }
  // The honest ledger still admits everyone.
  Office o;
  CHECK(o.reopen().identify(o.staff_key, "os", "run", {keys::Role::staff}).ok());
}
