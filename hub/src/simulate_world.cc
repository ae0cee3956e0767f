// The simulator's world before anyone knocks: who owns which unit, who lives
// in it (families, shared flats of young workers, singles, owner-occupiers),
// which offices hold which company, and which rental units and offices are
// fraud dens with their crews from another province. Tenants come and go
// day by day (Turnover).
#include <algorithm>

#include "simulate_internal.h"

namespace sweep::hub::sim::internal {
namespace {

const std::vector<std::string> kJobs = {"公司职员", "个体经营", "快递员",     "外卖骑手", "教师",
                                        "护士",     "工人",     "网约车司机", "厨师",     "销售",
                                        "自由职业", "待业",     "学生",       "保安",     "装修工"};
const std::vector<std::string> kCompanyWords = {"鑫睿", "恒远", "华拓", "智联", "众诚", "博瑞",
                                                "瑞丰", "中鼎", "汇达", "宏图", "启航", "泰安"};
const std::vector<std::pair<std::string, std::string>> kBusinesses = {
    {"网络科技", "软件开发；网络技术服务"},         {"商贸", "日用百货、电子产品销售"},
    {"企业管理咨询", "企业管理咨询；市场营销策划"}, {"文化传媒", "广告设计、制作、发布"},
    {"信息咨询", "商务信息咨询；会议及展览服务"},   {"建筑工程", "建筑工程施工；装饰装修"}};

int Add(World* w, Human h, const char* role, const std::string& job) {
  h.role = role;
  h.occupation = job;
  w->people.push_back(std::move(h));
  return static_cast<int>(w->people.size()) - 1;
}

void Move(UnitState* u, int person, int day) {
  u->occupants.push_back(person);
  u->moved_in_day.push_back(day);
}

void OwnerHousehold(Rng& rng, PeopleFactory& f, World* w, UnitState* u) {
  const auto& home = f.regions().home_city;
  Human owner = f.Make(rng, 1955, 1992, &Pick(rng, home), nullptr);
  std::string surname = owner.name.substr(0, 3);
  int size = Between(rng, 1, 5);
  int first = Add(w, owner, "resident", Pick(rng, kJobs));
  u->landlord = first;
  Move(u, first, -Between(rng, 200, 5000));
  if (size >= 2) {  // spouse: the other sex, their own surname
    Human s = f.MakeWithSex(rng, owner.birth_year - 4, std::min(owner.birth_year + 4, 2000),
                            nullptr, nullptr, !owner.male);
    Move(u, Add(w, s, "resident", Pick(rng, kJobs)), u->moved_in_day[0]);
  }
  for (int i = 2; i < size; ++i) {  // children (the father's surname) or a grandparent
    bool child = i < 4 || Chance(rng, 0.5);
    Human k = child
                  ? f.Make(rng, std::max(owner.birth_year + 22, 2000),
                           std::min(owner.birth_year + 40, 2022), &Pick(rng, home), surname.c_str())
                  : f.Make(rng, owner.birth_year - 32, owner.birth_year - 20, &Pick(rng, home),
                           surname.c_str());
    Move(u, Add(w, k, "resident", child ? "学生" : "退休"), u->moved_in_day[0]);
  }
}

}  // namespace

void LetUnit(Rng& rng, PeopleFactory& f, int day, World* w, UnitState* u) {
  u->registered = Chance(rng, 0.85);
  double x = Unit(rng);
  if (!w->movers.empty() && Chance(rng, 0.3)) {  // someone who left another unit
    size_t i = Below(rng, w->movers.size());
    Move(u, w->movers[i], day);
    w->movers.erase(w->movers.begin() + static_cast<long>(i));
    return;
  }
  if (x < 0.5) {  // a family
    Human a = f.Make(rng, 1965, 1998, nullptr, nullptr);
    std::string surname = a.name.substr(0, 3);
    int size = Between(rng, 1, 4);
    Move(u, Add(w, a, "resident", Pick(rng, kJobs)), day);
    for (int i = 1; i < size; ++i) {
      Human k =
          i == 1 ? f.MakeWithSex(rng, a.birth_year - 3, a.birth_year + 3, nullptr, nullptr, !a.male)
                 : f.Make(rng, std::max(a.birth_year + 22, 2000), 2022, nullptr, surname.c_str());
      Move(u, Add(w, k, "resident", i == 1 ? Pick(rng, kJobs) : "学生"), day);
    }
  } else {  // a shared flat of young workers, or one person
    int size = x < 0.85 ? Between(rng, 2, 4) : 1;
    for (int i = 0; i < size; ++i) {
      Human h = f.Make(rng, 1994, 2004, nullptr, nullptr);
      Move(u, Add(w, h, "resident", Pick(rng, kJobs)), day);
    }
  }
}

namespace {

void MakeDenCrew(Rng& rng, PeopleFactory& f, World* w, UnitState* u) {
  const auto& province = Pick(rng, f.regions().other_provinces);
  const Region& hometown = Pick(rng, province);  // crews come from one place
  int size = Between(rng, 3, 8);
  std::vector<std::string> phones;
  for (int i = 0; i < std::max(1, size / 2); ++i) phones.push_back(f.Phone(rng));
  for (int i = 0; i < size; ++i) {
    Human h = f.MakeWithSex(rng, 1996, 2005, Chance(rng, 0.7) ? &hometown : &Pick(rng, province),
                            nullptr, Chance(rng, 0.8));
    h.phone = phones[i % phones.size()];  // phones shared among them
    h.suspect = true;
    Move(u, Add(w, h, "resident", Chance(rng, 0.5) ? "待业" : "网络推广（自述）"),
         -Between(rng, 5, 60));
  }
  u->registered = false;
}

void MakeCompany(Rng& rng, PeopleFactory& f, World* w, UnitState* u, bool den) {
  Company c;
  const auto& [kind, business] = Pick(rng, kBusinesses);
  c.name = w->city + w->district_name + Pick(rng, kCompanyWords) + kind + "有限公司";
  c.credit_code = CreditCode(rng, w->options.district);
  c.registered_business = business;
  c.actual_business = den ? "电话外呼：按话术向外地号码推销“贷款额度提升”服务" : business;
  c.legal_rep = Add(w, f.Make(rng, 1970, 1992, nullptr, nullptr), "staff", "法定代表人");
  const auto& province = Pick(rng, f.regions().other_provinces);
  int staff = den ? Between(rng, 5, 10) : Between(rng, 1, 4);
  for (int i = 0; i < staff; ++i) {
    Human h = den ? f.Make(rng, 1996, 2005, &Pick(rng, province), nullptr)
                  : f.Make(rng, 1980, 2003, nullptr, nullptr);
    h.suspect = den;
    c.staff.push_back(Add(w, h, "staff", den ? "话务员（自述）" : "职员"));
  }
  if (den) w->people[c.legal_rep].suspect = true;
  c.staff_registered = den ? Between(rng, 3, 6) : static_cast<uint32_t>(staff + Between(rng, 0, 8));
  c.den = den;
  u->company = static_cast<int>(w->companies.size());
  w->companies.push_back(std::move(c));
}

void AssignLandlords(Rng& rng, PeopleFactory& f, World* w) {
  std::vector<int> rentals;
  for (size_t i = 0; i < w->units.size(); ++i) {
    if (w->units[i].use == Use::kRental) rentals.push_back(static_cast<int>(i));
  }
  const auto& home = f.regions().home_city;
  while (!rentals.empty()) {
    double x = Unit(rng);
    int owns = x < 0.5 ? 1 : x < 0.75 ? 2 : x < 0.9 ? 3 : Between(rng, 4, 5);
    int landlord = Add(w, f.Make(rng, 1950, 1988, &Pick(rng, home), nullptr), "landlord",
                       "个体经营（出租房屋）");
    // Neighbouring units more often than not: landlords buy in one estate.
    size_t at = Below(rng, rentals.size());
    for (int k = 0; k < owns && !rentals.empty(); ++k) {
      at = std::min(at, rentals.size() - 1);
      w->units[rentals[at]].landlord = landlord;
      rentals.erase(rentals.begin() + static_cast<long>(at));
      if (Chance(rng, 0.4) && !rentals.empty()) at = Below(rng, rentals.size());
    }
  }
}

void PlantDens(Rng& rng, PeopleFactory& f, World* w) {
  std::vector<int> rentals, offices;
  for (size_t i = 0; i < w->units.size(); ++i) {
    if (w->units[i].use == Use::kRental) rentals.push_back(static_cast<int>(i));
    if (w->units[i].use == Use::kOffice) offices.push_back(static_cast<int>(i));
  }
  size_t n = static_cast<size_t>(w->options.den_share * static_cast<double>(rentals.size()) + 0.5);
  if (n == 0 && rentals.size() >= 50 && w->options.den_share > 0) n = 1;
  for (size_t k = 0; k < n && k < rentals.size(); ++k) {
    std::swap(rentals[k], rentals[k + Below(rng, rentals.size() - k)]);
    w->units[rentals[k]].den = static_cast<int>(w->dens.size());
    w->dens.push_back(rentals[k]);
  }
  size_t centers = offices.empty() || w->options.den_share <= 0
                       ? 0
                       : std::max<size_t>(1, w->communities.size() / 3);
  for (size_t k = 0; k < centers && k < offices.size(); ++k) {
    std::swap(offices[k], offices[k + Below(rng, offices.size() - k)]);
    w->units[offices[k]].den = static_cast<int>(w->dens.size());
    w->dens.push_back(offices[k]);
  }
}

}  // namespace

Status MakeWorld(Rng& rng, PeopleFactory& f, World* w) {
  SWEEP_RETURN_IF_ERROR(MakeBuildings(rng, w->options, &w->buildings, &w->communities));
  std::tie(w->city, w->district_name) = CityAndDistrict(w->options.district);
  for (size_t b = 0; b < w->buildings.size(); ++b) {
    bool office = w->buildings[b].spec.type == "office";
    for (size_t i = 0; i < w->buildings[b].unit_keys.size(); ++i) {
      UnitState u;
      u.building = static_cast<int>(b);
      u.index = static_cast<uint32_t>(i);
      double x = Unit(rng);
      u.use = office ? (x < 0.6 ? Use::kOffice : Use::kEmptyOffice)
                     : (x < 0.2    ? Use::kOwner
                        : x < 0.88 ? Use::kRental
                                   : Use::kVacant);
      w->units.push_back(std::move(u));
    }
  }
  PlantDens(rng, f, w);
  AssignLandlords(rng, f, w);
  for (auto& u : w->units) {
    if (u.use == Use::kOwner) OwnerHousehold(rng, f, w, &u);
    if (u.use == Use::kOffice) MakeCompany(rng, f, w, &u, u.den >= 0);
    if (u.use != Use::kRental) continue;
    if (u.den >= 0) {
      MakeDenCrew(rng, f, w, &u);
    } else if (Chance(rng, 0.92)) {
      LetUnit(rng, f, -Between(rng, 10, 1500), w, &u);
    }
  }
  return Status::Ok();
}

void Turnover(Rng& rng, PeopleFactory& f, int day, World* w) {
  for (auto& u : w->units) {
    if (u.use != Use::kRental || u.den >= 0) continue;
    if (!u.occupants.empty() && Chance(rng, 0.004)) {  // someone leaves
      size_t i = Below(rng, u.occupants.size());
      u.left.emplace_back(u.occupants[i], day);
      if (Chance(rng, 0.3)) w->movers.push_back(u.occupants[i]);
      u.occupants.erase(u.occupants.begin() + static_cast<long>(i));
      u.moved_in_day.erase(u.moved_in_day.begin() + static_cast<long>(i));
    } else if (u.occupants.empty() && Chance(rng, 0.02)) {
      LetUnit(rng, f, day, w, &u);
    }
  }
}

}  // namespace sweep::hub::sim::internal
