#include "sweep/sync/hlc.h"

#include <algorithm>

namespace sweep::sync {

v1::Hlc HlcTime::ToProto() const {
  v1::Hlc p;
  p.set_wall_ms(wall_ms);
  p.set_logical(logical);
  return p;
}

HlcTime HlcTime::FromProto(const v1::Hlc& p) { return {p.wall_ms(), p.logical()}; }

HlcTime HybridClock::Now() {
  int64_t pt = env_->NowMillis();
  if (pt > last_.wall_ms) {
    last_ = {pt, 0};
  } else {
    last_.logical += 1;
  }
  return last_;
}

HlcTime HybridClock::Observe(HlcTime remote) {
  int64_t pt = env_->NowMillis();
  int64_t wall = std::max({pt, last_.wall_ms, remote.wall_ms});
  uint32_t logical = 0;
  if (wall == last_.wall_ms && wall == remote.wall_ms) {
    logical = std::max(last_.logical, remote.logical) + 1;
  } else if (wall == last_.wall_ms) {
    logical = last_.logical + 1;
  } else if (wall == remote.wall_ms) {
    logical = remote.logical + 1;
  }
  last_ = {wall, logical};
  return last_;
}

}  // namespace sweep::sync
