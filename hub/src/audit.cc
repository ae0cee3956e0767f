// AuditLog: the hash of an entry, appending to the hub chain, and walking
// every chain to find the first entry that was altered, removed or
// reordered (audit.h; byte layout in docs/hub-storage.md "Audit log").
#include "sweep/hub/audit.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

namespace sweep::hub {

namespace {

constexpr size_t kPage = 1000;
constexpr const char* kWhatToDo =
    " The audit log was changed outside sweep-hub: keep the database file (with its -wal file) "
    "as evidence, tell the station's security officer, and compare with the last backup and "
    "with the head noted in the day's report.";

std::string Hex(const std::string& bytes) {
  return crypto::ToHex(Bytes(bytes.begin(), bytes.end()));
}

std::string Where(const v1::AuditEntry& e) {
  return e.chain() == kHubChain ? "seq " + std::to_string(e.seq())
                                : e.chain() + " seq " + std::to_string(e.seq());
}

AuditProblem Problem(std::string kind, const v1::AuditEntry& at, uint64_t seq, std::string what) {
  return AuditProblem{std::move(kind), at.chain(), seq, std::move(what) + kWhatToDo};
}

}  // namespace

Bytes AuditHash(const v1::AuditEntry& e) {
  auto h = sync::AuditHash(e);
  return Bytes(h.begin(), h.end());
}

std::string AuditDetail(const std::vector<std::pair<std::string, std::string>>& fields) {
  return sync::AuditDetailJson(fields);
}

Result<AuditAnchor> ParseAuditAnchor(const std::string& text) {
  const size_t colon = text.find(':');
  AuditAnchor a;
  const char* end = text.data() + (colon == std::string::npos ? 0 : colon);
  auto [p, ec] = std::from_chars(text.data(), end, a.seq);
  if (colon == std::string::npos || ec != std::errc() || p != end || a.seq == 0 ||
      text.size() - colon - 1 != 64) {
    return Status::InvalidArgument("--anchor '" + text +
                                   "': give SEQ:HASH as `audit verify` printed the head, e.g. "
                                   "42:3f2a…(64 hex digits)");
  }
  a.hash = text.substr(colon + 1);
  return a;
}

Status AuditLog::Append(const AuditActor& actor, std::string_view action, const std::string& entity,
                        const std::string& detail) {
  v1::AuditEntry e;
  e.set_chain(std::string(kHubChain));
  e.set_at_ms(env_->NowMillis());
  e.set_actor(actor.id);
  e.set_actor_role(actor.role);
  e.set_device(actor.device);
  e.set_action(std::string(action));
  e.set_entity(entity);
  e.set_detail(detail.empty() ? "{}" : detail);
  return store_->AppendAudit(std::move(e), AuditHash).status();
}

Result<VerifyReport> AuditLog::Verify(const std::optional<AuditAnchor>& anchor) {
  VerifyReport report;
  std::string chain, prev(32, '\0');
  uint64_t expected = 1;
  bool anchor_seen = false;
  // The chain's entry whose hash is `h`, if any (only looked for on failure).
  auto seq_of_hash = [&](const std::string& in, const std::string& h) -> Result<uint64_t> {
    std::string c = in;
    uint64_t after = 0;
    for (;;) {
      SWEEP_ASSIGN_OR_RETURN(auto page, store_->ReadAudit(c, after, kPage));
      for (const auto& x : page) {
        if (x.chain() != in) return uint64_t{0};
        if (x.hash() == h) return x.seq();
      }
      if (page.size() < kPage) return uint64_t{0};
      after = page.back().seq();
    }
  };
  std::string after_chain;
  uint64_t after_seq = 0;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(auto page, store_->ReadAudit(after_chain, after_seq, kPage));
    for (const v1::AuditEntry& e : page) {
      if (e.chain() != chain) {
        chain = e.chain();
        prev.assign(32, '\0');
        expected = 1;
      }
      if (e.seq() != expected) {
        report.problem = Problem(
            "removed", e, expected,
            expected == 1 ? "removed: the chain starts at seq " + std::to_string(e.seq()) +
                                ": entries 1 to " + std::to_string(e.seq() - 1) + " are missing."
                          : "removed: seq gap " + std::to_string(expected - 1) + "→" +
                                std::to_string(e.seq()) + ": entries " + std::to_string(expected) +
                                " to " + std::to_string(e.seq() - 1) + " are missing.");
        return report;
      }
      if (e.prev_hash() != prev) {
        SWEEP_ASSIGN_OR_RETURN(uint64_t k, seq_of_hash(e.chain(), e.prev_hash()));
        if (k != 0) {
          report.problem =
              Problem("reordered", e, e.seq(),
                      "reordered: prev_hash mismatch at " + Where(e) +
                          ": it was chained after the entry "
                          "now at seq " +
                          std::to_string(k) + ", not after seq " + std::to_string(e.seq() - 1) +
                          " (entries were moved or their seq swapped).");
        } else {
          report.problem = Problem(
              "removed", e, e.seq(),
              "removed: prev_hash mismatch at " + Where(e) +
                  ": the entry it was chained after "
                  "is gone (an entry before it was removed and the later ones renumbered, or "
                  "seq " +
                  std::to_string(e.seq() - 1) + " was replaced).");
        }
        return report;
      }
      if (Bytes h = AuditHash(e); e.hash() != std::string(h.begin(), h.end())) {
        report.problem = Problem("altered", e, e.seq(),
                                 "altered: hash mismatch at " + Where(e) +
                                     ": the entry was changed after it was written.");
        return report;
      }
      if (anchor && chain == kHubChain && e.seq() == anchor->seq) {
        anchor_seen = true;
        if (Hex(e.hash()) != anchor->hash) {
          report.problem = Problem("altered", e, e.seq(),
                                   "altered: seq " + std::to_string(e.seq()) +
                                       " no longer has the hash noted (" + anchor->hash +
                                       "): the chain was rewritten from there or before.");
          return report;
        }
      }
      prev = e.hash();
      ++expected;
      ++report.count;
      if (chain == kHubChain) {
        report.head_seq = e.seq();
        report.head_hash = Hex(e.hash());
      }
    }
    if (page.size() < kPage) break;
    after_chain = page.back().chain();
    after_seq = page.back().seq();
  }
  if (anchor && !anchor_seen) {
    v1::AuditEntry end;
    end.set_chain(std::string(kHubChain));
    report.problem =
        Problem("removed", end, report.head_seq + 1,
                "removed: the log ends at seq " + std::to_string(report.head_seq) + " but seq " +
                    std::to_string(anchor->seq) + " was noted: its tail was cut off.");
  }
  return report;
}

