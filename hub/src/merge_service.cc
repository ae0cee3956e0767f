// MergeService: ingested versions → person mentions → resolved entities,
// one atomic step at a time (docs/merge.md "Stored runs").
#include "sweep/hub/merge_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "register_rules.h"
#include "sweep/v1/record.pb.h"

namespace sweep::hub {

using resolve::Decision;
using resolve::PersonMention;
using resolve::Resolver;

namespace {
constexpr int kMaxAttempts = 20;
}  // namespace

// What one step computes before it is applied.
struct MergeService::Step {
  MergeBatch batch;
  MergeRunStats stats;
  std::map<std::string, v1::Record> fresh;    // record id -> newest version in this step
  std::map<std::string, std::string> device;  // record id -> device that pushed it
  std::map<std::string, uint64_t> first;      // record id -> ingest order of its first version
};

MergeService::MergeService(HubStore* store, Env* env, MergeServiceOptions options)
    : store_(store), env_(env), options_(std::move(options)) {
  if (options_.resolver.env == nullptr) options_.resolver.env = env_;
}

namespace {

// The newest version per record among `versions` that parse as records.
void ParseVersions(const std::vector<StoredVersion>& versions,
                   std::map<std::string, v1::Record>* fresh,
                   std::map<std::string, std::string>* device,
                   std::map<std::string, uint64_t>* first,
                   uint64_t* unreadable) {
  v1::Record record;
  for (const StoredVersion& v : versions) {
    record.Clear();
    if (!record.ParseFromArray(v.record.data(), static_cast<int>(v.record.size())) ||
        record.record_id().empty()) {
      ++*unreadable;
      continue;
    }
    first->emplace(record.record_id(), v.ingest_order);
    auto it = fresh->find(record.record_id());
    if (it != fresh->end() && it->second.version() >= record.version()) continue;
    (*device)[record.record_id()] = v.device_id;
    (*fresh)[record.record_id()] = record;
  }
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

// Fills the batch from the warm resolver after Resolve(): the mentions of
// the step's records, the changed entities, the review queue.
Status MergeService::Finish(Step* s, const resolve::ResolveResult& result) {
  const Resolver& r = warm_->resolver;
  for (const MergedRecord& rec : s->batch.records) {
    const std::string& id = rec.record_id;
    for (PersonMention& m : r.MentionsOfRecord(id)) {
      s->batch.mention_devices.push_back(s->device[id]);
      s->batch.mentions.push_back(std::move(m));
    }
  }
  s->batch.entities = r.ChangedEntities();
  for (const resolve::Entity& e : s->batch.entities) {
    if (e.mentions.size() >= 2) ++s->stats.merged;
  }
  s->batch.removed_entities = result.removed_entities;
  s->batch.review = r.ReviewQueue();
  s->stats.new_mentions = s->batch.mentions.size();
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

Result<MergeRunStats> MergeService::TryStep(const std::pair<uint64_t, uint64_t>& meta,
                                            const std::vector<StoredVersion>& versions,
                                            uint64_t last) {
  Step s;
  s.batch.expected_revision = meta.second;
  s.batch.new_cursor = last;
  s.stats.versions = versions.size();
  ParseVersions(versions, &s.fresh, &s.device, &s.first, &s.stats.unreadable);
  std::vector<std::string> ids;
  for (const auto& [id, record] : s.fresh) ids.push_back(id);
  SWEEP_ASSIGN_OR_RETURN(auto merged, store_->MergedRecordVersions(ids));
  for (const MergedRecord& m : merged) {
    s.first[m.record_id] = m.first_order;  // the record arrived in an earlier step
    if (s.fresh[m.record_id].version() <= m.version) s.fresh.erase(m.record_id);
  }
  SWEEP_ASSIGN_OR_RETURN(internal::HubSettings settings, internal::LoadSettings(store_));
  Resolver& r = warm_->resolver;
  // A new mention's ordinal derives from its record's first arrival and its
  // path, so that it is the same whichever version brought it and however
  // the log was cut into runs (docs/merge.md §10); known mentions keep theirs.
  std::vector<std::pair<uint64_t, const v1::Record*>> order;
  for (const auto& [id, record] : s.fresh) order.emplace_back(s.first[id], &record);
  std::sort(order.begin(), order.end());
  std::vector<PersonMention> mentions;
  for (const auto& [first_order, record] : order) {
    const std::string& id = record->record_id();
    s.batch.records.push_back({id, record->version(), first_order});
    auto of = resolve::MentionsOf(*record, {settings.default_division});
    if (of.empty()) {
      Status st = r.Remove(id);  // a new version without persons
      if (!st.ok() && st.code() != Code::kNotFound) return st;
    }
    std::set<std::string> known;
    for (const PersonMention& m : r.MentionsOfRecord(id)) known.insert(m.mention_id);
    for (PersonMention& m : of) {
      if (!known.count(m.mention_id)) {
        SWEEP_ASSIGN_OR_RETURN(m.ordinal, resolve::OrdinalOf(first_order, m.mention_id));
      }
      mentions.push_back(std::move(m));
    }
  }
  SWEEP_RETURN_IF_ERROR(r.Upsert(std::move(mentions)).WithContext("merging ingested records"));
  resolve::ResolveResult result = r.Resolve();
  s.stats.records = s.batch.records.size();
  SWEEP_RETURN_IF_ERROR(Apply(&s, result));  // decisions unchanged: not rewritten
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
    Result<MergeRunStats> step = TryStep(meta, versions, last);
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
    total.mentions = step.mentions;
    total.entities = step.entities;
    total.review = step.review;
    total.conflicts.insert(total.conflicts.end(), step.conflicts.begin(), step.conflicts.end());
    if (options_.progress) options_.progress(total.versions);
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
