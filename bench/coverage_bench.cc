// coverage_bench: the hub's building register and coverage report at city
// scale, each beside a plain-SQLite baseline doing the bare minimum, in one
// run on one machine (docs/performance.md).
//
// Phase "import": a generated register of --units units (CSV, buildings of
// 2 stairwells × 6 floors × 4 units in the communities of 北湖区人民路街道),
// imported through RegisterService::ImportFile — the code `sweep-hub
// buildings import` runs: parse, normalise every address, diff against the
// register, one transaction — against plain SQLite inserting the same
// building and unit rows with prepared statements in one transaction.
//
// Phase "city": --city-units units and a visit for --visit-share of them,
// written straight through the HubStore batch methods (UpsertBuildings,
// ApplyLedger), then ComputeCoverage (what `sweep-hub coverage` runs after
// catching up) against one SQL GROUP BY over equivalent plain tables.
//
// Each phase runs in a child process so that its peak RSS is its own.
// Prints a table, then one JSON line per figure. Exit codes: 0 ok, 1 a
// measurement failed, 2 bad usage.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "bench_util.h"
#include "sweep/hub/coverage.h"
#include "sweep/hub/hub_store.h"
#include "sweep/hub/register.h"
#include "sweep/schema/address.h"
#include "sweep/sync/sqlite.h"

namespace sweep::bench {
namespace {

constexpr const char* kUsage = R"(usage: coverage_bench [options]

  --units N        units in the imported register              (default 100000)
  --city-units N   units of the city the report covers         (default 1000000)
  --visit-share F  share of the city's units with a visit      (default 0.7)
  --seed N         generator seed                              (default 1)
  --dir PATH       where the databases are created (default: $TMPDIR or /tmp)
  --help           this text

Output: a table and one JSON line per figure on stdout,
{"name":"coverage.report.hub","value":...,"unit":"units/s"}.
Exit codes: 0 ok, 1 a measurement failed, 2 bad usage.
)";

constexpr int kFloors = 6, kPerFloor = 4, kStairs = 2;
constexpr int kUnitsPerBuilding = kFloors * kPerFloor * kStairs;

struct Options {
  uint64_t units = 100'000, city_units = 1'000'000, seed = 1;
  double visit_share = 0.7;
  std::string dir;
};

std::vector<schema::Division> Communities() {
  std::vector<schema::Division> out;
  for (const schema::Division& d : schema::DivisionChildren("431002001")) {
    if (d.level == "community") out.push_back(d);
  }
  return out;
}

uint64_t Buildings(uint64_t units) { return (units + kUnitsPerBuilding - 1) / kUnitsPerBuilding; }

// The register file: one building per line, all in 北湖区.
std::string WriteRegister(const std::string& path, uint64_t units) {
  auto communities = Communities();
  std::ofstream out(path);
  out << "address,floors,units_per_floor,stairwells,units,type\n";
  for (uint64_t b = 0; b < Buildings(units); ++b) {
    const schema::Division& c = communities[b % communities.size()];
    out << "郴州市北湖区" << c.name << "和平路" << (b / 8 + 1) << "号" << (b % 8 + 1) << "栋,"
        << kFloors << "," << kPerFloor << "," << kStairs << ",,residential\n";
  }
  return path;
}

double PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

Status PlainPragmas(sql::Db* db) {
  return db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
}

// ------------------------------------------------------------------ import

Status PlainImport(const std::string& path, uint64_t units) {
  SWEEP_ASSIGN_OR_RETURN(auto db, sql::Db::Open(path, true));
  SWEEP_RETURN_IF_ERROR(PlainPragmas(db.get()));
  SWEEP_RETURN_IF_ERROR(db->Exec(
      "CREATE TABLE buildings(key TEXT PRIMARY KEY, address TEXT, floors INT, per_floor INT,"
      " stairs INT); CREATE TABLE units(building TEXT, unit TEXT, PRIMARY KEY(building, unit))"
      " WITHOUT ROWID;"));
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db.get()));
  SWEEP_ASSIGN_OR_RETURN(auto b, db->Prepare("INSERT INTO buildings VALUES(?, ?, ?, ?, ?)"));
  SWEEP_ASSIGN_OR_RETURN(auto u, db->Prepare("INSERT INTO units VALUES(?, ?)"));
  for (uint64_t i = 0; i < Buildings(units); ++i) {
    std::string key =
        "431002|和平路" + std::to_string(i / 8 + 1) + "号|" + std::to_string(i % 8 + 1);
    b.Bind(1, key)
        .Bind(2, key)
        .Bind(3, int64_t{kFloors})
        .Bind(4, int64_t{kPerFloor})
        .Bind(5, int64_t{kStairs});
    SWEEP_RETURN_IF_ERROR(b.Run());
    for (int s = 1; s <= kStairs; ++s) {
      for (int f = 1; f <= kFloors; ++f) {
        for (int k = 1; k <= kPerFloor; ++k) {
          u.Bind(1, key).Bind(2, std::to_string(s) + "-" + std::to_string(f * 100 + k));
          SWEEP_RETURN_IF_ERROR(u.Run());
        }
      }
    }
  }
  return tx->Commit();
}

