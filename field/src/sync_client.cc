// The sync client. See docs/protocol.md §8-§12.
#include "sweep/field/sync_client.h"

#include <httplib.h>

#include <chrono>
#include <future>
#include <optional>
#include <map>
#include <thread>

#include "sweep/sync/protocol.h"
#include "sync_views.h"

namespace sweep::field {

using crypto::AsBytes;
using crypto::Bytes;

namespace {

class HttpTransport final : public Transport {
 public:
  HttpTransport(const std::string& url, const TransportOptions& opt) : client_(url) {
    client_.set_connection_timeout(opt.connect_timeout_s, 0);
    client_.set_read_timeout(opt.io_timeout_s, 0);
    client_.set_write_timeout(opt.io_timeout_s, 0);
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);  // a chunk must not wait ~40 ms for a delayed ACK
    if (!opt.tls_ca.empty()) client_.set_ca_cert_path(opt.tls_ca.c_str());
    client_.enable_server_certificate_verification(true);
  }
  bool valid() const { return client_.is_valid(); }

  Result<HttpResponse> Post(const std::string& path, const std::string& body) override {
    auto res = client_.Post(path, body, "application/x-protobuf");
    if (!res && (res.error() == httplib::Error::SSLServerVerification ||
                 res.error() == httplib::Error::SSLConnection)) {
      return Status::Unauthorized(
          "the hub's TLS certificate is not trusted (" + httplib::to_string(res.error()) +
          "): give the station's CA file with --tls-ca, or check the address");
    }
    if (!res) {
      return Status::Unavailable("no answer from the hub (" + httplib::to_string(res.error()) +
                                 ")");
    }
    return HttpResponse{res->status, res->body};
  }

 private:
  httplib::Client client_;
};

// One signed call: signs, sends with retries, verifies the hub's signature.
class Caller {
 public:
  Caller(Store* store, Transport* t, const HubPin& hub, const SyncOptions& opt,
         SyncSummary* summary)
      : store_(store), t_(t), hub_(hub), opt_(opt), summary_(summary) {}

  // On success the hub's response body; on an error answer a Status whose
  // code follows the hub's error code (see ErrorStatus) and `*error` set.
  Result<std::string> Call(const std::string& method, const google::protobuf::MessageLite& body,
                           v1::Error* error) {
    int64_t backoff = opt_.backoff_ms;
    Status last;
    for (int attempt = 0; attempt <= opt_.retries; ++attempt) {
      if (attempt > 0) Sleep(backoff), backoff *= 2;
      SWEEP_ASSIGN_OR_RETURN(v1::SignedRequest req, store_->SignRequest(method, body));
      std::string wire = req.SerializeAsString();
      auto res = t_->Post(sync::PathForMethod(method), wire);
      ++summary_->round_trips;
      summary_->bytes_sent += wire.size();
      if (!res.ok()) {
        if (res.status().code() != Code::kUnavailable) return res.status();  // e.g. TLS trust
        last = res.status();
        continue;
      }
      summary_->bytes_received += res->body.size();
      bool bound = false;
      auto body_or = Verify(req, *res, &bound);
      if (!body_or.ok()) return body_or.status();
      if (res->status == 200 && bound) return body_or;
      error->ParseFromString(*body_or);
      if (!bound) {
        error->set_wipe(false);  // never obey an answer that is not bound to this request
        std::string m = "the hub refused the request (HTTP " + std::to_string(res->status) +
                        "): " + error->message();
        return res->status >= 500 ? Status::Unavailable(m) : Status::InvalidArgument(m);
      }
      if (error->code() == sync::err::kReplay) {  // a duplicate overtook us: sign anew
        last = Status::Unavailable(error->message());
        continue;
      }
      return ErrorStatus(*error);
    }
    return Status::Unavailable("hub unreachable at " + hub_.url + ": " + last.message() +
                               ". The records stay on the tablet and go with the next sync");
  }

