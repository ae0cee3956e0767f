// Division lookups (see address.h "the division tables" and divisions.h).

#include "divisions.h"

#include <algorithm>
#include <charconv>

#include "address_text.h"
#include "sweep/schema/address.h"

namespace sweep::schema {
namespace divisions {
namespace {

// Padded-key span of one division's descendants, by level.
constexpr uint64_t kSpan[] = {10000000000ULL, 100000000ULL, 1000000ULL, 1000ULL, 1ULL};
constexpr int kDigits[] = {2, 4, 6, 9, 12};

std::string Pad(uint64_t value, int digits) {
  std::string s = std::to_string(value);
  if (static_cast<int>(s.size()) < digits) s.insert(0, digits - s.size(), '0');
  return s;
}

}  // namespace

std::string_view LevelName(Level level) {
  static constexpr std::string_view kNames[] = {"province", "city", "district", "street",
                                                "community"};
  return kNames[static_cast<int>(level)];
}

bool IsPlaceholderName(std::string_view name) {
  return name == "市辖区" || name == "县" || name == "省直辖县级行政区划" ||
         name == "自治区直辖县级行政区划";
}

std::string Table::PublishedName(uint32_t i) const {
  const Entry& e = entries_[i];
  std::string name(Name(i));
  const int kind = e.committee & 7;
  if (kind == 0) return name;
  if (e.committee & 8) name.resize(name.size() - (kind <= 2 ? 3 : 6));  // 村 / 社区 added
  static constexpr std::string_view kSuffix[] = {"", "村委会", "村民委员会", "居委会",
                                                 "居民委员会"};
  return name.append(kSuffix[kind]);
}

std::string Table::Code(uint32_t i) const {
  const Entry& e = entries_[i];
  const int level = static_cast<int>(e.level);
  return Pad(e.key / kSpan[level], kDigits[level]);
}

uint32_t Table::DistrictOf(uint32_t i) const {
  if (i == kNone) return kNone;
  if (const uint32_t d = AncestorAt(i, Level::kDistrict); d != kNone) return d;
  const uint32_t city = AncestorAt(i, Level::kCity);
  const bool has_streets = city != kNone && city + 1 < entries_.size() &&
                           entries_[city + 1].level == Level::kStreet && End(city) > city + 1;
  return has_streets ? city : kNone;
}

std::string Table::DistrictCode(uint32_t i) const {
  const uint32_t d = DistrictOf(i);
  return d == kNone ? "" : Pad(entries_[d].key / 1000000, 6);
}

uint32_t Table::Find(std::string_view code) const {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(code.data(), code.data() + code.size(), value);
  if (ec != std::errc() || ptr != code.data() + code.size()) return kNone;
  uint64_t key = 0;
  switch (code.size()) {
    case 2:
      key = value * kSpan[0];
      break;
    case 4:
      key = value * kSpan[1];
      break;
    case 6:
      key = value * kSpan[2];
      break;
    case 9:
      key = value * kSpan[3];
      break;
    case 12:
      key = value;
      break;
    default:
      return kNone;
  }
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const Entry& e, uint64_t k) { return e.key < k; });
  if (it == entries_.end() || it->key != key) return kNone;
  const auto index = static_cast<uint32_t>(it - entries_.begin());
  // A 9-digit code must name a street and a 12-digit one a community, so that
  // 431002000 is not taken for the district 431002.
  if ((code.size() == 9 && it->level != Level::kStreet) ||
      (code.size() == 12 && it->level != Level::kCommunity)) {
    return kNone;
  }
  return index;
}

uint32_t Table::End(uint32_t i) const {
  if (entries_[i].level == Level::kCommunity) return i + 1;
  // Precomputed at load (hot in CommunitiesAt); searched while loading.
  return i < ends_.size() ? ends_[i] : SearchEnd(i);
}

