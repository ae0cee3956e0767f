// Hybrid logical clock (Kulkarni et al.): timestamps that follow wall-clock
// time but never go backwards, even when the clock is set back, and that
// order causally related events across devices. Not thread-safe; one clock
// per store or hub, guarded by its owner.
#pragma once

#include <cstdint>

#include "sweep/schema/env.h"
#include "sweep/v1/record.pb.h"

namespace sweep::sync {

struct HlcTime {
  int64_t wall_ms = 0;
  uint32_t logical = 0;
  auto operator<=>(const HlcTime&) const = default;
  v1::Hlc ToProto() const;
  static HlcTime FromProto(const v1::Hlc& p);
};

class HybridClock {
 public:
  explicit HybridClock(Env* env, HlcTime last = {}) : env_(env), last_(last) {}
  // A timestamp greater than every one issued or observed before.
  HlcTime Now();
  // Merges a timestamp received from elsewhere; returns the new local time.
  HlcTime Observe(HlcTime remote);
  HlcTime last() const { return last_; }

 private:
  Env* env_;
  HlcTime last_;
};

}  // namespace sweep::sync