 private:
  Result<std::string> Verify(const v1::SignedRequest& req, const HttpResponse& res,
                             bool* bound) {
    v1::SignedResponse signed_res;
    if (!signed_res.ParseFromString(res.body) || signed_res.signature().size() != 64) {
      return Status::Unavailable("the answer from " + hub_.url + " (HTTP " +
                                 std::to_string(res.status) + ") is not a Sweep hub's answer");
    }
    auto verifies = [&](std::string_view device, std::string_view method, std::string_view nonce) {
      Bytes transcript = sync::ResponseTranscript(
          hub_.enrollment.hub_id(), device, method, AsBytes(nonce),
          static_cast<uint32_t>(res.status), AsBytes(signed_res.body()));
      return crypto::VerifySignature(AsBytes(hub_.enrollment.hub_sign_pk()), transcript,
                                     AsBytes(signed_res.signature()));
    };
    *bound = verifies(req.device_id(), req.method(), req.nonce());
    // An HTTP-level error (too large, no route) answers no particular
    // request: it is signed unbound, and only ever reported, never obeyed.
    if (!*bound && !(res.status != 200 && verifies("", "", ""))) {
      return Status::Unauthorized("the answer from " + hub_.url +
                                  " is not signed by the hub this tablet was enrolled with: "
                                  "wrong hub address, or someone in between");
    }
    return signed_res.body();
  }

  static Status ErrorStatus(const v1::Error& e) {
    const std::string& c = e.code();
    std::string m = e.message().empty() ? c : e.message();
    if (e.wipe()) return Status::Shredded(m);  // the hub, bound to our request, orders a wipe
    if (c == sync::err::kRevoked) return Status::Unauthorized(m);
    if (c == sync::err::kUnknownDevice || c == sync::err::kBadSignature ||
        c == sync::err::kForbidden) {  // forbidden: the role may not record a version
      return Status::Unauthorized(m);
    }
    if (c == sync::err::kGap || c == sync::err::kFork) return Status::Conflict(m);
    if (c == sync::err::kBrokenChain || c == sync::err::kUnsigned) return Status::Corruption(m);
    if (c == sync::err::kInternal) return Status::Unavailable("the hub failed: " + m);
    return Status::InvalidArgument(m);
  }

  void Sleep(int64_t ms) {
    if (opt_.sleep) {
      opt_.sleep(ms);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
  }

  Store* store_;
  Transport* t_;
  const HubPin& hub_;
  const SyncOptions& opt_;
  SyncSummary* summary_;
};

}  // namespace

Result<std::unique_ptr<Transport>> NewHttpTransport(const std::string& url,
                                                    const TransportOptions& options) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("hub address must start with http:// or https://, got '" +
                                   url + "'");
  }
  auto t = std::make_unique<HttpTransport>(url, options);
  if (!t->valid()) return Status::InvalidArgument("cannot use hub address '" + url + "'");
  return std::unique_ptr<Transport>(std::move(t));
}

Status Enroll(Store* store, Transport* transport, const std::string& url, const std::string& code,
              const std::string& label) {
  SWEEP_ASSIGN_OR_RETURN(sync::EnrollCodeParts parts, sync::ParseEnrollCode(code));
  SWEEP_ASSIGN_OR_RETURN(v1::EnrollRequest req, store->BuildEnrollRequest(parts.secret, label));
  auto res = transport->Post(sync::kPathEnroll, req.SerializeAsString());
  if (!res.ok() && res.status().code() != Code::kUnavailable) return res.status();
  if (!res.ok()) {
    return Status::Unavailable("hub unreachable at " + url + ": " + res.status().message());
  }
  if (res->status != 200) {
    // Not yet pinned: the message is shown, never trusted for anything else.
    v1::SignedResponse signed_res;
    v1::Error e;
    std::string why = "HTTP " + std::to_string(res->status);
    if (signed_res.ParseFromString(res->body) && e.ParseFromString(signed_res.body())) {
      why = e.message();
    }
    return Status::Unauthorized("the hub refused the enrollment: " + why);
  }
  v1::SignedEnrollResponse answer;
  if (!answer.ParseFromString(res->body)) {
    return Status::Unavailable("the answer from " + url + " is not a Sweep hub's answer");
  }
  return store->CompleteEnrollment(url, req, answer, parts.fingerprint);
}

