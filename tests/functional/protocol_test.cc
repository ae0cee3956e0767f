// Hostile and broken requests against a real sweep-hub process: each is
// refused with a clear 4xx, the hub's records stay as they were, and the
// hub keeps serving. The requests are crafted with the tablet's own store
// (for valid signatures) and then broken in one way each.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/records.h"
#include "sweep/field/store.h"
#include "sweep/field/sync_client.h"
#include "sweep/sync/protocol.h"

using namespace sweep;
using sweep::testing::HubProcess;
using sweep::testing::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  HubProcess hub{SWEEP_HUB_BIN, dir.Sub("hub.db")};
  std::unique_ptr<field::Store> store;
  std::unique_ptr<httplib::Client> http;

  Fixture() {
    REQUIRE(hub.Start());
    field::InitOptions opt;
    opt.officer_id = "A1001";
    opt.officer_name = "王建国";
    opt.kdf.ops_limit = 1;
    opt.kdf.mem_limit = 8 << 20;
    REQUIRE(field::Store::Create(dir.Sub("t"), opt, "246810", Env::Default()).ok());
    store = Open(Env::Default());
    auto transport = field::NewHttpTransport(hub.url(), {});
    REQUIRE(transport.ok());
    REQUIRE(field::Enroll(store.get(), transport->get(), hub.url(), hub.NewCode("A1001"), "t")
                .ok());
    std::vector<field::NewVersion> batch;
    for (int i = 0; i < 10; ++i) batch.push_back({"", 0, sweep::testing::SampleRentalCheck()});
    REQUIRE(store->Append(std::move(batch)).ok());
    REQUIRE(field::Sync(store.get(), transport->get(), {}).ok());
    REQUIRE(hub.Versions() == 10);
    http = std::make_unique<httplib::Client>(hub.url());
  }

  std::unique_ptr<field::Store> Open(Env* env) {
    auto s = field::Store::Open(dir.Sub("t"), env);
    REQUIRE(s.ok());
    REQUIRE((*s)->Unlock("A1001", "246810").ok());
    return std::move(s).value();
  }

  // Posts raw bytes; returns status and the Sweep error code, if any.
  std::pair<int, std::string> Post(const std::string& path, const std::string& body) {
    auto res = http->Post(path, body, "application/x-protobuf");
    REQUIRE(res);
    v1::SignedResponse signed_res;
    v1::Error err;
    std::string code;
    if (res->status != 200 && signed_res.ParseFromString(res->body) &&
        err.ParseFromString(signed_res.body())) {
      code = err.code();
      INFO(res->status << " " << err.message());
      CHECK(!code.empty());
      CHECK(!err.message().empty());
    }
    return {res->status, code};
  }

  std::string Signed(field::Store* s, const std::string& method,
                     const google::protobuf::MessageLite& body) {
    auto req = s->SignRequest(method, body);
    REQUIRE(req.ok());
    return req->SerializeAsString();
  }

  v1::PushRequest PushOf(uint64_t after, size_t n) {
    auto outbox = store->Outbox(after, n);
    REQUIRE(outbox.ok());
    auto hub_pin = store->Hub();
    REQUIRE(hub_pin.ok());
    v1::PushRequest req;
    sync::PushSealer sealer(crypto::AsBytes((*hub_pin)->enrollment.hub_box_pk()), Env::Default());
    req.set_ephemeral_pk(std::string(sealer.ephemeral_pk().begin(), sealer.ephemeral_pk().end()));
    for (const auto& v : *outbox) {
      auto* sv = req.add_versions();
      sv->set_seq(v.seq);
      sv->set_record_id(v.record_id);
      sv->set_version(v.version);
      auto sealed = sealer.Seal(v.record, v.seq);
      sv->set_sealed(std::string(sealed.begin(), sealed.end()));
      sv->set_head_sig(std::string(v.head_sig.begin(), v.head_sig.end()));
    }
    return req;
  }

  void ExpectUnchanged() {
    CHECK(hub.Versions() == 10);
    auto health = http->Get(sync::kPathHealth);
    REQUIRE(health);
    CHECK(health->status == 200);
  }
};

}  // namespace

TEST_CASE("a replayed request is refused") {
  Fixture f;
  std::string req = f.Signed(f.store.get(), "pull", v1::PullRequest());
  CHECK(f.Post("/v1/pull", req).first == 200);
  CHECK(f.Post("/v1/pull", req) == std::make_pair(409, std::string(sync::err::kReplay)));
  f.ExpectUnchanged();
}

