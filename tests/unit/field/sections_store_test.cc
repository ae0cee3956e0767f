// Agency sections in the tablet's store (docs/protocol.md "Agency
// sections"), with a stand-in hub (fake_hub.h): an office sweep's findings,
// persons and notes are sealed before they are stored (none of them in the
// store's files); the tablet opens its own agency's section and no other;
// an edit carries the sections it cannot open forward, byte for byte;
// co-signatures cover the sealed form; the enrolled role decides what may
// be saved (a regulator: office sweeps only; an officer: no dispositions);
// an unenrolled store, or one enrolled by an older hub, refuses to save an
// office sweep it could not seal; enrollment keeps the keys sealed and
// refuses a role the stored records do not fit; a regulator's tablet lists
// its pulled inspections, on the command line's store API and the screen.
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <catch2/catch.hpp>

#include "../../support/fake_env.h"
#include "../../support/records.h"
#include "fake_hub.h"
#include "field_fixture.h"
#include "sweep/field/ui_server.h"
#include "sweep/v1/ui.pb.h"

using namespace sweep;
using field::Store;
using testing::FakeEnv;
using testing::FakeHub;
using testing::TempDir;
namespace sections = sweep::sync::sections;

namespace {

constexpr const char* kPin = "246810";
const std::string kPerson = "欧阳翠花";
const std::string kPersonId = "44011320141005001X";
const std::string kPersonPhone = "13987654321";
const std::string kPoliceFinding = "工位四排发现GOIP设备三台";
const std::string kMarketFinding = "经营范围与实际经营不符责令整改";
const std::string kNotes = "负责人称设备系朋友寄存未能说明来源";

struct Tablet {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<Store> store;

