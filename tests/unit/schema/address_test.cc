// Tests for NormalizeAddress and the key helpers, on real divisions: a table
// of spellings in 郴州市北湖区 (431002) and elsewhere with the key and the
// division code each must give, unresolvable ones with their reason, and a
// property test: random re-spellings of one address keep its key. Random
// cases use Catch's --rng-seed when given, otherwise a fresh seed that is
// printed on failure (re-run with --rng-seed N).

#include "sweep/schema/address.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using sweep::schema::AddressContext;
using sweep::schema::BuildingKeyOf;
using sweep::schema::FloorOfRoom;
using sweep::schema::NormalizeAddress;
using sweep::schema::SplitUnitKey;
using sweep::schema::UnitKeyOf;

constexpr const char* kBeihu = "431002";
constexpr const char* kGuoqing = "431002|国庆小区|3|2|502";

struct Case {
  const char* raw;
  const char* default_division;
  const char* key;   // "" = must not resolve
  const char* code;  // division_code, or a fragment of unresolved_reason
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      // The same room, every spelling (with the estate, so it can resolve).
      {"国庆小区3栋2单元502", kBeihu, kGuoqing, "431002"},
      {"国庆小区三幢二单元502室", kBeihu, kGuoqing, "431002"},
      {"国庆小区3-2-502", kBeihu, kGuoqing, "431002"},
      {"湖南省郴州市北湖区人民路街道国庆北路社区国庆小区3栋2单元502室", "", kGuoqing,
       "431002001002"},
      {"郴州市北湖区国庆小区３号楼２单元５０２", "", kGuoqing, "431002"},
      {"北湖区国庆小区三栋二单元五零二室", "", kGuoqing, "431002"},
      {"国庆小区第三栋第二单元五零二", kBeihu, kGuoqing, "431002"},
      {"国庆小区 3 栋 2 单元 502 室", kBeihu, kGuoqing, "431002"},
      {"国庆小区3#2单元502", kBeihu, kGuoqing, "431002"},
      {"国庆小区3号2单元502", kBeihu, kGuoqing, "431002"},
      {"国庆小区03幢2单元0502室", kBeihu, kGuoqing, "431002"},
      {"国庆小区3栋2-502", kBeihu, kGuoqing, "431002"},
      {"国庆小区3.2.502", kBeihu, kGuoqing, "431002"},
      {"国庆小区３－２－５０２", kBeihu, kGuoqing, "431002"},
      {"国庆小区3栋2单元502附近", kBeihu, kGuoqing, "431002"},
      {"地址：国庆小区3栋2单元502（出租屋）", kBeihu, kGuoqing, "431002"},
      {"国庆小区3楼2单元502", kBeihu, kGuoqing, "431002"},
      {"国庆小区３栋２单元５０２室", kBeihu, kGuoqing, "431002"},
      {"国庆小区3栋2单元5楼502", kBeihu, kGuoqing, "431002"},
      {"国庆小区3栋2单元5层502室", kBeihu, kGuoqing, "431002"},
      {"国庆小区3-2-502号", kBeihu, kGuoqing, "431002"},
      {"国庆小区3幢2单元502户", kBeihu, kGuoqing, "431002"},
      {"湖南郴州北湖区国庆小区3栋2单元502", "", kGuoqing, "431002"},
      {"郴州北湖国庆北路社区国庆小区3栋2单元502", "", kGuoqing, "431002001002"},
      {"中国湖南省郴州市北湖区国庆小区3栋2单元502", "", kGuoqing, "431002"},
      {"北湖区 国庆小区，3栋、2单元、502", "", kGuoqing, "431002"},
      // Letters, numerals, missing levels.
      {"国庆小区a栋1203", kBeihu, "431002|国庆小区|A||1203", "431002"},
      {"国庆小区B座1203", kBeihu, "431002|国庆小区|B||1203", "431002"},
      {"国庆小区A栋", kBeihu, "431002|国庆小区|A||", "431002"},
      {"国庆小区3栋5楼", kBeihu, "431002|国庆小区|3||", "431002"},
      {"国庆小区十二栋二单元1203", kBeihu, "431002|国庆小区|12|2|1203", "431002"},
      {"国庆小区二十三栋一单元101", kBeihu, "431002|国庆小区|23|1|101", "431002"},
      {"国庆小区一百零三号楼101", kBeihu, "431002|国庆小区|103||101", "431002"},
      {"国庆小区两栋", kBeihu, "431002|国庆小区|2||", "431002"},
      {"国庆小区502号", kBeihu, "431002|国庆小区|||502", "431002"},
      {"国庆小区3-502", kBeihu, "431002|国庆小区|3||502", "431002"},
      {"国庆小区3单元502", kBeihu, "431002|国庆小区||3|502", "431002"},
      {"国庆小区", kBeihu, "431002|国庆小区|||", "431002"},
      // Communities, streets, aliases and typos in 北湖区.
      {"国庆北路社区3栋2单元502", kBeihu, "431002|国庆北路社区|3|2|502", "431002001002"},
      {"国庆北路社区居委会3栋2单元502", kBeihu, "431002|国庆北路社区|3|2|502", "431002001002"},
      {"国庆北陆社区国庆小区3栋2单元502", kBeihu, kGuoqing, "431002001002"},
      // A community without 社区 is not read as one (estates are named like
      // their community); it stays in the place.
      {"国庆北路国庆小区3栋2单元502", kBeihu, "431002|国庆北路国庆小区|3|2|502", "431002"},
      {"中国农业大学东校区3号楼", "110108", "110108|中国农业大学东校区|3||", "110108"},
      {"万寿路街道万寿路甲15号小区3号楼2门502", "110108", "110108|万寿路甲15号小区|3|2|502",
       "110108001"},
      {"人民路街道国庆北路社区国庆小区3栋2单元502", kBeihu, kGuoqing, "431002001002"},
      {"人民路街道办事处国庆小区3栋2单元502", kBeihu, kGuoqing, "431002001"},
      {"北湖街道解放路社区解放路88号2单元301", kBeihu, "431002|解放路88号||2|301", "431002002001"},
      {"人民西路18号", kBeihu, "431002|人民西路18号|||", "431002"},
      {"人民西路社区人民西路18号3栋502", kBeihu, "431002|人民西路18号|3||502", "431002001003"},
      {"燕泉街道龙泉社区龙泉小区2栋1单元301（出租屋）", kBeihu, "431002|龙泉小区|2|1|301",
       "431002003004"},
      {"北湖区龙全社区龙泉小区2栋1单元301", "", "431002|龙泉小区|2|1|301", "431002003004"},
      {"北湖区燕泉路社区燕泉小区1栋", "", "431002|燕泉小区|1||", "431002001009"},
      {"北湖区五里堆社区3栋", "", "431002|五里堆社区|3||", "431002003005"},
      {"三里田村5组12号", kBeihu, "431002|三里田村5组|||12", "431002003200"},
      {"燕泉街道三里田村五组12号", kBeihu, "431002|三里田村5组|||12", "431002003200"},
      {"同心桥村3组8号", kBeihu, "431002|同心桥村3组|||8", "431002002200"},
      {"华塘镇华塘村2组15号", kBeihu, "431002|华塘村2组|||15", "431002101200"},
      {"郴州大道18号", kBeihu, "431002|郴州大道18号|||", "431002"},
      // The default division: finer defaults, and a community of the next
      // district that overrides a default district.
      {"国庆小区3栋2单元502", "431002001002", kGuoqing, "431002001002"},
      {"国庆小区3栋2单元502", "431002002", kGuoqing, "431002002"},
      {"苏仙区五里牌社区3栋", kBeihu, "431003|五里牌社区|3||", "431003107001"},
      {"五里牌社区3栋", kBeihu, "431003|五里牌社区|3||", "431003107001"},
      // Elsewhere.
      {"北京市海淀区万寿路街道翠微路21号社区翠微路21号院3号楼2门502", "",
       "110108|翠微路21号院|3|2|502", "110108001002"},
      {"海淀区万寿路街道翠微南里社区5号楼3单元201", "", "110108|翠微南里社区|5|3|201",
       "110108001004"},
      {"北京市朝阳区建外街道永安里小区3号楼2门502", "", "110105|永安里小区|3|2|502", "110105001"},
      {"上海市浦东新区潍坊新村街道潍坊四村12号301室", "", "310115|潍坊四村|12||301", "310115004"},
      {"上海浦东潍坊四村居委会潍坊四村12号301室", "", "310115|潍坊四村|12||301", "310115004004"},
      {"广东省东莞市东城街道岗贝社区岗贝新村3巷5号", "", "441900|岗贝新村3巷5号|||",
       "441900003001"},
      {"浙江省杭州市西湖区北山街道宝石社区宝石山下一弄5号", "", "330106|宝石山下一弄5号|||",
       "330106002052"},
      {"湘西州吉首市乾州街道人民小区3栋", "", "433101|人民小区|3||", "433101004"},
      {"江华县沱江镇人民小区3栋", "", "431129|人民小区|3||", "431129100"},
      // Unresolvable, with the reason.
      {"3栋2单元502", kBeihu, "", "no place"},
      {"三幢二单元502室", kBeihu, "", "no place"},
      {"502室", kBeihu, "", "no place"},
      {"国庆小区3栋2单元502", "", "", "no district"},
      {"郴州市国庆小区3栋", "", "", "湖南省郴州市 but no district"},
      {"朝阳区3号楼", "", "", "ambiguous division"},
      {"", kBeihu, "", "empty address"},
      {"！！！", kBeihu, "", "empty address"},
      {"garbage", "", "", "no district"},
      {"国庆小区3栋", "12345", "", "default division 12345"},
      {"北湖区五里牌社区3栋", "", "", "not in 湖南省郴州市北湖区"},
  };
  return cases;
}

