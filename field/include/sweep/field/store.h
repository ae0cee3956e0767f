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
#include <vector>

#include "sweep/schema/env.h"
#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"
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

struct StoreInfo {
  std::string device_id;
  std::string sign_key_id;
  int format_version = 0;
  uint64_t versions = 0;
  uint64_t records = 0;
  int failed_attempts = 0;
  int max_failed_attempts = 0;
  int64_t locked_until_ms = 0;  // no PIN is tried before this time (0: none pending)
};

class Store {
 public:
  static constexpr int kFormatVersion = 1;
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
  // stored records in order. Returns once the commit is on disk.
  Result<std::vector<v1::Record>> Append(std::vector<NewVersion> versions);
  Result<v1::Record> Get(std::string_view record_id);  // latest version
  Result<std::vector<v1::Record>> History(std::string_view record_id);
  Result<std::vector<RecordSummary>> List();
  // Calls `fn` with the latest version of every record, decrypted, oldest
  // record first; `fn` may modify or move from it (it is a temporary). Stops
  // at (and returns) the first error `fn` returns. Nothing is written to
  // disk. REQUIRES: unlocked.
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
  // and signed_at_ms. REQUIRES: unlocked.
  Status SignCosignatures(v1::OfficeSweep* sweep);
  const crypto::Bytes& sign_public_key() const;  // the device's Ed25519 public key

  class Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// BLAKE2b-256("sweep.cosign.v1" ‖ the sweep without its cosignatures,
// serialised deterministically): what every co-signature of it covers.
crypto::Bytes CosignatureHash(const v1::OfficeSweep& sweep);
// Whether `sig` is a valid co-signature of `sweep` by the device key `sign_pk`.
bool VerifyCosignature(crypto::ByteView sign_pk, const v1::OfficeSweep& sweep,
                       const v1::Signature& sig);

}  // namespace sweep::field
