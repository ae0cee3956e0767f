// Resolver: mentions and decisions in, indexes kept up to date; what changed
// is noted for the next Resolve() (resolver_cluster.cc).
#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_set>

#include "resolver_impl.h"

namespace sweep::hub::resolve {

namespace {
void EraseValue(std::vector<uint32_t>& v, uint32_t x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it != v.end()) v.erase(it);
}
}  // namespace

Resolver::Impl::Impl(Options options)
    : options_(options), env_(options.env ? options.env : Env::Default()), maker_(env_) {}

Status Resolver::Impl::CheckBatch(const std::vector<PersonMention>& mentions) const {
  std::unordered_set<std::string_view> ids;
  std::unordered_set<uint64_t> ordinals;
  ids.reserve(mentions.size());
  for (size_t i = 0; i < mentions.size(); ++i) {
    const PersonMention& m = mentions[i];
    auto fail = [&](const std::string& what) {
      return Status::InvalidArgument("mention " + std::to_string(i + 1) + " (" + m.mention_id +
                                     "): " + what);
    };
    if (m.mention_id.empty() || m.record_id.empty()) {
      return fail("mention_id and record_id must be set");
    }
    if (!ids.insert(m.mention_id).second) return fail("the same mention id twice in one batch");
    if (m.ordinal == 0) continue;
    auto known = slot_of_.find(m.mention_id);
    if (known != slot_of_.end() && mentions_.Ordinal(known->second) != m.ordinal) {
      return fail("ordinal " + std::to_string(m.ordinal) +
                  " differs from its stored ordinal; pass 0 to keep it");
    }
    auto owner = slot_of_ordinal_.find(m.ordinal);
    if ((owner != slot_of_ordinal_.end() && mentions_.Id(owner->second) != m.mention_id) ||
        !ordinals.insert(m.ordinal).second) {
      return fail("ordinal " + std::to_string(m.ordinal) + " already belongs to another mention");
    }
  }
  return Status::Ok();
}

Status Resolver::Impl::Upsert(std::vector<PersonMention> mentions) {
  SWEEP_RETURN_IF_ERROR(CheckBatch(mentions));
  for (const auto& m : mentions) next_ordinal_ = std::max(next_ordinal_, m.ordinal + 1);
  std::unordered_set<std::string_view> records;
  for (auto& m : mentions) {
    records.insert(m.record_id);
    if (m.ordinal == 0) {
      auto known = slot_of_.find(m.mention_id);
      m.ordinal = known != slot_of_.end() ? mentions_.Ordinal(known->second) : next_ordinal_++;
    }
  }
  for (std::string_view r : records) {  // a new version replaces the record's mentions
    auto it = record_slots_.find(r);
    if (it == record_slots_.end()) continue;
    const std::vector<uint32_t> old = it->second;
    for (uint32_t s : old) KillSlot(s);
  }
  records.clear();  // views into `mentions`, which move below
  const size_t total = mentions_.size() + mentions.size();
  mentions_.Reserve(total);
  features_.reserve(total);
  slot_of_.reserve(slot_of_.size() + mentions.size());
  for (auto& m : mentions) AddSlot(std::move(m));
  return Status::Ok();
}

Status Resolver::Impl::Remove(const std::string& record_id) {
  auto it = record_slots_.find(record_id);
  if (it == record_slots_.end() || it->second.empty()) {
    return Status::NotFound("no mentions of record " + record_id);
  }
  const std::vector<uint32_t> old = it->second;
  for (uint32_t s : old) KillSlot(s);
  return Status::Ok();
}

// Before the first Resolve every mention is new and rescored: nothing to note.
void Resolver::Impl::NoteTermsBefore(const Features& f) {
  if (!resolved_once_) return;
  if (f.name) name_bucket_before_.try_emplace(f.name, Bucket(tf_.NameCount(f.name)));
  if (f.phone) phone_bucket_before_.try_emplace(f.phone, Bucket(tf_.PhoneDistinctNames(f.phone)));
}

void Resolver::Impl::NoteBlockBefore(uint64_t key) {
  if (!resolved_once_) return;
  auto it = blocks_.find(key);
  block_size_before_.try_emplace(key, it == blocks_.end() ? 0 : it->second.size());
}

