// Builds the division table on first use: regions.tsv (province, city,
// district) plus the gzip-compressed "sweep-divisions 1" text of streets and
// communities (format: schema/data/README.md). Both are embedded in the
// library: regions.tsv by embed.cmake, the .gz by an assembler .incbin
// (divisions_blob.cc.in).

#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <memory>
#include <mutex>

#include "divisions.h"

namespace sweep::schema::data {
extern const unsigned char kRegionsTsv[];
extern const size_t kRegionsTsv_size;
}  // namespace sweep::schema::data

extern "C" {
extern const unsigned char sweep_divisions_gz[];
extern const unsigned long long sweep_divisions_gz_size;
}

namespace sweep::schema::divisions {
namespace {

std::string_view NextLine(std::string_view* text) {
  const size_t eol = text->find('\n');
  std::string_view line = text->substr(0, eol);
  text->remove_prefix(eol == std::string_view::npos ? text->size() : eol + 1);
  return line;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The 55 minority nationalities, stripped from autonomous names
// (湘西土家族苗族自治州 → 湘西, 江华瑶族自治县 → 江华).
constexpr std::array<std::string_view, 55> kEthnic = {
    "蒙古族",   "回族",       "藏族",     "维吾尔族",   "苗族",   "彝族",     "壮族",   "布依族",
    "朝鲜族",   "满族",       "侗族",     "瑶族",       "白族",   "土家族",   "哈尼族", "哈萨克族",
    "傣族",     "黎族",       "傈僳族",   "佤族",       "畲族",   "高山族",   "拉祜族", "水族",
    "东乡族",   "纳西族",     "景颇族",   "柯尔克孜族", "土族",   "达斡尔族", "仫佬族", "羌族",
    "布朗族",   "撒拉族",     "毛南族",   "仡佬族",     "锡伯族", "阿昌族",   "普米族", "塔吉克族",
    "怒族",     "乌孜别克族", "俄罗斯族", "鄂温克族",   "德昂族", "保安族",   "裕固族", "京族",
    "塔塔尔族", "独龙族",     "鄂伦春族", "赫哲族",     "门巴族", "珞巴族",   "基诺族"};

std::string_view StripEthnic(std::string_view stem) {
  for (bool again = true; again;) {
    again = false;
    for (std::string_view e : kEthnic) {
      if (EndsWith(stem, e) && CodePoints(stem) > CodePoints(e) + 1) {
        stem.remove_suffix(e.size());
        again = true;
      }
    }
    if (EndsWith(stem, "各族") && CodePoints(stem) > 3) {
      stem.remove_suffix(std::string_view("各族").size());
      again = true;
    }
  }
  return stem;
}

// Level suffixes, longest first; `ethnic` strips nationalities before them
// (长坡回族乡 → 长坡).
struct Suffix {
  std::string_view text;
  bool ethnic;
};
constexpr std::array<Suffix, 4> kProvinceSuffixes = {
    {{"特别行政区", false}, {"自治区", true}, {"省", false}, {"市", false}}};
constexpr std::array<Suffix, 4> kCitySuffixes = {
    {{"自治州", true}, {"地区", false}, {"盟", false}, {"市", false}}};
constexpr std::array<Suffix, 9> kDistrictSuffixes = {{{"自治县", true},
                                                      {"新区", false},
                                                      {"自治旗", true},
                                                      {"林区", false},
                                                      {"特区", false},
                                                      {"区", false},
                                                      {"县", false},
                                                      {"市", false},
                                                      {"旗", false}}};
constexpr std::array<Suffix, 4> kStreetSuffixes = {
    {{"街道", false}, {"镇", false}, {"乡", true}, {"苏木", false}}};
constexpr std::array<Suffix, 3> kCommunitySuffixes = {
    {{"社区", false}, {"村", false}, {"嘎查", false}}};

template <size_t N>
size_t StripSuffix(std::string_view name, const std::array<Suffix, N>& suffixes) {
  for (const Suffix& s : suffixes) {
    if (!EndsWith(name, s.text)) continue;
    std::string_view stem = name.substr(0, name.size() - s.text.size());
    if (s.ethnic) stem = StripEthnic(stem);
    return CodePoints(stem) >= 2 ? stem.size() : 0;
  }
  return 0;
}

// Addresses lose bracketed text when they are cleaned, so names lose it too
// (中国(上海)自由贸易试验区(保税片区)虚拟社区 → 中国自由贸易试验区虚拟社区).
void StripBrackets(std::string* name) {
  for (size_t open = name->find('('); open != std::string::npos; open = name->find('(')) {
    const size_t close = name->find(')', open);
    if (close == std::string::npos || (open == 0 && close + 1 == name->size())) break;
    name->erase(open, close + 1 - open);
  }
}

// Reads a decimal field; false when it is not one.
bool ParseNumber(std::string_view s, uint64_t* value) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *value);
  return ec == std::errc() && ptr == s.data() + s.size();
}

Status Inflate(const unsigned char* gz, size_t size, std::string* out) {
  if (size < 18) return Status::Corruption("embedded division data is truncated");
  if (gz[0] != 0x1f || gz[1] != 0x8b)
    return Status::Corruption("embedded division data is not gzip");
  const uint32_t isize = gz[size - 4] | (gz[size - 3] << 8) | (gz[size - 2] << 16) |
                         (static_cast<uint32_t>(gz[size - 1]) << 24);
  out->resize(isize);
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
  zs.next_in = const_cast<unsigned char*>(gz);
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = reinterpret_cast<unsigned char*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  const int rc = inflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || produced != isize) {
    return Status::Corruption("embedded division data does not inflate (zlib " +
                              std::to_string(rc) + "): rebuild sweep_schema");
  }
  return Status::Ok();
}

}  // namespace

