// The coverage ledger's rules (docs/ledger.md) on a pinned clock.
#include <catch2/catch.hpp>

#include <ctime>

#include "sweep/schema/ledger.h"

namespace sweep::schema::ledger {
namespace {

// An instant given in China Standard Time, computed independently of the
// code under test (timegm).
int64_t Cst(int y, int mo, int d, int h = 0, int mi = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return (static_cast<int64_t>(timegm(&tm)) - 8 * 3600) * 1000;
}

Visit V(std::string id, int64_t at, v1::UnitStatus status, uint64_t version = 1) {
  Visit v;
  v.record_id = std::move(id);
  v.version = version;
  v.officer_id = "p0" + std::to_string(at % 7);
  v.at_ms = at;
  v.status = status;
  return v;
}

PersonSeen P(std::string key, std::string name, bool present, bool moved_out = false) {
  return PersonSeen{std::move(key), std::move(name), present, moved_out};
}

UnitLedger Run(const std::vector<Visit>& visits, int64_t now,
               const std::vector<PersonSeen>& registered = {}, CycleConfig config = {}) {
  return ComputeUnit(visits, registered, config, now);
}

}  // namespace

TEST_CASE("monthly cycles follow local (UTC+8) calendar months", "[ledger]") {
  CycleConfig c;
  Cycle nov = CycleAt(c, Cst(2026, 11, 28, 12));
  CHECK(nov.label == "2026-11");
  CHECK(nov.start_ms == Cst(2026, 11, 1));
  CHECK(nov.end_ms == Cst(2026, 12, 1));
  // 00:30 on 1 December local is still 30 November in UTC.
  CHECK(CycleAt(c, Cst(2026, 12, 1, 0, 30)).label == "2026-12");
  CHECK(CycleAt(c, Cst(2026, 11, 30, 23, 59)).label == "2026-11");
  Cycle dec = CycleAt(c, Cst(2026, 12, 31, 23));
  CHECK(dec.end_ms == Cst(2027, 1, 1));
  CHECK(CycleAt(c, Cst(2028, 2, 29, 8)).end_ms == Cst(2028, 3, 1));
}

TEST_CASE("day-count cycles start at the anchor and repeat", "[ledger]") {
  CycleConfig c;
  c.kind = CycleConfig::Kind::kDays;
  c.cycle_days = 14;
  c.anchor_ms = Cst(2026, 11, 2);
  Cycle a = CycleAt(c, Cst(2026, 11, 20, 10));
  CHECK(a.start_ms == Cst(2026, 11, 16));
  CHECK(a.end_ms == Cst(2026, 11, 30));
  CHECK(a.label == "2026-11-16+14d");
  // Before the anchor too.
  CHECK(CycleAt(c, Cst(2026, 10, 25)).start_ms == Cst(2026, 10, 19));
}

TEST_CASE("local dates and times of day", "[ledger]") {
  CycleConfig c;
  CHECK(LocalDate(c, Cst(2026, 11, 28, 23, 59)) == "2026-11-28");
  CHECK(LocalDate(c, Cst(2026, 11, 29, 0, 0)) == "2026-11-29");
  CHECK(TimeOfDay(c, Cst(2026, 11, 28, 5, 59)) == "evening");
  CHECK(TimeOfDay(c, Cst(2026, 11, 28, 6, 0)) == "morning");
  CHECK(TimeOfDay(c, Cst(2026, 11, 28, 12, 0)) == "afternoon");
  CHECK(TimeOfDay(c, Cst(2026, 11, 28, 18, 0)) == "evening");
}

TEST_CASE("configuration from the hub is checked", "[ledger]") {
  v1::LedgerConfig p;
  auto def = ConfigFromProto(p);
  REQUIRE(def.ok());
  CHECK(def->kind == CycleConfig::Kind::kMonthly);
  CHECK(def->revisit_days == 3);
  CHECK(def->utc_offset_minutes == 480);
  p.set_cycle("weekly");
  CHECK(ConfigFromProto(p).status().message().find("weekly") != std::string::npos);
  p.set_cycle("days");
  CHECK(ConfigFromProto(p).status().code() == Code::kInvalidArgument);  // no cycle_days
  p.set_cycle_days(10);
  p.set_revisit_days(5);
  p.set_anchor_ms(Cst(2026, 1, 1));
  auto days = ConfigFromProto(p);
  REQUIRE(days.ok());
  CHECK(days->cycle_days == 10);
  CHECK(days->revisit_days == 5);
  auto back = ConfigToProto(*days, "431002");
  CHECK(back.cycle() == "days");
  CHECK(back.anchor_ms() == Cst(2026, 1, 1));
  CHECK(back.default_division() == "431002");
  p.set_utc_offset_minutes(2000);
  CHECK(!ConfigFromProto(p).ok());
}

TEST_CASE("a unit's state follows its visits this cycle", "[ledger]") {
  const int64_t now = Cst(2026, 11, 28, 15);
  SECTION("never visited") {
    UnitLedger u = Run({}, now);
    CHECK(u.state == UnitState::kUnvisited);
    CHECK(!u.covered());
    CHECK(u.last_visit_ms == 0);
  }
  SECTION("checked, vacant") {
    CHECK(Run({V("a", Cst(2026, 11, 3, 10), v1::UNIT_STATUS_CHECKED)}, now).state ==
          UnitState::kChecked);
    UnitLedger vac = Run({V("a", Cst(2026, 11, 3, 10), v1::UNIT_STATUS_VACANT)}, now);
    CHECK(vac.state == UnitState::kVacant);
    CHECK(vac.covered());
    // A rental check without a status was a check.
    CHECK(Run({V("a", Cst(2026, 11, 3), v1::UNIT_STATUS_UNSPECIFIED)}, now).covered());
  }
  SECTION("a check in the previous cycle does not cover this one") {
    UnitLedger u = Run({V("a", Cst(2026, 10, 31, 23, 30), v1::UNIT_STATUS_CHECKED)}, now);
    CHECK(u.state == UnitState::kUnvisited);
    CHECK(u.last_visit_ms == Cst(2026, 10, 31, 23, 30));
  }
  SECTION("a later check settles earlier failed attempts") {
    UnitLedger u = Run({V("b", Cst(2026, 11, 20, 19), v1::UNIT_STATUS_CHECKED),
                        V("a", Cst(2026, 11, 19, 9), v1::UNIT_STATUS_NO_ANSWER)},
                       now);
    CHECK(u.state == UnitState::kChecked);
    CHECK(u.revisit_due_ms == 0);
    CHECK(u.failed_attempts == 0);
  }
  SECTION("only a record's highest version counts, in any order") {
    std::vector<Visit> vs = {V("a", Cst(2026, 11, 20, 9), v1::UNIT_STATUS_CHECKED, 2),
                             V("a", Cst(2026, 11, 20, 9), v1::UNIT_STATUS_NO_ANSWER, 1)};
    CHECK(Run(vs, now).state == UnitState::kChecked);
    std::swap(vs[0], vs[1]);
    CHECK(Run(vs, now).state == UnitState::kChecked);
    vs[0].version = 3;  // the no-answer is now the newer version
    CHECK(Run(vs, now).state == UnitState::kRevisitDue);
  }
}

TEST_CASE("a failed attempt schedules a revisit at another time of day", "[ledger]") {
  CycleConfig c;  // revisit within 3 days
  const int64_t at = Cst(2026, 11, 10, 9, 30);  // morning
  std::vector<Visit> vs = {V("a", at, v1::UNIT_STATUS_NO_ANSWER)};

  UnitLedger same_day = Run(vs, Cst(2026, 11, 10, 20));
  CHECK(same_day.state == UnitState::kNoAnswer);
  CHECK(same_day.revisit_from_ms == Cst(2026, 11, 11));
  CHECK(same_day.revisit_due_ms == Cst(2026, 11, 14));  // end of the 13th
  CHECK(same_day.revisit_window == "evening");
  CHECK(same_day.revisit_reason == "no_answer");
  CHECK(!same_day.revisit_overdue);
  CHECK(same_day.failed_attempts == 1);

  UnitLedger next_day = Run(vs, Cst(2026, 11, 11, 0, 1));
  CHECK(next_day.state == UnitState::kRevisitDue);
  CHECK(!next_day.revisit_overdue);
  CHECK(Run(vs, Cst(2026, 11, 13, 23, 59)).revisit_overdue == false);
  UnitLedger late = Run(vs, Cst(2026, 11, 14, 0, 0));
  CHECK(late.state == UnitState::kRevisitDue);
  CHECK(late.revisit_overdue);

  // A second failure in the evening: the next try should be neither.
  vs.push_back(V("b", Cst(2026, 11, 12, 19, 45), v1::UNIT_STATUS_REFUSED));
  UnitLedger twice = Run(vs, Cst(2026, 11, 12, 21));
  CHECK(twice.state == UnitState::kRefused);
  CHECK(twice.failed_attempts == 2);
  CHECK(twice.revisit_window == "afternoon");
  CHECK(twice.revisit_reason == "refused");
  CHECK(twice.revisit_due_ms == Cst(2026, 11, 16));

  // Configurable number of days.
  c.revisit_days = 7;
  CHECK(ComputeUnit(vs, {}, c, Cst(2026, 11, 13)).revisit_due_ms == Cst(2026, 11, 20));
  // An evening refusal alone suggests the morning.
  CHECK(Run({V("c", Cst(2026, 11, 12, 19), v1::UNIT_STATUS_REFUSED)}, Cst(2026, 11, 12, 21))
            .revisit_window == "morning");
}

TEST_CASE("den indicators mark a unit until a clean check", "[ledger]") {
  CHECK(IndicatesDen({"simbox_goip"}));
  CHECK(IndicatesDen({"many_bank_cards"}));
  CHECK(!IndicatesDen({"frequent_turnover"}));
  CHECK(IndicatesDen({"frequent_turnover", "cash_short_rent"}));
  CHECK(!IndicatesDen({"frequent_turnover", "frequent_turnover"}));
  CHECK(!IndicatesDen({}));

  const int64_t now = Cst(2026, 11, 28, 15);
  Visit den = V("a", Cst(2026, 11, 5, 10), v1::UNIT_STATUS_CHECKED);
  den.den_suspected = true;
  UnitLedger u = Run({den}, now);
  CHECK(u.state == UnitState::kDenSuspected);
  CHECK(u.covered());  // it was checked all the same
  // A no-answer afterwards does not clear the suspicion.
  UnitLedger still = Run({den, V("b", Cst(2026, 11, 7, 20), v1::UNIT_STATUS_NO_ANSWER)}, now);
  CHECK(still.state == UnitState::kDenSuspected);
  // A later check that finds nothing does.
  CHECK(Run({den, V("c", Cst(2026, 11, 9, 20), v1::UNIT_STATUS_CHECKED)}, now).state ==
        UnitState::kChecked);
  // A suspicion from last cycle stands in the new one (nobody has cleared it).
  CHECK(Run({den}, Cst(2026, 12, 3)).state == UnitState::kDenSuspected);
  CHECK(!Run({den}, Cst(2026, 12, 3)).covered());
}

TEST_CASE("residents not seen at the latest check are unaccounted for", "[ledger]") {
  const int64_t now = Cst(2026, 11, 28, 15);
  const std::string kA = "id:431002199003070018", kB = "id:431002199511110020";
  std::vector<PersonSeen> reg = {P(kA, "李华", false), P(kB, "王芳", false),
                                 P("name:赵强", "赵强", false, /*moved_out=*/true)};
  Visit first = V("v1", Cst(2026, 10, 12, 19), v1::UNIT_STATUS_CHECKED);
  first.persons = {P(kA, "李华", true), P("name:陈明", "陈明", true)};
  Visit latest = V("v2", Cst(2026, 11, 20, 19), v1::UNIT_STATUS_CHECKED);
  // 李华 seen again, recorded by name only this time; 陈明 listed but not seen.
  latest.persons = {P("name:李华", "李华", true), P("name:陈明", "陈明", false)};

  UnitLedger u = Run({first, latest}, now, reg);
  REQUIRE(u.unaccounted.size() == 2);
  CHECK(u.unaccounted[0].name == "王芳");  // registered, never seen
  CHECK(u.unaccounted[1].name == "陈明");  // seen before, missing now
  // 陈明 recorded as moved out: accounted for.
  latest.persons[1].moved_out = true;
  UnitLedger moved = Run({first, latest}, now, reg);
  REQUIRE(moved.unaccounted.size() == 1);
  CHECK(moved.unaccounted[0].name == "王芳");
  // No check at all: everyone expected is unaccounted for.
  Visit knock = V("v3", Cst(2026, 11, 25, 9), v1::UNIT_STATUS_NO_ANSWER);
  CHECK(Run({knock}, now, reg).unaccounted.size() == 2);
  // Two different IDs are two people even with one name.
  std::vector<PersonSeen> twins = {P(kA, "李华", false)};
  Visit other = V("v4", Cst(2026, 11, 26, 9), v1::UNIT_STATUS_CHECKED);
  other.persons = {P("id:431002199001010011", "李华", true)};
  CHECK(Run({other}, now, twins).unaccounted.size() == 1);
}

TEST_CASE("a record becomes a visit", "[ledger]") {
  v1::Record r;
  r.set_record_id("r1");
  r.set_version(2);
  r.set_officer_id("p01");
  r.mutable_hlc()->set_wall_ms(Cst(2026, 11, 20, 10));
  auto* rc = r.mutable_rental_check();
  rc->mutable_address()->set_raw("郴州市北湖区国庆北路社区国庆小区3栋2单元502室");
  rc->set_unit_status(v1::UNIT_STATUS_CHECKED);
  auto* ind = rc->add_indicators();
  ind->set_code("simbox_goip");
  ind->set_present(true);
  auto* absent = rc->add_indicators();
  absent->set_code("scripts");
  absent->set_present(false);
  auto* p = rc->add_occupants();
  p->set_name("李华");
  p->set_id_number("４３１００２１９９００３０７００１８");  // full-width: normalised
  p->set_present_at_visit(true);
  rc->add_occupants()->set_name(" ");  // nobody: skipped

  auto v = VisitOf(r, AddressContext{"431002"});
  REQUIRE(v.has_value());
  CHECK(v->at_ms == Cst(2026, 11, 20, 10));  // no visited_at: the HLC time
  CHECK(v->indicators == std::vector<std::string>{"simbox_goip"});
  CHECK(v->den_suspected);
  REQUIRE(v->persons.size() == 1);
  CHECK(v->persons[0].key == "id:431002199003070018");
  CHECK(v->address.raw() == rc->address().raw());
  CHECK(!v->building_key.empty());
  CHECK(v->unit_key == "2-502");

  rc->set_visited_at_ms(Cst(2026, 11, 20, 9));
  CHECK(VisitOf(r, {"431002"})->at_ms == Cst(2026, 11, 20, 9));
  v1::Record empty;
  CHECK(!VisitOf(empty, {}).has_value());
}

}  // namespace sweep::schema::ledger

