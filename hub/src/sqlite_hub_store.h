// Private: SqliteHubStore, the SQLite HubStore, shared by sqlite_hub_store.cc
// (open, schema, identity, enrollment, devices, nonces, alerts),
// sqlite_hub_store_data.cc (record versions, attachments, feed),
// sqlite_hub_store_register.cc (settings, buildings, units, beats,
// assignments), sqlite_hub_store_ledger.cc (visits, ledger units, feed
// state, ledger tables and the v1 -> v2 migration) and
// sqlite_hub_store_merge.cc (the person merge tables of version 3) and
// sqlite_hub_store_cases.cc (the case tables of version 4) and
// sqlite_hub_store_users.cc (the dashboard accounts of version 5) and
// sqlite_hub_store_audit.cc (the audit log of version 6) and
// sqlite_hub_store_retention.cc (retention, version 8). The rest of the program
// sees only HubStore and OpenSqliteHubStore.
//
// Thread-safety: every public method holds mu_ for its whole run, so the one
// connection (opened NOMUTEX by sql::Db) is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sweep/hub/hub_store.h"
#include "sweep/sync/sqlite.h"
#include "wal_checkpointer.h"

namespace sweep::hub {

// meta.schema_version of the files this build reads and writes.
inline constexpr int64_t kHubSchemaVersion = 8;

// Creates the tables schema version 2 added (register and ledger), in the
// caller's transaction: for a new file and for the migration from version 1.
Status CreateLedgerSchema(sql::Db* db);
// Creates the tables schema version 3 added (the person merge), in the
// caller's transaction: for a new file and for the migration from version 2.
Status CreateMergeSchema(sql::Db* db);
// Creates the tables schema version 4 added (the case file), in the caller's
// transaction: for a new file and for the migration from version 3.
Status CreateCaseSchema(sql::Db* db);
// Creates what schema version 5 added (dashboard accounts, the index of
// versions by record), in the caller's transaction: for a new file and for
// the migration from version 4. Idempotent (IF NOT EXISTS).
Status CreateUserSchema(sql::Db* db);
// Creates what schema version 6 added (the audit log), in the caller's
// transaction: for a new file and for the migration from version 5.
// Idempotent (IF NOT EXISTS).
Status CreateAuditSchema(sql::Db* db);
// Creates what schema version 7 added (the opened copies of records with
// agency sections), in the caller's transaction: for a new file and for the
// migration from version 6. Idempotent (IF NOT EXISTS).
Status CreateSectionsSchema(sql::Db* db);
// Creates what schema version 8 added (retention: purged records and
// photos, runs), in the caller's transaction: for a new file and for the
// migration from version 7. Idempotent (IF NOT EXISTS).
Status CreateRetentionSchema(sql::Db* db);
// ApplyMerge's writes in the caller's transaction (ApplyRetention uses it
// too): Conflict unless the merge revision is batch.expected_revision.
Status ApplyMergeBatch(sql::Db* db, const MergeBatch& batch);
// Adds one to the publication revision (table ledger_meta), in the caller's
// transaction. Every register write, PublishFeed and ApplyLedger call it.
Status BumpRevision(sql::Db* db);
// Fills feed_state from the whole feed (the migration from version 1).
Status RebuildFeedState(sql::Db* db);
// Inserts one feed item and records it in feed_state, in the caller's
// transaction. Returns its seq.
Result<uint64_t> InsertFeedItem(sql::Db* db, const FeedItemRow& item);

// Lists of strings as one BLOB: each string as a LEB128 length and its bytes.
Bytes EncodeStrings(const std::vector<std::string>& items);
Result<std::vector<std::string>> DecodeStrings(const Bytes& blob);

class SqliteHubStore final : public HubStore {
 public:
  explicit SqliteHubStore(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}

  Result<std::optional<HubKeys>> LoadHubKeys() override;
  Status SaveHubKeys(const HubKeys& keys) override;

