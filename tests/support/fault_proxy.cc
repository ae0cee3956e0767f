// FaultProxy: one accepting thread, one thread per connection. Every socket is
// non-blocking and every wait is a poll() that also watches a wake pipe, so
// Stop() only has to write one byte to it and join: no thread can be stuck in
// a read, a write, a connect or a delay.
#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <limits>
#include <list>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace sweep::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kChunkSize = size_t{64} * 1024;
constexpr int kConnectTimeoutMs = 2000;
// A replay is drained until the target closes; a target that never does must
// not keep a connection thread alive for ever.
constexpr auto kReplayTimeout = std::chrono::seconds(5);

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.Release()) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset(other.Release());
    return *this;
  }
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool Retryable(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

bool Fail(std::string* error, const std::string& what) {
  if (error) *error = what + ": " + std::generic_category().message(errno);
  return false;
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Small HTTP writes (headers, then body) must not wait for Nagle on either hop,
// or the proxy would add latency that a direct connection does not have.
void NoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

bool Listen(uint16_t port, Fd* out, uint16_t* bound, std::string* error) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Fail(error, "socket");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = Loopback(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Fail(error, "bind 127.0.0.1:" + std::to_string(port));
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) return Fail(error, "listen");
  socklen_t len = sizeof(addr);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return Fail(error, "getsockname");
  }
  *bound = ntohs(addr.sin_port);
  *out = std::move(fd);
  return true;
}

// A connected non-blocking socket to 127.0.0.1:port, or an invalid Fd if the
// target refuses, does not answer in time, or `wake_fd` becomes readable.
Fd ConnectLoopback(uint16_t port, int wake_fd) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return {};
  sockaddr_in addr = Loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) return {};
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {fd.get(), POLLOUT, 0}};
    int ready = 0;
    do {
      ready = ::poll(fds, 2, kConnectTimeoutMs);
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0 || fds[0].revents != 0) return {};
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return {};
  }
  NoDelay(fd.get());
  return fd;
}

int MillisUntil(Clock::time_point when) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(when - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, std::numeric_limits<int>::max()));
}

double ClampProbability(double p) { return p > 0 ? std::min(p, 1.0) : 0.0; }  // also NaN -> 0

FaultConfig Sanitized(FaultConfig c) {
  for (double* p : {&c.drop_request, &c.drop_response, &c.truncate_request, &c.truncate_response,
                    &c.duplicate, &c.delay}) {
    *p = ClampProbability(*p);
  }
  if (c.min_cut_bytes > c.max_cut_bytes) std::swap(c.min_cut_bytes, c.max_cut_bytes);
  c.max_delay_ms = std::max(c.max_delay_ms, 0);
  return c;
}

enum class Cut { kNone, kDrop, kTruncate };

// What happens to one connection, drawn when it is accepted.
struct Plan {
  Cut cut = Cut::kNone;
  bool cut_request = false;  // which direction the cut applies to
  uint64_t cut_at = 0;
  bool duplicate = false;
  double delay = 0;
  int max_delay_ms = 0;
  uint64_t seed = 0;  // for the per-chunk delay draws
};

struct Counters {
  std::atomic<uint64_t> connections{0}, active{0}, upstream_failures{0};
  std::atomic<uint64_t> bytes_to_server{0}, bytes_to_client{0};
  std::atomic<uint64_t> request_drops{0}, response_drops{0};
  std::atomic<uint64_t> request_truncations{0}, response_truncations{0};
  std::atomic<uint64_t> duplicates{0}, delays{0};
};

struct Worker {
  std::thread thread;
  std::atomic<bool> done{false};
};

}  // namespace

struct FaultProxy::State {
  uint16_t target_port = 0;
  uint16_t port = 0;
  Fd listener;
  Fd wake_read, wake_write;  // Stop() writes one byte and nobody reads it
  std::atomic<bool> stopping{false};
  Counters counters;

  std::mutex mu;
  FaultConfig config;   // guarded by mu
  std::mt19937_64 rng;  // guarded by mu

  std::thread acceptor;
  std::list<Worker> workers;  // the acceptor's, then Stop()'s once it is joined
  std::mutex stop_mu;         // serialises Stop()
  bool stopped = false;       // guarded by stop_mu

  Plan DrawPlan();
  void AcceptLoop();
  void Spawn(Fd client);
  void ReapFinished();
};

namespace {

// One direction of a connection: bytes read from `from` wait in `buf` until
// they are written to `to`, so each direction holds at most one chunk.
struct Direction {
  int from = -1;
  int to = -1;
  Cut cut = Cut::kNone;
  uint64_t cut_at = std::numeric_limits<uint64_t>::max();
  std::atomic<uint64_t>* forwarded = nullptr;
  std::atomic<uint64_t>* cut_counter = nullptr;
  bool request = false;  // client -> server

