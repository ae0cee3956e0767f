// The hub's audit trail (issue 7, docs/hub-storage.md "Audit log"): an
// append-only, hash-chained log of who read or changed a person, a den, a
// device or an account, when, and from which device. The dashboard's routes
// and the sweep-hub commands append one entry per read or decision; `audit
// verify` walks the chain and names the first entry that was altered,
// removed or reordered; `audit show` answers "who looked at this person".
//
// Each entry is a sweep.v1.AuditEntry (schema/proto/sweep/v1/audit.proto).
// The hub writes its own chain, "hub"; each tablet's local view log arrives
// with sync as a chain of its own, "device:<device id>" (ingest_views.cc,
// docs/protocol.md §16), and is verified and shown alike.
//
// Ownership: AuditLog borrows the store and the environment. Thread-safe:
// the store serialises appends, also against other processes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"
#include "sweep/sync/audit_chain.h"
#include "sweep/v1/audit.pb.h"

namespace sweep::hub {

inline constexpr std::string_view kAuditDomain = sync::kAuditDomain;
inline constexpr std::string_view kHubChain = "hub";

// Who does something, from where.
struct AuditActor {
  std::string id;      // dashboard user id, officer id, or the operator's name
  std::string role;    // supervisor, admin, regulator, officer, operator
  std::string device;  // "hub" (the dashboard), "cli", or a tablet's device id
};

// The first problem `Verify` met, or none.
struct AuditProblem {
  std::string kind;  // "altered", "removed" or "reordered"
  std::string chain;
  uint64_t seq = 0;     // the entry at which the chain breaks
  std::string message;  // what was found and what to do, in words
};

struct VerifyReport {
  uint64_t count = 0;  // entries walked (every chain)
  // The hub chain's last entry: an operator notes it (the day's report
  // prints it) so that a later truncation of the tail is detectable.
  uint64_t head_seq = 0;
  std::string head_hash;  // hex; "" when the log is empty
  std::optional<AuditProblem> problem;
  bool ok() const { return !problem.has_value(); }
};

// An anchor noted earlier: the hub chain's entry `seq` had hash `hash` (hex).
struct AuditAnchor {
  uint64_t seq = 0;
  std::string hash;
};
// "SEQ:HEX" as `audit verify` prints the head; InvalidArgument otherwise.
Result<AuditAnchor> ParseAuditAnchor(const std::string& text);

// BLAKE2b-256(kAuditDomain ‖ prev_hash ‖ the other fields, each as written
// in docs/hub-storage.md "Audit log"): the entry's `hash` ignored.
// sync::AuditHash, the one the tablets use, as bytes.
Bytes AuditHash(const v1::AuditEntry& entry);

// A short JSON object of string values, in the order given, for `detail`.
std::string AuditDetail(const std::vector<std::pair<std::string, std::string>>& fields);

class AuditLog {
 public:
  AuditLog(HubStore* store, Env* env) : store_(store), env_(env) {}

  // Appends one entry to the hub chain, at the environment's time.
  // `detail` is a JSON object ("{}" when empty).
  Status Append(const AuditActor& actor, std::string_view action, const std::string& entity,
                const std::string& detail = "{}");
  // Walks every chain from its first entry. A broken chain is not an error
  // of the call: it is the report's `problem`. With `anchor`, a hub chain
  // that no longer holds that entry with that hash is a problem too.
  Result<VerifyReport> Verify(const std::optional<AuditAnchor>& anchor = std::nullopt);
  // Who read or changed `entity` ("person:P12", or a bare "P12"), oldest first.
  Result<std::vector<v1::AuditEntry>> ForEntity(const std::string& entity);
  // The entries matching `query`, every chain, by time (at_ms, then chain
  // and seq). For a person ("person:P12", or a bare id the merge knows),
  // tablets' views of the records that mention the person are included:
  // a tablet names what it showed by record ("record:<id>").
  Result<std::vector<v1::AuditEntry>> Find(const AuditQuery& query);
  // The hub chain's last entry (count = its seq), none when empty.
  Result<std::optional<v1::AuditEntry>> Head();

 private:
  HubStore* store_;
  Env* env_;
};

}  // namespace sweep::hub
