// SqliteHubStore: the hub's storage on one SQLite file (schema below).
//
// Concurrency: ONE connection guarded by ONE std::mutex (SqliteHubStore::mu_)
// that every public method holds from start to end. sql::Db opens SQLite in
// NOMUTEX ("multi-thread") mode, which allows a connection to be used by one
// thread at a time only; the mutex provides exactly that. HTTP threads take
// turns, which a station hub's load (tens of tablets) allows easily. If reads
// ever queue behind uploads, the upgrade is a writer connection plus
// per-thread reader connections (WAL lets readers run beside the writer).
//
// Atomicity: a method that writes more than one row, or reads before it
// writes, runs inside BEGIN IMMEDIATE ... COMMIT (sql::Transaction rolls back
// on every early return), so it commits whole or not at all, also against
// another process (a CLI command) writing the same file: IMMEDIATE takes the
// write lock up front, and the busy timeout (5 s, set by sql::Db::Open) makes
// the other side wait rather than fail. Single-statement methods rely on
// SQLite's statement atomicity. Durability: WAL + synchronous=FULL, so a
// method that returned OK survives a crash or a power cut. The log is copied
// back into the file by a WalCheckpointer thread, not inside commits.
//
// Format: table `meta` holds schema_version = kHubSchemaVersion; a file of
// version 1 to 7 is migrated in place (CreateLedgerSchema adds the
// tables version 2 brought, CreateMergeSchema those of version 3,
// CreateCaseSchema those of version 4, CreateUserSchema those of version 5,
// CreateAuditSchema those of version 6, CreateSectionsSchema those of
// version 7, CreateRetentionSchema those of version 8, in the opening
// transaction); any
// other version is refused. The file is created with mode 0600 (SQLite gives the -wal and -shm
// files the same mode), as it holds the hub's secret keys.
#include "sqlite_hub_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>

