// The store's side of sync: enrollment and the pinned hub, signing requests,
// the outbox and the synced mark, the pulled feed (watchlist, commands) and
// offline watchlist hits. See docs/protocol.md.
#include <sodium.h>

#include <algorithm>
#include <optional>

#include "store_impl.h"
#include "sweep/sync/chain.h"
#include "sweep/sync/protocol.h"
#include "sweep/sync/roles.h"
#include "sweep/sync/sections.h"

namespace sweep::field {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;

namespace {
std::string Str(ByteView b) { return std::string(b.begin(), b.end()); }
}  // namespace

Result<v1::EnrollRequest> Store::BuildEnrollRequest(const Bytes& secret, const std::string& label) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  v1::EnrollRequest req;
  req.set_code_id(Str(sync::CodeId(secret)));
  req.set_device_id(s->device_id);
  req.set_sign_pk(Str(s->sign_pk));
  SWEEP_ASSIGN_OR_RETURN(Bytes box_pk, s->MetaBlob("box_pk"));
  req.set_box_pk(Str(box_pk));
  req.set_officer_id(s->officer_id);
  req.set_label(label);
  Bytes transcript = sync::EnrollTranscript(req);
  auto key = crypto::SecretBuffer::CopyOf(secret);
  auto mac = crypto::KeyedHash(key, {transcript});
  req.set_mac(Str(mac));
  auto proof = crypto::Sign(s->keys->sign_sk, transcript);
  req.set_proof(Str(proof));
  return req;
}

