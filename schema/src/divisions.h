// The division table in memory (private to sweep_schema): every province,
// city and district of regions.tsv plus every street and community of
// local-divisions.txt.gz, decoded once per process on first use.
//
// Entries are sorted by their code padded to 12 digits (43 → 430000000000,
// 431002001 → 431002001000), which puts every division right before its
// descendants: the descendants of entry i are the contiguous range
// (i, End(i)). 16 bytes per entry plus one arena of names.
//
// Thread-safety: Table::Get() builds the table once (std::call_once); the
// table is immutable afterwards and safe to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sweep/schema/status.h"

namespace sweep::schema::divisions {

enum class Level : uint8_t { kProvince = 0, kCity, kDistrict, kStreet, kCommunity };
std::string_view LevelName(Level level);  // "province" … "community"

inline constexpr uint32_t kNone = 0xFFFFFFFF;

struct Entry {
  uint64_t key;       // the code padded to 12 digits
  uint32_t name_off;  // the short name: Table::names_[name_off, name_off + name_len)
  uint8_t name_len;   // bytes
  uint8_t alias_len;  // bytes of the name without its level suffix (北湖区 → 北湖); 0: none
  Level level;
  uint8_t committee;  // communities: bits 0-2 the dropped committee suffix (0 none,
                      // 1 村委会, 2 村民委员会, 3 居委会, 4 居民委员会); bit 3: 村/社区 added
};

// Where the data came from, for the bench and the tests.
struct LoadStats {
  size_t entries = 0;
  size_t streets = 0;
  size_t communities = 0;
  size_t compressed_bytes = 0;
  size_t text_bytes = 0;
  size_t memory_bytes = 0;  // entries + names + name index, approximately
  double decode_ms = 0;     // first use: inflate + parse + index
  Status status;            // not OK when the embedded street/community data is damaged
};

class Table {
 public:
  static const Table& Get();
  // Builds a table from a regions.tsv text and a gzip "sweep-divisions 1"
  // file (Get() passes the embedded ones; tests pass damaged ones). Damaged
  // local data leaves the province … district levels only, and
  // stats().status says why: all or nothing.
  static std::unique_ptr<Table> Build(std::string_view regions_tsv, std::string_view local_gz);

  size_t size() const { return entries_.size(); }
  const Entry& at(uint32_t i) const { return entries_[i]; }
  Level level(uint32_t i) const { return entries_[i].level; }
  std::string_view Name(uint32_t i) const {
    return {names_.data() + entries_[i].name_off, entries_[i].name_len};
  }
  // The name without its level suffix, or "" when it has none of at least 2
  // characters (湖南省 → 湖南, 国庆北路社区 → 国庆北路, 城区 → "").
  std::string_view Alias(uint32_t i) const {
    return {names_.data() + entries_[i].name_off, entries_[i].alias_len};
  }
  // The name as published, committee suffix included (东风居委会).
  std::string PublishedName(uint32_t i) const;
  // 2/4/6/9/12 digits as published (43, 4310, 431002, 431002001, 431002001002).
  std::string Code(uint32_t i) const;
  // The district entry `i` lies in (itself for a district): a district, or a
  // city without districts that has streets (东莞市 441900); kNone above.
  uint32_t DistrictOf(uint32_t i) const;
  // The 6-digit code of the district (or district-less city, 441900) the
  // entry lies in; "" for provinces and cities with districts.
  std::string DistrictCode(uint32_t i) const;

  // Accepts the published forms and the 6-digit padded ones (430000, 431000).
  uint32_t Find(std::string_view code) const;
  uint32_t Parent(uint32_t i) const;
  uint32_t End(uint32_t i) const;  // one past the last descendant
  bool Contains(uint32_t ancestor, uint32_t i) const {
    return ancestor == kNone || (i > ancestor && i < End(ancestor));
  }
  // The nearest enclosing entry of `level`, or kNone.
  uint32_t AncestorAt(uint32_t i, Level level) const;
  // Full name from the province down, placeholders (市辖区, 县 …) skipped.
  std::string FullName(uint32_t i) const;

  // Provinces, cities, districts and streets whose name or alias is `text`
  // (also 湘西州 and 江华县 for 湘西土家族苗族自治州 and 江华瑶族自治县).
  const std::vector<uint32_t>* ByName(std::string_view text) const;
  // The lengths, in characters, of the names ByName knows that start with
  // the first two characters of `text`: bit n set for n characters (n < 32);
  // 0 when none does. A cheap filter before trying lengths.
  uint32_t NameLengths(std::string_view text) const;

  // Appends the communities inside `scope` (a street, a district or a
  // district-less city) whose name `text` starts with. Uses the per-street
  // name order, so it costs a binary search per street, not a scan.
  void CommunitiesAt(uint32_t scope, std::string_view text, std::vector<uint32_t>* out) const;

  const LoadStats& stats() const { return stats_; }

 private:
  Table() = default;
  // Decoding steps (divisions_load.cc).
  void AddRegions(std::string_view tsv);
  Status AddLocal(std::string_view text);
  void Finish(size_t regions);  // regions: how many entries AddRegions added
  void IndexCommunities();      // by_name_in_street_
  void IndexNames();            // by_name_, name_starts_, stats_

  uint32_t Append(uint64_t key, Level level, std::string_view name, uint8_t committee);
  uint32_t SearchEnd(uint32_t i) const;  // End by binary search (fills ends_)

  std::vector<Entry> entries_;
  std::vector<uint32_t> ends_;  // End(i) of every entry (communities: i + 1)
  std::string names_;
  // For each street s, by_name_in_street_[s + 1, End(s)) holds its
  // communities ordered by name (other slots unused).
  std::vector<uint32_t> by_name_in_street_;
  // The first three bytes of each community's name as a number that sorts
  // like them (the binary search key of CommunitiesAt; 0 for other levels).
  std::vector<uint32_t> first3_;
  std::string extra_names_;  // other spellings (湘西州), NUL-separated, for by_name_
  std::unordered_map<std::string_view, std::vector<uint32_t>> by_name_;
  // First two characters of by_name_ keys → bit mask of their lengths.
  std::unordered_map<std::string_view, uint32_t> name_starts_;
  LoadStats stats_;
};

std::string_view FirstTwoChars(std::string_view text);
// Whether `text` starts with `name` (first bytes compared inline: most
// candidates differ in their first character).
inline bool StartsWithName(std::string_view text, std::string_view name) {
  return name.size() <= text.size() && name.size() >= 3 && text[0] == name[0] &&
         text[1] == name[1] && text[2] == name[2] &&
         text.substr(3, name.size() - 3) == name.substr(3);
}
// Bytes of the alias of `name` at `level` (see Table::Alias), 0 when none.
size_t AliasLength(std::string_view name, Level level);
// Placeholder rows of the statistics bureau (市辖区, 县, 省直辖县级行政区划 …).
bool IsPlaceholderName(std::string_view name);

}  // namespace sweep::schema::divisions
