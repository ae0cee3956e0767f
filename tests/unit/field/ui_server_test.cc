// UiServer over a real store and real HTTP on 127.0.0.1, with a fake clock:
// the PIN delay (429 "wait" with the time left, then unlock once it ran
// out), the last allowed wrong PIN crypto-shreds (410), every refusal
// (key, Host, Origin, content type, bad body, unknown field); photos sealed
// in the store (typed, bounded, never in the clear); a record edited into
// its next version; an office sweep's co-signatures.
#include "sweep/field/ui_server.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "../../support/fake_env.h"
#include "field_fixture.h"
#include "sweep/sync/crypto.h"
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

TEST_CASE("ui server: a Stop() right after Start() is not lost") {
  Screen s;
  s.server->Stop();
  for (int round = 0; round < 20; ++round) {
    field::UiOptions o;
    o.secret = s.key;
    field::UiServer server(s.store.get(), o);
    REQUIRE(server.Start().ok());
    server.Stop();  // hung before the fix: httplib ignores stop() until it listens
    CHECK_FALSE(httplib::Client("127.0.0.1", server.port()).Get("/"));
  }
}

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

namespace {

// A tiny PNG's first bytes, a marker to search the store's files for, padding.
std::string FakePng(const std::string& marker, size_t size) {
  std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + marker;
  png.resize(size, 'x');
  return png;
}

template <typename M>
M Parse(const httplib::Result& r) {
  M m;
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(google::protobuf::util::JsonStringToMessage(r->body, &m).ok());
  return m;
}

}  // namespace

TEST_CASE("ui server: photos are sealed in the store, bounded and typed") {
  Screen s;
  REQUIRE(s.Unlock(kPin)->status == 200);
  httplib::Client c("127.0.0.1", s.server->port());
  const httplib::Headers key{{"X-Sweep-Key", s.key}};
  const std::string marker = "EVIDENCE-PHOTO-7f3a9c";
  const std::string png = FakePng(marker, 300000);  // several chunks? one is 1 MiB: one
  auto added = c.Post("/api/photos", key, png, "image/png");
  REQUIRE(added);
  REQUIRE(added->status == 200);
  auto photo = Parse<v1::UiPhoto>(added);
  CHECK(photo.sha256() == crypto::Sha256Hex(crypto::AsBytes(png)));
  CHECK(photo.media_type() == "image/png");
  CHECK(photo.size() == png.size());
  // Stored encrypted: none of the store's files holds the image's bytes.
  CHECK(!sweep::testing::FilesContain(s.dir.path(), marker));
  auto files = s.store->Files(true);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);  // and it goes to the hub at the next sync
  // Read back whole for a thumbnail.
  auto back = c.Get("/api/photos?sha256=" + photo.sha256(), key);
  REQUIRE(back);
  CHECK(back->status == 200);
  CHECK(back->get_header_value("Content-Type") == "image/png");
  CHECK(back->body == png);
  auto unknown = c.Get("/api/photos?sha256=" + std::string(64, 'a'), key);
  REQUIRE(unknown);
  CHECK(unknown->status == 404);

  SECTION("a wrong type is refused: declared, or not what the bytes show") {
    auto gif = c.Post("/api/photos", key, "GIF89a....", "image/gif");
    REQUIRE(gif);
    CHECK(gif->status == 415);
    CHECK(ErrorOf(gif).code() == "unsupported_type");
    auto lying = c.Post("/api/photos", key, "<svg onload=alert(1)>", "image/jpeg");
    REQUIRE(lying);
    CHECK(lying->status == 415);
    auto form = c.Post("/api/photos", key, png, "application/x-www-form-urlencoded");
    REQUIRE(form);
    CHECK(form->status == 403);  // a type a cross-site form could send
    auto no_key = c.Post("/api/photos", png, "image/png");
    REQUIRE(no_key);
    CHECK(no_key->status == 403);
  }
  SECTION("at most 12 MiB") {
    auto big = c.Post("/api/photos", key, FakePng("big", (12u << 20) + 1), "image/png");
    REQUIRE(big);
    CHECK(big->status == 413);
    auto edge = c.Post("/api/photos", key, FakePng("edge", 12u << 20), "image/png");
    REQUIRE(edge);
    CHECK(edge->status == 200);
  }
  SECTION("locked: refused") {
    s.store->Lock();
    auto locked = c.Post("/api/photos", key, png, "image/png");
    REQUIRE(locked);
    CHECK(locked->status == 423);
  }
}

