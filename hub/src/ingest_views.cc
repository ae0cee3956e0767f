// The "views" method: a tablet's local view log arrives with sync and is
// stored, exactly once and verbatim, as the audit chain "device:<device
// id>" beside the hub's own (docs/protocol.md §16, docs/hub-storage.md
// "Audit log"). The envelope (device signature, replay, revocation) was
// checked by Handle; here every entry is checked to belong to this device,
// to link, and to hash as it says, and the head to carry the device's
// signature, before anything is stored.
#include <algorithm>

#include "request.h"
#include "sweep/sync/audit_chain.h"
#include "sweep/sync/protocol.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub {

using crypto::AsBytes;

namespace {

std::string AsString(const sync::Digest& d) { return std::string(d.begin(), d.end()); }

}  // namespace

Reply HubService::Views(Request& r) {
  const std::string& id = r.device.device_id;
  const std::string chain = sync::DeviceChain(id);
  v1::ViewsRequest req;
  if (!req.ParseFromString(r.body())) {
    return Fail(r, 400, sync::err::kMalformed, "views body is not a ViewsRequest");
  }
  if (static_cast<size_t>(req.entries_size()) > sync::kMaxViewEntries) {
    return Fail(r, 413, sync::err::kTooLarge,
                "at most " + std::to_string(sync::kMaxViewEntries) + " entries per views request");
  }
  auto head = store_->AuditHead(chain);
  if (!head.ok()) return Fail(r, 500, sync::err::kInternal, head.status().message());
  const uint64_t head_seq = *head ? (*head)->seq() : 0;
  const std::string head_hash = *head ? (*head)->hash() : std::string(crypto::kHashSize, '\0');
  v1::ViewsResponse resp;
  resp.set_acked_seq(head_seq);
  resp.set_acked_hash(head_hash);
  if (req.entries_size() == 0) return Signed(r, 200, resp.SerializeAsString());  // where we stand

  const uint64_t first = req.entries(0).seq();
  if (first == 0 || first > head_seq + 1) {
    return Fail(r, 409, sync::err::kGap,
                "the hub holds this tablet's views up to seq " + std::to_string(head_seq) +
                    ", send from seq " + std::to_string(head_seq + 1));
  }
  // What the hub holds of the entries sent again (a sync cut off after the
  // hub stored them, before the tablet heard so).
  std::vector<v1::AuditEntry> stored;
  if (first <= head_seq) {
    const uint64_t known = std::min<uint64_t>(head_seq - first + 1, req.entries_size());
    auto read = store_->ReadAudit(chain, first - 1, known);
    if (!read.ok()) return Fail(r, 500, sync::err::kInternal, read.status().message());
    stored = std::move(read).value();
  }
  std::vector<v1::AuditEntry> fresh;
  uint32_t duplicates = 0;
  for (int i = 0; i < req.entries_size(); ++i) {
    const v1::AuditEntry& e = req.entries(i);
    const std::string at = "view log entry seq " + std::to_string(e.seq());
    if (Status shape = sync::CheckAuditEntryShape(e); !shape.ok()) {
      return Fail(r, 400, sync::err::kMalformed, shape.message());
    }
    if (e.seq() != first + static_cast<uint64_t>(i)) {
      return Fail(r, 400, sync::err::kMalformed, "entries must have consecutive seq numbers");
    }
    if (e.chain() != chain || e.device() != id) {
      return Fail(r, 422, sync::err::kBrokenChain,
                  at + " names chain '" + e.chain() + "' and device '" + e.device() +
                      "': a tablet sends only its own chain, " + chain);
    }
    if (e.action() != "read" || (!e.actor_role().empty() && e.actor_role() != r.device.role)) {
      return Fail(r, 422, sync::err::kBrokenChain,
                  at + " is a '" + e.action() + "' by role '" + e.actor_role() +
                      "': a tablet logs only reads, by the role it was enrolled with (" +
                      r.device.role + ")");
    }
    if (AsString(sync::AuditHash(e)) != e.hash()) {
      return Fail(r, 422, sync::err::kBrokenChain,
                  at + ": its hash does not match its fields (altered on the way or on the "
                       "tablet)");
    }
    if (i > 0 && e.prev_hash() != req.entries(i - 1).hash()) {
      return Fail(r, 422, sync::err::kBrokenChain,
                  at + " does not link to the entry before it (prev_hash)");
    }
    const bool known = e.seq() <= head_seq;
    const std::string& held =
        known ? (static_cast<size_t>(i) < stored.size() && stored[i].chain() == chain &&
                         stored[i].seq() == e.seq()
                     ? stored[i].hash()
                     : std::string())
              : head_hash;
    // A known entry must equal the stored one; the first new one must link
    // to the hub's head. Either way a difference means two histories.
    if (known ? e.hash() != held : (e.seq() == head_seq + 1 && e.prev_hash() != held)) {
      (void)store_->AddAlert({env_->NowMillis(), id, "fork",
                              "view log: a different entry was sent for seq " +
                                  std::to_string(e.seq()) + " (tampering or a restored tablet)"});
      return Fail(r, 409, sync::err::kFork,
                  at + " differs from what the hub holds: the tablet's view log was altered or "
                       "restored; the station has been alerted");
    }
    if (known) {
      ++duplicates;
    } else {
      fresh.push_back(e);
    }
  }
  resp.set_duplicates(duplicates);
  if (fresh.empty()) return Signed(r, 200, resp.SerializeAsString());

  const v1::AuditEntry& last = fresh.back();
  if (req.head_sig().empty()) {
    return Fail(r, 422, sync::err::kUnsigned,
                "a views request with new entries must carry the tablet's signature over its "
                "last entry (seq " +
                    std::to_string(last.seq()) + ")");
  }
  if (!crypto::VerifySignature(r.device.sign_pk,
                               sync::ViewHeadMessage(id, last.seq(), AsBytes(last.hash())),
                               AsBytes(req.head_sig()))) {
    (void)store_->AddAlert({env_->NowMillis(), id, "bad_signature",
                            "view log head signature at seq " + std::to_string(last.seq())});
    return Fail(r, 422, sync::err::kBrokenChain,
                "the signature over the view log's head (seq " + std::to_string(last.seq()) +
                    ") does not verify: the entries were altered or are not this tablet's");
  }
  Status st = store_->AppendChainEntries(chain, head_seq, fresh);
  if (st.code() == Code::kConflict) {
    return Fail(r, 409, sync::err::kGap, "another sync of this tablet is running; try again");
  }
  if (!st.ok()) return Fail(r, 500, sync::err::kInternal, st.message());
  resp.set_acked_seq(last.seq());
  resp.set_acked_hash(last.hash());
  resp.set_accepted(static_cast<uint32_t>(fresh.size()));
  return Signed(r, 200, resp.SerializeAsString());
}

}  // namespace sweep::hub
