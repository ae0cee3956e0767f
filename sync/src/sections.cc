#include "sweep/sync/sections.h"

#include <algorithm>
#include <sodium.h>

namespace sweep::sync::sections {

using crypto::AsBytes;
using crypto::Bytes;

bool IsAgency(std::string_view agency) {
  return std::find(std::begin(kAgencies), std::end(kAgencies), agency) != std::end(kAgencies);
}

crypto::BoxKeyPair DeriveAgencyKey(const crypto::SecretBuffer& hub_box_sk,
                                   std::string_view agency) {
  auto seed = crypto::KeyedHash(hub_box_sk, {AsBytes(std::string_view("sweep.agency.v1|")),
                                             AsBytes(agency)});
  crypto::BoxKeyPair kp = crypto::BoxKeyPairFromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return kp;
}

namespace {

bool IsPersonCheck(const v1::ValidationResult& v) {
  return v.field().rfind("persons[", 0) == 0;
}

// The parts of one save, in order of first appearance (so that opening
// gives the findings back in the order they were typed).
using Parts = std::vector<std::pair<std::string, v1::AgencySection>>;

v1::AgencySection& SectionOf(Parts& parts, const std::string& agency) {
  for (auto& [a, s] : parts) {
    if (a == agency) return s;
  }
  parts.emplace_back(agency, v1::AgencySection());
  parts.back().second.set_agency(agency);
  return parts.back().second;
}

}  // namespace

Status Seal(v1::Record* record, std::string_view recording_agency, const PublicKeys& keys) {
  if (!record->has_office_sweep()) return Status::Ok();
  v1::OfficeSweep* sweep = record->mutable_office_sweep();
  Parts parts;
  for (int i = 0; i < sweep->findings_size(); ++i) {
    const v1::AgencyFinding& f = sweep->findings(i);
    if (!IsAgency(f.agency())) {
      return Status::InvalidArgument("findings[" + std::to_string(i) + "].agency: \"" +
                                     f.agency() +
                                     "\" is not an agency (police, market_regulation, tax, "
                                     "commerce)");
    }
    v1::AgencySection& s = SectionOf(parts, f.agency());
    if (s.has_finding()) {
      return Status::InvalidArgument("findings[" + std::to_string(i) + "]: a second finding of " +
                                     f.agency() +
                                     "; merge them into one / 同一单位只能有一条检查结论，请合并");
    }
    *s.mutable_finding() = f;
  }
  if (sweep->persons_size() > 0) {
    v1::AgencySection& s = SectionOf(parts, "police");
    *s.mutable_persons() = sweep->persons();
    auto* validation = record->mutable_validation();
    for (const v1::ValidationResult& v : *validation) {
      if (IsPersonCheck(v)) *s.add_validation() = v;
    }
    validation->erase(std::remove_if(validation->begin(), validation->end(), IsPersonCheck),
                      validation->end());
  }
  if (!sweep->notes().empty()) {
    if (!IsAgency(recording_agency)) {
      return Status::InvalidArgument("the tablet's agency \"" + std::string(recording_agency) +
                                     "\" is not an agency: re-enroll the tablet");
    }
    SectionOf(parts, std::string(recording_agency)).set_notes(sweep->notes());
  }
  for (auto& [agency, part] : parts) {
    auto key = keys.find(agency);
    if (key == keys.end()) {
      return Status::InvalidArgument("no section key for agency " + agency +
                                     ": the tablet was enrolled before agency sections; "
                                     "re-enroll it");
    }
    std::string plain = part.SerializeAsString();
    Bytes sealed = crypto::BoxSeal(AsBytes(plain), key->second);
    sodium_memzero(plain.data(), plain.size());
    // A part of this save replaces a kept section of the same agency.
    auto* kept = sweep->mutable_sections();
    const std::string& name = agency;  // (clang before 16 cannot capture a structured binding)
    kept->erase(std::remove_if(kept->begin(), kept->end(),
                               [&](const v1::SealedSection& s) { return s.agency() == name; }),
                kept->end());
    v1::SealedSection* s = sweep->add_sections();
    s->set_agency(agency);
    s->set_sealed(sealed.data(), sealed.size());
  }
  sweep->clear_findings();
  sweep->clear_persons();
  sweep->clear_notes();
  return Status::Ok();
}

Result<size_t> Open(v1::Record* out, const SecretKeys& keys) {
  if (!out->has_office_sweep() || out->office_sweep().sections_size() == 0) return size_t{0};
  // On a copy: a section that does not open leaves `out` as it was.
  v1::Record work = *out;
  v1::Record* record = &work;
  v1::OfficeSweep* sweep = record->mutable_office_sweep();
  google::protobuf::RepeatedPtrField<v1::SealedSection> still;
  for (v1::SealedSection& s : *sweep->mutable_sections()) {
    auto key = keys.find(s.agency());
    if (key == keys.end() || key->second == nullptr) {
      *still.Add() = std::move(s);
      continue;
    }
    auto pk = crypto::BoxPublicKey(*key->second);
    auto plain = crypto::BoxSealOpen(AsBytes(s.sealed()), pk, *key->second);
    v1::AgencySection part;
    bool parsed = plain.ok() && part.ParseFromArray(plain->data(), static_cast<int>(plain->size()));
    if (plain.ok()) sodium_memzero(plain->data(), plain->size());
    if (!parsed || part.agency() != s.agency()) {
      return Status::Corruption("the " + s.agency() +
                                " section of this joint inspection does not open under the "
                                "agency's key: altered, or sealed to another hub's key");
    }
    if (part.has_finding()) *sweep->add_findings() = std::move(*part.mutable_finding());
    for (auto& p : *part.mutable_persons()) *sweep->add_persons() = std::move(p);
    if (!part.notes().empty()) {
      sweep->set_notes(sweep->notes().empty() ? part.notes()
                                              : sweep->notes() + "\n" + part.notes());
    }
    for (auto& v : *part.mutable_validation()) *record->add_validation() = std::move(v);
  }
  sweep->mutable_sections()->Swap(&still);
  out->Swap(&work);
  return static_cast<size_t>(out->office_sweep().sections_size());
}

v1::OfficeSweep SharedView(const v1::OfficeSweep& sweep, const v1::Record& record,
                           std::string_view agency, crypto::ByteView agency_pk) {
  v1::OfficeSweep out = sweep;
  out.clear_findings();
  out.clear_persons();
  out.clear_notes();
  out.clear_sections();
  // Not shared either: the follow-up is the recording officer's plan (it
  // may name whom to trace), and the photos' captions and files stay with
  // the police (a regulator's tablet cannot fetch them anyway).
  out.clear_follow_up();
  out.clear_attachments();
  v1::AgencySection part;
  part.set_agency(std::string(agency));
  for (const v1::AgencyFinding& f : sweep.findings()) {
    if (f.agency() == agency) *part.mutable_finding() = f;
  }
  if (agency == "police") {
    *part.mutable_persons() = sweep.persons();
    for (const auto& v : record.validation()) {
      if (IsPersonCheck(v)) *part.add_validation() = v;
    }
  }
  if (!part.has_finding() && part.persons_size() == 0) return out;
  std::string plain = part.SerializeAsString();
  Bytes sealed = crypto::BoxSeal(AsBytes(plain), agency_pk);
  sodium_memzero(plain.data(), plain.size());
  v1::SealedSection* s = out.add_sections();
  s->set_agency(std::string(agency));
  s->set_sealed(sealed.data(), sealed.size());
  return out;
}

}  // namespace sweep::sync::sections
