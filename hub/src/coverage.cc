// ComputeCoverage: one ordered pass over the register's units merged with
// the visits (both in (building key, unit key) order), the ledger rules per
// unit, and counters per (beat, community), beat, officer and in total.
#include "sweep/hub/coverage.h"

#include <algorithm>
#include <map>
#include <set>

#include "register_rules.h"
#include "sweep/schema/address.h"

namespace sweep::hub {

namespace ledger = schema::ledger;
using ledger::Visit;

CoverageCounts& CoverageCounts::operator+=(const CoverageCounts& o) {
  units += o.units;
  checked += o.checked;
  remaining += o.remaining;
  revisits_due += o.revisits_due;
  revisits_overdue += o.revisits_overdue;
  dens += o.dens;
  unaccounted += o.unaccounted;
  return *this;
}

namespace {

constexpr size_t kMaxReasons = 3;

// The visits in key order, a page at a time.
class VisitStream {
 public:
  VisitStream(HubStore* store, size_t page) : store_(store), page_(page) {}
  // The next visit, or nullptr at the end.
  Result<const Visit*> Peek() {
    if (i_ < visits_.size()) return &visits_[i_];
    if (done_) return static_cast<const Visit*>(nullptr);
    SWEEP_ASSIGN_OR_RETURN(visits_, store_->ListVisits(after_, page_));
    i_ = 0;
    if (visits_.size() < page_) done_ = true;
    if (visits_.empty()) return static_cast<const Visit*>(nullptr);
    const Visit& last = visits_.back();
    after_ = {last.building_key, last.unit_key, last.record_id};
    return &visits_[0];
  }
  void Pop() { ++i_; }

 private:
  HubStore* store_;
  size_t page_;
  std::vector<Visit> visits_;
  size_t i_ = 0;
  bool done_ = false;
  UnitPosition after_;
};

// Where a building counts: the beats in scope that hold it, their officers,
// its community.
struct Place {
  std::vector<std::string> beats;
  std::set<std::string> officers;
  std::string community;
};

struct Tally {
  std::map<std::pair<std::string, std::string>, CoverageCounts> communities;
  std::map<std::string, CoverageCounts> beats;
  std::map<std::string, CoverageCounts> officers;
  CoverageCounts total;
};

CoverageCounts CountsOf(const ledger::UnitLedger& l) {
  CoverageCounts c;
  c.units = 1;
  c.checked = l.covered_ms != 0;
  c.remaining = 1 - c.checked;
  bool pending = l.revisit_due_ms != 0;
  c.revisits_overdue = pending && l.revisit_overdue;
  c.revisits_due = pending && !l.revisit_overdue;
  c.dens = l.state == ledger::UnitState::kDenSuspected;
  c.unaccounted = l.unaccounted.size();
  return c;
}

std::string CommunityOf(const std::string& division_code) {
  return division_code.size() > 12 ? division_code.substr(0, 12) : division_code;
}

std::map<std::string, Place> PlaceBuildings(const std::vector<BuildingRow>& buildings,
                                            const std::vector<BeatRow>& beats, bool all) {
  std::map<std::string, Place> out;
  for (const BuildingRow& b : buildings) {
    Place p;
    p.community = CommunityOf(b.division_code);
    for (const BeatRow& beat : beats) {
      if (!internal::BeatHolds(beat, b.key, b.division_code)) continue;
      p.beats.push_back(beat.name);
      p.officers.insert(beat.officers.begin(), beat.officers.end());
    }
    if (p.beats.empty() && all) p.beats.push_back("");  // the units in no beat
    if (!p.beats.empty()) out[b.key] = std::move(p);
  }
  return out;
}

void Add(const Place& place, const CoverageCounts& c, Tally* t) {
  for (const std::string& beat : place.beats) {
    t->communities[{beat, place.community}] += c;
    t->beats[beat] += c;
  }
  for (const std::string& officer : place.officers) t->officers[officer] += c;
  t->total += c;
}

// Counts a visit that matched no registered unit.
void Unplaced(const Visit& v, CoverageReport* report) {
  if (!v.building_key.empty()) {
    ++report->unregistered_visits;
    return;
  }
  ++report->unresolved_visits;
  const std::string& reason = v.address.unresolved_reason();
  auto& reasons = report->unresolved_reasons;
  if (reasons.size() < kMaxReasons && !reason.empty() &&
      std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
    reasons.push_back(reason);
  }
}

bool Before(const Visit& v, const UnitRow& u) {
  return v.building_key != u.building_key ? v.building_key < u.building_key
                                          : v.unit_key < u.unit_key;
}

std::string Join(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void BuildRows(const Tally& t, const std::vector<BeatRow>& beats, CoverageReport* r) {
  std::map<std::string, std::string> officers_of;
  for (const BeatRow& b : beats) officers_of[b.name] = Join(b.officers);
  // Named beats first, the units in no beat ("") last.
  std::vector<std::string> order;
  for (const auto& [beat, counts] : t.beats) {
    if (!beat.empty()) order.push_back(beat);
  }
  if (t.beats.count("")) order.push_back("");
  for (const std::string& beat : order) {
    for (auto it = t.communities.lower_bound({beat, ""});
         it != t.communities.end() && it->first.first == beat; ++it) {
      auto d = schema::DivisionByCode(it->first.second);
      std::string name = d && d->level == "community" ? d->name : "";
      r->rows.push_back({CoverageRow::Level::kCommunity, beat, it->first.second, name,
                         officers_of[beat], it->second});
    }
    r->rows.push_back(
        {CoverageRow::Level::kBeat, beat, "", "", officers_of[beat], t.beats.at(beat)});
  }
  for (const auto& [officer, counts] : t.officers) {
    r->rows.push_back({CoverageRow::Level::kOfficer, "", "", "", officer, counts});
  }
  r->rows.push_back({CoverageRow::Level::kTotal, "", "", "", "", t.total});
}

// Merges the units and the visits, both in key order, and counts each unit.
Status CountUnits(HubStore* store, const std::map<std::string, Place>& places,
                  const ledger::CycleConfig& config, size_t page, Tally* tally,
                  CoverageReport* report) {
  VisitStream stream(store, page);
  std::vector<Visit> visits;
  UnitPosition after;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(auto units, store->ListUnits(after, page));
    if (units.empty()) break;
    for (const UnitRow& u : units) {
      visits.clear();
      for (;;) {
        SWEEP_ASSIGN_OR_RETURN(const Visit* v, stream.Peek());
        bool same = v != nullptr && v->building_key == u.building_key && v->unit_key == u.unit_key;
        if (v == nullptr || !(same || Before(*v, u))) break;
        if (!same)
          Unplaced(*v, report);
        else if (v->at_ms <= report->at_ms)
          visits.push_back(*v);
        stream.Pop();
      }
      auto place = places.find(u.building_key);
      if (place == places.end()) continue;  // not in the chosen beat
      auto registered = internal::RegisteredPersons(u.residents);
      Add(place->second, CountsOf(ledger::ComputeUnit(visits, registered, config, report->at_ms)),
          tally);
    }
    after = {units.back().building_key, units.back().unit_key, ""};
  }
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(const Visit* v, stream.Peek());
    if (v == nullptr) return Status::Ok();
    Unplaced(*v, report);
    stream.Pop();
  }
}

}  // namespace

