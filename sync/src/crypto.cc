#include "sweep/sync/crypto.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace sweep::crypto {

void Init() {
  if (sodium_init() < 0) std::abort();
}

SecretBuffer::SecretBuffer(size_t size) : size_(size) {
  Init();
  data_ = static_cast<uint8_t*>(sodium_malloc(size == 0 ? 1 : size));
  if (data_ == nullptr) throw std::bad_alloc();
  sodium_memzero(data_, size);
}

SecretBuffer::~SecretBuffer() { Wipe(); }

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void SecretBuffer::Wipe() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free zeroes before freeing
  data_ = nullptr;
  size_ = 0;
}

SecretBuffer SecretBuffer::Random(size_t size, Env* env) {
  SecretBuffer b(size);
  env->RandomBytes(b.data(), size);
  return b;
}

SecretBuffer SecretBuffer::CopyOf(ByteView bytes) {
  SecretBuffer b(bytes.size());
  if (!bytes.empty()) std::memcpy(b.data(), bytes.data(), bytes.size());
  return b;
}

Bytes AeadSeal(const SecretBuffer& key, ByteView plaintext, ByteView ad, Env* env) {
  Bytes out(kAeadNonceSize + plaintext.size() + kAeadTagSize);
  env->RandomBytes(out.data(), kAeadNonceSize);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kAeadNonceSize, &clen, plaintext.data(),
                                             plaintext.size(), ad.data(), ad.size(), nullptr,
                                             out.data(), key.data());
  out.resize(kAeadNonceSize + clen);
  return out;
}

namespace {
Status OpenInto(const SecretBuffer& key, ByteView sealed, ByteView ad, uint8_t* out) {
  if (key.size() != kKeySize) return Status::Internal("AEAD key has wrong size");
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) {
    return Status::Corruption("sealed value too short (" + std::to_string(sealed.size()) +
                              " bytes)");
  }
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out, &mlen, nullptr, sealed.data() + kAeadNonceSize, sealed.size() - kAeadNonceSize,
          ad.data(), ad.size(), sealed.data(), key.data()) != 0) {
    return Status::Corruption(
        "authentication failed: the bytes were altered, moved, or sealed "
        "under another key");
  }
  return Status::Ok();
}
}  // namespace

Result<Bytes> AeadOpen(const SecretBuffer& key, ByteView sealed, ByteView ad) {
  size_t n = sealed.size() >= kAeadNonceSize + kAeadTagSize
                 ? sealed.size() - kAeadNonceSize - kAeadTagSize
                 : 0;
  Bytes out(n);
  SWEEP_RETURN_IF_ERROR(OpenInto(key, sealed, ad, out.data()));
  return out;
}

Result<SecretBuffer> AeadOpenSecret(const SecretBuffer& key, ByteView sealed, ByteView ad) {
  size_t n = sealed.size() >= kAeadNonceSize + kAeadTagSize
                 ? sealed.size() - kAeadNonceSize - kAeadTagSize
                 : 0;
  SecretBuffer out(n);
  SWEEP_RETURN_IF_ERROR(OpenInto(key, sealed, ad, out.data()));
  return out;
}

namespace {
std::array<uint8_t, kHashSize> HashImpl(const uint8_t* key, size_t key_len,
                                        std::initializer_list<ByteView> parts) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, key, key_len, kHashSize);
  for (ByteView p : parts) crypto_generichash_update(&st, p.data(), p.size());
  std::array<uint8_t, kHashSize> out{};
  crypto_generichash_final(&st, out.data(), out.size());
  sodium_memzero(&st, sizeof st);
  return out;
}
}  // namespace

std::array<uint8_t, kHashSize> Hash(std::initializer_list<ByteView> parts) {
  return HashImpl(nullptr, 0, parts);
}

std::array<uint8_t, kHashSize> KeyedHash(const SecretBuffer& key,
                                         std::initializer_list<ByteView> parts) {
  return HashImpl(key.data(), key.size(), parts);
}

