// The tablet's own coverage view (field/coverage.h) on a real store: feed
// items applied through Store::ApplyFeed, visits appended through
// Store::Append, the clock moved through the Env the store uses.
#include "sweep/field/coverage.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../../support/fake_env.h"
#include "../../support/records.h"
#include "sweep/schema/address.h"

using namespace sweep;
using field::Store;
using schema::ledger::UnitState;
using sweep::testing::FakeEnv;
using sweep::testing::TempDir;

namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNov10 = 1'762'740'000'000;  // 2026-11-10 10:00 in UTC+8 (02:00 UTC)
const std::string kBuilding = "郴州市北湖区国庆北路18号3栋";

// A tablet with its own store, enrolled in nothing: feed pages are applied
// the way the sync client applies them.
struct Tablet {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<Store> store;
  uint64_t cursor = 0;

  Tablet() {
    env.now_ms = kNov10;
    field::InitOptions o;
    o.officer_id = "A1001";
    o.officer_name = "王建国";
    o.kdf.ops_limit = 1;
    o.kdf.mem_limit = 8 << 20;
    REQUIRE(Store::Create(dir.path(), o, "246810", &env).ok());
    auto opened = Store::Open(dir.path(), &env);
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    REQUIRE(store->Unlock("A1001", "246810").ok());
  }

  void Pull(const std::vector<v1::FeedItem>& items) {
    v1::PullResponse page;
    for (const auto& item : items) {
      *page.add_items() = item;
      page.mutable_items()->rbegin()->set_seq(++cursor);
    }
    page.set_next_cursor(cursor);
    REQUIRE(store->ApplyFeed(page).ok());
  }

  std::string Visit(const std::string& address, v1::UnitStatus status, int64_t at_ms = 0) {
    v1::Record r;
    auto* rc = r.mutable_rental_check();
    rc->mutable_address()->set_raw(address);
    rc->set_unit_status(status);
    if (at_ms != 0) rc->set_visited_at_ms(at_ms);
    if (status == v1::UNIT_STATUS_CHECKED) {
      auto* p = rc->add_occupants();
      p->set_name("周雨桐");
      p->set_present_at_visit(true);
    }
    auto saved = store->Append({{"", 0, r}});
    REQUIRE(saved.ok());
    return saved->front().record_id();
  }

  field::CoverageData Load() {
    auto data = field::LoadCoverage(*store);
    REQUIRE(data.ok());
    return std::move(data).value();
  }
  field::TodayView Today() { return field::TodayOf(Load(), env.now_ms); }
  field::BuildingView Building(const std::string& text = kBuilding) {
    auto view = field::BuildingOf(Load(), text, env.now_ms);
    INFO(view.status().ToString());
    REQUIRE(view.ok());
    return std::move(view).value();
  }
};

std::string BuildingKey(const std::string& text) {
  return schema::BuildingKeyOf(schema::NormalizeAddress(text, {"431002"}));
}

v1::FeedItem Item(const std::string& kind, const std::string& key,
                  const google::protobuf::MessageLite& payload) {
  v1::FeedItem item;
  item.set_kind(kind);
  item.set_key(key);
  item.set_payload(payload.SerializeAsString());
  return item;
}

v1::FeedItem Tombstone(const std::string& kind, const std::string& key) {
  v1::FeedItem item;
  item.set_kind(kind);
  item.set_key(key);
  item.set_deleted(true);
  return item;
}

v1::FeedItem Config() {
  schema::ledger::CycleConfig config;  // monthly, revisit within 3 days, UTC+8
  return Item("config", "ledger", schema::ledger::ConfigToProto(config, "431002"));
}

// The register's building: 3 floors, 2 rooms a floor, as the hub sends it.
v1::FeedItem Assign(const std::string& beat, const std::string& text = kBuilding) {
  v1::Assignment a;
  *a.mutable_address() = schema::NormalizeAddress(text, {"431002"});
  a.set_building_key(schema::BuildingKeyOf(a.address()));
  a.set_building_type("residential");
  a.set_beat(beat);
  a.set_floors(3);
  for (const char* unit : {"101", "102", "201", "202", "301", "302"}) a.add_units(unit);
  return Item("assignment", beat + "|" + a.building_key(), a);
}

