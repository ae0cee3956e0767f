// backup_bench: `sweep-hub backup` and `sweep-hub restore` against plain
// copies of the same hub database (backup_bench.h; docs/performance.md
// "Backups (issue 7)").
//
// The hub: a simulated station (sim::Simulate, --visits visits over --days
// days) stored as synced tablets leave it, the register imported, beats
// assigned, the ledger caught up and the merge run (the station builder of
// dashboard_bench); then closed, so its file is checkpointed.
//
// Rounds (--rounds, alternating which goes first), each on the same warm
// file: backup = the real `sweep-hub --db HUB backup` as a child process,
// beside SQLite's backup API into a file and a plain read/write copy;
// restore = the real `sweep-hub restore` of that backup, beside a plain
// copy of the database and a plain copy followed by `integrity_check`.
// Then the stages of one backup and restore in-process (the library calls
// the binary makes), and a writer committing while a backup runs.
//
// Prints a table, then one JSON line per figure. Exit codes: 0 ok, 1 a
// measurement or a check failed (the message names it), 2 bad usage.
#include "backup_bench.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>

#include "dashboard_bench.h"
#include "dashboard_bench_station.h"
#include "sweep/hub/backup.h"
#include "sweep/sync/secretstream.h"

namespace sweep::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

constexpr const char* kUsage = R"(usage: backup_bench [options]

  --visits N        simulated station visits                (default 20000: a station's month)
  --photos N        photos of 200 KiB stored with them      (default 500; 0: records only)
  --days N          days the visits span, ending today      (default 30)
  --rounds N        rounds of each backup and restore       (default 3)
  --idle-seconds S  each writer window without a backup     (default: a backup's time, >= 1 s)
  --writer-gap-ms M the writer's pause after each commit    (default 0: back to back)
  --seed N          generator seed                          (default 1)
  --hub PATH        the sweep-hub binary                    (default: the one built with this)
  --dir PATH        where the hub and the copies go         (default: $TMPDIR or /tmp;
                    the disk to measure, not a tmpfs)
  --smoke           tiny sizes, a few seconds (ctest): checks that everything runs
  --help            this text

Output: a table and one JSON line per figure on stdout,
{"name":"backup.sweep.mib_per_s","value":...,"unit":"MiB/s"}; progress on stderr
when it is a terminal.
Exit codes: 0 ok, 1 a measurement or a check failed, 2 bad usage.
)";

// 0: run; 1: --help shown; 2: bad usage (said on stderr).
int ParseArgs(int argc, char** argv, BackupBenchOptions* o) {
  for (int i = 1; i < argc; ++i) {  // --smoke first, so that later options override it
    if (std::string(argv[i]) != "--smoke") continue;
    o->visits = 300;
    o->days = 3;
    o->photos = 5;
    o->rounds = 1;
    o->idle_seconds = 0.5;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help") return std::fputs(kUsage, stdout), 1;
    if (a == "--smoke") continue;
    if (i + 1 >= argc) {
      std::fprintf(stderr, "backup_bench: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    const std::string v = argv[++i];
    char* end = nullptr;
    const double n = std::strtod(v.c_str(), &end);
    const bool number = *end == '\0' && n > 0;
    bool ok = true;
    if (a == "--dir") {
      o->dir = v;
    } else if (a == "--hub") {
      o->hub_bin = v;
    } else if (a == "--idle-seconds") {
      ok = number;
      o->idle_seconds = n;
    } else if (a == "--writer-gap-ms") {
      ok = *end == '\0' && n >= 0;
      o->writer_gap_ms = n;
    } else if (a == "--visits" || a == "--days" || a == "--rounds" || a == "--seed" ||
               a == "--photos") {
      const bool whole = *end == '\0' && n == static_cast<double>(static_cast<int64_t>(n));
      ok = whole && (n > 0 || (a == "--photos" && n == 0));
      int64_t* field = a == "--visits"   ? &o->visits
                       : a == "--days"   ? &o->days
                       : a == "--rounds" ? &o->rounds
                       : a == "--photos" ? &o->photos
                                         : &o->seed;
      *field = static_cast<int64_t>(n);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "backup_bench: bad option %s %s\n%s", a.c_str(), v.c_str(), kUsage);
      return 2;
    }
  }
  return 0;
}

// The seconds of each operation in each round, by name.
struct Timings {
  std::vector<std::pair<std::string, std::vector<double>>> ops;
  std::vector<double>& Of(const std::string& name) {
    for (auto& [n, v] : ops) {
      if (n == name) return v;
    }
    ops.push_back({name, {}});
    return ops.back().second;
  }
};

using Op = std::pair<std::string, std::function<Result<double>()>>;

// Runs `ops` in order (reversed in odd rounds) and files their seconds.
Status RunRound(std::vector<Op> ops, int64_t round, Timings* t) {
  if (round % 2 == 1) std::reverse(ops.begin(), ops.end());
  for (auto& [name, op] : ops) {
    SWEEP_ASSIGN_OR_RETURN(double s, op());
    t->Of(name).push_back(s);
  }
  return Status::Ok();
}

// Median over the rounds of a / b, with a and b the seconds of the same
// round: > 1 means a took longer than b.
double MedianRatio(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> r;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) r.push_back(a[i] / b[i]);
  return Median(r);
}

struct Hub {
  std::string dir, db, key, log;
  uint64_t size = 0;  // bytes of the database (checkpointed, no -wal)
  StationFigures station;
  double build_s = 0;
};

Status BuildHub(const BackupBenchOptions& o, Hub* hub) {
  ScreenOptions so;
  so.visits = o.visits;
  so.days = o.days;
  so.seed = o.seed;
  Stopwatch watch;
  {
    SWEEP_ASSIGN_OR_RETURN(auto service, BuildStation(so, hub->dir, &hub->station));
    SWEEP_RETURN_IF_ERROR(AddPhotos(service->store(), o.photos, static_cast<uint64_t>(o.seed)));
  }  // closed: checkpointed, -wal removed
  hub->build_s = watch.Seconds();
  hub->size = FileSize(hub->db);
  if (hub->size == 0) return Status::Internal("no hub database at " + hub->db);
  SWEEP_ASSIGN_OR_RETURN(auto k,
                         RunChild({o.hub_bin, "backup-key", "new", "--out", hub->key}, hub->log));
  (void)k;
  return Status::Ok();
}

// Every round: three backups, then three restores of the round's backup.
Status RunRounds(const BackupBenchOptions& o, const Hub& h, Timings* t,
                 std::vector<ChildRun>* backups, std::vector<ChildRun>* restores,
                 uint64_t* backup_file_size) {
  const std::string file = h.dir + "/hub.sweepbk", api = h.dir + "/api-copy.db",
                    copy = h.dir + "/file-copy.db", restored = h.dir + "/restored.db",
                    checked = h.dir + "/checked-copy.db";
  Progress progress("rounds", static_cast<uint64_t>(o.rounds));
  for (int64_t r = 0; r < o.rounds; ++r) {
    progress.Update(static_cast<uint64_t>(r));
    std::vector<Op> backup_ops = {
        {"backup.baseline.sqlite_backup", [&] { return SqliteBackupToFile(h.db, api); }},
        {"backup.baseline.file_copy", [&] { return CopyFile(h.db, copy); }},
        {"backup.sweep", [&]() -> Result<double> {
           SWEEP_ASSIGN_OR_RETURN(
               auto run,
               RunChild({o.hub_bin, "--db", h.db, "backup", "--key", h.key, file}, h.log));
           backups->push_back(run);
           return run.seconds;
         }}};
    SWEEP_RETURN_IF_ERROR(RunRound(backup_ops, r, t));
    *backup_file_size = FileSize(file);
    RemoveDatabase(api);
    RemoveDatabase(copy);
    std::vector<Op> restore_ops = {
        {"restore.baseline.file_copy", [&] { return CopyFile(h.db, copy); }},
        {"restore.baseline.copy_check",
         [&]() -> Result<double> {
           SWEEP_ASSIGN_OR_RETURN(double c, CopyFile(h.db, checked));
           SWEEP_ASSIGN_OR_RETURN(double i, IntegrityCheck(checked));
           return c + i;
         }},
        {"restore.sweep", [&]() -> Result<double> {
           SWEEP_ASSIGN_OR_RETURN(
               auto run,
               RunChild({o.hub_bin, "--db", restored, "restore", "--key", h.key, file}, h.log));
           restores->push_back(run);
           return run.seconds;
         }}};
    SWEEP_RETURN_IF_ERROR(RunRound(restore_ops, r, t));
    for (const auto& f : {copy, checked, restored}) RemoveDatabase(f);
    ::unlink(file.c_str());
  }
  return Status::Ok();
}

double MedianOf(const std::vector<ChildRun>& runs, double ChildRun::*field) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(r.*field);
  return Median(v);
}

