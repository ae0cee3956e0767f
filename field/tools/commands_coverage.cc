// `sweep-field today` and `sweep-field building ADDRESS`: the tablet's own
// coverage view (field/coverage.h), on the terminal (coverage_text.h) or as
// one JSON object (--json).
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "coverage_text.h"
#include "json_out.h"
#include "sweep/field/coverage.h"
#include "sweep/field/store.h"

namespace sweep::cli {

namespace ledger = schema::ledger;

namespace {

bool ColorWanted() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0') &&
         (term == nullptr || std::string_view(term) != "dumb");
}

TextStyle StyleFor(const Globals& g) { return {g.english, ColorWanted()}; }

std::string CycleJson(const ledger::Cycle& c) {
  return JsonObject()
      .Str("label", c.label)
      .Int("startMs", c.start_ms)
      .Int("endMs", c.end_ms)
      .Done();
}

std::string RevisitJson(const field::RevisitView& r) {
  return JsonObject()
      .Str("buildingKey", r.building_key)
      .Str("unitKey", r.unit_key)
      .Str("address", r.address)
      .Str("reason", r.reason)
      .Str("window", r.window)
      .Int("fromMs", r.from_ms)
      .Int("dueMs", r.due_ms)
      .Str("dueDate", r.due_date)
      .Bool("open", r.open)
      .Bool("overdue", r.overdue)
      .Int("attempts", r.attempts)
      .Int("lastAttemptMs", r.last_attempt_ms)
      .Str("source", r.source)
      .Raw("beats", JsonStrings(r.beats))
      .Done();
}

std::string UnplacedJson(const std::vector<field::UnplacedVisit>& list) {
  std::vector<std::string> items;
  items.reserve(list.size());
  for (const auto& u : list) {
    items.push_back(JsonObject()
                        .Str("recordId", u.record_id)
                        .Str("address", u.address)
                        .Str("reason", u.reason)
                        .Done());
  }
  return JsonArray(items);
}

std::string BeatJson(const field::BeatView& b) {
  std::vector<std::string> buildings;
  for (const auto& bs : b.buildings) {
    buildings.push_back(JsonObject()
                            .Str("buildingKey", bs.building_key)
                            .Str("address", bs.address)
                            .Int("units", bs.units)
                            .Int("covered", bs.covered)
                            .Int("remaining", bs.remaining)
                            .Done());
  }
  return JsonObject()
      .Str("beat", b.beat)
      .Int("units", b.units)
      .Int("covered", b.covered)
      .Int("remaining", b.remaining)
      .Num("coveragePct", b.units > 0 ? 100.0 * b.covered / b.units : 0)
      .Int("revisitsOpen", b.revisits_open)
      .Raw("buildings", JsonArray(buildings))
      .Done();
}

std::string TodayJson(const field::TodayView& v, const std::vector<std::string>& warnings) {
  std::vector<std::string> beats, revisits;
  for (const auto& b : v.beats) beats.push_back(BeatJson(b));
  for (const auto& r : v.revisits) revisits.push_back(RevisitJson(r));
  return JsonObject()
      .Str("officerId", v.officer_id)
      .Str("today", v.today)
      .Int("nowMs", v.now_ms)
      .Raw("cycle", CycleJson(v.cycle))
      .Bool("configFromHub", v.config_from_hub)
      .Int("revisitDays", v.config.revisit_days)
      .Raw("beats", JsonArray(beats))
      .Raw("revisits", JsonArray(revisits))
      .Raw("unplaced", UnplacedJson(v.unplaced))
      .Int("localVisits", v.local_visits)
      .Int("outsideVisits", v.outside_visits)
      .Raw("outsideBuildings", JsonStrings(v.outside_buildings))
      .Raw("warnings", JsonStrings(warnings))
      .Done();
}

std::string UnitJson(const field::UnitView& u) {
  return JsonObject()
      .Str("unitKey", u.unit_key)
      .Str("stairwell", u.stairwell)
      .Str("room", u.room)
      .Int("floor", u.floor)
      .Bool("registered", u.registered)
      .Str("state", ledger::StateName(u.state))
      .Bool("covered", u.covered)
      .Str("source", u.source)
      .Int("lastVisitMs", u.last_visit_ms)
      .Str("lastOfficerId", u.last_officer_id)
      .Int("localVisits", u.local_visits)
      .Raw("revisit", u.revisit ? RevisitJson(*u.revisit) : "null")
      .Raw("unaccounted", JsonStrings(u.unaccounted))
      .Done();
}

std::string GridJson(const field::BuildingView& v) {
  std::vector<std::string> rows;
  for (const auto& row : v.rows) {
    std::vector<std::string> cells;
    for (int i : row.cells) cells.push_back(i < 0 ? "null" : JsonQuote(v.units[i].unit_key));
    rows.push_back(JsonObject().Int("floor", row.floor).Raw("cells", JsonArray(cells)).Done());
  }
  return JsonArray(rows);
}

std::string BuildingJson(const field::BuildingView& v, const std::vector<std::string>& warnings) {
  std::vector<std::string> units;
  for (const auto& u : v.units) units.push_back(UnitJson(u));
  return JsonObject()
      .Str("buildingKey", v.building_key)
      .Str("address", v.address)
      .Bool("assigned", v.assigned)
      .Raw("beats", JsonStrings(v.beats))
      .Str("buildingType", v.building_type)
      .Str("focusUnit", v.focus_unit)
      .Raw("cycle", CycleJson(v.cycle))
      .Int("total", v.total)
      .Int("covered", v.covered)
      .Int("remaining", v.remaining)
      .Num("coveragePct", v.coverage_pct)
      .Int("extra", v.extra)
      .Int("topFloor", v.top_floor)
      .Raw("columns", JsonStrings(v.columns))
      .Raw("rows", GridJson(v))
      .Raw("units", JsonArray(units))
      .Raw("noRoom", UnplacedJson(v.no_room))
      .Raw("warnings", JsonStrings(warnings))
      .Done();
}

}  // namespace

Status CmdToday(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(field::CoverageData data, field::LoadCoverage(*store));
  field::TodayView view = field::TodayOf(data, store->env()->NowMillis());
  if (g.json) {
    std::cout << TodayJson(view, data.warnings) << "\n";
  } else {
    PrintToday(std::cout, view, data.warnings, StyleFor(g));
  }
  return Status::Ok();
}

Status CmdBuilding(const Globals& g, const std::string& address) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(field::CoverageData data, field::LoadCoverage(*store));
  SWEEP_ASSIGN_OR_RETURN(field::BuildingView view,
                         field::BuildingOf(data, address, store->env()->NowMillis()));
  if (g.json) {
    std::cout << BuildingJson(view, data.warnings) << "\n";
  } else {
    PrintBuilding(std::cout, view, data.warnings, StyleFor(g));
  }
  return Status::Ok();
}

}  // namespace sweep::cli