Result<CoverageReport> ComputeCoverage(HubStore* store, Env* env, const CoverageOptions& opt) {
  SWEEP_ASSIGN_OR_RETURN(auto settings, internal::LoadSettings(store));
  const ledger::CycleConfig& config = settings.config;
  CoverageReport report;
  report.beat = opt.beat;
  report.at_ms = env->NowMillis();
  if (!opt.at_date.empty()) {
    SWEEP_ASSIGN_OR_RETURN(
        int64_t start, internal::ParseLocalDate(opt.at_date, config.utc_offset_minutes, "--at"));
    report.at_ms = start + 86'400'000 - 1;  // the end of that day
  }
  report.cycle = ledger::CycleAt(config, report.at_ms).label;
  report.date = ledger::LocalDate(config, report.at_ms);
  SWEEP_ASSIGN_OR_RETURN(auto beats, store->ListBeats());
  if (!opt.beat.empty()) {
    std::erase_if(beats, [&](const BeatRow& b) { return b.name != opt.beat; });
    if (beats.empty()) return Status::NotFound("no beat '" + opt.beat + "' (see `beats list`)");
  }
  BuildingQuery all;
  all.all = true;
  all.with_units = false;
  SWEEP_ASSIGN_OR_RETURN(auto buildings, store->ListBuildings(all));
  std::map<std::string, Place> places = PlaceBuildings(buildings, beats, opt.beat.empty());
  buildings.clear();

  Tally tally;
  SWEEP_RETURN_IF_ERROR(CountUnits(store, places, config, opt.page, &tally, &report));
  BuildRows(tally, beats, &report);
  return report;
}

Result<std::vector<UnitView>> BuildingLedger(HubStore* store, Env* env,
                                             const BuildingRow& building) {
  SWEEP_ASSIGN_OR_RETURN(auto settings, internal::LoadSettings(store));
  std::vector<UnitPosition> positions;
  for (const UnitRow& u : building.units) positions.push_back({building.key, u.unit_key, ""});
  SWEEP_ASSIGN_OR_RETURN(auto visits, store->VisitsOfUnits(positions));
  std::map<std::string, std::vector<Visit>> by_unit;
  for (Visit& v : visits) by_unit[v.unit_key].push_back(std::move(v));
  int64_t now = env->NowMillis();
  std::vector<UnitView> out;
  for (const UnitRow& u : building.units) {
    auto registered = internal::RegisteredPersons(u.residents);
    out.push_back(
        {u.unit_key, ledger::ComputeUnit(by_unit[u.unit_key], registered, settings.config, now)});
  }
  return out;
}

}  // namespace sweep::hub
