// The person merge at the hub (issue 5): turns the record versions tablets
// pushed (HubStore::ReadIngested) into person mentions, resolves them with
// resolve::Resolver (docs/merge.md) and stores the entity of every mention,
// the review queue and the supervisors' decisions. Each step — the mentions
// of a batch of versions, or one decision — is one atomic store call
// (HubStore::ApplyMerge) guarded by the merge revision, so `serve` and a CLI
// command may work on the same file at once: the one that loses a race reads
// again (Conflict → retry). Spec: docs/merge.md "Stored runs".
//
// The service keeps its Resolver warm between steps: while the store's merge
// revision is the one this service last wrote, a step only upserts the new
// mentions and resolves incrementally (docs/merge.md §7), and ApplyMerge
// writes only what changed. Otherwise (first use, or another process or
// MergeService stored a step in between) it rebuilds once from the stored
// mentions and decisions (resolve::Resolver::Rebuild). A failed or lost step
// drops the warm state. Figures: docs/merge.md "Stored runs".
//
// Decisions take effect at once: Decide stores the decision and the
// entities and review queue that follow from it in one step.
//
// Thread-compatible; steps of several MergeService objects (or processes) on
// one store are serialised by the revision check.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sweep/hub/background.h"
#include "sweep/hub/hub_store.h"
#include "sweep/hub/resolver.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"

namespace sweep::hub {

struct MergeRunStats {
  uint64_t versions = 0;      // ingested versions read
  uint64_t records = 0;       // records whose mentions were (re)placed
  uint64_t unreadable = 0;    // versions that are no readable record (skipped)
  uint64_t new_mentions = 0;  // mentions stored by this run (new and replaced)
  uint64_t mentions = 0;      // live mentions after the run
  uint64_t entities = 0;      // persons after the run
  uint64_t merged = 0;        // entities created or changed by this run that hold ≥ 2 mentions
  uint64_t review = 0;        // pairs in the review queue after the run
  uint64_t retries = 0;       // steps recomputed after a Conflict
  std::vector<std::string> conflicts;  // decisions the ID rule overrode, in words
  // Where the time went (Env clock, ms): reading and parsing versions and
  // upserting their mentions; Resolve(); collecting and storing the step.
  int64_t prepare_ms = 0, resolve_ms = 0, store_ms = 0;
};

struct MergeServiceOptions {
  // A step reads versions batch_versions at a time (each chunk parsed,
  // upserted and dropped), then resolves once and stores once: one atomic
  // ApplyMerge per step_versions versions, so a large backlog is resolved in
  // one pass and a small push in one small step.
  size_t batch_versions = 100000;
  size_t step_versions = 2000000;
  resolve::Options resolver;       // weights and thresholds (defaults: what the hub runs)
  // Called between steps with the versions read so far (for a progress line).
  std::function<void(uint64_t versions)> progress;
};

class MergeService {
 public:
  MergeService(HubStore* store, Env* env, MergeServiceOptions options = {});

  // Processes every version ingested since the merge cursor (per record, the
  // highest version wins; an older version arriving later changes nothing).
  // Idempotent: with nothing new it changes nothing. Unavailable if it kept
  // losing races.
  Result<MergeRunStats> Run();

  // Stores a supervisor's decision and applies it at once (kSame / kNotSame
  // name two stored mentions, kSplit an entity and some of its mentions).
  // InvalidArgument / NotFound (nothing stored) on unknown mentions or
  // entities; `by` and `at_ms` (0: now) are kept.
  Result<MergeRunStats> Decide(resolve::Decision decision);

  // A Resolver holding the stored state (for Explain on the review screen).
  Result<resolve::Resolver> Load();

  // How many steps rebuilt the resolver from the store (cold starts), and
  // how many reused the warm one, since construction.
  uint64_t rebuilds() const { return rebuilds_; }
  uint64_t warm_steps() const { return warm_steps_; }

 private:
  struct Step;
  struct Warm {
    resolve::Resolver resolver;
    uint64_t cursor = 0, revision = 0;  // the stored step it reflects
    uint64_t mentions = 0, entities = 0;
  };
  Result<MergeRunStats> RunStep(bool* done);
  Result<MergeRunStats> TryStep(const std::pair<uint64_t, uint64_t>& meta,
                                std::vector<StoredVersion> versions, uint64_t last);
  Status AddChunk(Step* s, const std::vector<StoredVersion>& versions,
                  const std::string& default_division);
  Status WarmUp(const std::pair<uint64_t, uint64_t>& meta);
  Status Finish(Step* s, const resolve::ResolveResult& result);
  Status Apply(Step* s, const resolve::ResolveResult& result);

  HubStore* store_;
  Env* env_;
  MergeServiceOptions options_;
  std::optional<Warm> warm_;
  uint64_t rebuilds_ = 0, warm_steps_ = 0;
  uint64_t reported_ = 0;  // versions of the run's earlier steps (progress)
};

// Runs MergeService::Run on a background thread whenever Notify() is called
// (in `serve`: after each push, once the ledger caught up), so a push never
// waits for the merge. Notifications while a run is going coalesce into one
// more run. `after_merge` (optional) is called on that thread after every
// successful run that read versions: the place to publish what follows from
// the merge (e.g. a derived watchlist). Failures are logged and retried 5 s later.
class MergeWorker {
 public:
  MergeWorker(HubStore* store, Env* env, MergeServiceOptions options = {}, bool log = true);
  ~MergeWorker();  // Stop()
  MergeWorker(const MergeWorker&) = delete;
  MergeWorker& operator=(const MergeWorker&) = delete;

  void SetAfterMerge(std::function<void(const MergeRunStats&)> after_merge);
  void Start();  // the thread; it runs at the first Notify()
  void Notify();
  void Stop();
  uint64_t runs() const;  // successful runs so far

 private:
  bool Pass();  // one background pass (BackgroundLoop)

  MergeService service_;
  Env* env_;
  bool log_;
  mutable std::mutex mu_;  // guards the two below
  std::function<void(const MergeRunStats&)> after_merge_;
  uint64_t runs_ = 0;
  BackgroundLoop loop_{[this] { return Pass(); }, std::chrono::seconds(5)};
};

}  // namespace sweep::hub
