// MergeService: ingested versions → person mentions → resolved entities,
// one atomic step at a time (docs/merge.md "Stored runs").
#include "sweep/hub/merge_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "register_rules.h"
#include "sweep/v1/record.pb.h"

namespace sweep::hub {

using resolve::Decision;
using resolve::PersonMention;
using resolve::Resolver;

namespace {
constexpr int kMaxAttempts = 20;
}  // namespace

// What one step computes before it is applied. A step reads the versions
// in chunks (batch_versions at a time, each upserted into the warm resolver
// and dropped), resolves once and stores once.
struct MergeService::Step {
  MergeBatch batch;
  MergeRunStats stats;
  std::unordered_map<std::string, size_t> placed;  // record id -> index in batch.records
  std::vector<size_t> persons;                     // parallel to batch.records: its mentions
};

MergeService::MergeService(HubStore* store, Env* env, MergeServiceOptions options)
    : store_(store), env_(env), options_(std::move(options)) {
  if (options_.resolver.env == nullptr) options_.resolver.env = env_;
}

namespace {

// One chunk's newest version per record, among the versions that parse.
struct Fresh {
  v1::Record record;
  std::string device;
  uint64_t first = 0;  // ingest order of the record's first version in the chunk
};

std::unordered_map<std::string, Fresh> ParseVersions(const std::vector<StoredVersion>& versions,
                                                     uint64_t* unreadable) {
  std::unordered_map<std::string, Fresh> fresh;
  v1::Record record;
  for (const StoredVersion& v : versions) {
    record.Clear();
    if (!record.ParseFromArray(v.Readable().data(), static_cast<int>(v.Readable().size())) ||
        record.record_id().empty()) {
      ++*unreadable;
      continue;
    }
    auto [it, added] = fresh.try_emplace(record.record_id());
    if (added) it->second.first = v.ingest_order;
    if (!added && it->second.record.version() >= record.version()) continue;
    it->second.device = v.device_id;
    it->second.record.Swap(&record);
  }
  return fresh;
}

}  // namespace

Result<Resolver> MergeService::Load() {
  SWEEP_ASSIGN_OR_RETURN(MergeState state, store_->LoadMergeState());
  return Resolver::Rebuild(state.state, options_.resolver);
}

// Makes warm_ reflect the stored state: kept if the store is still at the
// revision this service last wrote (`meta` = cursor, revision just read),
// else rebuilt once from the stored mentions and decisions.
Status MergeService::WarmUp(const std::pair<uint64_t, uint64_t>& meta) {
  if (warm_ && warm_->revision == meta.second) {
    ++warm_steps_;
    return Status::Ok();
  }
  warm_.reset();
  SWEEP_ASSIGN_OR_RETURN(MergeState stored, store_->LoadMergeState());
  SWEEP_ASSIGN_OR_RETURN(Resolver r, Resolver::Rebuild(stored.state, options_.resolver));
  warm_.emplace(Warm{std::move(r), stored.cursor, stored.revision, stored.state.mentions.size(),
                     stored.entities});
  ++rebuilds_;
  return Status::Ok();
}

// Fills the batch from the warm resolver after Resolve(): where the step's
// records' mentions come from, the changed entities, the review queue.
Status MergeService::Finish(Step* s, const resolve::ResolveResult& result) {
  const Resolver& r = warm_->resolver;
  s->batch.mentions_of = [&r](const std::string& id) { return r.MentionsOfRecord(id); };
  for (size_t n : s->persons) s->stats.new_mentions += n;
  s->batch.entities = r.ChangedEntities();
  for (const resolve::Entity& e : s->batch.entities) {
    if (e.mentions.size() >= 2) ++s->stats.merged;
  }
  s->batch.removed_entities = result.removed_entities;
  s->batch.review = r.ReviewQueue();
  s->stats.mentions = result.mentions;
  s->stats.entities = result.entities;
  s->stats.review = s->batch.review.size();
  s->stats.conflicts = result.conflicts;
  return Status::Ok();
}

// Stores the step; on success the warm resolver reflects the new revision,
// on any failure it is dropped (it holds changes the store does not).
Status MergeService::Apply(Step* s, const resolve::ResolveResult& result) {
  Status st = Finish(s, result);
  if (st.ok()) st = store_->ApplyMerge(s->batch);
  if (!st.ok()) {
    warm_.reset();
    return st;
  }
  warm_->cursor = s->batch.new_cursor;
  warm_->revision = s->batch.expected_revision + 1;
  warm_->mentions = result.mentions;
  warm_->entities = result.entities;
  return Status::Ok();
}

// Upserts one chunk of versions into the warm resolver and notes its
// records in the step (per record, the highest version wins, whether it is
// stored, in this step already or in this chunk).
Status MergeService::AddChunk(Step* s, const std::vector<StoredVersion>& versions,
                              const std::string& default_division) {
  s->stats.versions += versions.size();
  std::unordered_map<std::string, Fresh> fresh = ParseVersions(versions, &s->stats.unreadable);
  std::vector<std::string> unseen;
  for (const auto& [id, f] : fresh) {
    if (!s->placed.count(id)) unseen.push_back(id);
  }
  SWEEP_ASSIGN_OR_RETURN(auto stored, store_->MergedRecordVersions(unseen));
  for (MergedRecord& m : stored) {
    auto it = fresh.find(m.record_id);
    if (it->second.record.version() <= m.version) {
      fresh.erase(it);  // already merged at this version or a newer one
      continue;
    }
    m.replaces = true;  // first_order: the record arrived in an earlier step
    s->placed.emplace(m.record_id, s->batch.records.size());
    s->batch.records.push_back(std::move(m));
    s->persons.push_back(0);
  }
  // Per record: its place in the step (new records get one here), and the
  // chunk's version unless the step already has that version or a newer one.
  struct Work {
    uint64_t first_order;
    size_t place;
    bool earlier;  // upserted by an earlier chunk of this step
    bool operator<(const Work& o) const { return first_order < o.first_order; }
  };
  std::vector<Work> order;
  for (auto& [id, f] : fresh) {
    auto [it, added] = s->placed.try_emplace(id, s->batch.records.size());
    if (added) {
      MergedRecord m;
      m.record_id = id;
      m.first_order = f.first;
      s->batch.records.push_back(std::move(m));
      s->persons.push_back(0);
    }
    MergedRecord& m = s->batch.records[it->second];
    const bool earlier = !added && !m.device_id.empty();
    if (earlier && m.version >= f.record.version()) continue;  // it had a newer one
    m.version = f.record.version();
    m.device_id = f.device;
    order.push_back({m.first_order, it->second, earlier});
  }
  std::sort(order.begin(), order.end());
  Resolver& r = warm_->resolver;
  // A new mention's ordinal derives from its record's first arrival and its
  // path, so that it is the same whichever version brought it and however
  // the log was cut into runs (docs/merge.md §10); known mentions keep theirs.
  std::vector<PersonMention> mentions;
  for (const auto& [first_order, place, earlier] : order) {
    const MergedRecord& m = s->batch.records[place];
    const v1::Record& record = fresh.at(m.record_id).record;
    auto of = resolve::MentionsOf(record, {default_division});
    s->persons[place] = of.size();
    std::set<std::string> known;
    if (m.replaces || earlier) {
      for (const PersonMention& p : r.MentionsOfRecord(m.record_id)) known.insert(p.mention_id);
    }
    if (of.empty() && !known.empty()) SWEEP_RETURN_IF_ERROR(r.Remove(m.record_id));
    for (PersonMention& p : of) {
      if (!known.count(p.mention_id)) {
        SWEEP_ASSIGN_OR_RETURN(p.ordinal, resolve::OrdinalOf(first_order, p.mention_id));
      }
      mentions.push_back(std::move(p));
    }
  }
  return r.Upsert(std::move(mentions)).WithContext("merging ingested records");
}

// One atomic step: the first chunk (read by RunStep), then more chunks
// until the log is read or the step holds step_versions versions.
Result<MergeRunStats> MergeService::TryStep(const std::pair<uint64_t, uint64_t>& meta,
                                            std::vector<StoredVersion> versions, uint64_t last) {
  Step s;
  s.batch.expected_revision = meta.second;
  const int64_t t0 = env_->NowMillis();
  SWEEP_ASSIGN_OR_RETURN(internal::HubSettings settings, internal::LoadSettings(store_));
  for (;;) {
    SWEEP_RETURN_IF_ERROR(AddChunk(&s, versions, settings.default_division));
    versions.clear();
    versions.shrink_to_fit();
    if (options_.progress) options_.progress(reported_ + s.stats.versions);
    if (s.stats.versions >= options_.step_versions) break;
    uint64_t next = last;
    SWEEP_ASSIGN_OR_RETURN(versions, store_->ReadIngested(last, options_.batch_versions, &next));
    if (versions.empty()) break;
    last = next;
  }
  s.batch.new_cursor = last;
  const int64_t t1 = env_->NowMillis();
  resolve::ResolveResult result = warm_->resolver.Resolve();
  const int64_t t2 = env_->NowMillis();
  s.stats.records = s.batch.records.size();
  SWEEP_RETURN_IF_ERROR(Apply(&s, result));  // decisions unchanged: not rewritten
  s.stats.prepare_ms = t1 - t0;
  s.stats.resolve_ms = t2 - t1;
  s.stats.store_ms = env_->NowMillis() - t2;
  return s.stats;
}

Result<MergeRunStats> MergeService::RunStep(bool* done) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    SWEEP_ASSIGN_OR_RETURN(auto meta, store_->MergeCursorRevision());
    uint64_t last = 0;
    SWEEP_ASSIGN_OR_RETURN(auto versions,
                           store_->ReadIngested(meta.first, options_.batch_versions, &last));
    if (versions.empty()) {
      *done = true;
      return MergeRunStats{};
    }
    SWEEP_RETURN_IF_ERROR(WarmUp(meta));
    if (warm_->cursor != meta.first || warm_->revision != meta.second) {
      continue;  // another process ran in between
    }
    Result<MergeRunStats> step = TryStep(meta, std::move(versions), last);
    if (!step.ok()) warm_.reset();  // it may hold half a step
    if (step.ok()) {
      step->retries = static_cast<uint64_t>(attempt);
      return step;
    }
    if (step.status().code() != Code::kConflict) return step.status();
  }
  return Status::Unavailable(
      "the merge could not finish: another process kept changing it; "
      "try again");
}