void ReportHub(const BackupBenchOptions& o, const Hub& h, Report* report) {
  report->Section("The hub (built, not timed as a figure)");
  report->Add("backup.hub.visits", static_cast<double>(h.station.visits), "visits",
              "simulated visits stored");
  report->Add("backup.hub.photos", static_cast<double>(o.photos), "photos",
              "photos of 200 KiB stored");
  report->Add("backup.hub.db_mib", static_cast<double>(h.size) / kMiB, "MiB",
              "database file (checkpointed)");
  report->Add("backup.hub.build_s", h.build_s, "s", "building it");
  report->Add("backup.hub.merge_s", h.station.merge_s, "s", "  of which the merge");
  report->Add("backup.rounds", static_cast<double>(o.rounds), "rounds", "rounds of each operation");
}

void ReportBackup(const Hub& h, Timings& t, const std::vector<ChildRun>& runs, uint64_t file_size,
                  const ChildRun& floor, Report* report) {
  const double mib = static_cast<double>(h.size) / kMiB;
  auto& api = t.Of("backup.baseline.sqlite_backup");
  auto& copy = t.Of("backup.baseline.file_copy");
  auto& sweep = t.Of("backup.sweep");
  report->Section("Backup (median of the rounds; MiB of the database per second of wall time)");
  report->Add("backup.baseline.sqlite_backup.mib_per_s", mib / Median(api), "MiB/s",
              "baseline: sqlite3_backup into a file");
  report->Add("backup.baseline.file_copy.mib_per_s", mib / Median(copy), "MiB/s",
              "baseline: read + write + fsync");
  report->Add("backup.sweep.mib_per_s", mib / Median(sweep), "MiB/s",
              "sweep-hub backup, whole process");
  report->Add("backup.sweep.seconds", Median(sweep), "s", "sweep-hub backup, wall time");
  report->Add("backup.sweep.cpu_s", MedianOf(runs, &ChildRun::cpu_seconds), "s",
              "sweep-hub backup, CPU (user + system)");
  report->Add("backup.sweep.ratio", MedianRatio(sweep, api), "x",
              "backup time / sqlite3_backup time");
  report->Add("backup.sweep.ratio_file_copy", MedianRatio(sweep, copy), "x",
              "backup time / plain copy time");
  report->Add("backup.sweep.peak_rss_mib", MedianOf(runs, &ChildRun::peak_rss_mib), "MiB",
              "sweep-hub backup, peak RSS");
  report->Add("backup.floor.peak_rss_mib", floor.peak_rss_mib, "MiB",
              "sweep-hub devices (same open), peak RSS");
  report->Add("backup.floor.seconds", floor.seconds, "s", "sweep-hub devices, wall time");
  report->Add("backup.sweep.rss_over_db",
              (MedianOf(runs, &ChildRun::peak_rss_mib) - floor.peak_rss_mib) / mib, "x",
              "(backup peak RSS − floor) / database size");
  report->Add("backup.file.mib", static_cast<double>(file_size) / kMiB, "MiB", "backup file");
  report->Add("backup.file.overhead_bytes", static_cast<double>(file_size - h.size), "bytes",
              "backup file − database");
  report->Add("backup.file.overhead_pct",
              100.0 * static_cast<double>(file_size - h.size) / static_cast<double>(h.size), "%",
              "size overhead");
}

