// Structure-aware fuzzing of the hub's signed methods. Random bytes die at the
// envelope parse or the signature check, so this harness plays the enrolled
// tablet: it treats the fuzz bytes as the INNER request body, wraps them in a
// correctly signed SignedRequest (docs/protocol.md, RequestTranscript) with a
// fresh nonce and the real clock, and calls HubService::Handle.
//
// Input: up to kMaxRequests requests separated by kSeparator. Each starts
// with one flags byte, then the inner body:
//   bits 0-1  method: push, pull, chunks.query, chunks.put
//   bit 2     seal: the body's `sealed` fields are plaintext; the harness
//             seals them to the hub's key, and turns every 1-byte `head_sig`
//             into the device's real chain signature (so fuzzed record
//             versions can reach the chain checks and be stored)
//   bit 3     replay: reuse the previous request's nonce
//   bit 4     skew: a timestamp 6 minutes off (bit 5: in the past)
// The hub's store persists across inputs, as it does in a real hub.
//
// Invariants (abort on violation): no crash; every reply has a status in
// [200, 599] and is a SignedResponse signed by the hub for this request
// (device, method, nonce), holding a v1::Error when not 200 and the method's
// response when 200; a replayed nonce is answered 409 "replay"; a skewed clock 400
// "clock_skew"; the device's acked_seq never goes back, and a successful
// push reports the acked_seq the store holds.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hub_fixture.h"
#include "support/records.h"
#include "sweep/sync/chain.h"
#include "sweep/v1/record.pb.h"
#include "sweep/v1/sync.pb.h"

