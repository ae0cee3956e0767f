// Encrypted online backups of the hub (docs/hub-storage.md "Backups"):
// a consistent snapshot of the store (HubStore::Snapshot) streamed into a
// file sealed with libsodium's secretstream under a 32-byte key the
// operator holds, and the way back to a hub database.
//
// Ownership: keys are SecretBuffers (guarded memory, wiped when dropped);
// neither direction ever writes the plaintext image anywhere but the
// restored database itself. Functions are thread-compatible: one call per
// file at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"

namespace sweep::hub {

inline constexpr char kBackupMagic[] = "SWEEPBK1";  // 8 bytes, no terminator in the file
inline constexpr uint16_t kBackupFormatVersion = 1;
inline constexpr size_t kBackupHeaderSize = 128;
inline constexpr uint32_t kBackupChunkSize = 64 * 1024;

// Writes a new random backup key to `path` (mode 0600). AlreadyExists if
// the file is there: a key is never overwritten.
Status WriteNewBackupKey(const std::string& path, Env* env);
// Reads a key file. InvalidArgument if it is not one, or if others than
// its owner may read it (then: chmod 600).
Result<crypto::SecretBuffer> ReadBackupKey(const std::string& path);

// What a backup's header says.
struct BackupInfo {
  int64_t created_ms = 0;
  std::string hub_id;
  int64_t schema_version = 0;
  uint64_t size = 0;  // plaintext bytes of the image
  uint32_t chunk_size = kBackupChunkSize;
  uint64_t chunks = 0;
  uint64_t file_size = 0;  // bytes of the backup file
};

// Called with a stage ("snapshot", "encrypt", "decrypt"), bytes done and
// bytes in all. May be empty.
using BackupProgress = std::function<void(const char* stage, uint64_t done, uint64_t total)>;

// Takes a snapshot of `store` and writes it encrypted to `path` (through
// `path`.tmp, renamed when complete and fsync'd). AlreadyExists if `path`
// exists and not `force`.
Result<BackupInfo> WriteBackup(HubStore* store, const crypto::SecretBuffer& key,
                               const std::string& path, bool force, Env* env,
                               const BackupProgress& progress);

struct RestoreReport {
  BackupInfo backup;
  uint64_t versions = 0;  // record versions in the restored hub
  uint64_t devices = 0;
};

// Restores the backup at `backup_path` into the hub database `db_path`:
// every chunk is decrypted and verified into `db_path`.tmp, which is then
// opened as a hub store (migrations run), checked (integrity_check, hub id)
// and only then renamed to `db_path`. On any failure nothing is left under
// either name. Errors: InvalidArgument (not a backup, newer format),
// Unauthorized (wrong key), Corruption (altered, truncated or reordered),
// AlreadyExists (`db_path` exists and not `force`).
// REQUIRES: no process has `db_path` open when `force` replaces it.
Result<RestoreReport> RestoreBackup(const std::string& backup_path, const crypto::SecretBuffer& key,
                                    const std::string& db_path, bool force,
                                    const BackupProgress& progress);

// Reads and checks a backup's header only (no key needed).
Result<BackupInfo> ReadBackupHeader(const std::string& backup_path);

}  // namespace sweep::hub
