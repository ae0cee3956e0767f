// backup_bench (issue 7): what `sweep-hub backup` and `sweep-hub restore`
// cost against plain copies of the same database, measured side by side in
// one run, and whether a backup blocks the hub's writers.
//   backup_bench.cc      options, the run, the report
//   backup_bench_ops.cc  the timed operations: the real binary as a child
//                        process (wall time, CPU, peak RSS from /proc), the plain
//                        baselines, the in-process stage timings, and a
//                        writer thread committing while a backup runs
// What is measured and why: docs/performance.md "Backups (issue 7)".
// Single-threaded apart from the writer thread of RunWriterPhase.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_util.h"
#include "sweep/hub/hub_store.h"
#include "sweep/schema/status.h"

namespace sweep::bench {

struct BackupBenchOptions {
  int64_t visits = 20'000;  // simulated station visits: a station's month
  int64_t days = 30;
  int64_t photos = 500;  // of 200 KiB each
  int64_t seed = 1;
  int64_t rounds = 3;        // rounds of every backup and restore operation
  double idle_seconds = 0;   // writer window without a backup; 0: as long as a backup
  double writer_gap_ms = 0;  // the writer's pause after each commit
  std::string hub_bin;       // the sweep-hub binary
  std::string dir;           // parent of the temporary folder
};

// One run of a child process to its end.
struct ChildRun {
  int exit_code = -1;
  double seconds = 0;       // wall time, spawn to reaped
  double cpu_seconds = 0;   // user + system
  double peak_rss_mib = 0;  // VmHWM of the child, sampled (RunChild)
};

// Runs argv (stdin /dev/null, stdout and stderr appended to `log`). Unless
// `any_exit_code`, an exit code other than 0 is an error naming the command
// and the log's tail.
Result<ChildRun> RunChild(const std::vector<std::string>& argv, const std::string& log,
                          bool any_exit_code = false);

// Baselines; each returns its wall time in seconds.
// The whole database through SQLite's backup API into a new file on disk
// (one step, SQLite's own commit and fsync).
Result<double> SqliteBackupToFile(const std::string& from, const std::string& to);
// read() + write() in 1 MiB blocks, then fsync.
Result<double> CopyFile(const std::string& from, const std::string& to);
// PRAGMA integrity_check over `path` (what a restore checks).
Result<double> IntegrityCheck(const std::string& path);

// `photos` photos of 200 KiB (random bytes, as incompressible as JPEG), each
// stored as a sync upload leaves it: registered, one chunk, complete.
Status AddPhotos(hub::HubStore* store, int64_t photos, uint64_t seed);

uint64_t FileSize(const std::string& path);
void RemoveDatabase(const std::string& path);  // with -wal, -shm, -journal

// Where the time of one in-process backup and restore goes (the library
// calls the binary makes, timed through their progress callbacks).
struct StageTimes {
  double backup_s = 0, snapshot_s = 0, encrypt_write_s = 0, backup_sync_s = 0;
  double restore_s = 0, decrypt_write_s = 0, restore_check_s = 0;
};
Status RunStages(const std::string& db, const std::string& key, const std::string& dir,
                 StageTimes* out);

// A writer thread commits one record version per durable transaction
// (HubStore::AppendVersions, as a sync push stores it) while, --rounds
// times, a window of `idle_seconds` without a backup is followed by a
// `sweep-hub backup`; the last backup that succeeded is then restored and must hold the
// writer's versions 1..k, k between what was committed when it started and
// when it ended.
struct WriterWindow {
  double seconds = 0;  // all windows of the kind together
  uint64_t commits = 0;
  double commits_per_s = 0, p99_ms = 0, max_ms = 0;
};
struct WriterFigures {
  WriterWindow idle, during;
  std::vector<ChildRun> backups;      // that succeeded
  std::vector<ChildRun> unavailable;  // ended with exit code 10 (could not start)
  uint64_t committed_at_start = 0, committed_at_end = 0, in_backup = 0;  // the last backup
};
Status RunWriterPhase(const BackupBenchOptions& o, const std::string& db, const std::string& key,
                      const std::string& dir, WriterFigures* out);

}  // namespace sweep::bench
