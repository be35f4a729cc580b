#include "ledger/sqlite.hpp"

namespace tsuchi::ledger::sql {

Db Db::open(const std::string& path, Mode mode) {
  sqlite3* raw = nullptr;
  int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY
              : mode == Mode::create  ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                      : SQLITE_OPEN_READWRITE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) db.fail("open");
  sqlite3_busy_timeout(raw, 10000);
  if (mode == Mode::read_only) return db;
  // A rollback journal, not WAL: a copy of the one file is then a complete evidence copy.
  db.exec("PRAGMA journal_mode=DELETE");
  // FULL: a custody event reported as recorded must survive a power cut.
  db.exec("PRAGMA synchronous=FULL");
  db.exec("PRAGMA foreign_keys=ON");
  return db;
}

void Db::exec(const char* sql) {
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

void Db::fail(const char* what) const {
  std::string msg = db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
  throw SqlError(msg + " (" + what + ")");
}

Stmt::Stmt(const Db& db, std::string_view sql) : db_(&db) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    db.fail(std::string(sql).c_str());
  s_.reset(raw);
}

Stmt& Stmt::bind(int i, std::string_view v) {
  if (sqlite3_bind_text(s_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    db_->fail("bind");
  return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(s_.get(), i, v) != SQLITE_OK) db_->fail("bind");
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  if (sqlite3_bind_null(s_.get(), i) != SQLITE_OK) db_->fail("bind");
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view bytes) {
  if (sqlite3_bind_blob64(s_.get(), i, bytes.data(), bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK)
    db_->fail("bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(s_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail(sqlite3_sql(s_.get()));
}

void Stmt::reset() {
  sqlite3_reset(s_.get());
  sqlite3_clear_bindings(s_.get());
}

std::string Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(s_.get(), col));
  int n = sqlite3_column_bytes(s_.get(), col);
  return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

std::int64_t Stmt::integer(int col) const { return sqlite3_column_int64(s_.get(), col); }

bool Stmt::is_null(int col) const { return sqlite3_column_type(s_.get(), col) == SQLITE_NULL; }

int Stmt::columns() const { return sqlite3_column_count(s_.get()); }

int Stmt::type(int col) const { return sqlite3_column_type(s_.get(), col); }

Tx::Tx(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Tx::~Tx() {
  if (!done_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Tx::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace tsuchi::ledger::sql