v1::FeedItem HubUnit(const std::string& unit_key, const std::string& state, int64_t at_ms,
                     const std::string& cycle) {
  v1::UnitProgress u;
  u.set_building_key(BuildingKey(kBuilding));
  u.set_unit_key(unit_key);
  u.set_state(state);
  u.set_last_visit_ms(at_ms);
  u.set_officer_id("B2002");
  u.set_cycle(cycle);
  // The hub says when a visit covered the unit (checked or vacant; a den
  // suspect may be covered too).
  if (state == "checked" || state == "vacant") u.set_covered_ms(at_ms);
  return Item("unit", u.building_key() + "|" + unit_key, u);
}

const field::UnitView& UnitOf(const field::BuildingView& v, const std::string& unit_key) {
  for (const auto& u : v.units) {
    if (u.unit_key == unit_key) return u;
  }
  FAIL("no unit " << unit_key << " in the building view");
  return v.units.front();
}

std::string Room(const std::string& room) { return kBuilding + room + "室"; }

}  // namespace

TEST_CASE("visits recorded offline change today and the grid at once") {
  Tablet t;
  t.Pull({Config(), Assign("北湖一片")});
  auto before = t.Today();
  REQUIRE(before.beats.size() == 1);
  CHECK(before.beats[0].units == 6);
  CHECK(before.beats[0].covered == 0);

  t.Visit(Room("101"), v1::UNIT_STATUS_CHECKED);
  t.Visit(Room("102"), v1::UNIT_STATUS_VACANT);
  t.Visit(Room("201"), v1::UNIT_STATUS_NO_ANSWER);
  auto today = t.Today();
  REQUIRE(today.beats.size() == 1);
  const auto& beat = today.beats[0];
  CHECK(beat.beat == "北湖一片");
  CHECK(beat.units == 6);
  CHECK(beat.covered == 2);
  CHECK(beat.remaining == 4);
  CHECK(today.local_visits == 3);
  REQUIRE(today.revisits.size() == 1);
  CHECK(today.revisits[0].unit_key == "201");
  CHECK(today.revisits[0].source == "local");
  CHECK_FALSE(today.revisits[0].open);  // revisit from tomorrow

  auto v = t.Building();
  CHECK(v.assigned);
  CHECK(v.total == 6);
  CHECK(v.covered == 2);
  CHECK(v.coverage_pct == Approx(100.0 * 2 / 6));
  CHECK(UnitOf(v, "101").state == UnitState::kChecked);
  CHECK(UnitOf(v, "102").state == UnitState::kVacant);
  CHECK(UnitOf(v, "201").state == UnitState::kNoAnswer);
  CHECK(UnitOf(v, "202").state == UnitState::kUnvisited);
  // Floors from the top down, one column per position on the floor.
  REQUIRE(v.rows.size() == 3);
  CHECK(v.rows[0].floor == 3);
  CHECK(v.rows[2].floor == 1);
  REQUIRE(v.columns == std::vector<std::string>{"01", "02"});
  REQUIRE(v.rows[2].cells.size() == 2);
  CHECK(v.units[v.rows[2].cells[0]].unit_key == "101");
  CHECK(v.units[v.rows[2].cells[1]].unit_key == "102");
  CHECK(v.units[v.rows[0].cells[1]].unit_key == "302");
}

TEST_CASE("a failed attempt becomes a revisit due tomorrow and overdue after the deadline") {
  Tablet t;
  t.Pull({Config(), Assign("北湖一片")});
  t.Visit(Room("201"), v1::UNIT_STATUS_NO_ANSWER);  // 10:00, a morning attempt
  t.env.Advance(kDay);
  auto today = t.Today();
  REQUIRE(today.revisits.size() == 1);
  const auto& r = today.revisits[0];
  CHECK(r.open);
  CHECK_FALSE(r.overdue);
  CHECK(r.reason == "no_answer");
  CHECK(r.window != "morning");  // another time of day than the failed attempt
  CHECK(r.attempts == 1);
  REQUIRE(r.beats == std::vector<std::string>{"北湖一片"});
  CHECK(today.beats[0].revisits_open == 1);
  CHECK(UnitOf(t.Building(), "201").state == UnitState::kRevisitDue);

  t.env.Advance(4 * kDay);
  auto late = t.Today();
  REQUIRE(late.revisits.size() == 1);
  CHECK(late.revisits[0].overdue);

  t.Visit(Room("201"), v1::UNIT_STATUS_CHECKED);  // the revisit, offline
  auto done = t.Today();
  CHECK(done.revisits.empty());
  CHECK(done.beats[0].covered == 1);
}

