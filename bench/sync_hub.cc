#include "sync_hub.h"

#include <sqlite3.h>
#include <time.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace sweep::bench {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A read-only connection that closes itself.
class ReadOnlyDb {
 public:
  static Result<std::unique_ptr<ReadOnlyDb>> Open(const std::string& path) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    auto owned = std::unique_ptr<ReadOnlyDb>(new ReadOnlyDb(db));
    if (rc != SQLITE_OK) {
      return Status::IOError("cannot open the hub database " + path +
                             " read-only: " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(db, 5000);
    return owned;
  }
  ~ReadOnlyDb() { sqlite3_close(db_); }
  // Runs `sql`, calling `row` for each result row.
  template <typename F>
  Status Query(const char* sql, F row) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
      return Status::IOError(std::string("hub database: ") + sqlite3_errmsg(db_) + " in " + sql);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
      return Status::IOError(std::string("hub database: ") + sqlite3_errmsg(db_) + " in " + sql);
    }
    return Status::Ok();
  }

 private:
  explicit ReadOnlyDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<HubServer>> HubServer::Start(const std::string& bin, const std::string& db,
                                                    const std::string& log_path) {
  ChildProcess::Options opt;
  opt.log_path = log_path;
  SWEEP_ASSIGN_OR_RETURN(
      auto child,
      ChildProcess::Spawn({bin, "--db", db, "serve", "--listen", "127.0.0.1:0", "--quiet"}, opt));
  auto hub = std::unique_ptr<HubServer>(new HubServer(bin, db, log_path, std::move(child)));
  const std::regex listening("listening on http://127\\.0\\.0\\.1:(\\d+)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string log = ReadFile(log_path);
    if (std::regex_search(log, m, listening)) {
      hub->url_ = "http://127.0.0.1:" + m[1].str();
      return hub;
    }
    if (hub->child_->Exited()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Unavailable("sweep-hub did not start listening (" + bin + "); its log:\n" +
                             TailOfFile(log_path, 10));
}

Result<std::string> HubServer::NewEnrollCode(const std::string& officer) const {
  SWEEP_ASSIGN_OR_RETURN(
      std::string out,
      RunCommand({bin_, "--db", db_, "enroll-code", "--officer", officer}, log_path_ + ".admin"));
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (out.empty()) return Status::Internal("sweep-hub enroll-code printed no code");
  return out;
}

Result<double> HubServer::PeakRssMb() const {
  std::ifstream in("/proc/" + std::to_string(pid()) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stod(line.substr(6)) * 1024.0 / 1e6;  // the kernel writes kB (KiB)
    }
  }
  return Status::NotFound("no VmHWM in /proc/" + std::to_string(pid()) + "/status");
}

double HubServer::CpuSeconds() const {
  clockid_t clock;
  timespec ts{};
  if (::clock_getcpuclockid(pid(), &clock) != 0 || ::clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Status HubServer::Stop() {
  int code = child_->Stop(10'000);
  if (code != 0) {
    return Status::IOError("sweep-hub exited with " + std::to_string(code) + " on SIGTERM:\n" +
                           TailOfFile(log_path_, 10));
  }
  return Status::Ok();
}

Result<std::map<std::string, DeviceVersions>> HubVersionsByDevice(const std::string& db_path) {
  SWEEP_ASSIGN_OR_RETURN(auto db, ReadOnlyDb::Open(db_path));
  std::map<std::string, DeviceVersions> out;
  SWEEP_RETURN_IF_ERROR(
      db->Query("SELECT device_id, count(*), count(DISTINCT seq), max(seq) FROM versions "
                "GROUP BY device_id",
                [&](sqlite3_stmt* st) {
                  const auto* id = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
                  out[id ? id : ""] = {static_cast<uint64_t>(sqlite3_column_int64(st, 1)),
                                       static_cast<uint64_t>(sqlite3_column_int64(st, 2)),
                                       static_cast<uint64_t>(sqlite3_column_int64(st, 3))};
                }));
  return out;
}

Result<uint64_t> HubCompleteFiles(const std::string& db_path) {
  SWEEP_ASSIGN_OR_RETURN(auto db, ReadOnlyDb::Open(db_path));
  uint64_t n = 0;
  SWEEP_RETURN_IF_ERROR(
      db->Query("SELECT count(*) FROM files WHERE complete = 1",
                [&](sqlite3_stmt* st) { n = static_cast<uint64_t>(sqlite3_column_int64(st, 0)); }));
  return n;
}

}  // namespace sweep::bench
