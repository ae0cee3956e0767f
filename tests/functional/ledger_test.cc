// The coverage ledger end to end with the real binaries on loopback: the
// station imports a register and makes a beat in 北湖区, assigns it, the
// tablet receives its buildings at sync, records rental checks (checked, no
// answer, refused, vacant, den indicators, a registered resident missing),
// syncs them, and `sweep-hub coverage --format csv` gives the numbers this
// test counts itself; unassigning the beat empties the tablet's view.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/process.h"

using namespace sweep::testing;

namespace {

const std::string kField = SWEEP_FIELD_BIN;
const std::string kHub = SWEEP_HUB_BIN;
const std::string kRegister = std::string(SWEEP_SOURCE_DIR) + "/docs/examples/buildings.jsonl";
const std::string kPin = "246810\n";

struct Tablet {
  std::string store;
  RunResult Cmd(std::vector<std::string> args) const {
    std::vector<std::string> argv = {kField, "--store", store, "--pin-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, kPin);
  }
};

// One visit the tablet records, and what the register says of its unit.
struct Visit {
  std::string address;  // room address as an officer types it
  std::string unit;     // "<building>|<unit>" for counting distinct units
  std::string status;   // UNIT_STATUS_…
  std::vector<std::pair<std::string, bool>> occupants;  // name, present
  std::string indicator;                                // "" or a den indicator code
};

const std::string k3 = "北湖区国庆北路社区国庆北路18号3栋",
                  k5 = "北湖区国庆北路社区国庆北路18号5栋", kY1 = "北湖区燕泉路社区燕泉小区1栋";

const std::vector<Visit> kVisits = {
    {k3 + "2单元502室", "3|2-502", "UNIT_STATUS_CHECKED", {{"曹宇航", true}}, ""},
    {k3 + "1单元101室", "3|1-101", "UNIT_STATUS_CHECKED", {}, "simbox_goip"},
    {k5 + "1单元101室", "5|1-101", "UNIT_STATUS_CHECKED", {{"刘海涛", true}}, ""},
    {k5 + "一单元102室", "5|1-102", "UNIT_STATUS_CHECKED", {{"黄丽萍", true}, {"陈俊", false}}, ""},
    {k5 + "2单元301室", "5|2-301", "UNIT_STATUS_NO_ANSWER", {}, ""},
    {kY1 + "101室", "Y1|101", "UNIT_STATUS_REFUSED", {}, ""},
    {kY1 + "102室", "Y1|102", "UNIT_STATUS_VACANT", {}, ""},
};
// The register's residents (docs/examples/buildings.jsonl) by unit.
const std::map<std::string, std::vector<std::string>> kResidents = {
    {"3|2-502", {"曹宇航", "蒋雨欣"}},
    {"5|1-101", {"刘海涛"}},
    {"5|1-102", {"黄丽萍", "陈俊"}},
    {"5|2-301", {"罗文斌"}}};
constexpr int kBeatUnits = 24 + 20 + 28 + 8, kOtherUnits = 4;

std::string VisitsJsonl(int64_t at_ms) {
  std::ostringstream out;
  for (const Visit& v : kVisits) {
    out << "{\"address\":{\"raw\":\"" << v.address << "\"},\"unitStatus\":\"" << v.status
        << "\",\"visitedAtMs\":\"" << at_ms << "\",\"occupants\":[";
    for (size_t i = 0; i < v.occupants.size(); ++i) {
      out << (i ? "," : "") << "{\"name\":\"" << v.occupants[i].first
          << "\",\"presentAtVisit\":" << (v.occupants[i].second ? "true" : "false") << "}";
    }
    out << "]";
    if (!v.indicator.empty()) {
      out << ",\"indicators\":[{\"code\":\"" << v.indicator << "\",\"present\":true}]";
    }
    out << "}\n";
  }
  return out.str();
}

struct Expected {
  int units = 0, checked = 0, due = 0, dens = 0, unaccounted = 0;
};

// Counted here from kVisits and kResidents, by the rules of docs/ledger.md.
Expected Count() {
  Expected e;
  e.units = kBeatUnits;
  std::set<std::string> checked;
  std::map<std::string, std::set<std::string>> present;
  for (const Visit& v : kVisits) {
    bool covering = v.status == "UNIT_STATUS_CHECKED" || v.status == "UNIT_STATUS_VACANT";
    if (covering)
      checked.insert(v.unit);
    else
      ++e.due;  // one failed visit per unit, none overdue: visited just now
    if (!v.indicator.empty()) ++e.dens;
    for (const auto& [name, here] : v.occupants) {
      if (here) present[v.unit].insert(name);
    }
  }
  e.checked = static_cast<int>(checked.size());
  for (const auto& [unit, names] : kResidents) {
    for (const std::string& n : names) e.unaccounted += !present[unit].count(n);
  }
  return e;
}

// CSV rows of `coverage --format csv` by (level, beat or officer).
std::map<std::pair<std::string, std::string>, std::vector<std::string>> ParseCsv(
    const std::string& text) {
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) f.push_back(cell);
    if (f.size() < 12) continue;
    rows[{f[0], f[0] == "officer" ? f[4] : f[1]}] = f;
  }
  return rows;
}

