// The sync step that ships the view log (sync_views.h; docs/protocol.md
// §16.6 "Client algorithm").
#include "sync_views.h"

#include "sweep/sync/audit_chain.h"
#include "sweep/sync/protocol.h"

namespace sweep::field {

using crypto::AsBytes;

namespace {

// Sends one batch; on a gap answer asks where the hub stands instead.
Result<v1::ViewsResponse> SendViews(const HubCall& call, const ViewBatch& batch) {
  v1::ViewsRequest req;
  for (const auto& e : batch.entries) *req.add_entries() = e;
  req.set_head_sig(std::string(batch.head_sig.begin(), batch.head_sig.end()));
  v1::Error error;
  auto body = call("views", req, &error);
  if (!body.ok() && error.code() == sync::err::kGap)
    body = call("views", v1::ViewsRequest(), &error);
  if (!body.ok()) return body.status();
  v1::ViewsResponse resp;
  if (!resp.ParseFromString(*body)) return Status::Unavailable("bad views answer from the hub");
  return resp;
}

}  // namespace

Status ShipViews(Store* store, const HubCall& call, const SyncOptions& opt, SyncSummary* summary) {
  SWEEP_ASSIGN_OR_RETURN(ViewLogState state, store->ViewLog());
  if (state.held() == 0) return Status::Ok();  // nothing to send: no round trip
  uint64_t after = state.base_seq;
  int stalls = 0;
  while (after < state.head_seq) {
    SWEEP_ASSIGN_OR_RETURN(ViewBatch batch, store->ViewsToShip(after, sync::kMaxViewEntries));
    if (batch.entries.empty()) {
      return Status::Corruption("view log entries " + std::to_string(after + 1) + ".." +
                                std::to_string(state.head_seq) +
                                " are missing from the tablet (deleted outside sweep-field): "
                                "keep the tablet as it is and report it to the station");
    }
    SWEEP_ASSIGN_OR_RETURN(v1::ViewsResponse resp, SendViews(call, batch));
    const uint64_t acked = resp.acked_seq();
    if (acked < after) {
      return Status::Conflict(
          "the hub holds this tablet's view log only up to seq " + std::to_string(acked) +
          ", but entries up to seq " + std::to_string(after) +
          " were acknowledged before (by this hub, or by one this tablet was enrolled with "
          "earlier) and are no longer on the tablet: the station must check its audit log "
          "(sweep-hub audit verify). The views from seq " +
          std::to_string(after + 1) + " stay on the tablet");
    }
    SWEEP_RETURN_IF_ERROR(store->DropShippedViews(acked, AsBytes(resp.acked_hash())));
    summary->views += resp.accepted();
    stalls = acked > after ? 0 : stalls + 1;
    if (stalls > 3) return Status::Unavailable("the hub does not accept the view log; try later");
    after = acked;
    if (opt.progress) {
      opt.progress({"views", after - state.base_seq, state.held(), summary->bytes_sent});
    }
  }
  return Status::Ok();
}

}  // namespace sweep::field
