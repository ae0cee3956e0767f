// Resolve(): which mentions need their candidate pairs recomputed, which
// connected groups need re-clustering, and nothing else (docs/merge.md §7).
#include <algorithm>
#include <unordered_set>

#include "resolver_impl.h"

namespace sweep::hub::resolve {

// New mentions, plus every carrier of a name or phone whose term-frequency
// bucket moved, plus every member of a block that crossed the size cap.
std::vector<uint32_t> Resolver::Impl::CollectRescore() {
  std::vector<uint32_t> out;
  for (uint32_t s : new_slots_) {
    if (live_[s]) out.push_back(s);
  }
  auto add_all = [&](const std::vector<uint32_t>& v) { out.insert(out.end(), v.begin(), v.end()); };
  for (const auto& [name, before] : name_bucket_before_) {
    if (Bucket(tf_.NameCount(name)) == before) continue;
    auto it = name_slots_.find(name);
    if (it != name_slots_.end()) add_all(it->second);
  }
  for (const auto& [phone, before] : phone_bucket_before_) {
    if (Bucket(tf_.PhoneDistinctNames(phone)) == before) continue;
    auto it = phone_slots_.find(phone);
    if (it != phone_slots_.end()) add_all(it->second);
  }
  const size_t cap = options_.block_cap;
  for (const auto& [key, before] : block_size_before_) {
    auto it = blocks_.find(key);
    const size_t now = it == blocks_.end() ? 0 : it->second.size();
    if (now == 0 && it != blocks_.end()) blocks_.erase(it);
    if ((before <= cap) != (now <= cap) && now > 0) add_all(it->second);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  new_slots_.clear();
  name_bucket_before_.clear();
  phone_bucket_before_.clear();
  block_size_before_.clear();
  return out;
}

void Resolver::Impl::Candidates(uint32_t a, bool full, std::vector<uint32_t>& out) const {
  const Features& f = features_[a];
  std::vector<uint64_t> keys;
  BlockKeysOf(f, keys);
  for (uint64_t k : keys) {
    auto it = blocks_.find(k);
    if (it == blocks_.end() || it->second.size() > options_.block_cap) continue;
    for (uint32_t b : it->second) {
      if (b != a) out.push_back(b);
    }
  }
  // Near IDs: looked up from the invalid side; from the valid side too when
  // the invalid partner may not be rescored in this run.
  const auto* other = f.id_near ? &valid_prefix_ : (f.id_valid && !full ? &near_prefix_ : nullptr);
  if (!other || other->empty() || !f.id17) return;
  if (f.id_valid) {  // is a.id17 a variant of any invalid ID? (the relation is symmetric)
    const uint64_t bit = (f.id17 * 0x9E3779B97F4A7C15ULL) >> 40;
    if (!(near_variant_bits_[bit >> 6] >> (bit & 63) & 1)) return;
  }
  std::vector<uint64_t> variants;
  NearIdVariants(f.id17, variants);
  for (uint64_t v : variants) {
    auto it = other->find(v);
    if (it != other->end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
}

size_t Resolver::Impl::Rescore(const std::vector<uint32_t>& slots, bool full) {
  for (uint32_t a : slots) EraseEdges(a);
  std::vector<uint64_t> pairs;
  std::vector<uint32_t> cand;
  for (uint32_t a : slots) {
    cand.clear();
    Candidates(a, full, cand);
    for (uint32_t b : cand) {
      pairs.push_back(a < b ? (uint64_t(a) << 32 | b) : (uint64_t(b) << 32 | a));
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  const Score lower = ToScore(options_.lower);
  for (uint64_t p : pairs) {
    const auto a = static_cast<uint32_t>(p >> 32), b = static_cast<uint32_t>(p);
    const Score s = ScorePair(features_[a], features_[b], tf_, strings_);
    if (s < lower) continue;
    adj_[a].push_back({b, s});
    adj_[b].push_back({a, s});
  }
  return pairs.size();
}

void Resolver::Impl::Neighbours(uint32_t x, std::vector<uint32_t>& out) const {
  for (const Edge& e : adj_[x]) out.push_back(e.other);
  if (decisions_of_.empty()) return;
  const std::string_view id = mentions_.Id(x);
  auto dit = decisions_of_.find(id);
  if (dit == decisions_of_.end()) return;
  for (uint32_t di : dit->second) {
    const Decision& d = decisions_[di];
    if (d.kind != DecisionKind::kSame) continue;
    auto it = slot_of_.find(d.a == id ? d.b : d.a);
    if (it != slot_of_.end()) out.push_back(it->second);
  }
}

// Connected groups of the candidate graph (edges ≥ lower, same valid ID,
// supervisors' must-links) reachable from the seeds.
std::vector<std::vector<uint32_t>> Resolver::Impl::NewComponents(
    const std::vector<uint32_t>& seeds) {
  ++stamp_gen_;
  std::vector<std::vector<uint32_t>> comps;
  std::unordered_set<uint32_t> ids_done;
  std::vector<uint32_t> stack, next;
  for (uint32_t seed : seeds) {
    if (!live_[seed] || stamp_[seed] == stamp_gen_) continue;
    std::vector<uint32_t> comp;
    stamp_[seed] = stamp_gen_;
    stack.assign(1, seed);
    while (!stack.empty()) {
      const uint32_t x = stack.back();
      stack.pop_back();
      comp.push_back(x);
      next.clear();
      Neighbours(x, next);
      const Features& f = features_[x];
      if (f.id_valid && ids_done.insert(f.id_text).second) {
        const auto& group = id_groups_.at(f.id_text);
        next.insert(next.end(), group.begin(), group.end());
      }
      for (uint32_t y : next) {
        if (live_[y] && stamp_[y] != stamp_gen_) {
          stamp_[y] = stamp_gen_;
          stack.push_back(y);
        }
      }
    }
    comps.push_back(std::move(comp));
  }
  return comps;
}

// Forgets the given components, their entities and review items; their live
// members become seeds; old entity memberships are returned for the diff.
void Resolver::Impl::DropComponents(
    std::vector<uint32_t> comps, std::unordered_map<uint32_t, std::vector<uint32_t>>& old_entities,
    std::vector<uint32_t>& seeds) {
  std::sort(comps.begin(), comps.end());
  comps.erase(std::unique(comps.begin(), comps.end()), comps.end());
  for (uint32_t c : comps) {
    auto it = comps_.find(c);
    if (it == comps_.end()) continue;
    for (uint32_t s : it->second) {
      const uint32_t anchor = anchor_of_[s];
      auto e = entities_.find(anchor);
      if (e != entities_.end()) {
        old_entities[anchor] = std::move(e->second.members);
        entities_.erase(e);
      }
      comp_of_[s] = kNone;
      anchor_of_[s] = kNone;
      if (live_[s]) seeds.push_back(s);
    }
    comps_.erase(it);
    review_.erase(c);
  }
}

ResolveResult Resolver::Impl::Resolve() {
  ResolveResult result;
  local_of_.resize(mentions_.size(), 0);
  stamp_.resize(mentions_.size(), 0);
  const std::vector<uint32_t> rescore = CollectRescore();
  result.rescored_mentions = rescore.size();
  result.pairs_scored = Rescore(rescore, rescore.size() == slot_of_.size());
  std::vector<uint32_t> seeds = rescore;
  for (uint32_t s : touched_slots_) {
    if (live_[s]) seeds.push_back(s);
  }
  std::vector<uint32_t> comps = std::move(old_comps_);
  old_comps_.clear();
  for (uint32_t s : seeds) {
    if (comp_of_[s] != kNone) comps.push_back(comp_of_[s]);
  }
  std::unordered_map<uint32_t, std::vector<uint32_t>> old_entities;
  DropComponents(std::move(comps), old_entities, seeds);
  touched_slots_.clear();
  // A new edge can reach a group that was not dropped: drop it too, again.
  std::vector<std::vector<uint32_t>> groups;
  for (;;) {
    groups = NewComponents(seeds);
    std::vector<uint32_t> reached;
    for (const auto& g : groups) {
      for (uint32_t s : g) {
        if (comp_of_[s] != kNone) reached.push_back(comp_of_[s]);
      }
    }
    if (reached.empty()) break;
    DropComponents(std::move(reached), old_entities, seeds);
  }
  std::vector<uint32_t> anchors;
  for (auto& members : groups) {
    result.reclustered_mentions += members.size();
    ClusterComponent(members, result);
    for (uint32_t s : members) {
      if (anchor_of_[s] == s) anchors.push_back(s);
    }
  }
  for (const auto& [anchor, old_members] : old_entities) {
    if (!entities_.count(anchor)) {
      result.removed_entities.push_back(EntityIdFor(mentions_.Id(anchor)));
    }
  }
  changed_anchors_.clear();
  for (uint32_t anchor : anchors) {
    auto old = old_entities.find(anchor);
    if (old == old_entities.end() || old->second != entities_.at(anchor).members) {
      result.changed_entities.push_back(EntityIdFor(mentions_.Id(anchor)));
      changed_anchors_.push_back(anchor);
    }
  }
  std::sort(result.changed_entities.begin(), result.changed_entities.end());
  result.changed_entities.erase(
      std::unique(result.changed_entities.begin(), result.changed_entities.end()),
      result.changed_entities.end());
  std::sort(result.removed_entities.begin(), result.removed_entities.end());
  result.mentions = slot_of_.size();
  result.entities = entities_.size();
  resolved_once_ = true;
  return result;
}

}  // namespace sweep::hub::resolve
