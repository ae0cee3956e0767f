// RetentionService: the settings, the tablets' feed item, and the purge in
// atomic batches with its audit entry (docs/hub-storage.md "Retention").
// The selection is in retention_select.cc, the store's side in
// sqlite_hub_store_retention.cc.
#include "sweep/hub/retention.h"

#include <algorithm>
#include <charconv>

#include "register_rules.h"
#include "retention_internal.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub {

namespace {

constexpr int kMaxAttempts = 20;  // batches recomputed after a Conflict
// A run whose last batch is older than this was interrupted (the process
// ended); its audit entry is appended by the next run.
constexpr int64_t kStaleRunMs = 3600 * 1000;

std::string SettingKey(std::string_view category) {
  return std::string(kRetentionSettingPrefix) + std::string(category);
}

bool IsCategory(std::string_view c) {
  return c == kResidentsNoFinding || c == kPhotosNoFinding || c == kTabletSynced;
}

Result<uint32_t> ParseDays(const std::string& text, const std::string& key) {
  uint32_t days = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), days);
  if (ec != std::errc() || end != text.data() + text.size() || days > kMaxRetentionDays) {
    return Status::Corruption("the setting " + key + " is '" + text +
                              "', not a number of days (0.." + std::to_string(kMaxRetentionDays) +
                              "): set it again with `sweep-hub retention set`");
  }
  return days;
}

}  // namespace

std::vector<RetentionSetting> RetentionSettings::All() const {
  return {{std::string(kResidentsNoFinding), residents_no_finding},
          {std::string(kPhotosNoFinding), photos_no_finding},
          {std::string(kTabletSynced), tablet_synced}};
}

RetentionService::RetentionService(HubStore* store, Env* env, RetentionOptions options)
    : store_(store), env_(env), options_(std::move(options)) {}

Result<RetentionSettings> RetentionService::Settings() {
  RetentionSettings s;
  for (auto [category, field] :
       {std::pair{kResidentsNoFinding, &RetentionSettings::residents_no_finding},
        std::pair{kPhotosNoFinding, &RetentionSettings::photos_no_finding},
        std::pair{kTabletSynced, &RetentionSettings::tablet_synced}}) {
    const std::string key = SettingKey(category);
    SWEEP_ASSIGN_OR_RETURN(auto value, store_->GetSetting(key));
    if (value) {
      SWEEP_ASSIGN_OR_RETURN(s.*field, ParseDays(*value, key));
    }
  }
  return s;
}

Result<bool> RetentionService::Set(std::string_view category, uint32_t days,
                                   const AuditActor& actor) {
  if (!IsCategory(category)) {
    return Status::InvalidArgument("unknown retention category '" + std::string(category) +
                                   "': use residents_no_finding, photos_no_finding or "
                                   "tablet_synced (docs/hub-storage.md \"Retention\")");
  }
  if (days > kMaxRetentionDays) {
    return Status::InvalidArgument("retention of " + std::to_string(days) + " days is above " +
                                   std::to_string(kMaxRetentionDays) +
                                   ": give the days to keep, or 0 to keep forever");
  }
  SWEEP_ASSIGN_OR_RETURN(RetentionSettings before, Settings());
  uint32_t from = 0;
  for (const RetentionSetting& s : before.All()) {
    if (s.category == category) from = s.days;
  }
  if (from == days) return false;
  SWEEP_RETURN_IF_ERROR(store_->PutSettings({{SettingKey(category), std::to_string(days)}}));
  // The setting is stored first, its entry right after (as every decision).
  SWEEP_RETURN_IF_ERROR(
      AuditLog(store_, env_)
          .Append(actor, "retention_set", "retention:" + std::string(category),
                  AuditDetail({{"from", std::to_string(from)}, {"to", std::to_string(days)}}))
          .WithContext("audit log"));
  if (category == kTabletSynced) SWEEP_RETURN_IF_ERROR(PublishTabletConfig());
  return true;
}

