// The audit log's hash chain (docs/hub-storage.md "Audit log"), shared by
// the tablet, which keeps a chain of its own views of personal data
// ("device:<device id>", docs/storage-format.md "View log"), and the hub,
// which keeps its own chain ("hub"), stores the tablets' chains as they
// arrive with sync (docs/protocol.md §16) and verifies every chain alike.
// One definition of the entry hash, so both sides compute the same bytes.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sweep/schema/status.h"
#include "sweep/sync/chain.h"
#include "sweep/sync/crypto.h"
#include "sweep/v1/audit.pb.h"

namespace sweep::sync {

inline constexpr std::string_view kAuditDomain = "sweep.audit.v1";
// The domain of a tablet's signature over the head of its view log.
inline constexpr std::string_view kViewHeadDomain = "sweep.views.v1";
inline constexpr std::string_view kDeviceChainPrefix = "device:";

// At most this many entries travel in one "views" request (protocol.md §16.4).
constexpr size_t kMaxViewEntries = 1000;
// Bounds on one entry's text fields, in bytes: `entity` and the short
// identifiers (actor, role, device, action) at most kMaxAuditTextBytes,
// `detail` at most kMaxAuditDetailBytes.
constexpr size_t kMaxAuditTextBytes = 256;
constexpr size_t kMaxAuditDetailBytes = 2048;

// BLAKE2b-256 of kAuditDomain ‖ prev_hash ‖ len‖chain ‖ u64be(seq) ‖
// u64be(at_ms) ‖ len‖actor ‖ len‖actor_role ‖ len‖device ‖ len‖action ‖
// len‖entity ‖ len‖detail, every len a u32be byte count; the entry's own
// `hash` is not read. The stored strings are hashed as they are.
Digest AuditHash(const v1::AuditEntry& entry);

// "device:<device id>": the chain of a tablet's view log.
std::string DeviceChain(std::string_view device_id);

// An entry's `detail`: a JSON object of string values in the order given
// (keys and values escaped as JSON strings); pairs with an empty value are
// left out when `skip_empty`.
std::string AuditDetailJson(const std::vector<std::pair<std::string, std::string>>& fields,
                            bool skip_empty = false);

// What a tablet signs to vouch for its view log up to `seq`:
// "sweep.views.v1" ‖ device_id ‖ u64be(seq) ‖ hash (the entry's hash).
crypto::Bytes ViewHeadMessage(std::string_view device_id, uint64_t seq, crypto::ByteView hash);

// Whether `entry` has the shape of a stored entry: seq ≥ 1, 32-byte hash
// and prev_hash, text fields within the bounds above. InvalidArgument
// naming the field otherwise. Says nothing about links or the hash's value.
Status CheckAuditEntryShape(const v1::AuditEntry& entry);

}  // namespace sweep::sync
