// backup_bench: the timed operations (backup_bench.h).
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "backup_bench.h"
#include "sweep/hub/backup.h"
#include "sweep/hub/hub_store.h"
#include "sweep/hub/service.h"
#include "sweep/hub/simulate.h"
#include "sweep/schema/env.h"
#include "sweep/sync/protocol.h"

extern char** environ;

namespace sweep::bench {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr const char* kWriterOfficer = "A9901";
constexpr const char* kWriterDevice = "tablet-bench-writer";
constexpr const char* kPhotoDevice = "tablet-A1001";  // the station's first officer
constexpr size_t kPhotoBytes = 200 * 1024;

std::string Tail(const std::string& path, size_t max_chars) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return text.size() > max_chars ? "…" + text.substr(text.size() - max_chars) : text;
}

std::string Join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Closes a sqlite3 connection on every path.
struct Conn {
  sqlite3* db = nullptr;
  ~Conn() { sqlite3_close_v2(db); }
};

Status SqliteError(sqlite3* db, const std::string& what) {
  return Status::IOError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// ------------------------------------------------------------------ children

namespace {

// VmHWM of a running process, in KiB (0 once it has gone).
uint64_t PeakRssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace

// The peak RSS is sampled from /proc every 2 ms rather than taken from
// wait4's ru_maxrss: posix_spawn runs the child on the parent's memory until
// exec (CLONE_VM | CLONE_VFORK), and the kernel folds that memory's
// high-water mark into the child's ru_maxrss, so it would report this
// process's size. VmHWM is the exec'd program's own; being a high-water
// mark, a later sample still holds a peak between samples.
Result<ChildRun> RunChild(const std::vector<std::string>& argv, const std::string& log,
                          bool any_exit_code) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  ChildRun run;
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    return Status::IOError("cannot start " + argv[0] + ": " + std::strerror(rc) +
                           " (build sweep-hub, or name it with --hub)");
  }
  // Woken as soon as the child ends (pidfd), else every 2 ms for a sample.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  uint64_t peak_kib = 0;
  int ws = 0;
  rusage ru{};
  for (;;) {
    peak_kib = std::max(peak_kib, PeakRssKib(pid));
    pid_t r = ::wait4(pid, &ws, WNOHANG, &ru);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      if (pidfd >= 0) ::close(pidfd);
      return Status::IOError("wait4 failed: " + std::string(std::strerror(errno)));
    }
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, 2);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  run.seconds = Since(t0);
  if (pidfd >= 0) ::close(pidfd);
  run.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  run.peak_rss_mib = static_cast<double>(peak_kib) / 1024.0;
  run.exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  if (run.exit_code != 0 && !any_exit_code) {
    return Status::Internal(Join(argv) + " ended with exit code " + std::to_string(run.exit_code) +
                            ":\n" + Tail(log, 1500));
  }
  return run;
}

// ------------------------------------------------------------------ baselines

Result<double> SqliteBackupToFile(const std::string& from, const std::string& to) {
  Stopwatch watch;
  Conn src, dst;
  if (sqlite3_open_v2(from.c_str(), &src.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return SqliteError(src.db, "cannot open " + from);
  }
  if (sqlite3_open_v2(to.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    return SqliteError(dst.db, "cannot create " + to);
  }
  sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (b == nullptr) return SqliteError(dst.db, "sqlite3_backup_init");
  int step = sqlite3_backup_step(b, -1);
  int finish = sqlite3_backup_finish(b);
  if (step != SQLITE_DONE || finish != SQLITE_OK) return SqliteError(dst.db, "sqlite3_backup");
  if (sqlite3_close(dst.db) != SQLITE_OK) return SqliteError(dst.db, "cannot close " + to);
  dst.db = nullptr;
  return watch.Seconds();
}

Result<double> CopyFile(const std::string& from, const std::string& to) {
  Stopwatch watch;
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::IOError("cannot open " + from + ": " + std::strerror(errno));
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    return Status::IOError("cannot create " + to + ": " + std::strerror(errno));
  }
  std::vector<char> buf(1 << 20);
  Status st;
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = Status::IOError("cannot read " + from);
    if (n <= 0) break;
    for (ssize_t done = 0; done < n && st.ok();) {
      ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) st = Status::IOError("cannot write " + to);
      done += w > 0 ? w : 0;
    }
    if (!st.ok()) break;
  }
  if (st.ok() && ::fsync(out) != 0) st = Status::IOError("cannot fsync " + to);
  ::close(in);
  if (::close(out) != 0 && st.ok()) st = Status::IOError("cannot close " + to);
  if (!st.ok()) return st;
  return watch.Seconds();
}

