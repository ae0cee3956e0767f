#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

using sweep::testing::FaultConfig;
using sweep::testing::FaultProxy;
using sweep::testing::FaultStats;
using Clock = std::chrono::steady_clock;

namespace {

// Random tests print their seed; SWEEP_TEST_SEED=<n> re-runs one.
uint64_t TestSeed(uint64_t fallback) {
  const char* env = std::getenv("SWEEP_TEST_SEED");  // NOLINT(concurrency-mt-unsafe): no setenv
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

size_t OpenFds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A listening socket on 127.0.0.1 and a free port; -1 on failure.
int ListenAnyPort(uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, SOMAXCONN) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// A connected socket with 5 s send and receive timeouts, so that no test can
// hang on a proxy bug; -1 on failure.
int ConnectTo(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval five{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof(five));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof(five));
  sockaddr_in addr = Loopback(port);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

// Sends `data`, half-closes, and returns all bytes received until EOF, or
// nullopt on an error. Writes from a second thread so that an echo cannot
// deadlock on full socket buffers.
std::optional<std::string> RoundTrip(uint16_t port, const std::string& data) {
  int fd = ConnectTo(port);
  if (fd < 0) return std::nullopt;
  std::thread writer([fd, &data] {
    for (size_t off = 0; off < data.size();) {
      ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
  });
  std::string got;
  std::vector<char> buf(size_t{64} * 1024);
  bool ok = true;
  while (true) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n == 0) break;
    if (n < 0) {
      ok = false;
      ::shutdown(fd, SHUT_RDWR);  // unblocks the writer
      break;
    }
    got.append(buf.data(), static_cast<size_t>(n));
  }
  writer.join();
  ::close(fd);
  if (!ok) return std::nullopt;
  return got;
}

// Echoes every connection back until EOF, then half-closes it.
class EchoServer {
 public:
  EchoServer() : listener_(ListenAnyPort(&port_)) {
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~EchoServer() {
    stop_ = true;
    acceptor_.join();
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : workers_) t.join();
    for (int fd : fds_) ::close(fd);
    ::close(listener_);
  }
  uint16_t port() const { return port_; }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p = {listener_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      fds_.push_back(fd);
      workers_.emplace_back([fd] { Echo(fd); });
    }
  }
  static void Echo(int fd) {
    std::vector<char> buf(size_t{64} * 1024);
    ssize_t n = 0;
    while ((n = ::recv(fd, buf.data(), buf.size(), 0)) > 0) {
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::send(fd, buf.data() + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
        if (w <= 0) return;
        off += w;
      }
    }
    ::shutdown(fd, SHUT_WR);
  }

  uint16_t port_ = 0;
  int listener_;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<int> fds_;  // closed only after the workers are joined
  std::vector<std::thread> workers_;
};

// POST /echo returns the body; POST /count counts requests per X-Id header.
class HttpServer {
 public:
  HttpServer() {
    server_.set_keep_alive_timeout(1);  // lets stop() finish quickly
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    server_.Post("/count", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++seen_[req.get_header_value("X-Id")];
      res.set_content("counted", "text/plain");
    });
    port_ = static_cast<uint16_t>(server_.bind_to_any_port("127.0.0.1"));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the server runs, and would leave join() waiting.
    WaitUntil([this] { return server_.is_running(); }, std::chrono::seconds(5));
  }
  ~HttpServer() {
    server_.stop();
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::map<std::string, int> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  httplib::Server server_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, int> seen_;
};

std::unique_ptr<FaultProxy> StartProxy(uint16_t target, uint64_t seed, const FaultConfig& faults) {
  FaultProxy::Options options;
  options.target_port = target;
  options.seed = seed;
  options.faults = faults;
  std::string error;
  auto proxy = FaultProxy::Start(options, &error);
  INFO(error);
  REQUIRE(proxy);
  return proxy;
}

httplib::Client MakeClient(uint16_t port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(2);
  client.set_write_timeout(2);
  return client;
}

// `count` POSTs of `size` random bytes to /echo, one connection each, in
// order; true where the exact body came back.
std::vector<bool> EchoRound(uint16_t port, int count, size_t size, uint64_t seed) {
  std::vector<bool> ok;
  for (int i = 0; i < count; ++i) {
    auto client = MakeClient(port);
    std::string body = RandomBytes(size, seed + static_cast<uint64_t>(i));
    auto res = client.Post("/echo", body, "application/octet-stream");
    ok.push_back(res && res->status == 200 && res->body == body);
  }
  return ok;
}

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Sockets closed by a peer's thread go away a moment after the proxy is quiet.
bool FdsBackTo(size_t n) {
  return WaitUntil([n] { return OpenFds() == n; }, std::chrono::seconds(2));
}

