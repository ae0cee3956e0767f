// Thin, typed wrappers over libsodium for everything Sweep seals, signs and
// hashes. Secret keys live in SecretBuffer (sodium_malloc: guard pages,
// mlock'd, wiped on destruction). Every function is thread-safe; a
// SecretBuffer is not (one owner).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/env.h"
#include "sweep/schema/status.h"

namespace sweep::crypto {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Calls sodium_init once; aborts the process if libsodium cannot start
// (without a working CSPRNG nothing is safe to do).
void Init();

// Fixed-size secret in guarded memory. Move-only. Wiped and freed on
// destruction or Wipe(); after Wipe() it is empty().
class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(size_t size);  // zero-filled
  ~SecretBuffer();
  SecretBuffer(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;

  static SecretBuffer Random(size_t size, Env* env);
  static SecretBuffer CopyOf(ByteView bytes);

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return data_ == nullptr; }
  ByteView view() const { return {data_, size_}; }
  void Wipe();

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

constexpr size_t kKeySize = 32;
constexpr size_t kAeadNonceSize = 24;  // XChaCha20-Poly1305
constexpr size_t kAeadTagSize = 16;
constexpr size_t kHashSize = 32;  // BLAKE2b-256
constexpr size_t kSignPublicKeySize = 32;
constexpr size_t kSignSecretKeySize = 64;
constexpr size_t kSignatureSize = 64;
constexpr size_t kBoxPublicKeySize = 32;
constexpr size_t kBoxSecretKeySize = 32;
constexpr size_t kSaltSize = 16;

// XChaCha20-Poly1305 with a random nonce. Output: nonce || ciphertext || tag.
Bytes AeadSeal(const SecretBuffer& key, ByteView plaintext, ByteView associated_data, Env* env);
// Inverse of AeadSeal. Corruption if the tag does not verify (wrong key,
// altered bytes, or associated data that does not match).
Result<Bytes> AeadOpen(const SecretBuffer& key, ByteView sealed, ByteView associated_data);
// Same, into guarded memory (for wrapped keys).
Result<SecretBuffer> AeadOpenSecret(const SecretBuffer& key, ByteView sealed,
                                    ByteView associated_data);

// BLAKE2b-256 of the concatenation of `parts`, unkeyed or keyed.
std::array<uint8_t, kHashSize> Hash(std::initializer_list<ByteView> parts);
std::array<uint8_t, kHashSize> KeyedHash(const SecretBuffer& key,
                                         std::initializer_list<ByteView> parts);

// Argon2id parameters, stored beside what they protect so they can be raised.
struct KdfParams {
  uint64_t ops_limit = 3;
  uint64_t mem_limit = 64ull << 20;  // bytes
  std::array<uint8_t, kSaltSize> salt{};
};
// Derives a 32-byte key from a PIN or passphrase. IOError if memory is short.
Result<SecretBuffer> DeriveKey(std::string_view pin, const KdfParams& params);

// Ed25519.
struct SignKeyPair {
  std::array<uint8_t, kSignPublicKeySize> public_key{};
  SecretBuffer secret_key;  // 64 bytes
};
SignKeyPair NewSignKeyPair();
std::array<uint8_t, kSignatureSize> Sign(const SecretBuffer& secret_key, ByteView message);
bool VerifySignature(ByteView public_key, ByteView message, ByteView signature);

// X25519 (for sealing to the hub and per-agency sections).
struct BoxKeyPair {
  std::array<uint8_t, kBoxPublicKeySize> public_key{};
  SecretBuffer secret_key;  // 32 bytes
};
BoxKeyPair NewBoxKeyPair();
// The key pair of a 32-byte seed (crypto_box_seed_keypair): the same seed
// always gives the same pair.
BoxKeyPair BoxKeyPairFromSeed(ByteView seed);
// Anonymous sealed box (X25519 + XSalsa20-Poly1305): only the holder of the
// recipient's secret key can open it. Adds kSealOverhead bytes.
constexpr size_t kSealOverhead = 48;
Bytes BoxSeal(ByteView plaintext, ByteView recipient_pk);
Result<Bytes> BoxSealOpen(ByteView sealed, ByteView recipient_pk, const SecretBuffer& recipient_sk);
// Public key of an X25519 secret key.
std::array<uint8_t, kBoxPublicKeySize> BoxPublicKey(const SecretBuffer& secret_key);
// Constant-time comparison.
bool Equal(ByteView a, ByteView b);

// SHA-256 (for attachments: content addresses other tools can check).
class Sha256 {
 public:
  Sha256();
  void Update(ByteView data);
  std::string HexDigest();  // finishes; the object is spent afterwards
 private:
  alignas(64) uint8_t state_[128];  // crypto_hash_sha256_state, kept opaque here
};
std::string Sha256Hex(ByteView data);

// Lowercase hex and back.
std::string ToHex(ByteView bytes);
Result<Bytes> FromHex(std::string_view hex);

// Short key id: hex of the first 8 bytes of BLAKE2b-256(public key).
std::string KeyId(ByteView public_key);

}  // namespace sweep::crypto
