// Person resolution for the hub merge (issue 5): which person mentions in the
// ingested visits are the same human being. In memory, no SQL, no HTTP: the
// caller feeds mentions (built from records with MentionsOf) and supervisors'
// decisions, and reads entities, the review queue and per-pair evidence.
// The model (features, blocking keys, Fellegi–Sunter weights, thresholds,
// constraint rules, determinism, incremental runs) is specified in
// docs/merge.md.
//
// Guarantees: a valid 18-digit ID number decides (same ID → same entity; two
// different valid IDs never end in one entity, directly or through others);
// decisions are respected by every run; an entity keeps its id while mentions
// join it; Resolve() after any sequence of Upsert/Remove/AddDecision gives
// exactly the state Rebuild() gives from the same mentions and decisions.
//
// Thread-compatible: one Resolver per thread, or external locking.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/address.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"
#include "sweep/v1/record.pb.h"

namespace sweep::hub::resolve {

// One Person inside the latest version of one record.
struct PersonMention {
  uint64_t ordinal = 0;    // ingestion order; 0 = let the Resolver assign the next one
  std::string mention_id;  // "<record_id>/<path>", path "landlord", "occupants[i]", "persons[i]"
  std::string record_id;
  std::string name;       // as typed
  std::string id_number;  // as typed
  std::string phone;      // as typed
  v1::Sex sex = v1::SEX_UNSPECIFIED;
  std::string birth_date;    // YYYY-MM-DD as typed, may be empty
  std::string role;          // "landlord", "resident", "staff"
  std::string premises_key;  // the unit's normalized_key ("" when unresolved)
  std::string building_key;  // schema::BuildingKeyOf ("" when unresolved)
  std::string officer_id;
  int64_t at_ms = 0;  // visited_at_ms, else the record's HLC wall time
};

// The mentions of one record version (ordinals left 0). Addresses are
// normalised with `context` unless they already carry a key.
std::vector<PersonMention> MentionsOf(const v1::Record& record,
                                      const schema::AddressContext& context = {});

// The ordinal the merge gives a new mention: its record's first arrival
// (`first_order`, the ingest order of the record's first version, ≥ 1) in
// the high bits and its slot in the record in the low 20 (landlord 0,
// occupants[i] / persons[i] i + 1), so it does not depend on which version
// brought the mention (docs/merge.md §10). InvalidArgument on a path it does
// not know or out of range.
Result<uint64_t> OrdinalOf(uint64_t first_order, std::string_view mention_id);

enum class DecisionKind { kSame, kNotSame, kSplit };

// A supervisor's decision, by mention ids. Split is expanded by AddDecision
// into NotSame pairs between `mentions` and the rest of the entity at that
// moment, so stored decisions are only kSame and kNotSame pairs.
struct Decision {
  DecisionKind kind = DecisionKind::kSame;
  std::string a, b;                   // kSame / kNotSame
  std::string entity_id;              // kSplit
  std::vector<std::string> mentions;  // kSplit: the part that leaves
  uint64_t seq = 0;                   // order of decisions; 0 = assign the next
  std::string by;                     // who decided (kept, not interpreted)
  int64_t at_ms = 0;
};

// The comparison of one field of a pair, for the review screen.
struct FieldEvidence {
  std::string field;             // "id", "name", "phone", "birth_date", "sex", "premises"
  std::string level;             // e.g. "equal", "same_pinyin", "edit1", "different", "missing"
  std::string value_a, value_b;  // the normalised values compared
  double weight = 0;             // log2(m/u); 0 when missing
};

struct PairEvidence {
  std::string a, b;  // mention ids
  double score = 0;  // sum of the weights
  std::vector<FieldEvidence> fields;
  std::string verdict;  // "merge", "review", "apart", "same_id", "different_ids"
};

struct ReviewPair {
  std::string a, b;  // mention ids, the best-scoring pair between the two entities
  std::string entity_a, entity_b;
  double score = 0;
  bool operator==(const ReviewPair&) const = default;
};

struct Entity {
  std::string id;                     // "P" + 16 hex digits of the anchor mention id's hash
  std::vector<std::string> mentions;  // by ordinal
  std::string id_number;              // the valid 18-digit ID, if any
  bool operator==(const Entity&) const = default;
};

// Weights and limits (docs/merge.md explains every number). The defaults are
// what the hub runs; tests and the benchmark use them unchanged.
struct Options {
  double upper = 16.0;  // score ≥ upper: merge
  double lower = 6.0;   // lower ≤ score < upper: review
  size_t block_cap = 200;
  Env* env = nullptr;  // "today" for ID date checks; nullptr = Env::Default()
};

struct ResolveResult {
  size_t mentions = 0;              // live mentions
  size_t entities = 0;              // entities in total
  size_t rescored_mentions = 0;     // mentions whose candidate pairs were recomputed
  size_t reclustered_mentions = 0;  // mentions in the re-clustered groups
  size_t pairs_scored = 0;
  std::vector<std::string> changed_entities;  // ids created or whose members changed
  std::vector<std::string> removed_entities;  // ids that no longer exist
  std::vector<std::string> conflicts;         // decisions overridden by the ID rule, in words
};

// Plain data for persistence (the lead writes the SQL): everything a
// Resolver needs to come back is the mentions and the decisions.
struct State {
  std::vector<PersonMention> mentions;
  std::vector<Decision> decisions;  // kSame / kNotSame only, by seq
};

class Resolver {
 public:
  explicit Resolver(Options options = {});
  ~Resolver();
  Resolver(Resolver&&) noexcept;
  Resolver& operator=(Resolver&&) noexcept;

  // Adds or replaces mentions. All mentions of a record_id given here
  // replace that record's previous mentions (a new version); a mention whose
  // id was known keeps its ordinal. InvalidArgument (nothing applied) on an
  // empty or duplicate mention id, or an ordinal already used by another id.
  Status Upsert(std::vector<PersonMention> mentions);
  // Removes every mention of the record. NotFound if none.
  Status Remove(const std::string& record_id);
  // Same/NotSame name two known mentions (InvalidArgument otherwise); Split
  // names an entity (NotFound if unknown) and a proper part of its mentions.
  // Split, and Same superseding earlier not-same decisions between the two
  // entities it joins, read the entities as of the last Resolve().
  Status AddDecision(Decision decision);
  // Brings entities and the review queue up to date with everything since
  // the last call (only the affected groups are recomputed).
  ResolveResult Resolve();

  // REQUIRES: Resolve() called since the last change, for the next three.
  std::optional<Entity> EntityOf(const std::string& mention_id) const;
  std::vector<Entity> Entities() const;         // sorted by id
  std::vector<ReviewPair> ReviewQueue() const;  // score descending, then mention ids
  // The evidence for any two known mentions (not only candidates).
  Result<PairEvidence> Explain(const std::string& a, const std::string& b) const;
  // The entities named in the last Resolve()'s changed_entities, sorted by
  // id (what a caller storing only the changes writes).
  std::vector<Entity> ChangedEntities() const;

  // The live mentions of one record, by ordinal (empty if none).
  std::vector<PersonMention> MentionsOfRecord(const std::string& record_id) const;
  // The stored decisions (kSame / kNotSame), by seq.
  const std::vector<Decision>& Decisions() const;

  State Export() const;
  static Result<Resolver> Rebuild(const State& state, Options options = {});

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sweep::hub::resolve
