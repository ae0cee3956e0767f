// Encrypted backups of the hub (sweep/hub/backup.h, docs/hub-storage.md
// "Backups"): round trip, the key file, every way a backup file can be
// wrong (key, altered byte, truncation, reordered chunks, magic), no
// plaintext in the file, and a backup taken while another connection keeps
// committing.
#include "sweep/hub/backup.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "../../support/fake_env.h"
#include "sweep/sync/secretstream.h"

using namespace sweep;
using namespace sweep::hub;
using sweep::testing::FakeEnv;
using sweep::testing::TempDir;

namespace {

const std::string kHubId = "00112233445566778899aabbccddeeff";
const std::string kName = "王秀英";
const std::string kIdNumber = "110101199003071234";

std::unique_ptr<HubStore> Open(const std::string& path) {
  auto store = OpenSqliteHubStore(path);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

void Enroll(HubStore* store, const std::string& device_id, uint8_t code) {
  EnrollCode c;
  c.code_id = Bytes(8, code);
  c.secret = Bytes(10, 0xC0);
  c.officer_id = "A1001";
  c.agency = "police";
  c.role = "officer";
  c.created_ms = 1000;
  c.expires_ms = 2000;
  REQUIRE(store->AddEnrollCode(c).ok());
  Device d;
  d.device_id = device_id;
  d.officer_id = "A1001";
  d.agency = "police";
  d.role = "officer";
  d.sign_pk = Bytes(32, 1);
  d.box_pk = Bytes(32, 2);
  d.enrolled_ms = 1500;
  REQUIRE(store->ConsumeCodeAddDevice(c.code_id, 1500, d).ok());
}

StoredVersion Version(const std::string& device_id, uint64_t seq) {
  StoredVersion v;
  v.device_id = device_id;
  v.seq = seq;
  v.record_id = device_id + "-r" + std::to_string(seq);
  v.version = 1;
  std::string text =
      "{\"name\":\"" + kName + "\",\"id\":\"" + kIdNumber + "\",\"n\":" + std::to_string(seq) + "}";
  v.record.assign(text.begin(), text.end());
  v.entry_hash = Bytes(32, static_cast<uint8_t>(seq));
  v.received_ms = 5000 + static_cast<int64_t>(seq);
  return v;
}

// A hub of two devices, 300 versions and a 200 KiB attachment (several
// backup chunks).
void Fill(const std::string& path) {
  auto store = Open(path);
  REQUIRE(store
              ->SaveHubKeys(
                  {kHubId, Bytes(32, 1), Bytes(64, 2), Bytes(32, 3), Bytes(32, 4), Bytes(32, 5)})
              .ok());
  for (int d = 0; d < 2; ++d) {
    std::string id = "dev-" + std::to_string(d);
    Enroll(store.get(), id, static_cast<uint8_t>(d + 1));
    std::vector<StoredVersion> batch;
    for (uint64_t s = 1; s <= 150; ++s) batch.push_back(Version(id, s));
    REQUIRE(store->AppendVersions(id, 0, batch).ok());
  }
  FileRow f;
  f.sha256 = "photo";
  f.size = 200 * 1024;
  f.media_type = "image/jpeg";
  f.chunk_size = 200 * 1024;
  f.chunk_sha256 = {"c0"};
  f.device_id = "dev-0";
  REQUIRE(store->RegisterFile(f).ok());
  Bytes data(200 * 1024);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + i / 251);
  REQUIRE(store->PutChunk("photo", 0, data).ok());
}

// Every row of every table, as text, sorted: what "the same hub" means.
std::map<std::string, std::vector<std::string>> Dump(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::map<std::string, std::vector<std::string>> out;
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type='table'", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  for (const auto& t : tables) {
    auto& rows = out[t];
    REQUIRE(sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\"").c_str(), -1, &st, nullptr) ==
            SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const void* p = sqlite3_column_blob(st, c);
        int n = sqlite3_column_bytes(st, c);
        row += std::to_string(sqlite3_column_type(st, c)) + ":" +
               std::string(static_cast<const char*>(p ? p : ""), static_cast<size_t>(n)) + "|";
      }
      rows.push_back(row);
    }
    sqlite3_finalize(st);
    std::sort(rows.begin(), rows.end());
  }
  sqlite3_close(db);
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct Fixture {
  TempDir dir;
  FakeEnv env;
  std::string db = dir.Sub("hub.db"), key_path = dir.Sub("backup.key"),
              file = dir.Sub("hub.sweepbk");
  crypto::SecretBuffer key;

  Fixture() {
    Fill(db);
    REQUIRE(WriteNewBackupKey(key_path, &env).ok());
    auto k = ReadBackupKey(key_path);
    REQUIRE(k.ok());
    key = std::move(k).value();
    auto store = Open(db);
    auto info = WriteBackup(store.get(), key, file, false, &env, nullptr);
    INFO(info.status().ToString());
    REQUIRE(info.ok());
  }
  Result<RestoreReport> Restore(const std::string& into, const crypto::SecretBuffer& k) {
    return RestoreBackup(file, k, into, false, nullptr);
  }
  // Restoring fails with `code`, and leaves nothing behind.
  void ExpectRefused(Code code, const std::string& words) {
    std::string into = dir.Sub("refused.db");
    auto r = Restore(into, key);
    INFO(r.status().ToString());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == code);
    CHECK(r.status().message().find(words) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(into));
    CHECK_FALSE(std::filesystem::exists(into + ".tmp"));
  }
};

