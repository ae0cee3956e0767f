// Record versions: append (seal, chain, sign), read, search and verify.
// See docs/storage-format.md "Versions", "Chain" and "Verification".
#include "sweep/field/store.h"

#include <sodium.h>

#include <map>
#include <optional>
#include <set>

#include "store_impl.h"
#include "sweep/schema/identifiers.h"
#include "sweep/schema/record_json.h"
#include "sweep/sync/chain.h"

namespace sweep::field {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;
using sync::Digest;

namespace {

Bytes VersionAd(const std::string& device_id, uint64_t seq, std::string_view record_id,
                uint64_t version) {
  std::string ad = "sweep.version.v1|" + device_id + "|" + std::to_string(seq) + "|" +
                   std::string(record_id) + "|" + std::to_string(version);
  return Bytes(ad.begin(), ad.end());
}

Bytes HeadAd(const std::string& device_id) {
  std::string ad = "sweep.head.v1|" + device_id;
  return Bytes(ad.begin(), ad.end());
}

struct Head {
  uint64_t seq = 0;
  Digest hash{};
};

Result<Head> ReadHead(Store::Impl* s) {
  auto sealed = s->MetaBlob("head");
  if (!sealed.ok()) {
    if (sealed.status().code() == Code::kNotFound) return Head{};
    return sealed.status();
  }
  auto plain = crypto::AeadOpen(s->keys->data, *sealed, HeadAd(s->device_id));
  if (!plain.ok()) return plain.status().WithContext("chain head record");
  if (plain->size() != 8 + 32) return Status::Corruption("chain head record has wrong size");
  Head h;
  for (int i = 0; i < 8; ++i) h.seq = (h.seq << 8) | (*plain)[i];
  std::copy(plain->begin() + 8, plain->end(), h.hash.begin());
  return h;
}

Status WriteHead(Store::Impl* s, const Head& h) {
  Bytes plain(8);
  for (int i = 0; i < 8; ++i) plain[i] = static_cast<uint8_t>(h.seq >> (8 * (7 - i)));
  plain.insert(plain.end(), h.hash.begin(), h.hash.end());
  return s->SetMeta("head", crypto::AeadSeal(s->keys->data, plain, HeadAd(s->device_id), s->env));
}

Result<uint64_t> LatestVersion(sql::Stmt* st, std::string_view record_id) {
  st->Bind(1, record_id);
  SWEEP_ASSIGN_OR_RETURN(bool row, st->Step());
  uint64_t v = row && !st->IsNull(0) ? static_cast<uint64_t>(st->Int(0)) : 0;
  SWEEP_RETURN_IF_ERROR(st->Reset());
  return v;
}

}  // namespace

namespace {

// Appends versions inside one open transaction: resolves ids and versions,
// seals, chains, signs, and indexes. Owned by one Append call.
class VersionWriter {
 public:
  explicit VersionWriter(Store::Impl* s) : s_(s) {}

  Status Begin() {
    SWEEP_ASSIGN_OR_RETURN(head_, ReadHead(s_));
    SWEEP_ASSIGN_OR_RETURN(int64_t wall, s_->MetaInt("hlc_wall_ms", 0));
    SWEEP_ASSIGN_OR_RETURN(int64_t logical, s_->MetaInt("hlc_logical", 0));
    clock_.emplace(s_->env, sync::HlcTime{wall, static_cast<uint32_t>(logical)});
    SWEEP_RETURN_IF_ERROR(
        PrepareInto(&latest_, "SELECT max(version) FROM versions WHERE record_id=?"));
    SWEEP_RETURN_IF_ERROR(PrepareInto(&insert_,
                                      "INSERT INTO versions(seq, record_id, version,"
                                      " sealed, entry_hash, head_sig)"
                                      " VALUES(?,?,?,?,?,?)"));
    SWEEP_RETURN_IF_ERROR(PrepareInto(&tag_, "INSERT INTO tags(tag, seq) VALUES(?,?)"));
    SWEEP_ASSIGN_OR_RETURN(watchlist_, WatchlistMatcher::Load(s_));
    SWEEP_ASSIGN_OR_RETURN(sections_, SectionKeys::Load(s_));  // agency_sections.cc
    return Status::Ok();
  }

