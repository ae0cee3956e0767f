// The case-file engine (sweep/hub/casefile.h, docs/cases.md): the inputs a
// CaseFile keeps (the winning version of each record, the hub's edits, the
// merge's entities) and Build(), which runs the passes of casefile_*.cc.
#include "sweep/hub/casefile.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <unordered_map>

#include "casefile_internal.h"
#include "sweep/schema/dispositions.h"
#include "sweep/schema/identifiers.h"

namespace sweep::hub::cases {

std::string_view DenStatusName(DenStatus s) {
  switch (s) {
    case DenStatus::kNone:
      return "none";
    case DenStatus::kSuspected:
      return "suspected";
    case DenStatus::kInvestigating:
      return "investigating";
    case DenStatus::kRaided:
      return "raided";
    case DenStatus::kCleared:
      return "cleared";
  }
  return "none";
}

std::string_view DenStatusZh(DenStatus s) {
  switch (s) {
    case DenStatus::kNone:
      return "无";
    case DenStatus::kSuspected:
      return "疑似窝点";
    case DenStatus::kInvestigating:
      return "侦查中";
    case DenStatus::kRaided:
      return "已捣毁";
    case DenStatus::kCleared:
      return "已清除";
  }
  return "无";
}

std::optional<DenStatus> ParseDenStatus(std::string_view name) {
  for (DenStatus s : {DenStatus::kNone, DenStatus::kSuspected, DenStatus::kInvestigating,
                      DenStatus::kRaided, DenStatus::kCleared}) {
    if (name == DenStatusName(s)) return s;
  }
  return std::nullopt;
}

bool AllowedTransition(DenStatus from, DenStatus to) {
  using S = DenStatus;
  switch (from) {
    case S::kNone:
      return to == S::kSuspected || to == S::kInvestigating;
    case S::kSuspected:
      return to == S::kInvestigating || to == S::kRaided || to == S::kCleared;
    case S::kInvestigating:
      return to == S::kRaided || to == S::kCleared;
    case S::kRaided:
      return to == S::kCleared;
    case S::kCleared:
      return to == S::kSuspected;
  }
  return false;
}

std::vector<DispositionCode> DefaultDispositionCodes() {
  std::vector<DispositionCode> out;
  for (const schema::DispositionInfo& d : schema::DefaultDispositions()) {
    out.push_back({std::string(d.code), std::string(d.zh), std::string(d.en),
                   std::string(d.scope), std::string(d.watch)});
  }
  return out;
}

namespace internal {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string EnumName(std::string_view proto_name, std::string_view prefix) {
  if (proto_name.substr(0, prefix.size()) == prefix) proto_name.remove_prefix(prefix.size());
  return Lower(proto_name);
}

namespace {
std::vector<std::string> Labels(const google::protobuf::EnumDescriptor* d,
                                std::string_view prefix) {
  std::vector<std::string> out;
  for (int i = 0; i < d->value_count(); ++i) {
    const int n = d->value(i)->number();
    if (n < 0 || n > 64) continue;
    if (out.size() <= static_cast<size_t>(n)) out.resize(n + 1);
    out[n] = EnumName(d->value(i)->name(), prefix);
  }
  return out;
}
const std::string& LabelOf(const std::vector<std::string>& labels, int n) {
  static const std::string kNone;
  return n >= 0 && static_cast<size_t>(n) < labels.size() ? labels[n] : kNone;
}
}  // namespace

const std::string& UnitStatusLabel(v1::UnitStatus s) {
  static const auto labels = Labels(v1::UnitStatus_descriptor(), "UNIT_STATUS_");
  return LabelOf(labels, s);
}
const std::string& RegistrationLabel(v1::RegistrationStatus s) {
  static const auto labels = Labels(v1::RegistrationStatus_descriptor(), "REGISTRATION_STATUS_");
  return LabelOf(labels, s);
}
const std::string& LicenceLabel(v1::LicenceStatus s) {
  static const auto labels = Labels(v1::LicenceStatus_descriptor(), "LICENCE_STATUS_");
  return LabelOf(labels, s);
}

namespace {
// Every check normalises its input first (NormalizeIdentifierInput), so its
// verdict depends on that alone: a second cache by the normalised input
// catches the spellings of one number ("139 0735 1234", "139-0735-1234").
template <typename F>
const std::string& Cached(std::unordered_map<std::string, std::string>& cache,
                          const std::string& typed, F check) {
  static const std::string kEmpty;
  if (typed.empty()) return kEmpty;
  auto it = cache.find(typed);
  if (it != cache.end()) return it->second;
  const std::string input = schema::NormalizeIdentifierInput(typed);
  auto same = cache.find("\n" + input);  // '\n' never survives normalisation
  if (same == cache.end()) {
    schema::Verdict v = check(input);
    std::string value;
    if (v.ok()) value = v.normalized.empty() ? input : v.normalized;
    same = cache.emplace("\n" + input, std::move(value)).first;
  }
  return cache.emplace(typed, same->second).first->second;
}
}  // namespace

const std::string& Normalizers::IdNumber(const std::string& typed) {
  return Cached(ids_, typed, [](const std::string& t) { return schema::CheckResidentId(t); });
}
const std::string& Normalizers::Phone(const std::string& typed) {
  return Cached(phones_, typed, [](const std::string& t) { return schema::CheckPhone(t); });
}
const std::string& Normalizers::Card(const std::string& typed) {
  return Cached(cards_, typed, [](const std::string& t) { return schema::CheckBankCard(t); });
}
const std::string& Normalizers::CreditCode(const std::string& typed) {
  return Cached(credit_codes_, typed,
                [](const std::string& t) { return schema::CheckCreditCode(t); });
}

const std::string& Normalizers::Node(const char* prefix, const std::string& value) {
  auto [it, fresh] = nodes_.try_emplace(&value);
  if (fresh) it->second = prefix + value;
  return it->second;
}

v1::Address Normalizers::Address(const v1::Address& address) {
  if (!address.normalized_key().empty()) return address;
  std::string raw = address.raw().empty() ? schema::AddressText(address) : address.raw();
  auto it = addresses_.find(raw);
  if (it == addresses_.end()) {
    it = addresses_.emplace(raw, schema::NormalizeAddress(raw, context_)).first;
  }
  return it->second;
}

int64_t DecidedAt(const UpdateRef& u) { return u.source.at_ms; }

bool UpdateBefore(const UpdateRef& a, const UpdateRef& b) {
  const uint64_t va = a.update->subject_version(), vb = b.update->subject_version();
  if (va != vb) return va < vb;
  if (DecidedAt(a) != DecidedAt(b)) return DecidedAt(a) < DecidedAt(b);
  if (a.hlc_wall != b.hlc_wall) return a.hlc_wall < b.hlc_wall;
  if (a.hlc_logical != b.hlc_logical) return a.hlc_logical < b.hlc_logical;
  return a.order_id < b.order_id;
}

}  // namespace internal

// ---------------------------------------------------------------- CaseFile

struct CaseFile::Impl {
  CaseOptions options;
  internal::Normalizers norm{{}};
  // The winning version of each record, its visit address normalised.
  std::unordered_map<std::string, v1::Record> records;
  std::vector<HubEdit> edits;
  std::function<std::string(const std::string&)> entity_of;
};

CaseFile::CaseFile(CaseOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->norm = internal::Normalizers(options.address);
  impl_->options = std::move(options);
}

namespace {

v1::Address* VisitAddress(v1::Record& r) {
  if (r.has_rental_check()) return r.mutable_rental_check()->mutable_address();
  if (r.has_office_sweep()) return r.mutable_office_sweep()->mutable_address();
  return nullptr;
}

// docs/cases.md §5: higher version, then HLC (wall, logical), then device id;
// identical keys (a duplicate): the larger serialisation, so any order agrees.
int CompareVersions(const v1::Record& a, const v1::Record& b) {
  if (a.version() != b.version()) return a.version() < b.version() ? -1 : 1;
  if (a.hlc().wall_ms() != b.hlc().wall_ms()) return a.hlc().wall_ms() < b.hlc().wall_ms() ? -1 : 1;
  if (a.hlc().logical() != b.hlc().logical()) return a.hlc().logical() < b.hlc().logical() ? -1 : 1;
  if (int c = a.device_id().compare(b.device_id()); c != 0) return c < 0 ? -1 : 1;
  std::string sa, sb;
  (void)a.SerializeToString(&sa);
  (void)b.SerializeToString(&sb);
  return sa.compare(sb) < 0 ? -1 : sa == sb ? 0 : 1;
}

}  // namespace

void CaseFile::AddVersion(const v1::Record& record) {
  if (record.record_id().empty() || record.body_case() == v1::Record::BODY_NOT_SET) return;
  v1::Record copy = record;
  if (v1::Address* a = VisitAddress(copy)) *a = impl_->norm.Address(*a);
  auto it = impl_->records.find(record.record_id());
  if (it == impl_->records.end()) {
    impl_->records.emplace(record.record_id(), std::move(copy));
  } else if (CompareVersions(copy, it->second) > 0) {
    it->second = std::move(copy);
  }
}

void CaseFile::AddHubEdit(const HubEdit& edit) { impl_->edits.push_back(edit); }

void CaseFile::SetEntityOf(std::function<std::string(const std::string&)> entity_of) {
  impl_->entity_of = std::move(entity_of);
}

CaseView CaseFile::Build() const {
  internal::Work w(impl_->options);
  for (const DispositionCode& c : impl_->options.dispositions) w.codes[c.code] = &c;
  std::vector<const v1::Record*> visits, updates;
  for (const auto& [id, r] : impl_->records) {
    (r.has_case_update() ? updates : visits).push_back(&r);
  }
  auto by_id = [](const v1::Record* a, const v1::Record* b) {
    return a->record_id() < b->record_id();
  };
  std::sort(visits.begin(), visits.end(), by_id);
  std::sort(updates.begin(), updates.end(), by_id);
  std::vector<HubEdit> edits = impl_->edits;
  std::sort(edits.begin(), edits.end(), [](const HubEdit& a, const HubEdit& b) {
    if (a.seq != b.seq) return a.seq < b.seq;
    if (a.at_ms != b.at_ms) return a.at_ms < b.at_ms;
    if (a.by != b.by) return a.by < b.by;
    return a.update.SerializeAsString() < b.update.SerializeAsString();
  });
  internal::ReadVisits(visits, impl_->entity_of, w);
  internal::CollectUpdates(updates, edits, w);
  internal::RunDenTimelines(w);
  internal::ApplyPersonUpdates(w);
  internal::ApplyVisitDispositions(w);
  internal::Materialise(w);
  return std::move(w.view);
}

}  // namespace sweep::hub::cases
