// Private to the case-file engine (hub/src/casefile*.cc): the stored inputs
// of a CaseFile and the working state of one Build(). Build() runs in passes
// (docs/cases.md): visits → premises, persons, links, companies; the den
// timeline (automatic changes from visits interleaved with CaseUpdates);
// suspects' updates; dispositions; then the fields are materialised.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sweep/hub/casefile.h"

namespace sweep::hub::cases::internal {

// Normalisers with caches by the typed text: people are recorded again and
// again, typed the same way. Empty result: not valid.
class Normalizers {
 public:
  explicit Normalizers(schema::AddressContext context) : context_(std::move(context)) {}
  const std::string& IdNumber(const std::string& typed);    // 18-digit, "" if invalid
  const std::string& Phone(const std::string& typed);       // E.164, "" if invalid
  const std::string& Card(const std::string& typed);        // digits, "" if invalid
  const std::string& CreditCode(const std::string& typed);  // 18 chars, "" if invalid
  // The normalised address (`address` itself when it carries a key).
  v1::Address Address(const v1::Address& address);
  // prefix + value, kept: `value` is a string these caches returned.
  const std::string& Node(const char* prefix, const std::string& value);

 private:
  schema::AddressContext context_;
  std::unordered_map<std::string, std::string> ids_, phones_, cards_, credit_codes_;
  std::unordered_map<std::string, v1::Address> addresses_;
  std::unordered_map<const std::string*, std::string> nodes_;
};

// The address of a visit. REQUIRES: a rental check or office sweep.
inline const v1::Address& VisitAddressOf(const v1::Record& r) {
  return r.has_rental_check() ? r.rental_check().address() : r.office_sweep().address();
}

struct MentionRef {
  std::string id;      // "<record_id>/<path>"
  std::string path;    // "occupants[1]"
  std::string role;    // "resident", "landlord", "staff"
  std::string entity;  // the merge's entity, or "m:<id>"
  const v1::Person* person = nullptr;
  const std::string* id_number = nullptr;  // normalised ("" when invalid), in Normalizers
};

enum PersonField { kName, kIdNumber, kPhone, kSex, kBirthDate, kOrigin, kOccupation, kWorkplace };
inline constexpr std::array<const char*, 8> kPersonFieldNames = {
    "name", "id_number", "phone", "sex", "birth_date", "origin", "occupation", "workplace"};

// Where a person field's current value came from, before it becomes a
// Field: the value lives in the record (or in a Normalizers cache, stable).
struct Slot {
  const std::string* value = nullptr;  // nullptr: not set
  size_t visit = 0;                    // index into Work::visits
  uint32_t mention = 0;                // index into Work::mentions[visit]
};

// The last typed value of one person and what a Normalizers cache gave for
// it: a person is mostly typed the same way, a compare beats a hash lookup.
struct Memo {
  std::string typed;
  const std::string* value = nullptr;
  template <typename F>
  const std::string& Get(const std::string& t, F lookup) {
    if (value == nullptr || typed != t) {
      value = &lookup(t);
      typed = t;
    }
    return *value;
  }
};

struct PersonWork {
  PersonCase person;
  Memo id_memo, phone_memo;
  std::string node;  // "person:<entity>"
  // Links from this person so far: (b node, role), b kept by Work or Normalizers.
  std::vector<std::pair<const std::string*, std::string>> linked;
  const std::string* last_id = nullptr;  // the ID number last put in entity_by_id
  std::array<Slot, kPersonFieldNames.size()> fields;
  bool automatic = false;  // involvement from a den visit (not an update)
};

// Premises fields in the order a view lists them, with their record paths.
enum PremisesField {
  kAddress,
  kUnitStatus,
  kRegistration,
  kLicence,
  kCompany,
  kCreditCode,
  kRegisteredBusiness,
  kActualBusiness,
  kStaffRegistered,
  kStaffPresent,
  kPremisesFieldCount
};
inline constexpr std::array<std::pair<const char*, const char*>, kPremisesFieldCount>
    kPremisesFields = {{{"address", "address"},
                        {"unit_status", "unit_status"},
                        {"registration", "registration"},
                        {"licence", "licence"},
                        {"company", "company_name"},
                        {"credit_code", "credit_code"},
                        {"registered_business", "registered_business"},
                        {"actual_business", "actual_business"},
                        {"staff_registered", "staff_registered"},
                        {"staff_present", "staff_present"}}};

// A premises field's value: in the record or a static table (`ref`), or
// computed (`own`, e.g. a staff count).
struct PremisesSlot {
  bool set = false;
  size_t visit = 0;
  const std::string* ref = nullptr;
  std::string own;
  const std::string& value() const { return ref ? *ref : own; }
};

struct PremisesWork {
  std::string node;                                      // "premises:<key>"
  std::vector<size_t> visits;                            // by time
  std::array<PremisesSlot, kPremisesFieldCount> fields;  // latest visit wins
  std::vector<Field> actions;                            // premises-scope dispositions
};

// A link's identity, viewing strings owned elsewhere (Work::links).
struct LinkKey {
  std::string_view a, b, role;
  bool operator==(const LinkKey&) const = default;
};
struct LinkKeyHash {
  size_t operator()(const LinkKey& k) const {
    std::hash<std::string_view> h;
    return h(k.a) * 1000003u ^ h(k.b) * 31u ^ h(k.role);
  }
};

// One tablet CaseUpdate or hub edit, with its order key (docs/cases.md §5).
struct UpdateRef {
  const v1::CaseUpdate* update = nullptr;
  Source source;
  std::string order_id;    // record id, or "hub:" + zero-padded seq
  std::string source_key;  // device id, or "hub:" + supervisor: concurrent if they differ
  int64_t hlc_wall = 0;
  uint32_t hlc_logical = 0;
  std::string subject;  // "premises:<key>" or "person:<entity>"
};

struct Work {
  explicit Work(const CaseOptions& o) : options(o), norm(o.address) {}
  const CaseOptions& options;
  Normalizers norm;
  CaseView view;
  std::vector<const v1::Record*> records;         // aligned with view.visits
  std::vector<std::vector<MentionRef>> mentions;  // aligned with view.visits
  std::unordered_map<std::string, PersonWork> persons;
  std::map<std::string, PremisesWork> premises;
  // The same premises (view and work) by key, for the per-visit lookups.
  std::unordered_map<std::string, std::pair<Premises*, PremisesWork*>> premises_index;
  std::unordered_map<std::string, std::string> entity_by_id;  // normalised ID → smallest entity
  std::deque<Link> links;  // stable addresses for link_index; moved to view.links at the end
  std::unordered_set<LinkKey, LinkKeyHash> link_index;
  std::vector<UpdateRef> updates;
  std::map<std::string, const DispositionCode*> codes;
  // "<subject>\n<field>" → the subject versions whose updates set the field
  // (a conflict is resolved by a later one).
  std::map<std::string, std::vector<uint64_t>> field_set_at;

