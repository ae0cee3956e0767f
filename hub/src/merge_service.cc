// MergeService: ingested versions → person mentions → resolved entities,
// one atomic step at a time (docs/merge.md "Stored runs").
#include "sweep/hub/merge_service.h"

#include <algorithm>
#include <map>

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
  MergeState stored;
  MergeBatch batch;
  MergeRunStats stats;
  std::map<std::string, v1::Record> fresh;    // record id -> newest version in this step
  std::map<std::string, std::string> device;  // record id -> device that pushed it
  std::map<std::string, size_t> first;        // record id -> first position in this step
};

MergeService::MergeService(HubStore* store, Env* env, MergeServiceOptions options)
    : store_(store), env_(env), options_(std::move(options)) {
  if (options_.resolver.env == nullptr) options_.resolver.env = env_;
}

namespace {

// The newest version per record among `versions` that parse as records.
void ParseVersions(const std::vector<StoredVersion>& versions,
                   std::map<std::string, v1::Record>* fresh,
                   std::map<std::string, std::string>* device, std::map<std::string, size_t>* first,
                   uint64_t* unreadable) {
  v1::Record record;
  for (const StoredVersion& v : versions) {
    record.Clear();
    if (!record.ParseFromArray(v.record.data(), static_cast<int>(v.record.size())) ||
        record.record_id().empty()) {
      ++*unreadable;
      continue;
    }
    first->emplace(record.record_id(), first->size());
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

// Fills the batch from the resolver after Resolve(): the mentions of the
// step's records, every decision, the changed entities, the review queue.
Status MergeService::Finish(Step* s, Resolver* r, const resolve::ResolveResult& result) {
  resolve::State exported = r->Export();
  for (PersonMention& m : exported.mentions) {
    if (!s->fresh.count(m.record_id)) continue;
    s->batch.mention_devices.push_back(s->device[m.record_id]);
    s->batch.mentions.push_back(std::move(m));
  }
  s->batch.replace_decisions = true;
  s->batch.decisions = std::move(exported.decisions);
  std::vector<resolve::Entity> all = r->Entities();  // sorted by id
  for (const std::string& id : result.changed_entities) {
    auto it =
        std::lower_bound(all.begin(), all.end(), id,
                         [](const resolve::Entity& e, const std::string& v) { return e.id < v; });
    if (it == all.end() || it->id != id) continue;
    if (it->mentions.size() >= 2) ++s->stats.merged;
    s->batch.entities.push_back(std::move(*it));
  }
  s->batch.removed_entities = result.removed_entities;
  s->batch.review = r->ReviewQueue();
  s->stats.new_mentions = s->batch.mentions.size();
  s->stats.mentions = result.mentions;
  s->stats.entities = result.entities;
  s->stats.review = s->batch.review.size();
  s->stats.conflicts = result.conflicts;
  return Status::Ok();
}

Result<MergeRunStats> MergeService::RunStep(bool* done) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Step s;
    s.stats.retries = static_cast<uint64_t>(attempt);
    SWEEP_ASSIGN_OR_RETURN(auto meta, store_->MergeCursorRevision());
    uint64_t last = 0;
    SWEEP_ASSIGN_OR_RETURN(auto versions,
                           store_->ReadIngested(meta.first, options_.batch_versions, &last));
    if (versions.empty()) {
      *done = true;
      return s.stats;
    }
    SWEEP_ASSIGN_OR_RETURN(s.stored, store_->LoadMergeState());
    if (s.stored.cursor != meta.first) continue;  // another process ran in between
    s.batch.expected_revision = s.stored.revision;
    s.batch.new_cursor = last;
    s.stats.versions = versions.size();
    ParseVersions(versions, &s.fresh, &s.device, &s.first, &s.stats.unreadable);
    std::vector<std::string> ids;
    for (const auto& [id, record] : s.fresh) ids.push_back(id);
    SWEEP_ASSIGN_OR_RETURN(auto merged, store_->MergedRecordVersions(ids));
    for (const auto& [id, version] : merged) {
      if (s.fresh[id].version() <= version) s.fresh.erase(id);
    }
    SWEEP_ASSIGN_OR_RETURN(internal::HubSettings settings, internal::LoadSettings(store_));
    SWEEP_ASSIGN_OR_RETURN(Resolver r, Resolver::Rebuild(s.stored.state, options_.resolver));
    // New mentions take ordinals in the order their records first arrived.
    std::vector<std::pair<size_t, const v1::Record*>> order;
    for (const auto& [id, record] : s.fresh) order.emplace_back(s.first[id], &record);
    std::sort(order.begin(), order.end());
    std::vector<PersonMention> mentions;
    for (const auto& [pos, record] : order) {
      const std::string& id = record->record_id();
      s.batch.records.emplace_back(id, record->version());
      auto of = resolve::MentionsOf(*record, {settings.default_division});
      if (of.empty()) {
        Status st = r.Remove(id);  // a new version without persons
        if (!st.ok() && st.code() != Code::kNotFound) return st;
      }
      for (PersonMention& m : of) mentions.push_back(std::move(m));
    }
    SWEEP_RETURN_IF_ERROR(r.Upsert(std::move(mentions)).WithContext("merging ingested records"));
    resolve::ResolveResult result = r.Resolve();
    s.stats.records = s.batch.records.size();
    SWEEP_RETURN_IF_ERROR(Finish(&s, &r, result));
    Status st = store_->ApplyMerge(s.batch);
    if (st.ok()) return s.stats;
    if (st.code() != Code::kConflict) return st;
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
    Step s;
    s.stats.retries = static_cast<uint64_t>(attempt);
    SWEEP_ASSIGN_OR_RETURN(s.stored, store_->LoadMergeState());
    s.batch.expected_revision = s.stored.revision;
    s.batch.new_cursor = s.stored.cursor;
    SWEEP_ASSIGN_OR_RETURN(Resolver r, Resolver::Rebuild(s.stored.state, options_.resolver));
    SWEEP_RETURN_IF_ERROR(r.AddDecision(decision));
    resolve::ResolveResult result = r.Resolve();
    SWEEP_RETURN_IF_ERROR(Finish(&s, &r, result));
    Status st = store_->ApplyMerge(s.batch);
    if (st.ok()) return s.stats;
    if (st.code() != Code::kConflict) return st;
  }
  return Status::Unavailable(
      "the decision could not be stored: another process kept changing "
      "the merge; try again");
}

}  // namespace sweep::hub
