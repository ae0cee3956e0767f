// SqliteHubStore, merge part: the tables schema version 3 added for the
// person merge (mentions, decisions, entity of each mention, review queue,
// cursor). Concurrency and atomicity as described at the top of
// sqlite_hub_store.cc: every method holds mu_, multi-statement methods run in
// one BEGIN IMMEDIATE transaction. docs/hub-storage.md specifies the tables
// and the mention encoding.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>

#include "sqlite_hub_store.h"

namespace sweep::hub {

using resolve::Decision;
using resolve::DecisionKind;
using resolve::PersonMention;
using resolve::ReviewPair;

Status CreateMergeSchema(sql::Db* db) {
  return db->Exec(R"sql(
    CREATE TABLE merge_meta(
      id INTEGER PRIMARY KEY CHECK(id = 1),
      cursor INTEGER NOT NULL, revision INTEGER NOT NULL);
    INSERT INTO merge_meta(id, cursor, revision) VALUES(1, 0, 0);
    CREATE TABLE merge_records(record_id TEXT PRIMARY KEY, version INTEGER NOT NULL,
                               first_order INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE merge_mentions(
      mention_id TEXT PRIMARY KEY,
      ordinal INTEGER NOT NULL UNIQUE,
      record_id TEXT NOT NULL,
      device_id TEXT NOT NULL,
      mention BLOB NOT NULL);
    CREATE INDEX merge_mentions_by_record ON merge_mentions(record_id);
    CREATE TABLE merge_decisions(
      pos INTEGER PRIMARY KEY,
      seq INTEGER NOT NULL, kind TEXT NOT NULL,
      a TEXT NOT NULL, b TEXT NOT NULL,
      by TEXT NOT NULL, at_ms INTEGER NOT NULL);
    CREATE TABLE merge_entities(
      mention_id TEXT PRIMARY KEY, entity_id TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX merge_entities_by_entity ON merge_entities(entity_id, mention_id);
    CREATE TABLE merge_review(
      rank INTEGER PRIMARY KEY,
      a TEXT NOT NULL, b TEXT NOT NULL,
      entity_a TEXT NOT NULL, entity_b TEXT NOT NULL,
      score_milli INTEGER NOT NULL);  -- score in 1/1000 bit
  )sql");
}

namespace {

// The mention blob: EncodeStrings of "m1" then the fields below, in this
// order (decimal integers as text). docs/hub-storage.md.
Bytes EncodeMention(const PersonMention& m) {
  return EncodeStrings({"m1", m.name, m.id_number, m.phone, std::to_string(static_cast<int>(m.sex)),
                        m.birth_date, m.role, m.premises_key, m.building_key, m.officer_id,
                        std::to_string(m.at_ms)});
}

Status DecodeMention(const Bytes& blob, PersonMention* m) {
  SWEEP_ASSIGN_OR_RETURN(auto f, DecodeStrings(blob));
  if (f.size() != 11 || f[0] != "m1") {
    return Status::Corruption("the stored merge mention " + m->mention_id + " is malformed");
  }
  int sex = 0;
  auto r1 = std::from_chars(f[4].data(), f[4].data() + f[4].size(), sex);
  auto r2 = std::from_chars(f[10].data(), f[10].data() + f[10].size(), m->at_ms);
  if (r1.ec != std::errc() || r2.ec != std::errc() || !v1::Sex_IsValid(sex)) {
    return Status::Corruption("the stored merge mention " + m->mention_id + " is malformed");
  }
  m->name = f[1];
  m->id_number = f[2];
  m->phone = f[3];
  m->sex = static_cast<v1::Sex>(sex);
  m->birth_date = f[5];
  m->role = f[6];
  m->premises_key = f[7];
  m->building_key = f[8];
  m->officer_id = f[9];
  return Status::Ok();
}

constexpr const char* kMentionColumns =
    "SELECT m.mention_id, m.ordinal, m.record_id, m.device_id, m.mention";

Result<MergeMentionView> ReadMention(const sql::Stmt& st) {
  MergeMentionView v;
  v.mention.mention_id = st.Text(0);
  v.mention.ordinal = static_cast<uint64_t>(st.Int(1));
  v.mention.record_id = st.Text(2);
  v.device_id = st.Text(3);
  SWEEP_RETURN_IF_ERROR(DecodeMention(st.Blob(4), &v.mention));
  return v;
}

Result<std::pair<uint64_t, uint64_t>> ReadMergeMeta(sql::Db* db) {
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db->Prepare("SELECT cursor, revision FROM merge_meta WHERE id=1"));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::Corruption("the hub database has no merge_meta row");
  return std::make_pair(static_cast<uint64_t>(st.Int(0)), static_cast<uint64_t>(st.Int(1)));
}

// Deletes the mentions (and their entity rows) of the batch's records that
// had some stored, then stores the records' versions and their mentions now
// (asked of the batch one record at a time). Records are written in id
// order: a mention id starts with its record id, so the mention and record
// indexes are filled front to back.
Status WriteMentions(sql::Db* db, const MergeBatch& b) {
  if (b.records.empty()) return Status::Ok();
  if (!b.mentions_of) return Status::InvalidArgument("a merge batch with records needs mentions_of");
  SWEEP_ASSIGN_OR_RETURN(auto drop_entities,
                         db->Prepare("DELETE FROM merge_entities WHERE mention_id IN"
                                     " (SELECT mention_id FROM merge_mentions WHERE record_id=?)"));
  SWEEP_ASSIGN_OR_RETURN(auto drop, db->Prepare("DELETE FROM merge_mentions WHERE record_id=?"));
  SWEEP_ASSIGN_OR_RETURN(auto record, db->Prepare("INSERT OR REPLACE INTO merge_records(record_id,"
                                                  " version, first_order) VALUES(?, ?, ?)"));
  SWEEP_ASSIGN_OR_RETURN(auto insert, db->Prepare("INSERT INTO merge_mentions(mention_id, ordinal,"
                                                  " record_id, device_id, mention)"
                                                  " VALUES(?, ?, ?, ?, ?)"));
  std::vector<const MergedRecord*> order;
  order.reserve(b.records.size());
  for (const MergedRecord& r : b.records) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const MergedRecord* x, const MergedRecord* y) {
    return x->record_id < y->record_id;
  });
  for (const MergedRecord* r : order) {
    if (r->replaces) {
      drop_entities.Bind(1, r->record_id);
      SWEEP_RETURN_IF_ERROR(drop_entities.Run());
      drop.Bind(1, r->record_id);
      SWEEP_RETURN_IF_ERROR(drop.Run());
    }
    record.Bind(1, r->record_id).Bind(2, ToSql(r->version)).Bind(3, ToSql(r->first_order));
    SWEEP_RETURN_IF_ERROR(record.Run());
    for (const PersonMention& m : b.mentions_of(r->record_id)) {
      insert.Bind(1, m.mention_id)
          .Bind(2, ToSql(m.ordinal))
          .Bind(3, m.record_id)
          .Bind(4, r->device_id)
          .Bind(5, EncodeMention(m));
      Status s = insert.Run();
      if (!s.ok()) return s.WithContext("storing merge mention " + m.mention_id);
    }
  }
  return Status::Ok();
}

Status WriteDecisions(sql::Db* db, const std::vector<Decision>& decisions) {
  SWEEP_RETURN_IF_ERROR(db->Exec("DELETE FROM merge_decisions"));
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("INSERT INTO merge_decisions(seq, kind, a, b, by,"
                                              " at_ms) VALUES(?, ?, ?, ?, ?, ?)"));
  for (const Decision& d : decisions) {
    if (d.kind == DecisionKind::kSplit) {
      return Status::InvalidArgument("stored merge decisions are same/not-same pairs only");
    }
    st.Bind(1, ToSql(d.seq))
        .Bind(2, d.kind == DecisionKind::kSame ? "same" : "not_same")
        .Bind(3, d.a)
        .Bind(4, d.b)
        .Bind(5, d.by)
        .Bind(6, d.at_ms);
    SWEEP_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

// Removed entities lose their rows; for each changed entity only the rows
// that differ are written (a mention that joined it, one that left it), so a
// step costs its changes, not the size of the entities it touches.
Status WriteEntities(sql::Db* db, const MergeBatch& b) {
  SWEEP_ASSIGN_OR_RETURN(auto drop, db->Prepare("DELETE FROM merge_entities WHERE entity_id=?"));
  for (const std::string& id : b.removed_entities) {
    drop.Bind(1, id);
    SWEEP_RETURN_IF_ERROR(drop.Run());
  }
  SWEEP_ASSIGN_OR_RETURN(auto members,
                         db->Prepare("SELECT mention_id FROM merge_entities WHERE entity_id=?"));
  SWEEP_ASSIGN_OR_RETURN(auto leave, db->Prepare("DELETE FROM merge_entities"
                                                 " WHERE mention_id=? AND entity_id=?"));
  SWEEP_ASSIGN_OR_RETURN(auto join, db->Prepare("INSERT OR REPLACE INTO merge_entities(mention_id,"
                                                " entity_id) VALUES(?, ?)"));
  std::vector<std::string> stored;
  for (const resolve::Entity& e : b.entities) {
    stored.clear();
    members.Bind(1, e.id);
    for (;;) {
      SWEEP_ASSIGN_OR_RETURN(bool row, members.Step());
      if (!row) break;
      stored.push_back(members.Text(0));
    }
    SWEEP_RETURN_IF_ERROR(members.Reset());
    std::vector<std::string> now = e.mentions;
    std::sort(now.begin(), now.end());
    std::sort(stored.begin(), stored.end());
    std::vector<std::string> gone, added;
    std::set_difference(stored.begin(), stored.end(), now.begin(), now.end(),
                        std::back_inserter(gone));
    std::set_difference(now.begin(), now.end(), stored.begin(), stored.end(),
                        std::back_inserter(added));
    for (const std::string& m : gone) {
      leave.Bind(1, m).Bind(2, e.id);
      SWEEP_RETURN_IF_ERROR(leave.Run());
    }
    for (const std::string& m : added) {
      join.Bind(1, m).Bind(2, e.id);
      SWEEP_RETURN_IF_ERROR(join.Run());
    }
  }
  return Status::Ok();
}

Status WriteReview(sql::Db* db, const std::vector<ReviewPair>& review) {
  SWEEP_RETURN_IF_ERROR(db->Exec("DELETE FROM merge_review"));
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("INSERT INTO merge_review(rank, a, b, entity_a,"
                                              " entity_b, score_milli) VALUES(?, ?, ?, ?, ?, ?)"));
  int64_t rank = 0;
  for (const ReviewPair& r : review) {
    st.Bind(1, ++rank)
        .Bind(2, r.a)
        .Bind(3, r.b)
        .Bind(4, r.entity_a)
        .Bind(5, r.entity_b)
        .Bind(6, static_cast<int64_t>(std::llround(r.score * 1000)));
    SWEEP_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

}  // namespace

Result<std::pair<uint64_t, uint64_t>> SqliteHubStore::MergeCursorRevision() {
  std::lock_guard lock(mu_);
  return ReadMergeMeta(db_.get());
}

Result<MergeState> SqliteHubStore::LoadMergeState() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));  // one snapshot
  MergeState out;
  SWEEP_ASSIGN_OR_RETURN(auto meta, ReadMergeMeta(db_.get()));
  out.cursor = meta.first;
  out.revision = meta.second;
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string(kMentionColumns) +
                                               " FROM merge_mentions m ORDER BY ordinal"));
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SWEEP_ASSIGN_OR_RETURN(MergeMentionView v, ReadMention(st));
    out.state.mentions.push_back(std::move(v.mention));
    out.devices.push_back(std::move(v.device_id));
  }
  SWEEP_ASSIGN_OR_RETURN(auto d, db_->Prepare("SELECT seq, kind, a, b, by, at_ms"
                                              " FROM merge_decisions ORDER BY pos"));
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, d.Step());
    if (!row) break;
    Decision dec;
    dec.seq = static_cast<uint64_t>(d.Int(0));
    dec.kind = d.Text(1) == "same" ? DecisionKind::kSame : DecisionKind::kNotSame;
    dec.a = d.Text(2);
    dec.b = d.Text(3);
    dec.by = d.Text(4);
    dec.at_ms = d.Int(5);
    out.state.decisions.push_back(std::move(dec));
  }
  SWEEP_ASSIGN_OR_RETURN(auto n,
                         db_->Prepare("SELECT count(DISTINCT entity_id) FROM merge_entities"));
  SWEEP_ASSIGN_OR_RETURN(bool row, n.Step());
  out.entities = row ? static_cast<uint64_t>(n.Int(0)) : 0;
  return out;
}

