// The dashboard's overview routes: the day's report, coverage, one
// building's grid, the configured codes, the enrolled devices, and a photo
// of a den shown before
// (dashboard_internal.h; docs/api.md "Station dashboard").
#include <algorithm>
#include <cctype>
#include <regex>

#include "audit_dash.h"
#include "dashboard_internal.h"
#include "register_rules.h"
#include "sweep/hub/coverage.h"
#include "sweep/hub/report.h"
#include "sweep/schema/address.h"
#include "sweep/schema/indicators.h"

namespace sweep::hub::dash {

namespace ledger = schema::ledger;

namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

void Count(google::protobuf::RepeatedPtrField<v1::DashCount>* out, const std::string& key,
           std::string_view zh, std::string_view en, uint64_t value) {
  auto* c = out->Add();
  c->set_key(key);
  c->set_zh(std::string(zh));
  c->set_en(std::string(en));
  c->set_value(value);
}

const cases::DispositionCode* FindCode(const cases::CaseOptions& o, const std::string& code) {
  for (const auto& d : o.dispositions) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

// "" or a date the ledger's settings can place; else a 400 in *err.
bool ReadDate(Ctx& c, const internal::HubSettings& settings, std::string* date, DashResponse* err) {
  *date = Param(c.req, "date");
  if (date->empty()) {
    *date = ledger::LocalDate(settings.config, c.service->env()->NowMillis());
    return true;
  }
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  if (!std::regex_match(*date, kDate) || !DayStartOf(c.service->store(), *date).ok()) {
    *err = BadField("date", "'" + *date + "' is not a date: give YYYY-MM-DD, e.g. 2026-11-28");
    return false;
  }
  return true;
}

void SetVisitsByDay(const cases::CaseView& view, const ledger::CycleConfig& config,
                    int64_t day_start, v1::DashReport* out) {
  for (int k = 6; k >= 0; --k) {
    const int64_t from = day_start - k * kDayMs, to = from + kDayMs;
    uint64_t n = static_cast<uint64_t>(std::count_if(
        view.visits.begin(), view.visits.end(),
        [&](const cases::VisitSummary& v) { return v.at_ms >= from && v.at_ms < to; }));
    Count(out->mutable_visits_by_day(), ledger::LocalDate(config, from), "", "", n);
  }
}

}  // namespace

DashResponse Report(Ctx& c) {
  HubStore* store = c.service->store();
  DashResponse err;
  auto settings = internal::LoadSettings(store);
  if (!settings.ok()) return FromStatus(settings.status());
  std::string date;
  if (!ReadDate(c, *settings, &date, &err)) return err;
  auto view = c.View(&err);
  if (!view) return err;
  auto options = c.cache->Options();
  if (!options.ok()) return FromStatus(options.status());
  DayReportOptions ropt;
  ropt.date = date;
  auto r = ComputeDayReport(store, c.service->env(), *view, ropt);
  if (!r.ok()) return FromStatus(r.status());
  v1::DashReport out;
  out.set_date(r->date);
  out.set_cycle(r->cycle);
  out.set_visits(r->total.visits);
  out.set_rental(r->total.rental);
  out.set_office(r->total.office);
  auto* by_status = out.mutable_visits_by_status();
  Count(by_status, "checked", "已查", "checked", r->total.checked);
  Count(by_status, "no_answer", "无人应门", "no answer", r->total.no_answer);
  Count(by_status, "refused", "拒绝", "refused", r->total.refused);
  Count(by_status, "vacant", "空置", "vacant", r->total.vacant);
  for (const auto& [officer, counts] : r->by_officer) {
    Count(out.mutable_visits_by_officer(), officer, "", "", counts.visits);
  }
  out.set_persons_seen(r->persons_seen);
  out.set_persons_new(r->persons_new);
  out.set_persons_total(r->persons_total);
  out.set_units_covered_today(r->units_covered_today);
  out.set_cycle_units(r->cycle_totals.units);
  out.set_cycle_checked(r->cycle_totals.checked);
  out.set_cycle_remaining(r->cycle_totals.remaining);
  out.set_revisits_due(r->cycle_totals.revisits_due);
  out.set_revisits_overdue(r->cycle_totals.revisits_overdue);
  for (const auto& [status, n] : r->dens_by_status) {
    auto s = cases::ParseDenStatus(status);
    Count(out.mutable_dens_by_status(), status, s ? cases::DenStatusZh(*s) : "", status, n);
  }
  for (const auto& k : r->dens_new) out.add_dens_new(k);
  for (const auto& a : r->dens_new_addresses) out.add_dens_new_addresses(a);
  out.set_status_changes(r->status_changes);
  for (const auto& [code, n] : r->suspects_by_disposition) {
    const cases::DispositionCode* d = FindCode(*options, code);
    Count(out.mutable_suspects_by_disposition(), code, d ? d->zh : "", d ? d->en : "", n);
  }
  out.set_suspects(r->suspects);
  for (const auto& [code, n] : r->top_indicators) {
    const schema::IndicatorInfo* i = schema::FindIndicator(code);
    Count(out.mutable_top_indicators(), code, i ? i->zh : "", i ? i->en : "", n);
  }
  out.set_open_conflicts(r->open_conflicts);
  out.set_review_queue(r->review_queue);
  SetVisitsByDay(*view, settings->config, r->day_start_ms, &out);
  return Json(out);
}

DashResponse Coverage(Ctx& c) {
  HubStore* store = c.service->store();
  DashResponse err;
  auto settings = internal::LoadSettings(store);
  if (!settings.ok()) return FromStatus(settings.status());
  CoverageOptions o;
  o.beat = Param(c.req, "beat");
  if (!Param(c.req, "date").empty() && !ReadDate(c, *settings, &o.at_date, &err)) return err;
  auto report = ComputeCoverage(store, c.service->env(), o);
  if (!report.ok()) {
    if (report.status().code() == Code::kNotFound) {
      return BadField("beat", report.status().message() + " (leave it empty for every beat)");
    }
    return FromStatus(report.status());
  }
  auto beats = store->ListBeats();
  if (!beats.ok()) return FromStatus(beats.status());
  v1::DashCoverage out;
  out.set_cycle(report->cycle);
  out.set_date(report->date);
  out.set_unresolved_visits(report->unresolved_visits);
  out.set_unregistered_visits(report->unregistered_visits);
  static constexpr const char* kLevels[] = {"community", "beat", "officer", "total"};
  for (const CoverageRow& row : report->rows) {
    auto* r = out.add_rows();
    r->set_level(kLevels[static_cast<int>(row.level)]);
    r->set_beat(row.beat);
    r->set_community_code(row.community_code);
    r->set_community(row.community);
    r->set_officers(row.officers);
    r->set_units(row.counts.units);
    r->set_checked(row.counts.checked);
    r->set_remaining(row.counts.remaining);
    r->set_revisits_due(row.counts.revisits_due);
    r->set_revisits_overdue(row.counts.revisits_overdue);
    r->set_dens(row.counts.dens);
    r->set_unaccounted(row.counts.unaccounted);
    if (row.level != CoverageRow::Level::kCommunity || row.community_code.empty()) continue;
    BuildingQuery q;
    q.division_prefixes = {row.community_code};
    q.with_units = false;
    auto buildings = store->ListBuildings(q);
    if (!buildings.ok()) return FromStatus(buildings.status());
    const BeatRow* beat = nullptr;
    for (const BeatRow& b : *beats) {
      if (b.name == row.beat) beat = &b;
    }
    for (const BuildingRow& b : *buildings) {
      bool in_beat = beat ? internal::BeatHolds(*beat, b.key, b.division_code)
                          : std::none_of(beats->begin(), beats->end(), [&](const BeatRow& x) {
                              return internal::BeatHolds(x, b.key, b.division_code);
                            });
      if (in_beat) r->add_buildings(b.key);
    }
  }
  return Json(out);
}

DashResponse Building(Ctx& c) {
  HubStore* store = c.service->store();
  const std::string key = Param(c.req, "key");
  if (key.empty()) return BadField("key", "give a building key, as coverage rows list them");
  BuildingQuery q;
  q.keys = {key};
  auto found = store->ListBuildings(q);
  if (!found.ok()) return FromStatus(found.status());
  if (found->empty()) {
    return Error(404, "not_found",
                 "no building " + key + " in the register (key: as coverage lists)");
  }
  const BuildingRow& b = found->front();
  auto units = BuildingLedger(store, c.service->env(), b);
  if (!units.ok()) return FromStatus(units.status());
  DashResponse err;
  auto view = c.View(&err);
  if (!view) return err;
  std::vector<std::string> registered;
  for (const UnitRow& u : b.units) registered.push_back(u.unit_key);
  std::map<std::string, std::string> premises;  // unit key → premises key
  for (const cases::VisitSummary& v : view->visits) {
    if (v.building_key != b.key || v.premises_key.empty()) continue;
    std::string unit = ledger::MatchUnitKey(registered, v.unit_key);
    if (!unit.empty()) premises[unit] = v.premises_key;
  }
  v1::DashBuilding out;
  out.set_building_key(b.key);
  out.set_address(b.address.raw());
  // Columns: the stairwell and the room's place on its floor ("2-02").
  std::map<std::pair<int, std::string>, int> cells;
  std::set<std::pair<size_t, std::string>> columns;  // (length, text): "2" before "10"
  int top = 0;
  for (const UnitView& u : *units) {
    auto [stairwell, room] = schema::SplitUnitKey(u.unit_key);
    const int floor = schema::FloorOfRoom(room);
    const std::string f = std::to_string(floor);
    std::string column = floor > 0 && room.starts_with(f) ? room.substr(f.size()) : room;
    if (!stairwell.empty()) column = stairwell + "-" + column;
    cells[{floor, column}] = out.units_size();
    columns.insert({column.size(), column});
    top = std::max(top, floor);
    auto* d = out.add_units();
    d->set_unit_key(u.unit_key);
    d->set_room(room);
    d->set_floor(floor);
    d->set_state(std::string(ledger::StateName(u.ledger.state)));
    d->set_registered(true);
    d->set_last_officer_id(u.ledger.last_officer_id);
    d->set_last_visit_ms(u.ledger.last_visit_ms);
    if (auto it = premises.find(u.unit_key); it != premises.end()) d->set_premises_key(it->second);
    out.set_total(out.total() + 1);
    if (u.ledger.covered()) out.set_covered(out.covered() + 1);
  }
  for (const auto& col : columns) out.add_columns(col.second);
  // Floors top first; rooms whose floor is unknown (0) last.
  const bool unknown_floor = !cells.empty() && cells.begin()->first.first <= 0;
  for (int floor = top; floor >= (unknown_floor ? 0 : 1); --floor) {
    auto* row = out.add_rows();
    row->set_floor(floor);
    for (const auto& col : columns) {
      auto it = cells.find({floor, col.second});
      row->add_cells(it == cells.end() ? -1 : it->second);
    }
  }
  out.set_remaining(out.total() - out.covered());
  out.set_coverage_pct(out.total() > 0 ? 100.0 * out.covered() / out.total() : 0);
  return Json(out);
}

DashResponse Codes(Ctx& c) {
  auto options = c.cache->Options();
  if (!options.ok()) return FromStatus(options.status());
  v1::DashCodes out;
  for (const cases::DispositionCode& d : options->dispositions) {
    auto* x = out.add_dispositions();
    x->set_code(d.code);
    x->set_zh(d.zh);
    x->set_en(d.en);
    x->set_scope(d.scope);
  }
  using S = cases::DenStatus;
  for (S s : {S::kNone, S::kSuspected, S::kInvestigating, S::kRaided, S::kCleared}) {
    auto* x = out.add_den_statuses();
    x->set_code(std::string(cases::DenStatusName(s)));
    x->set_zh(std::string(cases::DenStatusZh(s)));
    x->set_en(std::string(cases::DenStatusName(s)));
    x->set_scope("premises");
  }
  for (const schema::IndicatorInfo& i : schema::KnownIndicators()) {
    auto* x = out.add_indicators();
    x->set_code(std::string(i.code));
    x->set_zh(std::string(i.zh));
    x->set_en(std::string(i.en));
    x->set_scope(i.strong ? "strong" : "weak");
  }
  return Json(out);
}

DashResponse Devices(Ctx& c) {
  auto devices = c.service->Devices();
  if (!devices.ok()) return FromStatus(devices.status());
  v1::DashDevices out;
  for (const Device& d : *devices) {
    auto* x = out.add_devices();
    x->set_device_id(d.device_id);
    x->set_officer_id(d.officer_id);
    x->set_agency(d.agency);
    x->set_enrolled_ms(d.enrolled_ms);
    x->set_last_seen_ms(d.last_seen_ms);
    x->set_revoked(d.status == "revoked");
    x->set_revoke_reason(d.revoke_reason);
    x->set_revoked_ms(d.revoked_ms);
  }
  return Json(out);
}

DashResponse Photo(Ctx& c) {
  const std::string sha = Param(c.req, "sha256");
  if (sha.size() != 64 || !std::all_of(sha.begin(), sha.end(), [](char ch) {
        return std::isdigit(static_cast<unsigned char>(ch)) || (ch >= 'a' && ch <= 'f');
      })) {
    return BadField("sha256",
                    "give the photo's SHA-256: 64 lowercase hex digits, as a den lists it");
  }
  if (!c.cache->KnownPhoto(sha)) {
    return Error(404, "not_found",
                 "no photo " + sha + " among the dens you opened: open its den first");
  }
  HubStore* store = c.service->store();
  auto file = store->GetFile(sha);
  if (!file.ok()) return FromStatus(file.status());
  if (!file->complete) return Error(404, "not_found", "photo " + sha + " is still being uploaded");
  DashResponse out;
  for (uint32_t i = 0; i < file->chunk_sha256.size(); ++i) {
    auto chunk = store->GetChunk(sha, i);
    if (!chunk.ok()) return FromStatus(chunk.status());
    out.body.append(chunk->begin(), chunk->end());
  }
  out.content_type =
      file->media_type.starts_with("image/") ? file->media_type : "application/octet-stream";
  return Audited(c, std::move(out), "read", "photo:" + sha);
}

}  // namespace sweep::hub::dash