// Adds (add=true) or removes a slot from every index and term count.
void Resolver::Impl::IndexSlot(uint32_t slot, bool add) {
  const Features& f = features_[slot];
  NoteTermsBefore(f);
  std::vector<uint64_t> keys;
  BlockKeysOf(f, keys);
  auto update = [&](std::vector<uint32_t>& v) {
    if (add)
      v.push_back(slot);
    else
      EraseValue(v, slot);
  };
  for (uint64_t k : keys) {
    NoteBlockBefore(k);
    update(blocks_[k]);
  }
  if (f.id_valid && f.id17) update(valid_prefix_[f.id17]);
  if (f.id_near) {
    update(near_prefix_[f.id17]);
    if (add) {
      std::vector<uint64_t> variants;
      NearIdVariants(f.id17, variants);
      for (uint64_t v : variants) {
        const uint64_t bit = (v * 0x9E3779B97F4A7C15ULL) >> 40;  // 24 bits
        near_variant_bits_[bit >> 6] |= uint64_t{1} << (bit & 63);
      }
    }
  }
  if (f.id_valid) update(id_groups_[f.id_text]);
  if (f.name) {
    update(name_slots_[f.name]);
    if (tf_.name_count.size() <= f.name) tf_.name_count.resize(2 * strings_.size(), 0);
    tf_.name_count[f.name] += add ? 1 : -1;
  }
  if (f.phone) {
    update(phone_slots_[f.phone]);
    auto& names = tf_.phone_names[f.phone];
    if (add) {
      ++names[f.name];
    } else if (--names[f.name] == 0) {
      names.erase(f.name);
      if (names.empty()) tf_.phone_names.erase(f.phone);
    }
  }
}

uint32_t Resolver::Impl::AddSlot(PersonMention m) {
  features_.push_back(maker_.Make(m, strings_));
  const uint32_t slot = mentions_.Add(m, strings_);
  slot_of_[mentions_.Id(slot)] = slot;
  record_slots_[mentions_.RecordId(slot)].push_back(slot);
  slot_of_ordinal_[m.ordinal] = slot;
  live_.push_back(1);
  adj_.emplace_back();
  comp_of_.push_back(kNone);
  anchor_of_.push_back(kNone);
  IndexSlot(slot, true);
  new_slots_.push_back(slot);
  return slot;
}

void Resolver::Impl::EraseEdges(uint32_t slot) {
  for (const Edge& e : adj_[slot]) {
    auto& other = adj_[e.other];
    other.erase(
        std::remove_if(other.begin(), other.end(), [&](const Edge& x) { return x.other == slot; }),
        other.end());
  }
  adj_[slot].clear();
  adj_[slot].shrink_to_fit();
}

void Resolver::Impl::KillSlot(uint32_t slot) {
  if (!live_[slot]) return;
  IndexSlot(slot, false);
  EraseEdges(slot);
  live_[slot] = 0;
  slot_of_.erase(mentions_.Id(slot));
  slot_of_ordinal_.erase(mentions_.Ordinal(slot));
  EraseValue(record_slots_[mentions_.RecordId(slot)], slot);
  if (comp_of_[slot] != kNone) old_comps_.push_back(comp_of_[slot]);
  auto dit = decisions_of_.find(mentions_.Id(slot));
  if (dit == decisions_of_.end()) return;
  for (uint32_t d : dit->second) {  // its partners may come apart
    for (const std::string* id : {&decisions_[d].a, &decisions_[d].b}) {
      auto it = slot_of_.find(*id);
      if (it != slot_of_.end()) touched_slots_.push_back(it->second);
    }
  }
}

void Resolver::Impl::StoreDecision(Decision d) {
  if (d.seq == 0) d.seq = next_seq_;
  next_seq_ = std::max(next_seq_, d.seq + 1);
  const auto index = static_cast<uint32_t>(decisions_.size());
  for (const std::string* id : {&d.a, &d.b}) {
    decisions_of_[*id].push_back(index);
    auto it = slot_of_.find(*id);
    if (it != slot_of_.end()) touched_slots_.push_back(it->second);
  }
  decisions_.push_back(std::move(d));
}