  std::string buf;
  size_t off = 0;
  uint64_t read_total = 0;
  Clock::time_point ready_at{};
  bool eof = false;        // `from` reached end of stream
  bool cut_fired = false;  // the prefix is buffered; the rest is discarded
  bool shut = false;       // `to` is half-closed

  bool Pending() const { return off < buf.size(); }
  bool WantsRead() const { return !eof && !Pending(); }
  bool Finished() const { return eof && shut; }
};

class Connection {
 public:
  Connection(FaultProxy::State* state, const Plan& plan)
      : state_(state), plan_(plan), rng_(plan.seed), scratch_(kChunkSize) {}

  void Run(Fd client);

 private:
  enum class Outcome { kClean, kDropped, kAborted, kStopped };

  Direction MakeDirection(int from, int to, bool request) const;
  void Record(const Direction& d, size_t n);
  void ReplayAll();
  Outcome Pump(Direction& request, Direction& response);
  bool Read(Direction& d);
  bool Write(Direction& d);
  bool Settle(Direction& d);
  void MaybeDelay(Direction& d);
  bool Replay(const std::string& bytes);

  FaultProxy::State* state_;
  Counters& counters() { return state_->counters; }
  Plan plan_;
  std::mt19937_64 rng_;
  std::vector<char> scratch_;
  // With plan_.duplicate: the request bytes, one string per turn of the
  // conversation (see Record).
  std::vector<std::string> turns_;
  bool server_spoke_ = true;
};

void Connection::Run(Fd client) {
  NoDelay(client.get());
  Fd upstream = ConnectLoopback(state_->target_port, state_->wake_read.get());
  if (!upstream.valid()) {
    if (!state_->stopping) ++counters().upstream_failures;
    return;
  }
  Direction request = MakeDirection(client.get(), upstream.get(), true);
  Direction response = MakeDirection(upstream.get(), client.get(), false);
  Outcome outcome = Pump(request, response);
  // The client must see its connection end before the replay, which can take
  // as long as the server needs to answer again.
  client.Reset();
  upstream.Reset();
  bool intact = outcome == Outcome::kClean && !request.cut_fired && !response.cut_fired;
  if (intact && plan_.duplicate) ReplayAll();
}

// HTTP/1.1 clients that do not pipeline (cpp-httplib's does not) send a
// request only once the previous answer came, so the bytes a client sends
// between two stretches of server bytes are one request. Splitting on that
// needs no HTTP parsing, and replaying each request on its own connection is
// needed because cpp-httplib's server drops pipelined requests. (A client
// that waits for "100 Continue" would have its request split in two.)
void Connection::Record(const Direction& d, size_t n) {
  if (!plan_.duplicate || n == 0) return;
  if (!d.request) {
    server_spoke_ = true;
    return;
  }
  if (server_spoke_) turns_.emplace_back();
  server_spoke_ = false;
  turns_.back().append(scratch_.data(), n);
}

void Connection::ReplayAll() {
  for (const std::string& turn : turns_) {
    if (!Replay(turn)) return;
    ++counters().duplicates;
  }
}

Direction Connection::MakeDirection(int from, int to, bool request) const {
  Direction d;
  d.from = from;
  d.to = to;
  d.request = request;
  Counters& c = state_->counters;
  d.forwarded = request ? &c.bytes_to_server : &c.bytes_to_client;
  if (plan_.cut != Cut::kNone && plan_.cut_request == request) {
    d.cut = plan_.cut;
    d.cut_at = plan_.cut_at;
    bool drop = plan_.cut == Cut::kDrop;
    d.cut_counter = request ? (drop ? &c.request_drops : &c.request_truncations)
                            : (drop ? &c.response_drops : &c.response_truncations);
  }
  return d;
}

Connection::Outcome Connection::Pump(Direction& request, Direction& response) {
  Direction* dirs[2] = {&request, &response};
  while (!(request.Finished() && response.Finished())) {
    pollfd fds[3] = {{state_->wake_read.get(), POLLIN, 0}};
    Direction* owner[3] = {nullptr};
    nfds_t n = 1;
    int timeout = -1;
    auto now = Clock::now();
    for (Direction* d : dirs) {
      if (d->WantsRead()) {
        owner[n] = d;
        fds[n++] = {d->from, POLLIN, 0};
      } else if (d->Pending() && now >= d->ready_at) {
        owner[n] = d;
        fds[n++] = {d->to, POLLOUT, 0};
      } else if (d->Pending()) {
        int wait = MillisUntil(d->ready_at);
        timeout = timeout < 0 ? wait : std::min(timeout, wait);
      }
    }
    if (::poll(fds, n, timeout) < 0) {
      if (errno == EINTR) continue;
      return Outcome::kAborted;
    }
    if (fds[0].revents != 0) return Outcome::kStopped;
    for (nfds_t i = 1; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      bool ok = fds[i].events == POLLOUT ? Write(*owner[i]) : Read(*owner[i]);
      if (!ok) return Outcome::kAborted;
    }
    for (Direction* d : dirs) {
      if (!Settle(*d)) return Outcome::kDropped;
    }
  }
  return Outcome::kClean;
}

bool Connection::Read(Direction& d) {
  ssize_t n = ::recv(d.from, scratch_.data(), scratch_.size(), 0);
  if (n < 0) return Retryable(errno);
  if (n == 0) {
    d.eof = true;
    return true;
  }
  if (d.cut_fired) return true;  // the discarded rest of a truncated direction
  auto keep = static_cast<size_t>(n);
  if (d.cut != Cut::kNone && d.read_total + keep > d.cut_at) {
    keep = static_cast<size_t>(d.cut_at - d.read_total);
    d.cut_fired = true;
    ++*d.cut_counter;
  }
  d.read_total += keep;
  d.buf.assign(scratch_.data(), keep);
  d.off = 0;
  Record(d, keep);
  if (keep > 0) MaybeDelay(d);
  return true;
}

void Connection::MaybeDelay(Direction& d) {
  if (plan_.delay <= 0 || plan_.max_delay_ms < 1) return;
  if (!std::bernoulli_distribution(plan_.delay)(rng_)) return;
  int ms = std::uniform_int_distribution<int>(1, plan_.max_delay_ms)(rng_);
  d.ready_at = Clock::now() + std::chrono::milliseconds(ms);
  ++counters().delays;
}

bool Connection::Write(Direction& d) {
  ssize_t n = ::send(d.to, d.buf.data() + d.off, d.buf.size() - d.off, MSG_NOSIGNAL);
  if (n < 0) return Retryable(errno);
  d.off += static_cast<size_t>(n);
  *d.forwarded += static_cast<uint64_t>(n);
  if (!d.Pending()) {
    d.buf.clear();
    d.off = 0;
  }
  return true;
}

// Once a direction's buffer is flushed, passes on its end (EOF or a cut).
// Returns false when the connection must be dropped.
bool Connection::Settle(Direction& d) {
  if (d.Pending() || d.shut) return true;
  if (d.cut_fired && d.cut == Cut::kDrop) return false;
  if (d.cut_fired || d.eof) {
    ::shutdown(d.to, SHUT_WR);
    d.shut = true;
  }
  return true;
}

// Sends one request on a fresh connection and half-closes it, so that the
// server answers and then closes; the answer is discarded. Returns true when
// all was sent and the server closed within kReplayTimeout.
bool Connection::Replay(const std::string& bytes) {
  Fd fd = ConnectLoopback(state_->target_port, state_->wake_read.get());
  if (!fd.valid()) return false;
  auto deadline = Clock::now() + kReplayTimeout;
  size_t off = 0;
  while (true) {
    int left = MillisUntil(deadline);
    if (left <= 0) return false;
    auto events = static_cast<short>(off < bytes.size() ? POLLIN | POLLOUT : POLLIN);
    pollfd fds[2] = {{state_->wake_read.get(), POLLIN, 0}, {fd.get(), events, 0}};
    if (::poll(fds, 2, left) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (fds[0].revents != 0) return false;
    if (fds[1].revents & POLLOUT) {
      ssize_t n = ::send(fd.get(), bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n < 0 && !Retryable(errno)) return false;
      off += static_cast<size_t>(std::max<ssize_t>(n, 0));
      if (off == bytes.size()) ::shutdown(fd.get(), SHUT_WR);
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd.get(), scratch_.data(), scratch_.size(), 0);
      if (n == 0) return off == bytes.size();
      if (n < 0 && !Retryable(errno)) return false;
    }
  }
}

}  // namespace

