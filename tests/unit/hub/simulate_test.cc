// The station simulator (sweep/hub/simulate.h): byte-identical output for
// the same options, valid IDs and phones, addresses that the real
// normaliser maps to one registered unit whatever the spelling, truth for
// every person mention, dens with their indicators, people sharing a name,
// the noise share and its meaning, and files the real importers accept.
#include "sweep/hub/simulate.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "../../../hub/src/simulate_internal.h"  // the spellings of every unit
#include "ledger_fixture.h"
#include "sweep/schema/address.h"
#include "sweep/schema/identifiers.h"
#include "sweep/schema/record_json.h"

using namespace sweep;
using namespace sweep::hub;
using namespace sweep::testing;
namespace internal = sweep::hub::sim::internal;

namespace {

sim::Options Small(uint64_t seed = 7) {
  sim::Options o;
  o.seed = seed;
  o.communities = 3;
  o.buildings_per_community = 6;
  o.days = 12;
  o.den_share = 0.02;
  return o;
}

const sim::Station& SmallStation() {
  static const sim::Station station = [] {
    auto s = sim::Simulate(Small());
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    return std::move(s).value();
  }();
  return station;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files[e.path().filename().string()] = ReadAll(e.path());
  }
  return files;
}

// (record_id, path) → the Person of every person mention in the records.
std::map<std::pair<std::string, std::string>, const v1::Person*> Mentions(const sim::Station& s) {
  std::map<std::pair<std::string, std::string>, const v1::Person*> out;
  for (const auto& r : s.records) {
    if (r.has_rental_check()) {
      const auto& rc = r.rental_check();
      if (rc.has_landlord()) out[{r.record_id(), "landlord"}] = &rc.landlord();
      for (int i = 0; i < rc.occupants_size(); ++i) {
        out[{r.record_id(), "occupants[" + std::to_string(i) + "]"}] = &rc.occupants(i);
      }
    } else {
      for (int i = 0; i < r.office_sweep().persons_size(); ++i) {
        out[{r.record_id(), "persons[" + std::to_string(i) + "]"}] = &r.office_sweep().persons(i);
      }
    }
  }
  return out;
}

const v1::Address& AddressOf(const v1::Record& r) {
  return r.has_rental_check() ? r.rental_check().address() : r.office_sweep().address();
}

}  // namespace

TEST_CASE("simulate: the same options give byte-identical files, another seed others") {
  TempDir dir;
  for (const char* sub : {"a", "b"}) {
    auto s = sim::Simulate(Small());
    REQUIRE(s.ok());
    REQUIRE(sim::WriteStation(*s, dir.Sub(sub)).ok());
  }
  {  // streamed day by day through a StationWriter: the same bytes
    auto writer = sim::StationWriter::Open(dir.Sub("s"));
    REQUIRE(writer.ok());
    size_t batches = 0;
    auto s = sim::Simulate(Small(), nullptr, [&](const auto& records, const auto& truth) {
      ++batches;
      return (*writer)->Add(records, truth);
    });
    REQUIRE(s.ok());
    CHECK(s->records.empty());
    CHECK(batches == 12);
    REQUIRE((*writer)->Finish(*s).ok());
  }
  auto other = sim::Simulate(Small(8));
  REQUIRE(other.ok());
  REQUIRE(sim::WriteStation(*other, dir.Sub("c")).ok());
  auto a = Files(dir.Sub("a")), b = Files(dir.Sub("b")), c = Files(dir.Sub("c"));
  REQUIRE(a.size() >= 6);
  CHECK(a == b);
  CHECK(a == Files(dir.Sub("s")));
  CHECK(a["truth.jsonl"] != c["truth.jsonl"]);
  CHECK(a["buildings.jsonl"] != c["buildings.jsonl"]);
}

