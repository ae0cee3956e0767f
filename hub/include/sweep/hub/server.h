// The hub's HTTP(S) front: maps paths to HubService calls, bounds request
// sizes and times, and writes one structured log line (JSON) per request to
// stderr. Also serves the station dashboard (dashboard.h) under /dash/ and
// redirects / there. Thread-safe; Run() blocks until Stop() is called from
// any thread.
#pragma once

#include <memory>
#include <string>

#include "sweep/hub/service.h"
#include "sweep/schema/status.h"

namespace sweep::hub {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;               // 0: any free port (see Server::port())
  std::string tls_cert;       // PEM files; both empty = plain HTTP
  std::string tls_key;
  int read_timeout_s = 30;
  int write_timeout_s = 30;
  bool quiet = false;         // no per-request log lines
  bool dashboard = true;      // serve the station dashboard under /dash/
  std::string dash_origin;    // the page's origin if not scheme://Host (DashboardOptions::origin)
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Create(HubService* service, const ServerOptions& options);
  ~Server();
  int port() const;
  // Serves until Stop(). IOError if the listening socket fails.
  Status Run();
  void Stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sweep::hub