Result<std::vector<MergedRecord>> SqliteHubStore::MergedRecordVersions(
    const std::vector<std::string>& record_ids) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, db_->Prepare("SELECT version, first_order FROM merge_records WHERE record_id=?"));
  std::vector<MergedRecord> out;
  for (const std::string& id : record_ids) {
    st.Bind(1, id);
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      MergedRecord& m = out.emplace_back();
      m.record_id = id;
      m.version = static_cast<uint64_t>(st.Int(0));
      m.first_order = static_cast<uint64_t>(st.Int(1));
    }
    SWEEP_RETURN_IF_ERROR(st.Reset());
  }
  return out;
}

namespace {

// A merge step computed from the ingested log commits without waiting for
// the disk (WAL, synchronous=NORMAL): a crash can only lose whole steps,
// which the next run computes again from the log, since the cursor is lost
// with them; the next FULL commit (any push, any decision) syncs them too.
// A step carrying a supervisor's decision is the only copy of that decision:
// it commits with FULL, like everything else.
class RelaxedSync {
 public:
  RelaxedSync(sql::Db* db, bool relax) : db_(relax ? db : nullptr) {
    if (db_ && !db_->Exec("PRAGMA synchronous=NORMAL").ok()) db_ = nullptr;
  }
  ~RelaxedSync() {
    if (db_) (void)db_->Exec("PRAGMA synchronous=FULL");
  }