Plan FaultProxy::State::DrawPlan() {
  std::lock_guard<std::mutex> lock(mu);
  auto chance = [this](double p) { return p > 0 && std::bernoulli_distribution(p)(rng); };
  const FaultConfig& c = config;
  Plan plan;
  plan.seed = rng();
  const struct {
    double probability;
    Cut cut;
    bool request;
  } cuts[] = {{c.drop_request, Cut::kDrop, true},
              {c.drop_response, Cut::kDrop, false},
              {c.truncate_request, Cut::kTruncate, true},
              {c.truncate_response, Cut::kTruncate, false}};
  for (const auto& k : cuts) {
    if (!chance(k.probability)) continue;
    plan.cut = k.cut;
    plan.cut_request = k.request;
    plan.cut_at = std::uniform_int_distribution<uint64_t>(c.min_cut_bytes, c.max_cut_bytes)(rng);
    break;
  }
  plan.duplicate = chance(c.duplicate);
  plan.delay = c.delay;
  plan.max_delay_ms = c.max_delay_ms;
  return plan;
}

void FaultProxy::State::AcceptLoop() {
  while (true) {
    pollfd fds[2] = {{wake_read.get(), POLLIN, 0}, {listener.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents != 0) return;
    ReapFinished();
    if (fds[1].revents & (POLLERR | POLLNVAL)) return;
    Fd client(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (client.valid()) {
      Spawn(std::move(client));
    } else if (!Retryable(errno) && errno != ECONNABORTED) {
      // Out of fds or memory: the connection stays in the backlog, so back
      // off instead of spinning, and try again.
      pollfd wake = {wake_read.get(), POLLIN, 0};
      ::poll(&wake, 1, 10);
    }
  }
}

void FaultProxy::State::Spawn(Fd client) {
  ++counters.connections;
  Plan plan = DrawPlan();
  Worker& worker = workers.emplace_back();
  ++counters.active;
  int raw = client.get();
  try {
    worker.thread = std::thread([this, &worker, plan, raw] {
      try {
        Connection(this, plan).Run(Fd(raw));
      } catch (...) {  // out of memory: a test proxy must not abort the test binary
      }
      --counters.active;
      worker.done = true;
    });
    client.Release();
  } catch (const std::system_error&) {
    --counters.active;
    workers.pop_back();  // `client` closes the socket: the client sees EOF
  }
}

void FaultProxy::State::ReapFinished() {
  for (auto it = workers.begin(); it != workers.end();) {
    if (!it->done) {
      ++it;
      continue;
    }
    it->thread.join();
    it = workers.erase(it);
  }
}

std::unique_ptr<FaultProxy> FaultProxy::Start(const Options& options, std::string* error) {
  auto state = std::make_unique<State>();
  state->target_port = options.target_port;
  state->config = Sanitized(options.faults);
  state->rng.seed(options.seed);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    Fail(error, "pipe2");
    return nullptr;
  }
  state->wake_read.Reset(pipe_fds[0]);
  state->wake_write.Reset(pipe_fds[1]);
  if (!Listen(options.listen_port, &state->listener, &state->port, error)) return nullptr;
  try {
    state->acceptor = std::thread([s = state.get()] { s->AcceptLoop(); });
  } catch (const std::system_error& e) {
    if (error) *error = std::string("starting the accept thread: ") + e.what();
    return nullptr;
  }
  return std::unique_ptr<FaultProxy>(new FaultProxy(std::move(state)));
}

FaultProxy::FaultProxy(std::unique_ptr<State> state) : state_(std::move(state)) {}

FaultProxy::~FaultProxy() { Stop(); }

uint16_t FaultProxy::port() const { return state_->port; }

void FaultProxy::SetConfig(const FaultConfig& config) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->config = Sanitized(config);
}

