// SqliteHubStore::Snapshot and CheckIntegrity (docs/hub-storage.md
// "Backups"): SQLite's online backup API, from a connection of its own into
// a private in-memory database (the "memdb" VFS), so that no plaintext copy
// is ever written to disk and the store's mutex is not held while copying.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "sqlite_hub_store.h"

namespace sweep::hub {
namespace {

constexpr int kPagesPerStep = 256;
constexpr int kBusyRetries = 200;  // × 25 ms: 5 s, as the busy timeout
constexpr int64_t kMemdbSlack = 64ll << 20;

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using MemDb = std::unique_ptr<sqlite3, SqliteCloser>;

struct SerializedFree {
  void operator()(unsigned char* p) const { sqlite3_free(p); }
};

// Ends the read transaction of the source connection on every path.
class ReadTransaction {
 public:
  explicit ReadTransaction(sql::Db* db) : db_(db) {}
  ~ReadTransaction() { (void)db_->Exec("ROLLBACK"); }
  Status Begin() {
    SWEEP_RETURN_IF_ERROR(db_->Exec("BEGIN"));
    // A deferred BEGIN takes its snapshot at the first read.
    return db_->Exec("SELECT count(*) FROM sqlite_schema");
  }

 private:
  sql::Db* db_;
};

Result<int64_t> PragmaInt(sql::Db* db, const char* sql) {
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare(sql));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::Internal(std::string(sql) + " returned no row");
  return st.Int(0);
}

// What the header of a backup says about the image, read in the same read
// transaction as the copy (so from the same moment).
Result<SnapshotInfo> ReadInfo(sql::Db* src) {
  SnapshotInfo info;
  info.format = "sqlite3";
  SWEEP_ASSIGN_OR_RETURN(auto meta,
                         src->Prepare("SELECT value FROM meta WHERE key='schema_version'"));
  SWEEP_ASSIGN_OR_RETURN(bool row, meta.Step());
  if (!row) return Status::Corruption("the hub database has no schema_version");
  info.schema_version = std::stoll("0" + meta.Text(0));
  SWEEP_ASSIGN_OR_RETURN(auto keys, src->Prepare("SELECT hub_id FROM hub_keys WHERE id=1"));
  SWEEP_ASSIGN_OR_RETURN(row, keys.Step());
  if (row) info.hub_id = keys.Text(0);
  return info;
}

Result<MemDb> OpenMemDb(int64_t expected_size) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      "file:sweep-backup?vfs=memdb", &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  MemDb mem(raw);
  if (rc != SQLITE_OK) {
    return Status::IOError(std::string("cannot open an in-memory database for the backup: ") +
                           (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  // memdb stops at 1 GiB by default; let it hold the whole image.
  sqlite3_int64 limit = expected_size + kMemdbSlack;
  sqlite3_file_control(raw, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
  return Result<MemDb>(std::move(mem));
}

// Copies `src` (in its read transaction) into `mem`, kPagesPerStep pages at
// a time, retrying while the source is busy or locked.
Status CopyPages(sql::Db* src, sqlite3* mem, SnapshotSink* sink, int64_t page_size) {
  sqlite3_backup* backup = sqlite3_backup_init(mem, "main", src->raw(), "main");
  if (backup == nullptr) {
    return Status::IOError(std::string("cannot start the backup: ") + sqlite3_errmsg(mem));
  }
  int busy = 0;
  int rc = SQLITE_OK;
  while (true) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    uint64_t total = static_cast<uint64_t>(sqlite3_backup_pagecount(backup));
    uint64_t left = static_cast<uint64_t>(sqlite3_backup_remaining(backup));
    sink->Copying((total - left) * page_size, total * page_size);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) {
      busy = 0;
      continue;
    }
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
      if (++busy > kBusyRetries) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      continue;
    }
    break;
  }
  int finish = sqlite3_backup_finish(backup);
  if (rc == SQLITE_DONE && finish == SQLITE_OK) return Status::Ok();
  int code = rc == SQLITE_DONE ? finish : rc;
  std::string msg = std::string("backup of ") + src->path() + " failed: " + sqlite3_errstr(code);
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) {
    return Status::Unavailable(msg + " (the database stayed locked; run the backup again)");
  }
  if ((code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_NOMEM) {
    return Status::IOError(msg +
                           " (not enough memory for the image; see docs/hub-storage.md "
                           "\"Backups\")");
  }
  if ((code & 0xff) == SQLITE_CORRUPT) return Status::Corruption(msg);
  return Status::IOError(msg);
}

}  // namespace

Status SqliteHubStore::Snapshot(SnapshotSink* sink) {
  // A connection of its own (db_->path() never changes): the store stays
  // usable by other threads while the pages are copied.
  SWEEP_ASSIGN_OR_RETURN(auto src, sql::Db::Open(db_->path(), false));
  SnapshotInfo info;
  MemDb mem;
  {
    // One read transaction for every step: all pages come from one moment,
    // and in WAL mode writers (this process or others) are never blocked.
    ReadTransaction read(src.get());
    SWEEP_RETURN_IF_ERROR(read.Begin());
    SWEEP_ASSIGN_OR_RETURN(int64_t page_size, PragmaInt(src.get(), "PRAGMA page_size"));
    SWEEP_ASSIGN_OR_RETURN(int64_t pages, PragmaInt(src.get(), "PRAGMA page_count"));
    SWEEP_ASSIGN_OR_RETURN(info, ReadInfo(src.get()));
    SWEEP_ASSIGN_OR_RETURN(mem, OpenMemDb(page_size * pages));
    SWEEP_RETURN_IF_ERROR(CopyPages(src.get(), mem.get(), sink, page_size));
  }
  src.reset();
  sqlite3_int64 size = 0;
  const unsigned char* image = sqlite3_serialize(mem.get(), "main", &size, SQLITE_SERIALIZE_NOCOPY);
  std::unique_ptr<unsigned char, SerializedFree> copy;
  if (image == nullptr) {  // not contiguous in memory: take a copy
    copy.reset(sqlite3_serialize(mem.get(), "main", &size, 0));
    image = copy.get();
    if (image == nullptr)
      return Status::IOError("cannot serialise the backup image: out of memory");
  }
  info.size = static_cast<uint64_t>(size);
  SWEEP_RETURN_IF_ERROR(sink->Begin(info));
  constexpr sqlite3_int64 kPiece = 1 << 20;
  for (sqlite3_int64 off = 0; off < size; off += kPiece) {
    size_t n = static_cast<size_t>(std::min(kPiece, size - off));
    SWEEP_RETURN_IF_ERROR(sink->Write(crypto::ByteView(image + off, n)));
  }
  return Status::Ok();
}

Status SqliteHubStore::CheckIntegrity() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("PRAGMA integrity_check(10)"));
  std::string problems;
  while (true) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    std::string line = st.Text(0);
    if (line == "ok") continue;
    problems += (problems.empty() ? "" : "; ") + line;
  }
  if (!problems.empty()) {
    return Status::Corruption("integrity_check of " + db_->path() + " failed: " + problems);
  }
  return Status::Ok();
}

}  // namespace sweep::hub
