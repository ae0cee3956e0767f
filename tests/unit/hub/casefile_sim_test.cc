// The case-file engine (sweep/hub/casefile.h, docs/cases.md) on simulated
// stations (sweep/hub/simulate.h): every planted den becomes a suspected
// premises, and nothing else does; and the build time at scale (hidden).
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <iostream>
#include <string>
#include <unordered_map>

#include "sweep/hub/casefile.h"
#include "sweep/hub/simulate.h"
#include "sweep/schema/address.h"

namespace c = sweep::hub::cases;
using sweep::v1::Record;

TEST_CASE("casefile: every planted den of a simulated station becomes suspected") {
  sweep::hub::sim::Options so;
  so.seed = 11;
  so.communities = 3;
  so.buildings_per_community = 6;
  so.days = 30;
  so.den_share = 0.03;
  auto st = sweep::hub::sim::Simulate(so);
  REQUIRE(st.ok());
  c::CaseOptions o;
  o.address.default_division = st->options.district;
  c::CaseFile cf(o);
  for (const auto& r : st->records) cf.AddVersion(r);
  const auto start = std::chrono::steady_clock::now();
  auto v = cf.Build();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << "casefile: " << st->records.size() << " simulated records built in " << ms
            << " ms\n";
  REQUIRE(st->dens.size() >= 2);
  size_t suspects = 0;
  for (const auto& [e, p] : v.persons) suspects += p.suspect() ? 1 : 0;
  CHECK(suspects > 0);
  for (const auto& d : st->dens) {
    auto key = sweep::schema::NormalizeAddress(d.unit_address, o.address).normalized_key();
    INFO(d.unit_address << " " << d.kind);
    auto it = v.premises.find(key);
    REQUIRE(it != v.premises.end());
    CHECK(it->second.status == c::DenStatus::kSuspected);
  }
  size_t dens = 0;
  for (const auto& [k, p] : v.premises) dens += p.status != c::DenStatus::kNone ? 1 : 0;
  CHECK(dens == st->dens.size());  // and no other premises
}

// Not run by default: `hub_tests "[.casefile_timing]"`; SWEEP_CASEFILE_MENTIONS
// sets the size (default 1 000 000 person mentions).
TEST_CASE("casefile: build time on a large simulated station", "[.casefile_timing]") {
  const char* env = std::getenv("SWEEP_CASEFILE_MENTIONS");
  sweep::hub::sim::Options so;
  so.target_mentions = env ? std::strtoull(env, nullptr, 10) : 1000000;
  c::CaseOptions o;
  o.address.default_division = so.district;
  c::CaseFile cf(o);
  size_t records = 0;
  // The true person of each mention stands in for the merge's entities.
  std::unordered_map<std::string, std::string> entity;
  auto t0 = std::chrono::steady_clock::now();
  auto st = sweep::hub::sim::Simulate(so, {},
                                      [&](const std::vector<Record>& batch,
                                          const std::vector<sweep::hub::sim::MentionTruth>& truth) {
                                        for (const auto& r : batch) cf.AddVersion(r);
                                        for (const auto& t : truth)
                                          entity[t.record_id + "/" + t.path] = t.person_id;
                                        records += batch.size();
                                        return sweep::Status::Ok();
                                      });
  cf.SetEntityOf([&](const std::string& m) {
    auto it = entity.find(m);
    return it == entity.end() ? std::string() : it->second;
  });
  REQUIRE(st.ok());
  auto t1 = std::chrono::steady_clock::now();
  const std::clock_t cpu1 = std::clock();
  auto v = cf.Build();
  const std::clock_t cpu2 = std::clock();
  auto t2 = std::chrono::steady_clock::now();
  {
    auto v2 = cf.Build();
    CHECK(v2.visits.size() == v.visits.size());
  }
  auto t3 = std::chrono::steady_clock::now();
  size_t mentions = 0;
  for (const auto& visit : v.visits) mentions += visit.persons.size();
  auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::cout << "casefile timing: " << records << " records, " << mentions << " mentions, "
            << v.persons.size() << " persons, " << v.premises.size() << " premises, "
            << v.links.size() << " links; simulate+AddVersion " << s(t1 - t0) << " s, Build "
            << s(t2 - t1) << " s (CPU " << double(cpu2 - cpu1) / CLOCKS_PER_SEC << " s), again (with freeing a view) " << s(t3 - t2) << " s\n";
  std::cout << "{\"name\":\"casefile_build_s\",\"value\":" << s(t2 - t1) << ",\"unit\":\"s\"}\n";
  for (const auto& d : st->dens) {
    auto key = sweep::schema::NormalizeAddress(d.unit_address, o.address).normalized_key();
    auto it = v.premises.find(key);
    if (it != v.premises.end()) CHECK(it->second.status == c::DenStatus::kSuspected);
  }
}