uint32_t Table::SearchEnd(uint32_t i) const {
  const Level level = entries_[i].level;
  if (level == Level::kCommunity) return i + 1;
  const uint64_t limit = entries_[i].key + kSpan[static_cast<int>(level)];
  // A street has at most 999 communities: search only that far.
  const auto last = level == Level::kStreet && entries_.size() - i > 1001
                        ? entries_.begin() + i + 1001
                        : entries_.end();
  auto it = std::lower_bound(entries_.begin() + i + 1, last, limit,
                             [](const Entry& e, uint64_t k) { return e.key < k; });
  return static_cast<uint32_t>(it - entries_.begin());
}

uint32_t Table::Parent(uint32_t i) const {
  for (int level = static_cast<int>(entries_[i].level) - 1; level >= 0; --level) {
    const uint64_t key = entries_[i].key / kSpan[level] * kSpan[level];
    auto it = std::lower_bound(entries_.begin(), entries_.begin() + i, key,
                               [](const Entry& e, uint64_t k) { return e.key < k; });
    if (it != entries_.begin() + i && it->key == key && static_cast<int>(it->level) == level) {
      return static_cast<uint32_t>(it - entries_.begin());
    }
  }
  return kNone;
}

uint32_t Table::AncestorAt(uint32_t i, Level level) const {
  for (uint32_t a = i; a != kNone; a = Parent(a)) {
    if (entries_[a].level == level) return a;
    if (entries_[a].level < level) return kNone;
  }
  return kNone;
}

std::string Table::FullName(uint32_t i) const {
  std::vector<uint32_t> chain;
  for (uint32_t a = i; a != kNone && chain.size() < 6; a = Parent(a)) chain.push_back(a);
  std::string name;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!IsPlaceholderName(Name(*it))) name.append(Name(*it));
  }
  return name;
}

// The first two UTF-8 characters of `text` (fewer if it is shorter).
std::string_view FirstTwoChars(std::string_view text) {
  size_t i = 0;
  for (int chars = 0; chars < 2 && i < text.size(); ++chars) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return text.substr(0, i);
}

uint32_t Table::NameLengths(std::string_view text) const {
  const auto it = name_starts_.find(FirstTwoChars(text));
  return it == name_starts_.end() ? 0 : it->second;
}

const std::vector<uint32_t>* Table::ByName(std::string_view text) const {
  auto it = by_name_.find(text);
  return it == by_name_.end() ? nullptr : &it->second;
}

void Table::CommunitiesAt(uint32_t scope, std::string_view text, std::vector<uint32_t>* out) const {
  if (scope == kNone || text.size() < 3 || by_name_in_street_.size() != entries_.size()) return;
  // The first three bytes (one CJK character) as a number that sorts like them.
  const auto key3 = [](std::string_view s) {
    const auto b = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
    return (b(0) << 16) | (b(1) << 8) | b(2);
  };
  const uint32_t first = key3(text);
  const auto search = [&](uint32_t street) {
    const auto begin = by_name_in_street_.begin() + street + 1;
    const auto end = by_name_in_street_.begin() + End(street);
    auto it = std::lower_bound(begin, end, first,
                               [&](uint32_t i, uint32_t f) { return first3_[i] < f; });
    for (; it != end && first3_[*it] == first; ++it) {
      if (StartsWithName(text, Name(*it))) out->push_back(*it);
    }
  };
  if (entries_[scope].level == Level::kStreet) return search(scope);
  for (uint32_t k = scope + 1, stop = End(scope); k < stop; k = End(k)) {
    if (entries_[k].level == Level::kStreet) search(k);
  }
}

}  // namespace divisions

