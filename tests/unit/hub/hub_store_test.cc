// The SQLite hub store: every HubStore method, atomicity of the multi-row
// steps (stale uploads, used codes), durability across close and reopen, the
// schema version check, file permissions, and concurrent uploads.
#include "sweep/hub/hub_store.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "../../support/fake_env.h"
#include "sweep/sync/sqlite.h"

using namespace sweep;
using namespace sweep::hub;
using sweep::testing::TempDir;

namespace {

std::unique_ptr<HubStore> Open(const std::string& path) {
  auto store = OpenSqliteHubStore(path);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

Bytes Fill(size_t n, uint8_t value) { return Bytes(n, value); }

EnrollCode MakeCode(uint8_t id, const std::string& officer = "A1001") {
  EnrollCode c;
  c.code_id = Fill(8, id);
  c.secret = Fill(16, 0xC0);
  c.officer_id = officer;
  c.agency = "police";
  c.role = "officer";
  c.created_ms = 1000;
  c.expires_ms = 2000;
  return c;
}

Device MakeDevice(const std::string& id, int64_t enrolled_ms = 1500) {
  Device d;
  d.device_id = id;
  d.officer_id = "A1001";
  d.agency = "police";
  d.role = "officer";
  d.label = "tablet " + id;
  d.sign_pk = Fill(32, 1);
  d.box_pk = Fill(32, 2);
  d.enrolled_ms = enrolled_ms;
  return d;
}

// Enrolls `id` with a fresh code numbered `code`.
void Enroll(HubStore* store, const std::string& id, uint8_t code, int64_t enrolled_ms = 1500) {
  REQUIRE(store->AddEnrollCode(MakeCode(code)).ok());
  Status s =
      store->ConsumeCodeAddDevice(MakeCode(code).code_id, enrolled_ms, MakeDevice(id, enrolled_ms));
  INFO(s.ToString());
  REQUIRE(s.ok());
}

Bytes HashFor(const std::string& device_id, uint64_t seq) {
  Bytes h(32, static_cast<uint8_t>(seq));
  for (size_t i = 0; i < device_id.size() && i < 31; ++i) h[i + 1] = device_id[i];
  return h;
}

// Versions first_seq .. first_seq+count-1 of `device_id`.
std::vector<StoredVersion> Versions(const std::string& device_id, uint64_t first_seq,
                                    size_t count) {
  std::vector<StoredVersion> out;
  for (size_t i = 0; i < count; ++i) {
    StoredVersion v;
    v.device_id = device_id;
    v.seq = first_seq + i;
    v.record_id = device_id + "-r" + std::to_string(v.seq);
    v.version = 1;
    v.record = {0x0a, static_cast<uint8_t>(v.seq)};
    v.entry_hash = HashFor(device_id, v.seq);
    if (i + 1 == count) v.head_sig = Fill(64, 9);
    v.received_ms = 5000 + static_cast<int64_t>(v.seq);
    out.push_back(std::move(v));
  }
  return out;
}

FileRow File(const std::string& sha, size_t chunks) {
  FileRow f;
  f.sha256 = sha;
  f.size = chunks * 4;
  f.media_type = "image/jpeg";
  f.chunk_size = 4;
  for (size_t i = 0; i < chunks; ++i) f.chunk_sha256.push_back("c" + std::to_string(i));
  f.device_id = "dev-a";
  return f;
}

FeedItemRow Item(const std::string& audience, const std::string& key) {
  FeedItemRow item;
  item.audience = audience;
  item.kind = "assignment";
  item.key = key;
  item.payload = {1, 2, 3};
  return item;
}

std::vector<std::string> Keys(const std::vector<FeedItemRow>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const auto& i : items) out.push_back(i.key);
  return out;
}

}  // namespace

TEST_CASE("hub store: hub keys are saved once and load back") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  auto none = store->LoadHubKeys();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  HubKeys keys{"00112233445566778899aabbccddeeff",
               Fill(32, 1),
               Fill(64, 2),
               Fill(32, 3),
               Fill(32, 4),
               Fill(32, 5)};
  REQUIRE(store->SaveHubKeys(keys).ok());
  auto loaded = store->LoadHubKeys();
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  CHECK((*loaded)->hub_id == keys.hub_id);
  CHECK((*loaded)->sign_pk == keys.sign_pk);
  CHECK((*loaded)->sign_sk == keys.sign_sk);
  CHECK((*loaded)->box_pk == keys.box_pk);
  CHECK((*loaded)->box_sk == keys.box_sk);
  CHECK((*loaded)->watchlist_key == keys.watchlist_key);

  keys.hub_id = "ffffffffffffffffffffffffffffffff";
  Status again = store->SaveHubKeys(keys);
  CHECK(again.code() == Code::kAlreadyExists);
  CHECK(again.message().find("00112233445566778899aabbccddeeff") != std::string::npos);
  CHECK((*store->LoadHubKeys())->hub_id == "00112233445566778899aabbccddeeff");
}

