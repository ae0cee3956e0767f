// Issue 7: a regulator reads no personal field through any route — the
// dashboard's API and its exports, and what pull sends to a regulator's
// tablet — every refusal is audited, and the hub refuses what a role may
// not record. Real HTTP on 127.0.0.1, a real SQLite file, the real
// HubService with signed requests made as a tablet makes them.
#include <catch2/catch.hpp>

#include "dashboard_fixture.h"
#include "sweep/hub/audit.h"
#include "sweep/sync/chain.h"
#include "sweep/sync/protocol.h"
#include "sweep/sync/sections.h"

namespace {

using namespace sweep;
using namespace sweep::testing;

const std::string kOffice = "北湖区国庆北路社区国庆北路20号1201";
const std::string kCompany = "郴州市云联网络科技有限公司";
const std::string kTheirFinding = "无照经营，责令停止经营活动";
// Nothing of these may reach a regulator, by any route.
const std::vector<std::string> kSecrets = {
    "曹宇航", kIdA, "王小明", "440301199001011234", "13800138000", "GOIP 设备 3 台",
    "负责人称设备为朋友寄存"};

v1::Record JointSweep(int64_t at) {
  v1::Record r;
  r.set_record_id("js1");
  r.set_version(1);
  r.set_officer_id("A1001");
  r.mutable_hlc()->set_wall_ms(at);
  v1::OfficeSweep* o = r.mutable_office_sweep();
  o->mutable_address()->set_raw(kOffice);
  o->set_company_name(kCompany);
  o->set_credit_code("91431000MA4Q8G2X3K");
  o->set_licence(v1::LICENCE_STATUS_MISSING);
  o->set_registered_business("软件开发");
  o->set_actual_business("电话销售");
  o->set_staff_registered(3);
  o->set_staff_present(14);
  o->set_visited_at_ms(at);
  auto* p = o->add_participants();
  p->set_agency("police");
  p->set_officer_id("A1001");
  p = o->add_participants();
  p->set_agency("market_regulation");
  p->set_officer_id("SJ-0212");
  auto* f = o->add_findings();
  f->set_agency("police");
  f->set_summary("GOIP 设备 3 台");
  auto* i = f->add_indicators();
  i->set_code("goip_device");
  i->set_present(true);
  i->set_count(3);
  f = o->add_findings();
  f->set_agency("market_regulation");
  f->set_summary(kTheirFinding);
  f->add_dispositions()->set_code("ordered_to_close");
  auto* person = o->add_persons();
  person->set_name("王小明");
  person->set_id_number("440301199001011234");
  person->set_phone("13800138000");
  o->set_notes("负责人称设备为朋友寄存");
  return r;
}

struct Tablet {
  std::string id;
  crypto::SignKeyPair keys = crypto::NewSignKeyPair();
  uint64_t seq = 0;
  sync::Digest head{};
};

Tablet EnrollTablet(HubStore* store, const std::string& id, const std::string& officer,
                    const std::string& agency, const std::string& role, uint8_t code) {
  EnrollCode c;
  c.code_id = Bytes(8, code);
  c.secret = Bytes(10, 0xC1);
  c.officer_id = officer;
  c.agency = agency;
  c.role = role;
  c.created_ms = 1;
  c.expires_ms = INT64_MAX;
  REQUIRE(store->AddEnrollCode(c).ok());
  Tablet t;
  t.id = id;
  Device d;
  d.device_id = id;
  d.officer_id = officer;
  d.agency = agency;
  d.role = role;
  d.sign_pk.assign(t.keys.public_key.begin(), t.keys.public_key.end());
  d.box_pk = Bytes(32, 7);
  d.enrolled_ms = 1;
  REQUIRE(store->ConsumeCodeAddDevice(c.code_id, 1, d).ok());
  return t;
}

// A signed request as a tablet sends it; the hub's answer.
Reply Call(Hub& hub, const Tablet& t, const std::string& method,
           const google::protobuf::MessageLite& body) {
  v1::SignedRequest req =
      sync::SignRequest(hub.service->hub_id(), method, t.id, t.keys.secret_key, body, &hub.env);
  return hub.service->Handle(method, req.SerializeAsString());
}

// Pushes `record` as the tablet's next version, chained and signed.
Reply Push(Hub& hub, Tablet* t, const v1::Record& record) {
  v1::Record r = record;
  r.set_device_id(t->id);
  const std::string bytes = r.SerializeAsString();
  auto keys = hub.store()->LoadHubKeys();
  REQUIRE(keys.ok());
  REQUIRE(keys->has_value());
  sync::PushSealer sealer((*keys)->box_pk, &hub.env);
  const uint64_t seq = t->seq + 1;
  sync::Digest eh = sync::EntryHash(t->id, seq, t->head, sync::RecordHash(crypto::AsBytes(bytes)));
  v1::PushRequest req;
  req.set_ephemeral_pk(std::string(sealer.ephemeral_pk().begin(), sealer.ephemeral_pk().end()));
  v1::SealedVersion* sv = req.add_versions();
  sv->set_seq(seq);
  sv->set_record_id(r.record_id());
  sv->set_version(r.version());
  Bytes sealed = sealer.Seal(crypto::AsBytes(bytes), seq);
  sv->set_sealed(std::string(sealed.begin(), sealed.end()));
  auto sig = crypto::Sign(t->keys.secret_key, sync::HeadMessage(t->id, seq, eh));
  sv->set_head_sig(std::string(sig.begin(), sig.end()));
  Reply reply = Call(hub, *t, "push", req);
  if (reply.status == 200) {
    t->seq = seq;
    t->head = eh;
  }
  return reply;
}

v1::PullResponse Pull(Hub& hub, const Tablet& t, std::string* raw) {
  v1::PullRequest req;
  req.set_limit(1000);
  Reply reply = Call(hub, t, "pull", req);
  REQUIRE(reply.status == 200);
  *raw = reply.body;
  v1::SignedResponse signed_response;
  REQUIRE(signed_response.ParseFromString(reply.body));
  v1::PullResponse out;
  REQUIRE(out.ParseFromString(signed_response.body()));
  return out;
}

void CheckNoSecret(const std::string& where, const std::string& body) {
  for (const std::string& secret : kSecrets) {
    INFO(where << " must not hold " << secret);
    CHECK(body.find(secret) == std::string::npos);
  }
}

size_t Entries(HubStore* store, const std::string& actor, const std::string& action) {
  AuditQuery q;
  q.actor = actor;
  auto all = store->FindAudit(q);
  REQUIRE(all.ok());
  return static_cast<size_t>(std::count_if(all->begin(), all->end(), [&](const auto& e) {
    return e.action() == action;
  }));
}

// A station with a den, its resident, a joint sweep with a market
// regulator pushed through the real ingest, a watchlist entry, and the
// ledger and merge caught up.
struct Station : Hub {
  Tablet police, regulator;
  Station() {
    police = EnrollTablet(store(), "dev-p", "A1001", "police", "officer", 21);
    regulator = EnrollTablet(store(), "dev-r", "SJ-0212", "market_regulation", "regulator", 22);
    PushDen("den1", kT0);
    v1::Record sweep = JointSweep(kT0 + 1000);
    // Sealed as a tablet seals it (the hub opens every section at ingest).
    REQUIRE(sync::sections::Seal(&sweep, "police",
                                 service->agency_keys().Public())
                .ok());
    Reply pushed = Push(*this, &police, sweep);
    INFO(pushed.body);
    REQUIRE(pushed.status == 200);
    REQUIRE(service->WatchlistAdd("id", kIdA, "alert", "稳住并联系所里").ok());
    CatchUp();
  }
};

}  // namespace

