// LedgerService over a real SQLite store and a fake clock: ingested versions
// become visits and unit states, the officers whose beats hold a unit get
// "unit" and "revisit" items (tombstones when settled), CatchUp is
// idempotent, edits move visits between units, and two processes catching
// up on one file at once store every visit once.
#include "sweep/hub/ledger_service.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "ledger_fixture.h"
#include "sweep/schema/ledger.h"

using namespace sweep;
using namespace sweep::hub;
using namespace sweep::testing;
namespace ledger = sweep::schema::ledger;

namespace {

const char* kRegister =
    R"({"address":"北湖区国庆北路社区国庆北路18号3栋","floors":6,"unitsPerFloor":2,"stairwells":2,)"
    R"("residents":{"2-502":[{"name":"曹宇航","idNumber":"431021199708220513"},{"name":"蒋雨欣"}]}})"
    "\n"
    R"({"address":"北湖区国庆北路社区国庆北路18号5栋","floors":5,"unitsPerFloor":2})"
    "\n"
    R"({"address":"北湖区燕泉路社区燕泉小区1栋","floors":7,"unitsPerFloor":4})"
    "\n";

const std::string k3 = "431002|国庆北路18号|3";
const std::string kAddr3 = "北湖区国庆北路社区国庆北路18号3栋";
constexpr int64_t kHour = 3600 * 1000;

struct Fixture {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<HubStore> store = OpenHubStore(dir.Sub("hub.db"));
  RegisterService reg{store.get(), &env};
  LedgerService ledger{store.get(), &env, {.batch_versions = 1000, .log = false, .after_catch_up = {}}};

  Fixture() {
    SetDefaultDivision(&reg, "431002");
    ImportReport report;
    Status st =
        reg.ImportBuildings(kRegister, RegisterFormat::kJsonl, "test", "", nullptr, &report);
    INFO(st.ToString());
    REQUIRE(st.ok());
    BeatMembers m;
    m.communities = {"国庆北路社区"};
    REQUIRE(reg.CreateBeat("北湖一", m).ok());
    REQUIRE(reg.Assign("北湖一", "A1001").ok());
    EnrollDevice(store.get(), "dev-a", "A1001", 1);
    EnrollDevice(store.get(), "dev-b", "B2002", 2);
  }
  CatchUpStats CatchUp() {
    auto r = ledger.CatchUp();
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  }
  std::string State(const std::string& unit_key) {
    auto units = store->LedgerUnits({k3});
    REQUIRE(units.ok());
    for (const LedgerUnitRow& u : *units) {
      if (u.unit_key == unit_key) return u.state;
    }
    return "";
  }
};

ledger::CycleConfig Config() { return {}; }  // the defaults: monthly, 3 days, UTC+8

}  // namespace

