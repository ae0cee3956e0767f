// The simulator's buildings: real communities of the district (from the
// division data), estates and roads with plausible names in them,
// residential, mixed and office buildings, and the many ways an officer
// writes one unit's address. Every building is checked against the real
// normaliser before it is used: all its spellings must give one key.
#include <algorithm>
#include <set>

#include "simulate_internal.h"
#include "sweep/schema/address.h"

namespace sweep::hub::sim::internal {
namespace {

const std::vector<std::string> kEstateWords = {
    "金域", "华泰", "锦绣", "阳光", "翠竹", "丹霞",   "东方", "兴业", "宏宇", "万华", "嘉和",
    "福城", "裕华", "龙腾", "海棠", "香樟", "桂花",   "紫荆", "御景", "华府", "名城", "江南",
    "鑫源", "盛世", "博雅", "富康", "欣怡", "振兴",   "汇丰", "康乐", "怡景", "碧水", "凤凰",
    "湘南", "南岭", "荷花", "玉兰", "金桥", "新天地", "馨园", "天誉", "君悦", "翡翠", "书香"};
const std::vector<std::string> kEstateSuffixes = {"小区", "花园", "家园", "苑", "公寓", "新城"};
const std::vector<std::string> kOfficeWords = {"华信", "金源", "财富", "天元", "中天", "鸿基",
                                               "世纪", "恒通", "国贸", "金茂", "汇金", "银泰",
                                               "泰和", "环球", "新华", "嘉盛"};
const std::vector<std::string> kRoads = {"五岭大道", "郴州大道", "青年大道", "解放路",
                                         "健康路",   "香雪路",   "文化路",   "骆仙路",
                                         "南岭大道", "燕泉路",   "人民西路", "万华路"};

std::string Cn(int n) {  // 1..99 in Chinese numerals
  static const char* kD[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (n < 10) return kD[n];
  std::string s = n / 10 == 1 ? "" : kD[n / 10];
  s += "十";
  if (n % 10) s += kD[n % 10];
  return s;
}

std::string FullWidth(const std::string& digits) {
  std::string out;
  for (char c : digits) {
    if (c >= '0' && c <= '9') {
      out += "\xEF\xBC";  // U+FF10 + digit
      out += static_cast<char>(0x90 + (c - '0'));
    } else {
      out += c;
    }
  }
  return out;
}

struct Ctx {
  Rng* rng;
  const Options* o;
  std::set<std::string> used_places;
  std::string city, district_name;
};

std::string NewPlace(Ctx& c, int kind, const std::string& community) {
  for (int tries = 0;; ++tries) {
    std::string p;
    if (kind == 0) {  // road and number
      std::string road = community.size() > 9 && community.rfind("路社区") + 9 == community.size()
                             ? community.substr(0, community.size() - 6)
                             : Pick(*c.rng, kRoads);
      if (Chance(*c.rng, 0.5)) road = Pick(*c.rng, kRoads);
      p = road + std::to_string(Between(*c.rng, 1, 199)) + "号";
    } else if (kind == 1) {
      p = Pick(*c.rng, kEstateWords) + Pick(*c.rng, kEstateSuffixes);
      if (tries > 20) p = Pick(*c.rng, kEstateWords) + p;
    } else {
      p = Pick(*c.rng, kOfficeWords) + (Chance(*c.rng, 0.3) ? "商务大厦" : "大厦");
      if (tries > 10) p = Pick(*c.rng, kEstateWords) + p;
    }
    if (c.used_places.insert(p).second) return p;
  }
}

void FillUnits(SimBuilding* b) {
  const auto& s = b->spec;
  for (int w = 1; w <= s.stairwells; ++w) {
    for (int f = 1; f <= s.floors; ++f) {
      for (int i = 1; i <= s.units_per_floor; ++i) {
        std::string room = std::to_string(f * 100 + i);
        b->unit_keys.push_back(s.stairwells > 1 ? std::to_string(w) + "-" + room : room);
      }
    }
  }
}

SimBuilding Residential(Ctx& c, const std::string& place, int number, const char* type) {
  SimBuilding b;
  Rng& rng = *c.rng;
  b.place = place;
  b.building = std::to_string(number);
  double x = Unit(rng);
  b.spec.floors = x < 0.5   ? Between(rng, 5, 7)
                  : x < 0.8 ? Between(rng, 8, 18)
                            : Between(rng, 19, 33);
  b.spec.units_per_floor = Between(rng, 2, b.spec.floors > 18 ? 4 : 6);
  b.spec.stairwells = b.spec.floors > 18 ? Between(rng, 1, 2) : Between(rng, 1, 3);
  b.spec.type = type;
  return b;
}

SimBuilding Office(Ctx& c, const std::string& community) {
  SimBuilding b;
  b.place = NewPlace(c, 2, community);
  b.spec.floors = Between(*c.rng, 10, 28);
  b.spec.units_per_floor = Between(*c.rng, 4, 10);
  b.spec.stairwells = 1;
  b.spec.type = "office";
  return b;
}

}  // namespace

SimUnit UnitOf(const SimBuilding& b, size_t index) {
  SimUnit u;
  u.key = b.unit_keys[index];
  auto dash = u.key.find('-');
  u.stairwell = dash == std::string::npos ? 0 : std::stoi(u.key.substr(0, dash));
  u.room = std::stoi(dash == std::string::npos ? u.key : u.key.substr(dash + 1));
  u.floor = u.room / 100;
  return u;
}

std::pair<std::string, std::string> CityAndDistrict(const std::string& district) {
  std::pair<std::string, std::string> names;
  if (auto d = schema::DivisionByCode(district)) names.second = d->name;
  if (auto city = schema::DivisionByCode(district.substr(0, 4) + "00")) {
    names.first = city->name == "市辖区" ? "" : city->name;
  }
  return names;
}

namespace {

// Every spelling of the building's first and last unit gives the key the
// register gives the building plus the unit key.
bool Consistent(const SimBuilding& b, const std::string& city, const std::string& district_name,
                const std::string& district) {
  schema::AddressContext ctx{district};
  v1::Address reg = schema::NormalizeAddress(b.spec.address, ctx);
  if (reg.normalized_key().empty() || !reg.room().empty()) return false;
  std::string building_key = schema::BuildingKeyOf(reg);
  for (size_t i : {size_t{0}, b.unit_keys.size() - 1}) {
    SimUnit u = UnitOf(b, i);
    for (const auto& s : AllSpellings(b, u, city, district_name)) {
      v1::Address a = schema::NormalizeAddress(s, ctx);
      if (schema::BuildingKeyOf(a) != building_key || schema::UnitKeyOf(a) != u.key) return false;
    }
  }
  return true;
}

Status CommunityBuildings(Ctx& c, const schema::Division& community, const std::string& street,
                          std::vector<SimBuilding>* out) {
  const int n = std::max(1, c.o->buildings_per_community);
  const int offices = n >= 4 ? 1 + (n - 4) / 8 : 0;
  const int mixed = n >= 6 ? 1 : 0;
  int made = 0, tries = 0;
  std::string place;
  int in_place = 0, place_size = 0;
  while (made < n) {
    if (++tries > n * 20 + 50) {
      return Status::Internal("simulate: cannot spell addresses in " + community.name +
                              " that the normaliser reads back (try another --seed)");
    }
    SimBuilding b;
    if (made < offices) {
      b = Office(c, community.name);
    } else {
      if (in_place == place_size) {
        place = NewPlace(c, Chance(*c.rng, 0.35) ? 0 : 1, community.name);
        in_place = 0;
        place_size = Between(*c.rng, 2, 6);
      }
      ++in_place;
      b = Residential(c, place, in_place, made < offices + mixed ? "mixed" : "residential");
    }
    b.community_code = community.code;
    b.community_name = community.name;
    b.street_name = street;
    b.spec.community = community.name;
    b.spec.address = c.city + c.district_name + street + community.name + b.place +
                     (b.building.empty() ? "" : b.building + "栋");
    FillUnits(&b);
    if (!Consistent(b, c.city, c.district_name, c.o->district)) {
      in_place = place_size;  // a new place next time
      continue;
    }
    out->push_back(std::move(b));
    ++made;
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> AllSpellings(const SimBuilding& b, const SimUnit& u,
                                      const std::string& city, const std::string& district_name) {
  const std::string r = std::to_string(u.room), f = std::to_string(u.floor);
  const std::string& E = b.place;
  const std::string full = city + district_name + b.street_name + b.community_name;
  if (b.building.empty()) {  // an office in a single-building place
    return {E + r, E + f + "楼" + r + "室", E + Cn(u.floor) + "层" + r, full + E + r + "室",
            district_name + E + FullWidth(r) + "室"};
  }
  const int bn = std::stoi(b.building);
  const std::string bs = b.building, s = std::to_string(u.stairwell);
  const bool stair = u.stairwell > 0;
  const std::string unit = stair ? s + "单元" : "", cn_unit = stair ? Cn(u.stairwell) + "单元" : "";
  return {E + bs + "栋" + unit + r,
          E + Cn(bn) + "幢" + cn_unit + r + "室",
          E + bs + "-" + (stair ? s + "-" : "") + r,
          full + E + bs + "栋" + unit + r + "室",
          district_name + E + bs + "号楼" + unit + r,
          b.community_name + E + bs + "栋" + unit + f + "楼" + r,
          E + FullWidth(bs) + "栋" + (stair ? FullWidth(s) + "单元" : "") + FullWidth(r)};
}

std::string SpellUnit(Rng& rng, const SimBuilding& b, const SimUnit& u, const std::string& city,
                      const std::string& district_name) {
  auto all = AllSpellings(b, u, city, district_name);
  // The register's own form (with the full prefix) and the plain one dominate.
  double x = Unit(rng);
  if (x < 0.35) return all[0];
  if (x < 0.55) return all[3];
  return all[1 + Below(rng, all.size() - 1)];
}

Status MakeBuildings(Rng& rng, Options& options, std::vector<SimBuilding>* buildings,
                     std::vector<std::pair<std::string, std::string>>* communities) {
  auto district = schema::DivisionByCode(options.district);
  if (options.district.size() != 6 || !district || district->level != "district") {
    return Status::InvalidArgument("--district: '" + options.district +
                                   "' is not a 6-digit district code of the division data "
                                   "(e.g. 431002 for 郴州市北湖区)");
  }
  auto names = CityAndDistrict(options.district);
  Ctx c{&rng, &options, {}, names.first, names.second};
  std::vector<std::pair<schema::Division, std::string>> all;  // (community, street name)
  for (const auto& street : schema::DivisionChildren(options.district)) {
    for (const auto& com : schema::DivisionChildren(street.code)) {
      if (com.name.size() > 6 && com.name.rfind("社区") + 6 == com.name.size()) {
        all.emplace_back(com, street.name);
      }
    }
  }
  if (options.target_mentions > 0) {  // grown for a benchmark: as many as there are
    options.communities = std::min<int>(options.communities, static_cast<int>(all.size()));
  }
  if (all.size() < static_cast<size_t>(options.communities) || options.communities < 1) {
    return Status::InvalidArgument("--communities: " + std::to_string(options.communities) +
                                   " asked, the district has " + std::to_string(all.size()) +
                                   " urban communities (社区); give 1.." +
                                   std::to_string(all.size()));
  }
  for (size_t i = 0; i < static_cast<size_t>(options.communities); ++i) {  // partial shuffle
    std::swap(all[i], all[i + Below(rng, all.size() - i)]);
  }
  all.resize(options.communities);
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.first.code < b.first.code; });
  for (const auto& [com, street] : all) {
    communities->emplace_back(com.code, com.name);
    SWEEP_RETURN_IF_ERROR(CommunityBuildings(c, com, street, buildings));
  }
  return Status::Ok();
}

}  // namespace sweep::hub::sim::internal
