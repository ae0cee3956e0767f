// The building register and beats (RegisterService over a real SQLite
// store): import idempotence, updates with unit diffs, bad rows reported by
// line with nothing imported, CSV and JSON Lines, beats and assignments
// published as feed items with removals, the v1 -> v2 migration.
#include "../../../hub/src/sqlite_hub_store.h"  // kHubSchemaVersion
#include "sweep//hub/register.h"

#include <map>
#include <set>

#include "ledger_fixture.h"
#include "sweep/sync/sqlite.h"

using namespace sweep;
using namespace sweep::hub;
using namespace sweep::testing;

namespace {

const char* kCsv =
    "address,floors,units_per_floor,stairwells,units,type\n"
    "郴州市北湖区人民路街道国庆北路社区国庆北路18号3栋,6,2,2,,residential\n"
    "北湖区燕泉路社区燕泉小区1栋,7,4,,,住宅\n"
    "北湖区北湖路社区华信大厦,,,,12-1201;12-1202;12-1203,office\n"
    "国庆北路社区国庆北路18号5栋,5,2,1,,\n";

struct Fixture {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<HubStore> store = OpenHubStore(dir.Sub("hub.db"));
  RegisterService reg{store.get(), &env};
  Fixture() { SetDefaultDivision(&reg, "431002"); }

  ImportReport Import(const std::string& text, RegisterFormat format, Status* st = nullptr) {
    ImportReport report;
    Status s = reg.ImportBuildings(text, format, "test", "", nullptr, &report);
    if (st) {
      *st = s;
    } else {
      INFO(s.ToString());
      for (const auto& p : report.problems) INFO(p.line << ": " << p.reason);
      REQUIRE(s.ok());
    }
    return report;
  }
  uint64_t Units() {
    auto n = store->CountUnits();
    REQUIRE(n.ok());
    return *n;
  }
};

}  // namespace

TEST_CASE("CSV import: the same file twice adds nothing the second time") {
  Fixture f;
  ImportReport first = f.Import(kCsv, RegisterFormat::kCsv);
  CHECK(first.rows == 4);
  CHECK(first.added == 4);
  CHECK(first.updated == 0);
  // 6 floors × 2 per floor × 2 stairwells + 7 × 4 + 3 explicit + 5 × 2.
  CHECK(first.units_added == 24 + 28 + 3 + 10);
  CHECK(f.Units() == 65);
  auto b = f.reg.Building("北湖区国庆北路18号3栋");
  REQUIRE(b.ok());
  CHECK(b->units.size() == 24);
  CHECK(std::any_of(b->units.begin(), b->units.end(),
                    [](const UnitRow& u) { return u.unit_key == "2-602"; }));
  auto single = f.reg.Building("北湖区国庆北路18号5栋");
  REQUIRE(single.ok());
  CHECK(single->units.front().unit_key == "101");  // no stairwell part
  CHECK(single->type == "residential");

  ImportReport second = f.Import(kCsv, RegisterFormat::kCsv);
  CHECK(second.added == 0);
  CHECK(second.updated == 0);
  CHECK(second.unchanged == 4);
  CHECK(second.units_added == 0);
  CHECK(f.Units() == 65);
}

TEST_CASE("re-import with changed floors updates and reports the unit diff") {
  Fixture f;
  f.Import(kCsv, RegisterFormat::kCsv);
  std::string changed = kCsv;
  // 燕泉小区1栋: 7 floors × 4 → 5 floors × 5: floors 6-7 go (8 units), room x05 of
  // floors 1-5 comes (5 units).
  changed.replace(changed.find("1栋,7,4"), std::string("1栋,7,4").size(), "1栋,5,5");
  ImportReport r = f.Import(changed, RegisterFormat::kCsv);
  CHECK(r.added == 0);
  CHECK(r.updated == 1);
  CHECK(r.unchanged == 3);
  CHECK(r.units_added == 5);
  CHECK(r.units_removed == 8);
  CHECK(f.Units() == 65 - 28 + 25);
  auto b = f.reg.Building("北湖区燕泉小区1栋");
  REQUIRE(b.ok());
  CHECK(b->floors == 5);
  CHECK(b->units.size() == 25);
}