namespace sweep::hub {

Status CreateSectionsSchema(sql::Db* db) {
  // The hub's opened copy of a version whose office sweep came with sealed
  // agency sections (docs/hub-storage.md "Version 7"); `versions.record`
  // keeps the bytes the tablet chained.
  return db->Exec(R"sql(
    CREATE TABLE IF NOT EXISTS opened_versions(
      device_id TEXT NOT NULL, seq INTEGER NOT NULL, record BLOB NOT NULL,
      PRIMARY KEY(device_id, seq)) WITHOUT ROWID;
  )sql");
}

namespace {

// Pragmas every connection sets. WAL with FULL sync: a commit is on disk when
// COMMIT returns (a merge step relaxes it: sqlite_hub_store_merge.cc). Foreign keys tie versions to devices and chunks to files.
Status ConfigureConnection(sql::Db* db) {
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("PRAGMA journal_mode=WAL"));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  std::string mode = row ? st.Text(0) : "";
  if (mode != "wal") {
    return Status::IOError("cannot switch " + db->path() + " to WAL mode (journal mode is '" +
                           mode + "'): put the hub database on a local file system");
  }
  // A 64 MiB page cache (SQLite's default is 2 MiB): the merge's indexes at
  // a million mentions are written at random places (docs/performance.md).
  return db->Exec(
      "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
      " PRAGMA cache_size=-65536;");
}

Status CreateSchema(sql::Db* db) {
  SWEEP_RETURN_IF_ERROR(db->Exec(R"sql(
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE hub_keys(
      id INTEGER PRIMARY KEY CHECK(id = 1),
      hub_id TEXT NOT NULL,
      sign_pk BLOB NOT NULL, sign_sk BLOB NOT NULL,
      box_pk BLOB NOT NULL, box_sk BLOB NOT NULL,
      watchlist_key BLOB NOT NULL);
    CREATE TABLE enroll_codes(
      code_id BLOB PRIMARY KEY,
      secret BLOB NOT NULL,
      officer_id TEXT NOT NULL, agency TEXT NOT NULL, role TEXT NOT NULL,
      created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
      used_ms INTEGER NOT NULL DEFAULT 0, used_by TEXT NOT NULL DEFAULT '');
    CREATE TABLE devices(
      device_id TEXT PRIMARY KEY,
      officer_id TEXT NOT NULL, agency TEXT NOT NULL, role TEXT NOT NULL,
      label TEXT NOT NULL,
      sign_pk BLOB NOT NULL, box_pk BLOB NOT NULL,
      status TEXT NOT NULL DEFAULT 'active',
      enrolled_ms INTEGER NOT NULL,
      revoked_ms INTEGER NOT NULL DEFAULT 0,
      revoke_reason TEXT NOT NULL DEFAULT '',
      last_seen_ms INTEGER NOT NULL DEFAULT 0,
      acked_seq INTEGER NOT NULL DEFAULT 0,
      acked_hash BLOB NOT NULL DEFAULT (zeroblob(32)));
    CREATE INDEX devices_by_enrollment ON devices(enrolled_ms, device_id);
    CREATE TABLE nonces(
      device_id TEXT NOT NULL, nonce BLOB NOT NULL, expires_ms INTEGER NOT NULL,
      PRIMARY KEY(device_id, nonce)) WITHOUT ROWID;
    CREATE INDEX nonces_by_expiry ON nonces(expires_ms);
    CREATE TABLE versions(
      device_id TEXT NOT NULL REFERENCES devices(device_id),
      seq INTEGER NOT NULL,
      ingest_order INTEGER NOT NULL UNIQUE,
      record_id TEXT NOT NULL, version INTEGER NOT NULL,
      record BLOB NOT NULL, entry_hash BLOB NOT NULL, head_sig BLOB NOT NULL,
      received_ms INTEGER NOT NULL,
      PRIMARY KEY(device_id, seq));
    CREATE TABLE alerts(
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at_ms INTEGER NOT NULL, device_id TEXT NOT NULL, kind TEXT NOT NULL,
      detail TEXT NOT NULL);
    CREATE TABLE feed(
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      audience TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
      deleted INTEGER NOT NULL, payload BLOB NOT NULL);
    CREATE INDEX feed_by_audience ON feed(audience, seq);
    CREATE TABLE files(
      sha256 TEXT PRIMARY KEY,
      size INTEGER NOT NULL, media_type TEXT NOT NULL, chunk_size INTEGER NOT NULL,
      chunk_hashes TEXT NOT NULL,  -- hex SHA-256 of each chunk, joined by '\n'
      complete INTEGER NOT NULL DEFAULT 0,
      device_id TEXT NOT NULL);
    CREATE TABLE chunks(
      sha256 TEXT NOT NULL REFERENCES files(sha256),
      idx INTEGER NOT NULL, data BLOB NOT NULL,
      PRIMARY KEY(sha256, idx));
  )sql"));
  SWEEP_RETURN_IF_ERROR(CreateLedgerSchema(db));
  SWEEP_RETURN_IF_ERROR(CreateMergeSchema(db));
  SWEEP_RETURN_IF_ERROR(CreateCaseSchema(db));
  SWEEP_RETURN_IF_ERROR(CreateUserSchema(db));
  SWEEP_RETURN_IF_ERROR(CreateAuditSchema(db));
  SWEEP_RETURN_IF_ERROR(CreateSectionsSchema(db));
  return CreateRetentionSchema(db);
}

// Version 1 -> 2 (in the opening transaction): the register and ledger
// tables, and feed_state filled from the existing feed (the latest item per
// audience, kind and key), so that what tablets were told before is known.
Status MigrateFrom1(sql::Db* db) {
  SWEEP_RETURN_IF_ERROR(CreateLedgerSchema(db));
  return RebuildFeedState(db);
}

// Version 2 -> 3 (in the opening transaction): the merge tables, empty; the
// next merge run reads every stored version from ingest order 0.
Status MigrateFrom2(sql::Db* db) { return CreateMergeSchema(db); }

// Version 3 -> 4 (in the opening transaction): the case tables, empty (no
// edits, nothing derived published yet), and the feed index by (kind, key).
// A version 3 file's merge_records gains first_order, the ingest order of
// each record's first version (docs/merge.md §10); mentions already stored
// keep their ordinals.
Status MigrateFrom3(sql::Db* db, bool had_merge_tables) {
  if (had_merge_tables) {
    SWEEP_RETURN_IF_ERROR(db->Exec(R"sql(
      ALTER TABLE merge_records ADD COLUMN first_order INTEGER NOT NULL DEFAULT 0;
      UPDATE merge_records SET first_order = f.o
        FROM (SELECT record_id, MIN(ingest_order) AS o FROM versions GROUP BY record_id) AS f
        WHERE f.record_id = merge_records.record_id;
    )sql"));
  }
  return CreateCaseSchema(db);
}

Status SetSchemaVersion(sql::Db* db) {
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db->Prepare("UPDATE meta SET value=? WHERE key='schema_version'"));
  st.Bind(1, std::to_string(kHubSchemaVersion));
  return st.Run();
}

// Creates a missing file with mode 0600 before SQLite opens it, so the secret
// keys are never readable by others, not even for a moment. (Not umask: that
// is process-wide and would race with the server's other threads.)
Status CreatePrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError("cannot open hub database " + path + ": " +
                           std::error_code(errno, std::generic_category()).message());
  }
  ::close(fd);
  return Status::Ok();
}

