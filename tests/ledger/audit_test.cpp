// The audit log: each record signed by its actor and chained, custody rows derived from records,
// and `audit verify` naming the seq and kind of every tampering done directly in SQL.
#include <nlohmann/json.hpp>
#include <doctest/doctest.h>

#include <functional>

#include "support.hpp"

namespace {

// The sample run approved and handed over, then six records with nothing else to store.
struct Filled : Office {
  Filled() {
    approved_run(*this);
    must(l.handover(kBatch, staff, "courier", "USB-1"), "handover");
    for (int i = 1; i <= 6; ++i) {
      clock.set("2025-09-0" + std::to_string(i % 4 + 2) + "T0" + std::to_string(i) + ":00:00Z");
      must(l.append_audit({"certificate form", {"batch:" + kBatch, "file:" + sha256(std::to_string(i))}, "ok"},
                          i % 2 ? staff : approver),
           "append");
    }
  }
  AuditRecord record(std::int64_t seq) const {
    for (const auto& r : l.audit_records())
      if (r.seq == seq) return r;
    throw std::runtime_error("no record " + std::to_string(seq));
  }
  // The seq of the first record of `command`.
  std::int64_t first(const std::string& command) const {
    for (const auto& r : l.audit_records())
      if (r.command == command && r.result.rfind("ok", 0) == 0) return r.seq;
    throw std::runtime_error("no record of " + command);
  }
};

std::string hex_to_bytes(const std::string& hex) {
  std::string bin(hex.size() / 2, '\0');
  std::size_t len = 0;
  sodium_hex2bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), hex.data(), hex.size(), nullptr, &len, nullptr);
  bin.resize(len);
  return bin;
}
std::string bytes_to_hex(const std::string& bin) {
  std::string hex(bin.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bin.data()), bin.size());
  hex.pop_back();
  return hex;
}
// What a record's actor signs (output_spec/ledger.md): a domain label, then the record's hash.
std::string record_signed_bytes(const AuditRecord& r) { return "tsuchi-audit-v2\n" + r.hash; }
std::string record_signature(const keys::SecretKey& key, const AuditRecord& r) {
  return bytes_to_hex(key.sign(record_signed_bytes(r)));
}

std::string breaks(const AuditReport& r) {
  std::string s;
  for (const auto& b : r.breaks) s += std::to_string(b.seq) + " " + b.kind + "; ";
  return s;
}
bool has_kind(const AuditReport& r, const std::string& kind) {
  for (const auto& b : r.breaks)
    if (b.kind == kind) return true;
  return false;
}

// Every hash from `from` on recomputed with the documented rule, each linked to the one before:
// what someone who knows the algorithm, but holds no key, can do after an edit.
std::string rechain(const std::vector<AuditRecord>& records, std::int64_t from) {
  std::string sql, prev;
  for (auto r : records) {
    if (r.seq >= from) {
      r.prev_hash = prev;
      r.hash = audit_hash(r);
      sql += "UPDATE audit SET prev_hash = " + quote(r.prev_hash) + ", hash = " + quote(r.hash) +
             " WHERE seq = " + std::to_string(r.seq) + ";";
    }
    prev = r.hash;
  }
  return sql;
}

// A record appended by SQL the way the ledger writes one, signed with `key`.
std::string signed_insert(const AuditRecord& last, const keys::SecretKey& key, const std::string& user,
                          const std::string& command, const std::vector<std::string>& objects) {
  AuditRecord r;
  r.seq = last.seq + 1;
  r.at = "2025-09-08T02:00:00Z";
  r.user = user;
  r.os_user = "os";
  r.signer = key.public_key().hex();
  r.command = command;
  r.objects = objects;
  r.result = "ok";
  r.effects = sha256("");
  r.prev_hash = last.hash;
  r.hash = audit_hash(r);
  r.signature = record_signature(key, r);
  std::string objs = "[";
  for (const auto& o : objects) objs += (objs.size() > 1 ? "," : "") + std::string("\"") + o + "\"";
  objs += "]";
  return "INSERT INTO audit(seq, at, user, os_user, signer, command, objects, result, effects, prev_hash, hash, "
         "signature) VALUES (" +
         std::to_string(r.seq) + ", " + quote(r.at) + ", " + quote(r.user) + ", " + quote(r.os_user) + ", " +
         quote(r.signer) + ", " + quote(r.command) + ", " + quote(objs) + ", " + quote(r.result) + ", " +
         quote(r.effects) + ", " + quote(r.prev_hash) + ", " + quote(r.hash) + ", " + quote(r.signature) + ");";
}

