// Private to the hub: the small rules the register, ledger and coverage
// services share — the ledger configuration stored in the settings, beat
// membership, registered residents as the ledger sees them, the feed
// payloads and keys, and local dates. Pure functions except LoadSettings and
// SaveLedgerConfig (one store call each). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sweep/hub/hub_store.h"
#include "sweep/schema/ledger.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub::internal {

namespace ledger = schema::ledger;

// Setting key of the ledger configuration (v1::LedgerConfig as JSON).
inline constexpr const char* kLedgerConfigSetting = "ledger_config";

struct HubSettings {
  v1::LedgerConfig proto;        // as stored (defaults filled in)
  ledger::CycleConfig config;    // ConfigFromProto(proto)
  std::string default_division;  // proto.default_division()
  bool stored = false;           // false: never set, these are the defaults
};
// The stored configuration, or the defaults (monthly, 3 days, UTC+8, no
// default division) when none was set.
Result<HubSettings> LoadSettings(HubStore* store);
Status SaveLedgerConfig(HubStore* store, const v1::LedgerConfig& proto);

// ---- beats

// Whether `beat` holds the building (`key`, `division_code`): explicit, or in
// one of its communities or streets, and not excluded.
bool BeatHolds(const BeatRow& beat, const std::string& key, const std::string& division_code);
// The buildings that may belong to `beat` (filter them with BeatHolds).
BuildingQuery BeatCandidates(const BeatRow& beat, bool with_units);
// Officers per building key, for the given buildings, from the beats' rules
// and assignments.
std::map<std::string, std::set<std::string>> OfficersOfBuildings(
    const std::vector<BeatRow>& beats, const std::vector<BuildingRow>& buildings);

// ---- ledger inputs

// The rental register's residents of a unit as the ledger's PersonSeen (keys
// computed exactly as ledger::VisitOf computes them for occupants).
std::vector<ledger::PersonSeen> RegisteredPersons(const std::vector<RegisteredResident>& residents);
// ledger::MatchUnitKey over the building's registered units.
std::string ResolveUnitKey(const BuildingRow& building, const std::string& unit_key);

// ---- feed

inline std::string OfficerAudience(const std::string& officer) { return "officer:" + officer; }
inline std::string UnitFeedKey(const std::string& building_key, const std::string& unit_key) {
  return building_key + "|" + unit_key;
}
inline std::string AssignmentFeedKey(const std::string& beat, const std::string& building_key) {
  return beat + "|" + building_key;
}
v1::Assignment AssignmentOf(const BuildingRow& building, const std::string& beat);
// The number of floors: the register's, else the highest floor of its units.
uint32_t FloorsOf(const BuildingRow& building);

// (audience, kind, key) -> payload: what the feed should say.
using FeedKey = std::tuple<std::string, std::string, std::string>;
using DesiredFeed = std::map<FeedKey, Bytes>;
// The items that turn `current` into `desired`: changed or new payloads, and
// tombstones for what `current` holds (not deleted) and `desired` does not.
std::vector<FeedItemRow> DiffFeed(const std::vector<FeedStateRow>& current,
                                  const DesiredFeed& desired);

// ---- dates

// "YYYY-MM-DD" -> the start of that local day (utc_offset_minutes), or
// InvalidArgument naming `what`.
Result<int64_t> ParseLocalDate(const std::string& text, int utc_offset_minutes,
                               const std::string& what);

inline Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace sweep::hub::internal
