// The case file end to end with the real binaries on loopback: two tablets
// record visits of one den (indicators, occupants), sync, `sweep-hub merge`;
// `dens list` shows the den suspected; a supervisor moves it on with `dens
// set`; both tablets record a case-update on the same version, sync, and
// `conflicts list` shows the conflict with its winner; a later `dens set`
// resolves it; `graph` of the den lists its occupants; the derived
// watchlist reaches a tablet, which raises a hit offline on a suspect's ID.
#include <catch2/catch.hpp>
#include <chrono>
#include <regex>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/process.h"

using namespace sweep::testing;

namespace {

const std::string kField = SWEEP_FIELD_BIN;
const std::string kHub = SWEEP_HUB_BIN;
const std::string kPin = "246810\n";
const std::string kDen = "北湖区国庆北路社区国庆北路18号3栋2单元502室";
const std::string kIdA = "431021199708220513";  // 曹宇航, on both visits
const std::string kIdB = "430111199906050262";  // 蒋雨欣, first visit only

struct Tablet {
  std::string store;
  RunResult Cmd(std::vector<std::string> args, const std::string& in = "") const {
    std::vector<std::string> argv = {kField, "--store", store, "--pin-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, kPin + in);
  }
  RunResult Record(const std::string& kind, const std::string& json) const {
    auto r = Cmd({"record", kind, "--json", "-"}, json);
    INFO(kind << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
  void Sync() const {
    auto r = Cmd({"sync"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
};

Tablet NewTablet(const TempDir& dir, const std::string& name, const HubProcess& hub,
                 const std::string& officer) {
  Tablet t{dir.Sub(name)};
  REQUIRE(t.Cmd({"init", "--officer", officer, "--name", "王建国", "--kdf-ops", "1",
                 "--kdf-mem-mib", "8"})
              .exit_code == 0);
  auto enroll = t.Cmd({"enroll", "--hub", hub.url(), "--code", hub.NewCode(officer)});
  INFO(enroll.err);
  REQUIRE(enroll.exit_code == 0);
  return t;
}

std::string Occupant(const std::string& name, const std::string& id) {
  return "{\"name\":\"" + name + "\",\"idNumber\":\"" + id + "\",\"presentAtVisit\":true}";
}

std::string DenVisit(const std::vector<std::string>& occupants, const std::string& indicator) {
  std::string out = "{\"address\":{\"raw\":\"" + kDen +
                    "\"},\"unitStatus\":\"UNIT_STATUS_CHECKED\",\"indicators\":[{\"code\":\"" +
                    indicator + "\",\"present\":true,\"count\":16}],\"occupants\":[";
  for (size_t i = 0; i < occupants.size(); ++i) out += (i ? "," : "") + occupants[i];
  return out + "]}";
}

std::string CaseUpdate(uint64_t base, const std::string& status, int64_t decided_ms) {
  return "{\"address\":{\"raw\":\"" + kDen + "\"},\"subjectVersion\":" + std::to_string(base) +
         ",\"denStatus\":\"" + status + "\",\"reason\":\"现场核查：" + status +
         "\",\"decidedAtMs\":\"" + std::to_string(decided_ms) + "\"}";
}

RunResult Admin(const HubProcess& hub, const std::vector<std::string>& args) {
  auto r = hub.Admin(args);
  INFO(args.front() << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

std::string Match(const std::string& text, const std::string& pattern) {
  std::smatch m;
  INFO(text);
  REQUIRE(std::regex_search(text, m, std::regex(pattern)));
  return m[1];
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("cases: dens, supervisor edits, tablet conflicts, graph, derived watchlist") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  Admin(hub, {"ledger", "config", "--default-division", "431002"});
  Tablet t1 = NewTablet(dir, "t1", hub, "A1001");
  Tablet t2 = NewTablet(dir, "t2", hub, "B2002");
  t1.Record("rental-check",
            DenVisit({Occupant("曹宇航", kIdA), Occupant("蒋雨欣", kIdB)}, "many_sim_cards"));
  t2.Record("rental-check", DenVisit({Occupant("曹宇航", kIdA)}, "modem_pool"));
  t1.Sync();
  t2.Sync();
  Admin(hub, {"merge"});

  auto dens = Admin(hub, {"dens", "list", "--json"});
  CHECK(dens.out.find("\"status\":\"suspected\"") != std::string::npos);
  const std::string key = Match(dens.out, "\"key\":\"([^\"]+)\"");
  auto show = Admin(hub, {"--lang", "en", "dens", "show", kDen});  // by address
  CHECK(show.out.find("status: suspected (version 0)") != std::string::npos);
  CHECK(show.out.find("officer A1001") != std::string::npos);
  CHECK(show.out.find("many_sim_cards") != std::string::npos);
  CHECK(hub.Admin({"dens", "show", "北湖区燕泉路社区燕泉小区1栋301"}).exit_code == 3);
  CHECK(hub.Admin({"dens", "set", key, "--status", "gone", "--why", "x", "--by", "S1"}).exit_code ==
        2);
  CHECK(hub.Admin({"dens", "set", key, "--status", "raided", "--by", "S1"}).exit_code == 2);

  // The supervisor moves the den on (made on version 0: now version 1).
  Admin(hub, {"dens", "set", key, "--status", "investigating", "--why", "上报反诈中心", "--by",
              "S9001"});
  CHECK(Admin(hub, {"dens", "list", "--status", "investigating", "--json"}).out.find(key) !=
        std::string::npos);
  auto edited = Admin(hub, {"dens", "show", key, "--json"});
  CHECK(edited.out.find("\"version\":1,") != std::string::npos);

  // Both tablets decide on version 1, offline, differently: a conflict.
  int64_t now = NowMs();
  t1.Record("case-update", CaseUpdate(1, "cleared", now - 60'000));
  t2.Record("case-update", CaseUpdate(1, "raided", now - 30'000));
  t1.Sync();
  t2.Sync();
  auto conflicts = Admin(hub, {"conflicts", "list", "--json"});
  CHECK(conflicts.out.find("\"subject\":\"premises:" + key + "\"") != std::string::npos);
  CHECK(conflicts.out.find("\"resolved\":false") != std::string::npos);
  CHECK(conflicts.out.find("\"winner\":\"raided\"") != std::string::npos);  // the later one
  CHECK(conflicts.out.find("\"base_version\":1") != std::string::npos);
  auto human = Admin(hub, {"--lang", "en", "conflicts", "list"});
  CHECK(human.out.find("[open]") != std::string::npos);
  CHECK(human.out.find("dens set") != std::string::npos);

  // A later change resolves it.
  Admin(hub, {"dens", "set", key, "--status", "cleared", "--why", "已捣毁并清理", "--by", "S9001"});
  conflicts = Admin(hub, {"conflicts", "list", "--json"});
  CHECK(conflicts.out.find("\"resolved\":true") != std::string::npos);
  CHECK(conflicts.out.find("\"resolved\":false") == std::string::npos);
  CHECK(Admin(hub, {"dens", "list", "--status", "cleared", "--json"}).out.find(key) !=
        std::string::npos);

  // The group around the den: its occupants.
  auto graph = Admin(hub, {"graph", "premises:" + key, "--format", "json"});
  CHECK(graph.out.find("曹宇航") != std::string::npos);
  CHECK(graph.out.find("蒋雨欣") != std::string::npos);
  CHECK(Admin(hub, {"graph", key, "--format", "dot"}).out.find("graph case {") !=
        std::string::npos);
  auto suspects = Admin(hub, {"suspects", "list", "--json"});
  CHECK(suspects.out.find(kIdA) != std::string::npos);
  Admin(hub, {"suspects", "set", kIdA, "--disposition", "detained=刑拘", "--why", "刑事拘留",
              "--by", "S9001"});
  CHECK(Admin(hub, {"suspects", "list", "--disposition", "detained", "--json"}).out.find(kIdA) !=
        std::string::npos);

  // The derived watchlist reaches the tablet: a hit on the suspect's ID.
  auto publish = Admin(hub, {"--lang", "en", "watchlist", "publish"});
  CHECK(publish.out.find("derived watchlist: 2 entries; added or changed 0") !=
        std::string::npos);  // `suspects set` published already
  t2.Sync();
  auto hit = t2.Record("rental-check",
                       "{\"address\":{\"raw\":\"国庆北路18号5栋1单元101室\"},"
                       "\"unitStatus\":\"UNIT_STATUS_CHECKED\",\"occupants\":[" +
                           Occupant("曹宇航", kIdA) + "]}");
  CHECK(hit.out.find("WATCHLIST HIT") != std::string::npos);
}

TEST_CASE("cases: disposition codes and help on the command line") {
  TempDir dir;
  std::string db = dir.Sub("hub.db");
  auto admin = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kHub, "--db", db});
    return Run(args, "");
  };
  auto list = admin({"dispositions", "list", "--json"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("\"code\":\"detained\"") != std::string::npos);
  CHECK(admin({"dispositions", "add", "sim_suspended", "--zh", "停机", "--en", "SIM suspended",
               "--watch", "notice"})
            .exit_code == 0);
  CHECK(admin({"dispositions", "add", "sim_suspended", "--zh", "停机", "--en", "x"}).exit_code ==
        9);
  CHECK(admin({"dispositions", "add", "Bad-Code", "--zh", "坏", "--en", "bad"}).exit_code == 2);
  CHECK(admin({"dispositions", "list"}).out.find("停机") != std::string::npos);
  CHECK(admin({"dispositions", "remove", "sim_suspended"}).exit_code == 0);
  CHECK(admin({"dispositions", "remove", "sim_suspended"}).exit_code == 3);
  auto help = admin({"dens", "set", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Exit codes") != std::string::npos);
  CHECK(admin({"watchlist", "publish", "--help"}).exit_code == 0);
}
