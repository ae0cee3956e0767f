// SqliteHubStore, ledger part: the tables schema version 2 added, the
// publication revision, visits, ledger units and the feed state. Concurrency
// and atomicity as described at the top of sqlite_hub_store.cc: every method
// holds mu_, multi-statement methods run in one BEGIN IMMEDIATE transaction.
// docs/hub-storage.md specifies the tables.
#include <algorithm>

#include "sqlite_hub_store.h"

namespace sweep::hub {

using schema::ledger::PersonSeen;
using schema::ledger::Visit;

// ------------------------------------------------------------------ schema

Status CreateLedgerSchema(sql::Db* db) {
  return db->Exec(R"sql(
    CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE buildings(
      key TEXT PRIMARY KEY,
      division_code TEXT NOT NULL,
      address BLOB NOT NULL,
      type TEXT NOT NULL,
      floors INTEGER NOT NULL, units_per_floor INTEGER NOT NULL, stairwells INTEGER NOT NULL,
      updated_ms INTEGER NOT NULL);
    CREATE INDEX buildings_by_division ON buildings(division_code, key);
    CREATE TABLE units(
      building_key TEXT NOT NULL REFERENCES buildings(key),
      unit_key TEXT NOT NULL,
      residents BLOB NOT NULL,
      PRIMARY KEY(building_key, unit_key)) WITHOUT ROWID;
    CREATE TABLE beats(
      name TEXT PRIMARY KEY,
      communities BLOB NOT NULL, streets BLOB NOT NULL,
      buildings BLOB NOT NULL, excluded BLOB NOT NULL,
      created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
    CREATE TABLE beat_officers(
      beat TEXT NOT NULL REFERENCES beats(name),
      officer_id TEXT NOT NULL,
      assigned_ms INTEGER NOT NULL,
      PRIMARY KEY(beat, officer_id)) WITHOUT ROWID;
    CREATE TABLE visits(
      record_id TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      device_id TEXT NOT NULL, officer_id TEXT NOT NULL,
      at_ms INTEGER NOT NULL, status INTEGER NOT NULL, den INTEGER NOT NULL,
      indicators BLOB NOT NULL, persons BLOB NOT NULL,
      building_key TEXT NOT NULL, unit_key TEXT NOT NULL,
      address BLOB NOT NULL);
    CREATE INDEX visits_by_unit ON visits(building_key, unit_key, record_id);
    CREATE TABLE ledger_units(
      building_key TEXT NOT NULL, unit_key TEXT NOT NULL,
      state TEXT NOT NULL, progress BLOB NOT NULL, revisit BLOB NOT NULL,
      PRIMARY KEY(building_key, unit_key)) WITHOUT ROWID;
    CREATE TABLE feed_state(
      kind TEXT NOT NULL, audience TEXT NOT NULL, key TEXT NOT NULL,
      digest BLOB NOT NULL, deleted INTEGER NOT NULL,
      PRIMARY KEY(kind, audience, key)) WITHOUT ROWID;
    CREATE INDEX feed_state_by_key ON feed_state(kind, key);
    CREATE TABLE ledger_meta(
      id INTEGER PRIMARY KEY CHECK(id = 1),
      cursor INTEGER NOT NULL, revision INTEGER NOT NULL);
    INSERT INTO ledger_meta(id, cursor, revision) VALUES(1, 0, 0);
  )sql");
}

Status BumpRevision(sql::Db* db) {
  return db->Exec("UPDATE ledger_meta SET revision = revision + 1 WHERE id=1");
}

Result<uint64_t> InsertFeedItem(sql::Db* db, const FeedItemRow& item) {
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("INSERT INTO feed(audience, kind, key, deleted,"
                                              " payload) VALUES(?, ?, ?, ?, ?)"));
  st.Bind(1, item.audience)
      .Bind(2, item.kind)
      .Bind(3, item.key)
      .Bind(4, static_cast<int64_t>(item.deleted))
      .Bind(5, item.payload);
  SWEEP_RETURN_IF_ERROR(st.Run());
  // Safe under mu_: no other statement ran on this connection since the insert.
  auto seq = static_cast<uint64_t>(db->LastInsertRowId());
  SWEEP_ASSIGN_OR_RETURN(auto state,
                         db->Prepare("INSERT OR REPLACE INTO feed_state(kind, audience, key,"
                                     " digest, deleted) VALUES(?, ?, ?, ?, ?)"));
  state.Bind(1, item.kind)
      .Bind(2, item.audience)
      .Bind(3, item.key)
      .Bind(4, item.deleted ? Bytes{} : FeedDigest(item.payload))
      .Bind(5, static_cast<int64_t>(item.deleted));
  SWEEP_RETURN_IF_ERROR(state.Run());
  return seq;
}

Status RebuildFeedState(sql::Db* db) {
  SWEEP_ASSIGN_OR_RETURN(
      auto feed,
      db->Prepare("SELECT audience, kind, key, deleted, payload FROM feed ORDER BY seq"));
  SWEEP_ASSIGN_OR_RETURN(auto state,
                         db->Prepare("INSERT OR REPLACE INTO feed_state(kind, audience, key,"
                                     " digest, deleted) VALUES(?, ?, ?, ?, ?)"));
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, feed.Step());
    if (!row) break;
    bool deleted = feed.Int(3) != 0;
    state.Bind(1, feed.Text(1))
        .Bind(2, feed.Text(0))
        .Bind(3, feed.Text(2))
        .Bind(4, deleted ? Bytes{} : FeedDigest(feed.Blob(4)))
        .Bind(5, static_cast<int64_t>(deleted));
    SWEEP_RETURN_IF_ERROR(state.Run());
    SWEEP_RETURN_IF_ERROR(state.Reset());
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ encoding

Bytes EncodeStrings(const std::vector<std::string>& items) {
  Bytes out;
  for (const std::string& s : items) {
    uint64_t n = s.size();
    do {
      uint8_t b = n & 0x7F;
      n >>= 7;
      out.push_back(n ? (b | 0x80) : b);
    } while (n);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

Result<std::vector<std::string>> DecodeStrings(const Bytes& blob) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < blob.size()) {
    uint64_t n = 0;
    int shift = 0;
    for (;;) {
      if (i >= blob.size() || shift > 56) {
        return Status::Corruption("a stored string list is truncated or malformed");
      }
      uint8_t b = blob[i++];
      n |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (n > blob.size() - i) return Status::Corruption("a stored string list is truncated");
    out.emplace_back(blob.begin() + static_cast<std::ptrdiff_t>(i),
                     blob.begin() + static_cast<std::ptrdiff_t>(i + n));
    i += n;
  }
  return out;
}

namespace {

Bytes EncodePersons(const std::vector<PersonSeen>& persons) {
  std::vector<std::string> flat;
  for (const PersonSeen& p : persons) {
    flat.insert(flat.end(), {p.key, p.name, p.present ? "1" : "0", p.moved_out ? "1" : "0"});
  }
  return EncodeStrings(flat);
}

Result<std::vector<PersonSeen>> DecodePersons(const Bytes& blob) {
  SWEEP_ASSIGN_OR_RETURN(auto flat, DecodeStrings(blob));
  if (flat.size() % 4 != 0) return Status::Corruption("a stored visit's persons are malformed");
  std::vector<PersonSeen> out;
  for (size_t i = 0; i < flat.size(); i += 4) {
    out.push_back({flat[i], flat[i + 1], flat[i + 2] == "1", flat[i + 3] == "1"});
  }
  return out;
}

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

constexpr const char* kVisitColumns =
    "SELECT record_id, version, officer_id, at_ms, status, den, indicators, persons,"
    " building_key, unit_key, address FROM visits";

Result<Visit> ReadVisit(const sql::Stmt& st) {
  Visit v;
  v.record_id = st.Text(0);
  v.version = static_cast<uint64_t>(st.Int(1));
  v.officer_id = st.Text(2);
  v.at_ms = st.Int(3);
  v.status = static_cast<v1::UnitStatus>(st.Int(4));
  v.den_suspected = st.Int(5) != 0;
  SWEEP_ASSIGN_OR_RETURN(v.indicators, DecodeStrings(st.Blob(6)));
  SWEEP_ASSIGN_OR_RETURN(v.persons, DecodePersons(st.Blob(7)));
  v.building_key = st.Text(8);
  v.unit_key = st.Text(9);
  Bytes address = st.Blob(10);
  if (!v.address.ParseFromArray(address.data(), static_cast<int>(address.size()))) {
    return Status::Corruption("the stored address of visit " + v.record_id + " does not parse");
  }
  return v;
}

Result<std::vector<Visit>> ReadVisits(sql::Stmt& st, std::vector<Visit> out = {}) {
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SWEEP_ASSIGN_OR_RETURN(Visit v, ReadVisit(st));
    out.push_back(std::move(v));
  }
  return out;
}

// Per record id, the highest version wins (an older version arriving later
// changes nothing).
Status UpsertVisits(sql::Db* db, const LedgerBatch& batch) {
  SWEEP_ASSIGN_OR_RETURN(
      auto st,
      db->Prepare("INSERT INTO visits(record_id, version, device_id, officer_id, at_ms, status,"
                  " den, indicators, persons, building_key, unit_key, address)"
                  " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                  " ON CONFLICT(record_id) DO UPDATE SET version=excluded.version,"
                  " device_id=excluded.device_id, officer_id=excluded.officer_id,"
                  " at_ms=excluded.at_ms, status=excluded.status, den=excluded.den,"
                  " indicators=excluded.indicators, persons=excluded.persons,"
                  " building_key=excluded.building_key, unit_key=excluded.unit_key,"
                  " address=excluded.address WHERE excluded.version > visits.version"));
  for (size_t i = 0; i < batch.visits.size(); ++i) {
    const Visit& v = batch.visits[i];
    st.Bind(1, v.record_id)
        .Bind(2, ToSql(v.version))
        .Bind(3, i < batch.visit_devices.size() ? batch.visit_devices[i] : std::string())
        .Bind(4, v.officer_id)
        .Bind(5, v.at_ms)
        .Bind(6, static_cast<int64_t>(v.status))
        .Bind(7, static_cast<int64_t>(v.den_suspected))
        .Bind(8, EncodeStrings(v.indicators))
        .Bind(9, EncodePersons(v.persons))
        .Bind(10, v.building_key)
        .Bind(11, v.unit_key)
        .Bind(12, ToBytes(v.address.SerializeAsString()));
    Status s = st.Run();
    if (!s.ok()) return s.WithContext("storing the visit of record " + v.record_id);
  }
  return Status::Ok();
}

Status ReplaceLedgerUnits(sql::Db* db, const std::vector<LedgerUnitRow>& units) {
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db->Prepare("INSERT OR REPLACE INTO ledger_units(building_key, unit_key, state,"
                           " progress, revisit) VALUES(?, ?, ?, ?, ?)"));
  for (const LedgerUnitRow& u : units) {
    st.Bind(1, u.building_key)
        .Bind(2, u.unit_key)
        .Bind(3, u.state)
        .Bind(4, u.progress)
        .Bind(5, u.revisit);
    SWEEP_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

// Reads ledger_meta (cursor, revision).
Result<std::pair<uint64_t, uint64_t>> ReadLedgerMeta(sql::Db* db) {
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT cursor, revision FROM ledger_meta"
                                              " WHERE id=1"));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::Corruption("the hub database has no ledger_meta row");
  return std::make_pair(static_cast<uint64_t>(st.Int(0)), static_cast<uint64_t>(st.Int(1)));
}

// Batches of bound parameters, far below SQLite's limit (32766).
constexpr size_t kChunk = 500;

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

}  // namespace

