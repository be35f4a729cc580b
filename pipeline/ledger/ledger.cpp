// Opening and creating the ledger; recording runs, reviews, previews, approvals and handovers; queries.
#include "ledger/ledger.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/file.hpp"

#include "ledger/internal.hpp"

namespace tsuchi::ledger {

using nlohmann::json;

namespace {

// The schema of a signed ledger (output_spec/ledger.md). Every custody table is append-only and
// carries the seq of the audit record that wrote each row.
constexpr int kSchemaVersion = 2;
const char* const kSchema = R"sql(
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, os_user TEXT NOT NULL, signer TEXT NOT NULL,
  command TEXT NOT NULL, objects TEXT NOT NULL, result TEXT NOT NULL, effects TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL, signature TEXT NOT NULL);
CREATE TABLE ledger_meta(city_public_key TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE TABLE configs(
  id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, source TEXT NOT NULL, text TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE TABLE users(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, public_key TEXT NOT NULL UNIQUE,
  certificate TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE TABLE revocations(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, public_key TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE TABLE runs(
  run_id TEXT PRIMARY KEY, user TEXT NOT NULL, created_at TEXT NOT NULL, month_key TEXT NOT NULL,
  recorded_at TEXT NOT NULL, maker_certificate TEXT NOT NULL, request_signature TEXT NOT NULL,
  audit_seq INTEGER NOT NULL);
CREATE INDEX runs_month ON runs(month_key, created_at);
CREATE TABLE batches(
  batch_id TEXT PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(run_id), position INTEGER NOT NULL,
  archive_sha256 TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, tagmanifest_sha256 TEXT NOT NULL,
  audit_seq INTEGER NOT NULL);
CREATE INDEX batches_run ON batches(run_id, position);
CREATE TABLE envelopes(
  envelope_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL REFERENCES batches(batch_id),
  position INTEGER NOT NULL, postal_area TEXT NOT NULL,
  pages INTEGER NOT NULL, sheets INTEGER NOT NULL, notices INTEGER NOT NULL, slips INTEGER NOT NULL,
  audit_seq INTEGER NOT NULL);
CREATE INDEX envelopes_batch ON envelopes(batch_id, position);
CREATE TABLE slips(
  run_id TEXT NOT NULL REFERENCES runs(run_id), envelope_id TEXT NOT NULL REFERENCES envelopes(envelope_id),
  case_id TEXT NOT NULL, month TEXT NOT NULL, amount INTEGER NOT NULL, cash_payment INTEGER NOT NULL,
  audit_seq INTEGER NOT NULL);
CREATE INDEX slips_run ON slips(run_id);
CREATE TABLE notices(
  run_id TEXT NOT NULL REFERENCES runs(run_id), envelope_id TEXT NOT NULL REFERENCES envelopes(envelope_id),
  case_id TEXT NOT NULL, kind TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE INDEX notices_run ON notices(run_id);
CREATE TABLE custody_events(
  id INTEGER PRIMARY KEY, at TEXT NOT NULL, recorded_at TEXT NOT NULL, user TEXT NOT NULL,
  kind TEXT NOT NULL, batch_id TEXT NOT NULL REFERENCES batches(batch_id),
  envelope_id TEXT REFERENCES envelopes(envelope_id), details TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE INDEX custody_batch ON custody_events(batch_id, kind);
CREATE TABLE releases(
  id INTEGER PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(run_id), sequence INTEGER NOT NULL,
  release_sha256 TEXT NOT NULL, release_json TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE TABLE worklogs(
  report_id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL REFERENCES batches(batch_id),
  file_sha256 TEXT NOT NULL, imported_at TEXT NOT NULL, user TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE INDEX worklogs_batch ON worklogs(batch_id, report_id);
CREATE TABLE worklog_rows(
  report_id INTEGER NOT NULL REFERENCES worklogs(report_id), line INTEGER NOT NULL,
  envelope_id TEXT NOT NULL, status TEXT NOT NULL, sheets INTEGER NOT NULL, at TEXT NOT NULL,
  postal_category TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE INDEX worklog_rows_report ON worklog_rows(report_id);
CREATE TABLE returns(
  id INTEGER PRIMARY KEY, envelope_id TEXT NOT NULL REFERENCES envelopes(envelope_id), reason TEXT NOT NULL,
  at TEXT NOT NULL, action TEXT NOT NULL, recorded_at TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE INDEX returns_envelope ON returns(envelope_id, at);
CREATE TABLE certificate_files(
  sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, bytes BLOB NOT NULL, audit_seq INTEGER NOT NULL);
CREATE TABLE certificates(
  id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL REFERENCES batches(batch_id), medium TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('Clear', 'Purge', 'Destroy')),
  tool TEXT NOT NULL, tool_version TEXT NOT NULL, verification TEXT NOT NULL, date TEXT NOT NULL,
  place TEXT NOT NULL, operator TEXT NOT NULL, witness TEXT NOT NULL, quantity INTEGER,
  file_sha256 TEXT NOT NULL REFERENCES certificate_files(sha256), recorded_at TEXT NOT NULL, user TEXT NOT NULL,
  audit_seq INTEGER NOT NULL);
CREATE INDEX certificates_batch ON certificates(batch_id);
-- ---- issue 12 EVIDENCE: one row per imported contractor file and batch (kind "receipt", "worklog",
-- "returns", "certificate:<medium>"); `supersedes` names the earlier file it replaces, `note` the
-- supervisor's reason for a certificate taken without its form code.
CREATE TABLE imports(
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, batch_id TEXT NOT NULL REFERENCES batches(batch_id),
  file_sha256 TEXT NOT NULL, supersedes TEXT NOT NULL, note TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE INDEX imports_batch ON imports(batch_id, kind, file_sha256);
-- ---- end issue 12 EVIDENCE
-- issue 12, runs: a run id reserved before rendering, and voided runs.
CREATE TABLE run_reservations(
  id INTEGER PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, out_dir TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE TABLE voids(
  id INTEGER PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(run_id), reason TEXT NOT NULL,
  audit_seq INTEGER NOT NULL);
)sql";
// Each custody table is read by audit_seq when a record's digest is made and checked.
const char* const kSeqIndexes[] = {"ledger_meta", "configs", "users", "revocations", "runs", "batches", "envelopes",
                                   "slips", "notices", "custody_events", "worklogs", "worklog_rows",
                                   "returns", "certificate_files", "certificates",
                                   // issue 12 EVIDENCE
                                   "imports",
                                   // issue 12, runs
                                   "run_reservations", "voids"};

int user_version(const sql::Db& db) {
  sql::Stmt q(db, "PRAGMA user_version");
  return q.step() ? static_cast<int>(q.integer(0)) : 0;
}

bool is_hex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// One rule with reconcile's: a run is voided by a genuine `void` record, not by a row.
bool run_voided(const sql::Db& db, const std::string& run_id) { return voided_runs(db).count(run_id) > 0; }

std::optional<std::string> batch_run(const sql::Db& db, const std::string& batch_id) {
  sql::Stmt q(db, "SELECT run_id FROM batches WHERE batch_id = ?");
  q.args(batch_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

// Paths SQLite would not treat as one file on disk (an in-memory or URI database).
bool not_a_file(const std::string& path) {
  return path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0;
}

const char* kCreateHint = "create one with `tsuchi ledger init`";

// The ledger's file (or, before it exists, its folder) on a network filesystem: a reason, or "".
std::string refuse_network_filesystem(const std::string& path) {
  std::string where = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) where = std::filesystem::path(path).parent_path().string();
  if (where.empty()) where = ".";
  struct statfs fs {};
  if (::statfs(where.c_str(), &fs) != 0) return {};
  auto name = network_filesystem(static_cast<std::int64_t>(fs.f_type));
  if (!name) return {};
  return "is on a network filesystem (" + *name + "): SQLite's locking and journal are not safe there, so "
         "custody could be lost; keep the ledger on a local disk";
}

// A user name as registered: printable, no spaces or separators that would blur an audit line.
bool valid_user_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name)
    if (c <= ' ' || c == 0x7f || c == ',' || c == ':' || c == '"' || c == '\\') return false;
  return true;
}

}  // namespace

std::string Head::text() const { return std::to_string(seq) + ":" + hash; }

std::optional<Head> parse_head(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  Head h;
  for (char c : text.substr(0, colon)) {
    if (c < '0' || c > '9' || h.seq > 1'000'000'000'000) return std::nullopt;
    h.seq = h.seq * 10 + (c - '0');
  }
  h.hash = std::string(text.substr(colon + 1));
  if (h.seq < 1 || !is_hex64(h.hash)) return std::nullopt;
  return h;
}

// Record `seq` is a signed `command` record by a registered holder of a role that may run it, and its
// custody rows are the ones it wrote. Custody decisions lean on this, not on a row being present.
bool genuine_record(const sql::Db& db, std::int64_t seq, const std::string& command) {
  auto found = load_audit(db, seq);
  if (found.empty()) return false;
  const AuditRecord& r = found.front();
  if (r.command != command || r.result.rfind("ok", 0) != 0 || audit_hash(r) != r.hash || !signature_holds(r))
    return false;
  sql::Stmt u(db, "SELECT role FROM users u WHERE u.public_key = ? AND u.name = ? AND u.audit_seq < ? AND NOT EXISTS "
                  "(SELECT 1 FROM revocations v WHERE v.public_key = u.public_key AND v.audit_seq < ?)");
  u.args(r.signer, r.user, seq, seq);
  if (!u.step()) return false;
  auto roles = roles_for(command);
  auto role = keys::role_from(u.text(0));
  if (!roles || !role || (!roles->empty() && std::find(roles->begin(), roles->end(), *role) == roles->end()))
    return false;
  return effects_digest(db, seq) == r.effects;
}

Ledger::Ledger() = default;
Ledger::~Ledger() = default;
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;

Checked<Ledger> Ledger::init(const Init& in, Clock clock) {
  Checked<Ledger> r;
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& why) {
    r.problems.push_back(error(in.path, why));
    return std::move(r);
  };
  if (sodium_init() < 0) return fail("libsodium failed to initialise");
  if (not_a_file(in.path)) return fail("a ledger is a file on disk; an in-memory or URI database keeps no evidence");
  std::error_code ec;
  if (fs::exists(fs::symlink_status(in.path, ec)))
    return fail("already exists: a ledger is initialised once (move it away to start a new one)");
  if (!in.city || in.city->kind() != keys::Kind::city || in.city->empty())
    return fail("ledger init needs the city's secret key (tsuchi keygen --kind city)");
  if (!valid_user_name(in.supervisor)) return fail("supervisor name \"" + in.supervisor + "\": use printable characters without spaces");
  if (in.supervisor_key.bytes.size() != 32 || in.supervisor_key.bytes == in.city->public_key().bytes)
    return fail("--supervisor-key must be the supervisor's own key (tsuchi keygen --kind user), not the city key");
  auto config = parse_municipality(in.municipality_text, in.municipality_source);
  if (!config.ok()) {
    r.problems = std::move(config.problems);
    return std::move(r);
  }
  if (auto why = refuse_network_filesystem(in.path); !why.empty()) return fail(why);
  if (!clock) clock = utc_now;
  bool created = false;
  try {
    // Created here, 0600 and never through a link: the ledger holds case ids and amounts.
    {
      file::Fd fd(::open(in.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (fd.get() < 0 || ::fchmod(fd.get(), 0600) != 0)
        return fail(std::string("cannot create: ") + std::strerror(errno));
    }
    created = true;
    auto db = std::make_unique<Db>(Db{sql::Db::open(in.path, sql::Db::Mode::create)});
    {
      sql::Tx tx(db->conn);
      db->conn.exec(kSchema);
      for (const char* t : kSeqIndexes)
        db->conn.exec((std::string("CREATE INDEX ") + t + "_seq ON " + t + "(audit_seq)").c_str());
      db->conn.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
      tx.commit();
    }
    const std::string now = clock();
    keys::Certificate cert{in.supervisor, keys::Role::supervisor, in.supervisor_key.hex(), "", now, "1", ""};
    auto certified = keys::certify(*in.city, cert);
    if (!certified.ok()) {
      r.problems = std::move(certified.problems);
      throw sql::SqlError("certificate");
    }
    const Signer city{"city", in.os_user, in.city};
    Diagnostics ds = audited(*db, [&] { return now; }, in.path, city,
                             {"ledger init", {"user:" + in.supervisor}, ""}, [&](Outcome& out) {
                               sql::Stmt(db->conn, "INSERT INTO ledger_meta(city_public_key, audit_seq) VALUES (?,?)")
                                   .args(in.city->public_key().hex(), out.seq)
                                   .run();
                               sql::Stmt(db->conn, "INSERT INTO configs(sha256, source, text, audit_seq) VALUES (?,?,?,?)")
                                   .args(digest::sha256_hex(in.municipality_text), in.municipality_source,
                                         in.municipality_text, out.seq)
                                   .run();
                               sql::Stmt(db->conn,
                                         "INSERT INTO users(name, role, public_key, certificate, audit_seq) VALUES (?,?,?,?,?)")
                                   .args(in.supervisor, "supervisor", in.supervisor_key.hex(),
                                         keys::to_json(certified.value), out.seq)
                                   .run();
                               out.objects.push_back("config:" + digest::sha256_hex(in.municipality_text));
                               out.result = "ok: city key " + in.city->public_key().fingerprint();
                             });
    if (has_errors(ds)) {
      r.problems = std::move(ds);
      throw sql::SqlError("init");
    }
    r.value.db_ = std::move(db);
    r.value.path_ = in.path;
    r.value.clock_ = std::move(clock);
  } catch (const sql::SqlError& e) {
    if (r.problems.empty()) r.problems.push_back(sql_failure(in.path, e));
    r.value = Ledger();
    if (created) fs::remove(in.path, ec);
  }
  return r;
}

Checked<Ledger> Ledger::open(const std::string& path, Access access, Clock clock) {
  Checked<Ledger> r;
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& why) {
    r.problems.push_back(error(path, why));
    return std::move(r);
  };
  if (sodium_init() < 0) return fail("libsodium failed to initialise");
  if (not_a_file(path))
    return fail(std::string("not a ledger file: an in-memory or URI database keeps no evidence; ") + kCreateHint);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return fail(std::string("no ledger here: ") + kCreateHint);
  if (access == Access::read_write)
    if (auto why = refuse_network_filesystem(path); !why.empty()) return fail(why);
  try {
    auto db = std::make_unique<Db>(
        Db{sql::Db::open(path, access == Access::read_only ? sql::Db::Mode::read_only : sql::Db::Mode::read_write)});
    int v = user_version(db->conn);
    if (v == 1)
      return fail("a ledger from before signed audit records (schema 1): keep it as evidence and start a new one "
                  "with `tsuchi ledger init`");
    if (v > kSchemaVersion)
      return fail("ledger schema version " + std::to_string(v) + " is newer than this tsuchi understands (" +
                  std::to_string(kSchemaVersion) + "); use a newer tsuchi");
    bool initialised = false;
    if (v == kSchemaVersion) {
      sql::Stmt q(db->conn, "SELECT command FROM audit WHERE seq = 1");
      sql::Stmt m(db->conn, "SELECT COUNT(*) FROM ledger_meta");
      initialised = q.step() && q.text(0) == "ledger init" && m.step() && m.integer(0) == 1;
    }
    if (!initialised) return fail(std::string("not an initialised tsuchi ledger: ") + kCreateHint);
    r.value.db_ = std::move(db);
    r.value.path_ = path;
    r.value.clock_ = clock ? std::move(clock) : Clock(utc_now);
    r.value.read_only_ = access == Access::read_only;
  } catch (const sql::SqlError& e) {
    if (std::string(e.what()).find("not a database") != std::string::npos)
      return fail(std::string("not a tsuchi ledger (not an SQLite file): ") + kCreateHint);
    r.problems.push_back(sql_failure(path, e));
  }
  return r;
}

keys::PublicKey Ledger::city_key() const try {
  if (!db_) return {};
  sql::Stmt q(db_->conn, "SELECT city_public_key FROM ledger_meta ORDER BY rowid LIMIT 1");
  if (!q.step()) return {};
  return keys::public_key_from_hex(keys::Kind::city, q.text(0)).value_or(keys::PublicKey{});
} catch (const sql::SqlError&) {
  return {};
}

PinnedConfig Ledger::config() const try {
  if (!db_) return {};
  sql::Stmt q(db_->conn, "SELECT text, sha256, source, audit_seq FROM configs ORDER BY id DESC LIMIT 1");
  if (!q.step()) return {};
  return {q.text(0), q.text(1), q.text(2), q.integer(3)};
} catch (const sql::SqlError&) {
  return {};
}

Policy Ledger::policy() const {
  auto c = config();
  if (c.text.empty()) return {};
  auto m = parse_municipality(c.text, c.source);
  return policy_of(m.value);
}

Head Ledger::head() const try {
  if (!db_) return {};
  sql::Stmt q(db_->conn, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (!q.step()) return {};
  return {q.integer(0), q.text(1)};
} catch (const sql::SqlError&) {
  return {};
}

std::vector<UserInfo> Ledger::users() const try {
  std::vector<UserInfo> out;
  if (!db_) return out;
  sql::Stmt q(db_->conn,
              "SELECT u.name, u.role, u.public_key, a.at, a.user, u.audit_seq, "
              "COALESCE(ra.at, ''), COALESCE(ra.user, ''), COALESCE(r.audit_seq, 0) "
              "FROM users u JOIN audit a ON a.seq = u.audit_seq "
              "LEFT JOIN revocations r ON r.public_key = u.public_key LEFT JOIN audit ra ON ra.seq = r.audit_seq "
              "ORDER BY u.id");
  while (q.step()) {
    UserInfo u;
    u.name = q.text(0);
    u.role = keys::role_from(q.text(1)).value_or(keys::Role::staff);
    u.public_key_hex = q.text(2);
    if (auto k = keys::public_key_from_hex(keys::Kind::user, u.public_key_hex)) u.fingerprint = k->fingerprint();
    u.added_at = q.text(3);
    u.added_by = q.text(4) == "city" ? "" : q.text(4);
    u.added_seq = q.integer(5);
    u.revoked_at = q.text(6);
    u.revoked_by = q.text(7);
    u.revoked_seq = q.integer(8);
    out.push_back(std::move(u));
  }
  return out;
} catch (const sql::SqlError&) {
  return {};
}

std::string to_json(const std::vector<UserInfo>& users) {
  json a = json::array();
  for (const auto& u : users)
    a.push_back({{"name", u.name},
                 {"role", std::string(keys::role_name(u.role))},
                 {"fingerprint_sha256", u.fingerprint},
                 {"public_key", u.public_key_hex},
                 {"added_at", u.added_at},
                 {"added_by", u.added_by},
                 {"added_seq", u.added_seq},
                 {"active", u.active()},
                 {"revoked_at", u.active() ? json(nullptr) : json(u.revoked_at)},
                 {"revoked_by", u.active() ? json(nullptr) : json(u.revoked_by)}});
  return json{{"users", a}}.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string to_text(const std::vector<UserInfo>& users) {
  std::string s;
  for (const auto& u : users) {
    s += u.name + "  " + std::string(keys::role_name(u.role)) + "  " + u.fingerprint + "  added " + u.added_at;
    if (!u.added_by.empty()) s += " by " + u.added_by;
    if (!u.active()) s += "  REVOKED " + u.revoked_at + " by " + u.revoked_by;
    s += "\n";
  }
  return s;
}

Checked<Actor> Ledger::identify(const keys::SecretKey& key, const std::string& os_user, const std::string& command,
                                const std::vector<keys::Role>& roles, const std::vector<std::string>& objects) {
  Checked<Actor> r;
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (key.empty() || key.kind() != keys::Kind::user)
    return {{}, {error("", "--key must be a person's key (tsuchi keygen --kind user)")}};
  // Who may act is read from the ledger, so it must be the ledger its records wrote: a revocation
  // deleted or a user or configuration put in by SQL stops every command until a supervisor looks.
  {
    VerifyOptions trust;
    trust.identity_only = true;
    auto check = verify_audit(trust);
    if (!check.ok()) return {{}, std::move(check.problems)};
    if (!check.value.ok()) {
      const auto& b = check.value.breaks.front();
      return {{}, {error(path_, "the audit log is broken (seq " + std::to_string(b.seq) + ": " + b.kind + ": " +
                                    b.detail + "): custody commands stop until a supervisor has checked it with "
                                    "`tsuchi audit verify`")}};
    }
  }
  const std::string hex = key.public_key().hex();
  std::string refusal, why;
  std::string name;
  try {
    sql::Stmt q(db_->conn, "SELECT u.name, u.role, u.certificate, COALESCE(r.audit_seq, 0), COALESCE(a.at, '') "
                           "FROM users u LEFT JOIN revocations r ON r.public_key = u.public_key "
                           "LEFT JOIN audit a ON a.seq = r.audit_seq WHERE u.public_key = ?");
    q.args(hex);
    if (!q.step()) {
      why = "key " + key.public_key().fingerprint().substr(0, 16) +
            "… is not registered in this ledger: a supervisor registers it with `tsuchi user add`";
      refusal = "refused: unregistered key";
    } else {
      name = q.text(0);
      auto role = keys::role_from(q.text(1));
      auto cert = keys::check(q.text(2), city_key());
      if (q.integer(3) != 0) {
        why = "the key of " + name + " was revoked at " + q.text(4) + " (seq " + std::to_string(q.integer(3)) + ")";
        refusal = "refused: revoked key";
      } else if (!role || !cert.ok()) {
        why = "the certificate of " + name + " does not chain to the ledger's city key";
        refusal = "refused: bad certificate";
      } else {
        auto allowed = roles_for(command);
        std::vector<keys::Role> need = roles.empty() && allowed ? *allowed : roles;
        bool ok = allowed && (need.empty() || std::find(need.begin(), need.end(), *role) != need.end());
        if (!ok) {
          why = name + " holds the " + std::string(keys::role_name(*role)) + " role; " + command + " needs " +
                (allowed ? roles_text(need) : std::string("a role no user holds"));
          refusal = "refused: role";
        } else {
          r.value = {name, *role, os_user, key.public_key().fingerprint(), q.text(2), &key};
          return r;
        }
      }
    }
  } catch (const sql::SqlError& e) {
    return {{}, {sql_failure(path_, e)}};
  }
  r.problems.push_back(error("", why));
  if (!read_only_) {
    // The attempt is evidence too: signed by the key that was presented.
    Signer s{name, os_user, &key};
    auto recorded = audited(*db_, clock_, path_, s, {command, objects, ""}, [&](Outcome& out) {
      out.problems.push_back(error("", why));
      out.refusal = refusal;
    });
    for (auto& d : recorded)
      if (d.reason != why) r.problems.push_back(std::move(d));
  }
  return r;
}

Diagnostics Ledger::add_user(const Actor& sup, const keys::SecretKey& city, const std::string& name, keys::Role role,
                             const keys::PublicKey& key) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  AuditEntry entry{"user add", {"user:" + name, "role:" + std::string(keys::role_name(role))}, ""};
  return audited(*db_, clock_, path_, signer_of(sup), entry, [&](Outcome& out) {
    if (!check_role(db_->conn, sup, "user add", out)) return;
    auto refuse = [&](const std::string& why, const char* code) {
      out.problems.push_back(error("", why));
      out.refusal = std::string("refused: ") + code;
    };
    if (!valid_user_name(name)) return refuse("user name \"" + name + "\": use printable characters without spaces", "bad name");
    if (city.empty() || city.kind() != keys::Kind::city || !(city.public_key().bytes == city_key().bytes))
      return refuse("--city-key is not the city key this ledger was initialised with (" + city_key().fingerprint() + ")",
                    "wrong city key");
    if (key.bytes.size() != 32) return refuse("--public-key is not a user's public key", "bad key");
    if (key.bytes == city_key().bytes)
      return refuse("--public-key is the city key: the city key certifies people, it is nobody's own key", "city key");
    sql::Stmt taken(db_->conn, "SELECT name FROM users WHERE public_key = ?");
    taken.args(key.hex());
    if (taken.step())
      return refuse("this key is already registered (to " + taken.text(0) + "): every person has a key of their own",
                    "key already registered");
    sql::Stmt active(db_->conn, "SELECT 1 FROM users u WHERE u.name = ? AND NOT EXISTS "
                                "(SELECT 1 FROM revocations r WHERE r.public_key = u.public_key)");
    active.args(name);
    if (active.step()) return refuse("user " + name + " already has an active key: revoke it first", "user exists");
    keys::Certificate c{name, role, key.hex(), "", out.now, std::to_string(out.seq), ""};
    auto certified = keys::certify(city, c);
    if (!certified.ok()) {
      out.problems.insert(out.problems.end(), certified.problems.begin(), certified.problems.end());
      out.refusal = "refused: certificate";
      return;
    }
    sql::Stmt(db_->conn, "INSERT INTO users(name, role, public_key, certificate, audit_seq) VALUES (?,?,?,?,?)")
        .args(name, std::string(keys::role_name(role)), key.hex(), keys::to_json(certified.value), out.seq)
        .run();
    out.objects.push_back("key:" + key.fingerprint());
  });
}

Diagnostics Ledger::revoke_user(const Actor& sup, const std::string& name) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  return audited(*db_, clock_, path_, signer_of(sup), {"user revoke", {"user:" + name}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, sup, "user revoke", out)) return;
    sql::Stmt q(db_->conn, "SELECT public_key, role FROM users u WHERE u.name = ? AND NOT EXISTS "
                           "(SELECT 1 FROM revocations r WHERE r.public_key = u.public_key)");
    q.args(name);
    if (!q.step()) {
      out.problems.push_back(error("", "no active user " + name + " in the ledger"));
      out.refusal = "refused: unknown user";
      return;
    }
    const std::string key = q.text(0), role = q.text(1);
    if (role == "supervisor") {
      sql::Stmt left(db_->conn, "SELECT COUNT(*) FROM users u WHERE u.role = 'supervisor' AND NOT EXISTS "
                                "(SELECT 1 FROM revocations r WHERE r.public_key = u.public_key)");
      if (left.step() && left.integer(0) <= 1) {
        out.problems.push_back(error("", name + " is the last supervisor: add another supervisor first"));
        out.refusal = "refused: last supervisor";
        return;
      }
    }
    sql::Stmt(db_->conn, "INSERT INTO revocations(name, public_key, audit_seq) VALUES (?,?,?)").args(name, key, out.seq).run();
  });
}

Diagnostics Ledger::set_config(const Actor& sup, const std::string& text, const std::string& source) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  const std::string sha = digest::sha256_hex(text);
  return audited(*db_, clock_, path_, signer_of(sup), {"config set", {"config:" + sha}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, sup, "config set", out)) return;
    auto m = parse_municipality(text, source);
    if (!m.ok()) {
      out.problems = std::move(m.problems);
      out.refusal = "refused: invalid configuration";
      return;
    }
    sql::Stmt(db_->conn, "INSERT INTO configs(sha256, source, text, audit_seq) VALUES (?,?,?,?)")
        .args(sha, source, text, out.seq)
        .run();
  });
}

Diagnostics Ledger::record_run(const RunRecord& run, const Actor& maker) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  AuditEntry entry{"run", {"run:" + run.run_id}, ""};
  return audited(*db_, clock_, path_, signer_of(maker), entry, [&](Outcome& out) {
    if (!check_role(db_->conn, maker, "run", out)) return;
    auto refuse = [&](const std::string& why) {
      out.problems.push_back(error(path_, why));
      out.refusal = "refused: invalid run record";
    };
    if (run.run_id.empty()) return refuse("a run needs a run id");
    if (!parse_year_month(run.month_key)) return refuse("run " + run.run_id + ": month_key must be YYYY-MM");
    if (!normalize_time(run.created_at)) return refuse("run " + run.run_id + ": created_at must be an ISO-8601 UTC time");
    sql::Stmt exists(db_->conn, "SELECT 1 FROM runs WHERE run_id = ?");
    exists.args(run.run_id);
    if (exists.step()) {
      out.problems.push_back(error(path_, "run " + run.run_id + " is already in the ledger"));
      out.refusal = "refused: run already recorded";
      return;
    }
    // Reserved before rendering by this same maker (reserve_run): no two runs share an id or folder.
    sql::Stmt reserved(db_->conn, "SELECT 1 FROM run_reservations r JOIN audit a ON a.seq = r.audit_seq "
                                  "WHERE r.run_id = ? AND a.user = ? AND a.command = 'run reserve'");
    reserved.args(run.run_id, maker.user);
    if (!reserved.step()) {
      out.problems.push_back(error(path_, "run " + run.run_id + " was not reserved by " + maker.user +
                                              " before it was made (`tsuchi run` reserves it)"));
      out.refusal = "refused: run not reserved";
      return;
    }
    std::set<std::string> envelopes;
    for (const auto& b : run.batches) {
      if (!is_hex64(b.archive_sha256) || !is_hex64(b.manifest_sha256) || !is_hex64(b.tagmanifest_sha256))
        return refuse("batch " + b.batch_id + ": digests must be 64 lowercase hex digits");
      for (const auto& e : b.envelopes)
        if (e.envelope_id.rfind(b.batch_id + "/", 0) != 0 || e.envelope_id.find('/', b.batch_id.size() + 1) != std::string::npos ||
            records::envelope_part(e.envelope_id) < 0 || !envelopes.insert(e.envelope_id).second)
          return refuse("batch " + b.batch_id + ": envelope id " + e.envelope_id +
                        " must be unique and be the batch id, /, 6 digits and for a split mailing's part -k");
    }
    for (const auto& s : run.slips)
      if (!envelopes.count(s.envelope_id) || !parse_year_month(s.month))
        return refuse("slip of case " + s.case_id + ": unknown envelope or bad month");
    for (const auto& n : run.notices)
      if (!envelopes.count(n.envelope_id) || (n.kind != "decision" && n.kind != "change"))
        return refuse("notice of case " + n.case_id + ": unknown envelope or kind");

    // The maker's half of the release: signed now, countersigned by an approver later.
    release::Request request{run.run_id, *normalize_time(run.created_at), {}, maker.certificate};
    for (const auto& b : run.batches) request.batches.push_back({b.batch_id, b.manifest_sha256});
    const std::string request_signature = release::sign_request(*maker.key, request);

    sql::Stmt(db_->conn,
              "INSERT INTO runs(run_id, user, created_at, month_key, recorded_at, maker_certificate, request_signature, "
              "audit_seq) VALUES (?,?,?,?,?,?,?,?)")
        .args(run.run_id, maker.user, request.created_at, run.month_key, out.now, maker.certificate, request_signature,
              out.seq)
        .run();
    sql::Stmt batch(db_->conn,
                    "INSERT INTO batches(batch_id, run_id, position, archive_sha256, manifest_sha256, "
                    "tagmanifest_sha256, audit_seq) VALUES (?,?,?,?,?,?,?)");
    sql::Stmt env(db_->conn,
                  "INSERT INTO envelopes(envelope_id, batch_id, position, postal_area, pages, sheets, notices, slips, "
                  "audit_seq) VALUES (?,?,?,?,?,?,?,?,?)");
    int position = 0, envelope_count = 0;
    for (const auto& b : run.batches) {
      sql::Stmt dup(db_->conn, "SELECT 1 FROM batches WHERE batch_id = ?");
      dup.args(b.batch_id);
      if (dup.step()) return refuse("batch " + b.batch_id + " is already in the ledger");
      batch.args(b.batch_id, run.run_id, ++position, b.archive_sha256, b.manifest_sha256, b.tagmanifest_sha256, out.seq)
          .run();
      batch.reset();
      int ep = 0;
      for (const auto& e : b.envelopes) {
        env.args(e.envelope_id, b.batch_id, ++ep, e.postal_area, e.pages, e.sheets, e.notices, e.slips, out.seq).run();
        env.reset();
      }
      envelope_count += ep;
      out.objects.push_back("batch:" + b.batch_id);
      out.events.push_back({request.created_at, "sealed", b.batch_id, "",
                            json{{"run_id", run.run_id},
                                 {"archive_sha256", b.archive_sha256},
                                 {"manifest_sha256", b.manifest_sha256},
                                 {"tagmanifest_sha256", b.tagmanifest_sha256},
                                 {"envelopes", ep}}
                                .dump()});
    }
    sql::Stmt slip(db_->conn, "INSERT INTO slips(run_id, envelope_id, case_id, month, amount, cash_payment, audit_seq) "
                              "VALUES (?,?,?,?,?,?,?)");
    for (const auto& s : run.slips) {
      slip.args(run.run_id, s.envelope_id, s.case_id, s.month, static_cast<std::int64_t>(s.amount), s.cash_payment,
                out.seq)
          .run();
      slip.reset();
    }
    sql::Stmt notice(db_->conn, "INSERT INTO notices(run_id, envelope_id, case_id, kind, audit_seq) VALUES (?,?,?,?,?)");
    for (const auto& n : run.notices) {
      notice.args(run.run_id, n.envelope_id, n.case_id, n.kind, out.seq).run();
      notice.reset();
    }
    out.result = "ok: " + std::to_string(run.batches.size()) + " batches, " + std::to_string(envelope_count) +
                 " envelopes, " + std::to_string(run.notices.size()) + " notices, " +
                 std::to_string(run.slips.size()) + " slips";
  });
}

Diagnostics Ledger::record_review(const std::string& run_id, const std::string& review_sha256, const Actor& who) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  AuditEntry entry{"review", {"run:" + run_id, "review:" + review_sha256}, ""};
  return audited(*db_, clock_, path_, signer_of(who), entry, [&](Outcome& out) {
    if (!check_role(db_->conn, who, "review", out)) return;
    auto info = run(run_id);
    if (!info) {
      out.problems.push_back(error(path_, "run " + run_id + " is not in the ledger"));
      out.refusal = "refused: unknown run";
      return;
    }
    for (const auto& b : info->batch_ids)
      out.events.push_back({"", "reviewed", b, "", json{{"run_id", run_id}, {"review_sha256", review_sha256}}.dump()});
  });
}

Checked<std::int64_t> Ledger::record_preview_start(const Actor& who, const std::string& out_dir,
                                                   const std::string& inputs_sha256) {
  if (!db_) return {0, {error(path_, "the ledger is not open")}};
  if (read_only_) return {0, read_only_refusal(path_)};
  std::int64_t seq = 0;
  auto ds = audited(*db_, clock_, path_, signer_of(who),
                    {"preview", {"folder:" + out_dir, "inputs:" + inputs_sha256}, ""}, [&](Outcome& out) {
                      if (!check_role(db_->conn, who, "preview", out)) return;
                      out.result = "ok: plaintext export started";
                      seq = out.seq;
                    });
  return {has_errors(ds) ? 0 : seq, std::move(ds)};
}

Diagnostics Ledger::record_preview_done(const Actor& who, std::int64_t start_seq, const std::vector<PreviewFile>& files,
                                        const records::BatchCounts& totals, bool completed) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  AuditEntry entry{"preview done", {"preview:" + std::to_string(start_seq)}, ""};
  for (const auto& f : files) entry.objects.push_back("file:" + f.name + ":" + f.sha256);
  return audited(*db_, clock_, path_, signer_of(who), entry, [&](Outcome& out) {
    if (!check_role(db_->conn, who, "preview done", out)) return;
    out.result = completed ? "ok: " + std::to_string(files.size()) + " files, " + std::to_string(totals.envelopes) +
                                 " envelopes, " + std::to_string(totals.pages) + " pages in plaintext"
                           : "ok: stopped, " + std::to_string(files.size()) + " files written";
  });
}

Diagnostics Ledger::record_audit_check(const AuditReport& r, const Actor& who) {
  const std::string result = r.ok() ? "ok: chain intact, " + std::to_string(r.records) + " records"
                                    : "ok: chain broken at seq " + std::to_string(r.breaks.front().seq);
  return append_audit({"audit verify", {}, result}, who);
}

Checked<release::Release> Ledger::approve(const std::string& run_id, const std::string& review_sha256, const Actor& who) {
  Checked<release::Release> r;
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  AuditEntry entry{"approve", {"run:" + run_id, "review:" + review_sha256}, ""};
  r.problems = audited(*db_, clock_, path_, signer_of(who), entry, [&](Outcome& out) {
    auto refuse = [&](const std::string& why, const char* code) {
      out.problems.push_back(error("", why));
      out.refusal = std::string("refused: ") + code;
    };
    if (!check_role(db_->conn, who, "approve", out)) return;
    sql::Stmt q(db_->conn, "SELECT user, created_at, maker_certificate, request_signature FROM runs WHERE run_id = ?");
    q.args(run_id);
    if (!q.step()) return refuse("run " + run_id + " is not in the ledger", "unknown run");
    if (run_voided(db_->conn, run_id))
      return refuse("run " + run_id + " was voided (tsuchi void): it can no longer be released", "run voided");
    const std::string maker = q.text(0);
    release::Release rel;
    rel.request = {run_id, q.text(1), {}, q.text(2)};
    rel.maker_signature = q.text(3);
    if (maker == who.user)
      return refuse(who.user + " made run " + run_id + "; a second person must approve it", "approver made the run");
    auto maker_cert = keys::check(rel.request.maker_certificate, city_key());
    if (!maker_cert.ok() || maker_cert.value.user_public_key == who.key->public_key().hex())
      return refuse("the maker's certificate of run " + run_id + " does not hold, or is the approver's own key",
                    "maker certificate");
    sql::Stmt revoked(db_->conn, "SELECT 1 FROM revocations WHERE public_key = ?");
    revoked.args(maker_cert.value.user_public_key);
    if (revoked.step())
      return refuse("the maker of run " + run_id + " (" + maker + ") has been revoked since: make the run again",
                    "maker revoked");
    // Approve exactly the sheet `tsuchi review` recorded last for this run.
    sql::Stmt rv(db_->conn, "SELECT details FROM custody_events e JOIN batches b ON b.batch_id = e.batch_id "
                            "WHERE e.kind = 'reviewed' AND b.run_id = ? ORDER BY e.id DESC LIMIT 1");
    rv.args(run_id);
    if (!rv.step())
      return refuse("no review recorded for run " + run_id + ": run `tsuchi review RUN_DIR` first", "no review");
    auto d = json::parse(rv.text(0), nullptr, false);
    if (!d.is_object() || d.value("review_sha256", "") != review_sha256)
      return refuse("review.txt is not the review sheet recorded for run " + run_id +
                        ": run `tsuchi review RUN_DIR` again",
                    "review changed");
    sql::Stmt b(db_->conn, "SELECT batch_id, manifest_sha256 FROM batches WHERE run_id = ? ORDER BY position");
    b.args(run_id);
    while (b.step()) rel.request.batches.push_back({b.text(0), b.text(1)});
    if (!keys::verify(maker_cert.value.user_public_key.empty()
                          ? keys::PublicKey{}
                          : *keys::public_key_from_hex(keys::Kind::user, maker_cert.value.user_public_key),
                      release::signed_bytes(rel.request), digest::unhex(rel.maker_signature).value_or("")))
      return refuse("the maker's signature of run " + run_id + " does not hold for what the ledger records",
                    "maker signature");
    sql::Stmt superseded(db_->conn, "SELECT COUNT(*) FROM releases WHERE run_id = ?");
    superseded.args(run_id);
    const bool again = superseded.step() && superseded.integer(0) > 0;
    for (const auto& x : rel.request.batches)
      out.events.push_back({"", "approved", x.batch_id, "",
                            json{{"run_id", run_id}, {"review_sha256", review_sha256}, {"sequence", out.seq}}.dump()});
    out.result = again ? "ok: release " + std::to_string(out.seq) + " supersedes the earlier release"
                       : "ok: release " + std::to_string(out.seq);
    // The release names this very record as its head, so it is signed once the record exists.
    out.after = [&, rel](const AuditRecord& rec) mutable {
      rel.approval = {rec.seq, rec.at, std::to_string(rec.seq) + ":" + rec.hash, who.certificate};
      rel.approver_signature = release::sign_release(*who.key, rel);
      const std::string text = release::to_json(rel);
      sql::Stmt(db_->conn,
                "INSERT INTO releases(run_id, sequence, release_sha256, release_json, audit_seq) VALUES (?,?,?,?,?)")
          .args(run_id, rec.seq, digest::sha256_hex(text), text, rec.seq)
          .run();
      r.value = std::move(rel);
    };
  });
  if (has_errors(r.problems)) r.value = {};
  return r;
}

Diagnostics Ledger::handover(const std::string& batch_id, const Actor& who, const std::string& route,
                             const std::string& media) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  AuditEntry entry{"handover", {"batch:" + batch_id}, ""};
  return audited(*db_, clock_, path_, signer_of(who), entry, [&](Outcome& out) {
    if (!check_role(db_->conn, who, "handover", out)) return;
    const auto run_id = batch_run(db_->conn, batch_id);
    if (!run_id) {
      out.problems.push_back(error(path_, "no batch " + batch_id + " in the ledger"));
      out.refusal = "refused: unknown batch";
      return;
    }
    if (run_voided(db_->conn, *run_id)) {
      out.problems.push_back(error("", "batch " + batch_id + " belongs to run " + *run_id +
                                           ", which was voided (tsuchi void): it can no longer be handed over"));
      out.refusal = "refused: run voided";
      return;
    }
    // An approval counts only when a genuine approve record wrote it: a row put in by SQL does not.
    bool approved = false;
    {
      approved = has_event(db_->conn, batch_id, "approved");
    }
    if (!approved) {
      out.problems.push_back(error("", "batch " + batch_id + " is not approved: run `tsuchi approve RUN_DIR` first"));
      out.refusal = "refused: not approved";
      return;
    }
    json d = {{"route", route}, {"media", media}};
    out.events.push_back({"", "handed_over", batch_id, "", d.dump()});
    if (!media.empty()) out.objects.push_back("media:" + media);
  });
}