Result<double> IntegrityCheck(const std::string& path) {
  Stopwatch watch;
  Conn c;
  if (sqlite3_open_v2(path.c_str(), &c.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return SqliteError(c.db, "cannot open " + path);
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(c.db, "PRAGMA integrity_check", -1, &st, nullptr) != SQLITE_OK) {
    return SqliteError(c.db, "integrity_check");
  }
  std::string first;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (first.empty()) first = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return SqliteError(c.db, "integrity_check");
  if (first != "ok") return Status::Corruption("integrity_check of " + path + ": " + first);
  return watch.Seconds();
}

uint64_t FileSize(const std::string& path) {
  struct stat sb {};
  return ::stat(path.c_str(), &sb) == 0 ? static_cast<uint64_t>(sb.st_size) : 0;
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
}

// ------------------------------------------------------------------ photos

Status AddPhotos(hub::HubStore* store, int64_t photos, uint64_t seed) {
  std::mt19937_64 rng(seed);
  hub::Bytes data(kPhotoBytes);
  Progress progress("storing photos", static_cast<uint64_t>(photos));
  for (int64_t i = 0; i < photos; ++i) {
    for (size_t j = 0; j + 8 <= data.size(); j += 8) {
      const uint64_t x = rng();
      std::memcpy(data.data() + j, &x, 8);
    }
    hub::FileRow f;
    f.sha256 = crypto::Sha256Hex(data);
    f.size = data.size();
    f.media_type = "image/jpeg";
    f.chunk_size = sync::kChunkSize;
    f.chunk_sha256 = {f.sha256};  // one chunk: the whole photo
    f.device_id = kPhotoDevice;
    SWEEP_RETURN_IF_ERROR(store->RegisterFile(f));
    SWEEP_RETURN_IF_ERROR(store->PutChunk(f.sha256, 0, data));
    SWEEP_RETURN_IF_ERROR(store->MarkFileComplete(f.sha256));
    progress.Update(static_cast<uint64_t>(i + 1));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ stages

Status RunStages(const std::string& db, const std::string& key_path, const std::string& dir,
                 StageTimes* out) {
  SWEEP_ASSIGN_OR_RETURN(auto key, hub::ReadBackupKey(key_path));
  const std::string file = dir + "/stages.sweepbk", restored = dir + "/stages-restored.db";
  using Clock = std::chrono::steady_clock;
  Clock::time_point t0, last_snapshot, last_encrypt, last_decrypt;
  auto progress = [&](const char* stage, uint64_t, uint64_t) {
    const auto now = Clock::now();
    if (std::strcmp(stage, "snapshot") == 0) last_snapshot = now;
    if (std::strcmp(stage, "encrypt") == 0) last_encrypt = now;
    if (std::strcmp(stage, "decrypt") == 0) last_decrypt = now;
  };
  auto secs = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  {
    SWEEP_ASSIGN_OR_RETURN(auto store, hub::OpenSqliteHubStore(db));
    t0 = Clock::now();
    SWEEP_ASSIGN_OR_RETURN(
        auto info, hub::WriteBackup(store.get(), key, file, false, Env::Default(), progress));
    (void)info;
    const auto end = Clock::now();
    out->backup_s = secs(t0, end);
    out->snapshot_s = secs(t0, last_snapshot);
    out->encrypt_write_s = secs(last_snapshot, last_encrypt);
    out->backup_sync_s = secs(last_encrypt, end);
  }
  t0 = Clock::now();
  SWEEP_ASSIGN_OR_RETURN(auto report, hub::RestoreBackup(file, key, restored, false, progress));
  (void)report;
  const auto end = Clock::now();
  out->restore_s = secs(t0, end);
  out->decrypt_write_s = secs(t0, last_decrypt);
  out->restore_check_s = secs(last_decrypt, end);
  ::unlink(file.c_str());
  RemoveDatabase(restored);
  return Status::Ok();
}

// ------------------------------------------------------------------ writer

namespace {

struct Commit {
  double start = 0, end = 0;  // seconds since the writer's t0
};

// Enrolls the writer's tablet as `sweep-hub enroll-code` and a first sync would.
Status EnrollWriter(hub::HubService* service) {
  SWEEP_ASSIGN_OR_RETURN(std::string code,
                         service->CreateEnrollCode(kWriterOfficer, "police", "officer", kDayMs));
  SWEEP_ASSIGN_OR_RETURN(sync::EnrollCodeParts parts, sync::ParseEnrollCode(code));
  hub::Device d;
  d.device_id = kWriterDevice;
  d.officer_id = kWriterOfficer;
  d.agency = "police";
  d.role = "officer";
  d.sign_pk = d.box_pk = hub::Bytes(32, 1);
  d.enrolled_ms = service->env()->NowMillis();
  return service->store()->ConsumeCodeAddDevice(sync::CodeId(parts.secret), d.enrolled_ms, d);
}

struct Window {
  double a = 0, b = 0;
};

// Commits of the windows: rate of those ending in one, latency of those
// starting in one, the longest commit overlapping one.
void WindowFigures(const std::vector<Commit>& commits, const std::vector<Window>& windows,
                   WriterWindow* out) {
  std::vector<double> ms;
  size_t ended = 0;
  for (const Window& w : windows) {
    out->seconds += w.b - w.a;
    for (const Commit& c : commits) {
      if (c.end >= w.a && c.end <= w.b) ++ended;
      if (c.start >= w.a && c.start <= w.b) ms.push_back((c.end - c.start) * 1e3);
      if (c.end >= w.a && c.start <= w.b)
        out->max_ms = std::max(out->max_ms, (c.end - c.start) * 1e3);
    }
  }
  out->commits = ended;
  out->commits_per_s = static_cast<double>(ended) / out->seconds;
  out->p99_ms = ms.empty() ? 0 : Percentile(ms, 99);
}

}  // namespace

Status RunWriterPhase(const BackupBenchOptions& o, const std::string& db, const std::string& key,
                      const std::string& dir, WriterFigures* out) {
  Env* env = Env::Default();
  SWEEP_ASSIGN_OR_RETURN(auto store, hub::OpenSqliteHubStore(db));
  SWEEP_ASSIGN_OR_RETURN(auto service, hub::HubService::Open(std::move(store), env));
  SWEEP_RETURN_IF_ERROR(EnrollWriter(service.get()));
  hub::sim::Options so;
  so.seed = static_cast<uint64_t>(o.seed) + 1;
  so.officers = 1;
  SWEEP_ASSIGN_OR_RETURN(hub::sim::Station sample, hub::sim::Simulate(so));
  if (sample.records.empty()) return Status::Internal("the simulator made no records");

  std::vector<Commit> commits;
  commits.reserve(1 << 20);
  std::atomic<uint64_t> committed{0};
  std::atomic<bool> stop{false};
  Status writer_status;
  const auto t0 = std::chrono::steady_clock::now();
  std::thread writer([&] {
    for (uint64_t seq = 1; !stop.load(); ++seq) {
      v1::Record r = sample.records[seq % sample.records.size()];
      r.set_record_id("bench-writer-" + std::to_string(seq));
      r.set_device_id(kWriterDevice);
      const std::string bytes = r.SerializeAsString();
      hub::StoredVersion v;
      v.device_id = kWriterDevice;
      v.seq = seq;
      v.record_id = r.record_id();
      v.version = r.version();
      v.record.assign(bytes.begin(), bytes.end());
      v.entry_hash = hub::Bytes(32, static_cast<uint8_t>(seq));
      Commit c;
      c.start = Since(t0);
      writer_status = service->store()->AppendVersions(kWriterDevice, seq - 1, {v});
      if (!writer_status.ok()) break;
      c.end = Since(t0);
      commits.push_back(c);
      committed.store(seq);
      if (o.writer_gap_ms > 0) {
        std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(o.writer_gap_ms));
      }
    }
  });
  // Warm up, then rounds of: a window without a backup, a backup. A backup
  // that ends Unavailable (exit code 10: it could not start for the lock) is
  // counted, and the round is not a "during" window.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<Window> idle, during;
  std::string kept;  // the last backup that succeeded
  Status st;
  for (int64_t r = 0; r < o.rounds && st.ok(); ++r) {
    Window w{Since(t0), 0};
    std::this_thread::sleep_for(std::chrono::duration<double>(o.idle_seconds));
    w.b = Since(t0);
    idle.push_back(w);
    const std::string file = dir + "/during-writes-" + std::to_string(r) + ".sweepbk";
    const uint64_t at_start = committed.load();
    auto backup = RunChild({o.hub_bin, "--db", db, "backup", "--key", key, file}, dir + "/hub.log",
                           /*any_exit_code=*/true);
    const uint64_t at_end = committed.load();
    if (!backup.ok()) {
      st = backup.status();
    } else if (backup->exit_code == 10) {
      out->unavailable.push_back(*backup);
    } else if (backup->exit_code != 0) {
      st = Status::Internal("sweep-hub backup under a writer ended with exit code " +
                            std::to_string(backup->exit_code) + " (see " + dir + "/hub.log)");
    } else {
      during.push_back({w.b, Since(t0)});
      out->backups.push_back(*backup);
      if (!kept.empty()) ::unlink(kept.c_str());
      kept = file;
      out->committed_at_start = at_start;
      out->committed_at_end = at_end;
    }
  }
  stop.store(true);
  writer.join();
  SWEEP_RETURN_IF_ERROR(writer_status);
  SWEEP_RETURN_IF_ERROR(st);
  if (kept.empty()) {
    return Status::Unavailable("no sweep-hub backup could start while the writer committed (" +
                               std::to_string(out->unavailable.size()) +
                               " ended with exit code 10)");
  }
  WindowFigures(commits, idle, &out->idle);
  WindowFigures(commits, during, &out->during);
  const std::string file = kept;
  service.reset();

  // The last backup must hold versions 1..k of the writer, with k between
  // what was committed when it started and when it ended.
  const std::string restored = dir + "/during-writes-restored.db";
  SWEEP_ASSIGN_OR_RETURN(
      auto r,
      RunChild({o.hub_bin, "--db", restored, "restore", "--key", key, file}, dir + "/hub.log"));
  (void)r;
  {
    SWEEP_ASSIGN_OR_RETURN(auto check, hub::OpenSqliteHubStore(restored));
    SWEEP_ASSIGN_OR_RETURN(out->in_backup, check->CountVersions(kWriterDevice));
  }
  ::unlink(file.c_str());
  RemoveDatabase(restored);
  if (out->in_backup < out->committed_at_start || out->in_backup > out->committed_at_end) {
    return Status::Internal("the backup taken while the writer committed holds " +
                            std::to_string(out->in_backup) + " of its versions, not between " +
                            std::to_string(out->committed_at_start) +
                            " (committed when it "
                            "started) and " +
                            std::to_string(out->committed_at_end));
  }
  return Status::Ok();
}

}  // namespace sweep::bench
