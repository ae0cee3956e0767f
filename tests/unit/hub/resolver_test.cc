// Person resolution (hub/include/sweep/hub/resolver.h, docs/merge.md) on
// small hand-made cases, and incremental runs checked against a rebuild.
#include "sweep/hub/resolver.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>

namespace r = sweep::hub::resolve;

namespace {

// Decisions as a supervisor makes them (the other fields keep their defaults).
r::Decision Pair(r::DecisionKind kind, const std::string& a, const std::string& b) {
  r::Decision d;
  d.kind = kind;
  d.a = a;
  d.b = b;
  return d;
}
r::Decision SplitOff(const std::string& entity, std::vector<std::string> mentions) {
  r::Decision d;
  d.kind = r::DecisionKind::kSplit;
  d.entity_id = entity;
  d.mentions = std::move(mentions);
  return d;
}


// A valid GB 11643 number from region, birth date and sequence.
std::string Id18(const std::string& region, const std::string& yyyymmdd, const std::string& seq) {
  const std::string body = region + yyyymmdd + seq;
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return body + "10X98765432"[sum % 11];
}

struct M {
  std::string record, path, name, id, phone, birth, unit = "1-101", building = "431002|国庆小区|3";
  r::PersonMention Make() const {
    r::PersonMention m;
    m.record_id = record;
    m.mention_id = record + "/" + path;
    m.name = name;
    m.id_number = id;
    m.phone = phone;
    m.birth_date = birth;
    m.building_key = building;
    m.premises_key = building.empty() ? "" : building + "|" + unit;
    m.role = path == "landlord" ? "landlord" : "resident";
    return m;
  }
};

std::vector<r::PersonMention> Ms(std::initializer_list<M> list) {
  std::vector<r::PersonMention> out;
  for (const M& m : list) out.push_back(m.Make());
  return out;
}

std::string EntityOf(const r::Resolver& res, const std::string& mention) {
  auto e = res.EntityOf(mention);
  REQUIRE(e.has_value());
  return e->id;
}

uint64_t SeedFromEnv(uint64_t fallback) {
  const char* s = std::getenv("SWEEP_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : fallback;
}

}  // namespace

TEST_CASE("resolver: a 15-digit ID and its 18-digit form are one person") {
  const std::string id18 = Id18("431002", "19850312", "123");
  const std::string id15 = "431002" + std::string("850312") + "123";
  r::Resolver res;
  REQUIRE(res.Upsert(Ms({{"r1", "occupants[0]", "李明", id18, "", ""},
                         {"r2", "occupants[0]", "李 明", id15, "", "", "2-202"}}))
              .ok());
  res.Resolve();
  CHECK(EntityOf(res, "r1/occupants[0]") == EntityOf(res, "r2/occupants[0]"));
  auto ev = res.Explain("r1/occupants[0]", "r2/occupants[0]");
  REQUIRE(ev.ok());
  CHECK(ev->verdict == "same_id");
  CHECK(res.EntityOf("r1/occupants[0]")->id_number == id18);
}

TEST_CASE("resolver: +86 and spaces in a phone match the plain number") {
  r::Resolver res;
  REQUIRE(res.Upsert(Ms({{"r1", "occupants[0]", "赵小川", "", "+86 139 0735 1234", ""},
                         {"r2", "occupants[0]", "赵小川", "", "13907351234", "", "4-401"}}))
              .ok());
  res.Resolve();
  CHECK(EntityOf(res, "r1/occupants[0]") == EntityOf(res, "r2/occupants[0]"));
  auto ev = res.Explain("r1/occupants[0]", "r2/occupants[0]");
  REQUIRE(ev.ok());
  CHECK(ev->fields[2].field == "phone");
  CHECK(ev->fields[2].level == "equal");
  CHECK(ev->fields[2].value_a == "+8613907351234");
}

TEST_CASE("resolver: a homophone name with the same phone and birth date is merged or reviewed") {
  r::Resolver res;
  REQUIRE(res.Upsert(Ms({{"r1", "occupants[0]", "王伟", "", "13800138000", "1990-05-06"},
                         {"r2", "occupants[0]", "汪威", "", "13800138000", "1990-05-06", "7-701",
                          "431002|人民西路18号|"}}))
              .ok());
  res.Resolve();
  auto ev = res.Explain("r1/occupants[0]", "r2/occupants[0]");
  REQUIRE(ev.ok());
  CHECK(ev->fields[1].level == "same_pinyin");
  const bool merged = EntityOf(res, "r1/occupants[0]") == EntityOf(res, "r2/occupants[0]");
  const bool reviewed = res.ReviewQueue().size() == 1;
  CHECK((merged || reviewed));
  CHECK(ev->score >= r::Options{}.lower);
}

TEST_CASE("resolver: two different valid IDs never merge, even through a third mention") {
  const std::string a = Id18("431002", "19800101", "011"), b = Id18("430102", "19921212", "022");
  r::Resolver res;
  REQUIRE(res.Upsert(Ms({{"r1", "occupants[0]", "王伟", a, "13800138000", ""},
                         {"r2", "occupants[0]", "王伟", b, "13800138000", "", "1-102"},
                         {"r3", "occupants[0]", "王伟", "", "13800138000", "", "1-103"}}))
              .ok());
  res.Resolve();
  const std::string e1 = EntityOf(res, "r1/occupants[0]"), e2 = EntityOf(res, "r2/occupants[0]");
  CHECK(e1 != e2);
  const std::string e3 = EntityOf(res, "r3/occupants[0]");
  CHECK((e3 == e1 || e3 == e2));
  CHECK(res.Explain("r1/occupants[0]", "r2/occupants[0]")->verdict == "different_ids");
  // A supervisor cannot overrule the ID rule either: reported, not applied.
  REQUIRE(res.AddDecision(Pair(r::DecisionKind::kSame, "r1/occupants[0]", "r2/occupants[0]")).ok());
  auto result = res.Resolve();
  CHECK(EntityOf(res, "r1/occupants[0]") != EntityOf(res, "r2/occupants[0]"));
  CHECK(result.conflicts.size() == 1);
  for (const auto& rp : res.ReviewQueue()) {  // never offered for review either
    CHECK_FALSE(
        ((rp.entity_a == e1 && rp.entity_b == e2) || (rp.entity_a == e2 && rp.entity_b == e1)));
  }
}

TEST_CASE("resolver: a landlord's phone on many tenants does not merge them") {
  static const char* kNames[] = {"张伟", "李娜", "刘洋", "陈静", "杨帆", "黄磊", "周敏", "吴强",
                                 "徐丽", "孙浩", "马超", "朱琳", "胡军", "郭燕", "何平", "高峰",
                                 "林梅", "罗斌", "郑爽", "梁宇", "谢婷", "宋涛", "唐雪", "许亮",
                                 "韩冰", "冯刚", "邓华", "曹阳", "彭丹", "曾勇"};
  std::vector<r::PersonMention> ms;
  for (int i = 0; i < 30; ++i) {
    M m{"t" + std::to_string(i), "occupants[0]", kNames[i], "", "13907351234", ""};
    m.unit = std::to_string(i / 4 + 1) + "-" + std::to_string(100 + i);
    ms.push_back(m.Make());
  }
  ms.push_back(M{"t0", "landlord", "陈国栋", "", "13907351234", ""}.Make());
  r::Resolver res;
  REQUIRE(res.Upsert(ms).ok());
  res.Resolve();
  std::set<std::string> entities;
  for (const auto& m : ms) entities.insert(EntityOf(res, m.mention_id));
  CHECK(entities.size() == ms.size());
  CHECK(res.ReviewQueue().empty());
}

TEST_CASE("resolver: entity ids stay when mentions join: decisions hold across runs") {
  r::Resolver res;
  REQUIRE(
      res.Upsert(Ms({{"r1", "occupants[0]", "欧阳娜娜", "", "13500001111", "1995-01-02"}})).ok());
  res.Resolve();
  const std::string first = EntityOf(res, "r1/occupants[0]");
  REQUIRE(res.Upsert(Ms({{"r2", "occupants[0]", "欧阳娜娜", "", "13500001111", "1995-01-02"},
                         {"r3", "occupants[0]", "欧阳娜娜", "", "135 0000 1111", "", "9-909"}}))
              .ok());
  auto result = res.Resolve();
  CHECK(EntityOf(res, "r2/occupants[0]") == first);
  CHECK(EntityOf(res, "r3/occupants[0]") == first);
  CHECK(result.changed_entities == std::vector<std::string>{first});

  // Split r3 off; it gets its own id, the rest keep theirs.
  REQUIRE(res.AddDecision(SplitOff(first, {"r3/occupants[0]"})).ok());
  res.Resolve();
  CHECK(EntityOf(res, "r1/occupants[0]") == first);
  CHECK(EntityOf(res, "r2/occupants[0]") == first);
  const std::string split = EntityOf(res, "r3/occupants[0]");
  CHECK(split != first);
  // Another visit of the same person does not undo the split...
  REQUIRE(
      res.Upsert(Ms({{"r4", "occupants[0]", "欧阳娜娜", "", "13500001111", "1995-01-02"}})).ok());
  res.Resolve();
  CHECK(EntityOf(res, "r3/occupants[0]") == split);
  CHECK(EntityOf(res, "r4/occupants[0]") == first);
  // ...nor does a rebuild from the stored state.
  auto rebuilt = r::Resolver::Rebuild(res.Export());
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->Entities() == res.Entities());
  // A later Same re-merges.
  REQUIRE(res.AddDecision(Pair(r::DecisionKind::kSame, "r3/occupants[0]", "r1/occupants[0]")).ok());
  res.Resolve();
  CHECK(EntityOf(res, "r3/occupants[0]") == first);
  CHECK(res.Entities().size() == 1);
}

