// The case file (issue 5): what the station knows about premises (dens),
// persons, suspects and companies, computed from the record versions the
// hub ingested, the person entities of the merge and the supervisors' edits.
// In memory, no SQL: the caller feeds versions and edits in any order and
// Build() gives the same CaseView whatever the order (deterministic).
// Spec: docs/cases.md.
//
//  - Premises: one per normalised room/office key (schema::Address
//    normalized_key); den status with its lifecycle (none → suspected →
//    investigating → raided → cleared; cleared → suspected again on new
//    indicators), every change with who, when, why and the source.
//  - Persons: every person entity of the merge, its fields each with the
//    mention it came from; links to premises (resident, landlord, staff),
//    phones and bank cards.
//  - Suspects: persons with an involvement (den occupant, named in a
//    disposition, or set by a CaseUpdate) and their dispositions, by
//    configurable codes.
//  - Companies: by unified social credit code (GB 32100), linked to premises.
//  - Conflicts: CaseUpdates on the same subject made on the same
//    subject_version that set one field to different values. Both values are
//    kept with their sources; the winner meanwhile is the latest by (decided
//    time, HLC, record id); a later update of that field resolves it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/address.h"
#include "sweep/schema/status.h"
#include "sweep/v1/record.pb.h"

namespace sweep::hub::cases {

// Where a value came from: a record version (a visit or a tablet's
// CaseUpdate) or a supervisor's edit at the hub (device_id "hub").
struct Source {
  std::string record_id;
  uint64_t version = 0;
  std::string officer_id;
  std::string device_id;
  int64_t at_ms = 0;   // visited / decided time (ms since epoch, UTC)
  std::string path;    // within the record, e.g. "occupants[1].phone", "indicators[0]"
};

// A field of an entity and where its current value came from.
struct Field {
  std::string name;   // e.g. "name", "phone", "den_status", "licence"
  std::string value;
  Source source;
};

enum class DenStatus { kNone, kSuspected, kInvestigating, kRaided, kCleared };
std::string_view DenStatusName(DenStatus s);  // "none", "suspected", ...
std::string_view DenStatusZh(DenStatus s);    // "无", "疑似窝点", "侦查中", "已捣毁", "已清除"
std::optional<DenStatus> ParseDenStatus(std::string_view name);
// Whether a change from `from` to `to` is allowed (docs/cases.md §2).
bool AllowedTransition(DenStatus from, DenStatus to);

struct StatusChange {
  DenStatus from = DenStatus::kNone;
  DenStatus to = DenStatus::kNone;
  std::string by;       // officer id
  int64_t at_ms = 0;
  std::string why;      // reason in words; for automatic changes the indicators
  bool automatic = false;  // derived from a visit's indicators (not an edit)
  Source source;
};

struct IndicatorSeen {
  std::string code;
  uint32_t count = 0;
  std::string detail;
  Source source;
};

// A conflict: concurrent changes to one field of one subject.
struct Conflict {
  std::string subject;  // "premises:<key>" or "person:<entity id>"
  std::string field;    // "den_status", "involvement", "disposition"
  uint64_t base_version = 0;
  std::vector<Field> values;  // every concurrent value, the winner first
  bool resolved = false;      // a later change of the field superseded them
};

struct Premises {
  std::string key;           // normalized_key
  std::string building_key;  // schema::BuildingKeyOf
  std::string kind;          // "rental" or "office"
  v1::Address address;       // normalised, from the latest visit
  std::vector<Field> fields;  // address, unit_status, registration, licence, company, ...
  DenStatus status = DenStatus::kNone;
  uint64_t version = 0;      // changes applied (the subject_version of the next one)
  std::vector<StatusChange> history;  // oldest first
  std::vector<IndicatorSeen> indicators;  // present indicators of every visit, oldest first
  std::vector<std::string> visits;    // record ids, by visit time
  int64_t first_visit_ms = 0, last_visit_ms = 0;
  int64_t suspected_ms = 0;  // when it last became suspected (0: never)
};

struct DispositionSeen {
  std::string code;
  std::string detail;
  Source source;
};

struct PersonCase {
  std::string entity;         // the merge's entity id
  std::vector<Field> fields;  // name, id_number (18-digit), phone (E.164), sex, birth_date, ...
  std::vector<std::string> mentions;  // mention ids
  // Suspect part: empty involvement and dispositions for everybody else.
  std::string involvement;
  Source involvement_source;
  std::vector<DispositionSeen> dispositions;  // oldest first
  uint64_t version = 0;  // changes applied (the subject_version of the next one)
  bool suspect() const { return !involvement.empty() || !dispositions.empty(); }
};

struct Company {
  std::string credit_code;    // 18 characters, validated
  std::vector<Field> fields;  // name, licence, registered_business, actual_business
  std::vector<std::string> premises;  // premises keys
};

// An edge of the graph. Node ids: "premises:<key>", "person:<entity>",
// "company:<credit code>", "phone:<E.164>", "card:<digits>".
struct Link {
  std::string a, b;
  std::string role;  // "resident", "landlord", "staff", "phone", "card", "company_at"
  Source source;
};

// One visit (a record's winning version) as the case file read it.
struct VisitSummary {
  std::string record_id;
  uint64_t version = 0;
  std::string officer_id, device_id;
  int64_t at_ms = 0;          // visited_at_ms, else HLC wall time
  std::string kind;           // "rental" or "office"
  v1::UnitStatus status = v1::UNIT_STATUS_UNSPECIFIED;  // office sweeps: CHECKED
  std::string premises_key;   // "" when the address could not be resolved
  std::string building_key, unit_key;
  bool den = false;           // indicators amount to a den suspicion (schema::ledger::IndicatesDen)
  std::vector<std::string> indicators;  // present indicator codes
  std::vector<std::string> persons;     // entity ids of the persons recorded, in record order
};

struct CaseView {
  std::vector<VisitSummary> visits;          // sorted (at_ms, record_id)
  std::map<std::string, Premises> premises;  // by key
  std::map<std::string, PersonCase> persons;  // by entity id
  std::map<std::string, Company> companies;  // by credit code
  std::vector<Link> links;                    // sorted (a, b, role, source.record_id)
  std::vector<Conflict> conflicts;            // sorted (subject, field, base_version)
  std::vector<std::string> problems;          // updates that could not apply, in words
};

// A configurable disposition code (docs/cases.md §4).
struct DispositionCode {
  std::string code;   // e.g. "detained"
  std::string zh;     // e.g. "刑事拘留"
  std::string en;     // e.g. "criminal detention"
  std::string scope = "person";  // "person" (makes a suspect) or "premises" (e.g. registered_on_site)
  std::string watch;  // watchlist level for the person's identifiers: "alert", "notice" or ""
};
std::vector<DispositionCode> DefaultDispositionCodes();

struct CaseOptions {
  schema::AddressContext address;  // default division for normalising
  std::vector<DispositionCode> dispositions = DefaultDispositionCodes();
};

// A supervisor's change made at the hub; same meaning as a tablet's.
struct HubEdit {
  uint64_t seq = 0;         // store order
  std::string by;           // officer id of the supervisor
  int64_t at_ms = 0;
  v1::CaseUpdate update;
};

class CaseFile {
 public:
  explicit CaseFile(CaseOptions options = {});