Result<MergeRunStats> MergeService::Run() {
  MergeRunStats total;
  reported_ = 0;
  for (;;) {
    bool done = false;
    SWEEP_ASSIGN_OR_RETURN(MergeRunStats step, RunStep(&done));
    if (done) {
      if (total.versions == 0) {  // nothing new: report the stored totals
        SWEEP_ASSIGN_OR_RETURN(auto meta, store_->MergeCursorRevision());
        if (warm_ && warm_->revision == meta.second) {
          SWEEP_ASSIGN_OR_RETURN(auto queue, store_->MergeReviewQueue());
          total.mentions = warm_->mentions;
          total.entities = warm_->entities;
          total.review = queue.size();
          return total;
        }
        SWEEP_ASSIGN_OR_RETURN(MergeState state, store_->LoadMergeState());
        SWEEP_ASSIGN_OR_RETURN(auto queue, store_->MergeReviewQueue());
        total.mentions = state.state.mentions.size();
        total.review = queue.size();
        total.entities = state.entities;
      }
      return total;
    }
    total.versions += step.versions;
    total.records += step.records;
    total.unreadable += step.unreadable;
    total.new_mentions += step.new_mentions;
    total.merged += step.merged;
    total.retries += step.retries;
    total.prepare_ms += step.prepare_ms;
    total.resolve_ms += step.resolve_ms;
    total.store_ms += step.store_ms;
    total.mentions = step.mentions;
    total.entities = step.entities;
    total.review = step.review;
    total.conflicts.insert(total.conflicts.end(), step.conflicts.begin(), step.conflicts.end());
    reported_ = total.versions;
  }
}

Result<MergeRunStats> MergeService::Decide(Decision decision) {
  if (decision.at_ms == 0) decision.at_ms = env_->NowMillis();
  decision.seq = 0;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    SWEEP_ASSIGN_OR_RETURN(auto meta, store_->MergeCursorRevision());
    SWEEP_RETURN_IF_ERROR(WarmUp(meta));
    if (warm_->revision != meta.second) continue;
    Step s;
    s.stats.retries = static_cast<uint64_t>(attempt);
    s.batch.expected_revision = warm_->revision;
    s.batch.new_cursor = warm_->cursor;
    Status added = warm_->resolver.AddDecision(decision);
    if (!added.ok()) {
      warm_.reset();  // refused, but Split may have checked against it: start clean
      return added;
    }
    resolve::ResolveResult result = warm_->resolver.Resolve();
    s.batch.replace_decisions = true;
    s.batch.decisions = warm_->resolver.Decisions();
    Status st = Apply(&s, result);
    if (st.ok()) return s.stats;
    if (st.code() != Code::kConflict) return st;
  }
  return Status::Unavailable(
      "the decision could not be stored: another process kept changing "
      "the merge; try again");
}

}  // namespace sweep::hub