TEST_CASE("resolver: not-same keeps two mentions apart: a new version replaces mentions") {
  r::Resolver res;
  REQUIRE(res.Upsert(Ms({{"r1", "occupants[0]", "周杰", "", "13600002222", "1988-08-08"},
                         {"r2", "occupants[0]", "周杰", "", "13600002222", "1988-08-08"}}))
              .ok());
  res.Resolve();
  REQUIRE(EntityOf(res, "r1/occupants[0]") == EntityOf(res, "r2/occupants[0]"));
  REQUIRE(res.AddDecision(Pair(r::DecisionKind::kNotSame, "r1/occupants[0]", "r2/occupants[0]")).ok());
  res.Resolve();
  CHECK(EntityOf(res, "r1/occupants[0]") != EntityOf(res, "r2/occupants[0]"));
  CHECK(res.ReviewQueue().empty());  // decided: not asked again
  // r2 edited (new version): the mention keeps its ordinal, the decision still holds.
  REQUIRE(res.Upsert(Ms({{"r2", "occupants[0]", "周杰", "", "13600002222", "1988-08-09"},
                         {"r2", "occupants[1]", "周 杰", "", "", "1988-08-08"}}))
              .ok());
  res.Resolve();
  CHECK(EntityOf(res, "r1/occupants[0]") != EntityOf(res, "r2/occupants[0]"));
  CHECK(res.Export().mentions[1].mention_id == "r2/occupants[0]");
  REQUIRE(res.Remove("r2").ok());
  res.Resolve();
  CHECK_FALSE(res.EntityOf("r2/occupants[0]").has_value());
  CHECK(res.Remove("r2").code() == sweep::Code::kNotFound);
  CHECK(res.AddDecision(Pair(r::DecisionKind::kSame, "r1/occupants[0]", "nope")).code() ==
        sweep::Code::kInvalidArgument);
}

