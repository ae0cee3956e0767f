// The tablet's encrypted record store: one SQLite file per tablet in which
// every record version is sealed (XChaCha20-Poly1305), chained (BLAKE2b) and
// signed (Ed25519). docs/storage-format.md specifies the format.
//
// A Store is opened locked. Unlock() with an officer's PIN loads the keys
// into guarded memory; Lock(), the idle timeout, a lock request from another
// process (RequestLock) and destruction wipe them. Not thread-safe: one
// owner, one thread. Several processes may open the same store; SQLite
// serialises their writes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sweep/schema/env.h"
#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"
#include "sweep/v1/audit.pb.h"
#include "sweep/v1/record.pb.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::field {

struct InitOptions {
  std::string officer_id;
  std::string officer_name;
  crypto::KdfParams kdf;         // salt is generated; ops/mem as given
  int max_failed_attempts = 10;  // consecutive wrong PINs before crypto-shredding
};

// What happens after a wrong PIN: free retries, then a doubling delay.
// Delay after `failures` consecutive failures, in milliseconds.
int64_t LockoutDelayMillis(int failures);
constexpr size_t kMinPinLength = 6;

struct OfficerInfo {
  std::string officer_id;
  std::string name;  // empty while locked (names are sealed)
};

struct RecordSummary {
  std::string record_id;
  uint64_t version = 0;
  uint64_t seq = 0;
  std::string kind;     // "rental-check" | "office-sweep"
  std::string address;  // raw address as typed
  std::string subject;  // company name or first occupant's name
  std::string officer_id;
  int64_t wall_ms = 0;
  int errors = 0;
  int warnings = 0;
};

// A new version to append. `record_id` empty: a new record (version 1).
// Otherwise an edit of that record; `base_version` 0 means "the latest",
// anything else must equal the latest or Append fails with Conflict.
struct NewVersion {
  std::string record_id;
  uint64_t base_version = 0;
  v1::Record content;  // only the body (rental_check / office_sweep) is read
  // Office sweep: sign its co-signatures with the device key once sealed
  // (Store::SignCosignatures), so that they cover the sweep as stored.
  bool sign_cosignatures = false;
};

struct VerifyProblem {
  uint64_t seq = 0;
  std::string record_id;  // when known
  uint64_t version = 0;   // when known
  std::string what;
};
struct VerifyReport {
  uint64_t versions_checked = 0;
  uint64_t signatures_checked = 0;
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty(); }
};

// A version as it leaves for the hub: the exact record bytes and the chain
// signature, if this entry carries one.
struct OutboxVersion {
  uint64_t seq = 0;
  std::string record_id;
  uint64_t version = 0;
  crypto::Bytes record;
  crypto::Bytes entry_hash;
  crypto::Bytes head_sig;
};

// The hub this tablet is enrolled with (pinned keys), sealed in the store.
struct HubPin {
  std::string url;
  v1::EnrollResponse enrollment;  // hub id, keys, officer, agency, role
};

// A photo or document kept with the records, in sealed chunks.
struct FileInfo {
  std::string sha256;  // hex of the whole file (what Attachment.sha256 names)
  uint64_t size = 0;
  std::string media_type;
  uint32_t chunk_size = 0;
  std::vector<std::string> chunk_sha256;
  bool uploaded = false;  // the hub has confirmed the whole file
};

// A file read back whole from its sealed chunks (a thumbnail on the screen).
struct FileContent {
  FileInfo info;
  crypto::Bytes bytes;
};

// A form being typed (the tablet screen's draft), kept so that a crash, a
// lock or a flat battery loses nothing typed. Sealed like the records.
struct Draft {
  std::string key;   // which form: e.g. "rental:<address>"; chosen by the screen
  std::string body;  // the form's content (the screen's JSON)
  int64_t updated_ms = 0;
};

struct SyncState {
  uint64_t head_seq = 0;    // newest version on the tablet
  uint64_t synced_seq = 0;  // 1..synced_seq are acknowledged by the hub
  uint64_t pull_cursor = 0;
};

// This tablet's local view log (docs/storage-format.md "View log"): its
// chain "device:<device id>" of sweep.v1.AuditEntry. Entries the hub has
// acknowledged are dropped; `base` is the last of them.
struct ViewLogState {
  uint64_t head_seq = 0;    // the last entry appended (0: none yet)
  crypto::Bytes head_hash;  // its hash (32 zero bytes at 0)
  uint64_t base_seq = 0;    // entries 1..base_seq were acknowledged and dropped
  crypto::Bytes base_hash;  // the hash of entry base_seq (32 zero bytes at 0)
  uint64_t held() const { return head_seq - base_seq; }  // entries still on the tablet
};

