#include "sweep/sync/protocol.h"

#include <array>
#include <cstring>

#include <sodium.h>

#include "sweep/schema/identifiers.h"

namespace sweep::sync {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;

namespace {

void Append(Bytes* out, ByteView b) { out->insert(out->end(), b.begin(), b.end()); }
void Append(Bytes* out, std::string_view s) { Append(out, AsBytes(s)); }
void AppendU64(Bytes* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void AppendU32(Bytes* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string Base32(ByteView in) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : in) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<Bytes> FromBase32(std::string_view in) {
  Bytes out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const char* p = c ? std::strchr(kBase32, c) : nullptr;
    if (p == nullptr) {
      return Status::InvalidArgument(std::string("enrollment code has a character that cannot be "
                                                 "in it: '") + c + "' (codes use A-Z and 2-7)");
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(p - kBase32);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  return out;
}

}  // namespace

std::string PathForMethod(std::string_view method) {
  std::string path = "/v1/";
  for (char c : method) path.push_back(c == '.' ? '/' : c);
  return path;
}

Bytes RequestTranscript(std::string_view hub_id, const v1::SignedRequest& req) {
  Bytes t;
  Append(&t, "sweep.req.v1");
  Append(&t, hub_id);
  t.push_back(0);
  Append(&t, req.method());
  t.push_back(0);
  Append(&t, req.device_id());
  t.push_back(0);
  AppendU64(&t, static_cast<uint64_t>(req.timestamp_ms()));
  Append(&t, AsBytes(req.nonce()));
  auto h = crypto::Hash({AsBytes(req.body())});
  Append(&t, h);
  return t;
}

Bytes ResponseTranscript(std::string_view hub_id, std::string_view device_id,
                         std::string_view method, ByteView nonce, uint32_t status, ByteView body) {
  Bytes t;
  Append(&t, "sweep.resp.v1");
  Append(&t, hub_id);
  t.push_back(0);
  Append(&t, device_id);
  t.push_back(0);
  Append(&t, method);
  t.push_back(0);
  Append(&t, nonce);
  AppendU32(&t, status);
  auto h = crypto::Hash({body});
  Append(&t, h);
  return t;
}

Bytes EnrollTranscript(const v1::EnrollRequest& req) {
  Bytes t;
  Append(&t, "sweep.enroll.v1");
  Append(&t, AsBytes(req.code_id()));
  Append(&t, req.device_id());
  t.push_back(0);
  Append(&t, AsBytes(req.sign_pk()));
  Append(&t, AsBytes(req.box_pk()));
  Append(&t, req.officer_id());
  return t;
}

Bytes EnrolledTranscript(ByteView mac, ByteView body) {
  Bytes t;
  Append(&t, "sweep.enrolled.v1");
  Append(&t, mac);
  Append(&t, body);
  return t;
}

v1::SignedRequest SignRequest(std::string_view hub_id, std::string_view method,
                              std::string_view device_id, const crypto::SecretBuffer& sign_sk,
                              const google::protobuf::MessageLite& body, Env* env) {
  v1::SignedRequest req;
  req.set_device_id(std::string(device_id));
  req.set_timestamp_ms(env->NowMillis());
  std::string nonce(kNonceSize, '\0');
  env->RandomBytes(nonce.data(), nonce.size());
  req.set_nonce(nonce);
  req.set_method(std::string(method));
  req.set_body(body.SerializeAsString());
  auto sig = crypto::Sign(sign_sk, RequestTranscript(hub_id, req));
  req.set_signature(std::string(sig.begin(), sig.end()));
  return req;
}

std::string FormatEnrollCode(const EnrollCodeParts& parts) {
  Bytes all = parts.secret;
  all.insert(all.end(), parts.fingerprint.begin(), parts.fingerprint.end());
  std::string b32 = Base32(all);
  std::string out = "SWP1";
  for (size_t i = 0; i < b32.size(); i += 4) out += "-" + b32.substr(i, 4);
  return out;
}

Result<EnrollCodeParts> ParseEnrollCode(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != '-' && c != ' ') compact.push_back(c);
  }
  if (compact.size() < 4 || (compact.compare(0, 4, "SWP1") != 0 &&
                             compact.compare(0, 4, "swp1") != 0)) {
    return Status::InvalidArgument("not a Sweep enrollment code: it should start with SWP1-");
  }
  SWEEP_ASSIGN_OR_RETURN(Bytes raw, FromBase32(std::string_view(compact).substr(4)));
  if (compact.size() - 4 != 32 || raw.size() != 20) {
    return Status::InvalidArgument("enrollment code has " + std::to_string(compact.size() - 4) +
                                   " characters after SWP1, expected 32: check it was copied whole");
  }
  EnrollCodeParts parts;
  parts.secret.assign(raw.begin(), raw.begin() + 10);
  parts.fingerprint.assign(raw.begin() + 10, raw.end());
  return parts;
}

Bytes CodeId(ByteView secret) {
  auto h = crypto::Hash({AsBytes("sweep.code.v1"), secret});
  return Bytes(h.begin(), h.begin() + 8);
}

Bytes HubFingerprint(ByteView sign_pk, ByteView box_pk) {
  auto h = crypto::Hash({AsBytes("sweep.hubfp.v1"), sign_pk, box_pk});
  return Bytes(h.begin(), h.begin() + 10);
}

namespace {
Bytes PushAd(ByteView ephemeral_pk, uint64_t seq) {
  Bytes ad;
  Append(&ad, "sweep.push.v1");
  Append(&ad, ephemeral_pk);
  AppendU64(&ad, seq);
  return ad;
}
}  // namespace

PushSealer::PushSealer(ByteView hub_box_pk, Env* env) : env_(env) {
  auto eph = crypto::NewBoxKeyPair();
  ephemeral_pk_.assign(eph.public_key.begin(), eph.public_key.end());
  crypto::SecretBuffer key(crypto_box_BEFORENMBYTES);
  if (hub_box_pk.size() == crypto_box_PUBLICKEYBYTES &&
      crypto_box_beforenm(key.data(), hub_box_pk.data(), eph.secret_key.data()) == 0) {
    key_ = std::move(key);
  }
}

Bytes PushSealer::Seal(ByteView record, uint64_t seq) const {
  return crypto::AeadSeal(key_, record, PushAd(ephemeral_pk_, seq), env_);
}

Result<PushOpener> PushOpener::Create(ByteView ephemeral_pk, const crypto::SecretBuffer& sk) {
  crypto::SecretBuffer key(crypto_box_BEFORENMBYTES);
  if (ephemeral_pk.size() != crypto_box_PUBLICKEYBYTES ||
      crypto_box_beforenm(key.data(), ephemeral_pk.data(), sk.data()) != 0) {
    return Status::Corruption("the push's ephemeral key is not a valid X25519 public key");
  }
  return PushOpener(Bytes(ephemeral_pk.begin(), ephemeral_pk.end()), std::move(key));
}

Result<Bytes> PushOpener::Open(ByteView sealed, uint64_t seq) const {
  return crypto::AeadOpen(key_, sealed, PushAd(ephemeral_pk_, seq));
}

Result<std::string> NormalizeWatchValue(std::string_view kind, std::string_view value) {
  schema::Verdict v;
  if (kind == "id") {
    v = schema::CheckResidentId(value);
  } else if (kind == "phone") {
    v = schema::CheckPhone(value);
  } else if (kind == "card") {
    v = schema::CheckBankCard(value);
  } else {
    return Status::InvalidArgument("watchlist kind must be id, phone or card, not '" +
                                   std::string(kind) + "'");
  }
  if (!v.ok()) {
    return Status::InvalidArgument("watchlist " + std::string(kind) + " '" + std::string(value) +
                                   "' is not valid: " + v.reason);
  }
  return v.normalized.empty() ? schema::NormalizeIdentifierInput(value) : v.normalized;
}

Bytes WatchHash(const crypto::SecretBuffer& key, std::string_view kind, std::string_view normal) {
  auto h = crypto::KeyedHash(key, {AsBytes("sweep.watch.v1|"), AsBytes(kind), AsBytes("|"),
                                   AsBytes(normal)});
  return Bytes(h.begin(), h.end());
}

}  // namespace sweep::sync