TEST_CASE("address table: key and division code per spelling", "[address]") {
  REQUIRE(Cases().size() >= 60);
  for (const Case& c : Cases()) {
    AddressContext ctx;
    ctx.default_division = c.default_division;
    const auto a = NormalizeAddress(c.raw, ctx);
    INFO("raw: " << c.raw << "  default: " << c.default_division);
    INFO("reason: " << a.unresolved_reason());
    CHECK(a.raw() == c.raw);
    CHECK(a.normalized_key() == c.key);
    if (std::string(c.key).empty()) {
      CHECK(a.unresolved_reason().find(c.code) != std::string::npos);
    } else {
      CHECK(a.division_code() == c.code);
      CHECK(a.unresolved_reason().empty());
    }
  }
}

TEST_CASE("address levels are filled from the data", "[address]") {
  const auto a = NormalizeAddress("郴州北湖国庆北陆社区国庆小区3栋2单元5楼502");
  CHECK(a.province() == "湖南省");
  CHECK(a.city() == "郴州市");
  CHECK(a.district() == "北湖区");
  CHECK(a.street() == "人民路街道");
  CHECK(a.community() == "国庆北路社区");  // the typo corrected
  CHECK(a.estate() == "国庆小区");
  CHECK(a.building() == "3");
  CHECK(a.unit() == "2");
  CHECK(a.floor() == "5");
  CHECK(a.room() == "502");

  const auto floor_only = NormalizeAddress("国庆小区3栋5层", {kBeihu});
  CHECK(floor_only.floor() == "5");
  CHECK(floor_only.room().empty());
  CHECK(UnitKeyOf(floor_only).empty());

  // An unresolved address keeps what could be read.
  const auto unresolved = NormalizeAddress("三幢二单元502室", {kBeihu});
  CHECK(unresolved.building() == "3");
  CHECK(unresolved.room() == "502");
  CHECK(BuildingKeyOf(unresolved).empty());
  CHECK(UnitKeyOf(unresolved).empty());
}