TEST_CASE("simulate: every person has a valid ID, phone, and one ID of their own") {
  const auto& s = SmallStation();
  REQUIRE(s.persons.size() > 500);
  std::set<std::string> ids;
  std::set<std::string> regions;
  for (const auto& p : s.persons) {
    auto v = schema::CheckResidentId(p.id_number);
    INFO(p.person_id << " " << p.id_number << " " << v.reason);
    CHECK(v.code == "ok");
    CHECK(ids.insert(p.id_number).second);
    auto info = schema::DescribeResidentId(p.id_number);
    CHECK_FALSE(info.region_name.empty());
    regions.insert(info.region_code.substr(0, 2));
    auto ph = schema::CheckPhone(p.phone);
    INFO(p.phone << " " << ph.reason);
    CHECK(ph.code == "ok");
  }
  CHECK(regions.count("43") == 1);  // most from the station's province (湖南)
  CHECK(regions.size() >= 4);       // and some from elsewhere
}

TEST_CASE("simulate: people who share a name (重名) are different people") {
  std::map<std::string, std::set<std::string>> ids_by_name;
  for (const auto& p : SmallStation().persons) ids_by_name[p.name].insert(p.id_number);
  size_t shared = 0;
  for (const auto& [name, ids] : ids_by_name) shared += ids.size() > 1 ? 1 : 0;
  CHECK(shared >= 5);
}

TEST_CASE("simulate: the truth covers every person mention exactly once") {
  const auto& s = SmallStation();
  auto mentions = Mentions(s);
  REQUIRE(mentions.size() > 1500);
  std::set<std::pair<std::string, std::string>> seen;
  std::map<std::string, const sim::TruePerson*> persons;
  for (const auto& p : s.persons) persons[p.person_id] = &p;
  for (const auto& t : s.truth) {
    INFO(t.record_id << " " << t.path);
    CHECK(seen.insert({t.record_id, t.path}).second);
    CHECK(mentions.count({t.record_id, t.path}) == 1);
    CHECK(persons.count(t.person_id) == 1);
  }
  CHECK(seen.size() == mentions.size());
}

TEST_CASE("simulate: noise is what the truth says, in the share asked for") {
  sim::Options o = Small(11);
  o.noise = 0.3;
  auto s = sim::Simulate(o);
  REQUIRE(s.ok());
  auto mentions = Mentions(*s);
  std::map<std::string, const sim::TruePerson*> persons;
  for (const auto& p : s->persons) persons[p.person_id] = &p;
  size_t plain = 0, noisy = 0;
  std::set<std::string> kinds;
  for (const auto& t : s->truth) {
    const v1::Person& m = *mentions.at({t.record_id, t.path});
    const sim::TruePerson& p = *persons.at(t.person_id);
    INFO(t.noise << ": " << m.name() << " " << m.id_number() << " " << m.phone() << " vs " << p.name
                 << " " << p.id_number << " " << p.phone);
    kinds.insert(t.noise);
    if (!p.suspect) ++(t.noise.empty() ? plain : noisy);
    const std::string phone = schema::CheckPhone(m.phone()).normalized;
    if (t.noise.empty()) {
      CHECK((m.name() == p.name && m.id_number() == p.id_number && phone == p.phone));
    } else if (t.noise == "homophone" || t.noise == "typo") {
      CHECK((m.name() != p.name && m.name().size() == p.name.size()));
      CHECK(m.id_number() == p.id_number);
    } else if (t.noise == "id15") {
      CHECK(m.id_number().size() == 15);
      CHECK(schema::CheckResidentId(m.id_number()).normalized == p.id_number);
    } else if (t.noise == "no_id" || t.noise == "den_no_id") {
      CHECK(m.id_number().empty());
    } else if (t.noise == "id_swapped_digits") {
      CHECK_FALSE(schema::CheckResidentId(m.id_number()).ok());
    } else if (t.noise == "phone_format") {
      CHECK((m.phone() != p.phone.substr(3) && phone == p.phone));
    } else if (t.noise == "phone_swapped_digits") {
      CHECK((m.phone().size() == 11 && "+86" + m.phone() != p.phone));
    } else if (t.noise == "no_phone") {
      CHECK(m.phone().empty());
    }
  }
  double share = static_cast<double>(noisy) / static_cast<double>(plain + noisy);
  INFO("share " << share);
  CHECK(share > 0.27);
  CHECK(share < 0.33);
  for (const char* k : {"homophone", "typo", "id15", "no_id", "id_swapped_digits", "phone_format",
                        "no_phone", "phone_swapped_digits", "name_space"}) {
    INFO(k);
    CHECK(kinds.count(k) == 1);
  }
}

