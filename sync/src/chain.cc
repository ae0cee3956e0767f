#include "sweep/sync/chain.h"

namespace sweep::sync {
namespace {
std::array<uint8_t, 8> U64Be(uint64_t v) {
  std::array<uint8_t, 8> b{};
  for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<uint8_t>(v & 0xff);
  return b;
}
}  // namespace

Digest RecordHash(crypto::ByteView serialized_record) {
  return crypto::Hash({crypto::AsBytes("sweep.record.v1"), serialized_record});
}

Digest EntryHash(std::string_view device_id, uint64_t seq, const Digest& prev,
                 const Digest& record_hash) {
  auto s = U64Be(seq);
  return crypto::Hash(
      {crypto::AsBytes("sweep.chain.v1"), crypto::AsBytes(device_id), s, prev, record_hash});
}

crypto::Bytes HeadMessage(std::string_view device_id, uint64_t seq, const Digest& entry_hash) {
  crypto::Bytes m;
  std::string_view tag = "sweep.head.v1";
  m.insert(m.end(), tag.begin(), tag.end());
  m.insert(m.end(), device_id.begin(), device_id.end());
  auto s = U64Be(seq);
  m.insert(m.end(), s.begin(), s.end());
  m.insert(m.end(), entry_hash.begin(), entry_hash.end());
  return m;
}

}  // namespace sweep::sync
