// Attachments on the tablet: files split into chunks of sync::kChunkSize,
// each sealed under the data key and bound to its file and position. The
// file's manifest (hashes, size, type) is sealed too; rows are found by a
// keyed hash of the file's SHA-256, so the disk shows neither.
#include <algorithm>
#include <fstream>
#include <memory>

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

// Where a file's bytes come from: a path on disk or bytes in memory. Read()
// fills `buf` with the next bytes and returns how many (0 at the end);
// Rewind() starts again for the second pass.
class Source {
 public:
  static Result<Source> Path(const std::string& path) {
    Source s;
    s.name_ = path;
    s.in_ = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*s.in_) return Status::NotFound("cannot read " + path);
    return s;
  }
  static Source Memory(ByteView bytes) {
    Source s;
    s.name_ = "the file";
    s.bytes_ = bytes;
    return s;
  }
  const std::string& name() const { return name_; }
  size_t Read(std::vector<uint8_t>* buf) {
    if (in_) {
      in_->read(reinterpret_cast<char*>(buf->data()), static_cast<std::streamsize>(buf->size()));
      return static_cast<size_t>(in_->gcount());
    }
    size_t n = std::min(buf->size(), bytes_.size() - offset_);
    std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset_), n, buf->begin());
    offset_ += n;
    return n;
  }
  void Rewind() {
    if (in_) {
      in_->clear();
      in_->seekg(0);
    }
    offset_ = 0;
  }

 private:
  std::string name_;
  std::unique_ptr<std::ifstream> in_;
  ByteView bytes_;
  size_t offset_ = 0;
};

// First pass: hash the whole file and each chunk, without keeping it.
Result<v1::FileManifest> Scan(Source* in, const std::string& media_type) {
  v1::FileManifest m;
  m.set_media_type(media_type);
  m.set_chunk_size(sync::kChunkSize);
  crypto::Sha256 whole;
  std::vector<uint8_t> buf(sync::kChunkSize);
  uint64_t size = 0;
  for (size_t n = in->Read(&buf); n > 0; n = in->Read(&buf)) {
    ByteView chunk(buf.data(), n);
    whole.Update(chunk);
    m.add_chunk_sha256(crypto::Sha256Hex(chunk));
    size += n;
  }
  if (size == 0) return Status::InvalidArgument(in->name() + " is empty");
  m.set_size(size);
  m.set_sha256(whole.HexDigest());
  return m;
}

// Second pass: seal each chunk and the manifest, in one transaction.
Result<FileInfo> Put(Store::Impl* s, Source* in, const std::string& media_type,
                     const std::function<void(uint64_t)>& on_bytes) {
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(v1::FileManifest m, Scan(in, media_type));
  in->Rewind();
  Bytes tag = s->IndexTag("file", m.sha256());
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(auto exists, s->db->Prepare("SELECT uploaded FROM files WHERE tag=?"));
  exists.Bind(1, tag);
  SWEEP_ASSIGN_OR_RETURN(bool row, exists.Step());
  if (row) return FromManifest(m, exists.Int(0) != 0);  // same content: stored once
  SWEEP_ASSIGN_OR_RETURN(auto put, s->db->Prepare("INSERT INTO file_chunks(tag, idx, sealed) "
                                                  "VALUES(?,?,?)"));
  std::vector<uint8_t> buf(sync::kChunkSize);
  uint64_t done = 0;
  for (int idx = 0; idx < m.chunk_sha256_size(); ++idx) {
    ByteView chunk(buf.data(), in->Read(&buf));
    if (crypto::Sha256Hex(chunk) != m.chunk_sha256(idx)) {
      return Status::IOError(in->name() + " changed while it was being stored; try again");
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

Result<v1::FileManifest> OpenManifest(Store::Impl* s, ByteView tag, ByteView sealed) {
  SWEEP_ASSIGN_OR_RETURN(Bytes plain, crypto::AeadOpen(s->keys->data, sealed, ManifestAd(s, tag)));
  v1::FileManifest m;
  if (!m.ParseFromArray(plain.data(), static_cast<int>(plain.size()))) {
    return Status::Corruption("a stored file manifest does not parse");
  }
  return m;
}

}  // namespace

Result<FileInfo> Store::AddFile(const std::string& path, const std::string& media_type,
                                const std::function<void(uint64_t)>& on_bytes) {
  SWEEP_ASSIGN_OR_RETURN(Source in, Source::Path(path));
  return Put(impl_.get(), &in, media_type, on_bytes);
}

Result<FileInfo> Store::AddFileBytes(ByteView bytes, const std::string& media_type) {
  Source in = Source::Memory(bytes);
  return Put(impl_.get(), &in, media_type, {});
}

Result<FileContent> Store::ReadFile(const std::string& sha256) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  Bytes tag = s->IndexTag("file", sha256);
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT sealed, uploaded FROM files WHERE tag=?"));
  st.Bind(1, tag);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no file " + sha256 + " on this tablet");
  SWEEP_ASSIGN_OR_RETURN(v1::FileManifest m, OpenManifest(s, tag, st.Blob(0)));
  FileContent out{FromManifest(m, st.Int(1) != 0), {}};
  out.bytes.reserve(m.size());
  for (int idx = 0; idx < m.chunk_sha256_size(); ++idx) {
    SWEEP_ASSIGN_OR_RETURN(Bytes chunk, FileChunk(sha256, static_cast<uint32_t>(idx)));
    out.bytes.insert(out.bytes.end(), chunk.begin(), chunk.end());
  }
  if (out.bytes.size() != m.size() || crypto::Sha256Hex(out.bytes) != m.sha256()) {
    return Status::Corruption("file " + sha256 + " does not match its manifest");
  }
  return out;
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
    SWEEP_ASSIGN_OR_RETURN(v1::FileManifest m, OpenManifest(s, st.Blob(0), st.Blob(1)));
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