TEST_CASE("simulate: every spelling of every unit normalises to its registered key") {
  sim::Options o = Small(3);
  internal::Rng rng(o.seed);
  std::vector<internal::SimBuilding> buildings;
  std::vector<std::pair<std::string, std::string>> communities;
  REQUIRE(internal::MakeBuildings(rng, o, &buildings, &communities).ok());
  auto [city, district] = internal::CityAndDistrict(o.district);
  schema::AddressContext ctx{o.district};
  size_t checked = 0;
  std::set<std::string> types;
  for (const auto& b : buildings) {
    types.insert(b.spec.type);
    v1::Address reg = schema::NormalizeAddress(b.spec.address, ctx);
    INFO(b.spec.address << " " << reg.unresolved_reason());
    REQUIRE_FALSE(reg.normalized_key().empty());
    CHECK(reg.division_code() == b.community_code);
    for (size_t i = 0; i < b.unit_keys.size(); ++i) {
      internal::SimUnit u = internal::UnitOf(b, i);
      for (const auto& spelling : internal::AllSpellings(b, u, city, district)) {
        v1::Address a = schema::NormalizeAddress(spelling, ctx);
        INFO(spelling << " → " << a.normalized_key() << " " << a.unresolved_reason());
        CHECK(schema::BuildingKeyOf(a) == schema::BuildingKeyOf(reg));
        CHECK(schema::UnitKeyOf(a) == u.key);
        ++checked;
      }
    }
  }
  CHECK(checked > 5000);
  CHECK(types == std::set<std::string>{"mixed", "office", "residential"});
}

TEST_CASE("simulate: visits are at registered units, dens carry their indicators") {
  const auto& s = SmallStation();
  schema::AddressContext ctx{s.options.district};
  std::map<std::string, std::set<std::string>> units;  // building key → unit keys
  for (const auto& b : s.buildings) {
    auto& set = units[schema::BuildingKeyOf(schema::NormalizeAddress(b.address, ctx))];
    for (int w = 1; w <= b.stairwells; ++w)
      for (int f = 1; f <= b.floors; ++f)
        for (int i = 1; i <= b.units_per_floor; ++i)
          set.insert((b.stairwells > 1 ? std::to_string(w) + "-" : "") +
                     std::to_string(f * 100 + i));
  }
  std::map<std::string, std::set<std::string>> spellings;  // key → raw texts
  std::set<std::string> den_keys, raided;
  for (const auto& d : s.dens) {
    den_keys.insert(schema::NormalizeAddress(d.unit_address, ctx).normalized_key());
  }
  for (const auto& r : s.records) {
    v1::Address a = schema::NormalizeAddress(AddressOf(r).raw(), ctx);
    INFO(AddressOf(r).raw() << " " << a.unresolved_reason());
    REQUIRE_FALSE(a.normalized_key().empty());
    CHECK(units[schema::BuildingKeyOf(a)].count(schema::UnitKeyOf(a)) == 1);
    spellings[a.normalized_key()].insert(AddressOf(r).raw());
    bool indicators = r.has_rental_check() ? r.rental_check().indicators_size() > 0
                                           : r.office_sweep().findings_size() > 0;
    if (indicators) {
      CHECK(den_keys.count(a.normalized_key()) == 1);
      raided.insert(a.normalized_key());
      if (r.has_rental_check()) {
        std::set<std::string> codes;
        for (const auto& i : r.rental_check().indicators()) codes.insert(i.code());
        CHECK(codes.count("simbox_goip") == 1);
        CHECK(codes.count("many_sim_cards") == 1);
        CHECK(r.rental_check().dispositions_size() > 0);
      } else {
        CHECK(r.office_sweep().staff_present() > 2 * r.office_sweep().staff_registered());
        CHECK(r.office_sweep().findings(0).indicators(0).code() == "call_center_layout");
      }
    }
  }
  CHECK(raided.size() >= 2);
  size_t varied = 0;
  for (const auto& [key, raws] : spellings) varied += raws.size() >= 2 ? 1 : 0;
  CHECK(varied >= 20);
}