namespace {

using sweep::crypto::AsBytes;
using sweep::fuzz::HubFixture;
using sweep::fuzz::kDeviceId;
using sweep::fuzz::Violation;
namespace v1 = sweep::v1;
namespace sync = sweep::sync;
namespace crypto = sweep::crypto;

constexpr std::string_view kSeparator = "|REQ|";
constexpr size_t kMaxRequests = 16;
constexpr const char* kMethods[] = {"push", "pull", "chunks.query", "chunks.put"};
constexpr uint8_t kSeal = 0x04, kReplay = 0x08, kSkew = 0x10, kPast = 0x20;

std::string Str(const crypto::Bytes& b) { return std::string(b.begin(), b.end()); }
template <size_t N>
std::string Str(const std::array<uint8_t, N>& b) {
  return std::string(b.begin(), b.end());
}

// What the hub holds for the device (acked_seq, acked_hash).
sweep::hub::Device StoredDevice(HubFixture& fx) {
  auto device = fx.service().store()->GetDevice(kDeviceId);
  if (!device.ok()) Violation("the enrolled device vanished: " + device.status().ToString());
  return std::move(device).value();
}

// Seal mode: seal plaintext payloads to the hub, sign marked chain heads.
std::string SealBody(HubFixture& fx, size_t method, const std::string& body) {
  if (method == 0) {
    v1::PushRequest req;
    if (!req.ParseFromString(body)) return body;
    sweep::hub::Device device = StoredDevice(fx);
    sync::Digest prev{};
    if (device.acked_hash.size() == prev.size()) {
      std::copy(device.acked_hash.begin(), device.acked_hash.end(), prev.begin());
    }
    sync::PushSealer sealer(fx.hub_box_pk(), sweep::Env::Default());
    req.set_ephemeral_pk(Str(sealer.ephemeral_pk()));
    for (v1::SealedVersion& sv : *req.mutable_versions()) {
      const std::string plain = sv.sealed();
      if (sv.seq() > device.acked_seq) {  // versions the hub will chain, in order
        sync::Digest eh =
            sync::EntryHash(kDeviceId, sv.seq(), prev, sync::RecordHash(AsBytes(plain)));
        prev = eh;
        if (sv.head_sig().size() == 1) {
          sv.set_head_sig(
              Str(crypto::Sign(fx.device_sign_sk(), sync::HeadMessage(kDeviceId, sv.seq(), eh))));
        }
      }
      sv.set_sealed(Str(sealer.Seal(AsBytes(plain), sv.seq())));
    }
    return req.SerializeAsString();
  }
  if (method == 3) {
    v1::ChunkPut req;
    if (!req.ParseFromString(body)) return body;
    req.set_sealed(Str(crypto::BoxSeal(AsBytes(req.sealed()), fx.hub_box_pk())));
    return req.SerializeAsString();
  }
  return body;
}

// The 200 answer must be the method's response message.
void CheckOkBody(size_t method, const std::string& inner) {
  bool ok = false;
  switch (method) {
    case 0:
      ok = v1::PushResponse().ParseFromString(inner);
      break;
    case 1:
      ok = v1::PullResponse().ParseFromString(inner);
      break;
    case 2:
      ok = v1::ChunkQueryResponse().ParseFromString(inner);
      break;
    case 3:
      ok = v1::ChunkPutResponse().ParseFromString(inner);
      break;
  }
  if (!ok) Violation(std::string(kMethods[method]) + ": a 200 body that is not its response");
}

struct Session {
  std::string last_nonce;
  bool last_nonce_remembered = false;
};

void OneRequest(HubFixture& fx, Session& session, std::string_view input) {
  const uint8_t flags = static_cast<uint8_t>(input[0]);
  const size_t method = flags & 3;
  std::string body(input.substr(1));
  if (flags & kSeal) body = SealBody(fx, method, body);

  const bool replay = (flags & kReplay) && !session.last_nonce.empty();
  const bool skew = flags & kSkew;
  v1::SignedRequest req;
  req.set_device_id(kDeviceId);
  int64_t offset = skew ? sync::kMaxClockSkewMs + 60'000 : 0;
  req.set_timestamp_ms(fx.env()->NowMillis() + ((flags & kPast) ? -offset : offset));
  std::string nonce(sync::kNonceSize, '\0');
  fx.env()->RandomBytes(nonce.data(), nonce.size());
  req.set_nonce(replay ? session.last_nonce : nonce);
  req.set_method(kMethods[method]);
  req.set_body(body);
  req.set_signature(
      Str(crypto::Sign(fx.device_sign_sk(), sync::RequestTranscript(fx.hub_id(), req))));

  const uint64_t acked_before = StoredDevice(fx).acked_seq;
  sweep::hub::Reply reply = fx.service().Handle(kMethods[method], req.SerializeAsString());
  const std::string inner = sweep::fuzz::CheckSignedReply(fx, reply, kMethods[method], &req, false);
  const std::string what = std::string(kMethods[method]) + " (HTTP " +
                           std::to_string(reply.status) + " " + reply.error_code + ")";
  if (skew && reply.error_code != sync::err::kClockSkew) {
    Violation(what + ": a timestamp 6 minutes off was not refused as clock_skew");
  }
  if (!skew && replay && session.last_nonce_remembered &&
      (reply.status != 409 || reply.error_code != sync::err::kReplay)) {
    Violation(what + ": a replayed nonce was not refused as replay");
  }
  if (reply.status == 200) CheckOkBody(method, inner);
  if (std::getenv("SWEEP_FUZZ_VERBOSE") != nullptr) {  // to see what a seed or crash input does
    std::fprintf(stderr, "  flags %02x %s -> %s\n", flags, kMethods[method], what.c_str());
  }

  const uint64_t acked_after = StoredDevice(fx).acked_seq;
  if (acked_after < acked_before) {
    Violation(what + ": acked_seq went back from " + std::to_string(acked_before) + " to " +
              std::to_string(acked_after));
  }
  if (method == 0 && reply.status == 200) {
    v1::PushResponse resp;
    if (resp.ParseFromString(inner) && resp.acked_seq() != acked_after) {
      Violation(what + ": reported acked_seq " + std::to_string(resp.acked_seq()) +
                " but the store holds " + std::to_string(acked_after));
    }
  }
  // Handle remembers a nonce once the envelope checks pass (not on skew).
  if (!replay) {
    session.last_nonce = req.nonce();
    session.last_nonce_remembered = !skew;
  } else if (!skew) {
    session.last_nonce_remembered = true;
  }
}

// ------------------------------------------------------------------ seeds

v1::Record SampleRecord(uint64_t n, bool office) {
  v1::Record r = office ? sweep::testing::SampleOfficeSweep() : sweep::testing::SampleRentalCheck();
  r.set_record_id("0123456789abcdef0123456789abcd" + std::to_string(10 + n));
  r.set_version(1);
  r.set_officer_id(sweep::fuzz::kOfficerId);
  r.set_device_id(kDeviceId);
  return r;
}

std::string Push(std::initializer_list<std::pair<uint64_t, bool>> versions, bool signed_tail,
                 uint64_t record_offset = 0) {
  v1::PushRequest req;
  size_t i = 0;
  for (auto [seq, office] : versions) {
    v1::Record rec = SampleRecord(seq + record_offset, office);
    auto* sv = req.add_versions();
    sv->set_seq(seq);
    sv->set_record_id(rec.record_id());
    sv->set_version(rec.version());
    sv->set_sealed(rec.SerializeAsString());  // plaintext: sealed by the harness
    if (++i == versions.size() ? signed_tail : true) sv->set_head_sig("!");
  }
  return req.SerializeAsString();
}

std::string Req(uint8_t flags, const std::string& body) {
  return std::string(1, static_cast<char>(flags)) + body;
}

std::string Join(std::initializer_list<std::string> requests) {
  std::string out;
  for (const std::string& r : requests) {
    if (!out.empty()) out += kSeparator;
    out += r;
  }
  return out;
}

void WriteSeeds(const std::string& folder) {
  using sweep::fuzz::WriteSeed;
  v1::PullRequest pull;
  pull.set_limit(10);
  WriteSeed(folder, "pull", Req(1, pull.SerializeAsString()));
  WriteSeed(folder, "push-empty", Req(0, ""));
  const std::string two = Push({{1, false}, {2, true}}, true);
  WriteSeed(folder, "push-two-signed", Req(kSeal, two));
  WriteSeed(folder, "push-again-duplicates", Join({Req(kSeal, two), Req(kSeal, two)}));
  WriteSeed(folder, "push-fork",
            Join({Req(kSeal, Push({{1, false}}, true)), Req(kSeal, Push({{1, false}}, true, 7))}));
  WriteSeed(folder, "push-gap", Req(kSeal, Push({{9, false}}, true)));
  WriteSeed(folder, "push-unsigned-tail", Req(kSeal, Push({{1, true}, {2, false}}, false)));
  WriteSeed(folder, "push-replay", Join({Req(kSeal, two), Req(kSeal | kReplay, two)}));
  WriteSeed(folder, "pull-skew", Req(1 | kSkew | kPast, pull.SerializeAsString()));

  // A 40-byte attachment in 16-byte chunks: announce, then put every chunk.
  const std::string file = "photo of the door, 40 bytes long........";
  v1::ChunkQuery query;
  auto* m = query.add_files();
  m->set_sha256(crypto::Sha256Hex(AsBytes(file)));
  m->set_size(file.size());
  m->set_media_type("image/jpeg");
  m->set_chunk_size(16);
  std::vector<std::string> puts;
  for (uint32_t i = 0; i * 16 < file.size(); ++i) {
    std::string chunk = file.substr(i * 16, 16);
    m->add_chunk_sha256(crypto::Sha256Hex(AsBytes(chunk)));
    v1::ChunkPut put;
    put.set_file_sha256(m->sha256());
    put.set_index(i);
    put.set_sealed(chunk);  // plaintext: sealed by the harness
    puts.push_back(Req(3 | kSeal, put.SerializeAsString()));
  }
  WriteSeed(folder, "chunks-whole-file",
            Join({Req(2, query.SerializeAsString()), puts[0], puts[1], puts[2]}));
  v1::ChunkPut bad;
  bad.set_file_sha256(m->sha256());
  bad.set_index(1);
  bad.set_sealed("not the chunk");
  WriteSeed(folder, "chunks-bad-chunk",
            Join({Req(2, query.SerializeAsString()), Req(3 | kSeal, bad.SerializeAsString())}));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (const char* folder = sweep::fuzz::SeedFolder()) {
    WriteSeeds(folder);
    std::_Exit(0);
  }
  HubFixture::Get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  HubFixture& fx = HubFixture::Get();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Session session;
  for (size_t n = 0; n < kMaxRequests && !input.empty(); ++n) {
    size_t end = input.find(kSeparator);
    std::string_view one = input.substr(0, end);
    if (!one.empty()) OneRequest(fx, session, one);
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + kSeparator.size());
  }
  return 0;
}
