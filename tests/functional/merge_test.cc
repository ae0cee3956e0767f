// The person merge end to end with the real binaries on loopback: a tablet
// records rental checks with one person typed two ways (18- and 15-digit ID
// number), two different people of one name (different valid IDs) and a
// rare name twice without ID in one building (a review pair), syncs, and `sweep-hub merge`
// puts the first person's two mentions in one entity and the namesakes
// apart; `review same` / `review not-same` / `review split` change it.
#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/process.h"

using namespace sweep::testing;

namespace {

const std::string kField = SWEEP_FIELD_BIN;
const std::string kHub = SWEEP_HUB_BIN;
const std::string kPin = "246810\n";

struct Tablet {
  std::string store;
  RunResult Cmd(std::vector<std::string> args, const std::string& in = "") const {
    std::vector<std::string> argv = {kField, "--store", store, "--pin-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, kPin + in);
  }
  // Records one rental check; returns its record id.
  std::string Record(const std::string& json) const {
    auto r = Cmd({"record", "rental-check", "--json", "-"}, json);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    std::smatch m;
    REQUIRE(std::regex_search(r.out, m, std::regex("([0-9a-f]{32}) v1")));
    return m[1];
  }
};

std::string Person(const std::string& name, const std::string& id, const std::string& phone) {
  std::string out = "{\"name\":\"" + name + "\"";
  if (!id.empty()) out += ",\"idNumber\":\"" + id + "\"";
  if (!phone.empty()) out += ",\"phone\":\"" + phone + "\"";
  return out + ",\"presentAtVisit\":true}";
}

std::string Check(const std::string& address, const std::vector<std::string>& occupants) {
  std::string out = "{\"address\":{\"raw\":\"" + address +
                    "\"},\"unitStatus\":\"UNIT_STATUS_CHECKED\",\"occupants\":[";
  for (size_t i = 0; i < occupants.size(); ++i) out += (i ? "," : "") + occupants[i];
  return out + "]}";
}

// The entity id `persons show --json` prints for a mention.
std::string EntityOf(const HubProcess& hub, const std::string& mention) {
  auto r = hub.Admin({"persons", "show", mention, "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex("\"entity\":\"(P[0-9a-f]{16})\"")));
  return m[1];
}

size_t Lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("merge: sync, merge, persons show, review decisions, end to end") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  REQUIRE(hub.Admin({"ledger", "config", "--default-division", "431002"}).exit_code == 0);
  Tablet t{dir.Sub("tablet")};
  REQUIRE(t.Cmd({"init", "--officer", "A1001", "--name", "王建国", "--kdf-ops", "1",
                 "--kdf-mem-mib", "8"})
              .exit_code == 0);
  auto enroll = t.Cmd({"enroll", "--hub", hub.url(), "--code", hub.NewCode("A1001")});
  INFO(enroll.err);
  REQUIRE(enroll.exit_code == 0);

  const std::string base = "北湖区国庆北路社区国庆北路18号";
  std::string r1 =
      t.Record(Check(base + "3栋2单元502室", {Person("曹宇航", "431021199708220513", "18673529046"),
                                              Person("王建军", "431002198001011239", ""),
                                              Person("欧阳秀芝", "", "13907351234")}));
  std::string r2 =
      t.Record(Check(base + "5栋1单元101室", {Person("曹宇航", "431021970822051", ""),
                                              Person("王建军", "431002199002021230", "")}));
  std::string r3 = t.Record(Check(base + "3栋1单元101室", {Person("欧阳秀芝", "", "13800138000")}));
  auto synced = t.Cmd({"sync"});
  INFO(synced.err);
  REQUIRE(synced.exit_code == 0);