namespace {

constexpr size_t kMaxPushBytes = sync::kMaxRequestBytes / 2;

// Trims a batch so that it ends on a signed version (the hub accepts only
// pushes that do; the store signs at least every Store::kSignEvery versions).
// Also keeps the batch within the hub's request size and within the head
// this sync started from (another process may be appending meanwhile).
void TrimToSigned(std::vector<OutboxVersion>* batch, uint64_t head_seq) {
  size_t bytes = 0, keep = 0;
  for (; keep < batch->size(); ++keep) {
    bytes += (*batch)[keep].record.size() + crypto::kSealOverhead + 200;
    if (bytes > kMaxPushBytes || (*batch)[keep].seq > head_seq) break;
  }
  batch->resize(keep);
  while (!batch->empty() && batch->back().head_sig.empty()) batch->pop_back();
}

// The hub asks for a version retention has dropped from this tablet (it
// had acknowledged it before): the hub lost it, e.g. restored from an older
// backup. The tablet cannot send it again.
Status PurgedBehindHub(uint64_t seq) {
  return Status::Conflict("the hub asks for seq " + std::to_string(seq) +
                          ", which it had acknowledged and this tablet has since removed "
                          "(retention): the station's hub lost it (restored from an older "
                          "backup?); restore the hub from a newer backup, or call the station");
}

// One push, sealed and ready: versions first..last of the outbox.
struct PreparedPush {
  v1::PushRequest request;
  uint64_t first = 0, last = 0;
  Bytes last_entry_hash;
};

Result<PreparedPush> PreparePush(Store* store, const HubPin& hub, uint64_t from, uint64_t head) {
  SWEEP_ASSIGN_OR_RETURN(auto batch, store->Outbox(from - 1, sync::kMaxPushVersions));
  if (!batch.empty() && batch.front().seq != from) return PurgedBehindHub(from);
  TrimToSigned(&batch, head);
  if (batch.empty()) return Status::Corruption("the outbox has versions no signature covers");
  PreparedPush p;
  p.first = batch.front().seq;
  p.last = batch.back().seq;
  p.last_entry_hash = batch.back().entry_hash;
  sync::PushSealer sealer(AsBytes(hub.enrollment.hub_box_pk()), Env::Default());
  if (!sealer.ok()) return Status::Corruption("the pinned hub key is not a valid X25519 key");
  p.request.set_ephemeral_pk(
      std::string(sealer.ephemeral_pk().begin(), sealer.ephemeral_pk().end()));
  for (const auto& v : batch) {
    auto* sv = p.request.add_versions();
    sv->set_seq(v.seq);
    sv->set_record_id(v.record_id);
    sv->set_version(v.version);
    Bytes sealed = sealer.Seal(v.record, v.seq);
    sv->set_sealed(std::string(sealed.begin(), sealed.end()));
    sv->set_head_sig(std::string(v.head_sig.begin(), v.head_sig.end()));
  }
  return p;
}

// Sends one prepared push (asking the hub where it stands on a gap) and
// returns its answer.
Result<v1::PushResponse> SendPush(Caller* caller, const v1::PushRequest& req) {
  v1::Error error;
  auto body = caller->Call("push", req, &error);
  if (!body.ok() && error.code() == sync::err::kGap) {
    // The hub holds less than we thought (restored, or we raced): ask it.
    body = caller->Call("push", v1::PushRequest(), &error);
  }
  if (!body.ok()) return body.status();
  v1::PushResponse resp;
  if (!resp.ParseFromString(*body)) return Status::Unavailable("bad push answer from the hub");
  return resp;
}

Status PushAll(Store* store, Caller* caller, const HubPin& hub, const SyncState& state,
               const SyncOptions& opt, SyncSummary* summary) {
  uint64_t next = state.synced_seq + 1;
  const uint64_t head = state.head_seq;
  const uint64_t total = head >= next ? head - next + 1 : 0;
  summary->acked_seq = state.synced_seq;
  if (next > head) return Status::Ok();
  // While the hub works on one push, a second connection prepares the next.
  SWEEP_ASSIGN_OR_RETURN(auto reader, store->OpenSecondary());
  SWEEP_ASSIGN_OR_RETURN(PreparedPush current, PreparePush(store, hub, next, head));
  int stalls = 0;
  while (next <= head) {
    std::future<Result<PreparedPush>> ahead;
    if (current.last < head) {
      ahead = std::async(std::launch::async, PreparePush, reader.get(), std::cref(hub),
                         current.last + 1, head);
    }
    auto resp = SendPush(caller, current.request);
    std::optional<Result<PreparedPush>> prepared;
    if (ahead.valid()) prepared.emplace(ahead.get());  // joined before the store is used again
    if (!resp.ok()) return resp.status();
    uint64_t acked = resp->acked_seq();
    if (acked > head) {
      return Status::Conflict("the hub holds seq " + std::to_string(acked) +
                              " but this tablet has only " + std::to_string(head) +
                              ": the store was restored from an old copy; call the station");
    }
    if (acked > 0) {
      Bytes expected = current.last_entry_hash;
      if (acked != current.last) {
        SWEEP_ASSIGN_OR_RETURN(auto at, store->Outbox(acked - 1, 1));
        if (!at.empty() && at[0].seq != acked) return PurgedBehindHub(acked);
        expected = at.empty() ? Bytes{} : at[0].entry_hash;
      }
      if (!crypto::Equal(expected, AsBytes(resp->acked_hash()))) {
        return Status::Corruption("the hub's chain for this tablet differs at seq " +
                                  std::to_string(acked) + ": call the station");
      }
      SWEEP_RETURN_IF_ERROR(store->MarkSynced(acked));
    }
    summary->pushed += resp->accepted();
    summary->duplicates += resp->duplicates();
    summary->acked_seq = acked;
    stalls = acked + 1 > next ? 0 : stalls + 1;
    if (stalls > 3) return Status::Unavailable("the hub does not accept new versions; try later");
    next = acked + 1;
    if (opt.progress) {
      opt.progress({"push", acked - std::min(acked, state.synced_seq), total, summary->bytes_sent});
    }
    if (next > head) break;
    if (prepared && prepared->ok() && (*prepared)->first == next) {
      current = std::move(*prepared).value();
    } else {
      SWEEP_ASSIGN_OR_RETURN(current, PreparePush(store, hub, next, head));
    }
  }
  return Status::Ok();
}

// Attachments: announce every file the hub has not confirmed, send only the
// chunks it says it lacks, mark each file once the hub has all of it.
Status PushFiles(Store* store, Caller* caller, const HubPin& hub, const SyncOptions& opt,
                 SyncSummary* summary) {
  SWEEP_ASSIGN_OR_RETURN(auto files, store->Files(true));
  uint64_t total = 0, done = 0;
  for (const auto& f : files) total += f.size;
  for (size_t start = 0; start < files.size(); start += 100) {
    v1::ChunkQuery query;
    std::map<std::string, const FileInfo*> by_hash;
    for (size_t i = start; i < files.size() && i < start + 100; ++i) {
      const FileInfo& f = files[i];
      by_hash[f.sha256] = &f;
      auto* m = query.add_files();
      m->set_sha256(f.sha256);
      m->set_size(f.size);
      m->set_media_type(f.media_type);
      m->set_chunk_size(f.chunk_size);
      for (const auto& c : f.chunk_sha256) m->add_chunk_sha256(c);
    }
    v1::Error error;
    SWEEP_ASSIGN_OR_RETURN(std::string body, caller->Call("chunks.query", query, &error));
    v1::ChunkQueryResponse missing;
    if (!missing.ParseFromString(body)) return Status::Unavailable("bad chunks answer from hub");
    for (const auto& m : missing.files()) {
      auto it = by_hash.find(m.sha256());
      if (it == by_hash.end()) continue;
      const FileInfo& f = *it->second;
      bool complete = m.complete();
      for (uint32_t idx : m.chunks()) {
        SWEEP_ASSIGN_OR_RETURN(Bytes chunk, store->FileChunk(f.sha256, idx));
        v1::ChunkPut put;
        put.set_file_sha256(f.sha256);
        put.set_index(idx);
        Bytes sealed = crypto::BoxSeal(chunk, AsBytes(hub.enrollment.hub_box_pk()));
        put.set_sealed(std::string(sealed.begin(), sealed.end()));
        SWEEP_ASSIGN_OR_RETURN(std::string body, caller->Call("chunks.put", put, &error));
        v1::ChunkPutResponse put_resp;
        complete = put_resp.ParseFromString(body) && put_resp.file_complete();
        summary->chunks_sent += 1;
        if (opt.progress) {
          opt.progress({"files", done + (idx + 1) * uint64_t{f.chunk_size}, total,
                        summary->bytes_sent});
        }
      }
      if (!complete) continue;  // the hub cannot take it now; kept for the next sync
      SWEEP_RETURN_IF_ERROR(store->MarkFileUploaded(f.sha256));
      done += f.size;
      summary->files += 1;
    }
  }
  return Status::Ok();
}

Status PullAll(Store* store, Caller* caller, const SyncState& state, const SyncOptions& opt,
               SyncSummary* summary) {
  const std::string& device_id = store->device_id();
  uint64_t cursor = state.pull_cursor;
  for (int page = 0; page < 10000; ++page) {
    v1::PullRequest req;
    req.set_cursor(cursor);
    v1::Error error;
    SWEEP_ASSIGN_OR_RETURN(std::string body, caller->Call("pull", req, &error));
    v1::PullResponse resp;
    if (!resp.ParseFromString(body)) return Status::Unavailable("bad pull answer from the hub");
    // A wipe order is carried out before anything of the page is applied,
    // so that a crash in between cannot lose it. Only orders addressed to
    // this very device count ("wipe:<device id>").
    for (const auto& item : resp.items()) {
      v1::Command c;
      if (item.kind() != "command" || item.deleted() || !c.ParseFromString(item.payload()) ||
          c.kind() != "wipe" || item.key() != "wipe:" + device_id) {
        continue;
      }
      SWEEP_RETURN_IF_ERROR(store->Shred("wipe ordered by the hub: " + c.reason()));
      summary->wiped = true;
      return Status::Shredded("the station ordered this tablet wiped (" + c.reason() +
                              "); its store is crypto-shredded");
    }
    SWEEP_ASSIGN_OR_RETURN(auto commands, store->ApplyFeed(resp));
    (void)commands;
    summary->pulled += static_cast<uint64_t>(resp.items_size());
    if (opt.progress) opt.progress({"pull", summary->pulled, 0, summary->bytes_received});
    cursor = resp.next_cursor();
    if (!resp.more()) return Status::Ok();
  }
  return Status::Unavailable("the hub's feed does not end; try again later");
}

}  // namespace

