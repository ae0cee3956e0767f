// Backup keys, the backup header, and taking a backup (backup.h).
#include "sweep/hub/backup.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "backup_internal.h"

namespace sweep::hub {
namespace bi = backup_internal;
namespace {

constexpr char kKeyPrefix[] = "sweep-backup-key-v1:";
constexpr size_t kKeyPrefixLen = sizeof(kKeyPrefix) - 1;
constexpr size_t kKeyFileLen = kKeyPrefixLen + 2 * crypto::kKeySize + 1;  // with "\n"

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

void PutLe(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t GetLe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Encrypts the snapshot as it arrives: chunk_size plaintext bytes per
// message, the header as the associated data of the first, FINAL on the last.
class EncryptingSink final : public SnapshotSink {
 public:
  EncryptingSink(const crypto::SecretBuffer& key, int fd, std::string path, Env* env,
                 const BackupProgress& progress)
      : key_(key), sealer_(key), fd_(fd), path_(std::move(path)), env_(env), progress_(progress) {}

  void Copying(uint64_t done, uint64_t total) override {
    if (progress_) progress_("snapshot", done, total);
  }
  Status Begin(const SnapshotInfo& info) override {
    if (info.format != "sqlite3") {
      return Status::InvalidArgument("cannot back up a store image of format " + info.format);
    }
    bi::HeaderFields f;
    f.info.created_ms = env_->NowMillis();
    f.info.hub_id = info.hub_id;
    f.info.schema_version = info.schema_version;
    f.info.size = info.size;
    f.info.chunk_size = kBackupChunkSize;
    f.stream_header = sealer_.header();
    f.key_check = bi::KeyCheck(key_, f.stream_header);
    header_ = bi::EncodeHeader(f);
    info_ = f.info;
    info_.chunks = bi::ChunkCount(info.size, kBackupChunkSize);
    info_.file_size = bi::FileSize(info.size, kBackupChunkSize);
    pending_.reserve(kBackupChunkSize);
    return bi::WriteAll(fd_, header_, path_);
  }
  Status Write(crypto::ByteView bytes) override {
    while (!bytes.empty()) {
      if (pending_.size() == kBackupChunkSize) SWEEP_RETURN_IF_ERROR(Flush(false));
      size_t n = std::min(bytes.size(), kBackupChunkSize - pending_.size());
      pending_.insert(pending_.end(), bytes.begin(), bytes.begin() + n);
      bytes = bytes.subspan(n);
      consumed_ += n;
    }
    return Status::Ok();
  }
  // Seals what is left as the FINAL message.
  Result<BackupInfo> Finish() {
    if (consumed_ != info_.size) {
      return Status::Internal("snapshot delivered " + std::to_string(consumed_) + " of " +
                              std::to_string(info_.size) + " bytes");
    }
    SWEEP_RETURN_IF_ERROR(Flush(true));
    return info_;
  }

 private:
  Status Flush(bool final) {
    crypto::ByteView ad = sealed_ == 0 ? crypto::ByteView(header_) : crypto::ByteView();
    crypto::Bytes out = sealer_.Push(pending_, ad, final);
    sodium_memzero(pending_.data(), pending_.size());
    pending_.clear();
    ++sealed_;
    if (progress_) progress_("encrypt", consumed_, info_.size);
    return bi::WriteAll(fd_, out, path_);
  }

  const crypto::SecretBuffer& key_;
  crypto::StreamSealer sealer_;
  int fd_;
  std::string path_;
  Env* env_;
  const BackupProgress& progress_;
  bi::Header header_{};
  BackupInfo info_;
  crypto::Bytes pending_;
  uint64_t consumed_ = 0, sealed_ = 0;
};

}  // namespace

// ------------------------------------------------------------------ keys

Status WriteNewBackupKey(const std::string& path, Env* env) {
  crypto::SecretBuffer key = crypto::SecretBuffer::Random(crypto::kKeySize, env);
  crypto::SecretBuffer text(kKeyFileLen + 1);  // sodium_bin2hex writes a terminator
  std::memcpy(text.data(), kKeyPrefix, kKeyPrefixLen);
  sodium_bin2hex(reinterpret_cast<char*>(text.data() + kKeyPrefixLen), 2 * crypto::kKeySize + 1,
                 key.data(), key.size());
  text.data()[kKeyFileLen - 1] = '\n';
  bi::Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    if (errno == EEXIST) {
      return Status::AlreadyExists(path +
                                   " exists: a backup key is never overwritten (the "
                                   "backups made with it would be lost); choose another "
                                   "name");
    }
    return Status::IOError(Errno("cannot create", path));
  }
  Status st = bi::WriteAll(fd.get(), crypto::ByteView(text.data(), kKeyFileLen), path);
  if (st.ok() && fsync(fd.get()) != 0) st = Status::IOError(Errno("cannot fsync", path));
  if (st.ok()) st = fd.Close(path);
  if (!st.ok()) unlink(path.c_str());
  return st;
}

Result<crypto::SecretBuffer> ReadBackupKey(const std::string& path) {
  bi::Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return Status::NotFound("no key file " + path +
                              " (make one with `sweep-hub backup-key "
                              "new --out FILE`)");
    }
    return Status::IOError(Errno("cannot open", path));
  }
  struct stat sb {};
  if (fstat(fd.get(), &sb) != 0) return Status::IOError(Errno("cannot stat", path));
  if ((sb.st_mode & 077) != 0) {
    return Status::InvalidArgument("key file " + path +
                                   " may be read by others than its owner: "
                                   "chmod 600 " +
                                   path + " (and consider the key exposed)");
  }
  std::string not_key = path + " is not a Sweep backup key (expected one line \"" + kKeyPrefix +
                        "\" and 64 hex digits, as `sweep-hub backup-key new` writes)";
  if (sb.st_size < static_cast<off_t>(kKeyFileLen - 1) ||
      sb.st_size > static_cast<off_t>(kKeyFileLen + 1)) {
    return Status::InvalidArgument(not_key);
  }
  crypto::SecretBuffer text(static_cast<size_t>(sb.st_size));
  SWEEP_ASSIGN_OR_RETURN(bool whole, bi::ReadExact(fd.get(), text.data(), text.size(), path));
  if (!whole || std::memcmp(text.data(), kKeyPrefix, kKeyPrefixLen) != 0) {
    return Status::InvalidArgument(not_key);
  }
  crypto::SecretBuffer key(crypto::kKeySize);
  size_t bin_len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(key.data(), key.size(),
                     reinterpret_cast<const char*>(text.data()) + kKeyPrefixLen,
                     text.size() - kKeyPrefixLen, "\r\n", &bin_len, &end) != 0 ||
      bin_len != crypto::kKeySize) {
    return Status::InvalidArgument(not_key);
  }
  return key;
}

