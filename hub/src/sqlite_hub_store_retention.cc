// SqliteHubStore: retention (schema version 8, docs/hub-storage.md
// "Retention"). What a purge writes, in one transaction per batch: the
// redacted record bytes over R, the opened copies and the visits' persons
// gone, the merge step that forgets the records' mentions, the photos'
// chunks and manifests deleted, and the run's counts. Concurrency and
// atomicity as at the top of sqlite_hub_store.cc; while a batch is written
// the connection runs with secure_delete on, so freed space is zeroed.
#include "sqlite_hub_store.h"

namespace sweep::hub {

Status CreateRetentionSchema(sql::Db* db) {
  return db->Exec(R"sql(
    CREATE TABLE IF NOT EXISTS retention_records(
      record_id TEXT PRIMARY KEY, category TEXT NOT NULL, run INTEGER NOT NULL,
      purged_ms INTEGER NOT NULL, through_order INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS retention_files(
      sha256 TEXT PRIMARY KEY, category TEXT NOT NULL, run INTEGER NOT NULL,
      purged_ms INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS retention_runs(
      run INTEGER PRIMARY KEY AUTOINCREMENT, category TEXT NOT NULL,
      cutoff_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
      records INTEGER NOT NULL DEFAULT 0, versions INTEGER NOT NULL DEFAULT 0,
      mentions INTEGER NOT NULL DEFAULT 0, files INTEGER NOT NULL DEFAULT 0,
      audited INTEGER NOT NULL DEFAULT 0);
  )sql");
}

namespace {

// Zeroes what a purge frees (cells, overflow and freelist pages) while it
// is alive; the hub's default (off) is restored after.
class SecureDelete {
 public:
  explicit SecureDelete(sql::Db* db) : db_(db) {
    if (!db_->Exec("PRAGMA secure_delete=ON").ok()) db_ = nullptr;
  }
  ~SecureDelete() {
    if (db_) (void)db_->Exec("PRAGMA secure_delete=OFF");
  }
  bool ok() const { return db_ != nullptr; }

 private:
  sql::Db* db_;
};

Status RedactVersions(sql::Db* db, const RetentionBatch& b) {
  SWEEP_ASSIGN_OR_RETURN(auto put,
                         db->Prepare("UPDATE versions SET record=? WHERE device_id=? AND seq=?"));
  SWEEP_ASSIGN_OR_RETURN(auto opened,
                         db->Prepare("DELETE FROM opened_versions WHERE device_id=? AND seq=?"));
  for (const RedactedVersion& v : b.versions) {
    const std::string at = "device " + v.device_id + " seq " + std::to_string(v.seq);
    put.Bind(1, v.record).Bind(2, v.device_id).Bind(3, ToSql(v.seq));
    SWEEP_RETURN_IF_ERROR(put.Run().WithContext("purging " + at));
    if (db->Changes() != 1) {
      return Status::Corruption("cannot purge " + at +
                                ": the version is not stored (versions are "
                                "never deleted); run `sweep-hub backup` and check the file");
    }
    opened.Bind(1, v.device_id).Bind(2, ToSql(v.seq));
    SWEEP_RETURN_IF_ERROR(opened.Run().WithContext("purging the opened copy of " + at));
  }
  return Status::Ok();
}

Status NoteRecords(sql::Db* db, const RetentionBatch& b) {
  SWEEP_ASSIGN_OR_RETURN(auto visit, db->Prepare("UPDATE visits SET persons=? WHERE record_id=?"));
  SWEEP_ASSIGN_OR_RETURN(
      auto note, db->Prepare("INSERT OR REPLACE INTO retention_records(record_id, category, run,"
                             " purged_ms, through_order) VALUES(?, ?, ?, ?, ?)"));
  const Bytes none = EncodeStrings({});
  for (const auto& [record_id, through] : b.records) {
    visit.Bind(1, none).Bind(2, record_id);
    SWEEP_RETURN_IF_ERROR(visit.Run());
    note.Bind(1, record_id)
        .Bind(2, b.category)
        .Bind(3, ToSql(b.run))
        .Bind(4, b.purged_ms)
        .Bind(5, ToSql(through));
    SWEEP_RETURN_IF_ERROR(note.Run());
  }
  return Status::Ok();
}

Result<uint64_t> DeleteFiles(sql::Db* db, const RetentionBatch& b) {
  SWEEP_ASSIGN_OR_RETURN(auto chunks, db->Prepare("DELETE FROM chunks WHERE sha256=?"));
  SWEEP_ASSIGN_OR_RETURN(auto file, db->Prepare("DELETE FROM files WHERE sha256=?"));
  SWEEP_ASSIGN_OR_RETURN(auto note,
                         db->Prepare("INSERT OR IGNORE INTO retention_files(sha256, category, run,"
                                     " purged_ms) VALUES(?, ?, ?, ?)"));
  uint64_t deleted = 0;
  for (const std::string& sha : b.files) {
    chunks.Bind(1, sha);
    SWEEP_RETURN_IF_ERROR(chunks.Run());
    const int gone_chunks = db->Changes();
    file.Bind(1, sha);
    SWEEP_RETURN_IF_ERROR(file.Run());
    if (db->Changes() > 0 || gone_chunks > 0) ++deleted;
    note.Bind(1, sha).Bind(2, b.category).Bind(3, ToSql(b.run)).Bind(4, b.purged_ms);
    SWEEP_RETURN_IF_ERROR(note.Run());
  }
  return deleted;
}

RetentionRun ReadRun(const sql::Stmt& st) {
  RetentionRun r;
  r.run = static_cast<uint64_t>(st.Int(0));
  r.category = st.Text(1);
  r.cutoff_ms = st.Int(2);
  r.started_ms = st.Int(3);
  r.records = static_cast<uint64_t>(st.Int(4));
  r.versions = static_cast<uint64_t>(st.Int(5));
  r.mentions = static_cast<uint64_t>(st.Int(6));
  r.files = static_cast<uint64_t>(st.Int(7));
  r.audited = st.Int(8) != 0;
  r.updated_ms = st.Int(9);
  return r;
}

}  // namespace

Result<std::vector<PurgedRecord>> SqliteHubStore::PurgedRecords() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT record_id, through_order FROM"
                                               " retention_records ORDER BY record_id"));
  std::vector<PurgedRecord> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.Text(0), static_cast<uint64_t>(st.Int(1))});
  }
  return out;
}

