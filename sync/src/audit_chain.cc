// The audit entry hash and the view-log head message (audit_chain.h; byte
// layout in docs/hub-storage.md "Audit log", "The hash").
#include "sweep/sync/audit_chain.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace sweep::sync {

using crypto::Bytes;

namespace {

void PutU32(Bytes* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v >> shift));
}
void PutU64(Bytes* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v >> shift));
}
void PutText(Bytes* out, const std::string& s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->insert(out->end(), s.begin(), s.end());
}

}  // namespace

Digest AuditHash(const v1::AuditEntry& e) {
  Bytes in(kAuditDomain.begin(), kAuditDomain.end());
  in.insert(in.end(), e.prev_hash().begin(), e.prev_hash().end());
  PutText(&in, e.chain());
  PutU64(&in, e.seq());
  PutU64(&in, static_cast<uint64_t>(e.at_ms()));
  for (const std::string* s :
       {&e.actor(), &e.actor_role(), &e.device(), &e.action(), &e.entity(), &e.detail()}) {
    PutText(&in, *s);
  }
  return crypto::Hash({crypto::ByteView(in)});
}

std::string DeviceChain(std::string_view device_id) {
  return std::string(kDeviceChainPrefix) + std::string(device_id);
}

Bytes ViewHeadMessage(std::string_view device_id, uint64_t seq, crypto::ByteView hash) {
  Bytes m(kViewHeadDomain.begin(), kViewHeadDomain.end());
  m.insert(m.end(), device_id.begin(), device_id.end());
  PutU64(&m, seq);
  m.insert(m.end(), hash.begin(), hash.end());
  return m;
}

Status CheckAuditEntryShape(const v1::AuditEntry& e) {
  const std::string at = "audit entry " + std::to_string(e.seq());
  if (e.seq() == 0) return Status::InvalidArgument("an audit entry has seq 0: seqs start at 1");
  if (e.hash().size() != crypto::kHashSize || e.prev_hash().size() != crypto::kHashSize) {
    return Status::InvalidArgument(at + ": hash and prev_hash must be 32 bytes each");
  }
  const std::pair<const char*, const std::string*> texts[] = {
      {"chain", &e.chain()},   {"actor", &e.actor()},   {"actor_role", &e.actor_role()},
      {"device", &e.device()}, {"action", &e.action()}, {"entity", &e.entity()}};
  for (const auto& [name, value] : texts) {
    if (value->size() > kMaxAuditTextBytes) {
      return Status::InvalidArgument(at + ": " + name + " is longer than " +
                                     std::to_string(kMaxAuditTextBytes) + " bytes");
    }
  }
  if (e.detail().size() > kMaxAuditDetailBytes) {
    return Status::InvalidArgument(at + ": detail is longer than " +
                                   std::to_string(kMaxAuditDetailBytes) + " bytes");
  }
  return Status::Ok();
}

std::string AuditDetailJson(const std::vector<std::pair<std::string, std::string>>& fields,
                            bool skip_empty) {
  std::string out = "{";
  for (const auto& [key, value] : fields) {
    if (skip_empty && value.empty()) continue;
    google::protobuf::Value k, v;
    k.set_string_value(key);
    v.set_string_value(value);
    std::string kj, vj;
    (void)google::protobuf::util::MessageToJsonString(k, &kj);
    (void)google::protobuf::util::MessageToJsonString(v, &vj);
    if (out.size() > 1) out += ",";
    out += kj + ":" + vj;
  }
  return out + "}";
}

}  // namespace sweep::sync