TEST_CASE("regulator: no personal field through the dashboard, its exports or pull",
          "[regulator]") {
  Station hub;
  // The hub opened the sections: the den's persons and the police finding
  // are there for the police.
  auto versions = hub.store()->VersionsOfRecord("js1");
  REQUIRE(versions.ok());
  REQUIRE(versions->size() == 1);
  CHECK_FALSE((*versions)[0].opened.empty());
  v1::Record opened;
  REQUIRE(opened.ParseFromArray((*versions)[0].opened.data(),
                                static_cast<int>((*versions)[0].opened.size())));
  CHECK(opened.office_sweep().persons(0).id_number() == "440301199001011234");
  const std::string chained((*versions)[0].record.begin(), (*versions)[0].record.end());
  CheckNoSecret("the record bytes the tablet chained", chained);

  auto s = hub.SignIn();
  auto dens = hub.Get("/dash/api/dens", s.cookie);
  REQUIRE(dens.status == 200);
  auto person = Parse<v1::DashPersons>(hub.Get("/dash/api/suspects?q=曹", s.cookie));
  REQUIRE(person.persons_size() > 0);
  const std::string entity = person.persons(0).entity();
  const std::string key = Parse<v1::DashDens>(dens).dens(0).key();

  auto r = hub.SignIn("R3001", kRegulatorPassword);
  const size_t denied_before = Entries(hub.store(), "R3001", "denied");
  const std::vector<std::string> refused = {
      "/dash/api/person?entity=" + entity, "/dash/api/den?key=" + key, "/dash/api/dens",
      "/dash/api/suspects?q=曹", "/dash/api/graph?node=person:" + entity, "/dash/api/review",
      "/dash/api/devices", "/dash/api/photo?sha256=" + std::string(64, 'e'),
      "/dash/api/export?what=dens", "/dash/api/inspections?agency=tax",
      "/dash/api/export?what=inspections&agency=tax"};
  for (const std::string& path : refused) {
    INFO(path);
    Answer a = hub.Get(path, r.cookie);
    CheckError(a, 403, "forbidden");
    CheckNoSecret(path, a.body);
  }
  CheckError(hub.Post(r, "/dash/api/person/disposition",
                      R"({"entity":")" + entity + R"(","code":"detained","reason":"x"})"),
             403, "forbidden");
  // Every refusal left exactly one entry naming what was asked for.
  CHECK(Entries(hub.store(), "R3001", "denied") == denied_before + refused.size() + 1);
  auto trail = hub.store()->FindAudit({"person:" + entity, "R3001", 0, 100});
  REQUIRE(trail.ok());
  CHECK(trail->size() == 3);  // person, graph, disposition

  // What a regulator may read holds no personal field either.
  for (const std::string& path :
       {std::string("/dash/api/report"), std::string("/dash/api/coverage"),
        std::string("/dash/api/codes"), std::string("/dash/api/me"),
        std::string("/dash/api/inspections"), std::string("/dash/api/export?what=inspections")}) {
    INFO(path);
    Answer a = hub.Get(path, r.cookie);
    CHECK(a.status == 200);
    CheckNoSecret(path, a.body);
  }
  auto own = Parse<v1::DashInspections>(hub.Get("/dash/api/inspections", r.cookie));
  REQUIRE(own.inspections_size() == 1);
  CHECK(own.inspections(0).company_name() == kCompany);
  CHECK(own.inspections(0).agency() == "market_regulation");
  CHECK(own.inspections(0).summary() == kTheirFinding);
  CHECK(own.inspections(0).licence() == "missing");
  CHECK(own.inspections(0).dispositions(0) == "ordered_to_close");
  Answer csv = hub.Get("/dash/api/export?what=inspections", r.cookie);
  CHECK(csv.Header("Content-Type").starts_with("text/csv"));
  CHECK(csv.body.find(kCompany) != std::string::npos);
  CHECK(csv.body.find(kTheirFinding) != std::string::npos);
  CHECK(Entries(hub.store(), "R3001", "export") == 2);

  // Pull: the regulator's tablet gets its inspection and none of the
  // police's data; the police tablet gets the watchlist and no inspection.
  std::string raw;
  v1::PullResponse pulled = Pull(hub, hub.regulator, &raw);
  CheckNoSecret("the regulator's pull", raw);
  CHECK(raw.find(kTheirFinding) == std::string::npos);  // sealed to the agency's key
  int inspections = 0;
  for (const v1::FeedItem& item : pulled.items()) {
    INFO(item.kind());
    CHECK((item.kind() == "assignment" || item.kind() == "config" || item.kind() == "command" ||
           item.kind() == "inspection"));
    if (item.kind() != "inspection") continue;
    ++inspections;
    v1::Inspection got;
    REQUIRE(got.ParseFromString(item.payload()));
    CHECK(got.sweep().company_name() == kCompany);
    v1::Record holder;
    *holder.mutable_office_sweep() = got.sweep();
    const crypto::BoxKeyPair* mine = hub.service->agency_keys().Of("market_regulation");
    auto left = sync::sections::Open(&holder, {{"market_regulation", &mine->secret_key}});
    REQUIRE(left.ok());
    CHECK(*left == 0);
    REQUIRE(holder.office_sweep().findings_size() == 1);
    CHECK(holder.office_sweep().findings(0).summary() == kTheirFinding);
    CHECK(holder.office_sweep().persons_size() == 0);
    CheckNoSecret("the opened inspection", holder.SerializeAsString());
  }
  CHECK(inspections == 1);
  std::string police_raw;
  v1::PullResponse police_pull = Pull(hub, hub.police, &police_raw);
  bool watchlist = false;
  for (const v1::FeedItem& item : police_pull.items()) {
    CHECK(item.kind() != "inspection");
    watchlist = watchlist || item.kind() == "watchlist";
  }
  CHECK(watchlist);

  // The supervisor sees every agency's inspections and exports dens.
  auto all = Parse<v1::DashInspections>(hub.Get("/dash/api/inspections", s.cookie));
  CHECK(all.inspections_size() == 1);
  Answer dens_csv = hub.Get("/dash/api/export?what=dens", s.cookie);
  CHECK(dens_csv.status == 200);
  CHECK(dens_csv.body.find("key,address") != std::string::npos);
  CHECK(Entries(hub.store(), "S9001", "export") == 1);
}

