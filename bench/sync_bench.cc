// sync_bench: the end-of-day sync measured against a real sweep-hub process
// on loopback, next to the CouchDB-protocol baseline (bench/pouchdb/) in the
// same run. See docs/performance.md "Sync (issue 3)".
//
// Phases: (1) one tablet's first sync of a day of visits and photos, (2)
// re-syncs with nothing new, (3) a re-sync after edits, (4) the PouchDB
// baseline as a child process, (5) a fleet of tablets syncing at once against
// one hub, checked afterwards in the hub's database. Prints a table, then one
// JSON line per figure. Exit codes: 0 ok, 1 failure, 2 usage, 3 baseline
// unavailable (the Sweep figures are still printed).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "sync_bench_options.h"
#include "sync_fleet.h"
#include "sync_hub.h"
#include "sync_pouchdb.h"
#include "sync_process.h"
#include "sync_tablet.h"

namespace sweep::bench {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoBaseline = 3;

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string Path(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

// ---------------------------------------------------------------- one tablet

struct SingleTablet {
  SyncRun push;
  NoopRuns noop;
  SyncRun edits;
  double hub_peak_rss_mb = 0;
};

Status CheckAtHub(const HubServer& hub, const Tablet& t, uint64_t versions, uint64_t files) {
  SWEEP_ASSIGN_OR_RETURN(auto at_hub, HubVersionsByDevice(hub.db()));
  const DeviceVersions v = at_hub.count(t.device_id) ? at_hub[t.device_id] : DeviceVersions{};
  if (v.count != versions || v.distinct_seq != versions) {
    return Status::Corruption("the hub holds " + std::to_string(v.count) + " versions (" +
                              std::to_string(v.distinct_seq) + " distinct seq) of the tablet; " +
                              "expected " + std::to_string(versions));
  }
  SWEEP_ASSIGN_OR_RETURN(uint64_t complete, HubCompleteFiles(hub.db()));
  if (complete != files) {
    return Status::Corruption("the hub holds " + std::to_string(complete) +
                              " complete attachments; expected " + std::to_string(files));
  }
  return Status::Ok();
}

// Phases 1-3 against one hub process.
Result<SingleTablet> RunSingleTablet(const Options& o, const std::string& dir) {
  SingleTablet r;
  SWEEP_ASSIGN_OR_RETURN(auto hub,
                         HubServer::Start(o.hub_bin, Path(dir, "hub.db"), Path(dir, "hub.log")));
  SWEEP_ASSIGN_OR_RETURN(Tablet t, NewEnrolledTablet(*hub, Path(dir, "tablet"), "A1001"));
  {
    Progress progress("saving visits (not timed)", o.records);
    SWEEP_RETURN_IF_ERROR(AppendVisits(&t, o.records, o.seed, &progress));
  }
  SWEEP_RETURN_IF_ERROR(AddPhotos(&t, o.photos, o.photo_kb, o.seed, dir));

  SWEEP_ASSIGN_OR_RETURN(r.push, TimedSync(&t, *hub, "end-of-day sync"));
  if (r.push.summary.pushed != o.records || r.push.summary.files != o.photos) {
    return Status::Internal("the end-of-day sync pushed " + std::to_string(r.push.summary.pushed) +
                            " versions and " + std::to_string(r.push.summary.files) +
                            " files; expected " + std::to_string(o.records) + " and " +
                            std::to_string(o.photos));
  }
  SWEEP_RETURN_IF_ERROR(CheckAtHub(*hub, t, o.records, o.photos));

  SWEEP_ASSIGN_OR_RETURN(r.noop, TimedNoopSyncs(&t, hub->url(), o.noop_runs));

  if (o.edits > 0) {
    SWEEP_RETURN_IF_ERROR(AppendEdits(&t, o.edits, o.seed));
    SWEEP_ASSIGN_OR_RETURN(r.edits, TimedSync(&t, *hub, "re-sync after edits"));
    if (r.edits.summary.pushed != o.edits) {
      return Status::Internal("the re-sync after edits pushed " +
                              std::to_string(r.edits.summary.pushed) + " versions; expected " +
                              std::to_string(o.edits));
    }
    SWEEP_RETURN_IF_ERROR(CheckAtHub(*hub, t, o.records + o.edits, o.photos));
  }
  SWEEP_ASSIGN_OR_RETURN(r.hub_peak_rss_mb, hub->PeakRssMb());
  SWEEP_RETURN_IF_ERROR(hub->Stop());
  return r;
}

// ---------------------------------------------------------------- report

double PerSecond(double n, double seconds) { return seconds > 0 ? n / seconds : 0; }

void ReportSingle(const Options& o, const SingleTablet& s, Report* report) {
  const SyncRun& p = s.push;
  report->Section("End-of-day sync: " + std::to_string(o.records) + " visits in commits of 1-20, " +
                  std::to_string(o.photos) + " photos of " + std::to_string(o.photo_kb) +
                  " KiB, one tablet -> sweep-hub on loopback");
  report->Add("sync.push.records_per_s", PerSecond(o.records, p.push_seconds), "records/s",
              "records phase: visits / time until the last push was acknowledged");
  report->Add("sync.push.mb_per_s", PerSecond(p.push_bytes / 1e6, p.push_seconds), "MB/s",
              "records phase: request bytes sent / time (1 MB = 1e6 B)");
  report->Add("sync.push.seconds", p.push_seconds, "s", "records phase");
  report->Add("sync.push.bytes_per_record", p.push_bytes / static_cast<double>(o.records), "B",
              "request bytes sent per visit (sealed, signed envelope)");
  report->Add("sync.push.tablet_cpu_s", p.push_tablet_cpu, "s", "records phase: tablet CPU");
  report->Add("sync.push.hub_cpu_s", p.push_hub_cpu, "s", "records phase: hub CPU (all threads)");
  report->Add("sync.photos.seconds", p.files_seconds, "s", "photo phase");
  report->Add("sync.photos.mb_per_s", PerSecond(p.files_bytes / 1e6, p.files_seconds), "MB/s",
              "photo phase: request bytes sent / time");
  report->Add("sync.photos.tablet_cpu_s", p.files_tablet_cpu, "s", "photo phase: tablet CPU");
  report->Add("sync.photos.hub_cpu_s", p.files_hub_cpu, "s", "photo phase: hub CPU");
  report->Add("sync.total.seconds", p.seconds, "s", "whole sync (records, photos, pull)");
  report->Add("sync.total.mb_per_s", PerSecond(p.summary.bytes_sent / 1e6, p.seconds), "MB/s",
              "whole sync: request bytes sent / time");
  report->Add("sync.push.round_trips", p.summary.round_trips, "requests", "whole sync");
  report->Add("sync.hub_peak_rss_mb", s.hub_peak_rss_mb, "MB",
              "hub VmHWM after phases 1-3 (one tablet)");

  report->Section("Re-sync with nothing new: median of " + std::to_string(o.noop_runs) +
                  " runs, each on a new connection");
  report->Add("sync.noop.ms", Median(s.noop.ms), "ms", "median");
  report->Add("sync.noop.p90_ms", Percentile(s.noop.ms, 90), "ms", "90th percentile");
  std::vector<double> trips(s.noop.round_trips.begin(), s.noop.round_trips.end());
  report->Add("sync.noop.round_trips", Percentile(trips, 100), "requests", "most in any run");

  if (o.edits == 0) return;
  report->Section("Re-sync after " + std::to_string(o.edits) +
                  " edits of existing records (commits of 1-20)");
  report->Add("sync.edits.seconds", s.edits.seconds, "s", "whole re-sync");
  report->Add("sync.edits.versions_per_s", PerSecond(o.edits, s.edits.seconds), "versions/s",
              "edited versions / re-sync time");
  report->Add("sync.edits.tablet_cpu_s", s.edits.tablet_cpu, "s", "tablet CPU");
  report->Add("sync.edits.hub_cpu_s", s.edits.hub_cpu, "s", "hub CPU");
}

std::string PouchLabel(const std::string& name) {
  if (name == "pouchdb.push.docs_per_s") return "PouchDB push: docs / push time";
  if (name == "pouchdb.push.mb_per_s") return "PouchDB push: doc JSON bytes / push time";
  if (name == "pouchdb.push.seconds") return "PouchDB push";
  if (name == "pouchdb.noop.ms") return "PouchDB no-op re-sync, median of 5";
  if (name == "pouchdb.edits.seconds") return "PouchDB re-sync after edits";
  if (name == "pouchdb.edits.docs_per_s") return "PouchDB edited docs / re-sync time";
  if (name == "pouchdb.doc.bytes") return "PouchDB mean doc JSON size";
  return "PouchDB";
}

void ReportPouch(const Options& o, const SingleTablet& s, const std::vector<Figure>& pouch,
                 Report* report) {
  report->Section("CouchDB-protocol baseline (PouchDB -> express-pouchdb, same run)");
  for (const Figure& f : pouch) report->Add(f.name, f.value, f.unit, PouchLabel(f.name));
  const double sweep_rps = PerSecond(o.records, s.push.push_seconds);
  const double sweep_noop = Median(s.noop.ms);
  if (auto docs = FigureValue(pouch, "pouchdb.push.docs_per_s"); docs && *docs > 0) {
    report->Add("sync.vs_pouchdb.push_ratio", sweep_rps / *docs, "x",
                "Sweep records/s / PouchDB docs/s (target >= 10)");
  }
  if (auto ms = FigureValue(pouch, "pouchdb.noop.ms"); ms && sweep_noop > 0) {
    report->Add("sync.vs_pouchdb.noop_speedup", *ms / sweep_noop, "x",
                "PouchDB no-op ms / Sweep no-op ms");
  }
  auto edits = FigureValue(pouch, "pouchdb.edits.docs_per_s");
  if (o.edits > 0 && edits && *edits > 0) {
    report->Add("sync.vs_pouchdb.edits_ratio", PerSecond(o.edits, s.edits.seconds) / *edits, "x",
                "Sweep versions/s / PouchDB docs/s after edits");
  }
}

void ReportFleet(const Options& o, const FleetResult& f, Report* report) {
  report->Section(std::to_string(o.tablets) + " tablets syncing at once, " +
                  std::to_string(o.fleet_records) + " records each, one hub (" +
                  std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs)");
  report->Add("sync.fleet.p50_ms", Percentile(f.sync_ms, 50), "ms", "per-tablet sync time, p50");
  report->Add("sync.fleet.p99_ms", Percentile(f.sync_ms, 99), "ms", "per-tablet sync time, p99");
  report->Add("sync.fleet.wall_s", f.wall_s, "s", "start signal .. last tablet done");
  report->Add("sync.fleet.versions_per_s", PerSecond(f.versions_at_hub, f.wall_s), "versions/s",
              "versions the hub received / wall time");
  report->Add("sync.fleet.versions", f.versions_at_hub, "versions",
              "at the hub afterwards, each exactly once (checked)");
  report->Add("sync.fleet.retries", f.retries, "syncs", "re-run after failing with Unavailable");
  report->Add("sync.fleet.requests", f.requests, "requests", "sent by all tablets");
  report->Add("sync.fleet.no_answer", f.no_answer, "requests",
              "transport failures, retried inside the client");
  report->Add("sync.fleet.hub_peak_rss_mb", f.hub_peak_rss_mb, "MB", "hub VmHWM after the run");
  report->Add("sync.fleet.setup_s", f.setup_s, "s",
              "creating, enrolling, filling the stores (not timed above)");
}

void PrintTargets(const Options& o, const SingleTablet& s, const std::vector<Figure>& pouch) {
  std::printf("Targets\n");
  const double sweep_rps = PerSecond(o.records, s.push.push_seconds);
  const double noop = Median(s.noop.ms);
  if (auto docs = FigureValue(pouch, "pouchdb.push.docs_per_s"); docs && *docs > 0) {
    std::printf("  push records/s >= 10x PouchDB docs/s: %s (%.1fx: %.0f vs %.0f)\n",
                sweep_rps / *docs >= 10 ? "met" : "MISSED", sweep_rps / *docs, sweep_rps, *docs);
  } else {
    std::printf("  push records/s >= 10x PouchDB docs/s: not compared (no baseline)\n");
  }
  std::string versus;
  if (auto pouch_noop = FigureValue(pouch, "pouchdb.noop.ms")) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "; PouchDB %.2f ms", *pouch_noop);
    versus = buf;
  }
  const int trips = s.noop.round_trips.empty() ? 0 : s.noop.round_trips.front();
  std::printf("  no-op re-sync faster than ~12 ms: %s (%.2f ms, %d round trip(s)%s)\n",
              noop < 12 ? "met" : "MISSED", noop, trips, versus.c_str());
  std::printf("\n");
}