Result<SecretBuffer> DeriveKey(std::string_view pin, const KdfParams& p) {
  if (p.ops_limit < crypto_pwhash_OPSLIMIT_MIN || p.mem_limit < crypto_pwhash_MEMLIMIT_MIN) {
    return Status::InvalidArgument("Argon2id parameters below libsodium's minimum");
  }
  SecretBuffer key(kKeySize);
  if (crypto_pwhash(key.data(), key.size(), pin.data(), pin.size(), p.salt.data(), p.ops_limit,
                    static_cast<size_t>(p.mem_limit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::IOError("Argon2id ran out of memory (needs " +
                           std::to_string(p.mem_limit >> 20) + " MiB)");
  }
  return key;
}

SignKeyPair NewSignKeyPair() {
  SignKeyPair kp;
  kp.secret_key = SecretBuffer(kSignSecretKeySize);
  crypto_sign_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

std::array<uint8_t, kSignatureSize> Sign(const SecretBuffer& sk, ByteView message) {
  std::array<uint8_t, kSignatureSize> sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data());
  return sig;
}

bool VerifySignature(ByteView pk, ByteView message, ByteView signature) {
  if (pk.size() != kSignPublicKeySize || signature.size() != kSignatureSize) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), pk.data()) ==
         0;
}

BoxKeyPair NewBoxKeyPair() {
  BoxKeyPair kp;
  kp.secret_key = SecretBuffer(kBoxSecretKeySize);
  crypto_box_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

BoxKeyPair BoxKeyPairFromSeed(ByteView seed) {
  BoxKeyPair kp;
  kp.secret_key = SecretBuffer(kBoxSecretKeySize);
  if (seed.size() != crypto_box_SEEDBYTES) return kp;  // all zero: unusable, never equal
  crypto_box_seed_keypair(kp.public_key.data(), kp.secret_key.data(), seed.data());
  return kp;
}

Bytes BoxSeal(ByteView plaintext, ByteView recipient_pk) {
  Bytes out(plaintext.size() + crypto_box_SEALBYTES);
  if (recipient_pk.size() != crypto_box_PUBLICKEYBYTES) return {};
  crypto_box_seal(out.data(), plaintext.data(), plaintext.size(), recipient_pk.data());
  return out;
}

Result<Bytes> BoxSealOpen(ByteView sealed, ByteView recipient_pk, const SecretBuffer& sk) {
  if (sealed.size() < crypto_box_SEALBYTES || recipient_pk.size() != crypto_box_PUBLICKEYBYTES ||
      sk.size() != crypto_box_SECRETKEYBYTES) {
    return Status::Corruption("sealed box too short or key of wrong size");
  }
  Bytes out(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), recipient_pk.data(),
                           sk.data()) != 0) {
    return Status::Corruption("sealed box does not open: altered, or sealed to another key");
  }
  return out;
}

std::array<uint8_t, kBoxPublicKeySize> BoxPublicKey(const SecretBuffer& sk) {
  std::array<uint8_t, kBoxPublicKeySize> pk{};
  crypto_scalarmult_base(pk.data(), sk.data());
  return pk;
}

bool Equal(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
}

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256 state buffer too small");

Sha256::Sha256() {
  Init();
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}
void Sha256::Update(ByteView data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(),
                            data.size());
}
std::string Sha256::HexDigest() {
  uint8_t out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), out);
  return ToHex(ByteView(out, sizeof out));
}
std::string Sha256Hex(ByteView data) {
  Sha256 h;
  h.Update(data);
  return h.HexDigest();
}

std::string ToHex(ByteView bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

Result<Bytes> FromHex(std::string_view hex) {
  Bytes out(hex.size() / 2);
  size_t len = 0;
  const char* end = nullptr;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
      end != hex.data() + hex.size()) {
    return Status::InvalidArgument("not a hex string: '" + std::string(hex.substr(0, 80)) + "'");
  }
  out.resize(len);
  return out;
}

std::string KeyId(ByteView public_key) {
  auto h = Hash({AsBytes("sweep.keyid.v1"), public_key});
  return ToHex(ByteView(h.data(), 8));
}

}  // namespace sweep::crypto
