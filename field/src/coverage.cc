// The tablet's coverage view: loading what it is computed from, one unit's
// combined state, and the officer's day. The building grid is in
// coverage_building.cc. See docs/storage-format.md "Coverage on the tablet".
#include "sweep/field/coverage.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "coverage_unit.h"

namespace sweep::field {

namespace ledger = schema::ledger;
using ledger::UnitState;

namespace {

bool IsFailed(UnitState s) {
  return s == UnitState::kRevisitDue || s == UnitState::kNoAnswer || s == UnitState::kRefused;
}

Status LoadConfig(Store& store, CoverageData* d) {
  SWEEP_ASSIGN_OR_RETURN(auto items, store.FeedItems("config"));
  for (const auto& item : items) {
    if (item.key() != "ledger") continue;
    v1::LedgerConfig proto;
    if (!proto.ParseFromString(item.payload())) {
      d->warnings.push_back(
          "the station's coverage rules (feed item config/ledger) do not parse; "
          "using the defaults until the next sync");
      continue;
    }
    d->default_division = proto.default_division();
    auto config = ledger::ConfigFromProto(proto);
    if (!config.ok()) {
      d->warnings.push_back("the station's coverage rules are not usable (" +
                            config.status().message() + "); using the defaults");
      continue;
    }
    d->config = *config;
    d->config_from_hub = true;
  }
  return Status::Ok();
}

// Parses every item of `kind` as M and hands it to `take`; skips (with a
// warning) the ones that do not parse.
template <typename M, typename F>
Status LoadKind(Store& store, std::string_view kind, CoverageData* d, F take) {
  SWEEP_ASSIGN_OR_RETURN(auto items, store.FeedItems(kind));
  size_t bad = 0;
  for (const auto& item : items) {
    M m;
    if (!m.ParseFromString(item.payload())) {
      ++bad;
      continue;
    }
    take(std::move(m));
  }
  if (bad > 0) {
    d->warnings.push_back(std::to_string(bad) + " pulled '" + std::string(kind) +
                          "' items do not parse and were skipped");
  }
  return Status::Ok();
}

void AddVisit(const v1::Record& rec, ledger::Visit visit, CoverageData* d) {
  ++d->local_visits;
  if (visit.building_key.empty()) {
    std::string reason = visit.address.unresolved_reason();
    if (reason.empty()) reason = "the address did not resolve";
    d->unresolved.push_back({rec.record_id(), visit.address.raw(), std::move(reason)});
    return;
  }
  LocalBuilding& b = d->local[visit.building_key];
  if (b.address.normalized_key().empty()) b.address = visit.address;
  if (visit.unit_key.empty()) {
    b.no_room.push_back({rec.record_id(), visit.address.raw(), "no room"});
    return;
  }
  // Place the visit on the register's unit as the hub does ("1-502" is
  // "502" in a building without stairwells, …); an unlisted unit stays as is.
  if (auto units = d->assigned_units.find(visit.building_key); units != d->assigned_units.end()) {
    std::string matched = ledger::MatchUnitKey(units->second, visit.unit_key);
    if (!matched.empty()) visit.unit_key = std::move(matched);
  }
  b.units[visit.unit_key].push_back(std::move(visit));
}

v1::Address* AddressOf(v1::Record& rec) {
  if (rec.has_rental_check()) return rec.mutable_rental_check()->mutable_address();
  if (rec.has_office_sweep()) return rec.mutable_office_sweep()->mutable_address();
  return nullptr;
}

// Turns every record's latest version into a visit. Normalising an address
// is the costly part, and revisits of a unit usually repeat its text: each
// distinct text is normalised once per load (the result depends only on the
// text and the default division, both fixed here).
Status LoadVisits(Store& store, CoverageData* d) {
  schema::AddressContext context{d->default_division};
  std::unordered_map<std::string, v1::Address> normalised;
  return store.ForEachLatest([&](v1::Record& rec) -> Status {
    v1::Address* address = AddressOf(rec);
    bool to_normalise = address != nullptr && address->normalized_key().empty();
    bool cached = false;
    if (to_normalise) {
      auto it = normalised.find(address->raw());
      cached = it != normalised.end();
      if (cached) *address = it->second;
    }
    auto visit = ledger::VisitOf(rec, context);
    if (!visit) return Status::Ok();
    if (to_normalise && !cached && !visit->address.normalized_key().empty()) {
      normalised.emplace(address->raw(), visit->address);
    }
    AddVisit(rec, std::move(*visit), d);
    return Status::Ok();
  });
}

}  // namespace

Result<CoverageData> LoadCoverage(Store& store) {
  CoverageData d;
  d.officer_id = store.officer_id();
  SWEEP_RETURN_IF_ERROR(LoadConfig(store, &d));
  SWEEP_RETURN_IF_ERROR(LoadKind<v1::Assignment>(
      store, "assignment", &d, [&](v1::Assignment a) {
        auto& units = d.assigned_units[a.building_key()];
        units.insert(units.end(), a.units().begin(), a.units().end());
        d.assignments.push_back(std::move(a));
      }));
  SWEEP_RETURN_IF_ERROR(LoadKind<v1::UnitProgress>(store, "unit", &d, [&](v1::UnitProgress u) {
    std::string key = internal::FullUnitKey(u.building_key(), u.unit_key());
    d.hub_units[key] = std::move(u);
  }));
  SWEEP_RETURN_IF_ERROR(LoadKind<v1::Revisit>(store, "revisit", &d, [&](v1::Revisit r) {
    std::string key = internal::FullUnitKey(r.building_key(), r.unit_key());
    d.hub_revisits[key] = std::move(r);
  }));
  SWEEP_RETURN_IF_ERROR(LoadVisits(store, &d));
  return d;
}

std::string BuildingLabel(const v1::Address& a) {
  std::string place = !a.estate().empty() ? a.estate() : a.community();
  if (place.empty() && a.building().empty()) return a.raw();
  return place + (a.building().empty() ? "" : a.building() + "栋");
}

std::string UnitAddressText(std::string_view building_label, std::string_view stairwell,
                            std::string_view room) {
  std::string out(building_label);
  if (!stairwell.empty()) out += std::string(stairwell) + "单元";
  if (!room.empty()) out += std::string(room) + "室";
  return out;
}

namespace internal {

std::string FullUnitKey(std::string_view building_key, std::string_view unit_key) {
  return std::string(building_key) + "|" + std::string(unit_key);
}

std::string LabelOf(const CoverageData& data, const std::string& building_key) {
  for (const auto& a : data.assignments) {
    if (a.building_key() != building_key) continue;
    std::string label = BuildingLabel(a.address());
    if (!label.empty()) return label;
  }
  auto it = data.local.find(building_key);
  if (it != data.local.end()) {
    std::string label = BuildingLabel(it->second.address);
    if (!label.empty()) return label;
  }
  // "<district>|<place>|<building>"
  size_t a = building_key.find('|');
  size_t b = a == std::string::npos ? a : building_key.find('|', a + 1);
  if (b == std::string::npos) return building_key;
  std::string place = building_key.substr(a + 1, b - a - 1);
  std::string building = building_key.substr(b + 1);
  return place + (building.empty() ? "" : building + "栋");
}

namespace {

// The hub's view of a unit: its UnitProgress, and its Revisit while no newer
// visit the hub knows of superseded it.
struct HubSide {
  bool present = false;
  UnitState state = UnitState::kUnvisited;
  int64_t last_ms = 0;
  bool covered = false;  // the hub saw a covering visit this cycle
  std::string officer;
  const v1::Revisit* revisit = nullptr;
};

HubSide ReadHub(const CoverageData& d, const std::string& key, const ledger::Cycle& cycle,
                int64_t now_ms) {
  HubSide h;
  if (auto u = d.hub_units.find(key); u != d.hub_units.end()) {
    h.present = true;
    h.last_ms = u->second.last_visit_ms();
    h.officer = u->second.officer_id();
    // A state from another cycle says nothing about this one.
    if (u->second.cycle() == cycle.label) {
      h.state = ledger::StateFromName(u->second.state()).value_or(UnitState::kUnvisited);
      h.covered = u->second.covered_ms() >= cycle.start_ms && u->second.covered_ms() < cycle.end_ms;
    }
  }
  if (auto r = d.hub_revisits.find(key); r != d.hub_revisits.end()) {
    const v1::Revisit& rv = r->second;
    if (rv.last_attempt_ms() >= h.last_ms) {
      h.present = true;
      h.revisit = &rv;
      if (rv.last_attempt_ms() > h.last_ms) {
        h.last_ms = rv.last_attempt_ms();
        h.officer.clear();
      }
      if (h.state == UnitState::kUnvisited) {
        h.state = rv.reason() == "refused" ? UnitState::kRefused : UnitState::kNoAnswer;
      }
    }
  }
  if (h.revisit != nullptr && (h.state == UnitState::kChecked || h.state == UnitState::kVacant)) {
    h.revisit = nullptr;  // covered since (the tombstone is on its way)
  }
  if (h.revisit != nullptr && (h.state == UnitState::kNoAnswer || h.state == UnitState::kRefused) &&
      h.revisit->from_ms() > 0 && now_ms >= h.revisit->from_ms()) {
    h.state = UnitState::kRevisitDue;
  }
  return h;
}

RevisitView RevisitFromLedger(const ledger::UnitLedger& l, const ledger::CycleConfig& config,
                              int64_t now_ms) {
  RevisitView r;
  r.reason = l.revisit_reason.empty() ? (l.state == UnitState::kRefused ? "refused" : "no_answer")
                                      : l.revisit_reason;
  r.window = l.revisit_window;
  r.from_ms = l.revisit_from_ms;
  r.due_ms = l.revisit_due_ms;
  if (r.due_ms > 0) r.due_date = ledger::LocalDate(config, r.due_ms - 1);
  r.open = l.state == UnitState::kRevisitDue || (r.from_ms > 0 && now_ms >= r.from_ms);
  r.overdue = l.revisit_overdue || (r.due_ms > 0 && now_ms >= r.due_ms);
  r.attempts = l.failed_attempts;
  r.last_attempt_ms = l.last_visit_ms;
  r.source = "local";
  return r;
}

RevisitView RevisitFromHub(const HubSide& h, const ledger::CycleConfig& config, int64_t now_ms) {
  RevisitView r;
  r.source = "hub";
  r.last_attempt_ms = h.last_ms;
  r.open = h.state == UnitState::kRevisitDue;
  r.reason = h.state == UnitState::kRefused ? "refused" : "no_answer";
  if (h.revisit == nullptr) return r;
  const v1::Revisit& rv = *h.revisit;
  if (!rv.reason().empty()) r.reason = rv.reason();
  r.window = rv.window();
  r.from_ms = rv.from_ms();
  r.due_ms = rv.due_ms();
  r.due_date = !rv.due_date().empty() ? rv.due_date()
               : r.due_ms > 0         ? ledger::LocalDate(config, r.due_ms - 1)
                                      : "";
  r.open = r.open || (r.from_ms > 0 && now_ms >= r.from_ms);
  r.overdue = r.due_ms > 0 && now_ms >= r.due_ms;
  r.attempts = static_cast<int>(rv.attempts());
  return r;
}

}  // namespace

UnitView CombineUnit(const CoverageData& data, const std::string& building_key,
                     const std::string& unit_key, const std::vector<ledger::Visit>* local,
                     const ledger::Cycle& cycle, const std::string& label, int64_t now_ms) {
  UnitView u;
  u.unit_key = unit_key;
  std::tie(u.stairwell, u.room) = schema::SplitUnitKey(unit_key);
  u.floor = schema::FloorOfRoom(u.room);
  u.address = UnitAddressText(label, u.stairwell, u.room);
  std::optional<ledger::UnitLedger> mine;
  if (local != nullptr && !local->empty()) {
    mine = ledger::ComputeUnit(*local, {}, data.config, now_ms);
    u.local_visits = static_cast<int>(local->size());
    const auto latest = std::max_element(
        local->begin(), local->end(), [](const ledger::Visit& a, const ledger::Visit& b) {
          return a.at_ms < b.at_ms;
        });
    u.local_record_id = latest->record_id;
  }
  HubSide hub = ReadHub(data, FullUnitKey(building_key, unit_key), cycle, now_ms);
  if (hub.present && (!mine || hub.last_ms > mine->last_visit_ms)) {
    u.source = "hub";
    u.state = hub.state;
    u.covered = hub.covered;
    u.last_visit_ms = hub.last_ms;
    u.last_officer_id = hub.officer;
    if (IsFailed(hub.state) || hub.revisit != nullptr) {
      u.revisit = RevisitFromHub(hub, data.config, now_ms);
    }
  } else if (mine) {
    u.source = "local";
    u.state = mine->state;
    u.covered = mine->covered();
    u.last_visit_ms = mine->last_visit_ms;
    u.last_officer_id = mine->last_officer_id;
    if (IsFailed(mine->state) || mine->revisit_from_ms > 0) {
      u.revisit = RevisitFromLedger(*mine, data.config, now_ms);
    }
    for (const auto& p : mine->unaccounted) u.unaccounted.push_back(p.name);
  } else {
    u.source = "none";
  }
  if (u.revisit) {
    u.revisit->building_key = building_key;
    u.revisit->unit_key = unit_key;
    u.revisit->address = label;
  }
  return u;
}

}  // namespace internal

namespace {

// Every unit the tablet knows of, computed once: the register's units of the
// assigned buildings, this tablet's visited units, the hub's units and revisits.
class UnitIndex {
 public:
  UnitIndex(const CoverageData& d, const ledger::Cycle& cycle, int64_t now_ms)
      : d_(d), cycle_(cycle), now_ms_(now_ms) {}

