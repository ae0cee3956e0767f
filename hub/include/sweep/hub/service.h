// The hub's sync service: enrollment, authenticated requests (push, pull,
// attachment chunks), revocation, and the admin operations behind the
// sweep-hub commands. Knows nothing of HTTP (server.h maps it) and nothing of
// SQL (HubStore). Thread-safe: the store serialises writes, and the service
// holds only immutable keys after Open.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/hub/agency_keys.h"
#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/sync/crypto.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub {

// What to send back: an HTTP status and a serialised response.
struct Reply {
  int status = 200;
  std::string body;
  std::string error_code;  // for logs: the v1::Error code when status >= 400
  std::string device_id;   // for logs, when known
};

class HubService {
 public:
  // Loads the hub's keys from the store, creating them on first use.
  static Result<std::unique_ptr<HubService>> Open(std::unique_ptr<HubStore> store, Env* env);

  // ---- admin (sweep-hub commands)
  // A one-time enrollment code for an officer's tablet, valid for ttl_ms.
  Result<std::string> CreateEnrollCode(const std::string& officer_id, const std::string& agency,
                                       const std::string& role, int64_t ttl_ms);
  Result<std::vector<Device>> Devices();
  // Revokes the device: its next contact is refused and told to wipe.
  Status Revoke(const std::string& device_id, const std::string& reason);
  // Watchlist entries go to every tablet as keyed hashes only.
  Status WatchlistAdd(const std::string& kind, const std::string& value, const std::string& level,
                      const std::string& note);
  Status WatchlistRemove(const std::string& kind, const std::string& value);
  Result<std::vector<Alert>> Alerts();
  HubStore* store() { return store_.get(); }
  Env* env() { return env_; }
  // Called after every push that stored new versions, on the serving
  // thread, after the commit (LedgerService::Notify). Set it before serving;
  // it must return at once.
  void SetIngestListener(std::function<void()> listener) { on_ingest_ = std::move(listener); }
  std::string Fingerprint() const;  // hex, as carried in enrollment codes
  const std::string& hub_id() const { return keys_.hub_id; }
  // Every agency's section keys (sync/sections.h), derived from the hub's.
  const AgencyKeys& agency_keys() const { return agency_keys_; }

  // ---- network (server.cc)
  Reply Enroll(std::string_view body);
  // A SignedRequest arriving on the path of `method`.
  Reply Handle(std::string_view method, std::string_view body);

  // An error answer outside any request (HTTP-level: too large, no route).
  Reply HttpError(int status);

  class Request;  // private: one verified request being served

 private:
  HubService(std::unique_ptr<HubStore> store, Env* env, HubKeys keys);
  Reply Enrolled(const Device& device, crypto::ByteView mac);
  Reply Push(Request& r);
  // Push helpers: an error reply, or nullopt when the version is acceptable.
  std::optional<Reply> CheckStored(Request& r, const v1::SealedVersion& sv,
                                   const crypto::Bytes& plain);
  std::optional<Reply> CheckFresh(Request& r, const v1::SealedVersion& sv, crypto::Bytes plain,
                                  const std::array<uint8_t, 32>& prev, StoredVersion* out);
  Reply Pull(Request& r);
  // A tablet's view log (ingest_views.cc, docs/protocol.md §16).
  Reply Views(Request& r);
  Reply ChunksQuery(Request& r);
  Reply ChunksPut(Request& r);
  Result<bool> CompleteFile(const FileRow& file);
  // Whom an answer is for: the device, method and nonce of the request it
  // answers, all empty for answers that belong to no verified request.
  struct ReplyTo {
    std::string_view device_id, method, nonce;
  };
  static ReplyTo To(const Request& r);
  Reply Signed(ReplyTo to, int status, const std::string& body, const std::string& error_code = "");
  Reply Fail(ReplyTo to, int status, const std::string& code, const std::string& message);
  Reply Signed(const Request& r, int status, const std::string& body) {
    return Signed(To(r), status, body);
  }
  Reply Fail(const Request& r, int status, const std::string& code, const std::string& message) {
    return Fail(To(r), status, code, message);
  }

  std::unique_ptr<HubStore> store_;
  Env* env_;
  HubKeys keys_;
  crypto::SecretBuffer sign_sk_, box_sk_, watchlist_key_;
  AgencyKeys agency_keys_;  // derived from box_sk_ (sync/sections.h)
  std::atomic<uint64_t> requests_{0};
  std::function<void()> on_ingest_;
};

}  // namespace sweep::hub
