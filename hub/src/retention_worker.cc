// RetentionWorker: `serve` applies the retention settings once a day on a
// thread of its own (docs/hub-storage.md "Retention", "When it runs").
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "sweep/hub/retention.h"

namespace sweep::hub {

RetentionWorker::RetentionWorker(HubStore* store, Env* env, RetentionWorkerOptions options)
    : store_(store), env_(env), options_(options) {}

RetentionWorker::~RetentionWorker() { Stop(); }

void RetentionWorker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  // The thread inherits the mask in force here: `serve` waits for SIGTERM on
  // a thread of its own, so none may be delivered to this one.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  thread_ = std::thread([this] { Loop(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void RetentionWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t RetentionWorker::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

void RetentionWorker::Loop() {
  std::unique_lock lock(mu_);
  auto wait = options_.first_delay;
  while (!cv_.wait_for(lock, wait, [this] { return stop_; })) {
    lock.unlock();
    const bool ok = Pass();
    lock.lock();
    if (ok) ++runs_;
    wait = options_.interval;
  }
}

bool RetentionWorker::Pass() {
  const AuditActor actor{"serve", "system", "hub"};
  auto report = RetentionService(store_, env_).Apply(false, actor);
  if (!report.ok()) {
    std::cerr << "retention: " << report.status().ToString() << " (tried again in "
              << std::chrono::duration_cast<std::chrono::hours>(options_.interval).count()
              << " h)\n";
    return false;
  }
  if (options_.log) {
    for (const RetentionCounts& c : report->categories) {
      if (!c.removed()) continue;
      std::cerr << "{\"event\":\"retention_purge\",\"category\":\"" << c.category
                << "\",\"records\":" << c.records << ",\"versions\":" << c.versions
                << ",\"mentions\":" << c.mentions << ",\"photos\":" << c.files << "}\n";
    }
  }
  return true;
}

}  // namespace sweep::hub
