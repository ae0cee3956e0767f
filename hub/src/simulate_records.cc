// One visit as the officer records it: a RentalCheck of a unit (checked, no
// answer, refused, vacant; a den raid with indicators and dispositions) or
// an OfficeSweep of an office (a call-centre den with its findings), each
// person typed with noise and the truth behind every mention noted.
#include "simulate_records.h"

#include <cstdio>

namespace sweep::hub::sim::internal {
namespace {

int64_t DaysFromCivil(int y, unsigned m, unsigned d) {  // H. Hinnant's algorithm
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void AddIndicator(v1::RentalCheck* rc, const char* code, uint32_t count,
                  const std::string& detail) {
  auto* i = rc->add_indicators();
  i->set_code(code);
  i->set_present(true);
  i->set_count(count);
  i->set_detail(detail);
}

}  // namespace

int64_t DefaultStartMs() { return DaysFromCivil(2026, 11, 2) * 86400000 - 8 * 3600000; }

std::string Visits::Date(int day) const {
  int64_t z = (start_ms_ + 8 * 3600000) / 86400000 + day + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(yoe + era * 400 + (m <= 2)), m,
                d);
  return buf;
}

std::string Visits::RecordId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int half = 0; half < 2; ++half) {
    uint64_t x = (*rng_)();
    for (int i = 0; i < 16; ++i, x >>= 4) id += kHex[x & 15];
  }
  return id;
}

v1::Record* Visits::NewRecord(const std::string& officer, int64_t at_ms) {
  out_->records.emplace_back();
  v1::Record* r = &out_->records.back();
  r->set_record_id(RecordId());
  r->set_version(1);
  r->set_base_version(0);
  r->mutable_hlc()->set_wall_ms(at_ms + Between(*rng_, 1, 20) * 60000);
  r->set_officer_id(officer);
  return r;
}

void Visits::Mention(v1::Person* p, int person, const std::string& record_id,
                     const std::string& path, bool den) {
  const Human& h = w_->people[person];
  std::string noise = TypePerson(*rng_, h, w_->options.noise, w_->options.hard_noise, den, p);
  out_->truth.push_back({record_id, path, PersonId(person), std::move(noise)});
  mentioned_[person] = true;
  ++mentions_;
}

std::string Visits::PersonId(int person) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "T%07d", person + 1);
  return buf;
}

std::string Visits::Address(const UnitState& u) {
  const SimBuilding& b = w_->buildings[u.building];
  return SpellUnit(*rng_, b, UnitOf(b, u.index), w_->city, w_->district_name);
}

void Visits::Dispositions(const std::vector<int>& people, v1::RentalCheck* rc,
                          v1::AgencyFinding* finding) {
  const auto& codes = w_->options.disposition_codes;
  if (codes.empty()) return;
  std::vector<std::vector<int>> by_code(codes.size());
  for (size_t i = 0; i < people.size(); ++i) {
    const int p = people[i];
    if (i > 0 && Chance(*rng_, 0.25)) continue;  // some are only questioned
    double x = Unit(*rng_);
    size_t k = codes.size() < 3 ? Below(*rng_, codes.size())
               : x < 0.4        ? 0
               : x < 0.8        ? 1
                                : 2 + Below(*rng_, codes.size() - 2);
    by_code[k].push_back(p);
  }
  for (size_t k = 0; k < codes.size(); ++k) {
    if (by_code[k].empty()) continue;
    v1::Disposition* d = rc ? rc->add_dispositions() : finding->add_dispositions();
    d->set_code(codes[k]);
    d->set_detail("现场处置：" + std::to_string(by_code[k].size()) + "人");
    for (int p : by_code[k]) d->add_person_id_numbers(w_->people[p].id_number);
  }
}

void Visits::DenRaid(UnitState* u, const std::string& record_id, v1::RentalCheck* rc) {
  rc->set_registration(v1::REGISTRATION_STATUS_UNREGISTERED);
  AddIndicator(rc, "simbox_goip", Between(*rng_, 1, 4), "GOIP设备，接多根天线，藏于吊顶内");
  static constexpr uint32_t kPools[] = {8, 16, 32, 64};
  AddIndicator(rc, "modem_pool", kPools[Below(*rng_, 4)], "猫池，插满手机卡");
  AddIndicator(rc, "many_sim_cards", Between(*rng_, 50, 500), "成沓手机卡，多为外省号段");
  AddIndicator(rc, "many_bank_cards", Between(*rng_, 10, 80), "他人名下银行卡、U盾");
  if (Chance(*rng_, 0.6)) {
    AddIndicator(rc, "many_phones", static_cast<uint32_t>(u->occupants.size() * 2 + 3), "");
  }
  if (Chance(*rng_, 0.5)) AddIndicator(rc, "card_packaging_waste", 0, "垃圾多为卡片包装");
  if (Chance(*rng_, 0.5)) AddIndicator(rc, "landlord_never_met_tenant", 0, "房东称从未见过租客");
  for (size_t i = 0; i < u->occupants.size(); ++i) {
    auto* p = rc->add_occupants();
    Mention(p, u->occupants[i], record_id, "occupants[" + std::to_string(i) + "]", true);
    p->set_present_at_visit(true);
    p->set_moved_in_date(Date(u->moved_in_day[i]));
  }
  Dispositions(u->occupants, rc, nullptr);
  rc->set_notes("多名年轻人白天不出门，桌面手机多部");
  u->occupants.clear();
  u->moved_in_day.clear();
  u->raided = true;
}

}  // namespace sweep::hub::sim::internal
