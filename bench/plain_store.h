// The benchmark's baseline: the field store's schema shape in plain SQLite,
// with no encryption, chaining, signing or keyed hashing. Versions hold the
// serialized record as is, tags hold identifier values in clear, and every
// connection uses the same durability pragmas as the field store (WAL,
// synchronous=FULL, secure_delete, temp_store=MEMORY). One owner, one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sweep/schema/status.h"
#include "sweep/sync/sqlite.h"
#include "sweep/v1/record.pb.h"

namespace sweep::bench {

// A record the benchmark has completed as the field store would (id,
// version, clock, officer, device, validation), with its tag values.
struct PlainVersion {
  v1::Record record;
  std::vector<std::string> tags;  // "kind|normalised value"
};

class PlainStore {
 public:
  // Creates a fresh database file in `dir`, which must exist.
  static Result<std::unique_ptr<PlainStore>> Create(const std::string& dir);

  // Serialises every version and inserts it with its tags in one durable
  // transaction, or none. `serialized_bytes` (if not null) grows by the
  // payload bytes written.
  Status Append(const std::vector<PlainVersion>& versions, uint64_t* serialized_bytes);

 private:
  explicit PlainStore(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
  std::unique_ptr<sql::Db> db_;
  uint64_t seq_ = 0;
};

}  // namespace sweep::bench
