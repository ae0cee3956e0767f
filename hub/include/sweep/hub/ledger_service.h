// The coverage ledger at the hub: turns the record versions tablets pushed
// (HubStore::ReadIngested) into visits, recomputes the units they touch with
// the shared rules (schema/ledger.h) and tells the officers whose beats hold
// those units (feed kinds "unit" and "revisit", tombstones when a revisit is
// settled). Each step — visits, units, feed items and the cursor — is one
// atomic store call guarded by the cursor and the publication revision, so
// `serve` and a CLI command may catch up on the same file at once: the one
// that loses a race reads again (Conflict → retry). Spec: docs/coverage.md.
//
// CatchUp is serialised within one LedgerService. Start() runs it on a
// background thread, at start and whenever Notify() is called (after each
// successful push); Notify never blocks on the store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "sweep/hub/background.h"
#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"

namespace sweep::hub {

class AgencyKeys;  // agency_keys.h

struct CatchUpStats {
  uint64_t versions = 0;    // ingested versions read
  uint64_t visits = 0;      // visits stored (new records or newer versions)
  uint64_t unreadable = 0;  // versions that are no record with a body (skipped)
  uint64_t units = 0;       // units recomputed
  uint64_t feed_items = 0;  // unit/revisit items and tombstones appended
  uint64_t retries = 0;     // steps recomputed after a Conflict
  CatchUpStats& operator+=(const CatchUpStats& o);
};

struct LedgerServiceOptions {
  size_t batch_versions = 1000;  // versions per atomic step
  bool log = true;               // background thread: one JSON line per catch-up on stderr
  // Background thread: called after every successful catch-up (in `serve`:
  // wakes the merge, which must run after the ledger). Must not block long.
  std::function<void()> after_catch_up;
};

class LedgerService {
 public:
  LedgerService(HubStore* store, Env* env, LedgerServiceOptions options = {});
  ~LedgerService();  // Stop()
  LedgerService(const LedgerService&) = delete;
  LedgerService& operator=(const LedgerService&) = delete;

  // Processes every version ingested since the cursor. Unavailable if it
  // kept losing races (another process changing the register non-stop).
  Result<CatchUpStats> CatchUp();

  // Background thread: publishes what the register implies (heals a crash
  // between a register change and its publication), then catches up at
  // start and after every Notify(). Failures are logged and retried 5 s later.
  void Start();
  void Notify();
  void Stop();

 private:
  struct Step;
  Result<CatchUpStats> RunStep();
  Status PrepareStep(Step* step);
  bool Pass();  // one background pass (BackgroundLoop)

  HubStore* store_;
  Env* env_;
  LedgerServiceOptions options_;
  std::mutex catch_up_mu_;  // one CatchUp at a time in this process
  std::unique_ptr<AgencyKeys> agency_keys_;  // loaded at the first inspection
  bool published_ = false;  // the background's first pass published (its thread only)
  BackgroundLoop loop_{[this] { return Pass(); }, std::chrono::seconds(5)};
};

}  // namespace sweep::hub
