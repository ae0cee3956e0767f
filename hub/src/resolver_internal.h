// Private parts of the person resolver (hub/include/sweep/hub/resolver.h):
// interned features, the block index, the scorer and the clusterer. Every
// decision the engine takes depends on mention ordinals and values only,
// never on slot numbers or hash-map iteration order, so an incremental run
// and a rebuild give the same answer (docs/merge.md §7).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sweep/hub/resolver.h"

namespace sweep::hub::resolve {

// Strings to dense ids; id 0 is the empty string ("missing").
class Interner {
 public:
  Interner() { strings_.emplace_back(); }
  uint32_t Intern(std::string_view s);
  const std::string& Str(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> strings_;
};

// Computed once per mention (docs/merge.md §2).
struct Features {
  uint32_t name = 0;      // NFKC, spaces removed
  uint32_t pinyin = 0;    // "Han-Latin; Latin-ASCII; Lower", spaces removed
  uint32_t phone = 0;     // E.164 when valid, else "?" + the normalised input
  uint32_t id_text = 0;   // the 18-digit ID when valid, else the normalised input
  uint64_t id17 = 0;      // first 17 digits as a number (valid or 18-char invalid)
  bool id_valid = false;  // CheckResidentId accepted it (15-digit upgraded)
  bool id_near = false;   // 18 characters, digits (+X), but not valid: near-match candidate
  int32_t birth = 0;      // yyyymmdd, 0 unknown
  int8_t sex = 0;         // 1 male, 2 female, 0 unknown
  uint32_t unit = 0;      // premises key
  uint32_t building = 0;  // building key
};

// Scores are fixed point (1/1000 bit) so that ordering is exact.
using Score = int32_t;
constexpr Score kScoreScale = 1000;
inline Score ToScore(double bits) {
  return static_cast<Score>(bits * kScoreScale + (bits >= 0 ? 0.5 : -0.5));
}
inline double ToBits(Score s) { return static_cast<double>(s) / kScoreScale; }

// What the scorer needs besides the two feature rows: the term frequencies.
struct TermStats {
  std::vector<uint32_t> name_count;  // by name id: live mentions carrying it
  // by phone id: distinct names carrying it, with their multiplicities
  std::unordered_map<uint32_t, std::unordered_map<uint32_t, uint32_t>> phone_names;
  uint32_t NameCount(uint32_t name) const {
    return name < name_count.size() ? name_count[name] : 0;
  }
  uint32_t PhoneDistinctNames(uint32_t phone) const {
    auto it = phone_names.find(phone);
    return it == phone_names.end() ? 0 : static_cast<uint32_t>(it->second.size());
  }
};

// Largest power of two ≤ n (n ≥ 1), 1 for 0: term frequencies move in steps
// so that one more mention rarely changes a weight (docs/merge.md §5.3).
uint32_t Bucket(uint32_t n);

// Fellegi–Sunter comparison (resolver_scoring.cc).
Score ScorePair(const Features& a, const Features& b, const TermStats& tf, const Interner& strings);
std::vector<FieldEvidence> ComparePair(const Features& a, const Features& b, const TermStats& tf,
                                       const Interner& strings);

// Feature extraction (resolver_features.cc).
class FeatureMaker {
 public:
  explicit FeatureMaker(Env* env) : env_(env) {}
  Features Make(const PersonMention& m, Interner& strings);

 private:
  uint32_t PinyinOf(uint32_t name, Interner& strings);
  void SetId(const std::string& typed, Interner& strings, Features& f);
  Env* env_;
  // typed → result: people are visited again and again, typed the same way
  std::unordered_map<std::string, uint32_t> phone_cache_, name_cache_;
  std::unordered_map<std::string, Features> id_cache_;
  std::vector<uint32_t> pinyin_of_name_;  // by name id, 0 = not yet
};

std::string PinyinOfName(const std::string& normalised_name);  // thread-local transliterator
std::string NormaliseName(std::string_view typed);

// Block keys of one mention (resolver_blocking.cc); 64-bit, tagged by kind.
void BlockKeysOf(const Features& f, std::vector<uint64_t>& out);
// The 17-digit prefixes within one substitution or one adjacent swap of
// `id17`, itself included (near-ID blocking, docs/merge.md §4).
void NearIdVariants(uint64_t id17, std::vector<uint64_t>& out);

// One edge of the candidate graph kept for clustering (score ≥ lower).
struct Edge {
  uint32_t other;
  Score score;
};

uint64_t Fnv1a64(std::string_view s);
std::string EntityIdFor(std::string_view anchor_mention_id);

// Hash for maps keyed by std::string that are also searched by string_view.
struct ViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Every mention the resolver was given, kept compact (resolver_mentions.cc):
// per slot its ordinal, and one heap block holding its fields
// length-prefixed, the unit and building keys (long, shared by a household)
// as ids of the resolver's Interner. A million mentions take about 200 MB
// here, against 700 MB as PersonMention values (docs/merge.md §9). Blocks
// are never freed or moved, so the string_views Id() and RecordId() return
// stay valid for the table's life (the resolver's maps are keyed by them).
class MentionTable {
 public:
  uint32_t Add(const PersonMention& m, Interner& strings);  // the new slot
  size_t size() const { return ordinal_.size(); }
  uint64_t Ordinal(uint32_t slot) const { return ordinal_[slot]; }
  std::string_view Id(uint32_t slot) const;
  std::string_view RecordId(uint32_t slot) const;
  PersonMention Get(uint32_t slot, const Interner& strings) const;
  void Reserve(size_t n) {
    ordinal_.reserve(n);
    blocks_.reserve(n);
  }

 private:
  std::vector<uint64_t> ordinal_;
  std::vector<std::unique_ptr<char[]>> blocks_;
};

}  // namespace sweep::hub::resolve
