// A real sweep-hub process on a loopback port for functional tests, and a
// helper to run its admin commands against the same database.
#pragma once

#include <chrono>
#include <memory>
#include <regex>
#include <string>

#include "process.h"

namespace sweep::testing {

class HubProcess {
 public:
  HubProcess(std::string bin, std::string db) : bin_(std::move(bin)), db_(std::move(db)) {}
  ~HubProcess() { Kill(); }

  // Starts `serve` on `port` (0: any) and waits for "listening on". With a
  // certificate and key, serves HTTPS.
  bool Start(int port = 0, const std::string& cert = "", const std::string& key = "") {
    std::vector<std::string> argv = {
        bin_, "--db", db_, "serve", "--listen", "127.0.0.1:" + std::to_string(port), "--quiet"};
    if (!cert.empty()) {
      argv.insert(argv.end(), {"--tls-cert", cert, "--tls-key", key});
      scheme_ = "https";
    }
    child_ = std::make_unique<Child>(argv);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::smatch m;
    while (std::chrono::steady_clock::now() < deadline) {
      child_->Pump(20);
      if (std::regex_search(child_->out, m, std::regex("listening on https?://127.0.0.1:(\\d+)"))) {
        port_ = std::stoi(m[1]);
        return true;
      }
    }
    return false;
  }
  void Kill() {
    if (child_) {
      kill(child_->pid(), SIGKILL);
      child_->Wait();
      child_.reset();
    }
  }
  // SIGTERM and wait: the clean shutdown path.
  int Stop() {
    if (!child_) return -1;
    kill(child_->pid(), SIGTERM);
    int code = child_->Wait();
    child_.reset();
    return code;
  }
  int port() const { return port_; }
  std::string url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }
  RunResult Admin(std::vector<std::string> args) const {
    std::vector<std::string> argv = {bin_, "--db", db_};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv);
  }
  std::string NewCode(const std::string& officer, const std::string& extra_ttl = "24") const {
    auto r = Admin({"enroll-code", "--officer", officer, "--ttl-hours", extra_ttl});
    std::string code = r.out;
    while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
    return code;
  }
  // A code for another agency or role (regulator, supervisor, admin).
  std::string NewCodeFor(const std::string& officer, const std::string& agency,
                         const std::string& role) const {
    auto r = Admin({"enroll-code", "--officer", officer, "--agency", agency, "--role", role});
    std::string code = r.out;
    while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
    return code;
  }
  // "device D versions N acked M" lines -> versions of `device` (or total if empty).
  long Versions(const std::string& device = "") const {
    auto r = Admin({"stats"});
    std::smatch m;
    std::regex re = device.empty() ? std::regex("total versions (\\d+)")
                                   : std::regex("device " + device + " versions (\\d+)");
    return std::regex_search(r.out, m, re) ? std::stol(m[1]) : -1;
  }

 private:
  std::string bin_, db_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
  std::string scheme_ = "http";
};

}  // namespace sweep::testing