Status ImportPhase(const Options& o, Report* report) {
  std::string dir = o.dir;
  std::string file = WriteRegister(dir + "/register.csv", o.units);
  uint64_t units = Buildings(o.units) * kUnitsPerBuilding;
  SWEEP_ASSIGN_OR_RETURN(auto store, hub::OpenSqliteHubStore(dir + "/import-hub.db"));
  hub::RegisterService reg(store.get(), Env::Default());
  Stopwatch hub_time;
  hub::ImportReport r;
  SWEEP_RETURN_IF_ERROR(reg.ImportFile(file, hub::RegisterFormat::kCsv, "431002", nullptr, &r));
  double hub_s = hub_time.Seconds();
  if (r.units_added != units) return Status::Internal("the import added the wrong number of units");
  Stopwatch plain_time;
  SWEEP_RETURN_IF_ERROR(PlainImport(dir + "/import-plain.db", o.units));
  double plain_s = plain_time.Seconds();
  Stopwatch again_time;
  SWEEP_RETURN_IF_ERROR(reg.ImportFile(file, hub::RegisterFormat::kCsv, "431002", nullptr, &r));
  double again_s = again_time.Seconds();
  if (r.unchanged != Buildings(o.units)) return Status::Internal("re-import changed buildings");
  report->Section("import of a " + std::to_string(units) + "-unit register (" +
                  std::to_string(Buildings(o.units)) + " buildings)");
  report->Add("coverage.import.hub", units / hub_s, "units/s", "sweep-hub buildings import");
  report->Add("coverage.import.plain", units / plain_s, "units/s", "plain SQLite inserts");
  report->Add("coverage.import.ratio", hub_s / plain_s, "x", "import time / plain time");
  report->Add("coverage.import.seconds", hub_s, "s", "import, wall time");
  report->Add("coverage.reimport.seconds", again_s, "s", "the same file again (all unchanged)");
  report->Add("coverage.import.rss", PeakRssMiB(), "MiB", "peak RSS of the phase");
  return Status::Ok();
}

// ------------------------------------------------------------------ city

hub::BuildingRow CityBuilding(uint64_t i, const schema::Division& community) {
  hub::BuildingRow b;
  b.key = "431002|和平路" + std::to_string(i / 8 + 1) + "号|" + std::to_string(i % 8 + 1);
  b.division_code = community.code;
  b.address.set_raw("郴州市北湖区" + community.name + "和平路" + std::to_string(i / 8 + 1) + "号" +
                    std::to_string(i % 8 + 1) + "栋");
  b.address.set_normalized_key(b.key + "||");
  b.type = "residential";
  b.floors = kFloors;
  b.units_per_floor = kPerFloor;
  b.stairwells = kStairs;
  for (int s = 1; s <= kStairs; ++s) {
    for (int f = 1; f <= kFloors; ++f) {
      for (int k = 1; k <= kPerFloor; ++k) {
        b.units.push_back({b.key, std::to_string(s) + "-" + std::to_string(f * 100 + k), {}});
      }
    }
  }
  return b;
}

