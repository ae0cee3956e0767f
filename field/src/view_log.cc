// The tablet's local view log (docs/storage-format.md "View log"): every
// view of personal data on this tablet appends one sweep.v1.AuditEntry to
// the chain "device:<device id>", sealed under the data key, before the data
// is shown. Sync ships the entries (sync_views.cc) and drops those the hub
// acknowledged, keeping the last one's seq and hash so the chain goes on.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sodium.h>

#include <algorithm>
#include <set>

#include "store_impl.h"
#include "sweep/schema/record_json.h"
#include "sweep/sync/audit_chain.h"
#include "sweep/sync/protocol.h"

namespace sweep::field {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;

namespace {

constexpr const char* kHeadKey = "view_head";  // the last entry appended
constexpr const char* kBaseKey = "view_base";  // the last entry the hub acknowledged

Bytes ViewAd(const std::string& device_id, uint64_t seq) {
  std::string ad = "sweep.view.v1|" + device_id + "|" + std::to_string(seq);
  return Bytes(ad.begin(), ad.end());
}

// A position in the chain: an entry's seq and hash (0 and 32 zero bytes
// before the first).
struct Point {
  uint64_t seq = 0;
  std::string hash = std::string(crypto::kHashSize, '\0');
};

Result<Point> ReadPoint(Store::Impl* s, const char* key) {
  SWEEP_ASSIGN_OR_RETURN(auto plain, s->SealedMeta(key));
  Point p;
  if (!plain) return p;
  if (plain->size() != 8 + crypto::kHashSize) {
    return Status::Corruption(std::string("store setting '") + key +
                              "' has the wrong size: the view log cannot go on; keep the "
                              "tablet as it is and report it to the station");
  }
  for (int i = 0; i < 8; ++i) p.seq = (p.seq << 8) | (*plain)[i];
  p.hash.assign(plain->begin() + 8, plain->end());
  return p;
}

Status WritePoint(Store::Impl* s, const char* key, const Point& p) {
  Bytes plain(8);
  for (int i = 0; i < 8; ++i) plain[i] = static_cast<uint8_t>(p.seq >> (8 * (7 - i)));
  plain.insert(plain.end(), p.hash.begin(), p.hash.end());
  return s->SetSealedMeta(key, plain);
}

std::string AsString(const sync::Digest& d) { return std::string(d.begin(), d.end()); }

// Opens the row `seq` and checks that it holds this device's entry `seq`.
Result<v1::AuditEntry> OpenEntry(Store::Impl* s, uint64_t seq, const Bytes& sealed) {
  auto plain = crypto::AeadOpen(s->keys->data, sealed, ViewAd(s->device_id, seq));
  if (!plain.ok()) {
    return plain.status().WithContext("view log entry " + std::to_string(seq) +
                                      " (altered, swapped or moved)");
  }
  v1::AuditEntry e;
  if (!e.ParseFromArray(plain->data(), static_cast<int>(plain->size())) || e.seq() != seq ||
      e.chain() != sync::DeviceChain(s->device_id)) {
    return Status::Corruption("view log entry " + std::to_string(seq) +
                              " does not parse or names another seq or chain");
  }
  sodium_memzero(plain->data(), plain->size());
  return e;
}

}  // namespace

std::string ViewDetail(const std::vector<std::pair<std::string, std::string>>& fields) {
  return sync::AuditDetailJson(fields, /*skip_empty=*/true);
}

Status CreateViewLogTable(sql::Db* db) {
  return db->Exec(
      "CREATE TABLE IF NOT EXISTS view_log(seq INTEGER PRIMARY KEY, sealed BLOB NOT NULL)");
}

Status UpgradeFormat(Store::Impl* s) {
  SWEEP_ASSIGN_OR_RETURN(int64_t fmt, s->MetaInt("format_version", 0));
  if (fmt != 1) return Status::Ok();
  // Read again inside the write lock: another process may have upgraded.
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(fmt, s->MetaInt("format_version", 0));
  if (fmt != 1) return Status::Ok();
  SWEEP_RETURN_IF_ERROR(CreateViewLogTable(s->db.get()));
  SWEEP_RETURN_IF_ERROR(s->SetMeta("format_version", "2"));
  return tx->Commit().WithContext("upgrading the store to format 2 (the view log)");
}

namespace {

// Appends one entry per entity in one transaction (Store::LogViews).
Status AppendViews(Store::Impl* s, const std::string& role,
                   const std::vector<std::string>& entities, std::string_view detail) {
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(Point head, ReadPoint(s, kHeadKey));
  SWEEP_ASSIGN_OR_RETURN(auto insert,
                         s->db->Prepare("INSERT INTO view_log(seq, sealed) VALUES(?, ?)"));
  const int64_t now = s->env->NowMillis();
  std::string bytes;
  for (const std::string& entity : entities) {
    v1::AuditEntry e;
    e.set_chain(sync::DeviceChain(s->device_id));
    e.set_seq(head.seq + 1);
    e.set_at_ms(now);
    e.set_actor(s->officer_id);
    e.set_actor_role(role);
    e.set_device(s->device_id);
    e.set_action("read");
    e.set_entity(entity);
    e.set_detail(detail.empty() ? "{}" : std::string(detail));
    e.set_prev_hash(head.hash);
    e.set_hash(AsString(sync::AuditHash(e)));
    SWEEP_RETURN_IF_ERROR(sync::CheckAuditEntryShape(e).WithContext("the view log"));
    if (!e.SerializeToString(&bytes)) return Status::Internal("cannot serialise a view entry");
    insert.Bind(1, static_cast<int64_t>(e.seq()))
        .Bind(2, crypto::AeadSeal(s->keys->data, AsBytes(bytes), ViewAd(s->device_id, e.seq()),
                                  s->env));
    sodium_memzero(bytes.data(), bytes.size());
    SWEEP_RETURN_IF_ERROR(insert.Run());
    head = {e.seq(), e.hash()};
  }
  SWEEP_RETURN_IF_ERROR(WritePoint(s, kHeadKey, head));
  return tx->Commit();
}

}  // namespace

Status Store::LogViews(const std::vector<std::string>& entities, std::string_view detail) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  if (entities.empty()) return Status::Ok();
  SWEEP_ASSIGN_OR_RETURN(auto hub, Hub());
  return AppendViews(s, hub ? hub->enrollment.role() : "", entities, detail)
      .WithContext(
          "the view log (who saw what on this tablet) cannot be written, so nothing is shown; "
          "free space on the tablet and try again, or report it to the station");
}

