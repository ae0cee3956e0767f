// SqliteHubStore, register part: settings, buildings and their units, beats
// and their officers. Every write bumps the publication revision in the same
// transaction (see BumpRevision). Concurrency and atomicity as described at
// the top of sqlite_hub_store.cc. docs/hub-storage.md specifies the tables.
#include <algorithm>

#include "sqlite_hub_store.h"

namespace sweep::hub {

namespace {

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes EncodeResidents(const std::vector<RegisteredResident>& residents) {
  std::vector<std::string> flat;
  for (const RegisteredResident& r : residents) flat.insert(flat.end(), {r.name, r.id_number});
  return EncodeStrings(flat);
}

Result<std::vector<RegisteredResident>> DecodeResidents(const Bytes& blob) {
  SWEEP_ASSIGN_OR_RETURN(auto flat, DecodeStrings(blob));
  if (flat.size() % 2 != 0) return Status::Corruption("a stored unit's residents are malformed");
  std::vector<RegisteredResident> out;
  for (size_t i = 0; i < flat.size(); i += 2) out.push_back({flat[i], flat[i + 1]});
  return out;
}

Status UpsertBuilding(sql::Stmt& building, sql::Stmt& drop_units, sql::Stmt& unit,
                      const BuildingRow& b, int64_t now_ms) {
  building.Bind(1, b.key)
      .Bind(2, b.division_code)
      .Bind(3, ToBytes(b.address.SerializeAsString()))
      .Bind(4, b.type)
      .Bind(5, static_cast<int64_t>(b.floors))
      .Bind(6, static_cast<int64_t>(b.units_per_floor))
      .Bind(7, static_cast<int64_t>(b.stairwells))
      .Bind(8, now_ms);
  SWEEP_RETURN_IF_ERROR(building.Run());
  drop_units.Bind(1, b.key);
  SWEEP_RETURN_IF_ERROR(drop_units.Run());
  for (const UnitRow& u : b.units) {
    unit.Bind(1, b.key).Bind(2, u.unit_key).Bind(3, EncodeResidents(u.residents));
    Status s = unit.Run();
    if (!s.ok()) return s.WithContext("unit " + u.unit_key + " of building " + b.key);
  }
  return Status::Ok();
}

constexpr const char* kBuildingColumns =
    "SELECT key, division_code, address, type, floors, units_per_floor, stairwells, updated_ms"
    " FROM buildings";

Result<BuildingRow> ReadBuilding(const sql::Stmt& st) {
  BuildingRow b;
  b.key = st.Text(0);
  b.division_code = st.Text(1);
  Bytes address = st.Blob(2);
  if (!b.address.ParseFromArray(address.data(), static_cast<int>(address.size()))) {
    return Status::Corruption("the stored address of building " + b.key + " does not parse");
  }
  b.type = st.Text(3);
  b.floors = static_cast<uint32_t>(st.Int(4));
  b.units_per_floor = static_cast<uint32_t>(st.Int(5));
  b.stairwells = static_cast<uint32_t>(st.Int(6));
  b.updated_ms = st.Int(7);
  return b;
}

struct BeatLists {
  Bytes communities, streets, buildings, excluded;
};
BeatLists EncodeBeat(const BeatRow& beat) {
  return {EncodeStrings(beat.communities), EncodeStrings(beat.streets),
          EncodeStrings(beat.buildings), EncodeStrings(beat.excluded)};
}

Status CheckBeatName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("a beat needs a name");
  return Status::Ok();
}

}  // namespace

// ------------------------------------------------------------------ settings

Result<std::optional<std::string>> SqliteHubStore::GetSetting(const std::string& key) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT value FROM settings WHERE key=?"));
  st.Bind(1, key);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

Status SqliteHubStore::PutSettings(const std::vector<std::pair<std::string, std::string>>& values) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db_->Prepare("INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)"));
  for (const auto& [key, value] : values) {
    st.Bind(1, key).Bind(2, value);
    SWEEP_RETURN_IF_ERROR(st.Run());
  }
  SWEEP_RETURN_IF_ERROR(BumpRevision(db_.get()));
  return tx->Commit();
}

// ------------------------------------------------------------------ buildings

