#include "sweep/hub/server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "sweep/hub/dashboard.h"
#include "sweep/sync/protocol.h"

namespace sweep::hub {

class Server::Impl {
 public:
  HubService* service = nullptr;
  ServerOptions options;
  std::unique_ptr<httplib::Server> http;
  int port = 0;
  std::mutex log_mu;
  std::unique_ptr<Dashboard> dashboard;
  // httplib ignores stop() until listen_after_bind() has started: Stop()
  // before or while Run() starts must not be lost (a SIGTERM right after
  // start would leave `serve` running).
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> in_run{false};

  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void Log(const httplib::Request& req, const Reply& reply, int64_t micros) {
    if (options.quiet) return;
    std::lock_guard<std::mutex> lock(log_mu);
    std::cerr << "{\"ts_ms\":" << NowMs() << ",\"path\":\"" << req.path << "\",\"status\":" << reply.status
              << ",\"device\":\"" << reply.device_id << "\",\"error\":\"" << reply.error_code
              << "\",\"bytes_in\":" << req.body.size() << ",\"bytes_out\":" << reply.body.size()
              << ",\"us\":" << micros << ",\"remote\":\"" << req.remote_addr << "\"}\n";
  }

  // A dashboard request: its path (never the query, a cookie or a body),
  // the user, the error code and the time spent loading the case view.
  void Log(const httplib::Request& req, const DashResponse& r, int64_t micros) {
    if (options.quiet) return;
    std::lock_guard<std::mutex> lock(log_mu);
    std::cerr << "{\"ts_ms\":" << NowMs() << ",\"path\":\"" << req.path << "\",\"method\":\""
              << req.method << "\",\"status\":" << r.status << ",\"user\":\"" << r.user_id
              << "\",\"error\":\"" << r.error_code << "\",\"bytes_in\":" << req.body.size()
              << ",\"bytes_out\":" << r.body.size() << ",\"us\":" << micros
              << ",\"load_ms\":" << r.load_ms << ",\"remote\":\"" << req.remote_addr << "\"}\n";
  }

  void ServeDashboard(const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    DashRequest d;
    d.method = req.method;
    d.path = req.path;
    for (const auto& [k, v] : req.params) d.query.emplace(k, v);  // the first of each name
    d.body = req.body;
    d.cookie = req.get_header_value("Cookie");
    d.csrf_token = req.get_header_value("X-CSRF-Token");
    d.origin = req.get_header_value("Origin");
    d.content_type = req.get_header_value("Content-Type");
    d.host = req.get_header_value("Host");
    DashResponse r = dashboard->Handle(d);
    res.status = r.status;
    for (const auto& [k, v] : r.headers) res.set_header(k, v);
    res.set_content(r.body, r.content_type);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    Log(req, r, us);
  }

  Status MountDashboard() {
    DashboardOptions dopt;
    dopt.origin = options.dash_origin;
    dopt.tls = !options.tls_cert.empty();
    SWEEP_ASSIGN_OR_RETURN(dashboard, Dashboard::Create(service, dopt));
    auto serve = [this](const httplib::Request& req, httplib::Response& res) {
      ServeDashboard(req, res);
    };
    http->Get("/", serve);
    http->Get(R"(/dash(/.*)?)", serve);
    http->Post(R"(/dash/.*)", serve);
    return Status::Ok();
  }

  template <typename F>
  void Route(const std::string& path, F call) {
    http->Post(path, [this, call](const httplib::Request& req, httplib::Response& res) {
      auto start = std::chrono::steady_clock::now();
      Reply reply = call(req.body);
      res.status = reply.status;
      res.set_content(reply.body, "application/x-protobuf");
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      Log(req, reply, us);
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }
int Server::port() const { return impl_->port; }

Result<std::unique_ptr<Server>> Server::Create(HubService* service, const ServerOptions& opt) {
  auto impl = std::make_unique<Impl>();
  impl->service = service;
  impl->options = opt;
  if (opt.tls_cert.empty() != opt.tls_key.empty()) {
    return Status::InvalidArgument("give both --tls-cert and --tls-key, or neither");
  }
  if (!opt.tls_cert.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(opt.tls_cert.c_str(), opt.tls_key.c_str());
    if (!ssl->is_valid()) {
      return Status::InvalidArgument("cannot load TLS certificate " + opt.tls_cert + " / key " +
                                     opt.tls_key + ": check the PEM files and their permissions");
    }
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *impl->http;
  http.set_payload_max_length(sync::kMaxRequestBytes);
  http.set_read_timeout(opt.read_timeout_s, 0);
  http.set_write_timeout(opt.write_timeout_s, 0);
  http.set_keep_alive_max_count(1000);
  http.set_tcp_nodelay(true);  // small answers must not wait for a delayed ACK
  http.Get(sync::kPathHealth, [service](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\",\"hub_id\":\"" + service->hub_id() + "\"}",
                    "application/json");
  });
  Impl* raw = impl.get();
  raw->Route(sync::kPathEnroll, [service](const std::string& b) { return service->Enroll(b); });
  for (const char* method : {"push", "pull", "chunks.query", "chunks.put", "views"}) {
    std::string m = method;
    raw->Route(sync::PathForMethod(m),
               [service, m](const std::string& b) { return service->Handle(m, b); });
  }
  if (opt.dashboard) SWEEP_RETURN_IF_ERROR(raw->MountDashboard());
  http.set_error_handler([service](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    Reply r = service->HttpError(res.status);
    res.set_content(r.body, "application/x-protobuf");
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                std::exception_ptr) {
    res.status = 500;
    res.set_content("internal error", "text/plain");
  });
  impl->port = opt.port == 0 ? http.bind_to_any_port(opt.host)
                             : (http.bind_to_port(opt.host, opt.port) ? opt.port : -1);
  if (impl->port <= 0) {
    return Status::IOError("cannot listen on " + opt.host + ":" + std::to_string(opt.port) +
                           ": the port is in use or the address is not local");
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Status Server::Run() {
  impl_->in_run = true;
  if (impl_->stop_requested) {
    impl_->in_run = false;
    return Status::Ok();
  }
  const bool ok = impl_->http->listen_after_bind();
  impl_->in_run = false;
  if (!ok) return Status::IOError("the server stopped listening unexpectedly");
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || !impl_->http) return;
  impl_->stop_requested = true;
  // Run() either has not begun (it will see stop_requested), or has ended,
  // or is listening (stop() works), or is between: wait until it listens.
  while (impl_->in_run && !impl_->http->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->http->stop();
}

}  // namespace sweep::hub
