// Place, building, unit, floor and room (see address_parse.h and
// docs/addresses.md, "Structure").

#include "address_parse.h"

#include <array>

#include "address_text.h"

namespace sweep::schema::address {
namespace {

using Text = std::u32string_view;

bool StartsAt(Text t, size_t i, Text word) { return t.substr(i, word.size()) == word; }

size_t RunEnd(Text t, size_t i) {
  while (i < t.size() && IsAsciiAlnum(t[i])) ++i;
  return i;
}

bool HasLetter(Text run) {
  for (char32_t c : run) {
    if (c >= U'A' && c <= U'Z') return true;
  }
  return false;
}

// "03" → "3" (a lone "0" stays).
std::string Canonical(Text run) {
  size_t k = 0;
  while (k + 1 < run.size() && run[k] == U'0' && run[k + 1] >= U'0' && run[k + 1] <= U'9') ++k;
  return ToUtf8(run.substr(k));
}

// Roads whose house numbers belong to the place (人民西路18号, 100弄).
bool EndsWithRoad(Text place) {
  static constexpr std::array<Text, 8> kRoads = {U"路", U"街",   U"道", U"巷",
                                                 U"弄", U"胡同", U"里", U"大道"};
  for (Text r : kRoads) {
    if (place.size() >= r.size() && place.substr(place.size() - r.size()) == r) return true;
  }
  return false;
}

enum class Role { kNone, kBuilding, kUnit, kFloor, kRoom, kNumber, kFloorOrBuilding };

// The role given by the marker at t[i], and its length in code points.
Role MarkerAt(Text t, size_t i, size_t* len) {
  struct M {
    Text word;
    Role role;
  };
  static constexpr std::array<M, 16> kMarkers = {{
      {U"号楼", Role::kBuilding},
      {U"号栋", Role::kBuilding},
      {U"号幢", Role::kBuilding},
      {U"号座", Role::kBuilding},
      {U"栋", Role::kBuilding},
      {U"幢", Role::kBuilding},
      {U"座", Role::kBuilding},
      {U"#", Role::kBuilding},
      {U"单元", Role::kUnit},
      {U"门", Role::kUnit},
      {U"层", Role::kFloor},
      {U"楼", Role::kFloorOrBuilding},
      {U"室", Role::kRoom},
      {U"户", Role::kRoom},
      {U"房", Role::kRoom},
      {U"号", Role::kNumber},
  }};
  for (const M& m : kMarkers) {
    if (StartsAt(t, i, m.word)) {
      *len = m.word.size();
      return m.role;
    }
  }
  *len = 0;
  return Role::kNone;
}

// Whether a structural token (a letter/digit run with a marker, a dash form,
// or a bare run at the end) starts at t[i].
bool StructureStartsAt(Text t, size_t i) {
  if (i >= t.size() || !IsAsciiAlnum(t[i])) return false;
  const size_t end = RunEnd(t, i);
  if (end == t.size()) return true;
  if (t[end] == U'-') return end + 1 < t.size() && IsAsciiAlnum(t[end + 1]);
  size_t len = 0;
  return MarkerAt(t, end, &len) != Role::kNone;
}

// 人民西路18号, 万寿路甲15号: a road (optionally with 甲/乙/丙/丁) before t[i].
bool RoadBefore(Text t, size_t i) {
  if (i > 0 && (t[i - 1] == U'甲' || t[i - 1] == U'乙' || t[i - 1] == U'丙' || t[i - 1] == U'丁')) {
    --i;
  }
  return i > 0 && EndsWithRoad(t.substr(0, i));
}

// Where the place ends: the first structural token that is not a house
// number of the place itself: 人民西路18号 (a road's number), 万寿路甲15号小区
// and 翠微路21号院 (a number inside the name) stay in the place.
size_t PlaceEnd(Text t) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (i > 0 && IsAsciiAlnum(t[i - 1])) continue;
    if (!StructureStartsAt(t, i)) continue;
    const size_t end = RunEnd(t, i);
    size_t len = 0;
    const bool numbered = end < t.size() && (t[end] == U'号' || t[end] == U'弄') &&
                          MarkerAt(t, end, &len) != Role::kBuilding &&
                          !HasLetter(t.substr(i, end - i));
    if (numbered) {
      const size_t after = end + 1;
      const bool inside_name =
          after < t.size() && !IsAsciiAlnum(t[after]) && MarkerAt(t, after, &len) == Role::kNone;
      if (RoadBefore(t, i) || inside_name) {
        i = end;  // 号/弄 stays in the place; carry on after it
        continue;
      }
    }
    return i;
  }
  return t.size();
}

