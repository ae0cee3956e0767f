// NormalizeAddress and the key helpers (see address.h; rules in
// docs/addresses.md).

#include "sweep/schema/address.h"

#include "address_parse.h"
#include "address_text.h"
#include "divisions.h"

namespace sweep::schema {
namespace {

using divisions::kNone;
using divisions::Level;
using divisions::Table;

// Fills province … street (and community) names from the table.
void FillLevels(const Table& t, uint32_t finest, v1::Address* a) {
  for (uint32_t i = finest; i != kNone; i = t.Parent(i)) {
    const std::string name(t.Name(i));
    if (divisions::IsPlaceholderName(name)) continue;
    switch (t.level(i)) {
      case Level::kProvince:
        a->set_province(name);
        break;
      case Level::kCity:
        a->set_city(name);
        break;
      case Level::kDistrict:
        a->set_district(name);
        break;
      case Level::kStreet:
        a->set_street(name);
        break;
      case Level::kCommunity:
        a->set_community(name);
        break;
    }
  }
}

std::vector<std::string_view> SplitKey(std::string_view key) {
  std::vector<std::string_view> fields;
  while (true) {
    const size_t bar = key.find('|');
    fields.push_back(key.substr(0, bar));
    if (bar == std::string_view::npos) break;
    key.remove_prefix(bar + 1);
  }
  return fields;
}

// "5组", "12队": a 村民小组 or 生产队.
bool IsVillageGroup(std::string_view place) {
  size_t digits = 0;
  while (digits < place.size() && place[digits] >= '0' && place[digits] <= '9') ++digits;
  const std::string_view rest = place.substr(digits);
  return digits > 0 && (rest.starts_with("组") || rest.starts_with("队"));
}

v1::Address Unresolved(v1::Address a, std::string reason) {
  a.clear_normalized_key();
  a.set_unresolved_reason(std::move(reason));
  return a;
}

}  // namespace

v1::Address NormalizeAddress(std::string_view raw, const AddressContext& context) {
  v1::Address a;
  a.set_raw(std::string(raw));
  const std::string text = address::CleanAddressText(raw);
  if (text.empty()) {
    return Unresolved(std::move(a), "empty address: nothing but spaces or punctuation (地址为空)");
  }
  const address::Resolution r = address::ResolveDivisions(text, context.default_division);
  address::Structure st = address::ParseStructure(std::string_view(text).substr(r.rest));
  a.set_building(st.building);
  a.set_unit(st.unit);
  a.set_floor(st.floor);
  a.set_room(st.room);
  a.set_estate(st.place);
  if (!r.problem.empty()) return Unresolved(std::move(a), r.problem);
  const Table& t = Table::Get();
  FillLevels(t, r.finest, &a);
  if (a.community().empty()) a.set_community(r.community_name);
  a.set_division_code(t.Code(r.finest));
  // A village group (三里田村5组12号 → "5组") only means something inside its
  // community.
  std::string place = st.place;
  if (place.empty() || IsVillageGroup(place)) {
    place = r.community_name + place;
    if (!st.place.empty()) a.set_estate(place);
  }
  if (place.empty()) {
    return Unresolved(std::move(a),
                      "no place: the text names no estate, road and number or community "
                      "(未写小区、路号或社区): add e.g. 国庆小区 or 人民西路18号");
  }
  a.set_normalized_key(t.DistrictCode(r.district) + "|" + place + "|" + st.building + "|" +
                       st.unit + "|" + st.room);
  return a;
}

std::string BuildingKeyOf(const v1::Address& address) {
  const std::vector<std::string_view> f = SplitKey(address.normalized_key());
  if (address.normalized_key().empty() || f.size() != 5) return "";
  return std::string(f[0]) + "|" + std::string(f[1]) + "|" + std::string(f[2]);
}

std::string UnitKeyOf(const v1::Address& address) {
  const std::vector<std::string_view> f = SplitKey(address.normalized_key());
  if (address.normalized_key().empty() || f.size() != 5 || f[4].empty()) return "";
  return f[3].empty() ? std::string(f[4]) : std::string(f[3]) + "-" + std::string(f[4]);
}

std::pair<std::string, std::string> SplitUnitKey(std::string_view unit_key) {
  const size_t dash = unit_key.find('-');
  if (dash == std::string_view::npos) return {"", std::string(unit_key)};
  return {std::string(unit_key.substr(0, dash)), std::string(unit_key.substr(dash + 1))};
}

int FloorOfRoom(std::string_view room) {
  if (room.size() < 3 || room.size() > 6) return 0;
  int value = 0;
  for (char c : room) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + (c - '0');
  }
  return value / 100;
}

std::string AddressText(const v1::Address& a) {
  std::string text =
      a.province() + a.city() + a.district() + a.street() + a.community() + a.estate();
  if (!a.building().empty()) text += a.building() + "栋";
  if (!a.unit().empty()) text += a.unit() + "单元";
  if (!a.room().empty()) {
    text += a.room() + "室";
  } else if (!a.floor().empty()) {
    text += a.floor() + "层";
  }
  return text;
}

}  // namespace sweep::schema