// Creates the schema in an empty file, or checks the version of an existing
// one. Inside one transaction, so two processes opening a new file at once
// cannot both create it.
Status InitOrCheckSchema(sql::Db* db) {
  // A file already at this version needs no write lock: one plain read. (A
  // writer committing back to back could keep BEGIN IMMEDIATE from winning
  // for the whole busy timeout, and `backup` failed to start: found by
  // bench/backup_bench, docs/performance.md "Backups".)
  if (auto current = db->Prepare("SELECT value FROM meta WHERE key='schema_version'");
      current.ok()) {
    auto row = current->Step();
    if (row.ok() && *row && current->Text(0) == std::to_string(kHubSchemaVersion)) {
      return Status::Ok();
    }
  }
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db));
  SWEEP_ASSIGN_OR_RETURN(auto tables, db->Prepare("SELECT count(*), coalesce(sum(name='meta'), 0)"
                                                  " FROM sqlite_master WHERE type='table'"));
  SWEEP_ASSIGN_OR_RETURN(bool row, tables.Step());
  int64_t total = row ? tables.Int(0) : 0;
  bool has_meta = row && tables.Int(1) > 0;
  SWEEP_RETURN_IF_ERROR(tables.Reset());
  if (!has_meta) {
    if (total > 0) {
      return Status::InvalidArgument(db->path() +
                                     " is an SQLite database but not a Sweep hub database (it has "
                                     "no meta table): give the hub a new or its own file");
    }
    SWEEP_RETURN_IF_ERROR(CreateSchema(db));
    SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("INSERT INTO meta(key, value) VALUES(?, ?)"));
    st.Bind(1, "schema_version").Bind(2, std::to_string(kHubSchemaVersion));
    SWEEP_RETURN_IF_ERROR(st.Run());
    return tx->Commit();
  }
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT value FROM meta WHERE key='schema_version'"));
  SWEEP_ASSIGN_OR_RETURN(bool found, st.Step());
  std::string text = found ? st.Text(0) : "";
  int64_t version = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (!found || ec != std::errc() || end != text.data() + text.size()) {
    return Status::Corruption("hub database " + db->path() +
                              " has no readable schema_version in its meta table ('" + text + "')");
  }
  SWEEP_RETURN_IF_ERROR(st.Reset());
  if (version >= 1 && version <= 7) {  // 1 -> 2 -> … -> 8, in this one transaction
    if (version == 1) SWEEP_RETURN_IF_ERROR(MigrateFrom1(db));
    if (version <= 2) SWEEP_RETURN_IF_ERROR(MigrateFrom2(db));
    if (version <= 3) SWEEP_RETURN_IF_ERROR(MigrateFrom3(db, version == 3));
    // Version 4 -> 5: the dashboard's accounts (empty) and the index of
    // versions by record.
    if (version <= 4) SWEEP_RETURN_IF_ERROR(CreateUserSchema(db));
    // Version 5 -> 6: the audit log (empty).
    if (version <= 5) SWEEP_RETURN_IF_ERROR(CreateAuditSchema(db));
    // Version 6 -> 7: opened copies of records with agency sections (empty:
    // records stored before had none).
    if (version <= 6) SWEEP_RETURN_IF_ERROR(CreateSectionsSchema(db));
    // Version 7 -> 8: retention (nothing purged yet).
    SWEEP_RETURN_IF_ERROR(CreateRetentionSchema(db));
    SWEEP_RETURN_IF_ERROR(SetSchemaVersion(db));
    return tx->Commit();
  }
  if (version != kHubSchemaVersion) {
    return Status::Corruption("hub database " + db->path() + " has schema version " +
                              std::to_string(version) + ", but this sweep-hub reads version " +
                              std::to_string(kHubSchemaVersion) +
                              " only: run the sweep-hub build that wrote it, or restore a "
                              "matching backup");
  }
  return tx->Commit();
}