// ------------------------------------------------------------------ header

namespace backup_internal {

std::array<uint8_t, kKeyCheckSize> KeyCheck(
    const crypto::SecretBuffer& key, const std::array<uint8_t, crypto::kStreamHeaderSize>& sh) {
  auto h = crypto::KeyedHash(key, {crypto::AsBytes("sweep.backup.v1.key-check"), sh});
  std::array<uint8_t, kKeyCheckSize> out{};
  std::memcpy(out.data(), h.data(), out.size());
  return out;
}

Header EncodeHeader(const HeaderFields& f) {
  Header h{};
  std::memcpy(h.data(), kBackupMagic, 8);
  PutLe(&h[8], kBackupFormatVersion, 2);
  PutLe(&h[10], kBackupHeaderSize, 2);
  PutLe(&h[12], f.info.chunk_size, 4);
  PutLe(&h[16], static_cast<uint64_t>(f.info.created_ms), 8);
  PutLe(&h[24], f.info.size, 8);
  PutLe(&h[32], static_cast<uint64_t>(f.info.schema_version), 4);
  PutLe(&h[36], kImageSqlite3, 4);
  std::memcpy(&h[40], f.info.hub_id.data(), std::min<size_t>(32, f.info.hub_id.size()));
  std::memcpy(&h[72], f.stream_header.data(), f.stream_header.size());
  std::memcpy(&h[96], f.key_check.data(), f.key_check.size());
  return h;  // 112..127 reserved, zero
}

Result<HeaderFields> DecodeHeader(const Header& h, const std::string& path) {
  if (std::memcmp(h.data(), kBackupMagic, 8) != 0) {
    return Status::InvalidArgument(path + " is not a Sweep backup (it does not start with \"" +
                                   kBackupMagic + "\"): check the file name");
  }
  uint64_t version = GetLe(&h[8], 2);
  if (version != kBackupFormatVersion) {
    return Status::InvalidArgument(path + " is a backup of format version " +
                                   std::to_string(version) + "; this sweep-hub reads version " +
                                   std::to_string(kBackupFormatVersion) +
                                   ": restore it with the sweep-hub that made it, or a newer one");
  }
  HeaderFields f;
  f.info.chunk_size = static_cast<uint32_t>(GetLe(&h[12], 4));
  f.info.created_ms = static_cast<int64_t>(GetLe(&h[16], 8));
  f.info.size = GetLe(&h[24], 8);
  f.info.schema_version = static_cast<int64_t>(GetLe(&h[32], 4));
  if (GetLe(&h[10], 2) != kBackupHeaderSize || GetLe(&h[36], 4) != kImageSqlite3 ||
      f.info.chunk_size == 0 || f.info.chunk_size > kMaxChunkSize ||
      f.info.size > (uint64_t{1} << 50)) {
    return Status::Corruption("the header of backup " + path +
                              " is damaged (sizes out of range): restore from another copy");
  }
  const char* id = reinterpret_cast<const char*>(&h[40]);
  f.info.hub_id.assign(id, strnlen(id, 32));
  std::memcpy(f.stream_header.data(), &h[72], f.stream_header.size());
  std::memcpy(f.key_check.data(), &h[96], f.key_check.size());
  f.info.chunks = ChunkCount(f.info.size, f.info.chunk_size);
  f.info.file_size = FileSize(f.info.size, f.info.chunk_size);
  return f;
}

uint64_t ChunkCount(uint64_t size, uint32_t chunk_size) {
  return size == 0 ? 1 : (size + chunk_size - 1) / chunk_size;
}
uint64_t FileSize(uint64_t size, uint32_t chunk_size) {
  return kBackupHeaderSize + size + ChunkCount(size, chunk_size) * crypto::kStreamOverhead;
}

// ------------------------------------------------------------------ files

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

void Fd::Reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

Status Fd::Close(const std::string& path) {
  int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && close(fd) != 0) return Status::IOError(Errno("cannot close", path));
  return Status::Ok();
}

