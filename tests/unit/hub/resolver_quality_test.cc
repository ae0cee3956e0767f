// Ground-truth quality of person resolution on simulated station data with
// noise, one error per noisy mention or several (hard noise) (issue 5): pairwise precision ≥ 0.99,
// recall ≥ 0.98, and not one entity holding two different valid ID numbers. Also: the incremental
// result over the day's batches equals a rebuild.
#include <catch2/catch.hpp>
#include <iostream>
#include <map>
#include <set>

#include "sweep/hub/resolver.h"
#include "sweep/hub/simulate.h"
#include "sweep/schema/identifiers.h"

namespace r = sweep::hub::resolve;
namespace sim = sweep::hub::sim;

namespace {

struct Quality {
  double precision = 0, recall = 0;
  size_t true_pairs = 0, found_pairs = 0, right_pairs = 0, id_conflicts = 0;
};

uint64_t Pairs(uint64_t n) { return n * (n - 1) / 2; }

// Mentions of the station in recording order, with the true person of each.
std::vector<r::PersonMention> MentionsOfStation(const sim::Station& st,
                                                std::map<std::string, std::string>* truth) {
  for (const auto& t : st.truth) (*truth)[t.record_id + "/" + t.path] = t.person_id;
  std::vector<r::PersonMention> out;
  const sweep::schema::AddressContext ctx{st.options.district};
  for (const auto& rec : st.records) {
    for (auto& m : r::MentionsOf(rec, ctx)) {
      m.ordinal = out.size() + 1;
      out.push_back(std::move(m));
    }
  }
  return out;
}

Quality Measure(const r::Resolver& res, const std::map<std::string, std::string>& truth) {
  Quality q;
  std::map<std::string, uint64_t> per_person;
  for (const auto& [mention, person] : truth) ++per_person[person];
  for (const auto& [person, n] : per_person) q.true_pairs += Pairs(n);
  for (const r::Entity& e : res.Entities()) {
    q.found_pairs += Pairs(e.mentions.size());
    std::map<std::string, uint64_t> cell;
    for (const std::string& m : e.mentions) ++cell[truth.at(m)];
    for (const auto& [person, n] : cell) q.right_pairs += Pairs(n);
  }
  q.precision = q.found_pairs ? double(q.right_pairs) / double(q.found_pairs) : 1.0;
  q.recall = q.true_pairs ? double(q.right_pairs) / double(q.true_pairs) : 1.0;
  return q;
}

// Entities holding two different valid ID numbers (must be none).
size_t IdConflicts(const r::Resolver& res, const std::vector<r::PersonMention>& mentions) {
  std::map<std::string, std::string> id_of;
  for (const auto& m : mentions) {
    const auto v = sweep::schema::CheckResidentId(m.id_number);
    if (!m.id_number.empty() && v.ok()) id_of[m.mention_id] = v.normalized;
  }
  size_t conflicts = 0;
  for (const r::Entity& e : res.Entities()) {
    std::set<std::string> ids;
    for (const auto& m : e.mentions) {
      auto it = id_of.find(m);
      if (it != id_of.end()) ids.insert(it->second);
    }
    conflicts += ids.size() > 1;
  }
  return conflicts;
}

void CheckQuality(const sim::Options& o) {
  auto st = sim::Simulate(o);
  REQUIRE(st.ok());
  std::map<std::string, std::string> truth;
  const auto mentions = MentionsOfStation(*st, &truth);
  REQUIRE(mentions.size() == truth.size());

  r::Resolver res;
  REQUIRE(res.Upsert(mentions).ok());
  res.Resolve();
  const Quality q = Measure(res, truth);
  std::cout << "resolver quality: " << mentions.size() << " mentions, noise " << o.noise
            << (o.hard_noise ? " hard" : "") << ": precision " << q.precision << " recall "
            << q.recall << " (true pairs " << q.true_pairs << ", found " << q.found_pairs
            << ", right " << q.right_pairs << "), review queue " << res.ReviewQueue().size()
            << "\n";
  CHECK(q.precision >= 0.99);
  CHECK(q.recall >= 0.98);
  CHECK(IdConflicts(res, mentions) == 0);
}

}  // namespace

TEST_CASE("resolver quality: precision, recall and no ID conflicts on noisy simulated data") {
  sim::Options o;
  o.seed = 7;
  o.noise = GENERATE(0.25, 0.6);
  o.target_mentions = o.noise < 0.5 ? 15000 : 8000;
  CheckQuality(o);
}

// Hard noise: every noisy mention has a wrong name AND a wrong or missing ID
// AND a wrong or missing phone (a third also a wrong birth date).
TEST_CASE("resolver quality: the same bar at hard noise (several errors per mention)") {
  sim::Options o;
  o.seed = GENERATE(7, 13);
  o.noise = 0.3;
  o.hard_noise = true;
  o.target_mentions = 15000;
  CheckQuality(o);
}

TEST_CASE("resolver quality: the day's batches resolved incrementally equal a rebuild") {
  sim::Options o;
  o.seed = 11;
  o.noise = 0.3;
  o.target_mentions = 4000;
  auto st = sim::Simulate(o);
  REQUIRE(st.ok());
  std::map<std::string, std::string> truth;
  const auto mentions = MentionsOfStation(*st, &truth);
  r::Resolver res;
  for (size_t i = 0; i < mentions.size();) {  // batches of whole records, like syncs
    std::vector<r::PersonMention> batch;
    const size_t end = std::min(mentions.size(), i + 97 + i % 211);
    while (i < mentions.size() &&
           (i < end || (!batch.empty() && mentions[i].record_id == batch.back().record_id))) {
      batch.push_back(mentions[i++]);
    }
    REQUIRE(res.Upsert(batch).ok());
    res.Resolve();
  }
  auto rebuilt = r::Resolver::Rebuild(res.Export());
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->Entities() == res.Entities());
  CHECK(rebuilt->ReviewQueue() == res.ReviewQueue());
  CHECK(IdConflicts(res, mentions) == 0);
}
