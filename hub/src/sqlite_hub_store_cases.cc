// SqliteHubStore, cases part: the tables schema version 4 added for the case
// file (supervisors' edits, what the derived watchlist published) and the
// reads the case file needs from the merge. Concurrency and atomicity as
// described at the top of sqlite_hub_store.cc: every method holds mu_,
// multi-statement methods run in one BEGIN IMMEDIATE transaction.
// docs/hub-storage.md "Version 4" specifies the tables.
#include <set>

#include "sqlite_hub_store.h"

namespace sweep::hub {

Status CreateCaseSchema(sql::Db* db) {
  return db->Exec(R"sql(
    CREATE TABLE IF NOT EXISTS case_edits(
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      by TEXT NOT NULL, at_ms INTEGER NOT NULL,
      body BLOB NOT NULL);  -- serialised sweep.v1.CaseUpdate
    CREATE TABLE IF NOT EXISTS watchlist_derived(
      key TEXT PRIMARY KEY,             -- hex hash, the feed key
      feed_seq INTEGER NOT NULL,        -- the feed item that published it
      digest BLOB NOT NULL) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS feed_by_kind_key ON feed(kind, key, seq);
  )sql");
}

Result<uint64_t> SqliteHubStore::AppendCaseEdit(const cases::HubEdit& edit) {
  std::string body;
  if (!edit.update.SerializeToString(&body)) {
    return Status::Internal("cannot serialise the case update of " + edit.by);
  }
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO case_edits(by, at_ms, body)"
                                               " VALUES(?, ?, ?)"));
  st.Bind(1, edit.by).Bind(2, edit.at_ms).Bind(3, crypto::AsBytes(body));
  SWEEP_RETURN_IF_ERROR(st.Run());
  return static_cast<uint64_t>(db_->LastInsertRowId());
}

Result<std::vector<cases::HubEdit>> SqliteHubStore::ListCaseEdits() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db_->Prepare("SELECT seq, by, at_ms, body FROM case_edits ORDER BY seq"));
  std::vector<cases::HubEdit> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    cases::HubEdit e;
    e.seq = static_cast<uint64_t>(st.Int(0));
    e.by = st.Text(1);
    e.at_ms = st.Int(2);
    Bytes body = st.Blob(3);
    if (!e.update.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return Status::Corruption("the stored case edit " + std::to_string(e.seq) +
                                " is not a readable CaseUpdate: restore a backup");
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteHubStore::MergeMentionEntities() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT mention_id, entity_id FROM merge_entities"
                                               " ORDER BY mention_id"));
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.emplace_back(st.Text(0), st.Text(1));
  }
  return out;
}

Result<std::vector<DerivedWatchRow>> SqliteHubStore::ListDerivedWatchlist() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT key, feed_seq, digest"
                                               " FROM watchlist_derived ORDER BY key"));
  std::vector<DerivedWatchRow> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.Text(0), static_cast<uint64_t>(st.Int(1)), st.Blob(2)});
  }
  return out;
}

namespace {

// The latest watchlist item (audience "all") of `key`: {0, false} if none.
Result<WatchKeyLatest> LatestOf(sql::Stmt* st, const std::string& key) {
  st->Bind(1, key);
  SWEEP_ASSIGN_OR_RETURN(bool row, st->Step());
  WatchKeyLatest out{key, 0, false};
  if (row) {
    out.seq = static_cast<uint64_t>(st->Int(0));
    out.deleted = st->Int(1) != 0;
  }
  SWEEP_RETURN_IF_ERROR(st->Reset());
  return out;
}

constexpr const char* kLatestWatchSql =
    "SELECT seq, deleted FROM feed WHERE kind='watchlist' AND key=? AND audience='all'"
    " ORDER BY seq DESC LIMIT 1";

}  // namespace

Result<std::vector<WatchKeyLatest>> SqliteHubStore::LatestWatchlistItems(
    const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(kLatestWatchSql));
  std::vector<WatchKeyLatest> out;
  out.reserve(keys.size());
  for (const std::string& key : keys) {
    SWEEP_ASSIGN_OR_RETURN(auto latest, LatestOf(&st, key));
    out.push_back(std::move(latest));
  }
  return out;
}

Status SqliteHubStore::ApplyDerivedWatchlist(const DerivedWatchBatch& batch) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto latest, db_->Prepare(kLatestWatchSql));
  for (const auto& [key, seq] : batch.expected_latest) {
    SWEEP_ASSIGN_OR_RETURN(auto now, LatestOf(&latest, key));
    if (now.seq != seq) {
      return Status::Conflict("the watchlist entry " + key +
                              " changed while the derived watchlist was computed");
    }
  }
  SWEEP_ASSIGN_OR_RETURN(auto put, db_->Prepare("INSERT OR REPLACE INTO watchlist_derived(key,"
                                                " feed_seq, digest) VALUES(?, ?, ?)"));
  SWEEP_ASSIGN_OR_RETURN(auto drop, db_->Prepare("DELETE FROM watchlist_derived WHERE key=?"));
  for (const FeedItemRow& item : batch.items) {
    SWEEP_ASSIGN_OR_RETURN(uint64_t seq, InsertFeedItem(db_.get(), item));
    if (item.deleted) {
      drop.Bind(1, item.key);
      SWEEP_RETURN_IF_ERROR(drop.Run());
    } else {
      put.Bind(1, item.key).Bind(2, ToSql(seq)).Bind(3, FeedDigest(item.payload));
      SWEEP_RETURN_IF_ERROR(put.Run());
    }
  }
  for (const std::string& key : batch.forget) {
    drop.Bind(1, key);
    SWEEP_RETURN_IF_ERROR(drop.Run());
  }
  return tx->Commit();
}

}  // namespace sweep::hub