// Writes the city through the HubStore batch methods and the same rows into
// the plain tables; returns the number of units checked this cycle.
Result<uint64_t> FillCity(hub::HubStore* store, sql::Db* plain, const Options& o, int64_t now,
                          int64_t cycle_start) {
  auto communities = Communities();
  std::mt19937_64 rng(o.seed);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(plain));
  SWEEP_ASSIGN_OR_RETURN(auto pu, plain->Prepare("INSERT INTO units VALUES(?, ?, ?)"));
  SWEEP_ASSIGN_OR_RETURN(auto pv, plain->Prepare("INSERT INTO visits VALUES(?, ?, ?, ?)"));
  hub::LedgerBatch visits;
  std::vector<hub::BuildingRow> batch;
  uint64_t checked = 0, n = 0;
  auto flush_visits = [&]() -> Status {
    SWEEP_ASSIGN_OR_RETURN(visits.expected_revision, store->PublicationRevision());
    SWEEP_RETURN_IF_ERROR(store->ApplyLedger(visits));
    visits.visits.clear();
    visits.visit_devices.clear();
    return Status::Ok();
  };
  for (uint64_t i = 0; i < Buildings(o.city_units); ++i) {
    const schema::Division& c = communities[i % communities.size()];
    batch.push_back(CityBuilding(i, c));
    for (const hub::UnitRow& u : batch.back().units) {
      pu.Bind(1, c.code).Bind(2, u.building_key).Bind(3, u.unit_key);
      SWEEP_RETURN_IF_ERROR(pu.Run());
      if (static_cast<double>(rng() % 10000) >= o.visit_share * 10000) continue;
      schema::ledger::Visit v;
      v.record_id = std::to_string(++n);
      v.version = 1;
      v.officer_id = "A" + std::to_string(1000 + i % 20);
      v.at_ms = now - static_cast<int64_t>(rng() % (40ull * 86'400'000));
      int kind = static_cast<int>(rng() % 10);
      v.status = kind < 6   ? v1::UNIT_STATUS_CHECKED
                 : kind < 8 ? v1::UNIT_STATUS_NO_ANSWER
                 : kind < 9 ? v1::UNIT_STATUS_REFUSED
                            : v1::UNIT_STATUS_VACANT;
      v.building_key = u.building_key;
      v.unit_key = u.unit_key;
      bool covers = (kind < 6 || kind == 9) && v.at_ms >= cycle_start;
      checked += covers;
      pv.Bind(1, u.building_key).Bind(2, u.unit_key).Bind(3, int64_t{v.status}).Bind(4, v.at_ms);
      SWEEP_RETURN_IF_ERROR(pv.Run());
      visits.visits.push_back(std::move(v));
      visits.visit_devices.push_back("bench");
      if (visits.visits.size() == 10000) SWEEP_RETURN_IF_ERROR(flush_visits());
    }
    if (batch.size() == 500) {
      SWEEP_RETURN_IF_ERROR(store->UpsertBuildings(batch, now));
      batch.clear();
    }
  }
  if (!batch.empty()) SWEEP_RETURN_IF_ERROR(store->UpsertBuildings(batch, now));
  if (!visits.visits.empty()) SWEEP_RETURN_IF_ERROR(flush_visits());
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return checked;
}

// The baseline: per community, units and units with a covering visit this cycle.
Result<uint64_t> PlainReport(sql::Db* db, int64_t cycle_start) {
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db->Prepare("SELECT community, count(*), sum(EXISTS(SELECT 1 FROM visits v"
                           " WHERE v.building=u.building AND v.unit=u.unit AND v.status IN (1, 4)"
                           " AND v.at >= ?)) FROM units u GROUP BY community"));
  st.Bind(1, cycle_start);
  uint64_t checked = 0;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return checked;
    checked += static_cast<uint64_t>(st.Int(2));
  }
}