// Entries leaving for the hub and the device's signature over the last one.
struct ViewBatch {
  std::vector<v1::AuditEntry> entries;
  crypto::Bytes head_sig;  // sync::ViewHeadMessage of the last entry; empty when none
};

// What retention removed from the tablet (Store::PurgeSynced).
struct PurgeSummary {
  uint32_t days = 0;      // the retention applied (0: none set, nothing done)
  int64_t cutoff_ms = 0;  // records whose time is before this went
  uint64_t records = 0, versions = 0, files = 0;
};

struct StoreInfo {
  std::string device_id;
  std::string sign_key_id;
  int format_version = 0;
  uint64_t versions = 0;
  uint64_t records = 0;
  uint64_t purged_versions = 0;  // dropped by retention after the hub acknowledged them
  int failed_attempts = 0;
  int max_failed_attempts = 0;
  int64_t locked_until_ms = 0;  // no PIN is tried before this time (0: none pending)
};

class Store {
 public:
  // 2: the view log; 3: purged versions (docs/storage-format.md)
  static constexpr int kFormatVersion = 3;
  static constexpr const char* kFileName = "sweep-field.db";
  // Inside one commit, the last version is signed, and so is every one that
  // closes kSignEvery versions or kSignEveryBytes since the previous
  // signature: a sync batch (at most 4,096 versions and 8 MiB) can then
  // always end on a signed version.
  static constexpr size_t kSignEvery = 256;
  static constexpr size_t kSignEveryBytes = 2u << 20;
  // A record (serialised) may be at most this large; photos go in files.
  static constexpr size_t kMaxRecordBytes = 1u << 20;

  // Creates a store in `dir` (created if missing; must not hold a store) for
  // its first officer. REQUIRES: pin.size() >= kMinPinLength.
  static Status Create(const std::string& dir, const InitOptions& options, std::string_view pin,
                       Env* env);
  // Opens an existing store, locked. Shredded if it was crypto-shredded.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, Env* env);
  ~Store();

  // Unauthorized on a wrong PIN (message says attempts left and any delay),
  // Locked while a lockout delay runs, Shredded when this failure was the
  // last allowed one. The failure is counted durably before the PIN is tried.
  Status Unlock(std::string_view officer_id, std::string_view pin);
  void Lock();
  bool unlocked() const;
  const std::string& officer_id() const;  // who unlocked; empty when locked
  const std::string& device_id() const;   // this tablet's id (not secret)
  Env* env() const;                       // the clock and randomness the store uses
  // Locks automatically when more than `ms` pass between operations (0: never).
  void SetIdleTimeout(int64_t ms);
  // Asks every process that has this store unlocked to lock (takes effect at
  // their next operation). Needs no PIN.
  Status RequestLock();

  Status AddOfficer(const std::string& officer_id, const std::string& name, std::string_view pin,
                    const crypto::KdfParams& kdf);
  Result<std::vector<OfficerInfo>> Officers();

  // Appends all versions in one durable transaction, or none. Fills the id,
  // version, base, HLC, officer, device and validation results; returns the
  // stored records in order (sealed, as GetSealed). Returns once the commit
  // is on disk. Before each version is chained (docs/protocol.md "Agency
  // sections"): Unauthorized ("English / 中文") if the enrolled role may not
  // record it (sync::roles::MayRecord; unenrolled: as an officer); an office
  // sweep's findings, persons questioned and notes are sealed to their
  // agencies' keys (Unauthorized if the tablet holds none: enroll, or
  // re-enroll), the sections of the previous version this tablet cannot open
  // are carried forward (sections in the input are ignored), then its
  // co-signatures are signed if asked.
  Result<std::vector<v1::Record>> Append(std::vector<NewVersion> versions);
  // Reading back: an office sweep's sections of this tablet's own agency
  // are opened (findings, persons, notes and their checks back in the
  // clear); other agencies' sections stay sealed in `sections`.
  Result<v1::Record> Get(std::string_view record_id);  // latest version
  Result<std::vector<v1::Record>> History(std::string_view record_id);
  Result<std::vector<RecordSummary>> List();
  // The latest version exactly as stored, signed and sent: every section
  // sealed (what co-signatures cover: VerifyCosignature).
  Result<v1::Record> GetSealed(std::string_view record_id);
  // Opens the sections of this tablet's own agency in `record` (e.g. one
  // Append returned); returns how many stay sealed. REQUIRES: unlocked.
  Result<size_t> OpenSections(v1::Record* record);
  // Calls `fn` with the latest version of every record, decrypted (own
  // sections opened, as Get), oldest record first; `fn` may modify or move
  // from it (it is a temporary). Stops at (and returns) the first error `fn`
  // returns. Nothing is written to disk. REQUIRES: unlocked.
  Status ForEachLatest(const std::function<Status(v1::Record&)>& fn);
  // Record ids whose versions carry `value` of the given kind ("id", "phone",
  // "uscc", "card"), found through keyed hashes; no plaintext index exists.
  Result<std::vector<std::string>> FindByIdentifier(std::string_view kind, std::string_view value);