// ---------------------------------------------------------------- main

int Fail(const char* what, const Status& s) {
  while (StoppingOnSignal()) std::this_thread::sleep_for(std::chrono::seconds(1));  // exits there
  std::fprintf(stderr, "sync_bench: %s failed: %s\n", what, s.ToString().c_str());
  return kExitFailure;
}

void PrintHeader(const Options& o) {
  std::printf(
      "sync_bench: records %llu, photos %llu x %llu KiB, edits %llu, no-op runs %llu, tablets "
      "%llu x %llu records, seed %llu, dir %s\n",
      static_cast<unsigned long long>(o.records), static_cast<unsigned long long>(o.photos),
      static_cast<unsigned long long>(o.photo_kb), static_cast<unsigned long long>(o.edits),
      static_cast<unsigned long long>(o.noop_runs), static_cast<unsigned long long>(o.tablets),
      static_cast<unsigned long long>(o.fleet_records), static_cast<unsigned long long>(o.seed),
      o.dir.c_str());
  std::printf("machine: %ld CPUs, %s; load average at start %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
              CpuModel().c_str(), LoadAverage().c_str());
  std::printf(
      "stores use Argon2id ops 1, 8 MiB: unlocking is not measured here (see store_bench)\n");
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  auto parsed = ParseOptions(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "sync_bench: %s\n(see sync_bench --help)\n",
                 parsed.status().message().c_str());
    return kExitUsage;
  }
  const Options& o = *parsed;
  if (o.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  InstallSignalCleanup(kExitFailure);
  PrintHeader(o);
  std::string no_baseline;
  if (o.pouchdb && !PouchDbAvailable(&no_baseline)) {
    std::fprintf(stderr,
                 "sync_bench: PouchDB baseline unavailable: %s. The Sweep figures follow; the "
                 "exit code will be 3 (--no-pouchdb skips the baseline on purpose)\n",
                 no_baseline.c_str());
  }
  auto root = TempDir::Create(o.dir);
  if (!root.ok()) return Fail("creating the temporary folder", root.status());
  RegisterCleanupDir((*root)->path());
  Report report;

  auto single = RunSingleTablet(o, Path((*root)->path(), ""));
  if (!single.ok()) return Fail("the single-tablet sync", single.status());
  ReportSingle(o, *single, &report);

  std::vector<Figure> pouch;
  if (o.pouchdb && no_baseline.empty()) {
    auto figures =
        RunPouchDb(o.pouchdb_script, o.records, o.edits, Path((*root)->path(), "pouchdb.log"));
    if (!figures.ok() && figures.status().code() != Code::kNotFound) {
      return Fail("the PouchDB baseline", figures.status());
    }
    if (!figures.ok()) no_baseline = figures.status().message();
    if (figures.ok()) pouch = *figures;
    if (!pouch.empty()) ReportPouch(o, *single, pouch, &report);
  }

  if (o.tablets > 0) {
    const std::string fleet_dir = Path((*root)->path(), "fleet");
    std::filesystem::create_directories(fleet_dir);
    auto fleet = RunFleet({o.tablets, o.fleet_records, o.seed, o.hub_bin, fleet_dir});
    if (!fleet.ok()) return Fail("the fleet sync", fleet.status());
    ReportFleet(o, *fleet, &report);
  }
  report.PrintTable(stdout);
  std::printf("load average at end %s\n\n", LoadAverage().c_str());
  PrintTargets(o, *single, pouch);
  report.PrintJsonLines(stdout);
  if (!no_baseline.empty()) {
    std::fprintf(stderr, "sync_bench: PouchDB baseline unavailable: %s\n", no_baseline.c_str());
    return kExitNoBaseline;
  }
  return 0;
}

}  // namespace
}  // namespace sweep::bench

int main(int argc, char** argv) { return sweep::bench::Main(argc, argv); }