TEST_CASE("resolver: an ID with a bad check digit is matched to the valid one near it") {
  const std::string good = Id18("431002", "19770707", "345");
  std::string bad = good;
  std::swap(bad[14], bad[15]);  // two digits swapped: the check digit no longer fits
  REQUIRE(bad != good);
  r::Resolver res;
  REQUIRE(res.Upsert(Ms({{"r1", "occupants[0]", "邝美云", good, "", ""},
                         {"r2", "occupants[0]", "邝美云", bad, "", "", "", ""}}))
              .ok());
  res.Resolve();
  auto ev = res.Explain("r1/occupants[0]", "r2/occupants[0]");
  REQUIRE(ev.ok());
  CHECK(ev->fields[0].level == "near");
  CHECK(EntityOf(res, "r1/occupants[0]") == EntityOf(res, "r2/occupants[0]"));
}

// ---------------------------------------------------------------- model check

namespace {

// A small noisy population: people with variants of their name, phone and ID.
std::vector<r::PersonMention> Pool(std::mt19937_64& rng, int people, int mentions) {
  static const char* kNames[] = {"王伟", "汪伟", "王伟", "李娜", "李那", "张敏", "章敏",
                                 "刘洋", "陈静", "陈晶", "杨帆", "黄磊", "周敏"};
  std::vector<r::PersonMention> out;
  for (int i = 0; i < mentions; ++i) {
    const int p = static_cast<int>(rng() % people);
    M m;
    m.record = "rec" + std::to_string(rng() % (mentions / 2 + 1));
    m.path = "occupants[" + std::to_string(i) + "]";
    m.name = kNames[(p + (rng() % 4 == 0 ? 1 : 0)) % 13];
    const std::string id =
        Id18("431002", "19" + std::to_string(60 + p % 30) + "0101", std::to_string(100 + p));
    const int idv = static_cast<int>(rng() % 5);
    m.id = idv == 0   ? ""
           : idv == 1 ? id.substr(0, 6) + id.substr(8, 9)
           : idv == 2 ? id.substr(0, 17) + "7"
                      : id;
    m.phone = rng() % 3 == 0 ? "" : "1380013" + std::to_string(1000 + p % (people / 2 + 1));
    m.birth = rng() % 2 ? "" : "19" + std::to_string(60 + p % 30) + "-01-01";
    m.unit = "1-" + std::to_string(101 + p % 7);
    out.push_back(m.Make());
    out.back().ordinal = static_cast<uint64_t>(i + 1);
  }
  return out;
}

void ExpectSameAsRebuild(const r::Resolver& res) {
  auto rebuilt = r::Resolver::Rebuild(res.Export());
  REQUIRE(rebuilt.ok());
  REQUIRE(rebuilt->Entities() == res.Entities());
  REQUIRE(rebuilt->ReviewQueue() == res.ReviewQueue());
}

}  // namespace