// A copy of the newest custody_events row of `kind`, with another kind: schema-agnostic (the table's
// own columns, its integer key left for SQLite to assign).
std::string copied_event(const std::string& path, const std::string& kind, const std::string& as) {
  auto columns = query_column(path, "SELECT name FROM pragma_table_info('custody_events') WHERE pk = 0");
  std::string names, values;
  for (const auto& c : columns) {
    names += (names.empty() ? "" : ", ") + c;
    values += (values.empty() ? "" : ", ") + (c == "kind" ? quote(as) : c);
  }
  return "INSERT INTO custody_events(" + names + ") SELECT " + values + " FROM custody_events WHERE kind = " + quote(kind) +
         " ORDER BY rowid DESC LIMIT 1;";
}

}  // namespace

TEST_CASE("each record is chained by audit_hash and signed by its actor's key") {
  Filled f;
  const auto records = f.l.audit_records();
  REQUIRE(records.size() >= 12);
  std::string prev(64, '0');
  std::int64_t seq = 0;
  for (const auto& r : records) {
    CAPTURE(r.seq);
    CHECK(r.seq == ++seq);
    CHECK(r.prev_hash == prev);
    CHECK(r.hash == audit_hash(r));
    CHECK(r.hash.size() == 64);
    auto key = keys::public_key_from_hex(keys::Kind::user, r.signer);
    REQUIRE(key);
    CHECK(keys::verify(*key, record_signed_bytes(r), hex_to_bytes(r.signature)));
    prev = r.hash;
  }
  CHECK(records.front().signer == f.city.public_key().hex());  // ledger init
  CHECK(records.back().signer == f.approver_key.public_key().hex());
  CHECK(records.back().user == "suzuki");
  CHECK(f.l.head() == Head{records.back().seq, records.back().hash});
  CHECK(f.l.head().text() == std::to_string(records.back().seq) + ":" + records.back().hash);
  CHECK(parse_head(f.l.head().text()) == f.l.head());
  // A record's hash covers every field but itself and the signature: change any, and it changes.
  AuditRecord r = records.back();
  const std::string h = audit_hash(r);
  std::vector<std::function<void(AuditRecord&)>> edits = {
      [](AuditRecord& x) { x.seq++; },          [](AuditRecord& x) { x.at += " "; },
      [](AuditRecord& x) { x.user += "x"; },    [](AuditRecord& x) { x.os_user += "x"; },
      [](AuditRecord& x) { x.signer[0] ^= 1; }, [](AuditRecord& x) { x.command += "x"; },
      [](AuditRecord& x) { x.objects.pop_back(); }, [](AuditRecord& x) { x.result += "x"; },
      [](AuditRecord& x) { x.effects[0] ^= 1; }, [](AuditRecord& x) { x.prev_hash[0] ^= 1; },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    CAPTURE(i);
    AuditRecord e = r;
    edits[i](e);
    CHECK(audit_hash(e) != h);
  }
  r.signature = "00";
  r.hash = "ff";
  CHECK(audit_hash(r) == h);
}

