// The end-of-day report (`sweep-hub report --date D`, issue 5): what the
// station did on one local day (China time, UTC+8) and where it stands.
// Computed from the case file (cases::CaseView), the stored visits and the
// coverage ledger (ComputeCoverage); rendered as an aligned table, CSV or a
// printable standalone HTML page, in Chinese or English. Spec: docs/report.md.
// Thread-compatible (the functions keep no state).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sweep/hub/casefile.h"
#include "sweep/hub/coverage.h"
#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"

namespace sweep::hub {

struct VisitCounts {
  uint64_t visits = 0;  // records (latest version) visited on the day
  uint64_t rental = 0, office = 0;
  uint64_t checked = 0, no_answer = 0, refused = 0, vacant = 0;
  uint64_t persons = 0;     // person mentions recorded in those visits
  uint64_t den_visits = 0;  // visits whose indicators amount to a den suspicion
  bool operator==(const VisitCounts& o) const = default;
};

struct DayReport {
  std::string date;   // YYYY-MM-DD (local)
  std::string cycle;  // the ledger cycle the date falls in, e.g. "2026-11"
  VisitCounts total;
  std::map<std::string, VisitCounts> by_officer;
  // Coverage: distinct registered units covered by a visit on the day, and
  // the ledger's totals as at the end of the day.
  uint64_t units_covered_today = 0;
  CoverageCounts cycle_totals;
  // Persons: distinct person entities seen on the day, of them first seen
  // that day, and all persons known.
  uint64_t persons_seen = 0, persons_new = 0, persons_total = 0;
  // Dens: premises by den status at the end of the day; those that became
  // suspected on the day; status changes made on the day.
  std::map<std::string, uint64_t> dens_by_status;  // DenStatusName → count (none left out)
  std::vector<std::string> dens_new;               // premises keys
  std::vector<std::string> dens_new_addresses;     // parallel: the address as written, else the key
  uint64_t status_changes = 0;
  // Suspects by disposition code (a suspect counts once per code), and all suspects.
  std::map<std::string, uint64_t> suspects_by_disposition;
  uint64_t suspects = 0;
  // Indicator code and the visits on the day that found it; most first.
  std::vector<std::pair<std::string, uint64_t>> top_indicators;
  uint64_t open_conflicts = 0;
  uint64_t review_queue = 0;  // person pairs awaiting a supervisor
  int64_t day_start_ms = 0;   // the local day [start, start + 24 h), UTC ms
};

struct DayReportOptions {
  std::string date;  // YYYY-MM-DD; required
  size_t top_indicators = 10;
};

// The figures that follow from the case view alone (visits, persons, dens,
// status changes, suspects, indicators, conflicts) for the local day that
// starts at `day_start_ms`; everything "at the end of the day" ignores what
// happened later. ComputeDayReport adds the ledger's figures and the review
// queue. Pure; thread-safe.
DayReport DayReportFromView(const cases::CaseView& view, int64_t day_start_ms,
                            size_t top_indicators);
// The start (UTC ms) of the local day `date` (YYYY-MM-DD) by the ledger's
// settings; InvalidArgument naming --date when it is not a date.
Result<int64_t> DayStartOf(HubStore* store, const std::string& date);
// REQUIRES: `view` loaded from `store` (CaseService::Load). InvalidArgument
// for a malformed date; the store's errors otherwise.
Result<DayReport> ComputeDayReport(HubStore* store, Env* env, const cases::CaseView& view,
                                   const DayReportOptions& options);
std::string RenderDayReport(const DayReport& report, const cases::CaseOptions& options,
                            ReportFormat format, Lang lang);
// One JSON object (UTF-8, one line) with every figure, codes untranslated.
std::string DayReportJson(const DayReport& report);

}  // namespace sweep::hub
