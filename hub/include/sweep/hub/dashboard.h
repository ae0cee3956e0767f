// The station dashboard's backend (issue 6, docs/api.md "Station
// dashboard"): the web page compiled into sweep-hub (hub/ui) and its JSON API
// under /dash/api/ (schema/proto/sweep/v1/dashboard.proto): sign-in,
// sessions and CSRF, the read views (report, coverage, a building's grid,
// dens, suspects, persons, the graph, the review queue, devices, photos) and
// the supervisors' decisions. Knows no HTTP library: server.cc turns each
// request into a DashRequest and writes the DashResponse back; services
// (CaseService, MergeService, HubService, Accounts) hold the logic.
//
// Sessions live in memory only (a restart signs everybody out), keyed by a
// hash of their cookie. The case view is loaded once and kept until the
// store changes (versions, merge revision, edits, disposition codes).
//
// Thread-safe: Handle() may run on many threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sweep/hub/service.h"
#include "sweep/schema/status.h"

namespace sweep::hub {

struct DashboardOptions {
  // The origin the page is served from, e.g. "https://hub.station:8443". ""
  // = scheme://Host of each request. A POST whose Origin header is present
  // and differs is refused.
  std::string origin;
  bool tls = false;                        // cookies get `Secure`
  size_t max_body = 64 * 1024;             // /dash/api request bodies
  int64_t idle_ms = 30 * 60 * 1000;        // a session ends after this long unused
  int64_t absolute_ms = 12 * 3600 * 1000;  // … and this long after sign-in anyway
  int64_t recheck_ms = 0;  // the store's change counters are read at most this often
};

// One HTTP request, as the server read it.
struct DashRequest {
  std::string method;  // "GET" or "POST"
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::string body;
  std::string cookie;        // the Cookie header
  std::string csrf_token;    // X-CSRF-Token
  std::string origin;        // Origin ("" when absent)
  std::string content_type;  // Content-Type
  std::string host;          // Host
};

struct DashResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the request's log line (never a password, cookie or token):
  std::string user_id;
  std::string error_code;  // DashError.code when status != 200
  int64_t load_ms = -1;    // time spent (re)loading the case view; -1: not loaded
};

class Dashboard {
 public:
  static Result<std::unique_ptr<Dashboard>> Create(HubService* service,
                                                   DashboardOptions options = {});
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Whether `path` is the dashboard's: "/", "/dash", "/dash/…".
  static bool Serves(std::string_view path);
  DashResponse Handle(const DashRequest& request);

  struct Impl;

 private:
  explicit Dashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sweep::hub