  // Builds the full record for `item` (number `index` of the batch).
  Result<v1::Record> Prepare(NewVersion& item, size_t index) {
    v1::Record rec;
    if (item.content.has_rental_check()) {
      rec.mutable_rental_check()->Swap(item.content.mutable_rental_check());
    } else if (item.content.has_office_sweep()) {
      rec.mutable_office_sweep()->Swap(item.content.mutable_office_sweep());
    } else if (item.content.has_case_update()) {
      rec.mutable_case_update()->Swap(item.content.mutable_case_update());
    } else {
      return Status::InvalidArgument(
          "item " + std::to_string(index + 1) +
          ": a record needs a rentalCheck, officeSweep or caseUpdate body");
    }
    uint64_t base = 0;
    if (item.record_id.empty()) {
      rec.set_record_id(NewRandomId(s_->env));
    } else {
      SWEEP_ASSIGN_OR_RETURN(base, Latest(item.record_id));
      if (base == 0) {
        return NoRecord(s_, item.record_id, "no record " + item.record_id + " to edit");
      }
      if (item.base_version != 0 && item.base_version != base) {
        return Status::Conflict("record " + item.record_id + " is at version " +
                                std::to_string(base) + ", the edit was made on version " +
                                std::to_string(item.base_version) + ": reload and edit again");
      }
      rec.set_record_id(item.record_id);
    }
    rec.set_version(base + 1);
    rec.set_base_version(base);
    *rec.mutable_hlc() = clock_->Now().ToProto();
    rec.set_officer_id(s_->officer_id);
    rec.set_device_id(s_->device_id);
    ids_.clear();
    for (auto& v : schema::ValidateRecord(rec, &ids_)) *rec.add_validation() = std::move(v);
    SWEEP_ASSIGN_OR_RETURN(auto hits, watchlist_->Hits(ids_));
    for (auto& v : hits) *rec.add_validation() = std::move(v);
    // The role's rule, then an office sweep's sections sealed (and its
    // co-signatures signed over the sealed form).
    std::optional<v1::Record> previous;
    if (base > 0 && rec.has_office_sweep()) {
      SWEEP_ASSIGN_OR_RETURN(previous, Stored(rec.record_id(), base));
    }
    if (Status st = sections_->BeforeSave(s_, &rec, previous ? &*previous : nullptr,
                                          item.sign_cosignatures);
        !st.ok()) {
      return index == 0 ? st : st.WithContext("item " + std::to_string(index + 1));
    }
    pending_[rec.record_id()] = rec.version();
    return rec;
  }

  // Seals, chains and stores `rec`; signs when `sign`.
  Status Write(const v1::Record& rec, bool sign) {
    uint64_t seq = head_.seq + 1;
    bytes_.clear();
    if (!rec.SerializeToString(&bytes_)) return Status::Internal("cannot serialise record");
    Digest eh = sync::EntryHash(s_->device_id, seq, head_.hash, sync::RecordHash(AsBytes(bytes_)));
    Bytes sealed =
        crypto::AeadSeal(s_->keys->data, AsBytes(bytes_),
                         VersionAd(s_->device_id, seq, rec.record_id(), rec.version()), s_->env);
    insert_->Bind(1, static_cast<int64_t>(seq))
        .Bind(2, rec.record_id())
        .Bind(3, static_cast<int64_t>(rec.version()))
        .Bind(4, sealed)
        .Bind(5, ByteView(eh));
    if (sign) {
      auto sig = crypto::Sign(s_->keys->sign_sk, sync::HeadMessage(s_->device_id, seq, eh));
      insert_->Bind(6, ByteView(sig));
    } else {
      insert_->BindNull(6);
    }
    SWEEP_RETURN_IF_ERROR(insert_->Run());
    // Tags for the identifiers Prepare found (each kind/value once).
    std::set<std::pair<std::string, std::string>> tags;
    for (const auto& id : ids_) tags.insert({id.kind, id.normalized});
    for (const auto& [kind, value] : tags) {
      tag_->Bind(1, s_->IndexTag(kind, value)).Bind(2, static_cast<int64_t>(seq));
      SWEEP_RETURN_IF_ERROR(tag_->Run());
    }
    head_ = {seq, eh};
    return Status::Ok();
  }

