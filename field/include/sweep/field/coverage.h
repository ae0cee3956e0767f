// The tablet's own coverage view ("不漏一户"): the officer's beats, what
// remains this cycle, the revisits due, and one building as a floors × units
// grid. Built in memory from the pulled feed (assignments, the hub's unit
// states, revisits, the station's ledger rules) and the store's own records,
// so a visit recorded offline counts at once, before any sync. Nothing here
// writes to disk. The rules are schema::ledger's (docs/ledger.md); how the
// tablet combines them with the hub's view is in docs/storage-format.md,
// "Coverage on the tablet".
//
// LoadCoverage reads the store once; TodayOf and BuildingOf are pure
// functions of what it read and of `now_ms`. Not thread-safe (like Store);
// a CoverageData may be shared read-only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/field/store.h"
#include "sweep/schema/ledger.h"
#include "sweep/schema/status.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::field {

// A local record the ledger cannot place.
struct UnplacedVisit {
  std::string record_id;
  std::string address;  // as typed
  std::string reason;   // why: the normaliser's reason, or "no room"
};

// This tablet's visits to one building, grouped by unit.
struct LocalBuilding {
  std::map<std::string, std::vector<schema::ledger::Visit>> units;  // unit key → visits
  std::vector<UnplacedVisit> no_room;  // visits naming the building but no room
  v1::Address address;                 // of one of its visits (for a label)
};

// Everything the views are computed from, read from one unlocked store.
struct CoverageData {
  std::string officer_id;                             // who unlocked
  schema::ledger::CycleConfig config;                 // the hub's, or the defaults
  std::string default_division;                       // the hub's; "" without a config
  bool config_from_hub = false;                       // false: no "config" item pulled yet
  std::vector<v1::Assignment> assignments;            // feed order
  std::map<std::string, std::vector<std::string>> assigned_units;  // building key → unit keys
  std::map<std::string, v1::UnitProgress> hub_units;  // "<building key>|<unit key>"
  std::map<std::string, v1::Revisit> hub_revisits;    // "<building key>|<unit key>"
  std::map<std::string, LocalBuilding> local;         // building key → this tablet's visits
  std::vector<UnplacedVisit> unresolved;              // local visits whose address did not resolve
  int local_visits = 0;                               // local records that are visits
  std::vector<std::string> warnings;  // feed items skipped (do not parse), bad config
};

// Reads the feed items and decrypts every record's latest version.
// REQUIRES: store unlocked.
Result<CoverageData> LoadCoverage(Store& store);

// A pending revisit of a unit (its latest attempt failed).
struct RevisitView {
  std::string building_key;
  std::string unit_key;
  std::string address;   // the building's label, e.g. "国庆北路18号3栋"
  std::string reason;    // "no_answer" or "refused"
  std::string window;    // preferred time of day: "morning", "afternoon", "evening"
  int64_t from_ms = 0;   // not before (0: unknown)
  int64_t due_ms = 0;    // by (0: unknown)
  std::string due_date;  // YYYY-MM-DD local ("" when unknown)
  bool open = false;     // now ≥ from_ms: go now
  bool overdue = false;  // now ≥ due_ms
  int attempts = 0;      // failed attempts this cycle
  int64_t last_attempt_ms = 0;
  std::string source;  // "local" (this tablet's visit) or "hub"
  std::vector<std::string> beats;
};

// One unit as the tablet sees it now.
struct UnitView {
  std::string unit_key;     // "2-502" or "502"
  std::string stairwell;    // "2" or ""
  std::string room;         // "502"
  std::string address;      // the unit's address text, UnitAddressText(building label, …)
  int floor = 0;            // 0: unknown
  bool registered = false;  // listed by the register (the assignment)
  schema::ledger::UnitState state = schema::ledger::UnitState::kUnvisited;
  bool covered = false;  // checked or found vacant this cycle (a den suspect may be too)
  std::string source;    // "local", "hub" or "none" (never visited)
  int64_t last_visit_ms = 0;
  std::string last_officer_id;
  int local_visits = 0;  // this tablet's records for the unit
  std::string local_record_id;  // this tablet's latest record for the unit ("" if none)
  std::optional<RevisitView> revisit;
  std::vector<std::string> unaccounted;  // names of residents not seen at the latest check
};

// A building of a beat, counted over the register's units.
struct BuildingSummary {
  std::string building_key;
  std::string address;
  int units = 0;
  int covered = 0;
  int remaining = 0;
};

struct BeatView {
  std::string beat;
  std::vector<BuildingSummary> buildings;  // by building key
  int units = 0;
  int covered = 0;
  int remaining = 0;
  int revisits_open = 0;  // revisits whose window is open now
};

struct TodayView {
  std::string officer_id;
  int64_t now_ms = 0;
  schema::ledger::Cycle cycle;
  std::string today;  // YYYY-MM-DD local
  bool config_from_hub = false;
  schema::ledger::CycleConfig config;
  std::vector<BeatView> beats;                 // by beat name
  std::vector<RevisitView> revisits;           // open first, then by due time
  std::vector<UnplacedVisit> unplaced;         // local visits with no building or no room
  int local_visits = 0;                        // local records that are visits
  int outside_visits = 0;                      // local visits to buildings in none of the beats
  std::vector<std::string> outside_buildings;  // their building keys
};

// The officer's day: per beat, the units of the register, covered and
// remaining this cycle; the pending revisits; the local visits the ledger
// cannot place.
TodayView TodayOf(const CoverageData& data, int64_t now_ms);

struct GridRow {
  int floor = 0;           // 0: floor unknown (last row)
  std::vector<int> cells;  // per column: index into units, or -1
};

struct BuildingView {
  std::string building_key;
  std::string address;
  std::string building_type;       // from the assignment ("" if not assigned)
  std::vector<std::string> beats;  // empty: not in the officer's beats
  bool assigned = false;
  std::string focus_unit;  // the unit the query named, if any
  schema::ledger::CycleConfig config;
  schema::ledger::Cycle cycle;
  int top_floor = 0;
  std::vector<UnitView> units;       // registered ones first, then extras
  std::vector<std::string> columns;  // column labels: "<stairwell>-<position>"
  std::vector<GridRow> rows;         // top floor first
  int total = 0;                     // registered units
  int covered = 0;                   // registered units covered this cycle
  int remaining = 0;
  double coverage_pct = 0;             // covered / total × 100 (0 when total is 0)
  int extra = 0;                       // visited units the register does not list
  std::vector<UnplacedVisit> no_room;  // local visits to the building naming no room
};

// One building by address text ("国庆北路18号3栋", a room's address, or a
// building key as `today` prints it). InvalidArgument when the text cannot
// be read as an address (the normaliser's reason is in the message);
// NotFound when the building is in none of the beats and no visit to it is
// known.
Result<BuildingView> BuildingOf(const CoverageData& data, std::string_view address_text,
                                int64_t now_ms);

// A short label for a building: "国庆北路18号3栋" (estate or community, then
// the building), or the raw text when the address has neither.
std::string BuildingLabel(const v1::Address& address);
// A unit's address from its building's label: "国庆北路18号3栋" + stairwell
// "1" + room "102" → "国庆北路18号3栋1单元102室", the levels written as
// NormalizeAddress reads them back (so the form's address resolves to the
// same unit key).
std::string UnitAddressText(std::string_view building_label, std::string_view stairwell,
                            std::string_view room);

}  // namespace sweep::field