  const UnitView& Get(const std::string& building_key, const std::string& unit_key) {
    std::string key = internal::FullUnitKey(building_key, unit_key);
    auto it = units_.find(key);
    if (it != units_.end()) return it->second;
    const std::vector<ledger::Visit>* local = nullptr;
    if (auto b = d_.local.find(building_key); b != d_.local.end()) {
      if (auto u = b->second.units.find(unit_key); u != b->second.units.end()) local = &u->second;
    }
    UnitView view = internal::CombineUnit(d_, building_key, unit_key, local, cycle_,
                                          Label(building_key), now_ms_);
    return units_.emplace(std::move(key), std::move(view)).first->second;
  }

  const std::string& Label(const std::string& building_key) {
    auto it = labels_.find(building_key);
    if (it == labels_.end()) {
      it = labels_.emplace(building_key, internal::LabelOf(d_, building_key)).first;
    }
    return it->second;
  }

 private:
  const CoverageData& d_;
  const ledger::Cycle& cycle_;
  int64_t now_ms_;
  std::map<std::string, UnitView> units_;
  std::map<std::string, std::string> labels_;
};

void CountBeats(const CoverageData& d, UnitIndex* index, TodayView* view,
                std::map<std::string, std::set<std::string>>* beats_of_building) {
  std::map<std::string, BeatView> beats;
  for (const auto& a : d.assignments) {
    BeatView& beat = beats[a.beat()];
    beat.beat = a.beat();
    (*beats_of_building)[a.building_key()].insert(a.beat());
    BuildingSummary b;
    b.building_key = a.building_key();
    b.address = index->Label(a.building_key());
    std::set<std::string> seen;
    for (const auto& unit_key : a.units()) {
      if (!seen.insert(unit_key).second) continue;
      const UnitView& u = index->Get(a.building_key(), unit_key);
      ++b.units;
      if (u.covered) ++b.covered;
      if (u.revisit && u.revisit->open) ++beat.revisits_open;
    }
    b.remaining = b.units - b.covered;
    beat.units += b.units;
    beat.covered += b.covered;
    beat.remaining += b.remaining;
    beat.buildings.push_back(std::move(b));
  }
  for (auto& [name, beat] : beats) {
    std::sort(beat.buildings.begin(), beat.buildings.end(),
              [](const BuildingSummary& x, const BuildingSummary& y) {
                return x.building_key < y.building_key;
              });
    view->beats.push_back(std::move(beat));
  }
}

void CollectRevisits(const CoverageData& d, UnitIndex* index,
                     const std::map<std::string, std::set<std::string>>& beats_of_building,
                     TodayView* view) {
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& a : d.assignments) {
    for (const auto& unit_key : a.units()) keys.insert({a.building_key(), unit_key});
  }
  for (const auto& [building_key, b] : d.local) {
    for (const auto& [unit_key, visits] : b.units) keys.insert({building_key, unit_key});
  }
  for (const auto& [key, u] : d.hub_units) keys.insert({u.building_key(), u.unit_key()});
  for (const auto& [key, r] : d.hub_revisits) keys.insert({r.building_key(), r.unit_key()});
  for (const auto& [building_key, unit_key] : keys) {
    const UnitView& u = index->Get(building_key, unit_key);
    if (!u.revisit) continue;
    RevisitView r = *u.revisit;
    if (auto it = beats_of_building.find(building_key); it != beats_of_building.end()) {
      r.beats.assign(it->second.begin(), it->second.end());
    }
    view->revisits.push_back(std::move(r));
  }
  std::sort(view->revisits.begin(), view->revisits.end(),
            [](const RevisitView& x, const RevisitView& y) {
              if (x.open != y.open) return x.open;
              int64_t dx = x.due_ms > 0 ? x.due_ms : INT64_MAX;
              int64_t dy = y.due_ms > 0 ? y.due_ms : INT64_MAX;
              if (dx != dy) return dx < dy;
              return std::tie(x.building_key, x.unit_key) < std::tie(y.building_key, y.unit_key);
            });
}

}  // namespace

TodayView TodayOf(const CoverageData& d, int64_t now_ms) {
  TodayView view;
  view.officer_id = d.officer_id;
  view.now_ms = now_ms;
  view.config = d.config;
  view.config_from_hub = d.config_from_hub;
  view.cycle = ledger::CycleAt(d.config, now_ms);
  view.today = ledger::LocalDate(d.config, now_ms);
  view.local_visits = d.local_visits;
  UnitIndex index(d, view.cycle, now_ms);
  std::map<std::string, std::set<std::string>> beats_of_building;
  CountBeats(d, &index, &view, &beats_of_building);
  CollectRevisits(d, &index, beats_of_building, &view);
  view.unplaced = d.unresolved;
  for (const auto& [building_key, b] : d.local) {
    view.unplaced.insert(view.unplaced.end(), b.no_room.begin(), b.no_room.end());
    if (beats_of_building.count(building_key) > 0) continue;
    view.outside_buildings.push_back(building_key);
    view.outside_visits += static_cast<int>(b.no_room.size());
    for (const auto& [unit_key, visits] : b.units) {
      view.outside_visits += static_cast<int>(visits.size());
    }
  }
  return view;
}

}  // namespace sweep::field
