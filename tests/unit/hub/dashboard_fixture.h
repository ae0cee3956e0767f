// The station dashboard over real HTTP on 127.0.0.1 for tests: a hub
// service on a real SQLite store in a temporary folder with a fake clock,
// a hub::Server with its Dashboard on a thread, two accounts (a supervisor
// and a regulator), one enrolled tablet, and helpers to sign in, GET, POST
// with the CSRF token, push a den's visit and catch the ledger and merge up.
// Shared by dashboard_test.cc and audit_test.cc.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <string>
#include <thread>
#include <vector>

#include "ledger_fixture.h"
#include "sweep/hub/dashboard_users.h"
#include "sweep/hub/ledger_service.h"
#include "sweep/hub/merge_service.h"
#include "sweep/hub/server.h"
#include "sweep/hub/service.h"
#include "sweep/v1/dashboard.pb.h"

namespace sweep::testing {

using namespace sweep::hub;

inline const std::string kPassword = "correct horse battery staple";
inline const std::string kRegulatorPassword = "market inspector 2026";
inline const std::string kDen = "北湖区国庆北路社区国庆北路18号3栋2单元502";
inline const std::string kSameBuilding = "北湖区国庆北路社区国庆北路18号3栋1单元101";
inline const std::string kIdA = "431021199708220513";
inline constexpr int64_t kT0 = 1'764'300'000'000;  // 2025-11-28 11:20 China time
inline constexpr int64_t kMinute = 60'000;

struct Answer {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

template <typename M>
M Parse(const Answer& a) {
  M m;
  INFO(a.body);
  REQUIRE(google::protobuf::util::JsonStringToMessage(a.body, &m).ok());
  return m;
}

struct Hub {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<HubService> service;
  std::unique_ptr<Server> server;
  std::thread thread;
  std::vector<std::string> bodies;  // every answer, for the password check

  Hub() {
    env.now_ms = kT0;
    auto s = HubService::Open(OpenHubStore(dir.Sub("hub.db")), &env);
    REQUIRE(s.ok());
    service = std::move(s).value();
    RegisterService reg(store(), &env);
    SetDefaultDivision(&reg, "431002");
    Accounts accounts(store(), &env);
    REQUIRE(accounts.Add("S9001", "王敏", "supervisor", "police", kPassword).ok());
    REQUIRE(
        accounts.Add("R3001", "周立", "regulator", "market_regulation", kRegulatorPassword).ok());
    EnrollDevice(store(), "dev-a", "A1001", 1);
    Start();
  }
  ~Hub() { Stop(); }
  HubStore* store() { return service->store(); }

  void Start(bool quiet = true) {
    ServerOptions o;
    o.quiet = quiet;
    auto s = Server::Create(service.get(), o);
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    server = std::move(s).value();
    thread = std::thread([this] { (void)server->Run(); });
    httplib::Client cli("127.0.0.1", server->port());
    REQUIRE(cli.Get("/v1/health"));
  }
  void Stop() {
    if (!server) return;
    server->Stop();
    thread.join();
    server.reset();
  }

  Answer Send(const std::string& method, const std::string& path, const std::string& body,
              const httplib::Headers& headers, const std::string& type = "application/json") {
    httplib::Client cli("127.0.0.1", server->port());
    auto r = method == "GET" ? cli.Get(path, headers) : cli.Post(path, headers, body, type);
    REQUIRE(r);
    bodies.push_back(r->body);
    return {r->status, r->body, r->headers};
  }
  Answer Get(const std::string& path, const std::string& cookie = "") {
    return Send("GET", path, "",
                cookie.empty() ? httplib::Headers{} : httplib::Headers{{"Cookie", cookie}});
  }

  // Login: the cookie ("sweep_session=…") and the session.
  struct Signed {
    std::string cookie;
    v1::DashSession session;
  };
  Answer Login(const std::string& user, const std::string& password) {
    return Send("POST", "/dash/api/login",
                R"({"userId":")" + user + R"(","password":")" + password + R"("})", {});
  }
  Signed SignIn(const std::string& user = "S9001", const std::string& password = kPassword) {
    Answer a = Login(user, password);
    INFO(a.body);
    REQUIRE(a.status == 200);
    std::string set = a.Header("Set-Cookie");
    Signed s{set.substr(0, set.find(';')), Parse<v1::DashSession>(a)};
    return s;
  }
  Answer Post(const Signed& s, const std::string& path, const std::string& body) {
    return Send("POST", path, body, {{"Cookie", s.cookie}, {"X-CSRF-Token", s.session.csrf()}});
  }

  // A complete 4-byte JPEG uploaded by dev-a; its sha256 (64 × 'e').
  std::string StorePhoto() {
    const std::string photo(64, 'e');
    FileRow f;
    f.sha256 = photo;
    f.size = 4;
    f.media_type = "image/jpeg";
    f.chunk_size = 4;
    f.chunk_sha256 = {std::string(64, '0')};
    f.device_id = "dev-a";
    REQUIRE(store()->RegisterFile(f).ok());
    REQUIRE(store()->PutChunk(photo, 0, Bytes{0xFF, 0xD8, 0xFF, 0xE0}).ok());
    REQUIRE(store()->MarkFileComplete(photo).ok());
    return photo;
  }
  void PushDen(const std::string& record_id, int64_t at,
               const std::vector<std::string>& photos = {}) {
    auto r = RentalVisit(record_id, 1, "A1001", kDen, v1::UNIT_STATUS_CHECKED, at,
                         {{"曹宇航", kIdA}}, {"many_sim_cards"});
    for (const auto& p : photos) {
      r.mutable_rental_check()->mutable_indicators(0)->add_attachment_hashes(p);
      auto* a = r.mutable_rental_check()->add_attachments();
      a->set_sha256(p);
      a->set_media_type("image/jpeg");
    }
    PushRecords(store(), "dev-a", {r});
  }
  // Two visits of one 欧阳秀芝 with different phones: one pair to review.
  void PushReviewPair() {
    auto a = RentalVisit("r1", 1, "A1001", kDen, v1::UNIT_STATUS_CHECKED, kT0, {{"欧阳秀芝", ""}});
    a.mutable_rental_check()->mutable_occupants(0)->set_phone("13907351234");
    auto b = RentalVisit("r2", 1, "A1001", kSameBuilding, v1::UNIT_STATUS_CHECKED, kT0,
                         {{"欧阳秀芝", ""}});
    b.mutable_rental_check()->mutable_occupants(0)->set_phone("13800138000");
    PushRecords(store(), "dev-a", {a, b});
  }
  void CatchUp() {
    LedgerService ledger(store(), &env, {});
    REQUIRE(ledger.CatchUp().ok());
    auto m = MergeService(store(), &env).Run();
    INFO(m.status().ToString());
    REQUIRE(m.ok());
  }
};

inline void CheckError(const Answer& a, int status, const std::string& code) {
  INFO(a.body);
  CHECK(a.status == status);
  CHECK(Parse<v1::DashError>(a).code() == code);
}

}  // namespace sweep::testing
