// RAII wrappers for SQLite: a connection, a prepared statement and a
// transaction that rolls back unless committed. Every failure becomes a
// Status naming the SQL and SQLite's message. A Db is used by one thread at
// a time (SQLite's "multi-thread" mode); statements belong to their Db.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"

namespace sweep::sql {

class Stmt;

class Db {
 public:
  // Opens (creating if `create`) the file at `path`.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, bool create);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status Exec(std::string_view sql);
  Result<Stmt> Prepare(std::string_view sql);
  sqlite3* raw() { return db_; }
  int64_t LastInsertRowId() const;
  int Changes() const;
  const std::string& path() const { return path_; }
  Status Error(std::string_view what) const;  // Status from the last SQLite error

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

class Stmt {
 public:
  Stmt(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;

  Stmt& Bind(int index, int64_t v);
  Stmt& Bind(int index, std::string_view text);
  Stmt& Bind(int index, crypto::ByteView blob);
  Stmt& BindNull(int index);
  // Steps once: true if a row is ready, false when done.
  Result<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();
  Status Reset();

  int64_t Int(int col) const;
  std::string Text(int col) const;
  crypto::Bytes Blob(int col) const;
  bool IsNull(int col) const;

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit().
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Db* db);
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;
  bool done_ = false;
};

}  // namespace sweep::sql
