// MergeWorker: MergeService::Run on a background thread, woken by Notify()
// (in `serve`, after each push once the ledger caught up). One JSON line per
// run that read versions on stderr, like the ledger's.
#include <chrono>
#include <iostream>

#include "sweep/hub/merge_service.h"

namespace sweep::hub {

MergeWorker::MergeWorker(HubStore* store, Env* env, MergeServiceOptions options, bool log)
    : service_(store, env, std::move(options)), env_(env), log_(log) {}

MergeWorker::~MergeWorker() { Stop(); }

void MergeWorker::SetAfterMerge(std::function<void(const MergeRunStats&)> after_merge) {
  std::lock_guard lock(mu_);
  after_merge_ = std::move(after_merge);
}

void MergeWorker::Start() {
  std::lock_guard lock(mu_);
  if (worker_.joinable()) return;
  stop_ = false;
  worker_ = std::thread([this] { Loop(); });
}

void MergeWorker::Notify() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void MergeWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

uint64_t MergeWorker::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

namespace {

std::string RunLine(const Result<MergeRunStats>& r, int64_t us) {
  if (!r.ok()) {
    return "{\"event\":\"merge_failed\",\"error\":\"" + std::string(CodeName(r.status().code())) +
           "\"}\n";
  }
  if (r->versions == 0) return "";
  return "{\"event\":\"merge\",\"versions\":" + std::to_string(r->versions) +
         ",\"mentions\":" + std::to_string(r->new_mentions) +
         ",\"persons\":" + std::to_string(r->entities) +
         ",\"review\":" + std::to_string(r->review) + ",\"retries\":" + std::to_string(r->retries) +
         ",\"us\":" + std::to_string(us) + "}\n";
}

}  // namespace

void MergeWorker::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (!pending_) {
      cv_.wait(lock);
      continue;
    }
    pending_ = false;
    lock.unlock();
    int64_t start = env_->MonotonicMicros();
    Result<MergeRunStats> r = service_.Run();
    std::string line = RunLine(r, env_->MonotonicMicros() - start);
    if (log_ && !line.empty()) std::cerr << line << std::flush;
    lock.lock();
    if (r.ok()) {
      ++runs_;
      if (r->versions > 0 && after_merge_) {
        auto hook = after_merge_;
        lock.unlock();
        hook(*r);
        lock.lock();
      }
    } else {  // try again later, or sooner if woken
      cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stop_ || pending_; });
      pending_ = true;
    }
  }
}

}  // namespace sweep::hub
