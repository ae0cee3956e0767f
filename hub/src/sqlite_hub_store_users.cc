// SqliteHubStore: what schema version 5 added for the station dashboard
// (docs/hub-storage.md "Version 5"): the `users` table of dashboard accounts
// and the index of record versions by record id (a den's visits, their
// photos). Passwords are stored as crypto_pwhash_str strings only; the
// hashing itself is the dashboard's (dashboard_users.cc), not SQL's.
#include "sqlite_hub_store.h"

namespace sweep::hub {

Status CreateUserSchema(sql::Db* db) {
  return db->Exec(R"sql(
    CREATE TABLE IF NOT EXISTS users(
      user_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL,
      agency TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0,
      created_ms INTEGER NOT NULL,
      failed_signins INTEGER NOT NULL DEFAULT 0,
      last_failure_ms INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS versions_by_record ON versions(record_id, version);
  )sql");
}

namespace {

constexpr const char* kUserColumns =
    "SELECT user_id, name, role, agency, password_hash, disabled, created_ms, failed_signins,"
    " last_failure_ms FROM users";

UserRow ReadUser(const sql::Stmt& st) {
  UserRow u;
  u.user_id = st.Text(0);
  u.name = st.Text(1);
  u.role = st.Text(2);
  u.agency = st.Text(3);
  u.password_hash = st.Text(4);
  u.disabled = st.Int(5) != 0;
  u.created_ms = st.Int(6);
  u.failed_signins = static_cast<uint32_t>(st.Int(7));
  u.last_failure_ms = st.Int(8);
  return u;
}

Status NoUser(const std::string& user_id) {
  return Status::NotFound("no dashboard user '" + user_id +
                          "' on this hub: list them with `sweep-hub user list`");
}

}  // namespace

Status SqliteHubStore::AddUser(const UserRow& u) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO users(user_id, name, role, agency, password_hash,"
                            " disabled, created_ms, failed_signins, last_failure_ms)"
                            " VALUES(?, ?, ?, ?, ?, ?, ?, 0, 0)"));
  st.Bind(1, u.user_id)
      .Bind(2, u.name)
      .Bind(3, u.role)
      .Bind(4, u.agency)
      .Bind(5, u.password_hash)
      .Bind(6, int64_t{u.disabled ? 1 : 0})
      .Bind(7, u.created_ms);
  Status s = st.Run();
  if (s.code() == Code::kConflict) {
    return Status::AlreadyExists("dashboard user '" + u.user_id +
                                 "' exists already: give another --id, or `user passwd`");
  }
  return s;
}

Result<UserRow> SqliteHubStore::GetUser(const std::string& user_id) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kUserColumns) + " WHERE user_id=?"));
  st.Bind(1, user_id);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NoUser(user_id);
  return ReadUser(st);
}

Result<std::vector<UserRow>> SqliteHubStore::ListUsers() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kUserColumns) + " ORDER BY user_id"));
  std::vector<UserRow> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadUser(st));
  }
  return out;
}

Status SqliteHubStore::SetUserPassword(const std::string& user_id,
                                       const std::string& password_hash) {
  std::lock_guard lock(mu_);
  // A new password also lifts the sign-in delay.
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE users SET password_hash=?,"
                                               " failed_signins=0 WHERE user_id=?"));
  st.Bind(1, password_hash).Bind(2, user_id);
  SWEEP_RETURN_IF_ERROR(st.Run());
  return db_->Changes() == 0 ? NoUser(user_id) : Status::Ok();
}

Status SqliteHubStore::SetUserDisabled(const std::string& user_id, bool disabled) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE users SET disabled=? WHERE user_id=?"));
  st.Bind(1, int64_t{disabled ? 1 : 0}).Bind(2, user_id);
  SWEEP_RETURN_IF_ERROR(st.Run());
  return db_->Changes() == 0 ? NoUser(user_id) : Status::Ok();
}

Status SqliteHubStore::SetUserRole(const std::string& user_id, const std::string& role,
                                   const std::string& agency) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db_->Prepare("UPDATE users SET role=?, agency=? WHERE user_id=?"));
  st.Bind(1, role).Bind(2, agency).Bind(3, user_id);
  SWEEP_RETURN_IF_ERROR(st.Run());
  return db_->Changes() == 0 ? NoUser(user_id) : Status::Ok();
}

Result<uint32_t> SqliteHubStore::CountSignInFailure(const std::string& user_id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE users SET failed_signins="
                                               " failed_signins + 1, last_failure_ms=?"
                                               " WHERE user_id=? RETURNING failed_signins"));
  st.Bind(1, now_ms).Bind(2, user_id);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NoUser(user_id);
  auto count = static_cast<uint32_t>(st.Int(0));
  SWEEP_RETURN_IF_ERROR(st.Reset());  // finishes the statement: the update commits
  return count;
}

Status SqliteHubStore::ClearSignInFailures(const std::string& user_id) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE users SET failed_signins=0"
                                               " WHERE user_id=? AND failed_signins<>0"));
  st.Bind(1, user_id);
  return st.Run();
}

Result<std::vector<StoredVersion>> SqliteHubStore::VersionsOfRecord(const std::string& record_id) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT device_id, seq, version, record, received_ms, ingest_order,"
                            " (SELECT o.record FROM opened_versions o WHERE"
                            " o.device_id=versions.device_id AND o.seq=versions.seq)"
                            " FROM versions WHERE record_id=? ORDER BY version, ingest_order"));
  st.Bind(1, record_id);
  std::vector<StoredVersion> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    StoredVersion v;
    v.device_id = st.Text(0);
    v.seq = static_cast<uint64_t>(st.Int(1));
    v.record_id = record_id;
    v.version = static_cast<uint64_t>(st.Int(2));
    v.record = st.Blob(3);
    v.received_ms = st.Int(4);
    v.ingest_order = static_cast<uint64_t>(st.Int(5));
    v.opened = st.Blob(6);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace sweep::hub