TEST_CASE("resolver: incremental runs equal a rebuild (random orders and batches)") {
  const uint64_t seed0 = SeedFromEnv(std::random_device{}());
  for (uint64_t round = 0; round < 20; ++round) {
    const uint64_t seed = seed0 + round;
    INFO("SWEEP_TEST_SEED=" << seed);
    std::mt19937_64 rng(seed);
    std::vector<r::PersonMention> pool = Pool(rng, 12, 60);
    std::shuffle(pool.begin(), pool.end(), rng);
    r::Resolver res;
    size_t i = 0;
    while (i < pool.size()) {
      const size_t n = 1 + rng() % 8;
      std::vector<r::PersonMention> batch;
      std::set<std::string> records;
      for (; i < pool.size() && batch.size() < n; ++i) {
        batch.push_back(pool[i]);
        records.insert(pool[i].record_id);
      }
      // keep whole records together: add what the record already had
      for (const auto& known : res.Export().mentions) {
        if (records.count(known.record_id)) batch.push_back(known);
      }
      std::sort(batch.begin(), batch.end(), [](auto& a, auto& b) { return a.ordinal < b.ordinal; });
      batch.erase(std::unique(batch.begin(), batch.end(),
                              [](auto& a, auto& b) { return a.mention_id == b.mention_id; }),
                  batch.end());
      REQUIRE(res.Upsert(batch).ok());
      const auto known = res.Export().mentions;
      if (rng() % 4 == 0 && known.size() > 2) {
        const auto& a = known[rng() % known.size()];
        const auto& b = known[rng() % known.size()];
        if (a.mention_id != b.mention_id) {
          const auto kind = rng() % 2 ? r::DecisionKind::kSame : r::DecisionKind::kNotSame;
          REQUIRE(res.AddDecision(Pair(kind, a.mention_id, b.mention_id)).ok());
        }
      }
      if (rng() % 6 == 0) (void)res.Remove(known[rng() % known.size()].record_id);
      if (rng() % 2 == 0) {
        res.Resolve();
        ExpectSameAsRebuild(res);
      }
    }
    res.Resolve();
    ExpectSameAsRebuild(res);
  }
  std::cout << "resolver incremental=rebuild: 20 rounds from SWEEP_TEST_SEED=" << seed0 << "\n";
}