bool Quiet(const FaultProxy& proxy) {
  return WaitUntil([&] { return proxy.Stats().active == 0; }, std::chrono::seconds(5));
}

}  // namespace

TEST_CASE("Pass mode forwards 5 MB byte-exact in both directions") {
  EchoServer echo;
  auto proxy = StartProxy(echo.port(), 1, FaultConfig{});
  std::string payload = RandomBytes(size_t{5} << 20, 1);
  auto back = RoundTrip(proxy->port(), payload);
  REQUIRE(back);
  CHECK(back->size() == payload.size());
  CHECK(*back == payload);
  REQUIRE(Quiet(*proxy));
  FaultStats s = proxy->Stats();
  CHECK(s.connections == 1);
  CHECK(s.bytes_to_server == payload.size());
  CHECK(s.bytes_to_client == payload.size());
  CHECK(s.request_drops + s.response_drops + s.request_truncations + s.response_truncations == 0);
  CHECK(s.duplicates + s.delays + s.upstream_failures == 0);
}

TEST_CASE("Pass mode carries HTTP keep-alive requests with 5 MB bodies") {
  HttpServer http;
  auto proxy = StartProxy(http.port(), 1, FaultConfig{});
  auto client = MakeClient(proxy->port());
  client.set_keep_alive(true);
  for (uint64_t i = 0; i < 3; ++i) {
    std::string body = RandomBytes(i == 0 ? size_t{5} << 20 : 1000, i);
    auto res = client.Post("/echo", body, "application/octet-stream");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == body);
  }
  client.stop();
  REQUIRE(Quiet(*proxy));
  CHECK(proxy->Stats().connections == 1);
  CHECK(proxy->Stats().bytes_to_client > (5u << 20));
}