Result<SyncSummary> Sync(Store* store, Transport* transport, const SyncOptions& opt) {
  SWEEP_ASSIGN_OR_RETURN(auto hub, store->Hub());
  if (!hub) return Status::NotFound("this tablet is not enrolled: run `sweep-field enroll` first");
  SWEEP_ASSIGN_OR_RETURN(SyncState state, store->GetSyncState());
  SyncSummary summary;
  Caller caller(store, transport, *hub, opt, &summary);
  Status st = PushAll(store, &caller, *hub, state, opt, &summary);
  // The view log (sync_views.cc): like photos, a failure there is reported
  // after the pull, so that it keeps no watchlist update or order away.
  HubCall call = [&caller](const std::string& method, const google::protobuf::MessageLite& body,
                           v1::Error* error) { return caller.Call(method, body, error); };
  Status views = st.ok() ? ShipViews(store, call, opt, &summary) : Status::Ok();
  if (views.code() == Code::kShredded) st = views;
  if (st.ok()) {
    // A photo the hub cannot take now must not keep watchlist updates and
    // wipe orders from arriving: pull anyway, report the files error after.
    Status files = PushFiles(store, &caller, *hub, opt, &summary);
    if (files.code() == Code::kShredded) {
      st = files;
    } else {
      st = PullAll(store, &caller, state, opt, &summary);
      if (st.ok() && !files.ok()) st = files.WithContext("photos not all sent");
    }
  }
  if (st.ok() && !views.ok()) st = views.WithContext("view log not sent");
  if (st.code() == Code::kShredded && !summary.wiped) {
    // Revoked: the hub's signed answer orders the wipe.
    SWEEP_RETURN_IF_ERROR(store->Shred("revoked by the station"));
    summary.wiped = true;
    return Status::Shredded(st.message() + "; the store is now crypto-shredded");
  }
  if (!st.ok()) return st;
  // Retention (docs/storage-format.md "Retention"): now that the hub holds
  // them, records past the days it sent leave the tablet.
  SWEEP_ASSIGN_OR_RETURN(uint32_t days, store->RetentionDays());
  if (days > 0) {
    auto purged = store->PurgeSynced(days);
    if (!purged.ok()) {
      return purged.status().WithContext(
          "synced, but the records past the station's retention could not be removed");
    }
    summary.purged_records = purged->records;
    summary.purged_files = purged->files;
  }
  return summary;
}

}  // namespace sweep::field