TEST_CASE("hub store: enrollment codes are added, read and used once") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  REQUIRE(store->AddEnrollCode(MakeCode(1)).ok());
  CHECK(store->AddEnrollCode(MakeCode(1)).code() == Code::kAlreadyExists);
  CHECK(store->GetEnrollCode(Fill(8, 7)).status().code() == Code::kNotFound);

  auto code = store->GetEnrollCode(Fill(8, 1));
  REQUIRE(code.ok());
  CHECK(code->secret == Fill(16, 0xC0));
  CHECK(code->officer_id == "A1001");
  CHECK(code->agency == "police");
  CHECK(code->role == "officer");
  CHECK(code->created_ms == 1000);
  CHECK(code->expires_ms == 2000);
  CHECK(code->used_ms == 0);
  CHECK(code->used_by.empty());

  SECTION("a code is used once") {
    REQUIRE(store->ConsumeCodeAddDevice(Fill(8, 1), 1500, MakeDevice("dev-a")).ok());
    auto used = store->GetEnrollCode(Fill(8, 1));
    REQUIRE(used.ok());
    CHECK(used->used_ms == 1500);
    CHECK(used->used_by == "dev-a");
    REQUIRE(store->GetDevice("dev-a").ok());

    Status twice = store->ConsumeCodeAddDevice(Fill(8, 1), 1600, MakeDevice("dev-b"));
    CHECK(twice.code() == Code::kConflict);
    CHECK(twice.message().find("code already used") != std::string::npos);
    CHECK(store->GetDevice("dev-b").status().code() == Code::kNotFound);
    CHECK(store->GetEnrollCode(Fill(8, 1))->used_by == "dev-a");
  }
  SECTION("an unknown code is NotFound and adds nothing") {
    CHECK(store->ConsumeCodeAddDevice(Fill(8, 9), 1500, MakeDevice("dev-a")).code() ==
          Code::kNotFound);
    CHECK(store->ListDevices()->empty());
  }
  SECTION("a taken device id leaves the code unused") {
    Enroll(store.get(), "dev-a", 2);
    Status taken = store->ConsumeCodeAddDevice(Fill(8, 1), 1700, MakeDevice("dev-a"));
    CHECK(taken.code() == Code::kAlreadyExists);
    CHECK(taken.message().find("dev-a") != std::string::npos);
    auto unused = store->GetEnrollCode(Fill(8, 1));
    REQUIRE(unused.ok());
    CHECK(unused->used_ms == 0);
    CHECK(unused->used_by.empty());
    CHECK(store->ListDevices()->size() == 1);
  }
}

TEST_CASE("hub store: devices are listed, revoked and touched") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  CHECK(store->GetDevice("nobody").status().code() == Code::kNotFound);
  Enroll(store.get(), "dev-c", 1, 2000);
  Enroll(store.get(), "dev-b", 2, 1000);
  Enroll(store.get(), "dev-a", 3, 2000);

  auto d = store->GetDevice("dev-c");
  REQUIRE(d.ok());
  CHECK(d->officer_id == "A1001");
  CHECK(d->label == "tablet dev-c");
  CHECK(d->sign_pk == Fill(32, 1));
  CHECK(d->box_pk == Fill(32, 2));
  CHECK(d->status == "active");
  CHECK(d->enrolled_ms == 2000);
  CHECK(d->acked_seq == 0);
  CHECK(d->acked_hash == Bytes(32, 0));

  auto list = store->ListDevices();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 3);
  CHECK((*list)[0].device_id == "dev-b");
  CHECK((*list)[1].device_id == "dev-a");
  CHECK((*list)[2].device_id == "dev-c");

  REQUIRE(store->RevokeDevice("dev-a", "tablet lost", 3000).ok());
  auto revoked = store->GetDevice("dev-a");
  CHECK(revoked->status == "revoked");
  CHECK(revoked->revoked_ms == 3000);
  CHECK(revoked->revoke_reason == "tablet lost");
  CHECK(store->RevokeDevice("nobody", "x", 3000).code() == Code::kNotFound);

  REQUIRE(store->TouchDevice("dev-b", 4000).ok());
  CHECK(store->GetDevice("dev-b")->last_seen_ms == 4000);
  REQUIRE(store->TouchDevice("dev-b", 3500).ok());  // a late request does not move it back
  CHECK(store->GetDevice("dev-b")->last_seen_ms == 4000);
  CHECK(store->TouchDevice("nobody", 4000).code() == Code::kNotFound);
}