Status RetentionService::PublishTabletConfig() {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    SWEEP_ASSIGN_OR_RETURN(uint64_t revision, store_->PublicationRevision());
    SWEEP_ASSIGN_OR_RETURN(RetentionSettings s, Settings());
    internal::DesiredFeed desired;
    if (s.tablet_synced > 0) {
      v1::RetentionConfig config;
      config.set_tablet_synced_days(s.tablet_synced);
      std::string payload = config.SerializeAsString();
      desired[{"all", "config", "retention"}] = Bytes(payload.begin(), payload.end());
    }
    SWEEP_ASSIGN_OR_RETURN(auto current,
                           store_->ReadFeedState({{"config"}, {"all"}, {"retention"}}));
    std::vector<FeedItemRow> items = internal::DiffFeed(current, desired);
    if (items.empty()) return Status::Ok();
    Status st = store_->PublishFeed(items, revision);
    if (st.code() != Code::kConflict) return st;
  }
  return Status::Unavailable(
      "the feed kept changing while the tablets' retention was published; run the command "
      "again");
}

Status RetentionService::Audit(const RetentionRun& run, const AuditActor& actor, bool interrupted) {
  if (run.records > 0 || run.files > 0) {
    std::vector<std::pair<std::string, std::string>> detail = {
        {"run", std::to_string(run.run)},           {"category", run.category},
        {"cutoff", UtcTime(run.cutoff_ms)},         {"records", std::to_string(run.records)},
        {"versions", std::to_string(run.versions)}, {"mentions", std::to_string(run.mentions)},
        {"photos", std::to_string(run.files)}};
    if (interrupted) detail.emplace_back("interrupted", "true");
    SWEEP_RETURN_IF_ERROR(
        AuditLog(store_, env_)
            .Append(actor, "retention_purge", "retention:" + run.category, AuditDetail(detail))
            .WithContext("audit log"));
  }
  return store_->MarkRetentionRunAudited(run.run);
}

// A run that ended without its entry (the process was killed after some
// batches): the entry is appended now, from the counts its batches stored,
// unless an entry for it is there already (killed between the two writes).
Status RetentionService::RecoverAudits(const AuditActor& actor, RetentionReport* report) {
  SWEEP_ASSIGN_OR_RETURN(auto runs, store_->ListRetentionRuns(true));
  const int64_t now = env_->NowMillis();
  for (const RetentionRun& run : runs) {
    if (run.updated_ms > now - kStaleRunMs) continue;  // may still be running elsewhere
    AuditQuery q;
    q.entity = "retention:" + run.category;
    SWEEP_ASSIGN_OR_RETURN(auto entries, store_->FindAudit(q));
    const std::string mark = "\"run\":\"" + std::to_string(run.run) + "\"";
    const bool logged = std::any_of(entries.begin(), entries.end(), [&](const auto& e) {
      return e.action() == "retention_purge" && e.detail().find(mark) != std::string::npos;
    });
    if (logged) {
      SWEEP_RETURN_IF_ERROR(store_->MarkRetentionRunAudited(run.run));
      continue;
    }
    SWEEP_RETURN_IF_ERROR(Audit(run, actor, true));
    if (run.records > 0 || run.files > 0) ++report->audits_recovered;
  }
  return Status::Ok();
}

namespace {

// Adds every stored version of `id`, redacted, to the batch.
Status AddRedacted(HubStore* store, const std::string& id, RetentionBatch* b) {
  SWEEP_ASSIGN_OR_RETURN(auto versions, store->VersionsOfRecord(id));
  uint64_t through = 0;
  for (const StoredVersion& v : versions) {
    v1::Record record;
    const Bytes& bytes = v.Readable();
    if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return Status::Corruption("record " + id + " version " + std::to_string(v.version) +
                                " (device " + v.device_id + " seq " + std::to_string(v.seq) +
                                ") does not parse; nothing of it was purged: check the file "
                                "with `sweep-hub backup` and `restore`");
    }
    std::string redacted = RedactRecord(record).SerializeAsString();
    b->versions.push_back({v.device_id, v.seq, Bytes(redacted.begin(), redacted.end())});
    through = std::max(through, v.ingest_order);
  }
  b->records.emplace_back(id, through);
  return Status::Ok();
}

