// The simulator's people: surnames weighted by their frequency in China,
// given names from common characters, resident ID numbers (GB 11643) for
// real district codes, mainland mobile numbers, unified social credit codes.
#include <array>
#include <cstdio>

#include "simulate_internal.h"
#include "sweep/schema/address.h"

namespace sweep::hub::sim::internal {
namespace {

struct Weighted {
  const char* text;
  int weight;  // per ten thousand people (approximate national shares)
};

constexpr Weighted kSurnames[] = {
    {"王", 725}, {"李", 719}, {"张", 683}, {"刘", 538}, {"陈", 453}, {"杨", 308}, {"黄", 223},
    {"赵", 213}, {"吴", 205}, {"周", 194}, {"徐", 167}, {"孙", 154}, {"马", 144}, {"朱", 137},
    {"胡", 129}, {"郭", 115}, {"何", 112}, {"高", 106}, {"林", 101}, {"罗", 95},  {"郑", 85},
    {"梁", 81},  {"谢", 71},  {"宋", 63},  {"唐", 62},  {"许", 58},  {"韩", 57},  {"冯", 54},
    {"邓", 53},  {"曹", 50},  {"彭", 47},  {"曾", 46},  {"肖", 43},  {"田", 41},  {"董", 40},
    {"袁", 39},  {"潘", 38},  {"于", 37},  {"蒋", 36},  {"蔡", 35},  {"余", 34},  {"杜", 33},
    {"叶", 32},  {"程", 31},  {"苏", 30},  {"魏", 29},  {"吕", 28},  {"丁", 27},  {"任", 26},
    {"沈", 25},  {"姚", 24},  {"卢", 23},  {"姜", 22},  {"崔", 21},  {"钟", 20},  {"谭", 30},
    {"陆", 18},  {"汪", 17},  {"范", 16},  {"金", 15},  {"石", 14},  {"廖", 20},  {"贺", 14},
    {"欧阳", 6}, {"雷", 13},  {"邹", 14},  {"龙", 10},  {"段", 10},  {"侯", 10},  {"邱", 10},
};

// Given-name characters; the first few of each list are drawn far more often
// as single-character names, which makes 王伟, 张伟, 李娜 … common, as they are.
const std::vector<std::string> kMaleChars = {
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "斌", "鹏", "辉", "华", "建", "峰",
    "刚", "平", "文", "国", "海", "俊", "浩", "宇", "轩", "博", "志", "鑫", "林", "龙", "波",
    "成", "东", "亮", "飞", "凯", "晨", "阳", "旭", "健", "翔", "天", "子", "嘉", "振", "荣"};
const std::vector<std::string> kFemaleChars = {
    "丽", "娜", "静", "敏", "芳", "燕", "玲", "婷", "霞", "红", "艳", "萍", "雪", "琳", "洁",
    "慧", "颖", "倩", "梅", "晶", "欣", "怡", "佳", "雨", "思", "悦", "蕾", "晓", "雅", "莉",
    "丹", "月", "璐", "瑶", "琴", "秀", "英", "兰", "淑", "凤", "诗", "涵", "梦", "冰", "君"};

// Prefixes the libphonenumber metadata knows as mainland mobiles.
constexpr const char* kMobilePrefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "198", "199"};

// Provinces tenants and den crews come from when not from the station's.
constexpr const char* kProvinces[] = {"350000", "450000", "440000", "360000", "420000",
                                      "510000", "520000", "410000", "340000", "430000",
                                      "330000", "320000", "370000", "130000", "500000"};

constexpr int kIdWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kIdCheck = "10X98765432";
constexpr std::string_view kUscc = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kUsccWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

int DaysIn(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// The districts under `code` (a province or a city), development zones
// (codes x7x) and "市辖区" placeholders left out: IDs are issued by real ones.
void CollectDistricts(const std::string& code, std::vector<Region>* out) {
  for (const auto& d : schema::DivisionChildren(code)) {
    if (d.level == "district") {
      if (d.code[4] >= '7' || d.name == "市辖区") continue;
      out->push_back({d.code, schema::DivisionFullName(d.code)});
    } else if (d.level == "city") {
      CollectDistricts(d.code, out);
    }
  }
}

}  // namespace

RegionPools LoadRegions(const std::string& district) {
  RegionPools pools;
  CollectDistricts(district.substr(0, 4) + "00", &pools.home_city);
  CollectDistricts(district.substr(0, 2) + "0000", &pools.home_province);
  for (const char* p : kProvinces) {
    if (district.compare(0, 2, p, 2) == 0) continue;
    std::vector<Region> districts;
    CollectDistricts(p, &districts);
    if (!districts.empty()) pools.other_provinces.push_back(std::move(districts));
  }
  return pools;
}

std::string CheckCharOf(std::string_view first17) {
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kIdWeights[i];
  return std::string(1, kIdCheck[sum % 11]);
}

std::string BirthDate(const Human& h) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", h.birth_year, h.birth_month, h.birth_day);
  return buf;
}