// ------------------------------------------------------------------ ledger

Result<uint64_t> SqliteHubStore::LedgerCursor() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto meta, ReadLedgerMeta(db_.get()));
  return meta.first;
}

Result<uint64_t> SqliteHubStore::PublicationRevision() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto meta, ReadLedgerMeta(db_.get()));
  return meta.second;
}

Status SqliteHubStore::ApplyLedger(const LedgerBatch& batch) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto meta, ReadLedgerMeta(db_.get()));
  if (meta.first != batch.expected_cursor || meta.second != batch.expected_revision) {
    return Status::Conflict("the ledger moved on (cursor " + std::to_string(meta.first) +
                            ", revision " + std::to_string(meta.second) +
                            ") while this step was computed; nothing was written");
  }
  SWEEP_RETURN_IF_ERROR(UpsertVisits(db_.get(), batch));
  SWEEP_RETURN_IF_ERROR(ReplaceLedgerUnits(db_.get(), batch.units));
  for (const FeedItemRow& item : batch.feed) {
    SWEEP_RETURN_IF_ERROR(InsertFeedItem(db_.get(), item).status());
  }
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE ledger_meta SET cursor=?,"
                                               " revision = revision + 1 WHERE id=1"));
  st.Bind(1, ToSql(batch.new_cursor));
  SWEEP_RETURN_IF_ERROR(st.Run());
  return tx->Commit();
}

