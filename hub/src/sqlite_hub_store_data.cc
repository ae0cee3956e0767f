// SqliteHubStore, second half: the record versions tablets upload, attachment
// files and their chunks, and the hub -> tablet feed. Concurrency and
// atomicity as described at the top of sqlite_hub_store.cc: every method holds
// mu_, multi-statement methods run in one BEGIN IMMEDIATE transaction.
#include <algorithm>
#include <set>

#include "sqlite_hub_store.h"

namespace sweep::hub {

// ------------------------------------------------------------------ versions

namespace {
constexpr size_t kHashSize = 32;

constexpr const char* kVersionColumns =
    "SELECT device_id, seq, record_id, version, record, entry_hash, head_sig, received_ms,"
    " ingest_order, (SELECT o.record FROM opened_versions o"
    " WHERE o.device_id=versions.device_id AND o.seq=versions.seq) FROM versions";

StoredVersion ReadVersion(const sql::Stmt& st) {
  StoredVersion v;
  v.device_id = st.Text(0);
  v.seq = static_cast<uint64_t>(st.Int(1));
  v.record_id = st.Text(2);
  v.version = static_cast<uint64_t>(st.Int(3));
  v.record = st.Blob(4);
  v.entry_hash = st.Blob(5);
  v.head_sig = st.Blob(6);
  v.received_ms = st.Int(7);
  v.ingest_order = static_cast<uint64_t>(st.Int(8));
  v.opened = st.Blob(9);
  return v;
}

std::string At(const std::string& device_id, uint64_t seq) {
  return "device " + device_id + " seq " + std::to_string(seq);
}

// The batch must continue the device's chain right after expected_acked_seq.
// Checked before taking the lock: a malformed batch is a caller's bug.
Status CheckBatch(const std::string& device_id, uint64_t expected_acked_seq,
                  const std::vector<StoredVersion>& versions) {
  for (size_t i = 0; i < versions.size(); ++i) {
    const StoredVersion& v = versions[i];
    uint64_t want = expected_acked_seq + 1 + i;
    if (!v.device_id.empty() && v.device_id != device_id) {
      return Status::InvalidArgument("version " + std::to_string(i) + " of an upload for device " +
                                     device_id + " names device " + v.device_id);
    }
    if (v.seq != want) {
      return Status::InvalidArgument("upload for device " + device_id +
                                     " is not contiguous: item " + std::to_string(i) + " has seq " +
                                     std::to_string(v.seq) + ", expected " + std::to_string(want));
    }
    if (v.entry_hash.size() != kHashSize) {
      return Status::InvalidArgument(At(device_id, v.seq) + ": entry hash has " +
                                     std::to_string(v.entry_hash.size()) + " bytes, not 32");
    }
  }
  return Status::Ok();
}

Status InsertVersions(sql::Db* db, const std::string& device_id,
                      const std::vector<StoredVersion>& versions) {
  SWEEP_ASSIGN_OR_RETURN(auto top,
                         db->Prepare("SELECT coalesce(max(ingest_order), 0) FROM versions"));
  SWEEP_ASSIGN_OR_RETURN(bool row, top.Step());
  int64_t order = row ? top.Int(0) : 0;
  SWEEP_RETURN_IF_ERROR(top.Reset());
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db->Prepare("INSERT INTO versions(device_id, seq, ingest_order, record_id, version,"
                           " record, entry_hash, head_sig, received_ms)"
                           " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const StoredVersion& v : versions) {
    st.Bind(1, device_id)
        .Bind(2, ToSql(v.seq))
        .Bind(3, ++order)
        .Bind(4, v.record_id)
        .Bind(5, ToSql(v.version))
        .Bind(6, v.record)
        .Bind(7, v.entry_hash)
        .Bind(8, v.head_sig)
        .Bind(9, v.received_ms);
    Status s = st.Run();
    if (!s.ok()) return s.WithContext("storing " + At(device_id, v.seq));
    if (!v.opened.empty()) {
      SWEEP_ASSIGN_OR_RETURN(auto o, db->Prepare("INSERT INTO opened_versions(device_id, seq,"
                                                 " record) VALUES(?, ?, ?)"));
      o.Bind(1, device_id).Bind(2, ToSql(v.seq)).Bind(3, v.opened);
      s = o.Run();
      if (!s.ok()) return s.WithContext("storing the opened copy of " + At(device_id, v.seq));
    }
  }
  return Status::Ok();
}
}  // namespace

Result<std::optional<StoredVersion>> SqliteHubStore::GetVersion(const std::string& device_id,
                                                                uint64_t seq) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare(std::string(kVersionColumns) + " WHERE device_id=? AND seq=?"));
  st.Bind(1, device_id).Bind(2, ToSql(seq));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<StoredVersion>();
  return std::optional<StoredVersion>(ReadVersion(st));
}

