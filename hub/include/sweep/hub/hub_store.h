// The hub's storage: a narrow interface that holds no logic of its own, so
// that the services (enrollment, ingest, feed) never see SQL. SQLite is the
// embedded default (OpenSqliteHubStore); a city-wide hub will add a
// PostgreSQL implementation of the same interface.
//
// Every method is one atomic step: it either commits durably and returns OK
// or changes nothing. Implementations are thread-safe (the HTTP server calls
// them from several threads); writes may be serialised internally.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sweep/hub/casefile.h"
#include "sweep/hub/resolver.h"
#include "sweep/schema/ledger.h"
#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"
#include "sweep/v1/audit.pb.h"
#include "sweep/v1/record.pb.h"

namespace sweep::hub {

using crypto::Bytes;

// The hub's own identity. Secret keys are stored in the hub database, which
// the station protects (disk encryption, backups encrypted: see issue 7).
struct HubKeys {
  std::string hub_id;      // 32 hex chars, random at first start
  Bytes sign_pk, sign_sk;  // Ed25519 (32 / 64 bytes)
  Bytes box_pk, box_sk;    // X25519 (32 / 32 bytes)
  Bytes watchlist_key;     // 32 bytes, BLAKE2b key for watchlist hashes
};

struct EnrollCode {
  Bytes code_id;           // 8 bytes, see docs/protocol.md §5.3 "Code id"
  Bytes secret;            // 10 bytes
  std::string officer_id;
  std::string agency;      // "police", "market_regulation", "tax", "commerce"
  std::string role;        // "officer", "supervisor", "regulator", "admin"
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  int64_t used_ms = 0;     // 0 = unused
  std::string used_by;     // device id
};

struct Device {
  std::string device_id;
  std::string officer_id;
  std::string agency;
  std::string role;
  std::string label;
  Bytes sign_pk, box_pk;
  std::string status = "active";  // "active" | "revoked"
  int64_t enrolled_ms = 0;
  int64_t revoked_ms = 0;
  std::string revoke_reason;
  int64_t last_seen_ms = 0;
  uint64_t acked_seq = 0;  // highest contiguous seq stored
  Bytes acked_hash;        // chain entry hash at acked_seq (32 zero bytes at 0)
};

// One record version as the hub keeps it: the exact record bytes R the
// tablet chained, plus the chain data that proves it.
struct StoredVersion {
  std::string device_id;
  uint64_t seq = 0;
  std::string record_id;
  uint64_t version = 0;
  Bytes record;            // R, the serialised sweep.v1.Record
  Bytes entry_hash;        // 32 bytes
  Bytes head_sig;          // empty when the tablet did not sign this entry
  int64_t received_ms = 0;
  uint64_t ingest_order = 0;  // the hub's order of arrival (filled when read back)
  // The hub's opened copy of R when R's office sweep carried sealed agency
  // sections (sync/sections.h), empty otherwise. Read records through
  // Readable(); R itself stays what the chain proves.
  Bytes opened;
  const Bytes& Readable() const { return opened.empty() ? record : opened; }
};

struct Alert {
  int64_t at_ms = 0;
  std::string device_id;
  std::string kind;  // "fork", "bad_signature", "replay", "revoked", "revoked_contact",
                     // "file_conflict"
  std::string detail;
};

struct FeedItemRow {
  uint64_t seq = 0;        // assigned by the store, increasing
  std::string audience;    // "officer:<id>", "device:<id>" or "all"
  std::string kind;        // "assignment", "revisit", "unit", "config", "watchlist", "command"
  std::string key;
  bool deleted = false;
  Bytes payload;
};

struct ChunkState {
  uint32_t index = 0;
  std::string sha256;      // hex, expected
  bool present = false;
};

struct FileRow {
  std::string sha256;      // hex
  uint64_t size = 0;
  std::string media_type;
  uint32_t chunk_size = 0;
  std::vector<std::string> chunk_sha256;
  bool complete = false;
  std::string device_id;   // first uploader
};

// ---- the building register, beats and the coverage ledger (docs/coverage.md)

// A resident the rental register lists for a unit ("不漏一人").
struct RegisteredResident {
  std::string name;
  std::string id_number;  // as given; may be empty
};

struct UnitRow {
  std::string building_key;
  std::string unit_key;  // within the building: "502" or "2-502"
  std::vector<RegisteredResident> residents;
};

struct BuildingRow {
  std::string key;            // schema::BuildingKeyOf of the normalised address
  std::string division_code;  // the finest division the address resolved to
  v1::Address address;        // normalised; `raw` as imported
  std::string type;           // "residential", "office" or "mixed"
  uint32_t floors = 0;        // 0: unknown
  uint32_t units_per_floor = 0;
  uint32_t stairwells = 0;
  std::vector<UnitRow> units;  // sorted by unit key; empty when listed without units
  int64_t updated_ms = 0;
};

// Which buildings ListBuildings returns: every building when `all`, else
// those whose division code starts with one of `division_prefixes` or whose
// key is one of `keys`. Ascending by key.
struct BuildingQuery {
  bool all = false;
  std::vector<std::string> division_prefixes;
  std::vector<std::string> keys;
  bool with_units = true;
};

// A beat (责任区): the buildings of some communities and streets plus a list
// of buildings, minus excluded ones. Membership is evaluated against the
// register when read, so buildings imported later join their beats.
struct BeatRow {
  std::string name;
  std::vector<std::string> communities;  // 12-digit division codes
  std::vector<std::string> streets;      // 9-digit division codes
  std::vector<std::string> buildings;    // building keys
  std::vector<std::string> excluded;     // building keys taken out of the beat
  std::vector<std::string> officers;     // assigned officers (ListBeats fills; Assign changes)
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// A position in (building key, unit key, record id) order, for paging.
struct UnitPosition {
  std::string building_key, unit_key, record_id;
};

// The hub's current view of one unit, kept so that an officer newly
// assigned to a beat receives it (docs/coverage.md "Feed").
struct LedgerUnitRow {
  std::string building_key, unit_key;
  std::string state;  // ledger::StateName
  Bytes progress;     // serialised v1::UnitProgress
  Bytes revisit;      // serialised v1::Revisit; empty when no revisit is pending
};

// What the feed last said for (audience, kind, key): the digest of the
// payload of the latest item, or a tombstone.
struct FeedStateRow {
  std::string audience, kind, key;
  Bytes digest;  // FeedDigest(payload); empty for a tombstone
  bool deleted = false;
};
// BLAKE2b-256 of a feed payload, as feed_state keeps it.
inline Bytes FeedDigest(const Bytes& payload) {
  auto h = crypto::Hash({crypto::ByteView(payload)});
  return Bytes(h.begin(), h.end());
}

// Which feed states ReadFeedState returns: kind in `kinds` and, when not
// empty, audience in `audiences` and key in `keys`.
struct FeedStateQuery {
  std::vector<std::string> kinds;
  std::vector<std::string> audiences;
  std::vector<std::string> keys;
};

// One step of the ledger: the visits read from ingested versions up to
// `new_cursor`, the units recomputed and the feed items that follow.
struct LedgerBatch {
  uint64_t expected_cursor = 0;  // Conflict unless the cursor is still here
  uint64_t new_cursor = 0;
  uint64_t expected_revision = 0;  // Conflict unless the publication revision is still here
  std::vector<schema::ledger::Visit> visits;
  std::vector<std::string> visit_devices;  // parallel to `visits`
  std::vector<LedgerUnitRow> units;
  std::vector<FeedItemRow> feed;
};

// ---- the person merge (docs/merge.md "Stored runs", docs/hub-storage.md)

// What the merge keeps between runs: the mentions (with the device that
// pushed their record), the decisions, the cursor and a revision that every
// ApplyMerge bumps.
struct MergeState {
  uint64_t cursor = 0;               // ingest order up to which versions were merged
  uint64_t revision = 0;             // bumped by every ApplyMerge
  resolve::State state;              // mentions by ordinal, decisions by seq
  std::vector<std::string> devices;  // parallel to state.mentions
  uint64_t entities = 0;             // stored entities (persons)
};

// A record the merge has placed: its version, and the ingest order of its
// first version (from which its mentions' ordinals derive: docs/merge.md §10).
struct MergedRecord {
  std::string record_id;
  uint64_t version = 0;
  uint64_t first_order = 0;
  // In a MergeBatch only: the device that pushed this version, and whether
  // mentions of an earlier version are stored (they are deleted first).
  std::string device_id;
  bool replaces = false;
};

// One merge step (a run or a decision), applied atomically.
struct MergeBatch {
  uint64_t expected_revision = 0;  // Conflict unless the revision is still here
  uint64_t new_cursor = 0;
  // Records whose mentions are replaced (a newer version), with that
  // version; their earlier mentions are deleted first.
  std::vector<MergedRecord> records;
  // The mentions of one of `records` now, by ordinal. Asked once per record
  // while the batch is written, so a step over a million mentions never
  // holds a second copy of them. Required when `records` is not empty.
  std::function<std::vector<resolve::PersonMention>(const std::string& record_id)> mentions_of;
  bool replace_decisions = false;            // replace every decision with `decisions`
  std::vector<resolve::Decision> decisions;  // kSame / kNotSame, with seq
  // Entities whose rows are rewritten (their members now) and entities gone.
  std::vector<resolve::Entity> entities;
  std::vector<std::string> removed_entities;
  std::vector<resolve::ReviewPair> review;  // the whole review queue
};

// A stored mention with its current entity.
struct MergeMentionView {
  resolve::PersonMention mention;
  std::string device_id;
  std::string entity_id;
};

// ---- cases (docs/cases.md, docs/hub-storage.md "Version 4")

// What the derived watchlist last published for one key (hex hash): the seq
// of its feed item and the digest of its payload. Kept only while the entry
// is derived; a later feed item on the same key (`watchlist add|remove` by
// hand) takes the key over.
struct DerivedWatchRow {
  std::string key;
  uint64_t feed_seq = 0;
  Bytes digest;  // FeedDigest(payload)
};

// The latest feed item of kind "watchlist", audience "all", for a key.
struct WatchKeyLatest {
  std::string key;
  uint64_t seq = 0;  // 0: no item for the key
  bool deleted = false;
};

// One publication of the derived watchlist, applied atomically.
struct DerivedWatchBatch {
  // Conflict (nothing written) unless the latest watchlist item of each key
  // still has this seq (0: none), i.e. nobody wrote the key meanwhile.
  std::vector<std::pair<std::string, uint64_t>> expected_latest;
  std::vector<FeedItemRow> items;   // appended in order (kind "watchlist", audience "all")
  std::vector<std::string> forget;  // derived rows dropped without a feed item
};

// ---- the audit log (docs/hub-storage.md "Audit log", schema version 6)

// Which audit entries FindAudit returns: all of them when every filter is
// empty, else those matching every filter given, ascending by time (at_ms),
// then chain and seq.
struct AuditQuery {
  // "person:P12" exactly, or a bare id ("P12") matching any kind.
  std::string entity;
  std::string actor;
  int64_t since_ms = 0;  // at_ms >= since_ms
  size_t limit = 10000;
};

// The seal of an audit entry: its hash from every other field (AuditLog).
using AuditSealer = std::function<Bytes(const v1::AuditEntry&)>;

// ---- dashboard accounts (docs/hub-storage.md "Version 5")

// A person who signs in to the station dashboard (`sweep-hub user …`).
struct UserRow {
  std::string user_id;
  std::string name;
  std::string role;    // "supervisor", "admin", "regulator"
  std::string agency;  // "police", "market_regulation", "tax", "commerce"
  // crypto_pwhash_str output: Argon2id with its salt and parameters, so the
  // parameters can be raised later (crypto_pwhash_str_needs_rehash).
  std::string password_hash;
  bool disabled = false;
  int64_t created_ms = 0;
  uint32_t failed_signins = 0;  // wrong passwords in a row (throttling)
  int64_t last_failure_ms = 0;
};

// ---- backups (docs/hub-storage.md "Backups")

// What a snapshot of the store is, told before its bytes.
struct SnapshotInfo {
  std::string format;          // "sqlite3": the image is a SQLite database file
  uint64_t size = 0;           // bytes of the image
  int64_t schema_version = 0;  // meta.schema_version of the image
  std::string hub_id;          // from the image; empty when it has no keys yet
};

// Receives a snapshot: Begin once, then the image's bytes in order (pieces
// of any size). A non-OK Status from either stops the snapshot.
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  // Called while the image is being taken (bytes copied so far, of `total`).
  virtual void Copying(uint64_t done, uint64_t total) {}
  virtual Status Begin(const SnapshotInfo& info) = 0;
  virtual Status Write(crypto::ByteView bytes) = 0;
};

// ---- retention (docs/hub-storage.md "Retention", schema version 8)

// One stored version whose record bytes R give way to R', the same record
// without its personal data (RedactRecord, retention.h).
struct RedactedVersion {
  std::string device_id;
  uint64_t seq = 0;
  Bytes record;  // R'
};

// One step of a retention run, applied atomically by ApplyRetention.
struct RetentionBatch {
  uint64_t run = 0;  // StartRetentionRun's number; its counts grow by this batch
  std::string category;
  int64_t purged_ms = 0;
  // Records purged whole: each with the highest ingest order it had when
  // read (a version arriving later makes it a candidate again).
  std::vector<std::pair<std::string, uint64_t>> records;
  // Every stored version of those records, redacted; their opened copies
  // are deleted.
  std::vector<RedactedVersion> versions;
  // When `with_merge`: the merge step that removes the records' mentions
  // (their entities and the review queue after it), guarded by the merge
  // revision, which it bumps (so cached views of the persons are reloaded).
  bool with_merge = false;
  MergeBatch merge;
  uint64_t mentions = 0;  // mentions the merge step removes (counted into the run)
  // Photos (SHA-256) whose chunks and manifest go; remembered, so that a copy
  // uploaded again goes at the next run.
  std::vector<std::string> files;
};

// A retention run: what it purged so far, and whether its audit entry is in
// the audit log (a run interrupted before it has its entry appended by the
// next one).
struct RetentionRun {
  uint64_t run = 0;
  std::string category;
  int64_t cutoff_ms = 0;   // records whose time is before this were purged
  int64_t started_ms = 0;
  int64_t updated_ms = 0;  // its last batch (a run idle for long was interrupted)
  uint64_t records = 0, versions = 0, mentions = 0, files = 0;
  bool audited = false;
};

// A purged record: up to which ingest order its versions are redacted.
struct PurgedRecord {
  std::string record_id;
  uint64_t through_order = 0;
};

class HubStore {
 public:
  virtual ~HubStore() = default;

