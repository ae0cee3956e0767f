// Restoring a hub from an encrypted backup (backup.h, docs/hub-storage.md
// "Backups"): every chunk verified into DB.tmp, the result opened and
// checked as a hub store, and only then renamed into place.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "backup_internal.h"
#include "sweep/hub/backup.h"

namespace sweep::hub {
namespace bi = backup_internal;
namespace {

std::string SizeText(uint64_t bytes) { return std::to_string(bytes) + " bytes"; }

// Opens `path` and reads its header; the descriptor is left after it.
Result<bi::HeaderFields> OpenBackup(const std::string& path, bi::Fd* fd, bi::Header* raw) {
  fd->Reset(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd->get() < 0) {
    if (errno == ENOENT) return Status::NotFound("no backup file " + path);
    return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  }
  bi::Header& header = *raw;
  SWEEP_ASSIGN_OR_RETURN(bool whole, bi::ReadExact(fd->get(), header.data(), header.size(), path));
  if (!whole) {
    if (std::memcmp(header.data(), kBackupMagic, 8) != 0) {
      return Status::InvalidArgument(path +
                                     " is not a Sweep backup (shorter than a backup's "
                                     "header): check the file name");
    }
    return Status::Corruption(path + " is truncated inside its header: restore from another copy");
  }
  SWEEP_ASSIGN_OR_RETURN(auto fields, bi::DecodeHeader(header, path));
  struct stat sb {};
  if (fstat(fd->get(), &sb) != 0) return Status::IOError("cannot stat " + path);
  uint64_t actual = static_cast<uint64_t>(sb.st_size);
  if (actual < fields.info.file_size) {
    return Status::Corruption(path + " is truncated: " + SizeText(actual) +
                              ", its header promises " + SizeText(fields.info.file_size) +
                              " (copy interrupted?): restore from another copy");
  }
  if (actual > fields.info.file_size) {
    return Status::Corruption(path + " has " + SizeText(actual - fields.info.file_size) +
                              " more than its header promises: it was altered or two files were "
                              "joined; restore from another copy");
  }
  return fields;
}

// Decrypts every chunk of the open backup into `out_fd`.
Status DecryptChunks(int in_fd, const bi::HeaderFields& f, const bi::Header& header,
                     const crypto::SecretBuffer& key, const std::string& path, int out_fd,
                     const std::string& out_path, const BackupProgress& progress) {
  SWEEP_ASSIGN_OR_RETURN(auto opener, crypto::StreamOpener::Start(key, f.stream_header));
  crypto::Bytes sealed;
  uint64_t done = 0;
  for (uint64_t i = 0; i < f.info.chunks; ++i) {
    uint64_t plain = std::min<uint64_t>(f.info.chunk_size, f.info.size - done);
    sealed.resize(plain + crypto::kStreamOverhead);
    SWEEP_ASSIGN_OR_RETURN(bool whole, bi::ReadExact(in_fd, sealed.data(), sealed.size(), path));
    if (!whole) return Status::Corruption(path + " ended inside chunk " + std::to_string(i));
    bool final = false;
    crypto::ByteView ad = i == 0 ? crypto::ByteView(header) : crypto::ByteView();
    auto opened = opener.Pull(sealed, ad, &final);
    if (!opened.ok()) {
      return Status::Corruption(
          "chunk " + std::to_string(i + 1) + " of " + std::to_string(f.info.chunks) + " of " +
          path + " (at byte " +
          std::to_string(kBackupHeaderSize + done + i * crypto::kStreamOverhead) +
          ") does not verify" + (i == 0 ? " (or the header was altered)" : "") +
          ": the file was altered, damaged or its chunks reordered; restore from another copy");
    }
    if (final != (i + 1 == f.info.chunks)) {
      return Status::Corruption(path + ": chunk " + std::to_string(i + 1) + " of " +
                                std::to_string(f.info.chunks) +
                                (final ? " is marked last" : " is not marked last") +
                                ": the file was cut or joined; restore from another copy");
    }
    SWEEP_RETURN_IF_ERROR(bi::WriteAll(out_fd, *opened, out_path));
    sodium_memzero(opened->data(), opened->size());
    done += plain;
    if (progress) progress("decrypt", done, f.info.size);
  }
  return Status::Ok();
}

// Opens the restored file as a hub store (migrations run), checks it, and
// reads what the report shows.
Status CheckRestored(const std::string& path, RestoreReport* report) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenSqliteHubStore(path));
  SWEEP_RETURN_IF_ERROR(store->CheckIntegrity());
  SWEEP_ASSIGN_OR_RETURN(auto keys, store->LoadHubKeys());
  std::string hub_id = keys ? keys->hub_id : "";
  if (hub_id != report->backup.hub_id) {
    return Status::Corruption("the restored database is of hub '" + hub_id +
                              "' but the backup's header names '" + report->backup.hub_id + "'");
  }
  SWEEP_ASSIGN_OR_RETURN(report->versions, store->CountVersions(""));
  SWEEP_ASSIGN_OR_RETURN(auto devices, store->ListDevices());
  report->devices = devices.size();
  return Status::Ok();  // the store closes here: checkpoint, -wal and -shm removed
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) unlink((path + suffix).c_str());
}

}  // namespace

Result<BackupInfo> ReadBackupHeader(const std::string& backup_path) {
  bi::Fd fd;
  bi::Header header{};
  SWEEP_ASSIGN_OR_RETURN(auto fields, OpenBackup(backup_path, &fd, &header));
  return fields.info;
}

Result<RestoreReport> RestoreBackup(const std::string& backup_path, const crypto::SecretBuffer& key,
                                    const std::string& db_path, bool force,
                                    const BackupProgress& progress) {
  if (!force && bi::Exists(db_path)) {
    return Status::AlreadyExists(db_path +
                                 " exists: restore into a new file, or stop `serve` "
                                 "and add --force to replace it");
  }
  bi::Fd in;
  bi::Header header{};
  SWEEP_ASSIGN_OR_RETURN(auto fields, OpenBackup(backup_path, &in, &header));
  if (!crypto::Equal(bi::KeyCheck(key, fields.stream_header), fields.key_check)) {
    return Status::Unauthorized("the key is not the one " + backup_path +
                                " was made with (key check differs): use the key file that was "
                                "in use on the day of the backup (if it is, the backup's header "
                                "was altered: restore from another copy)");
  }
  std::string tmp = db_path + ".tmp";
  RemoveDatabase(tmp);
  bi::Fd out(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) {
    return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno) +
                           " (does the folder exist?)");
  }
  RestoreReport report;
  report.backup = fields.info;
  Status st = DecryptChunks(in.get(), fields, header, key, backup_path, out.get(), tmp, progress);
  if (st.ok() && fsync(out.get()) != 0) st = Status::IOError("cannot fsync " + tmp);
  if (st.ok()) st = out.Close(tmp);
  if (st.ok()) st = CheckRestored(tmp, &report);
  if (st.ok()) {
    // A -wal left beside the old database would be replayed into the new one.
    if (force) RemoveDatabase(db_path);
    bi::Fd sync(open(tmp.c_str(), O_RDONLY | O_CLOEXEC));
    st = sync.get() < 0 ? Status::IOError("cannot reopen " + tmp)
                        : bi::SyncAndRename(sync.get(), tmp, db_path);
  }
  if (!st.ok()) {
    RemoveDatabase(tmp);
    return st;
  }
  return report;
}

}  // namespace sweep::hub