TEST_CASE("the hub's unit states combine with local visits: the newest visit wins") {
  Tablet t;
  std::string cycle = schema::ledger::CycleAt({}, t.env.now_ms).label;
  int64_t now = t.env.now_ms;
  t.Pull({Config(), Assign("北湖一片"),
          HubUnit("301", "checked", now - kHour, cycle),            // only the hub knows
          HubUnit("302", "no_answer", now - 2 * kHour, cycle),      // older than our check
          HubUnit("202", "checked", now + kHour, cycle),            // newer than our no-answer
          HubUnit("101", "checked", now - 20 * kDay, "2026-10")});  // last cycle's
  t.Visit(Room("302"), v1::UNIT_STATUS_CHECKED, now - kHour);
  t.Visit(Room("202"), v1::UNIT_STATUS_NO_ANSWER, now - 3 * kHour);
  t.env.Advance(2 * kHour);
  auto v = t.Building();
  CHECK(UnitOf(v, "301").state == UnitState::kChecked);
  CHECK(UnitOf(v, "301").source == "hub");
  CHECK(UnitOf(v, "301").last_officer_id == "B2002");
  CHECK(UnitOf(v, "302").state == UnitState::kChecked);
  CHECK(UnitOf(v, "302").source == "local");
  CHECK(UnitOf(v, "202").state == UnitState::kChecked);
  CHECK(UnitOf(v, "202").source == "hub");
  CHECK_FALSE(UnitOf(v, "202").revisit.has_value());
  CHECK(UnitOf(v, "101").state == UnitState::kUnvisited);  // a check from last month
  CHECK(v.covered == 3);
  auto today = t.Today();
  CHECK(today.beats[0].covered == 3);
  CHECK(today.revisits.empty());
}

TEST_CASE("a den suspect counts as covered only when the hub says a visit covered it") {
  Tablet t;
  std::string cycle = schema::ledger::CycleAt({}, t.env.now_ms).label;
  int64_t now = t.env.now_ms;
  v1::FeedItem checked_den = HubUnit("301", "den_suspected", now - kHour, cycle);
  v1::UnitProgress u;
  REQUIRE(u.ParseFromString(checked_den.payload()));
  u.set_covered_ms(now - kHour);
  checked_den.set_payload(u.SerializeAsString());
  // Suspected at a visit last month; this month only a no-answer since.
  t.Pull({Config(), Assign("北湖一片"), checked_den,
          HubUnit("302", "den_suspected", now - kHour, cycle)});
  auto v = t.Building();
  CHECK(UnitOf(v, "301").state == UnitState::kDenSuspected);
  CHECK(UnitOf(v, "301").covered);
  CHECK(UnitOf(v, "302").state == UnitState::kDenSuspected);
  CHECK_FALSE(UnitOf(v, "302").covered);
  CHECK(v.covered == 1);
}

TEST_CASE("the hub's revisits show until a newer local visit settles them") {
  Tablet t;
  int64_t now = t.env.now_ms;
  v1::Revisit r;
  r.set_building_key(BuildingKey(kBuilding));
  r.set_unit_key("202");
  r.set_reason("refused");
  r.set_window("evening");
  r.set_from_ms(now - 6 * kHour);
  r.set_due_ms(now + 2 * kDay);
  r.set_due_date("2026-11-12");
  r.set_attempts(2);
  r.set_last_attempt_ms(now - kDay);
  t.Pull({Config(), Assign("北湖一片"), Item("revisit", r.building_key() + "|202", r)});
  auto today = t.Today();
  REQUIRE(today.revisits.size() == 1);
  CHECK(today.revisits[0].source == "hub");
  CHECK(today.revisits[0].open);
  CHECK(today.revisits[0].window == "evening");
  CHECK(today.revisits[0].due_date == "2026-11-12");
  CHECK(today.revisits[0].attempts == 2);
  CHECK(UnitOf(t.Building(), "202").state == UnitState::kRevisitDue);

  t.Visit(Room("202"), v1::UNIT_STATUS_CHECKED);
  CHECK(t.Today().revisits.empty());
  CHECK(UnitOf(t.Building(), "202").state == UnitState::kChecked);
}