Status SqliteHubStore::UpsertBuildings(const std::vector<BuildingRow>& buildings, int64_t now_ms) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(
      auto building,
      db_->Prepare("INSERT INTO buildings(key, division_code, address, type, floors,"
                   " units_per_floor, stairwells, updated_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT(key) DO UPDATE SET division_code=excluded.division_code,"
                   " address=excluded.address, type=excluded.type, floors=excluded.floors,"
                   " units_per_floor=excluded.units_per_floor, stairwells=excluded.stairwells,"
                   " updated_ms=excluded.updated_ms"));
  SWEEP_ASSIGN_OR_RETURN(auto drop_units, db_->Prepare("DELETE FROM units WHERE building_key=?"));
  SWEEP_ASSIGN_OR_RETURN(
      auto unit,
      db_->Prepare("INSERT INTO units(building_key, unit_key, residents) VALUES(?, ?, ?)"));
  for (const BuildingRow& b : buildings) {
    SWEEP_RETURN_IF_ERROR(UpsertBuilding(building, drop_units, unit, b, now_ms));
  }
  SWEEP_RETURN_IF_ERROR(BumpRevision(db_.get()));
  return tx->Commit();
}

Status SqliteHubStore::AddBuildingsWhere(const std::string& where,
                                         const std::vector<std::string>& params,
                                         std::map<std::string, BuildingRow>* out) {
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kBuildingColumns) + where));
  for (size_t i = 0; i < params.size(); ++i) st.Bind(static_cast<int>(i + 1), params[i]);
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Ok();
    SWEEP_ASSIGN_OR_RETURN(BuildingRow b, ReadBuilding(st));
    std::string key = b.key;
    out->emplace(std::move(key), std::move(b));
  }
}

Status SqliteHubStore::AttachUnits(std::map<std::string, BuildingRow>* buildings, bool all) {
  if (all) {
    // One ordered scan of the whole table.
    SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT building_key, unit_key, residents"
                                                 " FROM units ORDER BY building_key, unit_key"));
    for (;;) {
      SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return Status::Ok();
      auto it = buildings->find(st.Text(0));
      if (it == buildings->end()) continue;
      SWEEP_ASSIGN_OR_RETURN(auto residents, DecodeResidents(st.Blob(2)));
      it->second.units.push_back({it->first, st.Text(1), std::move(residents)});
    }
  }
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT unit_key, residents FROM units"
                                               " WHERE building_key=? ORDER BY unit_key"));
  for (auto& [key, b] : *buildings) {
    st.Bind(1, key);
    for (;;) {
      SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      SWEEP_ASSIGN_OR_RETURN(auto residents, DecodeResidents(st.Blob(1)));
      b.units.push_back({key, st.Text(0), std::move(residents)});
    }
    SWEEP_RETURN_IF_ERROR(st.Reset());
  }
  return Status::Ok();
}

Result<std::vector<BuildingRow>> SqliteHubStore::ListBuildings(const BuildingQuery& query) {
  std::lock_guard lock(mu_);
  // One read transaction: the buildings and their units at one moment.
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  std::map<std::string, BuildingRow> found;
  if (query.all) {
    SWEEP_RETURN_IF_ERROR(AddBuildingsWhere("", {}, &found));
  } else {
    for (const std::string& prefix : query.division_prefixes) {
      // Codes are digits, and ':' sorts right after '9': a range on the index.
      SWEEP_RETURN_IF_ERROR(AddBuildingsWhere(" WHERE division_code >= ? AND division_code < ?",
                                              {prefix, prefix + ":"}, &found));
    }
    for (const std::string& key : query.keys) {
      if (found.count(key)) continue;
      SWEEP_RETURN_IF_ERROR(AddBuildingsWhere(" WHERE key = ?", {key}, &found));
    }
  }
  if (query.with_units) SWEEP_RETURN_IF_ERROR(AttachUnits(&found, query.all));
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  std::vector<BuildingRow> out;
  out.reserve(found.size());
  for (auto& [key, b] : found) out.push_back(std::move(b));
  return out;
}

Result<uint64_t> SqliteHubStore::CountUnits() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT count(*) FROM units"));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<uint64_t>(st.Int(0)) : 0;
}

Result<std::vector<UnitRow>> SqliteHubStore::ListUnits(const UnitPosition& after, size_t limit) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT building_key, unit_key, residents FROM units"
                                               " WHERE (building_key, unit_key) > (?, ?)"
                                               " ORDER BY building_key, unit_key LIMIT ?"));
  st.Bind(1, after.building_key).Bind(2, after.unit_key).Bind(3, ToSql(limit));
  std::vector<UnitRow> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SWEEP_ASSIGN_OR_RETURN(auto residents, DecodeResidents(st.Blob(2)));
    out.push_back({st.Text(0), st.Text(1), std::move(residents)});
  }
  return out;
}

// ------------------------------------------------------------------ beats