 private:
  sql::Db* db_;
};

}  // namespace

Status ApplyMergeBatch(sql::Db* db, const MergeBatch& batch) {
  SWEEP_ASSIGN_OR_RETURN(auto meta, ReadMergeMeta(db));
  if (meta.second != batch.expected_revision) {
    return Status::Conflict("the merge moved on (revision " + std::to_string(meta.second) +
                            ", expected " + std::to_string(batch.expected_revision) + ")");
  }
  SWEEP_RETURN_IF_ERROR(WriteMentions(db, batch));
  if (batch.replace_decisions) SWEEP_RETURN_IF_ERROR(WriteDecisions(db, batch.decisions));
  SWEEP_RETURN_IF_ERROR(WriteEntities(db, batch));
  SWEEP_RETURN_IF_ERROR(WriteReview(db, batch.review));
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("UPDATE merge_meta SET cursor=?,"
                                              " revision=revision+1 WHERE id=1"));
  st.Bind(1, ToSql(batch.new_cursor));
  return st.Run();
}

Status SqliteHubStore::ApplyMerge(const MergeBatch& batch) {
  std::lock_guard lock(mu_);
  RelaxedSync sync(db_.get(), !batch.replace_decisions);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_RETURN_IF_ERROR(ApplyMergeBatch(db_.get(), batch));
  return tx->Commit();
}

