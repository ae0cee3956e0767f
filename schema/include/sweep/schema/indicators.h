// The den indicators the checklist knows (record.proto Indicator.code), with
// their labels and weight: one strong indicator, or two weak ones, make a
// unit den-suspected (docs/ledger.md §3). Codes outside this list are kept
// as typed and count as weak. One table for the tablet's checklist, the
// ledger's rule and the hub's report.
#pragma once

#include <span>
#include <string_view>

namespace sweep::schema {

struct IndicatorInfo {
  std::string_view code;
  std::string_view zh;
  std::string_view en;
  bool strong;
};

// In checklist order: equipment first, then the rental pattern.
std::span<const IndicatorInfo> KnownIndicators();
// nullptr for a code the checklist does not know.
const IndicatorInfo* FindIndicator(std::string_view code);

}  // namespace sweep::schema
