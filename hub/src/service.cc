// HubService: keys, admin operations, enrollment and the signed-request
// envelope (authentication, replay protection, revocation). The per-method
// handlers are in ingest.cc. See docs/protocol.md.
#include "sweep/hub/service.h"

#include <sodium.h>

#include <algorithm>

#include "request.h"
#include "sweep/sync/protocol.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;

namespace {
Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string ToString(ByteView b) { return std::string(b.begin(), b.end()); }

// The longest prefix of `s` of at most `max` bytes that ends on a whole
// UTF-8 character.
std::string TruncateUtf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

HubKeys NewHubKeys(Env* env) {
  HubKeys k;
  k.hub_id = NewRandomId(env);
  auto sign = crypto::NewSignKeyPair();
  auto box = crypto::NewBoxKeyPair();
  k.sign_pk.assign(sign.public_key.begin(), sign.public_key.end());
  k.sign_sk.assign(sign.secret_key.data(), sign.secret_key.data() + sign.secret_key.size());
  k.box_pk.assign(box.public_key.begin(), box.public_key.end());
  k.box_sk.assign(box.secret_key.data(), box.secret_key.data() + box.secret_key.size());
  k.watchlist_key.resize(32);
  env->RandomBytes(k.watchlist_key.data(), k.watchlist_key.size());
  return k;
}
}  // namespace

HubService::HubService(std::unique_ptr<HubStore> store, Env* env, HubKeys keys)
    : store_(std::move(store)),
      env_(env),
      keys_(std::move(keys)),
      sign_sk_(crypto::SecretBuffer::CopyOf(keys_.sign_sk)),
      box_sk_(crypto::SecretBuffer::CopyOf(keys_.box_sk)),
      watchlist_key_(crypto::SecretBuffer::CopyOf(keys_.watchlist_key)),
      agency_keys_(AgencyKeys::Derive(box_sk_)) {
  // Only the guarded copies are used from here on.
  sodium_memzero(keys_.sign_sk.data(), keys_.sign_sk.size());
  sodium_memzero(keys_.box_sk.data(), keys_.box_sk.size());
  sodium_memzero(keys_.watchlist_key.data(), keys_.watchlist_key.size());
  keys_.sign_sk.clear();
  keys_.box_sk.clear();
  keys_.watchlist_key.clear();
}

Result<std::unique_ptr<HubService>> HubService::Open(std::unique_ptr<HubStore> store, Env* env) {
  crypto::Init();
  SWEEP_ASSIGN_OR_RETURN(auto existing, store->LoadHubKeys());
  HubKeys keys;
  if (existing) {
    keys = std::move(*existing);
  } else {
    keys = NewHubKeys(env);
    SWEEP_RETURN_IF_ERROR(store->SaveHubKeys(keys));
  }
  if (keys.sign_sk.size() != crypto::kSignSecretKeySize ||
      keys.box_sk.size() != crypto::kBoxSecretKeySize || keys.watchlist_key.size() != 32) {
    return Status::Corruption("the hub's stored keys have the wrong sizes");
  }
  return std::unique_ptr<HubService>(new HubService(std::move(store), env, std::move(keys)));
}

std::string HubService::Fingerprint() const {
  return crypto::ToHex(sync::HubFingerprint(keys_.sign_pk, keys_.box_pk));
}

// ------------------------------------------------------------------ admin