  Status AddEnrollCode(const EnrollCode& code) override;
  Result<EnrollCode> GetEnrollCode(const Bytes& code_id) override;
  Status ConsumeCodeAddDevice(const Bytes& code_id, int64_t now_ms, const Device& device) override;

  Result<Device> GetDevice(const std::string& device_id) override;
  Result<std::vector<Device>> ListDevices() override;
  Status RevokeDevice(const std::string& device_id, const std::string& reason,
                      int64_t now_ms) override;
  Status TouchDevice(const std::string& device_id, int64_t now_ms) override;

  Result<bool> AcceptRequest(const std::string& device_id, const Bytes& nonce, int64_t expires_ms,
                             int64_t seen_ms) override;
  Result<bool> RememberNonce(const std::string& device_id, const Bytes& nonce,
                             int64_t expires_ms) override;
  Status ForgetNonces(int64_t now_ms) override;

  Result<std::optional<StoredVersion>> GetVersion(const std::string& device_id,
                                                  uint64_t seq) override;
  Status AppendVersions(const std::string& device_id, uint64_t expected_acked_seq,
                        const std::vector<StoredVersion>& versions) override;
  Result<std::vector<StoredVersion>> ReadIngested(uint64_t after, size_t limit,
                                                  uint64_t* last) override;
  Result<uint64_t> CountVersions(const std::string& device_id) override;

  Status AddAlert(const Alert& alert) override;
  Result<std::vector<Alert>> ListAlerts() override;

  Status RegisterFile(const FileRow& file) override;
  Result<FileRow> GetFile(const std::string& sha256) override;
  Result<std::vector<uint32_t>> MissingChunks(const std::string& sha256) override;
  Status PutChunk(const std::string& sha256, uint32_t index, const Bytes& data) override;
  Result<Bytes> GetChunk(const std::string& sha256, uint32_t index) override;
  Status MarkFileComplete(const std::string& sha256) override;

  Result<uint64_t> AppendFeed(const FeedItemRow& item) override;
  Result<std::vector<FeedItemRow>> ReadFeed(const std::vector<std::string>& audiences,
                                            uint64_t cursor, size_t limit,
                                            const std::vector<std::string>& kinds = {}) override;

  Result<std::optional<std::string>> GetSetting(const std::string& key) override;
  Status PutSettings(const std::vector<std::pair<std::string, std::string>>& values) override;
  Status UpsertBuildings(const std::vector<BuildingRow>& buildings, int64_t now_ms) override;
  Result<std::vector<BuildingRow>> ListBuildings(const BuildingQuery& query) override;
  Result<uint64_t> CountUnits() override;
  Result<std::vector<UnitRow>> ListUnits(const UnitPosition& after, size_t limit) override;
  Result<std::vector<BeatRow>> ListBeats() override;
  Status CreateBeat(const BeatRow& beat, int64_t now_ms) override;
  Status UpdateBeat(const BeatRow& beat, int64_t now_ms) override;
  Status DeleteBeat(const std::string& name) override;
  Status Assign(const std::string& beat, const std::string& officer_id, int64_t now_ms) override;
  Status Unassign(const std::string& beat, const std::string& officer_id) override;

  Result<uint64_t> LedgerCursor() override;
  Result<uint64_t> PublicationRevision() override;
  Status ApplyLedger(const LedgerBatch& batch) override;
  Result<std::vector<schema::ledger::Visit>> VisitsOfUnits(
      const std::vector<UnitPosition>& units) override;
  Result<std::vector<schema::ledger::Visit>> VisitsByRecord(
      const std::vector<std::string>& record_ids) override;
  Result<std::vector<schema::ledger::Visit>> ListVisits(const UnitPosition& after,
                                                        size_t limit) override;
  Result<std::vector<LedgerUnitRow>> LedgerUnits(
      const std::vector<std::string>& building_keys) override;
  Result<std::vector<FeedStateRow>> ReadFeedState(const FeedStateQuery& query) override;
  Status PublishFeed(const std::vector<FeedItemRow>& items, uint64_t expected_revision) override;