TEST_CASE("hub store: a replayed nonce is refused until it expires") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  CHECK(*store->RememberNonce("dev-a", Fill(16, 1), 1000) == true);
  CHECK(*store->RememberNonce("dev-a", Fill(16, 1), 9000) == false);
  CHECK(*store->RememberNonce("dev-b", Fill(16, 1), 1000) == true);
  CHECK(*store->RememberNonce("dev-a", Fill(16, 2), 5000) == true);

  REQUIRE(store->ForgetNonces(1000).ok());  // remembered through expires_ms itself
  CHECK(*store->RememberNonce("dev-a", Fill(16, 1), 1000) == false);
  REQUIRE(store->ForgetNonces(1001).ok());
  CHECK(*store->RememberNonce("dev-a", Fill(16, 1), 8000) == true);
  CHECK(*store->RememberNonce("dev-b", Fill(16, 1), 8000) == true);
  CHECK(*store->RememberNonce("dev-a", Fill(16, 2), 8000) == false);  // expires at 5000
}

TEST_CASE("hub store: versions append in order and move the device's ack") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  CHECK(store->AppendVersions("dev-a", 0, Versions("dev-a", 1, 1)).code() == Code::kNotFound);
  Enroll(store.get(), "dev-a", 1);
  Enroll(store.get(), "dev-b", 2);

  REQUIRE(store->AppendVersions("dev-a", 0, Versions("dev-a", 1, 3)).ok());
  REQUIRE(store->AppendVersions("dev-b", 0, Versions("dev-b", 1, 2)).ok());
  REQUIRE(store->AppendVersions("dev-a", 3, Versions("dev-a", 4, 1)).ok());
  REQUIRE(store->AppendVersions("dev-a", 4, {}).ok());

  auto a = store->GetDevice("dev-a");
  CHECK(a->acked_seq == 4);
  CHECK(a->acked_hash == HashFor("dev-a", 4));
  CHECK(*store->CountVersions("dev-a") == 4);
  CHECK(*store->CountVersions("dev-b") == 2);
  CHECK(*store->CountVersions("") == 6);
  CHECK(*store->CountVersions("nobody") == 0);

  auto v = store->GetVersion("dev-a", 3);
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  const StoredVersion& got = **v;
  StoredVersion want = Versions("dev-a", 3, 1)[0];
  CHECK(got.device_id == "dev-a");
  CHECK(got.seq == 3);
  CHECK(got.record_id == want.record_id);
  CHECK(got.version == 1);
  CHECK(got.record == want.record);
  CHECK(got.entry_hash == want.entry_hash);
  CHECK(got.head_sig == want.head_sig);
  CHECK(got.received_ms == want.received_ms);
  CHECK((*store->GetVersion("dev-a", 2))->head_sig.empty());
  CHECK_FALSE(store->GetVersion("dev-a", 5)->has_value());
  CHECK_FALSE(store->GetVersion("nobody", 1)->has_value());

  SECTION("a stale expected_acked_seq is a Conflict and writes nothing") {
    Status stale = store->AppendVersions("dev-a", 3, Versions("dev-a", 4, 2));
    CHECK(stale.code() == Code::kConflict);
    CHECK(stale.message().find("dev-a") != std::string::npos);
    CHECK(stale.message().find("up to seq 4, not 3") != std::string::npos);
    CHECK(*store->CountVersions("") == 6);
    CHECK(store->GetDevice("dev-a")->acked_seq == 4);
    CHECK(store->GetDevice("dev-a")->acked_hash == HashFor("dev-a", 4));
    CHECK_FALSE(store->GetVersion("dev-a", 5)->has_value());
  }
  SECTION("a malformed batch is refused whole") {
    auto gap = Versions("dev-a", 5, 3);
    gap[2].seq = 9;
    CHECK(store->AppendVersions("dev-a", 4, gap).code() == Code::kInvalidArgument);
    auto wrong_device = Versions("dev-b", 5, 1);
    CHECK(store->AppendVersions("dev-a", 4, wrong_device).code() == Code::kInvalidArgument);
    auto short_hash = Versions("dev-a", 5, 1);
    short_hash[0].entry_hash.resize(8);
    CHECK(store->AppendVersions("dev-a", 4, short_hash).code() == Code::kInvalidArgument);
    CHECK(*store->CountVersions("") == 6);
    CHECK(store->GetDevice("dev-a")->acked_seq == 4);
  }
  SECTION("ReadIngested pages through every version in storage order") {
    std::vector<std::pair<std::string, uint64_t>> seen;
    uint64_t after = 0;
    for (;;) {
      uint64_t last = 12345;
      auto page = store->ReadIngested(after, 4, &last);
      REQUIRE(page.ok());
      if (page->empty()) {
        CHECK(last == after);
        break;
      }
      CHECK(last > after);
      for (const auto& v : *page) seen.emplace_back(v.device_id, v.seq);
      after = last;
    }
    std::vector<std::pair<std::string, uint64_t>> want = {{"dev-a", 1}, {"dev-a", 2}, {"dev-a", 3},
                                                          {"dev-b", 1}, {"dev-b", 2}, {"dev-a", 4}};
    CHECK(seen == want);
    CHECK(store->ReadIngested(0, 100, nullptr)->size() == 6);
    CHECK(store->ReadIngested(0, 0, nullptr)->empty());
  }
}