// The queries below report a database failure as "nothing found": they only feed reports.
std::optional<RunInfo> Ledger::run(const std::string& run_id) const try {
  if (!db_) return std::nullopt;
  sql::Stmt q(db_->conn, "SELECT run_id, user, created_at, month_key FROM runs WHERE run_id = ?");
  q.args(run_id);
  if (!q.step()) return std::nullopt;
  RunInfo r{q.text(0), q.text(1), q.text(2), q.text(3), {}};
  sql::Stmt b(db_->conn, "SELECT batch_id FROM batches WHERE run_id = ? ORDER BY position");
  b.args(run_id);
  while (b.step()) r.batch_ids.push_back(b.text(0));
  return r;
} catch (const sql::SqlError&) {
  return std::nullopt;
}

std::optional<RunInfo> Ledger::previous_run(const std::string& run_id) const try {
  auto self = run(run_id);
  if (!self) return std::nullopt;
  // The same billing month first; otherwise the last run made before this one.
  for (const char* where : {"month_key = ?2 AND ", ""}) {
    sql::Stmt q(db_->conn, std::string("SELECT run_id FROM runs WHERE ") + where +
                               "(created_at < ?1 OR (created_at = ?1 AND run_id < ?3)) AND run_id <> ?3 "
                               "ORDER BY created_at DESC, run_id DESC LIMIT 1");
    q.bind(1, self->created_at).bind(3, run_id);
    if (*where) q.bind(2, self->month_key);
    if (q.step()) return run(q.text(0));
  }
  return std::nullopt;
} catch (const sql::SqlError&) {
  return std::nullopt;
}

