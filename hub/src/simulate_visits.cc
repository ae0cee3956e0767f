// What an officer finds at the door: a rental unit checked (landlord,
// everyone living there, who moved out), nobody home, a refusal, an empty
// unit, a den raided; an office swept with the market regulator, or a
// call-centre den found there.
#include "simulate_records.h"

namespace sweep::hub::sim::internal {

void Visits::Occupants(UnitState* u, const std::string& record_id, int day, v1::RentalCheck* rc) {
  int n = 0;
  for (size_t i = 0; i < u->occupants.size(); ++i, ++n) {
    auto* p = rc->add_occupants();
    Mention(p, u->occupants[i], record_id, "occupants[" + std::to_string(n) + "]", false);
    p->set_present_at_visit(Chance(*rng_, 0.85));
    if (u->use == Use::kRental) p->set_moved_in_date(Date(u->moved_in_day[i]));
  }
  for (const auto& [person, left_day] : u->left) {
    auto* p = rc->add_occupants();
    Mention(p, person, record_id, "occupants[" + std::to_string(n++) + "]", false);
    p->set_moved_out_date(Date(std::min(left_day, day)));
  }
  u->left.clear();
}

int Visits::RentalVisit(UnitState* u, const std::string& officer, int day, int64_t at_ms) {
  v1::Record* r = NewRecord(officer, at_ms);
  const std::string record_id = r->record_id();
  v1::RentalCheck* rc = r->mutable_rental_check();
  rc->mutable_address()->set_raw(Address(*u));
  rc->set_visited_at_ms(at_ms);
  const bool empty = u->occupants.empty() && u->left.empty();
  double x = Unit(*rng_);
  if (empty) {
    rc->set_unit_status(v1::UNIT_STATUS_VACANT);
    if (u->landlord >= 0 && !u->raided && Chance(*rng_, 0.3)) {  // the landlord shows the flat
      Mention(rc->mutable_landlord(), u->landlord, record_id, "landlord", false);
      rc->mutable_landlord()->set_present_at_visit(true);
    }
    if (u->raided) rc->set_notes("窝点已捣毁，房屋已查封");
    return -1;
  }
  if (x >= 0.80 || (u->den >= 0 && x >= 0.6)) {  // nobody opens, or the door stays shut
    bool refused = x >= 0.95;
    rc->set_unit_status(refused ? v1::UNIT_STATUS_REFUSED : v1::UNIT_STATUS_NO_ANSWER);
    int due = day + Between(*rng_, 1, 3);
    rc->mutable_follow_up()->set_needed(true);
    rc->mutable_follow_up()->set_due_date(Date(due));
    rc->mutable_follow_up()->set_reason(refused ? "住户拒绝开门，约房东一同复查"
                                                : "无人应门，择时复查");
    if (refused && u->landlord >= 0 && Chance(*rng_, 0.3)) {  // the landlord, on the phone
      Mention(rc->mutable_landlord(), u->landlord, record_id, "landlord", false);
    }
    return due;
  }
  rc->set_unit_status(v1::UNIT_STATUS_CHECKED);
  if (u->landlord >= 0) {
    Mention(rc->mutable_landlord(), u->landlord, record_id, "landlord", false);
    rc->mutable_landlord()->set_present_at_visit(u->use == Use::kOwner || Chance(*rng_, 0.5));
  }
  if (u->den >= 0) {
    DenRaid(u, record_id, rc);
    return -1;
  }
  Occupants(u, record_id, day, rc);
  if (u->use == Use::kRental) {
    rc->set_registration(u->registered        ? v1::REGISTRATION_STATUS_REGISTERED
                         : Chance(*rng_, 0.6) ? v1::REGISTRATION_STATUS_REGISTERED_ON_SITE
                                              : v1::REGISTRATION_STATUS_UNREGISTERED);
    if (!u->registered) {
      auto* d = rc->add_dispositions();
      d->set_code("registered_on_site");
      d->set_detail("告知房东三日内办理租住登记");
    }
    u->registered = true;
  }
  return -1;
}

void Visits::CallCenterRaid(UnitState* u, const std::string& record_id, v1::OfficeSweep* os) {
  const Company& c = w_->companies[u->company];
  os->set_licence(v1::LICENCE_STATUS_MISMATCH);
  os->set_staff_present(static_cast<uint32_t>(Between(*rng_, 15, 40)));
  auto* f = os->add_findings();
  f->set_agency("police");
  f->set_summary("现场分排工位外呼，员工多为外地年轻人");
  auto add = [f](const char* code, uint32_t count, const char* detail) {
    auto* i = f->add_indicators();
    i->set_code(code);
    i->set_present(true);
    i->set_count(count);
    i->set_detail(detail);
  };
  add("call_center_layout", 0, "隔断工位，配耳麦，墙上贴外呼量排名");
  add("scripts", os->staff_present(), "工位贴有“贷款额度提升、先交保证金”话术单");
  add("many_phones", os->staff_present() * 2, "");
  std::vector<int> people = c.staff;
  people.insert(people.begin(), c.legal_rep);
  for (size_t i = 0; i < people.size(); ++i) {
    auto* p = os->add_persons();
    Mention(p, people[i], record_id, "persons[" + std::to_string(i) + "]", i > 0);
    p->set_present_at_visit(true);
    p->set_workplace(c.name);
  }
  Dispositions(people, nullptr, f);
  auto* m = os->add_findings();
  m->set_agency("market_regulation");
  m->set_summary("实际经营与登记经营范围不符");
  u->raided = true;
  u->use = Use::kEmptyOffice;  // closed down
}

int Visits::OfficeVisit(UnitState* u, const std::string& officer, int64_t at_ms) {
  const Company& c = w_->companies[u->company];
  v1::Record* r = NewRecord(officer, at_ms);
  const std::string record_id = r->record_id();
  v1::OfficeSweep* os = r->mutable_office_sweep();
  os->mutable_address()->set_raw(Address(*u));
  os->set_visited_at_ms(at_ms);
  os->set_company_name(c.name);
  os->set_credit_code(c.credit_code);
  os->set_registered_business(c.registered_business);
  os->set_actual_business(c.actual_business);
  os->set_staff_registered(c.staff_registered);
  auto* police = os->add_participants();
  police->set_agency("police");
  police->set_officer_id(officer);
  auto* regulator = os->add_participants();
  regulator->set_agency("market_regulation");
  regulator->set_officer_id("SJ-" + w_->options.district + "-0" +
                            std::to_string(Between(*rng_, 100, 299)));
  if (c.den) {
    CallCenterRaid(u, record_id, os);
    return -1;
  }
  double x = Unit(*rng_);
  os->set_licence(x < 0.9    ? v1::LICENCE_STATUS_VALID
                  : x < 0.95 ? v1::LICENCE_STATUS_EXPIRED
                             : v1::LICENCE_STATUS_MISMATCH);
  os->set_staff_present(static_cast<uint32_t>(Below(*rng_, c.staff.size() + 1)));
  int n = 0;
  if (Chance(*rng_, 0.6)) {
    Mention(os->add_persons(), c.legal_rep, record_id, "persons[" + std::to_string(n++) + "]",
            false);
  }
  for (int s : c.staff) {
    if (Chance(*rng_, 0.5)) {
      auto* p = os->add_persons();
      Mention(p, s, record_id, "persons[" + std::to_string(n++) + "]", false);
      p->set_present_at_visit(true);
    }
  }
  return -1;
}

int Visits::Visit(int unit, const std::string& officer, int day, int64_t at_ms) {
  UnitState* u = &w_->units[unit];
  u->last_visit = day;
  if (u->use == Use::kOffice) return OfficeVisit(u, officer, at_ms);
  if (u->use == Use::kEmptyOffice) return -1;
  return RentalVisit(u, officer, day, at_ms);
}

}  // namespace sweep::hub::sim::internal
