// One building as a floors × units grid: which address the officer means,
// which units it has (the register's, plus visited ones it does not list),
// each unit's combined state, and where each unit sits in the grid.
#include <algorithm>
#include <cctype>
#include <set>

#include "coverage_unit.h"
#include "sweep/field/coverage.h"

namespace sweep::field {

namespace ledger = schema::ledger;

namespace {

struct Query {
  std::string building_key;
  std::string unit_key;  // "" when the text names no room
};

std::vector<std::string> SplitBars(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t bar = s.find('|', start);
    out.emplace_back(s.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos) return out;
    start = bar + 1;
  }
}

std::string Trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(a, b - a + 1));
}

const char* kHowToWrite =
    "写明小区或路号和楼栋，如“国庆北路18号3栋”，或用 `today` 列出的楼栋键 / write the estate or "
    "road number and the building, e.g. \"国庆北路18号3栋\", or a building key as `today` prints "
    "it";

// A building key as `today` prints it ("431002|国庆北路18号|3"), or a full
// normalised key of a room ("431002|国庆北路18号|3|2|502").
Result<Query> ParseKey(const std::string& text) {
  auto f = SplitBars(text);
  bool district_ok = f[0].size() == 6 && std::all_of(f[0].begin(), f[0].end(), [](char c) {
                       return std::isdigit(static_cast<unsigned char>(c));
                     });
  if ((f.size() != 3 && f.size() != 5) || !district_ok) {
    return Status::InvalidArgument(
        "楼栋键格式不对 / \"" + text +
        "\" (argument ADDRESS) is not a building key: a key is \"<6-digit district>|<place>|"
        "<building>\" (or a room's \"…|<unit>|<room>\"); " +
        kHowToWrite);
  }
  Query q;
  q.building_key = f[0] + "|" + f[1] + "|" + f[2];
  if (f.size() == 5 && !f[4].empty()) q.unit_key = f[3].empty() ? f[4] : f[3] + "-" + f[4];
  return q;
}

Result<Query> ParseQuery(const CoverageData& d, std::string_view raw) {
  std::string text = Trim(raw);
  if (text.empty()) {
    return Status::InvalidArgument(std::string("缺少地址 / building needs an address; ") +
                                   kHowToWrite);
  }
  if (text.find('|') != std::string::npos) return ParseKey(text);
  v1::Address a = schema::NormalizeAddress(text, {d.default_division});
  if (a.normalized_key().empty()) {
    std::string reason =
        a.unresolved_reason().empty() ? "it names no place" : a.unresolved_reason();
    std::string fix = d.default_division.empty()
                          ? "; name the district too (e.g. \"郴州市北湖区国庆北路18号3栋\") until "
                            "the first sync brings the station's default district"
                          : std::string("; ") + kHowToWrite;
    return Status::InvalidArgument("地址无法识别 / cannot read the address \"" + text +
                                   "\" (argument ADDRESS): " + reason + fix);
  }
  return Query{schema::BuildingKeyOf(a), schema::UnitKeyOf(a)};
}

// Orders "2-10" after "2-9" and "10-01" after "2-01": digit runs compare
// as numbers.
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && digit(a[i2])) ++i2;
      while (j2 < b.size() && digit(b[j2])) ++j2;
      std::string x = a.substr(i, i2 - i), y = b.substr(j, j2 - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size() - 1));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size() - 1));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i2;
      j = j2;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// The column of a unit: its stairwell and its position on the floor ("502"
