// Case file passes over the visits (docs/cases.md §1, §3, §4, §6):
// premises with their fields and indicators, persons with their fields,
// links and companies; on-the-spot dispositions; and the final step that
// turns the winning slots into Fields with their sources.
#include <algorithm>
#include <tuple>

#include "casefile_internal.h"
#include "sweep/hub/resolver.h"
#include "sweep/schema/ledger.h"

namespace sweep::hub::cases::internal {

Source Work::SourceOf(size_t visit, std::string path) const {
  const VisitSummary& v = view.visits[visit];
  return Source{v.record_id, v.version, v.officer_id, v.device_id, v.at_ms, std::move(path)};
}

void Work::AddLink(const std::string& a, const std::string& b, std::string_view role, size_t visit,
                   std::string_view path, std::string_view suffix) {
  if (link_index.count(LinkKey{a, b, role})) return;
  std::string full(path);
  full += suffix;
  const Link& l =
      links.emplace_back(Link{a, b, std::string(role), SourceOf(visit, std::move(full))});
  link_index.insert(LinkKey{l.a, l.b, l.role});
}

namespace {

// Indices of the persons of a record by path ("occupants[1]" → the Person).
const v1::Person* PersonAt(const v1::Record& r, const std::string& path) {
  auto index = [&](size_t prefix) { return std::stoi(path.substr(prefix, path.size() - prefix)); };
  if (r.has_rental_check()) {
    if (path == "landlord") return &r.rental_check().landlord();
    if (path.rfind("occupants[", 0) == 0) return &r.rental_check().occupants(index(10));
  } else if (r.has_office_sweep() && path.rfind("persons[", 0) == 0) {
    return &r.office_sweep().persons(index(8));
  }
  return nullptr;
}

VisitSummary Summarise(const v1::Record& r) {
  VisitSummary s;
  s.record_id = r.record_id();
  s.version = r.version();
  s.officer_id = r.officer_id();
  s.device_id = r.device_id();
  const v1::Address* address = nullptr;
  int64_t at = 0;
  auto add = [&s](const auto& indicators) {
    for (const v1::Indicator& i : indicators) {
      if (i.present()) s.indicators.push_back(i.code());
    }
  };
  if (r.has_rental_check()) {
    s.kind = "rental";
    s.status = r.rental_check().unit_status();
    address = &r.rental_check().address();
    at = r.rental_check().visited_at_ms();
    add(r.rental_check().indicators());
  } else {
    s.kind = "office";
    s.status = v1::UNIT_STATUS_CHECKED;
    address = &r.office_sweep().address();
    at = r.office_sweep().visited_at_ms();
    for (const v1::AgencyFinding& f : r.office_sweep().findings()) add(f.indicators());
  }
  s.at_ms = at != 0 ? at : r.hlc().wall_ms();
  s.premises_key = address->normalized_key();
  s.building_key = schema::BuildingKeyOf(*address);
  s.unit_key = schema::UnitKeyOf(*address);
  s.den = schema::ledger::IndicatesDen(s.indicators);
  return s;
}

void ReadIndicators(size_t i, Premises& p, Work& w) {
  auto add = [&](const auto& list, const std::string& prefix) {
    for (int k = 0; k < list.size(); ++k) {
      if (!list[k].present()) continue;
      p.indicators.push_back(
          IndicatorSeen{list[k].code(), list[k].count(), list[k].detail(),
                        w.SourceOf(i, prefix + "indicators[" + std::to_string(k) + "]")});
    }
  };
  const v1::Record& r = *w.records[i];
  if (r.has_rental_check()) {
    add(r.rental_check().indicators(), "");
    return;
  }
  const auto& findings = r.office_sweep().findings();
  for (int f = 0; f < findings.size(); ++f) {
    add(findings[f].indicators(), "findings[" + std::to_string(f) + "].");
  }
}

void ReadPremises(size_t i, Work& w) {
  const VisitSummary& v = w.view.visits[i];
  const v1::Record& r = *w.records[i];
  auto [slot, fresh] = w.premises_index.try_emplace(v.premises_key);
  if (fresh) {
    slot->second = {&w.view.premises[v.premises_key], &w.premises[v.premises_key]};
    slot->second.second->node = "premises:" + v.premises_key;
  }
  Premises& p = *slot->second.first;
  PremisesWork& pw = *slot->second.second;
  if (p.key.empty()) {
    p.key = v.premises_key;
    p.building_key = v.building_key;
    p.first_visit_ms = v.at_ms;
  }
  p.kind = v.kind;
  p.visits.push_back(v.record_id);
  p.last_visit_ms = v.at_ms;
  pw.visits.push_back(i);  // the last one gives p.address (Materialise)
  auto set = [&](PremisesField f, const std::string& value) {
    if (value.empty()) return;
    PremisesSlot& slot = pw.fields[f];
    slot.set = true;
    slot.visit = i;
    slot.ref = &value;
  };
  auto own = [&](PremisesField f, std::string value) {
    PremisesSlot& slot = pw.fields[f];
    slot.set = true;
    slot.visit = i;
    slot.ref = nullptr;
    slot.own = std::move(value);
  };
  const v1::Address& a = VisitAddressOf(r);
  if (!a.raw().empty()) {
    set(kAddress, a.raw());
  } else if (std::string raw = schema::AddressText(a); !raw.empty()) {
    own(kAddress, std::move(raw));
  }
  if (v.status != v1::UNIT_STATUS_UNSPECIFIED) set(kUnitStatus, UnitStatusLabel(v.status));
  ReadIndicators(i, p, w);
  if (r.has_rental_check()) {
    const v1::RegistrationStatus reg = r.rental_check().registration();
    if (reg != v1::REGISTRATION_STATUS_UNSPECIFIED) set(kRegistration, RegistrationLabel(reg));
    return;
  }
  const v1::OfficeSweep& o = r.office_sweep();
  if (o.licence() != v1::LICENCE_STATUS_UNSPECIFIED) set(kLicence, LicenceLabel(o.licence()));
  set(kCompany, o.company_name());
  const std::string& code = w.norm.CreditCode(o.credit_code());
  set(kCreditCode, code.empty() ? o.credit_code() : code);
  set(kRegisteredBusiness, o.registered_business());
  set(kActualBusiness, o.actual_business());
  if (o.staff_registered() > 0) own(kStaffRegistered, std::to_string(o.staff_registered()));
  if (o.staff_present() > 0) own(kStaffPresent, std::to_string(o.staff_present()));
}

void ReadCompany(size_t i, Work& w) {
  const v1::OfficeSweep& o = w.records[i]->office_sweep();
  const VisitSummary& v = w.view.visits[i];
  if (o.credit_code().empty()) return;
  const std::string& code = w.norm.CreditCode(o.credit_code());
  if (code.empty()) {
    w.Problem("record " + v.record_id + " credit_code: '" + o.credit_code() +
              "' is not a valid unified social credit code, so no company is kept for it; "
              "correct it with a new version of the record (统一社会信用代码无效)");
    return;
  }
  Company& c = w.view.companies[code];
  c.credit_code = code;
  auto set = [&](const char* name, const char* path, const std::string& value) {
    if (value.empty()) return;
    auto it = std::find_if(c.fields.begin(), c.fields.end(),
                           [&](const Field& f) { return f.name == name; });
    Field f{name, value, w.SourceOf(i, path)};
    if (it == c.fields.end()) {
      c.fields.push_back(std::move(f));
    } else {
      *it = std::move(f);
    }
  };
  set("name", "company_name", o.company_name());
  if (o.licence() != v1::LICENCE_STATUS_UNSPECIFIED) {
    set("licence", "licence", EnumName(v1::LicenceStatus_Name(o.licence()), "LICENCE_STATUS_"));
  }
  set("registered_business", "registered_business", o.registered_business());
  set("actual_business", "actual_business", o.actual_business());
  if (!v.premises_key.empty()) {
    if (std::find(c.premises.begin(), c.premises.end(), v.premises_key) == c.premises.end()) {
      c.premises.push_back(v.premises_key);
    }
    w.AddLink("company:" + code, "premises:" + v.premises_key, "company_at", i, "credit_code");
  }
}

const std::string kMale = "male", kFemale = "female";

// A link from the person (a = its node) to `b` (kept by Work or Normalizers),
// once per (b, role): a person has few links, a scan beats hashing.
void LinkPerson(PersonWork& pw, const std::string& b, std::string_view role, size_t visit,
                std::string_view path, std::string_view suffix, Work& w) {
  for (const auto& [node, r] : pw.linked) {
    if (node == &b && r == role) return;
  }
  pw.linked.emplace_back(&b, std::string(role));
  w.AddLink(pw.node, b, role, visit, path, suffix);
}

void ReadPerson(size_t i, uint32_t index, const MentionRef& m, const std::string* premises_node,
                PersonWork& pw, Work& w) {
  pw.person.mentions.push_back(m.id);
  const v1::Person& p = *m.person;
  const std::string& phone = pw.phone_memo.Get(
      p.phone(), [&](const std::string& t) -> const std::string& { return w.norm.Phone(t); });
  auto set = [&](PersonField f, const std::string& value) {
    if (!value.empty()) pw.fields[f] = Slot{&value, i, index};
  };
  set(kName, p.name());
  set(kIdNumber, *m.id_number);
  set(kPhone, phone);
  if (p.sex() != v1::SEX_UNSPECIFIED) set(kSex, p.sex() == v1::SEX_MALE ? kMale : kFemale);
  set(kBirthDate, p.birth_date());
  set(kOrigin, p.origin());
  set(kOccupation, p.occupation());
  set(kWorkplace, p.workplace());
  if (premises_node) LinkPerson(pw, *premises_node, m.role, i, m.path, {}, w);
  if (!phone.empty()) LinkPerson(pw, w.norm.Node("phone:", phone), "phone", i, m.path, ".phone", w);
  for (int c = 0; c < p.bank_cards_size(); ++c) {
    const std::string& card = w.norm.Card(p.bank_cards(c));
    if (card.empty()) continue;
    LinkPerson(pw, w.norm.Node("card:", card), "card", i, m.path,
               ".bank_cards[" + std::to_string(c) + "]", w);
  }
  if (!m.id_number->empty() && pw.last_id != m.id_number) {
    pw.last_id = m.id_number;
    auto it = w.entity_by_id.find(*m.id_number);
    if (it == w.entity_by_id.end()) {
      w.entity_by_id.emplace(*m.id_number, m.entity);
    } else if (m.entity < it->second) {
      it->second = m.entity;
    }
  }
}

// The person mentions of visit i (resolve::MentionsOf: the merge's ids).
void ReadMentions(size_t i, const std::function<std::string(const std::string&)>& entity_of,
                  Work& w) {
  const v1::Record& r = *w.records[i];
  VisitSummary& v = w.view.visits[i];
  const size_t skip = r.record_id().size() + 1;
  const std::string* premises_node = nullptr;
  if (!v.premises_key.empty()) premises_node = &w.premises_index[v.premises_key].second->node;
  for (resolve::PersonMention& pm : resolve::MentionsOf(r, w.options.address)) {
    MentionRef m;
    m.path = pm.mention_id.substr(skip);
    m.person = PersonAt(r, m.path);
    if (m.person == nullptr) continue;
    std::string entity = entity_of ? entity_of(pm.mention_id) : std::string();
    m.entity = entity.empty() ? "m:" + pm.mention_id : std::move(entity);
    m.id = std::move(pm.mention_id);
    m.role = std::move(pm.role);
    PersonWork& pw = w.persons[m.entity];
    if (pw.person.entity.empty()) {
      pw.person.entity = m.entity;
      pw.node = "person:" + m.entity;
    }
    m.id_number = &pw.id_memo.Get(
        m.person->id_number(),
        [&](const std::string& t) -> const std::string& { return w.norm.IdNumber(t); });
    v.persons.push_back(m.entity);
    ReadPerson(i, static_cast<uint32_t>(w.mentions[i].size()), m, premises_node, pw, w);
    w.mentions[i].push_back(std::move(m));
  }
}

}  // namespace

void ReadVisits(const std::vector<const v1::Record*>& records,
                const std::function<std::string(const std::string&)>& entity_of, Work& w) {
  std::vector<VisitSummary> summaries;
  summaries.reserve(records.size());
  for (const v1::Record* r : records) summaries.push_back(Summarise(*r));
  std::vector<size_t> order(records.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(summaries[a].at_ms, summaries[a].record_id) <
           std::tie(summaries[b].at_ms, summaries[b].record_id);
  });
  w.view.visits.reserve(order.size());
  w.records.reserve(order.size());
  w.mentions.resize(order.size());
  for (size_t k : order) {
    w.view.visits.push_back(std::move(summaries[k]));
    w.records.push_back(records[k]);
  }
  for (size_t i = 0; i < w.records.size(); ++i) {
    const v1::Record& r = *w.records[i];
    const VisitSummary& v = w.view.visits[i];
    if (v.premises_key.empty()) {
      w.Problem("record " + v.record_id + " address: '" + VisitAddressOf(r).raw() +
                "' could not be resolved (" + VisitAddressOf(r).unresolved_reason() +
                "), so the visit belongs to no premises; correct the address with a new version "
                "of the record, or set the default division (sweep-hub ledger config "
                "--default-division) (地址无法解析)");
    } else {
      ReadPremises(i, w);
    }
    if (r.has_office_sweep()) ReadCompany(i, w);
    ReadMentions(i, entity_of, w);
  }
}

}  // namespace sweep::hub::cases::internal
