// casefile_bench: the case file (issue 5, docs/cases.md) at city scale —
// what `dens`, `suspects`, `graph` and `report` compute from every stored
// record before they answer.
//
// Data: sim::Simulate (streamed) until --mentions person mentions; the
// simulator's true persons stand in for the merge's entities.
//
// Phases, one process, side by side on the same records:
//   baseline  per record what the ledger and the merge already do:
//             schema::ledger::VisitOf + resolve::MentionsOf (addresses
//             normalised each time, as they are)
//   casefile  cases::CaseFile: AddVersion of every record, then Build()
//             (premises, persons with provenance, suspects, companies,
//             links, conflicts)
// Prints a table, then one JSON line per figure. Exit codes: 0 ok, 1 a step
// failed or a visited planted den is not suspected, 2 bad usage.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_util.h"
#include "sweep/hub/casefile.h"
#include "sweep/hub/resolver.h"
#include "sweep/hub/simulate.h"
#include "sweep/schema/ledger.h"

namespace sweep::bench {
namespace {

namespace sim = hub::sim;

constexpr const char* kUsage = R"(usage: casefile_bench [--mentions N] [--seed N] [--help]

  --mentions N   person mentions simulated (default 1000000)
  --seed N       generator seed            (default 1)

Output: a table and one JSON line per figure on stdout,
{"name":"casefile.build.seconds","value":...,"unit":"s"}.
Exit codes: 0 ok, 1 a step failed or a visited planted den is not suspected, 2 bad usage.
)";

long PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

int Main(int argc, char** argv) {
  sim::Options so;
  so.target_mentions = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help") return std::fputs(kUsage, stdout), 0;
    if (i + 1 >= argc || (a != "--mentions" && a != "--seed")) {
      std::fprintf(stderr, "casefile_bench: bad option %s\n%s", a.c_str(), kUsage);
      return 2;
    }
    (a == "--mentions" ? so.target_mentions : so.seed) = std::strtoull(argv[++i], nullptr, 10);
  }
  if (so.target_mentions == 0) return std::fputs(kUsage, stderr), 2;

  std::vector<v1::Record> records;
  std::unordered_map<std::string, std::string> entity;  // mention id → true person
  Stopwatch sim_watch;
  auto station = sim::Simulate(
      so, {},
      [&](const std::vector<v1::Record>& batch, const std::vector<sim::MentionTruth>& truth) {
        records.insert(records.end(), batch.begin(), batch.end());
        for (const auto& t : truth) entity[t.record_id + "/" + t.path] = t.person_id;
        return Status::Ok();
      });
  if (!station.ok()) {
    std::fprintf(stderr, "casefile_bench: %s\n", station.status().ToString().c_str());
    return 1;
  }
  const double sim_s = sim_watch.Seconds();
  const schema::AddressContext context{so.district};

  Stopwatch base_watch;
  size_t visits = 0, mentions = 0;
  for (const v1::Record& r : records) {
    if (schema::ledger::VisitOf(r, context)) ++visits;
    mentions += hub::resolve::MentionsOf(r, context).size();
  }
  const double base_s = base_watch.Seconds();

  const long rss_before = PeakRssKb();
  ResetPeakRss();
  hub::cases::CaseOptions options;
  options.address = context;
  Stopwatch cf_watch;
  hub::cases::CaseFile cf(options);
  for (const v1::Record& r : records) cf.AddVersion(r);
  cf.SetEntityOf([&](const std::string& m) {
    auto it = entity.find(m);
    return it == entity.end() ? std::string() : it->second;
  });
  hub::cases::CaseView view = cf.Build();
  const double cf_s = cf_watch.Seconds();
  const long rss_peak = PeakRssKb();

  // Planted dens the simulated visits reached must all be suspected.
  size_t missing = 0, reached = 0;
  for (const auto& d : station->dens) {
    auto key = schema::NormalizeAddress(d.unit_address, context).normalized_key();
    auto it = view.premises.find(key);
    if (it == view.premises.end()) continue;
    ++reached;
    if (it->second.status != hub::cases::DenStatus::kSuspected) ++missing;
  }

  Report report;
  report.Section("casefile_bench: the case file at " + std::to_string(mentions) + " mentions");
  report.Add("casefile.records", static_cast<double>(records.size()), "records", "records");
  report.Add("casefile.mentions", static_cast<double>(mentions), "mentions",
             "person mentions");
  report.Add("casefile.simulate.seconds", sim_s, "s", "simulate");
  report.Add("casefile.baseline.seconds", base_s, "s",
             "baseline: VisitOf + MentionsOf per record");
  report.Add("casefile.build.seconds", cf_s, "s", "case file: AddVersion + Build");
  report.Add("casefile.vs_baseline", cf_s / base_s, "x", "case file / baseline");
  report.Add("casefile.peak_rss", rss_peak / 1024.0, "MiB",
             "peak RSS during the case file (records held before)");
  report.Add("casefile.rss_before", rss_before / 1024.0, "MiB", "RSS before it");
  report.Add("casefile.premises", static_cast<double>(view.premises.size()), "premises",
             "premises");
  report.Add("casefile.persons", static_cast<double>(view.persons.size()), "persons", "persons");
  report.Add("casefile.links", static_cast<double>(view.links.size()), "links", "links");
  report.Add("casefile.dens_reached", static_cast<double>(reached), "dens",
             "planted dens the visits reached");
  report.Add("casefile.missing_dens", static_cast<double>(missing), "dens",
             "of them not suspected (must be 0)");
  report.PrintTable(stdout);
  std::fputs("\n", stdout);
  report.PrintJsonLines(stdout);
  return missing == 0 && visits > 0 ? 0 : 1;
}

}  // namespace
}  // namespace sweep::bench

int main(int argc, char** argv) { return sweep::bench::Main(argc, argv); }