TEST_CASE("hub store: alerts are kept in the order they were added") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  CHECK(store->ListAlerts()->empty());
  REQUIRE(store->AddAlert({200, "dev-a", "fork", "two heads at seq 7"}).ok());
  REQUIRE(store->AddAlert({100, "dev-b", "replay", "nonce reused"}).ok());
  auto alerts = store->ListAlerts();
  REQUIRE(alerts.ok());
  REQUIRE(alerts->size() == 2);
  CHECK((*alerts)[0].at_ms == 200);
  CHECK((*alerts)[0].device_id == "dev-a");
  CHECK((*alerts)[0].kind == "fork");
  CHECK((*alerts)[0].detail == "two heads at seq 7");
  CHECK((*alerts)[1].kind == "replay");
}

TEST_CASE("hub store: files and chunks are tracked until complete") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  CHECK(store->GetFile("f1").status().code() == Code::kNotFound);
  CHECK(store->MissingChunks("f1").status().code() == Code::kNotFound);
  CHECK(store->PutChunk("f1", 0, {1}).code() == Code::kNotFound);
  CHECK(store->MarkFileComplete("f1").code() == Code::kNotFound);

  REQUIRE(store->RegisterFile(File("f1", 3)).ok());
  REQUIRE(store->RegisterFile(File("f1", 3)).ok());  // the same manifest again
  FileRow other = File("f1", 3);
  other.device_id = "dev-b";  // a second uploader is fine
  REQUIRE(store->RegisterFile(other).ok());
  other.chunk_sha256[1] = "different";
  Status conflict = store->RegisterFile(other);
  CHECK(conflict.code() == Code::kConflict);
  CHECK(conflict.message().find("f1") != std::string::npos);
  CHECK(store->RegisterFile(File("f1", 4)).code() == Code::kConflict);

  auto file = store->GetFile("f1");
  REQUIRE(file.ok());
  CHECK(file->size == 12);
  CHECK(file->media_type == "image/jpeg");
  CHECK(file->chunk_size == 4);
  CHECK(file->chunk_sha256 == std::vector<std::string>{"c0", "c1", "c2"});
  CHECK_FALSE(file->complete);
  CHECK(file->device_id == "dev-a");

  CHECK(*store->MissingChunks("f1") == std::vector<uint32_t>{0, 1, 2});
  REQUIRE(store->PutChunk("f1", 1, {1, 1, 1, 1}).ok());
  REQUIRE(store->PutChunk("f1", 1, {1, 1, 1, 1}).ok());  // idempotent
  CHECK(store->PutChunk("f1", 3, {3}).code() == Code::kInvalidArgument);
  CHECK(*store->MissingChunks("f1") == std::vector<uint32_t>{0, 2});
  CHECK(*store->GetChunk("f1", 1) == Bytes{1, 1, 1, 1});
  CHECK(store->GetChunk("f1", 0).status().code() == Code::kNotFound);

  Status early = store->MarkFileComplete("f1");
  CHECK(early.code() == Code::kConflict);
  CHECK(early.message().find("2 of 3") != std::string::npos);
  REQUIRE(store->PutChunk("f1", 0, {0, 0, 0, 0}).ok());
  REQUIRE(store->PutChunk("f1", 2, {2, 2, 2, 2}).ok());
  CHECK(store->MissingChunks("f1")->empty());
  REQUIRE(store->MarkFileComplete("f1").ok());
  CHECK(store->GetFile("f1")->complete);

  REQUIRE(store->RegisterFile(File("empty", 0)).ok());
  CHECK(store->GetFile("empty")->chunk_sha256.empty());
  CHECK(store->MissingChunks("empty")->empty());
  CHECK(store->RegisterFile(File("", 1)).code() == Code::kInvalidArgument);
}