Result<std::vector<std::string>> Store::WatchlistEntities(
    const v1::Record& record, const std::vector<v1::ValidationResult>& hits) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  std::vector<std::string> out;
  std::set<std::string> fields;
  for (const auto& h : hits) {
    if (h.code() == "watchlist_hit") fields.insert(h.field());
  }
  if (fields.empty()) return out;
  SWEEP_ASSIGN_OR_RETURN(auto key_bytes, s->SealedMeta("watchlist_key"));
  if (!key_bytes) return out;
  auto key = crypto::SecretBuffer::CopyOf(*key_bytes);
  sodium_memzero(key_bytes->data(), key_bytes->size());
  std::vector<schema::RecordIdentifier> ids;
  (void)schema::ValidateRecord(record, &ids);
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (!id.valid || fields.count(id.field) == 0) continue;
    std::string entity = "watchlist:" + crypto::ToHex(sync::WatchHash(key, id.kind, id.normalized));
    if (seen.insert(entity).second) out.push_back(std::move(entity));
  }
  return out;
}

Result<ViewLogState> Store::ViewLog() {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(Point head, ReadPoint(s, kHeadKey));
  SWEEP_ASSIGN_OR_RETURN(Point base, ReadPoint(s, kBaseKey));
  ViewLogState out;
  out.head_seq = head.seq;
  out.head_hash.assign(head.hash.begin(), head.hash.end());
  out.base_seq = base.seq;
  out.base_hash.assign(base.hash.begin(), base.hash.end());
  return out;
}

Result<ViewBatch> Store::ViewsToShip(uint64_t after, size_t max) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(Point base, ReadPoint(s, kBaseKey));
  after = std::max(after, base.seq);  // entries up to the base were dropped
  SWEEP_ASSIGN_OR_RETURN(
      auto st,
      s->db->Prepare("SELECT seq, sealed FROM view_log WHERE seq > ? ORDER BY seq LIMIT ?"));
  st.Bind(1, static_cast<int64_t>(after)).Bind(2, static_cast<int64_t>(max));
  ViewBatch out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const uint64_t seq = static_cast<uint64_t>(st.Int(0));
    const uint64_t expected = out.entries.empty() ? after + 1 : out.entries.back().seq() + 1;
    if (seq != expected) {
      return Status::Corruption("view log entries " + std::to_string(expected) + ".." +
                                std::to_string(seq - 1) +
                                " are missing from the tablet (deleted outside sweep-field): keep "
                                "the tablet as it is and report it to the station");
    }
    SWEEP_ASSIGN_OR_RETURN(auto e, OpenEntry(s, seq, st.Blob(1)));
    out.entries.push_back(std::move(e));
  }
  if (!out.entries.empty()) {
    const v1::AuditEntry& last = out.entries.back();
    auto sig = crypto::Sign(s->keys->sign_sk,
                            sync::ViewHeadMessage(s->device_id, last.seq(), AsBytes(last.hash())));
    out.head_sig.assign(sig.begin(), sig.end());
  }
  return out;
}