Result<std::vector<v1::AuditEntry>> AuditLog::ForEntity(const std::string& entity) {
  AuditQuery q;
  q.entity = entity;
  return Find(q);
}

Result<std::vector<v1::AuditEntry>> AuditLog::Find(const AuditQuery& query) {
  SWEEP_ASSIGN_OR_RETURN(auto out, store_->FindAudit(query));
  // A person asked for: the tablets' views of the records that mention it.
  const bool bare = !query.entity.empty() && query.entity.find(':') == std::string::npos;
  const bool person = query.entity.rfind("person:", 0) == 0;
  if (!bare && !person) return out;
  auto mentions = store_->MergeEntityMentions(person ? query.entity.substr(7) : query.entity);
  if (!mentions.ok() && mentions.status().code() == Code::kNotFound) return out;
  if (!mentions.ok()) return mentions.status().WithContext("the persons' records");
  std::set<std::string> records;
  for (const MergeMentionView& m : *mentions) records.insert(m.mention.record_id);
  std::set<std::pair<std::string, uint64_t>> seen;
  for (const auto& e : out) seen.insert({e.chain(), e.seq()});
  for (const std::string& record_id : records) {
    AuditQuery q = query;
    q.entity = "record:" + record_id;
    SWEEP_ASSIGN_OR_RETURN(auto views, store_->FindAudit(q));
    for (auto& e : views) {
      if (seen.insert({e.chain(), e.seq()}).second) out.push_back(std::move(e));
    }
  }
  std::sort(out.begin(), out.end(), [](const v1::AuditEntry& a, const v1::AuditEntry& b) {
    return std::forward_as_tuple(a.at_ms(), a.chain(), a.seq()) <
           std::forward_as_tuple(b.at_ms(), b.chain(), b.seq());
  });
  if (out.size() > query.limit) out.resize(query.limit);
  return out;
}

Result<std::optional<v1::AuditEntry>> AuditLog::Head() {
  return store_->AuditHead(std::string(kHubChain));
}

}  // namespace sweep::hub
