// How `sweep-field today` and `building` look on a terminal: the officer's
// day and a building as a floors × units grid with a mark per unit, in
// Simplified Chinese or English, coloured only when asked (stdout is a
// terminal). Pure formatting of field/coverage.h's views; no store access.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/field/coverage.h"

namespace sweep::cli {

struct TextStyle {
  bool english = false;
  bool color = false;  // ANSI colours (only for a terminal)
};

// Columns a UTF-8 string takes on a terminal: 2 for CJK and full-width
// characters, 1 for the rest (the marks below are chosen to be 1 everywhere).
int DisplayWidth(std::string_view utf8);

// The one-column mark of a state in the grid (look-alikes of docs/ledger.md
// §4's marks whose Unicode East Asian Width is "neutral", so that terminals
// that draw ·○□ two columns wide keep the grid aligned).
std::string_view MarkOf(schema::ledger::UnitState state);
// The state in words: "已查" / "checked", …
std::string_view StateWords(schema::ledger::UnitState state, bool english);

void PrintToday(std::ostream& out, const field::TodayView& view,
                const std::vector<std::string>& warnings, const TextStyle& style);
void PrintBuilding(std::ostream& out, const field::BuildingView& view,
                   const std::vector<std::string>& warnings, const TextStyle& style);

}  // namespace sweep::cli