void ReportRestore(const Hub& h, Timings& t, const std::vector<ChildRun>& runs, Report* report) {
  const double mib = static_cast<double>(h.size) / kMiB;
  auto& copy = t.Of("restore.baseline.file_copy");
  auto& checked = t.Of("restore.baseline.copy_check");
  auto& sweep = t.Of("restore.sweep");
  report->Section("Restore (median of the rounds)");
  report->Add("restore.baseline.file_copy.mib_per_s", mib / Median(copy), "MiB/s",
              "baseline: read + write + fsync");
  report->Add("restore.baseline.copy_check.mib_per_s", mib / Median(checked), "MiB/s",
              "baseline: copy, then integrity_check");
  report->Add("restore.baseline.integrity_check_s", Median(checked) - Median(copy), "s",
              "integrity_check alone (difference)");
  report->Add("restore.sweep.mib_per_s", mib / Median(sweep), "MiB/s",
              "sweep-hub restore, whole process");
  report->Add("restore.sweep.seconds", Median(sweep), "s", "sweep-hub restore, wall time");
  report->Add("restore.sweep.cpu_s", MedianOf(runs, &ChildRun::cpu_seconds), "s",
              "sweep-hub restore, CPU (user + system)");
  report->Add("restore.sweep.ratio", MedianRatio(sweep, copy), "x",
              "restore time / plain copy time");
  report->Add("restore.sweep.ratio_copy_check", MedianRatio(sweep, checked), "x",
              "restore time / copy + integrity_check");
  report->Add("restore.sweep.peak_rss_mib", MedianOf(runs, &ChildRun::peak_rss_mib), "MiB",
              "sweep-hub restore, peak RSS");
}