TEST_CASE("hub store: the feed filters by audience and cursor") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  std::vector<uint64_t> seqs;
  for (const auto& [audience, key] :
       std::vector<std::pair<std::string, std::string>>{{"all", "k1"},
                                                        {"officer:A1001", "k2"},
                                                        {"device:dev-b", "k3"},
                                                        {"device:dev-a", "k4"},
                                                        {"officer:A1002", "k5"},
                                                        {"all", "k6"}}) {
    auto seq = store->AppendFeed(Item(audience, key));
    REQUIRE(seq.ok());
    seqs.push_back(*seq);
  }
  for (size_t i = 1; i < seqs.size(); ++i) CHECK(seqs[i] > seqs[i - 1]);

  std::vector<std::string> mine = {"all", "officer:A1001", "device:dev-a"};
  auto all = store->ReadFeed(mine, 0, 100);
  REQUIRE(all.ok());
  CHECK(Keys(*all) == std::vector<std::string>{"k1", "k2", "k4", "k6"});
  CHECK((*all)[1].audience == "officer:A1001");
  CHECK((*all)[1].kind == "assignment");
  CHECK((*all)[1].payload == Bytes{1, 2, 3});
  CHECK_FALSE((*all)[1].deleted);
  CHECK((*all)[1].seq == seqs[1]);

  CHECK(Keys(*store->ReadFeed(mine, seqs[1], 100)) == std::vector<std::string>{"k4", "k6"});
  CHECK(Keys(*store->ReadFeed(mine, 0, 2)) == std::vector<std::string>{"k1", "k2"});
  CHECK(store->ReadFeed(mine, seqs.back(), 100)->empty());
  CHECK(store->ReadFeed({}, 0, 100)->empty());
  CHECK(Keys(*store->ReadFeed({"device:dev-b"}, 0, 100)) == std::vector<std::string>{"k3"});

  FeedItemRow gone = Item("all", "k1");
  gone.deleted = true;
  gone.payload.clear();
  auto seq = store->AppendFeed(gone);
  REQUIRE(seq.ok());
  auto tail = store->ReadFeed({"all"}, seqs.back(), 10);
  REQUIRE(tail->size() == 1);
  CHECK((*tail)[0].deleted);
  CHECK((*tail)[0].payload.empty());
}