TEST_CASE("bad rows are all reported by line and nothing is imported") {
  Fixture f;
  f.Import(kCsv, RegisterFormat::kCsv);
  std::string bad =
      "address,floors,units_per_floor,stairwells,units,type\n"
      "北湖区国庆北路20号1栋,6,2,1,,residential\n"     // 2: fine
      "北湖区国庆北路20号2栋,six,2,1,,residential\n"   // 3: floors
      "3栋,6,2,1,,residential\n"                       // 4: address unresolved
      "北湖区国庆北路20号3栋,6,2,1,,castle\n"          // 5: type
      "北湖区国庆北路20号1栋,6,2,1,,residential\n"     // 6: duplicate, same data: fine
      "北湖区国庆北路20号1栋,9,2,1,,residential\n"     // 7: duplicate, different
      "北湖区国庆北路20号4栋,,,,1-101;1-101,office\n"  // 8: unit twice
      "北湖区国庆北路20号5栋,6,2\n"                    // 9: too few fields
      "北湖区国庆北路20号6栋3单元502室,6,2,1,,\n";     // 10: names a room
  Status st;
  ImportReport r = f.Import(bad, RegisterFormat::kCsv, &st);
  CHECK(st.code() == Code::kInvalidArgument);
  std::set<size_t> lines;
  for (const ImportProblem& p : r.problems) lines.insert(p.line);
  CHECK(lines == std::set<size_t>{3, 4, 5, 7, 8, 9, 10});
  auto reason = [&](size_t line) {
    for (const ImportProblem& p : r.problems) {
      if (p.line == line) return p.reason;
    }
    return std::string();
  };
  CHECK(reason(3).find("floors") != std::string::npos);
  CHECK(reason(4).find("cannot be resolved") != std::string::npos);
  CHECK(reason(5).find("castle") != std::string::npos);
  CHECK(reason(7).find("line 2") != std::string::npos);
  CHECK(reason(10).find("room") != std::string::npos);
  CHECK(f.Units() == 65);  // nothing of the good rows either
  CHECK_FALSE(f.reg.Building("北湖区国庆北路20号1栋").ok());
}

TEST_CASE("JSON Lines import with the rental register's residents") {
  Fixture f;
  std::string jsonl =
      R"({"address":"北湖区国庆北路18号3栋","floors":6,"unitsPerFloor":2,"stairwells":2,)"
      R"("type":"residential","residents":{"2-502":[{"name":"曹宇航","idNumber":"431021199708220513"},)"
      R"({"name":"蒋雨欣"}]}})"
      "\n\n"
      R"({"address":"北湖区华信大厦","units":["12-1201","12-1202"],"type":"office"})"
      "\n";
  ImportReport r = f.Import(jsonl, RegisterFormat::kJsonl);
  CHECK(r.rows == 2);
  CHECK(r.added == 2);
  auto b = f.reg.Building("北湖区国庆北路18号3栋");
  REQUIRE(b.ok());
  auto unit = std::find_if(b->units.begin(), b->units.end(),
                           [](const UnitRow& u) { return u.unit_key == "2-502"; });
  REQUIRE(unit != b->units.end());
  REQUIRE(unit->residents.size() == 2);
  CHECK(unit->residents[0].name == "曹宇航");
  CHECK(unit->residents[0].id_number == "431021199708220513");
  CHECK(f.Import(jsonl, RegisterFormat::kJsonl).unchanged == 2);

  std::string bad =
      R"({"address":"北湖区国庆北路18号6栋","floors":6,"unitPerFloor":2})"
      "\n"
      R"({"address":"北湖区国庆北路18号7栋","floors":2,"unitsPerFloor":2,"residents":{"9-901":[{"name":"x"}]}})"
      "\n"
      R"({"address":"北湖区国庆北路18号8栋","floors":2.5,"unitsPerFloor":2})"
      "\n"
      "not json\n";
  Status st;
  ImportReport rb = f.Import(bad, RegisterFormat::kJsonl, &st);
  CHECK(st.code() == Code::kInvalidArgument);
  REQUIRE(rb.problems.size() == 4);
  CHECK(rb.problems[0].reason.find("unitPerFloor") != std::string::npos);
  CHECK(rb.problems[1].reason.find("9-901") != std::string::npos);
  CHECK(rb.problems[2].line == 3);
  CHECK(rb.problems[3].line == 4);
}

