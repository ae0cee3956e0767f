// Attachments on the tablet: files split into chunks of sync::kChunkSize,
// each sealed under the data key and bound to its file and position. The
// file's manifest (hashes, size, type) is sealed too; rows are found by a
// keyed hash of the file's SHA-256, so the disk shows neither.
#include <fstream>

#include "store_impl.h"
#include "sweep/sync/protocol.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::field {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;

namespace {

Bytes ChunkAd(Store::Impl* s, ByteView tag, int64_t idx) {
  std::string ad = "sweep.chunk.v1|" + s->device_id + "|" + crypto::ToHex(tag) + "|" +
                   std::to_string(idx);
  return Bytes(ad.begin(), ad.end());
}

Bytes ManifestAd(Store::Impl* s, ByteView tag) {
  std::string ad = "sweep.file.v1|" + s->device_id + "|" + crypto::ToHex(tag);
  return Bytes(ad.begin(), ad.end());
}

FileInfo FromManifest(const v1::FileManifest& m, bool uploaded) {
  return {m.sha256(), m.size(), m.media_type(), m.chunk_size(),
          {m.chunk_sha256().begin(), m.chunk_sha256().end()}, uploaded};
}

// First pass: hash the whole file and each chunk, without keeping it.
Result<v1::FileManifest> Scan(const std::string& path, const std::string& media_type) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  v1::FileManifest m;
  m.set_media_type(media_type);
  m.set_chunk_size(sync::kChunkSize);
  crypto::Sha256 whole;
  std::vector<uint8_t> buf(sync::kChunkSize);
  uint64_t size = 0;
  while (in) {
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    ByteView chunk(buf.data(), n);
    whole.Update(chunk);
    m.add_chunk_sha256(crypto::Sha256Hex(chunk));
    size += n;
  }
  if (size == 0) return Status::InvalidArgument(path + " is empty");
  m.set_size(size);
  m.set_sha256(whole.HexDigest());
  return m;
}

}  // namespace

Result<FileInfo> Store::AddFile(const std::string& path, const std::string& media_type,
                                const std::function<void(uint64_t)>& on_bytes) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(v1::FileManifest m, Scan(path, media_type));
  Bytes tag = s->IndexTag("file", m.sha256());
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(auto exists, s->db->Prepare("SELECT uploaded FROM files WHERE tag=?"));
  exists.Bind(1, tag);
  SWEEP_ASSIGN_OR_RETURN(bool row, exists.Step());
  if (row) return FromManifest(m, exists.Int(0) != 0);  // same content: stored once
  SWEEP_ASSIGN_OR_RETURN(auto put, s->db->Prepare("INSERT INTO file_chunks(tag, idx, sealed) "
                                                  "VALUES(?,?,?)"));
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> buf(sync::kChunkSize);
  uint64_t done = 0;
  for (int idx = 0; idx < m.chunk_sha256_size(); ++idx) {
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    ByteView chunk(buf.data(), static_cast<size_t>(in.gcount()));
    if (crypto::Sha256Hex(chunk) != m.chunk_sha256(idx)) {
      return Status::IOError(path + " changed while it was being stored; try again");
    }
    put.Bind(1, tag).Bind(2, static_cast<int64_t>(idx)).Bind(
        3, crypto::AeadSeal(s->keys->data, chunk, ChunkAd(s, tag, idx), s->env));
    SWEEP_RETURN_IF_ERROR(put.Run());
    done += chunk.size();
    if (on_bytes) on_bytes(done);
  }
  SWEEP_ASSIGN_OR_RETURN(auto ins, s->db->Prepare("INSERT INTO files(tag, sealed, uploaded) "
                                                  "VALUES(?,?,0)"));
  ins.Bind(1, tag).Bind(2, crypto::AeadSeal(s->keys->data, AsBytes(m.SerializeAsString()),
                                            ManifestAd(s, tag), s->env));
  SWEEP_RETURN_IF_ERROR(ins.Run());
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  return FromManifest(m, false);
}

Result<std::vector<FileInfo>> Store::Files(bool only_pending) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare(only_pending ? "SELECT tag, sealed, uploaded FROM "
                                                                "files WHERE uploaded=0"
                                                              : "SELECT tag, sealed, uploaded "
                                                                "FROM files"));
  std::vector<FileInfo> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Bytes tag = st.Blob(0);
    SWEEP_ASSIGN_OR_RETURN(Bytes plain, crypto::AeadOpen(s->keys->data, st.Blob(1),
                                                         ManifestAd(s, tag)));
    v1::FileManifest m;
    if (!m.ParseFromArray(plain.data(), static_cast<int>(plain.size()))) {
      return Status::Corruption("a stored file manifest does not parse");
    }
    out.push_back(FromManifest(m, st.Int(2) != 0));
  }
  return out;
}

Result<Bytes> Store::FileChunk(const std::string& sha256, uint32_t index) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  Bytes tag = s->IndexTag("file", sha256);
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT sealed FROM file_chunks WHERE tag=? AND "
                                                 "idx=?"));
  st.Bind(1, tag).Bind(2, static_cast<int64_t>(index));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no chunk " + std::to_string(index) + " of file " + sha256);
  return crypto::AeadOpen(s->keys->data, st.Blob(0), ChunkAd(s, tag, index));
}

Status Store::MarkFileUploaded(const std::string& sha256) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("UPDATE files SET uploaded=1 WHERE tag=?"));
  st.Bind(1, s->IndexTag("file", sha256));
  return st.Run();
}

}  // namespace sweep::field
