// Private to the hub: reading a building register file (CSV or JSON Lines,
// docs/coverage.md "Import formats") into BuildingRows, with every bad row
// reported by line. Pure functions of the text and the address context;
// thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "sweep/hub/hub_store.h"
#include "sweep/hub/register.h"
#include "sweep/schema/address.h"

namespace sweep::hub::internal {

struct ParsedBuilding {
  size_t line = 0;  // first line of the row
  BuildingRow building;
};

struct ParsedRegister {
  size_t rows = 0;
  std::vector<ParsedBuilding> buildings;  // distinct keys, in file order
  std::vector<ImportProblem> problems;    // sorted by line
};

// REQUIRES: format is kCsv or kJsonl.
ParsedRegister ParseRegister(std::string_view text, RegisterFormat format,
                             const schema::AddressContext& context, const ImportProgress& progress);

// Whether two rows describe the same building identically: key, division,
// type, sizes, units and their residents (the address may be spelled
// differently: it is the same building).
bool SameBuilding(const BuildingRow& a, const BuildingRow& b);

// The unit keys a register row describes: floors × units per floor in each
// stairwell ("502"; "2-502" with stairwells), room = floor × 100 + index.
std::vector<std::string> GenerateUnits(uint32_t floors, uint32_t units_per_floor,
                                       uint32_t stairwells);

}  // namespace sweep::hub::internal
