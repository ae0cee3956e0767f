// Tampering with the store file is detected and located; no personal data
// reaches the disk in plaintext (the canary test).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../../support/fake_env.h"
#include "fake_hub.h"
#include "field_fixture.h"
#include "../../support/records.h"
#include "sweep/field/store.h"

using namespace sweep;
using field::Store;
using sweep::testing::FakeEnv;
using sweep::testing::TempDir;

namespace {

constexpr const char* kPin = "246810";

field::InitOptions FastOptions() { return sweep::testing::FastInitOptions(); }

// A store with 5 records; the third is edited once (6 versions, seq 1..6),
// written in three commits so that several versions carry signatures.
std::vector<std::string> Populate(const std::string& dir, FakeEnv* env) {
  REQUIRE(Store::Create(dir, FastOptions(), kPin, env).ok());
  auto store = Store::Open(dir, env);
  REQUIRE(store.ok());
  REQUIRE((*store)->Unlock("A1001", kPin).ok());
  std::vector<std::string> ids;
  auto a = (*store)->Append({{"", 0, testing::SampleRentalCheck()},
                             {"", 0, testing::SampleRentalCheck()},
                             {"", 0, testing::SampleOfficeSweep()}});
  REQUIRE(a.ok());
  for (auto& r : *a) ids.push_back(r.record_id());
  auto b = (*store)->Append({{ids[2], 0, testing::SampleOfficeSweep()}});
  REQUIRE(b.ok());
  auto c = (*store)->Append(
      {{"", 0, testing::SampleRentalCheck()}, {"", 0, testing::SampleRentalCheck()}});
  REQUIRE(c.ok());
  for (auto& r : *c) ids.push_back(r.record_id());
  return ids;
}

void Sql(const std::string& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/" + Store::kFileName).c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO(sql << " -> " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

void FlipByte(const std::string& dir, int seq, int offset) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/" + Store::kFileName).c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT sealed FROM versions WHERE seq=?", -1, &st, nullptr);
  sqlite3_bind_int(st, 1, seq);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  std::string blob(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                   sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  blob[offset] = static_cast<char>(blob[offset] ^ 0x01);
  sqlite3_prepare_v2(db, "UPDATE versions SET sealed=? WHERE seq=?", -1, &st, nullptr);
  sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 2, seq);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

field::VerifyReport VerifyStore(const std::string& dir, FakeEnv* env) {
  auto store = Store::Open(dir, env);
  REQUIRE(store.ok());
  REQUIRE((*store)->Unlock("A1001", kPin).ok());
  auto report = (*store)->Verify();
  REQUIRE(report.ok());
  return *report;
}

bool Mentions(const field::VerifyReport& r, uint64_t seq, const std::string& record_id) {
  for (const auto& p : r.problems) {
    if (p.seq == seq && (record_id.empty() || p.record_id == record_id)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("an untouched store verifies") {
  TempDir dir;
  FakeEnv env;
  Populate(dir.path(), &env);
  auto report = VerifyStore(dir.path(), &env);
  CHECK(report.ok());
  CHECK(report.versions_checked == 6);
  CHECK(report.signatures_checked == 3);
}

TEST_CASE("flipping one byte of a stored version is detected and named") {
  TempDir dir;
  FakeEnv env;
  auto ids = Populate(dir.path(), &env);
  FlipByte(dir.path(), 2, 40);  // in the middle of seq 2's ciphertext
  auto report = VerifyStore(dir.path(), &env);
  REQUIRE(!report.ok());
  CHECK(Mentions(report, 2, ids[1]));
  CHECK(report.problems.size() == 1);
}

TEST_CASE("changing the record id column of a row is detected") {
  TempDir dir;
  FakeEnv env;
  auto ids = Populate(dir.path(), &env);
  std::string other = ids[0];
  other[0] = other[0] == 'a' ? 'b' : 'a';
  Sql(dir.path(), "UPDATE versions SET record_id='" + other + "' WHERE seq=1");
  auto report = VerifyStore(dir.path(), &env);
  REQUIRE(!report.ok());
  CHECK(Mentions(report, 1, other));
}

TEST_CASE("deleting a version is detected and the gap named") {
  TempDir dir;
  FakeEnv env;
  auto ids = Populate(dir.path(), &env);
  Sql(dir.path(), "DELETE FROM versions WHERE seq = 3");
  auto report = VerifyStore(dir.path(), &env);
  REQUIRE(!report.ok());
  bool named = false;
  for (const auto& p : report.problems) {
    named |= p.what.find("seq 3..3 are missing") != std::string::npos;
  }
  CHECK(named);
  // Version 2 of the record whose version 1 was deleted is flagged too.
  CHECK(Mentions(report, 4, ids[2]));
}

TEST_CASE("deleting the newest versions (truncation) is detected") {
  TempDir dir;
  FakeEnv env;
  Populate(dir.path(), &env);
  Sql(dir.path(), "DELETE FROM versions WHERE seq >= 5");
  auto report = VerifyStore(dir.path(), &env);
  REQUIRE(!report.ok());
  bool named = false;
  for (const auto& p : report.problems) {
    named |= p.what.find("5..6 are missing at the end") != std::string::npos;
  }
  CHECK(named);
}

TEST_CASE("swapping two rows is detected and both are named") {
  TempDir dir;
  FakeEnv env;
  auto ids = Populate(dir.path(), &env);
  Sql(dir.path(),
      "UPDATE versions SET seq = -1 WHERE seq = 1;"
      "UPDATE versions SET seq = 1 WHERE seq = 2;"
      "UPDATE versions SET seq = 2 WHERE seq = -1;");
  auto report = VerifyStore(dir.path(), &env);
  REQUIRE(!report.ok());
  CHECK(Mentions(report, 1, ids[1]));
  CHECK(Mentions(report, 2, ids[0]));
}

TEST_CASE("swapping the sealed payloads of two rows is detected") {
  TempDir dir;
  FakeEnv env;
  auto ids = Populate(dir.path(), &env);
  Sql(dir.path(),
      "CREATE TEMP TABLE t AS SELECT seq, sealed FROM versions WHERE seq IN (5, 6);"
      "UPDATE versions SET sealed = (SELECT sealed FROM t WHERE t.seq = 11 - versions.seq) "
      "WHERE seq IN (5, 6);");
  auto report = VerifyStore(dir.path(), &env);
  REQUIRE(!report.ok());
  CHECK(Mentions(report, 5, ids[3]));
  CHECK(Mentions(report, 6, ids[4]));
}

TEST_CASE("a forged signature or a stripped one is detected") {
  TempDir dir;
  FakeEnv env;
  Populate(dir.path(), &env);
  SECTION("stripped from the newest commit") {
    Sql(dir.path(), "UPDATE versions SET head_sig = NULL WHERE seq = 6");
    auto report = VerifyStore(dir.path(), &env);
    REQUIRE(!report.ok());
    CHECK(report.problems.back().what.find("not covered by a valid device signature") !=
          std::string::npos);
  }
  SECTION("replaced with random bytes") {
    Sql(dir.path(), "UPDATE versions SET head_sig = randomblob(64) WHERE seq = 4");
    auto report = VerifyStore(dir.path(), &env);
    REQUIRE(!report.ok());
    CHECK(Mentions(report, 4, ""));
  }
}

namespace {

// Every file in the folder, as bytes.
std::vector<std::pair<std::string, std::string>> ReadAll(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    out.emplace_back(e.path().string(), std::string(std::istreambuf_iterator<char>(in), {}));
  }
  return out;
}

std::string Utf16Le(const std::u16string& s) {
  std::string out;
  for (char16_t c : s) {
    out.push_back(static_cast<char>(c & 0xff));
    out.push_back(static_cast<char>(c >> 8));
  }
  return out;
}

}  // namespace

TEST_CASE("canary: no personal data appears in any file of the store folder") {
  TempDir dir;
  FakeEnv env;
  const std::string name = "欧阳翠花";  // distinctive name
  const std::u16string name16 = u"欧阳翠花";
  const std::string id = "44011320141005001X";  // valid ID
  const std::string phone = "13987654321";
  const std::string officer_name = "王建国";
  const std::string finding = "工位四排发现GOIP设备三台";  // an agency section's finding
  REQUIRE(Store::Create(dir.path(), FastOptions(), kPin, &env).ok());
  {
    auto store = Store::Open(dir.path(), &env);
    REQUIRE(store.ok());
    REQUIRE((*store)->Unlock("A1001", kPin).ok());
    // Enrolled, so that office sweeps can seal their agency sections.
    REQUIRE(testing::FakeHub().Enroll(store->get(), "police", "officer").ok());
    for (int i = 0; i < 50; ++i) {  // enough to spill pages into the WAL and main file
      v1::Record r = testing::SampleRentalCheck();
      auto* p = r.mutable_rental_check()->add_occupants();
      p->set_name(name);
      p->set_id_number(id);
      p->set_phone(phone);
      REQUIRE((*store)->Append({{"", 0, r}}).ok());
      // The same person questioned in a joint office sweep, with findings.
      v1::Record o = testing::SampleOfficeSweep();
      *o.mutable_office_sweep()->add_persons() = r.rental_check().occupants(1);
      o.mutable_office_sweep()->add_findings()->set_agency("police");
      o.mutable_office_sweep()->mutable_findings(0)->set_summary(finding);
      auto* m = o.mutable_office_sweep()->add_findings();
      m->set_agency("market_regulation");
      m->set_summary(finding + "（市场监管）");
      REQUIRE((*store)->Append({{"", 0, o}}).ok());
    }
    // While the writer is still open (-wal and -shm exist) and after close.
    for (const auto& [path, bytes] : ReadAll(dir.path())) {
      INFO(path);
      for (const std::string& needle :
           {name, id, phone, officer_name, Utf16Le(name16), std::string("林晓燕"), finding}) {
        CHECK(bytes.find(needle) == std::string::npos);
      }
    }
  }
  auto files = ReadAll(dir.path());
  REQUIRE(!files.empty());
  for (const auto& [path, bytes] : files) {
    INFO(path);
    CHECK(bytes.find(name) == std::string::npos);
    CHECK(bytes.find(Utf16Le(name16)) == std::string::npos);
    CHECK(bytes.find(id) == std::string::npos);
    CHECK(bytes.find(phone) == std::string::npos);
    CHECK(bytes.find("+8613987654321") == std::string::npos);
    CHECK(bytes.find(finding) == std::string::npos);
  }
}

TEST_CASE("after shredding, the wrapped keys are gone from every file") {
  TempDir dir;
  FakeEnv env;
  Populate(dir.path(), &env);
  std::string wrapped;
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir.path() + "/" + Store::kFileName).c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT wrapped_master FROM officers", -1, &st, nullptr);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    wrapped.assign(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                   sqlite3_column_bytes(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  REQUIRE(wrapped.size() > 40);
  auto store = Store::Open(dir.path(), &env);
  REQUIRE(store.ok());
  REQUIRE((*store)->Shred("test").ok());
  store->reset();
  for (const auto& [path, bytes] : ReadAll(dir.path())) {
    INFO(path);
    CHECK(bytes.find(wrapped) == std::string::npos);
  }
  CHECK(Store::Open(dir.path(), &env).status().code() == Code::kShredded);
}

TEST_CASE("a store from before the sync tables existed gains them and still shreds") {
  TempDir dir;
  FakeEnv env;
  Populate(dir.path(), &env);
  Sql(dir.path(), "DROP TABLE feed; DROP TABLE files; DROP TABLE file_chunks;");
  auto store = Store::Open(dir.path(), &env);
  REQUIRE(store.ok());
  REQUIRE((*store)->Unlock("A1001", kPin).ok());
  CHECK((*store)->Files(false).ok());  // recreated on open
  REQUIRE((*store)->Shred("test").ok());
  CHECK(Store::Open(dir.path(), &env).status().code() == Code::kShredded);
}
