// MergeWorker: MergeService::Run on a background thread, woken by Notify()
// (in `serve`, after each push once the ledger caught up). One JSON line per
// run that read versions on stderr, like the ledger's.
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

void MergeWorker::Start() { loop_.Start(/*pass_now=*/false); }
void MergeWorker::Notify() { loop_.Wake(); }
void MergeWorker::Stop() { loop_.Stop(); }

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

bool MergeWorker::Pass() {
  int64_t start = env_->MonotonicMicros();
  Result<MergeRunStats> r = service_.Run();
  std::string line = RunLine(r, env_->MonotonicMicros() - start);
  if (log_ && !line.empty()) std::cerr << line << std::flush;
  if (!r.ok()) return false;
  std::function<void(const MergeRunStats&)> hook;
  {
    std::lock_guard lock(mu_);
    ++runs_;
    if (r->versions > 0) hook = after_merge_;
  }
  if (hook) hook(*r);
  return true;
}

}  // namespace sweep::hub
