// Record generator for the store benchmark. Pools of names, places and
// phrases are small; combining them per record makes every record distinct.
#include "bench_records.h"

#include <array>
#include <cstdio>
#include <random>
#include <set>

#include "sweep/schema/identifiers.h"

namespace sweep::bench {
namespace {

constexpr std::array kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                  "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"};
constexpr std::array kGiven = {"建国", "晓燕", "志强", "丽华", "海涛", "秀英", "俊杰",
                               "婷婷", "文博", "雪梅", "国栋", "红梅", "子豪", "佳怡",
                               "振宇", "静",   "磊",   "伟",   "芳",   "洋"};
struct Region {
  const char* code;
  const char* name;
};
constexpr std::array kRegions = {
    Region{"431002", "湖南省郴州市北湖区"},         Region{"431003", "湖南省郴州市苏仙区"},
    Region{"431021", "湖南省郴州市桂阳县"},         Region{"360426", "江西省九江市德安县"},
    Region{"430102", "湖南省长沙市芙蓉区"},         Region{"440304", "广东省深圳市福田区"},
    Region{"450102", "广西壮族自治区南宁市兴宁区"}, Region{"500101", "重庆市万州区"},
    Region{"510107", "四川省成都市武侯区"},         Region{"421002", "湖北省荆州市沙市区"}};
constexpr std::array kOccupations = {"餐饮服务员", "快递员", "网约车司机", "个体经营", "建筑工人",
                                     "无业",       "学生",   "电子厂普工", "保安",     "销售"};
constexpr std::array kWorkplaces = {"国庆北路兴旺餐馆", "顺丰速运北湖网点",   "华信大厦物业",
                                    "五岭广场某手机店", "郴州高新区某电子厂", "自由职业"};
constexpr std::array kRoads = {"国庆北路", "人民西路", "五岭大道", "青年大道", "燕泉路",
                               "北湖路",   "文化路",   "解放路",   "南岭大道", "骆仙路"};
constexpr std::array kCommunities = {"国庆北路社区", "燕泉社区", "文化路社区",
                                     "骆仙社区",     "北湖社区", "苏园社区"};
constexpr std::array kNotes = {"租客称电话卡为朋友寄存，已拍照留存。",
                               "房东表示租客按月现金交租，未签书面合同。",
                               "屋内有多部手机同时充电，租客称用于直播带货。",
                               "已告知租客办理居住登记，并留下联系方式。",
                               "邻居反映夜间常有多人出入，需复查。",
                               "租客不在家，通过电话联系，约定次日上门登记。",
                               "现场发现银行卡若干，持卡人与租客姓名不一致。",
                               "房屋为群租，隔断成六个小间，已通知社区网格员。"};
constexpr std::array kIndicators = {
    "many_sim_cards",    "many_bank_cards",           "many_phones",         "cash_short_rent",
    "frequent_turnover", "landlord_never_met_tenant", "card_packaging_waste"};
constexpr std::array kMobilePrefixes = {"138", "139", "150", "151", "135",
                                        "136", "186", "187", "158", "188"};

using Rng = std::mt19937_64;

template <typename Pool>
auto Pick(Rng& rng, const Pool& pool) {
  return pool[rng() % pool.size()];
}

std::string Digits(Rng& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
  return s;
}

// GB 11643: 17 digits and the mod-11 check character.
std::string ResidentId(Rng& rng, const char* region, int year, int month, int day, bool male) {
  char body[18];
  std::snprintf(body, sizeof body, "%s%04d%02d%02d%02d%d", region, year, month, day,
                static_cast<int>(rng() % 100), static_cast<int>(rng() % 5) * 2 + (male ? 1 : 0));
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

std::string Name(Rng& rng) { return std::string(Pick(rng, kSurnames)) + Pick(rng, kGiven); }
std::string Phone(Rng& rng) { return std::string(Pick(rng, kMobilePrefixes)) + Digits(rng, 8); }

void FillOccupant(Rng& rng, v1::Person* p, bool typo) {
  const Region& region = Pick(rng, kRegions);
  const bool male = rng() % 2 == 0;
  const int year = 1960 + static_cast<int>(rng() % 45);
  const int month = 1 + static_cast<int>(rng() % 12);
  const int day = 1 + static_cast<int>(rng() % 28);
  std::string id = ResidentId(rng, region.code, year, month, day, male);
  if (typo) id[17] = id[17] == '0' ? '1' : '0';  // a wrong check character
  char birth[11];
  std::snprintf(birth, sizeof birth, "%04d-%02d-%02d", year, month, day);
  p->set_name(Name(rng));
  p->set_id_number(id);
  p->set_phone(Phone(rng));
  p->set_sex(male ? v1::SEX_MALE : v1::SEX_FEMALE);
  p->set_birth_date(birth);
  p->set_origin(region.name);
  p->set_occupation(Pick(rng, kOccupations));
  p->set_workplace(Pick(rng, kWorkplaces));
  char moved[11];
  std::snprintf(moved, sizeof moved, "2025-%02d-%02d", 1 + static_cast<int>(rng() % 12),
                1 + static_cast<int>(rng() % 28));
  p->set_moved_in_date(moved);
  p->set_present_at_visit(rng() % 4 != 0);
}

}  // namespace

v1::Record MakeRentalCheck(uint64_t seed, uint64_t index) {
  Rng rng(seed * 0x9E3779B97F4A7C15ull + index);
  v1::Record r;
  auto* rc = r.mutable_rental_check();
  const int building = 1 + static_cast<int>(rng() % 30);
  const int unit = 1 + static_cast<int>(rng() % 4);
  const int floor = 1 + static_cast<int>(rng() % 18);
  const int room = floor * 100 + 1 + static_cast<int>(rng() % 4);
  const std::string road = Pick(rng, kRoads);
  const std::string number = std::to_string(1 + rng() % 200);
  auto* a = rc->mutable_address();
  a->set_raw("湖南省郴州市北湖区人民路街道" + std::string(Pick(rng, kCommunities)) + road + number +
             "号" + std::to_string(building) + "栋" + std::to_string(unit) + "单元" +
             std::to_string(room) + "室");
  a->set_division_code("431002001");
  a->set_estate(road + number + "号");
  a->set_building(std::to_string(building));
  a->set_unit(std::to_string(unit));
  a->set_floor(std::to_string(floor));
  a->set_room(std::to_string(room));
  rc->set_unit_status(v1::UNIT_STATUS_CHECKED);
  auto* landlord = rc->mutable_landlord();
  landlord->set_name(Name(rng));
  landlord->set_phone(Phone(rng));
  landlord->set_origin(Pick(rng, kRegions).name);
  const bool typo = rng() % 20 == 0;
  const int occupants = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < occupants; ++i) FillOccupant(rng, rc->add_occupants(), typo && i == 0);
  rc->set_registration(static_cast<v1::RegistrationStatus>(1 + rng() % 5));
  if (rng() % 3 == 0) {
    auto* ind = rc->add_indicators();
    ind->set_code(Pick(rng, kIndicators));
    ind->set_present(true);
    ind->set_count(static_cast<uint32_t>(rng() % 50));
    ind->set_detail(Pick(rng, kNotes));
    rc->mutable_occupants(0)->add_bank_cards("6222" + Digits(rng, 15));
  }
  if (rng() % 2 == 0) {
    auto* d = rc->add_dispositions();
    d->set_code("registered_on_site");
    d->set_detail("现场督促租客补办居住登记");
    d->add_person_id_numbers(rc->occupants(0).id_number());
  }
  if (rng() % 3 == 0) {
    auto* f = rc->mutable_follow_up();
    f->set_needed(true);
    f->set_due_date("2026-01-" + std::to_string(10 + rng() % 20));
    f->set_reason(Pick(rng, kNotes));
  }
  std::string notes = Pick(rng, kNotes);
  for (int extra = 1 + static_cast<int>(rng() % 3); extra > 0; --extra) notes += Pick(rng, kNotes);
  rc->set_notes(notes);
  rc->set_visited_at_ms(1'764'300'000'000 + static_cast<int64_t>(rng() % 10'000'000'000));
  rc->add_accompanying(Name(rng) + "（社区网格员）");
  return r;
}

std::vector<std::pair<std::string, std::string>> IdentifiersOf(const v1::Record& record) {
  std::set<std::pair<std::string, std::string>> out;
  auto person = [&out](const v1::Person& p) {
    if (!p.id_number().empty()) {
      auto v = schema::CheckResidentId(p.id_number());
      out.insert({"id", v.normalized.empty() ? schema::NormalizeIdentifierInput(p.id_number())
                                             : v.normalized});
    }
    if (!p.phone().empty()) {
      auto v = schema::CheckPhone(p.phone());
      out.insert({"phone", v.normalized.empty() ? schema::NormalizeIdentifierInput(p.phone())
                                                : v.normalized});
    }
    for (const auto& c : p.bank_cards()) out.insert({"card", schema::NormalizeIdentifierInput(c)});
  };
  const auto& rc = record.rental_check();
  if (rc.has_landlord()) person(rc.landlord());
  for (const auto& p : rc.occupants()) person(p);
  return {out.begin(), out.end()};
}

}  // namespace sweep::bench