Result<std::vector<std::string>> SqliteHubStore::PurgedFiles() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db_->Prepare("SELECT sha256 FROM retention_files ORDER BY sha256"));
  std::vector<std::string> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.Text(0));
  }
  return out;
}

Result<uint64_t> SqliteHubStore::StartRetentionRun(const RetentionRun& run) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO retention_runs(category, cutoff_ms,"
                                               " started_ms, updated_ms) VALUES(?, ?, ?, ?)"
                                               " RETURNING run"));
  st.Bind(1, run.category).Bind(2, run.cutoff_ms).Bind(3, run.started_ms).Bind(4, run.started_ms);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::IOError("the new retention run was not numbered");
  const auto number = static_cast<uint64_t>(st.Int(0));
  SWEEP_RETURN_IF_ERROR(st.Reset());
  return number;
}

Result<uint64_t> SqliteHubStore::ApplyRetention(const RetentionBatch& batch) {
  std::lock_guard lock(mu_);
  SecureDelete zero(db_.get());
  if (!zero.ok()) {
    return Status::IOError("cannot turn on secure_delete for the purge: " +
                           db_->Error("PRAGMA secure_delete").message());
  }
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  if (batch.with_merge) SWEEP_RETURN_IF_ERROR(ApplyMergeBatch(db_.get(), batch.merge));
  SWEEP_RETURN_IF_ERROR(RedactVersions(db_.get(), batch));
  SWEEP_RETURN_IF_ERROR(NoteRecords(db_.get(), batch));
  SWEEP_ASSIGN_OR_RETURN(uint64_t files, DeleteFiles(db_.get(), batch));
  SWEEP_ASSIGN_OR_RETURN(auto run, db_->Prepare("UPDATE retention_runs SET records=records+?,"
                                                " versions=versions+?, mentions=mentions+?,"
                                                " files=files+?, updated_ms=? WHERE run=?"));
  run.Bind(1, ToSql(batch.records.size()))
      .Bind(2, ToSql(batch.versions.size()))
      .Bind(3, ToSql(batch.mentions))
      .Bind(4, ToSql(files))
      .Bind(5, batch.purged_ms)
      .Bind(6, ToSql(batch.run));
  SWEEP_RETURN_IF_ERROR(run.Run());
  if (db_->Changes() != 1) {
    return Status::NotFound("retention run " + std::to_string(batch.run) +
                            " is not stored: start it with StartRetentionRun");
  }
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return files;
}

Status SqliteHubStore::MarkRetentionRunAudited(uint64_t run) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE retention_runs SET audited=1 WHERE run=?"));
  st.Bind(1, ToSql(run));
  SWEEP_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() != 1) {
    return Status::NotFound("no retention run " + std::to_string(run));
  }
  return Status::Ok();
}

Result<std::vector<RetentionRun>> SqliteHubStore::ListRetentionRuns(bool unaudited_only) {
  std::lock_guard lock(mu_);
  std::string sql =
      "SELECT run, category, cutoff_ms, started_ms, records, versions, mentions, files, audited,"
      " updated_ms FROM retention_runs";
  if (unaudited_only) sql += " WHERE audited=0";
  sql += " ORDER BY run";
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
  std::vector<RetentionRun> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadRun(st));
  }
  return out;
}

Status SqliteHubStore::FlushPurged() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row && st.Int(0) != 0) {
    return Status::Unavailable("the write-ahead log of " + db_->path() +
                               " could not be emptied (a reader holds it): the purged pages "
                               "leave it at the next checkpoint; the next run tries again");
  }
  return Status::Ok();
}

}  // namespace sweep::hub