  // Identity: empty optional until SaveHubKeys ran once.
  virtual Result<std::optional<HubKeys>> LoadHubKeys() = 0;
  virtual Status SaveHubKeys(const HubKeys& keys) = 0;  // AlreadyExists if present

  virtual Status AddEnrollCode(const EnrollCode& code) = 0;
  virtual Result<EnrollCode> GetEnrollCode(const Bytes& code_id) = 0;  // NotFound
  // Atomically marks the code used (Conflict if it already was) and adds the
  // device (AlreadyExists if its id is taken).
  virtual Status ConsumeCodeAddDevice(const Bytes& code_id, int64_t now_ms,
                                      const Device& device) = 0;

  virtual Result<Device> GetDevice(const std::string& device_id) = 0;  // NotFound
  virtual Result<std::vector<Device>> ListDevices() = 0;
  virtual Status RevokeDevice(const std::string& device_id, const std::string& reason,
                              int64_t now_ms) = 0;  // NotFound
  virtual Status TouchDevice(const std::string& device_id, int64_t now_ms) = 0;

  // Replay protection: remembers (device, nonce) until expires_ms. Returns
  // false, changing nothing, if the pair was already remembered.
  virtual Result<bool> RememberNonce(const std::string& device_id, const Bytes& nonce,
                                     int64_t expires_ms) = 0;
  virtual Status ForgetNonces(int64_t now_ms) = 0;  // drops expired ones
  // RememberNonce and TouchDevice in one commit: what every authenticated
  // request does first (one fsync instead of two).
  virtual Result<bool> AcceptRequest(const std::string& device_id, const Bytes& nonce,
                                     int64_t expires_ms, int64_t seen_ms) = 0;

