// The tablet screen's list of joint inspections (docs/api.md): on a
// regulator's tablet, the office sweeps other agencies recorded with it, as
// the hub sent them (the shared company and premises facts, and this
// agency's own finding). Police tablets receive none: the list is empty.
#include "ui_internal.h"

namespace sweep::field {

void UiServer::Impl::InspectionRoutes() {
  server.Get("/api/inspections", Unlocked(&Impl::ListInspections));
}

void UiServer::Impl::ListInspections(const httplib::Request&, httplib::Response& res) {
  auto inspections = store->Inspections();
  if (!inspections.ok()) {
    ui::SendStoreError(res, inspections.status());
    return;
  }
  v1::UiInspections out;
  if (auto hub = store->Hub(); hub.ok() && *hub) out.set_agency((*hub)->enrollment.agency());
  for (v1::Inspection& in : *inspections) {
    v1::UiInspection* u = out.add_inspections();
    u->set_record_id(in.record_id());
    u->set_version(in.version());
    u->set_officer_id(in.officer_id());
    for (const v1::SealedSection& s : in.sweep().sections()) u->add_sealed(s.agency());
    in.mutable_sweep()->clear_sections();  // ciphertext the screen cannot use
    u->mutable_sweep()->Swap(in.mutable_sweep());
  }
  res.set_content(sync::web::ApiJson(out), "application/json");
}

}  // namespace sweep::field