  Result<std::pair<uint64_t, uint64_t>> MergeCursorRevision() override;
  Result<MergeState> LoadMergeState() override;
  Result<std::vector<MergedRecord>> MergedRecordVersions(
      const std::vector<std::string>& record_ids) override;
  Status ApplyMerge(const MergeBatch& batch) override;
  Result<std::vector<resolve::ReviewPair>> MergeReviewQueue() override;
  Result<std::vector<MergeMentionView>> MergeEntityMentions(const std::string& id) override;

  Result<uint64_t> AppendCaseEdit(const cases::HubEdit& edit) override;
  Result<std::vector<cases::HubEdit>> ListCaseEdits() override;
  Result<std::vector<std::pair<std::string, std::string>>> MergeMentionEntities() override;
  Result<std::vector<DerivedWatchRow>> ListDerivedWatchlist() override;
  Result<std::vector<WatchKeyLatest>> LatestWatchlistItems(
      const std::vector<std::string>& keys) override;
  Status ApplyDerivedWatchlist(const DerivedWatchBatch& batch) override;

  Status AddUser(const UserRow& user) override;
  Result<UserRow> GetUser(const std::string& user_id) override;
  Result<std::vector<UserRow>> ListUsers() override;
  Status SetUserPassword(const std::string& user_id, const std::string& password_hash) override;
  Status SetUserDisabled(const std::string& user_id, bool disabled) override;
  Status SetUserRole(const std::string& user_id, const std::string& role,
                     const std::string& agency) override;
  Result<uint32_t> CountSignInFailure(const std::string& user_id, int64_t now_ms) override;
  Status ClearSignInFailures(const std::string& user_id) override;
  Result<std::vector<StoredVersion>> VersionsOfRecord(const std::string& record_id) override;

  // sqlite_hub_store_audit.cc: the audit log of version 6.
  Result<v1::AuditEntry> AppendAudit(v1::AuditEntry entry, const AuditSealer& seal) override;
  Result<std::vector<v1::AuditEntry>> ReadAudit(const std::string& after_chain,
                                                uint64_t after_seq, size_t limit) override;
  Result<std::vector<v1::AuditEntry>> FindAudit(const AuditQuery& query) override;
  Result<std::optional<v1::AuditEntry>> AuditHead(const std::string& chain) override;
  Status AppendChainEntries(const std::string& chain, uint64_t expected_head_seq,
                            const std::vector<v1::AuditEntry>& entries) override;

  // sqlite_hub_store_backup.cc: the online backup API into memory.
  Status Snapshot(SnapshotSink* sink) override;
  Status CheckIntegrity() override;

  // sqlite_hub_store_retention.cc: retention of version 8.
  Result<std::vector<PurgedRecord>> PurgedRecords() override;
  Result<std::vector<std::string>> PurgedFiles() override;
  Result<uint64_t> StartRetentionRun(const RetentionRun& run) override;
  Result<uint64_t> ApplyRetention(const RetentionBatch& batch) override;
  Status MarkRetentionRunAudited(uint64_t run) override;
  Result<std::vector<RetentionRun>> ListRetentionRuns(bool unaudited_only) override;
  Status FlushPurged() override;

 private:
  // ListBuildings helpers (hold mu_ before calling).
  Status AddBuildingsWhere(const std::string& where, const std::vector<std::string>& params,
                           std::map<std::string, BuildingRow>* out);
  Status AttachUnits(std::map<std::string, BuildingRow>* buildings, bool all);

  std::mutex mu_;  // guards db_ and every statement prepared on it
  std::unique_ptr<sql::Db> db_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // db_'s checkpoints (destroyed first)

  friend Result<std::unique_ptr<HubStore>> OpenSqliteHubStore(const std::string& path);
};

// SQLite stores signed 64-bit integers; sequence numbers and counts never
// come near 2^63, and a `limit` of "everything" is clamped.
inline int64_t ToSql(uint64_t v) {
  return v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
}

}  // namespace sweep::hub
