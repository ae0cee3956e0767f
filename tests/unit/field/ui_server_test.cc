// UiServer over a real store and real HTTP on 127.0.0.1, with a fake clock:
// the PIN delay (429 "wait" with the time left, then unlock once it ran
// out), the last allowed wrong PIN crypto-shreds (410), every refusal
// (key, Host, Origin, content type, bad body, unknown field).
#include "sweep/field/ui_server.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "../../support/fake_env.h"
#include "field_fixture.h"
#include "sweep/v1/ui.pb.h"

#include <google/protobuf/util/json_util.h>

using namespace sweep;
using sweep::field::Store;
using sweep::testing::FakeEnv;
using sweep::testing::TempDir;

namespace {

constexpr const char* kPin = "246810";

struct Screen {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<Store> store;
  std::unique_ptr<field::UiServer> server;
  std::string key = field::NewUiSecret();

  explicit Screen(int max_attempts = 10) {
    REQUIRE(Store::Create(dir.path(), sweep::testing::FastInitOptions("A1001", max_attempts), kPin, &env).ok());
    auto s = Store::Open(dir.path(), &env);
    REQUIRE(s.ok());
    store = std::move(s).value();
    field::UiOptions o;
    o.secret = key;
    server = std::make_unique<field::UiServer>(store.get(), o);
    REQUIRE(server->Start().ok());
  }
  std::string Host() const { return "127.0.0.1:" + std::to_string(server->port()); }
  httplib::Result Post(const std::string& path, const std::string& body,
                       httplib::Headers extra = {}) {
    httplib::Client c("127.0.0.1", server->port());
    httplib::Headers h{{"X-Sweep-Key", key}};
    for (auto& e : extra) h.insert(e);
    return c.Post(path, h, body, "application/json");
  }
  httplib::Result Unlock(const std::string& pin) {
    return Post("/api/unlock", R"({"officerId":"A1001","pin":")" + pin + "\"}");
  }
};

v1::UiError ErrorOf(const httplib::Result& r) {
  v1::UiError e;
  REQUIRE(r);
  REQUIRE(google::protobuf::util::JsonStringToMessage(r->body, &e).ok());
  return e;
}

}  // namespace

TEST_CASE("ui server: the PIN delay is told and kept, then the right PIN unlocks") {
  Screen s;
  for (int i = 1; i <= 2; ++i) {
    auto r = s.Unlock("111111");
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(ErrorOf(r).attempts_left() == 10 - i);
    CHECK(ErrorOf(r).wait_ms() == 0);
  }
  auto third = s.Unlock("111111");
  REQUIRE(third);
  CHECK(third->status == 401);
  CHECK(ErrorOf(third).wait_ms() == 30000);  // from the third wrong PIN on, a delay
  s.env.Advance(10000);
  auto early = s.Unlock(kPin);  // even the right PIN waits
  REQUIRE(early);
  CHECK(early->status == 429);
  CHECK(ErrorOf(early).code() == "wait");
  CHECK(ErrorOf(early).wait_ms() == 20000);
  CHECK(!s.store->unlocked());
  s.env.Advance(20000);
  auto ok = s.Unlock(kPin);
  REQUIRE(ok);
  CHECK(ok->status == 200);
  v1::UiStatus st;
  REQUIRE(google::protobuf::util::JsonStringToMessage(ok->body, &st).ok());
  CHECK(st.unlocked());
  CHECK(st.officer_id() == "A1001");
  CHECK(st.failed_attempts() == 0);
  REQUIRE(st.officers_size() == 1);
  CHECK(st.officers(0).name() == "王建国");  // names readable once unlocked
  auto locked = s.Post("/api/lock", "{}");
  REQUIRE(locked);
  CHECK(locked->status == 200);
  CHECK(!s.store->unlocked());
}

TEST_CASE("ui server: the last allowed wrong PIN shreds the store, and says so") {
  Screen s(/*max_attempts=*/2);
  auto first = s.Unlock("111111");
  REQUIRE(first);
  CHECK(first->status == 401);
  CHECK(ErrorOf(first).attempts_left() == 1);
  auto last = s.Unlock("222222");
  REQUIRE(last);
  CHECK(last->status == 410);
  CHECK(ErrorOf(last).code() == "shredded");
}