std::vector<SlipRecord> Ledger::slips(const std::string& run_id) const try {
  std::vector<SlipRecord> out;
  if (!db_) return out;
  sql::Stmt q(db_->conn,
              "SELECT envelope_id, case_id, month, amount, cash_payment FROM slips WHERE run_id = ? ORDER BY rowid");
  q.args(run_id);
  while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2), q.integer(3), q.integer(4) != 0});
  return out;
} catch (const sql::SqlError&) {
  return {};
}

std::vector<NoticeRecord> Ledger::notices(const std::string& run_id) const try {
  std::vector<NoticeRecord> out;
  if (!db_) return out;
  sql::Stmt q(db_->conn, "SELECT envelope_id, case_id, kind FROM notices WHERE run_id = ? ORDER BY rowid");
  q.args(run_id);
  while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2)});
  return out;
} catch (const sql::SqlError&) {
  return {};
}

std::optional<BatchInfo> Ledger::batch(const std::string& batch_id) const try {
  if (!db_) return std::nullopt;
  sql::Stmt q(db_->conn,
              "SELECT b.batch_id, b.run_id, b.archive_sha256, b.manifest_sha256, b.tagmanifest_sha256, "
              "COUNT(e.envelope_id), COALESCE(SUM(e.pages), 0), COALESCE(SUM(e.sheets), 0) "
              "FROM batches b LEFT JOIN envelopes e ON e.batch_id = b.batch_id WHERE b.batch_id = ? GROUP BY b.batch_id");
  q.args(batch_id);
  if (!q.step()) return std::nullopt;
  return BatchInfo{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), static_cast<int>(q.integer(5)),
                   static_cast<int>(q.integer(6)), static_cast<int>(q.integer(7))};
} catch (const sql::SqlError&) {
  return std::nullopt;
}