Status Resolver::Impl::ExpandSplit(const Decision& d) {
  uint32_t anchor = kNone;
  for (const auto& [a, rec] : entities_) {
    if (EntityIdFor(mentions_.Id(a)) == d.entity_id) anchor = a;
  }
  if (anchor == kNone) return Status::NotFound("no entity " + d.entity_id);
  const std::vector<uint32_t>& members = entities_.at(anchor).members;
  std::set<std::string, std::less<>> leaving(d.mentions.begin(), d.mentions.end());
  size_t found = 0;
  for (uint32_t s : members) found += leaving.count(mentions_.Id(s));
  if (found != leaving.size() || found == 0 || found == members.size()) {
    return Status::InvalidArgument("split of " + d.entity_id +
                                   ": name a non-empty part of its mentions, not all of them");
  }
  const uint64_t seq = d.seq ? d.seq : next_seq_;
  for (uint32_t x : members) {
    if (!leaving.count(mentions_.Id(x))) continue;
    for (uint32_t y : members) {
      if (leaving.count(mentions_.Id(y))) continue;
      StoreDecision({DecisionKind::kNotSame,
                     std::string(mentions_.Id(x)),
                     std::string(mentions_.Id(y)),
                     "",
                     {},
                     seq,
                     d.by,
                     d.at_ms});
    }
  }
  return Status::Ok();
}

Status Resolver::Impl::AddDecision(Decision d) {
  if (d.kind == DecisionKind::kSplit) return ExpandSplit(d);
  if (d.a == d.b) return Status::InvalidArgument("a decision needs two different mentions");
  for (const std::string* id : {&d.a, &d.b}) {
    if (!slot_of_.count(*id)) {
      return Status::InvalidArgument("unknown mention " + *id + ": decide on mentions the hub has");
    }
  }
  if (d.kind == DecisionKind::kSame) SupersedeNotSame(d.a, d.b);
  StoreDecision(std::move(d));
  return Status::Ok();
}

// A Same decision overrides the earlier not-same decisions between the two
// entities it joins (as they stand at the last Resolve), e.g. those a split
// left: they are deleted, so the stored decisions stay a consistent set.
void Resolver::Impl::SupersedeNotSame(const std::string& a, const std::string& b) {
  auto members = [&](const std::string& id) {
    std::set<std::string> out{id};
    const uint32_t anchor = anchor_of_[slot_of_.at(id)];
    if (anchor == kNone) return out;
    for (uint32_t s : entities_.at(anchor).members) out.emplace(mentions_.Id(s));
    return out;
  };
  const std::set<std::string> ea = members(a), eb = members(b);
  std::vector<Decision> kept;
  for (Decision& d : decisions_) {
    const bool crossing = (ea.count(d.a) && eb.count(d.b)) || (eb.count(d.a) && ea.count(d.b));
    if (d.kind == DecisionKind::kNotSame && crossing) {
      for (const std::string* id : {&d.a, &d.b}) {
        auto it = slot_of_.find(*id);
        if (it != slot_of_.end()) touched_slots_.push_back(it->second);
      }
      continue;
    }
    kept.push_back(std::move(d));
  }
  decisions_ = std::move(kept);
  decisions_of_.clear();
  for (uint32_t i = 0; i < decisions_.size(); ++i) {
    decisions_of_[decisions_[i].a].push_back(i);
    decisions_of_[decisions_[i].b].push_back(i);
  }
}

// ---------------------------------------------------------------- read side

Entity Resolver::Impl::MakeEntity(uint32_t anchor) const {
  const EntityRec& rec = entities_.at(anchor);
  Entity e;
  e.id = EntityIdFor(mentions_.Id(anchor));
  e.mentions.reserve(rec.members.size());
  for (uint32_t s : rec.members) e.mentions.emplace_back(mentions_.Id(s));
  e.id_number = strings_.Str(rec.id_text);
  return e;
}

std::optional<Entity> Resolver::Impl::EntityOf(const std::string& mention_id) const {
  auto it = slot_of_.find(mention_id);
  if (it == slot_of_.end() || anchor_of_[it->second] == kNone) return std::nullopt;
  return MakeEntity(anchor_of_[it->second]);
}

std::vector<Entity> Resolver::Impl::Entities() const {
  std::vector<Entity> out;
  out.reserve(entities_.size());
  for (const auto& [anchor, rec] : entities_) out.push_back(MakeEntity(anchor));
  std::sort(out.begin(), out.end(), [](const Entity& x, const Entity& y) { return x.id < y.id; });
  return out;
}

std::vector<Entity> Resolver::Impl::ChangedEntities() const {
  std::vector<Entity> out;
  out.reserve(changed_anchors_.size());
  for (uint32_t anchor : changed_anchors_) out.push_back(MakeEntity(anchor));
  std::sort(out.begin(), out.end(), [](const Entity& x, const Entity& y) { return x.id < y.id; });
  return out;
}

