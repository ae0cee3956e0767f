// Drafts: the screen's forms as they are typed, sealed in the store
// (store.h). Row: tag = the keyed hash of the draft's key (so a save replaces
// the draft and the file does not show which form it is), sealed = AEAD
// under the data key of a serialised v1::UiDraft {key, body, updated_ms},
// with the tag in the associated data so that a row cannot be moved.
#include <sodium.h>

#include <algorithm>

#include "store_impl.h"
#include "sweep/v1/ui.pb.h"

namespace sweep::field {

using crypto::AsBytes;
using crypto::Bytes;

namespace {

Bytes DraftTag(Store::Impl* s, std::string_view key) { return s->IndexTag("draft", key); }

Bytes DraftAd(Store::Impl* s, crypto::ByteView tag) {
  std::string ad = "sweep.draft.v1|" + s->device_id + "|" + crypto::ToHex(tag);
  return Bytes(ad.begin(), ad.end());
}

}  // namespace

Status Store::SaveDraft(std::string_view key, std::string_view body) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  if (key.empty()) return Status::InvalidArgument("a draft needs a key");
  if (body.size() > kMaxRecordBytes) {
    return Status::InvalidArgument("a draft may be at most 1 MiB; photos go in files");
  }
  Bytes tag = DraftTag(s, key);
  v1::UiDraft d;
  d.set_key(std::string(key));
  d.set_body(std::string(body));
  d.set_updated_ms(s->env->NowMillis());
  std::string plain = d.SerializeAsString();
  sodium_memzero(d.mutable_body()->data(), d.body().size());
  SWEEP_ASSIGN_OR_RETURN(auto put, s->db->Prepare("INSERT OR REPLACE INTO drafts(tag, sealed)"
                                                  " VALUES(?, ?)"));
  put.Bind(1, tag).Bind(2, crypto::AeadSeal(s->keys->data, AsBytes(plain), DraftAd(s, tag), s->env));
  sodium_memzero(plain.data(), plain.size());
  return put.Run();
}

Result<std::vector<Draft>> Store::Drafts() {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT tag, sealed FROM drafts"));
  std::vector<Draft> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Bytes tag = st.Blob(0);
    auto plain = crypto::AeadOpen(s->keys->data, st.Blob(1), DraftAd(s, tag));
    if (!plain.ok()) return plain.status().WithContext("a stored draft");
    v1::UiDraft draft;
    const bool parsed = draft.ParseFromArray(plain->data(), static_cast<int>(plain->size()));
    sodium_memzero(plain->data(), plain->size());
    if (!parsed || draft.key().empty()) return Status::Corruption("a stored draft is malformed");
    out.push_back({draft.key(), draft.body(), draft.updated_ms()});
    sodium_memzero(draft.mutable_body()->data(), draft.body().size());
  }
  std::sort(out.begin(), out.end(),
            [](const Draft& a, const Draft& b) { return a.updated_ms > b.updated_ms; });
  return out;
}

Status Store::DeleteDraft(std::string_view key) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto del, s->db->Prepare("DELETE FROM drafts WHERE tag=?"));
  del.Bind(1, DraftTag(s, key));
  return del.Run();
}

}  // namespace sweep::field