  virtual Result<std::optional<StoredVersion>> GetVersion(const std::string& device_id,
                                                          uint64_t seq) = 0;
  // Appends versions seq = acked_seq+1 … in order and moves the device's
  // acked_seq/acked_hash to the last one, atomically. Conflict (nothing
  // written) if the device's acked_seq is no longer `expected_acked_seq`.
  virtual Status AppendVersions(const std::string& device_id, uint64_t expected_acked_seq,
                                const std::vector<StoredVersion>& versions) = 0;
  // Every stored version with received order > `after` (0: from the start),
  // at most `limit`, in the order they were stored (for the merge).
  virtual Result<std::vector<StoredVersion>> ReadIngested(uint64_t after, size_t limit,
                                                          uint64_t* last) = 0;
  virtual Result<uint64_t> CountVersions(const std::string& device_id) = 0;  // "" = all

  virtual Status AddAlert(const Alert& alert) = 0;
  virtual Result<std::vector<Alert>> ListAlerts() = 0;

  // Attachments. RegisterFile is idempotent (same manifest again: OK;
  // a different manifest under the same sha256: Conflict).
  virtual Status RegisterFile(const FileRow& file) = 0;
  virtual Result<FileRow> GetFile(const std::string& sha256) = 0;  // NotFound
  virtual Result<std::vector<uint32_t>> MissingChunks(const std::string& sha256) = 0;
  virtual Status PutChunk(const std::string& sha256, uint32_t index, const Bytes& data) = 0;
  virtual Result<Bytes> GetChunk(const std::string& sha256, uint32_t index) = 0;
  virtual Status MarkFileComplete(const std::string& sha256) = 0;

