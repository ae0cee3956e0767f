// Private to the sync client: the step that ships this tablet's view log to
// the hub ("views", docs/protocol.md §16), after push. Not thread-safe: one
// sync at a time per store.
#pragma once

#include <functional>
#include <string>

#include "sweep/field/store.h"
#include "sweep/field/sync_client.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::field {

// One signed call to the hub (sync_client.cc's Caller::Call): the answer's
// body, or a Status with `*error` set from the hub's error answer.
using HubCall = std::function<Result<std::string>(
    const std::string& method, const google::protobuf::MessageLite& body, v1::Error* error)>;

// Sends every entry the hub has not acknowledged, at most
// sync::kMaxViewEntries per request, each batch signed at its head; drops
// what the hub acknowledged. Adds to summary->views (newly stored) and
// round trips. No request at all when nothing is held. Conflict when the
// hub holds less than this tablet already dropped (its copy was cut, or the
// tablet was re-enrolled with another hub); Corruption when the two copies
// differ. REQUIRES: store unlocked and enrolled.
Status ShipViews(Store* store, const HubCall& call, const SyncOptions& options,
                 SyncSummary* summary);

}  // namespace sweep::field