size_t AliasLength(std::string_view name, Level level) {
  switch (level) {
    case Level::kProvince:
      return StripSuffix(name, kProvinceSuffixes);
    case Level::kCity:
      return StripSuffix(name, kCitySuffixes);
    case Level::kDistrict:
      return StripSuffix(name, kDistrictSuffixes);
    case Level::kStreet:
      return StripSuffix(name, kStreetSuffixes);
    case Level::kCommunity:
      return StripSuffix(name, kCommunitySuffixes);
  }
  return 0;
}

uint32_t Table::Append(uint64_t key, Level level, std::string_view name, uint8_t committee) {
  Entry e{};
  e.key = key;
  e.name_off = static_cast<uint32_t>(names_.size());
  e.name_len = static_cast<uint8_t>(std::min<size_t>(name.size(), 255));
  e.alias_len = static_cast<uint8_t>(AliasLength(name.substr(0, e.name_len), level));
  e.level = level;
  e.committee = committee;
  names_.append(name.substr(0, e.name_len));
  entries_.push_back(e);
  return static_cast<uint32_t>(entries_.size() - 1);
}

void Table::AddRegions(std::string_view tsv) {
  NextLine(&tsv);  // header
  while (!tsv.empty()) {
    std::string_view line = NextLine(&tsv);
    std::array<std::string_view, 4> f{};
    for (auto& field : f) {
      const size_t tab = line.find('\t');
      field = line.substr(0, tab);
      line.remove_prefix(tab == std::string_view::npos ? line.size() : tab + 1);
    }
    uint64_t code = 0;
    if (f[0].size() != 6 || !ParseNumber(f[0], &code)) continue;
    const Level level = f[2] == "province" ? Level::kProvince
                        : f[2] == "city"   ? Level::kCity
                                           : Level::kDistrict;
    Append(code * 1000000, level, f[1], 0);
  }
}

// "sweep-divisions 1": D<6 digits> opens a district; "S<delta>\t<name>" a
// street; "<letter><delta>\t<stem>" a community. <delta> is the increase of
// the last three code digits over the previous sibling, empty for 1.
Status Table::AddLocal(std::string_view text) {
  const std::string_view header = NextLine(&text);
  if (header.substr(0, 18) != "sweep-divisions 1\t") {
    return Status::Corruption("embedded division data has an unknown header");
  }
  uint64_t district = 0, street = 0, street_seq = 0, village_seq = 0;
  std::string name;
  for (size_t line_no = 2; !text.empty(); ++line_no) {
    const std::string_view line = NextLine(&text);
    const auto bad = [&] {
      return Status::Corruption("embedded division data line " + std::to_string(line_no) +
                                " is malformed: rebuild from scripts/derive-local-divisions.mjs");
    };
    if (!line.empty() && line[0] == 'D') {
      if (!ParseNumber(line.substr(1), &district) || line.size() != 7) return bad();
      street_seq = 0;
      continue;
    }
    const size_t tab = line.find('\t');
    if (line.empty() || tab == std::string_view::npos || tab + 1 == line.size()) return bad();
    uint64_t delta = 1;
    if (tab > 1 && !ParseNumber(line.substr(1, tab - 1), &delta)) return bad();
    std::string stem(line.substr(tab + 1));
    StripBrackets(&stem);
    if (line[0] == 'S') {
      street_seq += delta;
      street = district * 1000 + street_seq;
      if (district == 0 || street_seq > 999) return bad();
      Append(street * 1000, Level::kStreet, stem, 0);
      ++stats_.streets;
      village_seq = 0;
      continue;
    }
    const int kind = line[0] - 'a';
    village_seq += delta;
    if (kind < 0 || kind > 4 || street == 0 || village_seq > 999) return bad();
    name.assign(stem);
    uint8_t committee = static_cast<uint8_t>(kind);
    const std::string_view added = kind == 1 || kind == 2 ? "村" : "社区";
    if (kind != 0 && !EndsWith(stem, std::string_view(added))) {
      name.append(added);
      committee |= 8;
    }
    Append(street * 1000 + village_seq, Level::kCommunity, name, committee);
    ++stats_.communities;
  }
  return Status::Ok();
}

