// UiServer: the tablet screen's assets and API on 127.0.0.1 (ui_server.h;
// the API in docs/api.md). This file: who may call (key, Host, Origin,
// content type), unlock, lock, status, the embedded page, and the helpers
// every screen's routes share (ui_internal.h).
#include "sweep/field/ui_server.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <string_view>

#include "ui_internal.h"

namespace sweep::field {

namespace {

void SecurityHeaders(httplib::Response& res) {
  for (const auto& [name, value] : sync::web::SecurityHeaders()) res.set_header(name, value);
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

namespace ui {

void SendError(httplib::Response& res, int http, const std::string& code,
               const std::string& message, int attempts_left, int64_t wait_ms) {
  v1::UiError e;
  e.set_code(code);
  e.set_message(message);
  e.set_attempts_left(attempts_left);
  e.set_wait_ms(wait_ms);
  res.status = http;
  res.set_content(sync::web::ApiJson(e), "application/json");
}

void SendStoreError(httplib::Response& res, const Status& st) {
  switch (st.code()) {
    case Code::kLocked:
      SendError(res, 423, "locked", st.message());
      return;
    case Code::kNotFound:
      SendError(res, 404, "not_found", st.message());
      return;
    case Code::kInvalidArgument:
      SendError(res, 400, "bad_request", st.message());
      return;
    case Code::kConflict:
      SendError(res, 409, "conflict", st.message());
      return;
    case Code::kUnauthorized:  // the enrolled role, or missing keys: "English / 中文"
      SendError(res, 403, "not_allowed", st.message());
      return;
    default:
      SendError(res, 500, "internal", st.ToString());
  }
}

bool ParseJson(const httplib::Request& req, httplib::Response& res, google::protobuf::Message* out,
               const std::string& expected) {
  std::string why;
  if (sync::web::ParseApiJson(req.body, out, &why)) return true;
  SendError(res, 400, "bad_request", "the body must be " + expected + ": " + why);
  return false;
}

uint64_t Unsynced(Store& store) {
  auto sync = store.GetSyncState();
  return sync.ok() ? sync->head_seq - std::min(sync->head_seq, sync->synced_seq) : 0;
}

}  // namespace ui

std::string NewUiSecret() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[2 * sizeof raw + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
  std::string out(hex);
  sodium_memzero(hex, sizeof hex);
  return out;
}

httplib::Server::Handler UiServer::Impl::Unlocked(StoreHandler handler) {
  return [this, handler](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    if (!store->unlocked()) {
      ui::SendError(res, 423, "locked", "the tablet is locked: unlock it first");
      return;
    }
    (this->*handler)(req, res);
  };
}

// Host must name this server exactly; a foreign Origin is refused; API
// calls need the secret; POST bodies are JSON, or an image for /api/photos
// (neither is a type a cross-site form may send without a preflight).
std::string UiServer::Impl::Refusal(const httplib::Request& req, bool api) const {
  const std::string self = "127.0.0.1:" + std::to_string(port);
  if (req.get_header_value("Host") != self) return "wrong Host: open " + self;
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty() && origin != "http://" + self) return "requests from other sites refused";
  if (!api) return "";
  if (!SameSecret(req.get_header_value("X-Sweep-Key"), options.secret)) {
    return "missing or wrong X-Sweep-Key: open the address sweep-field ui printed";
  }
  if (req.method != "POST") return "";
  const std::string type = req.get_header_value("Content-Type");
  if (req.path == ui::kPhotosPath) {
    return type.rfind("image/", 0) == 0 ? ""
                                        : "POST " + std::string(ui::kPhotosPath) +
                                              " takes the image itself (image/jpeg, "
                                              "image/png or image/webp)";
  }
  return type.rfind("application/json", 0) == 0 ? "" : "POST bodies must be application/json";
}

v1::UiStatus UiServer::Impl::Snapshot() {
  v1::UiStatus s;
  s.set_idle_lock_ms(options.idle_lock_ms);
  s.set_device_id(store->device_id());
  if (auto info = store->Info(); info.ok()) {
    s.set_failed_attempts(info->failed_attempts);
    s.set_attempts_left(std::max(0, info->max_failed_attempts - info->failed_attempts));
    s.set_wait_ms(std::max<int64_t>(0, info->locked_until_ms - store->env()->NowMillis()));
    s.set_records(info->records);
  }
  if (auto officers = store->Officers(); officers.ok()) {
    for (const OfficerInfo& o : *officers) {
      auto* u = s.add_officers();
      u->set_officer_id(o.officer_id);
      u->set_name(o.name);
    }
  }
  s.set_unlocked(store->unlocked());
  if (store->unlocked()) {
    s.set_officer_id(store->officer_id());
    s.set_unsynced(ui::Unsynced(*store));
    // What the screen offers depends on the enrolled role (docs/api.md).
    if (auto hub = store->Hub(); hub.ok() && *hub) {
      s.set_role((*hub)->enrollment.role());
      s.set_agency((*hub)->enrollment.agency());
    }
  }
  return s;
}

void UiServer::Impl::Unlock(const httplib::Request& req, httplib::Response& res) {
  v1::UiUnlockRequest u;
  if (!sync::web::ParseApiJson(req.body, &u, nullptr) ||
      u.officer_id().empty()) {
    ui::SendError(res, 400, "bad_request",
                  "the body must be {\"officerId\": \"…\", \"pin\": \"…\"} as JSON");
    return;
  }
  std::lock_guard lock(mu);
  Status st = store->Unlock(u.officer_id(), u.pin());
  sodium_memzero(u.mutable_pin()->data(), u.pin().size());
  if (st.ok()) {
    watchlist_logged.clear();  // a new session: each hit shown is logged again
    res.set_content(sync::web::ApiJson(Snapshot()), "application/json");
    return;
  }
  v1::UiStatus now = Snapshot();
  switch (st.code()) {
    case Code::kUnauthorized:
      ui::SendError(res, 401, "wrong_pin", st.message(), now.attempts_left(), now.wait_ms());
      return;
    case Code::kLocked:
      ui::SendError(res, 429, "wait", st.message(), now.attempts_left(), now.wait_ms());
      return;
    case Code::kShredded:
      ui::SendError(res, 410, "shredded", st.message());
      return;
    case Code::kNotFound:
      ui::SendError(res, 404, "unknown_officer", st.message(), now.attempts_left());
      return;
    default:
      ui::SendError(res, 500, "internal", st.ToString());
  }
}

void UiServer::Impl::Routes() {
  server.set_payload_max_length(ui::kMaxPhotoBytes);
  server.set_tcp_nodelay(true);  // small answers must not wait for a delayed ACK (40 ms)
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    SecurityHeaders(res);
    const bool api = req.path.rfind("/api/", 0) == 0;
    std::string why = Refusal(req, api);
    if (!why.empty()) {
      ui::SendError(res, 403, "forbidden", why);
      return httplib::Server::HandlerResponse::Handled;
    }
    // Text that is not UTF-8 is refused before an answer could echo it
    // (the answer would not be valid JSON). Photo bodies are bytes.
    bool text_ok = true;
    for (const auto& [name, value] : req.params) {
      text_ok = text_ok && sync::web::IsUtf8(name) && sync::web::IsUtf8(value);
    }
    if (req.get_header_value("Content-Type").rfind("application/json", 0) == 0) {
      text_ok = text_ok && sync::web::IsUtf8(req.body);
    }
    if (api && !text_ok) {
      ui::SendError(res, 400, "bad_request",
                    "a query parameter or the JSON body is not UTF-8 text: send UTF-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // A body over the limit is refused by cpp-httplib before any handler: say why.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 413 && res.body.empty()) {
      ui::SendError(
          res, 413, "too_large",
          "a request body may be at most " + std::to_string(ui::kMaxPhotoBytes >> 20) + " MiB");
    }
  });
  server.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mu);
    res.set_content(sync::web::ApiJson(Snapshot()), "application/json");
  });
  server.Post("/api/unlock",
              [this](const httplib::Request& req, httplib::Response& res) { Unlock(req, res); });
  server.Post("/api/lock", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mu);
    store->Lock();
    res.set_content(sync::web::ApiJson(Snapshot()), "application/json");
  });
  CoverageRoutes();
  FormRoutes();
  PhotoRoutes();
  SyncRoutes();
  InspectionRoutes();
  server.Get(R"(/(.*))", [](const httplib::Request& req, httplib::Response& res) {
    const std::string path = req.path == "/" ? "/index.html" : req.path;
    if (const auto* file = sync::web::FindEmbedded(kEmbeddedFiles, kEmbeddedFileCount, path)) {
      res.set_content(reinterpret_cast<const char*>(file->data), file->size,
                      sync::web::ContentTypeOf(path));
      return;
    }
    ui::SendError(res, 404, "not_found", "no such page: " + req.path);
  });
}