void ReportStages(const StageTimes& s, Report* report) {
  report->Section("Stages of one backup and restore, in-process (WriteBackup, RestoreBackup)");
  report->Add("backup.stage.total_s", s.backup_s, "s", "WriteBackup");
  report->Add("backup.stage.snapshot_s", s.snapshot_s, "s", "  pages into the memdb image");
  report->Add("backup.stage.encrypt_write_s", s.encrypt_write_s, "s",
              "  serialise, encrypt, write");
  report->Add("backup.stage.sync_s", s.backup_sync_s, "s", "  fsync, rename, fsync folder");
  report->Add("restore.stage.total_s", s.restore_s, "s", "RestoreBackup");
  report->Add("restore.stage.decrypt_write_s", s.decrypt_write_s, "s", "  read, decrypt, write");
  report->Add("restore.stage.check_s", s.restore_check_s, "s",
              "  fsync, open as hub, integrity_check, counts, rename");
}

void ReportWriter(const WriterFigures& w, Report* report) {
  report->Section(
      "A writer committing one version per transaction: windows without a backup, "
      "then during one (all rounds)");
  report->Add("backup.writer.idle.commits_per_s", w.idle.commits_per_s, "commits/s",
              "without a backup");
  report->Add("backup.writer.during.commits_per_s", w.during.commits_per_s, "commits/s",
              "during sweep-hub backup");
  report->Add("backup.writer.ratio", w.during.commits_per_s / w.idle.commits_per_s, "x",
              "during / without");
  report->Add("backup.writer.idle.p99_ms", w.idle.p99_ms, "ms", "commit p99, without");
  report->Add("backup.writer.during.p99_ms", w.during.p99_ms, "ms", "commit p99, during");
  report->Add("backup.writer.idle.max_ms", w.idle.max_ms, "ms", "longest commit, without");
  report->Add("backup.writer.during.max_ms", w.during.max_ms, "ms", "longest commit, during");
  report->Add("backup.writer.idle_s", w.idle.seconds, "s", "time without a backup");
  report->Add("backup.writer.during_s", w.during.seconds, "s", "time during backups");
  report->Add("backup.writer.backup_s", MedianOf(w.backups, &ChildRun::seconds), "s",
              "sweep-hub backup with the writer, median");
  double longest = 0;
  for (const ChildRun& b : w.backups) longest = std::max(longest, b.seconds);
  report->Add("backup.writer.backup_max_s", longest, "s", "  the longest");
  report->Add("backup.writer.backups", static_cast<double>(w.backups.size()), "backups",
              "backups that succeeded");
  report->Add("backup.writer.unavailable", static_cast<double>(w.unavailable.size()), "backups",
              "backups that could not start (exit 10)");
  report->Add("backup.writer.unavailable_s",
              w.unavailable.empty() ? 0.0 : MedianOf(w.unavailable, &ChildRun::seconds), "s",
              "  each waited, median");
  report->Add("backup.writer.committed_at_start", static_cast<double>(w.committed_at_start),
              "versions", "last backup: committed when it started");
  report->Add("backup.writer.in_backup", static_cast<double>(w.in_backup), "versions",
              "  in its restore (checked between)");
  report->Add("backup.writer.committed_at_end", static_cast<double>(w.committed_at_end), "versions",
              "  committed when it ended");
}