Result<std::string> HubService::CreateEnrollCode(const std::string& officer_id,
                                                 const std::string& agency,
                                                 const std::string& role, int64_t ttl_ms) {
  if (officer_id.empty()) return Status::InvalidArgument("--officer is required");
  static const char* kAgencies[] = {"police", "market_regulation", "tax", "commerce"};
  static const char* kRoles[] = {"officer", "supervisor", "regulator", "admin"};
  if (std::find(std::begin(kAgencies), std::end(kAgencies), agency) == std::end(kAgencies)) {
    return Status::InvalidArgument("unknown agency '" + agency +
                                   "': use police, market_regulation, tax or commerce");
  }
  if (std::find(std::begin(kRoles), std::end(kRoles), role) == std::end(kRoles)) {
    return Status::InvalidArgument("unknown role '" + role +
                                   "': use officer, supervisor, regulator or admin");
  }
  // A regulator belongs to another agency; every police role to the police.
  if ((role == "regulator") != (agency != "police")) {
    return Status::InvalidArgument(
        role == "regulator" ? "a regulator belongs to market_regulation, tax or commerce: give "
                              "--agency"
                            : "role " + role + " with agency " + agency +
                                  " is not one Sweep knows: other agencies' staff enroll with "
                                  "--role regulator");
  }
  if (ttl_ms <= 0 || ttl_ms > 30LL * 24 * 3600 * 1000) {
    return Status::InvalidArgument("a code must expire within 30 days");
  }
  sync::EnrollCodeParts parts;
  parts.secret.resize(10);
  env_->RandomBytes(parts.secret.data(), parts.secret.size());
  parts.fingerprint = sync::HubFingerprint(keys_.sign_pk, keys_.box_pk);
  EnrollCode code;
  code.code_id = sync::CodeId(parts.secret);
  code.secret = parts.secret;
  code.officer_id = officer_id;
  code.agency = agency;
  code.role = role;
  code.created_ms = env_->NowMillis();
  code.expires_ms = code.created_ms + ttl_ms;
  SWEEP_RETURN_IF_ERROR(store_->AddEnrollCode(code));
  return sync::FormatEnrollCode(parts);
}

Result<std::vector<Device>> HubService::Devices() { return store_->ListDevices(); }

Status HubService::Revoke(const std::string& device_id, const std::string& reason) {
  SWEEP_RETURN_IF_ERROR(store_->RevokeDevice(device_id, reason, env_->NowMillis()));
  return store_->AddAlert({env_->NowMillis(), device_id, "revoked", reason});
}

Status HubService::WatchlistAdd(const std::string& kind, const std::string& value,
                                const std::string& level, const std::string& note) {
  if (level != "alert" && level != "notice") {
    return Status::InvalidArgument("watchlist level must be alert or notice");
  }
  SWEEP_ASSIGN_OR_RETURN(std::string normal, sync::NormalizeWatchValue(kind, value));
  v1::WatchlistEntry e;
  e.set_kind(kind);
  e.set_hash(ToString(sync::WatchHash(watchlist_key_, kind, normal)));
  e.set_level(level);
  e.set_note(note);
  FeedItemRow item{0, "all", "watchlist", crypto::ToHex(AsBytes(e.hash())), false,
                   ToBytes(e.SerializeAsString())};
  return store_->AppendFeed(item).status();
}

Status HubService::WatchlistRemove(const std::string& kind, const std::string& value) {
  SWEEP_ASSIGN_OR_RETURN(std::string normal, sync::NormalizeWatchValue(kind, value));
  Bytes hash = sync::WatchHash(watchlist_key_, kind, normal);
  FeedItemRow item{0, "all", "watchlist", crypto::ToHex(hash), true, {}};
  return store_->AppendFeed(item).status();
}

Result<std::vector<Alert>> HubService::Alerts() { return store_->ListAlerts(); }

// ------------------------------------------------------------------ replies

HubService::ReplyTo HubService::To(const Request& r) {
  return {r.envelope.device_id(), r.envelope.method(), r.envelope.nonce()};
}

Reply HubService::Signed(ReplyTo to, int status, const std::string& body,
                         const std::string& error_code) {
  v1::SignedResponse resp;
  resp.set_body(body);
  auto sig = crypto::Sign(sign_sk_, sync::ResponseTranscript(keys_.hub_id, to.device_id, to.method,
                                                             AsBytes(to.nonce),
                                                             static_cast<uint32_t>(status),
                                                             AsBytes(body)));
  resp.set_signature(std::string(sig.begin(), sig.end()));
  return {status, resp.SerializeAsString(), error_code, std::string(to.device_id)};
}

Reply HubService::Fail(ReplyTo to, int status, const std::string& code,
                       const std::string& message) {
  v1::Error e;
  e.set_code(code);
  e.set_message(message);
  e.set_hub_time_ms(env_->NowMillis());
  e.set_wipe(code == sync::err::kRevoked);
  return Signed(to, status, e.SerializeAsString(), code);
}

Reply HubService::HttpError(int status) {
  if (status == 413) {
    return Fail(ReplyTo{}, 413, sync::err::kTooLarge,
                "the request is larger than the hub accepts (" +
                    std::to_string(sync::kMaxRequestBytes >> 20) + " MiB)");
  }
  if (status == 404 || status == 405) {
    return Fail(ReplyTo{}, status, sync::err::kNotFound, "no such path on a Sweep hub");
  }
  return Fail(ReplyTo{}, status, status >= 500 ? sync::err::kInternal : sync::err::kMalformed,
              "the request could not be served (HTTP " + std::to_string(status) + ")");
}

