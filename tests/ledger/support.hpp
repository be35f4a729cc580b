// Shared fixtures of the ledger tests: a temporary folder, a settable clock, an initialised ledger
// with its people and their keys, a small sealed run, and plain SQLite for the tampering tests.
#pragma once
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <list>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ledger/ledger.hpp"

namespace fs = std::filesystem;
using namespace tsuchi;
using namespace tsuchi::ledger;

// A fresh folder under /tmp, removed with everything in it at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tsuchi-ledger-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(file(name), std::ios::binary) << bytes;
    return file(name);
  }
};

// A clock the test sets; every audit record and event takes its time from it.
struct TestClock {
  std::shared_ptr<std::string> now = std::make_shared<std::string>("2025-09-01T01:00:00Z");  // Mon 10:00 JST
  Clock clock() const {
    auto p = now;
    return [p] { return *p; };
  }
  void set(const std::string& iso) { *now = iso; }
};

// Computed with libsodium here, not with the project's digest, so expected values come from outside.
inline std::string sha256(const std::string& bytes) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[sizeof d * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, d, sizeof d);
  return hex;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::string messages(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

inline const std::string kMunicipalityPath = TSUCHI_DATA_DIR "/examples/municipality.toml";

// An initialised ledger in a temporary folder: the city key, the first supervisor "sup", the staff
// member "sato" and the approver "suzuki" registered by sup, each identified as an Actor. Not
// movable: the actors point at the keys held here.
struct Office {
  TempDir tmp;
  TestClock clock;
  keys::SecretKey city = keys::SecretKey::generate(keys::Kind::city);
  keys::SecretKey sup_key = keys::SecretKey::generate(keys::Kind::user);
  keys::SecretKey staff_key = keys::SecretKey::generate(keys::Kind::user);
  keys::SecretKey approver_key = keys::SecretKey::generate(keys::Kind::user);
  std::string municipality = read_bytes(kMunicipalityPath);
  Ledger l;
  Actor sup, staff, approver;
  std::list<keys::SecretKey> extra_keys;  // a list: the actors point at them
  std::map<std::string, Actor> makers;

  Office() {
    auto made = Ledger::init(
        {path(), &city, municipality, kMunicipalityPath, "sup", sup_key.public_key(), "os-sup"}, clock.clock());
    if (!made.ok()) throw std::runtime_error("ledger init: " + messages(made.problems));
    l = std::move(made.value);
    sup = act(sup_key, "user add", {keys::Role::supervisor});
    must(l.add_user(sup, city, "sato", keys::Role::staff, staff_key.public_key()), "add sato");
    must(l.add_user(sup, city, "suzuki", keys::Role::approver, approver_key.public_key()), "add suzuki");
    staff = act(staff_key, "run", {keys::Role::staff});
    approver = act(approver_key, "approve", {keys::Role::approver});
  }
  Office(const Office&) = delete;
  Office& operator=(const Office&) = delete;

  std::string path() const { return tmp.file("ledger.sqlite"); }
  // The identified owner of `key`, who must be registered with one of `roles`.
  Actor act(const keys::SecretKey& key, const std::string& command, const std::vector<keys::Role>& roles = {}) {
    auto a = l.identify(key, "os-" + command, command, roles);
    if (!a.ok()) throw std::runtime_error("identify: " + messages(a.problems));
    return a.value;
  }
  // `name` as a staff member, registered on first use (runs made by several people).
  const Actor& maker(const std::string& name) {
    if (name == staff.user) return staff;
    if (auto it = makers.find(name); it != makers.end()) return it->second;
    const auto& key = extra_keys.emplace_back(keys::SecretKey::generate(keys::Kind::user));
    must(l.add_user(sup, city, name, keys::Role::staff, key.public_key()), "add " + name);
    return makers.emplace(name, act(key, "run", {keys::Role::staff})).first->second;
  }
  // The same file opened again (the fixture's handle stays open: SQLite allows both).
  Ledger reopen(Ledger::Access access = Ledger::Access::read_write) const {
    auto o = Ledger::open(path(), access, clock.clock());
    if (!o.ok()) throw std::runtime_error("open: " + messages(o.problems));
    return std::move(o.value);
  }
  static void must(const Diagnostics& ds, const std::string& what) {
    if (has_errors(ds)) throw std::runtime_error(what + ": " + messages(ds));
  }
};

// ---- a small sealed run ----

inline const std::string kRun = "R20250901";
inline const std::string kBatch = "R20250901-B001";
inline std::string envelope(int n) {
  char b[32];
  std::snprintf(b, sizeof b, "%s/%06d", kBatch.c_str(), n);
  return b;
}
inline std::string archive_bytes() { return "encrypted archive bytes of " + kBatch; }
inline std::string manifest_bytes() {
  return "{\"batch_id\":\"" + kBatch + "\",\"run_id\":\"" + kRun + "\",\"envelopes\":4}\n";
}

// The run folder `tsuchi run` leaves (run.json, the manifest whose bytes manifest_sha256 is taken
// over) and its record: one batch of four envelopes of two sheets, each one notice and one slip.
struct SealedRun {
  RunRecord record;
  std::string dir;
};
inline SealedRun sealed_run(const TempDir& tmp, const std::string& maker) {
  SealedRun r;
  fs::create_directories(tmp.path / "run");
  r.dir = (tmp.path / "run").string();
  std::ofstream(r.dir + "/" + kBatch + ".manifest.json", std::ios::binary) << manifest_bytes();
  std::ofstream(r.dir + "/run.json") << "{\"run_id\":\"" << kRun << "\"}\n";
  BatchRecord b{kBatch, sha256(archive_bytes()), sha256(manifest_bytes()), sha256("tagmanifest"), {}};
  for (int i = 1; i <= 4; ++i) b.envelopes.push_back({envelope(i), "360", 2, 2, 1, 1});
  r.record = {kRun, maker, "2025-09-01T00:30:00Z", "2025-09", {b}, {}, {}};
  for (int i = 1; i <= 4; ++i) {
    r.record.slips.push_back({envelope(i), "C00" + std::to_string(i), "2025-09", 30000 + i * 100, true});
    r.record.notices.push_back({envelope(i), "C00" + std::to_string(i), i == 4 ? "change" : "decision"});
  }
  return r;
}

// The sample run recorded by staff, reviewed and approved: ready for handover.
inline SealedRun approved_run(Office& o) {
  SealedRun run = sealed_run(o.tmp, o.staff.user);
  Office::must(o.l.reserve_run(o.staff, kRun, run.dir, true).problems, "reserve_run");
  Office::must(o.l.record_run(run.record, o.staff), "record_run");
  const std::string sheet = "review sheet of run " + kRun + "\n";
  Office::must(o.l.record_review(kRun, sha256(sheet), o.staff), "record_review");
  auto r = o.l.approve(kRun, sha256(sheet), o.approver);
  if (!r.ok()) throw std::runtime_error("approve: " + messages(r.problems));
  return run;
}

// ---- plain SQLite, for the attacks the tests keep ----

inline void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("sqlite3_open " + path);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("sql: " + msg + " in: " + sql);
}

// The first column of every row of `sql`, as text.
inline std::vector<std::string> query_column(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  std::vector<std::string> out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("sql: " + msg + " in: " + sql);
  }
  while (sqlite3_step(s) == SQLITE_ROW) {
    auto t = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    out.push_back(t ? t : "");
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}