TEST_CASE("a forged or misdirected signature is refused") {
  Fixture f;
  v1::SignedRequest req;
  REQUIRE(req.ParseFromString(f.Signed(f.store.get(), "pull", v1::PullRequest())));
  std::string sig = req.signature();
  sig[10] ^= 1;
  req.set_signature(sig);
  CHECK(f.Post("/v1/pull", req.SerializeAsString()) ==
        std::make_pair(401, std::string(sync::err::kBadSignature)));
  // A valid request for "pull" sent to the push path.
  CHECK(f.Post("/v1/push", f.Signed(f.store.get(), "pull", v1::PullRequest())).first == 400);
  f.ExpectUnchanged();
}

TEST_CASE("an unknown device, malformed bytes and an oversized body are refused") {
  Fixture f;
  v1::SignedRequest req;
  REQUIRE(req.ParseFromString(f.Signed(f.store.get(), "pull", v1::PullRequest())));
  req.set_device_id(std::string(32, 'f'));
  CHECK(f.Post("/v1/pull", req.SerializeAsString()) ==
        std::make_pair(403, std::string(sync::err::kUnknownDevice)));
  CHECK(f.Post("/v1/push", "\x0a\xff\xff\xff garbage").first == 400);
  CHECK(f.Post("/v1/enroll", "not protobuf at all").first == 400);
  CHECK(f.Post("/v1/push", std::string(sync::kMaxRequestBytes + 1024, 'x')).first == 413);
  f.ExpectUnchanged();
}

TEST_CASE("a clock far off is refused with the hub's time") {
  Fixture f;
  sweep::testing::FakeEnv skewed;
  skewed.now_ms = Env::Default()->NowMillis() + 3600 * 1000;  // an hour ahead
  auto s = f.Open(&skewed);
  CHECK(f.Post("/v1/pull", f.Signed(s.get(), "pull", v1::PullRequest())) ==
        std::make_pair(400, std::string(sync::err::kClockSkew)));
  f.ExpectUnchanged();
}

TEST_CASE("a broken chain, a bad chain signature and an unsigned tail are refused") {
  Fixture f;
  std::vector<field::NewVersion> more;
  for (int i = 0; i < 3; ++i) more.push_back({"", 0, sweep::testing::SampleOfficeSweep()});
  REQUIRE(f.store->Append(std::move(more)).ok());  // seq 11..13, signed at 13
  SECTION("content that does not belong to the seq") {
    v1::PushRequest push = f.PushOf(10, 3);
    push.mutable_versions(0)->set_sealed(push.versions(1).sealed());
    CHECK(f.Post("/v1/push", f.Signed(f.store.get(), "push", push)) ==
          std::make_pair(422, std::string(sync::err::kBrokenChain)));
  }
  SECTION("a forged chain signature") {
    v1::PushRequest push = f.PushOf(10, 3);
    std::string sig = push.versions(2).head_sig();
    sig[0] ^= 1;
    push.mutable_versions(2)->set_head_sig(sig);
    CHECK(f.Post("/v1/push", f.Signed(f.store.get(), "push", push)).first == 422);
  }
  SECTION("a batch that stops before the signature") {
    v1::PushRequest push = f.PushOf(10, 2);
    CHECK(f.Post("/v1/push", f.Signed(f.store.get(), "push", push)) ==
          std::make_pair(422, std::string(sync::err::kUnsigned)));
  }
  SECTION("sealed to another key") {
    v1::PushRequest push = f.PushOf(10, 3);
    sync::PushSealer other(crypto::NewBoxKeyPair().public_key, Env::Default());
    push.set_ephemeral_pk(std::string(other.ephemeral_pk().begin(), other.ephemeral_pk().end()));
    CHECK(f.Post("/v1/push", f.Signed(f.store.get(), "push", push)).first == 422);
  }
  SECTION("a gap") {
    v1::PushRequest push = f.PushOf(11, 2);  // starts at 12, hub holds 10
    CHECK(f.Post("/v1/push", f.Signed(f.store.get(), "push", push)) ==
          std::make_pair(409, std::string(sync::err::kGap)));
  }
  f.ExpectUnchanged();
}

TEST_CASE("different content at a stored seq is a fork: refused and alerted") {
  Fixture f;
  v1::PushRequest push = f.PushOf(0, 10);
  // The hub holds seq 1..10; send seq 2 with seq 3's content, properly sealed.
  auto outbox = f.store->Outbox(0, 10);
  REQUIRE(outbox.ok());
  auto hub_pin = f.store->Hub();
  sync::PushSealer sealer(crypto::AsBytes((*hub_pin)->enrollment.hub_box_pk()), Env::Default());
  push.set_ephemeral_pk(std::string(sealer.ephemeral_pk().begin(), sealer.ephemeral_pk().end()));
  for (int i = 0; i < push.versions_size(); ++i) {
    const auto& content = (*outbox)[i == 1 ? 2 : i].record;
    auto sealed = sealer.Seal(content, push.versions(i).seq());
    push.mutable_versions(i)->set_sealed(std::string(sealed.begin(), sealed.end()));
  }
  CHECK(f.Post("/v1/push", f.Signed(f.store.get(), "push", push)) ==
        std::make_pair(409, std::string(sync::err::kFork)));
  auto alerts = f.hub.Admin({"alerts"});
  CHECK(alerts.out.find("fork") != std::string::npos);
  // The identical batch again is harmless: acknowledged as duplicates.
  auto again = f.Post("/v1/push", f.Signed(f.store.get(), "push", f.PushOf(0, 10)));
  CHECK(again.first == 200);
  f.ExpectUnchanged();
}

