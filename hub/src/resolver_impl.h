// The state of a Resolver (private). Slots index mentions in arrival order
// and are never reused; a replaced mention gets a new slot and keeps its
// ordinal. Only ordinals and values reach any decision (see
// resolver_internal.h), so slot numbering cannot change a result.
#pragma once

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "resolver_internal.h"

namespace sweep::hub::resolve {

struct EntityRec {
  std::vector<uint32_t> members;  // slots, by ordinal; members[0] is the anchor
  uint32_t id_text = 0;           // the valid ID, 0 if none
};

struct ReviewRec {
  uint32_t a, b;  // slots, ordinal(a) < ordinal(b)
  Score score;
  uint32_t anchor_a, anchor_b;
};

// Union-find over one component's mentions (local indexes, by ordinal),
// carrying each cluster's valid ID and its cannot-links.
struct Cannot {
  uint32_t other;  // local index
  uint64_t seq;
};

class Clusters {
 public:
  explicit Clusters(size_t n) : parent_(n), id_(n, 0), cannot_(n) {
    for (size_t i = 0; i < n; ++i) parent_[i] = static_cast<uint32_t>(i);
  }
  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void SetId(uint32_t x, uint32_t id) { id_[x] = id; }
  void AddCannot(uint32_t x, uint32_t y, uint64_t seq) {
    cannot_[x].push_back({y, seq});
    cannot_[y].push_back({x, seq});
  }
  uint32_t IdOf(uint32_t root) const { return id_[root]; }
  bool IdConflict(uint32_t rx, uint32_t ry) const {
    return id_[rx] && id_[ry] && id_[rx] != id_[ry];
  }
  // True when a cannot-link with seq > after joins the two clusters.
  bool Forbidden(uint32_t rx, uint32_t ry, uint64_t after) {
    if (cannot_[rx].size() > cannot_[ry].size()) std::swap(rx, ry);
    for (const Cannot& c : cannot_[rx]) {
      if (c.seq > after && Find(c.other) == ry) return true;
    }
    return false;
  }
  void Unite(uint32_t rx, uint32_t ry) {
    if (cannot_[rx].size() < cannot_[ry].size()) std::swap(rx, ry);
    parent_[ry] = rx;
    if (!id_[rx]) id_[rx] = id_[ry];
    cannot_[rx].insert(cannot_[rx].end(), cannot_[ry].begin(), cannot_[ry].end());
    cannot_[ry].clear();
    cannot_[ry].shrink_to_fit();
  }

 private:
  std::vector<uint32_t> parent_, id_;
  std::vector<std::vector<Cannot>> cannot_;
};

struct ScoredEdge {
  Score score;
  uint32_t x, y;  // local indexes, x < y (so ordinal(x) < ordinal(y))
};

// What Kruskal runs on for one component.
struct ComponentGraph {
  explicit ComponentGraph(size_t n) : cl(n) {}
  Clusters cl;
  std::vector<std::pair<uint32_t, uint32_t>> by_id;            // (valid id, local)
  std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> same;  // (seq, x, y)
  std::vector<ScoredEdge> edges;                               // score ≥ lower
};

class Resolver::Impl {
 public:
  explicit Impl(Options options);

  Status Upsert(std::vector<PersonMention> mentions);
  Status Remove(const std::string& record_id);
  Status AddDecision(Decision decision);
  ResolveResult Resolve();

  // ---- read side
  std::optional<Entity> EntityOf(const std::string& mention_id) const;
  Entity MakeEntity(uint32_t anchor) const;
  std::vector<Entity> Entities() const;
  std::vector<Entity> ChangedEntities() const;
  std::vector<PersonMention> MentionsOfRecord(const std::string& record_id) const;
  std::vector<ReviewPair> ReviewQueue() const;
  Result<PairEvidence> Explain(const std::string& a, const std::string& b) const;
  State Export() const;

