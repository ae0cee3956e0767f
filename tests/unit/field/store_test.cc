// The encrypted field store: round trips, PINs, lockout, shredding, locking,
// edits, identifier lookup. Tamper and canary tests are in tamper_test.cc.
#include "sweep/field/store.h"

#include <catch2/catch.hpp>

#include "../../support/fake_env.h"
#include "field_fixture.h"
#include "../../support/records.h"

using namespace sweep;
using field::Store;
using sweep::testing::FakeEnv;
using sweep::testing::TempDir;

namespace {

field::InitOptions Options(const std::string& officer = "A1001", int max_attempts = 10) {
  return sweep::testing::FastInitOptions(officer, max_attempts);
}

std::unique_ptr<Store> OpenUnlocked(const std::string& dir, FakeEnv* env,
                                    const std::string& officer = "A1001",
                                    const std::string& pin = "246810") {
  auto store = Store::Open(dir, env);
  REQUIRE(store.ok());
  REQUIRE((*store)->Unlock(officer, pin).ok());
  return std::move(store).value();
}

}  // namespace

TEST_CASE("a record round-trips and gets id, version, clock and validation") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  auto store = OpenUnlocked(dir.path(), &env);
  auto saved = store->Append({{"", 0, testing::SampleRentalCheck()}});
  REQUIRE(saved.ok());
  REQUIRE(saved->size() == 1);
  const v1::Record& r = saved->front();
  CHECK(r.record_id().size() == 32);
  CHECK(r.version() == 1);
  CHECK(r.base_version() == 0);
  CHECK(r.officer_id() == "A1001");
  CHECK(r.hlc().wall_ms() == env.now_ms);
  auto got = store->Get(r.record_id());
  REQUIRE(got.ok());
  CHECK(got->rental_check().occupants(0).name() == "林晓燕");
  CHECK(got->SerializeAsString() == r.SerializeAsString());
}

TEST_CASE("an edit appends a new version, a stale base is a conflict") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  auto store = OpenUnlocked(dir.path(), &env);
  auto first = store->Append({{"", 0, testing::SampleRentalCheck()}});
  REQUIRE(first.ok());
  std::string id = first->front().record_id();
  v1::Record edit = testing::SampleRentalCheck();
  edit.mutable_rental_check()->set_notes("复查：租客已补登记");
  auto second = store->Append({{id, 1, edit}});
  REQUIRE(second.ok());
  CHECK(second->front().version() == 2);
  CHECK(second->front().base_version() == 1);
  CHECK(second->front().hlc().logical() == 1);  // same millisecond, later event
  auto stale = store->Append({{id, 1, edit}});
  CHECK(stale.status().code() == Code::kConflict);
  auto history = store->History(id);
  REQUIRE(history.ok());
  CHECK(history->size() == 2);
  CHECK(store->Get(id)->rental_check().notes() == "复查：租客已补登记");
  auto list = store->List();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK(list->front().version == 2);
  CHECK(store->Append({{"ffffffffffffffffffffffffffffffff", 0, edit}}).status().code() ==
        Code::kNotFound);
}

TEST_CASE("a batch is all or nothing") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  auto store = OpenUnlocked(dir.path(), &env);
  v1::Record empty;  // no body: rejected
  auto r = store->Append({{"", 0, testing::SampleRentalCheck()}, {"", 0, empty}});
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(store->List()->empty());
  REQUIRE(store->Verify()->ok());
}