  // The hub → tablet feed. AppendFeed assigns the seq.
  virtual Result<uint64_t> AppendFeed(const FeedItemRow& item) = 0;
  // Items for any of `audiences` with seq > cursor, ascending, at most
  // limit; of the given `kinds` only, when not empty (a regulator's tablet).
  virtual Result<std::vector<FeedItemRow>> ReadFeed(const std::vector<std::string>& audiences,
                                                    uint64_t cursor, size_t limit,
                                                    const std::vector<std::string>& kinds = {}) = 0;

  // ---- register. Every write below bumps the publication revision (see
  // PublishFeed), so that feed items computed from an older state are refused.

  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status PutSettings(const std::vector<std::pair<std::string, std::string>>& values) = 0;

  // Inserts or replaces each building (by key) with exactly the units given,
  // all or nothing. REQUIRES: keys unique within the batch.
  virtual Status UpsertBuildings(const std::vector<BuildingRow>& buildings, int64_t now_ms) = 0;
  virtual Result<std::vector<BuildingRow>> ListBuildings(const BuildingQuery& query) = 0;
  virtual Result<uint64_t> CountUnits() = 0;
  // Units (with residents) after `after` (building key, unit key) in key
  // order, at most `limit`: pages through a whole city.
  virtual Result<std::vector<UnitRow>> ListUnits(const UnitPosition& after, size_t limit) = 0;