// The merge as stored, kept warm across batches (each batch's step bumps
// the revision by one).
struct WarmMerge {
  resolve::Resolver resolver;
  uint64_t revision = 0, cursor = 0;

  static Result<WarmMerge> From(const MergeState& state, const resolve::Options& options) {
    SWEEP_ASSIGN_OR_RETURN(resolve::Resolver r, resolve::Resolver::Rebuild(state.state, options));
    return WarmMerge{std::move(r), state.revision, state.cursor};
  }
  // The merge step that forgets the mentions of `ids`, into the batch.
  Status Step(HubStore* store, const std::vector<std::string>& ids, RetentionBatch* b) {
    SWEEP_ASSIGN_OR_RETURN(auto merged, store->MergedRecordVersions(ids));
    for (MergedRecord& m : merged) {
      const size_t n = resolver.MentionsOfRecord(m.record_id).size();
      if (n == 0) continue;
      SWEEP_RETURN_IF_ERROR(resolver.Remove(m.record_id));
      b->mentions += n;
      m.replaces = true;  // its mentions are deleted; its version stays
      b->merge.records.push_back(std::move(m));
    }
    resolve::ResolveResult result = resolver.Resolve();
    b->with_merge = true;
    b->merge.expected_revision = revision;
    b->merge.new_cursor = cursor;
    b->merge.mentions_of = [](const std::string&) { return std::vector<resolve::PersonMention>{}; };
    b->merge.entities = resolver.ChangedEntities();
    b->merge.removed_entities = result.removed_entities;
    b->merge.review = resolver.ReviewQueue();
    return Status::Ok();
  }
};

}  // namespace

// residents_no_finding: the records in batches, each one ApplyRetention
// with the merge step that forgets their mentions. The resolver starts from
// the state the selection read and stays warm across batches; a Conflict
// (the merge moved) rebuilds it and computes the batch again.
Status RetentionService::PurgeRecords(Scan* scan, RetentionCounts* counts,
                                      const AuditActor& actor) {
  counts->records = counts->versions = counts->mentions = counts->files = 0;
  if (scan->purge.empty()) return Status::Ok();
  RetentionRun run{0, counts->category, counts->cutoff_ms, scan->now_ms, scan->now_ms};
  SWEEP_ASSIGN_OR_RETURN(run.run, store_->StartRetentionRun(run));
  counts->run = run.run;
  resolve::Options ropt;
  ropt.env = env_;
  SWEEP_ASSIGN_OR_RETURN(WarmMerge merge, WarmMerge::From(scan->merge, ropt));
  scan->merge = MergeState{};  // the resolver holds what it needs
  std::vector<std::vector<std::string>> files_of(scan->purge.size());
  for (const auto& [sha, last] : scan->purge_files) files_of[last].push_back(sha);
  for (size_t start = 0; start < scan->purge.size(); start += options_.batch_records) {
    const size_t end = std::min(scan->purge.size(), start + options_.batch_records);
    for (int attempt = 0;; ++attempt) {
      if (attempt == kMaxAttempts) {
        return Status::Unavailable("the merge kept changing while records were purged; " +
                                   std::to_string(counts->records) +
                                   " are purged, run `retention apply` again for the rest");
      }
      RetentionBatch b;
      b.run = run.run;
      b.category = counts->category;
      b.purged_ms = scan->now_ms;
      std::vector<std::string> ids;
      for (size_t i = start; i < end; ++i) {
        ids.push_back(scan->purge[i].record_id);
        SWEEP_RETURN_IF_ERROR(AddRedacted(store_, ids.back(), &b));
        b.files.insert(b.files.end(), files_of[i].begin(), files_of[i].end());
      }
      SWEEP_RETURN_IF_ERROR(merge.Step(store_, ids, &b));
      Result<uint64_t> applied = store_->ApplyRetention(b);
      if (applied.ok()) {
        ++merge.revision;
        counts->records += b.records.size();
        counts->versions += b.versions.size();
        counts->mentions += b.mentions;
        counts->files += *applied;
        break;
      }
      if (applied.status().code() != Code::kConflict) return applied.status();
      // Another merge step (or purge) came first: start from what is stored.
      SWEEP_ASSIGN_OR_RETURN(MergeState now, store_->LoadMergeState());
      SWEEP_ASSIGN_OR_RETURN(merge, WarmMerge::From(now, ropt));
    }
    if (options_.progress) options_.progress(counts->category, end, scan->purge.size());
  }
  run.records = counts->records;
  run.versions = counts->versions;
  run.mentions = counts->mentions;
  run.files = counts->files;
  return Audit(run, actor, false);
}