namespace {

// The enrolled agency's section key (docs/protocol.md "Agency sections"),
// opened with the device's box key and checked against the public key the
// hub lists for it; nullopt from a hub that gives no agency keys (older).
Result<std::optional<crypto::SecretBuffer>> OpenAgencyKey(const v1::EnrollResponse& resp,
                                                         ByteView box_pk,
                                                         const crypto::SecretBuffer& box_sk) {
  const std::string* own_pk = nullptr;
  for (const v1::AgencyKey& k : resp.agency_keys()) {
    if (!sync::sections::IsAgency(k.agency()) ||
        k.public_key().size() != crypto::kBoxPublicKeySize) {
      return Status::Unauthorized("the hub's section key for agency '" + k.agency() +
                                  "' is not an X25519 key of a known agency: the hub runs a "
                                  "version this tablet does not understand");
    }
    if (k.agency() == resp.agency()) own_pk = &k.public_key();
  }
  if (resp.agency_sk().empty()) {
    if (resp.agency_keys_size() > 0) {
      return Status::Unauthorized("the hub lists agency keys but gives this tablet none for its "
                                  "agency '" + resp.agency() + "'");
    }
    return std::optional<crypto::SecretBuffer>();
  }
  auto sk = crypto::BoxSealOpen(AsBytes(resp.agency_sk()), box_pk, box_sk);
  if (!sk.ok() || sk->size() != crypto::kBoxSecretKeySize) {
    return Status::Unauthorized("the hub's section key for agency '" + resp.agency() +
                                "' does not open with this tablet's key");
  }
  auto out = crypto::SecretBuffer::CopyOf(*sk);
  sodium_memzero(sk->data(), sk->size());
  auto pk = crypto::BoxPublicKey(out);
  if (own_pk == nullptr || !crypto::Equal(pk, AsBytes(*own_pk))) {
    return Status::Unauthorized("the hub's section key for agency '" + resp.agency() +
                                "' does not match the public key it lists for that agency");
  }
  return std::optional<crypto::SecretBuffer>(std::move(out));
}

// Every version already on the tablet goes to this hub at the next sync:
// each must be one the enrolled role may record (or the hub refuses it and
// the chain stops there), and sealed sections must open at this hub (keys
// are derived from the hub's own key: another hub cannot open them).
Status CheckRecordsFor(Store::Impl* s, const v1::EnrollResponse& resp) {
  SWEEP_ASSIGN_OR_RETURN(auto pinned, s->SealedMeta("hub_enrollment"));
  bool same_hub = false;
  if (pinned) {
    v1::EnrollResponse before;
    same_hub = before.ParseFromArray(pinned->data(), static_cast<int>(pinned->size())) &&
               before.hub_box_pk() == resp.hub_box_pk();
  }
  SWEEP_ASSIGN_OR_RETURN(
      auto st, s->db->Prepare("SELECT seq, record_id, version, sealed FROM versions ORDER BY seq"));
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const std::string record_id = st.Text(1);
    SWEEP_ASSIGN_OR_RETURN(Bytes plain, OpenVersionBytes(s, static_cast<uint64_t>(st.Int(0)),
                                                         record_id,
                                                         static_cast<uint64_t>(st.Int(2)),
                                                         st.Blob(3)));
    v1::Record rec;
    bool parsed = rec.ParseFromArray(plain.data(), static_cast<int>(plain.size()));
    sodium_memzero(plain.data(), plain.size());
    if (!parsed) return Status::Corruption("record " + record_id + " does not parse");
    if (Status may = sync::roles::MayRecord(resp.role(), rec); !may.ok()) {
      return Status::Unauthorized(
          "this tablet holds record " + record_id + ", which a tablet enrolled as " +
          resp.role() + " may not send (" + may.message() +
          "): the hub would refuse it and every later version. Enroll with a code for a role "
          "that may record it, or enroll a fresh store");
    }
    if (!same_hub && rec.has_office_sweep() && rec.office_sweep().sections_size() > 0) {
      return Status::Unauthorized(
          "this tablet holds sealed agency sections from the hub it was enrolled with before "
          "(record " + record_id + "); another hub cannot open them and would refuse the "
          "chain. Sync with the earlier hub, then enroll a fresh store");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Store::CompleteEnrollment(const std::string& url, const v1::EnrollRequest& sent,
                                 const v1::SignedEnrollResponse& answer, const Bytes& fingerprint) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  v1::EnrollResponse resp;
  if (!resp.ParseFromString(answer.body())) {
    return Status::Unauthorized("the hub's enrollment answer is not a valid message");
  }
  Bytes fp = sync::HubFingerprint(AsBytes(resp.hub_sign_pk()), AsBytes(resp.hub_box_pk()));
  if (!crypto::Equal(fp, fingerprint)) {
    return Status::Unauthorized(
        "the hub at " + url + " is not the hub that issued this code (its key fingerprint " +
        crypto::ToHex(fp) + " differs from the code's " + crypto::ToHex(fingerprint) +
        "): check the address, or someone is in between");
  }
  if (!crypto::VerifySignature(AsBytes(resp.hub_sign_pk()),
                               sync::EnrolledTranscript(AsBytes(sent.mac()), AsBytes(answer.body())),
                               AsBytes(answer.signature()))) {
    return Status::Unauthorized("the hub's enrollment answer is not signed by the hub's key");
  }
  SWEEP_ASSIGN_OR_RETURN(Bytes box_pk, s->MetaBlob("box_pk"));
  // A regulator's tablet gets no watchlist, hence no key (empty).
  std::optional<crypto::SecretBuffer> watchlist_key;
  if (!resp.watchlist_key().empty()) {
    auto wk = crypto::BoxSealOpen(AsBytes(resp.watchlist_key()), box_pk, s->keys->box_sk);
    if (!wk.ok() || wk->size() != 32) {
      return Status::Unauthorized("the hub's watchlist key does not open with this tablet's key");
    }
    watchlist_key = crypto::SecretBuffer::CopyOf(*wk);
    sodium_memzero(wk->data(), wk->size());
  }
  SWEEP_ASSIGN_OR_RETURN(std::optional<crypto::SecretBuffer> agency_sk,
                         OpenAgencyKey(resp, box_pk, s->keys->box_sk));
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_RETURN_IF_ERROR(CheckRecordsFor(s, resp));
  SWEEP_RETURN_IF_ERROR(s->SetSealedMeta("hub_enrollment", AsBytes(answer.body())));
  SWEEP_RETURN_IF_ERROR(s->SetSealedMeta("hub_url", AsBytes(url)));
  // Keys from an earlier enrollment that this one does not give are dropped.
  SWEEP_RETURN_IF_ERROR(s->db->Exec(
      "DELETE FROM meta WHERE key IN ('watchlist_key', 'agency_sk')"));
  if (watchlist_key) SWEEP_RETURN_IF_ERROR(s->SetSealedMeta("watchlist_key", watchlist_key->view()));
  if (agency_sk) SWEEP_RETURN_IF_ERROR(s->SetSealedMeta("agency_sk", agency_sk->view()));
  SWEEP_RETURN_IF_ERROR(s->SetMeta("synced_seq", "0"));
  SWEEP_RETURN_IF_ERROR(s->SetMeta("pull_cursor", "0"));
  SWEEP_RETURN_IF_ERROR(s->db->Exec("DELETE FROM feed"));
  // A new hub has none of this tablet's photos yet.
  SWEEP_RETURN_IF_ERROR(s->db->Exec("UPDATE files SET uploaded=0"));
  return tx->Commit();
}

Result<std::optional<HubPin>> Store::Hub() {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto body, s->SealedMeta("hub_enrollment"));
  SWEEP_ASSIGN_OR_RETURN(auto url, s->SealedMeta("hub_url"));
  if (!body || !url) return std::optional<HubPin>();
  HubPin pin;
  pin.url = Str(*url);
  if (!pin.enrollment.ParseFromArray(body->data(), static_cast<int>(body->size()))) {
    return Status::Corruption("the pinned hub record does not parse");
  }
  return std::optional<HubPin>(std::move(pin));
}

Result<v1::SignedRequest> Store::SignRequest(std::string_view method,
                                             const google::protobuf::MessageLite& body) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto hub, Hub());
  if (!hub) return Status::NotFound("this tablet is not enrolled with a hub: run `enroll` first");
  return sync::SignRequest(hub->enrollment.hub_id(), method, s->device_id, s->keys->sign_sk, body,
                           s->env);
}

