// The two halves of NormalizeAddress (private to sweep_schema):
//   ResolveDivisions  reads the division names at the start of the cleaned
//                     text (province … community) and says where the rest,
//                     the place and the rooms, begins;
//   ParseStructure    splits that rest into place, building, unit, floor
//                     and room.
// Thread-safe; they only read the immutable division table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "divisions.h"

namespace sweep::schema::address {

struct Resolution {
  uint32_t district = divisions::kNone;  // district entry (or a district-less city)
  uint32_t street = divisions::kNone;
  uint32_t community = divisions::kNone;  // kNone also when the name is ambiguous
  std::string community_name;             // as resolved, also when ambiguous
  uint32_t finest = divisions::kNone;     // what division_code names
  size_t rest = 0;                        // byte offset in the text where the place starts
  std::string problem;                    // non-empty: cannot resolve, and why
};

// REQUIRES: `text` is the output of CleanAddressText.
// `default_division` may be empty or any division code.
Resolution ResolveDivisions(std::string_view text, std::string_view default_division);

// The community-like token at text[pos]: up to and including the first 社区
// or 村 within 12 characters ("国庆北陆社区"); "" when there is none, when
// digits come first, or when it looks like an estate ("工人新村").
std::string_view CommunityToken(std::string_view text, size_t pos, bool* is_shequ);

struct Structure {
  std::string place;
  std::string building;
  std::string unit;
  std::string floor;
  std::string room;
};

// REQUIRES: `rest` is cleaned text after the division names.
Structure ParseStructure(std::string_view rest);

}  // namespace sweep::schema::address