TEST_CASE("identifier lookup goes through keyed hashes and normalises input") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  auto store = OpenUnlocked(dir.path(), &env);
  auto saved =
      store->Append({{"", 0, testing::SampleRentalCheck()}, {"", 0, testing::SampleOfficeSweep()}});
  REQUIRE(saved.ok());
  auto by_id = store->FindByIdentifier("id", "360426 19910101 0071");
  REQUIRE(by_id.ok());
  CHECK(*by_id == std::vector<std::string>{saved->at(0).record_id()});
  auto by_phone = store->FindByIdentifier("phone", "+86 138-0013-8000");
  REQUIRE(by_phone.ok());
  CHECK(by_phone->size() == 1);
  auto by_uscc = store->FindByIdentifier("uscc", "91110000600037341L");
  REQUIRE(by_uscc.ok());
  CHECK(*by_uscc == std::vector<std::string>{saved->at(1).record_id()});
  CHECK(store->FindByIdentifier("id", "44011320141005001X")->empty());
  CHECK(store->FindByIdentifier("shoe", "42").status().code() == Code::kInvalidArgument);
}

TEST_CASE("wrong PINs: free tries, then a delay, then the store shreds itself") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options("A1001", 5), "246810", &env).ok());
  {
    auto store = OpenUnlocked(dir.path(), &env);
    REQUIRE(store->Append({{"", 0, testing::SampleRentalCheck()}}).ok());
  }
  auto store = Store::Open(dir.path(), &env);
  REQUIRE(store.ok());
  for (int i = 1; i <= 2; ++i) {
    Status s = (*store)->Unlock("A1001", "000000");
    CHECK(s.code() == Code::kUnauthorized);
    CHECK_THAT(s.message(), Catch::Contains(std::to_string(5 - i) + " attempts left"));
  }
  Status third = (*store)->Unlock("A1001", "000000");
  CHECK(third.code() == Code::kUnauthorized);
  CHECK_THAT(third.message(), Catch::Contains("next attempt possible in 30 s"));
  // During the delay even the right PIN is refused, and nothing is counted.
  CHECK((*store)->Unlock("A1001", "246810").code() == Code::kLocked);
  env.Advance(30'000);
  CHECK((*store)->Unlock("A1001", "111111").code() == Code::kUnauthorized);  // 4th
  CHECK((*store)->Unlock("A1001", "246810").code() == Code::kLocked);
  env.Advance(60'000);
  Status last = (*store)->Unlock("A1001", "222222");  // 5th: shred
  CHECK(last.code() == Code::kShredded);
  CHECK(!(*store)->unlocked());
  auto reopened = Store::Open(dir.path(), &env);
  CHECK(reopened.status().code() == Code::kShredded);
  CHECK_THAT(reopened.status().message(), Catch::Contains("5 wrong PINs in a row"));
}

TEST_CASE("a right PIN resets the failure count") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options("A1001", 3), "246810", &env).ok());
  auto store = Store::Open(dir.path(), &env);
  REQUIRE(store.ok());
  CHECK((*store)->Unlock("A1001", "000000").code() == Code::kUnauthorized);
  CHECK((*store)->Unlock("A1001", "000000").code() == Code::kUnauthorized);
  REQUIRE((*store)->Unlock("A1001", "246810").ok());
  CHECK((*store)->Info()->failed_attempts == 0);
  CHECK((*store)->Unlock("A1001", "000000").code() == Code::kUnauthorized);
  CHECK((*store)->Unlock("A1001", "000000").code() == Code::kUnauthorized);
  REQUIRE((*store)->Unlock("A1001", "246810").ok());
}

TEST_CASE("several officers share a tablet, each with their own PIN") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  auto store = OpenUnlocked(dir.path(), &env);
  crypto::KdfParams kdf;
  kdf.ops_limit = 1;
  kdf.mem_limit = 8 << 20;
  REQUIRE(store->AddOfficer("B2002", "李红梅", "135791", kdf).ok());
  CHECK(store->AddOfficer("B2002", "李红梅", "135791", kdf).code() == Code::kAlreadyExists);
  CHECK(store->AddOfficer("C3003", "赵", "12", kdf).code() == Code::kInvalidArgument);
  REQUIRE(store->Append({{"", 0, testing::SampleRentalCheck()}}).ok());
  store->Lock();
  CHECK(store->Unlock("B2002", "246810").code() == Code::kUnauthorized);  // A's PIN
  REQUIRE(store->Unlock("B2002", "135791").ok());
  auto list = store->List();
  REQUIRE(list.ok());
  CHECK(list->size() == 1);
  auto officers = store->Officers();
  REQUIRE(officers.ok());
  REQUIRE(officers->size() == 2);
  CHECK(officers->at(1).name == "李红梅");
  CHECK(store->Unlock("Z9999", "135791").code() == Code::kNotFound);
}

