// The coverage ledger's rules ("不漏一户、不漏一人"): how a unit's state this
// cycle follows from its visits, when a failed attempt must be revisited and
// at what time of day, and which residents are unaccounted for. Pure
// functions of their inputs (the clock is a parameter), shared by the tablet
// (its own offline view) and the hub (coverage reports, revisit feed), so both
// compute the same answer. Spec: docs/ledger.md. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/address.h"
#include "sweep/v1/record.pb.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::schema::ledger {

// Worst first: when visits disagree, the state is the first that applies in
// this order (see ComputeUnit).
enum class UnitState {
  kDenSuspected,  // the latest visit found den indicators (docs/ledger.md §3)
  kRevisitDue,    // a failed attempt (no answer / refused) whose revisit window is open
  kNoAnswer,      // failed attempt today; revisit from tomorrow
  kRefused,       // refused today; revisit from tomorrow
  kUnvisited,     // no visit this cycle
  kVacant,        // checked this cycle and found empty (counts as covered)
  kChecked,       // checked this cycle
};

std::string_view StateName(UnitState state);  // "den_suspected", "revisit_due", …
std::optional<UnitState> StateFromName(std::string_view name);
// True for the states that mean "covered this cycle". A den-suspected unit
// may be covered too: count coverage with UnitLedger::covered().
bool IsCovered(UnitState state);

struct CycleConfig {
  enum class Kind { kMonthly, kDays };
  Kind kind = Kind::kMonthly;  // calendar months in local time
  int cycle_days = 30;         // kDays: length of a cycle
  int64_t anchor_ms = 0;       // kDays: a cycle starts here and every cycle_days after
  int revisit_days = 3;        // a failed attempt must be revisited within this many days
  int utc_offset_minutes = 480;  // China Standard Time (no daylight saving)
};
// Reads the configuration the hub sends (feed kind "config"); InvalidArgument
// with the field named when it makes no sense (cycle_days 0, …).
Result<CycleConfig> ConfigFromProto(const v1::LedgerConfig& proto);
v1::LedgerConfig ConfigToProto(const CycleConfig& config, const std::string& default_division);

struct Cycle {
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // exclusive
  std::string label;     // "2026-11" (monthly) or "2026-11-03+30d"
};
Cycle CycleAt(const CycleConfig& config, int64_t now_ms);
// "YYYY-MM-DD" of `ms` in the station's local time.
std::string LocalDate(const CycleConfig& config, int64_t ms);

// A person as the ledger sees them. `key` identifies the person across
// visits: "id:<18-digit ID>" when a valid ID number is known, else
// "name:<name>" (the merge issue resolves people properly; the ledger only
// needs to match a unit's residents from one visit to the next).
struct PersonSeen {
  std::string key;
  std::string name;
  bool present = false;     // seen in person at this visit
  bool moved_out = false;   // recorded as no longer living here
};

// The key of a person given by name and ID number as typed (see PersonSeen);
// "" when both are empty. VisitOf keys occupants with it, and the hub keys
// the rental register's residents with it, so the two match.
std::string PersonKey(std::string_view name, std::string_view id_number);

// The register's unit that a visit's unit key names, given the building's
// registered unit keys: the key itself when listed; "502" for "1-502" when
// the building has no stairwells; "2-502" for "502" when exactly one
// stairwell has a room 502. Empty when nothing matches (an unregistered
// unit, or an ambiguous room). Tablet and hub both place visits with it.
std::string MatchUnitKey(std::span<const std::string> registered_units, std::string_view unit_key);

// One visit (one record's latest version) as the ledger sees it.
struct Visit {
  std::string record_id;
  uint64_t version = 0;
  std::string officer_id;
  int64_t at_ms = 0;                 // visited_at_ms, else the record's HLC wall time
  v1::UnitStatus status = v1::UNIT_STATUS_UNSPECIFIED;  // office sweeps: CHECKED
  bool den_suspected = false;
  std::vector<std::string> indicators;  // codes of the indicators found present
  std::vector<PersonSeen> persons;      // occupants (rental) or persons (office)
  v1::Address address;                  // normalised (NormalizeAddress)
  std::string building_key;             // BuildingKeyOf(address); empty if unresolved
  std::string unit_key;                 // UnitKeyOf(address); empty if none
};

// The visit a record describes; the address is normalised with `context`
// unless it already carries a key. nullopt for records with no body.
std::optional<Visit> VisitOf(const v1::Record& record, const AddressContext& context);
// Whether a visit's indicators amount to a den suspicion (docs/ledger.md §3).
bool IndicatesDen(const std::vector<std::string>& present_indicator_codes);

struct UnitLedger {
  UnitState state = UnitState::kUnvisited;
  int64_t last_visit_ms = 0;        // latest visit of any kind, any cycle (0: never)
  std::string last_officer_id;
  int64_t covered_ms = 0;           // the covering visit this cycle (0: not covered)
  int failed_attempts = 0;          // no answer / refused this cycle after the last cover
  // Set when a revisit is pending (latest attempt this cycle failed):
  int64_t revisit_from_ms = 0;      // start of the day after the failed attempt
  int64_t revisit_due_ms = 0;       // end of the revisit_days-th day after it
  std::string revisit_window;       // "morning", "afternoon" or "evening"
  std::string revisit_reason;       // "no_answer" or "refused"
  bool revisit_overdue = false;     // now ≥ revisit_due_ms
  std::vector<PersonSeen> unaccounted;  // residents not seen at the latest check

  bool covered() const { return covered_ms != 0; }  // checked or found vacant this cycle
};

// The state of one unit at `now_ms` from its visits (any order; several
// versions of one record: only the highest counts) and the residents the
// rental register lists for it. docs/ledger.md gives the rules.
UnitLedger ComputeUnit(std::span<const Visit> visits, std::span<const PersonSeen> registered,
                       const CycleConfig& config, int64_t now_ms);

// Time of day of `ms` in local time: "morning" (06–12), "afternoon" (12–18),
// "evening" (18–06).
std::string_view TimeOfDay(const CycleConfig& config, int64_t ms);

}  // namespace sweep::schema::ledger