void TrimPlace(std::u32string* place) {
  while (!place->empty() && (place->back() == U'-' || place->back() == U'第')) place->pop_back();
  while (!place->empty() && place->front() == U'-') place->erase(0, 1);
}

struct Fields {
  std::string building, unit, floor, room;
};

// "3-2-502", "2-502" (after a building), "3-2单元": fills the open slots.
size_t ParseDashGroup(Text t, size_t i, Fields* f) {
  std::vector<std::string> parts;
  size_t k = i;
  while (true) {
    const size_t end = RunEnd(t, k);
    parts.push_back(Canonical(t.substr(k, end - k)));
    k = end;
    if (k + 1 < t.size() && t[k] == U'-' && IsAsciiAlnum(t[k + 1])) {
      ++k;
      continue;
    }
    break;
  }
  if (parts.size() == 1) {  // "502-" before something else: a dangling dash
    if (f->room.empty()) f->room = parts[0];
    return k + 1;
  }
  size_t len = 0;
  const Role after = k < t.size() ? MarkerAt(t, k, &len) : Role::kNone;
  if (after == Role::kUnit && parts.size() == 2) {  // 3-2单元
    f->building = parts[0];
    f->unit = parts[1];
    return k + len;
  }
  if (after == Role::kRoom || after == Role::kNumber) k += len;
  if (parts.size() == 2) {
    (f->building.empty() ? f->building : f->unit) = parts[0];
    f->room = parts[1];
  } else if (parts.size() == 3 && f->building.empty()) {
    f->building = parts[0], f->unit = parts[1], f->room = parts[2];
  } else if (parts.size() == 3) {
    f->unit = parts[0], f->floor = parts[1], f->room = parts[2];
  } else {
    f->building = parts[0], f->unit = parts[1], f->floor = parts[2], f->room = parts.back();
  }
  return k;
}

// One run with its marker; returns the next position or npos to stop.
size_t ParseToken(Text t, size_t i, Fields* f) {
  if (i >= t.size() || !IsAsciiAlnum(t[i])) return std::u32string_view::npos;
  const size_t end = RunEnd(t, i);
  const Text run = t.substr(i, end - i);
  if (end == t.size()) {
    if (!f->room.empty()) return std::u32string_view::npos;
    f->room = Canonical(run);
    return end;
  }
  if (t[end] == U'-') return ParseDashGroup(t, i, f);
  size_t len = 0;
  Role role = MarkerAt(t, end, &len);
  const bool more = StructureStartsAt(t, end + len);
  if (role == Role::kFloorOrBuilding) {
    // 3楼2单元 and A楼 name a building; 5楼502 a floor.
    size_t next_len = 0;
    const size_t next = RunEnd(t, end + len);
    const bool unit_next = next > end + len && MarkerAt(t, next, &next_len) == Role::kUnit;
    role = HasLetter(run) || unit_next ? Role::kBuilding : Role::kFloor;
  }
  if (role == Role::kNumber) {
    // 3号2单元502: a building; 国庆小区502号: a room.
    role = more && f->building.empty() && f->unit.empty() ? Role::kBuilding : Role::kRoom;
  }
  std::string* slot = role == Role::kBuilding ? &f->building
                      : role == Role::kUnit   ? &f->unit
                      : role == Role::kFloor  ? &f->floor
                      : role == Role::kRoom   ? &f->room
                                              : nullptr;
  if (slot == nullptr || !slot->empty()) return std::u32string_view::npos;
  *slot = Canonical(run);
  return end + len;
}

}  // namespace

Structure ParseStructure(std::string_view rest) {
  const std::u32string t = ConvertNumerals(ToU32(WithoutSpaces(rest)));
  const size_t place_end = PlaceEnd(t);
  std::u32string place = t.substr(0, place_end);
  TrimPlace(&place);
  Fields f;
  for (size_t i = place_end; i != std::u32string_view::npos && i < t.size();) {
    // Words between tokens ("3栋的502") are skipped up to the next run.
    if (!IsAsciiAlnum(t[i])) {
      ++i;
      continue;
    }
    i = ParseToken(t, i, &f);
  }
  return Structure{ToUtf8(place), std::move(f.building), std::move(f.unit), std::move(f.floor),
                   std::move(f.room)};
}

}  // namespace sweep::schema::address