  // Checks the whole chain: every version decrypts under its own position,
  // the hashes link, every version is covered by a valid device signature,
  // nothing is missing after the signed head. REQUIRES: unlocked.
  Result<VerifyReport> Verify();

  // Destroys every wrapped key (the data becomes unreadable), deletes the
  // records and leaves a marker saying when and why. Needs no PIN: anyone
  // holding the tablet may destroy it, never read it.
  Status Shred(std::string_view reason);

  Result<StoreInfo> Info();
  // A second handle on the same store with its own SQLite connection and a
  // copy of the unlocked keys, for a worker thread (the sync client prepares
  // the next push while the hub works on the last). REQUIRES: unlocked.
  Result<std::unique_ptr<Store>> OpenSecondary();

  // ---- sync (field/src/sync_state.cc). All REQUIRE unlocked.
  // An enrollment request for the one-time code `secret`.
  Result<v1::EnrollRequest> BuildEnrollRequest(const crypto::Bytes& secret,
                                               const std::string& label);
  // Checks the hub's answer against the code's fingerprint and its signature,
  // then pins the hub. Unauthorized if anything does not match.
  Status CompleteEnrollment(const std::string& url, const v1::EnrollRequest& sent,
                            const v1::SignedEnrollResponse& answer,
                            const crypto::Bytes& fingerprint);
  Result<std::optional<HubPin>> Hub();
  Result<v1::SignedRequest> SignRequest(std::string_view method,
                                        const google::protobuf::MessageLite& body);
  Result<SyncState> GetSyncState();
  // Versions with seq > after, oldest first, at most max.
  Result<std::vector<OutboxVersion>> Outbox(uint64_t after, size_t max);
  // Records that the hub holds 1..seq; never moves backwards.
  Status MarkSynced(uint64_t seq);
  // Applies pulled feed items (upserts and tombstones) and the new cursor in
  // one transaction; returns the commands among them. (The sync client
  // carries out wipe orders before calling this, so none is lost.)
  Result<std::vector<v1::Command>> ApplyFeed(const v1::PullResponse& pulled);
  // Drafts (field/src/drafts.cc): one per key, replaced by each save, in one
  // durable commit; sealed under the data key with the key inside, so the
  // file shows neither the form nor which one it is. REQUIRE: unlocked.
  Status SaveDraft(std::string_view key, std::string_view body);
  Result<std::vector<Draft>> Drafts();  // newest first
  Status DeleteDraft(std::string_view key);  // OK if there is none

  // Watchlist entries matching the identifiers of `record` (offline).
  Result<std::vector<v1::ValidationResult>> WatchlistHits(const v1::Record& record);
  Result<size_t> CountFeed(std::string_view kind);
  // The pulled feed items of one kind ("assignment", "unit", "revisit",
  // "config", …), decrypted, in feed order (seq). Tombstoned items are not
  // stored, so none is returned. Corruption if a row does not open.
  Result<std::vector<v1::FeedItem>> FeedItems(std::string_view kind);
  // The joint inspections pulled to this (a regulator's) tablet (feed kind
  // "inspection", field/src/agency_sections.cc): the shared company and
  // premises facts, and this agency's own finding opened into `findings`;
  // in feed order. Police tablets receive none. REQUIRES: unlocked.
  Result<std::vector<v1::Inspection>> Inspections();

