// dashboard_bench: how fast the screens of issue 6 answer at a station's and
// a district's scale (dashboard_bench.h; docs/performance.md "Screens").
//
// Dashboard: a simulated station (sim::Simulate: --visits visits over --days
// days ending today, with dens, suspects and the merge's review pairs) stored
// as the hub stores synced versions, the register imported, beats assigned,
// the ledger caught up and the merge run; a supervisor account. Baseline
// first, in-process: CaseService::Load (what `sweep-hub report`, `dens show`
// … run every time) plus each route's computation on the loaded view. Then
// the real hub::Server with its dashboard on 127.0.0.1, signed in over HTTP:
// the first request (the case view loaded), warm requests of every read
// route, and den status decisions with the read after each.
//
// Tablet: a field store holding a beat of --buildings buildings from the
// hub's feed and --local-visits local visits; field::UiServer in-process,
// unlocked over HTTP; GET /api/today, /api/building, POST /api/check and
// /api/records, each beside the same store calls made directly.
//
// Prints a table, then one JSON line per figure. Exit codes: 0 ok, 1 a step
// or a request failed (the message names it), 2 bad usage.
#include "dashboard_bench.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

namespace sweep::bench {
namespace {

constexpr const char* kUsage = R"(usage: dashboard_bench [options]

  --visits N          simulated station visits             (default 20000: a station's month)
  --days N            days they span, ending today          (default 30)
  --requests N        warm requests per route               (default 50)
  --baseline-loads N  CaseService::Load runs (baseline)     (default 3)
  --decisions N       den status changes over HTTP          (default 3)
  --buildings N       buildings of the tablet's beat        (default 40, 24 units each)
  --local-visits N    visits stored on the tablet           (default 2000)
  --only hub|tablet   run one side only
  --seed N            generator seed                        (default 1)
  --dir PATH          where the stores are created (default: $TMPDIR or /tmp)
  --smoke             tiny sizes, a few seconds (ctest): checks that everything runs
  --help              this text

Output: a table and one JSON line per figure on stdout,
{"name":"dashboard.dens.warm.median_ms","value":...,"unit":"ms"}; progress on stderr
when it is a terminal.
Exit codes: 0 ok, 1 a step or a request failed, 2 bad usage.
)";

void Smoke(ScreenOptions* o) {
  o->visits = 300;
  o->days = 3;
  o->requests = 5;
  o->baseline_loads = 1;
  o->decisions = 2;
  o->buildings = 4;
  o->local_visits = 60;
}

bool SetNumber(const std::string& name, const std::string& v, ScreenOptions* o) {
  const std::pair<const char*, int64_t*> numbers[] = {
      {"--visits", &o->visits},
      {"--days", &o->days},
      {"--requests", &o->requests},
      {"--baseline-loads", &o->baseline_loads},
      {"--decisions", &o->decisions},
      {"--buildings", &o->buildings},
      {"--local-visits", &o->local_visits},
      {"--seed", &o->seed},
  };
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  for (const auto& [option, field] : numbers) {
    if (name != option) continue;
    if (n <= 0 || *end != '\0') return false;
    *field = n;
    return true;
  }
  return false;
}

// 0: run; 1: --help shown; 2: bad usage (said on stderr).
int ParseArgs(int argc, char** argv, ScreenOptions* o) {
  for (int i = 1; i < argc; ++i) {  // --smoke first, so that later options override it
    if (std::string(argv[i]) == "--smoke") Smoke(o);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help") return std::fputs(kUsage, stdout), 1;
    if (a == "--smoke") continue;
    if (i + 1 >= argc) {
      std::fprintf(stderr, "dashboard_bench: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    const std::string v = argv[++i];
    bool ok = true;
    if (a == "--dir") {
      o->dir = v;
    } else if (a == "--only") {
      ok = v == "hub" || v == "tablet";
      o->hub = v == "hub";
      o->tablet = v == "tablet";
    } else {
      ok = SetNumber(a, v, o);
    }
    if (!ok) {
      std::fprintf(stderr, "dashboard_bench: bad option %s %s\n%s", a.c_str(), v.c_str(), kUsage);
      return 2;
    }
  }
  return 0;
}

}  // namespace

void AddLatency(Report* report, const std::string& name, const std::string& label,
                const std::vector<double>& ms) {
  report->Add(name + ".median_ms", Median(ms), "ms", label + ", median");
  report->Add(name + ".p95_ms", Percentile(ms, 95), "ms", label + ", p95");
}

void AddVersus(Report* report, const std::string& name, const std::string& label,
               const std::vector<double>& warm_ms, double baseline_ms) {
  AddLatency(report, name + ".warm", label + " over HTTP", warm_ms);
  report->Add(name + ".baseline_ms", baseline_ms, "ms", label + ", baseline");
  report->Add(name + ".ratio", Median(warm_ms) / baseline_ms, "x", label + ", HTTP / baseline");
}

double PeakRssMiB() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

void ResetPeakRss() {
  ::malloc_trim(0);  // what earlier phases freed leaves the count
  std::ofstream("/proc/self/clear_refs") << "5";
}

}  // namespace sweep::bench

int main(int argc, char** argv) {
  using namespace sweep::bench;
  ScreenOptions o;
  if (int rc = ParseArgs(argc, argv, &o); rc != 0) return rc == 1 ? 0 : 2;
  const char* tmp = std::getenv("TMPDIR");
  auto dir = TempDir::Create(o.dir.empty() ? (tmp ? tmp : "/tmp") : o.dir);
  if (!dir.ok()) {
    std::fprintf(stderr, "dashboard_bench: %s\n", dir.status().ToString().c_str());
    return 1;
  }
  Report report;
  sweep::Status st;
  if (o.tablet) st = RunTabletPhase(o, (*dir)->path(), &report);
  if (st.ok() && o.hub) st = RunDashboardPhase(o, (*dir)->path(), &report);
  report.PrintTable(stdout);
  report.PrintJsonLines(stdout);
  if (!st.ok()) {
    std::fprintf(stderr, "dashboard_bench: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