  // One ingested record version (any order; per record the highest version
  // wins, equal versions by HLC then device id). CaseUpdate bodies are
  // changes; rental checks and office sweeps are visits.
  void AddVersion(const v1::Record& record);
  void AddHubEdit(const HubEdit& edit);
  // The person entity of each mention id ("<record_id>/<path>", as
  // resolve::MentionsOf names them). Mentions without one get their own
  // entity "m:<mention id>".
  void SetEntityOf(std::function<std::string(const std::string& mention_id)> entity_of);

  CaseView Build() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Checks an edit against the current view before a hub stores it:
// the subject exists, the transition is allowed, the codes are configured,
// a reason is given. InvalidArgument / NotFound in words.
Status CheckEdit(const CaseView& view, const CaseOptions& options, const v1::CaseUpdate& update);

// The connected group (团伙) around `node` ("premises:…", "person:…", or
// a bare key/entity id/credit code/ID number resolved by the view), up to
// `depth` hops: the nodes and links reached, sorted.
struct Graph {
  std::vector<std::string> nodes;
  std::vector<Link> links;
};
Result<Graph> GraphAround(const CaseView& view, const std::string& node, int depth);
// The same, resolving a bare address string with `context` (e.g. the hub's
// default division, CaseOptions::address).
Result<Graph> GraphAround(const CaseView& view, const std::string& node, int depth,
                          const schema::AddressContext& context);

// What the watchlist (docs/protocol.md, WatchlistEntry) should hold, derived
// from the suspects: their ID numbers, phones and bank cards, with the
// strongest level of their dispositions ("alert" beats "notice"); suspects
// with only an involvement get "notice". Sorted by (kind, value).
struct WatchItem {
  std::string kind;   // "id", "phone", "card"
  std::string value;  // normalised as sync::WatchHash expects
  std::string level;  // "alert" or "notice"
  std::string note;   // e.g. "涉案人员：刑事拘留"
  std::string entity;
};
std::vector<WatchItem> WatchlistOf(const CaseView& view, const CaseOptions& options);

}  // namespace sweep::hub::cases
