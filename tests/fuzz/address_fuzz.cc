// Fuzzes address normalisation (sweep/schema/address.h), which runs on
// whatever an officer types and on every register a station imports. The
// first byte picks the default division ('0' 北湖区, '1' none, '2' a
// community, '3' an unknown code, anything else a street); the rest is the
// address.
//
// Invariants (abort on violation): no crash; `raw` is the input unchanged;
// no field contains '|'; every other field is valid UTF-8 (even when the
// input is not); the same input gives the same Address; a resolved
// address has a key of five fields starting with its 6-digit district code
// and the division code's prefix, and no reason; an unresolved one has a
// reason and no key; BuildingKeyOf/UnitKeyOf agree with the key and
// SplitUnitKey inverts UnitKeyOf. DivisionByCode and FindDivision (within
// 北湖区, to stay fast) run on the same bytes and must not crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sweep/schema/address.h"

namespace {

namespace schema = sweep::schema;

[[noreturn]] void Violation(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "\nINVARIANT VIOLATED: %s (input '%.*s')\n", what.c_str(),
               static_cast<int>(input.size()), input.data());
  std::fflush(stderr);
  std::abort();
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

std::string_view DefaultFor(char selector) {
  switch (selector) {
    case '0':
      return "431002";
    case '1':
      return "";
    case '2':
      return "431002001002";
    case '3':
      return "999999";
    default:
      return "431002003";
  }
}

void CheckKey(const sweep::v1::Address& a, std::string_view raw) {
  const std::string& key = a.normalized_key();
  if (key.empty()) {
    if (a.unresolved_reason().empty()) Violation("no key and no reason", raw);
    if (!schema::BuildingKeyOf(a).empty() || !schema::UnitKeyOf(a).empty()) {
      Violation("key helpers give a key for an unresolved address", raw);
    }
    return;
  }
  if (!a.unresolved_reason().empty()) Violation("a key and a reason", raw);
  size_t bars = 0;
  for (char c : key) bars += c == '|';
  if (bars != 4) Violation("key '" + key + "' does not have five fields", raw);
  if (key.size() < 7 || key[6] != '|' || a.division_code().compare(0, 6, key, 0, 6) != 0) {
    Violation("key '" + key + "' does not start with the division's district", raw);
  }
  const std::string building = schema::BuildingKeyOf(a);
  if (key.compare(0, building.size(), building) != 0) Violation("building key is no prefix", raw);
  const std::string unit = schema::UnitKeyOf(a);
  if (!unit.empty()) {
    const auto [stairwell, room] = schema::SplitUnitKey(unit);
    if (room != a.room() || stairwell != a.unit()) Violation("SplitUnitKey(" + unit + ")", raw);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  schema::AddressContext context;
  context.default_division = std::string(DefaultFor(input[0]));
  const std::string_view raw = input.substr(1);

  const sweep::v1::Address a = schema::NormalizeAddress(raw, context);
  if (a.raw() != raw) Violation("raw changed", raw);
  for (const std::string* f :
       {&a.province(), &a.city(), &a.district(), &a.street(), &a.community(), &a.estate(),
        &a.building(), &a.unit(), &a.floor(), &a.room(), &a.division_code()}) {
    if (f->find('|') != std::string::npos) Violation("a field contains '|': " + *f, raw);
  }
  // Field by field: `raw` may be invalid UTF-8, which protobuf refuses to
  // serialise; every field the normaliser writes must be valid UTF-8.
  const sweep::v1::Address again = schema::NormalizeAddress(raw, context);
  const auto* d = sweep::v1::Address::descriptor();
  const auto* refl = sweep::v1::Address::GetReflection();
  for (int k = 0; k < d->field_count(); ++k) {
    const auto* field = d->field(k);
    const std::string value = refl->GetString(a, field);
    if (value != refl->GetString(again, field)) {
      Violation("a second call gave another " + field->name(), raw);
    }
    if (field->name() != "raw" && !ValidUtf8(value)) {
      Violation(field->name() + " is not valid UTF-8", raw);
    }
  }
  CheckKey(a, raw);
  (void)schema::FloorOfRoom(raw);
  (void)schema::DivisionByCode(raw);
  (void)schema::DivisionFullName(raw);
  if (raw.size() < 64) (void)schema::FindDivision(raw, "431002");
  return 0;
}
