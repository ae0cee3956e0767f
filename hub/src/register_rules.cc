#include "register_rules.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <charconv>

#include "sweep/schema/address.h"

namespace sweep::hub::internal {

// ------------------------------------------------------------------ settings

Result<HubSettings> LoadSettings(HubStore* store) {
  SWEEP_ASSIGN_OR_RETURN(auto text, store->GetSetting(kLedgerConfigSetting));
  HubSettings s;
  if (text) {
    s.stored = true;
    auto st = google::protobuf::util::JsonStringToMessage(*text, &s.proto);
    if (!st.ok()) {
      return Status::Corruption("the stored ledger configuration does not parse (" +
                                std::string(st.message()) + "): set it again with `ledger config`");
    }
  }
  SWEEP_ASSIGN_OR_RETURN(s.config, ledger::ConfigFromProto(s.proto));
  s.default_division = s.proto.default_division();
  // Stored and sent with every default spelled out, so tablets need no guess.
  s.proto = ledger::ConfigToProto(s.config, s.default_division);
  return s;
}

Status SaveLedgerConfig(HubStore* store, const v1::LedgerConfig& proto) {
  SWEEP_RETURN_IF_ERROR(ledger::ConfigFromProto(proto).status());
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  auto st = google::protobuf::util::MessageToJsonString(proto, &json, options);
  if (!st.ok()) return Status::Internal("cannot write the ledger configuration as JSON");
  return store->PutSettings({{kLedgerConfigSetting, json}});
}

// ------------------------------------------------------------------ beats

namespace {
bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}
bool HasPrefix(const std::string& s, const std::string& prefix) {
  return !prefix.empty() && s.compare(0, prefix.size(), prefix) == 0;
}
}  // namespace

bool BeatHolds(const BeatRow& beat, const std::string& key, const std::string& division_code) {
  if (Contains(beat.excluded, key)) return false;
  if (Contains(beat.buildings, key)) return true;
  for (const std::string& c : beat.communities) {
    if (HasPrefix(division_code, c)) return true;
  }
  for (const std::string& s : beat.streets) {
    if (HasPrefix(division_code, s)) return true;
  }
  return false;
}

BuildingQuery BeatCandidates(const BeatRow& beat, bool with_units) {
  BuildingQuery q;
  q.division_prefixes = beat.communities;
  q.division_prefixes.insert(q.division_prefixes.end(), beat.streets.begin(), beat.streets.end());
  q.keys = beat.buildings;
  q.with_units = with_units;
  return q;
}

std::map<std::string, std::set<std::string>> OfficersOfBuildings(
    const std::vector<BeatRow>& beats, const std::vector<BuildingRow>& buildings) {
  std::map<std::string, std::set<std::string>> out;
  for (const BuildingRow& b : buildings) {
    std::set<std::string>& officers = out[b.key];
    for (const BeatRow& beat : beats) {
      if (!beat.officers.empty() && BeatHolds(beat, b.key, b.division_code)) {
        officers.insert(beat.officers.begin(), beat.officers.end());
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ ledger inputs

std::vector<ledger::PersonSeen> RegisteredPersons(
    const std::vector<RegisteredResident>& residents) {
  std::vector<ledger::PersonSeen> out;
  for (const RegisteredResident& r : residents) {
    ledger::PersonSeen p;
    p.key = ledger::PersonKey(r.name, r.id_number);
    if (p.key.empty()) continue;  // nobody to account for (as VisitOf skips them)
    p.name = r.name;
    out.push_back(std::move(p));
  }
  return out;
}

std::string ResolveUnitKey(const BuildingRow& building, const std::string& unit_key) {
  std::vector<std::string> keys;
  keys.reserve(building.units.size());
  for (const UnitRow& u : building.units) keys.push_back(u.unit_key);
  return ledger::MatchUnitKey(keys, unit_key);
}

// ------------------------------------------------------------------ feed

uint32_t FloorsOf(const BuildingRow& building) {
  if (building.floors > 0) return building.floors;
  int top = 0;
  for (const UnitRow& u : building.units) {
    top = std::max(top, schema::FloorOfRoom(schema::SplitUnitKey(u.unit_key).second));
  }
  return static_cast<uint32_t>(top);
}

v1::Assignment AssignmentOf(const BuildingRow& building, const std::string& beat) {
  v1::Assignment a;
  a.set_building_key(building.key);
  *a.mutable_address() = building.address;
  a.set_building_type(building.type);
  for (const UnitRow& u : building.units) a.add_units(u.unit_key);
  a.set_beat(beat);
  a.set_floors(FloorsOf(building));
  return a;
}

std::vector<FeedItemRow> DiffFeed(const std::vector<FeedStateRow>& current,
                                  const DesiredFeed& desired) {
  std::map<FeedKey, const FeedStateRow*> have;
  for (const FeedStateRow& row : current) have[{row.audience, row.kind, row.key}] = &row;
  std::vector<FeedItemRow> items;
  for (const auto& [key, payload] : desired) {
    auto it = have.find(key);
    if (it != have.end() && !it->second->deleted && it->second->digest == FeedDigest(payload)) {
      continue;
    }
    items.push_back({0, std::get<0>(key), std::get<1>(key), std::get<2>(key), false, payload});
  }
  for (const auto& [key, row] : have) {
    if (row->deleted || desired.count(key)) continue;
    items.push_back({0, row->audience, row->kind, row->key, true, {}});
  }
  return items;
}

// ------------------------------------------------------------------ dates

Result<int64_t> ParseLocalDate(const std::string& text, int utc_offset_minutes,
                               const std::string& what) {
  int y = 0, m = 0, d = 0;
  auto bad = [&] {
    return Status::InvalidArgument(what + ": '" + text +
                                   "' is not a date; write YYYY-MM-DD, e.g. 2026-11-01");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  auto num = [&](size_t from, size_t len, int* out) {
    auto [p, ec] = std::from_chars(text.data() + from, text.data() + from + len, *out);
    return ec == std::errc() && p == text.data() + from + len;
  };
  if (!num(0, 4, &y) || !num(5, 2, &m) || !num(8, 2, &d)) return bad();
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1] || (m == 2 && d == 29 && !leap)) {
    return bad();
  }
  // Days from civil (H. Hinnant), as in schema/src/ledger.cc.
  int64_t yy = y - (m <= 2);
  int64_t era = yy / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  return days * 86'400'000 - int64_t{utc_offset_minutes} * 60'000;
}

}  // namespace sweep::hub::internal
