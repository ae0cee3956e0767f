// Clustering of one connected group of the candidate graph: Kruskal in a
// total order (ID must-links, then decisions' must-links by seq, then scored
// edges by score descending and ordinals), refusing any union a cannot-link
// forbids. The result depends only on the group, so re-running one group
// equals re-running everything (docs/merge.md §6–7).
#include <algorithm>
#include <set>
#include <tuple>

#include "resolver_impl.h"

namespace sweep::hub::resolve {

// Edges, ID groups and decisions inside one component, in local indexes.
void Resolver::Impl::GatherComponent(const std::vector<uint32_t>& members, ComponentGraph& g,
                                     ResolveResult& result) {
  auto in_comp = [&](const std::string& id, uint32_t* local) {
    auto it = slot_of_.find(id);
    if (it == slot_of_.end() || stamp_[it->second] != stamp_gen_) return false;
    *local = local_of_[it->second];
    return true;
  };
  for (uint32_t i = 0; i < members.size(); ++i) {
    const uint32_t s = members[i];
    if (features_[s].id_valid) {
      g.cl.SetId(i, features_[s].id_text);
      g.by_id.emplace_back(features_[s].id_text, i);
    }
    for (const Edge& e : adj_[s]) {
      if (local_of_[e.other] > i) g.edges.push_back({e.score, i, local_of_[e.other]});
    }
    auto dit = decisions_of_.find(mentions_.Id(s));
    if (dit == decisions_of_.end()) continue;
    for (uint32_t di : dit->second) {
      const Decision& d = decisions_[di];
      uint32_t other;
      if (d.a != mentions_.Id(s) || !in_comp(d.b, &other)) continue;
      if (d.kind == DecisionKind::kSame) {
        g.same.emplace_back(d.seq, std::min(i, other), std::max(i, other));
      } else if (features_[s].id_valid && features_[members[other]].id_valid &&
                 features_[s].id_text == features_[members[other]].id_text) {
        result.conflicts.push_back("not-same " + d.a + " / " + d.b +
                                   " ignored: both carry the same valid ID number");
      } else {
        g.cl.AddCannot(i, other, d.seq);
      }
    }
  }
}

namespace {

// Kruskal in the total order of docs/merge.md §6. Returns the must-links
// the ID rule refused.
std::vector<std::pair<uint32_t, uint32_t>> Kruskal(ComponentGraph& g, Score upper) {
  Clusters& cl = g.cl;
  std::vector<std::pair<uint32_t, uint32_t>> refused;
  // 1. the same valid ID: always one person
  std::sort(g.by_id.begin(), g.by_id.end());
  for (size_t k = 1; k < g.by_id.size(); ++k) {
    if (g.by_id[k].first != g.by_id[k - 1].first) continue;
    const uint32_t rx = cl.Find(g.by_id[k - 1].second), ry = cl.Find(g.by_id[k].second);
    if (rx != ry) cl.Unite(rx, ry);
  }
  // 2. supervisors' must-links, oldest first; a later not-same wins
  std::sort(g.same.begin(), g.same.end());
  for (const auto& [seq, x, y] : g.same) {
    const uint32_t rx = cl.Find(x), ry = cl.Find(y);
    if (rx == ry) continue;
    if (cl.IdConflict(rx, ry)) {
      refused.emplace_back(x, y);
    } else if (!cl.Forbidden(rx, ry, seq)) {
      cl.Unite(rx, ry);
    }
  }
  // 3. scored edges ≥ upper, strongest first, ties by ordinals
  std::sort(g.edges.begin(), g.edges.end(), [](const ScoredEdge& a, const ScoredEdge& b) {
    return std::tie(b.score, a.x, a.y) < std::tie(a.score, b.x, b.y);
  });
  for (const ScoredEdge& e : g.edges) {
    if (e.score < upper) break;
    const uint32_t rx = cl.Find(e.x), ry = cl.Find(e.y);
    if (rx != ry && !cl.IdConflict(rx, ry) && !cl.Forbidden(rx, ry, 0)) cl.Unite(rx, ry);
  }
  return refused;
}

}  // namespace

// Entities (anchored on their smallest ordinal) and review items (the best
// undecided pair between two entities; edges are sorted already).
void Resolver::Impl::EmitComponent(const std::vector<uint32_t>& members, uint32_t comp,
                                   ComponentGraph& g) {
  Clusters& cl = g.cl;
  std::vector<uint32_t> anchor_of_root(members.size(), kNone);
  for (uint32_t i = 0; i < members.size(); ++i) {
    const uint32_t r = cl.Find(i);
    if (anchor_of_root[r] == kNone) {
      anchor_of_root[r] = members[i];
      entities_[members[i]].id_text = cl.IdOf(r);
    }
    anchor_of_[members[i]] = anchor_of_root[r];
    entities_[anchor_of_root[r]].members.push_back(members[i]);
  }
  std::set<std::pair<uint32_t, uint32_t>> seen;
  std::vector<ReviewRec> review;
  for (const ScoredEdge& e : g.edges) {
    const uint32_t rx = cl.Find(e.x), ry = cl.Find(e.y);
    if (rx == ry || cl.IdConflict(rx, ry) || cl.Forbidden(rx, ry, 0)) continue;
    const uint32_t ax = anchor_of_root[rx], ay = anchor_of_root[ry];
    if (!seen.insert(std::minmax(ax, ay)).second) continue;
    review.push_back({members[e.x], members[e.y], e.score, ax, ay});
  }
  if (!review.empty()) review_[comp] = std::move(review);
}

void Resolver::Impl::ClusterComponent(std::vector<uint32_t> members, ResolveResult& result) {
  std::sort(members.begin(), members.end(),
            [&](uint32_t a, uint32_t b) { return mentions_.Ordinal(a) < mentions_.Ordinal(b); });
  const uint32_t comp = next_comp_++;
  ++stamp_gen_;
  for (uint32_t i = 0; i < members.size(); ++i) {
    local_of_[members[i]] = i;
    stamp_[members[i]] = stamp_gen_;
    comp_of_[members[i]] = comp;
  }
  ComponentGraph g(members.size());
  GatherComponent(members, g, result);
  for (const auto& [x, y] : Kruskal(g, ToScore(options_.upper))) {
    result.conflicts.push_back("same " + std::string(mentions_.Id(members[x])) + " / " +
                               std::string(mentions_.Id(members[y])) +
                               " not applied: the two sides carry different valid ID numbers");
  }
  EmitComponent(members, comp, g);
  comps_[comp] = std::move(members);
}

}  // namespace sweep::hub::resolve
