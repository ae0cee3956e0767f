// The coverage report (`sweep-hub coverage`): per beat, community and
// officer, how many registered units there are, how many were covered this
// cycle, how many remain, the revisits due and overdue, den suspicions and
// the residents unaccounted for ("不漏一户、不漏一人"), plus the visits that
// could not be placed. Computed from the stored visits with the shared
// ledger rules (schema/ledger.h) at a chosen moment, streaming the register
// and the visits in key order, so a 1,000,000-unit city fits in memory.
// Rendered as an aligned table, CSV or a standalone printable HTML page.
// Spec: docs/coverage.md "Coverage report". Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/ledger.h"
#include "sweep/schema/status.h"

namespace sweep::hub {

struct CoverageCounts {
  uint64_t units = 0;             // registered units
  uint64_t checked = 0;           // covered this cycle (checked or found vacant)
  uint64_t remaining = 0;         // units - checked
  uint64_t revisits_due = 0;      // a failed attempt awaits its revisit, not yet overdue
  uint64_t revisits_overdue = 0;  // … and its revisit window has closed
  uint64_t dens = 0;              // den suspected
  uint64_t unaccounted = 0;       // residents unaccounted for (sum over units)
  CoverageCounts& operator+=(const CoverageCounts& o);
  bool operator==(const CoverageCounts& o) const = default;
};

struct CoverageRow {
  enum class Level { kCommunity, kBeat, kOfficer, kTotal };
  Level level = Level::kTotal;
  std::string beat;            // kCommunity, kBeat: "" = in no beat
  std::string community_code;  // kCommunity: 12 digits, or the finest code known
  std::string community;       // kCommunity: its name ("" when unknown)
  std::string officers;        // kCommunity, kBeat: the beat's officers, ", "-joined; kOfficer: one
  CoverageCounts counts;
};

struct CoverageReport {
  std::string cycle;  // e.g. "2026-11"
  std::string date;   // the local date of `at_ms`
  int64_t at_ms = 0;
  std::string beat;  // the --beat filter, "" for all
  // Communities (ascending by code) then the beat's total, per beat
  // (ascending by name, the units in no beat last); then one row per
  // officer; then the total. A unit counts once in each row it belongs to.
  std::vector<CoverageRow> rows;
  uint64_t unresolved_visits = 0;               // addresses that could not be resolved
  std::vector<std::string> unresolved_reasons;  // the first few distinct reasons
  uint64_t unregistered_visits = 0;             // resolved, but to no unit of the register
};

struct CoverageOptions {
  std::string beat;     // only this beat ("" all)
  std::string at_date;  // "YYYY-MM-DD": as at the end of that local day ("" now)
  size_t page = 20000;  // rows read per store call
};

Result<CoverageReport> ComputeCoverage(HubStore* store, Env* env, const CoverageOptions& options);

enum class ReportFormat { kTable, kCsv, kHtml };
enum class Lang { kZh, kEn };
std::string RenderCoverage(const CoverageReport& report, ReportFormat format, Lang lang);

// The ledger of every unit of one building now (for `buildings show`), by unit key.
struct UnitView {
  std::string unit_key;
  schema::ledger::UnitLedger ledger;
};
Result<std::vector<UnitView>> BuildingLedger(HubStore* store, Env* env,
                                             const BuildingRow& building);

}  // namespace sweep::hub
