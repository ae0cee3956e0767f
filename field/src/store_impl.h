// Private: the state behind Store, shared by store.cc (records, verify) and
// keyring.cc (officers, PINs, lockout, shredding).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sweep/field/store.h"
#include "sweep/sync/crypto.h"
#include "sweep/sync/hlc.h"
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

// Creates the tables and pragmas of a fresh store file.
Status CreateSchema(sql::Db* db);
// Tables added to format 1 later: created if missing (on create and open).
Status EnsureSyncTables(sql::Db* db);
// Pragmas every connection sets (WAL, durable commits, no temp files).
Status ConfigureConnection(sql::Db* db);

}  // namespace sweep::field