  // ---- the local view log (field/src/view_log.cc). All REQUIRE unlocked.
  // Appends one "read" entry per entity (e.g. "record:<id>", "photo:<sha256>",
  // "watchlist:<hex hash>", "list:records") to this tablet's view log, by the
  // unlocked officer with the enrolled role, in one durable commit: returns
  // once it is on disk. Call it before showing what was read, and show
  // nothing when it fails. `detail` is a short JSON object.
  Status LogViews(const std::vector<std::string>& entities, std::string_view detail = "{}");
  Status LogView(const std::string& entity, std::string_view detail = "{}") {
    return LogViews({entity}, detail);
  }
  // The entity names ("watchlist:<hex watchlist hash>", as the hub keys its
  // watchlist) of the watchlist entries among `hits`, the WatchlistHits of
  // `record` or of its saved version: who was looked up, without the
  // identifier in clear. Empty when not enrolled.
  Result<std::vector<std::string>> WatchlistEntities(const v1::Record& record,
                                                     const std::vector<v1::ValidationResult>& hits);
  Result<ViewLogState> ViewLog();
  // The held entries with seq > after (and past the acknowledged base),
  // oldest first, at most max, signed at the last one. Corruption when a
  // held entry is missing or does not open.
  Result<ViewBatch> ViewsToShip(uint64_t after, size_t max);
  // The hub holds entries 1..seq, the last with `hash`: drops the held
  // entries up to seq. Corruption if `hash` is not this tablet's entry seq
  // (the hub's copy differs); never moves back.
  Status DropShippedViews(uint64_t seq, crypto::ByteView hash);

  // ---- retention (field/src/retention.cc, docs/storage-format.md
  // "Retention"). Both REQUIRE unlocked.
  // The days the hub asks tablets to keep acknowledged records (feed item
  // config/retention, docs/protocol.md §10.5); 0 when it sent none.
  Result<uint32_t> RetentionDays();
  // Drops every record all of whose versions the hub has acknowledged
  // (seq ≤ synced_seq) and whose time (its newest version's visit or
  // decision time, else HLC wall time) is more than `days` before now, and
  // the photos only they name once the hub has them: each version's row
  // moves to purged_versions keeping its chain entry (seq, ids, entry hash,
  // signature) and a sealed record hash, so Verify still checks the chain.
  // One transaction per batch; drafts and anything not acknowledged are
  // never touched. days = 0: nothing.
  Result<PurgeSummary> PurgeSynced(uint32_t days);

  // ---- attachments (field/src/files.cc). All REQUIRE unlocked.
  // Stores the file at `path` in sealed chunks; the same content twice is
  // stored once. Progress via `on_bytes` (may be empty).
  Result<FileInfo> AddFile(const std::string& path, const std::string& media_type,
                           const std::function<void(uint64_t)>& on_bytes = {});
  // The same from bytes in memory (a photo the screen received).
  Result<FileInfo> AddFileBytes(crypto::ByteView bytes, const std::string& media_type);
  // A stored file, opened and checked against its SHA-256. NotFound if this
  // tablet holds no such file.
  Result<FileContent> ReadFile(const std::string& sha256);
  Result<std::vector<FileInfo>> Files(bool only_pending);
  Result<crypto::Bytes> FileChunk(const std::string& sha256, uint32_t index);
  Status MarkFileUploaded(const std::string& sha256);

  // ---- co-signatures of a joint inspection (field/src/cosign.cc).
  // Signs every entry of `sweep->cosignatures` (signer_id, signer_role and
  // agency as given) with this device's Ed25519 key over CosignatureHash of
  // the sweep: the device vouches that each participant confirmed, on this
  // tablet, the sweep as it is saved. Fills key_id, record_hash, signature
  // and signed_at_ms. REQUIRES: unlocked. Saving signs through
  // NewVersion::sign_cosignatures instead, after sealing the sections.
  Status SignCosignatures(v1::OfficeSweep* sweep);
  const crypto::Bytes& sign_public_key() const;  // the device's Ed25519 public key

  class Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The `detail` of a view-log entry (Store::LogViews): a JSON object of the
// given keys and their non-empty values, as strings, in order.
std::string ViewDetail(const std::vector<std::pair<std::string, std::string>>& fields);

// BLAKE2b-256("sweep.cosign.v1" ‖ the sweep without its cosignatures,
// serialised deterministically): what every co-signature of it covers. For a
// saved sweep, that is its stored form, agency sections sealed (GetSealed).
crypto::Bytes CosignatureHash(const v1::OfficeSweep& sweep);
// Whether `sig` is a valid co-signature of `sweep` by the device key `sign_pk`.
bool VerifyCosignature(crypto::ByteView sign_pk, const v1::OfficeSweep& sweep,
                       const v1::Signature& sig);

}  // namespace sweep::field