TEST_CASE("simulate: the files import and parse with the real readers") {
  const auto& s = SmallStation();
  TempDir dir;
  REQUIRE(sim::WriteStation(s, dir.Sub("out")).ok());
  FakeEnv env;
  auto store = OpenHubStore(dir.Sub("hub.db"));
  RegisterService reg(store.get(), &env);
  SetDefaultDivision(&reg, s.options.district);
  ImportReport report;
  Status st =
      reg.ImportFile(dir.Sub("out/buildings.jsonl"), RegisterFormat::kAuto, "", nullptr, &report);
  for (const auto& p : report.problems) INFO(p.line << ": " << p.reason);
  INFO(st.ToString());
  REQUIRE(st.ok());
  CHECK(report.added == s.buildings.size());
  size_t lines = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.Sub("out"))) {
    const std::string name = e.path().filename().string();
    if (name.rfind("records-", 0) != 0) continue;
    std::istringstream in(ReadAll(e.path()));
    for (std::string line; std::getline(in, line); ++lines) {
      auto rental = schema::ParseRentalCheckJson(line);
      auto office = schema::ParseOfficeSweepJson(line);
      INFO(name << ": " << rental.status().ToString() << " / " << office.status().ToString());
      CHECK((rental.ok() || office.ok()));
    }
  }
  CHECK(lines == s.records.size());
  std::istringstream truth(ReadAll(dir.Sub("out/truth.jsonl")));
  size_t truth_lines = 0;
  for (std::string line; std::getline(truth, line);) ++truth_lines;
  CHECK(truth_lines == s.truth.size() + s.dens.size() + s.persons.size());
}

TEST_CASE("simulate: the record checks find only the noise put there") {
  const auto& s = SmallStation();
  std::map<std::pair<std::string, std::string>, std::string> noise;
  for (const auto& t : s.truth) noise[{t.record_id, t.path}] = t.noise;
  size_t flagged = 0;
  for (const auto& r : s.records) {
    for (const auto& v : schema::ValidateRecord(r)) {
      const std::string path = v.field().substr(0, v.field().find('.'));
      const std::string n = noise.count({r.record_id(), path}) ? noise[{r.record_id(), path}] : "";
      INFO(v.field() << " " << v.code() << " " << v.message() << " noise " << n);
      if (v.severity() == v1::SEVERITY_ERROR || v.code() == "id_birth_mismatch" ||
          v.code() == "id_sex_mismatch") {
        CHECK(n == "id_swapped_digits");
        ++flagged;
      } else {
        CHECK(v.code() == "legacy_upgraded");
      }
    }
  }
  CHECK(flagged > 0);
}

TEST_CASE("simulate: bad options are refused with what to fix") {
  sim::Options o;
  o.district = "999999";
  auto s = sim::Simulate(o);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kInvalidArgument);
  CHECK(s.status().message().find("--district") != std::string::npos);
  o = sim::Options();
  o.communities = 100000;
  CHECK(sim::Simulate(o).status().code() == Code::kInvalidArgument);
  o = sim::Options();
  o.noise = 2;
  CHECK(sim::Simulate(o).status().code() == Code::kInvalidArgument);
}

// Not run by default: hub_tests "[.simulate-1m]" measures a million mentions.
TEST_CASE("simulate: a million person mentions, streamed", "[.simulate-1m]") {
  sim::Options o;
  o.target_mentions = 1000000;
  size_t mentions = 0, records = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto s = sim::Simulate(o, nullptr, [&](const auto& r, const auto& t) {
    records += r.size();
    mentions += t.size();
    return Status::Ok();
  });
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(s.ok());
  CHECK(mentions >= 1000000);
  std::ifstream status("/proc/self/status");
  std::string line, hwm;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM", 0) == 0) hwm = line;
  }
  std::cout << "simulate, streamed: " << mentions << " mentions, " << records << " records, "
            << s->persons.size() << " persons in " << secs << " s; " << hwm << "\n";
  t0 = std::chrono::steady_clock::now();
  auto kept = sim::Simulate(o);  // everything in memory, as the contract's first form
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(kept.ok());
  status = std::ifstream("/proc/self/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM", 0) == 0) hwm = line;
  }
  std::cout << "simulate, kept: " << kept->truth.size() << " mentions in " << secs << " s; " << hwm
            << "\n";
}
