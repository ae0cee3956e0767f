// Private: the state behind Store, shared by store.cc (records, verify) and
// keyring.cc (officers, PINs, lockout, shredding).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sweep/field/store.h"
#include "sweep/sync/chain.h"
#include "sweep/sync/crypto.h"
#include "sweep/sync/hlc.h"
#include "sweep/sync/sections.h"
#include "sweep/schema/record_json.h"
#include "sweep/sync/sqlite.h"

namespace sweep::field {

// The keys that exist only while unlocked, all in guarded memory.
struct Keys {
  crypto::SecretBuffer master;   // wraps the others and the officers' names
  crypto::SecretBuffer data;     // seals record versions
  crypto::SecretBuffer index;    // keys the identifier hashes
  crypto::SecretBuffer sign_sk;  // Ed25519 device key
  crypto::SecretBuffer box_sk;   // X25519 device key (sync)
};

class Store::Impl {
 public:
  Impl(std::unique_ptr<sql::Db> db, Env* env) : db(std::move(db)), env(env) {}

  std::unique_ptr<sql::Db> db;
  Env* env;
  std::string dir;
  std::string device_id;
  crypto::Bytes sign_pk;
  std::unique_ptr<Keys> keys;  // null while locked
  std::string officer_id;
  int64_t idle_timeout_ms = 0;
  int64_t last_activity_us = 0;
  int64_t lock_epoch = 0;  // meta lock_epoch seen at unlock

  // Locks first if idle too long or a lock was requested; Locked if locked.
  Status RequireUnlocked();
  void WipeKeys();

  Result<std::string> MetaText(std::string_view key);
  Result<int64_t> MetaInt(std::string_view key, int64_t fallback);
  Status SetMeta(std::string_view key, std::string_view value);
  Status SetMeta(std::string_view key, crypto::ByteView value);
  Result<crypto::Bytes> MetaBlob(std::string_view key);

  // Sealed meta values (under the data key, bound to the key name).
  Status SetSealedMeta(std::string_view key, crypto::ByteView value);
  Result<std::optional<crypto::Bytes>> SealedMeta(std::string_view key);
  // 16-byte keyed hash for the lookup tables (tags, feed).
  crypto::Bytes IndexTag(std::string_view kind, std::string_view value) const;

  // Associated data binding a wrapped key to its name and this device.
  crypto::Bytes KeyAd(std::string_view name) const;
  crypto::Bytes OfficerAd(std::string_view officer_id, std::string_view what) const;
};

// Decrypts one stored version to the exact record bytes.
Result<crypto::Bytes> OpenVersionBytes(Store::Impl* s, uint64_t seq, const std::string& record_id,
                                       uint64_t version, const crypto::Bytes& sealed);
// Looks identifiers up in the pulled watchlist. Load once per batch; a
// store that is not enrolled has no watchlist and finds nothing.
class WatchlistMatcher {
 public:
  static Result<std::unique_ptr<WatchlistMatcher>> Load(Store::Impl* s);
  Result<std::vector<v1::ValidationResult>> Hits(
      const std::vector<schema::RecordIdentifier>& identifiers);

 private:
  WatchlistMatcher(Store::Impl* s, crypto::SecretBuffer key, std::optional<sql::Stmt> get)
      : s_(s), key_(std::move(key)), get_(std::move(get)) {}
  Store::Impl* s_;
  crypto::SecretBuffer key_;       // empty: not enrolled
  std::optional<sql::Stmt> get_;
};

// What this tablet's enrollment lets it record and read (agency_sections.cc,
// docs/protocol.md "Agency sections"): its role and agency, every agency's
// section key and its own agency's secret key, in guarded memory and wiped
// with this object. Loaded per operation, never kept across a lock.
// REQUIRES (Load): unlocked.
class SectionKeys {
 public:
  static Result<SectionKeys> Load(Store::Impl* s);

  bool enrolled() const { return enrolled_; }
  // The enrolled role; an unenrolled tablet records as an officer.
  const std::string& role() const { return role_; }
  const std::string& agency() const { return agency_; }

  // Before `rec` (prepared, validated) is saved: the role's rule
  // (sync::roles::MayRecord); for an office sweep, the sections of
  // `previous` (its latest stored version, or null) this tablet cannot open
  // are carried forward, its agency parts sealed, and, if asked, its
  // co-signatures signed over the sealed form. Unauthorized, in English and
  // Chinese ("… / …"), when the role forbids the record or the tablet holds
  // no keys to seal with (not enrolled, or enrolled before agency sections).
  Status BeforeSave(Store::Impl* s, v1::Record* rec, const v1::Record* previous,
                    bool sign_cosignatures) const;
  // Opens the sections of this tablet's own agency; the others, and any
  // that does not open (sealed to another hub's key), stay sealed. Returns
  // how many stay sealed.
  size_t Open(v1::Record* rec) const;
  size_t Open(v1::OfficeSweep* sweep) const;

 private:
  bool enrolled_ = false;
  std::string role_ = "officer";
  std::string agency_;
  sync::sections::PublicKeys public_keys_;
  crypto::SecretBuffer agency_sk_;  // empty: enrolled before agency sections
};

// Co-signs `sweep` with the device key (cosign.cc; Store::SignCosignatures).
Status SignCosignatures(Store::Impl* s, v1::OfficeSweep* sweep);

// Creates the tables and pragmas of a fresh store file.
Status CreateSchema(sql::Db* db);
// Tables added to format 1 later: created if missing (on create and open).
Status EnsureSyncTables(sql::Db* db);
// Pragmas every connection sets (WAL, durable commits, no temp files).
Status ConfigureConnection(sql::Db* db);

// The view log (view_log.cc, docs/storage-format.md "View log"): its table,
// created with the store (format 2); the migration of a format 1 store to
// format 2, in one transaction (nothing to do for other formats); and its
// checks for Verify, added to `report`. REQUIRES (VerifyViewLog): unlocked.
Status CreateViewLogTable(sql::Db* db);
Status UpgradeFormat(Store::Impl* s);
Status VerifyViewLog(Store::Impl* s, VerifyReport* report);

// Retention (retention.cc, docs/storage-format.md "Retention"): the table of
// purged versions, created with the store (format 3); the migration of a
// format 2 store to format 3, in one transaction; the check of one purged
// row for Verify (whether its sealed record hash opened; then `*eh` is the
// entry hash recomputed from `prev`, and `*problem` empty unless the row
// was purged before the hub acknowledged it); and the NotFound of a record
// that is not on the tablet, saying whether retention dropped it.
Status CreatePurgedTable(sql::Db* db);
Status UpgradeToPurged(Store::Impl* s);
bool CheckPurgedRow(Store::Impl* s, uint64_t seq, const std::string& record_id, uint64_t version,
                    const crypto::Bytes& sealed, const sync::Digest& prev, sync::Digest* eh,
                    std::string* problem);
Status NoRecord(Store::Impl* s, std::string_view record_id, std::string_view what);

}  // namespace sweep::field
