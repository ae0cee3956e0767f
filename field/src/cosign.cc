// Co-signatures of a joint inspection (store.h): the participants of an
// office sweep confirm it with a tap on the tablet; the device signs each
// confirmation with its Ed25519 key. A participant from another agency holds
// no key on this tablet, so the signature is the device's word that this
// person confirmed this content, not a personal signature (docs/api.md,
// "Co-signatures"; docs/storage-format.md).
//
//   record_hash = BLAKE2b-256("sweep.cosign.v1" ‖ D(sweep with cosignatures cleared))
//   signature   = Ed25519(sign_sk, "sweep.cosign.v1" ‖ D(the Signature with signature cleared))
//
// D = deterministic Protobuf serialisation, so the signer's id, role, agency,
// key id and time are covered with the content. The store signs after it
// has sealed the agency sections (agency_sections.cc): the hash covers the
// sweep as it is stored and sent, sealed sections included; verify it on
// Store::GetSealed, not on a version opened for reading.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "store_impl.h"

namespace sweep::field {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;

namespace {

constexpr std::string_view kDomain = "sweep.cosign.v1";

std::string Deterministic(const google::protobuf::MessageLite& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

Bytes SignedMessage(const v1::Signature& sig) {
  v1::Signature unsigned_sig = sig;
  unsigned_sig.clear_signature();
  std::string m = std::string(kDomain) + Deterministic(unsigned_sig);
  return Bytes(m.begin(), m.end());
}

}  // namespace

Bytes CosignatureHash(const v1::OfficeSweep& sweep) {
  v1::OfficeSweep content = sweep;
  content.clear_cosignatures();
  auto h = crypto::Hash({AsBytes(kDomain), AsBytes(Deterministic(content))});
  return Bytes(h.begin(), h.end());
}

bool VerifyCosignature(ByteView sign_pk, const v1::OfficeSweep& sweep, const v1::Signature& sig) {
  const Bytes hash = CosignatureHash(sweep);
  return crypto::Equal(AsBytes(sig.record_hash()), hash) &&
         crypto::VerifySignature(sign_pk, SignedMessage(sig), AsBytes(sig.signature()));
}

Status Store::SignCosignatures(v1::OfficeSweep* sweep) {
  SWEEP_RETURN_IF_ERROR(impl_->RequireUnlocked());
  return field::SignCosignatures(impl_.get(), sweep);
}

Status SignCosignatures(Store::Impl* s, v1::OfficeSweep* sweep) {
  const Bytes hash = CosignatureHash(*sweep);
  const std::string key_id = crypto::KeyId(s->sign_pk);
  const int64_t now = s->env->NowMillis();
  for (v1::Signature& sig : *sweep->mutable_cosignatures()) {
    if (sig.signer_id().empty() && sig.agency().empty()) {
      return Status::InvalidArgument("a co-signature names no signer (signerId, agency)");
    }
    sig.set_key_id(key_id);
    sig.set_record_hash(std::string(hash.begin(), hash.end()));
    sig.set_signed_at_ms(now);
    auto signature = crypto::Sign(s->keys->sign_sk, SignedMessage(sig));
    sig.set_signature(std::string(signature.begin(), signature.end()));
  }
  return Status::Ok();
}

const Bytes& Store::sign_public_key() const { return impl_->sign_pk; }

}  // namespace sweep::field
