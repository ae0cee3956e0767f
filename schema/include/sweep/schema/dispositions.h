// The station's default disposition codes (docs/cases.md §4): what may be
// decided about a person or premises on the spot or at the hub. The hub keeps
// a configurable list that starts from these (cases.dispositions); tablets
// offer these on their forms. One table for both.
#pragma once

#include <span>
#include <string_view>

namespace sweep::schema {

struct DispositionInfo {
  std::string_view code;   // e.g. "admonished"
  std::string_view zh;     // e.g. "教育训诫"
  std::string_view en;     // e.g. "education and admonishment"
  std::string_view scope;  // "person" (makes a suspect) or "premises"
  std::string_view watch;  // watchlist level of the person's identifiers: "alert", "notice", ""
};

// In the order the forms list them: premises-only outcomes first.
std::span<const DispositionInfo> DefaultDispositions();

}  // namespace sweep::schema
