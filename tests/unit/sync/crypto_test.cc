#include "sweep/sync/crypto.h"

#include <catch2/catch.hpp>

#include "../../support/fake_env.h"
#include "sweep/sync/chain.h"
#include "sweep/sync/hlc.h"

using namespace sweep;
using namespace sweep::crypto;

TEST_CASE("AEAD round trip, and any change to bytes, key or associated data fails") {
  testing::FakeEnv env;
  auto key = SecretBuffer::Random(kKeySize, &env);
  auto other = SecretBuffer::Random(kKeySize, &env);
  std::string msg = "林晓燕 360426199101010071";
  Bytes sealed = AeadSeal(key, AsBytes(msg), AsBytes("ad-1"), &env);
  CHECK(sealed.size() == msg.size() + kAeadNonceSize + kAeadTagSize);
  auto opened = AeadOpen(key, sealed, AsBytes("ad-1"));
  REQUIRE(opened.ok());
  CHECK(std::string(opened->begin(), opened->end()) == msg);
  CHECK(AeadOpen(key, sealed, AsBytes("ad-2")).status().code() == Code::kCorruption);
  CHECK(AeadOpen(other, sealed, AsBytes("ad-1")).status().code() == Code::kCorruption);
  for (size_t i = 0; i < sealed.size(); i += 7) {
    Bytes bad = sealed;
    bad[i] ^= 0x80;
    CHECK(!AeadOpen(key, bad, AsBytes("ad-1")).ok());
  }
  CHECK(AeadOpen(key, Bytes(10), AsBytes("ad-1")).status().code() == Code::kCorruption);
  auto secret = AeadOpenSecret(key, sealed, AsBytes("ad-1"));
  REQUIRE(secret.ok());
  CHECK(secret->size() == msg.size());
}

TEST_CASE("Argon2id derives the same key from the same PIN and salt only") {
  KdfParams p;
  p.ops_limit = 1;
  p.mem_limit = 8 << 20;
  p.salt.fill(7);
  auto a = DeriveKey("246810", p);
  auto b = DeriveKey("246810", p);
  auto c = DeriveKey("246811", p);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(ToHex(a->view()) == ToHex(b->view()));
  CHECK(ToHex(a->view()) != ToHex(c->view()));
  p.salt.fill(8);
  CHECK(ToHex(DeriveKey("246810", p)->view()) != ToHex(a->view()));
}

TEST_CASE("Ed25519 signatures verify only for the signed message and key") {
  auto kp = NewSignKeyPair();
  auto other = NewSignKeyPair();
  auto sig = Sign(kp.secret_key, AsBytes("head 42"));
  CHECK(VerifySignature(kp.public_key, AsBytes("head 42"), sig));
  CHECK(!VerifySignature(kp.public_key, AsBytes("head 43"), sig));
  CHECK(!VerifySignature(other.public_key, AsBytes("head 42"), sig));
  CHECK(KeyId(kp.public_key).size() == 16);
}

TEST_CASE("SecretBuffer moves and wipes") {
  SecretBuffer a = SecretBuffer::CopyOf(AsBytes("secret"));
  SecretBuffer b = std::move(a);
  CHECK(a.empty());
  CHECK(b.size() == 6);
  b.Wipe();
  CHECK(b.empty());
}

TEST_CASE("hex round trip and clear errors") {
  Bytes raw = {0x00, 0xab, 0xff};
  CHECK(ToHex(raw) == "00abff");
  CHECK(*FromHex("00abff") == raw);
  CHECK(FromHex("0g").status().code() == Code::kInvalidArgument);
  CHECK(FromHex("abc").status().code() == Code::kInvalidArgument);
}

TEST_CASE("the chain hash depends on every input") {
  sync::Digest prev{};
  auto rh = sync::RecordHash(AsBytes("record"));
  auto e1 = sync::EntryHash("dev1", 1, prev, rh);
  CHECK(e1 != sync::EntryHash("dev2", 1, prev, rh));
  CHECK(e1 != sync::EntryHash("dev1", 2, prev, rh));
  CHECK(e1 != sync::EntryHash("dev1", 1, prev, sync::RecordHash(AsBytes("recorD"))));
  prev[0] = 1;
  CHECK(e1 != sync::EntryHash("dev1", 1, prev, rh));
}

TEST_CASE("the hybrid logical clock never goes backwards") {
  testing::FakeEnv env;
  sync::HybridClock clock(&env);
  auto t1 = clock.Now();
  auto t2 = clock.Now();
  CHECK(t2 > t1);
  CHECK(t2.wall_ms == t1.wall_ms);
  env.now_ms -= 60'000;  // the wall clock is set back a minute
  auto t3 = clock.Now();
  CHECK(t3 > t2);
  env.now_ms += 120'000;
  auto t4 = clock.Now();
  CHECK(t4.wall_ms == env.now_ms);
  CHECK(t4.logical == 0);
  sync::HlcTime remote{env.now_ms + 5'000, 7};  // a peer whose clock runs ahead
  auto t5 = clock.Observe(remote);
  CHECK(t5 > remote);
  CHECK(clock.Now() > t5);
}