namespace {

using divisions::kNone;
using divisions::Table;

Division ToDivision(const Table& t, uint32_t i) {
  const uint32_t parent = t.Parent(i);
  return Division{t.Code(i), std::string(t.Name(i)), std::string(divisions::LevelName(t.level(i))),
                  parent == kNone ? "" : t.Code(parent)};
}

std::string Listed(const Table& t, const std::vector<uint32_t>& found) {
  std::string list;
  for (size_t k = 0; k < found.size() && k < 5; ++k) {
    if (k) list += ", ";
    list += t.Code(found[k]) + " " + t.FullName(found[k]);
  }
  if (found.size() > 5) list += ", …";
  return list;
}

// Entries in (begin, end) whose name, alias or published name is `name`.
std::vector<uint32_t> ExactMatches(const Table& t, std::string_view name, uint32_t begin,
                                   uint32_t end) {
  std::vector<uint32_t> found;
  for (uint32_t i = begin; i < end; ++i) {
    // (Committee words were rewritten by the cleaning: 东风居委会 → 东风社区.)
    if (t.Name(i) == name || (t.at(i).alias_len && t.Alias(i) == name)) {
      found.push_back(i);
    }
  }
  return found;
}

// Entries whose name is within `distance` edits of `name`.
std::vector<uint32_t> NearMatches(const Table& t, std::u32string_view name, uint32_t begin,
                                  uint32_t end, int distance) {
  std::vector<uint32_t> found;
  const size_t bytes_min = name.size() > 4 ? name.size() - 4 : 0;
  for (uint32_t i = begin; i < end; ++i) {
    const std::string_view n = t.Name(i);
    if (n.size() + 3 * distance < bytes_min) continue;
    if (address::EditDistance(name, address::ToU32(n), distance) <= distance) found.push_back(i);
  }
  return found;
}

}  // namespace

std::optional<Division> DivisionByCode(std::string_view code) {
  const Table& t = Table::Get();
  const uint32_t i = t.Find(code);
  if (i == kNone) return std::nullopt;
  return ToDivision(t, i);
}

Result<Division> FindDivision(std::string_view name, std::string_view within) {
  const Table& t = Table::Get();
  uint32_t scope = kNone;
  if (!within.empty()) {
    scope = t.Find(within);
    if (scope == kNone) {
      return Status::NotFound("division code " + std::string(within) +
                              " is unknown; 区划代码不存在: give 2, 4, 6, 9 or 12 digits");
    }
  }
  const std::string clean = address::WithoutSpaces(address::CleanAddressText(name));
  const uint32_t begin = scope == kNone ? 0 : scope + 1;
  const uint32_t end = scope == kNone ? static_cast<uint32_t>(t.size()) : t.End(scope);
  std::vector<uint32_t> found = ExactMatches(t, clean, begin, end);
  if (found.empty() && address::CodePointCount(clean) >= 3) {
    found = NearMatches(t, address::ToU32(clean), begin, end, 1);
  }
  if (found.size() == 1) return ToDivision(t, found[0]);
  if (found.size() > 1) {
    return Status::InvalidArgument("名字重复 (several divisions are named " + std::string(name) +
                                   "): " + Listed(t, found) + "; give the code or a parent");
  }
  std::string where = scope == kNone ? "China" : t.FullName(scope);
  std::vector<uint32_t> near = NearMatches(t, address::ToU32(clean), begin, end, 2);
  return Status::NotFound(
      "no division named " + std::string(name) + " in " + where + " (未找到该区划)" +
      (near.empty() ? std::string(": check the name") : "; nearest: " + Listed(t, near)));
}

std::string DivisionFullName(std::string_view code) {
  const Table& t = Table::Get();
  const uint32_t i = t.Find(code);
  return i == kNone ? "" : t.FullName(i);
}

std::vector<Division> DivisionChildren(std::string_view code) {
  const Table& t = Table::Get();
  std::vector<Division> out;
  uint32_t begin = 0, end = static_cast<uint32_t>(t.size());
  if (!code.empty()) {
    const uint32_t i = t.Find(code);
    if (i == kNone) return out;
    begin = i + 1;
    end = t.End(i);
  }
  // The first entry after a division is its first child, and the next child
  // starts right after that child's descendants.
  for (uint32_t k = begin; k < end; k = t.End(k)) out.push_back(ToDivision(t, k));
  return out;
}

}  // namespace sweep::schema