TEST_CASE("regulator: the hub refuses what a role may not record", "[regulator]") {
  Station hub;
  const size_t before = *hub.store()->CountVersions("");
  Reply rental = Push(hub, &hub.regulator,
                      RentalVisit("rv1", 1, "SJ-0212", kDen, v1::UNIT_STATUS_CHECKED, kT0,
                                  {{"欧阳秀芝", kIdA}}));
  CHECK(rental.status == 403);
  CHECK(rental.error_code == "forbidden");

  v1::Record update;
  update.set_record_id("cu1");
  update.set_version(1);
  update.set_officer_id("A1001");
  update.mutable_case_update()->set_person_id_number(kIdA);
  update.mutable_case_update()->add_dispositions()->set_code("detained");
  update.mutable_case_update()->set_reason("现场抓获");
  Reply decided = Push(hub, &hub.police, update);
  CHECK(decided.status == 403);
  CHECK(decided.error_code == "forbidden");
  CHECK(*hub.store()->CountVersions("") == before);
  auto alerts = hub.store()->ListAlerts();
  REQUIRE(alerts.ok());
  CHECK(std::count_if(alerts->begin(), alerts->end(),
                      [](const Alert& a) { return a.kind == "forbidden"; }) == 2);

  // A joint sweep is what a regulator's tablet may record; a supervisor's
  // tablet may decide dispositions.
  v1::Record sweep = JointSweep(kT0 + 2000);
  sweep.set_record_id("js2");
  sweep.set_officer_id("SJ-0212");
  REQUIRE(sync::sections::Seal(&sweep, "market_regulation", hub.service->agency_keys().Public())
              .ok());
  CHECK(Push(hub, &hub.regulator, sweep).status == 200);
  Tablet boss = EnrollTablet(hub.store(), "dev-s", "S9001", "police", "supervisor", 23);
  CHECK(Push(hub, &boss, update).status == 200);
}

