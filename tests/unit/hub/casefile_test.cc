// The case-file engine (sweep/hub/casefile.h, docs/cases.md) on hand-made
// records: den lifecycle, versions and ties, conflicts, provenance, suspects,
// companies, links and graph, watchlist, edit checks; the same view whatever
// the order of the inputs. Simulated stations: casefile_sim_test.cc.
#include "sweep/hub/casefile.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "sweep/schema/address.h"
#include "sweep/sync/protocol.h"

namespace c = sweep::hub::cases;
using sweep::v1::Record;

namespace {

constexpr int64_t kDay = 86400000;
constexpr int64_t kT0 = 1793548800000;  // 2026-11-02 (UTC+8 morning)
const std::string k502 = "431002|国庆小区|3|2|502";
const std::string k601 = "431002|国庆小区|3|2|601";

std::string Id18(const std::string& region, const std::string& yyyymmdd, const std::string& seq) {
  const std::string body = region + yyyymmdd + seq;
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return body + "10X98765432"[sum % 11];
}
const std::string kIdA = Id18("431002", "19950304", "123");
const std::string kIdB = Id18("431002", "19980611", "246");
const std::string kIdL = Id18("431002", "19680314", "037");

c::CaseOptions Options() {
  c::CaseOptions o;
  o.address.default_division = "431002";
  return o;
}

sweep::v1::Person P(const std::string& name, const std::string& id, const std::string& phone,
                    bool present = true) {
  sweep::v1::Person p;
  p.set_name(name);
  p.set_id_number(id);
  p.set_phone(phone);
  p.set_present_at_visit(present);
  return p;
}

Record Rental(const std::string& id, int64_t at, const std::string& address,
              std::vector<sweep::v1::Person> occupants, std::vector<std::string> indicators = {},
              uint64_t version = 1) {
  Record r;
  r.set_record_id(id);
  r.set_version(version);
  r.set_officer_id("A1001");
  r.set_device_id("dev-1");
  r.mutable_hlc()->set_wall_ms(at + 60000);
  auto* rc = r.mutable_rental_check();
  rc->mutable_address()->set_raw(address);
  rc->set_unit_status(sweep::v1::UNIT_STATUS_CHECKED);
  rc->set_visited_at_ms(at);
  for (auto& p : occupants) *rc->add_occupants() = p;
  for (const auto& code : indicators) {
    auto* i = rc->add_indicators();
    i->set_code(code);
    i->set_present(true);
    i->set_count(3);
  }
  return r;
}

Record Update(const std::string& id, const std::string& device, int64_t decided,
              const sweep::v1::CaseUpdate& u) {
  Record r;
  r.set_record_id(id);
  r.set_version(1);
  r.set_officer_id("B2002");
  r.set_device_id(device);
  r.mutable_hlc()->set_wall_ms(decided);
  *r.mutable_case_update() = u;
  r.mutable_case_update()->set_decided_at_ms(decided);
  return r;
}

sweep::v1::CaseUpdate DenUpdate(const std::string& address, uint64_t base,
                                const std::string& status) {
  sweep::v1::CaseUpdate u;
  u.mutable_address()->set_raw(address);
  u.set_subject_version(base);
  u.set_den_status(status);
  u.set_reason("核查结论");
  return u;
}

c::HubEdit Edit(uint64_t seq, int64_t at, const sweep::v1::CaseUpdate& u) {
  c::HubEdit e;
  e.seq = seq;
  e.by = "S9001";
  e.at_ms = at;
  e.update = u;
  return e;
}

std::string S(const c::Source& s) {
  return s.record_id + "#" + std::to_string(s.version) + "@" + std::to_string(s.at_ms) + "/" +
         s.officer_id + "/" + s.device_id + ":" + s.path;
}

// Everything a view holds, one line per fact: two views are equal iff their
// dumps are.
std::string Dump(const c::CaseView& v) {
  std::ostringstream o;
  for (const auto& s : v.visits) {
    o << "V " << s.record_id << " " << s.version << " " << s.at_ms << " " << s.kind << " "
      << s.status << " " << s.premises_key << " " << s.den;
    for (const auto& p : s.persons) o << " " << p;
    o << "\n";
  }
  for (const auto& [k, p] : v.premises) {
    o << "P " << k << " " << p.kind << " " << c::DenStatusName(p.status) << " v" << p.version << " "
      << p.first_visit_ms << "-" << p.last_visit_ms << " s" << p.suspected_ms << "\n";
    for (const auto& f : p.fields)
      o << "  F " << f.name << "=" << f.value << " " << S(f.source) << "\n";
    for (const auto& h : p.history) {
      o << "  H " << c::DenStatusName(h.from) << ">" << c::DenStatusName(h.to) << " " << h.by << " "
        << h.at_ms << " " << h.why << " " << h.automatic << " " << S(h.source) << "\n";
    }
    for (const auto& i : p.indicators)
      o << "  I " << i.code << " " << i.count << " " << S(i.source) << "\n";
    for (const auto& r : p.visits) o << "  R " << r << "\n";
  }
  for (const auto& [e, p] : v.persons) {
    o << "Q " << e << " v" << p.version << " " << p.involvement << " " << S(p.involvement_source)
      << "\n";
    for (const auto& f : p.fields)
      o << "  F " << f.name << "=" << f.value << " " << S(f.source) << "\n";
    for (const auto& m : p.mentions) o << "  M " << m << "\n";
    for (const auto& d : p.dispositions)
      o << "  D " << d.code << " " << d.detail << " " << S(d.source) << "\n";
  }
  for (const auto& [k, co] : v.companies) {
    o << "C " << k;
    for (const auto& p : co.premises) o << " " << p;
    o << "\n";
    for (const auto& f : co.fields)
      o << "  F " << f.name << "=" << f.value << " " << S(f.source) << "\n";
  }
  for (const auto& l : v.links)
    o << "L " << l.a << " " << l.b << " " << l.role << " " << S(l.source) << "\n";
  for (const auto& k : v.conflicts) {
    o << "X " << k.subject << " " << k.field << " " << k.base_version << " " << k.resolved;
    for (const auto& f : k.values) o << " " << f.value << "<" << S(f.source);
    o << "\n";
  }
  for (const auto& p : v.problems) o << "! " << p << "\n";
  return o.str();
}

uint64_t Seed() {
  const char* env = std::getenv("SWEEP_TEST_SEED");
  uint64_t seed = env ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  std::cout << "casefile_test seed " << seed << " (SWEEP_TEST_SEED=" << seed << " re-runs it)\n";
  return seed;
}

const c::Premises& At(const c::CaseView& v, const std::string& key) {
  auto it = v.premises.find(key);
  REQUIRE(it != v.premises.end());
  return it->second;
}

const c::Field* FieldOf(const std::vector<c::Field>& fields, const std::string& name) {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool HasProblem(const c::CaseView& v, const std::string& part) {
  return std::any_of(v.problems.begin(), v.problems.end(),
                     [&](const std::string& p) { return p.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("casefile: allowed den status transitions follow the table") {
  using D = c::DenStatus;
  const std::vector<D> all = {D::kNone, D::kSuspected, D::kInvestigating, D::kRaided, D::kCleared};
  std::set<std::pair<D, D>> allowed = {
      {D::kNone, D::kSuspected},          {D::kNone, D::kInvestigating},
      {D::kSuspected, D::kInvestigating}, {D::kSuspected, D::kRaided},
      {D::kSuspected, D::kCleared},       {D::kInvestigating, D::kRaided},
      {D::kInvestigating, D::kCleared},   {D::kRaided, D::kCleared},
      {D::kCleared, D::kSuspected}};
  for (D from : all) {
    for (D to : all) CHECK(c::AllowedTransition(from, to) == (allowed.count({from, to}) == 1));
    CHECK(c::ParseDenStatus(c::DenStatusName(from)) == from);
  }
  CHECK_FALSE(c::ParseDenStatus("busted"));
  CHECK(c::DenStatusZh(D::kRaided) == "已捣毁");
}

TEST_CASE("casefile: den lifecycle, automatic suspicion and manual changes") {
  c::CaseFile cf(Options());
  cf.AddVersion(Rental("r1", kT0, "国庆小区3栋2单元502", {P("张伟", kIdA, "13907351234")},
                       {"simbox_goip", "many_sim_cards"}));
  cf.AddVersion(Rental("r2", kT0 + kDay, "国庆小区三幢二单元502室", {P("张伟", kIdA, "")}));
  auto v = cf.Build();
  const c::Premises& p = At(v, k502);
  CHECK(p.status == c::DenStatus::kSuspected);  // a clean visit does not clear it
  REQUIRE(p.history.size() == 1);
  CHECK(p.history[0].automatic);
  CHECK(p.history[0].why == "simbox_goip,many_sim_cards");
  CHECK(p.history[0].source.record_id == "r1");
  CHECK(p.suspected_ms == kT0);
  CHECK(p.version == 0);
  CHECK(p.visits == std::vector<std::string>{"r1", "r2"});
  CHECK(p.indicators.size() == 2);
  CHECK(p.indicators[1].source.path == "indicators[1]");

  // raided by a supervisor, then a tablet tries raided → investigating (refused),
  // then cleared; a new den visit makes it suspected again.
  cf.AddHubEdit(Edit(1, kT0 + 2 * kDay, DenUpdate("国庆小区3-2-502", 0, "raided")));
  cf.AddVersion(
      Update("u1", "dev-2", kT0 + 3 * kDay, DenUpdate("国庆小区3栋2单元502", 1, "investigating")));
  cf.AddVersion(
      Update("u2", "dev-2", kT0 + 4 * kDay, DenUpdate("国庆小区3栋2单元502", 2, "cleared")));
  cf.AddVersion(Rental("r3", kT0 + 5 * kDay, "国庆小区3栋2单元502", {}, {"modem_pool"}));
  v = cf.Build();
  const c::Premises& q = At(v, k502);
  REQUIRE(q.history.size() == 4);
  CHECK(q.history[1].from == c::DenStatus::kSuspected);
  CHECK(q.history[1].to == c::DenStatus::kRaided);
  CHECK(q.history[1].by == "S9001");
  CHECK(q.history[1].why == "核查结论");
  CHECK_FALSE(q.history[1].automatic);
  CHECK(q.history[1].source.record_id == "hub:1");
  CHECK(q.history[2].to == c::DenStatus::kCleared);
  CHECK(q.history[2].source.record_id == "u2");
  CHECK(q.history[3].to == c::DenStatus::kSuspected);
  CHECK(q.history[3].automatic);
  CHECK(q.status == c::DenStatus::kSuspected);
  CHECK(q.suspected_ms == kT0 + 5 * kDay);
  CHECK(q.version == 3);
  CHECK(HasProblem(v, "cannot change from raided to investigating"));
}

TEST_CASE("casefile: per record the highest version wins, ties by HLC then device") {
  Record a = Rental("r1", kT0, "国庆小区3栋2单元502", {P("张伟", kIdA, "")}, {}, 2);
  Record b = a;
  b.mutable_rental_check()->set_unit_status(sweep::v1::UNIT_STATUS_REFUSED);
  Record older = Rental("r1", kT0, "国庆小区3栋2单元502", {}, {"scripts"}, 1);
  older.mutable_hlc()->set_wall_ms(kT0 + 10 * kDay);  // a later clock does not beat a version
  auto status_after = [&](std::vector<Record> order) {
    c::CaseFile cf(Options());
    for (const auto& r : order) cf.AddVersion(r);
    auto v = cf.Build();
    REQUIRE(v.visits.size() == 1);
    return v.visits[0].status;
  };
  SECTION("higher HLC wins an equal version") {
    b.mutable_hlc()->set_wall_ms(a.hlc().wall_ms() + 1);
    CHECK(status_after({a, b, older}) == sweep::v1::UNIT_STATUS_REFUSED);
    CHECK(status_after({older, b, a}) == sweep::v1::UNIT_STATUS_REFUSED);
  }
  SECTION("equal HLC: logical counter, then device id") {
    b.mutable_hlc()->set_logical(1);
    CHECK(status_after({a, b}) == sweep::v1::UNIT_STATUS_REFUSED);
    CHECK(status_after({b, a}) == sweep::v1::UNIT_STATUS_REFUSED);
    b.mutable_hlc()->set_logical(0);
    b.set_device_id("dev-0");  // smaller device id loses
    CHECK(status_after({a, b}) == sweep::v1::UNIT_STATUS_CHECKED);
    CHECK(status_after({b, a}) == sweep::v1::UNIT_STATUS_CHECKED);
  }
}

TEST_CASE("casefile: concurrent updates conflict, the last wins, a later one resolves") {
  c::CaseFile cf(Options());
  cf.AddVersion(Rental("r1", kT0, "国庆小区3栋2单元502", {}, {"scripts"}));
  cf.AddHubEdit(Edit(1, kT0 + kDay, DenUpdate("国庆小区3栋2单元502", 0, "investigating")));
  // both tablets on version 1, offline
  cf.AddVersion(
      Update("u-a", "dev-a", kT0 + 2 * kDay, DenUpdate("国庆小区3栋2单元502", 1, "raided")));
  cf.AddVersion(
      Update("u-b", "dev-b", kT0 + 2 * kDay + 5, DenUpdate("国庆小区3栋2单元502", 1, "cleared")));
  auto v = cf.Build();
  REQUIRE(v.conflicts.size() == 1);
  const c::Conflict& k = v.conflicts[0];
  CHECK(k.subject == "premises:" + k502);
  CHECK(k.field == "den_status");
  CHECK(k.base_version == 1);
  CHECK_FALSE(k.resolved);
  REQUIRE(k.values.size() == 2);
  CHECK(k.values[0].value == "cleared");  // decided later: the winner, first
  CHECK(k.values[0].source.record_id == "u-b");
  CHECK(k.values[1].value == "raided");
  CHECK(At(v, k502).status == c::DenStatus::kCleared);
  CHECK(At(v, k502).version == 2);

  SECTION("a later update of the field resolves it") {
    cf.AddHubEdit(Edit(2, kT0 + 3 * kDay, DenUpdate("国庆小区3栋2单元502", 2, "suspected")));
    v = cf.Build();
    REQUIRE(v.conflicts.size() == 1);
    CHECK(v.conflicts[0].resolved);
    CHECK(At(v, k502).status == c::DenStatus::kSuspected);
    CHECK(At(v, k502).version == 3);
  }
  SECTION("confirming the winner resolves it; confirming with no conflict is refused") {
    const c::CaseOptions o = Options();
    CHECK(c::CheckEdit(v, o, DenUpdate("国庆小区3栋2单元502", 2, "cleared")).ok());
    cf.AddHubEdit(Edit(2, kT0 + 3 * kDay, DenUpdate("国庆小区3栋2单元502", 2, "cleared")));
    v = cf.Build();
    REQUIRE(v.conflicts.size() == 1);
    CHECK(v.conflicts[0].resolved);
    CHECK(At(v, k502).status == c::DenStatus::kCleared);
    CHECK(At(v, k502).version == 3);
    CHECK_FALSE(c::CheckEdit(v, o, DenUpdate("国庆小区3栋2单元502", 3, "cleared")).ok());
  }
  SECTION("the same values, or one device twice, are no conflict") {
    c::CaseFile same(Options());
    same.AddVersion(Rental("r1", kT0, "国庆小区3栋2单元502", {}, {"scripts"}));
    same.AddVersion(
        Update("u-a", "dev-a", kT0 + kDay, DenUpdate("国庆小区3栋2单元502", 0, "raided")));
    same.AddVersion(
        Update("u-b", "dev-b", kT0 + kDay, DenUpdate("国庆小区3栋2单元502", 0, "raided")));
    same.AddVersion(Update("u-c", "dev-c", kT0 + 2 * kDay,
                           DenUpdate("国庆小区3栋2单元502", 1, "investigating")));
    same.AddVersion(
        Update("u-d", "dev-c", kT0 + 3 * kDay, DenUpdate("国庆小区3栋2单元502", 1, "cleared")));
    v = same.Build();
    CHECK(v.conflicts.empty());
    // u-c is refused (raided → investigating), u-d clears
    CHECK(At(v, k502).status == c::DenStatus::kCleared);
    CHECK(HasProblem(v, "u-c"));
  }
}

TEST_CASE("casefile: person fields with provenance, latest non-empty wins") {
  c::CaseFile cf(Options());
  auto p1 = P("李娜", kIdB, "+86 139-0735-1234");
  p1.set_occupation("销售");
  cf.AddVersion(Rental("r1", kT0, "国庆小区3栋2单元502", {P("张伟", kIdA, ""), p1}));
  auto p2 = P("李 娜", "", "");
  p2.set_workplace("国庆北路便利店");
  cf.AddVersion(Rental("r2", kT0 + kDay, "国庆小区3栋2单元601", {p2}));
  cf.SetEntityOf([](const std::string& m) {
    if (m == "r1/occupants[1]" || m == "r2/occupants[0]") return std::string("P-lina");
    return std::string();
  });
  auto v = cf.Build();
  REQUIRE(v.persons.count("P-lina"));
  REQUIRE(v.persons.count("m:r1/occupants[0]"));
  const c::PersonCase& p = v.persons.at("P-lina");
  CHECK(p.mentions == std::vector<std::string>{"r1/occupants[1]", "r2/occupants[0]"});
  const c::Field* phone = FieldOf(p.fields, "phone");
  REQUIRE(phone);
  CHECK(phone->value == "+8613907351234");
  CHECK(phone->source.path == "occupants[1].phone");
  CHECK(phone->source.record_id == "r1");
  CHECK(FieldOf(p.fields, "name")->value == "李 娜");
  CHECK(FieldOf(p.fields, "name")->source.record_id == "r2");
  CHECK(FieldOf(p.fields, "id_number")->value == kIdB);
  CHECK(FieldOf(p.fields, "workplace")->source.path == "occupants[0].workplace");
  CHECK(FieldOf(p.fields, "occupation")->value == "销售");
  CHECK(FieldOf(At(v, k502).fields, "unit_status")->value == "checked");
  CHECK(FieldOf(At(v, k502).fields, "address")->source.record_id == "r1");
  REQUIRE(v.visits.size() == 2);
  CHECK(v.visits[1].persons == std::vector<std::string>{"P-lina"});
  CHECK_FALSE(p.suspect());
}

TEST_CASE("casefile: suspects from den occupants and dispositions") {
  c::CaseFile cf(Options());
  Record r = Rental("r1", kT0, "国庆小区3栋2单元502",
                    {P("张伟", kIdA, "13907351234"), P("李娜", kIdB, "", false)}, {"simbox_goip"});
  auto* rc = r.mutable_rental_check();
  *rc->mutable_landlord() = P("廖建国", kIdL, "13907351862");
  auto* d = rc->add_dispositions();
  d->set_code("detained");
  d->add_person_id_numbers(kIdA);
  d = rc->add_dispositions();
  d->set_code("admonished");  // nobody named: every occupant
  rc->add_dispositions()->set_code("registered_on_site");
  rc->add_dispositions()->set_code("sealed_door");
  cf.AddVersion(r);
  auto v = cf.Build();
  const auto& a = v.persons.at("m:r1/occupants[0]");
  const auto& b = v.persons.at("m:r1/occupants[1]");
  const auto& l = v.persons.at("m:r1/landlord");
  CHECK(a.involvement == "den_occupant");
  CHECK(a.involvement_source.path == "occupants[0]");
  CHECK(b.involvement.empty());  // not present at the visit
  CHECK(l.involvement.empty());  // the landlord is linked, not a suspect by presence
  REQUIRE(a.dispositions.size() == 2);
  CHECK(a.dispositions[0].code == "detained");
  CHECK(a.dispositions[0].source.path == "dispositions[0]");
  CHECK(a.dispositions[1].code == "admonished");
  REQUIRE(b.dispositions.size() == 1);
  CHECK(b.suspect());
  CHECK_FALSE(l.suspect());
  std::vector<std::string> actions;
  for (const auto& f : At(v, k502).fields) {
    if (f.name == "actions") actions.push_back(f.value);
  }
  CHECK(actions == std::vector<std::string>{"registered_on_site", "sealed_door"});
  CHECK(HasProblem(v, "unknown disposition code 'sealed_door'"));

  SECTION("a person update sets involvement and adds dispositions") {
    sweep::v1::CaseUpdate u;
    u.set_person_id_number(kIdB);
    u.set_involvement("organiser");
    u.set_reason("供述");
    auto* dd = u.add_dispositions();
    dd->set_code("credit_punishment");
    cf.AddHubEdit(Edit(1, kT0 + kDay, u));
    v = cf.Build();
    const auto& b2 = v.persons.at("m:r1/occupants[1]");
    CHECK(b2.involvement == "organiser");
    CHECK(b2.involvement_source.record_id == "hub:1");
    CHECK(b2.dispositions.back().code == "credit_punishment");
    CHECK(b2.version == 1);
  }
}

TEST_CASE("casefile: companies, links and the graph") {
  c::CaseFile cf(Options());
  Record o;
  o.set_record_id("o1");
  o.set_version(1);
  o.set_officer_id("A1001");
  o.mutable_hlc()->set_wall_ms(kT0);
  auto* os = o.mutable_office_sweep();
  os->mutable_address()->set_raw("国庆小区3栋2单元601");
  os->set_company_name("郴州华信科技有限公司");
  os->set_credit_code("91431002MA4T7K2R7D");
  os->set_licence(sweep::v1::LICENCE_STATUS_MISMATCH);
  *os->add_persons() = P("张伟", kIdA, "13907351234");
  Record bad = o;
  bad.set_record_id("o2");
  bad.mutable_office_sweep()->set_credit_code("91431002MA4T7K2R7X");
  bad.mutable_office_sweep()->mutable_address()->set_raw("国庆小区3栋2单元701");
  auto tenant = P("张伟", kIdA, "13907351234");
  tenant.add_bank_cards("6222 0202 0011 2233");
  cf.AddVersion(o);
  cf.AddVersion(bad);
  cf.AddVersion(Rental("r1", kT0 + kDay, "国庆小区3栋2单元502", {tenant, P("李娜", kIdB, "")}));
  cf.SetEntityOf([](const std::string& m) {
    return m == "o1/persons[0]" || m == "r1/occupants[0]" ? std::string("P-zw") : std::string();
  });
  auto v = cf.Build();
  REQUIRE(v.companies.size() == 1);
  const c::Company& co = v.companies.at("91431002MA4T7K2R7D");
  CHECK(co.premises == std::vector<std::string>{k601});
  CHECK(FieldOf(co.fields, "licence")->value == "mismatch");
  CHECK(HasProblem(v, "record o2 credit_code"));
  CHECK(FieldOf(At(v, k601).fields, "company")->value == "郴州华信科技有限公司");

  std::set<std::string> roles;
  for (const auto& l : v.links) {
    if (l.a == "person:P-zw") roles.insert(l.role + ">" + l.b);
  }
  CHECK(roles == std::set<std::string>{"card>card:6222020200112233", "phone>phone:+8613907351234",
                                       "resident>premises:" + k502, "staff>premises:" + k601});
  const c::Link* phone = nullptr;
  for (const auto& l : v.links) {
    if (l.role == "phone" && l.a == "person:P-zw") phone = &l;
  }
  REQUIRE(phone);
  CHECK(phone->source.record_id == "o1");  // the earliest of the duplicates

  auto g = c::GraphAround(v, "premises:" + k502, 1);
  REQUIRE(g.ok());
  CHECK(g->nodes ==
        std::vector<std::string>{"person:P-zw", "person:m:r1/occupants[1]", "premises:" + k502});
  g = c::GraphAround(v, kIdB, 2);  // a bare ID number
  REQUIRE(g.ok());
  CHECK(std::count(g->nodes.begin(), g->nodes.end(), "person:P-zw") == 1);
  CHECK(std::count(g->nodes.begin(), g->nodes.end(), "premises:" + k601) == 0);  // 3 hops away
  g = c::GraphAround(v, "国庆小区3-2-502", 3, Options().address);                // an address
  REQUIRE(g.ok());
  CHECK(std::count(g->nodes.begin(), g->nodes.end(), "company:91431002MA4T7K2R7D") == 1);
  CHECK(g->links.size() == 7);
  g = c::GraphAround(v, "91431002MA4T7K2R7D", 0);
  REQUIRE(g.ok());
  CHECK(g->nodes == std::vector<std::string>{"company:91431002MA4T7K2R7D"});
  CHECK(g->links.empty());
  CHECK(c::GraphAround(v, "nobody", 1).status().code() == sweep::Code::kNotFound);
  CHECK(c::GraphAround(v, k502, -1).status().code() == sweep::Code::kInvalidArgument);
}

TEST_CASE("casefile: watchlist levels from dispositions and involvement") {
  c::CaseFile cf(Options());
  auto a = P("张伟", kIdA, "139 0735 1234");
  a.add_bank_cards("6222020200112233");
  Record r = Rental("r1", kT0, "国庆小区3栋2单元502", {a, P("李娜", kIdB, "13907355678")},
                    {"simbox_goip"});
  auto* d = r.mutable_rental_check()->add_dispositions();
  d->set_code("detained");
  d->add_person_id_numbers(kIdA);
  d = r.mutable_rental_check()->add_dispositions();
  d->set_code("admonished");
  d->add_person_id_numbers(kIdA);
  cf.AddVersion(r);
  cf.AddVersion(Rental("r2", kT0, "国庆小区3栋2单元601", {P("王芳", "", "13907359999")}));
  auto v = cf.Build();
  auto items = c::WatchlistOf(v, Options());
  std::map<std::string, c::WatchItem> by;
  for (const auto& i : items) by[i.kind + ":" + i.value] = i;
  CHECK(items.size() == 5);  // A: id, phone, card; B: id, phone; 王芳 is no suspect
  REQUIRE(by.count("id:" + kIdA));
  CHECK(by["id:" + kIdA].level == "alert");
  CHECK(by["id:" + kIdA].note == "涉案人员：刑事拘留、教育训诫");
  CHECK(by["phone:+8613907351234"].level == "alert");
  CHECK(by["card:6222020200112233"].entity == "m:r1/occupants[0]");
  CHECK(by["id:" + kIdB].level == "notice");
  CHECK(by["id:" + kIdB].note == "涉案人员：窝点人员");
  for (const auto& i : items) {
    auto n = sweep::sync::NormalizeWatchValue(i.kind, i.value);
    REQUIRE(n.ok());
    CHECK(*n == i.value);
  }
  CHECK(std::is_sorted(items.begin(), items.end(), [](const auto& x, const auto& y) {
    return std::tie(x.kind, x.value) < std::tie(y.kind, y.value);
  }));
}

TEST_CASE("casefile: CheckEdit refuses what cannot apply, in words") {
  c::CaseFile cf(Options());
  cf.AddVersion(Rental("r1", kT0, "国庆小区3栋2单元502", {P("张伟", kIdA, "")}, {"scripts"}));
  auto v = cf.Build();
  auto o = Options();
  CHECK(c::CheckEdit(v, o, DenUpdate("国庆小区3栋2单元502", 0, "raided")).ok());
  auto check = [&](const sweep::v1::CaseUpdate& u, sweep::Code code, const std::string& part) {
    sweep::Status s = c::CheckEdit(v, o, u);
    INFO(s.ToString());
    CHECK(s.code() == code);
    CHECK(s.message().find(part) != std::string::npos);
  };
  auto u = DenUpdate("国庆小区3栋2单元502", 0, "raided");
  u.set_reason("  ");
  check(u, sweep::Code::kInvalidArgument, "reason");
  check(DenUpdate("国庆小区3栋2单元502", 0, "suspected"), sweep::Code::kInvalidArgument,
        "allowed: investigating, raided, cleared");
  check(DenUpdate("国庆小区3栋2单元999", 0, "raided"), sweep::Code::kNotFound,
        "no visited premises");
  check(DenUpdate("国庆小区3栋2单元502", 4, "raided"), sweep::Code::kInvalidArgument, "ahead");
  check(DenUpdate("国庆小区3栋2单元502", 0, "gone"), sweep::Code::kInvalidArgument,
        "unknown den status");
  sweep::v1::CaseUpdate p;
  p.set_person_id_number(kIdA);
  p.set_reason("供述");
  check(p, sweep::Code::kInvalidArgument, "nothing to change");
  p.add_dispositions()->set_code("registered_on_site");
  check(p, sweep::Code::kInvalidArgument, "scope premises");
  p.mutable_dispositions(0)->set_code("whipped");
  check(p, sweep::Code::kInvalidArgument, "unknown disposition code 'whipped'");
  p.mutable_dispositions(0)->set_code("detained");
  CHECK(c::CheckEdit(v, o, p).ok());
  p.set_person_id_number(kIdB);
  check(p, sweep::Code::kNotFound, "no recorded person");
  p.set_person_entity("m:r1/occupants[0]");
  p.clear_person_id_number();
  CHECK(c::CheckEdit(v, o, p).ok());
  p.mutable_address()->set_raw("国庆小区3栋2单元502");
  check(p, sweep::Code::kInvalidArgument, "not both");
}

TEST_CASE("casefile: the same view whatever the order of versions and edits") {
  std::vector<Record> records;
  records.push_back(
      Rental("r1", kT0, "国庆小区3栋2单元502", {P("张伟", kIdA, "13907351234")}, {"simbox_goip"}));
  records.push_back(Rental("r1", kT0, "国庆小区3栋2单元502",
                           {P("张伟", kIdA, "13907351234"), P("李娜", kIdB, "")},
                           {"simbox_goip", "scripts"}, 2));
  records.push_back(Rental("r2", kT0 + kDay, "国庆小区3-2-601", {P("张 伟", "", "13907351234")}));
  records.push_back(Rental("r3", kT0 + kDay, "国庆小区3栋2单元601", {}, {"cash_short_rent"}));
  records.push_back(Rental("r4", kT0, "nowhere at all", {P("赵六", "", "")}));
  records.push_back(
      Update("u1", "dev-a", kT0 + 2 * kDay, DenUpdate("国庆小区3栋2单元502", 0, "investigating")));
  records.push_back(
      Update("u2", "dev-b", kT0 + 2 * kDay, DenUpdate("国庆小区3栋2单元502", 0, "raided")));
  records.push_back(
      Update("u3", "dev-b", kT0 + 3 * kDay, DenUpdate("国庆小区3栋2单元601", 0, "raided")));
  std::vector<c::HubEdit> edits = {
      Edit(1, kT0 + 4 * kDay, DenUpdate("国庆小区3栋2单元502", 1, "cleared")),
      Edit(2, kT0 + 4 * kDay, DenUpdate("国庆小区3栋2单元601", 0, "suspected"))};
  auto entity = [](const std::string& m) {
    return m.rfind("r2/", 0) == 0 || m == "r1/occupants[0]" ? std::string("P-zw") : std::string();
  };
  auto build = [&](const std::vector<size_t>& order, bool edits_first) {
    c::CaseFile cf(Options());
    cf.SetEntityOf(entity);
    if (edits_first) {
      for (auto it = edits.rbegin(); it != edits.rend(); ++it) cf.AddHubEdit(*it);
    }
    for (size_t i : order) cf.AddVersion(records[i]);
    if (!edits_first) {
      for (const auto& e : edits) cf.AddHubEdit(e);
    }
    return Dump(cf.Build());
  };
  std::vector<size_t> order(records.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const std::string reference = build(order, false);
  CHECK(reference.find("X premises:" + k502 + " den_status 0 1") != std::string::npos);
  CHECK(reference.find("nowhere at all") != std::string::npos);  // unresolved: a problem line
  std::mt19937_64 rng(Seed());
  for (int round = 0; round < 30; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    INFO("round " << round);
    REQUIRE(build(order, round % 2 == 1) == reference);
  }
}
