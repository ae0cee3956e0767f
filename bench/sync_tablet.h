// One benchmark tablet: a field store enrolled with a hub, filled the way an
// officer's day fills it (visits saved in commits of 1-20 records, photos,
// later edits), and timed syncs of it. A Tablet is used by one thread at a
// time; creating one runs `sweep-hub enroll-code`, so do that on the main
// thread (see sync_process.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "sweep/field/store.h"
#include "sweep/field/sync_client.h"
#include "sync_hub.h"

namespace sweep::bench {

// Argon2id ops 1, 8 MiB: unlocking is not what this benchmark measures.
crypto::KdfParams BenchKdf();

struct Tablet {
  std::string dir;
  std::string device_id;
  std::unique_ptr<field::Store> store;
  std::vector<std::string> record_ids;  // in the order they were created
};

// Creates a store in `dir` for `officer`, unlocks it and enrolls it with `hub`.
Result<Tablet> NewEnrolledTablet(const HubServer& hub, const std::string& dir,
                                 const std::string& officer);

// Appends `n` new ~1 KB visits in commits of 1-20 records (sizes drawn from
// `seed`). `progress` may be null.
Status AppendVisits(Tablet* t, uint64_t n, uint64_t seed, Progress* progress);
// Appends one edit to each of `n` distinct existing records (record_id set),
// in commits of 1-20. REQUIRES: n <= t->record_ids.size().
Status AppendEdits(Tablet* t, uint64_t n, uint64_t seed);
// Adds `n` photos of `kb` KiB of random bytes each (Store::AddFile on a
// temporary file in `tmp_dir`, removed afterwards).
Status AddPhotos(Tablet* t, uint64_t n, uint64_t kb, uint64_t seed, const std::string& tmp_dir);

// Forwards to another Transport and counts what went through it.
// Not thread-safe, like the Transport it wraps.
class CountingTransport final : public field::Transport {
 public:
  explicit CountingTransport(std::unique_ptr<field::Transport> inner) : inner_(std::move(inner)) {}
  Result<field::HttpResponse> Post(const std::string& path, const std::string& body) override;
  uint64_t posts = 0;
  uint64_t no_answer = 0;  // transport failures (the client retries these itself)
  uint64_t not_ok = 0;     // HTTP answers other than 200

 private:
  std::unique_ptr<field::Transport> inner_;
};

// One timed field::Sync with the phases told apart by its progress reports.
struct SyncRun {
  field::SyncSummary summary;
  double seconds = 0;        // the whole Sync call
  double push_seconds = 0;   // start .. last "push" report (records acknowledged)
  double files_seconds = 0;  // last "push" report .. last "files" report
  uint64_t push_bytes = 0;   // request bytes sent during the push phase
  uint64_t files_bytes = 0;  // request bytes sent during the attachment phase
  // CPU seconds spent by the tablet (the syncing thread) and by the whole hub
  // process: in the push phase, in the attachment phase, and in all.
  double push_tablet_cpu = 0, push_hub_cpu = 0;
  double files_tablet_cpu = 0, files_hub_cpu = 0;
  double tablet_cpu = 0, hub_cpu = 0;
};
// `label` names the terminal progress line.
Result<SyncRun> TimedSync(Tablet* t, const HubServer& hub, const std::string& label);

// `runs` syncs with nothing new, each on a fresh connection as an evening
// reconnect would be. Fails if any of them pushes anything.
struct NoopRuns {
  std::vector<double> ms;
  std::vector<int> round_trips;
};
Result<NoopRuns> TimedNoopSyncs(Tablet* t, const std::string& url, uint64_t runs);

}  // namespace sweep::bench
