// libsodium's crypto_secretstream_xchacha20poly1305: a sequence of
// authenticated messages under one 32-byte key, where reordering, dropping
// or truncating messages is detected (each message's nonce is derived from
// the previous one; the last is tagged FINAL). Used by the hub's encrypted
// backups (docs/hub-storage.md "Backups").
//
// Ownership: each object keeps its stream state (which holds a subkey) in
// guarded memory, wiped on destruction. Not thread-safe (one owner).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"

namespace sweep::crypto {

constexpr size_t kStreamHeaderSize = 24;  // crypto_secretstream_xchacha20poly1305_HEADERBYTES
constexpr size_t kStreamOverhead = 17;    // crypto_secretstream_xchacha20poly1305_ABYTES

class StreamSealer {
 public:
  // REQUIRES: key.size() == kKeySize. Draws a random header (libsodium's CSPRNG).
  explicit StreamSealer(const SecretBuffer& key);
  const std::array<uint8_t, kStreamHeaderSize>& header() const { return header_; }
  // Seals one message; adds kStreamOverhead bytes. `final` tags it as the last.
  Bytes Push(ByteView message, ByteView associated_data, bool final);

 private:
  SecretBuffer state_;
  std::array<uint8_t, kStreamHeaderSize> header_{};
};

class StreamOpener {
 public:
  // REQUIRES: key.size() == kKeySize. Corruption if the header is malformed.
  static Result<StreamOpener> Start(const SecretBuffer& key, ByteView header);
  // Opens the next message: Corruption if it does not verify (wrong key,
  // altered, reordered or missing message, or other associated data).
  // Sets *final when the message carries the FINAL tag.
  Result<Bytes> Pull(ByteView sealed, ByteView associated_data, bool* final);

 private:
  StreamOpener() = default;
  SecretBuffer state_;
};

}  // namespace sweep::crypto