std::string CreditCode(Rng& rng, const std::string& region6) {
  std::string s = "91" + region6;
  while (s.size() < 17) s += kUscc[Below(rng, s.size() == 8 ? 10 : kUscc.size())];
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += static_cast<int>(kUscc.find(s[i])) * kUsccWeights[i];
  s += kUscc[(31 - sum % 31) % 31];
  return s;
}

PeopleFactory::PeopleFactory(const std::string& district) : regions_(LoadRegions(district)) {}

std::string PeopleFactory::Surname(Rng& rng) const {
  int total = 0;
  for (const auto& s : kSurnames) total += s.weight;
  int x = static_cast<int>(Below(rng, total));
  for (const auto& s : kSurnames) {
    if ((x -= s.weight) < 0) return s.text;
  }
  return kSurnames[0].text;
}

std::string PeopleFactory::Phone(Rng& rng) {
  for (;;) {
    std::string p = kMobilePrefixes[Below(rng, std::size(kMobilePrefixes))];
    while (p.size() < 11) p += static_cast<char>('0' + Below(rng, 10));
    if (issued_.insert("p" + p).second) return p;
  }
}

std::string PeopleFactory::IdNumber(Rng& rng, const Region& region, const Human& h) {
  char birth[16];
  std::snprintf(birth, sizeof birth, "%04d%02d%02d", h.birth_year, h.birth_month, h.birth_day);
  for (int tries = 0;; ++tries) {
    int seq = static_cast<int>(Below(rng, 500)) * 2 + (h.male ? 1 : 0);
    char tail[8];
    std::snprintf(tail, sizeof tail, "%03d", seq);
    std::string id = region.code + birth + tail;
    id += CheckCharOf(id);
    if (issued_.insert(id).second || tries > 2000) return id;
  }
}

Human PeopleFactory::Make(Rng& rng, int year_lo, int year_hi, const Region* region,
                          const char* surname) {
  return MakeWithSex(rng, year_lo, year_hi, region, surname, Chance(rng, 0.5));
}

Human PeopleFactory::MakeWithSex(Rng& rng, int year_lo, int year_hi, const Region* region,
                                 const char* surname, bool male) {
  Human h;
  h.male = male;
  h.birth_year = Between(rng, year_lo, year_hi);
  h.birth_month = Between(rng, 1, 12);
  h.birth_day = Between(rng, 1, DaysIn(h.birth_year, h.birth_month));
  if (region == nullptr) {
    double x = Unit(rng);
    const auto& pool = x < 0.55   ? regions_.home_city
                       : x < 0.85 ? regions_.home_province
                                  : Pick(rng, regions_.other_provinces);
    region = &Pick(rng, pool);
  }
  h.origin = region->name;
  h.name = surname ? surname : Surname(rng);
  const auto& chars = h.male ? kMaleChars : kFemaleChars;
  if (Chance(rng, 0.3)) {
    h.name += chars[Below(rng, Chance(rng, 0.7) ? 6 : chars.size())];
  } else {
    h.name += Pick(rng, chars);
    h.name += Pick(rng, chars);
  }
  h.id_number = IdNumber(rng, *region, h);
  h.phone = Phone(rng);
  return h;
}

}  // namespace sweep::hub::sim::internal
