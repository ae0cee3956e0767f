// WalCheckpointer: checkpoints a WAL-mode SQLite file from a thread of its
// own, so that no commit pays for copying the log back into the database
// file. (SQLite's automatic checkpoint runs inside whichever COMMIT crosses
// its threshold: at a million merged mentions that was a third of a merge
// step, docs/performance.md.)
//
// It takes over the connection's WAL hook, which turns that connection's
// automatic checkpoints off, and checkpoints (PASSIVE: never blocks a reader
// or the writer) on a second connection of its own whenever the log has
// grown by `pages` since the last one. Closing the last connection still
// checkpoints and removes the log, as SQLite always does.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "sweep/hub/background.h"
#include "sweep/schema/status.h"
#include "sweep/sync/sqlite.h"

namespace sweep::hub {

class WalCheckpointer {
 public:
  // `db` must outlive the checkpointer and be in WAL mode.
  static Result<std::unique_ptr<WalCheckpointer>> Start(sql::Db* db, int pages = 1000);
  ~WalCheckpointer();  // gives the hook back (automatic checkpoints again), stops
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  uint64_t checkpoints() const;  // completed so far (for tests)

 private:
  WalCheckpointer(sql::Db* db, std::unique_ptr<sql::Db> own, int pages);
  static int Hook(void* self, sqlite3* db, const char* name, int pages);
  bool Pass();  // one checkpoint (BackgroundLoop)

  sql::Db* db_;
  std::unique_ptr<sql::Db> own_;
  const int pages_;
  std::atomic<uint64_t> checkpoints_{0};
  BackgroundLoop loop_{[this] { return Pass(); }, std::chrono::seconds(5)};
};

}  // namespace sweep::hub