// ------------------------------------------------------------------ enrollment

Reply HubService::Enroll(std::string_view body) {
  v1::EnrollRequest req;
  if (body.size() > 64 * 1024 || !req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Fail(ReplyTo{}, 400, sync::err::kMalformed, "the enrollment request is not a valid message");
  }
  if (req.device_id().size() != 32 || req.sign_pk().size() != crypto::kSignPublicKeySize ||
      req.box_pk().size() != crypto::kBoxPublicKeySize || req.mac().size() != 32) {
    return Fail(ReplyTo{}, 400, sync::err::kMalformed,
                "the enrollment request has a field of the wrong size");
  }
  const char* bad_code = "this enrollment code is not valid: ask the station for a new one";
  auto code = store_->GetEnrollCode(ToBytes(req.code_id()));
  if (!code.ok()) return Fail(ReplyTo{}, 403, sync::err::kBadCode, bad_code);
  Bytes transcript = sync::EnrollTranscript(req);
  auto secret = crypto::SecretBuffer::CopyOf(code->secret);
  auto mac = crypto::KeyedHash(secret, {transcript});
  if (!crypto::Equal(mac, AsBytes(req.mac())) ||
      !crypto::VerifySignature(AsBytes(req.sign_pk()), transcript, AsBytes(req.proof()))) {
    return Fail(ReplyTo{}, 403, sync::err::kBadCode, bad_code);
  }
  int64_t now = env_->NowMillis();
  if (code->used_ms != 0) {
    // The same tablet asking again (its first answer was lost) gets the same
    // answer; anyone else is refused.
    auto existing = store_->GetDevice(req.device_id());
    if (code->used_by == req.device_id() && existing.ok() &&
        crypto::Equal(existing->sign_pk, AsBytes(req.sign_pk())) &&
        crypto::Equal(existing->box_pk, AsBytes(req.box_pk()))) {
      return Enrolled(*existing, AsBytes(req.mac()));
    }
    return Fail(ReplyTo{}, 403, sync::err::kBadCode, "this enrollment code was already used");
  }
  if (now > code->expires_ms) {
    return Fail(ReplyTo{}, 403, sync::err::kBadCode, "this enrollment code has expired");
  }
  if (req.officer_id() != code->officer_id) {
    return Fail(ReplyTo{}, 403, sync::err::kBadCode,
                "this code was issued for another officer: sign in as that officer or ask for a "
                "code for " + req.officer_id());
  }
  Device d;
  d.device_id = req.device_id();
  d.officer_id = code->officer_id;
  d.agency = code->agency;
  d.role = code->role;
  d.label = TruncateUtf8(req.label(), 200);
  d.sign_pk = ToBytes(req.sign_pk());
  d.box_pk = ToBytes(req.box_pk());
  d.enrolled_ms = now;
  d.acked_hash.assign(32, 0);
  Status st = store_->ConsumeCodeAddDevice(code->code_id, now, d);
  if (st.code() == Code::kConflict) {
    return Fail(ReplyTo{}, 403, sync::err::kBadCode, "this enrollment code was already used");
  }
  if (st.code() == Code::kAlreadyExists) {
    return Fail(ReplyTo{}, 409, sync::err::kMalformed, "a device with this id is already enrolled");
  }
  if (!st.ok()) return Fail(ReplyTo{}, 500, sync::err::kInternal, st.message());
  return Enrolled(d, AsBytes(req.mac()));
}

