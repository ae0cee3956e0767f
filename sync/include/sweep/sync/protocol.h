// The sync protocol's shared rules (docs/protocol.md): the exact bytes that
// are signed and MACed, enrollment codes, limits and error codes. Used by the
// tablet's client and the hub's server alike so that both sides build the
// same transcripts. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sweep/schema/env.h"
#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::sync {

constexpr int kProtocolVersion = 1;
constexpr int64_t kMaxClockSkewMs = 5 * 60 * 1000;  // requests outside ±5 min are refused
constexpr size_t kNonceSize = 16;
constexpr size_t kMaxRequestBytes = 16u << 20;     // whole HTTP body
constexpr size_t kMaxPushVersions = 4096;          // per push request
constexpr uint32_t kChunkSize = 256u << 10;        // attachment chunk size
constexpr uint32_t kMaxPullLimit = 1000;

// Paths. Signed methods are POST /v1/<method with '.' as '/'>.
constexpr const char* kPathHealth = "/v1/health";
constexpr const char* kPathEnroll = "/v1/enroll";
std::string PathForMethod(std::string_view method);  // "chunks.put" -> "/v1/chunks/put"

// Error codes carried in v1::Error.code (docs/protocol.md "Errors").
namespace err {
constexpr const char* kMalformed = "malformed";          // 400 (other 4xx at HTTP level, 409 on
                                                         // a device id enrolled twice)
constexpr const char* kTooLarge = "too_large";           // 413
constexpr const char* kClockSkew = "clock_skew";         // 400: |device - hub| > 5 min
constexpr const char* kUnknownDevice = "unknown_device"; // 403
constexpr const char* kRevoked = "revoked";              // 403, wipe = true
constexpr const char* kBadSignature = "bad_signature";   // 401
constexpr const char* kReplay = "replay";                // 409: nonce seen before
constexpr const char* kBadCode = "bad_code";  // 403: unknown, expired, used, bad MAC or proof,
                                              // issued for another officer
constexpr const char* kGap = "gap";  // 409: first seq > acked + 1, or a concurrent push
constexpr const char* kFork = "fork";                    // 409: different version at a stored seq
constexpr const char* kBrokenChain = "broken_chain";     // 422: hashes do not link / content wrong
constexpr const char* kUnsigned = "unsigned_tail";       // 422: batch does not end on a signature
constexpr const char* kBadChunk = "bad_chunk";           // 422: chunk or whole-file hash mismatch
constexpr const char* kNotFound = "not_found";           // 404 / 405: no such path or file
constexpr const char* kForbidden = "forbidden";  // 403: the device's role may not do this
constexpr const char* kInternal = "internal";            // 500
}  // namespace err

// "sweep.req.v1" ‖ hub_id ‖ 0 ‖ method ‖ 0 ‖ device_id ‖ 0 ‖ u64be(ts) ‖ nonce ‖ H(body)
crypto::Bytes RequestTranscript(std::string_view hub_id, const v1::SignedRequest& req);
// "sweep.resp.v1" ‖ hub_id ‖ 0 ‖ device_id ‖ 0 ‖ method ‖ 0 ‖ nonce ‖ u32be(status) ‖ H(body)
// binds an answer to the request it answers: its device, method and nonce.
// Answers that belong to no request (HTTP-level errors, enrollment errors)
// use empty device_id, method and nonce, and a client MUST NOT act on them
// beyond reporting the error.
crypto::Bytes ResponseTranscript(std::string_view hub_id, std::string_view device_id,
                                 std::string_view method, crypto::ByteView request_nonce,
                                 uint32_t http_status, crypto::ByteView body);
// "sweep.enroll.v1" ‖ code_id ‖ device_id ‖ 0 ‖ sign_pk ‖ box_pk ‖ officer_id
crypto::Bytes EnrollTranscript(const v1::EnrollRequest& req);
// "sweep.enrolled.v1" ‖ mac ‖ body
crypto::Bytes EnrolledTranscript(crypto::ByteView mac, crypto::ByteView body);

// Builds and signs a request envelope.
v1::SignedRequest SignRequest(std::string_view hub_id, std::string_view method,
                              std::string_view device_id, const crypto::SecretBuffer& sign_sk,
                              const google::protobuf::MessageLite& body, Env* env);

// An enrollment code: a 10-byte one-time secret and the first 10 bytes of
// the hub's key fingerprint, written "SWP1-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX"
// (RFC 4648 base32, no padding, grouped by four; case and separators are
// ignored when read back).
struct EnrollCodeParts {
  crypto::Bytes secret;       // 10 bytes
  crypto::Bytes fingerprint;  // 10 bytes
};
std::string FormatEnrollCode(const EnrollCodeParts& parts);
Result<EnrollCodeParts> ParseEnrollCode(std::string_view text);
crypto::Bytes CodeId(crypto::ByteView secret);  // 8 bytes
crypto::Bytes HubFingerprint(crypto::ByteView sign_pk, crypto::ByteView box_pk);  // 10 bytes

// Sealing the versions of one push to the hub (docs/protocol.md §8): a fresh
// X25519 key pair per push, a shared key from crypto_box_beforenm, then
// XChaCha20-Poly1305 per version with the seq in the associated data.
class PushSealer {
 public:
  explicit PushSealer(crypto::ByteView hub_box_pk, Env* env);
  const crypto::Bytes& ephemeral_pk() const { return ephemeral_pk_; }
  bool ok() const { return !key_.empty(); }
  crypto::Bytes Seal(crypto::ByteView record, uint64_t seq) const;

 private:
  Env* env_;
  crypto::Bytes ephemeral_pk_;
  crypto::SecretBuffer key_;
};

class PushOpener {
 public:
  // Corruption if the ephemeral key is malformed.
  static Result<PushOpener> Create(crypto::ByteView ephemeral_pk,
                                   const crypto::SecretBuffer& hub_box_sk);
  Result<crypto::Bytes> Open(crypto::ByteView sealed, uint64_t seq) const;

 private:
  PushOpener(crypto::Bytes pk, crypto::SecretBuffer key)
      : ephemeral_pk_(std::move(pk)), key_(std::move(key)) {}
  crypto::Bytes ephemeral_pk_;
  crypto::SecretBuffer key_;
};

// Watchlist values: normalised the same way on hub and tablet ("id": the
// 18-character resident ID; "phone": E.164; "card": digits), then hashed as
// BLAKE2b-256(key = watchlist key, "sweep.watch.v1|" ‖ kind ‖ "|" ‖ value).
Result<std::string> NormalizeWatchValue(std::string_view kind, std::string_view value);
crypto::Bytes WatchHash(const crypto::SecretBuffer& key, std::string_view kind,
                        std::string_view normalized);

}  // namespace sweep::sync