Status RetentionService::PurgeFiles(const std::vector<std::string>& files, RetentionCounts* counts,
                                    const AuditActor& actor) {
  counts->files = 0;
  if (files.empty()) return Status::Ok();
  RetentionRun run{0, counts->category, counts->cutoff_ms, env_->NowMillis(), env_->NowMillis()};
  SWEEP_ASSIGN_OR_RETURN(run.run, store_->StartRetentionRun(run));
  counts->run = run.run;
  for (size_t start = 0; start < files.size(); start += options_.batch_files) {
    const size_t end = std::min(files.size(), start + options_.batch_files);
    RetentionBatch b;
    b.run = run.run;
    b.category = counts->category;
    b.purged_ms = run.started_ms;
    b.files.assign(files.begin() + static_cast<std::ptrdiff_t>(start),
                   files.begin() + static_cast<std::ptrdiff_t>(end));
    SWEEP_ASSIGN_OR_RETURN(uint64_t deleted, store_->ApplyRetention(b));
    counts->files += deleted;
    if (options_.progress) options_.progress(counts->category, end, files.size());
  }
  run.files = counts->files;
  return Audit(run, actor, false);
}

Result<RetentionReport> RetentionService::Apply(bool dry_run, const AuditActor& actor) {
  RetentionReport report;
  report.dry_run = dry_run;
  report.now_ms = env_->NowMillis();
  if (!dry_run) {
    SWEEP_RETURN_IF_ERROR(RecoverAudits(actor, &report));
    SWEEP_RETURN_IF_ERROR(PublishTabletConfig());
  }
  SWEEP_ASSIGN_OR_RETURN(RetentionSettings settings, Settings());
  SWEEP_ASSIGN_OR_RETURN(Scan scan, Select(settings, report.now_ms));
  report.unmerged = scan.unmerged;
  bool removed = false;
  if (settings.residents_no_finding > 0) {
    RetentionCounts counts = scan.residents;
    if (!dry_run) SWEEP_RETURN_IF_ERROR(PurgeRecords(&scan, &counts, actor));
    removed = removed || counts.removed();
    report.categories.push_back(counts);
  }
  if (settings.photos_no_finding > 0) {
    RetentionCounts counts = scan.photos;
    if (!dry_run) SWEEP_RETURN_IF_ERROR(PurgeFiles(scan.photo_files, &counts, actor));
    removed = removed || counts.removed();
    report.categories.push_back(counts);
  }
  // Resurrected photos with photos_no_finding off go with residents_no_finding.
  if (settings.photos_no_finding == 0 && !scan.photo_files.empty()) {
    RetentionCounts counts = scan.residents;
    counts.records = counts.versions = counts.mentions = counts.kept_finding = counts.kept_den =
        counts.kept_person = 0;
    counts.run = 0;
    counts.files = scan.photo_files.size();
    if (!dry_run) SWEEP_RETURN_IF_ERROR(PurgeFiles(scan.photo_files, &counts, actor));
    removed = removed || counts.removed();
    if (!report.categories.empty()) report.categories.front().files += counts.files;
  }
  if (!dry_run && removed) report.log_flushed = store_->FlushPurged().ok();
  return report;
}

}  // namespace sweep::hub