TEST_CASE("hub store: everything survives closing and reopening the file") {
  TempDir dir;
  std::string path = dir.Sub("hub.db");
  {
    auto store = Open(path);
    REQUIRE(
        store
            ->SaveHubKeys({"hub1", Fill(32, 1), Fill(64, 2), Fill(32, 3), Fill(32, 4), Fill(32, 5)})
            .ok());
    Enroll(store.get(), "dev-a", 1);
    REQUIRE(store->AddEnrollCode(MakeCode(2)).ok());
    REQUIRE(store->AppendVersions("dev-a", 0, Versions("dev-a", 1, 3)).ok());
    REQUIRE(store->RevokeDevice("dev-a", "lost", 4000).ok());
    REQUIRE(*store->RememberNonce("dev-a", Fill(16, 1), 9000));
    REQUIRE(store->AddAlert({1, "dev-a", "fork", "x"}).ok());
    REQUIRE(store->RegisterFile(File("f1", 2)).ok());
    REQUIRE(store->PutChunk("f1", 0, {7}).ok());
    REQUIRE(store->AppendFeed(Item("all", "k1")).ok());
  }
  auto store = Open(path);
  CHECK((*store->LoadHubKeys())->hub_id == "hub1");
  CHECK(store->GetEnrollCode(Fill(8, 1))->used_by == "dev-a");
  CHECK(store->GetEnrollCode(Fill(8, 2))->used_ms == 0);
  auto dev = store->GetDevice("dev-a");
  REQUIRE(dev.ok());
  CHECK(dev->status == "revoked");
  CHECK(dev->acked_seq == 3);
  CHECK(dev->acked_hash == HashFor("dev-a", 3));
  CHECK(*store->CountVersions("dev-a") == 3);
  CHECK(*store->RememberNonce("dev-a", Fill(16, 1), 9000) == false);
  CHECK(store->ListAlerts()->size() == 1);
  CHECK(*store->MissingChunks("f1") == std::vector<uint32_t>{1});
  CHECK(*store->GetChunk("f1", 0) == Bytes{7});
  CHECK(Keys(*store->ReadFeed({"all"}, 0, 10)) == std::vector<std::string>{"k1"});
  // New rows continue the old numbering.
  REQUIRE(store->AppendVersions("dev-a", 3, Versions("dev-a", 4, 1)).ok());
  uint64_t last = 0;
  REQUIRE(store->ReadIngested(0, 100, &last)->size() == 4);
  CHECK(last == 4);
  CHECK(*store->AppendFeed(Item("all", "k2")) == 2);
}

TEST_CASE("hub store: the file is private and the schema version is checked") {
  TempDir dir;
  std::string path = dir.Sub("hub.db");
  {
    auto store = Open(path);
    REQUIRE(store->AddAlert({1, "dev-a", "fork", "x"}).ok());
    for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
      INFO(file);
      struct stat st {};
      REQUIRE(::stat(file.c_str(), &st) == 0);
      CHECK((st.st_mode & 0777) == 0600);
    }
  }

  SECTION("a current file opens while another connection holds the write lock") {
    // A busy writer must not keep `backup` or any command from starting:
    // a current file is checked with one read, no write lock.
    auto writer = sql::Db::Open(path, false);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Exec("PRAGMA journal_mode=WAL").ok());
    REQUIRE((*writer)->Exec("BEGIN IMMEDIATE").ok());
    REQUIRE((*writer)->Exec("INSERT INTO alerts(at_ms, device_id, kind, detail)"
                            " VALUES(1, 'd', 'k', 'x')").ok());
    auto start = std::chrono::steady_clock::now();
    auto second = OpenSqliteHubStore(path);
    INFO(second.status().ToString());
    REQUIRE(second.ok());
    // Well under the 5 s busy timeout it would otherwise wait out and fail.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
    REQUIRE((*writer)->Exec("COMMIT").ok());
  }
  SECTION("another schema version is refused") {
    {
      auto db = sql::Db::Open(path, false);
      REQUIRE(db.ok());
      REQUIRE((*db)->Exec("UPDATE meta SET value='99' WHERE key='schema_version'").ok());
    }
    auto reopened = OpenSqliteHubStore(path);
    REQUIRE_FALSE(reopened.ok());
    CHECK(reopened.status().code() == Code::kCorruption);
    CHECK(reopened.status().message().find("schema version 99") != std::string::npos);
  }
  SECTION("a foreign SQLite file is refused and left alone") {
    std::string foreign = dir.Sub("other.db");
    {
      auto db = sql::Db::Open(foreign, true);
      REQUIRE(db.ok());
      REQUIRE((*db)->Exec("CREATE TABLE t(x)").ok());
    }
    auto opened = OpenSqliteHubStore(foreign);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == Code::kInvalidArgument);
    CHECK(opened.status().message().find("not a Sweep hub database") != std::string::npos);
  }
  SECTION("a file that is not SQLite is refused") {
    std::string junk = dir.Sub("junk.db");
    std::ofstream(junk) << std::string(4096, 'x');
    CHECK_FALSE(OpenSqliteHubStore(junk).ok());
  }
  SECTION("a missing folder is an I/O error") {
    auto opened = OpenSqliteHubStore(dir.Sub("no/such/hub.db"));
    CHECK(opened.status().code() == Code::kIOError);
  }
}