TEST_CASE("beats and assignments reach the officer's feed, with removals") {
  Fixture f;
  f.Import(kCsv, RegisterFormat::kCsv);
  BeatMembers members;
  members.communities = {"国庆北路社区"};
  REQUIRE(f.reg.CreateBeat("北湖一", members).ok());
  CHECK(TabletView(f.store.get(), "A1001").count({"assignment", "北湖一|431002|国庆北路18号|3"}) ==
        0);
  REQUIRE(f.reg.Assign("北湖一", "A1001").ok());
  auto view = TabletView(f.store.get(), "A1001");
  const std::pair<std::string, std::string> k3{"assignment", "北湖一|431002|国庆北路18号|3"};
  const std::pair<std::string, std::string> k5{"assignment", "北湖一|431002|国庆北路18号|5"};
  REQUIRE(view.count(k3));
  REQUIRE(view.count(k5));
  CHECK(view.count({"config", "ledger"}));
  auto a = ParsePayload<v1::Assignment>(view[k3]);
  CHECK(a.beat() == "北湖一");
  CHECK(a.units_size() == 24);
  CHECK(a.floors() == 6);
  CHECK(a.building_type() == "residential");
  size_t feed_before = WholeFeed(f.store.get(), {"officer:A1001"}).size();

  SECTION("publishing again appends nothing") {
    auto n = f.reg.Publish();
    REQUIRE(n.ok());
    CHECK(*n == 0);
    CHECK(WholeFeed(f.store.get(), {"officer:A1001"}).size() == feed_before);
  }
  SECTION("a building imported later in the community joins the beat, alone") {
    f.Import("address,floors,units_per_floor\n北湖区国庆北路社区国庆北路18号7栋,3,2\n",
             RegisterFormat::kCsv);
    auto feed = WholeFeed(f.store.get(), {"officer:A1001"});
    REQUIRE(feed.size() == feed_before + 1);
    CHECK(feed.back().key == "北湖一|431002|国庆北路18号|7");
  }
  SECTION("removing a building of the community excludes it: one tombstone") {
    BeatMembers out;
    out.buildings = {"北湖区国庆北路18号5栋"};
    REQUIRE(f.reg.RemoveFromBeat("北湖一", out).ok());
    auto feed = WholeFeed(f.store.get(), {"officer:A1001"});
    REQUIRE(feed.size() == feed_before + 1);
    CHECK(feed.back().deleted);
    CHECK(feed.back().key == k5.second);
  }
  SECTION("unassigning tombstones every building of the beat") {
    REQUIRE(f.reg.Unassign("北湖一", "A1001").ok());
    auto v = TabletView(f.store.get(), "A1001");
    CHECK_FALSE(v.count(k3));
    CHECK_FALSE(v.count(k5));
    CHECK(v.count({"config", "ledger"}));
    CHECK(f.reg.Unassign("北湖一", "A1001").code() == Code::kNotFound);
  }
  SECTION("names that do not resolve are refused with candidates") {
    BeatMembers typo;
    typo.communities = {"国庆社区"};
    Status st = f.reg.CreateBeat("北湖二", typo);
    CHECK(st.code() == Code::kNotFound);
    CHECK(st.message().find("国庆北路社区") != std::string::npos);
    BeatMembers street_as_community;
    street_as_community.communities = {"人民路街道"};
    CHECK(f.reg.CreateBeat("北湖二", street_as_community).code() == Code::kInvalidArgument);
    CHECK(f.reg.CreateBeat("北湖一", {}).code() == Code::kAlreadyExists);
  }
}

TEST_CASE("a version 1 database is migrated in place and its feed state rebuilt") {
  TempDir dir;
  std::string path = dir.Sub("hub.db");
  {
    auto store = OpenHubStore(path);
    REQUIRE(store->AppendFeed({0, "all", "watchlist", "abc", false, Bytes{1, 2, 3}}).ok());
  }
  {  // Turn it into what version 1 wrote: no register, ledger or merge tables.
    auto db = sql::Db::Open(path, false);
    REQUIRE(db.ok());
    for (const char* t : {"settings", "units", "buildings", "beat_officers", "beats", "visits",
                          "ledger_units", "feed_state", "ledger_meta", "merge_meta",
                          "merge_records", "merge_mentions", "merge_decisions", "merge_entities",
                          "merge_review"}) {
      REQUIRE((*db)->Exec(std::string("DROP TABLE ") + t).ok());
    }
    REQUIRE((*db)->Exec("UPDATE meta SET value='1' WHERE key='schema_version'").ok());
  }
  auto store = OpenHubStore(path);
  auto state = store->ReadFeedState({{"watchlist"}, {}, {}});
  REQUIRE(state.ok());
  REQUIRE(state->size() == 1);
  CHECK(state->front().digest == FeedDigest(Bytes{1, 2, 3}));
  auto rev = store->PublicationRevision();
  REQUIRE(rev.ok());
  CHECK(*rev == 0);
  auto db = sql::Db::Open(path, false);
  REQUIRE(db.ok());
  auto st = (*db)->Prepare("SELECT value FROM meta WHERE key='schema_version'");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  CHECK(st->Text(0) == std::to_string(sweep::hub::kHubSchemaVersion));  // migrated through 2 to the current version
}