std::string CodeName(const Bytes& code_id) { return "enrollment code " + crypto::ToHex(code_id); }

}  // namespace

Result<std::unique_ptr<HubStore>> OpenSqliteHubStore(const std::string& path) {
  SWEEP_RETURN_IF_ERROR(CreatePrivateFile(path));
  SWEEP_ASSIGN_OR_RETURN(auto db, sql::Db::Open(path, false));
  SWEEP_RETURN_IF_ERROR(ConfigureConnection(db.get()));
  SWEEP_RETURN_IF_ERROR(InitOrCheckSchema(db.get()));
  auto store = std::make_unique<SqliteHubStore>(std::move(db));
  SWEEP_ASSIGN_OR_RETURN(store->checkpointer_, WalCheckpointer::Start(store->db_.get()));
  return std::unique_ptr<HubStore>(std::move(store));
}

// ------------------------------------------------------------------ identity

Result<std::optional<HubKeys>> SqliteHubStore::LoadHubKeys() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT hub_id, sign_pk, sign_sk, box_pk, box_sk,"
                                               " watchlist_key FROM hub_keys WHERE id=1"));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<HubKeys>();
  HubKeys k;
  k.hub_id = st.Text(0);
  k.sign_pk = st.Blob(1);
  k.sign_sk = st.Blob(2);
  k.box_pk = st.Blob(3);
  k.box_sk = st.Blob(4);
  k.watchlist_key = st.Blob(5);
  return std::optional<HubKeys>(std::move(k));
}

Status SqliteHubStore::SaveHubKeys(const HubKeys& keys) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto existing, db_->Prepare("SELECT hub_id FROM hub_keys WHERE id=1"));
  SWEEP_ASSIGN_OR_RETURN(bool row, existing.Step());
  if (row) {
    return Status::AlreadyExists("the hub keys are already saved (hub id " + existing.Text(0) +
                                 "); they are never replaced");
  }
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO hub_keys(id, hub_id, sign_pk, sign_sk,"
                                               " box_pk, box_sk, watchlist_key)"
                                               " VALUES(1, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, keys.hub_id)
      .Bind(2, keys.sign_pk)
      .Bind(3, keys.sign_sk)
      .Bind(4, keys.box_pk)
      .Bind(5, keys.box_sk)
      .Bind(6, keys.watchlist_key);
  SWEEP_RETURN_IF_ERROR(st.Run());
  return tx->Commit();
}

// ------------------------------------------------------------------ enrollment

Status SqliteHubStore::AddEnrollCode(const EnrollCode& code) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO enroll_codes(code_id, secret, officer_id, agency, role,"
                            " created_ms, expires_ms, used_ms, used_by)"
                            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, code.code_id)
      .Bind(2, code.secret)
      .Bind(3, code.officer_id)
      .Bind(4, code.agency)
      .Bind(5, code.role)
      .Bind(6, code.created_ms)
      .Bind(7, code.expires_ms)
      .Bind(8, code.used_ms)
      .Bind(9, code.used_by);
  Status s = st.Run();
  if (s.code() == Code::kConflict) return Status::AlreadyExists(CodeName(code.code_id) + " exists");
  return s;
}