TEST_CASE("Drops and truncations fail some clients, in bounded time, and are counted") {
  uint64_t seed = TestSeed(20251128);
  INFO("seed " << seed);
  HttpServer http;
  FaultConfig faults;
  faults.max_cut_bytes = size_t{150} * 1024;
  bool drop = GENERATE(true, false);
  INFO((drop ? "drop" : "truncate"));
  (drop ? faults.drop_request : faults.truncate_request) = 0.25;
  (drop ? faults.drop_response : faults.truncate_response) = 0.25;
  size_t fds_before = OpenFds();
  {
    auto proxy = StartProxy(http.port(), seed, faults);
    auto start = Clock::now();
    std::vector<bool> ok = EchoRound(proxy->port(), 40, size_t{100} * 1024, seed);
    CHECK(MillisSince(start) < 10'000);
    auto failed = static_cast<uint64_t>(std::count(ok.begin(), ok.end(), false));
    CHECK(failed > 0);
    CHECK(failed < ok.size());
    REQUIRE(Quiet(*proxy));
    FaultStats s = proxy->Stats();
    CHECK(s.connections == 40);
    // A cut is counted only when it removed bytes, so it always fails its
    // client, and nothing else does.
    CHECK(failed ==
          s.request_drops + s.response_drops + s.request_truncations + s.response_truncations);
    CHECK((drop ? s.request_truncations + s.response_truncations
                : s.request_drops + s.response_drops) == 0);
    CHECK(s.duplicates + s.upstream_failures == 0);
  }
  CHECK(FdsBackTo(fds_before));
}

TEST_CASE("Duplicate mode makes the server see each request twice") {
  HttpServer http;
  FaultConfig faults;
  faults.duplicate = 1.0;
  auto proxy = StartProxy(http.port(), 3, faults);

  SECTION("one request per connection") {
    for (int i = 0; i < 10; ++i) {
      auto client = MakeClient(proxy->port());
      auto res = client.Post("/count", {{"X-Id", std::to_string(i)}}, "x", "text/plain");
      REQUIRE(res);
      CHECK(res->status == 200);
    }
    REQUIRE(Quiet(*proxy));
    CHECK(proxy->Stats().duplicates == 10);
    auto seen = http.Seen();
    CHECK(seen.size() == 10);
    for (const auto& [id, times] : seen) CHECK(times == 2);
  }
  SECTION("each request of a keep-alive connection is replayed") {
    auto client = MakeClient(proxy->port());
    client.set_keep_alive(true);
    for (const char* id : {"a", "b", "c"}) {
      auto res = client.Post("/count", {{"X-Id", id}}, "x", "text/plain");
      REQUIRE(res);
    }
    client.stop();
    REQUIRE(Quiet(*proxy));
    CHECK(proxy->Stats().duplicates == 3);
    auto seen = http.Seen();
    std::string shown;
    for (const auto& [id, times] : seen) shown += id + "=" + std::to_string(times) + " ";
    INFO(shown);
    CHECK(seen == std::map<std::string, int>{{"a", 2}, {"b", 2}, {"c", 2}});
  }
  SECTION("with probability one half, the counts agree") {
    uint64_t seed = TestSeed(99);
    INFO("seed " << seed);
    faults.duplicate = 0.5;
    proxy->SetConfig(faults);
    proxy->Reseed(seed);
    for (int i = 0; i < 20; ++i) {
      auto client = MakeClient(proxy->port());
      REQUIRE(client.Post("/count", {{"X-Id", std::to_string(i)}}, "x", "text/plain"));
    }
    REQUIRE(Quiet(*proxy));
    uint64_t twice = 0;
    for (const auto& [id, times] : http.Seen()) twice += times == 2 ? 1 : 0;
    CHECK(twice == proxy->Stats().duplicates);
    CHECK(twice > 0);
    CHECK(twice < 20);
  }
}

TEST_CASE("Delays hold chunks back without changing them") {
  EchoServer echo;
  FaultConfig faults;
  faults.delay = 1.0;
  faults.max_delay_ms = 5;
  auto proxy = StartProxy(echo.port(), 4, faults);
  std::string payload = RandomBytes(size_t{300} * 1024, 4);
  auto back = RoundTrip(proxy->port(), payload);
  REQUIRE(back);
  CHECK(*back == payload);
  CHECK(proxy->Stats().delays > 0);
}

TEST_CASE("Config changes between rounds, and reseeding repeats the same faults") {
  uint64_t seed = TestSeed(7);
  INFO("seed " << seed);
  HttpServer http;
  FaultConfig faults;
  faults.drop_request = 0.3;
  faults.truncate_response = 0.3;
  faults.max_cut_bytes = size_t{40} * 1024;
  auto proxy = StartProxy(http.port(), seed, faults);
  std::vector<bool> first = EchoRound(proxy->port(), 20, size_t{20} * 1024, 1);
  REQUIRE(Quiet(*proxy));
  FaultStats a = proxy->Stats();

  proxy->ResetStats();
  proxy->Reseed(seed);
  CHECK(EchoRound(proxy->port(), 20, size_t{20} * 1024, 1) == first);
  REQUIRE(Quiet(*proxy));
  FaultStats b = proxy->Stats();
  CHECK(b.connections == 20);
  CHECK(b.request_drops == a.request_drops);
  CHECK(b.response_truncations == a.response_truncations);

  proxy->SetConfig(FaultConfig{});
  std::vector<bool> pass = EchoRound(proxy->port(), 5, size_t{20} * 1024, 1);
  CHECK(pass == std::vector<bool>(5, true));

  faults = FaultConfig{};
  faults.drop_request = 1.0;
  faults.max_cut_bytes = 0;
  proxy->SetConfig(faults);
  CHECK(EchoRound(proxy->port(), 5, 1024, 1) == std::vector<bool>(5, false));
  REQUIRE(Quiet(*proxy));
  CHECK(proxy->Stats().request_drops == b.request_drops + 5);
}

TEST_CASE("A target that is down closes the client and is counted") {
  uint16_t dead_port = 0;
  ::close(ListenAnyPort(&dead_port));
  auto proxy = StartProxy(dead_port, 5, FaultConfig{});
  auto back = RoundTrip(proxy->port(), "hello");
  CHECK((!back || back->empty()));
  REQUIRE(Quiet(*proxy));
  CHECK(proxy->Stats().upstream_failures == 1);
}

TEST_CASE("Stop with open and delayed connections returns promptly and frees every fd") {
  size_t fds_before = OpenFds();
  {
    EchoServer echo;
    FaultConfig faults;
    faults.delay = 0.5;
    faults.max_delay_ms = 50;
    auto proxy = StartProxy(echo.port(), 6, faults);
    std::vector<int> clients;
    for (int i = 0; i < 16; ++i) {
      int fd = ConnectTo(proxy->port());
      REQUIRE(fd >= 0);
      clients.push_back(fd);
      char buf[5];
      REQUIRE(::send(fd, "hello", 5, MSG_NOSIGNAL) == 5);
      REQUIRE(::recv(fd, buf, 5, MSG_WAITALL) == 5);       // the upstream side is open too
      REQUIRE(::send(fd, "again", 5, MSG_NOSIGNAL) == 5);  // maybe held in a delay
    }
    CHECK(proxy->Stats().active == 16);

    auto start = Clock::now();
    proxy->Stop();
    CHECK(MillisSince(start) < 1000);
    CHECK(proxy->Stats().active == 0);
    for (int fd : clients) {
      char buf[16];
      ssize_t n = 0;
      while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) {
      }
      if (n < 0) CHECK((errno != EAGAIN && errno != EWOULDBLOCK));  // a reset, not a timeout
      ::close(fd);
    }
    proxy->Stop();  // idempotent
  }
  CHECK(FdsBackTo(fds_before));
}
