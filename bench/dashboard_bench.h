// dashboard_bench (issue 6): how fast the two screens answer, over real
// HTTP on 127.0.0.1, each figure beside a baseline that computes the same
// answer without what the screen adds, in the same run.
//   dashboard_bench.cc        options, the run, the report
//   dashboard_bench_hub.cc    the station dashboard (hub::Server) over a
//                             simulated station's hub store
//   dashboard_bench_field.cc  the tablet screen (field::UiServer) over a
//                             field store with a beat's coverage
// What is measured and why: docs/performance.md "Screens: tablet and
// dashboard (issue 6)". Single-threaded apart from the servers' own threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_util.h"
#include "sweep/schema/status.h"

namespace sweep::bench {

struct ScreenOptions {
  // The station (hub side).
  int64_t visits = 20'000;  // simulated visits (a station's month by default)
  int64_t days = 30;        // the days they are spread over, ending today
  int64_t seed = 1;
  int64_t requests = 50;       // warm requests per route
  int64_t baseline_loads = 3;  // CaseService::Load runs of the baseline
  int64_t decisions = 3;       // den status changes over HTTP (and their next read)
  // The tablet.
  int64_t buildings = 40;        // of the officer's beat
  int64_t floors = 6;            // per building
  int64_t units_per_floor = 4;   // 6 × 4 = 24 units a building
  int64_t local_visits = 2'000;  // records on the tablet
  bool hub = true, tablet = true;
  std::string dir;  // parent of the temporary folder
};

// Median and 95th percentile of `ms` as "<name>.median_ms" / ".p95_ms".
void AddLatency(Report* report, const std::string& name, const std::string& label,
                const std::vector<double>& ms);
// Warm (over HTTP) against a baseline: both medians and their ratio.
void AddVersus(Report* report, const std::string& name, const std::string& label,
               const std::vector<double>& warm_ms, double baseline_ms);

// Peak resident memory of this process (VmHWM), and its reset.
double PeakRssMiB();
void ResetPeakRss();

// The phases; each adds its section to `report`. `dir` is a fresh folder.
Status RunDashboardPhase(const ScreenOptions& o, const std::string& dir, Report* report);
Status RunTabletPhase(const ScreenOptions& o, const std::string& dir, Report* report);

}  // namespace sweep::bench
