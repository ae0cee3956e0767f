// Retention on the tablet (docs/storage-format.md "Retention"): once the hub
// has acknowledged a record and it is older than the days the hub sent
// (feed item config/retention), its versions leave the tablet. Each row
// moves to `purged_versions` with its chain entry (seq, record id, version,
// entry hash, signature) and, instead of the sealed record, its record hash
// sealed under the data key at that position: Verify recomputes the chain
// through it, and nothing of the record's content stays (secure_delete
// zeroes the freed pages; the write-ahead log is emptied after).
#include <sodium.h>

#include <algorithm>
#include <map>
#include <set>

#include "store_impl.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::field {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;
using sync::Digest;

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr size_t kBatchRecords = 200;  // records per transaction

Bytes PurgedAd(const std::string& device_id, uint64_t seq, std::string_view record_id,
               uint64_t version) {
  std::string ad = "sweep.purged.v1|" + device_id + "|" + std::to_string(seq) + "|" +
                   std::string(record_id) + "|" + std::to_string(version);
  return Bytes(ad.begin(), ad.end());
}

// When the record's content happened: the visit, the decision, else when it
// was saved.
int64_t RecordTime(const v1::Record& r) {
  int64_t t = 0;
  if (r.has_rental_check()) t = r.rental_check().visited_at_ms();
  if (r.has_office_sweep()) t = r.office_sweep().visited_at_ms();
  if (r.has_case_update()) t = r.case_update().decided_at_ms();
  return t > 0 ? t : r.hlc().wall_ms();
}

void AddFiles(const v1::Record& r, std::set<std::string>* out) {
  auto indicators = [out](const auto& list) {
    for (const v1::Indicator& i : list)
      out->insert(i.attachment_hashes().begin(), i.attachment_hashes().end());
  };
  if (r.has_rental_check()) {
    for (const auto& a : r.rental_check().attachments()) out->insert(a.sha256());
    indicators(r.rental_check().indicators());
  } else if (r.has_office_sweep()) {
    for (const auto& a : r.office_sweep().attachments()) out->insert(a.sha256());
    for (const auto& f : r.office_sweep().findings()) indicators(f.indicators());
  }
}

struct HeldVersion {
  uint64_t seq = 0, version = 0;
  Digest record_hash{};
};

// One record on the tablet, from all its versions.
struct Held {
  std::vector<HeldVersion> versions;
  uint64_t max_seq = 0, latest = 0;
  int64_t time = 0;  // of the newest version
  std::set<std::string> files;
};

// Moves one record's versions to purged_versions, in the caller's
// transaction. False (nothing changed) when the record changed since it
// was read: a version was added (an edit) or the rows are gone.
Result<bool> PurgeRecord(Store::Impl* s, const std::string& id, const Held& h, int64_t now,
                         uint64_t synced) {
  SWEEP_ASSIGN_OR_RETURN(auto now_held,
                         s->db->Prepare("SELECT count(*), coalesce(max(seq), 0) FROM versions"
                                        " WHERE record_id=?"));
  now_held.Bind(1, id);
  SWEEP_ASSIGN_OR_RETURN(bool row, now_held.Step());
  if (!row || static_cast<uint64_t>(now_held.Int(0)) != h.versions.size() ||
      static_cast<uint64_t>(now_held.Int(1)) > synced) {
    return false;
  }
  SWEEP_ASSIGN_OR_RETURN(
      auto move, s->db->Prepare("INSERT INTO purged_versions(seq, record_id, version, sealed,"
                                " entry_hash, head_sig, purged_ms) SELECT seq, record_id, version,"
                                " ?, entry_hash, head_sig, ? FROM versions WHERE seq=?"));
  SWEEP_ASSIGN_OR_RETURN(auto drop, s->db->Prepare("DELETE FROM versions WHERE seq=?"));
  SWEEP_ASSIGN_OR_RETURN(auto tags, s->db->Prepare("DELETE FROM tags WHERE seq=?"));
  for (const HeldVersion& v : h.versions) {
    const auto seq = static_cast<int64_t>(v.seq);
    Bytes marker = crypto::AeadSeal(s->keys->data, ByteView(v.record_hash),
                                    PurgedAd(s->device_id, v.seq, id, v.version), s->env);
    move.Bind(1, marker).Bind(2, now).Bind(3, seq);
    SWEEP_RETURN_IF_ERROR(move.Run());
    drop.Bind(1, seq);
    SWEEP_RETURN_IF_ERROR(drop.Run());
    tags.Bind(1, seq);
    SWEEP_RETURN_IF_ERROR(tags.Run());
  }
  return true;
}

