// FaultProxy: a TCP proxy for tests that sits between a sync client and the
// hub on loopback and injects network faults at random: connections cut
// mid-request or mid-response, one direction truncated with a half-close,
// requests replayed to the target (a duplicated request), and chunks delayed.
// With a default FaultConfig (every probability 0) it is a transparent proxy.
//
// Every decision comes from one std::mt19937_64 seeded by the test, so a
// failing round re-runs with the printed seed as long as the clients connect
// in the same order (e.g. one after the other).
//
// Ownership: the proxy owns its listening socket, one accepting thread and
// one thread per connection, which owns that connection's sockets. Stop()
// (also run by the destructor) wakes every thread and joins them; it returns
// within a second even with connections open, and leaves no fd behind.
//
// Thread-safety: SetConfig, Reseed, Stats and ResetStats may be called from
// any thread while traffic flows. A connection keeps the config and the
// random stream it was given when accepted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sweep::testing {

struct FaultConfig {
  // Per connection, at most one cut, tried in this order. A cut fires only if
  // its direction carries more than `cut` bytes, `cut` being drawn uniformly
  // from [min_cut_bytes, max_cut_bytes]; then the first `cut` bytes are
  // forwarded and:
  double drop_request = 0;       // both sides are closed (client -> server)
  double drop_response = 0;      // both sides are closed (server -> client)
  double truncate_request = 0;   // the server sees EOF; the rest is discarded
  double truncate_response = 0;  // the client sees EOF; the rest is discarded
  size_t min_cut_bytes = 0;
  size_t max_cut_bytes = size_t{64} * 1024;

  // Per connection: when it ends with no cut, each request it carried (the
  // client bytes between two answers) is sent again, byte for byte, on a
  // fresh upstream connection whose reply is discarded, as if the network
  // had duplicated the requests. Assumes clients that do not pipeline, and a
  // server that closes once the replay half-closes (else it waits 5 s).
  double duplicate = 0;

  // Per chunk read (up to 64 KiB): hold it for 1..max_delay_ms ms.
  double delay = 0;
  int max_delay_ms = 50;
};

// A snapshot of what the proxy did. Cuts, duplicates and delays are counted
// only when they actually happened.
struct FaultStats {
  uint64_t connections = 0;        // accepted from clients
  uint64_t active = 0;             // of those, still served (or replayed)
  uint64_t upstream_failures = 0;  // the target refused or did not answer
  uint64_t bytes_to_server = 0;    // forwarded client -> server (no replays)
  uint64_t bytes_to_client = 0;    // forwarded server -> client
  uint64_t request_drops = 0;
  uint64_t response_drops = 0;
  uint64_t request_truncations = 0;
  uint64_t response_truncations = 0;
  uint64_t duplicates = 0;  // requests replayed in full and answered
  uint64_t delays = 0;
};

class FaultProxy {
 public:
  struct Options {
    uint16_t target_port = 0;  // the server, on 127.0.0.1
    uint16_t listen_port = 0;  // 0: any free port, see port()
    uint64_t seed = 1;
    FaultConfig faults;
  };

  // Listens on 127.0.0.1 and starts accepting. Returns nullptr and, if
  // `error` is given, a reason when the listening socket cannot be set up.
  static std::unique_ptr<FaultProxy> Start(const Options& options, std::string* error = nullptr);

  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;
  ~FaultProxy();

  uint16_t port() const;

  // Apply to connections accepted from now on. Probabilities are clamped to
  // [0, 1] and an inverted cut range is swapped.
  void SetConfig(const FaultConfig& config);
  void Reseed(uint64_t seed);

  FaultStats Stats() const;
  void ResetStats();  // `active` is a gauge and is kept

  // Closes the listening socket and every connection, joins all threads.
  // Idempotent.
  void Stop();

  struct State;  // opaque; shared with the threads, defined in fault_proxy.cc

 private:
  explicit FaultProxy(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sweep::testing
