// The tablet's sync client: enrollment with a one-time code, then push (the
// outbox, exactly once), attachments, and pull (watchlist, commands), over a
// Transport. docs/protocol.md is the contract with the hub. Not
// thread-safe: one sync at a time per store.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sweep/field/store.h"
#include "sweep/schema/status.h"

namespace sweep::field {

// One HTTP exchange. Transport errors (no answer at all) are a Status;
// any HTTP answer, whatever its code, is a Response.
struct HttpResponse {
  int status = 0;
  std::string body;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> Post(const std::string& path, const std::string& body) = 0;
};

struct TransportOptions {
  std::string tls_ca;        // PEM bundle to trust for https (default: system CAs)
  int connect_timeout_s = 5;
  int io_timeout_s = 30;
};
// HTTP(S) to `url` ("http://host:port" or "https://host:port").
Result<std::unique_ptr<Transport>> NewHttpTransport(const std::string& url,
                                                    const TransportOptions& options);

struct SyncProgress {
  std::string phase;         // "push", "views", "files", "pull"
  uint64_t done = 0, total = 0;
  uint64_t bytes = 0;
};

struct SyncOptions {
  int retries = 4;           // per request, on transport failures and replay answers
  int64_t backoff_ms = 100;  // doubled after each retry
  std::function<void(const SyncProgress&)> progress;
  std::function<void(int64_t ms)> sleep;  // injectable for tests; default: real sleep
};

struct SyncSummary {
  uint64_t pushed = 0;       // versions newly stored at the hub
  uint64_t duplicates = 0;   // versions the hub already had
  uint64_t acked_seq = 0;
  uint64_t views = 0;        // view-log entries newly stored at the hub
  uint64_t pulled = 0;       // feed items applied
  uint64_t files = 0;        // attachments the hub confirmed in this sync
  uint64_t chunks_sent = 0;  // attachment chunks actually sent
  uint64_t bytes_sent = 0, bytes_received = 0;
  int round_trips = 0;
  bool wiped = false;        // a wipe order was carried out
  uint64_t purged_records = 0, purged_files = 0;  // removed after the sync (retention)
};

// Enrolls the unlocked store with the hub behind `transport` using the code
// printed by `sweep-hub enroll-code`. Pins the hub's keys.
Status Enroll(Store* store, Transport* transport, const std::string& url,
              const std::string& code, const std::string& label);

// One sync: push everything not yet acknowledged, then the view log (who
// saw what on this tablet), then the photos the hub lacks, then pull
// (pulled even when the view log or photos fail); then, if the hub sent a
// tablet retention, drops the acknowledged records past it
// (Store::PurgeSynced). Resumable: any interruption leaves the store
// consistent, and the next sync goes on.
Result<SyncSummary> Sync(Store* store, Transport* transport, const SyncOptions& options);

}  // namespace sweep::field