TEST_CASE("fields never contain the key separator", "[address]") {
  const auto a = NormalizeAddress("国庆|小区3|栋2单元|502", {kBeihu});
  CHECK(a.normalized_key() == kGuoqing);
  for (const char* raw : {"||||", "国庆小区|||3栋", "|北湖区|国庆小区|3|2|502|"}) {
    const auto b = NormalizeAddress(raw, {kBeihu});
    INFO(raw << " → " << b.normalized_key());
    CHECK(b.raw() == raw);
    for (const std::string& f : {b.estate(), b.building(), b.unit(), b.room(), b.floor()}) {
      CHECK(f.find('|') == std::string::npos);
    }
  }
}

TEST_CASE("key helpers", "[address]") {
  const auto a = NormalizeAddress("国庆小区3栋2单元502", {kBeihu});
  CHECK(BuildingKeyOf(a) == "431002|国庆小区|3");
  CHECK(UnitKeyOf(a) == "2-502");
  const auto b = NormalizeAddress("国庆小区B座1203", {kBeihu});
  CHECK(BuildingKeyOf(b) == "431002|国庆小区|B");
  CHECK(UnitKeyOf(b) == "1203");
  const auto whole = NormalizeAddress("国庆小区A栋", {kBeihu});
  CHECK(BuildingKeyOf(whole) == "431002|国庆小区|A");
  CHECK(UnitKeyOf(whole).empty());

  CHECK(SplitUnitKey("2-502") == std::pair<std::string, std::string>{"2", "502"});
  CHECK(SplitUnitKey("502") == std::pair<std::string, std::string>{"", "502"});
  CHECK(SplitUnitKey("") == std::pair<std::string, std::string>{"", ""});

  CHECK(FloorOfRoom("502") == 5);
  CHECK(FloorOfRoom("1203") == 12);
  CHECK(FloorOfRoom("101") == 1);
  CHECK(FloorOfRoom("B1") == 0);
  CHECK(FloorOfRoom("12") == 0);
  CHECK(FloorOfRoom("") == 0);
  CHECK(FloorOfRoom("A502") == 0);
}