Result<SyncState> Store::GetSyncState() {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SyncState st;
  SWEEP_ASSIGN_OR_RETURN(auto q, s->db->Prepare("SELECT coalesce(max(seq), 0) FROM versions"));
  SWEEP_ASSIGN_OR_RETURN(bool row, q.Step());
  if (row) st.head_seq = static_cast<uint64_t>(q.Int(0));
  SWEEP_ASSIGN_OR_RETURN(int64_t synced, s->MetaInt("synced_seq", 0));
  SWEEP_ASSIGN_OR_RETURN(int64_t cursor, s->MetaInt("pull_cursor", 0));
  st.synced_seq = static_cast<uint64_t>(synced);
  st.pull_cursor = static_cast<uint64_t>(cursor);
  return st;
}

Result<std::vector<OutboxVersion>> Store::Outbox(uint64_t after, size_t max) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT seq, record_id, version, sealed, "
                                                 "entry_hash, head_sig FROM versions WHERE seq > ?"
                                                 " ORDER BY seq LIMIT ?"));
  st.Bind(1, static_cast<int64_t>(after)).Bind(2, static_cast<int64_t>(max));
  std::vector<OutboxVersion> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    OutboxVersion v;
    v.seq = static_cast<uint64_t>(st.Int(0));
    v.record_id = st.Text(1);
    v.version = static_cast<uint64_t>(st.Int(2));
    SWEEP_ASSIGN_OR_RETURN(v.record, OpenVersionBytes(s, v.seq, v.record_id, v.version,
                                                      st.Blob(3)));
    v.entry_hash = st.Blob(4);
    if (!st.IsNull(5)) v.head_sig = st.Blob(5);
    out.push_back(std::move(v));
  }
  return out;
}

Status Store::MarkSynced(uint64_t seq) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(int64_t synced, s->MetaInt("synced_seq", 0));
  if (static_cast<int64_t>(seq) > synced) {
    SWEEP_RETURN_IF_ERROR(s->SetMeta("synced_seq", std::to_string(seq)));
  }
  return tx->Commit();
}

namespace {

Bytes FeedTag(Store::Impl* s, std::string_view kind, std::string_view key) {
  return s->IndexTag("feed|" + std::string(kind), key);
}

Bytes FeedAd(Store::Impl* s, ByteView tag) {
  std::string ad = "sweep.feed.v1|" + s->device_id + "|" + crypto::ToHex(tag);
  return Bytes(ad.begin(), ad.end());
}

}  // namespace

Result<std::vector<v1::Command>> Store::ApplyFeed(const v1::PullResponse& pulled) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  std::vector<v1::Command> commands;
  if (pulled.items().empty()) {
    SWEEP_ASSIGN_OR_RETURN(int64_t cursor, s->MetaInt("pull_cursor", 0));
    if (static_cast<uint64_t>(cursor) == pulled.next_cursor()) return commands;  // nothing to write
  }
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(auto put, s->db->Prepare("INSERT OR REPLACE INTO feed(tag, kind, sealed)"
                                                  " VALUES(?,?,?)"));
  SWEEP_ASSIGN_OR_RETURN(auto del, s->db->Prepare("DELETE FROM feed WHERE tag=?"));
  for (const auto& item : pulled.items()) {
    Bytes tag = FeedTag(s, item.kind(), item.key());
    if (item.deleted()) {
      del.Bind(1, tag);
      SWEEP_RETURN_IF_ERROR(del.Run());
      continue;
    }
    put.Bind(1, tag).Bind(2, item.kind()).Bind(
        3, crypto::AeadSeal(s->keys->data, AsBytes(item.SerializeAsString()), FeedAd(s, tag),
                            s->env));
    SWEEP_RETURN_IF_ERROR(put.Run());
    if (item.kind() == "command") {
      v1::Command c;
      if (c.ParseFromString(item.payload())) commands.push_back(std::move(c));
    }
  }
  SWEEP_RETURN_IF_ERROR(s->SetMeta("pull_cursor", std::to_string(pulled.next_cursor())));
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return commands;
}