int N(const std::vector<std::string>& row, size_t i) { return std::stoi(row.at(i)); }

}  // namespace

TEST_CASE("register, beat, assignment, visits and the coverage report, end to end") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  REQUIRE(hub.Admin({"ledger", "config", "--default-division", "431002"}).exit_code == 0);
  auto imported = hub.Admin({"--lang", "en", "buildings", "import", kRegister});
  INFO(imported.out << imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.out.find("added 5 buildings") != std::string::npos);
  auto again = hub.Admin({"--lang", "en", "buildings", "import", kRegister});
  CHECK(again.out.find("unchanged 5") != std::string::npos);
  std::string bad = dir.Sub("bad.csv");
  std::ofstream(bad) << "address,floors,units_per_floor\n北湖区国庆北路30号1栋,x,2\n";
  auto refused = hub.Admin({"buildings", "import", bad});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find(bad + ":2: floors") != std::string::npos);

  REQUIRE(hub.Admin({"beats", "create", "北湖一", "--community", "国庆北路社区", "--community",
                     "燕泉路社区"})
              .exit_code == 0);
  REQUIRE(hub.Admin({"assign", "--beat", "北湖一", "--officer", "A1001"}).exit_code == 0);

  Tablet t{dir.Sub("tablet")};
  REQUIRE(t.Cmd({"init", "--officer", "A1001", "--name", "王建国", "--kdf-ops", "1",
                 "--kdf-mem-mib", "8"})
              .exit_code == 0);
  auto enroll = t.Cmd({"enroll", "--hub", hub.url(), "--code", hub.NewCode("A1001")});
  INFO(enroll.err);
  REQUIRE(enroll.exit_code == 0);
  REQUIRE(t.Cmd({"sync"}).exit_code == 0);
  auto today = t.Cmd({"today", "--json"});
  INFO(today.err);
  REQUIRE(today.exit_code == 0);
  CHECK(today.out.find("\"beat\":\"北湖一\",\"units\":" + std::to_string(kBeatUnits)) !=
        std::string::npos);

  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string visits = dir.Sub("visits.jsonl");
  std::ofstream(visits) << VisitsJsonl(now - 1000);
  auto recorded = t.Cmd({"record", "rental-check", "--jsonl", visits});
  INFO(recorded.err);
  REQUIRE(recorded.exit_code == 0);
  auto synced = t.Cmd({"sync"});
  INFO(synced.err);
  REQUIRE(synced.exit_code == 0);

  Expected e = Count();
  auto coverage = hub.Admin({"--lang", "en", "coverage", "--format", "csv"});
  INFO(coverage.out << coverage.err);
  REQUIRE(coverage.exit_code == 0);
  auto rows = ParseCsv(coverage.out);
  for (const auto& key :
       {std::pair<std::string, std::string>{"beat", "北湖一"}, {"officer", "A1001"}}) {
    INFO(key.first << " " << key.second);
    REQUIRE(rows.count(key));
    const auto& row = rows.at(key);
    CHECK(N(row, 5) == e.units);
    CHECK(N(row, 6) == e.checked);
    CHECK(N(row, 7) == e.units - e.checked);
    CHECK(N(row, 8) == e.due);
    CHECK(N(row, 9) == 0);
    CHECK(N(row, 10) == e.dens);
    CHECK(N(row, 11) == e.unaccounted);
  }
  REQUIRE(rows.count({"total", ""}));
  CHECK(N(rows.at({"total", ""}), 5) == e.units + kOtherUnits);
  CHECK(N(rows.at({"total", ""}), 6) == e.checked);
  auto html = hub.Admin({"coverage", "--format", "html", "--output", dir.Sub("report.html")});
  CHECK(html.exit_code == 0);

  // The tablet, after its sync, counts the same.
  today = t.Cmd({"today", "--json"});
  CHECK(today.out.find("\"covered\":" + std::to_string(e.checked)) != std::string::npos);

  REQUIRE(hub.Admin({"unassign", "--beat", "北湖一", "--officer", "A1001"}).exit_code == 0);
  REQUIRE(t.Cmd({"sync"}).exit_code == 0);
  today = t.Cmd({"today", "--json"});
  CHECK(today.out.find("\"beats\":[]") != std::string::npos);
  CHECK(today.out.find("北湖一") == std::string::npos);
}