  // Every beat, by name, with its officers.
  virtual Result<std::vector<BeatRow>> ListBeats() = 0;
  virtual Status CreateBeat(const BeatRow& beat, int64_t now_ms) = 0;  // AlreadyExists
  // Replaces the beat's rule (not its officers). NotFound.
  virtual Status UpdateBeat(const BeatRow& beat, int64_t now_ms) = 0;
  virtual Status DeleteBeat(const std::string& name) = 0;  // NotFound; drops its assignments
  // AlreadyExists if assigned already, NotFound if no such beat.
  virtual Status Assign(const std::string& beat, const std::string& officer_id, int64_t now_ms) = 0;
  virtual Status Unassign(const std::string& beat, const std::string& officer_id) = 0;

  // ---- ledger

  // The ingest order (ReadIngested) up to which versions were turned into visits.
  virtual Result<uint64_t> LedgerCursor() = 0;
  // Bumped by every register write, PublishFeed and ApplyLedger.
  virtual Result<uint64_t> PublicationRevision() = 0;
  // Stores the batch's visits (per record id the highest version wins),
  // replaces its ledger units, appends its feed items and moves the cursor,
  // atomically. Conflict (nothing written) if the cursor or the revision moved.
  virtual Status ApplyLedger(const LedgerBatch& batch) = 0;
  // The visits of the given units (building key, unit key; record id ignored).
  virtual Result<std::vector<schema::ledger::Visit>> VisitsOfUnits(
      const std::vector<UnitPosition>& units) = 0;
  // The stored visits of the given records (those not stored are left out).
  virtual Result<std::vector<schema::ledger::Visit>> VisitsByRecord(
      const std::vector<std::string>& record_ids) = 0;
  // Visits after `after` in (building key, unit key, record id) order, at
  // most `limit`. Unresolved visits (empty building key) come first.
  virtual Result<std::vector<schema::ledger::Visit>> ListVisits(const UnitPosition& after,
                                                                size_t limit) = 0;
  // The ledger units of the given buildings (every unit when `building_keys` is empty).
  virtual Result<std::vector<LedgerUnitRow>> LedgerUnits(
      const std::vector<std::string>& building_keys) = 0;

