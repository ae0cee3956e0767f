#include "wal_checkpointer.h"

#include <pthread.h>

#include <csignal>

namespace sweep::hub {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(sql::Db* db, int pages) {
  SWEEP_ASSIGN_OR_RETURN(auto own, sql::Db::Open(db->path(), false));
  SWEEP_RETURN_IF_ERROR(own->Exec("PRAGMA synchronous=FULL"));
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(db, std::move(own), pages));
  sqlite3_wal_hook(db->raw(), &WalCheckpointer::Hook, c.get());
  return c;
}

WalCheckpointer::WalCheckpointer(sql::Db* db, std::unique_ptr<sql::Db> own, int pages)
    : db_(db), own_(std::move(own)), pages_(pages), thread_([this] { Loop(); }) {}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(db_->raw(), 1000);  // replaces the hook with SQLite's own
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t WalCheckpointer::checkpoints() const {
  std::lock_guard lock(mu_);
  return checkpoints_;
}

// Called by SQLite on the committing thread after each commit, with the
// pages now in the log: only wakes the thread.
int WalCheckpointer::Hook(void* self, sqlite3*, const char*, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (pages >= c->pages_) {
    {
      std::lock_guard lock(c->mu_);
      c->pending_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Loop() {
  // Signals are for the threads that handle them (serve waits for SIGTERM):
  // this one may start before the process sets its mask.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || pending_; });
    if (stop_) return;
    pending_ = false;
    lock.unlock();
    // PASSIVE copies what no reader still needs and never waits; a failure
    // (busy, I/O) leaves the log as it is, and the next commit asks again.
    int log = 0, done = 0;
    const int rc = sqlite3_wal_checkpoint_v2(own_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &log, &done);
    lock.lock();
    if (rc == SQLITE_OK) ++checkpoints_;
  }
}

}  // namespace sweep::hub
