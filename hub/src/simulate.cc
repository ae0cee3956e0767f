// sweep::hub::sim::Simulate: builds the world, gives each community a beat
// and each beat its officers, then walks the officers through their days:
// revisits due first, then the next units of their beats, building by
// building, each unit at most once every few days.
#include <algorithm>
#include <cmath>
#include <map>

#include "simulate_records.h"

namespace sweep::hub::sim {
namespace {

using namespace internal;

constexpr int kRevisitGapDays = 3;  // a unit is not knocked at again sooner
constexpr int kOfficeGapDays = 14;  // offices are swept less often
constexpr int kMaxDays = 100000;

struct Officer {
  std::string id;
  std::vector<int> units;    // homes, in walking order
  std::vector<int> offices;  // office rooms, swept floor by floor
  size_t cursor = 0, office_cursor = 0;
  std::multimap<int, int> revisits;  // due day → unit (ordered: deterministic)
};

Status CheckOptions(const Options& o) {
  auto bad = [](const std::string& what) { return Status::InvalidArgument(what); };
  if (o.officers < 1 || o.officers > 10000) return bad("--officers: give 1..10000");
  if (o.days < 1 || o.days > kMaxDays) return bad("--days: give 1..100000");
  if (o.buildings_per_community < 1 || o.buildings_per_community > 1000) {
    return bad("buildings per community: give 1..1000");
  }
  if (o.visits_per_officer_day < 1 || o.visits_per_officer_day > 1000) {
    return bad("--visits: visits per officer and day, give 1..1000");
  }
  if (!(o.den_share >= 0 && o.den_share <= 0.5)) return bad("--den-share: give 0..0.5");
  if (!(o.noise >= 0 && o.noise <= 1)) return bad("--noise: give 0..1");
  return Status::Ok();
}

// A million mentions of a four-community station would mention everyone a
// hundred times: grow the station instead (about 30 mentions per unit).
Options Scaled(Options o) {
  if (o.target_mentions == 0) return o;
  const double units = static_cast<double>(o.target_mentions) / 30.0;
  o.communities = std::max(o.communities, static_cast<int>(std::ceil(units / 2000.0)));
  o.communities = std::min(o.communities, 60);
  o.buildings_per_community = std::max(o.buildings_per_community,
                                       static_cast<int>(std::ceil(units / (o.communities * 75.0))));
  o.officers = std::max(o.officers, static_cast<int>(std::ceil(units / 600.0)));
  return o;
}

std::vector<Officer> Plan(const World& w, Station* out) {
  const int n_off = w.options.officers;
  const int n_com = static_cast<int>(w.communities.size());
  std::vector<Officer> officers(n_off);
  for (int i = 0; i < n_off; ++i) officers[i].id = "A" + std::to_string(1001 + i);
  std::vector<std::vector<int>> of_beat(n_com);
  for (int i = 0; i < std::max(n_off, n_com); ++i) of_beat[i % n_com].push_back(i % n_off);
  for (int c = 0; c < n_com; ++c) {
    std::sort(of_beat[c].begin(), of_beat[c].end());
    of_beat[c].erase(std::unique(of_beat[c].begin(), of_beat[c].end()), of_beat[c].end());
    const std::string beat = w.communities[c].second + "片";
    out->beats.emplace_back(beat, w.communities[c].second);
    for (int o : of_beat[c]) out->assignments.emplace_back(beat, officers[o].id);
  }
  std::map<std::string, int> com_index;
  for (int c = 0; c < n_com; ++c) com_index[w.communities[c].first] = c;
  std::vector<int> seen_in_beat(n_com, 0);
  int last_building = -1, owner = 0;
  for (size_t u = 0; u < w.units.size(); ++u) {
    const UnitState& unit = w.units[u];
    if (unit.building != last_building) {  // buildings of a beat dealt out among its officers
      last_building = unit.building;
      int c = com_index[w.buildings[unit.building].community_code];
      const auto& offs = of_beat[c];
      owner = offs[seen_in_beat[c]++ % offs.size()];
    }
    bool office = w.buildings[unit.building].spec.type == "office";
    (office ? officers[owner].offices : officers[owner].units).push_back(static_cast<int>(u));
  }
  return officers;
}

void Day(Rng& rng, World& w, Visits& visits, Officer& off, int day, int64_t day_ms) {
  const size_t quota = w.options.visits_per_officer_day;
  std::vector<int> todo;
  while (!off.revisits.empty() && off.revisits.begin()->first <= day && todo.size() < quota / 2) {
    todo.push_back(off.revisits.begin()->second);
    off.revisits.erase(off.revisits.begin());
  }
  // A fifth of the day at most goes to office sweeps, the rest to homes.
  auto walk = [&](const std::vector<int>& list, size_t* cursor, size_t until, int gap) {
    for (size_t steps = 0; todo.size() < until && steps < list.size(); ++steps) {
      int u = list[*cursor];
      *cursor = (*cursor + 1) % list.size();
      const UnitState& s = w.units[u];
      if (s.use != Use::kEmptyOffice && day - s.last_visit >= gap &&
          std::find(todo.begin(), todo.end(), u) == todo.end()) {
        todo.push_back(u);
      }
    }
  };
  walk(off.offices, &off.office_cursor, todo.size() + (quota + 4) / 5, kOfficeGapDays);
  walk(off.units, &off.cursor, quota, kRevisitGapDays);
  const int64_t span = 11LL * 3600000 / static_cast<int64_t>(std::max<size_t>(todo.size(), 1));
  for (size_t k = 0; k < todo.size(); ++k) {  // 09:00 to 20:00
    int64_t at = day_ms + 9LL * 3600000 + static_cast<int64_t>(k) * span +
                 static_cast<int64_t>(Below(rng, static_cast<uint64_t>(span / 2 + 1)));
    int due = visits.Visit(todo[k], off.id, day, at);
    if (due >= 0) off.revisits.emplace(due, todo[k]);
  }
}

// The rental register as it stood before day 0: registered lets only.
void Register(const World& w, Station* out) {
  for (const UnitState& u : w.units) {
    if (u.use != Use::kRental || !u.registered || u.den >= 0) continue;
    for (int p : u.occupants) {
      out->buildings[u.building].residents.push_back(
          {w.buildings[u.building].unit_keys[u.index], w.people[p].name, w.people[p].id_number});
    }
  }
}

void Finish(const World& w, const Visits& visits, Station* out) {
  for (size_t i = 0; i < w.people.size(); ++i) {
    if (!visits.Mentioned(static_cast<int>(i))) continue;
    const Human& h = w.people[i];
    out->persons.push_back({Visits::PersonId(static_cast<int>(i)), h.name, h.id_number,
                            "+86" + h.phone, h.role, h.suspect});
  }
  for (int u : w.dens) {
    const UnitState& s = w.units[u];
    const SimBuilding& b = w.buildings[s.building];
    out->dens.push_back({AllSpellings(b, UnitOf(b, s.index), w.city, w.district_name)[3],
                         b.spec.type == "office" ? "call_center" : "simbox"});
  }
}

}  // namespace

Result<Station> Simulate(const Options& options) { return Simulate(options, nullptr, nullptr); }

Result<Station> Simulate(const Options& options, const SimulateProgress& progress) {
  return Simulate(options, progress, nullptr);
}

Result<Station> Simulate(const Options& given, const SimulateProgress& progress,
                         const RecordSink& sink) {
  SWEEP_RETURN_IF_ERROR(CheckOptions(given));
  Rng rng(given.seed);
  PeopleFactory factory(given.district);
  World w;
  w.options = Scaled(given);
  SWEEP_RETURN_IF_ERROR(MakeWorld(rng, factory, &w));
  Station out;
  out.options = w.options;  // as grown for target_mentions
  for (const auto& b : w.buildings) out.buildings.push_back(b.spec);
  Register(w, &out);
  std::vector<Officer> officers = Plan(w, &out);
  const int64_t start = given.start_ms != 0 ? given.start_ms : DefaultStartMs();
  Visits visits(&rng, &w, &out, start);
  const size_t target = given.target_mentions;
  const size_t expected = target > 0 ? target
                                     : static_cast<size_t>(given.days) * officers.size() *
                                           given.visits_per_officer_day * 2;
  for (int day = 0; day < kMaxDays; ++day) {
    if (target == 0 && day >= given.days) break;
    if (target > 0 && visits.mentions() >= target) break;
    if (day > 0) {
      Turnover(rng, factory, day, &w);
      visits.PeopleAdded();
    }
    for (auto& off : officers) Day(rng, w, visits, off, day, start + day * 86400000LL);
    if (sink) {
      SWEEP_RETURN_IF_ERROR(sink(out.records, out.truth));
      out.records.clear();
      out.truth.clear();
    }
    if (progress) progress(visits.mentions(), expected);
  }
  Finish(w, visits, &out);
  return out;
}

}  // namespace sweep::hub::sim