  Status Finish() {
    SWEEP_RETURN_IF_ERROR(WriteHead(s_, head_));
    SWEEP_RETURN_IF_ERROR(s_->SetMeta("hlc_wall_ms", std::to_string(clock_->last().wall_ms)));
    return s_->SetMeta("hlc_logical", std::to_string(clock_->last().logical));
  }

 private:
  Status PrepareInto(std::optional<sql::Stmt>* slot, std::string_view sql) {
    SWEEP_ASSIGN_OR_RETURN(auto st, s_->db->Prepare(sql));
    slot->emplace(std::move(st));
    return Status::Ok();
  }

  // Version `version` of `record_id` as stored (it may have been written
  // earlier in this transaction).
  Result<v1::Record> Stored(const std::string& record_id, uint64_t version) {
    SWEEP_ASSIGN_OR_RETURN(
        auto st, s_->db->Prepare("SELECT seq, sealed FROM versions WHERE record_id=? AND version=?"));
    st.Bind(1, record_id).Bind(2, static_cast<int64_t>(version));
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::NotFound("no version " + std::to_string(version) + " of " + record_id);
    SWEEP_ASSIGN_OR_RETURN(Bytes plain, OpenVersionBytes(s_, static_cast<uint64_t>(st.Int(0)),
                                                         record_id, version, st.Blob(1)));
    v1::Record out;
    bool parsed = out.ParseFromArray(plain.data(), static_cast<int>(plain.size()));
    sodium_memzero(plain.data(), plain.size());
    if (!parsed) return Status::Corruption("record " + record_id + " does not parse");
    return out;
  }

  Result<uint64_t> Latest(const std::string& record_id) {
    auto it = pending_.find(record_id);
    if (it != pending_.end()) return it->second;
    return LatestVersion(&*latest_, record_id);
  }