Status Run(BackupBenchOptions o, const std::string& dir, Report* report) {
  Hub h;
  h.dir = dir;
  h.db = dir + "/hub.db";
  h.key = dir + "/backup.key";
  h.log = dir + "/hub.log";
  SWEEP_RETURN_IF_ERROR(BuildHub(o, &h));
  ReportHub(o, h, report);

  SWEEP_ASSIGN_OR_RETURN(ChildRun floor, RunChild({o.hub_bin, "--db", h.db, "devices"}, h.log));
  Timings t;
  std::vector<ChildRun> backups, restores;
  uint64_t file_size = 0;
  SWEEP_RETURN_IF_ERROR(RunRounds(o, h, &t, &backups, &restores, &file_size));
  const uint64_t chunks = (h.size + hub::kBackupChunkSize - 1) / hub::kBackupChunkSize;
  if (file_size != hub::kBackupHeaderSize + h.size + chunks * crypto::kStreamOverhead) {
    return Status::Internal("the backup file has " + std::to_string(file_size) +
                            " bytes, not 128 + size + 17 per chunk (docs/hub-storage.md)");
  }
  ReportBackup(h, t, backups, file_size, floor, report);
  ReportRestore(h, t, restores, report);

  StageTimes stages;
  SWEEP_RETURN_IF_ERROR(RunStages(h.db, h.key, dir, &stages));
  ReportStages(stages, report);

  if (o.idle_seconds <= 0) o.idle_seconds = std::max(1.0, Median(t.Of("backup.sweep")));
  WriterFigures w;
  SWEEP_RETURN_IF_ERROR(RunWriterPhase(o, h.db, h.key, dir, &w));
  ReportWriter(w, report);
  if (!w.unavailable.empty()) {
    std::fprintf(stderr,
                 "backup_bench: %zu of %lld backups under the writer could not start "
                 "(exit code 10: the database stayed locked while sweep-hub opened it)\n",
                 w.unavailable.size(), static_cast<long long>(o.rounds));
  }
  return Status::Ok();
}

}  // namespace
}  // namespace sweep::bench

int main(int argc, char** argv) {
  using namespace sweep::bench;
  BackupBenchOptions o;
  o.hub_bin = SWEEP_HUB_BIN;
  if (int rc = ParseArgs(argc, argv, &o); rc != 0) return rc == 1 ? 0 : 2;
  const char* tmp = std::getenv("TMPDIR");
  auto dir = TempDir::Create(o.dir.empty() ? (tmp ? tmp : "/tmp") : o.dir);
  if (!dir.ok()) {
    std::fprintf(stderr, "backup_bench: %s\n", dir.status().ToString().c_str());
    return 1;
  }
  Report report;
  sweep::Status st = Run(o, (*dir)->path(), &report);
  report.PrintTable(stdout);
  report.PrintJsonLines(stdout);
  if (!st.ok()) {
    std::fprintf(stderr, "backup_bench: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