  explicit Tablet(const std::string& officer = "A1001") {
    REQUIRE(Store::Create(dir.path(), testing::FastInitOptions(officer), kPin, &env).ok());
    auto s = Store::Open(dir.path(), &env);
    REQUIRE(s.ok());
    store = std::move(s).value();
    REQUIRE(store->Unlock(officer, kPin).ok());
  }
  Result<v1::Record> Save(v1::Record body, const std::string& id = "", bool sign = false) {
    field::NewVersion v{id, 0, std::move(body)};
    v.sign_cosignatures = sign;
    auto saved = store->Append({std::move(v)});
    if (!saved.ok()) return saved.status();
    return saved->front();
  }
};

// A joint sweep as a police tablet types it: the police's finding with a
// disposition naming the person questioned, the market regulator's finding,
// the person, notes, two co-signers.
v1::Record JointSweep() {
  v1::Record r = testing::SampleOfficeSweep();
  auto* o = r.mutable_office_sweep();
  auto* reg = o->add_participants();
  reg->set_agency("market_regulation");
  reg->set_officer_id("SJ-0212");
  reg->set_name("何晓丽");
  auto* f = o->add_findings();
  f->set_agency("police");
  f->set_summary(kPoliceFinding);
  auto* d = f->add_dispositions();
  d->set_code("handed_to_investigation");
  d->add_person_id_numbers(kPersonId);
  f = o->add_findings();
  f->set_agency("market_regulation");
  f->set_summary(kMarketFinding);
  auto* p = o->add_persons();
  p->set_name(kPerson);
  p->set_id_number(kPersonId);
  p->set_phone(kPersonPhone);
  p->set_occupation("法定代表人");
  o->set_notes(kNotes);
  for (auto [id, agency] : {std::pair{"A1001", "police"}, {"SJ-0212", "market_regulation"}}) {
    auto* c = o->add_cosignatures();
    c->set_signer_id(id);
    c->set_agency(agency);
  }
  return r;
}

std::vector<std::string> Agencies(const v1::OfficeSweep& o) {
  std::vector<std::string> out;
  for (const auto& s : o.sections()) out.push_back(s.agency());
  return out;
}

const v1::SealedSection* SectionOf(const v1::OfficeSweep& o, const std::string& agency) {
  for (const auto& s : o.sections()) {
    if (s.agency() == agency) return &s;
  }
  return nullptr;
}

bool HasPersonCheck(const v1::Record& r) {
  for (const auto& v : r.validation()) {
    if (v.field().rfind("persons[", 0) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("agency sections: a police tablet seals every agency's part before storing it") {
  FakeHub hub;
  Tablet t;
  REQUIRE(hub.Enroll(t.store.get(), "police", "officer").ok());
  v1::Record typed = JointSweep();
  auto* mistyped = typed.mutable_office_sweep()->add_persons();  // its check is sealed too
  mistyped->set_name("韦俊豪");
  mistyped->set_id_number("440113201410050010");
  auto saved = t.Save(typed);
  REQUIRE(saved.ok());

  // As stored and sent: shared facts in the clear, the rest sealed.
  auto sealed = t.store->GetSealed(saved->record_id());
  REQUIRE(sealed.ok());
  const v1::OfficeSweep& so = sealed->office_sweep();
  CHECK(so.company_name() == "郴州市云帆信息咨询有限公司");
  CHECK(so.findings_size() == 0);
  CHECK(so.persons_size() == 0);
  CHECK(so.notes().empty());
  CHECK(!HasPersonCheck(*sealed));
  CHECK(Agencies(so) == std::vector<std::string>{"police", "market_regulation"});
  // The hub opens every section with the keys it derives.
  v1::Record at_hub = *sealed;
  auto police = hub.Agency("police");
  auto market = hub.Agency("market_regulation");
  auto left = sections::Open(
      &at_hub, {{"police", &police.secret_key}, {"market_regulation", &market.secret_key}});
  REQUIRE(left.ok());
  CHECK(*left == 0);
  CHECK(at_hub.office_sweep().persons(0).id_number() == kPersonId);
  CHECK(at_hub.office_sweep().notes() == kNotes);

  // Read back on this tablet: its own (police) section open, the regulator's sealed.
  auto rec = t.store->Get(saved->record_id());
  REQUIRE(rec.ok());
  const v1::OfficeSweep& o = rec->office_sweep();
  REQUIRE(o.findings_size() == 1);
  CHECK(o.findings(0).agency() == "police");
  CHECK(o.findings(0).summary() == kPoliceFinding);
  CHECK(o.findings(0).dispositions(0).person_id_numbers(0) == kPersonId);
  REQUIRE(o.persons_size() == 2);
  CHECK(o.persons(0).name() == kPerson);
  CHECK(o.notes() == kNotes);
  CHECK(HasPersonCheck(*rec));
  CHECK(Agencies(o) == std::vector<std::string>{"market_regulation"});
  auto history = t.store->History(saved->record_id());
  REQUIRE(history.ok());
  for (const auto& r : *history) CHECK(r.office_sweep().findings_size() == 1);
  bool listed = false;
  REQUIRE(t.store
              ->ForEachLatest([&](v1::Record& r) {
                listed = r.office_sweep().persons_size() == 2;
                return Status::Ok();
              })
              .ok());
  CHECK(listed);
  // The person is still found through the keyed identifier index.
  CHECK(*t.store->FindByIdentifier("id", kPersonId) ==
        std::vector<std::string>{saved->record_id()});

  // Nothing of the sections in any file of the store, while open and after.
  for (const std::string& needle : {kPerson, kPersonId, kPersonPhone, kPoliceFinding,
                                    kMarketFinding, kNotes, std::string("韦俊豪")}) {
    INFO(needle);
    CHECK(!testing::FilesContain(t.dir.path(), needle));
  }
  t.store.reset();
  for (const std::string& needle :
       {kPerson, kPersonId, kPersonPhone, kPoliceFinding, kMarketFinding, kNotes}) {
    INFO(needle);
    CHECK(!testing::FilesContain(t.dir.path(), needle));
  }
}

TEST_CASE("agency sections: a regulator's tablet opens its own section, never the police's") {
  FakeHub hub;
  Tablet t("SJ-0212");
  REQUIRE(hub.Enroll(t.store.get(), "market_regulation", "regulator").ok());
  auto saved = t.Save(JointSweep());
  REQUIRE(saved.ok());
  auto rec = t.store->Get(saved->record_id());
  REQUIRE(rec.ok());
  const v1::OfficeSweep& o = rec->office_sweep();
  REQUIRE(o.findings_size() == 1);
  CHECK(o.findings(0).agency() == "market_regulation");
  // The notes are the recording agency's: this one's.
  CHECK(o.notes() == kNotes);
  // The persons it typed went into the police section: gone from its view.
  CHECK(o.persons_size() == 0);
  CHECK(!HasPersonCheck(*rec));
  CHECK(Agencies(o) == std::vector<std::string>{"police"});
  auto opened = t.store->OpenSections(&*rec);
  REQUIRE(opened.ok());
  CHECK(*opened == 1);
  // No watchlist on a regulator's tablet.
  auto hits = t.store->WatchlistHits(JointSweep());
  REQUIRE(hits.ok());
  CHECK(hits->empty());
}

TEST_CASE("agency sections: an edit carries the sections it cannot open forward unchanged") {
  FakeHub hub;
  Tablet t;
  REQUIRE(hub.Enroll(t.store.get(), "police", "officer").ok());
  auto v1 = t.Save(JointSweep());
  REQUIRE(v1.ok());
  const std::string id = v1->record_id();
  const std::string market_v1 = SectionOf(v1->office_sweep(), "market_regulation")->sealed();
  const std::string police_v1 = SectionOf(v1->office_sweep(), "police")->sealed();

  SECTION("as the screen sends it: the form, without sections") {
    v1::Record edit = *t.store->Get(id);
    edit.mutable_office_sweep()->clear_sections();
    edit.mutable_office_sweep()->set_staff_present(30);
    edit.mutable_office_sweep()->mutable_findings(0)->set_summary("另查获U盾十个");
    REQUIRE(t.Save(edit, id).ok());
  }
  SECTION("as read back, with the sealed section and a forged one") {
    v1::Record edit = *t.store->Get(id);
    edit.mutable_office_sweep()->set_staff_present(30);
    edit.mutable_office_sweep()->mutable_findings(0)->set_summary("另查获U盾十个");
    v1::SealedSection* forged = edit.mutable_office_sweep()->add_sections();
    forged->set_agency("tax");
    forged->set_sealed("not a sealed box");
    REQUIRE(t.Save(edit, id).ok());
  }
  auto v2 = t.store->GetSealed(id);
  REQUIRE(v2.ok());
  CHECK(v2->version() == 2);
  CHECK(Agencies(v2->office_sweep()) == std::vector<std::string>{"market_regulation", "police"});
  CHECK(SectionOf(v2->office_sweep(), "market_regulation")->sealed() == market_v1);
  CHECK(SectionOf(v2->office_sweep(), "police")->sealed() != police_v1);  // sealed anew
  auto read = t.store->Get(id);
  REQUIRE(read.ok());
  CHECK(read->office_sweep().staff_present() == 30);
  CHECK(read->office_sweep().findings(0).summary() == "另查获U盾十个");
  CHECK(read->office_sweep().persons(0).id_number() == kPersonId);
  // The hub still reads the regulator's finding of version 1 in version 2.
  v1::Record at_hub = *v2;
  auto market = hub.Agency("market_regulation");
  REQUIRE(sections::Open(&at_hub, {{"market_regulation", &market.secret_key}}).ok());
  CHECK(at_hub.office_sweep().findings(0).summary() == kMarketFinding);
  // Removing this tablet's own finding and persons removes its section.
  v1::Record bare = *t.store->Get(id);
  auto* o = bare.mutable_office_sweep();
  o->clear_findings();
  o->clear_persons();
  o->clear_notes();
  REQUIRE(t.Save(bare, id).ok());
  CHECK(Agencies(t.store->GetSealed(id)->office_sweep()) ==
        std::vector<std::string>{"market_regulation"});
}

TEST_CASE("agency sections: co-signatures cover the sweep as sealed and stored") {
  FakeHub hub;
  Tablet t;
  REQUIRE(hub.Enroll(t.store.get(), "police", "officer").ok());
  auto saved = t.Save(JointSweep(), "", /*sign=*/true);
  REQUIRE(saved.ok());
  auto sealed = t.store->GetSealed(saved->record_id());
  REQUIRE(sealed.ok());
  const auto& pk = t.store->sign_public_key();
  REQUIRE(sealed->office_sweep().cosignatures_size() == 2);
  for (const auto& sig : sealed->office_sweep().cosignatures()) {
    CHECK(field::VerifyCosignature(pk, sealed->office_sweep(), sig));
  }
  // The opened form is not what was signed; nor is a swapped section.
  auto opened = t.store->Get(saved->record_id());
  CHECK(!field::VerifyCosignature(pk, opened->office_sweep(),
                                  sealed->office_sweep().cosignatures(0)));
  v1::OfficeSweep swapped = sealed->office_sweep();
  swapped.mutable_sections(0)->set_sealed(swapped.sections(1).sealed());
  CHECK(!field::VerifyCosignature(pk, swapped, sealed->office_sweep().cosignatures(0)));
}

TEST_CASE("roles: a regulator's tablet records office sweeps only") {
  FakeHub hub;
  Tablet t("SJ-0212");
  REQUIRE(hub.Enroll(t.store.get(), "market_regulation", "regulator").ok());
  auto rental = t.Save(testing::SampleRentalCheck());
  REQUIRE(!rental.ok());
  CHECK(rental.status().code() == Code::kUnauthorized);
  CHECK_THAT(rental.status().message(), Catch::Contains("office sweeps only"));
  CHECK_THAT(rental.status().message(), Catch::Contains(" / 监管部门的平板只能记录联合扫楼"));
  v1::Record update;
  update.mutable_case_update()->mutable_address()->set_raw("国庆北路18号3栋2单元502室");
  update.mutable_case_update()->set_den_status("raided");
  update.mutable_case_update()->set_reason("x");
  CHECK(t.Save(update).status().code() == Code::kUnauthorized);
  CHECK(t.store->List()->empty());  // nothing saved
  // In a batch, the refused item is named and nothing is saved.
  auto batch = t.store->Append(
      {{"", 0, testing::SampleOfficeSweep()}, {"", 0, testing::SampleRentalCheck()}});
  REQUIRE(!batch.ok());
  CHECK_THAT(batch.status().message(), Catch::StartsWith("item 2: "));
  CHECK(t.store->List()->empty());
  CHECK(t.Save(testing::SampleOfficeSweep()).ok());
}

TEST_CASE("roles: an officer's tablet reports a den's status, a supervisor's decides") {
  v1::Record decide;
  auto* u = decide.mutable_case_update();
  u->set_person_id_number(kPersonId);
  u->set_involvement("organiser");
  u->add_dispositions()->set_code("criminal_detention");
  u->set_reason("审讯确认");
  v1::Record report;
  report.mutable_case_update()->mutable_address()->set_raw("国庆北路18号3栋2单元502室");
  report.mutable_case_update()->set_den_status("raided");
  report.mutable_case_update()->set_reason("现场捣毁");
  FakeHub hub;
  {
    Tablet officer;
    REQUIRE(hub.Enroll(officer.store.get(), "police", "officer").ok());
    auto refused = officer.Save(decide);
    CHECK(refused.status().code() == Code::kUnauthorized);
    CHECK_THAT(refused.status().message(), Catch::Contains("民警的平板"));
    CHECK(officer.Save(report).ok());
    CHECK(officer.Save(testing::SampleRentalCheck()).ok());
  }
  {
    Tablet supervisor("S9001");
    REQUIRE(hub.Enroll(supervisor.store.get(), "police", "supervisor").ok());
    CHECK(supervisor.Save(decide).ok());
  }
  {
    Tablet unenrolled;  // records as an officer until enrolled
    CHECK(unenrolled.Save(decide).status().code() == Code::kUnauthorized);
    CHECK(unenrolled.Save(report).ok());
  }
}

TEST_CASE("agency sections: a tablet without keys saves no office sweep it could not seal") {
  SECTION("not enrolled") {
    Tablet t;
    auto refused = t.Save(JointSweep());
    REQUIRE(!refused.ok());
    CHECK(refused.status().code() == Code::kUnauthorized);
    CHECK_THAT(refused.status().message(), Catch::Contains("enroll this tablet first"));
    CHECK_THAT(refused.status().message(), Catch::Contains("请先登记本机"));
    // The shared facts alone need no key; rental checks neither.
    CHECK(t.Save(testing::SampleOfficeSweep()).ok());
    CHECK(t.Save(testing::SampleRentalCheck()).ok());
  }
  SECTION("enrolled by a hub from before agency sections") {
    FakeHub hub;
    Tablet t;
    REQUIRE(hub.Enroll(t.store.get(), "police", "officer", /*agency_keys=*/false).ok());
    auto refused = t.Save(JointSweep());
    CHECK(refused.status().code() == Code::kUnauthorized);
    CHECK_THAT(refused.status().message(), Catch::Contains("re-enroll"));
    CHECK(t.Save(testing::SampleOfficeSweep()).ok());
    // Re-enrolled with keys: it seals.
    REQUIRE(hub.Enroll(t.store.get(), "police", "officer").ok());
    CHECK(t.Save(JointSweep()).ok());
  }
  // A finding of an agency the program does not know is refused, not stored.
  FakeHub hub;
  Tablet t;
  REQUIRE(hub.Enroll(t.store.get(), "police", "officer").ok());
  v1::Record odd = JointSweep();
  odd.mutable_office_sweep()->mutable_findings(1)->set_agency("customs");
  CHECK(t.Save(odd).status().code() == Code::kInvalidArgument);
}

TEST_CASE("enrollment: section keys kept sealed, a role the stored records do not fit refused") {
  FakeHub hub;
  SECTION("the agency key is checked against the public key the hub lists") {
    Tablet t;
    // The police key the hub lists is another agency's: the sealed one does not match.
    Status st = hub.Enroll(t.store.get(), "police", "officer", true, [&](v1::EnrollResponse* r) {
      auto tax = hub.Agency("tax").public_key;
      r->mutable_agency_keys(0)->set_public_key(std::string(tax.begin(), tax.end()));
    });
    CHECK(st.code() == Code::kUnauthorized);
    CHECK(!t.store->Hub()->has_value());  // nothing pinned
  }
  SECTION("a regulator gets no watchlist key, and its section key stays sealed on disk") {
    Tablet t("SJ-0212");
    REQUIRE(hub.Enroll(t.store.get(), "market_regulation", "regulator").ok());
    auto pin = t.store->Hub();
    REQUIRE(pin->has_value());
    CHECK((*pin)->enrollment.role() == "regulator");
    CHECK((*pin)->enrollment.watchlist_key().empty());
    t.store.reset();
    auto sk = hub.Agency("market_regulation").secret_key;
    CHECK(!testing::FilesContain(t.dir.path(), std::string(sk.view().begin(), sk.view().end())));
  }
  SECTION("a store holding rental checks cannot become a regulator's tablet") {
    Tablet t;
    REQUIRE(t.Save(testing::SampleRentalCheck()).ok());
    Status st = hub.Enroll(t.store.get(), "market_regulation", "regulator");
    CHECK(st.code() == Code::kUnauthorized);
    CHECK_THAT(st.message(), Catch::Contains("may not send"));
    CHECK(!t.store->Hub()->has_value());
    CHECK(hub.Enroll(t.store.get(), "police", "officer").ok());
  }
  SECTION("sealed sections do not move to another hub") {
    Tablet t;
    REQUIRE(hub.Enroll(t.store.get(), "police", "officer").ok());
    REQUIRE(t.Save(JointSweep()).ok());
    CHECK(hub.Enroll(t.store.get(), "police", "supervisor").ok());  // same hub: fine
    FakeHub other;
    Status st = other.Enroll(t.store.get(), "police", "officer");
    CHECK(st.code() == Code::kUnauthorized);
    CHECK_THAT(st.message(), Catch::Contains("another hub cannot open them"));
  }
}

namespace {

// The feed item the hub sends a regulator's tablet for `record` (opened).
v1::FeedItem InspectionItem(const FakeHub& hub, const v1::Record& record, uint64_t seq) {
  v1::Inspection in;
  in.set_record_id(record.record_id());
  in.set_version(record.version());
  in.set_officer_id(record.officer_id());
  *in.mutable_sweep() = sections::SharedView(record.office_sweep(), record, "market_regulation",
                                             hub.Agency("market_regulation").public_key);
  v1::FeedItem item;
  item.set_seq(seq);
  item.set_kind("inspection");
  item.set_key(record.record_id());
  item.set_payload(in.SerializeAsString());
  return item;
}

// The police tablet's sweep as the hub holds it (every section opened).
v1::Record AtHub(const FakeHub& hub, Tablet& police, const std::string& id) {
  v1::Record r = *police.store->GetSealed(id);
  auto p = hub.Agency("police");
  auto m = hub.Agency("market_regulation");
  REQUIRE(
      sections::Open(&r, {{"police", &p.secret_key}, {"market_regulation", &m.secret_key}}).ok());
  return r;
}

}  // namespace

TEST_CASE("inspections: a regulator's tablet lists the shared facts and its own finding") {
  FakeHub hub;
  Tablet police;
  REQUIRE(hub.Enroll(police.store.get(), "police", "officer").ok());
  auto saved = police.Save(JointSweep());
  REQUIRE(saved.ok());
  // The police tablet has no inspections (the hub sends it none).
  CHECK(police.store->Inspections()->empty());

  Tablet reg("SJ-0212");
  REQUIRE(hub.Enroll(reg.store.get(), "market_regulation", "regulator").ok());
  v1::PullResponse page;
  *page.add_items() = InspectionItem(hub, AtHub(hub, police, saved->record_id()), 7);
  page.set_next_cursor(7);
  REQUIRE(reg.store->ApplyFeed(page).ok());
  auto list = reg.store->Inspections();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  const v1::Inspection& in = list->front();
  CHECK(in.record_id() == saved->record_id());
  CHECK(in.officer_id() == "A1001");
  CHECK(in.sweep().company_name() == "郴州市云帆信息咨询有限公司");
  CHECK(in.sweep().credit_code() == "91110000600037341L");
  CHECK(in.sweep().licence() == v1::LICENCE_STATUS_MISMATCH);
  REQUIRE(in.sweep().findings_size() == 1);
  CHECK(in.sweep().findings(0).summary() == kMarketFinding);
  CHECK(in.sweep().persons_size() == 0);
  CHECK(in.sweep().notes().empty());
  CHECK(in.sweep().sections_size() == 0);
  std::string all = in.SerializeAsString();
  for (const std::string& needle : {kPerson, kPersonId, kPersonPhone, kPoliceFinding, kNotes}) {
    INFO(needle);
    CHECK(all.find(needle) == std::string::npos);
  }
  // Kept sealed like every feed item: not even its own finding in the files.
  reg.store.reset();
  CHECK(!testing::FilesContain(reg.dir.path(), kMarketFinding));
  CHECK(!testing::FilesContain(reg.dir.path(), "郴州市云帆信息咨询有限公司"));
}

namespace {

struct Screen {
  std::unique_ptr<field::UiServer> server;
  std::string key = field::NewUiSecret();
  explicit Screen(Store* store) {
    field::UiOptions o;
    o.secret = key;
    server = std::make_unique<field::UiServer>(store, o);
    REQUIRE(server->Start().ok());
  }
  httplib::Result Get(const std::string& path) {
    httplib::Client c("127.0.0.1", server->port());
    return c.Get(path, {{"X-Sweep-Key", key}});
  }
  httplib::Result Post(const std::string& path, const std::string& body) {
    httplib::Client c("127.0.0.1", server->port());
    return c.Post(path, {{"X-Sweep-Key", key}}, body, "application/json");
  }
};

template <typename M>
M Parse(const httplib::Result& r) {
  M m;
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(google::protobuf::util::JsonStringToMessage(r->body, &m).ok());
  return m;
}

}  // namespace

TEST_CASE("ui server: a regulator's screen: its role, its inspections, no rental check") {
  FakeHub hub;
  Tablet police;
  REQUIRE(hub.Enroll(police.store.get(), "police", "officer").ok());
  auto saved = police.Save(JointSweep());
  REQUIRE(saved.ok());
  Tablet reg("SJ-0212");
  REQUIRE(hub.Enroll(reg.store.get(), "market_regulation", "regulator").ok());
  v1::PullResponse page;
  *page.add_items() = InspectionItem(hub, AtHub(hub, police, saved->record_id()), 3);
  page.set_next_cursor(3);
  REQUIRE(reg.store->ApplyFeed(page).ok());

  Screen s(reg.store.get());
  auto status = Parse<v1::UiStatus>(s.Get("/api/status"));
  CHECK(status.role() == "regulator");
  CHECK(status.agency() == "market_regulation");
  auto r = s.Get("/api/inspections");
  REQUIRE(r);
  CHECK(r->status == 200);
  for (const std::string& needle : {kPerson, kPersonId, kPersonPhone, kPoliceFinding, kNotes}) {
    INFO(needle);
    CHECK(r->body.find(needle) == std::string::npos);
  }
  auto list = Parse<v1::UiInspections>(r);
  CHECK(list.agency() == "market_regulation");
  REQUIRE(list.inspections_size() == 1);
  CHECK(list.inspections(0).sweep().findings(0).summary() == kMarketFinding);
  CHECK(list.inspections(0).sweep().company_name() == "郴州市云帆信息咨询有限公司");
  CHECK(list.inspections(0).sealed_size() == 0);

  // A rental check is refused: 403, the reason in English and Chinese.
  auto rental =
      s.Post("/api/records",
             R"({"rentalCheck":{"address":{"raw":"郴州市北湖区国庆北路18号3栋1单元102室"},)"
             R"("unitStatus":"UNIT_STATUS_CHECKED"}})");
  REQUIRE(rental);
  CHECK(rental->status == 403);
  auto err = Parse<v1::UiError>(rental);
  CHECK(err.code() == "not_allowed");
  CHECK_THAT(err.message(), Catch::Contains(" / 监管部门"));
  CHECK(reg.store->List()->empty());

  // Its own office sweep: saved; the persons it typed are sealed to the police.
  auto sweep =
      s.Post("/api/records",
             R"({"officeSweep":{"address":{"raw":"郴州市北湖区燕泉路66号华信商务大厦12楼1206室"},)"
             R"("companyName":"鑫睿咨询","findings":[{"agency":"market_regulation",)"
             R"("summary":"无照经营"}],"persons":[{"name":")" +
                 kPerson + R"(","idNumber":")" + kPersonId + R"("}]}})");
  auto ok = Parse<v1::UiSaved>(sweep);
  auto loaded = Parse<v1::Record>(s.Get("/api/records?id=" + ok.record_id()));
  CHECK(loaded.office_sweep().findings(0).summary() == "无照经营");
  CHECK(loaded.office_sweep().persons_size() == 0);
  REQUIRE(loaded.office_sweep().sections_size() == 1);
  CHECK(loaded.office_sweep().sections(0).agency() == "police");
}

TEST_CASE("ui server: an unenrolled tablet's office sweep with findings is refused, not lost") {
  Tablet t;
  Screen s(t.store.get());
  auto r = s.Post("/api/records",
                  R"({"officeSweep":{"companyName":"鑫睿咨询","findings":[{"agency":"police",)"
                  R"("summary":"x"}]}})");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK_THAT(Parse<v1::UiError>(r).message(), Catch::Contains("请先登记本机"));
  auto status = Parse<v1::UiStatus>(s.Get("/api/status"));
  CHECK(status.role().empty());
  CHECK(Parse<v1::UiInspections>(s.Get("/api/inspections")).inspections_size() == 0);
}
