// The per-device hash chain over record versions (docs/storage-format.md,
// "Chain"). Shared by the tablet, which builds it, and the hub, which checks
// it on every upload. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "sweep/sync/crypto.h"

namespace sweep::sync {

using Digest = std::array<uint8_t, crypto::kHashSize>;

// BLAKE2b-256("sweep.record.v1" || serialized Record bytes). The bytes are
// hashed exactly as stored and sent; they are never re-serialised.
Digest RecordHash(crypto::ByteView serialized_record);

// BLAKE2b-256("sweep.chain.v1" || device_id || u64be(seq) || prev || record_hash).
// The first entry (seq 1) has prev = 32 zero bytes.
Digest EntryHash(std::string_view device_id, uint64_t seq, const Digest& prev,
                 const Digest& record_hash);

// The message a device signs to vouch for the chain up to and including
// `seq`: "sweep.head.v1" || device_id || u64be(seq) || entry_hash.
crypto::Bytes HeadMessage(std::string_view device_id, uint64_t seq, const Digest& entry_hash);

}  // namespace sweep::sync