size_t ChunkOffset(size_t i) {  // the i-th (0-based) full chunk's first byte
  return kBackupHeaderSize + i * (kBackupChunkSize + crypto::kStreamOverhead);
}

}  // namespace

TEST_CASE("backup: a round trip restores every row of every table") {
  Fixture f;
  auto info = ReadBackupHeader(f.file);
  REQUIRE(info.ok());
  CHECK(info->hub_id == kHubId);
  CHECK(info->schema_version >= 5);
  CHECK(info->created_ms == f.env.now_ms);
  CHECK(info->chunks > 3);
  CHECK(std::filesystem::file_size(f.file) == info->file_size);
  CHECK_FALSE(std::filesystem::exists(f.file + ".tmp"));

  std::string into = f.dir.Sub("restored.db");
  auto r = f.Restore(into, f.key);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->versions == 300);
  CHECK(r->devices == 2);
  CHECK(r->backup.hub_id == kHubId);
  CHECK(Dump(into) == Dump(f.db));
  CHECK_FALSE(std::filesystem::exists(into + ".tmp"));
  CHECK((std::filesystem::status(into).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  CHECK(Open(into)->CheckIntegrity().ok());
}

TEST_CASE("backup: the key file is 0600, never overwritten, and refused when others can read it") {
  TempDir dir;
  FakeEnv env;
  std::string path = dir.Sub("k");
  REQUIRE(WriteNewBackupKey(path, &env).ok());
  struct stat sb {};
  REQUIRE(stat(path.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
  std::string before = Slurp(path);
  CHECK(WriteNewBackupKey(path, &env).code() == Code::kAlreadyExists);
  CHECK(Slurp(path) == before);
  chmod(path.c_str(), 0644);
  CHECK(ReadBackupKey(path).status().code() == Code::kInvalidArgument);
  chmod(path.c_str(), 0600);
  CHECK(ReadBackupKey(path).ok());
  Spit(path, "sweep-backup-key-v1:zz\n");
  CHECK(ReadBackupKey(path).status().code() == Code::kInvalidArgument);
}

TEST_CASE("backup: a wrong key is named as such") {
  Fixture f;
  FakeEnv other(7);
  crypto::SecretBuffer wrong = crypto::SecretBuffer::Random(crypto::kKeySize, &other);
  std::string into = f.dir.Sub("x.db");
  auto r = f.Restore(into, wrong);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kUnauthorized);
  CHECK(r.status().message().find("key") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(into));
}

TEST_CASE("backup: altered, truncated, extended, reordered or foreign files are refused") {
  Fixture f;
  std::string good = Slurp(f.file);
  SECTION("a byte in the middle of a chunk") {
    std::string bad = good;
    bad[ChunkOffset(2) + 1000] ^= 0x01;
    Spit(f.file, bad);
    f.ExpectRefused(Code::kCorruption, "chunk 3 of");
  }
  SECTION("a byte of the header (its creation time)") {
    std::string bad = good;
    bad[17] ^= 0x01;
    Spit(f.file, bad);
    f.ExpectRefused(Code::kCorruption, "header");
  }
  SECTION("the last chunk cut off") {
    Spit(f.file, good.substr(0, ChunkOffset(2)));
    f.ExpectRefused(Code::kCorruption, "truncated");
  }
  SECTION("cut in the middle") {
    Spit(f.file, good.substr(0, good.size() / 2));
    f.ExpectRefused(Code::kCorruption, "truncated");
  }
  SECTION("bytes added at the end") {
    Spit(f.file, good + "x");
    f.ExpectRefused(Code::kCorruption, "more than its header promises");
  }
  SECTION("two chunks swapped") {
    size_t n = kBackupChunkSize + crypto::kStreamOverhead;
    std::string bad = good;
    bad.replace(ChunkOffset(1), n, good.substr(ChunkOffset(2), n));
    bad.replace(ChunkOffset(2), n, good.substr(ChunkOffset(1), n));
    Spit(f.file, bad);
    f.ExpectRefused(Code::kCorruption, "chunk 2 of");
  }
  SECTION("not a backup") {
    std::string bad = good;
    bad[0] = 'X';
    Spit(f.file, bad);
    f.ExpectRefused(Code::kInvalidArgument, "not a Sweep backup");
    Spit(f.file, "hello");
    f.ExpectRefused(Code::kInvalidArgument, "not a Sweep backup");
  }
  SECTION("a newer format version") {
    std::string bad = good;
    bad[8] = 2;
    Spit(f.file, bad);
    f.ExpectRefused(Code::kInvalidArgument, "format version 2");
  }
}

TEST_CASE("backup: the file holds none of the plaintext") {
  Fixture f;
  std::string db = Slurp(f.db) + Slurp(f.db + "-wal");
  REQUIRE(db.find(kIdNumber) != std::string::npos);  // the hub holds it in clear
  std::string file = Slurp(f.file);
  CHECK(file.find(kIdNumber) == std::string::npos);
  CHECK(file.find(kName) == std::string::npos);
  CHECK(file.find("SQLite format 3") == std::string::npos);
  CHECK(file.find(kHubId) != std::string::npos);  // the header names its hub, in clear
}

TEST_CASE("backup: an existing database is replaced only with force") {
  Fixture f;
  std::string into = f.dir.Sub("existing.db");
  Spit(into, "old");
  auto r = f.Restore(into, f.key);
  CHECK(r.status().code() == Code::kAlreadyExists);
  CHECK(Slurp(into) == "old");
  Spit(into + "-wal", "stale");
  auto forced = RestoreBackup(f.file, f.key, into, true, nullptr);
  INFO(forced.status().ToString());
  REQUIRE(forced.ok());
  CHECK_FALSE(std::filesystem::exists(into + "-wal"));
  CHECK(Dump(into) == Dump(f.db));
  auto store = Open(f.db);
  CHECK(WriteBackup(store.get(), f.key, f.file, false, &f.env, nullptr).status().code() ==
        Code::kAlreadyExists);
}

TEST_CASE("backup: taken while another connection keeps committing, it holds a prefix") {
  TempDir dir;
  FakeEnv env;
  std::string db = dir.Sub("hub.db");
  Fill(db);
  auto writer = Open(db);  // another connection, as `serve` would be
  auto reader = Open(db);  // opened first: opening takes the write lock briefly
  Enroll(writer.get(), "busy", 9);
  std::atomic<uint64_t> acked{0};
  std::atomic<bool> stop{false}, failed{false};
  std::thread ingest([&] {  // Catch2 assertions are not thread-safe: a flag instead
    for (uint64_t seq = 1; !stop; ++seq) {
      StoredVersion v = Version("busy", seq);
      v.record.resize(2000, 'x');  // grows the file while it is copied
      if (!writer->AppendVersions("busy", seq - 1, {v}).ok()) {
        failed = true;
        return;
      }
      acked = seq;
    }
  });
  while (acked < 50 && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  crypto::SecretBuffer key = crypto::SecretBuffer::Random(crypto::kKeySize, &env);
  uint64_t acked_before = acked;
  auto info = WriteBackup(reader.get(), key, dir.Sub("b"), false, &env, nullptr);
  uint64_t acked_after = acked;
  stop = true;
  ingest.join();
  REQUIRE_FALSE(failed);
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  auto r = RestoreBackup(dir.Sub("b"), key, dir.Sub("r.db"), false, nullptr);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  auto restored = Open(dir.Sub("r.db"));
  CHECK(restored->CheckIntegrity().ok());
  auto dev = restored->GetDevice("busy");
  REQUIRE(dev.ok());
  INFO("acked before " << acked_before << ", restored " << dev->acked_seq << ", acked after "
                       << acked_after);
  CHECK(dev->acked_seq >= acked_before);
  CHECK(dev->acked_seq <= acked_after);
  auto n = restored->CountVersions("busy");
  REQUIRE(n.ok());
  CHECK(*n == dev->acked_seq);  // 1..acked_seq, nothing more, nothing missing
  for (uint64_t seq : {uint64_t{1}, acked_before, dev->acked_seq}) {
    auto v = restored->GetVersion("busy", seq);
    REQUIRE(v.ok());
    CHECK(v->has_value());
  }
}