TEST_CASE("idle timeout and lock requests wipe the keys") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  auto store = OpenUnlocked(dir.path(), &env);
  store->SetIdleTimeout(5 * 60 * 1000);
  env.Advance(4 * 60 * 1000);
  REQUIRE(store->List().ok());  // activity resets the timer
  env.Advance(4 * 60 * 1000);
  REQUIRE(store->List().ok());
  env.Advance(6 * 60 * 1000);
  CHECK(store->List().status().code() == Code::kLocked);
  CHECK(!store->unlocked());
  REQUIRE(store->Unlock("A1001", "246810").ok());
  // Another process (here: another handle) asks every session to lock.
  auto other = Store::Open(dir.path(), &env);
  REQUIRE(other.ok());
  REQUIRE((*other)->RequestLock().ok());
  CHECK(store->List().status().code() == Code::kLocked);
  store->Lock();
  CHECK(store->Append({{"", 0, testing::SampleRentalCheck()}}).status().code() == Code::kLocked);
}

TEST_CASE("lockout delays double and are capped") {
  CHECK(field::LockoutDelayMillis(1) == 0);
  CHECK(field::LockoutDelayMillis(2) == 0);
  CHECK(field::LockoutDelayMillis(3) == 30'000);
  CHECK(field::LockoutDelayMillis(4) == 60'000);
  CHECK(field::LockoutDelayMillis(9) == 30'000 << 6);
  CHECK(field::LockoutDelayMillis(50) == 3'600'000);
}

TEST_CASE("creating over an existing store and opening a missing one fail clearly") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  CHECK(Store::Create(dir.path(), Options(), "246810", &env).code() == Code::kAlreadyExists);
  CHECK(Store::Create(dir.Sub("x"), Options(), "123", &env).code() == Code::kInvalidArgument);
  auto missing = Store::Open(dir.Sub("nothing"), &env);
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK_THAT(missing.status().message(), Catch::Contains("init"));
}

TEST_CASE("a long commit is signed every kSignEvery versions and at its end") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  auto store = OpenUnlocked(dir.path(), &env);
  std::vector<field::NewVersion> batch;
  for (int i = 0; i < 600; ++i) batch.push_back({"", 0, testing::SampleRentalCheck()});
  REQUIRE(store->Append(std::move(batch)).ok());
  auto report = store->Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
  CHECK(report->versions_checked == 600);
  CHECK(report->signatures_checked == 3);  // at 256, 512 and 600
}

TEST_CASE("records are bounded in size, and large commits are signed by bytes too") {
  TempDir dir;
  FakeEnv env;
  REQUIRE(Store::Create(dir.path(), Options(), "246810", &env).ok());
  auto store = OpenUnlocked(dir.path(), &env);
  v1::Record huge = testing::SampleRentalCheck();
  huge.mutable_rental_check()->set_notes(std::string(Store::kMaxRecordBytes + 1, 'x'));
  auto refused = store->Append({{"", 0, huge}});
  CHECK(refused.status().code() == Code::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Catch::Contains("attach"));
  // 20 records of ~300 KiB: a signature at least every 2 MiB, not only at 256.
  std::vector<field::NewVersion> batch;
  for (int i = 0; i < 20; ++i) {
    v1::Record r = testing::SampleRentalCheck();
    r.mutable_rental_check()->set_notes(std::string(300 * 1024, 'n'));
    batch.push_back({"", 0, r});
  }
  REQUIRE(store->Append(std::move(batch)).ok());
  auto report = store->Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
  CHECK(report->signatures_checked >= 3);
  CHECK(store->List()->size() == 20);
}