// Deletes a photo the hub has confirmed (uploaded = 1), in the caller's
// transaction; false if it is not here or not confirmed.
Result<bool> PurgeFile(Store::Impl* s, const std::string& sha256) {
  const Bytes tag = s->IndexTag("file", sha256);
  SWEEP_ASSIGN_OR_RETURN(auto file, s->db->Prepare("DELETE FROM files WHERE tag=? AND uploaded=1"));
  file.Bind(1, tag);
  SWEEP_RETURN_IF_ERROR(file.Run());
  if (s->db->Changes() != 1) return false;
  SWEEP_ASSIGN_OR_RETURN(auto chunks, s->db->Prepare("DELETE FROM file_chunks WHERE tag=?"));
  chunks.Bind(1, tag);
  SWEEP_RETURN_IF_ERROR(chunks.Run());
  return true;
}

}  // namespace

Status CreatePurgedTable(sql::Db* db) {
  return db->Exec(R"sql(
    CREATE TABLE IF NOT EXISTS purged_versions(
      seq INTEGER PRIMARY KEY, record_id TEXT NOT NULL, version INTEGER NOT NULL,
      sealed BLOB NOT NULL, entry_hash BLOB NOT NULL, head_sig BLOB,
      purged_ms INTEGER NOT NULL);
  )sql");
}

Status UpgradeToPurged(Store::Impl* s) {
  SWEEP_ASSIGN_OR_RETURN(int64_t fmt, s->MetaInt("format_version", 0));
  if (fmt != 2) return Status::Ok();
  // Read again inside the write lock: another process may have upgraded.
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(fmt, s->MetaInt("format_version", 0));
  if (fmt != 2) return Status::Ok();
  SWEEP_RETURN_IF_ERROR(CreatePurgedTable(s->db.get()));
  SWEEP_RETURN_IF_ERROR(s->SetMeta("format_version", "3"));
  return tx->Commit().WithContext("upgrading the store to format 3 (retention)");
}

bool CheckPurgedRow(Store::Impl* s, uint64_t seq, const std::string& record_id, uint64_t version,
                    const Bytes& sealed, const Digest& prev, Digest* eh, std::string* problem) {
  auto plain =
      crypto::AeadOpen(s->keys->data, sealed, PurgedAd(s->device_id, seq, record_id, version));
  if (!plain.ok() || plain->size() != prev.size()) {
    *problem = "purged version altered, swapped or moved: " +
               (plain.ok() ? std::string("its sealed record hash has the wrong size")
                           : plain.status().message());
    return false;
  }
  Digest rh;
  std::copy(plain->begin(), plain->end(), rh.begin());
  *eh = sync::EntryHash(s->device_id, seq, prev, rh);
  auto synced = s->MetaInt("synced_seq", 0);
  if (!synced.ok() || static_cast<int64_t>(seq) > *synced) {
    *problem = "purged although the hub had not acknowledged it (acknowledged up to seq " +
               (synced.ok() ? std::to_string(*synced) : std::string("?")) + ")";
  }
  return true;
}

Status NoRecord(Store::Impl* s, std::string_view record_id, std::string_view what) {
  auto st = s->db->Prepare("SELECT max(purged_ms) FROM purged_versions WHERE record_id=?");
  if (st.ok()) {
    st->Bind(1, record_id);
    auto row = st->Step();
    if (row.ok() && *row && !st->IsNull(0)) {
      return Status::NotFound("record " + std::string(record_id) +
                              " was removed from this tablet by retention after the station "
                              "had received it (the station keeps it): it can no longer be "
                              "shown or edited here");
    }
  }
  return Status::NotFound(std::string(what));
}

Result<uint32_t> Store::RetentionDays() {
  SWEEP_ASSIGN_OR_RETURN(auto items, FeedItems("config"));
  for (const v1::FeedItem& item : items) {
    if (item.key() != "retention") continue;
    v1::RetentionConfig config;
    if (!config.ParseFromString(item.payload())) {
      return Status::Corruption("the retention setting the hub sent does not parse; sync again");
    }
    return config.tablet_synced_days();
  }
  return 0u;
}