Status SqliteHubStore::AppendVersions(const std::string& device_id, uint64_t expected_acked_seq,
                                      const std::vector<StoredVersion>& versions) {
  SWEEP_RETURN_IF_ERROR(CheckBatch(device_id, expected_acked_seq, versions));
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto head,
                         db_->Prepare("SELECT acked_seq FROM devices WHERE device_id=?"));
  head.Bind(1, device_id);
  SWEEP_ASSIGN_OR_RETURN(bool found, head.Step());
  if (!found) return Status::NotFound("cannot store versions: no device " + device_id);
  auto acked = static_cast<uint64_t>(head.Int(0));
  if (acked != expected_acked_seq) {
    return Status::Conflict("device " + device_id + " is acknowledged up to seq " +
                            std::to_string(acked) + ", not " + std::to_string(expected_acked_seq) +
                            " as this upload assumed; nothing was stored");
  }
  SWEEP_RETURN_IF_ERROR(head.Reset());
  if (versions.empty()) return tx->Commit();
  SWEEP_RETURN_IF_ERROR(InsertVersions(db_.get(), device_id, versions));
  SWEEP_ASSIGN_OR_RETURN(
      auto ack, db_->Prepare("UPDATE devices SET acked_seq=?, acked_hash=? WHERE device_id=?"));
  ack.Bind(1, ToSql(versions.back().seq)).Bind(2, versions.back().entry_hash).Bind(3, device_id);
  SWEEP_RETURN_IF_ERROR(ack.Run());
  return tx->Commit();
}

// `*last` (when not null) receives the ingest order of the last version
// returned, or `after` when none is: pass it back as `after` to continue.
Result<std::vector<StoredVersion>> SqliteHubStore::ReadIngested(uint64_t after, size_t limit,
                                                                uint64_t* last) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare(std::string(kVersionColumns) + " WHERE ingest_order > ?"
                                                           " ORDER BY ingest_order LIMIT ?"));
  st.Bind(1, ToSql(after)).Bind(2, ToSql(limit));
  std::vector<StoredVersion> out;
  uint64_t end = after;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadVersion(st));
    end = static_cast<uint64_t>(st.Int(8));
  }
  if (last) *last = end;
  return out;
}

Result<uint64_t> SqliteHubStore::CountVersions(const std::string& device_id) {
  std::lock_guard lock(mu_);
  std::string sql = "SELECT count(*) FROM versions";
  if (!device_id.empty()) sql += " WHERE device_id=?";
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
  if (!device_id.empty()) st.Bind(1, device_id);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<uint64_t>(st.Int(0)) : 0;
}

// ------------------------------------------------------------------ files

namespace {
std::string JoinHashes(const std::vector<std::string>& hashes) {
  std::string out;
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i) out += '\n';
    out += hashes[i];
  }
  return out;
}

std::vector<std::string> SplitHashes(const std::string& joined) {
  std::vector<std::string> out;
  if (joined.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t nl = joined.find('\n', start);
    out.push_back(joined.substr(start, nl - start));
    if (nl == std::string::npos) return out;
    start = nl + 1;
  }
}

std::string FileName(const std::string& sha256) { return "file " + sha256; }

constexpr const char* kFileColumns =
    "SELECT sha256, size, media_type, chunk_size, chunk_hashes, complete, device_id FROM files";