Result<std::vector<Visit>> SqliteHubStore::VisitsOfUnits(const std::vector<UnitPosition>& units) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare(std::string(kVisitColumns) + " WHERE building_key=? AND unit_key=?"
                                                         " ORDER BY record_id"));
  std::vector<Visit> out;
  for (const UnitPosition& u : units) {
    st.Bind(1, u.building_key).Bind(2, u.unit_key);
    SWEEP_ASSIGN_OR_RETURN(out, ReadVisits(st, std::move(out)));
    SWEEP_RETURN_IF_ERROR(st.Reset());
  }
  return out;
}

Result<std::vector<Visit>> SqliteHubStore::VisitsByRecord(
    const std::vector<std::string>& record_ids) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kVisitColumns) + " WHERE record_id=?"));
  std::vector<Visit> out;
  for (const std::string& id : record_ids) {
    st.Bind(1, id);
    SWEEP_ASSIGN_OR_RETURN(out, ReadVisits(st, std::move(out)));
    SWEEP_RETURN_IF_ERROR(st.Reset());
  }
  return out;
}

Result<std::vector<Visit>> SqliteHubStore::ListVisits(const UnitPosition& after, size_t limit) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db_->Prepare(std::string(kVisitColumns) +
                                      " WHERE (building_key, unit_key, record_id) > (?, ?, ?)"
                                      " ORDER BY building_key, unit_key, record_id LIMIT ?"));
  st.Bind(1, after.building_key)
      .Bind(2, after.unit_key)
      .Bind(3, after.record_id)
      .Bind(4, ToSql(limit));
  return ReadVisits(st);
}