namespace {

// Every version on the tablet, opened: what each record is, when, and which
// photos it names.
Result<std::map<std::string, Held>> ReadHeld(Store::Impl* s) {
  std::map<std::string, Held> held;
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT seq, record_id, version, sealed FROM"
                                                 " versions ORDER BY seq"));
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const auto seq = static_cast<uint64_t>(st.Int(0));
    const std::string id = st.Text(1);
    const auto version = static_cast<uint64_t>(st.Int(2));
    SWEEP_ASSIGN_OR_RETURN(Bytes plain, OpenVersionBytes(s, seq, id, version, st.Blob(3)));
    v1::Record rec;
    const bool parsed = rec.ParseFromArray(plain.data(), static_cast<int>(plain.size()));
    const Digest record_hash = sync::RecordHash(plain);
    sodium_memzero(plain.data(), plain.size());
    if (!parsed) {
      return Status::Corruption("record " + id + " version " + std::to_string(version) +
                                " does not parse; nothing was purged: run `verify`");
    }
    Held& h = held[id];
    h.versions.push_back({seq, version, record_hash});
    h.max_seq = std::max(h.max_seq, seq);
    if (version >= h.latest) {
      h.latest = version;
      h.time = RecordTime(rec);
    }
    AddFiles(rec, &h.files);
  }
  return held;
}

// What goes: records oldest first, and for each of them the photos that go
// in its batch (named by no record that stays; the last record naming one
// carries it), with every record naming each photo.
struct Plan {
  std::vector<const std::string*> going;
  std::vector<std::vector<std::string>> files_at;
  std::map<std::string, std::vector<size_t>> file_records;
};

Plan PlanPurge(const std::map<std::string, Held>& held, uint64_t synced, int64_t cutoff_ms) {
  std::vector<std::pair<uint64_t, const std::string*>> going;  // (first seq, id)
  std::set<std::string> still_named;
  for (const auto& [id, h] : held) {
    if (h.max_seq <= synced && h.time < cutoff_ms) {
      going.emplace_back(h.versions.front().seq, &id);
    } else {
      still_named.insert(h.files.begin(), h.files.end());
    }
  }
  std::sort(going.begin(), going.end());
  Plan plan;
  for (const auto& g : going) plan.going.push_back(g.second);
  for (size_t i = 0; i < plan.going.size(); ++i) {
    for (const std::string& sha : held.at(*plan.going[i]).files) {
      if (!still_named.count(sha)) plan.file_records[sha].push_back(i);
    }
  }
  plan.files_at.resize(plan.going.size());
  for (const auto& [sha, records] : plan.file_records) plan.files_at[records.back()].push_back(sha);
  return plan;
}

}  // namespace

Result<PurgeSummary> Store::PurgeSynced(uint32_t days) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  PurgeSummary out;
  out.days = days;
  if (days == 0) return out;
  const int64_t now = s->env->NowMillis();
  out.cutoff_ms = now - int64_t{days} * kDayMs;
  SWEEP_ASSIGN_OR_RETURN(int64_t synced_i, s->MetaInt("synced_seq", 0));
  const auto synced = static_cast<uint64_t>(synced_i);
  SWEEP_ASSIGN_OR_RETURN(auto held, ReadHeld(s));
  const Plan plan = PlanPurge(held, synced, out.cutoff_ms);
  std::set<size_t> skipped;  // records an edit saved meanwhile keeps
  for (size_t start = 0; start < plan.going.size(); start += kBatchRecords) {
    const size_t end = std::min(plan.going.size(), start + kBatchRecords);
    SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
    PurgeSummary batch;
    for (size_t i = start; i < end; ++i) {
      const Held& h = held.at(*plan.going[i]);
      SWEEP_ASSIGN_OR_RETURN(bool purged, PurgeRecord(s, *plan.going[i], h, now, synced));
      if (!purged) {
        skipped.insert(i);
        continue;
      }
      ++batch.records;
      batch.versions += h.versions.size();
    }
    for (size_t i = start; i < end; ++i) {
      for (const std::string& sha : plan.files_at[i]) {
        const auto& named = plan.file_records.at(sha);
        if (std::any_of(named.begin(), named.end(), [&](size_t r) { return skipped.count(r); })) {
          continue;  // a record naming it stays after all
        }
        SWEEP_ASSIGN_OR_RETURN(bool deleted, PurgeFile(s, sha));
        batch.files += deleted ? 1 : 0;
      }
    }
    SWEEP_RETURN_IF_ERROR(tx->Commit().WithContext("purging records after sync"));
    out.records += batch.records;
    out.versions += batch.versions;
    out.files += batch.files;
  }
  // The log still holds the pages as they were before: fold it into the
  // file and empty it (secure_delete has zeroed the freed space there).
  if (out.records > 0 || out.files > 0) (void)s->db->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return out;
}

}  // namespace sweep::field