TEST_CASE("visits become unit states and feed items for the beat's officer") {
  Fixture f;
  int64_t t = f.env.now_ms;  // 2025-11-28 11:20 local
  PushRecords(
      f.store.get(), "dev-a",
      {RentalVisit("r1", 1, "A1001", kAddr3 + "2单元502室", v1::UNIT_STATUS_CHECKED, t - kHour,
                   {{"曹宇航", "431021199708220513", true}}),
       RentalVisit("r2", 1, "A1001", kAddr3 + "1单元301室", v1::UNIT_STATUS_NO_ANSWER,
                   t - 2 * kHour),
       RentalVisit("r3", 1, "A1001", kAddr3 + "1单元302室", v1::UNIT_STATUS_REFUSED, t - 2 * kHour),
       RentalVisit("r4", 1, "A1001", "北湖区国庆北路18号5栋1单元101室", v1::UNIT_STATUS_CHECKED,
                   t - kHour),
       RentalVisit("r5", 1, "A1001", kAddr3 + "2单元601室", v1::UNIT_STATUS_CHECKED, t - kHour, {},
                   {"many_sim_cards"}),
       RentalVisit("r6", 1, "A1001", "3栋2单元", v1::UNIT_STATUS_CHECKED, t - kHour),
       RentalVisit("r7", 1, "A1001", "北湖区燕泉小区1栋101室", v1::UNIT_STATUS_CHECKED,
                   t - kHour)});
  CatchUpStats s = f.CatchUp();
  CHECK(s.versions == 7);
  CHECK(s.visits == 7);
  CHECK(s.units == 6);  // r6 has no unit
  CHECK(f.State("2-502") == "checked");
  CHECK(f.State("1-301") == "no_answer");
  CHECK(f.State("1-302") == "refused");
  CHECK(f.State("2-601") == "den_suspected");

  auto view = TabletView(f.store.get(), "A1001");
  auto unit = ParsePayload<v1::UnitProgress>(view.at({"unit", k3 + "|2-502"}));
  CHECK(unit.state() == "checked");
  CHECK(unit.officer_id() == "A1001");
  CHECK(unit.last_visit_ms() == t - kHour);
  CHECK(unit.cycle() == "2025-11");
  // "1单元101室" in a building without stairwells is its room 101.
  CHECK(view.count({"unit", "431002|国庆北路18号|5|101"}));
  // 燕泉小区 is in no beat of A1001.
  for (const auto& [key, item] : view) CHECK(key.second.find("燕泉小区") == std::string::npos);

  auto revisit = ParsePayload<v1::Revisit>(view.at({"revisit", k3 + "|1-301"}));
  CHECK(revisit.reason() == "no_answer");
  CHECK(revisit.unit_key() == "1-301");
  CHECK(revisit.building_key() == k3);
  // Failed at 09:20 on 28 Nov (local): from 29 Nov 00:00, due by the end of 1 Dec.
  CHECK(revisit.due_date() == "2025-12-01");
  CHECK(ledger::LocalDate(Config(), revisit.from_ms()) == "2025-11-29");
  CHECK(ledger::LocalDate(Config(), revisit.due_ms()) == "2025-12-02");
  CHECK(revisit.window() == "evening");  // tried in the morning
  CHECK(revisit.attempts() == 1);
  CHECK(ParsePayload<v1::Revisit>(view.at({"revisit", k3 + "|1-302"})).reason() == "refused");
  CHECK_FALSE(view.count({"revisit", k3 + "|2-502"}));
  // Nothing for an officer without beats.
  CHECK(TabletView(f.store.get(), "B2002").size() == 1);  // the config item only

  SECTION("catching up again changes nothing") {
    size_t feed = WholeFeed(f.store.get(), {"officer:A1001"}).size();
    CatchUpStats again = f.CatchUp();
    CHECK(again.versions == 0);
    CHECK(WholeFeed(f.store.get(), {"officer:A1001"}).size() == feed);
  }
  SECTION("a check the next evening settles the revisit: a tombstone") {
    f.env.Advance(10 * kHour);
    PushRecords(f.store.get(), "dev-b",
                {RentalVisit("r8", 1, "B2002", kAddr3 + "1单元301室", v1::UNIT_STATUS_CHECKED,
                             f.env.now_ms)});
    CatchUpStats next = f.CatchUp();
    CHECK(next.visits == 1);
    auto feed = WholeFeed(f.store.get(), {"officer:A1001"});
    bool tombstone = false;
    for (const FeedItemRow& i : feed) {
      if (i.kind == "revisit" && i.key == k3 + "|1-301" && i.deleted) tombstone = true;
    }
    CHECK(tombstone);
    CHECK(f.State("1-301") == "checked");
    auto v = TabletView(f.store.get(), "A1001");
    CHECK(ParsePayload<v1::UnitProgress>(v.at({"unit", k3 + "|1-301"})).officer_id() == "B2002");
  }
  SECTION("an edit (version 2) turning a refusal into a check settles it too") {
    PushRecords(f.store.get(), "dev-a",
                {RentalVisit("r3", 2, "A1001", kAddr3 + "1单元302室", v1::UNIT_STATUS_CHECKED,
                             t - 2 * kHour)});
    f.CatchUp();
    CHECK(f.State("1-302") == "checked");
    CHECK_FALSE(TabletView(f.store.get(), "A1001").count({"revisit", k3 + "|1-302"}));
  }
  SECTION("an edit that moves a visit to another unit recomputes both") {
    PushRecords(f.store.get(), "dev-a",
                {RentalVisit("r2", 2, "A1001", kAddr3 + "1单元401室", v1::UNIT_STATUS_NO_ANSWER,
                             t - 2 * kHour)});
    f.CatchUp();
    CHECK(f.State("1-301") == "unvisited");
    CHECK(f.State("1-401") == "no_answer");
    auto v = TabletView(f.store.get(), "A1001");
    CHECK_FALSE(v.count({"revisit", k3 + "|1-301"}));
    CHECK(v.count({"revisit", k3 + "|1-401"}));
  }
  SECTION("an older version arriving late changes nothing") {
    PushRecords(
        f.store.get(), "dev-a",
        {RentalVisit("r1", 2, "A1001", kAddr3 + "2单元502室", v1::UNIT_STATUS_VACANT, t - kHour)});
    f.CatchUp();
    PushRecords(
        f.store.get(), "dev-a",
        {RentalVisit("r1", 1, "A1001", kAddr3 + "2单元502室", v1::UNIT_STATUS_CHECKED, t - kHour)});
    f.CatchUp();
    CHECK(f.State("2-502") == "vacant");
  }
  SECTION("an officer assigned later receives the units and revisits at once") {
    REQUIRE(f.reg.Assign("北湖一", "B2002").ok());
    auto v = TabletView(f.store.get(), "B2002");
    CHECK(v.count({"unit", k3 + "|2-502"}));
    CHECK(v.count({"revisit", k3 + "|1-301"}));
    REQUIRE(f.reg.Unassign("北湖一", "B2002").ok());
    CHECK(TabletView(f.store.get(), "B2002").size() == 1);
  }
}

