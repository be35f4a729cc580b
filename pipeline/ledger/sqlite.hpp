// Internal to the ledger: SQLite wrapped once (RAII connection, statement and transaction).
// SQLite failures inside the ledger are thrown as SqlError and turned into Diagnostics at the
// public API, so no exception crosses the stage boundary.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tsuchi::ledger::sql {

struct SqlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class Db {
 public:
  // Opens an existing file (create: or makes it) with synchronous=FULL, foreign keys and a busy
  // timeout; read_only opens it with SQLITE_OPEN_READONLY, so nothing can be written.
  enum class Mode { create, read_write, read_only };
  static Db open(const std::string& path, Mode mode);
  void exec(const char* sql);
  sqlite3* get() const { return db_.get(); }
  [[noreturn]] void fail(const char* what) const;

 private:
  std::unique_ptr<sqlite3, CloseDb> db_;
};

class Stmt {
 public:
  Stmt(const Db& db, std::string_view sql);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  Stmt& bind_null(int i);
  Stmt& bind_blob(int i, std::string_view bytes);
  // Binds every argument in order, from parameter 1.
  template <class... A>
  Stmt& args(const A&... a) {
    int i = 0;
    (bind(++i, a), ...);
    return *this;
  }
  bool step();  // true while a row is available
  void run() {
    while (step()) {
    }
  }
  void reset();
  std::string text(int col) const;
  std::int64_t integer(int col) const;
  bool is_null(int col) const;
  int columns() const;
  int type(int col) const;  // SQLITE_INTEGER, SQLITE_TEXT, SQLITE_NULL, …

 private:
  const Db* db_;
  std::unique_ptr<sqlite3_stmt, FinalizeStmt> s_;
};

// BEGIN IMMEDIATE: the write lock is taken up front, so two commands never interleave.
class Tx {
 public:
  explicit Tx(Db& db);
  ~Tx();
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace tsuchi::ledger::sql