namespace sweep::schema::ledger {

TEST_CASE("visits are placed on the register's units", "[ledger]") {
  std::vector<std::string> flat = {"101", "102", "501", "502"};
  CHECK(MatchUnitKey(flat, "502") == "502");
  CHECK(MatchUnitKey(flat, "1-502") == "502");  // "1单元502" where there are no stairwells
  CHECK(MatchUnitKey(flat, "2-502").empty());
  CHECK(MatchUnitKey(flat, "503").empty());
  CHECK(MatchUnitKey(flat, "").empty());
  std::vector<std::string> stairs = {"1-501", "1-502", "2-501", "2-503"};
  CHECK(MatchUnitKey(stairs, "2-503") == "2-503");
  CHECK(MatchUnitKey(stairs, "503") == "2-503");  // only stairwell 2 has a 503
  CHECK(MatchUnitKey(stairs, "501").empty());     // both have one: ambiguous
  CHECK(MatchUnitKey(stairs, "502") == "1-502");
}

TEST_CASE("people are keyed by ID number, else by name", "[ledger]") {
  CHECK(PersonKey("李华", "431002199003070018") == "id:431002199003070018");
  CHECK(PersonKey("李华", "431002900307001") == "id:431002199003070018");  // 15-digit
  CHECK(PersonKey(" 李华 ", "4310021990030700") == "name:李华");            // bad ID: name
  CHECK(PersonKey("", "").empty());
}

}  // namespace sweep::schema::ledger