  // ---- feed state (what each audience was last told per kind and key)

  virtual Result<std::vector<FeedStateRow>> ReadFeedState(const FeedStateQuery& query) = 0;
  // Appends `items` in order, atomically, if the publication revision is
  // still `expected_revision` (else Conflict, nothing written); bumps it.
  virtual Status PublishFeed(const std::vector<FeedItemRow>& items, uint64_t expected_revision) = 0;

  // ---- merge

  // The cursor and the revision only (cheap).
  virtual Result<std::pair<uint64_t, uint64_t>> MergeCursorRevision() = 0;
  // Everything a Resolver needs to come back (resolve::Resolver::Rebuild).
  virtual Result<MergeState> LoadMergeState() = 0;
  // Each given record the merge placed (records never merged left out).
  virtual Result<std::vector<MergedRecord>> MergedRecordVersions(
      const std::vector<std::string>& record_ids) = 0;
  // Applies the batch and moves the cursor, atomically; Conflict (nothing
  // written) if the revision moved.
  virtual Status ApplyMerge(const MergeBatch& batch) = 0;
  // The stored review queue, score descending.
  virtual Result<std::vector<resolve::ReviewPair>> MergeReviewQueue() = 0;
  // The mentions of an entity, named by its id or by one of its mention ids,
  // by ordinal. NotFound if neither.
  virtual Result<std::vector<MergeMentionView>> MergeEntityMentions(const std::string& id) = 0;

  // ---- cases (docs/cases.md)

  // Stores a supervisor's edit (`edit.seq` ignored); returns its seq.
  virtual Result<uint64_t> AppendCaseEdit(const cases::HubEdit& edit) = 0;
  // Every stored edit, by seq.
  virtual Result<std::vector<cases::HubEdit>> ListCaseEdits() = 0;
  // (mention id, entity id) of every mention the merge stored, by mention id.
  virtual Result<std::vector<std::pair<std::string, std::string>>> MergeMentionEntities() = 0;
  // What the derived watchlist published and still holds, by key.
  virtual Result<std::vector<DerivedWatchRow>> ListDerivedWatchlist() = 0;
  // The latest watchlist item of each key (seq 0 when none), in `keys` order.
  virtual Result<std::vector<WatchKeyLatest>> LatestWatchlistItems(
      const std::vector<std::string>& keys) = 0;
  // Appends the batch's items, records the live ones (not deleted) as
  // derived rows, drops the rows of its tombstones and of `forget`.
  virtual Status ApplyDerivedWatchlist(const DerivedWatchBatch& batch) = 0;

  // ---- dashboard accounts and lookups (docs/hub-storage.md "Version 5")

  virtual Status AddUser(const UserRow& user) = 0;                 // AlreadyExists
  virtual Result<UserRow> GetUser(const std::string& user_id) = 0;  // NotFound
  virtual Result<std::vector<UserRow>> ListUsers() = 0;             // by user id
  virtual Status SetUserPassword(const std::string& user_id,
                                 const std::string& password_hash) = 0;  // NotFound
  virtual Status SetUserDisabled(const std::string& user_id, bool disabled) = 0;  // NotFound
  virtual Status SetUserRole(const std::string& user_id, const std::string& role,
                             const std::string& agency) = 0;  // NotFound
  // Counts one more wrong password (at `now_ms`) and returns the count now;
  // NotFound for an unknown user.
  virtual Result<uint32_t> CountSignInFailure(const std::string& user_id, int64_t now_ms) = 0;
  virtual Status ClearSignInFailures(const std::string& user_id) = 0;
  // Every stored version of one record, ascending by version (empty when none).
  virtual Result<std::vector<StoredVersion>> VersionsOfRecord(const std::string& record_id) = 0;