Result<std::unique_ptr<WatchlistMatcher>> WatchlistMatcher::Load(Store::Impl* s) {
  SWEEP_ASSIGN_OR_RETURN(auto key_bytes, s->SealedMeta("watchlist_key"));
  if (!key_bytes) {
    return std::unique_ptr<WatchlistMatcher>(
        new WatchlistMatcher(s, crypto::SecretBuffer(), std::nullopt));
  }
  auto key = crypto::SecretBuffer::CopyOf(*key_bytes);
  sodium_memzero(key_bytes->data(), key_bytes->size());
  SWEEP_ASSIGN_OR_RETURN(auto get, s->db->Prepare("SELECT sealed FROM feed WHERE tag=?"));
  return std::unique_ptr<WatchlistMatcher>(
      new WatchlistMatcher(s, std::move(key), std::move(get)));
}

Result<std::vector<v1::ValidationResult>> WatchlistMatcher::Hits(
    const std::vector<schema::RecordIdentifier>& identifiers) {
  std::vector<v1::ValidationResult> hits;
  if (key_.empty()) return hits;
  for (const auto& id : identifiers) {
    if (!id.valid || id.kind == "uscc") continue;  // an invalid identifier cannot be listed
    Bytes tag = FeedTag(s_, "watchlist", crypto::ToHex(sync::WatchHash(key_, id.kind,
                                                                       id.normalized)));
    get_->Bind(1, tag);
    SWEEP_ASSIGN_OR_RETURN(bool row, get_->Step());
    Bytes sealed = row ? get_->Blob(0) : Bytes{};
    SWEEP_RETURN_IF_ERROR(get_->Reset());
    if (!row) continue;
    SWEEP_ASSIGN_OR_RETURN(Bytes plain,
                           crypto::AeadOpen(s_->keys->data, sealed, FeedAd(s_, tag)));
    v1::FeedItem item;
    v1::WatchlistEntry entry;
    if (!item.ParseFromArray(plain.data(), static_cast<int>(plain.size())) ||
        !entry.ParseFromString(item.payload())) {
      return Status::Corruption("a stored watchlist entry does not parse");
    }
    v1::ValidationResult hit;
    hit.set_field(id.field);
    hit.set_severity(entry.level() == "notice" ? v1::SEVERITY_WARNING : v1::SEVERITY_ERROR);
    hit.set_code("watchlist_hit");
    hit.set_message("WATCHLIST HIT / 布控对象: " +
                    (entry.note().empty() ? std::string("contact the station / 联系所里")
                                          : entry.note()));
    hit.set_normalized(id.normalized);
    hits.push_back(std::move(hit));
  }
  return hits;
}

Result<std::vector<v1::ValidationResult>> Store::WatchlistHits(const v1::Record& record) {
  SWEEP_RETURN_IF_ERROR(impl_->RequireUnlocked());
  std::vector<schema::RecordIdentifier> ids;
  (void)schema::ValidateRecord(record, &ids);
  SWEEP_ASSIGN_OR_RETURN(auto matcher, WatchlistMatcher::Load(impl_.get()));
  return matcher->Hits(ids);
}

Result<size_t> Store::CountFeed(std::string_view kind) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT count(*) FROM feed WHERE kind=?"));
  st.Bind(1, kind);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<size_t>(st.Int(0)) : 0;
}

Result<std::vector<v1::FeedItem>> Store::FeedItems(std::string_view kind) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT tag, sealed FROM feed WHERE kind=?"));
  st.Bind(1, kind);
  std::vector<v1::FeedItem> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Bytes tag = st.Blob(0);
    auto plain = crypto::AeadOpen(s->keys->data, st.Blob(1), FeedAd(s, tag));
    if (!plain.ok()) {
      return plain.status().WithContext("stored feed item of kind '" + std::string(kind) + "'");
    }
    v1::FeedItem item;
    if (!item.ParseFromArray(plain->data(), static_cast<int>(plain->size())) ||
        item.kind() != kind) {
      return Status::Corruption("a stored feed item of kind '" + std::string(kind) +
                                "' does not parse or names another kind");
    }
    out.push_back(std::move(item));
  }
  std::sort(out.begin(), out.end(),
            [](const v1::FeedItem& a, const v1::FeedItem& b) { return a.seq() < b.seq(); });
  return out;
}

}  // namespace sweep::field
