#include "sweep/hub/server.h"

#include <httplib.h>

#include <chrono>
#include <iostream>
#include <mutex>

#include "sweep/sync/protocol.h"

namespace sweep::hub {

class Server::Impl {
 public:
  HubService* service = nullptr;
  ServerOptions options;
  std::unique_ptr<httplib::Server> http;
  int port = 0;
  std::mutex log_mu;

  void Log(const httplib::Request& req, const Reply& reply, int64_t micros) {
    if (options.quiet) return;
    auto now = std::chrono::system_clock::now().time_since_epoch();
    std::lock_guard<std::mutex> lock(log_mu);
    std::cerr << "{\"ts_ms\":" << std::chrono::duration_cast<std::chrono::milliseconds>(now).count()
              << ",\"path\":\"" << req.path << "\",\"status\":" << reply.status
              << ",\"device\":\"" << reply.device_id << "\",\"error\":\"" << reply.error_code
              << "\",\"bytes_in\":" << req.body.size() << ",\"bytes_out\":" << reply.body.size()
              << ",\"us\":" << micros << ",\"remote\":\"" << req.remote_addr << "\"}\n";
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
  for (const char* method : {"push", "pull", "chunks.query", "chunks.put"}) {
    std::string m = method;
    raw->Route(sync::PathForMethod(m),
               [service, m](const std::string& b) { return service->Handle(m, b); });
  }
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
  if (!impl_->http->listen_after_bind()) {
    return Status::IOError("the server stopped listening unexpectedly");
  }
  return Status::Ok();
}

void Server::Stop() {
  if (impl_ && impl_->http) impl_->http->stop();
}

}  // namespace sweep::hub
