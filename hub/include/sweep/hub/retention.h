// Retention at the hub (issue 7 item 4, docs/hub-storage.md "Retention"):
// how long the station keeps personal data it no longer needs, per record
// category, configured in days (0: keep forever) in the hub's settings.
//
//   residents_no_finding  the persons of a rental check that found nothing
//                         (no indicator, disposition, watchlist hit or
//                         follow-up; no den at the premises; none of its
//                         persons a suspect, at a den, in a review pair or
//                         a decision, or on the watchlist), with its photos
//   photos_no_finding     the photos of such rental checks only
//   tablet_synced         sent to tablets (feed item config/retention): how
//                         long a tablet keeps records the hub acknowledged
//
// A purge keeps what others depend on and is not personal (the visit: unit,
// time, status, officer; the chain's entry hashes) and removes the rest: R
// becomes its redaction R' (RedactRecord), the opened copy and the visit's
// persons go, the merge forgets the mentions, photos are deleted. Each batch
// is one atomic store step (HubStore::ApplyRetention), so a run killed
// midway leaves whole records purged or untouched, and a re-run finishes.
// Every run that removed anything appends one audit entry
// ("retention_purge"); every change of a setting one ("retention_set").
//
// No SQL here: everything goes through HubStore. Thread-compatible; runs in
// several processes on one file are serialised by the store (the merge
// revision guards each batch).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sweep/hub/audit.h"
#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"
#include "sweep/v1/record.pb.h"

namespace sweep::hub {

inline constexpr std::string_view kResidentsNoFinding = "residents_no_finding";
inline constexpr std::string_view kPhotosNoFinding = "photos_no_finding";
inline constexpr std::string_view kTabletSynced = "tablet_synced";
// Settings are stored as "retention.<category>" = decimal days.
inline constexpr std::string_view kRetentionSettingPrefix = "retention.";
inline constexpr uint32_t kMaxRetentionDays = 36500;  // 100 years
inline constexpr int64_t kDayMs = 24LL * 3600 * 1000;

// A category and its setting (0: keep forever).
struct RetentionSetting {
  std::string category;
  uint32_t days = 0;
};

// The three categories, in the order above, with their days.
struct RetentionSettings {
  uint32_t residents_no_finding = 0;
  uint32_t photos_no_finding = 0;
  uint32_t tablet_synced = 0;
  std::vector<RetentionSetting> All() const;
};

// What one category's pass purged (or, in a dry run, would purge).
struct RetentionCounts {
  std::string category;
  uint32_t days = 0;
  int64_t cutoff_ms = 0;  // records whose time is before this are purged
  uint64_t records = 0, versions = 0, mentions = 0, files = 0;
  // Candidates older than the cutoff that were kept, by the first reason:
  // a finding of their own, a den at the premises, or a person the station
  // has a case, review or watchlist entry for.
  uint64_t kept_finding = 0, kept_den = 0, kept_person = 0;
  uint64_t run = 0;  // the stored run (0: dry run, or nothing purged)
  bool removed() const { return records > 0 || files > 0; }
};

struct RetentionReport {
  bool dry_run = false;
  int64_t now_ms = 0;
  std::vector<RetentionCounts> categories;  // the hub's categories that are set
  uint64_t unmerged = 0;          // records skipped: the merge has not read their newest version
  uint64_t audits_recovered = 0;  // entries appended for runs an interruption left unaudited
  bool log_flushed = true;        // the write-ahead log was emptied after the purge
};

struct RetentionOptions {
  size_t batch_records = 2000;  // records per atomic step (docs/hub-storage.md "Cost")
  size_t batch_files = 200;    // photos per step of a photos-only pass
  // Called with records (or files) handled so far and the total of the pass.
  std::function<void(const std::string& category, uint64_t done, uint64_t total)> progress;
};

struct RetentionScan;  // retention_internal.h

class RetentionService {
 public:
  RetentionService(HubStore* store, Env* env, RetentionOptions options = {});

  // The stored settings (absent: 0). Corruption if one is not a number.
  Result<RetentionSettings> Settings();
  // Sets one category (InvalidArgument for an unknown category or days above
  // kMaxRetentionDays). When the value changes: stores it, appends one
  // "retention_set" audit entry by `actor`, and for tablet_synced publishes
  // the tablets' feed item. Returns whether it changed.
  Result<bool> Set(std::string_view category, uint32_t days, const AuditActor& actor);
  // Brings the feed item config/retention in line with tablet_synced
  // (a tombstone when 0). Idempotent.
  Status PublishTabletConfig();

  // Purges what the settings say is due, as of the environment's time; a
  // dry run computes the same counts and writes nothing (no audit entry).
  // REQUIRES for exact results: the merge has run (records whose newest
  // version it has not read are skipped and counted in `unmerged`).
  Result<RetentionReport> Apply(bool dry_run, const AuditActor& actor);

 private:
  using Scan = RetentionScan;
  Result<Scan> Select(const RetentionSettings& settings, int64_t now_ms);
  Status RecoverAudits(const AuditActor& actor, RetentionReport* report);
  Status PurgeRecords(Scan* scan, RetentionCounts* counts, const AuditActor& actor);
  Status PurgeFiles(const std::vector<std::string>& files, RetentionCounts* counts,
                    const AuditActor& actor);
  Status Audit(const RetentionRun& run, const AuditActor& actor, bool interrupted);

  HubStore* store_;
  Env* env_;
  RetentionOptions options_;
};

// R', what a purge stores in place of R: the record id, version, base
// version, HLC, officer and device; of a rental check the address, unit
// status, registration, visit time, accompanying staff, and the indicators'
// codes, presence and counts; each person reduced to present_at_visit. No
// name, ID number, phone, bank card, date, origin, occupation, workplace,
// note, follow-up, photo or validation result remains. Only rental checks
// are purged; other bodies are returned unchanged.
v1::Record RedactRecord(const v1::Record& record);

// `serve`'s daily run: Apply (after a merge run, so that new persons are
// placed) first `first_delay` after Start, then every `interval`. Failures
// are logged and retried at the next interval. The thread blocks every
// signal, like the other workers.
struct RetentionWorkerOptions {
  std::chrono::milliseconds first_delay = std::chrono::minutes(10);
  std::chrono::milliseconds interval = std::chrono::hours(24);
  bool log = true;
};

class RetentionWorker {
 public:
  RetentionWorker(HubStore* store, Env* env, RetentionWorkerOptions options = {});
  ~RetentionWorker();  // Stop()
  RetentionWorker(const RetentionWorker&) = delete;
  RetentionWorker& operator=(const RetentionWorker&) = delete;

  void Start();
  void Stop();
  uint64_t runs() const;  // passes that completed, since Start

 private:
  void Loop();
  bool Pass();

  HubStore* store_;
  Env* env_;
  RetentionWorkerOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  uint64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace sweep::hub
