// Fuzzing the station dashboard's JSON inputs (issue 7: "fuzz the JSON
// inputs of the dashboard API"). Random bytes would die at the session
// check, so the harness signs in once as a supervisor (a real account,
// Argon2id) and sends each input as a signed-in request with the right
// CSRF token, the way the page does; the fuzz bytes are the body of a POST
// route or the query of a GET route.
//
// Input: one route byte (index into kRoutes, modulo), then the body (POST)
// or the value of the route's query parameter (GET). The hub's store
// persists across inputs, as it does in a real hub: a fuzzed decision that
// is valid is stored, and later inputs see it.
//
// Invariants (abort on violation): no crash or sanitizer report; every
// answer has a status the API documents (200, 400, 403, 404, 409, 413, 415,
// 429), never 500; a refusal's body is a DashError whose code is one of the
// documented codes and whose message is not empty; a 200 answer is JSON
// that parses as the route's message; the session survives every input
// (nothing but sign-out ends it).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "hub_fixture.h"
#include "sweep/hub/dashboard.h"
#include "sweep/hub/dashboard_users.h"
#include "sweep/sync/web.h"
#include "sweep/v1/dashboard.pb.h"

namespace {

using sweep::fuzz::HubFixture;
using sweep::fuzz::SetupFailed;
using sweep::fuzz::Violation;
namespace hub = sweep::hub;
namespace v1 = sweep::v1;

struct Route {
  const char* method;
  const char* path;   // under /dash/api/
  const char* param;  // GET: the query parameter the bytes fill
};

constexpr Route kRoutes[] = {
    {"POST", "den/status", ""},
    {"POST", "person/disposition", ""},
    {"POST", "review/decide", ""},
    {"POST", "devices/enroll", ""},
    {"POST", "devices/revoke", ""},
    {"GET", "report", "date"},
    {"GET", "coverage", "date"},
    {"GET", "building", "key"},
    {"GET", "den", "key"},
    {"GET", "dens", "status"},
    {"GET", "suspects", "q"},
    {"GET", "person", "entity"},
    {"GET", "graph", "node"},
    {"GET", "graph", "depth"},
    {"GET", "photo", "sha256"},
    {"GET", "review", "page"},
};

constexpr char kPassword[] = "fuzz-supervisor-password";

class Session {
 public:
  static Session& Get() {
    static Session* s = new Session();
    return *s;
  }

  hub::DashResponse Send(const Route& route, std::string_view bytes) {
    hub::DashRequest r;
    r.method = route.method;
    r.path = std::string("/dash/api/") + route.path;
    r.cookie = cookie_;
    r.csrf_token = csrf_;
    r.host = "127.0.0.1:8443";
    if (r.method == "POST") {
      r.content_type = "application/json";
      r.body = std::string(bytes);
    } else {
      r.query[route.param] = std::string(bytes);
    }
    return dashboard_->Handle(r);
  }

  // The session is still good: /me answers 200.
  bool Alive() {
    hub::DashRequest r;
    r.method = "GET";
    r.path = "/dash/api/me";
    r.cookie = cookie_;
    r.host = "127.0.0.1:8443";
    return dashboard_->Handle(r).status == 200;
  }

 private:
  Session() {
    HubFixture& f = HubFixture::Get();
    hub::Accounts accounts(f.service().store(), f.env());
    sweep::Status st = accounts.Add("S9001", "王敏", "supervisor", "police", kPassword);
    if (!st.ok()) SetupFailed(st.ToString());
    auto d = hub::Dashboard::Create(&f.service());
    if (!d.ok()) SetupFailed(d.status().ToString());
    dashboard_ = std::move(d).value();
    hub::DashRequest login;
    login.method = "POST";
    login.path = "/dash/api/login";
    login.content_type = "application/json";
    login.host = "127.0.0.1:8443";
    login.body = std::string(R"({"userId":"S9001","password":")") + kPassword + "\"}";
    hub::DashResponse out = dashboard_->Handle(login);
    if (out.status != 200) SetupFailed("sign-in: " + out.body);
    for (const auto& [name, value] : out.headers) {
      if (name == "Set-Cookie") cookie_ = value.substr(0, value.find(';'));
    }
    v1::DashSession session;
    if (!sweep::sync::web::ParseApiJson(out.body, &session, nullptr) || cookie_.empty()) {
      SetupFailed("sign-in answered no session: " + out.body);
    }
    csrf_ = session.csrf();
  }

  std::unique_ptr<hub::Dashboard> dashboard_;
  std::string cookie_, csrf_;
};

void CheckAnswer(const Route& route, const hub::DashResponse& out) {
  static const std::set<int> kStatuses = {200, 400, 403, 404, 409, 413, 415, 429};
  static const std::set<std::string> kCodes = {"bad_request", "unauthenticated", "wrong_password",
                                               "wait",        "forbidden",       "csrf",
                                               "not_found",   "conflict"};
  const std::string where = std::string(route.method) + " " + route.path;
  if (!kStatuses.count(out.status)) {
    Violation(where + ": HTTP " + std::to_string(out.status) + " " + out.body);
  }
  if (out.status != 200) {
    v1::DashError e;
    if (!sweep::sync::web::ParseApiJson(out.body, &e, nullptr)) {
      Violation(where + ": a refusal that is not a DashError: " + out.body);
    }
    if (!kCodes.count(e.code()) || e.message().empty()) {
      Violation(where + ": undocumented or unexplained refusal: " + out.body);
    }
    return;
  }
  // Photos answer the image's bytes; everything else JSON.
  if (std::string_view(route.path) == "photo") return;
  if (out.content_type.rfind("application/json", 0) != 0 || out.body.empty() ||
      out.body.front() != '{') {
    Violation(where + ": a 200 that is not a JSON object: " + out.content_type);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Session& s = Session::Get();
  const Route& route = kRoutes[data[0] % (sizeof(kRoutes) / sizeof(kRoutes[0]))];
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  CheckAnswer(route, s.Send(route, bytes));
  if (!s.Alive()) Violation("the session ended after an input");
  return 0;
}
