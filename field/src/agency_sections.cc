// Agency sections on the tablet (docs/protocol.md "Agency sections";
// docs/storage-format.md "Agency sections"): what the enrolled role may
// record, sealing an office sweep's agency parts before it is saved,
// opening this tablet's own agency's sections when a record is read back,
// and the joint inspections pulled to a regulator's tablet.
//
// An office sweep's findings, persons questioned and notes are sealed to
// each agency's key before the version is chained, so that no plaintext
// section is ever stored, signed or sent. A tablet that holds no keys (not
// enrolled, or enrolled by a hub from before agency sections) therefore
// refuses an office sweep that has such parts: sealing later would change
// a version already chained, and sending it unsealed would show every
// agency's part to every other.
#include <sodium.h>

#include "store_impl.h"
#include "sweep/sync/roles.h"

namespace sweep::field {

using crypto::Bytes;
namespace sections = sync::sections;
namespace roles = sync::roles;

namespace {

bool HasParts(const v1::OfficeSweep& o) {
  return o.findings_size() > 0 || o.persons_size() > 0 || !o.notes().empty();
}

// The rule's reason in Chinese, after the English one (the screen shows one).
std::string RoleRefusal(const std::string& role, bool enrolled, const Status& refused) {
  std::string en = refused.message();
  std::string zh;
  if (!enrolled) {
    en = "this tablet is not enrolled yet, and records as an officer until it is: " + en +
         "; enroll it first (sweep-field enroll) with a code for its role";
    zh = "本机尚未登记，登记前按民警权限记录：民警可以报告窝点状态，但处置和涉案情形由主管决定；"
         "请先用相应角色的登记码登记本机（sweep-field enroll）";
  } else if (role == roles::kRegulator) {
    zh = "监管部门的平板只能记录联合扫楼：出租屋核查和案件变更属于公安记录";
  } else if (role == roles::kOfficer) {
    zh = "民警的平板可以报告窝点状态，但不能决定处置或涉案情形：由主管在其平板或所里的系统上决定";
  } else {
    zh = "本机登记的角色“" + role + "”未知：请用民警、主管、监管或管理员的登记码重新登记本机";
  }
  return en + " / " + zh;
}

}  // namespace

Result<SectionKeys> SectionKeys::Load(Store::Impl* s) {
  SectionKeys k;
  SWEEP_ASSIGN_OR_RETURN(auto body, s->SealedMeta("hub_enrollment"));
  if (!body) return k;
  v1::EnrollResponse e;
  if (!e.ParseFromArray(body->data(), static_cast<int>(body->size()))) {
    return Status::Corruption("the pinned hub record does not parse");
  }
  k.enrolled_ = true;
  k.role_ = e.role();
  k.agency_ = e.agency();
  for (const v1::AgencyKey& a : e.agency_keys()) {
    if (!sections::IsAgency(a.agency()) || a.public_key().size() != crypto::kBoxPublicKeySize) {
      continue;  // checked at enrollment; a name this program does not know is skipped
    }
    auto& pk = k.public_keys_[a.agency()];
    std::copy(a.public_key().begin(), a.public_key().end(), pk.begin());
  }
  SWEEP_ASSIGN_OR_RETURN(auto sk, s->SealedMeta("agency_sk"));
  if (sk) {
    k.agency_sk_ = crypto::SecretBuffer::CopyOf(*sk);
    sodium_memzero(sk->data(), sk->size());
  }
  return k;
}

Status SectionKeys::BeforeSave(Store::Impl* s, v1::Record* rec, const v1::Record* previous,
                               bool sign_cosignatures) const {
  if (Status may = roles::MayRecord(role_, *rec); !may.ok()) {
    return Status::Unauthorized(RoleRefusal(role_, enrolled_, may));
  }
  if (!rec->has_office_sweep()) return Status::Ok();
  v1::OfficeSweep* sweep = rec->mutable_office_sweep();
  // Sections come from the store, never from the input: the sections of the
  // previous version this tablet cannot open go on unchanged (its own were
  // opened for editing and come back in the clear, or were removed).
  sweep->clear_sections();
  if (previous != nullptr && previous->has_office_sweep()) {
    v1::Record before = *previous;
    Open(&before);
    for (v1::SealedSection& kept : *before.mutable_office_sweep()->mutable_sections()) {
      *sweep->add_sections() = std::move(kept);
    }
  }
  if (HasParts(*sweep)) {
    if (!enrolled_) {
      return Status::Unauthorized(
          "an office sweep's findings, persons questioned and notes are sealed to each "
          "agency's key, which the station gives at enrollment: enroll this tablet first "
          "(sweep-field enroll), or save only the company and premises facts / "
          "扫楼记录中的各部门检查情况、询问人员和备注须用各部门的密钥封存，密钥在登记时由所里"
          "下发：请先登记本机（sweep-field enroll），或只保存单位和场所信息");
    }
    if (public_keys_.empty() || agency_sk_.empty()) {
      return Status::Unauthorized(
          "this tablet was enrolled by a hub from before agency sections and holds no "
          "agency keys: re-enroll it (sweep-field enroll again with the code it was enrolled "
          "with: the updated hub answers with the keys) before recording an office sweep's "
          "findings, persons or notes / "
          "本机登记时所里尚不支持分部门封存，没有部门密钥：请用本机当初的登记码再次登记"
          "（sweep-field "
          "enroll，升级后的所里服务器会下发密钥），再记录扫楼的检查情况、询问人员或备注");
    }
  }
  SWEEP_RETURN_IF_ERROR(sections::Seal(rec, agency_, public_keys_));
  if (sign_cosignatures && sweep->cosignatures_size() > 0) {
    SWEEP_RETURN_IF_ERROR(SignCosignatures(s, sweep));
  }
  return Status::Ok();
}

size_t SectionKeys::Open(v1::Record* rec) const {
  if (!rec->has_office_sweep()) return 0;
  const size_t sealed = static_cast<size_t>(rec->office_sweep().sections_size());
  if (sealed == 0 || agency_sk_.empty()) return sealed;
  bool own = false;
  for (const auto& sec : rec->office_sweep().sections()) own = own || sec.agency() == agency_;
  if (!own) return sealed;
  // Opened on a copy: a section that does not open (sealed to the key of a
  // hub this tablet was enrolled with before) leaves the record as stored.
  v1::Record copy = *rec;
  auto still = sections::Open(&copy, {{agency_, &agency_sk_}});
  if (!still.ok()) return sealed;
  rec->Swap(&copy);
  return *still;
}

size_t SectionKeys::Open(v1::OfficeSweep* sweep) const {
  v1::Record r;
  r.mutable_office_sweep()->Swap(sweep);
  size_t still = Open(&r);
  sweep->Swap(r.mutable_office_sweep());
  return still;
}

Result<size_t> Store::OpenSections(v1::Record* record) {
  SWEEP_RETURN_IF_ERROR(impl_->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(SectionKeys keys, SectionKeys::Load(impl_.get()));
  return keys.Open(record);
}

Result<std::vector<v1::Inspection>> Store::Inspections() {
  SWEEP_ASSIGN_OR_RETURN(auto items, FeedItems("inspection"));
  SWEEP_ASSIGN_OR_RETURN(SectionKeys keys, SectionKeys::Load(impl_.get()));
  std::vector<v1::Inspection> out;
  for (const v1::FeedItem& item : items) {
    v1::Inspection in;
    if (!in.ParseFromString(item.payload())) {
      return Status::Corruption("a pulled joint inspection (record " + item.key() +
                                ") does not parse: sync again, the hub sends it anew");
    }
    keys.Open(in.mutable_sweep());
    out.push_back(std::move(in));
  }
  return out;
}

}  // namespace sweep::field