 private:
  friend class Resolver;
  // mutation helpers (resolver.cc)
  Status CheckBatch(const std::vector<PersonMention>& mentions) const;
  uint32_t AddSlot(PersonMention m);
  void KillSlot(uint32_t slot);
  void IndexSlot(uint32_t slot, bool add);
  void NoteTermsBefore(const Features& f);
  void NoteBlockBefore(uint64_t key);
  void EraseEdges(uint32_t slot);
  Status ExpandSplit(const Decision& d);
  void StoreDecision(Decision d);
  void SupersedeNotSame(const std::string& a, const std::string& b);

  // resolve helpers (resolver_cluster.cc)
  std::vector<uint32_t> CollectRescore();
  size_t Rescore(const std::vector<uint32_t>& slots, bool full);
  void Candidates(uint32_t a, bool full, std::vector<uint32_t>& out) const;
  std::vector<std::vector<uint32_t>> NewComponents(const std::vector<uint32_t>& seeds);
  void ClusterComponent(std::vector<uint32_t> members, ResolveResult& result);
  void GatherComponent(const std::vector<uint32_t>& members, ComponentGraph& g,
                       ResolveResult& result);
  void EmitComponent(const std::vector<uint32_t>& members, uint32_t comp, ComponentGraph& g);
  void DropComponents(std::vector<uint32_t> comps,
                      std::unordered_map<uint32_t, std::vector<uint32_t>>& old_entities,
                      std::vector<uint32_t>& seeds);
  void Neighbours(uint32_t x, std::vector<uint32_t>& out) const;

  Options options_;
  Env* env_;
  Interner strings_;
  FeatureMaker maker_;
  TermStats tf_;

  MentionTable mentions_;  // by slot
  std::vector<Features> features_;
  std::vector<uint8_t> live_;
  // Keyed by views into mentions_ (which never moves or frees them).
  std::unordered_map<std::string_view, uint32_t> slot_of_;  // mention id → live slot
  std::unordered_map<std::string_view, std::vector<uint32_t>> record_slots_;
  std::unordered_map<uint64_t, uint32_t> slot_of_ordinal_;
  uint64_t next_ordinal_ = 1;

  std::unordered_map<uint64_t, std::vector<uint32_t>> blocks_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> valid_prefix_, near_prefix_;
  // Bits set for every near-ID variant ever indexed (never cleared: a stale
  // bit only costs a lookup). A valid ID whose bit is clear has no invalid
  // ID near it, which spares its 170 lookups in an incremental run.
  std::vector<uint64_t> near_variant_bits_ = std::vector<uint64_t>(1 << 18, 0);
  std::unordered_map<uint32_t, std::vector<uint32_t>> id_groups_;  // valid id → slots
  std::unordered_map<uint32_t, std::vector<uint32_t>> name_slots_, phone_slots_;
  std::vector<std::vector<Edge>> adj_;

  std::vector<Decision> decisions_;  // kSame / kNotSame, in seq order
  uint64_t next_seq_ = 1;
  std::unordered_map<std::string, std::vector<uint32_t>, ViewHash, std::equal_to<>>
      decisions_of_;  // mention id → index

  // pending since the last Resolve
  std::vector<uint32_t> new_slots_, touched_slots_;
  std::vector<uint32_t> old_comps_;
  std::unordered_map<uint32_t, uint32_t> name_bucket_before_, phone_bucket_before_;
  std::unordered_map<uint64_t, size_t> block_size_before_;
  bool resolved_once_ = false;

  // results
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  std::vector<uint32_t> comp_of_;    // slot → component id
  std::vector<uint32_t> anchor_of_;  // slot → anchor slot of its entity
  std::unordered_map<uint32_t, std::vector<uint32_t>> comps_;
  std::unordered_map<uint32_t, EntityRec> entities_;             // by anchor slot
  std::unordered_map<uint32_t, std::vector<ReviewRec>> review_;  // by component
  uint32_t next_comp_ = 0;
  std::vector<std::string> conflicts_;
  std::vector<uint32_t> changed_anchors_;  // the last Resolve()'s changed entities
  // scratch, sized like the slots
  std::vector<uint32_t> local_of_, stamp_;
  uint32_t stamp_gen_ = 0;
};

}  // namespace sweep::hub::resolve