  // serve merges in the background after the push (and the ledger): wait
  // for it, then the command finds nothing new and the same result.
  const std::string cao2_id = r2 + "/occupants[0]";
  bool background = false;
  for (int i = 0; i < 300 && !background; ++i) {
    background = hub.Admin({"persons", "show", cao2_id}).exit_code == 0;
    if (!background) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(background);
  auto merged = hub.Admin({"--lang", "en", "merge"});
  INFO(merged.out << merged.err);
  REQUIRE(merged.exit_code == 0);
  CHECK(merged.out.find("record versions read: 0") != std::string::npos);
  CHECK(merged.out.find("persons (entities): 5, of 6 mentions") != std::string::npos);
  CHECK(merged.out.find("review pairs: 1") != std::string::npos);
  auto zh = hub.Admin({"merge"});
  CHECK(zh.out.find("读取记录版本：0") != std::string::npos);  // idempotent, Chinese

  const std::string cao1 = r1 + "/occupants[0]", cao2 = r2 + "/occupants[0]";
  const std::string wang1 = r1 + "/occupants[1]", wang2 = r2 + "/occupants[1]";
  const std::string ou1 = r1 + "/occupants[2]", ou3 = r3 + "/occupants[0]";
  auto show = hub.Admin({"--lang", "en", "persons", "show", cao2});
  INFO(show.out << show.err);
  REQUIRE(show.exit_code == 0);
  CHECK(show.out.find(": 2 mentions") != std::string::npos);
  CHECK(show.out.find("officer A1001") != std::string::npos);
  CHECK(show.out.find("431021970822051") != std::string::npos);
  CHECK(EntityOf(hub, cao1) == EntityOf(hub, cao2));
  CHECK(EntityOf(hub, wang1) != EntityOf(hub, wang2));
  CHECK(EntityOf(hub, ou1) != EntityOf(hub, ou3));

  auto list = hub.Admin({"review", "list", "--json"});
  REQUIRE(list.exit_code == 0);
  CHECK(Lines(list.out) == 1);
  CHECK(list.out.find(ou1) != std::string::npos);
  CHECK(list.out.find(ou3) != std::string::npos);
  auto evidence = hub.Admin({"--lang", "en", "review", "show", "1"});
  INFO(evidence.out << evidence.err);
  REQUIRE(evidence.exit_code == 0);
  CHECK(evidence.out.find("name | equal") != std::string::npos);
  CHECK(evidence.out.find("verdict: review") != std::string::npos);
  CHECK(hub.Admin({"review", "show", "7"}).exit_code == 3);
  CHECK(hub.Admin({"review", "same", "x"}).exit_code == 2);

  auto same = hub.Admin({"review", "same", "1", "--by", "S9001"});
  INFO(same.out << same.err);
  REQUIRE(same.exit_code == 0);
  CHECK(EntityOf(hub, ou1) == EntityOf(hub, ou3));
  CHECK(Lines(hub.Admin({"review", "list", "--json"}).out) == 0);

  // A wrong merge is undone: not-same on the two ID forms is ignored (same
  // valid ID), a split of the namesake-free rare name works.
  auto split = hub.Admin({"review", "split", EntityOf(hub, ou1), "--mention", ou3});
  INFO(split.out << split.err);
  REQUIRE(split.exit_code == 0);
  CHECK(EntityOf(hub, ou1) != EntityOf(hub, ou3));
  REQUIRE(hub.Admin({"review", "same", ou1, ou3}).exit_code == 0);
  CHECK(EntityOf(hub, ou1) == EntityOf(hub, ou3));
  REQUIRE(hub.Admin({"review", "not-same", ou1, ou3}).exit_code == 0);
  CHECK(EntityOf(hub, ou1) != EntityOf(hub, ou3));

  // Decisions survive the next merge with new records.
  t.Record(Check(base + "3栋2单元502室", {Person("李红梅", "", "")}));
  REQUIRE(t.Cmd({"sync"}).exit_code == 0);
  REQUIRE(hub.Admin({"merge"}).exit_code == 0);
  CHECK(EntityOf(hub, ou1) != EntityOf(hub, ou3));
  CHECK(EntityOf(hub, cao1) == EntityOf(hub, cao2));
  CHECK(hub.Admin({"persons", "show", "nope"}).exit_code == 3);
}
