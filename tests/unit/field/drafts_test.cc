// Drafts in the tablet's store: saved sealed (neither the form nor its key
// readable in the file), replaced by key, newest first, kept across a
// reopen, removed on delete and by crypto-shredding; locked means refused.
#include <catch2/catch.hpp>

#include "../../support/fake_env.h"
#include "field_fixture.h"
#include "sweep/field/store.h"

using namespace sweep;
using sweep::field::Store;
using sweep::testing::FakeEnv;
using sweep::testing::FilesContain;
using sweep::testing::TempDir;

TEST_CASE("drafts: sealed, replaced by key, kept, deleted, shredded") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), sweep::testing::FastInitOptions(), "246810", &env).ok());
  {
    auto store = Store::Open(dir.path(), &env);
    REQUIRE(store.ok());
    CHECK((*store)->SaveDraft("rental:a", "x").code() == Code::kLocked);
    REQUIRE((*store)->Unlock("A1001", "246810").ok());
    REQUIRE((*store)->SaveDraft("rental:燕泉小区1栋301室", R"({"landlord":"欧阳明轩"})").ok());
    env.Advance(1000);
    REQUIRE((*store)->SaveDraft("rental:b", "first").ok());
    env.Advance(1000);
    REQUIRE((*store)->SaveDraft("rental:b", "second").ok());  // replaces
    CHECK((*store)->SaveDraft("", "x").code() == Code::kInvalidArgument);
  }
  CHECK_FALSE(FilesContain(dir.path(), "欧阳明轩"));
  CHECK_FALSE(FilesContain(dir.path(), "燕泉小区"));
  CHECK_FALSE(FilesContain(dir.path(), "second"));
  auto store = Store::Open(dir.path(), &env);
  REQUIRE(store.ok());
  REQUIRE((*store)->Unlock("A1001", "246810").ok());
  auto drafts = (*store)->Drafts();
  REQUIRE(drafts.ok());
  REQUIRE(drafts->size() == 2);
  CHECK(drafts->at(0).key == "rental:b");  // newest first
  CHECK(drafts->at(0).body == "second");
  CHECK(drafts->at(1).key == "rental:燕泉小区1栋301室");
  CHECK(drafts->at(1).body == R"({"landlord":"欧阳明轩"})");
  REQUIRE((*store)->DeleteDraft("rental:b").ok());
  REQUIRE((*store)->DeleteDraft("rental:none").ok());
  drafts = (*store)->Drafts();
  REQUIRE(drafts.ok());
  CHECK(drafts->size() == 1);
  REQUIRE((*store)->Shred("test").ok());
  auto gone = Store::Open(dir.path(), &env);
  CHECK(gone.status().code() == Code::kShredded);
}
