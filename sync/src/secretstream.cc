// Wrappers over crypto_secretstream_xchacha20poly1305 (secretstream.h).
#include "sweep/sync/secretstream.h"

#include <sodium.h>

namespace sweep::crypto {

using State = crypto_secretstream_xchacha20poly1305_state;
static_assert(kStreamHeaderSize == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kStreamOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);

StreamSealer::StreamSealer(const SecretBuffer& key) : state_(sizeof(State)) {
  Init();
  crypto_secretstream_xchacha20poly1305_init_push(reinterpret_cast<State*>(state_.data()),
                                                  header_.data(), key.data());
}

Bytes StreamSealer::Push(ByteView message, ByteView associated_data, bool final) {
  Bytes out(message.size() + kStreamOverhead);
  unsigned long long len = 0;
  crypto_secretstream_xchacha20poly1305_push(
      reinterpret_cast<State*>(state_.data()), out.data(), &len, message.data(), message.size(),
      associated_data.empty() ? nullptr : associated_data.data(), associated_data.size(),
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
            : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  out.resize(len);
  return out;
}

Result<StreamOpener> StreamOpener::Start(const SecretBuffer& key, ByteView header) {
  Init();
  if (header.size() != kStreamHeaderSize) {
    return Status::Corruption("secretstream header is " + std::to_string(header.size()) +
                              " bytes, expected " + std::to_string(kStreamHeaderSize));
  }
  StreamOpener opener;
  opener.state_ = SecretBuffer(sizeof(State));
  if (crypto_secretstream_xchacha20poly1305_init_pull(
          reinterpret_cast<State*>(opener.state_.data()), header.data(), key.data()) != 0) {
    return Status::Corruption("secretstream header is invalid");
  }
  return Result<StreamOpener>(std::move(opener));
}

Result<Bytes> StreamOpener::Pull(ByteView sealed, ByteView associated_data, bool* final) {
  if (sealed.size() < kStreamOverhead) return Status::Corruption("sealed message too short");
  Bytes out(sealed.size() - kStreamOverhead);
  unsigned long long len = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          reinterpret_cast<State*>(state_.data()), out.data(), &len, &tag, sealed.data(),
          sealed.size(), associated_data.empty() ? nullptr : associated_data.data(),
          associated_data.size()) != 0) {
    return Status::Corruption("message does not verify");
  }
  out.resize(len);
  *final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  return out;
}

}  // namespace sweep::crypto