Result<EnrollCode> SqliteHubStore::GetEnrollCode(const Bytes& code_id) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT secret, officer_id, agency, role, created_ms, expires_ms,"
                            " used_ms, used_by FROM enroll_codes WHERE code_id=?"));
  st.Bind(1, code_id);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no " + CodeName(code_id) + " on this hub");
  EnrollCode c;
  c.code_id = code_id;
  c.secret = st.Blob(0);
  c.officer_id = st.Text(1);
  c.agency = st.Text(2);
  c.role = st.Text(3);
  c.created_ms = st.Int(4);
  c.expires_ms = st.Int(5);
  c.used_ms = st.Int(6);
  c.used_by = st.Text(7);
  return c;
}

namespace {
Status InsertDevice(sql::Db* db, const Device& d) {
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db->Prepare("INSERT INTO devices(device_id, officer_id, agency, role, label,"
                           " sign_pk, box_pk, status, enrolled_ms, revoked_ms, revoke_reason,"
                           " last_seen_ms, acked_seq, acked_hash)"
                           " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, d.device_id)
      .Bind(2, d.officer_id)
      .Bind(3, d.agency)
      .Bind(4, d.role)
      .Bind(5, d.label)
      .Bind(6, d.sign_pk)
      .Bind(7, d.box_pk)
      .Bind(8, d.status)
      .Bind(9, d.enrolled_ms)
      .Bind(10, d.revoked_ms)
      .Bind(11, d.revoke_reason)
      .Bind(12, d.last_seen_ms)
      .Bind(13, ToSql(d.acked_seq));
  // The chain of a new device starts from the all-zero hash.
  if (d.acked_hash.empty()) {
    st.Bind(14, Bytes(32, 0));
  } else {
    st.Bind(14, d.acked_hash);
  }
  return st.Run();
}
}  // namespace

Status SqliteHubStore::ConsumeCodeAddDevice(const Bytes& code_id, int64_t now_ms,
                                            const Device& device) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto code,
                         db_->Prepare("SELECT used_ms, used_by FROM enroll_codes WHERE code_id=?"));
  code.Bind(1, code_id);
  SWEEP_ASSIGN_OR_RETURN(bool found, code.Step());
  if (!found) return Status::NotFound("no " + CodeName(code_id) + " on this hub");
  if (code.Int(0) != 0) {
    return Status::Conflict(CodeName(code_id) + ": code already used (by device " + code.Text(1) +
                            "); issue a new code");
  }
  SWEEP_RETURN_IF_ERROR(code.Reset());
  SWEEP_ASSIGN_OR_RETURN(auto taken, db_->Prepare("SELECT 1 FROM devices WHERE device_id=?"));
  taken.Bind(1, device.device_id);
  SWEEP_ASSIGN_OR_RETURN(bool exists, taken.Step());
  if (exists) {
    return Status::AlreadyExists("device " + device.device_id +
                                 " is already enrolled; the code was not used");
  }
  SWEEP_RETURN_IF_ERROR(taken.Reset());
  SWEEP_ASSIGN_OR_RETURN(
      auto use, db_->Prepare("UPDATE enroll_codes SET used_ms=?, used_by=? WHERE code_id=?"));
  use.Bind(1, now_ms).Bind(2, device.device_id).Bind(3, code_id);
  SWEEP_RETURN_IF_ERROR(use.Run());
  SWEEP_RETURN_IF_ERROR(InsertDevice(db_.get(), device));
  return tx->Commit();
}

// ------------------------------------------------------------------ devices

namespace {
constexpr const char* kDeviceColumns =
    "SELECT device_id, officer_id, agency, role, label, sign_pk, box_pk, status, enrolled_ms,"
    " revoked_ms, revoke_reason, last_seen_ms, acked_seq, acked_hash FROM devices";

Device ReadDevice(const sql::Stmt& st) {
  Device d;
  d.device_id = st.Text(0);
  d.officer_id = st.Text(1);
  d.agency = st.Text(2);
  d.role = st.Text(3);
  d.label = st.Text(4);
  d.sign_pk = st.Blob(5);
  d.box_pk = st.Blob(6);
  d.status = st.Text(7);
  d.enrolled_ms = st.Int(8);
  d.revoked_ms = st.Int(9);
  d.revoke_reason = st.Text(10);
  d.last_seen_ms = st.Int(11);
  d.acked_seq = static_cast<uint64_t>(st.Int(12));
  d.acked_hash = st.Blob(13);
  return d;
}
}  // namespace