Status WriteAll(int fd, crypto::ByteView bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError(Errno("cannot write", path) + " (disk full?)");
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<bool> ReadExact(int fd, uint8_t* out, size_t n, const std::string& path) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, out + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::IOError(Errno("cannot read", path));
    if (r == 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

Status SyncAndRename(int fd, const std::string& from, const std::string& to) {
  if (fsync(fd) != 0) return Status::IOError(Errno("cannot fsync", from));
  if (rename(from.c_str(), to.c_str()) != 0) return Status::IOError(Errno("cannot rename", from));
  auto slash = to.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : to.substr(0, slash));
  Fd dfd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0 || fsync(dfd.get()) != 0) return Status::IOError(Errno("cannot fsync", dir));
  return Status::Ok();
}

bool Exists(const std::string& path) {
  struct stat sb {};
  return lstat(path.c_str(), &sb) == 0;
}

}  // namespace backup_internal

// ------------------------------------------------------------------ backup

Result<BackupInfo> WriteBackup(HubStore* store, const crypto::SecretBuffer& key,
                               const std::string& path, bool force, Env* env,
                               const BackupProgress& progress) {
  if (!force && bi::Exists(path)) {
    return Status::AlreadyExists(path +
                                 " exists: choose a new file name, or add --force to "
                                 "replace it");
  }
  std::string tmp = path + ".tmp";
  unlink(tmp.c_str());
  bi::Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Status::IOError(Errno("cannot create", tmp));
  EncryptingSink sink(key, fd.get(), tmp, env, progress);
  Status st = store->Snapshot(&sink);
  Result<BackupInfo> info = st.ok() ? sink.Finish() : Result<BackupInfo>(st);
  if (info.ok()) st = bi::SyncAndRename(fd.get(), tmp, path);
  if (st.ok() && info.ok()) st = fd.Close(path);
  if (!st.ok() || !info.ok()) {
    unlink(tmp.c_str());
    return st.ok() ? info.status() : st;
  }
  return info;
}

}  // namespace sweep::hub
