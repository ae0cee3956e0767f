// Test doubles: a clock the test moves by hand and seeded randomness, plus
// temporary folders that clean up after themselves.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "sweep/schema/env.h"

namespace sweep::testing {

class FakeEnv final : public Env {
 public:
  explicit FakeEnv(uint64_t seed = 42) : rng_(seed) {}
  int64_t NowMillis() override { return now_ms; }
  int64_t MonotonicMicros() override { return mono_us; }
  void RandomBytes(void* out, size_t n) override {
    auto* p = static_cast<uint8_t*>(out);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(rng_());
  }
  void Advance(int64_t ms) {
    now_ms += ms;
    mono_us += ms * 1000;
  }
  int64_t now_ms = 1'764'300'000'000;  // 2025-11-28
  int64_t mono_us = 1'000'000;

 private:
  std::mt19937_64 rng_;
};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sweep-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace sweep::testing
