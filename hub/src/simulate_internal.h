// Private parts of the station simulator (sweep/hub/simulate.h): the
// deterministic random helpers and the world it builds before the visits.
// One file per concern: simulate_people.cc (names, ID numbers, phones),
// simulate_buildings.cc (communities, estates, buildings, address
// spellings), simulate_noise.cc (how officers mistype), simulate_visits.cc
// (households, dens, the officers' days), simulate_writer.cc (files).
// Thread-compatible; nothing here keeps global mutable state.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sweep/hub/simulate.h"

namespace sweep::hub::sim::internal {

// std::mt19937_64 is specified bit for bit; the standard distributions are
// not, so every draw goes through these helpers (same output everywhere).
using Rng = std::mt19937_64;
inline uint64_t Below(Rng& rng, uint64_t n) { return n == 0 ? 0 : rng() % n; }
inline int Between(Rng& rng, int lo, int hi) {  // inclusive; lo when hi < lo
  if (hi <= lo) return lo;
  return lo + static_cast<int>(Below(rng, static_cast<uint64_t>(hi - lo + 1)));
}
inline double Unit(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
inline bool Chance(Rng& rng, double p) { return Unit(rng) < p; }
template <typename T>
const T& Pick(Rng& rng, const std::vector<T>& v) {
  return v[Below(rng, v.size())];
}

// ---- people (simulate_people.cc)

struct Region {
  std::string code;  // 6-digit district code
  std::string name;  // "湖南省郴州市北湖区"
};

// Real district-level region codes: the station's province, and others.
struct RegionPools {
  std::vector<Region> home_city;                     // districts of the station's city
  std::vector<Region> home_province;                 // districts of the station's province
  std::vector<std::vector<Region>> other_provinces;  // per province, its districts
};
RegionPools LoadRegions(const std::string& district);

struct Human {
  std::string name;
  std::string id_number;  // 18 characters, valid
  std::string phone;      // 11 digits
  bool male = false;
  int birth_year = 0, birth_month = 0, birth_day = 0;
  std::string origin;  // region name of the ID
  std::string occupation;
  std::string role;  // "resident", "landlord", "worker", "staff"
  bool suspect = false;
};

class PeopleFactory {
 public:
  explicit PeopleFactory(const std::string& district);
  // A person born in [year_lo, year_hi] from `region` (null: home-weighted).
  Human Make(Rng& rng, int year_lo, int year_hi, const Region* region, const char* surname);
  Human MakeWithSex(Rng& rng, int year_lo, int year_hi, const Region* region, const char* surname,
                    bool male);
  const RegionPools& regions() const { return regions_; }
  std::string Phone(Rng& rng);
  std::string Surname(Rng& rng) const;

 private:
  std::string IdNumber(Rng& rng, const Region& region, const Human& h);
  RegionPools regions_;
  std::unordered_set<std::string> issued_;  // membership only: never iterated
};

std::string CheckCharOf(std::string_view first17);  // GB 11643 check character
std::string BirthDate(const Human& h);              // YYYY-MM-DD
std::string CreditCode(Rng& rng, const std::string& region6);

// ---- buildings (simulate_buildings.cc)

struct SimBuilding {
  BuildingSpec spec;
  std::string community_code;  // 12 digits
  std::string street_name, community_name;
  std::string place;     // estate or road and number, or the office building's name
  std::string building;  // "3", or "" for a single-building place
  std::vector<std::string> unit_keys;
};

struct SimUnit {
  int building = 0;
  std::string key;  // register unit key: "2-502" or "502"
  int stairwell = 0, floor = 0, room = 0;
};

// Communities of `district` (real), their estates and buildings. Fails when
// the district is unknown or has too few communities.
Status MakeBuildings(Rng& rng, Options& options, std::vector<SimBuilding>* buildings,
                     std::vector<std::pair<std::string, std::string>>* communities);
SimUnit UnitOf(const SimBuilding& b, size_t index);
// ("郴州市", "北湖区") for a district code; the city is "" under 市辖区.
std::pair<std::string, std::string> CityAndDistrict(const std::string& district);
// Spellings of one unit an officer might type; all normalise to one key.
std::string SpellUnit(Rng& rng, const SimBuilding& b, const SimUnit& u, const std::string& city,
                      const std::string& district_name);
std::vector<std::string> AllSpellings(const SimBuilding& b, const SimUnit& u,
                                      const std::string& city, const std::string& district_name);

// ---- noise (simulate_noise.cc)

// Fills `out` with how an officer typed `h`; returns the noise code ("" none;
// with `hard`, several codes joined by '+').
std::string TypePerson(Rng& rng, const Human& h, double noise, bool hard, bool allow_missing_id,
                       v1::Person* out);

// ---- the world and its days (simulate_world.cc, simulate_visits.cc)

enum class Use { kOwner, kRental, kVacant, kOffice, kEmptyOffice };

struct Company {
  std::string name, credit_code, registered_business, actual_business;
  int legal_rep = -1;
  std::vector<int> staff;
  uint32_t staff_registered = 0;
  bool den = false;
};

struct UnitState {
  int building = 0;
  uint32_t index = 0;  // into the building's unit_keys
  Use use = Use::kVacant;
  int landlord = -1;
  std::vector<int> occupants;             // person indexes, living there now
  std::vector<int> moved_in_day;          // parallel to occupants (negative: before day 0)
  std::vector<std::pair<int, int>> left;  // (person, day) who left since the last check
  bool registered = true;                 // rental registered at the station
  int den = -1;                           // index into World::dens
  bool raided = false;
  int company = -1;
  int last_visit = -1000;
};

struct World {
  Options options;
  std::string city, district_name;
  std::vector<SimBuilding> buildings;
  std::vector<std::pair<std::string, std::string>> communities;  // (code, name)
  std::vector<UnitState> units;
  std::vector<Human> people;
  std::vector<Company> companies;
  std::vector<int> dens;    // unit indexes
  std::vector<int> movers;  // people who left a unit and may rent another
};

// Buildings, units, households, landlords, companies and dens.
Status MakeWorld(Rng& rng, PeopleFactory& factory, World* world);
// A day of tenants leaving and arriving.
void Turnover(Rng& rng, PeopleFactory& factory, int day, World* world);
// A new tenant household for an empty rental unit (movers first).
void LetUnit(Rng& rng, PeopleFactory& factory, int day, World* world, UnitState* unit);

}  // namespace sweep::hub::sim::internal