TEST_CASE("ui server: a record loaded for editing is saved as its next version") {
  Screen s;
  REQUIRE(s.Unlock(kPin)->status == 200);
  httplib::Client c("127.0.0.1", s.server->port());
  const httplib::Headers key{{"X-Sweep-Key", s.key}};
  auto first = Parse<v1::UiSaved>(s.Post(
      "/api/records",
      R"({"rentalCheck":{"address":{"raw":"郴州市北湖区国庆北路18号3栋1单元102室"},)"
      R"("unitStatus":"UNIT_STATUS_CHECKED","occupants":[{"name":"蒋雨欣"}]}})"));
  CHECK(first.version() == 1);
  auto loaded = Parse<v1::Record>(c.Get("/api/records?id=" + first.record_id(), key));
  CHECK(loaded.record_id() == first.record_id());
  CHECK(loaded.version() == 1);
  REQUIRE(loaded.rental_check().occupants_size() == 1);
  auto edited = s.Post("/api/records", R"({"recordId":")" + first.record_id() +
                                           R"(","baseVersion":"1","rentalCheck":{"address":)"
                                           R"({"raw":"郴州市北湖区国庆北路18号3栋1单元102室"},)"
                                           R"("unitStatus":"UNIT_STATUS_CHECKED","occupants":)"
                                           R"([{"name":"蒋雨欣"},{"name":"韦俊豪"}],)"
                                           R"("dispositions":[{"code":"registered_on_site"}]}})");
  auto second = Parse<v1::UiSaved>(edited);
  CHECK(second.record_id() == first.record_id());
  CHECK(second.version() == 2);
  auto history = s.store->History(first.record_id());
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK(history->back().base_version() == 1);
  CHECK(history->back().rental_check().occupants_size() == 2);
  CHECK(history->back().rental_check().dispositions(0).code() == "registered_on_site");
  // An edit made on version 1 again: a conflict, nothing written.
  auto stale = s.Post("/api/records", R"({"recordId":")" + first.record_id() +
                                          R"(","baseVersion":"1","rentalCheck":{}})");
  REQUIRE(stale);
  CHECK(stale->status == 409);
  CHECK(ErrorOf(stale).code() == "conflict");
  // Another kind of form, or a record this tablet does not hold: refused.
  auto kind = s.Post("/api/records", R"({"recordId":")" + first.record_id() +
                                         R"(","officeSweep":{"companyName":"x"}})");
  REQUIRE(kind);
  CHECK(kind->status == 400);
  auto missing = c.Get("/api/records?id=" + std::string(32, '0'), key);
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(s.store->History(first.record_id())->size() == 2);
}

TEST_CASE("ui server: an office sweep's co-signatures are signed by the device") {
  Screen s;
  REQUIRE(s.Unlock(kPin)->status == 200);
  auto saved = Parse<v1::UiSaved>(s.Post(
      "/api/records",
      R"({"officeSweep":{"address":{"raw":"郴州市北湖区燕泉路66号华信商务大厦12楼1206室"},)"
      R"("companyName":"鑫睿咨询","creditCode":"91431002MA4T7K2R7E",)"
      R"("participants":[{"agency":"police","officerId":"A1001"},)"
      R"({"agency":"market_regulation","officerId":"SJ-0212","name":"何晓丽"}],)"
      R"("cosignatures":[{"signerId":"A1001","agency":"police","signerRole":"officer"},)"
      R"({"signerId":"SJ-0212","agency":"market_regulation","signerRole":"regulator"}]}})"));
  // The mistyped credit code is kept and marked, as on the command line.
  bool flagged = false;
  for (const auto& p : saved.problems()) flagged = flagged || p.field() == "creditCode";
  CHECK(flagged);
  // Co-signatures cover the sweep as stored (agency sections sealed: none here).
  auto rec = s.store->GetSealed(saved.record_id());
  REQUIRE(rec.ok());
  const v1::OfficeSweep& sweep = rec->office_sweep();
  REQUIRE(sweep.cosignatures_size() == 2);
  const auto& pk = s.store->sign_public_key();
  for (const v1::Signature& sig : sweep.cosignatures()) {
    CHECK(sig.key_id() == crypto::KeyId(pk));
    CHECK(sig.signature().size() == crypto::kSignatureSize);
    CHECK(field::VerifyCosignature(pk, sweep, sig));
  }
  CHECK(sweep.cosignatures(1).signer_id() == "SJ-0212");
  // Over the content and the signer: another company, or another signer, fails.
  v1::OfficeSweep changed = sweep;
  changed.set_company_name("另一家公司");
  CHECK(!field::VerifyCosignature(pk, changed, sweep.cosignatures(0)));
  v1::Signature moved = sweep.cosignatures(0);
  moved.set_signer_id("SJ-0212");
  CHECK(!field::VerifyCosignature(pk, sweep, moved));
}
