// Private to backup*.cc: the backup header's byte layout
// (docs/hub-storage.md "Backups") and small POSIX file helpers.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "sweep/hub/backup.h"
#include "sweep/sync/secretstream.h"

namespace sweep::hub::backup_internal {

using Header = std::array<uint8_t, kBackupHeaderSize>;
constexpr uint32_t kImageSqlite3 = 1;
constexpr size_t kKeyCheckSize = 16;
constexpr uint32_t kMaxChunkSize = 16u << 20;

struct HeaderFields {
  BackupInfo info;
  std::array<uint8_t, crypto::kStreamHeaderSize> stream_header{};
  std::array<uint8_t, kKeyCheckSize> key_check{};
};

// The key check: BLAKE2b-256 keyed by the backup key of
// ("sweep.backup.v1.key-check" ‖ stream header), its first 16 bytes.
std::array<uint8_t, kKeyCheckSize> KeyCheck(
    const crypto::SecretBuffer& key, const std::array<uint8_t, crypto::kStreamHeaderSize>& sh);
Header EncodeHeader(const HeaderFields& fields);
// InvalidArgument (not a backup, other version) or Corruption (bad fields).
Result<HeaderFields> DecodeHeader(const Header& header, const std::string& path);
// Chunks of an image of `size` bytes (at least one) and the whole file's size.
uint64_t ChunkCount(uint64_t size, uint32_t chunk_size);
uint64_t FileSize(uint64_t size, uint32_t chunk_size);

// An open file descriptor, closed on destruction.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset(int fd);                     // closes the one held
  Status Close(const std::string& path);  // reports close() errors

 private:
  int fd_;
};

Status WriteAll(int fd, crypto::ByteView bytes, const std::string& path);
// Reads exactly bytes.size() bytes; false at a clean or short end of file.
Result<bool> ReadExact(int fd, uint8_t* out, size_t n, const std::string& path);
Status SyncAndRename(int fd, const std::string& from, const std::string& to);
bool Exists(const std::string& path);

}  // namespace sweep::hub::backup_internal