  // ---- the audit log (docs/hub-storage.md "Audit log")

  // Appends `entry` to its chain as one atomic step that also holds off
  // every other writer (other processes included): reads the chain's last
  // entry, sets seq = last + 1 and prev_hash = its hash (32 zero bytes for
  // the first), sets hash = seal(entry) and inserts. Returns the stored entry.
  virtual Result<v1::AuditEntry> AppendAudit(v1::AuditEntry entry, const AuditSealer& seal) = 0;
  // Up to `limit` entries after (chain, seq) in (chain, seq) order, as
  // stored (nothing checked): what `audit verify` walks.
  virtual Result<std::vector<v1::AuditEntry>> ReadAudit(const std::string& after_chain,
                                                        uint64_t after_seq, size_t limit) = 0;
  virtual Result<std::vector<v1::AuditEntry>> FindAudit(const AuditQuery& query) = 0;
  // The last entry of `chain`, none when the chain is empty.
  virtual Result<std::optional<v1::AuditEntry>> AuditHead(const std::string& chain) = 0;
  // Stores `entries` (a tablet's view log, already verified by the caller)
  // verbatim at the end of `chain`, as one atomic step: Conflict, nothing
  // written, unless the chain's last seq is still `expected_head_seq` (0:
  // empty). REQUIRES: entries' chain is `chain`, seqs expected_head_seq+1, …
  virtual Status AppendChainEntries(const std::string& chain, uint64_t expected_head_seq,
                                    const std::vector<v1::AuditEntry>& entries) = 0;

  // ---- backups (docs/hub-storage.md "Backups")

  // Hands a consistent image of the whole store, as of one moment, to
  // `sink`, while other threads and processes keep writing. The image is
  // held in memory (about the size of the database), never on disk.
  virtual Status Snapshot(SnapshotSink* sink) = 0;
  // The store's own consistency check (SQLite: PRAGMA integrity_check):
  // Corruption naming the first problems found.
  virtual Status CheckIntegrity() = 0;

  // ---- retention (docs/hub-storage.md "Retention", schema version 8)

  // Every record purged so far, by record id.
  virtual Result<std::vector<PurgedRecord>> PurgedRecords() = 0;
  // Every photo purged so far (SHA-256), ascending.
  virtual Result<std::vector<std::string>> PurgedFiles() = 0;
  // Stores a new run (counts zero, not audited) and returns its number.
  virtual Result<uint64_t> StartRetentionRun(const RetentionRun& run) = 0;
  // Applies one batch as one atomic step: replaces the versions' record
  // bytes with the redacted ones and deletes their opened copies, clears
  // the persons of the records' visits, notes the records as purged,
  // applies the merge step (Conflict, nothing written, if the merge
  // revision moved), deletes the files' chunks and manifests and notes
  // them, and adds the batch's counts to its run. Returns the number of
  // files that were present and are now deleted.
  virtual Result<uint64_t> ApplyRetention(const RetentionBatch& batch) = 0;
  virtual Status MarkRetentionRunAudited(uint64_t run) = 0;  // NotFound
  // Runs by number; only those whose audit entry is missing when asked.
  virtual Result<std::vector<RetentionRun>> ListRetentionRuns(bool unaudited_only) = 0;
  // After a purge: copies the write-ahead log into the file and empties it,
  // so no page written before the purge stays beside the file (SQLite:
  // wal_checkpoint(TRUNCATE)). Unavailable while readers hold old pages.
  virtual Status FlushPurged() = 0;
};

// Opens (creating if missing) the SQLite hub database at `path`: WAL,
// synchronous=FULL, busy timeout, schema version checked.
Result<std::unique_ptr<HubStore>> OpenSqliteHubStore(const std::string& path);

}  // namespace sweep::hub
