#include "sweep/schema/env.h"

#include <sodium.h>

#include <chrono>
#include <cstdlib>

namespace sweep {
namespace {

class RealEnv final : public Env {
 public:
  RealEnv() {
    if (sodium_init() < 0) std::abort();  // no safe randomness: cannot continue
  }
  int64_t NowMillis() override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  int64_t MonotonicMicros() override {
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
  }
  void RandomBytes(void* out, size_t n) override { randombytes_buf(out, n); }
};

}  // namespace

Env* Env::Default() {
  static RealEnv* env = new RealEnv();  // never destroyed: usable during exit
  return env;
}

std::string NewRandomId(Env* env) {
  unsigned char raw[16];
  env->RandomBytes(raw, sizeof raw);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : raw) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

}  // namespace sweep