  Store::Impl* s_;
  Head head_;
  std::optional<sync::HybridClock> clock_;
  std::optional<sql::Stmt> latest_, insert_, tag_;
  std::map<std::string, uint64_t> pending_;  // versions appended in this batch
  std::unique_ptr<WatchlistMatcher> watchlist_;
  std::optional<SectionKeys> sections_;
  std::vector<schema::RecordIdentifier> ids_;  // of the record last prepared
  std::string bytes_;
};

}  // namespace

Result<Bytes> OpenVersionBytes(Store::Impl* s, uint64_t seq, const std::string& record_id,
                               uint64_t version, const Bytes& sealed) {
  auto plain =
      crypto::AeadOpen(s->keys->data, sealed, VersionAd(s->device_id, seq, record_id, version));
  if (!plain.ok()) {
    return plain.status().WithContext("version " + std::to_string(version) + " of record " +
                                      record_id + " (seq " + std::to_string(seq) + ")");
  }
  return plain;
}

Bytes Store::Impl::IndexTag(std::string_view kind, std::string_view value) const {
  auto h = crypto::KeyedHash(keys->index, {AsBytes("sweep.tag.v1|"), AsBytes(kind), AsBytes("|"),
                                           AsBytes(value)});
  return Bytes(h.begin(), h.begin() + 16);
}

Status Store::Impl::SetSealedMeta(std::string_view key, ByteView value) {
  std::string ad = "sweep.meta.v1|" + device_id + "|" + std::string(key);
  return SetMeta(key, crypto::AeadSeal(keys->data, value, AsBytes(ad), env));
}

Result<std::optional<Bytes>> Store::Impl::SealedMeta(std::string_view key) {
  auto sealed = MetaBlob(key);
  if (!sealed.ok()) {
    if (sealed.status().code() == Code::kNotFound) return std::optional<Bytes>();
    return sealed.status();
  }
  std::string ad = "sweep.meta.v1|" + device_id + "|" + std::string(key);
  auto plain = crypto::AeadOpen(keys->data, *sealed, AsBytes(ad));
  if (!plain.ok()) return plain.status().WithContext("store setting '" + std::string(key) + "'");
  return std::optional<Bytes>(std::move(plain).value());
}

Result<std::vector<v1::Record>> Store::Append(std::vector<NewVersion> items) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  if (items.empty()) return std::vector<v1::Record>{};
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  VersionWriter writer(s);
  SWEEP_RETURN_IF_ERROR(writer.Begin());
  std::vector<v1::Record> out;
  out.reserve(items.size());
  size_t unsigned_bytes = 0, unsigned_count = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    SWEEP_ASSIGN_OR_RETURN(v1::Record rec, writer.Prepare(items[i], i));
    // The last version of every commit is signed, and inside a long one
    // every kSignEvery-th or after kSignEveryBytes, so that a sync batch
    // (bounded in count and bytes) can always end on a signature.
    size_t size = rec.ByteSizeLong();
    if (size > kMaxRecordBytes) {
      return Status::InvalidArgument(
          "item " + std::to_string(i + 1) + " is " + std::to_string(size >> 10) +
          " KiB; a record may be at most " + std::to_string(kMaxRecordBytes >> 10) +
          " KiB: attach photos and documents as files (`attach`), not inside the record");
    }
    unsigned_bytes += size;
    ++unsigned_count;
    bool sign = i + 1 == items.size() || unsigned_count == kSignEvery ||
                unsigned_bytes >= kSignEveryBytes;
    if (sign) unsigned_bytes = unsigned_count = 0;
    SWEEP_RETURN_IF_ERROR(writer.Write(rec, sign));
    out.push_back(std::move(rec));
  }
  SWEEP_RETURN_IF_ERROR(writer.Finish());
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return out;
}

namespace {

Result<v1::Record> OpenVersion(Store::Impl* s, uint64_t seq, const std::string& record_id,
                               uint64_t version, const Bytes& sealed) {
  auto plain = OpenVersionBytes(s, seq, record_id, version, sealed);
  if (!plain.ok()) return plain.status();
  v1::Record rec;
  if (!rec.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return Status::Corruption("record " + record_id + " version " + std::to_string(version) +
                              " does not parse");
  }
  return rec;
}

Result<std::vector<v1::Record>> ReadVersions(Store::Impl* s, std::string_view sql,
                                             std::string_view bind) {
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare(sql));
  if (!bind.empty()) st.Bind(1, bind);
  std::vector<v1::Record> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SWEEP_ASSIGN_OR_RETURN(auto rec, OpenVersion(s, st.Int(0), st.Text(1), st.Int(2), st.Blob(3)));
    out.push_back(std::move(rec));
  }
  return out;
}

