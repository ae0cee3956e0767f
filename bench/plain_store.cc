// Plain SQLite baseline. Statement handling mirrors Store::Append (prepare
// per transaction, bind, run) so that only the security work differs.
#include "plain_store.h"

#include <array>
#include <filesystem>

namespace sweep::bench {

Result<std::unique_ptr<PlainStore>> PlainStore::Create(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / "plain.db").string();
  SWEEP_ASSIGN_OR_RETURN(auto db, sql::Db::Open(path, true));
  SWEEP_RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;"
               "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;"));
  SWEEP_RETURN_IF_ERROR(db->Exec(R"sql(
    CREATE TABLE versions(
      seq INTEGER PRIMARY KEY,
      record_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      payload BLOB NOT NULL,
      entry_hash BLOB NOT NULL,
      head_sig BLOB,
      UNIQUE(record_id, version));
    CREATE TABLE tags(tag TEXT NOT NULL, seq INTEGER NOT NULL);
    CREATE INDEX tags_by_tag ON tags(tag);
  )sql"));
  return std::unique_ptr<PlainStore>(new PlainStore(std::move(db)));
}

Status PlainStore::Append(const std::vector<PlainVersion>& versions, uint64_t* serialized_bytes) {
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO versions(seq, record_id, version,"
                                                   " payload, entry_hash, head_sig)"
                                                   " VALUES(?,?,?,?,?,?)"));
  SWEEP_ASSIGN_OR_RETURN(auto tag_insert, db_->Prepare("INSERT INTO tags(tag, seq) VALUES(?,?)"));
  std::string bytes;
  for (const PlainVersion& v : versions) {
    const uint64_t seq = seq_ + 1;
    bytes.clear();
    if (!v.record.SerializeToString(&bytes)) return Status::Internal("cannot serialise record");
    if (serialized_bytes != nullptr) *serialized_bytes += bytes.size();
    // Same size as the store's BLAKE2b entry hash; no hashing (that is
    // security work the baseline does not do).
    std::array<uint8_t, 32> entry_hash{};
    for (int i = 0; i < 8; ++i) entry_hash[i] = static_cast<uint8_t>(seq >> (8 * i));
    insert.Bind(1, static_cast<int64_t>(seq))
        .Bind(2, v.record.record_id())
        .Bind(3, static_cast<int64_t>(v.record.version()))
        .Bind(4, crypto::AsBytes(bytes))
        .Bind(5, crypto::ByteView(entry_hash))
        .BindNull(6);
    SWEEP_RETURN_IF_ERROR(insert.Run());
    for (const std::string& tag : v.tags) {
      tag_insert.Bind(1, tag).Bind(2, static_cast<int64_t>(seq));
      SWEEP_RETURN_IF_ERROR(tag_insert.Run());
    }
    seq_ = seq;
  }
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return Status::Ok();
}

}  // namespace sweep::bench
