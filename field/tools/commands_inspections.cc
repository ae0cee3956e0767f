// `sweep-field inspections`: the joint inspections pulled to a regulator's
// tablet (docs/protocol.md "Agency sections"): per office sweep, the shared
// company and premises facts and this agency's own finding; other agencies'
// sections are named, never shown. Text in Chinese (--lang en: English), or
// one JSON object per line (--json, the screen's UiInspection).
#include <iostream>

#include "commands.h"
#include "sweep/field/store.h"
#include "sweep/sync/web.h"
#include "sweep/v1/ui.pb.h"

namespace sweep::cli {

namespace {

std::string AgencyName(const std::string& agency, bool en) {
  struct Name {
    const char* code;
    const char* zh;
    const char* en;
  };
  static const Name kNames[] = {{"police", "公安", "police"},
                                {"market_regulation", "市场监管", "market regulation"},
                                {"tax", "税务", "tax"},
                                {"commerce", "工商", "commerce"}};
  for (const Name& n : kNames) {
    if (agency == n.code) return en ? n.en : n.zh;
  }
  return agency;
}

std::string LicenceName(v1::LicenceStatus s, bool en) {
  switch (s) {
    case v1::LICENCE_STATUS_VALID:
      return en ? "valid" : "有效";
    case v1::LICENCE_STATUS_MISSING:
      return en ? "missing" : "无照";
    case v1::LICENCE_STATUS_EXPIRED:
      return en ? "expired" : "已过期";
    case v1::LICENCE_STATUS_REVOKED:
      return en ? "revoked" : "已吊销";
    case v1::LICENCE_STATUS_MISMATCH:
      return en ? "does not match the business" : "与实际不符";
    default:
      return en ? "not checked" : "未核查";
  }
}

v1::UiInspection ToUi(v1::Inspection in) {
  v1::UiInspection u;
  u.set_record_id(in.record_id());
  u.set_version(in.version());
  u.set_officer_id(in.officer_id());
  for (const v1::SealedSection& s : in.sweep().sections()) u.add_sealed(s.agency());
  in.mutable_sweep()->clear_sections();
  u.mutable_sweep()->Swap(in.mutable_sweep());
  return u;
}

void PrintText(const v1::UiInspection& u, size_t n, bool en) {
  const v1::OfficeSweep& o = u.sweep();
  std::cout << n << ". " << (o.company_name().empty() ? "-" : o.company_name()) << "  "
            << (o.credit_code().empty() ? "-" : o.credit_code()) << "\n";
  std::cout << "   " << (en ? "address: " : "地址：") << o.address().raw() << "\n";
  std::cout << "   " << (en ? "licence: " : "营业执照：") << LicenceName(o.licence(), en);
  if (!o.registered_business().empty() || !o.actual_business().empty()) {
    std::cout << (en ? "; registered for: " : "；登记经营范围：") << o.registered_business()
              << (en ? "; actual business: " : "；实际经营：") << o.actual_business();
  }
  if (o.staff_registered() > 0 || o.staff_present() > 0) {
    std::cout << (en ? "; staff registered/present: " : "；登记/现场人数：") << o.staff_registered()
              << "/" << o.staff_present();
  }
  std::cout << "\n   " << (en ? "recorded by " : "记录人 ") << u.officer_id()
            << (en ? ", version " : "，第 ") << u.version() << (en ? ", record " : " 版，记录 ")
            << u.record_id() << "\n";
  for (const v1::AgencyFinding& f : o.findings()) {
    std::cout << "   " << AgencyName(f.agency(), en) << (en ? ": " : "：") << f.summary();
    for (const v1::Indicator& i : f.indicators()) std::cout << " [" << i.code() << "]";
    for (const v1::Disposition& d : f.dispositions()) {
      std::cout << (en ? " disposition " : " 处置 ") << d.code();
      if (!d.detail().empty()) std::cout << " (" << d.detail() << ")";
    }
    std::cout << "\n";
  }
  for (const std::string& a : u.sealed()) {
    std::cout << "   "
              << (en ? "sealed (" + AgencyName(a, en) + ")" : "已封存（" + AgencyName(a, en) + "）")
              << "\n";
  }
}

}  // namespace

Status CmdInspections(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(auto hub, store->Hub());
  if (!hub) {
    return Status::NotFound(
        "this tablet is not enrolled: a regulator's tablet receives its joint inspections from "
        "the station at sync (enroll --hub URL --code CODE, then sync)");
  }
  SWEEP_ASSIGN_OR_RETURN(auto inspections, store->Inspections());
  const bool en = g.english;
  if (!g.json) {
    std::cout << (en ? "joint inspections: " : "联合检查：") << inspections.size()
              << (en ? " (this tablet: " : " 条（本机：")
              << AgencyName(hub->enrollment.agency(), en) << (en ? ")" : "）") << "\n";
  }
  size_t n = 0;
  for (v1::Inspection& in : inspections) {
    v1::UiInspection u = ToUi(std::move(in));
    if (g.json) {
      std::cout << sync::web::ApiJson(u) << "\n";  // as GET /api/inspections
    } else {
      PrintText(u, ++n, en);
    }
  }
  return Status::Ok();
}

}  // namespace sweep::cli