// on floor 5 → "02"; "1203" on floor 12 → "03").
std::string ColumnOf(const UnitView& u) {
  std::string position = u.room;
  std::string floor = std::to_string(u.floor);
  bool digits = !u.room.empty() && std::all_of(u.room.begin(), u.room.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
  if (u.floor > 0 && digits && u.room.size() > floor.size() && u.room.starts_with(floor)) {
    position = u.room.substr(floor.size());
  }
  return u.stairwell.empty() ? position : u.stairwell + "-" + position;
}

void LayOut(BuildingView* v) {
  std::map<std::pair<int, std::string>, int> cell;  // (floor, column) → unit
  std::set<std::string> columns;
  bool unknown_floor = false;
  for (size_t i = 0; i < v->units.size(); ++i) {
    const UnitView& u = v->units[i];
    std::string column = ColumnOf(u);
    while (cell.count({u.floor, column}) > 0) column += "'";  // two rooms in one place
    cell[{u.floor, column}] = static_cast<int>(i);
    columns.insert(column);
    v->top_floor = std::max(v->top_floor, u.floor);
    unknown_floor = unknown_floor || u.floor <= 0;
  }
  v->columns.assign(columns.begin(), columns.end());
  std::sort(v->columns.begin(), v->columns.end(), NaturalLess);
  std::vector<int> floors;
  for (int f = v->top_floor; f >= 1; --f) floors.push_back(f);
  if (unknown_floor) floors.push_back(0);
  for (int f : floors) {
    GridRow row;
    row.floor = f;
    for (const auto& column : v->columns) {
      auto it = cell.find({f, column});
      row.cells.push_back(it == cell.end() ? -1 : it->second);
    }
    v->rows.push_back(std::move(row));
  }
}

// The unit keys of the building: the register's first, then the visited
// ones it does not list, each group in natural order.
std::pair<std::vector<std::string>, std::vector<std::string>> UnitKeys(
    const CoverageData& d, const std::string& building_key,
    const std::vector<const v1::Assignment*>& assignments) {
  std::set<std::string> registered, extra;
  for (const auto* a : assignments) registered.insert(a->units().begin(), a->units().end());
  if (auto it = d.local.find(building_key); it != d.local.end()) {
    for (const auto& [unit_key, visits] : it->second.units) extra.insert(unit_key);
  }
  std::string prefix = building_key + "|";
  for (auto it = d.hub_units.lower_bound(prefix);
       it != d.hub_units.end() && it->first.starts_with(prefix); ++it) {
    extra.insert(it->second.unit_key());
  }
  for (auto it = d.hub_revisits.lower_bound(prefix);
       it != d.hub_revisits.end() && it->first.starts_with(prefix); ++it) {
    extra.insert(it->second.unit_key());
  }
  for (const auto& k : registered) extra.erase(k);
  std::vector<std::string> r(registered.begin(), registered.end());
  std::vector<std::string> e(extra.begin(), extra.end());
  std::sort(r.begin(), r.end(), NaturalLess);
  std::sort(e.begin(), e.end(), NaturalLess);
  return {std::move(r), std::move(e)};
}

}  // namespace

Result<BuildingView> BuildingOf(const CoverageData& d, std::string_view address_text,
                                int64_t now_ms) {
  SWEEP_ASSIGN_OR_RETURN(Query q, ParseQuery(d, address_text));
  BuildingView v;
  v.building_key = q.building_key;
  v.focus_unit = q.unit_key;
  v.config = d.config;
  v.cycle = ledger::CycleAt(d.config, now_ms);
  v.address = internal::LabelOf(d, q.building_key);
  std::vector<const v1::Assignment*> assignments;
  std::set<std::string> beats;
  for (const auto& a : d.assignments) {
    if (a.building_key() != q.building_key) continue;
    assignments.push_back(&a);
    beats.insert(a.beat());
    if (v.building_type.empty()) v.building_type = a.building_type();
    v.top_floor = std::max(v.top_floor, static_cast<int>(a.floors()));
  }
  v.beats.assign(beats.begin(), beats.end());
  v.assigned = !assignments.empty();
  auto local = d.local.find(q.building_key);
  auto [registered, extra] = UnitKeys(d, q.building_key, assignments);
  if (!v.assigned && registered.empty() && extra.empty() &&
      (local == d.local.end() || local->second.no_room.empty())) {
    return Status::NotFound("楼栋不在您的责任区，本机也没有走访记录 / building \"" + v.address +
                            "\" (" + q.building_key +
                            ") is in none of your beats and this tablet has no visit to it: "
                            "check the address, or run `today` to list your buildings");
  }
  for (const auto* group : {&registered, &extra}) {
    for (const auto& unit_key : *group) {
      const std::vector<ledger::Visit>* visits = nullptr;
      if (local != d.local.end()) {
        auto u = local->second.units.find(unit_key);
        if (u != local->second.units.end()) visits = &u->second;
      }
      UnitView u =
          internal::CombineUnit(d, q.building_key, unit_key, visits, v.cycle, v.address, now_ms);
      u.registered = group == &registered;
      if (u.registered) {
        ++v.total;
        if (u.covered) ++v.covered;
      } else {
        ++v.extra;
      }
      v.units.push_back(std::move(u));
    }
  }
  v.remaining = v.total - v.covered;
  v.coverage_pct = v.total > 0 ? 100.0 * v.covered / v.total : 0;
  if (local != d.local.end()) v.no_room = local->second.no_room;
  LayOut(&v);
  return v;
}

}  // namespace sweep::field
