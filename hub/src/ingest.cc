// The handlers of authenticated requests: push (ingest record versions
// exactly once), pull (the feed), and attachment chunks. See
// docs/protocol.md "Push", "Pull" and "Attachments".
#include <google/protobuf/arena.h>

#include "request.h"
#include "sweep/sync/chain.h"
#include "sweep/sync/protocol.h"
#include "sweep/sync/roles.h"
#include "sweep/sync/sections.h"
#include "sweep/v1/record.pb.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub {

using crypto::AsBytes;
using crypto::Bytes;
using sync::Digest;

namespace {

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

std::optional<Reply> HubService::CheckStored(Request& r, const v1::SealedVersion& sv,
                                             const Bytes& plain) {
  const std::string& id = r.device.device_id;
  auto stored = store_->GetVersion(id, sv.seq());
  if (!stored.ok() || !*stored) {
    return Fail(r, 500, sync::err::kInternal, "stored version unreadable");
  }
  if ((*stored)->record == plain) return std::nullopt;  // a harmless duplicate
  // Retention may have replaced R by its redaction (docs/hub-storage.md
  // "Retention"); the entry hash still proves R: the same bytes re-sent
  // chain to the same entry from the previous one.
  Digest prev{};
  if (sv.seq() > 1) {
    auto before = store_->GetVersion(id, sv.seq() - 1);
    if (!before.ok() || !*before || (*before)->entry_hash.size() != prev.size()) {
      return Fail(r, 500, sync::err::kInternal, "stored version unreadable");
    }
    std::copy((*before)->entry_hash.begin(), (*before)->entry_hash.end(), prev.begin());
  }
  const Digest again = sync::EntryHash(id, sv.seq(), prev, sync::RecordHash(plain));
  if (crypto::Equal((*stored)->entry_hash, crypto::ByteView(again))) return std::nullopt;
  (void)store_->AddAlert({env_->NowMillis(), id, "fork",
                          "a different version was sent for seq " + std::to_string(sv.seq()) +
                              " (tampering or a restored tablet)"});
  return Fail(r, 409, sync::err::kFork,
              "seq " + std::to_string(sv.seq()) +
                  " differs from what the hub holds: the tablet's store was altered or "
                  "restored; the station has been alerted");
}

std::optional<Reply> HubService::CheckFresh(Request& r, const v1::SealedVersion& sv, Bytes plain,
                                            const Digest& prev, StoredVersion* out) {
  const std::string& id = r.device.device_id;
  // Parsed on an arena over a stack block: a record's many small strings
  // cost no malloc/free each (they dominated ingest, docs/performance.md).
  alignas(8) char block[16384];
  google::protobuf::ArenaOptions options;
  options.initial_block = block;
  options.initial_block_size = sizeof block;
  google::protobuf::Arena arena(options);
  auto* rec = google::protobuf::Arena::CreateMessage<v1::Record>(&arena);
  if (!rec->ParseFromArray(plain.data(), static_cast<int>(plain.size())) ||
      rec->record_id() != sv.record_id() || rec->version() != sv.version() ||
      rec->device_id() != id) {
    return Fail(r, 422, sync::err::kBrokenChain,
                "seq " + std::to_string(sv.seq()) + " does not hold the record it names");
  }
  const std::string at = "seq " + std::to_string(sv.seq()) + " (record " + rec->record_id() + ")";
  if (Status may = sync::roles::MayRecord(r.device.role, *rec); !may.ok()) {
    (void)store_->AddAlert({env_->NowMillis(), id, "forbidden", at + ": " + may.message()});
    return Fail(r, 403, sync::err::kForbidden, at + ": " + may.message());
  }
  // Sealed agency sections (sync/sections.h): the hub holds every agency's
  // key, opens them all and keeps the opened copy beside R.
  Bytes opened;
  if (rec->has_office_sweep() && rec->office_sweep().sections_size() > 0) {
    v1::Record copy;
    copy.CopyFrom(*rec);
    auto sealed = sync::sections::Open(&copy, agency_keys_.Secret());
    if (!sealed.ok() || *sealed != 0) {
      return Fail(r, 422, sync::err::kBrokenChain,
                  at + ": " +
                      (sealed.ok() ? std::string("a section names an agency the hub does not know")
                                   : sealed.status().message()));
    }
    opened = ToBytes(copy.SerializeAsString());
  }
  Digest eh = sync::EntryHash(id, sv.seq(), prev, sync::RecordHash(plain));
  *out = {id, sv.seq(), rec->record_id(), rec->version(), std::move(plain),
          Bytes(eh.begin(), eh.end()), ToBytes(sv.head_sig()), env_->NowMillis()};
  out->opened = std::move(opened);
  if (!out->head_sig.empty() &&
      !crypto::VerifySignature(r.device.sign_pk, sync::HeadMessage(id, sv.seq(), eh),
                               out->head_sig)) {
    (void)store_->AddAlert({env_->NowMillis(), id, "bad_signature",
                            "chain signature at seq " + std::to_string(sv.seq())});
    return Fail(r, 422, sync::err::kBrokenChain,
                "the chain signature at seq " + std::to_string(sv.seq()) +
                    " does not verify: the versions were altered or do not link");
  }
  return std::nullopt;
}

Reply HubService::Push(Request& r) {
  google::protobuf::Arena arena;  // thousands of sealed strings, freed at once
  v1::PushRequest& req = *google::protobuf::Arena::CreateMessage<v1::PushRequest>(&arena);
  if (!req.ParseFromString(r.body())) {
    return Fail(r, 400, sync::err::kMalformed, "push body is not a PushRequest");
  }
  if (static_cast<size_t>(req.versions_size()) > sync::kMaxPushVersions) {
    return Fail(r, 413, sync::err::kTooLarge,
                "at most " + std::to_string(sync::kMaxPushVersions) + " versions per push");
  }
  uint64_t acked = r.device.acked_seq;
  Digest prev{};
  if (r.device.acked_hash.size() == prev.size()) {
    std::copy(r.device.acked_hash.begin(), r.device.acked_hash.end(), prev.begin());
  }
  v1::PushResponse resp;
  std::vector<StoredVersion> fresh;
  std::optional<sync::PushOpener> opener;
  if (req.versions_size() > 0) {
    auto created = sync::PushOpener::Create(AsBytes(req.ephemeral_pk()), box_sk_);
    if (!created.ok()) {
      return Fail(r, 422, sync::err::kBrokenChain, "the push is not sealed to this hub's key");
    }
    opener.emplace(std::move(created).value());
  }
  for (int i = 0; i < req.versions_size(); ++i) {
    const v1::SealedVersion& sv = req.versions(i);
    if (sv.seq() != req.versions(0).seq() + static_cast<uint64_t>(i) || sv.seq() == 0) {
      return Fail(r, 400, sync::err::kMalformed,
                  "versions must have consecutive seq numbers starting at 1");
    }
    auto plain = opener->Open(AsBytes(sv.sealed()), sv.seq());
    if (!plain.ok()) {
      return Fail(r, 422, sync::err::kBrokenChain,
                  "version at seq " + std::to_string(sv.seq()) +
                      " does not open: not sealed to this hub's key, or moved from another seq");
    }
    if (sv.seq() <= acked) {
      if (auto failed = CheckStored(r, sv, *plain)) return *failed;
      resp.set_duplicates(resp.duplicates() + 1);
      continue;
    }
    if (sv.seq() != acked + fresh.size() + 1) {
      return Fail(r, 409, sync::err::kGap,
                  "the hub holds up to seq " + std::to_string(acked) + ", send from seq " +
                      std::to_string(acked + 1));
    }
    StoredVersion v;
    if (auto failed = CheckFresh(r, sv, std::move(plain).value(), prev, &v)) return *failed;
    std::copy(v.entry_hash.begin(), v.entry_hash.end(), prev.begin());
    fresh.push_back(std::move(v));
  }
  if (!fresh.empty() && fresh.back().head_sig.empty()) {
    return Fail(r, 422, sync::err::kUnsigned,
                "a push must end on a signed version (seq " + std::to_string(fresh.back().seq) +
                    " is not signed)");
  }
  if (!fresh.empty()) {
    Status st = store_->AppendVersions(r.device.device_id, acked, fresh);
    if (st.code() == Code::kConflict) {
      return Fail(r, 409, sync::err::kGap, "another sync of this tablet is running; try again");
    }
    if (!st.ok()) return Fail(r, 500, sync::err::kInternal, st.message());
    acked = fresh.back().seq;
    if (on_ingest_) on_ingest_();
  }
  resp.set_acked_seq(acked);
  resp.set_acked_hash(std::string(prev.begin(), prev.end()));
  resp.set_accepted(static_cast<uint32_t>(fresh.size()));
  return Signed(r, 200, resp.SerializeAsString());
}

Reply HubService::Pull(Request& r) {
  const std::string& id = r.device.device_id;
  v1::PullRequest req;
  if (!req.ParseFromString(r.body())) {
    return Fail(r, 400, sync::err::kMalformed, "pull body is not a PullRequest");
  }
  uint32_t limit = req.limit() == 0 ? 500 : std::min(req.limit(), sync::kMaxPullLimit);
  std::vector<std::string> audiences = {"all", "officer:" + r.device.officer_id, "device:" + id,
                                        "agency:" + r.device.agency};
  // A regulator's tablet gets no police data: no watchlist, no revisits of
  // rental units, no unit states naming officers (docs/protocol.md §10.2).
  std::vector<std::string> kinds;
  if (r.device.role == sync::roles::kRegulator) {
    kinds = {"assignment", "config", "command", "inspection"};
  }
  auto items = store_->ReadFeed(audiences, req.cursor(), limit + 1, kinds);
  if (!items.ok()) return Fail(r, 500, sync::err::kInternal, items.status().message());
  v1::PullResponse resp;
  resp.set_next_cursor(req.cursor());
  resp.set_more(items->size() > limit);
  for (size_t i = 0; i < items->size() && i < limit; ++i) {
    const FeedItemRow& row = (*items)[i];
    v1::FeedItem* it = resp.add_items();
    it->set_seq(row.seq);
    it->set_kind(row.kind);
    it->set_key(row.key);
    it->set_deleted(row.deleted);
    it->set_payload(std::string(row.payload.begin(), row.payload.end()));
    resp.set_next_cursor(row.seq);
  }
  resp.set_hub_time_ms(env_->NowMillis());
  return Signed(r, 200, resp.SerializeAsString());
}

// Checks the whole file once every chunk is there and marks it complete.
// Returns whether it is complete; Corruption if the chunks do not add up.
Result<bool> HubService::CompleteFile(const FileRow& file) {
  if (file.complete) return true;
  SWEEP_ASSIGN_OR_RETURN(auto missing, store_->MissingChunks(file.sha256));
  if (!missing.empty()) return false;
  crypto::Sha256 whole;
  for (uint32_t i = 0; i < file.chunk_sha256.size(); ++i) {
    SWEEP_ASSIGN_OR_RETURN(Bytes chunk, store_->GetChunk(file.sha256, i));
    whole.Update(chunk);
  }
  if (whole.HexDigest() != file.sha256) {
    return Status::Corruption("the chunks of " + file.sha256.substr(0, 16) +
                              " do not add up to the file's hash");
  }
  SWEEP_RETURN_IF_ERROR(store_->MarkFileComplete(file.sha256));
  return true;
}

Reply HubService::ChunksQuery(Request& r) {
  const std::string& id = r.device.device_id;
  v1::ChunkQuery req;
  if (!req.ParseFromString(r.body())) {
    return Fail(r, 400, sync::err::kMalformed, "body is not a ChunkQuery");
  }
  v1::ChunkQueryResponse resp;
  for (const auto& f : req.files()) {
    uint64_t n = f.chunk_size() == 0 ? 0 : (f.size() + f.chunk_size() - 1) / f.chunk_size();
    if (f.sha256().size() != 64 || f.chunk_size() == 0 || f.chunk_size() > sync::kChunkSize ||
        n != static_cast<uint64_t>(f.chunk_sha256_size()) || f.size() == 0 ||
        f.size() > (1ull << 32)) {
      return Fail(r, 400, sync::err::kMalformed,
                  "file manifest " + f.sha256().substr(0, 16) + " is inconsistent");
    }
    FileRow row{f.sha256(), f.size(), f.media_type(), f.chunk_size(),
                {f.chunk_sha256().begin(), f.chunk_sha256().end()}, false, id};
    Status st = store_->RegisterFile(row);
    if (st.code() == Code::kConflict) {
      // Another manifest holds this hash: this file cannot be taken now. It
      // is answered as incomplete with nothing to send, so that the tablet
      // keeps it and the rest of the sync goes on.
      (void)store_->AddAlert({env_->NowMillis(), id, "file_conflict", f.sha256()});
      resp.add_files()->set_sha256(f.sha256());
      continue;
    }
    if (!st.ok()) return Fail(r, 500, sync::err::kInternal, st.message());
    auto missing = store_->MissingChunks(f.sha256());
    if (!missing.ok()) return Fail(r, 500, sync::err::kInternal, "chunk lookup failed");
    auto* m = resp.add_files();
    m->set_sha256(f.sha256());
    for (uint32_t i : *missing) m->add_chunks(i);
    if (missing->empty()) {
      auto stored = store_->GetFile(f.sha256());
      if (!stored.ok()) return Fail(r, 500, sync::err::kInternal, "file lookup failed");
      auto complete = CompleteFile(*stored);
      m->set_complete(complete.ok() && *complete);
    }
  }
  return Signed(r, 200, resp.SerializeAsString());
}

Reply HubService::ChunksPut(Request& r) {
  v1::ChunkPut req;
  if (!req.ParseFromString(r.body())) {
    return Fail(r, 400, sync::err::kMalformed, "body is not a ChunkPut");
  }
  auto file = store_->GetFile(req.file_sha256());
  if (!file.ok() && file.status().code() != Code::kNotFound) {
    return Fail(r, 500, sync::err::kInternal, "file lookup failed");
  }
  if (!file.ok()) {
    return Fail(r, 404, sync::err::kNotFound, "announce the file with chunks.query first");
  }
  if (req.index() >= file->chunk_sha256.size()) {
    return Fail(r, 400, sync::err::kMalformed, "chunk index out of range");
  }
  auto plain = crypto::BoxSealOpen(AsBytes(req.sealed()), keys_.box_pk, box_sk_);
  if (!plain.ok() || crypto::Sha256Hex(*plain) != file->chunk_sha256[req.index()]) {
    return Fail(r, 422, sync::err::kBadChunk,
                "chunk " + std::to_string(req.index()) + " does not match its hash; send it again");
  }
  Status st = store_->PutChunk(req.file_sha256(), req.index(), *plain);
  if (!st.ok()) return Fail(r, 500, sync::err::kInternal, st.message());
  v1::ChunkPutResponse resp;
  auto complete = CompleteFile(*file);
  if (!complete.ok() && complete.status().code() == Code::kCorruption) {
    return Fail(r, 422, sync::err::kBadChunk, complete.status().message());
  }
  if (!complete.ok()) return Fail(r, 500, sync::err::kInternal, complete.status().message());
  resp.set_file_complete(*complete);
  return Signed(r, 200, resp.SerializeAsString());
}

}  // namespace sweep::hub