FileRow ReadFile(const sql::Stmt& st) {
  FileRow f;
  f.sha256 = st.Text(0);
  f.size = static_cast<uint64_t>(st.Int(1));
  f.media_type = st.Text(2);
  f.chunk_size = static_cast<uint32_t>(st.Int(3));
  f.chunk_sha256 = SplitHashes(st.Text(4));
  f.complete = st.Int(5) != 0;
  f.device_id = st.Text(6);
  return f;
}

// The row of `sha256`, or NotFound.
Result<FileRow> LoadFile(sql::Db* db, const std::string& sha256) {
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare(std::string(kFileColumns) + " WHERE sha256=?"));
  st.Bind(1, sha256);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no " + FileName(sha256) + " is registered on this hub");
  return ReadFile(st);
}

// Which part of a manifest differs, for the Conflict message ("" if none).
std::string ManifestDifference(const FileRow& have, const FileRow& got) {
  if (have.size != got.size) {
    return "size " + std::to_string(have.size) + " vs " + std::to_string(got.size);
  }
  if (have.media_type != got.media_type) {
    return "media type '" + have.media_type + "' vs '" + got.media_type + "'";
  }
  if (have.chunk_size != got.chunk_size) {
    return "chunk size " + std::to_string(have.chunk_size) + " vs " +
           std::to_string(got.chunk_size);
  }
  if (have.chunk_sha256 != got.chunk_sha256) return "chunk hashes";
  return "";
}

Status CheckManifest(const FileRow& file) {
  if (file.sha256.empty()) return Status::InvalidArgument("a file needs its sha256");
  for (size_t i = 0; i < file.chunk_sha256.size(); ++i) {
    const std::string& h = file.chunk_sha256[i];
    if (h.empty() || h.find('\n') != std::string::npos) {
      return Status::InvalidArgument(FileName(file.sha256) + ": chunk " + std::to_string(i) +
                                     " has an empty or multi-line hash");
    }
  }
  return Status::Ok();
}
}  // namespace

Status SqliteHubStore::RegisterFile(const FileRow& file) {
  SWEEP_RETURN_IF_ERROR(CheckManifest(file));
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  auto have = LoadFile(db_.get(), file.sha256);
  if (have.ok()) {
    std::string diff = ManifestDifference(*have, file);
    if (!diff.empty()) {
      return Status::Conflict(FileName(file.sha256) +
                              " is already registered with a different manifest (" + diff + ")");
    }
    return tx->Commit();
  }
  if (have.status().code() != Code::kNotFound) return have.status();
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO files(sha256, size, media_type,"
                                               " chunk_size, chunk_hashes, complete, device_id)"
                                               " VALUES(?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, file.sha256)
      .Bind(2, ToSql(file.size))
      .Bind(3, file.media_type)
      .Bind(4, static_cast<int64_t>(file.chunk_size))
      .Bind(5, JoinHashes(file.chunk_sha256))
      .Bind(6, static_cast<int64_t>(file.complete))
      .Bind(7, file.device_id);
  SWEEP_RETURN_IF_ERROR(st.Run());
  return tx->Commit();
}

Result<FileRow> SqliteHubStore::GetFile(const std::string& sha256) {
  std::lock_guard lock(mu_);
  return LoadFile(db_.get(), sha256);
}

Result<std::vector<uint32_t>> SqliteHubStore::MissingChunks(const std::string& sha256) {
  std::lock_guard lock(mu_);
  // A transaction, so the manifest and the chunk list are read at one moment.
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(FileRow file, LoadFile(db_.get(), sha256));
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT idx FROM chunks WHERE sha256=?"));
  st.Bind(1, sha256);
  std::set<int64_t> present;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    present.insert(st.Int(0));
  }
  SWEEP_RETURN_IF_ERROR(st.Reset());
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  std::vector<uint32_t> missing;
  for (uint32_t i = 0; i < file.chunk_sha256.size(); ++i) {
    if (!present.count(i)) missing.push_back(i);
  }
  return missing;
}

