#include "sweep/sync/sections.h"

#include <catch2/catch.hpp>

using namespace sweep;
namespace sec = sweep::sync::sections;

namespace {

struct Keys {
  crypto::SecretBuffer hub = crypto::NewBoxKeyPair().secret_key;
  std::map<std::string, crypto::BoxKeyPair> pairs;
  Keys() {
    for (auto a : sec::kAgencies) pairs.emplace(std::string(a), sec::DeriveAgencyKey(hub, a));
  }
  sec::PublicKeys Public() const {
    sec::PublicKeys out;
    for (auto& [a, kp] : pairs) out[a] = kp.public_key;
    return out;
  }
  sec::SecretKeys Only(std::initializer_list<std::string> agencies) const {
    sec::SecretKeys out;
    for (auto& a : agencies) out[a] = &pairs.at(a).secret_key;
    return out;
  }
};

v1::Record JointSweep() {
  v1::Record r;
  r.set_record_id("0123456789abcdef0123456789abcdef");
  auto* o = r.mutable_office_sweep();
  o->set_company_name("深圳市某某科技有限公司");
  o->set_credit_code("91440300MA5FXXXX1X");
  auto* f = o->add_findings();
  f->set_agency("market_regulation");
  f->set_summary("经营范围与实际不符");
  f = o->add_findings();
  f->set_agency("police");
  f->set_summary("发现 GOIP 设备 3 台");
  auto* p = o->add_persons();
  p->set_name("王小明");
  p->set_id_number("440301199001011234");
  o->set_notes("负责人称设备为朋友寄存");
  auto* v = r.add_validation();
  v->set_field("persons[0].idNumber");
  v->set_normalized("440301199001011234");
  v = r.add_validation();
  v->set_field("creditCode");
  return r;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("sections: sealing moves every agency part out of the clear", "[sections]") {
  Keys k;
  v1::Record r = JointSweep();
  REQUIRE(sec::Seal(&r, "police", k.Public()).ok());
  const v1::OfficeSweep& o = r.office_sweep();
  CHECK(o.findings_size() == 0);
  CHECK(o.persons_size() == 0);
  CHECK(o.notes().empty());
  REQUIRE(o.sections_size() == 2);
  CHECK(o.sections(0).agency() == "market_regulation");
  CHECK(o.sections(1).agency() == "police");
  REQUIRE(r.validation_size() == 1);
  CHECK(r.validation(0).field() == "creditCode");
  const std::string bytes = r.SerializeAsString();
  for (const char* secret : {"王小明", "440301199001011234", "GOIP", "经营范围", "寄存"}) {
    INFO(secret);
    CHECK_FALSE(Contains(bytes, secret));
  }
  CHECK(Contains(bytes, "深圳市某某科技有限公司"));  // shared facts stay readable
}

TEST_CASE("sections: an agency opens its own section and nothing else", "[sections]") {
  Keys k;
  v1::Record sealed = JointSweep();
  REQUIRE(sec::Seal(&sealed, "police", k.Public()).ok());

  v1::Record mr = sealed;
  auto left = sec::Open(&mr, k.Only({"market_regulation"}));
  REQUIRE(left.ok());
  CHECK(*left == 1);
  REQUIRE(mr.office_sweep().findings_size() == 1);
  CHECK(mr.office_sweep().findings(0).summary() == "经营范围与实际不符");
  CHECK(mr.office_sweep().persons_size() == 0);
  CHECK(mr.office_sweep().notes().empty());
  CHECK_FALSE(Contains(mr.SerializeAsString(), "王小明"));

  v1::Record hub = sealed;  // the hub holds every agency's key
  auto none = sec::Open(&hub, k.Only({"police", "market_regulation", "tax", "commerce"}));
  REQUIRE(none.ok());
  CHECK(*none == 0);
  v1::Record original = JointSweep();
  CHECK(hub.office_sweep().findings_size() == 2);
  CHECK(hub.office_sweep().findings(0).summary() == original.office_sweep().findings(0).summary());
  CHECK(hub.office_sweep().persons(0).id_number() == "440301199001011234");
  CHECK(hub.office_sweep().notes() == original.office_sweep().notes());
  CHECK(hub.validation_size() == 2);
}

TEST_CASE("sections: a kept section survives an edit by a tablet that cannot open it",
          "[sections]") {
  Keys k;
  v1::Record r = JointSweep();
  REQUIRE(sec::Seal(&r, "police", k.Public()).ok());
  // A police tablet reopens its record: the regulator's part stays sealed.
  REQUIRE(sec::Open(&r, k.Only({"police"})).ok());
  REQUIRE(r.office_sweep().sections_size() == 1);
  r.mutable_office_sweep()->mutable_findings(0)->set_summary("GOIP 设备 4 台");
  REQUIRE(sec::Seal(&r, "police", k.Public()).ok());
  REQUIRE(sec::Open(&r, k.Only({"police", "market_regulation"})).ok());
  REQUIRE(r.office_sweep().findings_size() == 2);
  CHECK(r.office_sweep().findings(0).summary() == "经营范围与实际不符");
  CHECK(r.office_sweep().findings(1).summary() == "GOIP 设备 4 台");
}

TEST_CASE("sections: refused and detected", "[sections]") {
  Keys k;
  v1::Record r = JointSweep();
  r.mutable_office_sweep()->mutable_findings(0)->set_agency("customs");
  auto st = sec::Seal(&r, "police", k.Public());
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(Contains(st.message(), "findings[0].agency"));

  v1::Record two = JointSweep();
  two.mutable_office_sweep()->mutable_findings(1)->set_agency("market_regulation");
  CHECK(sec::Seal(&two, "police", k.Public()).code() == Code::kInvalidArgument);

  v1::Record nokey = JointSweep();
  auto pub = k.Public();
  pub.erase("market_regulation");
  CHECK(Contains(sec::Seal(&nokey, "police", pub).message(), "re-enroll"));

  v1::Record altered = JointSweep();
  REQUIRE(sec::Seal(&altered, "police", k.Public()).ok());
  auto* s = altered.mutable_office_sweep()->mutable_sections(0)->mutable_sealed();
  (*s)[s->size() / 2] ^= 1;
  const std::string before = altered.SerializeAsString();
  auto opened = sec::Open(&altered, k.Only({"market_regulation", "police"}));
  REQUIRE_FALSE(opened.ok());
  CHECK(Contains(opened.status().message(), "market_regulation"));
  CHECK(altered.SerializeAsString() == before);  // nothing half-opened

  // A section sealed under another hub's keys does not open here.
  Keys other;
  v1::Record foreign = JointSweep();
  REQUIRE(sec::Seal(&foreign, "police", other.Public()).ok());
  CHECK_FALSE(sec::Open(&foreign, k.Only({"police"})).ok());
}

TEST_CASE("sections: keys are derived per hub and per agency", "[sections]") {
  Keys a, b;
  auto again = sec::DeriveAgencyKey(a.hub, "police");
  CHECK(again.public_key == a.pairs.at("police").public_key);
  CHECK(a.pairs.at("police").public_key != a.pairs.at("tax").public_key);
  CHECK(a.pairs.at("police").public_key != b.pairs.at("police").public_key);
}

TEST_CASE("sections: an agency's shared view holds its own part only", "[sections]") {
  Keys k;
  v1::Record r = JointSweep();
  r.mutable_office_sweep()->mutable_follow_up()->set_reason("核实员工身份及资金流向");
  r.mutable_office_sweep()->add_attachments()->set_caption("王小明身份证");
  v1::OfficeSweep view = sec::SharedView(r.office_sweep(), r, "market_regulation",
                                         k.pairs.at("market_regulation").public_key);
  CHECK(view.company_name() == "深圳市某某科技有限公司");
  CHECK(view.findings_size() == 0);
  CHECK(view.persons_size() == 0);
  REQUIRE(view.sections_size() == 1);
  const std::string bytes = view.SerializeAsString();
  CHECK_FALSE(Contains(bytes, "王小明"));
  CHECK_FALSE(Contains(bytes, "经营范围"));
  CHECK_FALSE(Contains(bytes, "资金流向"));
  v1::Record holder;
  *holder.mutable_office_sweep() = view;
  REQUIRE(sec::Open(&holder, k.Only({"market_regulation"})).ok());
  CHECK(holder.office_sweep().findings(0).summary() == "经营范围与实际不符");
  CHECK(holder.office_sweep().persons_size() == 0);
  CHECK(holder.validation_size() == 0);
}
