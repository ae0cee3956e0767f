// The tablet screen's local server (`sweep-field ui`, issue 6): the web app
// embedded in the binary, and the JSON API it calls, on 127.0.0.1 only.
//
// Who may use it: only the page the officer opened. Every API request must
// carry the per-launch secret in the X-Sweep-Key header (the page reads it
// from the URL's fragment, which browsers never send anywhere), a Host of
// exactly 127.0.0.1:<port> (no DNS rebinding), no foreign Origin, and a JSON
// body; the server sends no CORS headers, so another site's page can neither
// set that header nor read an answer. Pages are served with a strict Content
// Security Policy (nothing but this origin). API: docs/api.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sweep/field/store.h"
#include "sweep/schema/status.h"
#include "sweep/sync/web.h"

namespace sweep::field {

// The assets compiled into the binary (cmake/embed.cmake).
extern const sync::web::EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

struct UiOptions {
  int port = 0;                 // 0: a free port chosen by the system
  std::string secret;           // the per-launch secret (hex); required
  int64_t idle_lock_ms = 300000;  // the store locks after this long without a request
};

class UiServer {
 public:
  // `store` (opened, locked or not) must outlive the server.
  UiServer(Store* store, UiOptions options);
  ~UiServer();  // Stop()
  UiServer(const UiServer&) = delete;
  UiServer& operator=(const UiServer&) = delete;

  // Binds 127.0.0.1 and serves on a thread of its own. IOError if the port
  // cannot be bound.
  Status Start();
  int port() const;
  std::string url() const;  // http://127.0.0.1:<port>/#key=<secret>
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A fresh secret for one launch: 32 random bytes, hex.
std::string NewUiSecret();

}  // namespace sweep::field
