#include "wal_checkpointer.h"

namespace sweep::hub {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(sql::Db* db, int pages) {
  SWEEP_ASSIGN_OR_RETURN(auto own, sql::Db::Open(db->path(), false));
  SWEEP_RETURN_IF_ERROR(own->Exec("PRAGMA synchronous=FULL"));
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(db, std::move(own), pages));
  sqlite3_wal_hook(db->raw(), &WalCheckpointer::Hook, c.get());
  return c;
}

WalCheckpointer::WalCheckpointer(sql::Db* db, std::unique_ptr<sql::Db> own, int pages)
    : db_(db), own_(std::move(own)), pages_(pages) {
  loop_.Start(/*pass_now=*/false);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(db_->raw(), 1000);  // replaces the hook with SQLite's own
  loop_.Stop();
}

uint64_t WalCheckpointer::checkpoints() const { return checkpoints_.load(); }

// Called by SQLite on the committing thread after each commit, with the
// pages now in the log: only wakes the thread.
int WalCheckpointer::Hook(void* self, sqlite3*, const char*, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (pages >= c->pages_) c->loop_.Wake();
  return SQLITE_OK;
}

// PASSIVE copies what no reader still needs and never waits; a failure
// (busy, I/O) leaves the log as it is, and the next commit asks again.
bool WalCheckpointer::Pass() {
  int log = 0, done = 0;
  const int rc =
      sqlite3_wal_checkpoint_v2(own_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
  if (rc == SQLITE_OK) ++checkpoints_;
  return true;
}

}  // namespace sweep::hub
