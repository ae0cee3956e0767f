// Private to the coverage module: one unit's state from this tablet's visits
// and the hub's view of it (shared by coverage.cc and coverage_building.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sweep/field/coverage.h"

namespace sweep::field::internal {

// "<building key>|<unit key>", the key of the hub's unit and revisit items.
std::string FullUnitKey(std::string_view building_key, std::string_view unit_key);

// The unit's view at `now_ms`: this tablet's visits run through the ledger
// (ComputeUnit); the hub's UnitProgress / Revisit items stand for other
// officers' visits. Whichever has the newer visit wins (a tie goes to the
// tablet: the hub then only echoes this tablet's own visit). `local` may be
// null (no local visit). `label` names the building in a revisit.
UnitView CombineUnit(const CoverageData& data, const std::string& building_key,
                     const std::string& unit_key, const std::vector<schema::ledger::Visit>* local,
                     const schema::ledger::Cycle& cycle, const std::string& label, int64_t now_ms);

// The label of building `building_key`: its assignment's address, else one
// of the local visits', else the key's place and building.
std::string LabelOf(const CoverageData& data, const std::string& building_key);

}  // namespace sweep::field::internal