std::vector<PersonMention> Resolver::Impl::MentionsOfRecord(const std::string& record_id) const {
  std::vector<PersonMention> out;
  auto it = record_slots_.find(record_id);
  if (it == record_slots_.end()) return out;
  for (uint32_t s : it->second) {
    if (live_[s]) out.push_back(mentions_.Get(s, strings_));
  }
  std::sort(out.begin(), out.end(),
            [](const PersonMention& x, const PersonMention& y) { return x.ordinal < y.ordinal; });
  return out;
}

std::vector<ReviewPair> Resolver::Impl::ReviewQueue() const {
  std::vector<ReviewPair> out;
  for (const auto& [comp, recs] : review_) {
    for (const ReviewRec& r : recs) {
      out.push_back({std::string(mentions_.Id(r.a)), std::string(mentions_.Id(r.b)),
                     EntityIdFor(mentions_.Id(r.anchor_a)), EntityIdFor(mentions_.Id(r.anchor_b)),
                     ToBits(r.score)});
    }
  }
  std::sort(out.begin(), out.end(), [](const ReviewPair& x, const ReviewPair& y) {
    if (x.score != y.score) return x.score > y.score;
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  });
  return out;
}

Result<PairEvidence> Resolver::Impl::Explain(const std::string& a, const std::string& b) const {
  auto ia = slot_of_.find(a), ib = slot_of_.find(b);
  if (ia == slot_of_.end() || ib == slot_of_.end()) {
    return Status::NotFound("unknown mention " + (ia == slot_of_.end() ? a : b));
  }
  const Features &fa = features_[ia->second], &fb = features_[ib->second];
  PairEvidence ev{a, b, 0, ComparePair(fa, fb, tf_, strings_), ""};
  ev.score = ToBits(ScorePair(fa, fb, tf_, strings_));
  if (fa.id_valid && fb.id_valid) {
    ev.verdict = fa.id_text == fb.id_text ? "same_id" : "different_ids";
  } else {
    ev.verdict = ev.score >= options_.upper   ? "merge"
                 : ev.score >= options_.lower ? "review"
                                              : "apart";
  }
  return ev;
}

State Resolver::Impl::Export() const {
  State st;
  for (const auto& [ordinal, slot] : slot_of_ordinal_) st.mentions.push_back(mentions_.Get(slot, strings_));
  std::sort(st.mentions.begin(), st.mentions.end(),
            [](const PersonMention& x, const PersonMention& y) { return x.ordinal < y.ordinal; });
  st.decisions = decisions_;
  return st;
}

// ---------------------------------------------------------------- Resolver

Resolver::Resolver(Options options) : impl_(std::make_unique<Impl>(options)) {}
Resolver::~Resolver() = default;
Resolver::Resolver(Resolver&&) noexcept = default;
Resolver& Resolver::operator=(Resolver&&) noexcept = default;
Status Resolver::Upsert(std::vector<PersonMention> m) { return impl_->Upsert(std::move(m)); }
Status Resolver::Remove(const std::string& record_id) { return impl_->Remove(record_id); }
Status Resolver::AddDecision(Decision d) { return impl_->AddDecision(std::move(d)); }
ResolveResult Resolver::Resolve() { return impl_->Resolve(); }
std::optional<Entity> Resolver::EntityOf(const std::string& id) const {
  return impl_->EntityOf(id);
}
std::vector<Entity> Resolver::Entities() const { return impl_->Entities(); }
std::vector<ReviewPair> Resolver::ReviewQueue() const { return impl_->ReviewQueue(); }
Result<PairEvidence> Resolver::Explain(const std::string& a, const std::string& b) const {
  return impl_->Explain(a, b);
}
State Resolver::Export() const { return impl_->Export(); }
std::vector<Entity> Resolver::ChangedEntities() const { return impl_->ChangedEntities(); }
std::vector<PersonMention> Resolver::MentionsOfRecord(const std::string& record_id) const {
  return impl_->MentionsOfRecord(record_id);
}
const std::vector<Decision>& Resolver::Decisions() const { return impl_->decisions_; }

Result<Resolver> Resolver::Rebuild(const State& state, Options options) {
  Resolver r(options);
  SWEEP_RETURN_IF_ERROR(r.Upsert(state.mentions).WithContext("rebuild"));
  for (const Decision& d : state.decisions) {
    if (d.kind == DecisionKind::kSplit) {
      return Status::InvalidArgument("rebuild: stored decisions are Same/NotSame pairs only");
    }
    r.impl_->StoreDecision(d);  // mentions of a removed record may be gone: kept dormant
  }
  (void)r.Resolve();
  return r;
}

}  // namespace sweep::hub::resolve