UiServer::UiServer(Store* store, UiOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->store = store;
  impl_->options = std::move(options);
  store->SetIdleTimeout(impl_->options.idle_lock_ms);
}

UiServer::~UiServer() { Stop(); }

Status UiServer::Start() {
  if (impl_->options.secret.size() < 32) {
    return Status::InvalidArgument("the screen needs a per-launch secret (NewUiSecret())");
  }
  impl_->Routes();
  if (impl_->options.port == 0) {
    impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  } else if (impl_->server.bind_to_port("127.0.0.1", impl_->options.port)) {
    impl_->port = impl_->options.port;
  }
  if (impl_->port <= 0) {
    return Status::IOError("cannot listen on 127.0.0.1:" + std::to_string(impl_->options.port) +
                           ": is the port in use? Give another with --port, or 0 for any");
  }
  impl_->listen_done = false;
  impl_->thread = std::thread([this] {
    impl_->server.listen_after_bind();
    impl_->listen_done = true;
  });
  return Status::Ok();
}

int UiServer::port() const { return impl_->port; }

std::string UiServer::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/#key=" + impl_->options.secret;
}

void UiServer::Stop() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    // httplib ignores stop() until the thread listens: wait until it does
    // (or has given up), else a Stop() right after Start() would hang.
    while (!impl_->server.is_running() && !impl_->listen_done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    impl_->server.stop();
    impl_->thread.join();
  }
  if (impl_->sync_thread.joinable()) impl_->sync_thread.join();  // a sync ends on its own
}

}  // namespace sweep::field