Status SqliteHubStore::PutChunk(const std::string& sha256, uint32_t index, const Bytes& data) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(FileRow file, LoadFile(db_.get(), sha256));
  if (index >= file.chunk_sha256.size()) {
    return Status::InvalidArgument(FileName(sha256) + " has " +
                                   std::to_string(file.chunk_sha256.size()) +
                                   " chunks; there is no chunk " + std::to_string(index));
  }
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT OR REPLACE INTO chunks(sha256, idx, data) VALUES(?, ?, ?)"));
  st.Bind(1, sha256).Bind(2, static_cast<int64_t>(index)).Bind(3, data);
  SWEEP_RETURN_IF_ERROR(st.Run());
  return tx->Commit();
}

Result<Bytes> SqliteHubStore::GetChunk(const std::string& sha256, uint32_t index) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT data FROM chunks WHERE sha256=? AND idx=?"));
  st.Bind(1, sha256).Bind(2, static_cast<int64_t>(index));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return Status::NotFound("chunk " + std::to_string(index) + " of " + FileName(sha256) +
                            " is not stored on this hub");
  }
  return st.Blob(0);
}

Status SqliteHubStore::MarkFileComplete(const std::string& sha256) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(FileRow file, LoadFile(db_.get(), sha256));
  // "complete" promises every chunk can be served: refuse it while any is missing.
  SWEEP_ASSIGN_OR_RETURN(auto count,
                         db_->Prepare("SELECT count(*) FROM chunks WHERE sha256=? AND idx < ?"));
  count.Bind(1, sha256).Bind(2, static_cast<int64_t>(file.chunk_sha256.size()));
  SWEEP_ASSIGN_OR_RETURN(bool row, count.Step());
  auto have = static_cast<size_t>(row ? count.Int(0) : 0);
  if (have < file.chunk_sha256.size()) {
    return Status::Conflict(FileName(sha256) + " still misses " +
                            std::to_string(file.chunk_sha256.size() - have) + " of " +
                            std::to_string(file.chunk_sha256.size()) + " chunks");
  }
  SWEEP_RETURN_IF_ERROR(count.Reset());
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE files SET complete=1 WHERE sha256=?"));
  st.Bind(1, sha256);
  SWEEP_RETURN_IF_ERROR(st.Run());
  return tx->Commit();
}

// ------------------------------------------------------------------ feed

namespace {
// Far below SQLite's limit on bound parameters (32766 since 3.32).
constexpr size_t kMaxAudiences = 1000;
}  // namespace

Result<uint64_t> SqliteHubStore::AppendFeed(const FeedItemRow& item) {
  std::lock_guard lock(mu_);
  // Two rows (the item and its feed_state): one transaction.
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(uint64_t seq, InsertFeedItem(db_.get(), item));
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return seq;
}

Result<std::vector<FeedItemRow>> SqliteHubStore::ReadFeed(const std::vector<std::string>& audiences,
                                                          uint64_t cursor, size_t limit,
                                                          const std::vector<std::string>& kinds) {
  if (audiences.empty()) return std::vector<FeedItemRow>{};
  if (audiences.size() > kMaxAudiences || kinds.size() > kMaxAudiences) {
    return Status::InvalidArgument("a feed read may name at most " + std::to_string(kMaxAudiences) +
                                   " audiences, not " + std::to_string(audiences.size()));
  }
  std::string sql =
      "SELECT seq, audience, kind, key, deleted, payload FROM feed WHERE audience IN (";
  for (size_t i = 0; i < audiences.size(); ++i) sql += i ? ", ?" : "?";
  sql += ")";
  if (!kinds.empty()) {
    sql += " AND kind IN (";
    for (size_t i = 0; i < kinds.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  sql += " AND seq > ? ORDER BY seq LIMIT ?";
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
  int n = 0;
  for (const std::string& a : audiences) st.Bind(++n, a);
  for (const std::string& k : kinds) st.Bind(++n, k);
  st.Bind(n + 1, ToSql(cursor)).Bind(n + 2, ToSql(limit));
  std::vector<FeedItemRow> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    FeedItemRow item;
    item.seq = static_cast<uint64_t>(st.Int(0));
    item.audience = st.Text(1);
    item.kind = st.Text(2);
    item.key = st.Text(3);
    item.deleted = st.Int(4) != 0;
    item.payload = st.Blob(5);
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace sweep::hub
