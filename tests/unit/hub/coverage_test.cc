// The coverage report's numbers equal counts computed here, independently,
// from randomly generated visits (seed printed on failure; set
// SWEEP_TEST_SEED to re-run one), pushed through the store and caught up by
// the ledger as the sync path does. Then the three renderings.
#include "sweep/hub/coverage.h"

#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "ledger_fixture.h"
#include "sweep/hub/ledger_service.h"

using namespace sweep;
using namespace sweep::hub;
using namespace sweep::testing;

namespace {

constexpr int64_t kDay = 24 * 3600 * 1000;
constexpr int64_t kOffset = 8 * 3600 * 1000;        // UTC+8
constexpr int64_t kNov1 = 1761955200000 - kOffset;  // 2025-11-01 00:00 local
constexpr int64_t kAt = kNov1 + 28 * kDay - 1;      // end of 2025-11-28 local
const std::string kBeatA = "北湖<一>", kBeatB = "燕泉";

struct Building {
  std::string address, community;  // community code
  int floors, per_floor;
};
const std::vector<Building> kBuildings = {
    {"北湖区国庆北路社区国庆北路18号3栋", "431002001002", 6, 4},
    {"北湖区国庆北路社区国庆北路18号5栋", "431002001002", 5, 2},
    {"北湖区燕泉路社区燕泉小区1栋", "431002001009", 7, 3},
    {"北湖区北湖路社区华信大厦", "431002001001", 4, 3}};

struct GenVisit {
  int64_t at;
  v1::UnitStatus status;
  bool den;
  std::set<std::string> present;
  std::string id;
};

struct GenUnit {
  std::string community, address;
  std::vector<std::string> residents;
  std::vector<GenVisit> visits;
};

// What the test expects for one unit at kAt, by the rules of docs/ledger.md,
// computed without the ledger code.
CoverageCounts Expect(const GenUnit& u) {
  std::vector<GenVisit> v;
  for (const GenVisit& g : u.visits) {
    if (g.at <= kAt) v.push_back(g);
  }
  std::sort(v.begin(), v.end(), [](const GenVisit& a, const GenVisit& b) { return a.at < b.at; });
  auto covering = [](const GenVisit& g) {
    return g.status == v1::UNIT_STATUS_CHECKED || g.status == v1::UNIT_STATUS_VACANT;
  };
  CoverageCounts c;
  c.units = 1;
  bool den = false, covered = false;
  const GenVisit* last_check = nullptr;
  const GenVisit* last_failure = nullptr;
  for (const GenVisit& g : v) {
    if (g.den)
      den = true;
    else if (covering(g))
      den = false;
    if (covering(g)) last_check = &g;
    if (g.at < kNov1) continue;
    if (covering(g))
      covered = true;
    else
      last_failure = &g;
  }
  c.checked = covered;
  c.remaining = !covered;
  c.dens = den;
  if (!covered && last_failure != nullptr) {
    int64_t day = (last_failure->at + kOffset) / kDay;
    int64_t due = (day + 1 + 3) * kDay - kOffset;
    (kAt >= due ? c.revisits_overdue : c.revisits_due) = 1;
  }
  for (const std::string& r : u.residents) {
    if (last_check == nullptr || !last_check->present.count(r)) ++c.unaccounted;
  }
  return c;
}

std::vector<GenUnit> Generate(std::mt19937_64& rng) {
  std::vector<GenUnit> units;
  int n = 0;
  for (const Building& b : kBuildings) {
    for (int f = 1; f <= b.floors; ++f) {
      for (int k = 1; k <= b.per_floor; ++k) {
        GenUnit u;
        u.community = b.community;
        u.address = b.address + std::to_string(f * 100 + k) + "室";
        int residents = static_cast<int>(rng() % 3);
        for (int r = 0; r < residents; ++r)
          u.residents.push_back("住户" + std::to_string(n) + "号" + std::to_string(r));
        int visits = static_cast<int>(rng() % 4);
        for (int i = 0; i < visits; ++i) {
          GenVisit g;
          g.id = "v" + std::to_string(n) + "-" + std::to_string(i);
          // From mid October to 5 December: some before the cycle, some after kAt.
          g.at = kNov1 - 17 * kDay + static_cast<int64_t>(rng() % (52 * kDay / 1000)) * 1000 + i;
          int kind = static_cast<int>(rng() % 10);
          g.status = kind < 5   ? v1::UNIT_STATUS_CHECKED
                     : kind < 7 ? v1::UNIT_STATUS_NO_ANSWER
                     : kind < 9 ? v1::UNIT_STATUS_REFUSED
                                : v1::UNIT_STATUS_VACANT;
          g.den = kind == 0;
          if (g.status == v1::UNIT_STATUS_CHECKED) {
            for (const std::string& r : u.residents) {
              if (rng() % 2) g.present.insert(r);
            }
          }
          u.visits.push_back(g);
        }
        units.push_back(std::move(u));
        ++n;
      }
    }
  }
  return units;
}

std::string RegisterJsonl(const std::vector<GenUnit>& units) {
  std::string out;
  size_t i = 0;
  for (const Building& b : kBuildings) {
    out += "{\"address\":\"" + b.address + "\",\"floors\":" + std::to_string(b.floors) +
           ",\"unitsPerFloor\":" + std::to_string(b.per_floor) + ",\"residents\":{";
    bool first = true;
    for (int f = 1; f <= b.floors; ++f) {
      for (int k = 1; k <= b.per_floor; ++k, ++i) {
        if (units[i].residents.empty()) continue;
        out += std::string(first ? "" : ",") + "\"" + std::to_string(f * 100 + k) + "\":[";
        for (size_t r = 0; r < units[i].residents.size(); ++r) {
          out += std::string(r ? "," : "") + "{\"name\":\"" + units[i].residents[r] + "\"}";
        }
        out += "]";
        first = false;
      }
    }
    out += "}}\n";
  }
  return out;
}

const CoverageRow* Find(const CoverageReport& r, CoverageRow::Level level, const std::string& beat,
                        const std::string& key) {
  for (const CoverageRow& row : r.rows) {
    if (row.level != level) continue;
    if (level == CoverageRow::Level::kCommunity && row.beat == beat && row.community_code == key)
      return &row;
    if (level == CoverageRow::Level::kBeat && row.beat == beat) return &row;
    if (level == CoverageRow::Level::kOfficer && row.officers == key) return &row;
    if (level == CoverageRow::Level::kTotal) return &row;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("coverage report numbers equal counts computed from the generated visits") {
  uint64_t seed = std::getenv("SWEEP_TEST_SEED")
                      ? std::strtoull(std::getenv("SWEEP_TEST_SEED"), nullptr, 10)
                      : std::random_device{}();
  INFO("seed " << seed << " (SWEEP_TEST_SEED=" << seed << " re-runs it)");
  std::mt19937_64 rng(seed);
  std::vector<GenUnit> units = Generate(rng);

  TempDir dir;
  FakeEnv env;
  env.now_ms = kNov1 + 40 * kDay;  // December: visits after kAt exist
  auto store = OpenHubStore(dir.Sub("hub.db"));
  RegisterService reg(store.get(), &env);
  SetDefaultDivision(&reg, "431002");
  ImportReport report;
  REQUIRE(
      reg.ImportBuildings(RegisterJsonl(units), RegisterFormat::kJsonl, "gen", "", nullptr, &report)
          .ok());
  BeatMembers a, b;
  a.communities = {"国庆北路社区"};
  b.communities = {"燕泉路社区"};
  REQUIRE(reg.CreateBeat(kBeatA, a).ok());
  REQUIRE(reg.CreateBeat(kBeatB, b).ok());
  REQUIRE(reg.Assign(kBeatA, "A1001").ok());
  REQUIRE(reg.Assign(kBeatA, "B2002").ok());
  REQUIRE(reg.Assign(kBeatB, "B2002").ok());
  EnrollDevice(store.get(), "dev-a", "A1001", 1);
  std::vector<v1::Record> records;
  for (const GenUnit& u : units) {
    for (const GenVisit& g : u.visits) {
      std::vector<Occupant> occupants;
      for (const std::string& p : g.present) occupants.push_back({p, "", true});
      records.push_back(
          RentalVisit(g.id, 1, "A1001", u.address, g.status, g.at, occupants,
                      g.den ? std::vector<std::string>{"modem_pool"} : std::vector<std::string>{}));
    }
  }
  records.push_back(RentalVisit("x1", 1, "A1001", "3栋2单元", v1::UNIT_STATUS_CHECKED, kAt - 5));
  records.push_back(RentalVisit("x2", 1, "A1001", "北湖区国庆北路99号1栋101室",
                                v1::UNIT_STATUS_CHECKED, kAt - 6));
  PushRecords(store.get(), "dev-a", records);
  LedgerService ledger(store.get(), &env, {.batch_versions = 97, .log = false, .after_catch_up = {}});  // several steps
  REQUIRE(ledger.CatchUp().ok());

  std::map<std::string, CoverageCounts> by_community;
  CoverageCounts total;
  for (const GenUnit& u : units) {
    CoverageCounts c = Expect(u);
    by_community[u.community] += c;
    total += c;
  }
  CoverageOptions options;
  options.at_date = "2025-11-28";
  options.page = 17;  // many pages
  auto r = ComputeCoverage(store.get(), &env, options);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->cycle == "2025-11");
  CHECK(r->date == "2025-11-28");
  using L = CoverageRow::Level;
  auto row = Find(*r, L::kCommunity, kBeatA, "431002001002");
  REQUIRE(row);
  CHECK(row->counts == by_community["431002001002"]);
  CHECK(row->community == "国庆北路社区");
  CHECK(row->officers == "A1001, B2002");
  REQUIRE(Find(*r, L::kBeat, kBeatB, ""));
  CHECK(Find(*r, L::kBeat, kBeatB, "")->counts == by_community["431002001009"]);
  REQUIRE(Find(*r, L::kCommunity, "", "431002001001"));  // in no beat
  CHECK(Find(*r, L::kCommunity, "", "431002001001")->counts == by_community["431002001001"]);
  CoverageCounts b2002 = by_community["431002001002"];
  b2002 += by_community["431002001009"];
  REQUIRE(Find(*r, L::kOfficer, "", "B2002"));
  CHECK(Find(*r, L::kOfficer, "", "B2002")->counts == b2002);
  CHECK(Find(*r, L::kOfficer, "", "A1001")->counts == by_community["431002001002"]);
  CHECK(Find(*r, L::kTotal, "", "")->counts == total);
  CHECK(r->unresolved_visits == 1);
  CHECK(r->unregistered_visits == 1);
  REQUIRE(r->unresolved_reasons.size() == 1);

  SECTION("one beat only") {
    options.beat = kBeatB;
    auto one = ComputeCoverage(store.get(), &env, options);
    REQUIRE(one.ok());
    CHECK(Find(*one, L::kTotal, "", "")->counts == by_community["431002001009"]);
    CHECK_FALSE(Find(*one, L::kBeat, kBeatA, ""));
    options.beat = "nowhere";
    CHECK(ComputeCoverage(store.get(), &env, options).status().code() == Code::kNotFound);
  }
  SECTION("the three formats carry the numbers, escaped") {
    const CoverageCounts& t = total;
    std::string csv = RenderCoverage(*r, ReportFormat::kCsv, Lang::kEn);
    std::string line = "total,,,,," + std::to_string(t.units) + "," + std::to_string(t.checked) +
                       "," + std::to_string(t.remaining) + "," + std::to_string(t.revisits_due) +
                       "," + std::to_string(t.revisits_overdue) + "," + std::to_string(t.dens) +
                       "," + std::to_string(t.unaccounted) + ",";
    CHECK(csv.find("\n" + line + "\n") != std::string::npos);
    CHECK(csv.find("unresolved,,,") != std::string::npos);
    CHECK(csv.rfind("level,beat,", 0) == 0);
    std::string html = RenderCoverage(*r, ReportFormat::kHtml, Lang::kZh);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("北湖&lt;一&gt;") != std::string::npos);
    CHECK(html.find("北湖<一>") == std::string::npos);
    CHECK(html.find("http") == std::string::npos);  // no external assets
    CHECK(html.find("覆盖率报表") != std::string::npos);
    std::string table = RenderCoverage(*r, ReportFormat::kTable, Lang::kZh);
    CHECK(table.find("合计") != std::string::npos);
    CHECK(table.find(" " + std::to_string(t.units) + " ") != std::string::npos);
    CHECK(RenderCoverage(*r, ReportFormat::kTable, Lang::kEn).find("total") != std::string::npos);
  }
}