TEST_CASE("hub store: concurrent uploads from 4 devices all land exactly once") {
  TempDir dir;
  auto store = Open(dir.Sub("hub.db"));
  constexpr int kDevices = 4;
  constexpr int kBatches = 40;
  constexpr uint64_t kPerBatch = 5;
  for (int d = 0; d < kDevices; ++d) {
    Enroll(store.get(), "dev-" + std::to_string(d), static_cast<uint8_t>(d + 1));
  }
  std::vector<Status> failures(kDevices);
  std::vector<std::thread> threads;
  for (int d = 0; d < kDevices; ++d) {
    threads.emplace_back([&, d] {
      std::string id = "dev-" + std::to_string(d);
      for (int b = 0; b < kBatches; ++b) {
        uint64_t acked = static_cast<uint64_t>(b) * kPerBatch;
        Status s = store->AppendVersions(id, acked, Versions(id, acked + 1, kPerBatch));
        if (s.ok()) s = store->TouchDevice(id, 1000 + b);
        if (s.ok()) s = store->ReadFeed({"all"}, 0, 10).status();
        if (!s.ok()) {
          failures[d] = s;
          return;
        }
      }
    });
  }
  // A merge reader pages through the versions while they arrive: paging by
  // ingest order must neither skip nor repeat one.
  std::vector<StoredVersion> paged;
  Status reader_failure;
  std::atomic<bool> writers_done{false};
  std::thread reader([&] {
    uint64_t after = 0;
    for (;;) {
      bool done = writers_done.load();
      auto page = store->ReadIngested(after, 7, &after);
      if (!page.ok()) {
        reader_failure = page.status();
        return;
      }
      for (auto& v : *page) paged.push_back(std::move(v));
      if (page->empty() && done) return;
    }
  });
  for (auto& t : threads) t.join();
  writers_done = true;
  reader.join();
  CHECK(reader_failure.ok());
  for (const Status& s : failures) {
    INFO(s.ToString());
    CHECK(s.ok());
  }

  auto all = store->ReadIngested(0, 100000, nullptr);
  REQUIRE(all.ok());
  REQUIRE(paged.size() == all->size());
  for (size_t i = 0; i < paged.size(); ++i) {
    CHECK(paged[i].device_id == (*all)[i].device_id);
    CHECK(paged[i].seq == (*all)[i].seq);
  }
  CHECK(all->size() == kDevices * kBatches * kPerBatch);
  std::set<std::pair<std::string, uint64_t>> unique;
  std::map<std::string, uint64_t> last_seq;
  for (const auto& v : *all) {
    unique.emplace(v.device_id, v.seq);
    CHECK(v.seq == last_seq[v.device_id] + 1);  // each device's versions arrive in order
    last_seq[v.device_id] = v.seq;
  }
  CHECK(unique.size() == all->size());
  for (int d = 0; d < kDevices; ++d) {
    auto dev = store->GetDevice("dev-" + std::to_string(d));
    CHECK(dev->acked_seq == kBatches * kPerBatch);
    CHECK(dev->last_seen_ms == 1000 + kBatches - 1);
  }
}

TEST_CASE("AcceptRequest remembers the nonce and marks the device seen in one step") {
  sweep::testing::TempDir dir;
  auto store = sweep::hub::OpenSqliteHubStore(dir.Sub("hub.db"));
  REQUIRE(store.ok());
  sweep::hub::Device d;
  d.device_id = "dev-x";
  d.sign_pk.assign(32, 1);
  d.box_pk.assign(32, 2);
  d.acked_hash.assign(32, 0);
  sweep::hub::EnrollCode code;
  code.code_id.assign(8, 7);
  code.secret.assign(10, 8);
  code.officer_id = "A1";
  code.agency = "police";
  code.role = "officer";
  code.expires_ms = 1'000'000;
  REQUIRE((*store)->AddEnrollCode(code).ok());
  REQUIRE((*store)->ConsumeCodeAddDevice(code.code_id, 10, d).ok());
  sweep::crypto::Bytes nonce(16, 3);
  CHECK(*(*store)->AcceptRequest("dev-x", nonce, 5000, 1234) == true);
  CHECK((*store)->GetDevice("dev-x")->last_seen_ms == 1234);
  CHECK(*(*store)->AcceptRequest("dev-x", nonce, 5000, 9999) == false);  // replay
  CHECK((*store)->GetDevice("dev-x")->last_seen_ms == 1234);               // unchanged
}