void FaultProxy::Reseed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->rng.seed(seed);
}

FaultStats FaultProxy::Stats() const {
  const Counters& c = state_->counters;
  FaultStats s;
  s.connections = c.connections;
  s.active = c.active;
  s.upstream_failures = c.upstream_failures;
  s.bytes_to_server = c.bytes_to_server;
  s.bytes_to_client = c.bytes_to_client;
  s.request_drops = c.request_drops;
  s.response_drops = c.response_drops;
  s.request_truncations = c.request_truncations;
  s.response_truncations = c.response_truncations;
  s.duplicates = c.duplicates;
  s.delays = c.delays;
  return s;
}

void FaultProxy::ResetStats() {
  Counters& c = state_->counters;
  for (auto* counter :
       {&c.connections, &c.upstream_failures, &c.bytes_to_server, &c.bytes_to_client,
        &c.request_drops, &c.response_drops, &c.request_truncations, &c.response_truncations,
        &c.duplicates, &c.delays}) {
    *counter = 0;
  }
}

void FaultProxy::Stop() {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.stop_mu);
  if (s.stopped) return;
  s.stopped = true;
  s.stopping = true;
  char byte = 1;
  if (::write(s.wake_write.get(), &byte, 1) != 1) {  // cannot fail: the pipe is empty
  }
  if (s.acceptor.joinable()) s.acceptor.join();
  for (Worker& worker : s.workers) worker.thread.join();
  s.workers.clear();
  s.listener.Reset();
  s.wake_read.Reset();
  s.wake_write.Reset();
}

}  // namespace sweep::testing