TEST_CASE("an audit record's hash is SHA-256 of prev_hash and its canonical JSON, as output_spec/ledger.md writes it") {
  Office o;
  o.clock.set("2025-09-02T03:04:05Z");
  REQUIRE(messages(o.l.append_audit({"certificate form", {"batch:" + kBatch, "file:abc"}, "ok"}, o.staff)) == "");
  const AuditRecord r = o.l.audit_records().back();
  const auto prev = o.l.audit_records()[static_cast<std::size_t>(r.seq - 2)];
  // Sorted keys, no whitespace; written out by hand here, not with the JSON library the ledger uses.
  const std::string canonical = R"({"at":"2025-09-02T03:04:05Z","command":"certificate form","effects":")" + sha256("") +
                                R"(","objects":["batch:R20250901-B001","file:abc"],"os_user":"os-run","result":"ok","seq":)" +
                                std::to_string(r.seq) + R"(,"signer":")" + o.staff_key.public_key().hex() +
                                R"(","user":"sato"})";
  CHECK(r.prev_hash == prev.hash);
  CHECK(r.hash == sha256(prev.hash + canonical));
  CHECK(r.signature == bytes_to_hex(o.staff_key.sign("tsuchi-audit-v2\n" + r.hash)));  // Ed25519 is deterministic
}