// ---- property: the key does not depend on the spelling

std::mt19937 SeededRng(unsigned* seed) {
  *seed = Catch::rngSeed() != 0 ? Catch::rngSeed() : std::random_device{}();
  return std::mt19937(*seed);
}

template <typename T>
const T& Pick(std::mt19937& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

std::string Chinese(int n, bool positional) {
  static const char* kDigits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  std::string s = std::to_string(n);
  if (!positional || n >= 100) {
    std::string out;
    for (char c : s) out += kDigits[c - '0'];
    return out;
  }
  if (n < 10) return kDigits[n];
  return std::string(n / 10 == 1 ? "" : kDigits[n / 10]) + "十" + (n % 10 ? kDigits[n % 10] : "");
}

std::string FullWidth(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    const char32_t w = c == ' ' ? U'\u3000' : static_cast<char32_t>(0xFF00 + (c - 0x20));
    out += static_cast<char>(0xE0 | (w >> 12));
    out += static_cast<char>(0x80 | ((w >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (w & 0x3F));
  }
  return out;
}

std::string Number(std::mt19937& rng, int n) {
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0:
      return FullWidth(std::to_string(n));
    case 1:
      return Chinese(n, true);
    case 2:
      return Chinese(n, false);
    default:
      return std::to_string(n);
  }
}

std::string Respell(std::mt19937& rng, int building, int unit, int room) {
  static const std::vector<std::string> kPrefixes = {"",
                                                     "北湖区",
                                                     "郴州市北湖区",
                                                     "湖南省郴州市北湖区",
                                                     "湖南郴州北湖区",
                                                     "郴州北湖 ",
                                                     "人民路街道",
                                                     "国庆北路社区",
                                                     "北湖区人民路街道国庆北路社区",
                                                     "国庆北路社区居委会",
                                                     "北湖区国庆北陆社区",
                                                     "中国湖南省郴州市北湖区"};
  static const std::vector<std::string> kBuilding = {"栋", "幢", "号楼", "#", "座", "号"};
  static const std::vector<std::string> kRoom = {"", "室", "户", "号"};
  static const std::vector<std::string> kNoise = {"", " ", "　", "，", "、"};
  std::string s = Pick(rng, kPrefixes) + Pick(rng, kNoise) + "国庆小区" + Pick(rng, kNoise);
  if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) {
    const std::string dash = Pick(rng, std::vector<std::string>{"-", "－", "—", "."});
    return s + std::to_string(building) + dash + std::to_string(unit) + dash +
           std::to_string(room) + Pick(rng, kRoom);
  }
  s += (std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? "第" : "") + Number(rng, building) +
       Pick(rng, kBuilding) + Pick(rng, kNoise) + Number(rng, unit) + "单元" + Pick(rng, kNoise);
  if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) s += Number(rng, room / 100) + "楼";
  return s + Number(rng, room) + Pick(rng, kRoom) +
         Pick(rng, std::vector<std::string>{"", "附近", "（出租屋）", "(出租房)"});
}

TEST_CASE("property: re-spellings of one room share its key", "[address][property]") {
  unsigned seed = 0;
  std::mt19937 rng = SeededRng(&seed);
  INFO("seed " << seed << " (re-run with --rng-seed " << seed << ")");
  for (int round = 0; round < 300; ++round) {
    const int building = std::uniform_int_distribution<int>(1, 30)(rng);
    const int unit = std::uniform_int_distribution<int>(1, 6)(rng);
    const int room = std::uniform_int_distribution<int>(1, 18)(rng) * 100 +
                     std::uniform_int_distribution<int>(1, 4)(rng);
    const std::string want = "431002|国庆小区|" + std::to_string(building) + "|" +
                             std::to_string(unit) + "|" + std::to_string(room);
    const std::string raw = Respell(rng, building, unit, room);
    const auto a = NormalizeAddress(raw, {kBeihu});
    INFO("raw: " << raw << "  reason: " << a.unresolved_reason());
    REQUIRE(a.normalized_key() == want);
  }
}

}  // namespace
