// The environment code runs in: clock and randomness, injected so that
// time-dependent behaviour (PIN lockout delays, idle locking, HLC, code
// expiry) and random ids are testable with fakes instead of sleeps.
// Env::Default() is the real one (system clock, libsodium's CSPRNG) and is
// thread-safe. Fakes in tests are not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sweep {

class Env {
 public:
  virtual ~Env() = default;
  // Wall-clock time in milliseconds since the Unix epoch.
  virtual int64_t NowMillis() = 0;
  // Monotonic time in microseconds (only differences are meaningful).
  virtual int64_t MonotonicMicros() = 0;
  // Fills `out` with `n` cryptographically secure random bytes.
  virtual void RandomBytes(void* out, size_t n) = 0;

  // The process-wide real environment. Never null, never freed.
  static Env* Default();
};

// A 128-bit random id as 32 lowercase hex characters.
std::string NewRandomId(Env* env);

}  // namespace sweep