Status CityPhase(const Options& o, Report* report) {
  SWEEP_ASSIGN_OR_RETURN(auto store, hub::OpenSqliteHubStore(o.dir + "/city-hub.db"));
  SWEEP_ASSIGN_OR_RETURN(auto plain, sql::Db::Open(o.dir + "/city-plain.db", true));
  SWEEP_RETURN_IF_ERROR(PlainPragmas(plain.get()));
  SWEEP_RETURN_IF_ERROR(plain->Exec(
      "CREATE TABLE units(community TEXT, building TEXT, unit TEXT, PRIMARY KEY(building, unit))"
      " WITHOUT ROWID; CREATE TABLE visits(building TEXT, unit TEXT, status INT, at INT);"
      " CREATE INDEX visits_by_unit ON visits(building, unit);"));
  int64_t now = Env::Default()->NowMillis();
  int64_t cycle_start = schema::ledger::CycleAt({}, now).start_ms;
  for (int i = 0; i < 3; ++i) {  // three beats of one community each, with an officer
    hub::BeatRow beat;
    beat.name = "beat" + std::to_string(i + 1);
    beat.communities = {Communities()[i].code};
    SWEEP_RETURN_IF_ERROR(store->CreateBeat(beat, now));
    SWEEP_RETURN_IF_ERROR(store->Assign(beat.name, "A" + std::to_string(1000 + i), now));
  }
  Stopwatch fill;
  SWEEP_ASSIGN_OR_RETURN(uint64_t checked, FillCity(store.get(), plain.get(), o, now, cycle_start));
  double fill_s = fill.Seconds();
  Stopwatch hub_time;
  SWEEP_ASSIGN_OR_RETURN(auto r, hub::ComputeCoverage(store.get(), Env::Default(), {}));
  double hub_s = hub_time.Seconds();
  Stopwatch plain_time;
  SWEEP_ASSIGN_OR_RETURN(uint64_t plain_checked, PlainReport(plain.get(), cycle_start));
  double plain_s = plain_time.Seconds();
  const hub::CoverageCounts& total = r.rows.back().counts;
  uint64_t units = Buildings(o.city_units) * kUnitsPerBuilding;
  if (total.units != units || total.checked != checked || plain_checked != checked) {
    return Status::Internal("the reports disagree: hub " + std::to_string(total.checked) +
                            " checked, plain " + std::to_string(plain_checked) + ", expected " +
                            std::to_string(checked));
  }
  report->Section("coverage report of a " + std::to_string(units) + "-unit city (" +
                  std::to_string(Buildings(o.city_units)) + " buildings, " +
                  std::to_string(static_cast<uint64_t>(o.visit_share * 100)) + "% visited)");
  report->Add("coverage.city.fill", fill_s, "s", "writing units and visits (both stores)");
  report->Add("coverage.report.hub.seconds", hub_s, "s", "ComputeCoverage (sweep-hub coverage)");
  report->Add("coverage.report.hub", units / hub_s, "units/s", "the ledger rules per unit");
  report->Add("coverage.report.plain.seconds", plain_s, "s", "one SQL GROUP BY (checked only)");
  report->Add("coverage.report.ratio", hub_s / plain_s, "x", "hub time / plain time");
  report->Add("coverage.report.rss", PeakRssMiB(), "MiB", "peak RSS of the phase");
  return Status::Ok();
}

// Runs `phase` in a child process (its own peak RSS); false if it failed.
template <typename F>
bool InChild(const char* name, F phase) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    Report report;
    Status st = phase(&report);
    if (!st.ok()) {
      std::fprintf(stderr, "coverage_bench: %s: %s\n", name, st.ToString().c_str());
      std::_Exit(1);
    }
    report.PrintTable(stdout);
    report.PrintJsonLines(stdout);
    std::fflush(stdout);
    std::_Exit(0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") return false;
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    try {
      if (a == "--units")
        o->units = std::stoull(v);
      else if (a == "--city-units")
        o->city_units = std::stoull(v);
      else if (a == "--visit-share")
        o->visit_share = std::stod(v);
      else if (a == "--seed")
        o->seed = std::stoull(v);
      else if (a == "--dir")
        o->dir = v;
      else
        return false;
    } catch (...) {
      return false;
    }
  }
  return o->units > 0 && o->city_units > 0 && o->visit_share >= 0 && o->visit_share <= 1;
}

}  // namespace
}  // namespace sweep::bench

int main(int argc, char** argv) {
  using namespace sweep::bench;
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const char* tmp = std::getenv("TMPDIR");
  auto dir = TempDir::Create(o.dir.empty() ? (tmp ? tmp : "/tmp") : o.dir);
  if (!dir.ok()) {
    std::fprintf(stderr, "coverage_bench: %s\n", dir.status().ToString().c_str());
    return 1;
  }
  o.dir = (*dir)->path();
  bool ok = InChild("import", [&](Report* r) { return ImportPhase(o, r); }) &&
            InChild("city", [&](Report* r) { return CityPhase(o, r); });
  return ok ? 0 : 1;
}