  Source SourceOf(size_t visit, std::string path) const;
  // Keeps the first (earliest) link of each (a, b, role); its source path is
  // `path` + `suffix`.
  void AddLink(const std::string& a, const std::string& b, std::string_view role, size_t visit,
               std::string_view path, std::string_view suffix = {});
  void Problem(std::string text) { view.problems.push_back(std::move(text)); }
};

// Passes, in this order.
void ReadVisits(const std::vector<const v1::Record*>& records,
                const std::function<std::string(const std::string&)>& entity_of, Work& w);
void CollectUpdates(const std::vector<const v1::Record*>& records,
                    const std::vector<HubEdit>& edits, Work& w);  // casefile_updates.cc
void RunDenTimelines(Work& w);                                    // casefile_updates.cc
void ApplyPersonUpdates(Work& w);                                 // casefile_updates.cc
void ApplyVisitDispositions(Work& w);
void Materialise(Work& w);

// Updates: order key comparison (subject_version, decided time, HLC, id).
bool UpdateBefore(const UpdateRef& a, const UpdateRef& b);
int64_t DecidedAt(const UpdateRef& u);

std::string Lower(std::string_view s);
std::string EnumName(std::string_view proto_name, std::string_view prefix);
// Lower-case names of enum values without their prefix ("checked"), kept for
// the process; "" for values the build does not know.
const std::string& UnitStatusLabel(v1::UnitStatus s);
const std::string& RegistrationLabel(v1::RegistrationStatus s);
const std::string& LicenceLabel(v1::LicenceStatus s);

}  // namespace sweep::hub::cases::internal