Result<Device> SqliteHubStore::GetDevice(const std::string& device_id) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kDeviceColumns) + " WHERE device_id=?"));
  st.Bind(1, device_id);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no device " + device_id + " is enrolled on this hub");
  return ReadDevice(st);
}

Result<std::vector<Device>> SqliteHubStore::ListDevices() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare(std::string(kDeviceColumns) + " ORDER BY enrolled_ms, device_id"));
  std::vector<Device> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadDevice(st));
  }
  return out;
}

Status SqliteHubStore::RevokeDevice(const std::string& device_id, const std::string& reason,
                                    int64_t now_ms) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE devices SET status='revoked', revoked_ms=?,"
                                               " revoke_reason=? WHERE device_id=?"));
  st.Bind(1, now_ms).Bind(2, reason).Bind(3, device_id);
  SWEEP_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0)
    return Status::NotFound("cannot revoke device " + device_id + ": unknown");
  return Status::Ok();
}

Status SqliteHubStore::TouchDevice(const std::string& device_id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  // max(): requests served out of order must not move last_seen back.
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE devices SET last_seen_ms ="
                                               " max(last_seen_ms, ?) WHERE device_id=?"));
  st.Bind(1, now_ms).Bind(2, device_id);
  SWEEP_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) return Status::NotFound("no device " + device_id + " to mark as seen");
  return Status::Ok();
}

// ------------------------------------------------------------------ nonces

Result<bool> SqliteHubStore::AcceptRequest(const std::string& device_id, const Bytes& nonce,
                                           int64_t expires_ms, int64_t seen_ms) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT OR IGNORE INTO nonces(device_id, nonce,"
                                               " expires_ms) VALUES(?, ?, ?)"));
  st.Bind(1, device_id).Bind(2, nonce).Bind(3, expires_ms);
  SWEEP_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() != 1) return false;  // seen before: roll back, change nothing
  SWEEP_ASSIGN_OR_RETURN(auto touch, db_->Prepare("UPDATE devices SET last_seen_ms ="
                                                  " max(last_seen_ms, ?) WHERE device_id=?"));
  touch.Bind(1, seen_ms).Bind(2, device_id);
  SWEEP_RETURN_IF_ERROR(touch.Run());
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return true;
}

Result<bool> SqliteHubStore::RememberNonce(const std::string& device_id, const Bytes& nonce,
                                           int64_t expires_ms) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT OR IGNORE INTO nonces(device_id, nonce,"
                                               " expires_ms) VALUES(?, ?, ?)"));
  st.Bind(1, device_id).Bind(2, nonce).Bind(3, expires_ms);
  SWEEP_RETURN_IF_ERROR(st.Run());
  return db_->Changes() == 1;
}

Status SqliteHubStore::ForgetNonces(int64_t now_ms) {
  std::lock_guard lock(mu_);
  // A nonce is remembered through its expires_ms inclusive.
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("DELETE FROM nonces WHERE expires_ms < ?"));
  st.Bind(1, now_ms);
  return st.Run();
}

// ------------------------------------------------------------------ alerts

Status SqliteHubStore::AddAlert(const Alert& alert) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO alerts(at_ms, device_id, kind, detail)"
                                               " VALUES(?, ?, ?, ?)"));
  st.Bind(1, alert.at_ms).Bind(2, alert.device_id).Bind(3, alert.kind).Bind(4, alert.detail);
  return st.Run();
}

Result<std::vector<Alert>> SqliteHubStore::ListAlerts() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT at_ms, device_id, kind, detail FROM alerts ORDER BY id"));
  std::vector<Alert> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(Alert{st.Int(0), st.Text(1), st.Text(2), st.Text(3)});
  }
  return out;
}

}  // namespace sweep::hub