std::vector<std::pair<std::string, int>> Ledger::envelope_sheets(const std::string& batch_id) const try {
  std::vector<std::pair<std::string, int>> out;
  if (!db_) return out;
  sql::Stmt q(db_->conn, "SELECT envelope_id, sheets FROM envelopes WHERE batch_id = ? ORDER BY position");
  q.args(batch_id);
  while (q.step()) out.emplace_back(q.text(0), static_cast<int>(q.integer(1)));
  return out;
} catch (const sql::SqlError&) {
  return {};
}

// ---- issue 12, runs: reservation before rendering, voids ----
std::optional<std::string> network_filesystem(std::int64_t f_type) {
  // statfs(2) f_type magic numbers (linux/magic.h and the man page).
  static const std::pair<std::int64_t, const char*> kNetwork[] = {
      {0x6969, "NFS"},         {0x517B, "SMB"},         {0xFF534D42, "CIFS"},  {0xFE534D42, "SMB2"},
      {0x01021997, "9P"},      {0x65735546, "FUSE"},    {0x5346414F, "AFS"},   {0x73757245, "Coda"},
      {0x564C, "NCP"},         {0x00C36400, "Ceph"},    {0x0BD00BD0, "Lustre"}, {0x01161970, "GFS2"},
      {0x7461636F, "OCFS2"},   {0x47504653, "GPFS"}};
  for (const auto& [magic, name] : kNetwork)
    if ((f_type & 0xFFFFFFFF) == magic) return std::string(name);
  return std::nullopt;
}

