// SqliteHubStore: what schema version 6 added, the audit log
// (docs/hub-storage.md "Audit log"): the hub's chain and the tablets' view
// logs ("device:<id>", stored as they arrive with sync). The store keeps
// the entries and serialises appends; what an entry's hash is, and what a
// broken chain means, is AuditLog's (audit.cc) and the views ingest's
// (ingest_views.cc), never SQL's.
#include "sqlite_hub_store.h"

namespace sweep::hub {

Status CreateAuditSchema(sql::Db* db) {
  return db->Exec(R"sql(
    CREATE TABLE IF NOT EXISTS audit(
      chain TEXT NOT NULL,
      seq INTEGER NOT NULL,
      at_ms INTEGER NOT NULL,
      actor TEXT NOT NULL,
      actor_role TEXT NOT NULL,
      device TEXT NOT NULL,
      action TEXT NOT NULL,
      entity TEXT NOT NULL,
      detail TEXT NOT NULL,
      prev_hash BLOB NOT NULL,
      hash BLOB NOT NULL,
      PRIMARY KEY(chain, seq)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS audit_by_entity ON audit(entity);
    CREATE INDEX IF NOT EXISTS audit_by_actor ON audit(actor);
  )sql");
}

namespace {

constexpr const char* kAuditColumns =
    "SELECT chain, seq, at_ms, actor, actor_role, device, action, entity, detail, prev_hash,"
    " hash FROM audit";

std::string AsString(const Bytes& b) { return std::string(b.begin(), b.end()); }

v1::AuditEntry ReadEntry(const sql::Stmt& st) {
  v1::AuditEntry e;
  e.set_chain(st.Text(0));
  e.set_seq(static_cast<uint64_t>(st.Int(1)));
  e.set_at_ms(st.Int(2));
  e.set_actor(st.Text(3));
  e.set_actor_role(st.Text(4));
  e.set_device(st.Text(5));
  e.set_action(st.Text(6));
  e.set_entity(st.Text(7));
  e.set_detail(st.Text(8));
  e.set_prev_hash(AsString(st.Blob(9)));
  e.set_hash(AsString(st.Blob(10)));
  return e;
}

Result<std::vector<v1::AuditEntry>> ReadAll(sql::Stmt& st) {
  std::vector<v1::AuditEntry> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadEntry(st));
  }
  return out;
}

crypto::ByteView View(const std::string& s) {
  return crypto::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Runs the prepared INSERT of every column for `e` (and resets it).
Status InsertEntry(sql::Stmt& st, const v1::AuditEntry& e) {
  st.Bind(1, e.chain())
      .Bind(2, ToSql(e.seq()))
      .Bind(3, e.at_ms())
      .Bind(4, e.actor())
      .Bind(5, e.actor_role())
      .Bind(6, e.device())
      .Bind(7, e.action())
      .Bind(8, e.entity())
      .Bind(9, e.detail())
      .Bind(10, View(e.prev_hash()))
      .Bind(11, View(e.hash()));
  return st.Run();
}

}  // namespace

Result<v1::AuditEntry> SqliteHubStore::AppendAudit(v1::AuditEntry e, const AuditSealer& seal) {
  std::lock_guard lock(mu_);
  // IMMEDIATE: the write lock is taken before the head is read, so two
  // processes appending to one file cannot both take the same seq.
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(
      auto head,
      db_->Prepare("SELECT seq, hash FROM audit WHERE chain=? ORDER BY seq DESC LIMIT 1"));
  head.Bind(1, e.chain());
  SWEEP_ASSIGN_OR_RETURN(bool found, head.Step());
  e.set_seq(found ? static_cast<uint64_t>(head.Int(0)) + 1 : 1);
  e.set_prev_hash(found ? AsString(head.Blob(1)) : std::string(32, '\0'));
  SWEEP_RETURN_IF_ERROR(head.Reset());
  e.set_hash(AsString(seal(e)));
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO audit(chain, seq, at_ms, actor, actor_role, device,"
                            " action, entity, detail, prev_hash, hash)"
                            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  SWEEP_RETURN_IF_ERROR(InsertEntry(st, e));
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return e;
}

Status SqliteHubStore::AppendChainEntries(const std::string& chain, uint64_t expected_head_seq,
                                          const std::vector<v1::AuditEntry>& entries) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto head,
                         db_->Prepare("SELECT coalesce(max(seq), 0) FROM audit WHERE chain=?"));
  head.Bind(1, chain);
  SWEEP_ASSIGN_OR_RETURN(bool row, head.Step());
  const uint64_t now = row ? static_cast<uint64_t>(head.Int(0)) : 0;
  SWEEP_RETURN_IF_ERROR(head.Reset());
  if (now != expected_head_seq) {
    return Status::Conflict("the audit chain " + chain + " is at seq " + std::to_string(now) +
                            ", not " + std::to_string(expected_head_seq) +
                            ": another sync of this tablet stored entries meanwhile; try again");
  }
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO audit(chain, seq, at_ms, actor, actor_role, device,"
                            " action, entity, detail, prev_hash, hash)"
                            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  uint64_t seq = expected_head_seq;
  for (const v1::AuditEntry& e : entries) {
    if (e.chain() != chain || e.seq() != ++seq) {
      return Status::InvalidArgument("entry " + std::to_string(e.seq()) + " of " + e.chain() +
                                     " does not continue " + chain + " at seq " +
                                     std::to_string(seq) + " (a bug in the caller)");
    }
    SWEEP_RETURN_IF_ERROR(InsertEntry(st, e));
  }
  return tx->Commit();
}

Result<std::vector<v1::AuditEntry>> SqliteHubStore::ReadAudit(const std::string& after_chain,
                                                              uint64_t after_seq, size_t limit) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db_->Prepare(std::string(kAuditColumns) + " WHERE (chain, seq) > (?, ?)"
                                                                   " ORDER BY chain, seq LIMIT ?"));
  st.Bind(1, after_chain).Bind(2, ToSql(after_seq)).Bind(3, ToSql(limit));
  return ReadAll(st);
}

Result<std::vector<v1::AuditEntry>> SqliteHubStore::FindAudit(const AuditQuery& q) {
  std::lock_guard lock(mu_);
  // A bare id ("P12") matches any kind ("person:P12"); "kind:id" matches exactly.
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db_->Prepare(std::string(kAuditColumns) +
                                      " WHERE (?1 = '' OR entity = ?1 OR (instr(?1, ':') = 0 AND"
                                      " substr(entity, instr(entity, ':') + 1) = ?1))"
                                      " AND (?2 = '' OR actor = ?2) AND at_ms >= ?3"
                                      " ORDER BY at_ms, chain, seq LIMIT ?4"));
  st.Bind(1, q.entity).Bind(2, q.actor).Bind(3, q.since_ms).Bind(4, ToSql(q.limit));
  return ReadAll(st);
}

Result<std::optional<v1::AuditEntry>> SqliteHubStore::AuditHead(const std::string& chain) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kAuditColumns) +
                                               " WHERE chain=? ORDER BY seq DESC LIMIT 1"));
  st.Bind(1, chain);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<v1::AuditEntry>();
  return std::optional<v1::AuditEntry>(ReadEntry(st));
}

}  // namespace sweep::hub
