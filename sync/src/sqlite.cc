#include "sweep/sync/sqlite.h"

namespace sweep::sql {

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    if (!create && rc == SQLITE_CANTOPEN) {
      return Status::NotFound("cannot open " + path + ": " + msg);
    }
    return Status::IOError("cannot open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  return std::unique_ptr<Db>(new Db(raw, path));
}

Db::~Db() { sqlite3_close_v2(db_); }

Status Db::Error(std::string_view what) const {
  std::string m(what);
  m += ": ";
  m += sqlite3_errmsg(db_);
  m += " (" + path_ + ")";
  int rc = sqlite3_errcode(db_) & 0xff;
  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) return Status::Corruption(m);
  if (rc == SQLITE_CONSTRAINT) return Status::Conflict(m);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable(m);
  return Status::IOError(m);
}

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error("SQL failed [" + s.substr(0, 60) + "]");
  }
  return Status::Ok();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) !=
      SQLITE_OK) {
    return Error("cannot prepare [" + std::string(sql.substr(0, 60)) + "]");
  }
  return Stmt(this, st);
}

int64_t Db::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() const { return sqlite3_changes(db_); }

Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view t) {
  sqlite3_bind_text(stmt_, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, crypto::ByteView b) {
  sqlite3_bind_blob(stmt_, i, b.empty() ? "" : static_cast<const void*>(b.data()),
                    static_cast<int>(b.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("SQL step failed [" + std::string(sqlite3_sql(stmt_)).substr(0, 60) + "]");
}

Status Stmt::Run() {
  for (;;) {
    auto r = Step();
    if (!r.ok()) return r.status();
    if (!*r) break;
  }
  return Reset();
}

Status Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return Status::Ok();
}

int64_t Stmt::Int(int c) const { return sqlite3_column_int64(stmt_, c); }
std::string Stmt::Text(int c) const {
  auto p = sqlite3_column_text(stmt_, c);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, c)) : "";
}
crypto::Bytes Stmt::Blob(int c) const {
  auto p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, c));
  return p ? crypto::Bytes(p, p + sqlite3_column_bytes(stmt_, c)) : crypto::Bytes{};
}
bool Stmt::IsNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }

Result<std::unique_ptr<Transaction>> Transaction::Begin(Db* db) {
  SWEEP_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  if (!done_) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  SWEEP_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  done_ = true;
  return Status::Ok();
}

}  // namespace sweep::sql