void Table::Finish(size_t regions) {
  // Both sources are sorted by code: merging them is linear. A source out of
  // order (a hand-edited file) still ends up sorted, only slower.
  const auto by_key = [](const Entry& a, const Entry& b) { return a.key < b.key; };
  const auto middle = entries_.begin() + static_cast<std::ptrdiff_t>(regions);
  if (std::is_sorted(entries_.begin(), middle, by_key) &&
      std::is_sorted(middle, entries_.end(), by_key)) {
    std::inplace_merge(entries_.begin(), middle, entries_.end(), by_key);
  } else {
    std::stable_sort(entries_.begin(), entries_.end(), by_key);
  }
  // A duplicate key would be a data bug; keep the first.
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const Entry& a, const Entry& b) { return a.key == b.key; }),
                 entries_.end());
  entries_.shrink_to_fit();
  names_.shrink_to_fit();
  ends_.clear();
  std::vector<uint32_t> ends(entries_.size());
  for (uint32_t i = 0; i < entries_.size(); ++i) ends[i] = SearchEnd(i);
  ends_ = std::move(ends);
  IndexCommunities();
  IndexNames();
}

void Table::IndexCommunities() {
  first3_.assign(entries_.size(), 0);
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].level != Level::kCommunity) continue;
    const std::string_view n = Name(i);
    const auto b = [&](size_t k) { return k < n.size() ? static_cast<unsigned char>(n[k]) : 0u; };
    first3_[i] = (b(0) << 16) | (b(1) << 8) | b(2);
  }
  by_name_in_street_.assign(entries_.size(), 0);
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].level != Level::kStreet) continue;
    const uint32_t end = End(i);
    for (uint32_t k = i + 1; k < end; ++k) by_name_in_street_[k] = k;
    std::sort(by_name_in_street_.begin() + i + 1, by_name_in_street_.begin() + end,
              [this](uint32_t a, uint32_t b) { return Name(a) < Name(b); });
  }
}

void Table::IndexNames() {
  // Autonomous prefectures, counties and banners are also written with the
  // plain level word: 湘西州, 江华县 (湘西土家族苗族自治州, 江华瑶族自治县).
  std::vector<std::pair<uint32_t, size_t>> extra;  // entry, offset in extra_names_
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].level == Level::kCommunity || entries_[i].alias_len == 0) continue;
    const std::string_view name = Name(i);
    for (auto [suffix, plain] : {std::pair<std::string_view, std::string_view>{"自治州", "州"},
                                 {"自治县", "县"},
                                 {"自治旗", "旗"}}) {
      if (name.size() < suffix.size() || name.substr(name.size() - suffix.size()) != suffix) {
        continue;
      }
      extra.emplace_back(i, extra_names_.size());
      extra_names_.append(Alias(i)).append(plain).push_back('\0');
    }
  }
  size_t indexed = 0;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].level == Level::kCommunity) continue;
    by_name_[Name(i)].push_back(i);
    if (entries_[i].alias_len != 0) by_name_[Alias(i)].push_back(i);
    ++indexed;
  }
  for (auto [i, offset] : extra) {
    by_name_[std::string_view(extra_names_.c_str() + offset)].push_back(i);
  }
  name_starts_.reserve(by_name_.size());
  for (const auto& [name, list] : by_name_) {
    const size_t chars = CodePoints(name);
    if (chars < 32) name_starts_[FirstTwoChars(name)] |= 1u << chars;
  }
  stats_.entries = entries_.size();
  stats_.memory_bytes = entries_.capacity() * sizeof(Entry) + names_.capacity() +
                        (by_name_in_street_.capacity() + ends_.capacity() + first3_.capacity()) * sizeof(uint32_t) +
                        extra_names_.capacity() +
                        name_starts_.size() * (sizeof(std::string_view) + 2 * sizeof(void*)) +
                        by_name_.bucket_count() * sizeof(void*) +
                        by_name_.size() * (sizeof(std::string_view) + 3 * sizeof(void*) + 16) +
                        indexed * 2 * sizeof(uint32_t);
}

std::unique_ptr<Table> Table::Build(std::string_view regions_tsv, std::string_view local_gz) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Table> table(new Table());
  table->entries_.reserve(700000);
  table->names_.reserve(10 << 20);
  table->AddRegions(regions_tsv);
  std::string text;
  table->stats_.compressed_bytes = local_gz.size();
  const size_t regions = table->entries_.size();
  const size_t region_names = table->names_.size();
  Status s =
      Inflate(reinterpret_cast<const unsigned char*>(local_gz.data()), local_gz.size(), &text);
  if (s.ok()) s = table->AddLocal(text);
  if (!s.ok()) {  // all or nothing: keep the district levels only
    table->entries_.resize(regions);
    table->names_.resize(region_names);
    table->stats_.streets = table->stats_.communities = 0;
  }
  table->stats_.text_bytes = text.size();
  table->stats_.status = s;
  table->Finish(regions);
  table->stats_.decode_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return table;
}

const Table& Table::Get() {
  static std::once_flag once;
  static const Table* table = nullptr;
  std::call_once(once, [] {
    table = Build(std::string_view(reinterpret_cast<const char*>(data::kRegionsTsv),
                                   data::kRegionsTsv_size),
                  std::string_view(reinterpret_cast<const char*>(sweep_divisions_gz),
                                   sweep_divisions_gz_size))
                .release();  // lives as long as the process, like the data it indexes
  });
  return *table;
}

}  // namespace sweep::schema::divisions
