// The phases of the store benchmark, each on fresh temporary folders:
// bulk insert (encrypted store vs. plain SQLite baseline), durable single
// saves, unlock time, and the cost of each piece of security work measured
// in isolation. Each returns its measurements or the Status that stopped it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"

namespace sweep::bench {

// Argon2id parameters the unit tests use (fast); the bulk and save phases
// create their stores with these, since unlock cost is measured apart.
crypto::KdfParams TestKdf();

struct BulkOptions {
  uint64_t records = 0;
  uint64_t batch = 0;
  uint64_t seed = 0;
  std::string parent_dir;  // where temporary folders are made
  std::string label;       // for progress, e.g. "round 1/3"
};

struct BulkResult {
  double seconds = 0;      // inside Append / the baseline's transaction only
  double cpu_seconds = 0;  // CPU time of this thread in the same intervals
  uint64_t records = 0;
  uint64_t serialized_bytes = 0;  // plaintext record bytes
  uint64_t disk_bytes = 0;        // database + WAL after the run
  uint64_t tag_rows = 0;          // rows in the tags table (must match between stores)
  double records_per_second() const { return static_cast<double>(records) / seconds; }
  double megabytes_per_second() const {
    return static_cast<double>(serialized_bytes) / 1e6 / seconds;
  }
};

// Appends `records` records in transactions of `batch` through Store::Append.
Result<BulkResult> RunBulkEncrypted(const BulkOptions& options);
// The same records, completed as the store completes them, into PlainStore.
Result<BulkResult> RunBulkPlain(const BulkOptions& options);

struct SaveLatencies {
  std::vector<double> encrypted_ms;
  std::vector<double> plain_ms;
};
// `count` single-record durable commits into each store, alternating.
Result<SaveLatencies> RunSingleSaves(uint64_t count, uint64_t seed, const std::string& parent_dir);

// Times Unlock() `count` times on a store created with `kdf`.
Result<std::vector<double>> RunUnlocks(const crypto::KdfParams& kdf, uint64_t count,
                                       const std::string& parent_dir, const std::string& label);

// Times crypto::DeriveKey (Argon2id alone: what one offline PIN guess costs)
// `count` times with `kdf`.
Result<std::vector<double>> RunKdf(const crypto::KdfParams& kdf, uint64_t count);

// Signatures Store::Append makes in a commit of `versions` versions: every
// Store::kSignEvery-th and the last.
uint64_t SignaturesPerCommit(uint64_t versions);

// Microseconds per record for each step Store::Append adds to a plain insert,
// measured in isolation over `count` records as thread CPU time (best of 3),
// so that load from other processes inflates them as little as possible.
struct StepCosts {
  double validate_us = 0;     // schema::ValidateRecord
  double serialize_us = 0;    // protobuf, done by both stores
  double seal_us = 0;         // XChaCha20-Poly1305 with its associated data
  double chain_us = 0;        // record hash + entry hash (BLAKE2b)
  double tags_us = 0;         // keyed hashes of all tags of a record
  double sign_us = 0;         // Ed25519 signatures of a commit of `batch`, per record
  double record_id_us = 0;    // random id
  double total() const {      // every step but serialize (both stores do it)
    return validate_us + seal_us + chain_us + tags_us + sign_us + record_id_us;
  }
};
Result<StepCosts> MeasureStepCosts(uint64_t count, uint64_t batch, uint64_t seed);

}  // namespace sweep::bench