TEST_CASE("a tombstoned assignment disappears, its visits remain as not assigned") {
  Tablet t;
  auto assignment = Assign("北湖一片");
  t.Pull({Config(), assignment, Assign("北湖二片", "郴州市北湖区国庆北路18号5栋")});
  CHECK(t.Today().beats.size() == 2);
  t.Pull({Tombstone("assignment", assignment.key())});
  auto today = t.Today();
  REQUIRE(today.beats.size() == 1);
  CHECK(today.beats[0].beat == "北湖二片");
  auto gone = field::BuildingOf(t.Load(), kBuilding, t.env.now_ms);
  CHECK(gone.status().code() == Code::kNotFound);

  t.Visit(Room("101"), v1::UNIT_STATUS_CHECKED);
  auto v = t.Building();
  CHECK_FALSE(v.assigned);
  CHECK(v.total == 0);
  REQUIRE(v.units.size() == 1);
  CHECK_FALSE(v.units[0].registered);
  CHECK(t.Today().outside_visits == 1);
}

TEST_CASE("extra units, visits without a room and unreadable addresses are reported") {
  Tablet t;
  t.Pull({Config(), Assign("北湖一片")});
  t.Visit(Room("401"), v1::UNIT_STATUS_CHECKED);               // the register lists no 4th floor
  t.Visit(kBuilding, v1::UNIT_STATUS_CHECKED);                 // no room
  std::string lost = t.Visit("???", v1::UNIT_STATUS_CHECKED);  // names no place
  auto v = t.Building();
  CHECK(v.total == 6);
  CHECK(v.covered == 0);
  CHECK(v.extra == 1);
  CHECK_FALSE(UnitOf(v, "401").registered);
  CHECK(v.rows.front().floor == 4);
  CHECK(v.no_room.size() == 1);
  auto today = t.Today();
  CHECK(today.beats[0].covered == 0);
  REQUIRE(today.unplaced.size() == 2);
  const field::UnplacedVisit* unreadable = nullptr;
  for (const auto& u : today.unplaced) {
    if (u.record_id == lost) unreadable = &u;
  }
  REQUIRE(unreadable != nullptr);
  CHECK(unreadable->address == "???");
  CHECK(unreadable->reason != "no room");
  CHECK_FALSE(unreadable->reason.empty());
}

TEST_CASE("only a record's latest version counts, den indicators mark the unit") {
  Tablet t;
  t.Pull({Config(), Assign("北湖一片")});
  std::string id = t.Visit(Room("301"), v1::UNIT_STATUS_NO_ANSWER);
  v1::Record edit;
  edit.mutable_rental_check()->mutable_address()->set_raw(Room("301"));
  edit.mutable_rental_check()->set_unit_status(v1::UNIT_STATUS_CHECKED);
  REQUIRE(t.store->Append({{id, 0, edit}}).ok());
  CHECK(UnitOf(t.Building(), "301").state == UnitState::kChecked);
  CHECK(t.Today().revisits.empty());

  v1::Record den = testing::SampleRentalCheck();  // 40 SIM cards found
  den.mutable_rental_check()->mutable_address()->Clear();
  den.mutable_rental_check()->mutable_address()->set_raw(Room("302"));
  REQUIRE(t.store->Append({{"", 0, den}}).ok());
  CHECK(UnitOf(t.Building(), "302").state == UnitState::kDenSuspected);
}

TEST_CASE("a building is found by a room's address or by its key, bad text is refused") {
  Tablet t;
  t.Pull({Config(), Assign("北湖一片")});
  auto by_room = t.Building(Room("201"));
  CHECK(by_room.focus_unit == "201");
  CHECK(by_room.total == 6);
  auto by_key = t.Building(BuildingKey(kBuilding));
  CHECK(by_key.building_key == by_room.building_key);
  auto bad = field::BuildingOf(t.Load(), "???", t.env.now_ms);
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message().find("???") != std::string::npos);
  auto bad_key = field::BuildingOf(t.Load(), "12|x", t.env.now_ms);
  CHECK(bad_key.status().code() == Code::kInvalidArgument);
}

TEST_CASE("feed items are read back decrypted and never stored in clear") {
  Tablet t;
  const std::string canary = "郴州市北湖区燕泉路999号金丝雀公寓7栋";
  t.Pull({Config(), Assign("北湖一片", canary)});
  auto items = t.store->FeedItems("assignment");
  REQUIRE(items.ok());
  REQUIRE(items->size() == 1);
  v1::Assignment a;
  REQUIRE(a.ParseFromString(items->front().payload()));
  CHECK(a.address().raw() == canary);
  t.store.reset();  // close, so the WAL is checkpointed into the files we read
  for (const auto& entry : std::filesystem::directory_iterator(t.dir.path())) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    CHECK(bytes.find("金丝雀") == std::string::npos);
    CHECK(bytes.find("燕泉路999号") == std::string::npos);
  }
}