TEST_CASE("audit head texts") {
  const std::string h(64, 'a');
  struct Row {
    std::string text;
    bool ok;
  };
  const Row rows[] = {
      {"12:" + h, true}, {"1:" + h, true}, {"0:" + h, false}, {"-1:" + h, false}, {"12:" + h.substr(1), false},
      {"12:" + std::string(64, 'A'), false}, {"12" + h, false}, {":" + h, false}, {"x:" + h, false}, {"12:" + h + " ", false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto p = parse_head(r.text);
    CHECK(p.has_value() == r.ok);
    if (p) CHECK(p->text() == r.text);
  }
}

TEST_CASE("audit verify passes an honest ledger and names the seq and kind of each tampering") {
  struct Case {
    const char* name;
    std::function<std::string(const Filled&)> sql;          // the tampering, given the intact ledger
    std::function<std::string(const Filled&)> first_break;  // "seq kind" of the first break
  };
  const auto at = [](std::int64_t seq, const char* kind) { return std::to_string(seq) + " " + kind; };
  const std::int64_t last = [] {
    Filled f;
    return f.l.head().seq;
  }();
  const Case cases[] = {
      {"a record's user edited",
       [&](const Filled&) { return "UPDATE audit SET user = 'mallory' WHERE seq = " + std::to_string(last - 2) + ";"; },
       [&](const Filled&) { return at(last - 2, "edited"); }},
      {"a record's result edited",
       [&](const Filled&) { return "UPDATE audit SET result = 'ok: nothing' WHERE seq = " + std::to_string(last - 3) + ";"; },
       [&](const Filled&) { return at(last - 3, "edited"); }},
      {"edited, then every hash recomputed (the signatures cannot be)",
       [&](const Filled& f) {
         auto records = f.l.audit_records();
         records[static_cast<std::size_t>(last - 4)].user = "mallory";  // seq last - 3
         return "UPDATE audit SET user = 'mallory' WHERE seq = " + std::to_string(last - 3) + ";" +
                rechain(records, last - 3);
       },
       [&](const Filled&) { return at(last - 3, "forged"); }},
      {"a middle record deleted", [&](const Filled&) { return "DELETE FROM audit WHERE seq = " + std::to_string(last - 2) + ";"; },
       [&](const Filled&) { return at(last - 2, "deleted"); }},
      {"two records swapped",
       [&](const Filled&) {
         const auto a = std::to_string(last - 2), b = std::to_string(last - 1);
         return "UPDATE audit SET seq = -1 WHERE seq = " + a + "; UPDATE audit SET seq = " + a + " WHERE seq = " + b +
                "; UPDATE audit SET seq = " + b + " WHERE seq = -1;";
       },
       [&](const Filled&) { return at(last - 2, "reordered"); }},
      {"a second approval event inserted by SQL",
       [&](const Filled& f) { return copied_event(f.path(), "approved", "approved"); },
       [&](const Filled& f) { return at(f.first("approve"), "unrecorded"); }},
      {"a custody event deleted",
       [&](const Filled&) { return "DELETE FROM custody_events WHERE kind = 'handed_over';"; },
       [&](const Filled& f) { return at(f.first("handover"), "unrecorded"); }},
      {"the release of an approval deleted",
       [&](const Filled&) { return std::string("DELETE FROM releases;"); },
       [&](const Filled& f) { return at(f.first("approve"), "unrecorded"); }},
      {"a release replaced by another text",
       [&](const Filled&) {
         return std::string("UPDATE releases SET release_json = replace(release_json, '\"sequence\":', '\"sequence\":1');");
       },
       [&](const Filled& f) { return at(f.first("approve"), "unrecorded"); }},
      {"a slip's amount changed",
       [&](const Filled&) { return "UPDATE slips SET amount = amount + 1000 WHERE rowid = 1;"; },
       [&](const Filled& f) { return at(f.first("run"), "unrecorded"); }},
      {"a registered staff key signs an approval appended by SQL",
       [&](const Filled& f) {
         return signed_insert(f.l.audit_records().back(), f.staff_key, "sato", "approve", {"run:" + kRun});
       },
       [&](const Filled&) { return at(last + 1, "unauthorized"); }},
      {"an unregistered key signs a record appended by SQL",
       [&](const Filled& f) {
         const auto mallory = keys::SecretKey::generate(keys::Kind::user);
         return signed_insert(f.l.audit_records().back(), mallory, "mallory", "reconcile", {});
       },
       [&](const Filled&) { return at(last + 1, "unauthorized"); }},
      {"a staff record claimed by the approver",
       [&](const Filled& f) {
         auto records = f.l.audit_records();
         records[static_cast<std::size_t>(f.first("run") - 1)].user = "suzuki";
         return "UPDATE audit SET user = 'suzuki' WHERE seq = " + std::to_string(f.first("run")) + ";" +
                rechain(records, f.first("run"));
       },
       [&](const Filled& f) { return at(f.first("run"), "forged"); }},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    Filled f;
    REQUIRE(f.l.head().seq == last);
    auto honest = f.l.verify_audit({f.l.head(), f.city.public_key()});
    REQUIRE(honest.ok());
    REQUIRE_MESSAGE(honest.value.ok(), to_text(honest.value));
    CHECK(honest.value.records == last);
    const std::string want = c.first_break(f);
    exec_sql(f.path(), c.sql(f));
    auto after = f.reopen().verify_audit();
    REQUIRE_MESSAGE(after.ok(), messages(after.problems));
    CAPTURE(breaks(after.value));
    REQUIRE_FALSE(after.value.ok());
    CHECK(std::to_string(after.value.breaks.front().seq) + " " + after.value.breaks.front().kind == want);
    CHECK(to_text(after.value).find("first at seq " + std::to_string(after.value.breaks.front().seq)) != std::string::npos);
  }
}

TEST_CASE("truncation is found only against a head noted before it") {
  Filled f;
  const Head noted = f.l.head();
  // The newest records hold no custody rows, so cutting them leaves a chain that is intact in itself.
  exec_sql(f.path(), "DELETE FROM audit WHERE seq > " + std::to_string(noted.seq - 2) + ";");
  auto l = f.reopen(Ledger::Access::read_only);
  auto alone = l.verify_audit();
  REQUIRE(alone.ok());
  CHECK(alone.value.ok());  // why the head is printed on releases, sheets and reports
  auto pinned = l.verify_audit({noted, std::nullopt});
  REQUIRE(pinned.ok());
  CAPTURE(breaks(pinned.value));
  REQUIRE_FALSE(pinned.value.ok());
  CHECK(pinned.value.breaks.front().kind == "truncated");
  CHECK(pinned.value.expected_head == noted);

  // A head that names an existing seq with another hash is a different history.
  Filled g;
  Head other = g.l.head();
  other.seq -= 1;
  auto wrong = g.l.verify_audit({other, std::nullopt});
  REQUIRE(wrong.ok());
  CHECK_FALSE(wrong.value.ok());
  CHECK((wrong.value.breaks.front().kind == "edited" || wrong.value.breaks.front().kind == "truncated"));
}

TEST_CASE("a release's head is its approval: cutting the log back to before the approval is truncation") {
  Filled f;
  const auto release_head = parse_head([&] {
    auto q = query_column(f.path(), "SELECT release_json FROM releases");
    auto j = nlohmann::json::parse(q.at(0));
    return j["approval"]["audit_head"].get<std::string>();
  }());
  REQUIRE(release_head);
  CHECK(release_head->seq == f.first("approve"));
  // A clean cut: the approval and everything after it, records and rows, as if they never were.
  const std::string from = std::to_string(release_head->seq);
  exec_sql(f.path(), "DELETE FROM custody_events WHERE audit_seq >= " + from + "; DELETE FROM releases; DELETE FROM audit WHERE seq >= " + from + ";");
  auto l = f.reopen(Ledger::Access::read_only);
  auto alone = l.verify_audit();
  REQUIRE(alone.ok());
  CHECK(alone.value.ok());
  auto pinned = l.verify_audit({release_head, std::nullopt});
  REQUIRE(pinned.ok());
  REQUIRE_FALSE(pinned.value.ok());
  CHECK(pinned.value.breaks.front().kind == "truncated");
}

TEST_CASE("the ledger's root: verify against another city key breaks") {
  Filled f;
  const auto other = keys::SecretKey::generate(keys::Kind::city);
  auto v = f.l.verify_audit({std::nullopt, other.public_key()});
  REQUIRE(v.ok());
  CHECK_FALSE(v.value.ok());
  CHECK(v.value.breaks.front().seq == 1);
  CHECK(v.value.breaks.front().kind == "forged");
  auto right = f.l.verify_audit({std::nullopt, f.city.public_key()});
  REQUIRE(right.ok());
  CHECK(right.value.ok());
  CHECK(right.value.city_key_fingerprint == f.city.public_key().fingerprint());

  // A whole ledger re-made under another city key (every record re-signed) does not pass as this city's.
  Office forged;
  auto v2 = forged.l.verify_audit({std::nullopt, f.city.public_key()});
  REQUIRE(v2.ok());
  CHECK_FALSE(v2.value.ok());
}

TEST_CASE("audit verify reports the whole break list as JSON") {
  Filled f;
  const auto last = f.l.head().seq;
  exec_sql(f.path(), "UPDATE audit SET command = 'approve' WHERE seq = " + std::to_string(last) +
                         "; DELETE FROM audit WHERE seq = " + std::to_string(last - 3) + ";");
  auto r = f.reopen().verify_audit();
  REQUIRE(r.ok());
  const std::string json = to_json(r.value);
  CHECK(json.find(R"("ok": false)") != std::string::npos);
  CHECK(json.find(R"("kind": "deleted")") != std::string::npos);
  CHECK(breaks(r.value).rfind(std::to_string(last - 3) + " deleted; ", 0) == 0);
  CHECK(has_kind(r.value, "edited"));
}

TEST_CASE("actions outside office hours are flagged, not breaks") {
  Office o;
  struct Row {
    const char* at;      // UTC
    const char* reason;  // empty: inside office hours
  };
  const Row rows[] = {
      {"2025-09-01T01:00:00Z", ""},  // Mon 10:00 JST
      {"2025-09-01T23:30:00Z", ""},  // Tue 08:30 JST
      {"2025-09-01T23:29:00Z", "2025-09-02 08:29 local time: outside office hours 08:30–17:15"},
      {"2025-09-02T08:15:00Z", "2025-09-02 17:15 local time: outside office hours 08:30–17:15"},
      {"2025-09-06T01:00:00Z", "2025-09-06 10:00 local time: Saturday is not an office day"},
      {"2025-09-15T01:00:00Z", "2025-09-15 10:00 local time: a public holiday"},  // 敬老の日
      {"2025-12-30T01:00:00Z", "2025-12-30 10:00 local time: year-end closure (12/29–1/3)"},
  };
  std::vector<std::string> want;
  for (const auto& r : rows) {
    o.clock.set(r.at);
    REQUIRE(messages(o.l.append_audit({"reconcile", {}, "ok"}, o.staff)) == "");
    if (*r.reason) want.push_back(std::to_string(o.l.head().seq) + " " + r.reason);
  }
  auto rep = o.l.verify_audit();
  REQUIRE(rep.ok());
  CHECK(rep.value.ok());
  std::vector<std::string> got;
  for (const auto& f : rep.value.flags) got.push_back(std::to_string(f.seq) + " " + f.reason);
  CHECK(got == want);
}
