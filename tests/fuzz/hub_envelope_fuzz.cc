// Fuzzes the hub's network entry points with raw bytes, as an HTTP body
// arrives: HubService::Enroll and HubService::Handle for every method.
//
// Input: byte 0 picks the entry point (Enroll, or Handle with "push", "pull",
// "chunks.query", "chunks.put", or an unknown method); the rest is the body.
// Bodies rarely get past the signature check (hub_request_fuzz covers what
// lies behind it); this target is about the envelope parse, the
// unknown-device and bad-signature paths, and enrollment.
//
// Invariants: no crash; every reply has a status in [200, 599]; Handle's
// replies are SignedResponses signed for the request they answer (or for
// none, when the envelope is unreadable), with a v1::Error inside when the
// status is not 200; Enroll's error replies are
// signed v1::Errors too, and it never accepts a request (no valid MAC).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub_fixture.h"
#include "sweep/v1/sync.pb.h"

namespace {

using sweep::fuzz::HubFixture;
using sweep::fuzz::Violation;
namespace v1 = sweep::v1;

constexpr const char* kMethods[] = {"push", "pull", "chunks.query", "chunks.put", "revoke"};

void WriteSeeds(const std::string& folder) {
  using sweep::fuzz::WriteSeed;
  // A well-formed envelope from the enrolled device with a wrong signature.
  v1::PushRequest push;
  auto* sv = push.add_versions();
  sv->set_seq(1);
  sv->set_record_id("0123456789abcdef0123456789abcdef");
  sv->set_version(1);
  sv->set_sealed(std::string(80, 'S'));
  v1::SignedRequest env;
  env.set_device_id(sweep::fuzz::kDeviceId);
  env.set_timestamp_ms(1'764'300'000'000);
  env.set_nonce(std::string(16, 'n'));
  env.set_method("push");
  env.set_body(push.SerializeAsString());
  env.set_signature(std::string(64, '\0'));
  WriteSeed(folder, "push-bad-signature", std::string(1, '\1') + env.SerializeAsString());

  v1::PullRequest pull;
  pull.set_limit(10);
  env.set_method("pull");
  env.set_body(pull.SerializeAsString());
  WriteSeed(folder, "pull-bad-signature", std::string(1, '\2') + env.SerializeAsString());

  env.set_device_id("ffffffffffffffffffffffffffffffff");
  WriteSeed(folder, "pull-unknown-device", std::string(1, '\2') + env.SerializeAsString());
  WriteSeed(folder, "method-mismatch", std::string(1, '\3') + env.SerializeAsString());

  v1::EnrollRequest enroll;
  enroll.set_code_id("\1\2\3\4\5\6\7\x08");
  enroll.set_device_id(std::string(32, 'd'));
  enroll.set_sign_pk(std::string(32, 'k'));
  enroll.set_box_pk(std::string(32, 'b'));
  enroll.set_officer_id(sweep::fuzz::kOfficerId);
  enroll.set_label("tablet 7");
  enroll.set_mac(std::string(32, 'm'));
  enroll.set_proof(std::string(64, 'p'));
  WriteSeed(folder, "enroll-bad-code", std::string(1, '\0') + enroll.SerializeAsString());
  WriteSeed(folder, "garbage", "\x04\x0a\xff\xff\xff\xff\x0f");
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
  if (size == 0) return 0;
  HubFixture& fx = HubFixture::Get();
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t pick = data[0] % 6;

  if (pick == 0) {
    sweep::hub::Reply reply = fx.service().Enroll(body);
    if (reply.status == 200) Violation("Enroll accepted a request with no valid code");
    sweep::fuzz::CheckSignedReply(fx, reply, "enroll", nullptr, true);
    return 0;
  }
  const char* method = kMethods[pick - 1];
  sweep::hub::Reply reply = fx.service().Handle(method, body);
  if (reply.status == 200) Violation(std::string("Handle(\"") + method + "\") accepted a forgery");
  // The hub binds its answer to the envelope when it could read one.
  v1::SignedRequest env;
  const bool parsed = env.ParseFromArray(body.data(), static_cast<int>(body.size()));
  sweep::fuzz::CheckSignedReply(fx, reply, method, parsed ? &env : nullptr, true);
  return 0;
}