Result<std::vector<ReviewPair>> SqliteHubStore::MergeReviewQueue() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT a, b, entity_a, entity_b, score_milli"
                                               " FROM merge_review ORDER BY rank"));
  std::vector<ReviewPair> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(
        {st.Text(0), st.Text(1), st.Text(2), st.Text(3), static_cast<double>(st.Int(4)) / 1000.0});
  }
  return out;
}

Result<std::vector<MergeMentionView>> SqliteHubStore::MergeEntityMentions(const std::string& id) {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(db_.get()));
  SWEEP_ASSIGN_OR_RETURN(auto find, db_->Prepare("SELECT entity_id FROM merge_entities"
                                                 " WHERE entity_id=?1 OR mention_id=?1 LIMIT 1"));
  find.Bind(1, id);
  SWEEP_ASSIGN_OR_RETURN(bool found, find.Step());
  if (!found) {
    return Status::NotFound("no person or mention " + id +
                            " in the merge: run `sweep-hub merge` first, or check the id");
  }
  std::string entity = find.Text(0);
  SWEEP_ASSIGN_OR_RETURN(
      auto st,
      db_->Prepare(std::string(kMentionColumns) +
                   ", e.entity_id FROM merge_entities e JOIN merge_mentions m"
                   " ON m.mention_id = e.mention_id WHERE e.entity_id=? ORDER BY m.ordinal"));
  st.Bind(1, entity);
  std::vector<MergeMentionView> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SWEEP_ASSIGN_OR_RETURN(MergeMentionView v, ReadMention(st));
    v.entity_id = st.Text(5);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace sweep::hub