RecordSummary Summarise(const v1::Record& r, uint64_t seq) {
  RecordSummary out;
  out.record_id = r.record_id();
  out.version = r.version();
  out.seq = seq;
  out.officer_id = r.officer_id();
  out.wall_ms = r.hlc().wall_ms();
  if (r.has_rental_check()) {
    out.kind = "rental-check";
    out.address = r.rental_check().address().raw();
    if (r.rental_check().occupants_size() > 0) {
      out.subject = r.rental_check().occupants(0).name();
      if (r.rental_check().occupants_size() > 1) {
        out.subject += " +" + std::to_string(r.rental_check().occupants_size() - 1);
      }
    }
  } else if (r.has_case_update()) {
    out.kind = "case-update";
    out.address = r.case_update().address().raw();
    out.subject = r.case_update().den_status().empty() ? r.case_update().person_id_number()
                                                       : r.case_update().den_status();
  } else {
    out.kind = "office-sweep";
    out.address = r.office_sweep().address().raw();
    out.subject = r.office_sweep().company_name();
  }
  for (const auto& v : r.validation()) {
    if (v.severity() == v1::SEVERITY_ERROR) ++out.errors;
    if (v.severity() == v1::SEVERITY_WARNING) ++out.warnings;
  }
  return out;
}

}  // namespace

Result<v1::Record> Store::Get(std::string_view record_id) {
  SWEEP_ASSIGN_OR_RETURN(v1::Record rec, GetSealed(record_id));
  SWEEP_ASSIGN_OR_RETURN(SectionKeys keys, SectionKeys::Load(impl_.get()));
  keys.Open(&rec);
  return rec;
}

Result<v1::Record> Store::GetSealed(std::string_view record_id) {
  SWEEP_RETURN_IF_ERROR(impl_->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto recs, ReadVersions(impl_.get(),
                                                 "SELECT seq, record_id, version, sealed FROM "
                                                 "versions WHERE record_id=? ORDER BY version DESC "
                                                 "LIMIT 1",
                                                 record_id));
  if (recs.empty()) {
    return NoRecord(impl_.get(), record_id,
                    "no record " + std::string(record_id) + "; `list` shows the ids");
  }
  return std::move(recs.front());
}

Result<std::vector<v1::Record>> Store::History(std::string_view record_id) {
  SWEEP_RETURN_IF_ERROR(impl_->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto recs, ReadVersions(impl_.get(),
                                                 "SELECT seq, record_id, version, sealed FROM "
                                                 "versions WHERE record_id=? ORDER BY version",
                                                 record_id));
  if (recs.empty()) return NoRecord(impl_.get(), record_id, "no record " + std::string(record_id));
  SWEEP_ASSIGN_OR_RETURN(SectionKeys keys, SectionKeys::Load(impl_.get()));
  for (v1::Record& r : recs) keys.Open(&r);
  return recs;
}

Result<std::vector<RecordSummary>> Store::List() {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(
      auto st, s->db->Prepare("SELECT v.seq, v.record_id, v.version, v.sealed FROM versions v"
                              " JOIN (SELECT record_id, max(version) AS mv FROM versions"
                              " GROUP BY record_id) m ON v.record_id=m.record_id AND"
                              " v.version=m.mv ORDER BY v.seq"));
  SWEEP_ASSIGN_OR_RETURN(SectionKeys keys, SectionKeys::Load(s));
  std::vector<RecordSummary> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SWEEP_ASSIGN_OR_RETURN(auto rec, OpenVersion(s, st.Int(0), st.Text(1), st.Int(2), st.Blob(3)));
    keys.Open(&rec);  // the checks of its persons count, when this tablet may read them
    out.push_back(Summarise(rec, st.Int(0)));
  }
  return out;
}