Reply HubService::Enrolled(const Device& d, ByteView mac) {
  v1::EnrollResponse resp;
  resp.set_hub_id(keys_.hub_id);
  resp.set_hub_sign_pk(ToString(keys_.sign_pk));
  resp.set_hub_box_pk(ToString(keys_.box_pk));
  resp.set_officer_id(d.officer_id);
  resp.set_agency(d.agency);
  resp.set_role(d.role);
  resp.set_hub_time_ms(env_->NowMillis());
  // A regulator's tablet gets no watchlist (it would reveal whom the
  // police suspect), hence no key to hash identifiers with.
  if (d.role != "regulator") {
    resp.set_watchlist_key(ToString(crypto::BoxSeal(watchlist_key_.view(), d.box_pk)));
  }
  for (const auto& [agency, pk] : agency_keys_.Public()) {
    v1::AgencyKey* k = resp.add_agency_keys();
    k->set_agency(agency);
    k->set_public_key(std::string(pk.begin(), pk.end()));
  }
  if (const crypto::BoxKeyPair* own = agency_keys_.Of(d.agency)) {
    resp.set_agency_sk(ToString(crypto::BoxSeal(own->secret_key.view(), d.box_pk)));
  }
  v1::SignedEnrollResponse out;
  out.set_body(resp.SerializeAsString());
  auto sig = crypto::Sign(sign_sk_, sync::EnrolledTranscript(mac, AsBytes(out.body())));
  out.set_signature(std::string(sig.begin(), sig.end()));
  return {200, out.SerializeAsString(), "", d.device_id};
}

// ------------------------------------------------------------------ envelope

Reply HubService::Handle(std::string_view method, std::string_view body) {
  Request r;
  if (body.size() > sync::kMaxRequestBytes) {
    return Fail(ReplyTo{}, 413, sync::err::kTooLarge, "request larger than the hub accepts");
  }
  if (!r.envelope.ParseFromArray(body.data(), static_cast<int>(body.size())) ||
      r.envelope.nonce().size() != sync::kNonceSize || r.envelope.signature().size() != 64) {
    return Fail(ReplyTo{}, 400, sync::err::kMalformed, "the request is not a valid signed envelope");
  }
  if (r.envelope.method() != method) {
    return Fail(r, 400, sync::err::kMalformed, "the envelope's method does not match the path");
  }
  auto device = store_->GetDevice(r.envelope.device_id());
  if (!device.ok() && device.status().code() != Code::kNotFound) {
    return Fail(r, 500, sync::err::kInternal, "the hub cannot read its device list");
  }
  if (!device.ok()) {
    return Fail(r, 403, sync::err::kUnknownDevice,
                "this tablet is not enrolled at this hub: enroll it with a code from the station");
  }
  r.device = std::move(device).value();
  const std::string& id = r.device.device_id;
  if (!crypto::VerifySignature(r.device.sign_pk, sync::RequestTranscript(keys_.hub_id, r.envelope),
                               AsBytes(r.envelope.signature()))) {
    (void)store_->AddAlert({env_->NowMillis(), id, "bad_signature", "request " + std::string(method)});
    return Fail(r, 401, sync::err::kBadSignature, "the request signature does not verify");
  }
  int64_t now = env_->NowMillis();
  if (r.device.status == "revoked") {
    (void)store_->AddAlert({now, id, "revoked_contact", "refused and told to wipe"});
    return Fail(r, 403, sync::err::kRevoked,
                "this tablet was revoked (" + r.device.revoke_reason +
                    "): it must wipe its store and be re-enrolled");
  }
  int64_t ts = r.envelope.timestamp_ms();  // compared without subtracting: no overflow
  if (ts < now - sync::kMaxClockSkewMs || ts > now + sync::kMaxClockSkewMs) {
    double minutes = (static_cast<double>(ts) - static_cast<double>(now)) / 60000.0;
    return Fail(r, 400, sync::err::kClockSkew,
                "the tablet's clock is off by " + std::to_string(static_cast<long long>(minutes)) +
                    " min: set the date and time and sync again");
  }
  auto fresh =
      store_->AcceptRequest(id, ToBytes(r.nonce()), now + 2 * sync::kMaxClockSkewMs, now);
  if (!fresh.ok()) return Fail(r, 500, sync::err::kInternal, fresh.status().message());
  if (!*fresh) {
    (void)store_->AddAlert({now, id, "replay", "request " + std::string(method)});
    return Fail(r, 409, sync::err::kReplay, "this request was already received (replay)");
  }
  if (requests_.fetch_add(1) % 512 == 0) (void)store_->ForgetNonces(now);  // keep the table small
  if (method == "push") return Push(r);
  if (method == "pull") return Pull(r);
  if (method == "views") return Views(r);
  if (method == "chunks.query") return ChunksQuery(r);
  if (method == "chunks.put") return ChunksPut(r);
  return Fail(r, 404, sync::err::kNotFound, "no such method");
}

}  // namespace sweep::hub