Status Store::DropShippedViews(uint64_t seq, ByteView hash) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(Point head, ReadPoint(s, kHeadKey));
  SWEEP_ASSIGN_OR_RETURN(Point base, ReadPoint(s, kBaseKey));
  if (seq > head.seq) {
    return Status::Corruption("the hub holds this tablet's view log up to seq " +
                              std::to_string(seq) + " but the tablet has only " +
                              std::to_string(head.seq) +
                              ": the store was restored from an old copy; call the station");
  }
  std::string mine;
  if (seq == head.seq) {
    mine = head.hash;
  } else if (seq == base.seq) {
    mine = base.hash;
  } else if (seq > base.seq) {
    SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT sealed FROM view_log WHERE seq=?"));
    st.Bind(1, static_cast<int64_t>(seq));
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Corruption("view log entry " + std::to_string(seq) + " is missing");
    SWEEP_ASSIGN_OR_RETURN(auto e, OpenEntry(s, seq, st.Blob(0)));
    mine = e.hash();
  } else {
    return Status::Ok();  // acknowledged and dropped before: never back
  }
  if (!crypto::Equal(AsBytes(mine), hash)) {
    return Status::Corruption("the hub's copy of this tablet's view log differs at seq " +
                              std::to_string(seq) + ": call the station");
  }
  if (seq == base.seq) return Status::Ok();
  SWEEP_ASSIGN_OR_RETURN(auto del, s->db->Prepare("DELETE FROM view_log WHERE seq <= ?"));
  del.Bind(1, static_cast<int64_t>(seq));
  SWEEP_RETURN_IF_ERROR(del.Run());
  SWEEP_RETURN_IF_ERROR(WritePoint(s, kBaseKey, {seq, mine}));
  return tx->Commit();
}

Status VerifyViewLog(Store::Impl* s, VerifyReport* report) {
  auto problem = [&](uint64_t seq, std::string what) {
    report->problems.push_back({seq, "", 0, "view log: " + std::move(what)});
  };
  auto head = ReadPoint(s, kHeadKey);
  auto base = ReadPoint(s, kBaseKey);
  if (!head.ok() || !base.ok()) {
    problem(0, (head.ok() ? base : head).status().message());
    return Status::Ok();
  }
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT seq, sealed FROM view_log ORDER BY seq"));
  Point prev = *base;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const uint64_t seq = static_cast<uint64_t>(st.Int(0));
    if (seq != prev.seq + 1) {
      problem(prev.seq + 1, seq <= prev.seq
                                ? "entry " + std::to_string(seq) +
                                      " was acknowledged and "
                                      "dropped, yet is still there"
                                : "entries " + std::to_string(prev.seq + 1) + ".." +
                                      std::to_string(seq - 1) + " are missing (deleted)");
    }
    auto e = OpenEntry(s, seq, st.Blob(1));
    if (!e.ok()) {
      problem(seq, e.status().message());
      prev = {seq, ""};  // its hash is unknown: the next link is not checked
      continue;
    }
    if (e->device() != s->device_id) problem(seq, "names another device");
    if (AsString(sync::AuditHash(*e)) != e->hash()) problem(seq, "its hash does not match");
    if (seq == prev.seq + 1 && !prev.hash.empty() && e->prev_hash() != prev.hash) {
      problem(seq, "does not link to the entry before it (reordered or replaced)");
    }
    prev = {seq, e->hash()};
  }
  if (prev.seq != head->seq || (!prev.hash.empty() && prev.hash != head->hash)) {
    problem(prev.seq + 1, prev.seq < head->seq
                              ? "entries " + std::to_string(prev.seq + 1) + ".." +
                                    std::to_string(head->seq) +
                                    " are missing at the end (the log was truncated)"
                              : "the last entry does not match the view log's head (entries "
                                "were added or replaced outside the store)");
  }
  return Status::Ok();
}

}  // namespace sweep::field