TEST_CASE("the revisit state follows the fake clock") {
  Fixture f;
  PushRecords(f.store.get(), "dev-a",
              {RentalVisit("r1", 1, "A1001", kAddr3 + "1单元301室", v1::UNIT_STATUS_NO_ANSWER,
                           f.env.now_ms)});
  f.CatchUp();
  CHECK(f.State("1-301") == "no_answer");
  f.env.Advance(24 * kHour);  // the next day: the revisit window is open
  PushRecords(
      f.store.get(), "dev-a",
      {RentalVisit("r2", 1, "A1001", kAddr3 + "1单元301室", v1::UNIT_STATUS_NO_ANSWER,
                   f.env.now_ms - 12 * kHour)});  // a second failure, at 23:20 the day before
  f.CatchUp();
  auto revisit =
      ParsePayload<v1::Revisit>(TabletView(f.store.get(), "A1001").at({"revisit", k3 + "|1-301"}));
  CHECK(revisit.attempts() == 2);
  CHECK(revisit.window() == "afternoon");  // morning and evening were tried
  CHECK(revisit.due_date() == "2025-12-01");
  CHECK(f.State("1-301") == "revisit_due");
}

TEST_CASE("two processes catching up on one file store every visit once") {
  Fixture f;
  auto other = OpenHubStore(f.dir.Sub("hub.db"));  // a second connection, as a CLI would have
  LedgerService second(other.get(), &f.env, {.batch_versions = 50, .log = false, .after_catch_up = {}});
  LedgerService first(f.store.get(), &f.env, {.batch_versions = 50, .log = false, .after_catch_up = {}});
  constexpr int kRounds = 20, kPerRound = 30;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  auto run = [&](LedgerService* s) {
    while (!done) {
      if (!s->CatchUp().ok()) ++failures;
    }
  };
  std::thread a(run, &first), b(run, &second);
  for (int round = 0; round < kRounds; ++round) {
    std::vector<v1::Record> records;
    for (int i = 0; i < kPerRound; ++i) {
      int n = round * kPerRound + i;
      std::string room =
          std::to_string(1 + n % 2) + "单元" + std::to_string(101 + (n % 6) * 100 + n % 2) + "室";
      records.push_back(RentalVisit("c" + std::to_string(n), 1, "A1001", kAddr3 + room,
                                    n % 3 ? v1::UNIT_STATUS_CHECKED : v1::UNIT_STATUS_NO_ANSWER,
                                    f.env.now_ms - n));
    }
    PushRecords(f.store.get(), "dev-a", records);
    if (round == kRounds / 2) REQUIRE(f.reg.Assign("北湖一", "B2002").ok());  // register moves too
  }
  done = true;
  a.join();
  b.join();
  CHECK(failures == 0);
  f.CatchUp();
  auto cursor = f.store->LedgerCursor();
  REQUIRE(cursor.ok());
  CHECK(*cursor == static_cast<uint64_t>(kRounds * kPerRound));
  auto visits = f.store->ListVisits({}, 100000);
  REQUIRE(visits.ok());
  CHECK(visits->size() == static_cast<size_t>(kRounds * kPerRound));
  // What each officer holds equals the ledger units now (no stale item won).
  auto units = f.store->LedgerUnits({k3});
  REQUIRE(units.ok());
  for (const char* officer : {"A1001", "B2002"}) {
    auto view = TabletView(f.store.get(), officer);
    for (const LedgerUnitRow& u : *units) {
      INFO(officer << " " << u.unit_key);
      REQUIRE(view.count({"unit", k3 + "|" + u.unit_key}));
      CHECK(view.at({"unit", k3 + "|" + u.unit_key}).payload == u.progress);
      CHECK(view.count({"revisit", k3 + "|" + u.unit_key}) == (u.revisit.empty() ? 0u : 1u));
    }
  }
}

TEST_CASE("the background thread catches up after Notify") {
  Fixture f;
  LedgerService background(f.store.get(), &f.env, {.batch_versions = 1000, .log = false, .after_catch_up = {}});
  background.Start();
  PushRecords(f.store.get(), "dev-a",
              {RentalVisit("r1", 1, "A1001", kAddr3 + "2单元502室", v1::UNIT_STATUS_CHECKED,
                           f.env.now_ms)});
  background.Notify();
  uint64_t cursor = 0;
  for (int i = 0; i < 500 && cursor < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto c = f.store->LedgerCursor();
    REQUIRE(c.ok());
    cursor = *c;
  }
  background.Stop();
  CHECK(cursor == 1);
  CHECK(f.State("2-502") == "checked");
}