Result<std::vector<BeatRow>> SqliteHubStore::ListBeats() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT name, communities, streets, buildings,"
                                               " excluded, created_ms, updated_ms FROM beats"
                                               " ORDER BY name"));
  std::vector<BeatRow> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    BeatRow b;
    b.name = st.Text(0);
    SWEEP_ASSIGN_OR_RETURN(b.communities, DecodeStrings(st.Blob(1)));
    SWEEP_ASSIGN_OR_RETURN(b.streets, DecodeStrings(st.Blob(2)));
    SWEEP_ASSIGN_OR_RETURN(b.buildings, DecodeStrings(st.Blob(3)));
    SWEEP_ASSIGN_OR_RETURN(b.excluded, DecodeStrings(st.Blob(4)));
    b.created_ms = st.Int(5);
    b.updated_ms = st.Int(6);
    out.push_back(std::move(b));
  }
  SWEEP_ASSIGN_OR_RETURN(auto officers, db_->Prepare("SELECT officer_id FROM beat_officers"
                                                     " WHERE beat=? ORDER BY officer_id"));
  for (BeatRow& b : out) {
    officers.Bind(1, b.name);
    for (;;) {
      SWEEP_ASSIGN_OR_RETURN(bool row, officers.Step());
      if (!row) break;
      b.officers.push_back(officers.Text(0));
    }
    SWEEP_RETURN_IF_ERROR(officers.Reset());
  }
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return out;
}

Status SqliteHubStore::CreateBeat(const BeatRow& beat, int64_t now_ms) {
  SWEEP_RETURN_IF_ERROR(CheckBeatName(beat.name));
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  BeatLists l = EncodeBeat(beat);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO beats(name, communities, streets,"
                                               " buildings, excluded, created_ms, updated_ms)"
                                               " VALUES(?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, beat.name)
      .Bind(2, l.communities)
      .Bind(3, l.streets)
      .Bind(4, l.buildings)
      .Bind(5, l.excluded)
      .Bind(6, now_ms)
      .Bind(7, now_ms);
  Status s = st.Run();
  if (s.code() == Code::kConflict) {
    return Status::AlreadyExists("beat '" + beat.name +
                                 "' exists already: change it with `beats add` / `beats remove`");
  }
  SWEEP_RETURN_IF_ERROR(s);
  SWEEP_RETURN_IF_ERROR(BumpRevision(db_.get()));
  return tx->Commit();
}

Status SqliteHubStore::UpdateBeat(const BeatRow& beat, int64_t now_ms) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  BeatLists l = EncodeBeat(beat);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE beats SET communities=?, streets=?,"
                                               " buildings=?, excluded=?, updated_ms=?"
                                               " WHERE name=?"));
  st.Bind(1, l.communities)
      .Bind(2, l.streets)
      .Bind(3, l.buildings)
      .Bind(4, l.excluded)
      .Bind(5, now_ms)
      .Bind(6, beat.name);
  SWEEP_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) return Status::NotFound("no beat '" + beat.name + "'");
  SWEEP_RETURN_IF_ERROR(BumpRevision(db_.get()));
  return tx->Commit();
}

Status SqliteHubStore::DeleteBeat(const std::string& name) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto officers, db_->Prepare("DELETE FROM beat_officers WHERE beat=?"));
  officers.Bind(1, name);
  SWEEP_RETURN_IF_ERROR(officers.Run());
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("DELETE FROM beats WHERE name=?"));
  st.Bind(1, name);
  SWEEP_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) return Status::NotFound("no beat '" + name + "'");
  SWEEP_RETURN_IF_ERROR(BumpRevision(db_.get()));
  return tx->Commit();
}

Status SqliteHubStore::Assign(const std::string& beat, const std::string& officer_id,
                              int64_t now_ms) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto exists, db_->Prepare("SELECT 1 FROM beats WHERE name=?"));
  exists.Bind(1, beat);
  SWEEP_ASSIGN_OR_RETURN(bool found, exists.Step());
  if (!found) return Status::NotFound("no beat '" + beat + "': create it with `beats create`");
  SWEEP_RETURN_IF_ERROR(exists.Reset());
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO beat_officers(beat, officer_id,"
                                               " assigned_ms) VALUES(?, ?, ?)"));
  st.Bind(1, beat).Bind(2, officer_id).Bind(3, now_ms);
  Status s = st.Run();
  if (s.code() == Code::kConflict) {
    return Status::AlreadyExists("beat '" + beat + "' is already assigned to officer " +
                                 officer_id);
  }
  SWEEP_RETURN_IF_ERROR(s);
  SWEEP_RETURN_IF_ERROR(BumpRevision(db_.get()));
  return tx->Commit();
}

Status SqliteHubStore::Unassign(const std::string& beat, const std::string& officer_id) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db_->Prepare("DELETE FROM beat_officers WHERE beat=? AND officer_id=?"));
  st.Bind(1, beat).Bind(2, officer_id);
  SWEEP_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) {
    return Status::NotFound("beat '" + beat + "' is not assigned to officer " + officer_id);
  }
  SWEEP_RETURN_IF_ERROR(BumpRevision(db_.get()));
  return tx->Commit();
}

}  // namespace sweep::hub