Status Store::ForEachLatest(const std::function<Status(v1::Record&)>& fn) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(
      auto st, s->db->Prepare("SELECT v.seq, v.record_id, v.version, v.sealed FROM versions v"
                              " JOIN (SELECT record_id, max(version) AS mv FROM versions"
                              " GROUP BY record_id) m ON v.record_id=m.record_id AND"
                              " v.version=m.mv ORDER BY v.seq"));
  SWEEP_ASSIGN_OR_RETURN(SectionKeys keys, SectionKeys::Load(s));
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SWEEP_ASSIGN_OR_RETURN(auto rec, OpenVersion(s, st.Int(0), st.Text(1), st.Int(2), st.Blob(3)));
    keys.Open(&rec);
    SWEEP_RETURN_IF_ERROR(fn(rec));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> Store::FindByIdentifier(std::string_view kind,
                                                         std::string_view value) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  std::string normal;
  if (kind == "id") {
    auto v = schema::CheckResidentId(value);
    normal = v.normalized.empty() ? schema::NormalizeIdentifierInput(value) : v.normalized;
  } else if (kind == "phone") {
    auto v = schema::CheckPhone(value);
    normal = v.normalized.empty() ? schema::NormalizeIdentifierInput(value) : v.normalized;
  } else if (kind == "uscc" || kind == "card") {
    normal = schema::NormalizeIdentifierInput(value);
  } else {
    return Status::InvalidArgument("unknown identifier kind '" + std::string(kind) +
                                   "': use id, phone, uscc or card");
  }
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT DISTINCT v.record_id FROM tags t JOIN "
                                                 "versions v ON v.seq=t.seq WHERE t.tag=? "
                                                 "ORDER BY v.seq"));
  st.Bind(1, s->IndexTag(kind, normal));
  std::vector<std::string> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.Text(0));
  }
  return out;
}

Result<StoreInfo> Store::Info() {
  Impl* s = impl_.get();
  StoreInfo info;
  info.device_id = s->device_id;
  info.sign_key_id = crypto::KeyId(s->sign_pk);
  info.format_version = kFormatVersion;
  SWEEP_ASSIGN_OR_RETURN(
      auto st, s->db->Prepare("SELECT count(*), count(DISTINCT record_id) FROM versions"));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row) {
    info.versions = static_cast<uint64_t>(st.Int(0));
    info.records = static_cast<uint64_t>(st.Int(1));
  }
  SWEEP_ASSIGN_OR_RETURN(auto purged, s->db->Prepare("SELECT count(*) FROM purged_versions"));
  SWEEP_ASSIGN_OR_RETURN(bool purged_row, purged.Step());
  if (purged_row) info.purged_versions = static_cast<uint64_t>(purged.Int(0));
  SWEEP_ASSIGN_OR_RETURN(int64_t failed, s->MetaInt("failed_attempts", 0));
  SWEEP_ASSIGN_OR_RETURN(int64_t max, s->MetaInt("max_failed_attempts", 10));
  info.failed_attempts = static_cast<int>(failed);
  info.max_failed_attempts = static_cast<int>(max);
  SWEEP_ASSIGN_OR_RETURN(info.locked_until_ms, s->MetaInt("locked_until_ms", 0));
  return info;
}

