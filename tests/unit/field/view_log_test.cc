// The tablet's local view log (docs/storage-format.md "View log"): a view
// appends exactly one sealed entry per thing shown, chained and signed at
// its head, never in the clear; shipped entries are dropped and the chain
// goes on; a store that cannot log refuses to show (also on the screen);
// tampering is named by verify; a format 1 store is upgraded on open.
#include <httplib.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "../../support/fake_env.h"
#include "../../support/records.h"
#include "field_fixture.h"
#include "sweep/field/store.h"
#include "sweep/field/ui_server.h"
#include "sweep/sync/audit_chain.h"

using namespace sweep;
using field::Store;
using sweep::testing::FakeEnv;
using sweep::testing::TempDir;

namespace {

constexpr const char* kPin = "246810";

struct Tablet {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<Store> store;

  Tablet() {
    REQUIRE(Store::Create(dir.path(), sweep::testing::FastInitOptions(), kPin, &env).ok());
    Reopen();
  }
  void Reopen() {
    store.reset();
    auto s = Store::Open(dir.path(), &env);
    REQUIRE(s.ok());
    store = std::move(s).value();
    REQUIRE(store->Unlock("A1001", kPin).ok());
  }
  std::string File() const { return dir.path() + "/" + Store::kFileName; }
  // Runs SQL on the store file behind the store's back.
  void Sql(const std::string& sql) const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(File().c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << " -> " << (err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
  int64_t Count(const std::string& sql) const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(File().c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }
  int64_t Rows() const { return Count("SELECT count(*) FROM view_log"); }
  std::vector<v1::AuditEntry> Held() {
    auto batch = store->ViewsToShip(0, 1000);
    REQUIRE(batch.ok());
    return batch->entries;
  }
  std::string NewRecord() {
    auto saved = store->Append({{"", 0, testing::SampleRentalCheck()}});
    REQUIRE(saved.ok());
    return saved->front().record_id();
  }
};

std::string HashOf(const v1::AuditEntry& e) {
  auto h = sync::AuditHash(e);
  return std::string(h.begin(), h.end());
}

bool Names(const field::VerifyReport& r, const std::string& words) {
  for (const auto& p : r.problems) {
    if (p.what.find("view log") != std::string::npos && p.what.find(words) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("view log: one sealed entry per view, chained, signed at its head, never in clear") {
  Tablet t;
  const std::string id = t.NewRecord();
  CHECK(t.Rows() == 0);
  REQUIRE(t.store
              ->LogView("record:" + id,
                        field::ViewDetail({{"asked", "VIEWCANARY-蒋雨欣"}, {"empty", ""}}))
              .ok());
  CHECK(t.Rows() == 1);
  t.env.Advance(1000);
  REQUIRE(t.store->LogViews({"list:records", "photo:" + std::string(64, 'a')}).ok());
  CHECK(t.Rows() == 3);  // one entry per thing shown
  REQUIRE(t.store->LogViews({}).ok());
  CHECK(t.Rows() == 3);

  auto state = t.store->ViewLog();
  REQUIRE(state.ok());
  CHECK(state->head_seq == 3);
  CHECK(state->held() == 3);
  auto batch = t.store->ViewsToShip(0, 1000);
  REQUIRE(batch.ok());
  const auto& e = batch->entries;
  REQUIRE(e.size() == 3);
  CHECK(e[0].chain() == "device:" + t.store->device_id());
  CHECK(e[0].seq() == 1);
  CHECK(e[0].at_ms() == t.env.now_ms - 1000);
  CHECK(e[0].actor() == "A1001");
  CHECK(e[0].actor_role().empty());  // not enrolled: no role yet
  CHECK(e[0].device() == t.store->device_id());
  CHECK(e[0].action() == "read");
  CHECK(e[0].entity() == "record:" + id);
  CHECK(e[0].detail() == R"({"asked":"VIEWCANARY-蒋雨欣"})");
  CHECK(e[0].prev_hash() == std::string(32, '\0'));
  for (size_t i = 0; i < e.size(); ++i) {
    CHECK(e[i].hash() == HashOf(e[i]));
    if (i > 0) CHECK(e[i].prev_hash() == e[i - 1].hash());
  }
  CHECK(e[2].entity() == "photo:" + std::string(64, 'a'));
  CHECK(std::string(state->head_hash.begin(), state->head_hash.end()) == e[2].hash());
  CHECK(crypto::VerifySignature(
      t.store->sign_public_key(),
      sync::ViewHeadMessage(t.store->device_id(), 3, crypto::AsBytes(e[2].hash())),
      batch->head_sig));
  auto part = t.store->ViewsToShip(1, 1);
  REQUIRE(part.ok());
  REQUIRE(part->entries.size() == 1);
  CHECK(part->entries[0].seq() == 2);

  // Nothing of it on disk in clear: not the detail, not the entity names.
  t.store.reset();
  for (const char* needle : {"VIEWCANARY", "record:", "list:records", "photo:aaaa", "\"read\""}) {
    INFO(needle);
    CHECK_FALSE(sweep::testing::FilesContain(t.dir.path(), needle));
  }
}

TEST_CASE("view log: acknowledged entries are dropped and the chain goes on") {
  Tablet t;
  REQUIRE(t.store->LogViews({"record:a", "record:b", "record:c"}).ok());
  auto held = t.Held();
  REQUIRE(held.size() == 3);
  // The hub's copy differs: nothing is dropped.
  CHECK(t.store->DropShippedViews(2, crypto::AsBytes(std::string(32, 'x'))).code() ==
        Code::kCorruption);
  CHECK(t.Rows() == 3);
  // More than the tablet ever wrote: a restored store.
  CHECK(t.store->DropShippedViews(9, crypto::AsBytes(held[2].hash())).code() == Code::kCorruption);
  REQUIRE(t.store->DropShippedViews(2, crypto::AsBytes(held[1].hash())).ok());
  CHECK(t.Rows() == 1);
  auto state = t.store->ViewLog();
  REQUIRE(state.ok());
  CHECK(state->base_seq == 2);
  CHECK(state->head_seq == 3);
  CHECK(state->held() == 1);
  // Never back: an older acknowledgement changes nothing.
  REQUIRE(t.store->DropShippedViews(1, crypto::AsBytes(held[0].hash())).ok());
  CHECK(t.store->ViewLog()->base_seq == 2);

  t.Reopen();  // the chain's ends survive a restart
  REQUIRE(t.store->LogView("record:d").ok());
  auto rest = t.store->ViewsToShip(2, 1000);
  REQUIRE(rest.ok());
  REQUIRE(rest->entries.size() == 2);
  CHECK(rest->entries[0].seq() == 3);
  CHECK(rest->entries[1].seq() == 4);
  CHECK(rest->entries[1].prev_hash() == held[2].hash());
  REQUIRE(t.store->DropShippedViews(4, crypto::AsBytes(rest->entries[1].hash())).ok());
  CHECK(t.Rows() == 0);
  CHECK(t.store->ViewLog()->held() == 0);
  REQUIRE(t.store->LogView("record:e").ok());
  CHECK(t.Held().front().prev_hash() == rest->entries[1].hash());
  auto verified = t.store->Verify();
  REQUIRE(verified.ok());
  CHECK(verified->ok());
}

TEST_CASE("view log: a locked store or a log that cannot be written refuses the view") {
  Tablet t;
  t.store->Lock();
  CHECK(t.store->LogView("record:a").code() == Code::kLocked);
  t.Reopen();
  t.Sql("DROP TABLE view_log");
  Status st = t.store->LogView("record:a");
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("nothing is shown") != std::string::npos);
  CHECK(t.store->ViewLog()->head_seq == 0);  // the head did not move either
}

TEST_CASE("view log: verify names an entry deleted, altered, moved or cut off") {
  Tablet t;
  REQUIRE(t.store->LogViews({"record:a", "record:b", "record:c", "record:d"}).ok());
  {
    auto clean = t.store->Verify();
    REQUIRE(clean.ok());
    CHECK(clean->ok());
  }
  SECTION("deleted") {
    t.Sql("DELETE FROM view_log WHERE seq = 2");
    CHECK(Names(*t.store->Verify(), "entries 2..2 are missing"));
    CHECK(t.store->ViewsToShip(0, 10).status().code() == Code::kCorruption);
  }
  SECTION("altered") {
    t.Sql(
        "UPDATE view_log SET sealed = (SELECT sealed FROM view_log WHERE seq = 1) "
        "WHERE seq = 3");
    CHECK(Names(*t.store->Verify(), "entry 3"));
  }
  SECTION("moved") {
    t.Sql(
        "UPDATE view_log SET seq = -1 WHERE seq = 1; UPDATE view_log SET seq = 1 WHERE seq = 2;"
        "UPDATE view_log SET seq = 2 WHERE seq = -1;");
    auto r = t.store->Verify();
    CHECK(Names(*r, "entry 1"));
    CHECK(Names(*r, "entry 2"));
  }
  SECTION("cut off") {
    t.Sql("DELETE FROM view_log WHERE seq = 4");
    CHECK(Names(*t.store->Verify(), "4..4 are missing at the end"));
  }
}

TEST_CASE("view log: a format 1 store gets the view log on open") {
  Tablet t;
  t.store.reset();
  t.Sql("DROP TABLE view_log; UPDATE meta SET value = X'31' WHERE key = 'format_version'");
  CHECK(t.Count("SELECT count(*) FROM sqlite_master WHERE name = 'view_log'") == 0);
  t.Reopen();  // 1 -> 2 adds the view log (and any later step runs after it)
  CHECK(t.store->Info()->format_version == Store::kFormatVersion);
  CHECK(
      t.Count("SELECT count(*) FROM meta WHERE key = 'format_version' AND CAST(value AS TEXT) = '" +
              std::to_string(Store::kFormatVersion) + "'") == 1);
  CHECK(t.Count("SELECT count(*) FROM sqlite_master WHERE name = 'view_log'") == 1);
  REQUIRE(t.store->LogView("record:a").ok());
  CHECK(t.Rows() == 1);
  // A format this build does not know is still refused.
  t.store.reset();
  t.Sql("UPDATE meta SET value = X'39' WHERE key = 'format_version'");
  CHECK(Store::Open(t.dir.path(), &t.env).status().code() == Code::kCorruption);
}

TEST_CASE("view log: the screen logs what it shows, and shows nothing it cannot log") {
  Tablet t;
  const std::string id = t.NewRecord();
  field::UiOptions o;
  o.secret = field::NewUiSecret();
  field::UiServer server(t.store.get(), o);
  REQUIRE(server.Start().ok());
  httplib::Client c("127.0.0.1", server.port());
  const httplib::Headers key{{"X-Sweep-Key", o.secret}};
  auto unlock =
      c.Post("/api/unlock", key, R"({"officerId":"A1001","pin":"246810"})", "application/json");
  REQUIRE(unlock);
  REQUIRE(unlock->status == 200);

  auto loaded = c.Get("/api/records?id=" + id, key);
  REQUIRE(loaded);
  CHECK(loaded->status == 200);
  CHECK(loaded->body.find("林晓燕") != std::string::npos);
  CHECK(t.Rows() == 1);
  auto missing = c.Get("/api/records?id=" + std::string(32, '0'), key);
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(t.Rows() == 1);  // nothing shown, nothing logged
  // No draft: nothing shown, nothing logged; one draft: one entry.
  REQUIRE(c.Get("/api/drafts", key)->status == 200);
  CHECK(t.Rows() == 1);
  REQUIRE(
      c.Post("/api/drafts", key, R"({"key":"rental:x","body":"{}"})", "application/json")->status ==
      200);
  REQUIRE(c.Get("/api/drafts", key)->status == 200);
  CHECK(t.Rows() == 2);
  {
    auto held = t.Held();
    REQUIRE(held.size() == 2);
    CHECK(held[0].entity() == "record:" + id);
    CHECK(held[0].detail() == R"({"version":"1","for":"edit"})");
    CHECK(held[1].entity() == "list:drafts");
  }

  t.Sql("DROP TABLE view_log");  // the log can no longer be written
  auto refused = c.Get("/api/records?id=" + id, key);
  REQUIRE(refused);
  CHECK(refused->status == 500);
  CHECK(refused->body.find("林晓燕") == std::string::npos);
  CHECK(refused->body.find("view log") != std::string::npos);
  server.Stop();
}
