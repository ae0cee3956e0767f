// The person merge at the hub (issue 5): turns the record versions tablets
// pushed (HubStore::ReadIngested) into person mentions, resolves them with
// resolve::Resolver (docs/merge.md) and stores the entity of every mention,
// the review queue and the supervisors' decisions. Each step — the mentions
// of a batch of versions, or one decision — is one atomic store call
// (HubStore::ApplyMerge) guarded by the merge revision, so `serve` and a CLI
// command may work on the same file at once: the one that loses a race reads
// again (Conflict → retry). Spec: docs/merge.md "Stored runs".
//
// Each step rebuilds the Resolver from the stored mentions and decisions
// (resolve::Resolver::Rebuild), so a run costs a full resolution of what is
// stored; see docs/merge.md "Stored runs" for the figures and the plan.
//
// Decisions take effect at once: Decide stores the decision and the
// entities and review queue that follow from it in one step.
//
// Thread-compatible; steps of several MergeService objects (or processes) on
// one store are serialised by the revision check.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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
};

struct MergeServiceOptions {
  size_t batch_versions = 100000;  // versions per atomic step
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

 private:
  struct Step;
  Result<MergeRunStats> RunStep(bool* done);
  Status Finish(Step* s, resolve::Resolver* r, const resolve::ResolveResult& result);

  HubStore* store_;
  Env* env_;
  MergeServiceOptions options_;
};

}  // namespace sweep::hub