Result<std::vector<LedgerUnitRow>> SqliteHubStore::LedgerUnits(
    const std::vector<std::string>& building_keys) {
  std::lock_guard lock(mu_);
  std::string sql = "SELECT building_key, unit_key, state, progress, revisit FROM ledger_units";
  if (!building_keys.empty()) sql += " WHERE building_key=?";
  sql += " ORDER BY building_key, unit_key";
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
  std::vector<LedgerUnitRow> out;
  auto read = [&]() -> Status {
    for (;;) {
      SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return st.Reset();
      out.push_back({st.Text(0), st.Text(1), st.Text(2), st.Blob(3), st.Blob(4)});
    }
  };
  if (building_keys.empty()) {
    SWEEP_RETURN_IF_ERROR(read());
    return out;
  }
  for (const std::string& key : building_keys) {
    st.Bind(1, key);
    SWEEP_RETURN_IF_ERROR(read());
  }
  return out;
}

// ------------------------------------------------------------------ feed state

Result<std::vector<FeedStateRow>> SqliteHubStore::ReadFeedState(const FeedStateQuery& query) {
  std::lock_guard lock(mu_);
  std::vector<FeedStateRow> out;
  // One filter list may be long (keys of a catch-up step): it is bound in
  // chunks; the other filters are short.
  bool by_keys = !query.keys.empty();
  const std::vector<std::string>& chunked = by_keys ? query.keys : query.audiences;
  for (const std::string& kind : query.kinds) {
    for (size_t from = 0; from < std::max<size_t>(chunked.size(), 1); from += kChunk) {
      size_t n = std::min(kChunk, chunked.size() - std::min(from, chunked.size()));
      std::string sql = "SELECT kind, audience, key, digest, deleted FROM feed_state WHERE kind=?";
      if (n > 0)
        sql +=
            std::string(" AND ") + (by_keys ? "key" : "audience") + " IN (" + Placeholders(n) + ")";
      if (by_keys && !query.audiences.empty()) {
        sql += " AND audience IN (" + Placeholders(query.audiences.size()) + ")";
      }
      SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
      int p = 1;
      st.Bind(p++, kind);
      for (size_t i = 0; i < n; ++i) st.Bind(p++, chunked[from + i]);
      if (by_keys) {
        for (const std::string& a : query.audiences) st.Bind(p++, a);
      }
      for (;;) {
        SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        out.push_back({st.Text(1), st.Text(0), st.Text(2), st.Blob(3), st.Int(4) != 0});
      }
      if (n == 0) break;
    }
  }
  return out;
}

Status SqliteHubStore::PublishFeed(const std::vector<FeedItemRow>& items,
                                   uint64_t expected_revision) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto meta, ReadLedgerMeta(db_.get()));
  if (meta.second != expected_revision) {
    return Status::Conflict(
        "the register or the ledger changed (revision " + std::to_string(meta.second) + ", not " +
        std::to_string(expected_revision) + ") while the feed was computed; nothing was published");
  }
  for (const FeedItemRow& item : items) {
    SWEEP_RETURN_IF_ERROR(InsertFeedItem(db_.get(), item).status());
  }
  SWEEP_RETURN_IF_ERROR(BumpRevision(db_.get()));
  return tx->Commit();
}

}  // namespace sweep::hub
