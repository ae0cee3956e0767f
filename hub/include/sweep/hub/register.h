// The station's building register, its beats (责任区) and who is assigned
// to them: `sweep-hub buildings …`, `beats …`, `assign`, `unassign` and
// `ledger config`. Every change is written in one atomic store step and then
// published: officers receive the buildings and units of their beats over
// pull (feed kind "assignment", with tombstones for what left), and every
// tablet the ledger configuration (kind "config"). Spec: docs/coverage.md.
//
// Knows nothing of SQL (HubStore) nor of the terminal (progress arrives
// through a callback). Thread-compatible: one RegisterService per thread;
// several processes may run commands on the same database at once (the
// store's publication revision keeps the feed consistent).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub {

enum class RegisterFormat { kAuto, kCsv, kJsonl };

// One bad row of a register file: the line and the reason (English, " / ",
// Simplified Chinese), e.g. "floors: 'abc' is not a whole number / 楼层数…".
struct ImportProblem {
  size_t line = 0;
  std::string reason;
};

struct BuildingChange {
  enum class Kind { kAdded, kUpdated, kUnchanged };
  Kind kind = Kind::kAdded;
  size_t line = 0;  // first line of the file that names the building
  std::string key;
  std::string raw;  // the address as written
  size_t units = 0, units_added = 0, units_removed = 0;
};

struct ImportReport {
  size_t rows = 0;  // data rows read (without header and blank lines)
  size_t added = 0, updated = 0, unchanged = 0;
  size_t units_added = 0, units_removed = 0, units_total = 0;
  std::vector<BuildingChange> changes;  // one per distinct building, in file order
  std::vector<ImportProblem> problems;  // all of them; non-empty: nothing was imported
  size_t feed_items = 0;                // assignment items and tombstones published
};

// (rows done, rows total): called now and then while the file is checked.
using ImportProgress = std::function<void(size_t done, size_t total)>;

// The text of --community / --street / --building options of `beats`.
struct BeatMembers {
  std::vector<std::string> communities;  // names or 12-digit codes
  std::vector<std::string> streets;      // names or 9-digit codes
  std::vector<std::string> buildings;    // addresses
};

struct BeatView {
  BeatRow beat;
  std::vector<BuildingRow> buildings;  // members now, by key, with their units
};

class RegisterService {
 public:
  RegisterService(HubStore* store, Env* env) : store_(store), env_(env) {}

  // Checks every row of `text`, then writes all or nothing. `default_division`
  // (empty: the hub's setting) resolves addresses that name no district.
  // With bad rows: InvalidArgument, `report->problems` lists every one of
  // them, nothing is written. `source` names the file in messages.
  Status ImportBuildings(std::string_view text, RegisterFormat format, const std::string& source,
                         const std::string& default_division, const ImportProgress& progress,
                         ImportReport* report);
  // Reads `path` ('-': not supported; the format from the extension .csv /
  // .jsonl / .ndjson unless given) and imports it.
  Status ImportFile(const std::string& path, RegisterFormat format,
                    const std::string& default_division, const ImportProgress& progress,
                    ImportReport* report);

  // Buildings, optionally of one community (name or code), without units.
  Result<std::vector<BuildingRow>> Buildings(const std::string& community);
  // The building at `address` (normalised with the hub's default division), with units.
  Result<BuildingRow> Building(const std::string& address);

  Status CreateBeat(const std::string& name, const BeatMembers& members);
  Status AddToBeat(const std::string& name, const BeatMembers& members);
  // Removes the named communities, streets and buildings from the rule; a
  // building that is still in the beat through a community or street is
  // excluded from it instead.
  Status RemoveFromBeat(const std::string& name, const BeatMembers& members);
  Status DeleteBeat(const std::string& name);
  Result<std::vector<BeatRow>> Beats();
  // The names of the beats that hold `building`.
  Result<std::vector<std::string>> BeatsOf(const BuildingRow& building);
  Result<BeatView> Beat(const std::string& name);
  Status Assign(const std::string& beat, const std::string& officer_id);
  Status Unassign(const std::string& beat, const std::string& officer_id);

  // The stored ledger configuration (defaults spelled out).
  Result<v1::LedgerConfig> LedgerConfig();
  // Checks (ledger::ConfigFromProto, division code known), stores and publishes it.
  Status SetLedgerConfig(const v1::LedgerConfig& config);

  // Publishes what the register and ledger imply and the feed does not say
  // yet (serve runs it at start; every change above runs it). Returns the
  // number of items and tombstones appended.
  Result<size_t> Publish();

 private:
  Result<std::string> DefaultDivision();
  Status ResolveMembers(const BeatMembers& members, BeatRow* into, bool remove);
  Result<BeatRow> FindBeat(const std::string& name);
  Status WriteImport(std::vector<BuildingRow> rows, ImportReport* report);

  HubStore* store_;
  Env* env_;
};

// "residential" / "office" / "mixed" from what a register may say (also
// 住宅, 写字楼/办公, 商住/混合); empty text is "residential". InvalidArgument otherwise.
Result<std::string> ParseBuildingType(std::string_view text);

// "YYYY-MM-DD" → the first millisecond of that day at `utc_offset_minutes`;
// InvalidArgument naming `what` (e.g. "--anchor") otherwise.
Result<int64_t> ParseLocalDate(const std::string& text, int utc_offset_minutes,
                               const std::string& what);

}  // namespace sweep::hub
