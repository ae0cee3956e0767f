// A real sweep-hub process on a loopback port for the sync benchmark, its
// admin commands, and read-only checks of what its database holds.
// A HubServer is owned by the main thread (see sync_process.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "sweep/schema/status.h"
#include "sync_process.h"

namespace sweep::bench {

class HubServer {
 public:
  // Starts `bin --db db serve --listen 127.0.0.1:0 --quiet` and waits for its
  // "listening on" line. Its output goes to `log_path`.
  static Result<std::unique_ptr<HubServer>> Start(const std::string& bin, const std::string& db,
                                                  const std::string& log_path);
  const std::string& url() const { return url_; }
  const std::string& db() const { return db_; }
  pid_t pid() const { return child_->pid(); }
  // A one-time enrollment code for `officer` (`sweep-hub enroll-code`).
  Result<std::string> NewEnrollCode(const std::string& officer) const;
  // The process's peak resident set (VmHWM), in MB (10^6 bytes).
  Result<double> PeakRssMb() const;
  // CPU time the hub process has used so far (all its threads), seconds;
  // negative if the kernel does not say.
  double CpuSeconds() const;
  // SIGTERM and wait (the hub's clean shutdown); SIGKILL after 10 s.
  Status Stop();

 private:
  HubServer(std::string bin, std::string db, std::string log_path,
            std::unique_ptr<ChildProcess> child)
      : bin_(std::move(bin)),
        db_(std::move(db)),
        log_path_(std::move(log_path)),
        child_(std::move(child)) {}
  std::string bin_, db_, log_path_, url_;
  std::unique_ptr<ChildProcess> child_;
};

// What the hub's database holds for one device.
struct DeviceVersions {
  uint64_t count = 0;
  uint64_t distinct_seq = 0;
  uint64_t max_seq = 0;
};
// Read-only, beside the running hub (WAL shows committed data only):
// SELECT device_id, count(*), count(DISTINCT seq), max(seq) FROM versions GROUP BY device_id.
Result<std::map<std::string, DeviceVersions>> HubVersionsByDevice(const std::string& db_path);
// Attachments the hub holds whole (files.complete = 1).
Result<uint64_t> HubCompleteFiles(const std::string& db_path);

}  // namespace sweep::bench