TEST_CASE("regulator: sections that do not open are refused at ingest", "[regulator]") {
  Station hub;
  v1::Record sweep = JointSweep(kT0 + 3000);
  sweep.set_record_id("js3");
  // Sealed to another hub's agency keys.
  auto other = AgencyKeys::Derive(crypto::NewBoxKeyPair().secret_key);
  REQUIRE(sync::sections::Seal(&sweep, "police", other.Public()).ok());
  Reply r = Push(hub, &hub.police, sweep);
  CHECK(r.status == 422);
  CHECK(r.error_code == "broken_chain");
}

TEST_CASE("regulator: a role change ends the account's sessions, and roles fit agencies",
          "[regulator]") {
  Hub hub;
  auto r = hub.SignIn("R3001", kRegulatorPassword);
  CHECK(hub.Get("/dash/api/inspections", r.cookie).status == 200);
  Accounts accounts(hub.store(), &hub.env);
  auto before = accounts.SetRole("R3001", "regulator", "tax");
  REQUIRE(before.ok());
  CHECK(*before == "regulator/market_regulation");
  CHECK(hub.store()->GetUser("R3001")->agency == "tax");
  // The old session spoke for market regulation: it ends at once.
  CheckError(hub.Get("/dash/api/inspections", r.cookie), 401, "unauthenticated");
  auto again = hub.SignIn("R3001", kRegulatorPassword);
  CHECK(again.session.agency() == "tax");

  CHECK(accounts.SetRole("R3001", "regulator", "police").status().code() ==
        Code::kInvalidArgument);
  CHECK(accounts.SetRole("R3001", "supervisor", "tax").status().code() == Code::kInvalidArgument);
  CHECK(accounts.SetRole("nobody", "supervisor", "police").status().code() == Code::kNotFound);
  CHECK(accounts.Add("R3002", "李雪", "regulator", "police", kRegulatorPassword).code() ==
        Code::kInvalidArgument);
}
