// ComputeDayReport: one pass over the case view's visits for the day's
// figures, the premises' and suspects' histories replayed up to the end of
// the day, the ledger (ComputeCoverage at the date, and ComputeUnit for the
// units visited that day) and the merge's review queue.
#include "sweep/hub/report.h"

#include <algorithm>
#include <set>

#include "register_rules.h"

namespace sweep::hub {

namespace ledger = schema::ledger;

namespace {

constexpr int64_t kDayMs = 86'400'000;

void CountVisit(const cases::VisitSummary& v, VisitCounts* c) {
  ++c->visits;
  if (v.kind == "office") {
    ++c->office;
  } else {
    ++c->rental;
  }
  switch (v.status) {
    case v1::UNIT_STATUS_CHECKED:
      ++c->checked;
      break;
    case v1::UNIT_STATUS_NO_ANSWER:
      ++c->no_answer;
      break;
    case v1::UNIT_STATUS_REFUSED:
      ++c->refused;
      break;
    case v1::UNIT_STATUS_VACANT:
      ++c->vacant;
      break;
    default:
      break;
  }
  c->persons += v.persons.size();
  c->den_visits += v.den ? 1 : 0;
}

// Visits, persons and indicators of the day.
void AddVisits(const cases::CaseView& view, int64_t start, int64_t end, size_t top, DayReport* r) {
  std::map<std::string, int64_t> first_seen;  // entity -> first visit time
  std::set<std::string> seen_today;
  std::map<std::string, uint64_t> indicators;
  for (const cases::VisitSummary& v : view.visits) {
    for (const std::string& e : v.persons) {
      auto [it, fresh] = first_seen.emplace(e, v.at_ms);
      if (!fresh) it->second = std::min(it->second, v.at_ms);
    }
    if (v.at_ms < start || v.at_ms >= end) continue;
    CountVisit(v, &r->total);
    CountVisit(v, &r->by_officer[v.officer_id]);
    seen_today.insert(v.persons.begin(), v.persons.end());
    std::set<std::string> codes(v.indicators.begin(), v.indicators.end());
    for (const std::string& code : codes) ++indicators[code];
  }
  r->persons_seen = seen_today.size();
  for (const std::string& e : seen_today) r->persons_new += first_seen[e] >= start ? 1 : 0;
  for (const auto& [e, at] : first_seen) r->persons_total += at < end ? 1 : 0;
  r->top_indicators.assign(indicators.begin(), indicators.end());
  std::stable_sort(r->top_indicators.begin(), r->top_indicators.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (r->top_indicators.size() > top) r->top_indicators.resize(top);
}

std::string AddressOf(const cases::Premises& p) {
  if (!p.address.raw().empty()) return p.address.raw();
  return p.key;
}

// Den status at the end of the day, dens new that day, changes made that day.
void AddDens(const cases::CaseView& view, int64_t start, int64_t end, DayReport* r) {
  for (auto s :
       {cases::DenStatus::kNone, cases::DenStatus::kSuspected, cases::DenStatus::kInvestigating,
        cases::DenStatus::kRaided, cases::DenStatus::kCleared}) {
    r->dens_by_status[std::string(cases::DenStatusName(s))] = 0;
  }
  for (const auto& [key, p] : view.premises) {
    bool known = p.first_visit_ms < end || (!p.history.empty() && p.history.front().at_ms < end);
    if (!known) continue;
    cases::DenStatus status = cases::DenStatus::kNone;
    bool became_suspected = false;
    for (const cases::StatusChange& c : p.history) {
      if (c.at_ms >= end) continue;
      status = c.to;
      if (c.at_ms < start) continue;
      ++r->status_changes;
      became_suspected |= c.to == cases::DenStatus::kSuspected;
    }
    ++r->dens_by_status[std::string(cases::DenStatusName(status))];
    if (became_suspected) {
      r->dens_new.push_back(key);
      r->dens_new_addresses.push_back(AddressOf(p));
    }
  }
}

// Suspects as at the end of the day, once per disposition code.
void AddSuspects(const cases::CaseView& view, int64_t end, DayReport* r) {
  for (const auto& [entity, p] : view.persons) {
    bool suspect = !p.involvement.empty() && p.involvement_source.at_ms < end;
    std::set<std::string> codes;
    for (const cases::DispositionSeen& d : p.dispositions) {
      if (d.source.at_ms >= end) continue;
      codes.insert(d.code);
      suspect = true;
    }
    if (!suspect) continue;
    ++r->suspects;
    for (const std::string& code : codes) ++r->suspects_by_disposition[code];
  }
}

// Distinct registered units whose covering visit this cycle fell on the day:
// the units of the day's stored visits, each computed by the ledger's rules
// as at the end of the day.
Result<uint64_t> UnitsCoveredOn(HubStore* store, const ledger::CycleConfig& config,
                                const cases::CaseView& view, int64_t start, int64_t end) {
  std::vector<std::string> records;
  for (const cases::VisitSummary& v : view.visits) {
    if (v.at_ms >= start && v.at_ms < end) records.push_back(v.record_id);
  }
  if (records.empty()) return uint64_t{0};
  SWEEP_ASSIGN_OR_RETURN(auto visits, store->VisitsByRecord(records));
  std::set<std::pair<std::string, std::string>> units;
  std::set<std::string> building_keys;
  for (const ledger::Visit& v : visits) {
    if (v.building_key.empty() || v.unit_key.empty()) continue;
    units.insert({v.building_key, v.unit_key});
    building_keys.insert(v.building_key);
  }
  if (units.empty()) return uint64_t{0};
  BuildingQuery query;
  query.keys.assign(building_keys.begin(), building_keys.end());
  SWEEP_ASSIGN_OR_RETURN(auto buildings, store->ListBuildings(query));
  std::map<std::pair<std::string, std::string>, const UnitRow*> registered;
  for (const BuildingRow& b : buildings) {
    for (const UnitRow& u : b.units) registered[{b.key, u.unit_key}] = &u;
  }
  std::vector<UnitPosition> positions;
  for (const auto& [b, u] : units) {
    if (registered.count({b, u})) positions.push_back({b, u, ""});
  }
  SWEEP_ASSIGN_OR_RETURN(auto unit_visits, store->VisitsOfUnits(positions));
  std::map<std::pair<std::string, std::string>, std::vector<ledger::Visit>> by_unit;
  for (ledger::Visit& v : unit_visits) {
    if (v.at_ms < end) by_unit[{v.building_key, v.unit_key}].push_back(std::move(v));
  }
  uint64_t covered = 0;
  for (const auto& [unit, list] : by_unit) {
    auto persons = internal::RegisteredPersons(registered.at(unit)->residents);
    ledger::UnitLedger l = ledger::ComputeUnit(list, persons, config, end - 1);
    covered += l.covered_ms >= start && l.covered_ms < end ? 1 : 0;
  }
  return covered;
}

}  // namespace

DayReport DayReportFromView(const cases::CaseView& view, int64_t day_start_ms,
                            size_t top_indicators) {
  DayReport r;
  r.day_start_ms = day_start_ms;
  int64_t end = day_start_ms + kDayMs;
  AddVisits(view, day_start_ms, end, top_indicators, &r);
  AddDens(view, day_start_ms, end, &r);
  AddSuspects(view, end, &r);
  for (const cases::Conflict& c : view.conflicts) r.open_conflicts += c.resolved ? 0 : 1;
  return r;
}

Result<int64_t> DayStartOf(HubStore* store, const std::string& date) {
  SWEEP_ASSIGN_OR_RETURN(auto settings, internal::LoadSettings(store));
  return internal::ParseLocalDate(date, settings.config.utc_offset_minutes, "--date");
}

Result<DayReport> ComputeDayReport(HubStore* store, Env* env, const cases::CaseView& view,
                                   const DayReportOptions& options) {
  SWEEP_ASSIGN_OR_RETURN(auto settings, internal::LoadSettings(store));
  const ledger::CycleConfig& config = settings.config;
  SWEEP_ASSIGN_OR_RETURN(
      int64_t start, internal::ParseLocalDate(options.date, config.utc_offset_minutes, "--date"));
  DayReport r = DayReportFromView(view, start, options.top_indicators);
  r.date = ledger::LocalDate(config, start);
  r.cycle = ledger::CycleAt(config, start).label;
  CoverageOptions coverage;
  coverage.at_date = options.date;
  SWEEP_ASSIGN_OR_RETURN(CoverageReport cov, ComputeCoverage(store, env, coverage));
  for (const CoverageRow& row : cov.rows) {
    if (row.level == CoverageRow::Level::kTotal) r.cycle_totals = row.counts;
  }
  SWEEP_ASSIGN_OR_RETURN(r.units_covered_today,
                         UnitsCoveredOn(store, config, view, start, start + kDayMs));
  SWEEP_ASSIGN_OR_RETURN(auto queue, store->MergeReviewQueue());
  r.review_queue = queue.size();
  return r;
}

}  // namespace sweep::hub
