// Retention on the tablet (docs/storage-format.md "Retention"): after a sync
// the records the hub acknowledged and that are older than the hub's days
// leave the tablet, with the photos only they name once the hub has them;
// nothing unacknowledged, no draft and nothing younger is touched; the chain
// still verifies through the purged entries, and tampering with them is
// named; the ciphertext is gone from the files; the hub's setting is read
// from the feed; a format 2 store is upgraded on open.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "../../support/fake_env.h"
#include "../../support/records.h"
#include "field_fixture.h"
#include "sweep/field/store.h"
#include "sweep/v1/sync.pb.h"

using namespace sweep;
using field::Store;
using sweep::testing::FakeEnv;
using sweep::testing::TempDir;

namespace {

constexpr const char* kPin = "246810";
constexpr int64_t kDay = 24LL * 3600 * 1000;

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
  std::string Blob(const std::string& sql) const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(File().c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
      out.assign(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                 static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  int64_t Count(const std::string& sql) const {
    std::string b = Blob("SELECT CAST((" + sql + ") AS TEXT)");
    return b.empty() ? -1 : std::stoll(b);
  }
  // A rental check visited `days_ago`, with one occupant.
  std::string Record(int64_t days_ago, const std::string& name, const std::string& photo = "",
                     const std::string& edit = "") {
    v1::Record r = testing::SampleRentalCheck();
    auto* rc = r.mutable_rental_check();
    rc->mutable_occupants(0)->set_name(name);
    rc->set_visited_at_ms(env.now_ms - days_ago * kDay);
    if (!photo.empty()) rc->add_attachments()->set_sha256(photo);
    auto saved = store->Append({{edit, 0, r}});
    INFO(saved.status().ToString());
    REQUIRE(saved.ok());
    return saved->front().record_id();
  }
  std::string Photo(const std::string& bytes, bool uploaded) {
    auto f = store->AddFileBytes(crypto::AsBytes(bytes), "image/jpeg");
    REQUIRE(f.ok());
    if (uploaded) REQUIRE(store->MarkFileUploaded(f->sha256).ok());
    return f->sha256;
  }
  uint64_t Head() {
    auto s = store->GetSyncState();
    REQUIRE(s.ok());
    return s->head_seq;
  }
  bool FilesHold(const std::string& bytes) const {
    return sweep::testing::FilesContain(dir.path(), bytes);
  }
};

bool Names(const field::VerifyReport& r, const std::string& words) {
  for (const auto& p : r.problems) {
    if (p.what.find(words) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("retention: the tablet drops only acknowledged records older than the days") {
  Tablet t;
  const std::string sent_photo = t.Photo("JPEG-old-visit", true);
  const std::string unsent_photo = t.Photo("JPEG-not-yet-at-the-hub", false);
  const std::string shared_photo = t.Photo("JPEG-shared", true);
  const std::string old = t.Record(200, "赵旧的", sent_photo);
  const std::string unsent_named = t.Record(200, "钱未传", unsent_photo);
  const std::string shared = t.Record(200, "李共享", shared_photo);
  const std::string edited = t.Record(200, "孙改过");
  const std::string young = t.Record(10, "周近期", shared_photo);
  REQUIRE(t.store->MarkSynced(t.Head()).ok());  // the hub holds seqs 1..5
  const std::string unacked = t.Record(200, "吴未确认");
  t.Record(200, "孙改过", "", edited);  // an edit not yet acknowledged
  REQUIRE(t.store->SaveDraft("rental:draft", "{\"name\":\"郑草稿\"}").ok());
  const std::string sealed_old = t.Blob("SELECT sealed FROM versions WHERE seq=1");
  REQUIRE(sealed_old.size() > 40);

  auto purged = t.store->PurgeSynced(30);
  INFO(purged.status().ToString());
  REQUIRE(purged.ok());
  CHECK(purged->records == 3);  // old, unsent_named, shared
  CHECK(purged->versions == 3);
  CHECK(purged->files == 1);  // the old visit's photo; not the unsent one, not the shared one
  CHECK(purged->cutoff_ms == t.env.now_ms - 30 * kDay);

  for (const std::string& id : {old, unsent_named, shared}) {
    auto got = t.store->Get(id);
    CHECK(got.status().code() == Code::kNotFound);
    CHECK(got.status().message().find("retention") != std::string::npos);
    CHECK(t.store->History(id).status().code() == Code::kNotFound);
  }
  auto edit = t.store->Append({{old, 0, testing::SampleRentalCheck()}});
  CHECK(edit.status().code() == Code::kNotFound);
  for (const std::string& id : {edited, young, unacked}) CHECK(t.store->Get(id).ok());
  auto list = t.store->List();
  REQUIRE(list.ok());
  CHECK(list->size() == 3);
  auto files = t.store->Files(false);
  REQUIRE(files.ok());
  CHECK(files->size() == 2);
  CHECK(t.store->ReadFile(sent_photo).status().code() == Code::kNotFound);
  CHECK(t.store->ReadFile(unsent_photo).ok());
  CHECK(t.store->ReadFile(shared_photo).ok());
  auto drafts = t.store->Drafts();
  REQUIRE(drafts.ok());
  CHECK(drafts->size() == 1);
  auto found = t.store->FindByIdentifier("id", "360426199101010071");
  REQUIRE(found.ok());
  CHECK(found->size() == 3);  // edited (2 versions: one record), young, unacked

  // The chain verifies through the purged entries; the ciphertext is gone.
  auto report = t.store->Verify();
  REQUIRE(report.ok());
  INFO((report->problems.empty() ? "" : report->problems[0].what));
  CHECK(report->ok());
  CHECK(report->versions_checked == 7);
  CHECK_FALSE(t.FilesHold(sealed_old));
  auto info = t.store->Info();
  REQUIRE(info.ok());
  CHECK(info->purged_versions == 3);
  CHECK(info->records == 3);

  // Again: nothing more. New records go on from the chain's head.
  auto again = t.store->PurgeSynced(30);
  REQUIRE(again.ok());
  CHECK(again->records == 0);
  t.Record(1, "新记录");
  CHECK(t.store->Verify()->ok());
  // 0 days: nothing at all.
  auto none = t.store->PurgeSynced(0);
  REQUIRE(none.ok());
  CHECK(none->records == 0);
}

TEST_CASE("retention: verify names a purged entry that was altered, moved or purged early") {
  Tablet t;
  t.Record(100, "赵一");
  t.Record(100, "钱二");
  t.Record(100, "孙三");
  REQUIRE(t.store->MarkSynced(3).ok());
  REQUIRE(t.store->PurgeSynced(30)->records == 3);
  REQUIRE(t.store->Verify()->ok());

  SECTION("a byte of a sealed record hash flipped") {
    t.Sql("UPDATE purged_versions SET sealed = X'00' || substr(sealed, 2) WHERE seq = 2");
    auto r = t.store->Verify();
    REQUIRE(r.ok());
    CHECK(Names(*r, "purged version altered, swapped or moved"));
  }
  SECTION("two purged entries swapped") {
    t.Sql(
        "UPDATE purged_versions SET seq = 100 WHERE seq = 1;"
        "UPDATE purged_versions SET seq = 1 WHERE seq = 2;"
        "UPDATE purged_versions SET seq = 2 WHERE seq = 100");
    auto r = t.store->Verify();
    REQUIRE(r.ok());
    CHECK_FALSE(r->ok());
  }
  SECTION("an entry deleted") {
    t.Sql("DELETE FROM purged_versions WHERE seq = 2");
    auto r = t.store->Verify();
    REQUIRE(r.ok());
    CHECK(Names(*r, "missing"));
  }
  SECTION("the acknowledged mark lowered below a purged entry") {
    t.Sql("UPDATE meta SET value = X'31' WHERE key = 'synced_seq'");
    auto r = t.store->Verify();
    REQUIRE(r.ok());
    CHECK(Names(*r, "purged although the hub had not acknowledged it"));
  }
}

TEST_CASE("retention: the tablet reads the days from the hub's feed item") {
  Tablet t;
  CHECK(*t.store->RetentionDays() == 0);
  v1::RetentionConfig config;
  config.set_tablet_synced_days(45);
  v1::PullResponse page;
  auto* item = page.add_items();
  item->set_seq(7);
  item->set_kind("config");
  item->set_key("retention");
  item->set_payload(config.SerializeAsString());
  page.set_next_cursor(7);
  REQUIRE(t.store->ApplyFeed(page).ok());
  CHECK(*t.store->RetentionDays() == 45);
  v1::PullResponse withdrawn;
  auto* tomb = withdrawn.add_items();
  tomb->set_seq(8);
  tomb->set_kind("config");
  tomb->set_key("retention");
  tomb->set_deleted(true);
  withdrawn.set_next_cursor(8);
  REQUIRE(t.store->ApplyFeed(withdrawn).ok());
  CHECK(*t.store->RetentionDays() == 0);
}

TEST_CASE("retention: a format 2 store gets purged_versions on open, and shredding empties it") {
  Tablet t;
  t.Record(100, "赵一");
  REQUIRE(t.store->MarkSynced(1).ok());
  t.store.reset();
  t.Sql("DROP TABLE purged_versions; UPDATE meta SET value = X'32' WHERE key = 'format_version'");
  t.Reopen();
  CHECK(t.store->Info()->format_version == 3);
  CHECK(t.Count("SELECT count(*) FROM sqlite_master WHERE name = 'purged_versions'") == 1);
  REQUIRE(t.store->PurgeSynced(30)->records == 1);
  REQUIRE(t.store->Shred("test").ok());
  CHECK(t.Count("SELECT count(*) FROM purged_versions") == 0);
}