TEST_CASE("ui server: refusals") {
  Screen s;
  httplib::Client c("127.0.0.1", s.server->port());
  SECTION("no key, or a wrong one") {
    auto none = c.Get("/api/status");
    REQUIRE(none);
    CHECK(none->status == 403);
    auto wrong = c.Get("/api/status", {{"X-Sweep-Key", std::string(64, '0')}});
    REQUIRE(wrong);
    CHECK(wrong->status == 403);
    auto right = c.Get("/api/status", {{"X-Sweep-Key", s.key}});
    REQUIRE(right);
    CHECK(right->status == 200);
    CHECK(right->get_header_value("Access-Control-Allow-Origin").empty());
  }
  SECTION("another Host (DNS rebinding), even for the page") {
    auto page = c.Get("/", {{"Host", "evil.example:" + std::to_string(s.server->port())}});
    REQUIRE(page);
    CHECK(page->status == 403);
    auto ok = c.Get("/");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->get_header_value("Content-Security-Policy").find("default-src 'none'") == 0);
  }
  SECTION("another Origin") {
    auto r = s.Post("/api/lock", "{}", {{"Origin", "http://evil.example"}});
    REQUIRE(r);
    CHECK(r->status == 403);
    auto same = s.Post("/api/lock", "{}", {{"Origin", "http://" + s.Host()}});
    REQUIRE(same);
    CHECK(same->status == 200);
  }
  SECTION("a form post, a bad body, an unknown field: nothing tried") {
    auto form = c.Post("/api/unlock", {{"X-Sweep-Key", s.key}}, "pin=246810",
                       "application/x-www-form-urlencoded");
    REQUIRE(form);
    CHECK(form->status == 403);
    auto bad = s.Post("/api/unlock", "not json");
    REQUIRE(bad);
    CHECK(bad->status == 400);
    auto extra = s.Post("/api/unlock", R"({"officerId":"A1001","pin":"246810","admin":true})");
    REQUIRE(extra);
    CHECK(extra->status == 400);
    auto info = s.store->Info();
    REQUIRE(info.ok());
    CHECK(info->failed_attempts == 0);
    CHECK(!s.store->unlocked());
  }
  SECTION("coverage needs an unlocked tablet; a building needs a readable address") {
    auto today = c.Get("/api/today", {{"X-Sweep-Key", s.key}});
    REQUIRE(today);
    CHECK(today->status == 423);
    CHECK(ErrorOf(today).code() == "locked");
    REQUIRE(s.Unlock(kPin)->status == 200);
    auto ok = c.Get("/api/today", {{"X-Sweep-Key", s.key}});
    REQUIRE(ok);
    CHECK(ok->status == 200);
    v1::UiToday t;
    REQUIRE(google::protobuf::util::JsonStringToMessage(ok->body, &t).ok());
    CHECK(t.officer_id() == "A1001");
    CHECK(!t.config_from_hub());  // never synced
    auto none = c.Get("/api/building", {{"X-Sweep-Key", s.key}});
    REQUIRE(none);
    CHECK(none->status == 400);
    auto unknown = c.Get("/api/building",
                         httplib::Params{{"key", "郴州市北湖区人民路街道国庆北路社区国庆北路18号3栋"}},
                         httplib::Headers{{"X-Sweep-Key", s.key}});
    REQUIRE(unknown);
    CHECK(unknown->status == 404);
    CHECK(ErrorOf(unknown).code() == "unknown_building");
    auto unreadable = c.Get("/api/building", httplib::Params{{"key", "3栋"}},
                            httplib::Headers{{"X-Sweep-Key", s.key}});
    REQUIRE(unreadable);
    CHECK(unreadable->status == 400);
    CHECK(ErrorOf(unreadable).code() == "bad_address");
    // Idle past the limit: the store locks itself at its next use.
    s.env.Advance(10 * 60 * 1000);
    auto idle = c.Get("/api/today", {{"X-Sweep-Key", s.key}});
    REQUIRE(idle);
    CHECK(idle->status == 423);
  }
  SECTION("sync on a tablet never enrolled: the reason, in a word") {
    REQUIRE(s.Unlock(kPin)->status == 200);
    auto started = s.Post("/api/sync", "{}");
    REQUIRE(started);
    CHECK(started->status == 202);
    v1::UiSync sy;
    for (int i = 0; i < 200; ++i) {
      auto r = c.Get("/api/sync", {{"X-Sweep-Key", s.key}});
      REQUIRE(r);
      REQUIRE(google::protobuf::util::JsonStringToMessage(r->body, &sy).ok());
      if (sy.finished()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(sy.finished());
    CHECK(!sy.ok());
    CHECK(sy.error().code() == "not_enrolled");
  }
  SECTION("an unknown page") {
    auto r = c.Get("/secret.txt");
    REQUIRE(r);
    CHECK(r->status == 404);
  }
}