namespace {

struct VerifyState {
  uint64_t last_seq = 0;
  uint64_t last_signed_seq = 0;
  Digest prev{};
  std::map<std::string, uint64_t> record_versions;
};

void CheckOneVersion(Store::Impl* s, sql::Stmt& st, VerifyState* vs, VerifyReport* report) {
  uint64_t seq = static_cast<uint64_t>(st.Int(0));
  std::string record_id = st.Text(1);
  uint64_t version = static_cast<uint64_t>(st.Int(2));
  Bytes sealed = st.Blob(3);
  Bytes stored_eh = st.Blob(4);
  auto problem = [&](std::string what) {
    report->problems.push_back({seq, record_id, version, std::move(what)});
  };
  ++report->versions_checked;
  bool linked = true;
  if (seq != vs->last_seq + 1) {
    report->problems.push_back({vs->last_seq + 1, "", 0,
                                "versions at seq " + std::to_string(vs->last_seq + 1) + ".." +
                                    std::to_string(seq - 1) + " are missing (deleted)"});
    linked = false;
  }
  Digest eh{};
  bool opened = false;
  const bool purged = st.Int(6) != 0;
  auto plain = purged ? Result<Bytes>(Bytes{})
                      : crypto::AeadOpen(s->keys->data, sealed,
                                         VersionAd(s->device_id, seq, record_id, version));
  if (purged) {  // dropped by retention: its sealed record hash stands for R
    std::string why;
    opened = CheckPurgedRow(s, seq, record_id, version, sealed, vs->prev, &eh, &why);
    if (!why.empty()) problem(why);
    if (opened && linked &&
        (stored_eh.size() != eh.size() || !std::equal(eh.begin(), eh.end(), stored_eh.begin()))) {
      problem("does not link to the previous version (chain broken or reordered)");
    }
  } else if (!plain.ok()) {
    problem("altered, swapped or moved: " + plain.status().message());
  } else {
    opened = true;
    Digest rh = sync::RecordHash(*plain);
    eh = sync::EntryHash(s->device_id, seq, vs->prev, rh);
    v1::Record rec;
    if (!rec.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
      problem("decrypts but does not parse");
    } else if (rec.record_id() != record_id || rec.version() != version ||
               rec.device_id() != s->device_id) {
      problem("its sealed content names another record, version or device");
    }
    if (linked &&
        (stored_eh.size() != eh.size() || !std::equal(eh.begin(), eh.end(), stored_eh.begin()))) {
      problem("does not link to the previous version (chain broken or reordered)");
    }
  }
  uint64_t& last_version = vs->record_versions[record_id];
  if (version != last_version + 1) {
    problem("version " + std::to_string(version) + " follows version " +
            std::to_string(last_version) + " of the same record (a version is missing)");
  }
  last_version = version;
  // Continue from the stored hash so one bad row is reported once.
  if (stored_eh.size() == vs->prev.size())
    std::copy(stored_eh.begin(), stored_eh.end(), vs->prev.begin());
  if (!st.IsNull(5)) {
    ++report->signatures_checked;
    Bytes sig = st.Blob(5);
    if (!opened ||
        !crypto::VerifySignature(s->sign_pk, sync::HeadMessage(s->device_id, seq, eh), sig)) {
      problem("the device signature does not verify");
    } else {
      vs->last_signed_seq = seq;
    }
  }
  vs->last_seq = seq;
}

}  // namespace

Result<VerifyReport> Store::Verify() {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  // Versions retention dropped keep their chain entry in purged_versions
  // (retention.cc): the chain is walked through both, in seq order.
  SWEEP_ASSIGN_OR_RETURN(
      auto st, s->db->Prepare("SELECT seq, record_id, version, sealed, entry_hash, head_sig, 0"
                              " FROM versions UNION ALL SELECT seq, record_id, version, sealed,"
                              " entry_hash, head_sig, 1 FROM purged_versions ORDER BY seq"));
  VerifyReport report;
  VerifyState vs;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CheckOneVersion(s, st, &vs, &report);
  }
  if (vs.last_seq > vs.last_signed_seq) {
    report.problems.push_back({vs.last_signed_seq + 1, "", 0,
                               "versions at seq " + std::to_string(vs.last_signed_seq + 1) + ".." +
                                   std::to_string(vs.last_seq) +
                                   " are not covered by a valid device signature"});
  }
  auto head = ReadHead(s);
  if (!head.ok()) {
    report.problems.push_back({0, "", 0, head.status().message()});
  } else if (head->seq > vs.last_seq) {
    report.problems.push_back({vs.last_seq + 1, "", 0,
                               "versions at seq " + std::to_string(vs.last_seq + 1) + ".." +
                                   std::to_string(head->seq) +
                                   " are missing at the end (the store was truncated)"});
  } else if (head->seq < vs.last_seq || head->hash != vs.prev) {
    report.problems.push_back({head->seq, "", 0,
                               "the chain head does not match the last version (versions were "
                               "added or replaced outside the store)"});
  }
  SWEEP_RETURN_IF_ERROR(VerifyViewLog(s, &report));  // view_log.cc
  return report;
}

}  // namespace sweep::field