TEST_CASE("a tablet pointed at another hub refuses its answers") {
  Fixture f;
  HubProcess other(SWEEP_HUB_BIN, f.dir.Sub("other.db"));
  REQUIRE(other.Start());
  auto transport = field::NewHttpTransport(other.url(), {});
  REQUIRE(transport.ok());
  auto r = field::Sync(f.store.get(), transport->get(), {});
  CHECK(r.status().code() == Code::kUnauthorized);
  CHECK_THAT(r.status().message(), Catch::Contains("not signed by the hub this tablet was enrolled"));
}

namespace {

// Passes requests through until `budget` chunk uploads have gone, then acts
// as if the network were cut.
class CuttingTransport : public field::Transport {
 public:
  CuttingTransport(field::Transport* inner, int budget) : inner_(inner), budget_(budget) {}
  Result<field::HttpResponse> Post(const std::string& path, const std::string& body) override {
    if (path == "/v1/chunks/put" && budget_-- <= 0) return Status::Unavailable("cable cut");
    return inner_->Post(path, body);
  }

 private:
  field::Transport* inner_;
  int budget_;
};

}  // namespace

TEST_CASE("attachments: a cut upload resumes with only the missing chunks, hashes checked") {
  Fixture f;
  std::string path = f.dir.Sub("photo.jpg");
  {
    std::ofstream out(path, std::ios::binary);
    std::mt19937_64 rng(5);
    for (size_t i = 0; i < 3 * 1024 * 1024 + 123; ++i) out.put(static_cast<char>(rng()));
  }
  auto file = f.store->AddFile(path, "image/jpeg");
  REQUIRE(file.ok());
  const size_t chunks = file->chunk_sha256.size();
  REQUIRE(chunks == 13);
  auto real = field::NewHttpTransport(f.hub.url(), {});
  REQUIRE(real.ok());
  CuttingTransport cut(real->get(), 5);
  field::SyncOptions opt;
  opt.retries = 1;
  opt.sleep = [](int64_t) {};
  auto first = field::Sync(f.store.get(), &cut, opt);
  CHECK(first.status().code() == Code::kUnavailable);
  CHECK((*f.store->Files(true)).size() == 1);  // not confirmed yet
  auto second = field::Sync(f.store.get(), real->get(), opt);
  REQUIRE(second.ok());
  CHECK(second->chunks_sent == chunks - 5);  // only what the hub lacked
  CHECK(second->files == 1);
  CHECK(f.store->Files(true)->empty());
  auto third = field::Sync(f.store.get(), real->get(), opt);
  REQUIRE(third.ok());
  CHECK(third->chunks_sent == 0);
  CHECK(third->round_trips == 1);  // nothing new: one pull
  // A second copy of the same photo is stored once and never sent again.
  auto again = f.store->AddFile(path, "image/jpeg");
  REQUIRE(again.ok());
  CHECK(again->uploaded);
}

TEST_CASE("attachments: a chunk that does not match its hash is refused") {
  Fixture f;
  v1::ChunkQuery q;
  auto* m = q.add_files();
  std::string data = "not the photo";
  m->set_sha256(crypto::Sha256Hex(crypto::AsBytes("the photo")));
  m->set_size(9);
  m->set_chunk_size(sync::kChunkSize);
  m->add_chunk_sha256(crypto::Sha256Hex(crypto::AsBytes("the photo")));
  CHECK(f.Post("/v1/chunks/query", f.Signed(f.store.get(), "chunks.query", q)).first == 200);
  v1::ChunkPut put;
  put.set_file_sha256(m->sha256());
  put.set_index(0);
  auto hub_pin = f.store->Hub();
  auto sealed = crypto::BoxSeal(crypto::AsBytes(data),
                                crypto::AsBytes((*hub_pin)->enrollment.hub_box_pk()));
  put.set_sealed(std::string(sealed.begin(), sealed.end()));
  CHECK(f.Post("/v1/chunks/put", f.Signed(f.store.get(), "chunks.put", put)) ==
        std::make_pair(422, std::string(sync::err::kBadChunk)));
  f.ExpectUnchanged();
}