Checked<std::string> Ledger::reserve_run(const Actor& maker, const std::string& requested_id,
                                         const std::string& out_dir, bool exact) {
  if (!db_) return {{}, {error(path_, "the ledger is not open")}};
  if (read_only_) return {{}, read_only_refusal(path_)};
  std::string id;
  auto ds = audited(*db_, clock_, path_, signer_of(maker), {"run reserve", {"folder:" + out_dir}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, maker, "run reserve", out)) return;
    auto taken = [&](const std::string& candidate) {
      sql::Stmt q(db_->conn, "SELECT 1 FROM run_reservations WHERE run_id = ?1 UNION ALL "
                             "SELECT 1 FROM runs WHERE run_id = ?1");
      q.args(candidate);
      return q.step();
    };
    if (requested_id.empty()) {
      out.problems.push_back(error(path_, "a run needs a run id"));
      out.refusal = "refused: no run id";
      return;
    }
    id = requested_id;
    if (exact && taken(id)) {
      out.problems.push_back(error(path_, "run " + id + " is already reserved or recorded in the ledger; choose another --run-id"));
      out.refusal = "refused: run id taken";
      id.clear();
      return;
    }
    // Inside the write transaction: two runs started together get R…, R…-2, never the same id.
    for (int n = 2; !exact && taken(id); ++n) id = requested_id + "-" + std::to_string(n);
    sql::Stmt(db_->conn, "INSERT INTO run_reservations(run_id, out_dir, audit_seq) VALUES (?,?,?)")
        .args(id, out_dir, out.seq)
        .run();
    out.objects.insert(out.objects.begin(), "run:" + id);
    out.result = "ok: reserved";
  });
  if (has_errors(ds)) id.clear();
  return {id, std::move(ds)};
}

Diagnostics Ledger::void_run(const Actor& who, const std::string& run_id, const std::string& reason) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  return audited(*db_, clock_, path_, signer_of(who), {"void", {"run:" + run_id}, ""}, [&](Outcome& out) {
    if (!check_role(db_->conn, who, "void", out)) return;
    auto refuse = [&](const std::string& why, const char* code) {
      out.problems.push_back(error("", why));
      out.refusal = std::string("refused: ") + code;
    };
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
      return refuse("a void needs a --reason", "no reason");
    if (!run(run_id)) return refuse("run " + run_id + " is not in the ledger", "unknown run");
    if (run_voided(db_->conn, run_id)) return refuse("run " + run_id + " is already voided", "already voided");
    sql::Stmt(db_->conn, "INSERT INTO voids(run_id, reason, audit_seq) VALUES (?,?,?)")
        .args(run_id, reason, out.seq)
        .run();
    out.result = "ok: voided";
  });
}

bool Ledger::voided(const std::string& run_id) const try {
  return db_ && run_voided(db_->conn, run_id);
} catch (const sql::SqlError&) {
  return false;
}

}  // namespace tsuchi::ledger
