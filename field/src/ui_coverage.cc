// The tablet screen's coverage routes (docs/api.md): the officer's day and
// one building as a grid (coverage.h), read from the store at each request
// so that a visit recorded a moment ago counts.
#include "sweep/field/coverage.h"
#include "ui_internal.h"

namespace sweep::field {

void UiServer::Impl::CoverageRoutes() {
  server.Get("/api/today", Unlocked(&Impl::Today));
  server.Get("/api/building", Unlocked(&Impl::Building));
}

void UiServer::Impl::Today(const httplib::Request&, httplib::Response& res) {
  auto data = LoadCoverage(*store);
  if (!data.ok()) {
    ui::SendStoreError(res, data.status());
    return;
  }
  const TodayView t = TodayOf(*data, store->env()->NowMillis());
  v1::UiToday out;
  out.set_officer_id(t.officer_id);
  out.set_today(t.today);
  out.set_cycle(t.cycle.label);
  out.set_local_visits(t.local_visits);
  out.set_config_from_hub(t.config_from_hub);
  for (const BeatView& b : t.beats) {
    auto* beat = out.add_beats();
    beat->set_beat(b.beat);
    beat->set_units(b.units);
    beat->set_covered(b.covered);
    beat->set_remaining(b.remaining);
    beat->set_revisits_open(b.revisits_open);
    for (const BuildingSummary& s : b.buildings) {
      auto* u = beat->add_buildings();
      u->set_building_key(s.building_key);
      u->set_address(s.address);
      u->set_units(s.units);
      u->set_covered(s.covered);
      u->set_remaining(s.remaining);
    }
  }
  for (const RevisitView& r : t.revisits) {
    auto* v = out.add_revisits();
    v->set_building_key(r.building_key);
    v->set_unit_key(r.unit_key);
    v->set_address(r.address);
    v->set_reason(r.reason);
    v->set_window(r.window);
    v->set_due_date(r.due_date);
    v->set_open(r.open);
    v->set_overdue(r.overdue);
    v->set_attempts(r.attempts);
  }
  out.set_unsynced(ui::Unsynced(*store));
  res.set_content(sync::web::ApiJson(out), "application/json");
}

void UiServer::Impl::Building(const httplib::Request& req, httplib::Response& res) {
  const std::string key = req.get_param_value("key");
  if (key.empty()) {
    ui::SendError(res, 400, "bad_request", "give the building: /api/building?key=<building key>");
    return;
  }
  auto data = LoadCoverage(*store);
  if (!data.ok()) {
    ui::SendStoreError(res, data.status());
    return;
  }
  auto view = BuildingOf(*data, key, store->env()->NowMillis());
  if (!view.ok()) {
    const bool unreadable = view.status().code() == Code::kInvalidArgument;
    ui::SendError(res, unreadable ? 400 : 404, unreadable ? "bad_address" : "unknown_building",
                  view.status().message());
    return;
  }
  v1::UiBuilding out;
  out.set_building_key(view->building_key);
  out.set_address(view->address);
  for (const std::string& b : view->beats) out.add_beats(b);
  for (const std::string& c : view->columns) out.add_columns(c);
  for (const GridRow& r : view->rows) {
    auto* row = out.add_rows();
    row->set_floor(r.floor);
    for (int c : r.cells) row->add_cells(c);
  }
  for (const UnitView& u : view->units) {
    auto* unit = out.add_units();
    unit->set_unit_key(u.unit_key);
    unit->set_room(u.room);
    unit->set_floor(u.floor);
    unit->set_state(std::string(schema::ledger::StateName(u.state)));
    unit->set_covered(u.covered);
    unit->set_registered(u.registered);
    unit->set_local_visits(u.local_visits);
    unit->set_last_officer_id(u.last_officer_id);
    unit->set_last_visit_ms(u.last_visit_ms);
    if (u.revisit) unit->set_revisit_due_date(u.revisit->due_date);
    unit->set_address(u.address);
    unit->set_record_id(u.local_record_id);
  }
  out.set_total(view->total);
  out.set_covered(view->covered);
  out.set_remaining(view->remaining);
  out.set_coverage_pct(view->coverage_pct);
  out.set_extra(view->extra);
  res.set_content(sync::web::ApiJson(out), "application/json");
}

}  // namespace sweep::field
