// Synthetic rental-check records for the store benchmark: realistic, about
// 1 KB serialized once the store has filled in its metadata, and different
// from one another (names, valid resident ids, phones, addresses, notes).
// Record `i` of seed `s` is always the same, so the encrypted store and the
// plain baseline receive identical content. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sweep/v1/record.pb.h"

namespace sweep::bench {

// The body of record number `index` (a Record holding only rental_check),
// deterministic in (seed, index). About 5% carry an identifier typo so that
// validation results are stored too, as they are in the field.
v1::Record MakeRentalCheck(uint64_t seed, uint64_t index);

// The identifiers the store indexes for `record`, as (kind, normalised
// value) pairs, deduplicated: the same rule as the store's tag index.
std::vector<std::pair<std::string, std::string>> IdentifiersOf(const v1::Record& record);

}  // namespace sweep::bench
