// WalCheckpointer on a real SQLite file: commits on one connection are
// copied into the database file by the checkpointer's thread (the file
// grows while the connection stays open, which SQLite's own checkpoint
// would do inside a commit), and handing the hook back restores SQLite's
// automatic checkpoints.
#include "../../../hub/src/wal_checkpointer.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "../../support/fake_env.h"

using namespace sweep;
using namespace sweep::testing;

namespace {

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

void Fill(sql::Db* db, int rows) {
  auto insert = db->Prepare("INSERT INTO t(v) VALUES(randomblob(4000))");
  REQUIRE(insert.ok());
  for (int i = 0; i < rows; ++i) {
    REQUIRE(db->Exec("BEGIN IMMEDIATE").ok());
    REQUIRE(insert->Run().ok());
    REQUIRE(insert->Reset().ok());
    REQUIRE(db->Exec("COMMIT").ok());
  }
}

}  // namespace

TEST_CASE("wal checkpointer: commits reach the database file from its thread") {
  TempDir dir;
  const std::string path = dir.Sub("t.db");
  auto db = sql::Db::Open(path, true);
  REQUIRE(db.ok());
  REQUIRE((*db)->Exec("PRAGMA journal_mode=WAL; CREATE TABLE t(v BLOB)").ok());
  REQUIRE((*db)->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  const int64_t empty = FileSize(path);
  auto c = hub::WalCheckpointer::Start(db->get(), 100);
  REQUIRE(c.ok());
  Fill(db->get(), 300);  // ~300 pages of 4 KiB each, in 300 commits
  for (int i = 0; i < 500 && (*c)->checkpoints() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK((*c)->checkpoints() >= 1);
  CHECK(FileSize(path) > empty + 100 * 4096);  // pages copied into the file
  {
    auto count = (*db)->Prepare("SELECT count(*) FROM t");
    REQUIRE(count.ok());
    REQUIRE(*count->Step());
    CHECK(count->Int(0) == 300);
  }

  SECTION("without it, the connection checkpoints inside its commits again") {
    c->reset();
    {
      auto pages = (*db)->Prepare("PRAGMA wal_autocheckpoint");
      REQUIRE(pages.ok());
      REQUIRE(*pages->Step());
      CHECK(pages->Int(0) == 1000);
    }
    const int64_t before = FileSize(path);
    Fill(db->get(), 1100);  // crosses 1000 pages: the commit that does checkpoints
    INFO("before " << before << " after " << FileSize(path) << " wal " << FileSize(path + "-wal"));
    CHECK(FileSize(path) > before + 500 * 4096);
  }
}
